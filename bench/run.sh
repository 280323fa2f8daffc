#!/usr/bin/env bash
# A reproducible benchmark of the corpus through the release binary: whole-process wall time, time
# per step and peak memory (max RSS, from /usr/bin/time), medians over N runs.
#
#   bench/run.sh [RUNS]          (default 11)
#
# Needs bash 5 (EPOCHREALTIME) and GNU time. Prints one line for the whole corpus (derivations/) and one per file. The numbers in the README's
# "Speed" section come from this script.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-11}"
cargo build --release --quiet
bin=target/release/gradproof
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (GNU time)" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure NAME STEPS FILES...: prints NAME, steps, median wall ms, median ms per step, median max RSS.
measure() {
    local name="$1" steps="$2"
    shift 2
    : > "$tmp/wall"
    : > "$tmp/rss"
    for _ in $(seq "$runs"); do
        # Wall time from bash's clock (microseconds; GNU time's %e has 10 ms steps), memory from time.
        local start="$EPOCHREALTIME"
        /usr/bin/time -f "%M" -o "$tmp/t" "$bin" check "$@" > /dev/null 2>&1 || true
        local end="$EPOCHREALTIME"
        echo "$end - $start" | awk '{ print $1 - $3 }' >> "$tmp/wall"
        tail -1 "$tmp/t" >> "$tmp/rss"
    done
    local wall rss
    wall="$(median < "$tmp/wall")"
    rss="$(median < "$tmp/rss")"
    awk -v n="$name" -v s="$steps" -v w="$wall" -v r="$rss" 'BEGIN {
        printf "%-34s %6d %10.1f %12.3f %10.1f\n", n, s, w * 1000, (s > 0 ? w * 1000 / s : 0), r / 1024 }'
}

steps_of() { "$bin" check --format json "$@" 2>/dev/null | grep -o '"steps": [0-9]*' | tail -1 | grep -o '[0-9]*$'; }

echo "gradproof $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, medians of $runs runs"
printf "%-34s %6s %10s %12s %10s\n" "input" "steps" "wall ms" "ms per step" "max RSS MB"
measure "derivations/ (whole corpus)" "$(steps_of derivations/)" derivations/
for f in derivations/*.deriv; do
    measure "$(basename "$f")" "$(steps_of "$f")" "$f"
done | tee "$tmp/files"
echo "median over files: $(awk '{ print $4 }' "$tmp/files" | median) ms per step (process start included)," \
    "max RSS $(awk '{ print $5 }' "$tmp/files" | sort -g | tail -1) MB"
