import Foundation
import LibPQ
import TestSupport
import Testing

/// The per-connection cache of named prepared statements.
@Suite struct PreparedStatementTests {
    /// How many of this session's prepared statements have exactly this text.
    static func preparedCount(_ c: Connection, _ sql: String) throws -> Int {
        try c.one(Int.self, "SELECT count(*) FROM pg_prepared_statements WHERE statement = \(sql)")
    }

    @Test func statementIsPreparedOnceAndReused() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            let observer = RecordingObserver()
            try await withPool(db, .init(maxConnections: 1, statementObserver: observer)) { pool in
                let sql = "SELECT $1::int + 1"
                let (values, trips, prepared, cached) = try await pool.withConnection { c in
                    let before = c.roundTrips
                    let a = try c.one(Int.self, "SELECT \(Int32(1))::int + 1")
                    let b = try c.one(Int.self, "SELECT \(Int32(41))::int + 1")
                    let trips = c.roundTrips - before
                    return ([a, b], trips, try Self.preparedCount(c, sql), c.preparedStatementCount)
                }
                #expect(values == [2, 42])
                #expect(trips == 2, "preparing goes in the same round trip as the first execution")
                #expect(prepared == 1, "one named statement, reused")
                #expect(cached == 2)  // and the pg_prepared_statements query itself
                let runs = observer.current.filter { $0.sql == sql }
                #expect(runs.count == 2 && runs.allSatisfy(\.prepared))
            }
        }
    }

    @Test func utilityStatementsAndTypesAreKeptApart() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            let counts = try await db.pool.withConnection { c in
                try c.execute("SET application_name = 'x'")
                // The same text with another parameter type is another statement.
                _ = try c.query("SELECT \(Int32(1))::text")
                _ = try c.query("SELECT \("a")::text")
                return (
                    try Self.preparedCount(c, "SET application_name = 'x'"),
                    try Self.preparedCount(c, "SELECT $1::text")
                )
            }
            #expect(counts == (0, 2))
        }
    }

    @Test func leastRecentlyUsedStatementsAreDeallocated() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            let (onServer, cached, oldestGone) = try await db.pool.withConnection { c in
                c.preparedStatementCacheSize = 3
                for i in 0..<12 {
                    _ = try c.query("SELECT \(Int32(i))::int AS n\(unsafeRaw: String(i))")
                }
                let onServer = try c.one(Int.self, "SELECT count(*) FROM pg_prepared_statements")
                return (
                    onServer, c.preparedStatementCount,
                    try Self.preparedCount(c, "SELECT $1::int AS n0") == 0
                )
            }
            #expect(cached <= 3)
            // The statement evicted by the count query itself is deallocated on the next round trip.
            #expect(onServer <= 4, "\(onServer) statements prepared after 13 distinct ones with room for 3")
            #expect(oldestGone)
        }
    }

    @Test func cacheOffPreparesNothing() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            let observer = RecordingObserver()
            let options = ConnectionPool.Options(
                maxConnections: 1, preparedStatementCacheSize: 0, statementObserver: observer)
            try await withPool(db, options) { pool in
                let onServer = try await pool.withTransaction { c in
                    _ = try c.query("SELECT \(Int32(1))::int")
                    _ = try c.pipeline(["SELECT 2", "SELECT \(Int32(3))::int"])
                    return try c.one(Int.self, "SELECT count(*) FROM pg_prepared_statements")
                }
                #expect(onServer == 0)
                #expect(!observer.current.isEmpty && observer.current.allSatisfy { !$0.prepared })
            }
        }
    }

    @Test func replacedConnectionStartsWithAnEmptyCache() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await withAdminPool { admin in
                let first = try await db.pool.withConnection { c in
                    _ = try c.one(Int.self, "SELECT \(Int32(5))::int")
                    return (try c.one(Int32.self, "SELECT pg_backend_pid()"), c.preparedStatementCount)
                }
                #expect(first.1 >= 2)
                _ = try await admin.withConnection { c in try c.execute("SELECT pg_terminate_backend(\(first.0))") }
                try await db.waitUntilBackendGone(first.0, using: admin)
                let second = try await db.pool.withConnection { c in
                    let cachedBefore = c.preparedStatementCount
                    let value = try c.one(Int.self, "SELECT \(Int32(5))::int")
                    return (try c.one(Int32.self, "SELECT pg_backend_pid()"), cachedBefore, value)
                }
                #expect(second.0 != first.0)
                #expect(second.1 == 0)
                #expect(second.2 == 5)
            }
        }
    }

    /// This connection's own schema changes (a temporary table made again with another column type, a migration)
    /// drop its cache first, so that a transaction never meets a statement whose result type changed.
    @Test func ownSchemaChangesDropTheCache() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            let values = try await db.pool.withConnection { c in
                var values: [String] = []
                for type in ["integer", "text", "numeric"] {
                    values.append(
                        try c.withTransaction { c in
                            try c.execute("CREATE TEMP TABLE scratch (v \(unsafeRaw: type)) ON COMMIT DROP")
                            try c.execute("INSERT INTO scratch VALUES ('7')")
                            // The same text each time, with a result type that changes.
                            return try c.query("SELECT v, pg_typeof(v)::text FROM scratch").single().decode(
                                String.self, at: 1)
                        })
                    _ = try c.query("SELECT * FROM pg_class LIMIT 0")
                }
                return values
            }
            #expect(values == ["integer", "text", "numeric"])
        }
    }

    @Test(arguments: ["DISCARD ALL", "DEALLOCATE ALL"])
    func statementsDroppedBehindOurBackArePreparedAgain(_ drop: String) async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE t (v integer)")
            let values = try await db.pool.withConnection { c in
                let q: SQLQuery = "SELECT count(*) + \(Int32(1)) FROM t"
                var values = [try c.one(Int.self, q)]
                try c.execute(SQLQuery(unsafeSQL: drop))
                values.append(try c.one(Int.self, q))  // alone, outside a transaction
                try c.execute(SQLQuery(unsafeSQL: drop))
                // As the first statement of a transaction, where BEGIN went in the same round trip.
                values.append(
                    try c.withTransaction { c in
                        let value = try c.one(Int.self, q)
                        try c.execute("INSERT INTO t VALUES (1)")
                        return value
                    })
                try c.execute(SQLQuery(unsafeSQL: drop))
                values.append(try c.pipeline([q, q])[1].single().decode(Int.self))
                return values
            }
            #expect(values == [1, 1, 1, 2])
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 1)
        }
    }

    /// Another connection (another server's migration) changes a table under a prepared statement.
    @Test func tableChangedUnderAPreparedStatement() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE t (a integer)", "INSERT INTO t VALUES (1)")
            func elsewhere(_ sql: String) async throws {
                try await withPool(db, .init(maxConnections: 1)) { other in
                    try await other.withConnection { c in _ = try c.execute(SQLQuery(unsafeSQL: sql)) }
                }
            }
            var columns = [try await db.pool.withConnection { c in try c.query("SELECT * FROM t").columnNames }]
            try await elsewhere("ALTER TABLE t ADD COLUMN b integer")
            // Outside a transaction the statement is prepared again and run again.
            columns.append(try await db.pool.withConnection { c in try c.query("SELECT * FROM t").columnNames })
            #expect(columns == [["a"], ["a", "b"]])

            // Inside a transaction that has run something, the error goes up; the next use works.
            try await elsewhere("ALTER TABLE t ADD COLUMN c integer")
            let error = await #expect(throws: PostgresError.self) {
                try await db.pool.withTransaction { c in
                    try c.execute("INSERT INTO t (a) VALUES (2)")
                    return try c.query("SELECT * FROM t").columnNames
                }
            }
            #expect(error?.sqlState == .featureNotSupported)
            let after = try await db.pool.withTransaction { c in
                try c.execute("INSERT INTO t (a) VALUES (3)")
                return try c.query("SELECT * FROM t").columnNames
            }
            #expect(after == ["a", "b", "c"])
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 2)
        }
    }
}
