import Foundation
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
    /// The server is reached through a TLS-terminating proxy: the session cookie gets `Secure`, and the web
    /// screens' `Origin` check expects `https://`. A client's own `X-Forwarded-Proto` is never trusted.
    public var behindTLS: Bool

    public init(
        host: String = "127.0.0.1", port: Int = 8080, databaseURL: String? = nil, poolSize: Int = 8,
        logLevel: Logger.Level = .info, demo: Bool = false, demoDataDirectory: String? = nil, behindTLS: Bool = false
    ) {
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

/// Limits of the HTTP API.
enum APILimits {
    /// The largest request body accepted: a figure, a narrative or a bulk approval fits many times over.
    static let maximumBodySize = 64 * 1024
}
