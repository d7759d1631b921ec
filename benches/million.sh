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
printf 'store = "%s"\n' "$store" > "$out/config.toml"
/usr/bin/time -v target/release/bantin --config "$out/config.toml" build --out "$out/site" 2> "$out/time.txt"
grep -E "Elapsed|Maximum resident|User time|System time" "$out/time.txt"

echo "== memory per article ($(uptime))"
target/release/examples/memory "$store"
