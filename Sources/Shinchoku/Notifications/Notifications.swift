import Foundation
import LibPQ

/// Notifications written by other engines in their own transactions (issue 11 §7). The workflow's steps write theirs
/// in ``WorkflowGate/transition``; the publisher calls ``publication(on:period:edition:link:)``.
public enum Notifications {
    /// Tells every enabled account that an edition of a period's report was published. Call it in the publishing
    /// transaction, before its audit event (the audit event stays the transaction's last write), so that the
    /// notification exists exactly when the edition does.
    ///
    /// - Parameters:
    ///   - edition: the edition's number, 1 for the first (第1版).
    ///   - link: the path of the published report, such as `/published/2021Q2`.
    /// - Returns: how many accounts were notified.
    @discardableResult
    public static func publication(on c: Connection, period: PeriodCode, edition: Int, link: String) throws -> Int {
        let name = period.jaName
        let correction = edition > 1 ? "訂正を反映した" : ""
        return try NotificationStore.write(
            c, to: .everyone, kind: .published, period: period,
            subject: "【公表】\(name)の報告書（第\(edition)版）が公表されました",
            body: "\(name)の進捗状況報告書の\(correction)第\(edition)版が公表されました。", link: link)
    }
}

extension WorkflowGate {
    /// The notification of a submit, return or approval, in the step's transaction (before its audit event; deferred
    /// to COMMIT with it in a call that defers its last writes). Save and reopen notify nobody.
    static func notify<Target>(
        _ tx: Transaction, _ action: WorkflowAction, target: Target, owner: ProjectOwner, period: PeriodCode,
        enteredBy: Int, comment: String?
    ) throws {
        let kind: NotificationKind
        let recipients: NotificationStore.Recipients
        switch action {
        case .submit: (kind, recipients) = (.submitted, .approvers)
        case .return: (kind, recipients) = (.returned, .clerks(department: owner.departmentID))
        case .approve: (kind, recipients) = (.approved, .user(enteredBy))
        case .save, .reopen: return
        }
        let item: String
        let link: String
        if let indicator = target as? IndicatorRef {
            item = NotificationText.item(figure: indicator.code, name: indicator.name)
            link = "/periods/\(period)/figures/\(indicator.code)"
        } else {
            item = NotificationText.item(narrative: owner.projectCode)
            link = "/periods/\(period)/narratives/\(owner.projectCode)"
        }
        let department =
            try owner.departmentName
            ?? tx.query("SELECT name FROM departments WHERE id = \(owner.departmentID)").first?.decode(String.self)
            ?? owner.departmentCode
        let text = NotificationText.workflow(
            kind, period: period, item: item, department: department, actor: tx.actor.displayName, reason: comment)
        try tx.later(
            NotificationStore.insert(
                to: recipients, kind: kind, period: period, subject: text.subject, body: text.body, link: link))
    }
}

extension ShinchokuService {
    // MARK: Reading one's notifications

    /// The signed-in user's notifications, newest first, at most `limit` (1–200) of them, and the count of all their
    /// unread ones. Signed-in accounts only: the local operator has none.
    public func notifications(limit: Int = 50, as reader: ActorReference) async throws -> NotificationPage {
        var v = Validation()
        v.require((1...200).contains(limit), "limit", "must be 1 to 200", ja: "件数は1～200で指定してください。")
        try v.check()
        return try await perform(as: reader) { tx in
            let me = try Self.recipientID(tx)
            let rows = try tx.connection.query(
                """
                SELECT id, kind, period_code, subject, body, link_path, created_at, read_at
                FROM notifications WHERE recipient_id = \(me) ORDER BY id DESC LIMIT \(limit)
                """)
            let unread = try tx.connection.query(
                "SELECT count(*) FROM notifications WHERE recipient_id = \(me) AND read_at IS NULL"
            ).single().decode(Int.self)
            return NotificationPage(notifications: try rows.map(Self.notification), unread: unread)
        }
    }

    /// Marks one of the signed-in user's notifications read (again: no change). Another user's notification is
    /// `not_found`, as if it did not exist. Not audited: it changes only the user's own inbox.
    public func markNotificationRead(id: Int, as reader: ActorReference) async throws -> NotificationInfo {
        try await perform(as: reader) { tx in
            let me = try Self.recipientID(tx)
            guard
                let row = try tx.connection.query(
                    """
                    UPDATE notifications SET read_at = coalesce(read_at, now())
                    WHERE id = \(id) AND recipient_id = \(me)
                    RETURNING id, kind, period_code, subject, body, link_path, created_at, read_at
                    """
                ).first
            else {
                throw ServiceError.notFound("There is no notification \(id) of yours.")
            }
            return try Self.notification(row)
        }
    }

    private static func recipientID(_ tx: Transaction) throws -> Int {
        guard let id = tx.actor.id else {
            throw ServiceError.forbidden("Only signed-in accounts have notifications.", remedy: .nameActingUser)
        }
        return id
    }

    private static func notification(_ row: Row) throws -> NotificationInfo {
        let (id, kind, period, subject, body, link, created, read) = try row.decode(
            (Int, String, String?, String, String, String, Date, Date?).self)
        guard let kind = NotificationKind(rawValue: kind) else {
            throw PostgresError(kind: .decoding, message: "unexpected kind in notifications.kind")
        }
        return NotificationInfo(
            id: id, kind: kind, period: period, subject: subject, body: body, link: link, createdAt: created,
            readAt: read)
    }

    // MARK: Reminders

    /// The reminders' check, run hourly by the server (idempotent): for every open or closed period with a due date,
    /// three days or less before it (`due_soon`) or after it (`overdue`), the clerks of each department with missing
    /// items get one reminder of that kind, once per period. Acts for nobody and writes no audit event.
    ///
    /// - Parameter today: the day in Japan; nil means today.
    /// - Returns: how many departments were reminded.
    @discardableResult
    public func sendReminders(today: CalendarDate? = nil) async throws -> Int {
        try await performAnonymous { c in
            let day =
                try today
                ?? c.query("SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date").single().decode(CalendarDate.self)
            let periods = try c.query(
                """
                SELECT code, due_on FROM periods
                WHERE state IN ('open', 'closed') AND due_on IS NOT NULL AND due_on - 3 <= \(day)
                ORDER BY code
                """
            ).decode((String, CalendarDate).self)
            var reminded = 0
            for (code, due) in periods {
                guard let period = PeriodCode(code) else { continue }
                reminded += try NotificationStore.remind(
                    c, kind: day > due ? .overdue : .dueSoon, period: period, due: due)
            }
            return reminded
        }
    }

    // MARK: The outbox, for admins

    /// The mail outbox's counts. Admins, approvers' supervisors and the local operator: admins only.
    public func mailBacklog(as reader: ActorReference) async throws -> MailBacklog {
        try await perform(as: reader) { tx in
            try tx.requireReader(.admin, to: "look at the mail outbox")
            return try MailOutbox.backlog(tx.connection)
        }
    }
}

/// The mail outbox as the delivery worker uses it: claim due mails, then mark each sent, retried or failed.
///
/// A claimed mail is leased: its `next_attempt_at` moves `lease` ahead, so that a worker that dies mid-send leaves it
/// to be sent again once the lease ends (at least once; its `Message-ID` stays the same).
public struct MailOutbox: Sendable {
    public let pool: ConnectionPool

    public init(pool: ConnectionPool) { self.pool = pool }

    /// Claims up to `limit` due mails (`FOR UPDATE SKIP LOCKED`: two workers never claim the same), counting the
    /// attempt and fixing each one's `Message-ID` as `<notification-ID@host>`.
    public func claim(limit: Int, lease: Duration, host: String) async throws -> [OutgoingMail] {
        let leaseMS = Int(lease.components.seconds * 1000 + lease.components.attoseconds / 1_000_000_000_000_000)
        return try await pool.withTransaction { c in
            try c.query(
                """
                WITH due AS (
                    SELECT id FROM mail_outbox
                    WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                    ORDER BY next_attempt_at, id LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
                UPDATE mail_outbox o SET attempts = o.attempts + 1,
                    next_attempt_at = now() + \(leaseMS) * interval '1 millisecond',
                    message_id = coalesce(o.message_id, '<notification-' || o.notification_id || '@' || \(host) || '>')
                FROM due, notifications n
                WHERE o.id = due.id AND n.id = o.notification_id
                RETURNING o.id, o.notification_id, o.to_address, o.message_id, o.attempts, n.subject, n.body, n.link_path
                """
            ).map { r in
                let (id, nid, to, mid, attempts, subject, body, link) = try r.decode(
                    (Int, Int, String, String, Int, String, String, String).self)
                return OutgoingMail(
                    id: id, notificationID: nid, to: to, messageID: mid, attempts: attempts, subject: subject,
                    body: body, link: link)
            }.sorted { $0.id < $1.id }
        }
    }

    /// The mail went out.
    public func markSent(_ id: Int) async throws {
        try await pool.withConnection { c in
            _ = try c.execute(
                "UPDATE mail_outbox SET sent_at = now(), last_error = NULL WHERE id = \(id) AND sent_at IS NULL")
        }
    }

    /// The mail could not go out now (a 4xx reply, or no server): try again after `delay`. `error` holds no secret.
    public func markRetry(_ id: Int, error: String, after delay: Duration) async throws {
        let ms = Int(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
        try await pool.withConnection { c in
            _ = try c.execute(
                """
                UPDATE mail_outbox SET next_attempt_at = now() + \(ms) * interval '1 millisecond',
                    last_error = \(String(error.prefix(500)))
                WHERE id = \(id) AND sent_at IS NULL AND failed_at IS NULL
                """)
        }
    }

    /// The server refused the mail for good (a 5xx reply): never tried again.
    public func markFailed(_ id: Int, error: String) async throws {
        try await pool.withConnection { c in
            _ = try c.execute(
                """
                UPDATE mail_outbox SET failed_at = now(), last_error = \(String(error.prefix(500)))
                WHERE id = \(id) AND sent_at IS NULL
                """)
        }
    }

    /// Mails waiting to be sent (neither sent nor failed for good), for the server's metrics. Reads only the
    /// unsent rows, through the outbox's partial index where there is one.
    public func pendingCount() async throws -> Int {
        try await pool.withConnection { c in
            try c.query("SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL")
                .single().decode(Int.self)
        }
    }

    /// The outbox's counts.
    public func backlog() async throws -> MailBacklog {
        try await pool.withConnection { c in try Self.backlog(c) }
    }

    static func backlog(_ c: Connection) throws -> MailBacklog {
        let (pending, failed, sent, oldest) = try c.query(
            """
            SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL),
                   count(*) FILTER (WHERE failed_at IS NOT NULL),
                   count(*) FILTER (WHERE sent_at IS NOT NULL),
                   min(created_at) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL)
            FROM mail_outbox
            """
        ).single().decode((Int, Int, Int, Date?).self)
        let lastError = try c.query(
            """
            SELECT last_error FROM mail_outbox
            WHERE sent_at IS NULL AND failed_at IS NULL AND last_error IS NOT NULL
            ORDER BY next_attempt_at DESC LIMIT 1
            """
        ).first?.decode(String.self)
        return MailBacklog(pending: pending, failed: failed, sent: sent, oldestPending: oldest, lastError: lastError)
    }
}
