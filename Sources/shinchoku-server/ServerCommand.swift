import ArgumentParser
import Foundation
import Logging
import ShinchokuServer

/// `shinchoku-server`: reads its configuration from flags, then the environment, and runs the HTTP API.
@main
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shinchoku-server",
        abstract: "Serve Shinchoku's HTTP API.",
        discussion: """
            Flags win over the environment: SHINCHOKU_HOST, SHINCHOKU_PORT, DATABASE_URL (else libpq's PG* \
            variables), SHINCHOKU_POOL_SIZE, SHINCHOKU_LOG_LEVEL, SHINCHOKU_BEHIND_TLS (true or false).

            Examples:
              shinchoku-server --demo
              shinchoku-server --database-url postgresql://shinchoku@db.example/shinchoku --host 0.0.0.0
            """)

    @Option(help: "The address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "The port to listen on (default 8080).")
    var port: Int?

    @Option(help: "The database as a postgresql:// URL (default DATABASE_URL, else libpq's PG* variables).")
    var databaseURL: String?

    @Option(help: "The most database connections at once (default 8).")
    var poolSize: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    @Flag(help: "Run the demo: embedded PostgreSQL, demo data, demo accounts with printed passwords.")
    var demo = false

    @Option(help: "The demo's PostgreSQL data directory (default .shinchoku/demo-pgdata).")
    var demoDataDirectory: String?

    @Flag(help: "The server is reached over HTTPS through a proxy: session cookies get Secure.")
    var behindTLS = false

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    func resolved() throws -> ServerConfiguration {
        let env = environment
        let portText = port.map(String.init) ?? env["SHINCHOKU_PORT"]
        let poolText = poolSize.map(String.init) ?? env["SHINCHOKU_POOL_SIZE"]
        let levelText = logLevel ?? env["SHINCHOKU_LOG_LEVEL"]
        guard let port = portText.map({ Int($0) }) ?? 8080, (0...65535).contains(port) else {
            throw ValidationError("The port must be a number from 0 to 65535.")
        }
        guard let pool = poolText.map({ Int($0) }) ?? 8, (1...100).contains(pool) else {
            throw ValidationError("The pool size must be a number from 1 to 100.")
        }
        guard let level = levelText.map({ Logger.Level(rawValue: $0.lowercased()) }) ?? .info else {
            throw ValidationError(
                "The log level must be one of trace, debug, info, notice, warning, error, critical.")
        }
        let tlsText = env["SHINCHOKU_BEHIND_TLS"]?.lowercased()
        guard tlsText == nil || ["true", "false", "1", "0"].contains(tlsText!) else {
            throw ValidationError("SHINCHOKU_BEHIND_TLS must be true or false.")
        }
        return ServerConfiguration(
            host: host ?? env["SHINCHOKU_HOST"] ?? "127.0.0.1", port: port, databaseURL: databaseURL,
            poolSize: pool, logLevel: level, demo: demo, demoDataDirectory: demoDataDirectory,
            behindTLS: behindTLS || tlsText == "true" || tlsText == "1")
    }

    func validate() throws {
        _ = try resolved()
    }

    func run() async throws {
        let configuration = try resolved()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        try await runServer(configuration)
    }
}
