import Foundation

/// Threads of their own that run blocking jobs (libpq calls, bcrypt) one at a time per thread, in the order
/// queued, so that no thread of Swift's cooperative pool is ever blocked by them.
///
/// A connection's thread is a group of one, so that its connection is only ever used from that thread. bcrypt
/// uses a small group that lives as long as the process, like `NIOThreadPool.singleton`.
public final class BlockingThreads: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []  // guarded by `condition`
    private var stopping = false  // guarded by `condition`
    private var threadIDs: [pthread_t] = []  // guarded by `condition`

    /// Starts `count` threads named `name-0`, `name-1`, … (or `name` for one); returns once all of them run.
    /// `onStart` runs first on each new thread, and `onExit` last.
    public init(
        count: Int, name: String, onStart: (@Sendable () -> Void)? = nil, onExit: (@Sendable () -> Void)? = nil
    ) {
        precondition(count >= 1, "a group needs at least one thread")
        for i in 0..<count {
            let t = Thread { [unowned self] in
                onStart?()
                self.work()
                onExit?()
            }
            t.name = count == 1 ? name : "\(name)-\(i)"
            t.stackSize = 1 << 20
            t.start()
        }
        condition.lock()
        while threadIDs.count < count { condition.wait() }
        condition.unlock()
    }

    private func work() {
        condition.lock()
        threadIDs.append(pthread_self())
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

    /// Queues a job; jobs start in the order queued.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` on one of the threads and waits for it without blocking the caller's thread.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on one of the threads and waits for it without blocking the caller's thread.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { continuation.resume(returning: body()) }
        }
    }

    /// Ends the threads once the queued jobs have run.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Whether the calling thread is one of these (`pthread_self()` is reliable where thread names are not).
    public var isCurrentThreadOurs: Bool {
        let me = pthread_self()
        return condition.withLock { threadIDs.contains { pthread_equal($0, me) != 0 } }
    }
}
