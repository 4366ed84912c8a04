import Foundation
import Shinchoku
import Testing

@testable import ShinchokuReports

@Suite("Formulas and status")
struct IndicatorAssessorTests {
    typealias F = Fixture

    @Test("1-1: 1回 against 35回／3年 at 2021Q1 (period_sum counts from zero at the plan start)")
    func periodSumFromPlanStart() {
        let a = F.assess(F.coal)
        #expect(a.actual?.value == F.number("1"))
        #expect(a.previous == nil)
        #expect(a.baseline.source == .planStart)
        #expect(a.baseline.value == 0)
        #expect(a.baseline.asOf == F.date("2021-03-31"))
        #expect(a.baseline.startPeriod == F.period("2021Q1"))
        #expect(a.achievementRate.map(IndicatorAssessor.percentText) == "2.9")
        #expect(a.progress == a.achievementRate)
        #expect(IndicatorAssessor.percentText(a.expected) == "8.3")
        #expect(a.status == .onTrack)
    }

    @Test("5-1: 94 ⇒ 111 against 105, a target already exceeded")
    func targetAlreadyExceeded() {
        let a = F.assess(F.commercialised)
        #expect(a.baseline.source == .plan)
        #expect(a.baseline.startPeriod == F.period("2020Q1"))
        #expect(a.achievementRate.map(IndicatorAssessor.percentText) == "105.7")
        #expect(a.progress.map(IndicatorAssessor.percentText) == "154.5")
        #expect(a.expected == Decimal("31.25"))
        #expect(IndicatorAssessor.percentText(a.expected) == "31.3")
        #expect(a.status == .achieved)
    }

    @Test(
        "A reported figure before the plan start is the baseline; the line starts the quarter after it")
    func figureBeforePlanStartIsBaseline() {
        let i = F.indicator(
            unit: "km", target: "5.4",
            figures: [F.figure("2020Q4", "4.0", asOf: "2021-03-31"), F.figure("2021Q1", "4.0")])
        let a = F.assess(i)
        #expect(a.baseline.source == .figure)
        #expect(a.baseline.number?.text == "4.0")
        #expect(a.baseline.asOf == F.date("2021-03-31"))
        #expect(a.baseline.startPeriod == F.period("2021Q1"))
        #expect(a.previous?.period == F.period("2020Q4"))
        #expect(a.progress == 0)
        #expect(a.achievementRate.map(IndicatorAssessor.percentText) == "74.1")
        #expect(a.status == .onTrack)
    }

    @Test("Missing baseline: zero at the plan start, so progress equals the achievement rate")
    func missingBaseline() {
        let i = F.indicator(kind: .level, target: "200", figures: [F.figure("2021Q1", "101")])
        let a = F.assess(i)
        #expect(a.baseline.source == .missing)
        #expect(a.baseline.value == 0)
        #expect(a.progress == a.achievementRate)
        #expect(a.progress == Decimal("50.5"))
        #expect(a.status == .onTrack)
    }

    @Test("A not-reported figure before the plan start is no baseline")
    func unpublishedFigureIsNoBaseline() {
        let i = F.indicator(
            kind: .level, target: "98",
            figures: [
                F.figure("2020Q4", nil, asOf: "2021-03-31", status: .notPublished),
                F.figure("2021Q1", "40"),
            ])
        let a = F.assess(i)
        #expect(a.baseline.source == .missing)
        #expect(a.progress == a.achievementRate)
    }

    @Test("Direction decrease: lower is better")
    func directionDecrease() {
        let i = F.indicator(
            direction: .decrease, baseline: "20", baselineAsOf: "2021-03-31", target: "10",
            figures: [F.figure("2021Q1", "15")])
        let a = F.assess(i)
        // target ÷ actual
        #expect(a.achievementRate.map(IndicatorAssessor.percentText) == "66.7")
        // (15 − 20) ÷ (10 − 20): half way down
        #expect(a.progress == 50)
        #expect(a.status == .onTrack)

        let worse = F.assess(
            F.indicator(
                direction: .decrease, baseline: "20", baselineAsOf: "2021-03-31", target: "10",
                figures: [F.figure("2021Q1", "22")]))
        #expect(worse.progress == -20)
        #expect(worse.status == .behind)

        let met = F.assess(
            F.indicator(
                direction: .decrease, baseline: "20", baselineAsOf: "2021-03-31", target: "10",
                figures: [F.figure("2021Q1", "9.5")]))
        #expect(met.status == .achieved)
        #expect(met.achievementRate.map(IndicatorAssessor.percentText) == "105.3")

        let zero = F.assess(
            F.indicator(direction: .decrease, target: "10", figures: [F.figure("2021Q1", "0")]))
        #expect(zero.achievementRate == nil)
        #expect(zero.status == .achieved)
    }

    @Test("以上: exactly met is achieved, just missed is not")
    func atLeast() {
        func assess(_ value: String) -> IndicatorAssessment {
            F.assess(
                F.indicator(
                    kind: .level, baseline: "0", baselineAsOf: "2020-03-31", target: "98",
                    qualifier: .atLeast,
                    figures: [F.figure("2021Q1", value)]))
        }
        #expect(assess("98").status == .achieved)
        #expect(assess("98.0").status == .achieved)
        #expect(assess("99").status == .achieved)
        let missed = assess("97.9")
        #expect(missed.status == .onTrack)
        #expect(missed.progress.map(IndicatorAssessor.percentText) == "99.9")
    }

    @Test("以下: at most the target is achieved, whatever the direction")
    func atMost() {
        func assess(_ value: String) -> ReportStatus {
            F.assess(
                F.indicator(
                    direction: .decrease, baseline: "12", baselineAsOf: "2021-03-31", target: "8",
                    qualifier: .atMost, figures: [F.figure("2021Q1", value)])
            ).status
        }
        #expect(assess("8") == .achieved)
        #expect(assess("7") == .achieved)
        #expect(assess("8.1") == .onTrack)
    }

    @Test("Not published (未公表): status not_published, no rates, the figure kept")
    func notPublished() {
        let i = F.indicator(
            kind: .level, baseline: "0", baselineAsOf: "2020-03-31", baselineLabel: "令和元年度", target: "98",
            qualifier: .atLeast,
            figures: [F.figure("2020Q4", nil, asOf: "2021-03-31", status: .notPublished)])
        let a = F.assess(i)
        #expect(a.status == .notPublished)
        #expect(a.actual?.status == .notPublished)
        #expect(a.actual?.period == F.period("2020Q4"))
        #expect(a.achievementRate == nil)
        #expect(a.progress == nil)
        #expect(IndicatorAssessor.percentText(a.expected) == "31.3")
    }

    @Test("Not available (－): status not_published too")
    func notAvailable() {
        let i = F.indicator(
            kind: .periodSum, target: "115",
            figures: [F.figure("2021Q1", nil, status: .notAvailable, note: "－（未集計）")])
        let a = F.assess(i)
        #expect(a.status == .notPublished)
        #expect(a.achievementRate == nil)
        #expect(a.progress == nil)
    }

    @Test("Not published after a reported figure: the previous figure is kept")
    func notPublishedAfterReported() {
        let i = F.indicator(
            kind: .level, target: "98",
            figures: [
                F.figure("2020Q4", "50", asOf: "2021-03-31"),
                F.figure("2021Q1", nil, status: .notPublished),
            ])
        let a = F.assess(i)
        #expect(a.status == .notPublished)
        #expect(a.previous?.value == F.number("50"))
    }

    @Test("No data: no figure yet")
    func noData() {
        let a = F.assess(F.indicator(kind: .periodSum, target: "75"))
        #expect(a.status == .noData)
        #expect(a.actual == nil)
        #expect(a.previous == nil)
        #expect(a.achievementRate == nil)
        #expect(a.progress == nil)
        #expect(IndicatorAssessor.percentText(a.expected) == "8.3")
    }

    @Test("A period before the plan start expects nothing")
    func periodBeforePlanStart() {
        let i = F.indicator(
            kind: .level, target: "24.0", figures: [F.figure("2020Q4", "17.4", asOf: "2021-03-31")])
        let early = F.assess(i, at: "2020Q4")
        #expect(early.expected == 0)
        #expect(early.progress == 0)
        #expect(early.status == .onTrack)
        let withPlanBaseline = F.assess(F.commercialised, at: "2020Q4")
        #expect(withPlanBaseline.expected == 0)
        #expect(withPlanBaseline.status == .noData)
        // The same IoT rate in the 2021Q1 report: still as of 令和2年度末, one quarter of twelve elapsed.
        let later = F.assess(i, at: "2021Q1")
        #expect(later.actual?.asOf == F.date("2021-03-31"))
        #expect(later.baseline.source == .figure)
        #expect(IndicatorAssessor.percentText(later.expected) == "8.3")
    }

    @Test("Figures after the period are left out")
    func laterFiguresIgnored() {
        let i = F.indicator(
            kind: .periodSum,
            figures: [F.figure("2021Q1", "1"), F.figure("2021Q2", "5", asOf: "2021-10-31")])
        let a = F.assess(i, at: "2021Q1")
        #expect(a.actual?.value == F.number("1"))
        #expect(a.previous == nil)
        let b = F.assess(i, at: "2021Q3")
        #expect(b.actual?.value == F.number("5"))
        #expect(b.previous?.value == F.number("1"))
        #expect(IndicatorAssessor.percentText(b.expected) == "25.0")
    }

    @Test("Expected share: straight line in quarters, clamped to 0…100")
    func expectedShare() {
        let planStart = EffectiveBaseline(
            value: 0, number: nil, asOf: F.date("2021-03-31"), source: .planStart,
            startPeriod: F.period("2021Q1"))
        func share(_ p: String, _ b: EffectiveBaseline = planStart, targetFY: Int = 2023) -> Decimal {
            IndicatorAssessor.expectedShare(
                at: F.period(p), baseline: b, targetFiscalYear: targetFY, planStartFiscalYear: 2021)
        }
        #expect(IndicatorAssessor.percentText(share("2021Q1")) == "8.3")
        #expect(share("2022Q2") == 50)
        #expect(share("2023Q4") == 100)
        #expect(share("2024Q2") == 100)
        #expect(share("2020Q4") == 0)
        let fy2019 = EffectiveBaseline(
            value: 94, number: F.number("94"), asOf: F.date("2020-03-31"), source: .plan,
            startPeriod: F.period("2020Q1"))
        #expect(share("2021Q1", fy2019) == Decimal("31.25"))
        // A target year before the baseline: the whole line has elapsed.
        #expect(share("2021Q1", planStart, targetFY: 2019) == 100)
    }

    @Test(
        "Progress is nil when the target equals the baseline; such an indicator is behind until met")
    func targetEqualsBaseline() {
        let i = F.indicator(
            baseline: "5", baselineAsOf: "2021-03-31", target: "5", figures: [F.figure("2021Q1", "4")])
        let a = F.assess(i)
        #expect(a.progress == nil)
        #expect(a.status == .behind)
    }

    @Test("Tolerance is configurable")
    func tolerance() {
        // progress 5.0 against expected 8.333…
        let i = F.indicator(kind: .periodSum, target: "20", figures: [F.figure("2021Q1", "1")])
        #expect(F.assess(i).status == .onTrack)
        #expect(F.assess(i, tolerance: 0).status == .behind)
        #expect(F.assess(i, tolerance: Decimal("3.34")).status == .onTrack)
        #expect(F.assess(i, tolerance: Decimal("3.33")).status == .behind)
        let options = ReportOptions(format: .json)
        #expect(options.tolerance == 10)
        #expect(options.fullWidthDigits == false)
    }

    @Test(
        "Percentages round half-up to one decimal place",
        arguments: [
            ("2.85", "2.9"), ("2.849999", "2.8"), ("31.25", "31.3"), ("0.05", "0.1"), ("0.04", "0.0"),
            ("100", "100.0"), ("0", "0.0"), ("8.33333333", "8.3"), ("154.5454545", "154.5"),
            ("-2.25", "-2.3"),
            ("-0.04", "0.0"), ("99.95", "100.0"),
        ])
    func rounding(_ input: String, _ expected: String) {
        #expect(IndicatorAssessor.percentText(Decimal(input)) == expected)
    }

    @Test("Status labels")
    func labels() {
        #expect(ReportStatus.allCases.map(\.japanese) == ["達成", "順調", "遅れ", "未公表", "実績なし"])
        #expect(
            ReportStatus.allCases.map(\.rawValue) == [
                "achieved", "on_track", "behind", "not_published", "no_data",
            ])
    }
}
