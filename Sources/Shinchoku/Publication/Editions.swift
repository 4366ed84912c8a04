import Foundation
import LibPQ

/// A published edition of a period's report, as the index, the feed and the API list it.
public struct EditionInfo: Sendable, Codable, Equatable {
    public var period: PeriodCode
    /// 1, 2, … per period: 第1版, 第2版.
    public var number: Int
    public var publishedAt: Date
    /// The display name of the approver whose approval completed the period, or of the manual publisher.
    public var triggeredBy: String
    public var manual: Bool
    /// A manual publication's reason.
    public var reason: String?
    /// The audit chain's head as of the report the edition was rendered from.
    public var auditChain: AuditChainHead
    /// The formats the edition holds (`md`, `html`, `csv`, `json`, …), sorted.
    public var formats: [String]
    /// Entries of its 正誤表 (0 for a first edition).
    public var corrections: Int
}

/// One format of one edition: its bytes and their SHA-256 (hex).
public struct EditionFile: Sendable, Equatable {
    public var period: PeriodCode
    public var number: Int
    public var format: String
    public var bytes: Data
    public var sha256: String
}

/// A request to publish a period's next edition.
public struct PublicationRequestInfo: Sendable, Codable, Equatable {
    public var id: Int
    public var period: PeriodCode
    public var manual: Bool
    public var reason: String?
    public var requestedBy: String
    public var requestedAt: Date
}

/// Wakes the publisher when a call committed a publication request (the in-process signal; the publisher also polls).
public final class PublicationSignal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Says that a request may be waiting.
    public func signal() { continuation.yield() }

    /// Returns when signalled (also for a signal sent before the call) or after `timeout`, whichever comes first.
    public func wait(upTo timeout: Duration) async {
        let stream = self.stream
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in stream { return }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            _ = await group.next()
            group.cancelAll()
        }
    }
}

/// What one transaction did that matters after its COMMIT.
final class TransactionEffects: @unchecked Sendable {
    // Guarded by `lock`: written on the connection's thread, read by the caller after the transaction.
    private let lock = NSLock()
    private var requested = false
    var publicationRequested: Bool { lock.withLock { requested } }
    func requestedPublication() { lock.withLock { requested = true } }
}

/// The rules of excusals and publication.
enum PublicationRules {
    static func reason(_ text: String, ja: String) throws -> String {
        guard let reason = EnteredText.nonBlank(text) else {
            throw ServiceError.invalid("reason", "a reason is required", ja: ja)
        }
        return try TypedText.checked(reason, field: "reason")!
    }

    static func requireNotLocked(_ window: PeriodWindow) throws {
        if window.state == .locked {
            throw ServiceError.periodNotOpen(
                "Period \(window.code) is locked: nothing in it changes any more.",
                ja: "\(window.code.jaName)は確定済みのため、変更できません。")
        }
    }

    /// Called by every approval (figure or narrative, one or in bulk) in its transaction, before its audit event:
    /// when the period is now complete, writes a publication request, which the publisher turns into the next edition
    /// after COMMIT. The period's advisory lock makes approvals of one period take turns here, so of two concurrent
    /// last approvals the second sees the first's committed approval: the period's completion is never missed. The
    /// lock is taken before the audit event (and so before the audit chain's lock), as in every approval.
    ///
    /// Two statements, so that the completeness is read after the lock is granted (under READ COMMITTED each statement
    /// reads as of its start); in a call that defers its last writes, both go with COMMIT.
    static func requestIfComplete(_ tx: Transaction, period: PeriodCode) throws {
        let actorID = try WorkflowGate.actorID(tx)
        try tx.later("SELECT pg_advisory_xact_lock(hashtext(\("shinchoku.publication." + period.description)))")
        let effects = tx.effects
        try tx.later(
            """
            INSERT INTO publication_requests (period_code, requested_by, manual)
            SELECT \(period)::text, \(actorID), false
            WHERE \(CompletenessStore.completeCondition(period: period))
            RETURNING id
            """
        ) { rows in
            if !rows.isEmpty { effects.requestedPublication() }
        }
    }
}

extension ShinchokuService {
    /// Asks for the period's next edition by hand, with a reason (for example when items are excused): the publisher
    /// renders and stores it within seconds. Approvers only; audited as `period.publish`. Errors: `forbidden`,
    /// `not_found`, `invalid` (`reason`), `period_not_open` (a planned period has nothing to publish).
    public func requestPublication(period: PeriodCode, reason: String, as approver: ActorReference) async throws
        -> PublicationRequestInfo
    {
        try await perform(as: approver) { tx in
            try tx.require(.approver, to: "publish reports")
            let reason = try PublicationRules.reason(reason, ja: "公表する理由を入力してください。")
            let c = tx.connection
            let window = try WorkflowGate.period(c, period, department: nil, lock: true)
            if window.state == .planned {
                throw ServiceError.periodNotOpen(
                    "Period \(period) is planned: there is nothing to publish yet.",
                    ja: "\(period.jaName)はまだ始まっていないため、公表できません。")
            }
            let (id, at) = try c.query(
                """
                INSERT INTO publication_requests (period_code, requested_by, manual, reason)
                VALUES (\(period), \(try WorkflowGate.actorID(tx)), true, \(reason))
                RETURNING id, requested_at
                """
            ).single().decode((Int, Date).self)
            tx.effects.requestedPublication()
            try tx.audit(.periodPublish, id: period.description, after: ["request": id], reason: reason)
            return PublicationRequestInfo(
                id: id, period: period, manual: true, reason: reason, requestedBy: tx.actor.displayName,
                requestedAt: at)
        }
    }

    /// Every edition, newest first, or one period's: public information, readable without an account.
    public func editions(period: PeriodCode? = nil) async throws -> [EditionInfo] {
        try await performAnonymous { c in try EditionStore.editions(c, period: period) }
    }

    /// One format of one edition (the latest when `number` is nil); nil when there is none. Readable without an
    /// account: editions are published.
    public func editionFile(period: PeriodCode, number: Int?, format: String) async throws -> EditionFile? {
        try await performAnonymous { c in
            let row: Row?
            if let number {
                row = try c.query(
                    """
                    SELECT e.number, encode(f.bytes, 'base64'), encode(f.sha256, 'hex') FROM editions e
                    JOIN edition_files f ON f.edition_id = e.id
                    WHERE e.period_code = \(period) AND e.number = \(number) AND f.format = \(format)
                    """
                ).first
            } else {
                row = try c.query(
                    """
                    SELECT e.number, encode(f.bytes, 'base64'), encode(f.sha256, 'hex') FROM editions e
                    JOIN edition_files f ON f.edition_id = e.id
                    WHERE e.period_code = \(period) AND f.format = \(format)
                    ORDER BY e.number DESC LIMIT 1
                    """
                ).first
            }
            guard let row else { return nil }
            let (n, base64, hash) = try row.decode((Int, String, String).self)
            guard let bytes = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
                throw PostgresError(kind: .decoding, message: "an edition's bytes did not decode")
            }
            return EditionFile(period: period, number: n, format: format, bytes: bytes, sha256: hash)
        }
    }

    /// Whether a publication request is waiting for the publisher.
    public func hasPendingPublication() async throws -> Bool {
        try await performAnonymous { c in
            try c.query("SELECT EXISTS (SELECT 1 FROM publication_requests WHERE processed_at IS NULL)").single()
                .decode(Bool.self)
        }
    }

    /// The publisher's step: takes the oldest pending publication request, reads the period's approved report, and,
    /// unless it prints the same as the latest edition, renders it with `render` outside any transaction (the
    /// formats and their bytes) and stores the next edition, with a 正誤表 of what changed since the latest one.
    /// Returns the edition made, or nil when nothing was pending or nothing had changed; `processed` says whether a
    /// request was handled. Runs without an acting user (the worker has none).
    public func publishNext(
        render: (ReportData) async throws -> [(format: String, bytes: Data)]
    ) async throws -> (processed: Bool, edition: EditionInfo?) {
        guard
            let prepared = try await performAnonymous(
                isolation: .repeatableRead, { c in try EditionStore.prepare(c) })
        else { return (false, nil) }
        if prepared.unchanged {
            try await performAnonymous { c in
                try c.execute(
                    """
                    UPDATE publication_requests SET processed_at = clock_timestamp(), outcome = 'unchanged'
                    WHERE id = \(prepared.request.id) AND processed_at IS NULL
                    """)
            }
            return (true, nil)
        }
        // Rendering every format takes time: it happens here, with no connection held.
        let files = try await render(prepared.data)
        let edition: EditionInfo? = try await performAnonymous { c in
            try EditionStore.store(c, prepared, files: files)
        }
        if let edition {
            logger.info("published \(edition.period) edition \(edition.number)")
        }
        return (true, edition)
    }
}

/// A request ready to publish: the data to render and what the edition records.
struct PreparedEdition: Sendable {
    struct Request: Sendable {
        let id: Int
        let period: PeriodCode
        let requestedBy: Int
        let manual: Bool
        let reason: String?
    }
    let request: Request
    let data: ReportData
    let snapshot: [String: String]
    /// The number of the latest edition when prepared (0 for none).
    let latest: Int
    let unchanged: Bool
}

/// SQL of editions: checks nothing.
enum EditionStore {
    static func editions(_ c: Connection, period: PeriodCode?) throws -> [EditionInfo] {
        let filter: SQLQuery = period.map { p -> SQLQuery in "WHERE e.period_code = \(p)" } ?? ""
        let rows = try c.query(
            """
            SELECT e.period_code, e.number, e.published_at, u.display_name, e.manual, e.reason, e.audit_chain_events,
                   encode(e.audit_chain_head, 'hex'),
                   (SELECT string_agg(format, ',' ORDER BY format) FROM edition_files f WHERE f.edition_id = e.id),
                   (SELECT count(*) FROM jsonb_object_keys(e.snapshot -> 'corrections'))
            FROM editions e JOIN users u ON u.id = e.triggered_by
            """ + " " + filter + " ORDER BY e.published_at DESC, e.id DESC")
        return try rows.map { r in
            let (period, number, at, by, manual, reason, events, head, formats, corrections) = try r.decode(
                (PeriodCode, Int, Date, String, Bool, String?, Int, String, String?, Int).self)
            return EditionInfo(
                period: period, number: number, publishedAt: at, triggeredBy: by, manual: manual, reason: reason,
                auditChain: AuditChainHead(events: events, hash: head, eventID: nil),
                formats: formats?.split(separator: ",").map(String.init) ?? [], corrections: corrections)
        }
    }

    /// Reads the oldest pending request and the report it publishes, in one snapshot.
    static func prepare(_ c: Connection) throws -> PreparedEdition? {
        guard
            let r = try c.query(
                """
                SELECT id, period_code, requested_by, manual, reason FROM publication_requests
                WHERE processed_at IS NULL ORDER BY id LIMIT 1
                """
            ).first
        else { return nil }
        let (id, period, by, manual, reason) = try r.decode((Int, PeriodCode, Int, Bool, String?).self)
        var data = try ReportQueryStore.reportData(
            c, period: period, project: nil, department: nil, includePending: false)
        let snapshot = Self.snapshot(data)
        let latest = try c.query(
            "SELECT number, snapshot -> 'items', published_at FROM editions WHERE period_code = \(period) "
                + "ORDER BY number DESC LIMIT 1"
        ).first
        var number = 0
        var unchanged = false
        if let latest {
            let (n, items, at) = try latest.decode((Int, PostgresJSON<[String: String]>, Date).self)
            number = n
            unchanged = items.value == snapshot && !manual
            if !unchanged {
                let table = try Self.corrections(
                    c, period: period, edition: n + 1, old: items.value, new: snapshot, data: data, since: at)
                data.corrections = table.entries.isEmpty ? nil : table
            }
        }
        return PreparedEdition(
            request: .init(id: id, period: period, requestedBy: by, manual: manual, reason: reason), data: data,
            snapshot: snapshot, latest: number, unchanged: unchanged)
    }

    /// What the report prints of each required item of its period, keyed `figure:<indicator>` and
    /// `narrative:<project>`: the basis of the 正誤表.
    static func snapshot(_ data: ReportData) -> [String: String] {
        var items: [String: String] = [:]
        for p in data.projects {
            for i in p.indicators {
                guard let f = i.figures.last(where: { $0.period == data.period }) else { continue }
                items["figure:\(i.code)"] = figureText(f, unit: i.actualUnit ?? i.unit)
            }
            if let n = p.narrative { items["narrative:\(p.code)"] = narrativeText(n) }
        }
        return items
    }

    static func figureText(_ f: ReportData.Figure, unit: String) -> String {
        let value: String
        switch f.status {
        case .reported: value = (f.value?.text ?? "") + unit
        case .notPublished: value = "未公表"
        case .notAvailable: value = "－"
        }
        return f.note.map { "\(value)（\($0)）" } ?? value
    }

    static func narrativeText(_ n: ReportData.Narrative) -> String {
        [
            ("進捗状況", n.progress), ("進捗状況（ハード面）", n.progressHard), ("進捗状況（ソフト面）", n.progressSoft),
            ("今後の動向等", n.outlook), ("今後の動向等（ハード面）", n.outlookHard), ("今後の動向等（ソフト面）", n.outlookSoft),
        ].compactMap { label, text in text.map { "\(label)：\($0)" } }.joined(separator: "\n")
    }

    /// The 正誤表 entries: every item whose printed text differs from the latest edition's, with the reason of its
    /// latest reopening and who approved the correction.
    static func corrections(
        _ c: Connection, period: PeriodCode, edition: Int, old: [String: String], new: [String: String],
        data: ReportData, since: Date
    ) throws -> ReportData.Corrections {
        var entries: [ReportData.Correction] = []
        for p in data.projects {
            var keys = p.indicators.map { (key: "figure:\($0.code)", name: "\($0.code) \($0.name)", code: $0.code) }
            keys.append((key: "narrative:\(p.code)", name: "\(p.code) 進捗状況・今後の動向等", code: p.code))
            for k in keys where old[k.key] != new[k.key] {
                let isFigure = k.key.hasPrefix("figure:")
                let item: SQLQuery =
                    isFigure
                    ? "SELECT f.id, u.display_name FROM figures f JOIN indicators i ON i.id = f.indicator_id "
                        + "LEFT JOIN users u ON u.id = f.approved_by WHERE i.code = \(k.code) AND f.period_code = \(period)"
                    : "SELECT n.id, u.display_name FROM narratives n JOIN projects p ON p.id = n.project_id "
                        + "LEFT JOIN users u ON u.id = n.approved_by WHERE p.code = \(k.code) "
                        + "AND n.period_code = \(period)"
                let row = try c.query(item).first
                let (id, approver) = try row?.decode((Int, String?).self) ?? (0, nil)
                let column: SQLQuery = isFigure ? "figure_id" : "narrative_id"
                let reason: String? =
                    try c.query(
                        "SELECT reason FROM reviews WHERE " + column
                            + " = \(id) AND decision = 'reopened' ORDER BY id DESC LIMIT 1"
                    ).first?.decode(String?.self) ?? nil
                entries.append(
                    ReportData.Correction(
                        kind: isFigure ? "figure" : "narrative", code: k.code, name: k.name, old: old[k.key] ?? "",
                        new: new[k.key] ?? "", reason: reason ?? "", approvedBy: approver ?? ""))
            }
        }
        _ = since
        return ReportData.Corrections(edition: edition, entries: entries)
    }

    /// Stores the edition under the period's lock, unless another publisher was first (then nil, and the request is
    /// left for the next round) or the request was processed meanwhile.
    static func store(
        _ c: Connection, _ p: PreparedEdition, files: [(format: String, bytes: Data)]
    ) throws -> EditionInfo? {
        try c.execute("SELECT pg_advisory_xact_lock(hashtext(\("shinchoku.edition." + p.request.period.description)))")
        guard
            try c.query(
                "SELECT 1 FROM publication_requests WHERE id = \(p.request.id) AND processed_at IS NULL FOR UPDATE"
            )
            .first != nil
        else { return nil }
        let latest = try c.query(
            "SELECT coalesce(max(number), 0) FROM editions WHERE period_code = \(p.request.period)"
        ).single().decode(Int.self)
        guard latest == p.latest else { return nil }  // another edition landed since: prepare again
        let head = p.data.auditChain ?? AuditChainHead(events: 0, hash: String(repeating: "0", count: 64), eventID: nil)
        var snapshot: [String: AnyEncodableJSON] = ["items": .init(p.snapshot)]
        var corrections: [String: String] = [:]
        for e in p.data.corrections?.entries ?? [] { corrections["\(e.kind):\(e.code)"] = e.reason }
        snapshot["corrections"] = .init(corrections)
        let id = try c.query(
            """
            INSERT INTO editions (period_code, number, request_id, triggered_by, manual, reason, audit_chain_events,
                                  audit_chain_head, snapshot)
            VALUES (\(p.request.period), \(latest + 1), \(p.request.id), \(p.request.requestedBy), \(p.request.manual),
                    \(p.request.reason), \(head.events), decode(\(head.hash), 'hex'), \(try EditionStore.json(snapshot)))
            RETURNING id
            """
        ).single().decode(Int.self)
        for f in files {
            try c.execute(
                """
                INSERT INTO edition_files (edition_id, format, bytes, sha256)
                SELECT \(id), \(f.format), b, sha256(b) FROM decode(\(f.bytes.base64EncodedString()), 'base64') AS b
                """)
        }
        try c.execute(
            """
            UPDATE publication_requests SET processed_at = clock_timestamp(), outcome = 'published'
            WHERE id = \(p.request.id)
            """)
        // Notifications: publication → everyone, in this transaction.
        try EditionHooks.published(c, period: p.request.period, number: latest + 1, editionID: id)
        return try editions(c, period: p.request.period).first { $0.number == latest + 1 }
    }
}

extension EditionStore {
    /// JSON with sorted keys, as stored in `editions.snapshot`.
    static func json(_ value: some Encodable) throws -> RawJSON {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return RawJSON(Array(try encoder.encode(value)))
    }
}

/// The point where an edition's publication reaches the rest of the system, in the publishing transaction.
enum EditionHooks {
    /// Called in the transaction that stores edition `number` of `period`, after its files: every enabled account
    /// is told (in the app, and by mail where it has an address), with a link to the public page of the period.
    static func published(_ c: Connection, period: PeriodCode, number: Int, editionID: Int) throws {
        _ = try Notifications.publication(on: c, period: period, edition: number, link: "/published/\(period)")
    }
}

/// An Encodable wrapper for a snapshot's parts.
struct AnyEncodableJSON: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
