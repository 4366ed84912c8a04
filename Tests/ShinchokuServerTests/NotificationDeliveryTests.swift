import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LibPQ
import Logging
import SMTPMail
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuServer

/// The notification worker delivers the outbox to a real SMTP server on loopback (aiosmtpd), at least once, with
/// retries while the server is down and no retry after a 5xx; and the API's notification routes.
@Suite("Notification mail and routes", .serialized)
struct NotificationDeliveryTests {
    typealias W = WorkflowFixtures

    static func worker(_ db: TestDB, smtp: String?, logs: LogCapture = LogCapture()) -> NotificationWorker {
        NotificationWorker(
            service: ShinchokuService(pool: db.pool, bcryptCost: TestDatabase.bcryptCost),
            mail: MailConfiguration(
                publicURL: "https://shinchoku.example.jp", smtpURL: smtp, from: "shinchoku@example.jp",
                retryDelay: .milliseconds(300), maximumRetryDelay: .seconds(5)),
            logger: logs.logger())
    }

    struct OutboxRow: Equatable {
        var to: String
        var attempts: Int
        var sent: Bool
        var failed: Bool
        var lastError: String?
        var wait: Double
    }

    static func outbox(_ db: TestDB) async throws -> [OutboxRow] {
        try await db.superuserPool.withConnection { c in
            try c.query(
                """
                SELECT to_address, attempts, sent_at IS NOT NULL, failed_at IS NOT NULL, last_error,
                       extract(epoch FROM next_attempt_at - now())::text
                FROM mail_outbox ORDER BY id
                """
            ).decode((String, Int, Bool, Bool, String?, String).self).map {
                OutboxRow(
                    to: $0.0, attempts: $0.1, sent: $0.2, failed: $0.3, lastError: $0.4, wait: Double($0.5) ?? 0)
            }
        }
    }

    @Test func aSubmissionIsMailedInJapaneseWithAStableMessageID() async throws {
        guard SMTPSink.available() else { return }
        let sink = try SMTPSink()
        try await TestDatabase.withStandard { db in
            let s = db.service()
            _ = try await s.setEmail(login: Fixtures.approver, email: "approver@example.jp", as: W.admin)
            _ = try await W.submitted(db, W.q1, "1-1.1", "3")
            let expected = try await db.superuserPool.withConnection { c in
                try c.query(
                    "SELECT id, subject FROM notifications WHERE recipient_id = (SELECT id FROM users WHERE login = 'approver')"
                )[0]
                .decode((Int, String).self)
            }
            let worker = Self.worker(db, smtp: sink.url)
            let transport = SMTPTransport(url: sink.url, from: "shinchoku@example.jp")
            defer { transport.shutdown() }
            await worker.deliverDue(transport)

            let mails = try sink.received()
            try #require(mails.count == 1)
            let m = mails[0]
            #expect(m.to == ["approver@example.jp"])
            #expect(m.subject == expected.1, "Python decodes the RFC 2047 subject to the notification's")
            #expect(m.subject.contains("2021年度第1四半期") && m.subject.contains("提出"))
            #expect(m.messageId == "<notification-\(expected.0)@shinchoku.example.jp>")
            #expect(m.contentType == "text/plain" && m.charset == "utf-8")
            #expect(m.body.contains("https://shinchoku.example.jp/periods/2021Q1/figures/1-1.1"))
            #expect(m.body.contains("提出しました"))
            #expect(!m.date.isEmpty && m.date != "None")
            // Headers are ASCII, folded; every encoded-word is at most 75 characters.
            #expect(m.rawSubject.unicodeScalars.allSatisfy { $0.isASCII })
            let words = m.rawSubject.split(whereSeparator: { $0 == " " || $0 == "\r" || $0 == "\n" })
                .filter { $0.hasPrefix("=?UTF-8?B?") }
            #expect(words.count >= 2 && words.allSatisfy { $0.count <= 75 })
            #expect(try await Self.outbox(db).map(\.sent) == [true])

            // Nothing is due any more: a second pass sends nothing.
            await worker.deliverDue(transport)
            #expect(try sink.received().count == 1)
        }
    }

    @Test func whileTheServerIsDownMailsWaitAndGoOutOnceWhenItReturns() async throws {
        guard SMTPSink.available() else { return }
        let sink = try SMTPSink()
        sink.stop()
        try await TestDatabase.withStandard { db in
            let s = db.service()
            _ = try await s.setEmail(login: Fixtures.approver, email: "approver@example.jp", as: W.admin)
            _ = try await s.setEmail(login: Fixtures.approver2, email: "approver2@example.jp", as: W.admin)
            _ = try await W.submitted(db, W.q1, "1-1.1", "3")
            let logs = LogCapture()
            let worker = Self.worker(db, smtp: sink.url, logs: logs)
            // With a password in the URL: it never reaches the outbox's errors nor the log.
            let secretURL = "smtp://mailer:Hidden-Pw-123@127.0.0.1:\(sink.port)"
            let down = SMTPTransport(url: secretURL, from: "shinchoku@example.jp")
            defer { down.shutdown() }

            await worker.deliverDue(down)
            var rows = try await Self.outbox(db)
            #expect(rows.count == 2 && rows.allSatisfy { !$0.sent && !$0.failed && $0.attempts == 1 })
            #expect(rows.allSatisfy { $0.lastError != nil && !$0.lastError!.contains("Hidden-Pw-123") })
            #expect(rows.allSatisfy { $0.wait > 0.1 }, "the next attempt waits")
            let firstWait = rows.map(\.wait).max()!
            var backlog = try await s.mailBacklog(as: W.admin)
            #expect(backlog.pending == 2 && backlog.sent == 0 && backlog.lastError != nil)

            try await Task.sleep(for: .milliseconds(400))
            await worker.deliverDue(down)
            rows = try await Self.outbox(db)
            #expect(rows.allSatisfy { $0.attempts == 2 && !$0.sent })
            #expect(rows.map(\.wait).min()! > firstWait, "the delay grows: \(rows.map(\.wait)) after \(firstWait)")
            #expect(!logs.all.joined().contains("Hidden-Pw-123"))

            try sink.start()
            let up = SMTPTransport(url: sink.url, from: "shinchoku@example.jp")
            defer { up.shutdown() }
            try await Task.sleep(for: .milliseconds(800))
            await worker.deliverDue(up)
            await worker.deliverDue(up)
            let mails = try sink.received()
            #expect(mails.map(\.to).sorted { $0[0] < $1[0] } == [["approver2@example.jp"], ["approver@example.jp"]])
            #expect(Set(mails.map(\.messageId)).count == 2)
            rows = try await Self.outbox(db)
            #expect(rows.allSatisfy { $0.sent && $0.attempts == 3 })
            backlog = try await s.mailBacklog(as: W.admin)
            #expect(backlog.pending == 0 && backlog.sent == 2)
        }
    }

    @Test func aPermanentRefusalIsNotRetriedAndATemporaryOneIs() async throws {
        guard SMTPSink.available() else { return }
        let sink = try SMTPSink()
        try await TestDatabase.withStandard { db in
            let s = db.service()
            _ = try await s.setEmail(login: Fixtures.approver, email: "reject@example.jp", as: W.admin)
            _ = try await s.setEmail(login: Fixtures.approver2, email: "later@example.jp", as: W.admin)
            _ = try await W.submitted(db, W.q1, "1-1.1", "3")
            let worker = Self.worker(db, smtp: sink.url)
            let transport = SMTPTransport(url: sink.url, from: "shinchoku@example.jp")
            defer { transport.shutdown() }
            await worker.deliverDue(transport)
            var rows = try await Self.outbox(db)
            #expect(rows[0].failed && !rows[0].sent && rows[0].lastError?.contains("550") == true)
            #expect(!rows[1].failed && !rows[1].sent && rows[1].lastError?.contains("451") == true)
            try await Task.sleep(for: .milliseconds(400))
            await worker.deliverDue(transport)
            rows = try await Self.outbox(db)
            #expect(rows[0].attempts == 1, "a 5xx is final")
            #expect(rows[1].attempts == 2, "a 4xx is tried again")
            #expect(try sink.received().isEmpty)
            let backlog = try await s.mailBacklog(as: W.admin)
            #expect(backlog.failed == 1 && backlog.pending == 1)
        }
    }

    @Test func subjectsAreSplitBetweenCharacters() {
        let subject = "【差戻し】2021年度第1四半期 指標「1-1.1 やまぐち産業イノベーション促進補助金の採択件数～累計～」の実績値が差し戻されました"
        let words = MailMessage.encodedWords(subject)
        #expect(
            words.count > 2 && words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        let decoded = words.map { word -> String in
            let b64 = word.dropFirst(10).dropLast(2)
            return String(data: Data(base64Encoded: String(b64))!, encoding: .utf8)!
        }
        #expect(decoded.joined() == subject, "each word decodes alone to whole characters")
        let text = MailMessage(
            from: "a@example.jp", to: "b@example.jp", subject: subject, body: "本文～", messageID: "<n-1@example.jp>",
            date: Date(timeIntervalSince1970: 0)
        ).rendered
        #expect(text.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 })
    }

    @Test func theAPIListsAndMarksOnlyOnesOwnNotifications() async throws {
        try await withAPI(passwords: [Fixtures.approver, Fixtures.approver2]) { api, world in
            _ = try await W.submitted(world.db, W.q1, "1-1.1", "3")
            _ = try await W.submitted(world.db, W.q1, "1-2.1", "4")
            let token = try await api.login(Fixtures.approver)
            var reply = try await api.call(.get, "/api/v1/notifications?limit=1", token: token)
            #expect(reply.status == .ok)
            #expect(reply["unread"] as? Int == 2)
            let list = try #require(reply["notifications"] as? [[String: Any]])
            #expect(list.count == 1 && (list[0]["subject"] as? String)?.contains("1-2.1") == true)
            #expect(
                list[0]["kind"] as? String == "submitted"
                    && list[0]["link"] as? String == "/periods/2021Q1/figures/1-2.1")
            let id = try #require(list[0]["id"] as? Int)

            let other = try await api.login(Fixtures.approver2)
            let before = try await world.snapshot()
            reply = try await api.call(.post, "/api/v1/notifications/\(id)/read", token: other)
            #expect(reply.status == .notFound, "another's notification is not found: \(reply.text)")
            #expect(try await world.snapshot() == before)

            reply = try await api.call(.post, "/api/v1/notifications/\(id)/read", token: token)
            #expect(reply.status == .ok && reply["read_at"] is String)
            reply = try await api.call(.get, "/api/v1/notifications", token: token)
            #expect(reply["unread"] as? Int == 1)
            reply = try await api.call(.get, "/api/v1/notifications")
            #expect(reply.status == .unauthorized)
            reply = try await api.call(.get, "/api/v1/notifications?limit=x", token: token)
            #expect(reply.status == .badRequest)
        }
    }

    @Test func theNotificationsScreenListsAndMarksOnesOwn() async throws {
        try await withWeb(logins: [Fixtures.approver, Fixtures.approver2]) { browsers, world, _ in
            let browser = try #require(browsers[Fixtures.approver])
            _ = try await W.submitted(world.db, W.q1, "1-1.1", "3")
            let page = try await browser.get("/notifications")
            #expect(page.status == .ok)
            #expect(page.html.contains(#"href="/notifications""#), "the site frame links to 通知")
            #expect(page.html.contains("未読 1 件") && page.html.contains("1-1.1"))
            #expect(page.html.contains(#"href="/periods/2021Q1/figures/1-1.1""#))
            let id = try await world.count(
                "SELECT id FROM notifications WHERE recipient_id = (SELECT id FROM users WHERE login = 'approver')")
            // Another user's notification is a 404 page, and changes nothing.
            let other = try #require(browsers[Fixtures.approver2])
            let before = try await world.snapshot()
            let refused = try await other.submit("/notifications", to: "/notifications/\(id)/read", [])
            #expect(refused.status == .notFound)
            #expect(try await world.snapshot() == before)
            let done = try await browser.submit("/notifications", to: "/notifications/\(id)/read", [])
            #expect(done.status == .seeOther && done.location == "/notifications")
            #expect(try await browser.get("/notifications").html.contains("未読 0 件"))
        }
    }
}
