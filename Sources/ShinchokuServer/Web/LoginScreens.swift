import Foundation
import Hummingbird
import Shinchoku

/// `GET /login`, `POST /login`, `POST /logout`.
///
/// The login creates the same server-side session as `POST /api/v1/sessions` and puts its token in the session
/// cookie. Every login is a new session (new token, new CSRF token); a session the browser held before is ended,
/// so a token planted before the login (session fixation) is worth nothing after it. A wrong login gets one
/// message whatever was wrong. Logout is a POST: a prefetched or linked GET ends nothing.
struct LoginScreens: Sendable {
    let screens: WebScreens

    struct LoginPage {
        var frame: Frame
        var csrf: String
        var login: String
        var error: String?
    }

    func register(on web: some RouterMethods<ShinchokuRequestContext>) {
        // The form is shown even to a browser with a session: logging in again (as someone else, say) ends that
        // session and starts a new one.
        web.get("login") { request, _ -> Response in
            loginPage(notice: Notice.from(request), login: "", error: nil, status: .ok)
        }

        web.post("login") { request, context -> Response in
            var request = request
            let form = try await WebForm.read(&request)
            let login = form["login"] ?? ""
            let password = form.raw("password") ?? ""
            do {
                let client = ClientAddress.of(
                    peer: context.peerAddress, headers: request.headers, trustedProxies: screens.options.trustedProxies)
                let result = try await screens.service.login(login: login, password: password, clientAddress: client)
                if let old = context.sessionToken {
                    try? await screens.service.logout(token: old)
                }
                let seconds = max(60, Int(result.expiresAt.timeIntervalSinceNow))
                var response = WebRedirect.to("/")
                response.setCookie(WebSession.sessionCookie(result.token, maxAge: seconds, options: screens.options))
                response.setCookie(WebSession.expired(WebSession.loginCookieName, options: screens.options))
                return response
            } catch let e as ServiceError where e.code == .unauthenticated || e.code == .throttled {
                let message =
                    e.code == .throttled
                    ? "ログインの失敗が続いたため、しばらくログインできません。時間をおいてから再度お試しください。"
                    : "ログインIDまたはパスワードが正しくありません。"
                return loginPage(
                    notice: nil, login: login, error: message,
                    status: e.code == .throttled ? .tooManyRequests : .unauthorized)
            }
        }

        web.post("logout") { _, context -> Response in
            if let token = context.sessionToken {
                try? await screens.service.logout(token: token)
            }
            var response = WebRedirect.to("/login?notice=logged_out")
            response.setCookie(WebSession.expired(WebSession.cookieName, options: screens.options))
            return response
        }
    }

    /// The login form with a fresh login token in its cookie and its hidden field.
    private func loginPage(notice: String?, login: String, error: String?, status: HTTPResponse.Status) -> Response {
        let token = WebSession.newLoginToken()
        var response = screens.pages.render(
            "login",
            LoginPage(
                frame: .anonymous(title: "ログイン", notice: notice), csrf: token, login: login, error: error),
            status: status)
        response.setCookie(WebSession.loginCookie(token, options: screens.options))
        return response
    }
}
