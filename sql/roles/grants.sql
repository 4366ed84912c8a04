-- What shinchoku_app may do (issue 10), applied by every "shinchoku-admin migrate" after the migrations, as the
-- schema's owner. It first takes everything away, so this file is the whole truth. Row-level security and the
-- triggers of migration 0005 then narrow every write to the acting user's rows and columns.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM shinchoku_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM shinchoku_app;
-- The schema: PostgreSQL 15 gives PUBLIC its USAGE already; granted here too where this role may (it owns the
-- schema), so that a cluster that revoked it from PUBLIC still works.
DO $$
BEGIN
    IF pg_has_role(current_user, (SELECT nspowner FROM pg_namespace WHERE nspname = 'public'), 'USAGE') THEN
        GRANT USAGE ON SCHEMA public TO shinchoku_app;
    END IF;
END $$;

-- Reading: everything but the migrations table.
GRANT SELECT ON departments, plans, programs, projects, indicators, users, sessions, login_failures, periods,
    period_extensions, figures, narratives, workflow_events, reviews, audit_events TO shinchoku_app;

-- The plan, departments, project ownership and periods (policies: admins, or the bootstrap of an empty database).
GRANT INSERT, UPDATE ON departments, plans, programs, projects, indicators, periods, period_extensions
    TO shinchoku_app;

-- Figures and narratives (policies: the owning department's clerks, and approvers for the review columns).
-- Never their identity columns.
GRANT INSERT ON figures, narratives TO shinchoku_app;
GRANT UPDATE (status, value, note, as_of, state, version, entered_by, approved_status, approved_value,
    approved_note, approved_as_of, approved_at, approved_by, changed_since_approval, updated_at) ON figures
    TO shinchoku_app;
GRANT UPDATE (progress, progress_hard, progress_soft, outlook, outlook_hard, outlook_soft, state, version,
    entered_by, approved_content, approved_at, approved_by, changed_since_approval, updated_at) ON narratives
    TO shinchoku_app;

-- History: append-only.
GRANT INSERT ON workflow_events, reviews, audit_events TO shinchoku_app;

-- Accounts (policies: admins; a user's own password and sessions). Logins never change.
GRANT INSERT ON users TO shinchoku_app;
GRANT UPDATE (display_name, role, department_id, password_hash, disabled_at, version, updated_at) ON users
    TO shinchoku_app;
GRANT INSERT ON sessions TO shinchoku_app;
GRANT UPDATE (revoked_at) ON sessions TO shinchoku_app;
-- Failed logins are counted before anyone is known (login throttling), and pruned.
GRANT INSERT, DELETE ON login_failures TO shinchoku_app;

-- Publication (0007). Excusals: approvers (policies). Requests: written by approvals and manual publications, marked
-- processed by the publisher, which has no acting user (no row-level security; docs/security.md). Editions and their
-- files: append-only, and a trigger refuses UPDATE, DELETE and TRUNCATE even to the owner.
-- (Only once migration 0007 has run: a database migrated part of the way has no such tables yet.)
DO $$
BEGIN
    IF to_regclass('public.editions') IS NOT NULL THEN
        GRANT SELECT, INSERT, DELETE ON excusals TO shinchoku_app;
        GRANT SELECT, INSERT ON publication_requests TO shinchoku_app;
        GRANT UPDATE (processed_at, outcome) ON publication_requests TO shinchoku_app;
        GRANT SELECT, INSERT ON editions, edition_files TO shinchoku_app;
    END IF;
END $$;

-- Notifications (migration 0008). No row-level security: they are written in the transaction of the event that
-- causes them (for other accounts than the actor) and by the server's reminder check and delivery worker, which act
-- for nobody; the service reads and marks only the signed-in user's own. Users change only read_at; the outbox
-- only its delivery columns; reminders are append-only.
-- (Only once migration 0008 has run: a database migrated part of the way has no such tables yet.)
DO $$
BEGIN
    IF to_regclass('public.notifications') IS NOT NULL THEN
        GRANT SELECT, INSERT ON notifications, mail_outbox, notification_reminders TO shinchoku_app;
        GRANT UPDATE (read_at) ON notifications TO shinchoku_app;
        GRANT UPDATE (message_id, attempts, next_attempt_at, last_error, sent_at, failed_at) ON mail_outbox
            TO shinchoku_app;
        GRANT UPDATE (email) ON users TO shinchoku_app;
    END IF;
END $$;
