import Foundation
import Shinchoku
import ShinchokuReports
import TestSupport
import Testing

@testable import ShinchokuAdmin

@Suite struct PublicationCommandTests {
    @Test("period status prints a table aligned by display width, and --json the same data")
    func status() async throws {
        try await TestDatabase.withStandard { db in
            try await PublicationFixtures.approveAll(db, WorkflowFixtures.q1)
            await CLI.ok(
                db, ["period", "excuse", "2021Q1", "--indicator", "1-1.1", "--reason", "年1回の集計", "--as", "approver"])
            let r = await CLI.ok(db, ["period", "status", "2021Q1"])
            let lines = r.stdout.split(separator: "\n").map(String.init)
            #expect(
                lines.first == "2021Q1: complete (0 missing, 0 draft, 0 submitted, 0 returned, 37 approved, 1 excused)")
            let header = try #require(lines.first { $0.hasPrefix("DEPARTMENT") })
            let stateColumn = DisplayWidth.of(String(header[..<header.range(of: "STATE")!.lowerBound]))
            let row = try #require(lines.first { $0.contains("1-1.1") })
            let prefix = row.range(of: "excused").map { String(row[..<$0.lowerBound]) } ?? ""
            #expect(DisplayWidth.of(prefix) == stateColumn, "columns align by display width:\n\(r.stdout)")
            #expect(row.contains("年1回の集計"))

            let json = try #require(
                try await CLI.ok(db, ["period", "status", "2021Q1", "--json"]).json() as? [String: Any])
            #expect(json["complete"] as? Bool == true)
            #expect((json["counts"] as? [String: Any])?["excused"] as? Int == 1)

            let refused = await CLI.run(
                db, ["period", "unexcuse", "2021Q1", "--indicator", "1-1.1", "--as", "clerk-ports"])
            #expect(refused.status != .success)
            await CLI.ok(db, ["period", "unexcuse", "2021Q1", "--indicator", "1-1.1", "--as", "approver"])
            let again = await CLI.ok(db, ["period", "status", "2021Q1", "--json"])
            #expect((try again.json() as? [String: Any])?["complete"] as? Bool == false)
        }
    }

    @Test("period publish needs an approver and a reason, and publishes the next edition at once")
    func publish() async throws {
        try await TestDatabase.withStandard { db in
            let noReason = await CLI.run(db, ["period", "publish", "2021Q1", "--as", "approver"])
            #expect(noReason.status == .usage)
            let clerk = await CLI.run(db, ["period", "publish", "2021Q1", "--reason", "手動", "--as", "clerk-ports"])
            #expect(clerk.status != .success)
            let none = try await PublicationFixtures.editions(db, WorkflowFixtures.q1)
            #expect(none.isEmpty)
            let r = await CLI.ok(db, ["period", "publish", "2021Q1", "--reason", "免除を除き承認済み", "--as", "approver"])
            #expect(r.stdout == "Published 2021Q1 edition 1 (第1版).\n")
            let editions = try await PublicationFixtures.editions(db, WorkflowFixtures.q1)
            #expect(editions[1]?.keys.sorted() == ["csv", "html", "json", "md", "xlsx"])
        }
    }
}
