import Foundation

extension ReportData {
    /// Which of an indicator's earlier figures a report reads.
    public enum History: Sendable, Equatable {
        /// Only what the Markdown, HTML and JSON reports print (``printedFigures(_:period:planStartFiscalYear:)``):
        /// a report as of a late quarter reads no more than one as of an early one.
        case printed
        /// Every figure up to the report's period: the CSV and xlsx tables list them all.
        case complete
    }

    /// The fiscal years before the plan's first whose last figure a report's charts show: FY2020 for a plan from
    /// FY2021. One year keeps a report of the 40th quarter of history as large as one of the 2nd; each year more
    /// adds a point to every chart and a figure per indicator to read (two years made the 40th quarter's report
    /// about 1.5 times the 2nd's).
    public static let chartFiscalYearsBeforePlan = 1

    /// Of an indicator's figures at or before `period`, oldest first, the ones a report prints (docs/reports.md):
    /// - every figure from the plan's first quarter on (the charts show the plan quarter by quarter);
    /// - the latest two (the 実績値 and the figure before it);
    /// - the latest before the plan's first quarter (the baseline when the plan gives none);
    /// - the last of each of the ``chartFiscalYearsBeforePlan`` fiscal years before the plan (the charts show the
    ///   years before the plan one point each).
    ///
    /// The report query reads exactly these (for ``History/printed``); the charts plot exactly these whatever they
    /// are given, so a report's text is the same from either history.
    public static func printedFigures(_ figures: [Figure], period: PeriodCode, planStartFiscalYear: Int) -> [Figure] {
        let upTo = figures.filter { $0.period <= period }.sorted { $0.period < $1.period }
        let planStart = planStartPeriod(planStartFiscalYear)
        let firstChartedYear = planStartFiscalYear - chartFiscalYearsBeforePlan
        let lastBeforePlan = upTo.lastIndex { $0.period < planStart }
        return upTo.indices.filter { n in
            let p = upTo[n].period
            if p >= planStart || n >= upTo.count - 2 || n == lastBeforePlan { return true }
            let lastOfItsYear = n + 1 == upTo.count || upTo[n + 1].period.fiscalYear != p.fiscalYear
            return p.fiscalYear >= firstChartedYear && lastOfItsYear
        }.map { upTo[$0] }
    }

    /// The plan's first quarter (Q1 of `planStartFiscalYear`, kept within the years a period may have).
    static func planStartPeriod(_ planStartFiscalYear: Int) -> PeriodCode {
        PeriodCode(fiscalYear: min(max(planStartFiscalYear, 1990), 2200), quarter: 1)!
    }
}
