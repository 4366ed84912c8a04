import Foundation
import ShinchokuReports

/// Text laid out in columns, aligned by display width, for terminals.
struct TextTable {
    struct Column {
        var title: String
        var alignRight = false
    }

    var columns: [Column]
    var rows: [[String]] = []

    init(_ titles: String...) {
        columns = titles.map { Column(title: $0) }
    }

    init(columns: [Column]) {
        self.columns = columns
    }

    /// Adds a row; missing cells are empty.
    mutating func add(_ cells: String...) { add(cells) }

    mutating func add(_ cells: [String]) {
        rows.append((0..<columns.count).map { $0 < cells.count ? cells[$0] : "" })
    }

    /// Right-aligns the named columns (numbers).
    func aligningRight(_ titles: String...) -> TextTable {
        var t = self
        for i in t.columns.indices where titles.contains(t.columns[i].title) { t.columns[i].alignRight = true }
        return t
    }

    /// The header, a rule, and the rows, columns two spaces apart, without trailing spaces.
    func render() -> String {
        let cleaned = rows.map { $0.map(Self.oneLine) }
        let widths = columns.indices.map { i in
            ([DisplayWidth.of(columns[i].title)] + cleaned.map { DisplayWidth.of($0[i]) }).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            var s = ""
            for (i, cell) in cells.enumerated() {
                let last = i == cells.count - 1
                let padded = DisplayWidth.pad(cell, to: widths[i], alignRight: columns[i].alignRight)
                s += last ? padded : padded + "  "
            }
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        var lines = [line(columns.map(\.title)), line(widths.map { String(repeating: "-", count: $0) })]
        lines += cleaned.map(line)
        return lines.joined(separator: "\n")
    }

    /// Line breaks and tabs in a cell would break the layout.
    static func oneLine(_ s: String) -> String {
        s.replacingOccurrences(of: "\r\n", with: " ")
            .replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\t", with: " ")
    }
}

/// Label/value pairs, labels padded to one width.
struct KeyValueList {
    var pairs: [(String, String)] = []

    mutating func add(_ label: String, _ value: String) { pairs.append((label, value)) }

    func render() -> String {
        let width = pairs.map { DisplayWidth.of($0.0) }.max() ?? 0
        return pairs.map { label, value in
            var s = DisplayWidth.pad(label + ":", to: width + 1) + " " + value
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }.joined(separator: "\n")
    }
}
