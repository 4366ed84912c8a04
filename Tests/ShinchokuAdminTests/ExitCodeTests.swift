import ArgumentParser
import Foundation
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuAdmin

/// Every exit status, end to end.
@Suite struct ExitCodeTests {
    @Test func zeroOnSuccess() async throws {
        try await TestDatabase.with { db in
            #expect(await CLI.run(db, ["status"]).status == .success)
        }
    }

    @Test func sixtyFourForUsageErrors() async {
        let r = await CLI.run(nil, ["period", "open"])
        #expect(r.status == .usage && r.status.rawValue == 64)
        #expect(r.stderr.contains("Missing expected argument '<period>'"))
    }

    @Test func sixtyFiveForInvalidData() async throws {
        try await TestDatabase.withStandard { db in
            let invalid = await CLI.run(db, ["department", "create", "Bad Code", "--name", "x", "--as", "admin"])
            #expect(invalid.status.rawValue == 65, "\(invalid)")
            #expect(invalid.stderr.hasPrefix("Error: The input is invalid.\n  code: must be 2–32 lower-case letters"))

            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let plan = try folder.write("plan.json", #"{"format": "shinchoku-plan/1", "title": "x"}"#)
            let badPlan = await CLI.run(db, ["plan", "import", plan, "--as", "admin"])
            #expect(badPlan.status == .invalidData, "\(badPlan)")
            #expect(badPlan.stderr.contains("is not a plan file: plan_start_fiscal_year is missing."), "\(badPlan)")
        }
    }

    @Test func sixtySixForAMissingInputFile() async throws {
        try await TestDatabase.with { db in
            let r = await CLI.run(db, ["plan", "import", "/nonexistent/plan.json"])
            #expect(r.status.rawValue == 66)
            #expect(r.stderr == "Error: Cannot read /nonexistent/plan.json: no such file.\n")
        }
    }

    @Test func sixtyNineWhenTheDatabaseCannotBeReached() async {
        let r = await CLI.run(
            nil, ["status", "--database-url", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"])
        #expect(r.status.rawValue == 69, "\(r)")
        #expect(r.stderr.hasPrefix("Error: The database is unavailable ("), "\(r)")
        #expect(r.stderr.hasSuffix("check --database-url, DATABASE_URL or the PG* variables.\n"))
        // DATABASE_URL is used without --database-url.
        let viaEnvironment = await CLI.run(
            nil, ["period", "list"], environment: ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"])
        #expect(viaEnvironment.status == .unavailable)
    }

    @Test func seventyThreeWhenAnOutputFileCannotBeWritten() async throws {
        try await TestDatabase.withStandard { db in
            let r = await CLI.run(db, ["plan", "export", "--out", "/nonexistent/dir/plan.json"])
            #expect(r.status.rawValue == 73, "\(r)")
            #expect(r.stderr.hasPrefix("Error: Cannot write /nonexistent/dir/plan.json"))
        }
    }

    @Test func seventySevenWhenNotAllowed() async throws {
        try await TestDatabase.withStandard { db in
            let clerk = await CLI.run(db, ["period", "lock", "2020Q4", "--as", Fixtures.clerk("ports")])
            #expect(clerk.status.rawValue == 77)
            let nobody = await CLI.run(db, ["period", "lock", "2020Q4", "--as", "nobody"])
            #expect(nobody.status.rawValue == 77)
            // Without --as, once an admin exists: read-only.
            let local = await CLI.run(db, ["period", "lock", "2020Q4"])
            #expect(local.status.rawValue == 77)
            #expect(local.stderr.contains("--as LOGIN"), "\(local)")
        }
    }

    @Test func oneForNotFoundAndConflicts() async throws {
        try await TestDatabase.withStandard { db in
            let missing = await CLI.run(db, ["user", "disable", "nosuch", "--as", "admin"])
            #expect(missing.status.rawValue == 1)
            #expect(missing.stderr == "Error: There is no account with the login nosuch.\n")
            let conflict = await CLI.run(db, ["period", "open", "2021Q1", "--as", "admin"])
            #expect(conflict.status.rawValue == 1)
            #expect(conflict.stderr == "Error: 2021Q1 is open already.\n")
        }
    }

    @Test func helpAndCompletionScriptsExitZeroOnStandardOutput() async {
        let help = await CLI.run(nil, ["period", "open", "--help"])
        #expect(help.status == .success && help.stderr.isEmpty)
        #expect(help.stdout.contains("shinchoku-admin period open 2021Q1 --as admin"))
        let script = await CLI.run(nil, ["--generate-completion-script", "bash"])
        #expect(script.status == .success)
        #expect(script.stdout.contains("_shinchoku-admin"))
    }

    @Test func everyCommandsHelpHasAnExample() {
        func visit(_ command: any ParsableCommand.Type, _ path: [String]) {
            let config = command.configuration
            #expect(config.discussion.contains("Example"), "\(path.joined(separator: " ")) has no example")
            #expect(!config.abstract.isEmpty, "\(path.joined(separator: " ")) has no abstract")
            for sub in config.subcommands {
                visit(sub, path + [sub._commandName])
            }
        }
        visit(Admin.self, ["shinchoku-admin"])
    }
}
