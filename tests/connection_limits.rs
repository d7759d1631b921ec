//! Rude clients must not lock others out: idle HTTP/2 connections, clients that
//! never read, slowloris from one address, HTTP/2 floods, bad Host fields. The
//! attackers connect from 127.0.0.1; the client that must still be served
//! within a second connects from 127.0.0.2 (bound before connecting, to the
//! daemon on 127.0.0.1), so it is another address to the per-client limit.

// A failed unwrap in a test helper is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{Daemon, TempStore};
use socket2::{Domain, Socket, Type};

/// The limits of the report: 128 connections, a 5-second header timeout.
const REPORTED: &str = "[http]\nmax_connections = 128\nheader_timeout_secs = 5\n";
/// The default configuration, and the report's tighter one: the lock-out
/// scenarios must leave others served under both.
const CONFIGS: [&str; 2] = ["", REPORTED];
/// How quickly the other client must be served.
const SERVED_WITHIN: Duration = Duration::from_secs(1);
/// The HTTP/2 client connection preface (RFC 9113 §3.4).
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fn start(config: &str) -> (TempStore, Daemon) {
    let site = TempStore::with_config(config);
    let d = Daemon::serve(&site.config(), Duration::from_secs(30));
    (site, d)
}

/// A connection from `local` to the daemon, with an optional receive buffer size.
fn connect_from(
    local: [u8; 4],
    port: u16,
    recv_buffer: Option<usize>,
) -> std::io::Result<TcpStream> {
    let s = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    if let Some(size) = recv_buffer {
        s.set_recv_buffer_size(size)?;
    }
    s.bind(&SocketAddr::from((local, 0)).into())?;
    s.connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)).into(),
        Duration::from_secs(2),
    )?;
    let s: TcpStream = s.into();
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.set_write_timeout(Some(Duration::from_secs(10)))?;
    Ok(s)
}

/// GET `path` from 127.0.0.2 on a fresh connection: the status and how long it took.
fn other_client(port: u16, path: &str) -> (u16, Duration, String) {
    let started = Instant::now();
    let mut s = connect_from([127, 0, 0, 2], port, None).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap_or_else(|e| {
        panic!(
            "GET {path} from 127.0.0.2: {e} after {:?}",
            started.elapsed()
        )
    });
    let text = String::from_utf8_lossy(&all).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    (status, started.elapsed(), text)
}

/// Three requests from 127.0.0.2, each answered 200 within [`SERVED_WITHIN`].
fn assert_others_served(port: u16) {
    for _ in 0..3 {
        let (status, took, _) = other_client(port, "/healthz");
        assert_eq!(status, 200);
        assert!(took < SERVED_WITHIN, "the other client waited {took:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The value of the metric line starting with `name` (labels included), 0 if absent.
fn metric(port: u16, name: &str) -> f64 {
    let (_, _, text) = other_client(port, "/metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// One HTTP/2 frame (RFC 9113 §4.1).
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).unwrap();
    let mut f = len.to_be_bytes()[1..].to_vec();
    f.extend_from_slice(&[kind, flags]);
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// HEADERS for `GET http://127.0.0.1/` on `stream`, ending the stream: static
/// table entries (RFC 7541 Appendix A) and a literal :authority.
fn get_root(stream: u32) -> Vec<u8> {
    let mut block = vec![0x82, 0x86, 0x84, 0x01, 9];
    block.extend_from_slice(b"127.0.0.1");
    // END_STREAM | END_HEADERS
    frame(0x1, 0x5, stream, &block)
}

/// Preface, empty SETTINGS, an ACK of the server's SETTINGS, and one GET.
fn h2_hello() -> Vec<u8> {
    let mut out = PREFACE.to_vec();
    out.extend(frame(0x4, 0, 0, &[]));
    out.extend(frame(0x4, 0x1, 0, &[]));
    out.extend(get_root(1));
    out
}

/// Reads frames until the server closes (or `limit` passes): the frame types
/// seen, and whether the connection was closed.
fn frames_until_close(s: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    let deadline = Instant::now() + limit;
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0; 16384];
    let closed = loop {
        if Instant::now() >= deadline {
            break false;
        }
        match s.read(&mut chunk) {
            Ok(0) => break true,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break true,
            Err(e) => panic!("reading frames: {e}"),
        }
    };
    let mut kinds = Vec::new();
    let mut rest = &buf[..];
    while rest.len() >= 9 {
        let len = usize::from(rest[0]) << 16 | usize::from(rest[1]) << 8 | usize::from(rest[2]);
        kinds.push(rest[3]);
        rest = &rest[(9 + len).min(rest.len())..];
    }
    (kinds, closed)
}

const GOAWAY: u8 = 0x7;
const PING: u8 = 0x6;

#[test]
fn an_idle_http2_connection_gets_goaway_and_is_closed() {
    let (_site, d) =
        start("[http]\nidle_timeout_secs = 1\nheader_timeout_secs = 2\nkeepalive_ping_secs = 0\n");
    let mut s = connect_from([127, 0, 0, 1], d.port, None).unwrap();
    s.write_all(&h2_hello()).unwrap();
    let started = Instant::now();
    let (kinds, closed) = frames_until_close(&mut s, Duration::from_secs(15));
    assert!(
        closed,
        "still open after {:?}; frames {kinds:?}",
        started.elapsed()
    );
    assert!(kinds.contains(&GOAWAY), "no GOAWAY in {kinds:?}");
    // HEADERS and DATA of the answer came first.
    assert!(kinds.contains(&0x1), "{kinds:?}");
}

#[test]
fn a_connection_that_sends_only_the_preface_gets_goaway() {
    let (_site, d) = start("[http]\nheader_timeout_secs = 1\n");
    let mut s = connect_from([127, 0, 0, 1], d.port, None).unwrap();
    s.write_all(PREFACE).unwrap();
    let (kinds, closed) = frames_until_close(&mut s, Duration::from_secs(10));
    assert!(closed, "frames {kinds:?}");
    assert!(kinds.contains(&GOAWAY), "closed without GOAWAY: {kinds:?}");
}

#[test]
fn an_http2_client_that_answers_no_ping_is_closed() {
    let (_site, d) = start(
        "[http]\nkeepalive_ping_secs = 1\nkeepalive_ping_timeout_secs = 1\nidle_timeout_secs = 600\n",
    );
    let mut s = connect_from([127, 0, 0, 1], d.port, None).unwrap();
    s.write_all(&h2_hello()).unwrap();
    let (kinds, closed) = frames_until_close(&mut s, Duration::from_secs(10));
    assert!(kinds.contains(&PING), "no PING in {kinds:?}");
    assert!(
        closed,
        "an unanswered PING left the connection open: {kinds:?}"
    );
}

/// HEADERS for `HEAD http://127.0.0.1/` on `stream`: answered with HEADERS
/// alone, which flow control does not hold back.
fn head_root(stream: u32) -> Vec<u8> {
    let mut block = vec![0x02, 4];
    block.extend_from_slice(b"HEAD");
    block.extend_from_slice(&[0x86, 0x84, 0x01, 9]);
    block.extend_from_slice(b"127.0.0.1");
    frame(0x1, 0x5, stream, &block)
}

/// One frame the server sent: its type, flags, stream and payload length.
#[derive(Debug, Clone, Copy)]
struct Seen {
    kind: u8,
    flags: u8,
    stream: u32,
    len: usize,
}

/// Reads frames from `s` as a client's HTTP/2 stack does, answering every
/// PING (so the keep-alive check is satisfied), until the server closes or
/// `limit` passes. `tick` is called about every 100 ms with `s` and the frames
/// so far, and returns whether to go on. The frames seen, and whether the
/// server closed the connection.
fn answering_pings(
    s: &mut TcpStream,
    limit: Duration,
    mut tick: impl FnMut(&mut TcpStream, &[Seen]) -> bool,
) -> (Vec<Seen>, bool) {
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let started = Instant::now();
    let (mut seen, mut pending, mut closed) = (Vec::new(), Vec::new(), false);
    let mut chunk = [0; 16384];
    while !closed && started.elapsed() < limit {
        if !tick(s, &seen) {
            break;
        }
        match s.read(&mut chunk) {
            Ok(0) => closed = true,
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => closed = true,
            Err(e) => panic!("reading frames: {e}"),
        }
        // Answer every PING, so the keep-alive check is satisfied.
        while pending.len() >= 9 {
            let len = usize::from(pending[0]) << 16
                | usize::from(pending[1]) << 8
                | usize::from(pending[2]);
            if pending.len() < 9 + len {
                break;
            }
            let (kind, flags) = (pending[3], pending[4]);
            if kind == PING && flags & 0x1 == 0 {
                let _ = s.write_all(&frame(PING, 0x1, 0, &pending[9..9 + len]));
            }
            let stream = u32::from_be_bytes(pending[5..9].try_into().unwrap()) & 0x7fff_ffff;
            seen.push(Seen {
                kind,
                flags,
                stream,
                len,
            });
            pending.drain(..9 + len);
        }
    }
    (seen, closed)
}

/// The types of `frames`, in order.
fn kinds(frames: &[Seen]) -> Vec<u8> {
    frames.iter().map(|f| f.kind).collect()
}

/// Holds a stream behind a window that never opens, answering every PING
/// and, with `chatter`, asking a HEAD on a new stream every 300 ms (each
/// answered at once): the frame types seen, and whether the server closed
/// the connection within 15 s.
fn hold_a_stream(port: u16, chatter: bool) -> (Vec<u8>, bool) {
    let mut s = connect_from([127, 0, 0, 1], port, None).unwrap();
    let mut hello = PREFACE.to_vec();
    // SETTINGS_INITIAL_WINDOW_SIZE = 0 (RFC 9113 §6.5.2): no DATA may be sent
    // on any stream until a WINDOW_UPDATE, which never comes.
    hello.extend(frame(0x4, 0, 0, &[0, 4, 0, 0, 0, 0]));
    hello.extend(frame(0x4, 0x1, 0, &[]));
    hello.extend(get_root(1));
    s.write_all(&hello).unwrap();
    let (mut next_stream, mut last_head) = (3, Instant::now());
    let (frames, closed) = answering_pings(&mut s, Duration::from_secs(15), |s, _| {
        if chatter && last_head.elapsed() >= Duration::from_millis(300) {
            let _ = s.write_all(&head_root(next_stream));
            next_stream += 2;
            last_head = Instant::now();
        }
        true
    });
    (kinds(&frames), closed)
}

const HTTP2_STALL: &str =
    "[http]\nwrite_timeout_secs = 1\nheader_timeout_secs = 2\nkeepalive_ping_secs = 1\nidle_timeout_secs = 600\n";

#[test]
fn an_http2_stream_held_with_a_closed_window_is_closed_though_pings_are_answered() {
    let (_site, d) = start(HTTP2_STALL);
    let (kinds, closed) = hold_a_stream(d.port, false);
    assert!(
        closed,
        "a stalled stream kept its connection; frames {kinds:?}"
    );
    assert!(kinds.contains(&PING), "the server never pinged: {kinds:?}");
    assert!(kinds.contains(&GOAWAY), "closed without GOAWAY: {kinds:?}");
    // HEADERS went out (they are not flow-controlled); no DATA could.
    assert!(kinds.contains(&0x1) && !kinds.contains(&0x0), "{kinds:?}");
}

#[test]
fn a_stalled_http2_stream_is_closed_though_other_requests_are_answered() {
    // Requests that begin and end on the connection do not move the stalled
    // stream: each response's progress is its own.
    let (_site, d) = start(HTTP2_STALL);
    let (kinds, closed) = hold_a_stream(d.port, true);
    assert!(
        closed,
        "a stalled stream kept its connection; frames {kinds:?}"
    );
    assert!(kinds.contains(&GOAWAY), "closed without GOAWAY: {kinds:?}");
    let answered = kinds.iter().filter(|&&k| k == 0x1).count();
    assert!(answered > 2, "the HEADs were not answered: {kinds:?}");
}

/// HEADERS for `GET http://127.0.0.1{path}` on `stream`, ending the stream
/// or leaving it open (a request body may follow, which never comes).
fn get_path(stream: u32, path: &str, end_stream: bool) -> Vec<u8> {
    let mut block = vec![0x82, 0x86, 0x04, u8::try_from(path.len()).unwrap()];
    block.extend_from_slice(path.as_bytes());
    block.extend_from_slice(&[0x01, 9]);
    block.extend_from_slice(b"127.0.0.1");
    // END_HEADERS, and END_STREAM if asked.
    frame(0x1, if end_stream { 0x5 } else { 0x4 }, stream, &block)
}

/// WINDOW_UPDATE of `by` bytes on `stream` (0: the connection's window).
fn window_update(stream: u32, by: u32) -> Vec<u8> {
    frame(0x8, 0, stream, &by.to_be_bytes())
}

/// An idle timeout shorter than the keep-alive PINGs' interval is longer than.
const PINGED_IDLE: &str =
    "[http]\nidle_timeout_secs = 2\nkeepalive_ping_secs = 1\nheader_timeout_secs = 2\n";

#[test]
fn an_idle_http2_connection_is_closed_though_it_answers_pings() {
    // The server's own PINGs (and SETTINGS) are written on an idle
    // connection: they must not count as activity, or a client whose HTTP/2
    // stack answers PINGs would hold its connection and its slot forever.
    let (_site, d) = start(PINGED_IDLE);
    // Its one request ends its stream, or leaves it open (the server answers
    // and resets the stream): either way nothing is in progress after.
    for end_stream in [true, false] {
        let mut s = connect_from([127, 0, 0, 1], d.port, None).unwrap();
        let mut hello = PREFACE.to_vec();
        hello.extend(frame(0x4, 0, 0, &[]));
        hello.extend(frame(0x4, 0x1, 0, &[]));
        hello.extend(get_path(1, "/healthz", end_stream));
        s.write_all(&hello).unwrap();
        let (frames, closed) = answering_pings(&mut s, Duration::from_secs(15), |_, _| true);
        let kinds = kinds(&frames);
        assert!(
            closed,
            "end_stream {end_stream}: still open; frames {kinds:?}"
        );
        assert!(kinds.contains(&PING), "no PING to answer: {kinds:?}");
        assert!(kinds.contains(&GOAWAY), "closed without GOAWAY: {kinds:?}");
        // The request was answered first.
        assert!(kinds.contains(&0x1), "{kinds:?}");
    }
}

#[test]
fn an_http2_response_read_slowly_is_not_cut_as_idle() {
    // A request in progress (its response taken a little at a time, for
    // twice the idle timeout) is not idleness; the idle clock starts when it ends.
    let site = TempStore::with_config(PINGED_IDLE);
    // An article long enough that its feed is many pieces.
    let article = site
        .store()
        .join("thong-bao/tam-dung-cap-nuoc-phuong-hoa-lac.txt");
    let text = std::fs::read_to_string(&article).unwrap();
    // Paragraphs go before the page's closing links, which end the body.
    let end = text.find("Những tin mới hơn").unwrap();
    let more: String = (0..1000)
        .map(|i| format!("Đoạn {i}: nước sạch được cấp lại theo từng khu vực.\n\n"))
        .collect();
    std::fs::write(&article, format!("{}{more}{}", &text[..end], &text[end..])).unwrap();
    let d = Daemon::serve(&site.config(), Duration::from_secs(30));
    // Its page: the path of its link in the JSON feed.
    let feed: serde_json::Value = serde_json::from_str(&d.body("/feed.json")).unwrap();
    let link = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["url"].as_str())
        .find(|u| u.contains("tam-dung-cap-nuoc"))
        .unwrap_or_else(|| panic!("no item for the article in {feed}"));
    let path = &link[link.find("//").unwrap() + 2..];
    let path = &path[path.find('/').unwrap()..];
    let whole = d.get(path, &[("accept-encoding", "identity")]).body.len();
    // More than two of the pieces a response goes to hyper in (16 KiB): the
    // response is still in progress while the client holds it.
    assert!(whole > 40 * 1024, "{path} is only {whole} bytes");
    let mut s = connect_from([127, 0, 0, 1], d.port, None).unwrap();
    let mut hello = PREFACE.to_vec();
    // SETTINGS_INITIAL_WINDOW_SIZE = 512: the stream moves only as the client
    // opens its window, 512 bytes every 200 ms (2.5 KiB/s).
    hello.extend(frame(0x4, 0, 0, &[0, 4, 0, 0, 2, 0]));
    hello.extend(frame(0x4, 0x1, 0, &[]));
    hello.extend(window_update(0, 1 << 24));
    hello.extend(get_path(1, path, true));
    s.write_all(&hello).unwrap();
    let started = Instant::now();
    let (hold, mut last_update) = (Duration::from_secs(4), Instant::now());
    let mut while_held: Option<(Vec<u8>, usize)> = None;
    let (frames, closed) = answering_pings(&mut s, Duration::from_secs(20), |s, seen| {
        if started.elapsed() < hold {
            if last_update.elapsed() >= Duration::from_millis(200) {
                let _ = s.write_all(&window_update(1, 512));
                last_update = Instant::now();
            }
        } else if while_held.is_none() {
            let data = seen
                .iter()
                .filter(|f| f.kind == 0x0 && f.stream == 1)
                .map(|f| f.len)
                .sum();
            while_held = Some((kinds(seen), data));
            // Now take the rest at once.
            let _ = s.write_all(&window_update(1, 1 << 24));
        }
        true
    });
    let kinds_all = kinds(&frames);
    let (held, data) = while_held.unwrap_or_else(|| panic!("closed early: {kinds_all:?}"));
    assert!(!held.contains(&GOAWAY), "GOAWAY while reading: {held:?}");
    assert!(held.contains(&PING), "no PING while reading: {held:?}");
    assert!(
        data > 0 && data < whole,
        "{data} of {whole} bytes while held"
    );
    // Then the whole response, then idle: GOAWAY and the close.
    let received: usize = frames
        .iter()
        .filter(|f| f.kind == 0x0 && f.stream == 1)
        .map(|f| f.len)
        .sum();
    let ended = frames
        .iter()
        .any(|f| f.kind == 0x0 && f.stream == 1 && f.flags & 0x1 != 0);
    assert!(ended && received == whole, "{received} of {whole} bytes");
    assert!(closed && kinds_all.contains(&GOAWAY), "{kinds_all:?}");
}

#[test]
fn a_client_that_never_reads_is_closed_after_the_write_timeout() {
    let (_site, d) = start("[http]\nwrite_timeout_secs = 1\n");
    let body = d.get("/feed.rss", &[]).body.len();
    let mut s = connect_from([127, 0, 0, 1], d.port, Some(4096)).unwrap();
    let one = b"GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    s.write_all(&one.repeat(200)).unwrap();
    // Not reading, long past the write timeout.
    std::thread::sleep(Duration::from_secs(4));
    let started = Instant::now();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut all = Vec::new();
    let mut chunk = [0; 65536];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => all.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "not closed: {e} after {} bytes in {:?}",
                all.len(),
                started.elapsed()
            ),
        }
    }
    // Cut off: what the kernel's buffers held, not the 200 responses asked for.
    let responses = all.windows(15).filter(|w| w == b"HTTP/1.1 200 OK").count();
    assert!(
        responses < 200,
        "{responses} responses, {} bytes",
        all.len()
    );
    assert!(all.len() < 200 * body, "{} bytes", all.len());
}

#[test]
fn http11_without_exactly_one_valid_host_is_400() {
    let (_site, d) = start("");
    for head in [
        "GET /healthz HTTP/1.1\r\n",
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a b\r\n",
        "GET /healthz HTTP/1.1\r\nHost: user@127.0.0.1\r\n",
    ] {
        let mut s = connect_from([127, 0, 0, 1], d.port, None).unwrap();
        write!(s, "{head}Connection: close\r\n\r\n").unwrap();
        let mut all = String::new();
        s.read_to_string(&mut all).unwrap();
        assert!(all.starts_with("HTTP/1.1 400 "), "{head:?}: {all:.60}");
    }
    // HTTP/1.0 may omit it; a good one is served.
    for head in [
        "GET /healthz HTTP/1.0\r\n",
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:80\r\n",
    ] {
        let mut s = connect_from([127, 0, 0, 1], d.port, None).unwrap();
        write!(s, "{head}Connection: close\r\n\r\n").unwrap();
        let mut all = String::new();
        s.read_to_string(&mut all).unwrap();
        assert!(all.contains(" 200 OK"), "{head:?}: {all:.60}");
    }
}

#[test]
fn a_rapid_reset_flood_is_counted_not_logged_per_connection() {
    let (_site, d) = start("");
    for _ in 0..5 {
        let mut s = connect_from([127, 0, 0, 1], d.port, None).unwrap();
        let mut out = PREFACE.to_vec();
        out.extend(frame(0x4, 0, 0, &[]));
        for i in 0..200 {
            let stream = 2 * i + 1;
            out.extend(get_root(stream));
            // RST_STREAM (CANCEL)
            out.extend(frame(0x3, 0, stream, &8_u32.to_be_bytes()));
        }
        let _ = s.write_all(&out);
        let (kinds, closed) = frames_until_close(&mut s, Duration::from_secs(10));
        assert!(closed && kinds.contains(&GOAWAY), "{kinds:?}");
    }
    // The client sees the close before the server's task has counted it.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut calmed = metric(d.port, "bantin_http2_enhance_your_calm_total");
    while calmed < 5.0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        calmed = metric(d.port, "bantin_http2_enhance_your_calm_total");
    }
    assert_eq!(calmed, 5.0);
    let log = d.stderr();
    let lines = log.lines().filter(|l| l.contains("WARN")).count();
    assert!(lines <= 1, "{lines} warnings for 5 connections:\n{log}");
}

/// A burst of connections that arrives while the daemon is busy waits in the
/// kernel's accept queue: a queue too short for it drops the next client's SYN,
/// which then waits a second or more for its retransmission.
#[test]
fn a_burst_of_connections_queues_instead_of_dropping_the_next_client() {
    let (_site, d) = start("");
    // Paused, the daemon accepts nothing: every handshake stays queued.
    d.signal(rustix::process::Signal::STOP);
    let burst: Vec<Socket> = (0..300)
        .map(|_| {
            let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
            s.set_nonblocking(true).unwrap();
            // In progress: the SYN is sent, the handshake completes in the kernel.
            let _ = s.connect(&SocketAddr::from(([127, 0, 0, 1], d.port)).into());
            s
        })
        .collect();
    let port = d.port;
    let other = std::thread::spawn(move || other_client(port, "/healthz"));
    std::thread::sleep(Duration::from_millis(200));
    d.signal(rustix::process::Signal::CONT);
    let (status, took, _) = other.join().unwrap();
    assert_eq!(status, 200);
    assert!(took < SERVED_WITHIN, "the other client waited {took:?}");
    drop(burst);
}

#[test]
fn slowloris_from_one_address_leaves_others_served() {
    for config in CONFIGS {
        slowloris_from_one_address_leaves_others_served_with(config);
    }
}

fn slowloris_from_one_address_leaves_others_served_with(config: &str) {
    let (_site, d) = start(config);
    let port = d.port;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let attacker = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut conns: Vec<TcpStream> = Vec::new();
            let head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Top up to 300, reconnecting whatever the server closed.
                while conns.len() < 300 {
                    match connect_from([127, 0, 0, 1], port, None) {
                        Ok(mut c) => {
                            let _ = c.write_all(&head[..10]);
                            c.set_nonblocking(true).unwrap();
                            conns.push(c);
                        }
                        Err(_) => break,
                    }
                }
                conns.retain_mut(|c| {
                    // Anything read (EOF, a 408) or an error means the server closed it.
                    let mut probe = [0; 64];
                    let open =
                        matches!(c.read(&mut probe), Err(e) if e.kind() == ErrorKind::WouldBlock);
                    open && c.write(b"a").is_ok()
                });
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    std::thread::sleep(Duration::from_secs(2));
    assert_others_served(port);
    std::thread::sleep(Duration::from_secs(4));
    assert_others_served(port);
    assert!(
        metric(
            port,
            "bantin_http_connections_refused_total{reason=\"per_client\"}"
        ) > 0.0
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    attacker.join().unwrap();
}

#[test]
fn idle_http2_connections_from_one_address_leave_others_served() {
    for config in CONFIGS {
        idle_http2_connections_from_one_address_leave_others_served_with(config);
    }
}

fn idle_http2_connections_from_one_address_leave_others_served_with(config: &str) {
    let (_site, d) = start(config);
    let mut idle = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    for _ in 0..400 {
        if Instant::now() > deadline {
            break;
        }
        let Ok(mut c) = connect_from([127, 0, 0, 1], d.port, None) else {
            continue;
        };
        let _ = c.write_all(&h2_hello());
        idle.push(c);
    }
    std::thread::sleep(Duration::from_secs(1));
    assert_others_served(d.port);
    assert!(
        metric(
            d.port,
            "bantin_http_connections_refused_total{reason=\"per_client\"}"
        ) > 0.0
    );
    drop(idle);
}

#[test]
fn pipeliners_that_never_read_from_one_address_leave_others_served() {
    for config in CONFIGS {
        pipeliners_that_never_read_from_one_address_leave_others_served_with(config);
    }
}

fn pipeliners_that_never_read_from_one_address_leave_others_served_with(config: &str) {
    let (_site, d) = start(config);
    let one = b"GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(200);
    let mut rude = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    for _ in 0..130 {
        if Instant::now() > deadline {
            break;
        }
        let Ok(mut c) = connect_from([127, 0, 0, 1], d.port, Some(4096)) else {
            continue;
        };
        c.set_write_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let _ = c.write_all(&one);
        rude.push(c);
    }
    std::thread::sleep(Duration::from_secs(1));
    assert_others_served(d.port);
    drop(rude);
}

/// Rewrites `site`'s config with `http` as its `[http]` table and sends SIGHUP;
/// returns once the daemon says the reload is applied.
fn reload_http(site: &TempStore, d: &Daemon, http: &str) {
    let config = std::fs::read_to_string(site.config()).unwrap();
    let base = config.split("[http]").next().unwrap().to_owned();
    std::fs::write(site.config(), format!("{base}[http]\n{http}")).unwrap();
    let reloads = d.stderr().matches("configuration reloaded").count();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("the reload applied", || {
        d.stderr().matches("configuration reloaded").count() > reloads
    });
}

/// Whether the server closes `s` (EOF or reset) within `limit` with nothing sent.
fn closed_unanswered(s: &mut TcpStream, limit: Duration) -> bool {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0; 256];
    match s.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
    }
}

/// A GET of /healthz on `s`; its status once the response head arrives within 10 s.
fn status_on(s: &mut TcpStream) -> Option<u16> {
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    String::from_utf8_lossy(&all)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
}

#[test]
fn a_reload_applies_the_per_client_limit_and_timeouts_to_new_connections() {
    let site = TempStore::with_config(
        "[http]\nmax_connections_per_client = 32\nheader_timeout_secs = 60\n",
    );
    let d = Daemon::serve(&site.config(), Duration::from_secs(30));
    // Under the first limits, three connections from one client are served.
    let held: Vec<TcpStream> = (0..2)
        .map(|_| connect_from([127, 0, 0, 1], d.port, None).unwrap())
        .collect();
    let mut third = connect_from([127, 0, 0, 1], d.port, None).unwrap();
    assert_eq!(status_on(&mut third), Some(200));
    drop(held);

    reload_http(
        &site,
        &d,
        "max_connections_per_client = 1\nheader_timeout_secs = 1\n",
    );
    // As on a fresh start with this config: the second connection from one
    // address is closed at once, unanswered.
    let mut first = connect_from([127, 0, 0, 1], d.port, None).unwrap();
    let mut second = connect_from([127, 0, 0, 1], d.port, None).unwrap();
    let _ = second.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assert!(
        closed_unanswered(&mut second, Duration::from_secs(10)),
        "a second connection from one client is served after the reload set the limit to 1"
    );
    assert!(
        metric(
            d.port,
            "bantin_http_connections_refused_total{reason=\"per_client\"}"
        ) > 0.0
    );
    // And the first, which sends nothing, is closed after the new header
    // timeout (1 s), not the old one (60 s).
    assert!(
        closed_unanswered(&mut first, Duration::from_secs(20)),
        "a silent connection outlived the reloaded header timeout"
    );
}

/// A connection from 127.0.0.1 with responses in progress that it does not
/// read: it holds its slot (one with no request in progress would be ended
/// to make room for a waiting client) until it closes or the write timeout.
fn busy(port: u16) -> TcpStream {
    let mut c = connect_from([127, 0, 0, 1], port, Some(4096)).unwrap();
    c.set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let _ = c.write_all(&b"GET /feed.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(200));
    c
}

#[test]
fn a_reload_shrinks_and_grows_max_connections() {
    const HTTP: &str = "header_timeout_secs = 60\nwrite_timeout_secs = 60\n";
    let site = TempStore::with_config(&format!("[http]\nmax_connections = 4\n{HTTP}"));
    let d = Daemon::serve(&site.config(), Duration::from_secs(30));
    // Two busy connections hold two of the four slots.
    let a = busy(d.port);
    let b = busy(d.port);
    assert_eq!(other_client(d.port, "/healthz").0, 200);

    reload_http(&site, &d, &format!("max_connections = 1\n{HTTP}"));
    // Two held, one allowed: a new client waits in the backlog until both end.
    let mut waiting = connect_from([127, 0, 0, 2], d.port, None).unwrap();
    write!(
        waiting,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut buf = [0; 256];
    assert!(
        matches!(waiting.read(&mut buf), Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "served past the reloaded max_connections"
    );
    drop(a);
    assert!(
        matches!(waiting.read(&mut buf), Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "served while the held connections still exceed the reloaded max_connections"
    );
    drop(b);
    waiting
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut all = Vec::new();
    let _ = waiting.read_to_end(&mut all);
    assert!(
        String::from_utf8_lossy(&all).starts_with("HTTP/1.1 200"),
        "{all:?}"
    );
    // Closed on this side too, so the server's close does not linger on it.
    drop(waiting);

    // One busy connection takes the only slot; a larger cap frees one at once.
    let _c = busy(d.port);
    reload_http(&site, &d, &format!("max_connections = 2\n{HTTP}"));
    let (status, took, _) = other_client(d.port, "/healthz");
    assert_eq!(status, 200);
    assert!(took < SERVED_WITHIN, "waited {took:?}");
}

/// Sixteen keep-alive connections from four addresses, each within its
/// per-client share, hold every slot of a cap of 16, each with a request
/// every two seconds (well within the header timeout) and reconnecting when
/// closed. A newcomer is still served: while it waits, connections with no
/// request in progress for a second are ended to make room.
#[test]
fn keep_alives_from_several_addresses_at_the_cap_make_room_for_others() {
    let (_site, d) = start("[http]\nmax_connections = 16\nmax_connections_per_client = 4\n");
    let port = d.port;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let keepers: Vec<_> = (0..16u8)
        .map(|i| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let from = [127, 0, 0, 10 + i / 4];
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let Ok(mut c) = connect_from(from, port, None) else {
                        std::thread::sleep(Duration::from_millis(100));
                        continue;
                    };
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let mut buf = [0; 1024];
                        let asked =
                            c.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                        if asked.is_err() || !matches!(c.read(&mut buf), Ok(n) if n > 0) {
                            break;
                        }
                        std::thread::sleep(Duration::from_secs(2));
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    for _ in 0..3 {
        let (status, took, _) = other_client(port, "/healthz");
        assert_eq!(status, 200);
        assert!(
            took < Duration::from_secs(3),
            "the other client waited {took:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        metric(
            port,
            r#"bantin_http_connections_reclaimed_total{reason="idle"}"#
        ) > 0.0
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for k in keepers {
        k.join().unwrap();
    }
}

/// A GET on `c`, kept alive: whether a 200 came back.
fn kept_alive_get(c: &mut TcpStream) -> bool {
    let mut buf = [0; 4096];
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .is_ok()
        && matches!(c.read(&mut buf), Ok(n) if n > 0 && buf[..n].starts_with(b"HTTP/1.1 200"))
}

/// `OPTIONS *` on `c` (a request hyper answers), kept alive: whether an
/// answer came back.
fn kept_alive_options(c: &mut TcpStream) -> bool {
    let mut buf = [0; 4096];
    c.write_all(b"OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .is_ok()
        && matches!(c.read(&mut buf), Ok(n) if n > 0 && buf[..n].starts_with(b"HTTP/1.1 "))
}

/// At the cap with no client waiting, idle keep-alive connections are left
/// alone. With one waiting, an idle one makes room, after a second; one
/// whose next request has begun to arrive, or an HTTP/1 one hyper serves
/// (which may hold a head half read), only after three.
#[test]
fn a_waiting_client_is_made_room_by_the_idle_first_and_a_begun_head_later() {
    let (_site, d) = start("[http]\nmax_connections = 3\nheader_timeout_secs = 30\n");
    let port = d.port;
    let mut a = connect_from([127, 0, 0, 1], port, None).unwrap();
    let mut h = connect_from([127, 0, 0, 1], port, None).unwrap();
    let mut b = connect_from([127, 0, 0, 1], port, None).unwrap();
    assert!(kept_alive_get(&mut a) && kept_alive_options(&mut h) && kept_alive_get(&mut b));
    // Nobody waits: all are idle past a second, and all still served.
    std::thread::sleep(Duration::from_secs(3));
    assert!(kept_alive_get(&mut a) && kept_alive_options(&mut h) && kept_alive_get(&mut b));

    // `a` begins its next request, `h` and `b` have just made one; then a
    // client comes. `b`, idle a second, makes room two seconds before `a`
    // or `h` may.
    a.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
    assert!(kept_alive_options(&mut h) && kept_alive_get(&mut b));
    let (status, took, _) = other_client(port, "/healthz");
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(4), "waited {took:?}");
    // `a`'s request is answered once it is whole, and `h` still serves.
    a.write_all(b"st: 127.0.0.1\r\n\r\n").unwrap();
    let mut buf = [0; 4096];
    let n = a.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    assert!(
        kept_alive_options(&mut h),
        "the connection hyper serves was kept"
    );
    let mut closed = [0; 16];
    b.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert!(
        matches!(b.read(&mut closed), Ok(0)) || !kept_alive_get(&mut b),
        "the idle connection made room"
    );
}

/// Every slot held by connections that each begin their next head at once
/// and take seconds to end it: a newcomer is served all the same, once one
/// of them has held its begun head for three seconds, and that one is
/// closed, its head dropped.
#[test]
fn heads_begun_and_held_do_not_keep_a_newcomer_out() {
    let (_site, d, mut held) = every_slot_held();
    for c in &mut held {
        assert!(kept_alive_get(c));
        c.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
    }
    newcomer_served_and_one_closed(&d, &mut held, |c| {
        c.write_all(b"st: 127.0.0.1\r\n\r\n").is_err() || !answered(c)
    });
}

/// Every slot held by connections hyper serves on HTTP/1 (it may hold part
/// of a head), each with a request every few seconds: a newcomer is served
/// all the same, once one of them has been idle three seconds.
#[test]
fn connections_hyper_serves_do_not_keep_a_newcomer_out() {
    let (_site, d, mut held) = every_slot_held();
    for c in &mut held {
        assert!(kept_alive_options(c));
    }
    newcomer_served_and_one_closed(&d, &mut held, |c| !kept_alive_options(c));
}

/// A daemon of two connection slots, and two connections that hold them.
fn every_slot_held() -> (TempStore, Daemon, Vec<TcpStream>) {
    let (site, d) = start("[http]\nmax_connections = 2\nheader_timeout_secs = 30\n");
    let held = (0..2)
        .map(|_| connect_from([127, 0, 0, 1], d.port, None).unwrap())
        .collect();
    (site, d, held)
}

/// With every slot held by `held`: a newcomer waits, and is served within
/// a few seconds; one of `held` (as `closed` tells) made room for it, and
/// that was counted.
fn newcomer_served_and_one_closed(
    d: &Daemon,
    held: &mut [TcpStream],
    closed: impl FnMut(&mut TcpStream) -> bool,
) {
    // Half the wait is over when the newcomer comes (it reads for 5 s).
    std::thread::sleep(Duration::from_millis(1500));
    let (status, took, _) = other_client(d.port, "/healthz");
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(5), "waited {took:?}");
    for c in held.iter_mut() {
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    }
    let ended = held.iter_mut().map(closed).filter(|&shut| shut).count();
    assert_eq!(ended, 1, "not one of them made room");
    d.wait_until("the connection ended counted", || {
        d.metric(r#"bantin_http_connections_reclaimed_total{reason="idle"}"#) == Some(1.0)
    });
}

/// Whether a response comes on `c` (not the end of its stream).
fn answered(c: &mut TcpStream) -> bool {
    matches!(c.read(&mut [0; 4096]), Ok(n) if n > 0)
}

/// A write timeout long enough that a newcomer served within half of it
/// was made room for, not let in by a stalled connection timing out.
const LONG_WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Sixteen slots, four per address, and [`LONG_WRITE_TIMEOUT`].
fn sixteen_slots_long_write_timeout() -> (TempStore, Daemon) {
    start(&format!(
        "[http]\nmax_connections = 16\nmax_connections_per_client = 4\nwrite_timeout_secs = {}\n",
        LONG_WRITE_TIMEOUT.as_secs()
    ))
}

/// Requests for `/feed.atom`, pipelined, enough that their answers are
/// several times what the kernel's buffers hold on loopback (4 MiB at most
/// for the daemon's socket).
fn many_feed_requests(d: &Daemon) -> Vec<u8> {
    let body = d.get("/feed.atom", &[]).body.len();
    let n = (16 << 20) / body.max(1) + 1;
    b"GET /feed.atom HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(n)
}

/// A connection from `from` with a small receive buffer, which pipelines
/// `requests` and reads nothing of the answers.
fn never_reading(from: [u8; 4], port: u16, requests: &[u8]) -> TcpStream {
    let mut c = connect_from(from, port, Some(4096)).unwrap();
    c.write_all(requests).unwrap();
    c
}

/// GET `path` from 127.0.0.2 on a fresh connection kept alive, waiting as
/// long as [`LONG_WRITE_TIMEOUT`] for the answer: its status, how long it
/// took, and the connection (which holds its slot until dropped).
fn newcomer(port: u16, path: &str) -> (u16, Duration, TcpStream) {
    let started = Instant::now();
    let mut s = connect_from([127, 0, 0, 2], port, None).unwrap();
    s.set_read_timeout(Some(LONG_WRITE_TIMEOUT)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut head = [0; 12];
    s.read_exact(&mut head).unwrap_or_else(|e| {
        panic!(
            "GET {path} from 127.0.0.2: {e} after {:?}",
            started.elapsed()
        )
    });
    let status = String::from_utf8_lossy(&head[9..12]).parse().unwrap();
    (status, started.elapsed(), s)
}

/// Sixteen connections from four addresses, each within its per-client
/// share, hold every slot of a cap of 16, each pipelining requests for far
/// more than the kernel's buffers hold and reading none of the answers:
/// the audit's lock-out (32 addresses of 32 at the defaults), scaled down.
/// Newcomers, each keeping its connection (and so its slot), are served
/// all the same, long before the write timeout: while one waits, the
/// connection whose client has taken nothing the longest (five seconds or
/// more) is ended to make room, and counted.
#[test]
fn pipeliners_that_never_read_from_several_addresses_at_the_cap_make_room_for_others() {
    let (_site, d) = sixteen_slots_long_write_timeout();
    let requests = many_feed_requests(&d);
    let rude: Vec<_> = (0..16u8)
        .map(|i| never_reading([127, 0, 0, 10 + i / 4], d.port, &requests))
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let mut kept = Vec::new();
    for _ in 0..3 {
        let (status, took, c) = newcomer(d.port, "/healthz");
        assert_eq!(status, 200);
        assert!(
            took < LONG_WRITE_TIMEOUT / 2,
            "the newcomer waited {took:?}"
        );
        kept.push(c);
    }
    let stalled = r#"bantin_http_connections_reclaimed_total{reason="stalled"}"#;
    d.wait_until("the connections ended counted", || {
        d.metric(stalled).is_some_and(|n| n >= 3.0)
    });
    drop((rude, kept));
}

/// Two slots, and [`LONG_WRITE_TIMEOUT`].
fn two_slots_long_write_timeout() -> (TempStore, Daemon) {
    start(&format!(
        "[http]\nmax_connections = 2\nwrite_timeout_secs = {}\n",
        LONG_WRITE_TIMEOUT.as_secs()
    ))
}

/// Reads `c` slowly for `reading`: 4 KiB every 100 ms (about 40 KB/s, far
/// less than what is asked for). How many bytes came, and whether the
/// server ended the connection meanwhile.
fn read_slowly(mut c: TcpStream, reading: Duration) -> (usize, bool, TcpStream) {
    let started = Instant::now();
    let (mut got, mut chunk) = (0, [0; 4096]);
    while started.elapsed() < reading {
        match c.read(&mut chunk) {
            Ok(n) if n > 0 => got += n,
            _ => return (got, true, c),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (got, false, c)
}

/// Every slot held by clients that read their (large) responses slowly
/// and steadily, and a newcomer waiting all the while: none of them is
/// taken to make room, however long the wait, since their responses move.
/// The newcomer is served once one of them leaves.
#[test]
fn slow_readers_at_the_cap_are_not_taken_for_a_newcomer() {
    let (_site, d) = two_slots_long_write_timeout();
    let requests = many_feed_requests(&d);
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let c = never_reading([127, 0, 0, 1], d.port, &requests);
            std::thread::spawn(move || read_slowly(c, Duration::from_secs(15)))
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let port = d.port;
    let waiting = std::thread::spawn(move || {
        let (status, _, _) = newcomer(port, "/healthz");
        (status, Instant::now())
    });
    let mut kept = Vec::new();
    for r in readers {
        let (got, cut, c) = r.join().unwrap();
        assert!(!cut, "a slow reader was cut after {got} bytes");
        assert!(got > 200 * 1024, "the slow reader got only {got} bytes");
        kept.push(c);
    }
    assert!(!waiting.is_finished(), "the newcomer was made room for");
    let left = Instant::now();
    drop(kept);
    let (status, served) = waiting.join().unwrap();
    assert_eq!(status, 200);
    assert!(served >= left);
    let stalled = r#"bantin_http_connections_reclaimed_total{reason="stalled"}"#;
    assert_eq!(d.metric(stalled), Some(0.0));
}

/// An HTTP/2 connection from `from` with a small receive buffer and every
/// window wide open, which asks for `/feed.atom` on 64 streams (all it may
/// have open at once) and reads nothing of the answers.
fn never_reading_http2(from: [u8; 4], port: u16) -> TcpStream {
    let mut c = connect_from(from, port, Some(4096)).unwrap();
    let mut hello = PREFACE.to_vec();
    // SETTINGS_INITIAL_WINDOW_SIZE = 2^31 - 1, and as much for the connection.
    hello.extend(frame(0x4, 0, 0, &[0, 4, 0x7f, 0xff, 0xff, 0xff]));
    hello.extend(frame(0x4, 0x1, 0, &[]));
    hello.extend(window_update(0, 0x7fff_ffff - 65_535));
    for stream in (1..128).step_by(2) {
        hello.extend(get_path(stream, "/feed.atom", true));
    }
    c.write_all(&hello).unwrap();
    c
}

/// Every slot held by HTTP/2 connections whose streams cannot flush: their
/// clients asked for more than the kernel takes and read nothing. A
/// newcomer is served all the same, long before the write timeout, and the
/// connection ended for it counted as stalled.
#[test]
fn http2_connections_that_never_read_at_the_cap_make_room_for_others() {
    let (_site, d) = two_slots_long_write_timeout();
    let rude: Vec<_> = (0..2u8)
        .map(|i| never_reading_http2([127, 0, 0, 10 + i], d.port))
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let (status, took, c) = newcomer(d.port, "/healthz");
    assert_eq!(status, 200);
    assert!(
        took < LONG_WRITE_TIMEOUT / 2,
        "the newcomer waited {took:?}"
    );
    drop(c);
    let stalled = r#"bantin_http_connections_reclaimed_total{reason="stalled"}"#;
    d.wait_until("the connection ended counted", || {
        d.metric(stalled).is_some_and(|n| n >= 1.0)
    });
    drop(rude);
}
