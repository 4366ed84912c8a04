import Foundation
import LibPQ
import TestSupport
import Testing

/// No libpq call runs on Swift's cooperative pool.
///
/// ThreadAudit is process-global and other suites run meanwhile, so the assertions hold whatever else
/// runs: every libpq call must come from a dedicated connection thread running at the time, and none of the
/// cooperative threads this test's tasks ran on may be one.
@Suite(.serialized) struct ThreadAuditTests {
    #if DEBUG
        static let auditRecords = true
    #else
        static let auditRecords = false
    #endif

    // ThreadAudit records only in debug builds (it sits on every libpq call).
    @Test(.enabled(if: auditRecords, "ThreadAudit records in debug builds only"))
    func libpqRunsOnlyOnConnectionThreads() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 4) { db in
            let cooperative = Locked(Set<UInt>())
            ThreadAudit.start()
            let libpq: Set<UInt>
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<100 {
                        group.addTask {
                            cooperative.withLock { _ = $0.insert(ThreadAudit.currentThread) }
                            let n = try await db.pool.withConnection { c in
                                try c.one(Int.self, "SELECT \(i) + 1")
                            }
                            cooperative.withLock { _ = $0.insert(ThreadAudit.currentThread) }
                            #expect(n == i + 1)
                        }
                    }
                    try await group.waitForAll()
                }
                // Opening and closing connections are libpq calls too.
                let extra = ConnectionPool(configuration: db.configuration, options: .init(maxConnections: 2))
                _ = try await extra.withConnection { c in try c.one(Int.self, "SELECT 1") }
                await extra.close()
                libpq = ThreadAudit.stop()
            } catch {
                ThreadAudit.stop()
                throw error
            }
            // Thread ids are reused once a thread ends (the cooperative pool's idle threads end and new ones start),
            // so "was it a connection thread" is decided at each libpq call, against the threads running then.
            let offConnectionThreads = ThreadAudit.threadsOffConnectionThreads
            #expect(!libpq.isEmpty)
            #expect(!cooperative.current.isEmpty)
            #expect(offConnectionThreads.isEmpty, "libpq ran on \(offConnectionThreads)")
            #expect(cooperative.current.isDisjoint(with: ThreadAudit.connectionThreads))
        }
    }
}
