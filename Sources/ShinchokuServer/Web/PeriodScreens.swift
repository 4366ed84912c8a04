import Foundation
import Hummingbird
import Shinchoku

/// `GET /periods` (every period) and `GET /periods/{period}` (the period overview: departments × states, what is
/// missing or waiting, and a link to each item). Everyone signed in.
struct PeriodScreens: Sendable {
    let screens: WebScreens

    struct PeriodLine: Sendable {
        var code: String
        var label: String
        var state: String
        var due: String?
        var href: String
        var reportHref: String
    }

    struct ListPage: Sendable {
        var frame: Frame
        var periods: [PeriodLine]
    }

    struct Count: Sendable {
        var key: String
        var label: String
        var count: Int
    }

    struct DepartmentLine: Sendable {
        var code: String
        var name: String
        var counts: [Count]
        var missing: Int
        var waiting: Int
    }

    struct Item: Sendable {
        var label: String
        var name: String
        var state: String
        var stateKey: String
        var href: String
        var reason: String?
    }

    struct DepartmentItems: Sendable {
        var name: String
        var items: [Item]
    }

    struct OverviewPage: Sendable {
        var frame: Frame
        var period: PeriodSummary
        var stateLabels: [Count]
        var departments: [DepartmentLine]
        var totals: [Count]
        var totalMissing: Int
        var totalWaiting: Int
        var details: [DepartmentItems]
        var reportHref: String
    }

    static let stateKeys: [(key: String, label: String)] = [
        ("none", "未入力"), ("draft", "下書き"), ("correcting", "承認後修正中"), ("submitted", "提出済"),
        ("returned", "差戻し"), ("approved", "承認済"),
    ]

    func register(on web: some RouterMethods<ShinchokuRequestContext>) {
        web.get("periods") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            let periods = try await screens.service.periods(as: viewer.actor)
            return screens.pages.render(
                "periods",
                ListPage(
                    frame: viewer.frame(title: "期間別の状況", current: "/periods", notice: Notice.from(request)),
                    periods: periods.reversed().map(Self.line)))
        }

        web.get("periods/{period}") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            let status = try await screens.service.quarterStatus(
                period: context.period(), department: nil, as: viewer.actor)
            let period = status.period.code
            let figures = status.indicators.map { IndicatorRow($0, period: period) }
            let narratives = status.narratives.map { NarrativeRow($0, period: period) }
            var order: [String] = []
            var names: [String: String] = [:]
            var items: [String: [Item]] = [:]
            var counts: [String: [String: Int]] = [:]
            func ownForm(_ department: String) -> Bool {
                viewer.isClerk && viewer.user.department == department
            }
            for (s, row) in zip(status.indicators, figures) {
                if names[s.department] == nil { order.append(s.department) }
                names[s.department] = s.departmentName
                counts[s.department, default: [:]][row.stateKey, default: 0] += 1
                items[s.department, default: []].append(
                    Item(
                        label: row.code, name: row.name, state: row.state, stateKey: row.stateKey,
                        href: ownForm(s.department) ? row.href : row.historyHref, reason: row.reason))
            }
            for (s, row) in zip(status.narratives, narratives) {
                if names[s.department] == nil { order.append(s.department) }
                names[s.department] = s.departmentName
                counts[s.department, default: [:]][row.stateKey, default: 0] += 1
                items[s.department, default: []].append(
                    Item(
                        label: row.project, name: "進捗状況・今後の動向等", state: row.state, stateKey: row.stateKey,
                        href: ownForm(s.department) ? row.href : row.historyHref, reason: row.reason))
            }
            func line(_ c: [String: Int]) -> [Count] {
                Self.stateKeys.map { Count(key: $0.key, label: $0.label, count: c[$0.key] ?? 0) }
            }
            // Missing: nothing submitted yet (未入力, 下書き, 承認後修正中, 差戻し). Waiting: submitted, not reviewed.
            func missing(_ c: [String: Int]) -> Int {
                ["none", "draft", "correcting", "returned"].reduce(0) { $0 + (c[$1] ?? 0) }
            }
            let departments = order.map { code in
                DepartmentLine(
                    code: code, name: names[code] ?? code, counts: line(counts[code] ?? [:]),
                    missing: missing(counts[code] ?? [:]), waiting: counts[code]?["submitted"] ?? 0)
            }
            var all: [String: Int] = [:]
            for c in counts.values { all.merge(c, uniquingKeysWith: +) }
            return screens.pages.render(
                "period",
                OverviewPage(
                    frame: viewer.frame(
                        title: "期間の状況: \(Labels.period(period))", current: "/periods", notice: Notice.from(request)),
                    period: PeriodSummary(status.period, today: status.today, openForEntry: nil),
                    stateLabels: line([:]), departments: departments, totals: line(all), totalMissing: missing(all),
                    totalWaiting: all["submitted"] ?? 0,
                    details: order.map { DepartmentItems(name: names[$0] ?? $0, items: items[$0] ?? []) },
                    reportHref: "/reports/\(period)"))
        }
    }

    static func line(_ p: PeriodInfo) -> PeriodLine {
        PeriodLine(
            code: p.code.description, label: Labels.period(p.code), state: Labels.periodState(p.state),
            due: p.dueOn.map(Labels.date), href: "/periods/\(p.code)", reportHref: "/reports/\(p.code)")
    }
}
