-- The acting user's role and department, read in one query each instead of two nested calls.
--
-- Every policy asks (SELECT app_actor_role()) and many (SELECT app_actor_department()), and the guards ask again:
-- a save, submit, approve or reopen evaluates them dozens of times. Each was a SECURITY DEFINER call that made a
-- second one, app_actor_id(), with its own search_path switch and its own query of users; shinchoku-bench profiled
-- the policies' subqueries at about a third of PostgreSQL's CPU on the cycle (docs/performance.md). The results are
-- the same as 0010's: the setting is read by one rule, app_actor_setting(), which app_actor_id() now uses too, and
-- the row must be an enabled account; app_actor_administers() asks app_bootstrapping() only when there is no acting
-- user, as its OR did (app_bootstrapping() is false whenever there is one).

-- The id app.actor_id names, when it is one (decimal digits without a leading zero, at most 18: 0005's rule), else
-- NULL; whether that account exists and is enabled is for its callers to ask. A plain SQL function, so that it is
-- inlined where it is called rather than called.
CREATE FUNCTION app_actor_setting() RETURNS bigint
    LANGUAGE sql STABLE
    RETURN CASE WHEN current_setting('app.actor_id', true) ~ '^[1-9][0-9]{0,17}$'
                THEN current_setting('app.actor_id', true)::bigint END;

CREATE OR REPLACE FUNCTION app_actor_id() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    actor bigint := app_actor_setting();
BEGIN
    IF actor IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT u.id INTO actor FROM users u WHERE u.id = actor AND u.disabled_at IS NULL;
    RETURN actor;
END $$;

CREATE OR REPLACE FUNCTION app_actor_role() RETURNS user_role
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    actor bigint := app_actor_setting();
    actor_role user_role;
BEGIN
    IF actor IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT u.role INTO actor_role FROM users u WHERE u.id = actor AND u.disabled_at IS NULL;
    RETURN actor_role;
END $$;

CREATE OR REPLACE FUNCTION app_actor_department() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    actor bigint := app_actor_setting();
    department bigint;
BEGIN
    IF actor IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT u.department_id INTO department FROM users u WHERE u.id = actor AND u.disabled_at IS NULL;
    RETURN department;
END $$;

CREATE OR REPLACE FUNCTION app_actor_administers() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    actor_role user_role := app_actor_role();
BEGIN
    IF actor_role IS NOT NULL THEN
        RETURN actor_role = 'admin';  -- users.role is NOT NULL: a role means an acting user, so no bootstrapping
    END IF;
    RETURN app_bootstrapping();
END $$;
