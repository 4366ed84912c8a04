import Foundation
import LibPQ

/// A figure as the review workflow sees it: the figure of one indicator in one period.
enum FigureSubject: ReviewSubject {
    static let noun = "figure"
    static let saveVerb = "enter figures"
    static let savedWord = "entered"

    static func target(_ c: Connection, code: String, lock: Bool) throws -> IndicatorRef {
        guard let indicator = try FigureStore.indicator(c, code: code, lockProject: lock) else {
            throw ServiceError.notFound("There is no indicator \(code) in the plan.")
        }
        return indicator
    }

    static func owner(of target: IndicatorRef) -> ProjectOwner { target.owner }
    static func code(of target: IndicatorRef) -> String { target.code }

    static func row(_ c: Connection, of target: IndicatorRef, period: PeriodCode, forUpdate: Bool) throws
        -> FigureRow?
    {
        try FigureStore.figure(c, indicatorID: target.id, period: period, forUpdate: forUpdate)
    }

    static func workflowSubject(id: Int) -> WorkflowSubject { .figure(id: id) }

    static func version(of input: FigureInput) -> Int? { input.version }

    static func content(of input: FigureInput, period: PeriodCode) -> FigureContent {
        FigureContent(
            status: input.status, value: input.value, note: EnteredText.nonBlank(input.note),
            asOf: input.asOf ?? period.endDate)
    }

    /// The same rules for a save and a submission: the previous approved figure may have changed in between.
    static func check(
        _ c: Connection, _ content: FigureContent, of target: IndicatorRef, in period: PeriodWindow,
        forSubmission: Bool
    ) throws {
        let previous = try FigureStore.previousApproved(c, indicatorID: target.id, before: period.code)
        try FigureRules.check(content, of: target, in: period, previous: previous)
    }

    static func insert(
        _ c: Connection, _ content: FigureContent, of target: IndicatorRef, period: PeriodCode, by actorID: Int
    ) throws -> Int? {
        try FigureStore.insert(c, content, indicatorID: target.id, period: period, by: actorID)
    }

    static func update(
        _ c: Connection, _ current: FigureRow, to content: FigureContent, changedSinceApproval: Bool, by actorID: Int
    ) throws -> Int {
        try FigureStore.update(c, current, to: content, changedSinceApproval: changedSinceApproval, by: actorID)
    }

    static func move(_ c: Connection, _ current: FigureRow, to state: WorkflowState, approver: Int?) throws -> Int {
        try FigureStore.move(c, current, to: state, approver: approver)
    }

    static func info(_ c: Connection, id: Int) throws -> FigureInfo { try FigureStore.info(c, id: id) }

    static func auditID(_ period: PeriodCode, _ target: IndicatorRef) -> String { "\(period)/\(target.code)" }

    static func auditAction(_ step: WorkflowAction) -> AuditAction {
        switch step {
        case .save: .figureSave
        case .submit: .figureSubmit
        case .approve: .figureApprove
        case .return: .figureReturn
        case .reopen: .figureReopen
        }
    }

    static func auditRecord(
        content: FigureContent, state: WorkflowState, version: Int, changedSinceApproval: Bool
    ) -> any Encodable {
        FigureAuditRecord(
            status: content.status, value: content.value, note: content.note, asOf: content.asOf, state: state,
            version: version, changedSinceApproval: changedSinceApproval)
    }
}

extension FigureInfo: ReviewedInfo {}
