import Foundation
import LibPQ

// The review workflow that figures and narratives share: who may take which step in which period,
// which steps each state allows, and the history every step leaves behind.
//
//   (new) ──save──▶ draft ──submit──▶ submitted ──approve──▶ approved
//                     ▲                  │                      │
//                     └──save── returned ◀──return──────────────┘ (reopen)

/// A step in the life of a figure or narrative.
public enum WorkflowAction: String, Sendable, Codable, CaseIterable {
    /// The clerk entered or corrected it; it is a draft afterwards.
    case save
    /// The clerk sent it for review.
    case submit
    /// An approver accepted it; reports show it from then on.
    case approve
    /// An approver sent a submission back, with a reason.
    case `return`
    /// An approver reopened an approved item for correction, with a reason. Reports keep the approved content
    /// until the correction is approved.
    case reopen

    /// The state an item is in after the step.
    public var resultingState: WorkflowState {
        switch self {
        case .save: .draft
        case .submit: .submitted
        case .approve: .approved
        case .return, .reopen: .returned
        }
    }

    /// The decision a review step records in `reviews`; nil for the clerk's own steps.
    var reviewDecision: String? {
        switch self {
        case .approve: "approved"
        case .return: "returned"
        case .reopen: "reopened"
        case .save, .submit: nil
        }
    }
}

/// One step of a figure's or narrative's history, as it happened.
public struct WorkflowEventInfo: Sendable, Equatable, Codable {
    public var action: WorkflowAction
    /// Nil for the save that created the item.
    public var fromState: WorkflowState?
    public var toState: WorkflowState
    /// The item's version after the step.
    public var version: Int
    /// The login of whoever took the step.
    public var actor: String
    public var actorName: String
    public var at: Date
    /// The figure's content at that moment (figures only).
    public var figure: FigureContent?
    /// The narrative's content at that moment (narratives only).
    public var narrative: NarrativeContent?
    /// The approver's comment, or the reason for a return or reopen.
    public var comment: String?
}

/// A submission waiting for an approver: a figure or a narrative.
public struct ReviewItem: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case figure
        case narrative
    }

    public var kind: Kind
    public var period: PeriodCode
    public var project: String
    public var projectTitle: String
    /// The department that owns the project.
    public var department: String
    /// The indicator's code and name, for figures.
    public var indicator: String?
    public var indicatorName: String?
    /// The version to pass when approving or returning it.
    public var version: Int
    public var submittedAt: Date
    /// The login of the clerk who submitted it.
    public var submittedBy: String
    /// True when it corrects something approved before (after a reopen).
    public var changedSinceApproval: Bool
    /// What was submitted.
    public var figure: FigureContent?
    public var narrative: NarrativeContent?
}

extension ShinchokuService {
    /// Submitted figures and narratives of every department, oldest submission first. Approvers only.
    public func reviewQueue(as reviewer: ActorReference) async throws -> [ReviewItem] {
        try await perform(as: reviewer) { tx in
            try tx.require(.approver, to: "see the review queue")
            return try WorkflowLog.reviewQueue(tx.connection)
        }
    }
}

/// What a workflow step acts on.
enum WorkflowSubject {
    case figure(id: Int)
    case narrative(id: Int)

    var figureID: Int? {
        if case .figure(let id) = self { return id }
        return nil
    }

    var narrativeID: Int? {
        if case .narrative(let id) = self { return id }
        return nil
    }

    /// Selects the subject's rows in `workflow_events` and `reviews`.
    var condition: SQLQuery {
        switch self {
        case .figure(let id): "figure_id = \(id)"
        case .narrative(let id): "narrative_id = \(id)"
        }
    }

    /// The word users read in messages.
    var noun: String {
        switch self {
        case .figure: "figure"
        case .narrative: "narrative"
        }
    }
}

/// The project a figure or narrative belongs to, and the department that owns it now.
struct ProjectOwner {
    let projectID: Int
    let projectCode: String
    let departmentID: Int
    let departmentCode: String
}

/// A period as the workflow sees it: its state, its dates, and the acting department's extension.
struct PeriodWindow {
    let code: PeriodCode
    let state: PeriodState
    let startsOn: CalendarDate
    let endsOn: CalendarDate
    /// The last day of the department's extension, when the period is closed and one was granted.
    let extendedUntil: CalendarDate?
    /// Today in Japan, where the prefecture works; an extension lasts to the end of its day there.
    let today: CalendarDate

    /// Clerks may enter and submit: the period is open, or closed with a running extension for their department.
    var isOpenForEntry: Bool {
        switch state {
        case .open: true
        case .closed: extendedUntil.map { $0 >= today } ?? false
        case .planned, .locked: false
        }
    }

    /// Approvers may review while the period is open or closed; a planned one has nothing yet and a locked one
    /// is final.
    var isOpenForReview: Bool { state == .open || state == .closed }
}

/// Who may take a step, when: the checks every workflow call makes before it writes anything.
enum WorkflowGate {
    /// The acting user's id. Every account that passed a role check has one; the local operator never does.
    static func actorID(_ tx: Transaction) throws -> Int {
        guard let id = tx.actor.id else {
            throw ServiceError.forbidden("Only signed-in accounts may change figures and narratives.")
        }
        return id
    }

    /// Reads a period. With `lock`, the row is share-locked until the transaction ends, so that an admin who
    /// closes or locks the period at this moment waits for the step to finish rather than race it.
    static func period(_ c: Connection, _ code: PeriodCode, department: Int?, lock: Bool) throws -> PeriodWindow {
        let forShare: SQLQuery = lock ? " FOR SHARE" : ""
        guard
            let row = try c.query(
                """
                SELECT state::text, starts_on, ends_on, (now() AT TIME ZONE 'Asia/Tokyo')::date
                FROM periods WHERE code = \(code.description)
                """ + forShare
            ).first
        else { throw ServiceError.notFound("There is no period \(code).") }
        let (stateText, startsOn, endsOn, today) = try row.decode(
            (String, CalendarDate, CalendarDate, CalendarDate).self)
        guard let state = PeriodState(rawValue: stateText) else {
            throw PostgresError(kind: .decoding, message: "unexpected period state")
        }
        var extendedUntil: CalendarDate?
        if let department, state == .closed {
            extendedUntil = try c.query(
                """
                SELECT until_on FROM period_extensions
                WHERE period_code = \(code.description) AND department_id = \(department)
                """ + forShare
            ).first?.decode(CalendarDate.self, at: 0)
        }
        return PeriodWindow(
            code: code, state: state, startsOn: startsOn, endsOn: endsOn, extendedUntil: extendedUntil, today: today)
    }

    /// Checks that the acting clerk belongs to the department that owns the project and that the period is
    /// open for that department. The caller has checked the role.
    static func requireEntry(_ tx: Transaction, owner: ProjectOwner, period: PeriodWindow, what: String) throws {
        guard tx.actor.departmentID == owner.departmentID else {
            throw ServiceError.forbidden(
                "Project \(owner.projectCode) belongs to \(owner.departmentCode); \(tx.actor.login) enters \(what) "
                    + "only for projects of \(tx.actor.departmentCode ?? "its own department").")
        }
        guard period.isOpenForEntry else {
            let why: String
            switch period.state {
            case .planned: why = "is planned: nothing can be entered until it opens"
            case .locked: why = "is locked: nothing in it changes any more"
            case .closed:
                why =
                    period.extendedUntil.map { "is closed, and \(owner.departmentCode)'s extension ended on \($0)" }
                    ?? "is closed, and \(owner.departmentCode) has no extension"
            case .open: why = "is open"  // unreachable: an open period is open for entry
            }
            throw ServiceError.periodNotOpen("Period \(period.code) \(why).")
        }
    }

    /// Checks that reviews are possible in the period. The caller has checked the role.
    static func requireReview(_ period: PeriodWindow) throws {
        guard period.isOpenForReview else {
            let why =
                period.state == .planned
                ? "is planned: there is nothing to review yet" : "is locked: nothing in it changes any more"
            throw ServiceError.periodNotOpen("Period \(period.code) \(why).")
        }
    }

    /// Separation of duties: nobody reviews what they entered themselves, even after a change of role.
    static func requireNotOwnWork(_ tx: Transaction, _ subject: WorkflowSubject, enteredBy: Int) throws {
        let actorID = try actorID(tx)
        var own = enteredBy == actorID
        if !own {
            own = try tx.connection.query(
                """
                SELECT EXISTS (
                    SELECT 1 FROM workflow_events
                    WHERE \(subject.condition) AND action = 'save' AND actor_id = \(actorID))
                """
            )[0].decode(Bool.self, at: 0)
        }
        if own {
            throw ServiceError.forbidden(
                "\(tx.actor.login) entered this \(subject.noun) and so may not review it; another approver must.")
        }
    }

    /// Throws `conflict` unless the step may start from `state`.
    static func checkState(_ action: WorkflowAction, from state: WorkflowState, noun: String) throws {
        let message: String
        switch (action, state) {
        case (.save, .draft), (.save, .returned), (.submit, .draft), (.submit, .returned), (.approve, .submitted),
            (.return, .submitted), (.reopen, .approved):
            return
        case (.save, .submitted):
            message = "This \(noun) is submitted: submitted \(noun)s are locked until reviewed."
        case (.save, .approved), (.submit, .approved):
            message = "This \(noun) is approved: approved \(noun)s change only through reopen."
        case (.submit, .submitted):
            message = "This \(noun) is already submitted and awaits review."
        case (.approve, .approved), (.return, .approved):
            message = "This \(noun) is already approved."
        case (.approve, _), (.return, _):
            let verb = action == .approve ? "approved" : "returned"
            message = "Only submitted \(noun)s can be \(verb); this one is \(state.rawValue)."
        case (.reopen, _):
            message = "Only approved \(noun)s can be reopened; this one is \(state.rawValue)."
        }
        throw ServiceError.conflict(message)
    }

    /// Throws `conflict` when the caller's version is not the current one: someone changed the item since.
    static func checkVersion(_ given: Int?, current: Int, noun: String) throws {
        guard let given else {
            throw ServiceError.conflict(
                "This \(noun) exists already (version \(current)); load it and send its version to change it.")
        }
        guard given == current else {
            throw ServiceError.conflict(
                "The \(noun) has changed since you loaded it (version \(current) now, you had \(given)). "
                    + "Reload and try again.")
        }
    }

    /// A reason is required to return or reopen, so the clerk knows what to fix.
    static func requireReason(_ reason: String, for action: WorkflowAction) throws -> String {
        guard EnteredText.nonBlank(reason) != nil else {
            throw ServiceError.invalid("reason", "a \(action.rawValue) needs a reason the clerk can act on")
        }
        return reason
    }

}

/// The history of figures and narratives: `workflow_events` and `reviews`.
enum WorkflowLog {
    /// Appends one step to the history and, for a review, the review tied to the version and content reviewed.
    /// `version` is the version after the step; `reviewedVersion` the one the approver looked at.
    static func record(
        _ tx: Transaction, _ subject: WorkflowSubject, action: WorkflowAction, from: WorkflowState?, version: Int,
        content: RawJSON, comment: String?, reviewedVersion: Int? = nil
    ) throws {
        let actorID = try WorkflowGate.actorID(tx)
        let c = tx.connection
        let eventID = try c.query(
            """
            INSERT INTO workflow_events (figure_id, narrative_id, action, from_state, to_state, version, content,
                                         comment, actor_id)
            VALUES (\(subject.figureID), \(subject.narrativeID), \(action.rawValue), \(from?.rawValue),
                    \(action.resultingState.rawValue), \(version), \(content), \(comment), \(actorID))
            RETURNING id
            """
        )[0].decode(Int.self, at: 0)
        if let decision = action.reviewDecision {
            try c.execute(
                """
                INSERT INTO reviews (workflow_event_id, figure_id, narrative_id, decision, reviewer_id, reason,
                                     reviewed_version, reviewed_content)
                VALUES (\(eventID), \(subject.figureID), \(subject.narrativeID), \(decision), \(actorID), \(comment),
                        \(reviewedVersion ?? version - 1), \(content))
                """)
        }
    }

    /// Every step of an item's history, in order.
    static func history(_ c: Connection, _ subject: WorkflowSubject) throws -> [WorkflowEventInfo] {
        let rows = try c.query(
            """
            SELECT e.action::text, e.from_state::text, e.to_state::text, e.version, u.login, u.display_name, e.at,
                   e.content, e.comment
            FROM workflow_events e JOIN users u ON u.id = e.actor_id
            WHERE e.\(subject.condition)
            ORDER BY e.id
            """)
        return try rows.map { r in
            let content = try r.decode(RawJSON.self, at: 7)
            var event = WorkflowEventInfo(
                action: try PlanStore.enumValue(r, 0),
                fromState: try r.decode(String?.self, at: 1).flatMap(WorkflowState.init(rawValue:)),
                toState: try PlanStore.enumValue(r, 2), version: try r.decode(Int.self, at: 3),
                actor: try r.decode(String.self, at: 4), actorName: try r.decode(String.self, at: 5),
                at: try r.decode(Date.self, at: 6), figure: nil, narrative: nil,
                comment: try r.decode(String?.self, at: 8))
            switch subject {
            case .figure: event.figure = try WorkflowJSON.decode(FigureContent.self, content)
            case .narrative: event.narrative = try WorkflowJSON.decode(NarrativeContent.self, content)
            }
            return event
        }
    }

    /// Submitted figures and narratives, oldest submission first.
    static func reviewQueue(_ c: Connection) throws -> [ReviewItem] {
        // Items submitted without a recorded submit step (never through this service) fall back to their
        // last update, so that nothing waiting is hidden from the approvers.
        let figures = try c.query(
            """
            SELECT f.period_code, p.code, p.title, d.code, i.code, i.name, f.version,
                   coalesce(s.at, f.updated_at), u.login, f.changed_since_approval,
                   f.status::text, f.value, f.note, f.as_of
            FROM figures f
            JOIN indicators i ON i.id = f.indicator_id
            JOIN projects p ON p.id = i.project_id
            JOIN departments d ON d.id = p.department_id
            LEFT JOIN LATERAL (
                SELECT e.at, e.actor_id FROM workflow_events e
                WHERE e.figure_id = f.id AND e.action = 'submit' ORDER BY e.id DESC LIMIT 1) s ON true
            JOIN users u ON u.id = coalesce(s.actor_id, f.entered_by)
            WHERE f.state = 'submitted'
            """
        ).map { r in
            ReviewItem(
                kind: .figure, period: try period(r, 0), project: try r.decode(String.self, at: 1),
                projectTitle: try r.decode(String.self, at: 2), department: try r.decode(String.self, at: 3),
                indicator: try r.decode(String.self, at: 4), indicatorName: try r.decode(String.self, at: 5),
                version: try r.decode(Int.self, at: 6), submittedAt: try r.decode(Date.self, at: 7),
                submittedBy: try r.decode(String.self, at: 8), changedSinceApproval: try r.decode(Bool.self, at: 9),
                figure: FigureContent(
                    status: try PlanStore.enumValue(r, 10), value: try r.decode(ExactDecimal?.self, at: 11),
                    note: try r.decode(String?.self, at: 12), asOf: try r.decode(CalendarDate.self, at: 13)),
                narrative: nil)
        }
        let narratives = try c.query(
            """
            SELECT n.period_code, p.code, p.title, d.code, n.version, coalesce(s.at, n.updated_at), u.login,
                   n.changed_since_approval, n.progress, n.progress_hard, n.progress_soft,
                   n.outlook, n.outlook_hard, n.outlook_soft
            FROM narratives n
            JOIN projects p ON p.id = n.project_id
            JOIN departments d ON d.id = p.department_id
            LEFT JOIN LATERAL (
                SELECT e.at, e.actor_id FROM workflow_events e
                WHERE e.narrative_id = n.id AND e.action = 'submit' ORDER BY e.id DESC LIMIT 1) s ON true
            JOIN users u ON u.id = coalesce(s.actor_id, n.entered_by)
            WHERE n.state = 'submitted'
            """
        ).map { r in
            ReviewItem(
                kind: .narrative, period: try period(r, 0), project: try r.decode(String.self, at: 1),
                projectTitle: try r.decode(String.self, at: 2), department: try r.decode(String.self, at: 3),
                indicator: nil, indicatorName: nil, version: try r.decode(Int.self, at: 4),
                submittedAt: try r.decode(Date.self, at: 5), submittedBy: try r.decode(String.self, at: 6),
                changedSinceApproval: try r.decode(Bool.self, at: 7), figure: nil,
                narrative: try NarrativeContent(row: r, from: 8))
        }
        return (figures + narratives).sorted {
            ($0.submittedAt, $0.period, $0.project, $0.indicator ?? "")
                < ($1.submittedAt, $1.period, $1.project, $1.indicator ?? "")
        }
    }

    /// Decodes a period code column.
    static func period(_ r: Row, _ i: Int) throws -> PeriodCode {
        guard let p = PeriodCode(try r.decode(String.self, at: i)) else {
            throw PostgresError(kind: .decoding, message: "unexpected period code in column \(i)")
        }
        return p
    }
}

/// The JSON kept of content in the history, the reviews and the approved snapshot: snake_case keys, sorted,
/// decimals as strings so that no figure passes through floating point.
enum WorkflowJSON {
    static func encode(_ value: some Encodable) throws -> RawJSON {
        try Audit.json(value)!
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: RawJSON) throws -> T {
        try JSONDecoder.shinchoku.decode(T.self, from: Data(json.bytes))
    }
}

/// How the workflow reads the texts users type.
enum EnteredText {
    /// Nil when blank: a blank note or narrative says nothing, and stray spaces must not pass for one.
    /// Anything else is kept exactly as typed.
    static func nonBlank(_ text: String?) -> String? {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return text
    }

    /// The length PostgreSQL's `char_length` reports: Unicode code points.
    static func length(_ text: String) -> Int { text.unicodeScalars.count }
}
