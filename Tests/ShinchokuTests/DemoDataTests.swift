import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

@Suite struct DemoDataTests {
    /// The seed's figures go through the real workflow (clerk saves and submits, the planning division
    /// approves), so this also proves every printed figure passes validation.
    @Test func loadsTheSeedAsApprovedHistoryOnceAndReportsIt() async throws {
        try await TestDatabase.with { db in
            let service = db.service()
            let first = try await service.loadDemoData()
            #expect(first.projects == 14 && first.indicators == 24)
            #expect(first.figuresLoaded == (try ActualsFile.bundled()).figures.count)
            #expect(first.narrativesLoaded == 14)
            #expect(first.accountsCreated.contains("admin") && first.accountsCreated.contains("ports"))

            let before = try await Fixtures.snapshot(db)
            let second = try await service.loadDemoData()
            #expect(second.figuresLoaded == 0 && second.narrativesLoaded == 0 && second.accountsCreated.isEmpty)
            let after = try await Fixtures.snapshot(db)
            let changed = zip(before.split(separator: "\n"), after.split(separator: "\n")).filter { $0 != $1 }
                .map { $0.0.split(separator: ":")[0] }
            // Re-importing the plan is itself audited; nothing else changes.
            #expect(changed == ["audit_events"])

            let q1 = PeriodCode("2021Q1")!
            let data = try await service.reportData(
                period: q1, project: nil, department: nil, includePending: false, as: .local)
            let expected = ReportData.fromFiles(
                plan: try .bundled(), actuals: try .bundled(), period: q1, auditChain: data.auditChain)
            #expect(data.withoutProvenance == expected && data.auditChain != nil)

            let coal = try await service.figure(period: q1, indicator: "1-1.1", as: .local)
            #expect(coal.value == ExactDecimal("1") && coal.state == .approved && coal.enteredBy == "ports")
            #expect(coal.approvedBy == "planning")
            let periods = try await service.periods(as: .local)
            #expect(periods.map(\.state) == [.locked, .locked])
        }
    }

    @Test func prepareDemoOpensTheQuarterAfterTheSeedAndGivesWorkingPasswords() async throws {
        try await TestDatabase.with { db in
            let service = db.service()
            let setup = try await service.prepareDemo(today: CalendarDate(year: 2026, month: 11, day: 29)!)
            // 2021Q1 is the approved history; 2021Q2 opens, due 30 days after today.
            #expect(setup.currentPeriod == PeriodCode("2021Q2")!)
            let opened = try await service.period(setup.currentPeriod, as: .local)
            #expect(opened.state == .open)
            #expect(opened.dueOn == CalendarDate(year: 2026, month: 12, day: 29)!)
            #expect(try await service.period(PeriodCode("2021Q1")!, as: .local).state == .locked)
            let ports = try #require(setup.accounts.first { $0.login == "ports" })
            #expect(ports.role == .clerk && ports.department == "ports")
            #expect(setup.accounts.contains { $0.login == "planning" && $0.role == .approver })
            let session = try await service.login(login: "ports", password: ports.password)
            #expect(session.user.login == "ports")
            #expect(!String(describing: setup.accounts).contains(ports.password))
            // A second start reuses everything and hands out new passwords.
            let again = try await service.prepareDemo(today: CalendarDate(year: 2026, month: 11, day: 29)!)
            #expect(again.summary.figuresLoaded == 0)
            #expect(again.accounts.first { $0.login == "ports" }?.password != ports.password)
        }
    }

    @Test func refusesARealAdminThatIsMerelyCalledAdmin() async throws {
        try await TestDatabase.withStandard { db in  // its admin is "admin", named 管理者
            let before = try await Fixtures.snapshot(db)
            await #expect(throws: ServiceError.self) { try await db.service().loadDemoData() }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    @Test func refusesADatabaseWithItsOwnAdmins() async throws {
        try await TestDatabase.withStandard { db in
            try await db.arrange { c in
                try c.execute("UPDATE users SET login = 'chief' WHERE login = 'admin'")
            }
            let before = try await Fixtures.snapshot(db)
            await #expect(throws: ServiceError.self) { try await db.service().loadDemoData() }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }
}
