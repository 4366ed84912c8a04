import Foundation
import LibPQ
import TestSupport
import Testing

/// The pool under load, after backend deaths, and when it runs out of connections.
@Suite struct ConnectionPoolTests {
    // Generous: the limit includes waiting for a test database while the whole suite runs; a deadlock still fails.
    @Test(.timeLimit(.minutes(10)))
    func manyTasksShareFourConnectionsWithoutDeadlock() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 4) { db in
            try await db.run(
                "CREATE TABLE hits (id serial PRIMARY KEY, task integer NOT NULL, backend integer NOT NULL)")
            let done = Locked(false)
            try await withAdminPool { admin in
                let name = db.name
                // Watches the server side while the tasks run.
                let watcher = Task {
                    var most = 0
                    while !done.current {
                        let n = try await admin.withConnection { c in
                            try c.one(Int.self, "SELECT count(*) FROM pg_stat_activity WHERE datname = \(name)")
                        }
                        most = max(most, n)
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    return most
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for task in 0..<200 {
                        group.addTask {
                            try await db.pool.withTransaction { c in
                                try c.execute(
                                    "INSERT INTO hits (task, backend) VALUES (\(Int32(task)), pg_backend_pid())")
                                _ = try c.one(Int.self, "SELECT count(*) FROM hits")
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                done.withLock { $0 = true }
                let mostOnServer = try await watcher.value
                #expect(mostOnServer >= 1 && mostOnServer <= 4, "saw \(mostOnServer) backends")
            }
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM hits") == 200)
            #expect(try await db.scalar(Int.self, "SELECT count(DISTINCT task) FROM hits") == 200)
            #expect(try await db.scalar(Int.self, "SELECT count(DISTINCT backend) FROM hits") <= 4)
            #expect(await db.pool.openConnections <= 4)
        }
    }

    @Test func killedBackendIsReplacedOnNextCheckout() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await withAdminPool { admin in
                let first = try await db.scalar(Int32.self, "SELECT pg_backend_pid()")
                let killed = try await admin.withConnection { c in
                    try c.one(Bool.self, "SELECT pg_terminate_backend(\(first))")
                }
                #expect(killed)
                try await db.waitUntilBackendGone(first, using: admin)

                let second = try await db.scalar(Int32.self, "SELECT pg_backend_pid()")
                #expect(second != first)
                #expect(await db.pool.openConnections == 1)
            }
        }
    }

    @Test func backendKilledMidQueryFailsThatQueryOnly() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            try await withAdminPool { admin in
                let pid = Locked<Int32?>(nil)
                let sleeper = Task {
                    try await db.pool.withConnection { c in
                        pid.withLock { $0 = try? c.one(Int32.self, "SELECT pg_backend_pid()") }
                        try c.execute("SELECT pg_sleep(30)")
                    }
                }
                var victim: Int32?
                while victim == nil {
                    try await Task.sleep(for: .milliseconds(10))
                    victim = pid.current
                }
                try await Task.sleep(for: .milliseconds(100))
                let target = victim!
                _ = try await admin.withConnection { c in try c.execute("SELECT pg_terminate_backend(\(target))") }
                do {
                    try await sleeper.value
                    Issue.record("the killed query succeeded")
                } catch let e as PostgresError {
                    #expect(e.isConnectionFailure, "\(e.debugDescription)")
                }
                let next = try await db.scalar(Int32.self, "SELECT pg_backend_pid()")
                #expect(next != victim)
            }
        }
    }

    @Test func waitingForAConnectionTimesOut() async throws {
        try await TestDatabase.with(migrated: false) { db in
            try await withPool(db, .init(maxConnections: 1, acquireTimeout: .milliseconds(200))) { pool in
                let holding = Locked(false)
                let holder = Task {
                    try await pool.withConnection { c in
                        holding.withLock { $0 = true }
                        try c.execute("SELECT pg_sleep(1)")
                    }
                }
                while !holding.current { try await Task.sleep(for: .milliseconds(5)) }

                let start = ContinuousClock.now
                do {
                    _ = try await pool.withConnection { c in try c.execute("SELECT 1") }
                    Issue.record("got a connection from an exhausted pool")
                } catch let e as PostgresError {
                    #expect(e.kind == .poolTimeout)
                }
                let waited = ContinuousClock.now - start
                #expect(waited >= .milliseconds(190) && waited < .milliseconds(700), "waited \(waited)")
                try await holder.value
                // Once free, the connection serves again.
                _ = try await pool.withConnection { c in try c.execute("SELECT 1") }
            }
        }
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        try await TestDatabase.with(migrated: false) { db in
            try await withPool(db, .init(maxConnections: 1, acquireTimeout: .seconds(30))) { pool in
                let release = DispatchSemaphore(value: 0)
                let holding = Locked(false)
                let holder = Task {
                    try await pool.withConnection { c in
                        try c.execute("SELECT 1")
                        holding.withLock { $0 = true }
                        release.wait()  // blocks the connection's own thread, not the cooperative pool
                    }
                }
                while !holding.current { try await Task.sleep(for: .milliseconds(5)) }

                let order = Locked<[Int]>([])
                var waiters: [Task<Void, any Error>] = []
                for i in 0..<5 {
                    waiters.append(
                        Task {
                            try await pool.withConnection { c in
                                try c.execute("SELECT \(Int32(i))")
                                order.withLock { $0.append(i) }
                            }
                        })
                    // Gives waiter i time to queue up before waiter i + 1 arrives.
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(order.current.isEmpty)
                release.signal()
                try await holder.value
                for w in waiters { try await w.value }
                #expect(order.current == [0, 1, 2, 3, 4])
            }
        }
    }

    @Test func cancelledWaiterLeavesTheQueue() async throws {
        try await TestDatabase.with(migrated: false) { db in
            try await withPool(db, .init(maxConnections: 1, acquireTimeout: .seconds(30))) { pool in
                let release = DispatchSemaphore(value: 0)
                let holding = Locked(false)
                let holder = Task {
                    try await pool.withConnection { _ in
                        holding.withLock { $0 = true }
                        release.wait()
                    }
                }
                while !holding.current { try await Task.sleep(for: .milliseconds(5)) }
                let waiter = Task { try await pool.withConnection { c in try c.one(Int.self, "SELECT 1") } }
                try await Task.sleep(for: .milliseconds(50))
                waiter.cancel()
                let start = ContinuousClock.now
                await #expect(throws: CancellationError.self) { try await waiter.value }
                #expect(ContinuousClock.now - start < .seconds(5))
                release.signal()
                try await holder.value
                #expect(try await pool.withConnection { c in try c.one(Int.self, "SELECT 2") } == 2)
            }
        }
    }

    @Test func closedPoolRefusesWork() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let pool = ConnectionPool(configuration: db.configuration, options: .init(maxConnections: 2))
            #expect(try await pool.withConnection { c in try c.one(Int.self, "SELECT 1") } == 1)
            await pool.close()
            do {
                _ = try await pool.withConnection { c in try c.one(Int.self, "SELECT 1") }
                Issue.record("a closed pool ran a query")
            } catch let e as PostgresError {
                #expect(e.kind == .poolClosed)
            }
        }
    }
}
