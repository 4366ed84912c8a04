import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

/// Two people acting on the same figure at the same moment: exactly one wins, the other gets `conflict`,
/// and the history shows one step, never two and never a leaked database error.
@Suite struct RaceTests {
    typealias W = WorkflowFixtures

    /// 50 different figures: every indicator in 2020Q4, 2021Q1 and 2021Q2, with all three periods open.
    private func fiftyFigures(_ db: TestDB) async throws -> [(period: PeriodCode, indicator: String)] {
        try await W.setPeriod(db, W.q4, .open)
        try await W.setPeriod(db, W.q2, .open)
        let codes = try PlanFile.bundled().projects.flatMap(\.indicators).map(\.code)
        let all = [W.q4, W.q1, W.q2].flatMap { p in codes.map { (period: p, indicator: $0) } }
        return Array(all.prefix(50))
    }

    /// Runs a call and keeps its outcome, so that a pair's loser does not cancel its winner.
    private func outcome<T: Sendable>(_ call: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await call()) } catch { return .failure(error) }
    }

    private func isConflict<T>(_ r: Result<T, any Error>) -> Bool {
        if case .failure(let e as ServiceError) = r { return e.code == .conflict }
        return false
    }

    private func succeeded<T>(_ r: Result<T, any Error>) -> Bool {
        if case .success = r { return true }
        return false
    }

    @Test func twoApproversApprovingOneFigureAtOnceLeaveOneApproval() async throws {
        try await TestDatabase.withStandard(maxConnections: 8) { db in
            let s = db.service()
            var pending: [(period: PeriodCode, indicator: String, version: Int)] = []
            for f in try await fiftyFigures(db) {
                let sent = try await W.submitted(db, f.period, f.indicator, "1")
                pending.append((f.period, f.indicator, sent.version))
            }
            let outcomes = await withTaskGroup(of: (Result<FigureInfo, any Error>, Result<FigureInfo, any Error>).self)
            {
                group in
                for f in pending {
                    group.addTask {
                        async let first = outcome {
                            try await s.approveFigure(
                                period: f.period, indicator: f.indicator, version: f.version, as: W.approver)
                        }
                        async let second = outcome {
                            try await s.approveFigure(
                                period: f.period, indicator: f.indicator, version: f.version, as: W.approver2)
                        }
                        return await (first, second)
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count == 50)
            for (a, b) in outcomes {
                #expect(succeeded(a) != succeeded(b), "exactly one approval wins")
                #expect(isConflict(a) || isConflict(b), "the other gets conflict: \(a) \(b)")
            }
            let perFigure = try await db.pool.withConnection { c in
                try c.query(
                    """
                    SELECT f.id, count(e.id) FROM figures f
                    LEFT JOIN workflow_events e ON e.figure_id = f.id AND e.action = 'approve'
                    GROUP BY f.id
                    """
                ).decode((Int, Int).self)
            }
            #expect(perFigure.count == 50 && perFigure.allSatisfy { $0.1 == 1 }, "one approve event per figure")
            #expect(try await W.scalar(db, Int.self, "SELECT count(*) FROM reviews") == 50)
            #expect(
                try await W.scalar(db, Int.self, "SELECT count(*) FROM audit_events WHERE action = 'figure.approve'")
                    == 50)
            #expect(
                try await W.scalar(
                    db, Int.self, "SELECT count(*) FROM figures WHERE state = 'approved' AND version = 3") == 50)
        }
    }

    @Test func twoSavesWithTheSameVersionAtOnceLeaveOneSave() async throws {
        try await TestDatabase.withStandard(maxConnections: 8) { db in
            let s = db.service()
            var drafts: [(period: PeriodCode, indicator: String, clerk: ActorReference)] = []
            for f in try await fiftyFigures(db) {
                let clerk = try W.owner(of: f.indicator)
                _ = try await s.saveFigure(
                    period: f.period, indicator: f.indicator, input: FigureInput(value: W.decimal("1")), as: clerk)
                drafts.append((f.period, f.indicator, clerk))
            }
            let outcomes = await withTaskGroup(of: (Result<FigureInfo, any Error>, Result<FigureInfo, any Error>).self)
            {
                group in
                for f in drafts {
                    group.addTask {
                        async let first = outcome {
                            try await s.saveFigure(
                                period: f.period, indicator: f.indicator,
                                input: FigureInput(value: W.decimal("2"), version: 1), as: f.clerk)
                        }
                        async let second = outcome {
                            try await s.saveFigure(
                                period: f.period, indicator: f.indicator,
                                input: FigureInput(value: W.decimal("3"), version: 1), as: f.clerk)
                        }
                        return await (first, second)
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count == 50)
            for (a, b) in outcomes {
                #expect(succeeded(a) != succeeded(b), "exactly one save wins")
                #expect(isConflict(a) || isConflict(b), "the other gets conflict: \(a) \(b)")
                // What is stored is what the winner was told.
                if case .success(let won) = succeeded(a) ? a : b {
                    let stored = try await s.figure(period: won.period, indicator: won.indicator, as: W.admin)
                    #expect(stored.value == won.value && stored.version == 2)
                }
            }
            let saves = try await W.scalar(
                db, Int.self, "SELECT count(*) FROM workflow_events WHERE action = 'save' AND version = 2")
            #expect(saves == 50)
            #expect(try await W.scalar(db, Int.self, "SELECT count(*) FROM workflow_events WHERE version > 2") == 0)
            #expect(
                try await W.scalar(db, Int.self, "SELECT count(*) FROM audit_events WHERE action = 'figure.save'")
                    == 100)
        }
    }

    @Test func twoClerksCreatingOneFigureAtOnceLeaveOneFigure() async throws {
        try await TestDatabase.withStandard(maxConnections: 8) { db in
            let s = db.service()
            let figures = try await fiftyFigures(db).prefix(20)
            let outcomes = await withTaskGroup(of: (Result<FigureInfo, any Error>, Result<FigureInfo, any Error>).self)
            {
                group in
                for f in figures {
                    group.addTask {
                        let clerk = try! W.owner(of: f.indicator)
                        async let first = outcome {
                            try await s.saveFigure(
                                period: f.period, indicator: f.indicator, input: FigureInput(value: W.decimal("1")),
                                as: clerk)
                        }
                        async let second = outcome {
                            try await s.saveFigure(
                                period: f.period, indicator: f.indicator, input: FigureInput(value: W.decimal("2")),
                                as: clerk)
                        }
                        return await (first, second)
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for (a, b) in outcomes {
                #expect(succeeded(a) != succeeded(b) && (isConflict(a) || isConflict(b)), "\(a) \(b)")
            }
            #expect(try await W.scalar(db, Int.self, "SELECT count(*) FROM figures") == 20)
            #expect(try await W.scalar(db, Int.self, "SELECT count(*) FROM workflow_events") == 20)
            #expect(try await W.scalar(db, Int.self, "SELECT count(*) FROM audit_events WHERE entity = 'figure'") == 20)
        }
    }
}
