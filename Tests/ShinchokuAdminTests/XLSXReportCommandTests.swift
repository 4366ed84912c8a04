import Foundation
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuAdmin

@Suite("report --format xlsx")
struct XLSXReportCommandTests {
    @Test("writes an Excel workbook to --out, and refuses standard output")
    func xlsx() async throws {
        try await TestDatabase.with { db in
            await CLI.ok(db, ["demo-data"])
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let out = folder.path("2021Q1.xlsx")
            let r = await CLI.ok(db, ["report", "--period", "2021Q1", "--format", "xlsx", "--out", out])
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.contains("Wrote the xlsx report as of 2021Q1 to \(out)."))
            // Like the CSV, the workbook is a data table: the audit chain's head goes to standard error.
            #expect(r.stderr.contains("Audit chain head as of this report:"))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
            #expect(bytes.starts(with: Array("PK".utf8)))
            if await XLSXReader.shouldRun() {
                let book = try await XLSXReader.read(bytes)
                #expect(book.sheets.first?.name == "指標")
                #expect(book.sheets.count > 10)
                let header = book.sheets.first?.rows.first?.map(\.value)
                #expect(header?.first == "report_period")
            }

            // Without --out: a usage error that says what to do, and nothing written.
            let refused = await CLI.run(db, ["report", "--period", "2021Q1", "--format", "xlsx"])
            #expect(refused.status == .usage)
            #expect(refused.stderr.contains("--out"), "\(refused)")
            #expect(refused.stdout.isEmpty)
        }
    }
}
