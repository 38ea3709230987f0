-- 0014: the source tables cdc-capture has taken an initial snapshot of (CDC_SNAPSHOT), per
-- publication. A table without a row here is snapshotted when it is first captured; 'running'
-- is a snapshot under way (or interrupted: it is taken again); 'done' keeps the snapshot's
-- position, so changes it already contains are not streamed again after a restart; 'never'
-- (CDC_SNAPSHOT=never), 'existing' (captured before snapshots were recorded) and 'gone'
-- (dropped before it could be read) were not read.
-- The row with table_name '' (state 'tracking') says since when the publication's snapshots are
-- recorded.
CREATE TABLE cdc_snapshots (
    id bigserial NOT NULL UNIQUE,  -- in snapshot rows' event ids; kept when a snapshot repeats
    publication text NOT NULL,
    table_name text NOT NULL,
    state text NOT NULL
        CHECK (state IN ('running', 'done', 'never', 'existing', 'gone', 'tracking')),
    xid_snapshot text,   -- pg_current_snapshot() of the reading transaction
    snapshot_lsn text,   -- the source's WAL insert position then
    row_count bigint NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (publication, table_name)
);
