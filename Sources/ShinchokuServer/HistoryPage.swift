import Foundation
import HTTPTypes
import Hummingbird
import Shinchoku

// `…/history` in pages (issue 12 §6): `?limit=N` (1–500, default 100) and `?cursor=C` (from the previous page).
// The body stays the JSON array of steps, oldest first; when more follow, a `Link: <…?limit=N&cursor=C>;
// rel="next"` header (RFC 8288) points at the next page.

extension Request {
    /// The `limit` and `cursor` query parameters of a history request; a limit that is no whole number is `invalid`
    /// for the field `limit` (the service checks the range and the cursor).
    func historyPaging() throws -> (limit: Int?, cursor: String?) {
        var v = Validation()
        var limit: Int?
        if let text = query("limit") {
            limit = Int(text)
            v.require(limit != nil, "limit", "must be a whole number from 1 to \(WorkflowHistoryPage.maximumLimit)")
        }
        try v.check()
        return (limit, query("cursor"))
    }
}

/// A page of history as the API answers it: the steps, and a `Link` to the next page when there is one.
struct HistoryPageResponse: ResponseGenerator {
    var page: WorkflowHistoryPage

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try page.events.response(from: request, context: context)
        if let cursor = page.nextCursor {
            let path = request.uri.path
            response.headers[HTTPField.Name("Link")!] = "<\(path)?limit=\(page.limit)&cursor=\(cursor)>; rel=\"next\""
        }
        return response
    }
}
