import Foundation
import LibPQ

/// The set-based SQL of a figure import: the reference data of every row in a few queries, then the writes in a few
/// multi-row statements per department (`unnest` of array parameters, ``ArrayParameter``). It checks nothing: the
/// rules are in ``FigureImport``, ``WorkflowGate`` and ``FigureRules``; the database's own checks (row-level security,
/// the guard and audit triggers) run on every row as for a single save.
enum FigureImportStore {
    /// Makes `clerk` the acting user (`app.actor_id`) for the statements that follow in this transaction.
    static func act(_ c: Connection, as clerk: ActingUser) throws {
        try c.execute("SELECT set_config('app.actor_id', \(clerk.id.map(String.init) ?? ""), true)")
    }

    /// The indicators named by `codes` that exist, by code, with their project's owner. The projects are
    /// share-locked, as a save locks its project, so that no transfer slips in between the check and the write.
    static func indicators(_ c: Connection, codes: Set<String>) throws -> [String: IndicatorRef] {
        let rows = try c.query(
            """
            SELECT i.id, i.code, i.name, i.kind, i.value_type, i.decimals, p.id, p.code, p.department_id, d.code
            FROM indicators i JOIN projects p ON p.id = i.project_id JOIN departments d ON d.id = p.department_id
            WHERE i.code = ANY(\(ArrayParameter(codes))::text[])
            FOR SHARE OF p
            """)
        var found: [String: IndicatorRef] = [:]
        found.reserveCapacity(rows.count)
        for r in rows {
            let (id, code, name, kind, valueType, decimals, projectID, projectCode, departmentID, departmentCode) =
                try r.decode((Int, String, String, MeasureKind, ValueType, Int, Int, String, Int, String).self)
            found[code] = IndicatorRef(
                id: id, code: code, name: name, kind: kind, valueType: valueType, decimals: decimals,
                owner: ProjectOwner(
                    projectID: projectID, projectCode: projectCode, departmentID: departmentID,
                    departmentCode: departmentCode))
        }
        return found
    }

    /// The figures of these indicators in the period, by indicator id. With `lock`, locked until the transaction
    /// ends (row-level security lets the acting clerk lock only their own department's).
    static func figures(_ c: Connection, period: PeriodCode, indicatorIDs: some Collection<Int>, lock: Bool) throws
        -> [Int: FigureRow]
    {
        let forUpdate: SQLQuery = lock ? " FOR UPDATE" : ""
        let rows = try c.query(
            """
            SELECT id, state, version, entered_by, changed_since_approval, status, value, note, as_of,
                   approved_status, approved_value, approved_note, approved_as_of, indicator_id
            FROM figures
            WHERE period_code = \(period) AND indicator_id = ANY(\(ArrayParameter(indicatorIDs))::bigint[])
            """ + forUpdate)
        var found: [Int: FigureRow] = [:]
        found.reserveCapacity(rows.count)
        for r in rows {
            let (id, state, version, enteredBy, changed) = try r.decode((Int, WorkflowState, Int, Int, Bool).self)
            found[try r.decode(Int.self, at: 13)] = FigureRow(
                id: id, state: state, version: version, content: try FigureContent(r), enteredBy: enteredBy,
                approved: try FigureContent(approvedIn: r), changedSinceApproval: changed)
        }
        return found
    }

    /// The latest approved value before `period` of each of these indicators that has one (the fall and jump rules'
    /// comparison, as ``FigureStore/previousApproved(_:indicatorID:before:)`` reads it for one).
    static func previousApproved(_ c: Connection, indicatorIDs: some Collection<Int>, before period: PeriodCode)
        throws -> [Int: PreviousFigure]
    {
        // One backward step of the (indicator_id, period_code) index per indicator, however long the history.
        let rows = try c.query(
            """
            SELECT t.indicator_id, f.period_code, f.approved_value
            FROM unnest(\(ArrayParameter(indicatorIDs))::bigint[]) AS t(indicator_id)
            CROSS JOIN LATERAL (
                SELECT period_code, approved_value FROM figures
                WHERE indicator_id = t.indicator_id AND period_code < \(period) AND approved_value IS NOT NULL
                ORDER BY period_code DESC LIMIT 1) f
            """)
        var found: [Int: PreviousFigure] = [:]
        for r in rows {
            let (id, period, value) = try r.decode((Int, PeriodCode, ExactDecimal).self)
            found[id] = PreviousFigure(period: period, value: value)
        }
        return found
    }

    /// Writes the checked rows: per clerk, as that clerk, the new figures, the changed figures and their `save`
    /// steps; then, last (they take the audit chain's lock until COMMIT), each clerk's `figure.save` audit events,
    /// one per figure in the file's order. Throws a conflict when a figure changed or appeared since it was read.
    static func write(_ c: Connection, _ saves: [FigureImport.Save], period: PeriodCode, reason: String?) throws {
        var groups: [Int: [FigureImport.Save]] = [:]
        for save in saves { groups[save.clerk.id ?? 0, default: []].append(save) }
        let order = groups.keys.sorted()
        var audits: [(ActingUser, [FigureImport.Save], [Int])] = []
        for key in order {
            let group = groups[key]!
            let clerk = group[0].clerk
            guard let clerkID = clerk.id else {
                throw ServiceError.forbidden("Only signed-in accounts may change figures.")
            }
            try act(c, as: clerk)
            let created = try insert(c, group.filter { $0.current == nil }, period: period, by: clerkID)
            let changed = group.filter { $0.current != nil }
            if !changed.isEmpty {
                guard try update(c, changed, by: clerkID) == changed.count else { throw FigureSubject.concurrentChange }
            }
            let ids = try group.map { save in
                guard let id = save.current?.id ?? created[save.indicator.id] else {
                    throw FigureSubject.concurrentChange
                }
                return id
            }
            try recordSteps(c, group, figureIDs: ids, by: clerkID)
            audits.append((clerk, group, ids))
        }
        for (clerk, group, _) in audits {
            try act(c, as: clerk)
            try audit(c, group, period: period, by: clerk, reason: reason)
        }
    }

    /// Inserts new draft figures; their ids by indicator id. A figure another transaction inserted first is missing
    /// from the result.
    private static func insert(_ c: Connection, _ saves: [FigureImport.Save], period: PeriodCode, by clerkID: Int)
        throws -> [Int: Int]
    {
        guard !saves.isEmpty else { return [:] }
        let rows = try c.query(
            """
            INSERT INTO figures (indicator_id, period_code, status, value, note, as_of, entered_by)
            SELECT t.indicator_id, \(period), t.status::figure_status, t.value, t.note, t.as_of, \(clerkID)
            FROM unnest(\(ArrayParameter(saves.map(\.indicator.id)))::bigint[],
                        \(ArrayParameter(saves.map(\.content.status)))::text[],
                        \(ArrayParameter(saves.map(\.content.value)))::numeric[],
                        \(ArrayParameter(saves.map(\.content.note)))::text[],
                        \(ArrayParameter(saves.map(\.content.asOf)))::date[])
                 WITH ORDINALITY AS t(indicator_id, status, value, note, as_of, n)
            ORDER BY t.n
            ON CONFLICT (indicator_id, period_code) DO NOTHING
            RETURNING id, indicator_id
            """)
        var ids: [Int: Int] = [:]
        ids.reserveCapacity(rows.count)
        for r in rows {
            let (id, indicatorID) = try r.decode((Int, Int).self)
            ids[indicatorID] = id
        }
        return ids
    }

    /// Writes new content into figures at the versions read, as drafts of the acting clerk; the rows updated.
    private static func update(_ c: Connection, _ saves: [FigureImport.Save], by clerkID: Int) throws -> Int {
        try c.execute(
            """
            UPDATE figures f SET status = t.status::figure_status, value = t.value, note = t.note, as_of = t.as_of,
                state = 'draft', version = f.version + 1, entered_by = \(clerkID),
                changed_since_approval = t.changed, updated_at = now()
            FROM unnest(\(ArrayParameter(saves.map { $0.current!.id }))::bigint[],
                        \(ArrayParameter(saves.map { $0.current!.version }))::integer[],
                        \(ArrayParameter(saves.map(\.content.status)))::text[],
                        \(ArrayParameter(saves.map(\.content.value)))::numeric[],
                        \(ArrayParameter(saves.map(\.content.note)))::text[],
                        \(ArrayParameter(saves.map(\.content.asOf)))::date[],
                        \(ArrayParameter(saves.map(\.changedSinceApproval)))::boolean[])
                 AS t(id, version, status, value, note, as_of, changed)
            WHERE f.id = t.id AND f.version = t.version
            """)
    }

    /// The `save` step of each figure, as ``WorkflowLog/record(_:_:action:from:version:content:comment:reviewedVersion:)``
    /// writes one.
    private static func recordSteps(_ c: Connection, _ saves: [FigureImport.Save], figureIDs: [Int], by clerkID: Int)
        throws
    {
        try c.execute(
            """
            INSERT INTO workflow_events (figure_id, action, from_state, to_state, version, content, actor_id)
            SELECT t.figure_id, 'save', t.from_state::workflow_state, 'draft', t.version, t.content, \(clerkID)
            FROM unnest(\(ArrayParameter(figureIDs))::bigint[],
                        \(ArrayParameter(saves.map { $0.current?.state }))::text[],
                        \(ArrayParameter(saves.map { ($0.current?.version ?? 0) + 1 }))::integer[],
                        \(ArrayParameter(saves.map { FigureImportJSON.content($0.content) }))::jsonb[])
                 WITH ORDINALITY AS t(figure_id, from_state, version, content, n)
            ORDER BY t.n
            """)
    }

    /// One `figure.save` audit event per figure, as ``WorkflowGate/save(_:_:code:period:input:existing:)`` writes
    /// it: the figure before (when it existed) and after, as ``FigureAuditRecord``.
    private static func audit(
        _ c: Connection, _ saves: [FigureImport.Save], period: PeriodCode, by clerk: ActingUser, reason: String?
    ) throws {
        let before = saves.map { save in
            save.current.map {
                FigureImportJSON.auditRecord(
                    $0.content, state: $0.state, version: $0.version, changedSinceApproval: $0.changedSinceApproval)
            }
        }
        let after = saves.map {
            FigureImportJSON.auditRecord(
                $0.content, state: .draft, version: ($0.current?.version ?? 0) + 1,
                changedSinceApproval: $0.changedSinceApproval)
        }
        try c.execute(
            """
            INSERT INTO audit_events (actor_id, actor_login, action, entity, entity_id, before, after, reason)
            SELECT \(clerk.id), \(clerk.login), \(AuditAction.figureSave), \(AuditEntity.figure), t.entity_id,
                   t.before, t.after, \(reason)
            FROM unnest(\(ArrayParameter(saves.map { "\(period)/\($0.indicator.code)" }))::text[],
                        \(ArrayParameter(before))::jsonb[], \(ArrayParameter(after))::jsonb[])
                 WITH ORDINALITY AS t(entity_id, before, after, n)
            ORDER BY t.n
            """)
    }
}
