//! The daemon following the ways files really get saved and renamed: an
//! article renamed to another extension, two files that give one id, the temp
//! files of ordinary atomic saves (`sed -i`, Python's `tempfile`, Go's
//! `os.CreateTemp`), and a file written slowly in place. What the running
//! daemon serves keeps every id, never shows a temp file or half a file, and
//! equals what a fresh start on the same store serves.

// `allow-unwrap-in-tests` covers `#[test]` functions only; here the helpers are
// test code too, and a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{Daemon, TempStore};

/// Sample article in `thong-bao/`, file stem and title.
const CAP_NUOC: (&str, &str) = (
    "tam-dung-cap-nuoc-phuong-hoa-lac",
    "Tạm dừng cấp nước để sửa chữa đường ống tại phường Hòa Lạc",
);

const THONG_BAO: &str = "Trang nhất » Thông báo";

/// A config whose reconciliation runs every second, so a test can wait for one.
const RECONCILE_OFTEN: &str = "[watch]\nreconcile_secs = 1\n";

/// A small valid article (11/05/2020 was a Monday).
fn article(title: &str) -> String {
    format!(
        "08:05 ICT Thứ hai, 11/05/2020\n\n{THONG_BAO}\n\n{title}\n\nThứ hai - 11/05/2020 08:00\nDẫn: {title}.\n\nNội dung bài viết.\n"
    )
}

/// The `thong-bao` folder of the store.
fn thong_bao(site: &TempStore) -> PathBuf {
    site.store().join("thong-bao")
}

/// The item ids of `/feed.json` (each ends in `article/<id>`).
fn ids(d: &Daemon) -> Vec<String> {
    let feed: serde_json::Value = serde_json::from_str(&d.body("/feed.json")).unwrap();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let id = i["id"].as_str().unwrap();
            id.rsplit_once("article/").unwrap().1.to_owned()
        })
        .collect()
}

/// The item titles of `/feed.json`.
fn titles(d: &Daemon) -> Vec<String> {
    let feed: serde_json::Value = serde_json::from_str(&d.body("/feed.json")).unwrap();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect()
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Waits for a reconciliation that began after this call: every event from
/// before it has been applied, and what the events missed repaired.
fn wait_for_reconciliation(d: &Daemon) {
    let since = unix_now() + 0.1;
    d.wait_until("a reconciliation after the change", || {
        d.metric("bantin_last_reconcile_timestamp_seconds")
            .is_some_and(|t| t > since)
    });
}

/// What a reader sees of the whole site: the feeds and `/healthz`.
const SEEN: &[&str] = &[
    "/healthz",
    "/feed.rss",
    "/feed.atom",
    "/feed.json",
    "/feeds/thong-bao.rss",
    "/feeds/thong-bao.atom",
    "/feeds/thong-bao.json",
];

/// Asserts that the running daemon `d` serves what a fresh start on the same
/// store serves, byte for byte.
fn assert_same_as_fresh_start(site: &TempStore, d: &Daemon) {
    let live: Vec<String> = SEEN.iter().map(|p| d.body(p)).collect();
    let fresh = site.start();
    for (path, live) in SEEN.iter().zip(live) {
        assert_eq!(
            live,
            fresh.body(path),
            "{path}: live and fresh start differ"
        );
    }
}

#[test]
fn an_article_renamed_to_another_extension_keeps_its_id() {
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let d = site.start();
    let dir = thong_bao(&site);
    let page = format!("/articles/thong-bao/{}", CAP_NUOC.0);
    assert_eq!(d.get(&page, &[]).status, 200);
    std::fs::rename(
        dir.join(format!("{}.txt", CAP_NUOC.0)),
        dir.join(format!("{}.md", CAP_NUOC.0)),
    )
    .unwrap();
    wait_for_reconciliation(&d);
    assert_eq!(d.get(&page, &[]).status, 200, "{}", d.stderr());
    let id = format!("thong-bao/{}", CAP_NUOC.0);
    assert_eq!(ids(&d).iter().filter(|i| **i == id).count(), 1);
    assert!(titles(&d).iter().any(|t| t == CAP_NUOC.1));
    assert_eq!(d.metric("bantin_files_rejected"), Some(0.0));
    let health = d.body("/healthz");
    assert!(health.trim_end().ends_with(" 0 files rejected"), "{health}");
    assert_same_as_fresh_start(&site, &d);
}

#[test]
fn an_id_freed_by_its_file_goes_to_the_other_file_that_gives_it() {
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let dir = thong_bao(&site);
    std::fs::write(dir.join("trung.txt"), article("Bản txt")).unwrap();
    let d = site.start();
    // Written while trung.txt serves the id: refused.
    std::fs::write(dir.join("trung.md"), article("Bản md")).unwrap();
    d.wait_until("trung.md refused", || {
        d.metric("bantin_files_rejected") == Some(1.0)
    });
    assert!(titles(&d).iter().any(|t| t == "Bản txt"));

    std::fs::remove_file(dir.join("trung.txt")).unwrap();
    d.wait_until("trung.md served", || {
        titles(&d).iter().any(|t| t == "Bản md")
    });
    wait_for_reconciliation(&d);
    assert_eq!(d.get("/articles/thong-bao/trung", &[]).status, 200);
    assert_eq!(d.metric("bantin_files_rejected"), Some(0.0));
    let health = d.body("/healthz");
    assert!(health.trim_end().ends_with(" 0 files rejected"), "{health}");
    let t = titles(&d);
    assert!(!t.iter().any(|t| t == "Bản txt"), "{t:?}");
    assert_same_as_fresh_start(&site, &d);
}
