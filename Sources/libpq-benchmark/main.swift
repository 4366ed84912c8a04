// Measures what the dedicated-thread design costs against a plain libpq loop.
//
//   swift run -c release libpq-benchmark [queries] [rounds]
//
// Starts a throwaway cluster under /tmp, runs `SELECT 1` in each set-up once per round (interleaved, so that
// noise from other processes spreads evenly), prints the median and best µs per query and the peak RSS, and
// stops the cluster.
import EmbeddedPostgres
import Foundation
import LibPQ

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let queries = arguments.first ?? 20_000
let rounds = arguments.dropFirst().first ?? 3
let warmUp = max(queries / 10, 100)

/// Runs `body` on a thread of its own (libpq blocks) and returns its result to async code.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Seconds taken by `body`.
func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    return (ContinuousClock.now - start).seconds
}

/// A line of /proc/self/status, such as VmHWM (peak resident set size) or VmRSS.
func procStatus(_ key: String) -> String {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") })
    else { return "unknown" }
    return line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
}

/// One set-up: what it is, and µs per query in each round.
struct Measurement {
    let label: String
    var micros: [Double] = []
    var median: Double { micros.sorted()[micros.count / 2] }
    var best: Double { micros.min()! }
}

let dataDirectory = URL(fileURLWithPath: "/tmp/sk-bench-\(getpid())")
try? FileManager.default.removeItem(at: dataDirectory)
let cluster = EmbeddedPostgres(dataDirectory: dataDirectory, port: 5432)
print("starting PostgreSQL in \(dataDirectory.path)…")
try cluster.start(fastButUnsafe: true)

/// Stops the cluster and removes its folder.
func stopCluster() {
    print("stopping PostgreSQL…")
    do { try cluster.stop() } catch { print("could not stop PostgreSQL: \(error)") }
    try? FileManager.default.removeItem(at: dataDirectory)
}

let configuration = ConnectionConfiguration(
    parameters: cluster.connectionParameters().sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
let tasks = 8
let perTask = queries / tasks

do {
    let version = try await onOwnThread { try Connection.connect(configuration).serverVersion }
    print(
        "server \(version), \(ProcessInfo.processInfo.activeProcessorCount) cores, "
            + "\(queries) × SELECT 1 per set-up, \(rounds) rounds\n")

    let pool = ConnectionPool(configuration: configuration, options: .init(maxConnections: 4))
    for _ in 0..<warmUp { try await pool.withConnection { _ = try $0.query("SELECT 1") } }

    var raw = Measurement(label: "(a) Connection loop on a plain thread (raw libpq)")
    var perQuery = Measurement(label: "(b) await pool.withConnection per query, sequential")
    var hop = Measurement(label: "    await pool.withConnection, empty body (hop only)")
    var oneHop = Measurement(label: "(c) all queries inside one withConnection")
    var concurrent = Measurement(label: "(d) \(tasks) tasks × \(perTask) over a pool of 4 (wall clock)")
    var prepared = Measurement(label: "(e) a catalog join per withConnection, prepared")
    var unprepared = Measurement(label: "(f) the same, statement cache off")
    var transaction = Measurement(label: "(g) withTransaction { INSERT }, sequential")
    let uncachedPool = ConnectionPool(
        configuration: configuration, options: .init(maxConnections: 1, preparedStatementCacheSize: 0))
    try await pool.withConnection { _ = try $0.execute("CREATE TABLE IF NOT EXISTS bench (v integer)") }
    // A statement whose planning costs something, as the service's joins do.
    @Sendable func join(_ c: Connection) throws {
        _ = try c.query(
            """
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = 1 WHERE n.nspname = \("pg_catalog")
            """)
    }

    for _ in 0..<rounds {
        // (a) One connection in a loop on a plain thread: libpq with nothing of ours in between.
        let a = try await onOwnThread { () throws -> Double in
            let c = try Connection.connect(configuration)
            for _ in 0..<warmUp { try c.query("SELECT 1") }
            let start = ContinuousClock.now
            for _ in 0..<queries { try c.query("SELECT 1") }
            return (ContinuousClock.now - start).seconds
        }
        raw.micros.append(a * 1e6 / Double(queries))

        // (b) One hop onto the connection's thread per query, awaited one after another.
        let b = try await seconds {
            for _ in 0..<queries { try await pool.withConnection { _ = try $0.query("SELECT 1") } }
        }
        perQuery.micros.append(b * 1e6 / Double(queries))

        let h = try await seconds { for _ in 0..<queries { try await pool.withConnection { _ in } } }
        hop.micros.append(h * 1e6 / Double(queries))

        // (c) Every query inside a single hop.
        let c = try await seconds {
            try await pool.withConnection { c in for _ in 0..<queries { try c.query("SELECT 1") } }
        }
        oneHop.micros.append(c * 1e6 / Double(queries))

        // (d) More tasks than connections: half of them queue for a connection each time.
        let d = try await seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<tasks {
                    group.addTask {
                        for _ in 0..<perTask { try await pool.withConnection { _ = try $0.query("SELECT 1") } }
                    }
                }
                try await group.waitForAll()
            }
        }
        concurrent.micros.append(d * 1e6 / Double(perTask * tasks))

        // (e), (f): planning saved by the statement cache; (g): BEGIN with the statement, then COMMIT.
        let few = max(queries / 10, 100)
        let e = try await seconds { for _ in 0..<few { try await pool.withConnection { try join($0) } } }
        prepared.micros.append(e * 1e6 / Double(few))
        let f = try await seconds { for _ in 0..<few { try await uncachedPool.withConnection { try join($0) } } }
        unprepared.micros.append(f * 1e6 / Double(few))
        let g = try await seconds {
            for i in 0..<few {
                try await pool.withTransaction { _ = try $0.execute("INSERT INTO bench VALUES (\(Int32(i)))") }
            }
        }
        transaction.micros.append(g * 1e6 / Double(few))
    }
    await pool.close()
    await uncachedPool.close()

    print("set-up".padding(toLength: 62, withPad: " ", startingAt: 0) + "   median     best  (µs/query)")
    for m in [raw, perQuery, hop, oneHop, concurrent, prepared, unprepared, transaction] {
        print(
            m.label.padding(toLength: 62, withPad: " ", startingAt: 0) + String(format: "%9.1f%9.1f", m.median, m.best))
    }
    print("")
    let overhead = perQuery.median - raw.median
    print(
        String(
            format: "overhead of (b) over (a): %+.1f µs/query (%+.0f%%), best vs best %+.1f µs", overhead,
            overhead / raw.median * 100, perQuery.best - raw.best))
    print(String(format: "overhead of (c) over (a): %+.1f µs/query", oneHop.median - raw.median))
    print(String(format: "(d) throughput: %.0f queries/s", 1e6 / concurrent.median))
    print("peak RSS (VmHWM): \(procStatus("VmHWM")), now (VmRSS): \(procStatus("VmRSS"))")
} catch {
    print("benchmark failed: \(error)")
    stopCluster()
    exit(1)
}
stopCluster()
