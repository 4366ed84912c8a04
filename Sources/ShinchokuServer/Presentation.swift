import Foundation
import Shinchoku

// Figures and narratives are what clerks and approvers work on, so their JSON always has the same keys: a value,
// note or text that is not there is `null` rather than missing. (Synthesized Codable leaves nil out.)

/// A figure as the API shows it: ``FigureInfo`` with `null` for what is absent.
struct FigureBody: Encodable, Sendable {
    let figure: FigureInfo

    func encode(to encoder: any Encoder) throws {
        try figure.encode(to: encoder)
        try encodeNulls(
            [
                ("value", figure.value == nil), ("note", figure.note == nil),
                ("approvedValue", figure.approvedValue == nil), ("approvedStatus", figure.approvedStatus == nil),
                ("approvedNote", figure.approvedNote == nil), ("approvedAsOf", figure.approvedAsOf == nil),
                ("approvedAt", figure.approvedAt == nil), ("approvedBy", figure.approvedBy == nil),
            ], to: encoder)
    }
}

/// A narrative as the API shows it: ``NarrativeInfo`` with `null` for what is absent.
struct NarrativeBody: Encodable, Sendable {
    let narrative: NarrativeInfo

    func encode(to encoder: any Encoder) throws {
        try narrative.encode(to: encoder)
        try encodeNulls(
            [
                ("progress", narrative.progress == nil), ("progressHard", narrative.progressHard == nil),
                ("progressSoft", narrative.progressSoft == nil), ("outlook", narrative.outlook == nil),
                ("outlookHard", narrative.outlookHard == nil), ("outlookSoft", narrative.outlookSoft == nil),
                ("approvedContent", narrative.approvedContent == nil), ("approvedAt", narrative.approvedAt == nil),
                ("approvedBy", narrative.approvedBy == nil),
            ], to: encoder)
    }
}

/// Adds `null` for each absent key to the object the value has just encoded (the encoder's key strategy turns the
/// camelCase names into snake_case, as for the value's own keys).
private func encodeNulls(_ keys: [(String, Bool)], to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: NamedKey.self)
    for (key, isAbsent) in keys where isAbsent {
        try container.encodeNil(forKey: NamedKey(key))
    }
}

private struct NamedKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension JSONResponse where Value == FigureBody {
    init(figure: FigureInfo) { self.init(FigureBody(figure: figure)) }
}

extension JSONResponse where Value == [FigureBody] {
    init(figures: [FigureInfo]) { self.init(figures.map(FigureBody.init)) }
}

extension JSONResponse where Value == NarrativeBody {
    init(narrative: NarrativeInfo) { self.init(NarrativeBody(narrative: narrative)) }
}

extension JSONResponse where Value == [NarrativeBody] {
    init(narratives: [NarrativeInfo]) { self.init(narratives.map(NarrativeBody.init)) }
}
