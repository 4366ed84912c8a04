import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The demo's claim on its data directory: an exclusive `flock` on `<data directory>.lock`, held while the demo runs.
///
/// A second `shinchoku-server --demo` on the same directory finds it taken, says which demo holds it, and exits
/// without touching that demo's PostgreSQL. The kernel drops the lock when its process ends, however it ends, so a
/// killed demo never blocks the next one.
final class DemoLock: Sendable {
    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Takes the lock of `dataDirectory`, or throws ``ServerStartError`` naming the demo that holds it.
    static func acquire(for dataDirectory: URL, url: String) throws -> DemoLock {
        let path = dataDirectory.standardizedFileURL.path + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ServerStartError(message: "Cannot open \(path): \(String(cString: strerror(errno))).")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            let who = holder.flatMap { $0.isEmpty ? nil : " (\($0))" } ?? ""
            throw ServerStartError(
                message: "A Shinchoku demo is already running on \(dataDirectory.path)\(who). Use it, or stop it "
                    + "(Ctrl-C in its terminal) before starting another; this one changed nothing.")
        }
        let note = "pid \(getpid()), serving at \(url)\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { write(fd, $0, strlen($0)) }
        return DemoLock(path: path, descriptor: fd)
    }
}
