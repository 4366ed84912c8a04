import Foundation
import LibPQ

/// SQL for the figures table. It checks nothing: the rules are in ``FigureRules`` and ``WorkflowGate``.
enum FigureStore: ReviewStore {
    static let table = "figures"

    /// An indicator and its project's owner. With `lock`, the project row is share-locked.
    static func target(_ c: Connection, code: String, lock: Bool) throws -> IndicatorRef? {
        let lock: SQLQuery = lock ? " FOR SHARE OF p" : ""
        guard
            let r = try c.query(
                """
                SELECT i.id, i.code, i.name, i.kind, i.value_type, i.decimals, p.id, p.code, p.department_id, d.code
                FROM indicators i JOIN projects p ON p.id = i.project_id JOIN departments d ON d.id = p.department_id
                WHERE i.code = \(code)
                """ + lock
            ).first
        else { return nil }
        let (id, code, name, kind, valueType, decimals, projectID, projectCode, departmentID, departmentCode) =
            try r.decode((Int, String, String, MeasureKind, ValueType, Int, Int, String, Int, String).self)
        return IndicatorRef(
            id: id, code: code, name: name, kind: kind, valueType: valueType, decimals: decimals,
            owner: ProjectOwner(
                projectID: projectID, projectCode: projectCode, departmentID: departmentID,
                departmentCode: departmentCode))
    }

    /// The figure of an indicator in a period, if entered; with `forUpdate`, locked until the transaction ends.
    static func row(_ c: Connection, of indicator: IndicatorRef, period: PeriodCode, forUpdate: Bool) throws
        -> FigureRow?
    {
        let lock: SQLQuery = forUpdate ? " FOR UPDATE" : ""
        guard
            let r = try c.query(
                """
                SELECT id, state, version, entered_by, changed_since_approval, status, value, note, as_of,
                       approved_status, approved_value, approved_note, approved_as_of
                FROM figures WHERE indicator_id = \(indicator.id) AND period_code = \(period)
                """ + lock
            ).first
        else { return nil }
        let (id, state, version, enteredBy, changed) = try r.decode((Int, WorkflowState, Int, Int, Bool).self)
        return FigureRow(
            id: id, state: state, version: version, content: try FigureContent(r), enteredBy: enteredBy,
            approved: try FigureContent(approvedIn: r), changedSinceApproval: changed)
    }

    /// Inserts a draft figure and returns it (``returning``); nil when another transaction inserted it first.
    static func insert(
        _ c: Connection, _ content: FigureContent, of indicator: IndicatorRef, period: PeriodCode, by actorID: Int
    ) throws -> Row? {
        try c.query(
            """
            INSERT INTO figures (indicator_id, period_code, status, value, note, as_of, entered_by)
            VALUES (\(indicator.id), \(period), \(content.status), \(content.value), \(content.note),
                    \(content.asOf), \(actorID))
            ON CONFLICT (indicator_id, period_code) DO NOTHING
            RETURNING \(returning)
            """
        ).first
    }

    /// Writes new content into the figure at `current`'s version and makes it a draft; the figure as written.
    static func update(
        _ c: Connection, _ current: FigureRow, to content: FigureContent, changedSinceApproval changed: Bool,
        by actorID: Int
    ) throws -> Row? {
        try c.query(
            """
            UPDATE figures SET status = \(content.status), value = \(content.value), note = \(content.note),
                as_of = \(content.asOf), state = 'draft', version = version + 1, entered_by = \(actorID),
                changed_since_approval = \(changed), updated_at = now()
            WHERE id = \(current.id) AND version = \(current.version)
            RETURNING \(returning)
            """
        ).first
    }

    /// Approves the figure at `current`'s version: its content becomes the approved one. The figure as written.
    static func approve(_ c: Connection, _ current: FigureRow, by approver: Int) throws -> Row? {
        try c.query(
            """
            UPDATE figures SET state = 'approved', version = version + 1, approved_status = status,
                approved_value = value, approved_note = note, approved_as_of = as_of, approved_at = now(),
                approved_by = \(approver), changed_since_approval = false, updated_at = now()
            WHERE id = \(current.id) AND version = \(current.version)
            RETURNING \(returning)
            """
        ).first
    }

    // MARK: A workflow step's lookup and writes (``WorkflowGate/lookupQuery(_:code:period:mode:)``)

    static let eventColumn = "figure_id"

    static func targetSelect(code: String) -> SQLQuery {
        """
        SELECT i.id AS target_id, i.code AS target_code, i.name AS target_name, i.kind AS target_kind,
               i.value_type AS target_value_type, i.decimals AS target_decimals, p.id AS target_project_id,
               p.code AS target_project_code, p.title AS target_project_title, p.department_id AS target_department_id,
               d.code AS target_department_code, d.name AS target_department_name
        FROM indicators i JOIN projects p ON p.id = i.project_id JOIN departments d ON d.id = p.department_id
        WHERE i.code = \(code)
        """
    }

    static func target(_ r: Row) throws -> IndicatorRef? {
        guard let id = try r["target_id"] as Int? else { return nil }
        return IndicatorRef(
            id: id, code: try r["target_code"], name: try r["target_name"], kind: try r["target_kind"],
            valueType: try r["target_value_type"], decimals: try r["target_decimals"],
            owner: try ProjectOwner(lookup: r))
    }

    static func itemSelect(period: PeriodCode) -> SQLQuery {
        """
        SELECT f.id AS item_id, f.entered_by, f.status, f.value, f.note, f.as_of, f.state, f.version,
               f.changed_since_approval, f.updated_at, f.approved_status, f.approved_value, f.approved_note,
               f.approved_as_of, f.approved_at, eu.login AS entered_by_login, au.login AS approved_by_login
        FROM figures f JOIN users eu ON eu.id = f.entered_by LEFT JOIN users au ON au.id = f.approved_by
        WHERE f.indicator_id = t.target_id AND f.period_code = \(period)
        FOR UPDATE OF f
        """
    }

    static let returning: SQLQuery = """
        id AS item_id, entered_by, status, value, note, as_of, state, version, changed_since_approval, updated_at,
        approved_status, approved_value, approved_note, approved_as_of, approved_at,
        (SELECT login FROM users WHERE id = figures.entered_by) AS entered_by_login,
        (SELECT login FROM users WHERE id = figures.approved_by) AS approved_by_login
        """

    static func reviewRow(_ r: Row) throws -> FigureRow? {
        guard let id = try r["item_id"] as Int? else { return nil }
        return FigureRow(
            id: id, state: try r["state"], version: try r["version"], content: try FigureContent(r),
            enteredBy: try r["entered_by"], approved: try FigureContent(approvedIn: r),
            changedSinceApproval: try r["changed_since_approval"])
    }

    static func info(_ r: Row, target: IndicatorRef, period: PeriodCode) throws -> FigureInfo {
        FigureInfo(
            indicator: target.code, indicatorName: target.name, project: target.owner.projectCode,
            department: target.owner.departmentCode, period: period, content: try FigureContent(r),
            state: try r["state"], version: try r["version"], changedSinceApproval: try r["changed_since_approval"],
            enteredBy: try r["entered_by_login"], updatedAt: try r["updated_at"],
            approved: try FigureContent(approvedIn: r), approvedAt: try r["approved_at"],
            approvedBy: try r["approved_by_login"])
    }

    /// The latest approved value of an earlier period, for the fall and jump rules.
    static func previousApproved(_ c: Connection, indicatorID: Int, before period: PeriodCode) throws
        -> PreviousFigure?
    {
        // Period codes (YYYYQn, checked by the schema) sort in time order.
        try c.query(
            """
            SELECT period_code, approved_value FROM figures
            WHERE indicator_id = \(indicatorID) AND period_code < \(period) AND approved_value IS NOT NULL
            ORDER BY period_code DESC LIMIT 1
            """
        ).first.map { r in
            let (period, value) = try r.decode((PeriodCode, ExactDecimal).self)
            return PreviousFigure(period: period, value: value)
        }
    }

    static func info(_ c: Connection, id: Int) throws -> FigureInfo {
        guard let info = try infos(c, where: "f.id = \(id)").first else {
            throw ServiceError.notFound("There is no figure \(id).")
        }
        return info
    }

    static func infos(
        _ c: Connection, period: PeriodCode, project: String?, department: String?, state: WorkflowState?
    ) throws -> [FigureInfo] {
        try infos(
            c,
            where: """
                f.period_code = \(period) AND (\(project)::text IS NULL OR p.code = \(project))
                AND (\(department)::text IS NULL OR d.code = \(department))
                AND (\(state)::text IS NULL OR f.state::text = \(state))
                """)
    }

    private static func infos(_ c: Connection, where condition: SQLQuery) throws -> [FigureInfo] {
        let rows = try c.query(
            """
            SELECT i.code AS indicator, i.name AS indicator_name, p.code AS project, d.code AS department,
                   f.period_code AS period, f.status, f.value, f.note, f.as_of, f.state, f.version,
                   f.changed_since_approval, eu.login AS entered_by, f.updated_at, f.approved_status,
                   f.approved_value, f.approved_note, f.approved_as_of, f.approved_at, au.login AS approved_by
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
                indicator: try r["indicator"], indicatorName: try r["indicator_name"], project: try r["project"],
                department: try r["department"], period: try r["period"], content: try FigureContent(r),
                state: try r["state"], version: try r["version"],
                changedSinceApproval: try r["changed_since_approval"], enteredBy: try r["entered_by"],
                updatedAt: try r["updated_at"], approved: try FigureContent(approvedIn: r),
                approvedAt: try r["approved_at"], approvedBy: try r["approved_by"])
        }
    }
}

extension FigureContent {
    /// Reads the columns `status`, `value`, `note` and `as_of` by name.
    init(_ r: Row) throws {
        self.init(status: try r["status"], value: try r["value"], note: try r["note"], asOf: try r["as_of"])
    }

    /// Reads the approved snapshot, `approved_status` … `approved_as_of`; nil until the figure is first approved.
    init?(approvedIn r: Row) throws {
        guard let status = try r["approved_status"] as FigureStatus? else { return nil }
        self.init(
            status: status, value: try r["approved_value"], note: try r["approved_note"],
            asOf: try r["approved_as_of"])
    }
}
