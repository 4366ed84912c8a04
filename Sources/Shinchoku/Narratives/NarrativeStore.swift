import Foundation
import LibPQ

/// SQL for the narratives table. It checks nothing: the rules are in ``NarrativeRules`` and ``WorkflowGate``.
enum NarrativeStore: ReviewStore {
    static let table = "narratives"

    /// A project and its owner. With `lock`, the project row is share-locked.
    static func target(_ c: Connection, code: String, lock: Bool) throws -> ProjectOwner? {
        let forShare: SQLQuery = lock ? " FOR SHARE OF p" : ""
        return try c.query(
            """
            SELECT p.id, p.code, p.department_id, d.code
            FROM projects p JOIN departments d ON d.id = p.department_id
            WHERE p.code = \(code)
            """ + forShare
        ).first.map { r in
            let (projectID, projectCode, departmentID, departmentCode) = try r.decode((Int, String, Int, String).self)
            return ProjectOwner(
                projectID: projectID, projectCode: projectCode, departmentID: departmentID,
                departmentCode: departmentCode)
        }
    }

    /// The narrative of a project in a period, if written; with `forUpdate`, locked until the transaction ends.
    static func row(_ c: Connection, of project: ProjectOwner, period: PeriodCode, forUpdate: Bool) throws
        -> NarrativeRow?
    {
        let lock: SQLQuery = forUpdate ? " FOR UPDATE" : ""
        guard
            let r = try c.query(
                """
                SELECT id, state, version, entered_by, changed_since_approval, approved_content,
                       progress, progress_hard, progress_soft, outlook, outlook_hard, outlook_soft
                FROM narratives WHERE project_id = \(project.projectID) AND period_code = \(period)
                """ + lock
            ).first
        else { return nil }
        let (id, state, version, enteredBy, changed, approved) = try r.decode(
            (Int, WorkflowState, Int, Int, Bool, RawJSON?).self)
        return NarrativeRow(
            id: id, state: state, version: version, content: try NarrativeContent(r), enteredBy: enteredBy,
            approved: try approved.map { try WorkflowJSON.decode(NarrativeContent.self, $0) },
            changedSinceApproval: changed)
    }

    /// Writes new texts into the narrative at `current`'s version and makes it a draft; the narrative as written.
    static func update(
        _ c: Connection, _ current: NarrativeRow, to content: NarrativeContent, changedSinceApproval changed: Bool,
        by actorID: Int
    ) throws -> Row? {
        try c.query(
            """
            UPDATE narratives SET progress = \(content.progress), progress_hard = \(content.progressHard),
                progress_soft = \(content.progressSoft), outlook = \(content.outlook),
                outlook_hard = \(content.outlookHard), outlook_soft = \(content.outlookSoft),
                state = 'draft', version = version + 1, entered_by = \(actorID),
                changed_since_approval = \(changed), updated_at = now()
            WHERE id = \(current.id) AND version = \(current.version)
            RETURNING \(returning)
            """
        ).first
    }

    /// Inserts a draft narrative and returns it (``returning``); nil when another transaction inserted it first.
    static func insert(
        _ c: Connection, _ content: NarrativeContent, of project: ProjectOwner, period: PeriodCode, by actorID: Int
    ) throws -> Row? {
        try c.query(
            """
            INSERT INTO narratives (project_id, period_code, progress, progress_hard, progress_soft,
                                    outlook, outlook_hard, outlook_soft, entered_by)
            VALUES (\(project.projectID), \(period), \(content.progress), \(content.progressHard), \(content.progressSoft),
                    \(content.outlook), \(content.outlookHard), \(content.outlookSoft), \(actorID))
            ON CONFLICT (project_id, period_code) DO NOTHING
            RETURNING \(returning)
            """
        ).first
    }

    /// Approves the narrative at `current`'s version: its texts become the approved ones. The narrative as written.
    static func approve(_ c: Connection, _ current: NarrativeRow, by approver: Int) throws -> Row? {
        try c.query(
            """
            UPDATE narratives SET state = 'approved', version = version + 1,
                approved_content = \(try WorkflowJSON.encode(current.content)), approved_at = now(),
                approved_by = \(approver), changed_since_approval = false, updated_at = now()
            WHERE id = \(current.id) AND version = \(current.version)
            RETURNING \(returning)
            """
        ).first
    }

    // MARK: A workflow step's lookup and writes (``WorkflowGate/lookupQuery(_:code:period:mode:)``)

    static let eventColumn = "narrative_id"

    static func targetSelect(code: String) -> SQLQuery {
        """
        SELECT p.id AS target_id, p.code AS target_code, p.id AS target_project_id, p.code AS target_project_code,
               p.title AS target_project_title, p.department_id AS target_department_id,
               d.code AS target_department_code, d.name AS target_department_name
        FROM projects p JOIN departments d ON d.id = p.department_id
        WHERE p.code = \(code)
        """
    }

    static func target(_ r: Row) throws -> ProjectOwner? {
        guard try r["target_id"] as Int? != nil else { return nil }
        return try ProjectOwner(lookup: r)
    }

    static func itemSelect(period: PeriodCode) -> SQLQuery {
        """
        SELECT n.id AS item_id, n.entered_by, n.progress, n.progress_hard, n.progress_soft, n.outlook, n.outlook_hard,
               n.outlook_soft, n.state, n.version, n.changed_since_approval, n.updated_at, n.approved_content,
               n.approved_at, eu.login AS entered_by_login, au.login AS approved_by_login
        FROM narratives n JOIN users eu ON eu.id = n.entered_by LEFT JOIN users au ON au.id = n.approved_by
        WHERE n.project_id = t.target_id AND n.period_code = \(period)
        FOR UPDATE OF n
        """
    }

    static let returning: SQLQuery = """
        id AS item_id, entered_by, progress, progress_hard, progress_soft, outlook, outlook_hard, outlook_soft, state,
        version, changed_since_approval, updated_at, approved_content, approved_at,
        (SELECT login FROM users WHERE id = narratives.entered_by) AS entered_by_login,
        (SELECT login FROM users WHERE id = narratives.approved_by) AS approved_by_login
        """

    static func reviewRow(_ r: Row) throws -> NarrativeRow? {
        guard let id = try r["item_id"] as Int? else { return nil }
        return NarrativeRow(
            id: id, state: try r["state"], version: try r["version"], content: try NarrativeContent(r),
            enteredBy: try r["entered_by"], approved: try approvedContent(r),
            changedSinceApproval: try r["changed_since_approval"])
    }

    static func info(_ r: Row, target: ProjectOwner, period: PeriodCode) throws -> NarrativeInfo {
        let content = try NarrativeContent(r)
        return NarrativeInfo(
            project: target.projectCode, projectTitle: target.projectTitle ?? "", department: target.departmentCode,
            period: period, progress: content.progress, progressHard: content.progressHard,
            progressSoft: content.progressSoft, outlook: content.outlook, outlookHard: content.outlookHard,
            outlookSoft: content.outlookSoft, state: try r["state"], version: try r["version"],
            changedSinceApproval: try r["changed_since_approval"], enteredBy: try r["entered_by_login"],
            updatedAt: try r["updated_at"], approvedContent: try approvedContent(r), approvedAt: try r["approved_at"],
            approvedBy: try r["approved_by_login"])
    }

    /// The approved texts in `approved_content`; nil until first approved.
    private static func approvedContent(_ r: Row) throws -> NarrativeContent? {
        try (r["approved_content"] as RawJSON?).map { try WorkflowJSON.decode(NarrativeContent.self, $0) }
    }

    static func info(_ c: Connection, id: Int) throws -> NarrativeInfo {
        guard let info = try infos(c, where: "n.id = \(id)").first else {
            throw ServiceError.notFound("There is no narrative \(id).")
        }
        return info
    }

    static func infos(_ c: Connection, period: PeriodCode, department: String?, state: WorkflowState?) throws
        -> [NarrativeInfo]
    {
        try infos(
            c,
            where: """
                n.period_code = \(period) AND (\(department)::text IS NULL OR d.code = \(department))
                AND (\(state)::text IS NULL OR n.state::text = \(state))
                """)
    }

    private static func infos(_ c: Connection, where condition: SQLQuery) throws -> [NarrativeInfo] {
        let rows = try c.query(
            """
            SELECT p.code AS project, p.title AS project_title, d.code AS department, n.period_code AS period,
                   n.progress, n.progress_hard, n.progress_soft, n.outlook, n.outlook_hard, n.outlook_soft,
                   n.state, n.version, n.changed_since_approval, eu.login AS entered_by, n.updated_at,
                   n.approved_content, n.approved_at, au.login AS approved_by
            FROM narratives n
            JOIN projects p ON p.id = n.project_id
            JOIN departments d ON d.id = p.department_id
            JOIN users eu ON eu.id = n.entered_by
            LEFT JOIN users au ON au.id = n.approved_by
            WHERE \(condition)
            ORDER BY p.position, n.period_code
            """)
        return try rows.map { r in
            let content = try NarrativeContent(r)
            let approved = try (r["approved_content"] as RawJSON?).map {
                try WorkflowJSON.decode(NarrativeContent.self, $0)
            }
            return NarrativeInfo(
                project: try r["project"], projectTitle: try r["project_title"], department: try r["department"],
                period: try r["period"], progress: content.progress, progressHard: content.progressHard,
                progressSoft: content.progressSoft, outlook: content.outlook, outlookHard: content.outlookHard,
                outlookSoft: content.outlookSoft, state: try r["state"], version: try r["version"],
                changedSinceApproval: try r["changed_since_approval"], enteredBy: try r["entered_by"],
                updatedAt: try r["updated_at"], approvedContent: approved, approvedAt: try r["approved_at"],
                approvedBy: try r["approved_by"])
        }
    }
}

extension NarrativeContent {
    /// Reads the six text columns by name (`progress`, `progress_hard`, … `outlook_soft`).
    init(_ r: Row) throws {
        self.init(
            progress: try r["progress"], progressHard: try r["progress_hard"], progressSoft: try r["progress_soft"],
            outlook: try r["outlook"], outlookHard: try r["outlook_hard"], outlookSoft: try r["outlook_soft"])
    }
}
