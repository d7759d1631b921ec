#!/usr/bin/env python3
"""Live updates in a store with tens of thousands of tags.

Generates a store of ARTICLES articles, each with TAGS tags of its own (so
ARTICLES x TAGS distinct tags: 54,400 by default), starts the daemon on it,
and times updates from a file renamed into the store until `/feed.rss` has a
new ETag: blocks of updates of an article under existing tags, alternating
with blocks of new articles that bring a tag never seen before. Reports the
p50 and the maximum of each kind, the daemon's CPU time per update (user and
system, from the rename until the daemon has been idle for 100 ms, so the
background compression of what the update rendered counts), and its RSS (and
peak) after them.

With --contested, two old articles carry `bão số` and `bao so`, one tag
slug apart (`bao-so`, `bao-so-2`), and every update carries `bao so` too: a
change under a contested name, whose slugs may move within their family.

    benches/many-tags.py                          # this tree's release build
    benches/many-tags.py --binary /path/to/bantin --updates 60
    benches/many-tags.py --binary /path/to/bantin --contested

Talks only to 127.0.0.1; stops the daemon and removes the store when done.
"""

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BODY = (
    "Trong năm vừa qua, chương trình giảm nghèo bền vững trên địa bàn đã đạt "
    "được nhiều kết quả quan trọng.\n\nĐến hết tháng 4, toàn huyện đã giải ngân "
    "được 96% kế hoạch vốn đầu tư công được giao.\n"
)


def article(title, when, author, tags):
    return (
        f"Trang nhất » Tin Tức\n\n{title}\n\n{when}\n{BODY}\n"
        f"Tác giả bài viết: {author}\nTừ khóa: {', '.join(tags)}\n"
    )


def when(i):
    d, m, y = i % 28 + 1, (i // 28) % 12 + 1, 2015 + (i // 336) % 10
    return f"{d:02d}/{m:02d}/{y} {i % 24:02d}:{i % 60:02d}"


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                key, value = line.split(":")
                fields[key] = int(value.split()[0]) // 1024
    return f"RSS {fields['VmRSS']} MB (peak {fields['VmHWM']} MB)"


def cpu_seconds(pid):
    """The user and system CPU time of `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settled_cpu(pid, limit=10.0):
    """The CPU time of `pid` once it has used none for 100 ms (at most `limit` s)."""
    started, last = time.time(), cpu_seconds(pid)
    while time.time() - started < limit:
        time.sleep(0.1)
        now = cpu_seconds(pid)
        if now == last:
            return now
        last = now
    return last


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1700)
    ap.add_argument("--tags", type=int, default=32, help="distinct tags per article")
    ap.add_argument("--updates", type=int, default=60, help="in all, half of each kind")
    ap.add_argument("--binary", help="the bantin to measure (default: this tree's release build)")
    ap.add_argument("--contested", action="store_true",
                    help="every update also under a contested tag (`bao so` beside `bão số`)")
    args = ap.parse_args()
    binary = args.binary
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "bantin"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        binary = os.path.join(target, "release", "bantin")

    work = tempfile.mkdtemp(prefix="bantin-many-tags-")
    store = os.path.join(work, "store")
    os.makedirs(os.path.join(store, "tin-tuc"))
    for i in range(args.articles):
        tags = [f"nhãn {i} {j}" for j in range(args.tags)]
        if args.contested and i < 2:
            # The first two articles: `bão số` holds `bao-so`, `bao so`
            # `bao-so-2`. First, as an article keeps its first 32 tags.
            tags = [["bão số", "bao so"][i]] + tags[:31]
        with open(os.path.join(store, "tin-tuc", f"{i:05d}.txt"), "w", encoding="utf-8") as f:
            f.write(article(f"Bài số {i}", when(i), f"Tác giả {i}", tags))
    config = os.path.join(work, "config.toml")
    with open(config, "w") as f:
        f.write(f'store = "{store}"\nlisten = "127.0.0.1:0"\n[site]\nbase_url = "http://127.0.0.1"\n'
                f'[state]\ndir = "{work}/state"\n')
    out = open(os.path.join(work, "out.log"), "w+")
    daemon = subprocess.Popen([binary, "--config", config], stdout=out, stderr=subprocess.DEVNULL)
    try:
        started = time.time()
        addr = None
        while addr is None:
            if time.time() - started > 120 or daemon.poll() is not None:
                sys.exit("the daemon did not start")
            out.seek(0)
            m = re.search(r"listening on (127\.0\.0\.1:\d+)", out.read())
            addr = m and m.group(1)
            time.sleep(0.05)
        host, port = addr.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)

        def etag():
            while True:
                conn.request("HEAD", "/feed.rss")
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    return r.getheader("etag")
                time.sleep(0.05)

        etag()
        extra = ", 2 of them contested" if args.contested else ""
        print(f"{args.articles} articles, {args.articles * args.tags} tags{extra}; ready: {status(daemon.pid)}")
        times = {"existing tags": [], "a new tag": []}
        cpu = {kind: [] for kind in times}
        contested = ["bao so"] if args.contested else []
        per_block = max(1, args.updates // 6)
        k = 0
        for block in range(6):
            kind = "existing tags" if block % 2 == 0 else "a new tag"
            for _ in range(per_block):
                if kind == "existing tags":
                    tags = [f"nhãn 0 {j}" for j in range(args.tags)]
                else:
                    tags = ["nhãn 0 1", f"nhãn mới {k}"]
                tags = (contested + tags)[:32]
                text = article(f"Bài cập nhật {k}", f"01/01/2031 10:{k % 60:02d}", "Trần Ngọc", tags)
                before = etag()
                tmp = os.path.join(store, f".moi-{k}.tmp")
                with open(tmp, "w", encoding="utf-8") as f:
                    f.write(text)
                cpu_before = settled_cpu(daemon.pid)
                t = time.time()
                os.rename(tmp, os.path.join(store, "tin-tuc", f"moi-{k}.txt"))
                while etag() == before:
                    if time.time() - t > 30:
                        sys.exit("no new ETag within 30 s")
                    time.sleep(0.002)
                times[kind].append((time.time() - t) * 1000)
                cpu[kind].append((settled_cpu(daemon.pid) - cpu_before) * 1000)
                k += 1
                time.sleep(0.3)
        for kind, ms in times.items():
            print(f"update with {kind}: n {len(ms)}, p50 {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms, "
                  f"CPU {statistics.mean(cpu[kind]):.0f} ms an update (p50 {statistics.median(cpu[kind]):.0f})")
        print(f"after {k} updates: {status(daemon.pid)}")
    finally:
        daemon.terminate()
        daemon.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
