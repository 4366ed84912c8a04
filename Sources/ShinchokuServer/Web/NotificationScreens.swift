import Foundation
import Hummingbird
import Shinchoku

/// `GET /notifications` (通知): the signed-in user's notifications, newest first, unread ones marked, each with its
/// link; `POST /notifications/{id}/read` marks one read and goes back to the list. The service decides whose they
/// are (another's is a 404 page).
struct NotificationScreens: Sendable {
    let screens: WebScreens

    struct Item: Sendable {
        var id: Int
        var subject: String
        var body: String
        var link: String
        var createdAt: String
        var unread: Bool
    }

    struct Page: Sendable {
        var frame: Frame
        var items: [Item]
        var unread: Int
        var isEmpty: Bool
    }

    func register(on web: some RouterMethods<ShinchokuRequestContext>) {
        web.get("notifications") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            let page = try await screens.service.notifications(limit: 100, as: viewer.actor)
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "ja_JP")
            formatter.timeZone = TimeZone(identifier: "Asia/Tokyo")
            formatter.dateFormat = "yyyy年M月d日 HH:mm"
            let items = page.notifications.map { n in
                Item(
                    id: n.id, subject: n.subject, body: n.body, link: n.link,
                    createdAt: formatter.string(from: n.createdAt), unread: n.readAt == nil)
            }
            return screens.pages.render(
                "notifications",
                Page(
                    frame: viewer.frame(title: "通知", current: "/notifications", notice: Notice.from(request)),
                    items: items, unread: page.unread, isEmpty: items.isEmpty))
        }
        web.post("notifications/{id}/read") { request, context -> Response in
            var request = request
            _ = try await WebForm.read(&request)
            let viewer = try await screens.viewer(context)
            let text = try context.path("id")
            guard let id = Int(text), id > 0 else { throw ServiceError.notFound("There is no notification \(text).") }
            _ = try await screens.service.markNotificationRead(id: id, as: viewer.actor)
            return WebRedirect.to("/notifications")
        }
    }
}
