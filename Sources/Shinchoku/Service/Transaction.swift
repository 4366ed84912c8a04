import Foundation
import LibPQ
import Logging

/// One service call's transaction: the connection and the resolved acting user.
struct Transaction {
    let connection: Connection
    let actor: ActingUser
    /// What the transaction did that matters after its COMMIT (a publication request wakes the publisher).
    var effects = TransactionEffects()
    /// Where a workflow step's last writes wait for COMMIT; nil to run every statement at once.
    var deferred: DeferredStatements? = nil
    /// The step's lookup, when it was read with the acting user.
    var prefetched: PrefetchedLookup? = nil

    /// Throws `forbidden` unless the actor has one of the roles. The bootstrap operator passes only
    /// where `bootstrapAllowed` (setting up an empty database).
    func require(_ roles: Role..., to what: String, bootstrapAllowed: Bool = false) throws {
        let allowed = roles.map(\.rawValue).joined(separator: " or ")
        if actor.isBootstrap && !bootstrapAllowed {
            throw ServiceError.forbidden(
                "The database has no admin yet: create one first; only that is allowed without an acting user.",
                remedy: .createFirstAdmin)
        }
        guard let role = actor.role else {
            throw ServiceError.forbidden(
                "Only \(allowed) accounts may \(what): say who you are.", remedy: .nameActingUser)
        }
        guard roles.contains(role) else {
            throw ServiceError.forbidden("Only \(allowed) accounts may \(what); \(actor.login) is \(role.rawValue).")
        }
    }

    /// Writes one audit event in this transaction. The database links it into the audit chain and holds the chain's
    /// lock until the transaction ends (docs/audit-chain.md), so write it last: later work keeps other writers waiting.
    /// In a call that defers its last writes (``DeferredStatements``) it goes with COMMIT.
    func audit(
        _ action: AuditAction, id: String, before: (any Encodable)? = nil,
        after: (any Encodable)? = nil, reason: String? = nil
    ) throws {
        try later(
            Audit.insert(
                actorID: actor.id, actorLogin: actor.login, action: action, id: id, before: before, after: after,
                reason: reason))
    }
}
