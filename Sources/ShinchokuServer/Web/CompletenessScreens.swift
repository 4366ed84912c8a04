import Foundation
import Hummingbird
import Shinchoku

/// `GET /periods/{period}/completeness` (公表までの状況): what still stands between a period and its report, per
/// department, through the same service call as `GET /api/v1/periods/{period}/completeness` and
/// `shinchoku-admin period status` (``ShinchokuService/completeness(period:as:)``). Every signed-in user may read it.
struct CompletenessScreens: Sendable {
    let screens: WebScreens

    struct Item: Sendable {
        var kind: String
        var code: String
        var name: String
        var state: String
        var done: Bool
        var returned: Bool
        var excuseReason: String?
    }

    struct Department: Sendable {
        var code: String
        var name: String
        var done: Int
        var total: Int
        var items: [Item]
    }

    struct Page: Sendable {
        var frame: Frame
        var period: String
        var label: String
        var complete: Bool
        var outstanding: Int
        var approved: Int
        var excused: Int
        var total: Int
        var departments: [Department]
    }

    func register(on web: some RouterMethods<ShinchokuRequestContext>) {
        web.get("periods/{period}/completeness") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            let text = try context.path("period")
            guard let period = PeriodCode(text) else { throw ServiceError.notFound("There is no period \(text).") }
            let c = try await screens.service.completeness(period: period, as: viewer.actor)
            let departments = c.departments.map { d in
                Department(
                    code: d.code, name: d.name, done: d.counts.approved + d.counts.excused, total: d.counts.total,
                    items: d.items.map { i in
                        Item(
                            kind: i.kind == .figure ? "指標" : "進捗状況", code: i.code, name: i.name,
                            state: i.state.japanese, done: i.state.isDone, returned: i.state == .returned,
                            excuseReason: i.excuseReason)
                    })
            }
            return screens.pages.render(
                "completeness",
                Page(
                    frame: viewer.frame(title: "公表までの状況", current: "/"),
                    period: period.description, label: Labels.period(period), complete: c.complete,
                    outstanding: c.counts.outstanding, approved: c.counts.approved, excused: c.counts.excused,
                    total: c.counts.total, departments: departments))
        }
    }
}
