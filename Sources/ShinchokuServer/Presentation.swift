import Foundation
import Hummingbird
import Shinchoku

// Every JSON response goes through the request context's `responseEncoder` (``JSONEncoder/api``): a value that is
// `ResponseEncodable` is the response, `EditedResponse` sets another status or adds headers.

/// A response with a status other than 200 (`201 Created`) or extra headers.
extension EditedResponse {
    /// A response that carries a secret (a session token, a password): `Cache-Control: no-store`, so that no cache
    /// on the way or in the browser keeps it (OWASP ASVS V14.3).
    static func secret(_ response: Generator, status: HTTPResponse.Status? = nil) -> EditedResponse {
        EditedResponse(status: status, headers: [.cacheControl: "no-store"], response: response)
    }
}

/// `{"status": "..."}`, for health checks.
struct StatusBody: ResponseEncodable, Sendable {
    var status: String
}

// Figures and narratives are what clerks and approvers work on, so their JSON always has the same keys: a value,
// note or text that is not there is `null` rather than missing. (The service's own encoding leaves nil out.)

/// A figure as the API shows it: ``FigureInfo`` with `null` for what is absent.
struct FigureBody: ResponseEncodable, Sendable {
    let figure: FigureInfo

    /// The keys that may be absent from ``FigureInfo``'s own encoding and appear here as `null`.
    enum NullableKeys: String, CodingKey {
        case value, note, approvedValue, approvedStatus, approvedNote, approvedAsOf, approvedAt, approvedBy
    }

    static func list(_ figures: [FigureInfo]) -> [FigureBody] { figures.map(FigureBody.init) }

    func encode(to encoder: any Encoder) throws {
        try figure.encode(to: encoder)
        var c = encoder.container(keyedBy: NullableKeys.self)
        try c.encodeNull(ifAbsent: figure.value, forKey: .value)
        try c.encodeNull(ifAbsent: figure.note, forKey: .note)
        try c.encodeNull(ifAbsent: figure.approvedValue, forKey: .approvedValue)
        try c.encodeNull(ifAbsent: figure.approvedStatus, forKey: .approvedStatus)
        try c.encodeNull(ifAbsent: figure.approvedNote, forKey: .approvedNote)
        try c.encodeNull(ifAbsent: figure.approvedAsOf, forKey: .approvedAsOf)
        try c.encodeNull(ifAbsent: figure.approvedAt, forKey: .approvedAt)
        try c.encodeNull(ifAbsent: figure.approvedBy, forKey: .approvedBy)
    }
}

/// A narrative as the API shows it: ``NarrativeInfo`` with `null` for what is absent.
struct NarrativeBody: ResponseEncodable, Sendable {
    let narrative: NarrativeInfo

    /// The keys that may be absent from ``NarrativeInfo``'s own encoding and appear here as `null`.
    enum NullableKeys: String, CodingKey {
        case progress, progressHard, progressSoft, outlook, outlookHard, outlookSoft
        case approvedContent, approvedAt, approvedBy
    }

    static func list(_ narratives: [NarrativeInfo]) -> [NarrativeBody] { narratives.map(NarrativeBody.init) }

    func encode(to encoder: any Encoder) throws {
        try narrative.encode(to: encoder)
        var c = encoder.container(keyedBy: NullableKeys.self)
        try c.encodeNull(ifAbsent: narrative.progress, forKey: .progress)
        try c.encodeNull(ifAbsent: narrative.progressHard, forKey: .progressHard)
        try c.encodeNull(ifAbsent: narrative.progressSoft, forKey: .progressSoft)
        try c.encodeNull(ifAbsent: narrative.outlook, forKey: .outlook)
        try c.encodeNull(ifAbsent: narrative.outlookHard, forKey: .outlookHard)
        try c.encodeNull(ifAbsent: narrative.outlookSoft, forKey: .outlookSoft)
        try c.encodeNull(ifAbsent: narrative.approvedContent, forKey: .approvedContent)
        try c.encodeNull(ifAbsent: narrative.approvedAt, forKey: .approvedAt)
        try c.encodeNull(ifAbsent: narrative.approvedBy, forKey: .approvedBy)
    }
}

extension KeyedEncodingContainer {
    /// `null` for the key when the value is absent; a present value was encoded by the value's own encoding (the
    /// encoder's key strategy turns these camelCase keys into snake_case, as it does the value's own keys).
    fileprivate mutating func encodeNull<T>(ifAbsent value: T?, forKey key: Key) throws {
        if value == nil { try encodeNil(forKey: key) }
    }
}
