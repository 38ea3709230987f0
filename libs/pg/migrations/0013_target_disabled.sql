-- A trigger whose webhook target answered 410 Gone: the dispatcher sets these, queues no more
-- deliveries for it and ends the pending ones; a replace (PUT) of the trigger clears them.
ALTER TABLE triggers
    ADD COLUMN target_disabled_at timestamptz,
    ADD COLUMN target_disabled_reason text;
