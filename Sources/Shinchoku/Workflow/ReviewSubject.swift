import Foundation
import LibPQ

/// A figure or narrative row as the workflow needs it.
struct ReviewRow<Content: Equatable> {
    let id: Int
    let state: WorkflowState
    let version: Int
    let content: Content
    let enteredBy: Int
    /// Nil until first approved.
    let approved: Content?
    let changedSinceApproval: Bool
}

/// A figure or narrative as users see it, as far as the workflow's audit trail needs it.
protocol ReviewedInfo {
    associatedtype Content
    var content: Content { get }
    var state: WorkflowState { get }
    var version: Int { get }
    var changedSinceApproval: Bool { get }
}

/// What a figure or narrative belongs to: an indicator or a project, and the department that owns it.
protocol ReviewTarget {
    /// The code users name it by: `1-1.1`, `1-1`.
    var code: String { get }
    var owner: ProjectOwner { get }
}

extension IndicatorRef: ReviewTarget {}

extension ProjectOwner: ReviewTarget {
    var code: String { projectCode }
    var owner: ProjectOwner { self }
}

/// The SQL of one kind of reviewed item (figures, narratives). It checks nothing: the rules are in the
/// ``ReviewSubject`` and in ``WorkflowGate``.
protocol ReviewStore {
    associatedtype Target: ReviewTarget
    /// The part a review approves and a report prints.
    associatedtype Content: Encodable & Equatable
    /// The item as users see it.
    associatedtype Info: ReviewedInfo & Sendable where Info.Content == Content

    /// The table the items live in.
    static var table: String { get }
    /// The target named by `code`, if there is one. With `lock`, the project row is share-locked, so that a
    /// transfer to another department cannot slip in between the ownership check and the write.
    static func target(_ c: Connection, code: String, lock: Bool) throws -> Target?
    /// The item of `target` in `period`, if there is one; with `forUpdate`, locked until the transaction ends.
    static func row(_ c: Connection, of target: Target, period: PeriodCode, forUpdate: Bool) throws
        -> ReviewRow<Content>?
    /// The column of `workflow_events` and `reviews` that names an item of this kind: `figure_id`, `narrative_id`.
    static var eventColumn: String { get }
    /// A step lookup's target (``WorkflowGate/lookupQuery(_:code:period:mode:)``): a SELECT of the target named by
    /// `code`, without a locking clause, whose project is `p`, and whose columns are `target_id`, `target_code`,
    /// `target_project_id`, `target_project_code`, `target_project_title`, `target_department_id`,
    /// `target_department_code` and `target_department_name`, and any more the target needs.
    static func targetSelect(code: String) -> SQLQuery
    /// The target in a lookup's row; nil when there is none.
    static func target(_ r: Row) throws -> Target?
    /// A step lookup's item in `period`, of the target `t`, locked FOR UPDATE: `item_id` and the columns of
    /// ``returning``.
    static func itemSelect(period: PeriodCode) -> SQLQuery
    /// What a write returns: `item_id`, `entered_by`, and the columns ``info(_:target:period:)`` reads.
    static var returning: SQLQuery { get }
    /// The item in a lookup's row or a write's; nil when there is none.
    static func reviewRow(_ r: Row) throws -> ReviewRow<Content>?
    /// The item as users see it, from a lookup's row or a write's: the same as ``info(_:id:)`` reads.
    static func info(_ r: Row, target: Target, period: PeriodCode) throws -> Info
    /// Inserts a new item as a draft and returns it (``returning``); nil when another transaction inserted it first.
    static func insert(_ c: Connection, _ content: Content, of target: Target, period: PeriodCode, by actorID: Int)
        throws -> Row?
    /// Writes new content into the item at `current`'s version and makes it a draft; the item as written, nil when
    /// no row was updated.
    static func update(
        _ c: Connection, _ current: ReviewRow<Content>, to content: Content, changedSinceApproval: Bool, by actorID: Int
    ) throws -> Row?
    /// Approves the item at `current`'s version: its content becomes the approved one. The item as written, nil when
    /// no row was updated.
    static func approve(_ c: Connection, _ current: ReviewRow<Content>, by approver: Int) throws -> Row?
    static func info(_ c: Connection, id: Int) throws -> Info
}

extension ReviewStore {
    /// Moves the item at `current`'s version to `state` and keeps its approved snapshot: after a reopen, reports
    /// go on printing it until a correction is approved. The item as written, nil when no row was updated.
    static func move(_ c: Connection, _ current: ReviewRow<Content>, to state: WorkflowState) throws -> Row? {
        try c.query(
            """
            UPDATE \(identifier: table) SET state = \(state), version = version + 1, updated_at = now()
            WHERE id = \(current.id) AND version = \(current.version)
            RETURNING \(returning)
            """
        ).first
    }
}

/// What the review workflow needs to know of one kind of item, a figure or a narrative, beyond its SQL: its
/// words in messages, the rules its content follows, and how the audit trail shows it. The steps themselves
/// (save, submit, approve, return, reopen) are written once, in ``WorkflowGate``.
protocol ReviewSubject {
    associatedtype Store: ReviewStore
    /// What a clerk sends to save an item.
    associatedtype Input
    typealias Target = Store.Target
    typealias Content = Store.Content
    typealias Info = Store.Info

    /// The kind of item in the audit trail; its name is the word users read in messages.
    static var entity: AuditEntity { get }
    /// What the item belongs to, in messages: `indicator`, `project`.
    static var targetWord: String { get }
    /// The clerk's verb for saving, in messages: `enter figures`, `write narratives`.
    static var saveVerb: String { get }
    /// The past participle for "nothing has been … yet": `entered`, `written`.
    static var savedWord: String { get }

    /// Where the item's steps are kept in `workflow_events` and `reviews`.
    static func workflowSubject(id: Int) -> WorkflowSubject
    /// The version the input says it changes; nil to create.
    static func version(of input: Input) -> Int?
    /// The content the input asks for, as it is stored (blank texts become nil, defaults filled in).
    static func content(of input: Input, period: PeriodCode) -> Content
    /// What ``check(_:of:in:context:forSubmission:)`` needs of the database besides the item: read by the step's
    /// lookup.
    associatedtype CheckContext
    /// The lookup's part for the context: a SELECT correlated to the target `t`; nil when there is none.
    static func contextSelect(period: PeriodCode, mode: StepMode) -> SQLQuery?
    /// The context in the lookup's row (of `mode`).
    static func checkContext(_ r: Row, mode: StepMode) throws -> CheckContext
    /// Throws `invalid` listing every rule the content breaks, to be saved or (`forSubmission`) submitted.
    static func check(
        _ content: Content, of target: Target, in period: PeriodWindow, context: CheckContext, forSubmission: Bool
    ) throws
    /// What the audit trail keeps of the item at one moment.
    static func auditRecord(
        content: Content, state: WorkflowState, version: Int, changedSinceApproval: Bool
    ) -> any Encodable
}

extension ReviewSubject {
    /// The word users read in messages: `figure`, `narrative`.
    static var noun: String { entity.rawValue }

    static var concurrentChange: ServiceError {
        .conflict("Someone else changed this \(noun) at the same time. Reload and try again.")
    }

    /// The target named by `code`; `not_found` when the plan has none.
    static func target(_ c: Connection, code: String, lock: Bool) throws -> Target {
        guard let target = try Store.target(c, code: code, lock: lock) else {
            throw ServiceError.notFound("There is no \(targetWord) \(code) in the plan.")
        }
        return target
    }

    /// Like ``ReviewStore/row(_:of:period:forUpdate:)``, but `not_found` when there is none.
    static func existing(_ c: Connection, of target: Target, period: PeriodCode, forUpdate: Bool) throws
        -> ReviewRow<Content>
    {
        guard let row = try Store.row(c, of: target, period: period, forUpdate: forUpdate) else {
            throw ServiceError.notFound("No \(noun) has been \(savedWord) for \(target.code) in \(period) yet.")
        }
        return row
    }

    /// The item's id in the audit trail: `2021Q1/1-1.1`, `2021Q1/1-1`.
    static func auditID(_ period: PeriodCode, _ target: Target) -> String { "\(period)/\(target.code)" }

    static func auditAction(_ step: WorkflowAction) -> AuditAction { .workflow(entity, step) }

    static func auditRecord(_ row: ReviewRow<Content>) -> any Encodable {
        auditRecord(
            content: row.content, state: row.state, version: row.version,
            changedSinceApproval: row.changedSinceApproval)
    }

    static func auditRecord(_ info: Info) -> any Encodable {
        auditRecord(
            content: info.content, state: info.state, version: info.version,
            changedSinceApproval: info.changedSinceApproval)
    }
}
