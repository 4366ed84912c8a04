import Foundation
import Hummingbird
import HummingbirdTesting
import Shinchoku
import ShinchokuServer
import TestSupport
import Testing

/// Checks that a reply is an RFC 9457 problem with the status and code.
func expectProblem(
    _ reply: Reply, _ status: HTTPResponse.Status, _ code: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(reply.status == status, "\(reply.text)", sourceLocation: sourceLocation)
    #expect(reply.contentType == "application/problem+json", sourceLocation: sourceLocation)
    let body = reply.object
    #expect(body["code"] as? String == code, "\(reply.text)", sourceLocation: sourceLocation)
    #expect(body["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
    #expect(body["type"] as? String == "urn:shinchoku:problem:\(code)", sourceLocation: sourceLocation)
    #expect((body["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    #expect((body["detail"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
}

/// The field names a problem's `errors` list.
func fields(_ reply: Reply) -> [String] {
    (reply["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
}

@Suite("Every row of the error table")
struct ErrorTests {
    static let clerk = Fixtures.clerk("ports")
    static let figure = "/api/v1/periods/2021Q1/figures/1-1.1"

    @Test("400: malformed JSON, a wrong type, a number for a value, a missing field; nothing changes")
    func badRequest() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, world in
            let token = try await api.login(Self.clerk)
            let snapshot = try await world.snapshot()

            var reply = try await api.call(.put, Self.figure, token: token, json: #"{"value": "1","#)
            expectProblem(reply, .badRequest, "bad_request")

            reply = try await api.call(.put, Self.figure, token: token, json: #"{"value": 1.5, "status": "reported"}"#)
            expectProblem(reply, .badRequest, "bad_request")
            #expect(fields(reply) == ["value"])

            reply = try await api.call(.put, Self.figure, token: token, json: #"{"value": 12}"#)
            expectProblem(reply, .badRequest, "bad_request")

            reply = try await api.call(.put, Self.figure, token: token, json: #"{"value": "12", "version": "1"}"#)
            expectProblem(reply, .badRequest, "bad_request")
            #expect(fields(reply) == ["version"])

            reply = try await api.call(.put, Self.figure, token: token, json: #"["12"]"#)
            expectProblem(reply, .badRequest, "bad_request")

            reply = try await api.call(.post, Self.figure + "/submit", token: token, json: "{}")
            expectProblem(reply, .badRequest, "bad_request")
            #expect(fields(reply) == ["version"])

            reply = try await api.call(.put, Self.figure, token: token)
            expectProblem(reply, .badRequest, "bad_request")

            reply = try await api.call(.get, "/api/v1/periods/2021Q1/figures?state=finished", token: token)
            expectProblem(reply, .badRequest, "bad_request")

            reply = try await api.call(.get, "/api/v1/reports/2021Q1?format=pdf", token: token)
            expectProblem(reply, .badRequest, "bad_request")

            #expect(try await world.snapshot() == snapshot)
        }
    }

    @Test("401: no token, a malformed token, an unknown token")
    func unauthenticated() async throws {
        try await withAPI { api, world in
            let snapshot = try await world.snapshot()
            for token: String? in [nil, "not-a-token", String(repeating: "A", count: 43)] {
                let reply = try await api.call(.put, Self.figure, token: token, json: #"{"value": "1"}"#)
                expectProblem(reply, .unauthorized, "unauthenticated")
                #expect(reply.headers[.wwwAuthenticate] == "Bearer")
            }
            let basic = try await api.call(.get, "/api/v1/me", headers: [.authorization: "Basic YWRtaW46YWRtaW4="])
            expectProblem(basic, .unauthorized, "unauthenticated")
            #expect(try await world.snapshot() == snapshot)
        }
    }

    @Test("403: a clerk on an admin route and an approver entering figures")
    func forbidden() async throws {
        try await withAPI(passwords: [Self.clerk, Fixtures.approver]) { api, world in
            let clerk = try await api.login(Self.clerk)
            let approver = try await api.login(Fixtures.approver)
            let snapshot = try await world.snapshot()
            expectProblem(try await api.call(.get, "/api/v1/admin/users", token: clerk), .forbidden, "forbidden")
            expectProblem(
                try await api.call(.post, "/api/v1/admin/periods/2021Q2/open", token: clerk), .forbidden, "forbidden")
            expectProblem(
                try await api.call(.put, Self.figure, token: approver, json: #"{"value": "1"}"#), .forbidden,
                "forbidden")
            expectProblem(try await api.call(.get, "/api/v1/review-queue", token: clerk), .forbidden, "forbidden")
            #expect(try await world.snapshot() == snapshot)
        }
    }

    @Test("404: an unknown indicator, project, period or route")
    func notFound() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, world in
            let token = try await api.login(Self.clerk)
            let snapshot = try await world.snapshot()
            expectProblem(
                try await api.call(
                    .put, "/api/v1/periods/2021Q1/figures/9-9.9", token: token, json: #"{"value": "1"}"#),
                .notFound, "not_found")
            expectProblem(try await api.call(.get, "/api/v1/projects/9-9", token: token), .notFound, "not_found")
            expectProblem(try await api.call(.get, "/api/v1/indicators/9-9.9", token: token), .notFound, "not_found")
            expectProblem(try await api.call(.get, "/api/v1/periods/2030Q1", token: token), .notFound, "not_found")
            expectProblem(try await api.call(.get, "/api/v1/periods/2021Q9", token: token), .notFound, "not_found")
            expectProblem(
                try await api.call(.get, "/api/v1/periods/someday/figures", token: token), .notFound, "not_found")
            expectProblem(try await api.call(.get, "/api/v1/nothing-here", token: token), .notFound, "not_found")
            expectProblem(try await api.call(.get, "/nothing-here"), .notFound, "not_found")
            #expect(try await world.snapshot() == snapshot)
        }
    }

    @Test("409 conflict: a stale version")
    func staleVersion() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, world in
            let token = try await api.login(Self.clerk)
            let first = try await api.call(.put, Self.figure, token: token, json: #"{"value": "1"}"#)
            let version = try #require(first["version"] as? Int)
            let second = try await api.call(
                .put, Self.figure, token: token, json: #"{"value": "2", "version": \#(version)}"#)
            #expect(second.status == .ok, "\(second.text)")

            let snapshot = try await world.snapshot()
            let stale = try await api.call(
                .put, Self.figure, token: token, json: #"{"value": "3", "version": \#(version)}"#)
            expectProblem(stale, .conflict, "conflict")
            let staleSubmit = try await api.call(
                .post, Self.figure + "/submit", token: token, json: #"{"version": \#(version)}"#)
            expectProblem(staleSubmit, .conflict, "conflict")
            #expect(try await world.snapshot() == snapshot)
        }
    }

    @Test("409 period_not_open: a planned period and a closed one")
    func periodNotOpen() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, world in
            let token = try await api.login(Self.clerk)
            let snapshot = try await world.snapshot()
            for period in ["2021Q2", "2020Q4"] {
                let reply = try await api.call(
                    .put, "/api/v1/periods/\(period)/figures/1-1.1", token: token, json: #"{"value": "1"}"#)
                expectProblem(reply, .conflict, "period_not_open")
            }
            #expect(try await world.snapshot() == snapshot)
        }
    }

    @Test("413: a body over 64 KiB, with or without Content-Length")
    func tooLarge() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, world in
            let token = try await api.login(Self.clerk)
            let snapshot = try await world.snapshot()
            let note = String(repeating: "あ", count: 30_000)  // 90 KB of UTF-8
            let reply = try await api.call(
                .put, Self.figure, token: token, json: #"{"value": "1", "note": "\#(note)"}"#)
            expectProblem(reply, .contentTooLarge, "payload_too_large")
            // Before authentication too: the size alone decides.
            let anonymous = try await api.call(
                .post, "/api/v1/sessions", json: #"{"login": "\#(note)", "password": ""}"#)
            expectProblem(anonymous, .contentTooLarge, "payload_too_large")
            #expect(try await world.snapshot() == snapshot)
        }
    }

    @Test("422: validation, with every field at fault")
    func validation() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, world in
            let token = try await api.login(Self.clerk)
            let snapshot = try await world.snapshot()

            var reply = try await api.call(.put, Self.figure, token: token, json: #"{"status": "reported"}"#)
            expectProblem(reply, .unprocessableContent, "invalid")
            #expect(fields(reply).contains("value"))

            reply = try await api.call(
                .put, Self.figure, token: token, json: #"{"value": "1.5e3", "status": "guessed"}"#)
            expectProblem(reply, .unprocessableContent, "invalid")
            #expect(Set(fields(reply)) == ["value", "status"])

            reply = try await api.call(.put, Self.figure, token: token, json: #"{"value": "1.5"}"#)
            expectProblem(reply, .unprocessableContent, "invalid")  // a count has no decimals
            #expect(fields(reply) == ["value"])

            reply = try await api.call(
                .put, Self.figure, token: token, json: #"{"value": "-1", "as_of": "2021-13-01"}"#)
            expectProblem(reply, .unprocessableContent, "invalid")
            #expect(fields(reply) == ["as_of"])

            #expect(try await world.snapshot() == snapshot)
        }
    }

    @Test("bad input of every kind is a 4xx problem, never a 500, and changes nothing")
    func neverA500() async throws {
        try await withAPI(passwords: [Self.clerk, Fixtures.admin]) { api, world in
            let clerk = try await api.login(Self.clerk)
            let admin = try await api.login(Fixtures.admin)
            let snapshot = try await world.snapshot()
            let bodies = [
                "", "null", "true", "[]", "{}", "\"text\"", "{\"value\": {}}", "{\"value\": [\"1\"]}",
                "{\"value\": \"\"}", "{\"value\": \"１２，３\"}", "{\"value\": \"NaN\"}", "{\"value\": \"1e400\"}",
                "{\"value\": \"1.2.3\"}", "{\"version\": 1e99}",
                "{\"version\": -1, \"value\": \"1\"}", "{\"note\": 5}", "{\"status\": null}", "\u{0}",
                "{\"value\": \"1\", \"as_of\": \"2021-02-30\"}", "{\"items\": [{\"indicator\": 5}]}",
                "{\"reason\": \"\", \"version\": 1}", "{\"login\": \"x\"}",
            ]
            let targets: [(HTTPRequest.Method, String, String?)] = [
                (.put, Self.figure, clerk),
                (.post, Self.figure + "/submit", clerk),
                (.post, Self.figure + "/return", admin),
                (.post, "/api/v1/periods/2021Q1/approvals", admin),
                (.post, "/api/v1/admin/users", admin),
                (.put, "/api/v1/admin/users/clerk-ports/role", admin),
                (.post, "/api/v1/admin/periods", admin),
                (.post, "/api/v1/admin/periods/2021Q1/extensions", admin),
                (.post, "/api/v1/sessions", nil),
            ]
            for (method, uri, token) in targets {
                for body in bodies {
                    let reply = try await api.call(method, uri, token: token, json: body)
                    #expect((400..<500).contains(reply.status.code), "\(method) \(uri) \(body): \(reply.status)")
                    #expect(reply.contentType == "application/problem+json", "\(method) \(uri) \(body)")
                }
            }
            #expect(try await world.snapshot() == snapshot)
        }
    }
}

@Suite("Every route")
struct EveryRouteTests {
    @Test("every route of the router answers with JSON or a problem, never a 500")
    func everyRoute() async throws {
        try await withAPI(passwords: [Fixtures.admin]) { api, world in
            let router = try buildRouter(service: world.service)
            let admin = try await api.login(Fixtures.admin)
            let samples = [
                "{period}": "2021Q1", "{indicator}": "1-1.1", "{project}": "1-1", "{code}": "1-1",
                "{login}": Fixtures.clerk("water"),
            ]
            // Logging out ends the admin's session, so it goes last.
            // The API's routes; the web screens' pages (HTML, cookie sessions) have their own tests (WebScreenTests).
            let all = router.routes.map { ($0.method, $0.path.description) }.filter {
                let path = $0.1.drop { $0 == "/" }
                return path.hasPrefix("api/") || path == "healthz" || path == "readyz"
            }.sorted { $0.1 < $1.1 }
            let isLogout = { (route: (HTTPRequest.Method, String)) in route.1 == "/api/v1/sessions/current" }
            let routes = all.filter { !isLogout($0) } + all.filter(isLogout)
            #expect(routes.count > 40)
            for (method, template) in routes {
                var uri = template
                for (parameter, value) in samples { uri = uri.replacingOccurrences(of: parameter, with: value) }
                for body: String? in [nil, "{}"] {
                    let reply = try await api.call(method, uri, token: admin, json: body)
                    #expect(reply.status.code < 500, "\(method) \(uri) \(body ?? "-"): \(reply.text)")
                    if reply.status.code >= 400 {
                        #expect(reply.contentType == "application/problem+json", "\(method) \(uri)")
                        #expect(reply.code != nil, "\(method) \(uri)")
                    } else if reply.status != .noContent {
                        #expect(reply.contentType?.isEmpty == false, "\(method) \(uri)")
                    }
                }
            }
        }
    }
}

@Suite("Review findings: input the database cannot hold")
struct NULInputTests {
    static let clerk = Fixtures.clerk("ports")
    static let figure = "/api/v1/periods/2021Q1/figures/1-1.1"

    @Test("a NUL character in a JSON string, a login or a path is a 4xx problem, never a 500")
    func nulIsNotA500() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, world in
            let token = try await api.login(Self.clerk)
            let snapshot = try await world.snapshot()
            let requests: [(HTTPRequest.Method, String, String?, String?)] = [
                (.put, Self.figure, token, #"{"value": "1", "note": "a\u0000b"}"#),
                (.post, "/api/v1/sessions", nil, #"{"login": "a\u0000b", "password": "long enough password"}"#),
                (.get, "/api/v1/projects/1-1%00", token, nil),
            ]
            for (method, uri, token, json) in requests {
                let reply = try await api.call(method, uri, token: token, json: json)
                #expect((400..<500).contains(reply.status.code), "\(method) \(uri): \(reply.status) \(reply.text)")
                #expect(reply.contentType == "application/problem+json", "\(method) \(uri)")
            }
            #expect(try await world.snapshot() == snapshot)
        }
    }
}
