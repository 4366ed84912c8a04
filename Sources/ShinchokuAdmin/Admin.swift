import ArgumentParser
import Foundation
import Shinchoku

/// `shinchoku-admin`: the administrators' command-line tool. A thin shell over ``ShinchokuService``.
public struct Admin: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "shinchoku-admin",
        abstract: "Administer Shinchoku (進捗): the database, the plan, accounts, periods, figures and reports.",
        discussion: """
            Every command takes --database-url (default: $DATABASE_URL, then libpq's PG* variables), \
            --as LOGIN (default: $SHINCHOKU_ACTOR) and --json, before or after its own arguments. Commands \
            that change something need --as with an admin's login and are audited under it; on an empty \
            database, 'user create --role admin', 'plan import' and 'demo-data' work without --as.

            Exit status: 0 success, 1 other failure (not found, conflict), 64 usage error, 65 invalid data, \
            66 input file missing, 69 database unavailable, 73 cannot write output, 75 try again later, \
            77 not allowed.

            Example:
              sudo -u postgres shinchoku-admin db setup-roles \\
                  --database-url postgresql:///shinchoku
              shinchoku-admin migrate \\
                  --database-url postgresql://shinchoku_owner@localhost/shinchoku
              export DATABASE_URL=postgresql://shinchoku_app@localhost/shinchoku
              shinchoku-admin period open 2021Q1 --as admin
            """,
        subcommands: [
            Migrate.self, Database.self, Status.self, Plan.self, Department.self, Project.self, User.self, Period.self,
            Figures.self, Audit.self, DemoData.self, Report.self, Mail.self,
        ])

    public init() {}

    /// Runs the command line of the process and exits with its status.
    public static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let status = await run(arguments, context: .standard)
        Foundation.exit(status.rawValue)
    }

    /// Parses and runs one command line, printing to the context's outputs; returns the exit status.
    /// Every error becomes an exit status here, and only here.
    public static func run(_ arguments: [String], context: CommandContext) async -> AdminExitStatus {
        await CommandContext.$current.withValue(context) {
            do {
                var command = try parseAsRoot(SharedOptions.movedAfterSubcommand(arguments))
                if var command = command as? AsyncParsableCommand {
                    try await command.run()
                } else {
                    try command.run()
                }
                return .success
            } catch {
                let report = report(for: error)
                if report.status == .success {
                    // --help, --version, --generate-completion-script.
                    let text = fullMessage(for: error)
                    if !text.isEmpty { context.standardOutput.line(text) }
                } else {
                    for line in report.lines { context.standardError.line(line) }
                }
                return report.status
            }
        }
    }

    /// The exit status and message of an error from parsing or from running a command.
    static func report(for error: any Error) -> ErrorReport {
        switch error {
        case is AdminError, is ServiceError, is MigrationError:
            return ErrorReport(error)
        default:
            if error.postgresError != nil { return ErrorReport(error) }
        }
        // ArgumentParser's own: parse and validation errors (64), help and completion scripts (0).
        let code = exitCode(for: error).rawValue
        let status = AdminExitStatus(rawValue: code) ?? (code == 0 ? .success : .failure)
        if status == .success { return ErrorReport(status: .success, lines: []) }
        if code == ExitCode.validationFailure.rawValue {
            return ErrorReport(status: .usage, lines: fullMessage(for: error).split(separator: "\n").map(String.init))
        }
        if error is ExitCode { return ErrorReport(status: status, lines: []) }
        return ErrorReport(error)
    }
}
