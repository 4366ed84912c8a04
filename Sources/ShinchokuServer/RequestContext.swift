import Foundation
import Hummingbird
import Shinchoku

/// What the API's controllers need from a request context: the bearer token of the session, if any.
public protocol SessionRequestContext: RequestContext {
    /// The bearer token sent with the request, set by ``BearerTokenMiddleware``. Never logged.
    var sessionToken: String? { get set }
    /// The socket peer's IP address, if known; login throttling counts failures by the client's address.
    var peerAddress: String? { get }
}

extension SessionRequestContext {
    /// Who is acting, for the service: the session of the bearer token. The service checks the token.
    var actor: ActorReference {
        get throws {
            guard let sessionToken else { throw ServiceError.unauthenticated() }
            return .session(token: sessionToken)
        }
    }
}

/// The request context of Shinchoku's API.
public struct ShinchokuRequestContext: SessionRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var sessionToken: String?
    /// The socket peer's IP address, nil when there is none (the router test client). See ``ClientAddress``.
    public var peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.sessionToken = nil
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }

    public var maxUploadSize: Int { APILimits.maximumBodySize }

    /// snake_case keys as the service's types define them, dates as ISO 8601, sorted keys.
    public var responseEncoder: JSONEncoder { JSONEncoder.api }
}

extension JSONEncoder {
    /// The API's encoder: snake_case keys, ISO 8601 timestamps, sorted keys, readable with `curl`.
    static var api: JSONEncoder {
        let e = JSONEncoder.shinchoku
        e.dateEncodingStrategy = .iso8601
        return e
    }
}
