import Foundation
import LibPQ

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
