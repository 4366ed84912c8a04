import Foundation
import LibPQ

/// A department as users see it.
public struct DepartmentInfo: Sendable, Equatable, Codable {
    public var code: String
    public var name: String
    public var approving: Bool
    public var version: Int
}

/// What `plan import` did.
public struct PlanImportSummary: Sendable, Equatable, Codable {
    public var departments: Int
    public var programs: Int
    public var projects: Int
    public var indicators: Int
    /// Rows created (the rest were updated in place or unchanged).
    public var created: Int
}

/// A project with its indicators, as `plan show` and the API present it.
public struct ProjectInfo: Sendable, Equatable, Codable {
    public var code: String
    public var programCode: String
    public var programName: String
    public var title: String
    public var subtitle: String
    public var department: DepartmentInfo
    public var overview: [String]
    public var mainInitiatives: [String]
    public var targetHeading: String
    public var indicators: [IndicatorInfo]
    public var version: Int
}

/// An indicator's definition.
public struct IndicatorInfo: Sendable, Equatable, Codable {
    public var code: String
    public var projectCode: String
    public var name: String
    public var targetLabel: String
    public var unit: String
    public var actualUnit: String?
    public var kind: MeasureKind
    public var valueType: ValueType
    public var direction: Direction
    public var decimals: Int
    public var baseline: ExactDecimal?
    public var baselineAsOf: CalendarDate?
    public var baselineLabel: String?
    public var target: ExactDecimal
    public var targetFiscalYear: Int
    public var targetQualifier: TargetQualifier?
    public var targetNote: String?
}

extension ShinchokuService {
    // MARK: Reading the plan

    /// Every department, by code.
    public func departments(as reader: ActorReference) async throws -> [DepartmentInfo] {
        try await perform(as: reader) { tx in try PlanStore.departments(tx.connection) }
    }

    /// Every project with its indicators, in plan order.
    public func projects(as reader: ActorReference) async throws -> [ProjectInfo] {
        try await perform(as: reader) { tx in try PlanStore.projects(tx.connection, code: nil) }
    }

    /// One project with its indicators.
    public func project(_ code: String, as reader: ActorReference) async throws -> ProjectInfo {
        try await perform(as: reader) { tx in
            guard let p = try PlanStore.projects(tx.connection, code: code).first else {
                throw ServiceError.notFound("There is no project \(code) in the plan.")
            }
            return p
        }
    }

    /// One indicator.
    public func indicator(_ code: String, as reader: ActorReference) async throws -> IndicatorInfo {
        try await perform(as: reader) { tx in
            guard let i = try PlanStore.indicators(tx.connection, code: code).first else {
                throw ServiceError.notFound("There is no indicator \(code) in the plan.")
            }
            return i
        }
    }

    /// The plan as a data file, for `plan export`; importing it gives the same plan back.
    public func exportPlan(as reader: ActorReference) async throws -> PlanFile {
        try await perform(as: reader) { tx in try PlanStore.export(tx.connection) }
    }

    // MARK: Changing the plan

    /// Loads a plan file: creates what is new, updates what changed, keeps project ownership as it is
    /// for projects that exist already (a transfer goes through ``assignProject``). Idempotent.
    /// Admin only, or the bootstrap of an empty database.
    public func importPlan(_ plan: PlanFile, as reference: ActorReference) async throws -> PlanImportSummary {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "import the plan", bootstrapAllowed: true)
            return try PlanStore.importPlan(plan, tx)
        }
    }

    /// Creates a department. Admin only.
    public func createDepartment(code: String, name: String, as reference: ActorReference) async throws
        -> DepartmentInfo
    {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "create departments")
            var v = Validation()
            PlanStore.validateDepartment(code: code, name: name, into: &v, field: "")
            try v.check()
            let exists = try tx.connection.query("SELECT 1 FROM departments WHERE code = \(code)").count > 0
            if exists { throw ServiceError.conflict("A department with the code \(code) already exists.") }
            try tx.connection.execute("INSERT INTO departments (code, name) VALUES (\(code), \(name))")
            let d = try PlanStore.department(tx.connection, code: code)!
            try tx.audit(.departmentCreate, id: code, after: d)
            return d
        }
    }

    /// Renames a department; its code stays. Admin only.
    public func renameDepartment(code: String, name: String, as reference: ActorReference) async throws
        -> DepartmentInfo
    {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "rename departments")
            var v = Validation()
            v.require(
                !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "name", "must not be empty",
                ja: "担当課の名称を入力してください。")
            let name = v.text(name, "name") ?? name
            try v.check()
            guard let before = try PlanStore.department(tx.connection, code: code, forUpdate: true) else {
                throw ServiceError.notFound("There is no department \(code).")
            }
            try tx.connection.execute(
                "UPDATE departments SET name = \(name), version = version + 1, updated_at = now() WHERE code = \(code)")
            let after = try PlanStore.department(tx.connection, code: code)!
            try tx.audit(.departmentRename, id: code, before: before, after: after)
            return after
        }
    }

    /// Transfers a project to another department, with a reason. Admin only; audited.
    public func assignProject(
        _ projectCode: String, to departmentCode: String, reason: String, as reference: ActorReference
    )
        async throws -> ProjectInfo
    {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "transfer project ownership")
            var v = Validation()
            v.require(
                !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "reason", "a transfer needs a reason",
                ja: "担当課を移す理由を入力してください。")
            let reason = v.text(reason, "reason") ?? reason
            try v.check()
            let c = tx.connection
            guard
                let row = try c.query(
                    """
                    SELECT p.id, d.code FROM projects p JOIN departments d ON d.id = p.department_id
                    WHERE p.code = \(projectCode) FOR UPDATE OF p
                    """
                ).first
            else { throw ServiceError.notFound("There is no project \(projectCode) in the plan.") }
            let (projectID, fromCode) = try row.decode((Int, String).self)
            guard let to = try PlanStore.department(c, code: departmentCode) else {
                let refusal = AccountStore.noDepartment(departmentCode)
                throw ServiceError.invalid("department", refusal.message, ja: refusal.ja)
            }
            if to.approving {
                throw ServiceError.invalid(
                    "department", "\(departmentCode) is the approving division and cannot own projects",
                    ja: "「\(departmentCode)」は承認を行う課のため、事業を担当できません。別の担当課を選んでください。")
            }
            guard fromCode != departmentCode else {
                throw ServiceError.conflict(
                    "Project \(projectCode) already belongs to \(departmentCode).",
                    ja: "事業\(projectCode)は既に「\(departmentCode)」の担当です。")
            }
            try c.execute(
                """
                UPDATE projects SET department_id = (SELECT id FROM departments WHERE code = \(departmentCode)),
                    version = version + 1, updated_at = now()
                WHERE id = \(projectID)
                """)
            try tx.audit(
                .projectAssign, id: projectCode, before: ["department": fromCode],
                after: ["department": departmentCode], reason: reason)
            guard let project = try PlanStore.projects(c, code: projectCode).first else {
                throw ServiceError.notFound("There is no project \(projectCode) in the plan.")
            }
            return project
        }
    }
}

extension PlanFile {
    /// The format tag of plan files.
    public static let formatName = "shinchoku-plan/1"
}
