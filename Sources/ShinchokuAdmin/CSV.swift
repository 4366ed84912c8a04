import Foundation

/// RFC 4180 CSV: comma-separated fields, double quotes around fields with commas, quotes or line breaks,
/// `""` for a quote inside quotes, CRLF or LF line ends. UTF-8, with or without a byte order mark.
enum CSV {
    /// One record and the line of the file it starts on.
    struct Record: Equatable {
        var line: Int
        var fields: [String]
    }

    /// Why a file is not CSV.
    struct SyntaxError: Error, Equatable {
        var line: Int
        var message: String
    }

    /// Splits UTF-8 text into records. Blank lines are skipped.
    static func parse(_ data: Data) throws -> [Record] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw SyntaxError(
                line: firstLineNotUTF8(data),
                message: "the file is not UTF-8 from this line on (in Excel, save it as \"CSV UTF-8\", not \"CSV\")")
        }
        var scalars = Substring(text).unicodeScalars
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        return try parse(String(scalars))
    }

    /// The line (counted by LF, from 1) holding the first byte that is not UTF-8. A LF byte is never part of a
    /// multi-byte UTF-8 sequence, so each line can be checked on its own.
    static func firstLineNotUTF8(_ data: Data) -> Int {
        var line = 1
        for bytes in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if String(data: Data(bytes), encoding: .utf8) == nil { return line }
            line += 1
        }
        return line
    }

    static func parse(_ text: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quotedField = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil

        func next() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return scalars.next()
        }
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !quotedField) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            field = ""
            quotedField = false
        }

        while let s = next() {
            if inQuotes {
                if s == "\"" {
                    if let n = next() {
                        if n == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            inQuotes = false
                            pending = n
                        }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if s == "\n" { line += 1 }
                    field.unicodeScalars.append(s)
                }
                continue
            }
            switch s {
            case ",":
                fields.append(field)
                field = ""
                quotedField = false
            case "\"":
                guard field.isEmpty, !quotedField else {
                    throw SyntaxError(
                        line: line,
                        message:
                            "a quote (\") appears inside an unquoted field; put the whole field in quotes and double the quote"
                    )
                }
                inQuotes = true
                quotedField = true
            case "\r":
                if let n = next(), n != "\n" { pending = n }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                if quotedField {
                    throw SyntaxError(
                        line: line, message: "text follows a closing quote; a quoted field ends at its quote")
                }
                field.unicodeScalars.append(s)
            }
        }
        if inQuotes { throw SyntaxError(line: recordLine, message: "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty || quotedField { endRecord() }
        return records
    }

    /// One field, quoted when it must be.
    static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
        else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Records as CSV text with CRLF line ends, as RFC 4180 writes them.
    static func write(_ records: [[String]]) -> String {
        records.map { $0.map(escape).joined(separator: ",") + "\r\n" }.joined()
    }
}
