-- 0004: retention (archive after EVENT_ACTIVE_FOR, delete after EVENT_RETAIN_FOR).

-- Per-trigger counts of the events retention has deleted, so that lifetime totals outlive the
-- events: lifetime = deleted + rows still stored. The retention service adds to a row in the
-- same transaction that drops a partition or deletes rows, so a crash can neither lose nor
-- double a count. Nothing on the insert path writes here. There is no foreign key to
-- triggers: like the event log, the counts outlive a deleted trigger (the aggregate lists
-- deleted triggers too), which is why the name and type are copied (those of the newest
-- deleted event).
CREATE TABLE trigger_event_totals (
    trigger_id        uuid PRIMARY KEY,
    trigger_name      text NOT NULL,
    trigger_type      text NOT NULL,
    deleted           bigint NOT NULL DEFAULT 0 CHECK (deleted >= 0),
    deleted_test      bigint NOT NULL DEFAULT 0 CHECK (deleted_test BETWEEN 0 AND deleted),
    last_triggered_at timestamptz NOT NULL,   -- the newest deleted event
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Finds the events still to archive (older than EVENT_ACTIVE_FOR, archived_at null) without
-- visiting the archived ones: it holds only the active rows, about EVENT_ACTIVE_FOR's worth.
-- Indexing archived_at makes the archive UPDATE non-HOT; that is the price of never scanning
-- the whole log to find what is left (see the Retention section of the README).
CREATE INDEX events_active_idx ON events (triggered_at) WHERE archived_at IS NULL;

-- Expired keys (older than the 24 h window of IdempotencyStore::claim) are deleted by
-- retention in batches.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
