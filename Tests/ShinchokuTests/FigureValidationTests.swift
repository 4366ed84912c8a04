import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

/// Each rule of a figure's content, one at a time: the error's code, the field it names, and that nothing changed.
@Suite struct FigureValidationTests {
    typealias W = WorkflowFixtures

    /// Saves a new 2021Q1 figure as the indicator's owning clerk.
    private func save(
        _ db: TestDB, _ indicator: String, _ value: String?, status: FigureStatus = .reported, note: String? = nil,
        asOf: CalendarDate? = nil, version: Int? = nil, period: PeriodCode = W.q1
    ) async throws -> FigureInfo {
        try await db.service().saveFigure(
            period: period, indicator: indicator,
            input: FigureInput(
                value: value.map(W.decimal), status: status, note: note, asOf: asOf, version: version),
            as: try W.owner(of: indicator))
    }

    /// Approves a figure of 2020Q4 (closed in the fixtures) by opening the period for a moment.
    private func approvedInQ4(_ db: TestDB, _ indicator: String, _ value: String) async throws {
        try await W.setPeriod(db, W.q4, .open)
        try await W.approved(db, W.q4, indicator, value)
        try await W.setPeriod(db, W.q4, .closed)
    }

    @Test func decimalsFollowTheIndicator() async throws {
        try await TestDatabase.withStandard { db in
            try await W.expectRejected(
                db, .invalid, field: "value", saying: "value: at most 1 decimal place for 工業用水道管路の更新整備延長（累計）"
            ) {
                try await save(db, "1-2.1", "4.25")
            }
            try await W.expectRejected(db, .invalid, field: "value", saying: "without decimal places for ５Ｇ基盤展開率") {
                try await save(db, "2.1", "50.5")
            }
            // Trailing zeros count: the figure is printed as entered.
            try await W.expectRejected(db, .invalid, field: "value", saying: "at most 1 decimal place") {
                try await save(db, "1-2.1", "4.00")
            }
            let ok = try await save(db, "1-2.1", "4.0")
            #expect(ok.value?.text == "4.0")
            #expect(try await save(db, "1-3.1", "12").value?.text == "12", "fewer decimals are fine")
        }
    }

    @Test func ratesLieBetweenZeroAndHundred() async throws {
        try await TestDatabase.withStandard { db in
            try await W.expectRejected(db, .invalid, field: "value", saying: "between 0 and 100") {
                try await save(db, "2.3", "100.5")
            }
            try await W.expectRejected(db, .invalid, field: "value", saying: "must not be negative") {
                try await save(db, "2.3", "-0.1")
            }
            #expect(try await save(db, "2.3", "100.0").state == .draft)
            #expect(try await save(db, "2.1", "0").state == .draft)
        }
    }

    @Test func countsAreNonNegativeWholeNumbers() async throws {
        try await TestDatabase.withStandard { db in
            try await W.expectRejected(db, .invalid, field: "value", saying: "must not be negative") {
                try await save(db, "2.2", "-1")
            }
            try await W.expectRejected(db, .invalid, field: "value", saying: "must be a whole number") {
                try await save(db, "2.2", "2.5")
            }
            try await W.expectRejected(db, .invalid, field: "value", saying: "must not be negative") {
                try await save(db, "1-3.1", "-0.5")  // a quantity
            }
            #expect(try await save(db, "2.2", "0").value?.text == "0")
        }
    }

    @Test func aValueGoesWithReportedAndANoteWithoutOne() async throws {
        try await TestDatabase.withStandard { db in
            try await W.expectRejected(db, .invalid, field: "value", saying: "required when the status is reported") {
                try await save(db, "2.1", nil)
            }
            try await W.expectRejected(db, .invalid, field: "value", saying: "must be empty") {
                try await save(db, "2.1", "50", status: .notPublished, note: "未公表")
            }
            try await W.expectRejected(db, .invalid, field: "note", saying: "not_published") {
                try await save(db, "2.1", nil, status: .notPublished)
            }
            try await W.expectRejected(db, .invalid, field: "note", saying: "not_available") {
                try await save(db, "7.2", nil, status: .notAvailable, note: "   ")
            }
            let unpublished = try await save(db, "2.1", nil, status: .notPublished, note: "令和２年度末時点の数値は未公表")
            #expect(unpublished.status == .notPublished && unpublished.value == nil)
            let unavailable = try await save(db, "7.2", nil, status: .notAvailable, note: "－（未集計）")
            #expect(unavailable.status == .notAvailable && unavailable.note == "－（未集計）")
        }
    }

    @Test func aCumulativeFigureThatFallsNeedsANote() async throws {
        try await TestDatabase.withStandard { db in
            try await approvedInQ4(db, "1-2.1", "4.0")
            try await W.expectRejected(
                db, .invalid, field: "note", saying: "fell below the approved figure of 2020Q4 (4.0)"
            ) {
                try await save(db, "1-2.1", "3.5")
            }
            let explained = try await save(db, "1-2.1", "3.5", note: "区間の測量により延長を訂正")
            #expect(explained.value?.text == "3.5")
            // A period_sum figure may fall without a note (only cumulative ones are checked).
            try await approvedInQ4(db, "1-3.1", "5.0")
            #expect(try await save(db, "1-3.1", "4.0").state == .draft)
        }
    }

    @Test func aJumpToMoreThanThreeTimesNeedsANote() async throws {
        try await TestDatabase.withStandard { db in
            try await approvedInQ4(db, "1-1.1", "2")
            try await W.expectRejected(db, .invalid, field: "note", saying: "more than 3 times") {
                try await save(db, "1-1.1", "7")
            }
            let f = try await save(db, "1-1.1", "6")
            #expect(f.value?.text == "6", "exactly three times is fine")
            let explained = try await save(db, "1-1.1", "7", note: "大型船の入港が集中したため", version: f.version)
            #expect(explained.note == "大型船の入港が集中したため")
            // No rule applies when the previous approved figure is zero.
            try await approvedInQ4(db, "1-3.2", "0")
            #expect(try await save(db, "1-3.2", "2").state == .draft)
        }
    }

    @Test func theComparisonIsWithTheLatestApprovedEarlierFigure() async throws {
        try await TestDatabase.withStandard { db in
            // 2020Q4 approved at 10; 2021Q1 only submitted at 12: a 2021Q2 figure of 7 compares with 2020Q4.
            try await approvedInQ4(db, "2.2", "10")
            try await W.submitted(db, W.q1, "2.2", "12")
            try await W.setPeriod(db, W.q2, .open)
            try await W.expectRejected(db, .invalid, field: "note", saying: "approved figure of 2020Q4 (10)") {
                try await save(db, "2.2", "7", period: W.q2)
            }
        }
    }

    @Test func asOfLiesWithinThePeriodAndNinetyTwoDaysAfter() async throws {
        try await TestDatabase.withStandard { db in
            try await W.expectRejected(db, .invalid, field: "as_of", saying: "between 2021-04-01 and 2021-09-30") {
                try await save(db, "1-1.1", "1", asOf: CalendarDate("2021-03-31"))
            }
            try await W.expectRejected(db, .invalid, field: "as_of") {
                try await save(db, "1-1.1", "1", asOf: CalendarDate("2021-10-01"))
            }
            #expect(
                try await save(db, "1-1.1", "1", asOf: CalendarDate("2021-09-30")).asOf == CalendarDate("2021-09-30"))
        }
    }

    @Test func aNoteIsAtMostTwoThousandCharacters() async throws {
        try await TestDatabase.withStandard { db in
            try await W.expectRejected(db, .invalid, field: "note", saying: "at most 2000 characters (it has 2001)") {
                try await save(db, "1-1.1", "1", note: String(repeating: "注", count: 2001))
            }
            #expect(try await save(db, "1-1.1", "1", note: String(repeating: "注", count: 2000)).note?.count == 2000)
        }
    }

    @Test func everyBrokenRuleIsReportedAtOnce() async throws {
        try await TestDatabase.withStandard { db in
            let before = try await Fixtures.snapshot(db)
            do {
                _ = try await save(db, "2.2", "-1.5", asOf: CalendarDate("2022-01-01"))
                Issue.record("a bad figure was saved")
            } catch let e as ServiceError {
                #expect(e.code == .invalid)
                #expect(e.fieldErrors.map(\.field) == ["value", "value", "as_of"], "\(e)")
            }
            #expect(try await Fixtures.snapshot(db) == before)
        }
    }

    @Test func versionsAndStatesGuardChanges() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let created = try await save(db, "1-1.1", "1")
            try await W.expectRejected(db, .conflict, saying: "exists already") {
                try await save(db, "1-1.1", "2")
            }
            try await W.expectRejected(db, .conflict, saying: "exists yet") {
                try await save(db, "1-2.1", "2.0", version: 1)
            }
            let changed = try await save(db, "1-1.1", "2", version: created.version)
            try await W.expectRejected(db, .conflict, saying: "changed since you loaded it") {
                try await save(db, "1-1.1", "3", version: created.version)
            }
            // The same content again is fine: a save is a save.
            let same = try await save(db, "1-1.1", "2", version: changed.version)
            #expect(same.version == changed.version + 1 && same.value?.text == "2")

            let sent = try await s.submitFigure(
                period: W.q1, indicator: "1-1.1", version: same.version, as: W.clerk("ports"))
            try await W.expectRejected(db, .conflict, saying: "submitted figures are locked until reviewed") {
                try await save(db, "1-1.1", "3", version: sent.version)
            }
            try await W.expectRejected(db, .conflict, saying: "already submitted") {
                try await s.submitFigure(period: W.q1, indicator: "1-1.1", version: sent.version, as: W.clerk("ports"))
            }
            try await W.expectRejected(db, .conflict, saying: "Only approved figures can be reopened") {
                try await s.reopenFigure(
                    period: W.q1, indicator: "1-1.1", version: sent.version, reason: "x", as: W.approver)
            }
            try await W.expectRejected(db, .conflict, saying: "changed since you loaded it") {
                try await s.approveFigure(period: W.q1, indicator: "1-1.1", version: same.version, as: W.approver)
            }
            let approved = try await s.approveFigure(
                period: W.q1, indicator: "1-1.1", version: sent.version, as: W.approver)
            try await W.expectRejected(db, .conflict, saying: "approved figures change only through reopen") {
                try await save(db, "1-1.1", "3", version: approved.version)
            }
            try await W.expectRejected(db, .conflict, saying: "already approved") {
                try await s.approveFigure(period: W.q1, indicator: "1-1.1", version: approved.version, as: W.approver2)
            }
            try await W.expectRejected(db, .notFound) {
                try await s.submitFigure(period: W.q1, indicator: "3.1", version: 1, as: W.clerk("innovation"))
            }
        }
    }

    @Test func theBundledActualsPassEveryRule() async throws {
        // Each figure the prefecture printed, checked against its indicator with no earlier figure: the rules
        // must not refuse real data. (The round trip through the database is in ReportQueryTests.)
        let plan = try PlanFile.bundled()
        let indicators = Dictionary(
            uniqueKeysWithValues: plan.projects.flatMap { p in
                p.indicators.enumerated().map { (n, i) in
                    (
                        i.code,
                        IndicatorRef(
                            id: n, code: i.code, name: i.name, kind: i.kind, valueType: i.valueType,
                            decimals: i.decimals,
                            owner: ProjectOwner(
                                projectID: 0, projectCode: p.code, departmentID: 0, departmentCode: p.department))
                    )
                }
            })
        for f in try ActualsFile.bundled().figures {
            let window = PeriodWindow(
                code: f.period, state: .open, startsOn: f.period.startDate, endsOn: f.period.endDate,
                extendedUntil: nil,
                today: f.period.endDate)
            #expect(throws: Never.self, "\(f.indicator) \(f.period)") {
                try FigureRules.check(
                    FigureContent(status: f.status, value: f.value, note: f.note, asOf: f.asOf),
                    of: indicators[f.indicator]!, in: window, previous: nil)
            }
        }
    }
}
