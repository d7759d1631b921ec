#!/usr/bin/env python3
"""Archive request latency of `bantin serve` on a store (read only), and the cold start.

    benches/archives.py STORE [--months 12] [--terms 12]

Starts the release binary (build it first: cargo build --release --bin bantin)
on 127.0.0.1:0 with STORE (e.g. the one `benches/live-update.py --keep
/tmp/store100k` generates; nothing is written into it) and reports:
  - cold start: from exec to /healthz 200, and the peak RSS (VmHWM) then;
  - for the newest --months archives of the all-articles RSS feed, reached by
    following prev-archive from /feed.rss: the latency of the first request
    (uncached: read from the store and rendered), of a second one (cached), and
    of a revalidation with the ETag (304, no render; the median of 20), min/median/max over the
    months, with each archive's item count and size;
  - for --terms tags (every k-th of /tags.opml, so popular and rare ones), the
    latency of the tag's Atom feed and of its page, uncached then cached (both are
    rendered on demand into the same bounded cache as archives);
  - the peak and current RSS after all of it.
Only 127.0.0.1; the daemon is stopped at the end.
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def vm_mb(pid, key="VmHWM"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    return -1


def memory(pid):
    return f"peak RSS {vm_mb(pid)} MB, RSS now {vm_mb(pid, 'VmRSS')} MB"


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


def terms(port, n):
    """Uncached and cached latency of tag feeds and tag pages."""
    if n <= 0:
        return
    status, _, opml, took = get(port, "/tags.opml")
    assert status == 200, status
    feeds = re.findall(rb'xmlUrl="[^"]*?(/tags/[^"]+)\.rss"', opml)
    print(f"/tags.opml: {len(feeds)} tags, {len(opml) / 1e6:.2f} MB, {took * 1e3:.1f} ms")
    picked = [f.decode() for f in feeds[:: max(1, len(feeds) // n)]][:n]
    rows = {"feed": [], "page": []}
    for tag in picked:
        for kind, path in [("feed", tag + ".atom"), ("page", tag)]:
            status, _, body, cold = get(port, path)
            assert status == 200, (path, status)
            warm = get(port, path)[3]
            rows[kind].append((cold, warm, len(body)))
    for kind, v in rows.items():
        for name, i in [("uncached", 0), ("cached", 1)]:
            t = sorted(r[i] * 1e3 for r in v)
            print(f"tag {kind} {name}: min {t[0]:.2f} ms, median {statistics.median(t):.2f} ms, "
                  f"max {t[-1]:.2f} ms over {len(t)} tags")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store")
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--terms", type=int, default=12)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/bantin"),
                    help="the daemon to run (another build, to compare cold starts)")
    args = ap.parse_args()
    binary = args.binary
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
        print(f"cold start to /healthz 200: {ready:.2f} s, {memory(proc.pid)}")
        status, headers, _, _ = get(port, "/feed.rss")
        live304 = sorted(get(port, "/feed.rss", {"If-None-Match": headers["etag"]})[3] * 1e3 for _ in range(20))
        print(f"for comparison, /feed.rss 304: median {statistics.median(live304):.2f} ms of 20")
        path = prev_archive(get(port, "/feed.rss")[2]) if args.months > 0 else None
        rows = []
        while path and len(rows) < args.months:
            status, headers, body, cold = get(port, path)
            assert status == 200, (path, status)
            _, _, again, warm = get(port, path)
            assert again == body
            inm = {"If-None-Match": headers["etag"]}
            assert get(port, path, inm)[0] == 304, path
            revalidate = statistics.median(get(port, path, inm)[3] for _ in range(20))
            items = body.count(b"<item>")
            rows.append((cold, warm, revalidate))
            print(f"{path}: {items} items, {len(body) / 1e6:.2f} MB: uncached {cold * 1e3:.1f} ms, "
                  f"cached {warm * 1e3:.1f} ms, 304 {revalidate * 1e3:.2f} ms (median of 20)")
            path = prev_archive(body)
        for name, i in [("uncached", 0), ("cached", 1), ("304", 2)] if rows else []:
            v = sorted(r[i] * 1e3 for r in rows)
            print(f"{name}: min {v[0]:.2f} ms, median {statistics.median(v):.2f} ms, max {v[-1]:.2f} ms "
                  f"over {len(v)} archives")
        terms(port, args.terms)
        print(f"after: {memory(proc.pid)}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
