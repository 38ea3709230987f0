-- 0007: the event log keeps each payload as JSON text (json), no longer as jsonb.
--
-- Nothing queries inside a logged payload: it is written once by the dispatcher, then read back
-- whole by listings, GET /events/{id} and redelivery. jsonb paid twice for a structure nobody
-- used: on insert, building the binary form of every payload of a batch, and on every read,
-- printing it back as text. The printing was about a third of PostgreSQL's time in a listing
-- of 100 events. json stores the text as the dispatcher wrote it (compact, keys in the order
-- the writer gave them) and returns it as stored.
--
-- This rewrites every partition of events once, under its lock, and writes the whole log to the
-- WAL again (8.8 million events: 35 s here). On a large log, run it at a quiet time, and mind
-- replication slots of the same cluster whose consumers are stopped meanwhile: a slot that falls
-- more than max_slot_wal_keep_size behind is invalidated (cdc-capture then says so and what to do).
ALTER TABLE events ALTER COLUMN payload DROP DEFAULT;
ALTER TABLE events ALTER COLUMN payload TYPE json USING payload::json;
ALTER TABLE events ALTER COLUMN payload SET DEFAULT 'null';
