import Foundation
import LibPQ
import Shinchoku
import TestSupport
import Testing

/// A step returns the item as its write left it (RETURNING), not as a second read found it; it must be the very
/// value a read gives: content, state, version, flags, the logins of enterer and approver, and the database's times.
@Suite struct StepResultTests {
    typealias W = WorkflowFixtures

    @Test func whatEachStepReturnsIsWhatAReadGives() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let p = W.q1
            let clerk = try W.owner(of: "1-3")
            func read(_ f: FigureInfo) async throws -> FigureInfo {
                try await s.figure(period: p, indicator: f.indicator, as: W.approver)
            }
            func read(_ n: NarrativeInfo) async throws -> NarrativeInfo {
                try await s.narrative(period: p, project: n.project, as: W.approver)
            }

            var f = try await s.saveFigure(
                period: p, indicator: "1-3.1", input: FigureInput(value: W.decimal("10.0"), note: "「初回」\\n"),
                as: clerk)
            #expect(try await read(f) == f)
            f = try await s.saveFigure(
                period: p, indicator: "1-3.1",
                input: FigureInput(value: W.decimal("12"), asOf: CalendarDate("2021-06-15"), version: f.version),
                as: clerk)
            #expect(try await read(f) == f)
            f = try await s.submitFigure(period: p, indicator: "1-3.1", version: f.version, as: clerk)
            #expect(try await read(f) == f)
            f = try await s.approveFigure(
                period: p, indicator: "1-3.1", version: f.version, comment: "可", as: W.approver)
            #expect(try await read(f) == f)
            #expect(f.approvedBy == "approver" && f.approvedAt != nil)
            if case .login(let login) = clerk { #expect(f.enteredBy == login) }
            f = try await s.reopenFigure(
                period: p, indicator: "1-3.1", version: f.version, reason: "再確認", as: W.approver2)
            #expect(try await read(f) == f)
            f = try await s.saveFigure(
                period: p, indicator: "1-3.1", input: FigureInput(value: W.decimal("13"), version: f.version), as: clerk
            )
            #expect(try await read(f) == f)
            #expect(f.changedSinceApproval && f.approvedValue == W.decimal("12"))
            f = try await s.submitFigure(period: p, indicator: "1-3.1", version: f.version, as: clerk)
            f = try await s.returnFigure(
                period: p, indicator: "1-3.1", version: f.version, reason: "差戻し", as: W.approver)
            #expect(try await read(f) == f)

            var n = try await s.saveNarrative(
                period: p, project: "1-3", input: NarrativeInput(progressHard: "整備中", progressSoft: "検討中"), as: clerk)
            #expect(try await read(n) == n)
            n = try await s.saveAndSubmitNarrative(
                period: p, project: "1-3", input: NarrativeInput(progress: "順調", outlook: "継続", version: n.version),
                as: clerk)
            #expect(try await read(n) == n)
            #expect(n.state == .submitted)
            n = try await s.approveNarrative(period: p, project: "1-3", version: n.version, as: W.approver)
            #expect(try await read(n) == n)
            #expect(n.approvedContent == NarrativeContent(progress: "順調", outlook: "継続"))
            n = try await s.reopenNarrative(
                period: p, project: "1-3", version: n.version, reason: "追記", as: W.approver2)
            #expect(try await read(n) == n)
            n = try await s.saveNarrative(
                period: p, project: "1-3", input: NarrativeInput(progress: "順調です", version: n.version), as: clerk)
            #expect(try await read(n) == n)
            n = try await s.submitNarrative(period: p, project: "1-3", version: n.version, as: clerk)
            n = try await s.returnNarrative(period: p, project: "1-3", version: n.version, reason: "戻し", as: W.approver)
            #expect(try await read(n) == n)
            #expect(n.changedSinceApproval && n.projectTitle.isEmpty == false)
        }
    }

}
