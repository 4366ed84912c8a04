import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Shinchoku
import ShinchokuServer
import TestSupport
import Testing

/// Faults a QA tester found in the web screens, each pinned by a page test against real PostgreSQL.
@Suite("Web screens: QA faults")
struct WebFixTests {
    static let clerk = Fixtures.clerk("ports")
    static let approver = Fixtures.approver
    static let form = "/periods/2021Q1/figures/1-1.1"
    static let narrativeForm = "/periods/2021Q1/narratives/1-1"

    @Test("a refused 提出 of a narrative saves nothing: no draft, no event")
    func refusedNarrativeSubmit() async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, world, _ in
            let before = try await world.snapshot()
            let page = try await browsers[Self.clerk]!.submit(
                Self.narrativeForm, [("progress", "\u{3000}"), ("outlook", ""), ("action", "submit")])
            #expect(page.status == .unprocessableContent, "\(page.status) \(page.html.prefix(400))")
            #expect(page.html.contains("error-summary"))
            #expect(try await world.count("SELECT count(*) FROM narratives") == 0)
            #expect(try await world.count("SELECT count(*) FROM workflow_events") == 0)
            #expect(try await world.snapshot() == before)
            // Saved and submitted with text, it goes through in one step.
            let ok = try await browsers[Self.clerk]!.submit(
                Self.narrativeForm, [("progress", "岸壁の改良を進めた。"), ("action", "submit")])
            #expect(ok.location == Self.narrativeForm + "?notice=submitted")
            #expect(try await world.count("SELECT count(*) FROM narratives WHERE state = 'submitted'") == 1)
        }
    }
}
