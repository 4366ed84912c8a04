import Foundation
import LibPQ

/// The one grammar of a figure's value as people type it: the API (`PUT …/figures/{indicator}`), the CSV import
/// (`figures import`) and the web forms all read values through ``parse(_:)``, so that they accept exactly the same
/// texts and refuse the rest with the same message, always for the field `value`.
///
/// The grammar, decided once (docs/workflow.md, "The number grammar"):
/// - The text is first put in Unicode NFKC, so full-width digits, point, comma and signs (`１７．４`, `１，２３４`,
///   `－３`) read as their ASCII forms.
/// - Blanks (spaces, tabs, the ideographic space) around the number are ignored; blanks inside it are refused.
/// - An empty or blank text is no value (`nil`): for a `reported` figure the indicator's rules then say that a
///   value is required.
/// - One optional sign: `+`, `-`, `−` (U+2212), or `△` / `▲`, which in Japanese official documents mean minus.
///   A minus is read as one; the indicator's own rules then refuse a negative count, rate or quantity.
/// - Digits, optionally grouped by commas in well-formed groups of three (`1,234,567`; `1,23` and `12,34,567`
///   are refused), then optionally a point and at least one digit. A leading or trailing point (`.5`, `5.`) and
///   exponents (`1e3`) are refused.
/// - At most ``maximumDigits`` significant digits (leading zeros of the whole part are not counted): what Excel
///   keeps of a number (15 digits), and few enough that every rate a report prints from the value is exact.
///
/// A value that passes is canonical ``ExactDecimal`` text (`"+5"` → `5`, `"1,234"` → `1234`), which PostgreSQL's
/// `numeric` always accepts. The indicator's rules (whole numbers for counts, 0–100 for rates, its decimal places,
/// no negatives) are checked afterwards by the service, also with the field `value`.
public enum FigureValue {
    /// The most significant digits a figure may have: Excel keeps 15, and so do reports' rates exactly.
    public static let maximumDigits = 15

    /// Why a text is not a figure value: a sentence a clerk can act on. Its field is always `value`.
    public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        /// The field the refusal is about: always `value`.
        public var field: String { "value" }
        public var message: String
        /// The same sentence in Japanese, for the screens.
        public var ja: String
        public var description: String { "value: \(message)" }

        /// The refusal as the service's validation error, `invalid` with the field `value`.
        public var serviceError: ServiceError { .invalid(field, message, ja: ja) }
    }

    /// Reads a figure value typed by a person; nil for an empty or blank text.
    ///
    /// - Returns: the exact value, in canonical form (`"１，２３４．５"` → `1234.5`, `"△1"` → `-1`).
    /// - Throws: ``Refusal`` (field `value`) when the text is not a number of this grammar or has more than
    ///   ``maximumDigits`` digits.
    public static func parse(_ typed: String) throws(Refusal) -> ExactDecimal? {
        let text = typed.precomposedStringWithCompatibilityMapping
        let trimmed = text.unicodeScalars.drop(while: isBlank).reversed().drop(while: isBlank).reversed()
        if trimmed.isEmpty { return nil }
        let shown = "\"\(String(String.UnicodeScalarView(trimmed)).prefix(40))\""
        let jaShown = "「\(String(String.UnicodeScalarView(trimmed)).prefix(40))」"
        let example = "12、1,234、4.5 のような数値"

        var rest = Substring(String(String.UnicodeScalarView(trimmed)))
        var negative = false
        if let first = rest.unicodeScalars.first, let sign = sign(first) {
            negative = sign
            rest = Substring(rest.unicodeScalars.dropFirst())
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : nil

        guard !rest.isEmpty, rest.unicodeScalars.allSatisfy({ isDigit($0) || $0 == "," || $0 == "." }) else {
            let (hintText, jaHint) = hint(rest)
            throw Refusal(
                message: "\(shown) is not a number such as 12, 1,234 or 4.5" + hintText,
                ja: "\(jaShown)は数値として読み取れません。\(example)で入力してください\(jaHint)。")
        }
        guard !whole.isEmpty, fraction.map({ !$0.isEmpty && $0.unicodeScalars.allSatisfy(isDigit) }) ?? true else {
            throw Refusal(
                message: "\(shown) is not a number such as 12, 1,234 or 4.5: write a digit on both sides of the "
                    + "decimal point (0.5, not .5)",
                ja: "\(jaShown)は数値として読み取れません。小数点の前後には数字を書いてください（.5 ではなく 0.5）。")
        }
        let groups = whole.split(separator: ",", omittingEmptySubsequences: false)
        if groups.count > 1 {
            let wellFormed =
                (1...3).contains(groups[0].count) && groups.dropFirst().allSatisfy { $0.count == 3 }
                && groups.allSatisfy { $0.unicodeScalars.allSatisfy(isDigit) }
            guard wellFormed else {
                throw Refusal(
                    message: "\(shown) is not a number: commas must separate groups of three digits, as in 1,234,567",
                    ja: "\(jaShown)は数値として読み取れません。カンマは 1,234,567 のように3桁ごとに入れるか、"
                        + "カンマなしで入力してください。")
            }
        }
        let digits = groups.joined()
        let significant = digits.drop { $0 == "0" }.count + (fraction?.count ?? 0)
        guard significant <= maximumDigits else {
            throw Refusal(
                message: "\(shown) has \(significant) digits; a figure has at most \(maximumDigits) "
                    + "(what Excel keeps, and what reports compute exactly)",
                ja: "\(jaShown)は\(significant)桁あります。実績値は\(maximumDigits)桁以内で入力してください"
                    + "（Excelが保持でき、集計を正確に計算できる桁数です）。")
        }
        let canonical = (negative ? "-" : "") + digits + (fraction.map { "." + $0 } ?? "")
        guard let value = ExactDecimal(canonical) else {
            throw Refusal(
                message: "\(shown) is not a number such as 12, 1,234 or 4.5",
                ja: "\(jaShown)は数値として読み取れません。\(example)で入力してください。")
        }
        return value
    }

    /// Whether a value is within ``maximumDigits``; the service checks it again for callers that build an
    /// ``ExactDecimal`` themselves.
    public static func hasAllowedDigits(_ value: ExactDecimal) -> Bool {
        significantDigits(value) <= maximumDigits
    }

    static func significantDigits(_ value: ExactDecimal) -> Int {
        let unsigned = value.text.drop { $0 == "-" }
        let parts = unsigned.split(separator: ".", maxSplits: 1)
        let whole = parts[0].drop { $0 == "0" }.count
        return whole + (parts.count == 2 ? parts[1].count : 0)
    }

    /// nil: no sign; true: minus; false: plus.
    private static func sign(_ s: Unicode.Scalar) -> Bool? {
        switch s {
        case "+": false
        case "-", "\u{2212}", "△", "▲": true
        default: nil
        }
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { ("0"..."9").contains(s) }

    /// Spaces and tabs around a number (the ideographic space is a space after NFKC).
    private static func isBlank(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s.properties.isWhitespace && s != "\n" && s != "\r"
    }

    /// A hint in English and in Japanese, or empty texts.
    private static func hint(_ rest: Substring) -> (String, String) {
        if rest.unicodeScalars.contains(where: { $0 == "e" || $0 == "E" }) {
            return (" (write it without an exponent)", "（1e3 のような指数表記は使えません）")
        }
        if rest.unicodeScalars.contains(where: isBlank) {
            return (" (no spaces inside a number)", "（数値の途中に空白を入れないでください）")
        }
        if rest.unicodeScalars.contains(where: { sign($0) != nil }) {
            return (" (at most one sign, before the digits)", "（符号は数字の前に一つだけ書けます）")
        }
        return ("", "")
    }
}

extension Validation {
    /// A figure value typed by a person, read by ``FigureValue/parse(_:)``; a refusal is added for the field
    /// `value`. Nil for nil, empty or blank text.
    public mutating func figureValue(_ text: String?) -> ExactDecimal? {
        guard let text else { return nil }
        do throws(FigureValue.Refusal) {
            return try FigureValue.parse(text)
        } catch {
            add(error.field, error.message, ja: error.ja)
            return nil
        }
    }
}
