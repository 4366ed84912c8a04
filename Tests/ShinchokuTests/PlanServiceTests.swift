import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

@Suite struct PlanServiceTests {
    @Test func importIsIdempotentAndExportRoundTrips() async throws {
        try await TestDatabase.with { db in
            let service = db.service()
            let plan = try PlanFile.bundled()
            let first = try await service.importPlan(plan, as: .local)
            #expect(first.projects == 14 && first.indicators == 24)
            #expect(first.created == 15 + 9 + 14 + 24)
            let before = try await Fixtures.snapshot(db)
            try await db.pool.withTransaction { c in
                try c.execute("INSERT INTO users (login, display_name, role) VALUES ('admin', '管理者', 'admin')")
            }
            let second = try await service.importPlan(plan, as: .login("admin"))
            #expect(second.created == 0)
            let exported = try await service.exportPlan(as: .local)
            // Departments come back by code; everything else in plan order, exactly.
            #expect(exported.departments == plan.departments.sorted { $0.code < $1.code })
            #expect(exported.programs == plan.programs)
            #expect(exported.title == plan.title && exported.planStartFiscalYear == plan.planStartFiscalYear)
            for (e, p) in zip(exported.projects, plan.projects) {
                #expect(e == p, "project \(p.code) does not round-trip")
            }
            #expect(exported.projects.count == plan.projects.count)
            // Only the user and the second import's audit event changed.
            let after = try await Fixtures.snapshot(db)
            let changed = zip(before.split(separator: "\n"), after.split(separator: "\n")).filter { $0 != $1 }.map {
                $0.0.split(separator: ":")[0]
            }
            #expect(changed == ["users", "audit_events"])
        }
    }

    @Test func projectShowsItsIndicatorsInPlanOrder() async throws {
        try await TestDatabase.with { db in
            let service = db.service()
            _ = try await service.importPlan(try PlanFile.bundled(), as: .local)
            let p = try await service.project("1-3", as: .local)
            #expect(p.department.code == "roads")
            #expect(p.indicators.map(\.code) == ["1-3.1", "1-3.2"])
            #expect(p.indicators[0].kind == .periodSum)
            let all = try await service.projects(as: .local)
            #expect(all.count == 14)
            #expect(all.flatMap(\.indicators).count == 24)
            let water = try await service.indicator("1-2.1", as: .local)
            #expect(water.target.text == "5.4" && water.unit == "km" && water.decimals == 1)
            await #expect(throws: ServiceError.notFound("There is no project 10 in the plan.")) {
                try await service.project("10", as: .local)
            }
        }
    }

    @Test func aBadPlanNamesTheFieldAndChangesNothing() async throws {
        try await TestDatabase.with { db in
            let service = db.service()
            var plan = try PlanFile.bundled()
            plan.projects[0].indicators[0].code = "9.9"
            plan.projects[1].department = "nowhere"
            let before = try await Fixtures.snapshot(db)
            do {
                _ = try await service.importPlan(plan, as: .local)
                Issue.record("a bad plan was imported")
            } catch let e as ServiceError {
                #expect(e.code == .invalid)
                #expect(e.fieldErrors.map(\.field).contains("projects[0].indicators[0].code"))
                #expect(e.fieldErrors.map(\.field).contains("projects[1].department"))
            }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    @Test func ownershipTransferIsAudited() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let moved = try await service.assignProject("1-1", to: "water", reason: "組織改編", as: .login("admin"))
            #expect(moved.department.code == "water")
            let events = try await db.pool.withConnection { c in
                try c.query(
                    "SELECT action, entity_id, reason, before->>'department', after->>'department' FROM audit_events WHERE action = 'project.assign'"
                ).decode((String, String, String?, String?, String?).self)
            }
            #expect(events.count == 1)
            #expect(events.first?.1 == "1-1" && events.first?.2 == "組織改編")
            #expect(events.first?.3 == "ports" && events.first?.4 == "water")
            let before = try await Fixtures.snapshot(db)
            await #expect(throws: ServiceError.self) {
                try await service.assignProject("1-1", to: "ports", reason: "", as: .login("admin"))
            }
            await #expect(throws: ServiceError.self) {
                try await service.assignProject("1-1", to: "ports", reason: "戻す", as: .login(Fixtures.clerk("water")))
            }
            await #expect(throws: ServiceError.self) {
                try await service.assignProject("1-1", to: "planning", reason: "審査部門へ", as: .login("admin"))
            }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    @Test func bootstrapMayImportButNotReshape() async throws {
        try await TestDatabase.withStandard { db in  // an admin exists now
            let service = db.service()
            do {
                _ = try await service.createDepartment(code: "newdept", name: "新部署", as: .local)
                Issue.record("the local operator wrote without --as")
            } catch let e as ServiceError {
                #expect(e.code == .forbidden)
            }
            let d = try await service.createDepartment(code: "newdept", name: "新部署", as: .login("admin"))
            #expect(d.code == "newdept")
            let renamed = try await service.renameDepartment(code: "newdept", name: "新しい部署", as: .login("admin"))
            #expect(renamed.name == "新しい部署" && renamed.version == 2)
        }
    }
}
