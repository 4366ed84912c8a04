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
///
/// In JSON the approved snapshot is flat, as `approved_value`, `approved_status`, `approved_note` and
/// `approved_as_of` beside `approved_at` and `approved_by`; each is left out while nothing has been approved.
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
    /// Nil until the figure is first approved.
    public var approved: FigureContent?
    public var approvedAt: Date?
    /// The login of the approver.
    public var approvedBy: String?

    /// The current content.
    public var content: FigureContent { FigureContent(status: status, value: value, note: note, asOf: asOf) }

    /// The approved snapshot's parts, as the JSON has them.
    public var approvedValue: ExactDecimal? { approved?.value }
    public var approvedStatus: FigureStatus? { approved?.status }
    public var approvedNote: String? { approved?.note }
    public var approvedAsOf: CalendarDate? { approved?.asOf }

    enum CodingKeys: String, CodingKey {
        case indicator, indicatorName, project, department, period, value, status, note, asOf, state, version
        case changedSinceApproval, enteredBy, updatedAt
        case approvedValue, approvedStatus, approvedNote, approvedAsOf, approvedAt, approvedBy
    }

    public init(
        indicator: String, indicatorName: String, project: String, department: String, period: PeriodCode,
        content: FigureContent, state: WorkflowState, version: Int, changedSinceApproval: Bool, enteredBy: String,
        updatedAt: Date, approved: FigureContent?, approvedAt: Date?, approvedBy: String?
    ) {
        (self.indicator, self.indicatorName, self.project, self.department) = (
            indicator, indicatorName, project, department
        )
        self.period = period
        (value, status, note, asOf) = (content.value, content.status, content.note, content.asOf)
        (self.state, self.version, self.changedSinceApproval) = (state, version, changedSinceApproval)
        (self.enteredBy, self.updatedAt) = (enteredBy, updatedAt)
        (self.approved, self.approvedAt, self.approvedBy) = (approved, approvedAt, approvedBy)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let approvedStatus = try c.decodeIfPresent(FigureStatus.self, forKey: .approvedStatus)
        self.init(
            indicator: try c.decode(String.self, forKey: .indicator),
            indicatorName: try c.decode(String.self, forKey: .indicatorName),
            project: try c.decode(String.self, forKey: .project),
            department: try c.decode(String.self, forKey: .department),
            period: try c.decode(PeriodCode.self, forKey: .period),
            content: FigureContent(
                status: try c.decode(FigureStatus.self, forKey: .status),
                value: try c.decodeIfPresent(ExactDecimal.self, forKey: .value),
                note: try c.decodeIfPresent(String.self, forKey: .note),
                asOf: try c.decode(CalendarDate.self, forKey: .asOf)),
            state: try c.decode(WorkflowState.self, forKey: .state), version: try c.decode(Int.self, forKey: .version),
            changedSinceApproval: try c.decode(Bool.self, forKey: .changedSinceApproval),
            enteredBy: try c.decode(String.self, forKey: .enteredBy),
            updatedAt: try c.decode(Date.self, forKey: .updatedAt),
            approved: try approvedStatus.map { status in
                FigureContent(
                    status: status, value: try c.decodeIfPresent(ExactDecimal.self, forKey: .approvedValue),
                    note: try c.decodeIfPresent(String.self, forKey: .approvedNote),
                    asOf: try c.decode(CalendarDate.self, forKey: .approvedAsOf))
            },
            approvedAt: try c.decodeIfPresent(Date.self, forKey: .approvedAt),
            approvedBy: try c.decodeIfPresent(String.self, forKey: .approvedBy))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(indicator, forKey: .indicator)
        try c.encode(indicatorName, forKey: .indicatorName)
        try c.encode(project, forKey: .project)
        try c.encode(department, forKey: .department)
        try c.encode(period, forKey: .period)
        try c.encodeIfPresent(value, forKey: .value)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(note, forKey: .note)
        try c.encode(asOf, forKey: .asOf)
        try c.encode(state, forKey: .state)
        try c.encode(version, forKey: .version)
        try c.encode(changedSinceApproval, forKey: .changedSinceApproval)
        try c.encode(enteredBy, forKey: .enteredBy)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encodeIfPresent(approved?.value, forKey: .approvedValue)
        try c.encodeIfPresent(approved?.status, forKey: .approvedStatus)
        try c.encodeIfPresent(approved?.note, forKey: .approvedNote)
        try c.encodeIfPresent(approved?.asOf, forKey: .approvedAsOf)
        try c.encodeIfPresent(approvedAt, forKey: .approvedAt)
        try c.encodeIfPresent(approvedBy, forKey: .approvedBy)
    }
}
