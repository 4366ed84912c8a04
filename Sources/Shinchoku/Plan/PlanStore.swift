import Foundation
import LibPQ

/// SQL for the plan tables.
enum PlanStore {
    static func departments(_ c: Connection) throws -> [DepartmentInfo] {
        try c.query("SELECT code, name, approving, version FROM departments ORDER BY code")
            .decode((String, String, Bool, Int).self)
            .map { DepartmentInfo(code: $0.0, name: $0.1, approving: $0.2, version: $0.3) }
    }

    static func department(_ c: Connection, code: String, forUpdate: Bool = false) throws -> DepartmentInfo? {
        let lock: SQLQuery = forUpdate ? " FOR UPDATE" : ""
        return try c.query("SELECT code, name, approving, version FROM departments WHERE code = \(code)" + lock)
            .decode((String, String, Bool, Int).self)
            .map { DepartmentInfo(code: $0.0, name: $0.1, approving: $0.2, version: $0.3) }
            .first
    }

    static func indicators(_ c: Connection, code: String?, projectID: Int? = nil) throws -> [IndicatorInfo] {
        let rows = try c.query(
            """
            SELECT i.code, p.code AS project_code, i.name, i.target_label, i.unit, i.actual_unit, i.kind,
                   i.value_type, i.direction, i.decimals, i.baseline_value, i.baseline_as_of, i.baseline_label,
                   i.target_value, i.target_fiscal_year, i.target_qualifier, i.target_note
            FROM indicators i JOIN projects p ON p.id = i.project_id
            WHERE (\(code)::text IS NULL OR i.code = \(code)) AND (\(projectID)::bigint IS NULL OR p.id = \(projectID))
            ORDER BY p.position, i.position
            """)
        return try rows.map { r in
            IndicatorInfo(
                code: try r["code"], projectCode: try r["project_code"], name: try r["name"],
                targetLabel: try r["target_label"], unit: try r["unit"], actualUnit: try r["actual_unit"],
                kind: try r["kind"], valueType: try r["value_type"], direction: try r["direction"],
                decimals: try r["decimals"], baseline: try r["baseline_value"], baselineAsOf: try r["baseline_as_of"],
                baselineLabel: try r["baseline_label"], target: try r["target_value"],
                targetFiscalYear: try r["target_fiscal_year"], targetQualifier: try r["target_qualifier"],
                targetNote: try r["target_note"])
        }
    }

    /// The projects in plan order (one, with `code`), each with its indicators. Without `texts`, `overview` and
    /// `mainInitiatives` are left empty (not read): for readers that do not print them, such as the JSON report.
    static func projects(_ c: Connection, code: String?, texts: Bool = true) throws -> [ProjectInfo] {
        let rows = try c.query(
            """
            SELECT p.id, p.code, g.code AS program_code, g.name AS program_name, p.title, p.subtitle,
                   d.code AS department_code, d.name AS department_name, d.approving, d.version AS department_version,
                   CASE WHEN \(texts) THEN p.overview ELSE '[]'::jsonb END AS overview,
                   CASE WHEN \(texts) THEN p.main_initiatives ELSE '[]'::jsonb END AS main_initiatives,
                   p.target_heading, p.version
            FROM projects p JOIN programs g ON g.id = p.program_id JOIN departments d ON d.id = p.department_id
            WHERE \(code)::text IS NULL OR p.code = \(code)
            ORDER BY p.position
            """)
        // One project's page needs only its own indicators, not the whole plan's.
        let onlyProject = code == nil ? nil : try rows.first?.decode(Int.self)
        if code != nil && onlyProject == nil { return [] }
        let indicators = Dictionary(
            grouping: try Self.indicators(c, code: nil, projectID: onlyProject), by: \.projectCode)
        return try rows.map { r in
            let code: String = try r["code"]
            return ProjectInfo(
                code: code, programCode: try r["program_code"], programName: try r["program_name"],
                title: try r["title"], subtitle: try r["subtitle"],
                department: DepartmentInfo(
                    code: try r["department_code"], name: try r["department_name"], approving: try r["approving"],
                    version: try r["department_version"]),
                overview: try r.decode(PostgresJSON<[String]>.self, column: "overview").value,
                mainInitiatives: try r.decode(PostgresJSON<[String]>.self, column: "main_initiatives").value,
                targetHeading: try r["target_heading"], indicators: indicators[code] ?? [], version: try r["version"])
        }
    }

    static func export(_ c: Connection) throws -> PlanFile {
        guard let plan = try c.query("SELECT title, plan_start_fiscal_year FROM plans").first else {
            throw ServiceError.notFound("No plan has been imported yet.", remedy: .importPlan)
        }
        let (title, start) = try plan.decode((String, Int).self)
        let programs = try c.query("SELECT code, name FROM programs ORDER BY position").decode((String, String).self)
        return PlanFile(
            format: PlanFile.formatName, title: title, planStartFiscalYear: start,
            departments: try departments(c).map { .init(code: $0.code, name: $0.name, approving: $0.approving) },
            programs: programs.map { .init(code: $0.0, name: $0.1) },
            projects: try projects(c, code: nil).map { p in
                .init(
                    code: p.code, program: p.programCode, title: p.title, subtitle: p.subtitle,
                    department: p.department.code, overview: p.overview, mainInitiatives: p.mainInitiatives,
                    targetHeading: p.targetHeading,
                    indicators: p.indicators.map { i in
                        .init(
                            code: i.code, name: i.name, targetLabel: i.targetLabel, unit: i.unit,
                            actualUnit: i.actualUnit, kind: i.kind, valueType: i.valueType, direction: i.direction,
                            decimals: i.decimals, baseline: i.baseline, baselineAsOf: i.baselineAsOf,
                            baselineLabel: i.baselineLabel, target: i.target, targetFiscalYear: i.targetFiscalYear,
                            targetQualifier: i.targetQualifier, targetNote: i.targetNote)
                    })
            })
    }

    static func validateDepartment(code: String, name: String, into v: inout Validation, field prefix: String) {
        let codeOK = code.range(of: "^[a-z][a-z0-9_]{1,31}$", options: .regularExpression) != nil
        v.require(codeOK, prefix + "code", "must be 2–32 lower-case letters, digits or _, starting with a letter")
        v.require(!name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, prefix + "name", "must not be empty")
        _ = v.text(name, prefix + "name")
    }

    /// Checks a plan file as a whole, naming every field at fault.
    static func validate(_ plan: PlanFile, existingDepartments: Set<String>) throws {
        var v = Validation()
        v.require(plan.format == PlanFile.formatName, "format", "must be \"\(PlanFile.formatName)\"")
        v.require(!plan.title.isEmpty, "title", "must not be empty")
        v.require(
            (2000...2100).contains(plan.planStartFiscalYear), "plan_start_fiscal_year",
            "must be a fiscal year such as 2021")
        var departments = existingDepartments
        for (i, d) in plan.departments.enumerated() {
            validateDepartment(code: d.code, name: d.name, into: &v, field: "departments[\(i)].")
            departments.insert(d.code)
        }
        let programCodes = Set(plan.programs.map(\.code))
        v.require(programCodes.count == plan.programs.count, "programs", "program codes must be unique")
        var projectCodes = Set<String>()
        var indicatorCodes = Set<String>()
        let approving = Set(plan.departments.filter(\.approving).map(\.code))
        for (pi, p) in plan.projects.enumerated() {
            let f = "projects[\(pi)]."
            v.require(
                p.code.range(of: "^[0-9]{1,2}(-[0-9]{1,2})?$", options: .regularExpression) != nil, f + "code",
                "must be a plan number such as 1-1 or 9")
            v.require(projectCodes.insert(p.code).inserted, f + "code", "\(p.code) appears twice")
            v.require(programCodes.contains(p.program), f + "program", "there is no program \(p.program)")
            v.require(departments.contains(p.department), f + "department", "there is no department \(p.department)")
            v.require(!approving.contains(p.department), f + "department", "the approving division cannot own projects")
            v.require(!p.title.isEmpty, f + "title", "must not be empty")
            for (ii, ind) in p.indicators.enumerated() {
                let g = f + "indicators[\(ii)]."
                v.require(
                    ind.code.hasPrefix(p.code + "."), g + "code", "must start with the project's code, \(p.code).")
                v.require(indicatorCodes.insert(ind.code).inserted, g + "code", "\(ind.code) appears twice")
                v.require(!ind.name.isEmpty, g + "name", "must not be empty")
                v.require(!ind.unit.isEmpty, g + "unit", "must not be empty")
                v.require((0...6).contains(ind.decimals), g + "decimals", "must be 0 to 6")
                v.require(ind.valueType != .count || ind.decimals == 0, g + "decimals", "counts have no decimals")
                v.require(ind.target.scale <= max(ind.decimals, 1), g + "target", "has more decimals than allowed")
                v.require(!ind.target.isNegative, g + "target", "must not be negative")
                v.require(ind.valueType != .rate || ind.target.decimal <= 100, g + "target", "a rate is at most 100")
                v.require(
                    (ind.baseline == nil) == (ind.baselineAsOf == nil), g + "baseline_as_of",
                    "a baseline needs its as-of date, and only a baseline has one")
                // Reports place the baseline in the quarter after its date, which must be one Shinchoku can name.
                if let asOf = ind.baselineAsOf {
                    v.require(
                        asOf >= CalendarDate(year: 1990, month: 4, day: 1)! && asOf.year < 2200, g + "baseline_as_of",
                        "must be a date between 1990-04-01 and 2199-12-31")
                }
                v.require(
                    (2000...2100).contains(ind.targetFiscalYear), g + "target_fiscal_year",
                    "must be a fiscal year such as 2023")
            }
        }
        try v.check()
    }

    static func importPlan(_ plan: PlanFile, _ tx: Transaction) throws -> PlanImportSummary {
        let c = tx.connection
        let existing = Set(try departments(c).map(\.code))
        try validate(plan, existingDepartments: existing)
        var created = 0
        func upserted(_ r: QueryResult) throws {
            if try r.first?.decode(Bool.self) == true { created += 1 }
        }
        try c.execute(
            """
            INSERT INTO plans (title, plan_start_fiscal_year) VALUES (\(plan.title), \(plan.planStartFiscalYear))
            ON CONFLICT (singleton) DO UPDATE SET title = EXCLUDED.title, plan_start_fiscal_year = EXCLUDED.plan_start_fiscal_year
            """)
        for d in plan.departments {
            try upserted(
                c.query(
                    """
                    INSERT INTO departments (code, name, approving) VALUES (\(d.code), \(d.name), \(d.approving))
                    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, approving = EXCLUDED.approving,
                        version = departments.version + 1, updated_at = now()
                        WHERE (departments.name, departments.approving) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.approving)
                    RETURNING xmax = 0
                    """))
        }
        for (i, g) in plan.programs.enumerated() {
            try upserted(
                c.query(
                    """
                    INSERT INTO programs (code, name, position) VALUES (\(g.code), \(g.name), \(i + 1))
                    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, position = EXCLUDED.position
                    RETURNING xmax = 0
                    """))
        }
        for (pi, p) in plan.projects.enumerated() {
            // Ownership of an existing project is left alone: transfers are audited separately.
            try upserted(
                c.query(
                    """
                    INSERT INTO projects (code, program_id, position, title, subtitle, overview, main_initiatives,
                                          target_heading, department_id)
                    VALUES (\(p.code), (SELECT id FROM programs WHERE code = \(p.program)), \(pi + 1), \(p.title),
                            \(p.subtitle), \(PostgresJSON(p.overview)), \(PostgresJSON(p.mainInitiatives)),
                            \(p.targetHeading), (SELECT id FROM departments WHERE code = \(p.department)))
                    ON CONFLICT (code) DO UPDATE SET program_id = EXCLUDED.program_id, position = EXCLUDED.position,
                        title = EXCLUDED.title, subtitle = EXCLUDED.subtitle, overview = EXCLUDED.overview,
                        main_initiatives = EXCLUDED.main_initiatives, target_heading = EXCLUDED.target_heading
                    RETURNING xmax = 0
                    """))
            for (ii, ind) in p.indicators.enumerated() {
                try upserted(
                    c.query(
                        """
                        INSERT INTO indicators (code, project_id, position, name, target_label, unit, actual_unit, kind,
                            value_type, direction, decimals, baseline_value, baseline_as_of, baseline_label,
                            target_value, target_fiscal_year, target_qualifier, target_note)
                        VALUES (\(ind.code), (SELECT id FROM projects WHERE code = \(p.code)), \(ii + 1), \(ind.name),
                            \(ind.targetLabel), \(ind.unit), \(ind.actualUnit), \(ind.kind.rawValue),
                            \(ind.valueType.rawValue), \(ind.direction.rawValue), \(ind.decimals), \(ind.baseline),
                            \(ind.baselineAsOf), \(ind.baselineLabel), \(ind.target), \(ind.targetFiscalYear),
                            \(ind.targetQualifier?.rawValue), \(ind.targetNote))
                        ON CONFLICT (code) DO UPDATE SET project_id = EXCLUDED.project_id, position = EXCLUDED.position,
                            name = EXCLUDED.name, target_label = EXCLUDED.target_label, unit = EXCLUDED.unit,
                            actual_unit = EXCLUDED.actual_unit, kind = EXCLUDED.kind, value_type = EXCLUDED.value_type,
                            direction = EXCLUDED.direction, decimals = EXCLUDED.decimals,
                            baseline_value = EXCLUDED.baseline_value, baseline_as_of = EXCLUDED.baseline_as_of,
                            baseline_label = EXCLUDED.baseline_label, target_value = EXCLUDED.target_value,
                            target_fiscal_year = EXCLUDED.target_fiscal_year,
                            target_qualifier = EXCLUDED.target_qualifier, target_note = EXCLUDED.target_note
                        RETURNING xmax = 0
                        """))
            }
        }
        let summary = PlanImportSummary(
            departments: plan.departments.count, programs: plan.programs.count, projects: plan.projects.count,
            indicators: plan.projects.reduce(0) { $0 + $1.indicators.count }, created: created)
        try tx.audit(.planImport, id: plan.title, after: summary)
        return summary
    }
}
