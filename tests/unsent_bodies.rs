//! Bodies made for requests and not yet sent are bounded per client and in
//! all (`[http] max_unsent_bytes_per_client`, `max_unsent_bytes`): HTTP/2
//! streams held behind windows that never open, each asking for another
//! archive, the attack that made the daemon hold gigabytes, at a small scale.
//! Past its budget a client gets 503 with `Retry-After`; other clients are
//! served; once clients together hold the total, a client under its fair
//! share of it is still served, and the connections that do not move of the
//! clients over theirs are ended, so their bodies go.

// A failed unwrap in a test helper is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use bytes::Bytes;
use common::{Daemon, TempStore};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper::client::conn::http2::SendRequest;
use hyper::Response;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// The budgets the daemon runs with: a few archives per client.
const PER_CLIENT: usize = 100_000;
const TOTAL: usize = 250_000;
/// Months of 2023 in the store, each with [`PER_MONTH`] articles of about
/// 8 KB: archives of about 70 KB, more than one HTTP/2 piece (16 KiB), so a
/// stream with a shut window holds its body, and less than a client's budget.
const MONTHS: u32 = 6;
const PER_MONTH: u32 = 8;
/// What any one exchange of the test may take.
const LIMIT: Duration = Duration::from_secs(60);

fn site() -> TempStore {
    // No archive is kept by the cache, so every body is its response's own;
    // no connection is closed for stalling while the test runs.
    let site = TempStore::with_config(&format!(
        "[http]\nmax_unsent_bytes_per_client = {PER_CLIENT}\nmax_unsent_bytes = {TOTAL}\n\
         write_timeout_secs = 600\nidle_timeout_secs = 600\n\
         [archives]\ncache_bytes = 0\n"
    ));
    let store = site.store().join("ban-tin");
    std::fs::create_dir_all(&store).unwrap();
    let paragraph = "Người dân trong xã đã cùng nhau sửa lại con đường liên thôn, \
                     giúp việc đi lại và vận chuyển nông sản thuận tiện hơn. "
        .repeat(30);
    for month in 1..=MONTHS {
        for i in 0..PER_MONTH {
            let text = format!(
                "Bài {i} tháng {month}\n{}/{month}/2023 08:{i:02}\n\
                 Dẫn của bài {i} tháng {month}.\n{paragraph}\n{paragraph}\n",
                1 + i
            );
            std::fs::write(store.join(format!("bai-{month:02}-{i:03}.txt")), text).unwrap();
        }
    }
    site
}

/// Every archive of the store's months, in every format.
fn archives() -> Vec<String> {
    (1..=MONTHS)
        .flat_map(|m| ["rss", "atom", "json"].map(|ext| format!("/archive/2023-{m:02}.{ext}")))
        .collect()
}

/// A plain HTTP/1.1 GET of `path` from `local`, read whole: status, head, body.
fn get_from(local: [u8; 4], port: u16, path: &str) -> (u16, String, Vec<u8>) {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.bind(&SocketAddr::from((local, 0)).into()).unwrap();
    s.connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)).into(), LIMIT)
        .unwrap();
    let mut s: TcpStream = s.into();
    s.set_read_timeout(Some(LIMIT)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole head");
    let head = String::from_utf8_lossy(&all[..split]).into_owned();
    let status = head[9..12].parse().unwrap();
    (status, head, all[split + 4..].to_vec())
}

/// A client that opens no window: its HTTP/2 connection from `local`, and
/// the responses it holds (their bodies never read, so never sent).
struct Stalled {
    send: SendRequest<Empty<Bytes>>,
    conn: tokio::task::JoinHandle<()>,
    held: Vec<Response<Incoming>>,
}

impl Stalled {
    /// Connects from `local` with SETTINGS_INITIAL_WINDOW_SIZE = 0 (RFC 9113
    /// §6.5.2): no DATA may come on any stream, and no WINDOW_UPDATE is sent.
    async fn connect(local: [u8; 4], port: u16) -> Stalled {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::from((local, 0))).unwrap();
        let stream = socket
            .connect(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .unwrap();
        let (send, conn) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .initial_stream_window_size(0)
            .handshake(TokioIo::new(stream))
            .await
            .unwrap();
        let conn = tokio::spawn(async move {
            let _ = conn.await;
        });
        Stalled {
            send,
            conn,
            held: Vec::new(),
        }
    }

    /// Asks for `paths` one after another, holding every 200, until one is
    /// refused: that refusal (`None` if none was).
    async fn fill(
        &mut self,
        port: u16,
        paths: &mut impl Iterator<Item = String>,
    ) -> Option<Response<Incoming>> {
        for path in paths.take(50) {
            let req = http::Request::get(format!("http://127.0.0.1:{port}{path}"))
                .body(Empty::new())
                .unwrap();
            let r = self.send.send_request(req).await.unwrap();
            match r.status().as_u16() {
                200 => self.held.push(r),
                503 => return Some(r),
                other => panic!("GET {path}: {other}"),
            }
        }
        None
    }
}

/// Bytes of unsent bodies the daemon counts now.
fn unsent(d: &Daemon) -> usize {
    d.metric("bantin_http_unsent_bytes").unwrap_or(0.0) as usize
}

/// Refusals counted for `reason`.
fn refusals(d: &Daemon, reason: &str) -> f64 {
    let name = format!("bantin_http_unsent_refused_total{{reason=\"{reason}\"}}");
    d.metric(&name).unwrap_or(0.0)
}

/// The runtime the test's HTTP/2 clients run on.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `f` on `rt`, failing the test if it takes more than [`LIMIT`].
fn within<T>(rt: &tokio::runtime::Runtime, f: impl std::future::Future<Output = T>) -> T {
    rt.block_on(async { tokio::time::timeout(LIMIT, f).await.unwrap() })
}

fn assert_refusal(r: &Response<Incoming>) {
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "10");
    assert_eq!(r.headers()["cache-control"], "no-store");
}

#[test]
fn streams_held_unread_are_refused_past_the_budget_and_others_are_served() {
    let site = site();
    let d = site.start();
    let port = d.port;
    // What each archive weighs, read whole by a client that reads.
    let mut largest = 0;
    for path in archives() {
        let (status, _, body) = get_from([127, 0, 0, 2], port, &path);
        assert_eq!(status, 200, "{path}");
        assert!(
            body.len() > 16 * 1024 && body.len() < PER_CLIENT,
            "{path}: {} bytes",
            body.len()
        );
        largest = largest.max(body.len());
    }
    assert_eq!(unsent(&d), 0, "bodies read are not counted");

    let rt = runtime();
    let mut paths = archives().into_iter().cycle();

    // One client holds its budget and is refused the next archive.
    let mut first = within(&rt, Stalled::connect([127, 0, 0, 1], port));
    let refused = within(&rt, first.fill(port, &mut paths)).expect("refused past its budget");
    assert_refusal(&refused);
    let held = unsent(&d);
    assert!(
        (PER_CLIENT..PER_CLIENT + largest).contains(&held),
        "one client holds {held} bytes unsent, budget {PER_CLIENT}"
    );
    assert!(first.held.len() >= 2, "{} archives held", first.held.len());
    assert!(refusals(&d, "per_client") >= 1.0);
    // Every further archive is refused at once.
    let again = within(&rt, first.fill(port, &mut paths)).expect("still refused");
    assert_refusal(&again);

    // Another client is served, whole; its body leaves the count once sent.
    let (status, head, body) = get_from([127, 0, 0, 2], port, "/archive/2023-03.atom");
    assert_eq!(status, 200, "{head}");
    assert!(body.len() > 16 * 1024);
    d.wait_until("the other client's body out of the count", || {
        unsent(&d) == held
    });

    // Many clients together: each holds its budget (or, once the total is
    // held, its fair share of it) until all of them hold the total.
    let mut more = Vec::new();
    for n in 3..=12 {
        if unsent(&d) >= TOTAL {
            break;
        }
        let mut c = within(&rt, Stalled::connect([127, 0, 0, n], port));
        let r = within(&rt, c.fill(port, &mut paths)).expect("refused past a budget");
        assert_refusal(&r);
        more.push(c);
    }
    let total = unsent(&d);
    assert!(
        total >= TOTAL && total < 2 * TOTAL + largest,
        "all clients hold {total} bytes unsent, total budget {TOTAL}"
    );
    // A client holding nothing is under its share: served, and its asking
    // ends the connections of the clients over theirs once their streams
    // have not moved for a few seconds, the first client's among them.
    d.wait_until("stalled HTTP/2 connections ended", || {
        let (status, head, _) = get_from([127, 0, 0, 40], port, "/archive/2023-01.rss");
        assert_eq!(status, 200, "{head}");
        std::thread::sleep(Duration::from_millis(200));
        d.metric("bantin_http_unsent_shed_total").unwrap_or(0.0) >= 1.0
    });
    within(&rt, &mut first.conn).unwrap();
    assert!(unsent(&d) < total, "the bodies of the connections ended go");
    // What the snapshot shares is never refused.
    assert_eq!(get_from([127, 0, 0, 40], port, "/feed.rss").0, 200);

    // Their connections close: their bodies go, and renders are served again.
    for c in std::iter::once(first).chain(more) {
        drop((c.held, c.send));
        c.conn.abort();
    }
    drop(rt);
    d.wait_until("every unsent body released", || unsent(&d) == 0);
    let (status, head, _) = get_from([127, 0, 0, 40], port, "/archive/2023-01.rss");
    assert_eq!(status, 200, "{head}");
}

#[test]
fn a_reload_applies_new_budgets_to_connections_already_open() {
    let site = site();
    let d = site.start();
    let port = d.port;
    let rt = runtime();
    let mut paths = archives().into_iter().cycle();
    let mut client = within(&rt, Stalled::connect([127, 0, 0, 1], port));
    let refused = within(&rt, client.fill(port, &mut paths)).expect("refused past its budget");
    assert_refusal(&refused);
    // A larger budget, applied by a reload with no connection accepted since
    // (the log is read from the daemon's stderr, not over HTTP).
    let config = std::fs::read_to_string(site.config()).unwrap();
    let larger = config
        .replace(
            &format!("max_unsent_bytes_per_client = {PER_CLIENT}"),
            "max_unsent_bytes_per_client = 10000000",
        )
        .replace(
            &format!("max_unsent_bytes = {TOTAL}"),
            "max_unsent_bytes = 20000000",
        );
    assert_ne!(larger, config);
    std::fs::write(site.config(), larger).unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.log_line("configuration reloaded");
    // The same connection now gets what it asks for.
    let req = http::Request::get(format!("http://127.0.0.1:{port}/archive/2023-02.json"))
        .body(Empty::new())
        .unwrap();
    let r = within(&rt, client.send.send_request(req)).unwrap();
    assert_eq!(r.status(), 200);
    drop((r, client.held, client.send));
    client.conn.abort();
}

/// The budgets of the article-page test: a client's share is two pages.
const PAGE_PER_CLIENT: usize = 500_000;
const PAGE_TOTAL: usize = 1_000_000;
/// Big articles in the store, each a page of about 300 KB.
const BIG: usize = 12;

/// A store of [`BIG`] big articles and one ordinary one, served with the
/// page budgets; no connection is closed for stalling while the test runs,
/// so one that closes was ended for holding too much.
fn big_pages_site() -> TempStore {
    let site = TempStore::with_config(&format!(
        "[http]\nmax_unsent_bytes_per_client = {PAGE_PER_CLIENT}\n\
         max_unsent_bytes = {PAGE_TOTAL}\n\
         write_timeout_secs = 600\nidle_timeout_secs = 600\n"
    ));
    let store = site.store().join("lon");
    std::fs::create_dir_all(&store).unwrap();
    let paragraph = "Văn bản hướng dẫn thi hành luật được đăng toàn văn để bạn đọc tra cứu, \
                     gồm các điều khoản về thủ tục, thời hạn và trách nhiệm của từng cơ quan. "
        .repeat(20);
    for n in 0..BIG {
        // Each paragraph its own (a paragraph repeated is read once).
        let body: String = (0..100)
            .map(|p| format!("Điều {p}. {paragraph}\n\n"))
            .collect();
        let text = format!(
            "Văn bản số {n}\n{}/3/2024 09:00\nToàn văn văn bản số {n}.\n{body}",
            1 + n
        );
        std::fs::write(store.join(format!("van-ban-{n}.txt")), text).unwrap();
    }
    std::fs::write(
        site.store().join("lon").join("tin-ngan.txt"),
        "Tin ngắn\n20/3/2024 10:00\nMột tin ngắn.\nNội dung ngắn của tin.\n",
    )
    .unwrap();
    site
}

/// A rude client's connection: it asked for a page and read only the head.
struct Rude {
    from: [u8; 4],
    stream: TcpStream,
    /// The body's length, from its head.
    length: usize,
    /// What it read of the body with the head.
    read: usize,
}

/// Asks for `path` from `local` on a connection that takes almost nothing:
/// a 4 KiB receive buffer and small segments (so the daemon's kernel holds
/// little of the body for it either), reading only up to the end of the
/// head. The status, and the connection if it is a 200.
fn ask_and_stall(local: [u8; 4], port: u16, path: &str) -> (u16, Option<Rude>) {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.set_recv_buffer_size(4096).unwrap();
    s.set_tcp_mss(1000).unwrap();
    s.bind(&SocketAddr::from((local, 0)).into()).unwrap();
    s.connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)).into(), LIMIT)
        .unwrap();
    let mut s: TcpStream = s.into();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut got = Vec::new();
    let split = loop {
        if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "GET {path}: closed before its head");
        got.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&got[..split]).to_lowercase();
    let status = head[9..12].parse().unwrap();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let rude = (status == 200).then(|| Rude {
        from: local,
        stream: s,
        length,
        read: got.len() - split - 4,
    });
    (status, rude)
}

#[test]
fn a_few_clients_holding_the_total_lose_their_stalled_connections_and_others_are_served() {
    let site = big_pages_site();
    let d = site.start();
    let port = d.port;
    let page = |n: usize| format!("/articles/lon/van-ban-{n}");
    let (status, _, body) = get_from([127, 0, 0, 2], port, &page(0));
    assert_eq!(status, 200);
    assert!(
        body.len() > 200_000 && body.len() < PAGE_PER_CLIENT,
        "{} bytes",
        body.len()
    );
    assert_eq!(d.metric("bantin_http_unsent_shed_total"), Some(0.0));

    // Rude clients, one address after another, each asking for big pages
    // and reading none, until all of them hold the total.
    let mut rude = Vec::new();
    let mut next = 0;
    'addresses: for last in 3..=6u8 {
        for _ in 0..4 {
            let (status, held) = ask_and_stall([127, 0, 0, last], port, &page(next % BIG));
            next += 1;
            match held {
                Some(held) => rude.push(held),
                None => {
                    assert_eq!(status, 503, "refused past its share");
                    break;
                }
            }
            if unsent(&d) >= PAGE_TOTAL {
                break 'addresses;
            }
        }
    }
    let held = unsent(&d);
    assert!(
        (PAGE_TOTAL..2 * PAGE_TOTAL).contains(&held),
        "{held} bytes held, total {PAGE_TOTAL}"
    );
    let clients: std::collections::BTreeSet<[u8; 4]> = rude.iter().map(|r| r.from).collect();
    assert!(clients.len() >= 2, "{} rude clients", clients.len());

    // A polite client asking for an ordinary page is served every time (it
    // holds less than its share), and its asking has the connections of the
    // clients over their share ended once they have not moved for a while.
    d.wait_until("the rude clients' connections ended", || {
        let (status, head, _) = get_from([127, 0, 0, 2], port, "/articles/lon/tin-ngan");
        assert_eq!(status, 200, "{head}");
        std::thread::sleep(Duration::from_millis(200));
        d.metric("bantin_http_unsent_shed_total").unwrap_or(0.0) >= 1.0
    });
    let line = d.log_line("of clients holding more than their fair share of max_unsent_bytes");
    assert!(line.contains("127.0.0.3 ("), "{line}");
    d.log_line("unsent response bodies hold max_unsent_bytes");

    // The connections ended are closed, their responses cut short, their
    // bodies out of the count. (Once the bytes held fall under the total,
    // nothing more is ended: the others are left to the write timeout, and
    // are closed here.)
    let ended = d.metric("bantin_http_unsent_shed_total").unwrap_or(0.0) as usize;
    let mut closed = 0;
    for mut r in rude {
        r.stream
            .set_read_timeout(Some(Duration::from_secs(1)))
            .unwrap();
        let mut rest = Vec::new();
        let end = match r.stream.read_to_end(&mut rest) {
            Ok(_) => true,
            Err(e) => match e.kind() {
                std::io::ErrorKind::ConnectionReset => true,
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => false,
                _ => panic!("{e}"),
            },
        };
        if end {
            closed += 1;
            assert!(
                r.read + rest.len() < r.length,
                "a response of {} bytes was sent whole",
                r.length
            );
        }
    }
    assert!(
        closed >= ended && ended >= 1,
        "{closed} closed, {ended} ended"
    );
    d.wait_until("the rude clients' bodies out of the count", || {
        unsent(&d) == 0
    });
    assert_eq!(get_from([127, 0, 0, 3], port, &page(1)).0, 200);
}
