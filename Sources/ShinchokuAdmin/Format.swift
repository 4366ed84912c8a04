import Foundation
import Shinchoku

/// How values read in text output.
enum Format {
    /// Dates and times are shown in Japan's time, where the prefecture works.
    static let tokyo = TimeZone(identifier: "Asia/Tokyo")!

    /// `2021-07-31`, in Japan.
    static func day(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// `2021-07-31 09:05:02`, in Japan.
    static func time(_ date: Date) -> String {
        let c = calendar.dateComponents([.hour, .minute, .second], from: date)
        return day(date) + String(format: " %02d:%02d:%02d", c.hour!, c.minute!, c.second!)
    }

    private static var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = tokyo
        return c
    }

    /// `1 row`, `2 rows`.
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// A figure's value with its unit, or what stands in for a value: `1回`, `未公表`, `－`.
    static func figure(status: FigureStatus, value: ExactDecimal?, unit: String) -> String {
        switch status {
        case .reported: value.map { "\($0)\(unit)" } ?? "-"
        case .notPublished: "未公表"
        case .notAvailable: "－"
        }
    }
}
