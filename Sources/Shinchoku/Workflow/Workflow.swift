import Foundation
import LibPQ

// The review workflow that figures and narratives share: who may take which step in which period,
// which steps each state allows, and the history every step leaves behind.
//
//   (new) ──save──▶ draft ──submit──▶ submitted ──approve──▶ approved
//                     ▲                  │                      │
//                     └──save── returned ◀──return──────────────┘ (reopen)

/// A step in the life of a figure or narrative.
public enum WorkflowAction: String, Sendable, Codable, CaseIterable, PostgresCodable {
    /// The clerk entered or corrected it; it is a draft afterwards.
    case save
    /// The clerk sent it for review.
    case submit
    /// An approver accepted it; reports show it from then on.
    case approve
    /// An approver sent a submission back, with a reason.
    case `return`
    /// An approver reopened an approved item for correction, with a reason. Reports keep the approved content
    /// until the correction is approved.
    case reopen

    /// The state an item is in after the step.
    public var resultingState: WorkflowState {
        switch self {
        case .save: .draft
        case .submit: .submitted
        case .approve: .approved
        case .return, .reopen: .returned
        }
    }

    /// The decision a review step records in `reviews`; nil for the clerk's own steps.
    var reviewDecision: String? {
        switch self {
        case .approve: "approved"
        case .return: "returned"
        case .reopen: "reopened"
        case .save, .submit: nil
        }
    }
}

/// One step of a figure's or narrative's history, as it happened.
public struct WorkflowEventInfo: Sendable, Equatable, Codable {
    public var action: WorkflowAction
    /// Nil for the save that created the item.
    public var fromState: WorkflowState?
    public var toState: WorkflowState
    /// The item's version after the step.
    public var version: Int
    /// The login of whoever took the step.
    public var actor: String
    public var actorName: String
    public var at: Date
    /// The figure's content at that moment (figures only).
    public var figure: FigureContent?
    /// The narrative's content at that moment (narratives only).
    public var narrative: NarrativeContent?
    /// The approver's comment, or the reason for a return or reopen.
    public var comment: String?
}

/// A submission waiting for an approver: a figure or a narrative.
public struct ReviewItem: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case figure
        case narrative
    }

    public var kind: Kind
    public var period: PeriodCode
    public var project: String
    public var projectTitle: String
    /// The department that owns the project.
    public var department: String
    /// The indicator's code and name, for figures.
    public var indicator: String?
    public var indicatorName: String?
    /// The version to pass when approving or returning it.
    public var version: Int
    public var submittedAt: Date
    /// The login of the clerk who submitted it.
    public var submittedBy: String
    /// True when it corrects something approved before (after a reopen).
    public var changedSinceApproval: Bool
    /// What was submitted.
    public var figure: FigureContent?
    public var narrative: NarrativeContent?
}

extension ShinchokuService {
    /// Submitted figures and narratives of every department, oldest submission first. Approvers only.
    public func reviewQueue(as reviewer: ActorReference) async throws -> [ReviewItem] {
        try await perform(as: reviewer) { tx in
            try tx.require(.approver, to: "see the review queue")
            return try WorkflowLog.reviewQueue(tx.connection)
        }
    }

    /// One approver's step on a figure or narrative, in a transaction of its own.
    func review<S: ReviewSubject>(
        _ subject: S.Type, _ action: WorkflowAction, _ code: String, _ period: PeriodCode, _ version: Int,
        _ comment: String?, as reviewer: ActorReference
    ) async throws -> S.Info {
        let step = WorkflowGate.lookupQuery(S.self, code: code, period: period, mode: .review)
        return try await perform(as: reviewer, step: step) { tx in
            try WorkflowGate.review(S.self, action, tx, code: code, period: period, version: version, comment: comment)
        }
    }
}
