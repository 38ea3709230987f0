#!/usr/bin/env bash
# Shared helpers for scripts/*. Source it; it defines functions and sets nothing else.
set -euo pipefail

# Messages go to stderr so that stdout stays for what a script is asked to print.
etp_say() { printf '%s\n' "$*" >&2; }
etp_note() { printf '==> %s\n' "$*" >&2; }
etp_warn() { printf 'warning: %s\n' "$*" >&2; }
etp_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

etp_is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a command as root: directly when we are root, through sudo otherwise.
etp_as_root() {
    if etp_is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        etp_die "need root (or sudo) to run: $*"
    fi
}

# Seconds since the epoch, for elapsed-time messages and deadlines.
etp_now() { date +%s; }

# True when the process exists and is not a zombie.
etp_pid_alive() {
    local pid=$1 state
    [[ -n $pid && -r /proc/$pid/stat ]] || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

# True when the pid's executable has the given base name (guards against pid reuse).
etp_pid_is() {
    local pid=$1 name=$2 exe
    etp_pid_alive "$pid" || return 1
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || exe=""
    exe=${exe% (deleted)}
    if [[ -n $exe ]]; then
        [[ ${exe##*/} == "$name" ]]
    else
        # /proc/PID/exe is unreadable for other users' processes; fall back to comm (15 chars).
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "${name:0:15}" ]]
    fi
}

# SIGTERM, wait up to $3 seconds (default 10), then SIGKILL. Returns 0 once the pid is gone.
etp_stop_pid() {
    local pid=$1 label=$2 timeout=${3:-10} waited=0
    etp_pid_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    while etp_pid_alive "$pid"; do
        if ((waited >= timeout * 10)); then
            etp_warn "$label (pid $pid) still running after ${timeout}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.2
            return 0
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

# True when something accepts TCP connections on 127.0.0.1:$1.
etp_port_in_use() {
    local port=$1
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# True when GET $1 answers 2xx within 2 s.
etp_http_ok() {
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
}

# Prints the last $2 lines (default 40) of a log file, indented, to stderr.
etp_log_tail() {
    local file=$1 lines=${2:-40}
    if [[ -s $file ]]; then
        etp_say "---- last $lines lines of $file ----"
        tail -n "$lines" "$file" | sed 's/^/    /' >&2
        etp_say "----"
    else
        etp_say "($file is empty or missing)"
    fi
}

# A TCP port on 127.0.0.1 that is free right now (python3 comes with install-deps).
etp_free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The archive apt installs this release's main packages from: the first URI listed for the
# release's own suite (not -updates or -security), in one-line or deb822 sources. Arguments:
# the release or suite (default: this machine's release) and the source files (default: this
# machine's).
etp_apt_archive_uri() {
    local release=${1:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")} file files=()
    [[ -n $release ]] || return 0
    (($# > 1)) && shift || set -- /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list.d/*.sources
    for file in "$@"; do
        [[ -r $file ]] && files+=("$file")
    done
    ((${#files[@]} > 0)) || return 0
    awk -v release="$release" '
        function found(uri) { sub(/\/+$/, "", uri); print uri; exit }
        $1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
            if ($(i + 1) == release) found($i)
        }
        /^URIs:/ {uris = $2}
        /^Suites:/ {for (j = 2; j <= NF; j++) if ($j == release && uris != "") found(uris)}
        /^[[:space:]]*$/ {uris = ""}' "${files[@]}"
}
