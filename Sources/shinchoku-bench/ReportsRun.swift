import Foundation
import LibPQ
import Logging
import Shinchoku
import ShinchokuReports

/// Seconds for one report: the service's read (`reportData`) and the rendering, as `GET /reports/{period}` does.
func timeReport(
    _ service: ShinchokuService, period: PeriodCode, format: ReportFormat, as reader: ActorReference
) async throws -> (seconds: Double, bytes: Int) {
    let clock = ContinuousClock()
    let start = clock.now
    let data = try await service.reportData(period: period, as: reader)
    let body = try await Report.bytes(data, options: ReportOptions(format: format))
    return ((clock.now - start).seconds, body.count)
}

/// The median of up to `runs` timings after one warm-up; a slow report (over a second) is timed once.
func medianReport(
    _ service: ShinchokuService, period: PeriodCode, format: ReportFormat, as reader: ActorReference, runs: Int = 5
) async throws -> (seconds: Double, bytes: Int, runs: Int) {
    let first = try await timeReport(service, period: period, format: format, as: reader)
    if first.seconds > 1 { return (first.seconds, first.bytes, 1) }
    var times: [Double] = []
    var bytes = first.bytes
    for _ in 0..<runs {
        let t = try await timeReport(service, period: period, format: format, as: reader)
        times.append(t.seconds)
        bytes = t.bytes
    }
    return (times.sorted()[times.count / 2], bytes, runs)
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

/// `figures import` through the service's import API: `rows` figures over new open quarters after every existing
/// one, one call per department (its clerk) and quarter, as `shinchoku-admin figures import --as <clerk>` does.
///
/// Hook for the bulk path of issue 13 §5: when the admin-wide bulk import lands, call it here with the same rows.
/// A slow import stops starting calls once `budget` is spent, so that the bench ends in time: the rows/s are those of
/// the calls made.
func timeImport(
    service: ShinchokuService, rows wanted: Int, admin: ActorReference, budget: Duration, logger: Logger
) async throws -> (rows: Int, seconds: Double, calls: Int, planned: Int) {
    let projects = try await service.projects(as: admin).filter { !$0.department.approving }
    var byDepartment: [String: [String]] = [:]
    for p in projects { byDepartment[p.department.code, default: []] += p.indicators.map(\.code) }
    let perPeriod = byDepartment.values.reduce(0) { $0 + $1.count }
    guard perPeriod > 0 else { throw BenchError("no indicator to import into") }
    // At most 8 new quarters: a small plan imports fewer rows rather than open a hundred quarters.
    let quarters = min(8, (wanted + perPeriod - 1) / perPeriod)
    let existing = try await service.periods(as: admin).map(\.code)
    var period = (existing.max() ?? PeriodCode(fiscalYear: 2021, quarter: 1)!).next
    var jobs: [(PeriodCode, String, [FigureImportRow])] = []
    var total = 0
    for _ in 0..<quarters {
        _ = try await service.createPeriod(period, due: nil, as: admin)
        _ = try await service.openPeriod(period, as: admin)
        for (department, indicators) in byDepartment.sorted(by: { $0.key < $1.key }) where total < wanted {
            let take = Array(indicators.prefix(wanted - total))
            let rows = take.enumerated().map { i, code in
                FigureImportRow(line: i + 2, indicator: code, input: benchInput)
            }
            jobs.append((period, department, rows))
            total += rows.count
        }
        period = period.next
    }
    let clock = ContinuousClock()
    let start = clock.now
    var imported = 0
    var calls = 0
    for (period, department, rows) in jobs where clock.now - start < budget {
        _ = try await service.importFigures(period: period, rows: rows, as: .login(department))
        imported += rows.count
        calls += 1
    }
    return (imported, (clock.now - start).seconds, calls, total)
}
