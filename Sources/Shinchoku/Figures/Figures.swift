import Foundation
import LibPQ

extension ShinchokuService {
    // MARK: Reading figures

    /// The figures of a period in plan order, optionally of one project, one department or one state.
    /// Everyone signed in reads every department's figures.
    public func figures(
        period: PeriodCode, project: String? = nil, department: String? = nil, state: WorkflowState? = nil,
        as reader: ActorReference
    ) async throws -> [FigureInfo] {
        try await perform(as: reader) { tx in
            let c = tx.connection
            _ = try WorkflowGate.period(c, period, department: nil, lock: false)
            if let project, try c.query("SELECT 1 FROM projects WHERE code = \(project)").isEmpty {
                throw ServiceError.notFound("There is no project \(project) in the plan.")
            }
            if let department, try PlanStore.department(c, code: department) == nil {
                throw ServiceError.notFound("There is no department \(department).")
            }
            return try FigureStore.infos(c, period: period, project: project, department: department, state: state)
        }
    }

    /// One figure.
    public func figure(period: PeriodCode, indicator: String, as reader: ActorReference) async throws -> FigureInfo {
        try await perform(as: reader) { tx in
            try WorkflowGate.read(FigureSubject.self, tx, code: indicator, period: period)
        }
    }

    /// Every step of a figure's history in order: who did what when, the content at that moment, and comments.
    /// Empty while nothing has been entered.
    public func figureHistory(period: PeriodCode, indicator: String, as reader: ActorReference) async throws
        -> [WorkflowEventInfo]
    {
        try await figureHistory(period: period, indicator: indicator, page: nil, as: reader)
    }

    /// The steps of ``figureHistory(period:indicator:as:)`` in `page` (``WorkflowHistoryPage``).
    func figureHistory(
        period: PeriodCode, indicator: String, page: (offset: Int, limit: Int)?, as reader: ActorReference
    ) async throws -> [WorkflowEventInfo] {
        try await perform(as: reader) { tx in
            try WorkflowGate.history(FigureSubject.self, tx, code: indicator, period: period, page: page)
        }
    }

    // MARK: The clerk's steps

    /// Enters a figure, or corrects a draft or returned one (which becomes a draft). Clerks of the department
    /// that owns the indicator's project, while the period is open for it. Pass no version to create the
    /// figure and the current version to change it; every broken rule of the input is reported at once.
    public func saveFigure(
        period: PeriodCode, indicator: String, input: FigureInput, as clerk: ActorReference
    ) async throws -> FigureInfo {
        let step = WorkflowGate.lookupQuery(FigureSubject.self, code: indicator, period: period, mode: .entry)
        return try await perform(as: clerk, step: step) { tx in
            try WorkflowGate.save(FigureSubject.self, tx, code: indicator, period: period, input: input).info
        }
    }

    /// Sends a draft or returned figure for review. Clerks of the owning department, while the period is open
    /// for it. The figure is checked again, since the previous approved figure may have changed meanwhile.
    public func submitFigure(period: PeriodCode, indicator: String, version: Int, as clerk: ActorReference)
        async throws -> FigureInfo
    {
        let step = WorkflowGate.lookupQuery(FigureSubject.self, code: indicator, period: period, mode: .entry)
        return try await perform(as: clerk, step: step) { tx in
            try WorkflowGate.submit(FigureSubject.self, tx, code: indicator, period: period, version: version)
        }
    }

    // MARK: The approver's steps

    /// Approves a submitted figure: reports print it from now on. Approvers, in open or closed periods, for
    /// figures they did not enter themselves. The review is tied to the version and content approved.
    public func approveFigure(
        period: PeriodCode, indicator: String, version: Int, comment: String? = nil, as reviewer: ActorReference
    ) async throws -> FigureInfo {
        try await review(FigureSubject.self, .approve, indicator, period, version, comment, as: reviewer)
    }

    /// Returns a submitted figure to the clerk with a reason. Approvers, as for approval.
    public func returnFigure(
        period: PeriodCode, indicator: String, version: Int, reason: String, as reviewer: ActorReference
    ) async throws -> FigureInfo {
        try await review(FigureSubject.self, .return, indicator, period, version, reason, as: reviewer)
    }

    /// Reopens an approved figure for correction, with a reason; it becomes returned. Reports keep printing the
    /// approved content until a correction is approved. Approvers, as for approval.
    public func reopenFigure(
        period: PeriodCode, indicator: String, version: Int, reason: String, as reviewer: ActorReference
    ) async throws -> FigureInfo {
        try await review(FigureSubject.self, .reopen, indicator, period, version, reason, as: reviewer)
    }

}
