import Foundation
import Shinchoku

/// The parts every format adds after the prefecture's layout: the provenance of each figure (付録：数値の出所) and an
/// edition's 正誤表.
enum ReportAppendix {
    /// A provenance time as ISO 8601 in Japan's time zone, to the second: `2026-07-10T09:30:00+09:00`.
    static func time(_ date: Date?) -> String? {
        guard let date else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Asia/Tokyo")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The figure each indicator shows for the report's period: the latest up to it.
    static func shown(_ i: ReportData.Indicator, in data: ReportData) -> ReportData.Figure? {
        i.figures.last { $0.period <= data.period }
    }

    /// Whether any figure carries provenance (reports read from a database do; reports built from files do not).
    static func hasProvenance(_ data: ReportData) -> Bool {
        data.projects.contains { p in p.indicators.contains { shown($0, in: data)?.provenance != nil } }
    }

    /// The 正誤表's heading: `正誤表（第2版）`.
    static func correctionsHeading(_ c: ReportData.Corrections) -> String { "正誤表（第\(c.edition)版）" }

    /// The 正誤表's columns, in every format.
    static let correctionColumns = ["項目", "誤", "正", "再開の理由", "承認者"]

    static func cells(_ e: ReportData.Correction) -> [String] { [e.name, e.old, e.new, e.reason, e.approvedBy] }
}

extension HTMLReport {
    /// 付録：数値の出所 — who entered, submitted and approved each figure shown, after the seed-format pages.
    func provenanceAppendix(_ text: ReportText) -> [String] {
        guard ReportAppendix.hasProvenance(data) else { return [] }
        var out: [String] = []
        out.append("<section class=\"appendix provenance\">")
        out.append("<h2>付録：数値の出所</h2>")
        out.append("<table class=\"summary-table\">")
        out.append("<thead>")
        out.append(
            "<tr>"
                + ["No", "指標", "実績値（時点）", "入力者", "提出日時", "承認者", "承認日時"]
                .map { "<th scope=\"col\">\($0)</th>" }.joined() + "</tr>")
        out.append("</thead>")
        out.append("<tbody>")
        for p in data.projects {
            for i in p.indicators {
                guard let f = ReportAppendix.shown(i, in: data) else { continue }
                let value =
                    switch f.status {
                    case .reported: (f.value?.text ?? "") + (i.actualUnit ?? i.unit)
                    case .notPublished: "未公表"
                    case .notAvailable: "－"
                    }
                let cells = [
                    text.digits(i.code), i.name, value + "（\(f.asOf.description)）", f.provenance?.enteredBy ?? "－",
                    ReportAppendix.time(f.provenance?.submittedAt) ?? "－", f.provenance?.approvedBy ?? "－",
                    ReportAppendix.time(f.provenance?.approvedAt) ?? "－",
                ]
                out.append("<tr>" + cells.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>")
            }
        }
        out.append("</tbody>")
        out.append("</table>")
        out.append("</section>")
        return out
    }

    /// An edition's 正誤表.
    func correctionsSection() -> [String] {
        guard let c = data.corrections else { return [] }
        var out: [String] = []
        out.append("<section class=\"appendix corrections\">")
        out.append("<h2>\(Self.escape(ReportAppendix.correctionsHeading(c)))</h2>")
        out.append("<table class=\"summary-table\">")
        out.append(
            "<thead><tr>" + ReportAppendix.correctionColumns.map { "<th scope=\"col\">\($0)</th>" }.joined()
                + "</tr></thead>")
        out.append("<tbody>")
        for e in c.entries {
            out.append(
                "<tr>"
                    + ReportAppendix.cells(e).map {
                        "<td>\(Self.escape($0).replacingOccurrences(of: "\n", with: "<br/>"))</td>"
                    }
                    .joined() + "</tr>")
        }
        out.append("</tbody>")
        out.append("</table>")
        out.append("</section>")
        return out
    }
}

extension MarkdownReport {
    /// An edition's 正誤表.
    func correctionsSection() -> [String] {
        guard let c = data.corrections else { return [] }
        var out = ["", "---", "", "## " + ReportAppendix.correctionsHeading(c), ""]
        out.append("| " + ReportAppendix.correctionColumns.joined(separator: " | ") + " |")
        out.append("| " + ReportAppendix.correctionColumns.map { _ in "---" }.joined(separator: " | ") + " |")
        for e in c.entries {
            out.append(
                "| "
                    + ReportAppendix.cells(e).map {
                        Self.escape($0).replacingOccurrences(of: "\n", with: "<br>")
                    }.joined(separator: " | ") + " |")
        }
        return out
    }
}

extension CSVReport {
    /// An edition's 正誤表, after the indicator rows and an empty line: a heading row, then its own columns.
    func correctionRows() -> [[String]] {
        guard let c = data.corrections else { return [] }
        let text = SpreadsheetText.neutralized
        return [[], [ReportAppendix.correctionsHeading(c)], ReportAppendix.correctionColumns]
            + c.entries.map { ReportAppendix.cells($0).map(text) }
    }
}

extension JSONReport {
    /// The figure's provenance: display names and ISO 8601 times, null where unknown.
    static func provenance(_ f: ReportData.Figure?) -> [String: JSONValue] {
        [
            "entered_by": .optional(f?.provenance?.enteredBy),
            "submitted_at": .optional(ReportAppendix.time(f?.provenance?.submittedAt)),
            "approved_by": .optional(f?.provenance?.approvedBy),
            "approved_at": .optional(ReportAppendix.time(f?.provenance?.approvedAt)),
        ]
    }

    /// An edition's 正誤表, or null.
    func corrections() -> JSONValue {
        guard let c = data.corrections else { return .null }
        return .object([
            "edition": .int(c.edition),
            "entries": .array(
                c.entries.map { e in
                    .object([
                        "kind": .string(e.kind), "code": .string(e.code), "name": .string(e.name),
                        "old": .string(e.old), "new": .string(e.new), "reason": .string(e.reason),
                        "approved_by": .string(e.approvedBy),
                    ])
                }),
        ])
    }
}
