import Foundation
import LibPQ
import ShinchokuSQL

/// The two database roles that let PostgreSQL itself enforce ownership and history (issue 10; docs/security.md).
///
/// - ``owner`` (`shinchoku_owner`) owns the schema. Migrations run as it: connected as it, or as a superuser, who
///   then acts as it (`SET LOCAL ROLE`), so that every object belongs to it either way.
/// - ``application`` (`shinchoku_app`) is what `shinchoku-server` and the everyday `shinchoku-admin` commands
///   connect as. It is not a superuser, owns nothing, cannot bypass row-level security, and holds only the grants
///   in `sql/roles/grants.sql`.
public enum DatabaseRoles {
    /// The role that owns the schema and runs migrations.
    public static let owner = "shinchoku_owner"
    /// The role the application connects as.
    public static let application = "shinchoku_app"

    /// Who a connection is, as far as the roles go.
    public struct Identity: Sendable, Equatable {
        /// `current_user`.
        public var user: String
        public var isSuperuser: Bool
        /// Whether the role skips row-level security (superusers do too).
        public var bypassesRowSecurity: Bool
        /// Whether both Shinchoku roles exist in the cluster.
        public var rolesExist: Bool
    }

    /// Reads who the connection is.
    public static func identity(on c: Connection) throws -> Identity {
        let (user, superuser, bypass, exist) = try c.query(
            """
            SELECT current_user::text, r.rolsuper, r.rolbypassrls,
                   (SELECT count(*) = 2 FROM pg_roles WHERE rolname IN (\(owner), \(application)))
            FROM pg_roles r WHERE r.rolname = current_user
            """
        ).single().decode((String, Bool, Bool, Bool).self)
        return Identity(user: user, isSuperuser: superuser, bypassesRowSecurity: bypass, rolesExist: exist)
    }

    /// `shinchoku-admin db setup-roles`: creates both roles where missing and resets their attributes (no
    /// superuser, no BYPASSRLS, the application not a member of the owner). Idempotent. Sets no password.
    ///
    /// - Throws: ``ServiceError`` `forbidden` unless connected as a superuser (creating roles needs one).
    public static func setUp(pool: ConnectionPool) async throws {
        let script = try String(
            contentsOf: ShinchokuSQL.rolesDirectory.appendingPathComponent("setup-roles.sql"), encoding: .utf8)
        try await pool.withTransaction { c in
            let me = try identity(on: c)
            guard me.isSuperuser else {
                throw ServiceError.forbidden(
                    "Setting up the roles needs a superuser; connected as \(me.user).",
                    ja: "ロールの作成にはスーパーユーザーでの接続が必要です（接続中: \(me.user)）。")
            }
            // Two setups at once would race on CREATE ROLE.
            try c.execute("SELECT pg_advisory_xact_lock(727384003)")
            try c.executeScript(unsafeSQL: script)
        }
    }

    /// Before migrating as a superuser: hands the schema's existing objects to ``owner`` (an installation from
    /// before the two roles kept them under whichever role ran its migrations) and lets the owner create objects.
    static func adoptSchema(on c: Connection) throws {
        try c.executeScript(
            unsafeSQL: """
                GRANT USAGE, CREATE ON SCHEMA public TO shinchoku_owner;
                DO $$
                DECLARE
                    r record;
                BEGIN
                    FOR r IN
                        SELECT c.oid::regclass AS name FROM pg_class c
                        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                          AND c.relowner <> 'shinchoku_owner'::regrole
                          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                          AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
                    LOOP
                        EXECUTE format('ALTER TABLE %s OWNER TO shinchoku_owner', r.name);
                    END LOOP;
                    FOR r IN
                        SELECT t.oid::regtype AS name FROM pg_type t
                        WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd')
                          AND t.typowner <> 'shinchoku_owner'::regrole
                    LOOP
                        EXECUTE format('ALTER TYPE %s OWNER TO shinchoku_owner', r.name);
                    END LOOP;
                    FOR r IN
                        SELECT p.oid::regprocedure AS name FROM pg_proc p
                        WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> 'shinchoku_owner'::regrole
                          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                          AND d.objid = p.oid AND d.deptype = 'e')
                    LOOP
                        EXECUTE format('ALTER FUNCTION %s OWNER TO shinchoku_owner', r.name);
                    END LOOP;
                END $$;
                """)
    }

    /// After migrating: the application role's grants, exactly as `sql/roles/grants.sql` says (it revokes first).
    static func applyGrants(on c: Connection) throws {
        let script = try String(
            contentsOf: ShinchokuSQL.rolesDirectory.appendingPathComponent("grants.sql"), encoding: .utf8)
        try c.executeScript(unsafeSQL: script)
    }
}
