# clang-tidy on the C++ files a change touches, for scripts/test (sourced; needs common.sh).
#
# etp_tidy BUILD_DIR JOBS runs clang-tidy (.clang-tidy, warnings as errors) with BUILD_DIR's
# compile_commands.json on:
#   ETP_TIDY_FILES=all      every .cpp the build compiles (about 15 s a file on 2 cores);
#   ETP_TIDY_FILES="a b"    those files;
#   unset                   the .cpp files changed since the merge base with main (or
#                           origin/main), committed or not, and the .cpp files of the same name
#                           as changed headers; when there are none (a clean checkout of main,
#                           as in CI), a fixed set: libs/domain/src and libs/runtime/src.
# Only files the build compiles are checked (compile_commands.json lists them). Returns non-zero
# and lists the findings when there are any.

etp_tidy_changed_files() {
    local base=""
    local ref
    for ref in main origin/main; do
        if git rev-parse --verify -q "$ref^{commit}" >/dev/null; then
            base=$(git merge-base HEAD "$ref" 2>/dev/null) && break
        fi
    done
    [[ -n $base ]] || return 0
    local file
    {
        git diff --name-only --diff-filter=ACMR "$base" -- '*.cpp' '*.hpp'
        git ls-files --others --exclude-standard -- '*.cpp' '*.hpp'
    } | sort -u | while read -r file; do
        case $file in
        *.cpp) echo "$file" ;;
        *.hpp) git ls-files -- "*/$(basename "${file%.hpp}").cpp" "$(basename "${file%.hpp}").cpp" ;;
        esac
    done | sort -u
}

etp_tidy() {
    local build_dir=$1 jobs=$2
    local database=$build_dir/compile_commands.json
    [[ -f $database ]] || etp_die "clang-tidy: no $database (configure the build first)"
    local -a wanted=()
    case ${ETP_TIDY_FILES:-} in
    all) mapfile -t wanted < <(git ls-files '*.cpp') ;;
    "") mapfile -t wanted < <(etp_tidy_changed_files) ;;
    *) read -r -a wanted <<<"$ETP_TIDY_FILES" ;;
    esac
    local what="changed files"
    [[ -n ${ETP_TIDY_FILES:-} ]] && what="ETP_TIDY_FILES"
    if ((${#wanted[@]} == 0)); then
        what="no changes since main: the fixed set"
        mapfile -t wanted < <(git ls-files 'libs/domain/src/*.cpp' 'libs/runtime/src/*.cpp')
    fi
    # Keep the files the build compiles; compile_commands.json names them by absolute path.
    local -a files=()
    local file
    for file in "${wanted[@]}"; do
        [[ -f $file ]] || continue
        grep -qF "\"file\": \"$PWD/$file\"" "$database" && files+=("$file")
    done
    if ((${#files[@]} == 0)); then
        etp_note "clang-tidy: nothing to check ($what compile to nothing here)"
        return 0
    fi
    etp_note "clang-tidy: ${#files[@]} files ($what), $jobs at a time"
    local start out
    start=$(etp_now)
    out=$(mktemp)
    if ! printf '%s\0' "${files[@]}" |
        xargs -0 -n 1 -P "$jobs" clang-tidy -p "$build_dir" --quiet >"$out" 2>&1; then
        grep -E '(error|warning):' "$out" >&2 || cat "$out" >&2
        etp_say "error: clang-tidy found the above (fix them, or // NOLINT(<check>): <why>)"
        rm -f "$out"
        return 1
    fi
    rm -f "$out"
    etp_note "clang-tidy: ${#files[@]} files ok in $(($(etp_now) - start)) s"
}
