import Foundation
import Hummingbird
import Shinchoku

/// `GET`/`POST /account`: change one's own password. Fields `current_password`, `password` and
/// `password_confirmation`. The service checks the current password, ends every other session and audits it.
struct AccountScreens: Sendable {
    let screens: WebScreens

    struct Page: Sendable {
        var frame: Frame
        var login: String
        var errors: [FieldMessage]
        var hasErrors: Bool
        var currentError: String?
        var passwordError: String?
        var confirmationError: String?
    }

    func register(on web: some RouterMethods<ShinchokuRequestContext>) {
        web.get("account") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            return screens.pages.render("account", page(viewer, errors: [], notice: Notice.from(request)))
        }

        web.post("account") { request, context -> Response in
            var request = request
            let form = try await WebForm.read(&request)
            let viewer = try await screens.viewer(context)
            let password = form.raw("password") ?? ""
            if password != (form.raw("password_confirmation") ?? "") {
                let e = FieldMessage(
                    field: "password_confirmation", label: "新しいパスワード（確認）",
                    message: "新しいパスワードと同じものを入力してください。")
                return screens.pages.render(
                    "account", page(viewer, errors: [e], notice: nil), status: .unprocessableContent)
            }
            do {
                let client = ClientAddress.of(
                    peer: context.peerAddress, headers: request.headers, trustedProxies: screens.options.trustedProxies)
                _ = try await screens.service.changeOwnPassword(
                    current: form.raw("current_password") ?? "", new: password, token: viewer.token,
                    clientAddress: client)
                return WebRedirect.to("/account?notice=password_changed")
            } catch let e as ServiceError where e.code == .invalid {
                return screens.pages.render(
                    "account", page(viewer, errors: e.fieldMessages, notice: nil), status: .unprocessableContent)
            }
        }
    }

    private func page(_ viewer: Viewer, errors: [FieldMessage], notice: String?) -> Page {
        func error(_ field: String) -> String? {
            let m = errors.filter { $0.field == field }.map(\.message)
            return m.isEmpty ? nil : m.joined(separator: " ")
        }
        return Page(
            frame: viewer.frame(title: "パスワード変更", current: "/account", notice: notice), login: viewer.user.login,
            errors: errors, hasErrors: !errors.isEmpty, currentError: error("current_password"),
            passwordError: error("password"), confirmationError: error("password_confirmation"))
    }
}
