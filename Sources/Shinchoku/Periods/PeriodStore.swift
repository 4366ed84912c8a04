import Foundation
import LibPQ

/// SQL and rules for periods.
enum PeriodStore {
    /// Today in Yamaguchi. Due dates and extensions are the prefecture's calendar days, whatever the server's
    /// or the session's time zone.
    static func today(_ c: Connection) throws -> CalendarDate {
        try c.query("SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date").single().decode(CalendarDate.self)
    }

    static func isPresent(_ text: String) -> Bool {
        !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// Moves a period from one of `from` to `to`, or refuses with a conflict that names its current state.
    static func move(
        _ tx: Transaction, _ code: PeriodCode, from: Set<PeriodState>, to: PeriodState, action: AuditAction,
        reason: String?, refusal: (PeriodState) -> String
    ) throws -> PeriodInfo {
        let c = tx.connection
        let before = try existing(c, code, forUpdate: true)
        guard from.contains(before.state) else { throw ServiceError.conflict(refusal(before.state)) }
        try c.execute(
            """
            UPDATE periods SET state = \(to.rawValue), version = version + 1, updated_at = now()
            WHERE code = \(code.description)
            """)
        let after = try existing(c, code)
        try tx.audit(
            action, id: code.description, before: ["state": before.state.rawValue],
            after: ["state": to.rawValue], reason: reason)
        return after
    }

    static func existing(_ c: Connection, _ code: PeriodCode, forUpdate: Bool = false) throws -> PeriodInfo {
        guard let p = try periods(c, code: code, forUpdate: forUpdate).first else {
            throw ServiceError.notFound("There is no period \(code).")
        }
        return p
    }

    static func periods(_ c: Connection, code: PeriodCode?, forUpdate: Bool = false) throws -> [PeriodInfo] {
        let lock: SQLQuery = forUpdate ? " FOR UPDATE" : ""
        let text = code?.description
        let rows = try c.query(
            """
            SELECT code, fiscal_year, quarter, starts_on, ends_on, due_on, state::text, version
            FROM periods WHERE \(text)::text IS NULL OR code = \(text)
            ORDER BY fiscal_year, quarter
            """ + lock)
        let extensions = try c.query(
            """
            SELECT e.period_code, d.code, e.until_on, e.reason
            FROM period_extensions e JOIN departments d ON d.id = e.department_id
            WHERE \(text)::text IS NULL OR e.period_code = \(text)
            ORDER BY d.code
            """
        ).decode((String, String, CalendarDate, String).self)
        let byPeriod = Dictionary(grouping: extensions, by: \.0)
        return try rows.map { r in
            let (code, fiscalYear, quarter, starts, ends, due, state, version) = try r.decode(
                (String, Int, Int, CalendarDate, CalendarDate, CalendarDate?, String, Int).self)
            guard let periodCode = PeriodCode(code), let state = PeriodState(rawValue: state) else {
                throw PostgresError(kind: .decoding, message: "unexpected period code or state in periods")
            }
            return PeriodInfo(
                code: periodCode, fiscalYear: fiscalYear, quarter: quarter, startsOn: starts, endsOn: ends, dueOn: due,
                state: state, version: version,
                extensions: (byPeriod[code] ?? []).map {
                    PeriodExtensionInfo(department: $0.1, until: $0.2, reason: $0.3)
                })
        }
    }
}
