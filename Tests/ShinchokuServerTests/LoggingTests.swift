import Foundation
import Hummingbird
import HummingbirdTesting
import Shinchoku
import TestSupport
import Testing

@Suite("Access logs")
struct LoggingTests {
    @Test("every request is logged with id, route, status and duration; no password, token or body ever is")
    func noSecretsInLogs() async throws {
        let clerk = Fixtures.clerk("ports")
        try await withAPI(passwords: [clerk, Fixtures.admin]) { api, world in
            let token = try await api.login(clerk)
            let admin = try await api.login(Fixtures.admin)
            let note = "secret-note-text-\(UUID().uuidString)"
            _ = try await api.call(
                .post, "/api/v1/sessions", json: #"{"login": "\#(clerk)", "password": "wrong-\#(note)"}"#)
            _ = try await api.call(
                .put, "/api/v1/periods/2021Q1/figures/1-1.1", token: token,
                json: #"{"value": "7", "note": "\#(note)"}"#)
            _ = try await api.call(.put, "/api/v1/periods/2021Q1/figures/1-1.1", token: token, json: "{\"value\": 7")
            let reset = try await api.call(.post, "/api/v1/admin/users/\(clerk)/reset-password", token: admin)
            let generated = try #require(reset["password"] as? String)
            _ = try await api.call(
                .post, "/api/v1/admin/users", token: admin,
                json:
                    #"{"login": "newclerk", "display_name": "新人", "role": "clerk", "department": "ports", "password": "Initial-\#(note)"}"#
            )
            _ = try await api.call(.get, "/api/v1/me", token: "\(token)x")
            _ = try await api.call(.delete, "/api/v1/sessions/current", token: admin)

            let lines = world.logs.all
            #expect(!lines.isEmpty)
            let secrets = [
                token, admin, World.password(for: clerk), World.password(for: Fixtures.admin), generated, note,
            ]
            for line in lines {
                for secret in secrets {
                    #expect(!line.contains(secret), "a log line leaks a secret: \(line)")
                }
            }

            let access = lines.filter { $0.contains(": request ") }
            #expect(access.count >= 8)
            for line in access {
                for key in ["request_id=", "route=", "status=", "duration_ms=", "method="] {
                    #expect(line.contains(key), "\(line)")
                }
            }
            #expect(
                access.contains {
                    $0.contains("route=/api/v1/periods/{period}/figures/{indicator}") && $0.contains("status=400")
                })
            #expect(access.contains { $0.contains("route=/api/v1/sessions") && $0.contains("status=401") })
        }
    }

    @Test("the request id is sent back in X-Request-ID")
    func requestID() async throws {
        try await withAPI { api, world in
            let reply = try await api.call(.get, "/healthz")
            let id = try #require(reply.headers[.init("X-Request-ID")!])
            #expect(world.logs.all.contains { $0.contains("request_id=\(id)") })
        }
    }
}
