import Foundation
import LibPQ

/// A successful login: the session token (shown to the client once; Shinchoku keeps only its SHA-256), when it
/// expires, and who logged in. `description` leaves the token out so that printing the value does not leak it.
public struct LoginResult: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    public var token: String
    public var expiresAt: Date
    public var user: UserInfo

    public var description: String { "LoginResult(\(user.login), token redacted, expires \(expiresAt))" }
    public var debugDescription: String { description }
}

extension ShinchokuService {
    /// Logs in with a login and a password and starts a session.
    ///
    /// Every refusal is the same `unauthenticated` error ("The login or password is wrong."), whether the login
    /// is unknown, the password wrong, the account disabled or without a password, and takes about as long: a
    /// bcrypt check runs in every case. Failures are throttled fairly by ``LoginThrottle``: per login and
    /// `clientAddress`, and per `clientAddress` across logins, with a doubling wait rather than a lock; a throttled
    /// attempt is `throttled` (with `retryAfterSeconds`) without looking at the password. A successful login
    /// forgives that login's failures from that address only.
    ///
    /// `clientAddress` is the client's IP address as the HTTP layer determined it; nil (a caller without one)
    /// counts as one shared address, ``LoginThrottle/unknownAddress``.
    ///
    /// The login is compared in lower case (logins are lower case), and so is the throttling counted: `Admin`
    /// and `admin` share one allowance.
    public func login(login typedLogin: String, password: String, clientAddress: String? = nil) async throws
        -> LoginResult
    {
        let login = SessionStore.normalized(typedLogin)
        let address = LoginThrottle.normalized(clientAddress)
        let account = try await performAnonymous { c in
            if let wait = try LoginThrottle.standard.wait(c, login: login, address: address) {
                let after = wait < 60 ? "\(wait) second\(wait == 1 ? "" : "s")" : "\((wait + 59) / 60) minutes"
                throw ServiceError(
                    .throttled, "Too many failed logins from this address. Try again in \(after).",
                    retryAfterSeconds: wait)
            }
            return try SessionStore.account(c, login: login)
        }

        // One bcrypt check whatever we found, so that the time taken does not tell whether the login exists.
        let usableHash = account.flatMap { $0.disabled ? nil : $0.passwordHash }
        let checked = usableHash ?? PasswordHasher.dummyHash(cost: bcryptCost)
        let matches = await PasswordHasher.verify(password, hash: checked)
        let accepted = matches && usableHash != nil && PasswordHasher.couldBeStored(password)

        guard accepted, let account else {
            // Its own transaction: the failure must stay recorded although the login fails.
            try await performAnonymous { c in try LoginThrottle.recordFailure(c, login: login, address: address) }
            throw SessionStore.wrongLogin
        }

        let token = SessionToken.generate()
        let tokenHash = SessionToken.hash(token)!
        let lifetime = sessionLifetime
        return try await performAnonymous { c in
            // The account has proved itself: locking its row, the session and the audit event are its own writes,
            // which row-level security checks against app.actor_id like any other (a disabled one is no actor).
            try c.execute("SELECT set_config('app.actor_id', \(String(account.id)), true)")
            // The account may have been disabled, or its password changed, while bcrypt ran.
            guard let now = try SessionStore.account(c, login: login, forUpdate: true), now.id == account.id,
                !now.disabled, now.passwordHash == account.passwordHash
            else { throw SessionStore.wrongLogin }
            let expiresAt = try c.query(
                """
                INSERT INTO sessions (user_id, token_hash, expires_at)
                VALUES (\(account.id), decode(\(tokenHash), 'hex'), now() + make_interval(secs => \(SessionStore.seconds(lifetime))))
                RETURNING expires_at
                """
            ).single().decode(Date.self)
            try LoginThrottle.clear(c, login: login, address: address)
            let user = try AccountStore.existing(c, login: login).info
            try Audit.write(
                on: c, actorID: account.id, actorLogin: login, action: .sessionLogin, id: login,
                before: nil, after: SessionSnapshot(expiresAt: expiresAt), reason: nil)
            return LoginResult(token: token, expiresAt: expiresAt, user: user)
        }
    }

    /// Ends the session of a token. An expired or ended session is `unauthenticated`.
    public func logout(token: String) async throws {
        try await perform(as: .session(token: token)) { tx in
            guard let hash = SessionToken.hash(token) else { throw ServiceError.unauthenticated() }
            try tx.connection.execute(
                """
                UPDATE sessions SET revoked_at = now()
                WHERE token_hash = decode(\(hash), 'hex') AND revoked_at IS NULL
                """)
            try tx.audit(.sessionLogout, id: tx.actor.login)
        }
    }

    /// The account of a session token: who "I" am. An expired or ended session, or a disabled account, is
    /// `unauthenticated`.
    public func me(token: String) async throws -> UserInfo {
        try await perform(as: .session(token: token)) { tx in
            try AccountStore.existing(tx.connection, login: tx.actor.login).info
        }
    }
}

/// What the audit trail keeps of a new session: when it expires. Never the token or its hash.
struct SessionSnapshot: Encodable {
    var expiresAt: String

    init(expiresAt: Date) {
        self.expiresAt = expiresAt.formatted(.iso8601)
    }
}

/// SQL and rules for sessions and failed logins.
enum SessionStore {
    /// The one answer to every refused login.
    static let wrongLogin = ServiceError.unauthenticated("The login or password is wrong.")

    /// The form a typed login is looked up and throttled under. Capped, because anything is recorded as a failure
    /// and no login is longer than 64 characters.
    static func normalized(_ typed: String) -> String {
        String(typed.lowercased().prefix(128))
    }

    static func seconds(_ d: Duration) -> Int {
        Int(d.components.seconds)
    }

    struct Account: Sendable {
        var id: Int
        var passwordHash: String?
        var disabled: Bool
    }

    static func account(_ c: Connection, login: String, forUpdate: Bool = false) throws -> Account? {
        let lock: SQLQuery = forUpdate ? " FOR UPDATE" : ""
        return try c.query(
            "SELECT id, password_hash, disabled_at IS NOT NULL FROM users WHERE login = \(login)" + lock
        ).first.map { r in
            let (id, hash, disabled) = try r.decode((Int, String?, Bool).self)
            return Account(id: id, passwordHash: hash, disabled: disabled)
        }
    }
}
