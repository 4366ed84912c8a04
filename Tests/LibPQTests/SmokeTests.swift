import LibPQ
import TestSupport
import Testing

@Test func connectsAndMigrates() async throws {
    try await TestDatabase.with { db in
        let versions = try await db.pool.withConnection { c in
            try c.query("SELECT version FROM schema_migrations ORDER BY version").decodeColumn(Int.self)
        }
        #expect(Set([1, 2, 3, 4, 6]).isSubset(of: versions))
    }
}
