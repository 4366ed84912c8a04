import Foundation
import LibPQ

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
    var email: String?
    /// How many sessions a change ended, when it ended any.
    var sessionsEnded: Int?

    init(_ user: UserInfo, sessionsEnded: Int? = nil) {
        login = user.login
        displayName = user.displayName
        role = user.role
        department = user.department
        disabled = user.disabled
        version = user.version
        email = user.email
        self.sessionsEnded = sessionsEnded
    }
}

/// SQL and rules for the users table.
enum AccountStore {
    /// Names that stand for the local operator in the audit trail, so no account may take them.
    static let reservedLogins: Set<String> = ["bootstrap", "local"]

    /// The refusal of a department code that names no department.
    static func noDepartment(_ code: String) -> RuleText {
        RuleText(
            "there is no department \(code)",
            ja: "担当課「\(code)」は登録されていません。登録されている担当課を選んでください。")
    }

    static func checkLogin(_ login: String, into v: inout Validation) {
        let formatOK = login.range(of: "^[a-z0-9][a-z0-9_.-]{1,63}$", options: .regularExpression) != nil
        v.require(
            formatOK, "login",
            "must be 2–64 lower-case letters, digits, _, . or -, starting with a letter or digit",
            ja: "ログインIDは、半角の英小文字・数字・「_」「.」「-」で2～64文字にし、英小文字か数字で始めてください。")
        v.require(
            !reservedLogins.contains(login), "login", "\(login) is reserved",
            ja: "ログインID「\(login)」はシステムが使うため登録できません。別のログインIDにしてください。")
    }

    /// An email address as the database's `users_email_format` accepts it.
    static func checkEmail(_ email: String, into v: inout Validation) {
        let ok =
            email.utf8.count <= 254
            && email.range(of: "^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$", options: .regularExpression)
                != nil
        v.require(
            ok, "email", "must be a plain address such as name@example.jp",
            ja: "メールアドレスは name@example.jp のような形で入力してください。")
    }

    /// Refuses an address another account has, whatever its case.
    static func requireFreeEmail(_ c: Connection, _ email: String, besides id: Int?) throws {
        let taken = try c.query(
            "SELECT login FROM users WHERE lower(email) = lower(\(email)) AND id IS DISTINCT FROM \(id)"
        ).first?.decode(String.self)
        if let taken {
            throw ServiceError.conflict(
                "The email address is already used by the account \(taken).",
                ja: "このメールアドレスは既にアカウント「\(taken)」で使われています。")
        }
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
            guard let department else {
                return v.add(
                    "department", "a clerk needs a department", ja: "入力担当には担当課が必要です。担当課を選んでください。")
            }
            guard let found else { return v.add("department", Self.noDepartment(department)) }
            v.require(
                !found.approving, "department", "\(department) is the approving division: its staff are approvers",
                ja: "「\(department)」は承認を行う課です。この課の職員は承認者にしてください。")
        case .approver:
            guard let department else { return }
            guard let found else { return v.add("department", Self.noDepartment(department)) }
            v.require(
                found.approving, "department",
                "\(department) is not the approving division: an approver belongs to it or to no department",
                ja: "「\(department)」は承認を行う課ではありません。承認者の担当課は、承認を行う課にするか空欄にしてください。")
        case .admin:
            v.require(
                department == nil, "department", "an admin belongs to no department",
                ja: "管理者には担当課を設定できません。担当課を空欄にしてください。")
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
                "The database has no admin yet: the first account must be an admin.", remedy: .firstAccountIsAdmin)
        }
        var v = Validation()
        for e in inputErrors { v.add(e.field, e.message, ja: e.ja) }
        try checkPlacement(tx.connection, role: role, department: department, into: &v)
        try v.check()
        if try tx.connection.query("SELECT 1 FROM users WHERE login = \(login)").count > 0 {
            throw ServiceError.conflict(
                "An account with the login \(login) already exists.",
                ja: "ログインID「\(login)」のアカウントは既にあります。別のログインIDにしてください。")
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
            throw ServiceError.conflict(
                "\(login) is the last enabled admin; make another admin first.",
                ja: "「\(login)」は有効な最後の管理者です。先に別の管理者を用意してください。")
        }
    }

    /// Ends every open session of an account; returns how many.
    static func revokeSessions(_ c: Connection, userID: Int) throws -> Int {
        try c.execute("UPDATE sessions SET revoked_at = now() WHERE user_id = \(userID) AND revoked_at IS NULL")
    }

    static func replacePassword(_ tx: Transaction, login: String, hash: String, action: AuditAction) throws -> UserInfo
    {
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
            action, id: login, before: AccountSnapshot(before.info),
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
            SELECT u.id, u.login, u.display_name, u.role::text, d.code, u.disabled_at IS NOT NULL, u.created_at, u.version,
                   u.email
            FROM users u LEFT JOIN departments d ON d.id = u.department_id
            WHERE \(login)::text IS NULL OR u.login = \(login)
            ORDER BY u.login
            """ + lock)
        return try rows.map { r in
            let (id, login, name, role, department, disabled, created, version, email) = try r.decode(
                (Int, String, String, String, String?, Bool, Date, Int, String?).self)
            guard let role = Role(rawValue: role) else {
                throw PostgresError(kind: .decoding, message: "unexpected role in users.role")
            }
            return (
                id,
                UserInfo(
                    login: login, displayName: name, role: role, department: department, disabled: disabled,
                    createdAt: created, version: version, email: email)
            )
        }
    }
}
