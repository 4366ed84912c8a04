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

    /// The latest approved value of an earlier period, for the fall and jump rules of a save or a submission.
    static func contextSelect(period: PeriodCode, mode: StepMode) -> SQLQuery? {
        guard mode == .entry else { return nil }
        // Period codes (YYYYQn, checked by the schema) sort in time order.
        return """
            SELECT period_code AS previous_period, approved_value AS previous_value FROM figures
            WHERE indicator_id = t.target_id AND period_code < \(period) AND approved_value IS NOT NULL
            ORDER BY period_code DESC LIMIT 1
            """
    }

    static func checkContext(_ r: Row, mode: StepMode) throws -> PreviousFigure? {
        guard mode == .entry, let period = try r["previous_period"] as PeriodCode? else { return nil }
        return PreviousFigure(period: period, value: try r["previous_value"])
    }

    /// The same rules for a save and a submission: the previous approved figure may have changed in between.
    static func check(
        _ content: FigureContent, of target: IndicatorRef, in period: PeriodWindow, context previous: PreviousFigure?,
        forSubmission: Bool
    ) throws {
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
