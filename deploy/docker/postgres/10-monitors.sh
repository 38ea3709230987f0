#!/bin/bash
# First start of compose.yaml's PostgreSQL: the `monitors` database (the sample source of cdc
# triggers, tests/fixtures/monitors) beside the platform's own. The official image runs this
# once, as POSTGRES_USER (a superuser, so it may use logical replication).
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c 'create database monitors'
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d monitors -1 \
    -f /fixtures/monitors/schema.sql -f /fixtures/monitors/seed.sql
