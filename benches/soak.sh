#!/usr/bin/env bash
# Soak test: the daemon under steady HTTP load while the store changes under it.
#
#   benches/soak.sh                              # 100000 articles, 120 s of load
#   ARTICLES=20000 DURATION=30 benches/soak.sh   # a quicker run
#   DAEMON_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 benches/soak.sh
#                                                # the daemon on another malloc
#
# What runs, loopback only:
#   bantin   on a generated store (feeds of 50 items), pinned to core 1
#   wrk      pinned to core 0, 1 thread, 32 connections, cycling through every feed
#            (the OPML's xmlUrl plus the .atom/.json variants), each asked for in three
#            ways: plain, Accept-Encoding: gzip, and If-None-Match with the ETag fetched
#            before the load (stale once the store changes: then a 200 is right)
#   mutator  adds, modifies and deletes articles, 10 operations a second in a 1:1:1 mix;
#            most writes go through a dot-named temp file and a rename, some edit in place
#   sampler  every 2 s fetches a random feed plainly, with gzip and with br, and checks
#            that each body's ETag is the first 32 hex digits of the BLAKE3 hash of its
#            bytes, and that identity and gunzipped bodies are well-formed XML or JSON
# RSS (VmRSS) is read after a 10 s warm-up load, every 10 s of the run, and after it.
# The first changes to each feed make the daemon keep that feed's item bytes (so
# later changes splice instead of rendering): a bounded step in the first seconds
# of changes, not growth. So the steady state is the RSS 30 s into the run.
# PASS: no socket errors, only 200 and 304 answers, no sample failures, and RSS after
# the run at most 1.10 × RSS 30 s into it. Exits 1 on FAIL.
set -euo pipefail

ARTICLES=${ARTICLES:-100000}
DURATION=${DURATION:-120}
WARMUP=${WARMUP:-10}
RATE=${RATE:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
if ((${#need[@]})); then
    echo "installing ${need[*]}" >&2
    apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! python3 -c 'import blake3' 2>/dev/null; then
    echo "installing the blake3 Python module" >&2
    python3 -m pip install -q blake3 >&2
fi

(cd "$root" && cargo build --release --quiet --bin bantin --example genstore)

tmp=$(mktemp -d)
pids=()
cleanup() {
    touch "$tmp/stop" 2>/dev/null || true
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(date +%s)
"$target/release/examples/genstore" --out "$tmp/store" --articles "$ARTICLES" >&2
echo "store generated in $(($(date +%s) - t0)) s" >&2

cat >"$tmp/bantin.toml" <<EOF
store = "$tmp/store"
listen = "127.0.0.1:0"
[feeds]
items = 50
# wrk's 32 connections and the sampler all come from 127.0.0.1: past the
# default per-address cap (32) the sampler's connections would be refused.
[http]
max_connections_per_client = 0
EOF

t0=$(date +%s)
env ${DAEMON_PRELOAD:+LD_PRELOAD="$DAEMON_PRELOAD"} taskset -c 1 "$target/release/bantin" --config "$tmp/bantin.toml" >"$tmp/bantin.out" 2>"$tmp/bantin.err" &
bantin_pid=$!
pids+=("$bantin_pid")
for _ in $(seq 6000); do
    grep -q '^listening on ' "$tmp/bantin.out" && break
    kill -0 "$bantin_pid" 2>/dev/null || break
    sleep 0.1
done
addr=$(sed -n 's/^listening on //p' "$tmp/bantin.out")
[[ -n $addr ]] || { echo "bantin did not start:" >&2; cat "$tmp/bantin.err" >&2; exit 1; }
for _ in $(seq 6000); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://$addr/healthz") == 200 ]] && break
    kill -0 "$bantin_pid" 2>/dev/null || { echo "bantin died:" >&2; cat "$tmp/bantin.err" >&2; exit 1; }
    sleep 0.1
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://$addr/healthz") == 200 ]] ||
    { echo "/healthz never answered 200" >&2; exit 1; }
echo "bantin on $addr, healthy $(($(date +%s) - t0)) s after start" >&2

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$bantin_pid/status"; }

# Every feed's path, in a file, and the wrk script that cycles through them.
cat >"$tmp/prepare.py" <<'EOF'
import http.client, sys, urllib.parse, xml.dom.minidom

addr, paths_out, lua_out = sys.argv[1:4]
host, port = addr.rsplit(":", 1)
conn = http.client.HTTPConnection(host, int(port), timeout=30)

def get(path, headers=None):
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    return r.status, r.getheader("ETag"), r.read()

status, _, opml = get("/feeds.opml")
assert status == 200, f"/feeds.opml answered {status}"
paths = []
for node in xml.dom.minidom.parseString(opml).getElementsByTagName("outline"):
    url = node.getAttribute("xmlUrl")
    if not url:
        continue
    path = urllib.parse.urlsplit(url).path
    stem = path.rsplit(".", 1)[0]
    for ext in ("rss", "atom", "json"):
        if stem + "." + ext not in paths:
            paths.append(stem + "." + ext)
assert paths, "no xmlUrl in /feeds.opml"
with open(paths_out, "w") as f:
    f.write("\n".join(paths) + "\n")

def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

rows = []
for path in paths:
    status, etag, _ = get(path)
    assert status == 200 and etag, f"{path} answered {status}, ETag {etag!r}"
    rows.append("  {%s, {}}," % lua_str(path))
    rows.append('  {%s, {["Accept-Encoding"] = "gzip"}},' % lua_str(path))
    rows.append('  {%s, {["If-None-Match"] = %s}},' % (lua_str(path), lua_str(etag)))

with open(lua_out, "w") as f:
    f.write("local specs = {\n" + "\n".join(rows) + "\n}\n")
    f.write(r'''
local threads = {}
local reqs = {}
local i = 0
s200, s304, other = 0, 0, 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for k, s in ipairs(specs) do
    reqs[k] = wrk.format("GET", s[1], s[2])
  end
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end

function response(status, headers, body)
  if status == 200 then s200 = s200 + 1
  elseif status == 304 then s304 = s304 + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s200"); b = b + t:get("s304"); c = c + t:get("other")
  end
  io.write(string.format("statuses: 200=%d 304=%d other=%d\n", a, b, c))
end
''')
print(f"{len(paths)} feeds, {len(rows)} request kinds")
EOF
python3 "$tmp/prepare.py" "$addr" "$tmp/paths.txt" "$tmp/load.lua" >&2

# Adds, modifies and deletes articles at $RATE operations a second until told to stop.
cat >"$tmp/mutator.py" <<'EOF'
import datetime, os, random, sys, time

store, rate, stop, out = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
deadline = time.monotonic() + float(sys.argv[5])
rng = random.Random(7)
ICT = datetime.timezone(datetime.timedelta(hours=7))
WEEKDAY = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]

originals, crumbs = [], {}
for d, _, files in os.walk(store):
    for name in files:
        if name.endswith(".txt"):
            originals.append(os.path.join(d, name))
            if d not in crumbs:
                with open(os.path.join(d, name), encoding="utf-8-sig", errors="replace") as f:
                    crumb = next((l.strip() for l in f if "»" in l), None)
                if crumb:
                    crumbs[d] = crumb
folders = sorted(crumbs)
rng.shuffle(originals)
added = []  # live articles this script added, oldest first
counts = {"add": 0, "modify": 0, "modify-in-place": 0, "delete": 0, "errors": 0}

def article(crumb, n, revision):
    now = datetime.datetime.now(ICT)
    title = f"Tin nhanh số {n}: Ủy ban nhân dân tỉnh họp phiên thường kỳ"
    if revision:
        title += f" (cập nhật lần {revision})"
    paras = [
        f"Sáng {now.day}/{now.month}, Ủy ban nhân dân tỉnh tổ chức phiên họp thường kỳ tháng {now.month} năm {now.year} để đánh giá tình hình kinh tế - xã hội.",
        f"Theo báo cáo, tổng thu ngân sách trên địa bàn ước đạt {rng.randint(1000, 9000)} tỷ đồng, tăng {rng.randint(2, 30)}% so với cùng kỳ.",
        "Phát biểu kết luận, Chủ tịch Ủy ban nhân dân tỉnh yêu cầu các sở, ngành tập trung tháo gỡ khó khăn, đẩy nhanh tiến độ giải ngân vốn đầu tư công.",
    ]
    text = (
        f"{now:%H:%M} ICT {WEEKDAY[now.weekday()]}, {now:%d/%m/%Y}\n\n{crumb}\n\n{title}\n\n"
        f"{WEEKDAY[now.weekday()]} - {now:%d/%m/%Y %H:%M}\n" + "\n\n".join(paras) +
        f"\n\nTác giả bài viết: Nguyễn Văn An\n\nNguồn tin: Văn phòng UBND tỉnh\n\n"
        f"Từ khóa: kinh tế, ngân sách, đầu tư công\n\nNhững tin mới hơn\n\nNhững tin cũ hơn\n"
    )
    return text.encode("utf-8")

def write_atomic(path, data):
    d, name = os.path.split(path)
    tmp = os.path.join(d, f".{name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)

def pick_victim():
    # Mostly the recent articles, which are in the feeds; sometimes an old one.
    if added and rng.random() < 0.7:
        return added.pop(rng.randrange(len(added))), True
    if originals:
        return originals.pop(), False
    return None, False

n, revision = 0, {}
start = time.monotonic()
while not os.path.exists(stop) and time.monotonic() < deadline:
    op = n % 3
    try:
        if op == 0:
            d = rng.choice(folders)
            path = os.path.join(d, f"soak-{n}.txt")
            write_atomic(path, article(crumbs[d], n, 0))
            added.append(path)
            revision[path] = (n, 0, crumbs[d])
            counts["add"] += 1
        elif op == 1:
            path, ours = pick_victim()
            if path:
                if ours:
                    num, rev, crumb = revision[path]
                    revision[path] = (num, rev + 1, crumb)
                    data = article(crumb, num, rev + 1)
                else:
                    with open(path, "rb") as f:
                        data = f.read()
                    note = f"\n\nĐính chính lần {n}: số liệu được cập nhật.".encode()
                    mark = "\n\nTác giả".encode()
                    data = data.replace(mark, note + mark, 1) if mark in data else data + note
                if rng.random() < 0.25:
                    with open(path, "wb") as f:  # an editor saving in place
                        f.write(data)
                    counts["modify-in-place"] += 1
                else:
                    write_atomic(path, data)
                    counts["modify"] += 1
                if ours:
                    added.append(path)
                else:
                    originals.insert(0, path)  # pop() takes from the end: not again soon
        else:
            path, ours = pick_victim()
            if path:
                os.unlink(path)
                revision.pop(path, None)
                counts["delete"] += 1
    except OSError as e:
        counts["errors"] += 1
        print(f"mutator: {e}", file=sys.stderr)
    n += 1
    time.sleep(max(0.0, start + n / rate - time.monotonic()))

total = counts["add"] + counts["modify"] + counts["modify-in-place"] + counts["delete"]
with open(out, "w") as f:
    f.write(f"{total} mutations in {time.monotonic() - start:.1f} s: {counts['add']} added, "
            f"{counts['modify']} modified by rename, {counts['modify-in-place']} modified in place, "
            f"{counts['delete']} deleted, {counts['errors']} errors\n")
EOF

# Every 2 s, one random feed in three encodings: ETag == BLAKE3 of the bytes, well-formed.
cat >"$tmp/sampler.py" <<'EOF'
import gzip, http.client, json, os, random, sys, time, xml.dom.minidom
import blake3

addr, paths_file, stop, out = sys.argv[1:5]
deadline = time.monotonic() + float(sys.argv[5])
host, port = addr.rsplit(":", 1)
paths = open(paths_file).read().split()
rng = random.Random(11)
samples, failures, consistent, compared = 0, [], 0, 0

def fetch(path, enc):
    conn = http.client.HTTPConnection(host, int(port), timeout=15)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": enc} if enc else {})
        r = conn.getresponse()
        return r.status, r.getheader("ETag"), r.getheader("Content-Encoding"), r.read()
    finally:
        conn.close()

def well_formed(path, body):
    if path.endswith(".json"):
        json.loads(body)
    else:
        xml.dom.minidom.parseString(body)

def tag(body):
    return '"' + blake3.blake3(body).hexdigest()[:32] + '"'

while not os.path.exists(stop) and time.monotonic() < deadline:
    path = rng.choice(paths)
    plain_tag = None
    for enc in (None, "gzip", "br"):
        samples += 1
        what = f"{path} ({enc or 'identity'})"
        try:
            status, etag, ce, body = fetch(path, enc)
            if status != 200:
                failures.append(f"{what}: status {status}")
                continue
            if ce != enc:
                failures.append(f"{what}: Content-Encoding {ce!r}")
                continue
            if etag != tag(body):
                failures.append(f"{what}: ETag {etag} but the body hashes to {tag(body)}")
                continue
            if enc == "br":
                continue
            text = gzip.decompress(body) if enc == "gzip" else body
            well_formed(path, text)
            if enc is None:
                plain_tag = etag
            else:
                compared += 1
                consistent += tag(text) == plain_tag
        except Exception as e:
            failures.append(f"{what}: {type(e).__name__}: {e}")
    time.sleep(2)

with open(out, "w") as f:
    f.write(f"{samples} {len(failures)} {compared} {consistent}\n")
    for line in failures[:50]:
        f.write(line + "\n")
EOF

run_wrk() { # seconds, output file
    taskset -c 0 wrk -t1 -c32 -d"$1s" --timeout 10s --latency -s "$tmp/load.lua" "http://$addr/" >"$2" 2>&1
}

echo "warm-up: ${WARMUP} s of load" >&2
run_wrk "$WARMUP" "$tmp/warmup.txt"
rss_warm=$(rss_kb)

margin=$((DURATION + 30))
taskset -c 0 python3 "$tmp/mutator.py" "$tmp/store" "$RATE" "$tmp/stop" "$tmp/mutations.txt" "$margin" &
pids+=($!)
mutator_pid=$!
taskset -c 0 python3 "$tmp/sampler.py" "$addr" "$tmp/paths.txt" "$tmp/stop" "$tmp/samples.txt" "$margin" &
pids+=($!)
sampler_pid=$!

# RSS every 10 s during the load, to tell a step from a steady climb.
(
    t=0
    while [[ ! -e $tmp/stop ]] && ((t <= margin)); do
        echo "$t $(rss_kb)" >>"$tmp/rss.txt"
        sleep 10
        t=$((t + 10))
    done
) &
pids+=($!)

echo "load: ${DURATION} s, mutating at ${RATE}/s, sampling every 2 s" >&2
run_wrk "$DURATION" "$tmp/load.txt" || true
touch "$tmp/stop"
wait "$mutator_pid" "$sampler_pid" || true
sleep 1 # let the last change settle
rss_after=$(rss_kb)
kill -0 "$bantin_pid" 2>/dev/null && alive=yes || alive=no

out=$(cat "$tmp/load.txt")
echo "$out" >&2
rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
requests=$(awk '/requests in/ {print $1}' <<<"$out")
socket_errors=$(awk '/Socket errors:/ {
    n = 0; for (i = 3; i <= NF; i++) { v = $i; gsub(/,/, "", v); if (v ~ /^[0-9]+$/) n += v } print n }' <<<"$out")
socket_errors=${socket_errors:-0}
non23=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
non23=${non23:-0}
statuses=$(sed -n 's/^statuses: //p' <<<"$out")
other=$(sed -n 's/.*other=\([0-9]*\).*/\1/p' <<<"$statuses")
other=${other:-unknown}
read -r samples sample_failures compared consistent <"$tmp/samples.txt" || true
mutations=$(cat "$tmp/mutations.txt" 2>/dev/null || echo "no mutation report")
log_warnings=$(grep -c 'WARN' "$tmp/bantin.err" || true)
log_errors=$(grep -cE 'ERROR|panicked' "$tmp/bantin.err" || true)

fail=()
[[ $alive == yes ]] || fail+=("the daemon died")
[[ -n $rps ]] || fail+=("wrk reported nothing")
((socket_errors == 0)) || fail+=("$socket_errors socket errors")
((non23 == 0)) || fail+=("$non23 responses >= 400")
[[ $other == 0 ]] || fail+=("$other responses neither 200 nor 304")
[[ ${sample_failures:-x} == 0 ]] || fail+=("${sample_failures:-unknown} sample failures")
rss_steady=$(awk '$1 == 30 {print $2}' "$tmp/rss.txt" 2>/dev/null)
rss_steady=${rss_steady:-$rss_warm}
((rss_after * 100 <= rss_steady * 110)) || fail+=("RSS grew from $rss_steady kB (30 s into the run) to $rss_after kB")

echo
echo "soak: $ARTICLES articles, $(wc -l <"$tmp/paths.txt") feeds x 3 request kinds;" \
    "wrk -t1 -c32 -d${DURATION}s on core 0, bantin on core 1"
echo "throughput:     $rps req/s ($requests requests)"
echo "latency:        p50 $p50, p99 $p99"
echo "statuses:       $statuses; socket errors $socket_errors"
echo "mutations:      $mutations"
echo "samples:        $samples responses checked, ${sample_failures:-?} failures;" \
    "$consistent of $compared gzip bodies decompress to the identity body fetched just before"
echo "RSS:            after warm-up $rss_warm kB, 30 s into the run $rss_steady kB, after the run $rss_after kB" \
    "($(awk -v a="$rss_after" -v w="$rss_steady" 'BEGIN { printf "%+.1f%%", (a - w) * 100 / w }') from 30 s in)"
echo "RSS every 10 s: $(awk '{printf "%s%d", (NR > 1 ? " " : ""), $2 / 1024}' "$tmp/rss.txt") MB"
echo "daemon log:     $log_warnings warnings, $log_errors errors"
if ((${#fail[@]})); then
    tail -n +2 "$tmp/samples.txt" | head -20
    grep -E 'ERROR|panicked' "$tmp/bantin.err" | head -20 || true
    echo "FAIL: $(IFS=';'; echo "${fail[*]}")"
    exit 1
fi
echo "PASS"
