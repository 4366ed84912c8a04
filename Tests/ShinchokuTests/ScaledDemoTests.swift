import Foundation
import LibPQ
import Logging
import TestSupport
import Testing

@testable import Shinchoku

/// The benchmarks' larger plan (``ScaledDemo``): copies of the demo's projects and a long approved history, written
/// in bulk beside the audit chain, not into it.
@Suite struct ScaledDemoTests {
    static func scalar<T: PostgresDecodable>(_ db: TestDB, _ query: SQLQuery, as type: T.Type = T.self) async throws
        -> T
    {
        try await db.superuserPool.withConnection { c in try c.query(query).single().decode(T.self) }
    }

    @Test func copiesThePlanAddsApprovedHistoryAndLeavesTheAuditChainIntact() async throws {
        try await TestDatabase.with { db in
            let service = db.service()
            _ = try await service.prepareDemo(today: CalendarDate(year: 2026, month: 11, day: 29)!)
            let auditBefore = try await service.verifyAuditChain(as: .local)
            let seedFigures = try await Self.scalar(db, "SELECT count(*) FROM figures", as: Int.self)
            #expect(seedFigures == 35)

            // Three times the plan, six quarters of history (2019Q4–2021Q1; the demo has 2020Q4 and 2021Q1).
            try await ScaledDemo.load(
                scale: 3, quarters: 6, superuser: db.superuserConfiguration, logger: Logger(label: "test"))

            #expect(try await Self.scalar(db, "SELECT count(*) FROM projects", as: Int.self) == 42)
            #expect(try await Self.scalar(db, "SELECT count(*) FROM indicators", as: Int.self) == 72)
            // The demo's 35, the two copies' 2 × 35, and 72 indicators × 4 earlier quarters.
            #expect(try await Self.scalar(db, "SELECT count(*) FROM figures", as: Int.self) == 35 + 70 + 288)
            #expect(
                try await Self.scalar(db, "SELECT count(*) FROM figures WHERE state <> 'approved'", as: Int.self) == 0)
            // Each added figure was saved, submitted and approved by real users; approvals have their review.
            #expect(
                try await Self.scalar(
                    db,
                    """
                    SELECT count(*) FROM figures f JOIN users c ON c.id = f.entered_by JOIN users a ON a.id = f.approved_by
                    WHERE c.role = 'clerk' AND a.login = 'planning'
                      AND (SELECT count(*) FROM workflow_events e WHERE e.figure_id = f.id) = 3
                    """, as: Int.self) == 393)
            #expect(
                try await Self.scalar(
                    db,
                    """
                    SELECT count(*) FROM workflow_events e JOIN reviews r ON r.workflow_event_id = e.id
                    WHERE e.comment = \(ScaledDemo.comment)
                    """, as: Int.self) == 358)
            // A copy belongs to a department that enters figures, and its clerk entered its figures.
            #expect(
                try await Self.scalar(
                    db,
                    """
                    SELECT count(*) FROM figures f JOIN indicators i ON i.id = f.indicator_id
                    JOIN projects p ON p.id = i.project_id JOIN users u ON u.id = f.entered_by
                    WHERE u.department_id <> p.department_id
                    """, as: Int.self) == 0)
            // The copies are spread: every department that enters figures owns three projects.
            let owned = try await db.superuserPool.withConnection { c in
                try c.query(
                    """
                    SELECT count(p.id) FROM departments d LEFT JOIN projects p ON p.department_id = d.id
                    WHERE NOT d.approving GROUP BY d.id
                    """
                ).decodeColumn(Int.self)
            }
            #expect(owned == Array(repeating: 3, count: 14))
            #expect(try await Self.scalar(db, "SELECT count(*) FROM narratives", as: Int.self) == 14 + 28 + 168)

            // The history's quarters are locked; the demo's current quarter stays open.
            let periods = try await service.periods(as: .local)
            #expect(
                periods.map(\.code.description) == [
                    "2019Q4", "2020Q1", "2020Q2", "2020Q3", "2020Q4", "2021Q1", "2021Q2",
                ])
            #expect(periods.map(\.state) == [.locked, .locked, .locked, .locked, .locked, .locked, .open])

            // Nothing was written to the audit trail, which still verifies.
            let auditAfter = try await service.verifyAuditChain(as: .local)
            #expect(auditAfter.isIntact, "\(auditAfter.problem?.message ?? "")")
            #expect(auditAfter.head == auditBefore.head)

            // A copy reports what its original does, and the made-up history is exact at the indicator's decimals.
            let report = try await service.reportData(period: PeriodCode("2021Q1")!, as: .local)
            #expect(report.projects.count == 42)
            let original = try #require(report.projects.first { $0.code == "1-2" })
            let copy = try #require(report.projects.first { $0.code == "10-2" })
            #expect(copy.title == original.title + "（複製1）")
            #expect(
                copy.indicators.map { $0.figures.filter { $0.period >= PeriodCode("2020Q4")! }.map(\.value) }
                    == original.indicators.map { $0.figures.filter { $0.period >= PeriodCode("2020Q4")! }.map(\.value) }
            )
            // 1-2.1: target 5.4, one decimal; 2020Q1 is the history's second quarter: 5.4 × 2 ÷ 7 = 1.54… → 1.5.
            let made = try await service.figure(period: PeriodCode("2020Q1")!, indicator: "10-2.1", as: .local)
            #expect(made.value == ExactDecimal("1.5") && made.state == .approved && made.approvedBy == "planning")

            // Once only.
            await #expect(throws: ServiceError.self) {
                try await ScaledDemo.load(
                    scale: 2, quarters: 2, superuser: db.superuserConfiguration, logger: Logger(label: "test"))
            }
        }
    }

    @Test func refusesAScaleOutOfRangeAndADatabaseWithoutTheDemo() async throws {
        try await TestDatabase.with { db in
            for (scale, quarters) in [(0, 2), (ScaledDemo.maximumScale + 1, 2), (2, -1), (2, 201)] {
                await #expect(throws: ServiceError.self) {
                    try await ScaledDemo.load(
                        scale: scale, quarters: quarters, superuser: db.superuserConfiguration,
                        logger: Logger(label: "test"))
                }
            }
            await #expect(throws: ServiceError.self) {
                try await ScaledDemo.load(
                    scale: 2, quarters: 2, superuser: db.superuserConfiguration, logger: Logger(label: "test"))
            }
            let projects = try await Self.scalar(db, "SELECT count(*) FROM projects", as: Int.self)
            #expect(projects == 0)
        }
    }
}
