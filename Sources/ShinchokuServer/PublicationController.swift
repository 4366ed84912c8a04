import Foundation
import Hummingbird
import Shinchoku

extension PeriodCompleteness: ResponseEncodable {}
extension EditionInfo: ResponseEncodable {}
extension PublicationRequestInfo: ResponseEncodable {}

/// A period's completeness, excusals and editions (docs/publication.md): the same service calls as
/// `shinchoku-admin period status / excuse / publish`.
struct PublicationController<Context: SessionRequestContext>: Sendable {
    let service: ShinchokuService

    struct ExcuseBody: Decodable {
        var kind: String
        var code: String
        var reason: String
    }

    struct PublishBody: Decodable {
        var reason: String
    }

    func register(on api: some RouterMethods<Context>) {
        api.get("periods/{period}/completeness") { _, context in
            try await service.completeness(period: context.period(), as: context.actor)
        }
        api.post("periods/{period}/excusals") { request, context in
            let body = try await request.decodeJSON(ExcuseBody.self)
            let kind = try Self.kind(body.kind)
            return EditedResponse(
                status: .created,
                response: try await service.excuse(
                    period: context.period(), kind: kind, code: body.code, reason: body.reason, as: context.actor))
        }
        api.delete("periods/{period}/excusals/{kind}/{code}") { _, context in
            let kind = try Self.kind(try context.parameters.require("kind"))
            return try await service.unexcuse(
                period: context.period(), kind: kind, code: try context.parameters.require("code"),
                as: context.actor)
        }
        api.get("periods/{period}/editions") { _, context in
            let period = try context.period()
            _ = try await service.period(period, as: context.actor)
            return try await service.editions(period: period)
        }
        api.post("periods/{period}/editions") { request, context in
            let body = try await request.decodeJSON(PublishBody.self)
            return EditedResponse(
                status: .accepted,
                response: try await service.requestPublication(
                    period: context.period(), reason: body.reason, as: context.actor))
        }
    }

    static func kind(_ text: String) throws -> RequiredItemKind {
        guard let kind = RequiredItemKind(rawValue: text) else {
            throw ServiceError.invalid(
                "kind", "must be figure or narrative", ja: "種類は figure（実績値）か narrative（進捗状況等）です。")
        }
        return kind
    }
}
