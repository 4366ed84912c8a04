import Foundation
import Hummingbird
import NIOCore
import Shinchoku

// Reading requests: JSON bodies, path parameters and query parameters.
//
// Two kinds of bad input, two statuses: JSON that cannot be read as the request's shape (malformed, a wrong JSON
// type, a missing field) is 400 `bad_request`; a value of the right JSON type that is not acceptable (a decimal
// string that is no number, an unknown status) is 422 `invalid`, like the service's own validation.

extension Request {
    /// Reads the JSON body as `T`; unreadable JSON is a 400, a body over the limit a 413.
    func decodeJSON<T: Decodable>(_ type: T.Type) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: APILimits.maximumBodySize)
        } catch is NIOTooManyBytesError {
            throw RequestError.payloadTooLarge
        }
        guard buffer.readableBytes > 0 else {
            throw RequestError.badRequest("The request needs a JSON body.")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw RequestError(decoding: error)
        }
    }

    /// A query parameter, nil when absent or empty.
    func query(_ name: String) -> String? {
        guard let value = uri.queryParameters.get(name), !value.isEmpty else { return nil }
        return value
    }

    /// A query parameter that must be one of an enum's values.
    func query<E: RawRepresentable & CaseIterable>(_ name: String, as: E.Type) throws -> E? where E.RawValue == String {
        guard let text = query(name) else { return nil }
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw RequestError.badRequest(
                "The query parameter \(name) must be one of \(allowed).", field: name,
                message: "must be one of \(allowed)")
        }
        return value
    }

    /// A yes/no query parameter: `true`/`false` (or `1`/`0`, `yes`/`no`).
    func query(_ name: String, as: Bool.Type) throws -> Bool? {
        guard let text = query(name)?.lowercased() else { return nil }
        switch text {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default:
            throw RequestError.badRequest(
                "The query parameter \(name) must be true or false.", field: name, message: "must be true or false")
        }
    }
}

extension RequestContext {
    /// A path parameter, percent-decoded.
    func path(_ name: String) throws -> String {
        guard let raw = parameters.get(name) else { throw RequestError.notFound("There is no such route.") }
        return raw.removingPercentEncoding ?? raw
    }

    /// The `{period}` path parameter; a path naming no possible period is a 404, like a period that does not exist.
    func period(_ name: String = "period") throws -> PeriodCode {
        let text = try path(name)
        guard let period = PeriodCode(text) else {
            throw RequestError.notFound("There is no period \(text): periods are written like 2021Q1.")
        }
        return period
    }
}

extension RequestError {
    /// A 400 naming the field that could not be read, in the request's own (snake_case) terms.
    init(decoding error: DecodingError) {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text
        }
        switch error {
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            let expected = Self.jsonKind(of: type)
            if field.isEmpty {
                self = .badRequest("The body must be \(expected).")
            } else {
                self = .badRequest("\(field) must be \(expected).", field: field, message: "must be \(expected)")
            }
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            let expected = Self.jsonKind(of: type)
            self = .badRequest(
                "\(field) must be \(expected), not null.", field: field, message: "must be \(expected), not null")
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            self = .badRequest("\(field) is missing.", field: field, message: "is required")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                self = .badRequest("The body is not valid JSON.")
            } else {
                self = .badRequest("\(field) cannot be read.", field: field, message: "cannot be read")
            }
        @unknown default:
            self = .badRequest("The body cannot be read.")
        }
    }

    private static func jsonKind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "a JSON object"
        }
    }
}

extension Validation {
    /// A date given as `YYYY-MM-DD`.
    mutating func date(_ text: String?, _ field: String) -> CalendarDate? {
        guard let text else { return nil }
        guard let value = CalendarDate(text) else {
            add(
                field, "must be a date such as 2021-06-30",
                ja: "日付は 2021-06-30 のように、年-月-日の形で入力してください。")
            return nil
        }
        return value
    }

    /// A period given as `2021Q1`.
    mutating func period(_ text: String?, _ field: String) -> PeriodCode? {
        guard let text else { return nil }
        guard let value = PeriodCode(text) else {
            add(
                field, "must be a period such as 2021Q1",
                ja: "期間は 2021Q1（2021年度第1四半期）のように、年度とQと四半期の番号で入力してください。")
            return nil
        }
        return value
    }

    /// One of an enum's values.
    mutating func choice<E: RawRepresentable & CaseIterable>(_ text: String?, _ field: String, as: E.Type) -> E?
    where E.RawValue == String {
        guard let text else { return nil }
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            add(
                field, "must be one of \(allowed)",
                ja: "選択肢（\(allowed)）の中から選んでください。")
            return nil
        }
        return value
    }
}
