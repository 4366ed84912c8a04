-- Audit events written many in one statement (a figures import writes one per figure) link in linear time.
--
-- 0006 moved the chain's head with an UPDATE in every event's trigger. An UPDATE leaves the row's old version behind
-- until the transaction ends, so n events in one transaction left n versions of the one-row head, and every event's
-- read of the head walked past all of them: quadratic (5,000 events in one transaction took 12 s). Now:
--
-- - a statement trigger takes the locks once, before the statement's first event: the acting user's `users` row
--   (FOR KEY SHARE, which the actor_id foreign key's check takes too) and then the head (FOR UPDATE), in 0006's order;
-- - each event links to the last event this statement linked after the head, if any, else to the head itself (a row
--   trigger sees the rows its statement inserted before; audit_events_chain_seq_key finds the last one);
-- - a statement trigger moves the head to the statement's last event, once.
--
-- The head is locked from the statement's start to the transaction's end, as before, so no other writer reads it in
-- between; readers (verify, reports) see committed snapshots only, where the head always is the last event. Chain
-- positions, hashes and the canonical encoding are unchanged: `audit verify` checks old and new events alike.

-- The lookups below go through indexes whatever the statistics say (SET enable_seqscan = off): a table the planner
-- last saw small (a fresh database) grows by thousands of rows inside one import, and a plan that scans it for every
-- row would make the import quadratic again.
CREATE OR REPLACE FUNCTION audit_chain_link() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
DECLARE
    head audit_chain_head%ROWTYPE;
    last_seq bigint;
    last_hash bytea;
BEGIN
    IF NEW.chain_seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
        RAISE EXCEPTION 'audit_events.chain_seq, prev_hash and hash are assigned by the database'
            USING ERRCODE = 'insufficient_privilege', TABLE = 'audit_events';
    END IF;
    -- audit_chain_lock took the acting user's row. Only a superuser names another actor (audit_events_attributed
    -- refuses everyone else): take that row's lock before the head's too. (Compared as text, as
    -- audit_events_attributed does, rather than through app_actor_id() for every event.)
    IF NEW.actor_id IS NOT NULL AND NEW.actor_id::text IS DISTINCT FROM current_setting('app.actor_id', true) THEN
        PERFORM 1 FROM users WHERE id = NEW.actor_id FOR KEY SHARE;
    END IF;
    -- Held already since the statement began (a no-op then); taken here too so that no path links without it.
    SELECT * INTO STRICT head FROM audit_chain_head WHERE singleton FOR UPDATE;
    SELECT e.chain_seq, e.hash INTO last_seq, last_hash FROM audit_events e
    WHERE e.chain_seq > head.seq ORDER BY e.chain_seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        last_seq := head.seq;
        last_hash := head.hash;
    END IF;
    NEW.chain_seq := last_seq + 1;
    NEW.prev_hash := last_hash;
    NEW.hash := sha256(last_hash || audit_event_canonical(
        NEW.id, NEW.chain_seq, NEW.at, NEW.actor_id, NEW.actor_login, NEW.action, NEW.entity, NEW.entity_id,
        NEW.before, NEW.after, NEW.reason, NEW.txid));
    RETURN NEW;
END $$;

-- Before an INSERT statement's first event: the acting user's row, then the head, as 0006's link trigger took them.
CREATE FUNCTION audit_chain_lock() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM 1 FROM users WHERE id = app_actor_id() FOR KEY SHARE;
    PERFORM 1 FROM audit_chain_head WHERE singleton FOR UPDATE;
    RETURN NULL;
END $$;

-- After an INSERT statement: the head moves to the last event linked (nothing moves when it inserted none).
CREATE FUNCTION audit_chain_advance() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
BEGIN
    UPDATE audit_chain_head h SET seq = e.chain_seq, hash = e.hash, event_id = e.id
    FROM (SELECT chain_seq, hash, id FROM audit_events ORDER BY chain_seq DESC LIMIT 1) e
    WHERE h.singleton AND e.chain_seq > h.seq;
    RETURN NULL;
END $$;

CREATE TRIGGER audit_events_chain_lock BEFORE INSERT ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_lock();
CREATE TRIGGER audit_events_zz_chain_advance AFTER INSERT ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_advance();

REVOKE ALL ON FUNCTION audit_chain_lock() FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_chain_advance() FROM PUBLIC;

-- The workflow_events insert policy asks, for every row, which department owns the figure; a figures import inserts
-- thousands of figures and then their steps in one transaction, so the same holds for its lookup.
ALTER FUNCTION item_department(bigint, bigint) SET enable_seqscan = off;

-- 0005's check that an audit event is the acting user's own, with the same outcome for every event, in fewer steps:
-- it called app_actor_id() (a SQL function, whose executor is set up anew for every call) and ran its condition as a
-- query, which for a bulk import was half of the database's time. Now one read of the actor's row gives the login and
-- whether the account is enabled, and the actor is app_actor_id() exactly when app.actor_id is that id's decimal
-- text in the form app_actor_id() accepts ('^[1-9][0-9]{0,17}$') and the account is enabled. An event without an
-- actor is, as before, allowed exactly when there is no acting user (app_actor_id() IS NULL).
CREATE OR REPLACE FUNCTION audit_events_attributed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    setting text := current_setting('app.actor_id', true);
    login_of_actor text;
    enabled boolean;
    own boolean;
BEGIN
    IF NEW.actor_id IS NOT NULL THEN
        SELECT u.login, u.disabled_at IS NULL INTO login_of_actor, enabled FROM users u WHERE u.id = NEW.actor_id;
        -- The login shown with the event is the actor's own, whatever the statement said.
        NEW.actor_login := login_of_actor;
        own := coalesce(enabled, false) AND setting = NEW.actor_id::text AND setting ~ '^[1-9][0-9]{0,17}$';
    ELSE
        own := app_actor_id() IS NULL;
    END IF;
    IF NOT own AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'an audit event is written by the acting user (app.actor_id)'
            USING ERRCODE = 'insufficient_privilege', TABLE = 'audit_events';
    END IF;
    RETURN NEW;
END $$;
