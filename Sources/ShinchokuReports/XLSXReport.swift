import Foundation
import LibPQ
import Shinchoku

/// The Excel (xlsx) report, written with libxlsxwriter (see ``XLSXWorkbook``).
///
/// Layout (docs/reports.md):
/// - Sheet `指標`: the ``IndicatorTable`` in the CSV report's columns, header row frozen. Exact decimals are number
///   cells when they have at most 15 significant digits (what Excel keeps); longer ones are text cells with a note
///   saying why. `as_of` is a date cell (`yyyy-mm-dd`), `target_fiscal_year` a whole number. The value of a 未公表
///   or － figure is that text (the CSV leaves it empty; both say which in `status`). Text is written as it is
///   stored: a string cell is never evaluated as a formula, so the CSV's apostrophe guard is not needed.
/// - One sheet per project, named by its code and title (`1-1 港湾…`, at most 31 characters: titles repeat, codes do
///   not), with the project's details and its narrative of the report period: 進捗状況 and 今後の動向等, or their
///   ハード面 and ソフト面 where the narrative is split.
///
/// Column widths count East Asian wide characters as two (``DisplayWidth``). The workbook's title is the report's
/// title and its author 山口県; its creation time is the end of the report period, so the same data and options
/// give the same bytes.
///
/// Rendering writes a temporary file and reads it back: blocking work. ``render(_:options:)`` runs on the calling
/// thread; async callers use ``Report/bytes(_:options:)``, which runs it on ``threads``.
public enum XLSXReport {
    /// The MIME type of an xlsx file.
    public static let contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// The indicator sheet's name.
    public static let indicatorSheetName = "指標"

    /// Where async callers render xlsx files, off Swift's cooperative pool.
    static let threads = BlockingThreads(count: 2, name: "shinchoku-xlsx")

    /// The workbook's bytes (a zip file, starting with `PK`). Blocking: writes and removes a temporary file.
    /// - Throws: ``XLSXError`` when libxlsxwriter refuses a call or the temporary file cannot be written or read.
    public static func render(_ data: ReportData, options: ReportOptions) throws(XLSXError) -> Data {
        try withTemporaryFile(suffix: ".xlsx") { (path) throws(XLSXError) -> Data in
            let book = try XLSXWorkbook(path: path)
            try write(data, options: options, to: book)
            try book.close()
            do {
                return try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw XLSXError(.temporaryFile, "reading back \(path): \(error)")
            }
        }
    }

    /// The same as ``render(_:options:)``, run on ``threads`` so that no cooperative thread waits on the file.
    public static func renderOffPool(_ data: ReportData, options: ReportOptions) async throws -> Data {
        try await threads.run { () throws -> Data in try render(data, options: options) }
    }

    private static func write(
        _ data: ReportData, options: ReportOptions, to book: borrowing XLSXWorkbook
    ) throws(XLSXError) {
        try book.setProperties(
            title: "進捗状況報告 " + JapaneseDate.period(data.period) + "（" + data.period.description + "）",
            author: "山口県", created: creationTime(data.period))
        let styles = try Styles(book)
        try writeIndicators(data, options: options, book: book, styles: styles)
        var used: Set<String> = [indicatorSheetName.lowercased()]
        if let corrections = data.corrections {
            try writeCorrections(corrections, book: book, styles: styles)
            used.insert(correctionsSheetName.lowercased())
        }
        for project in data.projects {
            let name = sheetName(code: project.code, title: project.title, used: used)
            used.insert(name.lowercased())
            try writeProject(project, data: data, sheet: book.addWorksheet(name), styles: styles)
        }
    }

    /// The formats the sheets share.
    private struct Styles {
        var header: XLSXFormat
        var date: XLSXFormat
        var year: XLSXFormat
        var label: XLSXFormat
        var body: XLSXFormat
        /// `#,##0`, `#,##0.0`, … by number of decimals.
        var numbers: [XLSXFormat]

        init(_ book: borrowing XLSXWorkbook) throws(XLSXError) {
            header = try book.addFormat(bold: true)
            date = try book.addFormat(numberFormat: "yyyy-mm-dd")
            year = try book.addFormat(numberFormat: "0")
            label = try book.addFormat(bold: true, alignTop: true)
            body = try book.addFormat(wrap: true, alignTop: true)
            numbers = []
            for scale in 0...Self.maximumScale {
                numbers.append(
                    try book.addFormat(
                        numberFormat: "#,##0" + (scale == 0 ? "" : "." + String(repeating: "0", count: scale)))
                )
            }
        }

        static let maximumScale = 15

        func number(scale: Int) -> XLSXFormat { numbers[min(scale, Self.maximumScale)] }
    }

    private static func writeIndicators(
        _ data: ReportData, options: ReportOptions, book: borrowing XLSXWorkbook, styles: Styles
    ) throws(XLSXError) {
        let sheet = try book.addWorksheet(indicatorSheetName)
        let columns = IndicatorTable.columns
        var widths = columns.map { DisplayWidth.of($0) }
        for (c, title) in columns.enumerated() { try sheet.write(0, c, text: title, styles.header) }
        for (r, row) in IndicatorTable(data: data, options: options).rows().enumerated() {
            for (c, cell) in row.enumerated() {
                let shown = try write(cell, at: r + 1, c, sheet: sheet, styles: styles)
                widths[c] = max(widths[c], DisplayWidth.of(shown))
            }
        }
        for (c, w) in widths.enumerated() { try sheet.setColumn(c, width: columnWidth(w, maximum: 60)) }
        try sheet.freezeRows(1)
    }

    /// The sheet of an edition's 正誤表, right after the indicator sheet.
    static let correctionsSheetName = "正誤表"

    /// An edition's 正誤表: its heading, then the same columns as in the other formats (``ReportAppendix``).
    private static func writeCorrections(
        _ corrections: ReportData.Corrections, book: borrowing XLSXWorkbook, styles: Styles
    ) throws(XLSXError) {
        let sheet = try book.addWorksheet(correctionsSheetName)
        let columns = ReportAppendix.correctionColumns
        var widths = columns.map { DisplayWidth.of($0) }
        try sheet.write(0, 0, text: ReportAppendix.correctionsHeading(corrections), styles.header)
        for (c, title) in columns.enumerated() { try sheet.write(1, c, text: title, styles.header) }
        for (r, entry) in corrections.entries.enumerated() {
            for (c, text) in ReportAppendix.cells(entry).enumerated() {
                try sheet.write(r + 2, c, text: text, styles.body)
                widths[c] = max(widths[c], DisplayWidth.of(text))
            }
        }
        for (c, w) in widths.enumerated() { try sheet.setColumn(c, width: columnWidth(w, maximum: 60)) }
        try sheet.freezeRows(2)
    }

    /// Writes one cell; returns the text it shows, for the column width.
    private static func write(
        _ cell: IndicatorTable.Cell, at row: Int, _ col: Int, sheet: XLSXWorksheet, styles: Styles
    ) throws(XLSXError) -> String {
        switch cell {
        case .empty:
            return ""
        case .text(let s):
            try sheet.write(row, col, text: s)
            return s
        case .notReported(let status):
            let s = status == .notPublished ? "未公表" : "－"
            try sheet.write(row, col, text: s)
            return s
        case .integer(let n):
            try sheet.write(row, col, number: Double(n), styles.year)
            return String(n)
        case .date(let d):
            try sheet.write(row, col, date: d, styles.date)
            return d.description
        case .number(let s):
            if let exact = ExactDecimal(s), let number = excelNumber(exact) {
                try sheet.write(row, col, number: number, styles.number(scale: exact.scale))
                // Thousands separators widen the cell a little.
                return s + String(repeating: ",", count: max(0, s.count - exact.scale - 1) / 3)
            }
            try sheet.write(row, col, text: s)
            try sheet.comment(
                row, col,
                "有効数字が15桁を超えるため、Excel が丸めないよう文字列で記録しています。"
                    + " More than 15 significant digits: stored as text, since Excel would round the number.")
            return s
        }
    }

    /// The number to write for an exact decimal, or nil when Excel would not show it exactly: more than 15
    /// significant digits (leading and trailing zeros do not count). A Double parsed from at most 15 significant
    /// decimal digits prints back as the same digits, which is what Excel shows.
    static func excelNumber(_ value: ExactDecimal) -> Double? {
        guard significantDigits(value) <= 15, let d = Double(value.text), d.isFinite else { return nil }
        return d
    }

    static func significantDigits(_ value: ExactDecimal) -> Int {
        let digits = value.text.filter { ("0"..."9").contains($0) }
        let trimmed = digits.drop { $0 == "0" }.reversed().drop { $0 == "0" }
        return trimmed.count
    }

    private static func writeProject(
        _ p: ReportData.Project, data: ReportData, sheet: XLSXWorksheet, styles: Styles
    ) throws(XLSXError) {
        var rows: [(String, String)] = [
            ("報告期", data.period.description + "（" + JapaneseDate.period(data.period) + "）"),
            ("事業", p.code),
            ("事業名", p.title),
        ]
        if !p.subtitle.isEmpty { rows.append(("副題", p.subtitle)) }
        rows.append(("施策", [p.programCode, p.programName].filter { !$0.isEmpty }.joined(separator: " ")))
        rows.append(("担当部局", p.departmentName))
        if let n = p.narrative {
            rows.append(("状態", n.isApproved ? "承認済み" : "未承認（" + n.state.rawValue + "）"))
            rows += sections("進捗状況", general: n.progress, hard: n.progressHard, soft: n.progressSoft)
            rows += sections("今後の動向等", general: n.outlook, hard: n.outlookHard, soft: n.outlookSoft)
        } else {
            rows.append(("状態", "未報告"))
        }
        try sheet.write(0, 0, text: "項目", styles.header)
        try sheet.write(0, 1, text: "内容", styles.header)
        var labelWidth = DisplayWidth.of("項目")
        for (r, (label, text)) in rows.enumerated() {
            try sheet.write(r + 1, 0, text: label, styles.label)
            if !text.isEmpty { try sheet.write(r + 1, 1, text: text, styles.body) }
            labelWidth = max(labelWidth, DisplayWidth.of(label))
        }
        let textWidth = rows.flatMap { $0.1.split(whereSeparator: \.isNewline) }.map { DisplayWidth.of($0) }.max() ?? 0
        try sheet.setColumn(0, width: columnWidth(labelWidth, maximum: 40))
        // Long narratives wrap at 100 columns (about 50 Japanese characters).
        try sheet.setColumn(1, width: columnWidth(textWidth, maximum: 100))
        try sheet.freezeRows(1)
    }

    /// 進捗状況, or 進捗状況（ハード面）and 進捗状況（ソフト面）where split; an empty row when nothing is written.
    private static func sections(_ heading: String, general: String?, hard: String?, soft: String?) -> [(
        String, String
    )] {
        var out: [(String, String)] = []
        if let general, !general.isEmpty { out.append((heading, general)) }
        if let hard, !hard.isEmpty { out.append((heading + "（ハード面）", hard)) }
        if let soft, !soft.isEmpty { out.append((heading + "（ソフト面）", soft)) }
        return out.isEmpty ? [(heading, "")] : out
    }

    /// Excel's column width for text of `columns` display columns, with a little padding.
    static func columnWidth(_ columns: Int, maximum: Int) -> Double {
        Double(min(max(columns, 4), maximum) + 2)
    }

    /// A sheet name Excel accepts and no other sheet has: `code title`, without `[]:*?/\`, cut to 31 characters at
    /// a character boundary (titles repeat, so the code comes first), and ` (2)`, ` (3)`, … when still taken.
    /// Excel compares sheet names case-insensitively; `used` holds lowercased names.
    static func sheetName(code: String, title: String, used: Set<String>) -> String {
        let forbidden: Set<Character> = ["[", "]", ":", "*", "?", "/", "\\"]
        func clean(_ s: String) -> String {
            var s = String(s.map { forbidden.contains($0) || $0.isNewline ? "_" : $0 })
            // Excel refuses a name that starts or ends with an apostrophe.
            while s.hasPrefix("'") { s.removeFirst() }
            while s.hasSuffix("'") { s.removeLast() }
            return s.trimmingCharacters(in: .whitespaces)
        }
        func cut(_ s: String, to limit: Int) -> String {
            var out = ""
            for ch in s {
                // Excel counts UTF-16 units; libxlsxwriter counts code points. Keep within both.
                let next = out + String(ch)
                guard next.utf16.count <= limit, next.unicodeScalars.count <= limit else { break }
                out = next
            }
            return clean(out)
        }
        var base = cut(clean(clean(code) + " " + clean(title)), to: 31)
        if base.isEmpty || base.lowercased() == "history" { base = "事業" }
        var name = base
        var n = 2
        while used.contains(name.lowercased()) {
            let suffix = " (\(n))"
            name = cut(base, to: 31 - suffix.utf16.count) + suffix
            n += 1
        }
        return name
    }

    /// The end of the report period, 00:00 UTC, as the workbook's creation time.
    static func creationTime(_ period: PeriodCode) -> time_t {
        let end = period.endDate
        var components = DateComponents()
        components.year = end.year
        components.month = end.month
        components.day = end.day
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
        return time_t(date.timeIntervalSince1970)
    }
}
