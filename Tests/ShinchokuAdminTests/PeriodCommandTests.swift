import Foundation
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuAdmin

@Suite struct PeriodCommandTests {
    @Test func periodListMatchesItsGoldenFile() async throws {
        try await TestDatabase.withStandard { db in
            await CLI.ok(db, ["period", "create", "2021Q3", "--due", "2022-01-31", "--as", "admin"])
            let r = await CLI.ok(db, ["period", "list"])
            try Golden.check(r.stdout, "period-list.txt")
            let json = try #require(try await CLI.ok(db, ["period", "list", "--json"]).json() as? [[String: Any]])
            #expect(json.map { $0["code"] as? String } == ["2020Q4", "2021Q1", "2021Q2", "2021Q3"])
            #expect(json[3]["due_on"] as? String == "2022-01-31" && json[3]["state"] as? String == "planned")
        }
    }

    @Test func aPeriodGoesThroughItsLife() async throws {
        try await TestDatabase.withStandard { db in
            let created = await CLI.ok(db, ["period", "create", "2021Q3", "--due", "2022-01-31", "--as", "admin"])
            #expect(
                created.stdout == "Created the period 2021Q3 (2021-10-01 to 2021-12-31, due 2022-01-31), planned.\n")
            #expect(await CLI.ok(db, ["period", "open", "2021Q3", "--as", "admin"]).stdout.hasPrefix("Opened 2021Q3"))
            #expect(await CLI.ok(db, ["period", "close", "2021Q3", "--as", "admin"]).stdout == "Closed 2021Q3.\n")
            let today = Self.today()
            let extended = await CLI.ok(
                db,
                [
                    "period", "extend", "2021Q3", "--department", "ports", "--until", today.adding(days: 7).description,
                    "--reason", "統計公表の遅れ", "--as", "admin",
                ])
            #expect(extended.stdout.contains("ports may submit in 2021Q3 until"))
            let show = await CLI.ok(db, ["period", "show", "2021Q3"])
            #expect(show.stdout.contains("Extension:") && show.stdout.contains("統計公表の遅れ"))
            let reopened = await CLI.ok(db, ["period", "reopen", "2021Q3", "--reason", "数値訂正", "--as", "admin"])
            #expect(reopened.stdout == "Reopened 2021Q3.\n")
            #expect(await CLI.ok(db, ["period", "close", "2021Q3", "--as", "admin"]).stdout == "Closed 2021Q3.\n")
            #expect(await CLI.ok(db, ["period", "lock", "2021Q3", "--as", "admin"]).stdout == "Locked 2021Q3.\n")
            let final = await CLI.run(db, ["period", "reopen", "2021Q3", "--reason", "再訂正", "--as", "admin"])
            #expect(final.status == .failure && final.stderr.contains("locked period is final"), "\(final)")

            let log = await CLI.ok(
                db, ["audit", "log", "--entity", "period", "--id", "2021Q3", "--as", "admin", "--json"])
            let events = try #require(try log.json() as? [[String: Any]])
            #expect(
                events.map { $0["action"] as? String } == [
                    "period.create", "period.open", "period.close", "period.extend", "period.reopen", "period.close",
                    "period.lock",
                ])
            #expect(events[4]["reason"] as? String == "数値訂正")
        }
    }

    @Test func badPeriodsAndDatesAreUsageErrorsAClerkUnderstands() async throws {
        let cases: [([String], String)] = [
            (
                ["period", "open", "2021Q5"],
                "\"2021Q5\" is not a period: write the fiscal year and the quarter, such as 2021Q1"
            ),
            (["period", "create", "21Q1"], "is not a period"),
            (["period", "create", "2021Q1", "--due", "2021-02-30"], "--due \"2021-02-30\" is not a date"),
            (
                ["period", "extend", "2021Q1", "--department", "ports", "--until", "31/7/2021", "--reason", "x"],
                "is not a date"
            ),
            (["period", "reopen", "2021Q1", "--reason", " "], "--reason must not be empty"),
            (["period", "reopen", "2021Q1"], "Missing expected argument '--reason <reason>'"),
            (["report", "--period", "2021-Q1"], "is not a period"),
            (["audit", "log", "--since", "yesterday"], "--since \"yesterday\" is not a date"),
            (["user", "create", "--login", "x", "--name", "x", "--role", "boss"], "--role"),
            (["period", "open", "2021Q1", "extra"], "Unexpected argument 'extra'"),
        ]
        for (arguments, message) in cases {
            // No database: these fail before connecting.
            let r = await CLI.run(nil, arguments + ["--database-url", "postgresql://nobody@127.0.0.1:1/none"])
            #expect(r.status == .usage, "\(arguments)\n\(r)")
            #expect(r.stderr.contains(message), "\(arguments)\n\(r)")
            #expect(r.stderr.hasPrefix("Error: "), "\(r)")
        }
    }

    static func today() -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Tokyo")!
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        return CalendarDate(year: c.year!, month: c.month!, day: c.day!)!
    }
}
