import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

/// Notifications and their mail outbox, written in the transaction of the event that causes them (issue 11 §7).
@Suite struct NotificationTests {
    typealias W = WorkflowFixtures

    struct Row: Equatable {
        var recipient: String
        var kind: String
        var period: String?
        var subject: String
        var body: String
        var link: String
        var mailedTo: String?
    }

    static func rows(_ db: TestDB, after id: Int = 0) async throws -> [Row] {
        try await db.superuserPool.withConnection { c in
            try c.query(
                """
                SELECT u.login, n.kind, n.period_code, n.subject, n.body, n.link_path, m.to_address
                FROM notifications n JOIN users u ON u.id = n.recipient_id
                LEFT JOIN mail_outbox m ON m.notification_id = n.id
                WHERE n.id > \(id) ORDER BY n.id
                """
            ).decode((String, String, String?, String, String, String, String?).self).map {
                Row(recipient: $0.0, kind: $0.1, period: $0.2, subject: $0.3, body: $0.4, link: $0.5, mailedTo: $0.6)
            }
        }
    }

    static func lastID(_ db: TestDB) async throws -> Int {
        try await W.scalar(db, Int.self, "SELECT coalesce(max(id), 0) FROM notifications")
    }

    @Test func submitReturnAndApprovalNotifyTheRightPeople() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            _ = try await s.setEmail(login: Fixtures.approver, email: "approver@example.jp", as: W.admin)
            _ = try await s.setEmail(login: Fixtures.clerk("ports"), email: "Ports@Example.jp", as: W.admin)
            let clerk = W.clerk("ports")

            var f = try await s.saveFigure(
                period: W.q1, indicator: "1-1.1", input: FigureInput(value: W.decimal("3")), as: clerk)
            #expect(try await Self.rows(db).isEmpty, "a save notifies nobody")

            var mark = try await Self.lastID(db)
            f = try await s.submitFigure(period: W.q1, indicator: "1-1.1", version: f.version, as: clerk)
            let submitted = try await Self.rows(db, after: mark)
            #expect(submitted.map(\.recipient) == [Fixtures.approver, Fixtures.approver2])
            #expect(
                submitted.map(\.mailedTo) == ["approver@example.jp", nil], "only accounts with an address get mail")
            for n in submitted {
                #expect(n.kind == "submitted" && n.period == "2021Q1")
                #expect(n.subject.contains("【提出】") && n.subject.contains("2021年度第1四半期"))
                #expect(n.subject.contains("1-1.1"), "names the indicator: \(n.subject)")
                #expect(n.body.contains("担当 ports") || n.body.contains("さんが"))
                #expect(n.link == "/periods/2021Q1/figures/1-1.1")
            }

            mark = try await Self.lastID(db)
            f = try await s.returnFigure(
                period: W.q1, indicator: "1-1.1", version: f.version, reason: "単位を確認してください", as: W.approver)
            let returned = try await Self.rows(db, after: mark)
            #expect(returned.map(\.recipient) == [Fixtures.clerk("ports")], "the clerks of the owning department")
            #expect(returned.first?.kind == "returned" && returned.first?.mailedTo == "Ports@Example.jp")
            #expect(returned.first?.subject.contains("【差戻し】") == true)
            #expect(returned.first?.body.contains("単位を確認してください") == true, "the body carries the reason")

            f = try await s.saveFigure(
                period: W.q1, indicator: "1-1.1", input: FigureInput(value: W.decimal("4"), version: f.version),
                as: clerk)
            f = try await s.submitFigure(period: W.q1, indicator: "1-1.1", version: f.version, as: clerk)
            mark = try await Self.lastID(db)
            _ = try await s.approveFigure(period: W.q1, indicator: "1-1.1", version: f.version, as: W.approver2)
            let approved = try await Self.rows(db, after: mark)
            #expect(approved.map(\.recipient) == [Fixtures.clerk("ports")], "the clerk who entered it")
            #expect(approved.first?.kind == "approved" && approved.first?.subject.contains("【承認】") == true)
        }
    }

    @Test func aNarrativeStepNamesTheProject() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let clerk = try W.owner(of: "1-1.1")
            let saved = try await s.saveNarrative(
                period: W.q1, project: "1-1", input: NarrativeInput(progress: "進捗", outlook: "見通し"), as: clerk)
            _ = try await s.submitNarrative(period: W.q1, project: "1-1", version: saved.version, as: clerk)
            let rows = try await Self.rows(db)
            #expect(rows.count == 2 && rows.allSatisfy { $0.subject.contains("事業「1-1」") })
            #expect(rows.first?.link == "/periods/2021Q1/narratives/1-1")
        }
    }

    @Test func aRefusedStepWritesNoNotification() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let f = try await W.submitted(db, W.q1, "1-1.1", "3")
            // Submitting again is a conflict: nothing at all changes, notifications included.
            try await W.expectRejected(db, .conflict) {
                try await s.submitFigure(period: W.q1, indicator: "1-1.1", version: f.version, as: W.clerk("ports"))
            }
            // The clerk may not approve; a wrong version conflicts.
            try await W.expectRejected(db, .forbidden) {
                try await s.approveFigure(period: W.q1, indicator: "1-1.1", version: f.version, as: W.clerk("ports"))
            }
            try await W.expectRejected(db, .conflict) {
                try await s.approveFigure(period: W.q1, indicator: "1-1.1", version: f.version + 5, as: W.approver)
            }
        }
    }

    @Test func bulkApprovalNotifiesEachEntererAndStaysAllOrNothing() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let a = try await W.submitted(db, W.q1, "1-1.1", "3")
            let b = try await W.submitted(db, W.q1, "1-2.1", "4")
            let mark = try await Self.lastID(db)
            // One item that cannot be approved: none is, and no notification is written.
            try await W.expectRejected(db, .conflict) {
                try await s.bulkApprove(
                    period: W.q1, items: [("1-1.1", a.version), ("1-2.1", b.version + 1)], as: W.approver)
            }
            _ = try await s.bulkApprove(
                period: W.q1, items: [("1-1.1", a.version), ("1-2.1", b.version)], as: W.approver)
            let rows = try await Self.rows(db, after: mark)
            #expect(rows.count == 2 && rows.allSatisfy { $0.kind == "approved" })
        }
    }

    @Test func openingAPeriodRemindsDepartmentsWithMissingItemsOnce() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            try await db.arrange { c in
                try c.execute("UPDATE periods SET due_on = '2021-10-15' WHERE code = '2021Q2'")
            }
            _ = try await s.openPeriod(W.q2, as: W.admin)
            let rows = try await Self.rows(db)
            let departments = try await db.pool.withConnection { c in
                try NotificationStore.departmentsWithMissingItems(c, period: W.q2)
            }
            let clerks = try await W.scalar(
                db, Int.self,
                "SELECT count(*) FROM users WHERE role = 'clerk' AND department_id IN (SELECT department_id FROM projects)"
            )
            #expect(!departments.isEmpty && rows.count == clerks)
            #expect(rows.allSatisfy { $0.kind == "period_opened" && $0.recipient.hasPrefix("clerk-") })
            #expect(rows.first?.body.contains("2021年10月15日") == true, "names the due date: \(rows.first?.body ?? "")")
            // Refused (already open): nothing more.
            try await W.expectRejected(db, .conflict) { try await s.openPeriod(W.q2, as: W.admin) }
        }
    }

    @Test func remindersBeforeAndAfterTheDueDateAreNotDuplicated() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            try await db.arrange { c in
                try c.execute("UPDATE periods SET due_on = '2021-07-20' WHERE code = '2021Q1'")
            }
            // All of ports' items are in except one: ports is still reminded; a department with everything in is
            // not (none here, so count departments).
            #expect(try await s.sendReminders(today: CalendarDate("2021-07-16")) == 0, "four days before: nothing")
            let first = try await s.sendReminders(today: CalendarDate("2021-07-17"))
            #expect(first > 0)
            #expect(try await s.sendReminders(today: CalendarDate("2021-07-18")) == 0, "once per department")
            #expect(try await s.sendReminders(today: CalendarDate("2021-07-20")) == 0)
            let overdue = try await s.sendReminders(today: CalendarDate("2021-07-21"))
            #expect(overdue == first)
            #expect(try await s.sendReminders(today: CalendarDate("2021-07-22")) == 0)
            let kinds = try await Self.rows(db).map(\.kind)
            #expect(Set(kinds) == ["due_soon", "overdue"])
            #expect(kinds.filter { $0 == "due_soon" }.count == kinds.filter { $0 == "overdue" }.count)
            let reminders = try await W.scalar(db, Int.self, "SELECT count(*) FROM notification_reminders")
            #expect(reminders == first * 2)
            // A planned period (2021Q2) or one without a due date gets none.
        }
    }

    @Test func publicationNotifiesEveryEnabledAccount() async throws {
        try await TestDatabase.withStandard { db in
            let written = try await db.pool.withTransaction { c in
                try Notifications.publication(on: c, period: W.q1, edition: 2, link: "/published/2021Q1")
            }
            let accounts = try await W.scalar(db, Int.self, "SELECT count(*) FROM users WHERE disabled_at IS NULL")
            #expect(written == accounts)
            let rows = try await Self.rows(db)
            #expect(rows.allSatisfy { $0.kind == "published" && $0.subject.contains("第2版") })
        }
    }

    @Test func usersReadAndMarkOnlyTheirOwn() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            _ = try await W.submitted(db, W.q1, "1-1.1", "3")
            _ = try await W.submitted(db, W.q1, "1-2.1", "4")
            var page = try await s.notifications(as: W.approver)
            #expect(page.notifications.count == 2 && page.unread == 2)
            #expect(page.notifications[0].id > page.notifications[1].id, "newest first")
            #expect(page.notifications[0].subject.contains("1-2.1"))
            let limited = try await s.notifications(limit: 1, as: W.approver)
            #expect(limited.notifications.count == 1 && limited.unread == 2)

            let read = try await s.markNotificationRead(id: page.notifications[1].id, as: W.approver)
            #expect(read.readAt != nil)
            page = try await s.notifications(as: W.approver)
            #expect(page.unread == 1)
            // Another's notification does not exist for this user.
            try await W.expectRejected(db, .notFound) {
                try await s.markNotificationRead(id: page.notifications[0].id, as: W.approver2)
            }
            #expect(try await s.notifications(as: W.clerk("ports")).notifications.isEmpty)
            try await W.expectRejected(db, .invalid, field: "limit") {
                try await s.notifications(limit: 0, as: W.admin)
            }
        }
    }

    @Test func adminsSetEmailAddressesUnderTheRules() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let mark = try await W.lastAuditID(db)
            let u = try await s.setEmail(login: Fixtures.approver, email: "sato@example.jp", as: W.admin)
            #expect(u.email == "sato@example.jp")
            #expect(try await W.audit(db, after: mark).map(\.action) == ["user.set_email"])
            try await W.expectRejected(db, .conflict) {
                try await s.setEmail(login: Fixtures.approver2, email: "SATO@example.jp", as: W.admin)
            }
            try await W.expectRejected(db, .invalid, field: "email") {
                try await s.setEmail(login: Fixtures.approver2, email: "sato at example", as: W.admin)
            }
            try await W.expectRejected(db, .invalid, field: "email") {
                try await s.setEmail(login: Fixtures.approver2, email: "a@b.jp\r\nBcc: x@y.jp", as: W.admin)
            }
            try await W.expectRejected(db, .forbidden) {
                try await s.setEmail(login: Fixtures.approver, email: "me@example.jp", as: W.approver)
            }
            let cleared = try await s.setEmail(login: Fixtures.approver, email: nil, as: W.admin)
            #expect(cleared.email == nil)
            let created = try await s.createUser(
                login: "suzuki", displayName: "鈴木", role: .clerk, department: "ports", password: nil,
                email: "suzuki@example.jp", as: W.admin)
            #expect(created.user.email == "suzuki@example.jp")
            // The database refuses a non-admin's change of an address by itself, too.
            await #expect(throws: (any Error).self) {
                try await db.pool.withTransaction { c in
                    let id = try c.query("SELECT id FROM users WHERE login = 'approver'")[0].decode(Int.self, at: 0)
                    try c.execute("SELECT set_config('app.actor_id', \(String(id)), true)")
                    try c.execute("UPDATE users SET email = 'x@example.jp' WHERE id = \(id)")
                }
            }
        }
    }
}
