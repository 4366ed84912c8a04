import Foundation
import LibPQ

// What the web screens show of a quarter: every indicator and narrative of the plan with its state in the period,
// including those with nothing entered yet (未入力), and what to compare a figure with. Everything here reads; the
// rules it reports (whether the period is open for a department, who may enter what) are the workflow's own.

/// One indicator in a period: its plan, its figure (nil while nothing is entered: 未入力), and what to compare with.
public struct IndicatorQuarterStatus: Sendable, Equatable {
    public var indicator: IndicatorInfo
    public var projectTitle: String
    /// The code and name of the department that owns the project.
    public var department: String
    public var departmentName: String
    /// The figure of the period; nil while nothing has been entered.
    public var figure: FigureInfo?
    /// The approved content of the quarter before, if any.
    public var previousQuarter: FigureContent?
    /// The latest approved content up to this period (this period's approved snapshot included), and its period.
    public var lastApproved: FigureContent?
    public var lastApprovedPeriod: PeriodCode?
    /// The reason of the latest return or reopen, while the figure is returned.
    public var returnReason: String?

    /// The figure's value minus the previous quarter's approved value, when both are numbers.
    public var changeFromPreviousQuarter: Decimal? {
        guard let v = figure?.value?.decimal, let p = previousQuarter?.value?.decimal else { return nil }
        return v - p
    }

    /// The figure's value minus the plan's baseline, when both are numbers.
    public var changeFromBaseline: Decimal? {
        guard let v = figure?.value?.decimal, let b = indicator.baseline?.decimal else { return nil }
        return v - b
    }
}

/// One project's narrative in a period (nil while nothing is written).
public struct NarrativeQuarterStatus: Sendable, Equatable {
    public var project: String
    public var projectTitle: String
    public var department: String
    public var departmentName: String
    public var narrative: NarrativeInfo?
    /// The reason of the latest return or reopen, while the narrative is returned.
    public var returnReason: String?
}

/// A period's indicators and narratives, of one department or of all, in plan order.
public struct QuarterStatus: Sendable, Equatable {
    public var period: PeriodInfo
    /// Today in Yamaguchi, for the days left until the due date.
    public var today: CalendarDate
    /// The department asked for; nil for all.
    public var department: String?
    /// Whether the department's clerks may enter and submit in the period now (nil when no department was asked
    /// for): the period is open, or closed with a running extension for the department.
    public var isOpenForEntry: Bool?
    public var indicators: [IndicatorQuarterStatus]
    public var narratives: [NarrativeQuarterStatus]
}

/// A submission in the review queue with what an approver compares it with.
public struct ReviewQueueEntry: Sendable, Equatable {
    public var item: ReviewItem
    /// The indicator's status in the submission's period (figures only).
    public var status: IndicatorQuarterStatus?
    /// The reason of the latest return or reopen, when the item was returned or reopened before.
    public var earlierReason: String?
}

/// What the figure form needs: the indicator's status and whether it can be entered now.
public struct FigureEntry: Sendable, Equatable {
    public var period: PeriodInfo
    public var today: CalendarDate
    public var status: IndicatorQuarterStatus
    public var isOpenForEntry: Bool
}

/// What the narrative form needs: the narrative's status and whether it can be written now.
public struct NarrativeEntry: Sendable, Equatable {
    public var period: PeriodInfo
    public var today: CalendarDate
    public var status: NarrativeQuarterStatus
    public var isOpenForEntry: Bool
}

extension ShinchokuService {
    /// The period's indicators and narratives with their state, of one department (its projects) or of all.
    ///
    /// - Parameter period: nil for the latest open period; `not_found` when none is open.
    /// - Parameter department: a department code, or nil for every department.
    /// Anyone signed in may read it, as they may read every figure.
    public func quarterStatus(period: PeriodCode?, department: String?, as reader: ActorReference) async throws
        -> QuarterStatus
    {
        try await perform(as: reader) { tx in
            let c = tx.connection
            let code = try period ?? QuarterStatusStore.latestOpenPeriod(c)
            return try QuarterStatusStore.status(c, period: code, department: department, project: nil)
        }
    }

    /// The figure form of one indicator in a period, for the clerks of the department that owns its project.
    /// Others are `forbidden`, as they would be when saving.
    public func figureEntry(period: PeriodCode, indicator: String, as clerk: ActorReference) async throws
        -> FigureEntry
    {
        try await perform(as: clerk) { tx in
            try tx.require(.clerk, to: "enter figures")
            let c = tx.connection
            guard
                let project = try c.query(
                    """
                    SELECT p.code FROM indicators i JOIN projects p ON p.id = i.project_id WHERE i.code = \(indicator)
                    """
                ).first?.decode(String.self, at: 0)
            else { throw ServiceError.notFound("There is no indicator \(indicator) in the plan.") }
            let owner = try QuarterStatusStore.requireOwnProject(tx, project: project, what: "figures")
            let q = try QuarterStatusStore.status(c, period: period, department: owner, project: project)
            guard let status = q.indicators.first(where: { $0.indicator.code == indicator }) else {
                throw ServiceError.notFound("There is no indicator \(indicator) in the plan.")
            }
            return FigureEntry(
                period: q.period, today: q.today, status: status, isOpenForEntry: q.isOpenForEntry ?? false)
        }
    }

    /// The narrative form of one project in a period, for the clerks of the department that owns the project.
    /// Others are `forbidden`, as they would be when saving.
    public func narrativeEntry(period: PeriodCode, project: String, as clerk: ActorReference) async throws
        -> NarrativeEntry
    {
        try await perform(as: clerk) { tx in
            try tx.require(.clerk, to: "write narratives")
            let owner = try QuarterStatusStore.requireOwnProject(tx, project: project, what: "narratives")
            let q = try QuarterStatusStore.status(tx.connection, period: period, department: owner, project: project)
            guard let status = q.narratives.first else {
                throw ServiceError.notFound("There is no project \(project) in the plan.")
            }
            return NarrativeEntry(
                period: q.period, today: q.today, status: status, isOpenForEntry: q.isOpenForEntry ?? false)
        }
    }

    /// The review queue (``reviewQueue(as:)``) with, for each figure, its indicator's plan, the previous quarter's
    /// and the last approved value, and any earlier reason for a return. Approvers only.
    public func reviewQueueEntries(as reviewer: ActorReference) async throws -> [ReviewQueueEntry] {
        try await perform(as: reviewer) { tx in
            try tx.require(.approver, to: "see the review queue")
            let c = tx.connection
            let items = try WorkflowLog.reviewQueue(c)
            var byPeriod: [PeriodCode: QuarterStatus] = [:]
            for period in Set(items.map(\.period)) {
                byPeriod[period] = try QuarterStatusStore.status(c, period: period, department: nil, project: nil)
            }
            let reasons = try QuarterStatusStore.latestReasons(c, periods: Array(byPeriod.keys), anyState: true)
            return items.map { item in
                let q = byPeriod[item.period]
                switch item.kind {
                case .figure:
                    let status = q?.indicators.first { $0.indicator.code == item.indicator }
                    return ReviewQueueEntry(
                        item: item, status: status,
                        earlierReason: reasons["f:\(item.period)/\(item.indicator ?? "")"])
                case .narrative:
                    return ReviewQueueEntry(
                        item: item, status: nil, earlierReason: reasons["n:\(item.period)/\(item.project)"])
                }
            }
        }
    }
}

/// SQL for the quarter's status lists.
enum QuarterStatusStore {
    /// The latest open period: the one clerks are working on.
    static func latestOpenPeriod(_ c: Connection) throws -> PeriodCode {
        guard
            let text = try c.query(
                "SELECT code FROM periods WHERE state = 'open' ORDER BY fiscal_year DESC, quarter DESC LIMIT 1"
            ).first?.decode(String.self, at: 0), let code = PeriodCode(text)
        else { throw ServiceError.notFound("No period is open for entry at the moment.") }
        return code
    }

    /// The project's department code, once the acting clerk is found to belong to it; `forbidden` otherwise.
    static func requireOwnProject(_ tx: Transaction, project: String, what: String) throws -> String {
        guard
            let row = try tx.connection.query(
                """
                SELECT d.id, d.code FROM projects p JOIN departments d ON d.id = p.department_id
                WHERE p.code = \(project)
                """
            ).first
        else { throw ServiceError.notFound("There is no project \(project) in the plan.") }
        let (departmentID, department) = try row.decode((Int, String).self)
        guard tx.actor.departmentID == departmentID else {
            throw ServiceError.forbidden(
                "Project \(project) belongs to \(department); \(tx.actor.login) enters \(what) only for projects of "
                    + "\(tx.actor.departmentCode ?? "its own department").")
        }
        return department
    }

    static func status(_ c: Connection, period: PeriodCode, department: String?, project: String?) throws
        -> QuarterStatus
    {
        let periodInfo = try PeriodStore.existing(c, period)
        let today = try PeriodStore.today(c)
        var departmentID: Int?
        if let department {
            guard
                let id = try c.query("SELECT id FROM departments WHERE code = \(department)").first?.decode(
                    Int.self, at: 0)
            else { throw ServiceError.notFound("There is no department \(department).") }
            departmentID = id
        }
        let openForEntry = try departmentID.map {
            try WorkflowGate.period(c, period, department: $0, lock: false).isOpenForEntry
        }

        let projects = try PlanStore.projects(c, code: project).filter {
            department == nil || $0.department.code == department
        }
        let figures = Dictionary(
            try FigureStore.infos(c, period: period, project: project, department: department, state: nil).map {
                ($0.indicator, $0)
            }, uniquingKeysWith: { a, _ in a })
        let narratives = Dictionary(
            try NarrativeStore.infos(c, period: period, department: department, state: nil)
                .filter { project == nil || $0.project == project }.map { ($0.project, $0) },
            uniquingKeysWith: { a, _ in a })
        let previous = try approvedContents(c, period: period.previous, upTo: false)
        let lastApproved = try approvedContents(c, period: period, upTo: true)
        let reasons = try latestReasons(c, periods: [period], anyState: false)

        var indicators: [IndicatorQuarterStatus] = []
        var narrativeList: [NarrativeQuarterStatus] = []
        for p in projects {
            for i in p.indicators {
                let figure = figures[i.code]
                indicators.append(
                    IndicatorQuarterStatus(
                        indicator: i, projectTitle: p.title, department: p.department.code,
                        departmentName: p.department.name, figure: figure, previousQuarter: previous[i.code]?.content,
                        lastApproved: lastApproved[i.code]?.content, lastApprovedPeriod: lastApproved[i.code]?.period,
                        returnReason: figure?.state == .returned ? reasons["f:\(period)/\(i.code)"] : nil))
            }
            let narrative = narratives[p.code]
            narrativeList.append(
                NarrativeQuarterStatus(
                    project: p.code, projectTitle: p.title, department: p.department.code,
                    departmentName: p.department.name, narrative: narrative,
                    returnReason: narrative?.state == .returned ? reasons["n:\(period)/\(p.code)"] : nil))
        }
        return QuarterStatus(
            period: periodInfo, today: today, department: department, isOpenForEntry: openForEntry,
            indicators: indicators, narratives: narrativeList)
    }
}
