import ArgumentParser
import EmbeddedPostgres
import Foundation
import LibPQ
import Logging
import PgbenchReplay
import Shinchoku
import ShinchokuReports

#if canImport(Glibc)
    import Glibc
#endif

/// Every line goes out at once (the output is often piped into a file while the bench runs).
func print(_ line: String = "") {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// `swift run -c release shinchoku-bench`: the service's save → submit → approve → reopen cycle against pgbench
/// replaying the service's own statements, interleaved in one run; HTTP with wrk; reports; import. Its last line is
/// `service/pgbench = R`, the ratio at 8 clients. docs/performance.md explains every line.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shinchoku-bench",
        abstract: "Measure the service against pgbench replaying its own statements (docs/performance.md).",
        discussion: """
            Starts its own PostgreSQL (fsync on) under /tmp unless --database-url (or DATABASE_URL) names a \
            superuser on a server whose shinchoku_app role can log in the same way; loads the demo into a \
            database of its own (shinchoku_bench) and connects as shinchoku_app, like shinchoku-server.
            """)

    @Option(help: "Seconds of each service run and each pgbench run.")
    var duration: Int = 8

    @Option(help: "Service and pgbench runs (interleaved) per client count.")
    var rounds: Int = 2

    @Option(help: "Client counts, comma-separated.")
    var clients: String = "1,8,32"

    @Option(
        help: ArgumentHelp(
            "The most connections of the service's pool (default: this machine's cores, which also run the bench's "
                + "PostgreSQL, its server and wrk).",
            discussion: "More connections than PostgreSQL has cores to run them only queue inside PostgreSQL, behind "
                + "the audit chain's lock (docs/performance.md)."))
    var poolSize: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    @Flag(help: "Skip the HTTP run with wrk.")
    var skipHTTP = false

    @Flag(help: "Skip the reports (seed and 100×) and the import.")
    var skipReports = false

    @Flag(help: "Skip the pgbench runs with row-level security or the audit chain's trigger turned off.")
    var skipOverheads = false

    @Option(help: "A superuser's postgresql:// URL (default DATABASE_URL; none: an embedded cluster).")
    var databaseURL: String?

    @Option(help: "pgbench (default /usr/lib/postgresql/<newest>/bin/pgbench, else /usr/bin/pgbench).")
    var pgbench: String?

    @Option(help: "wrk (default /usr/bin/wrk).")
    var wrk: String = "/usr/bin/wrk"

    func validate() throws {
        guard duration >= 1 else { throw ValidationError("--duration must be at least 1 second.") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1.") }
        guard (1...200).contains(poolSize) else { throw ValidationError("--pool-size takes a number from 1 to 200.") }
        guard !clientCounts.isEmpty, clientCounts.allSatisfy({ (1...200).contains($0) }) else {
            throw ValidationError("--clients takes numbers from 1 to 200, such as 1,8,32.")
        }
    }

    var clientCounts: [Int] {
        clients.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    func run() async throws {
        var logger = Logger(label: "shinchoku.bench")
        logger.logLevel = .warning
        let work = URL(fileURLWithPath: "/tmp/skb-\(getpid())", isDirectory: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        // World-readable: as root, the cluster runs as postgres, and pgbench reads its scripts from here.
        chmod(work.path, 0o755)
        let scripts = work.appendingPathComponent("scripts", isDirectory: true)
        try FileManager.default.createDirectory(at: scripts, withIntermediateDirectories: true)
        chmod(scripts.path, 0o755)
        let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"]
        print("starting PostgreSQL…")
        let database: BenchDatabase
        do {
            // initdb and pg_ctl block for seconds: on a thread of their own, not the cooperative pool.
            let directory = work.appendingPathComponent("pg")
            database = try await onOwnThread { try BenchDatabase.open(url: url, directory: directory) }
        } catch {
            print("cannot start or reach PostgreSQL: \(error)")
            print("service/pgbench = n/a")
            return
        }
        var ratio: Double?
        do {
            ratio = try await Bench(options: self, database: database, work: work, scripts: scripts, logger: logger)
                .run()
        } catch {
            print("the bench stopped early: \(error)")
        }
        await onOwnThread { database.close() }
        try? FileManager.default.removeItem(at: work)
        print("service/pgbench = \(ratio.map { String(format: "%.2f", $0) } ?? "n/a")")
    }
}

/// One run of the bench: everything between starting and stopping PostgreSQL.
struct Bench {
    let options: BenchCommand
    let database: BenchDatabase
    let work: URL
    let scripts: URL
    let logger: Logger

    static let main = "shinchoku_bench"
    static let scratch = "shinchoku_bench_scratch"

    var pgbench: String? {
        if let p = options.pgbench { return p }
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for v in versions where FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(v)/bin/pgbench") {
            return "/usr/lib/postgresql/\(v)/bin/pgbench"
        }
        return FileManager.default.isExecutableFile(atPath: "/usr/bin/pgbench") ? "/usr/bin/pgbench" : nil
    }

    /// Returns the service/pgbench ratio at 8 clients (or the client count nearest to it).
    func run() async throws -> Double? {
        let clock = ContinuousClock()
        let began = clock.now
        let s = try await database.settings()
        print(
            "PostgreSQL \(s.version), fsync=\(s.fsync), synchronous_commit=\(s.synchronousCommit), "
                + "full_page_writes=\(s.fullPageWrites); \(ProcessInfo.processInfo.activeProcessorCount) cores; "
                + "\(options.duration) s per run, \(options.rounds) round\(options.rounds == 1 ? "" : "s") per client count"
        )
        if s.fsync != "on" || s.synchronousCommit != "on" {
            print("WARNING: this server does not flush commits to disk; the figures are not comparable")
        }

        // The demo, as shinchoku-server --demo loads it, in a database of its own.
        try await database.recreate(Self.main)
        try await database.migrate(Self.main)
        let counts = options.clientCounts
        let maxClients = counts.max()!
        let appConfiguration = database.configuration(database: Self.main, user: DatabaseRoles.application)
        let setup = try await withConnectionPool(
            configuration: appConfiguration, options: productionPoolOptions(size: 2)
        ) { pool in
            let service = ShinchokuService(pool: pool, logger: logger)
            return try await service.prepareDemo(today: todayInJapan())
        }
        print(
            "demo loaded: \(setup.summary.projects) projects, \(setup.summary.indicators) indicators, "
                + "quarter \(setup.currentPeriod) open")
        let passwords = Dictionary(uniqueKeysWithValues: setup.accounts.map { ($0.login, $0.password) })
        let admin = ActorReference.login(ShinchokuService.demoAdmin)

        // Each client's figure, and bearer tokens as the API hands them out (the service resolves them per call).
        let figures = try await withConnectionPool(
            configuration: appConfiguration, options: productionPoolOptions(size: 2)
        ) { pool -> [BenchFigure] in
            let service = ShinchokuService(pool: pool, logger: logger)
            var figures = try await benchFigures(
                service: service, count: maxClients, firstPeriod: setup.currentPeriod, admin: admin,
                approver: .login(ShinchokuService.demoApprover))
            var tokens: [String: String] = [:]
            for login in Set(figures.map(\.clerkLogin) + [ShinchokuService.demoApprover]) {
                tokens[login] = try await service.login(login: login, password: passwords[login] ?? "").token
            }
            for i in figures.indices {
                figures[i].clerk = .session(token: tokens[figures[i].clerkLogin]!)
                figures[i].approver = .session(token: tokens[ShinchokuService.demoApprover]!)
            }
            try await startFigures(service: service, figures: figures)
            return figures
        }
        let periods = Set(figures.map(\.period)).sorted().map(\.description).joined(separator: ", ")
        print("\(figures.count) figures (one per client) in \(periods)")

        if !options.skipReports {
            await seedReports(appConfiguration, period: setup.currentPeriod.previous, reader: figures[0].approver)
        }

        // Capture: each figure's cycle twice through a pool of one connection, turned into its pgbench script.
        var replays: [ClientReplay] = []
        do {
            replays = try await capture(
                database: database, name: Self.main, figures: figures, directory: scripts, logger: logger)
            let r = replays[0]
            let steps = Step.allCases.map { "\($0.name) \(r.roundTrips[$0.rawValue])" }.joined(separator: ", ")
            let mean = Double(r.roundTrips.reduce(0, +)) / 4
            print(
                "round trips per call: \(steps) (mean \(String(format: "%.2f", mean))); statements per cycle "
                    + "\(r.script.statements), \(r.prepared) of \(r.recorded) recorded ones ran prepared")
        } catch {
            print("capture failed, pgbench cannot replay: \(error)")
        }
        let pgbench = self.pgbench
        if pgbench == nil { print("pgbench not found: install postgresql-client (or pass --pgbench)") }
        let conninfo = database.conninfo(database: Self.main, user: DatabaseRoles.application)

        // The runs: service, pgbench, service, pgbench… per client count.
        print("")
        print("clients  pool  round  service calls/s  p50 ms  p99 ms  errors | pgbench calls/s  replay check")
        var summary: [(clients: Int, service: Double, p50: Double, p99: Double, pgbench: Double?)] = []
        for n in counts {
            let pool = min(n, options.poolSize)
            let clientFigures = Array(figures.prefix(n))
            var service: [RunResult] = []
            var pg: [Double] = []
            do {
                try await withConnectionPool(
                    configuration: appConfiguration, options: productionPoolOptions(size: pool)
                ) {
                    p in
                    let svc = ShinchokuService(pool: p, logger: logger)
                    // Warm the pool's connections (and their statement caches) before measuring.
                    _ = await serviceRun(
                        service: svc, figures: clientFigures,
                        versions: try await figureVersions(database, Self.main, clientFigures), duration: .seconds(1))
                    for round in 1...options.rounds {
                        try await database.vacuum(Self.main)
                        let r = await serviceRun(
                            service: svc, figures: clientFigures,
                            versions: try await figureVersions(database, Self.main, clientFigures),
                            duration: .seconds(options.duration))
                        service.append(r)
                        var line = pad("\(n)", 7) + pad("\(pool)", 6) + pad("\(round)", 7)
                        line +=
                            pad(f0(r.callsPerSecond), 17) + pad(f1(r.percentile(0.5)), 8)
                            + pad(f1(r.percentile(0.99)), 8)
                        line += pad("\(r.errors)", 8) + " | "
                        if let pgbench, replays.count >= n {
                            try await database.vacuum(Self.main)
                            let before = try await figureVersions(database, Self.main, clientFigures)
                            // As many cycles per client as the service just ran, so both runs take about as long.
                            let cycles = max(20, Int(r.callsPerSecond * Double(options.duration) / 4 / Double(n)))
                            let result = await pgbenchRun(
                                pgbench: pgbench, conninfo: conninfo, replays: Array(replays.prefix(n)),
                                versions: before, transactions: cycles)
                            let after = try await figureVersions(database, Self.main, clientFigures)
                            let expected = zip(before, result.transactions).map { $0 + 4 * $1 }
                            let check = after == expected ? "ok" : "VERSIONS OFF (expected \(expected), got \(after))"
                            line += pad(f0(result.callsPerSecond), 16) + "  " + check
                            if result.failures.isEmpty { pg.append(result.callsPerSecond) }
                            for f in result.failures.prefix(3) { line += "\n    pgbench: \(f)" }
                        } else {
                            line += "         (none)"
                        }
                        if let e = r.firstError { line += "\n    service error: \(e)" }
                        print(line)
                    }
                }
            } catch {
                print("\(n) clients: stopped: \(error)")
            }
            guard !service.isEmpty else { continue }
            let all = service.flatMap(\.latencies)
            var merged = RunResult()
            merged.latencies = all
            summary.append(
                (
                    n, service.map(\.callsPerSecond).reduce(0, +) / Double(service.count), merged.percentile(0.5),
                    merged.percentile(0.99), pg.isEmpty ? nil : pg.reduce(0, +) / Double(pg.count)
                ))
        }

        print("")
        print("clients  service calls/s  p50 ms  p99 ms  pgbench -M prepared calls/s  service/pgbench")
        for s in summary {
            let ratio = s.pgbench.map { f2(s.service / $0) } ?? "n/a"
            print(
                pad("\(s.clients)", 9) + pad(f0(s.service), 17) + pad(f1(s.p50), 8) + pad(f1(s.p99), 8)
                    + pad(s.pgbench.map(f0) ?? "n/a", 29) + "  " + ratio)
        }
        let reference = summary.min { abs($0.clients - 8) < abs($1.clients - 8) }
        let referencePgbench = reference?.pgbench

        if !options.skipHTTP {
            await httpRun(
                appConfiguration, figures: Array(figures.prefix(8)), passwords: passwords,
                pgbenchCallsPerSecond: referencePgbench)
        }

        if !options.skipOverheads, let pgbench, replays.count >= 8 {
            // About `min(duration, 5)` seconds each at the 8-client replay's rate.
            let rate = referencePgbench ?? 400
            let cycles = max(20, Int(rate * Double(min(options.duration, 5)) / 4 / 8))
            await overheads(
                pgbench: pgbench, replays: Array(replays.prefix(8)), figures: Array(figures.prefix(8)),
                cyclesPerClient: cycles)
        }

        if !options.skipReports {
            await scaledReports()
        }

        print("")
        print("bench took \(Int((clock.now - began).seconds)) s")
        guard let reference, let p = reference.pgbench, p > 0 else { return nil }
        if reference.clients != 8 { print("(the ratio below is at \(reference.clients) clients)") }
        return reference.service / p
    }

    // MARK: Parts

    /// The seed report (the demo's approved quarter, 2021Q1) in HTML and JSON, as an approver reads it.
    func seedReports(_ configuration: ConnectionConfiguration, period: PeriodCode, reader: ActorReference) async {
        do {
            try await withConnectionPool(configuration: configuration, options: productionPoolOptions(size: 1)) {
                pool in
                let service = ShinchokuService(pool: pool, logger: logger)
                for format in [ReportFormat.html, .json] {
                    let t = try await medianReport(service, period: period, format: format, as: reader)
                    print(
                        "report \(period) (seed) \(format.rawValue): \(f1(t.seconds * 1000)) ms "
                            + "(median of \(t.runs), \(t.bytes) bytes)")
                }
            }
        } catch {
            print("seed report failed: \(error)")
        }
    }

    /// HTTP at 8 clients: the server's application in this process, wrk with a connection per figure.
    func httpRun(
        _ configuration: ConnectionConfiguration, figures: [BenchFigure], passwords: [String: String],
        pgbenchCallsPerSecond: Double?
    ) async {
        print("")
        guard FileManager.default.isExecutableFile(atPath: options.wrk) else {
            print("HTTP: skipped, wrk not found at \(options.wrk) (apt-get install wrk)")
            return
        }
        do {
            try await database.vacuum(Self.main)
            try await withConnectionPool(
                configuration: configuration, options: productionPoolOptions(size: options.poolSize)
            ) { pool in
                let service = ShinchokuService(pool: pool, logger: logger)
                var quiet = logger
                quiet.logLevel = .error
                let server = try await InProcessServer.start(
                    service: service, poolSize: options.poolSize, logger: quiet)
                do {
                    var tokens: [String: String] = [:]
                    for login in Set(figures.map(\.clerkLogin) + [ShinchokuService.demoApprover]) {
                        tokens[login] = try await apiLogin(
                            port: server.port, login: login, password: passwords[login] ?? "")
                    }
                    func specs() async throws -> [String] {
                        let versions = try await figureVersions(database, Self.main, figures)
                        return zip(figures, versions).map { f, v in
                            "\(f.period)|\(f.indicator)|\(v)|\(tokens[f.clerkLogin]!)|\(tokens[ShinchokuService.demoApprover]!)"
                        }
                    }
                    // A warm-up, as the service runs have: the server's pool opens its connections, and their
                    // backends prepare the statements and load the catalogs and functions they use.
                    _ = try await wrkRun(
                        wrk: options.wrk, port: server.port, threads: try await specs(), seconds: 2, directory: work)
                    for f in figures { try await service.settleAfterWrk(f) }
                    let r = try await wrkRun(
                        wrk: options.wrk, port: server.port, threads: try await specs(), seconds: options.duration,
                        directory: work)
                    let ratio =
                        pgbenchCallsPerSecond.map {
                            " | pgbench \(f0($0)) calls/s | HTTP/pgbench \(f2(r.requestsPerSecond / $0))"
                        } ?? ""
                    print(
                        "HTTP (wrk, \(figures.count) connections, pool \(options.poolSize)): \(f0(r.requestsPerSecond)) req/s, "
                            + "p50 \(f1(r.p50)) ms, "
                            + "p99 \(f1(r.p99)) ms, \(r.failed) of \(r.requests) not 2xx" + ratio)
                    for f in r.firstFailures { print("    \(f)") }
                } catch {
                    print("HTTP run failed: \(error)")
                }
                await server.stop()
                // wrk stops mid-cycle: finish each figure's cycle so that later runs start where a cycle starts.
                for f in figures { try? await service.settleAfterWrk(f) }
            }
        } catch {
            print("HTTP run failed: \(error)")
        }
    }

    /// pgbench at 8 clients on a scratch copy as it is, with row-level security off, and with the audit chain's
    /// trigger off: what each costs PostgreSQL.
    func overheads(pgbench: String, replays: [ClientReplay], figures: [BenchFigure], cyclesPerClient: Int) async {
        print("")
        do {
            try await database.recreate(Self.scratch, template: Self.main)
            let conninfo = database.conninfo(database: Self.scratch, user: DatabaseRoles.application)
            func run(_ label: String) async throws -> Double {
                try await database.vacuum(Self.scratch)
                let before = try await figureVersions(database, Self.scratch, figures)
                let r = await pgbenchRun(
                    pgbench: pgbench, conninfo: conninfo, replays: replays, versions: before,
                    transactions: cyclesPerClient)
                let after = try await figureVersions(database, Self.scratch, figures)
                let ok = after == zip(before, r.transactions).map { $0 + 4 * $1 } && r.failures.isEmpty
                print(
                    "pgbench 8 clients, scratch copy, \(label): \(f0(r.callsPerSecond)) calls/s"
                        + (ok ? "" : " (replay check failed: \(r.failures.first ?? "versions off"))"))
                return r.callsPerSecond
            }
            let base = try await run("as is")
            try await database.asSuperuser(Self.scratch) { c in
                let tables = try c.query(
                    "SELECT relname::text FROM pg_class WHERE relrowsecurity AND relnamespace = 'public'::regnamespace"
                ).decodeColumn(String.self)
                for t in tables {
                    try c.execute("ALTER TABLE \(identifier: t) NO FORCE ROW LEVEL SECURITY")
                    try c.execute("ALTER TABLE \(identifier: t) DISABLE ROW LEVEL SECURITY")
                }
            }
            let noRLS = try await run("row-level security off")
            try await database.asSuperuser(Self.scratch) { c in
                let tables = try c.query(
                    "SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = pg_class.oid)"
                ).decodeColumn(String.self)
                for t in tables {
                    try c.execute("ALTER TABLE \(identifier: t) ENABLE ROW LEVEL SECURITY")
                    try c.execute("ALTER TABLE \(identifier: t) FORCE ROW LEVEL SECURITY")
                }
                // Without the trigger nothing fills the chain's columns.
                try c.executeScript(
                    unsafeSQL: """
                        ALTER TABLE audit_events DISABLE TRIGGER audit_events_zz_chain;
                        ALTER TABLE audit_events ALTER COLUMN chain_seq DROP NOT NULL, ALTER COLUMN prev_hash DROP NOT NULL,
                            ALTER COLUMN hash DROP NOT NULL;
                        """)
            }
            let noChain = try await run("audit chain trigger off")
            print(
                "row-level security costs \(pct(1 - base / noRLS)) of pgbench's throughput; the audit chain's trigger "
                    + "and head lock \(pct(1 - base / noChain))")
        } catch {
            print("overhead runs failed: \(error)")
        }
        await database.drop(Self.scratch)
    }

    /// Reports at 100× scale with 2 and 40 quarters of history (helper C's ScaledDemo), then the import.
    func scaledReports() async {
        print("")
        var importDatabase = Self.main
        for quarters in [2, 40] {
            let name = "shinchoku_bench_x100_q\(quarters)"
            do {
                try await database.recreate(name)
                try await database.migrate(name)
                let configuration = database.configuration(database: name, user: DatabaseRoles.application)
                let clock = ContinuousClock()
                let start = clock.now
                try await withConnectionPool(configuration: configuration, options: productionPoolOptions(size: 2)) {
                    pool in
                    _ = try await ShinchokuService(pool: pool, logger: logger).loadDemoData(as: .local)
                }
                try await ScaledDemo.load(
                    scale: 100, quarters: quarters, superuser: database.configuration(database: name), logger: logger)
                let loaded = (clock.now - start).seconds
                try await database.settleAfterLoad(name)
                try await withConnectionPool(configuration: configuration, options: productionPoolOptions(size: 1)) {
                    pool in
                    let service = ShinchokuService(pool: pool, logger: logger)
                    let plan = try await service.projects(as: .login(ShinchokuService.demoApprover))
                    let period = try await latestReportedPeriod(database, name)
                    var line = "report 100× (\(plan.count) projects, \(plan.reduce(0) { $0 + $1.indicators.count }) "
                    line += "indicators), \(quarters) quarters, \(period):"
                    for format in [ReportFormat.html, .json] {
                        let t = try await medianReport(
                            service, period: period, format: format, as: .login(ShinchokuService.demoApprover), runs: 3)
                        line += " \(format.rawValue) \(f0(t.seconds * 1000)) ms (read \(f0(t.read * 1000)))"
                    }
                    print(line + " (loaded in \(Int(loaded)) s)")
                }
                if quarters == 2 {
                    importDatabase = name
                } else {
                    await database.drop(name)
                }
            } catch {
                print("report 100×, \(quarters) quarters: failed: \(error)")
                await database.drop(name)
            }
        }

        do {
            let configuration = database.configuration(database: importDatabase, user: DatabaseRoles.application)
            try await withConnectionPool(configuration: configuration, options: productionPoolOptions(size: 2)) {
                pool in
                let service = ShinchokuService(pool: pool, logger: logger)
                let r = try await timeImport(
                    service: service, rows: 10_000, admin: .login(ShinchokuService.demoAdmin), budget: .seconds(30),
                    logger: logger)
                print(
                    "import (an admin for every department, importFigures, one call per quarter, \(r.calls) calls): "
                        + "\(r.rows) rows in \(f2(r.seconds)) s = \(f0(Double(r.rows) / r.seconds)) rows/s"
                        + (r.rows < r.planned ? " (stopped after 30 s; \(r.planned) rows planned)" : ""))
            }
        } catch {
            print("import failed: \(error)")
        }
        if importDatabase != Self.main { await database.drop(importDatabase) }
    }
}

/// Today in Japan, where the prefecture's periods begin and end.
func todayInJapan() -> CalendarDate {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Asia/Tokyo") ?? .current
    let c = calendar.dateComponents([.year, .month, .day], from: Date())
    return CalendarDate(year: c.year!, month: c.month!, day: c.day!)!
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : String(repeating: " ", count: width - s.count) + s
}
func f0(_ x: Double) -> String { String(format: "%.0f", x) }
func f1(_ x: Double) -> String { String(format: "%.1f", x) }
func f2(_ x: Double) -> String { String(format: "%.2f", x) }
func pct(_ x: Double) -> String { String(format: "%.0f%%", x * 100) }
