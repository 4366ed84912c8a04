-- "Did this user save this item?" answered by one index probe, however long the item's history.
--
-- A reviewer may not review an item they saved (0005): app_actor_entered() asks it in the figures and narratives
-- guards and in the workflow_events and reviews insert policies, and every review step's lookup asks it too
-- (saved_by_actor, Sources/Shinchoku/Workflow/StepLookup.swift). Both read workflow_events by the item's index and
-- filtered every one of its steps for a save by the actor, or, in app_actor_entered's plan made while the table was
-- still small, scanned the whole table. A figure has a handful of steps in a real quarter, but shinchoku-bench's
-- figures reach thousands, and each approval then read them all: the bench slowed by a third from one 6-second round
-- to the next (docs/performance.md). These two indexes hold exactly the saves, keyed by item and actor.
CREATE INDEX workflow_events_figure_saves ON workflow_events (figure_id, actor_id)
    WHERE action = 'save' AND figure_id IS NOT NULL;
CREATE INDEX workflow_events_narrative_saves ON workflow_events (narrative_id, actor_id)
    WHERE action = 'save' AND narrative_id IS NOT NULL;

-- The same result as 0010's, one EXISTS per kind of item so that each is a probe of its index; enable_seqscan = off
-- as for item_department (0009), so that a plan made on a fresh, small table does not stay a scan as it grows.
CREATE OR REPLACE FUNCTION app_actor_entered(p_figure bigint, p_narrative bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
DECLARE
    actor bigint := app_actor_id();
BEGIN
    RETURN EXISTS (SELECT 1 FROM figures WHERE id = p_figure AND entered_by = actor)
        OR EXISTS (SELECT 1 FROM narratives WHERE id = p_narrative AND entered_by = actor)
        OR EXISTS (SELECT 1 FROM workflow_events
                   WHERE action = 'save' AND figure_id IS NOT NULL AND figure_id = p_figure AND actor_id = actor)
        OR EXISTS (SELECT 1 FROM workflow_events
                   WHERE action = 'save' AND narrative_id IS NOT NULL AND narrative_id = p_narrative
                     AND actor_id = actor);
END $$;
