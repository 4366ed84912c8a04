import Foundation
import LibPQ

/// SQL for the narratives table.
enum NarrativeStore {
    static let concurrentChange = ServiceError.conflict(
        "Someone else changed this narrative at the same time. Reload and try again.")

    /// The entity id of a narrative in the audit trail.
    static func auditID(_ period: PeriodCode, _ project: String) -> String { "\(period)/\(project)" }

    /// A project and its owner. With `lock`, the project row is share-locked so that a transfer to another
    /// department cannot slip in between the ownership check and the write.
    static func project(_ c: Connection, code: String, lock: Bool) throws -> ProjectOwner {
        let forShare: SQLQuery = lock ? " FOR SHARE OF p" : ""
        guard
            let r = try c.query(
                """
                SELECT p.id, p.code, p.department_id, d.code
                FROM projects p JOIN departments d ON d.id = p.department_id
                WHERE p.code = \(code)
                """ + forShare
            ).first
        else { throw ServiceError.notFound("There is no project \(code) in the plan.") }
        return ProjectOwner(
            projectID: try r.decode(Int.self, at: 0), projectCode: try r.decode(String.self, at: 1),
            departmentID: try r.decode(Int.self, at: 2), departmentCode: try r.decode(String.self, at: 3))
    }

    /// The narrative of a project in a period, if written; with `forUpdate`, locked until the transaction ends.
    static func narrative(_ c: Connection, projectID: Int, period: PeriodCode, forUpdate: Bool) throws
        -> NarrativeRow?
    {
        let lock: SQLQuery = forUpdate ? " FOR UPDATE" : ""
        guard
            let r = try c.query(
                """
                SELECT id, state::text, version, entered_by, approved_content, changed_since_approval,
                       progress, progress_hard, progress_soft, outlook, outlook_hard, outlook_soft
                FROM narratives WHERE project_id = \(projectID) AND period_code = \(period.description)
                """ + lock
            ).first
        else { return nil }
        return NarrativeRow(
            id: try r.decode(Int.self, at: 0), state: try PlanStore.enumValue(r, 1),
            version: try r.decode(Int.self, at: 2),
            content: try NarrativeContent(row: r, from: 6), enteredBy: try r.decode(Int.self, at: 3),
            approved: try r.decode(RawJSON?.self, at: 4).map { try WorkflowJSON.decode(NarrativeContent.self, $0) },
            changedSinceApproval: try r.decode(Bool.self, at: 5))
    }

    /// Like ``narrative(_:projectID:period:forUpdate:)``, but `not_found` when nothing has been written.
    static func existing(_ c: Connection, _ owner: ProjectOwner, _ period: PeriodCode, forUpdate: Bool) throws
        -> NarrativeRow
    {
        guard let row = try narrative(c, projectID: owner.projectID, period: period, forUpdate: forUpdate) else {
            throw ServiceError.notFound("No narrative has been written for \(owner.projectCode) in \(period) yet.")
        }
        return row
    }

    /// The narrative an approver is about to review, locked, once the reviewer may take the step on it.
    /// The caller has checked the role and the period.
    static func forReview(
        _ tx: Transaction, _ action: WorkflowAction, _ project: String, _ period: PeriodCode, version: Int
    ) throws -> (ProjectOwner, NarrativeRow) {
        let owner = try Self.project(tx.connection, code: project, lock: false)
        let current = try existing(tx.connection, owner, period, forUpdate: true)
        try WorkflowGate.requireNotOwnWork(tx, .narrative(id: current.id), enteredBy: current.enteredBy)
        try WorkflowGate.checkState(action, from: current.state, noun: "narrative")
        try WorkflowGate.checkVersion(version, current: current.version, noun: "narrative")
        return (owner, current)
    }

    /// Takes a submit or review step on a locked, checked narrative: moves it, records the step and its audit event.
    static func transition(
        _ tx: Transaction, _ action: WorkflowAction, _ owner: ProjectOwner, _ period: PeriodCode,
        _ current: NarrativeRow, comment: String?
    ) throws -> NarrativeInfo {
        let c = tx.connection
        let actorID = try WorkflowGate.actorID(tx)
        let to = action.resultingState.rawValue
        let content = try WorkflowJSON.encode(current.content)
        let updated: Int
        if action == .approve {
            updated = try c.execute(
                """
                UPDATE narratives SET state = \(to), version = version + 1, approved_content = \(content),
                    approved_at = now(), approved_by = \(actorID), changed_since_approval = false, updated_at = now()
                WHERE id = \(current.id) AND version = \(current.version)
                """)
        } else {
            // A reopen keeps the approved snapshot: reports go on printing it until a correction is approved.
            updated = try c.execute(
                """
                UPDATE narratives SET state = \(to), version = version + 1, updated_at = now()
                WHERE id = \(current.id) AND version = \(current.version)
                """)
        }
        guard updated == 1 else { throw concurrentChange }
        try WorkflowLog.record(
            tx, .narrative(id: current.id), action: action, from: current.state, version: current.version + 1,
            content: content, comment: comment, reviewedVersion: current.version)
        let after = try info(c, id: current.id)
        try tx.audit(
            "narrative.\(action.rawValue)", entity: .narrative, id: auditID(period, owner.projectCode),
            before: NarrativeAuditRecord(current), after: NarrativeAuditRecord(after), reason: comment)
        return after
    }

    static func info(_ c: Connection, id: Int) throws -> NarrativeInfo {
        try infos(c, where: "n.id = \(id)")[0]
    }

    static func infos(_ c: Connection, where condition: SQLQuery) throws -> [NarrativeInfo] {
        let rows = try c.query(
            """
            SELECT p.code, p.title, d.code, n.period_code,
                   n.progress, n.progress_hard, n.progress_soft, n.outlook, n.outlook_hard, n.outlook_soft,
                   n.state::text, n.version, n.changed_since_approval, eu.login, n.updated_at,
                   n.approved_content, n.approved_at, au.login
            FROM narratives n
            JOIN projects p ON p.id = n.project_id
            JOIN departments d ON d.id = p.department_id
            JOIN users eu ON eu.id = n.entered_by
            LEFT JOIN users au ON au.id = n.approved_by
            WHERE \(condition)
            ORDER BY p.position, n.period_code
            """)
        return try rows.map { r in
            let content = try NarrativeContent(row: r, from: 4)
            return NarrativeInfo(
                project: try r.decode(String.self, at: 0), projectTitle: try r.decode(String.self, at: 1),
                department: try r.decode(String.self, at: 2), period: try WorkflowLog.period(r, 3),
                progress: content.progress, progressHard: content.progressHard, progressSoft: content.progressSoft,
                outlook: content.outlook, outlookHard: content.outlookHard, outlookSoft: content.outlookSoft,
                state: try PlanStore.enumValue(r, 10), version: try r.decode(Int.self, at: 11),
                changedSinceApproval: try r.decode(Bool.self, at: 12), enteredBy: try r.decode(String.self, at: 13),
                updatedAt: try r.decode(Date.self, at: 14),
                approvedContent: try r.decode(RawJSON?.self, at: 15).map {
                    try WorkflowJSON.decode(NarrativeContent.self, $0)
                },
                approvedAt: try r.decode(Date?.self, at: 16), approvedBy: try r.decode(String?.self, at: 17))
        }
    }
}
