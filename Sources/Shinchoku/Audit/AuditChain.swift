import Crypto
import Foundation
import LibPQ

/// The head of the audit chain at one moment: what a report prints so that it anchors the chain outside the database.
///
/// The database keeps it in `audit_chain_head` and moves it whenever an audit event is inserted (migration 0006,
/// docs/audit-chain.md).
public struct AuditChainHead: Sendable, Equatable, Codable {
    /// How many events the chain holds: the chain position of its last event (positions count from 1; 0 when empty).
    public var events: Int
    /// The last event's hash: SHA-256, 64 lower-case hex digits; 64 zeros while the chain is empty.
    public var hash: String
    /// The id of the last event; nil while the chain is empty.
    public var eventID: Int?

    public init(events: Int, hash: String, eventID: Int?) {
        self.events = events
        self.hash = hash
        self.eventID = eventID
    }
}

/// What ``ShinchokuService/verifyAuditChain(as:)`` found.
public struct AuditChainVerification: Sendable, Equatable, Codable {
    /// The events found intact, in chain order, before the first problem: all of them when the chain is intact.
    public var eventsChecked: Int
    /// The head as the database records it.
    public var head: AuditChainHead
    /// The first problem in chain order; nil when the chain is intact.
    public var problem: AuditChainProblem?

    /// Whether every event is as it was written and the chain ends at its recorded head.
    public var isIntact: Bool { problem == nil }

    public init(eventsChecked: Int, head: AuditChainHead, problem: AuditChainProblem?) {
        self.eventsChecked = eventsChecked
        self.head = head
        self.problem = problem
    }

    private enum CodingKeys: String, CodingKey { case intact, eventsChecked, head, problem }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        eventsChecked = try c.decode(Int.self, forKey: .eventsChecked)
        head = try c.decode(AuditChainHead.self, forKey: .head)
        problem = try c.decodeIfPresent(AuditChainProblem.self, forKey: .problem)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(isIntact, forKey: .intact)
        try c.encode(eventsChecked, forKey: .eventsChecked)
        try c.encode(head, forKey: .head)
        try c.encode(problem, forKey: .problem)
    }
}

/// The first place where the audit chain is not as it was written.
public struct AuditChainProblem: Sendable, Equatable, Codable {
    /// What was done to the chain, as far as the chain can tell.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// An event's content no longer gives its hash.
        case altered
        /// Chain positions skip, or the chain ends before its recorded head.
        case deleted
        /// An event the chain does not account for: the event after it links past it, or it lies beyond the head.
        case inserted
        /// An event does not link to the event before it: events were moved, or one was inserted before it.
        case reordered
    }

    public var kind: Kind
    /// The event the problem is found at (for a deleted last event, the id the head records for it).
    public var eventID: Int
    /// That event's chain position.
    public var chainSeq: Int
    /// One sentence naming the event and what is wrong: "event 42: its hash does not match its content (altered)".
    public var message: String

    public init(kind: Kind, eventID: Int, chainSeq: Int, message: String) {
        self.kind = kind
        self.eventID = eventID
        self.chainSeq = chainSeq
        self.message = message
    }
}

extension ShinchokuService {
    /// Recomputes the audit chain in Swift, in chain order, from a single snapshot, and compares its end with the
    /// recorded head: every event's hash must be SHA-256 of the previous event's hash (32 zero bytes for the first)
    /// followed by its canonical encoding (``AuditChain/canonical(_:)``, docs/audit-chain.md), and the chain
    /// positions must run 1, 2, 3, … up to the head's. Stops at the first problem.
    ///
    /// Whoever may read the audit trail may verify it: admins, approvers and the local operator. A broken chain is a
    /// result (``AuditChainVerification/problem``), not an error; errors are `forbidden` and database failures.
    public func verifyAuditChain(as reader: ActorReference) async throws -> AuditChainVerification {
        try await perform(as: reader, isolation: .repeatableRead) { tx in
            try tx.requireReader(.admin, .approver, to: "verify the audit trail")
            return try AuditChain.verify(tx.connection)
        }
    }
}

/// The chain's rule in Swift: the canonical encoding, the hashing and the walk. The database's twin of the encoding is
/// `audit_event_canonical` (migration 0006); a test holds the two to the same bytes.
public enum AuditChain {
    /// The previous hash of the first event, and the hash of an empty chain's head: 32 zero bytes.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The fields of one event as the canonical encoding takes them, each the text PostgreSQL prints for it.
    public struct Fields: Sendable, Equatable {
        public var id: Int
        public var chainSeq: Int
        /// Microseconds since 1970-01-01 00:00:00 UTC.
        public var atMicroseconds: Int64
        public var actorID: Int?
        public var actorLogin: String?
        public var action: String
        public var entity: String
        public var entityID: String
        /// `jsonb`'s text output, as stored.
        public var before: String?
        public var after: String?
        public var reason: String?
        public var txid: Int64

        public init(
            id: Int, chainSeq: Int, atMicroseconds: Int64, actorID: Int?, actorLogin: String?, action: String,
            entity: String, entityID: String, before: String?, after: String?, reason: String?, txid: Int64
        ) {
            self.id = id
            self.chainSeq = chainSeq
            self.atMicroseconds = atMicroseconds
            self.actorID = actorID
            self.actorLogin = actorLogin
            self.action = action
            self.entity = entity
            self.entityID = entityID
            self.before = before
            self.after = after
            self.reason = reason
            self.txid = txid
        }
    }

    /// The canonical encoding of an event: its twelve fields in order (id, chain_seq, at, actor_id, actor_login,
    /// action, entity, entity_id, before, after, reason, txid), each 0x00 when NULL, else 0x01, the byte length of its
    /// UTF-8 text as a 4-byte big-endian unsigned integer, and that text. Integers are in decimal.
    public static func canonical(_ e: Fields) -> [UInt8] {
        let texts: [String?] = [
            String(e.id), String(e.chainSeq), String(e.atMicroseconds), e.actorID.map { String($0) }, e.actorLogin,
            e.action, e.entity, e.entityID, e.before, e.after, e.reason, String(e.txid),
        ]
        var bytes: [UInt8] = []
        for text in texts {
            guard let text else {
                bytes.append(0)
                continue
            }
            let utf8 = Array(text.utf8)
            let n = UInt32(utf8.count)
            bytes += [1, UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)]
            bytes += utf8
        }
        return bytes
    }

    /// An event's hash: SHA-256 of the previous hash (32 bytes) followed by the event's canonical encoding.
    public static func hash(previous: [UInt8], canonical: [UInt8]) -> [UInt8] {
        var sha = SHA256()
        sha.update(data: previous)
        sha.update(data: canonical)
        return Array(sha.finalize())
    }

    /// Lower-case hex, two digits a byte.
    public static func hex(_ bytes: [UInt8]) -> String { Hex.string(bytes) }

    /// The bytes of lower-case or upper-case hex; nil for anything else.
    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ d: UInt8) -> UInt8? {
            switch d {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let high = value(digits[i]), let low = value(digits[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    /// Events read per query: a page, by chain position, so that a long chain is never held in memory at once.
    static let pageSize = 1000

    /// The walk, on a connection inside a REPEATABLE READ transaction (one snapshot for the head and every page).
    static func verify(_ c: Connection) throws -> AuditChainVerification {
        let head = try AuditChainStore.head(c)
        var checked = 0
        // The last event found intact, and the hash of the event before it.
        var previous: (id: Int, seq: Int, hash: [UInt8])?
        var beforePrevious: [UInt8]?

        func result(_ kind: AuditChainProblem.Kind, _ id: Int, _ seq: Int, _ what: String) -> AuditChainVerification {
            AuditChainVerification(
                eventsChecked: checked, head: head,
                problem: AuditChainProblem(
                    kind: kind, eventID: id, chainSeq: seq, message: "event \(id): \(what) (\(kind.rawValue))"))
        }

        while true {
            let page = try AuditChainStore.events(c, after: previous?.seq ?? 0, limit: pageSize)
            for event in page {
                let e = event.fields
                let expectedSeq = (previous?.seq ?? 0) + 1
                if e.chainSeq > expectedSeq {
                    let missing = e.chainSeq - expectedSeq
                    let follows = previous.map { "follows \($0.seq)" } ?? "is the first"
                    return result(
                        .deleted, e.id, e.chainSeq,
                        "chain position \(e.chainSeq) \(follows): "
                            + (missing == 1
                                ? "an event before it is missing" : "\(missing) events before it are missing"))
                }
                if e.chainSeq < expectedSeq {
                    return result(
                        .inserted, e.id, e.chainSeq,
                        "chain position \(e.chainSeq) comes again after \(expectedSeq - 1)")
                }
                if e.chainSeq > head.events {
                    return result(
                        .inserted, e.id, e.chainSeq,
                        "chain position \(e.chainSeq) lies beyond the chain head's \(head.events)")
                }
                let expectedPrevious = previous?.hash ?? genesis
                if event.prevHash != expectedPrevious {
                    if let previous, let beforePrevious, event.prevHash == beforePrevious {
                        // The event after `previous` links to the one before it: `previous` was slipped in between.
                        checked -= 1
                        return result(
                            .inserted, previous.id, previous.seq,
                            "the event after it (\(e.id)) links to the event before it, not to it")
                    }
                    return result(
                        .reordered, e.id, e.chainSeq,
                        previous == nil
                            ? "its prev_hash is not the chain's start (32 zero bytes)"
                            : "its prev_hash is not the hash of the event before it")
                }
                if hash(previous: event.prevHash, canonical: canonical(e)) != event.hash {
                    return result(.altered, e.id, e.chainSeq, "its hash does not match its content")
                }
                beforePrevious = expectedPrevious
                previous = (e.id, e.chainSeq, event.hash)
                checked += 1
            }
            if page.count < pageSize { break }
        }

        let lastSeq = previous?.seq ?? 0
        if head.events > lastSeq {
            let missing = head.events - lastSeq
            return result(
                .deleted, head.eventID ?? 0, head.events,
                "it is missing: the chain head records it as the last event, at position \(head.events), but the chain "
                    + "ends at position \(lastSeq)" + (missing == 1 ? "" : ", \(missing) events short"))
        }
        if let previous, hex(previous.hash) != head.hash || head.eventID != previous.id {
            return result(
                .altered, previous.id, previous.seq,
                "it is the last event, but the chain head records "
                    + (head.eventID == previous.id
                        ? "another hash" : "event \(head.eventID.map(String.init) ?? "none")"))
        }
        return AuditChainVerification(eventsChecked: checked, head: head, problem: nil)
    }
}

/// SQL for the audit chain (the chain itself is written by the database: migration 0006).
enum AuditChainStore {
    /// One event as stored: its canonical fields and its two hashes.
    struct StoredEvent {
        var fields: AuditChain.Fields
        var prevHash: [UInt8]
        var hash: [UInt8]
    }

    /// The head as of the transaction's snapshot. The app's role may not read `audit_chain_head` itself; the function
    /// may.
    static func head(_ c: Connection) throws -> AuditChainHead {
        let (seq, hash, eventID) = try c.query(
            "SELECT seq, encode(hash, 'hex'), event_id FROM current_audit_chain_head()"
        ).single().decode((Int, String, Int?).self)
        return AuditChainHead(events: seq, hash: hash, eventID: eventID)
    }

    /// Up to `limit` events after chain position `after`, in chain order.
    static func events(_ c: Connection, after: Int, limit: Int) throws -> [StoredEvent] {
        let rows = try c.query(
            """
            SELECT id, chain_seq, (extract(epoch FROM at AT TIME ZONE 'UTC') * 1000000)::bigint, actor_id,
                   actor_login, action, entity, entity_id, before::text, after::text, reason, txid,
                   encode(prev_hash, 'hex'), encode(hash, 'hex')
            FROM audit_events
            WHERE chain_seq > \(after)
            ORDER BY chain_seq
            LIMIT \(limit)
            """)
        return try rows.map { r in
            let (id, seq, at, actorID, actorLogin, action, entity, entityID, before, after, reason, txid) =
                try r.decode(
                    (Int, Int, Int64, Int?, String?, String, String, String, String?, String?, String?, Int64).self)
            let prevHex = try r.decode(String.self, at: 12)
            let hashHex = try r.decode(String.self, at: 13)
            guard let prevHash = AuditChain.bytes(hex: prevHex), let hash = AuditChain.bytes(hex: hashHex) else {
                throw PostgresError(kind: .decoding, message: "audit_events hashes are not hex")
            }
            return StoredEvent(
                fields: AuditChain.Fields(
                    id: id, chainSeq: seq, atMicroseconds: at, actorID: actorID, actorLogin: actorLogin,
                    action: action, entity: entity, entityID: entityID, before: before, after: after, reason: reason,
                    txid: txid),
                prevHash: prevHash, hash: hash)
        }
    }
}
