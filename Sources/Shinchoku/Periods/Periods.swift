import Foundation
import LibPQ

/// A reporting period (one fiscal quarter) and where it is in its life: planned, open, closed, locked.
public struct PeriodInfo: Sendable, Equatable, Codable {
    public var code: PeriodCode
    public var fiscalYear: Int
    public var quarter: Int
    public var startsOn: CalendarDate
    public var endsOn: CalendarDate
    /// When departments are asked to have submitted; nil when not set.
    public var dueOn: CalendarDate?
    public var state: PeriodState
    public var version: Int
    /// Departments that may still submit after the period closed, by department code.
    public var extensions: [PeriodExtensionInfo]
}

/// One department's permission to submit in a closed period until a date.
public struct PeriodExtensionInfo: Sendable, Equatable, Codable {
    public var department: String
    public var until: CalendarDate
    public var reason: String
}

extension ShinchokuService {
    /// The period a date falls in: April–June 2021 is 2021Q1, January–March 2022 is 2021Q4.
    public static func currentPeriod(today: CalendarDate) -> PeriodCode {
        PeriodCode.containing(today)
    }

    /// The period a date falls in; see ``currentPeriod(today:)``.
    public func currentPeriod(today: CalendarDate) -> PeriodCode {
        PeriodCode.containing(today)
    }

    // MARK: Reading periods

    /// Every period, oldest first, with its extensions. Anyone signed in may read them.
    public func periods(as reader: ActorReference) async throws -> [PeriodInfo] {
        try await perform(as: reader) { tx in try PeriodStore.periods(tx.connection, code: nil) }
    }

    /// One period with its extensions. Anyone signed in may read it.
    public func period(_ code: PeriodCode, as reader: ActorReference) async throws -> PeriodInfo {
        try await perform(as: reader) { tx in try PeriodStore.existing(tx.connection, code) }
    }

    // MARK: Changing periods

    /// Adds a period, planned. The due date, if any, must fall after the period's last day: figures are due
    /// once the quarter they report has ended (`2027Q1` ends on 2027-06-30, so `--due 2027-04-30` is refused).
    /// Admin only.
    public func createPeriod(_ code: PeriodCode, due: CalendarDate?, as reference: ActorReference) async throws
        -> PeriodInfo
    {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "create periods")
            var v = Validation()
            if let due {
                v.require(
                    due > code.endDate, "due",
                    "must fall after the period's last day, \(code.endDate): figures are due once \(code) has ended",
                    ja: "提出期限は、期間の最終日（\(code.endDate.jaText)）より後の日付にしてください。"
                        + "実績値は\(code.jaName)が終わってから提出されます。")
            }
            try v.check()
            let c = tx.connection
            if try PeriodStore.periods(c, code: code).first != nil {
                throw ServiceError.conflict(
                    "The period \(code) exists already.", ja: "\(code.jaName)（\(code)）は既に登録されています。")
            }
            try c.execute(
                """
                INSERT INTO periods (code, fiscal_year, quarter, starts_on, ends_on, due_on, state)
                VALUES (\(code.description), \(code.fiscalYear), \(code.quarter), \(code.startDate), \(code.endDate),
                        \(due), 'planned')
                """)
            let created = try PeriodStore.existing(c, code)
            try tx.audit(.periodCreate, id: code.description, after: created)
            return created
        }
    }

    /// Opens a planned period for entry. A closed period opens again only through ``reopenPeriod``,
    /// which asks for a reason. Admin only.
    public func openPeriod(_ code: PeriodCode, as reference: ActorReference) async throws -> PeriodInfo {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "open periods")
            // The clerks of departments with missing items hear of it, in this transaction (refused: rolled back).
            let due = try PeriodStore.existing(tx.connection, code).dueOn
            try NotificationStore.remind(tx.connection, kind: .periodOpened, period: code, due: due)
            return try PeriodStore.move(tx, code, from: [.planned], to: .open, action: .periodOpen, reason: nil) {
                state in
                state == .open
                    ? "\(code) is open already."
                    : "\(code) is \(state.rawValue); only a planned period can be opened (reopen it with a reason)."
            }
        }
    }

    /// Closes an open period: clerks can no longer submit, except departments given an extension. Admin only.
    public func closePeriod(_ code: PeriodCode, as reference: ActorReference) async throws -> PeriodInfo {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "close periods")
            return try PeriodStore.move(tx, code, from: [.open], to: .closed, action: .periodClose, reason: nil) {
                "\(code) is \($0.rawValue); only an open period can be closed."
            }
        }
    }

    /// Locks a closed period: its figures are final. Admin only.
    public func lockPeriod(_ code: PeriodCode, as reference: ActorReference) async throws -> PeriodInfo {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "lock periods")
            return try PeriodStore.move(tx, code, from: [.closed], to: .locked, action: .periodLock, reason: nil) {
                "\(code) is \($0.rawValue); only a closed period can be locked."
            }
        }
    }

    /// Opens a closed period again, for corrections; the reason is kept in the audit trail. Admin only.
    ///
    /// A locked period is final and never reopens: the database refuses it too, for every role
    /// (`periods_locked_is_final` in migration 0005; docs/security.md).
    public func reopenPeriod(_ code: PeriodCode, reason: String, as reference: ActorReference) async throws
        -> PeriodInfo
    {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "reopen periods")
            var v = Validation()
            v.require(
                PeriodStore.isPresent(reason), "reason", "reopening a period needs a reason",
                ja: "期間を再び開く理由を入力してください。")
            let reason = v.text(reason, "reason") ?? reason
            try v.check()
            return try PeriodStore.move(
                tx, code, from: [.closed], to: .open, action: .periodReopen, reason: reason
            ) {
                $0 == .locked
                    ? "\(code) is locked, and a locked period is final: it never reopens."
                    : "\(code) is \($0.rawValue); only a closed period can be reopened."
            }
        }
    }

    /// Lets one department submit in a closed period until a date (today or later), with a reason. Granting
    /// again replaces the department's earlier extension. Admin only.
    public func extendPeriod(
        _ code: PeriodCode, department: String, until: CalendarDate, reason: String, as reference: ActorReference
    ) async throws -> PeriodInfo {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "extend periods")
            let c = tx.connection
            let today = try PeriodStore.today(c)
            var v = Validation()
            let found = try PlanStore.department(c, code: department)
            if let found {
                v.require(
                    !found.approving, "department", "\(department) is the approving division and submits nothing",
                    ja: "「\(department)」は承認を行う課で、提出をしないため延長できません。提出する課を選んでください。")
            } else {
                v.add("department", AccountStore.noDepartment(department))
            }
            v.require(
                until >= today, "until", "must be today (\(today)) or later",
                ja: "延長期限は今日（\(today.jaText)）以降の日付にしてください。")
            v.require(
                PeriodStore.isPresent(reason), "reason", "an extension needs a reason",
                ja: "延長する理由を入力してください。")
            let reason = v.text(reason, "reason") ?? reason
            try v.check()
            let period = try PeriodStore.existing(c, code, forUpdate: true)
            guard period.state == .closed else {
                throw ServiceError.conflict(
                    "\(code) is \(period.state.rawValue); only a closed period can be extended.")
            }
            let before = period.extensions.first { $0.department == department }
            try c.execute(
                """
                INSERT INTO period_extensions (period_code, department_id, until_on, reason, granted_by)
                VALUES (\(code.description), (SELECT id FROM departments WHERE code = \(department)), \(until),
                        \(reason), \(tx.actor.id))
                ON CONFLICT (period_code, department_id) DO UPDATE
                SET until_on = EXCLUDED.until_on, reason = EXCLUDED.reason, granted_by = EXCLUDED.granted_by,
                    granted_at = now()
                """)
            try c.execute(
                "UPDATE periods SET version = version + 1, updated_at = now() WHERE code = \(code.description)")
            let after = try PeriodStore.existing(c, code)
            try tx.audit(
                .periodExtend, id: code.description, before: before,
                after: after.extensions.first { $0.department == department }, reason: reason)
            return after
        }
    }
}
