import Foundation
import LibPQ

extension ShinchokuService {
    /// Everything a report as of `period` needs, read in one consistent snapshot: the projects in plan order
    /// (optionally one project, or one department's), each indicator's figures of the periods up to `period`,
    /// and each project's narrative of `period`, with the audit chain's head as of the same snapshot (which the report
    /// prints: a report anchors the chain outside the database).
    ///
    /// By default a report shows only approved content: the last approved figure of each period, also while a
    /// reopened figure is being corrected. With `includePending`, a figure or narrative whose current content
    /// differs from the approved one (or was never approved) shows its current content and state instead.
    /// Everyone signed in may read reports.
    ///
    /// `history` says which earlier figures to read: ``ReportData/History/complete`` (every figure up to `period`,
    /// which the CSV and xlsx tables list) or ``ReportData/History/printed`` (only what the other formats print, so
    /// that the report does not grow with the years of history). Without `planTexts`, each project's `overview` and
    /// `mainInitiatives` are left empty, unread: for the formats that do not print them (CSV, JSON, xlsx).
    public func reportData(
        period: PeriodCode, project: String? = nil, department: String? = nil, includePending: Bool = false,
        history: ReportData.History = .complete, planTexts: Bool = true, as reader: ActorReference
    ) async throws -> ReportData {
        // Repeatable read: the figures and narratives come from one snapshot even though several queries read them.
        try await perform(as: reader, isolation: .repeatableRead) { tx in
            try ReportQueryStore.reportData(
                tx.connection, period: period, project: project, department: department, includePending: includePending,
                history: history, planTexts: planTexts)
        }
    }
}

/// SQL for report data.
enum ReportQueryStore {
    static func reportData(
        _ c: Connection, period: PeriodCode, project: String?, department: String?, includePending: Bool,
        history: ReportData.History = .complete, planTexts: Bool = true
    ) throws -> ReportData {
        // JIT compiling the report's queries (PostgreSQL's default above a cost the index lookups reach) takes longer
        // than running them: off for this transaction.
        guard
            let start = try c.query("SELECT plan_start_fiscal_year, set_config('jit', 'off', true) FROM plans").first
        else {
            throw ServiceError.notFound("No plan has been imported yet.", remedy: .importPlan)
        }
        let planStartFiscalYear = try start.decode((Int, String).self).0
        _ = try WorkflowGate.period(c, period, department: nil, lock: false)
        if let department, try PlanStore.department(c, code: department) == nil {
            throw ServiceError.notFound("There is no department \(department).")
        }
        let projects = try PlanStore.projects(c, code: project, texts: planTexts).filter { p in
            department.map { $0 == p.department.code } ?? true
        }
        if let project, projects.isEmpty, try c.query("SELECT 1 FROM projects WHERE code = \(project)").isEmpty {
            throw ServiceError.notFound("There is no project \(project) in the plan.")
        }
        let figures = try Self.figures(
            c, upTo: period, project: project, department: department, includePending: includePending,
            history: history, planStartFiscalYear: planStartFiscalYear)
        let narratives = try Self.narratives(c, of: period, includePending: includePending)
        let auditChain = try AuditChainStore.head(c)
        return ReportData(
            period: period, planStartFiscalYear: planStartFiscalYear, includePending: includePending,
            projects: projects.map { p in
                ReportData.Project(
                    code: p.code, programCode: p.programCode, programName: p.programName, title: p.title,
                    subtitle: p.subtitle, departmentCode: p.department.code, departmentName: p.department.name,
                    targetHeading: p.targetHeading, overview: p.overview, mainInitiatives: p.mainInitiatives,
                    indicators: p.indicators.map { i in
                        ReportData.Indicator(
                            code: i.code, name: i.name, targetLabel: i.targetLabel, unit: i.unit,
                            actualUnit: i.actualUnit, kind: i.kind, valueType: i.valueType, direction: i.direction,
                            decimals: i.decimals, baseline: i.baseline, baselineAsOf: i.baselineAsOf,
                            baselineLabel: i.baselineLabel, target: i.target, targetFiscalYear: i.targetFiscalYear,
                            targetQualifier: i.targetQualifier, targetNote: i.targetNote, figures: figures[i.code] ?? []
                        )
                    },
                    narrative: narratives[p.code])
            }, auditChain: auditChain)
    }

    /// The figures to report of each indicator of the report's projects, oldest period first: all up to `period`,
    /// or for ``ReportData/History/printed`` only those ``ReportData/printedFigures(_:period:planStartFiscalYear:)``
    /// keeps, chosen in SQL.
    static func figures(
        _ c: Connection, upTo period: PeriodCode, project: String?, department: String?, includePending: Bool,
        history: ReportData.History, planStartFiscalYear: Int
    ) throws -> [String: [ReportData.Figure]] {
        // Period codes (YYYYQn, checked by the schema) sort in time order; their first four characters are the
        // fiscal year.
        let planStart = ReportData.planStartPeriod(planStartFiscalYear)
        let firstChartedYear = planStartFiscalYear - ReportData.chartFiscalYearsBeforePlan
        let scope: SQLQuery = """
            scope AS (
                SELECT i.id FROM indicators i JOIN projects p ON p.id = i.project_id
                JOIN departments d ON d.id = p.department_id
                WHERE (\(project)::text IS NULL OR p.code = \(project))
                  AND (\(department)::text IS NULL OR d.code = \(department)))
            """
        // A figure is in a report when it was ever approved, or when pending content is included (``reported``).
        let visible: SQLQuery = "(\(includePending) OR f.approved_status IS NOT NULL) AND f.period_code <= \(period)"
        let chosen: SQLQuery =
            switch history {
            case .complete:
                """
                WITH \(scope), chosen AS (
                    SELECT f.id FROM figures f JOIN scope s ON s.id = f.indicator_id WHERE \(visible))
                """
            case .printed:
                // The plan's quarters in one range, the rest by a few index lookups per indicator (the latest two,
                // the latest before the plan, the last of each charted year before that), so that the work does not
                // depend on how many quarters of history there are.
                """
                WITH \(scope), chosen AS (
                    SELECT f.id FROM figures f JOIN scope s ON s.id = f.indicator_id
                    WHERE f.period_code >= \(planStart) AND \(visible)
                    UNION
                    SELECT x.id FROM scope s CROSS JOIN LATERAL (
                        SELECT f.id FROM figures f WHERE f.indicator_id = s.id AND \(visible)
                        ORDER BY f.period_code DESC LIMIT 2) x
                    UNION
                    SELECT x.id FROM scope s CROSS JOIN LATERAL (
                        SELECT f.id FROM figures f
                        WHERE f.indicator_id = s.id AND f.period_code < \(planStart) AND \(visible)
                        ORDER BY f.period_code DESC LIMIT 1) x
                    UNION
                    SELECT x.id FROM scope s
                    CROSS JOIN generate_series(\(firstChartedYear)::integer, \(planStartFiscalYear - 2)::integer) AS y
                    CROSS JOIN LATERAL (
                        SELECT f.id FROM figures f
                        WHERE f.indicator_id = s.id AND f.period_code >= y || 'Q1' AND f.period_code <= y || 'Q4'
                          AND \(visible)
                        ORDER BY f.period_code DESC LIMIT 1) x)
                """
            }
        let rows = try c.query(
            chosen
                + """

                SELECT x.*, approved_author.display_name AS approved_author FROM (
                SELECT i.code AS indicator, f.period_code AS period, f.recency = 1 AS latest, f.state, f.status, f.value,
                       f.note, f.as_of, f.approved_status, f.approved_value, f.approved_note, f.approved_as_of,
                       f.approved_at, approver.display_name AS approved_by_name, current_author.display_name AS author,
                       steps.approved_author_id, steps.approved_submitted_at, steps.submitted_at
                FROM (
                    -- OFFSET 0 keeps this a lookup by id per chosen figure: as a join, the planner reads every figure.
                    SELECT f.*, row_number() OVER (PARTITION BY f.indicator_id ORDER BY f.period_code DESC) AS recency
                    FROM chosen CROSS JOIN LATERAL (SELECT * FROM figures f WHERE f.id = chosen.id OFFSET 0) f) f
                JOIN indicators i ON i.id = f.indicator_id
                LEFT JOIN users approver ON approver.id = f.approved_by
                LEFT JOIN users current_author ON current_author.id = f.entered_by
                -- Provenance, of the latest figure only (the one reports show): the last save and submission before
                -- the approval (of the approved content), and the last submission of a figure awaiting review, from
                -- one read of the figure's steps.
                LEFT JOIN LATERAL (
                    SELECT (array_agg(e.actor_id ORDER BY e.id DESC)
                                FILTER (WHERE e.action = 'save' AND e.at <= f.approved_at))[1] AS approved_author_id,
                           (array_agg(e.at ORDER BY e.id DESC)
                                FILTER (WHERE e.action = 'submit' AND e.at <= f.approved_at))[1]
                               AS approved_submitted_at,
                           (array_agg(e.at ORDER BY e.id DESC)
                                FILTER (WHERE e.action = 'submit' AND f.state = 'submitted'))[1] AS submitted_at
                    FROM workflow_events e WHERE f.recency = 1 AND e.figure_id = f.id) steps ON true
                -- OFFSET 0: the approved author's name is joined once, to all rows (a hash of the few users); left
                -- to the planner, it joined the users inside the loop over the figures, a hash per figure.
                OFFSET 0) x
                LEFT JOIN users approved_author ON approved_author.id = x.approved_author_id
                ORDER BY x.indicator, x.period
                """)
        var result: [String: [ReportData.Figure]] = [:]
        for r in rows {
            let current = try FigureContent(r)
            guard
                let (shown, state) = reported(
                    current, try r["state"], approved: try FigureContent(approvedIn: r), includePending)
            else { continue }
            let latest: Bool = try r["latest"]
            let provenance =
                !latest
                ? nil
                : state == .approved
                    ? ReportData.Provenance(
                        enteredBy: try r["approved_author"], submittedAt: try r["approved_submitted_at"],
                        approvedBy: try r["approved_by_name"], approvedAt: try r["approved_at"])
                    : ReportData.Provenance(
                        enteredBy: try r["author"], submittedAt: try r["submitted_at"], approvedBy: nil, approvedAt: nil
                    )
            result[try r["indicator"], default: []].append(
                ReportData.Figure(
                    period: try r["period"], status: shown.status, value: shown.value, asOf: shown.asOf,
                    note: shown.note, state: state, provenance: provenance))
        }
        return result
    }

    /// What a report prints of an item: the approved content (also while a correction is pending, unless pending
    /// work is included), else with `includePending` the current content in its state; nil for nothing.
    private static func reported<Content: Equatable>(
        _ current: Content, _ state: WorkflowState, approved: Content?, _ includePending: Bool
    ) -> (Content, WorkflowState)? {
        if let approved, !includePending || approved == current { return (approved, .approved) }
        return includePending ? (current, state) : nil  // never approved: not in an approved-only report
    }

    /// The narrative to report of each project in the period.
    static func narratives(_ c: Connection, of period: PeriodCode, includePending: Bool) throws
        -> [String: ReportData.Narrative]
    {
        let rows = try c.query(
            """
            SELECT p.code AS project, n.state, n.approved_content IS NOT NULL AS approved,
                   -- The approved texts as text (the keys NarrativeContent encodes, snake_case), not as a JSON
                   -- document to decode: a report reads one narrative per project. jsonb_to_record reads the
                   -- document once (each ->> would read and decompress it again).
                   a.progress AS approved_progress, a.progress_hard AS approved_progress_hard,
                   a.progress_soft AS approved_progress_soft, a.outlook AS approved_outlook,
                   a.outlook_hard AS approved_outlook_hard, a.outlook_soft AS approved_outlook_soft,
                   -- The current content is only shown with pending work included: not read otherwise.
                   CASE WHEN \(includePending) THEN n.progress END AS progress,
                   CASE WHEN \(includePending) THEN n.progress_hard END AS progress_hard,
                   CASE WHEN \(includePending) THEN n.progress_soft END AS progress_soft,
                   CASE WHEN \(includePending) THEN n.outlook END AS outlook,
                   CASE WHEN \(includePending) THEN n.outlook_hard END AS outlook_hard,
                   CASE WHEN \(includePending) THEN n.outlook_soft END AS outlook_soft
            FROM narratives n JOIN projects p ON p.id = n.project_id
            LEFT JOIN LATERAL jsonb_to_record(n.approved_content) AS a(
                progress text, progress_hard text, progress_soft text, outlook text, outlook_hard text,
                outlook_soft text) ON true
            WHERE n.period_code = \(period)
            """)
        var result: [String: ReportData.Narrative] = [:]
        for r in rows {
            let approved =
                try r["approved"] as Bool
                ? NarrativeContent(
                    progress: try r["approved_progress"], progressHard: try r["approved_progress_hard"],
                    progressSoft: try r["approved_progress_soft"], outlook: try r["approved_outlook"],
                    outlookHard: try r["approved_outlook_hard"], outlookSoft: try r["approved_outlook_soft"])
                : nil
            guard
                let (shown, state) = reported(
                    try NarrativeContent(r), try r["state"], approved: approved, includePending)
            else { continue }
            result[try r["project"]] = ReportData.Narrative(
                progress: shown.progress, progressHard: shown.progressHard, progressSoft: shown.progressSoft,
                outlook: shown.outlook, outlookHard: shown.outlookHard, outlookSoft: shown.outlookSoft,
                state: state)
        }
        return result
    }
}
