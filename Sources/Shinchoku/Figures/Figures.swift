import Foundation
import LibPQ

/// What a clerk enters for one indicator in one period.
public struct FigureInput: Sendable, Equatable, Codable {
    /// Required when `status` is `reported`, absent otherwise.
    public var value: ExactDecimal?
    public var status: FigureStatus
    /// Required when there is no value (未公表, －), and to explain a fall or a jump.
    public var note: String?
    /// The date the value is as of; nil means the period's last day.
    public var asOf: CalendarDate?
    /// Nil to create the figure; the current version to change it.
    public var version: Int?

    public init(
        value: ExactDecimal?, status: FigureStatus = .reported, note: String? = nil, asOf: CalendarDate? = nil,
        version: Int? = nil
    ) {
        self.value = value
        self.status = status
        self.note = note
        self.asOf = asOf
        self.version = version
    }
}

/// What a figure says at one moment: the part a review approves and a report prints.
public struct FigureContent: Sendable, Equatable, Codable {
    public var status: FigureStatus
    /// Nil unless `status` is `reported`.
    public var value: ExactDecimal?
    public var note: String?
    public var asOf: CalendarDate

    public init(status: FigureStatus, value: ExactDecimal?, note: String?, asOf: CalendarDate) {
        self.status = status
        self.value = value
        self.note = note
        self.asOf = asOf
    }
}

/// A figure as users see it: its content, where it is in review, and the last approved content.
public struct FigureInfo: Sendable, Equatable, Codable {
    public var indicator: String
    public var indicatorName: String
    public var project: String
    /// The department that owns the project.
    public var department: String
    public var period: PeriodCode
    public var value: ExactDecimal?
    public var status: FigureStatus
    public var note: String?
    public var asOf: CalendarDate
    public var state: WorkflowState
    /// Pass it back to change, submit or review the figure.
    public var version: Int
    /// True while a reopened figure differs from what was approved.
    public var changedSinceApproval: Bool
    /// The login of the clerk who last saved it.
    public var enteredBy: String
    public var updatedAt: Date
    /// The last approved content; reports print it, also while a reopened figure is being corrected.
    public var approvedValue: ExactDecimal?
    public var approvedStatus: FigureStatus?
    public var approvedNote: String?
    public var approvedAsOf: CalendarDate?
    public var approvedAt: Date?
    /// The login of the approver.
    public var approvedBy: String?

    /// The current content.
    public var content: FigureContent { FigureContent(status: status, value: value, note: note, asOf: asOf) }
}

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

/// An indicator as figure rules need it.
struct IndicatorRef {
    let id: Int
    let code: String
    let name: String
    let kind: MeasureKind
    let valueType: ValueType
    let decimals: Int
    let owner: ProjectOwner
}

/// A figure row as the workflow needs it.
struct FigureRow {
    let id: Int
    let state: WorkflowState
    let version: Int
    let content: FigureContent
    let enteredBy: Int
    /// Nil until first approved.
    let approved: FigureContent?
    let changedSinceApproval: Bool
}

/// The latest approved value of an earlier period, which a new figure is compared against.
struct PreviousFigure {
    let period: PeriodCode
    let value: ExactDecimal
}

/// What the audit trail keeps of a figure: its content, where it is in review, and its version.
struct FigureAuditRecord: Encodable {
    var status: FigureStatus
    var value: ExactDecimal?
    var note: String?
    var asOf: CalendarDate
    var state: WorkflowState
    var version: Int
    var changedSinceApproval: Bool

    init(_ row: FigureRow) {
        (status, value, note, asOf) = (row.content.status, row.content.value, row.content.note, row.content.asOf)
        (state, version, changedSinceApproval) = (row.state, row.version, row.changedSinceApproval)
    }

    init(_ info: FigureInfo) {
        (status, value, note, asOf) = (info.status, info.value, info.note, info.asOf)
        (state, version, changedSinceApproval) = (info.state, info.version, info.changedSinceApproval)
    }
}

/// The rules a figure's content must follow.
enum FigureRules {
    /// The longest note, in characters.
    static let maxNoteLength = 2000
    /// How long after its period a figure may be as of: the prefecture reports a quarter some weeks later.
    static let asOfGraceDays = 92

    /// Throws `invalid` listing every rule the content breaks for this indicator, period and previous figure.
    static func check(
        _ content: FigureContent, of indicator: IndicatorRef, in period: PeriodWindow, previous: PreviousFigure?
    ) throws {
        var v = Validation()
        let name = indicator.name
        switch content.status {
        case .reported:
            v.require(content.value != nil, "value", "is required when the status is reported")
        case .notPublished, .notAvailable:
            let label = content.status == .notPublished ? "not_published (未公表)" : "not_available (－)"
            v.require(content.value == nil, "value", "must be empty when the status is \(label)")
            v.require(content.note != nil, "note", "is required when the status is \(label): say why there is no value")
        }
        if let value = content.value {
            checkValue(value, of: indicator, into: &v)
            if content.note == nil, let previous {
                let (new, old) = (value.decimal, previous.value.decimal)
                if indicator.kind == .cumulative && new < old {
                    v.add(
                        "note",
                        "is required to explain why \(name) fell below the approved figure of \(previous.period) "
                            + "(\(previous.value)): a cumulative figure does not normally fall")
                }
                if old > 0 && new > old * 3 {
                    v.add(
                        "note",
                        "is required to explain why \(name) is more than 3 times the approved figure of "
                            + "\(previous.period) (\(previous.value))")
                }
            }
        }
        let latest = period.endsOn.adding(days: asOfGraceDays)
        v.require(
            content.asOf >= period.startsOn && content.asOf <= latest, "as_of",
            "must lie between \(period.startsOn) and \(latest) (the period and the \(asOfGraceDays) days after it)")
        if let note = content.note {
            let length = EnteredText.length(note)
            v.require(
                length <= maxNoteLength, "note", "must be at most \(maxNoteLength) characters (it has \(length))")
        }
        try v.check()
    }

    private static func checkValue(_ value: ExactDecimal, of indicator: IndicatorRef, into v: inout Validation) {
        let name = indicator.name
        v.require(!value.isNegative, "value", "must not be negative for \(name)")
        let isWhole = value.text.split(separator: ".").dropFirst().allSatisfy { $0.allSatisfy { $0 == "0" } }
        switch indicator.valueType {
        case .rate:
            v.require(value.decimal <= 100, "value", "a rate must lie between 0 and 100 for \(name)")
        case .count:
            v.require(isWhole, "value", "must be a whole number for \(name), which counts")
        case .quantity:
            break
        }
        // A fractional count is already reported as such; say nothing more about its decimals.
        if value.scale > indicator.decimals && (indicator.valueType != .count || isWhole) {
            switch indicator.decimals {
            case 0: v.add("value", "must be a whole number without decimal places for \(name)")
            case 1: v.add("value", "at most 1 decimal place for \(name)")
            case let n: v.add("value", "at most \(n) decimal places for \(name)")
            }
        }
    }
}

/// SQL for the figures table.
enum FigureStore {
    static let concurrentChange = ServiceError.conflict(
        "Someone else changed this figure at the same time. Reload and try again.")

    /// The entity id of a figure in the audit trail.
    static func auditID(_ period: PeriodCode, _ indicator: String) -> String { "\(period)/\(indicator)" }

    /// An indicator and its project's owner. With `lockProject`, the project row is share-locked so that a
    /// transfer to another department cannot slip in between the ownership check and the write.
    static func indicator(_ c: Connection, code: String, lockProject: Bool) throws -> IndicatorRef {
        let lock: SQLQuery = lockProject ? " FOR SHARE OF p" : ""
        guard
            let r = try c.query(
                """
                SELECT i.id, i.code, i.name, i.kind::text, i.value_type::text, i.decimals,
                       p.id, p.code, p.department_id, d.code
                FROM indicators i JOIN projects p ON p.id = i.project_id JOIN departments d ON d.id = p.department_id
                WHERE i.code = \(code)
                """ + lock
            ).first
        else { throw ServiceError.notFound("There is no indicator \(code) in the plan.") }
        return IndicatorRef(
            id: try r.decode(Int.self, at: 0), code: try r.decode(String.self, at: 1),
            name: try r.decode(String.self, at: 2), kind: try PlanStore.enumValue(r, 3),
            valueType: try PlanStore.enumValue(r, 4), decimals: try r.decode(Int.self, at: 5),
            owner: ProjectOwner(
                projectID: try r.decode(Int.self, at: 6), projectCode: try r.decode(String.self, at: 7),
                departmentID: try r.decode(Int.self, at: 8), departmentCode: try r.decode(String.self, at: 9)))
    }

    /// The figure of an indicator in a period, if entered; with `forUpdate`, locked until the transaction ends.
    static func figure(_ c: Connection, indicatorID: Int, period: PeriodCode, forUpdate: Bool) throws -> FigureRow? {
        let lock: SQLQuery = forUpdate ? " FOR UPDATE" : ""
        guard
            let r = try c.query(
                """
                SELECT id, state::text, version, status::text, value, note, as_of, entered_by,
                       approved_at IS NOT NULL, approved_status::text, approved_value, approved_note, approved_as_of,
                       changed_since_approval
                FROM figures WHERE indicator_id = \(indicatorID) AND period_code = \(period.description)
                """ + lock
            ).first
        else { return nil }
        var approved: FigureContent?
        if try r.decode(Bool.self, at: 8) {
            approved = FigureContent(
                status: try PlanStore.enumValue(r, 9), value: try r.decode(ExactDecimal?.self, at: 10),
                note: try r.decode(String?.self, at: 11), asOf: try r.decode(CalendarDate.self, at: 12))
        }
        return FigureRow(
            id: try r.decode(Int.self, at: 0), state: try PlanStore.enumValue(r, 1),
            version: try r.decode(Int.self, at: 2),
            content: FigureContent(
                status: try PlanStore.enumValue(r, 3), value: try r.decode(ExactDecimal?.self, at: 4),
                note: try r.decode(String?.self, at: 5), asOf: try r.decode(CalendarDate.self, at: 6)),
            enteredBy: try r.decode(Int.self, at: 7), approved: approved,
            changedSinceApproval: try r.decode(Bool.self, at: 13))
    }

    /// Like ``figure(_:indicatorID:period:forUpdate:)``, but `not_found` when nothing has been entered.
    static func existing(_ c: Connection, _ ind: IndicatorRef, _ period: PeriodCode, forUpdate: Bool) throws
        -> FigureRow
    {
        guard let row = try figure(c, indicatorID: ind.id, period: period, forUpdate: forUpdate) else {
            throw ServiceError.notFound("No figure has been entered for \(ind.code) in \(period) yet.")
        }
        return row
    }

    /// The figure an approver is about to review, locked, once the reviewer may take the step on it.
    /// The caller has checked the role and the period.
    static func forReview(
        _ tx: Transaction, _ action: WorkflowAction, _ indicator: String, _ period: PeriodCode, version: Int
    ) throws -> (IndicatorRef, FigureRow) {
        let ind = try Self.indicator(tx.connection, code: indicator, lockProject: false)
        let current = try existing(tx.connection, ind, period, forUpdate: true)
        try WorkflowGate.requireNotOwnWork(tx, .figure(id: current.id), enteredBy: current.enteredBy)
        try WorkflowGate.checkState(action, from: current.state, noun: "figure")
        try WorkflowGate.checkVersion(version, current: current.version, noun: "figure")
        return (ind, current)
    }

    /// What ``save(_:period:indicator:input:existing:)`` does with a figure that exists already.
    enum SaveExisting {
        /// Go on to check the state and the version and save: what ``ShinchokuService/saveFigure`` does.
        case save
        /// Leave the figure as it is: nothing is written.
        case keep
    }

    /// Enters a figure or corrects a draft or returned one as the acting clerk, in the caller's transaction:
    /// the one place for the rules of ``ShinchokuService/saveFigure(period:indicator:input:as:)``, which a
    /// figure import follows for each row. Checks the role, the owning department and the period, the figure's
    /// state and version and its content; writes the figure, its workflow step and its audit event.
    ///
    /// `existing` sees the locked current figure, if there is one, once the clerk may enter it and before its
    /// state and version are checked: it may keep the figure as it is (`saved` is then false) or throw to refuse
    /// the save. ``ShinchokuService/saveFigure`` always saves.
    static func save(
        _ tx: Transaction, period: PeriodCode, indicator: String, input: FigureInput,
        existing: (FigureRow) throws -> SaveExisting = { _ in .save }
    ) throws -> (figure: FigureInfo, saved: Bool) {
        try tx.require(.clerk, to: "enter figures")
        let c = tx.connection
        let actorID = try WorkflowGate.actorID(tx)
        let ind = try Self.indicator(c, code: indicator, lockProject: true)
        let window = try WorkflowGate.period(c, period, department: ind.owner.departmentID, lock: true)
        try WorkflowGate.requireEntry(tx, owner: ind.owner, period: window, what: "figures")
        let current = try figure(c, indicatorID: ind.id, period: period, forUpdate: true)
        if let current {
            if try existing(current) == .keep { return (try info(c, id: current.id), false) }
            try WorkflowGate.checkState(.save, from: current.state, noun: "figure")
            try WorkflowGate.checkVersion(input.version, current: current.version, noun: "figure")
        } else if let version = input.version {
            throw ServiceError.conflict(
                "No figure for \(indicator) in \(period) exists yet, so version \(version) cannot be changed; "
                    + "save it without a version to create it.")
        }
        let content = FigureContent(
            status: input.status, value: input.value, note: EnteredText.nonBlank(input.note),
            asOf: input.asOf ?? period.endDate)
        try FigureRules.check(content, of: ind, in: window, previous: previousApproved(c, ind, period))

        let id: Int
        let version: Int
        if let current {
            // Changed means: what reports print would change if this were approved.
            let changed = current.approved.map { $0 != content } ?? false
            let updated = try c.execute(
                """
                UPDATE figures SET status = \(content.status.rawValue), value = \(content.value),
                    note = \(content.note), as_of = \(content.asOf), state = 'draft', version = version + 1,
                    entered_by = \(actorID), changed_since_approval = \(changed), updated_at = now()
                WHERE id = \(current.id) AND version = \(current.version)
                """)
            guard updated == 1 else { throw concurrentChange }
            (id, version) = (current.id, current.version + 1)
        } else {
            // Two clerks creating the same figure at once: the second finds the first's row and gets a conflict.
            guard
                let row = try c.query(
                    """
                    INSERT INTO figures (indicator_id, period_code, status, value, note, as_of, entered_by)
                    VALUES (\(ind.id), \(period.description), \(content.status.rawValue), \(content.value),
                            \(content.note), \(content.asOf), \(actorID))
                    ON CONFLICT (indicator_id, period_code) DO NOTHING
                    RETURNING id
                    """
                ).first
            else { throw concurrentChange }
            (id, version) = (try row.decode(Int.self, at: 0), 1)
        }
        try WorkflowLog.record(
            tx, .figure(id: id), action: .save, from: current?.state, version: version,
            content: WorkflowJSON.encode(content), comment: nil)
        let after = try info(c, id: id)
        try tx.audit(
            "figure.save", entity: .figure, id: auditID(period, indicator),
            before: current.map(FigureAuditRecord.init), after: FigureAuditRecord(after))
        return (after, true)
    }

    /// Takes a submit or review step on a locked, checked figure: moves it, records the step and its audit event.
    static func transition(
        _ tx: Transaction, _ action: WorkflowAction, _ ind: IndicatorRef, _ period: PeriodCode, _ current: FigureRow,
        comment: String?
    ) throws -> FigureInfo {
        let c = tx.connection
        let actorID = try WorkflowGate.actorID(tx)
        let to = action.resultingState.rawValue
        let updated: Int
        if action == .approve {
            updated = try c.execute(
                """
                UPDATE figures SET state = \(to), version = version + 1, approved_status = status,
                    approved_value = value, approved_note = note, approved_as_of = as_of, approved_at = now(),
                    approved_by = \(actorID), changed_since_approval = false, updated_at = now()
                WHERE id = \(current.id) AND version = \(current.version)
                """)
        } else {
            // A reopen keeps the approved snapshot: reports go on printing it until a correction is approved.
            updated = try c.execute(
                """
                UPDATE figures SET state = \(to), version = version + 1, updated_at = now()
                WHERE id = \(current.id) AND version = \(current.version)
                """)
        }
        guard updated == 1 else { throw concurrentChange }
        try WorkflowLog.record(
            tx, .figure(id: current.id), action: action, from: current.state, version: current.version + 1,
            content: WorkflowJSON.encode(current.content), comment: comment, reviewedVersion: current.version)
        let after = try info(c, id: current.id)
        try tx.audit(
            "figure.\(action.rawValue)", entity: .figure, id: auditID(period, ind.code),
            before: FigureAuditRecord(current), after: FigureAuditRecord(after), reason: comment)
        return after
    }

    /// The latest approved value of an earlier period, for the fall and jump rules.
    static func previousApproved(_ c: Connection, _ ind: IndicatorRef, _ period: PeriodCode) throws -> PreviousFigure? {
        // Period codes (YYYYQn, checked by the schema) sort in time order.
        guard
            let r = try c.query(
                """
                SELECT period_code, approved_value FROM figures
                WHERE indicator_id = \(ind.id) AND period_code < \(period.description) AND approved_value IS NOT NULL
                ORDER BY period_code DESC LIMIT 1
                """
            ).first
        else { return nil }
        return PreviousFigure(period: try WorkflowLog.period(r, 0), value: try r.decode(ExactDecimal.self, at: 1))
    }

    static func info(_ c: Connection, id: Int) throws -> FigureInfo {
        try infos(c, where: "f.id = \(id)")[0]
    }

    static func infos(
        _ c: Connection, period: PeriodCode, project: String?, department: String?, state: WorkflowState?
    ) throws -> [FigureInfo] {
        try infos(
            c,
            where: """
                f.period_code = \(period.description) AND (\(project)::text IS NULL OR p.code = \(project))
                AND (\(department)::text IS NULL OR d.code = \(department))
                AND (\(state?.rawValue)::text IS NULL OR f.state::text = \(state?.rawValue))
                """)
    }

    private static func infos(_ c: Connection, where condition: SQLQuery) throws -> [FigureInfo] {
        let rows = try c.query(
            """
            SELECT i.code, i.name, p.code, d.code, f.period_code, f.value, f.status::text, f.note, f.as_of,
                   f.state::text, f.version, f.changed_since_approval, eu.login, f.updated_at,
                   f.approved_value, f.approved_status::text, f.approved_note, f.approved_as_of, f.approved_at, au.login
            FROM figures f
            JOIN indicators i ON i.id = f.indicator_id
            JOIN projects p ON p.id = i.project_id
            JOIN departments d ON d.id = p.department_id
            JOIN users eu ON eu.id = f.entered_by
            LEFT JOIN users au ON au.id = f.approved_by
            WHERE \(condition)
            ORDER BY p.position, i.position, f.period_code
            """)
        return try rows.map { r in
            FigureInfo(
                indicator: try r.decode(String.self, at: 0), indicatorName: try r.decode(String.self, at: 1),
                project: try r.decode(String.self, at: 2), department: try r.decode(String.self, at: 3),
                period: try WorkflowLog.period(r, 4), value: try r.decode(ExactDecimal?.self, at: 5),
                status: try PlanStore.enumValue(r, 6), note: try r.decode(String?.self, at: 7),
                asOf: try r.decode(CalendarDate.self, at: 8), state: try PlanStore.enumValue(r, 9),
                version: try r.decode(Int.self, at: 10), changedSinceApproval: try r.decode(Bool.self, at: 11),
                enteredBy: try r.decode(String.self, at: 12), updatedAt: try r.decode(Date.self, at: 13),
                approvedValue: try r.decode(ExactDecimal?.self, at: 14),
                approvedStatus: try r.decode(String?.self, at: 15).flatMap(FigureStatus.init(rawValue:)),
                approvedNote: try r.decode(String?.self, at: 16),
                approvedAsOf: try r.decode(CalendarDate?.self, at: 17), approvedAt: try r.decode(Date?.self, at: 18),
                approvedBy: try r.decode(String?.self, at: 19))
        }
    }
}
