import Foundation
import LibPQ

/// What a clerk writes for one project in one period: progress (進捗状況) and outlook (今後の動向等), each
/// either as one text or split into hard (ハード面) and soft (ソフト面) measures.
public struct NarrativeInput: Sendable, Equatable, Codable {
    public var progress: String?
    public var progressHard: String?
    public var progressSoft: String?
    public var outlook: String?
    public var outlookHard: String?
    public var outlookSoft: String?
    /// Nil to create the narrative; the current version to change it.
    public var version: Int?

    public init(
        progress: String? = nil, progressHard: String? = nil, progressSoft: String? = nil, outlook: String? = nil,
        outlookHard: String? = nil, outlookSoft: String? = nil, version: Int? = nil
    ) {
        self.progress = progress
        self.progressHard = progressHard
        self.progressSoft = progressSoft
        self.outlook = outlook
        self.outlookHard = outlookHard
        self.outlookSoft = outlookSoft
        self.version = version
    }
}

/// The texts of a narrative at one moment: the part a review approves and a report prints.
public struct NarrativeContent: Sendable, Equatable, Codable {
    public var progress: String?
    public var progressHard: String?
    public var progressSoft: String?
    public var outlook: String?
    public var outlookHard: String?
    public var outlookSoft: String?

    public init(
        progress: String? = nil, progressHard: String? = nil, progressSoft: String? = nil, outlook: String? = nil,
        outlookHard: String? = nil, outlookSoft: String? = nil
    ) {
        self.progress = progress
        self.progressHard = progressHard
        self.progressSoft = progressSoft
        self.outlook = outlook
        self.outlookHard = outlookHard
        self.outlookSoft = outlookSoft
    }

    /// True when no text is written.
    public var isEmpty: Bool { texts.allSatisfy { $0.1 == nil } }

    /// Each text with its field name, in the order of the report.
    var texts: [(String, String?)] {
        [
            ("progress", progress), ("progress_hard", progressHard), ("progress_soft", progressSoft),
            ("outlook", outlook), ("outlook_hard", outlookHard), ("outlook_soft", outlookSoft),
        ]
    }

    /// Reads the six text columns starting at `first`, in the order of ``texts``.
    init(row r: Row, from first: Int) throws {
        self.init(
            progress: try r.decode(String?.self, at: first), progressHard: try r.decode(String?.self, at: first + 1),
            progressSoft: try r.decode(String?.self, at: first + 2), outlook: try r.decode(String?.self, at: first + 3),
            outlookHard: try r.decode(String?.self, at: first + 4),
            outlookSoft: try r.decode(String?.self, at: first + 5))
    }
}

/// A narrative as users see it: its texts, where it is in review, and the last approved texts.
public struct NarrativeInfo: Sendable, Equatable, Codable {
    public var project: String
    public var projectTitle: String
    /// The department that owns the project.
    public var department: String
    public var period: PeriodCode
    public var progress: String?
    public var progressHard: String?
    public var progressSoft: String?
    public var outlook: String?
    public var outlookHard: String?
    public var outlookSoft: String?
    public var state: WorkflowState
    /// Pass it back to change, submit or review the narrative.
    public var version: Int
    /// True while a reopened narrative differs from what was approved.
    public var changedSinceApproval: Bool
    /// The login of the clerk who last saved it.
    public var enteredBy: String
    public var updatedAt: Date
    /// The last approved texts; reports print them, also while a reopened narrative is being corrected.
    public var approvedContent: NarrativeContent?
    public var approvedAt: Date?
    /// The login of the approver.
    public var approvedBy: String?

    /// The current texts.
    public var content: NarrativeContent {
        NarrativeContent(
            progress: progress, progressHard: progressHard, progressSoft: progressSoft, outlook: outlook,
            outlookHard: outlookHard, outlookSoft: outlookSoft)
    }
}

extension ShinchokuService {
    // MARK: Reading narratives

    /// The narratives of a period in plan order, optionally of one department or one state. Everyone signed in
    /// reads every department's narratives.
    public func narratives(
        period: PeriodCode, department: String? = nil, state: WorkflowState? = nil, as reader: ActorReference
    ) async throws -> [NarrativeInfo] {
        try await perform(as: reader) { tx in
            let c = tx.connection
            _ = try WorkflowGate.period(c, period, department: nil, lock: false)
            if let department, try PlanStore.department(c, code: department) == nil {
                throw ServiceError.notFound("There is no department \(department).")
            }
            return try NarrativeStore.infos(
                c,
                where: """
                    n.period_code = \(period.description) AND (\(department)::text IS NULL OR d.code = \(department))
                    AND (\(state?.rawValue)::text IS NULL OR n.state::text = \(state?.rawValue))
                    """)
        }
    }

    /// The narrative of a project in a period.
    public func narrative(period: PeriodCode, project: String, as reader: ActorReference) async throws
        -> NarrativeInfo
    {
        try await perform(as: reader) { tx in
            let c = tx.connection
            let owner = try NarrativeStore.project(c, code: project, lock: false)
            _ = try WorkflowGate.period(c, period, department: nil, lock: false)
            let row = try NarrativeStore.existing(c, owner, period, forUpdate: false)
            return try NarrativeStore.info(c, id: row.id)
        }
    }

    /// Every step of a narrative's history in order. Empty while nothing has been written.
    public func narrativeHistory(period: PeriodCode, project: String, as reader: ActorReference) async throws
        -> [WorkflowEventInfo]
    {
        try await perform(as: reader) { tx in
            let c = tx.connection
            let owner = try NarrativeStore.project(c, code: project, lock: false)
            _ = try WorkflowGate.period(c, period, department: nil, lock: false)
            guard
                let row = try NarrativeStore.narrative(c, projectID: owner.projectID, period: period, forUpdate: false)
            else { return [] }
            return try WorkflowLog.history(c, .narrative(id: row.id))
        }
    }

    // MARK: The clerk's steps

    /// Writes a narrative, or corrects a draft or returned one (which becomes a draft). Clerks of the department
    /// that owns the project, while the period is open for it. Pass no version to create and the current
    /// version to change. Each text is at most 10,000 characters; progress and outlook are each written either
    /// whole or split into hard and soft, not both.
    public func saveNarrative(
        period: PeriodCode, project: String, input: NarrativeInput, as clerk: ActorReference
    ) async throws -> NarrativeInfo {
        try await perform(as: clerk) { tx in
            try tx.require(.clerk, to: "write narratives")
            let c = tx.connection
            let actorID = try WorkflowGate.actorID(tx)
            let owner = try NarrativeStore.project(c, code: project, lock: true)
            let window = try WorkflowGate.period(c, period, department: owner.departmentID, lock: true)
            try WorkflowGate.requireEntry(tx, owner: owner, period: window, what: "narratives")
            let current = try NarrativeStore.narrative(c, projectID: owner.projectID, period: period, forUpdate: true)
            if let current {
                try WorkflowGate.checkState(.save, from: current.state, noun: "narrative")
                try WorkflowGate.checkVersion(input.version, current: current.version, noun: "narrative")
            } else if let version = input.version {
                throw ServiceError.conflict(
                    "No narrative for \(project) in \(period) exists yet, so version \(version) cannot be changed; "
                        + "save it without a version to create it.")
            }
            let content = NarrativeContent(
                progress: EnteredText.nonBlank(input.progress), progressHard: EnteredText.nonBlank(input.progressHard),
                progressSoft: EnteredText.nonBlank(input.progressSoft), outlook: EnteredText.nonBlank(input.outlook),
                outlookHard: EnteredText.nonBlank(input.outlookHard),
                outlookSoft: EnteredText.nonBlank(input.outlookSoft))
            try NarrativeRules.check(content, forSubmission: false)

            let id: Int
            let version: Int
            if let current {
                let changed = current.approved.map { $0 != content } ?? false
                let updated = try c.execute(
                    """
                    UPDATE narratives SET progress = \(content.progress), progress_hard = \(content.progressHard),
                        progress_soft = \(content.progressSoft), outlook = \(content.outlook),
                        outlook_hard = \(content.outlookHard), outlook_soft = \(content.outlookSoft),
                        state = 'draft', version = version + 1, entered_by = \(actorID),
                        changed_since_approval = \(changed), updated_at = now()
                    WHERE id = \(current.id) AND version = \(current.version)
                    """)
                guard updated == 1 else { throw NarrativeStore.concurrentChange }
                (id, version) = (current.id, current.version + 1)
            } else {
                guard
                    let row = try c.query(
                        """
                        INSERT INTO narratives (project_id, period_code, progress, progress_hard, progress_soft,
                                                outlook, outlook_hard, outlook_soft, entered_by)
                        VALUES (\(owner.projectID), \(period.description), \(content.progress),
                                \(content.progressHard), \(content.progressSoft), \(content.outlook),
                                \(content.outlookHard), \(content.outlookSoft), \(actorID))
                        ON CONFLICT (project_id, period_code) DO NOTHING
                        RETURNING id
                        """
                    ).first
                else { throw NarrativeStore.concurrentChange }
                (id, version) = (try row.decode(Int.self, at: 0), 1)
            }
            try WorkflowLog.record(
                tx, .narrative(id: id), action: .save, from: current?.state, version: version,
                content: WorkflowJSON.encode(content), comment: nil)
            let after = try NarrativeStore.info(c, id: id)
            try tx.audit(
                "narrative.save", entity: .narrative, id: NarrativeStore.auditID(period, project),
                before: current.map(NarrativeAuditRecord.init), after: NarrativeAuditRecord(after))
            return after
        }
    }

    /// Sends a draft or returned narrative for review; at least one text must be written. Clerks of the owning
    /// department, while the period is open for it.
    public func submitNarrative(period: PeriodCode, project: String, version: Int, as clerk: ActorReference)
        async throws -> NarrativeInfo
    {
        try await perform(as: clerk) { tx in
            try tx.require(.clerk, to: "submit narratives")
            let c = tx.connection
            let owner = try NarrativeStore.project(c, code: project, lock: true)
            let window = try WorkflowGate.period(c, period, department: owner.departmentID, lock: true)
            try WorkflowGate.requireEntry(tx, owner: owner, period: window, what: "narratives")
            let current = try NarrativeStore.existing(c, owner, period, forUpdate: true)
            try WorkflowGate.checkState(.submit, from: current.state, noun: "narrative")
            try WorkflowGate.checkVersion(version, current: current.version, noun: "narrative")
            try NarrativeRules.check(current.content, forSubmission: true)
            return try NarrativeStore.transition(tx, .submit, owner, period, current, comment: nil)
        }
    }

    // MARK: The approver's steps

    /// Approves a submitted narrative: reports print it from now on. Approvers, in open or closed periods, for
    /// narratives they did not write themselves.
    public func approveNarrative(
        period: PeriodCode, project: String, version: Int, comment: String? = nil, as reviewer: ActorReference
    ) async throws -> NarrativeInfo {
        try await perform(as: reviewer) { tx in
            try tx.require(.approver, to: "approve narratives")
            let window = try WorkflowGate.period(tx.connection, period, department: nil, lock: true)
            try WorkflowGate.requireReview(window)
            let (owner, current) = try NarrativeStore.forReview(tx, .approve, project, period, version: version)
            return try NarrativeStore.transition(
                tx, .approve, owner, period, current, comment: EnteredText.nonBlank(comment))
        }
    }

    /// Returns a submitted narrative to the clerk with a reason. Approvers, as for approval.
    public func returnNarrative(
        period: PeriodCode, project: String, version: Int, reason: String, as reviewer: ActorReference
    ) async throws -> NarrativeInfo {
        try await perform(as: reviewer) { tx in
            try tx.require(.approver, to: "return narratives")
            let reason = try WorkflowGate.requireReason(reason, for: .return)
            let window = try WorkflowGate.period(tx.connection, period, department: nil, lock: true)
            try WorkflowGate.requireReview(window)
            let (owner, current) = try NarrativeStore.forReview(tx, .return, project, period, version: version)
            return try NarrativeStore.transition(tx, .return, owner, period, current, comment: reason)
        }
    }

    /// Reopens an approved narrative for correction, with a reason; reports keep printing the approved texts
    /// until a correction is approved. Approvers, as for approval.
    public func reopenNarrative(
        period: PeriodCode, project: String, version: Int, reason: String, as reviewer: ActorReference
    ) async throws -> NarrativeInfo {
        try await perform(as: reviewer) { tx in
            try tx.require(.approver, to: "reopen narratives")
            let reason = try WorkflowGate.requireReason(reason, for: .reopen)
            let window = try WorkflowGate.period(tx.connection, period, department: nil, lock: true)
            try WorkflowGate.requireReview(window)
            let (owner, current) = try NarrativeStore.forReview(tx, .reopen, project, period, version: version)
            return try NarrativeStore.transition(tx, .reopen, owner, period, current, comment: reason)
        }
    }
}

/// A narrative row as the workflow needs it.
struct NarrativeRow {
    let id: Int
    let state: WorkflowState
    let version: Int
    let content: NarrativeContent
    let enteredBy: Int
    /// Nil until first approved.
    let approved: NarrativeContent?
    let changedSinceApproval: Bool
}

/// What the audit trail keeps of a narrative: its texts, where it is in review, and its version.
struct NarrativeAuditRecord: Encodable {
    var content: NarrativeContent
    var state: WorkflowState
    var version: Int
    var changedSinceApproval: Bool

    init(_ row: NarrativeRow) {
        (content, state, version, changedSinceApproval) = (
            row.content, row.state, row.version, row.changedSinceApproval
        )
    }

    init(_ info: NarrativeInfo) {
        (content, state, version, changedSinceApproval) = (
            info.content, info.state, info.version, info.changedSinceApproval
        )
    }
}

/// The rules a narrative's texts must follow.
enum NarrativeRules {
    /// The longest text, in characters.
    static let maxLength = 10_000

    /// Throws `invalid` listing every broken rule; a submission must also say something.
    static func check(_ content: NarrativeContent, forSubmission: Bool) throws {
        var v = Validation()
        for (field, text) in content.texts {
            guard let text else { continue }
            let length = EnteredText.length(text)
            v.require(length <= maxLength, field, "must be at most 10,000 characters (it has \(length))")
        }
        // The report prints either the whole text or the ハード面/ソフト面 split under one heading, never both.
        v.require(
            content.progress == nil || (content.progressHard == nil && content.progressSoft == nil), "progress",
            "choose either progress or the split progress_hard / progress_soft, not both")
        v.require(
            content.outlook == nil || (content.outlookHard == nil && content.outlookSoft == nil), "outlook",
            "choose either outlook or the split outlook_hard / outlook_soft, not both")
        if forSubmission {
            v.require(
                !content.isEmpty, "narrative", "write at least one of progress or outlook (whole or split) to submit")
        }
        try v.check()
    }
}

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
