import Foundation
import Logging
import Metrics
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
        /// Named prepared statements kept per connection (least recently used out first); 0 sends every statement
        /// unprepared, which PgBouncer in transaction pooling mode before 1.21 needs.
        public var preparedStatementCacheSize: Int
        /// Told of every statement sent, on the connection's thread (metrics, the benchmark's capture).
        public var statementObserver: (any StatementObserver)?

        public init(
            maxConnections: Int = 4, acquireTimeout: Duration = .seconds(10), statementTimeout: Duration? = nil,
            idleInTransactionSessionTimeout: Duration? = nil, outcomeLookupTimeout: Duration = .seconds(10),
            preparedStatementCacheSize: Int = 256, statementObserver: (any StatementObserver)? = nil
        ) {
            precondition(preparedStatementCacheSize >= 0, "a statement cache's size cannot be negative")
            precondition(maxConnections >= 1, "a pool needs at least one connection")
            self.maxConnections = maxConnections
            self.acquireTimeout = acquireTimeout
            self.statementTimeout = statementTimeout
            self.idleInTransactionSessionTimeout = idleInTransactionSessionTimeout
            self.outcomeLookupTimeout = outcomeLookupTimeout
            self.preparedStatementCacheSize = preparedStatementCacheSize
            self.statementObserver = statementObserver
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
    private nonisolated let logger: Logger
    private nonisolated let checkout = Checkout()
    nonisolated let metrics = DatabaseMetrics()

    public init(configuration: ConnectionConfiguration, options: Options = Options(), logger: Logger? = nil) {
        self.configuration = configuration
        self.options = options
        self.logger = logger ?? Logger(label: "shinchoku.libpq")
    }

    /// Runs `body` with a connection on the connection's own thread and returns its result.
    /// The body is synchronous: it may run many statements, typically one transaction.
    public nonisolated func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        try await run { connection, _ in try body(connection) }
    }

    /// Runs `body` in a transaction on a pooled connection.
    ///
    /// The answer is the truth: when the connection breaks after COMMIT was sent, the transaction's fate is looked
    /// up on a fresh connection (`pg_xact_status`) before answering: its value if it committed, a commit-stage
    /// ``PostgresTransactionError`` with outcome `aborted` if not, and outcome `unknown` only when the database
    /// cannot tell within `outcomeLookupTimeout`. Under a ``DatabaseDeadline`` the caller is answered by then at
    /// the latest: before COMMIT the transaction is abandoned and rolls back; during COMMIT the outcome is unknown.
    /// BEGIN goes with the body's first statement (see ``Connection/withTransaction(isolation:beforeCommit:lookUpOutcome:_:)``).
    public nonisolated func withTransaction<T: Sendable>(
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

    /// One piece of work on a slot's thread, within the task's ``DatabaseDeadline`` if it has one.
    ///
    /// One hand-off each way: a free slot is taken under a lock on the caller's thread, and the work queued on the
    /// slot's thread, which gives the slot back (or straight to the next waiter, whose work then runs on the same
    /// thread without waking its task) before it answers. Only a caller that finds no free slot waits, in FIFO
    /// order, until its acquire timeout or deadline, or until cancelled.
    private nonisolated func run<T: Sendable>(
        _ work: @escaping @Sendable (Connection, PendingCall<T>?) throws -> T
    ) async throws -> T {
        let deadline = DatabaseDeadline.current
        let id = checkout.newWaiterID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let call = deadline.map { _ in PendingCall<T>() }
                call?.wait(continuation)
                let answer: @Sendable (Result<T, any Error>) -> Void = { result in
                    if let call { _ = call.finish(result) } else { continuation.resume(with: result) }
                }
                let start: @Sendable (Slot) -> Void = { slot in
                    self.start(work, on: slot, deadline: deadline, call: call, answer: answer)
                }
                let enqueued = ContinuousClock.now
                // The pool's own wait, cut short by the caller's deadline when that comes first.
                let waitUntil = min(enqueued + options.acquireTimeout, deadline ?? .now + options.acquireTimeout)
                let waiter = Waiter { [metrics] result in
                    switch result {
                    case .success(let slot):
                        metrics.acquireWait.recordNanoseconds((ContinuousClock.now - enqueued).nanoseconds)
                        start(slot)
                    case .failure(let error): answer(.failure(error))
                    }
                }
                switch checkout.take(
                    id: id, waiter: waiter, until: waitUntil, maxConnections: options.maxConnections)
                {
                case .slot(let slot):
                    metrics.inUse.increment()
                    metrics.acquireWait.recordNanoseconds(0)
                    start(slot)
                case .create(let number):
                    let slot = Slot(id: number)
                    guard checkout.register(slot) else {
                        slot.thread.stop()
                        answer(.failure(PostgresError(kind: .poolClosed, message: "the connection pool was closed")))
                        return
                    }
                    metrics.connections.increment()
                    metrics.inUse.increment()
                    metrics.acquireWait.recordNanoseconds(0)
                    start(slot)
                case .closed:
                    answer(.failure(PostgresError(kind: .poolClosed, message: "the connection pool was closed")))
                case .queued:
                    metrics.waiters.increment()
                    let timer = DeadlineTimer.shared.schedule(at: waitUntil) { [weak self] in self?.timeOut(id) }
                    checkout.setTimer(timer, for: id)
                    if Task.isCancelled { cancelWaiter(id) }
                }
            }
        } onCancel: {
            self.cancelWaiter(id)
        }
    }

    /// Queues the work on the slot's thread, which gives the slot back before it answers.
    private nonisolated func start<T: Sendable>(
        _ work: @escaping @Sendable (Connection, PendingCall<T>?) throws -> T, on slot: Slot,
        deadline: ContinuousClock.Instant?, call: PendingCall<T>?,
        answer: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        let configuration = self.configuration
        let options = self.options
        let metrics = self.metrics
        let timer = call.flatMap { call in deadline.map { DeadlineTimer.shared.schedule(at: $0) { call.expire() } } }
        slot.thread.submit {
            let result: Result<T, any Error>
            if let call, !call.begin() {
                result = .failure(PendingCall<T>.abandoned)
            } else {
                result = Result {
                    let connection = try Self.ready(slot, configuration, options, metrics)
                    defer { Self.afterUse(slot) }
                    return try work(connection, call)
                }
            }
            if let timer { DeadlineTimer.shared.cancel(timer) }
            self.release(slot)
            answer(result)
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
        let (waiters, slots) = checkout.close()
        metrics.waiters.decrement(by: Double(waiters.count))
        for waiter in waiters {
            waiter.serve(.failure(PostgresError(kind: .poolClosed, message: "the connection pool was closed")))
        }
        metrics.connections.decrement(by: Double(slots.count))
        for slot in slots {
            _ = await slot.thread.run { slot.connection = nil }
            slot.thread.stop()
        }
    }

    /// Connections open or being opened, for diagnostics.
    public var openConnections: Int { checkout.slotCount }

    // MARK: - Checkout

    private nonisolated func cancelWaiter(_ id: UInt64) {
        guard let waiter = checkout.removeWaiter(id) else { return }
        metrics.waiters.decrement()
        waiter.serve(.failure(CancellationError()))
    }

    private nonisolated func timeOut(_ id: UInt64) {
        guard let waiter = checkout.removeWaiter(id) else { return }
        metrics.waiters.decrement()
        waiter.serve(
            .failure(
                PostgresError(
                    kind: .poolTimeout,
                    message: "no database connection became free within \(options.acquireTimeout) "
                        + "(pool of \(options.maxConnections))")))
    }

    /// On the slot's thread, once its work is done: hands the slot to the longest waiter, or makes it idle.
    private nonisolated func release(_ slot: Slot) {
        switch checkout.release(slot) {
        case .closed:
            slot.connection = nil  // on its own thread
            slot.thread.stop()
            metrics.inUse.decrement()
        case .idle:
            metrics.inUse.decrement()
        case .handedTo(let waiter):
            metrics.waiters.decrement()
            waiter.serve(.success(slot))  // queues the waiter's work behind this job, on this thread
        }
    }

    // MARK: - On the connection's thread

    /// Opens the slot's connection, or replaces it when it died since last use.
    private static func ready(
        _ slot: Slot, _ configuration: ConnectionConfiguration, _ options: Options, _ metrics: DatabaseMetrics
    ) throws -> Connection {
        if let c = slot.connection, c.isHealthy, c.isIdle { return c }
        slot.connection = nil  // finishes a dead or confused connection
        let c = try Connection.connect(configuration)
        c.metrics = metrics
        c.preparedStatementCacheSize = options.preparedStatementCacheSize
        try c.applyTimeouts(
            statement: options.statementTimeout, idleInTransaction: options.idleInTransactionSessionTimeout)
        c.statementObserver = options.statementObserver
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
