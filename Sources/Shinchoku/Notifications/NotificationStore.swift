import Foundation
import LibPQ

/// SQL of the notifications and the mail outbox. Every write here runs in the caller's transaction, so a
/// notification exists exactly when the event that caused it committed.
enum NotificationStore {
    /// Who receives a notification: a condition on `users u`. Disabled accounts never do.
    enum Recipients {
        /// The approving division's approvers.
        case approvers
        /// The clerks of one department.
        case clerks(department: Int)
        /// One account.
        case user(Int)
        /// Every enabled account.
        case everyone

        var condition: SQLQuery {
            switch self {
            case .approvers:
                "u.role = 'approver' AND u.department_id IN (SELECT id FROM departments WHERE approving)"
            case .clerks(let department): "u.role = 'clerk' AND u.department_id = \(department)"
            case .user(let id): "u.id = \(id)"
            case .everyone: "true"
            }
        }
    }

    /// Writes one notification per recipient, and an outbox row for each recipient with an address. Returns how
    /// many notifications it wrote. Addresses are not checked here (the database checked them when set): a
    /// recipient the mail server refuses fails in the outbox alone, never here.
    @discardableResult
    static func write(
        _ c: Connection, to recipients: Recipients, kind: NotificationKind, period: PeriodCode?, subject: String,
        body: String, link: String
    ) throws -> Int {
        try c.query(insert(to: recipients, kind: kind, period: period, subject: subject, body: body, link: link))
            .single().decode(Int.self)
    }

    /// The statement of ``write(_:to:kind:period:subject:body:link:)``: it returns the count of notifications written.
    static func insert(
        to recipients: Recipients, kind: NotificationKind, period: PeriodCode?, subject: String, body: String,
        link: String
    ) -> SQLQuery {
        """
        WITH n AS (
            INSERT INTO notifications (recipient_id, kind, period_code, subject, body, link_path)
            SELECT u.id, \(kind.rawValue), \(period?.description), \(subject), \(body), \(link)
            FROM users u WHERE u.disabled_at IS NULL AND (\(recipients.condition))
            ORDER BY u.id
            RETURNING id, recipient_id
        ), mail AS (
            INSERT INTO mail_outbox (notification_id, to_address)
            SELECT n.id, u.email FROM n JOIN users u ON u.id = n.recipient_id WHERE u.email IS NOT NULL
        )
        SELECT count(*) FROM n
        """
    }

    /// The departments with items still missing in a period, that is every indicator without a submitted or approved
    /// figure and every project without a submitted or approved narrative, counted per owning department.
    ///
    /// One function on purpose: the completeness call of issue 11 §1 may take its place.
    static func departmentsWithMissingItems(_ c: Connection, period: PeriodCode) throws -> [(
        id: Int, name: String, missing: Int
    )] {
        let p = period.description
        return try c.query(
            """
            SELECT d.id, d.name, count(*)::bigint FROM (
                SELECT pr.department_id AS department_id
                FROM indicators i JOIN projects pr ON pr.id = i.project_id
                WHERE NOT EXISTS (
                    SELECT 1 FROM figures f
                    WHERE f.indicator_id = i.id AND f.period_code = \(p) AND f.state IN ('submitted', 'approved'))
                UNION ALL
                SELECT pr.department_id FROM projects pr
                WHERE NOT EXISTS (
                    SELECT 1 FROM narratives n
                    WHERE n.project_id = pr.id AND n.period_code = \(p) AND n.state IN ('submitted', 'approved'))
            ) m JOIN departments d ON d.id = m.department_id
            GROUP BY d.id, d.name ORDER BY d.id
            """
        ).decode((Int, String, Int).self).map { (id: $0.0, name: $0.1, missing: $0.2) }
    }

    /// Writes a reminder of `kind` to the clerks of every department with missing items in the period, at most once
    /// per department, period and kind (the primary key of `notification_reminders`; a second check, on this server
    /// or another, finds the row and writes nothing). Returns how many departments were reminded.
    @discardableResult
    static func remind(_ c: Connection, kind: NotificationKind, period: PeriodCode, due: CalendarDate?) throws -> Int {
        var reminded = 0
        for d in try departmentsWithMissingItems(c, period: period) {
            let inserted = try c.query(
                """
                INSERT INTO notification_reminders (period_code, department_id, kind)
                VALUES (\(period.description), \(d.id), \(kind.rawValue))
                ON CONFLICT DO NOTHING RETURNING 1
                """
            ).count
            guard inserted == 1 else { continue }
            let text = NotificationText.reminder(kind, period: period, due: due, department: d.name, missing: d.missing)
            try write(
                c, to: .clerks(department: d.id), kind: kind, period: period, subject: text.subject, body: text.body,
                link: "/periods/\(period)")
            reminded += 1
        }
        return reminded
    }
}

/// The Japanese subjects and bodies. Each names the period, the item (indicator or project) and the action.
enum NotificationText {
    /// How a figure or narrative is named: `指標「1-1.1 企業誘致件数」の実績値`, `事業「1-1」の進捗状況・今後の動向等`.
    static func item(figure code: String, name: String) -> String { "指標「\(code) \(name)」の実績値" }
    static func item(narrative project: String) -> String { "事業「\(project)」の進捗状況・今後の動向等" }

    static func workflow(
        _ kind: NotificationKind, period: PeriodCode, item: String, department: String, actor: String,
        reason: String?
    ) -> (subject: String, body: String) {
        let name = period.jaName
        switch kind {
        case .submitted:
            return (
                "【提出】\(name) \(item)が提出されました",
                "\(department)の\(actor)さんが、\(name)の\(item)を提出しました。\n内容を確認し、承認または差戻しをしてください。"
            )
        case .returned:
            return (
                "【差戻し】\(name) \(item)が差し戻されました",
                "\(actor)さんが、\(name)の\(item)を差し戻しました。\n\n差戻しの理由：\n\(reason ?? "")\n\n内容を直して、もう一度提出してください。"
            )
        default:
            let comment = reason.map { "\n\nコメント：\n\($0)" } ?? ""
            return (
                "【承認】\(name) \(item)が承認されました",
                "\(actor)さんが、\(name)の\(item)を承認しました。\(comment)"
            )
        }
    }

    static func reminder(
        _ kind: NotificationKind, period: PeriodCode, due: CalendarDate?, department: String, missing: Int
    ) -> (subject: String, body: String) {
        let name = period.jaName
        let dueText = due.map { "提出期限は\($0.jaText)です。" } ?? ""
        let rest = "\(department)には、まだ提出されていない項目（指標の実績値と事業の進捗状況）が\(missing)件あります。"
        switch kind {
        case .periodOpened:
            return ("【受付開始】\(name)の入力受付が始まりました", "\(name)の入力受付が始まりました。\(dueText)\n\(rest)")
        case .dueSoon:
            return (
                "【期限間近】\(name)の提出期限が近づいています",
                "\(name)の提出期限が近づいています。\(dueText)\n\(rest)\n期限までに入力して提出してください。"
            )
        default:
            return (
                "【期限超過】\(name)の提出期限を過ぎています",
                "\(name)の提出期限を過ぎています。\(dueText)\n\(rest)\nできるだけ早く入力して提出してください。"
            )
        }
    }
}
