import ArgumentParser
import LibPQ
import Shinchoku
import Testing

@testable import ShinchokuAdmin

@Suite struct ExitStatusTests {
    @Test func serviceErrorsMapToSysexits() {
        let cases: [(ServiceError, AdminExitStatus)] = [
            (.invalid("name", "must not be empty"), .invalidData),
            (ServiceError(.unavailable, "down"), .unavailable),
            (.forbidden("no"), .forbidden),
            (.unauthenticated("who?"), .forbidden),
            (.notFound("none"), .failure),
            (.conflict("twice"), .failure),
            (.periodNotOpen("closed"), .failure),
            (ServiceError(.throttled, "wait"), .temporaryFailure),
        ]
        for (error, status) in cases {
            #expect(Admin.report(for: error).status == status, "\(error.code)")
        }
    }

    @Test func fieldErrorsAreListedOnePerLine() {
        let error = ServiceError.invalid([
            .init(field: "line 3, value", message: "must not be negative"),
            .init(field: "line 9", message: "There is no indicator 9.9 in the plan."),
        ])
        #expect(
            Admin.report(for: error).lines == [
                "Error: The input is invalid.", "  line 3, value: must not be negative",
                "  line 9: There is no indicator 9.9 in the plan.",
            ])
    }

    /// The service names no flags (HTTP clients read its messages); the CLI adds its own, as it always printed them.
    @Test func remediesGetTheCLIsHints() {
        let cases: [(ServiceError, String)] = [
            (
                .forbidden("Only admin accounts may create periods: say who you are.", remedy: .nameActingUser),
                "Error: Only admin accounts may create periods: say who you are with --as LOGIN."
            ),
            (
                .forbidden("The database has no admin yet: create one first.", remedy: .createFirstAdmin),
                "Error: The database has no admin yet: create one first (user create --role admin); only that is"
                    + " allowed without --as."
            ),
            (
                .forbidden(
                    "The database has no admin yet: the first account must be an admin.", remedy: .firstAccountIsAdmin),
                "Error: The database has no admin yet: the first account must be an admin (user create --role admin)."
            ),
            (
                .forbidden("This database has its own admins.", remedy: .actAsExistingAdmin),
                "Error: This database has its own admins; run demo-data with --as LOGIN (an admin account), or use an"
                    + " empty database."
            ),
            (
                .notFound("No plan has been imported yet.", remedy: .importPlan),
                "Error: No plan has been imported yet. Run: shinchoku-admin plan import"
            ),
            (.forbidden("Only admin accounts may create periods."), "Error: Only admin accounts may create periods."),
        ]
        for (error, line) in cases {
            #expect(Admin.report(for: error).lines == [line])
            #expect(!error.message.contains("--"))
        }
    }

    @Test func connectionFailuresAreUnavailable() {
        var e = PostgresError(kind: .connection, message: "connection to server failed: Connection refused\n")
        #expect(Admin.report(for: e).status == .unavailable)
        #expect(Admin.report(for: e).lines.first?.contains("Connection refused") == true)
        e = PostgresError(kind: .poolTimeout, message: "no connection")
        #expect(Admin.report(for: e).status == .unavailable)
        #expect(Admin.report(for: PostgresError(kind: .server)).status == .failure)
    }

    @Test func argumentErrorsAreUsageErrors() {
        #expect(Admin.report(for: ValidationError("bad")).status == .usage)
        do {
            _ = try Admin.parseAsRoot(["period", "open"])
            Issue.record("parsed without the period")
        } catch {
            #expect(Admin.report(for: error).status == .usage)
        }
    }

    @Test func sharedOptionsGoBeforeOrAfterTheSubcommand() throws {
        let after = try Admin.parseAsRoot(["period", "open", "2021Q1", "--as", "admin", "--json"])
        let open = try #require(after as? Admin.Period.Open)
        #expect(open.options.actingLogin == "admin" && open.options.json && open.period == "2021Q1")
    }
}

@Suite struct SharedOptionPlacementTests {
    @Test func optionsBeforeTheSubcommandMoveAfterIt() throws {
        #expect(
            SharedOptions.movedAfterSubcommand(["--as", "admin", "--json", "period", "open", "2021Q1"])
                == ["period", "open", "2021Q1", "--as", "admin", "--json"])
        #expect(
            SharedOptions.movedAfterSubcommand(["--database-url=x", "status"]) == ["status", "--database-url=x"])
        #expect(
            SharedOptions.movedAfterSubcommand(["period", "open", "--as", "a"]) == ["period", "open", "--as", "a"])
        #expect(SharedOptions.movedAfterSubcommand(["--as"]) == ["--as"])
        let parsed = try Admin.parseAsRoot(
            SharedOptions.movedAfterSubcommand(["--as", "admin", "period", "lock", "2021Q1"]))
        #expect((parsed as? Admin.Period.Lock)?.options.actingLogin == "admin")
    }
}
