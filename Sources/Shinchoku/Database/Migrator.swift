import Crypto
import Foundation
import LibPQ

/// One schema migration: `sql/migrations/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String
    /// SHA-256 of the file, hex.
    public var checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = Hex.string(SHA256.hash(data: Data(sql.utf8)))
    }

    /// Reads `NNNN_name.sql` files from a folder, in version order.
    public static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        var seen = Set<Int>()
        return try files.map { file in
            let stem = file.dropLast(4)
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 4, let version = Int(parts[0]) else {
                throw MigrationError.badFileName(file)
            }
            guard seen.insert(version).inserted else { throw MigrationError.duplicateVersion(version) }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            return Migration(version: version, name: String(parts[1]), sql: sql)
        }
    }

    /// The migrations shipped with Shinchoku.
    public static func bundled() throws -> [Migration] {
        try load(from: ShinchokuSQLResources.migrationsDirectory)
    }
}

/// Why migrations cannot be applied.
public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case badFileName(String)
    case duplicateVersion(Int)
    /// A migration that already ran was edited afterwards.
    case changedAfterApplied(version: Int, name: String)
    /// The database has a migration this build does not know.
    case unknownApplied(version: Int, name: String)
    /// Migrations run as the schema's owner or a superuser, not as this role (for example the application's).
    case needsOwner(user: String)

    public var description: String {
        switch self {
        case .badFileName(let f): "migration file \(f) is not named NNNN_name.sql"
        case .duplicateVersion(let v): "two migration files have version \(v)"
        case .changedAfterApplied(let v, let n):
            "migration \(String(format: "%04d", v))_\(n) was changed after it was applied; restore the original file and add a new migration instead"
        case .unknownApplied(let v, let n):
            "the database has migration \(String(format: "%04d", v))_\(n), which this build does not know; use a newer build"
        case .needsOwner(let user):
            "migrate runs as \(DatabaseRoles.owner) or a superuser, not as \(user): connect with the owner's credentials"
        }
    }
}

/// Applies migrations in order, each in its own transaction, recorded with its checksum.
public struct Migrator: Sendable {
    public let pool: ConnectionPool
    public let migrations: [Migration]

    public init(pool: ConnectionPool, migrations: [Migration]) {
        self.pool = pool
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    static let createTable: SQLQuery = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version     integer PRIMARY KEY,
            name        text NOT NULL,
            checksum    text NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        )
        """

    /// The migrations that would run, after checking that none that ran has changed.
    public func pending() async throws -> [Migration] {
        let migrations = self.migrations
        return try await pool.withConnection { c in
            try Self.pending(migrations, on: c)
        }
    }

    /// Applies what is pending and returns it, then (once the roles exist) re-applies the application role's
    /// grants (`sql/roles/grants.sql`); applying twice changes nothing.
    ///
    /// Runs as ``DatabaseRoles/owner``, or as a superuser, who first hands the schema's objects to the owner
    /// (``DatabaseRoles/adoptSchema(on:)``) and then acts as it, so that every object belongs to the owner.
    ///
    /// - Throws: ``MigrationError/needsOwner(user:)`` when the roles exist and the connection is neither; a
    ///   migration's own error (0005 refuses to run before `db setup-roles` created the roles).
    @discardableResult
    public func apply() async throws -> [Migration] {
        let me = try await pool.withConnection { c in try DatabaseRoles.identity(on: c) }
        if me.rolesExist && !me.isSuperuser && me.user != DatabaseRoles.owner {
            throw MigrationError.needsOwner(user: me.user)
        }
        let actAsOwner = me.rolesExist && me.isSuperuser
        if actAsOwner {
            try await pool.withTransaction { c in
                try c.execute("SELECT pg_advisory_xact_lock(727384001)")
                try DatabaseRoles.adoptSchema(on: c)
            }
        }
        var applied: [Migration] = []
        for m in try await pending() {
            let all = migrations
            let ran: Bool = try await pool.withTransaction { c in
                // One migrator at a time; re-check under the lock.
                try c.execute("SELECT pg_advisory_xact_lock(727384001)")
                if actAsOwner { try c.execute("SET LOCAL ROLE shinchoku_owner") }
                try c.execute(Self.createTable)
                guard try Self.pending(all, on: c).contains(where: { $0.version == m.version })
                else {
                    return false
                }
                try c.executeScript(unsafeSQL: m.sql)
                try c.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(m.version), \(m.name), \(m.checksum))"
                )
                return true
            }
            if ran { applied.append(m) }
        }
        if me.rolesExist {
            try await pool.withTransaction { c in
                try c.execute("SELECT pg_advisory_xact_lock(727384001)")
                // Before 0005 the schema has no roles to grant to (and a partial schema, no tables).
                guard try c.query("SELECT to_regprocedure('app_actor_id()') IS NOT NULL").single().decode(Bool.self)
                else { return }
                if actAsOwner { try c.execute("SET LOCAL ROLE shinchoku_owner") }
                try DatabaseRoles.applyGrants(on: c)
            }
        }
        return applied
    }

    /// Whether every known migration has been applied unchanged (for readiness checks).
    public func isCurrent() async throws -> Bool { try await pending().isEmpty }

    static func pending(_ migrations: [Migration], on c: Connection) throws -> [Migration] {
        let exists =
            try c.query("SELECT to_regclass('schema_migrations') IS NOT NULL").first?.decode(Bool.self) ?? false
        guard exists else { return migrations }
        // The application role has no grant on the table; it reads it through 0005's applied_migrations().
        let readable = try c.query("SELECT has_table_privilege('schema_migrations', 'SELECT')").single().decode(
            Bool.self)
        let rows = try c.query(
            readable
                ? "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
                : "SELECT version, name, checksum FROM applied_migrations()"
        ).decode((Int, String, String).self)
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, name, checksum) in rows {
            guard let m = known[version] else { throw MigrationError.unknownApplied(version: version, name: name) }
            guard m.checksum == checksum else {
                throw MigrationError.changedAfterApplied(version: version, name: m.name)
            }
        }
        let done = Set(rows.map(\.0))
        return migrations.filter { !done.contains($0.version) }
    }
}
