/// One statement as sent, for metrics and for the benchmark's capture. Values are only in `bindings`.
public struct StatementRecord: Sendable {
    public var sql: String
    public var bindings: [PostgresBinding]
    /// The connection's round-trip number: statements sent together in one pipeline share it.
    public var roundTrip: UInt64
    /// Wall time of the round trip the statement went in (the same for every statement of one pipeline).
    public var duration: Duration
    /// True when it ran as a named prepared statement.
    public var prepared: Bool

    public init(sql: String, bindings: [PostgresBinding], roundTrip: UInt64, duration: Duration, prepared: Bool) {
        self.sql = sql
        self.bindings = bindings
        self.roundTrip = roundTrip
        self.duration = duration
        self.prepared = prepared
    }
}

/// Called on the connection's own thread after each round trip, once per statement. Must be cheap and never block.
///
/// It sees every statement the connection sends, the transaction's BEGIN, COMMIT and ROLLBACK and its
/// `pg_current_xact_id_if_assigned()` included, whether it ran or was skipped because an earlier statement of its
/// pipeline failed. It does not see the cache's own upkeep (the `DEALLOCATE` of an evicted statement) nor the
/// statements a connection runs while it opens.
public protocol StatementObserver: Sendable { func record(_ statement: StatementRecord) }
