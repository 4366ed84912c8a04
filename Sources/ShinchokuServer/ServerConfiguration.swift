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
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed, for the client address that login
    /// throttling counts by. Empty (the default): the socket's peer is the client.
    public var trustedProxies: [String]

    public init(
        host: String = "127.0.0.1", port: Int = 8080, databaseURL: String? = nil, poolSize: Int = 8,
        logLevel: Logger.Level = .info, demo: Bool = false, demoDataDirectory: String? = nil,
        trustedProxies: [String] = []
    ) {
        self.trustedProxies = trustedProxies
        self.host = host
        self.port = port
        self.databaseURL = databaseURL
        self.poolSize = poolSize
        self.logLevel = logLevel
        self.demo = demo
        self.demoDataDirectory = demoDataDirectory
    }
}

/// Limits of the HTTP API.
enum APILimits {
    /// The largest request body accepted: a figure, a narrative or a bulk approval fits many times over.
    static let maximumBodySize = 64 * 1024
}
