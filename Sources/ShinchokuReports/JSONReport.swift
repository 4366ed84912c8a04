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
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .string(let s): return JSONValue.quote(s)
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            let inner = indent + "  "
            return "[\n" + items.map { inner + $0.serialized(indent: inner) }.joined(separator: ",\n")
                + "\n"
                + indent + "]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            let inner = indent + "  "
            // Sorted by UTF-8 bytes, like JSONEncoder's .sortedKeys for ASCII keys.
            let keys = members.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            return "{\n"
                + keys.map { inner + JSONValue.quote($0) + ": " + members[$0]!.serialized(indent: inner) }
                .joined(separator: ",\n") + "\n" + indent + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if c.value < 0x20 {
                    let hex = String(c.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
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
