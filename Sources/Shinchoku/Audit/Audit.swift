import Foundation
import LibPQ
import Logging

/// The kinds of thing audit events are about.
public enum AuditEntity: String, Sendable, Codable, CaseIterable {
    case figure, narrative, project, user, period, department, plan, session
}

enum Audit {
    static func write(
        on c: Connection, actorID: Int?, actorLogin: String?, action: String, entity: AuditEntity, id: String,
        before: (any Encodable)?, after: (any Encodable)?, reason: String?
    ) throws {
        try c.execute(
            """
            INSERT INTO audit_events (actor_id, actor_login, action, entity, entity_id, before, after, reason)
            VALUES (\(actorID), \(actorLogin), \(action), \(entity.rawValue), \(id),
                    \(try json(before)), \(try json(after)), \(reason))
            """)
    }

    static func json(_ value: (any Encodable)?) throws -> RawJSON? {
        guard let value else { return nil }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return RawJSON(Array(try encoder.encode(value)))
    }
}
