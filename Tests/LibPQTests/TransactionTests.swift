import Foundation
import LibPQ
import TestSupport
import Testing

/// `withTransaction` commits, rolls back, and tells its stages apart.
@Suite struct TransactionTests {
    @Test func bodyErrorRollsBackAndIsRethrownAsItIs() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE t (v text)")
            do {
                try await db.pool.withTransaction { c in
                    try c.execute("INSERT INTO t (v) VALUES (\("rolled back"))")
                    throw PlannedFailure()
                }
                Issue.record("the transaction did not throw")
            } catch {
                #expect(error is PlannedFailure, "got \(error)")
            }
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 0)

            // A statement failing inside the body is the body's error, not a transaction-stage error.
            do {
                try await db.pool.withTransaction { c in
                    try c.execute("INSERT INTO t (v) VALUES (\("also rolled back"))")
                    try c.execute("SELECT 1/0")
                }
                Issue.record("the transaction did not throw")
            } catch let e as PostgresError {
                #expect(e.sqlState == SQLState("22012"))
            }
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 0)

            _ = try await db.pool.withTransaction { c in try c.execute("INSERT INTO t (v) VALUES (\("kept"))") }
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 1)
            // The connection was left outside any transaction each time.
            #expect(try await db.pool.withConnection { c in c.isIdle })
        }
    }

    @Test func failingCommitIsACommitStageError() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run(
                "CREATE TABLE parent (id integer PRIMARY KEY)",
                """
                CREATE TABLE child (parent_id integer NOT NULL
                    CONSTRAINT child_parent_fk REFERENCES parent DEFERRABLE INITIALLY DEFERRED)
                """)
            do {
                try await db.pool.withTransaction { c in
                    try c.execute("INSERT INTO child (parent_id) VALUES (\(42))")  // checked only at COMMIT
                }
                Issue.record("the commit succeeded")
            } catch let e as PostgresTransactionError {
                #expect(e.stage == .commit)
                #expect(e.underlying.sqlState == .foreignKeyViolation)
                #expect(e.underlying.constraint == "child_parent_fk")
                #expect(e.bodyError == nil)
                #expect((e as any Error).postgresError?.sqlState == .foreignKeyViolation)
            }
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM child") == 0)
            #expect(try await db.pool.withConnection { c in c.isIdle })
        }
    }

    @Test func isolationLevelIsApplied() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let levels: [(IsolationLevel?, String)] = [
                (nil, "read committed"), (.readCommitted, "read committed"), (.repeatableRead, "repeatable read"),
                (.serializable, "serializable"),
            ]
            for (level, expected) in levels {
                let shown = try await db.pool.withTransaction(isolation: level ?? .readCommitted) { c in
                    try c.one(String.self, "SHOW transaction_isolation")
                }
                #expect(shown == expected)
            }
            let outside = try await db.pool.withConnection { c in
                try c.withTransaction(isolation: .serializable) { _ in }
                return try c.one(String.self, "SHOW transaction_isolation")
            }
            #expect(outside == "read committed")
        }
    }

    @Test func bodyLeavingATransactionOpenDoesNotLeakIt() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE t (v integer)")
            try await db.pool.withConnection { c in
                try c.execute("BEGIN")
                try c.execute("INSERT INTO t VALUES (1)")
            }
            #expect(try await db.pool.withConnection { c in c.isIdle })
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 0)
        }
    }
}
