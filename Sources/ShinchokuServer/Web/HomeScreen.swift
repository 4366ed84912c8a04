import Foundation
import Hummingbird
import Shinchoku

/// `GET /`: the clerk's home, 今期の入力状況: every indicator and narrative of the department's projects in the
/// open period, entered or not, returned ones first with their reason. Approvers land on their queue, admins on
/// the admin screens.
struct HomeScreen: Sendable {
    let screens: WebScreens

    struct Page {
        var frame: Frame
        var department: String
        var period: PeriodSummary?
        var indicators: [IndicatorRow]
        var narratives: [NarrativeRow]
        var returnedCount: Int
        // Stored, not computed: templates see stored properties only.
        var hasReturned: Bool

        init(
            frame: Frame, department: String, period: PeriodSummary?, indicators: [IndicatorRow],
            narratives: [NarrativeRow], returnedCount: Int
        ) {
            self.frame = frame
            self.department = department
            self.period = period
            self.indicators = indicators
            self.narratives = narratives
            self.returnedCount = returnedCount
            self.hasReturned = returnedCount > 0
        }
    }

    func register(on web: some RouterMethods<ShinchokuRequestContext>) {
        web.get("/") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            switch viewer.user.role {
            case .approver: return WebRedirect.to("/review")
            case .admin: return WebRedirect.to("/admin")
            case .clerk: break
            }
            let frame = viewer.frame(title: "今期の入力状況", current: "/", notice: Notice.from(request))
            let department = viewer.user.department ?? ""
            let status: QuarterStatus
            do {
                status = try await screens.service.quarterStatus(
                    period: nil, department: department, as: viewer.actor)
            } catch let e as ServiceError where e.code == .notFound {
                return screens.pages.render(
                    "home",
                    Page(
                        frame: frame, department: department, period: nil, indicators: [], narratives: [],
                        returnedCount: 0))
            }
            let indicators = status.indicators.map { IndicatorRow($0, period: status.period.code) }
            let narratives = status.narratives.map { NarrativeRow($0, period: status.period.code) }
            // Returned items first, then the plan's order.
            let sortedIndicators = indicators.filter(\.isReturned) + indicators.filter { !$0.isReturned }
            let sortedNarratives = narratives.filter(\.isReturned) + narratives.filter { !$0.isReturned }
            return screens.pages.render(
                "home",
                Page(
                    frame: frame, department: status.indicators.first?.departmentName ?? department,
                    period: PeriodSummary(status.period, today: status.today, openForEntry: status.isOpenForEntry),
                    indicators: sortedIndicators, narratives: sortedNarratives,
                    returnedCount: sortedIndicators.filter(\.isReturned).count
                        + sortedNarratives.filter(\.isReturned).count))
        }
    }
}

/// A period's heading line: its name, state, due date and days left.
struct PeriodSummary: Sendable {
    var code: String
    var label: String
    var state: String
    var due: String?
    var daysLeft: String?
    var openForEntry: Bool

    init(_ p: PeriodInfo, today: CalendarDate, openForEntry: Bool?) {
        code = p.code.description
        label = Labels.period(p.code)
        state = Labels.periodState(p.state)
        due = p.dueOn.map(Labels.date)
        daysLeft = Labels.daysLeft(due: p.dueOn, today: today)
        self.openForEntry = openForEntry ?? (p.state == .open)
    }
}

/// One indicator's line in a list of the quarter.
struct IndicatorRow: Sendable {
    var href: String
    var historyHref: String
    var project: String
    var projectTitle: String
    var departmentName: String
    var code: String
    var name: String
    var unit: String
    var kind: String
    var state: String
    var stateKey: String
    var isReturned: Bool
    var reason: String?
    var current: String?
    var target: String
    var baseline: String
    var previousQuarter: String?
    var lastApproved: String?
    var lastApprovedPeriod: String?
    var note: String?

    init(_ s: IndicatorQuarterStatus, period: PeriodCode) {
        let i = s.indicator
        href = "/periods/\(period)/figures/\(i.code)"
        historyHref = href + "/history"
        project = i.projectCode
        projectTitle = s.projectTitle
        departmentName = s.departmentName
        code = i.code
        name = i.name
        unit = i.unit
        kind = Labels.kind(i.kind)
        let label = Labels.state(s.figure?.state, approvedBefore: s.figure?.approvedAt != nil)
        state = label.text
        stateKey = label.key
        isReturned = s.figure?.state == .returned
        reason = s.returnReason
        current = Labels.content(s.figure?.content, unit: i.unit)
        target = Labels.target(i)
        baseline = Labels.baseline(i)
        previousQuarter = Labels.content(s.previousQuarter, unit: i.unit)
        lastApproved = Labels.content(s.lastApproved, unit: i.unit)
        lastApprovedPeriod = s.lastApprovedPeriod.map(\.description)
        note = s.figure?.note
    }
}

/// One project's narrative line in a list of the quarter.
struct NarrativeRow: Sendable {
    var href: String
    var historyHref: String
    var project: String
    var projectTitle: String
    var departmentName: String
    var state: String
    var stateKey: String
    var isReturned: Bool
    var reason: String?

    init(_ s: NarrativeQuarterStatus, period: PeriodCode) {
        href = "/periods/\(period)/narratives/\(s.project)"
        historyHref = href + "/history"
        project = s.project
        projectTitle = s.projectTitle
        departmentName = s.departmentName
        let label = Labels.state(s.narrative?.state, approvedBefore: s.narrative?.approvedAt != nil)
        state = label.text
        stateKey = label.key
        isReturned = s.narrative?.state == .returned
        reason = s.returnReason
    }
}
