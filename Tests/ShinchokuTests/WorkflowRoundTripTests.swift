import Foundation
import LibPQ
import Shinchoku
import TestSupport
import Testing

/// The workflow's steps make at most 5 round trips to the database each, BEGIN and COMMIT included (issue 13): the
/// actor and the step's lookup in the first, the write in the second, the deferred writes with COMMIT in the last.
@Suite struct WorkflowRoundTripTests {
    typealias W = WorkflowFixtures

    /// Records what each call sent, by the connection's round-trip numbers.
    final class Recorder: StatementObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var records: [StatementRecord] = []

        func record(_ statement: StatementRecord) { lock.withLock { records.append(statement) } }

        /// The statements sent since the last call, grouped by round trip in order.
        func take() -> [[String]] {
            let taken = lock.withLock {
                defer { records = [] }
                return records
            }
            var trips: [(UInt64, [String])] = []
            for r in taken {
                if let last = trips.last, last.0 == r.roundTrip {
                    trips[trips.count - 1].1.append(r.sql)
                } else {
                    trips.append((r.roundTrip, [r.sql]))
                }
            }
            return trips.map(\.1)
        }
    }

    /// Runs `call` on a one-connection pool that records its statements, and returns its round trips.
    static func roundTrips<T>(
        _ recorder: Recorder, _ call: () async throws -> T
    ) async throws -> (value: T, trips: [[String]]) {
        _ = recorder.take()
        let value = try await call()
        return (value, recorder.take())
    }

    static func describe(_ trips: [[String]]) -> String {
        trips.enumerated().map { i, statements in
            "\(i + 1): "
                + statements.map { $0.split(separator: "\n").first.map(String.init) ?? "" }.joined(separator: " | ")
        }.joined(separator: "\n")
    }

    @Test func eachStepOfAFigureAndANarrativeTakesAtMostFiveRoundTrips() async throws {
        try await TestDatabase.withStandard { db in
            let recorder = Recorder()
            var options = ConnectionPool.Options(maxConnections: 1)
            options.statementObserver = recorder
            let pool = ConnectionPool(configuration: db.configuration, options: options)
            defer { Task { await pool.close() } }
            let s = ShinchokuService(pool: pool, bcryptCost: TestDatabase.bcryptCost)
            let p = W.q1
            let clerk = try W.owner(of: "1-1")
            var steps: [(String, [[String]])] = []

            func step<T>(_ name: String, _ call: () async throws -> T) async throws -> T {
                let (value, trips) = try await Self.roundTrips(recorder, call)
                steps.append((name, trips))
                #expect(trips.count <= 5, "\(name) took \(trips.count) round trips:\n\(Self.describe(trips))")
                // The audit event goes last, with COMMIT: the audit chain's lock is held for one round trip.
                let last = trips.last ?? []
                #expect(
                    last.contains { $0.contains("INSERT INTO audit_events") },
                    "\(name): the audit event is not in the last round trip:\n\(Self.describe(trips))")
                return value
            }

            // A figure: create, correct, submit, return, submit again, approve, reopen.
            var f = try await step("figure save (create)") {
                try await s.saveFigure(
                    period: p, indicator: "1-1.1", input: FigureInput(value: W.decimal("1")), as: clerk)
            }
            f = try await step("figure save (update)") {
                try await s.saveFigure(
                    period: p, indicator: "1-1.1", input: FigureInput(value: W.decimal("2"), version: f.version),
                    as: clerk)
            }
            f = try await step("figure submit") {
                try await s.submitFigure(period: p, indicator: "1-1.1", version: f.version, as: clerk)
            }
            f = try await step("figure return") {
                try await s.returnFigure(
                    period: p, indicator: "1-1.1", version: f.version, reason: "確認してください", as: W.approver)
            }
            f = try await s.submitFigure(period: p, indicator: "1-1.1", version: f.version, as: clerk)
            f = try await step("figure approve") {
                try await s.approveFigure(period: p, indicator: "1-1.1", version: f.version, as: W.approver)
            }
            f = try await step("figure reopen") {
                try await s.reopenFigure(
                    period: p, indicator: "1-1.1", version: f.version, reason: "集計漏れ", as: W.approver)
            }
            #expect(f.state == .returned && f.approvedValue == W.decimal("2"))

            // A narrative: the same steps, through the same code.
            var n = try await step("narrative save (create)") {
                try await s.saveNarrative(period: p, project: "1-1", input: NarrativeInput(progress: "順調"), as: clerk)
            }
            n = try await step("narrative save (update)") {
                try await s.saveNarrative(
                    period: p, project: "1-1", input: NarrativeInput(progress: "概ね順調", version: n.version), as: clerk)
            }
            n = try await step("narrative submit") {
                try await s.submitNarrative(period: p, project: "1-1", version: n.version, as: clerk)
            }
            n = try await step("narrative return") {
                try await s.returnNarrative(
                    period: p, project: "1-1", version: n.version, reason: "具体的に", as: W.approver)
            }
            n = try await s.submitNarrative(period: p, project: "1-1", version: n.version, as: clerk)
            n = try await step("narrative approve") {
                try await s.approveNarrative(period: p, project: "1-1", version: n.version, as: W.approver)
            }
            n = try await step("narrative reopen") {
                try await s.reopenNarrative(
                    period: p, project: "1-1", version: n.version, reason: "追記", as: W.approver)
            }
            #expect(n.state == .returned && n.approvedContent?.progress == "概ね順調")

            // What a step returns is what reading it gives.
            #expect(try await s.figure(period: p, indicator: "1-1.1", as: clerk) == f)
            #expect(try await s.narrative(period: p, project: "1-1", as: clerk) == n)
            print(steps.map { "\($0.0): \($0.1.count) round trips" }.joined(separator: "\n"))
        }
    }
}
