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
            let c = tx.connection
            let ind = try FigureStore.indicator(c, code: indicator, lockProject: false)
            _ = try WorkflowGate.period(c, period, department: nil, lock: false)
            guard let row = try FigureStore.figure(c, indicatorID: ind.id, period: period, forUpdate: false) else {
                throw ServiceError.notFound("No figure has been entered for \(indicator) in \(period) yet.")
            }
            return try FigureStore.info(c, id: row.id)
        }
    }

    /// Every step of a figure's history in order: who did what when, the content at that moment, and comments.
    /// Empty while nothing has been entered.
    public func figureHistory(period: PeriodCode, indicator: String, as reader: ActorReference) async throws
        -> [WorkflowEventInfo]
    {
        try await perform(as: reader) { tx in
            let c = tx.connection
            let ind = try FigureStore.indicator(c, code: indicator, lockProject: false)
            _ = try WorkflowGate.period(c, period, department: nil, lock: false)
            guard let row = try FigureStore.figure(c, indicatorID: ind.id, period: period, forUpdate: false) else {
                return []
            }
            return try WorkflowLog.history(c, .figure(id: row.id))
        }
    }

    // MARK: The clerk's steps

    /// Enters a figure, or corrects a draft or returned one (which becomes a draft). Clerks of the department
    /// that owns the indicator's project, while the period is open for it. Pass no version to create the
    /// figure and the current version to change it; every broken rule of the input is reported at once.
    public func saveFigure(
        period: PeriodCode, indicator: String, input: FigureInput, as clerk: ActorReference
    ) async throws -> FigureInfo {
        try await perform(as: clerk) { tx in
            try FigureStore.save(tx, period: period, indicator: indicator, input: input).figure
        }
    }

    /// Sends a draft or returned figure for review. Clerks of the owning department, while the period is open
    /// for it. The figure is checked again, since the previous approved figure may have changed meanwhile.
    public func submitFigure(period: PeriodCode, indicator: String, version: Int, as clerk: ActorReference)
        async throws -> FigureInfo
    {
        try await perform(as: clerk) { tx in
            try tx.require(.clerk, to: "submit figures")
            let c = tx.connection
            let ind = try FigureStore.indicator(c, code: indicator, lockProject: true)
            let window = try WorkflowGate.period(c, period, department: ind.owner.departmentID, lock: true)
            try WorkflowGate.requireEntry(tx, owner: ind.owner, period: window, what: "figures")
            let current = try FigureStore.existing(c, ind, period, forUpdate: true)
            try WorkflowGate.checkState(.submit, from: current.state, noun: "figure")
            try WorkflowGate.checkVersion(version, current: current.version, noun: "figure")
            try FigureRules.check(
                current.content, of: ind, in: window, previous: FigureStore.previousApproved(c, ind, period))
            return try FigureStore.transition(tx, .submit, ind, period, current, comment: nil)
        }
    }

    // MARK: The approver's steps

    /// Approves a submitted figure: reports print it from now on. Approvers, in open or closed periods, for
    /// figures they did not enter themselves. The review is tied to the version and content approved.
    public func approveFigure(
        period: PeriodCode, indicator: String, version: Int, comment: String? = nil, as reviewer: ActorReference
    ) async throws -> FigureInfo {
        try await perform(as: reviewer) { tx in
            try tx.require(.approver, to: "approve figures")
            let window = try WorkflowGate.period(tx.connection, period, department: nil, lock: true)
            try WorkflowGate.requireReview(window)
            let (ind, current) = try FigureStore.forReview(tx, .approve, indicator, period, version: version)
            return try FigureStore.transition(
                tx, .approve, ind, period, current, comment: EnteredText.nonBlank(comment))
        }
    }

    /// Returns a submitted figure to the clerk with a reason. Approvers, as for approval.
    public func returnFigure(
        period: PeriodCode, indicator: String, version: Int, reason: String, as reviewer: ActorReference
    ) async throws -> FigureInfo {
        try await perform(as: reviewer) { tx in
            try tx.require(.approver, to: "return figures")
            let reason = try WorkflowGate.requireReason(reason, for: .return)
            let window = try WorkflowGate.period(tx.connection, period, department: nil, lock: true)
            try WorkflowGate.requireReview(window)
            let (ind, current) = try FigureStore.forReview(tx, .return, indicator, period, version: version)
            return try FigureStore.transition(tx, .return, ind, period, current, comment: reason)
        }
    }

    /// Reopens an approved figure for correction, with a reason; it becomes returned. Reports keep printing the
    /// approved content until a correction is approved. Approvers, as for approval.
    public func reopenFigure(
        period: PeriodCode, indicator: String, version: Int, reason: String, as reviewer: ActorReference
    ) async throws -> FigureInfo {
        try await perform(as: reviewer) { tx in
            try tx.require(.approver, to: "reopen figures")
            let reason = try WorkflowGate.requireReason(reason, for: .reopen)
            let window = try WorkflowGate.period(tx.connection, period, department: nil, lock: true)
            try WorkflowGate.requireReview(window)
            let (ind, current) = try FigureStore.forReview(tx, .reopen, indicator, period, version: version)
            return try FigureStore.transition(tx, .reopen, ind, period, current, comment: reason)
        }
    }

    /// Approves several submitted figures of one period, all or nothing. When any cannot be approved, nothing
    /// is, and the error lists every figure that failed (field: the indicator's code) with the reason; its code
    /// is that of the first failure in the list's order.
    public func bulkApprove(
        period: PeriodCode, items: [(indicator: String, version: Int)], comment: String? = nil,
        as reviewer: ActorReference
    ) async throws -> [FigureInfo] {
        try await perform(as: reviewer) { tx in
            try tx.require(.approver, to: "approve figures")
            guard !items.isEmpty else { throw ServiceError.invalid("items", "list at least one figure to approve") }
            let window = try WorkflowGate.period(tx.connection, period, department: nil, lock: true)
            try WorkflowGate.requireReview(window)

            // Every figure is checked and locked before any is written. Locking in code order means two bulk
            // approvals of overlapping lists wait for each other instead of deadlocking.
            let order = items.indices.sorted { (items[$0].indicator, $0) < (items[$1].indicator, $1) }
            var seen = Set<String>()
            var ready: [(index: Int, indicator: IndicatorRef, figure: FigureRow)] = []
            var failures: [(index: Int, indicator: String, error: ServiceError)] = []
            for i in order {
                let item = items[i]
                do {
                    guard seen.insert(item.indicator).inserted else {
                        throw ServiceError.invalid(item.indicator, "is listed twice")
                    }
                    let (ind, current) = try FigureStore.forReview(
                        tx, .approve, item.indicator, period, version: item.version)
                    ready.append((i, ind, current))
                } catch let error as ServiceError {
                    failures.append((i, item.indicator, error))
                }
            }
            if !failures.isEmpty {
                failures.sort { $0.index < $1.index }
                let plural = items.count == 1 ? "figure was" : "figures were"
                throw ServiceError(
                    failures[0].error.code,
                    "None of the \(items.count) \(plural) approved: \(failures.count) cannot be approved.",
                    fieldErrors: failures.map { f in
                        let detail = f.error.fieldErrors.map(\.message).joined(separator: "; ")
                        return .init(field: f.indicator, message: detail.isEmpty ? f.error.message : detail)
                    })
            }
            var approved: [Int: FigureInfo] = [:]
            for r in ready {
                approved[r.index] = try FigureStore.transition(
                    tx, .approve, r.indicator, period, r.figure, comment: EnteredText.nonBlank(comment))
            }
            return items.indices.map { approved[$0]! }
        }
    }
}
