import Testing

@testable import ShinchokuAdmin
@testable import ShinchokuReports

@Suite struct DisplayWidthTests {
    @Test func asciiTakesOneColumnEach() {
        #expect(DisplayWidth.of("") == 0)
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("2021Q1 1-1.1") == 12)
    }

    @Test func japaneseTakesTwoColumnsEach() {
        #expect(DisplayWidth.of("日本語") == 6)
        #expect(DisplayWidth.of("ひらがな") == 8)
        #expect(DisplayWidth.of("カタカナ") == 8)
        #expect(DisplayWidth.of("石炭共同輸送実施回数") == 20)
        // Full-width forms and CJK punctuation.
        #expect(DisplayWidth.of("ＡＢ１２") == 8)
        #expect(DisplayWidth.of("〔〕、。・「」") == 14)
        #expect(DisplayWidth.of("\u{3000}") == 2)  // ideographic space
        #expect(DisplayWidth.of("－～￥") == 6)
    }

    @Test func halfWidthKatakanaTakesOneColumn() {
        #expect(DisplayWidth.of("ｶﾅ") == 2)
        #expect(DisplayWidth.of("ﾃﾞｰﾀ") == 4)  // ﾃ, ﾞ (a spacing half-width mark), ｰ, ﾀ
    }

    @Test func mixedText() {
        #expect(DisplayWidth.of("1-1 石炭ｶﾅabc") == 4 + 4 + 2 + 3)
        #expect(DisplayWidth.of("土木建築部 港湾課") == 10 + 1 + 6)
        #expect(DisplayWidth.of("35回 (FY2023)") == 2 + 2 + 9)
    }

    @Test func combiningMarksAndInvisibleCharactersTakeNone() {
        #expect(DisplayWidth.of("e\u{301}") == 1)  // é decomposed
        #expect(DisplayWidth.of("か\u{3099}") == 2)  // が decomposed
        #expect(DisplayWidth.of("\u{301}") == 0)
        #expect(DisplayWidth.of("a\u{200B}b") == 2)  // zero-width space
        #expect(DisplayWidth.of("\u{FEFF}") == 0)
        #expect(DisplayWidth.of(Unicode.Scalar(0x0A)!) == 0)
    }

    @Test func emojiTakeTwo() {
        #expect(DisplayWidth.of("🙂") == 2)
        #expect(DisplayWidth.of("👨‍👩‍👧") == 2)
    }

    @Test func ambiguousCharactersTakeOne() {
        #expect(DisplayWidth.of("○※") == 2)
        #expect(DisplayWidth.of("αβ") == 2)
    }

    @Test func paddingUsesDisplayWidth() {
        #expect(DisplayWidth.pad("港湾", to: 6) == "港湾  ")
        #expect(DisplayWidth.pad("ｶﾅ", to: 4, alignRight: true) == "  ｶﾅ")
        #expect(DisplayWidth.pad("長すぎる", to: 2) == "長すぎる")
    }

    @Test func aTableWithJapaneseColumnsAligns() {
        var table = TextTable("CODE", "NAME", "COUNT")
        table.add("ports", "土木建築部 港湾課", "1")
        table.add("kombinat", "商工労働部 商工政策課 コンビナート連携担当", "12")
        table.add("x", "ｶﾅ half", "123")
        let lines = table.aligningRight("COUNT").render().components(separatedBy: "\n")
        #expect(lines.count == 5)
        // Every column starts at the same display column on every line.
        let nameColumn = DisplayWidth.of("kombinat  ")
        for line in lines {
            let prefix = Self.prefix(of: line, columns: nameColumn)
            #expect(DisplayWidth.of(prefix) == nameColumn, "\(line)")
            #expect(prefix.hasSuffix("  "), "\(line)")
        }
        // Right-aligned numbers end at the same column, the end of the line.
        let widths = lines.map { DisplayWidth.of($0) }
        #expect(Set(widths.dropFirst(2)).count == 1, "\(lines)")
        #expect(lines[1].allSatisfy { $0 == "-" || $0 == " " })
        // "ports" and 3 spaces, 2 between columns; the name padded from 17 to 42 columns, 2 between; "1" right-aligned in 5.
        #expect(lines[2] == "ports     土木建築部 港湾課" + String(repeating: " ", count: 25 + 2 + 4) + "1")
        #expect(!lines.contains { $0.hasSuffix(" ") })
    }

    @Test func cellsWithLineBreaksStayOnOneLine() {
        var table = TextTable("A", "B")
        table.add("x\ny", "z")
        #expect(table.render().components(separatedBy: "\n").count == 3)
    }

    /// The characters of `line` that fill its first `columns` display columns.
    static func prefix(of line: String, columns: Int) -> String {
        var s = ""
        for c in line {
            if DisplayWidth.of(s) >= columns { break }
            s.append(c)
        }
        return s
    }
}
