import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

@Suite struct AuditLogTests {
    let admin = ActorReference.login(Fixtures.admin)

    /// A short history: the plan imported by the bootstrap, an account created, a period created and opened, a
    /// project transferred, and two events about figure 1-1.1 of 2021Q1 written as the workflow would.
    func history(_ db: TestDB) async throws -> ShinchokuService {
        let service = db.service()
        _ = try await service.createUser(
            login: "second-admin", displayName: "二代目", role: .admin, department: nil, password: "long enough pass",
            as: admin)
        _ = try await service.createPeriod(PeriodCode("2021Q3")!, due: nil, as: admin)
        _ = try await service.openPeriod(PeriodCode("2021Q2")!, as: .login("second-admin"))
        _ = try await service.assignProject("1-1", to: "water", reason: "組織改編", as: admin)
        let clerkID = try await AccountTestKit.userID(db, Fixtures.clerk("ports"))
        // As the superuser (a clerk's events, written without the clerk's session), with the chain's trigger on.
        try await db.superuserPool.withTransaction { c in
            for (action, value) in [(AuditAction.figureSave, "12.30"), (.figureSubmit, "12.30")] {
                try Audit.write(
                    on: c, actorID: clerkID, actorLogin: Fixtures.clerk("ports"), action: action,
                    id: "2021Q1/1-1.1", before: nil, after: ["value": value, "state": "draft"], reason: nil)
            }
        }
        return service
    }

    @Test func theWholeTrailOldestFirst() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await history(db)
            let all = try await service.auditLog(as: admin)
            #expect(all.map(\.id) == all.map(\.id).sorted())
            #expect(
                all.map(\.action) == [
                    "plan.import", "user.create", "period.create", "period.open", "project.assign", "figure.save",
                    "figure.submit",
                ])
            #expect(all[0].actor == "bootstrap" && all[0].entity == .plan)
            #expect(all[1].actor == "admin" && all[1].entity == .user && all[1].entityID == "second-admin")
            #expect(all[1].after?["role"] == .string("admin") && all[1].after?["version"] == .number(1))
            #expect(all[3].actor == "second-admin" && all[3].before?["state"]?.string == "planned")
            #expect(all[3].after == .object(["state": .string("open")]))
            #expect(all[4].reason == "組織改編" && all[4].entity == .project)
            #expect(all.allSatisfy { abs($0.at.timeIntervalSinceNow) < 300 })
        }
    }

    @Test func filters() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await history(db)
            let figure = try await service.auditTrail(
                figure: "1-1.1", period: PeriodCode("2021Q1")!, as: .login(Fixtures.approver))
            #expect(figure.map(\.action) == ["figure.save", "figure.submit"])
            #expect(figure.allSatisfy { $0.actor == "clerk-ports" && $0.entityID == "2021Q1/1-1.1" })
            #expect(figure[0].after?["value"] == .string("12.30"))

            let project = try await service.auditTrail(project: "1-1", as: admin)
            #expect(project.map(\.action) == ["project.assign"])
            #expect(project[0].before?["department"]?.string == "ports")

            #expect(
                try await service.auditTrail(actor: "admin", as: admin).map(\.action) == [
                    "user.create", "period.create", "project.assign",
                ])
            #expect(try await service.auditTrail(actor: "bootstrap", as: admin).map(\.action) == ["plan.import"])
            #expect(try await service.auditTrail(actor: "nobody", as: admin).isEmpty)

            let periods = try await service.auditLog(filter: AuditFilter(entity: .period), as: admin)
            #expect(periods.map(\.entityID) == ["2021Q3", "2021Q2"])

            // The limit keeps the most recent events, still oldest first.
            let lastTwo = try await service.auditLog(filter: AuditFilter(limit: 2), as: admin)
            #expect(lastTwo.map(\.action) == ["figure.save", "figure.submit"])

            let tomorrow = try await db.pool.withConnection { c in try PeriodStore.today(c) }.adding(days: 1)
            #expect(try await service.auditLog(filter: AuditFilter(since: tomorrow), as: admin).isEmpty)
            let today = tomorrow.adding(days: -1)
            #expect(try await service.auditLog(filter: AuditFilter(since: today), as: admin).count == 7)
        }
    }

    @Test func whoMayReadTheTrail() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await history(db)
            #expect(try await service.auditLog(as: .login(Fixtures.approver)).count == 7)
            #expect(try await service.auditLog(as: .local).count == 7)
            try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                try await service.auditLog(as: .login(Fixtures.clerk("ports")))
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                try await service.auditTrail(
                    figure: "1-1.1", period: PeriodCode("2021Q1")!, as: .login(Fixtures.clerk("ports")))
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.auditLog(as: .session(token: SessionToken.generate()))
            }
        }
    }

    @Test func badFiltersAreNamed() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "limit") {
                try await service.auditLog(filter: AuditFilter(limit: 0), as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "id") {
                try await service.auditLog(filter: AuditFilter(id: "2021Q1"), as: admin)
            }
        }
    }

    @Test func eventsEncodeAgainAsTheyWereStored() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await history(db)
            let all = try await service.auditLog(as: admin)
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let again = try decoder.decode([AuditEventInfo].self, from: try encoder.encode(all))
            #expect(again.map(\.before) == all.map(\.before))
            #expect(again.map(\.after) == all.map(\.after))
            #expect(again.map(\.action) == all.map(\.action))
        }
    }

    @Test func auditJSONKeepsEveryKindOfValue() throws {
        let text = #"{"n": 12.5, "big": 123456789012345678901234567890, "t": true, "s": "1", "z": null, "a": [1, "x"]}"#
        let value = try AuditJSON(parsing: text)
        #expect(value["t"] == .bool(true))
        #expect(value["s"] == .string("1"))
        #expect(value["z"] == .null)
        #expect(value["a"] == .array([.number(1), .string("x")]))
        #expect(value["n"] == .number(Decimal(string: "12.5")!))
        #expect(value["big"] == .number(Decimal(string: "123456789012345678901234567890")!))
        let again = try AuditJSON(parsing: String(decoding: try JSONEncoder().encode(value), as: UTF8.self))
        #expect(again == value)
    }
}

@Suite struct AuditActionTests {
    /// Every workflow step on a figure or narrative has its action, named `<entity>.<step>` as stored.
    @Test func everyWorkflowStepHasItsAction() {
        for entity in [AuditEntity.figure, .narrative] {
            for step in WorkflowAction.allCases {
                let action = AuditAction.workflow(entity, step)
                #expect(action.rawValue == "\(entity.rawValue).\(step.rawValue)" && action.entity == entity)
            }
        }
        #expect(AuditAction.allCases.allSatisfy { $0.rawValue.hasPrefix($0.entity.rawValue + ".") })
    }
}
