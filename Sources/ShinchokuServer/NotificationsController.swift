import Foundation
import Hummingbird
import Shinchoku

extension NotificationPage: ResponseEncodable {}
extension NotificationInfo: ResponseEncodable {}
extension MailBacklog: ResponseEncodable {}

/// The signed-in user's notifications (`GET /api/v1/notifications`, `POST /api/v1/notifications/{id}/read`) and the
/// mail outbox's backlog for admins (`GET /api/v1/admin/mail`).
struct NotificationsController<Context: SessionRequestContext>: Sendable {
    let service: ShinchokuService

    func register(on api: some RouterMethods<Context>) {
        api.get("notifications") { request, context in
            var limit = 50
            if let text = request.query("limit") {
                guard let n = Int(text) else {
                    throw RequestError.badRequest(
                        "The query parameter limit must be a whole number.", field: "limit",
                        message: "must be a whole number")
                }
                limit = n
            }
            return try await service.notifications(limit: limit, as: context.actor)
        }
        api.post("notifications/{id}/read") { _, context in
            let text = try context.path("id")
            guard let id = Int(text), id > 0 else { throw RequestError.notFound("There is no notification \(text).") }
            return try await service.markNotificationRead(id: id, as: context.actor)
        }
        api.get("admin/mail") { _, context in
            try await service.mailBacklog(as: context.actor)
        }
    }
}
