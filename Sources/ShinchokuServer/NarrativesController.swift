import Foundation
import Hummingbird
import Shinchoku

/// Narratives of a period (進捗状況, 今後の動向等 per project): reading, writing, submitting, reviewing, history.
struct NarrativesController<Context: SessionRequestContext>: Sendable {
    let service: ShinchokuService

    /// `PUT …/narratives/{project}`: each text whole, or split into hard and soft measures.
    struct DraftBody: Decodable {
        var progress: String?
        var progressHard: String?
        var progressSoft: String?
        var outlook: String?
        var outlookHard: String?
        var outlookSoft: String?
        var version: Int?

        enum CodingKeys: String, CodingKey {
            case progress, outlook, version
            case progressHard = "progress_hard"
            case progressSoft = "progress_soft"
            case outlookHard = "outlook_hard"
            case outlookSoft = "outlook_soft"
        }
    }

    func register(on api: some RouterMethods<Context>) {
        api.get("periods/{period}/narratives") { request, context in
            let state = try request.query("state", as: WorkflowState.self)
            return NarrativeBody.list(
                try await service.narratives(
                    period: context.period(), department: request.query("department"), state: state,
                    as: context.actor))
        }
        api.get("periods/{period}/narratives/{project}") { _, context in
            NarrativeBody(
                narrative: try await service.narrative(
                    period: context.period(), project: context.path("project"), as: context.actor))
        }
        api.put("periods/{period}/narratives/{project}") { request, context in
            let body = try await request.decodeJSON(DraftBody.self)
            let input = NarrativeInput(
                progress: body.progress, progressHard: body.progressHard, progressSoft: body.progressSoft,
                outlook: body.outlook, outlookHard: body.outlookHard, outlookSoft: body.outlookSoft,
                version: body.version)
            return NarrativeBody(
                narrative: try await service.saveNarrative(
                    period: context.period(), project: context.path("project"), input: input, as: context.actor))
        }
        api.post("periods/{period}/narratives/{project}/submit") { request, context in
            let body = try await request.decodeJSON(SubmitBody.self)
            return NarrativeBody(
                narrative: try await service.submitNarrative(
                    period: context.period(), project: context.path("project"), version: body.version,
                    as: context.actor))
        }
        api.post("periods/{period}/narratives/{project}/approve") { request, context in
            let body = try await request.decodeJSON(ApproveBody.self)
            return NarrativeBody(
                narrative: try await service.approveNarrative(
                    period: context.period(), project: context.path("project"), version: body.version,
                    comment: body.comment, as: context.actor))
        }
        api.post("periods/{period}/narratives/{project}/return") { request, context in
            let body = try await request.decodeJSON(ReviewReasonBody.self)
            return NarrativeBody(
                narrative: try await service.returnNarrative(
                    period: context.period(), project: context.path("project"), version: body.version,
                    reason: body.reason, as: context.actor))
        }
        api.post("periods/{period}/narratives/{project}/reopen") { request, context in
            let body = try await request.decodeJSON(ReviewReasonBody.self)
            return NarrativeBody(
                narrative: try await service.reopenNarrative(
                    period: context.period(), project: context.path("project"), version: body.version,
                    reason: body.reason, as: context.actor))
        }
        api.get("periods/{period}/narratives/{project}/history") { request, context in
            let paging = try request.historyPaging()
            return HistoryPageResponse(
                page: try await service.narrativeHistory(
                    period: context.period(), project: context.path("project"), limit: paging.limit,
                    cursor: paging.cursor, as: context.actor))
        }
    }
}
