/// The server cannot start: the message says why, for the operator (and the journal).
public struct ServerStartError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension ServerStartError {
    /// The database role bypasses row-level security (a superuser, or BYPASSRLS).
    static func privilegedDatabaseRole(_ user: String) -> ServerStartError {
        ServerStartError(
            message: "shinchoku-server connects to the database as \(user), which bypasses row-level security, so "
                + "none of the database's own rules would hold. Connect as shinchoku_app instead "
                + "(shinchoku-admin db setup-roles creates it; see docs/security.md).")
    }
}
