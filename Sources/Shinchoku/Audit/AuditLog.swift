import Foundation
import LibPQ

/// Which audit events to read. Every condition given must hold.
public struct AuditFilter: Sendable, Equatable {
    /// Only events about this kind of thing.
    public var entity: AuditEntity?
    /// Only events about this one thing (with `entity`): a login, a period code, `2021Q1/1-1.1` for a figure.
    public var id: String?
    /// Only events by this account (its login), or `bootstrap` for the setting up of the first admin.
    public var actor: String?
    /// Only events on or after this day (in Japan).
    public var since: CalendarDate?
    /// At most this many events: the most recent ones.
    public var limit: Int

    public init(
        entity: AuditEntity? = nil, id: String? = nil, actor: String? = nil, since: CalendarDate? = nil,
        limit: Int = 1000
    ) {
        self.entity = entity
        self.id = id
        self.actor = actor
        self.since = since
        self.limit = limit
    }
}

/// One entry of the audit trail: who did what to which thing, when, the thing before and after, and why.
public struct AuditEventInfo: Sendable, Equatable, Codable {
    public var id: Int
    public var at: Date
    /// The login of who acted, or `bootstrap` for the local operator setting up the first admin.
    public var actor: String
    /// What was done, such as `user.create` or `period.close`.
    public var action: String
    public var entity: AuditEntity
    public var entityID: String
    public var before: AuditJSON?
    public var after: AuditJSON?
    public var reason: String?
}

/// A JSON value as the audit trail keeps it (`before`, `after`), readable in Swift and encoded again as it was.
///
/// Numbers are kept as `Decimal` so that what was stored as `12.30` or a large count is not rounded through a
/// `Double`; Shinchoku's own figures are strings in the JSON anyway.
public indirect enum AuditJSON: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Decimal)
    case string(String)
    case array([AuditJSON])
    case object([String: AuditJSON])

    /// Parses JSON text, as PostgreSQL returns `jsonb`.
    public init(parsing text: String) throws {
        self = try JSONDecoder().decode(AuditJSON.self, from: Data(text.utf8))
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let n = try? c.decode(Decimal.self) {
            self = .number(n)
        } else if let a = try? c.decode([AuditJSON].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: AuditJSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// A member of an object; nil for anything else or a missing key.
    public subscript(key: String) -> AuditJSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The text of a string value.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

extension ShinchokuService {
    /// Audit events matching the filter, oldest first; when more match than `limit`, the most recent `limit`.
    /// Admins and approvers may read the audit trail (and the local operator); clerks may not.
    public func auditLog(filter: AuditFilter = AuditFilter(), as reader: ActorReference) async throws
        -> [AuditEventInfo]
    {
        var v = Validation()
        v.require((1...100_000).contains(filter.limit), "limit", "must be 1 to 100000")
        v.require(filter.id == nil || filter.entity != nil, "id", "needs an entity, such as figure or user")
        try v.check()
        return try await perform(as: reader) { tx in
            try tx.requireReader(.admin, .approver, to: "read the audit trail")
            return try AuditStore.events(tx.connection, filter)
        }
    }

    /// Every audit event of one figure: indicator `1-1.1` in period `2021Q1`. (``figureHistory`` gives its
    /// workflow steps with their content.)
    public func auditTrail(figure indicator: String, period: PeriodCode, as reader: ActorReference) async throws
        -> [AuditEventInfo]
    {
        try await auditLog(filter: AuditFilter(entity: .figure, id: "\(period)/\(indicator)"), as: reader)
    }

    /// Every audit event of one project (ownership transfers and the like), by its plan number such as `1-1`.
    public func auditTrail(project: String, as reader: ActorReference) async throws -> [AuditEventInfo] {
        try await auditLog(filter: AuditFilter(entity: .project, id: project), as: reader)
    }

    /// Every audit event by one account, or by `bootstrap`.
    public func auditTrail(actor login: String, as reader: ActorReference) async throws -> [AuditEventInfo] {
        try await auditLog(filter: AuditFilter(actor: login), as: reader)
    }
}

/// SQL for reading the audit trail (writing is ``Audit``).
enum AuditStore {
    static func events(_ c: Connection, _ f: AuditFilter) throws -> [AuditEventInfo] {
        var conditions: [SQLQuery] = ["true"]
        if let entity = f.entity { conditions.append("e.entity = \(entity.rawValue)") }
        if let id = f.id { conditions.append("e.entity_id = \(id)") }
        if let actor = f.actor {
            // The bootstrap has no account (actor_id is NULL); everyone else is found by id, which is indexed.
            conditions.append(
                actor == "bootstrap"
                    ? "e.actor_id IS NULL"
                    : "e.actor_id = (SELECT id FROM users WHERE login = \(actor))")
        }
        if let since = f.since {
            conditions.append("e.at >= (\(since)::timestamp AT TIME ZONE 'Asia/Tokyo')")
        }
        let rows = try c.query(
            """
            SELECT * FROM (
                SELECT e.id, e.at, coalesce(u.login, e.actor_login, 'bootstrap'), e.action, e.entity, e.entity_id,
                       e.before, e.after, e.reason
                FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id
                WHERE \(SQLQuery.joined(conditions, separator: " AND "))
                ORDER BY e.id DESC
                LIMIT \(f.limit)
            ) recent ORDER BY id
            """)
        return try rows.map { r in
            let (id, at, actor, action, entity, entityID, before, after, reason) = try r.decode(
                (Int, Date, String, String, String, String, RawJSON?, RawJSON?, String?).self)
            guard let entity = AuditEntity(rawValue: entity) else {
                throw PostgresError(kind: .decoding, message: "unexpected entity in audit_events")
            }
            return AuditEventInfo(
                id: id, at: at, actor: actor, action: action, entity: entity, entityID: entityID,
                before: try before.map { try AuditJSON(parsing: $0.text) },
                after: try after.map { try AuditJSON(parsing: $0.text) }, reason: reason)
        }
    }
}
