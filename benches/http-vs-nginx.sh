#!/usr/bin/env bash
# Serving /feed.rss: bantin against nginx serving the same bytes from files.
#
#   benches/http-vs-nginx.sh            # 4 rounds of 10 s per server and case
#   DURATION=5 ROUNDS=2 benches/http-vs-nginx.sh
#
# Servers, all pinned to core 1, loopback only:
#   bantin        the daemon, on a generated 200-article store (the all-articles feed has 50 items)
#   nginx-static  feed.rss and feed.rss.gz (the bytes bantin serves), gzip_static on, etag on
#   nginx-gzip    feed.rss only, gzip on: compressed on every request (level 1, nginx's default)
# Load: wrk pinned to core 0, 1 thread, 32 connections, for each case:
#   200 identity, 200 gzip, 304 (If-None-Match with the server's own identity ETag).
# Rounds alternate the server order (forward, reverse, ...). Figures are medians over
# rounds; CPU µs/request is the server's utime+stime over a run divided by its requests.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-4}
ARTICLES=${ARTICLES:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}

need=()
command -v nginx >/dev/null || need+=(nginx)
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
if ((${#need[@]})); then
    echo "installing ${need[*]}" >&2
    apt-get install -y -qq "${need[@]}" >/dev/null
fi

(cd "$root" && cargo build --release --quiet --bin bantin --example genstore)

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
EOF
taskset -c 1 "$target/release/bantin" --config "$tmp/bantin.toml" >"$tmp/bantin.out" 2>"$tmp/bantin.err" &
pids+=($!)
bantin_pid=$!
for _ in $(seq 300); do
    grep -q '^listening on ' "$tmp/bantin.out" && break
    sleep 0.1
done
bantin_addr=$(sed -n 's/^listening on //p' "$tmp/bantin.out")
[[ -n $bantin_addr ]] || { echo "bantin did not start:" >&2; cat "$tmp/bantin.err" >&2; exit 1; }

# The bytes bantin serves become nginx's files.
mkdir -p "$tmp/static" "$tmp/dynamic"
curl -sf -o "$tmp/static/feed.rss" "http://$bantin_addr/feed.rss"
curl -sf -H 'Accept-Encoding: gzip' -D "$tmp/gz.headers" -o "$tmp/static/feed.rss.gz" "http://$bantin_addr/feed.rss"
grep -qi '^content-encoding: gzip' "$tmp/gz.headers" || { echo "bantin sent no gzip body" >&2; exit 1; }
cp "$tmp/static/feed.rss" "$tmp/dynamic/feed.rss"
chmod -R a+rX "$tmp/static" "$tmp/dynamic"
items=$(grep -o '<item>' "$tmp/static/feed.rss" | wc -l)
echo "feed.rss: $(stat -c %s "$tmp/static/feed.rss") bytes, $items items; gzip: $(stat -c %s "$tmp/static/feed.rss.gz") bytes" >&2

# $1 name, $2 port, $3 docroot, $4 compression directives
nginx_conf() {
    cat <<EOF
worker_processes 1;
daemon off;
pid $tmp/$1.pid;
error_log $tmp/$1.error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/$1.body;
    proxy_temp_path $tmp/$1.proxy;
    fastcgi_temp_path $tmp/$1.fastcgi;
    uwsgi_temp_path $tmp/$1.uwsgi;
    scgi_temp_path $tmp/$1.scgi;
    types { application/rss+xml rss; }
    sendfile on;
    etag on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$2;
        root $3;
        $4
    }
}
EOF
}

# Starts nginx $1 with docroot $2 and directives $3 on a free loopback port; prints the port.
start_nginx() {
    local name=$1 port
    for _ in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 40000))
        nginx_conf "$name" "$port" "$2" "$3" >"$tmp/$name.conf"
        taskset -c 1 nginx -c "$tmp/$name.conf" -e "$tmp/$name.error.log" >"$tmp/$name.out" 2>&1 &
        local pid=$!
        for _ in $(seq 50); do
            if curl -sf -o /dev/null "http://127.0.0.1:$port/feed.rss"; then
                pids+=("$pid")
                echo "$pid $port"
                return
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$pid" 2>/dev/null || true
    done
    echo "nginx $name did not start" >&2
    cat "$tmp/$name.error.log" >&2
    exit 1
}

read -r static_pid static_port < <(start_nginx static "$tmp/static" "gzip_static on;")
pids+=("$static_pid")
read -r gzip_pid gzip_port < <(start_nginx gzip "$tmp/dynamic" "gzip on; gzip_types application/rss+xml;")
pids+=("$gzip_pid")
[[ -n $static_pid && -n $gzip_pid ]] || exit 1

declare -A url pid etag
url[bantin]="http://$bantin_addr/feed.rss"
url[nginx-static]="http://127.0.0.1:$static_port/feed.rss"
url[nginx-gzip]="http://127.0.0.1:$gzip_port/feed.rss"
pid[bantin]=$bantin_pid
pid[nginx-static]=$static_pid
pid[nginx-gzip]=$gzip_pid
servers=(bantin nginx-static nginx-gzip)
cases=(identity gzip 304)
for s in "${servers[@]}"; do
    etag[$s]=$(curl -sf -D - -o /dev/null "${url[$s]}" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: ${etag[$s]}" "${url[$s]}")
    [[ $code == 304 ]] || { echo "$s answers $code, not 304, to its own ETag ${etag[$s]}" >&2; exit 1; }
done

hz=$(getconf CLK_TCK)
# utime+stime, in clock ticks, of a process and its children (nginx's worker).
cpu_ticks() {
    local total=0 p f
    for p in "$1" $(pgrep -P "$1" || true); do
        f=$(sed 's/^.*) //' "/proc/$p/stat") || continue
        set -- $f
        total=$((total + ${12} + ${13}))
    done
    echo "$total"
}

# wrk's latency ("850.00us", "1.23ms", "1.02s") in ms.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
        else if (v ~ /m$/) { sub(/m$/, "", v); print v * 60000 }
        else { sub(/s$/, "", v); print v * 1000 }
    }'
}

results="$tmp/results.tsv"
: >"$results"
run() { # server case round
    local s=$1 c=$2 hdr=()
    case $c in
        gzip) hdr=(-H 'Accept-Encoding: gzip') ;;
        304) hdr=(-H "If-None-Match: ${etag[$s]}") ;;
    esac
    local before after out rps p99 reqs
    before=$(cpu_ticks "${pid[$s]}")
    out=$(taskset -c 0 wrk -t1 -c32 -d"${DURATION}s" --latency "${hdr[@]}" "${url[$s]}")
    after=$(cpu_ticks "${pid[$s]}")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    if grep -q 'Non-2xx or 3xx' <<<"$out"; then
        echo "warning: $s $c: $(grep 'Non-2xx' <<<"$out")" >&2
    fi
    awk -v s="$s" -v c="$c" -v r="$3" -v rps="$rps" -v p99="$p99" -v t=$((after - before)) \
        -v hz="$hz" -v n="$reqs" 'BEGIN { printf "%s\t%s\t%s\t%s\t%s\t%.2f\n", s, c, r, rps, p99, t / hz * 1e6 / n }' >>"$results"
    echo "round $3 $s $c: $rps req/s, p99 $p99 ms" >&2
}

for round in $(seq "$ROUNDS"); do
    order=("${servers[@]}")
    if ((round % 2 == 0)); then
        order=(nginx-gzip nginx-static bantin)
    fi
    for s in "${order[@]}"; do
        for c in "${cases[@]}"; do
            run "$s" "$c" "$round"
        done
    done
done

echo
echo "feed.rss: $(stat -c %s "$tmp/static/feed.rss") bytes ($items items), gzip $(stat -c %s "$tmp/static/feed.rss.gz") bytes;" \
    "wrk -t1 -c32 -d${DURATION}s on core 0, servers on core 1; median of $ROUNDS rounds"
echo
echo "| server | case | requests/s | p99 latency (ms) | server CPU µs/request |"
echo "|---|---|---:|---:|---:|"
for s in "${servers[@]}"; do
    for c in "${cases[@]}"; do
        awk -F'\t' -v s="$s" -v c="$c" '
            function median(a, n,   i, j, t) {
                for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
                return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
            }
            $1 == s && $2 == c { n++; rps[n] = $4; p99[n] = $5; cpu[n] = $6 }
            END { printf "| %s | %s | %.0f | %.2f | %.1f |\n", s, c, median(rps, n), median(p99, n), median(cpu, n) }
        ' "$results"
    done
done
