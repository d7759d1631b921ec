//! Renders on demand are shared fairly between clients: a client that asks for
//! many uncached archives at once (127.0.0.1) takes the two turns while nobody
//! else waits, and its others queue; another client (127.0.0.2, bound before
//! connecting to the daemon on 127.0.0.1) then gets the next turn given back,
//! so its uncached page comes while most of the first one's are still queued.
//! Asserted on the order of completion and on the queue gauge, not on time.

// A failed unwrap in a test helper is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Daemon, TempStore};
use socket2::{Domain, Socket, Type};

/// Months of 2023 in the store, each with [`PER_MONTH`] articles: enough
/// text that an archive's render takes a while (it reads every article back).
const MONTHS: u32 = 12;
const PER_MONTH: u32 = 60;
/// Uncached archives the first client asks for at once, one per connection
/// (under the default 32 connections per client).
const BURST: usize = 16;

/// A store of [`MONTHS`] × [`PER_MONTH`] articles of a few KB each.
fn big_site() -> TempStore {
    let site = TempStore::new();
    let store = site.store().join("ban-tin");
    std::fs::create_dir_all(&store).unwrap();
    let paragraph = "Người dân trong xã đã cùng nhau sửa lại con đường liên thôn, \
                     giúp việc đi lại và vận chuyển nông sản thuận tiện hơn. "
        .repeat(30);
    for month in 1..=MONTHS {
        for i in 0..PER_MONTH {
            let (day, hour, minute) = (1 + i % 28, 6 + i / 28, i % 60);
            let text = format!(
                "Bài {i} tháng {month}\n{day}/{month}/2023 {hour:02}:{minute:02}\n\
                 Dẫn của bài {i} tháng {month}.\n{paragraph}\n{paragraph}\n"
            );
            std::fs::write(store.join(format!("bai-{month:02}-{i:03}.txt")), text).unwrap();
        }
    }
    site
}

/// A connection from `local` to the daemon on 127.0.0.1.
fn connect_from(local: [u8; 4], port: u16) -> TcpStream {
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.bind(&SocketAddr::from((local, 0)).into()).unwrap();
    s.connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)).into(),
        Duration::from_secs(2),
    )
    .unwrap();
    let s: TcpStream = s.into();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s
}

/// GET `target` from `local` on a connection of its own: the status line.
fn get_from(local: [u8; 4], port: u16, target: &str) -> String {
    let mut s = connect_from(local, port);
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all)
        .unwrap_or_else(|e| panic!("GET {target} from {local:?}: {e}"));
    let text = String::from_utf8_lossy(&all);
    text.lines().next().unwrap_or_default().to_owned()
}

/// The value of the metric `name` (no labels), 0 if absent.
fn metric(d: &Daemon, name: &str) -> f64 {
    d.metric(name).unwrap_or(0.0)
}

#[test]
fn one_clients_burst_of_uncached_archives_does_not_hold_up_another_client() {
    let site = big_site();
    let d = Daemon::serve(&site.config(), Duration::from_secs(120));
    let port = d.port;
    // The first client: [`BURST`] different uncached archives at once, half on
    // the HTTP/1 fast path and half (absolute-form targets) through hyper,
    // so both paths must name it as the same client.
    let done = Arc::new(AtomicUsize::new(0));
    let rude: Vec<_> = (0..BURST)
        .map(|n| {
            let month = 1 + n / 2;
            let ext = ["rss", "atom"][n % 2];
            let path = format!("/archive/2023-{month:02}.{ext}");
            let target = if n % 4 < 2 {
                path
            } else {
                format!("http://127.0.0.1:{port}{path}")
            };
            let done = done.clone();
            std::thread::spawn(move || {
                let status = get_from([127, 0, 0, 1], port, &target);
                done.fetch_add(1, Ordering::SeqCst);
                status
            })
        })
        .collect();
    // Every one of them has missed the cache, so is running or queued for a turn.
    let deadline = Instant::now() + Duration::from_secs(30);
    while metric(&d, "bantin_archive_cache_misses_total") < BURST as f64 {
        assert!(
            Instant::now() < deadline,
            "the burst never reached the daemon"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // The other client's uncached month page.
    let status = get_from([127, 0, 0, 2], port, "/archive/2023-11");
    let rude_done = done.load(Ordering::SeqCst);
    let waiting = metric(&d, "bantin_render_queue_waiting");
    assert_eq!(status, "HTTP/1.1 200 OK");
    // Behind the first of the two renders the first client was running; the
    // other may end meanwhile, and a third start and end on the turn it gives
    // back while this page renders. One FIFO queue put it behind all 16.
    assert!(
        rude_done <= 3,
        "the other client was served after {rude_done} of the first client's {BURST} renders"
    );
    assert!(
        waiting >= 1.0,
        "the first client's renders still queued, but bantin_render_queue_waiting is {waiting}"
    );
    for r in rude {
        assert_eq!(r.join().unwrap(), "HTTP/1.1 200 OK");
    }
    // Every queue is gone once nothing waits.
    assert_eq!(metric(&d, "bantin_render_queue_waiting"), 0.0);
}
