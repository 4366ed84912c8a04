import Foundation
import LibPQ
import Logging

/// The demo plan made `scale` times larger, with a long approved history: what benchmarks and load tests run on.
///
/// Not a service call and not for real data: it writes as the cluster's superuser, in bulk SQL, with triggers off
/// (`session_replication_role = replica`, as the tests' `arrange` does), so nothing it writes passes through the
/// service's rules or the audit trail.
///
/// What it adds, in one transaction:
/// - `scale - 1` copies of the plan's projects (1 project → `scale` projects) with their indicators. Copy `k` of a
///   project is titled `…（複製k）`, keeps the original's program, and gets the next free code of the form `P-S`
///   (`P` from 10, `S` 1–99), its indicators `P-S.n`; the copies are dealt out over the departments that enter
///   figures, round robin, so each owns about the same share. scale 100 → 1,400 projects and 2,400 indicators.
/// - `quarters` quarters of approved history, ending with the demo's last approved quarter (2021Q1): the periods
///   that do not exist yet are created locked. A copy gets its original's approved figures and narratives of the
///   quarters the demo already has; every indicator (the demo's own too) gets a made-up approved figure of each
///   earlier quarter (the target × the quarter's place in the history ÷ (`quarters` + 1), at the indicator's
///   decimals), and every project a copy of its original's latest approved narrative there.
/// - For each figure it adds, the steps the workflow would have recorded: a save and a submit by the owning
///   department's clerk and an approval (with its review) by the planning division, so that reports show the
///   same provenance as for figures entered through the service.
///
/// The audit chain: the bulk history is outside it. No audit event is written (an event inserted with triggers
/// off would not be linked into the chain), so `shinchoku-admin audit verify` still verifies the chain as it was;
/// the added rows simply have no audit events, which a real deployment's rows always have.
///
/// The current period (2021Q2 after `shinchoku-server --demo`) stays as it is, open.
public enum ScaledDemo {
    /// The largest scale: project codes `10-1` … `99-99` leave room for 8,910 copies of projects.
    public static let maximumScale = 636

    /// Adds `scale - 1` copies of the seed plan (projects, indicators, ownership spread over the departments) and
    /// `quarters` quarters of approved history to a migrated database that holds the demo. Works as a superuser
    /// (bulk SQL, triggers as the tests' `arrange` does). scale 100 → ~1,400 projects, ~2,400 indicators.
    ///
    /// - Parameters:
    ///   - scale: 1…``maximumScale``; 1 adds no projects, only history.
    ///   - quarters: 0…200 quarters of history, ending with the demo's last approved quarter.
    ///   - superuser: a connection to the database as a superuser (one that may set `session_replication_role`).
    /// - Throws: ``ServiceError/invalid(_:_:)`` for a scale or number of quarters out of range, or when the
    ///   database does not hold the demo (no approved figures, a department without a clerk, no approver) or was
    ///   scaled already; ``PostgresError`` from the database. Nothing is written unless everything is.
    public static func load(scale: Int, quarters: Int, superuser: ConnectionConfiguration, logger: Logger) async throws
    {
        guard (1...maximumScale).contains(scale) else {
            throw ServiceError.invalid("scale", "The scale must be 1 to \(maximumScale); it was \(scale).")
        }
        guard (0...200).contains(quarters) else {
            throw ServiceError.invalid("quarters", "The quarters of history must be 0 to 200; they were \(quarters).")
        }
        let started = ContinuousClock.now
        let counts = try await withConnectionPool(
            configuration: superuser, options: .init(maxConnections: 1, acquireTimeout: .seconds(60))
        ) { pool in
            try await pool.withTransaction { c in try write(c, scale: scale, quarters: quarters) }
        }
        logger.info(
            "scaled demo loaded",
            metadata: [
                "scale": "\(scale)", "quarters": "\(quarters)", "projects": "\(counts.projects)",
                "indicators": "\(counts.indicators)", "figures": "\(counts.figures)",
                "elapsed": "\(ContinuousClock.now - started)",
            ])
    }

    /// Totals after loading.
    struct Counts: Sendable {
        var projects: Int
        var indicators: Int
        var figures: Int
    }

    /// The comment of the made-up approvals.
    static let comment = "規模試験用の履歴（ScaledDemo）"

    static func write(_ c: Connection, scale: Int, quarters: Int) throws -> Counts {
        try c.execute("SET LOCAL session_replication_role = replica")

        let (firstSeed, lastSeed) = try c.query(
            "SELECT min(period_code), max(period_code) FROM figures WHERE approved_at IS NOT NULL"
        ).single().decode((String?, String?).self)
        guard let firstSeedPeriod = firstSeed.flatMap(PeriodCode.init), let last = lastSeed.flatMap(PeriodCode.init)
        else { throw ServiceError.invalid("database", "The database holds no approved figures: load the demo first.") }
        if try !c.query("SELECT 1 FROM projects WHERE code ~ '^[1-9][0-9]-' LIMIT 1").isEmpty {
            throw ServiceError.invalid("database", "The demo plan was scaled already.")
        }
        let clerkless = try c.query(
            """
            SELECT d.code FROM departments d
            WHERE NOT d.approving AND NOT EXISTS (
                SELECT 1 FROM users u WHERE u.department_id = d.id AND u.role = 'clerk' AND u.disabled_at IS NULL)
            ORDER BY d.code
            """
        ).decodeColumn(String.self)
        if !clerkless.isEmpty {
            throw ServiceError.invalid(
                "database", "Departments without a clerk: \(clerkless.joined(separator: ", ")). Load the demo first.")
        }
        guard
            let approver = try c.query(
                """
                SELECT u.id FROM users u JOIN departments d ON d.id = u.department_id
                WHERE u.role = 'approver' AND d.approving AND u.disabled_at IS NULL
                ORDER BY u.login = \(ShinchokuService.demoApprover) DESC, u.id LIMIT 1
                """
            ).first?.decode(Int.self)
        else { throw ServiceError.invalid("database", "No approver of the planning division: load the demo first.") }

        // Each department that enters figures, and the clerk who enters them (the demo's: login = department code).
        try c.execute(
            """
            CREATE TEMP TABLE scaled_clerks ON COMMIT DROP AS
            SELECT DISTINCT ON (d.id) d.id AS department_id, u.id AS clerk_id,
                   (dense_rank() OVER (ORDER BY d.code)) - 1 AS rank
            FROM departments d JOIN users u ON u.department_id = d.id AND u.role = 'clerk' AND u.disabled_at IS NULL
            WHERE NOT d.approving
            ORDER BY d.id, u.login = d.code DESC, u.id
            """)
        let departments = try c.query("SELECT count(*) FROM scaled_clerks").single().decode(Int.self)

        // The copies: copy k (1…scale-1) of the j-th project (plan order) is the n-th copy, n = (k-1)·m + j.
        try c.execute(
            """
            CREATE TEMP TABLE scaled_copies ON COMMIT DROP AS
            WITH seed AS (
                SELECT id, row_number() OVER (ORDER BY position) - 1 AS j, count(*) OVER () AS m FROM projects),
            copies AS (
                SELECT s.id AS original_id, k AS copy, (k - 1) * s.m + s.j AS n
                FROM generate_series(1, \(scale - 1)) AS k CROSS JOIN seed s)
            SELECT original_id, copy, n, (10 + n / 99)::text || '-' || (1 + n % 99)::text AS code,
                   (SELECT department_id FROM scaled_clerks WHERE rank = n % \(departments)) AS department_id
            FROM copies
            """)
        let copies = try c.query("SELECT count(*) FROM scaled_copies").single().decode(Int.self)
        if copies > 0, try c.query("SELECT max(n) FROM scaled_copies").single().decode(Int.self) >= 90 * 99 {
            throw ServiceError.invalid("scale", "The plan has too many projects to copy \(scale) times.")
        }
        try c.execute(
            """
            INSERT INTO projects (code, program_id, position, title, subtitle, overview, main_initiatives,
                                  target_heading, department_id)
            SELECT c.code, p.program_id, (SELECT max(position) FROM projects) + 1 + c.n,
                   p.title || '（複製' || c.copy || '）', p.subtitle, p.overview, p.main_initiatives, p.target_heading,
                   c.department_id
            FROM scaled_copies c JOIN projects p ON p.id = c.original_id
            ORDER BY c.n
            """)
        try c.execute(
            """
            INSERT INTO indicators (code, project_id, position, name, target_label, unit, actual_unit, kind,
                                    value_type, direction, decimals, baseline_value, baseline_as_of, baseline_label,
                                    target_value, target_fiscal_year, target_qualifier, target_note)
            SELECT c.code || '.' || split_part(i.code, '.', 2), np.id, i.position, i.name, i.target_label, i.unit,
                   i.actual_unit, i.kind, i.value_type, i.direction, i.decimals, i.baseline_value, i.baseline_as_of,
                   i.baseline_label, i.target_value, i.target_fiscal_year, i.target_qualifier, i.target_note
            FROM scaled_copies c JOIN projects np ON np.code = c.code JOIN indicators i ON i.project_id = c.original_id
            ORDER BY c.n, i.position
            """)

        // The history's quarters; the ones that do not exist yet are created locked.
        let first = last.ordinal - quarters + 1
        try c.execute(
            """
            INSERT INTO periods (code, fiscal_year, quarter, starts_on, ends_on, state)
            SELECT q.fy || 'Q' || q.q, q.fy, q.q, s.starts_on, (s.starts_on + interval '3 months' - interval '1 day')::date,
                   'locked'
            FROM generate_series(\(first)::integer, \(last.ordinal)::integer) AS o
            CROSS JOIN LATERAL (SELECT o / 4 AS fy, o % 4 + 1 AS q) q
            CROSS JOIN LATERAL (
                SELECT make_date(q.fy + CASE WHEN q.q = 4 THEN 1 ELSE 0 END,
                                 CASE q.q WHEN 1 THEN 4 WHEN 2 THEN 7 WHEN 3 THEN 10 ELSE 1 END, 1) AS starts_on) s
            ON CONFLICT (code) DO NOTHING
            """)
        // A made-up approval 40 days after the quarter ends, at 10:00 in Japan; the save two days and the submit one
        // day before it.
        try c.execute(
            """
            CREATE TEMP TABLE scaled_history ON COMMIT DROP AS
            SELECT code, ends_on, row_number() OVER (ORDER BY code) AS place,
                   ((ends_on + 40)::timestamp + interval '10 hours') AT TIME ZONE 'Asia/Tokyo' AS approved_at
            FROM periods
            WHERE code >= \("\(first / 4)Q\(first % 4 + 1)") AND code <= \(last.description)
            """)

        let figuresBefore = try c.query("SELECT coalesce(max(id), 0) FROM figures").single().decode(Int.self)
        let eventsBefore = try c.query("SELECT coalesce(max(id), 0) FROM workflow_events").single().decode(Int.self)
        // The copies' figures of the quarters the demo has: their originals' approved content.
        try c.execute(
            """
            INSERT INTO figures (indicator_id, period_code, status, value, note, as_of, state, version, entered_by,
                                 approved_status, approved_value, approved_note, approved_as_of, approved_at,
                                 approved_by, created_at, updated_at)
            SELECT ni.id, f.period_code, f.approved_status, f.approved_value, f.approved_note, f.approved_as_of,
                   'approved', 3, k.clerk_id, f.approved_status, f.approved_value, f.approved_note, f.approved_as_of,
                   h.approved_at, \(approver), h.approved_at - interval '2 days', h.approved_at
            FROM scaled_copies c
            JOIN projects np ON np.code = c.code
            JOIN scaled_clerks k ON k.department_id = np.department_id
            JOIN indicators ni ON ni.project_id = np.id
            JOIN indicators i ON i.project_id = c.original_id AND i.position = ni.position
            JOIN figures f ON f.indicator_id = i.id AND f.approved_at IS NOT NULL
            JOIN scaled_history h ON h.code = f.period_code
            ORDER BY ni.id, f.period_code
            """)
        // Every indicator's made-up figures of the quarters before the demo's.
        try c.execute(
            """
            INSERT INTO figures (indicator_id, period_code, status, value, note, as_of, state, version, entered_by,
                                 approved_status, approved_value, approved_note, approved_as_of, approved_at,
                                 approved_by, created_at, updated_at)
            SELECT i.id, h.code, 'reported', v.value, NULL, h.ends_on, 'approved', 3, k.clerk_id,
                   'reported', v.value, NULL, h.ends_on, h.approved_at, \(approver),
                   h.approved_at - interval '2 days', h.approved_at
            FROM indicators i
            JOIN projects p ON p.id = i.project_id
            JOIN scaled_clerks k ON k.department_id = p.department_id
            CROSS JOIN scaled_history h
            CROSS JOIN LATERAL (SELECT round(i.target_value * h.place / \(quarters + 1), i.decimals) AS value) v
            WHERE h.code < \(firstSeedPeriod.description)
            ORDER BY i.id, h.code
            """)
        // What the workflow records for each: save and submit by the clerk, approval (and its review) by the approver.
        try c.execute(
            """
            INSERT INTO workflow_events (figure_id, action, from_state, to_state, version, content, comment, actor_id,
                                         at)
            SELECT f.id, s.action, s.from_state, s.to_state, s.version,
                   jsonb_strip_nulls(jsonb_build_object(
                       'as_of', f.approved_as_of, 'note', f.approved_note, 'status', f.approved_status,
                       'value', f.approved_value::text)),
                   CASE WHEN s.action = 'approve' THEN \(comment) END,
                   CASE WHEN s.action = 'approve' THEN f.approved_by ELSE f.entered_by END,
                   f.approved_at - s.before
            FROM figures f
            CROSS JOIN (VALUES ('save'::workflow_action, NULL::workflow_state, 'draft'::workflow_state, 1,
                                interval '2 days'),
                               ('submit', 'draft', 'submitted', 2, interval '1 day'),
                               ('approve', 'submitted', 'approved', 3, interval '0')
                       ) AS s(action, from_state, to_state, version, before)
            WHERE f.id > \(figuresBefore)
            ORDER BY f.id, s.version
            """)
        try c.execute(
            """
            INSERT INTO reviews (workflow_event_id, figure_id, decision, reviewer_id, reason, reviewed_version,
                                 reviewed_content, at)
            SELECT e.id, e.figure_id, 'approved', e.actor_id, e.comment, 2, e.content, e.at
            FROM workflow_events e
            WHERE e.id > \(eventsBefore) AND e.action = 'approve'
            ORDER BY e.id
            """)

        // Narratives: the copies' of the demo's quarters from their originals, and every project's of the earlier
        // quarters from its original's latest approved one.
        try c.execute(
            """
            INSERT INTO narratives (project_id, period_code, progress, progress_hard, progress_soft, outlook,
                                    outlook_hard, outlook_soft, state, version, entered_by, approved_content,
                                    approved_at, approved_by, created_at, updated_at)
            SELECT np.id, n.period_code, n.progress, n.progress_hard, n.progress_soft, n.outlook, n.outlook_hard,
                   n.outlook_soft, 'approved', n.version, k.clerk_id, n.approved_content, h.approved_at,
                   \(approver), h.approved_at - interval '2 days', h.approved_at
            FROM scaled_copies c
            JOIN projects np ON np.code = c.code
            JOIN scaled_clerks k ON k.department_id = np.department_id
            JOIN narratives n ON n.project_id = c.original_id AND n.state = 'approved' AND NOT n.changed_since_approval
            JOIN scaled_history h ON h.code = n.period_code
            ORDER BY np.id, n.period_code
            """)
        try c.execute(
            """
            INSERT INTO narratives (project_id, period_code, progress, progress_hard, progress_soft, outlook,
                                    outlook_hard, outlook_soft, state, version, entered_by, approved_content,
                                    approved_at, approved_by, created_at, updated_at)
            SELECT p.id, h.code, n.progress, n.progress_hard, n.progress_soft, n.outlook, n.outlook_hard,
                   n.outlook_soft, 'approved', 3, k.clerk_id, n.approved_content, h.approved_at, \(approver),
                   h.approved_at - interval '2 days', h.approved_at
            FROM projects p
            JOIN scaled_clerks k ON k.department_id = p.department_id
            CROSS JOIN LATERAL (
                SELECT n.* FROM narratives n
                WHERE n.project_id = coalesce((SELECT original_id FROM scaled_copies WHERE code = p.code), p.id)
                  AND n.state = 'approved' AND NOT n.changed_since_approval
                ORDER BY n.period_code DESC LIMIT 1) n
            CROSS JOIN scaled_history h
            WHERE h.code < \(firstSeedPeriod.description)
            ORDER BY p.id, h.code
            """)

        // Fresh statistics, so that the first queries on the larger tables are planned for their size.
        try c.execute("ANALYZE projects, indicators, periods, figures, narratives, workflow_events, reviews")
        let (projects, indicators, figures) = try c.query(
            "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM indicators), (SELECT count(*) FROM figures)"
        ).single().decode((Int, Int, Int).self)
        return Counts(projects: projects, indicators: indicators, figures: figures)
    }
}
