//! Archived feeds (RFC 5005 §4) through the real daemon: following the history
//! links from every live feed, the archives' validators (304 without a render,
//! across a restart, only their own articles move them), compression, and what
//! is not there.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/history.rs"]
mod history;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use common::{Daemon, TempStore};
use history::{follow, Doc};

/// Extra articles, so some months hold several articles of several feeds:
/// (file under the store, date line, breadcrumb).
const EXTRA: &[(&str, &str, &str)] = &[
    (
        "kinh-te/gia-lua.txt",
        "08:00 +07 Thứ Hai, 04/03/2024",
        "Kinh tế",
    ),
    (
        "kinh-te/cho-phien.txt",
        "09:30 +07 Thứ Năm, 28/03/2024",
        "Kinh tế",
    ),
    (
        "kinh-te/ca-phe.txt",
        "07:15 +07 Thứ Tư, 10/07/2024",
        "Kinh tế",
    ),
    // Midnight on the 1st, local time: July in the zone, June in UTC.
    (
        "kinh-te/nua-dem.txt",
        "00:00 +07 Thứ Hai, 01/07/2024",
        "Kinh tế",
    ),
    (
        "tin-tuc/tong-hop/cau-moi.txt",
        "10:00 +07 Thứ Năm, 21/03/2024",
        "Tin Tức » Tin tức tổng hợp",
    ),
];

fn article_text(title: &str, date: &str, breadcrumb: &str, body: &str) -> String {
    format!("{date}\n\nTrang nhất » {breadcrumb}\n\n{title}\n\nDẫn của bài {title}.\n\n{body}\n")
}

fn store_dir(site: &TempStore) -> PathBuf {
    site.config().parent().unwrap().join("store")
}

fn write(store: &Path, rel: &str, text: &str) {
    let path = store.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn site() -> TempStore {
    let site = TempStore::new();
    let store = store_dir(&site);
    for (rel, date, crumb) in EXTRA {
        write(&store, rel, &article_text(rel, date, crumb, "Nội dung."));
    }
    site
}

#[test]
fn following_prev_archive_from_every_live_feed_sees_every_article_once() {
    let site = site();
    let d = site.start();
    for feed in ["/feed", "/feeds/kinh-te", "/feeds/tin-tuc"] {
        for ext in ["atom", "rss", "json"] {
            let live = format!("{feed}.{ext}");
            let (live_doc, archives) = follow(&d, &live, ext);
            // Every article is in the live feed here (fewer than its 50 items).
            let all: Vec<String> = archives
                .iter()
                .flat_map(|(_, doc)| doc.ids.iter().cloned())
                .collect();
            let unique: BTreeSet<&String> = all.iter().collect();
            assert_eq!(unique.len(), all.len(), "{live}: an article twice: {all:?}");
            assert_eq!(
                all, live_doc.ids,
                "{live}: the archives, newest first, hold the live feed's items"
            );
            // One archive per month, newest first, named after it.
            let months: Vec<&str> = archives
                .iter()
                .map(|(u, _)| u.rsplit('/').next().unwrap().split('.').next().unwrap())
                .collect();
            let mut sorted = months.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            sorted.dedup();
            assert_eq!(months, sorted, "{live}");
        }
    }
    // The months are local: the article at midnight on 1 July is July's.
    let (_, archives) = follow(&d, "/feeds/kinh-te.atom", "atom");
    let urls: Vec<&str> = archives.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(
        urls,
        [
            "http://127.0.0.1:8080/archive/kinh-te/2024-07.atom",
            "http://127.0.0.1:8080/archive/kinh-te/2024-03.atom",
        ]
    );
    assert_eq!(archives[0].1.ids.len(), 2);
    assert_eq!(archives[1].1.ids.len(), 2);
}

#[test]
fn feedparser_reads_archives_with_the_live_ids() {
    let site = site();
    let d = site.start();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (path, ext) in [
        ("/archive/2024-03.atom", "atom"),
        ("/archive/2024-03.rss", "rss"),
    ] {
        let body = d.get(path, &[]).body;
        let doc = Doc::parse(&body, ext);
        let file = dir.path().join(format!("a.{ext}"));
        std::fs::write(&file, &body).unwrap();
        files.push((file, doc.ids));
    }
    history::assert_feedparser_reads(&files);
    for (_, ids) in &files {
        assert_eq!(ids.len(), 4, "March 2024 holds four articles");
    }
}

fn misses(d: &Daemon) -> f64 {
    d.metric("bantin_archive_cache_misses_total").unwrap_or(0.0)
}

#[test]
fn an_archive_revalidates_without_a_render_and_across_a_restart() {
    let site = site();
    let d = site.start();
    const PATH: &str = "/archive/kinh-te/2024-03.atom";
    let first = d.get(PATH, &[]);
    assert_eq!(first.status, 200);
    assert_eq!(first.expect_header("cache-control"), "max-age=86400");
    assert_eq!(first.expect_header("vary"), "Accept-Encoding");
    let etag = first.expect_header("etag").to_owned();
    let rendered = misses(&d);
    assert!(rendered >= 1.0);

    // The same bytes again come from the cache.
    let again = d.get(PATH, &[]);
    assert_eq!((again.status, &again.body), (200, &first.body));
    assert_eq!(misses(&d), rendered, "a second 200 is a cache hit");

    // 304 to the ETag, without a render.
    let r = d.get(PATH, &[("if-none-match", &etag)]);
    assert_eq!(r.status, 304);
    assert_eq!(r.expect_header("etag"), etag);
    assert_eq!(r.expect_header("cache-control"), "max-age=86400");

    // gzip: its own tag, the same bytes once decoded, and a 304 to its tag.
    let gz = d.get(PATH, &[("accept-encoding", "gzip")]);
    assert_eq!(gz.status, 200);
    assert_eq!(gz.expect_header("content-encoding"), "gzip");
    let gz_tag = gz.expect_header("etag").to_owned();
    assert_ne!(gz_tag, etag);
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, first.body);
    let r = d.get(
        PATH,
        &[("accept-encoding", "gzip"), ("if-none-match", &gz_tag)],
    );
    assert_eq!(r.status, 304);
    assert_eq!(misses(&d), rendered, "no render for any of these");

    // After a restart (an empty cache): 304 to the old tags, still no render.
    drop(d);
    let d = site.start();
    let r = d.get(PATH, &[("if-none-match", &etag)]);
    assert_eq!(r.status, 304, "the ETag survives a restart");
    let r = d.get(
        PATH,
        &[("accept-encoding", "gzip"), ("if-none-match", &gz_tag)],
    );
    assert_eq!(r.status, 304);
    assert_eq!(misses(&d), 0.0, "a revalidation renders nothing");
    let r = d.get(PATH, &[]);
    assert_eq!((r.status, &r.body), (200, &first.body));
    assert_eq!(r.expect_header("etag"), etag);

    // The feed's newest month still grows: cached only as long as the live feed.
    let live = d.get("/feeds/kinh-te.atom", &[]);
    let newest = d.get("/archive/kinh-te/2024-07.atom", &[]);
    assert_eq!(newest.status, 200);
    assert_eq!(
        newest.expect_header("cache-control"),
        live.expect_header("cache-control")
    );
    assert_ne!(newest.expect_header("cache-control"), "max-age=86400");
}

#[test]
fn an_archive_changes_only_with_its_own_articles() {
    let site = site();
    let store = store_dir(&site);
    let d = site.start();
    let tag = |path: &str| {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        r.expect_header("etag").to_owned()
    };
    let march = "/archive/kinh-te/2024-03.rss";
    let july = "/archive/kinh-te/2024-07.rss";
    let (march_before, july_before) = (tag(march), tag(july));

    // A new article in July leaves March alone.
    write(
        &store,
        "kinh-te/them.txt",
        &article_text("Thêm", "11:00 +07 Thứ Sáu, 12/07/2024", "Kinh tế", "Mới."),
    );
    d.wait_until("the July archive changes", || tag(july) != july_before);
    assert_eq!(tag(march), march_before, "March's archive is untouched");
    assert!(d.body(july).contains("them"), "the new article is archived");

    // Editing a March article changes March.
    write(
        &store,
        "kinh-te/gia-lua.txt",
        &article_text(
            "kinh-te/gia-lua.txt",
            "08:00 +07 Thứ Hai, 04/03/2024",
            "Kinh tế",
            "Nội dung đã sửa.",
        ),
    );
    d.wait_until("the March archive changes", || tag(march) != march_before);
    assert!(d.body(march).contains("Nội dung đã sửa."));
}

#[test]
fn file_times_alone_move_no_validator() {
    // A store restored from a backup, copied without `-p`, checked out, or
    // synced to a replica has the same bytes with other modification times:
    // every archive, page and term feed keeps its ETag, so partners and caches
    // revalidate to 304 instead of downloading the whole history again.
    let site = site();
    let store = store_dir(&site);
    let paths = [
        "/archive/kinh-te/2024-03.atom",
        "/archive/2024-03.json",
        "/archive/kinh-te/2024-03",
        "/categories/kinh-te",
        "/tags",
    ];
    let tags = |d: &Daemon| -> Vec<String> {
        paths
            .iter()
            .map(|p| {
                let r = d.get(p, &[]);
                assert_eq!(r.status, 200, "{p}");
                r.expect_header("etag").to_owned()
            })
            .collect()
    };
    let d = site.start();
    let before = tags(&d);
    drop(d);
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    for e in walkdir::WalkDir::new(&store) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            std::fs::File::options()
                .write(true)
                .open(e.path())
                .unwrap()
                .set_modified(later)
                .unwrap();
        }
    }
    let d = site.start();
    assert_eq!(tags(&d), before, "the same bytes at other file times");
}

#[test]
fn archives_that_do_not_exist_are_404() {
    let site = site();
    let d = site.start();
    assert_eq!(d.get("/archive/2024-03.rss", &[]).status, 200);
    for path in [
        // A month without articles of the feed.
        "/archive/2019-01.rss",
        "/archive/kinh-te/2022-05.atom",
        // Malformed months and formats.
        "/archive/2024-3.rss",
        "/archive/2024-13.json",
        "/archive/2024-03.xml",
        "/archive/2024-03.html",
        // An unknown category.
        "/archive/khong-co/2024-03.rss",
    ] {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 404, "{path}");
    }
    // An empty category segment is a doubled slash: the all-articles archive.
    let r = d.get("/archive//2024-03.rss", &[]);
    assert_eq!(r.status, 308);
    assert_eq!(r.expect_header("location"), "/archive/2024-03.rss");
    // Without a format, the path is the month's HTML page, not an archive.
    let r = d.get("/archive/2024-03", &[]);
    assert_eq!(r.status, 200);
    assert!(r.expect_header("content-type").starts_with("text/html"));
}

/// The month now running still grows, whatever a newer month holds: an
/// article dated ahead (a year typed wrong) begins a newer one, yet this
/// month's archive is cached only as long as the live feed, not a day.
#[test]
fn the_month_now_running_is_cached_as_growing_behind_an_article_dated_ahead() {
    use chrono::Datelike;
    let site = site();
    let store = store_dir(&site);
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Ho_Chi_Minh);
    let weekdays = [
        "Thứ Hai",
        "Thứ Ba",
        "Thứ Tư",
        "Thứ Năm",
        "Thứ Sáu",
        "Thứ Bảy",
        "Chủ Nhật",
    ];
    let line = |d: chrono::NaiveDate| {
        let day = weekdays[d.weekday().num_days_from_monday() as usize];
        format!("00:00 +07 {day}, {}", d.format("%d/%m/%Y"))
    };
    let first = chrono::NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap();
    let ahead = chrono::NaiveDate::from_ymd_opt(now.year() + 2, 1, 1).unwrap();
    write(
        &store,
        "kinh-te/thang-nay.txt",
        &article_text("Tháng này", &line(first), "Kinh tế", "Nội dung."),
    );
    write(
        &store,
        "kinh-te/go-nham.txt",
        &article_text("Gõ nhầm năm", &line(ahead), "Kinh tế", "Nội dung."),
    );
    let d = site.start();
    let live = d.get("/feeds/kinh-te.atom", &[]);
    let running = d.get(
        &format!("/archive/kinh-te/{}.atom", first.format("%Y-%m")),
        &[],
    );
    assert_eq!(running.status, 200);
    assert_eq!(
        running.expect_header("cache-control"),
        live.expect_header("cache-control")
    );
    // An older month is fixed as before.
    let old = d.get("/archive/kinh-te/2024-03.atom", &[]);
    assert_eq!(old.expect_header("cache-control"), "max-age=86400");
}
