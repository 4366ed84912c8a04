import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

@Suite struct ReviewFindingsTests {
    let admin = ActorReference.login(Fixtures.admin)

    @Test func theLastPeriodThatCanBeNamedHasAnEndDate() async throws {
        let last = try #require(PeriodCode("2200Q4"))
        #expect(last.endDate == CalendarDate(year: 2201, month: 3, day: 31))
        for code in ["2021Q1", "2021Q2", "2021Q3", "2021Q4"] {
            let p = try #require(PeriodCode(code))
            #expect(p.endDate == p.next.startDate.adding(days: -1))
        }
        try await TestDatabase.withStandard { db in
            let created = try await db.service().createPeriod(last, due: nil, as: admin)
            #expect(created.endsOn == CalendarDate(year: 2201, month: 3, day: 31))
        }
    }

    @Test func aBaselineDatedBeforeAnyPeriodIsRefused() async throws {
        try await TestDatabase.with { db in
            let service = db.service()
            var plan = try PlanFile.bundled()
            plan.projects[0].indicators[0].baseline = ExactDecimal("1")
            plan.projects[0].indicators[0].baselineAsOf = CalendarDate(year: 1021, month: 3, day: 31)
            let before = try await Fixtures.snapshot(db)
            do {
                _ = try await service.importPlan(plan, as: .local)
                Issue.record("a baseline dated 1021 was imported: every report would then crash")
            } catch let e as ServiceError {
                #expect(e.code == .invalid)
                #expect(e.fieldErrors.map(\.field).contains("projects[0].indicators[0].baseline_as_of"))
            }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }
}
