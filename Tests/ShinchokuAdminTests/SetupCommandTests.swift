import Foundation
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuAdmin

@Suite struct SetupCommandTests {
    @Test func migrateListsThenAppliesThenHasNothingToDo() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let n = try Migration.bundled().count
            let dry = await CLI.ok(db, ["migrate", "--dry-run"])
            #expect(dry.stdout.contains("Would apply \(n) migrations:\n  0001_plan.sql"))
            let before = await CLI.ok(db, ["status"])
            #expect(before.stdout.contains("0 applied, \(n) pending"))

            let applied = await CLI.ok(db, ["migrate"])
            #expect(applied.stdout.contains("Applied \(n) migrations:"))
            #expect(applied.stdout.contains("0005_roles_and_rls.sql"))
            #expect(applied.stdout.contains("0006_audit_chain.sql"))
            let again = await CLI.ok(db, ["migrate", "--json"])
            let json = try #require(try again.json() as? [String: Any])
            #expect((json["migrations"] as? [Any])?.isEmpty == true && json["dry_run"] as? Bool == false)
        }
    }

    @Test func statusCountsWhatTheDatabaseHolds() async throws {
        try await TestDatabase.withStandard { db in
            let r = await CLI.ok(db, ["status"])
            #expect(r.stdout.contains("reachable"))
            #expect(r.stdout.contains("Migrations:  \(try Migration.bundled().count) applied, none pending"))
            #expect(r.stdout.contains("Projects:    14"))
            #expect(r.stdout.contains("Indicators:  24"))
            #expect(r.stdout.contains("Periods:     3"))
            let json = try #require(try await CLI.ok(db, ["status", "--json"]).json() as? [String: Any])
            let counts = try #require(json["counts"] as? [String: Int])
            #expect(counts["users"] == 17 && counts["figures"] == 0 && counts["departments"] == 15)
        }
    }

    @Test func theFirstAdminIsBootstrappedWithoutAsAndOnlyOnce() async throws {
        try await TestDatabase.with { db in
            // The plan import is a setup command: no --as on an empty database.
            let plan = await CLI.ok(db, ["plan", "import"])
            #expect(plan.stdout.contains("14 projects, 24 indicators"))

            // A clerk first is refused: the first account is an admin.
            let clerkFirst = await CLI.run(
                db, ["user", "create", "--login", "yamada", "--name", "山田", "--role", "clerk", "--department", "ports"])
            #expect(clerkFirst.status == .forbidden, "\(clerkFirst)")

            let first = await CLI.ok(db, ["user", "create", "--login", "kanri", "--name", "管理者", "--role", "admin"])
            #expect(first.stdout.contains("Created the admin account kanri (管理者)."))
            let password = try #require(first.stdout.components(separatedBy: "hand it over safely): ").last)
            #expect(password.trimmingCharacters(in: .newlines).count >= 16)

            let second = await CLI.run(db, ["user", "create", "--login", "other", "--name", "別人", "--role", "admin"])
            #expect(second.status == .forbidden, "\(second)")
            #expect(second.stderr.hasPrefix("Error: "))
            #expect(second.stdout.isEmpty)

            // The bootstrap is audited, under "bootstrap".
            let log = await CLI.ok(db, ["audit", "log", "--entity", "user", "--as", "kanri"])
            #expect(log.stdout.contains("bootstrap") && log.stdout.contains("user.create"))
            #expect(log.stdout.contains("kanri"))
        }
    }

    @Test func planImportIsIdempotentAndRoundTripsWithExport() async throws {
        try await TestDatabase.withStandard { db in
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let file = folder.path("plan.json")
            let export = await CLI.ok(db, ["plan", "export", "--out", file, "--as", "admin"])
            #expect(export.stderr.contains("Wrote the plan (14 projects)"))
            let exported = try JSONDecoder.shinchoku.decode(
                PlanFile.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            let bundled = try PlanFile.bundled()
            #expect(exported.projects == bundled.projects && exported.programs == bundled.programs)
            #expect(Set(exported.departments.map(\.code)) == Set(bundled.departments.map(\.code)))

            let again = await CLI.ok(db, ["plan", "import", file, "--as", "admin", "--json"])
            let summary = try #require(try again.json() as? [String: Int])
            #expect(summary["created"] == 0 && summary["indicators"] == 24)

            // Export to standard output gives the same bytes.
            let stdout = await CLI.ok(db, ["plan", "export"])
            #expect(Data(stdout.stdout.utf8) == (try Data(contentsOf: URL(fileURLWithPath: file))))
        }
    }

    @Test func planShowListsEveryProjectAndItsIndicators() async throws {
        try await TestDatabase.withStandard { db in
            let table = await CLI.ok(db, ["plan", "show"])
            #expect(table.stdout.contains("14 projects, 24 indicators"))
            #expect(table.stdout.contains("企業の国際競争力強化に資する港湾の機能強化"))

            let json = try #require(try await CLI.ok(db, ["plan", "show", "--json"]).json() as? [[String: Any]])
            #expect(json.count == 14)
            let indicators = json.flatMap { ($0["indicators"] as? [[String: Any]]) ?? [] }
            #expect(indicators.count == 24)
            #expect(json[0]["code"] as? String == "1-1" && json[0]["title"] as? String != nil)
            #expect(indicators[0]["name"] as? String == "石炭共同輸送実施回数")
            #expect(indicators[0]["target"] as? String == "35")
            #expect(indicators[0].keys.contains("latest_actual"))
        }
    }

    @Test func demoDataThenPlanShowOfOneProjectMatchesItsGoldenFile() async throws {
        try await TestDatabase.with { db in
            let demo = await CLI.ok(db, ["demo-data"])
            #expect(demo.stdout.contains("Loaded the demo data: 14 projects, 24 indicators"))
            #expect(demo.stdout.contains("Accounts created: admin, ports"))

            let show = await CLI.ok(db, ["plan", "show", "1-1"])
            #expect(show.stdout.contains("石炭共同輸送実施回数"))
            #expect(show.stdout.contains("35回 (FY2023)"))
            #expect(show.stdout.contains("1回"))
            try Golden.check(show.stdout, "plan-show-1-1.txt")

            let json = try #require(try await CLI.ok(db, ["plan", "show", "1-1", "--json"]).json() as? [[String: Any]])
            let indicator = try #require((json.first?["indicators"] as? [[String: Any]])?.first)
            let latest = try #require(indicator["latest_actual"] as? [String: Any])
            #expect(latest["value"] as? String == "1" && latest["period"] as? String == "2021Q1")
            #expect(latest["state"] as? String == "approved")

            // Again: nothing more to load.
            let again = await CLI.ok(db, ["demo-data", "--json"])
            let summary = try #require(try again.json() as? [String: Any])
            #expect(summary["figures_loaded"] as? Int == 0)
        }
    }

    @Test func departmentsAreListedCreatedAndRenamed() async throws {
        try await TestDatabase.withStandard { db in
            let list = await CLI.ok(db, ["department", "list"])
            #expect(list.stdout.contains("planning"))
            #expect(list.stdout.contains("approving division"))

            let created = await CLI.ok(
                db, ["department", "create", "tourism", "--name", "観光スポーツ文化部 観光政策課", "--as", "admin"])
            #expect(created.stdout == "Created the department tourism (観光スポーツ文化部 観光政策課).\n")
            let renamed = await CLI.ok(db, ["department", "rename", "tourism", "--name", "観光政策課", "--as", "admin"])
            #expect(renamed.stdout.contains("Renamed the department tourism to 観光政策課."))
            let json = try #require(try await CLI.ok(db, ["department", "list", "--json"]).json() as? [[String: Any]])
            #expect(json.contains { $0["code"] as? String == "tourism" && $0["name"] as? String == "観光政策課" })

            let duplicate = await CLI.run(db, ["department", "create", "tourism", "--name", "x", "--as", "admin"])
            #expect(duplicate.status == .failure)
        }
    }

    @Test func projectAssignTransfersOwnershipWithAReason() async throws {
        try await TestDatabase.withStandard { db in
            let r = await CLI.ok(
                db, ["project", "assign", "1-2", "--department", "ports", "--reason", "組織改正", "--as", "admin"])
            #expect(r.stdout == "Project 1-2 now belongs to ports (土木建築部 港湾課).\n")
            let log = await CLI.ok(db, ["audit", "log", "--entity", "project", "--id", "1-2", "--as", "admin"])
            #expect(log.stdout.contains("project.assign") && log.stdout.contains("組織改正"))
        }
    }
}
