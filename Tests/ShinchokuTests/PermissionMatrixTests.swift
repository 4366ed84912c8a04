import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

/// Every role × every operation × own and other department, including a disabled account and the
/// local operator. Each case runs on its own copy of the standard world: the setup (done by the
/// right people) brings the target into the state the operation needs, then the actor tries it.
/// An allowed case must succeed; a refused one must fail with the expected code and change nothing.
@Suite struct PermissionMatrixTests {
    enum Who: String, CaseIterable, Sendable {
        case clerk, approver, admin
        case disabledClerk = "disabled clerk"
        case local = "local operator"
    }

    /// Own: the clerk's department (ports, project 1-1, indicator 1-1.1); other: water (1-2, 1-2.1).
    enum Target: String, CaseIterable, Sendable { case own, other }

    enum Op: String, CaseIterable, Sendable {
        case readPlan, readPeriods, readFigures, readReport, readHistory
        case saveFigure, submitFigure, approveFigure, returnFigure, reopenFigure, bulkApprove
        case saveNarrative, submitNarrative, approveNarrative, returnNarrative
        case reviewQueue, auditLog
        case createUser, disableUser, setRole, resetPassword
        case createPeriod, openPeriod, closePeriod, extendPeriod
        case assignProject, createDepartment, importPlan
    }

    enum Outcome: Equatable, CustomStringConvertible {
        case allowed
        case refused(ServiceError.Code)
        var description: String {
            switch self {
            case .allowed: "allowed"
            case .refused(let c): "refused (\(c))"
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var who: Who
        var op: Op
        var target: Target
        var testDescription: String { "\(who.rawValue) · \(op.rawValue) · \(target.rawValue) department" }
    }

    static let cases: [Case] = Who.allCases.flatMap { who in
        Op.allCases.flatMap { op in Target.allCases.map { Case(who: who, op: op, target: $0) } }
    }

    /// The permission table of docs/workflow.md, as code.
    static func expected(_ c: Case) -> Outcome {
        if c.who == .disabledClerk { return .refused(.unauthenticated) }
        switch c.op {
        case .readPlan, .readPeriods, .readFigures, .readReport, .readHistory:
            return .allowed
        case .saveFigure, .submitFigure, .saveNarrative, .submitNarrative:
            guard c.who == .clerk else { return .refused(.forbidden) }
            return c.target == .own ? .allowed : .refused(.forbidden)
        case .approveFigure, .returnFigure, .reopenFigure, .bulkApprove, .approveNarrative, .returnNarrative,
            .reviewQueue:
            return c.who == .approver ? .allowed : .refused(.forbidden)
        case .auditLog:
            return [.approver, .admin, .local].contains(c.who) ? .allowed : .refused(.forbidden)
        case .createUser, .disableUser, .setRole, .resetPassword, .createPeriod, .openPeriod, .closePeriod,
            .extendPeriod, .assignProject, .createDepartment, .importPlan:
            return c.who == .admin ? .allowed : .refused(.forbidden)
        }
    }

    static let q1 = PeriodCode("2021Q1")!

    @Test func theMatrixIsComplete() {
        // Printed so that a run shows how many cases the matrix has.
        print(
            "permission matrix: \(Self.cases.count) cases (\(Who.allCases.count) actors × \(Op.allCases.count) operations × 2 departments)"
        )
        #expect(Self.cases.count == Who.allCases.count * Op.allCases.count * 2)
        #expect(Self.cases.contains { Self.expected($0) == .allowed })
        #expect(Self.cases.contains { Self.expected($0) == .refused(.forbidden) })
    }

    @Test(arguments: cases) func permission(_ c: Case) async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let project = c.target == .own ? "1-1" : "1-2"
            let indicator = c.target == .own ? "1-1.1" : "1-2.1"
            let department = c.target == .own ? "ports" : "water"
            let owner = ActorReference.login(Fixtures.clerk(department))
            let value = ExactDecimal(c.target == .own ? "1" : "4.0")!

            // Setup, by the people allowed to do it.
            func submittedFigure() async throws -> FigureInfo {
                let f = try await service.saveFigure(
                    period: Self.q1, indicator: indicator, input: FigureInput(value: value), as: owner)
                return try await service.submitFigure(
                    period: Self.q1, indicator: indicator, version: f.version, as: owner)
            }
            func submittedNarrative() async throws -> NarrativeInfo {
                let n = try await service.saveNarrative(
                    period: Self.q1, project: project, input: NarrativeInput(progress: "■進捗"), as: owner)
                return try await service.submitNarrative(
                    period: Self.q1, project: project, version: n.version, as: owner)
            }
            var version = 1
            switch c.op {
            case .submitFigure:
                version = try await service.saveFigure(
                    period: Self.q1, indicator: indicator, input: FigureInput(value: value), as: owner
                ).version
            case .approveFigure, .returnFigure, .bulkApprove, .readHistory:
                version = try await submittedFigure().version
            case .reopenFigure:
                let s = try await submittedFigure()
                version = try await service.approveFigure(
                    period: Self.q1, indicator: indicator, version: s.version, as: .login(Fixtures.approver2)
                ).version
            case .submitNarrative:
                version = try await service.saveNarrative(
                    period: Self.q1, project: project, input: NarrativeInput(progress: "■進捗"), as: owner
                ).version
            case .approveNarrative, .returnNarrative:
                version = try await submittedNarrative().version
            default: break
            }
            if c.who == .disabledClerk {
                try await db.arrange { conn in
                    try conn.execute("UPDATE users SET disabled_at = now() WHERE login = 'clerk-ports'")
                }
            }

            let actor: ActorReference =
                switch c.who {
                case .clerk, .disabledClerk: .login(Fixtures.clerk("ports"))
                case .approver: .login(Fixtures.approver)
                case .admin: .login(Fixtures.admin)
                case .local: .local
                }
            let before = try await Fixtures.snapshot(db)
            let outcome: Outcome
            do {
                try await Self.run(
                    c.op, service, actor, indicator: indicator, project: project,
                    department: department, version: version, value: value)
                outcome = .allowed
            } catch let e as ServiceError {
                outcome = .refused(e.code)
            }
            let expected = Self.expected(c)
            #expect(outcome == expected, "\(c.testDescription)")
            if outcome != .allowed {
                #expect(
                    try await Fixtures.snapshot(db) == before, "a refused call changed something: \(c.testDescription)")
            }
        }
    }

    static func run(
        _ op: Op, _ s: ShinchokuService, _ actor: ActorReference, indicator: String, project: String,
        department: String, version: Int, value: ExactDecimal
    ) async throws {
        switch op {
        case .readPlan: _ = try await s.project(project, as: actor)
        case .readPeriods: _ = try await s.periods(as: actor)
        case .readFigures: _ = try await s.figures(period: q1, department: department, as: actor)
        case .readReport:
            _ = try await s.reportData(period: q1, project: project, department: nil, includePending: false, as: actor)
        case .readHistory: _ = try await s.figureHistory(period: q1, indicator: indicator, as: actor)
        case .saveFigure:
            _ = try await s.saveFigure(period: q1, indicator: indicator, input: FigureInput(value: value), as: actor)
        case .submitFigure: _ = try await s.submitFigure(period: q1, indicator: indicator, version: version, as: actor)
        case .approveFigure:
            _ = try await s.approveFigure(period: q1, indicator: indicator, version: version, as: actor)
        case .returnFigure:
            _ = try await s.returnFigure(
                period: q1, indicator: indicator, version: version, reason: "確認願います", as: actor)
        case .reopenFigure:
            _ = try await s.reopenFigure(period: q1, indicator: indicator, version: version, reason: "訂正のため", as: actor)
        case .bulkApprove: _ = try await s.bulkApprove(period: q1, items: [(indicator, version)], as: actor)
        case .saveNarrative:
            _ = try await s.saveNarrative(
                period: q1, project: project, input: NarrativeInput(progress: "■進捗"), as: actor)
        case .submitNarrative:
            _ = try await s.submitNarrative(period: q1, project: project, version: version, as: actor)
        case .approveNarrative:
            _ = try await s.approveNarrative(period: q1, project: project, version: version, as: actor)
        case .returnNarrative:
            _ = try await s.returnNarrative(period: q1, project: project, version: version, reason: "追記願います", as: actor)
        case .reviewQueue: _ = try await s.reviewQueue(as: actor)
        case .auditLog: _ = try await s.auditLog(as: actor)
        case .createUser:
            _ = try await s.createUser(
                login: "new-\(department)", displayName: "新任", role: .clerk, department: department,
                password: "correct horse battery", as: actor)
        case .disableUser:
            _ = try await s.disableUser(login: Fixtures.clerk(department == "ports" ? "water" : "roads"), as: actor)
        case .setRole:
            _ = try await s.setRole(login: Fixtures.clerk("roads"), role: .clerk, department: department, as: actor)
        case .resetPassword: _ = try await s.resetPassword(login: Fixtures.clerk("roads"), as: actor)
        case .createPeriod: _ = try await s.createPeriod(PeriodCode("2022Q1")!, due: nil, as: actor)
        case .openPeriod: _ = try await s.openPeriod(PeriodCode("2021Q2")!, as: actor)
        case .closePeriod: _ = try await s.closePeriod(q1, as: actor)
        case .extendPeriod:
            _ = try await s.extendPeriod(
                PeriodCode("2020Q4")!, department: department, until: CalendarDate(year: 2099, month: 1, day: 1)!,
                reason: "集計遅延", as: actor)
        case .assignProject:
            _ = try await s.assignProject(project, to: "roads", reason: "組織改編", as: actor)
        case .createDepartment: _ = try await s.createDepartment(code: "newdept", name: "新部署", as: actor)
        case .importPlan: _ = try await s.importPlan(try PlanFile.bundled(), as: actor)
        }
    }
}
