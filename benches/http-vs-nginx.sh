#!/usr/bin/env bash
# Serving /feed.rss: bantin against nginx tuned as a careful sysadmin tunes it,
# serving exactly bantin's bytes.
#
#   benches/http-vs-nginx.sh                       # 4 rounds (A B B A ...) of 10 s per server and case
#   DURATION=5 ROUNDS=2 benches/http-vs-nginx.sh
#   BANTIN=/path/to/bantin benches/http-vs-nginx.sh  # another build of the daemon
#   EQUAL_HEADS=1 benches/http-vs-nginx.sh         # a control: nginx's 200 head padded
#                                                  # to the length of bantin's
#   AT_ONCE_ROUNDS=0 benches/http-vs-nginx.sh      # without the rounds with both
#                                                  # servers loaded at once
#
# Store: a generated 200-article store (`genstore`); /feed.rss is its all-articles
# feed (50 items). nginx serves the identity bytes bantin sends as feed.rss and its
# gzip body as feed.rss.gz.
#
# Servers, each pinned to core 1, loopback only:
#   bantin  the daemon, default config but max_connections_per_client = 0 (the
#           load comes from one address) and body_dir in the bench's folder
#           (what the packaged unit's CacheDirectory= gives it)
#   nginx   worker_processes 1; sendfile on; tcp_nopush on; tcp_nodelay on;
#           open_file_cache max=1000 inactive=60s; keepalive_requests 100000;
#           access_log off; etag on; gzip_static on
# Cases: 200 identity, 200 gzip (Accept-Encoding: gzip), 304 (If-None-Match with
# the server's own identity ETag).
# Two measures per server and case, clients pinned to core 0, 64 connections:
#   CPU per request at a fixed rate: oha -q $RATE (12,000 req/s) for $DURATION s;
#     the server's utime+stime over the run divided by the requests it answered.
#     oha is installed with cargo into target/bench-tools if it is not on PATH.
#   Saturation: wrk -t1 -c64 for $DURATION s, requests/s; and how often the
#     server went to sleep for want of work, per 1,000 requests (each sleep is a
#     wake-up the client's next send pays for).
# Each case runs on both servers back to back, A B then B A; rounds alternate
# which goes first. Figures are medians over rounds.
# Then both servers are loaded at the same time (each at half the rate with half
# the connections; saturation: one wrk -c32 against each), which cancels the
# drift of a shared machine between runs: CPU per request and requests/s as
# ratios, bantin / nginx, medians over $AT_ONCE_ROUNDS rounds.
# The load average (`uptime`) is recorded next to every run: other work on
# the machine shows up in both servers' figures.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-4}
# With identity bodies the client is what saturates, and its cost per response
# depends on the length of the head before the body: it sets how the body's
# bytes line up in the client's buffer, and so how fast the kernel copies them
# out of the socket. EQUAL_HEADS=1 adds a field to nginx's responses so its 200
# head is as long as bantin's, which takes that out of the comparison.
EQUAL_HEADS=${EQUAL_HEADS:-0}
pad=""
ARTICLES=${ARTICLES:-200}
RATE=${RATE:-12000}
CONNECTIONS=${CONNECTIONS:-64}
# Rounds of the comparison with both servers loaded at once (below); 0 skips it.
AT_ONCE_ROUNDS=${AT_ONCE_ROUNDS:-$ROUNDS}
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}

need=()
command -v nginx >/dev/null || need+=(nginx)
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
command -v nstat >/dev/null || need+=(iproute2)
if ((${#need[@]})); then
    echo "installing ${need[*]}" >&2
    apt-get install -y -qq "${need[@]}" >/dev/null
fi
# A fixed-rate load generator: wrk has no rate option (wrk2's -R is not packaged).
oha=$(command -v oha || true)
if [[ -z $oha ]]; then
    oha=$target/bench-tools/bin/oha
    if [[ ! -x $oha ]]; then
        echo "installing oha into $target/bench-tools (a few minutes, once)" >&2
        cargo install --quiet --locked oha --root "$target/bench-tools"
    fi
fi

(cd "$root" && cargo build --release --quiet --bin bantin --example genstore)
bantin=${BANTIN:-$target/release/bantin}

tmp=$(mktemp -d)
chmod 755 "$tmp" # nginx workers run as an unprivileged user
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

"$target/release/examples/genstore" --out "$tmp/store" --articles "$ARTICLES" >&2

cat >"$tmp/bantin.toml" <<EOF
store = "$tmp/store"
listen = "127.0.0.1:0"
[site]
base_url = "http://127.0.0.1"
[http]
# All $CONNECTIONS connections come from one address: the default cap (32) would
# refuse half of them, as it should refuse one client's flood in production.
max_connections_per_client = 0
# As the packaged unit's CacheDirectory= gives it: body copies for sendfile in
# unnamed files on the disk's file system, as nginx's files are, not in shared memory.
body_dir = "$tmp/bodies"
EOF
mkdir -p "$tmp/bodies"
taskset -c 1 "$bantin" --config "$tmp/bantin.toml" >"$tmp/bantin.out" 2>"$tmp/bantin.err" &
pids+=($!)
bantin_pid=$!
for _ in $(seq 300); do
    grep -q '^listening on ' "$tmp/bantin.out" && break
    sleep 0.1
done
bantin_addr=$(sed -n 's/^listening on //p' "$tmp/bantin.out")
[[ -n $bantin_addr ]] || { echo "bantin did not start:" >&2; cat "$tmp/bantin.err" >&2; exit 1; }

# The bytes bantin serves become nginx's files.
mkdir -p "$tmp/static"
curl -sf -o "$tmp/static/feed.rss" "http://$bantin_addr/feed.rss"
for _ in $(seq 100); do # the compressor thread may not have finished yet
    curl -sf -H 'Accept-Encoding: gzip' -D "$tmp/gz.headers" -o "$tmp/static/feed.rss.gz" "http://$bantin_addr/feed.rss"
    grep -qi '^content-encoding: gzip' "$tmp/gz.headers" && break
    sleep 0.1
done
grep -qi '^content-encoding: gzip' "$tmp/gz.headers" || { echo "bantin sent no gzip body" >&2; exit 1; }
chmod -R a+rX "$tmp/static"
items=$(grep -o '<item>' "$tmp/static/feed.rss" | wc -l)
sizes="feed.rss: $(stat -c %s "$tmp/static/feed.rss") bytes ($items items), gzip $(stat -c %s "$tmp/static/feed.rss.gz") bytes"
echo "$sizes" >&2

# $1 port
nginx_conf() {
    cat <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx.body;
    proxy_temp_path $tmp/nginx.proxy;
    fastcgi_temp_path $tmp/nginx.fastcgi;
    uwsgi_temp_path $tmp/nginx.uwsgi;
    scgi_temp_path $tmp/nginx.scgi;
    types { application/rss+xml rss; }
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    open_file_cache max=1000 inactive=60s;
    keepalive_requests 100000;
    etag on;
    gzip_static on;
    ${pad:+add_header X-Pad $pad;}
    server {
        listen 127.0.0.1:$1;
        root $tmp/static;
    }
}
EOF
}

# Starts nginx on a free loopback port; prints its pid and port.
start_nginx() {
    local port
    for _ in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 40000))
        nginx_conf "$port" >"$tmp/nginx.conf"
        taskset -c 1 nginx -c "$tmp/nginx.conf" -e "$tmp/nginx.error.log" >"$tmp/nginx.out" 2>&1 &
        local pid=$!
        for _ in $(seq 50); do
            if curl -sf -o /dev/null "http://127.0.0.1:$port/feed.rss"; then
                echo "$pid $port"
                return
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$pid" 2>/dev/null || true
    done
    echo "nginx did not start" >&2
    cat "$tmp/nginx.error.log" >&2
    exit 1
}

read -r nginx_pid nginx_port < <(start_nginx)
[[ -n ${nginx_pid:-} ]] || exit 1
pids+=("$nginx_pid")

# The length of the head of a 200 for /feed.rss (curl writes the head as received).
head_len() { curl -sf -D - -o /dev/null "$1" | wc -c; }
bantin_head=$(head_len "http://$bantin_addr/feed.rss")
nginx_head=$(head_len "http://127.0.0.1:$nginx_port/feed.rss")
if [[ $EQUAL_HEADS == 1 ]]; then
    # "X-Pad: " and the line end take 9 bytes; the value at least one.
    short=$((bantin_head - nginx_head - 9))
    if ((short >= 1)); then
        pad=$(printf '%*s' "$short" '' | tr ' ' x)
        kill "$nginx_pid"
        wait "$nginx_pid" 2>/dev/null || true
        read -r nginx_pid nginx_port < <(start_nginx)
        pids+=("$nginx_pid")
        nginx_head=$(head_len "http://127.0.0.1:$nginx_port/feed.rss")
    fi
fi
echo "200 heads: bantin $bantin_head bytes, nginx $nginx_head bytes" >&2

declare -A url pid etag
url[bantin]="http://$bantin_addr/feed.rss"
url[nginx]="http://127.0.0.1:$nginx_port/feed.rss"
pid[bantin]=$bantin_pid
pid[nginx]=$nginx_pid
servers=(bantin nginx)
cases=(identity gzip 304)
for s in "${servers[@]}"; do
    etag[$s]=$(curl -sf -D - -o /dev/null "${url[$s]}" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: ${etag[$s]}" "${url[$s]}")
    [[ $code == 304 ]] || { echo "$s answers $code, not 304, to its own ETag ${etag[$s]}" >&2; exit 1; }
    for c in identity gzip; do
        hdr=()
        [[ $c == gzip ]] && hdr=(-H 'Accept-Encoding: gzip')
        want=$tmp/static/feed.rss
        [[ $c == gzip ]] && want=$tmp/static/feed.rss.gz
        curl -sf "${hdr[@]}" -o "$tmp/check" "${url[$s]}"
        cmp -s "$tmp/check" "$want" || { echo "$s sends other $c bytes than bantin's" >&2; exit 1; }
    done
done

hz=$(getconf CLK_TCK)
# A server's processes: the one started and its children (nginx's worker).
procs() { echo "$1" $(pgrep -P "$1" || true); }
# utime+stime, in clock ticks, of a server's processes.
cpu_ticks() {
    local total=0 p f
    for p in $(procs "$1"); do
        f=$(sed 's/^.*) //' "/proc/$p/stat") || continue
        set -- $f
        total=$((total + ${12} + ${13}))
    done
    echo "$total"
}

# Times a server's processes, all their threads, went to sleep waiting for
# work. Each sleep is a wake-up that a later request pays
# for in the client's `send`: putting the server's thread back on an idle CPU
# takes an inter-processor interrupt, on a virtual machine an exit to the
# hypervisor. When the client is what saturates, those wake-ups are part of its
# cost per response.
sleeps() {
    local total=0 p t n
    for p in $(procs "$1"); do
        for t in /proc/"$p"/task/*/status; do
            n=$(awk '/^voluntary_ctxt_switches:/ {print $2}' "$t" 2>/dev/null) || continue
            total=$((total + ${n:-0}))
        done
    done
    echo "$total"
}
# TCP segments the kernel took on its fast path (header prediction), machine
# wide: at both ends of the connections, the server's and the client's. A request reaches the server's socket on that path only if the socket
# holds enough memory already charged for it (sk_forward_alloc, the rest of
# whole pages charged for the response before, which waits for its ACK): which
# depends on the response's length modulo 4 KiB, not on the server. Off it,
# the client's `send` runs the slow path into the server's socket (in the
# client's own context, as loopback delivers there). In turn, only one server
# is loaded, so the count per request is that of its connections (both ends).
hp_hits() { nstat -as TcpExtTCPHPHits | awk '/TcpExtTCPHPHits/ {print $2}'; }
# wrk's count of requests ("  1234567 requests in 5.00s, ...") and its rate.
wrk_requests() { awk '/ requests in / {print $1}' "$@"; }
wrk_rps() { awk '/^Requests\/sec:/ {print $2}' "$@"; }
# oha's answers, from its "Status code distribution" lines: "  [200] 120000 responses".
answered() { awk '/\[[0-9]+\] [0-9]+ responses/ {gsub(/[^0-9]/, " ", $2); n += $2} END {print n + 0}' "$@"; }

load() { awk '{print $1}' /proc/loadavg; }

headers() { # server case
    case $2 in
        gzip) echo "Accept-Encoding: gzip" ;;
        304) echo "If-None-Match: ${etag[$1]}" ;;
        *) echo "X-Bench: identity" ;;
    esac
}

results="$tmp/results.tsv"
: >"$results"
# One fixed-rate run: CPU µs per answered request.
fixed() { # server case round
    local s=$1 c=$2 before after out n l
    l=$(load)
    before=$(cpu_ticks "${pid[$s]}")
    out=$(taskset -c 0 "$oha" --no-tui --disable-compression -q "$RATE" -c "$CONNECTIONS" -z "${DURATION}s" \
        -H "$(headers "$s" "$c")" "${url[$s]}")
    after=$(cpu_ticks "${pid[$s]}")
    n=$(answered <<<"$out")
    want=200
    [[ $c == 304 ]] && want=304
    grep -q "\[$want\]" <<<"$out" || { echo "$s $c: no $want in oha's output:" >&2; echo "$out" >&2; exit 1; }
    awk -v s="$s" -v c="$c" -v r="$3" -v t=$((after - before)) -v hz="$hz" -v n="$n" -v l="$l" \
        -v d="$DURATION" 'BEGIN { printf "fixed\t%s\t%s\t%s\t%.0f\t%.2f\t%s\n", s, c, r, n / d, t / hz * 1e6 / n, l }' >>"$results"
    tail -1 "$results" | awk -F'\t' '{ printf "round %s %s %s at %s req/s: %.0f req/s served, %s µs CPU/request, load %s\n", $4, $2, $3, '"$RATE"', $5, $6, $7 }' >&2
}

# One saturation run: requests/s, and the server's sleeps per 1,000 requests.
saturate() { # server case round
    local s=$1 c=$2 out rps l before after per hp0 hp1 hp
    l=$(load)
    before=$(sleeps "${pid[$s]}")
    hp0=$(hp_hits)
    out=$(taskset -c 0 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -H "$(headers "$s" "$c")" "${url[$s]}")
    hp1=$(hp_hits)
    after=$(sleeps "${pid[$s]}")
    rps=$(wrk_rps <<<"$out")
    per=$(awk -v z=$((after - before)) -v n="$(wrk_requests <<<"$out")" 'BEGIN { printf "%.1f", z * 1000 / n }')
    hp=$(awk -v h=$((hp1 - hp0)) -v n="$(wrk_requests <<<"$out")" 'BEGIN { printf "%.2f", h / n }')
    if grep -q 'Non-2xx or 3xx' <<<"$out"; then
        echo "warning: $s $c: $(grep 'Non-2xx' <<<"$out")" >&2
    fi
    printf 'saturation\t%s\t%s\t%s\t%s\t\t%s\t%s\t%s\n' "$s" "$c" "$3" "$rps" "$l" "$per" "$hp" >>"$results"
    echo "round $3 $s $c saturation: $rps req/s, $per sleeps per 1,000 requests, $hp fast-path segments per request, load $l" >&2
}

# Each case is measured on both servers back to back (A B for the fixed rate,
# B A for saturation), so drift in the machine's speed falls on both alike;
# rounds alternate which server goes first.
for round in $(seq "$ROUNDS"); do
    order=(bantin nginx)
    ((round % 2 == 0)) && order=(nginx bantin)
    for c in "${cases[@]}"; do
        fixed "${order[0]}" "$c" "$round"
        fixed "${order[1]}" "$c" "$round"
        saturate "${order[1]}" "$c" "$round"
        saturate "${order[0]}" "$c" "$round"
    done
done

median='function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}'
cell() { # measure server case column
    awk -F'\t' -v m="$1" -v s="$2" -v c="$3" -v col="$4" "$median"'
        $1 == m && $2 == s && $3 == c { n++; v[n] = $col }
        END { print median(v, n) }' "$results"
}

echo
echo "$sizes; 200 heads: bantin $bantin_head bytes, nginx $nginx_head bytes;" \
    "servers on core 1, clients on core 0, $CONNECTIONS connections, $DURATION s per run," \
    "median of $ROUNDS rounds (A B B A); load average $(awk -F'\t' '{print $7}' "$results" | sort -n | sed -n '1p;$p' | paste -sd- -)"
echo
echo "| \`/feed.rss\` | bantin | nginx | bantin / nginx |"
echo "|---|---|---|---|"
for c in "${cases[@]}"; do
    b=$(cell fixed bantin "$c" 6)
    n=$(cell fixed nginx "$c" 6)
    awk -v c="$c" -v b="$b" -v n="$n" -v r="$RATE" \
        'BEGIN { printf "| server CPU per request at a fixed %d req/s, %s | %.1f µs | %.1f µs | %.2f |\n", r, c, b, n, b / n }'
done
b=() n=() ratio=()
for c in "${cases[@]}"; do
    b+=("$(cell saturation bantin "$c" 5)")
    n+=("$(cell saturation nginx "$c" 5)")
done
awk -v b="${b[*]}" -v n="${n[*]}" 'BEGIN {
    split(b, B, " "); split(n, N, " ")
    printf "| requests/s at saturation, identity / gzip / 304 | %.1fk / %.1fk / %.1fk | %.1fk / %.1fk / %.1fk | %.2f / %.2f / %.2f |\n",
        B[1] / 1000, B[2] / 1000, B[3] / 1000, N[1] / 1000, N[2] / 1000, N[3] / 1000, B[1] / N[1], B[2] / N[2], B[3] / N[3]
}'
# The servers of a case run back to back, so the ratio within a round is spared
# the drift between rounds: its median is the steadier figure of the two.
paired() { # measure case column
    awk -F'\t' -v m="$1" -v c="$2" -v col="$3" "$median"'
        $1 == m && $3 == c { v[$2, $4] = $col; r[$4] = 1 }
        END { for (k in r) { n++; q[n] = v["bantin", k] / v["nginx", k] }; printf "%.2f", median(q, n) }' "$results"
}
echo
echo "paired: the median over rounds of bantin / nginx within each round, identity / gzip / 304:"
echo "  CPU per request $(paired fixed identity 6) / $(paired fixed gzip 6) / $(paired fixed 304 6);" \
    "saturation $(paired saturation identity 5) / $(paired saturation gzip 5) / $(paired saturation 304 5)"
echo
# One line per server: the medians of saturation column $1, identity / gzip / 304.
per_server() {
    local s
    for s in "${servers[@]}"; do
        printf '  %s %s / %s / %s\n' "$s" "$(cell saturation "$s" identity "$1")" \
            "$(cell saturation "$s" gzip "$1")" "$(cell saturation "$s" 304 "$1")"
    done
}
echo "server sleeps per 1,000 requests at saturation (each a wake-up the client pays for), identity / gzip / 304:"
per_server 8
echo
echo "segments the kernel's TCP fast path (header prediction) took per request at saturation, at both ends"
echo "(machine-wide), identity / gzip / 304"
echo "(a request misses it when the response before it left less than the request's size of the server"
echo "socket's last charged page, which the response's length modulo 4 KiB decides; the client's send"
echo "then runs the slow path into the server's socket):"
per_server 9
echo
echo "served at the fixed rate (req/s; below $RATE means the server or client could not keep up):"
for s in "${servers[@]}"; do
    for c in "${cases[@]}"; do
        printf '  %s %s: %s\n' "$s" "$c" "$(cell fixed "$s" "$c" 5)"
    done
done

# Both servers loaded at once: the same phases of the machine fall on both
# within the same seconds, so their ratio holds still to a percent or two where
# the figures above move by ten. Half the rate and half the connections each.
((AT_ONCE_ROUNDS > 0)) || exit 0
at_once="$tmp/at_once.tsv"
: >"$at_once"
oha_at() { # server case out
    taskset -c 0 "$oha" --no-tui --disable-compression -q $((RATE / 2)) -c $((CONNECTIONS / 2)) \
        -z "${DURATION}s" -H "$(headers "$1" "$2")" "${url[$1]}" >"$3"
}
wrk_at() { # server case out
    taskset -c 0 wrk -t1 -c$((CONNECTIONS / 2)) -d"${DURATION}s" -H "$(headers "$1" "$2")" "${url[$1]}" >"$3"
}
both() { # loader case: the loader against both servers at once, into $tmp/<loader>.<server>
    "$1" bantin "$2" "$tmp/$1.bantin" &
    local first=$!
    "$1" nginx "$2" "$tmp/$1.nginx" &
    # Not a bare `wait`: the servers are children of this shell too.
    wait "$first" $!
}
for round in $(seq "$AT_ONCE_ROUNDS"); do
    for c in "${cases[@]}"; do
        b0=$(cpu_ticks "${pid[bantin]}")
        n0=$(cpu_ticks "${pid[nginx]}")
        both oha_at "$c"
        b1=$(cpu_ticks "${pid[bantin]}")
        n1=$(cpu_ticks "${pid[nginx]}")
        bz0=$(sleeps "${pid[bantin]}")
        nz0=$(sleeps "${pid[nginx]}")
        both wrk_at "$c"
        bz1=$(sleeps "${pid[bantin]}")
        nz1=$(sleeps "${pid[nginx]}")
        awk -v c="$c" -v r="$round" -v bt=$((b1 - b0)) -v nt=$((n1 - n0)) \
            -v bz=$((bz1 - bz0)) -v nz=$((nz1 - nz0)) \
            -v bw="$(wrk_requests "$tmp/wrk_at.bantin")" -v nw="$(wrk_requests "$tmp/wrk_at.nginx")" \
            -v bn="$(answered "$tmp/oha_at.bantin")" -v nn="$(answered "$tmp/oha_at.nginx")" \
            -v bs="$(wrk_rps "$tmp/wrk_at.bantin")" -v ns="$(wrk_rps "$tmp/wrk_at.nginx")" -v l="$(load)" \
            'BEGIN { printf "%s\t%s\t%.4f\t%.4f\t%s\t%.1f\t%.1f\n", c, r, (bt / bn) / (nt / nn), bs / ns, l, bz * 1000 / bw, nz * 1000 / nw }' >>"$at_once"
        tail -1 "$at_once" | awk -F'\t' '{ printf "at once, round %s %s: bantin / nginx CPU per request %.3f, saturation %.3f (sleeps per 1,000 requests %s / %s), load %s\n", $2, $1, $3, $4, $6, $7, $5 }' >&2
    done
done
once() { # case column [format]
    awk -F'\t' -v c="$1" -v col="$2" -v f="${3:-%.2f}" "$median"'
        $1 == c { n++; v[n] = $col } END { printf f, median(v, n) }' "$at_once"
}
echo
echo "both servers loaded at once ($((RATE / 2)) req/s and $((CONNECTIONS / 2)) connections each; saturation:" \
    "wrk -c$((CONNECTIONS / 2)) against each), bantin / nginx, median of $AT_ONCE_ROUNDS rounds, identity / gzip / 304:"
echo "  CPU per request $(once identity 3) / $(once gzip 3) / $(once 304 3);" \
    "saturation $(once identity 4) / $(once gzip 4) / $(once 304 4)"
echo "  server sleeps per 1,000 requests at saturation, bantin $(once identity 6 %.1f) / $(once gzip 6 %.1f)" \
    "/ $(once 304 6 %.1f), nginx $(once identity 7 %.1f) / $(once gzip 7 %.1f) / $(once 304 7 %.1f)"
