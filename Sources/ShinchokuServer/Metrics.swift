import Crypto
import Foundation
import Hummingbird
import LibPQ
import Logging
import Metrics
import NIOCore
import Prometheus
import Shinchoku

/// The process's metrics: swift-metrics, with swift-prometheus as its backend, read at `GET /metrics` in
/// Prometheus's text format (docs/operations.md lists every metric).
///
/// Recorded where they happen, through the swift-metrics API: HTTP requests by route, method and status
/// (Hummingbird's `MetricsMiddleware`: `hb_requests`, `http_server_request_duration`), the connection pool and its
/// statements (LibPQ: `shinchoku_db_*`). Read when scraped: the bcrypt queue (`shinchoku_bcrypt_queue`) and the mail
/// outbox's backlog (`shinchoku_mail_outbox_pending`).
public enum ServerMetrics {
    /// The one registry of the process, bootstrapped into swift-metrics on first use (swift-metrics takes one
    /// backend per process). Metrics created before it (a pool opened earlier) are not recorded.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Database round trips take well under a millisecond; requests a few. Seconds, as Prometheus expects.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        // Prometheus names allow no dots: `http.server.request.duration` becomes `http_server_request_duration`.
        factory.nameAndLabelSanitizer = { name, labels in
            (name.prometheusName, labels.map { ($0.0.prometheusName, $0.1) })
        }
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Bootstraps swift-metrics now, before the connection pool and the router create their metrics.
    public static func bootstrap() { _ = registry }

    /// `shinchoku_bcrypt_queue`.
    static let bcryptQueue = registry.makeGauge(
        descriptor: MetricNameDescriptor(
            namespace: "shinchoku", metricName: "bcrypt_queue", unitName: "",
            helpText: "bcrypt jobs (logins, password changes) queued or running on the bcrypt threads"))
    /// `shinchoku_mail_outbox_pending`.
    static let outboxPending = registry.makeGauge(
        descriptor: MetricNameDescriptor(
            namespace: "shinchoku", subsystem: "mail_outbox", metricName: "pending", unitName: "",
            helpText: "Notification mails waiting to be sent (neither sent nor failed for good)"))

    /// The metrics in Prometheus's text format, after reading the gauges that are read when scraped. An outbox that
    /// cannot be read (the database is down) keeps its last value: the scrape itself never fails.
    static func scrape(outbox: MailOutbox?) async -> [UInt8] {
        bcryptQueue.set(Double(ShinchokuService.passwordHashingQueue))
        if let outbox,
            let pending = try? await DatabaseDeadline.within(.seconds(5), { try await outbox.pendingCount() })
        {
            outboxPending.set(Double(pending))
        }
        return registry.emitToBuffer()
    }
}

/// Where `GET /metrics` is served: never on the public listener without a token (OWASP ASVS 14.3: no internals to
/// anyone who asks).
public struct MetricsExposure: Sendable, Equatable {
    /// A listener of its own that serves only `/metrics` (e.g. `127.0.0.1:9464`, reached by Prometheus on the host
    /// or a private network); nil: none. Port 0 picks a free one.
    public var port: Int?
    /// The address that listener binds to (default `127.0.0.1`).
    public var host: String
    /// A bearer token that lets `GET /metrics` through on the main listener; nil: `/metrics` is not routed there
    /// (404). Never logged.
    public var token: String?

    public init(port: Int? = nil, host: String = "127.0.0.1", token: String? = nil) {
        self.port = port
        self.host = host
        self.token = token
    }

    /// Neither a listener nor a token: no metrics endpoint at all (they are still recorded).
    public var isOff: Bool { port == nil && token == nil }
}

/// `GET /metrics`, on the metrics listener (no token) or on the main one behind ``MetricsExposure/token``.
struct MetricsController<Context: RequestContext>: Sendable {
    let outbox: MailOutbox?
    /// SHA-256 of the token, compared in constant time; nil on the metrics listener.
    let tokenDigest: [UInt8]?

    init(outbox: MailOutbox?, token: String?) {
        self.outbox = outbox
        self.tokenDigest = token.map { Array(SHA256.hash(data: Data($0.utf8))) }
    }

    func register(on router: some RouterMethods<Context>) {
        router.get("metrics") { request, _ in try await metrics(request) }
    }

    func metrics(_ request: Request) async throws -> Response {
        if let tokenDigest {
            let presented = request.headers[.authorization].flatMap { value -> String? in
                value.lowercased().hasPrefix("bearer ") ? String(value.dropFirst(7)) : nil
            }
            // Digests of equal length, compared without an early exit: the time says nothing about the token.
            let digest = Array(SHA256.hash(data: Data((presented ?? "").utf8)))
            let difference = zip(digest, tokenDigest).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) }
            guard presented != nil, difference == 0 else {
                throw RequestError(
                    status: .unauthorized, code: "unauthenticated",
                    detail: "The metrics need the metrics token: send Authorization: Bearer <token>.",
                    headers: [.wwwAuthenticate: "Bearer"])
            }
        }
        let body = await ServerMetrics.scrape(outbox: outbox)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store",
                .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// The listener of ``MetricsExposure/port``: `/metrics` and nothing else, beside the main server (a service of the
/// main application).
public func buildMetricsApplication(
    exposure: MetricsExposure, port: Int, outbox: MailOutbox?, logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    MetricsController<BasicRequestContext>(outbox: outbox, token: nil).register(on: router)
    return Application(
        router: router,
        configuration: ApplicationConfiguration(
            address: .hostname(exposure.host, port: port), serverName: "shinchoku-metrics"),
        onServerRunning: onServerRunning, logger: logger)
}

extension String {
    /// A metric or label name as Prometheus allows it: `[a-zA-Z_:][a-zA-Z0-9_:]*`, anything else an underscore.
    fileprivate var prometheusName: String {
        var out = ""
        for (i, c) in unicodeScalars.enumerated() {
            let ok =
                ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || c == ":"
                || (i > 0 && ("0"..."9").contains(c))
            out.unicodeScalars.append(ok ? c : "_")
        }
        return out
    }
}
