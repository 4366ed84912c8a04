import Foundation
import Hummingbird

/// A JSON response with a status: the API's encoder (snake_case keys, ISO 8601 timestamps, exact decimals as
/// strings).
struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator {
    var status: HTTPResponse.Status
    var value: Value
    /// Extra headers, such as `Cache-Control: no-store` on a response that carries a token or a password.
    var headers: HTTPFields = [:]

    init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.status = status
        self.value = value
    }

    /// A response that carries a secret (a session token, a password): `Cache-Control: no-store`, so that no cache
    /// on the way or in the browser keeps it (OWASP ASVS V14.3).
    static func secret(_ value: Value, status: HTTPResponse.Status = .ok) -> JSONResponse {
        var response = JSONResponse(value, status: status)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder.api.encode(value)
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8", .contentLength: String(data.count)]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `{"status": "..."}`, for health checks.
struct StatusBody: Encodable, Sendable {
    var status: String
}
