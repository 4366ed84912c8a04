import Foundation
import Shinchoku
import Testing

@testable import ShinchokuReports

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("CSV formula injection and precision")
struct SpreadsheetTextTests {
    @Test(
        "Text starting with = + - @ TAB or CR gets a leading apostrophe; other text is unchanged",
        arguments: [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-3件", "'-3件"),
            ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("'quoted", "''quoted"),
            ("統計の公表は9月", "統計の公表は9月"), ("", ""), ("a=b", "a=b"),
        ])
    func neutralized(_ example: (String, String)) {
        #expect(SpreadsheetText.neutralized(example.0) == example.1)
        #expect(SpreadsheetText.restored(SpreadsheetText.neutralized(example.0)) == example.0)
    }

    @Test("A cell someone typed with one apostrophe before ordinary text is kept as typed")
    func restoredLeavesOrdinaryApostrophes() {
        #expect(SpreadsheetText.restored("'abc") == "'abc")
        #expect(SpreadsheetText.restored("''=x") == "'=x")
    }

    @Test("The CSV report neutralises plan text but keeps negative numbers as numbers")
    func csvReport() {
        let indicator = Fixture.indicator(
            name: "=HYPERLINK(\"http://x\")", unit: "-回", kind: .periodSum,
            figures: [Fixture.figure("2021Q1", "-5")])
        let csv = Fixture.rendered(Fixture.report([Fixture.project(indicators: [indicator])]), .csv)
        #expect(csv.contains(",\"'=HYPERLINK(\"\"http://x\"\")\",'-回,"), "\(csv)")
        #expect(!csv.contains(",=HYPERLINK"))
        // The value -5 is a number: no apostrophe.
        #expect(csv.contains(",2021Q1,reported,-5,"), "\(csv)")
    }

    @Test("Precision: the largest figure the grammar allows gives rates exact to the printed tenth")
    func precision() {
        // 999999999999999 ÷ 35 × 100 = 2857142857142854.2857…; (999999999999999 − 94) ÷ (105 − 94) × 100
        // = 9090909090908227.2727… (exact values from Python's decimal at 80 digits).
        let actual = Decimal(string: "999999999999999")!
        #expect(
            IndicatorAssessor.achievementRate(actual: actual, target: 35, direction: .increase).map(
                IndicatorAssessor.percentText) == "2857142857142854.3")
        #expect(
            IndicatorAssessor.progress(actual: actual, baseline: 94, target: 105).map(IndicatorAssessor.percentText)
                == "9090909090908227.3")
        #expect(FigureValue.maximumDigits == 15)
        #expect(throws: FigureValue.Refusal.self) { try FigureValue.parse("12345678901234567890123456789012345678") }
    }
}

@Suite("HTML report and control characters")
struct HTMLControlCharacterTests {
    @Test("A control character that reached the data (a plan file, old data) still gives well-formed XML")
    func htmlStaysXML() throws {
        let indicator = Fixture.indicator(
            kind: .periodSum, figures: [Fixture.figure("2021Q1", nil, status: .notPublished, note: "公表\u{1}予定\u{7F}")])
        let html = Fixture.rendered(Fixture.report([Fixture.project(indicators: [indicator])]), .html)
        #expect(!html.unicodeScalars.contains { $0.value == 1 || $0.value == 0x7F })
        #expect(html.contains("公表\u{FFFD}予定\u{FFFD}"))
        let parser = XMLParser(data: Data(html.utf8))
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
    }
}
