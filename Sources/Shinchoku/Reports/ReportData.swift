import Foundation
import LibPQ

/// Everything a report of actual against target needs, read from the database in one transaction.
/// ShinchokuReports computes and renders it; it holds no formulas itself.
public struct ReportData: Sendable, Equatable {
    /// The period the report is as of.
    public var period: PeriodCode
    /// The first fiscal year of the plan (FY2021): "expected by now" and `period_sum` figures count from it.
    public var planStartFiscalYear: Int
    /// Whether unapproved values are included (and marked as such).
    public var includePending: Bool
    /// In plan order.
    public var projects: [Project]
    /// The audit chain's head as of the snapshot the report was read from, which the report prints; nil for a report
    /// not read from a database (``fromFiles(plan:actuals:period:includePending:auditChain:)``).
    public var auditChain: AuditChainHead?
    /// The 正誤表 of an edition after the first: what changed since the edition before. Nil for a live report.
    public var corrections: Corrections?

    public init(
        period: PeriodCode, planStartFiscalYear: Int, includePending: Bool, projects: [Project],
        auditChain: AuditChainHead? = nil
    ) {
        self.period = period
        self.planStartFiscalYear = planStartFiscalYear
        self.includePending = includePending
        self.projects = projects
        self.auditChain = auditChain
    }

    public struct Project: Sendable, Equatable {
        public var code: String
        public var programCode: String
        public var programName: String
        public var title: String
        public var subtitle: String
        public var departmentCode: String
        public var departmentName: String
        public var targetHeading: String
        public var overview: [String]
        public var mainInitiatives: [String]
        public var indicators: [Indicator]
        /// The narrative of the report's period, if any (approved, or pending when included).
        public var narrative: Narrative?

        public init(
            code: String, programCode: String, programName: String, title: String, subtitle: String,
            departmentCode: String, departmentName: String, targetHeading: String, overview: [String],
            mainInitiatives: [String], indicators: [Indicator], narrative: Narrative?
        ) {
            self.code = code
            self.programCode = programCode
            self.programName = programName
            self.title = title
            self.subtitle = subtitle
            self.departmentCode = departmentCode
            self.departmentName = departmentName
            self.targetHeading = targetHeading
            self.overview = overview
            self.mainInitiatives = mainInitiatives
            self.indicators = indicators
            self.narrative = narrative
        }
    }

    public struct Indicator: Sendable, Equatable {
        public var code: String
        public var name: String
        public var targetLabel: String
        public var unit: String
        public var actualUnit: String?
        public var kind: MeasureKind
        public var valueType: ValueType
        public var direction: Direction
        public var decimals: Int
        public var baseline: ExactDecimal?
        public var baselineAsOf: CalendarDate?
        public var baselineLabel: String?
        public var target: ExactDecimal
        public var targetFiscalYear: Int
        public var targetQualifier: TargetQualifier?
        public var targetNote: String?
        /// Figures of periods at or before the report's period, oldest first: approved ones, plus the
        /// latest unapproved one of a period when pending values are included. All of them, or only those the
        /// report prints (``History``).
        public var figures: [Figure]

        public init(
            code: String, name: String, targetLabel: String, unit: String, actualUnit: String?, kind: MeasureKind,
            valueType: ValueType, direction: Direction, decimals: Int, baseline: ExactDecimal?,
            baselineAsOf: CalendarDate?, baselineLabel: String?, target: ExactDecimal, targetFiscalYear: Int,
            targetQualifier: TargetQualifier?, targetNote: String?, figures: [Figure]
        ) {
            self.code = code
            self.name = name
            self.targetLabel = targetLabel
            self.unit = unit
            self.actualUnit = actualUnit
            self.kind = kind
            self.valueType = valueType
            self.direction = direction
            self.decimals = decimals
            self.baseline = baseline
            self.baselineAsOf = baselineAsOf
            self.baselineLabel = baselineLabel
            self.target = target
            self.targetFiscalYear = targetFiscalYear
            self.targetQualifier = targetQualifier
            self.targetNote = targetNote
            self.figures = figures
        }
    }

    /// An edition's 正誤表: the edition it belongs to (2 for 第2版) and one entry per changed item.
    public struct Corrections: Sendable, Equatable {
        public var edition: Int
        public var entries: [Correction]

        public init(edition: Int, entries: [Correction]) {
            self.edition = edition
            self.entries = entries
        }
    }

    /// One entry of a 正誤表: an indicator's figure or a project's narrative, as printed before and after.
    public struct Correction: Sendable, Equatable {
        /// `figure` or `narrative`.
        public var kind: String
        /// The indicator's code (`1-1.1`) or the project's (`1-1`).
        public var code: String
        /// What the report calls the item: `1-1.1 <indicator name>`, or `1-1 進捗状況・今後の動向等`.
        public var name: String
        /// 誤: as the edition before printed it.
        public var old: String
        /// 正: as this edition prints it.
        public var new: String
        /// The reason given when the item was reopened.
        public var reason: String
        /// The display name of the approver who approved the correction.
        public var approvedBy: String

        public init(
            kind: String, code: String, name: String, old: String, new: String, reason: String, approvedBy: String
        ) {
            self.kind = kind
            self.code = code
            self.name = name
            self.old = old
            self.new = new
            self.reason = reason
            self.approvedBy = approvedBy
        }
    }

    /// Where a figure came from: who entered and approved it, and when it was submitted and approved. Display names;
    /// nil where unknown (figures loaded from files, or not yet submitted or approved).
    public struct Provenance: Sendable, Equatable {
        public var enteredBy: String?
        public var submittedAt: Date?
        public var approvedBy: String?
        public var approvedAt: Date?

        public init(enteredBy: String?, submittedAt: Date?, approvedBy: String?, approvedAt: Date?) {
            self.enteredBy = enteredBy
            self.submittedAt = submittedAt
            self.approvedBy = approvedBy
            self.approvedAt = approvedAt
        }
    }

    public struct Figure: Sendable, Equatable {
        public var period: PeriodCode
        public var status: FigureStatus
        /// Nil unless `status` is `reported`.
        public var value: ExactDecimal?
        /// The date the value is as of (令和3年7月 for the FY2021 Q1 report).
        public var asOf: CalendarDate
        public var note: String?
        /// The workflow state; anything but `approved` is pending.
        public var state: WorkflowState
        /// Who entered and approved the figure, and when: read for each indicator's latest figure (the one reports
        /// show and print the provenance of); nil for earlier figures and when not read from a database.
        public var provenance: Provenance?

        public init(
            period: PeriodCode, status: FigureStatus, value: ExactDecimal?, asOf: CalendarDate, note: String?,
            state: WorkflowState, provenance: Provenance? = nil
        ) {
            self.provenance = provenance
            self.period = period
            self.status = status
            self.value = value
            self.asOf = asOf
            self.note = note
            self.state = state
        }

        public var isApproved: Bool { state == .approved }
    }

    public struct Narrative: Sendable, Equatable {
        public var progress: String?
        public var progressHard: String?
        public var progressSoft: String?
        public var outlook: String?
        public var outlookHard: String?
        public var outlookSoft: String?
        public var state: WorkflowState

        public init(
            progress: String?, progressHard: String?, progressSoft: String?, outlook: String?,
            outlookHard: String?, outlookSoft: String?, state: WorkflowState
        ) {
            self.progress = progress
            self.progressHard = progressHard
            self.progressSoft = progressSoft
            self.outlook = outlook
            self.outlookHard = outlookHard
            self.outlookSoft = outlookSoft
            self.state = state
        }

        public var isApproved: Bool { state == .approved }
    }
}

extension ReportData {
    /// Builds report data straight from plan and actuals files, every figure approved.
    /// The demo data loads the same files, so this is what the database returns for them (with the same `history`),
    /// but for `auditChain`, which only a database has (give the one a database report read to compare the two).
    public static func fromFiles(
        plan: PlanFile, actuals: ActualsFile, period: PeriodCode, includePending: Bool = false,
        auditChain: AuditChainHead? = nil, history: History = .complete
    ) -> ReportData {
        let departments = Dictionary(plan.departments.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        let programs = Dictionary(plan.programs.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        let projects = plan.projects.map { p in
            let indicators = p.indicators.map { i in
                let all = actuals.figures
                    .filter { $0.indicator == i.code && $0.period <= period }
                    .sorted { $0.period < $1.period }
                    .map {
                        Figure(
                            period: $0.period, status: $0.status, value: $0.value, asOf: $0.asOf, note: $0.note,
                            state: .approved)
                    }
                let figures =
                    history == .complete
                    ? all : printedFigures(all, period: period, planStartFiscalYear: plan.planStartFiscalYear)
                return Indicator(
                    code: i.code, name: i.name, targetLabel: i.targetLabel, unit: i.unit, actualUnit: i.actualUnit,
                    kind: i.kind, valueType: i.valueType, direction: i.direction, decimals: i.decimals,
                    baseline: i.baseline, baselineAsOf: i.baselineAsOf, baselineLabel: i.baselineLabel,
                    target: i.target, targetFiscalYear: i.targetFiscalYear, targetQualifier: i.targetQualifier,
                    targetNote: i.targetNote, figures: figures)
            }
            let narrative = actuals.narratives.first { $0.project == p.code && $0.period == period }.map {
                Narrative(
                    progress: $0.progress, progressHard: $0.progressHard, progressSoft: $0.progressSoft,
                    outlook: $0.outlook, outlookHard: $0.outlookHard, outlookSoft: $0.outlookSoft, state: .approved)
            }
            return Project(
                code: p.code, programCode: p.program, programName: programs[p.program] ?? "", title: p.title,
                subtitle: p.subtitle, departmentCode: p.department, departmentName: departments[p.department] ?? "",
                targetHeading: p.targetHeading, overview: p.overview, mainInitiatives: p.mainInitiatives,
                indicators: indicators, narrative: narrative)
        }
        return ReportData(
            period: period, planStartFiscalYear: plan.planStartFiscalYear, includePending: includePending,
            projects: projects, auditChain: auditChain)
    }
}

extension ReportData {
    /// The same data with every figure's provenance removed: what ``fromFiles(plan:actuals:period:includePending:auditChain:)``
    /// gives, to compare a database's report with files, which know no provenance.
    public var withoutProvenance: ReportData {
        var data = self
        for p in data.projects.indices {
            for i in data.projects[p].indicators.indices {
                for f in data.projects[p].indicators[i].figures.indices {
                    data.projects[p].indicators[i].figures[f].provenance = nil
                }
            }
        }
        return data
    }
}
