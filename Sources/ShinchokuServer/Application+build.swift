import Foundation
import Hummingbird
import LibPQ
import Logging
import NIOCore
import Shinchoku

/// Builds the HTTP application over a service: the router, the server address and the logger.
///
/// The caller owns the service's connection pool: `shinchoku-server` adds it to the application's services
/// (`app.addServices(pool)`), so that it closes after the server has stopped at graceful shutdown.
public func buildApplication(
    configuration: ServerConfiguration, service: ShinchokuService, logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> Application<RouterResponder<ShinchokuRequestContext>> {
    let router = try buildRouter(
        service: service, requestTimeout: configuration.requestTimeout, trustedProxies: configuration.trustedProxies,
        behindTLS: configuration.behindTLS, publicReports: configuration.publicReports,
        publicURL: configuration.mail.publicURL, metricsToken: configuration.metrics.token)
    return Application(
        router: router,
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "shinchoku"),
        onServerRunning: onServerRunning, logger: logger)
}

/// Every route of the API and the web screens, behind the access log, the security headers and the one error
/// mapping.
///
/// Public: `/healthz`, `/readyz`, `POST /api/v1/sessions`, `/login`, `/static/…` and (unless `publicReports` is
/// false) the published editions under `/published`. Everything else under
/// `/api/v1` needs a bearer token, and every other page the session cookie; the service resolves either to the
/// acting user in the same transaction as the work.
///
/// `trustedProxies` and `behindTLS`: see ``ServerConfiguration``. With a `metricsToken`, `GET /metrics` answers here
/// to that bearer token (``MetricsExposure``); without one it is not routed here.
public func buildRouter(
    service: ShinchokuService, requestTimeout: Duration = .seconds(10), trustedProxies: [String] = [],
    behindTLS: Bool = false, publicReports: Bool = true, publicURL: String = MailConfiguration().publicURL,
    metricsToken: String? = nil
) throws -> Router<ShinchokuRequestContext> {
    let router = Router(context: ShinchokuRequestContext.self)
    let routes = RouteTable()
    router.add(middleware: AccessLogMiddleware())
    // Outside the error mapping, so that it counts every answer by its route and final status.
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware(routes: routes))
    router.add(middleware: RequestDeadlineMiddleware(timeout: requestTimeout))

    let migrator = Migrator(pool: service.pool, migrations: try Migration.bundled())
    HealthController<ShinchokuRequestContext>(migrator: migrator).register(on: router)
    if let metricsToken {
        MetricsController<ShinchokuRequestContext>(outbox: MailOutbox(pool: service.pool), token: metricsToken)
            .register(on: router)
    }

    let sessions = SessionsController<ShinchokuRequestContext>(
        service: service, trustedProxies: Set(trustedProxies))
    sessions.registerPublic(on: router.group("api/v1"))

    let api = router.group("api/v1").add(middleware: BearerTokenMiddleware())
    sessions.register(on: api)
    PlanController(service: service).register(on: api)
    PeriodsController(service: service).register(on: api)
    FiguresController(service: service).register(on: api)
    NarrativesController(service: service).register(on: api)
    ReviewQueueController(service: service).register(on: api)
    ReportsController(service: service).register(on: api)
    AdminController(service: service).register(on: api)
    PublicationController(service: service).register(on: api)
    NotificationsController(service: service).register(on: api)

    let pages = try Pages()
    if publicReports {
        PublishedController<ShinchokuRequestContext>(
            service: service, pages: pages, publicURL: publicURL
        ).register(on: router)
    }
    WebScreens(
        service: service, pages: pages,
        options: WebSessionOptions(behindTLS: behindTLS, trustedProxies: Set(trustedProxies))
    ).register(
        on: router)
    // After every route is registered, so that a wrong method on any of them answers 405 with `Allow`.
    routes.record(router.routes)
    return router
}
