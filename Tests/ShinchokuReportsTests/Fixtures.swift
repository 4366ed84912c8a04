import Foundation
import Shinchoku

@testable import ShinchokuReports

/// Small builders for report data that needs no files.
enum Fixture {
    static func period(_ text: String) -> PeriodCode { PeriodCode(text)! }
    static func date(_ text: String) -> CalendarDate { CalendarDate(text)! }
    static func number(_ text: String) -> ExactDecimal { ExactDecimal(text)! }

    static func figure(
        _ period: String, _ value: String?, asOf: String = "2021-07-31",
        status: FigureStatus = .reported,
        note: String? = nil, state: WorkflowState = .approved
    ) -> ReportData.Figure {
        ReportData.Figure(
            period: PeriodCode(period)!,
            status: value == nil && status == .reported ? .notPublished : status,
            value: value.map { ExactDecimal($0)! }, asOf: CalendarDate(asOf)!, note: note, state: state)
    }

    static func indicator(
        code: String = "1-1.1", name: String = "石炭共同輸送実施回数", unit: String = "回",
        actualUnit: String? = nil,
        kind: MeasureKind = .cumulative, direction: Direction = .increase, baseline: String? = nil,
        baselineAsOf: String? = nil, baselineLabel: String? = nil, target: String = "35",
        targetFiscalYear: Int = 2023, qualifier: TargetQualifier? = nil, targetNote: String? = nil,
        figures: [ReportData.Figure] = []
    ) -> ReportData.Indicator {
        ReportData.Indicator(
            code: code, name: name, targetLabel: name, unit: unit, actualUnit: actualUnit, kind: kind,
            valueType: .count, direction: direction, decimals: 0,
            baseline: baseline.map { ExactDecimal($0)! },
            baselineAsOf: baselineAsOf.map { CalendarDate($0)! }, baselineLabel: baselineLabel,
            target: ExactDecimal(target)!, targetFiscalYear: targetFiscalYear, targetQualifier: qualifier,
            targetNote: targetNote, figures: figures)
    }

    static func assess(
        _ i: ReportData.Indicator, at period: String = "2021Q1", tolerance: Decimal = 10
    ) -> IndicatorAssessment {
        IndicatorAssessor.assess(
            i, at: PeriodCode(period)!, planStartFiscalYear: 2021, tolerance: tolerance)
    }

    static func project(
        code: String = "1-1", title: String = "瀬戸内産業競争力・生産性強化プロジェクト",
        heading: String = "【取組目標（指標）2023年度】", indicators: [ReportData.Indicator],
        narrative: ReportData.Narrative? = nil
    ) -> ReportData.Project {
        ReportData.Project(
            code: code, programCode: "1", programName: title, title: title,
            subtitle: "企業の国際競争力強化に資する港湾の機能強化",
            departmentCode: "ports", departmentName: "土木建築部 港湾課", targetHeading: heading,
            overview: ["●「国際バルク戦略港湾」の計画的な取組の推進"], mainInitiatives: ["●大型船入港を実現する施設の整備"],
            indicators: indicators, narrative: narrative)
    }

    static func report(
        _ projects: [ReportData.Project], period: String = "2021Q1", includePending: Bool = false
    ) -> ReportData {
        ReportData(
            period: PeriodCode(period)!, planStartFiscalYear: 2021, includePending: includePending,
            projects: projects)
    }

    /// The 1-1 indicator of the seed: 1回 against 35回／3年.
    static var coal: ReportData.Indicator {
        indicator(kind: .periodSum, target: "35", figures: [figure("2021Q1", "1")])
    }

    /// The 5-1 indicator of the seed: 94 ⇒ 111 against 105.
    static var commercialised: ReportData.Indicator {
        indicator(
            code: "5-1.1", name: "事業化案件数（累計）", unit: "件", baseline: "94", baselineAsOf: "2020-03-31",
            target: "105", targetNote: "目標", figures: [figure("2021Q1", "111")])
    }

    static func rendered(_ data: ReportData, _ format: ReportFormat, fullWidth: Bool = false)
        -> String
    {
        String(
            decoding: Report.textData(
                data, options: ReportOptions(format: format, fullWidthDigits: fullWidth)), as: UTF8.self)
    }
}

extension Decimal {
    init(_ text: String) { self = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))! }
}

extension Report {
    /// A text format's bytes, as ``Report/render(_:options:)`` gives them (only xlsx throws).
    static func textData(_ data: ReportData, options: ReportOptions) -> Data {
        Data(Report.text(data, options: options)!.utf8)
    }
}
