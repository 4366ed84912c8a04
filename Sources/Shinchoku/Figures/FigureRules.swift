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
            v.require(content.value != nil, "value", "is required when the status is reported")
        case .notPublished, .notAvailable:
            let label = content.status == .notPublished ? "not_published (未公表)" : "not_available (－)"
            v.require(content.value == nil, "value", "must be empty when the status is \(label)")
            v.require(content.note != nil, "note", "is required when the status is \(label): say why there is no value")
        }
        if let value = content.value {
            checkValue(value, of: indicator, into: &v)
            if content.note == nil, let previous {
                let (new, old) = (value.decimal, previous.value.decimal)
                if indicator.kind == .cumulative && new < old {
                    v.add(
                        "note",
                        "is required to explain why \(name) fell below the approved figure of \(previous.period) "
                            + "(\(previous.value)): a cumulative figure does not normally fall")
                }
                if old > 0 && new > old * 3 {
                    v.add(
                        "note",
                        "is required to explain why \(name) is more than 3 times the approved figure of "
                            + "\(previous.period) (\(previous.value))")
                }
            }
        }
        let latest = period.endsOn.adding(days: asOfGraceDays)
        v.require(
            content.asOf >= period.startsOn && content.asOf <= latest, "as_of",
            "must lie between \(period.startsOn) and \(latest) (the period and the \(asOfGraceDays) days after it)")
        if let value = content.value, !FigureValue.hasAllowedDigits(value) {
            // The API and the import refuse such a value already; this is for callers that build it themselves.
            v.add("value", "has more than \(FigureValue.maximumDigits) digits, which reports cannot compute exactly")
        }
        if let note = content.note {
            if let problem = TypedText.problem(in: note) { v.add("note", problem) }
            let length = EnteredText.length(note)
            v.require(
                length <= maxNoteLength, "note", "must be at most \(maxNoteLength) characters (it has \(length))")
        }
        try v.check()
    }

    private static func checkValue(_ value: ExactDecimal, of indicator: IndicatorRef, into v: inout Validation) {
        let name = indicator.name
        v.require(!value.isNegative, "value", "must not be negative for \(name)")
        let isWhole = value.text.split(separator: ".").dropFirst().allSatisfy { $0.allSatisfy { $0 == "0" } }
        switch indicator.valueType {
        case .rate:
            v.require(value.decimal <= 100, "value", "a rate must lie between 0 and 100 for \(name)")
        case .count:
            v.require(isWhole, "value", "must be a whole number for \(name), which counts")
        case .quantity:
            break
        }
        // A fractional count is already reported as such; say nothing more about its decimals.
        if value.scale > indicator.decimals && (indicator.valueType != .count || isWhole) {
            switch indicator.decimals {
            case 0: v.add("value", "must be a whole number without decimal places for \(name)")
            case 1: v.add("value", "at most 1 decimal place for \(name)")
            case let n: v.add("value", "at most \(n) decimal places for \(name)")
            }
        }
    }
}
