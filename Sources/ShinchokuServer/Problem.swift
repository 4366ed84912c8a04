import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Shinchoku

/// An RFC 9457 problem document: every error the API returns has this shape.
struct Problem: Encodable, Sendable {
    /// A stable URI naming the kind of problem: `urn:shinchoku:problem:<code>`.
    var type: String
    /// A short summary of the kind of problem, the same for every occurrence.
    var title: String
    /// The HTTP status code.
    var status: Int
    /// What went wrong this time, in words a clerk understands.
    var detail: String
    /// A stable machine-readable code, such as `conflict` or `period_not_open`.
    var code: String
    /// The fields at fault, for validation and malformed input, and every failing item of a bulk request
    /// (whatever its code: a bulk approve lists its conflicts, missing and forbidden items here too).
    var errors: [ServiceError.FieldError]?

    /// Extra response headers (`Retry-After`, `WWW-Authenticate`); not part of the document.
    var headers: HTTPFields = [:]

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, code, errors
    }

    init(
        status: HTTPResponse.Status, code: String, title: String, detail: String,
        errors: [ServiceError.FieldError] = [], headers: HTTPFields = [:]
    ) {
        self.type = "urn:shinchoku:problem:\(code)"
        self.title = title
        self.status = status.code
        self.detail = detail
        self.code = code
        self.errors = errors.isEmpty ? nil : errors
        self.headers = headers
    }

    static let contentType = "application/problem+json"

    func response() -> Response {
        let data = (try? JSONEncoder.api.encode(self)) ?? Data("{}".utf8)
        var fields: HTTPFields = [.contentType: Self.contentType, .contentLength: String(data.count)]
        fields.append(contentsOf: headers)
        return Response(
            status: HTTPResponse.Status(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

/// A problem found by the HTTP layer itself, before any service call: unreadable JSON, a body too large, an
/// unknown route, a query parameter that means nothing. Service problems are ``ServiceError``s.
struct RequestError: Error, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var detail: String
    var fieldErrors: [ServiceError.FieldError] = []
    /// Extra response headers, such as `Allow` on a 405.
    var headers: HTTPFields = [:]

    /// The problem document this error becomes.
    var problem: Problem {
        Problem(
            status: status, code: code, title: ProblemMapping.title(status), detail: detail, errors: fieldErrors,
            headers: headers)
    }

    /// 400: the request could not be read (malformed JSON, a wrong JSON type, a missing field).
    static func badRequest(_ detail: String, field: String? = nil, message: String? = nil) -> RequestError {
        RequestError(
            status: .badRequest, code: "bad_request", detail: detail,
            fieldErrors: field.map { [.init(field: $0, message: message ?? detail)] } ?? [])
    }

    /// 413: the body is larger than the API accepts.
    static var payloadTooLarge: RequestError {
        RequestError(
            status: .contentTooLarge, code: "payload_too_large",
            detail: "The request body is larger than \(APILimits.maximumBodySize / 1024) KiB.")
    }

    /// 405 for a path that is served, but not with this method; `Allow` lists the methods that are.
    static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [String]) -> RequestError {
        RequestError(
            status: .methodNotAllowed, code: "method_not_allowed",
            detail: "\(method.rawValue) is not allowed here; use \(allowed.joined(separator: ", ")).",
            headers: [.allow: allowed.joined(separator: ", ")])
    }

    /// 404 for a path that names no route or no resource the HTTP layer can parse (e.g. a malformed period).
    static func notFound(_ detail: String) -> RequestError {
        RequestError(status: .notFound, code: "not_found", detail: detail)
    }
}

/// The one place where errors become HTTP responses.
///
/// Service errors keep their stable codes; the HTTP layer's own errors (``RequestError``, Hummingbird's not-found
/// and body-size errors) get theirs. Anything else is a 500 whose detail says nothing about the cause; the cause is
/// logged with the request id.
enum ProblemMapping {
    static func problem(for error: any Error, logger: Logger) -> Problem {
        switch error {
        case let e as ServiceError:
            return problem(for: e)
        case let e as RequestError:
            return e.problem
        case is NIOTooManyBytesError:
            return problem(for: RequestError.payloadTooLarge, logger: logger)
        case let e as HTTPError where e.status == .notFound:
            return problem(for: RequestError.notFound("There is no such route."), logger: logger)
        case let e as HTTPError where e.status == .contentTooLarge:
            return problem(for: RequestError.payloadTooLarge, logger: logger)
        case let e as HTTPError where (400..<500).contains(e.status.code):
            return Problem(
                status: e.status, code: "bad_request", title: title(e.status), detail: e.body ?? e.status.reasonPhrase)
        default:
            // `description` of our errors (PostgresError included) holds no values, passwords or tokens.
            logger.error("unexpected error", metadata: ["error": "\(String(describing: error))"])
            return Problem(
                status: .internalServerError, code: "internal", title: "Internal server error",
                detail:
                    "Something went wrong on the server. The request id in the X-Request-ID header helps to find it.")
        }
    }

    static func problem(for e: ServiceError) -> Problem {
        switch e.code {
        case .invalid:
            return Problem(
                status: .unprocessableContent, code: e.code.rawValue, title: "Validation failed", detail: e.message,
                errors: e.fieldErrors)
        case .unauthenticated:
            return Problem(
                status: .unauthorized, code: e.code.rawValue, title: "Not logged in", detail: e.message,
                headers: [.wwwAuthenticate: "Bearer"])
        case .forbidden:
            return Problem(
                status: .forbidden, code: e.code.rawValue, title: "Forbidden", detail: e.message, errors: e.fieldErrors)
        case .notFound:
            return Problem(
                status: .notFound, code: e.code.rawValue, title: "Not found", detail: e.message, errors: e.fieldErrors)
        case .conflict:
            return Problem(
                status: .conflict, code: e.code.rawValue, title: "Conflict", detail: e.message, errors: e.fieldErrors)
        case .periodNotOpen:
            return Problem(
                status: .conflict, code: e.code.rawValue, title: "Period not open", detail: e.message,
                errors: e.fieldErrors)
        case .throttled:
            let seconds = max(1, e.retryAfterSeconds ?? 60)
            return Problem(
                status: .tooManyRequests, code: e.code.rawValue, title: "Too many attempts", detail: e.message,
                headers: [.retryAfter: String(seconds)])
        case .unavailable:
            return Problem(
                status: .serviceUnavailable, code: e.code.rawValue, title: "Service unavailable", detail: e.message,
                headers: [.retryAfter: "5"])
        case .outcomeUnknown:
            // Also a 503 (the database failed us), but with its own code: the change may have been saved.
            return Problem(
                status: .serviceUnavailable, code: e.code.rawValue, title: "Outcome unknown", detail: e.message,
                headers: [.retryAfter: "5"])
        default:
            // A code added to the service later: still a problem document, with its code, as a 400.
            return Problem(
                status: .badRequest, code: e.code.rawValue, title: "Request refused", detail: e.message,
                errors: e.fieldErrors)
        }
    }

    static func title(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .badRequest: "Malformed request"
        case .notFound: "Not found"
        case .contentTooLarge: "Request body too large"
        case .methodNotAllowed: "Method not allowed"
        default: status.reasonPhrase
        }
    }
}

/// Turns every error thrown below it into a problem response, and refuses bodies over the size limit up front.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The routes served, to answer a wrong method on a known path with 405 and `Allow`.
    var routes = RouteTable()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            // A browser's page request gets its refusal as an HTML page, from the web screens (PageFallbackMiddleware).
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > APILimits.maximumBodySize,
                !request.isBrowserPage
            {
                throw RequestError.payloadTooLarge
            }
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.allowedMethods(for: request.uri.path)
            guard !allowed.isEmpty else { return ProblemMapping.problem(for: error, logger: context.logger).response() }
            return RequestError.methodNotAllowed(request.method, allowed: allowed).problem.response()
        } catch {
            return ProblemMapping.problem(for: error, logger: context.logger).response()
        }
    }
}
