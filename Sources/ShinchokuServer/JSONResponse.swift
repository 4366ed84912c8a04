import Foundation
import Hummingbird

/// A JSON response with a status: the API's encoder (snake_case keys, ISO 8601 timestamps, exact decimals as
/// strings).
struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator {
    var status: HTTPResponse.Status
    var value: Value

    init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.status = status
        self.value = value
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder.api.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(data.count)],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `{"status": "..."}`, for health checks.
struct StatusBody: Encodable, Sendable {
    var status: String
}
