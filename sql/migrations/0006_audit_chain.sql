-- A tamper-evident audit chain (issue 10 §3; docs/audit-chain.md describes it for verifiers).
--
-- Every audit event gets a chain position and hash = sha256(prev_hash || canonical encoding of the event), where
-- prev_hash is the previous event's hash (32 zero bytes for the first). The database assigns them in a trigger, under
-- the row lock of a one-row head table, so concurrent writers cannot fork the chain; `shinchoku-admin audit verify`
-- recomputes it, and every report prints the head's hash, which anchors the chain outside the database.
--
-- The application's role needs no privilege on anything created here: the work that touches the head runs in
-- SECURITY DEFINER functions owned by the migrating role.

-- One field of the canonical encoding: 0x00 for NULL; otherwise 0x01, the length of the field's UTF-8 bytes as a
-- 4-byte big-endian unsigned integer, and the bytes. (convert_to is STABLE only because it depends on the database's
-- encoding, which a database never changes.)
CREATE FUNCTION audit_chain_field(value text) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN value IS NULL THEN '\x00'::bytea
                ELSE '\x01'::bytea || int4send(octet_length(convert_to(value, 'UTF8'))) || convert_to(value, 'UTF8')
           END;

-- The canonical encoding of one event: its twelve fields in this order, each as audit_chain_field of its text.
-- Integers are decimal text; `at` is the whole number of microseconds since 1970-01-01 00:00:00 UTC, in decimal;
-- before and after are jsonb's own text output (keys in jsonb order, one space after ':' and ','), which is
-- deterministic. The Swift verifier (Sources/Shinchoku/Audit/AuditChain.swift) builds the same bytes.
CREATE FUNCTION audit_event_canonical(
    id bigint, chain_seq bigint, at timestamptz, actor_id bigint, actor_login text, action text, entity text,
    entity_id text, before jsonb, after jsonb, reason text, txid bigint
) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN public.audit_chain_field(id::text)
        || public.audit_chain_field(chain_seq::text)
        || public.audit_chain_field(((extract(epoch FROM at AT TIME ZONE 'UTC') * 1000000)::bigint)::text)
        || public.audit_chain_field(actor_id::text)
        || public.audit_chain_field(actor_login)
        || public.audit_chain_field(action)
        || public.audit_chain_field(entity)
        || public.audit_chain_field(entity_id)
        || public.audit_chain_field(before::text)
        || public.audit_chain_field(after::text)
        || public.audit_chain_field(reason)
        || public.audit_chain_field(txid::text);

-- The chain's head: how many events it holds (the position of the last), the last event's hash and id. Its row lock
-- is what serialises the writers of audit events.
CREATE TABLE audit_chain_head (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq        bigint NOT NULL CHECK (seq >= 0),
    hash       bytea NOT NULL CHECK (octet_length(hash) = 32),
    -- NULL only while the chain is empty.
    event_id   bigint,
    CHECK ((seq = 0) = (event_id IS NULL))
);

ALTER TABLE audit_events
    ADD COLUMN chain_seq bigint,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash bytea;

-- Chain the events that exist, in id order (before this migration one writer's event could not be told from another's
-- by anything better). The append-only trigger refuses these UPDATEs, so it is off for the backfill only, inside this
-- migration's transaction.
ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
DO $$
DECLARE
    e audit_events%ROWTYPE;
    n bigint := 0;
    previous bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    last_id bigint;
    linked bytea;
BEGIN
    FOR e IN SELECT * FROM audit_events ORDER BY id LOOP
        n := n + 1;
        linked := sha256(previous || audit_event_canonical(
            e.id, n, e.at, e.actor_id, e.actor_login, e.action, e.entity, e.entity_id, e.before, e.after,
            e.reason, e.txid));
        UPDATE audit_events SET chain_seq = n, prev_hash = previous, hash = linked WHERE id = e.id;
        previous := linked;
        last_id := e.id;
    END LOOP;
    INSERT INTO audit_chain_head (seq, hash, event_id) VALUES (n, previous, last_id);
END $$;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;

ALTER TABLE audit_events
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT audit_events_chain_seq_key UNIQUE (chain_seq),
    ADD CONSTRAINT audit_events_chain_seq_check CHECK (chain_seq >= 1),
    ADD CONSTRAINT audit_events_prev_hash_check CHECK (octet_length(prev_hash) = 32),
    ADD CONSTRAINT audit_events_hash_check CHECK (octet_length(hash) = 32);

-- Links a new event to the head. The head's row lock (FOR UPDATE) is held until the writer's transaction ends, so
-- writers take turns from their audit insert to their COMMIT: under READ COMMITTED a waiting writer then reads the
-- committed head; under REPEATABLE READ or SERIALIZABLE it gets a serialization failure (40001), never a stale head.
-- Chain positions are assigned here, under the lock, because identity ids are drawn before it. While it holds the
-- head, a writer must wait for no other lock, or it may deadlock with a writer that holds that lock and waits for
-- the head.
CREATE FUNCTION audit_chain_link() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    head audit_chain_head%ROWTYPE;
BEGIN
    IF NEW.chain_seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
        RAISE EXCEPTION 'audit_events.chain_seq, prev_hash and hash are assigned by the database'
            USING ERRCODE = 'insufficient_privilege', TABLE = 'audit_events';
    END IF;
    -- The actor_id foreign key's check, which runs after this trigger, takes this lock on the actor's row. Take it
    -- first, so that a writer that holds the row (an admin changing their own account) is waited for before the head.
    IF NEW.actor_id IS NOT NULL THEN
        PERFORM 1 FROM users WHERE id = NEW.actor_id FOR KEY SHARE;
    END IF;
    SELECT * INTO STRICT head FROM audit_chain_head WHERE singleton FOR UPDATE;
    NEW.chain_seq := head.seq + 1;
    NEW.prev_hash := head.hash;
    NEW.hash := sha256(head.hash || audit_event_canonical(
        NEW.id, NEW.chain_seq, NEW.at, NEW.actor_id, NEW.actor_login, NEW.action, NEW.entity, NEW.entity_id,
        NEW.before, NEW.after, NEW.reason, NEW.txid));
    UPDATE audit_chain_head SET seq = NEW.chain_seq, hash = NEW.hash, event_id = NEW.id WHERE singleton;
    RETURN NEW;
END $$;

-- BEFORE triggers fire in name order; "zz" makes this the last, so that it hashes the row as it will be stored.
CREATE TRIGGER audit_events_zz_chain BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_chain_link();

-- The head moves only when an event is linked: an UPDATE from inside a trigger (the link function). Nothing inserts,
-- deletes or truncates it.
CREATE FUNCTION audit_chain_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_chain_head moves only when an audit event is inserted'
        USING ERRCODE = 'insufficient_privilege', TABLE = TG_TABLE_NAME;
END $$;

CREATE TRIGGER audit_chain_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard();
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guard();

-- The head as of the caller's snapshot, for reports and the verifier: the app's role may not read the table itself.
CREATE FUNCTION current_audit_chain_head() RETURNS TABLE (seq bigint, hash bytea, event_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT seq, hash, event_id FROM audit_chain_head WHERE singleton $$;

-- The other history tables refused UPDATE and DELETE but not TRUNCATE (docs/operations.md said they did).
-- OR REPLACE: the roles migration may add the same triggers.
CREATE OR REPLACE TRIGGER workflow_events_no_truncate BEFORE TRUNCATE ON workflow_events
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
CREATE OR REPLACE TRIGGER reviews_no_truncate BEFORE TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

-- Only the owner touches the head, through the functions above; anyone may read the head and encode events.
REVOKE ALL ON audit_chain_head FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_chain_link() FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_chain_head_guard() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION current_audit_chain_head() TO PUBLIC;
GRANT EXECUTE ON FUNCTION audit_event_canonical(bigint, bigint, timestamptz, bigint, text, text, text, text, jsonb,
    jsonb, text, bigint) TO PUBLIC;
GRANT EXECUTE ON FUNCTION audit_chain_field(text) TO PUBLIC;
