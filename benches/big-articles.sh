#!/usr/bin/env bash
# Memory of the daemon when the store holds a few huge articles.
#
#   benches/big-articles.sh                      # builds the release binary first
#   BANTIN=/path/to/bantin benches/big-articles.sh   # measure another build
#   FILES=4 SIZE=14417920 benches/big-articles.sh    # how many files, bytes each
#
# The hostile case: FILES single-line articles of SIZE bytes (13.75 MiB: one
# line of Vietnamese words, no line breaks, so the parser sees one very long
# title) are added to a copy of the sample store, with max_file_size raised to
# 16 MiB so that they are accepted. The daemon runs on loopback, port 0.
# Reported: VmRSS before the files are added; VmRSS once every feed is rendered
# and compressed (all formats and encodings fetched once); VmHWM (peak RSS);
# the sizes of /feed.rss, /feed.atom, /feed.json, / and /feeds.opml; and the
# peak after fetching one huge article's page.
set -euo pipefail

FILES=${FILES:-4}
SIZE=${SIZE:-14417920}
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${BANTIN:-} ]]; then
    (cd "$root" && cargo build --release --quiet --bin bantin)
    BANTIN=${CARGO_TARGET_DIR:-$root/target}/release/bantin
fi

tmp=$(mktemp -d)
pid=
cleanup() {
    [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp -r "$root/feeds" "$tmp/store"
cat >"$tmp/config.toml" <<EOF
store = "store"
listen = "127.0.0.1:0"
max_file_size = 16777216
[watch]
reconcile_secs = 2
EOF

"$BANTIN" serve --config "$tmp/config.toml" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 200); do
    grep -q '^listening on' "$tmp/out" 2>/dev/null && break
    sleep 0.05
done
addr=$(sed -n 's/^listening on //p' "$tmp/out")
[[ -n $addr ]] || { echo "the daemon did not start:" >&2; cat "$tmp/err" >&2; exit 1; }
base="http://$addr"

status() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
size() { curl -s -o /dev/null -w '%{size_download}' "$@"; }
fetch_all() {
    for p in /feed.rss /feed.atom /feed.json / /feeds.opml; do
        for enc in identity gzip br; do
            curl -s -o /dev/null -H "Accept-Encoding: $enc" "$base$p"
        done
    done
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

fetch_all
sleep 1
echo "before: VmRSS $(mib "$(status VmRSS)"), VmHWM $(mib "$(status VmHWM)")"

# One line of words, SIZE bytes, written next to the store and renamed in.
python3 - "$tmp/big.txt" "$SIZE" <<'EOF'
import sys
path, size = sys.argv[1], int(sys.argv[2])
words = "Thành phố Điện Biên Phủ với các phong trào thi đua yêu nước năm 2020 ".encode()
data = (words * (size // len(words) + 1))[:size]
while data[-1] & 0xC0 == 0x80:
    data = data[:-1]
open(path, "wb").write(data)
EOF
mkdir -p "$tmp/store/tin-tuc/lon"
for i in $(seq "$FILES"); do
    cp "$tmp/big.txt" "$tmp/store/.big-$i.tmp"
    mv "$tmp/store/.big-$i.tmp" "$tmp/store/tin-tuc/lon/big-$i.txt"
done
rm "$tmp/big.txt"

# Served once the front page links every big article.
for _ in $(seq 600); do
    n=$(curl -s "$base/" | { grep -o 'href="/articles/tin-tuc/lon/big-[0-9]*"' || true; } | sort -u | wc -l)
    ((n == FILES)) && break
    sleep 0.1
done
((n == FILES)) || { echo "the big articles were not served within 60 s" >&2; exit 1; }
fetch_all
sleep 2
fetch_all
echo "after $FILES × $SIZE-byte one-line articles: VmRSS $(mib "$(status VmRSS)"), VmHWM $(mib "$(status VmHWM)")"
for p in /feed.rss /feed.atom /feed.json / /feeds.opml; do
    echo "  $p: $(size "$base$p") bytes (gzip $(size -H 'Accept-Encoding: gzip' "$base$p"))"
done
echo "  /articles/tin-tuc/lon/big-1: $(size "$base/articles/tin-tuc/lon/big-1") bytes"
echo "after one page: VmRSS $(mib "$(status VmRSS)"), VmHWM $(mib "$(status VmHWM)")"
