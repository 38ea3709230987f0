-- 0008: webhook signing secrets encrypted at rest (issue 22).
--
-- Each stored secret gets the id of the key that encrypted it beside it (secrets::SecretBox:
-- AES-256-GCM, base64 of nonce | ciphertext | tag). 'none' marks a value stored in plain text:
-- every row written before this migration, and rows written while no ETP_SECRET_KEY is set.
-- The api-gateway encrypts such rows (and rows of a previous key) with the current key at
-- start; SQL cannot, as the key never reaches the database.

-- The first characters shown in secret listings were cut from the value by SQL; they cannot be
-- cut from a ciphertext, so they are kept beside it, written with the value.
ALTER TABLE trigger_secrets ADD COLUMN key_id text NOT NULL DEFAULT 'none';
ALTER TABLE trigger_secrets ALTER COLUMN key_id DROP DEFAULT;
ALTER TABLE trigger_secrets ADD COLUMN prefix text;
UPDATE trigger_secrets SET prefix = left(secret, 10) || '…';
ALTER TABLE trigger_secrets ALTER COLUMN prefix SET NOT NULL;

ALTER TABLE deliveries ADD COLUMN target_secret_key_id text;
UPDATE deliveries SET target_secret_key_id = 'none' WHERE target_secret IS NOT NULL;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_target_secret_key_id_check
    CHECK ((target_secret IS NULL) = (target_secret_key_id IS NULL));

-- The secret of a test of an unsaved definition (POST /api/v1/triggers/test), from the
-- gateway to the dispatcher, so that it never travels on etp.trigger.fired. The dispatcher
-- moves it into the event's first delivery when it logs the event. Rows of firings that never
-- reached Kafka are deleted by the gateway after a day.
CREATE TABLE test_target_secrets (
    event_id   uuid PRIMARY KEY,
    key_id     text NOT NULL,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX test_target_secrets_created_at_idx ON test_target_secrets (created_at);
