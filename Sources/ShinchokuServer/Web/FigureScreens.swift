import Foundation
import Hummingbird
import Shinchoku

/// The figure form (`GET`/`POST /periods/{period}/figures/{indicator}`) and a figure's history
/// (`GET …/history`).
///
/// The form posts `value`, `status`, `as_of`, `note`, `version` and `action` (`save` or `submit`; 保存 is the
/// first button, so the Enter that confirms an IME conversion saves and never submits). 提出 saves what was typed,
/// then submits that version. A repeated POST of the same form (a double click, Back and resubmit) finds the
/// figure already in the state it asked for and ends on a calm notice; a POST from a form that someone else's
/// change made stale shows what changed and keeps what was typed, ready to be saved again.
struct FigureScreens: Sendable {
    let screens: WebScreens

    struct Values: Sendable {
        var value: String
        var status: String
        var asOf: String
        var note: String
        var version: String
        var statusOptions: [Option]
    }

    struct Option: Sendable {
        var value: String
        var label: String
        var checked: Bool
    }

    struct Stale: Sendable {
        var state: String
        var current: String
        var note: String?
        var by: String
        var at: String
    }

    struct Page: Sendable {
        var frame: Frame
        var period: PeriodSummary
        var row: IndicatorRow
        var action: String
        var values: Values
        var decimalsHint: String
        var periodEnd: String
        var editable: Bool
        var lockedReason: String?
        var errors: [FieldMessage]
        var hasErrors: Bool
        var valueError: String?
        var statusError: String?
        var asOfError: String?
        var noteError: String?
        var stale: Stale?
    }

    func register(on web: some RouterMethods<ShinchokuRequestContext>) {
        web.get("periods/{period}/figures/{indicator}") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            let entry = try await screens.service.figureEntry(
                period: context.period(), indicator: context.path("indicator"), as: viewer.actor)
            let values = Self.values(from: entry.status.figure)
            return screens.pages.render(
                "figure", page(viewer, entry, values: values, errors: [], notice: Notice.from(request)))
        }

        web.post("periods/{period}/figures/{indicator}") { request, context -> Response in
            var request = request
            let form = try await WebForm.read(&request)
            let viewer = try await screens.viewer(context)
            let period = try context.period()
            let indicator = try context.path("indicator")
            let href = "/periods/\(period)/figures/\(indicator)"
            let typed = Self.values(from: form)
            var v = Validation()
            // The one number grammar (FigureValue), as the API and the CSV import read values.
            let value = v.figureValue(form["value"])
            let status = v.choice(form["status"] ?? FigureStatus.reported.rawValue, "status", as: FigureStatus.self)
            let asOf = v.date(form["as_of"], "as_of")
            let version = form["version"].flatMap { Int($0) }
            let submit = form["action"] == "submit"
            do {
                try v.check()
                let input = FigureInput(
                    value: value, status: status ?? .reported, note: form.raw("note"), asOf: asOf, version: version)
                let saved = try await screens.service.saveFigure(
                    period: period, indicator: indicator, input: input, as: viewer.actor)
                if submit {
                    _ = try await screens.service.submitFigure(
                        period: period, indicator: indicator, version: saved.version, as: viewer.actor)
                    return WebRedirect.to(href + "?notice=submitted")
                }
                return WebRedirect.to(href + "?notice=saved")
            } catch let e as ServiceError where e.code == .invalid {
                let entry = try await screens.service.figureEntry(
                    period: period, indicator: indicator, as: viewer.actor)
                var values = typed
                values.version = form["version"] ?? ""
                return screens.pages.render(
                    "figure", page(viewer, entry, values: values, errors: e.fieldMessages, notice: nil),
                    status: .unprocessableContent)
            } catch let e as ServiceError where e.code == .conflict {
                let entry = try await screens.service.figureEntry(
                    period: period, indicator: indicator, as: viewer.actor)
                guard let current = entry.status.figure else { throw e }
                // The same form again: the figure already holds what it asked for.
                if Self.sameContent(current, value: value, status: status, note: form.raw("note"), asOf: asOf) {
                    switch current.state {
                    case .submitted: return WebRedirect.to(href + "?notice=already_submitted")
                    case .draft where !submit: return WebRedirect.to(href + "?notice=saved")
                    default: break
                    }
                }
                var values = typed
                values.version = String(current.version)
                var p = page(viewer, entry, values: values, errors: [], notice: nil)
                // Nothing changed since the form was opened: the item's state refuses the change (approved,
                // submitted); the page says why, as the locked form does, not that something changed.
                if version == current.version, p.lockedReason != nil {
                    return screens.pages.render("figure", p, status: .conflict)
                }
                p.stale = Stale(
                    state: Labels.state(current.state, approvedBefore: current.approvedAt != nil).text,
                    current: Labels.content(current.content, unit: entry.status.indicator.unit) ?? "－",
                    note: current.note, by: current.enteredBy, at: Labels.dateTime(current.updatedAt))
                p.frame.notice = nil
                return screens.pages.render("figure", p, status: .conflict)
            }
        }

        web.get("periods/{period}/figures/{indicator}/history") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            let period = try context.period()
            let indicator = try context.path("indicator")
            let info = try await screens.service.indicator(indicator, as: viewer.actor)
            let events = try await screens.service.figureHistory(
                period: period, indicator: indicator, as: viewer.actor)
            let figure = try? await screens.service.figure(period: period, indicator: indicator, as: viewer.actor)
            let steps = events.map { e in
                HistoryStep(
                    e, content: Labels.content(e.figure, unit: info.unit) ?? "", note: e.figure?.note)
            }
            return screens.pages.render(
                "history",
                HistoryPage(
                    frame: viewer.frame(title: "履歴: \(info.name)", current: "", notice: Notice.from(request)),
                    heading: "\(info.code) \(info.name)", periodLabel: Labels.period(period), steps: steps,
                    hasSteps: !steps.isEmpty,
                    review: ReviewForms(
                        viewer: viewer, base: "/periods/\(period)/figures/\(indicator)", state: figure?.state,
                        version: figure?.version),
                    formHref: viewer.isClerk ? "/periods/\(period)/figures/\(indicator)" : nil))
        }
    }

    private func page(_ viewer: Viewer, _ entry: FigureEntry, values: Values, errors: [FieldMessage], notice: String?)
        -> Page
    {
        let s = entry.status
        let state = s.figure?.state
        var locked: String?
        if !entry.isOpenForEntry {
            locked = "この期間は現在入力を受け付けていません（\(Labels.periodState(entry.period.state))）。"
        } else if state == .submitted {
            locked = "提出済みです。政策企画課の審査が終わるまで変更できません。"
        } else if state == .approved {
            locked = "承認済みです。修正が必要な場合は政策企画課に再開を依頼してください。"
        }
        func error(_ field: String) -> String? {
            let messages = errors.filter { $0.field == field }.map(\.message)
            return messages.isEmpty ? nil : messages.joined(separator: " ")
        }
        let i = s.indicator
        return Page(
            frame: viewer.frame(title: "実績値の入力: \(i.name)", current: "", notice: notice),
            period: PeriodSummary(entry.period, today: entry.today, openForEntry: entry.isOpenForEntry),
            row: IndicatorRow(s, period: entry.period.code),
            action: "/periods/\(entry.period.code)/figures/\(i.code)", values: values,
            decimalsHint: i.decimals == 0 ? "整数で入力してください。" : "小数第\(i.decimals)位まで入力できます。",
            periodEnd: entry.period.endsOn.description, editable: locked == nil, lockedReason: locked,
            errors: errors, hasErrors: !errors.isEmpty, valueError: error("value"), statusError: error("status"),
            asOfError: error("as_of"), noteError: error("note"), stale: nil)
    }

    static func statusOptions(_ selected: String) -> [Option] {
        FigureStatus.allCases.map {
            Option(value: $0.rawValue, label: Labels.figureStatus($0), checked: $0.rawValue == selected)
        }
    }

    static func values(from f: FigureInfo?) -> Values {
        let status = f?.status.rawValue ?? FigureStatus.reported.rawValue
        return Values(
            value: f?.value?.text ?? "", status: status, asOf: f?.asOf.description ?? "", note: f?.note ?? "",
            version: f.map { String($0.version) } ?? "", statusOptions: statusOptions(status))
    }

    static func values(from form: WebForm) -> Values {
        let status = form["status"] ?? FigureStatus.reported.rawValue
        return Values(
            value: form.fields["value"]?.first ?? "", status: status, asOf: form["as_of"] ?? "",
            note: form.fields["note"]?.first ?? "", version: form["version"] ?? "",
            statusOptions: statusOptions(status))
    }

    static func sameContent(
        _ f: FigureInfo, value: ExactDecimal?, status: FigureStatus?, note: String?, asOf: CalendarDate?
    ) -> Bool {
        let sameValue =
            switch (f.value, value) {
            case (nil, nil): true
            case (let a?, let b?): a.isSameValue(as: b)
            default: false
            }
        return sameValue && f.status == (status ?? .reported) && (f.note ?? "") == (note ?? "")
            && (asOf == nil || asOf == f.asOf)
    }
}

/// A figure's or narrative's history page.
struct HistoryPage: Sendable {
    var frame: Frame
    var heading: String
    var periodLabel: String
    var steps: [HistoryStep]
    var hasSteps: Bool
    var review: ReviewForms
    var formHref: String?
}

/// One step of a history: when, who, what, the content then, and the reason or comment.
struct HistoryStep: Sendable {
    var at: String
    var actor: String
    var actorLogin: String
    var action: String
    var state: String
    var content: String
    var note: String?
    var comment: String?

    init(_ e: WorkflowEventInfo, content: String, note: String?) {
        at = Labels.dateTime(e.at)
        actor = e.actorName
        actorLogin = e.actor
        action = Labels.action(e.action)
        state = Labels.state(e.toState, approvedBefore: false).text
        self.content = content
        self.note = note
        comment = e.comment
    }
}

/// The review forms an approver sees on an item's page: 承認 and 差戻し for a submitted item, reopening for an
/// approved one. Shown by state; the service decides whether the step is allowed.
struct ReviewForms: Sendable {
    var show: Bool
    var base: String
    var version: String
    var csrf: String
    var canDecide: Bool
    var canReopen: Bool

    init(viewer: Viewer, base: String, state: WorkflowState?, version: Int?) {
        show = viewer.isApprover && version != nil
        self.base = base
        self.version = version.map(String.init) ?? ""
        csrf = viewer.csrf
        canDecide = state == .submitted
        canReopen = state == .approved
    }
}
