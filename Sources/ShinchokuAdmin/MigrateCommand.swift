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
                  shinchoku-admin migrate --database-url postgresql://shinchoku@db/shinchoku
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

        struct Counts: Encodable {
            var departments: Int
            var projects: Int
            var indicators: Int
            var users: Int
            var periods: Int
            var figures: Int
        }

        func run() async throws {
            try await Invocation.run(options) { run in
                let migrator = Migrator(pool: run.pool, migrations: try Migration.bundled())
                let pending = try await migrator.pending()
                let applied = migrator.migrations.count - pending.count
                // Counts only: reading, never writing, so no service call is needed.
                let (database, version, counts, hasAdmin) = try await run.pool.withConnection {
                    c -> (String, Int, Counts?, Bool?) in
                    let database = try c.query("SELECT current_database()")[0].decode(String.self, at: 0)
                    guard applied == migrator.migrations.count else { return (database, c.serverVersion, nil, nil) }
                    let row = try c.query(
                        """
                        SELECT (SELECT count(*) FROM departments), (SELECT count(*) FROM projects),
                               (SELECT count(*) FROM indicators), (SELECT count(*) FROM users),
                               (SELECT count(*) FROM periods), (SELECT count(*) FROM figures),
                               EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL)
                        """)[0]
                    let (d, p, i, u, pe, f, admin) = try row.decode((Int, Int, Int, Int, Int, Int, Bool).self)
                    return (
                        database, c.serverVersion,
                        Counts(departments: d, projects: p, indicators: i, users: u, periods: pe, figures: f), admin
                    )
                }
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
