import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

/// The database's own rules (issue 10, migration 0005), with the application bypassed: raw SQL through a LibPQ
/// connection as `shinchoku_app`, with `app.actor_id` set to each kind of actor. This is the SQL-level twin of
/// ``PermissionMatrixTests``: exactly the allowed cells change a row; every refusal leaves every table as it was.
@Suite struct DatabaseEnforcementTests {
    typealias W = WorkflowFixtures

    /// Who `app.actor_id` names.
    enum Actor: String, CaseIterable, CustomStringConvertible, Sendable {
        case owningClerk, otherClerk, approver, admin, disabledClerk, none, madeUpID, text
        var description: String { rawValue }

        /// The setting's value: an account's id, or what an attacker might put there.
        func setting(_ ids: [String: Int]) -> String {
            switch self {
            case .owningClerk: String(ids[Fixtures.clerk("ports")]!)
            case .otherClerk: String(ids[Fixtures.clerk("water")]!)
            case .approver: String(ids[Fixtures.approver]!)
            case .admin: String(ids[Fixtures.admin]!)
            case .disabledClerk: String(ids["disabled-ports"]!)
            case .none: ""
            case .madeUpID: "987654"
            case .text: "x"
            }
        }
    }

    /// A write in SQL, on the ports department's items (project 1-1, indicator 1-1.1).
    enum Write: String, CaseIterable, CustomStringConvertible, Sendable {
        case insertFigure, updateFigureContent, updateFigureReview
        case insertNarrative, updateNarrativeContent, updateNarrativeReview
        case insertReview, updatePeriodState, updateAccountRole
        var description: String { rawValue }

        /// Who may: the owning department's clerk writes content; an approver reviews; an admin runs periods and
        /// accounts. Nobody else, and no one without an enabled account.
        var allowed: Actor {
            switch self {
            case .insertFigure, .updateFigureContent, .insertNarrative, .updateNarrativeContent: .owningClerk
            case .updateFigureReview, .updateNarrativeReview, .insertReview: .approver
            case .updatePeriodState, .updateAccountRole: .admin
            }
        }

        /// The statement; `actor` is the acting account's id where a real write would name it.
        func sql(actor: Int) -> SQLQuery {
            switch self {
            case .insertFigure:
                """
                INSERT INTO figures (indicator_id, period_code, status, value, as_of, entered_by)
                VALUES ((SELECT id FROM indicators WHERE code = '1-1.1'), '2021Q2', 'reported', 7, '2021-09-30', \(actor))
                """
            case .updateFigureContent:
                "UPDATE figures SET value = 99, version = version + 1 WHERE period_code = '2021Q1'"
            case .updateFigureReview:
                """
                UPDATE figures SET state = 'approved', version = version + 1, approved_status = status,
                    approved_value = value, approved_note = note, approved_as_of = as_of, approved_at = now(),
                    approved_by = \(actor)
                WHERE period_code = '2020Q4'
                """
            case .insertNarrative:
                """
                INSERT INTO narratives (project_id, period_code, progress, entered_by)
                VALUES ((SELECT id FROM projects WHERE code = '1-1'), '2021Q2', '■岸壁の改良を進めた', \(actor))
                """
            case .updateNarrativeContent:
                "UPDATE narratives SET progress = '■書き換え', version = version + 1 WHERE period_code = '2021Q1'"
            case .updateNarrativeReview:
                """
                UPDATE narratives SET state = 'approved', version = version + 1,
                    approved_content = jsonb_build_object('progress', progress), approved_at = now(),
                    approved_by = \(actor)
                WHERE period_code = '2020Q4'
                """
            case .insertReview:
                """
                WITH f AS (SELECT id, version FROM figures WHERE period_code = '2020Q4'),
                e AS (
                    INSERT INTO workflow_events (figure_id, action, from_state, to_state, version, content, actor_id)
                    SELECT id, 'return', 'submitted', 'returned', version + 1, '{}', \(actor) FROM f RETURNING id, figure_id)
                INSERT INTO reviews (workflow_event_id, figure_id, decision, reviewer_id, reason, reviewed_version,
                                     reviewed_content)
                SELECT e.id, e.figure_id, 'returned', \(actor), '根拠資料を添付してください', 1, '{}' FROM e
                """
            case .updatePeriodState:
                "UPDATE periods SET state = 'closed', version = version + 1 WHERE code = '2021Q2'"
            case .updateAccountRole:
                "UPDATE users SET role = 'admin', department_id = NULL WHERE login = 'clerk-water'"
            }
        }
    }

    struct Case: CustomStringConvertible, Sendable {
        var actor: Actor
        var write: Write
        var description: String { "\(actor) · \(write)" }
    }

    static let cases: [Case] = Actor.allCases.flatMap { a in Write.allCases.map { Case(actor: a, write: $0) } }

    /// The standard world plus, for ports (1-1.1 and 1-1): a draft in 2021Q1 and a submitted item in 2020Q4,
    /// both entered by its clerk; nothing yet in 2021Q2; and a disabled ports clerk. Returns logins' ids.
    static func arrange(_ db: TestDB) async throws -> [String: Int] {
        try await db.arrange { c in
            try c.executeScript(
                unsafeSQL: """
                    INSERT INTO users (login, display_name, role, department_id, disabled_at)
                    VALUES ('disabled-ports', '停止中の担当', 'clerk', (SELECT id FROM departments WHERE code = 'ports'), now());
                    INSERT INTO figures (indicator_id, period_code, status, value, as_of, state, entered_by)
                    SELECT i.id, p.code, 'reported', 12.5, '2021-06-30', p.state::workflow_state, u.id
                    FROM indicators i, users u,
                         (VALUES ('2021Q1', 'draft'), ('2020Q4', 'submitted')) AS p(code, state)
                    WHERE i.code = '1-1.1' AND u.login = 'clerk-ports';
                    INSERT INTO narratives (project_id, period_code, progress, state, entered_by)
                    SELECT pr.id, p.code, '■整備中', p.state::workflow_state, u.id
                    FROM projects pr, users u,
                         (VALUES ('2021Q1', 'draft'), ('2020Q4', 'submitted')) AS p(code, state)
                    WHERE pr.code = '1-1' AND u.login = 'clerk-ports';
                    UPDATE periods SET state = 'open' WHERE code = '2021Q2';
                    """)
            return Dictionary(
                uniqueKeysWithValues: try c.query("SELECT login, id FROM users").decode((String, Int).self))
        }
    }

    /// Runs one statement as `shinchoku_app` with `app.actor_id` set, committing; the rows it changed, or the
    /// error that refused it.
    static func attempt(_ db: TestDB, actor setting: String, _ sql: SQLQuery) async -> Result<Int, any Error> {
        do {
            return .success(
                try await db.pool.withTransaction { c in
                    try c.execute("SELECT set_config('app.actor_id', \(setting), true)")
                    return try c.execute(sql)
                })
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: cases) func sqlLevelMatrix(_ c: Case) async throws {
        try await TestDatabase.withStandard { db in
            let ids = try await Self.arrange(db)
            let actorID = Int(c.actor.setting(ids)) ?? ids[Fixtures.clerk("ports")]!
            let before = try await Fixtures.snapshot(db)
            let outcome = await Self.attempt(db, actor: c.actor.setting(ids), c.write.sql(actor: actorID))
            let after = try await Fixtures.snapshot(db)
            if c.actor == c.write.allowed {
                #expect((try? outcome.get()) == 1, "\(c) should change one row: \(outcome)")
                #expect(after != before)
            } else {
                // Refused: an error (a policy, a trigger, a grant), or no row within reach. Nothing changed.
                if case .success(let rows) = outcome { #expect(rows == 0, "\(c) changed \(rows) rows") }
                if case .failure(let error) = outcome {
                    #expect(error.postgresError?.sqlState == .insufficientPrivilege, "\(c): \(error)")
                }
                #expect(after == before, "\(c) changed the database")
            }
        }
    }

    @Test("the cells: content by the owning clerk, reviews by approvers, periods and accounts by admins")
    func theAllowedCells() {
        let allowed = Self.cases.filter { $0.actor == $0.write.allowed }
        #expect(allowed.count == Write.allCases.count)
        #expect(Set(allowed.map(\.actor)) == [.owningClerk, .approver, .admin])
    }

    @Test("a clerk's new content is attributed to that clerk, whatever the statement says")
    func contentIsTheActorsOwn() async throws {
        try await TestDatabase.withStandard { db in
            let ids = try await Self.arrange(db)
            let other = ids[Fixtures.clerk("water")]!
            // Another ports clerk takes over the draft, and tries to leave the first clerk's name on it.
            try await db.arrange { c in
                try c.execute(
                    """
                    INSERT INTO users (login, display_name, role, department_id)
                    VALUES ('clerk-ports2', '担当2', 'clerk', (SELECT id FROM departments WHERE code = 'ports'))
                    """)
            }
            let second = try await W.userID(db, "clerk-ports2")
            let rows = try await Self.attempt(
                db, actor: String(second),
                "UPDATE figures SET value = 13, entered_by = \(other) WHERE period_code = '2021Q1'"
            ).get()
            #expect(rows == 1)
            let enteredBy = try await W.scalar(
                db, Int.self, "SELECT entered_by FROM figures WHERE period_code = '2021Q1'")
            #expect(enteredBy == second)
        }
    }

    @Test("an approver cannot approve an item they entered, in SQL either")
    func selfApprovalIsRefused() async throws {
        try await TestDatabase.withStandard { db in
            let ids = try await Self.arrange(db)
            let approver = ids[Fixtures.approver]!
            // Say the approver entered the submitted 2020Q4 items while still a clerk.
            try await db.arrange { c in
                try c.execute("UPDATE figures SET entered_by = \(approver) WHERE period_code = '2020Q4'")
                try c.execute("UPDATE narratives SET entered_by = \(approver) WHERE period_code = '2020Q4'")
            }
            let before = try await Fixtures.snapshot(db)
            for write in [Write.updateFigureReview, .updateNarrativeReview, .insertReview] {
                let outcome = await Self.attempt(db, actor: String(approver), write.sql(actor: approver))
                guard case .failure(let error) = outcome else {
                    Issue.record("\(write) by its own enterer was accepted: \(outcome)")
                    continue
                }
                #expect(error.postgresError?.sqlState == .insufficientPrivilege, "\(write): \(error)")
            }
            #expect(try await Fixtures.snapshot(db) == before)
            // Another approver may.
            let other = ids[Fixtures.approver2]!
            #expect(
                try await Self.attempt(db, actor: String(other), Write.updateFigureReview.sql(actor: other)).get() == 1)
        }
    }

    /// app_actor_entered() also finds a save in the item's history (by its index of saves, migration 0012) when
    /// somebody else entered the item last.
    @Test("an approver cannot review an item whose history shows a save by them, in SQL either")
    func reviewAfterOwnEarlierSaveIsRefused() async throws {
        try await TestDatabase.withStandard { db in
            let ids = try await Self.arrange(db)
            let approver = ids[Fixtures.approver]!
            try await db.arrange { c in
                try c.execute(
                    """
                    INSERT INTO workflow_events (figure_id, action, from_state, to_state, version, content, actor_id)
                    SELECT id, 'save', NULL, 'draft', 1, '{}', \(approver) FROM figures WHERE period_code = '2020Q4'
                    """)
                try c.execute(
                    """
                    INSERT INTO workflow_events (narrative_id, action, from_state, to_state, version, content,
                                                 actor_id)
                    SELECT id, 'save', NULL, 'draft', 1, '{}', \(approver) FROM narratives WHERE period_code = '2020Q4'
                    """)
            }
            let before = try await Fixtures.snapshot(db)
            for write in [Write.updateFigureReview, .updateNarrativeReview, .insertReview] {
                let outcome = await Self.attempt(db, actor: String(approver), write.sql(actor: approver))
                #expect(outcome.failureSQLState == .insufficientPrivilege, "\(write): \(outcome)")
            }
            #expect(try await Fixtures.snapshot(db) == before)
            let other = ids[Fixtures.approver2]!
            #expect(
                try await Self.attempt(db, actor: String(other), Write.updateFigureReview.sql(actor: other)).get() == 1)
        }
    }

    @Test("an approver changes only the review columns, never the value")
    func approversDoNotChangeValues() async throws {
        try await TestDatabase.withStandard { db in
            let ids = try await Self.arrange(db)
            let before = try await Fixtures.snapshot(db)
            for sql: SQLQuery in [
                "UPDATE figures SET value = 0 WHERE period_code = '2020Q4'",
                "UPDATE figures SET status = 'not_available', value = NULL, note = '未集計' WHERE period_code = '2020Q4'",
                "UPDATE narratives SET progress = '■承認者が書き換え' WHERE period_code = '2020Q4'",
            ] {
                let outcome = await Self.attempt(db, actor: String(ids[Fixtures.approver]!), sql)
                #expect(outcome.failureSQLState == .insufficientPrivilege, "\(sql.sql): \(outcome)")
            }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    @Test("a locked period is never reopened, by the app role or the owner")
    func lockedIsFinal() async throws {
        try await TestDatabase.withStandard { db in
            let ids = try await Self.arrange(db)
            try await db.arrange { c in try c.execute("UPDATE periods SET state = 'locked' WHERE code = '2020Q4'") }
            let before = try await Fixtures.snapshot(db)
            let admin = await Self.attempt(
                db, actor: String(ids[Fixtures.admin]!), "UPDATE periods SET state = 'open' WHERE code = '2020Q4'")
            #expect(admin.failureSQLState == .insufficientPrivilege, "\(admin)")
            let owner = try await Self.asOwner(db) { c in
                try c.execute("SELECT set_config('app.actor_id', \(String(ids[Fixtures.admin]!)), false)")
                return try c.execute("UPDATE periods SET state = 'closed' WHERE code = '2020Q4'")
            }
            #expect(owner.failureSQLState == .insufficientPrivilege, "\(owner)")
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    /// The issue's own check: connected as shinchoku_app with a clerk's actor id, `UPDATE figures SET value = 0`
    /// changes only that clerk's department's rows, and `TRUNCATE audit_events` fails.
    @Test("UPDATE figures SET value = 0 as a clerk changes only that department's rows")
    func aClerksBlanketUpdate() async throws {
        try await TestDatabase.withStandard { db in
            let ids = try await Self.arrange(db)
            // Drafts of other departments too: water (1-2.1) and hydrogen (5-2.1).
            try await db.arrange { c in
                try c.execute(
                    """
                    INSERT INTO figures (indicator_id, period_code, status, value, as_of, state, entered_by)
                    SELECT i.id, '2021Q1', 'reported', 5, '2021-06-30', 'draft', u.id
                    FROM indicators i JOIN projects p ON p.id = i.project_id JOIN users u ON u.department_id = p.department_id
                    WHERE i.code IN ('1-2.1', '5-2.1') AND u.role = 'clerk'
                    """)
            }
            let others = try await W.scalar(
                db, String.self,
                """
                SELECT string_agg(f::text, '|' ORDER BY f.id) FROM figures f JOIN indicators i ON i.id = f.indicator_id
                WHERE i.code <> '1-1.1'
                """)
            let rows = try await Self.attempt(
                db, actor: String(ids[Fixtures.clerk("ports")]!), "UPDATE figures SET value = 0"
            ).get()
            #expect(rows == 1)  // the ports draft; its submitted figure is out of a clerk's reach
            let values = try await db.superuserPool.withConnection { c in
                try c.query(
                    """
                    SELECT i.code, f.period_code, f.value::text FROM figures f JOIN indicators i ON i.id = f.indicator_id
                    ORDER BY i.code, f.period_code
                    """
                ).decode((String, String, String).self)
            }
            #expect(values.filter { $0.0 == "1-1.1" && $0.1 == "2021Q1" }.map(\.2) == ["0"])
            #expect(values.filter { $0.0 == "1-1.1" && $0.1 == "2020Q4" }.map(\.2) == ["12.5"])
            #expect(
                try await W.scalar(
                    db, String.self,
                    """
                    SELECT string_agg(f::text, '|' ORDER BY f.id) FROM figures f JOIN indicators i ON i.id = f.indicator_id
                    WHERE i.code <> '1-1.1'
                    """) == others)

            let truncate = await Self.attempt(
                db, actor: String(ids[Fixtures.clerk("ports")]!), "TRUNCATE audit_events")
            #expect(truncate.failureSQLState == .insufficientPrivilege, "\(truncate)")
        }
    }

    @Test("only an approver requests a publication, and only as themselves")
    func publicationRequestsAreApprovers() async throws {
        try await TestDatabase.withStandard { db in
            let ids = try await Self.arrange(db)
            let request: @Sendable (Int) -> SQLQuery = { who in
                "INSERT INTO publication_requests (period_code, requested_by, manual, reason) VALUES ('2021Q2', \(who), true, '公表')"
            }
            let before = try await Fixtures.snapshot(db)
            for who in [Fixtures.clerk("ports"), Fixtures.admin] {
                let id = ids[who]!
                let outcome = await Self.attempt(db, actor: String(id), request(id))
                #expect(outcome.failureSQLState == .insufficientPrivilege, "\(who): \(outcome)")
            }
            let approver = ids[Fixtures.approver]!
            let asSomeoneElse = await Self.attempt(db, actor: String(approver), request(ids[Fixtures.approver2]!))
            #expect(asSomeoneElse.failureSQLState == .insufficientPrivilege)
            #expect(try await Fixtures.snapshot(db) == before)
            #expect(try await Self.attempt(db, actor: String(approver), request(approver)).get() == 1)
        }
    }

    @Test("an audit event shows its actor's own login, whatever the statement said")
    func auditLoginIsTheActors() async throws {
        try await TestDatabase.withStandard { db in
            let ids = try await Self.arrange(db)
            let clerk = ids[Fixtures.clerk("ports")]!
            let rows = try await Self.attempt(
                db, actor: String(clerk),
                """
                INSERT INTO audit_events (actor_id, actor_login, action, entity, entity_id)
                VALUES (\(clerk), 'admin', 'user.set_password', 'user', 'clerk-ports')
                """
            ).get()
            #expect(rows == 1)
            let login = try await W.scalar(
                db, String.self, "SELECT actor_login FROM audit_events ORDER BY chain_seq DESC LIMIT 1")
            #expect(login == Fixtures.clerk("ports"))
            #expect(try await db.service().verifyAuditChain(as: .login(Fixtures.admin)).isIntact)
        }
    }

    static let historyTables = ["audit_events", "workflow_events", "reviews"]

    @Test(
        "history is append-only: UPDATE, DELETE and TRUNCATE refused by grants for the app and by triggers for the owner"
    )
    func historyIsAppendOnly() async throws {
        try await TestDatabase.withStandard { db in
            let ids = try await Self.arrange(db)
            let admin = String(ids[Fixtures.admin]!)
            // Some history of every kind: a return writes a workflow event, a review and an audit event.
            let approver = ids[Fixtures.approver]!
            _ = try await Self.attempt(db, actor: String(approver), Write.insertReview.sql(actor: approver)).get()
            let before = try await Fixtures.snapshot(db)
            for table in Self.historyTables {
                for sql: SQLQuery in [
                    "UPDATE \(identifier: table) SET at = at", "DELETE FROM \(identifier: table)",
                    "TRUNCATE \(identifier: table) CASCADE",
                ] {
                    let app = await Self.attempt(db, actor: admin, sql)
                    #expect(app.failureSQLState == .insufficientPrivilege, "app: \(sql.sql): \(app)")
                    let owner = try await Self.asOwner(db) { c in try c.execute(sql) }
                    #expect(owner.failureSQLState == .insufficientPrivilege, "owner: \(sql.sql): \(owner)")
                    #expect(
                        (owner.failureMessage ?? "").contains("append-only"),
                        "owner: \(sql.sql) should be refused by the trigger: \(owner)")
                }
            }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    @Test("the application role owns nothing, is no superuser and cannot bypass row-level security")
    func theApplicationRole() async throws {
        try await TestDatabase.withStandard { db in
            let me = try await db.pool.withConnection { c in try DatabaseRoles.identity(on: c) }
            #expect(me.user == DatabaseRoles.application && !me.isSuperuser && !me.bypassesRowSecurity)
            let (owned, forced) = try await db.superuserPool.withConnection { c in
                (
                    try c.query(
                        "SELECT count(*) FROM pg_class WHERE relowner = 'shinchoku_app'::regrole"
                    ).single().decode(Int.self),
                    try c.query(
                        """
                        SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class
                        WHERE relrowsecurity AND relforcerowsecurity AND relnamespace = 'public'::regnamespace
                        """
                    ).single().decode(String.self)
                )
            }
            #expect(owned == 0)
            for table in ["figures", "narratives", "reviews", "workflow_events", "users", "sessions"] {
                #expect(forced.split(separator: ",").contains(Substring(table)), "\(table) has no forced RLS")
            }
            let tables = try await db.superuserPool.withConnection { c in
                try c.query("SELECT tableowner::text FROM pg_tables WHERE schemaname = 'public'").decodeColumn(
                    String.self)
            }
            #expect(Set(tables) == [DatabaseRoles.owner])
        }
    }

    /// Runs `body` connected as `shinchoku_owner` (the embedded cluster trusts local connections).
    static func asOwner(_ db: TestDB, _ body: @escaping @Sendable (Connection) throws -> Int) async throws
        -> Result<Int, any Error>
    {
        let pool = ConnectionPool(
            configuration: db.superuserConfiguration.with("user", DatabaseRoles.owner),
            options: .init(maxConnections: 1))
        defer { Task { await pool.close() } }
        do {
            return .success(try await pool.withTransaction(body))
        } catch {
            return .failure(error)
        }
    }
}

extension Result where Failure == any Error {
    var failureSQLState: SQLState? {
        if case .failure(let error) = self { return error.postgresError?.sqlState }
        return nil
    }
    var failureMessage: String? {
        if case .failure(let error) = self { return error.postgresError?.message }
        return nil
    }
}
