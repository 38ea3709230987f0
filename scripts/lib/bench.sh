# shellcheck shell=bash
# Helpers shared by scripts/bench/*: Prometheus scrapes and histogram quantiles.

# etp_metric <url> <sample prefix>: sum of the matching samples (0 when none).
etp_metric() {
    curl -fsS --max-time 5 "$1" | awk -v p="$2" '
        index($0, p) == 1 {
            rest = substr($0, length(p) + 1)
            if (p ~ /\{/ || rest ~ /^[ {]/) sum += $NF
        }
        END {printf "%.0f", sum}'
}

# etp_histogram_delta <histogram name> <before.prom> <after.prom>: the histogram's observations
# between two scrapes as "count<TAB>p50 ms<TAB>p99 ms<TAB>max ms", quantiles linear within a
# bucket, max the bound of the highest non-empty bucket.
etp_histogram_delta() {
    awk -v name="$1" '
        FNR == NR && index($0, name "_bucket") == 1 {before[$1] = $2; next}
        index($0, name "_bucket") == 1 {
            le = $1; sub(/.*le="/, "", le); sub(/".*/, "", le)
            n++; bound[n] = (le == "+Inf" ? 1e99 : le + 0); cum[n] = $2 - before[$1]
        }
        function q(p,   i, lo, prev, target) {
            target = p * cum[n]; prev = 0; lo = 0
            for (i = 1; i <= n; i++) {
                if (cum[i] >= target && cum[i] > 0) {
                    if (bound[i] == 1e99) return "> " lo * 1000
                    return sprintf("%.1f", 1000 * (lo + (bound[i] - lo) * (target - prev) / (cum[i] - prev)))
                }
                lo = bound[i]; prev = cum[i]
            }
            return "?"
        }
        END {
            if (n == 0 || cum[n] == 0) {printf "0\t?\t?\t?\n"; exit}
            for (i = 1; i <= n; i++) if (cum[i] == cum[n]) break
            max = (bound[i] == 1e99 ? "> " bound[i - 1] * 1000 : "≤ " bound[i] * 1000)
            printf "%d\t%s\t%s\t%s\n", cum[n], q(0.5), q(0.99), max
        }' "$2" "$3"
}

# etp_run_broker: which broker the detached run uses, as scripts/run wrote it to .run/env
# ("Apache Kafka", "the development broker" or "your Kafka").
etp_run_broker() {
    case ${ETP_RUN_BROKER:-} in
    kafka) echo "Apache Kafka" ;;
    dev) echo "the development broker" ;;
    outside) echo "your Kafka" ;;
    *) echo "the broker" ;;
    esac
}

# etp_cpu_snapshot <file>: CPU time so far (clock ticks, user + system) of each process of the
# run as "name<TAB>ticks" lines: the five services and the broker from .run/pids, PostgreSQL as
# the sum over the postgres user's processes (with the children its postmaster reaped).
etp_cpu_snapshot() {
    local out=$1 root pidfile name pid
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    : >"$out"
    for pidfile in "$root"/.run/pids/*.pid; do
        [[ -f $pidfile ]] || continue
        name=$(basename "$pidfile" .pid)
        pid=$(<"$pidfile")
        [[ -r /proc/$pid/stat ]] || continue
        awk -v n="$name" '{sub(/^.*\) /, ""); printf "%s\t%d\n", n, $12 + $13}' "/proc/$pid/stat" >>"$out"
    done
    for pid in $(pgrep -u postgres 2>/dev/null); do
        awk '{sub(/^.*\) /, ""); print $12 + $13 + $14 + $15}' "/proc/$pid/stat" 2>/dev/null
    done | awk '{s += $1} END {printf "postgres\t%d\n", s}' >>"$out"
}

# etp_cpu_table <before> <after> <events>: a markdown table of each process's CPU between two
# snapshots, in seconds and in µs per event.
etp_cpu_table() {
    local hz
    hz=$(getconf CLK_TCK)
    echo "| process | CPU s | µs of CPU per event |"
    echo "| --- | ---: | ---: |"
    awk -F'\t' -v hz="$hz" -v n="$3" '
        FNR == NR {before[$1] = $2; next}
        {
            name = ($1 == "kafka" ? "broker (Apache Kafka)" : ($1 == "broker" ? "broker (development)" : $1))
            s = ($2 - before[$1]) / hz; total += s
            printf "| %s | %.1f | %s |\n", name, s, (n > 0 ? sprintf("%.0f", s * 1e6 / n) : "?")
        }
        END {printf "| **all of the above** | %.1f | %s |\n", total, (n > 0 ? sprintf("%.0f", total * 1e6 / n) : "?")}
    ' "$1" "$2"
}
