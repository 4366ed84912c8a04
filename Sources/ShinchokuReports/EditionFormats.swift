import Foundation
import Shinchoku

/// The formats an edition is published in, and how each is rendered and served.
public enum EditionFormats {
    /// Every format of an edition, in this order. (The xlsx part adds `.xlsx` here.)
    public static let all: [ReportFormat] = [.md, .html, .csv, .json]

    /// Renders an edition in every format from one report's data: the bytes the live report of the same data
    /// would have in each, with the 正誤表 when the data carries one. Editions use the default options (the live
    /// report's defaults), so edition 1 equals the live report rendered at the same moment.
    public static func render(_ data: ReportData) throws -> [(format: String, bytes: Data)] {
        try all.map { format in (format: format.rawValue, bytes: try bytes(data, format: format)) }
    }

    /// One format's bytes.
    static func bytes(_ data: ReportData, format: ReportFormat) throws -> Data {
        Report.render(data, options: ReportOptions(format: format))
    }

    /// The HTTP `Content-Type` of an edition's file, in one place for every format an edition holds; nil for a format
    /// editions do not have.
    public static func contentType(for format: String) -> String? {
        guard let f = ReportFormat(rawValue: format), all.contains(f) else { return nil }
        return Report.contentType(for: f)
    }
}
