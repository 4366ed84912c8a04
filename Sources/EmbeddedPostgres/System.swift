import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An OS account, as far as running PostgreSQL's programs needs it.
struct OSUser: Sendable, Equatable {
    let name: String
    let uid: uid_t
    let gid: gid_t
}

/// What a finished command left behind.
struct CommandResult: Sendable {
    /// The argv actually executed (including any `runuser` prefix).
    let argv: [String]
    /// The exit status (or the signal number when killed by a signal).
    let status: Int32
    /// Combined stdout and stderr.
    let output: String
}

/// Thin, internal wrappers around POSIX and `Process`.
enum System {
    /// Whether the current process runs with effective uid 0.
    static var isRoot: Bool { geteuid() == 0 }

    /// The account called `name`, from the password database (`getpwnam_r`).
    static func user(named name: String) -> OSUser? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 64 * 1024)
        let status = getpwnam_r(name, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return OSUser(name: name, uid: entry.pw_uid, gid: entry.pw_gid)
    }

    /// The account with uid `uid`, from the password database (`getpwuid_r`).
    static func user(uid: uid_t) -> OSUser? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 64 * 1024)
        let status = getpwuid_r(uid, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil, let name = entry.pw_name else { return nil }
        return OSUser(name: String(cString: name), uid: entry.pw_uid, gid: entry.pw_gid)
    }

    /// Whether `pid` names a live (non-zombie) process, whoever owns it.
    static func processIsAlive(pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) != 0 && errno != EPERM { return false }
        #if os(Linux)
            // A zombie still answers kill(0); /proc tells the truth.
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            {
                let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
                if state == "Z" || state == "X" { return false }
            }
        #endif
        return true
    }

    /// Whether the process `pid` runs a program called postgres/postmaster (true when that cannot be told).
    static func processLooksLikePostgres(pid: pid_t) -> Bool {
        #if os(Linux)
            guard let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return true }
            return comm.contains("postgres") || comm.contains("postmaster")
        #else
            return true
        #endif
    }

    /// Whether `path` is an executable regular file (symlinks followed).
    static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return false
        }
        return access(path, X_OK) == 0
    }

    /// Whether the C library can load locale `name` (used to pick C.UTF-8 or fall back to C).
    static func localeIsAvailable(_ name: String) -> Bool {
        #if canImport(Glibc) || canImport(Musl)
            guard let locale = newlocale(LC_CTYPE_MASK | LC_COLLATE_MASK, name, nil) else { return false }
            freelocale(locale)
            return true
        #else
            return FileManager.default.fileExists(atPath: "/usr/share/locale/\(name)")
        #endif
    }

    /// The canonical absolute path of an existing file (`realpath(3)`), or nil.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Creates directory `path` (parents with default permissions, the leaf with `mode`) unless it exists.
    static func createDirectory(_ path: String, mode: mode_t) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw SystemError("\(path) exists and is not a directory") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw SystemError("cannot create \(path): \(errnoText())")
        }
        if chmod(path, mode) != 0 {
            throw SystemError("cannot chmod \(path): \(errnoText())")
        }
    }

    /// Gives `user` ownership of `path` (not recursive) and sets its mode.
    static func chown(_ path: String, to user: OSUser, mode: mode_t) throws {
        #if canImport(Glibc)
            let changed = Glibc.chown(path, user.uid, user.gid)
        #elseif canImport(Musl)
            let changed = Musl.chown(path, user.uid, user.gid)
        #else
            let changed = Darwin.chown(path, user.uid, user.gid)
        #endif
        guard changed == 0 else {
            throw SystemError("cannot chown \(path) to \(user.name): \(errnoText())")
        }
        guard chmod(path, mode) == 0 else {
            throw SystemError("cannot chmod \(path): \(errnoText())")
        }
    }

    /// Owner uid and permission bits of `path`, or nil if it cannot be stat'ed.
    static func ownerAndMode(_ path: String) -> (uid: uid_t, gid: gid_t, mode: mode_t)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (info.st_uid, info.st_gid, info.st_mode)
    }

    /// Adds the search (x) bit that `user` needs to every ancestor directory of `path` (both as written and resolved).
    static func makeAncestorsTraversable(of path: String, for user: OSUser) throws {
        var ancestors: [String] = []
        for candidate in [path, realPath(path) ?? path] {
            var directory = (candidate as NSString).deletingLastPathComponent
            while !directory.isEmpty {
                if !ancestors.contains(directory) { ancestors.append(directory) }
                if directory == "/" { break }
                directory = (directory as NSString).deletingLastPathComponent
            }
        }
        for directory in ancestors {
            guard let (uid, gid, mode) = ownerAndMode(directory) else { continue }
            let needed: mode_t = uid == user.uid ? 0o100 : (gid == user.gid ? 0o010 : 0o001)
            if mode & needed != 0 { continue }
            guard chmod(directory, (mode & 0o7777) | needed) == 0 else {
                throw SystemError(
                    "\(directory) is not traversable by \(user.name) and chmod failed: \(errnoText())"
                )
            }
        }
    }

    /// `command` as the argv to execute: unchanged, or run as `user` via `runuser` (no shell) or, lacking it, `su`.
    static func argv(_ command: [String], as user: OSUser?) -> [String] {
        guard let user else { return command }
        for runuser in ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"] where isExecutableFile(runuser) {
            return [runuser, "-u", user.name, "--"] + command
        }
        let su = ["/bin/su", "/usr/bin/su"].first(where: isExecutableFile) ?? "su"
        return [su, "-s", "/bin/sh", "-c", "exec " + command.map(shellQuoted).joined(separator: " "), user.name]
    }

    /// Runs `command` (as `user` when given) with stdin from /dev/null and stdout+stderr captured, and waits for it.
    ///
    /// This deliberately avoids Foundation's `Process`: on Linux it detects a child's exit by the EOF of a socket
    /// the child inherits, and the postmaster that `pg_ctl start` leaves behind would inherit it too, so
    /// `waitUntilExit()` would never return. Here the child gets only fds 0-2 (all others are closed), output goes
    /// to a temporary file (a daemon cannot hold a pipe open), and `waitpid` waits for exactly that child.
    static func run(_ command: [String], as user: OSUser? = nil) throws -> CommandResult {
        let argv = argv(command, as: user)
        var template = Array(
            FileManager.default.temporaryDirectory.appendingPathComponent("embedded-postgres-XXXXXX").path.utf8CString)
        let outputFD = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard outputFD >= 0 else { throw SystemError("cannot create a temporary file: \(errnoText())") }
        _ = fcntl(outputFD, F_SETFD, FD_CLOEXEC)  // only our child gets it, through dup2
        let outputPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer {
            close(outputFD)
            unlink(outputPath)
        }
        // PG* variables are for clients; keep them away from initdb, pg_ctl and the server.
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }.map { "\($0)=\($1)" }
        let pid = try spawn(argv, environment: environment, outputFD: outputFD)
        let status = wait(for: pid)
        let output =
            (try? String(contentsOfFile: outputPath, encoding: .utf8))
            ?? String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        return CommandResult(argv: argv, status: status, output: output)
    }

    /// `posix_spawn`s `argv` (absolute path first) in "/", stdin /dev/null, stdout+stderr to `outputFD`, no other fds,
    /// default signal handlers and an empty signal mask.
    private static func spawn(_ argv: [String], environment: [String], outputFD: Int32) throws -> pid_t {
        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t?
            var attributes: posix_spawnattr_t?
        #else
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 1)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 2)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
            posix_spawn_file_actions_addchdir_np(&actions, "/")
            flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #else
            // glibc's *_np actions are not in the Swift Glibc module; look them up (closefrom: glibc 2.34+).
            if let addChdir = SpawnExtensions.addChdir { _ = addChdir(&actions, "/") }
            if let addClosefrom = SpawnExtensions.addClosefrom {
                _ = addClosefrom(&actions, 3)
            } else {
                for fd in openFileDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
            }
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD] {
            sigaddset(&defaultSignals, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in cArguments + cEnvironment { free(pointer) }
        }
        var pid = pid_t()
        let status = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
        guard status == 0 else {
            throw SystemError(String(cString: strerror(status)))
        }
        return pid
    }

    /// Waits for child `pid`; its exit status, or 128 + the signal that killed it.
    private static func wait(for pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    #if !canImport(Darwin)
        /// The descriptors open in this process (from /proc/self/fd), for libcs without closefrom.
        private static func openFileDescriptors() -> [Int32] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return names.compactMap { Int32($0) }
        }
    #endif

    /// `strerror(errno)` as a String.
    static func errnoText() -> String { String(cString: strerror(errno)) }
}

#if !canImport(Darwin)
    /// glibc's non-portable spawn file actions, resolved at run time (nil when the C library lacks them).
    enum SpawnExtensions {
        typealias AddChdir =
            @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>)
            -> Int32
        typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

        static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
        static let addClosefrom: AddClosefrom? = symbol("posix_spawn_file_actions_addclosefrom_np")

        private static func symbol<T>(_ name: String) -> T? {
            guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else { return nil }
            return unsafeBitCast(address, to: T.self)
        }
    }
#endif

/// A plain failure of a system call, wrapped into `EmbeddedPostgresError` by the caller.
struct SystemError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
