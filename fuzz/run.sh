#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, seeded with the corpus of derivations.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s each; parse, resolve, check, latex)
#
# Needs nightly Rust and cargo-fuzz (`cargo install cargo-fuzz`). Seeds are copied from
# derivations/, tests/ and ../shared/examples/ into fuzz/corpus/<target>/ (not committed). A crash
# is saved under fuzz/artifacts/<target>/ and makes this script exit 1: turn it into a regression
# test in tests/ (see docs/reliability.md) and fix it. An input that runs longer than 10 s counts
# as a crash (a hang).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse resolve check latex)

seed() {
    local dir="corpus/$1"
    mkdir -p "$dir"
    for f in ../derivations/*.deriv ../tests/egg_math/*.deriv ../tests/data/*.deriv ../*.deriv \
             ../../shared/examples/*.deriv ../tests/latex/*.tex ../tests/latex/*.md; do
        [ -f "$f" ] && cp "$f" "$dir/seed-$(basename "$f")"
    done
    return 0
}

status=0
for target in "${targets[@]}"; do
    seed "$target"
    echo "== $target: ${seconds} s"
    # -s none: the code is safe Rust, so AddressSanitizer finds nothing that a panic would not;
    # without it each input runs several times faster. Overflow checks and debug assertions stay on.
    if ! cargo +nightly fuzz run -s none "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -dict=deriv.dict -print_final_stats=1 2>&1 | tee "/tmp/gradproof-fuzz-$target.log" \
        | grep -E '^(#[0-9]+ +DONE|stat::|==[0-9]+==|thread .* panicked|SUMMARY|Test unit written)'; then
        :
    fi
    if grep -qE 'panicked|SUMMARY|Test unit written|deadly signal' "/tmp/gradproof-fuzz-$target.log"; then
        echo "!! $target: crash, see fuzz/artifacts/$target/ and /tmp/gradproof-fuzz-$target.log"
        status=1
    fi
done
exit "$status"
