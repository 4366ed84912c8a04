import Foundation
import LibPQ
import TestSupport
import Testing

@Suite struct DatabaseCreationTests {
    /// The demo's start-up: the first call creates an empty UTF-8 database, the next finds it and leaves it be.
    @Test func createsAMissingDatabaseOnceInUTF8() async throws {
        let name = "sk_test_create_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try await withAdminPool { admin in
            do {
                let created = try await admin.withConnection { c in
                    (try c.createDatabaseIfMissing(name), try c.createDatabaseIfMissing(name))
                }
                #expect(created.0 == true)
                #expect(created.1 == false)
                let encoding = try await admin.withConnection { c in
                    try c.query("SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = \(name)")
                        .single().decode(String.self)
                }
                #expect(encoding == "UTF8")
                // Creating it outright names the SQLSTATE of a database that exists.
                await #expect {
                    try await admin.withConnection { c in try c.createDatabase(name) }
                } throws: { error in
                    error.postgresError?.sqlState == .duplicateDatabase
                }
            } catch {
                _ = try? await admin.withConnection { c in try c.execute("DROP DATABASE IF EXISTS \(identifier: name)")
                }
                throw error
            }
            _ = try await admin.withConnection { c in try c.execute("DROP DATABASE \(identifier: name)") }
        }
    }
}
