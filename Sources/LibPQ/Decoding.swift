import Foundation

/// Where a value being decoded came from, for error messages.
public struct PostgresColumn: Sendable {
    public var name: String
    public var index: Int
    public var typeOID: UInt32
}

/// A Swift type that can be read from PostgreSQL's text format.
public protocol PostgresDecodable: Sendable {
    /// Decodes a non-NULL value.
    static func decode(text: String, column: PostgresColumn) throws -> Self
    /// Decodes NULL: Optionals give nil, everything else throws an error naming the column.
    static func decodeNull(column: PostgresColumn) throws -> Self
}

extension PostgresDecodable {
    public static func decodeNull(column: PostgresColumn) throws -> Self {
        throw PostgresError.decoding(
            "column \"\(column.name)\" (index \(column.index)) is NULL but \(Self.self) is not optional")
    }

    static func mismatch(_ column: PostgresColumn) -> PostgresError {
        .decoding(
            "cannot decode column \"\(column.name)\" (index \(column.index), type OID \(column.typeOID)) as \(Self.self)"
        )
    }

    static func malformed(_ column: PostgresColumn) -> PostgresError {
        .decoding("column \"\(column.name)\" (index \(column.index)) holds a value that is not a valid \(Self.self)")
    }
}

extension PostgresError {
    static func decoding(_ message: String) -> PostgresError {
        PostgresError(kind: .decoding, message: message)
    }
}

/// String-backed enums decode from their raw value (as postgres-nio's `RawRepresentable+PostgresCodable` does):
/// declare `extension Role: PostgresDecodable {}`. A label the enum does not know throws, naming the column.
extension PostgresDecodable where Self: RawRepresentable, RawValue == String {
    public static func decode(text: String, column: PostgresColumn) throws -> Self {
        guard let value = Self(rawValue: text) else { throw malformed(column) }
        return value
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> Wrapped? {
        try Wrapped.decode(text: text, column: column)
    }

    public static func decodeNull(column: PostgresColumn) throws -> Wrapped? { nil }
}

extension String: PostgresDecodable {
    /// Any type decodes as its text form.
    public static func decode(text: String, column: PostgresColumn) throws -> String { text }
}

private let integerOIDs: Set<UInt32> = [PostgresOID.int2, PostgresOID.int4, PostgresOID.int8, PostgresOID.oid]

extension Int: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> Int {
        guard integerOIDs.contains(column.typeOID) else { throw mismatch(column) }
        guard let v = Int(text) else { throw malformed(column) }
        return v
    }
}

extension Int64: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> Int64 {
        guard integerOIDs.contains(column.typeOID) else { throw mismatch(column) }
        guard let v = Int64(text) else { throw malformed(column) }
        return v
    }
}

extension Int32: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> Int32 {
        guard integerOIDs.contains(column.typeOID) else { throw mismatch(column) }
        guard let v = Int32(text) else { throw malformed(column) }
        return v
    }
}

extension Bool: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> Bool {
        guard column.typeOID == PostgresOID.bool else { throw mismatch(column) }
        switch text {
        case "t": return true
        case "f": return false
        default: throw malformed(column)
        }
    }
}

extension ExactDecimal: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> ExactDecimal {
        guard column.typeOID == PostgresOID.numeric || integerOIDs.contains(column.typeOID) else {
            throw mismatch(column)
        }
        // NaN and ±Infinity are valid numerics but not figures.
        guard let v = ExactDecimal(text) else { throw malformed(column) }
        return v
    }
}

extension Decimal: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> Decimal {
        let n = try ExactDecimal.decode(text: text, column: column)
        // Decimal holds 38 significant digits; refuse rather than round an official figure.
        let digits = n.text.filter(\.isNumber).drop(while: { $0 == "0" })
        // Decimal's exponent is also bounded (about ±128): 1e-200 has one digit yet no Decimal, so
        // `n.decimal` would trap on it.
        guard digits.count <= 38, let decimal = Decimal(string: n.text, locale: Locale(identifier: "en_US_POSIX"))
        else {
            throw PostgresError.decoding(
                "column \"\(column.name)\" (index \(column.index)) has more digits than Decimal can hold exactly")
        }
        return decimal
    }
}

extension CalendarDate: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> CalendarDate {
        guard column.typeOID == PostgresOID.date else { throw mismatch(column) }
        guard let d = CalendarDate(text) else { throw malformed(column) }
        return d
    }
}

extension UUID: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> UUID {
        guard column.typeOID == PostgresOID.uuid else { throw mismatch(column) }
        guard let v = UUID(uuidString: text) else { throw malformed(column) }
        return v
    }
}

extension Date: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> Date {
        guard column.typeOID == PostgresOID.timestamptz || column.typeOID == PostgresOID.timestamp else {
            throw mismatch(column)
        }
        guard let d = PostgresTimestamp.parse(text) else { throw malformed(column) }
        return d
    }
}

extension RawJSON: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> RawJSON {
        guard column.typeOID == PostgresOID.json || column.typeOID == PostgresOID.jsonb else { throw mismatch(column) }
        return RawJSON(text)
    }
}

extension PostgresJSON: PostgresDecodable {
    public static func decode(text: String, column: PostgresColumn) throws -> PostgresJSON<Value> {
        guard column.typeOID == PostgresOID.json || column.typeOID == PostgresOID.jsonb else { throw mismatch(column) }
        if Value.self == [String].self, let strings = JSONStringArray.parse(text) {
            return PostgresJSON(decoded: strings as! Value, text: text)
        }
        do {
            return PostgresJSON(decoded: try JSONDecoder().decode(Value.self, from: Data(text.utf8)), text: text)
        } catch {
            throw PostgresError.decoding(
                "column \"\(column.name)\" (index \(column.index)) is JSON that does not decode as \(Value.self)")
        }
    }
}

/// Formats and parses `timestamptz` text in ISO style.
enum PostgresTimestamp {
    static func format(_ date: Date) -> String {
        // Microseconds, as PostgreSQL stores them; always UTC.
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = Int((micros / 1_000_000).rounded(.down))
        let fraction = Int(micros - Double(seconds) * 1_000_000)
        let day = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secOfDay = seconds - day * 86400
        let d = CalendarDate(daysSinceEpoch: day)
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return
            "\(d) \(pad(secOfDay / 3600, 2)):\(pad(secOfDay % 3600 / 60, 2)):\(pad(secOfDay % 60, 2)).\(pad(fraction, 6))+00"
    }

    /// Parses `2021-07-31 12:34:56.123456+09`, `…+05:30`, or a `timestamp` without offset (taken as UTC).
    static func parse(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        guard chars.count >= 19, chars[10] == UInt8(ascii: " ") || chars[10] == UInt8(ascii: "T") else { return nil }
        guard let date = CalendarDate(String(decoding: chars[0..<10], as: UTF8.self)) else { return nil }
        func num(_ r: Range<Int>) -> Int? { Int(String(decoding: chars[r], as: UTF8.self)) }
        guard let h = num(11..<13), let m = num(14..<16), let s = num(17..<19) else { return nil }
        var i = 19
        var fraction = 0.0
        if i < chars.count, chars[i] == UInt8(ascii: ".") {
            let start = i + 1
            i = start
            while i < chars.count, chars[i] >= 48, chars[i] <= 57 { i += 1 }
            guard i > start, let f = Double("0." + String(decoding: chars[start..<i], as: UTF8.self)) else {
                return nil
            }
            fraction = f
        }
        var offset = 0
        if i < chars.count {
            let sign = chars[i] == UInt8(ascii: "-") ? -1 : 1
            guard chars[i] == UInt8(ascii: "+") || chars[i] == UInt8(ascii: "-") else { return nil }
            let rest = String(decoding: chars[(i + 1)...], as: UTF8.self).split(separator: ":")
            guard (1...3).contains(rest.count) else { return nil }
            let comps = rest.compactMap { Int($0) }
            guard comps.count == rest.count else { return nil }
            offset = sign * (comps[0] * 3600 + (comps.count > 1 ? comps[1] * 60 : 0) + (comps.count > 2 ? comps[2] : 0))
        }
        let secs = date.daysSinceEpoch * 86400 + h * 3600 + m * 60 + s - offset
        return Date(timeIntervalSince1970: Double(secs) + fraction)
    }
}
