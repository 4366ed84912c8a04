-- Ownership and history enforced by PostgreSQL itself (issue 10).
--
-- The schema belongs to shinchoku_owner; shinchoku-server and shinchoku-admin's everyday commands connect as
-- shinchoku_app, which owns nothing and holds only the grants in sql/grants.sql (re-applied by every migrate).
-- Row-level security, forced on the owner too, decides which rows the acting user may write; triggers decide
-- which columns and which workflow steps. The acting user is app.actor_id, set by the service in each
-- transaction: it counts only when it names an enabled account. See docs/security.md.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shinchoku_app')
        OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shinchoku_owner') THEN
        RAISE EXCEPTION 'the roles shinchoku_owner and shinchoku_app do not exist'
            USING ERRCODE = 'undefined_object',
                  HINT = 'Run "shinchoku-admin db setup-roles" as a superuser, then migrate again.';
    END IF;
END $$;

-- The acting user ------------------------------------------------------------------------------------------------
-- SECURITY DEFINER so that policies on users can use them without recursing into users' own policies; the
-- search_path is pinned so that nobody can slip in a table of their own. In policies they are always wrapped as
-- (SELECT app_actor_...()), which PostgreSQL evaluates once per statement, not once per row.

-- The id of the acting user: app.actor_id when it is a decimal id of an enabled account, else NULL (no actor).
CREATE FUNCTION app_actor_id() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.id FROM users u
    WHERE u.disabled_at IS NULL
      AND u.id = (SELECT CASE WHEN s ~ '^[1-9][0-9]{0,17}$' THEN s::bigint END
                  FROM (SELECT current_setting('app.actor_id', true) AS s) setting)
$$;

-- The acting user's role; NULL with no actor.
CREATE FUNCTION app_actor_role() RETURNS user_role
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT role FROM users WHERE id = app_actor_id()
$$;

-- The acting clerk's department; NULL with no actor or for an account without one.
CREATE FUNCTION app_actor_department() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT department_id FROM users WHERE id = app_actor_id()
$$;

-- True while an empty database is set up without an acting user: no admin exists other than ones this very
-- transaction created (the service serialises bootstraps with an advisory lock). Bootstrap may create the first
-- admin, import the plan and write the audit events of both, and nothing else.
CREATE FUNCTION app_bootstrapping() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT app_actor_id() IS NULL
       AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND NOT (xmin = pg_current_xact_id()::xid))
$$;

-- Whether the acting user may write as an admin: an admin, or the bootstrap of an empty database.
CREATE FUNCTION app_actor_administers() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(app_actor_role() = 'admin', false) OR app_bootstrapping()
$$;

-- Whether the acting user entered the figure or narrative (is its enterer, or ever saved it): such a user may
-- not review it. One of the two ids is NULL.
CREATE FUNCTION app_actor_entered(p_figure bigint, p_narrative bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM figures WHERE id = p_figure AND entered_by = app_actor_id())
        OR EXISTS (SELECT 1 FROM narratives WHERE id = p_narrative AND entered_by = app_actor_id())
        OR EXISTS (SELECT 1 FROM workflow_events
                   WHERE action = 'save' AND actor_id = app_actor_id()
                     AND (figure_id = p_figure OR narrative_id = p_narrative))
$$;

-- The department that owns a figure's or a narrative's project.
CREATE FUNCTION item_department(p_figure bigint, p_narrative bigint) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(
        (SELECT p.department_id FROM figures f JOIN indicators i ON i.id = f.indicator_id
                JOIN projects p ON p.id = i.project_id WHERE f.id = p_figure),
        (SELECT p.department_id FROM narratives n JOIN projects p ON p.id = n.project_id WHERE n.id = p_narrative))
$$;

-- Every write to figures and narratives names an acting account (a made-up id or a disabled account is none).
CREATE OR REPLACE FUNCTION require_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF app_actor_id() IS NULL THEN
        RAISE EXCEPTION 'no acting user: app.actor_id must name an enabled account'
            USING ERRCODE = 'insufficient_privilege', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END $$;

-- Indexes the policies' lookups use.
CREATE INDEX projects_department ON projects (department_id);
CREATE INDEX indicators_project ON indicators (project_id);
CREATE INDEX users_admins ON users (id) WHERE role = 'admin';
CREATE INDEX workflow_events_saves ON workflow_events (actor_id) WHERE action = 'save';

-- Figures and narratives -----------------------------------------------------------------------------------------
-- Anyone may read them (see docs/security.md: reads are not keyed on the actor). A clerk writes only their own
-- department's items; an approver only reviews. Which columns each may change is the trigger's job below.

ALTER TABLE figures ENABLE ROW LEVEL SECURITY;
ALTER TABLE figures FORCE ROW LEVEL SECURITY;
CREATE POLICY figures_read ON figures FOR SELECT USING (true);
CREATE POLICY figures_clerk_insert ON figures FOR INSERT WITH CHECK (
    (SELECT app_actor_role()) = 'clerk'
    AND entered_by = (SELECT app_actor_id())
    AND indicator_id IN (SELECT i.id FROM indicators i JOIN projects p ON p.id = i.project_id
                         WHERE p.department_id = (SELECT app_actor_department()))
    AND state = 'draft' AND approved_at IS NULL AND NOT changed_since_approval);
CREATE POLICY figures_clerk_update ON figures FOR UPDATE
    USING ((SELECT app_actor_role()) = 'clerk'
           AND indicator_id IN (SELECT i.id FROM indicators i JOIN projects p ON p.id = i.project_id
                                WHERE p.department_id = (SELECT app_actor_department())))
    WITH CHECK ((SELECT app_actor_role()) = 'clerk'
           AND indicator_id IN (SELECT i.id FROM indicators i JOIN projects p ON p.id = i.project_id
                                WHERE p.department_id = (SELECT app_actor_department())));
CREATE POLICY figures_approver_update ON figures FOR UPDATE
    USING ((SELECT app_actor_role()) = 'approver')
    WITH CHECK ((SELECT app_actor_role()) = 'approver');

ALTER TABLE narratives ENABLE ROW LEVEL SECURITY;
ALTER TABLE narratives FORCE ROW LEVEL SECURITY;
CREATE POLICY narratives_read ON narratives FOR SELECT USING (true);
CREATE POLICY narratives_clerk_insert ON narratives FOR INSERT WITH CHECK (
    (SELECT app_actor_role()) = 'clerk'
    AND entered_by = (SELECT app_actor_id())
    AND project_id IN (SELECT id FROM projects WHERE department_id = (SELECT app_actor_department()))
    AND state = 'draft' AND approved_at IS NULL AND NOT changed_since_approval);
CREATE POLICY narratives_clerk_update ON narratives FOR UPDATE
    USING ((SELECT app_actor_role()) = 'clerk'
           AND project_id IN (SELECT id FROM projects WHERE department_id = (SELECT app_actor_department())))
    WITH CHECK ((SELECT app_actor_role()) = 'clerk'
           AND project_id IN (SELECT id FROM projects WHERE department_id = (SELECT app_actor_department())));
CREATE POLICY narratives_approver_update ON narratives FOR UPDATE
    USING ((SELECT app_actor_role()) = 'approver')
    WITH CHECK ((SELECT app_actor_role()) = 'approver');

-- Which columns and steps: a clerk changes the content and moves draft/returned -> draft or submitted; an
-- approver changes only the review columns (state, approved snapshot, flags), moving submitted -> approved or
-- returned and approved -> returned (reopen), never on an item they entered. The approved snapshot is the
-- content as it stands, approved by the acting approver.
CREATE FUNCTION figures_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor bigint := app_actor_id();
    actor_role user_role := app_actor_role();
BEGIN
    IF (NEW.id, NEW.indicator_id, NEW.period_code, NEW.created_at)
        IS DISTINCT FROM (OLD.id, OLD.indicator_id, OLD.period_code, OLD.created_at) THEN
        RAISE EXCEPTION 'a figure''s indicator and period never change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF actor_role = 'clerk' THEN
        -- Submitted and approved items are out of a clerk's reach, like another department's: the row is left
        -- as it is (a bulk UPDATE changes only the clerk's own editable rows).
        IF OLD.state NOT IN ('draft', 'returned') THEN
            RETURN NULL;
        END IF;
        IF (NEW.approved_status, NEW.approved_value, NEW.approved_note, NEW.approved_as_of, NEW.approved_at,
            NEW.approved_by) IS DISTINCT FROM (OLD.approved_status, OLD.approved_value, OLD.approved_note,
            OLD.approved_as_of, OLD.approved_at, OLD.approved_by) THEN
            RAISE EXCEPTION 'a clerk may not change a figure''s review columns' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.state NOT IN ('draft', 'submitted') THEN
            RAISE EXCEPTION 'a clerk may not move a figure from % to %', OLD.state, NEW.state
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.status, NEW.value, NEW.note, NEW.as_of, NEW.entered_by)
            IS DISTINCT FROM (OLD.status, OLD.value, OLD.note, OLD.as_of, OLD.entered_by) THEN
            NEW.entered_by := actor;  -- new content is the acting clerk's, whatever the statement said
        END IF;
    ELSIF actor_role = 'approver' THEN
        IF (NEW.status, NEW.value, NEW.note, NEW.as_of, NEW.entered_by)
            IS DISTINCT FROM (OLD.status, OLD.value, OLD.note, OLD.as_of, OLD.entered_by) THEN
            RAISE EXCEPTION 'an approver may not change a figure''s value, status or note'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF app_actor_entered(OLD.id, NULL) THEN
            RAISE EXCEPTION 'nobody reviews a figure they entered' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NOT ((OLD.state = 'submitted' AND NEW.state IN ('approved', 'returned'))
                OR (OLD.state = 'approved' AND NEW.state = 'returned')) THEN
            RAISE EXCEPTION 'an approver may not move a figure from % to %', OLD.state, NEW.state
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.state = 'approved' AND (NEW.approved_status, NEW.approved_value, NEW.approved_note,
            NEW.approved_as_of, NEW.approved_by) IS DISTINCT FROM (NEW.status, NEW.value, NEW.note, NEW.as_of, actor)
        THEN
            RAISE EXCEPTION 'the approved snapshot is the figure as submitted, approved by the acting approver'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.state = 'returned' AND (NEW.approved_status, NEW.approved_value, NEW.approved_note,
            NEW.approved_as_of, NEW.approved_at, NEW.approved_by) IS DISTINCT FROM (OLD.approved_status,
            OLD.approved_value, OLD.approved_note, OLD.approved_as_of, OLD.approved_at, OLD.approved_by) THEN
            RAISE EXCEPTION 'returning or reopening a figure keeps its approved snapshot'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSE
        RAISE EXCEPTION 'only clerks and approvers change figures' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER figures_guard BEFORE UPDATE ON figures FOR EACH ROW EXECUTE FUNCTION figures_guard();

CREATE FUNCTION narratives_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor bigint := app_actor_id();
    actor_role user_role := app_actor_role();
BEGIN
    IF (NEW.id, NEW.project_id, NEW.period_code, NEW.created_at)
        IS DISTINCT FROM (OLD.id, OLD.project_id, OLD.period_code, OLD.created_at) THEN
        RAISE EXCEPTION 'a narrative''s project and period never change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF actor_role = 'clerk' THEN
        -- Submitted and approved items are out of a clerk's reach, like another department's: the row is left
        -- as it is (a bulk UPDATE changes only the clerk's own editable rows).
        IF OLD.state NOT IN ('draft', 'returned') THEN
            RETURN NULL;
        END IF;
        IF (NEW.approved_content, NEW.approved_at, NEW.approved_by)
            IS DISTINCT FROM (OLD.approved_content, OLD.approved_at, OLD.approved_by) THEN
            RAISE EXCEPTION 'a clerk may not change a narrative''s review columns'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.state NOT IN ('draft', 'submitted') THEN
            RAISE EXCEPTION 'a clerk may not move a narrative from % to %', OLD.state, NEW.state
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.progress, NEW.progress_hard, NEW.progress_soft, NEW.outlook, NEW.outlook_hard, NEW.outlook_soft,
            NEW.entered_by) IS DISTINCT FROM (OLD.progress, OLD.progress_hard, OLD.progress_soft, OLD.outlook,
            OLD.outlook_hard, OLD.outlook_soft, OLD.entered_by) THEN
            NEW.entered_by := actor;  -- new content is the acting clerk's, whatever the statement said
        END IF;
    ELSIF actor_role = 'approver' THEN
        IF (NEW.progress, NEW.progress_hard, NEW.progress_soft, NEW.outlook, NEW.outlook_hard, NEW.outlook_soft,
            NEW.entered_by) IS DISTINCT FROM (OLD.progress, OLD.progress_hard, OLD.progress_soft, OLD.outlook,
            OLD.outlook_hard, OLD.outlook_soft, OLD.entered_by) THEN
            RAISE EXCEPTION 'an approver may not change a narrative''s texts' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF app_actor_entered(NULL, OLD.id) THEN
            RAISE EXCEPTION 'nobody reviews a narrative they entered' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NOT ((OLD.state = 'submitted' AND NEW.state IN ('approved', 'returned'))
                OR (OLD.state = 'approved' AND NEW.state = 'returned')) THEN
            RAISE EXCEPTION 'an approver may not move a narrative from % to %', OLD.state, NEW.state
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.state = 'approved' AND (NEW.approved_content IS NULL OR NEW.approved_by IS DISTINCT FROM actor) THEN
            RAISE EXCEPTION 'an approved narrative is approved by the acting approver'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.state = 'returned' AND (NEW.approved_content, NEW.approved_at, NEW.approved_by)
            IS DISTINCT FROM (OLD.approved_content, OLD.approved_at, OLD.approved_by) THEN
            RAISE EXCEPTION 'returning or reopening a narrative keeps its approved snapshot'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSE
        RAISE EXCEPTION 'only clerks and approvers change narratives' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER narratives_guard BEFORE UPDATE ON narratives FOR EACH ROW EXECUTE FUNCTION narratives_guard();

-- Workflow history and reviews ------------------------------------------------------------------------------------
-- Append-only (grants give INSERT and SELECT only; triggers refuse the rest, TRUNCATE included). Each event is the
-- acting user's own: a clerk of the owning department saves and submits, an approver who did not enter the item
-- approves, returns and reopens.

ALTER TABLE workflow_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow_events FORCE ROW LEVEL SECURITY;
CREATE POLICY workflow_events_read ON workflow_events FOR SELECT USING (true);
CREATE POLICY workflow_events_insert ON workflow_events FOR INSERT WITH CHECK (
    actor_id = (SELECT app_actor_id())
    AND ((action IN ('save', 'submit') AND (SELECT app_actor_role()) = 'clerk'
          AND item_department(figure_id, narrative_id) = (SELECT app_actor_department()))
         OR (action IN ('approve', 'return', 'reopen') AND (SELECT app_actor_role()) = 'approver'
             AND NOT app_actor_entered(figure_id, narrative_id))));

ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE reviews FORCE ROW LEVEL SECURITY;
CREATE POLICY reviews_read ON reviews FOR SELECT USING (true);
CREATE POLICY reviews_insert ON reviews FOR INSERT WITH CHECK (
    reviewer_id = (SELECT app_actor_id())
    AND (SELECT app_actor_role()) = 'approver'
    AND NOT app_actor_entered(figure_id, narrative_id));

-- Forced row-level security would make the owner's UPDATE or DELETE silently match no row; these let them reach
-- the append-only triggers and fail loudly instead. The application role has no UPDATE or DELETE grant at all.
CREATE POLICY workflow_events_owner_update ON workflow_events FOR UPDATE TO shinchoku_owner USING (true);
CREATE POLICY workflow_events_owner_delete ON workflow_events FOR DELETE TO shinchoku_owner USING (true);
CREATE POLICY reviews_owner_update ON reviews FOR UPDATE TO shinchoku_owner USING (true);
CREATE POLICY reviews_owner_delete ON reviews FOR DELETE TO shinchoku_owner USING (true);

CREATE TRIGGER workflow_events_no_truncate BEFORE TRUNCATE ON workflow_events
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
CREATE TRIGGER reviews_no_truncate BEFORE TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

-- The audit trail is the acting user's own too; only the bootstrap of an empty database writes events without one.
-- A superuser is outside this model (they can disable any trigger); the check binds the app role and the owner.
CREATE FUNCTION audit_events_attributed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The login shown with the event is the actor's own, whatever the statement said.
    IF NEW.actor_id IS NOT NULL THEN
        NEW.actor_login := (SELECT login FROM users WHERE id = NEW.actor_id);
    END IF;
    IF NEW.actor_id IS DISTINCT FROM app_actor_id() AND NOT (NEW.actor_id IS NULL AND app_bootstrapping())
        AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'an audit event is written by the acting user (app.actor_id)'
            USING ERRCODE = 'insufficient_privilege', TABLE = 'audit_events';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_events_attributed BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_attributed();

-- Accounts ----------------------------------------------------------------------------------------------------
-- Logging in reads accounts and sessions before anyone is known, so reading is open. Only admins create and
-- change accounts; a user changes only their own password. A session is opened and closed by its own user
-- (an admin closes others' when disabling an account).

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT USING (true);
CREATE POLICY users_admin_insert ON users FOR INSERT WITH CHECK ((SELECT app_actor_administers()));
CREATE POLICY users_update ON users FOR UPDATE
    USING ((SELECT app_actor_role()) = 'admin' OR id = (SELECT app_actor_id()))
    WITH CHECK ((SELECT app_actor_role()) = 'admin' OR id = (SELECT app_actor_id()));

CREATE FUNCTION users_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.login <> OLD.login OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'an account''s id and login never change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF app_actor_role() IS DISTINCT FROM 'admin'
        AND (NEW.display_name, NEW.role, NEW.department_id, NEW.disabled_at)
            IS DISTINCT FROM (OLD.display_name, OLD.role, OLD.department_id, OLD.disabled_at) THEN
        RAISE EXCEPTION 'only admins change accounts; a user changes only their own password'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER users_guard BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_guard();

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_read ON sessions FOR SELECT USING (true);
CREATE POLICY sessions_own_insert ON sessions FOR INSERT WITH CHECK (user_id = (SELECT app_actor_id()));
CREATE POLICY sessions_update ON sessions FOR UPDATE
    USING (user_id = (SELECT app_actor_id()) OR (SELECT app_actor_role()) = 'admin')
    WITH CHECK (user_id = (SELECT app_actor_id()) OR (SELECT app_actor_role()) = 'admin');

-- The plan, departments, project ownership and periods: admins only ---------------------------------------------

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['departments', 'plans', 'programs', 'projects', 'indicators', 'periods',
                             'period_extensions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR SELECT USING (true)', t || '_read', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR INSERT WITH CHECK ((SELECT app_actor_administers()))',
                       t || '_admin_insert', t);
        -- USING (true): every actor may lock these rows FOR SHARE (a clerk's save locks its project and period);
        -- WITH CHECK refuses anyone but an admin the change itself.
        EXECUTE format('CREATE POLICY %I ON %I FOR UPDATE USING (true) '
                       'WITH CHECK ((SELECT app_actor_administers()))', t || '_admin_update', t);
    END LOOP;
END $$;

-- A locked period is final, for everyone: no role, the owner included, turns it back.
CREATE FUNCTION periods_locked_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'locked' AND NEW.state <> 'locked' THEN
        RAISE EXCEPTION 'period % is locked: a locked period is never reopened', OLD.code
            USING ERRCODE = 'insufficient_privilege', TABLE = 'periods';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER periods_locked_is_final BEFORE UPDATE ON periods
    FOR EACH ROW EXECUTE FUNCTION periods_locked_is_final();

-- For readiness checks by the application role, which has no grant on schema_migrations.
CREATE FUNCTION applied_migrations() RETURNS TABLE (version integer, name text, checksum text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT version, name, checksum FROM schema_migrations ORDER BY version
$$;
