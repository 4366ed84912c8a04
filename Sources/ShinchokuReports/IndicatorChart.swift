import Foundation
import Shinchoku

/// The inline SVG chart of one indicator: approved values by quarter, the target, and the expected
/// straight line from the effective baseline to the target at the target fiscal year's Q4.
///
/// It plots the figures a report prints (``ReportData/printedFigures(_:period:planStartFiscalYear:)``): every quarter
/// of the plan, and before it the baseline and the last figure of the year before the plan, however long the history.
/// Coordinates are exact fractions of a pixel, computed in integers (``ValueAxis``, ``TimeAxis``) and rounded half
/// away from zero to one decimal place, so output is deterministic.
struct IndicatorChart {
    var indicator: ReportData.Indicator
    var assessment: IndicatorAssessment
    var reportPeriod: PeriodCode
    var planStartFiscalYear: Int
    var text: ReportText

    static let width = 520
    static let height = 200
    static let left = 64
    static let right = 16
    static let top = 22
    static let bottom = 34

    static let plotWidth = width - left - right
    static let plotHeight = height - top - bottom

    func svg() -> String {
        let i = indicator
        let b = assessment.baseline
        let figures = ReportData.printedFigures(
            i.figures, period: reportPeriod, planStartFiscalYear: planStartFiscalYear)
        let targetQ4 = PeriodCode(fiscalYear: i.targetFiscalYear, quarter: 4) ?? reportPeriod
        var first = min(b.anchorPeriod, reportPeriod)
        var last = max(targetQ4, reportPeriod)
        for f in figures {
            first = min(first, f.period)
            last = max(last, f.period)
        }
        let time = TimeAxis(first: first, last: last)
        let reported = figures.filter { $0.status == .reported && $0.value != nil }
        let baselineValue = b.number ?? ExactDecimal(b.value)
        let values = ValueAxis(values: [baselineValue, i.target] + reported.map { $0.value! })

        let u = text.unit(i.actualUnit ?? i.unit)
        let left = Tenths(px: Self.left)
        let right = Tenths(px: Self.left + Self.plotWidth)
        let top = Tenths(px: Self.top)
        let bottomY = Tenths(px: Self.top + Self.plotHeight)
        var out: [String] = []
        let label = "\(i.name)の推移（実績値・目標値・期待値）"
        out.append(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-indicator=\"\(HTMLReport.escape(i.code))\""
                + " viewBox=\"0 0 \(Self.width) \(Self.height)\" width=\"\(Self.width)\" height=\"\(Self.height)\""
                + " role=\"img\" aria-label=\"\(HTMLReport.escape(label))\">")
        out.append("<title>\(HTMLReport.escape(label))</title>")
        out.append(
            "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(Self.plotWidth)\" height=\"\(Self.plotHeight)\""
                + " fill=\"#ffffff\" stroke=\"#9ca3af\" stroke-width=\"1\"/>")
        // Horizontal grid and value axis.
        for tick in values.ticks {
            out.append(
                "<line x1=\"\(left)\" y1=\"\(tick.y)\" x2=\"\(right)\" y2=\"\(tick.y)\""
                    + " stroke=\"#e5e7eb\" stroke-width=\"1\"/>")
            out.append(
                "<text class=\"tick\" x=\"\(left - 6)\" y=\"\(tick.y + 4)\" text-anchor=\"end\""
                    + " font-size=\"10\" fill=\"#374151\">\(HTMLReport.escape(tick.text))</text>"
            )
        }
        out.append(
            "<text class=\"axis-unit\" x=\"\(left - 6)\" y=\"\(top - 8)\" text-anchor=\"end\""
                + " font-size=\"10\" fill=\"#374151\">（\(HTMLReport.escape(u))）</text>")
        // Quarter ticks and fiscal-year labels.
        var q = first
        while q <= last {
            let qx = time.x(q)
            out.append(
                "<line x1=\"\(qx)\" y1=\"\(bottomY)\" x2=\"\(qx)\" y2=\"\(bottomY + (q.quarter == 1 ? 6 : 3))\""
                    + " stroke=\"#6b7280\" stroke-width=\"1\"/>")
            if q.quarter == 1 || q == first {
                let fyEnd = min(PeriodCode(fiscalYear: q.fiscalYear, quarter: 4)!, last)
                out.append(
                    "<text class=\"tick\" x=\"\(time.middle(q, fyEnd))\" y=\"\(bottomY + 18)\" text-anchor=\"middle\""
                        + " font-size=\"10\" fill=\"#374151\">\(q.fiscalYear)年度</text>")
            }
            q = q.next
        }
        // The report period.
        let now = time.x(reportPeriod)
        out.append(
            "<line class=\"now\" x1=\"\(now)\" y1=\"\(top)\" x2=\"\(now)\""
                + " y2=\"\(bottomY)\" stroke=\"#9ca3af\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>"
        )
        // Target.
        let targetText = "目標 " + text.targetInLine(i)
        let targetY = values.y(i.target)
        out.append(
            "<line class=\"target\" x1=\"\(left)\" y1=\"\(targetY)\" x2=\"\(right)\""
                + " y2=\"\(targetY)\" stroke=\"#b42318\" stroke-width=\"1.5\"/>")
        // Coordinates are never negative, so a whole-pixel shift commutes with the rounding.
        let targetLabelY = targetY - 4 < top + 10 ? targetY + 12 : targetY - 4
        // The expected line meets the target at the right; the label sits where it does not, at the left
        // for higher-is-better (the line starts below the target) and at the right otherwise.
        let atLeft = !values.isAbove(baselineValue, i.target)
        out.append(
            "<text class=\"target-label\" x=\"\(atLeft ? left + 4 : right - 4)\""
                + " y=\"\(targetLabelY)\" text-anchor=\"\(atLeft ? "start" : "end")\" font-size=\"10\""
                + " fill=\"#b42318\">\(HTMLReport.escape(targetText))</text>")
        // Expected trajectory.
        let anchorX = time.x(b.anchorPeriod)
        let baselineY = values.y(baselineValue)
        out.append(
            "<line class=\"expected\" x1=\"\(anchorX)\" y1=\"\(baselineY)\" x2=\"\(time.x(targetQ4))\""
                + " y2=\"\(targetY)\" stroke=\"#6b7280\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>"
        )
        if b.source == .plan, let n = b.number {
            let when = i.baselineLabel ?? b.asOf.map(JapaneseDate.asOf) ?? ""
            out.append(
                "<rect class=\"baseline\" x=\"\(anchorX - 4)\" y=\"\(baselineY - 4)\" width=\"8\""
                    + " height=\"8\" fill=\"#ffffff\" stroke=\"#374151\" stroke-width=\"1.5\"><title>"
                    + HTMLReport.escape("基準値 " + n.text + u + (when.isEmpty ? "" : "（\(when)）"))
                    + "</title></rect>")
        }
        // Actual values.
        let points = reported.map { (figure: $0, x: time.x($0.period), y: values.y($0.value!)) }
        let approvedPoints = points.filter(\.figure.isApproved)
        if approvedPoints.count >= 2 {
            let line = approvedPoints.map { "\($0.x),\($0.y)" }.joined(separator: " ")
            out.append(
                "<polyline class=\"actual\" points=\"\(line)\" fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"1.5\"/>"
            )
        }
        for (f, x, y) in points {
            let v = f.value!
            let pending = !f.isApproved
            let tip =
                "\(f.period) " + v.text + u + "（" + JapaneseDate.asOf(f.asOf) + "）"
                + (pending ? ReportText.pendingMark : "")
            out.append(
                "<circle class=\"point\(pending ? " pending" : "")\" cx=\"\(x)\" cy=\"\(y)\""
                    + " r=\"4\" fill=\"\(pending ? "#ffffff" : "#0b5cad")\" stroke=\"#0b5cad\" stroke-width=\"1.5\""
                    + " data-period=\"\(f.period)\" data-value=\"\(HTMLReport.escape(v.text))\""
                    + (pending ? " data-pending=\"true\"" : "")
                    + "><title>\(HTMLReport.escape(tip))</title></circle>")
        }
        for f in figures where f.status != .reported {
            let word = f.status == .notPublished ? "未公表" : "－"
            out.append(
                "<text class=\"gap\" x=\"\(time.x(f.period))\" y=\"\(bottomY - 6)\" text-anchor=\"middle\""
                    + " font-size=\"10\" fill=\"#6b7280\" data-period=\"\(f.period)\">\(word)</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n")
    }

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
