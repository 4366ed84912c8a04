import Foundation
import Shinchoku

/// The file formats a report renders to.
public enum ReportFormat: String, CaseIterable, Sendable {
    case md
    case html
    case csv
    case json
    /// An Excel workbook (Office Open XML): the indicator table and one sheet per project's narrative.
    case xlsx

    /// The file name extension for the format.
    public var fileExtension: String { rawValue }

    /// Whether the format is not text (xlsx): it cannot go to a terminal, and renders off the cooperative pool.
    public var isBinary: Bool { self == .xlsx }

    /// Whether the format prints each project's 概要 and 主な取組 (Markdown and HTML): the others need not read them
    /// (``Shinchoku/ShinchokuService/reportData(period:project:department:includePending:history:planTexts:as:)``).
    public var printsPlanTexts: Bool { self == .md || self == .html }

    /// The figures the format needs read: CSV and xlsx list every figure up to the report's period; Markdown, HTML
    /// and JSON print only the latest ones and what the charts show (``ReportData/History``).
    public var history: ReportData.History {
        switch self {
        case .csv, .xlsx: .complete
        case .md, .html, .json: .printed
        }
    }
}

/// How a report is rendered.
public struct ReportOptions: Sendable, Equatable {
    public var format: ReportFormat
    /// Print digits and decimal points in numbers and dates full-width (`１．０`, `令和３年７月`), as the
    /// prefecture's printed report does. Markdown and HTML only: CSV, JSON and xlsx stay machine-readable.
    public var fullWidthDigits: Bool
    /// Percentage points that progress may fall short of the expected share and still count as on track.
    public var tolerance: Decimal

    public init(format: ReportFormat, fullWidthDigits: Bool = false, tolerance: Decimal = 10) {
        self.format = format
        self.fullWidthDigits = fullWidthDigits
        self.tolerance = tolerance
    }
}

/// Where an indicator stands at a report period.
public enum ReportStatus: String, Sendable, Codable, CaseIterable {
    /// The target is met, honouring 以上 / 以下.
    case achieved
    /// Progress is no more than the tolerance behind the straight line to the target.
    case onTrack = "on_track"
    /// Progress is more than the tolerance behind the straight line to the target.
    case behind
    /// The latest figure is 未公表 or －.
    case notPublished = "not_published"
    /// No figure has been reported yet.
    case noData = "no_data"

    /// The label printed in Japanese reports.
    public var japanese: String {
        switch self {
        case .achieved: "達成"
        case .onTrack: "順調"
        case .behind: "遅れ"
        case .notPublished: "未公表"
        case .noData: "実績なし"
        }
    }
}
