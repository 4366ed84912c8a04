import Foundation
import LibPQ

// The workflow's steps, written once for figures and narratives. Each public entry point of the service
// (saveFigure, approveNarrative, …) is one call to one of these in its transaction.

extension WorkflowGate {
    /// What ``save(_:_:code:period:input:existing:)`` does with an item that exists already.
    enum SaveExisting {
        /// Go on to check the state and the version and save.
        case save
        /// Leave the item as it is: nothing is written.
        case keep
    }

    /// Enters an item or corrects a draft or returned one as the acting clerk: checks the role, the owning
    /// department and the period, the item's state and version and its content; writes the item, its workflow
    /// step and its audit event. A draft afterwards.
    ///
    /// `existing` sees the locked current item, if there is one, once the clerk may enter it and before its state
    /// and version are checked: it may keep the item as it is (`saved` is then false) or throw to refuse the save.
    static func save<S: ReviewSubject>(
        _ subject: S.Type, _ tx: Transaction, code: String, period: PeriodCode, input: S.Input,
        existing: (ReviewRow<S.Content>) throws -> SaveExisting = { _ in .save }
    ) throws -> (info: S.Info, saved: Bool) {
        try tx.require(.clerk, to: S.saveVerb)
        let c = tx.connection
        let actorID = try actorID(tx)
        let found = try lookup(S.self, tx, code: code, period: period, mode: .entry)
        let target = try found.requireTarget(code)
        let window = try found.requireWindow(period)
        try requireEntry(tx, owner: target.owner, period: window, what: "\(S.noun)s")
        let current = found.current
        if let current {
            if try existing(current) == .keep {
                return (try S.Store.info(found.row, target: target, period: period), false)
            }
            try checkState(.save, from: current.state, noun: S.noun)
            try checkVersion(S.version(of: input), current: current.version, noun: S.noun)
        } else if let version = S.version(of: input) {
            throw ServiceError.conflict(
                "No \(S.noun) for \(target.code) in \(period) exists yet, so version \(version) cannot be "
                    + "changed; save it without a version to create it.")
        }
        let content = S.content(of: input, period: period)
        try S.check(content, of: target, in: window, context: found.context, forSubmission: false)

        let written: Row
        let version: Int
        if let current {
            // Changed means: what reports print would change if this were approved.
            let changed = current.approved.map { $0 != content } ?? false
            guard let row = try S.Store.update(c, current, to: content, changedSinceApproval: changed, by: actorID)
            else { throw S.concurrentChange }
            (written, version) = (row, current.version + 1)
        } else {
            // Two clerks creating the same item at once: the second finds the first's row and gets a conflict.
            guard let row = try S.Store.insert(c, content, of: target, period: period, by: actorID) else {
                throw S.concurrentChange
            }
            (written, version) = (row, 1)
        }
        let after = try S.Store.info(written, target: target, period: period)
        try WorkflowLog.record(
            tx, S.workflowSubject(id: try written["item_id"]), action: .save, from: current?.state, version: version,
            content: WorkflowJSON.encode(content), comment: nil)
        try tx.audit(
            S.auditAction(.save), id: S.auditID(period, target), before: current.map(S.auditRecord),
            after: S.auditRecord(after))
        return (after, true)
    }

    /// Sends a draft or returned item for review as the acting clerk of the owning department, while the period
    /// is open for it. The content is checked again, as for a submission.
    static func submit<S: ReviewSubject>(
        _ subject: S.Type, _ tx: Transaction, code: String, period: PeriodCode, version: Int
    ) throws -> S.Info {
        try tx.require(.clerk, to: "submit \(S.noun)s")
        let found = try lookup(S.self, tx, code: code, period: period, mode: .entry)
        let target = try found.requireTarget(code)
        let window = try found.requireWindow(period)
        try requireEntry(tx, owner: target.owner, period: window, what: "\(S.noun)s")
        let current = try found.requireCurrent(target, period)
        try checkState(.submit, from: current.state, noun: S.noun)
        try checkVersion(version, current: current.version, noun: S.noun)
        try S.check(current.content, of: target, in: window, context: found.context, forSubmission: true)
        return try transition(S.self, tx, .submit, target, period, current, comment: nil)
    }

    /// An approver's step on one item: approve (with an optional comment), return or reopen (with a reason).
    /// Approvers, in open or closed periods, for items they did not enter themselves.
    static func review<S: ReviewSubject>(
        _ subject: S.Type, _ action: WorkflowAction, _ tx: Transaction, code: String, period: PeriodCode,
        version: Int, comment: String?
    ) throws -> S.Info {
        try tx.require(.approver, to: "\(action.rawValue) \(S.noun)s")
        let comment =
            action == .approve ? try EnteredText.comment(comment) : try requireReason(comment ?? "", for: action)
        let found = try lookup(S.self, tx, code: code, period: period, mode: .review)
        try requireReview(try found.requireWindow(period))
        let (target, current) = try forReview(S.self, tx, action, found, code: code, period: period, version: version)
        return try transition(S.self, tx, action, target, period, current, comment: comment)
    }

    /// The item an approver is about to review, locked, once the reviewer may take the step on it.
    /// The caller has checked the role and the period.
    static func forReview<S: ReviewSubject>(
        _ subject: S.Type, _ tx: Transaction, _ action: WorkflowAction, code: String, period: PeriodCode,
        version: Int
    ) throws -> (S.Target, ReviewRow<S.Content>) {
        let found = try lookup(S.self, tx, code: code, period: period, mode: .review)
        return try forReview(S.self, tx, action, found, code: code, period: period, version: version)
    }

    private static func forReview<S: ReviewSubject>(
        _ subject: S.Type, _ tx: Transaction, _ action: WorkflowAction, _ found: StepLookup<S>, code: String,
        period: PeriodCode, version: Int
    ) throws -> (S.Target, ReviewRow<S.Content>) {
        let target = try found.requireTarget(code)
        let current = try found.requireCurrent(target, period)
        try requireNotOwnWork(
            tx, S.workflowSubject(id: current.id), enteredBy: current.enteredBy, savedByActor: found.savedByActor)
        try checkState(action, from: current.state, noun: S.noun)
        try checkVersion(version, current: current.version, noun: S.noun)
        return (target, current)
    }

    /// Takes a submit or review step on a locked, checked item: moves it, records the step, its notifications
    /// (submit, return, approve: docs/notifications.md) and its audit event.
    static func transition<S: ReviewSubject>(
        _ subject: S.Type, _ tx: Transaction, _ action: WorkflowAction, _ target: S.Target, _ period: PeriodCode,
        _ current: ReviewRow<S.Content>, comment: String?
    ) throws -> S.Info {
        let c = tx.connection
        let actorID = try actorID(tx)
        try tx.flushDeferred()
        let written =
            action == .approve
            ? try S.Store.approve(c, current, by: actorID) : try S.Store.move(c, current, to: action.resultingState)
        guard let written else { throw S.concurrentChange }
        let after = try S.Store.info(written, target: target, period: period)
        try WorkflowLog.record(
            tx, S.workflowSubject(id: current.id), action: action, from: current.state, version: current.version + 1,
            content: WorkflowJSON.encode(current.content), comment: comment, reviewedVersion: current.version)
        // Its notifications, in this same transaction: they exist exactly when the step does.
        try notify(
            tx, action, target: target, owner: target.owner, period: period, enteredBy: current.enteredBy,
            comment: comment)
        if action == .approve { try PublicationRules.requestIfComplete(tx, period: period) }
        try tx.audit(
            S.auditAction(action), id: S.auditID(period, target), before: S.auditRecord(current),
            after: S.auditRecord(after), reason: comment)
        return after
    }
}

extension WorkflowGate {
    /// One item, for reading: `not_found` while nothing has been saved.
    static func read<S: ReviewSubject>(_ subject: S.Type, _ tx: Transaction, code: String, period: PeriodCode)
        throws -> S.Info
    {
        let c = tx.connection
        let target = try S.target(c, code: code, lock: false)
        _ = try WorkflowGate.period(c, period, department: nil, lock: false)
        return try S.Store.info(c, id: S.existing(c, of: target, period: period, forUpdate: false).id)
    }

    /// Every step of an item's history in order; empty while nothing has been saved.
    static func history<S: ReviewSubject>(
        _ subject: S.Type, _ tx: Transaction, code: String, period: PeriodCode,
        page: (offset: Int, limit: Int)? = nil
    ) throws -> [WorkflowEventInfo] {
        let c = tx.connection
        let target = try S.target(c, code: code, lock: false)
        _ = try WorkflowGate.period(c, period, department: nil, lock: false)
        guard let row = try S.Store.row(c, of: target, period: period, forUpdate: false) else { return [] }
        return try WorkflowLog.history(c, S.workflowSubject(id: row.id), page: page)
    }
}
