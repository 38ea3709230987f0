#!/usr/bin/env bash
# The fuzz targets' CTest side (tests/fuzz/CMakeLists.txt) and scripts/fuzz's build step.
#   run.sh build <dir>                    configure and build the clang tree (ETP_FUZZ=ON) in <dir>
#   run.sh run <dir> <target> <seconds>   run etp_fuzz_<target> from <dir> for <seconds> on its
#                                         seed corpus (read only) plus a fresh work corpus in
#                                         <dir>/ctest/<target>; exits non-zero on a finding,
#                                         whose input is left in <dir>/ctest/<target>-artifacts/
# ccache is used when it is installed (CCACHE_DIR as set by the caller). No -Werror here: clang
# warns where gcc, which the main build and its -Werror use, does not.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
mode=${1:?usage: run.sh build <dir> | run.sh run <dir> <target> <seconds>}
dir=${2:?missing build dir}

case $mode in
build)
    launcher=()
    if command -v ccache >/dev/null 2>&1; then
        launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    fi
    command -v clang++ >/dev/null 2>&1 ||
        { echo "error: clang++ is missing (scripts/install-deps installs clang)" >&2; exit 1; }
    cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" \
        -DETP_FUZZ=ON -DETP_BUILD_TESTS=OFF -DETP_SANITIZE=OFF -DETP_WERROR=OFF >/dev/null
    cmake --build "$dir" -t etp_fuzz_all
    ;;
run)
    target=${3:?missing target}
    seconds=${4:-60}
    exe=$dir/tests/fuzz/etp_fuzz_$target
    [[ -x $exe ]] || { echo "error: $exe is not built (run.sh build $dir)" >&2; exit 1; }
    work=$dir/ctest/$target
    artifacts=$dir/ctest/$target-artifacts
    rm -rf "$work" "$artifacts"
    mkdir -p "$work" "$artifacts"
    args=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/")
    [[ -f $here/$target.dict ]] && args+=(-dict="$here/$target.dict")
    # libFuzzer writes new inputs only into the first corpus directory.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    log=$dir/ctest/$target.log
    status=0
    "$exe" "${args[@]}" "$work" "$here/corpus/$target" >"$log" 2>&1 || status=$?
    if [[ $status -eq 0 ]]; then
        # libFuzzer's last stats line and its final counters.
        grep -E '^#[0-9]+[[:space:]]+DONE|^stat::' "$log" || tail -n 5 "$log"
    else
        grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED)' "$log" | tail -n 60
        echo "etp_fuzz_$target found a problem (exit $status); input(s) in $artifacts:" >&2
        ls "$artifacts" >&2
    fi
    exit "$status"
    ;;
*)
    echo "usage: run.sh build <dir> | run.sh run <dir> <target> <seconds>" >&2
    exit 2
    ;;
esac
