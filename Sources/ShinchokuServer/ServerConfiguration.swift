import Foundation
import LibPQ
import Logging

/// How `shinchoku-server` runs: where it listens, which database it uses, and whether it is the demo.
public struct ServerConfiguration: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port to listen on; 0 picks a free one.
    public var port: Int
    /// A `postgresql://` URL or `key=value` string; nil means `DATABASE_URL`, else libpq's `PG*` variables.
    public var databaseURL: String?
    /// The most database connections the server opens at once.
    public var poolSize: Int
    /// The least severe log level written.
    public var logLevel: Logger.Level
    /// Run the self-contained demo: embedded PostgreSQL, demo data and accounts.
    public var demo: Bool
    /// The demo's PostgreSQL data directory; nil means `.shinchoku/demo-pgdata` under the current directory.
    public var demoDataDirectory: String?
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed, for the client address that login
    /// throttling counts by. Empty (the default): the socket's peer is the client.
    public var trustedProxies: [String]
    /// How long a request may wait for the database in all (a free connection, then its statements) before it is
    /// answered `503`; `/readyz` waits at most ``readinessTimeout``.
    public var requestTimeout: Duration
    /// PostgreSQL's `statement_timeout` and `idle_in_transaction_session_timeout` on the pool's connections, so that
    /// a stuck statement or a transaction its client abandoned ends on the server's side too.
    public var statementTimeout: Duration

    /// Where `GET /metrics` is served: a listener of its own, or the main one behind a token, or not at all
    /// (the default).
    public var metrics = MetricsExposure()

    /// Notifications' mail: the public URL of links, the SMTP server (none: no mail), the From address.
    public var mail = MailConfiguration()

    /// How long `/readyz` waits for the database (or the request timeout, if shorter): load balancers poll it.
    public static let readinessTimeout: Duration = .seconds(2)

    /// The server is reached through a TLS-terminating proxy: the session cookie gets `Secure`, and the web
    /// screens' `Origin` check expects `https://`. A client's own `X-Forwarded-Proto` is never trusted.
    public var behindTLS: Bool

    /// Serve published editions without login under `/published` (docs/publication.md). On by default: published
    /// reports are public information.
    public var publicReports: Bool = true

    /// Run statements as named prepared statements, cached per connection (docs/operations.md). Turn it off behind
    /// PgBouncer in transaction pooling mode before 1.21, which cannot keep them.
    public var preparedStatements: Bool = true

    public init(
        host: String = "127.0.0.1", port: Int = 8080, databaseURL: String? = nil, poolSize: Int = 8,
        logLevel: Logger.Level = .info, demo: Bool = false, demoDataDirectory: String? = nil,
        requestTimeout: Duration = .seconds(10), statementTimeout: Duration = .seconds(10),
        trustedProxies: [String] = [], behindTLS: Bool = false
    ) {
        self.requestTimeout = requestTimeout
        self.statementTimeout = statementTimeout
        self.trustedProxies = trustedProxies
        self.host = host
        self.port = port
        self.databaseURL = databaseURL
        self.poolSize = poolSize
        self.logLevel = logLevel
        self.demo = demo
        self.demoDataDirectory = demoDataDirectory
        self.behindTLS = behindTLS
    }
}

extension ServerConfiguration {
    /// The connection pool's options: its size, the database's timeouts on every connection, prepared statements.
    var poolOptions: ConnectionPool.Options {
        ConnectionPool.Options(
            maxConnections: poolSize, acquireTimeout: requestTimeout, statementTimeout: statementTimeout,
            idleInTransactionSessionTimeout: statementTimeout, preparedStatementCacheSize: preparedStatements ? 256 : 0)
    }
}

/// How notification mails are sent (docs/notifications.md).
public struct MailConfiguration: Sendable {
    /// The server's URL as people reach it, without a trailing slash: mails' links start with it, and its host ends
    /// every `Message-ID`.
    public var publicURL: String
    /// `smtp://host:port` (may hold a user and password, never logged); nil: no mail is sent, notifications are
    /// still written and shown in the app, and the outbox keeps the mails for a later start with a server.
    public var smtpURL: String?
    /// The envelope sender and `From:`.
    public var from: String
    /// How often the worker looks for due mails.
    public var pollInterval: Duration
    /// The first retry's delay; each further one doubles, up to ``maximumRetryDelay``.
    public var retryDelay: Duration
    public var maximumRetryDelay: Duration
    /// How often the reminders' check runs.
    public var reminderInterval: Duration

    public init(
        publicURL: String = "http://127.0.0.1:8080", smtpURL: String? = nil, from: String = "shinchoku@127.0.0.1",
        pollInterval: Duration = .seconds(2), retryDelay: Duration = .seconds(30),
        maximumRetryDelay: Duration = .seconds(3600), reminderInterval: Duration = .seconds(3600)
    ) {
        self.publicURL = publicURL
        self.smtpURL = smtpURL
        self.from = from
        self.pollInterval = pollInterval
        self.retryDelay = retryDelay
        self.maximumRetryDelay = maximumRetryDelay
        self.reminderInterval = reminderInterval
    }

    /// The host of ``publicURL``, for `Message-ID`s.
    var messageIDHost: String { URLComponents(string: publicURL)?.host ?? "localhost" }
}

/// Limits of the HTTP API.
enum APILimits {
    /// The largest request body accepted: a figure, a narrative or a bulk approval fits many times over.
    static let maximumBodySize = 64 * 1024
}
