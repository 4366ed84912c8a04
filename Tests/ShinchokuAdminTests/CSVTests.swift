import Foundation
import Shinchoku
import Testing

@testable import ShinchokuAdmin

@Suite struct CSVTests {
    @Test func parsesQuotedFieldsAndKeepsLineNumbers() throws {
        let text = "a,b,c\r\n1,\"two, with comma\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",x,\n\nlast,,\"\""
        let records = try CSV.parse(text)
        #expect(records.map(\.line) == [1, 2, 3, 6])
        #expect(records[1].fields == ["1", "two, with comma", "say \"hi\""])
        #expect(records[2].fields == ["multi\nline", "x", ""])
        #expect(records[3].fields == ["last", "", ""])
    }

    @Test func acceptsAByteOrderMarkAndNoFinalLineBreak() throws {
        let data = Data([0xEF, 0xBB, 0xBF]) + Data("indicator,value\n1-1.1,1".utf8)
        let records = try CSV.parse(data)
        #expect(records.first?.fields == ["indicator", "value"])
        #expect(records.last?.fields == ["1-1.1", "1"])
    }

    @Test func rejectsWhatIsNotCSV() {
        #expect(throws: CSV.SyntaxError(line: 2, message: "a quoted field is not closed")) {
            try CSV.parse("a\n\"open,b\n")
        }
        #expect(throws: CSV.SyntaxError.self) { try CSV.parse("a,b\"c\n") }
        #expect(throws: CSV.SyntaxError.self) { try CSV.parse("\"a\"b\n") }
        // Shift_JIS, as Excel saves "CSV" by default.
        #expect(throws: CSV.SyntaxError.self) { try CSV.parse(Data([0x82, 0xA0, 0x2C, 0x31])) }
    }

    @Test func writesWhatItReads() throws {
        let rows = [["indicator", "note"], ["1-1.1", "桟橋, \"新設\"\n2行目"], ["1-2.1", ""]]
        let text = CSV.write(rows)
        #expect(text.hasSuffix("\r\n"))
        #expect(try CSV.parse(text).map(\.fields) == rows)
    }

    @Test func numbersAsSpreadsheetsWriteThem() {
        #expect(FigureCSV.number("12") == ExactDecimal("12"))
        #expect(FigureCSV.number("4.50") == ExactDecimal("4.50"))
        #expect(FigureCSV.number("１２．５") == ExactDecimal("12.5"))
        #expect(FigureCSV.number("1,234") == ExactDecimal("1234"))
        #expect(FigureCSV.number("-3") == ExactDecimal("-3"))
        #expect(FigureCSV.number("12,34") == nil)
        #expect(FigureCSV.number("abc") == nil)
        #expect(FigureCSV.number("1e3") == nil)
    }

    @Test func aRowBecomesAnImportRowOrFieldErrors() throws {
        let good = FigureCSV.row(
            3, ["indicator": " 1-1.1 ", "value": "", "status": "未公表", "note": "統計未公表", "version": "2"])
        let row = try good.get()
        #expect(row.line == 3 && row.indicator == "1-1.1")
        #expect(row.input == FigureInput(value: nil, status: .notPublished, note: "統計未公表", version: 2))

        guard
            case .failure(let bad) = FigureCSV.row(
                7, ["indicator": "", "value": "x", "status": "done", "as_of": "2021/7/31"])
        else {
            Issue.record("a bad row was accepted")
            return
        }
        #expect(bad.errors.map(\.field) == ["indicator", "status", "value", "as_of"])
        #expect(bad.errors.allSatisfy { $0.line == 7 })
    }
}
