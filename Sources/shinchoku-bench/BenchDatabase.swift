import EmbeddedPostgres
import Foundation
import LibPQ
import Logging
import Shinchoku

/// Where the bench's databases live: a PostgreSQL cluster of its own (fsync on), or the server `--database-url`
/// names, which must be a superuser's URL (the bench creates databases, roles and scratch copies).
struct BenchDatabase: Sendable {
    enum Base: Sendable {
        /// libpq keyword/value pairs of the embedded cluster (trust authentication on its Unix socket).
        case parameters([(String, String)])
        /// A `postgresql://` URL or a `key=value` string.
        case url(String)
    }

    let base: Base
    /// The embedded cluster, when the bench started one.
    let cluster: EmbeddedPostgres?

    /// The libpq configuration of `user` (nil: the superuser of the base) on `database`.
    func configuration(database: String, user: String? = nil) -> ConnectionConfiguration {
        var c: ConnectionConfiguration
        switch base {
        case .parameters(let p): c = ConnectionConfiguration(parameters: p)
        case .url(let u): c = ConnectionConfiguration(url: u)
        }
        c = c.with("dbname", database)
        if let user { c = c.with("user", user) }
        return c
    }

    /// A connection string for pgbench (its dbname argument): `user` on `database`.
    func conninfo(database: String, user: String) -> String {
        switch base {
        case .parameters(let p):
            var pairs = p.filter { $0.0 != "user" && $0.0 != "dbname" }
            pairs += [("user", user), ("dbname", database)]
            return pairs.map {
                "\($0.0)='\($0.1.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'"))'"
            }
            .joined(separator: " ")
        case .url(let u):
            if var parts = URLComponents(string: u), let scheme = parts.scheme, scheme.hasPrefix("postgres") {
                // Another user: the superuser's password does not go with it (PGPASSWORD or ~/.pgpass does).
                parts.user = user
                parts.password = nil
                parts.path = "/" + database
                return parts.string ?? u
            }
            return u + " user='\(user)' dbname='\(database)'"
        }
    }

    /// Starts an embedded cluster in a short directory under /tmp, with PostgreSQL's durable defaults (fsync on,
    /// synchronous_commit on, full_page_writes on), or uses the URL.
    static func open(url: String?, directory: URL) throws -> BenchDatabase {
        if let url, !url.isEmpty { return BenchDatabase(base: .url(url), cluster: nil) }
        let cluster = EmbeddedPostgres(dataDirectory: directory, port: 5432)
        try cluster.start(fastButUnsafe: false)
        let parameters = cluster.connectionParameters().filter { $0.key != "dbname" }.sorted { $0.key < $1.key }
            .map { ($0.key, $0.value) }
        return BenchDatabase(base: .parameters(parameters), cluster: cluster)
    }

    /// Stops the embedded cluster, if any, and removes its directory.
    func close() {
        guard let cluster else { return }
        do { try cluster.stop() } catch { print("could not stop PostgreSQL: \(error)") }
        try? FileManager.default.removeItem(at: cluster.dataDirectory)
    }

    /// Runs `body` on one superuser connection to `database`.
    func asSuperuser<T: Sendable>(
        _ database: String = "postgres", _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        try await withConnectionPool(
            configuration: configuration(database: database), options: .init(maxConnections: 1)
        ) { pool in try await pool.withConnection(body) }
    }

    /// Drops `name` (closing its sessions) and creates it again, empty or as a copy of `template`.
    func recreate(_ name: String, template: String? = nil) async throws {
        try await asSuperuser { c in
            try c.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
            if let template {
                // CREATE DATABASE … TEMPLATE needs the template to have no sessions.
                try c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(template)")
                try c.execute("CREATE DATABASE \(identifier: name) TEMPLATE \(identifier: template)")
            } else {
                try c.execute("CREATE DATABASE \(identifier: name)")
            }
        }
    }

    /// `VACUUM (ANALYZE)` of `name`. The bench updates a few rows (its figures, the audit chain's one-row head)
    /// thousands of times a second, far faster than autovacuum comes round (once a minute per database), and a row's
    /// dead versions slow every later read of it: each run starts from a vacuumed database, so that no run pays for
    /// the dead versions the runs before it left. (A real quarter updates a figure a handful of times.)
    func vacuum(_ name: String) async throws {
        try await asSuperuser(name) { c in try c.execute("VACUUM (ANALYZE)") }
    }

    /// `VACUUM (ANALYZE)` of `name`, then a `CHECKPOINT`: a freshly loaded database as autovacuum and the
    /// checkpointer leave it a few minutes later (the visibility map set, the loaded pages written out), so that the
    /// timings after a bulk load measure the reports, not the load's write-back competing with them.
    func settleAfterLoad(_ name: String) async throws {
        try await vacuum(name)
        _ = try await asSuperuser(name) { c in try c.execute("CHECKPOINT") }
    }

    /// Drops `name` if it exists.
    func drop(_ name: String) async {
        _ = try? await asSuperuser { c in
            try c.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
        }
    }

    /// As in `shinchoku-server --demo`: the two roles, then the schema, migrated as its owner with the grants.
    func migrate(_ name: String) async throws {
        try await withConnectionPool(configuration: configuration(database: name), options: .init(maxConnections: 1)) {
            superuser in
            try await DatabaseRoles.setUp(pool: superuser)
            try await Migrator(pool: superuser, migrations: Migration.bundled()).apply()
        }
    }

    /// The server's durability settings and version, for the header.
    func settings() async throws -> (version: String, fsync: String, synchronousCommit: String, fullPageWrites: String)
    {
        try await asSuperuser { c in
            let row = try c.query(
                "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes')"
            ).single()
            return try row.decode((String, String, String, String).self)
        }
    }
}

/// The pool options `shinchoku-server` uses (its defaults: 10 s acquire wait, statement and idle-in-transaction
/// timeouts), with `size` connections.
func productionPoolOptions(size: Int) -> ConnectionPool.Options {
    ConnectionPool.Options(
        maxConnections: size, acquireTimeout: .seconds(10), statementTimeout: .seconds(10),
        idleInTransactionSessionTimeout: .seconds(10))
}

/// Runs blocking work (initdb, pg_ctl) on a thread of its own rather than on Swift's cooperative pool.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// ``onOwnThread(_:)`` for work that cannot fail.
func onOwnThread(_ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { continuation in
        Thread {
            body()
            continuation.resume()
        }.start()
    }
}
