import Foundation
import Shinchoku

/// The value that progress and the expected share are measured from.
public struct EffectiveBaseline: Sendable, Equatable {
    /// Where the value comes from.
    public enum Source: String, Sendable, Codable, CaseIterable {
        /// The plan's explicit `baseline`.
        case plan
        /// The latest reported figure of a period before the plan start.
        case figure
        /// Zero at the plan start: a `period_sum` indicator counts from the plan's first day.
        case planStart = "plan_start"
        /// No baseline is known, so zero at the plan start is assumed.
        case missing
    }

    public var value: Decimal
    /// The value as stored (`4.0`), or nil when it is an assumed zero.
    public var number: ExactDecimal?
    /// The date the value is as of; nil for an explicit baseline without a date.
    public var asOf: CalendarDate?
    public var source: Source
    /// The first quarter of the straight line to the target: the quarter after `asOf`.
    public var startPeriod: PeriodCode

    public init(
        value: Decimal, number: ExactDecimal?, asOf: CalendarDate?, source: Source,
        startPeriod: PeriodCode
    ) {
        self.value = value
        self.number = number
        self.asOf = asOf
        self.source = source
        self.startPeriod = startPeriod
    }

    /// The quarter the straight line starts from (the one before `startPeriod`).
    public var anchorPeriod: PeriodCode { startPeriod.previous }
}

/// An indicator's actual against its target at one period.
public struct IndicatorAssessment: Sendable, Equatable {
    /// The latest figure at or before the period, with its own as-of.
    public var actual: ReportData.Figure?
    /// The figure before `actual`, if any.
    public var previous: ReportData.Figure?
    public var baseline: EffectiveBaseline
    /// Actual against target in percent (target against actual for lower-is-better), unrounded.
    public var achievementRate: Decimal?
    /// Share of the way from the baseline to the target in percent, unrounded.
    public var progress: Decimal?
    /// Share of the plan elapsed at the period in percent (0...100), unrounded.
    public var expected: Decimal
    public var status: ReportStatus

    public init(
        actual: ReportData.Figure?, previous: ReportData.Figure?, baseline: EffectiveBaseline,
        achievementRate: Decimal?, progress: Decimal?, expected: Decimal, status: ReportStatus
    ) {
        self.actual = actual
        self.previous = previous
        self.baseline = baseline
        self.achievementRate = achievementRate
        self.progress = progress
        self.expected = expected
        self.status = status
    }

    /// The actual value, when the latest figure reports one.
    public var actualValue: ExactDecimal? { actual?.status == .reported ? actual?.value : nil }
}

/// The report's formulas: achievement rate, progress, expected share and status. All in `Decimal`.
public enum IndicatorAssessor {
    /// Assesses an indicator at a period from its figures at or before that period.
    public static func assess(
        _ indicator: ReportData.Indicator, at period: PeriodCode, planStartFiscalYear: Int,
        tolerance: Decimal
    ) -> IndicatorAssessment {
        let figures = indicator.figures.filter { $0.period <= period }.sorted { $0.period < $1.period }
        let actual = figures.last
        let previous = figures.count >= 2 ? figures[figures.count - 2] : nil
        let baseline = effectiveBaseline(
            indicator, figures: figures, planStartFiscalYear: planStartFiscalYear)
        let expected = expectedShare(
            at: period, baseline: baseline, targetFiscalYear: indicator.targetFiscalYear,
            planStartFiscalYear: planStartFiscalYear)
        let target = indicator.target.decimal

        guard let actual else {
            return IndicatorAssessment(
                actual: nil, previous: nil, baseline: baseline, achievementRate: nil, progress: nil,
                expected: expected, status: .noData)
        }
        guard actual.status == .reported, let value = actual.value?.decimal else {
            return IndicatorAssessment(
                actual: actual, previous: previous, baseline: baseline, achievementRate: nil, progress: nil,
                expected: expected, status: .notPublished)
        }
        let rate = achievementRate(actual: value, target: target, direction: indicator.direction)
        let progress = progress(actual: value, baseline: baseline.value, target: target)
        let status: ReportStatus
        if isAchieved(
            actual: value, target: target, qualifier: indicator.targetQualifier,
            direction: indicator.direction)
        {
            status = .achieved
        } else if let progress, progress >= expected - tolerance {
            status = .onTrack
        } else {
            status = .behind
        }
        return IndicatorAssessment(
            actual: actual, previous: previous, baseline: baseline, achievementRate: rate,
            progress: progress,
            expected: expected, status: status)
    }

    /// The day before the plan's first day (31 March of the plan's first fiscal year).
    public static func planStartEve(_ planStartFiscalYear: Int) -> CalendarDate {
        planStartPeriod(planStartFiscalYear).startDate.adding(days: -1)
    }

    /// The plan's first quarter.
    public static func planStartPeriod(_ planStartFiscalYear: Int) -> PeriodCode {
        PeriodCode(fiscalYear: planStartFiscalYear, quarter: 1)
            ?? PeriodCode(fiscalYear: min(max(planStartFiscalYear, 1990), 2200), quarter: 1)!
    }

    /// The baseline progress and the expected share count from: the plan's, else zero for a `period_sum`,
    /// else the latest reported figure before the plan start, else an assumed zero at the plan start.
    public static func effectiveBaseline(
        _ indicator: ReportData.Indicator, figures: [ReportData.Figure], planStartFiscalYear: Int
    ) -> EffectiveBaseline {
        let planStart = planStartPeriod(planStartFiscalYear)
        let eve = planStartEve(planStartFiscalYear)
        if let baseline = indicator.baseline {
            let start = indicator.baselineAsOf.map { PeriodCode.containing($0).next } ?? planStart
            return EffectiveBaseline(
                value: baseline.decimal, number: baseline, asOf: indicator.baselineAsOf, source: .plan,
                startPeriod: start)
        }
        if indicator.kind == .periodSum {
            return EffectiveBaseline(
                value: 0, number: nil, asOf: eve, source: .planStart, startPeriod: planStart)
        }
        if let before = figures.last(where: { $0.period < planStart }), before.status == .reported,
            let value = before.value
        {
            return EffectiveBaseline(
                value: value.decimal, number: value, asOf: before.asOf, source: .figure,
                startPeriod: PeriodCode.containing(before.asOf).next)
        }
        return EffectiveBaseline(
            value: 0, number: nil, asOf: eve, source: .missing, startPeriod: planStart)
    }

    /// Actual ÷ target × 100; for lower-is-better, target ÷ actual × 100. Nil when dividing by zero.
    public static func achievementRate(actual: Decimal, target: Decimal, direction: Direction)
        -> Decimal?
    {
        switch direction {
        case .increase: target == 0 ? nil : actual / target * 100
        case .decrease: actual == 0 ? nil : target / actual * 100
        }
    }

    /// (actual − baseline) ÷ (target − baseline) × 100; nil when the target equals the baseline.
    public static func progress(actual: Decimal, baseline: Decimal, target: Decimal) -> Decimal? {
        target == baseline ? nil : (actual - baseline) / (target - baseline) * 100
    }

    /// Share of the straight line from the baseline to the target fiscal year's Q4 elapsed at the period,
    /// counted in quarters, in percent. Zero before the plan start.
    public static func expectedShare(
        at period: PeriodCode, baseline: EffectiveBaseline, targetFiscalYear: Int,
        planStartFiscalYear: Int
    ) -> Decimal {
        if period < planStartPeriod(planStartFiscalYear) { return 0 }
        let targetQ4Ordinal = targetFiscalYear * 4 + 3
        let start = baseline.startPeriod.ordinal
        let total = targetQ4Ordinal - start + 1
        let elapsed = period.ordinal - start + 1
        if total <= 0 { return 100 }
        let share = Decimal(elapsed) / Decimal(total)
        return min(max(share, 0), 1) * 100
    }

    /// Whether the target is met: 以上 means at least, 以下 at most, and without a qualifier the
    /// direction decides.
    public static func isAchieved(
        actual: Decimal, target: Decimal, qualifier: TargetQualifier?, direction: Direction
    ) -> Bool {
        switch qualifier {
        case .atLeast: actual >= target
        case .atMost: actual <= target
        case nil: direction == .increase ? actual >= target : actual <= target
        }
    }

    /// Rounds a percentage half-up (away from zero on a tie) to one decimal place.
    public static func roundedPercent(_ value: Decimal) -> Decimal {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, 1, .plain)
        return result
    }

    /// A percentage as printed: rounded half-up to one decimal place, always with one decimal (`2.9`, `100.0`).
    public static func percentText(_ value: Decimal) -> String {
        let tenths = roundedPercent(value) * 10
        var digits = "\(tenths)"
        let negative = digits.hasPrefix("-")
        if negative { digits.removeFirst() }
        if digits == "0" { return "0.0" }
        while digits.count < 2 { digits = "0" + digits }
        return (negative ? "-" : "") + digits.dropLast() + "." + digits.suffix(1)
    }
}
