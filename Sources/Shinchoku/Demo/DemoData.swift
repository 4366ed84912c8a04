import Foundation
import LibPQ

/// What `demo-data` loaded.
public struct DemoSummary: Sendable, Equatable, Codable {
    public var projects: Int
    public var indicators: Int
    /// Figures approved by this run (0 when they were all there already).
    public var figuresLoaded: Int
    public var narrativesLoaded: Int
    public var accountsCreated: [String]
}

/// A demo account and the password generated for it at this start.
public struct DemoAccount: Sendable, Equatable, Codable, CustomStringConvertible {
    public var login: String
    public var role: Role
    public var department: String?
    public var password: String
    public var description: String { "DemoAccount(\(login), \(role.rawValue), password redacted)" }
}

/// What `shinchoku-server --demo` prepared.
public struct DemoSetup: Sendable, Equatable {
    public var summary: DemoSummary
    public var currentPeriod: PeriodCode
    public var accounts: [DemoAccount]
}

extension ShinchokuService {
    /// The demo's admin login.
    public static let demoAdmin = "admin"
    /// The demo accounts' mail domain: `ports@demo.shinchoku.invalid` (RFC 2606 `.invalid`, never delivered anywhere real).
    public static let demoMailDomain = "demo.shinchoku.invalid"
    /// The display name that marks the demo's own admin account.
    static let demoAdminName = "デモ管理者"
    /// The demo's approver login (the planning division).
    public static let demoApprover = "planning"

    /// Loads the prefecture's plan and the figures and narratives its FY2021 Q1 report printed, as approved
    /// history, through the same calls as real users: each department's clerk (login = department code)
    /// saves and submits, the planning division approves. Creates the demo accounts it needs (without
    /// usable passwords; ``prepareDemo(today:)`` sets them). Idempotent: what is approved already is skipped.
    ///
    /// A setup command: the local operator may run it on an empty database, or on a database whose only
    /// admin is the demo's own `admin` (named デモ管理者); otherwise it must run as an admin (`--as`).
    public func loadDemoData(
        plan: PlanFile? = nil, actuals: ActualsFile? = nil, as reference: ActorReference = .local
    ) async throws -> DemoSummary {
        let plan = try plan ?? PlanFile.bundled()
        let actuals = try actuals ?? ActualsFile.bundled()
        var created: [String] = []

        let admin = try await demoAdminReference(reference, created: &created)
        _ = try await importPlan(plan, as: admin)

        // One clerk per department (login = department code), and the planning division's approver.
        let existing = Set(try await users(as: admin).map(\.login))
        for d in plan.departments where !existing.contains(d.code) {
            _ = try await createUser(
                login: d.code, displayName: "\(d.name) 担当", role: d.approving ? .approver : .clerk,
                department: d.code, email: "\(d.code)@\(Self.demoMailDomain)", as: admin)
            created.append(d.code)
        }

        // The report's periods are opened while their history is entered, then locked.
        let periods = Set(actuals.figures.map(\.period) + actuals.narratives.map(\.period)).sorted()
        let known = Dictionary(uniqueKeysWithValues: try await self.periods(as: admin).map { ($0.code, $0.state) })
        var figuresLoaded = 0
        var narrativesLoaded = 0
        let owners = Dictionary(
            uniqueKeysWithValues: try await projects(as: admin).map { ($0.code, $0.department.code) })
        let projectOf = Dictionary(
            uniqueKeysWithValues: plan.projects.flatMap { p in p.indicators.map { ($0.code, p.code) } })
        let approver = ActorReference.login(Self.demoApprover)
        let comment = "令和3年7月の進捗状況報告から移行"

        for period in periods {
            switch known[period] {
            case .locked?: continue  // loaded by an earlier run
            case nil: _ = try await createPeriod(period, due: nil, as: admin)
            default: break
            }
            if known[period] != .open { _ = try await openPeriod(period, as: admin) }

            for f in actuals.figures where f.period == period {
                guard let project = projectOf[f.indicator], let owner = owners[project] else {
                    throw ServiceError.invalid("figures", "\(f.indicator) is not an indicator of the plan")
                }
                let clerk = ActorReference.login(owner)
                var current = try? await figure(period: period, indicator: f.indicator, as: admin)
                if current?.state == .approved { continue }
                if current == nil || current?.state == .draft || current?.state == .returned {
                    current = try await saveFigure(
                        period: period, indicator: f.indicator,
                        input: FigureInput(
                            value: f.value, status: f.status, note: f.note, asOf: f.asOf, version: current?.version),
                        as: clerk)
                    current = try await submitFigure(
                        period: period, indicator: f.indicator, version: current!.version, as: clerk)
                }
                _ = try await approveFigure(
                    period: period, indicator: f.indicator, version: current!.version, comment: comment, as: approver)
                figuresLoaded += 1
            }

            for n in actuals.narratives where n.period == period {
                guard let owner = owners[n.project] else {
                    throw ServiceError.invalid("narratives", "\(n.project) is not a project of the plan")
                }
                let clerk = ActorReference.login(owner)
                var current = try? await narrative(period: period, project: n.project, as: admin)
                if current?.state == .approved { continue }
                if current == nil || current?.state == .draft || current?.state == .returned {
                    current = try await saveNarrative(
                        period: period, project: n.project,
                        input: NarrativeInput(
                            progress: n.progress, progressHard: n.progressHard, progressSoft: n.progressSoft,
                            outlook: n.outlook, outlookHard: n.outlookHard, outlookSoft: n.outlookSoft,
                            version: current?.version),
                        as: clerk)
                    current = try await submitNarrative(
                        period: period, project: n.project, version: current!.version, as: clerk)
                }
                _ = try await approveNarrative(
                    period: period, project: n.project, version: current!.version, comment: comment, as: approver)
                narrativesLoaded += 1
            }

            _ = try await closePeriod(period, as: admin)
            _ = try await lockPeriod(period, as: admin)
        }

        return DemoSummary(
            projects: plan.projects.count, indicators: plan.projects.reduce(0) { $0 + $1.indicators.count },
            figuresLoaded: figuresLoaded, narrativesLoaded: narrativesLoaded, accountsCreated: created)
    }

    /// Everything `shinchoku-server --demo` needs: the demo data, the quarter after the seed's data open (2021Q2,
    /// with 2021Q1 as the approved history) with its due date 30 days after `today`, and a fresh generated
    /// password for every demo account (printed by the server, never stored in clear).
    ///
    /// The demo opens the quarter after the report it was seeded from, not today's: the plan runs FY2021–FY2023,
    /// so any later quarter would show every indicator behind schedule. A real deployment opens whatever periods
    /// its admins open.
    public func prepareDemo(today: CalendarDate) async throws -> DemoSetup {
        let summary = try await loadDemoData(as: .local)
        let admin = ActorReference.login(Self.demoAdmin)
        let seeded = try ActualsFile.bundled().figures.map(\.period).max()
        let current = seeded?.next ?? PeriodCode.containing(today)
        let state = try? await period(current, as: admin).state
        if state == nil { _ = try await createPeriod(current, due: today.adding(days: 30), as: admin) }
        if state == nil || state == .planned { _ = try await openPeriod(current, as: admin) }

        var accounts: [DemoAccount] = []
        for user in try await users(as: admin) where !user.disabled {
            let password = try await resetPassword(login: user.login, as: admin)
            accounts.append(
                DemoAccount(login: user.login, role: user.role, department: user.department, password: password))
        }
        return DemoSetup(summary: summary, currentPeriod: current, accounts: accounts)
    }

    /// The admin the demo loader acts as: the given admin, or the demo's own `admin`, created by bootstrap
    /// on an empty database.
    private func demoAdminReference(_ reference: ActorReference, created: inout [String]) async throws
        -> ActorReference
    {
        guard reference == .local else { return reference }
        // A demo database's only admin is the one demo-data made, recognisable by its display name; a real
        // deployment whose admin happens to be called "admin" must still name its acting admin.
        let admins = try await performAnonymous { c in
            try c.query(
                "SELECT login || CASE WHEN display_name = \(Self.demoAdminName) THEN '' ELSE '*' END FROM users WHERE role = 'admin' ORDER BY login"
            ).decodeColumn(String.self)
        }
        if admins.isEmpty {
            _ = try await createUser(
                login: Self.demoAdmin, displayName: Self.demoAdminName, role: .admin, department: nil,
                email: "\(Self.demoAdmin)@\(Self.demoMailDomain)", as: .local)
            created.append(Self.demoAdmin)
        } else if admins != [Self.demoAdmin] {
            throw ServiceError.forbidden(
                "This database has its own admins; act as one of them, or use an empty database.",
                remedy: .actAsExistingAdmin)
        }
        return .login(Self.demoAdmin)
    }
}
