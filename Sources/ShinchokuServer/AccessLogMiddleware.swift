import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Shinchoku

/// One structured log line per request: request id, method, route, status and duration.
///
/// It logs the route's template (`/api/v1/periods/{period}/figures/{indicator}`), never headers, query strings or
/// bodies, so no password or token can reach the log. The request id is also sent back as `X-Request-ID`.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let level: Logger.Level

    init(level: Logger.Level = .info) {
        self.level = level
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Only errors thrown outside ProblemMiddleware get here; log them as what the client will see.
            log(request, context, status: 500, since: start)
            throw error
        }
        response.headers[.requestID] = context.id
        log(request, context, status: response.status.code, since: start)
        return response
    }

    private func log(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.log(
            level: level, "request",
            metadata: [
                "request_id": .string(context.id),
                "method": .string(request.method.rawValue),
                "route": .string(context.endpointPath ?? "unmatched"),
                "status": .stringConvertible(status),
                "duration_ms": .string(String(format: "%.1f", milliseconds)),
            ])
    }
}

extension HTTPField.Name {
    static var requestID: Self { Self("X-Request-ID")! }
}

/// Reads `Authorization: Bearer <token>` into the context, and refuses the request (401) without one.
///
/// Whether the token names a live session is the service's decision, made in the same transaction as the work.
struct BearerTokenMiddleware<Context: SessionRequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let token = Self.token(in: request.headers) else {
            throw ServiceError.unauthenticated(
                "Please log in: send the session's token as Authorization: Bearer <token>.")
        }
        var context = context
        context.sessionToken = token
        return try await next(request, context)
    }

    static func token(in headers: HTTPFields) -> String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
