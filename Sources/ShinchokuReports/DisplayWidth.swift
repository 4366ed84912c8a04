/// How many terminal columns text takes: East Asian Wide and Fullwidth characters take two, combining
/// marks and other zero-width characters none, everything else one.
///
/// East Asian Ambiguous characters (○, ※, Greek, Cyrillic) count as one, as in most terminals outside
/// a CJK locale. So `か` + U+3099 (が written with a combining mark) takes two, and `ﾃﾞ` (half-width
/// katakana with its spacing half-width voiced mark, one grapheme cluster in Swift) takes two as well.
///
/// Shared by the admin CLI's tables and the xlsx report's column widths, which Excel counts the same way.
public enum DisplayWidth {
    /// The columns `text` takes.
    public static func of(_ text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    /// The columns one character (grapheme cluster) takes: the sum of its scalars' widths, except that an
    /// emoji sequence (joined with U+200D or styled with U+FE0F) takes two.
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        if scalars.count > 1
            && scalars.contains(where: { $0.value == 0x200D || $0.value == 0xFE0F || $0.properties.isEmojiPresentation }
            )
        {
            return 2
        }
        return scalars.reduce(0) { $0 + of($1) }
    }

    /// The columns one scalar takes on its own.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
        if v < 0x7F { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return 0
        default: break
        }
        // Hangul medial vowels and final consonants join the preceding initial consonant.
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return 0 }
        if isWide(v) || scalar.properties.isEmojiPresentation { return 2 }
        return 1
    }

    /// Pads `text` with spaces to `width` columns.
    public static func pad(_ text: String, to width: Int, alignRight: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - of(text)))
        return alignRight ? fill + text : text + fill
    }

    /// East_Asian_Width W or F (Unicode 15.1), outside the emoji, which `isEmojiPresentation` covers.
    static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        for range in wideRanges {
            if v < range.lowerBound { return false }
            if range.contains(v) { return true }
        }
        return false
    }

    /// Sorted, so that the search can stop early.
    static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F,  // Hangul Jamo initial consonants
        0x2329...0x232A,  // angle brackets
        0x2E80...0x2FDF,  // CJK radicals, Kangxi radicals
        0x2FF0...0x303E,  // ideographic description, CJK symbols and punctuation (incl. U+3000 space)
        0x3041...0x3247,  // hiragana, katakana, bopomofo, Hangul compatibility jamo, kanbun, CJK strokes…
        0x3250...0x4DBF,  // enclosed CJK, CJK compatibility (㎞), CJK extension A
        0x4E00...0xA4CF,  // CJK unified ideographs, Yi
        0xA960...0xA97F,  // Hangul Jamo extended A
        0xAC00...0xD7A3,  // Hangul syllables
        0xF900...0xFAFF,  // CJK compatibility ideographs
        0xFE10...0xFE19,  // vertical forms
        0xFE30...0xFE6F,  // CJK compatibility forms, small form variants
        0xFF00...0xFF60,  // fullwidth ASCII variants (Ａ, １, （）, ～)
        0xFFE0...0xFFE6,  // fullwidth signs (￥)
        0x16FE0...0x16FE4, 0x16FF0...0x16FF1,
        0x17000...0x18CFF,  // Tangut, Khitan
        0x18D00...0x18D08,
        0x1AFF0...0x1B2FF,  // kana supplement and extensions, Nushu
        0x1F200...0x1F2FF,  // enclosed ideographic supplement (🈀)
        0x20000...0x2FFFD,  // CJK extensions B–F
        0x30000...0x3FFFD,  // CJK extensions G, H
    ]
}
