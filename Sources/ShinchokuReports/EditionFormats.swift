import Foundation
import Shinchoku

/// The formats an edition is published in, and how each is rendered and served.
public enum EditionFormats {
    /// Every format of an edition, in this order.
    public static let all: [ReportFormat] = [.md, .html, .csv, .json, .xlsx]

    /// Renders an edition in every format from one report's data: the bytes the live report of the same data
    /// would have in each, with the 正誤表 when the data carries one. Editions use the default options (the live
    /// report's defaults), so edition 1 equals the live report rendered at the same moment.
    ///
    /// The xlsx is written by libxlsxwriter through a temporary file, off Swift's cooperative pool
    /// (``Report/bytes(_:options:)``).
    public static func render(_ data: ReportData) async throws -> [(format: String, bytes: Data)] {
        var files: [(format: String, bytes: Data)] = []
        for format in all {
            files.append((format: format.rawValue, bytes: try await bytes(data, format: format)))
        }
        return files
    }

    /// One format's bytes.
    static func bytes(_ data: ReportData, format: ReportFormat) async throws -> Data {
        try await Report.bytes(data, options: ReportOptions(format: format))
    }

    /// The HTTP `Content-Type` of an edition's file, in one place for every format an edition holds; nil for a format
    /// editions do not have.
    public static func contentType(for format: String) -> String? {
        guard let f = ReportFormat(rawValue: format), all.contains(f) else { return nil }
        return Report.contentType(for: f)
    }
}
