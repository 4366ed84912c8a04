import Foundation
import LibPQ
import Shinchoku

/// One benchmark client's figure: an indicator in a period, the clerk of the department that owns it, and the
/// demo's approver.
struct BenchFigure: Sendable {
    var indicator: String
    var period: PeriodCode
    var clerkLogin: String
    var clerk: ActorReference
    var approver: ActorReference
}

/// The four steps of the cycle, in order.
enum Step: Int, CaseIterable, Sendable {
    case save, submit, approve, reopen
    var name: String { ["save", "submit", "approve", "reopen"][rawValue] }
}

/// What the clerk enters: the same content every cycle, with a note so that no rule about falls or jumps applies.
let benchInput = FigureInput(value: ExactDecimal("1")!, status: .reported, note: "ベンチマーク")
let benchComment = "ベンチマーク"
let benchReason = "ベンチマークのため再開"

extension ShinchokuService {
    /// One step of the cycle on `figure` at `version` (nil: create it); returns the new version.
    func step(_ step: Step, _ figure: BenchFigure, version: Int?) async throws -> Int {
        switch step {
        case .save:
            var input = benchInput
            input.version = version
            return try await saveFigure(
                period: figure.period, indicator: figure.indicator, input: input, as: figure.clerk
            )
            .version
        case .submit:
            return try await submitFigure(
                period: figure.period, indicator: figure.indicator, version: version ?? 0, as: figure.clerk
            ).version
        case .approve:
            return try await approveFigure(
                period: figure.period, indicator: figure.indicator, version: version ?? 0, comment: benchComment,
                as: figure.approver
            ).version
        case .reopen:
            return try await reopenFigure(
                period: figure.period, indicator: figure.indicator, version: version ?? 0, reason: benchReason,
                as: figure.approver
            ).version
        }
    }

    /// Brings a figure back to `returned` (the state a whole cycle ends in) and returns its version: after a run
    /// that stopped mid-cycle (wrk) or a failed call.
    func settle(_ figure: BenchFigure) async throws -> Int {
        let current = try await self.figure(period: figure.period, indicator: figure.indicator, as: figure.approver)
        var version = current.version
        let rest: [Step]
        switch current.state {
        case .draft: rest = [.submit, .approve, .reopen]
        case .submitted: rest = [.approve, .reopen]
        case .approved: rest = [.reopen]
        default: rest = []
        }
        for s in rest { version = try await step(s, figure, version: version) }
        return version
    }

    /// ``settle(_:)`` after wrk has stopped: a request wrk gave up on mid-flight may still be running in the
    /// server and move the figure under the settling calls, so a refused step is tried again from the figure as it
    /// then is (for up to 5 seconds).
    func settleAfterWrk(_ figure: BenchFigure) async throws {
        var attempt = 0
        while true {
            do {
                _ = try await settle(figure)
                return
            } catch {
                attempt += 1
                if attempt >= 50 { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

/// The figures of the bench, one per client: the plan's indicators in order in the demo's open quarter, then in the
/// quarters after it (opened here) when there are more clients than indicators. Projects of the approving
/// department are left out (their department has no clerk).
func benchFigures(
    service: ShinchokuService, count: Int, firstPeriod: PeriodCode, admin: ActorReference, approver: ActorReference
) async throws -> [BenchFigure] {
    let projects = try await service.projects(as: admin).filter { !$0.department.approving }
    let pairs = projects.flatMap { p in p.indicators.map { ($0.code, p.department.code) } }
    guard !pairs.isEmpty else { throw BenchError("the plan has no indicator a clerk can enter") }
    var figures: [BenchFigure] = []
    var period = firstPeriod
    while figures.count < count {
        let state = try? await service.period(period, as: admin).state
        if state == nil { _ = try await service.createPeriod(period, due: nil, as: admin) }
        if state == nil || state == .planned { _ = try await service.openPeriod(period, as: admin) }
        for (indicator, department) in pairs where figures.count < count {
            figures.append(
                BenchFigure(
                    indicator: indicator, period: period, clerkLogin: department, clerk: .login(department),
                    approver: approver))
        }
        period = period.next
    }
    return figures
}

/// The versions and states of the bench's figures, read as the superuser (no service call, nothing captured).
func figureVersions(_ database: BenchDatabase, _ name: String, _ figures: [BenchFigure]) async throws -> [Int] {
    let rows = try await database.asSuperuser(name) { c in
        try c.query(
            "SELECT i.code, f.period_code, f.version FROM figures f JOIN indicators i ON i.id = f.indicator_id"
        ).decode((String, String, Int).self)
    }
    var byKey: [String: Int] = [:]
    for (code, period, version) in rows { byKey["\(period)/\(code)"] = version }
    return try figures.map { f in
        guard let v = byKey["\(f.period)/\(f.indicator)"] else {
            throw BenchError("figure \(f.indicator) of \(f.period) is missing")
        }
        return v
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Latencies of one run and what it did.
struct RunResult: Sendable {
    var calls = 0
    var seconds = 0.0
    var latencies: [Double] = []  // milliseconds
    var errors = 0
    var firstError: String?

    var callsPerSecond: Double { seconds > 0 ? Double(calls) / seconds : 0 }
    func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let sorted = latencies.sorted()
        let i = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[i]
    }
}

/// Each client runs whole cycles on its own figure until `duration` is over (a cycle that has begun finishes, so
/// every figure ends `returned`); calls/s counts every call over the time until the last client finished.
func serviceRun(
    service: ShinchokuService, figures: [BenchFigure], versions: [Int], duration: Duration
) async -> RunResult {
    let clock = ContinuousClock()
    let start = clock.now
    let deadline = start + duration
    let results = await withTaskGroup(of: RunResult.self) { group in
        for (figure, version) in zip(figures, versions) {
            group.addTask {
                var r = RunResult()
                var v = version
                r.latencies.reserveCapacity(4096)
                while clock.now < deadline {
                    for s in Step.allCases {
                        let t = clock.now
                        do {
                            v = try await service.step(s, figure, version: v)
                            r.latencies.append((clock.now - t).milliseconds)
                            r.calls += 1
                        } catch {
                            r.errors += 1
                            if r.firstError == nil { r.firstError = "\(s.name) \(figure.indicator): \(error)" }
                            if let settled = try? await service.settle(figure) { v = settled }
                            break
                        }
                    }
                }
                return r
            }
        }
        var total = RunResult()
        for await r in group {
            total.calls += r.calls
            total.latencies += r.latencies
            total.errors += r.errors
            total.firstError = total.firstError ?? r.firstError
        }
        return total
    }
    var total = results
    total.seconds = (clock.now - start).seconds
    return total
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}
