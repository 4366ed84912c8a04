import Foundation
import Shinchoku

/// Renders a report of actual against target in one of the formats.
public enum Report {
    /// The report as bytes. The same data and options always give the same bytes: no timestamps.
    ///
    /// Synchronous. The text formats only compute; xlsx also writes and reads back a temporary file, which blocks
    /// the calling thread, so async code calls ``bytes(_:options:)`` instead.
    /// - Throws: ``XLSXError`` for xlsx only (the text formats never throw).
    public static func render(_ data: ReportData, options: ReportOptions) throws -> Data {
        // JSON is written as bytes: no String to validate and copy again.
        if options.format == .json { return Data(JSONReport(data: data, options: options).renderBytes()) }
        guard let text = text(data, options: options) else { return try XLSXReport.render(data, options: options) }
        return Data(text.utf8)
    }

    /// The report as bytes, for async callers: the text formats render on the calling task, xlsx on threads of its
    /// own (``XLSXReport/renderOffPool(_:options:)``), never blocking Swift's cooperative pool.
    /// - Throws: ``XLSXError`` for xlsx only.
    public static func bytes(_ data: ReportData, options: ReportOptions) async throws -> Data {
        if options.format.isBinary { return try await XLSXReport.renderOffPool(data, options: options) }
        return try render(data, options: options)
    }

    /// The report as text (the CSV starts with a byte order mark); nil for a binary format (xlsx).
    public static func text(_ data: ReportData, options: ReportOptions) -> String? {
        switch options.format {
        case .md: MarkdownReport(data: data, options: options).render()
        case .html: HTMLReport(data: data, options: options).render()
        case .csv: CSVReport(data: data, options: options).render()
        case .json: JSONReport(data: data, options: options).render()
        case .xlsx: nil
        }
    }

    /// The HTTP `Content-Type` of a format.
    public static func contentType(for format: ReportFormat) -> String {
        switch format {
        case .md: "text/markdown; charset=utf-8"
        case .html: "text/html; charset=utf-8"
        case .csv: "text/csv; charset=utf-8; header=present"
        case .json: "application/json"
        case .xlsx: XLSXReport.contentType
        }
    }

    /// The file name a download of the report gets: `shinchoku-2021Q1.xlsx`, `shinchoku-2021Q1-pending.csv`. ASCII only,
    /// so that it needs no quoting in a `Content-Disposition` header.
    public static func fileName(period: PeriodCode, includePending: Bool, format: ReportFormat) -> String {
        "shinchoku-\(period)\(includePending ? "-pending" : "").\(format.fileExtension)"
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
