import EmbeddedPostgres
import Foundation
import Hummingbird
import LibPQ
import Logging
import NIOCore
import Shinchoku

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs `shinchoku-server` until SIGINT or SIGTERM, then shuts down gracefully: in-flight requests finish, the
/// connection pool closes, and in demo mode the embedded PostgreSQL stops.
public func runServer(_ configuration: ServerConfiguration) async throws {
    var logger = Logger(label: "shinchoku.server")
    logger.logLevel = configuration.logLevel
    // Before the pool and the router exist: they create their metrics when they are made.
    ServerMetrics.bootstrap()
    if configuration.demo {
        try await DemoServer(configuration: configuration, logger: logger).run()
        return
    }
    let pool = ConnectionPool(
        configuration: try StartupCheck.databaseConfiguration(configuration.databaseURL),
        options: configuration.poolOptions, logger: logger)
    let service = ShinchokuService(pool: pool, logger: logger)
    try await refuseRolesThatBypassRowSecurity(pool: pool)
    await warnUnlessSchemaIsCurrent(pool: pool, logger: logger)
    var app = try buildApplication(configuration: configuration, service: service, logger: logger)
    // A service of the application: at graceful shutdown the HTTP server stops first (in-flight requests finish),
    // then the publisher and the notification worker stop (services stop in reverse order), then the pool closes
    // its connections.
    app.addServices(
        pool, Publisher(service: service, logger: logger),
        NotificationWorker(service: service, mail: configuration.mail, logger: logger))
    if let port = configuration.metrics.port {
        app.addServices(
            buildMetricsApplication(
                exposure: configuration.metrics, port: port, outbox: MailOutbox(pool: pool), logger: logger))
    }
    try await app.runService()
}

/// A server connected as a superuser, or as a role with BYPASSRLS, would run with none of the database's own
/// rules (docs/security.md): it refuses to start. Connect as `shinchoku_app`. An unreachable database is left to
/// `/readyz`.
private func refuseRolesThatBypassRowSecurity(pool: ConnectionPool) async throws {
    guard let me = try? await pool.withConnection({ c in try DatabaseRoles.identity(on: c) }) else { return }
    if me.isSuperuser || me.bypassesRowSecurity {
        throw ServerStartError.privilegedDatabaseRole(me.user)
    }
}

/// The server starts even when the database is down or behind, so that `/healthz` answers; `/readyz` tells.
private func warnUnlessSchemaIsCurrent(pool: ConnectionPool, logger: Logger) async {
    do {
        if try await !Migrator(pool: pool, migrations: Migration.bundled()).isCurrent() {
            logger.warning("the database schema is not current: run shinchoku-admin migrate; /readyz reports 503")
        }
    } catch {
        logger.warning(
            "the database cannot be reached yet; /readyz reports 503",
            metadata: ["error": "\(String(describing: error))"])
    }
}

/// `shinchoku-server --demo`: everything on a fresh machine, with nothing installed but PostgreSQL's binaries.
///
/// Starts an embedded PostgreSQL in a local data directory (reused on the next start), migrates, loads the plan
/// and the demo data, opens the quarter after the seed's data (2021Q2), (re)creates the demo accounts with new passwords, prints them,
/// and serves. Stopping the server stops PostgreSQL.
struct DemoServer {
    let configuration: ServerConfiguration
    let logger: Logger

    static let databaseName = "shinchoku"

    func run() async throws {
        let directory = try Self.dataDirectory(configured: configuration.demoDataDirectory, logger: logger)
        // Held until the demo ends: a second demo on this directory stops here, before touching anything.
        let lock = try DemoLock.acquire(
            for: directory, url: "http://\(configuration.host):\(configuration.port)")
        defer { withExtendedLifetime(lock) {} }
        let postgres = EmbeddedPostgres(dataDirectory: directory)
        logger.info("starting the demo's PostgreSQL", metadata: ["data_directory": "\(directory.path)"])
        // initdb and pg_ctl block for seconds: keep them off the cooperative pool.
        let started = try await onOwnThread { try postgres.start() }
        if !started {
            logger.notice(
                "the demo's PostgreSQL was already running (left by an earlier demo); it will be left running")
        }
        // A process stops only what it started.
        func stopIfStarted() async throws {
            guard started else { return }
            logger.info("stopping the demo's PostgreSQL")
            try await onOwnThread { try postgres.stop() }
        }
        do {
            try await serve(postgres)
        } catch {
            try? await stopIfStarted()
            throw error
        }
        try await stopIfStarted()
    }

    private func serve(_ postgres: EmbeddedPostgres) async throws {
        let server = ConnectionConfiguration(
            parameters: postgres.connectionParameters().sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        try await Self.createDatabaseIfMissing(on: server)
        // As the cluster's superuser: the two roles, then the schema, migrated as its owner with the grants.
        try await withConnectionPool(
            configuration: server.with("dbname", Self.databaseName), options: .init(maxConnections: 1)
        ) { superuser in
            try await DatabaseRoles.setUp(pool: superuser)
            try await Migrator(pool: superuser, migrations: Migration.bundled()).apply()
        }
        // The server itself connects as the application role, exactly as a deployment does.
        try await withConnectionPool(
            configuration: server.with("dbname", Self.databaseName).with("user", DatabaseRoles.application),
            options: configuration.poolOptions, logger: logger
        ) { pool in
            let service = ShinchokuService(pool: pool, logger: logger)
            let setup = try await service.prepareDemo(today: .todayInJapan)
            let periodState = (try? await service.period(setup.currentPeriod, as: .local).state)?.rawValue ?? "unknown"
            let address = "http://\(configuration.host):\(configuration.port)"
            var app = try buildApplication(
                configuration: configuration, service: service, logger: logger,
                onServerRunning: { channel in
                    let port = channel.localAddress?.port ?? configuration.port
                    Self.printWelcome(
                        setup, periodState: periodState, url: "http://\(configuration.host):\(port)",
                        dataDirectory: postgres)
                })
            app.addServices(
                Publisher(service: service, logger: logger),
                NotificationWorker(service: service, mail: configuration.mail, logger: logger))
            if let port = configuration.metrics.port {
                let host = configuration.metrics.host
                app.addServices(
                    buildMetricsApplication(
                        exposure: configuration.metrics, port: port, outbox: MailOutbox(pool: pool), logger: logger,
                        onServerRunning: { channel in
                            let port = channel.localAddress?.port ?? port
                            FileHandle.standardOutput.write(Data("Metrics: http://\(host):\(port)/metrics\n".utf8))
                        }))
            }
            logger.info("demo ready", metadata: ["address": "\(address)"])
            try await app.runService()
        }
    }

    static func createDatabaseIfMissing(on server: ConnectionConfiguration) async throws {
        try await withConnectionPool(configuration: server, options: .init(maxConnections: 1)) { pool in
            try await pool.withConnection { c in try c.createDatabaseIfMissing(databaseName) }
        }
    }

    /// The data directory: as configured, else `.shinchoku/demo-pgdata` under the current directory; when its
    /// socket path would exceed the kernel's limit, `/tmp/shinchoku-demo-<uid>`.
    static func dataDirectory(configured: String?, logger: Logger) throws -> URL {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let preferred =
            configured.map { URL(fileURLWithPath: $0, relativeTo: cwd) }
            ?? cwd.appendingPathComponent(".shinchoku/demo-pgdata", isDirectory: true)
        var directory = preferred.standardizedFileURL
        if !socketPathFits(directory) {
            let fallback = URL(fileURLWithPath: "/tmp/shinchoku-demo-\(getuid())", isDirectory: true)
            logger.notice(
                "the data directory's socket path is too long for the kernel; using a shorter one",
                metadata: ["data_directory": "\(fallback.path)"])
            directory = fallback
        }
        try FileManager.default.createDirectory(
            at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        return directory
    }

    /// Whether `<directory>/.s.PGSQL.5432` fits in `sun_path` (107 bytes on Linux, 103 on macOS).
    static func socketPathFits(_ directory: URL) -> Bool {
        #if os(Linux)
            let limit = 107
        #else
            let limit = 103
        #endif
        return (directory.path + "/.s.PGSQL.5432").utf8.count <= limit
    }

    /// The accounts and their passwords go to standard output for the person who started the demo, never to
    /// the log.
    static func printWelcome(
        _ setup: DemoSetup, periodState: String, url: String, dataDirectory postgres: EmbeddedPostgres
    ) {
        var text = "\nShinchoku demo is serving at \(url)\n"
        text += "PostgreSQL data: \(postgres.dataDirectory.path) (kept for the next start)\n"
        text +=
            "Demo quarter: \(setup.currentPeriod) (\(periodState)); \(setup.currentPeriod.previous) is the approved history"
        text += " from the prefecture's FY2021 Q1 report.\n"
        text += "Open \(url)/ in a browser and log in with an account below (clerks: the department code).\n\n"
        text += "Demo accounts (new passwords at every start):\n"
        let rows = setup.accounts.map { a in
            [a.login, a.role.rawValue, a.department ?? "-", a.password]
        }
        let header = ["login", "role", "department", "password"]
        let widths = (0..<4).map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
        for row in [header] + rows {
            let cells = row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            text += "  " + cells.joined(separator: "  ") + "\n"
        }
        func password(_ login: String) -> String { setup.accounts.first { $0.login == login }?.password ?? "" }
        text += "\nFor the walkthrough in docs/api.md:\n"
        text += "  export SHINCHOKU=\(url)\n"
        text += "  export CLERK_PASSWORD='\(password("ports"))' APPROVER_PASSWORD='\(password("planning"))'"
        text += " ADMIN_PASSWORD='\(password("admin"))'\n\nStop with Ctrl-C.\n\n"
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// Runs blocking work (initdb, pg_ctl) on a thread of its own rather than on Swift's cooperative pool.
private func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

extension CalendarDate {
    /// Today in Japan, where the prefecture's periods begin and end.
    static var todayInJapan: CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Tokyo") ?? .current
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        return CalendarDate(year: c.year!, month: c.month!, day: c.day!)!
    }
}
