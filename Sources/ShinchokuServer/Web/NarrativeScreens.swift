import Foundation
import Hummingbird
import Shinchoku

/// The narrative form (`GET`/`POST /periods/{period}/narratives/{project}`) and a narrative's history
/// (`GET …/history`).
///
/// 進捗状況 and 今後の動向等 are each one text (`progress`, `outlook`) or split into ハード面 and ソフト面
/// (`progress_hard`, `progress_soft`, `outlook_hard`, `outlook_soft`); the split fields sit in a disclosure that
/// works without JavaScript. 保存 and 提出 behave as on the figure form.
struct NarrativeScreens: Sendable {
    let screens: WebScreens

    static let fields = ["progress", "progress_hard", "progress_soft", "outlook", "outlook_hard", "outlook_soft"]

    struct Values: Sendable {
        var progress: String
        var progressHard: String
        var progressSoft: String
        var outlook: String
        var outlookHard: String
        var outlookSoft: String
        var version: String
        var progressSplit: Bool
        var outlookSplit: Bool
    }

    struct Page: Sendable {
        var frame: Frame
        var period: PeriodSummary
        var row: NarrativeRow
        var action: String
        var values: Values
        var editable: Bool
        var lockedReason: String?
        var errors: [FieldMessage]
        var hasErrors: Bool
        var fieldErrors: [String: String]
        var progressError: String?
        var outlookError: String?
        var stale: FigureScreens.Stale?
    }

    func register(on web: some RouterMethods<ShinchokuRequestContext>) {
        web.get("periods/{period}/narratives/{project}") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            let entry = try await screens.service.narrativeEntry(
                period: context.period(), project: context.path("project"), as: viewer.actor)
            return screens.pages.render(
                "narrative",
                page(
                    viewer, entry, values: Self.values(entry.status.narrative), errors: [], notice: Notice.from(request)
                ))
        }

        web.post("periods/{period}/narratives/{project}") { request, context -> Response in
            var request = request
            let form = try await WebForm.read(&request)
            let viewer = try await screens.viewer(context)
            let period = try context.period()
            let project = try context.path("project")
            let href = "/periods/\(period)/narratives/\(project)"
            let input = NarrativeInput(
                progress: form.raw("progress"), progressHard: form.raw("progress_hard"),
                progressSoft: form.raw("progress_soft"), outlook: form.raw("outlook"),
                outlookHard: form.raw("outlook_hard"), outlookSoft: form.raw("outlook_soft"),
                version: form["version"].flatMap { Int($0) })
            let submit = form["action"] == "submit"
            do {
                if submit {
                    // Saved and submitted together: a refused 提出 saves nothing either.
                    _ = try await screens.service.saveAndSubmitNarrative(
                        period: period, project: project, input: input, as: viewer.actor)
                    return WebRedirect.to(href + "?notice=submitted")
                }
                _ = try await screens.service.saveNarrative(
                    period: period, project: project, input: input, as: viewer.actor)
                return WebRedirect.to(href + "?notice=saved")
            } catch let e as ServiceError where e.code == .invalid {
                let entry = try await screens.service.narrativeEntry(period: period, project: project, as: viewer.actor)
                return screens.pages.render(
                    "narrative", page(viewer, entry, values: Self.values(form), errors: e.fieldMessages, notice: nil),
                    status: .unprocessableContent)
            } catch let e as ServiceError where e.code == .conflict {
                let entry = try await screens.service.narrativeEntry(period: period, project: project, as: viewer.actor)
                guard let current = entry.status.narrative else { throw e }
                let typed = NarrativeContent(
                    progress: input.progress, progressHard: input.progressHard, progressSoft: input.progressSoft,
                    outlook: input.outlook, outlookHard: input.outlookHard, outlookSoft: input.outlookSoft)
                if current.content == typed {
                    switch current.state {
                    case .submitted: return WebRedirect.to(href + "?notice=already_submitted")
                    case .draft where !submit: return WebRedirect.to(href + "?notice=saved")
                    default: break
                    }
                }
                var values = Self.values(form)
                values.version = String(current.version)
                var p = page(viewer, entry, values: values, errors: [], notice: nil)
                // Nothing changed since the form was opened: say why the state refuses it, as the figure form does.
                if input.version == current.version, p.lockedReason != nil {
                    return screens.pages.render("narrative", p, status: .conflict)
                }
                p.stale = FigureScreens.Stale(
                    state: Labels.state(current.state, approvedBefore: current.approvedAt != nil).text,
                    current: [current.progress, current.progressHard, current.progressSoft].compactMap { $0 }.joined(
                        separator: " / "),
                    note: [current.outlook, current.outlookHard, current.outlookSoft].compactMap { $0 }.joined(
                        separator: " / "),
                    by: current.enteredBy, at: Labels.dateTime(current.updatedAt))
                return screens.pages.render("narrative", p, status: .conflict)
            }
        }

        web.get("periods/{period}/narratives/{project}/history") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            let period = try context.period()
            let project = try context.path("project")
            let info = try await screens.service.project(project, as: viewer.actor)
            let events = try await screens.service.narrativeHistory(period: period, project: project, as: viewer.actor)
            let narrative = try? await screens.service.narrative(period: period, project: project, as: viewer.actor)
            let steps = events.map { e in
                HistoryStep(
                    e,
                    content: Self.summary(e.narrative?.progress, e.narrative?.progressHard, e.narrative?.progressSoft),
                    note: Self.summary(e.narrative?.outlook, e.narrative?.outlookHard, e.narrative?.outlookSoft))
            }
            return screens.pages.render(
                "history",
                HistoryPage(
                    frame: viewer.frame(title: "履歴: \(info.title)", current: "", notice: Notice.from(request)),
                    heading: "\(info.code) \(info.title)（進捗状況・今後の動向等）", periodLabel: Labels.period(period),
                    steps: steps, hasSteps: !steps.isEmpty,
                    review: ReviewForms(
                        viewer: viewer, base: "/periods/\(period)/narratives/\(project)", state: narrative?.state,
                        version: narrative?.version),
                    formHref: viewer.isClerk ? "/periods/\(period)/narratives/\(project)" : nil))
        }
    }

    private func page(
        _ viewer: Viewer, _ entry: NarrativeEntry, values: Values, errors: [FieldMessage], notice: String?
    ) -> Page {
        let state = entry.status.narrative?.state
        var locked: String?
        if !entry.isOpenForEntry {
            locked = "この期間は現在入力を受け付けていません（\(Labels.periodState(entry.period.state))）。"
        } else if state == .submitted {
            locked = "提出済みです。政策企画課の審査が終わるまで変更できません。"
        } else if state == .approved {
            locked = "承認済みです。修正が必要な場合は政策企画課に再開を依頼してください。"
        }
        var byField: [String: String] = [:]
        for e in errors { byField[e.field, default: ""] += (byField[e.field] == nil ? "" : " ") + e.message }
        func joined(_ names: [String]) -> String? {
            let m = names.compactMap { byField[$0] }
            return m.isEmpty ? nil : m.joined(separator: " ")
        }
        return Page(
            frame: viewer.frame(title: "進捗状況の入力: \(entry.status.projectTitle)", current: "", notice: notice),
            period: PeriodSummary(entry.period, today: entry.today, openForEntry: entry.isOpenForEntry),
            row: NarrativeRow(entry.status, period: entry.period.code),
            action: "/periods/\(entry.period.code)/narratives/\(entry.status.project)", values: values,
            editable: locked == nil, lockedReason: locked, errors: errors, hasErrors: !errors.isEmpty,
            fieldErrors: byField, progressError: joined(["progress", "progress_hard", "progress_soft"]),
            outlookError: joined(["outlook", "outlook_hard", "outlook_soft"]), stale: nil)
    }

    static func values(_ n: NarrativeInfo?) -> Values {
        Values(
            progress: n?.progress ?? "", progressHard: n?.progressHard ?? "", progressSoft: n?.progressSoft ?? "",
            outlook: n?.outlook ?? "", outlookHard: n?.outlookHard ?? "", outlookSoft: n?.outlookSoft ?? "",
            version: n.map { String($0.version) } ?? "",
            progressSplit: n?.progressHard != nil || n?.progressSoft != nil,
            outlookSplit: n?.outlookHard != nil || n?.outlookSoft != nil)
    }

    static func values(_ form: WebForm) -> Values {
        func text(_ name: String) -> String { form.fields[name]?.first ?? "" }
        return Values(
            progress: text("progress"), progressHard: text("progress_hard"), progressSoft: text("progress_soft"),
            outlook: text("outlook"), outlookHard: text("outlook_hard"), outlookSoft: text("outlook_soft"),
            version: form["version"] ?? "",
            progressSplit: form.raw("progress_hard") != nil || form.raw("progress_soft") != nil,
            outlookSplit: form.raw("outlook_hard") != nil || form.raw("outlook_soft") != nil)
    }

    static func summary(_ whole: String?, _ hard: String?, _ soft: String?) -> String {
        if let whole { return whole }
        return [hard.map { "ハード面: " + $0 }, soft.map { "ソフト面: " + $0 }].compactMap { $0 }.joined(separator: " / ")
    }
}
