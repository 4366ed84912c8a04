import Foundation
import Shinchoku

/// The inline SVG chart of one indicator: approved values by quarter, the target, and the expected
/// straight line from the effective baseline to the target at the target fiscal year's Q4.
/// Coordinates are computed in `Decimal` and printed to one decimal place, so output is deterministic.
struct IndicatorChart {
    var indicator: ReportData.Indicator
    var assessment: IndicatorAssessment
    var reportPeriod: PeriodCode
    var text: ReportText

    static let width: Decimal = 520
    static let height: Decimal = 200
    static let left: Decimal = 64
    static let right: Decimal = 16
    static let top: Decimal = 22
    static let bottom: Decimal = 34

    private var plotWidth: Decimal { Self.width - Self.left - Self.right }
    private var plotHeight: Decimal { Self.height - Self.top - Self.bottom }

    func svg() -> String {
        let i = indicator
        let b = assessment.baseline
        let figures = i.figures.filter { $0.period <= reportPeriod }
        let targetQ4 = PeriodCode(fiscalYear: i.targetFiscalYear, quarter: 4) ?? reportPeriod
        let first = ([b.anchorPeriod, reportPeriod] + figures.map(\.period)).min()!
        let last = ([targetQ4, reportPeriod] + figures.map(\.period)).max()!
        let span = Decimal(max(last.ordinal - first.ordinal, 1))
        func x(_ p: PeriodCode) -> Decimal {
            Self.left + Decimal(p.ordinal - first.ordinal) * plotWidth / span
        }

        let values = figures.compactMap { $0.status == .reported ? $0.value?.decimal : nil }
        let target = i.target.decimal
        let low = min(0, ([b.value, target] + values).min()!)
        let high = max(([b.value, target] + values).max()!, low)
        let step = Self.niceStep((high - low) / 4)
        let yMin = Self.floor(low / step) * step
        var yMax = Self.ceiling(high / step) * step
        if yMax == yMin { yMax = yMin + step }
        func y(_ v: Decimal) -> Decimal {
            Self.top + plotHeight - (v - yMin) * plotHeight / (yMax - yMin)
        }

        let u = text.unit(i.actualUnit ?? i.unit)
        var out: [String] = []
        let label = "\(i.name)の推移（実績値・目標値・期待値）"
        out.append(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-indicator=\"\(HTMLReport.escape(i.code))\""
                + " viewBox=\"0 0 \(Self.width) \(Self.height)\" width=\"\(Self.width)\" height=\"\(Self.height)\""
                + " role=\"img\" aria-label=\"\(HTMLReport.escape(label))\">")
        out.append("<title>\(HTMLReport.escape(label))</title>")
        out.append(
            "<rect x=\"\(c(Self.left))\" y=\"\(c(Self.top))\" width=\"\(c(plotWidth))\" height=\"\(c(plotHeight))\""
                + " fill=\"#ffffff\" stroke=\"#9ca3af\" stroke-width=\"1\"/>")
        // Horizontal grid and value axis.
        var tick = yMin
        while tick <= yMax {
            let ty = c(y(tick))
            out.append(
                "<line x1=\"\(c(Self.left))\" y1=\"\(ty)\" x2=\"\(c(Self.left + plotWidth))\" y2=\"\(ty)\""
                    + " stroke=\"#e5e7eb\" stroke-width=\"1\"/>")
            out.append(
                "<text class=\"tick\" x=\"\(c(Self.left - 6))\" y=\"\(c(y(tick) + 4))\" text-anchor=\"end\""
                    + " font-size=\"10\" fill=\"#374151\">\(HTMLReport.escape(Self.decimalText(tick)))</text>"
            )
            tick += step
        }
        out.append(
            "<text class=\"axis-unit\" x=\"\(c(Self.left - 6))\" y=\"\(c(Self.top - 8))\" text-anchor=\"end\""
                + " font-size=\"10\" fill=\"#374151\">（\(HTMLReport.escape(u))）</text>")
        // Quarter ticks and fiscal-year labels.
        var q = first
        while q <= last {
            let qx = c(x(q))
            let bottomY = Self.top + plotHeight
            out.append(
                "<line x1=\"\(qx)\" y1=\"\(c(bottomY))\" x2=\"\(qx)\" y2=\"\(c(bottomY + (q.quarter == 1 ? 6 : 3)))\""
                    + " stroke=\"#6b7280\" stroke-width=\"1\"/>")
            if q.quarter == 1 || q == first {
                let fyEnd = min(PeriodCode(fiscalYear: q.fiscalYear, quarter: 4)!, last)
                let mid = (x(q) + x(fyEnd)) / 2
                out.append(
                    "<text class=\"tick\" x=\"\(c(mid))\" y=\"\(c(bottomY + 18))\" text-anchor=\"middle\""
                        + " font-size=\"10\" fill=\"#374151\">\(q.fiscalYear)年度</text>")
            }
            q = q.next
        }
        // The report period.
        out.append(
            "<line class=\"now\" x1=\"\(c(x(reportPeriod)))\" y1=\"\(c(Self.top))\" x2=\"\(c(x(reportPeriod)))\""
                + " y2=\"\(c(Self.top + plotHeight))\" stroke=\"#9ca3af\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>"
        )
        // Target.
        let targetText = "目標 " + text.targetInLine(i)
        out.append(
            "<line class=\"target\" x1=\"\(c(Self.left))\" y1=\"\(c(y(target)))\" x2=\"\(c(Self.left + plotWidth))\""
                + " y2=\"\(c(y(target)))\" stroke=\"#b42318\" stroke-width=\"1.5\"/>")
        let targetLabelY = y(target) - 4 < Self.top + 10 ? y(target) + 12 : y(target) - 4
        // The expected line meets the target at the right; the label sits where it does not, at the left
        // for higher-is-better (the line starts below the target) and at the right otherwise.
        let atLeft = b.value <= target
        out.append(
            "<text class=\"target-label\" x=\"\(c(atLeft ? Self.left + 4 : Self.left + plotWidth - 4))\""
                + " y=\"\(c(targetLabelY))\" text-anchor=\"\(atLeft ? "start" : "end")\" font-size=\"10\""
                + " fill=\"#b42318\">\(HTMLReport.escape(targetText))</text>")
        // Expected trajectory.
        out.append(
            "<line class=\"expected\" x1=\"\(c(x(b.anchorPeriod)))\" y1=\"\(c(y(b.value)))\" x2=\"\(c(x(targetQ4)))\""
                + " y2=\"\(c(y(target)))\" stroke=\"#6b7280\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>"
        )
        if b.source == .plan, let n = b.number {
            let when = i.baselineLabel ?? b.asOf.map(JapaneseDate.asOf) ?? ""
            out.append(
                "<rect class=\"baseline\" x=\"\(c(x(b.anchorPeriod) - 4))\" y=\"\(c(y(b.value) - 4))\" width=\"8\""
                    + " height=\"8\" fill=\"#ffffff\" stroke=\"#374151\" stroke-width=\"1.5\"><title>"
                    + HTMLReport.escape("基準値 " + n.text + u + (when.isEmpty ? "" : "（\(when)）"))
                    + "</title></rect>")
        }
        // Actual values.
        let reported = figures.filter { $0.status == .reported && $0.value != nil }
        let approvedPoints = reported.filter(\.isApproved)
        if approvedPoints.count >= 2 {
            let points = approvedPoints.map { "\(c(x($0.period))),\(c(y($0.value!.decimal)))" }.joined(
                separator: " ")
            out.append(
                "<polyline class=\"actual\" points=\"\(points)\" fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"1.5\"/>"
            )
        }
        for f in reported {
            let v = f.value!
            let pending = !f.isApproved
            let tip =
                "\(f.period) " + v.text + u + "（" + JapaneseDate.asOf(f.asOf) + "）"
                + (pending ? ReportText.pendingMark : "")
            out.append(
                "<circle class=\"point\(pending ? " pending" : "")\" cx=\"\(c(x(f.period)))\" cy=\"\(c(y(v.decimal)))\""
                    + " r=\"4\" fill=\"\(pending ? "#ffffff" : "#0b5cad")\" stroke=\"#0b5cad\" stroke-width=\"1.5\""
                    + " data-period=\"\(f.period)\" data-value=\"\(HTMLReport.escape(v.text))\""
                    + (pending ? " data-pending=\"true\"" : "")
                    + "><title>\(HTMLReport.escape(tip))</title></circle>")
        }
        for f in figures where f.status != .reported {
            let word = f.status == .notPublished ? "未公表" : "－"
            out.append(
                "<text class=\"gap\" x=\"\(c(x(f.period)))\" y=\"\(c(Self.top + plotHeight - 6))\" text-anchor=\"middle\""
                    + " font-size=\"10\" fill=\"#6b7280\" data-period=\"\(f.period)\">\(word)</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n")
    }

    /// A coordinate to one decimal place, without a trailing `.0`.
    private func c(_ d: Decimal) -> String { ReportText.trimmed(IndicatorAssessor.percentText(d)) }

    static func decimalText(_ d: Decimal) -> String { ReportText.trimmed("\(d)") }

    /// The smallest of 1, 2, 5 × 10ⁿ at least `raw` (1 when `raw` is not positive).
    static func niceStep(_ raw: Decimal) -> Decimal {
        guard raw > 0 else { return 1 }
        var power: Decimal = 1
        while power * 10 <= raw { power *= 10 }
        while power > raw { power /= 10 }
        for m: Decimal in [1, 2, 5, 10] where m * power >= raw { return m * power }
        return power * 10
    }

    static func ceiling(_ d: Decimal) -> Decimal { rounded(d, .up) }
    static func floor(_ d: Decimal) -> Decimal { rounded(d, .down) }

    private static func rounded(_ d: Decimal, _ mode: NSDecimalNumber.RoundingMode) -> Decimal {
        var input = d
        var result = Decimal()
        NSDecimalRound(&result, &input, 0, mode)
        return result
    }
}
