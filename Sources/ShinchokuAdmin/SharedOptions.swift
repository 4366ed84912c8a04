import ArgumentParser
import Foundation
import LibPQ
import Logging
import Shinchoku

/// The options every command takes: where the database is, who is acting, and the output form.
/// Each command includes them, so they may follow the subcommand: `period open 2021Q1 --as admin`.
struct SharedOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "The database: a postgresql:// URL or a key=value string. Default: $DATABASE_URL, then libpq's PG* variables.",
            valueName: "url"))
    var databaseURL: String?

    @Option(
        name: .customLong("as"),
        help: ArgumentHelp(
            "Act as this account: an admin for admin commands, a clerk for 'figures import'. Default: $SHINCHOKU_ACTOR.",
            valueName: "login"))
    var actingLogin: String?

    @Flag(name: .customLong("json"), help: "Print JSON (snake_case keys) instead of text, for scripts.")
    var json = false

    /// `--database-url`, then `DATABASE_URL`, then libpq's `PG*` variables.
    func configuration(_ context: CommandContext) -> ConnectionConfiguration {
        ConnectionConfiguration.resolve(databaseURL: databaseURL, environment: context.environment)
    }

    /// Moves shared options given before the subcommand (`--as admin period open 2021Q1`) after it, where
    /// ArgumentParser looks for them: every leaf command has them, the groups in between do not.
    static func movedAfterSubcommand(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if first == "--json" || first.hasPrefix("--as=") || first.hasPrefix("--database-url=") {
                leading.append(first)
                rest = rest.dropFirst()
            } else if (first == "--as" || first == "--database-url") && rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else {
                break
            }
        }
        return Array(rest) + leading
    }

    /// `--as`, then `SHINCHOKU_ACTOR`; without either, the local operator (may read, and set up an empty database).
    func actor(_ context: CommandContext) -> ActorReference {
        if let login = actingLogin ?? context.environment["SHINCHOKU_ACTOR"], !login.isEmpty {
            return .login(login)
        }
        return .local
    }
}

/// One run of a command: its options, its context, and a connection pool open for the run.
struct Invocation {
    let options: SharedOptions
    let context: CommandContext
    let pool: ConnectionPool
    let service: ShinchokuService

    /// Who the command acts as.
    var actor: ActorReference { options.actor(context) }
    var json: Bool { options.json }

    /// Opens a pool, checks that the database answers, runs `body`, and closes the pool.
    static func run<T: Sendable>(
        _ options: SharedOptions, _ body: (Invocation) async throws -> T
    ) async throws -> T {
        let context = CommandContext.current
        var logger = Logger(label: "shinchoku-admin")
        logger.logLevel = .warning
        let configuration = options.configuration(context)
        do {
            try configuration.validate()
        } catch let error as PostgresError {
            // libpq's reason, without the password it may quote.
            throw AdminError(
                status: .usage,
                message: ErrorReport.sentence(error.message ?? "the database URL cannot be read")
                    + " Check --database-url or DATABASE_URL; percent-encode special characters in a password "
                    + "(/ as %2F, @ as %40, : as %3A, # as %23, % as %25).")
        }
        // One connection: a command makes its service calls one after another.
        return try await withConnectionPool(
            configuration: configuration,
            options: .init(maxConnections: 1, acquireTimeout: .seconds(30)), logger: logger
        ) { pool in
            // Connect first, so that an unreachable database is reported with libpq's reason. libpq would print
            // the server's NOTICEs (such as "relation schema_migrations already exists, skipping") on stderr.
            try await pool.withConnection { c in try c.execute("SET client_min_messages TO warning") }
            return try await body(
                Invocation(
                    options: options, context: context, pool: pool,
                    service: ShinchokuService(pool: pool, logger: logger, bcryptCost: context.bcryptCost)))
        }
    }

    // MARK: Output

    /// Prints a line for the user.
    func say(_ text: String = "") { context.standardOutput.line(text) }

    /// Prints `value` as JSON with `--json`, else the text.
    func emit<T: Encodable>(_ value: T, text: () -> String) throws {
        if json {
            say(try Self.jsonText(value))
        } else {
            let t = text()
            if !t.isEmpty { say(t.hasSuffix("\n") ? String(t.dropLast()) : t) }
        }
    }

    /// Shinchoku's encoder (snake_case, sorted keys), with times as ISO 8601 rather than seconds since 2001.
    static func jsonText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder.shinchoku
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Writes bytes to a file, or to standard output when there is no path.
    func write(_ data: Data, to path: String?) throws {
        guard let path else {
            context.standardOutput.write(String(decoding: data, as: UTF8.self))
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw AdminError.cannotCreate(path, Self.reason(error))
        }
    }

    /// Reads a file the user named.
    static func read(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw AdminError.noInput(path, "no such file") }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AdminError.noInput(path, reason(error))
        }
    }

    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
            let posix = POSIXErrorCode(rawValue: Int32(underlying.code)), underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(posix.rawValue)).lowercased()
        }
        return ns.localizedDescription
    }

    /// Reads a password from standard input: its first line.
    func passwordFromStandardInput() throws -> String {
        guard let line = context.readLine(), !line.isEmpty else {
            throw AdminError.invalidData("--password-stdin was given but standard input had no password.")
        }
        return line
    }
}
