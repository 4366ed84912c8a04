import Foundation
import Shinchoku

/// The Japanese Markdown report: a summary table, then one page per project mirroring the printed report.
struct MarkdownReport {
    var data: ReportData
    var options: ReportOptions

    func render() -> String {
        let text = ReportText(
            fullWidthDigits: options.fullWidthDigits, planStartFiscalYear: data.planStartFiscalYear)
        let assessed = data.assessed(tolerance: options.tolerance)
        var out: [String] = []
        out.append("# " + Self.escape(text.title(data.period)))
        out.append("")
        out.append(Self.escape(text.periodLine(data.period)))
        if data.includePending {
            out.append("")
            out.append("※ 未承認の値・記述を含みます（" + ReportText.pendingMark + "と表示）。")
        }
        out.append("")
        out.append("## 指標一覧")
        out.append("")
        out.append("| No | 指標 | 基準値（時点） | 実績値（時点） | 目標値 | 達成率 | 進捗率 | 期待値 | 状況 |")
        out.append("| --- | --- | --- | --- | --- | ---: | ---: | ---: | --- |")
        for (project, indicators) in assessed {
            for (i, a) in indicators {
                let cells = [
                    project.code, i.name, text.baselineCell(i, a.baseline),
                    ReportText.plain(text.actualCell(i, a)), text.targetCell(i),
                    text.percent(a.achievementRate),
                    text.percent(a.progress), text.percent(a.expected), a.status.japanese,
                ]
                out.append("| " + cells.map(Self.escape).joined(separator: " | ") + " |")
            }
        }
        out.append("")
        out.append(
            "達成率＝実績値÷目標値、進捗率＝（実績値－基準値）÷（目標値－基準値）、期待値＝基準時点から目標年度末までの経過割合（四半期単位）。"
                + "状況は、目標を満たせば「達成」、進捗率が期待値から" + text.digits(Self.decimalText(options.tolerance))
                + "ポイント以内なら「順調」、それより下なら「遅れ」。")
        for (project, indicators) in assessed {
            out.append("")
            out.append("---")
            out.append("")
            out += page(project, indicators, text)
        }
        out += correctionsSection()
        if let head = data.auditChain {
            out += ["", "---", "", Self.escape(text.auditChainLine(head))]
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func page(
        _ p: ReportData.Project, _ indicators: [(ReportData.Indicator, IndicatorAssessment)],
        _ text: ReportText
    ) -> [String] {
        var out: [String] = []
        out.append("## No " + Self.escape(text.digits(p.code)) + " " + Self.escape(p.title))
        out.append("")
        if !p.programName.isEmpty && p.programName != p.title {
            out.append(Self.escape(p.programName))
            out.append("")
        }
        if !p.subtitle.isEmpty {
            out.append("**〔" + Self.escape(p.subtitle) + "〕**")
            out.append("")
        }
        out.append("担当：" + Self.escape(p.departmentName))
        out += section("プロジェクトの概要", blocks: [(nil, p.overview)])
        out += section("【プロジェクトにおける主な取組】", blocks: [(nil, p.mainInitiatives)])
        out += section(
            p.targetHeading,
            blocks: [(nil, indicators.map { text.targetLine($0.0, heading: p.targetHeading) })])
        out.append("")
        out.append("### 指標（実績値／目標値）")
        for (i, a) in indicators {
            out.append("")
            out.append(Self.escape(ReportText.plain(text.indicatorLine(i, a))) + "\\")
            out.append("→ " + a.status.japanese + "（" + Self.escape(text.assessmentDetail(a)) + "）")
        }
        if let n = p.narrative {
            let mark = n.isApproved ? "" : ReportText.pendingMark
            out += section(
                "進捗状況" + mark,
                blocks: ReportText.narrativeBlocks(
                    general: n.progress, hard: n.progressHard, soft: n.progressSoft))
            out += section(
                "今後の動向等" + mark,
                blocks: ReportText.narrativeBlocks(
                    general: n.outlook, hard: n.outlookHard, soft: n.outlookSoft))
        }
        return out
    }

    private func section(_ heading: String, blocks: [(heading: String?, lines: [String])]) -> [String] {
        var out = ["", "### " + Self.escape(heading)]
        for block in blocks {
            let lines = (block.heading.map { [$0] } ?? []) + block.lines
            guard !lines.isEmpty else { continue }
            out.append("")
            // A backslash at the end of a line is a hard line break: each printed line stays a line.
            out += lines.enumerated().map { Self.escape($1) + ($0 < lines.count - 1 ? "\\" : "") }
        }
        return out
    }

    static func decimalText(_ d: Decimal) -> String { "\(d)" }

    /// Escapes the characters Markdown would read as markup; Japanese text is left as it is.
    static func escape(_ s: String) -> String {
        var out = ""
        for (n, c) in s.enumerated() {
            switch c {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#":
                out.append("\\")
                out.append(c)
            case "-" where n == 0, "+" where n == 0:
                out.append("\\")
                out.append(c)
            default:
                if c.isNewline { out.append(" ") } else { out.append(c) }
            }
        }
        return out
    }
}
