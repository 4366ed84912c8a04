import Foundation

/// A thread of its own that runs jobs one at a time, so that a connection's blocking libpq calls
/// never occupy a thread of Swift's cooperative pool.
final class ConnectionThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false
    private var thread: Thread?
    private(set) var threadID: pthread_t?

    init(name: String) {
        let t = Thread { [unowned self] in self.run() }
        t.name = name
        t.stackSize = 1 << 20
        thread = t
        condition.lock()
        t.start()
        while threadID == nil { condition.wait() }
        condition.unlock()
    }

    private func run() {
        condition.lock()
        threadID = pthread_self()
        ThreadAudit.registerWorker(pthread_self())
        condition.broadcast()
        while true {
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping { break }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
            condition.lock()
        }
        condition.unlock()
    }

    /// Queues a job; jobs run in order.
    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` on this thread and waits for it without blocking the caller's thread.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    /// Ends the thread once queued jobs have run.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }
}

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
