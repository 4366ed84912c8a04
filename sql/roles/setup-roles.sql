-- The two database roles (issue 10), run by a superuser through "shinchoku-admin db setup-roles". Idempotent:
-- creates what is missing and resets the attributes of what exists, so that neither role can bypass the rules.
--   shinchoku_owner  owns the schema; "shinchoku-admin migrate" runs as it (or as a superuser, who then acts as it).
--   shinchoku_app    shinchoku-server and the everyday shinchoku-admin commands; owns nothing; only the grants in
--                    grants.sql. Row-level security applies to it.
-- Passwords are not set here; set them with ALTER ROLE ... PASSWORD (psql: \password) or use peer/cert auth.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shinchoku_owner') THEN
        CREATE ROLE shinchoku_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shinchoku_app') THEN
        CREATE ROLE shinchoku_app LOGIN;
    END IF;
END $$;
ALTER ROLE shinchoku_owner NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE shinchoku_app NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
-- The application must not act as the owner, whatever was granted before.
DO $$
BEGIN
    IF pg_has_role('shinchoku_app', 'shinchoku_owner', 'MEMBER') THEN
        REVOKE shinchoku_owner FROM shinchoku_app;
    END IF;
END $$;
