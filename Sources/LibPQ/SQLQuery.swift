import Foundation

/// A value that can be bound as a statement parameter, sent in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The parameter's type OID, or 0 to let the server infer it (as for an untyped literal).
    static var postgresTypeOID: UInt32 { get }
    /// The text form of the value; nil sends NULL.
    var postgresText: String? { get }
}

/// One bound parameter: its type and its text (nil for NULL).
public struct PostgresBinding: Sendable {
    public var typeOID: UInt32
    public var text: String?
}

/// A statement whose interpolated values are bound as `$n` parameters, never pasted into the SQL text.
///
/// ```swift
/// let q: SQLQuery = "SELECT id FROM users WHERE login = \(login) AND disabled_at IS NULL"
/// ```
/// Raw SQL goes in only through the explicitly unsafe spellings `\(unsafeRaw:)` and `SQLQuery(unsafeSQL:)`.
public struct SQLQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible,
    CustomDebugStringConvertible
{
    enum Part: Sendable {
        case sql(String)
        case bind(PostgresBinding)
    }

    var parts: [Part]

    public init(stringLiteral value: String) { parts = [.sql(value)] }

    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

    /// SQL text taken as is. Never build it from user input.
    public init(unsafeSQL: String) { parts = [.sql(unsafeSQL)] }

    /// The SQL text with `$1`, `$2`… in place of the values.
    public var sql: String {
        var s = ""
        var n = 0
        for part in parts {
            switch part {
            case .sql(let text): s += text
            case .bind:
                n += 1
                s += "$\(n)"
            }
        }
        return s
    }

    /// The bound values, in `$n` order.
    public var bindings: [PostgresBinding] {
        parts.compactMap {
            if case .bind(let b) = $0 { return b }
            return nil
        }
    }

    /// The SQL text only; values are never printed.
    public var description: String { sql }

    /// The SQL text and the number of bound values, redacted.
    public var debugDescription: String { "\(sql) -- \(bindings.count) bound value(s), redacted" }

    /// Appends another query, keeping its bindings.
    public static func + (lhs: SQLQuery, rhs: SQLQuery) -> SQLQuery {
        var q = lhs
        q.parts += rhs.parts
        return q
    }

    public static func += (lhs: inout SQLQuery, rhs: SQLQuery) { lhs.parts += rhs.parts }

    /// Joins fragments with a separator, e.g. `, ` or ` AND `.
    public static func joined(_ fragments: [SQLQuery], separator: String) -> SQLQuery {
        var q = SQLQuery(unsafeSQL: "")
        for (i, f) in fragments.enumerated() {
            if i > 0 { q.parts.append(.sql(separator)) }
            q.parts += f.parts
        }
        return q
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            parts.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { parts.append(.sql(literal)) }
        }

        /// Binds a value as the next parameter.
        public mutating func appendInterpolation<T: PostgresEncodable>(_ value: T) {
            parts.append(.bind(PostgresBinding(typeOID: T.postgresTypeOID, text: value.postgresText)))
        }

        /// Binds an optional value: nil becomes NULL, typed as the wrapped type.
        public mutating func appendInterpolation<T: PostgresEncodable>(_ value: T?) {
            parts.append(.bind(PostgresBinding(typeOID: T.postgresTypeOID, text: value.flatMap { $0.postgresText })))
        }

        /// Splices a fragment built the same way, keeping its bindings.
        public mutating func appendInterpolation(_ fragment: SQLQuery) {
            parts += fragment.parts
        }

        /// Inserts a quoted identifier such as a table name (`"…"`, inner quotes doubled).
        public mutating func appendInterpolation(identifier: String) {
            parts.append(.sql("\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""))
        }

        /// Inserts raw SQL text. Never pass user input.
        public mutating func appendInterpolation(unsafeRaw: String) {
            parts.append(.sql(unsafeRaw))
        }
    }
}

// MARK: - Encodable types

extension String: PostgresEncodable {
    /// Untyped, like a literal, so that a string binds to text, enum and varchar columns alike.
    public static var postgresTypeOID: UInt32 { 0 }
    public var postgresText: String? { self }
}

extension Substring: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { 0 }
    public var postgresText: String? { String(self) }
}

extension Int: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.int8 }
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.int8 }
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.int4 }
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.bool }
    public var postgresText: String? { self ? "t" : "f" }
}

extension ExactDecimal: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.numeric }
    public var postgresText: String? { text }
}

extension Decimal: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.numeric }
    public var postgresText: String? { ExactDecimal(self).text }
}

extension CalendarDate: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.date }
    public var postgresText: String? { description }
}

extension UUID: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.uuid }
    public var postgresText: String? { uuidString.lowercased() }
}

extension Date: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.timestamptz }
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresTypeOID: UInt32 { Wrapped.postgresTypeOID }
    public var postgresText: String? {
        switch self {
        case .none: nil
        case .some(let v): v.postgresText
        }
    }
}

/// String-backed enums bind their raw value, untyped like a `String`, so that they fit enum and text columns:
/// declare `extension Role: PostgresEncodable {}`.
extension PostgresEncodable where Self: RawRepresentable, RawValue == String {
    public static var postgresTypeOID: UInt32 { 0 }
    public var postgresText: String? { rawValue }
}

/// A type that binds as a parameter and decodes from a column.
public typealias PostgresCodable = PostgresEncodable & PostgresDecodable

/// A JSON value bound as `jsonb` or decoded from `json`/`jsonb`.
public struct PostgresJSON<Value: Codable & Sendable>: PostgresEncodable {
    public let value: Value
    private let text: String

    /// Encodes `value` as JSON (keys sorted); throws when it cannot be encoded, rather than bind NULL.
    public init(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.init(decoded: value, text: String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    init(decoded value: Value, text: String) {
        self.value = value
        self.text = text
    }

    public static var postgresTypeOID: UInt32 { PostgresOID.jsonb }
    public var postgresText: String? { text }
}

/// JSON text as bytes, bound as `jsonb` or decoded from `json`/`jsonb` untouched.
public struct RawJSON: PostgresEncodable, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public static var postgresTypeOID: UInt32 { PostgresOID.jsonb }
    public var postgresText: String? { text }
}

/// Type OIDs of PostgreSQL's built-in types.
public enum PostgresOID {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let name: UInt32 = 19
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let oid: UInt32 = 26
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let bpchar: UInt32 = 1042
    public static let varchar: UInt32 = 1043
    public static let date: UInt32 = 1082
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
}
