import Foundation
import Hummingbird
import LibPQ
import Shinchoku
import ShinchokuServer
import TestSupport
import Testing

/// The routes `docs/openapi.yaml` describes, read line by line: the keys under `paths:` (two spaces in) and the
/// HTTP methods under each (four spaces in). Enough YAML for our own file, without a YAML dependency.
enum OpenAPIPaths {
    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]

    static func routes(in yaml: String) -> Set<String> {
        var routes = Set<String>()
        var inPaths = false
        var path: String?
        for raw in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let indent = line.prefix { $0 == " " }.count
            if indent == 0 {
                inPaths = trimmed == "paths:"
                path = nil
                continue
            }
            guard inPaths, let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = String(trimmed[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            if indent == 2 {
                path = key.hasPrefix("/") ? key : nil
            } else if indent == 4, let path, methods.contains(key) {
                routes.insert("\(key.uppercased()) \(path)")
            }
        }
        return routes
    }

    /// The response status codes each route documents: the quoted three-digit keys under `responses:` (six spaces
    /// in) of each method.
    static func statuses(in yaml: String) -> [String: Set<Int>] {
        var statuses: [String: Set<Int>] = [:]
        var inPaths = false
        var path: String?
        var route: String?
        var inResponses = false
        for raw in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let indent = line.prefix { $0 == " " }.count
            if indent == 0 {
                inPaths = trimmed == "paths:"
                path = nil
                route = nil
                continue
            }
            guard inPaths, let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = String(trimmed[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            switch indent {
            case 2:
                path = key.hasPrefix("/") ? key : nil
                route = nil
            case 4:
                route = path.flatMap { methods.contains(key) ? "\(key.uppercased()) \($0)" : nil }
                inResponses = false
                if let route { statuses[route, default: []] = statuses[route] ?? [] }
            case 6:
                inResponses = key == "responses"
            case 8:
                if inResponses, let route, let code = Int(key), (100..<600).contains(code) {
                    statuses[route, default: []].insert(code)
                }
            default:
                break
            }
        }
        return statuses
    }

    static var specURL: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml")
    }
}

@Suite("OpenAPI")
struct OpenAPITests {
    @Test("the line reader finds paths and methods")
    func reader() {
        let yaml = """
            openapi: 3.1.0
            paths:
              /a/{id}:
                get:
                  summary: x
                put:
                  requestBody:
                    content:
                      application/json:
                        schema:
                          properties:
                            get:
                              type: string
              "/b":
                post: {}
            components:
              schemas:
                get:
                  type: object
            """
        #expect(OpenAPIPaths.routes(in: yaml) == ["GET /a/{id}", "PUT /a/{id}", "POST /b"])
    }

    @Test("every route of the router is in docs/openapi.yaml, and every route there is in the router")
    func specMatchesRouter() async throws {
        let pool = ConnectionPool(configuration: ConnectionConfiguration(), options: .init(maxConnections: 1))
        let router = try buildRouter(service: ShinchokuService(pool: pool))
        await pool.close()
        // The web screens' pages are HTML for browsers, described in docs/ui.md, not part of the API.
        let served = Set(
            router.routes.filter {
                let path = $0.path.description.drop { $0 == "/" }
                return path.hasPrefix("api/") || path == "healthz" || path == "readyz"
            }.map { "\($0.method.rawValue) \($0.path.description)" })
        let yaml = try String(contentsOf: OpenAPIPaths.specURL, encoding: .utf8)
        let documented = OpenAPIPaths.routes(in: yaml)
        #expect(served.count > 40)
        #expect(served.subtracting(documented).sorted() == [], "served but not in docs/openapi.yaml")
        #expect(documented.subtracting(served).sorted() == [], "in docs/openapi.yaml but not served")
    }

    @Test("the line reader finds each route's response codes")
    func statusReader() {
        let yaml = """
            paths:
              /a/{id}:
                get:
                  parameters:
                    - name: "200"
                  responses:
                    "200":
                      description: ok
                    "422": { $ref: x }
                put:
                  responses:
                    "204": { description: done }
            components:
              responses:
                "500": {}
            """
        #expect(OpenAPIPaths.statuses(in: yaml) == ["GET /a/{id}": [200, 422], "PUT /a/{id}": [204]])
    }

    @Test(
        "every status a route answers to good and bad requests is documented for that route in docs/openapi.yaml",
        .timeLimit(.minutes(10)))
    func statusesAreDocumented() async throws {
        let clerk = Fixtures.clerk("ports")
        try await withAPI(passwords: [Fixtures.admin, clerk]) { api, world in
            let yaml = try String(contentsOf: OpenAPIPaths.specURL, encoding: .utf8)
            let documented = OpenAPIPaths.statuses(in: yaml)
            let router = try buildRouter(service: world.service)
            let admin = try await api.login(Fixtures.admin)
            let clerkToken = try await api.login(clerk)
            let good = [
                "{period}": "2021Q1", "{indicator}": "1-1.1", "{project}": "1-1", "{code}": "1-1",
                "{login}": Fixtures.clerk("water"),
            ]
            let bad = [
                "{period}": "2021Q9", "{indicator}": "99-9.9", "{project}": "99-9", "{code}": "99-9",
                "{login}": "nobody",
            ]
            // A NUL character, which PostgreSQL text cannot hold.
            let nul = [
                "{period}": "2021Q1", "{indicator}": "1-1.1%00", "{project}": "1-1%00", "{code}": "1-1%00",
                "{login}": "nobody%00",
            ]
            let queries = [
                "", "?state=bogus", "?limit=bogus", "?limit=-1", "?since=bogus", "?format=bogus", "?project=99-9",
                "?department=nowhere", "?entity=bogus", "?cursor=bogus", "?as_of=bogus", "?project=1-1%00",
                "?department=ports%00", "?actor=a%00", "?id=a%00",
            ]
            let bodies: [String?] = [
                nil, "{", "[]", "{}", #"{"login": "", "password": ""}"#, #"{"login": "admin", "password": 1}"#,
                #"{"value": "abc", "version": 1}"#, #"{"version": 0, "reason": "", "comment": ""}"#,
                #"{"period": "bogus", "due_on": "bogus"}"#, #"{"role": "bogus", "login": "", "display_name": ""}"#,
                #"{"items": [{"indicator": "99-9.9", "version": 1}]}"#,
                #"{"login": "a\u0000b", "password": "long enough password"}"#, #"{"value": "1", "note": "a\u0000b"}"#,
                #"{"department": "nowhere", "until": "bogus", "reason": ""}"#, #"{"password": "short"}"#,
            ]
            func uri(_ template: String, _ values: [String: String]) -> String {
                var uri = template
                for (parameter, value) in values { uri = uri.replacingOccurrences(of: parameter, with: value) }
                return uri
            }
            // Logging out ends the admin's session, so it goes last.
            // The routes the spec describes (that it describes every API route is `specMatchesRouter`'s job).
            let all = router.routes.map { ($0.method, $0.path.description) }
                .filter { documented["\($0.0.rawValue) \($0.1)"] != nil }.sorted { $0.1 < $1.1 }
            #expect(all.count > 40)
            let isLogout = { (route: (HTTPRequest.Method, String)) in route.1 == "/api/v1/sessions/current" }
            var undocumented: [String] = []
            for (method, template) in all.filter({ !isLogout($0) }) + all.filter(isLogout) {
                let route = "\(method.rawValue) \(template)"
                var seen: [Int: String] = [:]
                let writes = method == .post || method == .put || method == .patch
                for token in [nil, clerkToken, admin] {
                    // Without a token one request tells: nothing is read before the session is checked.
                    for values in token == nil ? [good] : [good, bad, nul] {
                        for query in method == .get && token != nil ? queries : [""] {
                            for body in writes && token != nil ? bodies : [nil] {
                                let reply = try await api.call(
                                    method, uri(template, values) + query, token: token, json: body)
                                seen[reply.status.code] = seen[reply.status.code] ?? "\(query) \(body ?? "")"
                            }
                        }
                    }
                }
                for (status, example) in seen.sorted(by: { $0.key < $1.key })
                where !(documented[route] ?? []).contains(status) {
                    undocumented.append("\(route) answers \(status) (e.g. \(example))")
                }
            }
            #expect(undocumented == [], "answered but not in docs/openapi.yaml")
        }
    }

    @Test("the spec names every problem code the API returns")
    func problemCodes() throws {
        let yaml = try String(contentsOf: OpenAPIPaths.specURL, encoding: .utf8)
        for code in [
            "bad_request", "unauthenticated", "forbidden", "not_found", "conflict", "period_not_open",
            "payload_too_large", "invalid", "throttled", "unavailable", "not_ready", "internal", "outcome_unknown",
            "method_not_allowed",
        ] {
            #expect(yaml.contains("- \(code)\n"), "docs/openapi.yaml does not list the problem code \(code)")
        }
    }
}
