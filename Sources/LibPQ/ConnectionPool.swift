import Foundation
import Logging

/// A bounded pool of connections for async code.
///
/// Each pooled connection lives on a dedicated thread of its own and every libpq call for it runs
/// there, so no blocking call ever runs on Swift's cooperative pool. A unit of work is one hop:
/// ``withConnection(_:)`` runs a synchronous closure on the connection's thread, so a whole
/// transaction pays for one thread switch.
///
/// Waiters are served in FIFO order and give up after `acquireTimeout`. A connection found dead at
/// checkout (server restart, `pg_terminate_backend`) is replaced by a fresh one before use.
public actor ConnectionPool {
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
        let thread: ConnectionThread
        var connection: Connection?  // only on `thread`
        init(id: Int) { thread = ConnectionThread(name: "libpq-\(id)") }
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Slot, any Error>
        /// Fires `poolTimeout`; cancelled once the waiter is served, so that thousands of served waiters
        /// do not leave thousands of sleeping tasks behind for `acquireTimeout`.
        let timer: Task<Void, Never>
    }

    public nonisolated let configuration: ConnectionConfiguration
    public nonisolated let options: Options
    private let logger: Logger
    private var idle: [Slot] = []
    private var slotCount = 0
    private var waiters: [Waiter] = []
    private var nextWaiterID: UInt64 = 0
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
                call, until: deadline, lateFinish: { Task { await self.release(slot) } }
            ) { () throws -> T in
                let connection = try Self.ready(slot, configuration, options)
                defer { Self.afterUse(slot) }
                return try work(connection, call)
            }
            release(slot)
            return value
        } catch {
            // Answered by the deadline: the slot is still busy, and its thread releases it when the work is done.
            if !call.expired { release(slot) }
            throw error
        }
    }

    /// Closes every connection and ends their threads; waiting callers get `poolClosed`.
    public func close() async {
        closed = true
        for w in waiters {
            w.timer.cancel()
            w.continuation.resume(throwing: PostgresError(kind: .poolClosed, message: "the connection pool was closed"))
        }
        waiters.removeAll()
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
        let timeout =
            deadline.map { max(.zero, min(options.acquireTimeout, $0 - ContinuousClock.now)) } ?? options.acquireTimeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Slot, any Error>) in
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    await self?.expire(
                        id,
                        error: PostgresError(
                            kind: .poolTimeout,
                            message:
                                "no database connection became free within \(timeout) (pool of \(self?.options.maxConnections ?? 0))"
                        ))
                }
                waiters.append(Waiter(id: id, continuation: continuation, timer: timer))
            }
        } onCancel: {
            Task { await self.expire(id, error: CancellationError()) }
        }
    }

    private func expire(_ id: UInt64, error: any Error) {
        guard let i = waiters.firstIndex(where: { $0.id == id }) else { return }
        let w = waiters.remove(at: i)
        w.timer.cancel()
        w.continuation.resume(throwing: error)
    }

    private func release(_ slot: Slot) {
        if closed {
            slot.thread.submit { slot.connection = nil }
            slot.thread.stop()
            return
        }
        if !waiters.isEmpty {
            let w = waiters.removeFirst()
            w.timer.cancel()
            w.continuation.resume(returning: slot)
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
