import Foundation
import LibPQ

/// A narrative row as the workflow needs it.
typealias NarrativeRow = ReviewRow<NarrativeContent>

/// What the audit trail keeps of a narrative: its texts, where it is in review, and its version.
struct NarrativeAuditRecord: Encodable {
    var content: NarrativeContent
    var state: WorkflowState
    var version: Int
    var changedSinceApproval: Bool

}

/// The rules a narrative's texts must follow.
enum NarrativeRules {
    /// The longest text, in characters.
    static let maxLength = 10_000

    /// Throws `invalid` listing every broken rule; a submission must also say something.
    static func check(_ content: NarrativeContent, forSubmission: Bool) throws {
        var v = Validation()
        for (field, text) in content.texts {
            guard let text else { continue }
            if let problem = TypedText.problem(in: text) { v.add(field, problem) }
            let length = EnteredText.length(text)
            v.require(length <= maxLength, field, "must be at most 10,000 characters (it has \(length))")
        }
        // The report prints either the whole text or the ハード面/ソフト面 split under one heading, never both.
        v.require(
            content.progress == nil || (content.progressHard == nil && content.progressSoft == nil), "progress",
            "choose either progress or the split progress_hard / progress_soft, not both")
        v.require(
            content.outlook == nil || (content.outlookHard == nil && content.outlookSoft == nil), "outlook",
            "choose either outlook or the split outlook_hard / outlook_soft, not both")
        if forSubmission {
            v.require(
                !content.isEmpty, "narrative", "write at least one of progress or outlook (whole or split) to submit")
        }
        try v.check()
    }
}
