import Foundation
import LibPQ

extension QuarterStatusStore {
    /// Approved figure contents by indicator code: of exactly `period`, or (`upTo`) the latest up to and including it.
    static func approvedContents(_ c: Connection, period: PeriodCode, upTo: Bool) throws
        -> [String: (period: PeriodCode, content: FigureContent)]
    {
        let rows = try c.query(
            """
            SELECT DISTINCT ON (f.indicator_id) i.code, f.period_code, f.approved_status, f.approved_value,
                   f.approved_note, f.approved_as_of
            FROM figures f JOIN indicators i ON i.id = f.indicator_id JOIN periods p ON p.code = f.period_code
            WHERE f.approved_at IS NOT NULL
              AND (p.fiscal_year * 4 + p.quarter - 1 \(unsafeRaw: upTo ? "<=" : "=") \(period.ordinal))
            ORDER BY f.indicator_id, p.fiscal_year DESC, p.quarter DESC
            """)
        var result: [String: (period: PeriodCode, content: FigureContent)] = [:]
        for r in rows {
            let (code, approvedPeriod, status, value, note, asOf) = try r.decode(
                (String, PeriodCode, FigureStatus, ExactDecimal?, String?, CalendarDate).self)
            result[code] = (approvedPeriod, FigureContent(status: status, value: value, note: note, asOf: asOf))
        }
        return result
    }

    /// The latest return or reopen reason of each figure (`f:<period>/<indicator>`) and narrative
    /// (`n:<period>/<project>`) of the periods; only of those returned now unless `anyState`.
    static func latestReasons(_ c: Connection, periods: [PeriodCode], anyState: Bool) throws -> [String: String] {
        guard !periods.isEmpty else { return [:] }
        let codes = "{" + periods.map(\.description).joined(separator: ",") + "}"
        let rows = try c.query(
            """
            SELECT DISTINCT ON (e.figure_id, e.narrative_id)
                   CASE WHEN e.figure_id IS NOT NULL THEN 'f:' || f.period_code || '/' || i.code
                        ELSE 'n:' || n.period_code || '/' || p.code END,
                   e.comment
            FROM workflow_events e
            LEFT JOIN figures f ON f.id = e.figure_id LEFT JOIN indicators i ON i.id = f.indicator_id
            LEFT JOIN narratives n ON n.id = e.narrative_id LEFT JOIN projects p ON p.id = n.project_id
            WHERE e.action IN ('return', 'reopen') AND e.comment IS NOT NULL
              AND coalesce(f.period_code, n.period_code) = ANY(\(codes)::text[])
              AND (\(anyState) OR coalesce(f.state, n.state) = 'returned')
            ORDER BY e.figure_id, e.narrative_id, e.id DESC
            """)
        var result: [String: String] = [:]
        for r in rows {
            result[try r.decode(String.self, at: 0)] = try r.decode(String.self, at: 1)
        }
        return result
    }
}
