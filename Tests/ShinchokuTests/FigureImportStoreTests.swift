import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

/// The bulk writes of a figure import: array parameters, the payloads it writes without JSONEncoder, and the
/// database's refusal of a clerk who writes another department's figures in bulk, the service's checks bypassed.
@Suite struct FigureImportStoreTests {
    typealias W = WorkflowFixtures

    @Test func arrayParametersCarryEveryTextAsItIs() async throws {
        try await TestDatabase.withStandard { db in
            let texts: [String?] = [
                "1-1.1", "", "NULL", nil, "a,b", "{x}", "\"quoted\"", "back\\slash", "改行\nあり", " spaced ", "'",
            ]
            let back = try await db.pool.withConnection { c in
                try c.query(
                    "SELECT t FROM unnest(\(ArrayParameter(texts))::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n"
                ).map { try $0.decode(String?.self, at: 0) }
            }
            #expect(back == texts)
            let decimals = ["4.0", "0.50", "-12", "123456789012345"].map { ExactDecimal($0)! }
            let numbers = try await db.pool.withConnection { c in
                try c.query("SELECT unnest(\(ArrayParameter(decimals))::numeric[])::text").map {
                    try $0.decode(String.self, at: 0)
                }
            }
            #expect(numbers == decimals.map(\.text))
            let empty = try await db.pool.withConnection { c in
                try c.query("SELECT count(*) FROM unnest(\(ArrayParameter([Int]()))::bigint[])").single().decode(
                    Int.self)
            }
            #expect(empty == 0)
        }
    }

    @Test func theImportsPayloadsAreTheWorkflowsJSON() async throws {
        try await TestDatabase.withStandard { db in
            let notes: [String?] = [nil, "前期比横ばい, 計画どおり", "\"引用\" \\ 改行\r\nタブ\t制御\u{01}", "/ slash"]
            var pairs: [(RawJSON, RawJSON)] = []
            for (n, note) in notes.enumerated() {
                let content = FigureContent(
                    status: note == nil ? .reported : .notPublished, value: note == nil ? ExactDecimal("4.10")! : nil,
                    note: note, asOf: CalendarDate("2021-06-30")!)
                pairs.append((FigureImportJSON.content(content), try WorkflowJSON.encode(content)))
                let record = FigureAuditRecord(
                    status: content.status, value: content.value, note: content.note, asOf: content.asOf,
                    state: n % 2 == 0 ? .draft : .returned, version: n + 1, changedSinceApproval: n % 2 == 1)
                pairs.append(
                    (
                        FigureImportJSON.auditRecord(
                            content, state: record.state, version: record.version,
                            changedSinceApproval: record.changedSinceApproval),
                        try #require(try Audit.json(record))
                    ))
            }
            for (fast, encoded) in pairs {
                // Both go into jsonb, which keeps the value: the stored text must be the same.
                let (a, b) = try await db.pool.withConnection { c in
                    try c.query("SELECT \(fast)::jsonb::text, \(encoded)::jsonb::text").single().decode(
                        (String, String).self)
                }
                #expect(a == b, "\(fast.text) vs \(encoded.text)")
            }
        }
    }

    /// The bulk statements run under the same row-level security as a single save: a clerk writing another
    /// department's figures, new or existing, changes nothing.
    @Test func theDatabaseRefusesABulkWriteForAnotherDepartment() async throws {
        try await TestDatabase.withStandard { db in
            try await W.setPeriod(db, W.q1, .open)
            // Water's own figure of 1-2.1 exists, as a draft.
            let saved = try await db.service().saveFigure(
                period: W.q1, indicator: "1-2.1", input: FigureInput(value: ExactDecimal("4")!), as: W.clerk("water"))
            let before = try await Fixtures.snapshot(db)
            let portsID = try await W.userID(db, Fixtures.clerk("ports"))
            let ports = ActingUser(
                id: portsID, login: Fixtures.clerk("ports"), displayName: "担当 ports", role: .clerk,
                departmentID: try await W.scalar(db, Int.self, "SELECT id FROM departments WHERE code = 'ports'"),
                departmentCode: "ports")
            for code in ["1-2.1", "1-3.1"] {
                do {
                    try await db.pool.withTransaction { c in
                        let indicator = try #require(try FigureImportStore.indicators(c, codes: [code])[code])
                        let current = try FigureImportStore.figures(
                            c, period: W.q1, indicatorIDs: [indicator.id], lock: false)[indicator.id]
                        let save = FigureImport.Save(
                            line: 2, indicator: indicator, clerk: ports, current: current,
                            content: FigureContent(
                                status: .reported, value: ExactDecimal("9")!, note: "試験", asOf: W.q1.endDate),
                            changedSinceApproval: false)
                        try FigureImportStore.write(c, [save], period: W.q1, reason: nil)
                    }
                    Issue.record("the database let ports' clerk write \(code), which another department owns")
                } catch {
                    // A new figure: the insert policy refuses it. An existing one: the update policy hides it, so
                    // the import's version check finds nothing updated.
                    let refused =
                        error.postgresError?.sqlState == .insufficientPrivilege
                        || (error as? ServiceError)?.code == .conflict
                    #expect(refused, "\(String(reflecting: error))")
                }
            }
            #expect(saved.version == 1)
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    /// The benchmark's input: every indicator without a figure, each department's clerk, and it imports as is.
    @Test func aSampleImportPassesEveryCheck() async throws {
        try await TestDatabase.withStandard { db in
            try await W.setPeriod(db, W.q1, .open)
            _ = try await db.service().saveFigure(
                period: W.q1, indicator: "1-2.1", input: FigureInput(value: ExactDecimal("4")!), as: W.clerk("water"))
            let sample = try await db.service().figureImportSample(period: W.q1, limit: 1000)
            let plan = try PlanFile.bundled()
            #expect(sample.rows.count == plan.projects.flatMap(\.indicators).count - 1)
            #expect(!sample.rows.contains { $0.indicator == "1-2.1" })
            #expect(sample.clerks["ports"] == Fixtures.clerk("ports") && sample.clerks["water"] == nil)
            #expect(sample.csv.hasPrefix("indicator,value,status,note\n1-1.1,1,reported,試験値\n"))
            let summary = try await db.service().importFigures(
                period: W.q1, rows: sample.rows, as: W.admin, clerks: sample.clerks)
            #expect(summary.saved == sample.rows.count)
            #expect(try await db.service().verifyAuditChain(as: W.admin).isIntact)
            let few = try await db.service().figureImportSample(period: W.q2, limit: 3)
            #expect(few.rows.map(\.line) == [2, 3, 4])
        }
    }

    /// Migration 0009 checks an audit event's actor without calling app_actor_id() per event; the outcome must be
    /// app_actor_id()'s: the event is the acting user's own (an enabled account named by its id in app.actor_id), or
    /// has no actor while there is no acting user.
    @Test func anAuditEventIsStillTheActingUsersOwn() async throws {
        try await TestDatabase.withStandard { db in
            let clerk = try await W.userID(db, Fixtures.clerk("ports"))
            let admin = try await W.userID(db, Fixtures.admin)
            let disabled = try await W.userID(db, Fixtures.clerk("water"))
            try await db.arrange { c in try c.execute("UPDATE users SET disabled_at = now() WHERE id = \(disabled)") }
            func insert(setting: String, actor: Int?) async -> Result<Int, any Error> {
                do {
                    return .success(
                        try await db.pool.withTransaction { c in
                            try c.execute("SELECT set_config('app.actor_id', \(setting), true)")
                            return try c.execute(
                                """
                                INSERT INTO audit_events (actor_id, action, entity, entity_id)
                                VALUES (\(actor), 'figure.save', 'figure', 'test')
                                """)
                        })
                } catch {
                    return .failure(error)
                }
            }
            let allowed: [(String, Int?)] = [(String(clerk), clerk), (String(admin), admin), ("", nil), ("x", nil)]
            let refused: [(String, Int?)] = [
                (String(clerk), admin), (String(clerk), nil), ("", clerk), ("0\(clerk)", clerk), ("+\(clerk)", clerk),
                (" \(clerk)", clerk), (String(disabled), disabled), ("x", clerk),
            ]
            for (setting, actor) in allowed {
                let r = await insert(setting: setting, actor: actor)
                #expect(
                    (try? r.get()) == 1, "app.actor_id '\(setting)', actor \(actor.map(String.init) ?? "NULL"): \(r)")
            }
            let before = try await Fixtures.snapshot(db)
            for (setting, actor) in refused {
                let r = await insert(setting: setting, actor: actor)
                if case .failure(let error) = r {
                    #expect(error.postgresError?.sqlState == .insufficientPrivilege, "\(String(reflecting: error))")
                } else {
                    Issue.record("app.actor_id '\(setting)', actor \(actor.map(String.init) ?? "NULL") was allowed")
                }
            }
            #expect(try await Fixtures.snapshot(db) == before)
            #expect(try await db.service().verifyAuditChain(as: W.admin).isIntact)
        }
    }
}
