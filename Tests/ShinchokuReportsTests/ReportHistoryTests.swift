import Foundation
import LibPQ
import Logging
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuReports

/// Reports read from a database with a long history: only the figures they print are read, and what they print does
/// not depend on the rest.
@Suite struct ReportHistoryTests {
    static let q1 = PeriodCode("2021Q1")!

    static func texts(_ data: ReportData) -> [String] {
        [ReportFormat.md, .html, .json].map { Report.text(data, options: ReportOptions(format: $0))! }
    }

    @Test func aReportReadsOnlyThePeriodsItPrintsAndOlderFiguresDoNotChangeIt() async throws {
        try await TestDatabase.with { db in
            let s = db.service()
            _ = try await s.prepareDemo(today: CalendarDate(year: 2026, month: 11, day: 29)!)
            // Twelve quarters of history, 2018Q2–2021Q1, and the plan twice over.
            try await ScaledDemo.load(
                scale: 2, quarters: 12, superuser: db.superuserConfiguration, logger: Logger(label: "test"))

            for pending in [false, true] {
                let printed = try await s.reportData(
                    period: Self.q1, includePending: pending, history: .printed, as: .local)
                let complete = try await s.reportData(
                    period: Self.q1, includePending: pending, history: .complete, as: .local)
                #expect(printed.projects.count == 28)
                // The query picks exactly what the rule picks, provenance included.
                for (p, c) in zip(printed.projects, complete.projects) {
                    for (a, b) in zip(p.indicators, c.indicators) {
                        #expect(
                            a.figures
                                == ReportData.printedFigures(b.figures, period: Self.q1, planStartFiscalYear: 2021),
                            "\(a.code)")
                    }
                }
                // Every quarter is read for CSV and xlsx; for the other formats the last before the plan (2020Q4, or
                // 2020Q3 for indicators the demo has no 2020Q4 figure of) and the plan's.
                let periods = { (d: ReportData) in
                    Set(d.projects.flatMap { $0.indicators.flatMap { $0.figures.map(\.period.description) } })
                }
                #expect(periods(complete).count == 12)
                #expect(periods(printed) == ["2020Q3", "2020Q4", "2021Q1"])
                #expect(Self.texts(printed) == Self.texts(complete))

                // Read without the plan's texts (概要, 主な取組), which only Markdown and HTML print: JSON and CSV
                // print the same.
                #expect(ReportFormat.allCases.filter(\.printsPlanTexts) == [.md, .html])
                let bare = try await s.reportData(
                    period: Self.q1, includePending: pending, history: .printed, planTexts: false, as: .local)
                #expect(bare.projects.allSatisfy { $0.overview.isEmpty && $0.mainInitiatives.isEmpty })
                #expect(printed.projects.contains { !$0.overview.isEmpty && !$0.mainInitiatives.isEmpty })
                let json = ReportOptions(format: .json)
                #expect(Report.text(bare, options: json) == Report.text(printed, options: json))
                let bareComplete = try await s.reportData(
                    period: Self.q1, includePending: pending, history: .complete, planTexts: false, as: .local)
                let csv = ReportOptions(format: .csv)
                #expect(Report.text(bareComplete, options: csv) == Report.text(complete, options: csv))
            }

            // Figures older than what is printed may change (or be wrong) without changing the report.
            let before = Self.texts(try await s.reportData(period: Self.q1, history: .printed, as: .local))
            try await db.arrange { c in
                try c.execute(
                    "UPDATE figures SET value = 99999, approved_value = 99999 WHERE period_code < '2020Q3'")
            }
            let after = Self.texts(try await s.reportData(period: Self.q1, history: .printed, as: .local))
            #expect(after == before)
            // A printed one does change it.
            try await db.arrange { c in
                try c.execute(
                    """
                    UPDATE figures SET value = 77777, approved_value = 77777
                    WHERE period_code = '2020Q4' AND indicator_id = (SELECT id FROM indicators WHERE code = '7.1')
                    """)
            }
            let changed = Self.texts(try await s.reportData(period: Self.q1, history: .printed, as: .local))
            #expect(changed[1] != before[1] && changed[1].contains("data-value=\"77777\""))
        }
    }
}
