import Foundation
import Shinchoku

// The request bodies of the workflow steps that figures and narratives share: submitting, approving, returning and
// reopening one submission, and approving many at once. `version` is the submission's version as the client last
// saw it; the service refuses a step on a newer one (409).

/// `POST …/submit`: `{"version": 3}`.
struct SubmitBody: Decodable {
    var version: Int
}

/// `POST …/approve`: `{"version": 3, "comment": "…"}`; the comment is optional.
struct ApproveBody: Decodable {
    var version: Int
    var comment: String?
}

/// `POST …/return` and `POST …/reopen`: `{"version": 3, "reason": "…"}`; the service requires the reason.
struct ReviewReasonBody: Decodable {
    var version: Int
    var reason: String
}

/// `POST /periods/{period}/approvals`: `{"items": [{"indicator": "…", "version": 3}], "comment": "…"}`.
struct BulkApproveBody: Decodable {
    struct Item: Decodable {
        var indicator: String
        var version: Int
    }
    var items: [Item]
    var comment: String?
}
