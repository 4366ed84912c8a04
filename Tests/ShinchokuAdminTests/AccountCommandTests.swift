import Foundation
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuAdmin

@Suite struct AccountCommandTests {
    @Test func userListMatchesItsGoldenFile() async throws {
        try await TestDatabase.withStandard { db in
            let r = await CLI.ok(db, ["user", "list", "--as", "admin"])
            try Golden.check(r.stdout, "user-list.txt")

            let json = try #require(
                try await CLI.ok(db, ["user", "list", "--json", "--as", "admin"]).json() as? [[String: Any]])
            #expect(json.count == 17)
            let admin = try #require(json.first { $0["login"] as? String == "admin" })
            #expect(admin["display_name"] as? String == "管理者" && admin["role"] as? String == "admin")
            // Times are ISO 8601 in JSON.
            let created = try #require(admin["created_at"] as? String)
            #expect(ISO8601DateFormatter().date(from: created) != nil)
            #expect(!json.contains { $0.keys.contains("password_hash") })
        }
    }

    @Test func anAdminManagesAccounts() async throws {
        try await TestDatabase.withStandard { db in
            let created = await CLI.ok(
                db,
                [
                    "user", "create", "--login", "yamada", "--name", "山田 花子", "--role", "clerk", "--department",
                    "ports",
                    "--as", "admin",
                ])
            #expect(created.stdout.hasPrefix("Created the clerk account yamada (山田 花子, ports).\nPassword"))

            let fromStdin = await CLI.ok(
                db,
                [
                    "user", "create", "--login", "sato", "--name", "佐藤", "--role", "approver", "--department",
                    "planning",
                    "--password-stdin", "--as", "admin", "--json",
                ], stdin: ["correct horse battery staple"])
            let json = try #require(try fromStdin.json() as? [String: Any])
            #expect(json["generated_password"] == nil)
            #expect((json["user"] as? [String: Any])?["role"] as? String == "approver")
            _ = try await db.service().login(login: "sato", password: "correct horse battery staple")

            let show = await CLI.ok(db, ["user", "show", "yamada", "--as", "admin"])
            #expect(show.stdout.contains("Department: ports") && show.stdout.contains("State:      enabled"))

            #expect(await CLI.ok(db, ["user", "disable", "yamada", "--as", "admin"]).stdout.contains("Disabled"))
            let disabled = await CLI.run(db, ["user", "disable", "yamada", "--as", "admin"])
            #expect(disabled.status == .failure && disabled.stderr.contains("already disabled"))
            #expect(await CLI.ok(db, ["user", "enable", "yamada", "--as", "admin"]).stdout.contains("Enabled"))

            let moved = await CLI.ok(
                db, ["user", "set-role", "yamada", "--role", "clerk", "--department", "water", "--as", "admin"])
            #expect(moved.stdout == "yamada is now clerk in water.\n")

            let reset = await CLI.ok(db, ["user", "reset-password", "yamada", "--as", "admin", "--json"])
            let password = try #require((try reset.json() as? [String: Any])?["generated_password"] as? String)
            _ = try await db.service().login(login: "yamada", password: password)

            let set = await CLI.ok(
                db, ["user", "reset-password", "yamada", "--password-stdin", "--as", "admin"],
                stdin: ["another long passphrase"])
            #expect(set.stdout.contains("Set a new password for yamada"))
            _ = try await db.service().login(login: "yamada", password: "another long passphrase")

            let empty = await CLI.run(db, ["user", "reset-password", "yamada", "--password-stdin", "--as", "admin"])
            #expect(empty.status == .invalidData, "\(empty)")
        }
    }

    @Test func aClerkIsRefusedAdminCommands() async throws {
        try await TestDatabase.withStandard { db in
            let before = try await Fixtures.snapshot(db)
            let clerk = Fixtures.clerk("ports")
            let commands: [[String]] = [
                ["user", "list"],
                ["user", "create", "--login", "x1", "--name", "x", "--role", "admin"],
                ["user", "disable", "approver"],
                ["period", "create", "2021Q3"],
                ["period", "close", "2021Q1"],
                ["department", "create", "abc", "--name", "x"],
                ["project", "assign", "1-2", "--department", "ports", "--reason", "x"],
                ["plan", "import"],
                ["audit", "log"],
            ]
            for command in commands {
                let r = await CLI.run(db, command + ["--as", clerk])
                #expect(r.status == .forbidden, "\(command.joined(separator: " "))\n\(r)")
                #expect(r.stderr.hasPrefix("Error: Only "), "\(r)")
            }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    @Test func theActorComesFromAsOrSHINCHOKU_ACTOR() async throws {
        try await TestDatabase.withStandard { db in
            let viaEnvironment = await CLI.ok(
                db, ["period", "create", "2021Q3"], environment: ["SHINCHOKU_ACTOR": "admin"])
            #expect(viaEnvironment.stdout.contains("Created the period 2021Q3"))
            // --as wins over the environment.
            let refused = await CLI.run(
                db, ["period", "create", "2021Q4", "--as", "clerk-ports"], environment: ["SHINCHOKU_ACTOR": "admin"])
            #expect(refused.status == .forbidden)

            let unknown = await CLI.run(db, ["period", "create", "2021Q4", "--as", "nobody"])
            #expect(unknown.status == .forbidden)
            #expect(unknown.stderr == "Error: There is no account with the login \"nobody\".\n")

            let log = await CLI.ok(db, ["audit", "log", "--entity", "period", "--actor", "admin", "--as", "admin"])
            #expect(log.stdout.contains("period.create") && log.stdout.contains("2021Q3"))
        }
    }
}
