import Foundation
import Shinchoku

/// A JSON value written by hand so that output is deterministic: sorted keys, explicit nulls, two-space
/// indentation, decimals as strings.
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    // Boxed: a JSONObject holds JSONValues (the other cases need no box, so they allocate nothing of their own).
    indirect case object(JSONObject)

    static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }

    func serialized() -> String {
        var out: [UInt8] = []
        write(to: &out, depth: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the UTF-8 serialization to `out`, indented two spaces per level from `depth`: one buffer for the whole
    /// document, however deep.
    func write(to out: inout [UInt8], depth: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .string(let s): JSONValue.quote(s, to: &out)
        case .array(let items):
            guard !items.isEmpty else {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, depth: depth + 1)
                item.write(to: &out, depth: depth + 1)
            }
            Self.newline(&out, depth: depth)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.members.isEmpty else {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            for (n, member) in object.members.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, depth: depth + 1)
                JSONValue.quote(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                out.append(UInt8(ascii: " "))
                member.value.write(to: &out, depth: depth + 1)
            }
            Self.newline(&out, depth: depth)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], depth: Int) {
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        quote(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `s` as a JSON string: `"` and `\` escaped, control characters as `\n`-style or `\u00XX` escapes, and
    /// U+2028 and U+2029 as `\u2028` and `\u2029` (so that the text is also valid JavaScript).
    static func quote(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            let n = utf8.count
            // Runs of bytes that need no escape are copied whole.
            var run = 0
            var i = 0
            while i < n {
                let byte = utf8[i]
                if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != 0xE2 {
                    i += 1
                    continue
                }
                var next = i + 1
                let escape: String?
                switch byte {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case UInt8(ascii: "\n"): escape = "\\n"
                case UInt8(ascii: "\r"): escape = "\\r"
                case UInt8(ascii: "\t"): escape = "\\t"
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                case 0..<0x20:
                    let hex = String(byte, radix: 16)
                    escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default:
                    // 0xE2: U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
                    if i + 2 < n, utf8[i + 1] == 0x80, utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9 {
                        escape = utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                        next = i + 3
                    } else {
                        escape = nil
                    }
                }
                if let escape {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                    out.append(contentsOf: escape.utf8)
                    run = next
                }
                i = next
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<n]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// The members of a JSON object in the order they are written: sorted by the UTF-8 bytes of their keys, like
/// JSONEncoder's `.sortedKeys` for ASCII keys. Built from a dictionary literal (or pairs) without hashing: a report
/// writes tens of thousands of objects, and the literals in this module already list their keys in order, which
/// the sort only checks.
struct JSONObject: Equatable, ExpressibleByDictionaryLiteral {
    private(set) var members: [(key: String, value: JSONValue)]

    init(_ pairs: [(key: String, value: JSONValue)]) {
        members = pairs
        if !zip(members, members.dropFirst()).allSatisfy({ Self.precedes($0.key, $1.key) }) {
            members.sort { Self.precedes($0.key, $1.key) }
            // A key given twice is a mistake in the code, as in a dictionary literal, which traps on it too.
            precondition(
                zip(members, members.dropFirst()).allSatisfy { $0.key != $1.key }, "a JSON object has a key twice")
        }
    }

    init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }

    static func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count
            && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// The JSON report: the assessment of every indicator at the report period, in plan order.
struct JSONReport {
    var data: ReportData
    var options: ReportOptions

    func render() -> String { String(decoding: renderBytes(), as: UTF8.self) }

    /// The report as UTF-8 bytes, ending with a newline.
    func renderBytes() -> [UInt8] {
        let assessed = data.assessed(tolerance: options.tolerance)
        let root: JSONValue = .object([
            "as_of": .string(data.period.endDate.description),
            "audit_chain": data.auditChain.map { head in
                .object(["events": .int(head.events), "head": .string(head.hash)])
            } ?? .null,
            "corrections": corrections(),
            "include_pending": .bool(data.includePending),
            "period": .string(data.period.description),
            "plan_start_fiscal_year": .int(data.planStartFiscalYear),
            "projects": .array(assessed.map { project($0.project, $0.indicators) }),
            "tolerance": .string(CSVReport.decimalText(options.tolerance)),
        ])
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        root.write(to: &out, depth: 0)
        out.append(UInt8(ascii: "\n"))
        return out
    }

    private func project(
        _ p: ReportData.Project, _ indicators: [(ReportData.Indicator, IndicatorAssessment)]
    )
        -> JSONValue
    {
        .object([
            "code": .string(p.code),
            "department": .string(p.departmentName),
            "department_code": .string(p.departmentCode),
            "indicators": .array(indicators.map(indicator)),
            "narrative": p.narrative.map(narrative) ?? .null,
            "program": .string(p.programName),
            "program_code": .string(p.programCode),
            "subtitle": .string(p.subtitle),
            "target_heading": .string(p.targetHeading),
            "title": .string(p.title),
        ])
    }

    private func indicator(_ i: ReportData.Indicator, _ a: IndicatorAssessment) -> JSONValue {
        let actual = a.actual
        let previous = a.previous
        let provenance = actual?.provenance
        // Keys in the order they are written (JSONObject checks it).
        return .object([
            "achievement_rate": .optional(a.achievementRate.map(IndicatorAssessor.percentText)),
            "actual": .optional(actual?.value?.text),
            "actual_as_of": .optional(actual?.asOf.description),
            "actual_note": .optional(actual?.note),
            "actual_period": .optional(actual?.period.description),
            "actual_status": .optional(actual?.status.rawValue),
            "actual_unit": .optional(i.actualUnit),
            "approved_at": .optional(ReportAppendix.time(provenance?.approvedAt)),
            "approved_by": .optional(provenance?.approvedBy),
            "baseline": .string(a.baseline.number?.text ?? CSVReport.decimalText(a.baseline.value)),
            "baseline_as_of": .optional(a.baseline.asOf?.description),
            "baseline_source": .string(a.baseline.source.rawValue),
            "code": .string(i.code),
            "direction": .string(i.direction.rawValue),
            "entered_by": .optional(provenance?.enteredBy),
            "expected": .string(IndicatorAssessor.percentText(a.expected)),
            "kind": .string(i.kind.rawValue),
            "name": .string(i.name),
            "pending": .bool(actual.map { !$0.isApproved } ?? false),
            "previous": .optional(previous?.value?.text),
            "previous_as_of": .optional(previous?.asOf.description),
            "progress": .optional(a.progress.map(IndicatorAssessor.percentText)),
            "status": .string(a.status.rawValue),
            "submitted_at": .optional(ReportAppendix.time(provenance?.submittedAt)),
            "target": .string(i.target.text),
            "target_fiscal_year": .int(i.targetFiscalYear),
            "target_qualifier": .optional(i.targetQualifier?.rawValue),
            "unit": .string(i.unit),
        ])
    }

    private func narrative(_ n: ReportData.Narrative) -> JSONValue {
        .object([
            "outlook": .optional(n.outlook),
            "outlook_hard": .optional(n.outlookHard),
            "outlook_soft": .optional(n.outlookSoft),
            "pending": .bool(!n.isApproved),
            "progress": .optional(n.progress),
            "progress_hard": .optional(n.progressHard),
            "progress_soft": .optional(n.progressSoft),
        ])
    }
}
