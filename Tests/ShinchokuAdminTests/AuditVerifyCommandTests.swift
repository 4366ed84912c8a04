import Foundation
import LibPQ
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuAdmin

/// `audit verify` on an intact chain, and on chains a superuser tampered with, bypassing every trigger
/// (`session_replication_role = replica`): each must exit 65 and name the event and what was done to it.
@Suite struct AuditVerifyCommandTests {
    typealias W = WorkflowFixtures

    /// The standard world's plan import, a figure saved, submitted and approved, and ten departments created:
    /// fourteen events.
    static func history(_ db: TestDB) async throws {
        try await W.approved(db, W.q1, "2.2", "8")
        for i in 1...10 {
            _ = try await db.service().createDepartment(code: "verify_\(i)", name: "検証課\(i)", as: W.admin)
        }
    }

    /// Runs `body` as the superuser with every trigger off, in one transaction.
    static func tamper<T: Sendable>(_ db: TestDB, _ body: @escaping @Sendable (Connection) throws -> T) async throws
        -> T
    {
        try await db.superuserPool.withTransaction { c in
            try c.execute("SET LOCAL session_replication_role = replica")
            return try body(c)
        }
    }

    /// The id of the event at a chain position.
    static func id(_ c: Connection, at seq: Int) throws -> Int {
        try c.query("SELECT id FROM audit_events WHERE chain_seq = \(seq)").single().decode(Int.self)
    }

    @Test func anIntactChainPrintsItsLengthAndHead() async throws {
        try await TestDatabase.withStandard { db in
            try await Self.history(db)
            let (count, hash) = try await db.superuserPool.withConnection { c in
                try c.query(
                    "SELECT count(*), encode((SELECT hash FROM current_audit_chain_head()), 'hex') FROM audit_events"
                )
                .single().decode((Int, String).self)
            }
            #expect(count == 14)
            let text = await CLI.ok(db, ["audit", "verify", "--as", Fixtures.admin])
            #expect(text.stdout == "OK: 14 events, head \(hash)\n" && text.stderr.isEmpty)

            let json = try #require(
                try await CLI.ok(db, ["audit", "verify", "--json", "--as", "admin"]).json() as? [String: Any])
            #expect(json["intact"] as? Bool == true && json["events_checked"] as? Int == 14)
            #expect(json["problem"] is NSNull)
            let head = try #require(json["head"] as? [String: Any])
            #expect(head["hash"] as? String == hash && head["events"] as? Int == 14 && head["event_id"] is Int)

            // Who may: as for `audit log`.
            await CLI.ok(db, ["audit", "verify", "--as", Fixtures.approver])
            await CLI.ok(db, ["audit", "verify"])
            let clerk = await CLI.run(db, ["audit", "verify", "--as", Fixtures.clerk("ports")])
            #expect(clerk.status == .forbidden, "\(clerk)")

            // The report as of now prints the same head; CSV on standard error.
            let md = await CLI.ok(db, ["report", "--period", "2021Q1", "--as", Fixtures.clerk("ports")])
            #expect(md.stdout.hasSuffix("\n---\n\n監査チェーン先頭：\(hash)（14件）\n"))
            let csv = await CLI.ok(db, ["report", "--period", "2021Q1", "--format", "csv"])
            #expect(!csv.stdout.contains(hash))
            #expect(csv.stderr == "Audit chain head as of this report: \(hash) (14 events).\n")
        }
    }

    /// One way of tampering: what it does, and the event and problem `audit verify` must name.
    enum Tampering: String, CaseIterable, CustomTestStringConvertible {
        case alteredPayload, deletedInTheMiddle, deletedLast, insertedInTheMiddle, appendedPastTheHead, swappedTwo

        var testDescription: String { rawValue }

        /// Tampers and returns the id verify must name, with the problem's kind.
        func apply(_ c: Connection) throws -> (id: Int, kind: AuditChainProblem.Kind) {
            switch self {
            case .alteredPayload:
                let id = try AuditVerifyCommandTests.id(c, at: 5)
                try c.execute(#"UPDATE audit_events SET after = '{"name": "改ざん課"}' WHERE chain_seq = 5"#)
                return (id, .altered)
            case .deletedInTheMiddle:
                let next = try AuditVerifyCommandTests.id(c, at: 6)
                try c.execute("DELETE FROM audit_events WHERE chain_seq = 5")
                return (next, .deleted)
            case .deletedLast:
                let last = try c.query("SELECT id FROM audit_events ORDER BY chain_seq DESC LIMIT 1").single()
                    .decode(Int.self)
                try c.execute("DELETE FROM audit_events WHERE id = \(last)")
                return (last, .deleted)
            case .insertedInTheMiddle:
                // Make room at position 5, then forge an event there that links to position 4 and hashes correctly
                // by the published encoding.
                try c.execute("UPDATE audit_events SET chain_seq = chain_seq + 1000000 WHERE chain_seq >= 5")
                try c.execute("UPDATE audit_events SET chain_seq = chain_seq - 999999 WHERE chain_seq > 1000000")
                let forged = try c.query(
                    """
                    INSERT INTO audit_events (actor_id, actor_login, action, entity, entity_id, after, reason,
                                              chain_seq, prev_hash, hash)
                    SELECT actor_id, actor_login, 'department.create', 'department', 'forged', '{"name": "偽装課"}',
                           NULL, 5, hash, hash
                    FROM audit_events WHERE chain_seq = 4
                    RETURNING id
                    """
                ).single().decode(Int.self)
                try c.execute(
                    """
                    UPDATE audit_events
                    SET hash = sha256(prev_hash || audit_event_canonical(id, chain_seq, at, actor_id, actor_login,
                                      action, entity, entity_id, before, after, reason, txid))
                    WHERE id = \(forged)
                    """)
                return (forged, .inserted)
            case .appendedPastTheHead:
                // Linked and hashed correctly, but written without going through the head.
                let forged = try c.query(
                    """
                    INSERT INTO audit_events (actor_login, action, entity, entity_id, chain_seq, prev_hash, hash)
                    SELECT 'admin', 'user.set_role', 'user', 'clerk-ports', chain_seq + 1, hash, hash
                    FROM audit_events ORDER BY chain_seq DESC LIMIT 1
                    RETURNING id
                    """
                ).single().decode(Int.self)
                try c.execute(
                    """
                    UPDATE audit_events
                    SET hash = sha256(prev_hash || audit_event_canonical(id, chain_seq, at, actor_id, actor_login,
                                      action, entity, entity_id, before, after, reason, txid))
                    WHERE id = \(forged)
                    """)
                return (forged, .inserted)
            case .swappedTwo:
                let later = try AuditVerifyCommandTests.id(c, at: 9)
                try c.execute("UPDATE audit_events SET chain_seq = 1000004 WHERE chain_seq = 4")
                try c.execute("UPDATE audit_events SET chain_seq = 4 WHERE chain_seq = 9")
                try c.execute("UPDATE audit_events SET chain_seq = 9 WHERE chain_seq = 1000004")
                return (later, .reordered)
            }
        }
    }

    @Test(arguments: Tampering.allCases)
    func aTamperedChainExits65AndNamesTheEvent(_ tampering: Tampering) async throws {
        try await TestDatabase.withStandard { db in
            try await Self.history(db)
            await CLI.ok(db, ["audit", "verify", "--as", "admin"])
            let (id, kind) = try await Self.tamper(db) { c in try tampering.apply(c) }

            let text = await CLI.run(db, ["audit", "verify", "--as", "admin"])
            print("TAMPER", tampering, text.stderr)
            #expect(text.status == .invalidData, "\(text)")
            #expect(text.stdout.isEmpty)
            #expect(text.stderr.hasPrefix("Error: The audit chain is broken at event \(id): "), "\(text)")
            #expect(text.stderr.contains("(\(kind.rawValue)).\n"), "\(text)")

            let json = await CLI.run(db, ["audit", "verify", "--as", "admin", "--json"])
            #expect(json.status == .invalidData)
            let root = try #require(try json.json() as? [String: Any])
            #expect(root["intact"] as? Bool == false)
            let problem = try #require(root["problem"] as? [String: Any])
            #expect(problem["event_id"] as? Int == id && problem["kind"] as? String == kind.rawValue)
            #expect((problem["message"] as? String)?.hasPrefix("event \(id): ") == true)
        }
    }

    @Test func theMessagesSayWhatIsWrong() async throws {
        try await TestDatabase.withStandard { db in
            try await Self.history(db)
            let id = try await Self.tamper(db) { c in try Tampering.deletedInTheMiddle.apply(c) }.id
            let r = await CLI.run(db, ["audit", "verify", "--as", "admin"])
            #expect(
                r.stderr == """
                    Error: The audit chain is broken at event \(id): chain position 6 follows 4: an event before it is \
                    missing (deleted).
                      4 events before it are intact; the chain head records 14 events, head \
                    \(try await Self.headHash(db)).

                    """)
        }
    }

    static func headHash(_ db: TestDB) async throws -> String {
        try await db.superuserPool.withConnection { c in
            try c.query("SELECT encode(hash, 'hex') FROM current_audit_chain_head()").single().decode(String.self)
        }
    }
}
