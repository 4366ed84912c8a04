import Foundation
import Hummingbird
import Shinchoku

/// Figures of a period: listing, entering, submitting, reviewing, history, bulk approval.
struct FiguresController<Context: SessionRequestContext>: Sendable {
    let service: ShinchokuService

    /// `PUT …/figures/{indicator}`. `value` is a decimal string or null; a JSON number is refused (400) so that
    /// no figure ever passes through a binary floating point.
    struct DraftBody: Decodable {
        var value: String?
        var status: String?
        var note: String?
        var asOf: String?
        var version: Int?

        enum CodingKeys: String, CodingKey {
            case value, status, note, version
            case asOf = "as_of"
        }
    }

    func register(on api: some RouterMethods<Context>) {
        api.get("periods/{period}/figures") { request, context in
            let state = try request.query("state", as: WorkflowState.self)
            return FigureBody.list(
                try await service.figures(
                    period: context.period(), project: request.query("project"),
                    department: request.query("department"), state: state, as: context.actor))
        }
        api.get("periods/{period}/figures/{indicator}") { _, context in
            FigureBody(
                figure: try await service.figure(
                    period: context.period(), indicator: context.path("indicator"), as: context.actor))
        }
        api.put("periods/{period}/figures/{indicator}") { request, context in
            let body = try await request.decodeJSON(DraftBody.self)
            var v = Validation()
            // The one number grammar of the API, the CSV import and the web forms (docs/workflow.md).
            let value = v.figureValue(body.value)
            let status = v.choice(body.status ?? FigureStatus.reported.rawValue, "status", as: FigureStatus.self)
            let asOf = v.date(body.asOf, "as_of")
            try v.check()
            let input = FigureInput(value: value, status: status!, note: body.note, asOf: asOf, version: body.version)
            return FigureBody(
                figure: try await service.saveFigure(
                    period: context.period(), indicator: context.path("indicator"), input: input, as: context.actor))
        }
        api.post("periods/{period}/figures/{indicator}/submit") { request, context in
            let body = try await request.decodeJSON(SubmitBody.self)
            return FigureBody(
                figure: try await service.submitFigure(
                    period: context.period(), indicator: context.path("indicator"), version: body.version,
                    as: context.actor))
        }
        api.post("periods/{period}/figures/{indicator}/approve") { request, context in
            let body = try await request.decodeJSON(ApproveBody.self)
            return FigureBody(
                figure: try await service.approveFigure(
                    period: context.period(), indicator: context.path("indicator"), version: body.version,
                    comment: body.comment, as: context.actor))
        }
        api.post("periods/{period}/figures/{indicator}/return") { request, context in
            let body = try await request.decodeJSON(ReviewReasonBody.self)
            return FigureBody(
                figure: try await service.returnFigure(
                    period: context.period(), indicator: context.path("indicator"), version: body.version,
                    reason: body.reason, as: context.actor))
        }
        api.post("periods/{period}/figures/{indicator}/reopen") { request, context in
            let body = try await request.decodeJSON(ReviewReasonBody.self)
            return FigureBody(
                figure: try await service.reopenFigure(
                    period: context.period(), indicator: context.path("indicator"), version: body.version,
                    reason: body.reason, as: context.actor))
        }
        api.get("periods/{period}/figures/{indicator}/history") { request, context in
            // Every workflow step with the content at that moment and the reviewers' comments, in pages.
            let paging = try request.historyPaging()
            return HistoryPageResponse(
                page: try await service.figureHistory(
                    period: context.period(), indicator: context.path("indicator"), limit: paging.limit,
                    cursor: paging.cursor, as: context.actor))
        }
        api.post("periods/{period}/approvals") { request, context in
            let body = try await request.decodeJSON(BulkApproveBody.self)
            return FigureBody.list(
                try await service.bulkApprove(
                    period: context.period(), items: body.items.map { ($0.indicator, $0.version) },
                    comment: body.comment, as: context.actor))
        }
    }
}

/// The approver's list of submissions waiting for review, oldest first.
struct ReviewQueueController<Context: SessionRequestContext>: Sendable {
    let service: ShinchokuService

    func register(on api: some RouterMethods<Context>) {
        api.get("review-queue") { _, context in
            try await service.reviewQueue(as: context.actor)
        }
    }
}
