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
