import Foundation
import LibPQ
import TestSupport
import Testing

/// Collects what a connection sends, for tests.
final class RecordingObserver: StatementObserver {
    let records = Locked<[StatementRecord]>([])
    func record(_ statement: StatementRecord) { records.withLock { $0.append(statement) } }
    var current: [StatementRecord] { records.current }
    func clear() { records.withLock { $0.removeAll() } }
}

/// `Connection.pipeline`: one round trip, results in order, the first error thrown and the rest not run.
@Suite struct PipelineTests {
    @Test func resultsComeBackInOrderInOneRoundTrip() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            let (values, trips) = try await db.pool.withConnection { c in
                let before = c.roundTrips
                let results = try c.pipeline([
                    "SELECT \(Int32(1))::int", "SELECT \("two")::text", "SELECT 3::int", "SELECT \(Int32(1))::int",
                ])
                return (
                    (
                        try results[0].single().decode(Int.self), try results[1].single().decode(String.self),
                        try results[2].single().decode(Int.self), try results[3].single().decode(Int.self)
                    ), c.roundTrips - before
                )
            }
            #expect(values == (1, "two", 3, 1))
            #expect(trips == 1)
            #expect(try await db.pool.withConnection { c in try c.pipeline([]) }.isEmpty)
        }
    }

    @Test func firstErrorIsThrownAndLaterStatementsDoNotRun() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE SEQUENCE counter", "CREATE TABLE t (v integer PRIMARY KEY)")
            let error = await #expect(throws: PostgresError.self) {
                try await db.pool.withConnection { c in
                    try c.pipeline([
                        "SELECT nextval('counter')", "INSERT INTO t VALUES (\(Int32(1)))", "SELECT 1 / \(Int32(0))",
                        "SELECT nextval('counter')", "INSERT INTO t VALUES (\(Int32(2)))",
                    ])
                }
            }
            #expect(error?.sqlState == SQLState("22012"))
            // A sequence is not transactional: the statement after the failure never ran.
            #expect(try await db.scalar(Int.self, "SELECT last_value FROM counter") == 1)
            // Outside a transaction the pipeline was one implicit transaction: the insert before it is undone too.
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 0)
            // The connection is usable, outside any transaction.
            #expect(try await db.pool.withConnection { c in (try c.one(Int.self, "SELECT 7"), c.isIdle) } == (7, true))
        }
    }

    @Test func failureInsideATransactionLeavesItFailedAndItRollsBack() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE t (v integer PRIMARY KEY)")
            let failedThen = Locked<SQLState?>(nil)
            await #expect(throws: PostgresError.self) {
                try await db.pool.withTransaction { c in
                    try c.execute("INSERT INTO t VALUES (\(Int32(1)))")
                    do {
                        _ = try c.pipeline(["INSERT INTO t VALUES (\(Int32(2)))", "INSERT INTO t VALUES (\(Int32(2)))"])
                    } catch let e as PostgresError {
                        // The transaction is failed: the next statement is refused.
                        do { try c.execute("SELECT 1") } catch let next as PostgresError {
                            failedThen.withLock { $0 = next.sqlState }
                        }
                        throw e
                    }
                }
            }
            #expect(failedThen.current == SQLState("25P02"))
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 0)
            #expect(try await db.pool.withConnection { c in c.isIdle })
        }
    }

    @Test func commitInThePipelineCommitsInOneRoundTrip() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE t (v integer PRIMARY KEY)")
            let (count, trips) = try await db.pool.withConnection { c in
                let before = c.roundTrips
                let count = try c.withTransaction { c in
                    let results = try c.pipeline(
                        [
                            "INSERT INTO t VALUES (\(Int32(1)))", "INSERT INTO t VALUES (\(Int32(2)))",
                            "SELECT count(*) FROM t",
                        ], commit: true)
                    return try results[2].single().decode(Int.self)
                }
                return (count, c.roundTrips - before)
            }
            #expect(count == 2)
            #expect(trips == 1, "BEGIN, the statements, the transaction id and COMMIT in one round trip")
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 2)
        }
    }

    @Test func failingStatementInACommittingPipelineRollsEverythingBack() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE t (v integer PRIMARY KEY)")
            let error = await #expect(throws: PostgresError.self) {
                try await db.pool.withTransaction { c in
                    try c.execute("INSERT INTO t VALUES (\(Int32(1)))")
                    return try c.pipeline(
                        ["INSERT INTO t VALUES (\(Int32(2)))", "INSERT INTO t VALUES (\(Int32(2)))"], commit: true)
                }
            }
            #expect(error?.sqlState == .uniqueViolation)
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 0)
            #expect(try await db.pool.withConnection { c in c.isIdle })
        }
    }

    @Test func failingCommitInThePipelineIsACommitStageError() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run(
                "CREATE TABLE parent (id integer PRIMARY KEY)",
                """
                CREATE TABLE child (parent_id integer NOT NULL
                    CONSTRAINT child_parent_fk REFERENCES parent DEFERRABLE INITIALLY DEFERRED)
                """)
            let error = await #expect(throws: PostgresTransactionError.self) {
                try await db.pool.withTransaction { c in
                    try c.pipeline(["INSERT INTO child VALUES (\(Int32(42)))"], commit: true)
                }
            }
            #expect(error?.stage == .commit)
            #expect(error?.outcome == .aborted)
            #expect(error?.underlying.constraint == "child_parent_fk")
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM child") == 0)
            #expect(try await db.pool.withConnection { c in c.isIdle })
        }
    }

    @Test func committingOutsideATransactionIsRefused() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            let error = await #expect(throws: PostgresError.self) {
                try await db.pool.withConnection { c in try c.pipeline(["SELECT 1"], commit: true) }
            }
            #expect(error?.kind == .client)
        }
    }

    @Test func beginTravelsWithTheFirstStatement() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE t (v integer)")
            let trips = try await db.pool.withConnection { c in
                var trips: [UInt64] = []
                var before = c.roundTrips
                _ = try c.withTransaction { c in try c.execute("INSERT INTO t VALUES (\(Int32(1)))") }
                trips.append(c.roundTrips - before)
                before = c.roundTrips
                _ = try c.withTransaction { c in try c.one(Int.self, "SELECT count(*) FROM t") }
                trips.append(c.roundTrips - before)
                before = c.roundTrips
                try c.withTransaction { _ in }
                trips.append(c.roundTrips - before)
                return trips
            }
            #expect(trips == [2, 2, 0], "BEGIN with the statement, then COMMIT; nothing at all for an empty body")
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 1)
        }
    }

    @Test func observerSeesEveryStatementWithItsRoundTrip() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE t (v integer)")
            let observer = RecordingObserver()
            try await withPool(db, .init(maxConnections: 1, statementObserver: observer)) { pool in
                try await pool.withTransaction { c in
                    try c.execute("INSERT INTO t VALUES (\(Int32(5)))")
                    _ = try c.pipeline(["SELECT count(*) FROM t", "SELECT \(Int32(9))::int"])
                }
            }
            let seen = observer.current.map { ($0.sql, $0.roundTrip, $0.prepared, $0.bindings.count) }
            try #require(seen.count == 6, "\(seen)")
            #expect(seen[0].0 == "BEGIN ISOLATION LEVEL READ COMMITTED")
            #expect(seen[1].0 == "INSERT INTO t VALUES ($1)")
            #expect(seen[1].3 == 1)
            #expect(seen[2].0 == "SELECT pg_current_xact_id_if_assigned()::text")
            #expect(seen[3].0 == "SELECT count(*) FROM t")
            #expect(seen[4].0 == "SELECT $1::int")
            #expect(seen[5].0 == "COMMIT")
            // BEGIN, the insert and the id went together; the transaction had its id, so the pipeline went alone.
            #expect(seen[0].1 == seen[1].1 && seen[1].1 == seen[2].1)
            #expect(seen[3].1 == seen[2].1 + 1 && seen[4].1 == seen[3].1)
            #expect(seen[5].1 == seen[4].1 + 1)
            #expect(seen.map(\.2) == [false, true, true, true, true, false])
            let record = observer.current[1]
            #expect(record.bindings.first?.text == "5")
            #expect(record.duration > .zero)
        }
    }
}
