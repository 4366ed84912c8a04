import Foundation
import LibPQ
import TestSupport
import Testing

/// A transaction's answer is the truth even when the connection breaks after COMMIT was sent (issue 12 §3).
@Suite struct CommitOutcomeTests {
    /// A table, and a pool on the same database through a proxy that can lose a COMMIT's answer.
    func withProxiedPool(
        lookup: Duration = .seconds(10), _ body: (TestDB, FaultProxy, ConnectionPool) async throws -> Void
    ) async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE saves (id integer PRIMARY KEY, value text NOT NULL)")
            guard let proxy = try await FaultProxy.inFrontOfTestServer() else {
                Issue.record("the proxy needs the embedded test server (DATABASE_URL or PGHOST is set)")
                return
            }
            let pool = ConnectionPool(
                configuration: proxy.configuration(for: db),
                options: .init(maxConnections: 1, outcomeLookupTimeout: lookup))
            do {
                try await body(db, proxy, pool)
            } catch {
                await pool.close()
                proxy.close()
                throw error
            }
            await pool.close()
            proxy.close()
        }
    }

    @Test func lookupTellsCommittedFromAborted() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE saves (id integer PRIMARY KEY, value text NOT NULL)")
            let committed = try await db.pool.withTransaction { c in
                try c.execute("INSERT INTO saves VALUES (1, 'kept')")
                return try c.currentTransactionIDIfAssigned()
            }
            let aborted = Locked<TransactionID?>(nil)
            await #expect(throws: PlannedFailure.self) {
                try await db.pool.withTransaction { c in
                    try c.execute("INSERT INTO saves VALUES (2, 'rolled back')")
                    aborted.withLock { $0 = try? c.currentTransactionIDIfAssigned() }
                    throw PlannedFailure()
                }
            }
            let readOnly = try await db.pool.withTransaction { c in
                _ = try c.query("SELECT count(*) FROM saves")
                return try c.currentTransactionIDIfAssigned()
            }
            #expect(readOnly == nil, "a transaction that wrote nothing takes no id")
            let lookup = CommitOutcomeLookup(configuration: db.configuration, timeout: .seconds(5))
            let committedID = try #require(committed)
            let abortedID = try #require(aborted.current)
            let outcomes = try await db.pool.withConnection { _ in
                (lookup.outcome(of: committedID), lookup.outcome(of: abortedID))
            }
            #expect(outcomes.0 == .committed)
            #expect(outcomes.1 == .aborted)
        }
    }

    @Test func commitWhoseAnswerIsLostButWhichCommittedAnswersItsValue() async throws {
        try await withProxiedPool { db, proxy, pool in
            proxy.arm(.cutAfterCommit)
            let value = try await pool.withTransaction { c in
                try c.execute("INSERT INTO saves VALUES (1, 'saved while the answer was lost')")
                return "the body's value"
            }
            #expect(value == "the body's value")
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM saves WHERE id = 1") == 1)
            // The broken connection was replaced.
            #expect(try await pool.withConnection { c in try c.one(Int.self, "SELECT 1") } == 1)
        }
    }

    @Test func commitWhoseAnswerIsLostAndWhoseFateCannotBeToldIsOutcomeUnknown() async throws {
        try await withProxiedPool(lookup: .milliseconds(500)) { db, proxy, pool in
            // The answer is lost, and the lookup's fresh connection (through the proxy too) is refused.
            proxy.arm(.cutAfterCommitThenRefuse)
            let error = await #expect(throws: PostgresTransactionError.self) {
                try await pool.withTransaction { c in try c.execute("INSERT INTO saves VALUES (2, 'fate unknown')") }
            }
            #expect(error?.stage == .commit)
            #expect(error?.outcome == .unknown)
            #expect(error?.transactionID != nil)
            // It did commit: "unknown" was honest, not a lie in either direction.
            let saved = try await db.scalar(Int.self, "SELECT count(*) FROM saves WHERE id = 2")
            #expect(saved == 1)
        }
    }

    @Test func commitThatTheServerRefusesIsAbortedWithoutALookup() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run(
                "CREATE TABLE parent (id integer PRIMARY KEY)",
                """
                CREATE TABLE child (parent_id integer NOT NULL
                    CONSTRAINT child_parent_fk REFERENCES parent DEFERRABLE INITIALLY DEFERRED)
                """)
            let error = await #expect(throws: PostgresTransactionError.self) {
                try await db.pool.withTransaction { c in try c.execute("INSERT INTO child VALUES (42)") }
            }
            #expect(error?.stage == .commit)
            #expect(error?.outcome == .aborted)
            #expect(error?.underlying.leavesCommitInDoubt == false)
        }
    }

    @Test func backendTerminatedDuringCommitIsLookedUpAndFoundAborted() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            // A deferred trigger terminates its own backend inside COMMIT, before the commit record: FATAL 57P01.
            try await db.run(
                "CREATE TABLE saves (id integer PRIMARY KEY, value text NOT NULL)",
                """
                CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$
                """,
                """
                CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON saves
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die()
                """)
            let error = await #expect(throws: PostgresTransactionError.self) {
                try await db.pool.withTransaction { c in try c.execute("INSERT INTO saves VALUES (1, 'x')") }
            }
            #expect(error?.stage == .commit)
            #expect(error?.underlying.leavesCommitInDoubt == true, "\(String(describing: error))")
            #expect(error?.outcome == .aborted)
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM saves") == 0)
        }
    }
}

/// A deadline answers the caller in time, and the answer is still the truth.
@Suite struct DeadlineTests {
    @Test func workStillRunningAtTheDeadlineIsAbandonedAndRollsBack() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE saves (id integer PRIMARY KEY)")
            let error = await #expect(throws: PostgresError.self) {
                try await DatabaseDeadline.within(.milliseconds(300)) {
                    try await db.pool.withTransaction { c in
                        try c.execute("INSERT INTO saves VALUES (1)")
                        try c.execute("SELECT pg_sleep(2)")
                    }
                }
            }
            #expect(error?.kind == .deadlineExceeded)
            // The connection is still busy; once it is free again, the abandoned transaction has rolled back.
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM saves") == 0)
            #expect(await db.pool.openConnections == 1)
        }
    }

    @Test func waitingForAConnectionEndsAtTheDeadline() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            let busy = Task { try await db.pool.withConnection { c in try c.execute("SELECT pg_sleep(2)") } }
            try await Task.sleep(for: .milliseconds(100))
            let error = await #expect(throws: PostgresError.self) {
                try await DatabaseDeadline.within(.milliseconds(200)) {
                    try await db.pool.withConnection { c in try c.one(Int.self, "SELECT 1") }
                }
            }
            #expect(error?.kind == .poolTimeout)
            _ = try await busy.value
        }
    }

    @Test func commitUnansweredAtTheDeadlineIsOutcomeUnknown() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await db.run("CREATE TABLE saves (id integer PRIMARY KEY)")
            guard let proxy = try await FaultProxy.inFrontOfTestServer() else {
                Issue.record("the proxy needs the embedded test server (DATABASE_URL or PGHOST is set)")
                return
            }
            defer { proxy.close() }
            let pool = ConnectionPool(configuration: proxy.configuration(for: db), options: .init(maxConnections: 1))
            proxy.arm(.holdAfterCommit)
            let error = await #expect(throws: PostgresTransactionError.self) {
                try await DatabaseDeadline.within(.milliseconds(500)) {
                    try await pool.withTransaction { c in try c.execute("INSERT INTO saves VALUES (1)") }
                }
            }
            #expect(error?.stage == .commit)
            #expect(error?.outcome == .unknown)
            #expect(error?.underlying.kind == .deadlineExceeded)
            proxy.release()
            // The thread finishes the held COMMIT and gives the connection back.
            #expect(try await pool.withConnection { c in try c.one(Int.self, "SELECT count(*) FROM saves") } == 1)
            await pool.close()
        }
    }

    @Test func poolSetsTheServersTimeouts() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            let pool = ConnectionPool(
                configuration: db.configuration,
                options: .init(
                    maxConnections: 1, statementTimeout: .milliseconds(1500),
                    idleInTransactionSessionTimeout: .seconds(3)))
            let settings = try await pool.withConnection { c in
                (
                    try c.one(String.self, "SELECT current_setting('statement_timeout')"),
                    try c.one(String.self, "SELECT current_setting('idle_in_transaction_session_timeout')")
                )
            }
            #expect(settings.0 == "1500ms")
            #expect(settings.1 == "3s")
            // A statement that runs too long is cancelled by the server: 57014.
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { c in try c.execute("SELECT pg_sleep(5)") }
            }
            #expect(error?.sqlState == .queryCanceled)
            await pool.close()
        }
    }
}
