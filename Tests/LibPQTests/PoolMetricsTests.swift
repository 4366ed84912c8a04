import Foundation
import Metrics
import TestSupport
import Testing

@testable import LibPQ

/// A metrics backend that keeps the last value of each metric, by label, for tests.
final class RecordingMetrics: MetricsFactory, @unchecked Sendable {
    final class Value: CounterHandler, MeterHandler, RecorderHandler, TimerHandler, @unchecked Sendable {
        private let lock = NSLock()
        private var total: Double = 0
        private var samples: [Int64] = []
        var current: Double { lock.withLock { total } }
        var recorded: [Int64] { lock.withLock { samples } }
        func increment(by amount: Int64) { lock.withLock { total += Double(amount) } }
        func increment(by amount: Double) { lock.withLock { total += amount } }
        func decrement(by amount: Double) { lock.withLock { total -= amount } }
        func set(_ value: Int64) { lock.withLock { total = Double(value) } }
        func set(_ value: Double) { lock.withLock { total = value } }
        func record(_ value: Int64) { lock.withLock { samples.append(value) } }
        func record(_ value: Double) { lock.withLock { samples.append(Int64(value)) } }
        func recordNanoseconds(_ duration: Int64) { lock.withLock { samples.append(duration) } }
        func reset() { lock.withLock { total = 0 } }
    }

    private let lock = NSLock()
    private var values: [String: Value] = [:]

    subscript(label: String) -> Value {
        lock.withLock {
            if let v = values[label] { return v }
            let v = Value()
            values[label] = v
            return v
        }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { self[label] }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { self[label] }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        self[label]
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { self[label] }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

/// The pool's metrics under the names of the contract.
@Suite struct PoolMetricsTests {
    @Test func poolAndStatementMetricsAreRecorded() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            let metrics = RecordingMetrics()
            let pool = ConnectionPool(
                configuration: db.configuration, options: .init(maxConnections: 2, acquireTimeout: .seconds(30)),
                logger: nil, metricsFactory: metrics)
            let release = DispatchSemaphore(value: 0)
            let holding = Locked(0)
            // Two callers hold both connections; a third waits.
            var holders: [Task<Void, any Error>] = []
            for _ in 0..<2 {
                holders.append(
                    Task {
                        try await pool.withConnection { c in
                            _ = try c.query("SELECT 1")
                            holding.withLock { $0 += 1 }
                            release.wait()
                        }
                    })
            }
            while holding.current < 2 { try await Task.sleep(for: .milliseconds(5)) }
            let waiter = Task {
                try await pool.withTransaction { c in try c.pipeline(["SELECT 2", "SELECT 3"]).count }
            }
            while metrics["shinchoku_db_pool_waiters"].current < 1 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(metrics["shinchoku_db_pool_connections"].current == 2)
            #expect(metrics["shinchoku_db_pool_in_use"].current == 2)
            release.signal()
            release.signal()
            for h in holders { try await h.value }
            #expect(try await waiter.value == 2)
            #expect(metrics["shinchoku_db_pool_waiters"].current == 0)
            #expect(metrics["shinchoku_db_pool_in_use"].current == 0)
            // Two single statements; BEGIN + two statements + the transaction id; COMMIT.
            #expect(metrics["shinchoku_db_round_trips_total"].current == 4)
            #expect(metrics["shinchoku_db_statements_total"].current == 7)
            #expect(metrics["shinchoku_db_round_trip_duration_seconds"].recorded.count == 4)
            #expect(metrics["shinchoku_db_pool_acquire_wait_seconds"].recorded.count == 3)
            #expect(metrics["shinchoku_db_pool_acquire_wait_seconds"].recorded.max()! > 0)
            await pool.close()
            #expect(metrics["shinchoku_db_pool_connections"].current == 0)
        }
    }
}
