import Metrics

/// The database's metrics through the swift-metrics API, for whichever backend the process bootstrapped (the server
/// exports them as Prometheus text on `/metrics`).
///
/// Created once per pool (and per connection opened outside a pool) from the metrics system as bootstrapped at that
/// moment, so bootstrap it before making pools; recording then costs no lookup. The pool figures are meters that
/// pools raise and lower, so several pools in one process add up.
final class DatabaseMetrics: Sendable {
    /// Connections open or being opened (`shinchoku_db_pool_connections`).
    let connections: Meter
    /// Connections checked out of their pool (`shinchoku_db_pool_in_use`).
    let inUse: Meter
    /// Callers waiting for a free connection (`shinchoku_db_pool_waiters`).
    let waiters: Meter
    /// How long a caller waited for a connection, 0 when one was free (`shinchoku_db_pool_acquire_wait_seconds`).
    let acquireWait: Metrics.Timer
    /// Statements sent (`shinchoku_db_statements_total`).
    let statements: Counter
    /// Wall time of each round trip (`shinchoku_db_round_trip_duration_seconds`).
    let roundTripDuration: Metrics.Timer
    /// Round trips made (`shinchoku_db_round_trips_total`).
    let roundTrips: Counter

    init() {
        connections = Meter(label: "shinchoku_db_pool_connections")
        inUse = Meter(label: "shinchoku_db_pool_in_use")
        waiters = Meter(label: "shinchoku_db_pool_waiters")
        acquireWait = Metrics.Timer(label: "shinchoku_db_pool_acquire_wait_seconds")
        statements = Counter(label: "shinchoku_db_statements_total")
        roundTripDuration = Metrics.Timer(label: "shinchoku_db_round_trip_duration_seconds")
        roundTrips = Counter(label: "shinchoku_db_round_trips_total")
    }

    /// Records one round trip of `statements` statements.
    func recordRoundTrip(statements count: Int, duration: Duration) {
        statements.increment(by: count)
        roundTrips.increment()
        roundTripDuration.recordNanoseconds(duration.nanoseconds)
    }
}

extension Duration {
    /// Whole nanoseconds.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
