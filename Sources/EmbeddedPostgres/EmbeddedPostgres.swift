import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throwaway PostgreSQL cluster run from the machine's own binaries, reachable only through a Unix socket in its data directory.
///
/// Keep the data directory path short: the socket `<dataDirectory>/.s.PGSQL.<port>` must fit in 107 bytes (103 on macOS).
/// As root, `initdb` and `pg_ctl` run as the `postgres` OS user, which then owns the data directory.
public struct EmbeddedPostgres: Sendable {
    /// The cluster's data directory (absolute); it also holds the Unix socket and `server.log`.
    public let dataDirectory: URL
    /// The directory of the Unix socket the server listens on: the data directory itself (no TCP, `listen_addresses=''`).
    public var socketDirectory: String { dataDirectory.path }
    /// The port number; with no TCP listener it only names the socket file `.s.PGSQL.<port>`.
    public let port: Int
    /// Where initdb, pg_ctl and postgres live; nil means `locateBinaries()` at each start/stop.
    let binDirectory: URL?

    /// Describes a cluster in `dataDirectory` (made absolute); nothing happens until `start()`.
    public init(dataDirectory: URL, port: Int = 5432, binDirectory: URL? = nil) {
        self.dataDirectory = dataDirectory.absoluteURL.standardizedFileURL
        self.port = port
        self.binDirectory = binDirectory
    }

    /// The Unix socket's path, `<socketDirectory>/.s.PGSQL.<port>`.
    var socketPath: String { "\(socketDirectory)/.s.PGSQL.\(port)" }
    /// The server's log file, `<dataDirectory>/server.log`.
    var serverLogPath: String { "\(dataDirectory.path)/server.log" }

    /// Longest socket path the kernel accepts (`sizeof(sun_path) - 1`).
    #if os(Linux)
        static let maximumSocketPathLength = 107
    #else
        static let maximumSocketPathLength = 103
    #endif

    /// Serializes start and stop within this process.
    private static let lock = NSLock()

    /// libpq keyword/value connection parameters: host (socket dir), port, user "postgres", dbname "postgres".
    public func connectionParameters(database: String = "postgres") -> [String: String] {
        ["host": socketDirectory, "port": String(port), "user": "postgres", "dbname": database]
    }

    /// Whether a live postmaster owns the data directory (per `postmaster.pid`).
    public var isRunning: Bool { runningPID() != nil }

    // MARK: Locating binaries

    /// Finds initdb/pg_ctl/postgres: `pg_config --bindir` first, then /usr/lib/postgresql/<newest>/bin, /usr/local/opt/libpq/bin, /opt/homebrew/bin, /usr/local/bin, PATH.
    public static func locateBinaries() throws -> URL {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "")
            .split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        var candidates: [String] = []
        if let pgConfig = path.map({ $0 + "/pg_config" }).first(where: System.isExecutableFile),
            let result = try? System.run([pgConfig, "--bindir"]), result.status == 0
        {
            let directory = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            if !directory.isEmpty { candidates.append(directory) }
        }
        candidates += debianVersionDirectories().map { "/usr/lib/postgresql/\($0)/bin" }
        candidates += ["/usr/local/opt/libpq/bin", "/opt/homebrew/bin", "/usr/local/bin"] + path
        for directory in candidates
        where ["initdb", "pg_ctl", "postgres"].allSatisfy({
            System.isExecutableFile("\(directory)/\($0)")
        }) {
            return URL(fileURLWithPath: directory, isDirectory: true)
        }
        var unique: [String] = []
        for directory in candidates where !unique.contains(directory) { unique.append(directory) }
        throw EmbeddedPostgresError(
            step: .locate,
            message: "no directory holds initdb, pg_ctl and postgres; install the PostgreSQL server "
                + "(Debian: apt-get install postgresql). Searched: \(unique.joined(separator: ", "))"
        )
    }

    /// The version folders under /usr/lib/postgresql, newest first ("17", "15", "9.6").
    private static func debianVersionDirectories() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let versions = names.compactMap { name -> (String, [Int])? in
            let parts = name.split(separator: ".").map { Int($0) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
            return (name, parts.map { $0! })
        }
        return versions.sorted { $0.1.lexicographicallyPrecedes($1.1) }.reversed().map(\.0)
    }

    // MARK: Start and stop

    /// Runs initdb if there is no PG_VERSION yet (trust, user postgres, UTF8, C.UTF-8 or C; --no-sync when `fastButUnsafe`), then `pg_ctl start -w` on the Unix socket only (fsync, synchronous_commit, full_page_writes off when `fastButUnsafe`), logging to <data>/server.log; reuses a server already running there. Idempotent.
    ///
    /// Returns true when this call started the server, false when it was running already: stop only what you started.
    @discardableResult
    public func start(fastButUnsafe: Bool = false) throws -> Bool {
        try Self.lock.withLock {
            try checkPaths()
            waitWhileStartingOrStopping()
            if let pid = runningPID() {
                guard FileManager.default.fileExists(atPath: socketPath) else {
                    throw EmbeddedPostgresError(
                        step: .start,
                        message: "a server (pid \(pid)) already runs on \(dataDirectory.path) but has no socket "
                            + "\(socketPath) (another port or socket directory?); stop it first: pg_ctl stop -D \(shellQuoted(dataDirectory.path))",
                        serverLog: Self.readTail(serverLogPath)
                    )
                }
                return false
            }
            let binaries = try binDirectory ?? Self.locateBinaries()
            let initialized = FileManager.default.fileExists(atPath: "\(dataDirectory.path)/PG_VERSION")
            if !initialized {
                try initialize(binaries: binaries, fastButUnsafe: fastButUnsafe)
            }
            try launch(binaries: binaries, fastButUnsafe: fastButUnsafe)
            return true
        }
    }

    /// `pg_ctl stop -m fast -w`. Safe to call twice or when not running.
    public func stop() throws {
        try Self.lock.withLock {
            waitWhileStartingOrStopping()
            guard runningPID() != nil else { return }
            let binaries = try binDirectory ?? Self.locateBinaries()
            let command = [
                binaries.appendingPathComponent("pg_ctl").path, "stop", "-D", dataDirectory.path, "-m", "fast", "-w",
                "-t", "60",
            ]
            do {
                try run(.stop, command, as: try clusterUser(for: .stop))
            } catch {
                // Someone else may have stopped it in the meantime; only a server that is still up is a failure.
                if runningPID() != nil { throw error }
            }
        }
    }

    /// Creates the data directory (owned by `postgres` when root) and runs initdb in it.
    private func initialize(binaries: URL, fastButUnsafe: Bool) throws {
        let path = dataDirectory.path
        let owner = try clusterUser(for: .initdb)
        do {
            try System.createDirectory(path, mode: 0o700)
            if let owner {
                try System.makeAncestorsTraversable(of: path, for: owner)
                if let current = System.ownerAndMode(path), current.uid != owner.uid {
                    let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                    guard contents.isEmpty else {
                        throw SystemError(
                            "\(path) is not empty and is owned by uid \(current.uid), not by \(owner.name); "
                                + "use an empty or new directory")
                    }
                    try System.chown(path, to: owner, mode: 0o700)
                }
            }
        } catch let error as EmbeddedPostgresError {
            throw error
        } catch {
            throw EmbeddedPostgresError(step: .initdb, message: "cannot prepare the data directory: \(error)")
        }
        let locale = System.localeIsAvailable("C.UTF-8") ? "C.UTF-8" : "C"
        var command = [
            binaries.appendingPathComponent("initdb").path, "-D", path, "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=\(locale)",
        ]
        if fastButUnsafe { command.append("--no-sync") }
        try run(.initdb, command, as: owner)
    }

    /// Runs `pg_ctl start -w` with the server listening only on the Unix socket in the data directory.
    private func launch(binaries: URL, fastButUnsafe: Bool) throws {
        let owner = try clusterUser(for: .start)
        if let owner {
            do {
                try System.makeAncestorsTraversable(of: dataDirectory.path, for: owner)
            } catch {
                throw EmbeddedPostgresError(step: .start, message: "\(error)")
            }
        }
        // pg_ctl hands -o to /bin/sh, hence the quoting; listen_addresses='' turns TCP off.
        var options = "-k \(shellQuoted(socketDirectory)) -c listen_addresses='' -p \(port)"
        if fastButUnsafe {
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        }
        let command = [
            binaries.appendingPathComponent("pg_ctl").path, "start", "-D", dataDirectory.path, "-w", "-t", "60",
            "-l", serverLogPath, "-o", options,
        ]
        try run(.start, command, as: owner)
    }

    /// The account initdb and pg_ctl must run as: nil (ourselves) unless root; then the data directory's owner, or `postgres`.
    private func clusterUser(for step: EmbeddedPostgresError.Step) throws -> OSUser? {
        guard System.isRoot else { return nil }
        if let owner = System.ownerAndMode(dataDirectory.path), owner.uid != 0,
            FileManager.default.fileExists(atPath: "\(dataDirectory.path)/PG_VERSION"),
            let user = System.user(uid: owner.uid)
        {
            return user
        }
        guard let postgres = System.user(named: "postgres") else {
            throw EmbeddedPostgresError(
                step: step,
                message: "running as root, but initdb and pg_ctl refuse root and there is no 'postgres' OS user "
                    + "to run them as; create it (Debian: apt-get install postgresql does) or run as a non-root user"
            )
        }
        return postgres
    }

    /// Runs one step's command; a launch failure or a non-zero exit becomes an `EmbeddedPostgresError`.
    private func run(_ step: EmbeddedPostgresError.Step, _ command: [String], as user: OSUser?) throws {
        let result: CommandResult
        do {
            result = try System.run(command, as: user)
        } catch {
            throw EmbeddedPostgresError(
                step: step, message: "cannot run \(command[0]): \(error)", command: System.argv(command, as: user))
        }
        guard result.status == 0 else {
            let program = (command[0] as NSString).lastPathComponent
            throw EmbeddedPostgresError(
                step: step, message: "\(program) exited with status \(result.status)", command: result.argv,
                exitCode: result.status, output: result.output,
                serverLog: step == .initdb ? "" : Self.readTail(serverLogPath))
        }
    }

    // MARK: Paths and state

    /// Rejects ports out of range, characters pg_ctl's shell command or the socket list would misread, and socket paths too long.
    private func checkPaths() throws {
        guard (1...65535).contains(port) else {
            throw EmbeddedPostgresError(step: .start, message: "port \(port) is not in 1...65535")
        }
        let path = dataDirectory.path
        // pg_ctl puts -D and -l in double quotes for /bin/sh; unix_socket_directories is a comma-separated list.
        if let bad = path.unicodeScalars.first(where: { "\"$`\\,".unicodeScalars.contains($0) || $0.value < 0x20 }) {
            throw EmbeddedPostgresError(
                step: .start,
                message:
                    "data directory \(path) contains \(bad.escaped(asASCII: true)), which pg_ctl cannot pass safely; choose another path"
            )
        }
        let length = socketPath.utf8.count
        guard length <= Self.maximumSocketPathLength else {
            throw EmbeddedPostgresError(
                step: .start,
                message: "the Unix socket path \(socketPath) is \(length) bytes, over the limit of "
                    + "\(Self.maximumSocketPathLength); use a shorter data directory (e.g. /tmp/sk-<random>)"
            )
        }
    }

    /// The fields of `postmaster.pid`: pid (line 1) and status (line 8: starting, ready, stopping).
    private func pidFile() -> (pid: pid_t, status: String?)? {
        guard let text = try? String(contentsOfFile: "\(dataDirectory.path)/postmaster.pid", encoding: .utf8) else {
            return nil
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, let pid = pid_t(first.trimmingCharacters(in: .whitespaces)) else { return nil }
        let status = lines.count > 7 ? lines[7].trimmingCharacters(in: .whitespaces) : nil
        return (pid, status)
    }

    /// The postmaster's pid if `postmaster.pid` names a live postgres process.
    func runningPID() -> pid_t? {
        guard let pid = pidFile()?.pid, System.processIsAlive(pid: pid), System.processLooksLikePostgres(pid: pid)
        else {
            return nil
        }
        return pid
    }

    /// Waits (up to 60 s) while another process is in the middle of starting or stopping this cluster.
    private func waitWhileStartingOrStopping() {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, let file = pidFile(), file.status == "starting" || file.status == "stopping",
            runningPID() != nil
        {
            usleep(100_000)
        }
    }

    /// The last lines of a log file, or "" if it cannot be read.
    static func readTail(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return EmbeddedPostgresError.tail(String(decoding: data.suffix(16 * 1024), as: UTF8.self))
    }
}
