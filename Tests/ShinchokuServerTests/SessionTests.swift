import Foundation
import Hummingbird
import HummingbirdTesting
import Shinchoku
import TestSupport
import Testing

@Suite("Sessions")
struct SessionTests {
    static let clerk = Fixtures.clerk("ports")

    @Test("logging in returns a token, when it expires, and the user")
    func login() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, _ in
            let reply = try await api.call(
                .post, "/api/v1/sessions",
                json: #"{"login": "\#(Self.clerk)", "password": "\#(World.password(for: Self.clerk))"}"#)
            #expect(reply.status == .created, "\(reply.text)")
            #expect(reply.contentType?.hasPrefix("application/json") == true)
            let token = try #require(reply["token"] as? String)
            #expect(token.count == 43)
            let expires = try #require(reply["expires_at"] as? String)
            #expect(ISO8601DateFormatter().date(from: expires).map { $0 > Date() } == true)
            let user = try #require(reply["user"] as? [String: Any])
            #expect(user["login"] as? String == Self.clerk)
            #expect(user["role"] as? String == "clerk")
            #expect(user["password_hash"] == nil)
        }
    }

    @Test("a wrong password and an unknown login get the same 401")
    func wrongCredentials() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, _ in
            let wrong = try await api.call(
                .post, "/api/v1/sessions", json: #"{"login": "\#(Self.clerk)", "password": "not the password"}"#)
            let unknown = try await api.call(
                .post, "/api/v1/sessions", json: #"{"login": "nobody-here", "password": "not the password"}"#)
            expectProblem(wrong, .unauthorized, "unauthenticated")
            expectProblem(unknown, .unauthorized, "unauthenticated")
            #expect(wrong.text == unknown.text)
        }
    }

    @Test("after 5 failures for one login from one address within 15 minutes, 429 with Retry-After")
    func throttling() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, _ in
            for attempt in 1...5 {
                let reply = try await api.call(
                    .post, "/api/v1/sessions", json: #"{"login": "\#(Self.clerk)", "password": "guess \#(attempt)"}"#)
                expectProblem(reply, .unauthorized, "unauthenticated")
            }
            // Even the right password is refused now, without a word about whether it was right.
            let throttled = try await api.call(
                .post, "/api/v1/sessions",
                json: #"{"login": "\#(Self.clerk)", "password": "\#(World.password(for: Self.clerk))"}"#)
            expectProblem(throttled, .tooManyRequests, "throttled")
            let retryAfter = try #require(throttled.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...900).contains(retryAfter))

            // Other logins are not affected.
            let other = try await api.call(
                .post, "/api/v1/sessions", json: #"{"login": "approver", "password": "wrong password"}"#)
            expectProblem(other, .unauthorized, "unauthenticated")
        }
    }

    @Test("after logout the token no longer works")
    func logout() async throws {
        try await withAPI(passwords: [Self.clerk]) { api, _ in
            let token = try await api.login(Self.clerk)
            #expect(try await api.call(.get, "/api/v1/me", token: token).status == .ok)
            let out = try await api.call(.delete, "/api/v1/sessions/current", token: token)
            #expect(out.status == .noContent)
            expectProblem(try await api.call(.get, "/api/v1/me", token: token), .unauthorized, "unauthenticated")
            expectProblem(
                try await api.call(.delete, "/api/v1/sessions/current", token: token), .unauthorized, "unauthenticated")
        }
    }

    @Test("disabling an account makes its token fail; enabling it does not revive old sessions needlessly")
    func disabledAccount() async throws {
        try await withAPI(passwords: [Self.clerk, Fixtures.admin]) { api, _ in
            let clerk = try await api.login(Self.clerk)
            let admin = try await api.login(Fixtures.admin)
            let disabled = try await api.call(.post, "/api/v1/admin/users/\(Self.clerk)/disable", token: admin)
            #expect(disabled.status == .ok, "\(disabled.text)")
            #expect(disabled["disabled"] as? Bool == true)
            expectProblem(try await api.call(.get, "/api/v1/me", token: clerk), .unauthorized, "unauthenticated")
            expectProblem(
                try await api.call(
                    .put, "/api/v1/periods/2021Q1/figures/1-1.1", token: clerk, json: #"{"value": "1"}"#),
                .unauthorized, "unauthenticated")
            let relogin = try await api.call(
                .post, "/api/v1/sessions",
                json: #"{"login": "\#(Self.clerk)", "password": "\#(World.password(for: Self.clerk))"}"#)
            expectProblem(relogin, .unauthorized, "unauthenticated")
        }
    }
}
