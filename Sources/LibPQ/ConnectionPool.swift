import Foundation
import Logging
import ServiceLifecycle

/// A bounded pool of connections for async code.
///
/// Each pooled connection lives on a dedicated thread of its own and every libpq call for it runs
/// there, so no blocking call ever runs on Swift's cooperative pool. A unit of work is one hop:
/// ``withConnection(_:)`` runs a synchronous closure on the connection's thread, so a whole
/// transaction pays for one thread switch.
///
/// Waiters are served in FIFO order and give up after `acquireTimeout`. A connection found dead at
/// checkout (server restart, `pg_terminate_backend`) is replaced by a fresh one before use.
///
/// Its lifetime is a swift-service-lifecycle `Service` (`app.addServices(pool)`: ``run()`` closes it at
/// graceful shutdown), or a scope: ``withConnectionPool(configuration:options:logger:_:)``.
public actor ConnectionPool: Service {
    public struct Options: Sendable {
        /// The most connections open at once.
        public var maxConnections: Int
        /// How long a caller waits for a free connection before `poolTimeout`.
        public var acquireTimeout: Duration
        /// The server's `statement_timeout` on every connection; nil leaves the server's setting.
        public var statementTimeout: Duration?
        /// The server's `idle_in_transaction_session_timeout` on every connection; nil leaves the server's setting.
        public var idleInTransactionSessionTimeout: Duration?
        /// How long to keep asking what became of a transaction whose COMMIT got no answer before calling it
        /// `unknown` (see ``CommitOutcomeLookup``).
        public var outcomeLookupTimeout: Duration

        public init(
            maxConnections: Int = 4, acquireTimeout: Duration = .seconds(10), statementTimeout: Duration? = nil,
            idleInTransactionSessionTimeout: Duration? = nil, outcomeLookupTimeout: Duration = .seconds(10)
        ) {
            precondition(maxConnections >= 1, "a pool needs at least one connection")
            self.maxConnections = maxConnections
            self.acquireTimeout = acquireTimeout
            self.statementTimeout = statementTimeout
            self.idleInTransactionSessionTimeout = idleInTransactionSessionTimeout
            self.outcomeLookupTimeout = outcomeLookupTimeout
        }
    }

    /// A pooled connection and its thread. The `Connection` is touched only on that thread.
    final class Slot: @unchecked Sendable {
        let thread: BlockingThreads
        var connection: Connection?  // only on `thread`
        init(id: Int) {
            thread = BlockingThreads(
                count: 1, name: "libpq-\(id)", onStart: { ThreadAudit.registerWorker(pthread_self()) },
                onExit: { ThreadAudit.unregisterWorker(pthread_self()) })
        }
    }

    public nonisolated let configuration: ConnectionConfiguration
    public nonisolated let options: Options
    private let logger: Logger
    private var idle: [Slot] = []
    private var slotCount = 0
    private var waiters = WaiterQueue<CheckedContinuation<Slot, any Error>>()
    private var nextWaiterID: UInt64 = 0
    /// One sleeping task for the earliest deadline, however many wait: a sleep per waiter, even one cancelled
    /// once the waiter is served, stays allocated until its deadline (~650 bytes each).
    private var timer: Task<Void, Never>?
    private var closed = false
    private var allSlots: [Slot] = []

    public init(configuration: ConnectionConfiguration, options: Options = Options(), logger: Logger? = nil) {
        self.configuration = configuration
        self.options = options
        self.logger = logger ?? Logger(label: "shinchoku.libpq")
    }

    /// Runs `body` with a connection on the connection's own thread and returns its result.
    /// The body is synchronous: it may run many statements, typically one transaction.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await run { connection, _ in try body(connection) }
    }

    /// Runs `body` in a transaction on a pooled connection.
    ///
    /// The answer is the truth: when the connection breaks after COMMIT was sent, the transaction's fate is looked
    /// up on a fresh connection (`pg_xact_status`) before answering: its value if it committed, a commit-stage
    /// ``PostgresTransactionError`` with outcome `aborted` if not, and outcome `unknown` only when the database
    /// cannot tell within `outcomeLookupTimeout`. Under a ``DatabaseDeadline`` the caller is answered by then at
    /// the latest: before COMMIT the transaction is abandoned and rolls back; during COMMIT the outcome is unknown.
    public func withTransaction<T: Sendable>(
        isolation: IsolationLevel = .readCommitted, _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        let lookup = CommitOutcomeLookup(configuration: configuration, timeout: options.outcomeLookupTimeout)
        let logger = self.logger
        return try await run { connection, call in
            try connection.withTransaction(
                isolation: isolation, beforeCommit: { wrote in try call?.willCommit(wrote: wrote) },
                lookUpOutcome: { id in
                    let outcome = lookup.outcome(of: id)
                    logger.notice(
                        "COMMIT got no answer; asked the database what became of the transaction",
                        metadata: ["transaction_id": "\(id)", "outcome": "\(outcome.rawValue)"])
                    return outcome
                }, body)
        }
    }

    /// One hop to a slot's thread, within the task's ``DatabaseDeadline`` if it has one.
    private func run<T: Sendable>(
        _ work: @escaping @Sendable (Connection, PendingCall<T>?) throws -> T
    ) async throws -> T {
        let deadline = DatabaseDeadline.current
        let slot = try await acquire(deadline: deadline)
        let configuration = self.configuration
        let options = self.options
        guard let deadline else {
            do {
                let value = try await slot.thread.run { () throws -> T in
                    let connection = try Self.ready(slot, configuration, options)
                    defer { Self.afterUse(slot) }
                    return try work(connection, nil)
                }
                release(slot)
                return value
            } catch {
                release(slot)
                throw error
            }
        }
        let call = PendingCall<T>()
        do {
            let value = try await slot.thread.run(
                call, until: deadline, lateFinish: { Task { await self.release(slot) } },
                { () throws -> T in
                    let connection = try Self.ready(slot, configuration, options)
                    defer { Self.afterUse(slot) }
                    return try work(connection, call)
                })
            release(slot)
            return value
        } catch {
            // Answered by the deadline: the slot is still busy, and its thread releases it when the work is done.
            if !call.expired { release(slot) }
            throw error
        }
    }

    /// Runs until graceful shutdown (or cancellation), then closes the pool: the pool as a service of the
    /// application, which swift-service-lifecycle starts and stops.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Closes every connection and ends their threads; waiting callers get `poolClosed`.
    public func close() async {
        closed = true
        timer?.cancel()
        timer = nil
        for continuation in waiters.removeAll() {
            continuation.resume(throwing: PostgresError(kind: .poolClosed, message: "the connection pool was closed"))
        }
        let slots = allSlots
        allSlots.removeAll()
        idle.removeAll()
        for slot in slots {
            _ = try? await slot.thread.run { slot.connection = nil }
            slot.thread.stop()
        }
    }

    /// Connections open or being opened, for diagnostics.
    public var openConnections: Int { slotCount }

    // MARK: - Checkout

    private func acquire(deadline: ContinuousClock.Instant? = nil) async throws -> Slot {
        if closed { throw PostgresError(kind: .poolClosed, message: "the connection pool was closed") }
        if let slot = idle.popLast() { return slot }
        if slotCount < options.maxConnections {
            slotCount += 1
            let slot = Slot(id: slotCount)
            allSlots.append(slot)
            return slot
        }
        nextWaiterID += 1
        let id = nextWaiterID
        // The pool's own wait, cut short by the caller's deadline when that comes first.
        let waitUntil = min(ContinuousClock.now + options.acquireTimeout, deadline ?? .now + options.acquireTimeout)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Slot, any Error>) in
                waiters.append(continuation, id: id, deadline: waitUntil)
                startTimer()
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    private func cancel(_ id: UInt64) {
        waiters.remove(id)?.resume(throwing: CancellationError())
    }

    /// Sleeps until the earliest deadline, unless a timer does already; then times out whoever is due.
    private func startTimer() {
        guard timer == nil, let deadline = waiters.nextDeadline else { return }
        timer = Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            await self?.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        guard !closed else { return }
        let error = PostgresError(
            kind: .poolTimeout,
            message: "no database connection became free within \(options.acquireTimeout) "
                + "(pool of \(options.maxConnections))")
        for continuation in waiters.removeExpired(now: .now) { continuation.resume(throwing: error) }
        startTimer()
    }

    private func release(_ slot: Slot) {
        if closed {
            slot.thread.submit { slot.connection = nil }
            slot.thread.stop()
            return
        }
        if let continuation = waiters.popFirst() {
            continuation.resume(returning: slot)
        } else {
            idle.append(slot)
        }
    }

    // MARK: - On the connection's thread

    /// Opens the slot's connection, or replaces it when it died since last use.
    private static func ready(_ slot: Slot, _ configuration: ConnectionConfiguration, _ options: Options) throws
        -> Connection
    {
        if let c = slot.connection, c.isHealthy, c.isIdle { return c }
        slot.connection = nil  // finishes a dead or confused connection
        let c = try Connection.connect(configuration)
        try c.applyTimeouts(
            statement: options.statementTimeout, idleInTransaction: options.idleInTransactionSessionTimeout)
        slot.connection = c
        return c
    }

    /// Drops a connection that broke or was left inside a transaction during use.
    private static func afterUse(_ slot: Slot) {
        guard let c = slot.connection else { return }
        if !c.isHealthy {
            slot.connection = nil
        } else if !c.isIdle {
            // The body left a transaction open: roll it back rather than leak it to the next user.
            if (try? c.execute("ROLLBACK")) == nil { slot.connection = nil }
        }
    }
}

/// Runs `body` with a pool that is closed when `body` returns or throws: a pool whose lifetime is a scope, for
/// commands and tools. A long-running server adds the pool to its services instead.
public func withConnectionPool<T>(
    configuration: ConnectionConfiguration, options: ConnectionPool.Options = .init(), logger: Logger? = nil,
    _ body: (ConnectionPool) async throws -> T
) async throws -> T {
    let pool = ConnectionPool(configuration: configuration, options: options, logger: logger)
    do {
        let value = try await body(pool)
        await pool.close()
        return value
    } catch {
        await pool.close()
        throw error
    }
}
