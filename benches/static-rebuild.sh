#!/bin/bash
# What `bantin build` costs into a folder that holds the last build: a first
# build into an empty folder, a rebuild of the same store, and a rebuild after
# one article's title changed, each timed (wall, user, system, peak RSS).
#
#   benches/static-rebuild.sh BANTIN [BANTIN...]
#
# Each binary runs the three in turn, binaries alternating (A B B A per round,
# ROUNDS rounds, 2 by default), on a generated store of ARTICLES articles
# (10,000 by default) in a folder made under WORK (TMPDIR or /tmp by default)
# and removed at the end. The store and the last build stay in the page
# cache: a warm rebuild. Lines: `binary phase wall_s user_s sys_s max_rss_kb`.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BANTIN [BANTIN...]" >&2; exit 64; }
ARTICLES=${ARTICLES:-10000}
ROUNDS=${ROUNDS:-2}
WORK=$(mktemp -d "${WORK:-${TMPDIR:-/tmp}}/static-rebuild.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 69; }
here=$(cd "$(dirname "$0")/.." && pwd)
(cd "$here" && cargo run --quiet --release --example genstore -- --out "$WORK/store" --articles "$ARTICLES" >&2)
edited=$(cd "$WORK/store" && find . -name '*.txt' | LC_ALL=C sort | sed -n 1p)
timed() { # BIN PHASE
    sync
    /usr/bin/time -f "$1 $2 %e %U %S %M" -a -o "$WORK/times" \
        "$1" build --store "$WORK/store" --out "$WORK/out" >/dev/null 2>&1
}
run() { # BIN
    rm -rf "$WORK/out"
    timed "$1" fresh
    timed "$1" same
    # The title (line 5 of a generated article) gains or loses a suffix.
    if sed -n 5p "$WORK/store/$edited" | grep -q ' (sửa)$'; then
        sed -i '5s/ (sửa)$//' "$WORK/store/$edited"
    else
        sed -i '5s/$/ (sửa)/' "$WORK/store/$edited"
    fi
    timed "$1" one
}
for _ in $(seq "$ROUNDS"); do
    for b in "$@"; do run "$b"; done
    for ((i = $#; i >= 1; i--)); do run "${!i}"; done
done
sort -k1,2 "$WORK/times"
