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

    @Test("a replayed bulk approval (Back and resubmit) ends on a calm notice and approves nothing twice")
    func replayedBulkApproval() async throws {
        try await withWeb(logins: [Fixtures.clerk("roads"), Self.approver]) { browsers, world, _ in
            let clerk = browsers[Fixtures.clerk("roads")]!
            let approver = browsers[Self.approver]!
            try await saveFigure(clerk, "/periods/2021Q1/figures/1-3.1", value: "1.5", submit: true)
            try await saveFigure(clerk, "/periods/2021Q1/figures/1-3.2", value: "1", submit: true)
            let queue = try await approver.get("/review")
            let fields = [("csrf_token", queue.csrf!), ("items", "2021Q1|1-3.1|2"), ("items", "2021Q1|1-3.2|2")]
            let first = try await approver.post("/review/approvals", fields)
            #expect(first.location == "/review?notice=bulk_approved", "\(first.html.prefix(400))")
            let before = try await world.snapshot()
            let again = try await approver.post("/review/approvals", fields)
            #expect(
                again.location == "/review?notice=already_bulk_approved", "\(again.status) \(again.html.prefix(400))")
            let landing = try await approver.get(again.location ?? "/review")
            #expect(landing.html.contains("選択した項目は既に承認されています"))
            #expect(try await world.snapshot() == before)
            #expect(try await world.count("SELECT count(*) FROM workflow_events WHERE action = 'approve'") == 2)
        }
    }

    @Test("a bulk approval that conflicts for another reason still shows the error and approves nothing")
    func bulkApprovalOtherConflict() async throws {
        try await withWeb(logins: [Fixtures.clerk("roads"), Self.approver]) { browsers, world, _ in
            let clerk = browsers[Fixtures.clerk("roads")]!
            let approver = browsers[Self.approver]!
            try await saveFigure(clerk, "/periods/2021Q1/figures/1-3.1", value: "1.5", submit: true)
            try await saveFigure(clerk, "/periods/2021Q1/figures/1-3.2", value: "1", submit: true)
            let queue = try await approver.get("/review")
            // 1-3.1 is approved on its own; the bulk form still lists 1-3.2, which is not.
            let single = try await approver.post(
                "/periods/2021Q1/figures/1-3.1/approve", [("csrf_token", queue.csrf!), ("version", "2")])
            #expect(single.location == "/review?notice=approved")
            let before = try await world.snapshot()
            let mixed = try await approver.post(
                "/review/approvals",
                [("csrf_token", queue.csrf!), ("items", "2021Q1|1-3.1|2"), ("items", "2021Q1|1-3.2|2")])
            #expect(mixed.status == .conflict, "\(mixed.status) \(mixed.location ?? "")")
            #expect(mixed.html.contains("一つも承認していません"))
            #expect(try await world.snapshot() == before)
        }
    }

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

    @Test("posting to an approved figure with its current version says it is approved, not that it changed")
    func approvedFigurePost() async throws {
        try await withWeb(logins: [Self.clerk, Self.approver]) { browsers, world, _ in
            let clerk = browsers[Self.clerk]!
            try await saveFigure(clerk, Self.form, value: "2", submit: true)
            let approve = try await browsers[Self.approver]!.submit(
                "/review", to: Self.form + "/approve", [("version", "2")])
            #expect(approve.location == "/review?notice=approved", "\(approve.html.prefix(400))")
            let opened = try await clerk.get(Self.form)
            let before = try await world.snapshot()
            let refused = try await clerk.post(
                Self.form,
                [
                    ("csrf_token", opened.csrf!), ("version", opened.field("version")!), ("value", "3"),
                    ("status", "reported"), ("action", "save"),
                ])
            #expect(refused.status == .conflict)
            #expect(refused.html.contains("承認済みです。修正が必要な場合は政策企画課に再開を依頼してください。"))
            #expect(!refused.html.contains("この画面を開いた後に、内容が変更されました"))
            #expect(refused.html.contains("value=\"3\""), "what was typed is kept")
            #expect(try await world.snapshot() == before)
        }
    }

    @Test("the script makes buttons live again when Back shows a cached form (pageshow)")
    func scriptResetsOnPageshow() async throws {
        try await withWeb(logins: []) { _, _, client in
            let script = try await TestBrowser(client: client).get("/static/site.js")
            #expect(script.status == .ok)
            #expect(script.html.contains("\"pageshow\""))
            #expect(script.html.contains("removeAttribute(\"data-sending\")"))
        }
    }

    @Test("a page POST over the body limit is an HTML page in Japanese; the API keeps its problem document")
    func oversizedPagePost() async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, world, client in
            let clerk = browsers[Self.clerk]!
            let opened = try await clerk.get(Self.narrativeForm)
            let before = try await world.snapshot()
            let long = String(repeating: "あ", count: 30_000)  // 9 bytes a character, percent-encoded
            let fields = [("csrf_token", opened.csrf!), ("progress", long), ("action", "save")]
            // A browser declares the length; the form post asks for nothing in particular.
            let length = fields.map { "\(TestBrowser.encode($0.0))=\(TestBrowser.encode($0.1))" }.joined(
                separator: "&"
            ).utf8.count
            #expect(length > 64 * 1024)
            let page = try await clerk.post(
                Self.narrativeForm, fields, headers: [.accept: "*/*", .contentLength: String(length)])
            #expect(page.status == .contentTooLarge)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.html.contains("入力された内容が長すぎます"))
            #expect(try await world.snapshot() == before)
            // The API answers the same size with problem+json.
            let body = ByteBuffer(string: "{\"progress\": \"" + long + "\"}")
            let api = try await client.execute(
                uri: "/api/v1/periods/2021Q1/narratives/1-1", method: .put,
                headers: [.contentType: "application/json", .contentLength: String(body.readableBytes)], body: body
            ) { $0 }
            #expect(api.status == .contentTooLarge)
            #expect(api.headers[.contentType] == "application/problem+json")
            #expect(try await world.snapshot() == before)
        }
    }

    @Test("an unknown /static/ file is an HTML 404 for a browser and a problem document otherwise")
    func unknownStaticFile() async throws {
        try await withWeb(logins: []) { _, _, client in
            let page = try await TestBrowser(client: client).get("/static/nope.css")
            #expect(page.status == .notFound)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.html.contains("見つかりません"))
            let api = try await client.execute(
                uri: "/static/nope.css", method: .get, headers: [.accept: "application/json"]
            ) { $0 }
            #expect(api.status == .notFound)
            #expect(api.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("the report screen ends with the audit chain's head, and every download carries it in a header")
    func auditChainHeadOnTheReportScreen() async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, world, _ in
            let clerk = browsers[Self.clerk]!
            let screen = try await clerk.get("/reports/2021Q1")
            let head = try await world.service.verifyAuditChain(as: .local).head
            #expect(screen.html.contains("<p>監査チェーン先頭：\(head.hash)（\(head.events)件）</p>"))
            #expect(screen.html.contains(#"href="/reports/2021Q1/download?format=xlsx""#))
            for format in ["md", "html", "csv", "json", "xlsx"] {
                let download = try await clerk.get("/reports/2021Q1/download?format=\(format)")
                #expect(download.status == .ok)
                #expect(download.headers[HTTPField.Name("Shinchoku-Audit-Chain-Head")!] == head.hash, "\(format)")
                #expect(
                    download.headers[.contentDisposition] == "attachment; filename=\"shinchoku-2021Q1.\(format)\"")
            }
        }
    }

    @Test("the baseline of a ／3年 indicator reads as the report prints it, on the form and in the review queue")
    func baselineAsReported() async throws {
        try await withWeb(logins: [Self.clerk, Self.approver]) { browsers, _, _ in
            let clerk = browsers[Self.clerk]!
            let report = try await clerk.get("/reports/2021Q1")
            #expect(report.html.contains("0回（計画開始時）"), "the report's wording")
            let form = try await clerk.get(Self.form)
            #expect(form.html.contains("0回（計画開始時）"), "\(form.html)")
            #expect(try await clerk.get("/").html.contains("0回（計画開始時）"))
            try await saveFigure(clerk, Self.form, value: "2", submit: true)
            let queue = try await browsers[Self.approver]!.get("/review")
            #expect(queue.html.contains("0回（計画開始時）"))
        }
    }
}
