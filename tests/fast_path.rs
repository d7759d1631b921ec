//! The HTTP/1 fast path on the wire: pipelined requests answered in order, a
//! head that arrives in pieces, HEAD and 304 on a kept-alive connection,
//! `Connection: close`, bodies sent from their copies (sealed memfds, or
//! unnamed files in the body folder), and the connections it hands to hyper
//! (HTTP/2 prior knowledge, a request with a body).

// Test code: an unwrap that fails is a failing test.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{Daemon, Reply, TempStore};

const LIMIT: Duration = Duration::from_secs(10);

fn connect(d: &Daemon) -> TcpStream {
    let s = TcpStream::connect_timeout(&([127, 0, 0, 1], d.port).into(), LIMIT).unwrap();
    s.set_read_timeout(Some(LIMIT)).unwrap();
    s.set_write_timeout(Some(LIMIT)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Reads one response from `s` (bytes after it stay in `pending`); `head`:
/// the response to a HEAD, which has no body whatever its Content-Length.
fn response(s: &mut TcpStream, pending: &mut Vec<u8>, head: bool) -> Reply {
    let mut chunk = [0; 65536];
    loop {
        let mut fields = [httparse::EMPTY_HEADER; 32];
        let mut parsed = httparse::Response::new(&mut fields);
        if let httparse::Status::Complete(len) = parsed.parse(pending).unwrap() {
            let status = parsed.code.unwrap();
            let headers: Vec<(String, String)> = parsed
                .headers
                .iter()
                .map(|h| {
                    let value = String::from_utf8(h.value.to_vec()).unwrap();
                    (h.name.to_ascii_lowercase(), value)
                })
                .collect();
            let length = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .map_or(0, |(_, v)| v.parse::<usize>().unwrap());
            let length = if head || status == 304 { 0 } else { length };
            while pending.len() < len + length {
                let n = s.read(&mut chunk).unwrap();
                assert!(n > 0, "closed in a body");
                pending.extend_from_slice(&chunk[..n]);
            }
            let body = pending[len..len + length].to_vec();
            pending.drain(..len + length);
            return Reply {
                status,
                headers,
                body,
            };
        }
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "closed before a whole head: {pending:?}");
        pending.extend_from_slice(&chunk[..n]);
    }
}

/// Whether the server closes `s` (end of stream) within [`LIMIT`], once what it
/// sent before is read.
fn closed(s: &mut TcpStream) -> bool {
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).is_ok()
}

/// The response to `request`, sent alone on a new connection, and whether
/// the server then closes it.
fn ask(d: &Daemon, request: &[u8]) -> (Reply, bool) {
    let mut s = connect(d);
    s.write_all(request).unwrap();
    let r = response(&mut s, &mut Vec::new(), false);
    (r, closed(&mut s))
}

/// The ETag the server computes for `bytes`: a hash of exactly them.
fn etag_of(bytes: &[u8]) -> String {
    format!("\"{}\"", &blake3::hash(bytes).to_hex()[..32])
}

#[test]
fn pipelined_requests_in_one_write_are_answered_in_order() {
    let site = TempStore::new();
    let d = site.start();
    let rss = d.get("/feed.rss", &[]);
    let atom = d.get("/feed.atom", &[("Accept-Encoding", "gzip")]);
    let json = d.get("/feed.json", &[]);
    let tag = rss.expect_header("etag");
    let mut s = connect(&d);
    let requests = format!(
        "GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\
         GET /feed.atom HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n\
         HEAD /feed.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\
         GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: {tag}\r\n\r\n\
         GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\
         GET /feed.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    );
    s.write_all(requests.as_bytes()).unwrap();
    let mut pending = Vec::new();
    let first = response(&mut s, &mut pending, false);
    assert_eq!((first.status, &first.body), (200, &rss.body));
    assert_eq!(first.header("etag"), Some(tag));
    let second = response(&mut s, &mut pending, false);
    assert_eq!(second.status, 200);
    assert_eq!(second.header("content-encoding"), Some("gzip"));
    assert_eq!(second.body, atom.body);
    // HEAD: the GET's fields, no body.
    let third = response(&mut s, &mut pending, true);
    assert_eq!(third.status, 200);
    for name in [
        "etag",
        "last-modified",
        "content-type",
        "content-length",
        "vary",
    ] {
        assert_eq!(third.header(name), json.header(name), "{name}");
    }
    let fourth = response(&mut s, &mut pending, false);
    assert_eq!(fourth.status, 304);
    assert_eq!(fourth.header("etag"), Some(tag));
    assert_eq!(fourth.header("content-length"), None);
    assert_eq!(response(&mut s, &mut pending, false).status, 404);
    let sixth = response(&mut s, &mut pending, false);
    assert_eq!((sixth.status, &sixth.body), (200, &json.body));
    // Nothing more: the HEAD's and the 304's empty bodies were not sent.
    assert!(pending.is_empty(), "{} bytes more", pending.len());
    for r in [&first, &second, &third, &fourth, &sixth] {
        assert!(r.header("date").is_some_and(|d| d.ends_with(" GMT")));
    }
}

#[test]
fn a_head_in_pieces_and_keep_alive_then_close() {
    let site = TempStore::new();
    let d = site.start();
    let rss = d.get("/feed.rss", &[]);
    let mut s = connect(&d);
    let mut pending = Vec::new();
    for piece in [
        "GE",
        "T /feed.r",
        "ss HTTP/1.1\r\nHo",
        "st: 127.0.0.1\r",
        "\n",
        "\r\n",
    ] {
        s.write_all(piece.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(30));
    }
    let r = response(&mut s, &mut pending, false);
    assert_eq!((r.status, &r.body), (200, &rss.body));
    assert_eq!(r.header("connection"), None);
    // Kept alive: a second request on it, which asks to close.
    s.write_all(b"GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let r = response(&mut s, &mut pending, false);
    assert_eq!((r.status, &r.body), (200, &rss.body));
    assert_eq!(r.header("connection"), Some("close"));
    assert!(closed(&mut s), "not closed after Connection: close");

    // HTTP/1.0 closes unless asked to keep alive.
    let mut s = connect(&d);
    s.write_all(b"GET /feed.rss HTTP/1.0\r\n\r\n").unwrap();
    let r = response(&mut s, &mut Vec::new(), false);
    assert_eq!((r.status, &r.body), (200, &rss.body));
    assert!(closed(&mut s), "HTTP/1.0 without keep-alive not closed");
    let mut s = connect(&d);
    s.write_all(b"GET /feed.rss HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    let mut pending = Vec::new();
    let r = response(&mut s, &mut pending, false);
    assert_eq!(r.header("connection"), Some("keep-alive"));
    s.write_all(b"HEAD /feed.rss HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    assert_eq!(response(&mut s, &mut pending, true).status, 200);
}

#[test]
fn a_request_with_a_body_hands_the_connection_to_hyper() {
    let site = TempStore::new();
    let d = site.start();
    let rss = d.get("/feed.rss", &[]);
    let mut s = connect(&d);
    s.write_all(
        b"GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\
          POST /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello\
          GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc",
    )
    .unwrap();
    let mut pending = Vec::new();
    let r = response(&mut s, &mut pending, false);
    assert_eq!((r.status, &r.body), (200, &rss.body));
    let r = response(&mut s, &mut pending, false);
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    // The body was read as a body, not as a request.
    let r = response(&mut s, &mut pending, false);
    assert_eq!((r.status, &r.body), (200, &rss.body));
    // And hyper keeps the connection for more.
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    assert_eq!(response(&mut s, &mut pending, false).status, 200);
}

#[test]
fn a_body_not_read_is_said_to_close_the_connection() {
    let site = TempStore::new();
    let d = site.start();
    // A body read whole (even chunked) keeps the connection, as above; one
    // too large to be read, or one the client waits to be asked for, is not
    // read, and the response says the connection ends (RFC 9112 §9.6, RFC
    // 9110 §10.1.1): over HTTP/1.0 asking to be kept alive too, `close`,
    // never `keep-alive`.
    // The body comes after the head is answered by the route: hyper alone
    // would close the connection then, with the body unread.
    let bodies: [(&[u8], &[u8]); 2] = [
        (
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"5\r\nhello\r\n0\r\n\r\n",
        ),
        (
            b"POST /feed.rss HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\n",
            b"hello",
        ),
    ];
    for (head, body) in bodies {
        let shown = String::from_utf8_lossy(head);
        let mut s = connect(&d);
        s.write_all(head).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        s.write_all(body).unwrap();
        let mut pending = Vec::new();
        let r = response(&mut s, &mut pending, false);
        assert_ne!(r.header("connection"), Some("close"), "{shown}");
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let r = response(&mut s, &mut pending, false);
        assert_eq!(r.status, 200, "after {shown}");
    }
    // A chunked body read past 64 KiB is given up.
    let mut s = connect(&d);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "x".repeat(16 * 1024));
    for _ in 0..5 {
        s.write_all(chunk.as_bytes()).unwrap();
    }
    let r = response(&mut s, &mut Vec::new(), false);
    assert_eq!((r.status, r.header("connection")), (200, Some("close")));
    assert!(closed(&mut s));
    let heads: [&[u8]; 4] = [
        b"POST /feed.rss HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 70000\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        b"PUT /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n",
    ];
    for head in heads {
        let shown = String::from_utf8_lossy(head);
        let (r, closed) = ask(&d, head);
        assert_ne!(r.status, 100, "{shown}");
        assert_eq!(r.header("connection"), Some("close"), "{shown}");
        assert!(closed, "not closed after: {shown}");
    }
}

#[test]
fn targets_and_transfer_codings_a_get_cannot_have_are_refused() {
    let site = TempStore::new();
    let d = site.start();
    let ask = |request: &[u8]| {
        let (r, closed) = ask(&d, request);
        (r.status, closed)
    };
    // RFC 9112 §3.2: the authority form is CONNECT's, the asterisk OPTIONS's.
    assert_eq!(
        ask(b"GET 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").0,
        400
    );
    assert_eq!(
        ask(b"GET * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").0,
        400
    );
    // The absolute form is every request's (§3.2.2).
    assert_eq!(
        ask(b"GET http://127.0.0.1/feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").0,
        200
    );
    // §6.1: a transfer coding the server does not know is 501, and the
    // connection ends, since the body it frames cannot be read.
    let (status, closed) = ask(
        b"GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    );
    assert_eq!((status, closed), (501, true));
    // Chunked alone (with a parameter-free empty body) is read and answered.
    let mut s = connect(&d);
    s.write_all(
        b"GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    )
    .unwrap();
    assert_eq!(response(&mut s, &mut Vec::new(), false).status, 200);
}

#[test]
fn heads_the_server_cannot_read_are_refused_in_its_own_words() {
    let site = TempStore::new();
    let d = site.start();
    let ask = |request: &[u8]| ask(&d, request);
    // RFC 9110 §2.5: a higher minor version of HTTP/1 is served as HTTP/1.1,
    // and the connection persists as HTTP/1.1's does.
    let mut s = connect(&d);
    s.write_all(b"GET /feed.rss HTTP/1.7\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut pending = Vec::new();
    let r = response(&mut s, &mut pending, false);
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with(b"<?xml"));
    s.write_all(b"GET /healthz HTTP/1.9\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    assert_eq!(response(&mut s, &mut pending, false).status, 200);
    // §15.6.6: another major version (not HTTP/2's preface) is 505; a head
    // outside RFC 9112's grammar is 400. Each in words, not to be stored,
    // and the connection ends: what follows cannot be framed.
    let refused: [(&[u8], u16); 5] = [
        (b"GET /feed.rss HTTP/3.0\r\nHost: 127.0.0.1\r\n\r\n", 505),
        (b"GET /feed.rss HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505),
        (b"GET /fe ed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
        (b"GET /feed.rss HTTP/1.1\r\nHo st: 127.0.0.1\r\n\r\n", 400),
        // Obsolete line folding (RFC 9112 §5.2).
        (
            b"GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n folded\r\n\r\n",
            400,
        ),
    ];
    for (request, status) in refused {
        let (r, closed) = ask(request);
        let shown = String::from_utf8_lossy(request);
        assert_eq!((r.status, closed), (status, true), "{shown}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{shown}");
        assert_eq!(r.header("connection"), Some("close"), "{shown}");
        assert_eq!(
            r.header("content-type"),
            Some("text/plain; charset=utf-8"),
            "{shown}"
        );
        let text = String::from_utf8(r.body).unwrap();
        let words = if status == 505 {
            "http version not supported"
        } else {
            "bad request"
        };
        assert!(text.starts_with(words), "{shown}: {text}");
    }
    // Counted with every other request.
    let count = |status: &str| {
        d.metric(&format!(
            "bantin_http_requests_total{{route=\"bad_request\",status=\"{status}\"}}"
        ))
    };
    assert_eq!((count("400"), count("505")), (Some(3.0), Some(2.0)));
    // HTTP/2's preface is still HTTP/2's (RFC 9113 §3.4): a SETTINGS frame back.
    let mut s = connect(&d);
    s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .unwrap();
    let mut frame = [0; 9];
    s.read_exact(&mut frame).unwrap();
    assert_eq!(frame[3], 0x4, "a SETTINGS frame: {frame:?}");
    // RFC 9112 §7: chunked is applied once; twice is 400, and the connection ends.
    let (r, closed) = ask(
        b"GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
    );
    assert_eq!((r.status, closed), (400, true));
}

/// Asserts that `r` is `status` with a line of text starting with `words`,
/// not to be stored (`shown`: the request, for the failure message).
fn in_its_own_words(r: &Reply, status: u16, words: &str, shown: &str) {
    assert_eq!(r.status, status, "{shown}");
    assert_eq!(r.header("cache-control"), Some("no-store"), "{shown}");
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; charset=utf-8"),
        "{shown}"
    );
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(text.starts_with(words), "{shown}: {text}");
    assert!(
        text.ends_with('\n') && text.lines().count() == 1,
        "{shown}: {text}"
    );
}

#[test]
fn faulty_framing_is_refused_in_its_own_words_and_closes() {
    let site = TempStore::new();
    let d = site.start();
    let long_method = format!(
        "{} /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "A".repeat(20_000)
    );
    // RFC 9110 §8.6, RFC 9112 §6.1, §6.3 items 3–5, §3 (the method).
    let refused: [(&[u8], u16, &str); 10] = [
        (
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello",
            400,
            "bad request: Content-Length given twice with different values",
        ),
        (
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0, 0\r\n\r\n",
            400,
            "bad request: Content-Length must be one number of bytes in decimal digits",
        ),
        (
            b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: +5\r\n\r\nhello",
            400,
            "bad request: Content-Length must be one number of bytes in decimal digits",
        ),
        (
            b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: xchunked\r\n\r\n",
            400,
            "bad request: Transfer-Encoding must end with chunked",
        ),
        (
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            400,
            "bad request: Transfer-Encoding must end with chunked",
        ),
        (
            b"GET /healthz HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            "bad request: Transfer-Encoding is not allowed in an HTTP/1.0 request",
        ),
        (
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
            400,
            "bad request: the chunked transfer coding is applied more than once",
        ),
        (
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            501,
            "transfer coding not implemented",
        ),
        (
            long_method.as_bytes(),
            501,
            "method not implemented: this server answers GET and HEAD",
        ),
        // RFC 9110 §4.2.1: an http URI with an empty host is invalid.
        (
            b"GET http:///healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            400,
            "bad request: the target is not a path or an absolute URL with a host",
        ),
    ];
    for (request, status, words) in refused {
        let shown = String::from_utf8_lossy(&request[..request.len().min(120)]);
        let (r, closed) = ask(&d, request);
        in_its_own_words(&r, status, words, &shown);
        assert_eq!(r.header("connection"), Some("close"), "{shown}");
        assert!(closed, "not closed after: {shown}");
        // A HEAD refused so has the GET's head and no body (RFC 9110 §9.3.2),
        // also after the empty lines a request may follow (RFC 9112 §2.2).
        let Some(rest) = request.strip_prefix(b"GET ") else {
            continue;
        };
        let mut s = connect(&d);
        s.write_all(&[b"\r\nHEAD ".as_slice(), rest].concat())
            .unwrap();
        let mut pending = Vec::new();
        let head = response(&mut s, &mut pending, true);
        assert_eq!(head.status, r.status, "HEAD {shown}");
        assert_eq!(
            head.header("content-length"),
            r.header("content-length"),
            "HEAD {shown}"
        );
        let mut after = Vec::new();
        s.read_to_end(&mut after).unwrap();
        assert!(
            pending.is_empty() && after.is_empty(),
            "HEAD {shown}: {after:?}"
        );
    }
}

#[test]
fn a_request_smuggled_in_a_body_is_never_answered() {
    let site = TempStore::new();
    let d = site.start();
    // RFC 9112 §6.3 item 3, §11.2: read by Content-Length, the body is 5
    // bytes and a GET follows; read as chunked, the body ends at once and the
    // GET of /healthz is a request of its own. Neither reading is taken.
    let inner = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let mut s = connect(&d);
    let smuggling = format!(
        "GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\
         POST /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\
         Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n{inner}"
    );
    s.write_all(smuggling.as_bytes()).unwrap();
    let mut pending = Vec::new();
    assert_eq!(response(&mut s, &mut pending, false).status, 200);
    let r = response(&mut s, &mut pending, false);
    in_its_own_words(
        &r,
        400,
        "bad request: Content-Length and Transfer-Encoding given together",
        "CL.TE",
    );
    // Then the end of the stream: nothing answers the GET inside the body.
    s.read_to_end(&mut pending).unwrap();
    assert!(
        pending.is_empty(),
        "answered after the refusal: {}",
        String::from_utf8_lossy(&pending)
    );
}

#[test]
fn heads_hyper_reads_after_a_body_are_judged_by_the_same_rules() {
    let site = TempStore::new();
    let d = site.start();
    let mut s = connect(&d);
    // The body hands the connection to hyper; the next head is hyper's to
    // parse. Its framing is one hyper reads; the route refuses it.
    s.write_all(
        b"POST /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello\
          GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n\
          GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    )
    .unwrap();
    let mut pending = Vec::new();
    assert_eq!(response(&mut s, &mut pending, false).status, 405);
    let r = response(&mut s, &mut pending, false);
    in_its_own_words(
        &r,
        400,
        "bad request: the chunked transfer coding is applied more than once",
        "chunked twice",
    );
    assert_eq!(r.header("connection"), Some("close"));
    s.read_to_end(&mut pending).unwrap();
    assert!(pending.is_empty(), "{}", String::from_utf8_lossy(&pending));
}

#[test]
fn a_target_of_another_scheme_is_misdirected() {
    let site = TempStore::new();
    let d = site.start();
    let mut s = connect(&d);
    // RFC 9110 §7.4, §15.5.20: 421, in words; the framing is sound, so the
    // connection stays for the next request.
    s.write_all(b"GET ftp://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut pending = Vec::new();
    let r = response(&mut s, &mut pending, false);
    in_its_own_words(
        &r,
        421,
        "misdirected request: this server serves http and https URLs only",
        "ftp",
    );
    // `https` in absolute form over this cleartext listener is served: it is
    // the scheme of the public URL behind a TLS proxy (`base_url`).
    for scheme in ["https", "http", "HTTPS"] {
        let request = format!("GET {scheme}://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        s.write_all(request.as_bytes()).unwrap();
        assert_eq!(
            response(&mut s, &mut pending, false).status,
            200,
            "{scheme}"
        );
    }
    // HTTP/2's `:scheme` is held to the same: `https` through a
    // TLS-terminating proxy is served, another scheme is not.
    let port = d.port;
    let answers = within_limit(async move {
        use http_body_util::BodyExt;
        let mut send = http2_client(port).await;
        let mut answers = Vec::new();
        for scheme in ["ftp", "https", "http"] {
            let req = http::Request::get(format!("{scheme}://127.0.0.1:{port}/healthz"))
                .body(http_body_util::Empty::<bytes::Bytes>::new())
                .unwrap();
            let r = send.send_request(req).await.unwrap();
            let status = r.status().as_u16();
            let store = r.headers().get("cache-control").cloned();
            let body = r.into_body().collect().await.unwrap().to_bytes();
            answers.push((status, store, String::from_utf8(body.to_vec()).unwrap()));
        }
        answers
    });
    assert_eq!(answers[0].0, 421, "{answers:?}");
    assert_eq!(answers[0].1.as_ref().unwrap(), "no-store");
    assert!(
        answers[0].2.starts_with("misdirected request"),
        "{answers:?}"
    );
    assert_eq!((answers[1].0, answers[2].0), (200, 200), "{answers:?}");
}

/// An HTTP/2 (prior knowledge) client of the daemon on `port`.
async fn http2_client(
    port: u16,
) -> hyper::client::conn::http2::SendRequest<http_body_util::Empty<bytes::Bytes>> {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let io = hyper_util::rt::TokioIo::new(stream);
    let (send, conn) =
        hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
            .await
            .unwrap();
    tokio::spawn(conn);
    send
}

/// The status of a GET of each `uri` (with a Host field where one is
/// given) on one HTTP/2 connection to `port`.
fn http2_statuses(port: u16, requests: &[(&str, Option<&str>)]) -> Vec<u16> {
    let requests: Vec<(String, Option<String>)> = requests
        .iter()
        .map(|(uri, host)| (uri.to_string(), host.map(str::to_owned)))
        .collect();
    within_limit(async move {
        let mut send = http2_client(port).await;
        let mut statuses = Vec::new();
        for (uri, host) in requests {
            let mut req = http::Request::get(uri.as_str());
            if let Some(host) = host {
                req = req.header("host", host);
            }
            let req = req
                .body(http_body_util::Empty::<bytes::Bytes>::new())
                .unwrap();
            statuses.push(send.send_request(req).await.unwrap().status().as_u16());
        }
        statuses
    })
}

/// Runs `client` to its end on a runtime of its own, failing the test if
/// that takes more than [`LIMIT`].
fn within_limit<T>(client: impl std::future::Future<Output = T>) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { tokio::time::timeout(LIMIT, client).await.unwrap() })
}

#[test]
fn http2_with_prior_knowledge_is_served_by_hyper() {
    let site = TempStore::new();
    let d = site.start();
    let port = d.port;
    let (status, version, body) = within_limit(async move {
        use http_body_util::BodyExt;
        let mut send = http2_client(port).await;
        let req = http::Request::get(format!("http://127.0.0.1:{port}/feed.rss"))
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .unwrap();
        let r = send.send_request(req).await.unwrap();
        let (status, version) = (r.status(), r.version());
        let body = r.into_body().collect().await.unwrap().to_bytes();
        // A head of 40 KB is within the 64 KiB head limit on HTTP/2 too.
        let req = http::Request::get(format!("http://127.0.0.1:{port}/feed.rss"))
            .header("cookie", "a".repeat(40_000))
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .unwrap();
        let big = send.send_request(req).await.unwrap().status();
        assert_eq!(big, 200, "a 40 KB head over HTTP/2");
        (status, version, body)
    });
    assert_eq!(status, 200);
    assert_eq!(version, http::Version::HTTP_2);
    // hyper sends it from memory: no sealed copy is made for it.
    assert!(memfds(&d).is_empty());
    assert_eq!(body, d.get("/feed.rss", &[]).body);
}

/// The memfds the daemon holds, with their bytes (read through
/// `/proc/PID/fd`, as the kernel sends them).
fn memfds(d: &Daemon) -> Vec<Vec<u8>> {
    held_files(d, |target| target.starts_with("/memfd:bantin-body"))
}

/// The files the daemon holds whose `/proc/PID/fd` link `is` names, with
/// their bytes.
fn held_files(d: &Daemon, is: impl Fn(&str) -> bool) -> Vec<Vec<u8>> {
    let dir = format!("/proc/{}/fd", d.pid().as_raw_nonzero());
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(target) = std::fs::read_link(&path) else {
            continue;
        };
        if is(&target.to_string_lossy()) {
            found.push(std::fs::read(&path).unwrap());
        }
    }
    found
}

/// The unnamed files (`O_TMPFILE`) the daemon holds in `dir`, with their bytes:
/// `/proc` shows each as `<dir>/#<inode> (deleted)`.
fn unnamed_files_in(d: &Daemon, dir: &std::path::Path) -> Vec<Vec<u8>> {
    let prefix = format!("{}/#", dir.display());
    held_files(d, |target| {
        target.starts_with(&prefix) && target.ends_with(" (deleted)")
    })
}

#[test]
fn with_a_body_folder_large_bodies_are_sent_from_unnamed_files_in_it() {
    // Set in the config file, and given by systemd's `CacheDirectory=`.
    let bodies = tempfile::tempdir().unwrap();
    let quoted = toml::Value::String(bodies.path().to_str().unwrap().to_owned());
    let by_key = TempStore::with_config(&format!("[http]\nbody_dir = {quoted}\n"));
    let by_systemd = TempStore::new();
    // March 2024's archive is rendered on request (hyper's response, written
    // by the fast path); a long article makes it large enough to be sent from
    // a copy.
    let long = "Tin tức tổng hợp trong tháng. ".repeat(800);
    for site in [&by_key, &by_systemd] {
        std::fs::write(
            site.store().join("tin-tuc/tong-hop/bao-cao-dai.txt"),
            format!("Trang nhất » Tin Tức\n\nBáo cáo dài\n\nThứ Năm - 14/03/2024 08:00\n{long}\n"),
        )
        .unwrap();
    }
    let daemons = [
        by_key.start(),
        Daemon::spawn(
            &["--config".as_ref(), by_systemd.config().as_os_str()],
            &common::Launch {
                env: vec![("CACHE_DIRECTORY", bodies.path().into())],
                ..common::Launch::default()
            },
        )
        .listening(LIMIT, LIMIT),
    ];
    for d in &daemons {
        d.log_line(&format!("unnamed files in {}", bodies.path().display()));

        let identity = d.raw("GET", "/feed.rss", &[]);
        assert_eq!(identity.status, 200);
        assert_eq!(identity.expect_header("etag"), etag_of(&identity.body));
        assert!(identity.body.len() >= 16 * 1024, "{}", identity.body.len());
        d.wait_until("a file in the folder holding /feed.rss", || {
            unnamed_files_in(d, bodies.path()).contains(&identity.body)
        });
        let copies = unnamed_files_in(d, bodies.path());
        assert!(memfds(d).is_empty(), "a memfd as well");
        assert_eq!(d.raw("GET", "/feed.rss", &[]).body, identity.body);
        assert_eq!(unnamed_files_in(d, bodies.path()).len(), copies.len());
        // The archive's copy goes to the folder too.
        let archive = d.raw("GET", "/archive/2024-03.rss", &[]);
        assert_eq!(archive.status, 200);
        assert!(archive.body.len() >= 16 * 1024, "{}", archive.body.len());
        // Asked again while waiting: a render that found a file changed
        // since the scan is served once and not kept, nor is its copy.
        d.wait_until("a file in the folder holding the archive", || {
            let held = unnamed_files_in(d, bodies.path()).contains(&archive.body);
            if !held {
                assert_eq!(d.raw("GET", "/archive/2024-03.rss", &[]).body, archive.body);
            }
            held
        });
    }
    // Unnamed: nothing to list, nothing left behind.
    assert_eq!(std::fs::read_dir(bodies.path()).unwrap().count(), 0);
}

#[test]
fn a_body_folder_that_cannot_take_files_stops_the_daemon_with_64() {
    let site = TempStore::with_config("[http]\nbody_dir = \"no-such-folder\"\n");
    let (status, stderr) = Daemon::spawn(
        &["--config".as_ref(), site.config().as_os_str()],
        &common::Launch::default(),
    )
    .wait(LIMIT);
    assert_eq!(status.and_then(|s| s.code()), Some(64), "{stderr}");
    assert!(
        stderr.contains("[http] body_dir = ")
            && stderr.contains("no-such-folder")
            && stderr.contains("create it"),
        "{stderr}"
    );
}

#[test]
fn large_bodies_are_sent_from_sealed_copies_of_their_etagged_bytes() {
    let site = TempStore::new();
    let d = site.start();
    let identity = d.raw("GET", "/feed.rss", &[]);
    let gzip = d.raw("GET", "/feed.atom", &[("Accept-Encoding", "gzip")]);
    for r in [&identity, &gzip] {
        assert_eq!(r.status, 200);
        assert_eq!(r.expect_header("etag"), etag_of(&r.body));
        let length: usize = r.expect_header("content-length").parse().unwrap();
        assert_eq!(length, r.body.len());
    }
    assert!(identity.body.len() >= 16 * 1024, "{}", identity.body.len());
    // Each large body served gets one sealed copy, holding exactly its
    // bytes, made on the blocking pool after its first response.
    let mut wanted = vec![identity.body.clone()];
    if gzip.body.len() >= 16 * 1024 {
        wanted.push(gzip.body.clone());
    }
    d.wait_until("a memfd copy of each large body", || {
        let copies = memfds(&d);
        wanted.iter().all(|body| copies.contains(body))
    });
    let copies = memfds(&d);
    // Served again, from the copy: the same bytes, and no other copy.
    assert_eq!(d.raw("GET", "/feed.rss", &[]).body, identity.body);
    assert_eq!(memfds(&d).len(), copies.len());
}

#[test]
fn a_kept_alive_connection_gets_the_header_timeout_between_requests() {
    let site = TempStore::with_config("[http]\nheader_timeout_secs = 1\n");
    let d = site.start();
    let mut s = connect(&d);
    let mut pending = Vec::new();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    assert_eq!(response(&mut s, &mut pending, false).status, 200);
    // Half a head, then nothing: closed about a second after the response.
    s.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
    let started = std::time::Instant::now();
    assert!(closed(&mut s), "still open after {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A response head's fields in order, without `Date` (a clock reading) and
/// `Connection` (framing: where each server puts it is its own).
fn fields_of(r: &Reply) -> Vec<(String, String)> {
    r.headers
        .iter()
        .filter(|(k, _)| k != "date" && k != "connection")
        .cloned()
        .collect()
}

#[test]
fn a_feeds_heads_from_the_fast_path_are_hypers() {
    // Hubs, so feeds carry a `Link` header too.
    let site = TempStore::with_config(
        "[site]\nbase_url = \"https://tin.example.vn\"\n[websub]\nhubs = [\"https://hub.example.vn/\"]\n",
    );
    let d = site.start();
    let settled = d.get_settled("/feed.rss");
    assert!(settled.header("link").is_some());
    // An absolute-form target is hyper's; an origin-form one the fast path's.
    let hyper_target = format!("http://127.0.0.1:{}/feed.rss", d.port);
    for accept in ["identity", "gzip", "br"] {
        let etag = d
            .get("/feed.rss", &[("accept-encoding", accept)])
            .header("etag")
            .unwrap()
            .to_owned();
        for (method, inm, status) in [
            ("GET", "\"other\"", 200),
            ("HEAD", "\"other\"", 200),
            ("GET", etag.as_str(), 304),
            ("HEAD", etag.as_str(), 304),
        ] {
            let headers = [("accept-encoding", accept), ("if-none-match", inm)];
            let fast = d.raw(method, "/feed.rss", &headers);
            let hyper = d.raw(method, &hyper_target, &headers);
            let what = format!("{method} {accept} {inm}");
            assert_eq!(fast.status, status, "{what}");
            assert_eq!(hyper.status, status, "{what}");
            assert_eq!(fields_of(&fast), fields_of(&hyper), "{what}");
            assert_eq!(fast.body, hyper.body, "{what}");
        }
    }
}

/// Limited to one core (as `taskset` or systemd's `CPUAffinity=` does), the
/// daemon runs the current-thread scheduler, and still answers feeds, 304s and
/// pipelined requests on the fast path, a request with a body through hyper,
/// and follows a change to the store.
#[test]
fn on_one_core_the_daemon_serves_and_follows_changes() {
    use common::Launch;
    use std::ffi::OsString;
    if std::process::Command::new("taskset")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: taskset (util-linux) is not installed");
        return;
    }
    let site = TempStore::new();
    let launch = Launch {
        wrapper: ["taskset", "-c", "0"].map(OsString::from).to_vec(),
        ..Launch::default()
    };
    let config = site.config();
    let spawned = Daemon::spawn(&["--config".as_ref(), config.as_os_str()], &launch);
    assert!(
        spawned.stderr_contains("current-thread scheduler", LIMIT),
        "{}",
        spawned.stderr()
    );
    let d = spawned.listening(LIMIT, LIMIT);
    let first = d.get("/feed.rss", &[]);
    assert_eq!(first.status, 200);
    let etag = first.header("etag").unwrap().to_owned();
    assert_eq!(d.get("/feed.rss", &[("If-None-Match", &etag)]).status, 304);
    let mut s = connect(&d);
    let mut pending = Vec::new();
    s.write_all(
        b"GET /feed.atom HTTP/1.1\r\nHost: a\r\n\r\nHEAD /feed.json HTTP/1.1\r\nHost: a\r\n\r\n",
    )
    .unwrap();
    assert_eq!(response(&mut s, &mut pending, false).status, 200);
    assert_eq!(response(&mut s, &mut pending, true).status, 200);
    let mut s = connect(&d);
    let mut pending = Vec::new();
    s.write_all(b"POST /feed.rss HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab")
        .unwrap();
    assert_eq!(response(&mut s, &mut pending, false).status, 405);

    std::fs::write(
        site.store().join("thong-bao/mot-loi.txt"),
        "Trang nhất » Thông báo\n\nThông báo trên một lõi\n\nThứ hai - 10/05/2027 15:33\nMột thông báo mới.\n",
    )
    .unwrap();
    let deadline = std::time::Instant::now() + LIMIT;
    loop {
        let r = d.get("/feed.rss", &[]);
        if r.header("etag") != Some(etag.as_str()) {
            assert!(String::from_utf8_lossy(&r.body).contains("Thông báo trên một lõi"));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the change was not served"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn at_shutdown_an_idle_connection_closes_at_once_and_a_begun_head_is_answered() {
    // A grace period far longer than the test allows: waiting on the idle
    // connection would show.
    let site = TempStore::with_config("[http]\nshutdown_grace_secs = 60\n");
    let mut d = site.start();
    let mut idle = connect(&d);
    let mut pending = Vec::new();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    assert_eq!(response(&mut idle, &mut pending, false).status, 200);
    let mut begun = connect(&d);
    begun.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
    // The server reads the half head before it is told to stop.
    std::thread::sleep(Duration::from_millis(300));
    let started = std::time::Instant::now();
    d.terminate();
    assert!(closed(&mut idle), "the idle connection is still open");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The begun head is read to its end and answered, as the last response.
    begun.write_all(b"st: 127.0.0.1\r\n\r\n").unwrap();
    let mut pending = Vec::new();
    let last = response(&mut begun, &mut pending, false);
    assert_eq!(last.status, 200);
    assert!(
        last.headers
            .contains(&("connection".into(), "close".into())),
        "{:?}",
        last.headers
    );
    assert!(closed(&mut begun));
    let status = d
        .wait(Duration::from_secs(10))
        .unwrap_or_else(|| panic!("still running after SIGTERM:\n{}", d.stderr()));
    assert_eq!(status.code(), Some(0), "{}", d.stderr());
}

/// Runs the daemon of `site` under `prlimit` with the open-file limit `soft`:`hard`.
fn under_nofile_limit(site: &TempStore, soft: u64, hard: u64) -> Option<Daemon> {
    use std::ffi::OsString;
    if std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: prlimit (util-linux) is not installed");
        return None;
    }
    let launch = common::Launch {
        wrapper: vec![
            OsString::from("prlimit"),
            OsString::from(format!("--nofile={soft}:{hard}")),
            OsString::from("--"),
        ],
        ..common::Launch::default()
    };
    let config = site.config();
    let spawned = Daemon::spawn(&["--config".as_ref(), config.as_os_str()], &launch);
    Some(spawned.listening(LIMIT, LIMIT))
}

/// The soft and hard open-file limits of the daemon's process.
fn nofile_limits(d: &Daemon) -> (u64, u64) {
    let limits =
        std::fs::read_to_string(format!("/proc/{}/limits", d.pid().as_raw_nonzero())).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let figures: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (figures[0], figures[1])
}

#[test]
fn the_open_file_limit_is_raised_to_the_hard_one_at_start() {
    let site = TempStore::new();
    let Some(d) = under_nofile_limit(&site, 200, 4096) else {
        return;
    };
    d.log_line("open files: up to 4096 (soft limit raised from 200 to the hard limit)");
    assert_eq!(nofile_limits(&d), (4096, 4096));
    // The defaults' 1024 connections and bantin's own files fit: no warning.
    assert!(
        !d.stderr().contains("max_connections = 1024"),
        "{}",
        d.stderr()
    );

    // A hard limit too low for them: said at start, with what to do.
    let Some(d) = under_nofile_limit(&site, 512, 512) else {
        return;
    };
    let warning = d.log_line("max_connections = 1024");
    assert!(
        warning.contains("WARN")
            && warning.contains("limit is 512")
            && warning.contains("LimitNOFILE="),
        "{warning}"
    );
    assert_eq!(d.raw("GET", "/healthz", &[]).status, 200);
}

#[test]
fn body_copies_never_take_the_open_files_connections_need() {
    // 60 months of one long article each: 360 large archives (the site's
    // and the category's, in three formats), rendered on request and each
    // given a copy when sent, against a limit of 256 open files.
    let site = TempStore::with_config("[http]\nmax_connections = 16\n");
    let long = "Tin tức tổng hợp trong tháng, kèm số liệu chi tiết. ".repeat(450);
    for n in 0..60 {
        let (year, month) = (2019 + n / 12, 1 + n % 12);
        std::fs::write(
            site.store()
                .join(format!("tin-tuc/tong-hop/bao-cao-{year}-{month:02}.txt")),
            format!(
                "Trang nhất » Tin Tức\n\nBáo cáo tháng {month}/{year}\n\n\
                 15/{month:02}/{year} 08:00\n{long}\n"
            ),
        )
        .unwrap();
    }
    let Some(d) = under_nofile_limit(&site, 256, 256) else {
        return;
    };
    d.log_line("open files: up to 256");
    // What 16 connections (two descriptors each at most) and bantin's own
    // 128 leave of 256.
    let allowed = 256 - 2 * 16 - 128;
    let mut large = 0;
    for n in 0..60 {
        let (year, month) = (2019 + n / 12, 1 + n % 12);
        for chain in ["", "tin-tuc/"] {
            for format in ["rss", "atom", "json"] {
                let path = format!("/archive/{chain}{year}-{month:02}.{format}");
                let r = d.raw("GET", &path, &[]);
                assert_eq!(r.status, 200, "{path}");
                assert!(r.body.len() >= 16 * 1024, "{path}: {}", r.body.len());
                large += 1;
            }
        }
    }
    assert!(
        large > allowed,
        "{large} large bodies, {allowed} copies allowed"
    );
    // Copies are made on the blocking pool after each body's first
    // response; they stop at the budget, and say so once.
    d.log_line(&format!(
        "body copies hold their share of open files ({allowed})"
    ));
    d.wait_until("copies up to the budget", || {
        d.metric("bantin_body_copies") == Some(allowed as f64) && memfds(&d).len() == allowed
    });
    assert!(d.metric("bantin_body_copy_bytes").unwrap() >= (allowed * 16 * 1024) as f64);
    // Every connection the config allows is accepted and answered while
    // they are held, and the site still follows the store.
    let mut held: Vec<TcpStream> = (0..16).map(|_| connect(&d)).collect();
    for s in &mut held {
        s.write_all(b"GET /archive/2019-01.rss HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
    }
    for s in &mut held {
        let r = response(s, &mut Vec::new(), false);
        assert_eq!(r.status, 200);
    }
    drop(held);
    assert_eq!(memfds(&d).len(), allowed, "copies past the budget");
    assert_eq!(d.raw("GET", "/healthz", &[]).status, 200);

    // Fewer connections on reload leave no more for copies: those accepted
    // under the larger cap may still be open. The last three months' 18
    // archives have no copies (the budget went to the first months'), and
    // get none.
    std::fs::write(
        site.config(),
        std::fs::read_to_string(site.config())
            .unwrap()
            .replace("max_connections = 16", "max_connections = 8"),
    )
    .unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.log_line("configuration reloaded");
    for month in ["2023-10", "2023-11", "2023-12"] {
        for format in ["rss", "atom", "json"] {
            assert_eq!(
                d.raw("GET", &format!("/archive/tin-tuc/{month}.{format}"), &[])
                    .status,
                200
            );
            assert_eq!(
                d.raw("GET", &format!("/archive/{month}.{format}"), &[])
                    .status,
                200
            );
        }
    }
    // Copies are made on the blocking pool: give any that were wrongly
    // allowed the time to show.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(d.metric("bantin_body_copies"), Some(allowed as f64));
    assert_eq!(memfds(&d).len(), allowed);
}

#[test]
fn over_http2_the_target_limit_and_host_checks_are_http1s() {
    let site = TempStore::new();
    let d = site.start();
    let port = d.port;
    // A long authority is not part of the target: `:path` alone is.
    let long_host = format!("{}.example", "a".repeat(200));
    let query = |len: usize| format!("/feed.atom?{}", "a".repeat(len - 11));
    let statuses = http2_statuses(
        port,
        &[
            (&format!("http://{long_host}{}", query(8192)), None),
            (&format!("http://{long_host}{}", query(8193)), None),
            ("http://user@127.0.0.1/feed.atom", None),
            ("http://127.0.0.1/feed.atom", Some("127.0.0.1")),
            ("http://127.0.0.1/feed.atom", Some("other.example")),
        ],
    );
    assert_eq!(statuses, [200, 414, 400, 200, 400]);

    // RFC 9113 §8.3.1: `:authority` or a Host, not empty; a Host beside
    // `:authority` names the same once normalised (letter case, the
    // scheme's port written out or not).
    let statuses = http2_statuses(
        port,
        &[
            ("/feed.atom", None),
            ("/feed.atom", Some("")),
            ("/feed.atom", Some("127.0.0.1")),
            ("http://127.0.0.1:80/feed.atom", Some("127.0.0.1")),
            ("http://127.0.0.1/feed.atom", Some("127.0.0.1:80")),
            ("http://LOCALHOST/feed.atom", Some("localhost")),
            ("https://127.0.0.1/feed.atom", Some("127.0.0.1:443")),
            ("http://127.0.0.1/feed.atom", Some("127.0.0.1:8080")),
            ("https://127.0.0.1/feed.atom", Some("127.0.0.1:80")),
            ("http://[::1]:80/feed.atom", Some("[::1]")),
            ("http://127.0.0.1/feed.atom", Some("127.0.0.1:")),
            ("http://127.0.0.1/feed.atom", Some("user@127.0.0.1")),
            ("http://127.0.0.1/feed.atom", Some("127.0.0.1:xyz")),
            ("http://127.0.0.1/feed.atom", Some("127.0.0.1:99999")),
        ],
    );
    assert_eq!(
        statuses,
        [400, 400, 200, 200, 200, 200, 200, 400, 400, 200, 200, 400, 400, 400]
    );

    // RFC 9110 §9.3.2: a HEAD refused before it is routed has no content
    // either; over HTTP/2 content would be a stream error, and the client
    // would never see the status.
    let long = format!("/{}", "a".repeat(9000));
    let refused = within_limit(async move {
        let mut send = http2_client(port).await;
        let mut refused = Vec::new();
        let bad_host = "bad request: missing or invalid Host\n";
        for (uri, host, text) in [
            (format!("http://127.0.0.1{long}"), None, "uri too long\n"),
            ("http://user@127.0.0.1/feed.atom".to_owned(), None, bad_host),
            (
                "ftp://127.0.0.1/feed.atom".to_owned(),
                None,
                "misdirected request: this server serves http and https URLs only\n",
            ),
            (
                "http://127.0.0.1/feed.atom".to_owned(),
                Some("other.example"),
                bad_host,
            ),
        ] {
            let mut req = http::Request::head(uri.as_str());
            if let Some(host) = host {
                req = req.header("host", host);
            }
            let req = req
                .body(http_body_util::Empty::<bytes::Bytes>::new())
                .unwrap();
            let response = send.send_request(req).await.unwrap();
            let status = response.status().as_u16();
            let length = response.headers()["content-length"]
                .to_str()
                .unwrap()
                .to_owned();
            let body = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            assert!(
                body.is_empty(),
                "HEAD {uri}: {status} with content {body:?}"
            );
            assert_eq!(
                length,
                text.len().to_string(),
                "HEAD {uri}: the GET's length"
            );
            refused.push(status);
        }
        refused
    });
    assert_eq!(refused, [414, 400, 421, 400]);

    // HTTP/1.1: an absolute-form target with userinfo is refused as such a
    // Host is.
    let mut s = connect(&d);
    s.write_all(b"GET http://user@127.0.0.1/feed.atom HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    assert_eq!(response(&mut s, &mut Vec::new(), false).status, 400);
}

#[test]
fn health_and_metrics_answer_their_preconditions() {
    let site = TempStore::new();
    let d = site.start();
    for path in ["/healthz", "/metrics"] {
        let failed = d.raw("GET", path, &[("If-Match", "\"zz\"")]);
        assert_eq!(failed.status, 412, "{path}");
        assert_eq!(failed.expect_header("cache-control"), "no-store");
        assert_eq!(d.raw("GET", path, &[("If-Match", "*")]).status, 200);
        let unchanged = d.raw("GET", path, &[("If-None-Match", "*")]);
        assert_eq!(unchanged.status, 304, "{path}");
        assert!(unchanged.body.is_empty());
        assert_eq!(
            d.raw("GET", path, &[("If-None-Match", "\"zz\"")]).status,
            200
        );
        let date = "Sun, 10 May 2020 08:33:00 GMT";
        assert_eq!(
            d.raw("GET", path, &[("If-Unmodified-Since", date)]).status,
            200
        );
        assert_eq!(d.raw("HEAD", path, &[("If-Match", "\"zz\"")]).status, 412);
    }
}

#[test]
fn a_reload_that_sets_a_body_folder_says_so_and_new_copies_go_there() {
    let site = TempStore::new();
    let long = "Tin tức tổng hợp trong tháng. ".repeat(800);
    std::fs::write(
        site.store().join("tin-tuc/tong-hop/bao-cao-dai.txt"),
        format!("Trang nhất » Tin Tức\n\nBáo cáo dài\n\nThứ Năm - 14/03/2024 08:00\n{long}\n"),
    )
    .unwrap();
    let d = site.start();
    d.log_line("copies of large bodies for sendfile: shared memory");
    let bodies = tempfile::tempdir().unwrap();
    let quoted = toml::Value::String(bodies.path().to_str().unwrap().to_owned());
    let config = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(
        site.config(),
        format!("{config}\n[http]\nbody_dir = {quoted}\n"),
    )
    .unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.log_line(&format!("unnamed files in {}", bodies.path().display()));
    d.log_line("configuration reloaded");
    let archive = d.raw("GET", "/archive/2024-03.rss", &[]);
    assert_eq!(archive.status, 200);
    assert!(archive.body.len() >= 16 * 1024, "{}", archive.body.len());
    d.wait_until("a file in the folder holding the archive", || {
        let held = unnamed_files_in(&d, bodies.path()).contains(&archive.body);
        if !held {
            assert_eq!(d.raw("GET", "/archive/2024-03.rss", &[]).body, archive.body);
        }
        held
    });
}

#[test]
fn out_of_open_files_accept_backs_off_says_so_once_and_recovers() {
    // Every connection comes from this test's address.
    let site = TempStore::with_config("[http]\nmax_connections_per_client = 0\n");
    let Some(d) = under_nofile_limit(&site, 200, 200) else {
        return;
    };
    d.log_line("max_connections = 1024");
    // More connections than the daemon has descriptors: the kernel queues
    // them (its backlog is longer), and accept fails once the table is full.
    let held: Vec<TcpStream> = (0..260).map(|_| connect(&d)).collect();
    d.log_line("accept failed; retrying every 100 ms");
    let line = d.log_line("accept failed");
    assert!(
        line.contains("open-file limit") && line.contains("LimitNOFILE="),
        "{line}"
    );
    std::thread::sleep(Duration::from_millis(500));
    drop(held);
    // The ones it holds close, and the queue drains: served again.
    d.wait_until("served again", || {
        TcpStream::connect_timeout(&([127, 0, 0, 1], d.port).into(), LIMIT).is_ok_and(|mut s| {
            s.set_read_timeout(Some(LIMIT)).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                .is_ok()
                && response(&mut s, &mut Vec::new(), false).status == 200
        })
    });
    assert!(d.metric("bantin_http_accept_errors_total").unwrap() >= 2.0);
    assert_eq!(
        d.stderr().matches("accept failed").count(),
        1,
        "said more than once a minute"
    );
}

#[test]
fn a_response_is_not_lost_to_a_reset_when_the_client_sent_more_than_was_read() {
    let site = TempStore::new();
    let d = site.start();
    let feed = d.raw("GET", "/feed.rss", &[]).body;
    let junk = vec![b'x'; 4_000_000];
    // A GET with a body no route reads (hyper's path), and a request asking
    // to close followed by bytes nobody will read (the fast path): each
    // client writes everything before it reads, as simple clients do.
    let heads = [
        format!(
            "GET /feed.rss HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n",
            junk.len()
        ),
        "GET /feed.rss HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".to_owned(),
    ];
    for head in heads {
        let mut s = connect(&d);
        s.write_all(head.as_bytes()).unwrap();
        // Without a lingering close the daemon closes with these unread, the
        // kernel resets the connection, and this write fails.
        s.write_all(&junk)
            .unwrap_or_else(|e| panic!("{head:?}: {e}"));
        let r = response(&mut s, &mut Vec::new(), false);
        assert_eq!(r.status, 200, "{head:?}");
        assert!(
            r.body == feed,
            "{head:?}: {} bytes of {}",
            r.body.len(),
            feed.len()
        );
        assert!(closed(&mut s), "{head:?}: not closed");
    }
}
