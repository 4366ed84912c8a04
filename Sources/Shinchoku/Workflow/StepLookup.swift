import Foundation
import LibPQ

/// Whose checks a step's lookup serves.
enum StepMode: String {
    /// A clerk's save or submit: the project is share-locked (no transfer slips in), and a closed period's extension
    /// for the owning department is read and share-locked.
    case entry
    /// An approver's approve, return or reopen: whether the approver ever saved the item is read.
    case review
}

/// Everything a workflow step reads before it writes, read in one statement: the target and its owner, the period
/// and the department's extension, the item locked FOR UPDATE with what its info shows, and what the step's checks
/// need (the previous approved figure, whether the approver saved the item). The locks are those the step took
/// one statement at a time before: the project FOR SHARE for clerks, the period (and a closed period's extension)
/// FOR SHARE, the item FOR UPDATE. The step decides from it in Swift, in the order of its checks.
struct StepLookup<S: ReviewSubject> {
    let target: S.Target?
    let window: PeriodWindow?
    let current: ReviewRow<S.Content>?
    /// The row as read, for the item's info.
    let row: Row
    /// Whether the acting user ever saved the item (review lookups only; false otherwise).
    let savedByActor: Bool
    let context: S.CheckContext

    /// The target; `not_found` when the plan has none.
    func requireTarget(_ code: String) throws -> S.Target {
        guard let target else { throw ServiceError.notFound("There is no \(S.targetWord) \(code) in the plan.") }
        return target
    }

    /// The period; `not_found` when there is none.
    func requireWindow(_ period: PeriodCode) throws -> PeriodWindow {
        guard let window else { throw ServiceError.notFound("There is no period \(period).") }
        return window
    }

    /// The item; `not_found` while nothing has been saved.
    func requireCurrent(_ target: S.Target, _ period: PeriodCode) throws -> ReviewRow<S.Content> {
        guard let current else {
            throw ServiceError.notFound("No \(S.noun) has been \(S.savedWord) for \(target.code) in \(period) yet.")
        }
        return current
    }
}

extension WorkflowGate {
    /// The lookup of a step on the item of `code` in `period`, for ``ShinchokuService/perform(as:isolation:step:_:)``
    /// to read with the acting user.
    static func lookupQuery<S: ReviewSubject>(_ subject: S.Type, code: String, period: PeriodCode, mode: StepMode)
        -> StepLookupQuery
    {
        let entry = mode == .entry
        let p = period.description
        let forShare: SQLQuery = entry ? " FOR SHARE OF p" : ""
        let extensionJoin: SQLQuery =
            entry
            ? """

            LEFT JOIN LATERAL (
                SELECT until_on AS period_extended_until FROM period_extensions
                WHERE period_code = \(p) AND department_id = t.target_department_id AND per.period_state = 'closed'
                FOR SHARE) ext ON true
            """
            : ""
        let context = S.contextSelect(period: period, mode: mode)
        let contextJoin: SQLQuery = context.map { "\nLEFT JOIN LATERAL (\($0)) x ON true" } ?? ""
        let extended: SQLQuery = entry ? "ext.period_extended_until" : "NULL::date AS period_extended_until"
        let contextColumns: SQLQuery = context == nil ? "" : ", x.*"
        let savedByActor: SQLQuery =
            entry
            ? "false"
            : """
            EXISTS (
                SELECT 1 FROM workflow_events w
                WHERE w.\(unsafeRaw: S.Store.eventColumn) = r.item_id AND w.action = 'save'
                  AND w.actor_id = nullif(current_setting('app.actor_id', true), '')::bigint)
            """
        let query: SQLQuery =
            """
            SELECT t.*, per.*, \(extended), (now() AT TIME ZONE 'Asia/Tokyo')::date AS period_today, r.*,
                   \(savedByActor) AS saved_by_actor\(contextColumns)
            FROM (SELECT 1 AS one) one
            LEFT JOIN LATERAL (\(S.Store.targetSelect(code: code)) \(forShare)) t ON true
            LEFT JOIN LATERAL (
                SELECT state::text AS period_state, starts_on AS period_starts_on, ends_on AS period_ends_on
                FROM periods WHERE code = \(p) FOR SHARE) per ON true\(extensionJoin)
            LEFT JOIN LATERAL (\(S.Store.itemSelect(period: period))) r ON true\(contextJoin)
            """
        return StepLookupQuery(key: lookupKey(S.self, code: code, period: period, mode: mode), query: query)
    }

    private static func lookupKey<S: ReviewSubject>(
        _ subject: S.Type, code: String, period: PeriodCode, mode: StepMode
    ) -> String {
        "\(S.noun)\u{0}\(mode.rawValue)\u{0}\(period)\u{0}\(code)"
    }

    /// Reads a step's lookup: the rows read with the acting user when they were, else now (after any deferred
    /// statements of an earlier step in the same transaction).
    static func lookup<S: ReviewSubject>(
        _ subject: S.Type, _ tx: Transaction, code: String, period: PeriodCode, mode: StepMode
    ) throws -> StepLookup<S> {
        let q = lookupQuery(S.self, code: code, period: period, mode: mode)
        let rows = try tx.prefetched?.take(q.key) ?? tx.query(q.query)
        let r = try rows.single()
        var window: PeriodWindow?
        if let stateText = try r["period_state"] as String? {
            guard let state = PeriodState(rawValue: stateText) else {
                throw PostgresError(kind: .decoding, message: "unexpected period state")
            }
            window = PeriodWindow(
                code: period, state: state, startsOn: try r["period_starts_on"], endsOn: try r["period_ends_on"],
                extendedUntil: try r["period_extended_until"], today: try r["period_today"])
        }
        return StepLookup(
            target: try S.Store.target(r), window: window, current: try S.Store.reviewRow(r), row: r,
            savedByActor: try r["saved_by_actor"], context: try S.checkContext(r, mode: mode))
    }
}

extension ProjectOwner {
    /// Reads the owner from a lookup's `target_project_*` and `target_department_*` columns.
    init(lookup r: Row) throws {
        self.init(
            projectID: try r["target_project_id"], projectCode: try r["target_project_code"],
            departmentID: try r["target_department_id"], departmentCode: try r["target_department_code"],
            projectTitle: try r["target_project_title"], departmentName: try r["target_department_name"])
    }
}
