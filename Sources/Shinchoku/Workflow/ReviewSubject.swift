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

/// What the review workflow needs to know of one kind of item, a figure or a narrative: how to find the thing
/// it belongs to, how to read, lock and write its row, which rules its content follows, and how the audit trail
/// shows it. The steps themselves (save, submit, approve, return, reopen) are written once, in ``WorkflowGate``.
protocol ReviewSubject {
    /// What an item belongs to and is named by: an indicator for a figure, a project for a narrative.
    associatedtype Target
    /// The part a review approves and a report prints.
    associatedtype Content: Encodable & Equatable
    /// What a clerk sends to save an item.
    associatedtype Input
    /// The item as users see it.
    associatedtype Info: ReviewedInfo & Sendable where Info.Content == Content

    /// The word users read in messages: `figure`, `narrative`.
    static var noun: String { get }
    /// The clerk's verb for saving, in messages: `enter figures`, `write narratives`.
    static var saveVerb: String { get }
    /// The past participle for "nothing has been … yet": `entered`, `written`.
    static var savedWord: String { get }

    /// The target named by `code`, with the project that owns it; `not_found` when there is none. With `lock`,
    /// the project row is share-locked so that a transfer cannot slip in between the ownership check and the write.
    static func target(_ c: Connection, code: String, lock: Bool) throws -> Target
    static func owner(of target: Target) -> ProjectOwner
    static func code(of target: Target) -> String
    /// The item of `target` in `period`, if there is one; with `forUpdate`, locked until the transaction ends.
    static func row(_ c: Connection, of target: Target, period: PeriodCode, forUpdate: Bool) throws
        -> ReviewRow<Content>?
    /// Where the item's steps are kept in `workflow_events` and `reviews`.
    static func workflowSubject(id: Int) -> WorkflowSubject

    /// The version the input says it changes; nil to create.
    static func version(of input: Input) -> Int?
    /// The content the input asks for, as it is stored (blank texts become nil, defaults filled in).
    static func content(of input: Input, period: PeriodCode) -> Content
    /// Throws `invalid` listing every rule the content breaks, to be saved or (`forSubmission`) submitted.
    static func check(
        _ c: Connection, _ content: Content, of target: Target, in period: PeriodWindow, forSubmission: Bool
    ) throws

    /// Inserts a new item as a draft; nil when another transaction inserted it first.
    static func insert(_ c: Connection, _ content: Content, of target: Target, period: PeriodCode, by actorID: Int)
        throws -> Int?
    /// Writes new content into the item at `current`'s version and makes it a draft; the rows updated (0 or 1).
    static func update(
        _ c: Connection, _ current: ReviewRow<Content>, to content: Content, changedSinceApproval: Bool, by actorID: Int
    ) throws -> Int
    /// Moves the item at `current`'s version to `state`; `approver` makes the current content the approved one.
    /// The rows updated (0 or 1).
    static func move(_ c: Connection, _ current: ReviewRow<Content>, to state: WorkflowState, approver: Int?) throws
        -> Int
    static func info(_ c: Connection, id: Int) throws -> Info

    /// What the audit trail calls a step on the item.
    static func auditAction(_ step: WorkflowAction) -> AuditAction
    /// The item's id in the audit trail.
    static func auditID(_ period: PeriodCode, _ target: Target) -> String
    /// What the audit trail keeps of the item at one moment.
    static func auditRecord(
        content: Content, state: WorkflowState, version: Int, changedSinceApproval: Bool
    ) -> any Encodable
}

extension ReviewSubject {
    static var concurrentChange: ServiceError {
        .conflict("Someone else changed this \(noun) at the same time. Reload and try again.")
    }

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

    /// Like ``row(_:of:period:forUpdate:)``, but `not_found` when there is none.
    static func existing(_ c: Connection, of target: Target, period: PeriodCode, forUpdate: Bool) throws
        -> ReviewRow<Content>
    {
        guard let row = try row(c, of: target, period: period, forUpdate: forUpdate) else {
            throw ServiceError.notFound("No \(noun) has been \(savedWord) for \(code(of: target)) in \(period) yet.")
        }
        return row
    }
}
