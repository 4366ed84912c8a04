import Foundation
import Hummingbird
import Shinchoku

/// The approver's queue (`GET /review`) and the review steps:
/// `POST /periods/{period}/figures/{indicator}/approve|return|reopen`,
/// `POST /periods/{period}/narratives/{project}/approve|return|reopen` (fields `version`, `comment` or `reason`),
/// and `POST /review/approvals` (bulk approval of the checked figures, `items`, all or nothing).
///
/// A repeated 承認 (double click, Back and resubmit) finds the item approved already and ends on a calm notice.
struct ReviewScreens: Sendable {
    let screens: WebScreens

    struct Row: Sendable {
        var isFigure: Bool
        var id: String
        var periodLabel: String
        var department: String
        var project: String
        var projectTitle: String
        var indicator: String?
        var name: String
        var submitted: String
        var note: String?
        var lastApproved: String?
        var previousQuarter: String?
        var changeFromPreviousQuarter: String?
        var changeFromBaseline: String?
        var baseline: String?
        var target: String?
        var achievementRate: String?
        var progress: String?
        var outlook: String?
        var submittedAt: String
        var submittedBy: String
        var changedSinceApproval: Bool
        var earlierReason: String?
        var base: String
        var historyHref: String
        var version: String
        var bulkValue: String
        var reasonError: String?
        var reason: String
        var comment: String
    }

    struct Page: Sendable {
        var frame: Frame
        var rows: [Row]
        var hasRows: Bool
        var count: Int
        var hasFigures: Bool
        var errors: [FieldMessage]
        var hasErrors: Bool
    }

    func register(on web: some RouterMethods<ShinchokuRequestContext>) {
        web.get("review") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            return try await queue(viewer, notice: Notice.from(request), errors: [], failed: nil)
        }

        for kind in ["figures", "narratives"] {
            let item = kind == "figures" ? "indicator" : "project"
            for step in ["approve", "return", "reopen"] {
                web.post(RouterPath("periods/{period}/\(kind)/{\(item)}/\(step)")) { request, context -> Response in
                    var request = request
                    let form = try await WebForm.read(&request)
                    let viewer = try await screens.viewer(context)
                    return try await review(
                        step, kind: kind, period: context.period(), item: context.path(item), form: form,
                        viewer: viewer)
                }
            }
        }

        web.post("review/approvals") { request, context -> Response in
            var request = request
            let form = try await WebForm.read(&request)
            let viewer = try await screens.viewer(context)
            let picked = form.all("items").compactMap { text -> (PeriodCode, String, Int)? in
                let parts = text.split(separator: "|").map(String.init)
                guard parts.count == 3, let p = PeriodCode(parts[0]), let v = Int(parts[2]) else { return nil }
                return (p, parts[1], v)
            }
            let periods = Set(picked.map(\.0))
            guard !picked.isEmpty, periods.count == 1, let period = periods.first else {
                let message =
                    picked.isEmpty
                    ? "まとめて承認する指標を一つ以上選んでください。" : "まとめて承認できるのは同じ期間の指標だけです。期間ごとに承認してください。"
                return try await queue(
                    viewer, notice: nil, errors: [FieldMessage(field: "items", label: "選択した項目", message: message)],
                    failed: nil, status: .unprocessableContent)
            }
            do {
                _ = try await screens.service.bulkApprove(
                    period: period, items: picked.map { ($0.1, $0.2) }, comment: form.raw("comment"),
                    as: viewer.actor)
                return WebRedirect.to("/review?notice=bulk_approved")
            } catch let e as ServiceError where e.code == .invalid || e.code == .conflict {
                // The same approval again (Back and resubmit): every item is approved already, past the version
                // the form held. Nothing was approved twice, so this ends calmly, as a repeated single 承認 does.
                if e.code == .conflict,
                    try await everyItemApproved(period: period, picked.map { ($0.1, $0.2) }, viewer: viewer)
                {
                    return WebRedirect.to("/review?notice=already_bulk_approved")
                }
                let errors =
                    e.fieldErrors.isEmpty
                    ? [FieldMessage(field: "items", label: "選択した項目", message: e.message)] : e.fieldMessages
                return try await queue(
                    viewer, notice: nil,
                    errors: [
                        FieldMessage(
                            field: "items", label: "まとめて承認",
                            message: "一つも承認していません（すべて承認するか、何も承認しないかのどちらかです）。")
                    ] + errors, failed: nil, status: .conflict)
            }
        }
    }

    /// Whether every listed figure is approved now, in a later version than the one listed.
    private func everyItemApproved(period: PeriodCode, _ items: [(String, Int)], viewer: Viewer) async throws -> Bool {
        for (indicator, version) in items {
            let figure = try? await screens.service.figure(period: period, indicator: indicator, as: viewer.actor)
            guard let figure, figure.state == .approved, figure.version > version else { return false }
        }
        return true
    }

    /// One review step on one item, then back to the queue (or, for a reopening, to the item's history).
    private func review(
        _ step: String, kind: String, period: PeriodCode, item: String, form: WebForm, viewer: Viewer
    ) async throws -> Response {
        let service = screens.service
        let isFigure = kind == "figures"
        let base = "/periods/\(period)/\(kind)/\(item)"
        guard let version = form["version"].flatMap({ Int($0) }) else {
            throw RequestError.badRequest("The form has no version.")
        }
        let reason = form.raw("reason") ?? ""
        do {
            switch (step, isFigure) {
            case ("approve", true):
                _ = try await service.approveFigure(
                    period: period, indicator: item, version: version, comment: form.raw("comment"), as: viewer.actor)
            case ("approve", false):
                _ = try await service.approveNarrative(
                    period: period, project: item, version: version, comment: form.raw("comment"), as: viewer.actor)
            case ("return", true):
                _ = try await service.returnFigure(
                    period: period, indicator: item, version: version, reason: reason, as: viewer.actor)
            case ("return", false):
                _ = try await service.returnNarrative(
                    period: period, project: item, version: version, reason: reason, as: viewer.actor)
            case ("reopen", true):
                _ = try await service.reopenFigure(
                    period: period, indicator: item, version: version, reason: reason, as: viewer.actor)
            default:
                _ = try await service.reopenNarrative(
                    period: period, project: item, version: version, reason: reason, as: viewer.actor)
            }
        } catch let e as ServiceError where e.code == .invalid {
            if step == "reopen" {
                return WebRedirect.to(base + "/history?notice=reason_required")
            }
            return try await queue(
                viewer, notice: nil, errors: e.fieldMessages, failed: (base, e.fieldMessages, form),
                status: .unprocessableContent)
        } catch let e as ServiceError where e.code == .conflict {
            // The same decision again, or someone else's meanwhile: show where the item is now, calmly.
            let state: WorkflowState? =
                isFigure
                ? (try? await service.figure(period: period, indicator: item, as: viewer.actor))?.state
                : (try? await service.narrative(period: period, project: item, as: viewer.actor))?.state
            switch (step, state) {
            case ("approve", .approved?): return WebRedirect.to("/review?notice=already_approved")
            case ("return", .returned?), ("reopen", .returned?):
                return WebRedirect.to("/review?notice=already_reviewed")
            default: throw e
            }
        }
        switch step {
        case "approve": return WebRedirect.to("/review?notice=approved")
        case "return": return WebRedirect.to("/review?notice=returned")
        default: return WebRedirect.to(base + "/history?notice=reopened")
        }
    }

    private func queue(
        _ viewer: Viewer, notice: String?, errors: [FieldMessage],
        failed: (base: String, errors: [FieldMessage], form: WebForm)?, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let entries = try await screens.service.reviewQueueEntries(as: viewer.actor)
        var rows = entries.map(Self.row)
        if let failed {
            for i in rows.indices where rows[i].base == failed.base {
                rows[i].reasonError = failed.errors.filter { $0.field == "reason" }.map(\.message).first
                rows[i].comment = failed.form.fields["comment"]?.first ?? ""
                rows[i].reason = failed.form.fields["reason"]?.first ?? ""
            }
        }
        return screens.pages.render(
            "review",
            Page(
                frame: viewer.frame(title: "審査待ち一覧", current: "/review", notice: notice), rows: rows,
                hasRows: !rows.isEmpty, count: rows.count, hasFigures: rows.contains(where: \.isFigure), errors: errors,
                hasErrors: !errors.isEmpty),
            status: status)
    }

    static func row(_ e: ReviewQueueEntry) -> Row {
        let item = e.item
        let isFigure = item.kind == .figure
        let unit = e.status?.indicator.unit ?? ""
        let base =
            isFigure
            ? "/periods/\(item.period)/figures/\(item.indicator ?? "")"
            : "/periods/\(item.period)/narratives/\(item.project)"
        let n = item.narrative
        return Row(
            isFigure: isFigure,
            id: "\(item.period)-\(item.kind.rawValue)-\(item.indicator ?? item.project)".replacingOccurrences(
                of: ".", with: "_"),
            periodLabel: Labels.period(item.period), department: e.status?.departmentName ?? item.department,
            project: item.project, projectTitle: item.projectTitle, indicator: item.indicator,
            name: isFigure ? (item.indicatorName ?? "") : "進捗状況・今後の動向等",
            submitted: Labels.content(item.figure, unit: unit) ?? "", note: item.figure?.note,
            lastApproved: e.status.flatMap { s in
                Labels.content(s.lastApproved, unit: unit).map { v in
                    s.lastApprovedPeriod.map { "\(v)（\($0)）" } ?? v
                }
            },
            previousQuarter: e.status.flatMap { Labels.content($0.previousQuarter, unit: unit) },
            changeFromPreviousQuarter: e.status.flatMap { Labels.change($0.changeFromPreviousQuarter, unit: unit) },
            changeFromBaseline: e.status.flatMap { Labels.change($0.changeFromBaseline, unit: unit) },
            baseline: e.status.map { Labels.baseline($0.indicator) },
            target: e.status.map { Labels.target($0.indicator) },
            achievementRate: e.status.flatMap { Labels.achievementRate(item.figure?.value, $0.indicator) },
            progress: n.map { NarrativeScreens.summary($0.progress, $0.progressHard, $0.progressSoft) },
            outlook: n.map { NarrativeScreens.summary($0.outlook, $0.outlookHard, $0.outlookSoft) },
            submittedAt: Labels.dateTime(item.submittedAt), submittedBy: item.submittedBy,
            changedSinceApproval: item.changedSinceApproval, earlierReason: e.earlierReason, base: base,
            historyHref: base + "/history", version: String(item.version),
            bulkValue: "\(item.period)|\(item.indicator ?? "")|\(item.version)", reasonError: nil, reason: "",
            comment: "")
    }
}
