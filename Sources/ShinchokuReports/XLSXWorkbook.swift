import CXLSXWriter
import Foundation
import Shinchoku

/// Why an xlsx file could not be written: a libxlsxwriter call that failed, named with its own error text.
///
/// Thrown by ``XLSXReport/render(_:options:)`` and ``Report/render(_:options:)`` for the xlsx format. None of these
/// depend on the report's content except ``Kind/cell`` (a text longer than Excel's 32,767 characters).
public struct XLSXError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The temporary file could not be made, read back or removed.
        case temporaryFile = "temporary_file"
        /// A workbook, worksheet or format could not be created (a bad sheet name, out of memory).
        case create
        /// A cell, comment, column or property could not be written.
        case cell
        /// The workbook could not be assembled into the file.
        case close
    }

    public var kind: Kind
    /// English, with libxlsxwriter's own error text where there is one.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "xlsx \(kind.rawValue): \(message)" }
}

/// One libxlsxwriter workbook, written to a file path when closed. The only place in the project that calls
/// libxlsxwriter (the only file that imports CXLSXWriter).
///
/// Noncopyable, so the handle has exactly one owner: it ends either in ``close()``, which writes the file and frees
/// the handle, or in `deinit`, which frees it without writing (an error part-way through). Worksheets and formats
/// are owned by the workbook and are only valid until then; they are used within one render call and never
/// escape it. Every call's return value is checked and turned into an ``XLSXError``.
struct XLSXWorkbook: ~Copyable {
    private let handle: UnsafeMutablePointer<lxw_workbook>

    /// A workbook that ``close()`` writes to `path` (libxlsxwriter opens the path only then).
    init(path: String) throws(XLSXError) {
        guard let handle = workbook_new(path) else {
            throw XLSXError(.create, "workbook_new failed for \(path)")
        }
        self.handle = handle
    }

    // lxw_workbook_free is what workbook_close ends with; called alone, it frees without writing a file.
    deinit { lxw_workbook_free(handle) }

    /// Writes the file and frees the handle (libxlsxwriter frees it whether or not writing succeeds).
    consuming func close() throws(XLSXError) {
        let handle = self.handle
        discard self
        let rc = workbook_close(handle)
        guard rc == LXW_NO_ERROR else { throw XLSXError(.close, "workbook_close: " + Self.text(rc)) }
    }

    /// Title, author and a fixed creation time, so that the same report gives the same bytes.
    func setProperties(title: String, author: String, created: time_t) throws(XLSXError) {
        let rc = title.withCString { t in
            author.withCString { a in
                var props = lxw_doc_properties()
                props.title = UnsafeMutablePointer(mutating: t)
                props.author = UnsafeMutablePointer(mutating: a)
                props.created = created
                // libxlsxwriter copies the strings.
                return workbook_set_properties(handle, &props)
            }
        }
        guard rc == LXW_NO_ERROR else { throw XLSXError(.cell, "workbook_set_properties: " + Self.text(rc)) }
    }

    /// Whether Excel accepts `name` as a sheet name (≤ 31 characters, none of `[]:*?/\`, not already used).
    func isValidSheetName(_ name: String) -> Bool {
        workbook_validate_sheet_name(handle, name) == LXW_NO_ERROR
    }

    /// A new sheet; refused (NULL from libxlsxwriter) for a name Excel does not accept.
    func addWorksheet(_ name: String) throws(XLSXError) -> XLSXWorksheet {
        let rc = workbook_validate_sheet_name(handle, name)
        guard rc == LXW_NO_ERROR else {
            throw XLSXError(.create, "sheet name \(name.debugDescription): " + Self.text(rc))
        }
        guard let sheet = workbook_add_worksheet(handle, name) else {
            throw XLSXError(.create, "workbook_add_worksheet refused \(name.debugDescription)")
        }
        return XLSXWorksheet(handle: sheet)
    }

    /// A cell format owned by the workbook.
    func addFormat(
        numberFormat: String? = nil, bold: Bool = false, wrap: Bool = false, alignTop: Bool = false
    ) throws(XLSXError) -> XLSXFormat {
        guard let format = workbook_add_format(handle) else {
            throw XLSXError(.create, "workbook_add_format failed")
        }
        if let numberFormat { format_set_num_format(format, numberFormat) }
        if bold { format_set_bold(format) }
        if wrap { format_set_text_wrap(format) }
        if alignTop { format_set_align(format, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue)) }
        return XLSXFormat(handle: format)
    }

    static func text(_ error: lxw_error) -> String {
        guard let s = lxw_strerror(error) else { return "libxlsxwriter error \(error.rawValue)" }
        return String(cString: s) + " (\(error.rawValue))"
    }
}

/// A cell format; valid until its workbook closes.
struct XLSXFormat {
    fileprivate let handle: UnsafeMutablePointer<lxw_format>
}

/// A sheet of a workbook; valid until its workbook closes. Rows and columns count from 0.
struct XLSXWorksheet {
    fileprivate let handle: UnsafeMutablePointer<lxw_worksheet>

    func write(_ row: Int, _ col: Int, text: String, _ format: XLSXFormat? = nil) throws(XLSXError) {
        let (r, c) = try Self.cell(row, col)
        try check(worksheet_write_string(handle, r, c, text, format?.handle), "write_string", row, col)
    }

    /// A number cell. Only finite numbers: Excel has no NaN or infinity.
    func write(_ row: Int, _ col: Int, number: Double, _ format: XLSXFormat? = nil) throws(XLSXError) {
        guard number.isFinite else { throw XLSXError(.cell, "not a finite number at row \(row) col \(col)") }
        let (r, c) = try Self.cell(row, col)
        try check(worksheet_write_number(handle, r, c, number, format?.handle), "write_number", row, col)
    }

    /// A date cell: libxlsxwriter turns the calendar date into Excel's serial number, 1900 leap-year quirk included,
    /// so 1900-03-01 and later dates show as the day they are. The format must hold a date number format.
    func write(_ row: Int, _ col: Int, date: CalendarDate, _ format: XLSXFormat) throws(XLSXError) {
        let (r, c) = try Self.cell(row, col)
        var dt = lxw_datetime(
            year: Int32(date.year), month: Int32(date.month), day: Int32(date.day), hour: 0, min: 0, sec: 0)
        try check(worksheet_write_datetime(handle, r, c, &dt, format.handle), "write_datetime", row, col)
    }

    /// A note (comment) on a cell, shown when the cell is hovered.
    func comment(_ row: Int, _ col: Int, _ text: String) throws(XLSXError) {
        let (r, c) = try Self.cell(row, col)
        try check(worksheet_write_comment(handle, r, c, text), "write_comment", row, col)
    }

    /// The width of one column, in Excel's units (the width of one `0`; a wide Japanese character takes two).
    func setColumn(_ col: Int, width: Double, _ format: XLSXFormat? = nil) throws(XLSXError) {
        let (_, c) = try Self.cell(0, col)
        try check(worksheet_set_column(handle, c, c, width, format?.handle), "set_column", 0, col)
    }

    /// Keeps the first `rows` rows in view while scrolling.
    func freezeRows(_ rows: Int) throws(XLSXError) {
        let (r, _) = try Self.cell(rows, 0)
        worksheet_freeze_panes(handle, r, 0)
    }

    private static func cell(_ row: Int, _ col: Int) throws(XLSXError) -> (lxw_row_t, lxw_col_t) {
        // Excel's limits: 1,048,576 rows and 16,384 columns.
        guard (0..<1_048_576).contains(row), (0..<16_384).contains(col) else {
            throw XLSXError(.cell, "cell out of range: row \(row) col \(col)")
        }
        return (lxw_row_t(row), lxw_col_t(col))
    }

    private func check(_ rc: lxw_error, _ call: String, _ row: Int, _ col: Int) throws(XLSXError) {
        guard rc == LXW_NO_ERROR else {
            throw XLSXError(.cell, "worksheet_\(call) at row \(row) col \(col): " + XLSXWorkbook.text(rc))
        }
    }
}

/// A file in the temporary directory that only this process knows the name of (mkstemp: created with mode 0600,
/// refusing an existing name), removed when the body returns or throws.
func withTemporaryFile<T>(suffix: String, _ body: (String) throws(XLSXError) -> T) throws(XLSXError) -> T {
    let directory = NSTemporaryDirectory()
    let base = (directory.hasSuffix("/") ? directory : directory + "/") + "shinchoku-XXXXXX" + suffix
    var template = Array(base.utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
    guard fd >= 0 else {
        throw XLSXError(.temporaryFile, "mkstemps in \(directory): " + String(cString: strerror(errno)))
    }
    close(fd)
    let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    defer { unlink(path) }
    return try body(path)
}
