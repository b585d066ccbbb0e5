#!/bin/bash
# Build the libFuzzer targets and run each for a bounded time, then replay
# every saved crash input:
#   tests/fuzz/run-fuzz.sh [BUILD-DIR]      (default build-fuzz)
# FUZZ_SECONDS (default 20) per target, FUZZ_JOBS (default 2) targets at a
# time.  Seeds are read from tests/fuzz/<target>/ (never written: new
# inputs go to BUILD-DIR/fuzz-corpus/<target>); a crash is saved as
# BUILD-DIR/fuzz-artifacts/<target>-crash-*: once fixed, keep it as
# tests/fuzz/<target>/regressions/<what-it-was>.  Prints one line per
# target (execs/s, coverage) and exits non-zero if any target failed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-2}
targets=(config seccomp-policy records supervisor elfdeps request ctl authinfo session-abi recparse events identity)

if ! { [ -d "$build" ] && meson setup --reconfigure "$build" -Dfuzz=true >/dev/null ||
       CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
               --buildtype=debugoptimized >/dev/null; } ||
   ! ninja -C "$build" "${targets[@]/#/tests/fuzz/fuzz-}" >/dev/null; then
        echo "fuzz: build failed"
        ninja -C "$build" "${targets[@]/#/tests/fuzz/fuzz-}"
        exit 1
fi
out=$build/fuzz-logs
rm -rf "$out" "$build/fuzz-artifacts"
mkdir -p "$out" "$build/fuzz-artifacts"
tests/fuzz/gen-elf-seeds.py "$build/fuzz-seeds/elfdeps"

run_one() { # target
        local t=$1 exe=$build/tests/fuzz/fuzz-$1 seeds=()
        # elfdeps has no seeds in git (generated above; git keeps no empty
        # directory): libFuzzer exits on a corpus directory that is missing.
        [ -d "tests/fuzz/$t" ] && seeds+=("tests/fuzz/$t")
        [ -d "$build/fuzz-seeds/$t" ] && seeds+=("$build/fuzz-seeds/$t")
        mkdir -p "$build/fuzz-corpus/$t"
        # ASan's leak check runs at the end of each input (-detect_leaks).
        "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
                -artifact_prefix="$build/fuzz-artifacts/$t-" "$build/fuzz-corpus/$t" "${seeds[@]}" \
                >"$out/$t.log" 2>&1
        echo $? >"$out/$t.rc"
}
export -f run_one
export build out seconds
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'

rc=0
for t in "${targets[@]}"; do
        r=$(cat "$out/$t.rc" 2>/dev/null || echo 1)
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t.log")
        cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -n1 | cut -d' ' -f2)
        ft=$(grep -o 'ft: [0-9]*' "$out/$t.log" | tail -n1 | cut -d' ' -f2)
        # Replay the saved crash inputs (each must now pass).
        regs=(tests/fuzz/"$t"/regressions/*)
        reg=ok
        if [ -e "${regs[0]}" ] && ! "$build/tests/fuzz/fuzz-$t" "${regs[@]}" >"$out/$t.regressions.log" 2>&1; then
                reg=FAILED
        fi
        if [ "$r" = 0 ] && [ "$reg" = ok ]; then
                status=ok
        else
                status=FAILED rc=1
        fi
        printf 'fuzz-%-15s %s: %s execs in %ss, %s/s, cov %s, ft %s; regressions (%d): %s\n' "$t" "$status" \
                "${execs:-?}" "$seconds" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
                "$( [ -e "${regs[0]}" ] && echo ${#regs[@]} || echo 0)" "$reg"
        if [ "$status" != ok ]; then
                grep -m1 -E 'ERROR|invariant failed|deadly' "$out/$t.log" "$out/$t.regressions.log" 2>/dev/null
                ls "$build/fuzz-artifacts/$t-"* 2>/dev/null
        fi
done
exit $rc
