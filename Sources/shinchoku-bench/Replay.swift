import Foundation
import LibPQ
import Logging
import PgbenchReplay
import Shinchoku

/// Keeps every statement the capture pool's connection sends (LibPQ's statement observer).
final class StatementRecorder: StatementObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var records: [StatementRecord] = []

    func record(_ statement: StatementRecord) {
        lock.lock()
        records.append(statement)
        lock.unlock()
    }

    /// The statements recorded since the last call, oldest first.
    func take() -> [StatementRecord] {
        lock.lock()
        defer { lock.unlock() }
        let r = records
        records = []
        return r
    }
}

/// One client's captured cycles and its pgbench script.
struct ClientReplay: Sendable {
    var figure: BenchFigure
    var script: PgbenchScript
    var file: URL
    /// Round trips of each step (save, submit, approve, reopen), as counted by the connection.
    var roundTrips: [Int]
    /// Statements of each step, BEGIN and COMMIT included when they were recorded.
    var statements: [Int]
    /// Statements that ran as named prepared statements, of those recorded.
    var prepared: Int
    var recorded: Int
}

/// Runs the cycle on each figure (which ``startFigures(service:figures:)`` created) through a service whose pool has
/// one connection and the recorder: a first cycle, then two captured cycles, and turns those into the client's
/// pgbench script.
func capture(
    database: BenchDatabase, name: String, figures: [BenchFigure], directory: URL, logger: Logger
) async throws -> [ClientReplay] {
    let recorder = StatementRecorder()
    var options = productionPoolOptions(size: 1)
    options.statementObserver = recorder
    let typeNames = try await database.asSuperuser(name) { c in
        Dictionary(
            uniqueKeysWithValues: try c.query("SELECT oid::int8, format_type(oid, NULL) FROM pg_type WHERE oid < 10000")
                .decode((Int, String).self).map { (UInt32($0.0), $0.1) })
    }
    return try await withConnectionPool(
        configuration: database.configuration(database: name, user: DatabaseRoles.application), options: options,
        logger: logger
    ) { pool in
        let service = ShinchokuService(pool: pool, logger: logger)
        var replays: [ClientReplay] = []
        for (k, figure) in figures.enumerated() {
            // A whole cycle first, so that the captured ones find the statement caches as a running server does.
            var version: Int? = try await service.settle(figure)
            for s in Step.allCases { version = try await service.step(s, figure, version: version) }
            let startVersion = version!

            var cycles: [[CapturedCall]] = []
            var roundTrips = [Int](repeating: 0, count: 4)
            var statements = [Int](repeating: 0, count: 4)
            var prepared = 0
            var recorded = 0
            for _ in 0..<2 {
                var calls: [CapturedCall] = []
                for s in Step.allCases {
                    let before = try await pool.withConnection { $0.roundTrips }
                    _ = recorder.take()
                    version = try await service.step(s, figure, version: version)
                    let records = recorder.take()
                    let after = try await pool.withConnection { $0.roundTrips }
                    let call = try capturedCall(s.name, records, roundTrips: Int(after - before))
                    calls.append(call)
                    roundTrips[s.rawValue] = Int(after - before)
                    statements[s.rawValue] = call.roundTrips.reduce(0) { $0 + $1.count }
                    prepared += records.filter(\.prepared).count
                    recorded += records.count
                }
                cycles.append(calls)
            }
            let script = try PgbenchScript.make(
                first: cycles[0], second: cycles[1], startVersion: startVersion, step: 4,
                typeName: { typeNames[$0] ?? "oid" })
            let file = directory.appendingPathComponent("client_\(k).sql")
            try script.text.write(to: file, atomically: true, encoding: .utf8)
            replays.append(
                ClientReplay(
                    figure: figure, script: script, file: file, roundTrips: roundTrips, statements: statements,
                    prepared: prepared / 2, recorded: recorded / 2))
        }
        return replays
    }
}

/// Creates each figure with a first cycle (save, submit, approve, reopen), so that it is where a cycle starts.
func startFigures(service: ShinchokuService, figures: [BenchFigure]) async throws {
    for figure in figures {
        let exists =
            (try? await service.figure(period: figure.period, indicator: figure.indicator, as: figure.approver))
            != nil
        if exists {
            _ = try await service.settle(figure)
            continue
        }
        var version: Int?
        for s in Step.allCases { version = try await service.step(s, figure, version: version) }
    }
}

/// The round trips of one call from the statements the observer recorded, with BEGIN and COMMIT where they went:
/// LibPQ sends BEGIN in front of the first statement (no round trip of its own) and COMMIT alone or in the last
/// pipeline. When the observer does not record them, the connection's round-trip count says which.
func capturedCall(_ name: String, _ records: [StatementRecord], roundTrips total: Int) throws -> CapturedCall {
    guard !records.isEmpty else {
        throw BenchError(
            "the statement observer recorded nothing for \(name): this LibPQ does not call it, so nothing can be replayed"
        )
    }
    var trips: [[CapturedStatement]] = []
    var last: UInt64?
    for r in records {
        let s = CapturedStatement(sql: r.sql, bindings: r.bindings)
        if r.roundTrip == last { trips[trips.count - 1].append(s) } else { trips.append([s]) }
        last = r.roundTrip
    }
    func starts(_ s: CapturedStatement, _ word: String) -> Bool {
        s.sql.trimmingCharacters(in: .whitespacesAndNewlines).uppercased().hasPrefix(word)
    }
    let hasBegin = starts(trips[0][0], "BEGIN") || starts(trips[0][0], "START TRANSACTION")
    let hasCommit = starts(trips[trips.count - 1].last!, "COMMIT") || starts(trips[trips.count - 1].last!, "END")
    let missing = total - trips.count
    // Before LibPQ sent BEGIN with the first statement, BEGIN and COMMIT were round trips of their own.
    let beginAlone = !hasBegin && missing >= 2
    let commitAlone = !hasCommit && missing >= 1
    let begin = CapturedStatement(sql: "BEGIN ISOLATION LEVEL READ COMMITTED")
    let commit = CapturedStatement(sql: "COMMIT")
    if !hasBegin {
        if beginAlone { trips.insert([begin], at: 0) } else { trips[0].insert(begin, at: 0) }
    }
    if !hasCommit {
        if commitAlone { trips.append([commit]) } else { trips[trips.count - 1].append(commit) }
    }
    return CapturedCall(name: name, roundTrips: trips)
}

/// One pgbench run: a process per client, each replaying its own script on one connection `transactions` times
/// (`--transactions`, not `--time`: pgbench 15 does not stop at `--time` while it runs these pipelined scripts, and a
/// fixed count also tells exactly which versions each figure must reach).
struct PgbenchResult: Sendable {
    var transactions: [Int]
    var tps: Double
    var failures: [String]
    /// Calls per second: each transaction of the script is one cycle of 4 calls.
    var callsPerSecond: Double { tps * 4 }
}

func pgbenchRun(
    pgbench: String, conninfo: String, replays: [ClientReplay], versions: [Int], transactions: Int
) async -> PgbenchResult {
    await withTaskGroup(of: (Int, Int, Double, String?).self) { group in
        for (k, (replay, version)) in zip(replays, versions).enumerated() {
            let arguments =
                [
                    "--no-vacuum", "--protocol=prepared", "--client=1", "--jobs=1", "--transactions=\(transactions)",
                    "--file=\(replay.file.path)",
                ] + replay.script.defineArguments(startVersion: version) + [conninfo]
            group.addTask {
                let result = await runProcess(pgbench, arguments, timeout: .seconds(120))
                let tx = matchNumber(result.output, after: "number of transactions actually processed:").map { Int($0) }
                let tps = matchNumber(result.output, after: "tps = ")
                guard result.status == 0, let tx, let tps else {
                    let lines = result.output.split(separator: "\n")
                    let errors = lines.filter { $0.contains("ERROR") || $0.contains("error") || $0.contains("FATAL") }
                    let tail = (errors.isEmpty ? Array(lines.suffix(4)) : Array(errors.prefix(3))).joined(
                        separator: " | ")
                    return (k, tx ?? 0, tps ?? 0, "client \(k): pgbench exited \(result.status): \(tail)")
                }
                return (k, tx, tps, nil)
            }
        }
        var transactions = [Int](repeating: 0, count: replays.count)
        var tps = 0.0
        var failures: [String] = []
        for await (k, tx, t, failure) in group {
            transactions[k] = tx
            tps += t
            if let failure { failures.append(failure) }
        }
        return PgbenchResult(transactions: transactions, tps: tps, failures: failures)
    }
}

/// The first number after `marker` in `text`.
func matchNumber(_ text: String, after marker: String) -> Double? {
    guard let r = text.range(of: marker) else { return nil }
    let rest = text[r.upperBound...].drop(while: { $0 == " " })
    return Double(rest.prefix(while: { $0.isNumber || $0 == "." }))
}

/// Runs a program to its end off the cooperative pool; its standard output and error together.
/// A program still running `timeout` after it started is killed (SIGKILL), so that a stuck one cannot hold the
/// bench.
func runProcess(
    _ path: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Duration = .seconds(600)
) async -> (status: Int32, output: String) {
    await withCheckedContinuation { continuation in
        Thread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            if let environment { process.environment = environment }
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            do {
                try process.run()
            } catch {
                continuation.resume(returning: (-1, "cannot run \(path): \(error)"))
                return
            }
            let pid = process.processIdentifier
            let seconds = timeout.components.seconds
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Int(seconds))) {
                // SIGKILL: a pgbench stuck in a pipeline does not end on SIGTERM.
                if process.isRunning && process.processIdentifier == pid { kill(pid, SIGKILL) }
            }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
        }.start()
    }
}
