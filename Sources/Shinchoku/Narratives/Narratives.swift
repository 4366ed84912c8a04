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
            return try NarrativeStore.infos(c, period: period, department: department, state: state)
        }
    }

    /// The narrative of a project in a period.
    public func narrative(period: PeriodCode, project: String, as reader: ActorReference) async throws
        -> NarrativeInfo
    {
        try await perform(as: reader) { tx in
            try WorkflowGate.read(NarrativeSubject.self, tx, code: project, period: period)
        }
    }

    /// Every step of a narrative's history in order. Empty while nothing has been written.
    public func narrativeHistory(period: PeriodCode, project: String, as reader: ActorReference) async throws
        -> [WorkflowEventInfo]
    {
        try await narrativeHistory(period: period, project: project, page: nil, as: reader)
    }

    /// The steps of ``narrativeHistory(period:project:as:)`` in `page` (``WorkflowHistoryPage``).
    func narrativeHistory(
        period: PeriodCode, project: String, page: (offset: Int, limit: Int)?, as reader: ActorReference
    ) async throws -> [WorkflowEventInfo] {
        try await perform(as: reader) { tx in
            try WorkflowGate.history(NarrativeSubject.self, tx, code: project, period: period, page: page)
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
        let step = WorkflowGate.lookupQuery(NarrativeSubject.self, code: project, period: period, mode: .entry)
        return try await perform(as: clerk, step: step) { tx in
            try WorkflowGate.save(NarrativeSubject.self, tx, code: project, period: period, input: input).info
        }
    }

    /// Sends a draft or returned narrative for review; at least one text must be written. Clerks of the owning
    /// department, while the period is open for it.
    public func submitNarrative(period: PeriodCode, project: String, version: Int, as clerk: ActorReference)
        async throws -> NarrativeInfo
    {
        let step = WorkflowGate.lookupQuery(NarrativeSubject.self, code: project, period: period, mode: .entry)
        return try await perform(as: clerk, step: step) { tx in
            try WorkflowGate.submit(NarrativeSubject.self, tx, code: project, period: period, version: version)
        }
    }

    /// Saves a narrative and submits what was saved, in one transaction (the form's 提出): when the submission is
    /// refused (nothing written, a closed period), the save is undone too, so a refused 提出 changes nothing. The
    /// rules and errors are those of ``saveNarrative(period:project:input:as:)`` and
    /// ``submitNarrative(period:project:version:as:)``.
    public func saveAndSubmitNarrative(
        period: PeriodCode, project: String, input: NarrativeInput, as clerk: ActorReference
    ) async throws -> NarrativeInfo {
        let step = WorkflowGate.lookupQuery(NarrativeSubject.self, code: project, period: period, mode: .entry)
        return try await perform(as: clerk, step: step) { tx in
            let saved = try WorkflowGate.save(NarrativeSubject.self, tx, code: project, period: period, input: input)
            return try WorkflowGate.submit(
                NarrativeSubject.self, tx, code: project, period: period, version: saved.info.version)
        }
    }

    // MARK: The approver's steps

    /// Approves a submitted narrative: reports print it from now on. Approvers, in open or closed periods, for
    /// narratives they did not write themselves.
    public func approveNarrative(
        period: PeriodCode, project: String, version: Int, comment: String? = nil, as reviewer: ActorReference
    ) async throws -> NarrativeInfo {
        try await review(NarrativeSubject.self, .approve, project, period, version, comment, as: reviewer)
    }

    /// Returns a submitted narrative to the clerk with a reason. Approvers, as for approval.
    public func returnNarrative(
        period: PeriodCode, project: String, version: Int, reason: String, as reviewer: ActorReference
    ) async throws -> NarrativeInfo {
        try await review(NarrativeSubject.self, .return, project, period, version, reason, as: reviewer)
    }

    /// Reopens an approved narrative for correction, with a reason; reports keep printing the approved texts
    /// until a correction is approved. Approvers, as for approval.
    public func reopenNarrative(
        period: PeriodCode, project: String, version: Int, reason: String, as reviewer: ActorReference
    ) async throws -> NarrativeInfo {
        try await review(NarrativeSubject.self, .reopen, project, period, version, reason, as: reviewer)
    }
}
