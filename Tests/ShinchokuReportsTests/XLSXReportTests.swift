import Foundation
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuReports

/// The xlsx report, read back with openpyxl (``XLSXReader``): what a spreadsheet sees.
@Suite("xlsx report")
struct XLSXReportTests {
    typealias F = Fixture

    static let numericColumns: Set<String> = [
        "value", "baseline", "target", "target_fiscal_year", "achievement_rate", "progress", "expected",
    ]

    /// RFC 4180 fields of the CSV report, without its byte order mark.
    static func csvRows(_ data: ReportData) -> [[String]] {
        var text = Substring(Report.text(data, options: ReportOptions(format: .csv))!)
        if text.first == "\u{FEFF}" { text = text.dropFirst() }
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if quoted {
                if c == "\"" {
                    let next = text.index(after: i)
                    if next < text.endIndex && text[next] == "\"" {
                        field.append("\"")
                        i = next
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\r\n" || c == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(c)
            }
            i = text.index(after: i)
        }
        return rows
    }

    @Test(
        "The seed report: the CSV's columns and values, numbers as numbers, dates as dates, a sheet per project",
        .enabled { await XLSXReader.shouldRun() })
    func seed() async throws {
        let data = try GoldenTests.data()
        let bytes = try await Report.bytes(data, options: ReportOptions(format: .xlsx))
        #expect(bytes.starts(with: Array("PK".utf8)))
        let book = try await XLSXReader.read(bytes)

        // Sheets: the indicators, then one per project, with valid and unique names.
        #expect(book.sheets.count == 1 + data.projects.count)
        #expect(book.sheets.first?.name == "指標")
        let names = book.sheets.map(\.name)
        #expect(Set(names.map { $0.lowercased() }).count == names.count)
        for name in names {
            #expect(name.utf16.count <= 31, "\(name)")
            #expect(!name.contains { "[]:*?/\\".contains($0) }, "\(name)")
        }
        for (sheet, project) in zip(book.sheets.dropFirst(), data.projects) {
            #expect(sheet.name.hasPrefix(project.code + " "), "\(sheet.name) for \(project.code)")
        }
        #expect(book.creator == "山口県")
        #expect(book.title?.contains("2021Q1") == true)

        // The indicator sheet holds the CSV, cell for cell.
        let csv = Self.csvRows(data)
        let sheet = try #require(book.sheet("指標"))
        #expect(sheet.freeze == "A2")
        #expect(sheet.rows.count == csv.count)
        #expect(sheet.rows.first?.map { $0.value ?? "" } == csv.first)
        #expect(csv.first == IndicatorTable.columns)
        let columns = csv[0]
        var numbers = 0
        var dates = 0
        var markers: Set<String> = []
        for (r, (cells, fields)) in zip(sheet.rows, csv).enumerated().dropFirst() {
            for (c, (cell, field)) in zip(cells, fields).enumerated() {
                let column = columns[c]
                let at = "row \(r + 1) \(column): \(cell) against \(field.debugDescription)"
                let status = fields[columns.firstIndex(of: "status")!]
                if column == "value", let marker = ["not_published": "未公表", "not_available": "－"][status] {
                    // The CSV leaves the value empty (its status says which); the workbook says it in text.
                    #expect(field.isEmpty, "\(at)")
                    #expect(cell.type == "str" && cell.value == marker, "\(at)")
                    markers.insert(marker)
                } else if field.isEmpty {
                    #expect(cell.type == "none", "\(at)")
                } else if column == "as_of" {
                    #expect(cell.type == "datetime", "\(at)")
                    #expect(cell.value == field + "T00:00:00", "\(at)")
                    #expect(cell.format == "yyyy-mm-dd", "\(at)")
                    dates += 1
                } else if Self.numericColumns.contains(column) {
                    #expect(cell.type == "int" || cell.type == "float", "\(at)")
                    let value = try #require(cell.value.flatMap { Decimal(string: $0) })
                    #expect(value == Decimal(string: field), "\(at)")
                    if column == "target_fiscal_year" { #expect(cell.format == "0", "\(at)") }
                    if column == "value", let scale = ExactDecimal(field)?.scale {
                        #expect(cell.format == "#,##0" + (scale > 0 ? "." + String(repeating: "0", count: scale) : ""))
                    }
                    numbers += 1
                } else {
                    #expect(cell.type == "str", "\(at)")
                    #expect(cell.value.map(SpreadsheetText.neutralized) == field, "\(at)")
                }
            }
        }
        #expect(numbers > 100)
        #expect(dates > 10)
        #expect(markers == ["未公表", "－"], "the seed has a 未公表 figure (2.1) and a － figure (7.2)")

        // Widths fit Japanese text: a wide character counts as two.
        let longestName = data.projects.flatMap(\.indicators).map { DisplayWidth.of($0.name) }.max() ?? 0
        #expect((sheet.widths["D"] ?? 0) >= Double(min(longestName, 60)))
        #expect((sheet.widths["D"] ?? 0) > Double(data.projects.flatMap(\.indicators).map(\.name.count).max() ?? 0))

        // A sheet per project with its narrative; split ones in ハード面 and ソフト面.
        var split = 0
        for (sheet, project) in zip(book.sheets.dropFirst(), data.projects) {
            let pairs = sheet.rows.dropFirst().map { ($0.first?.value ?? "", $0.dropFirst().first?.value ?? "") }
            let labels = pairs.map(\.0)
            #expect(pairs.contains { $0 == ("事業", project.code) }, "\(sheet.name)")
            #expect(pairs.contains { $0 == ("事業名", project.title) }, "\(sheet.name)")
            #expect(sheet.freeze == "A2")
            let n = try #require(project.narrative, "the seed has every project's narrative")
            if let hard = n.progressHard, !hard.isEmpty {
                split += 1
                #expect(pairs.contains { $0 == ("進捗状況（ハード面）", hard) }, "\(sheet.name)")
                #expect(pairs.contains { $0 == ("進捗状況（ソフト面）", n.progressSoft ?? "") }, "\(sheet.name)")
            }
            if let progress = n.progress, !progress.isEmpty {
                #expect(pairs.contains { $0 == ("進捗状況", progress) }, "\(sheet.name)")
            }
            if let outlook = n.outlook, !outlook.isEmpty {
                #expect(pairs.contains { $0 == ("今後の動向等", outlook) }, "\(sheet.name)")
            }
            #expect(labels.contains { $0.hasPrefix("今後の動向等") }, "\(sheet.name)")
        }
        #expect(split > 0, "the seed splits some narratives into ハード面 and ソフト面")
    }

    @Test(
        "未公表 and － are text, more than 15 significant digits are text with a note, repeated titles get distinct sheets",
        .enabled { await XLSXReader.shouldRun() })
    func edgeCases() async throws {
        let unpublished = F.indicator(
            code: "1-1.1",
            figures: [
                F.figure("2020Q4", nil, asOf: "2021-03-31", status: .notPublished),
                F.figure("2021Q1", nil, status: .notAvailable),
            ])
        let long = F.indicator(
            code: "1-2.1", name: "長い値", target: "1", figures: [F.figure("2021Q1", "1234567890.1234567")])
        let fifteen = F.indicator(
            code: "1-3.1", name: "15桁", target: "1",
            figures: [F.figure("2021Q1", "12345678901234.5", asOf: "2024-02-29")])
        let data = F.report([
            F.project(code: "1-1", indicators: [unpublished]),
            F.project(code: "1-2", indicators: [long]),
            F.project(code: "1-3", title: "[仮]:題名*?/\\" + String(repeating: "長", count: 40), indicators: [fifteen]),
        ])
        let book = try await XLSXReader.read(try await Report.bytes(data, options: ReportOptions(format: .xlsx)))
        let names = book.sheets.map(\.name)
        #expect(names.count == 4)
        #expect(Set(names).count == 4)
        #expect(names[1].hasPrefix("1-1 ") && names[2].hasPrefix("1-2 "))
        #expect(names[3].hasPrefix("1-3 _仮__題名"), "\(names[3])")
        #expect(names.allSatisfy { $0.utf16.count <= 31 })

        let sheet = try #require(book.sheet("指標"))
        let value = try #require(IndicatorTable.columns.firstIndex(of: "value"))
        let asOf = try #require(IndicatorTable.columns.firstIndex(of: "as_of"))
        let cells = sheet.rows.dropFirst().map { $0[value] }
        #expect(cells.count == 4)
        #expect(cells[0] == .init(type: "str", value: "未公表", format: "General", comment: nil))
        #expect(cells[1] == .init(type: "str", value: "－", format: "General", comment: nil))
        #expect(cells[2].type == "str")
        #expect(cells[2].value == "1234567890.1234567")
        #expect(cells[2].comment?.contains("15") == true)
        #expect(cells[3].type == "float")
        #expect(cells[3].value == "12345678901234.5")
        #expect(cells[3].comment == nil)
        // Leap day, and no 1900 off-by-one: the date reads back as the day it is.
        #expect(sheet.rows[4][asOf].value == "2024-02-29T00:00:00")
        #expect(sheet.rows[1][asOf].value == "2021-03-31T00:00:00")
    }

    @Test("Sheet names: code first, no forbidden characters, at most 31 characters, unique ignoring case")
    func sheetNames() {
        let title = "瀬戸内産業競争力・生産性強化プロジェクト"
        let a = XLSXReport.sheetName(code: "1-1", title: title, used: ["指標"])
        let b = XLSXReport.sheetName(code: "1-2", title: title, used: ["指標", a.lowercased()])
        #expect(a == "1-1 " + title)
        #expect(a != b)
        let long = XLSXReport.sheetName(code: "9-9", title: String(repeating: "𠮷", count: 40), used: [])
        #expect(long.utf16.count <= 31 && long.unicodeScalars.allSatisfy { $0 != "\u{FFFD}" })
        #expect(long.hasPrefix("9-9 𠮷"))
        let taken = XLSXReport.sheetName(code: "1-1", title: "a", used: ["1-1 a"])
        #expect(taken == "1-1 a (2)")
        let bad = XLSXReport.sheetName(code: "1/1", title: "a:b", used: [])
        #expect(bad == "1_1 a_b")
    }

    @Test("Significant digits decide between a number and text")
    func significantDigits() {
        #expect(XLSXReport.excelNumber(F.number("4.0")) == 4)
        #expect(XLSXReport.excelNumber(F.number("0.000000000000001")) == 1e-15)
        #expect(XLSXReport.excelNumber(F.number("123456789012345")) == 123_456_789_012_345)
        #expect(XLSXReport.excelNumber(F.number("1234567890123456")) == nil)
        #expect(XLSXReport.excelNumber(F.number("100000000000000000000")) == 1e20)
        #expect(XLSXReport.excelNumber(F.number("-1.23456789012345")) == -1.23456789012345)
        #expect(XLSXReport.excelNumber(F.number("1.234567890123456")) == nil)
    }

    @Test("libxlsxwriter's refusals become typed errors")
    func refusals() throws {
        let error = #expect(throws: XLSXError.self) {
            try withTemporaryFile(suffix: ".xlsx") { (path) throws(XLSXError) in
                let book = try XLSXWorkbook(path: path)
                _ = try book.addWorksheet("a/b")
            }
        }
        #expect(error?.kind == .create)
        #expect(error?.message.contains("a/b") == true)
        let close = #expect(throws: XLSXError.self) {
            let book = try XLSXWorkbook(path: "/nonexistent-directory/x.xlsx")
            _ = try book.addWorksheet("ok")
            try book.close()
        }
        #expect(close?.kind == .close)
    }
}
