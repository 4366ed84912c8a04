import Foundation

/// The time by which the database calls made in a task must be answered. The HTTP server sets one per request, so
/// that a database that stops answering (stalled, or its host frozen) costs a request its deadline, not forever.
///
/// The pool honours it twice: a caller waits for a free connection only until the deadline, and a caller whose work
/// has not finished by then is answered at once (see ``ConnectionPool/withTransaction(isolation:_:)``), while the
/// connection's thread finishes or abandons the work on its own. A transaction abandoned before COMMIT rolls back;
/// a `withConnection` body that has begun runs to its end (its statements commit as they go), so writes belong in
/// transactions.
public enum DatabaseDeadline {
    @TaskLocal public static var current: ContinuousClock.Instant?

    /// Runs `body` with a deadline `timeout` from now, or the current deadline if that comes sooner.
    public static func within<T>(_ timeout: Duration, _ body: () async throws -> T) async rethrows -> T {
        let proposed = ContinuousClock.now + timeout
        let deadline = current.map { min($0, proposed) } ?? proposed
        return try await $current.withValue(deadline, operation: body)
    }
}

extension PostgresError.Kind {
    /// The database did not answer before the caller's ``DatabaseDeadline``.
    public static let deadlineExceeded = PostgresError.Kind(rawValue: "deadline_exceeded")
}

/// One piece of work on a connection's thread that a deadline may answer before it is done.
///
/// Exactly one of the two answers the caller: the thread when the work finishes, or the deadline. What the deadline
/// may say depends on how far the work got: before COMMIT was sent, the transaction will roll back (the thread checks
/// ``willCommit(wrote:)``) so nothing changes; once COMMIT of a transaction that wrote something is on its way, the
/// outcome is unknown.
final class PendingCall<T: Sendable>: @unchecked Sendable {
    private enum Phase {
        case queued, running
        case committing(wrote: Bool)
        case finished
    }

    private let lock = NSLock()
    private var phase = Phase.queued
    private var continuation: CheckedContinuation<T, any Error>?
    private var answered = false
    private var answeredByDeadline = false

    /// Whether the deadline answered the caller (so the work, when done, gives the connection back itself).
    var expired: Bool { lock.withLock { answeredByDeadline } }

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        lock.withLock { self.continuation = continuation }
    }

    /// On the thread, before the work begins: false when the deadline has passed already.
    func begin() -> Bool {
        lock.withLock {
            guard !answered else { return false }
            phase = .running
            return true
        }
    }

    /// On the thread, just before COMMIT: throws when the deadline has passed, so that the transaction rolls back
    /// instead (the caller was told that nothing changed).
    func willCommit(wrote: Bool) throws {
        try lock.withLock {
            guard !answered else { throw Self.abandoned }
            phase = .committing(wrote: wrote)
        }
    }

    /// On the thread, when the work is done: false when the deadline answered the caller already.
    func finish(_ result: Result<T, any Error>) -> Bool {
        let waiting: CheckedContinuation<T, any Error>? = lock.withLock {
            phase = .finished
            guard !answered else { return nil }
            answered = true
            return continuation
        }
        waiting?.resume(with: result)
        return waiting != nil
    }

    /// When the deadline passes: answers the caller with what can be said now, unless the work has finished.
    func expire() {
        let answer: (CheckedContinuation<T, any Error>?, any Error)? = lock.withLock {
            guard !answered else { return nil }
            answered = true
            answeredByDeadline = true
            switch phase {
            case .committing(wrote: true):
                return (
                    continuation,
                    PostgresTransactionError(stage: .commit, underlying: Self.inDoubt, outcome: .unknown)
                )
            default:
                return (continuation, Self.abandoned)
            }
        }
        if let answer { answer.0?.resume(throwing: answer.1) }
    }

    static var abandoned: PostgresError {
        PostgresError(
            kind: .deadlineExceeded,
            message:
                "the database did not answer before the deadline; the work was abandoned and its transaction rolls back"
        )
    }

    static var inDoubt: PostgresError {
        PostgresError(
            kind: .deadlineExceeded,
            message: "the database did not answer COMMIT before the deadline; whether it committed is unknown")
    }
}

extension Connection {
    /// Sets the server's `statement_timeout` and `idle_in_transaction_session_timeout` for this session; nil leaves
    /// a setting as the server has it. A stuck statement or an abandoned transaction then ends on the server's side.
    func applyTimeouts(statement: Duration?, idleInTransaction: Duration?) throws {
        for (name, timeout) in [
            ("statement_timeout", statement), ("idle_in_transaction_session_timeout", idleInTransaction),
        ] {
            guard let timeout else { continue }
            try execute("SELECT set_config(\(name), \(String(timeout.milliseconds)), false)")
        }
    }
}

extension Duration {
    /// Whole milliseconds, at least 1 (0 would turn a PostgreSQL timeout off).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
