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
            if let refusal = TypedText.refusal(in: text) { v.add(field, refusal) }
            let length = EnteredText.length(text)
            v.require(
                length <= maxLength, field, "must be at most 10,000 characters (it has \(length))",
                ja: "10,000文字以内にしてください（いまは\(length)文字です）。")
        }
        // The report prints either the whole text or the ハード面/ソフト面 split under one heading, never both.
        v.require(
            content.progress == nil || (content.progressHard == nil && content.progressSoft == nil), "progress",
            "choose either progress or the split progress_hard / progress_soft, not both",
            ja: "進捗状況は、まとめて書く欄か、ハード面・ソフト面に分けて書く欄の、どちらか一方に入力してください。")
        v.require(
            content.outlook == nil || (content.outlookHard == nil && content.outlookSoft == nil), "outlook",
            "choose either outlook or the split outlook_hard / outlook_soft, not both",
            ja: "今後の動向等は、まとめて書く欄か、ハード面・ソフト面に分けて書く欄の、どちらか一方に入力してください。")
        if forSubmission {
            v.require(
                !content.isEmpty, "narrative", "write at least one of progress or outlook (whole or split) to submit",
                ja: "提出するには、進捗状況か今後の動向等の少なくとも一方を入力してください。")
        }
        try v.check()
    }
}
