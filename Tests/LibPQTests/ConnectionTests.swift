import Foundation
import LibPQ
import TestSupport
import Testing

/// Connecting, failing to connect, and noticing a dead connection.
@Suite struct ConnectionTests {
    @Test func connectFailureIsAConnectionError() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let missing = "/tmp/sk-no-such-socket-\(UUID().uuidString.prefix(8))"
            let config = db.configuration.with("host", missing)
            try await withPool(db, .init(maxConnections: 2, acquireTimeout: .seconds(5))) { _ in
                let pool = ConnectionPool(configuration: config, options: .init(maxConnections: 2))
                // Repeated failures neither crash nor use up the pool.
                for _ in 0..<20 {
                    do {
                        _ = try await pool.withConnection { c in try c.execute("SELECT 1") }
                        Issue.record("connected through a socket that does not exist")
                    } catch let e as PostgresError {
                        #expect(e.kind == .connection)
                        #expect(e.isConnectionFailure)
                        #expect(e.debugDescription.contains(missing))
                    }
                }
                #expect(await pool.openConnections <= 2)
                await pool.close()
            }
            // A database that does not exist is a connection error too.
            let nowhere = ConnectionPool(configuration: db.configuration.with("dbname", "sk_no_such_database"))
            do {
                _ = try await nowhere.withConnection { c in try c.execute("SELECT 1") }
                Issue.record("connected to a database that does not exist")
            } catch let e as PostgresError {
                #expect(e.kind == .connection)
                #expect(e.debugDescription.contains("sk_no_such_database"))
            }
            await nowhere.close()
        }
    }

    @Test func connectionIsUnhealthyAfterTheServerClosedIt() async throws {
        try await TestDatabase.with(migrated: false, maxConnections: 1) { db in
            let config = db.configuration
            let (before, after, pid) = try await db.pool.withConnection { c in
                let pid = try c.one(Int32.self, "SELECT pg_backend_pid()")
                let before = c.isHealthy
                // A second connection on the same dedicated thread kills the first one's backend.
                let killer = try Connection.connect(config)
                _ = try killer.query("SELECT pg_terminate_backend(\(pid))")
                for _ in 0..<1000 {
                    let n = try killer.one(Int.self, "SELECT count(*) FROM pg_stat_activity WHERE pid = \(pid)")
                    if n == 0 { break }
                    usleep(5_000)
                }
                return (before, c.isHealthy, pid)
            }
            #expect(before)
            #expect(!after)
            let next = try await db.scalar(Int32.self, "SELECT pg_backend_pid()")
            #expect(next != pid)
        }
    }

    @Test func sessionDefaultsAreSet() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let settings = try await db.pool.withConnection { c in
                [
                    try c.one(String.self, "SHOW TimeZone"), try c.one(String.self, "SHOW client_encoding"),
                    try c.one(String.self, "SHOW DateStyle"), try c.one(String.self, "SELECT current_database()"),
                ]
            }
            #expect(settings == ["UTC", "UTF8", "ISO, YMD", db.name])
            let version = try await db.pool.withConnection { c in c.serverVersion }
            #expect(version >= 100_000)
        }
    }
}
