-- Notifications (issue 11, section 7): accounts' email addresses, the in-app notifications, the mail outbox the
-- delivery worker of shinchoku-server sends from, and the reminders already written (at most one of each kind per
-- department and period). Notifications and outbox rows are written in the same transaction as the event that
-- causes them; the worker delivers them afterwards. See docs/notifications.md.

-- An account's email address: optional (users without one still get in-app notifications), one account per
-- address, set by admins only (users_guard below).
ALTER TABLE users ADD COLUMN email text
    CONSTRAINT users_email_format CHECK (
        email IS NULL OR (length(email) <= 254 AND email ~ '^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$'));
CREATE UNIQUE INDEX users_email_unique ON users (lower(email)) WHERE email IS NOT NULL;

CREATE OR REPLACE FUNCTION users_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.login <> OLD.login OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'an account''s id and login never change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF app_actor_role() IS DISTINCT FROM 'admin'
        AND (NEW.display_name, NEW.role, NEW.department_id, NEW.disabled_at, NEW.email)
            IS DISTINCT FROM (OLD.display_name, OLD.role, OLD.department_id, OLD.disabled_at, OLD.email) THEN
        RAISE EXCEPTION 'only admins change accounts; a user changes only their own password'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

-- One notification to one account: what the account reads in the app, and the text of its mail.
CREATE TABLE notifications (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id  bigint NOT NULL REFERENCES users(id),
    kind          text NOT NULL CONSTRAINT notifications_kind CHECK (kind IN (
                      'submitted', 'returned', 'approved', 'period_opened', 'due_soon', 'overdue', 'published')),
    period_code   text REFERENCES periods(code),
    subject       text NOT NULL CHECK (btrim(subject) <> ''),
    body          text NOT NULL,
    -- A path under the server's public URL, e.g. /periods/2021Q2/figures/1-1-1.
    link_path     text NOT NULL CHECK (link_path LIKE '/%'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    read_at       timestamptz
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, id DESC);
CREATE INDEX notifications_unread ON notifications (recipient_id) WHERE read_at IS NULL;

-- The mail of a notification whose recipient has an address. At least once: a row is sent (sent_at), failed for
-- good (failed_at, after a 5xx reply) or waits for next_attempt_at. last_error never holds a secret.
CREATE TABLE mail_outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id  bigint NOT NULL UNIQUE REFERENCES notifications(id),
    to_address       text NOT NULL,
    -- <notification-ID@host>, fixed at the first attempt so that every retry carries the same one.
    message_id       text UNIQUE,
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    sent_at          timestamptz,
    failed_at        timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mail_outbox_one_end CHECK (sent_at IS NULL OR failed_at IS NULL)
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Reminders written so far: the primary key keeps them to one of each kind per department and period, however
-- often (and on however many servers) the hourly check runs.
CREATE TABLE notification_reminders (
    period_code    text NOT NULL REFERENCES periods(code),
    department_id  bigint NOT NULL REFERENCES departments(id),
    kind           text NOT NULL CHECK (kind IN ('period_opened', 'due_soon', 'overdue')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (period_code, department_id, kind)
);
