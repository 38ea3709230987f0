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
