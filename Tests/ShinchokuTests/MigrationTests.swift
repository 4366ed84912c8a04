import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

@Suite struct MigrationTests {
    @Test func appliesInOrderOnceAndIsIdempotent() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let migrator = Migrator(pool: db.pool, migrations: try Migration.bundled())
            let versions = try Migration.bundled().map(\.version)
            #expect(versions.starts(with: [1, 2, 3, 4, 5, 6]) && versions.last == 13)
            let pending = try await migrator.pending()
            #expect(pending.map(\.version) == versions)
            let applied = try await migrator.apply()
            #expect(applied.map(\.version) == versions)
            let recorded = try await db.pool.withConnection { c in
                try c.query("SELECT version, checksum FROM schema_migrations ORDER BY applied_at, version")
                    .decode((Int, String).self)
            }
            #expect(recorded.map(\.0) == versions)
            #expect(recorded.map(\.1) == pending.map(\.checksum))
            #expect(try await migrator.apply().isEmpty)
            #expect(try await migrator.isCurrent())
        }
    }

    @Test func refusesAMigrationChangedAfterItRan() async throws {
        try await TestDatabase.with(migrated: false) { db in
            var migrations = try Migration.bundled()
            try await Migrator(pool: db.pool, migrations: migrations).apply()
            migrations[1] = Migration(version: 2, name: migrations[1].name, sql: migrations[1].sql + "\n-- edited")
            await #expect(throws: MigrationError.changedAfterApplied(version: 2, name: migrations[1].name)) {
                try await Migrator(pool: db.pool, migrations: migrations).apply()
            }
        }
    }

    @Test func refusesADatabaseNewerThanTheBuild() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let migrations = try Migration.bundled()
            try await Migrator(pool: db.pool, migrations: migrations).apply()
            await #expect(throws: MigrationError.self) {
                try await Migrator(pool: db.pool, migrations: Array(migrations.prefix(2))).pending()
            }
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let good = Migration(version: 1, name: "good", sql: "CREATE TABLE a (id int);")
            let bad = Migration(version: 2, name: "bad", sql: "CREATE TABLE b (id int); SELECT no_such_function();")
            let migrator = Migrator(pool: db.pool, migrations: [good, bad])
            await #expect(throws: (any Error).self) { try await migrator.apply() }
            let state = try await db.pool.withConnection { c in
                (
                    try c.query("SELECT version FROM schema_migrations").decodeColumn(Int.self),
                    try c.query("SELECT to_regclass('b') IS NULL")[0].decode(Bool.self, at: 0)
                )
            }
            #expect(state.0 == [1])
            #expect(state.1)
            #expect(try await migrator.pending().map(\.version) == [2])
        }
    }

    @Test func filesMustBeNamedWithAVersion() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sk-mig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "SELECT 1;".write(to: dir.appendingPathComponent("first.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.badFileName("first.sql")) { try Migration.load(from: dir) }
    }
}
