#!/bin/sh
# The million-article run: generate (once) a 1,000,000-article store, then
#   1. cold start, first update during the start-up reconciliation, and update
#      latency while reconciliations run back to back (live-update.py);
#   2. `bantin build` of the whole store: time and peak memory (/usr/bin/time -v);
#   3. memory per article by phase (examples/memory, jemalloc's own count).
# Each figure is printed with `uptime`, as the machine's load moves them.
#
#   benches/million.sh [STORE]     (default /tmp/bantin-store1m; about 7.5 GB of
#                                   text, 8.5 GB on disk: check `df -h` first)
# The store is kept for the next run; delete it with `rm -rf STORE` when done.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
store=${1:-/tmp/bantin-store1m}
cd "$here"
cargo build --release --quiet --bin bantin --example genstore --example memory
if [ ! -d "$store" ] || [ -z "$(ls -A "$store")" ]; then
    target/release/examples/genstore --out "$store" --articles 1000000
fi
out=$(mktemp -d /tmp/bantin-build1m.XXXXXX)
trap 'rm -rf "$out"' EXIT

echo "== live updates ($(uptime))"
python3 benches/live-update.py --articles 1000000 --keep "$store" --updates 200 --reconcile-secs 1

echo "== bantin build ($(uptime))"
# Its output (a page per article) passed 6.5 GB before the disk filled in one
# run; a run that fills the disk fails every other build on the machine too, so
# it is skipped, with the free space said, when less than 12 GB is free.
need_kb=$((12 * 1024 * 1024))
free_kb=$(df -Pk "$out" | awk 'NR == 2 { print $4 }')
if [ "$free_kb" -lt "$need_kb" ]; then
    echo "skipped: $((free_kb / 1024 / 1024)) GB free in $out; free 12 GB for the output and run again"
else
    printf 'store = "%s"\n' "$store" > "$out/config.toml"
    /usr/bin/time -v target/release/bantin --config "$out/config.toml" build --out "$out/site" 2> "$out/time.txt"
    grep -E "Elapsed|Maximum resident|User time|System time" "$out/time.txt"
fi

echo "== memory per article ($(uptime))"
target/release/examples/memory "$store"
