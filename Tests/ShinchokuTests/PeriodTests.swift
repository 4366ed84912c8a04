import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

@Suite struct PeriodTests {
    let admin = ActorReference.login(Fixtures.admin)
    let q1 = PeriodCode("2021Q1")!
    let q2 = PeriodCode("2021Q2")!
    let q4 = PeriodCode("2020Q4")!

    static func setState(_ db: TestDB, _ code: PeriodCode, _ state: PeriodState) async throws {
        try await db.arrange { c in
            try c.execute("UPDATE periods SET state = \(state.rawValue) WHERE code = \(code.description)")
        }
    }

    // MARK: Reading

    @Test func everyoneReadsThePeriods() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            for who in [admin, .login(Fixtures.clerk("ports")), .login(Fixtures.approver), .local] {
                let all = try await service.periods(as: who)
                #expect(all.map(\.code.description) == ["2020Q4", "2021Q1", "2021Q2"])
                #expect(all.map(\.state) == [.closed, .open, .planned])
            }
            let q4 = try await service.period(q4, as: .login(Fixtures.clerk("ports")))
            #expect(q4.fiscalYear == 2020 && q4.quarter == 4)
            #expect(q4.startsOn == CalendarDate(year: 2021, month: 1, day: 1))
            #expect(q4.endsOn == CalendarDate(year: 2021, month: 3, day: 31))
            #expect(q4.extensions.isEmpty && q4.dueOn == nil)
            try await AccountTestKit.expectRefusedUnchanged(db, .notFound) {
                try await service.period(PeriodCode("2030Q1")!, as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.periods(as: .session(token: SessionToken.generate()))
            }
        }
    }

    @Test func currentPeriodFollowsTheFiscalYear() {
        func period(_ y: Int, _ m: Int, _ d: Int) -> String {
            ShinchokuService.currentPeriod(today: CalendarDate(year: y, month: m, day: d)!).description
        }
        #expect(period(2021, 4, 1) == "2021Q1")
        #expect(period(2021, 6, 30) == "2021Q1")
        #expect(period(2021, 7, 1) == "2021Q2")
        #expect(period(2021, 12, 31) == "2021Q3")
        #expect(period(2022, 1, 1) == "2021Q4")
        #expect(period(2022, 3, 31) == "2021Q4")
    }

    // MARK: Creating

    @Test func createPeriodIsPlannedAndAudited() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let mark = try await AccountTestKit.lastAuditID(db)
            let q3 = PeriodCode("2021Q3")!
            let created = try await service.createPeriod(
                q3, due: CalendarDate(year: 2022, month: 1, day: 20), as: admin)
            #expect(created.state == .planned && created.version == 1)
            #expect(created.startsOn == CalendarDate(year: 2021, month: 10, day: 1))
            #expect(created.endsOn == CalendarDate(year: 2021, month: 12, day: 31))
            #expect(created.dueOn == CalendarDate(year: 2022, month: 1, day: 20))
            let events = try await AccountTestKit.auditRows(db, after: mark)
            #expect(events.count == 1)
            #expect(events.first?.action == "period.create" && events.first?.entity == "period")
            #expect(events.first?.entityID == "2021Q3" && events.first?.actorLogin == "admin")
            #expect(events.first?.after?.contains("\"state\": \"planned\"") == true)
            // A due date the day after the period's last day is fine; none at all too.
            _ = try await service.createPeriod(
                PeriodCode("2021Q4")!, due: CalendarDate(year: 2022, month: 4, day: 1), as: admin)
            _ = try await service.createPeriod(PeriodCode("2022Q1")!, due: nil, as: admin)
        }
    }

    @Test func createPeriodRefusals() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let q3 = PeriodCode("2021Q3")!
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "due") {
                try await service.createPeriod(q3, due: CalendarDate(year: 2021, month: 9, day: 30), as: admin)
            }
            // The example: 2027Q1 ends on 2027-06-30, so a due date of 2027-04-30 (or the last day
            // itself) is refused, naming the field and the rule.
            for day in [CalendarDate(year: 2027, month: 4, day: 30), CalendarDate(year: 2027, month: 6, day: 30)] {
                let error = try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "due") {
                    try await service.createPeriod(PeriodCode("2027Q1")!, due: day, as: admin)
                }
                #expect(
                    error?.fieldErrors == [
                        .init(
                            field: "due",
                            message:
                                "must fall after the period's last day, 2027-06-30: figures are due once 2027Q1 has ended"
                        )
                    ])
            }
            _ = try await service.createPeriod(
                PeriodCode("2027Q1")!, due: CalendarDate(year: 2027, month: 7, day: 31), as: admin)
            try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                try await service.createPeriod(q1, due: nil, as: admin)
            }
            for who in [ActorReference.login(Fixtures.clerk("ports")), .login(Fixtures.approver), .local] {
                try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                    try await service.createPeriod(q3, due: nil, as: who)
                }
            }
        }
    }

    // MARK: Transitions

    enum Move: String, CaseIterable, Sendable {
        case open, close, lock, reopen

        /// The states it moves a period out of, and the state it moves it to.
        var rule: (from: Set<PeriodState>, to: PeriodState) {
            switch self {
            case .open: ([.planned], .open)
            case .close: ([.open], .closed)
            case .lock: ([.closed], .locked)
            case .reopen: ([.closed], .open)  // a locked period is final
            }
        }

        func run(_ service: ShinchokuService, _ code: PeriodCode, as who: ActorReference) async throws -> PeriodInfo {
            switch self {
            case .open: try await service.openPeriod(code, as: who)
            case .close: try await service.closePeriod(code, as: who)
            case .lock: try await service.lockPeriod(code, as: who)
            case .reopen: try await service.reopenPeriod(code, reason: "訂正のため", as: who)
            }
        }
    }

    /// Every move from every state: allowed ones change the state and write one audit event; the others are a
    /// conflict that names the current state, and change nothing.
    @Test(arguments: Move.allCases, PeriodState.allCases)
    func everyMoveFromEveryState(move: Move, state: PeriodState) async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            try await Self.setState(db, q2, state)
            let (from, to) = move.rule
            if from.contains(state) {
                let mark = try await AccountTestKit.lastAuditID(db)
                let moved = try await move.run(service, q2, as: admin)
                #expect(moved.state == to && moved.version == 2)
                let events = try await AccountTestKit.auditRows(db, after: mark)
                #expect(events.count == 1)
                let e = try #require(events.first)
                #expect(e.action == "period.\(move.rawValue)" && e.entity == "period" && e.entityID == "2021Q2")
                #expect(e.actorLogin == "admin")
                #expect(e.before == "{\"state\": \"\(state.rawValue)\"}")
                #expect(e.after == "{\"state\": \"\(to.rawValue)\"}")
                #expect(e.reason == (move == .reopen ? "訂正のため" : nil))
            } else {
                let error = try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                    try await move.run(service, q2, as: admin)
                }
                #expect(
                    error?.message.hasPrefix("2021Q2 is \(state.rawValue)") == true, "\(error.map(\.message) ?? "")")
            }
        }
    }

    @Test func refusalsNameTheCurrentState() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let closeClosed = try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                try await service.closePeriod(q4, as: admin)
            }
            #expect(closeClosed?.message == "2020Q4 is closed; only an open period can be closed.")
            let openClosed = try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                try await service.openPeriod(q4, as: admin)
            }
            #expect(openClosed?.message.contains("reopen it with a reason") == true)
        }
    }

    @Test func transitionRefusalsForOthersAndMissingThings() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            for who in [ActorReference.login(Fixtures.clerk("ports")), .login(Fixtures.approver), .local] {
                for move in Move.allCases {
                    try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                        try await move.run(service, q1, as: who)
                    }
                }
            }
            for move in Move.allCases {
                try await AccountTestKit.expectRefusedUnchanged(db, .notFound) {
                    try await move.run(service, PeriodCode("2030Q1")!, as: admin)
                }
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "reason") {
                try await service.reopenPeriod(q4, reason: "  ", as: admin)
            }
        }
    }

    @Test func aYearOfPeriods() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            _ = try await service.closePeriod(q1, as: admin)
            _ = try await service.openPeriod(q2, as: admin)
            _ = try await service.reopenPeriod(q4, reason: "数値の訂正", as: admin)
            _ = try await service.closePeriod(q4, as: admin)
            _ = try await service.lockPeriod(q4, as: admin)
            // Locked is final: the service refuses to reopen it, and so would the database.
            try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                try await service.reopenPeriod(q4, reason: "もう一度", as: admin)
            }
            let states = try await service.periods(as: admin).map(\.state)
            #expect(states == [.locked, .closed, .open])
            let history = try await service.auditLog(filter: AuditFilter(entity: .period, id: "2020Q4"), as: admin)
            #expect(history.map(\.action) == ["period.reopen", "period.close", "period.lock"])
            #expect(history[0].reason == "数値の訂正")
        }
    }

    // MARK: Extensions

    @Test func extendingAClosedPeriodForOneDepartment() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let mark = try await AccountTestKit.lastAuditID(db)
            let until = CalendarDate(year: 2099, month: 4, day: 30)!
            let extended = try await service.extendPeriod(
                q4, department: "ports", until: until, reason: "港湾統計の公表待ち", as: admin)
            #expect(extended.extensions == [.init(department: "ports", until: until, reason: "港湾統計の公表待ち")])
            #expect(extended.state == .closed && extended.version == 2)

            // Granting again replaces the department's extension; another department gets its own.
            let later = CalendarDate(year: 2099, month: 5, day: 31)!
            _ = try await service.extendPeriod(q4, department: "ports", until: later, reason: "再延長", as: admin)
            let both = try await service.extendPeriod(q4, department: "water", until: until, reason: "水道", as: admin)
            #expect(both.extensions.map(\.department) == ["ports", "water"])
            #expect(both.extensions[0].until == later && both.extensions[0].reason == "再延長")
            #expect(try await service.period(q4, as: .login(Fixtures.clerk("ports"))).extensions.count == 2)

            let events = try await AccountTestKit.auditRows(db, after: mark)
            #expect(events.map(\.action) == ["period.extend", "period.extend", "period.extend"])
            #expect(events.allSatisfy { $0.entity == "period" && $0.entityID == "2020Q4" && $0.actorLogin == "admin" })
            #expect(events[0].before == nil && events[0].reason == "港湾統計の公表待ち")
            #expect(events[1].before?.contains("2099-04-30") == true && events[1].after?.contains("2099-05-31") == true)
            let grantedBy = try await db.pool.withConnection { c in
                try c.query("SELECT DISTINCT u.login FROM period_extensions e JOIN users u ON u.id = e.granted_by")
                    .decodeColumn(String.self)
            }
            #expect(grantedBy == ["admin"])
        }
    }

    @Test func extensionRefusals() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let future = CalendarDate(year: 2099, month: 1, day: 1)!
            for (code, state) in [(q1, "open"), (q2, "planned")] {
                let e = try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                    try await service.extendPeriod(code, department: "ports", until: future, reason: "理由", as: admin)
                }
                #expect(e?.message == "\(code) is \(state); only a closed period can be extended.")
            }
            try await Self.setState(db, q2, .locked)
            try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                try await service.extendPeriod(q2, department: "ports", until: future, reason: "理由", as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "until") {
                try await service.extendPeriod(
                    q4, department: "ports", until: CalendarDate(year: 2021, month: 4, day: 30)!, reason: "理由",
                    as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "reason") {
                try await service.extendPeriod(q4, department: "ports", until: future, reason: "", as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "department") {
                try await service.extendPeriod(q4, department: "nowhere", until: future, reason: "理由", as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "department") {
                try await service.extendPeriod(q4, department: "planning", until: future, reason: "理由", as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .notFound) {
                try await service.extendPeriod(
                    PeriodCode("2030Q1")!, department: "ports", until: future, reason: "理由", as: admin)
            }
            for who in [ActorReference.login(Fixtures.clerk("ports")), .login(Fixtures.approver), .local] {
                try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                    try await service.extendPeriod(q4, department: "ports", until: future, reason: "理由", as: who)
                }
            }
        }
    }

    @Test func anExtensionUntilTodayIsAllowed() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let today = try await db.pool.withConnection { c in try PeriodStore.today(c) }
            let e = try await service.extendPeriod(q4, department: "roads", until: today, reason: "本日まで", as: admin)
            #expect(e.extensions.first?.until == today)
        }
    }
}
