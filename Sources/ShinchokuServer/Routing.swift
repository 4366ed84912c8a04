import Foundation
import HTTPTypes
import Hummingbird
import LibPQ
import NIOConcurrencyHelpers

/// The routes the router serves, so that a known path asked with a method it does not serve is told apart from an
/// unknown path: 405 with `Allow` (RFC 9110 §15.5.6) rather than 404.
final class RouteTable: Sendable {
    private let routes = NIOLockedValueBox<[(segments: [Substring], method: String)]>([])

    /// Records what the router serves, once its routes are registered.
    func record(_ descriptions: [Router<ShinchokuRequestContext>.RouteDescription]) {
        let table = descriptions.map { route in
            (segments: route.path.description.split(separator: "/"), method: route.method.rawValue)
        }
        routes.withLockedValue { $0 = table }
    }

    /// The methods served on `path`, sorted; empty when no route has that path.
    func allowedMethods(for path: String) -> [String] {
        let requested = path.split(separator: "/")
        let methods = routes.withLockedValue { table in
            table.filter { Self.matches($0.segments, requested) }.map(\.method)
        }
        return Set(methods).sorted()
    }

    private static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        if pattern.last == "**" { return path.count >= pattern.count - 1 && zip(pattern, path).allSatisfy(segment) }
        return pattern.count == path.count && zip(pattern, path).allSatisfy(segment)
    }

    private static func segment(_ pair: (Substring, Substring)) -> Bool {
        let (pattern, value) = pair
        return pattern == value || pattern == "*" || pattern == "**"
            || (pattern.hasPrefix("{") && pattern.hasSuffix("}"))
    }
}

/// Gives every request a deadline for its database work (see `DatabaseDeadline`): a database that stops answering
/// costs a request `requestTimeout` and a `503`, not a hung connection.
struct RequestDeadlineMiddleware<Context: RequestContext>: RouterMiddleware {
    let timeout: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        try await DatabaseDeadline.within(timeout) { try await next(request, context) }
    }
}

/// Checks made before the server starts serving.
enum StartupCheck {
    /// The database settings, checked without connecting: a URL that libpq cannot read stops the server at once,
    /// with a message that names the fault and never the password.
    static func databaseConfiguration(_ databaseURL: String?) throws -> ConnectionConfiguration {
        let configuration = ConnectionConfiguration.resolve(databaseURL: databaseURL)
        do {
            try configuration.validate()
        } catch let error as PostgresError {
            throw ServerStartError(
                message: "\(Self.sentence(error.message ?? "the database URL cannot be read")); check "
                    + "--database-url or DATABASE_URL (percent-encode special characters in a password, e.g. / as %2F)."
            )
        }
        return configuration
    }

    private static func sentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }
}
