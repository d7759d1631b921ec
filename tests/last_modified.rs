//! `Last-Modified` as a client that sends only `If-Modified-Since` relies on it:
//! it moves forward whenever a representation's bytes change (a deletion, a file
//! moved in with an old mtime), never backwards, and a restart keeps it when the
//! bytes are the same. Without a usable state the daemon errs towards a
//! redundant 200, never a wrong 304.
//!
//! Every store here has its files' mtimes set to 2025-01-01, after every sample
//! article's date, so a Last-Modified taken from mtimes would sit far in the past.

// `allow-unwrap-in-tests` covers `#[test]` functions only; here the helpers are
// test code too, and a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Daemon, TempStore};

/// The all-articles feed: every deletion below changes it.
const FEED: &str = "/feed.rss";

/// Two sample articles, as paths inside the store.
const CAP_NUOC: &str = "thong-bao/tam-dung-cap-nuoc-phuong-hoa-lac.txt";
const TIEP_DAN: &str = "thong-bao/lich-tiep-cong-dan-thang-6-2021.txt";

/// 2025-01-01 00:00:00 UTC.
const OLD_MTIME: u64 = 1_735_689_600;

/// The store folder of `site`.
fn store(site: &TempStore) -> PathBuf {
    site.config().parent().unwrap().join("store")
}

/// Sets the mtime of every file in `dir` to [`OLD_MTIME`].
fn age(dir: &Path) {
    for e in walkdir::WalkDir::new(dir) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            set_mtime(e.path(), OLD_MTIME);
        }
    }
}

fn set_mtime(path: &Path, secs: u64) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

/// A temp store with old mtimes and `extra` config.
fn aged_site(extra: &str) -> TempStore {
    let site = TempStore::with_config(extra);
    age(&store(&site));
    site
}

fn seconds(date: &str) -> u64 {
    httpdate::parse_http_date(date)
        .unwrap_or_else(|e| panic!("not an HTTP-date {date:?}: {e}"))
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// ETag, Last-Modified and Date of a 200 for `path`.
struct Seen {
    etag: String,
    last_modified: String,
    date: String,
}

fn seen(d: &Daemon, path: &str) -> Seen {
    Seen::of(&d.get(path, &[]), path)
}

impl Seen {
    /// The validators of `r`, a 200 for `path`.
    fn of(r: &common::Reply, path: &str) -> Seen {
        assert_eq!(r.status, 200, "GET {path}");
        Seen {
            etag: r.expect_header("etag").to_owned(),
            last_modified: r.expect_header("last-modified").to_owned(),
            date: r.expect_header("date").to_owned(),
        }
    }
}

/// The status of a GET of `path` sending only `If-Modified-Since: since`.
fn since(d: &Daemon, path: &str, since: &str) -> u16 {
    d.get(path, &[("If-Modified-Since", since)]).status
}

/// Deletes `rel` from the store and waits until `FEED` is served with other bytes.
fn delete_and_wait(d: &Daemon, site: &TempStore, rel: &str, before: &Seen) -> Seen {
    std::fs::remove_file(store(site).join(rel)).unwrap();
    d.wait_until("the deletion served", || {
        d.get(FEED, &[]).header("etag") != Some(before.etag.as_str())
    });
    seen(d, FEED)
}

/// The validators of `path` once its date is no longer ahead of the clock.
///
/// A change is dated after the previous version's date, which can put it up to
/// a second or two ahead of the clock; until the clock gets there, the header
/// says the present (RFC 9110 §8.8.2.1) while the 304 decision uses the real
/// date, so a client revalidating with that header gets one redundant 200.
/// A header before the response's Date cannot have been clamped.
fn settled(d: &Daemon, path: &str) -> Seen {
    Seen::of(&d.get_settled(path), path)
}

/// Stops `d` with SIGTERM and waits for it to exit.
fn stop(mut d: Daemon) {
    d.terminate();
    assert!(d.wait(Duration::from_secs(15)).is_some(), "daemon stopped");
}

#[test]
fn a_deletion_moves_last_modified_past_the_deletion() {
    let site = aged_site("");
    let d = site.start();
    let before = seen(&d, FEED);
    let deleted_at = now_secs();
    let after = delete_and_wait(&d, &site, CAP_NUOC, &before);
    assert!(
        seconds(&after.last_modified) >= deleted_at,
        "Last-Modified {} is before the deletion at {deleted_at}",
        after.last_modified
    );
    // A client holding the version before the deletion, by its Last-Modified or
    // by the Date it was served at, gets the new bytes.
    assert_eq!(since(&d, FEED, &before.last_modified), 200);
    assert_eq!(since(&d, FEED, &before.date), 200);
    // And the new version revalidates, once its date is not ahead of the clock.
    let settled = settled(&d, FEED);
    assert_eq!(settled.etag, after.etag);
    assert_eq!(since(&d, FEED, &settled.last_modified), 304);
}

#[test]
fn a_file_moved_in_with_an_old_mtime_moves_last_modified() {
    let site = aged_site("");
    let d = site.start();
    let before = seen(&d, FEED);
    let outside = site.config().parent().unwrap().join("outside.txt");
    std::fs::write(
        &outside,
        "08:05 ICT Thứ hai, 11/05/2020\n\nTrang nhất » Thông báo\n\nBài chuyển vào kho\n\n\
         Thứ hai - 11/05/2020 08:00\nDẫn: bài chuyển vào kho.\n\nNội dung bài viết.\n",
    )
    .unwrap();
    set_mtime(&outside, 1_589_155_200); // 2020-05-11, as `mv` of an old file keeps it
    let moved_at = now_secs();
    std::fs::rename(&outside, store(&site).join("thong-bao/chuyen-vao.txt")).unwrap();
    d.wait_until("the moved file served", || {
        d.body(FEED).contains("Bài chuyển vào kho")
    });
    let after = seen(&d, FEED);
    assert!(
        seconds(&after.last_modified) >= moved_at,
        "{}",
        after.last_modified
    );
    assert_eq!(since(&d, FEED, &before.last_modified), 200);
    assert_eq!(since(&d, FEED, &before.date), 200);
}

#[test]
fn back_to_back_changes_get_distinct_dates() {
    let site = aged_site("");
    let d = site.start();
    let first = delete_and_wait(&d, &site, CAP_NUOC, &seen(&d, FEED));
    // At once, likely within the same second: HTTP dates cannot tell the two
    // versions apart unless the second one is dated later.
    let second = delete_and_wait(&d, &site, TIEP_DAN, &first);
    // The date sent is never ahead of the response's (RFC 9110 §8.8.2.1).
    assert!(seconds(&second.last_modified) <= seconds(&second.date));
    // A client holding the first version, by its date or the response's, gets
    // the second: it is published at once, dated later than the first.
    assert_eq!(since(&d, FEED, &first.last_modified), 200);
    assert_eq!(since(&d, FEED, &first.date), 200);
    let second = settled(&d, FEED);
    assert!(seconds(&second.last_modified) > seconds(&first.last_modified));
    assert_eq!(since(&d, FEED, &first.last_modified), 200);
    assert_eq!(since(&d, FEED, &second.last_modified), 304);
}

/// Resources with no ETag of their own to remember, dated together by the
/// store's latest change: an article page, a month archive, a category page,
/// the tag list.
const DATED_BY_THE_STORE: [&str; 4] = [
    "/articles/thong-bao/lich-tiep-cong-dan-thang-6-2021",
    "/archive/2021-05.atom",
    "/categories/thong-bao",
    "/tags",
];

#[test]
fn a_restart_with_the_same_bytes_keeps_last_modified() {
    let site = aged_site("");
    let d = site.start();
    let before = seen(&d, FEED);
    let served = delete_and_wait(&d, &site, CAP_NUOC, &before);
    let settled_feed = settled(&d, FEED);
    assert_eq!(settled_feed.etag, served.etag);
    let served = settled_feed;
    let pages: Vec<Seen> = DATED_BY_THE_STORE.map(|p| settled(&d, p)).into();
    stop(d);
    let d = site.start();
    let again = seen(&d, FEED);
    assert_eq!(again.etag, served.etag, "same store, same bytes");
    assert_eq!(again.last_modified, served.last_modified);
    assert_eq!(since(&d, FEED, &served.last_modified), 304);
    for (path, before) in DATED_BY_THE_STORE.iter().zip(&pages) {
        let after = seen(&d, path);
        assert_eq!(after.etag, before.etag, "{path}: same store, same bytes");
        assert_eq!(after.last_modified, before.last_modified, "{path}");
        assert_eq!(since(&d, path, &before.last_modified), 304, "{path}");
    }
}

/// A page and a feed rendered on demand and kept in the cache keep their date
/// while their inputs are unchanged: an edit elsewhere (an article with none
/// of their tags) moves the site's date, and a client revalidating them by
/// date alone still gets its 304.
#[test]
fn a_page_kept_in_the_cache_keeps_its_date_while_other_parts_change() {
    let site = aged_site("");
    let d = site.start();
    let paths = ["/tags/cau-treo", "/tags/cau-treo.rss"];
    let before = paths.map(|p| settled(&d, p));
    let feed = settled(&d, FEED);
    // The edit a second or more later: a site date that moved shows.
    std::thread::sleep(Duration::from_millis(1100));
    let edited = store(&site).join(CAP_NUOC);
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, text.replacen("nước", "nước sạch", 1)).unwrap();
    d.wait_until("the edit served", || {
        d.get(FEED, &[]).header("etag") != Some(feed.etag.as_str())
    });
    let moved = settled(&d, FEED);
    assert!(seconds(&moved.last_modified) > seconds(&feed.last_modified));
    for (path, before) in paths.iter().zip(&before) {
        let after = seen(&d, path);
        assert_eq!(after.etag, before.etag, "{path}");
        assert_eq!(after.last_modified, before.last_modified, "{path}");
        assert_eq!(since(&d, path, &before.last_modified), 304, "{path}");
    }
}

#[test]
fn a_change_while_stopped_moves_the_pages_dated_by_the_store() {
    let site = aged_site("");
    let d = site.start();
    let pages: Vec<Seen> = DATED_BY_THE_STORE.map(|p| settled(&d, p)).into();
    stop(d);
    // One article is edited while the daemon is down: every page dated by
    // the store moves, whether it shows that article or not.
    let edited = store(&site).join(CAP_NUOC);
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, text.replacen("nước", "nước sạch", 1)).unwrap();
    let d = site.start();
    for (path, before) in DATED_BY_THE_STORE.iter().zip(&pages) {
        let after = seen(&d, path);
        assert!(
            seconds(&after.last_modified) > seconds(&before.last_modified),
            "{path}: {} then {}",
            before.last_modified,
            after.last_modified
        );
        assert_eq!(since(&d, path, &before.last_modified), 200, "{path}");
    }
    // And a config change, on the next start.
    stop(d);
    let d = site.start();
    let kept = seen(&d, DATED_BY_THE_STORE[0]);
    stop(d);
    let config = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(
        site.config(),
        format!("{config}\n[http]\ncache_max_age = 301\n"),
    )
    .unwrap();
    let d = site.start();
    let moved = seen(&d, DATED_BY_THE_STORE[0]);
    assert!(seconds(&moved.last_modified) > seconds(&kept.last_modified));
}

#[test]
fn after_a_restart_a_change_never_answers_304_to_an_earlier_date() {
    let site = aged_site("");
    let d = site.start();
    let before = seen(&d, FEED);
    let served = delete_and_wait(&d, &site, CAP_NUOC, &before);
    stop(d);
    let d = site.start();
    let restarted = seen(&d, FEED);
    let changed = delete_and_wait(&d, &site, TIEP_DAN, &restarted);
    assert_ne!(changed.etag, served.etag);
    assert_eq!(since(&d, FEED, &served.last_modified), 200);
    assert_eq!(since(&d, FEED, &served.date), 200);
}

/// The state file under the default state folder of `site`.
fn default_state_file(site: &TempStore) -> PathBuf {
    site.config()
        .parent()
        .unwrap()
        .join(".bantin-state/validators.json")
}

#[test]
fn the_state_file_forgets_a_feed_no_longer_served_once_its_date_has_passed() {
    let site = aged_site("");
    let d = site.start();
    let state = default_state_file(&site);
    let old = "\"/feeds/thong-bao.rss\"";
    let holds = |path: &str| std::fs::read_to_string(&state).is_ok_and(|s| s.contains(path));
    d.wait_until("the state file written", || {
        holds(old) && holds("\"/feed.rss\"")
    });
    let dated = seconds(
        d.get("/feeds/thong-bao.rss", &[])
            .expect_header("last-modified"),
    );
    let root = store(&site);
    std::fs::remove_dir_all(root.join("thong-bao")).unwrap();
    d.wait_until("the category gone", || {
        d.get("/feeds/thong-bao.rss", &[]).status == 404
    });
    // Kept while a feed coming back could still be dated within its second;
    // the next change after that forgets it.
    d.wait_until("the clock past the old feed's date", || {
        now_secs() > dated + 1
    });
    let other = walkdir::WalkDir::new(&root)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .find(|p| p.extension().is_some_and(|x| x == "txt"))
        .unwrap();
    std::fs::remove_file(other).unwrap();
    d.wait_until("the old feed forgotten", || {
        holds("\"/feed.rss\"") && !holds(old)
    });
}

#[test]
fn a_corrupt_state_errs_towards_a_redundant_200() {
    let site = aged_site("");
    let d = site.start();
    let before = seen(&d, FEED);
    let served = delete_and_wait(&d, &site, CAP_NUOC, &before);
    stop(d);
    let state = default_state_file(&site);
    assert!(state.is_file(), "the state is kept in {}", state.display());
    std::fs::write(&state, b"{\"version\": 1, \"resources\": {\"/feed.rss\": ").unwrap();
    // Changed while the daemon was down.
    std::fs::remove_file(store(&site).join(TIEP_DAN)).unwrap();
    let d = site.start();
    let now = seen(&d, FEED);
    assert_ne!(now.etag, served.etag);
    assert_eq!(since(&d, FEED, &served.last_modified), 200);
    assert_eq!(since(&d, FEED, &served.date), 200);
    let log = d.stderr();
    assert!(
        log.contains("WARN") && log.contains(state.to_str().unwrap()),
        "a warning naming the state file:\n{log}"
    );
    // The state is written afresh, so the next restart keeps Last-Modified again.
    stop(d);
    let d = site.start();
    assert_eq!(seen(&d, FEED).last_modified, now.last_modified);
}

#[test]
fn an_unusable_state_folder_errs_towards_a_redundant_200() {
    // A regular file where the state folder's parent should be: no user,
    // root included, can create the folder. Named by systemd (a `[state]
    // dir` in the file so written is a config error, exit 64).
    let site = aged_site("");
    let blocked = site.config().parent().unwrap().join("blocked");
    std::fs::write(&blocked, b"not a folder").unwrap();
    let start = || {
        let launch = common::Launch {
            env: vec![("STATE_DIRECTORY", blocked.join("state").into_os_string())],
            ..common::Launch::default()
        };
        let config = site.config();
        let args = ["--config".as_ref(), config.as_os_str()];
        Daemon::spawn(&args, &launch).listening(Duration::from_secs(20), Duration::from_secs(10))
    };
    let d = start();
    let before = seen(&d, FEED);
    let served = delete_and_wait(&d, &site, CAP_NUOC, &before);
    stop(d);
    std::fs::remove_file(store(&site).join(TIEP_DAN)).unwrap();
    let d = start();
    assert_eq!(since(&d, FEED, &served.last_modified), 200);
    assert_eq!(since(&d, FEED, &served.date), 200);
    let log = d.stderr();
    assert!(
        log.contains("WARN") && log.contains("blocked/state"),
        "a warning naming the state folder:\n{log}"
    );
}

#[test]
fn state_directory_from_systemd_is_used() {
    let site = aged_site("");
    let dir = tempfile::tempdir().unwrap();
    let launch = common::Launch {
        env: vec![("STATE_DIRECTORY", dir.path().as_os_str().to_owned())],
        ..common::Launch::default()
    };
    let config = site.config();
    let args = ["--config".as_ref(), config.as_os_str()];
    let d =
        Daemon::spawn(&args, &launch).listening(Duration::from_secs(20), Duration::from_secs(10));
    let _ = seen(&d, FEED);
    stop(d);
    assert!(dir.path().join("validators.json").is_file());
    assert!(!default_state_file(&site).exists());
}

#[test]
fn a_state_date_past_year_9999_is_dropped_not_a_crash() {
    let site = aged_site("");
    let d = site.start();
    let before = seen(&d, FEED);
    stop(d);
    // The feed's bytes are the same at the next start, so its remembered date
    // is the one used: here one that no clock can hold.
    let state = default_state_file(&site);
    let mut saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let entry = &mut saved["resources"][FEED];
    assert_eq!(entry["etag"], before.etag.as_str());
    entry["last_modified"] = serde_json::json!(u64::MAX);
    std::fs::write(&state, serde_json::to_vec(&saved).unwrap()).unwrap();

    let d = site.start();
    let now = seen(&d, FEED);
    assert_eq!(now.etag, before.etag);
    assert!(
        seconds(&now.last_modified) <= now_secs(),
        "{}",
        now.last_modified
    );
    let warning = d.log_line("outside years 1–9999");
    assert!(
        warning.contains("WARN")
            && warning.contains(state.to_str().unwrap())
            && warning.contains(FEED),
        "a warning naming the state file and the path: {warning}"
    );
    // The entry was dropped and the file rewritten: the next start reads it whole.
    stop(d);
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert!(
        saved["resources"][FEED]["last_modified"]
            .as_u64()
            .is_some_and(|s| s < u64::MAX),
        "{saved}"
    );
}
