//! Clients that misbehave on purpose, against the real binary over raw TCP:
//! slowloris, oversized and too many headers, more connections than the cap,
//! request smuggling shapes, path traversal, pipelining. After each, the daemon
//! must still answer `/healthz` and its memory must stay bounded.

// `allow-unwrap-in-tests` covers `#[test]` functions only; here the helpers are
// test code too, and a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Daemon, TempStore};

/// How long any one raw exchange may take.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// The resident set the daemon must stay under, in KiB.
const RSS_LIMIT_KIB: u64 = 200 * 1024;

/// A sample store with a 1-second header timeout and at most 4 connections.
fn daemon() -> (TempStore, Daemon) {
    let site = TempStore::with_config(
        "[http]\nheader_timeout_secs = 1\nmax_connections = 4\nshutdown_grace_secs = 1\n",
    );
    let d = Daemon::serve(&site.config(), Duration::from_secs(30));
    (site, d)
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), IO_TIMEOUT).unwrap();
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    s
}

/// Writes `request` (a write cut short by the server closing is fine) and reads
/// until the server closes; a reset after some bytes arrived ends the read too.
fn exchange(port: u16, request: &[u8]) -> Vec<u8> {
    let mut s = connect(port);
    let _ = s.write_all(request);
    let mut all = Vec::new();
    let mut buf = [0; 16384];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the response: {e} (after {} bytes)", all.len()),
        }
    }
    all
}

/// One parsed HTTP/1.1 response.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Every response in `bytes`, in order (bodies delimited by Content-Length).
fn responses(mut bytes: &[u8]) -> Vec<Response> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(bytes)));
        let head = std::str::from_utf8(&bytes[..end]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.trim().to_ascii_lowercase(), v.trim().to_owned())
            })
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let body_end = (end + 4 + len).min(bytes.len());
        out.push(Response {
            status,
            headers,
            body: bytes[end + 4..body_end].to_vec(),
        });
        bytes = &bytes[body_end..];
    }
    out
}

/// The one response to `request`.
fn one(port: u16, request: &[u8]) -> Response {
    let mut all = responses(&exchange(port, request));
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

/// A GET of `path` with `extra` header lines, closing the connection after.
fn get(path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n")
        .into_bytes()
}

/// Still serving, and not bloated.
fn assert_survived(d: &mut Daemon) {
    assert!(d.alive(), "the daemon died; stderr:\n{}", d.stderr());
    let r = d.get("/healthz", &[]);
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).starts_with("ok: "));
    let rss = d.rss_kib();
    assert!(rss < RSS_LIMIT_KIB, "VmRSS {rss} KiB");
}

#[test]
fn slowloris_is_cut_off_while_others_are_served() {
    let (_site, mut d) = daemon();
    let port = d.port;
    let slow = std::thread::spawn(move || {
        let mut s = connect(port);
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
        let started = Instant::now();
        for &b in head.iter() {
            if s.write_all(&[b]).is_err() {
                return started.elapsed();
            }
            let mut buf = [0; 512];
            match s.read(&mut buf) {
                // Closed (possibly after a 408): cut off.
                Ok(_) => return started.elapsed(),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return started.elapsed(),
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("the whole head was dripped in without the server closing");
    });
    // Meanwhile, others are served promptly.
    for _ in 0..5 {
        let started = Instant::now();
        let r = one(port, &get("/feed.rss", ""));
        assert_eq!(r.status, 200);
        assert!(started.elapsed() < Duration::from_secs(3));
        std::thread::sleep(Duration::from_millis(300));
    }
    let cut = slow.join().unwrap();
    // header_timeout_secs = 1; allow for a loaded machine.
    assert!(cut < Duration::from_secs(6), "cut off after {cut:?}");
    assert_survived(&mut d);
}

#[test]
fn oversized_and_too_many_headers_get_431() {
    let (_site, mut d) = daemon();
    let port = d.port;
    // One 100 KB header: the head is over the 64 KiB limit.
    let big = format!("X-Big: {}\r\n", "a".repeat(100 * 1024));
    assert_eq!(one(port, &get("/feed.rss", &big)).status, 431);
    // 500 small headers: over hyper's count limit, which it reports as 431 too.
    let many: String = (0..500).map(|i| format!("X-H{i}: v\r\n")).collect();
    assert_eq!(one(port, &get("/feed.rss", &many)).status, 431);
    // A 1 MB Accept-Encoding.
    let ae = format!("Accept-Encoding: {}\r\n", "gzip;q=0.5, ".repeat(90_000));
    assert_eq!(one(port, &get("/feed.rss", &ae)).status, 431);
    // A 10,000-tag If-None-Match is over the head limit too.
    let tags: Vec<String> = (0..10_000).map(|i| format!("\"{i:032x}\"")).collect();
    let inm = format!("If-None-Match: {}\r\n", tags.join(", "));
    assert_eq!(one(port, &get("/feed.rss", &inm)).status, 431);
    assert_survived(&mut d);
}

#[test]
fn an_over_long_request_target_gets_414() {
    let (_site, mut d) = daemon();
    let port = d.port;
    // RFC 9112 §3: request lines of 8000 octets are to be supported.
    let fits = format!("/feeds/{}.rss", "a".repeat(7_900));
    assert_eq!(one(port, &get(&fits, "")).status, 404);
    // Past it, up to the 64 KiB head limit. (A head over that limit, whatever
    // makes it long, is refused by hyper with 431 before a route sees it.)
    for len in [9_000, 60 * 1024] {
        let target = format!("/feeds/{}.rss", "a".repeat(len));
        let r = one(port, &get(&target, ""));
        assert_eq!(r.status, 414, "a {len}-byte target");
        let query = format!("/feed.rss?{}", "q".repeat(len));
        assert_eq!(
            one(port, &get(&query, "")).status,
            414,
            "a {len}-byte query"
        );
    }
    assert_survived(&mut d);
}

#[test]
fn an_over_long_request_target_gets_414_whatever_the_method() {
    let (_site, mut d) = daemon();
    let port = d.port;
    // Past the 64 KiB head limit too, where hyper alone would answer 431.
    let target = format!("/feed.rss?{}", "a".repeat(70_000));
    // (HEAD alone: its 414 has a Content-Length and no body, which
    // `responses` would misread before another response.)
    let head = format!("HEAD {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(one(port, head.as_bytes()).status, 414);
    for method in ["POST", "OPTIONS", "DELETE", "BREW", "GET"] {
        // With no body the connection is kept: the request after is answered.
        let pipelined = format!(
            "{method} {target} HTTP/1.1\r\nHost: x\r\n\r\n{}",
            std::str::from_utf8(&get("/healthz", "")).unwrap()
        );
        let all = responses(&exchange(port, pipelined.as_bytes()));
        let statuses: Vec<u16> = all.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [414, 200], "{method}");
        assert_eq!(all[0].header("cache-control"), Some("no-store"), "{method}");
    }
    // With a body no route reads, 414 and then the connection closes.
    for method in ["POST", "BREW"] {
        let request =
            format!("{method} {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        let r = one(port, request.as_bytes());
        assert_eq!(r.status, 414, "{method}");
    }
    assert_survived(&mut d);
}

#[test]
fn a_thousand_tags_with_the_right_one_is_304() {
    let (_site, mut d) = daemon();
    let port = d.port;
    let full = one(port, &get("/feed.rss", ""));
    assert_eq!(full.status, 200);
    let etag = full.header("etag").unwrap().to_owned();
    let mut tags: Vec<String> = (0..999).map(|i| format!("\"{i:032x}\"")).collect();
    tags.push(etag.clone());
    let inm = format!("If-None-Match: {}\r\n", tags.join(", "));
    assert!(inm.len() < 60 * 1024);
    let r = one(port, &get("/feed.rss", &inm));
    assert_eq!(r.status, 304);
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert!(r.body.is_empty());
    // Without the right one: the full body.
    tags.pop();
    let inm = format!("If-None-Match: {}\r\n", tags.join(", "));
    assert_eq!(one(port, &get("/feed.rss", &inm)).body, full.body);
    assert_survived(&mut d);
}

#[test]
fn more_connections_than_the_cap_wait_and_are_then_served() {
    let (_site, mut d) = daemon();
    let port = d.port;
    // 20 idle connections against a cap of 4: each accepted one is closed by the
    // 1-second header timeout, freeing its slot for the next.
    let idle: Vec<TcpStream> = (0..20).map(|_| connect(port)).collect();
    let started = Instant::now();
    let mut s = connect(port);
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(&get("/healthz", "")).unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let r = responses(&all);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].status, 200);
    assert!(started.elapsed() < Duration::from_secs(30));
    // Every idle connection was closed by the server, not left hanging.
    for mut c in idle {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0; 256];
        match c.read(&mut buf) {
            // EOF: closed without a response.
            Ok(0) => {}
            // Or closed after an error response (hyper may answer 408).
            Ok(n) => assert!(buf[..n].starts_with(b"HTTP/1.1 "), "{:?}", &buf[..n]),
            Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
        }
    }
    assert_survived(&mut d);
}

#[test]
fn smuggling_shapes_are_refused_or_closed() {
    let (_site, mut d) = daemon();
    let port = d.port;
    // Two different Content-Lengths: 400, and the connection is closed (no second response).
    let two_cl = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhelloGET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let r = responses(&exchange(port, two_cl));
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].status, 400);
    // Content-Length and chunked together: chunked wins (RFC 9112 §6.3), then the
    // connection is closed, so whatever follows is never read as a request.
    let both = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 48\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let r = responses(&exchange(port, both));
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(matches!(r[0].status, 200 | 400), "{}", r[0].status);
    // A Transfer-Encoding that is not chunked-last cannot be framed: 400.
    let gzip_te =
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\nGET /feed.rss HTTP/1.1\r\n\r\n";
    let r = responses(&exchange(port, gzip_te));
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].status, 400);
    // The same Content-Length twice is allowed (RFC 9110 §8.6): served, and the
    // next pipelined request is read after the 2-byte body.
    let same = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhiGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let r = responses(&exchange(port, same));
    assert_eq!(r.iter().map(|r| r.status).collect::<Vec<_>>(), [200, 200]);
    // Among more field lines than the fast path answers (hyper takes up to
    // 100), a head is judged all the same: a fragment, which hyper would
    // drop and serve, is refused.
    let pad: String = (0..70).map(|i| format!("X-{i}: a\r\n")).collect();
    let padded =
        format!("GET /feed.rss#x HTTP/1.1\r\nHost: 127.0.0.1\r\n{pad}Connection: close\r\n\r\n");
    let r = responses(&exchange(port, padded.as_bytes()));
    assert_eq!(r.iter().map(|r| r.status).collect::<Vec<_>>(), [400]);
    assert_survived(&mut d);
}

#[test]
fn traversal_and_odd_paths_never_reach_the_disk() {
    let (_site, mut d) = daemon();
    let port = d.port;
    let long = format!("/{}", "a/".repeat(4000));
    let longer = format!("/articles/{}", "%41".repeat(15_000));
    let paths = [
        "/../Cargo.toml",
        "/../../../../etc/passwd",
        "/feeds/../../etc/passwd",
        "/feeds/../../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/feeds/%2e%2e/%2e%2e/etc/passwd",
        "/articles/../../Cargo.toml",
        "/articles/..%2f..%2fCargo.toml",
        "/articles/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/articles/%00",
        "/articles/a%00.txt",
        "/feed.rss%00",
        "/%ff",
        "/articles/%ff%fe",
        "/articles/%c0%af",
        "/articles/%",
        "/articles/%zz",
        "//etc/passwd",
        "/./feed.rss/.",
        "/src/main.rs",
        "/Cargo.toml",
        "/config.toml",
        "/store/tin-tuc/tong-hop/le-hoi-hoa-ban-2024.txt",
        long.as_str(),
        longer.as_str(),
    ];
    for path in paths {
        let r = one(port, &get(path, ""));
        assert!(
            matches!(r.status, 308 | 400 | 404 | 414),
            "{path:.80}: {}",
            r.status
        );
        if r.status == 308 {
            // Another spelling of a served path: redirected inside the site,
            // to what the site serves, never to another host.
            let to = r.header("location").expect("a 308 names where");
            assert!(to.starts_with('/') && !to.starts_with("//"), "{path}: {to}");
            assert_eq!(one(port, &get(to, "")).status, 200, "{path} → {to}");
        }
        let body = String::from_utf8_lossy(&r.body);
        // A store file's raw breadcrumb; the HTML 404 page links "Trang nhất" itself.
        for leak in ["[package]", "root:", "fn main", "listen =", "Trang nhất »"] {
            assert!(!body.contains(leak), "{path:.80} served {leak}");
        }
    }
    // Raw bytes that are not allowed in a request target: 400.
    for raw in [
        &b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /a b/c HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let r = one(port, raw);
        assert_eq!(r.status, 400, "{raw:?}");
    }
    // A target over hyper's URI limit, inside the head limit... is not possible
    // with a 64 KiB head; past both it is 431 or 414.
    let huge = format!("/{}", "a".repeat(70_000));
    let r = one(port, &get(&huge, ""));
    assert!(matches!(r.status, 414 | 431), "{}", r.status);
    assert_survived(&mut d);
}

#[test]
fn http10_without_host_and_pipelining() {
    let (_site, mut d) = daemon();
    let port = d.port;
    let r = one(port, b"GET /feed.json HTTP/1.0\r\n\r\n");
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_ok());

    let three = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\
GET /feed.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\
GET /feeds.opml HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let r = responses(&exchange(port, three));
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(r.iter().all(|r| r.status == 200));
    assert!(r[0].body.starts_with(b"ok: "));
    assert!(r[1]
        .header("content-type")
        .unwrap()
        .starts_with("application/feed+json"));
    assert!(r[2]
        .header("content-type")
        .unwrap()
        .starts_with("text/x-opml"));
    assert_survived(&mut d);
}

#[test]
fn everything_at_once_leaves_the_daemon_healthy() {
    let (_site, mut d) = daemon();
    let port = d.port;
    let before = d.rss_kib();
    let big = format!("X-Big: {}\r\n", "a".repeat(100 * 1024));
    for round in 0..20 {
        let _ = exchange(port, &get("/feed.rss", &big));
        let _ = exchange(port, b"GET /../Cargo.toml HTTP/1.1\r\nHost: x\r\n\r\n");
        let _ = exchange(
            port,
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        );
        // Half a head, then hang up.
        let mut s = connect(port);
        let _ = s.write_all(b"GET /feed.rss HTTP/1.1\r\nHo");
        drop(s);
        if round % 5 == 0 {
            assert_eq!(d.get("/healthz", &[]).status, 200);
        }
    }
    assert_survived(&mut d);
    let after = d.rss_kib();
    assert!(
        after < before + 100 * 1024,
        "VmRSS grew from {before} to {after} KiB"
    );
}
