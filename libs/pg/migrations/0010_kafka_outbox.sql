-- Messages decided in a transaction and published to Kafka after it commits (a transactional
-- outbox). The dispatcher writes a dead delivery's etp.deliveries.dead message here in the same
-- transaction that marks the delivery dead, and a publisher sends and deletes it later: a Kafka
-- outage then delays the message but never blocks recording attempts (whose leases would lapse
-- and let another dispatcher repeat deliveries that had succeeded), and a crash between the two
-- repeats the message at worst, never loses it.
CREATE TABLE kafka_outbox (
    id         bigserial PRIMARY KEY,
    topic      text NOT NULL,
    key        text NOT NULL,
    value      text,
    headers    jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now()
);
