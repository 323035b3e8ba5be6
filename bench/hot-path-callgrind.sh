#!/bin/bash
# Instructions per iteration of one hot path of bench/hot-path.bench.ts, counted by callgrind over
# exactly those iterations (not node's start-up or the warm-up), so the machine's load does not move
# them. Needs valgrind and a build (npm run build).
#   bench/hot-path-callgrind.sh "router decision" 500
set -euo pipefail
name=${1:?usage: $0 <bench name or its beginning> <iterations>}
n=${2:?usage: $0 <bench name or its beginning> <iterations>}
script="$(cd "$(dirname "$0")/.." && pwd)/dist/bench/hot-path.bench.js"
[ -f "$script" ] || { echo "$script missing: npm run build first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# --predictable: no concurrent compiler or GC threads, so runs count (nearly) the same
BENCH_ONLY="$name" BENCH_N="$n" valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file \
  --callgrind-out-file="$work/callgrind.out" node --predictable "$script" > "$work/stdout" 2> "$work/stderr" &
pid=$!
wait_for() {
  until grep -q "$1" "$work/stdout" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$work/stderr" >&2; exit 1; }
    sleep 0.2
  done
}
wait_for READY
callgrind_control -i on "$pid" > /dev/null 2>&1
wait_for DONE
callgrind_control -i off "$pid" > /dev/null 2>&1
wait "$pid"
total=$(sed -n 's/.*Collected : //p' "$work/stderr")
echo "$name: $total instructions over $n iterations = $((total / n)) per iteration"
