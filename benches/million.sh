#!/bin/sh
# The million-article run: generate (once) a 1,000,000-article store, then
#   1. cold start, first update during the start-up reconciliation, and update
#      latency while reconciliations run back to back (live-update.py);
#   2. `bantin build --dry-run` of the whole store (everything rendered, nothing
#      written): time, peak memory and the bytes a build writes; then the real
#      build, when the disk has room for it (/usr/bin/time -v);
#   3. memory per article by phase (examples/memory, jemalloc's own count).
# Each figure is printed with `uptime`, as the machine's load moves them.
#
#   benches/million.sh [STORE]     (default /tmp/bantin-store1m; about 7.5 GB of
#                                   text, 8.5 GB on disk: check `df -h` first)
#   OUT=DIR benches/million.sh      builds into DIR (a new or empty folder, left
#                                   for you to delete) rather than under /tmp
# The store is kept for the next run; delete it with `rm -rf STORE` when done.
# The real build writes about 155 GB in a million files (83 GB before tag and
# author archives, which took 11.8 GB on the file system below). Where the disk has
# less free, OUT can be a compressed file system, e.g. btrfs on a sparse file:
#   truncate -s 150G /var/tmp/b.img && mkfs.btrfs -q /var/tmp/b.img &&
#   mount -o loop,compress=zstd:1 /var/tmp/b.img /mnt/b && OUT=/mnt/b/site benches/million.sh
# (the compression adds to the build's system time).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
store=${1:-/tmp/bantin-store1m}
cd "$here"
cargo build --release --quiet --bin bantin --example genstore --example memory
if [ ! -d "$store" ] || [ -z "$(ls -A "$store")" ]; then
    target/release/examples/genstore --out "$store" --articles 1000000
fi
out=$(mktemp -d /tmp/bantin-build1m.XXXXXX)
site=${OUT:-$out/site}
trap 'rm -rf "$out"' EXIT

echo "== live updates ($(uptime))"
python3 benches/live-update.py --articles 1000000 --keep "$store" --updates 200 --reconcile-secs 1

echo "== bantin build --dry-run ($(uptime))"
# Everything a build renders, written nowhere: its time and peak memory, and
# how many bytes a real build would write.
printf 'store = "%s"\n' "$store" > "$out/config.toml"
/usr/bin/time -v target/release/bantin --config "$out/config.toml" build --dry-run 2> "$out/dry.txt" | tee "$out/dry.out"
grep -E "Elapsed|Maximum resident|User time|System time" "$out/dry.txt"

echo "== bantin build ($(uptime))"
# A real build only when the disk holds what the dry run said, and 4 GB more:
# a build that fills the disk fails every other build on the machine too.
need_kb=$(( $(sed -n 's/^would write [0-9]* files, \([0-9]*\) bytes.*/\1/p' "$out/dry.out") / 1024 + 4 * 1024 * 1024 ))
mkdir -p "$site"
free_kb=$(df -Pk "$site" | awk 'NR == 2 { print $4 }')
if [ "$free_kb" -lt "$need_kb" ]; then
    echo "skipped: $((free_kb / 1024 / 1024)) GB free in $site, $((need_kb / 1024 / 1024)) GB needed (see OUT above)"
else
    /usr/bin/time -v target/release/bantin --config "$out/config.toml" build --out "$site" 2> "$out/time.txt"
    grep -E "Elapsed|Maximum resident|User time|System time" "$out/time.txt"
fi

echo "== memory per article ($(uptime))"
target/release/examples/memory "$store"
