-- 0009: the tables cdc-capture leaves out of its publication, and why (not owned by its source
-- role, not in CDC_TABLES, no usable replica identity, refused by the server, ...). Written by
-- the streaming cdc-capture when the set changes (and at least every minute: checked_at); read
-- by the gateway, which shows the reason in the warnings of the cdc triggers on that table.
CREATE TABLE cdc_table_status (
    publication text NOT NULL,
    table_name text NOT NULL,
    reason text NOT NULL,
    checked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (publication, table_name)
);
CREATE INDEX cdc_table_status_table ON cdc_table_status (table_name);
