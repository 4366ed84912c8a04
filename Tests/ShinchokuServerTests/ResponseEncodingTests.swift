import Foundation
import Hummingbird
import HummingbirdTesting
import Shinchoku
import TestSupport
import Testing

/// The JSON every response carries, through the request context's `responseEncoder`: its content type, snake_case
/// and sorted keys, and the `null`s that figures and narratives always show.
@Suite("Response encoding")
struct ResponseEncodingTests {
    static let clerk = Fixtures.clerk("ports")

    @Test("a draft figure and narrative show null for what is absent; keys are snake_case and sorted")
    func nullsAndKeys() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, _ in
            let clerk = try await api.login(Self.clerk)
            let figure = try await api.call(
                .put, "/api/v1/periods/2021Q1/figures/1-1.1", token: clerk,
                json: #"{"value": "12", "status": "reported"}"#)
            #expect(figure.status == .ok, "\(figure.text)")
            #expect(figure.contentType == "application/json; charset=utf-8")
            for key in [
                "note", "approved_value", "approved_status", "approved_note", "approved_as_of", "approved_at",
                "approved_by",
            ] {
                #expect(figure.object[key] is NSNull, "\(key) in \(figure.text)")
            }
            #expect(figure["value"] as? String == "12")
            #expect(
                figure.text.hasPrefix("{\n  \"approved_as_of\" : null,\n  \"approved_at\" : null,"), "\(figure.text)")

            let narrative = try await api.call(
                .put, "/api/v1/periods/2021Q1/narratives/1-1", token: clerk, json: #"{"progress": "港湾の整備を進めた"}"#)
            #expect(narrative.status == .ok, "\(narrative.text)")
            for key in [
                "progress_hard", "progress_soft", "outlook", "outlook_hard", "outlook_soft", "approved_content",
                "approved_at", "approved_by",
            ] {
                #expect(narrative.object[key] is NSNull, "\(key) in \(narrative.text)")
            }
            #expect(narrative["progress"] as? String == "港湾の整備を進めた")
            #expect(narrative.headers[.cacheControl] == nil)
        }
    }
}
