import Foundation
import LibPQ

/// What a clerk enters for one indicator in one period.
public struct FigureInput: Sendable, Equatable, Codable {
    /// Required when `status` is `reported`, absent otherwise.
    public var value: ExactDecimal?
    public var status: FigureStatus
    /// Required when there is no value (未公表, －), and to explain a fall or a jump.
    public var note: String?
    /// The date the value is as of; nil means the period's last day.
    public var asOf: CalendarDate?
    /// Nil to create the figure; the current version to change it.
    public var version: Int?

    public init(
        value: ExactDecimal?, status: FigureStatus = .reported, note: String? = nil, asOf: CalendarDate? = nil,
        version: Int? = nil
    ) {
        self.value = value
        self.status = status
        self.note = note
        self.asOf = asOf
        self.version = version
    }
}

/// What a figure says at one moment: the part a review approves and a report prints.
public struct FigureContent: Sendable, Equatable, Codable {
    public var status: FigureStatus
    /// Nil unless `status` is `reported`.
    public var value: ExactDecimal?
    public var note: String?
    public var asOf: CalendarDate

    public init(status: FigureStatus, value: ExactDecimal?, note: String?, asOf: CalendarDate) {
        self.status = status
        self.value = value
        self.note = note
        self.asOf = asOf
    }
}

/// A figure as users see it: its content, where it is in review, and the last approved content.
public struct FigureInfo: Sendable, Equatable, Codable {
    public var indicator: String
    public var indicatorName: String
    public var project: String
    /// The department that owns the project.
    public var department: String
    public var period: PeriodCode
    public var value: ExactDecimal?
    public var status: FigureStatus
    public var note: String?
    public var asOf: CalendarDate
    public var state: WorkflowState
    /// Pass it back to change, submit or review the figure.
    public var version: Int
    /// True while a reopened figure differs from what was approved.
    public var changedSinceApproval: Bool
    /// The login of the clerk who last saved it.
    public var enteredBy: String
    public var updatedAt: Date
    /// The last approved content; reports print it, also while a reopened figure is being corrected.
    public var approvedValue: ExactDecimal?
    public var approvedStatus: FigureStatus?
    public var approvedNote: String?
    public var approvedAsOf: CalendarDate?
    public var approvedAt: Date?
    /// The login of the approver.
    public var approvedBy: String?

    /// The current content.
    public var content: FigureContent { FigureContent(status: status, value: value, note: note, asOf: asOf) }
}
