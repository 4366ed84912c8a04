-- The audit chain's canonical encoding (0006) inlined into the link trigger's expression, with the same bytes.
--
-- audit_chain_field and audit_event_canonical were declared IMMUTABLE, but audit_chain_field calls convert_to, which
-- PostgreSQL declares STABLE. The planner does not inline an IMMUTABLE SQL function whose body is not, so every
-- audit event called audit_chain_field twelve times as a SQL function of its own, and a SQL function that is not
-- inlined reads and sets up its body again in every transaction that calls it. shinchoku-bench profiled that at
-- about 4% of PostgreSQL's CPU on the save/submit/approve/reopen cycle (docs/performance.md). Declared STABLE, which
-- is what their bodies are, both inline into audit_chain_link's expression, which PL/pgSQL plans once per session.
--
-- Nothing indexes or constrains on them, so STABLE is allowed everywhere they are used; `audit verify` and the Swift
-- verifier compute the same bytes as before.
ALTER FUNCTION audit_chain_field(text) STABLE;
ALTER FUNCTION audit_event_canonical(
    bigint, bigint, timestamptz, bigint, text, text, text, text, jsonb, jsonb, text, bigint
) STABLE;
