import Foundation
import LibPQ

/// Where a required item of a period stands, for its completeness.
public enum CompletenessState: String, Sendable, Codable, CaseIterable {
    /// Nothing saved yet.
    case missing
    case draft
    case submitted
    case returned
    case approved
    /// An approver excused it with a reason: it counts as done.
    case excused

    /// Done for publication: approved or excused.
    public var isDone: Bool { self == .approved || self == .excused }

    /// The word the screens and the CLI print.
    public var japanese: String {
        switch self {
        case .missing: "未入力"
        case .draft: "下書き"
        case .submitted: "提出済み"
        case .returned: "差戻し中"
        case .approved: "承認済み"
        case .excused: "免除"
        }
    }
}

/// The two kinds of required item: an indicator's figure and a project's narrative.
public enum RequiredItemKind: String, Sendable, Codable, CaseIterable {
    case figure
    case narrative
}

/// One required item of a period: the figure of an indicator (`code` `1-1.1`) or the narrative of a project
/// (`code` `1-1`).
public struct CompletenessItem: Sendable, Codable, Equatable {
    public var kind: RequiredItemKind
    public var code: String
    /// The indicator's name, or the project's title.
    public var name: String
    public var project: String
    public var state: CompletenessState
    /// Why it was excused, while it is.
    public var excuseReason: String?
}

/// How many items are in each state.
public struct CompletenessCounts: Sendable, Codable, Equatable {
    public var missing = 0
    public var draft = 0
    public var submitted = 0
    public var returned = 0
    public var approved = 0
    public var excused = 0
    public var total = 0

    mutating func add(_ state: CompletenessState) {
        total += 1
        switch state {
        case .missing: missing += 1
        case .draft: draft += 1
        case .submitted: submitted += 1
        case .returned: returned += 1
        case .approved: approved += 1
        case .excused: excused += 1
        }
    }

    /// Items that still stand between the period and its report.
    public var outstanding: Int { missing + draft + submitted + returned }
}

/// One department's required items of a period, in plan order.
public struct DepartmentCompleteness: Sendable, Codable, Equatable {
    public var code: String
    public var name: String
    public var counts: CompletenessCounts
    public var items: [CompletenessItem]
}

/// What a period requires and where each item stands: every indicator's figure and every project's narrative,
/// per owning department. `complete` when every item is approved or excused.
public struct PeriodCompleteness: Sendable, Codable, Equatable {
    public var period: PeriodCode
    public var complete: Bool
    public var counts: CompletenessCounts
    public var departments: [DepartmentCompleteness]
}

extension ShinchokuService {
    /// The period's required items and their states, grouped per department (docs/publication.md). Everyone signed
    /// in may read it. Errors: `not_found` for an unknown period.
    public func completeness(period: PeriodCode, as reader: ActorReference) async throws -> PeriodCompleteness {
        try await perform(as: reader) { tx in
            _ = try WorkflowGate.period(tx.connection, period, department: nil, lock: false)
            return try CompletenessStore.completeness(tx.connection, period: period)
        }
    }

    /// Excuses a required item of the period (an indicator's figure, or a project's narrative) with a reason, so
    /// that it counts as done. Approvers only, while the period is not locked; audited as `period.excuse`.
    /// Errors: `forbidden`, `not_found` (period or item), `invalid` (`reason`), `conflict` (already excused),
    /// `period_not_open` (locked).
    public func excuse(
        period: PeriodCode, kind: RequiredItemKind, code: String, reason: String, as approver: ActorReference
    ) async throws -> PeriodCompleteness {
        try await perform(as: approver) { tx in
            try tx.require(.approver, to: "excuse required items")
            let reason = try PublicationRules.reason(reason, ja: "免除する理由を入力してください。")
            let c = tx.connection
            let window = try WorkflowGate.period(c, period, department: nil, lock: true)
            try PublicationRules.requireNotLocked(window)
            let id = try CompletenessStore.itemID(c, kind: kind, code: code)
            let column: SQLQuery = kind == .figure ? "indicator_id" : "project_id"
            let actorID = try WorkflowGate.actorID(tx)
            let values: SQLQuery = ", reason, excused_by) VALUES (\(period), \(id), \(reason), \(actorID)) "
            let inserted = try c.execute(
                "INSERT INTO excusals (period_code, " + column + values + "ON CONFLICT DO NOTHING")
            guard inserted == 1 else {
                throw ServiceError.conflict(
                    "The \(kind.rawValue) \(code) is already excused in \(period).",
                    ja: "\(code)は\(period.jaName)で既に免除されています。")
            }
            try tx.audit(
                .periodExcuse, id: period.description, after: ["kind": kind.rawValue, "code": code], reason: reason)
            return try CompletenessStore.completeness(c, period: period)
        }
    }

    /// Takes an excusal back: the item is required again. Approvers only, while the period is not locked; audited
    /// as `period.unexcuse`. Errors: `forbidden`, `not_found` (period, item or excusal), `period_not_open`.
    public func unexcuse(
        period: PeriodCode, kind: RequiredItemKind, code: String, as approver: ActorReference
    ) async throws -> PeriodCompleteness {
        try await perform(as: approver) { tx in
            try tx.require(.approver, to: "take back excusals")
            let c = tx.connection
            let window = try WorkflowGate.period(c, period, department: nil, lock: true)
            try PublicationRules.requireNotLocked(window)
            let id = try CompletenessStore.itemID(c, kind: kind, code: code)
            let column: SQLQuery = kind == .figure ? "indicator_id" : "project_id"
            let deleted = try c.execute(
                "DELETE FROM excusals WHERE period_code = \(period) AND " + column + " = \(id)")
            guard deleted == 1 else {
                throw ServiceError.notFound(
                    "The \(kind.rawValue) \(code) is not excused in \(period).",
                    ja: "\(code)は\(period.jaName)で免除されていません。")
            }
            try tx.audit(.periodUnexcuse, id: period.description, before: ["kind": kind.rawValue, "code": code])
            return try CompletenessStore.completeness(c, period: period)
        }
    }
}

/// SQL of completeness: checks nothing.
enum CompletenessStore {
    static func completeness(_ c: Connection, period: PeriodCode) throws -> PeriodCompleteness {
        let rows = try c.query(
            """
            SELECT d.code AS department, d.name AS department_name, 'figure' AS kind, i.code, i.name,
                   p.code AS project, f.state::text AS state, e.reason, p.id AS project_order, 1 AS kind_order,
                   i.id AS item_order
            FROM indicators i JOIN projects p ON p.id = i.project_id JOIN departments d ON d.id = p.department_id
            LEFT JOIN figures f ON f.indicator_id = i.id AND f.period_code = \(period)
            LEFT JOIN excusals e ON e.indicator_id = i.id AND e.period_code = \(period)
            UNION ALL
            SELECT d.code, d.name, 'narrative', p.code, p.title, p.code, n.state::text, e.reason, p.id, 2, p.id
            FROM projects p JOIN departments d ON d.id = p.department_id
            LEFT JOIN narratives n ON n.project_id = p.id AND n.period_code = \(period)
            LEFT JOIN excusals e ON e.project_id = p.id AND e.period_code = \(period)
            ORDER BY department, project_order, kind_order, item_order
            """)
        var departments: [DepartmentCompleteness] = []
        var total = CompletenessCounts()
        for r in rows {
            let stateText: String? = try r["state"]
            let excuse: String? = try r["reason"]
            let state: CompletenessState =
                stateText == "approved"
                ? .approved
                : excuse != nil ? .excused : stateText.flatMap(CompletenessState.init(rawValue:)) ?? .missing
            let item = CompletenessItem(
                kind: RequiredItemKind(rawValue: try r["kind"]) ?? .figure, code: try r["code"], name: try r["name"],
                project: try r["project"], state: state, excuseReason: state == .excused ? excuse : nil)
            let code: String = try r["department"]
            if departments.last?.code != code {
                departments.append(
                    DepartmentCompleteness(
                        code: code, name: try r["department_name"], counts: CompletenessCounts(), items: []))
            }
            departments[departments.count - 1].items.append(item)
            departments[departments.count - 1].counts.add(state)
            total.add(state)
        }
        return PeriodCompleteness(
            period: period, complete: total.outstanding == 0, counts: total, departments: departments)
    }

    /// Whether every required item of the period is approved or excused, counted in SQL.
    static func isComplete(_ c: Connection, period: PeriodCode) throws -> Bool {
        try c.query("SELECT " + completeCondition(period: period)).single().decode(Bool.self)
    }

    /// The condition of ``isComplete(_:period:)``, for a statement that acts on it.
    static func completeCondition(period: PeriodCode) -> SQLQuery {
        """
        NOT EXISTS (
            SELECT 1 FROM indicators i
            WHERE NOT EXISTS (SELECT 1 FROM figures f WHERE f.indicator_id = i.id AND f.period_code = \(period)
                              AND f.state = 'approved')
              AND NOT EXISTS (SELECT 1 FROM excusals e WHERE e.indicator_id = i.id AND e.period_code = \(period)))
        AND NOT EXISTS (
            SELECT 1 FROM projects p
            WHERE NOT EXISTS (SELECT 1 FROM narratives n WHERE n.project_id = p.id
                              AND n.period_code = \(period) AND n.state = 'approved')
              AND NOT EXISTS (SELECT 1 FROM excusals e WHERE e.project_id = p.id AND e.period_code = \(period)))
        """
    }

    /// The id of the indicator (`figure`) or project (`narrative`) named by `code`.
    static func itemID(_ c: Connection, kind: RequiredItemKind, code: String) throws -> Int {
        let table: SQLQuery = kind == .figure ? "indicators" : "projects"
        guard let row = try c.query("SELECT id FROM " + table + " WHERE code = \(code)").first else {
            throw ServiceError.notFound(
                "There is no \(kind == .figure ? "indicator" : "project") \(code) in the plan.",
                ja: "計画に\(kind == .figure ? "指標" : "プロジェクト")\(code)はありません。")
        }
        return try row.decode(Int.self)
    }
}
