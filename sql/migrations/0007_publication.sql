-- Publication (issue 11): what a period still needs, excusals, publication requests and immutable editions.
-- See docs/publication.md.

-- An approver may excuse a required item (an indicator's figure or a project's narrative) of a period, with a
-- reason: it then counts as done for the period's completeness.
CREATE TABLE excusals (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period_code   text NOT NULL REFERENCES periods(code),
    indicator_id  bigint REFERENCES indicators(id),
    project_id    bigint REFERENCES projects(id),
    reason        text NOT NULL CHECK (btrim(reason) <> ''),
    excused_by    bigint NOT NULL REFERENCES users(id),
    excused_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT excusals_one_item CHECK (num_nonnulls(indicator_id, project_id) = 1)
);
CREATE UNIQUE INDEX excusals_indicator ON excusals (period_code, indicator_id) WHERE indicator_id IS NOT NULL;
CREATE UNIQUE INDEX excusals_project ON excusals (period_code, project_id) WHERE project_id IS NOT NULL;

ALTER TABLE excusals ENABLE ROW LEVEL SECURITY;
ALTER TABLE excusals FORCE ROW LEVEL SECURITY;
CREATE POLICY excusals_read ON excusals FOR SELECT USING (true);
CREATE POLICY excusals_approver_insert ON excusals FOR INSERT WITH CHECK (
    (SELECT app_actor_role()) = 'approver' AND excused_by = (SELECT app_actor_id()));
CREATE POLICY excusals_approver_delete ON excusals FOR DELETE USING ((SELECT app_actor_role()) = 'approver');

-- A durable request to publish a period's next edition: written in the transaction of the approval that completed
-- the period (or of a manual publication), processed by the publisher after COMMIT. A request whose edition never
-- got made (a crash) is still pending at the next start.
CREATE TABLE publication_requests (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period_code   text NOT NULL REFERENCES periods(code),
    requested_by  bigint NOT NULL REFERENCES users(id),
    manual        boolean NOT NULL,
    reason        text,
    requested_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    processed_at  timestamptz,
    -- published: an edition was made (editions.request_id); unchanged: the content equals the latest edition's.
    outcome       text CHECK (outcome IN ('published', 'unchanged')),
    CONSTRAINT publication_requests_manual_reason CHECK (NOT manual OR btrim(coalesce(reason, '')) <> ''),
    CONSTRAINT publication_requests_processed CHECK ((processed_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX publication_requests_pending ON publication_requests (id) WHERE processed_at IS NULL;

-- Whoever requests is the acting user, and an approver: the approval that completes a period and a manual
-- publication are both theirs (a worker has no actor, and only marks requests processed).
CREATE FUNCTION publication_requests_attributed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.requested_by IS DISTINCT FROM app_actor_id() THEN
        RAISE EXCEPTION 'a publication request is made by the acting user' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF app_actor_role() IS DISTINCT FROM 'approver' THEN
        RAISE EXCEPTION 'only approvers request a publication' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER publication_requests_attributed BEFORE INSERT ON publication_requests
    FOR EACH ROW EXECUTE FUNCTION publication_requests_attributed();

-- A published edition: the report as of its publication, frozen. Numbered 1, 2, … per period.
CREATE TABLE editions (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period_code        text NOT NULL REFERENCES periods(code),
    number             integer NOT NULL CHECK (number >= 1),
    request_id         bigint NOT NULL UNIQUE REFERENCES publication_requests(id),
    published_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    triggered_by       bigint NOT NULL REFERENCES users(id),
    manual             boolean NOT NULL,
    reason             text,
    audit_chain_events bigint NOT NULL,
    audit_chain_head   bytea NOT NULL CHECK (octet_length(audit_chain_head) = 32),
    -- What the edition printed of each required item, for the next edition's 正誤表.
    snapshot           jsonb NOT NULL,
    UNIQUE (period_code, number)
);

-- One row per format: the rendered bytes and their SHA-256.
CREATE TABLE edition_files (
    edition_id  bigint NOT NULL REFERENCES editions(id),
    format      text NOT NULL CHECK (format ~ '^[a-z0-9]{1,8}$'),
    bytes       bytea NOT NULL,
    sha256      bytea NOT NULL CHECK (octet_length(sha256) = 32),
    PRIMARY KEY (edition_id, format),
    CONSTRAINT edition_files_hash CHECK (sha256 = sha256(bytes))
);

-- Editions never change, for anyone, the owner included.
CREATE TRIGGER editions_immutable BEFORE UPDATE OR DELETE ON editions FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER editions_no_truncate BEFORE TRUNCATE ON editions FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
CREATE TRIGGER edition_files_immutable BEFORE UPDATE OR DELETE ON edition_files
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER edition_files_no_truncate BEFORE TRUNCATE ON edition_files
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
