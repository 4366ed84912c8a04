import Foundation
import Hummingbird
import HummingbirdTesting
import Shinchoku
import ShinchokuServer
import TestSupport
import Testing

/// `GET /metrics`: Prometheus's text format, never on the main listener without the metrics token.
/// Serialized: the gauges are the process's, and a scrape of another test's database would overwrite them midway.
@Suite("Metrics", .serialized)
struct MetricsTests {
    static let token = "metrics-token-0123456789"
    static let clerk = Fixtures.clerk("ports")

    /// The value of one sample line (`name{labels} value`) whose name and labels contain every part.
    static func sample(_ text: String, _ parts: String...) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            if parts.allSatisfy({ line.contains($0) }), let value = line.split(separator: " ").last {
                return Double(value)
            }
        }
        return nil
    }

    /// Runs `body` against the real application with the metrics token set.
    func withMetricsAPI(_ body: @Sendable (API, World) async throws -> Void) async throws {
        ServerMetrics.bootstrap()
        try await TestDatabase.withStandard { db in
            let logs = LogCapture()
            let service = ShinchokuService(pool: db.pool, logger: logs.logger(), bcryptCost: TestDatabase.bcryptCost)
            let world = World(db: db, service: service, logs: logs)
            try await world.setPasswords([Self.clerk])
            var configuration = ServerConfiguration()
            configuration.metrics = MetricsExposure(token: Self.token)
            let app = try buildApplication(configuration: configuration, service: service, logger: logs.logger())
            try await app.test(.router) { client in try await body(API(client: client), world) }
        }
    }

    @Test("the main listener answers /metrics only to the token: 401 without it or with a wrong one")
    func tokenRequired() async throws {
        try await withMetricsAPI { api, world in
            var reply = try await api.call(.get, "/metrics")
            expectProblem(reply, .unauthorized, "unauthenticated")
            #expect(reply.headers[.wwwAuthenticate] == "Bearer")
            #expect(!reply.text.contains("hb_requests"))
            reply = try await api.call(.get, "/metrics", token: "metrics-token-0123456788")
            expectProblem(reply, .unauthorized, "unauthenticated")
            // A session token is not the metrics token either.
            let session = try await api.login(Self.clerk)
            reply = try await api.call(.get, "/metrics", token: session)
            expectProblem(reply, .unauthorized, "unauthenticated")

            reply = try await api.call(.get, "/metrics", token: Self.token)
            #expect(reply.status == .ok)
            #expect(reply.contentType == "text/plain; version=0.0.4; charset=utf-8")
            #expect(reply.headers[.cacheControl] == "no-store")
            // The token is never written to the log or echoed.
            #expect(!world.logs.all.contains { $0.contains(Self.token) })
            #expect(!reply.text.contains(Self.token))
        }
    }

    @Test("requests are counted by route, method and status; bcrypt queue and outbox backlog are read when scraped")
    func contents() async throws {
        try await withMetricsAPI { api, world in
            let token = try await api.login(Self.clerk)
            let before = try await api.call(.get, "/metrics", token: Self.token).text
            let route = "http_route=\"/api/v1/periods/{period}/completeness\""
            let okBefore = Self.sample(before, "hb_requests{", route, "http_response_status_code=\"200\"") ?? 0
            let missingBefore = Self.sample(before, "hb_requests{", route, "http_response_status_code=\"404\"") ?? 0

            #expect(try await api.call(.get, "/api/v1/periods/2021Q1/completeness", token: token).status == .ok)
            #expect(try await api.call(.get, "/api/v1/periods/2021Q1/completeness", token: token).status == .ok)
            #expect(try await api.call(.get, "/api/v1/periods/1999Q1/completeness", token: token).status == .notFound)

            // Two mails waiting to be sent and one sent: the backlog is the two.
            try await world.db.arrange { c in
                for (i, sent) in [false, false, true].enumerated() {
                    let id = try c.query(
                        """
                        INSERT INTO notifications (recipient_id, kind, subject, body, link_path)
                        VALUES ((SELECT id FROM users WHERE login = \(Self.clerk)), 'approved', \("件名\(i)"), '本文', '/')
                        RETURNING id
                        """
                    ).single().decode(Int.self)
                    try c.execute(
                        """
                        INSERT INTO mail_outbox (notification_id, to_address, sent_at)
                        VALUES (\(id), 'clerk@example.jp', CASE WHEN \(sent) THEN now() END)
                        """)
                }
            }

            let after = try await api.call(.get, "/metrics", token: Self.token).text
            // Tests of other suites may call the same route meanwhile (the registry is the process's): at least ours.
            #expect(Self.sample(after, "hb_requests{", route, "http_response_status_code=\"200\"") ?? 0 >= okBefore + 2)
            #expect(
                Self.sample(after, "hb_requests{", route, "http_response_status_code=\"404\"") ?? 0 >= missingBefore + 1
            )
            #expect(after.contains("# TYPE http_server_request_duration histogram"))
            #expect(Self.sample(after, "http_server_request_duration_count{", route, "\"200\"") != nil)
            #expect(Self.sample(after, "shinchoku_mail_outbox_pending") == 2)
            // The queue is the process's: other tests' logins may be in it now, so only its presence is certain.
            #expect(after.contains("# TYPE shinchoku_bcrypt_queue gauge"))
            #expect(Self.sample(after, "shinchoku_bcrypt_queue") ?? -1 >= 0)
        }
    }

    @Test("without a token or a port there is no /metrics on the main listener")
    func offByDefault() async throws {
        try await withAPI { api, _ in
            let reply = try await api.call(.get, "/metrics")
            #expect(reply.status == .notFound)
            #expect(!reply.text.contains("hb_requests"))
        }
    }

    @Test("the metrics listener serves /metrics without a token, and nothing else")
    func ownListener() async throws {
        ServerMetrics.bootstrap()
        try await TestDatabase.withStandard { db in
            let app = buildMetricsApplication(
                exposure: MetricsExposure(port: 0), port: 0, outbox: MailOutbox(pool: db.pool),
                logger: LogCapture().logger())
            try await app.test(.router) { client in
                let api = API(client: client)
                let metrics = try await api.call(.get, "/metrics")
                #expect(metrics.status == .ok)
                #expect(metrics.text.contains("# TYPE shinchoku_bcrypt_queue gauge"))
                #expect(try await api.call(.get, "/api/v1/plan").status == .notFound)
                #expect(try await api.call(.get, "/healthz").status == .notFound)
            }
        }
    }
}
