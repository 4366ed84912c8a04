import Foundation
import LibPQ
import Testing

@testable import Shinchoku

/// The workflow's records are written to JSON without JSONEncoder (``PayloadJSONEncodable``); the audit trail and the
/// history must keep the very bytes JSONEncoder gave, which the audit chain hashes.
@Suite struct PayloadJSONTests {
    /// JSONEncoder as the audit trail configured it before the direct writer existed.
    static func reference(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func direct(_ value: some PayloadJSONEncodable) -> String {
        String(decoding: value.payloadJSON(), as: UTF8.self)
    }

    /// Every ASCII character, alone and in text, and text that is hard to escape.
    static let texts: [String?] = {
        var texts: [String?] = [
            nil, "", " ", "進捗は順調です。", "「工業団地」の分譲率は\"90%\"", #"C:\path\to\file"#, "a/b</script>",
            "1\r\n2\n3\t4",
        ]
        let ascii: [String] = (0..<0x80).map { String(UnicodeScalar(UInt8($0))) }
        texts += ascii.map { Optional($0) }
        texts.append(ascii.joined())
        let hard: [String] = [
            "\u{2028}\u{2029}", "\u{FEFF}BOM", "👩‍👩‍👧 絵文字", "e\u{301}", "\u{7F}\u{80}\u{9F}\u{A0}", "ｶﾀｶﾅ　全角スペース",
            String(repeating: "長", count: 3000),
        ]
        texts += hard.map { Optional($0) }
        return texts
    }()

    static let values: [ExactDecimal?] = [
        nil, ExactDecimal("0"), ExactDecimal("-0.50"), ExactDecimal("12345678901234567890.123456"), ExactDecimal("3"),
    ]

    @Test func figureContentAndAuditRecordsMatchJSONEncoder() throws {
        var checked = 0
        for (i, note) in Self.texts.enumerated() {
            for status in FigureStatus.allCases {
                let value = Self.values[i % Self.values.count]
                let asOf = CalendarDate(i % 2 == 0 ? "2021-06-30" : "2022-03-31")!
                let content = FigureContent(status: status, value: value, note: note, asOf: asOf)
                #expect(Self.direct(content) == (try Self.reference(content)))
                for state in WorkflowState.allCases {
                    let record = FigureAuditRecord(
                        status: status, value: value, note: note, asOf: asOf, state: state, version: i * 1000 + 1,
                        changedSinceApproval: i % 3 == 0)
                    #expect(Self.direct(record) == (try Self.reference(record)))
                    checked += 1
                }
            }
        }
        #expect(checked == Self.texts.count * FigureStatus.allCases.count * WorkflowState.allCases.count)
    }

    @Test func narrativeContentAndAuditRecordsMatchJSONEncoder() throws {
        let n = Self.texts.count
        for i in 0..<n {
            // Each field sees every text, and nil, over the loop.
            let t = { (k: Int) in Self.texts[(i + k * 7) % n] }
            let content = NarrativeContent(
                progress: t(0), progressHard: t(1), progressSoft: t(2), outlook: t(3), outlookHard: t(4),
                outlookSoft: t(5))
            #expect(Self.direct(content) == (try Self.reference(content)))
            let record = NarrativeAuditRecord(
                content: content, state: WorkflowState.allCases[i % 4], version: Int.max - i,
                changedSinceApproval: i % 2 == 0)
            #expect(Self.direct(record) == (try Self.reference(record)))
        }
        let empty = NarrativeAuditRecord(
            content: NarrativeContent(), state: .draft, version: 1, changedSinceApproval: false)
        #expect(Self.direct(empty) == (try Self.reference(empty)))
        #expect(Self.direct(empty) == #"{"changed_since_approval":false,"content":{},"state":"draft","version":1}"#)
    }

    @Test func theAuditTrailAndTheHistoryTakeTheDirectWriter() throws {
        let record = FigureAuditRecord(
            status: .reported, value: ExactDecimal("1.5"), note: "備考\n\"引用\"", asOf: CalendarDate("2021-06-30")!,
            state: .draft, version: 2, changedSinceApproval: true)
        #expect(try Audit.json(record)?.bytes == record.payloadJSON())
        let content = NarrativeContent(progress: "順調", outlookSoft: "a\\b")
        #expect(try WorkflowJSON.encode(content).bytes == content.payloadJSON())
        // Any other value still goes through JSONEncoder.
        #expect(try Audit.json(["request": 7])?.text == #"{"request":7}"#)
        #expect(try Audit.json(nil) == nil)
    }

    @Test func hexMatchesFormattedBytes() {
        let bytes = (0...255).map { UInt8($0) }
        #expect(Hex.string(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.string([]) == "")
        // sha256 of the token, by Python's hashlib.
        #expect(
            SessionToken.hash("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ")
                == "46a2199782c8827f0ac56f503be9d39efee97f40a736b92cc7d7c5f825cfd851")
    }
}
