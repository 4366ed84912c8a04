import Foundation
import Shinchoku

/// Renders a report of actual against target in one of the formats.
public enum Report {
    /// The report as bytes. The same data and options always give the same bytes: no timestamps.
    public static func render(_ data: ReportData, options: ReportOptions) -> Data {
        Data(text(data, options: options).utf8)
    }

    /// The report as text (the CSV starts with a byte order mark).
    public static func text(_ data: ReportData, options: ReportOptions) -> String {
        switch options.format {
        case .md: MarkdownReport(data: data, options: options).render()
        case .html: HTMLReport(data: data, options: options).render()
        case .csv: CSVReport(data: data, options: options).render()
        case .json: JSONReport(data: data, options: options).render()
        }
    }

    /// The HTTP `Content-Type` of a format.
    public static func contentType(for format: ReportFormat) -> String {
        switch format {
        case .md: "text/markdown; charset=utf-8"
        case .html: "text/html; charset=utf-8"
        case .csv: "text/csv; charset=utf-8; header=present"
        case .json: "application/json"
        }
    }

    /// Every indicator's assessment at the report period, in plan order, keyed by indicator code.
    public static func assessments(_ data: ReportData, tolerance: Decimal = 10) -> [(
        code: String, assessment: IndicatorAssessment
    )] {
        data.projects.flatMap { p in
            p.indicators.map {
                (
                    $0.code,
                    IndicatorAssessor.assess(
                        $0, at: data.period, planStartFiscalYear: data.planStartFiscalYear, tolerance: tolerance
                    )
                )
            }
        }
    }
}
