//! The daemon over HTTP: feeds in every format and encoding, conditional GET,
//! HEAD, errors, the front page and article pages, startup and shutdown.

// `allow-unwrap-in-tests` covers `#[test]` functions only; here the helpers are
// test code too, and a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::time::{Duration, SystemTime};

use common::{assert_well_formed_xml, run, Daemon, Reply, TempStore, BASE_URL};

const RSS: &str = "application/rss+xml; charset=utf-8";
const ATOM: &str = "application/atom+xml; charset=utf-8";
const JSON: &str = "application/feed+json; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// The all-articles feeds and one category's, with their media types.
const FEEDS: [(&str, &str); 6] = [
    ("/feed.rss", RSS),
    ("/feed.atom", ATOM),
    ("/feed.json", JSON),
    ("/feeds/tin-tuc/thoi-su.rss", RSS),
    ("/feeds/tin-tuc/thoi-su.atom", ATOM),
    ("/feeds/tin-tuc/thoi-su.json", JSON),
];

/// `Accept-Encoding` sent → `Content-Encoding` expected.
const ENCODINGS: [(Option<&str>, Option<&str>); 3] = [
    (None, None),
    (Some("gzip"), Some("gzip")),
    (Some("br"), Some("br")),
];

fn accept(enc: Option<&str>) -> Vec<(&str, &str)> {
    enc.map(|e| ("Accept-Encoding", e)).into_iter().collect()
}

/// The request headers `extra` plus the Accept-Encoding for `enc`.
fn with<'a>(enc: Option<&'a str>, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut h = accept(enc);
    h.extend_from_slice(extra);
    h
}

/// The body with its Content-Encoding undone.
fn decode(r: &Reply) -> Vec<u8> {
    let mut out = Vec::new();
    match r.header("content-encoding") {
        None => out.clone_from(&r.body),
        Some("gzip") => {
            flate2::read::GzDecoder::new(&r.body[..])
                .read_to_end(&mut out)
                .expect("a valid gzip body");
        }
        Some("br") => {
            brotli::Decompressor::new(&r.body[..], 4096)
                .read_to_end(&mut out)
                .expect("a valid brotli body");
        }
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

/// Parses an IMF-fixdate (RFC 9110 §5.6.7), the only form a server may send.
fn imf_date(s: &str) -> SystemTime {
    let t = httpdate::parse_http_date(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
    assert_eq!(httpdate::fmt_http_date(t), s, "not an IMF-fixdate");
    t
}

/// A strong, quoted entity tag.
fn assert_strong_etag(tag: &str) {
    assert!(!tag.starts_with("W/"), "weak ETag {tag}");
    assert!(
        tag.len() > 2 && tag.starts_with('"') && tag.ends_with('"'),
        "unquoted ETag {tag}"
    );
    assert!(!tag[1..tag.len() - 1].contains('"'), "bad ETag {tag}");
}

/// The validators and caching headers every 200 and 304 of a feed carries.
fn assert_cache_headers(r: &Reply, what: &str) {
    assert_strong_etag(r.expect_header("etag"));
    imf_date(r.expect_header("last-modified"));
    imf_date(r.expect_header("date"));
    assert_eq!(r.header("vary"), Some("Accept-Encoding"), "{what}");
    assert_eq!(r.header("cache-control"), Some("max-age=300"), "{what}");
}

fn parse_feed(bytes: &[u8], what: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(bytes).unwrap_or_else(|e| panic!("{what}: feed-rs: {e}"))
}

/// Every `href="…"` on an HTML page, entities decoded.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .map(|rest| {
            let value = &rest[..rest.find('"').expect("a closing quote")];
            html_escape::decode_html_entities(value).into_owned()
        })
        .collect()
}

/// The paths of every feed the front page links to (through their subscribe
/// pages), plus `/` and `/feeds.opml` (the OPML lists' pages are under
/// `/subscribe` too; `/tags.opml` is rendered on request, so not here).
fn site_paths(d: &Daemon) -> Vec<String> {
    let page = d.get("/", &[]).text();
    let mut paths: BTreeSet<String> = hrefs(&page)
        .into_iter()
        .filter_map(|h| h.strip_prefix("/subscribe").map(str::to_owned))
        .filter(|p| !p.ends_with(".opml"))
        .chain(std::iter::once("/feeds.opml".to_owned()))
        .collect();
    paths.insert("/".into());
    assert!(paths.contains("/feeds.opml"));
    // `/`, the OPML list, and three formats of six feeds: all, two
    // sections, two subsections, and the feed of changes.
    assert_eq!(paths.len(), 2 + 3 * 6, "{paths:?}");
    assert!(paths.contains("/changes.atom"), "{paths:?}");
    paths.into_iter().collect()
}

#[test]
fn feeds_in_every_format_and_encoding() {
    let site = TempStore::new();
    let d = site.start();
    for (path, content_type) in FEEDS {
        let identity = d.get(path, &[]);
        assert_eq!(identity.status, 200, "{path}");
        let mut tags = BTreeSet::new();
        for (enc, coding) in ENCODINGS {
            let what = format!("{path} ({enc:?})");
            let r = d.get(path, &accept(enc));
            assert_eq!(r.status, 200, "{what}");
            assert_cache_headers(&r, &what);
            assert_eq!(r.header("content-type"), Some(content_type), "{what}");
            assert_eq!(r.header("content-encoding"), coding, "{what}");
            assert_eq!(
                r.header("content-length"),
                Some(r.body.len().to_string().as_str()),
                "{what}"
            );
            assert_eq!(
                r.header("last-modified"),
                identity.header("last-modified"),
                "{what}: one Last-Modified for every encoding"
            );
            assert!(
                tags.insert(r.expect_header("etag").to_owned()),
                "{what}: an ETag shared with another encoding"
            );
            assert!(
                decode(&r) == identity.body,
                "{what}: decodes to something else than the identity body"
            );
        }

        let what = path;
        let feed = parse_feed(&identity.body, what);
        assert!(!feed.entries.is_empty(), "{what}: no entries");
        match content_type {
            RSS | ATOM => assert_well_formed_xml(&identity.body, what),
            _ => {
                let json: serde_json::Value = serde_json::from_slice(&identity.body).unwrap();
                assert_eq!(
                    json["version"], "https://jsonfeed.org/version/1.1",
                    "{what}"
                );
            }
        }

        // A query string does not change what is served.
        let q = d.get(&format!("{path}?utm_source=test"), &[]);
        assert_eq!(q.status, 200, "{path}?…");
        assert_eq!(q.header("etag"), identity.header("etag"), "{path}?…");
    }
}

#[test]
fn negotiation_picks_the_best_acceptable_coding() {
    let site = TempStore::new();
    let d = site.start();
    for (accept_encoding, expected) in [
        ("gzip, deflate, br", Some("br")),
        ("br;q=0.5, gzip;q=0.8", Some("gzip")),
        ("identity", None),
        ("deflate", None),
        ("*", Some("br")),
    ] {
        let r = d.get("/feed.atom", &[("Accept-Encoding", accept_encoding)]);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-encoding"), expected, "{accept_encoding}");
    }
}

/// A 304 as RFC 9110 §15.4.5 has it: the validators and caching headers of the
/// 200 it stands for, and no body on the wire.
fn assert_not_modified(r: &Reply, full: &Reply, what: &str) {
    assert_eq!(r.status, 304, "{what}");
    assert_cache_headers(r, what);
    assert_eq!(r.header("etag"), full.header("etag"), "{what}");
    assert_eq!(
        r.header("last-modified"),
        full.header("last-modified"),
        "{what}"
    );
    assert!(r.body.is_empty(), "{what}: a 304 with a body");
}

fn assert_full(r: &Reply, full: &Reply, what: &str) {
    assert_eq!(r.status, 200, "{what}");
    assert_eq!(r.header("etag"), full.header("etag"), "{what}");
    assert!(r.body == full.body, "{what}: another body");
}

#[test]
fn conditional_get() {
    let site = TempStore::new();
    let d = site.start();
    for (path, _) in FEEDS {
        // The tag of another encoding of the same feed must not validate this one.
        let gzip_tag = d
            .get(path, &accept(Some("gzip")))
            .expect_header("etag")
            .to_owned();
        for (enc, _) in ENCODINGS {
            let full = d.raw("GET", path, &accept(enc));
            assert_eq!(full.status, 200, "{path}");
            let tag = full.expect_header("etag");
            let lm = full.expect_header("last-modified");
            let lm_time = imf_date(lm);
            let earlier = httpdate::fmt_http_date(lm_time - Duration::from_secs(1));
            // Later than Last-Modified, not than the present (the daemon's
            // clock never sent a date after it).
            let later = httpdate::fmt_http_date(std::time::SystemTime::now().max(lm_time));
            let future = httpdate::fmt_http_date(lm_time + Duration::from_secs(86_400));
            let list = format!("\"0123\", {tag}, \"abcd\"");
            let weak = format!("W/{tag}");

            let not_modified: [(&str, &[(&str, &str)]); 6] = [
                ("same tag", &[("If-None-Match", tag)]),
                ("*", &[("If-None-Match", "*")]),
                ("a list holding the tag", &[("If-None-Match", &list)]),
                ("the tag marked weak", &[("If-None-Match", &weak)]),
                ("Last-Modified itself", &[("If-Modified-Since", lm)]),
                ("a later date", &[("If-Modified-Since", &later)]),
            ];
            for (case, headers) in not_modified {
                let what = format!("{path} ({enc:?}): {case}");
                assert_not_modified(&d.raw("GET", path, &with(enc, headers)), &full, &what);
            }

            let other_tag = if enc == Some("gzip") {
                "\"f00d\"".to_owned()
            } else {
                gzip_tag.clone()
            };
            let modified: [(&str, &[(&str, &str)]); 6] = [
                ("a wrong tag", &[("If-None-Match", "\"0123456789\"")]),
                ("another encoding's tag", &[("If-None-Match", &other_tag)]),
                (
                    "a wrong tag and a current date",
                    &[
                        ("If-None-Match", "\"0123456789\""),
                        ("If-Modified-Since", lm),
                    ],
                ),
                ("one second before", &[("If-Modified-Since", &earlier)]),
                // Not sent by this clock, so it proves nothing.
                (
                    "a date after the present",
                    &[("If-Modified-Since", &future)],
                ),
                (
                    "a malformed date",
                    &[("If-Modified-Since", "yesterday, around noon")],
                ),
            ];
            for (case, headers) in modified {
                let what = format!("{path} ({enc:?}): {case}");
                assert_full(&d.raw("GET", path, &with(enc, headers)), &full, &what);
            }
        }
    }
}

/// RFC 9110 §13.1.1, §13.1.4: an origin server evaluates `If-Match` and
/// `If-Unmodified-Since` on a GET or HEAD too, before `If-None-Match`, and
/// answers 412 when they are false: a client resuming a partial copy, or
/// checking that the version it holds is still the one served.
#[test]
fn false_preconditions_are_412_on_every_kind_of_resource() {
    let site = TempStore::new();
    let d = site.start();
    // A feed of the snapshot, a month archive rendered on demand, and a page.
    let month = hrefs(&d.get("/", &[]).text())
        .into_iter()
        .find(|h| h.starts_with("/archive/"))
        .map(|page| format!("{page}.atom"))
        .expect("the front page links the months");
    for path in ["/feed.atom", month.as_str(), "/"] {
        let full = d.raw("GET", path, &[]);
        assert_eq!(full.status, 200, "{path}");
        let tag = full.expect_header("etag");
        let lm = full.expect_header("last-modified");
        let earlier = httpdate::fmt_http_date(imf_date(lm) - Duration::from_secs(1));
        let weak = format!("W/{tag}");
        let list = format!("\"0123\", {tag}");
        let failed: [(&str, &[(&str, &str)]); 4] = [
            ("another tag", &[("If-Match", "\"0123\"")]),
            ("the tag marked weak", &[("If-Match", &weak)]),
            (
                "a date before Last-Modified",
                &[("If-Unmodified-Since", &earlier)],
            ),
            (
                "another tag, with a matching If-None-Match",
                &[("If-Match", "\"0123\""), ("If-None-Match", tag)],
            ),
        ];
        for (case, headers) in failed {
            for method in ["GET", "HEAD"] {
                let r = d.raw(method, path, headers);
                let what = format!("{method} {path}: {case}");
                assert_eq!(r.status, 412, "{what}");
                assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
                if method == "HEAD" {
                    assert!(r.body.is_empty(), "{what}");
                }
            }
        }
        let held: [(&str, &[(&str, &str)]); 4] = [
            ("the tag", &[("If-Match", tag)]),
            ("a list holding the tag", &[("If-Match", &list)]),
            ("*", &[("If-Match", "*")]),
            ("Last-Modified itself", &[("If-Unmodified-Since", lm)]),
        ];
        for (case, headers) in held {
            let r = d.raw("GET", path, headers);
            assert_eq!(r.status, 200, "{path}: {case}");
            assert!(r.body == full.body, "{path}: {case}");
        }
        let both = [("If-Match", tag), ("If-None-Match", tag)];
        assert_eq!(d.raw("GET", path, &both).status, 304, "{path}");
    }
}

#[test]
fn head_has_the_headers_of_get_and_no_body() {
    let site = TempStore::new();
    let d = site.start();
    let mut paths: Vec<&str> = FEEDS.iter().map(|(p, _)| *p).collect();
    paths.extend([
        "/",
        "/feeds.opml",
        "/healthz",
        "/articles/tin-tuc/thoi-su/trien-khai-cap-can-cuoc-luu-dong",
    ]);
    let without_date = |r: &Reply| -> Vec<(String, String)> {
        let mut h: Vec<_> = r
            .headers
            .iter()
            .filter(|(k, _)| k != "date")
            .cloned()
            .collect();
        h.sort();
        h
    };
    for path in paths {
        for (enc, _) in ENCODINGS {
            let what = format!("HEAD {path} ({enc:?})");
            let get = d.raw("GET", path, &accept(enc));
            let head = d.raw("HEAD", path, &accept(enc));
            assert_eq!(head.status, 200, "{what}");
            assert_eq!(without_date(&head), without_date(&get), "{what}");
            assert_eq!(
                head.header("content-length"),
                Some(get.body.len().to_string().as_str()),
                "{what}"
            );
            assert!(head.body.is_empty(), "{what}: a body");

            // HEAD is conditional too.
            if let Some(tag) = get.header("etag") {
                let r = d.raw("HEAD", path, &with(enc, &[("If-None-Match", tag)]));
                assert_not_modified(&r, &get, &format!("{what} with its tag"));
            }
        }
    }
}

#[test]
fn unknown_paths_are_404() {
    let site = TempStore::new();
    let d = site.start();
    for path in [
        "/nope",
        "/feed.xml",
        "/feeds/khong-co",
        "/feeds/tin-tuc/khong-co.rss",
        "/feeds/tin-tuc/khong-co",
        "/index.html",
        "/articles/khong-co",
        "/articles/tin-tuc/thoi-su/khong-co",
        "/articles/%FF%FE",
        "/articles/tin-tuc/thoi-su/trien-khai-cap-can-cuoc-luu-dong.txt",
        "/feeds/khong-co.RSS",
        "/tags/khong-co.Atom",
    ] {
        // Feed and other machine paths get a short text; what a browser
        // asks for gets a small page in the site's style with a way back.
        let machine = [".rss", ".xml", ".txt", ".atom"]
            .iter()
            .any(|e| path.to_ascii_lowercase().ends_with(e));
        for r in [d.get(path, &[]), d.raw("GET", path, &[])] {
            assert_eq!(r.status, 404, "{path}");
            if machine {
                assert!(
                    !r.body.is_empty() && r.body.len() < 64,
                    "{path}: {:?}",
                    r.text()
                );
                assert!(
                    r.expect_header("content-type").starts_with("text/plain"),
                    "{path}"
                );
            } else {
                let page = r.text();
                assert!(
                    r.expect_header("content-type").starts_with("text/html"),
                    "{path}"
                );
                assert!(page.contains("<html lang=\"vi\">"), "{path}: {page}");
                assert_eq!(page.matches("<h1>").count(), 1, "{path}: {page}");
                assert!(page.contains("<a href=\"/\">Về trang nhất</a>"), "{path}");
            }
            // Briefly cacheable: a reader polling a feed that has gone asks
            // again at most once a minute.
            assert_eq!(r.header("cache-control"), Some("max-age=60"));
        }
        let head = d.raw("HEAD", path, &[]);
        assert_eq!(head.status, 404, "HEAD {path}");
        assert!(head.body.is_empty(), "HEAD {path}: a body");
        assert_eq!(head.header("cache-control"), Some("max-age=60"));
    }
}

#[test]
fn a_404_is_cached_no_longer_than_the_feeds_are() {
    // Behind a cache, a page that appears (a new article at a URL already
    // asked for) must not stay 404 longer than the feeds that link it.
    let site = TempStore::with_config("[http]\ncache_max_age = 5\n");
    let d = site.start();
    for path in [
        "/nope",
        "/feeds/khong-co.rss",
        "/articles/tin-tuc/thoi-su/chua-co",
    ] {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.header("cache-control"), Some("max-age=5"), "{path}");
    }
    let feed = d.get("/feed.rss", &[]);
    assert_eq!(feed.header("cache-control"), Some("max-age=5"));
}

/// Another spelling of a path that is served (a trailing slash, as a static
/// build of the site answers; escapes of characters that need none; dot
/// segments; doubled slashes; a decomposed Vietnamese id) is a permanent
/// redirect to the path as the site's links spell it (RFC 3986 §6.2.2).
#[test]
fn other_spellings_of_a_path_redirect_to_it() {
    let site = TempStore::new();
    let d = site.start();
    let article = "/articles/tin-tuc/thoi-su/trien-khai-cap-can-cuoc-luu-dong";
    let spellings = [
        ("/feed.rss/", "/feed.rss"),
        (
            "/feeds/tin-tuc/thoi-su.atom/",
            "/feeds/tin-tuc/thoi-su.atom",
        ),
        ("/categories/tin-tuc/", "/categories/tin-tuc"),
        ("/feed%2Eatom", "/feed.atom"),
        ("/feeds%2Ftin-tuc.rss", "/feeds/tin-tuc.rss"),
        (
            "/feeds/tin%2Dtuc/thoi-su.json",
            "/feeds/tin-tuc/thoi-su.json",
        ),
        (
            "/feeds/./tin-tuc/../tin-tuc/thoi-su.rss",
            "/feeds/tin-tuc/thoi-su.rss",
        ),
        ("/feeds//tin-tuc/thoi-su.rss", "/feeds/tin-tuc/thoi-su.rss"),
        ("//feeds.opml", "/feeds.opml"),
        (&format!("{article}/"), article),
    ];
    for (sent, canonical) in spellings {
        for method in ["GET", "HEAD"] {
            let r = d.raw(method, sent, &[]);
            assert_eq!(r.status, 308, "{method} {sent}");
            assert_eq!(r.header("location"), Some(canonical), "{method} {sent}");
            assert_eq!(r.header("cache-control"), Some("max-age=86400"));
        }
        assert_eq!(d.raw("GET", canonical, &[]).status, 200, "{canonical}");
    }
    // A decomposed (NFD) id reaches the composed page its links name.
    let nfd = TempStore::new();
    let folder = nfd.store().join("tin-tuc");
    let text = std::fs::read_to_string(
        site.store()
            .join("tin-tuc/thoi-su/trien-khai-cap-can-cuoc-luu-dong.txt"),
    )
    .unwrap();
    std::fs::write(folder.join("tiếng-việt.txt"), text).unwrap();
    let d = nfd.start();
    let composed = "/articles/tin-tuc/ti%E1%BA%BFng-vi%E1%BB%87t";
    assert_eq!(d.raw("GET", composed, &[]).status, 200);
    let decomposed = "/articles/tin-tuc/tie%CC%82%CC%81ng-vie%CC%A3%CC%82t";
    let r = d.raw("GET", decomposed, &[]);
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location"), Some(composed));
    // A spelling of nothing served stays 404, and `/` is `/`.
    assert_eq!(d.raw("GET", "/feeds/khong-co/", &[]).status, 404);
    assert_eq!(d.raw("GET", "/", &[]).status, 200);
}

#[test]
fn other_methods_are_405_and_unknown_ones_501() {
    let site = TempStore::new();
    let d = site.start();
    for path in ["/feed.rss", "/feeds/tin-tuc/thoi-su.json", "/", "/healthz"] {
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            let r = d.request(method, path, &[]);
            assert_eq!(r.status, 405, "{method} {path}");
            assert_eq!(r.header("allow"), Some("GET, HEAD"), "{method} {path}");
            assert_eq!(r.header("cache-control"), Some("no-store"), "{method}");
        }
        // Methods this server does not know at all (methods are case-sensitive):
        // 501, RFC 9110 §9.1.
        for method in ["BREW", "get"] {
            let r = d.raw(method, path, &[]);
            assert_eq!(r.status, 501, "{method} {path}");
            assert_eq!(r.header("allow"), None, "{method} {path}");
            assert_eq!(r.header("cache-control"), Some("no-store"), "{method}");
        }
    }
}

#[test]
fn health_and_metrics() {
    let site = TempStore::new();
    let d = site.start();
    let r = d.get("/healthz", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "ok: 7 articles, 5 feeds, 0 files rejected\n");
    assert_eq!(r.header("cache-control"), Some("no-store"));

    assert_eq!(d.get("/feed.rss", &[]).status, 200);
    let r = d.get("/metrics", &[]);
    assert_eq!(r.status, 200);
    assert!(r.expect_header("content-type").starts_with("text/plain"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let text = r.text();
    assert!(text.contains("bantin_http_requests_total"), "{text}");
    assert!(text.contains("bantin_articles_indexed 7"), "{text}");
}

#[test]
fn healthz_counts_the_rejected_files() {
    let site = TempStore::new();
    let store = site.config().parent().unwrap().join("store");
    std::fs::write(store.join("thong-bao/rong.txt"), "").unwrap();
    std::fs::write(store.join("thong-bao/nhi-phan.txt"), [0_u8, 0xff, 0, 1]).unwrap();
    let d = site.start();
    assert_eq!(
        d.body("/healthz"),
        "ok: 7 articles, 5 feeds, 2 files rejected\n"
    );
    assert_eq!(d.metric("bantin_rejected_files"), Some(2.0));
}

/// The daemon on `site`, as a terminal or a log file runs it: not under
/// systemd (no journal, socket or notify socket), logging at `info`.
fn plain_daemon(site: &TempStore) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"));
    c.arg("--config")
        .arg(site.config())
        .env_remove("JOURNAL_STREAM")
        .env_remove("LISTEN_FDS")
        .env_remove("NOTIFY_SOCKET")
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null());
    c
}

/// Waits for `child` to say where it listens in `said` (its output, or its
/// log), asks it for `/healthz`, then stops it with SIGTERM: whether it
/// answered, and how it exited.
fn answer_once_listening(
    child: &mut std::process::Child,
    said: &std::path::Path,
) -> (bool, std::process::ExitStatus) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let port = loop {
        let text = std::fs::read_to_string(said).unwrap();
        let addr = text
            .lines()
            .find_map(|l| l.split_once("listening on ").map(|(_, a)| a));
        if let Some(addr) = addr {
            break addr.trim().parse::<std::net::SocketAddr>().unwrap().port();
        }
        if std::time::Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no `listening on` line within 20 s:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Once a request is answered, the start-up lines are all written.
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .build();
    let answered = agent
        .get(&format!("http://127.0.0.1:{port}/healthz"))
        .call()
        .is_ok();
    let pid = rustix::process::Pid::from_child(child);
    let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    (answered, child.wait().unwrap())
}

/// Where the daemon listens is said once in output that stdout and stderr
/// share, as on a terminal (there both the printed line and the log showed it).
#[test]
fn listening_on_is_said_once_where_stdout_and_stderr_meet() {
    let site = TempStore::new();
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut child = plain_daemon(&site)
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    let (answered, _) = answer_once_listening(&mut child, &out_path);
    assert!(answered, "{}", std::fs::read_to_string(&out_path).unwrap());
    let text = std::fs::read_to_string(&out_path).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("listening on"))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
}

/// Standard output that cannot be written (a log shipper's pipe that closed,
/// a full disk) stops nothing: the daemon serves, saying where in its log,
/// and a one-shot command fails with a message, not a panic.
#[test]
fn an_unwritable_stdout_stops_no_daemon_and_panics_no_command() {
    let site = TempStore::new();
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("log");
    let mut child = plain_daemon(&site)
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    // Its pipe's reading end closed before the daemon has read its store.
    drop(child.stdout.take());
    let (answered, status) = answer_once_listening(&mut child, &log_path);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(answered, "{log}");
    assert!(status.success(), "{status:?}\n{log}");
    assert!(!log.contains("panicked"), "{log}");

    let out_dir = dir.path().join("site");
    for args in [
        vec!["config".as_ref(), "check".as_ref()],
        vec!["build".as_ref(), "--out".as_ref(), out_dir.as_os_str()],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
            .arg("--config")
            .arg(site.config())
            .args(&args)
            .env_remove("BANTIN_CONFIG")
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn front_page_links_resolve() {
    let site = TempStore::new();
    let d = site.start();
    let r = d.get("/", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some(HTML));
    assert_cache_headers(&r, "/");
    let page = r.text();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<html lang=\"vi\">"));
    for (kind, ext) in [
        ("application/rss+xml", "rss"),
        ("application/atom+xml", "atom"),
        ("application/feed+json", "json"),
    ] {
        let href = format!("href=\"{BASE_URL}/feed.{ext}\"");
        let found = page.lines().any(|l| {
            l.starts_with("<link rel=\"alternate\"")
                && l.contains(&format!("type=\"{kind}\""))
                && l.contains(&href)
        });
        assert!(found, "no autodiscovery link for {ext}");
    }

    let links = hrefs(&page);
    assert!(links.len() > 20, "{links:?}");
    // `data:` URIs (the empty icon) are inline: no request leaves the page;
    // a fragment (the skip link) names an element of the page itself.
    for fragment in links.iter().filter_map(|l| l.strip_prefix('#')) {
        assert!(page.contains(&format!(" id=\"{fragment}\"")), "#{fragment}");
    }
    for link in links
        .into_iter()
        .filter(|l| !l.starts_with("data:") && !l.starts_with('#'))
    {
        let url = if link.starts_with('/') {
            d.url(&link)
        } else {
            d.local(&link)
                .unwrap_or_else(|| panic!("a link off the site: {link}"))
        };
        let r = d.get(&url, &[]);
        assert_eq!(r.status, 200, "{link}");
    }
}

#[test]
fn opml_lists_every_feed() {
    let site = TempStore::new();
    let d = site.start();
    let r = d.get("/feeds.opml", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/x-opml; charset=utf-8"));
    assert_well_formed_xml(&r.body, "/feeds.opml");
    // As readers import it: an outline with `xmlUrl` is one subscription
    // (its children, if any, are not looked at: Miniflux drops them), one
    // without is a folder, and folders are one level deep.
    let mut reader = quick_xml::Reader::from_reader(&r.body[..]);
    let mut buf = Vec::new();
    let mut feeds = BTreeSet::new();
    let mut folders = 0;
    let mut depth = 0;
    loop {
        match reader.read_event_into(&mut buf).unwrap() {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"outline" => {
                assert!(
                    e.try_get_attribute("xmlUrl").unwrap().is_none(),
                    "a feed outline with outlines inside"
                );
                assert!(e.try_get_attribute("text").unwrap().is_some());
                // A folder is named by `text` alone: an outline with more
                // attributes and no `type` is one the W3C validator warns
                // about ("should have a type attribute").
                assert_eq!(
                    e.attributes().count(),
                    1,
                    "a folder with more than a text: {:?}",
                    String::from_utf8_lossy(&e)
                );
                assert_eq!(depth, 0, "a folder in a folder");
                depth += 1;
                folders += 1;
            }
            quick_xml::events::Event::End(e) if e.name().as_ref() == b"outline" => depth -= 1,
            quick_xml::events::Event::Empty(e) if e.name().as_ref() == b"outline" => {
                let attr = e
                    .try_get_attribute("xmlUrl")
                    .unwrap()
                    .expect("an outline with no outlines inside has an xmlUrl");
                assert!(feeds.insert(attr.unescape_value().unwrap().into_owned()));
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    // The sample store has a category with subcategories.
    assert!(folders > 0);
    // Every category's, and not the feed of changes: the list is for readers
    // following the site's articles.
    let expected: BTreeSet<String> = site_paths(&d)
        .into_iter()
        .filter(|p| p.ends_with(".rss") && !p.starts_with("/changes."))
        .map(|p| format!("{BASE_URL}{p}"))
        .collect();
    assert_eq!(feeds, expected);
    for url in feeds {
        let r = d.get(&d.local(&url).unwrap(), &[]);
        assert_eq!(r.status, 200, "{url}");
        parse_feed(&r.body, &url);
    }
}

/// Each item as (link, title), in feed order.
fn items(feed: &feed_rs::model::Feed) -> Vec<(String, String)> {
    feed.entries
        .iter()
        .map(|e| {
            let link = e.links.first().expect("an item link").href.clone();
            let title = e.title.as_ref().expect("an item title").content.clone();
            (link, title)
        })
        .collect()
}

#[test]
fn feed_items_link_to_their_article_pages() {
    let site = TempStore::new();
    let d = site.start();
    let mut pages = BTreeMap::new();
    for path in site_paths(&d).iter().filter(|p| p.ends_with(".rss")) {
        let rss = items(&parse_feed(&d.get(path, &[]).body, path));
        // Every feed of the sample store has items, the feed of changes too
        // (it lists every article by its last event).
        assert!(!rss.is_empty(), "{path}");
        // The three formats of one feed list the same items in the same order.
        for ext in ["atom", "json"] {
            let other = path.replace(".rss", &format!(".{ext}"));
            let r = d.get(&other, &[]);
            assert_eq!(
                items(&parse_feed(&r.body, &other)),
                rss,
                "{other} and {path}"
            );
        }
        pages.extend(rss);
    }
    assert_eq!(pages.len(), 7, "every article is in some feed: {pages:?}");
    assert!(
        pages
            .keys()
            .any(|l| l.contains("/gi%C3%A1%20l%C3%BAa%20cu%E1%BB%91i%20n%C4%83m")),
        "the id with a space and Vietnamese letters is percent-encoded: {pages:?}"
    );
    for (link, title) in pages {
        let url = d
            .local(&link)
            .unwrap_or_else(|| panic!("{link} is not under {BASE_URL}"));
        let r = d.get(&url, &[]);
        assert_eq!(r.status, 200, "{link}");
        assert_eq!(r.header("content-type"), Some(HTML), "{link}");
        let heading = format!("<h1>{}</h1>", html_escape::encode_text(&title));
        assert!(r.text().contains(&heading), "{link}: no {heading}");
    }
}

#[test]
fn two_daemons_on_one_store_serve_the_same_bytes() {
    let site = TempStore::new();
    let a = site.start();
    let b = site.start();
    assert_ne!(a.port, b.port);
    for path in site_paths(&a) {
        for (enc, _) in ENCODINGS {
            let what = format!("{path} ({enc:?})");
            let (ra, rb) = (a.get(&path, &accept(enc)), b.get(&path, &accept(enc)));
            assert_eq!((ra.status, rb.status), (200, 200), "{what}");
            for h in ["etag", "last-modified", "content-type", "content-encoding"] {
                assert_eq!(ra.header(h), rb.header(h), "{what}: {h}");
            }
            assert!(ra.body == rb.body, "{what}: different bodies");
        }
    }
}

/// A config file holding exactly `toml`, in a temp dir.
fn config_file(toml: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, toml).unwrap();
    // The default store, next to the file: a config whose store is missing is bad.
    std::fs::create_dir(dir.path().join("feeds")).unwrap();
    (dir, path)
}

#[test]
fn bad_config_exits_64_naming_the_key() {
    let store = TempStore::new();
    for (toml, key) in [
        ("colour = \"red\"\n", "colour"),
        ("[http]\ncache_max_ages = 5\n", "cache_max_ages"),
        ("listen = \"nope\"\n", "listen"),
    ] {
        let (_dir, path) = config_file(toml);
        for serve in [&[][..], &["serve"][..]] {
            let mut args: Vec<&std::ffi::OsStr> = serve.iter().map(|s| s.as_ref()).collect();
            args.extend(["--config".as_ref(), path.as_os_str()]);
            let (status, stderr) = run(&args);
            assert_eq!(status.code(), Some(64), "{toml:?}: {stderr}");
            assert!(
                stderr.contains(key),
                "{toml:?}: stderr does not name {key}: {stderr}"
            );
        }
    }
    let config = store.config();
    let (status, stderr) = run(&[
        "--config".as_ref(),
        config.as_os_str(),
        "--listen".as_ref(),
        "nope".as_ref(),
    ]);
    assert_eq!(status.code(), Some(64), "{stderr}");
    assert!(stderr.contains("listen"), "{stderr}");
}

#[test]
fn a_taken_port_is_a_runtime_failure() {
    let site = TempStore::new();
    let d = site.start();
    let taken = format!("127.0.0.1:{}", d.port);
    let config = site.config();
    let (status, stderr) = run(&[
        "--config".as_ref(),
        config.as_os_str(),
        "--listen".as_ref(),
        taken.as_ref(),
    ]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&taken), "{stderr}");
    assert_eq!(
        stderr.matches("cannot listen on").count(),
        1,
        "a fatal error is said once: {stderr}"
    );
}

#[test]
fn bantin_config_names_the_config_file_and_the_flag_wins() {
    let (_dir, bad) = config_file("colour = \"red\"\n");
    let (_dir2, good) = config_file("[feeds]\nitems = 7\n");
    let run_with_env = |args: &[&std::ffi::OsStr]| {
        let cwd = tempfile::tempdir().unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
            .args(args)
            .current_dir(cwd.path())
            .env("BANTIN_CONFIG", &bad)
            .env("RUST_LOG", "off")
            .output()
            .unwrap()
    };
    let out = run_with_env(&["config".as_ref(), "check".as_ref()]);
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("colour"), "{stderr}");
    let out = run_with_env(&[
        "config".as_ref(),
        "check".as_ref(),
        "--config".as_ref(),
        good.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("items = 7"));
}

#[test]
fn sigterm_stops_the_daemon_with_exit_0() {
    let site = TempStore::new();
    let mut d = site.start();
    // Leave a keep-alive connection idle in the client's pool: shutdown must not wait on it.
    assert_eq!(d.get("/feed.rss", &[]).status, 200);
    d.terminate();
    let status = d
        .wait(Duration::from_secs(15))
        .unwrap_or_else(|| panic!("still running 15 s after SIGTERM:\n{}", d.stderr()));
    assert_eq!(status.code(), Some(0), "{}", d.stderr());
}

#[test]
fn sigint_stops_the_daemon_with_exit_0() {
    let site = TempStore::new();
    let mut d = site.start();
    d.signal(rustix::process::Signal::INT);
    let status = d
        .wait(Duration::from_secs(15))
        .unwrap_or_else(|| panic!("still running 15 s after SIGINT:\n{}", d.stderr()));
    assert_eq!(status.code(), Some(0), "{}", d.stderr());
}

/// The full text of an article from its file, as the parser reads it.
fn paragraphs_of(rel: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("feeds")
        .join(rel);
    let clean = bantin::text::decode(&std::fs::read(&path).unwrap()).unwrap();
    let src = bantin::article::Source {
        id: "x",
        folder: None,
        modified: None,
        tz: chrono_tz::Asia::Ho_Chi_Minh,
    };
    bantin::article::parse(&clean.text, &src)
        .unwrap()
        .article
        .paragraphs
}

#[test]
fn article_pages_show_the_whole_article_in_a_feed_or_not() {
    // With one item per feed, most articles are in no feed: their text is not in
    // memory and must be read back from the store for their pages.
    let site = TempStore::with_config("[feeds]\nitems = 1\n");
    let d = site.start();
    for (id, in_a_feed) in [
        ("thong-bao/lich-tiep-cong-dan-thang-6-2021", false),
        ("tin-tuc/thoi-su/trien-khai-cap-can-cuoc-luu-dong", true),
    ] {
        let feed = d.get("/feed.rss", &[]).text();
        assert_eq!(
            feed.contains(&format!("/articles/{id}<")),
            in_a_feed,
            "{id}"
        );
        let page = d.get(&format!("/articles/{id}"), &[]);
        assert_eq!(page.status, 200, "{id}");
        let paragraphs = paragraphs_of(&format!("{id}.txt"));
        assert!(paragraphs.len() > 1, "{id} has a body");
        for p in paragraphs {
            let html = format!("<p>{}</p>", html_escape::encode_text(&p));
            assert!(page.text().contains(&html), "{id}: missing {html}");
        }
    }
}

/// An article out of every live feed (its text not kept in memory) whose
/// file was since saved broken: the last good version's text is nowhere to
/// be read, so its page answers 503 (RFC 9110 §15.6.4) with a page saying
/// so, not a 200 page with no text, which would look whole to readers and
/// search engines. Not stored, no validator or date, preconditions ignored
/// (§13.2.1). Its month's archive, which partners copy, if it must be
/// rendered meanwhile, leaves it out rather than give its entry with no
/// text. Once fixed, both are whole again.
#[test]
fn an_article_whose_file_is_broken_is_unavailable_not_served_empty() {
    let site = TempStore::with_config("[feeds]\nitems = 1\n");
    let d = site.start();
    let id = "thong-bao/lich-tiep-cong-dan-thang-6-2021";
    let path = format!("/articles/{id}");
    let archive = "/archive/2021-05.atom";
    let entry_id = format!("article/{id}</id>");
    let full = d.get(&path, &[]);
    let last_paragraph = paragraphs_of(&format!("{id}.txt")).pop().unwrap();
    let last_paragraph = html_escape::encode_text(&last_paragraph).into_owned();
    assert!(full.text().contains(&last_paragraph));
    // The archive is not asked for yet: one rendered before the file broke
    // is kept, whole, as long as its inputs are the same.
    let date = full.expect_header("last-modified").to_owned();
    let etag = full.expect_header("etag").to_owned();
    let rejected = || d.metric("bantin_rejected_files").unwrap_or(0.0);
    let before = rejected();
    let file = site.store().join(format!("{id}.txt"));
    let good = std::fs::read(&file).unwrap();
    std::fs::write(&file, [0_u8, 0xff, 0, 1]).unwrap();
    d.wait_until("the broken file is rejected", || rejected() > before);

    let title = "Lịch tiếp công dân định kỳ tháng 6 năm 2021";
    for (field, value) in [
        ("if-none-match", etag.as_str()),
        ("if-modified-since", date.as_str()),
        ("if-match", "\"other\""),
        ("if-unmodified-since", "Mon, 01 Jan 2001 00:00:00 GMT"),
        ("x-none", ""),
    ] {
        let r = d.get(&path, &[(field, value)]);
        assert_eq!(r.status, 503, "{field}: {value}");
        assert_eq!(r.header("retry-after"), Some("300"), "{field}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{field}");
        assert_eq!(r.header("etag"), None, "{field}");
        assert_eq!(r.header("last-modified"), None, "{field}");
        let text = r.text();
        assert!(text.contains(&format!("<h1>{title}</h1>")), "{text}");
        assert!(text.contains("tạm thời chưa đọc được"), "{text}");
        assert!(!text.contains(&last_paragraph));
    }
    let head = d.request("HEAD", &path, &[]);
    assert_eq!((head.status, head.text().len()), (503, 0));
    let r = d.get(archive, &[]);
    assert_eq!(r.header("cache-control"), Some("no-store"), "for now");
    assert_eq!(r.header("last-modified"), None);
    let partial = r.text();
    assert!(!partial.contains(&entry_id), "{partial}");
    // Dated by its articles as indexed, not by what it holds for now.
    assert!(
        partial.contains("<updated>2021-05-31T16:00:00+07:00</updated>"),
        "{partial}"
    );
    assert!(
        partial.contains("rel=\"prev-archive\"") && partial.ends_with("</feed>"),
        "the archive itself is served, its links kept: {partial}"
    );

    std::fs::write(&file, good).unwrap();
    d.wait_until("the fixed file is served whole", || {
        let r = d.get(&path, &[]);
        r.status == 200 && r.text().contains(&last_paragraph)
    });
    assert!(d.body(archive).contains(&entry_id));
}

/// An article whose file has another name in the store, edited in place
/// through that other name: until the watcher (or the next reconciliation,
/// for a name it has no event for) indexes it anew, its page shows the text
/// the file has now, undated and not stored, rather than a page with none.
#[test]
fn an_article_changed_through_another_name_shows_its_text_now() {
    let site = TempStore::with_config("[feeds]\nitems = 1\n");
    let store = site.store();
    let id = "thong-bao/lich-tiep-cong-dan-thang-6-2021";
    let file = store.join(format!("{id}.txt"));
    let other = store.join("thong-bao/ban-sao.txt");
    std::fs::hard_link(&file, &other).unwrap();
    let d = site.start();
    let path = "/articles/thong-bao/ban-sao";
    assert_eq!(d.get(path, &[]).status, 200);
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replace("buổi sáng ngày 10", "buổi chiều ngày 10");
    assert_ne!(edited, text);
    // In place, so both names stay one file.
    let mut f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
    std::io::Write::write_all(&mut f, edited.as_bytes()).unwrap();
    drop(f);
    // The name written through is indexed anew; the other has no event.
    d.wait_until("the name edited through is served anew", || {
        d.body(&format!("/articles/{id}"))
            .contains("buổi chiều ngày 10")
    });
    let r = d.get(path, &[]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("buổi chiều ngày 10"), "{}", r.text());
    // Not the page as indexed: neither stored nor dated, so the date
    // preconditions are ignored; its tag still decides.
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("last-modified"), None);
    let etag = r.expect_header("etag").to_owned();
    let since = d.get(
        path,
        &[("if-modified-since", "Sat, 01 Jan 2050 00:00:00 GMT")],
    );
    assert_eq!(since.status, 200);
    let unless = d.get(
        path,
        &[("if-unmodified-since", "Mon, 01 Jan 2001 00:00:00 GMT")],
    );
    assert_eq!(unless.status, 200);
    assert_eq!(d.get(path, &[("if-none-match", &etag)]).status, 304);
    assert_eq!(d.get(path, &[("if-match", "\"other\"")]).status, 412);

    // Withdrawn the same way: the other name shows no text meanwhile.
    let withdrawn = edited.replace(
        "Thứ hai - 31/05/2021 16:00\n",
        "Thứ hai - 31/05/2021 16:00\nGỡ bỏ: 01/06/2021 09:00 - Sai lịch\n",
    );
    assert_ne!(withdrawn, edited);
    let mut f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
    std::io::Write::write_all(&mut f, withdrawn.as_bytes()).unwrap();
    drop(f);
    d.wait_until("the name edited through is withdrawn", || {
        d.get(&format!("/articles/{id}"), &[]).status == 410
    });
    let r = d.get(path, &[]);
    assert_eq!(r.status, 503);
    assert!(!r.text().contains("buổi chiều ngày 10"), "{}", r.text());
}

#[test]
fn a_busy_port_fails_before_the_store_is_read_naming_the_setting() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let site = TempStore::with_config("");
    let config = std::fs::read_to_string(site.config())
        .unwrap()
        .replace("127.0.0.1:0", &format!("127.0.0.1:{port}"));
    std::fs::write(site.config(), config).unwrap();
    let (status, stderr) = run(&["--config".as_ref(), site.config().as_os_str()]);
    // A runtime failure, not a bad config: the file works once the port is free.
    assert_eq!(status.code(), Some(1), "{stderr}");
    let setting = format!(
        "listen = \"127.0.0.1:{port}\" in {}",
        site.config().display()
    );
    assert!(
        stderr.contains(&setting)
            && stderr.contains(&format!("ss -ltnp 'sport = :{port}'"))
            && stderr.contains("change `listen`"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("store loaded"),
        "the store is read only once the socket is bound:\n{stderr}"
    );
    drop(holder);
}

/// A port below 1024 without the privilege to bind it is a configuration
/// only a change fixes: exit 64, which the unit does not restart (a port in
/// use exits 1, and is retried). Run as an unprivileged user (`setpriv`,
/// when the tests run as root).
#[test]
fn a_privileged_port_without_the_privilege_is_a_configuration_problem() {
    use std::os::unix::fs::PermissionsExt;
    let root = rustix::process::geteuid().is_root();
    if root && !std::path::Path::new("/usr/bin/setpriv").exists() {
        eprintln!("skipped: running as root and no /usr/bin/setpriv to drop privileges");
        return;
    }
    let site = TempStore::new();
    let config = std::fs::read_to_string(site.config())
        .unwrap()
        .replace("127.0.0.1:0", "127.0.0.1:1");
    std::fs::write(site.config(), config).unwrap();
    // Readable by the unprivileged user, as the service's store and config are.
    let dir = site.config().parent().unwrap().to_owned();
    for entry in walkdir::WalkDir::new(&dir) {
        let entry = entry.unwrap();
        let mode = if entry.file_type().is_dir() {
            0o755
        } else {
            0o644
        };
        std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let mut command = if root {
        let mut c = std::process::Command::new("/usr/bin/setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_bantin"));
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
    };
    let o = command
        .arg("--config")
        .arg(site.config())
        .args(["serve"])
        .env_remove("LISTEN_FDS")
        .env_remove("NOTIFY_SOCKET")
        .env("STATE_DIRECTORY", dir.join("state"))
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(64), "{stderr}");
    assert!(
        stderr.contains("cannot listen on 127.0.0.1:1")
            && stderr.contains("a port below 1024 needs privileges"),
        "{stderr}"
    );
}

#[test]
fn article_pages_are_compressed_per_request_with_a_tag_per_coding() {
    let site = TempStore::new();
    let d = site.start();
    // A month's sitemap is rendered per request too, and compressed when it
    // is not small; this one fits in a segment, so it goes as it is.
    let small = "/sitemaps/2024-07.xml";
    let plain = d.get(small, &[]);
    assert!(
        plain.body.len() < 1400,
        "{small}: {} bytes",
        plain.body.len()
    );
    let asked = d.get(small, &accept(Some("br")));
    assert_eq!(asked.header("content-encoding"), None, "{small}");
    assert_eq!(asked.header("etag"), plain.header("etag"), "{small}");
    assert_eq!(asked.header("vary"), Some("Accept-Encoding"), "{small}");
    // Unless the client refuses identity (RFC 9110 §12.5.3).
    let coded = d.get(small, &accept(Some("gzip, identity;q=0")));
    assert_eq!(coded.header("content-encoding"), Some("gzip"), "{small}");
    assert_eq!(decode(&coded), plain.body, "{small}");
    assert_ne!(coded.header("etag"), plain.header("etag"), "{small}");
    for (path, content_type) in [(
        "/articles/tin-tuc/thoi-su/trien-khai-cap-can-cuoc-luu-dong",
        HTML,
    )] {
        let identity = d.get(path, &[]);
        assert_eq!(identity.status, 200, "{path}");
        assert_eq!(identity.header("content-encoding"), None, "{path}");
        let mut tags = BTreeSet::new();
        for (enc, coding) in ENCODINGS {
            let what = format!("{path} ({enc:?})");
            let r = d.get(path, &accept(enc));
            assert_eq!(r.status, 200, "{what}");
            assert_cache_headers(&r, &what);
            assert_eq!(r.header("content-type"), Some(content_type), "{what}");
            assert_eq!(r.header("content-encoding"), coding, "{what}");
            assert!(decode(&r) == identity.body, "{what}: another page");
            if coding.is_some() {
                assert!(
                    r.body.len() < identity.body.len() / 2,
                    "{what}: not smaller"
                );
            }
            let tag = r.expect_header("etag").to_owned();
            assert!(
                tags.insert(tag.clone()),
                "{what}: a tag shared with another coding"
            );
            // Its own tag revalidates it; another coding's does not.
            let again = d.get(path, &with(enc, &[("If-None-Match", &tag)]));
            assert_eq!(again.status, 304, "{what}");
            assert_eq!(again.header("etag"), Some(tag.as_str()), "{what}");
            assert!(again.body.is_empty(), "{what}");
            let other = identity.expect_header("etag");
            // What browsers send: gzip, the cheaper to make per request.
            let browser = d.get(path, &[("Accept-Encoding", "gzip, deflate, br")]);
            assert_eq!(browser.header("content-encoding"), Some("gzip"), "{what}");
            if coding.is_some() {
                let r = d.get(path, &with(enc, &[("If-None-Match", other)]));
                assert_eq!(r.status, 200, "{what} with the identity tag");
            }
        }
    }
}
