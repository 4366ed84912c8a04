import Foundation
import LibPQ

extension ShinchokuService {
    /// Changes the password of the session's own account, given the current one. Any role.
    ///
    /// The current password is checked with bcrypt off the cooperative pool, like a login; a wrong one is
    /// `invalid` on the field `current_password` and counts as a failed login for the account (so that a stolen
    /// session cannot be used to guess the password). The new password follows the same rules as any
    /// (``setPassword(login:password:as:)``), and must differ from the current one. Every other session of the
    /// account ends; the session that made the change stays. One audit event, `user.change_password`.
    ///
    /// `clientAddress` is the client's IP address as the HTTP layer determined it, for login throttling
    /// (``LoginThrottle``); nil counts under ``LoginThrottle/unknownAddress``.
    public func changeOwnPassword(
        current: String, new password: String, token: String, clientAddress: String? = nil
    ) async throws -> UserInfo {
        let reference = ActorReference.session(token: token)
        let account = try await perform(as: reference) { tx in
            guard let id = tx.actor.id else { throw ServiceError.unauthenticated() }
            let (hash, displayName) = try tx.connection.query(
                "SELECT password_hash, display_name FROM users WHERE id = \(id)"
            ).single().decode((String?, String).self)
            return (login: tx.actor.login, hash: hash, displayName: displayName)
        }
        var v = Validation()
        PasswordHasher.check(password, login: account.login, displayName: account.displayName, into: &v)
        if current.isEmpty {
            v.add("current_password", "enter your current password", ja: "現在のパスワードを入力してください。")
        }
        if !current.isEmpty && current == password {
            v.add(
                "password", "must differ from the current password",
                ja: "新しいパスワードは、現在のパスワードと違うものにしてください。")
        }
        try ServiceError.invalidUnlessEmpty(v.errors)
        let stored = account.hash ?? PasswordHasher.dummyHash(cost: bcryptCost)
        guard await PasswordHasher.verify(current, hash: stored), account.hash != nil else {
            let address = LoginThrottle.normalized(clientAddress)
            try await performAnonymous { c in
                try LoginThrottle.recordFailure(c, login: account.login, address: address)
            }
            throw ServiceError.invalid(
                "current_password", "is not your current password",
                ja: "現在のパスワードが正しくありません。入力し直してください。")
        }
        let newHash = await PasswordHasher.hash(password, cost: bcryptCost)
        return try await perform(as: reference) { tx in
            let c = tx.connection
            let before = try AccountStore.existing(c, login: tx.actor.login, forUpdate: true)
            // Changed meanwhile (by an admin, or in another tab): the current password checked above is stale.
            let now = try c.query("SELECT password_hash FROM users WHERE id = \(before.id)").single().decode(
                String?.self)
            guard now == account.hash else {
                throw ServiceError.conflict(
                    "The password was changed meanwhile. Log in again and retry.",
                    ja: "この間にパスワードが変更されました。ログインし直してから、もう一度操作してください。")
            }
            try c.execute(
                """
                UPDATE users SET password_hash = \(newHash), version = version + 1, updated_at = now()
                WHERE id = \(before.id)
                """)
            let hash = SessionToken.hash(token) ?? ""
            let ended = try c.execute(
                """
                UPDATE sessions SET revoked_at = now()
                WHERE user_id = \(before.id) AND revoked_at IS NULL AND token_hash <> decode(\(hash), 'hex')
                """)
            let after = try AccountStore.existing(c, login: tx.actor.login).info
            try tx.audit(
                .userChangePassword, id: tx.actor.login, before: AccountSnapshot(before.info),
                after: AccountSnapshot(after, sessionsEnded: ended))
            return after
        }
    }
}
