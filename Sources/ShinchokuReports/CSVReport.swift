import Foundation
import Shinchoku

/// The CSV report: one row per indicator and figure period up to the report period, each assessed as of
/// its own period. UTF-8 with a byte order mark (so Excel reads it), CRLF line ends, RFC 4180 quoting.
struct CSVReport {
    var data: ReportData
    var options: ReportOptions

    static let columns = [
        "report_period", "project", "indicator", "name", "unit", "period", "status", "value", "as_of",
        "state",
        "baseline", "target", "target_fiscal_year", "achievement_rate", "progress", "expected",
        "assessment",
    ]

    func render() -> String {
        var rows = [Self.columns]
        for project in data.projects {
            for i in project.indicators {
                let figures = i.figures.filter { $0.period <= data.period }
                if figures.isEmpty {
                    let a = assess(i, at: data.period)
                    rows.append(row(project, i, nil, a))
                }
                for f in figures {
                    rows.append(row(project, i, f, assess(i, at: f.period)))
                }
            }
        }
        rows += correctionRows()
        return "\u{FEFF}" + rows.map { $0.map(Self.field).joined(separator: ",") + "\r\n" }.joined()
    }

    private func assess(_ i: ReportData.Indicator, at period: PeriodCode) -> IndicatorAssessment {
        IndicatorAssessor.assess(
            i, at: period, planStartFiscalYear: data.planStartFiscalYear, tolerance: options.tolerance)
    }

    private func row(
        _ p: ReportData.Project, _ i: ReportData.Indicator, _ f: ReportData.Figure?,
        _ a: IndicatorAssessment
    ) -> [String] {
        // Text from the plan goes through the spreadsheet guard; numbers stay numbers (a value of -5 is -5).
        let text = SpreadsheetText.neutralized
        return [
            data.period.description, text(p.code), text(i.code), text(i.name), text(i.unit),
            f?.period.description ?? "", f?.status.rawValue ?? "", f?.value?.text ?? "", f?.asOf.description ?? "",
            f?.state.rawValue ?? "",
            a.baseline.number?.text ?? CSVReport.decimalText(a.baseline.value), i.target.text,
            String(i.targetFiscalYear), a.achievementRate.map(IndicatorAssessor.percentText) ?? "",
            a.progress.map(IndicatorAssessor.percentText) ?? "",
            IndicatorAssessor.percentText(a.expected),
            a.status.rawValue,
        ]
    }

    static func decimalText(_ d: Decimal) -> String { "\(d)" }

    /// RFC 4180: quote a field holding a comma, a quote or a line break, doubling its quotes.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" })
        else {
            return s
        }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
