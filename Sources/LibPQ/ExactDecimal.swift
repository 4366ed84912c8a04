import Foundation

/// An exact decimal number as PostgreSQL's `numeric` keeps it, scale included (`4.0` stays `4.0`).
///
/// Official figures are never floating point: arithmetic goes through ``decimal``.
public struct ExactDecimal: Hashable, Sendable, CustomStringConvertible, Codable, Comparable {
    /// The canonical text: an optional minus sign, digits, and an optional fraction.
    public let text: String

    /// Parses `-12.30` and the like; nil for anything else (exponents, NaN, Infinity, spaces, commas).
    public init?(_ text: some StringProtocol) {
        var s = Substring(text)
        var negative = false
        if s.first == "-" {
            negative = true
            s = s.dropFirst()
        } else if s.first == "+" {
            s = s.dropFirst()
        }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { return nil }
        var fraction: Substring = ""
        if parts.count == 2 {
            fraction = parts[1]
            guard !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit) else { return nil }
        }
        var digits = whole.drop(while: { $0 == "0" })
        if digits.isEmpty { digits = "0" }
        let isZero = digits == "0" && fraction.allSatisfy { $0 == "0" }
        // Arithmetic goes through Decimal, which holds 38 digits exactly: refuse more rather than round
        // (or trap on) an official figure.
        guard (digits == "0" ? 0 : digits.count) + fraction.count <= ExactDecimal.maximumDigits else { return nil }
        self.text = (negative && !isZero ? "-" : "") + digits + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// The exact value of a `Decimal`, at the scale `Decimal` prints it. `Decimal.nan` has none and traps.
    public init(_ decimal: Decimal) {
        // `description` prints every digit without locale or grouping; `formatted()` would round to
        // six fraction digits (0.0000001 became 0).
        guard let exact = ExactDecimal(decimal.description) else {
            preconditionFailure("\(decimal) is not a finite decimal number")
        }
        self = exact
    }

    /// The most digits (before and after the point together) a value may have: what `Decimal` holds exactly.
    public static let maximumDigits = 38

    /// Digits after the decimal point.
    public var scale: Int {
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text.distance(from: dot, to: text.endIndex) - 1
    }

    /// The value for arithmetic.
    public var decimal: Decimal { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))! }

    public var isNegative: Bool { text.hasPrefix("-") }

    public var description: String { text }

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool { lhs.decimal < rhs.decimal }

    /// Equal in value regardless of scale (`4.0` and `4`).
    public func isSameValue(as other: ExactDecimal) -> Bool { decimal == other.decimal }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text: String
        if let s = try? c.decode(String.self) {
            text = s
        } else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected a decimal number as a string, e.g. \"1.5\""))
        }
        guard let n = ExactDecimal(text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not a decimal number such as 1.5")
            )
        }
        self = n
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
