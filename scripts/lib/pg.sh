#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for scripts/run. Source after common.sh.
#
# Debian's server binaries refuse to run as root, so as root they run as the `postgres` user
# on directories it owns. When that user cannot reach the repository (a clone under /root,
# mode 700) the cluster lives under /var/lib/etp-run/<hash of the run dir> and .run/pg is a
# symlink to it.
set -euo pipefail

etp_pg_bin=${ETP_PG_BIN:-/usr/lib/postgresql/15/bin}
# The server settings the platform needs, shared with the tests' clusters.
etp_pg_server_conf=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../deploy/postgres" && pwd)/etp-postgresql.conf

# Runs a server binary as the cluster's owner.
etp_pg_as_owner() {
    if etp_is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

etp_psql() {
    local psql=psql
    [[ -x $etp_pg_bin/psql ]] && psql=$etp_pg_bin/psql
    PGCONNECT_TIMEOUT=5 "$psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# etp_pg_dirs RUN_DIR: sets ETP_PG_DATA, ETP_PG_SOCKET, ETP_PG_LOG (absolute paths; the log
# is RUN_DIR/logs/postgres.log or a symlink there) and creates them with the right owner.
# RUN_DIR/logs must exist.
etp_pg_dirs() {
    local run_dir=$1 base=$1
    if etp_is_root && ! runuser -u postgres -- test -x "$run_dir" 2>/dev/null; then
        local hash
        hash=$(printf '%s' "$run_dir" | sha256sum | cut -c1-16)
        base=/var/lib/etp-run/$hash
        etp_note "user postgres cannot reach $run_dir; keeping the cluster in $base"
        mkdir -p "$base"
        chmod 755 /var/lib/etp-run "$base"
        for name in pg pg-socket; do
            if [[ ! -e $run_dir/$name && ! -L $run_dir/$name ]]; then
                ln -s "$base/$name" "$run_dir/$name"
            fi
        done
    fi
    ETP_PG_DATA=$base/pg
    ETP_PG_SOCKET=$base/pg-socket
    # A unix socket path has at most 107 bytes ("/.s.PGSQL.NNNNN" included).
    if ((${#ETP_PG_SOCKET} > 90)); then
        ETP_PG_SOCKET=/tmp/etp-pg-socket-$(printf '%s' "$run_dir" | sha256sum | cut -c1-16)
    fi
    if [[ $base == "$run_dir" ]]; then
        ETP_PG_LOG=$run_dir/logs/postgres.log
    else
        ETP_PG_LOG=$base/postgres.log
        ln -sfn "$ETP_PG_LOG" "$run_dir/logs/postgres.log"
    fi
    mkdir -p "$ETP_PG_DATA" "$ETP_PG_SOCKET" "$(dirname "$ETP_PG_LOG")"
    touch "$ETP_PG_LOG"
    chmod 700 "$ETP_PG_DATA"
    if etp_is_root; then
        chown postgres:postgres "$ETP_PG_DATA" "$ETP_PG_SOCKET" "$ETP_PG_LOG"
    fi
}

# Initialises the cluster on first use; later runs keep its data.
etp_pg_init() {
    if [[ -s $ETP_PG_DATA/PG_VERSION ]]; then
        return 0
    fi
    etp_note "initialising PostgreSQL cluster in $ETP_PG_DATA"
    etp_pg_as_owner "$etp_pg_bin/initdb" -D "$ETP_PG_DATA" --auth=trust -U postgres \
        --encoding=UTF8 --no-locale >>"$ETP_PG_LOG" 2>&1 ||
        {
            etp_log_tail "$ETP_PG_LOG"
            etp_die "initdb failed"
        }
    # Settings that scripts/run owns live in etp.conf, rewritten at every start.
    printf "\ninclude_if_exists = 'etp.conf'\n" >>"$ETP_PG_DATA/postgresql.conf"
}

# etp_pg_start PORT: starts the cluster (or leaves a running one alone) and waits for it.
etp_pg_start() {
    local port=$1
    {
        cat <<EOF
# Written by scripts/run at every start; edit scripts/lib/pg.sh and
# deploy/postgres/etp-postgresql.conf, not this file.
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$ETP_PG_SOCKET'
EOF
        # A copy, not an include: the postgres user may not reach the repository.
        cat "$etp_pg_server_conf"
    } >"$ETP_PG_DATA/etp.conf"
    if etp_is_root; then
        chown postgres:postgres "$ETP_PG_DATA/etp.conf"
    fi
    if etp_pg_as_owner "$etp_pg_bin/pg_ctl" -D "$ETP_PG_DATA" status >/dev/null 2>&1; then
        etp_note "PostgreSQL already running in $ETP_PG_DATA; reusing it"
    else
        etp_note "starting PostgreSQL on 127.0.0.1:$port"
        if etp_port_in_use "$port"; then
            etp_die "port $port is already in use (set ETP_PG_PORT to another port)"
        fi
        # pg_ctl removes a stale postmaster.pid left by a crash.
        etp_pg_as_owner "$etp_pg_bin/pg_ctl" -D "$ETP_PG_DATA" -l "$ETP_PG_LOG" -w -t 60 \
            start >/dev/null 2>&1 ||
            {
                etp_log_tail "$ETP_PG_LOG"
                etp_die "PostgreSQL did not start"
            }
    fi
    local deadline=$(($(etp_now) + 30))
    until etp_psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc 'select 1' \
        >/dev/null 2>&1; do
        if (($(etp_now) > deadline)); then
            etp_log_tail "$ETP_PG_LOG"
            etp_die "PostgreSQL does not answer on 127.0.0.1:$port"
        fi
        sleep 0.5
    done
}

# etp_pg_stop: fast shutdown when the cluster runs; quiet otherwise.
etp_pg_stop() {
    [[ -n ${ETP_PG_DATA:-} && -s $ETP_PG_DATA/PG_VERSION ]] || return 0
    if etp_pg_as_owner "$etp_pg_bin/pg_ctl" -D "$ETP_PG_DATA" status >/dev/null 2>&1; then
        etp_note "stopping PostgreSQL"
        etp_pg_as_owner "$etp_pg_bin/pg_ctl" -D "$ETP_PG_DATA" -m fast -w -t 60 stop \
            >/dev/null 2>&1 || etp_warn "pg_ctl stop failed; see $ETP_PG_LOG"
    fi
}

# etp_pg_create_db PORT NAME: creates the database unless it exists.
etp_pg_create_db() {
    local port=$1 name=$2 exists
    exists=$(etp_psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc \
        "select 1 from pg_database where datname = '$name'") ||
        etp_die "cannot query databases on 127.0.0.1:$port"
    if [[ $exists != 1 ]]; then
        etp_note "creating database $name"
        etp_psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "create database \"$name\"" ||
            etp_die "cannot create database $name"
    fi
}

# etp_pg_load_monitors PORT DB DIR: loads DIR/schema.sql and DIR/seed.sql in one transaction
# unless the fixture's table already exists.
etp_pg_load_monitors() {
    local port=$1 db=$2 dir=$3 present
    present=$(etp_psql -h 127.0.0.1 -p "$port" -U postgres -d "$db" -Atc \
        "select to_regclass('public.monitors') is not null")
    if [[ $present == t ]]; then
        return 0
    fi
    etp_note "loading the sample monitors database from $dir"
    etp_psql -h 127.0.0.1 -p "$port" -U postgres -d "$db" -1 \
        -f "$dir/schema.sql" -f "$dir/seed.sql" >/dev/null
}
