import Foundation
import LibPQ
import TestSupport

/// A value shared between tasks and connection threads, guarded by a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}

/// The error a test body throws on purpose.
struct PlannedFailure: Error, Equatable {}

extension TestDB {
    /// Runs one statement on a pooled connection and decodes the first column of its first row.
    func scalar<T: PostgresDecodable>(_ type: T.Type, _ query: SQLQuery) async throws -> T {
        try await pool.withConnection { c in
            let result = try c.query(query)
            guard let row = result.first else { throw PostgresError(kind: .client, message: "no row") }
            return try row.decode(T.self, at: 0)
        }
    }

    /// Runs statements with no result on a pooled connection.
    func run(_ queries: SQLQuery...) async throws {
        try await pool.withConnection { c in
            for q in queries { try c.execute(q) }
        }
    }

    /// Whether a backend of this server with that pid still exists.
    func backendExists(_ pid: Int32, using admin: ConnectionPool) async throws -> Bool {
        try await admin.withConnection { c in
            try c.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(pid)").first!.decode(Int.self, at: 0) > 0
        }
    }

    /// Waits until the backend with that pid has gone, for at most ten seconds.
    func waitUntilBackendGone(_ pid: Int32, using admin: ConnectionPool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await backendExists(pid, using: admin) {
            guard ContinuousClock.now < deadline else {
                throw PostgresError(kind: .client, message: "backend \(pid) is still there after 10 s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A pool on the server's maintenance database, for a second client that watches or kills backends.
func adminPool() async throws -> ConnectionPool {
    ConnectionPool(configuration: try await TestDatabase.serverConfiguration(), options: .init(maxConnections: 1))
}

/// Runs `body` with a pool on the maintenance database and closes it afterwards.
func withAdminPool<T>(_ body: (ConnectionPool) async throws -> T) async throws -> T {
    let admin = try await adminPool()
    do {
        let value = try await body(admin)
        await admin.close()
        return value
    } catch {
        await admin.close()
        throw error
    }
}

/// Runs `body` with a pool of one's own options on the test database and closes it afterwards.
func withPool<T>(
    _ db: TestDB, _ options: ConnectionPool.Options, _ body: (ConnectionPool) async throws -> T
) async throws -> T {
    let pool = ConnectionPool(configuration: db.configuration, options: options)
    do {
        let value = try await body(pool)
        await pool.close()
        return value
    } catch {
        await pool.close()
        throw error
    }
}

extension Connection {
    /// Runs a statement and decodes the first column of its only row.
    func one<T: PostgresDecodable>(_ type: T.Type, _ query: SQLQuery) throws -> T {
        let result = try self.query(query)
        guard result.count == 1, let row = result.first else {
            throw PostgresError(kind: .client, message: "expected one row, got \(result.count)")
        }
        return try row.decode(T.self, at: 0)
    }
}

/// Binds `value`, reads it back through `SELECT $1::type` and through a table column of that type.
func roundTrip<T: PostgresEncodable & PostgresDecodable>(
    _ value: T, _ sqlType: String, in db: TestDB
) async throws -> (selected: T, stored: T) {
    let type = SQLQuery(unsafeSQL: sqlType)
    return try await db.pool.withConnection { c in
        let selected = try c.one(T.self, "SELECT \(value)::\(type)")
        let stored = try c.withTransaction { c in
            try c.execute("CREATE TEMP TABLE round_trip (v \(type)) ON COMMIT DROP")
            let inserted = try c.execute("INSERT INTO round_trip (v) VALUES (\(value))")
            guard inserted == 1 else { throw PostgresError(kind: .client, message: "inserted \(inserted) rows") }
            return try c.one(T.self, "SELECT v FROM round_trip")
        }
        return (selected, stored)
    }
}
