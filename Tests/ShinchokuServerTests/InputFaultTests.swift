import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Shinchoku
import ShinchokuServer
import TestSupport
import Testing

/// Issue 12 §2, §5 and §6 through the HTTP API.
@Suite struct InputFaultTests {
    static let roads = Fixtures.clerk("roads")
    static let water = Fixtures.clerk("water")

    @Test("A failed bulk approve lists every failing item with its reason: conflict, not found and forbidden alike")
    func bulkApproveListsEveryFailure() async throws {
        try await withAPI(passwords: [Self.roads, Self.water]) { api, world in
            let roads = try await api.login(Self.roads)
            let water = try await api.login(Self.water)
            // 1-3.1 stays a draft (the issue's example); 1-2.1 is submitted by water's clerk, who then becomes an
            // approver and so may not review it.
            let draft = try await api.call(
                .put, "/api/v1/periods/2021Q1/figures/1-3.1", token: roads, json: #"{"value": "2.5"}"#)
            #expect(draft.status == .ok, "\(draft.text)")
            let saved = try await api.call(
                .put, "/api/v1/periods/2021Q1/figures/1-2.1", token: water, json: #"{"value": "4.0"}"#)
            let submitted = try await api.call(
                .post, "/api/v1/periods/2021Q1/figures/1-2.1/submit", token: water,
                json: #"{"version": \#(saved["version"] as? Int ?? 0)}"#)
            #expect(submitted.status == .ok, "\(submitted.text)")
            _ = try await world.service.setRole(
                login: Self.water, role: .approver, department: "planning", as: .login(Fixtures.admin))
            let approver = try await api.login(Self.water)

            let before = try await world.snapshot()
            let reply = try await api.call(
                .post, "/api/v1/periods/2021Q1/approvals", token: approver,
                json: #"""
                    {"items": [{"indicator": "1-3.1", "version": 1}, {"indicator": "9.9", "version": 1},
                               {"indicator": "1-2.1", "version": \#(submitted["version"] as? Int ?? 0)}]}
                    """#)
            expectProblem(reply, .conflict, "conflict")
            let errors = try #require(reply["errors"] as? [[String: String]], "\(reply.text)")
            #expect(errors.map { $0["field"] } == ["1-3.1", "9.9", "1-2.1"], "\(reply.text)")
            #expect(errors[0]["message"]?.contains("draft") == true, "\(reply.text)")
            #expect(errors[1]["message"]?.contains("9.9") == true, "\(reply.text)")
            #expect(errors[2]["message"]?.contains("may not review it") == true, "\(reply.text)")
            #expect(try await world.snapshot() == before)

            // The first failure's code decides the status: a forbidden item alone is a 403 that lists it.
            let forbidden = try await api.call(
                .post, "/api/v1/periods/2021Q1/approvals", token: approver,
                json: #"{"items": [{"indicator": "1-2.1", "version": \#(submitted["version"] as? Int ?? 0)}]}"#)
            expectProblem(forbidden, .forbidden, "forbidden")
            #expect((forbidden["errors"] as? [[String: String]])?.map { $0["field"] } == ["1-2.1"], "\(forbidden.text)")
            let missing = try await api.call(
                .post, "/api/v1/periods/2021Q1/approvals", token: approver,
                json: #"{"items": [{"indicator": "9.9", "version": 1}]}"#)
            expectProblem(missing, .notFound, "not_found")
            #expect((missing["errors"] as? [[String: String]])?.map { $0["field"] } == ["9.9"], "\(missing.text)")
            #expect(try await world.snapshot() == before)
        }
    }

    @Test("Control characters in typed text are refused with the field's name; CRLF is stored as LF")
    func textFields() async throws {
        try await withAPI(passwords: [Self.roads, Fixtures.admin]) { api, world in
            let roads = try await api.login(Self.roads)
            let admin = try await api.login(Fixtures.admin)
            let before = try await world.snapshot()
            let refused: [(HTTPRequest.Method, String, String, String, String)] = [
                // The issue's examples: a NUL and a U+0001 in a note.
                (.put, "/api/v1/periods/2021Q1/figures/1-3.1", #"{"value": "2.5", "note": "a\u0000b"}"#, roads, "note"),
                (.put, "/api/v1/periods/2021Q1/figures/1-3.1", #"{"value": "2.5", "note": "a\u0001b"}"#, roads, "note"),
                (.put, "/api/v1/periods/2021Q1/figures/1-3.1", #"{"value": "2.5", "note": "a\u007fb"}"#, roads, "note"),
                (.put, "/api/v1/periods/2021Q1/figures/1-3.1", #"{"value": "2.5", "note": "a\uffffb"}"#, roads, "note"),
                (.put, "/api/v1/periods/2021Q1/figures/1-3.1", #"{"value": "2.5", "note": "a\rb"}"#, roads, "note"),
                (.put, "/api/v1/periods/2021Q1/narratives/1-3", #"{"progress": "進捗\u0001"}"#, roads, "progress"),
                (
                    .put, "/api/v1/periods/2021Q1/narratives/1-3", #"{"outlook_hard": "\u001b[31m"}"#, roads,
                    "outlook_hard"
                ),
            ]
            for (method, uri, body, token, field) in refused {
                let reply = try await api.call(method, uri, token: token, json: body)
                expectProblem(reply, .unprocessableContent, "invalid")
                let errors = reply["errors"] as? [[String: String]] ?? []
                #expect(errors.map { $0["field"] } == [field], "\(body): \(reply.text)")
                #expect(errors.first?["message"]?.contains("must not contain") == true, "\(reply.text)")
                #expect(!reply.text.contains("\"input\""), "\(reply.text)")
            }
            _ = admin
            // A lone surrogate cannot even be read as a Swift string: the request is refused as it is read.
            let surrogate = try await api.call(
                .put, "/api/v1/periods/2021Q1/figures/1-3.1", token: roads,
                json: #"{"value": "2.5", "note": "a\ud800b"}"#)
            #expect([400, 422].contains(surrogate.status.code), "\(surrogate.text)")
            #expect(try await world.snapshot() == before)

            // TAB and LF are kept; CRLF becomes LF.
            let saved = try await api.call(
                .put, "/api/v1/periods/2021Q1/figures/1-3.1", token: roads,
                json: #"{"value": "2.5", "note": "一行目\r\n二行目\tタブ"}"#)
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(saved["note"] as? String == "一行目\n二行目\tタブ")
        }
    }

    @Test("History comes in pages: limit and a cursor, with a Link to the next page")
    func historyPages() async throws {
        try await withAPI(passwords: [Self.roads]) { api, _ in
            let roads = try await api.login(Self.roads)
            let uri = "/api/v1/periods/2021Q1/figures/1-3.1"
            var version: Int? = nil
            for n in 1...7 {
                let body = #"{"value": "\#(n).0""# + (version.map { #", "version": \#($0)"# } ?? "") + "}"
                let saved = try await api.call(.put, uri, token: roads, json: body)
                #expect(saved.status == .ok, "\(saved.text)")
                version = saved["version"] as? Int
            }
            var pages: [[String]] = []
            var next: String? = uri + "/history?limit=3"
            while let page = next {
                let reply = try await api.call(.get, page, token: roads)
                #expect(reply.status == .ok, "\(reply.text)")
                pages.append(reply.array.compactMap { ($0["figure"] as? [String: Any])?["value"] as? String })
                next = reply.headers[HTTPField.Name("Link")!].flatMap { link in
                    link.hasSuffix(">; rel=\"next\"") && link.hasPrefix("<")
                        ? String(link.dropFirst().dropLast(13)) : nil
                }
                #expect(pages.count <= 3)
            }
            #expect(pages == [["1.0", "2.0", "3.0"], ["4.0", "5.0", "6.0"], ["7.0"]])
            // Without a limit, 100 at most: all seven here.
            let all = try await api.call(.get, uri + "/history", token: roads)
            #expect(all.array.count == 7 && all.headers[HTTPField.Name("Link")!] == nil)
            // A limit out of range or a cursor that is no cursor names its field.
            for (query, field) in [
                ("limit=0", "limit"), ("limit=501", "limit"), ("limit=x", "limit"), ("cursor=abc", "cursor"),
            ] {
                let bad = try await api.call(.get, uri + "/history?\(query)", token: roads)
                expectProblem(bad, .unprocessableContent, "invalid")
                #expect((bad["errors"] as? [[String: String]])?.first?["field"] == field, "\(query): \(bad.text)")
            }
        }
    }

    @Test("The client address is the socket's peer; X-Forwarded-For counts only from a trusted proxy")
    func clientAddressForThrottling() async throws {
        for (trusted, forwarded, expected) in [
            ([String](), "203.0.113.5", "127.0.0.1"),
            (["127.0.0.1"], "203.0.113.5", "203.0.113.5"),
            (["127.0.0.1"], "198.51.100.1, 203.0.113.5", "203.0.113.5"),
            (["127.0.0.1", "203.0.113.5"], "198.51.100.1, 203.0.113.5", "198.51.100.1"),
            (["127.0.0.1"], "not-an-address", "127.0.0.1"),
        ] {
            try await TestDatabase.with { db in
                try await Fixtures.standard(db)
                let service = ShinchokuService(pool: db.pool, logger: Logger(label: "test"))
                let app = try buildApplication(
                    configuration: ServerConfiguration(port: 0, trustedProxies: trusted), service: service,
                    logger: Logger(label: "test"))
                try await app.test(.live) { client in
                    var headers = HTTPFields()
                    headers[.contentType] = "application/json"
                    headers[HTTPField.Name("X-Forwarded-For")!] = forwarded
                    let status = try await client.execute(
                        uri: "/api/v1/sessions", method: .post, headers: headers,
                        body: ByteBuffer(string: #"{"login": "clerk-ports", "password": "wrong password here"}"#)
                    ) { $0.status }
                    #expect(status == .unauthorized)
                }
                let addresses = try await db.pool.withConnection { c in
                    try c.query("SELECT client_address FROM login_failures").decodeColumn(String.self)
                }
                #expect(addresses == [expected], "trusted \(trusted), X-Forwarded-For \(forwarded)")
            }
        }
    }
}
