import LibPQ
import TestSupport
import Testing

@Test func connectsAndMigrates() async throws {
    try await TestDatabase.with { db in
        let n = try await db.superuserPool.withConnection { c in
            try c.query("SELECT count(*) FROM schema_migrations").first!.decode(Int.self, at: 0)
        }
        #expect(n >= 5)
        // The application role connects, and has no grant on the migrations table.
        let refused = await #expect(throws: PostgresError.self) {
            try await db.pool.withConnection { c in try c.query("SELECT count(*) FROM schema_migrations") }
        }
        #expect(refused?.sqlState == .insufficientPrivilege)
    }
}
