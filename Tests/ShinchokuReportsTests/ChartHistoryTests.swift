import Foundation
import Shinchoku
import Testing

@testable import ShinchokuReports

/// Charts that do not grow with history, and their exact coordinates.
@Suite struct ChartHistoryTests {
    typealias F = Fixture

    /// Forty quarters of one indicator, 2011Q2–2021Q1: ten fiscal years before the plan (FY2021) and its first quarter.
    static func longHistory() -> ReportData.Indicator {
        var figures: [ReportData.Figure] = []
        var p = PeriodCode("2011Q2")!
        var n = 1
        while p <= PeriodCode("2021Q1")! {
            figures.append(F.figure(p.description, String(n), asOf: p.endDate.description))
            p = p.next
            n += 1
        }
        return F.indicator(code: "7.1", kind: .cumulative, target: "110", figures: figures)
    }

    @Test func aChartShowsTheLastFigureOfTheYearBeforeThePlanAndEveryQuarterWithinIt() throws {
        let indicator = Self.longHistory()
        #expect(indicator.figures.count == 40)
        let html = F.rendered(F.report([F.project(indicators: [indicator])]), .html)
        let points = try #require(try HTMLCheck.charts(html)["7.1"])
        // FY2020's last (2020Q4, also the baseline) and the plan's 2021Q1.
        #expect(ReportData.chartFiscalYearsBeforePlan == 1)
        #expect(points.map(\.period) == ["2020Q4", "2021Q1"])
        #expect(points.map(\.value) == ["39", "40"])
        // The time axis starts at the first point: no quarter ticks for the years not shown.
        #expect(!html.contains("2019年度") && html.contains("2020年度"))

        // The same chart however much of the history the data holds.
        let printed = ReportData.printedFigures(
            indicator.figures, period: F.period("2021Q1"), planStartFiscalYear: 2021)
        #expect(printed.map(\.period.description) == ["2020Q4", "2021Q1"])
        var short = indicator
        short.figures = printed
        #expect(F.rendered(F.report([F.project(indicators: [short])]), .html) == html)
        for format in [ReportFormat.md, .json] {
            #expect(
                F.rendered(F.report([F.project(indicators: [short])]), format)
                    == F.rendered(F.report([F.project(indicators: [indicator])]), format))
        }
    }

    @Test func printedFiguresKeepTheLatestTwoAndTheBaselineHoweverOld() {
        // Nothing since 2012: the latest two and the last before the plan are still printed.
        let sparse = [F.figure("2011Q1", "1"), F.figure("2011Q4", "2"), F.figure("2012Q2", "3")]
        #expect(
            ReportData.printedFigures(sparse, period: F.period("2021Q1"), planStartFiscalYear: 2021).map(\.period)
                == [F.period("2011Q4"), F.period("2012Q2")])
        // Within the plan every quarter, and nothing after the report's period.
        let plan = ["2020Q2", "2020Q3", "2021Q1", "2021Q2", "2021Q3", "2021Q4"].map { F.figure($0, "1") }
        #expect(
            ReportData.printedFigures(plan, period: F.period("2021Q3"), planStartFiscalYear: 2021)
                .map(\.period.description) == ["2020Q3", "2021Q1", "2021Q2", "2021Q3"])
    }

    /// The seed's charts span 12 quarters (2020Q4–2023Q4): the first plan quarter lies 440 ÷ 12 = 36.66… px in,
    /// printed rounded half up as 100.7, as the `Decimal` arithmetic printed it.
    @Test func coordinatesAreExactFractionsRoundedHalfAwayFromZero() {
        let axis = TimeAxis(first: F.period("2020Q4"), last: F.period("2023Q4"))
        #expect(axis.x(F.period("2021Q1")).description == "100.7")
        #expect(axis.x(F.period("2020Q4")).description == "64")
        #expect(axis.x(F.period("2023Q4")).description == "504")
        #expect(axis.middle(F.period("2021Q1"), F.period("2021Q4")).description == "155.7")  // 155.666…

        // Target 4: the axis runs 0–4 in steps of 1, y = 166 − 36 × v. 0.0125 puts y on a tie, 165.55, which rounds
        // away from zero to 165.6; a hair less rounds down.
        let values = ValueAxis(values: [F.number("0"), F.number("4"), F.number("0.0125")])
        #expect(values.y(F.number("0.0125")).description == "165.6")
        #expect(values.y(F.number("0.01251")).description == "165.5")
        #expect(values.y(F.number("4")).description == "22")
        #expect(values.ticks.map(\.text) == ["0", "1", "2", "3", "4"])
        // One third of the way up a 0–3 axis (step 1): 166 − 48 = 118.
        let thirds = ValueAxis(values: [F.number("0"), F.number("2.5"), F.number("1")])
        #expect(thirds.y(F.number("1")).description == "118")

        #expect(Tenths.rounded(-15, 10) == -2 && Tenths.rounded(15, 10) == 2 && Tenths.rounded(14, 10) == 1)
        #expect(Tenths.text(tenths: -5) == "-0.5" && Tenths.text(tenths: 1000) == "100")
    }

    /// The integer arithmetic gives what the `Decimal` arithmetic gave, on values of every shape; values too large
    /// for it fall back to `Decimal`.
    @Test func integerCoordinatesMatchTheDecimalOnes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let decimals = Int.random(in: 0...4, using: &generator)
            func value() -> ExactDecimal {
                let n = Int.random(in: -2_000_000...2_000_000, using: &generator)
                return ExactDecimal(Decimal(n) / pow(10, decimals))
            }
            let set = (0..<Int.random(in: 1...6, using: &generator)).map { _ in value() }
            let axis = ValueAxis(values: set)
            let decimal = ValueAxis(values: set, integers: false)
            #expect(axis.ticks.map(\.text) == decimal.ticks.map(\.text), "\(set)")
            #expect(axis.ticks.map(\.y.description) == decimal.ticks.map(\.y.description), "\(set)")
            for v in set {
                #expect(axis.y(v).description == decimal.y(v).description, "\(v) of \(set)")
            }
        }
        let huge = ValueAxis(values: [F.number("999999999999999"), F.number("35")])
        #expect(huge.y(F.number("35")).description == "166")
        #expect(huge.ticks.first?.text == "0" && huge.ticks.last?.text == "1000000000000000")
    }
}
