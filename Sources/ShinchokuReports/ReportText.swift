import Foundation
import Shinchoku

/// A run of printed text; the pending mark is rendered per format (`（未承認）`, a badge in HTML).
enum Segment: Equatable {
    case text(String)
    case pending
}

/// The Japanese wording shared by the Markdown and HTML reports: indicator lines, target lines and cells.
struct ReportText {
    var fullWidthDigits: Bool
    var planStartFiscalYear: Int

    static let pendingMark = "（未承認）"

    /// Digits and decimal points in numbers and dates, full-width when the option is set.
    func digits(_ text: String) -> String {
        guard fullWidthDigits else { return text }
        return String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { s in
                    switch s {
                    case "0"..."9": Unicode.Scalar(s.value - 0x30 + 0xFF10)!
                    case ".": "．"
                    default: s
                    }
                }))
    }

    /// Digits in stored text (a figure's note) printed in the report's width: `令和２年度末` becomes
    /// `令和2年度末` unless full-width digits are asked for.
    func storedDigits(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (n, s) in scalars.enumerated() {
            let isDigit = { (k: Int) in
                k >= 0 && k < scalars.count && (0xFF10...0xFF19).contains(scalars[k].value)
            }
            if (0xFF10...0xFF19).contains(s.value) {
                out.append(Unicode.Scalar(s.value - 0xFF10 + 0x30)!)
            } else if s == "．" && isDigit(n - 1) && isDigit(n + 1) {
                out.append(".")
            } else {
                out.append(s)
            }
        }
        return digits(String(out))
    }

    /// A number exactly as stored (`4.0`).
    func number(_ n: ExactDecimal) -> String { digits(n.text) }

    /// A target in an indicator line: trailing fractional zeros dropped (`24.0` → `24`).
    func trimmedNumber(_ n: ExactDecimal) -> String { digits(Self.trimmed(n.text)) }

    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var t = Substring(text)
        while t.last == "0" { t = t.dropLast() }
        if t.last == "." { t = t.dropLast() }
        return String(t)
    }

    /// Units as printed in Japanese text: `%` is `％`.
    func unit(_ u: String) -> String { u.replacingOccurrences(of: "%", with: "％") }

    func date(_ d: CalendarDate) -> String { digits(JapaneseDate.asOf(d)) }

    func percent(_ p: Decimal?) -> String {
        guard let p else { return "－" }
        return digits(IndicatorAssessor.percentText(p)) + "％"
    }

    /// `35回／3年` for a `period_sum` target, else nothing after the unit.
    func periodSumSuffix(_ indicator: ReportData.Indicator) -> String {
        guard indicator.kind == .periodSum else { return "" }
        return "／" + digits(String(indicator.targetFiscalYear - planStartFiscalYear + 1)) + "年"
    }

    /// The target as the indicator line prints it: `98％以上`, `105件（目標）`.
    func targetInLine(_ i: ReportData.Indicator) -> String {
        trimmedNumber(i.target) + unit(i.unit) + (i.targetQualifier?.japanese ?? "")
            + (i.targetNote.map { "（\($0)）" } ?? "")
    }

    /// A line under the 取組目標 heading: `石炭共同輸送実施回数：35回／3年`, or with ⇒ in the heading
    /// `事業化案件数（累計）:26件 ⇒ 34件`.
    func targetLine(_ i: ReportData.Indicator, heading: String) -> String {
        let u = unit(i.unit)
        let q = i.targetQualifier?.japanese ?? ""
        if heading.contains("⇒"), let b = i.baseline {
            return i.targetLabel + ":" + number(b) + u + " ⇒ " + number(i.target) + u + q
        }
        return i.targetLabel + "：" + number(i.target) + u + q + periodSumSuffix(i)
    }

    /// A figure as printed: `94件（令和元年度末）`, `未公表（令和2年度末）`, `－`.
    func figure(_ f: ReportData.Figure, unit u: String) -> [Segment] {
        var out: [Segment]
        switch f.status {
        case .reported:
            out = [.text((f.value.map(number) ?? "") + unit(u) + "（" + date(f.asOf) + "）")]
        case .notPublished:
            out = [.text("未公表（" + date(f.asOf) + "）")]
        case .notAvailable:
            out = [.text("－")]
        }
        if !f.isApproved { out.append(.pending) }
        return out
    }

    /// The plan's baseline as printed: `0％（令和元年度）` (the label overrides the as-of).
    func explicitBaseline(_ i: ReportData.Indicator) -> [Segment]? {
        guard let b = i.baseline else { return nil }
        let when = i.baselineLabel.map(digits) ?? i.baselineAsOf.map(date)
        return [.text(number(b) + unit(i.actualUnit ?? i.unit) + (when.map { "（\($0)）" } ?? ""))]
    }

    /// The 指標（実績値／目標値） line, exactly as the prefecture prints it.
    func indicatorLine(_ i: ReportData.Indicator, _ a: IndicatorAssessment) -> [Segment] {
        let head: Segment = .text("■" + i.name + "：")
        let target = targetInLine(i)
        guard let actual = a.actual else {
            return [head, .text("実績なし／" + target)]
        }
        let actualUnit = i.actualUnit ?? i.unit
        let earlier = a.previous.map { figure($0, unit: actualUnit) } ?? explicitBaseline(i)
        switch actual.status {
        case .notPublished:
            let note =
                actual.note.map(storedDigits) ?? digits(JapaneseDate.asOf(actual.asOf) + "時点の数値は未公表")
            var out = [head] + (earlier ?? [.text("未公表")]) + [.text("／" + target + " （※" + note + "）")]
            if !actual.isApproved { out.append(.pending) }
            return out
        case .reported, .notAvailable:
            var out = [head]
            if let earlier { out += earlier + [.text(" ⇒ ")] }
            out += figure(actual, unit: actualUnit)
            out.append(.text("／" + target))
            return out
        }
    }

    /// The 基準値（時点） cell of the summary.
    func baselineCell(_ i: ReportData.Indicator, _ b: EffectiveBaseline) -> String {
        let u = unit(i.actualUnit ?? i.unit)
        switch b.source {
        case .plan:
            return explicitBaseline(i).map(Self.plain) ?? ""
        case .figure:
            return (b.number.map(number) ?? "") + u + (b.asOf.map { "（" + date($0) + "）" } ?? "")
        case .planStart:
            return digits("0") + u + "（計画開始時）"
        case .missing:
            return "－（" + digits("0") + "とみなす）"
        }
    }

    /// The 実績値（時点） cell of the summary.
    func actualCell(_ i: ReportData.Indicator, _ a: IndicatorAssessment) -> [Segment] {
        guard let actual = a.actual else { return [.text("実績なし")] }
        return figure(actual, unit: i.actualUnit ?? i.unit)
    }

    /// The 目標値 cell of the summary: `35回／3年（2023年度）`.
    func targetCell(_ i: ReportData.Indicator) -> String {
        trimmedNumber(i.target) + unit(i.unit) + (i.targetQualifier?.japanese ?? "")
            + periodSumSuffix(i) + "（"
            + digits(String(i.targetFiscalYear)) + "年度）"
    }

    /// The assessment under an indicator line: `順調（達成率 2.9％・進捗率 2.9％・期待値 8.3％）`.
    func assessmentDetail(_ a: IndicatorAssessment) -> String {
        let rates =
            "達成率 " + percent(a.achievementRate) + "・進捗率 " + percent(a.progress) + "・期待値 "
            + percent(a.expected)
        // A not-published figure's note is already in the indicator line.
        guard let note = a.actual?.note, a.actual?.status != .notPublished else { return rates }
        return rates + "　※" + storedDigits(note)
    }

    static func plain(_ segments: [Segment]) -> String {
        segments.map {
            switch $0 {
            case .text(let t): t
            case .pending: pendingMark
            }
        }.joined()
    }

    /// The report's title line: `進捗状況報告 令和3年度 第1四半期`.
    func title(_ period: PeriodCode) -> String {
        "進捗状況報告 " + digits(JapaneseDate.period(period))
    }

    /// The footer that anchors the audit chain: `監査チェーン先頭：9f2c…（1234件）`. The hash stays ASCII hex, whatever
    /// the digits option, so that it can be compared with `shinchoku-admin audit verify`.
    func auditChainLine(_ head: AuditChainHead) -> String {
        "監査チェーン先頭：" + head.hash + "（" + digits(String(head.events)) + "件）"
    }

    /// `対象期間：令和3年4月～令和3年6月（2021Q1）`.
    func periodLine(_ period: PeriodCode) -> String {
        "対象期間：" + digits(JapaneseDate.yearMonth(period.startDate)) + "～"
            + digits(JapaneseDate.yearMonth(period.endDate)) + "（" + period.description + "）"
    }

    /// A narrative's sections: the text, then 【ハード面】 and 【ソフト面】 where they are split.
    static func narrativeBlocks(general: String?, hard: String?, soft: String?) -> [(
        heading: String?, lines: [String]
    )] {
        var blocks: [(String?, [String])] = []
        if let general, !general.isEmpty { blocks.append((nil, lines(general))) }
        if let hard, !hard.isEmpty { blocks.append(("【ハード面】", lines(hard))) }
        if let soft, !soft.isEmpty { blocks.append(("【ソフト面】", lines(soft))) }
        return blocks
    }

    /// Splits stored text into its printed lines, dropping blank ones.
    static func lines(_ text: String) -> [String] {
        // Split on the newline scalars (what `Character.isNewline` holds: LF, VT, FF, CR, NEL, LS, PS) rather than
        // on Characters: grapheme breaking of long narratives was most of a report's text handling. Unicode breaks
        // graphemes on both sides of each of these, so the lines are the same; CR LF gives an empty piece between,
        // which is dropped like every blank line.
        text.unicodeScalars.split(whereSeparator: isNewline).map { trimmedOfWhitespace(Substring($0)) }.filter {
            !$0.isEmpty
        }
    }

    /// The scalars for which `Character.isNewline` is true.
    private static func isNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    /// The line without the spaces and tabs (`CharacterSet.whitespaces`) at either end, as
    /// `trimmingCharacters(in: .whitespaces)` gives it, without going through `NSString`.
    static func trimmedOfWhitespace(_ line: Substring) -> String {
        let scalars = line.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, CharacterSet.whitespaces.contains(scalars[start]) { start = scalars.index(after: start) }
        while end > start, CharacterSet.whitespaces.contains(scalars[scalars.index(before: end)]) {
            end = scalars.index(before: end)
        }
        return String(Substring(scalars[start..<end]))
    }
}

extension ReportData {
    /// Every indicator with its assessment, in plan order.
    func assessed(tolerance: Decimal) -> [(
        project: Project, indicators: [(Indicator, IndicatorAssessment)]
    )] {
        projects.map { p in
            (
                p,
                p.indicators.map {
                    (
                        $0,
                        IndicatorAssessor.assess(
                            $0, at: period, planStartFiscalYear: planStartFiscalYear, tolerance: tolerance)
                    )
                }
            )
        }
    }
}

extension ReportFragment {
    /// The 基準値 cell of the report (`ReportText.baselineCell`) for an indicator definition, for the web screens:
    /// the plan's baseline (`0％（令和元年度）`), or zero at the plan start for a period-sum indicator
    /// (`0回（計画開始時）`). Nil when the report takes the baseline from figures before the plan start, which a
    /// definition alone does not hold. Digits are half-width, as on the screens.
    public static func baselineCell(of i: IndicatorInfo) -> String? {
        let indicator = ReportData.Indicator(
            code: i.code, name: i.name, targetLabel: i.targetLabel, unit: i.unit, actualUnit: i.actualUnit,
            kind: i.kind, valueType: i.valueType, direction: i.direction, decimals: i.decimals, baseline: i.baseline,
            baselineAsOf: i.baselineAsOf, baselineLabel: i.baselineLabel, target: i.target,
            targetFiscalYear: i.targetFiscalYear, targetQualifier: i.targetQualifier, targetNote: i.targetNote,
            figures: [])
        // The plan's first year only dates where the straight line starts; neither cell printed here shows it.
        let baseline = IndicatorAssessor.effectiveBaseline(
            indicator, figures: [], planStartFiscalYear: i.targetFiscalYear)
        guard baseline.source == .plan || baseline.source == .planStart else { return nil }
        return ReportText(fullWidthDigits: false, planStartFiscalYear: i.targetFiscalYear).baselineCell(
            indicator, baseline)
    }
}
