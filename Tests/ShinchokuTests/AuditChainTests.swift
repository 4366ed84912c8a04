import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

/// The audit chain of migration 0006: assigned by the database, one chain however many write at once, recomputed by
/// the service. The tamper tests, which run `audit verify`, are in ShinchokuAdminTests.
@Suite struct AuditChainTests {
    typealias W = WorkflowFixtures

    /// Ordinary activity on the standard world: a figure saved, submitted and approved, and a department created.
    static func activity(_ db: TestDB) async throws {
        try await W.setPeriod(db, W.q1, .open)
        try await W.approved(db, W.q1, "2.2", "8")
        _ = try await db.service().createDepartment(code: "audit", name: "監査課", as: W.admin)
    }

    static func scalar<T: PostgresDecodable>(_ db: TestDB, _ query: SQLQuery, as type: T.Type = T.self) async throws
        -> T
    {
        try await db.superuserPool.withConnection { c in try c.query(query).single().decode(T.self) }
    }

    @Test func theChainVerifiesAfterOrdinaryActivityAndReportsPrintItsHead() async throws {
        try await TestDatabase.withStandard { db in
            try await Self.activity(db)
            let s = db.service()
            let v = try await s.verifyAuditChain(as: W.admin)
            #expect(v.isIntact, "\(v.problem?.message ?? "")")
            let count = try await Fixtures.count(db, "audit_events")
            #expect(count > 3)
            #expect(v.eventsChecked == count && v.head.events == count)
            let positions = try await db.superuserPool.withConnection { c in
                try c.query("SELECT chain_seq FROM audit_events ORDER BY chain_seq").decodeColumn(Int.self)
            }
            #expect(positions == Array(1...count))
            let (lastID, lastHash) = try await db.superuserPool.withConnection { c in
                try c.query("SELECT id, encode(hash, 'hex') FROM audit_events ORDER BY chain_seq DESC LIMIT 1")
                    .single().decode((Int, String).self)
            }
            #expect(v.head == AuditChainHead(events: count, hash: lastHash, eventID: lastID))
            #expect(v.head.hash.count == 64)

            // Approvers and the local operator may verify, as they may read the trail; clerks may not.
            #expect(try await s.verifyAuditChain(as: W.approver) == v)
            #expect(try await s.verifyAuditChain(as: .local) == v)
            try await W.expectRejected(db, .forbidden) { try await s.verifyAuditChain(as: W.clerk("ports")) }

            // Every report carries the head of its own snapshot.
            let report = try await s.reportData(period: W.q1, as: W.clerk("ports"))
            #expect(report.auditChain == v.head)
            _ = try await s.createDepartment(code: "audit_two", name: "監査二課", as: W.admin)
            let later = try await s.reportData(period: W.q1, as: W.clerk("ports"))
            #expect(later.auditChain?.events == count + 1 && later.auditChain?.hash != v.head.hash)
        }
    }

    @Test func anEmptyChainStartsFromThirtyTwoZeroBytes() async throws {
        try await TestDatabase.with { db in
            let v = try await db.service().verifyAuditChain(as: .local)
            #expect(
                v
                    == AuditChainVerification(
                        eventsChecked: 0,
                        head: AuditChainHead(events: 0, hash: String(repeating: "0", count: 64), eventID: nil),
                        problem: nil))
        }
    }

    /// The encoding of docs/audit-chain.md, byte for byte, and the first event's hash over it.
    @Test func theCanonicalEncodingOfTheDocumentedExample() {
        let e = AuditChain.Fields(
            id: 1, chainSeq: 2, atMicroseconds: 1_000_000, actorID: nil, actorLogin: "é", action: "a", entity: "b",
            entityID: "c", before: #"{"x": 1}"#, after: nil, reason: nil, txid: 7)
        #expect(
            AuditChain.hex(AuditChain.canonical(e))
                == "0100000001310100000001320100000007313030303030300001000000"
                + "02c3a901000000016101000000016201000000016301000000087b2278223a20317d0000010000000137")
        #expect(
            AuditChain.hex(AuditChain.hash(previous: AuditChain.genesis, canonical: AuditChain.canonical(e)))
                == "c352959ea4a2397a1d0fd24cce1f7512f36910cb001da0449780229fda7042f5")
    }

    @Test func swiftAndTheDatabaseEncodeAndHashEveryEventAlike() async throws {
        try await TestDatabase.withStandard { db in
            try await Self.activity(db)
            // Text that an encoding could get wrong: multi-byte and astral characters, quotes, backslashes, line
            // breaks, nested JSON with numbers as written, and NULLs.
            let after: AuditJSON = .object([
                "note": .string("訂正：\"引用\" \\ 改行\nあり 😀"), "value": .number(Decimal(string: "12.30")!),
                "list": .array([.null, .bool(true), .object(["b": .string("x"), "a": .number(1)])]),
            ])
            try await db.superuserPool.withTransaction { c in
                try Audit.write(
                    on: c, actorID: nil, actorLogin: nil, action: .planImport, id: "プラン", before: nil,
                    after: after, reason: "理由：\t\\ 😀")
            }
            let (events, database) = try await db.superuserPool.withConnection { c in
                (
                    try AuditChainStore.events(c, after: 0, limit: 100_000),
                    try c.query(
                        """
                        SELECT encode(audit_event_canonical(id, chain_seq, at, actor_id, actor_login, action, entity,
                                      entity_id, before, after, reason, txid), 'hex')
                        FROM audit_events ORDER BY chain_seq
                        """
                    ).decodeColumn(String.self)
                )
            }
            #expect(events.count == database.count && events.count > 5)
            for (e, sql) in zip(events, database) {
                let canonical = AuditChain.canonical(e.fields)
                #expect(AuditChain.hex(canonical) == sql, "event \(e.fields.id)")
                #expect(AuditChain.hash(previous: e.prevHash, canonical: canonical) == e.hash, "event \(e.fields.id)")
            }
            #expect(events.last?.fields.reason == "理由：\t\\ 😀")
        }
    }

    @Test func theChainColumnsAreTheDatabasesToAssign() async throws {
        try await TestDatabase.withStandard { db in
            let before = try await Fixtures.snapshot(db)
            for (column, value) in [("chain_seq", "1000"), ("prev_hash", "\\x00"), ("hash", "\\x00")] {
                await Self.expectRefused(db, .insufficientPrivilege, "assigned by the database") { c in
                    try c.execute(
                        SQLQuery(
                            unsafeSQL: """
                                INSERT INTO audit_events (action, entity, entity_id, \(column))
                                VALUES ('plan.import', 'plan', 'x', '\(value)')
                                """))
                }
            }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    @Test func theHeadMovesOnlyWhenAnEventIsInserted() async throws {
        try await TestDatabase.withStandard { db in
            let head = try await db.service().verifyAuditChain(as: W.admin).head
            for statement in [
                "UPDATE audit_chain_head SET seq = seq + 1",
                "UPDATE audit_chain_head SET hash = sha256(hash)",
                "DELETE FROM audit_chain_head",
                "TRUNCATE audit_chain_head",
                "INSERT INTO audit_chain_head (singleton, seq, hash) VALUES (false, 0, sha256(''))",
            ] {
                await Self.expectRefused(db, .insufficientPrivilege, "audit_chain_head moves only") { c in
                    try c.execute(SQLQuery(unsafeSQL: statement))
                }
            }
            #expect(try await db.service().verifyAuditChain(as: W.admin).head == head)
        }
    }

    /// The owner (here a superuser) is refused too: by trigger, without session_replication_role.
    @Test(arguments: [
        ("audit_events", "reason"), ("workflow_events", "comment"), ("reviews", "reason"),
    ])
    func historyTablesRefuseUpdateDeleteAndTruncateByTrigger(_ table: String, _ column: String) async throws {
        try await TestDatabase.withStandard { db in
            try await Self.activity(db)
            let rows = try await Fixtures.count(db, table)
            #expect(rows > 0, "a row, so that the row triggers fire")
            let before = try await Fixtures.snapshot(db)
            // A plain TRUNCATE of workflow_events is refused before its triggers: reviews refer to it.
            let truncate = table == "workflow_events" ? [] : ["TRUNCATE \(table)"]
            for statement in ["UPDATE \(table) SET \(column) = 'forged'", "DELETE FROM \(table)"] + truncate + [
                "TRUNCATE \(table) CASCADE"
            ] {
                await Self.expectRefused(db, .insufficientPrivilege, "is append-only") { c in
                    try c.execute(SQLQuery(unsafeSQL: statement))
                }
            }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    /// A writer whose snapshot predates the head it would link to gets 40001 and can retry; it never links to an
    /// old head.
    @Test(arguments: [IsolationLevel.repeatableRead, .serializable])
    func aSnapshotWriterGetsASerializationFailureNotAFork(_ level: IsolationLevel) async throws {
        try await TestDatabase.withStandard { db in
            let insert: SQLQuery =
                "INSERT INTO audit_events (actor_login, action, entity, entity_id) VALUES ('t', 'session.login', 'session', 't')"
            let configuration = db.superuserConfiguration
            let state = try await db.superuserPool.withConnection { _ in
                let snapshot = try Connection.connect(configuration)
                let other = try Connection.connect(configuration)
                try snapshot.execute(SQLQuery(unsafeSQL: "BEGIN ISOLATION LEVEL \(level.rawValue)"))
                _ = try snapshot.query("SELECT count(*) FROM audit_events")
                try other.execute(insert)
                var sqlState: SQLState?
                do {
                    try snapshot.execute(insert)
                } catch {
                    sqlState = error.postgresError?.sqlState
                }
                try snapshot.execute("ROLLBACK")
                return sqlState
            }
            #expect(state == .serializationFailure)
            let v = try await db.service().verifyAuditChain(as: W.admin)
            let count = try await Fixtures.count(db, "audit_events")
            #expect(v.isIntact && v.head.events == count)
        }
    }

    /// An admin setting their own password holds their row and then links; another writer acting as that admin waits
    /// for the row (the foreign key's lock) before it takes the head, not while holding it, so neither deadlocks.
    @Test func aWriterWaitsForItsActorsRowBeforeTakingTheHead() async throws {
        try await TestDatabase.withStandard { db in
            let admin = try await W.userID(db, Fixtures.admin)
            let insert: SQLQuery = """
                INSERT INTO audit_events (actor_id, actor_login, action, entity, entity_id)
                VALUES (\(admin), 'admin', 'user.set_password', 'user', 'admin')
                """
            let rowLocked = DispatchSemaphore(value: 0)
            // Both act as the admin, as the service would (the link trigger's early row lock is subject to the users
            // table's row-level security, which lets an actor lock their own row).
            async let holder: Void = db.superuserPool.withTransaction { c in
                try c.execute("SELECT set_config('app.actor_id', \(String(admin)), true)")
                try c.execute("SELECT 1 FROM users WHERE id = \(admin) FOR UPDATE")
                rowLocked.signal()
                // Until the other writer waits for a lock: for the admin's row, or (before the fix) for this one's head.
                for _ in 0..<500 {
                    let waiting = try c.query(
                        """
                        SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock'
                        """
                    ).single().decode(Int.self)
                    if waiting > 0 { break }
                    usleep(10_000)
                }
                try c.execute(insert)
            }
            async let waiter: Void = db.superuserPool.withTransaction { c in
                try c.execute("SELECT set_config('app.actor_id', \(String(admin)), true)")
                rowLocked.wait()
                try c.execute(insert)
            }
            _ = try await (holder, waiter)
            let v = try await db.service().verifyAuditChain(as: W.admin)
            let count = try await Fixtures.count(db, "audit_events")
            #expect(v.isIntact && v.head.events == count)
        }
    }

    @Test func twoHundredConcurrentWritersLeaveOneUnbrokenChain() async throws {
        try await TestDatabase.withStandard(maxConnections: 8) { db in
            let s = db.service()
            let before = try await Fixtures.count(db, "audit_events")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        _ = try await s.createDepartment(code: "concurrent_\(i)", name: "並行課\(i)", as: W.admin)
                    }
                }
                try await group.waitForAll()
            }
            let count = try await Fixtures.count(db, "audit_events")
            #expect(count == before + 200)
            let v = try await s.verifyAuditChain(as: W.admin)
            #expect(v.isIntact, "\(v.problem?.message ?? "")")
            #expect(v.eventsChecked == count && v.head.events == count)
            // Ids are drawn before the head's lock, so the chain's order need not be theirs; its positions have no gap.
            let (least, most, distinct) = try await db.superuserPool.withConnection { c in
                try c.query("SELECT min(chain_seq), max(chain_seq), count(DISTINCT chain_seq) FROM audit_events")
                    .single().decode((Int, Int, Int).self)
            }
            #expect(least == 1 && most == count && distinct == count)
        }
    }

    /// What the application's role will hold after the roles migration: SELECT and INSERT on audit_events, nothing on
    /// the head. Writing still links, reading the head goes through its function, and the table itself is closed.
    /// The application role has only SELECT and INSERT on the events and nothing on the head: its inserts link,
    /// it reads the head through `current_audit_chain_head()`, and it can touch neither the head nor the events.
    @Test func theApplicationRoleLinksAndReadsTheHeadButTouchesNothing() async throws {
        try await TestDatabase.withStandard { db in
            let before = try await db.service().verifyAuditChain(as: W.admin).head
            let admin = try await W.userID(db, Fixtures.admin)
            let outcome = try await db.pool.withConnection { c in
                try c.execute("SELECT set_config('app.actor_id', \(String(admin)), false)")
                try c.execute(
                    """
                    INSERT INTO audit_events (actor_id, actor_login, action, entity, entity_id)
                    VALUES (\(admin), 'admin', 'session.login', 'session', 'admin')
                    """)
                let seq = try c.query("SELECT seq FROM current_audit_chain_head()").single().decode(Int.self)
                var refusals: [SQLState?] = []
                for statement in [
                    "SELECT * FROM audit_chain_head", "UPDATE audit_chain_head SET seq = 0",
                    "UPDATE audit_events SET reason = 'x'", "TRUNCATE audit_events",
                ] {
                    do {
                        try c.execute(SQLQuery(unsafeSQL: statement))
                        refusals.append(nil)
                    } catch {
                        refusals.append(error.postgresError?.sqlState)
                    }
                }
                try c.execute("RESET app.actor_id")
                return (seq, refusals)
            }
            #expect(outcome.0 == before.events + 1)
            #expect(outcome.1 == Array(repeating: .insufficientPrivilege, count: 4))
            let v = try await db.service().verifyAuditChain(as: W.admin)
            #expect(v.isIntact && v.head.events == before.events + 1)
        }
    }

    /// Events written before migration 0006 are chained by it, in id order.
    @Test func theMigrationChainsTheEventsThatExistInIdOrder() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let all = try Migration.bundled()
            try await Migrator(pool: db.superuserPool, migrations: all.filter { $0.version < 6 }).apply()
            try await db.superuserPool.withConnection { c in
                for (action, entity, id, reason) in [
                    ("plan.import", "plan", "計画", nil), ("user.create", "user", "admin", "最初の管理者"),
                    ("period.open", "period", "2021Q1", nil),
                ] {
                    try c.execute(
                        """
                        INSERT INTO audit_events (action, entity, entity_id, after, reason)
                        VALUES (\(action), \(entity), \(id), '{"n": 1}', \(reason))
                        """)
                }
            }
            try await Migrator(pool: db.superuserPool, migrations: all).apply()
            let order = try await db.superuserPool.withConnection { c in
                try c.query("SELECT id, chain_seq FROM audit_events ORDER BY id").decode((Int, Int).self)
            }
            #expect(order.map(\.1) == [1, 2, 3])
            let v = try await db.service().verifyAuditChain(as: .local)
            #expect(v.isIntact && v.eventsChecked == 3 && v.head.eventID == order.last?.0)
            // And the append-only trigger is back on.
            await Self.expectRefused(db, .insufficientPrivilege, "is append-only") { c in
                try c.execute("UPDATE audit_events SET reason = 'x'")
            }
        }
    }

    /// Runs `body` in a transaction and expects the database to refuse it with `state` and a message holding `text`.
    static func expectRefused(
        _ db: TestDB, _ state: SQLState, _ text: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: @escaping @Sendable (Connection) throws -> Void
    ) async {
        do {
            try await db.superuserPool.withTransaction { c in try body(c) }
            Issue.record("not refused", sourceLocation: sourceLocation)
        } catch {
            let pg = error.postgresError
            #expect(pg?.sqlState == state, "\(String(reflecting: error))", sourceLocation: sourceLocation)
            #expect(pg?.message?.contains(text) == true, "\(pg?.message ?? "")", sourceLocation: sourceLocation)
        }
    }
}
