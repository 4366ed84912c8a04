import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

@Suite struct ReportQueryTests {
    typealias W = WorkflowFixtures

    @Test func theBundledActualsRoundTripThroughTheWorkflow() async throws {
        try await TestDatabase.withStandard { db in
            let plan = try PlanFile.bundled()
            let actuals = try ActualsFile.bundled()
            try await W.setPeriod(db, W.q4, .open)
            try await W.load(actuals, into: db)
            try await W.setPeriod(db, W.q4, .closed)
            let s = db.service()

            for period in [W.q1, W.q4] {
                let fromDatabase = try await s.reportData(period: period, as: W.clerk("ports")).withoutProvenance
                #expect(fromDatabase.auditChain?.events == (try await Fixtures.count(db, "audit_events")))
                // Only a database has an audit chain: the files' report takes the database's.
                let fromFiles = ReportData.fromFiles(
                    plan: plan, actuals: actuals, period: period, auditChain: fromDatabase.auditChain)
                #expect(fromDatabase == fromFiles, "\(period)")
                // Where it differs, say where: one project at a time.
                for (a, b) in zip(fromDatabase.projects, fromFiles.projects) where a != b {
                    Issue.record("project \(a.code) differs:\n\(a)\n\(b)")
                }
            }
            // Everything is approved, so the pending view is the same.
            let pending = try await s.reportData(period: W.q1, includePending: true, as: W.approver)
            #expect(
                pending.withoutProvenance
                    == ReportData.fromFiles(
                        plan: plan, actuals: actuals, period: W.q1, includePending: true, auditChain: pending.auditChain
                    ))

            let data = try await s.reportData(period: W.q1, as: .local)
            #expect(data.planStartFiscalYear == 2021)
            let water = try #require(data.projects.first { $0.code == "1-2" })
            #expect(water.indicators[0].figures.map(\.value?.text) == ["4.0", "4.0"], "scales survive")
            #expect(water.narrative?.progressHard != nil && water.narrative?.progress == nil)
        }
    }

    @Test func filtersByProjectAndDepartment() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let one = try await s.reportData(period: W.q1, project: "1-2", as: W.admin)
            #expect(one.projects.map(\.code) == ["1-2"])
            let innovation = try await s.reportData(period: W.q1, department: "innovation", as: W.admin)
            #expect(innovation.projects.map(\.code) == ["3"])
            let neither = try await s.reportData(period: W.q1, project: "1-2", department: "ports", as: W.admin)
            #expect(neither.projects.isEmpty)
            let all = try await s.reportData(period: W.q1, as: W.admin)
            #expect(all.projects.count == 14 && all.projects.flatMap(\.indicators).count == 24)
            #expect(all.projects.allSatisfy { $0.narrative == nil && $0.indicators.allSatisfy(\.figures.isEmpty) })
            try await W.expectRejected(db, .notFound) {
                try await s.reportData(period: W.q1, project: "10", as: W.admin)
            }
            try await W.expectRejected(db, .notFound) {
                try await s.reportData(period: W.q1, department: "nowhere", as: W.admin)
            }
            try await W.expectRejected(db, .notFound) {
                try await s.reportData(period: PeriodCode("2030Q1")!, as: W.admin)
            }
        }
    }

    @Test func pendingContentShowsOnlyWhenAskedFor() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            try await W.setPeriod(db, W.q4, .open)
            try await W.setPeriod(db, W.q2, .open)
            try await W.approved(db, W.q4, "2.2", "7")
            let q1 = try await W.approved(db, W.q1, "2.2", "8")
            try await W.submitted(db, W.q1, "2.3", "17.4")
            try await W.approved(db, W.q2, "2.2", "9")  // after the report's period: never in it

            // Reopened and corrected: the approved 8 stays in the report; the pending view shows 9 as a draft.
            let reopened = try await s.reopenFigure(
                period: W.q1, indicator: "2.2", version: q1.version, reason: "訂正", as: W.approver)
            func figures(_ includePending: Bool) async throws -> [String: [ReportData.Figure]] {
                let data = try await s.reportData(
                    period: W.q1, project: "2", includePending: includePending, as: W.admin)
                return Dictionary(uniqueKeysWithValues: data.projects[0].indicators.map { ($0.code, $0.figures) })
            }
            // Reopened but not yet changed: the same content, shown as approved either way.
            #expect(try await figures(true)["2.2"]?.map(\.state) == [.approved, .approved])

            _ = try await s.saveFigure(
                period: W.q1, indicator: "2.2", input: FigureInput(value: W.decimal("9"), version: reopened.version),
                as: W.clerk("dx"))
            let approvedOnly = try await figures(false)
            #expect(approvedOnly["2.2"]?.map(\.period) == [W.q4, W.q1])
            #expect(approvedOnly["2.2"]?.map(\.value?.text) == ["7", "8"])
            #expect(approvedOnly["2.2"]?.allSatisfy(\.isApproved) == true)
            #expect(approvedOnly["2.3"] == [], "a submitted figure is not in an approved-only report")
            let pending = try await figures(true)
            #expect(pending["2.2"]?.map(\.value?.text) == ["7", "9"])
            #expect(pending["2.2"]?.map(\.state) == [.approved, .draft])
            #expect(pending["2.3"]?.map(\.state) == [.submitted] && pending["2.3"]?[0].value?.text == "17.4")
            #expect(pending["2.3"]?[0].asOf == CalendarDate("2021-06-30"))
        }
    }
}
