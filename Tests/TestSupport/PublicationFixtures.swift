import Foundation
import LibPQ
import Shinchoku

/// A period one approval away from complete, and ways to read what the publisher made.
public enum PublicationFixtures {
    /// Writes approved figures (value 1) for every indicator but `except`, and approved narratives for every project,
    /// in `period`, as a clerk entered them and `approver` approved them. `except` nil: every item approved.
    public static func approveAll(_ db: TestDB, _ period: PeriodCode, except: String? = "1-1.1") async throws {
        try await db.arrange { c in
            let p = period.description
            try c.execute(
                """
                INSERT INTO figures (indicator_id, period_code, status, value, as_of, state, entered_by,
                    approved_status, approved_value, approved_as_of, approved_at, approved_by)
                SELECT i.id, \(p), 'reported', 1, \(period.endDate), 'approved',
                    (SELECT u.id FROM users u WHERE u.department_id = pr.department_id AND u.role = 'clerk' LIMIT 1),
                    'reported', 1, \(period.endDate), now(), (SELECT id FROM users WHERE login = 'approver2')
                FROM indicators i JOIN projects pr ON pr.id = i.project_id
                WHERE i.code IS DISTINCT FROM \(except)
                """)
            try c.execute(
                """
                INSERT INTO narratives (project_id, period_code, progress, outlook, state, entered_by, approved_content,
                    approved_at, approved_by)
                SELECT pr.id, \(p), '順調に進んでいる。', '引き続き取り組む。', 'approved',
                    (SELECT u.id FROM users u WHERE u.department_id = pr.department_id AND u.role = 'clerk' LIMIT 1),
                    '{"progress": "順調に進んでいる。", "outlook": "引き続き取り組む。"}'::jsonb, now(),
                    (SELECT id FROM users WHERE login = 'approver2')
                FROM projects pr
                """)
        }
    }

    /// The editions of a period: number and the SHA-256 (hex) of each format, read as the superuser.
    public static func editions(_ db: TestDB, _ period: PeriodCode) async throws -> [Int: [String: String]] {
        try await db.superuserPool.withConnection { c in
            var out: [Int: [String: String]] = [:]
            for r in try c.query(
                """
                SELECT e.number, f.format, encode(f.sha256, 'hex') FROM editions e
                JOIN edition_files f ON f.edition_id = e.id WHERE e.period_code = \(period.description)
                """)
            {
                let (n, format, hash) = try r.decode((Int, String, String).self)
                out[n, default: [:]][format] = hash
            }
            return out
        }
    }

    /// Polls until `condition` holds, at most `timeout`: for the publisher, which works after COMMIT.
    public static func eventually(
        timeout: Duration = .seconds(10), _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}
