import Foundation
import Shinchoku

/// The Japanese HTML report: one self-contained page with a print stylesheet for A4, a summary table, and
/// one section per project with an inline SVG chart for each indicator.
struct HTMLReport {
    var data: ReportData
    var options: ReportOptions

    func render() -> String {
        let text = ReportText(
            fullWidthDigits: options.fullWidthDigits, planStartFiscalYear: data.planStartFiscalYear)
        let title = text.title(data.period)
        var out: [String] = []
        out.append("<!DOCTYPE html>")
        out.append("<html lang=\"ja\">")
        out.append("<head>")
        out.append("<meta charset=\"utf-8\"/>")
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
        out.append("<title>\(Self.escape(title))</title>")
        out.append("<style>")
        out.append(Self.stylesheet)
        out.append("</style>")
        out.append("</head>")
        out.append("<body>")
        out += content()
        out.append("</body>")
        out.append("</html>")
        return out.joined(separator: "\n") + "\n"
    }

    /// The report's body: its header, the summary, one section per project and the audit chain's head. The web
    /// screens embed it in the site's frame (see ``ReportFragment``).
    func content() -> [String] {
        let text = ReportText(
            fullWidthDigits: options.fullWidthDigits, planStartFiscalYear: data.planStartFiscalYear)
        let assessed = data.assessed(tolerance: options.tolerance)
        var out: [String] = []
        out.append("<header class=\"report-header\">")
        out.append("<h1>\(Self.escape(text.title(data.period)))</h1>")
        out.append("<p>\(Self.escape(text.periodLine(data.period)))</p>")
        if data.includePending {
            out.append(
                "<p class=\"pending-note\">\(Self.pendingBadge) 未承認の値・記述を含みます。承認前のため変更される可能性があります。</p>")
        }
        out.append("</header>")
        out += summary(assessed, text)
        for (project, indicators) in assessed {
            out += page(project, indicators, text)
        }
        out += provenanceAppendix(text)
        out += correctionsSection()
        if let head = data.auditChain {
            out.append("<footer class=\"audit-chain\">")
            out.append("<p>\(Self.escape(text.auditChainLine(head)))</p>")
            out.append("</footer>")
        }
        return out
    }

    private func summary(
        _ assessed: [(
            project: ReportData.Project, indicators: [(ReportData.Indicator, IndicatorAssessment)]
        )],
        _ text: ReportText
    ) -> [String] {
        var out: [String] = []
        out.append("<section class=\"summary\">")
        out.append("<h2>指標一覧</h2>")
        out.append("<table class=\"summary-table\">")
        out.append("<thead>")
        out.append(
            "<tr>"
                + ["No", "指標", "基準値（時点）", "実績値（時点）", "目標値", "達成率", "進捗率", "期待値", "状況"]
                .map { "<th scope=\"col\">\($0)</th>" }.joined() + "</tr>")
        out.append("</thead>")
        out.append("<tbody>")
        for (project, indicators) in assessed {
            for (i, a) in indicators {
                out.append(
                    "<tr class=\"row-\(a.status.rawValue)\">"
                        + "<td class=\"code\">\(Self.escape(text.digits(project.code)))</td>"
                        + "<td><a href=\"#indicator-\(Self.escape(i.code))\">\(Self.escape(i.name))</a></td>"
                        + "<td>\(Self.escape(text.baselineCell(i, a.baseline)))</td>"
                        + "<td>\(Self.html(text.actualCell(i, a)))</td>"
                        + "<td>\(Self.escape(text.targetCell(i)))</td>"
                        + "<td class=\"num\">\(Self.escape(text.percent(a.achievementRate)))</td>"
                        + "<td class=\"num\">\(Self.escape(text.percent(a.progress)))</td>"
                        + "<td class=\"num\">\(Self.escape(text.percent(a.expected)))</td>"
                        + "<td>\(Self.statusBadge(a.status))</td></tr>")
            }
        }
        out.append("</tbody>")
        out.append("</table>")
        out.append(
            "<p class=\"note\">達成率＝実績値÷目標値、進捗率＝（実績値－基準値）÷（目標値－基準値）、"
                + "期待値＝基準時点から目標年度末までの経過割合（四半期単位）。状況は、目標を満たせば「達成」、進捗率が期待値から"
                + Self.escape(text.digits(MarkdownReport.decimalText(options.tolerance)))
                + "ポイント以内なら「順調」、それより下なら「遅れ」。</p>")
        out.append("</section>")
        return out
    }

    private func page(
        _ p: ReportData.Project, _ indicators: [(ReportData.Indicator, IndicatorAssessment)],
        _ text: ReportText
    ) -> [String] {
        var out: [String] = []
        out.append("<section class=\"project\" id=\"project-\(Self.escape(p.code))\">")
        out.append("<header class=\"project-header\">")
        out.append("<p class=\"project-no\">No \(Self.escape(text.digits(p.code)))</p>")
        out.append("<div>")
        if !p.programName.isEmpty && p.programName != p.title {
            out.append("<p class=\"program\">\(Self.escape(p.programName))</p>")
        }
        out.append("<h2 class=\"project-title\">\(Self.escape(p.title))</h2>")
        if !p.subtitle.isEmpty {
            out.append("<p class=\"project-subtitle\">〔\(Self.escape(p.subtitle))〕</p>")
        }
        out.append("</div>")
        out.append("<p class=\"department\">担当：\(Self.escape(p.departmentName))</p>")
        out.append("</header>")
        out += block("プロジェクトの概要", [(nil, p.overview)], class: "overview")
        out += block("【プロジェクトにおける主な取組】", [(nil, p.mainInitiatives)], class: "initiatives")
        out += block(
            p.targetHeading, [(nil, indicators.map { text.targetLine($0.0, heading: p.targetHeading) })],
            class: "targets")
        out.append("<section class=\"block indicators\">")
        out.append("<h3>指標（実績値／目標値）</h3>")
        for (i, a) in indicators {
            out.append("<div class=\"indicator\" id=\"indicator-\(Self.escape(i.code))\">")
            out.append("<p class=\"indicator-line\">\(Self.html(text.indicatorLine(i, a)))</p>")
            out.append(
                "<p class=\"assessment\">\(Self.statusBadge(a.status)) \(Self.escape(text.assessmentDetail(a)))</p>"
            )
            out.append("<figure class=\"chart\">")
            out.append(
                IndicatorChart(
                    indicator: i, assessment: a, reportPeriod: data.period,
                    planStartFiscalYear: data.planStartFiscalYear, text: text
                ).svg())
            out.append(
                "<figcaption><span class=\"key key-actual\">●</span> 実績値"
                    + " <span class=\"key key-target\">━</span> 目標値"
                    + " <span class=\"key key-expected\">╍</span> 期待値（基準値から目標年度末まで直線）</figcaption>")
            out.append("</figure>")
            out.append("</div>")
        }
        out.append("</section>")
        if let n = p.narrative {
            let mark = n.isApproved ? "" : " " + Self.pendingBadge
            out += block(
                "進捗状況",
                ReportText.narrativeBlocks(general: n.progress, hard: n.progressHard, soft: n.progressSoft),
                class: "progress", headingSuffix: mark)
            out += block(
                "今後の動向等",
                ReportText.narrativeBlocks(general: n.outlook, hard: n.outlookHard, soft: n.outlookSoft),
                class: "outlook", headingSuffix: mark)
        }
        out.append("</section>")
        return out
    }

    private func block(
        _ heading: String, _ blocks: [(heading: String?, lines: [String])], class cls: String,
        headingSuffix: String = ""
    ) -> [String] {
        var out = [
            "<section class=\"block \(cls)\">", "<h3>\(Self.escape(heading))\(headingSuffix)</h3>",
        ]
        for b in blocks where b.heading != nil || !b.lines.isEmpty {
            out.append("<div class=\"lines\">")
            if let h = b.heading { out.append("<h4>\(Self.escape(h))</h4>") }
            out += b.lines.map { "<p>\(Self.escape($0))</p>" }
            out.append("</div>")
        }
        out.append("</section>")
        return out
    }

    static let pendingBadge = "<span class=\"badge-pending\">（未承認）</span>"

    static func statusBadge(_ s: ReportStatus) -> String {
        "<span class=\"status status-\(s.rawValue)\">\(s.japanese)</span>"
    }

    static func html(_ segments: [Segment]) -> String {
        segments.map {
            switch $0 {
            case .text(let t): escape(t)
            case .pending: pendingBadge
            }
        }.joined()
    }

    /// Escapes text for HTML element content and attribute values.
    static func escape(_ s: String) -> String {
        // Runs of characters that need no escape are copied whole, and text with nothing to escape (most names and
        // narrative lines) is returned as it is, without a copy.
        var out = ""
        let utf8 = s.utf8
        var run = utf8.startIndex
        var i = run
        while i != utf8.endIndex {
            let byte = utf8[i]
            var next = utf8.index(after: i)
            let replacement: String?
            switch byte {
            case UInt8(ascii: "&"): replacement = "&amp;"
            case UInt8(ascii: "<"): replacement = "&lt;"
            case UInt8(ascii: ">"): replacement = "&gt;"
            case UInt8(ascii: "\""): replacement = "&quot;"
            case UInt8(ascii: "'"): replacement = "&#39;"
            case UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): replacement = nil
            // A character XML 1.0 cannot hold (a control character kept from before such text was refused, or
            // from a plan file) is shown as U+FFFD, so that the report always parses as XML.
            case 0..<0x20, 0x7F: replacement = "\u{FFFD}"
            case 0xEF:
                // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
                let second = utf8.index(after: i)
                if second != utf8.endIndex, utf8[second] == 0xBF {
                    let third = utf8.index(after: second)
                    if third != utf8.endIndex, utf8[third] == 0xBE || utf8[third] == 0xBF {
                        replacement = "\u{FFFD}"
                        next = utf8.index(after: third)
                        break
                    }
                }
                replacement = nil
            default: replacement = nil
            }
            if let replacement {
                if out.isEmpty { out.reserveCapacity(s.utf8.count + 16) }
                out += s[run..<i]
                out += replacement
                run = next
            }
            i = next
        }
        if run == utf8.startIndex { return s }
        out += s[run..<utf8.endIndex]
        return out
    }

    static let stylesheet = """
        :root { color-scheme: light; }
        body { font-family: "Hiragino Kaku Gothic ProN", "Noto Sans CJK JP", "Noto Sans JP", "Yu Gothic", Meiryo, sans-serif;
          color: #111827; background: #ffffff; margin: 0 auto; max-width: 60em; padding: 1.5em; line-height: 1.6; font-size: 15px; }
        h1 { font-size: 1.5em; margin: 0 0 0.25em; }
        h2 { font-size: 1.25em; margin: 0; }
        h3 { font-size: 1em; margin: 1em 0 0.3em; padding: 0.15em 0.5em; background: #e8eef7; border-left: 4px solid #0b5cad; }
        h4 { font-size: 1em; margin: 0.4em 0 0.1em; font-weight: bold; }
        p { margin: 0.1em 0; }
        .report-header { border-bottom: 3px double #0b5cad; margin-bottom: 1em; padding-bottom: 0.5em; }
        .summary-table { border-collapse: collapse; width: 100%; font-size: 0.85em; }
        .summary-table th, .summary-table td { border: 1px solid #9ca3af; padding: 0.2em 0.4em; vertical-align: top; }
        .summary-table th { background: #f3f4f6; }
        .summary-table td.num, .summary-table td.code { text-align: right; white-space: nowrap; }
        .summary-table tr.row-behind td { background: #fdf1f0; }
        .note { font-size: 0.8em; color: #374151; margin-top: 0.5em; }
        .project { margin-top: 2em; border-top: 2px solid #0b5cad; padding-top: 0.5em; }
        .project-header { display: flex; gap: 1em; align-items: flex-start; justify-content: space-between; }
        .project-no { font-weight: bold; font-size: 1.1em; border: 2px solid #0b5cad; padding: 0.1em 0.5em; white-space: nowrap; }
        .project-header div { flex: 1; }
        .program { font-size: 0.9em; }
        .project-subtitle { font-weight: bold; }
        .department { font-size: 0.9em; max-width: 22em; text-align: right; }
        .indicator { margin: 0.5em 0 1em; }
        .indicator-line { font-weight: bold; }
        .assessment { margin: 0.2em 0 0.3em 1em; font-size: 0.9em; }
        figure.chart { margin: 0 0 0 1em; }
        figure.chart svg { max-width: 100%; height: auto; }
        figcaption { font-size: 0.8em; color: #374151; }
        .key-actual { color: #0b5cad; }
        .key-target { color: #b42318; }
        .key-expected { color: #6b7280; }
        .status { display: inline-block; padding: 0 0.5em; border-radius: 0.25em; color: #ffffff; font-weight: bold; white-space: nowrap; }
        .status-achieved { background: #1a7f37; }
        .status-on_track { background: #0b5cad; }
        .status-behind { background: #b42318; }
        .status-not_published { background: #6b7280; }
        .status-no_data { background: #4b5563; }
        .badge-pending { display: inline-block; padding: 0 0.3em; border: 2px dashed #b45309; color: #b45309; background: #fffbeb; font-weight: bold; }
        .pending-note { margin-top: 0.5em; }
        .audit-chain { margin-top: 2em; border-top: 1px solid #9ca3af; padding-top: 0.5em; font-size: 0.8em; color: #374151; overflow-wrap: anywhere; }
        * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        @page { size: A4; margin: 15mm; }
        @media print {
          body { max-width: none; padding: 0; font-size: 10pt; }
          a { color: inherit; text-decoration: none; }
          .project { break-before: page; page-break-before: always; margin-top: 0; border-top: none; }
          .indicator, figure.chart, .summary-table tr { break-inside: avoid; page-break-inside: avoid; }
          h3, h4 { break-after: avoid; page-break-after: avoid; }
        }
        """
}
