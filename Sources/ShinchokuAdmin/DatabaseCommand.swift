import ArgumentParser
import Foundation
import LibPQ
import Shinchoku

extension Admin {
    struct Database: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "db",
            abstract: "Set up the database's roles.",
            discussion: """
                Example:
                  sudo -u postgres shinchoku-admin db setup-roles \\
                      --database-url postgresql:///shinchoku
                """,
            subcommands: [SetupRoles.self])

        struct SetupRoles: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "setup-roles",
                abstract: "Create the roles shinchoku_owner and shinchoku_app (run as a superuser; idempotent).",
                discussion: """
                    shinchoku_owner owns the schema: run 'shinchoku-admin migrate' as it (or as a superuser, who \
                    then acts as it). shinchoku_app is what shinchoku-server and the everyday commands connect \
                    as: it owns nothing, cannot bypass row-level security, and gets its grants from every \
                    migrate. Running this again resets both roles' attributes and changes nothing else.

                    Passwords are not set here. Set them in psql (\\password shinchoku_app), or use peer or \
                    certificate authentication. See docs/security.md.

                    Examples:
                      sudo -u postgres shinchoku-admin db setup-roles \\
                          --database-url postgresql:///shinchoku
                      shinchoku-admin migrate \\
                          --database-url postgresql://shinchoku_owner@db/shinchoku
                    """)

            @OptionGroup var options: SharedOptions

            struct Result: Encodable {
                var roles: [String]
            }

            func run() async throws {
                try await Invocation.run(options) { run in
                    try await DatabaseRoles.setUp(pool: run.pool)
                    let result = Result(roles: [DatabaseRoles.owner, DatabaseRoles.application])
                    try run.emit(result) {
                        """
                        The roles \(DatabaseRoles.owner) and \(DatabaseRoles.application) are set up.
                        Next: shinchoku-admin migrate, as \(DatabaseRoles.owner) or a superuser.
                        """
                    }
                }
            }
        }
    }
}
