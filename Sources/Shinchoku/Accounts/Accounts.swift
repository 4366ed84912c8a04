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
    /// Where notifications are mailed; nil when none is set (the account still gets in-app notifications).
    public var email: String? = nil
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
        email: String? = nil, as reference: ActorReference
    ) async throws -> CreatedUser {
        var v = Validation()
        AccountStore.checkLogin(login, into: &v)
        if let email { AccountStore.checkEmail(email, into: &v) }
        v.require(
            !displayName.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "display_name", "must not be empty",
            ja: "氏名を入力してください。")
        let name = v.text(displayName, "display_name") ?? displayName
        if let password { PasswordHasher.check(password, login: login, displayName: name, into: &v) }
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
            if let email { try AccountStore.requireFreeEmail(tx.connection, email, besides: nil) }
            try tx.connection.execute(
                """
                INSERT INTO users (login, display_name, role, department_id, password_hash, email)
                VALUES (\(login), \(name), \(role.rawValue),
                        (SELECT id FROM departments WHERE code = \(department)), \(hash), \(email))
                """)
            let created = try AccountStore.existing(tx.connection, login: login).info
            try tx.audit(
                .userCreate, id: login, after: AccountSnapshot(created),
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
                throw ServiceError.conflict(
                    "You cannot disable your own account; ask another admin.",
                    ja: "自分のアカウントは無効にできません。別の管理者に依頼してください。")
            }
            if before.info.disabled {
                throw ServiceError.conflict(
                    "The account \(login) is already disabled.", ja: "アカウント「\(login)」は既に無効です。")
            }
            if before.info.role == .admin { try AccountStore.requireAnotherEnabledAdmin(c, besides: login) }
            try c.execute(
                """
                UPDATE users SET disabled_at = now(), version = version + 1, updated_at = now()
                WHERE id = \(before.id)
                """)
            let revoked = try AccountStore.revokeSessions(c, userID: before.id)
            let after = try AccountStore.existing(c, login: login).info
            try tx.audit(
                .userDisable, id: login, before: AccountSnapshot(before.info),
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
            if !before.info.disabled {
                throw ServiceError.conflict(
                    "The account \(login) is not disabled.", ja: "アカウント「\(login)」は無効になっていません。")
            }
            try c.execute(
                """
                UPDATE users SET disabled_at = NULL, version = version + 1, updated_at = now()
                WHERE id = \(before.id)
                """)
            let after = try AccountStore.existing(c, login: login).info
            try tx.audit(
                .userEnable, id: login, before: AccountSnapshot(before.info),
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
                .userSetRole, id: login, before: AccountSnapshot(before.info),
                after: AccountSnapshot(after))
            return after
        }
    }

    /// Sets or clears (nil) an account's email address, where its notifications are mailed. Admin only; audited as
    /// `user.set_email`.
    ///
    /// Rules: a plain address (`name@host.domain`, at most 254 characters, no display name); one account per address,
    /// whatever its case (`conflict` otherwise).
    public func setEmail(login: String, email: String?, as reference: ActorReference) async throws -> UserInfo {
        var v = Validation()
        if let email { AccountStore.checkEmail(email, into: &v) }
        try v.check()
        return try await perform(as: reference) { tx in
            try tx.require(.admin, to: "set email addresses")
            let c = tx.connection
            let before = try AccountStore.existing(c, login: login, forUpdate: true)
            if before.info.email == email {
                throw ServiceError.conflict(
                    "\(login) has that email address already.", ja: "「\(login)」には既にそのメールアドレスが設定されています。")
            }
            if let email { try AccountStore.requireFreeEmail(c, email, besides: before.id) }
            try c.execute(
                """
                UPDATE users SET email = \(email), version = version + 1, updated_at = now()
                WHERE id = \(before.id)
                """)
            let after = try AccountStore.existing(c, login: login).info
            try tx.audit(
                .userSetEmail, id: login, before: AccountSnapshot(before.info), after: AccountSnapshot(after))
            return after
        }
    }

    /// Sets an account's password and ends all its sessions. Admin only.
    public func setPassword(login: String, password: String, as reference: ActorReference) async throws -> UserInfo {
        try await perform(as: reference) { tx in
            try tx.require(.admin, to: "set passwords")
            // The account's own login and name are among the passwords it may not have.
            let account = try AccountStore.existing(tx.connection, login: login)
            var v = Validation()
            PasswordHasher.check(password, login: account.info.login, displayName: account.info.displayName, into: &v)
            try v.check()
        }
        let hash = await PasswordHasher.hash(password, cost: bcryptCost)
        return try await perform(as: reference) { tx in
            try tx.require(.admin, to: "set passwords")
            return try AccountStore.replacePassword(tx, login: login, hash: hash, action: .userSetPassword)
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
            return try AccountStore.replacePassword(tx, login: login, hash: hash, action: .userResetPassword)
        }
        return password
    }
}
