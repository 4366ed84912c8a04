import Foundation
import LibPQ
import Shinchoku
import Testing

/// The world of the workflow tests: who acts, periods set up by hand, and figures taken through their steps.
/// Periods and extensions are written directly, so these tests do not depend on the period service.
public enum WorkflowFixtures {
    public static let approver = ActorReference.login(Fixtures.approver)
    public static let approver2 = ActorReference.login(Fixtures.approver2)
    public static let admin = ActorReference.login(Fixtures.admin)
    public static let q4 = PeriodCode("2020Q4")!
    public static let q1 = PeriodCode("2021Q1")!
    public static let q2 = PeriodCode("2021Q2")!

    /// The clerk of a department.
    public static func clerk(_ department: String) -> ActorReference { .login(Fixtures.clerk(department)) }

    /// The clerk of the department that owns a project (`1-1`) or an indicator's project (`1-1.1`).
    public static func owner(of code: String) throws -> ActorReference {
        let project = String(code.split(separator: ".")[0])
        guard let department = try ownerOfProject.get()[project] else { throw PlanFixtureError(code: code) }
        return clerk(department)
    }

    /// Each project's department in the bundled plan, read once.
    private static let ownerOfProject = Result {
        Dictionary(uniqueKeysWithValues: try PlanFile.bundled().projects.map { ($0.code, $0.department) })
    }

    public struct PlanFixtureError: Error { public let code: String }

    public static func decimal(_ text: String) -> ExactDecimal { ExactDecimal(text)! }

    public static func setPeriod(_ db: TestDB, _ period: PeriodCode, _ state: PeriodState) async throws {
        try await db.arrange { c in
            let p = period
            try c.execute(
                """
                INSERT INTO periods (code, fiscal_year, quarter, starts_on, ends_on, state)
                VALUES (\(p.description), \(p.fiscalYear), \(p.quarter), \(p.startDate), \(p.endDate), \(state.rawValue))
                ON CONFLICT (code) DO UPDATE SET state = EXCLUDED.state
                """)
        }
    }

    /// Grants a department an extension in a (closed) period, as an admin would.
    public static func extend(_ db: TestDB, _ period: PeriodCode, department: String, until: CalendarDate) async throws
    {
        try await db.arrange { c in
            try c.execute(
                """
                INSERT INTO period_extensions (period_code, department_id, until_on, reason, granted_by)
                VALUES (\(period.description), (SELECT id FROM departments WHERE code = \(department)), \(until),
                        '集計が遅れているため', (SELECT id FROM users WHERE login = 'admin'))
                """)
        }
    }

    /// Today in Japan, as the service counts extension days.
    public static func japanToday(_ db: TestDB) async throws -> CalendarDate {
        try await db.pool.withConnection { c in
            try c.query("SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date")[0].decode(CalendarDate.self, at: 0)
        }
    }

    public static func userID(_ db: TestDB, _ login: String) async throws -> Int {
        try await db.pool.withConnection { c in
            try c.query("SELECT id FROM users WHERE login = \(login)")[0].decode(Int.self, at: 0)
        }
    }

    /// Saves and submits a figure as the owning clerk.
    @discardableResult
    public static func submitted(
        _ db: TestDB, _ period: PeriodCode, _ indicator: String, _ value: String, note: String? = nil
    ) async throws -> FigureInfo {
        let s = db.service()
        let clerk = try owner(of: indicator)
        let saved = try await s.saveFigure(
            period: period, indicator: indicator, input: FigureInput(value: decimal(value), note: note), as: clerk)
        return try await s.submitFigure(period: period, indicator: indicator, version: saved.version, as: clerk)
    }

    /// Saves, submits and approves a figure.
    @discardableResult
    public static func approved(
        _ db: TestDB, _ period: PeriodCode, _ indicator: String, _ value: String, note: String? = nil
    ) async throws -> FigureInfo {
        let f = try await submitted(db, period, indicator, value, note: note)
        return try await db.service().approveFigure(
            period: period, indicator: indicator, version: f.version, as: approver)
    }

    /// Loads figures and narratives through the service as the prefecture would: the owning clerk saves and
    /// submits, an approver approves; older periods first, so later ones are checked against them.
    public static func load(_ actuals: ActualsFile, into db: TestDB) async throws {
        let s = db.service()
        for f in actuals.figures.sorted(by: { ($0.period, $0.indicator) < ($1.period, $1.indicator) }) {
            let clerk = try owner(of: f.indicator)
            let saved = try await s.saveFigure(
                period: f.period, indicator: f.indicator,
                input: FigureInput(value: f.value, status: f.status, note: f.note, asOf: f.asOf), as: clerk)
            let sent = try await s.submitFigure(
                period: f.period, indicator: f.indicator, version: saved.version, as: clerk)
            _ = try await s.approveFigure(period: f.period, indicator: f.indicator, version: sent.version, as: approver)
        }
        for n in actuals.narratives {
            let clerk = try owner(of: n.project)
            let saved = try await s.saveNarrative(
                period: n.period, project: n.project,
                input: NarrativeInput(
                    progress: n.progress, progressHard: n.progressHard, progressSoft: n.progressSoft,
                    outlook: n.outlook, outlookHard: n.outlookHard, outlookSoft: n.outlookSoft),
                as: clerk)
            let sent = try await s.submitNarrative(
                period: n.period, project: n.project, version: saved.version, as: clerk)
            _ = try await s.approveNarrative(period: n.period, project: n.project, version: sent.version, as: approver)
        }
    }

    /// Expects `body` to fail with `code` (naming `field`, saying `text`) and to leave every table as it was.
    public static func expectRejected<T>(
        _ db: TestDB, _ code: ServiceError.Code, field: String? = nil, saying text: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
    ) async throws {
        let before = try await Fixtures.snapshot(db)
        do {
            _ = try await body()
            Issue.record("expected \(code), but the call succeeded", sourceLocation: sourceLocation)
        } catch let e as ServiceError {
            #expect(e.code == code, "\(e)", sourceLocation: sourceLocation)
            if let field {
                #expect(e.fieldErrors.contains { $0.field == field }, "\(e)", sourceLocation: sourceLocation)
            }
            if let text {
                #expect(e.description.contains(text), "\(e)", sourceLocation: sourceLocation)
            }
        }
        let after = try await Fixtures.snapshot(db)
        #expect(after == before, "a rejected call changed data", sourceLocation: sourceLocation)
    }

    /// One audit event.
    public struct AuditRow: Equatable, Sendable {
        public var actorID: Int?
        public var action: String
        public var entity: String
        public var entityID: String

        public init(actorID: Int?, action: String, entity: String, entityID: String) {
            (self.actorID, self.action, self.entity, self.entityID) = (actorID, action, entity, entityID)
        }
    }

    /// The id of the latest audit event, to find what a call added after it.
    public static func lastAuditID(_ db: TestDB) async throws -> Int {
        try await db.pool.withConnection { c in
            try c.query("SELECT coalesce(max(id), 0) FROM audit_events")[0].decode(Int.self, at: 0)
        }
    }

    public static func audit(_ db: TestDB, after id: Int) async throws -> [AuditRow] {
        try await db.pool.withConnection { c in
            try c.query("SELECT actor_id, action, entity, entity_id FROM audit_events WHERE id > \(id) ORDER BY id")
                .decode((Int?, String, String, String).self)
                .map { AuditRow(actorID: $0.0, action: $0.1, entity: $0.2, entityID: $0.3) }
        }
    }

    public static func scalar<T: PostgresDecodable>(_ db: TestDB, _ type: T.Type, _ query: SQLQuery) async throws -> T {
        try await db.pool.withConnection { c in try c.query(query)[0].decode(T.self, at: 0) }
    }
}
