-- 0011: an Idempotency-Key remembers the request it was first used with.
--
-- The SHA-256 (hex) of the fired payload as the gateway parsed it (compact JSON, keys sorted):
-- a repeat with the same key and another payload is refused with 422 instead of answering the
-- first firing's event id for a request that never fired. Keys claimed before this migration
-- have none and are not compared; they expire within 24 hours.
ALTER TABLE idempotency_keys ADD COLUMN request_sha256 text;
