import Foundation
import LibPQ

/// The history of figures and narratives: `workflow_events` and `reviews`.
enum WorkflowLog {
    /// Appends one step to the history and, for a review, the review tied to the version and content reviewed, in
    /// one statement (deferred to COMMIT in a call that defers its last writes). `version` is the version after the
    /// step; `reviewedVersion` the one the approver looked at.
    static func record(
        _ tx: Transaction, _ subject: WorkflowSubject, action: WorkflowAction, from: WorkflowState?, version: Int,
        content: RawJSON, comment: String?, reviewedVersion: Int? = nil
    ) throws {
        let actorID = try WorkflowGate.actorID(tx)
        let event: SQLQuery = """
            INSERT INTO workflow_events (figure_id, narrative_id, action, from_state, to_state, version, content,
                                         comment, actor_id)
            VALUES (\(subject.figureID), \(subject.narrativeID), \(action), \(from), \(action.resultingState),
                    \(version), \(content), \(comment), \(actorID))
            """
        guard let decision = action.reviewDecision else { return try tx.later(event) }
        try tx.later(
            """
            WITH event AS (\(event) RETURNING id)
            INSERT INTO reviews (workflow_event_id, figure_id, narrative_id, decision, reviewer_id, reason,
                                 reviewed_version, reviewed_content)
            SELECT event.id, \(subject.figureID), \(subject.narrativeID), \(decision), \(actorID), \(comment),
                   \(reviewedVersion ?? version - 1), \(content)
            FROM event
            """)
    }

    /// Every step of an item's history, in order.
    /// With `page`, only `limit` steps after the first `offset` (``WorkflowHistoryPage``).
    static func history(_ c: Connection, _ subject: WorkflowSubject, page: (offset: Int, limit: Int)? = nil) throws
        -> [WorkflowEventInfo]
    {
        let window: SQLQuery = page.map { " OFFSET \($0.offset) LIMIT \($0.limit)" } ?? ""
        let rows = try c.query(
            """
            SELECT e.action, e.from_state, e.to_state, e.version, u.login, u.display_name, e.at, e.comment, e.content
            FROM workflow_events e JOIN users u ON u.id = e.actor_id
            WHERE e.\(subject.condition)
            ORDER BY e.id
            """ + window)
        return try rows.map { r in
            let (action, from, to, version, actor, actorName, at, comment, content) = try r.decode(
                (WorkflowAction, WorkflowState?, WorkflowState, Int, String, String, Date, String?, RawJSON).self)
            var event = WorkflowEventInfo(
                action: action, fromState: from, toState: to, version: version, actor: actor, actorName: actorName,
                at: at, figure: nil, narrative: nil, comment: comment)
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
            SELECT f.period_code AS period, p.code AS project, p.title AS project_title, d.code AS department,
                   i.code AS indicator, i.name AS indicator_name, f.version, coalesce(s.at, f.updated_at) AS at,
                   u.login, f.changed_since_approval, f.status, f.value, f.note, f.as_of
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
            try ReviewItem(r, kind: .figure, indicator: r["indicator"], indicatorName: r["indicator_name"])
        }
        let narratives = try c.query(
            """
            SELECT n.period_code AS period, p.code AS project, p.title AS project_title, d.code AS department,
                   n.version, coalesce(s.at, n.updated_at) AS at, u.login, n.changed_since_approval,
                   n.progress, n.progress_hard, n.progress_soft, n.outlook, n.outlook_hard, n.outlook_soft
            FROM narratives n
            JOIN projects p ON p.id = n.project_id
            JOIN departments d ON d.id = p.department_id
            LEFT JOIN LATERAL (
                SELECT e.at, e.actor_id FROM workflow_events e
                WHERE e.narrative_id = n.id AND e.action = 'submit' ORDER BY e.id DESC LIMIT 1) s ON true
            JOIN users u ON u.id = coalesce(s.actor_id, n.entered_by)
            WHERE n.state = 'submitted'
            """
        ).map { r in try ReviewItem(r, kind: .narrative, indicator: nil, indicatorName: nil) }
        return (figures + narratives).sorted {
            ($0.submittedAt, $0.period, $0.project, $0.indicator ?? "")
                < ($1.submittedAt, $1.period, $1.project, $1.indicator ?? "")
        }
    }
}

extension ReviewItem {
    /// Reads a row of the review queue by column name.
    fileprivate init(_ r: Row, kind: Kind, indicator: String?, indicatorName: String?) throws {
        self.init(
            kind: kind, period: try r["period"], project: try r["project"], projectTitle: try r["project_title"],
            department: try r["department"], indicator: indicator, indicatorName: indicatorName,
            version: try r["version"], submittedAt: try r["at"], submittedBy: try r["login"],
            changedSinceApproval: try r["changed_since_approval"],
            figure: kind == .figure ? try FigureContent(r) : nil,
            narrative: kind == .narrative ? try NarrativeContent(r) : nil)
    }
}

/// The JSON kept of content in the history, the reviews and the approved snapshot: snake_case keys, sorted,
/// decimals as strings so that no figure passes through floating point.
enum WorkflowJSON {
    static func encode(_ value: some Encodable) throws -> RawJSON {
        try Audit.json(value) ?? RawJSON("null")
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: RawJSON) throws -> T {
        try JSONDecoder.shinchoku.decode(T.self, from: Data(json.bytes))
    }
}

/// How the workflow reads the texts users type.
enum EnteredText {
    /// Nil when blank: a blank note or narrative says nothing, and stray spaces must not pass for one.
    /// Anything else is kept as typed, except that CRLF becomes LF (``TypedText/normalized(_:)``).
    static func nonBlank(_ text: String?) -> String? {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return TypedText.normalized(text)
    }

    /// An optional comment of a review step: nil when blank, else checked by ``TypedText`` (field `comment`).
    static func comment(_ text: String?) throws -> String? {
        try TypedText.checked(nonBlank(text), field: "comment")
    }

    /// The length PostgreSQL's `char_length` reports: Unicode code points.
    static func length(_ text: String) -> Int { text.unicodeScalars.count }
}
