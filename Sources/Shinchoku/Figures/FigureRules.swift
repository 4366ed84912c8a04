import Foundation
import LibPQ

/// An indicator as figure rules need it.
struct IndicatorRef {
    let id: Int
    let code: String
    let name: String
    let kind: MeasureKind
    let valueType: ValueType
    let decimals: Int
    let owner: ProjectOwner
}

/// A figure row as the workflow needs it.
typealias FigureRow = ReviewRow<FigureContent>

/// The latest approved value of an earlier period, which a new figure is compared against.
struct PreviousFigure {
    let period: PeriodCode
    let value: ExactDecimal
}

/// What the audit trail keeps of a figure: its content, where it is in review, and its version.
struct FigureAuditRecord: Encodable {
    var status: FigureStatus
    var value: ExactDecimal?
    var note: String?
    var asOf: CalendarDate
    var state: WorkflowState
    var version: Int
    var changedSinceApproval: Bool

}

/// The rules a figure's content must follow.
enum FigureRules {
    /// The longest note, in characters.
    static let maxNoteLength = 2000
    /// How long after its period a figure may be as of: the prefecture reports a quarter some weeks later.
    static let asOfGraceDays = 92

    /// Throws `invalid` listing every rule the content breaks for this indicator, period and previous figure.
    static func check(
        _ content: FigureContent, of indicator: IndicatorRef, in period: PeriodWindow, previous: PreviousFigure?
    ) throws {
        var v = Validation()
        let name = indicator.name
        switch content.status {
        case .reported:
            v.require(
                content.value != nil, "value", "is required when the status is reported",
                ja: "実績値を入力してください。値がまだない場合は、区分で「未公表」か「－」を選んでください。")
        case .notPublished, .notAvailable:
            let label = content.status == .notPublished ? "not_published (未公表)" : "not_available (－)"
            let jaLabel = content.status == .notPublished ? "「未公表」" : "「－」"
            v.require(
                content.value == nil, "value", "must be empty when the status is \(label)",
                ja: "区分が\(jaLabel)のときは、実績値を空欄にしてください。値を報告する場合は、区分で「実績値」を選んでください。")
            v.require(
                content.note != nil, "note", "is required when the status is \(label): say why there is no value",
                ja: "区分が\(jaLabel)のときは、備考を入力してください。値がない理由を書いてください。")
        }
        if let value = content.value {
            checkValue(value, of: indicator, into: &v)
            if content.note == nil, let previous {
                let (new, old) = (value.decimal, previous.value.decimal)
                if indicator.kind == .cumulative && new < old {
                    v.add(
                        "note",
                        "is required to explain why \(name) fell below the approved figure of \(previous.period) "
                            + "(\(previous.value)): a cumulative figure does not normally fall",
                        ja: "備考を入力してください。\(name)は累計の指標のため通常は減りませんが、"
                            + "値が\(previous.period.jaName)の承認値（\(previous.value)）を下回っています。その理由を書いてください。")
                }
                if old > 0 && new > old * 3 {
                    v.add(
                        "note",
                        "is required to explain why \(name) is more than 3 times the approved figure of "
                            + "\(previous.period) (\(previous.value))",
                        ja: "備考を入力してください。\(name)の値が\(previous.period.jaName)の承認値（\(previous.value)）の"
                            + "3倍を超えています。その理由を書いてください。")
                }
            }
        }
        let latest = period.endsOn.adding(days: asOfGraceDays)
        v.require(
            content.asOf >= period.startsOn && content.asOf <= latest, "as_of",
            "must lie between \(period.startsOn) and \(latest) (the period and the \(asOfGraceDays) days after it)",
            ja: "時点は\(period.startsOn.jaText)から\(latest.jaText)までの日付にしてください"
                + "（期間中と、その後\(asOfGraceDays)日以内）。")
        if let value = content.value, !FigureValue.hasAllowedDigits(value) {
            // The API and the import refuse such a value already; this is for callers that build it themselves.
            v.add(
                "value", "has more than \(FigureValue.maximumDigits) digits, which reports cannot compute exactly",
                ja: "実績値は\(FigureValue.maximumDigits)桁以内で入力してください（それより長いと集計を正確に計算できません）。")
        }
        if let note = content.note {
            if let refusal = TypedText.refusal(in: note) { v.add("note", refusal) }
            let length = EnteredText.length(note)
            v.require(
                length <= maxNoteLength, "note", "must be at most \(maxNoteLength) characters (it has \(length))",
                ja: "備考は\(maxNoteLength)文字以内にしてください（いまは\(length)文字です）。")
        }
        try v.check()
    }

    private static func checkValue(_ value: ExactDecimal, of indicator: IndicatorRef, into v: inout Validation) {
        let name = indicator.name
        v.require(
            !value.isNegative, "value", "must not be negative for \(name)",
            ja: "\(name)の実績値にマイナスの値は使えません。0以上の値を入力してください（△や▲はマイナスの意味になります）。")
        let isWhole = value.text.split(separator: ".").dropFirst().allSatisfy { $0.allSatisfy { $0 == "0" } }
        switch indicator.valueType {
        case .rate:
            v.require(
                value.decimal <= 100, "value", "a rate must lie between 0 and 100 for \(name)",
                ja: "\(name)は割合の指標です。0から100までの値を入力してください。")
        case .count:
            v.require(
                isWhole, "value", "must be a whole number for \(name), which counts",
                ja: "\(name)は回数・件数の指標です。整数で入力してください（小数は使えません）。")
        case .quantity:
            break
        }
        // A fractional count is already reported as such; say nothing more about its decimals.
        if value.scale > indicator.decimals && (indicator.valueType != .count || isWhole) {
            switch indicator.decimals {
            case 0:
                v.add(
                    "value", "must be a whole number without decimal places for \(name)",
                    ja: "\(name)の実績値は整数で入力してください（小数点以下は使えません）。")
            case 1:
                v.add(
                    "value", "at most 1 decimal place for \(name)",
                    ja: "\(name)の実績値は小数点以下1桁までで入力してください。")
            case let n:
                v.add(
                    "value", "at most \(n) decimal places for \(name)",
                    ja: "\(name)の実績値は小数点以下\(n)桁までで入力してください。")
            }
        }
    }
}
