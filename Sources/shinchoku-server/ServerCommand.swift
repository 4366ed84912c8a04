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
            variables), SHINCHOKU_POOL_SIZE, SHINCHOKU_LOG_LEVEL, SHINCHOKU_REQUEST_TIMEOUT, \
            SHINCHOKU_STATEMENT_TIMEOUT, SHINCHOKU_BEHIND_TLS (true or false), SHINCHOKU_PUBLIC_REPORTS (true or \
            false; --no-public-reports wins), SHINCHOKU_PUBLIC_URL, SHINCHOKU_SMTP_URL, SHINCHOKU_MAIL_FROM, \
            SHINCHOKU_PREPARED_STATEMENTS (on or off), SHINCHOKU_METRICS_PORT, SHINCHOKU_METRICS_HOST, \
            SHINCHOKU_METRICS_TOKEN. Without an SMTP URL no mail is sent; notifications are still written and shown \
            in the app. Without a metrics port or token there is no /metrics.

            Examples:
              shinchoku-server --demo
              shinchoku-server --database-url postgresql://shinchoku@db.example/shinchoku --host 0.0.0.0
              shinchoku-server --demo --metrics-port 9464     # then: curl http://127.0.0.1:9464/metrics
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

    @Option(help: "Seconds a request may wait for the database before it is answered 503 (default 10).")
    var requestTimeout: Int?

    @Option(
        help:
            "PostgreSQL's statement_timeout and idle_in_transaction_session_timeout on each connection, in seconds (default 10)."
    )
    var statementTimeout: Int?

    @Flag(help: "Run the demo: embedded PostgreSQL, demo data, demo accounts with printed passwords.")
    var demo = false

    @Option(help: "The demo's PostgreSQL data directory (default .shinchoku/demo-pgdata).")
    var demoDataDirectory: String?

    @Option(
        help: ArgumentHelp(
            "A reverse proxy's IP address whose X-Forwarded-For names the client (repeatable; default: none, the "
                + "socket's peer is the client).", valueName: "address"))
    var trustedProxy: [String] = []

    @Flag(help: "The server is reached over HTTPS through a proxy: session cookies get Secure.")
    var behindTLS = false

    @Flag(help: "Do not serve published editions without login under /published (default: served).")
    var noPublicReports = false

    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Run statements as prepared statements cached per connection (default on; turn off behind PgBouncer "
                + "in transaction pooling mode before 1.21)."))
    var preparedStatements: Bool?

    @Option(help: "The URL people reach the server at, for links in mails (default http://127.0.0.1:8080).")
    var publicURL: String?

    @Option(
        help: ArgumentHelp(
            "The SMTP server notifications are mailed through, as smtp://host:port (user:password@ allowed; never "
                + "logged). Default SHINCHOKU_SMTP_URL; none: no mail.", valueName: "url"))
    var smtpURL: String?

    @Option(help: "The From address of notification mails (default SHINCHOKU_MAIL_FROM, else shinchoku@<host>).")
    var mailFrom: String?

    @Option(
        help: ArgumentHelp(
            "Serve GET /metrics (Prometheus text format) on a listener of its own at this port, and nothing else "
                + "there (0 picks a free one). Default SHINCHOKU_METRICS_PORT; none: no metrics listener.",
            valueName: "port"))
    var metricsPort: Int?

    @Option(help: "The address the metrics listener binds to (default SHINCHOKU_METRICS_HOST, else 127.0.0.1).")
    var metricsHost: String?

    @Option(
        help: ArgumentHelp(
            "Serve GET /metrics on the main listener to this bearer token (at least 16 characters; prefer "
                + "SHINCHOKU_METRICS_TOKEN, which ps does not show). Default: not served there.",
            valueName: "token"))
    var metricsToken: String?

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
        let requestText = requestTimeout.map(String.init) ?? env["SHINCHOKU_REQUEST_TIMEOUT"]
        guard let request = requestText.map({ Int($0) }) ?? 10, (1...3600).contains(request) else {
            throw ValidationError("The request timeout must be a number of seconds from 1 to 3600.")
        }
        let statementText = statementTimeout.map(String.init) ?? env["SHINCHOKU_STATEMENT_TIMEOUT"]
        guard let statement = statementText.map({ Int($0) }) ?? 10, (1...3600).contains(statement) else {
            throw ValidationError("The statement timeout must be a number of seconds from 1 to 3600.")
        }
        let tlsText = env["SHINCHOKU_BEHIND_TLS"]?.lowercased()
        guard tlsText == nil || ["true", "false", "1", "0"].contains(tlsText!) else {
            throw ValidationError("SHINCHOKU_BEHIND_TLS must be true or false.")
        }
        let publicReportsText = env["SHINCHOKU_PUBLIC_REPORTS"]?.lowercased()
        guard publicReportsText == nil || ["true", "false", "1", "0"].contains(publicReportsText!) else {
            throw ValidationError("SHINCHOKU_PUBLIC_REPORTS must be true or false.")
        }
        let preparedText = env["SHINCHOKU_PREPARED_STATEMENTS"]?.lowercased()
        guard preparedText == nil || ["on", "off", "true", "false", "1", "0"].contains(preparedText!) else {
            throw ValidationError("SHINCHOKU_PREPARED_STATEMENTS must be on or off.")
        }
        let publicText = publicURL ?? env["SHINCHOKU_PUBLIC_URL"] ?? "http://127.0.0.1:8080"
        guard let publicParts = URLComponents(string: publicText),
            ["http", "https"].contains(publicParts.scheme ?? ""),
            let publicHost = publicParts.host, !publicHost.isEmpty
        else {
            throw ValidationError(
                "--public-url must be an http:// or https:// URL such as https://shinchoku.example.jp.")
        }
        let smtpText = (smtpURL ?? env["SHINCHOKU_SMTP_URL"]).flatMap { $0.isEmpty ? nil : $0 }
        if let smtpText {
            guard let parts = URLComponents(string: smtpText), ["smtp", "smtps"].contains(parts.scheme ?? ""),
                parts.host?.isEmpty == false
            else {
                // The URL may hold a password: never repeat it.
                throw ValidationError("--smtp-url must be an smtp:// or smtps:// URL such as smtp://127.0.0.1:25.")
            }
        }
        let from = mailFrom ?? env["SHINCHOKU_MAIL_FROM"] ?? "shinchoku@\(publicHost)"
        guard from.range(of: "^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$", options: .regularExpression) != nil else {
            throw ValidationError("--mail-from must be a plain address such as shinchoku@example.jp.")
        }
        let metricsPortText = metricsPort.map(String.init) ?? env["SHINCHOKU_METRICS_PORT"]
        var metricsPortValue: Int?
        if let metricsPortText, !metricsPortText.isEmpty {
            guard let value = Int(metricsPortText), (0...65535).contains(value) else {
                throw ValidationError("The metrics port must be a number from 0 to 65535.")
            }
            guard value == 0 || value != port else {
                throw ValidationError("The metrics port must differ from the server's port (\(port)).")
            }
            metricsPortValue = value
        }
        let token = (metricsToken ?? env["SHINCHOKU_METRICS_TOKEN"]).flatMap { $0.isEmpty ? nil : $0 }
        if let token {
            // The token itself is never repeated in a message.
            guard token.count >= 16, token.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 })
            else {
                throw ValidationError(
                    "The metrics token must be at least 16 printable ASCII characters without spaces.")
            }
        }
        var configuration = ServerConfiguration(
            host: host ?? env["SHINCHOKU_HOST"] ?? "127.0.0.1", port: port, databaseURL: databaseURL,
            poolSize: pool, logLevel: level, demo: demo, demoDataDirectory: demoDataDirectory,
            requestTimeout: .seconds(request), statementTimeout: .seconds(statement),
            trustedProxies: trustedProxy, behindTLS: behindTLS || tlsText == "true" || tlsText == "1")
        configuration.metrics = MetricsExposure(
            port: metricsPortValue, host: metricsHost ?? env["SHINCHOKU_METRICS_HOST"] ?? "127.0.0.1", token: token)
        configuration.publicReports = !noPublicReports && publicReportsText != "false" && publicReportsText != "0"
        configuration.preparedStatements = preparedStatements ?? !["off", "false", "0"].contains(preparedText ?? "on")
        configuration.mail = MailConfiguration(
            publicURL: publicText.hasSuffix("/") ? String(publicText.dropLast()) : publicText, smtpURL: smtpText,
            from: from)
        return configuration
    }

    func validate() throws {
        _ = try resolved()
        for address in trustedProxy
        where address.isEmpty || address.count > 45
            || !address.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == "." || $0 == ":" })
        {
            throw ValidationError("--trusted-proxy takes an IP address such as 10.0.0.5, not \"\(address)\".")
        }
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
