import Foundation
import LibPQ

/// What `shinchoku-admin status` reports of a database: where it is, and how much it holds once migrated.
public struct DatabaseStatus: Sendable, Equatable {
    /// How many rows the main tables hold.
    public struct Counts: Sendable, Equatable, Encodable {
        public var departments: Int
        public var projects: Int
        public var indicators: Int
        public var users: Int
        public var periods: Int
        public var figures: Int
    }

    /// The database's name.
    public var database: String
    /// PostgreSQL's version number, e.g. 150004 for 15.4.
    public var serverVersion: Int
    /// Nil while migrations are pending: the tables may not exist yet.
    public var counts: Counts?
    /// Whether an enabled admin account exists; nil while migrations are pending.
    public var hasAdmin: Bool?

    /// Reads the status; counts and the admin only when `migrated`. Reads only: it needs no acting user.
    public static func read(from pool: ConnectionPool, migrated: Bool) async throws -> DatabaseStatus {
        try await pool.withConnection { c in
            let database = try c.query("SELECT current_database()").single().decode(String.self)
            guard migrated else { return DatabaseStatus(database: database, serverVersion: c.serverVersion) }
            let (d, p, i, u, pe, f, admin) = try c.query(
                """
                SELECT (SELECT count(*) FROM departments), (SELECT count(*) FROM projects),
                       (SELECT count(*) FROM indicators), (SELECT count(*) FROM users),
                       (SELECT count(*) FROM periods), (SELECT count(*) FROM figures),
                       EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL)
                """
            ).single().decode((Int, Int, Int, Int, Int, Int, Bool).self)
            return DatabaseStatus(
                database: database, serverVersion: c.serverVersion,
                counts: Counts(departments: d, projects: p, indicators: i, users: u, periods: pe, figures: f),
                hasAdmin: admin)
        }
    }
}
