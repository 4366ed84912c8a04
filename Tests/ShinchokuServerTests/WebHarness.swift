import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LibPQ
import NIOConcurrencyHelpers
import NIOCore
import Shinchoku
import ShinchokuServer
import TestSupport
import Testing

/// A page as a browser receives it.
struct WebPage: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var html: String

    var location: String? { headers[.location] }

    /// The page's CSRF token: the first `csrf_token` hidden field.
    var csrf: String? { field("csrf_token") }

    /// The value of the first input named `name`.
    func field(_ name: String) -> String? {
        let pattern = #"name="\#(name)" value="([^"]*)""#
        guard let range = html.range(of: pattern, options: .regularExpression) else { return nil }
        let match = String(html[range])
        return match.components(separatedBy: "value=\"").last.map { String($0.dropLast()) }
    }

    /// The `Set-Cookie` lines.
    var setCookies: [String] { headers[values: .setCookie] }
}

/// A browser for in-process page tests: keeps cookies between requests, follows nothing by itself, and sends
/// forms as `application/x-www-form-urlencoded`.
final class TestBrowser: Sendable {
    let client: any TestClientProtocol
    private let jar = NIOLockedValueBox<[String: String]>([:])

    init(client: any TestClientProtocol) { self.client = client }

    var cookies: [String: String] { jar.withLockedValue { $0 } }

    func setCookie(_ name: String, _ value: String?) {
        jar.withLockedValue { $0[name] = value }
    }

    @discardableResult
    func get(_ uri: String, headers extra: HTTPFields = [:]) async throws -> WebPage {
        try await send(.get, uri, body: nil, headers: extra)
    }

    @discardableResult
    func post(_ uri: String, _ fields: [(String, String)], headers extra: HTTPFields = [:]) async throws -> WebPage {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(.post, uri, body: ByteBuffer(string: body), headers: headers)
    }

    /// Posts a form with the CSRF token of the page at `formURI`, as a browser that opened it would.
    @discardableResult
    func submit(_ formURI: String, to uri: String? = nil, _ fields: [(String, String)]) async throws -> WebPage {
        let form = try await get(formURI)
        let token = try #require(form.csrf, "no csrf_token on \(formURI)")
        return try await post(uri ?? formURI, [("csrf_token", token)] + fields)
    }

    /// Logs in through the login form.
    @discardableResult
    func login(_ login: String, password: String? = nil) async throws -> WebPage {
        let form = try await get("/login")
        let token = try #require(form.csrf)
        return try await post(
            "/login", [("csrf_token", token), ("login", login), ("password", password ?? World.password(for: login))])
    }

    private func send(_ method: HTTPRequest.Method, _ uri: String, body: ByteBuffer?, headers extra: HTTPFields)
        async throws -> WebPage
    {
        var headers = extra
        if headers[.accept] == nil { headers[.accept] = "text/html,application/xhtml+xml,*/*;q=0.8" }
        let cookieLine = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        if !cookieLine.isEmpty { headers[.cookie] = cookieLine }
        let page = try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            WebPage(status: response.status, headers: response.headers, html: String(buffer: response.body))
        }
        for line in page.setCookies {
            let pair = line.split(separator: ";")[0].split(
                separator: "=", maxSplits: 1, omittingEmptySubsequences: false
            )
            .map(String.init)
            guard pair.count == 2 else { continue }
            let expired = line.lowercased().contains("max-age=0")
            setCookie(pair[0], expired ? nil : pair[1])
        }
        return page
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s).replacingOccurrences(of: "%20", with: "+")
    }
}

/// Runs `body` against the real application with browsers for the given accounts (logged in), on a fresh
/// database with the standard fixtures: 2021Q1 open, the plan loaded, a clerk per department.
func withWeb(
    logins: [String], configuration: ServerConfiguration = ServerConfiguration(),
    _ body:
        @Sendable (_ browsers: [String: TestBrowser], _ world: World, _ client: any TestClientProtocol) async throws
        -> Void
) async throws {
    try await TestDatabase.with { db in
        try await Fixtures.standard(db)
        let logs = LogCapture()
        let logger = logs.logger()
        let service = ShinchokuService(pool: db.pool, logger: logger)
        let world = World(db: db, service: service, logs: logs)
        try await world.setPasswords(logins)
        let app = try buildApplication(configuration: configuration, service: service, logger: logger)
        try await app.test(.router) { client in
            var browsers: [String: TestBrowser] = [:]
            for login in logins {
                let browser = TestBrowser(client: client)
                let reply = try await browser.login(login)
                #expect(reply.status == .seeOther, "login \(login): \(reply.html.prefix(300))")
                browsers[login] = browser
            }
            try await body(browsers, world, client)
        }
    }
}

extension World {
    /// Counts rows matching a condition, for "exactly one event" checks.
    func count(_ sql: String) async throws -> Int {
        try await db.pool.withConnection { c in
            try c.query(SQLQuery(unsafeSQL: sql))[0].decode(Int.self, at: 0)
        }
    }
}
