import Foundation
import Hummingbird
import LibPQ
import Shinchoku
import ShinchokuServer
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

    @Test("the spec names every problem code the API returns")
    func problemCodes() throws {
        let yaml = try String(contentsOf: OpenAPIPaths.specURL, encoding: .utf8)
        for code in [
            "bad_request", "unauthenticated", "forbidden", "not_found", "conflict", "period_not_open",
            "payload_too_large", "invalid", "throttled", "unavailable", "not_ready", "internal",
        ] {
            #expect(yaml.contains("- \(code)\n"), "docs/openapi.yaml does not list the problem code \(code)")
        }
    }
}
