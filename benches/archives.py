#!/usr/bin/env python3
"""Archive request latency of `bantin serve` on a store (read only), and the cold start.

    benches/archives.py STORE [--months 12]

Starts the release binary (build it first: cargo build --release --bin bantin)
on 127.0.0.1:0 with STORE (e.g. the one `benches/live-update.py --keep
/tmp/store100k` generates; nothing is written into it) and reports:
  - cold start: from exec to /healthz 200, and the peak RSS (VmHWM) then;
  - for the newest --months archives of the all-articles RSS feed, reached by
    following prev-archive from /feed.rss: the latency of the first request
    (uncached: read from the store and rendered), of a second one (cached), and
    of a revalidation with the ETag (304, no render), min/median/max over the
    months, with each archive's item count and size;
  - the peak RSS after all of it.
Only 127.0.0.1; the daemon is stopped at the end.
"""

import argparse
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def vm_hwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return -1


def get(port, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    elapsed = time.perf_counter() - start
    conn.close()
    return r.status, dict(r.getheaders()), body, elapsed


def prev_archive(body):
    m = re.search(rb'<atom:link href="([^"]+)" rel="prev-archive"', body)
    if not m:
        return None
    url = m.group(1).decode()
    return "/" + url.split("/", 3)[3]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store")
    ap.add_argument("--months", type=int, default=12)
    args = ap.parse_args()
    binary = os.path.join(ROOT, "target/release/bantin")
    work = tempfile.mkdtemp(prefix="bantin-archives-")
    config = os.path.join(work, "config.toml")
    with open(config, "w") as f:
        f.write(f'store = "{os.path.abspath(args.store)}"\nlisten = "127.0.0.1:0"\n'
                f'[state]\ndir = "{work}/state"\n')
    started = time.perf_counter()
    log = open(os.path.join(work, "log"), "w")
    proc = subprocess.Popen([binary, "--config", config], stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        port = None
        for line in proc.stdout:
            m = re.search(r"127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            sys.exit("the daemon printed no address")
        # Keep reading its output, so a full pipe never blocks it.
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        while True:
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.01)
        ready = time.perf_counter() - started
        print(f"cold start to /healthz 200: {ready:.2f} s, peak RSS {vm_hwm_mb(proc.pid)} MB")
        path = prev_archive(get(port, "/feed.rss")[2])
        rows = []
        while path and len(rows) < args.months:
            status, headers, body, cold = get(port, path)
            assert status == 200, (path, status)
            _, _, again, warm = get(port, path)
            assert again == body
            status, _, _, revalidate = get(port, path, {"If-None-Match": headers["etag"]})
            assert status == 304, (path, status)
            items = body.count(b"<item>")
            rows.append((cold, warm, revalidate))
            print(f"{path}: {items} items, {len(body) / 1e6:.2f} MB: uncached {cold * 1e3:.1f} ms, "
                  f"cached {warm * 1e3:.1f} ms, 304 {revalidate * 1e3:.2f} ms")
            path = prev_archive(body)
        for name, i in [("uncached", 0), ("cached", 1), ("304", 2)]:
            v = sorted(r[i] * 1e3 for r in rows)
            print(f"{name}: min {v[0]:.2f} ms, median {statistics.median(v):.2f} ms, max {v[-1]:.2f} ms "
                  f"over {len(v)} archives")
        print(f"peak RSS after: {vm_hwm_mb(proc.pid)} MB")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
