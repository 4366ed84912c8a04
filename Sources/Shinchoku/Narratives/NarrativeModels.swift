import Foundation
import LibPQ

/// What a clerk writes for one project in one period: progress (進捗状況) and outlook (今後の動向等), each
/// either as one text or split into hard (ハード面) and soft (ソフト面) measures.
public struct NarrativeInput: Sendable, Equatable, Codable {
    public var progress: String?
    public var progressHard: String?
    public var progressSoft: String?
    public var outlook: String?
    public var outlookHard: String?
    public var outlookSoft: String?
    /// Nil to create the narrative; the current version to change it.
    public var version: Int?

    public init(
        progress: String? = nil, progressHard: String? = nil, progressSoft: String? = nil, outlook: String? = nil,
        outlookHard: String? = nil, outlookSoft: String? = nil, version: Int? = nil
    ) {
        self.progress = progress
        self.progressHard = progressHard
        self.progressSoft = progressSoft
        self.outlook = outlook
        self.outlookHard = outlookHard
        self.outlookSoft = outlookSoft
        self.version = version
    }
}

/// The texts of a narrative at one moment: the part a review approves and a report prints.
public struct NarrativeContent: Sendable, Equatable, Codable {
    public var progress: String?
    public var progressHard: String?
    public var progressSoft: String?
    public var outlook: String?
    public var outlookHard: String?
    public var outlookSoft: String?

    public init(
        progress: String? = nil, progressHard: String? = nil, progressSoft: String? = nil, outlook: String? = nil,
        outlookHard: String? = nil, outlookSoft: String? = nil
    ) {
        self.progress = progress
        self.progressHard = progressHard
        self.progressSoft = progressSoft
        self.outlook = outlook
        self.outlookHard = outlookHard
        self.outlookSoft = outlookSoft
    }

    /// True when no text is written.
    public var isEmpty: Bool { texts.allSatisfy { $0.1 == nil } }

    /// Each text with its field name, in the order of the report.
    var texts: [(String, String?)] {
        [
            ("progress", progress), ("progress_hard", progressHard), ("progress_soft", progressSoft),
            ("outlook", outlook), ("outlook_hard", outlookHard), ("outlook_soft", outlookSoft),
        ]
    }

}

/// A narrative as users see it: its texts, where it is in review, and the last approved texts.
public struct NarrativeInfo: Sendable, Equatable, Codable {
    public var project: String
    public var projectTitle: String
    /// The department that owns the project.
    public var department: String
    public var period: PeriodCode
    public var progress: String?
    public var progressHard: String?
    public var progressSoft: String?
    public var outlook: String?
    public var outlookHard: String?
    public var outlookSoft: String?
    public var state: WorkflowState
    /// Pass it back to change, submit or review the narrative.
    public var version: Int
    /// True while a reopened narrative differs from what was approved.
    public var changedSinceApproval: Bool
    /// The login of the clerk who last saved it.
    public var enteredBy: String
    public var updatedAt: Date
    /// The last approved texts; reports print them, also while a reopened narrative is being corrected.
    public var approvedContent: NarrativeContent?
    public var approvedAt: Date?
    /// The login of the approver.
    public var approvedBy: String?

    /// The current texts.
    public var content: NarrativeContent {
        NarrativeContent(
            progress: progress, progressHard: progressHard, progressSoft: progressSoft, outlook: outlook,
            outlookHard: outlookHard, outlookSoft: outlookSoft)
    }
}
