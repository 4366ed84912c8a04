import Foundation
import Shinchoku

/// A chart coordinate in tenths of a pixel, exact until it is printed: a fraction of integers, or for values too
/// large for them (``ValueAxis``) a `Decimal` number of pixels. Printed rounded half away from zero to one decimal
/// place, without a trailing `.0` (`64`, `87.5`).
struct Tenths: CustomStringConvertible {
    private enum Value {
        /// numerator ÷ denominator tenths of a pixel; the denominator is positive.
        case fraction(Int64, Int64)
        case pixels(Decimal)
    }

    private let value: Value

    init(px: Int) { value = .fraction(Int64(px) * 10, 1) }
    init(tenths numerator: Int64, over denominator: Int64) { value = .fraction(numerator, denominator) }
    init(pixels: Decimal) { value = .pixels(pixels) }

    var description: String {
        switch value {
        case .fraction(let n, let d): Self.text(tenths: Self.rounded(n, d))
        case .pixels(let p): ReportText.trimmed(IndicatorAssessor.percentText(p))
        }
    }

    static func + (a: Tenths, px: Int) -> Tenths {
        switch a.value {
        case .fraction(let n, let d):
            let (shift, o1) = (Int64(px) * 10).multipliedReportingOverflow(by: d)
            let (sum, o2) = n.addingReportingOverflow(shift)
            return o1 || o2 ? Tenths(pixels: a.pixels + Decimal(px)) : Tenths(tenths: sum, over: d)
        case .pixels(let p): return Tenths(pixels: p + Decimal(px))
        }
    }

    static func - (a: Tenths, px: Int) -> Tenths { a + -px }

    static func < (a: Tenths, b: Tenths) -> Bool {
        if case .fraction(let n1, let d1) = a.value, case .fraction(let n2, let d2) = b.value {
            let (l, o1) = n1.multipliedReportingOverflow(by: d2)
            let (r, o2) = n2.multipliedReportingOverflow(by: d1)
            if !o1 && !o2 { return l < r }
        }
        return a.pixels < b.pixels
    }

    /// The exact value in pixels, as a `Decimal` (38 digits).
    private var pixels: Decimal {
        switch value {
        case .fraction(let n, let d): Decimal(n) / Decimal(d) / 10
        case .pixels(let p): p
        }
    }

    /// n ÷ d rounded half away from zero (d > 0).
    static func rounded(_ n: Int64, _ d: Int64) -> Int64 {
        let magnitude = n.magnitude
        let q = magnitude / d.magnitude
        let r = magnitude % d.magnitude
        let up = r >= d.magnitude - r ? q + 1 : q  // 2r ≥ d without overflow
        return n < 0 ? -Int64(up) : Int64(up)
    }

    /// Tenths as a decimal number with at most one decimal place: 875 → `87.5`, 640 → `64`.
    static func text(tenths t: Int64) -> String {
        let m = t.magnitude
        let sign = t < 0 ? "-" : ""
        return m % 10 == 0 ? sign + String(m / 10) : sign + String(m / 10) + "." + String(m % 10)
    }
}

/// The time axis: quarters from `first` to `last` spread evenly over the plot's width.
struct TimeAxis {
    let first: PeriodCode
    /// Quarters from `first` to `last`, at least 1.
    let span: Int64

    init(first: PeriodCode, last: PeriodCode) {
        self.first = first
        span = Int64(max(last.ordinal - first.ordinal, 1))
    }

    /// left + (p − first) × plotWidth ÷ span.
    func x(_ p: PeriodCode) -> Tenths {
        Tenths(
            tenths: Int64(IndicatorChart.left) * 10 * span
                + Int64(p.ordinal - first.ordinal) * Int64(IndicatorChart.plotWidth) * 10,
            over: span)
    }

    /// Halfway between two quarters' x.
    func middle(_ a: PeriodCode, _ b: PeriodCode) -> Tenths {
        Tenths(
            tenths: 2 * Int64(IndicatorChart.left) * 10 * span
                + Int64(a.ordinal + b.ordinal - 2 * first.ordinal) * Int64(IndicatorChart.plotWidth) * 10,
            over: 2 * span)
    }
}

/// The value axis: from a multiple of a 1, 2 or 5 × 10ⁿ step at or below the least of the values (and 0) to one at
/// or above the greatest, its ticks, and where a value lies on it.
///
/// Exact: in integers, as units of 10⁻ᵉ where e is one more than the most decimals among the values (so that every
/// step is a whole number of units), converting each value once; only values beyond ±10¹³ units fall back to
/// `Decimal` (38 digits), as the chart computed before.
struct ValueAxis {
    private enum Scale {
        case fixed(exponent: Int, low: Int64, high: Int64, step: Int64)
        case decimal(low: Decimal, high: Decimal, step: Decimal)
    }

    private let scale: Scale

    /// The largest magnitude in units kept in integers: products stay far below Int64's limit.
    static let limit: Int64 = 10_000_000_000_000

    /// `integers: false` computes in `Decimal` whatever the values (for tests to compare the two).
    init(values: [ExactDecimal], integers: Bool = true) {
        let exponent = (values.map(\.scale).max() ?? 0) + 1
        let units = values.map { Self.units($0, exponent: exponent) }
        if integers, exponent <= 18, !units.contains(nil) {
            let units = units.map { $0! }
            let low = min(0, units.min() ?? 0)
            let high = max(units.max() ?? 0, low)
            let step = Self.niceStep(range: high - low, one: Self.power(exponent))
            let yMin = Self.floor(low, step) * step
            var yMax = Self.ceiling(high, step) * step
            if yMax == yMin { yMax = yMin + step }
            scale = .fixed(exponent: exponent, low: yMin, high: yMax, step: step)
        } else {
            let decimals = values.map(\.decimal)
            let low = min(0, decimals.min() ?? 0)
            let high = max(decimals.max() ?? 0, low)
            let step = IndicatorChart.niceStep((high - low) / 4)
            let yMin = IndicatorChart.floor(low / step) * step
            var yMax = IndicatorChart.ceiling(high / step) * step
            if yMax == yMin { yMax = yMin + step }
            scale = .decimal(low: yMin, high: yMax, step: step)
        }
    }

    /// top + plotHeight − (v − yMin) × plotHeight ÷ (yMax − yMin).
    func y(_ v: ExactDecimal) -> Tenths {
        switch scale {
        case .fixed(let e, let low, let high, _):
            guard let units = Self.units(v, exponent: e) else { return decimalY(v.decimal) }
            return fixedY(units, low: low, high: high)
        case .decimal: return decimalY(v.decimal)
        }
    }

    /// Whether `a` is greater than `b`.
    func isAbove(_ a: ExactDecimal, _ b: ExactDecimal) -> Bool {
        if case .fixed(let e, _, _, _) = scale, let x = Self.units(a, exponent: e), let y = Self.units(b, exponent: e) {
            return x > y
        }
        return a.decimal > b.decimal
    }

    /// The grid lines from yMin to yMax, with their labels (`0`, `2.5`, `100`).
    var ticks: [(text: String, y: Tenths)] {
        var out: [(text: String, y: Tenths)] = []
        switch scale {
        case .fixed(let e, let low, let high, let step):
            var tick = low
            while tick <= high {
                out.append((Self.text(tick, exponent: e), fixedY(tick, low: low, high: high)))
                tick += step
            }
        case .decimal(let low, let high, let step):
            var tick = low
            while tick <= high {
                out.append((IndicatorChart.decimalText(tick), decimalY(tick)))
                tick += step
            }
        }
        return out
    }

    private func fixedY(_ units: Int64, low: Int64, high: Int64) -> Tenths {
        let span = high - low
        let plotHeight = Int64(IndicatorChart.plotHeight) * 10
        let bottom = Int64(IndicatorChart.top) * 10 + plotHeight
        return Tenths(tenths: bottom * span - (units - low) * plotHeight, over: span)
    }

    private func decimalY(_ v: Decimal) -> Tenths {
        guard case .decimal(let low, let high, _) = scale else {
            // A value outside the fixed-point range on a fixed-point axis: the same line in Decimal.
            guard case .fixed(let e, let l, let h, _) = scale else { preconditionFailure() }
            let one = Decimal(Self.power(e))
            return Self.decimalY(v, low: Decimal(l) / one, high: Decimal(h) / one)
        }
        return Self.decimalY(v, low: low, high: high)
    }

    private static func decimalY(_ v: Decimal, low: Decimal, high: Decimal) -> Tenths {
        let plotHeight = Decimal(IndicatorChart.plotHeight)
        return Tenths(pixels: Decimal(IndicatorChart.top) + plotHeight - (v - low) * plotHeight / (high - low))
    }

    /// 10ᵉ (e ≤ 18).
    static func power(_ e: Int) -> Int64 {
        var p: Int64 = 1
        for _ in 0..<e { p *= 10 }
        return p
    }

    /// The value in units of 10⁻ᵉ, or nil when it has more decimals or lies beyond ``limit``.
    static func units(_ v: ExactDecimal, exponent e: Int) -> Int64? {
        var n: Int64 = 0
        var decimals = 0
        var negative = false
        var fraction = false
        for c in v.text.utf8 {
            switch c {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "."): fraction = true
            default:
                n = n * 10 + Int64(c - UInt8(ascii: "0"))
                if fraction { decimals += 1 }
                if n > limit { return nil }
            }
        }
        guard decimals <= e else { return nil }
        for _ in decimals..<e {
            n *= 10
            if n > limit { return nil }
        }
        return negative ? -n : n
    }

    /// The smallest 1, 2, 5 or 10 × 10ⁿ (a whole number of units) at least a quarter of `range`, else `one`.
    static func niceStep(range: Int64, one: Int64) -> Int64 {
        guard range > 0 else { return one }
        var power: Int64 = 1
        while power * 10 * 4 <= range { power *= 10 }
        for m: Int64 in [1, 2, 5, 10] where m * power * 4 >= range { return m * power }
        return power * 10
    }

    static func floor(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 || a % b == 0 ? a / b : a / b - 1 }
    static func ceiling(_ a: Int64, _ b: Int64) -> Int64 { a <= 0 || a % b == 0 ? a / b : a / b + 1 }

    /// Units of 10⁻ᵉ as the shortest decimal (`2.5`, `100`, `-0.05`), as `Decimal` prints it.
    static func text(_ units: Int64, exponent e: Int) -> String {
        let one = power(e).magnitude
        let m = units.magnitude
        var fraction = String(m % one)
        fraction = String(repeating: "0", count: e - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        let whole = (units < 0 ? "-" : "") + String(m / one)
        return fraction.isEmpty ? whole : whole + "." + fraction
    }
}
