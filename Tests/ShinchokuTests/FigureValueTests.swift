import Foundation
import LibPQ
import Shinchoku
import Testing

/// The one number grammar (issue 12 §1), without a database. That the API and the import read values through it
/// alike is checked in ShinchokuServerTests' NumberGrammarTests, on a real database.
@Suite("Figure value grammar")
struct FigureValueTests {
    static func value(_ text: String) -> String? {
        (try? FigureValue.parse(text))??.text
    }

    @Test(
        "The issue's examples and the grammar's choices read as exact decimals",
        arguments: [
            ("+5", "5"), ("1,234", "1234"), ("１７．４", "17.4"), (" 7", "7"), ("△1", "-1"), ("▲1", "-1"),
            ("7 ", "7"), ("\t7\u{3000}", "7"), ("１，２３４", "1234"), ("－３", "-3"), ("−3", "-3"), ("-3", "-3"),
            ("1,234,567.25", "1234567.25"), ("4.50", "4.50"), ("0", "0"), ("007", "7"), ("＋５", "5"),
            ("999999999999999", "999999999999999"), ("0.00000000000001", "0.00000000000001"),
        ])
    func accepted(_ example: (String, String)) {
        #expect(Self.value(example.0) == example.1, "\(example.0)")
    }

    @Test("Empty and blank text is no value")
    func blank() throws {
        #expect(try FigureValue.parse("") == nil)
        #expect(try FigureValue.parse("  \u{3000}") == nil)
    }

    @Test(
        "Everything else is refused with the field value and a message that says how to write it",
        arguments: [
            "1,23", "12,34,567", ",123", "1,,234", "1 234", ".5", "5.", "1e3", "abc", "+-5", "△-1", "++5", "1.2.3",
            "0x10", "NaN", "Infinity", "5%", "1,234.5,6", "١٢",
            // 38 digits: PostgreSQL would keep it, but reports could not compute its rates exactly.
            "12345678901234567890123456789012345678", "1234567890123456", "0.1234567890123456",
        ])
    func refused(_ text: String) {
        #expect(throws: FigureValue.Refusal.self, "\(text)") { try FigureValue.parse(text) }
        do {
            _ = try FigureValue.parse(text)
        } catch {
            #expect(error.field == "value")
            #expect(error.serviceError.fieldErrors == [.init(field: "value", message: error.message)])
            #expect(!error.message.isEmpty)
        }
    }

    @Test("Badly grouped digits and too many digits say so")
    func messages() {
        do {
            _ = try FigureValue.parse("1,23")
            Issue.record("accepted 1,23")
        } catch {
            #expect(
                error.message
                    == "\"1,23\" is not a number: commas must separate groups of three digits, as in 1,234,567")
        }
        do {
            _ = try FigureValue.parse("12345678901234567890123456789012345678")
            Issue.record("accepted 38 digits")
        } catch {
            #expect(error.message.contains("has 38 digits; a figure has at most 15"), "\(error.message)")
        }
    }
}

@Suite("Typed text rule")
struct TypedTextTests {
    @Test(
        "C0 controls but TAB and LF, DEL, a lone CR and the noncharacters U+FFFE and U+FFFF are refused",
        arguments: [0x00, 0x01, 0x08, 0x0B, 0x0C, 0x0D, 0x1B, 0x1F, 0x7F, 0xFFFE, 0xFFFF] as [UInt32])
    func refused(_ code: UInt32) {
        let text = "前\(Character(Unicode.Scalar(code)!))後"
        #expect(TypedText.problem(in: TypedText.normalized(text)) != nil, "U+\(String(code, radix: 16))")
        #expect(throws: ServiceError.invalid("note", TypedText.problem(in: TypedText.normalized(text))!)) {
            try TypedText.checked(text, field: "note")
        }
    }

    @Test("TAB, LF, Japanese text, emoji and C1 characters are kept; CRLF becomes LF")
    func kept() throws {
        for text in ["a\tb", "一行目\n二行目", "絵文字 👍🏽", "①②", "\u{3000}全角空白"] {
            #expect(TypedText.problem(in: text) == nil, "\(text)")
            #expect(try TypedText.checked(text, field: "note") == text)
        }
        #expect(try TypedText.checked("一行目\r\n二行目\r\n", field: "note") == "一行目\n二行目\n")
        #expect(TypedText.normalized("a\r\nb").unicodeScalars.count == 3)
    }

    @Test("The message names the character and where it is")
    func message() {
        #expect(
            TypedText.problem(in: "ab\u{0}")
                == "must not contain a NUL character (U+0000) (character 3); remove it and type the text again")
        #expect(TypedText.problem(in: "\u{1}")?.contains("U+0001") == true)
    }
}
