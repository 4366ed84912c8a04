import ArgumentParser
import Foundation
import LibPQ
import Shinchoku

extension Admin {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the schema migrations that have not run yet.",
            discussion: """
                Each migration runs in its own transaction and is recorded with its checksum; running \
                migrate again does nothing. A migration that was changed after it ran stops the command.

                Examples:
                  shinchoku-admin migrate --dry-run
                  shinchoku-admin migrate \\
                      --database-url postgresql://shinchoku_owner@db/shinchoku
                """)

        @Flag(help: "List the migrations that would run, and run none.")
        var dryRun = false

        @OptionGroup var options: SharedOptions

        struct Result: Encodable {
            struct Step: Encodable {
                var version: Int
                var name: String
            }
            var dryRun: Bool
            /// Applied, or (with --dry-run) pending.
            var migrations: [Step]
            var known: Int
        }

        func run() async throws {
            try await Invocation.run(options) { run in
                let migrator = Migrator(pool: run.pool, migrations: try Migration.bundled())
                let done = dryRun ? try await migrator.pending() : try await migrator.apply()
                let result = Result(
                    dryRun: dryRun, migrations: done.map { .init(version: $0.version, name: $0.name) },
                    known: migrator.migrations.count)
                try run.emit(result) {
                    if done.isEmpty {
                        return "The database is up to date (\(result.known) migrations applied)."
                    }
                    let names = done.map { "  " + Self.fileName($0) }.joined(separator: "\n")
                    return dryRun
                        ? "Would apply \(done.count) migration\(done.count == 1 ? "" : "s"):\n\(names)"
                        : "Applied \(done.count) migration\(done.count == 1 ? "" : "s"):\n\(names)"
                }
            }
        }

        static func fileName(_ m: Migration) -> String {
            String(format: "%04d_", m.version) + m.name + ".sql"
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show whether the database is reachable and migrated, and how much it holds.",
            discussion: """
                Example:
                  shinchoku-admin status
                  shinchoku-admin status --json
                """)

        @OptionGroup var options: SharedOptions

        struct Result: Encodable {
            var database: String
            var serverVersion: Int
            var migrationsApplied: Int
            var migrationsPending: [String]
            /// Nil until the schema exists.
            var counts: Counts?
            var hasAdmin: Bool?
        }

        typealias Counts = DatabaseStatus.Counts

        func run() async throws {
            try await Invocation.run(options) { run in
                let migrator = Migrator(pool: run.pool, migrations: try Migration.bundled())
                let pending = try await migrator.pending()
                let applied = migrator.migrations.count - pending.count
                let status = try await DatabaseStatus.read(
                    from: run.pool, migrated: applied == migrator.migrations.count)
                let (database, version, counts, hasAdmin) = (
                    status.database, status.serverVersion, status.counts, status.hasAdmin
                )
                let result = Result(
                    database: database, serverVersion: version, migrationsApplied: applied,
                    migrationsPending: pending.map(Migrate.fileName), counts: counts, hasAdmin: hasAdmin)
                try run.emit(result) {
                    var list = KeyValueList()
                    list.add("Database", "\(database) (PostgreSQL \(version / 10000).\(version % 10000)), reachable")
                    list.add(
                        "Migrations",
                        pending.isEmpty
                            ? "\(applied) applied, none pending"
                            : "\(applied) applied, \(pending.count) pending: run shinchoku-admin migrate")
                    if let counts {
                        list.add("Departments", "\(counts.departments)")
                        list.add("Projects", "\(counts.projects)")
                        list.add("Indicators", "\(counts.indicators)")
                        list.add(
                            "Users",
                            "\(counts.users)\(hasAdmin == false ? " (no admin yet: user create --role admin)" : "")")
                        list.add("Periods", "\(counts.periods)")
                        list.add("Figures", "\(counts.figures)")
                    }
                    return list.render()
                }
            }
        }
    }
}
