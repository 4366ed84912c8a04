import Foundation
import Testing

@testable import ShinchokuReports

/// The byte- and scalar-level text helpers of the reports against the definitions they stand in for.
@Suite("Report text helpers")
struct TextFastPathTests {
    static let samples: [String] = [
        "", "港湾", "  工業用水 \u{3000}", "一行目\n二行目", "CR LF\r\nの次\r\n\r\n", "CRだけ\rの行", "VT\u{0B}FF\u{0C}NEL\u{85}",
        "LS\u{2028}PS\u{2029}末", "\n\n\t \n", "（全角括弧）と１２３", "a & b < c > d \"e\" 'f'", "制御\u{01}文字\u{7F}",
        "非文字\u{FFFE}と\u{FFFF}", "改行の後の結合文字\n\u{0301}あ", "絵文字👨‍👩‍👧と\r\n旗🇯🇵", "\t先頭と末尾のタブ\t",
        "最後の行に改行なし",
    ]

    /// `lines` as it was written with Characters.
    static func referenceLines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }

    @Test("Narrative lines split on newline scalars as on newline Characters", arguments: samples)
    func lines(_ text: String) {
        #expect(ReportText.lines(text) == Self.referenceLines(text))
    }

    /// `escape` without its fast path: every byte through the escaping loop.
    static func referenceEscape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case "\u{00}"..."\u{1F}", "\u{7F}", "\u{FFFE}", "\u{FFFF}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    @Test("HTML escaping, with and without anything to escape", arguments: samples)
    func escape(_ text: String) {
        #expect(HTMLReport.escape(text) == Self.referenceEscape(text))
    }

    @Test("Text with nothing to escape comes back as it is; full-width forms (EF BC ..) are not U+FFFE")
    func cleanText() {
        #expect(HTMLReport.escape("（全角）ｶﾅ") == "（全角）ｶﾅ")
        #expect(HTMLReport.escape("末尾\u{FFFF}") == "末尾\u{FFFD}")
        #expect(HTMLReport.escape("\u{FFFE}") == "\u{FFFD}")
    }
}
