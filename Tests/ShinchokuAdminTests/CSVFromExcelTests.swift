import Foundation
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuAdmin

/// Issue 12 §6: CSV files from and for Excel.
@Suite struct CSVFromExcelTests {
    let ports = Fixtures.clerk("ports")
    let water = Fixtures.clerk("water")
    let period = PeriodCode("2021Q1")!

    @Test("A CP932 file is refused naming the line of its first byte that is not UTF-8; nothing changes")
    func cp932NamesTheLine() async throws {
        try await TestDatabase.withStandard { db in
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let file = folder.path("sjis.csv")
            // Lines 1 and 2 are ASCII; line 3's note is 「あ」 in CP932 (82 A0).
            var data = Data("indicator,value,status,note\r\n1-1.1,1,,\r\n".utf8)
            data += Data("1-1.2,2,,".utf8) + Data([0x82, 0xA0]) + Data("\r\n".utf8)
            try data.write(to: URL(fileURLWithPath: file))
            let before = try await Fixtures.snapshot(db)
            let r = await CLI.run(db, ["figures", "import", file, "--period", "2021Q1", "--as", ports])
            #expect(r.status == .invalidData, "\(r)")
            #expect(r.stderr.contains("line 3: the file is not UTF-8 from this line on"), "\(r)")
            #expect(!r.stderr.contains("line 1:"), "\(r)")
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    @Test("Excel's empty trailing columns (indicator,value,status,note,,) are ignored")
    func emptyTrailingColumns() async throws {
        try await TestDatabase.withStandard { db in
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let file = try folder.write("excel.csv", "indicator,value,status,note,,\r\n1-1.1,1,,共同輸送1回,,\r\n,,,,,\r\n")
            let r = await CLI.ok(db, ["figures", "import", file, "--period", "2021Q1", "--as", ports])
            #expect(r.stdout.contains("1 figure saved"), "\(r)")
            let saved = try await db.service().figure(period: period, indicator: "1-1.1", as: .login(ports))
            #expect(saved.value == ExactDecimal("1") && saved.note == "共同輸送1回")
            // A non-empty cell under an empty header is still an error, not silently dropped.
            let extra = try folder.write("extra.csv", "indicator,value,status,note,,\r\n1-1.1,2,,x,,oops\r\n")
            let refused = await CLI.run(db, ["figures", "import", extra, "--period", "2021Q1", "--as", ports])
            #expect(refused.status == .invalidData && refused.stderr.contains("has 6 fields"), "\(refused)")
        }
    }

    @Test("An export of every department imports back: unchanged rows of other departments are skipped")
    func exportWithoutDepartmentRoundTrips() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            _ = try await service.saveFigure(
                period: period, indicator: "1-1.1", input: FigureInput(value: ExactDecimal("1")), as: .login(ports))
            _ = try await service.saveFigure(
                period: period, indicator: "1-2.1",
                input: FigureInput(value: ExactDecimal("4.0"), note: "=HYPERLINK(\"http://x\")"),
                as: .login(water))
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let exported = folder.path("all.csv")
            await CLI.ok(db, ["figures", "export", "--period", "2021Q1", "--out", exported])
            let text = String(
                decoding: try Data(contentsOf: URL(fileURLWithPath: exported)).dropFirst(3), as: UTF8.self)
            // The note is no formula in Excel; the number stays a number.
            #expect(text.contains("1-2.1,4.0,reported,\"'=HYPERLINK(\"\"http://x\"\")\",draft,1,"), "\(text)")

            let before = try await Fixtures.snapshot(db)
            for clerk in [ports, water] {
                let r = await CLI.ok(db, ["figures", "import", exported, "--period", "2021Q1", "--as", clerk])
                #expect(r.stdout.contains("0 figures saved, 2 unchanged"), "\(clerk): \(r)")
            }
            #expect(try await Fixtures.snapshot(db) == before)

            // A changed row of one's own department is saved; the other department's rows stay skipped.
            let changed = try folder.write("changed.csv", text.replacingOccurrences(of: "1-1.1,1,", with: "1-1.1,2,"))
            let saved = await CLI.ok(db, ["figures", "import", changed, "--period", "2021Q1", "--as", ports])
            #expect(saved.stdout.contains("1 figure saved, 1 unchanged"), "\(saved)")
            // A changed row of another department is still refused.
            let other = try folder.write("other.csv", text.replacingOccurrences(of: "1-2.1,4.0,", with: "1-2.1,5.0,"))
            let forbidden = await CLI.run(db, ["figures", "import", other, "--period", "2021Q1", "--as", ports])
            #expect(forbidden.status == .forbidden, "\(forbidden)")
            #expect(
                try await service.figure(period: period, indicator: "1-2.1", as: .login(water)).note
                    == "=HYPERLINK(\"http://x\")")
        }
    }

    @Test("The exit status follows one precedence, 77 over 1 over 65, whatever the order of the rows")
    func exitStatusIndependentOfRowOrder() async throws {
        try await TestDatabase.withStandard { db in
            let roads = Fixtures.clerk("roads")
            _ = try await db.service().saveFigure(
                period: period, indicator: "1-3.1", input: FigureInput(value: ExactDecimal("1.0")), as: .login(roads))
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let badValue = "1-3.2,1.5,,,,"  // invalid: a count with decimals
            let forbidden = "1-1.1,3,,,,"  // ports' indicator
            let conflict = "1-3.1,3.0,,,7,"  // the figure is at version 1, not 7
            let cases: [([String], AdminExitStatus)] = [
                ([badValue, forbidden, conflict], .forbidden), ([conflict, forbidden, badValue], .forbidden),
                ([forbidden, badValue], .forbidden), ([badValue, forbidden], .forbidden),
                ([badValue, conflict], .failure), ([conflict, badValue], .failure),
            ]
            let before = try await Fixtures.snapshot(db)
            for (n, (rows, status)) in cases.enumerated() {
                let file = try folder.write(
                    "\(n).csv", (["indicator,value,status,note,version,as_of"] + rows).joined(separator: "\n") + "\n")
                let r = await CLI.run(db, ["figures", "import", file, "--period", "2021Q1", "--as", roads])
                #expect(r.status == status, "\(rows): \(r)")
                #expect(r.stderr.contains("rows have errors"), "\(r)")
            }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }
}
