// Measures what the dedicated-thread design costs against a plain libpq loop.
//
//   swift run -c release libpq-benchmark [queries]
//
// Starts a throwaway cluster under /tmp, runs `SELECT 1` in four set-ups, prints µs per query and peak RSS,
// and stops the cluster.
import EmbeddedPostgres
import Foundation
import LibPQ

let queries = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 20_000
let warmUp = max(queries / 10, 100)

/// Runs `body` on a thread of its own (libpq blocks) and returns its result to async code.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// Seconds taken by `body`.
func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// The process's peak resident set size, from /proc/self/status (VmHWM).
func peakRSS() -> String {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return "unknown" }
    return line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces)
}

func report(_ label: String, _ seconds: Double, _ count: Int) -> Double {
    let micros = seconds * 1_000_000 / Double(count)
    print(
        label.padding(toLength: 58, withPad: " ", startingAt: 0)
            + String(format: "%8.1f µs/query  (%.2f s)", micros, seconds))
    return micros
}

let dataDirectory = URL(fileURLWithPath: "/tmp/sk-bench-\(getpid())")
try? FileManager.default.removeItem(at: dataDirectory)
let cluster = EmbeddedPostgres(dataDirectory: dataDirectory, port: 5432)
print("starting PostgreSQL in \(dataDirectory.path)…")
try cluster.start(fastButUnsafe: true)
defer {
    try? cluster.stop()
    try? FileManager.default.removeItem(at: dataDirectory)
}
let configuration = ConnectionConfiguration(
    parameters: cluster.connectionParameters().sorted { $0.key < $1.key }.map { ($0.key, $0.value) })

do {
    let version = try await onOwnThread { try Connection.connect(configuration).serverVersion }
    print("server \(version), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(queries) × SELECT 1\n")

    // (a) One connection in a loop on a plain thread: libpq with nothing of ours in between.
    let raw = try await onOwnThread { () throws -> Double in
        let c = try Connection.connect(configuration)
        for _ in 0..<warmUp { try c.query("SELECT 1") }
        let start = ContinuousClock.now
        for _ in 0..<queries { try c.query("SELECT 1") }
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
    let a = report("(a) Connection loop on a plain thread", raw, queries)

    let pool = ConnectionPool(configuration: configuration, options: .init(maxConnections: 4))

    // (b) One hop onto the connection's thread per query, awaited one after another.
    for _ in 0..<warmUp { try await pool.withConnection { _ = try $0.query("SELECT 1") } }
    let b = report(
        "(b) pool.withConnection per query, sequential",
        try await seconds { for _ in 0..<queries { try await pool.withConnection { _ = try $0.query("SELECT 1") } } },
        queries)

    // The hop alone, with no query in it.
    let hop = report(
        "    pool.withConnection with an empty body (hop only)",
        try await seconds { for _ in 0..<queries { try await pool.withConnection { _ in } } }, queries)

    // (c) Every query inside a single hop.
    let c = report(
        "(c) \(queries) queries inside one withConnection",
        try await seconds {
            try await pool.withConnection { c in for _ in 0..<queries { try c.query("SELECT 1") } }
        }, queries)

    // (d) 8 tasks sharing a pool of 4.
    let tasks = 8
    let perTask = queries / tasks
    let d = report(
        "(d) \(tasks) tasks × \(perTask) over a pool of 4 (wall clock)",
        try await seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<tasks {
                    group.addTask {
                        for _ in 0..<perTask { try await pool.withConnection { _ = try $0.query("SELECT 1") } }
                    }
                }
                try await group.waitForAll()
            }
        }, perTask * tasks)
    await pool.close()

    print("")
    print(String(format: "overhead of (b) over (a): %+.1f µs/query (%+.0f%%)", b - a, (b - a) / a * 100))
    print(String(format: "overhead of (c) over (a): %+.1f µs/query", c - a))
    print(String(format: "hop alone: %.1f µs; (d) throughput: %.0f queries/s", hop, 1_000_000 / d))
    print("peak RSS (VmHWM): \(peakRSS())")
} catch {
    print("benchmark failed: \(error)")
    try? cluster.stop()
    try? FileManager.default.removeItem(at: dataDirectory)
    exit(1)
}
print("stopping PostgreSQL…")
