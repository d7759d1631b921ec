//! The `/metrics` page a sysadmin scrapes, on the real binary: every metric
//! family described (`# HELP` and `# TYPE`), timings exported as histograms
//! with buckets, and every rejected file counted as the rejected-files gauge
//! counts it.

// `allow-unwrap-in-tests` covers `#[test]` functions only; here the helpers are
// test code too, and a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Daemon, TempStore};

/// Reconciliations every second, so a test sees several go by.
const RECONCILE_OFTEN: &str = "[watch]\nreconcile_secs = 1\n";

/// A small valid article dated 11/05/2020, in the `thong-bao` category.
fn article(title: &str) -> String {
    format!(
        "08:05 ICT Thứ hai, 11/05/2020\n\nTrang nhất » Thông báo\n\n{title}\n\nThứ hai - 11/05/2020 08:00\nDẫn: {title}.\n\nNội dung bài viết.\n"
    )
}

/// An article with NUL and 0xFF bytes in it: refused as binary.
fn binary(title: &str) -> Vec<u8> {
    let mut bytes = article(title).into_bytes();
    bytes.splice(10..10, [0, 0, 0xff, 0]);
    bytes
}

/// A folder next to the store: outside it, on the same filesystem.
fn outside(site: &TempStore) -> PathBuf {
    let dir = site.config().parent().unwrap().join("outside");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `# HELP` and `# TYPE` lines of a page, by family name.
#[derive(Debug, Default)]
struct Described {
    help: BTreeMap<String, String>,
    kind: BTreeMap<String, String>,
}

/// Reads the comment lines of a Prometheus text page.
fn described(page: &str) -> Described {
    let mut d = Described::default();
    for line in page.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, text) = rest.split_once(' ').unwrap_or((rest, ""));
            d.help.insert(name.to_owned(), text.to_owned());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, ""));
            d.kind.insert(name.to_owned(), kind.to_owned());
        }
    }
    d
}

/// The family a sample line belongs to: its metric name, less the `_bucket`,
/// `_sum` or `_count` of a histogram or summary.
fn family<'a>(sample: &'a str, d: &Described) -> &'a str {
    let name = sample
        .split(['{', ' '])
        .next()
        .expect("a sample line starts with its name");
    if d.kind.contains_key(name) {
        return name;
    }
    ["_bucket", "_sum", "_count"]
        .iter()
        .filter_map(|suffix| name.strip_suffix(suffix))
        .find(|base| {
            d.kind
                .get(*base)
                .is_some_and(|k| k == "histogram" || k == "summary")
        })
        .unwrap_or(name)
}

/// The `le` bounds of a histogram's buckets on the page, in page order.
fn buckets(page: &str, name: &str) -> Vec<String> {
    let prefix = format!("{name}_bucket{{le=\"");
    page.lines()
        .filter_map(|l| Some(l.strip_prefix(&prefix)?.split('"').next()?.to_owned()))
        .collect()
}

/// Makes a FIFO at `path`.
fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

#[test]
fn every_metric_family_is_described_and_timings_are_histograms() {
    let site = TempStore::with_config(RECONCILE_OFTEN);
    std::fs::write(site.store().join("thong-bao/rong.txt"), b"").unwrap();
    let d = site.start();
    // Traffic: a 200, a revalidation (304), a 404 and an archive rendered on demand.
    let feed = d.get("/feed.rss", &[]);
    assert_eq!(feed.status, 200);
    let tag = feed.expect_header("etag").to_owned();
    assert_eq!(d.get("/feed.rss", &[("if-none-match", &tag)]).status, 304);
    assert_eq!(d.get("/khong-co", &[]).status, 404);
    // An update through the watcher: a file written right at start may be
    // found by the start-up reconciliation instead, so a second one follows.
    for (file, title) in [
        ("do.txt", "Bài viết để đo"),
        ("do-2.txt", "Bài viết để đo 2"),
    ] {
        std::fs::write(site.store().join("thong-bao").join(file), article(title)).unwrap();
        d.wait_until("the new article served", || {
            d.body("/feed.rss").contains(title)
        });
    }
    assert_eq!(d.get("/archive/2020-05.rss", &[]).status, 200);
    d.wait_until("an update and a reconciliation measured", || {
        d.metric("bantin_update_latency_seconds_count")
            .is_some_and(|n| n >= 1.0)
            && d.metric("bantin_reconcile_seconds_count")
                .is_some_and(|n| n >= 1.0)
    });

    let page = d.body("/metrics");
    let described = described(&page);
    let mut families = 0;
    for sample in page
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let name = family(sample, &described);
        assert!(
            described.kind.contains_key(name),
            "no # TYPE for {name}:\n{page}"
        );
        let help = described.help.get(name).map(String::as_str);
        assert!(
            help.is_some_and(|h| !h.trim().is_empty()),
            "no # HELP for {name}:\n{page}"
        );
        families += 1;
    }
    assert!(families > 10, "{page}");

    for (timing, first, last) in [
        ("bantin_update_latency_seconds", "0.001", "10"),
        ("bantin_render_seconds", "0.0005", "10"),
        ("bantin_archive_render_seconds", "0.0005", "10"),
        ("bantin_reconcile_seconds", "0.01", "300"),
    ] {
        assert_eq!(
            described.kind.get(timing).map(String::as_str),
            Some("histogram"),
            "{timing}:\n{page}"
        );
        let bounds = buckets(&page, timing);
        assert_eq!(bounds.first().map(String::as_str), Some(first), "{page}");
        assert_eq!(
            bounds.iter().rev().nth(1).map(String::as_str),
            Some(last),
            "{page}"
        );
        assert_eq!(bounds.last().map(String::as_str), Some("+Inf"), "{page}");
    }
}

#[test]
fn every_family_is_on_the_first_scrape() {
    let site = TempStore::new();
    let d = site.start();
    let page = d.body("/metrics");
    let sampled = |name: &str| {
        page.lines().any(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with([' ', '{', '_']))
        })
    };
    for family in bantin::metric_families::FAMILIES {
        // Set when the first reconciliation ends, some time after start (0
        // would say 1970); every other one is there before the first request.
        if family.name == "bantin_last_reconcile_timestamp_seconds" {
            continue;
        }
        assert!(sampled(family.name), "no {}:\n{page}", family.name);
    }
    for line in [
        r#"bantin_http_connections_refused_total{reason="per_client"} 0"#,
        "bantin_http2_enhance_your_calm_total 0",
        "bantin_http_accept_errors_total 0",
        "bantin_http_not_modified_total 0",
        "bantin_archive_cache_misses_total 0",
        "bantin_page_queue_waiting 0",
        "bantin_update_latency_seconds_count 0",
        "bantin_store_root_present 1",
    ] {
        assert!(page.lines().any(|l| l == line), "no {line:?} in\n{page}");
    }
    // Each route with its usual status, before any request of it.
    for labels in [
        r#"{route="feed",status="200"}"#,
        r#"{route="article",status="200"}"#,
        r#"{route="not_found",status="404"}"#,
        r#"{route="redirect",status="308"}"#,
    ] {
        let line = format!("bantin_http_requests_total{labels} 0");
        assert!(page.lines().any(|l| l == line), "no {line:?} in\n{page}");
    }
}

/// The rejected-files gauge and counter.
fn rejected(d: &Daemon) -> (Option<f64>, Option<f64>) {
    (
        d.metric("bantin_rejected_files"),
        d.metric("bantin_files_rejected_total"),
    )
}

/// Waits for two more reconciliations than have run now.
fn two_reconciliations(d: &Daemon) {
    let count = || d.metric("bantin_reconcile_seconds_count").unwrap_or(0.0);
    let now = count();
    d.wait_until("two more reconciliations", || count() >= now + 2.0);
}

#[test]
fn every_rejected_file_is_counted_once_per_change() {
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let dir = site.store().join("thong-bao");
    // Refused while listing: a FIFO and a link out of the store.
    mkfifo(&dir.join("ong.txt"));
    let secret = outside(&site).join("bi-mat.txt");
    std::fs::write(&secret, article("Bí mật bên ngoài")).unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("ngoai.txt")).unwrap();
    // Refused when read: a binary file and an empty one.
    std::fs::write(dir.join("nhi-phan.txt"), binary("Nhị phân")).unwrap();
    std::fs::write(dir.join("rong.txt"), b"").unwrap();
    let d = site.start();
    assert_eq!(rejected(&d), (Some(4.0), Some(4.0)), "{}", d.stderr());
    // Reconciliations find the same files unchanged: nothing more to count.
    two_reconciliations(&d);
    assert_eq!(rejected(&d), (Some(4.0), Some(4.0)), "{}", d.stderr());

    // One more bad file, live.
    std::fs::write(dir.join("moi.txt"), binary("Mới")).unwrap();
    d.wait_until("the new rejection counted", || {
        d.metric("bantin_rejected_files") == Some(5.0)
    });
    two_reconciliations(&d);
    assert_eq!(rejected(&d), (Some(5.0), Some(5.0)), "{}", d.stderr());

    // A rejected file saved again, still broken, is rejected again.
    std::fs::write(dir.join("nhi-phan.txt"), binary("Nhị phân, lần hai")).unwrap();
    d.wait_until("the second rejection counted", || {
        d.metric("bantin_files_rejected_total") == Some(6.0)
    });
    two_reconciliations(&d);
    assert_eq!(rejected(&d), (Some(5.0), Some(6.0)), "{}", d.stderr());
}

/// The names a family of `kind` takes on a page as OpenMetrics reads it: its
/// family name (a counter's is its name without `_total`) and the name of
/// every sample it may write.
fn names_taken(name: &str, kind: &str) -> Vec<String> {
    let with = |suffixes: &[&str], base: &str| -> Vec<String> {
        suffixes.iter().map(|s| format!("{base}{s}")).collect()
    };
    match kind {
        "counter" => with(
            &["", "_total", "_created"],
            name.strip_suffix("_total").unwrap_or(name),
        ),
        "histogram" => with(&["", "_bucket", "_sum", "_count", "_created"], name),
        "summary" => with(&["", "_sum", "_count", "_created"], name),
        _ => vec![name.to_owned()],
    }
}

#[test]
fn no_two_families_share_a_name_as_openmetrics_reads_them() {
    let site = TempStore::new();
    let d = site.start();
    assert_eq!(d.get("/feed.rss", &[]).status, 200);
    assert_eq!(d.get("/khong-co", &[]).status, 404);
    let page = d.body("/metrics");
    let described = described(&page);
    assert!(described.kind.len() > 20, "{page}");
    // A gauge `X` beside a counter `X_total` is one family to OpenMetrics
    // parsers (Python's prometheus_client refuses the page): as
    // `bantin_files_rejected` and `bantin_files_rejected_total` were.
    let mut taken_by: BTreeMap<String, &str> = BTreeMap::new();
    for (name, kind) in &described.kind {
        for taken in names_taken(name, kind) {
            if let Some(other) = taken_by.insert(taken.clone(), name) {
                panic!("{other} and {name} both take the name {taken}:\n{page}");
            }
        }
    }
}

#[test]
fn open_connections_are_counted_against_max_connections() {
    use std::io::{Read, Write};
    let site = TempStore::with_config("[http]\nmax_connections = 50\n");
    let d = site.start();
    let open = "bantin_http_connections_open";
    assert_eq!(d.metric("bantin_http_connections_max"), Some(50.0));
    // Counted while served: the scrape's own connection, and nothing else.
    d.wait_until("only the scrape open", || d.metric(open) == Some(1.0));
    let addr = d
        .url("/")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut held: Vec<std::net::TcpStream> = (0..3)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
                .unwrap();
            let mut answer = [0u8; 512];
            assert!(s.read(&mut answer).unwrap() > 0);
            s
        })
        .collect();
    d.wait_until("three kept-alive connections and the scrape", || {
        d.metric(open) == Some(4.0)
    });
    held.clear();
    d.wait_until("the closed ones no longer counted", || {
        d.metric(open) == Some(1.0)
    });
    // A reload moves the cap.
    let config = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(site.config(), config.replace("= 50", "= 60")).unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("the new cap", || {
        d.metric("bantin_http_connections_max") == Some(60.0)
    });
}

#[test]
fn reloads_are_counted_by_result_and_the_last_one_says_how_it_went() {
    let site = TempStore::new();
    let d = site.start();
    let ok = r#"bantin_config_reloads_total{result="ok"}"#;
    let error = r#"bantin_config_reloads_total{result="error"}"#;
    let success = "bantin_config_last_reload_success";
    let when = "bantin_config_last_reload_success_timestamp_seconds";
    // The load at start counts as a success; no reload yet.
    assert_eq!(d.metric(ok), Some(0.0));
    assert_eq!(d.metric(error), Some(0.0));
    assert_eq!(d.metric(success), Some(1.0));
    let at_start = d.metric(when).unwrap();
    assert!(at_start > 1.7e9, "{at_start}");

    // A good file: applied.
    let good = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(site.config(), format!("{good}\n[feeds]\nitems = 5\n")).unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("the reload counted", || d.metric(ok) == Some(1.0));
    assert_eq!(d.metric(success), Some(1.0));
    let applied = d.metric(when).unwrap();
    assert!(applied >= at_start, "{applied} < {at_start}");

    // A bad file: refused, the running configuration kept.
    std::fs::write(site.config(), format!("{good}\nthis is not toml\n")).unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("the refusal counted", || d.metric(error) == Some(1.0));
    assert_eq!(d.metric(success), Some(0.0));
    assert_eq!(d.metric(ok), Some(1.0));
    assert_eq!(d.metric(when), Some(applied));

    // Fixed: a success again.
    std::fs::write(site.config(), &good).unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("the second good reload counted", || {
        d.metric(ok) == Some(2.0)
    });
    assert_eq!(d.metric(success), Some(1.0));
    assert_eq!(d.metric(error), Some(1.0));
}

#[test]
fn a_reload_that_changes_no_article_moves_no_store_change_metric() {
    let site = TempStore::new();
    let d = site.start();
    let last = "bantin_last_store_change_timestamp_seconds";
    let changed = "bantin_files_changed_total";
    let at_start = d.metric(last).unwrap();
    // The gauge has whole-second resolution at best: let a second pass.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let config = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(site.config(), format!("{config}\n[feeds]\nitems = 5\n")).unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.log_line("configuration reloaded");
    assert_eq!(d.metric(last), Some(at_start));
    assert_eq!(d.metric(changed), Some(0.0));
    assert!(
        !d.stderr().contains("store change served"),
        "{}",
        d.stderr()
    );
    // An article added is a store change.
    std::fs::write(site.store().join("thong-bao/moi.txt"), article("Tin mới")).unwrap();
    d.wait_until("the new article counted", || {
        d.metric(last).is_some_and(|t| t > at_start)
    });
}

/// `/metrics` tells how the daemon is doing, so it is served only to the
/// addresses `[http] metrics_from` lists (loopback by default): another
/// address gets 403, never cached, and a reload that lists it lets it in at
/// once, on a connection opened before the reload too.
#[test]
fn metrics_are_served_only_to_the_listed_addresses() {
    let site = TempStore::with_config("[http]\nmetrics_from = [\"192.0.2.0/24\", \"::2\"]\n");
    let d = site.start();
    let refused = d.get("/metrics", &[]);
    assert_eq!(refused.status, 403, "127.0.0.1 is not listed");
    assert!(
        refused.text().contains("[http] metrics_from"),
        "{}",
        refused.text()
    );
    assert_eq!(refused.header("cache-control"), Some("no-store"));
    assert!(!refused.text().contains("bantin_"), "nothing of the page");
    // Other routes are untouched.
    assert_eq!(d.get("/healthz", &[]).status, 200);

    // A connection opened before the reload, kept alive across it.
    let mut kept = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    let ask = |s: &mut std::net::TcpStream| -> String {
        use std::io::{Read, Write};
        write!(s, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut head = Vec::new();
        let mut byte = [0; 1];
        while !head.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(str::to_owned)
            })
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let mut body = vec![0; len];
        s.read_exact(&mut body).unwrap();
        head
    };
    assert!(ask(&mut kept).starts_with("HTTP/1.1 403"));

    let config = std::fs::read_to_string(site.config()).unwrap();
    let base = config.split("[http]").next().unwrap().to_owned();
    std::fs::write(
        site.config(),
        format!("{base}[http]\nmetrics_from = [\"127.0.0.1\"]\n"),
    )
    .unwrap();
    let reloads = d.stderr().matches("configuration reloaded").count();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("the reload applied", || {
        d.stderr().matches("configuration reloaded").count() > reloads
    });
    let page = d.get("/metrics", &[]);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("bantin_articles_indexed"));
    assert!(
        ask(&mut kept).starts_with("HTTP/1.1 200"),
        "at once, on open connections too"
    );
    // The two refusals were counted as what they were.
    assert_eq!(
        d.metric("bantin_http_requests_total{route=\"metrics\",status=\"403\"}"),
        Some(2.0)
    );
}

/// `bantin_http_response_bytes_total` now, and how many bytes the scrape
/// that read it has (counted once it is sent, so by the next scrape).
fn bytes_sent(d: &Daemon) -> (f64, f64) {
    let page = d.get("/metrics", &[]);
    let value = String::from_utf8_lossy(&page.body)
        .lines()
        .find_map(|l| {
            l.strip_prefix("bantin_http_response_bytes_total ")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap();
    (value, page.body.len() as f64)
}

/// A store with one long article (a page of about 3 MB), `/articles/lon/van-ban`.
fn long_article_site() -> TempStore {
    let site = TempStore::new();
    let dir = site.store().join("lon");
    std::fs::create_dir_all(&dir).unwrap();
    let paragraph = "Văn bản hướng dẫn thi hành luật được đăng toàn văn để bạn đọc tra cứu, \
                     gồm các điều khoản về thủ tục, thời hạn và trách nhiệm của từng cơ quan. "
        .repeat(20);
    // Each paragraph its own (a paragraph repeated is read once).
    let body: String = (0..800)
        .map(|p| format!("Điều {p}. {paragraph}\n\n"))
        .collect();
    let text = format!("Văn bản dài\n1/3/2024 09:00\nToàn văn văn bản.\n{body}");
    std::fs::write(dir.join("van-ban.txt"), text).unwrap();
    site
}

#[test]
fn response_bytes_count_what_went_out_not_what_was_asked_for() {
    use std::io::{Read, Write};
    let site = long_article_site();
    let d = site.start();
    let archive = "/archive/2024-03.rss";
    let page = "/articles/lon/van-ban";
    // Complete responses count their body exactly, in each coding, from
    // memory (the first) and from the copy made for sendfile (the next);
    // a HEAD and a 304 count nothing.
    let mut before = bytes_sent(&d);
    let mut etag = String::new();
    let mut length = 0;
    for (method, headers, status, coded) in [
        ("GET", vec![], 200, None),
        ("GET", vec![], 200, None),
        ("GET", vec![("accept-encoding", "gzip")], 200, Some("gzip")),
        ("GET", vec![("accept-encoding", "br")], 200, Some("br")),
        ("HEAD", vec![], 200, None),
        ("GET", vec![("if-none-match", "ETAG")], 304, None),
    ] {
        let tag = etag.clone();
        let headers: Vec<(&str, &str)> = headers
            .into_iter()
            .map(|(k, v)| (k, if v == "ETAG" { tag.as_str() } else { v }))
            .collect();
        let r = d.request(method, archive, &headers);
        assert_eq!(r.status, status, "{method} {headers:?}");
        assert_eq!(r.header("content-encoding"), coded, "{method} {headers:?}");
        if coded.is_none() && status == 200 && method == "GET" {
            etag = r.expect_header("etag").to_owned();
            length = r.body.len();
        }
        let after = bytes_sent(&d);
        assert_eq!(
            after.0 - before.0,
            before.1 + r.body.len() as f64,
            "{method} {headers:?}"
        );
        before = after;
    }
    assert!(length > 0);
    // A large body made for its request, sent whole.
    let r = d.get(page, &[]);
    assert_eq!(r.status, 200);
    let length = r.body.len();
    assert!(length > 2_000_000, "a page of {length} bytes");
    let after = bytes_sent(&d);
    assert_eq!(after.0 - before.0, before.1 + length as f64);
    before = after;

    // A client that takes 4 KiB of it, on a connection that takes little
    // (a 4 KiB receive buffer, small segments), and goes.
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.set_recv_buffer_size(4096).unwrap();
    s.set_tcp_mss(1000).unwrap();
    let to = std::net::SocketAddr::from(([127, 0, 0, 1], d.port));
    s.connect_timeout(&to.into(), std::time::Duration::from_secs(10))
        .unwrap();
    let mut s: std::net::TcpStream = s.into();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(s, "GET {page} HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let mut taken = vec![0u8; 4096];
    s.read_exact(&mut taken).unwrap();
    assert!(taken.starts_with(b"HTTP/1.1 200 "));
    drop(s);
    // Once its connection has ended, what it added is what went out.
    let mut scraped = 0.0;
    let (start, mut seen) = before;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the connection did not end: {}",
            d.stderr()
        );
        let page = d.get("/metrics", &[]);
        let text = String::from_utf8_lossy(&page.body).into_owned();
        let value = |name: &str| -> f64 {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
                .unwrap()
        };
        let now = value("bantin_http_response_bytes_total");
        if value("bantin_http_connections_open") == 1.0 {
            let partial = now - start - seen - scraped;
            assert!(
                partial < length as f64 / 4.0,
                "{partial} bytes counted of a {length}-byte body the client took 4 KiB of"
            );
            break;
        }
        scraped += seen;
        seen = page.body.len() as f64;
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Writes `head` on a fresh connection and reads what comes back until the
/// daemon closes it.
fn exchange(d: &Daemon, head: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(head).unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn requests_hyper_answers_itself_are_counted() {
    let site = TempStore::new();
    let d = site.start();
    let too_large = r#"bantin_http_requests_total{route="headers_too_large",status="431"}"#;
    let bad = r#"bantin_http_requests_total{route="bad_request",status="400"}"#;
    assert_eq!(d.metric(too_large), Some(0.0));
    assert_eq!(d.metric(bad), Some(0.0));
    // 150 field lines (hyper takes 100), then one field of 70 KB (past the
    // 64 KiB head buffer): the fast path hands both over, hyper answers 431.
    let mut many = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
    for i in 0..150 {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let long = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nCookie: {}\r\n\r\n",
        "a".repeat(70_000)
    );
    for (n, head) in [many, long.into_bytes()].iter().enumerate() {
        let answer = exchange(&d, head);
        assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
        d.wait_until("the 431 counted", || {
            d.metric(too_large) == Some(n as f64 + 1.0)
        });
    }
    // A malformed head on a connection hyper serves (after a POST): hyper's 400.
    let answer = exchange(
        &d,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nGET / HTTP/1.1\r\nBad Field: x\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 405 "), "{answer}");
    assert!(answer.contains("HTTP/1.1 400 "), "{answer}");
    d.wait_until("the 400 counted", || d.metric(bad) == Some(1.0));
    assert_eq!(d.metric(too_large), Some(2.0));
}

#[test]
fn every_opml_list_is_opml_and_a_misdirected_request_has_its_status() {
    let site = TempStore::new();
    let d = site.start();
    for path in ["/feeds.opml", "/tags.opml", "/authors.opml"] {
        assert_eq!(d.get(path, &[]).status, 200, "{path}");
    }
    assert_eq!(d.get("/categories.opml", &[]).status, 404);
    let answer = exchange(
        &d,
        b"GET ftp://a/healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 421 "), "{answer}");
    let count = |labels: &str| d.metric(&format!("bantin_http_requests_total{labels}"));
    assert_eq!(count(r#"{route="opml",status="200"}"#), Some(3.0));
    assert_eq!(count(r#"{route="term_feed",status="200"}"#), Some(0.0));
    assert_eq!(count(r#"{route="not_found",status="404"}"#), Some(1.0));
    assert_eq!(count(r#"{route="bad_request",status="421"}"#), Some(1.0));
    assert_eq!(count(r#"{route="bad_request",status="other"}"#), None);
}

#[test]
fn the_last_store_change_at_start_is_when_the_newest_served_file_changed() {
    let site = TempStore::new();
    // Every file dated years ago, the newest on 2021-01-01 00:00:00 UTC.
    let newest = 1_609_459_200;
    let mut files = Vec::new();
    let mut dirs = vec![site.store()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 3);
    for (n, file) in files.iter().enumerate() {
        let at = newest - 86_400 * n as u64;
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(at);
        std::fs::File::options()
            .write(true)
            .open(file)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
    let d = site.start();
    assert_eq!(
        d.metric("bantin_last_store_change_timestamp_seconds"),
        Some(newest as f64),
        "{}",
        d.stderr()
    );
}
