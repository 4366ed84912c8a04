import Foundation
import LibPQ

/// A figure as the review workflow sees it: the figure of one indicator in one period.
enum FigureSubject: ReviewSubject {
    typealias Store = FigureStore
    static let entity = AuditEntity.figure
    static let targetWord = "indicator"
    static let saveVerb = "enter figures"
    static let savedWord = "entered"

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

    static func auditRecord(
        content: FigureContent, state: WorkflowState, version: Int, changedSinceApproval: Bool
    ) -> any Encodable {
        FigureAuditRecord(
            status: content.status, value: content.value, note: content.note, asOf: content.asOf, state: state,
            version: version, changedSinceApproval: changedSinceApproval)
    }
}

extension FigureInfo: ReviewedInfo {}
