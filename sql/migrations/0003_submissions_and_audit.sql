-- Figures and narratives per period, their workflow history, reviews, and the audit trail.

CREATE TYPE figure_status AS ENUM ('reported', 'not_published', 'not_available');
CREATE TYPE workflow_state AS ENUM ('draft', 'submitted', 'approved', 'returned');

-- Every write to submissions must say who acts: the service sets app.actor_id in each transaction.
CREATE FUNCTION require_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('app.actor_id', true), '') = '' THEN
        RAISE EXCEPTION 'no acting user: set app.actor_id in the transaction'
            USING ERRCODE = 'insufficient_privilege', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END $$;

-- One figure per indicator per period.
CREATE TABLE figures (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    indicator_id           bigint NOT NULL REFERENCES indicators(id),
    period_code            text NOT NULL REFERENCES periods(code),
    status                 figure_status NOT NULL,
    value                  numeric,
    note                   text,
    as_of                  date NOT NULL,
    state                  workflow_state NOT NULL DEFAULT 'draft',
    version                integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    entered_by             bigint NOT NULL REFERENCES users(id),
    -- The last approved content; kept through a reopen so reports keep the approved figure.
    approved_status        figure_status,
    approved_value         numeric,
    approved_note          text,
    approved_as_of         date,
    approved_at            timestamptz,
    approved_by            bigint REFERENCES users(id),
    changed_since_approval boolean NOT NULL DEFAULT false,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (indicator_id, period_code),
    CONSTRAINT figures_value_matches_status CHECK ((status = 'reported') = (value IS NOT NULL)),
    CONSTRAINT figures_note_when_no_value CHECK (status = 'reported' OR btrim(coalesce(note, '')) <> ''),
    CONSTRAINT figures_approved_snapshot CHECK (
        (approved_at IS NULL AND approved_status IS NULL AND approved_value IS NULL AND approved_by IS NULL)
        OR (approved_at IS NOT NULL AND approved_status IS NOT NULL AND approved_by IS NOT NULL
            AND approved_as_of IS NOT NULL AND (approved_status = 'reported') = (approved_value IS NOT NULL))),
    CONSTRAINT figures_changed_only_after_approval CHECK (NOT changed_since_approval OR approved_at IS NOT NULL)
);
CREATE INDEX figures_period ON figures (period_code, state);
CREATE TRIGGER figures_require_actor BEFORE INSERT OR UPDATE ON figures
    FOR EACH ROW EXECUTE FUNCTION require_actor();

-- Progress (進捗状況) and outlook (今後の動向等) per project and period, each optionally split into
-- hard (ハード面) and soft (ソフト面) measures.
CREATE TABLE narratives (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id             bigint NOT NULL REFERENCES projects(id),
    period_code            text NOT NULL REFERENCES periods(code),
    progress               text,
    progress_hard          text,
    progress_soft          text,
    outlook                text,
    outlook_hard           text,
    outlook_soft           text,
    state                  workflow_state NOT NULL DEFAULT 'draft',
    version                integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    entered_by             bigint NOT NULL REFERENCES users(id),
    approved_content       jsonb,
    approved_at            timestamptz,
    approved_by            bigint REFERENCES users(id),
    changed_since_approval boolean NOT NULL DEFAULT false,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, period_code),
    CONSTRAINT narratives_approved_snapshot CHECK ((approved_at IS NULL) = (approved_content IS NULL)),
    CONSTRAINT narratives_changed_only_after_approval CHECK (NOT changed_since_approval OR approved_at IS NOT NULL)
);
CREATE TRIGGER narratives_require_actor BEFORE INSERT OR UPDATE ON narratives
    FOR EACH ROW EXECUTE FUNCTION require_actor();

CREATE TYPE workflow_action AS ENUM ('save', 'submit', 'approve', 'return', 'reopen');

-- Every transition of a figure or narrative, in order: who, when, the content at that moment, the comment.
CREATE TABLE workflow_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    figure_id     bigint REFERENCES figures(id),
    narrative_id  bigint REFERENCES narratives(id),
    action        workflow_action NOT NULL,
    from_state    workflow_state,
    to_state      workflow_state NOT NULL,
    version       integer NOT NULL,
    content       jsonb NOT NULL,
    comment       text,
    actor_id      bigint NOT NULL REFERENCES users(id),
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT workflow_events_one_subject CHECK (num_nonnulls(figure_id, narrative_id) = 1)
);
CREATE INDEX workflow_events_figure ON workflow_events (figure_id, id) WHERE figure_id IS NOT NULL;
CREATE INDEX workflow_events_narrative ON workflow_events (narrative_id, id) WHERE narrative_id IS NOT NULL;

CREATE TYPE review_decision AS ENUM ('approved', 'returned', 'reopened');

-- A review is tied to the exact content and version it reviewed.
CREATE TABLE reviews (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_event_id  bigint NOT NULL UNIQUE REFERENCES workflow_events(id),
    figure_id          bigint REFERENCES figures(id),
    narrative_id       bigint REFERENCES narratives(id),
    decision           review_decision NOT NULL,
    reviewer_id        bigint NOT NULL REFERENCES users(id),
    reason             text,
    reviewed_version   integer NOT NULL,
    reviewed_content   jsonb NOT NULL,
    at                 timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT reviews_one_subject CHECK (num_nonnulls(figure_id, narrative_id) = 1),
    CONSTRAINT reviews_reason_required CHECK (decision = 'approved' OR btrim(coalesce(reason, '')) <> '')
);

-- Append-only: every mutation writes one event in the same transaction.
CREATE TABLE audit_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- NULL only for the bootstrap of the first admin.
    actor_id     bigint REFERENCES users(id),
    actor_login  text,
    action       text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)*$'),
    entity       text NOT NULL CHECK (entity IN ('figure', 'narrative', 'project', 'user', 'period',
                                                  'department', 'plan', 'session')),
    entity_id    text NOT NULL,
    before       jsonb,
    after        jsonb,
    reason       text,
    txid         bigint NOT NULL DEFAULT txid_current()
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);

CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege', TABLE = TG_TABLE_NAME;
END $$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
CREATE TRIGGER workflow_events_append_only BEFORE UPDATE OR DELETE ON workflow_events
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER reviews_append_only BEFORE UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
