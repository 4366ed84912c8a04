import Foundation
import Hummingbird
import Shinchoku

/// Logging in and out, and who "I" am.
struct SessionsController<Context: SessionRequestContext>: Sendable {
    let service: ShinchokuService
    /// Proxies whose `X-Forwarded-For` names the client (``ClientAddress``).
    var trustedProxies: Set<String> = []

    struct LoginBody: Decodable {
        var login: String
        var password: String
    }

    /// `POST /sessions`: needs no session.
    func registerPublic(on api: some RouterMethods<Context>) {
        api.post("sessions") { request, context in
            let body = try await request.decodeJSON(LoginBody.self)
            let client = ClientAddress.of(
                peer: context.peerAddress, headers: request.headers, trustedProxies: trustedProxies)
            let result = try await service.login(login: body.login, password: body.password, clientAddress: client)
            return EditedResponse.secret(result, status: .created)
        }
    }

    func register(on api: some RouterMethods<Context>) {
        api.delete("sessions/current") { _, context in
            guard let token = context.sessionToken else { throw ServiceError.unauthenticated() }
            try await service.logout(token: token)
            return HTTPResponse.Status.noContent
        }
        api.get("me") { _, context in
            guard let token = context.sessionToken else { throw ServiceError.unauthenticated() }
            return try await service.me(token: token)
        }
    }
}
