-- Webhook delivery: signing secrets per trigger (several at once, for rotation without a gap),
-- deliveries (one per delivery of an event: the first, then one per redeliver) and their
-- attempts. 0001's per-attempt deliveries table never held a sent webhook; it is replaced.

-- Standard Webhooks secrets ("whsec_" + base64). Every secret that has not expired signs each
-- webhook, so receivers can switch to a new secret while the old one still verifies.
CREATE TABLE trigger_secrets (
    id         uuid PRIMARY KEY,
    trigger_id uuid NOT NULL REFERENCES triggers (id) ON DELETE CASCADE,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz
);
CREATE INDEX trigger_secrets_trigger_id_idx ON trigger_secrets (trigger_id, created_at);

INSERT INTO trigger_secrets (id, trigger_id, secret)
    SELECT gen_random_uuid(), id, target_secret FROM triggers WHERE target_secret IS NOT NULL;
ALTER TABLE triggers DROP COLUMN target_secret;

DROP TABLE deliveries;

-- One row per delivery of an event to its target. While 'pending', next_attempt_at is when the
-- next attempt is due; a dispatcher working on the row pushes it forward (a lease), so a
-- delivery whose dispatcher died is picked up again once the lease runs out.
CREATE TABLE deliveries (
    event_id        uuid NOT NULL,
    number          int NOT NULL,             -- 1 = the first delivery, 2.. = redeliveries
    trigger_id      uuid NOT NULL,
    triggered_at    timestamptz NOT NULL,     -- the event's partition key
    status          text NOT NULL CHECK (status IN ('pending', 'succeeded', 'dead')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error      text,
    -- Only for a test of an unsaved definition, which has no triggers row to look up.
    target          jsonb,
    target_secret   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, number)
);
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_triggered_at_idx ON deliveries (triggered_at);

-- Each HTTP attempt of a delivery, as GET /events/{id} shows it.
CREATE TABLE delivery_attempts (
    event_id      uuid NOT NULL,
    number        int NOT NULL,
    attempt       int NOT NULL,
    triggered_at  timestamptz NOT NULL,
    started_at    timestamptz NOT NULL,
    http_status   int,
    latency_ms    int NOT NULL,
    error         text,
    response_body text,                       -- the first 1 KiB
    PRIMARY KEY (event_id, number, attempt)
);
CREATE INDEX delivery_attempts_triggered_at_idx ON delivery_attempts (triggered_at);
