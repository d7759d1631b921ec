#!/usr/bin/env python3
"""Memory of `bantin serve` while one address holds HTTP/2 streams it never reads.

    benches/stalled-streams.py STORE [--binary PATH] [--connections 32]
                               [--streams 64] [--seconds 45]

Starts the binary (default: target/release/bantin; build it first with
cargo build --release --bin bantin) on 127.0.0.1:0 with STORE (e.g. made by
`cargo run --release --example genstore -- --out /tmp/gs --articles 20000`;
nothing is written into it) and the default configuration. Then, from
127.0.0.1, it opens --connections h2c connections, each with an initial
window of 0 and --streams requests for distinct monthly archives
(/archive/YYYY-MM.{rss,atom,json}, 2015 to 2025), answers PING and SETTINGS,
and never opens a window: every body made stays unsent. It reports, every
second, the daemon's RSS and what /metrics (read from 127.0.0.3) says of the
bytes held unsent and the refusals; at 20 s, whether another address
(127.0.0.2) gets an archive; at the end, the peak RSS (VmHWM) and how many
streams were answered or refused. Needs Python's `hpack` (pip install hpack).
Only 127.0.0.x; the daemon is stopped at the end.
"""

import argparse
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import hpack

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, SETTINGS, PING, GOAWAY = 0, 1, 4, 6, 7


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def vm_mb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    return -1


def metric_lines(addr):
    """The unsent and cache lines of /metrics, read from another address."""
    host, port = addr.rsplit(":", 1)
    try:
        s = socket.create_connection((host, int(port)), timeout=2, source_address=("127.0.0.3", 0))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        text = b""
        while chunk := s.recv(65536):
            text += chunk
        s.close()
    except OSError as e:
        return f"(metrics: {e})"
    keep = ("bantin_http_unsent_bytes", "bantin_http_unsent_refused_total", "bantin_archive_cache_charged_bytes")
    return " ".join(l for l in text.decode().splitlines() if l.startswith(keep))


class Stalled:
    """One h2c connection whose streams are never given a window."""

    def __init__(self, addr, paths):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=5, source_address=("127.0.0.1", 0))
        # SETTINGS_INITIAL_WINDOW_SIZE (4) = 0.
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0, struct.pack(">HI", 4, 0)))
        encoder = hpack.Encoder()
        heads = b"".join(
            frame(HEADERS, 0x5, 1 + 2 * i, encoder.encode(
                [(":method", "GET"), (":scheme", "http"), (":path", p), (":authority", "x")]))
            for i, p in enumerate(paths))
        self.sock.sendall(heads)
        self.sock.setblocking(False)
        self.buf = b""
        self.statuses = {}
        self.decoder = hpack.Decoder()
        self.closed = False

    def pump(self):
        """Reads what arrived; answers PING and SETTINGS, never WINDOW_UPDATE."""
        if self.closed:
            return
        try:
            while chunk := self.sock.recv(1 << 20):
                self.buf += chunk
            self.closed = True
        except BlockingIOError:
            pass
        except OSError:
            self.closed = True
        while len(self.buf) >= 9:
            length = int.from_bytes(self.buf[:3], "big")
            if len(self.buf) < 9 + length:
                break
            kind, flags = self.buf[3], self.buf[4]
            stream = int.from_bytes(self.buf[5:9], "big") & 0x7FFFFFFF
            payload, self.buf = self.buf[9:9 + length], self.buf[9 + length:]
            try:
                if kind == PING and not flags & 1:
                    self.sock.sendall(frame(PING, 1, 0, payload))
                elif kind == SETTINGS and not flags & 1:
                    self.sock.sendall(frame(SETTINGS, 1, 0))
                elif kind == HEADERS:
                    fields = dict(self.decoder.decode(payload))
                    self.statuses[stream] = fields.get(":status", "?")
            except OSError:
                self.closed = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/bantin"))
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--streams", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=45)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="bantin-stalled-")
    config = os.path.join(work, "config.toml")
    with open(config, "w") as f:
        f.write(f'store = "{os.path.abspath(args.store)}"\nlisten = "127.0.0.1:0"\n'
                f'[state]\ndir = "{work}/state"\n')
    daemon = subprocess.Popen([args.binary, "--config", config], stdout=subprocess.PIPE,
                              stderr=open(os.path.join(work, "log"), "w"), text=True)
    try:
        line = daemon.stdout.readline()
        if not line.startswith("listening on "):
            sys.exit(f"the daemon did not start: {line!r} (log in {work}/log)")
        addr = line.split()[2]
        print(f"start: RSS {vm_mb(daemon.pid, 'VmRSS')} MB")
        months = [f"/archive/{y}-{m:02d}.{e}" for e in ("rss", "atom", "json")
                  for y in range(2015, 2026) for m in range(1, 13)]
        conns, k = [], 0
        for _ in range(args.connections):
            paths = [months[(k + i) % len(months)] for i in range(args.streams)]
            k += args.streams
            conns.append(Stalled(addr, paths))
        other = {}

        def probe():
            start = time.perf_counter()
            host, port = addr.rsplit(":", 1)
            try:
                s = socket.create_connection((host, int(port)), timeout=60, source_address=("127.0.0.2", 0))
                s.sendall(b"GET /archive/2020-01.rss HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data = b""
                while chunk := s.recv(1 << 20):
                    data += chunk
                other["result"] = f"{data.split(b' ', 2)[1].decode()}, {len(data)} bytes"
            except OSError as e:
                other["result"] = str(e)
            other["seconds"] = time.perf_counter() - start

        started, probed, last = time.monotonic(), None, 0
        while time.monotonic() - started < args.seconds:
            for c in conns:
                c.pump()
            now = time.monotonic() - started
            if probed is None and now >= 20:
                probed = threading.Thread(target=probe)
                probed.start()
            if now - last >= 1:
                last = now
                print(f"{now:5.1f} s: RSS {vm_mb(daemon.pid, 'VmRSS')} MB; {metric_lines(addr)}")
            time.sleep(0.05)
        if probed:
            probed.join()
        statuses = [s for c in conns for s in c.statuses.values()]
        print(f"another address at 20 s: {other.get('result')} in {other.get('seconds', 0):.2f} s")
        print(f"streams: {len(statuses)} answered, of which {statuses.count('200')} 200 and "
              f"{statuses.count('503')} 503, of {args.connections * args.streams} asked")
        print(f"peak RSS (VmHWM) {vm_mb(daemon.pid, 'VmHWM')} MB, RSS now {vm_mb(daemon.pid, 'VmRSS')} MB")
        for c in conns:
            c.sock.close()
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


if __name__ == "__main__":
    main()
