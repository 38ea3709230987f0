-- The scheduler's plan per scheduled trigger. The gateway never computes fire times: on every
-- change that affects the schedule (create, replace, activate) it marks the row unplanned, and
-- the scheduler (re)plans it within one loop; deactivation leaves the row planned with no
-- next_fire_at. A one-time (or non-recurring) schedule that has fired is completed.
ALTER TABLE schedules
    ADD COLUMN planned boolean NOT NULL DEFAULT false,
    ADD COLUMN completed_at timestamptz;

CREATE INDEX schedules_unplanned_idx ON schedules (updated_at) WHERE NOT planned;

-- Scheduled triggers created before this migration get a row to be planned.
INSERT INTO schedules (trigger_id, planned)
    SELECT id, false FROM triggers WHERE type = 'scheduled'
    ON CONFLICT (trigger_id) DO UPDATE SET planned = false;
