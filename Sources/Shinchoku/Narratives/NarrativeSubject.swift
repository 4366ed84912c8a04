import Foundation
import LibPQ

/// A narrative as the review workflow sees it: the narrative of one project in one period.
enum NarrativeSubject: ReviewSubject {
    static let noun = "narrative"
    static let saveVerb = "write narratives"
    static let savedWord = "written"

    static func target(_ c: Connection, code: String, lock: Bool) throws -> ProjectOwner {
        guard let project = try NarrativeStore.project(c, code: code, lock: lock) else {
            throw ServiceError.notFound("There is no project \(code) in the plan.")
        }
        return project
    }

    static func owner(of target: ProjectOwner) -> ProjectOwner { target }
    static func code(of target: ProjectOwner) -> String { target.projectCode }

    static func row(_ c: Connection, of target: ProjectOwner, period: PeriodCode, forUpdate: Bool) throws
        -> NarrativeRow?
    {
        try NarrativeStore.narrative(c, projectID: target.projectID, period: period, forUpdate: forUpdate)
    }

    static func workflowSubject(id: Int) -> WorkflowSubject { .narrative(id: id) }

    static func version(of input: NarrativeInput) -> Int? { input.version }

    static func content(of input: NarrativeInput, period: PeriodCode) -> NarrativeContent {
        NarrativeContent(
            progress: EnteredText.nonBlank(input.progress), progressHard: EnteredText.nonBlank(input.progressHard),
            progressSoft: EnteredText.nonBlank(input.progressSoft), outlook: EnteredText.nonBlank(input.outlook),
            outlookHard: EnteredText.nonBlank(input.outlookHard), outlookSoft: EnteredText.nonBlank(input.outlookSoft))
    }

    static func check(
        _ c: Connection, _ content: NarrativeContent, of target: ProjectOwner, in period: PeriodWindow,
        forSubmission: Bool
    ) throws {
        try NarrativeRules.check(content, forSubmission: forSubmission)
    }

    static func insert(
        _ c: Connection, _ content: NarrativeContent, of target: ProjectOwner, period: PeriodCode, by actorID: Int
    ) throws -> Int? {
        try NarrativeStore.insert(c, content, projectID: target.projectID, period: period, by: actorID)
    }

    static func update(
        _ c: Connection, _ current: NarrativeRow, to content: NarrativeContent, changedSinceApproval: Bool,
        by actorID: Int
    ) throws -> Int {
        try NarrativeStore.update(c, current, to: content, changedSinceApproval: changedSinceApproval, by: actorID)
    }

    static func move(_ c: Connection, _ current: NarrativeRow, to state: WorkflowState, approver: Int?) throws -> Int {
        try NarrativeStore.move(c, current, to: state, approver: approver)
    }

    static func info(_ c: Connection, id: Int) throws -> NarrativeInfo { try NarrativeStore.info(c, id: id) }

    static func auditID(_ period: PeriodCode, _ target: ProjectOwner) -> String { "\(period)/\(target.projectCode)" }

    static func auditAction(_ step: WorkflowAction) -> AuditAction {
        switch step {
        case .save: .narrativeSave
        case .submit: .narrativeSubmit
        case .approve: .narrativeApprove
        case .return: .narrativeReturn
        case .reopen: .narrativeReopen
        }
    }

    static func auditRecord(
        content: NarrativeContent, state: WorkflowState, version: Int, changedSinceApproval: Bool
    ) -> any Encodable {
        NarrativeAuditRecord(
            content: content, state: state, version: version, changedSinceApproval: changedSinceApproval)
    }
}

extension NarrativeInfo: ReviewedInfo {}
