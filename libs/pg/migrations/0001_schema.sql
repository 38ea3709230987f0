-- 0001: the platform's base schema. Applied in one transaction by etp::pg::apply_migrations;
-- no BEGIN/COMMIT here.

-- Trigger definitions: common fields as columns, type-specific parts as jsonb.
CREATE TABLE triggers (
    id            uuid PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    type          text NOT NULL CHECK (type IN ('scheduled', 'api', 'cdc')),
    active        boolean NOT NULL DEFAULT true,
    schedule      jsonb,
    payload       jsonb,
    api_schema    jsonb,
    cdc           jsonb,
    target        jsonb,
    retry         jsonb,
    target_secret text,
    version       bigint NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Listing pages, newest first, optionally filtered by type; id breaks ties for stable paging.
CREATE INDEX triggers_type_created_at_idx ON triggers (type, created_at DESC, id);
CREATE INDEX triggers_created_at_idx ON triggers (created_at DESC, id);

-- The scheduler's state per scheduled trigger.
CREATE TABLE schedules (
    trigger_id   uuid PRIMARY KEY REFERENCES triggers (id) ON DELETE CASCADE,
    next_fire_at timestamptz,
    last_slot_at timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedules_next_fire_at_idx ON schedules (next_fire_at)
    WHERE next_fire_at IS NOT NULL;

-- The event log. No foreign key to triggers: the log outlives a deleted trigger, which is why
-- its name and type are copied. Range-partitioned by hour on triggered_at so that retention
-- drops whole partitions; rows outside every hourly partition land in events_default.
CREATE TABLE events (
    id            uuid NOT NULL,
    trigger_id    uuid NOT NULL,
    trigger_name  text NOT NULL,
    trigger_type  text NOT NULL,
    source        text NOT NULL,
    is_test       boolean NOT NULL DEFAULT false,
    payload       jsonb NOT NULL DEFAULT 'null',
    scheduled_for timestamptz,
    triggered_at  timestamptz NOT NULL,
    logged_at     timestamptz NOT NULL DEFAULT now(),
    archived_at   timestamptz,
    PRIMARY KEY (id, triggered_at)
) PARTITION BY RANGE (triggered_at);
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE INDEX events_triggered_at_idx ON events (triggered_at DESC, id DESC);
CREATE INDEX events_trigger_id_idx ON events (trigger_id, triggered_at DESC);

-- Creates the hourly partitions events_pYYYYMMDDHH (UTC hours) for every hour overlapping
-- [from_ts, to_ts) that does not exist yet; returns how many it created. An hour whose rows
-- already sit in events_default is skipped with a NOTICE (creating it would fail).
-- TimeZone and DateStyle are pinned so that names and bounds never depend on the session.
CREATE FUNCTION etp_ensure_event_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS int
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
    hour_start timestamptz;
    part_name  text;
    created    int := 0;
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL THEN
        RAISE EXCEPTION 'etp_ensure_event_partitions: bounds must not be null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Serialises concurrent callers (key: 'etp_part' in ASCII) until the caller commits.
    PERFORM pg_advisory_xact_lock(7310591650338796148);
    hour_start := date_trunc('hour', from_ts);
    WHILE hour_start < to_ts LOOP
        part_name := 'events_p' || to_char(hour_start, 'YYYYMMDDHH24');
        IF to_regclass(quote_ident(part_name)) IS NULL THEN
            BEGIN
                EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                               part_name, hour_start, hour_start + interval '1 hour');
                created := created + 1;
            EXCEPTION
                WHEN check_violation THEN
                    RAISE NOTICE 'skipping partition %: events_default holds rows for its hour',
                        part_name;
                WHEN duplicate_table THEN
                    NULL;  -- created by someone who did not take the lock
            END;
        END IF;
        hour_start := hour_start + interval '1 hour';
    END LOOP;
    RETURN created;
END
$$;

-- A few hours ahead only: every partition that exists is one more in the plan of each listing
-- that reaches the newest events; the dispatcher and retention keep creating them ahead.
SELECT etp_ensure_event_partitions(now() - interval '1 hour', now() + interval '4 hours');

-- Webhook delivery attempts per event; 'pending' rows are the retry queue.
CREATE TABLE deliveries (
    event_id        uuid NOT NULL,
    attempt         int NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'dead')),
    http_status     int,
    error           text,
    latency_ms      int,
    next_attempt_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, attempt)
);
CREATE INDEX deliveries_pending_next_attempt_at_idx ON deliveries (next_attempt_at)
    WHERE status = 'pending';

-- API keys: only the SHA-256 of the secret is stored; the prefix identifies a key to humans.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE,
    key_prefix   text NOT NULL,
    scopes       text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Idempotency-Key of POST /triggers/{id}/fire -> the event it created.
CREATE TABLE idempotency_keys (
    trigger_id uuid NOT NULL,
    key        text NOT NULL,
    event_id   uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (trigger_id, key)
);
