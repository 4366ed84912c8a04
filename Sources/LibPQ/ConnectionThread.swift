import Foundation

/// Records which threads make libpq calls (debug builds only), so tests can prove none of them is a
/// cooperative-pool thread.
public enum ThreadAudit {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var enabled = false
    nonisolated(unsafe) private static var libpqThreads = Set<UInt>()
    /// Connection threads that are running now: a thread's id is reused once it has ended, by any new thread.
    nonisolated(unsafe) private static var workerThreads = Set<UInt>()
    nonisolated(unsafe) private static var offWorkerThreads = Set<UInt>()

    /// Starts recording (and clears what was recorded).
    public static func start() {
        lock.withLock {
            enabled = true
            libpqThreads.removeAll()
            offWorkerThreads.removeAll()
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

    /// The dedicated connection threads running now.
    public static var connectionThreads: Set<UInt> { lock.withLock { workerThreads } }

    /// Threads that made a libpq call since `start()` while they were not a running connection thread. Checked at
    /// the call itself, so an id that a later thread reuses cannot hide or fake a violation.
    public static var threadsOffConnectionThreads: Set<UInt> { lock.withLock { offWorkerThreads } }

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
                if enabled {
                    let current = currentThread
                    libpqThreads.insert(current)
                    if !workerThreads.contains(current) { offWorkerThreads.insert(current) }
                }
            }
        #endif
    }

    static func registerWorker(_ t: pthread_t) {
        lock.withLock { _ = workerThreads.insert(key(t)) }
    }

    static func unregisterWorker(_ t: pthread_t) {
        lock.withLock { _ = workerThreads.remove(key(t)) }
    }
}
