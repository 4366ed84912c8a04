import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Shinchoku
import ShinchokuServer
import TestSupport
import Testing

/// Every log line an application wrote during a test, rendered as text (message, metadata, error).
final class LogCapture: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    var all: [String] { lines.withLockedValue { $0 } }

    func append(_ line: String) { lines.withLockedValue { $0.append(line) } }

    /// A logger at trace level that records here, so that even the most verbose lines are checked.
    func logger(label: String = "shinchoku.test") -> Logger {
        Logger(label: label) { label in CapturingLogHandler(label: label, capture: self) }
    }
}

struct CapturingLogHandler: LogHandler {
    let label: String
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\(String(describing: $0))" } ?? ""
        capture.append("\(event.level) \(label): \(event.message) \(rendered)\(error)")
    }
}

/// A response, with its body as text and as JSON.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String
    /// The body's bytes, for binary formats (xlsx).
    var bytes: [UInt8] = []

    /// The body as a JSON object; empty when it is none.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) as? [String: Any]
            ?? [:]
    }

    /// The body as a JSON array of objects; empty when it is none.
    var array: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
    }

    subscript(key: String) -> Any? { object[key] }

    var contentType: String? { headers[.contentType] }

    /// The problem's `code`, for error responses.
    var code: String? { object["code"] as? String }
}

/// The API under test, through Hummingbird's router test client: real routing, middleware and service, and a real
/// PostgreSQL database behind them.
struct API: Sendable {
    let client: any TestClientProtocol

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
        body: ByteBuffer? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var payload = body
        if let json {
            headers[.contentType] = "application/json"
            payload = ByteBuffer(string: json)
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: payload) { response in
            Reply(
                status: response.status, headers: response.headers,
                text: String(buffer: response.body), bytes: Array(buffer: response.body))
        }
    }

    /// Logs in and returns the session token.
    func login(_ login: String) async throws -> String {
        let reply = try await call(
            .post, "/api/v1/sessions", json: #"{"login": "\#(login)", "password": "\#(World.password(for: login))"}"#)
        #expect(reply.status == .created, "login \(login): \(reply.text)")
        return try #require(reply["token"] as? String)
    }
}

/// The database and service of one test, and the logs the application wrote.
struct World: Sendable {
    let db: TestDB
    let service: ShinchokuService
    let logs: LogCapture

    /// The password tests give an account: distinctive, so that the log check can look for it.
    static func password(for login: String) -> String { "Secret-\(login)-Passw0rd!" }

    /// Gives accounts their test passwords (as the admin, through the accounts service).
    func setPasswords(_ logins: [String]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for login in logins {
                group.addTask {
                    _ = try await service.setPassword(
                        login: login, password: World.password(for: login), as: .login(Fixtures.admin))
                }
            }
            try await group.waitForAll()
        }
    }

    /// A fingerprint of every mutable table, to prove that a refused request changed nothing.
    func snapshot() async throws -> String { try await Fixtures.snapshot(db) }
}

/// Runs `body` against the real application on a fresh database with the standard fixtures, and the given accounts
/// able to log in.
func withAPI(
    passwords logins: [String] = [], _ body: @Sendable (API, World) async throws -> Void
) async throws {
    try await TestDatabase.withStandard { db in
        let logs = LogCapture()
        let logger = logs.logger()
        let service = ShinchokuService(pool: db.pool, logger: logger, bcryptCost: TestDatabase.bcryptCost)
        let world = World(db: db, service: service, logs: logs)
        try await world.setPasswords(logins)
        let app = try buildApplication(configuration: ServerConfiguration(), service: service, logger: logger)
        try await app.test(.router) { client in
            try await body(API(client: client), world)
        }
    }
}

extension String {
    /// JSON-quoted.
    var quoted: String { String(data: try! JSONEncoder().encode(self), encoding: .utf8)! }
}
