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

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{json_feed_ids, json_feed_items, Daemon, TempStore};

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

/// Starts a daemon on `site` and waits until it follows the store: its
/// watcher attached and the reconciliation after that done, so what the test
/// does next is seen by events, not by that reconciliation.
fn start_following(site: &TempStore) -> Daemon {
    let d = site.start();
    d.wait_until("the first reconciliation", || {
        d.metric("bantin_last_reconcile_timestamp_seconds")
            .is_some()
    });
    d
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
    let d = start_following(&site);
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
    assert_eq!(json_feed_ids(&d).iter().filter(|i| **i == id).count(), 1);
    assert!(titles(&d).iter().any(|t| t == CAP_NUOC.1));
    assert_eq!(d.metric("bantin_rejected_files"), Some(0.0));
    let health = d.body("/healthz");
    assert!(health.trim_end().ends_with(" 0 files rejected"), "{health}");
    assert_same_as_fresh_start(&site, &d);
}

#[test]
fn an_id_freed_by_its_file_goes_to_the_other_file_that_gives_it() {
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let dir = thong_bao(&site);
    std::fs::write(dir.join("trung.txt"), article("Bản txt")).unwrap();
    let d = start_following(&site);
    // Written while trung.txt serves the id: refused.
    std::fs::write(dir.join("trung.md"), article("Bản md")).unwrap();
    d.wait_until("trung.md refused", || {
        d.metric("bantin_rejected_files") == Some(1.0)
    });
    assert!(titles(&d).iter().any(|t| t == "Bản txt"));

    std::fs::remove_file(dir.join("trung.txt")).unwrap();
    d.wait_until("trung.md served", || {
        titles(&d).iter().any(|t| t == "Bản md")
    });
    wait_for_reconciliation(&d);
    assert_eq!(d.get("/articles/thong-bao/trung", &[]).status, 200);
    assert_eq!(d.metric("bantin_rejected_files"), Some(0.0));
    let health = d.body("/healthz");
    assert!(health.trim_end().ends_with(" 0 files rejected"), "{health}");
    let t = titles(&d);
    assert!(!t.iter().any(|t| t == "Bản txt"), "{t:?}");
    assert_same_as_fresh_start(&site, &d);
}

/// Runs `change` while another thread reads `/feed.json` over and over, until
/// `done` holds of what it reads (at most 10 s); returns every (id, title) pair
/// any read saw, and how many reads there were.
fn watch_feed_during(
    d: &Daemon,
    change: impl FnOnce(),
    done: impl Fn(&[(String, String)]) -> bool + Sync,
) -> (Vec<(String, String)>, usize) {
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(10);
            let (mut seen, mut reads) = (Vec::new(), 0);
            loop {
                let now = json_feed_items(d);
                reads += 1;
                let finished = done(&now);
                for item in now {
                    if !seen.contains(&item) {
                        seen.push(item);
                    }
                }
                if finished {
                    return (seen, reads);
                }
                assert!(Instant::now() < deadline, "not done within 10 s: {seen:?}");
            }
        });
        change();
        reader.join().unwrap()
    })
}

/// An atomic save through a temp file named `temp` in the article's folder:
/// written and closed, then after `pause` renamed over the article. No read of
/// the feed meanwhile ever shows the temp file as an item.
fn atomic_save_through(temp: &str) {
    // A long debounce window: the rename comes well within it.
    let site = TempStore::with_config("[watch]\ndebounce_ms = 500\n");
    let d = start_following(&site);
    let dir = thong_bao(&site);
    let title = format!("Cấp nước, lưu qua {temp}");
    let id = format!("thong-bao/{}", CAP_NUOC.0);
    let before = json_feed_ids(&d);
    let (seen, reads) = watch_feed_during(
        &d,
        || {
            let mut f = std::fs::File::create(dir.join(temp)).unwrap();
            f.write_all(article(&title).as_bytes()).unwrap();
            drop(f);
            std::thread::sleep(Duration::from_millis(100));
            std::fs::rename(dir.join(temp), dir.join(format!("{}.txt", CAP_NUOC.0))).unwrap();
        },
        |now| now.contains(&(id.clone(), title.clone())),
    );
    let strays: Vec<_> = seen.iter().filter(|(i, _)| !before.contains(i)).collect();
    assert!(strays.is_empty(), "{temp} served as an item: {strays:?}");
    assert!(reads > 5, "only {reads} reads of the feed during the save");
    assert_eq!(d.metric("bantin_rejected_files"), Some(0.0));
}

#[test]
fn a_sed_temp_file_is_never_an_item() {
    atomic_save_through("sedAb12Cd");
}

#[test]
fn a_python_tempfile_is_never_an_item() {
    atomic_save_through("tmpk3j_9x2a");
}

#[test]
fn a_temp_file_of_any_name_renamed_at_once_is_never_an_item() {
    // Go's os.CreateTemp with a pattern of the program's own.
    atomic_save_through("luu-tam-48213");
}

#[test]
fn a_file_written_slowly_in_place_is_never_served_half_written() {
    let site = TempStore::new();
    let d = start_following(&site);
    let path = thong_bao(&site).join(format!("{}.txt", CAP_NUOC.0));
    let id = format!("thong-bao/{}", CAP_NUOC.0);
    let title = "Lịch cấp nước mới sau khi sửa chữa đường ống";
    let text = article(title);
    let half = text.find("sau khi").unwrap();
    let (seen, _) = watch_feed_during(
        &d,
        || {
            let mut f = std::fs::File::create(&path).unwrap();
            f.write_all(&text.as_bytes()[..half]).unwrap();
            // A writer pausing mid-file, many debounce windows long.
            std::thread::sleep(Duration::from_secs(1));
            f.write_all(&text.as_bytes()[half..]).unwrap();
        },
        |now| now.contains(&(id.clone(), title.to_owned())),
    );
    let titles: Vec<&String> = seen
        .iter()
        .filter(|(i, _)| *i == id)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(
        titles,
        [CAP_NUOC.1, title],
        "what the feed showed of the article; daemon stderr:\n{}",
        d.stderr()
    );
    assert_eq!(d.metric("bantin_rejected_files"), Some(0.0));
}

/// Writes `head` to `path` (created, or truncated), then a paragraph every
/// 0.4 s with the file held open, flushed after each, until `stop`; then the
/// closing line, and closes it. The pacing is the writer's, not a timing the
/// test asserts: each write keeps the file unfinished to the watcher, which
/// waits for its close.
fn write_slowly(path: &std::path::Path, head: &str, stop: &std::sync::atomic::AtomicBool) {
    use std::sync::atomic::Ordering;
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(head.as_bytes()).unwrap();
    f.flush().unwrap();
    let mut n = 1;
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(400));
        f.write_all(format!("Đoạn {n}.\n\n").as_bytes()).unwrap();
        f.flush().unwrap();
        n += 1;
    }
    f.write_all("Tác giả bài viết: Xong\n".as_bytes()).unwrap();
}

/// Runs [`write_slowly`] on another thread while `check` runs after each of
/// three reconciliations that began after the file was first written; then
/// lets the writer finish and close it.
fn reconcile_during_a_slow_write(
    d: &Daemon,
    path: &std::path::Path,
    head: &str,
    check: impl Fn(usize),
) {
    /// Tells the writer to finish when dropped: also when a check fails,
    /// so the failure is reported instead of waiting on a writer that never ends.
    struct Finish<'a>(&'a std::sync::atomic::AtomicBool);
    impl Drop for Finish<'_> {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let writer = s.spawn(|| write_slowly(path, head, &stop));
        let finish = Finish(&stop);
        d.wait_until("the writer's first write", || {
            std::fs::metadata(path).is_ok_and(|m| m.len() >= head.len() as u64)
        });
        for round in 0..3 {
            wait_for_reconciliation(d);
            check(round);
        }
        drop(finish);
        writer.join().unwrap();
    });
}

/// The text of a slowly written article: its head alone is a whole article
/// (a title, a date line and a lead), so a reconciliation that read it
/// half written would serve it.
fn slow_head(title: &str) -> String {
    format!("{THONG_BAO}\n\n{title}\n\n11/05/2020 15:33\nDẫn đầu phần một.\n\n")
}

#[test]
fn a_reconciliation_never_serves_a_new_file_still_being_written() {
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let d = start_following(&site);
    let path = thong_bao(&site).join("dang-viet.txt");
    let (page, id) = ("/articles/thong-bao/dang-viet", "thong-bao/dang-viet");
    reconcile_during_a_slow_write(&d, &path, &slow_head("Bài đang viết dở"), |round| {
        let status = d.get(page, &[]).status;
        assert_eq!(
            status,
            404,
            "served half written after reconciliation {round}; daemon stderr:\n{}",
            d.stderr()
        );
        assert!(!json_feed_ids(&d).iter().any(|i| i == id), "in the feed");
    });
    d.wait_until("the article served once closed", || {
        d.get(page, &[]).status == 200
    });
    let body = d.body(page);
    assert!(body.contains("Xong"), "not served whole: {body}");
    assert_eq!(d.metric("bantin_rejected_files"), Some(0.0));
    assert_same_as_fresh_start(&site, &d);
}

#[test]
fn a_reconciliation_keeps_the_last_version_of_a_file_rewritten_slowly_in_place() {
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let d = start_following(&site);
    let path = thong_bao(&site).join(format!("{}.txt", CAP_NUOC.0));
    let page = format!("/articles/thong-bao/{}", CAP_NUOC.0);
    let title = "Lịch cấp nước mới, viết lại tại chỗ";
    let served_title = || {
        let body = d.body(&page);
        (body.contains(CAP_NUOC.1), body.contains(title))
    };
    assert_eq!(served_title(), (true, false));
    reconcile_during_a_slow_write(&d, &path, &slow_head(title), |round| {
        assert_eq!(
            served_title(),
            (true, false),
            "the old version not served after reconciliation {round}; daemon stderr:\n{}",
            d.stderr()
        );
    });
    d.wait_until("the new version served once closed", || {
        served_title() == (false, true)
    });
    assert!(d.body(&page).contains("Xong"), "not served whole");
    assert_same_as_fresh_start(&site, &d);
}

/// A file written slowly in a folder made just before it (`mkdir` then a
/// writer, `tar x` of a new folder streamed from another host), `depth`
/// folders below the store: the folder's refresh, which lists it, leaves the
/// file to its close, as for a file in a folder watched before.
fn a_file_written_slowly_in_a_new_folder(folders: &[&str]) {
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let d = start_following(&site);
    let folder = folders
        .iter()
        .fold(site.store(), |path, name| path.join(name));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("bai.txt");
    let id = format!("{}/bai", folders.join("/"));
    let page = format!("/articles/{id}");
    reconcile_during_a_slow_write(&d, &path, &slow_head("Bài trong mục mới"), |round| {
        let status = d.get(&page, &[]).status;
        assert_eq!(
            status,
            404,
            "served half written after reconciliation {round}; daemon stderr:\n{}",
            d.stderr()
        );
        assert!(!json_feed_ids(&d).contains(&id), "in the feed");
    });
    d.wait_until("the article served once closed", || {
        d.get(&page, &[]).status == 200
    });
    let body = d.body(&page);
    assert!(body.contains("Xong"), "not served whole: {body}");
    assert_eq!(d.metric("bantin_rejected_files"), Some(0.0));
    assert_same_as_fresh_start(&site, &d);
}

#[test]
fn a_file_written_slowly_in_a_new_folder_is_served_only_once_closed() {
    a_file_written_slowly_in_a_new_folder(&["moi"]);
}

#[test]
fn a_file_written_slowly_two_folders_below_a_new_one_is_served_only_once_closed() {
    a_file_written_slowly_in_a_new_folder(&["moi", "sub", "sub2"]);
}

/// A copy of a folder into the store (`cp -r`): a file created and not yet
/// written when the folder is refreshed (here by the close of a file in
/// another folder, which ends the burst) is left to its own close: never
/// read empty, so never rejected; the files closed before are served too.
#[test]
fn a_folder_copied_in_has_no_file_read_before_it_is_written() {
    let site = TempStore::new();
    let d = start_following(&site);
    let copy = site.store().join("thong-bao-ban-sao");
    std::fs::create_dir(&copy).unwrap();
    std::fs::write(copy.join("truoc.txt"), article("Bản sao đầu")).unwrap();
    let mut later = std::fs::File::create(copy.join("sau.txt")).unwrap();
    // Events are taken in order: once this is served, the burst with the
    // new folder in it has been refreshed, sau.txt still empty.
    std::fs::write(thong_bao(&site).join("moc.txt"), article("Mốc")).unwrap();
    d.wait_until("the checkpoint served", || {
        d.get("/articles/thong-bao/moc", &[]).status == 200
    });
    later.write_all(article("Bản sao sau").as_bytes()).unwrap();
    drop(later);
    for page in [
        "/articles/thong-bao-ban-sao/sau",
        "/articles/thong-bao-ban-sao/truoc",
    ] {
        d.wait_until(page, || d.get(page, &[]).status == 200);
    }
    assert!(d
        .body("/articles/thong-bao-ban-sao/sau")
        .contains("Bản sao sau"));
    let log = d.stderr();
    assert!(!log.contains("rejected: "), "a rejection logged:\n{log}");
    assert_eq!(d.metric("bantin_files_rejected_total"), Some(0.0));
    assert_eq!(d.metric("bantin_rejected_files"), Some(0.0));
}

/// A folder moved in (or extracted: `tar x` gives files the archive's old
/// mtimes) with files closed long before: nothing tells of them but the
/// listing, and no close will come, so they are read at once, all in the
/// folder's one refresh; none waits for the quiet period of a file still
/// being written.
#[test]
fn a_folder_moved_in_with_old_files_is_served_in_one_refresh() {
    let site = TempStore::new();
    let d = start_following(&site);
    // Beside the store, on its filesystem: moved in by a rename.
    let stage = site.store().parent().unwrap().join("moi");
    std::fs::create_dir_all(stage.join("sub")).unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    for (name, title) in [("b.txt", "Bài b"), ("sub/a.txt", "Bài a")] {
        let path = stage.join(name);
        std::fs::write(&path, article(title)).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    std::fs::rename(&stage, site.store().join("moi")).unwrap();
    let line = d.log_line("store change served");
    assert!(line.contains("added=2"), "not served together: {line}");
    for page in ["/articles/moi/b", "/articles/moi/sub/a"] {
        assert_eq!(d.get(page, &[]).status, 200, "{page}");
    }
}
