import Foundation
import LibPQ

/// A figure import that passes every check, for benchmarks and trials (`shinchoku-bench`, docs/performance.md).
public struct FigureImportSample: Sendable {
    public var period: PeriodCode
    /// One row per indicator without a figure in the period, in plan order: value 1 (which every kind of indicator
    /// accepts), status reported, a note (so that no fall or jump rule asks for one), `as_of` the period's last day.
    public var rows: [FigureImportRow]
    /// For each department of the rows, the login of one of its enabled clerks: the `clerks` of
    /// ``ShinchokuService/importFigures(period:rows:dryRun:as:clerks:)`` for an admin's import.
    public var clerks: [String: String]

    /// The rows as a `figures import` CSV file (header `indicator,value,status,note`), lines numbered from 2.
    public var csv: String {
        var text = "indicator,value,status,note\n"
        for row in rows {
            text +=
                "\(row.indicator),\(row.input.value?.text ?? ""),\(row.input.status.rawValue),\(row.input.note ?? "")\n"
        }
        return text
    }
}

extension ShinchokuService {
    /// Builds a ``FigureImportSample`` of at most `limit` rows for `period` from the plan as it stands: indicators
    /// whose project's department has an enabled clerk and that have no figure in the period. It only reads; the
    /// period must exist (`not_found`), and whether it is open is the import's business.
    public func figureImportSample(period: PeriodCode, limit: Int) async throws -> FigureImportSample {
        try await performAnonymous { c in
            _ = try WorkflowGate.period(c, period, department: nil, lock: false)
            let rows = try c.query(
                """
                SELECT i.code, d.code, (SELECT min(u.login) FROM users u
                                         WHERE u.department_id = d.id AND u.role = 'clerk' AND u.disabled_at IS NULL)
                FROM indicators i JOIN projects p ON p.id = i.project_id JOIN departments d ON d.id = p.department_id
                WHERE NOT EXISTS (SELECT 1 FROM figures f WHERE f.indicator_id = i.id AND f.period_code = \(period))
                ORDER BY p.position, i.position
                """
            ).decode((String, String, String?).self)
            var sample = FigureImportSample(period: period, rows: [], clerks: [:])
            for (indicator, department, clerk) in rows where sample.rows.count < limit {
                guard let clerk else { continue }
                sample.clerks[department] = clerk
                sample.rows.append(
                    FigureImportRow(
                        line: sample.rows.count + 2, indicator: indicator,
                        input: FigureInput(value: ExactDecimal("1")!, status: .reported, note: "試験値")))
            }
            return sample
        }
    }
}
