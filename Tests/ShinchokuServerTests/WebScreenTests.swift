import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Shinchoku
import ShinchokuServer
import TestSupport
import Testing

@Suite("Web screens")
struct WebScreenTests {
    static let clerk = Fixtures.clerk("ports")
    static let otherClerk = Fixtures.clerk("water")
    static let approver = Fixtures.approver
    static let admin = Fixtures.admin
    static let form = "/periods/2021Q1/figures/1-1.1"
    static let narrativeForm = "/periods/2021Q1/narratives/1-1"

    static func expectHTML(_ page: WebPage, _ status: HTTPResponse.Status = .ok, _ uri: String) {
        #expect(page.status == status, "\(uri): \(page.status) \(page.html.prefix(400))")
        #expect(page.headers[.contentType] == "text/html; charset=utf-8", "\(uri)")
        #expect(page.html.contains("<html lang=\"ja\">"), "\(uri)")
        #expect(page.html.contains("<meta charset=\"utf-8\">"), "\(uri)")
    }

    @Test("every screen renders for every role that may see it")
    func everyScreenRenders() async throws {
        try await withWeb(logins: [Self.clerk, Self.approver, Self.admin]) { browsers, world, _ in
            // Something in every state the screens show, so that the lists have content.
            try await saveFigure(browsers[Self.clerk]!, Self.form, value: "2", submit: true)
            let common = [
                "/periods", "/periods/2021Q1", "/periods/2020Q4", "/reports", "/reports/2021Q1",
                "/reports/2021Q1?include_pending=true", "/account", Self.form + "/history",
                Self.narrativeForm + "/history",
            ]
            let screens: [String: [String]] = [
                Self.clerk: ["/", Self.form, Self.narrativeForm, "/periods/2021Q1/figures/1-1.1/history"] + common,
                Self.approver: ["/review"] + common,
                Self.admin: ["/admin", "/admin/users", "/admin/periods", "/admin/departments"] + common,
            ]
            for (login, uris) in screens {
                for uri in uris {
                    let page = try await browsers[login]!.get(uri)
                    Self.expectHTML(page, .ok, "\(login) \(uri)")
                    #expect(page.html.contains("ログアウト"), "\(login) \(uri) shows who is logged in")
                }
            }
            // Approvers and admins land on their own screens.
            #expect(try await browsers[Self.approver]!.get("/").location == "/review")
            #expect(try await browsers[Self.admin]!.get("/").location == "/admin")
            // Without a session, pages send the browser to the login; the login renders.
            let anonymous = TestBrowser(client: browsers[Self.clerk]!.client)
            #expect(try await anonymous.get("/").location == "/login")
            #expect(try await anonymous.get(Self.form).location == "/login")
            Self.expectHTML(try await anonymous.get("/login"), .ok, "/login")
            _ = world
        }
    }

    @Test("the clerk's home lists every indicator of the department, also one with no figure yet (未入力)")
    func homeListsMissingIndicators() async throws {
        try await withWeb(logins: [Fixtures.clerk("roads")]) { browsers, world, _ in
            #expect(try await world.count("SELECT count(*) FROM figures") == 0)
            let home = try await browsers[Fixtures.clerk("roads")]!.get("/")
            Self.expectHTML(home, .ok, "/")
            // Project 1-3 (roads) has two indicators; neither has a figure.
            #expect(home.html.contains("1-3.1 国道・県道の整備完了延長"))
            #expect(home.html.contains("1-3.2 緩和する主要渋滞箇所数"))
            #expect(home.html.components(separatedBy: ">未入力<").count - 1 >= 3, "two indicators and a narrative")
            #expect(home.html.contains("/periods/2021Q1/figures/1-3.1"))
            // Other departments' indicators are not on it.
            #expect(!home.html.contains("1-1.1 石炭共同輸送実施回数"))
        }
    }

    @Test("a refused screen is an HTML 403 page and changes nothing")
    func refusedScreens() async throws {
        try await withWeb(logins: [Self.clerk, Self.otherClerk, Self.approver]) { browsers, world, _ in
            let before = try await world.snapshot()
            let other = browsers[Self.otherClerk]!
            for uri in [Self.form, Self.narrativeForm, "/review", "/admin", "/admin/users", "/admin/periods"] {
                let page = try await other.get(uri)
                Self.expectHTML(page, .forbidden, "water clerk \(uri)")
                #expect(page.html.contains("この画面は表示できません"))
                #expect(page.html.contains("ログアウト"), "the error page keeps the menu and the logout")
            }
            // A path that names nothing is an HTML 404 page too; under /api/ it stays a problem document.
            let missing = try await other.get("/no-such-page")
            Self.expectHTML(missing, .notFound, "/no-such-page")
            let apiMissing = try await other.get("/api/v1/no-such-route")
            #expect(apiMissing.headers[.contentType] == "application/problem+json")
            Self.expectHTML(try await browsers[Self.approver]!.get(Self.form), .forbidden, "approver on the form")
            // A POST to another department's form, with a valid CSRF token of the clerk's own session.
            let token = try #require(try await other.get("/account").csrf)
            let refused = try await other.post(
                Self.form, [("csrf_token", token), ("value", "3"), ("status", "reported"), ("action", "submit")])
            Self.expectHTML(refused, .forbidden, "water clerk POST")
            #expect(try await world.snapshot() == before)
        }
    }

    @Test("a POST without a valid csrf_token, or from another origin, is 403 and changes nothing")
    func csrf() async throws {
        try await withWeb(logins: [Self.clerk, Self.otherClerk]) { browsers, world, _ in
            let clerk = browsers[Self.clerk]!
            let before = try await world.snapshot()
            let fields = [("value", "3"), ("status", "reported"), ("action", "save")]
            Self.expectHTML(try await clerk.post(Self.form, fields), .forbidden, "no token")
            Self.expectHTML(
                try await clerk.post(Self.form, [("csrf_token", "x")] + fields), .forbidden, "a made-up token")
            let othersToken = try #require(try await browsers[Self.otherClerk]!.get("/account").csrf)
            Self.expectHTML(
                try await clerk.post(Self.form, [("csrf_token", othersToken)] + fields), .forbidden,
                "another session's token")
            let mine = try #require(try await clerk.get(Self.form).csrf)
            Self.expectHTML(
                try await clerk.post(
                    Self.form, [("csrf_token", mine)] + fields, headers: [.origin: "https://evil.example"]),
                .forbidden, "another origin")
            Self.expectHTML(
                try await clerk.post(Self.form, [("csrf_token", mine)] + fields, headers: [.origin: "null"]),
                .forbidden, "Origin: null")
            // Logout without a token ends nothing.
            Self.expectHTML(try await clerk.post("/logout", []), .forbidden, "logout without a token")
            #expect(try await world.snapshot() == before)
            // The same form with its token works.
            let saved = try await clerk.post(Self.form, [("csrf_token", mine)] + fields)
            #expect(saved.status == .seeOther)
            #expect(try await world.count("SELECT count(*) FROM figures") == 1)
        }
    }

    @Test("a note with <script>alert(1)</script> is shown as text")
    func escaping() async throws {
        try await withWeb(logins: [Self.clerk, Self.approver]) { browsers, _, _ in
            let clerk = browsers[Self.clerk]!
            let note = "<script>alert(1)</script>"
            let saved = try await clerk.submit(
                Self.form, [("value", ""), ("status", "not_published"), ("note", note), ("action", "submit")])
            #expect(saved.status == .seeOther, "\(saved.html.prefix(500))")
            let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
            for (browser, uri) in [
                (clerk, Self.form), (clerk, Self.form + "/history"), (browsers[Self.approver]!, "/review"),
            ] {
                let page = try await browser.get(uri)
                #expect(page.html.contains(escaped), "\(uri) shows the note as text")
                #expect(!page.html.contains(note), "\(uri) has no script element from the note")
            }
        }
    }

    @Test("security headers: nosniff everywhere; CSP, Referrer-Policy and no-store on pages; cookie flags")
    func headers() async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, _, client in
            let clerk = browsers[Self.clerk]!
            for uri in ["/", Self.form, "/periods/2021Q1", "/reports/2021Q1", "/login", "/no-such-page"] {
                let page = try await clerk.get(uri)
                #expect(page.headers[.init("X-Content-Type-Options")!] == "nosniff", "\(uri)")
                #expect(
                    page.headers[.contentSecurityPolicy] == "default-src 'self'; frame-ancestors 'none'", "\(uri)")
                #expect(page.headers[.init("Referrer-Policy")!] == "same-origin", "\(uri)")
                #expect(page.headers[.cacheControl] == "no-store", "\(uri)")
            }
            // The API, its problem documents and the health checks get nosniff as well.
            for uri in ["/api/v1/me", "/api/v1/no-such-route", "/healthz", "/static/site.css"] {
                let reply = try await client.execute(uri: uri, method: .get, headers: [:], body: nil) { $0 }
                #expect(reply.headers[.init("X-Content-Type-Options")!] == "nosniff", "\(uri)")
            }
            // No inline script or style in any template: the CSP would block them.
            let home = try await clerk.get(Self.form)
            #expect(!home.html.contains("<script>"))
            #expect(!home.html.contains("style="))
            #expect(!home.html.contains("<style"))
            // The session cookie.
            let fresh = TestBrowser(client: client)
            let login = try await fresh.login(Self.clerk)
            let cookie = try #require(login.setCookies.first { $0.hasPrefix("shinchoku_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"), "not behind TLS")
        }
    }

    @Test("behind TLS the session cookie is Secure and the Origin must be https")
    func secureCookie() async throws {
        try await withWeb(logins: [], configuration: ServerConfiguration(behindTLS: true)) { _, world, client in
            try await world.setPasswords([Self.clerk])
            let browser = TestBrowser(client: client)
            let login = try await browser.login(Self.clerk)
            let cookie = try #require(login.setCookies.first { $0.hasPrefix("shinchoku_session=") })
            #expect(cookie.contains("Secure"))
            #expect(cookie.contains("HttpOnly"))
        }
    }

    @Test("a new login is a new session with a new CSRF token; the old one stops working; logout is a POST")
    func sessionFixationAndLogout() async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, world, _ in
            let clerk = browsers[Self.clerk]!
            let firstSession = try #require(clerk.cookies["shinchoku_session"])
            let firstToken = try #require(try await clerk.get(Self.form).csrf)
            try await clerk.login(Self.clerk)
            let secondSession = try #require(clerk.cookies["shinchoku_session"])
            #expect(firstSession != secondSession)
            let secondToken = try #require(try await clerk.get(Self.form).csrf)
            #expect(firstToken != secondToken)
            // The earlier session has ended.
            #expect(
                try await world.count("SELECT count(*) FROM sessions WHERE revoked_at IS NULL") == 1)
            Self.expectHTML(
                try await clerk.post(Self.form, [("csrf_token", firstToken), ("value", "1"), ("action", "save")]),
                .forbidden, "the first session's token")
            // A GET of /logout ends nothing.
            let getLogout = try await clerk.get("/logout")
            #expect(getLogout.status != .seeOther)
            #expect(try await clerk.get("/").status == .ok)
            // The logout form does.
            let out = try await clerk.post("/logout", [("csrf_token", secondToken)])
            #expect(out.location == "/login?notice=logged_out")
            #expect(clerk.cookies["shinchoku_session"] == nil)
            #expect(try await world.count("SELECT count(*) FROM sessions WHERE revoked_at IS NULL") == 0)
        }
    }

    @Test("a wrong login shows the same message whatever was wrong")
    func wrongLogin() async throws {
        try await withWeb(logins: []) { _, world, client in
            try await world.setPasswords([Self.clerk])
            let browser = TestBrowser(client: client)
            let wrongPassword = try await browser.login(Self.clerk, password: "not the password at all")
            let unknown = try await browser.login("nobody-here", password: "not the password at all")
            #expect(wrongPassword.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            let message = "ログインIDまたはパスワードが正しくありません。"
            #expect(wrongPassword.html.contains(message))
            #expect(unknown.html.contains(message))
            // A login form posted without its login cookie's token is refused.
            let other = TestBrowser(client: client)
            Self.expectHTML(
                try await other.post(
                    "/login",
                    [("csrf_token", "x"), ("login", Self.clerk), ("password", World.password(for: Self.clerk))]),
                .forbidden, "login without the login token")
        }
    }

    @Test("the whole quarter through the forms, with errors by the field, a return and a double submit")
    func wholeQuarter() async throws {
        try await withWeb(logins: [Self.clerk, Self.approver]) { browsers, world, _ in
            let clerk = browsers[Self.clerk]!
            let approver = browsers[Self.approver]!

            // An invalid value: the error is by the field, what was typed stays, nothing is saved.
            let invalid = try await clerk.submit(
                Self.form, [("value", "3.5"), ("status", "reported"), ("note", "港湾の記録"), ("action", "submit")])
            Self.expectHTML(invalid, .unprocessableContent, "invalid value")
            #expect(invalid.html.contains("id=\"value-error\""))
            #expect(invalid.html.contains("aria-describedby=\"value-hint value-error\""))
            #expect(invalid.html.contains("value=\"3.5\""))
            #expect(invalid.html.contains("港湾の記録"))
            #expect(try await world.count("SELECT count(*) FROM figures") == 0)

            // Full-width digits are read as digits; submit.
            let form = try await clerk.get(Self.form)
            let token = try #require(form.csrf)
            let submitFields = [
                ("csrf_token", token), ("version", ""), ("value", "３"), ("status", "reported"), ("note", ""),
                ("action", "submit"),
            ]
            let submitted = try await clerk.post(Self.form, submitFields)
            #expect(submitted.location == Self.form + "?notice=submitted")
            // The same form again (a double click, or Back and resubmit): one submission, a calm page.
            let again = try await clerk.post(Self.form, submitFields)
            #expect(again.location == Self.form + "?notice=already_submitted")
            #expect(try await world.count("SELECT count(*) FROM workflow_events WHERE action = 'submit'") == 1)
            Self.expectHTML(try await clerk.get(again.location!), .ok, "calm page")

            // The approver sees it with the comparisons and returns it; a return needs a reason.
            let queue = try await approver.get("/review")
            #expect(queue.html.contains("石炭共同輸送実施回数"))
            #expect(queue.html.contains("3 回"))
            let version = try #require(queue.field("version"))
            let noReason = try await approver.post(
                Self.form + "/return", [("csrf_token", queue.csrf!), ("version", version), ("reason", "　")])
            Self.expectHTML(noReason, .unprocessableContent, "a return without a reason")
            #expect(noReason.html.contains("field-error"))
            let returned = try await approver.post(
                Self.form + "/return",
                [("csrf_token", queue.csrf!), ("version", version), ("reason", "運航記録と照合してください。")])
            #expect(returned.location == "/review?notice=returned")

            // The clerk sees the reason at home and on the form, corrects and resubmits.
            let home = try await clerk.get("/")
            #expect(home.html.contains("運航記録と照合してください。"))
            #expect(home.html.contains(">差戻し<"))
            let correctedForm = try await clerk.get(Self.form)
            #expect(correctedForm.html.contains("運航記録と照合してください。"))
            let resubmitted = try await clerk.post(
                Self.form,
                [
                    ("csrf_token", correctedForm.csrf!), ("version", correctedForm.field("version")!), ("value", "4"),
                    ("status", "reported"), ("note", "運航記録で再集計"), ("action", "submit"),
                ])
            #expect(resubmitted.location == Self.form + "?notice=submitted")

            // The approver approves, twice by accident: one approval, a calm page.
            let queue2 = try await approver.get("/review")
            let approveFields = [
                ("csrf_token", queue2.csrf!), ("version", queue2.field("version")!), ("comment", "確認しました"),
            ]
            #expect(
                try await approver.post(Self.form + "/approve", approveFields).location == "/review?notice=approved")
            #expect(
                try await approver.post(Self.form + "/approve", approveFields).location
                    == "/review?notice=already_approved")
            #expect(try await world.count("SELECT count(*) FROM workflow_events WHERE action = 'approve'") == 1)

            // The report screen shows the approved value.
            let report = try await clerk.get("/reports/2021Q1")
            Self.expectHTML(report, .ok, "report")
            #expect(report.html.contains("石炭共同輸送実施回数"))
            #expect(report.html.contains("4回") || report.html.contains("4 回"))
            let history = try await clerk.get(Self.form + "/history")
            #expect(history.html.contains("運航記録と照合してください。"))
            #expect(history.html.contains("確認しました"))

            // Reopening the approved figure needs a reason; without one nothing changes.
            let approvedHistory = try await approver.get(Self.form + "/history")
            #expect(approvedHistory.html.contains("修正のため再開する理由（必須）"))
            let reopenFields = [("csrf_token", approvedHistory.csrf!), ("version", approvedHistory.field("version")!)]
            let before = try await world.snapshot()
            let reopenWithout = try await approver.post(Self.form + "/reopen", reopenFields + [("reason", "　")])
            #expect(reopenWithout.location == Self.form + "/history?notice=reason_required")
            #expect(try await world.snapshot() == before)
            let reopened = try await approver.post(Self.form + "/reopen", reopenFields + [("reason", "数値の再確認")])
            #expect(reopened.location == Self.form + "/history?notice=reopened")
            #expect(try await world.count("SELECT count(*) FROM figures WHERE state = 'returned'") == 1)
            #expect(try await clerk.get("/").html.contains("承認後修正中"))
        }
    }

    @Test("保存 is the first submit button of the entry forms, so the Enter that confirms an IME conversion saves")
    func safeButtonFirst() async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, _, _ in
            for uri in [Self.form, Self.narrativeForm] {
                let html = try await browsers[Self.clerk]!.get(uri).html
                let form = try #require(html.range(of: "action=\"\(uri)\"")).upperBound
                let save = try #require(html.range(of: "name=\"action\" value=\"save\"", range: form..<html.endIndex))
                let submit = try #require(
                    html.range(of: "name=\"action\" value=\"submit\"", range: form..<html.endIndex))
                #expect(save.lowerBound < submit.lowerBound, "\(uri)")
                #expect(html.contains("保存する") && html.contains("提出する"))
            }
        }
    }

    @Test("a note of only full-width spaces is empty: 未公表 without a note is refused by the note field")
    func fullWidthSpaces() async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, world, _ in
            let page = try await browsers[Self.clerk]!.submit(
                Self.form, [("value", ""), ("status", "not_published"), ("note", "　　"), ("action", "save")])
            Self.expectHTML(page, .unprocessableContent, "full-width spaces")
            #expect(page.html.contains("id=\"note-error\""))
            #expect(try await world.count("SELECT count(*) FROM figures") == 0)
        }
    }

    @Test("a stale save shows what changed meanwhile and keeps what was typed")
    func staleSave() async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, world, _ in
            let clerk = browsers[Self.clerk]!
            try await saveFigure(clerk, Self.form, value: "2", submit: false)
            let tab1 = try await clerk.get(Self.form)
            let tab2 = try await clerk.get(Self.form)
            let first = try await clerk.post(
                Self.form,
                [("csrf_token", tab1.csrf!), ("version", tab1.field("version")!), ("value", "5"), ("action", "save")])
            #expect(first.status == .seeOther)
            let stale = try await clerk.post(
                Self.form,
                [("csrf_token", tab2.csrf!), ("version", tab2.field("version")!), ("value", "7"), ("action", "save")])
            Self.expectHTML(stale, .conflict, "stale save")
            #expect(stale.html.contains("この画面を開いた後に、内容が変更されました"))
            #expect(stale.html.contains("5 回"))
            #expect(stale.html.contains("value=\"7\""))
            // Saving again from that page applies the clerk's value.
            let redo = try await clerk.post(
                Self.form,
                [("csrf_token", stale.csrf!), ("version", stale.field("version")!), ("value", "7"), ("action", "save")])
            #expect(redo.status == .seeOther)
            #expect(try await world.count("SELECT count(*) FROM figures WHERE value = 7") == 1)
        }
    }

    @Test("a narrative is written, split into ハード面 and ソフト面, and submitted through its form")
    func narrative() async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, world, _ in
            let clerk = browsers[Self.clerk]!
            let page = try await clerk.submit(
                Self.narrativeForm,
                [
                    ("progress_hard", "岸壁の改良を進めた。"), ("progress_soft", "荷主との協議を行った。"),
                    ("outlook", "引き続き調整する。"), ("action", "submit"),
                ])
            #expect(page.location == Self.narrativeForm + "?notice=submitted", "\(page.html.prefix(600))")
            #expect(try await world.count("SELECT count(*) FROM narratives WHERE state = 'submitted'") == 1)
            let form = try await clerk.get(Self.narrativeForm)
            #expect(form.html.contains("岸壁の改良を進めた。"))
            #expect(form.html.contains("提出済"))
        }
    }

    @Test("bulk approval approves the checked figures all at once")
    func bulkApproval() async throws {
        try await withWeb(logins: [Fixtures.clerk("roads"), Self.approver]) { browsers, world, _ in
            let clerk = browsers[Fixtures.clerk("roads")]!
            try await saveFigure(clerk, "/periods/2021Q1/figures/1-3.1", value: "1.5", submit: true)
            try await saveFigure(clerk, "/periods/2021Q1/figures/1-3.2", value: "1", submit: true)
            let queue = try await browsers[Self.approver]!.get("/review")
            #expect(queue.html.contains("2021Q1|1-3.1|2"))
            let done = try await browsers[Self.approver]!.post(
                "/review/approvals",
                [("csrf_token", queue.csrf!), ("items", "2021Q1|1-3.1|2"), ("items", "2021Q1|1-3.2|2")])
            #expect(done.location == "/review?notice=bulk_approved", "\(done.html.prefix(400))")
            #expect(try await world.count("SELECT count(*) FROM figures WHERE state = 'approved'") == 2)
        }
    }

    @Test("/account changes one's own password, ends the other sessions, and is audited")
    func ownPassword() async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, world, client in
            let clerk = browsers[Self.clerk]!
            let elsewhere = TestBrowser(client: client)
            try await elsewhere.login(Self.clerk)
            let wrong = try await clerk.submit(
                "/account",
                [
                    ("current_password", "wrong password here"), ("password", "新しい合言葉は山口の港です"),
                    ("password_confirmation", "新しい合言葉は山口の港です"),
                ])
            Self.expectHTML(wrong, .unprocessableContent, "wrong current password")
            #expect(wrong.html.contains("id=\"current_password-error\""))
            let changed = try await clerk.submit(
                "/account",
                [
                    ("current_password", World.password(for: Self.clerk)), ("password", "新しい合言葉は山口の港です"),
                    ("password_confirmation", "新しい合言葉は山口の港です"),
                ])
            #expect(changed.location == "/account?notice=password_changed")
            #expect(try await clerk.get("/").status == .ok, "this session stays")
            #expect(try await elsewhere.get("/").location == "/login", "the other session ended")
            #expect(
                try await world.count("SELECT count(*) FROM audit_events WHERE action = 'user.change_password'") == 1)
            let fresh = TestBrowser(client: client)
            #expect(try await fresh.login(Self.clerk, password: "新しい合言葉は山口の港です").status == .seeOther)
        }
    }

    @Test("an admin creates an account and sees its password once; a clerk cannot")
    func adminCreatesAccount() async throws {
        try await withWeb(logins: [Self.admin, Self.clerk]) { browsers, world, _ in
            let created = try await browsers[Self.admin]!.submit(
                "/admin/users", [("login", "sato"), ("display_name", "佐藤"), ("role", "clerk"), ("department", "ports")])
            Self.expectHTML(created, .ok, "created")
            #expect(created.html.contains("sato の新しいパスワード"))
            #expect(try await world.count("SELECT count(*) FROM users WHERE login = 'sato'") == 1)
            let before = try await world.snapshot()
            let token = try #require(try await browsers[Self.clerk]!.get("/").csrf)
            let refused = try await browsers[Self.clerk]!.post(
                "/admin/users",
                [("csrf_token", token), ("login", "kato"), ("display_name", "加藤"), ("role", "admin")])
            Self.expectHTML(refused, .forbidden, "clerk creating an account")
            #expect(try await world.snapshot() == before)
        }
    }

    @Test("公表までの状況 shows every department's required items and their states, from the completeness call")
    func completenessScreen() async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, world, _ in
            let clerk = browsers[Self.clerk]!
            try await saveFigure(clerk, "/periods/2021Q1/figures/1-1.1", value: "3", submit: true)
            let home = try await clerk.get("/")
            #expect(home.html.contains("href=\"/periods/2021Q1/completeness\""))
            let page = try await clerk.get("/periods/2021Q1/completeness")
            Self.expectHTML(page, .ok, "completeness")
            let c = try await world.service.completeness(period: PeriodCode("2021Q1")!, as: .login(Self.clerk))
            #expect(page.html.contains("残り \(c.counts.outstanding) 件"))
            for d in c.departments { #expect(page.html.contains(d.name), "\(d.code)") }
            // The figure just submitted, in its row, and another department's missing one.
            #expect(page.html.contains("<td>1-1.1</td>"))
            #expect(page.html.contains("提出済み") && page.html.contains("未入力"))
            let unknown = try await clerk.get("/periods/2099Q1/completeness")
            #expect(unknown.status == .notFound)
        }
    }
}

/// Saves (and optionally submits) a figure through its form.
func saveFigure(_ browser: TestBrowser, _ form: String, value: String, submit: Bool) async throws {
    let page = try await browser.get(form)
    let reply = try await browser.post(
        form,
        [
            ("csrf_token", try #require(page.csrf)), ("version", page.field("version") ?? ""), ("value", value),
            ("status", "reported"), ("action", submit ? "submit" : "save"),
        ])
    #expect(reply.status == .seeOther, "\(form): \(reply.html.prefix(500))")
}
