import Foundation
import Shinchoku

/// The HTML report's body for embedding in another page (the web screens' site frame), without the document
/// around it or its inline stylesheet: the embedding page links ``stylesheet`` instead, so that a strict Content
/// Security Policy (no inline styles) holds.
public enum ReportFragment {
    /// The report's header, summary table and project sections as HTML. Every text in it is escaped by the report
    /// renderer.
    public static func html(_ data: ReportData, options: ReportOptions) -> String {
        HTMLReport(data: data, options: options).content().joined(separator: "\n") + "\n"
    }

    /// The report's stylesheet with its page-wide rules moved onto the `.report-document` element that holds the
    /// fragment, so that it styles the report and not the page around it. A4 print rules included.
    public static var stylesheet: String {
        HTMLReport.stylesheet.replacingOccurrences(of: "body {", with: ".report-document {")
    }
}
