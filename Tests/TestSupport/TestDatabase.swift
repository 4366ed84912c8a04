import EmbeddedPostgres
import Foundation
import LibPQ
import Shinchoku

/// A fresh database per test, on a real PostgreSQL.
///
/// When neither `DATABASE_URL` nor `PGHOST` is set, the first test starts an embedded cluster from
/// the machine's own PostgreSQL binaries in a temporary folder and stops it when the process exits;
/// otherwise tests create their databases on the configured server. Migrated databases are copies of
/// a template migrated once per process.
public enum TestDatabase {
    /// The bcrypt cost of test services: bcrypt's least, ~1 ms instead of ~250 ms at the deployed 12. Tests of what
    /// the cost itself decides (login timing) build a service at 12.
    public static let bcryptCost: UInt8 = 4

    /// Runs `body` with a fresh database (migrated unless `migrated` is false), dropped afterwards.
    public static func with<T>(
        migrated: Bool = true, maxConnections: Int = 4, _ body: (TestDB) async throws -> T
    ) async throws -> T {
        let db = try await fresh(migrated: migrated, maxConnections: maxConnections)
        do {
            let value = try await body(db)
            await db.drop()
            return value
        } catch {
            await db.drop()
            throw error
        }
    }

    /// A fresh database; call `drop()` when done.
    public static func fresh(migrated: Bool = true, maxConnections: Int = 4) async throws -> TestDB {
        try await Server.shared.makeDatabase(template: migrated ? .migrated : .empty, maxConnections: maxConnections)
    }

    /// Runs `body` with a fresh copy of the standard world (``Fixtures/standard(_:)``), dropped afterwards.
    /// The world is built once per process and copied as a template, which is much faster than building it.
    public static func withStandard<T>(maxConnections: Int = 4, _ body: (TestDB) async throws -> T) async throws -> T {
        let db = try await Server.shared.makeDatabase(template: .standard, maxConnections: maxConnections)
        do {
            let value = try await body(db)
            await db.drop()
            return value
        } catch {
            await db.drop()
            throw error
        }
    }

    /// The server's connection configuration (database `postgres`), for tests that need a second client.
    public static func serverConfiguration() async throws -> ConnectionConfiguration {
        try await Server.shared.base()
    }
}

/// One test database and a pool on it.
///
/// A migrated database is used the way a deployment uses it: ``pool`` and ``configuration`` connect as the
/// application role `shinchoku_app`, so every test runs with row-level security and the grants in force. Tests
/// that must step around them to arrange a state use ``arrange(_:)``; ``superuserPool`` sees every row. An empty database
/// (`migrated: false`, for LibPQ's own tests) is the superuser's.
public final class TestDB: Sendable {
    public let name: String
    public let configuration: ConnectionConfiguration
    public let pool: ConnectionPool
    /// The cluster's superuser on this database: bypasses row-level security; can disable triggers.
    public let superuserConfiguration: ConnectionConfiguration
    public let superuserPool: ConnectionPool

    init(
        name: String, configuration: ConnectionConfiguration, pool: ConnectionPool,
        superuserConfiguration: ConnectionConfiguration
    ) {
        self.name = name
        self.configuration = configuration
        self.pool = pool
        self.superuserConfiguration = superuserConfiguration
        self.superuserPool = ConnectionPool(
            configuration: superuserConfiguration, options: .init(maxConnections: 2, acquireTimeout: .seconds(30)))
    }

    /// Arranges a state no service call makes (a forged row, a clock moved back): runs `body` in one transaction
    /// as the superuser with `session_replication_role = replica`, so that neither row-level security nor the
    /// guard triggers of migration 0005 apply. Only tests do this; the application never can.
    public func arrange<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await superuserPool.withTransaction { c in
            try c.execute("SET LOCAL session_replication_role = replica")
            return try body(c)
        }
    }

    /// A service over this database, hashing passwords at ``TestDatabase/bcryptCost``.
    public func service() -> ShinchokuService { ShinchokuService(pool: pool, bcryptCost: TestDatabase.bcryptCost) }

    /// Closes the pool and drops the database.
    public func drop() async {
        await pool.close()
        await superuserPool.close()
        try? await Server.shared.dropDatabase(name)
        await Server.shared.releaseSlot()
    }
}

actor Server {
    static let shared = Server()

    private var baseConfiguration: ConnectionConfiguration?
    private var admin: ConnectionPool?
    // Tasks, not values: the actor is re-entrant across awaits, and concurrent tests must share one build.
    private var migratedTemplate: Task<String, any Error>?
    private var standardWorld: Task<String, any Error>?

    enum Template { case empty, migrated, standard }
    private var counter = 0

    func base() throws -> ConnectionConfiguration {
        if let baseConfiguration { return baseConfiguration }
        let env = ProcessInfo.processInfo.environment
        let config: ConnectionConfiguration
        if env["DATABASE_URL"] != nil || env["PGHOST"] != nil {
            config = ConnectionConfiguration.resolve(databaseURL: nil)
        } else {
            config = try EmbeddedCluster.start()
        }
        baseConfiguration = config
        return config
    }

    /// How tests connect as the application role: the base configuration as `shinchoku_app` (the embedded
    /// cluster trusts local connections; on a configured server, with `SHINCHOKU_APP_PASSWORD` if it is set).
    func applicationConfiguration(database: String) throws -> ConnectionConfiguration {
        var config = try base().with("dbname", database).with("user", DatabaseRoles.application)
        if let password = ProcessInfo.processInfo.environment["SHINCHOKU_APP_PASSWORD"] {
            config = config.with("password", password)
        }
        return config
    }

    private func adminPool() throws -> ConnectionPool {
        if let admin { return admin }
        // A few connections, so that dropping finished tests' databases does not hold up creating the next ones.
        let pool = ConnectionPool(
            configuration: try base(), options: .init(maxConnections: 3, acquireTimeout: .seconds(3600)))
        admin = pool
        return pool
    }

    private func nextName(_ prefix: String) -> String {
        counter += 1
        let random = UInt32.random(in: 0 ... .max)
        return "\(prefix)_\(getpid())_\(counter)_\(String(random, radix: 36))"
    }

    private func template() async throws -> String {
        if let migratedTemplate { return try await migratedTemplate.value }
        let task = Task { try await self.buildMigratedTemplate() }
        migratedTemplate = task
        return try await task.value
    }

    private func buildMigratedTemplate() async throws -> String {
        let name = nextName("sk_template")
        try await createDatabase(name, template: nil)
        let pool = ConnectionPool(configuration: try base().with("dbname", name), options: .init(maxConnections: 1))
        // Migrating as the superuser acts as the owner (the roles are set up by then).
        try await Migrator(pool: pool, migrations: try Migration.bundled()).apply()
        // The schema accepts only bcrypt hashes of cost 12 or more; test services hash at `bcryptCost` to save
        // time, so test databases accept lower costs in the same format.
        try await pool.withConnection { c in
            try c.execute(
                #"""
                ALTER TABLE users DROP CONSTRAINT users_password_hash_check,
                    ADD CONSTRAINT users_password_hash_check
                        CHECK (password_hash IS NULL OR password_hash ~ '^\$2[aby]\$(0[4-9]|[123][0-9])\$')
                """#)
        }
        await pool.close()
        return name
    }

    private func standardTemplate() async throws -> String {
        if let standardWorld { return try await standardWorld.value }
        let task = Task { try await self.buildStandardTemplate() }
        standardWorld = task
        return try await task.value
    }

    private func buildStandardTemplate() async throws -> String {
        let name = nextName("sk_standard")
        try await createDatabase(name, template: try await template())
        let config = try applicationConfiguration(database: name)
        let db = TestDB(
            name: name, configuration: config,
            pool: ConnectionPool(configuration: config, options: .init(maxConnections: 2)),
            superuserConfiguration: try base().with("dbname", name))
        try await Fixtures.standard(db)
        await db.pool.close()
        await db.superuserPool.close()
        return name
    }

    // Swift Testing starts every test and every parameterised case at once (the permission matrix alone
    // has 280). Letting only a few databases exist at a time keeps PostgreSQL below max_connections and
    // the serial CREATE DATABASE queue short; the others wait here, without a timeout.
    private static let concurrentDatabases = 6
    private var databasesInUse = 0
    private var slotWaiters: [CheckedContinuation<Void, Never>] = []

    private func acquireSlot() async {
        if databasesInUse < Self.concurrentDatabases {
            databasesInUse += 1
            return
        }
        await withCheckedContinuation { slotWaiters.append($0) }
    }

    func releaseSlot() {
        if slotWaiters.isEmpty {
            databasesInUse -= 1
        } else {
            slotWaiters.removeFirst().resume()  // the slot passes straight to the next waiter
        }
    }

    private var roles: Task<Void, any Error>?

    /// The cluster's two roles (`db setup-roles`), once per process, before any database is made: migrations
    /// from 0005 on need them, and tests connect as the application role.
    private func rolesSetUp() async throws {
        if let roles { return try await roles.value }
        let task = Task { try await DatabaseRoles.setUp(pool: try self.adminPool()) }
        roles = task
        try await task.value
    }

    func makeDatabase(template kind: Template, maxConnections: Int) async throws -> TestDB {
        try await rolesSetUp()
        await acquireSlot()
        do {
            return try await makeDatabaseInSlot(template: kind, maxConnections: maxConnections)
        } catch {
            releaseSlot()
            throw error
        }
    }

    private func makeDatabaseInSlot(template kind: Template, maxConnections: Int) async throws -> TestDB {
        let template: String?
        switch kind {
        case .empty: template = nil
        case .migrated: template = try await self.template()
        case .standard: template = try await standardTemplate()
        }
        let name = nextName("sk_test")
        try await createDatabase(name, template: template)
        let superuser = try base().with("dbname", name)
        let config = kind == .empty ? superuser : try applicationConfiguration(database: name)
        let pool = ConnectionPool(
            configuration: config, options: .init(maxConnections: maxConnections, acquireTimeout: .seconds(30)))
        return TestDB(name: name, configuration: config, pool: pool, superuserConfiguration: superuser)
    }

    private func createDatabase(_ name: String, template: String?) async throws {
        try await adminPool().withConnection { c in try c.createDatabase(name, template: template) }
    }

    func dropDatabase(_ name: String) async throws {
        try await adminPool().withConnection { c in
            try c.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
        }
    }
}

/// The embedded cluster used when no server is configured; stopped and removed at process exit.
enum EmbeddedCluster {
    nonisolated(unsafe) static var running: EmbeddedPostgres?

    static func start() throws -> ConnectionConfiguration {
        sweepOrphans()
        let dir = URL(fileURLWithPath: "/tmp/sk-test-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        let pg = EmbeddedPostgres(dataDirectory: dir, port: 5432)
        try pg.start(fastButUnsafe: true)
        running = pg
        atexit {
            if let pg = EmbeddedCluster.running {
                try? pg.stop()
                try? FileManager.default.removeItem(at: pg.dataDirectory)
            }
        }
        return ConnectionConfiguration(
            parameters: pg.connectionParameters().sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }
}

extension EmbeddedCluster {
    /// Stops and removes clusters of earlier test processes that were killed before their atexit ran.
    static func sweepOrphans() {
        let tmp = URL(fileURLWithPath: "/tmp")
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
        for entry in entries where entry.hasPrefix("sk-test-") {
            guard let pid = Int32(entry.dropFirst("sk-test-".count)), pid != getpid(), kill(pid, 0) != 0 else {
                continue
            }
            let dir = tmp.appendingPathComponent(entry)
            try? EmbeddedPostgres(dataDirectory: dir, port: 5432).stop()
            try? FileManager.default.removeItem(at: dir)
        }
    }
}
