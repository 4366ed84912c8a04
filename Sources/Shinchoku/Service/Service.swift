import Foundation
import LibPQ
import Logging

/// Who is acting, as the caller knows them. The service resolves it from the database in the same
/// transaction as the work; it never takes the caller's word for a role or a department.
public enum ActorReference: Sendable, Equatable {
    /// A login name (the admin CLI's `--as`).
    case login(String)
    /// A session token (the HTTP API's bearer token).
    case session(token: String)
    /// The operator on the server host, with database credentials but no `--as`: may read everything;
    /// may write only to bootstrap an empty database (no admin account yet).
    case local
}

/// The acting user, as resolved from the database.
public struct ActingUser: Sendable, Equatable, Codable {
    /// Nil for the local operator, who has no account.
    public var id: Int?
    public var login: String
    public var displayName: String
    /// Nil for the local operator once an admin exists: read-only.
    public var role: Role?
    public var departmentID: Int?
    public var departmentCode: String?
    /// True while the database has no admin and the local operator sets it up.
    public var isBootstrap: Bool = false

    static func local(bootstrap: Bool) -> ActingUser {
        ActingUser(
            id: nil, login: bootstrap ? "bootstrap" : "local", displayName: bootstrap ? "bootstrap" : "local operator",
            role: bootstrap ? .admin : nil, departmentID: nil, departmentCode: nil, isBootstrap: bootstrap)
    }
}

/// The service layer: the one place where Shinchoku's rules live. The HTTP server and the admin CLI
/// call it and add no rules of their own.
///
/// Every call takes the acting user and runs its work in one database transaction, in which it sets
/// `app.actor_id`, checks permissions, validates, changes data and writes its audit events; if anything
/// fails, that transaction rolls back. Calls that hash a password (create an account, set or reset a
/// password, log in) check in a first transaction, run bcrypt outside any transaction, and write in a second,
/// which checks again; a login that fails records the failure in a transaction of its own.
public struct ShinchokuService: Sendable {
    public let pool: ConnectionPool
    public let logger: Logger
    /// bcrypt cost for new password hashes: 4 to 31. Configuration that comes from outside (the CLI's and the
    /// server's) holds at least ``minimumBcryptCost``; only tests go lower, to save time.
    public let bcryptCost: UInt8
    /// The least bcrypt cost a deployment may use (OWASP ASVS 2.4: at least 10; 12 takes ~250 ms here).
    public static let minimumBcryptCost: UInt8 = 12
    /// How long a login session lasts.
    public let sessionLifetime: Duration
    /// Signalled after a call commits a publication request, so that the publisher starts at once.
    public let publicationSignal: PublicationSignal

    public init(
        pool: ConnectionPool, logger: Logger = Logger(label: "shinchoku"), bcryptCost: UInt8 = 12,
        sessionLifetime: Duration = .seconds(8 * 3600), publicationSignal: PublicationSignal = PublicationSignal()
    ) {
        precondition((4...31).contains(bcryptCost), "bcrypt cost must be 4 to 31")
        self.pool = pool
        self.logger = logger
        self.bcryptCost = bcryptCost
        self.sessionLifetime = sessionLifetime
        self.publicationSignal = publicationSignal
    }

    /// Runs `body` in one transaction as the resolved acting user.
    ///
    /// A workflow step passes its `step` lookup: it is read in the round trip that resolves the acting user, and the
    /// step's last writes are deferred to go with COMMIT (``DeferredStatements``).
    func perform<T: Sendable>(
        as reference: ActorReference, isolation: IsolationLevel = .readCommitted, step: StepLookupQuery? = nil,
        _ body: @escaping @Sendable (Transaction) throws -> T
    ) async throws -> T {
        do {
            let effects = TransactionEffects()
            let result = try await pool.withTransaction(isolation: isolation) { c in
                let (actor, prefetched) = try Self.resolve(reference, on: c, prefetch: step)
                let tx = Transaction(
                    connection: c, actor: actor, effects: effects, deferred: step.map { _ in DeferredStatements() },
                    prefetched: prefetched)
                let value = try body(tx)
                try tx.deferred?.send(on: c, commit: true)
                return value
            }
            if effects.publicationRequested { publicationSignal.signal() }
            return result
        } catch {
            throw ServiceError.from(error)
        }
    }

    /// Runs `body` in one transaction with no acting user (login, bootstrap, readiness).
    func performAnonymous<T: Sendable>(
        isolation: IsolationLevel = .readCommitted, _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        do {
            return try await pool.withTransaction(isolation: isolation, body)
        } catch {
            throw ServiceError.from(error)
        }
    }

    /// Resolves the acting user and sets `app.actor_id` to it, in one statement. With `prefetch`, that query is read
    /// right after it and its rows returned, unless the actor could not be resolved.
    static func resolve(_ reference: ActorReference, on c: Connection, prefetch: StepLookupQuery? = nil) throws -> (
        ActingUser, PrefetchedLookup?
    ) {
        let statement: SQLQuery
        let refusal: String
        switch reference {
        case .local:
            // Serialises bootstraps, so two cannot both find the database without an admin.
            try c.execute("SELECT pg_advisory_xact_lock(727384002)")
            let hasAdmin = try c.query(
                "SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin'), set_config('app.actor_id', '', true)"
            ).single().decode(Bool.self)
            return (.local(bootstrap: !hasAdmin), nil)
        case .login(let login):
            statement = """
                SELECT u.id, u.login, u.display_name, u.role::text, u.department_id, d.code, u.disabled_at IS NOT NULL,
                       set_config('app.actor_id', u.id::text, true)
                FROM users u LEFT JOIN departments d ON d.id = u.department_id
                WHERE u.login = \(login)
                """
            refusal = "There is no account with the login \"\(login)\"."
        case .session(let token):
            guard let hash = SessionToken.hash(token) else { throw ServiceError.unauthenticated() }
            statement = """
                SELECT u.id, u.login, u.display_name, u.role::text, u.department_id, d.code, u.disabled_at IS NOT NULL,
                       set_config('app.actor_id', u.id::text, true)
                FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN departments d ON d.id = u.department_id
                WHERE s.token_hash = decode(\(hash), 'hex') AND s.revoked_at IS NULL AND s.expires_at > now()
                """
            refusal = "Your session has expired or was ended. Please log in again."
        }
        // A value the client refuses (NUL) is left to the step's own lookup, which reports it after the actor.
        let prefetch = prefetch.flatMap { p in p.query.bindings.contains { $0.text?.utf8.contains(0) == true } ? nil : p
        }
        // One round trip for both (with BEGIN): the lookup runs after set_config, so row-level security sees the actor.
        let results = try c.pipeline([statement] + (prefetch.map { [$0.query] } ?? []))
        guard let row = results[0].first else { throw ServiceError.unauthenticated(refusal) }
        let actor = try actingUser(row)
        guard let prefetch else { return (actor, nil) }
        return (actor, PrefetchedLookup(key: prefetch.key, rows: results[1]))
    }

    private static func actingUser(_ row: Row) throws -> ActingUser {
        let (id, login, name, role, departmentID, departmentCode, disabled) = try row.decode(
            (Int, String, String, String, Int?, String?, Bool).self)
        guard !disabled else { throw ServiceError.unauthenticated("The account \"\(login)\" is disabled.") }
        guard let role = Role(rawValue: role) else { throw ServiceError.forbidden("Unknown role.") }
        return ActingUser(
            id: id, login: login, displayName: name, role: role, departmentID: departmentID,
            departmentCode: departmentCode)
    }
}
