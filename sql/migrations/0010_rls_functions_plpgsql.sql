-- The row-level-security helpers of 0005 in PL/pgSQL, with the same results.
--
-- As LANGUAGE sql with SECURITY DEFINER and SET search_path they can never be inlined, and a SQL function that is
-- not inlined parses and plans its body again in every statement that calls it (its plan lives only as long as
-- that statement). Every policy and guard trigger calls them, several times per statement, nested
-- (app_actor_role() calls app_actor_id()): shinchoku-bench measured forced RLS at 34-47% of PostgreSQL's
-- throughput on a save/submit/approve/reopen cycle (docs/performance.md). PL/pgSQL keeps each statement's plan
-- for the session. Owners, grants, SECURITY DEFINER and the pinned search_path stay as they were.

CREATE OR REPLACE FUNCTION app_actor_id() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    setting text := current_setting('app.actor_id', true);
    actor bigint;
BEGIN
    IF setting IS NULL OR setting !~ '^[1-9][0-9]{0,17}$' THEN
        RETURN NULL;
    END IF;
    SELECT u.id INTO actor FROM users u WHERE u.id = setting::bigint AND u.disabled_at IS NULL;
    RETURN actor;
END $$;

CREATE OR REPLACE FUNCTION app_actor_role() RETURNS user_role
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    actor_role user_role;
BEGIN
    SELECT role INTO actor_role FROM users WHERE id = app_actor_id();
    RETURN actor_role;
END $$;

CREATE OR REPLACE FUNCTION app_actor_department() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    department bigint;
BEGIN
    SELECT department_id INTO department FROM users WHERE id = app_actor_id();
    RETURN department;
END $$;

CREATE OR REPLACE FUNCTION app_bootstrapping() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN app_actor_id() IS NULL
       AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND NOT (xmin = pg_current_xact_id()::xid));
END $$;

CREATE OR REPLACE FUNCTION app_actor_administers() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN coalesce(app_actor_role() = 'admin', false) OR app_bootstrapping();
END $$;

CREATE OR REPLACE FUNCTION app_actor_entered(p_figure bigint, p_narrative bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    actor bigint := app_actor_id();
BEGIN
    RETURN EXISTS (SELECT 1 FROM figures WHERE id = p_figure AND entered_by = actor)
        OR EXISTS (SELECT 1 FROM narratives WHERE id = p_narrative AND entered_by = actor)
        OR EXISTS (SELECT 1 FROM workflow_events
                   WHERE action = 'save' AND actor_id = actor
                     AND (figure_id = p_figure OR narrative_id = p_narrative));
END $$;

-- enable_seqscan = off as 0009 set it: the lookups stay on their indexes even before a fresh database is analysed.
CREATE OR REPLACE FUNCTION item_department(p_figure bigint, p_narrative bigint) RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
BEGIN
    RETURN coalesce(
        (SELECT p.department_id FROM figures f JOIN indicators i ON i.id = f.indicator_id
                JOIN projects p ON p.id = i.project_id WHERE f.id = p_figure),
        (SELECT p.department_id FROM narratives n JOIN projects p ON p.id = n.project_id WHERE n.id = p_narrative));
END $$;
