-- The acting user's role and department, read in one query each instead of two nested calls.
--
-- Every policy asks (SELECT app_actor_role()) and many (SELECT app_actor_department()), and the guards ask again:
-- a save, submit, approve or reopen evaluates them dozens of times. Each was a SECURITY DEFINER call that made a
-- second one, app_actor_id(), with its own search_path switch and its own query of users; shinchoku-bench profiled
-- the policies' subqueries at about a third of PostgreSQL's CPU on the cycle (docs/performance.md). The results are
-- the same as 0010's: the setting is read and checked exactly as app_actor_id() checks it, and the row must be an
-- enabled account; app_actor_administers() asks app_bootstrapping() only when there is no acting user, as its
-- OR did (app_bootstrapping() is false whenever there is one).

CREATE OR REPLACE FUNCTION app_actor_role() RETURNS user_role
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    setting text := current_setting('app.actor_id', true);
    actor_role user_role;
BEGIN
    IF setting IS NULL OR setting !~ '^[1-9][0-9]{0,17}$' THEN
        RETURN NULL;
    END IF;
    SELECT u.role INTO actor_role FROM users u WHERE u.id = setting::bigint AND u.disabled_at IS NULL;
    RETURN actor_role;
END $$;

CREATE OR REPLACE FUNCTION app_actor_department() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    setting text := current_setting('app.actor_id', true);
    department bigint;
BEGIN
    IF setting IS NULL OR setting !~ '^[1-9][0-9]{0,17}$' THEN
        RETURN NULL;
    END IF;
    SELECT u.department_id INTO department FROM users u WHERE u.id = setting::bigint AND u.disabled_at IS NULL;
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
