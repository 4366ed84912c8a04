import Foundation

/// Records which threads make libpq calls (debug builds only), so tests can prove none of them is a
/// cooperative-pool thread.
public enum ThreadAudit {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var enabled = false
    nonisolated(unsafe) private static var libpqThreads = Set<UInt>()
    nonisolated(unsafe) private static var workerThreads = Set<UInt>()

    /// Starts recording (and clears what was recorded).
    public static func start() {
        lock.withLock {
            enabled = true
            libpqThreads.removeAll()
        }
    }

    /// Stops recording and returns the threads that made libpq calls since `start()`.
    @discardableResult
    public static func stop() -> Set<UInt> {
        lock.withLock {
            enabled = false
            return libpqThreads
        }
    }

    /// Every dedicated connection thread started so far.
    public static var connectionThreads: Set<UInt> { lock.withLock { workerThreads } }

    /// The calling thread's identity, comparable with what the audit records.
    public static var currentThread: UInt { key(pthread_self()) }

    static func key(_ t: pthread_t) -> UInt {
        #if canImport(Darwin)
            UInt(bitPattern: t)
        #else
            UInt(t)
        #endif
    }

    /// Called on every libpq call, so it costs nothing outside debug builds, where the tests use it.
    @inline(__always)
    static func record() {
        #if DEBUG
            lock.withLock {
                if enabled { libpqThreads.insert(currentThread) }
            }
        #endif
    }

    static func registerWorker(_ t: pthread_t) {
        lock.withLock { _ = workerThreads.insert(key(t)) }
    }
}
