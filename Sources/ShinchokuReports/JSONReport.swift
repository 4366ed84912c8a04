import Foundation
import Shinchoku

/// A JSON value written by hand so that output is deterministic: sorted keys, explicit nulls, two-space
/// indentation, decimals as strings.
indirect enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }

    func serialized(indent: String = "") -> String {
        var out = ""
        write(to: &out, indent: indent)
        return out
    }

    /// Appends the serialization to `out`: one buffer for the whole document, however deep.
    func write(to out: inout String, indent: String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .string(let s): JSONValue.quote(s, to: &out)
        case .array(let items):
            guard !items.isEmpty else {
                out += "[]"
                return
            }
            let inner = indent + "  "
            out += "[\n"
            for (n, item) in items.enumerated() {
                if n > 0 { out += ",\n" }
                out += inner
                item.write(to: &out, indent: inner)
            }
            out += "\n" + indent + "]"
        case .object(let members):
            guard !members.isEmpty else {
                out += "{}"
                return
            }
            let inner = indent + "  "
            // Sorted by UTF-8 bytes, like JSONEncoder's .sortedKeys for ASCII keys.
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            out += "{\n"
            for (n, key) in keys.enumerated() {
                if n > 0 { out += ",\n" }
                out += inner
                JSONValue.quote(key, to: &out)
                out += ": "
                members[key]!.write(to: &out, indent: inner)
            }
            out += "\n" + indent + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = ""
        quote(s, to: &out)
        return out
    }

    static func quote(_ s: String, to out: inout String) {
        out += "\""
        // Runs of characters that need no escape are copied whole.
        let utf8 = s.utf8
        var run = utf8.startIndex
        var i = run
        while i != utf8.endIndex {
            let byte = utf8[i]
            let escape: String?
            var next = utf8.index(after: i)
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
            case 0xE2:
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
                let second = utf8.index(after: i)
                if second != utf8.endIndex, utf8[second] == 0x80 {
                    let third = utf8.index(after: second)
                    if third != utf8.endIndex, utf8[third] == 0xA8 || utf8[third] == 0xA9 {
                        escape = utf8[third] == 0xA8 ? "\\u2028" : "\\u2029"
                        next = utf8.index(after: third)
                        break
                    }
                }
                escape = nil
            default: escape = nil
            }
            if let escape {
                out += s[run..<i]
                out += escape
                run = next
            }
            i = next
        }
        out += s[run..<utf8.endIndex]
        out += "\""
    }
}

/// The JSON report: the assessment of every indicator at the report period, in plan order.
struct JSONReport {
    var data: ReportData
    var options: ReportOptions

    func render() -> String {
        let assessed = data.assessed(tolerance: options.tolerance)
        let root: JSONValue = .object([
            "period": .string(data.period.description),
            "as_of": .string(data.period.endDate.description),
            "plan_start_fiscal_year": .int(data.planStartFiscalYear),
            "include_pending": .bool(data.includePending),
            "tolerance": .string(CSVReport.decimalText(options.tolerance)),
            "projects": .array(assessed.map { project($0.project, $0.indicators) }),
            "corrections": corrections(),
            "audit_chain": data.auditChain.map { head in
                .object(["head": .string(head.hash), "events": .int(head.events)])
            } ?? .null,
        ])
        return root.serialized() + "\n"
    }

    private func project(
        _ p: ReportData.Project, _ indicators: [(ReportData.Indicator, IndicatorAssessment)]
    )
        -> JSONValue
    {
        .object([
            "code": .string(p.code),
            "title": .string(p.title),
            "subtitle": .string(p.subtitle),
            "program": .string(p.programName),
            "program_code": .string(p.programCode),
            "department": .string(p.departmentName),
            "department_code": .string(p.departmentCode),
            "target_heading": .string(p.targetHeading),
            "indicators": .array(indicators.map(indicator)),
            "narrative": p.narrative.map(narrative) ?? .null,
        ])
    }

    private func indicator(_ i: ReportData.Indicator, _ a: IndicatorAssessment) -> JSONValue {
        let actual = a.actual
        let previous = a.previous
        return .object(
            Self.provenance(actual).merging([
                "code": .string(i.code),
                "name": .string(i.name),
                "unit": .string(i.unit),
                "actual_unit": .optional(i.actualUnit),
                "kind": .string(i.kind.rawValue),
                "direction": .string(i.direction.rawValue),
                "baseline": .string(a.baseline.number?.text ?? CSVReport.decimalText(a.baseline.value)),
                "baseline_as_of": .optional(a.baseline.asOf?.description),
                "baseline_source": .string(a.baseline.source.rawValue),
                "target": .string(i.target.text),
                "target_fiscal_year": .int(i.targetFiscalYear),
                "target_qualifier": .optional(i.targetQualifier?.rawValue),
                "actual": .optional(actual?.value?.text),
                "actual_as_of": .optional(actual?.asOf.description),
                "actual_period": .optional(actual?.period.description),
                "actual_status": .optional(actual?.status.rawValue),
                "actual_note": .optional(actual?.note),
                "previous": .optional(previous?.value?.text),
                "previous_as_of": .optional(previous?.asOf.description),
                "achievement_rate": .optional(a.achievementRate.map(IndicatorAssessor.percentText)),
                "progress": .optional(a.progress.map(IndicatorAssessor.percentText)),
                "expected": .string(IndicatorAssessor.percentText(a.expected)),
                "status": .string(a.status.rawValue),
                "pending": .bool(actual.map { !$0.isApproved } ?? false),
            ]) { _, new in new })
    }

    private func narrative(_ n: ReportData.Narrative) -> JSONValue {
        .object([
            "progress": .optional(n.progress),
            "progress_hard": .optional(n.progressHard),
            "progress_soft": .optional(n.progressSoft),
            "outlook": .optional(n.outlook),
            "outlook_hard": .optional(n.outlookHard),
            "outlook_soft": .optional(n.outlookSoft),
            "pending": .bool(!n.isApproved),
        ])
    }
}
