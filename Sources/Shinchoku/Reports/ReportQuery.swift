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
    public func reportData(
        period: PeriodCode, project: String? = nil, department: String? = nil, includePending: Bool = false,
        as reader: ActorReference
    ) async throws -> ReportData {
        // Repeatable read: the figures and narratives come from one snapshot even though several queries read them.
        try await perform(as: reader, isolation: .repeatableRead) { tx in
            try ReportQueryStore.reportData(
                tx.connection, period: period, project: project, department: department, includePending: includePending)
        }
    }
}

/// SQL for report data.
enum ReportQueryStore {
    static func reportData(
        _ c: Connection, period: PeriodCode, project: String?, department: String?, includePending: Bool
    ) throws -> ReportData {
        guard let start = try c.query("SELECT plan_start_fiscal_year FROM plans").first else {
            throw ServiceError.notFound("No plan has been imported yet.", remedy: .importPlan)
        }
        let planStartFiscalYear = try start.decode(Int.self)
        _ = try WorkflowGate.period(c, period, department: nil, lock: false)
        if let department, try PlanStore.department(c, code: department) == nil {
            throw ServiceError.notFound("There is no department \(department).")
        }
        let projects = try PlanStore.projects(c, code: project).filter { p in
            department.map { $0 == p.department.code } ?? true
        }
        if let project, projects.isEmpty, try c.query("SELECT 1 FROM projects WHERE code = \(project)").isEmpty {
            throw ServiceError.notFound("There is no project \(project) in the plan.")
        }
        let figures = try Self.figures(c, upTo: period, includePending: includePending)
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

    /// The figures to report of each indicator, oldest period first.
    static func figures(_ c: Connection, upTo period: PeriodCode, includePending: Bool) throws
        -> [String: [ReportData.Figure]]
    {
        // Period codes (YYYYQn, checked by the schema) sort in time order.
        let rows = try c.query(
            """
            SELECT i.code AS indicator, f.period_code AS period, f.state, f.status, f.value, f.note, f.as_of,
                   f.approved_status, f.approved_value, f.approved_note, f.approved_as_of,
                   f.approved_at, approver.display_name AS approved_by_name, current_author.display_name AS author,
                   approved_author.display_name AS approved_author, approved_submit.at AS approved_submitted_at,
                   pending_submit.at AS submitted_at
            FROM figures f JOIN indicators i ON i.id = f.indicator_id
            LEFT JOIN users approver ON approver.id = f.approved_by
            LEFT JOIN users current_author ON current_author.id = f.entered_by
            -- Provenance of the approved content: its last save and submission before the approval.
            LEFT JOIN LATERAL (
                SELECT u.display_name FROM workflow_events e JOIN users u ON u.id = e.actor_id
                WHERE e.figure_id = f.id AND e.action = 'save' AND e.at <= f.approved_at
                ORDER BY e.id DESC LIMIT 1) approved_author ON true
            LEFT JOIN LATERAL (
                SELECT e.at FROM workflow_events e
                WHERE e.figure_id = f.id AND e.action = 'submit' AND e.at <= f.approved_at
                ORDER BY e.id DESC LIMIT 1) approved_submit ON true
            LEFT JOIN LATERAL (
                SELECT e.at FROM workflow_events e
                WHERE e.figure_id = f.id AND e.action = 'submit' AND f.state = 'submitted'
                ORDER BY e.id DESC LIMIT 1) pending_submit ON true
            WHERE f.period_code <= \(period)
            ORDER BY i.code, f.period_code
            """)
        var result: [String: [ReportData.Figure]] = [:]
        for r in rows {
            let current = try FigureContent(r)
            guard
                let (shown, state) = reported(
                    current, try r["state"], approved: try FigureContent(approvedIn: r), includePending)
            else { continue }
            let provenance =
                state == .approved
                ? ReportData.Provenance(
                    enteredBy: try r["approved_author"], submittedAt: try r["approved_submitted_at"],
                    approvedBy: try r["approved_by_name"], approvedAt: try r["approved_at"])
                : ReportData.Provenance(
                    enteredBy: try r["author"], submittedAt: try r["submitted_at"], approvedBy: nil, approvedAt: nil)
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
            SELECT p.code AS project, n.state, n.approved_content,
                   n.progress, n.progress_hard, n.progress_soft, n.outlook, n.outlook_hard, n.outlook_soft
            FROM narratives n JOIN projects p ON p.id = n.project_id
            WHERE n.period_code = \(period)
            """)
        var result: [String: ReportData.Narrative] = [:]
        for r in rows {
            let approved = try (r["approved_content"] as RawJSON?).map {
                try WorkflowJSON.decode(NarrativeContent.self, $0)
            }
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
