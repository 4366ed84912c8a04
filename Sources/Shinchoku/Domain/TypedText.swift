import Foundation

/// The one rule for every text people type into Shinchoku: notes, narratives, reasons, comments and names. The
/// service checks each such field with ``Validation/text(_:_:)`` before anything is written, and the web forms
/// may call ``problem(in:)`` to say the same thing early.
///
/// Refused (issue 12 §2; these are the characters XML 1.0 cannot hold, so that the HTML report stays well-formed
/// XML as docs/reports.md promises, and that PostgreSQL cannot store, such as NUL):
/// - C0 control characters other than TAB (U+0009) and LF (U+000A), a lone CR included;
/// - DEL (U+007F);
/// - the noncharacters U+FFFE and U+FFFF;
/// - lone surrogates (U+D800–U+DFFF). A Swift `String` cannot hold one: JSON that escapes one (`"\ud800"`) is
///   refused when the request is read, and a file that encodes one is not UTF-8 and refused as such.
///
/// Kept: CRLF becomes LF (``normalized(_:)``), so that a note typed on Windows and the same note typed elsewhere
/// are the same note. Everything else is kept exactly as typed.
public enum TypedText {
    /// A sentence saying what is wrong with the text, or nil when it may be stored. Give it the text after
    /// ``normalized(_:)``.
    public static func problem(in text: String) -> String? { refusal(in: text)?.message }

    /// ``problem(in:)`` in English and in Japanese (for the screens), or nil when the text may be stored.
    public static func refusal(in text: String) -> RuleText? {
        for (offset, s) in text.unicodeScalars.enumerated() where !isAllowed(s) {
            let code = "U+" + String(s.value, radix: 16, uppercase: true).leftPadded(to: 4)
            let (what, jaWhat) =
                switch s.value {
                case 0: ("a NUL character (\(code))", "NUL文字（\(code)）")
                case 0x0D: ("a carriage return (U+000D) that does not end a line", "行末にない復帰文字（U+000D）")
                case 0x7F: ("a DEL character (U+007F)", "DEL文字（U+007F）")
                case 0xFFFE, 0xFFFF: ("the noncharacter \(code)", "非文字（\(code)）")
                default: ("the control character \(code)", "制御文字（\(code)）")
                }
            return RuleText(
                "must not contain \(what) (character \(offset + 1)); remove it and type the text again",
                ja: "\(offset + 1)文字目に、使えない\(jaWhat)が含まれています。"
                    + "その文字を取り除いてから、入力し直してください（他の文書から貼り付けたときに紛れ込むことがあります）。")
        }
        return nil
    }

    /// The text as it is stored: CRLF line ends become LF.
    public static func normalized(_ text: String) -> String {
        // CRLF is one grapheme in Swift; replace it on the scalars so that nothing else changes.
        guard text.unicodeScalars.contains("\r") else { return text }
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let s = pending {
            pending = scalars.next()
            if s == "\r" && pending == "\n" { continue }
            out.append(s)
        }
        return String(out)
    }

    /// The text normalized and checked; throws `invalid` naming `field` when ``problem(in:)`` finds something.
    public static func checked(_ text: String?, field: String) throws -> String? {
        var v = Validation()
        let result = v.text(text, field)
        try v.check()
        return result
    }

    static func isAllowed(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A: true
        case 0x00...0x1F, 0x7F: false
        case 0xD800...0xDFFF, 0xFFFE, 0xFFFF: false
        default: true
        }
    }
}

extension Validation {
    /// A typed text, normalized (CRLF → LF) and checked by ``TypedText``; a refusal names `field`. Nil stays nil.
    public mutating func text(_ text: String?, _ field: String) -> String? {
        guard let text else { return nil }
        let normalized = TypedText.normalized(text)
        if let refusal = TypedText.refusal(in: normalized) { add(field, refusal) }
        return normalized
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
