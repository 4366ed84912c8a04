import Foundation
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuAdmin

/// `user set-email`, `user create --email` and `mail status` (docs/notifications.md).
@Suite struct NotificationCommandTests {
    typealias W = WorkflowFixtures

    @Test func adminsSetAddressesAndSeeTheOutbox() async throws {
        try await TestDatabase.withStandard { db in
            let set = await CLI.ok(db, ["user", "set-email", "approver", "sato@example.jp", "--as", "admin"])
            #expect(set.stdout == "approver's notifications are mailed to sato@example.jp.\n")
            let show = await CLI.ok(db, ["user", "show", "approver", "--as", "admin"])
            #expect(show.stdout.contains("Email:      sato@example.jp"), "\(show)")

            let taken = await CLI.run(db, ["user", "set-email", "approver2", "SATO@example.jp", "--as", "admin"])
            #expect(taken.status == .failure && taken.stderr.contains("already used"), "\(taken)")
            let neither = await CLI.run(db, ["user", "set-email", "approver2", "--as", "admin"])
            #expect(neither.status == .usage, "\(neither)")
            let notAdmin = await CLI.run(db, ["user", "set-email", "approver2", "a@example.jp", "--as", "approver"])
            #expect(notAdmin.status == .forbidden, "\(notAdmin)")

            _ = try await W.submitted(db, W.q1, "1-1.1", "3")
            let status = await CLI.ok(db, ["mail", "status", "--as", "admin"])
            #expect(status.stdout.hasPrefix("pending: 1\nfailed:  0\nsent:    0\n"), "\(status)")
            let json = try #require(
                try await CLI.ok(db, ["mail", "status", "--as", "admin", "--json"]).json() as? [String: Any])
            #expect(json["pending"] as? Int == 1 && json["sent"] as? Int == 0)
            let clerk = await CLI.run(db, ["mail", "status", "--as", Fixtures.clerk("ports")])
            #expect(clerk.status == .forbidden, "\(clerk)")

            let cleared = await CLI.ok(db, ["user", "set-email", "approver", "--clear", "--as", "admin"])
            #expect(cleared.stdout == "approver has no email address now.\n")
            let created = await CLI.ok(
                db,
                [
                    "user", "create", "--login", "suzuki", "--name", "鈴木", "--role", "clerk", "--department", "ports",
                    "--email", "suzuki@example.jp", "--as", "admin", "--json",
                ])
            let user = try #require((try created.json() as? [String: Any])?["user"] as? [String: Any])
            #expect(user["email"] as? String == "suzuki@example.jp")
        }
    }
}
