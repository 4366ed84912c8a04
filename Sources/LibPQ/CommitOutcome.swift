import Foundation

/// What became of a transaction whose COMMIT got no answer (the connection broke, or the backend was terminated,
/// after COMMIT was sent).
public enum CommitOutcome: String, Sendable, Codable {
    /// It committed: its changes are in the database.
    case committed
    /// It did not commit: nothing it did remains.
    case aborted
    /// It cannot be told: the database could not be asked in time, or no longer remembers the transaction.
    case unknown
}

/// A transaction's id (`xid8`, as its decimal text), taken before COMMIT so that its fate can be asked afterwards.
public struct TransactionID: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

extension Connection {
    /// The open transaction's id if it has written anything, else nil (`pg_current_xact_id_if_assigned()`,
    /// PostgreSQL 13+). A transaction that wrote nothing changes nothing, whether its COMMIT arrives or not; not
    /// assigning ids to such transactions spares the server's id space.
    public func currentTransactionIDIfAssigned() throws -> TransactionID? {
        let rows = try query("SELECT pg_current_xact_id_if_assigned()::text")
        return try rows.first?.decode(String?.self, at: 0).map(TransactionID.init)
    }

    /// What the server knows of a transaction (`pg_xact_status`): committed or aborted; nil while it is still in
    /// progress; `unknown` when it is too old for the server to remember.
    public func outcome(of id: TransactionID) throws -> CommitOutcome? {
        let rows = try query("SELECT pg_xact_status(\(id.rawValue)::xid8)")
        switch try rows.first?.decode(String?.self, at: 0) {
        case "committed"?: return .committed
        case "aborted"?: return .aborted
        case "in progress"?: return nil
        default: return .unknown
        }
    }

    /// Runs `body` in a transaction, and when COMMIT gets no answer, finds out what became of it before answering.
    ///
    /// BEGIN costs no round trip of its own: it goes in front of the body's first statement or ``pipeline(_:commit:)``
    /// (a body that sends nothing sends no BEGIN and no COMMIT either). Until the transaction has written, each of its
    /// round trips also asks for its id (`pg_current_xact_id_if_assigned()`), so that COMMIT goes alone with the id
    /// already known: `withTransaction { one statement }` is two round trips. A body may end with
    /// `pipeline(…, commit: true)`, which puts COMMIT in its own round trip.
    ///
    /// A COMMIT that fails with an ERROR was
    /// rolled back by the server: ``PostgresTransactionError`` with outcome `aborted`. A COMMIT whose connection
    /// broke (or whose backend sent FATAL) may or may not have committed: `lookUpOutcome` asks, normally on a fresh
    /// connection (``CommitOutcomeLookup``). `committed` returns the body's value as if nothing had happened;
    /// `aborted` and `unknown` throw a commit-stage error carrying that outcome. A transaction that wrote nothing
    /// returns its value either way.
    ///
    /// `beforeCommit` runs just before COMMIT is sent, with whether the transaction wrote anything; if it throws,
    /// the transaction rolls back and its error is thrown (the pool uses it to honour a deadline).
    public func withTransaction<T>(
        isolation: IsolationLevel = .readCommitted,
        beforeCommit: (_ wrote: Bool) throws -> Void = { _ in },
        lookUpOutcome: (TransactionID) -> CommitOutcome,
        _ body: (Connection) throws -> T
    ) throws -> T {
        try runTransaction(isolation: isolation, beforeCommit: beforeCommit, lookUpOutcome: lookUpOutcome, body)
    }
}

extension PostgresError {
    /// True when a COMMIT that failed so may still have committed: the connection broke, or the backend sent a
    /// FATAL error (`pg_terminate_backend` after the commit record was written). An ERROR means the server rolled
    /// the transaction back.
    public var leavesCommitInDoubt: Bool {
        isConnectionFailure || severity == "FATAL" || severity == "PANIC"
    }
}

/// Asks the database, on a fresh connection, what became of a transaction whose COMMIT got no answer.
///
/// It retries until `timeout` while the database cannot be reached or the transaction is still in progress (its
/// backend may still be finishing), then gives up with `unknown`. Blocking: call it on a connection's own thread.
public struct CommitOutcomeLookup: Sendable {
    public var configuration: ConnectionConfiguration
    public var timeout: Duration

    public init(configuration: ConnectionConfiguration, timeout: Duration = .seconds(10)) {
        self.configuration = configuration
        self.timeout = timeout
    }

    public func outcome(of id: TransactionID) -> CommitOutcome {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        // libpq's shortest connect_timeout is 2 seconds.
        let lookup = configuration.with("connect_timeout", "2")
        var connection: Connection?
        while true {
            do {
                if connection == nil {
                    connection = try Connection.connect(lookup)
                    try connection?.execute("SET statement_timeout = 2000")
                }
                if let outcome = try connection?.outcome(of: id) { return outcome }
            } catch {
                connection = nil
            }
            guard clock.now < deadline else { return .unknown }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}
