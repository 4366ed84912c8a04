import Foundation
import LibPQ
import Logging
import Shinchoku
import ShinchokuReports

/// Seconds for one report: the service's read (`reportData`) and the rendering, as `GET /reports/{period}` does;
/// `read` is the first part alone.
func timeReport(
    _ service: ShinchokuService, period: PeriodCode, format: ReportFormat, as reader: ActorReference
) async throws -> (seconds: Double, read: Double, bytes: Int) {
    let clock = ContinuousClock()
    let start = clock.now
    let data = try await service.reportData(
        period: period, history: format.history, planTexts: format.printsPlanTexts, as: reader)
    let read = clock.now
    let body = try await Report.bytes(data, options: ReportOptions(format: format))
    return ((clock.now - start).seconds, (read - start).seconds, body.count)
}

/// The median of `runs` timings after one warm-up run (the first run of a fresh database reads it from disk and
/// prepares its statements: not what a reader of a running server waits); `read` is the median run's read.
func medianReport(
    _ service: ShinchokuService, period: PeriodCode, format: ReportFormat, as reader: ActorReference, runs: Int = 5
) async throws -> (seconds: Double, read: Double, bytes: Int, runs: Int) {
    let first = try await timeReport(service, period: period, format: format, as: reader)
    var times: [(seconds: Double, read: Double)] = []
    var bytes = first.bytes
    for _ in 0..<runs {
        let t = try await timeReport(service, period: period, format: format, as: reader)
        times.append((t.seconds, t.read))
        bytes = t.bytes
    }
    let median = times.sorted { $0.seconds < $1.seconds }[times.count / 2]
    return (median.seconds, median.read, bytes, runs)
}

/// The latest period that has approved figures: the report a user would read.
func latestReportedPeriod(_ database: BenchDatabase, _ name: String) async throws -> PeriodCode {
    let code = try await database.asSuperuser(name) { c in
        try c.query("SELECT max(period_code) FROM figures WHERE approved_at IS NOT NULL").single().decode(
            String?.self)
    }
    guard let code, let period = PeriodCode(code) else { throw BenchError("\(name) has no approved figure") }
    return period
}

/// `figures import` as an admin importing for every department (issue 13 §5): `rows` figures over new open quarters
/// after every existing one, one call per quarter naming each department's clerk (`--as admin --as-department
/// CODE=LOGIN …`), each call one transaction. Only the import calls are timed, not the opening of the quarters.
/// A slow import stops starting calls once `budget` is spent, so that the bench ends in time.
func timeImport(
    service: ShinchokuService, rows wanted: Int, admin: ActorReference, budget: Duration, logger: Logger
) async throws -> (rows: Int, seconds: Double, calls: Int, planned: Int) {
    let existing = try await service.periods(as: admin).map(\.code)
    var period = (existing.max() ?? PeriodCode(fiscalYear: 2021, quarter: 1)!).next
    var jobs: [FigureImportSample] = []
    var total = 0
    // At most 8 new quarters: a small plan imports fewer rows rather than open a hundred quarters.
    for _ in 0..<8 where total < wanted {
        _ = try await service.createPeriod(period, due: nil, as: admin)
        _ = try await service.openPeriod(period, as: admin)
        let sample = try await service.figureImportSample(period: period, limit: wanted - total)
        guard !sample.rows.isEmpty else { break }
        jobs.append(sample)
        total += sample.rows.count
        period = period.next
    }
    guard total > 0 else { throw BenchError("no indicator to import into") }
    let clock = ContinuousClock()
    var elapsed = Duration.zero
    var imported = 0
    var calls = 0
    for sample in jobs where elapsed < budget {
        let start = clock.now
        let summary = try await service.importFigures(
            period: sample.period, rows: sample.rows, as: admin, clerks: sample.clerks)
        elapsed += clock.now - start
        imported += summary.saved
        calls += 1
    }
    return (imported, elapsed.seconds, calls, total)
}
