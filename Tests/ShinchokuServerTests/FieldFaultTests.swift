import Foundation
import Hummingbird
import HummingbirdTesting
import LibPQ
import Logging
import NIOConcurrencyHelpers
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuServer

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 12 §3: a write's answer is the truth, also while backends are killed and while the database stalls.
@Suite("Honest answers after a lost connection")
struct HonestAnswerTests {
    enum Answer: Equatable { case saved, notSaved, unknown }

    @Test(
        "saves while every backend is terminated every 0.2 s: each answered save is committed, each refused one is not",
        .timeLimit(.minutes(10)))
    func terminateLoop() async throws {
        // Three clerks, each saving a figure of their own department.
        let departments = ["ports", "water", "roads"]
        try await withAPI(passwords: departments.map(Fixtures.clerk)) { api, world in
            var clients: [(token: String, indicator: String)] = []
            for department in departments {
                let indicator = try await world.db.pool.withConnection { c in
                    try c.query(
                        """
                        SELECT min(i.code) FROM indicators i JOIN projects p ON p.id = i.project_id
                        JOIN departments d ON d.id = p.department_id WHERE d.code = \(department)
                        """
                    )[0].decode(String.self, at: 0)
                }
                let token = try await api.login(Fixtures.clerk(department))
                // Each figure exists before the killing starts, at version 1.
                let reply = try await api.call(
                    .put, "/api/v1/periods/2021Q1/figures/\(indicator)", token: token, json: #"{"value": "1"}"#)
                #expect(reply.status == .ok, "\(reply.text)")
                clients.append((token, indicator))
            }
            let done = NIOLockedValueBox(false)
            let admin = ConnectionPool(
                configuration: try await TestDatabase.serverConfiguration(), options: .init(maxConnections: 1))
            let name = world.db.name
            let killer = Task {
                var kills = 0
                while !done.withLockedValue({ $0 }) {
                    kills += try await admin.withConnection { c in
                        try c.query(
                            """
                            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                            WHERE datname = \(name) AND pid <> pg_backend_pid()
                            """
                        ).count
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
                return kills
            }
            // Each client saves one figure over and over, tracking the version its answers imply.
            let answers = try await withThrowingTaskGroup(of: [(String, Answer)].self) { group in
                for (n, client) in clients.enumerated() {
                    group.addTask {
                        try await Self.saveRepeatedly(
                            api, token: client.token, indicator: client.indicator, firstValue: 600_000 + n * 10_000)
                    }
                }
                var all: [(String, Answer)] = []
                for try await some in group { all += some }
                return all
            }
            done.withLockedValue { $0 = true }
            let kills = try await killer.value
            await admin.close()

            let refused = answers.filter { $0.1 == .notSaved }.count
            #expect(kills > 0)
            #expect(refused > 0, "the loop never broke a save; it proved nothing")
            #expect(answers.filter { $0.1 == .unknown }.isEmpty, "the database was up: every outcome was knowable")
            // The truth: each value's save is in the audit trail exactly when it was answered as saved.
            let saved = try await world.db.pool.withConnection { c in
                Set(
                    try c.query(
                        "SELECT after->>'value' FROM audit_events WHERE action = 'figure.save' AND after ? 'value'"
                    ).decodeColumn(String?.self).compactMap { $0 })
            }
            for (value, answer) in answers {
                switch answer {
                case .saved: #expect(saved.contains(value), "\(value) was answered 200 but is not committed")
                case .notSaved: #expect(!saved.contains(value), "\(value) was answered as not saved but is committed")
                case .unknown: break
                }
            }
        }
    }

    /// PUTs values to one figure until enough saves were refused (or many were made), re-reading after a conflict.
    static func saveRepeatedly(
        _ api: API, token: String, indicator: String, firstValue: Int
    ) async throws -> [(String, Answer)] {
        let uri = "/api/v1/periods/2021Q1/figures/\(indicator)"
        var version = 1
        var answers: [(String, Answer)] = []
        var value = firstValue
        while answers.count < 3000 && (answers.count < 150 || answers.filter({ $0.1 == .notSaved }).count < 3) {
            value += 1
            let reply = try await api.call(
                .put, uri, token: token, json: #"{"value": "\#(value)", "version": \#(version)}"#)
            switch (reply.status.code, reply.code) {
            case (200, _):
                answers.append((String(value), .saved))
                version = try #require(reply["version"] as? Int)
            case (503, "outcome_unknown"?):
                answers.append((String(value), .unknown))
                version = try await currentVersion(api, uri: uri, token: token)
            case (503, _), (409, _):
                // 409 only follows an answer that was not the truth: the version moved though we were told no.
                #expect(reply.status.code == 503, "\(value): \(reply.text)")
                answers.append((String(value), .notSaved))
                if reply.status.code == 409 { version = try await currentVersion(api, uri: uri, token: token) }
            default:
                Issue.record("\(value): unexpected \(reply.status) \(reply.text)")
                return answers
            }
        }
        return answers
    }

    static func currentVersion(_ api: API, uri: String, token: String) async throws -> Int {
        while true {
            let reply = try await api.call(.get, uri, token: token)
            if reply.status == .ok { return try #require(reply["version"] as? Int) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("a stalled database (its backend stopped with SIGSTOP): the API and /readyz answer 503 by the deadline")
    func stalledDatabase() async throws {
        let clerk = Fixtures.clerk("ports")
        try await TestDatabase.with { db in
            try await Fixtures.standard(db)
            let logs = LogCapture()
            // One connection, so that stopping its backend stalls the whole application.
            let pool = ConnectionPool(configuration: db.configuration, options: .init(maxConnections: 1))
            let service = ShinchokuService(pool: pool, logger: logs.logger())
            _ = try await service.setPassword(
                login: clerk, password: World.password(for: clerk), as: .login(Fixtures.admin))
            // Logged in outside the application, whose deadline is short for a busy machine's bcrypt.
            let token = try await service.login(login: clerk, password: World.password(for: clerk)).token
            let configuration = ServerConfiguration(requestTimeout: .seconds(2), statementTimeout: .seconds(2))
            let app = try buildApplication(configuration: configuration, service: service, logger: logs.logger())
            try await app.test(.router) { client in
                let api = API(client: client)
                let figure = "/api/v1/periods/2021Q1/figures/1-1.1"
                let before = try await Fixtures.snapshot(db)
                let pid = try await pool.withConnection { c in
                    try c.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
                }
                guard Self.isLocalPostgres(pid) else {
                    Issue.record("backend \(pid) is not a local postgres process (DATABASE_URL names another host)")
                    return
                }
                kill(pid, SIGSTOP)
                defer { kill(pid, SIGCONT) }  // also when an expectation throws
                do {
                    // Each is answered while the backend is still stopped: nothing here waits for it.
                    let save = try await api.call(.put, figure, token: token, json: #"{"value": "600093"}"#)
                    #expect(save.status == .serviceUnavailable, "\(save.text)")
                    #expect(save.code == "unavailable")
                    #expect(save.headers[.retryAfter] != nil)
                    let read = try await api.call(.get, figure, token: token)
                    #expect(read.status == .serviceUnavailable, "\(read.text)")
                    let ready = try await api.call(.get, "/readyz")
                    #expect(ready.status == .serviceUnavailable, "\(ready.text)")
                    #expect(ready.contentType == "application/problem+json")
                }
                kill(pid, SIGCONT)
                // Once the backend runs again, the abandoned save rolls back and the application recovers.
                var ready = try await api.call(.get, "/readyz")
                for _ in 0..<100 where ready.status != .ok {
                    try await Task.sleep(for: .milliseconds(100))
                    ready = try await api.call(.get, "/readyz")
                }
                #expect(ready.status == .ok)
                #expect(try await Fixtures.snapshot(db) == before, "the save answered 503 changed something")
            }
            await pool.close()
        }
    }

    /// Whether `pid` is a postgres process on this machine (so that stopping it stops a backend, nothing else).
    static func isLocalPostgres(_ pid: Int32) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data, as: UTF8.self).hasPrefix("postgres")
    }

    @Test("outcome_unknown is a 503 problem of its own that tells the client to re-read")
    func outcomeUnknownProblem() {
        let problem = ProblemMapping.problem(
            for: ServiceError(.outcomeUnknown, "The connection broke."), logger: Logger(label: "test"))
        #expect(problem.status == 503)
        #expect(problem.code == "outcome_unknown")
        #expect(problem.type == "urn:shinchoku:problem:outcome_unknown")
        #expect(problem.headers[.retryAfter] != nil)
    }
}

/// Issue 12 §4: secrets stay out of messages and out of caches.
@Suite("No secret in any message")
struct NoSecretTests {
    @Test("the server stops at start on a database URL that cannot be read, and does not say the password")
    func unparseableURL() async throws {
        let examples = [
            ("postgresql://app:Tr0ub4dor&3/@localhost/shinchoku", ["Tr0ub4dor", "Tr0ub4dor&3"]),
            ("postgresql://app:p/ss@w0rd:#%@localhost:5432/shinchoku", ["w0rd", "ss@w0rd"]),
        ]
        for (url, secrets) in examples {
            let error = await #expect(throws: ServerStartError.self) {
                try await runServer(ServerConfiguration(port: 0, databaseURL: url))
            }
            let message = error?.description ?? ""
            #expect(message.contains("cannot be read"), "\(message)")
            #expect(message.contains("--database-url"), "\(message)")
            for secret in secrets { #expect(!message.contains(secret), "\(message)") }
        }
    }

    @Test("responses that carry a token or a password are Cache-Control: no-store")
    func noStore() async throws {
        try await withAPI(passwords: [Fixtures.admin]) { api, world in
            let login = try await api.call(
                .post, "/api/v1/sessions",
                json: #"{"login": "admin", "password": "\#(World.password(for: Fixtures.admin))"}"#)
            #expect(login.status == .created)
            #expect(login.headers[.cacheControl] == "no-store")
            let token = try #require(login["token"] as? String)

            let reset = try await api.call(
                .post, "/api/v1/admin/users/\(Fixtures.clerk("water"))/reset-password", token: token)
            #expect(reset.status == .ok, "\(reset.text)")
            #expect(reset.headers[.cacheControl] == "no-store")

            let created = try await api.call(
                .post, "/api/v1/admin/users", token: token,
                json: #"{"login": "new-clerk", "display_name": "新しい担当", "role": "clerk", "department": "water"}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.headers[.cacheControl] == "no-store")

            // An ordinary read carries no secret and keeps the default.
            let me = try await api.call(.get, "/api/v1/me", token: token)
            #expect(me.headers[.cacheControl] == nil)
        }
    }
}

/// Issue 12 §6: a wrong method on a known route is 405 with Allow, not 404.
@Suite("HTTP methods")
struct MethodTests {
    @Test("a wrong method on a known route is a 405 problem with Allow; an unknown route stays 404")
    func methodNotAllowed() async throws {
        let clerk = Fixtures.clerk("ports")
        try await withAPI(passwords: [clerk]) { api, world in
            let token = try await api.login(clerk)
            let before = try await world.snapshot()
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.delete, "/api/v1/periods/2021Q1/figures/1-1.1", "GET, PUT"),
                (.post, "/api/v1/periods/2021Q1/figures/1-1.1", "GET, PUT"),
                (.get, "/api/v1/sessions", "POST"),
                (.put, "/api/v1/periods/2021Q1/figures/1-1.1/submit", "POST"),
                (.post, "/healthz", "GET"),
            ]
            for (method, uri, allow) in cases {
                let reply = try await api.call(method, uri, token: token, json: #"{"value": "1"}"#)
                #expect(reply.status == .methodNotAllowed, "\(method) \(uri): \(reply.text)")
                #expect(reply.headers[.allow] == allow, "\(method) \(uri)")
                #expect(reply.contentType == "application/problem+json")
                #expect(reply.code == "method_not_allowed")
            }
            let unknown = try await api.call(.get, "/api/v1/no-such-thing", token: token)
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.allow] == nil)
            #expect(try await world.snapshot() == before)
        }
    }
}
