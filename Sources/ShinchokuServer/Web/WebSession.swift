import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Shinchoku

/// How the web screens carry a session: the same server-side session as the API's bearer token, in a cookie.
///
/// - The cookie `shinchoku_session` holds the session token: `HttpOnly`, `SameSite=Strict`, `Path=/`, and `Secure`
///   when the server is configured as behind TLS. Its lifetime is the session's.
/// - The CSRF token of a session is HMAC-SHA256 of a fixed label keyed with the session token (OWASP's HMAC-based
///   synchronizer token). It is bound to the session: a new login is a new session with a new token, and a token
///   from an earlier session stops working. Nothing extra is stored, and it survives a server restart as the
///   session does.
/// - Before a session exists (the login form), a random token in the cookie `shinchoku_login` and the form's
///   `csrf_token` must match (double submit), so that another site cannot log a browser in as someone else.
struct WebSessionOptions: Sendable {
    /// Set `Secure` on cookies and expect `https://` origins.
    var behindTLS: Bool
    /// Proxies whose `X-Forwarded-For` names the client (``ClientAddress``), for login throttling.
    var trustedProxies: Set<String> = []
}

enum WebSession {
    static let cookieName = "shinchoku_session"
    static let loginCookieName = "shinchoku_login"
    /// The form field of the CSRF token.
    static let csrfField = "csrf_token"

    /// The CSRF token of a session.
    static func csrfToken(forSession token: String) -> String {
        let key = SymmetricKey(data: Data(token.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("shinchoku csrf v1".utf8), using: key)
        return Data(mac).base64URLEncoded
    }

    /// A fresh random token for the login form.
    static func newLoginToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = generator.next() }
        return Data(bytes).base64URLEncoded
    }

    /// Compares two tokens in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count, !x.isEmpty else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    static func sessionCookie(_ token: String, maxAge: Int, options: WebSessionOptions) -> Cookie {
        Cookie(
            name: cookieName, value: token, maxAge: maxAge, path: "/", secure: options.behindTLS, httpOnly: true,
            sameSite: .strict)
    }

    static func loginCookie(_ token: String, options: WebSessionOptions) -> Cookie {
        Cookie(
            name: loginCookieName, value: token, maxAge: 3600, path: "/", secure: options.behindTLS, httpOnly: true,
            sameSite: .strict)
    }

    /// A cookie that tells the browser to forget `name`.
    static func expired(_ name: String, options: WebSessionOptions) -> Cookie {
        Cookie(
            name: name, value: "", maxAge: 0, path: "/", secure: options.behindTLS, httpOnly: true, sameSite: .strict)
    }

    /// Whether the request's `Origin` (or, without one, its `Referer`) is this server. A request that names neither
    /// passes this check (some clients send neither); the CSRF token still has to match. `Origin: null` fails.
    static func isSameOrigin(_ request: Request, options: WebSessionOptions) -> Bool {
        guard let host = request.head.authority ?? request.headers[.host] else { return false }
        let expected = (options.behindTLS ? "https://" : "http://") + host
        if let origin = request.headers[.origin] {
            return origin == expected
        }
        if let referer = request.headers[.referer] {
            return referer == expected || referer.hasPrefix(expected + "/")
        }
        return true
    }
}

extension HTTPField.Name {
    static var host: Self { Self("Host")! }
}

extension Data {
    /// Base64 with the URL alphabet and no padding: safe in cookies and forms as is.
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A refused state-changing request: no valid CSRF token, or another site's `Origin`. Shown as a 403 page.
struct CSRFRefusal: Error {
    var reason: String
}

/// A submitted form: the fields of an `application/x-www-form-urlencoded` body, read once and checked.
struct WebForm: Sendable {
    var fields: [String: [String]]

    /// The first value of a field, with surrounding whitespace (full-width spaces included) removed; nil when that
    /// leaves nothing, so that a required field holding only spaces counts as empty.
    subscript(_ name: String) -> String? {
        guard let raw = fields[name]?.first else { return nil }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The first value of a field exactly as typed (only a blank one becomes nil): for passwords and long texts.
    func raw(_ name: String) -> String? {
        guard let raw = fields[name]?.first else { return nil }
        return raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : raw
    }

    /// Every value of a repeated field (checkboxes).
    func all(_ name: String) -> [String] { fields[name] ?? [] }

    /// Reads a form body. The body's limit is the API's.
    static func read(_ request: inout Request) async throws -> WebForm {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: APILimits.maximumBodySize)
        } catch is NIOTooManyBytesError {
            throw RequestError.payloadTooLarge
        }
        return WebForm(parsing: String(buffer: buffer))
    }

    /// Parses `a=1&b=%E3%81%82&c=x+y`: `+` is a space, percent escapes are UTF-8.
    init(parsing body: String) {
        var fields: [String: [String]] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            fields[name, default: []].append(value)
        }
        self.fields = fields
    }

    init(fields: [String: [String]]) {
        self.fields = fields
    }
}

/// Reads the session cookie into the context, and checks every state-changing request of the web screens: its
/// `Origin` must be this server and its `csrf_token` the session's (or, for the login form, the login cookie's).
///
/// A page without a session redirects to the login page; so does a POST, after the checks.
struct CookieSessionMiddleware<Context: SessionRequestContext>: RouterMiddleware {
    let options: WebSessionOptions
    /// Paths that need no session: the login form.
    let publicPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let token = request.cookies[WebSession.cookieName]?.value
        context.sessionToken = token.flatMap { $0.isEmpty ? nil : $0 }
        let isPublic = publicPaths.contains(request.uri.path)
        var request = request
        if request.method == .post {
            guard WebSession.isSameOrigin(request, options: options) else {
                throw CSRFRefusal(reason: "The request came from another site (Origin).")
            }
            let form = try await WebForm.read(&request)
            let expected: String?
            if isPublic {
                expected = request.cookies[WebSession.loginCookieName]?.value
            } else {
                expected = context.sessionToken.map(WebSession.csrfToken(forSession:))
            }
            guard let expected, let given = form.fields[WebSession.csrfField]?.first,
                WebSession.same(given, expected)
            else {
                if !isPublic && context.sessionToken == nil { return WebRedirect.toLogin() }
                throw CSRFRefusal(reason: "The form's csrf_token is missing or belongs to another session.")
            }
        }
        if !isPublic && context.sessionToken == nil {
            return WebRedirect.toLogin()
        }
        return try await next(request, context)
    }
}

enum WebRedirect {
    /// 303 See Other: after a POST, the browser GETs the new address (POST-redirect-GET).
    static func to(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .contentLength: "0"])
    }

    static func toLogin() -> Response { to("/login") }
}
