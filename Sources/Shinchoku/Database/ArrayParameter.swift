import LibPQ

/// A one-dimensional array bound as one parameter, in PostgreSQL's text form (`{"1-1.1","1-1.2",NULL}`), so that one
/// statement reads many rows: `SELECT … FROM unnest(\(codes)::text[], \(values)::numeric[]) AS t(code, value)`.
///
/// It is untyped, like a string: the statement casts it to the array type it means. Every element is quoted, with
/// `"` and `\` escaped, so that no element's text (a note with commas, braces or quotes) is read as array syntax;
/// a nil element (an Optional's `nil`) is `NULL`. Elements are sent in their own text form (``PostgresEncodable``),
/// the same text a single bound value of their type sends.
struct ArrayParameter: PostgresEncodable {
    static var postgresTypeOID: UInt32 { 0 }
    let postgresText: String?

    init<Element: PostgresEncodable>(_ elements: some Sequence<Element>) {
        var text = "{"
        var first = true
        for element in elements {
            if !first { text.append(",") }
            first = false
            guard let value = element.postgresText else {
                text.append("NULL")
                continue
            }
            text.append("\"")
            if value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                for ch in value.unicodeScalars {
                    if ch == "\"" || ch == "\\" { text.append("\\") }
                    text.unicodeScalars.append(ch)
                }
            } else {
                text.append(value)
            }
            text.append("\"")
        }
        text.append("}")
        postgresText = text
    }
}
