import Foundation
import LibPQ

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
