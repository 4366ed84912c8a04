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

    @Test func numbersGoThroughTheOneGrammar() throws {
        func value(_ text: String) throws -> ExactDecimal? {
            try FigureCSV.row(2, ["indicator": "1-1.1", "value": text]).get().input.value
        }
        #expect(try value("12") == ExactDecimal("12"))
        #expect(try value("4.50") == ExactDecimal("4.50"))
        #expect(try value("１２．５") == ExactDecimal("12.5"))
        #expect(try value("1,234") == ExactDecimal("1234"))
        #expect(try value("+5") == ExactDecimal("5"))
        #expect(try value("△3") == ExactDecimal("-3"))
        for bad in ["12,34", "abc", "1e3"] {
            guard case .failure(let e) = FigureCSV.row(2, ["indicator": "1-1.1", "value": bad]) else {
                Issue.record("\(bad) was accepted")
                continue
            }
            #expect(e.errors.map(\.field) == ["value"])
        }
    }

    @Test("A file that is not UTF-8 names the line of its first byte that is not")
    func notUTF8NamesTheLine() {
        // 「あ」 in CP932 (Shift_JIS) is 82 A0, which is no UTF-8.
        var data = Data("indicator,value,status,note\r\n1-1.1,1,,ok\r\n".utf8)
        data += Data([0x31, 0x2D, 0x32, 0x2E, 0x31, 0x2C, 0x32, 0x2C, 0x2C, 0x82, 0xA0, 0x0D, 0x0A])
        #expect(throws: CSV.SyntaxError.self) { try CSV.parse(data) }
        #expect(CSV.firstLineNotUTF8(data) == 3)
        #expect(CSV.firstLineNotUTF8(Data([0x82, 0xA0])) == 1)
        do {
            _ = try CSV.parse(data)
        } catch let e as CSV.SyntaxError {
            #expect(e.line == 3)
        } catch {
            Issue.record("\(error)")
        }
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
