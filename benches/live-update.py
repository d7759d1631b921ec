#!/usr/bin/env python3
"""Cold start and update latency of `bantin serve` on a generated store.

    benches/live-update.py [--articles 100000] [--updates 200] [--rate 10]
                           [--keep DIR] [--reconcile-secs N] [--log FILE] [--chmod-root]
    benches/live-update.py --articles 1000000 --keep /work/stores/m1 --reconcile-secs 1
    benches/live-update.py --articles 15 --big-article 2400000 --updates 100

Generates a store (benches/support/genstore.rs, deterministic), starts the release
binary on 127.0.0.1:0 and reports:
  - cold start: from exec to /healthz answering 200 (first full scan rendered and
    the listener answering), and the peak RSS (VmHWM) at that moment;
  - first update: the latency of one update made as soon as /healthz says 200,
    while the start-up reconciliation (a comparison of the whole store) runs;
  - update latency: each update writes a new article next to the store (same file
    system), renames it into the store, and polls HEAD /feed.rss until its ETag
    changes (the new article is the newest, so the all-articles feed must change);
    p50/p90/p99/max over all updates, at --rate updates per second;
  - CPU time of the daemon per update (utime + stime from /proc, divided).
With --reconcile-secs 1 a reconciliation runs all the time (a new one a second
after each ends), so every update lands while one is in progress; how many ran
is printed. --log keeps the daemon's log (phase times of the start-up load).
--big-article BYTES adds one article of about BYTES bytes (a long official
document, in the all-articles feed every update changes) to the store.
--chmod-root sets the store root's mode (to what it is) just before each update's
rename, as a deploy's `chmod` or the end of an `rsync -a` does: a change that
alters nothing served, and must not delay the update behind it.
Only 127.0.0.1; everything stops at the end.
"""

import argparse
import datetime
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def vm(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    return -1


def article(n, when):
    stamp = f"{WEEKDAYS[when.weekday()]} - {when:%d/%m/%Y %H:%M}"
    return (
        f"Trang nhất » Thông báo » Cập nhật\n\nBài cập nhật số {n}\n\n{stamp}\n"
        f"Bài viết thứ {n} được thêm vào kho để đo độ trễ cập nhật.\n\n"
        "Nội dung bài viết gồm vài câu ngắn. Đây là câu thứ hai.\n"
    )


def big_article(size):
    """An article of about `size` bytes: numbered paragraphs of a long document."""
    head = (
        "Trang nhất » Văn bản\n\nVăn bản hợp nhất các quy định dài\n\n"
        "Thứ hai - 01/01/2029 08:00\nVăn bản dài để đo độ trễ cập nhật.\n\n"
    )
    parts = [head]
    total = len(head.encode())
    n = 0
    while total < size:
        n += 1
        p = (f"Điều {n}. Cơ quan, tổ chức, cá nhân có trách nhiệm thực hiện đúng quy định "
             f"tại văn bản này; khoản {n} được sửa đổi, bổ sung theo nội dung mới.\n\n")
        parts.append(p)
        total += len(p.encode())
    return "".join(parts)


def metric(conn, name):
    """The value of an unlabelled metric from /metrics (0 when absent)."""
    conn.request("GET", "/metrics")
    r = conn.getresponse()
    for line in r.read().decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def percentile(sorted_values, p):
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--updates", type=int, default=200)
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--keep", help="reuse (or create) the generated store in this folder")
    ap.add_argument("--reconcile-secs", type=int, default=300,
                    help="[watch] reconcile_secs: 1 keeps a reconciliation running")
    ap.add_argument("--log", help="write the daemon's log (stderr) to this file")
    ap.add_argument("--big-article", type=int, default=0, metavar="BYTES",
                    help="add one article of about BYTES bytes to the store (kept there)")
    ap.add_argument("--chmod-root", action="store_true",
                    help="set the store root's mode just before each update's rename")
    ap.add_argument("--binary", help="the bantin to measure (default: this tree's release build), "
                    "to compare two builds in turn on one store")
    args = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "bantin", "--example", "genstore"],
                   cwd=ROOT, check=True)
    binary = args.binary or os.path.join(ROOT, "target/release/bantin")
    genstore = os.path.join(ROOT, "target/release/examples/genstore")

    work = tempfile.mkdtemp(prefix="bantin-live-")
    store = args.keep or os.path.join(work, "store")
    if not os.path.isdir(store) or not os.listdir(store):
        subprocess.run([genstore, "--out", store, "--articles", str(args.articles)], check=True)
    if args.big_article:
        big = os.path.join(store, "van-ban", "van-ban-dai.txt")
        os.makedirs(os.path.dirname(big), exist_ok=True)
        with open(big, "w") as f:
            f.write(big_article(args.big_article))
    staging = os.path.join(os.path.dirname(os.path.abspath(store)), ".bantin-staging")
    os.makedirs(staging, exist_ok=True)
    target_dir = os.path.join(store, "thong-bao", "cap-nhat")
    os.makedirs(target_dir, exist_ok=True)
    config = os.path.join(work, "config.toml")
    with open(config, "w") as f:
        f.write(f'store = "{store}"\nlisten = "127.0.0.1:0"\n'
                f'[watch]\nreconcile_secs = {args.reconcile_secs}\n'
                f'[state]\ndir = "{os.path.join(work, "state")}"\n')

    subprocess.run(["sync"])
    started = time.monotonic()
    log = open(args.log, "w") if args.log else subprocess.DEVNULL
    daemon = subprocess.Popen([binary, "serve", "--config", config], stdout=subprocess.PIPE,
                              stderr=log, text=True)
    try:
        line = daemon.stdout.readline()
        if not line.startswith("listening on "):
            sys.exit(f"the daemon did not start: {line!r}")
        host, port = line.split()[-1].rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        while True:
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            r.read()
            if r.status == 200:
                break
            time.sleep(0.01)
        cold = time.monotonic() - started
        peak = vm(daemon.pid, "VmHWM")
        print(f"cold start: {cold:.2f} s to /healthz 200; peak RSS {peak} MB "
              f"({args.articles} articles)")

        def etag():
            conn.request("HEAD", "/feed.rss")
            r = conn.getresponse()
            r.read()
            return r.getheader("ETag")

        base = datetime.datetime(2030, 1, 1, 8, 0)
        root_mode = os.stat(store).st_mode & 0o7777

        def update(n):
            """Renames article `n` into the store; seconds until its ETag is served."""
            before = etag()
            staged = os.path.join(staging, f"u{n}.txt")
            with open(staged, "w") as f:
                f.write(article(n, base + datetime.timedelta(minutes=n)))
            t0 = time.monotonic()
            if args.chmod_root:
                os.chmod(store, root_mode)
            os.rename(staged, os.path.join(target_dir, f"u{n}.txt"))
            while etag() == before:
                if time.monotonic() - t0 > 30:
                    sys.exit(f"update {n} was not served within 30 s")
                time.sleep(0.001)
            return time.monotonic() - t0

        first = update(args.updates)
        reconciled = metric(conn, "bantin_reconcile_seconds_count")
        print(f"first update after start: {first * 1000:.1f} ms "
              f"(reconciliations finished by then: {reconciled:g})")
        time.sleep(1)
        reconciled_before = metric(conn, "bantin_reconcile_seconds_count")
        cpu_before = cpu_seconds(daemon.pid)
        latencies = []
        period = 1.0 / args.rate
        next_at = time.monotonic()
        for n in range(args.updates):
            latencies.append(update(n))
            next_at += period
            time.sleep(max(0.0, next_at - time.monotonic()))
        cpu = cpu_seconds(daemon.pid) - cpu_before
        rss = vm(daemon.pid, "VmRSS")
        peak = vm(daemon.pid, "VmHWM")
        reconciled = metric(conn, "bantin_reconcile_seconds_count") - reconciled_before
        ms = sorted(x * 1000 for x in latencies)
        print(f"update latency over {len(ms)} updates at {args.rate:g}/s: "
              f"p50 {percentile(ms, 50):.1f} ms, p90 {percentile(ms, 90):.1f} ms, "
              f"p99 {percentile(ms, 99):.1f} ms, max {ms[-1]:.1f} ms")
        print(f"daemon CPU per update: {cpu / len(ms) * 1000:.1f} ms; RSS after: {rss} MB, "
              f"peak {peak} MB; reconciliations finished meanwhile: {reconciled:g}")
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
        for n in range(args.updates + 1):
            p = os.path.join(target_dir, f"u{n}.txt")
            if os.path.exists(p):
                os.remove(p)
        shutil.rmtree(staging, ignore_errors=True)
        if args.keep and not os.listdir(target_dir):
            os.rmdir(target_dir)
        # The config; and the generated store too, unless --keep named it.
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
