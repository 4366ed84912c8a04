import Foundation
import Shinchoku

/// The indicator table the CSV report and the xlsx report's first sheet share: one row per indicator and figure
/// period up to the report period, each assessed as of its own period, in ``columns``. Cells are typed, so that the
/// CSV prints each as text and the xlsx writes numbers as numbers and dates as dates.
struct IndicatorTable {
    static let columns = [
        "report_period", "project", "indicator", "name", "unit", "period", "status", "value", "as_of",
        "state",
        "baseline", "target", "target_fiscal_year", "achievement_rate", "progress", "expected",
        "assessment",
    ]

    enum Cell: Equatable {
        case empty
        /// Text from the plan or a code.
        case text(String)
        /// An exact decimal, in the text the CSV prints (`4.0`, `2.9`).
        case number(String)
        /// A whole number that is not an amount (a fiscal year).
        case integer(Int)
        case date(CalendarDate)
        /// The value of a figure that is 未公表 or －: empty in the CSV (its status column says which), text in xlsx.
        case notReported(FigureStatus)
    }

    var data: ReportData
    var options: ReportOptions

    func rows() -> [[Cell]] {
        var rows: [[Cell]] = []
        for project in data.projects {
            for i in project.indicators {
                let figures = i.figures.filter { $0.period <= data.period }
                if figures.isEmpty {
                    rows.append(row(project, i, nil, assess(i, at: data.period)))
                }
                for f in figures {
                    rows.append(row(project, i, f, assess(i, at: f.period)))
                }
            }
        }
        return rows
    }

    private func assess(_ i: ReportData.Indicator, at period: PeriodCode) -> IndicatorAssessment {
        IndicatorAssessor.assess(
            i, at: period, planStartFiscalYear: data.planStartFiscalYear, tolerance: options.tolerance)
    }

    private func row(
        _ p: ReportData.Project, _ i: ReportData.Indicator, _ f: ReportData.Figure?, _ a: IndicatorAssessment
    ) -> [Cell] {
        let value: Cell =
            switch f?.status {
            case nil: .empty
            case .reported: f?.value.map { Cell.number($0.text) } ?? .empty
            case let status?: .notReported(status)
            }
        return [
            .text(data.period.description), .text(p.code), .text(i.code), .text(i.name), .text(i.unit),
            f.map { Cell.text($0.period.description) } ?? .empty, f.map { Cell.text($0.status.rawValue) } ?? .empty,
            value, f.map { Cell.date($0.asOf) } ?? .empty, f.map { Cell.text($0.state.rawValue) } ?? .empty,
            .number(a.baseline.number?.text ?? "\(a.baseline.value)"), .number(i.target.text),
            .integer(i.targetFiscalYear),
            a.achievementRate.map { Cell.number(IndicatorAssessor.percentText($0)) } ?? .empty,
            a.progress.map { Cell.number(IndicatorAssessor.percentText($0)) } ?? .empty,
            .number(IndicatorAssessor.percentText(a.expected)), .text(a.status.rawValue),
        ]
    }
}
