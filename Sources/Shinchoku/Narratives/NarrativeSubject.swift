import Foundation
import LibPQ

/// A narrative as the review workflow sees it: the narrative of one project in one period.
enum NarrativeSubject: ReviewSubject {
    typealias Store = NarrativeStore
    static let entity = AuditEntity.narrative
    static let targetWord = "project"
    static let saveVerb = "write narratives"
    static let savedWord = "written"

    static func workflowSubject(id: Int) -> WorkflowSubject { .narrative(id: id) }
    static func version(of input: NarrativeInput) -> Int? { input.version }

    static func content(of input: NarrativeInput, period: PeriodCode) -> NarrativeContent {
        NarrativeContent(
            progress: EnteredText.nonBlank(input.progress), progressHard: EnteredText.nonBlank(input.progressHard),
            progressSoft: EnteredText.nonBlank(input.progressSoft), outlook: EnteredText.nonBlank(input.outlook),
            outlookHard: EnteredText.nonBlank(input.outlookHard), outlookSoft: EnteredText.nonBlank(input.outlookSoft))
    }

    static func contextSelect(period: PeriodCode, mode: StepMode) -> SQLQuery? { nil }
    static func checkContext(_ r: Row, mode: StepMode) throws {}

    /// A submission must also say something.
    static func check(
        _ content: NarrativeContent, of target: ProjectOwner, in period: PeriodWindow, context: Void,
        forSubmission: Bool
    ) throws {
        try NarrativeRules.check(content, forSubmission: forSubmission)
    }

    static func auditRecord(
        content: NarrativeContent, state: WorkflowState, version: Int, changedSinceApproval: Bool
    ) -> any Encodable {
        NarrativeAuditRecord(
            content: content, state: state, version: version, changedSinceApproval: changedSinceApproval)
    }
}

extension NarrativeInfo: ReviewedInfo {}
