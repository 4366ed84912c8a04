import Foundation
import LibPQ

/// An account as admins see it. Never carries the password or its hash.
public struct UserInfo: Sendable, Equatable, Codable {
    public var login: String
    public var displayName: String
    public var role: Role
    /// The department's code; nil for admins, and for approvers outside any department.
    public var department: String?
    public var disabled: Bool
    public var createdAt: Date
    public var version: Int
}

/// A new account, and its password when Shinchoku generated one.
///
/// The generated password is shown to the admin once, here; it is stored only as a bcrypt hash and never logged.
/// `description` leaves it out so that printing the value does not leak it.
public struct CreatedUser: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    public var user: UserInfo
    /// The password Shinchoku chose, when the admin gave none; nil when the admin set it.
    public var generatedPassword: String?

    public var description: String {
        "CreatedUser(\(user.login), \(user.role.rawValue)\(generatedPassword == nil ? "" : ", generated password redacted"))"
    }
    public var debugDescription: String { description }
}

extension ShinchokuService {
    // MARK: Reading accounts

    /// Every account, by login. Admins and the local operator only.
    public func users(as reader: ActorReference) async throws -> [UserInfo] {
        try await perform(as: reader) { tx in
            try tx.requireReader(.admin, to: "list accounts")
            return try AccountStore.users(tx.connection, login: nil)
        }
    }

    /// One account. Admins and the local operator only.
    public func user(login: String, as reader: ActorReference) async throws -> UserInfo {
        try await perform(as: reader) { tx in
            try tx.requireReader(.admin, to: "look at accounts")
            return try AccountStore.existing(tx.connection, login: login).info
        }
    }

    // MARK: Changing accounts

    /// Creates an account. Admin only; while the database has no admin, the local operator may create the first
    /// admin (and nothing else). Without a password, a strong one is generated and returned once.
    ///
    /// Rules: the login is 2–64 lower-case letters, digits, `_`, `.` or `-`, and unique; a clerk belongs to a
    /// department that submits (not the approving division); an approver belongs to the approving division or to
    /// no department; an admin to none; a password has 12 characters or more.
    public func createUser(
        login: String, displayName: String, role: Role, department: String?, password: String? = nil,
        as reference: ActorReference
    ) async throws -> CreatedUser {
        var v = Validation()
        AccountStore.checkLogin(login, into: &v)
        v.require(
            !displayName.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "display_name", "must not be empty")
        if let password { PasswordHasher.check(password, into: &v) }
        let inputErrors = v.errors

        // Authorise and validate before hashing, so that a refused call costs no bcrypt time.
        try await perform(as: reference) { tx in
            try AccountStore.checkCreate(tx, login: login, role: role, department: department, inputErrors: inputErrors)
        }
        let generated = password == nil ? PasswordHasher.generate() : nil
        let hash = await PasswordHasher.hash(password ?? generated!, cost: bcryptCost)

        let user = try await perform(as: reference) { tx in
            // Again: someone may have taken the login or removed the department while we hashed.
            try AccountStore.checkCreate(tx, login: login, role: role, department: department, inputErrors: inputErrors)
            try tx.connection.execute(
                """
                INSERT INTO users (login, display_name, role, department_id, password_hash)
                VALUES (\(login), \(displayName), \(role.rawValue),
                        (SELECT id FROM departments WHERE code = \(department)), \(hash))
                """)
            let created = try AccountStore.existing(tx.connection, login: login).info
            try tx.audit(
                "user.create", entity: .user, id: login, after: AccountSnapshot(created),
                reason: tx.actor.isBootstrap ? "bootstrap" : nil)
            return created
        }
        return CreatedUser(user: user, generatedPassword: generated)
    }

    /// Disables an account and ends all its sessions at once. Admin only. An admin cannot disable itself, and
    /// the last enabled admin cannot be disabled.
    public func disableUser(login: String, as reference: ActorReference) async throws -> UserInfo {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "disable accounts")
            let c = tx.connection
            let before = try AccountStore.existing(c, login: login, forUpdate: true)
            if before.info.login == tx.actor.login {
                throw ServiceError.conflict("You cannot disable your own account; ask another admin.")
            }
            if before.info.disabled { throw ServiceError.conflict("The account \(login) is already disabled.") }
            if before.info.role == .admin { try AccountStore.requireAnotherEnabledAdmin(c, besides: login) }
            try c.execute(
                """
                UPDATE users SET disabled_at = now(), version = version + 1, updated_at = now()
                WHERE id = \(before.id)
                """)
            let revoked = try AccountStore.revokeSessions(c, userID: before.id)
            let after = try AccountStore.existing(c, login: login).info
            try tx.audit(
                "user.disable", entity: .user, id: login, before: AccountSnapshot(before.info),
                after: AccountSnapshot(after, sessionsEnded: revoked))
            return after
        }
    }

    /// Enables a disabled account. Admin only. Its old sessions stay ended: the user logs in again.
    public func enableUser(login: String, as reference: ActorReference) async throws -> UserInfo {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "enable accounts")
            let c = tx.connection
            let before = try AccountStore.existing(c, login: login, forUpdate: true)
            if !before.info.disabled { throw ServiceError.conflict("The account \(login) is not disabled.") }
            try c.execute(
                """
                UPDATE users SET disabled_at = NULL, version = version + 1, updated_at = now()
                WHERE id = \(before.id)
                """)
            let after = try AccountStore.existing(c, login: login).info
            try tx.audit(
                "user.enable", entity: .user, id: login, before: AccountSnapshot(before.info),
                after: AccountSnapshot(after))
            return after
        }
    }

    /// Changes an account's role and department, under the same rules as ``createUser``. Admin only. The last
    /// enabled admin cannot be made anything else.
    public func setRole(login: String, role: Role, department: String?, as reference: ActorReference) async throws
        -> UserInfo
    {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "change roles")
            let c = tx.connection
            let before = try AccountStore.existing(c, login: login, forUpdate: true)
            var v = Validation()
            try AccountStore.checkPlacement(c, role: role, department: department, into: &v)
            try v.check()
            if before.info.role == role && before.info.department == department {
                throw ServiceError.conflict(
                    "\(login) is already \(role.rawValue)\(department.map { " in \($0)" } ?? "").")
            }
            if before.info.role == .admin && role != .admin && !before.info.disabled {
                try AccountStore.requireAnotherEnabledAdmin(c, besides: login)
            }
            try c.execute(
                """
                UPDATE users SET role = \(role.rawValue), department_id = (SELECT id FROM departments WHERE code = \(department)),
                    version = version + 1, updated_at = now()
                WHERE id = \(before.id)
                """)
            let after = try AccountStore.existing(c, login: login).info
            try tx.audit(
                "user.set_role", entity: .user, id: login, before: AccountSnapshot(before.info),
                after: AccountSnapshot(after))
            return after
        }
    }

    /// Sets an account's password and ends all its sessions. Admin only.
    public func setPassword(login: String, password: String, as reference: ActorReference) async throws -> UserInfo {
        var v = Validation()
        PasswordHasher.check(password, into: &v)
        let inputErrors = v.errors
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "set passwords")
            _ = try AccountStore.existing(tx.connection, login: login)
            try ServiceError.invalidUnlessEmpty(inputErrors)
        }
        let hash = await PasswordHasher.hash(password, cost: bcryptCost)
        return try await perform(as: reference) { tx in
            try tx.require(.admin, to: "set passwords")
            return try AccountStore.replacePassword(tx, login: login, hash: hash, action: "user.set_password")
        }
    }

    /// Gives an account a new generated password, returned once, and ends all its sessions. Admin only.
    public func resetPassword(login: String, as reference: ActorReference) async throws -> String {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "reset passwords")
            _ = try AccountStore.existing(tx.connection, login: login)
        }
        let password = PasswordHasher.generate()
        let hash = await PasswordHasher.hash(password, cost: bcryptCost)
        _ = try await perform(as: reference) { tx in
            try tx.require(.admin, to: "reset passwords")
            return try AccountStore.replacePassword(tx, login: login, hash: hash, action: "user.reset_password")
        }
        return password
    }
}

extension Transaction {
    /// Like ``require(_:to:bootstrapAllowed:)`` for reading: the local operator, who has the database credentials
    /// anyway, may read everything.
    func requireReader(_ roles: Role..., to what: String) throws {
        if actor.id == nil { return }
        guard let role = actor.role, roles.contains(role) else {
            let allowed = roles.map(\.rawValue).joined(separator: " or ")
            throw ServiceError.forbidden(
                "Only \(allowed) accounts may \(what); \(actor.login) is \(actor.role?.rawValue ?? "not signed in").")
        }
    }
}

extension ServiceError {
    /// Throws `invalid` listing the errors, if there are any.
    static func invalidUnlessEmpty(_ errors: [FieldError]) throws {
        if !errors.isEmpty { throw ServiceError.invalid(errors) }
    }
}

/// What the audit trail keeps of an account: everything an admin sees, never the password hash. Dates are left
/// out because the audit event has its own time.
struct AccountSnapshot: Encodable {
    var login: String
    var displayName: String
    var role: Role
    var department: String?
    var disabled: Bool
    var version: Int
    /// How many sessions a change ended, when it ended any.
    var sessionsEnded: Int?

    init(_ user: UserInfo, sessionsEnded: Int? = nil) {
        login = user.login
        displayName = user.displayName
        role = user.role
        department = user.department
        disabled = user.disabled
        version = user.version
        self.sessionsEnded = sessionsEnded
    }
}

/// SQL and rules for the users table.
enum AccountStore {
    /// Names that stand for the local operator in the audit trail, so no account may take them.
    static let reservedLogins: Set<String> = ["bootstrap", "local"]

    static func checkLogin(_ login: String, into v: inout Validation) {
        let formatOK = login.range(of: "^[a-z0-9][a-z0-9_.-]{1,63}$", options: .regularExpression) != nil
        v.require(
            formatOK, "login",
            "must be 2–64 lower-case letters, digits, _, . or -, starting with a letter or digit")
        v.require(!reservedLogins.contains(login), "login", "\(login) is reserved")
    }

    /// Adds the field errors of a role and department that do not go together.
    ///
    /// A clerk needs a department that submits; the approving division owns no projects, so a clerk there could
    /// do nothing. An approver belongs to the approving division or to none (reviewing does not depend on it).
    /// An admin belongs to none: administration is not a department's work in Shinchoku.
    static func checkPlacement(_ c: Connection, role: Role, department: String?, into v: inout Validation) throws {
        let found = try department.flatMap { try PlanStore.department(c, code: $0) }
        switch role {
        case .clerk:
            guard let department else { return v.add("department", "a clerk needs a department") }
            guard let found else { return v.add("department", "there is no department \(department)") }
            v.require(
                !found.approving, "department", "\(department) is the approving division: its staff are approvers")
        case .approver:
            guard let department else { return }
            guard let found else { return v.add("department", "there is no department \(department)") }
            v.require(
                found.approving, "department",
                "\(department) is not the approving division: an approver belongs to it or to no department")
        case .admin:
            v.require(department == nil, "department", "an admin belongs to no department")
        }
    }

    /// Everything `createUser` checks that needs the database, in the order that tells the caller least:
    /// permission, then every field error at once, then a duplicate login.
    static func checkCreate(
        _ tx: Transaction, login: String, role: Role, department: String?, inputErrors: [ServiceError.FieldError]
    ) throws {
        try tx.require(.admin, to: "create accounts", bootstrapAllowed: true)
        if tx.actor.isBootstrap && role != .admin {
            throw ServiceError.forbidden(
                "The database has no admin yet: the first account must be an admin (user create --role admin).")
        }
        var v = Validation()
        for e in inputErrors { v.add(e.field, e.message) }
        try checkPlacement(tx.connection, role: role, department: department, into: &v)
        try v.check()
        if try tx.connection.query("SELECT 1 FROM users WHERE login = \(login)").count > 0 {
            throw ServiceError.conflict("An account with the login \(login) already exists.")
        }
    }

    /// Refuses to take away the last enabled admin.
    ///
    /// The enabled admins are locked first, so that two admins disabling or demoting each other at the same time
    /// cannot both succeed: the second waits, then sees the first one's change.
    static func requireAnotherEnabledAdmin(_ c: Connection, besides login: String) throws {
        let others = try c.query(
            """
            SELECT login FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE
            """
        ).decodeColumn(String.self).filter { $0 != login }
        if others.isEmpty {
            throw ServiceError.conflict("\(login) is the last enabled admin; make another admin first.")
        }
    }

    /// Ends every open session of an account; returns how many.
    static func revokeSessions(_ c: Connection, userID: Int) throws -> Int {
        try c.execute("UPDATE sessions SET revoked_at = now() WHERE user_id = \(userID) AND revoked_at IS NULL")
    }

    static func replacePassword(_ tx: Transaction, login: String, hash: String, action: String) throws -> UserInfo {
        let c = tx.connection
        let before = try existing(c, login: login, forUpdate: true)
        try c.execute(
            """
            UPDATE users SET password_hash = \(hash), version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        // Whoever knew the old password may hold a session: end them all.
        let revoked = try revokeSessions(c, userID: before.id)
        let after = try existing(c, login: login).info
        try tx.audit(
            action, entity: .user, id: login, before: AccountSnapshot(before.info),
            after: AccountSnapshot(after, sessionsEnded: revoked))
        return after
    }

    static func existing(_ c: Connection, login: String, forUpdate: Bool = false) throws -> (id: Int, info: UserInfo) {
        guard let found = try users(c, login: login, forUpdate: forUpdate).first else {
            throw ServiceError.notFound("There is no account with the login \(login).")
        }
        return found
    }

    static func users(_ c: Connection, login: String?) throws -> [UserInfo] {
        try users(c, login: login, forUpdate: false).map(\.info)
    }

    static func users(_ c: Connection, login: String?, forUpdate: Bool) throws -> [(id: Int, info: UserInfo)] {
        let lock: SQLQuery = forUpdate ? " FOR UPDATE OF u" : ""
        let rows = try c.query(
            """
            SELECT u.id, u.login, u.display_name, u.role::text, d.code, u.disabled_at IS NOT NULL, u.created_at, u.version
            FROM users u LEFT JOIN departments d ON d.id = u.department_id
            WHERE \(login)::text IS NULL OR u.login = \(login)
            ORDER BY u.login
            """ + lock)
        return try rows.map { r in
            let (id, login, name, role, department, disabled, created, version) = try r.decode(
                (Int, String, String, String, String?, Bool, Date, Int).self)
            guard let role = Role(rawValue: role) else {
                throw PostgresError(kind: .decoding, message: "unexpected role in users.role")
            }
            return (
                id,
                UserInfo(
                    login: login, displayName: name, role: role, department: department, disabled: disabled,
                    createdAt: created, version: version)
            )
        }
    }
}
