import Foundation
import Shinchoku

/// The parts every format adds after the prefecture's layout: the provenance of each figure (付録：数値の出所) and an
/// edition's 正誤表.
enum ReportAppendix {
    /// A provenance time as ISO 8601 in Japan's time zone, to the second: `2026-07-10T09:30:00+09:00`.
    ///
    /// Japan has kept UTC+9 without summer time since 1952, so from then on the time is worked out in integers
    /// (a report prints one per indicator); earlier times go through `ISO8601DateFormatter` with the zone's history.
    static func time(_ date: Date?) -> String? {
        guard let date else { return nil }
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds >= japanWithoutSummerTime, seconds < 253_402_300_800 else {  // 1952 to 9999
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = TimeZone(identifier: "Asia/Tokyo")
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.string(from: date)
        }
        let local = Int(seconds) + 9 * 3600
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = local - days * 86_400
        let (year, month, day) = civilDate(daysSince1970: days)
        func two(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }
        return String(year) + "-" + two(month) + "-" + two(day) + "T" + two(secondOfDay / 3600) + ":"
            + two(secondOfDay / 60 % 60) + ":" + two(secondOfDay % 60) + "+09:00"
    }

    /// 1952-01-01T00:00:00+09:00 in seconds since 1970.
    static let japanWithoutSummerTime: Double = -568_112_400

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (H. Hinnant's `civil_from_days`).
    static func civilDate(daysSince1970 z: Int) -> (year: Int, month: Int, day: Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
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
