import Foundation
import Shinchoku

/// The CSV report: the ``IndicatorTable``, one row per indicator and figure period up to the report period, each
/// assessed as of its own period. UTF-8 with a byte order mark (so Excel reads it), CRLF line ends, RFC 4180 quoting.
struct CSVReport {
    var data: ReportData
    var options: ReportOptions

    static let columns = IndicatorTable.columns

    func render() -> String {
        var rows = [Self.columns] + IndicatorTable(data: data, options: options).rows().map { $0.map(Self.text) }
        rows += correctionRows()
        return "\u{FEFF}" + rows.map { $0.map(Self.field).joined(separator: ",") + "\r\n" }.joined()
    }

    /// A cell as the CSV prints it. Text from the plan goes through the spreadsheet guard; numbers stay numbers
    /// (a value of -5 is -5). A 未公表 or － value is empty: the status column says which.
    static func text(_ cell: IndicatorTable.Cell) -> String {
        switch cell {
        case .empty, .notReported: ""
        case .text(let s): SpreadsheetText.neutralized(s)
        case .number(let s): s
        case .integer(let n): String(n)
        case .date(let d): d.description
        }
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
