/// Text cells of the CSV files Shinchoku writes (`figures export`, the CSV report), made safe to open in a
/// spreadsheet: OWASP's CSV-injection rule. A text cell that starts with `=`, `+`, `-`, `@`, TAB or CR would be run
/// as a formula by Excel (`=HYPERLINK("http://x")`), so it is written with a leading apostrophe, which Excel shows
/// as text and does not evaluate. Numbers are never passed through here: a value of `-5` stays the number -5.
///
/// A text that itself starts with an apostrophe gets one more, so that ``restored(_:)`` gives back exactly what
/// was stored: `figures import` reads an exported file back unchanged.
public enum SpreadsheetText {
    /// The characters that make a spreadsheet read a cell as a formula.
    public static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// The cell to write for a stored text.
    public static func neutralized(_ text: String) -> String {
        guard let first = text.unicodeScalars.first.map(Character.init),
            formulaStarts.contains(first) || first == "'"
        else { return text }
        return "'" + text
    }

    /// The stored text of a cell that ``neutralized(_:)`` wrote: one leading apostrophe is dropped when a
    /// formula character or another apostrophe follows it. Any other cell is taken as it is.
    public static func restored(_ cell: String) -> String {
        var scalars = cell.unicodeScalars[...]
        guard scalars.first == "'" else { return cell }
        scalars = scalars.dropFirst()
        guard let next = scalars.first.map(Character.init), formulaStarts.contains(next) || next == "'" else {
            return cell
        }
        return String(String.UnicodeScalarView(scalars))
    }
}
