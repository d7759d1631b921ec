//! The daemon following its store live: files and folders created, edited,
//! renamed, moved in and out, deleted; editors' atomic saves and temp files;
//! broken saves; the store root removed and replaced; SIGHUP reloads; periodic
//! reconciliation. Each case checks what the feeds serve afterwards, and that
//! the feeds the change does not touch keep their ETag and Last-Modified.

// `allow-unwrap-in-tests` covers `#[test]` functions only; here the helpers are
// test code too, and a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Daemon, TempStore, BASE_URL};

/// How long a change may take to be served.
const LIMIT: Duration = Duration::from_secs(10);

/// The feeds of the `tin-tuc` categories: a change under `thong-bao/` leaves them alone.
const TIN_TUC: &[&str] = &[
    "/feeds/tin-tuc.rss",
    "/feeds/tin-tuc.atom",
    "/feeds/tin-tuc.json",
    "/feeds/tin-tuc/thoi-su.rss",
    "/feeds/tin-tuc/thoi-su.atom",
    "/feeds/tin-tuc/thoi-su.json",
    "/feeds/tin-tuc/tin-tuc-tong-hop.rss",
    "/feeds/tin-tuc/tin-tuc-tong-hop.atom",
    "/feeds/tin-tuc/tin-tuc-tong-hop.json",
];

/// Every resource of the sample site.
const EVERYTHING: &[&str] = &[
    "/",
    "/feeds.opml",
    "/feed.rss",
    "/feed.atom",
    "/feed.json",
    "/feeds/thong-bao.rss",
    "/feeds/thong-bao.atom",
    "/feeds/thong-bao.json",
    "/feeds/tin-tuc.rss",
    "/feeds/tin-tuc.atom",
    "/feeds/tin-tuc.json",
    "/feeds/tin-tuc/thoi-su.rss",
    "/feeds/tin-tuc/thoi-su.atom",
    "/feeds/tin-tuc/thoi-su.json",
    "/feeds/tin-tuc/tin-tuc-tong-hop.rss",
    "/feeds/tin-tuc/tin-tuc-tong-hop.atom",
    "/feeds/tin-tuc/tin-tuc-tong-hop.json",
];

/// Sample articles in `thong-bao/`, file stem and title.
const CAP_NUOC: (&str, &str) = (
    "tam-dung-cap-nuoc-phuong-hoa-lac",
    "Tạm dừng cấp nước để sửa chữa đường ống tại phường Hòa Lạc",
);
const TIEP_DAN: (&str, &str) = (
    "lich-tiep-cong-dan-thang-6-2021",
    "Lịch tiếp công dân định kỳ tháng 6 năm 2021",
);

const THONG_BAO: &str = "Trang nhất » Thông báo";
const SU_KIEN: &str = "Trang nhất » Sự kiện";

/// A small valid article (11/05/2020 was a Monday).
fn article(crumb: &str, title: &str) -> String {
    format!(
        "08:05 ICT Thứ hai, 11/05/2020\n\n{crumb}\n\n{title}\n\nThứ hai - 11/05/2020 08:00\nDẫn: {title}.\n\nNội dung bài viết.\n"
    )
}

/// Writes a small valid article with `crumb` and `title` to `path`.
fn write_article(path: impl AsRef<Path>, crumb: &str, title: &str) {
    std::fs::write(path, article(crumb, title)).unwrap();
}

/// Writes `n` small articles, `bai-0.txt` up, into `folder`.
fn write_articles(folder: &Path, n: usize) {
    for i in 0..n {
        write_article(
            folder.join(format!("bai-{i}.txt")),
            SU_KIEN,
            &format!("Bài {i}"),
        );
    }
}

/// The store folder of `site`.
fn store(site: &TempStore) -> PathBuf {
    site.config().parent().unwrap().join("store")
}

/// A folder next to the store: outside it, on the same filesystem.
fn outside(site: &TempStore) -> PathBuf {
    let dir = site.config().parent().unwrap().join("outside");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The item titles of an RSS feed, in order.
fn titles(d: &Daemon, path: &str) -> Vec<String> {
    items(d, path, "title")
}

/// The item links of an RSS feed, without the base URL.
fn links(d: &Daemon, path: &str) -> Vec<String> {
    items(d, path, "link")
        .into_iter()
        .map(|l| l.strip_prefix(common::BASE_URL).unwrap_or(&l).to_owned())
        .collect()
}

/// The text of element `<name>` of each `<item>` of an RSS feed.
fn items(d: &Daemon, path: &str, name: &str) -> Vec<String> {
    let text = d.body(path);
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    text.split("<item>")
        .skip(1)
        .map(|item| {
            let start = item.find(&open).unwrap() + open.len();
            let end = start + item[start..].find(&close).unwrap();
            item[start..end].to_owned()
        })
        .collect()
}

/// Waits until the RSS feed at `path` lists an item titled `title`.
fn wait_for_title(d: &Daemon, what: &str, path: &str, title: &str) {
    d.wait_until(what, || has(&titles(d, path), title));
}

/// Waits until the RSS feed at `path` is served with `count` items.
fn wait_for_items(d: &Daemon, what: &str, path: &str, count: usize) {
    d.wait_until(what, || {
        d.get(path, &[]).status == 200 && titles(d, path).len() == count
    });
}

/// The [`TIN_TUC`] feeds, then `more`.
fn tin_tuc_and<'a>(more: &[&'a str]) -> Vec<&'a str> {
    TIN_TUC
        .iter()
        .copied()
        .chain(more.iter().copied())
        .collect()
}

/// Status, ETag and Last-Modified of each path, once its Last-Modified has
/// settled (see [`Daemon::get_settled`]).
fn validators(d: &Daemon, paths: &[&str]) -> Vec<(String, u16, String, String)> {
    paths
        .iter()
        .map(|p| {
            let r = d.get_settled(p);
            let header = |n: &str| r.header(n).unwrap_or_default().to_owned();
            (
                (*p).to_owned(),
                r.status,
                header("etag"),
                header("last-modified"),
            )
        })
        .collect()
}

/// Asserts that `paths` still have the validators `before`.
fn assert_kept(d: &Daemon, paths: &[&str], before: &[(String, u16, String, String)]) {
    assert_eq!(
        validators(d, paths),
        before,
        "feeds the change does not touch"
    );
}

/// Waits until the daemon has compared the whole store with what it serves
/// (a reconciliation that began after this call), then asserts that `paths`
/// still have the validators `before`: whatever was done to the store before
/// this call was looked at, by the watcher and by the reconciliation, and
/// changed nothing. Needs a config with a short `[watch] reconcile_secs`.
fn assert_steady(d: &Daemon, paths: &[&str], before: &[(String, u16, String, String)]) {
    // Past the debounce window, so a batch of events from before this call has
    // reached the watch thread ahead of the reconciliation.
    let since = unix_now() + 0.1;
    d.wait_until("a reconciliation after the change", || {
        d.metric("bantin_last_reconcile_timestamp_seconds")
            .is_some_and(|t| t > since)
    });
    assert_kept(d, paths, before);
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// A config whose reconciliation runs every second, for [`assert_steady`].
const RECONCILE_OFTEN: &str = "[watch]\nreconcile_secs = 1\n";

fn has(list: &[String], s: &str) -> bool {
    list.iter().any(|x| x == s)
}

#[test]
fn created_file_is_served_in_its_category() {
    let site = TempStore::new();
    let d = site.start();
    let kept = validators(&d, TIN_TUC);
    let title = "Thông báo vừa được tạo";
    write_article(store(&site).join("thong-bao/vua-tao.txt"), THONG_BAO, title);
    wait_for_title(&d, "the new article", "/feed.rss", title);
    assert!(has(&titles(&d, "/feeds/thong-bao.rss"), title));
    assert!(has(
        &links(&d, "/feeds/thong-bao.rss"),
        "/articles/thong-bao/vua-tao"
    ));
    assert!(!has(&titles(&d, "/feeds/tin-tuc.rss"), title));
    assert_kept(&d, TIN_TUC, &kept);
}

#[test]
fn a_relative_store_in_a_config_named_relatively_is_followed() {
    // What `cargo run` does: ./config.toml with `store = "store"`, found from the
    // working directory. The watcher reports absolute paths; they must still match.
    let site = TempStore::new();
    let dir = site.config().parent().unwrap().to_owned();
    std::fs::write(
        site.config(),
        "store = \"store\"\nlisten = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let d = Daemon::start_in(&dir, &["--config".as_ref(), "config.toml".as_ref()]);
    let title = "Thông báo trong kho đường dẫn tương đối";
    write_article(dir.join("store/thong-bao/tuong-doi.txt"), THONG_BAO, title);
    wait_for_title(&d, "the new article", "/feeds/thong-bao.rss", title);
    std::fs::remove_file(dir.join("store/thong-bao/tuong-doi.txt")).unwrap();
    d.wait_until("the article to leave", || {
        !has(&titles(&d, "/feed.rss"), title)
    });
}

#[test]
fn modified_file_replaces_its_item() {
    let site = TempStore::new();
    let d = site.start();
    let kept = validators(&d, TIN_TUC);
    let before = titles(&d, "/feeds/thong-bao.rss");
    assert!(has(&before, CAP_NUOC.1));
    let title = "Lịch cấp nước đã được sửa";
    write_article(
        store(&site).join(format!("thong-bao/{}.txt", CAP_NUOC.0)),
        THONG_BAO,
        title,
    );
    wait_for_title(&d, "the edited article", "/feeds/thong-bao.rss", title);
    let after = titles(&d, "/feeds/thong-bao.rss");
    assert!(!has(&after, CAP_NUOC.1), "{after:?}");
    assert_eq!(after.len(), before.len());
    assert!(has(&titles(&d, "/feed.rss"), title));
    assert!(!has(&titles(&d, "/feed.rss"), CAP_NUOC.1));
    assert_kept(&d, TIN_TUC, &kept);
}

#[test]
fn deleted_file_leaves_the_feeds() {
    let site = TempStore::new();
    let d = site.start();
    let kept = validators(&d, TIN_TUC);
    assert!(has(&titles(&d, "/feed.rss"), TIEP_DAN.1));
    std::fs::remove_file(store(&site).join(format!("thong-bao/{}.txt", TIEP_DAN.0))).unwrap();
    d.wait_until("the deletion", || {
        !has(&titles(&d, "/feed.rss"), TIEP_DAN.1)
    });
    assert_eq!(titles(&d, "/feeds/thong-bao.rss"), [CAP_NUOC.1]);
    assert_kept(&d, TIN_TUC, &kept);
}

#[test]
fn file_renamed_inside_the_store_changes_its_id() {
    let site = TempStore::new();
    let d = site.start();
    let kept = validators(&d, TIN_TUC);
    let dir = store(&site).join("thong-bao");
    std::fs::rename(
        dir.join(format!("{}.txt", CAP_NUOC.0)),
        dir.join("cap-nuoc-doi-ten.txt"),
    )
    .unwrap();
    let old = format!("/articles/thong-bao/{}", CAP_NUOC.0);
    let new = "/articles/thong-bao/cap-nuoc-doi-ten";
    d.wait_until("the renamed article", || {
        let l = links(&d, "/feed.rss");
        has(&l, new) && !has(&l, &old)
    });
    let t = titles(&d, "/feeds/thong-bao.rss");
    assert_eq!(t.iter().filter(|t| *t == CAP_NUOC.1).count(), 1, "{t:?}");
    assert_eq!(d.get(&old, &[]).status, 404);
    assert_eq!(d.get(new, &[]).status, 200);
    assert_kept(&d, TIN_TUC, &kept);
}

#[test]
fn file_moved_in_from_outside_is_served() {
    let site = TempStore::new();
    let d = site.start();
    let kept = validators(&d, TIN_TUC);
    let title = "Thông báo chuyển vào kho";
    let from = outside(&site).join("chuyen-vao.txt");
    write_article(&from, THONG_BAO, title);
    // Give the write time to be over, so only the move can announce the file.
    std::thread::sleep(Duration::from_millis(100));
    std::fs::rename(&from, store(&site).join("thong-bao/chuyen-vao.txt")).unwrap();
    wait_for_title(&d, "the moved-in article", "/feeds/thong-bao.rss", title);
    assert!(has(&titles(&d, "/feed.rss"), title));
    assert_kept(&d, TIN_TUC, &kept);
}

#[test]
fn file_moved_out_of_the_store_leaves() {
    let site = TempStore::new();
    let d = site.start();
    let kept = validators(&d, TIN_TUC);
    std::fs::rename(
        store(&site).join(format!("thong-bao/{}.txt", TIEP_DAN.0)),
        outside(&site).join("ra-ngoai.txt"),
    )
    .unwrap();
    d.wait_until("the moved-out article gone", || {
        !has(&titles(&d, "/feed.rss"), TIEP_DAN.1)
    });
    assert_eq!(titles(&d, "/feeds/thong-bao.rss"), [CAP_NUOC.1]);
    assert_kept(&d, TIN_TUC, &kept);
}

/// An editor's atomic save: the new text goes to `temp` (an ignored name in the
/// same folder), which is then renamed over the article.
fn atomic_save(temp: &str, title: &str) {
    let site = TempStore::new();
    let d = site.start();
    let kept = validators(&d, TIN_TUC);
    let before = links(&d, "/feed.rss");
    let dir = store(&site).join("thong-bao");
    write_article(dir.join(temp), THONG_BAO, title);
    std::fs::rename(dir.join(temp), dir.join(format!("{}.txt", CAP_NUOC.0))).unwrap();
    wait_for_title(&d, "the saved article", "/feeds/thong-bao.rss", title);
    let t = titles(&d, "/feed.rss");
    assert!(has(&t, title) && !has(&t, CAP_NUOC.1), "{t:?}");
    // The same ids, in the same places: nothing was added or lost on the way.
    let mut after = links(&d, "/feed.rss");
    let mut before = before;
    after.sort();
    before.sort();
    assert_eq!(after, before);
    assert_kept(&d, TIN_TUC, &kept);
}

#[test]
fn atomic_save_through_a_dot_tmp_file() {
    atomic_save(
        &format!(".{}.txt.tmp", CAP_NUOC.0),
        "Cấp nước lưu qua tệp tạm",
    );
}

#[test]
fn atomic_save_through_a_tilde_file() {
    atomic_save(
        &format!("{}.txt~", CAP_NUOC.0),
        "Cấp nước lưu qua tệp dự phòng",
    );
}

/// A save that moves the file aside first (Emacs's, a script keeping the
/// old version as `x.txt~` or `x.txt.bak`) and writes the new version at
/// its path: one change of the article, never its removal and return (a
/// 404 between, feeds without it, two new ETags and pings).
#[test]
fn a_file_moved_aside_then_written_anew_is_one_change() {
    // A window wide enough that a loaded machine's few milliseconds between
    // the steps stay within it.
    let site = TempStore::with_config("[watch]\ndebounce_ms = 500\n");
    let d = site.start();
    // Once the reconciliation that follows the watcher's attach has ended,
    // so this checks the events' path alone. One listing the folder while
    // the file is moved aside, before the watch thread has taken the
    // rename's event (a CI run moved it aside in that instant), holds the
    // file a window rather than serve it gone: the watch thread's unit test
    // `a_slice_listed_while_a_file_is_moved_aside_is_one_change_not_a_removal`
    // plays that order of events.
    d.wait_until("the first reconciliation", || {
        d.metric("bantin_last_reconcile_timestamp_seconds")
            .is_some_and(|t| t > 0.0)
    });
    let dir = store(&site).join("thong-bao");
    let file = dir.join(format!("{}.txt", CAP_NUOC.0));
    for (round, backup) in ["txt~", "txt.bak"].iter().enumerate() {
        let backup = dir.join(format!("{}.{backup}", CAP_NUOC.0));
        let title = format!("Cấp nước sửa lần {round}");
        std::fs::rename(&file, &backup).unwrap();
        // The next process of a script (`mv`, then `sed … >`) starts a
        // few milliseconds on: within the debounce window.
        std::thread::sleep(Duration::from_millis(8));
        write_article(&file, THONG_BAO, &title);
        std::fs::remove_file(&backup).unwrap();
        wait_for_title(&d, "the new version", "/feeds/thong-bao.rss", &title);
    }
    // Logged once the change is served, so a moment after a request sees it.
    let served = |s: &str| {
        s.lines()
            .filter(|l| l.contains("store change served"))
            .count()
    };
    d.wait_until("both changes logged", || served(&d.stderr()) >= 2);
    let stderr = d.stderr();
    let served: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("store change served"))
        .collect();
    assert_eq!(served.len(), 2, "{stderr}");
    for line in served {
        assert!(
            line.contains("changed=1") && !line.contains("removed=1") && !line.contains("added=1"),
            "{line}"
        );
    }
}

#[test]
fn folder_moved_in_from_outside_makes_a_category() {
    let site = TempStore::new();
    let d = site.start();
    let kept_paths = tin_tuc_and(&["/feeds/thong-bao.rss", "/feeds/thong-bao.json"]);
    let kept = validators(&d, &kept_paths);
    assert_eq!(d.get("/feeds/su-kien.rss", &[]).status, 404);
    let made = outside(&site).join("su-kien");
    std::fs::create_dir(&made).unwrap();
    write_article(made.join("a.txt"), SU_KIEN, "Sự kiện chuyển vào một");
    write_article(made.join("b.txt"), SU_KIEN, "Sự kiện chuyển vào hai");
    std::fs::rename(&made, store(&site).join("su-kien")).unwrap();
    wait_for_items(&d, "the moved-in folder", "/feeds/su-kien.rss", 2);
    let mut t = titles(&d, "/feeds/su-kien.rss");
    t.sort();
    assert_eq!(t, ["Sự kiện chuyển vào hai", "Sự kiện chuyển vào một"]);
    let all = titles(&d, "/feed.rss");
    assert!(has(&all, "Sự kiện chuyển vào một") && has(&all, "Sự kiện chuyển vào hai"));
    assert_kept(&d, &kept_paths, &kept);
}

#[test]
fn folder_made_then_written_makes_a_category() {
    let site = TempStore::new();
    let d = site.start();
    let kept_paths = tin_tuc_and(&["/feeds/thong-bao.rss", "/feeds/thong-bao.atom"]);
    let kept = validators(&d, &kept_paths);
    let made = store(&site).join("su-kien/nam-2020");
    std::fs::create_dir_all(&made).unwrap();
    write_article(made.join("a.txt"), SU_KIEN, "Sự kiện tạo tại chỗ một");
    write_article(made.join("b.txt"), SU_KIEN, "Sự kiện tạo tại chỗ hai");
    wait_for_items(&d, "the new folder's articles", "/feeds/su-kien.rss", 2);
    let mut l = links(&d, "/feeds/su-kien.rss");
    l.sort();
    assert_eq!(
        l,
        [
            "/articles/su-kien/nam-2020/a",
            "/articles/su-kien/nam-2020/b"
        ]
    );
    // A later file in the new folder is seen too: the folder is watched.
    write_article(made.join("c.txt"), SU_KIEN, "Sự kiện tạo tại chỗ ba");
    wait_for_title(
        &d,
        "a later file in the new folder",
        "/feeds/su-kien.rss",
        "Sự kiện tạo tại chỗ ba",
    );
    assert_kept(&d, &kept_paths, &kept);
}

#[test]
fn folder_renamed_moves_its_articles() {
    let site = TempStore::new();
    let d = site.start();
    let kept = validators(&d, TIN_TUC);
    let root = store(&site);
    std::fs::rename(root.join("thong-bao"), root.join("thong-bao-cu")).unwrap();
    // Sorted: `lich-…` before `tam-…`.
    let expected = [
        format!("/articles/thong-bao-cu/{}", TIEP_DAN.0),
        format!("/articles/thong-bao-cu/{}", CAP_NUOC.0),
    ];
    d.wait_until("the renamed folder", || {
        let mut l = links(&d, "/feeds/thong-bao.rss");
        l.sort();
        l == expected
    });
    assert!(!links(&d, "/feed.rss")
        .iter()
        .any(|l| l.starts_with("/articles/thong-bao/")));
    // Files in the renamed folder are still followed under their new path.
    let title = "Sửa sau khi đổi tên thư mục";
    write_article(
        root.join(format!("thong-bao-cu/{}.txt", TIEP_DAN.0)),
        THONG_BAO,
        title,
    );
    wait_for_title(
        &d,
        "an edit in the renamed folder",
        "/feeds/thong-bao.rss",
        title,
    );
    assert!(!has(&titles(&d, "/feed.rss"), TIEP_DAN.1));
    assert_kept(&d, TIN_TUC, &kept);
}

#[test]
fn folder_deleted_with_contents_removes_its_feed() {
    let site = TempStore::new();
    let d = site.start();
    let kept = validators(&d, TIN_TUC);
    std::fs::remove_dir_all(store(&site).join("thong-bao")).unwrap();
    d.wait_until("the deleted folder's feed gone", || {
        d.get("/feeds/thong-bao.rss", &[]).status == 404
    });
    let t = titles(&d, "/feed.rss");
    assert!(!has(&t, CAP_NUOC.1) && !has(&t, TIEP_DAN.1), "{t:?}");
    assert!(!links(&d, "/feed.rss")
        .iter()
        .any(|l| l.starts_with("/articles/thong-bao/")));
    assert_kept(&d, TIN_TUC, &kept);
}

#[test]
fn store_root_deleted_then_recreated() {
    let site = TempStore::new();
    let d = site.start();
    let root = store(&site);
    let before = validators(&d, EVERYTHING);
    assert_eq!(d.metric("bantin_store_root_present"), Some(1.0));
    let healthz = || d.get("/healthz", &[]).text();
    assert!(!healthz().contains("missing"), "{}", healthz());
    std::fs::remove_dir_all(&root).unwrap();
    d.wait_until("the removal noticed", || {
        d.metric("bantin_store_root_present") == Some(0.0)
            && d.stderr().contains("serving the last good state")
    });
    // While it is gone, everything keeps being served exactly as before, and
    // the health check says what is served.
    assert_kept(&d, EVERYTHING, &before);
    let missing = format!(
        "; store root {} is missing: serving the last good state\n",
        root.display()
    );
    d.wait_until("/healthz to say the root is missing", || {
        let h = healthz();
        h.starts_with("ok: ") && h.ends_with(&missing)
    });
    let title = "Kho được tạo lại";
    std::fs::create_dir_all(root.join("thong-bao")).unwrap();
    write_article(root.join("thong-bao/moi.txt"), THONG_BAO, title);
    d.wait_until("the new store's contents", || {
        titles(&d, "/feed.rss") == [title]
    });
    assert_eq!(d.metric("bantin_store_root_present"), Some(1.0));
    assert!(!healthz().contains("missing"), "{}", healthz());
    assert_eq!(titles(&d, "/feeds/thong-bao.rss"), [title]);
    assert_eq!(d.get("/feeds/tin-tuc/thoi-su.rss", &[]).status, 404);
    // And the new root is followed.
    let later = "Bài sau khi tạo lại kho";
    write_article(root.join("thong-bao/sau.txt"), THONG_BAO, later);
    d.wait_until("a file in the new store", || {
        titles(&d, "/feed.rss").len() == 2 && has(&titles(&d, "/feed.rss"), later)
    });
}

#[test]
fn store_root_replaced_by_a_rename_is_followed() {
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let d = site.start();
    let root = store(&site);
    let new = outside(&site).join("new-store");
    std::fs::create_dir_all(new.join("thong-bao")).unwrap();
    let title = "Kho thay bằng đổi tên";
    write_article(new.join("thong-bao/moi.txt"), THONG_BAO, title);
    // The usual deployment swap: old root aside, new root in its place.
    std::fs::rename(&root, outside(&site).join("old-store")).unwrap();
    std::fs::rename(&new, &root).unwrap();
    d.wait_until("the swapped-in store", || {
        titles(&d, "/feed.rss") == [title]
    });
    // Changes to the new root are followed (not the old one, now elsewhere).
    let later = "Bài viết vào kho mới";
    write_article(root.join("thong-bao/sau.txt"), THONG_BAO, later);
    wait_for_title(&d, "a file in the swapped-in store", "/feed.rss", later);
    let before = validators(&d, &["/feed.rss"]);
    write_article(
        outside(&site).join("old-store/thong-bao/cu.txt"),
        THONG_BAO,
        "Bài viết vào kho cũ",
    );
    assert_steady(&d, &["/feed.rss"], &before);
}

/// A served article saved broken keeps its last good version and is reported;
/// a good save is then picked up.
fn broken_save(broken: &[u8]) {
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let d = site.start();
    let paths = tin_tuc_and(&[
        "/feed.rss",
        "/feed.atom",
        "/feeds/thong-bao.rss",
        "/feeds/thong-bao.json",
    ]);
    let before = validators(&d, &paths);
    assert_eq!(d.metric("bantin_rejected_files"), Some(0.0));
    assert!(d.body("/healthz").ends_with(", 0 files rejected\n"));
    let file = store(&site).join(format!("thong-bao/{}.txt", CAP_NUOC.0));
    let named = file.display().to_string();
    std::fs::write(&file, broken).unwrap();
    d.wait_until("the broken file reported", || {
        d.metric("bantin_rejected_files") == Some(1.0)
    });
    d.wait_until("the rejection in /healthz", || {
        d.body("/healthz").ends_with(", 1 file rejected\n")
    });
    d.wait_until("the rejection logged", || {
        log_lines(&d, "rejected: ", &named) == 1
    });
    // Reconciliations (every second) read nothing new: no more lines.
    let reconciled = d.metric("bantin_reconcile_seconds_count").unwrap();
    d.wait_until("two more reconciliations", || {
        d.metric("bantin_reconcile_seconds_count").unwrap() >= reconciled + 2.0
    });
    assert_eq!(log_lines(&d, "rejected: ", &named), 1, "{}", d.stderr());
    assert_steady(&d, &paths, &before);
    assert!(has(&titles(&d, "/feeds/thong-bao.rss"), CAP_NUOC.1));
    let title = "Cấp nước đã lưu lại đúng";
    write_article(&file, THONG_BAO, title);
    wait_for_title(&d, "the good save", "/feeds/thong-bao.rss", title);
    assert!(!has(&titles(&d, "/feeds/thong-bao.rss"), CAP_NUOC.1));
    d.wait_until("the rejection cleared", || {
        d.metric("bantin_rejected_files") == Some(0.0)
    });
    d.wait_until("the fix logged", || {
        log_lines(&d, "served again", &named) == 1
    });
    assert!(d.body("/healthz").ends_with(", 0 files rejected\n"));
    assert_eq!(log_lines(&d, "rejected: ", &named), 1, "{}", d.stderr());
    assert_kept(&d, TIN_TUC, &before[..TIN_TUC.len()]);
}

/// How many lines of the daemon's log contain both `what` and `path`.
fn log_lines(d: &Daemon, what: &str, path: &str) -> usize {
    d.stderr()
        .lines()
        .filter(|l| l.contains(what) && l.contains(path))
        .count()
}

#[test]
fn file_truncated_to_nothing_keeps_its_last_good_version() {
    broken_save(b"");
}

#[test]
fn file_saved_as_binary_keeps_its_last_good_version() {
    let mut bytes = article(THONG_BAO, "Không bao giờ được phục vụ").into_bytes();
    bytes.splice(10..10, [0, 0, 0xff, 0]);
    broken_save(&bytes);
}

#[test]
fn temp_swap_and_dot_files_are_never_served() {
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let d = site.start();
    let before = validators(&d, EVERYTHING);
    let dir = store(&site).join("thong-bao");
    let names = [
        ".an.txt.swp",
        "an.txt.swp",
        "an.txt~",
        "an.txt.tmp",
        ".an.txt",
        "#an.txt#",
        "an.txt.part",
        ".an/bai.txt",
    ];
    for (i, name) in names.iter().enumerate() {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_article(&path, THONG_BAO, &format!("Tệp ẩn số {i}"));
    }
    assert_steady(&d, EVERYTHING, &before);
    assert_eq!(d.metric("bantin_rejected_files"), Some(0.0));
    // A real article written after them is served, and none of them with it.
    let title = "Tệp thật bên cạnh tệp tạm";
    write_article(dir.join("that.txt"), THONG_BAO, title);
    wait_for_title(&d, "the real article", "/feed.rss", title);
    let t = titles(&d, "/feed.rss");
    assert!(!t.iter().any(|t| t.starts_with("Tệp ẩn")), "{t:?}");
    assert_kept(&d, TIN_TUC, &before[8..]);
}

#[test]
fn sighup_applies_a_good_config_and_keeps_it_over_a_bad_one() {
    let site = TempStore::new();
    let d = site.start();
    assert!(titles(&d, "/feed.rss").len() > 2);
    let original = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(site.config(), format!("{original}\n[feeds]\nitems = 2\n")).unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("two items", || titles(&d, "/feed.rss").len() == 2);
    let etag = validators(&d, &["/feed.rss"]);

    std::fs::write(
        site.config(),
        format!("no_such_setting = 1\n{original}\n[feeds]\nitems = 3\n"),
    )
    .unwrap();
    d.signal(rustix::process::Signal::HUP);
    let line = d.log_line("keeping the running configuration");
    assert!(line.contains("no_such_setting"), "{line}");
    // One log line a problem, each with its time and level: not the file's
    // lines a terminal is shown, which would reach a log file bare.
    d.log_line("1 problem in");
    let log = d.stderr();
    for l in log.lines() {
        let stamped = l.len() > 20
            && l.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && l.as_bytes()[10] == b'T';
        assert!(stamped, "a line without its time: {l:?}\n{log}");
    }
    assert_eq!(titles(&d, "/feed.rss").len(), 2);
    assert_kept(&d, &["/feed.rss"], &etag);
}

#[test]
fn a_reload_with_the_looked_up_config_gone_keeps_it_rather_than_the_defaults() {
    // Started with no --config in a folder holding ./config.toml and the
    // default store ./feeds, as `bantin serve` run by hand in a checkout.
    let site = TempStore::new();
    let dir = site.config().parent().unwrap().to_owned();
    std::fs::rename(dir.join("store"), dir.join("feeds")).unwrap();
    std::fs::write(
        site.config(),
        "listen = \"127.0.0.1:0\"\n[feeds]\nitems = 2\n",
    )
    .unwrap();
    let d = Daemon::start_in(&dir, &[]);
    assert_eq!(titles(&d, "/feed.rss").len(), 2);
    // Moved away mid-edit: the defaults (20 items) would be served.
    std::fs::rename(site.config(), dir.join("config.toml.bak")).unwrap();
    d.signal(rustix::process::Signal::HUP);
    let line = d.log_line("keeping the running configuration");
    let full = dir.join("config.toml");
    assert!(
        line.contains(&full.display().to_string())
            && line.contains("found by the lookup (no --config")
            && line.contains("it has gone since bantin found it: put it back and reload again"),
        "{line}"
    );
    let error = r#"bantin_config_reloads_total{result="error"}"#;
    d.wait_until("the refused reload counted", || {
        d.metric(error) == Some(1.0)
    });
    assert_eq!(d.metric("bantin_config_last_reload_success"), Some(0.0));
    assert_eq!(titles(&d, "/feed.rss").len(), 2);
    // Put back, the same file is read again.
    std::fs::write(
        site.config(),
        "listen = \"127.0.0.1:0\"\n[feeds]\nitems = 3\n",
    )
    .unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("three items", || titles(&d, "/feed.rss").len() == 3);
    // The gauge is set once the reload is counted, after the swap.
    let ok = r#"bantin_config_reloads_total{result="ok"}"#;
    d.wait_until("the reload counted", || d.metric(ok) == Some(1.0));
    assert_eq!(d.metric("bantin_config_last_reload_success"), Some(1.0));
}

/// Started on the defaults (no config file found), a reload looks again;
/// the file it finds is then held to as one found at start: moved away,
/// the next reload is refused, not served with the defaults again.
#[test]
fn a_config_first_found_by_a_reload_is_held_to_as_one_found_at_start() {
    let site = TempStore::new();
    let dir = site.config().parent().unwrap().to_owned();
    std::fs::rename(dir.join("store"), dir.join("feeds")).unwrap();
    std::fs::remove_file(site.config()).unwrap();
    let d = Daemon::start_in(&dir, &["--listen".as_ref(), "127.0.0.1:0".as_ref()]);
    assert!(titles(&d, "/feed.rss").len() > 2);
    std::fs::write(site.config(), "[feeds]\nitems = 2\n").unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("two items", || titles(&d, "/feed.rss").len() == 2);
    std::fs::rename(site.config(), dir.join("config.toml.bak")).unwrap();
    d.signal(rustix::process::Signal::HUP);
    let line = d.log_line("it has gone since bantin found it");
    assert!(line.contains("keeping the running configuration"), "{line}");
    let error = r#"bantin_config_reloads_total{result="error"}"#;
    d.wait_until("the refused reload counted", || {
        d.metric(error) == Some(1.0)
    });
    assert_eq!(titles(&d, "/feed.rss").len(), 2);
}

#[test]
fn a_reload_that_changes_rss_guids_says_readers_see_every_article_again() {
    let site = TempStore::new();
    let d = site.start();
    let guid = |d: &Daemon| {
        let rss = d.get("/feed.rss", &[]).text();
        let start = rss.find("<guid").unwrap();
        rss[start..start + rss[start..].find("</guid>").unwrap()].to_owned()
    };
    let before = guid(&d);
    let original = std::fs::read_to_string(site.config()).unwrap();
    assert!(!original.contains("[site]"), "{original}");
    std::fs::write(
        site.config(),
        format!("{original}\n[site]\nbase_url = \"https://tin.example.vn\"\n"),
    )
    .unwrap();
    d.signal(rustix::process::Signal::HUP);
    let line = d.log_line("base_url changed");
    assert!(
        line.contains("to \"https://tin.example.vn\"")
            && line.contains("RSS readers see every article again as new"),
        "{line}"
    );
    // What it warns of: the same article's guid is another.
    d.wait_until("the new guids", || guid(&d) != before);
    assert!(
        guid(&d).contains("https://tin.example.vn/articles/"),
        "{}",
        guid(&d)
    );
}

#[test]
fn a_reload_onto_another_store_serves_it_in_place_of_the_first() {
    let site = TempStore::new();
    let mut d = site.start();
    let sample = titles(&d, "/feed.rss");
    assert!(sample.len() > 3, "{sample:?}");
    // Another store: two articles, in a category the sample store also has.
    let other = outside(&site);
    std::fs::create_dir_all(other.join("thong-bao")).unwrap();
    write_article(other.join("thong-bao/mot.txt"), THONG_BAO, "Thông báo một");
    write_article(other.join("thong-bao/hai.txt"), THONG_BAO, "Thông báo hai");
    let original = std::fs::read_to_string(site.config()).unwrap();
    let first = store(&site).display().to_string();
    assert!(original.contains(&first), "{original}");
    let onto = |to: &Path| {
        let config = original.replace(&first, &to.display().to_string());
        std::fs::write(site.config(), config).unwrap();
    };
    // There and back twice: every article of the store left is withdrawn
    // from every feed, each served article is read from the store named.
    for round in 0..2 {
        onto(&other);
        d.signal(rustix::process::Signal::HUP);
        wait_for_items(&d, "the other store's articles", "/feed.rss", 2);
        let now = titles(&d, "/feed.rss");
        assert!(
            has(&now, "Thông báo một") && has(&now, "Thông báo hai"),
            "{now:?}"
        );
        assert_eq!(titles(&d, "/feeds/thong-bao.rss").len(), 2);
        // A category only the first store has is gone with it.
        assert_eq!(d.get("/feeds/tin-tuc.rss", &[]).status, 404);
        onto(&store(&site));
        d.signal(rustix::process::Signal::HUP);
        wait_for_items(&d, "the sample store again", "/feed.rss", sample.len());
        assert_eq!(titles(&d, "/feed.rss"), sample, "round {round}");
    }
    assert!(d.alive(), "{}", d.stderr());
    // Said as what changed for readers: the sample store's articles left and
    // the other's came, not as changes the watcher missed.
    let served = d.log_line("store change served added=2 ");
    let removed = format!("removed={}", sample.len());
    assert!(
        served.contains(&removed) || d.stderr().contains(&removed),
        "{served}"
    );
    assert!(
        !d.stderr()
            .contains("reconciliation found changes the watcher missed"),
        "{}",
        d.stderr()
    );
    // And the store is watched: a new article there is served.
    write_article(store(&site).join("thong-bao/moi.txt"), THONG_BAO, "Mới");
    wait_for_title(
        &d,
        "an article written after the reloads",
        "/feed.rss",
        "Mới",
    );
}

#[test]
fn a_served_file_replaced_by_a_fifo_or_a_link_out_keeps_its_last_good_version() {
    let site = TempStore::new();
    let d = site.start();
    let dir = store(&site).join("thong-bao");
    let (fifo_stem, fifo_title) = CAP_NUOC;
    let (link_stem, link_title) = TIEP_DAN;
    // Each swapped in as editors' tools save: made beside, renamed over.
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("ong.tmp"))
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    std::fs::rename(dir.join("ong.tmp"), dir.join(format!("{fifo_stem}.txt"))).unwrap();
    let secret = outside(&site).join("secret.txt");
    write_article(&secret, THONG_BAO, "Bí mật ngoài kho");
    std::os::unix::fs::symlink(&secret, dir.join("link.tmp")).unwrap();
    std::fs::rename(dir.join("link.tmp"), dir.join(format!("{link_stem}.txt"))).unwrap();
    // Each is rejected by path, once, as the README says ...
    d.log_line(&format!("{fifo_stem}.txt"));
    d.log_line(&format!("{link_stem}.txt"));
    d.wait_until("both counted", || {
        d.metric("bantin_rejected_files") == Some(2.0)
    });
    // ... and the last good versions stay served, with their pages.
    let now = titles(&d, "/feeds/thong-bao.rss");
    assert!(has(&now, fifo_title) && has(&now, link_title), "{now:?}");
    assert!(!has(&now, "Bí mật ngoài kho"), "{now:?}");
    for stem in [fifo_stem, link_stem] {
        let page = d.get(&format!("/articles/thong-bao/{stem}"), &[]);
        assert_eq!(page.status, 200, "{stem}");
        assert!(!page.text().contains("Bí mật ngoài kho"), "{stem}");
    }
    // A reconciliation keeps them too, without saying so again.
    d.signal(rustix::process::Signal::HUP);
    d.log_line("configuration reloaded");
    let now = titles(&d, "/feeds/thong-bao.rss");
    assert!(has(&now, fifo_title) && has(&now, link_title), "{now:?}");
    let said = d.stderr().matches(&format!("{fifo_stem}.txt")).count();
    assert_eq!(said, 1, "{}", d.stderr());
    // A good file in place of the FIFO is served; the link removed, its
    // article leaves.
    std::fs::remove_file(dir.join(format!("{fifo_stem}.txt"))).unwrap();
    write_article(
        dir.join(format!("{fifo_stem}.txt")),
        THONG_BAO,
        "Cấp nước lại",
    );
    std::fs::remove_file(dir.join(format!("{link_stem}.txt"))).unwrap();
    d.wait_until("the new version served and the link's article gone", || {
        let now = titles(&d, "/feeds/thong-bao.rss");
        has(&now, "Cấp nước lại") && !has(&now, link_title) && !has(&now, fifo_title)
    });
    d.wait_until("no file rejected", || {
        d.metric("bantin_rejected_files") == Some(0.0)
    });
}

/// Whether `/articles/<id>` is served with `title` on it.
fn page_shows(d: &Daemon, id: &str, title: &str) -> bool {
    let r = d.get(&format!("/articles/{id}"), &[]);
    r.status == 200 && r.text().contains(title)
}

/// Puts a FIFO at `path` as editors' tools save: made beside under a hidden
/// name the store ignores, renamed over.
fn fifo_over(path: &Path) {
    let beside = path.with_file_name(".fifo.tmp");
    let made = std::process::Command::new("mkfifo")
        .arg(&beside)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    std::fs::rename(&beside, path).unwrap();
}

/// A link whose target is a folder for a while (or a FIFO, then a folder)
/// is no article then, and no rejected file, and is served again as soon
/// as a file is back there: the target's events alone bring it back. A
/// link named as an article that leads to a folder from the start is
/// neither served nor counted.
#[test]
fn a_link_whose_target_was_a_folder_for_a_while_is_served_again_when_a_file_is_back() {
    // A week: a reconciliation cannot be what brings the link back.
    let site = TempStore::with_config("[watch]\nreconcile_secs = 604800\n");
    let dir = store(&site).join("thong-bao");
    let target = dir.join("goc.txt");
    write_article(&target, THONG_BAO, "Bản gốc");
    std::os::unix::fs::symlink("goc.txt", dir.join("lien-ket.txt")).unwrap();
    std::os::unix::fs::symlink("../tin-tuc", dir.join("thu-muc.txt")).unwrap();
    let d = site.start();
    let link = "thong-bao/lien-ket";
    let status = |id: &str| d.get(&format!("/articles/{id}"), &[]).status;
    let rejected = || d.metric("bantin_rejected_files");
    d.wait_until("the link served", || page_shows(&d, link, "Bản gốc"));
    // The reconciliation that follows the watcher's attach is over: from
    // here on only events can bring a change.
    let reconciled = || d.metric("bantin_last_reconcile_timestamp_seconds");
    d.wait_until("the first reconciliation", || {
        reconciled().is_some_and(|t| t > 0.0)
    });
    let first_reconciliation = reconciled();
    assert_eq!(rejected(), Some(0.0));
    assert_eq!(status("thong-bao/thu-muc"), 404);

    // The target moved aside, a folder made in its place: no article.
    let aside = outside(&site).join("goc.txt");
    std::fs::rename(&target, &aside).unwrap();
    std::fs::create_dir(&target).unwrap();
    // Two events: between them the link dangles (refused), so nothing
    // refused is part of what is waited for.
    d.wait_until("the link's article gone, nothing refused", || {
        status(link) == 404 && status("thong-bao/goc") == 404 && rejected() == Some(0.0)
    });
    // The file back: served through the link, and its edits too.
    std::fs::remove_dir(&target).unwrap();
    std::fs::rename(&aside, &target).unwrap();
    d.wait_until("the link served again", || page_shows(&d, link, "Bản gốc"));
    write_article(&target, THONG_BAO, "Bản sửa");
    d.wait_until("the edit served through the link", || {
        page_shows(&d, link, "Bản sửa") && page_shows(&d, "thong-bao/goc", "Bản sửa")
    });

    // A FIFO in its place: the target and the link refused, their last
    // good version served ...
    fifo_over(&target);
    d.wait_until("both refused", || rejected() == Some(2.0));
    assert!(page_shows(&d, link, "Bản sửa"));
    // ... then a folder: no article, and nothing refused ...
    std::fs::remove_file(&target).unwrap();
    std::fs::create_dir(&target).unwrap();
    d.wait_until("no article and nothing refused", || {
        status(link) == 404 && rejected() == Some(0.0)
    });
    // ... then a file: served again, under both names.
    std::fs::remove_dir(&target).unwrap();
    write_article(&target, THONG_BAO, "Bản cuối");
    d.wait_until("the link served at last", || {
        page_shows(&d, link, "Bản cuối") && page_shows(&d, "thong-bao/goc", "Bản cuối")
    });
    d.wait_until("nothing refused", || rejected() == Some(0.0));
    assert!(d.body("/healthz").ends_with(", 0 files rejected\n"));
    assert_eq!(status("thong-bao/thu-muc"), 404);
    assert_eq!(
        reconciled(),
        first_reconciliation,
        "a reconciliation ran: it, not the events, may have brought the changes"
    );
}

#[test]
fn reconciliation_repairs_what_events_miss() {
    // inotify reports a change to a file in a watched folder only when the file
    // is opened through that folder: writing an article through a hard link
    // outside the store changes it unseen, so only the periodic comparison of
    // (size, mtime) can find it. Edits through the store's own paths are
    // usually seen by inotify first, which is why this roundabout edit is used.
    let site = TempStore::with_config("[watch]\nreconcile_secs = 1\n");
    let d = site.start();
    let kept = validators(&d, TIN_TUC);
    let link = outside(&site).join("hard-link.txt");
    std::fs::hard_link(
        store(&site).join(format!("thong-bao/{}.txt", CAP_NUOC.0)),
        &link,
    )
    .unwrap();
    let title = "Sửa qua liên kết cứng";
    write_article(&link, THONG_BAO, title);
    wait_for_title(&d, "the unannounced edit", "/feeds/thong-bao.rss", title);
    assert!(!has(&titles(&d, "/feed.rss"), CAP_NUOC.1));
    // Logged as the reconciliation ends, which may be just after the feed changed.
    d.log_line("reconciliation found changes the watcher missed");
    assert_kept(&d, TIN_TUC, &kept);
}

#[test]
fn metrics_count_files_and_update_latency() {
    let site = TempStore::new();
    let d = site.start();
    // A file written right at start may be found by the start-up re-check rather
    // than by an event; the second one comes well after, through the watcher.
    for (file, title) in [
        ("dem.txt", "Bài viết để đếm"),
        ("dem-2.txt", "Bài viết để đếm 2"),
    ] {
        write_article(store(&site).join("thong-bao").join(file), THONG_BAO, title);
        wait_for_title(&d, "the new article", "/feed.rss", title);
    }
    // Recorded once the update is served, so maybe just after the feed changed.
    d.wait_until("the update's latency recorded", || {
        d.metric("bantin_update_latency_seconds_count")
            .is_some_and(|n| n >= 1.0)
    });
    let text = d.body("/metrics");
    assert!(
        d.metric("bantin_files_added_total")
            .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    let sum = d.metric("bantin_update_latency_seconds_sum").unwrap();
    assert!((0.0..LIMIT.as_secs_f64()).contains(&sum), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("bantin_update_latency_seconds_bucket{le=")),
        "{text}"
    );
    // The start-up reconciliation of this small store ends soon after the
    // watcher is attached (on a loaded machine, maybe after the updates above).
    d.wait_until("the start-up reconciliation counted", || {
        d.metric("bantin_reconcile_seconds_count")
            .is_some_and(|n| n >= 1.0)
    });
    assert!(
        d.metric("bantin_last_reconcile_timestamp_seconds")
            .is_some_and(|t| t > 1.7e9),
        "{text}"
    );
}

/// [`article`] with `line` (a correction or withdrawal line) under its date line.
fn marked_article(crumb: &str, title: &str, line: &str) -> String {
    let date = "Thứ hai - 11/05/2020 08:00\n";
    article(crumb, title).replace(date, &format!("{date}{line}\n"))
}

#[test]
fn withdrawing_editing_and_restoring_an_article_work_live() {
    let site = TempStore::new();
    let d = site.start();
    let kept = validators(&d, TIN_TUC);
    let path = store(&site).join(format!("thong-bao/{}.txt", CAP_NUOC.0));
    let page = format!("/articles/thong-bao/{}", CAP_NUOC.0);
    let tag = format!("article/thong-bao/{}", CAP_NUOC.0);
    let title = "Lịch cấp nước tạm dừng";
    write_article(&path, THONG_BAO, title);
    wait_for_title(&d, "the article", "/feeds/thong-bao.rss", title);
    let etag = |p: &str| d.get(p, &[]).expect_header("etag").to_owned();
    let live_etag = etag("/feeds/thong-bao.atom");
    assert_eq!(d.get(&page, &[]).status, 200);

    // Withdrawn: out of RSS and JSON, a tombstone in Atom, its page 410.
    let gone = "Gỡ bỏ: 12/05/2020 10:00 - Lịch đã thay đổi";
    std::fs::write(&path, marked_article(THONG_BAO, title, gone)).unwrap();
    d.wait_until("the withdrawal", || {
        !has(&titles(&d, "/feeds/thong-bao.rss"), title)
    });
    let atom = d.body("/feeds/thong-bao.atom");
    assert!(atom.contains("ref=\"tag:") && atom.contains(&tag), "{atom}");
    assert!(atom.contains(
        "when=\"2020-05-12T10:00:00+07:00\"><at:comment>Lịch đã thay đổi</at:comment></at:deleted-entry>"
    ));
    assert_ne!(etag("/feeds/thong-bao.atom"), live_etag);
    assert!(!d.body("/feeds/thong-bao.json").contains(title));
    assert!(!d.body("/feed.json").contains(title));
    let r = d.get(&page, &[]);
    assert_eq!(r.status, 410);
    assert!(r.text().contains("Lịch đã thay đổi"), "{}", r.text());
    assert!(r.text().contains(title));
    let cache = r.expect_header("cache-control").to_owned();
    let page_etag = r.expect_header("etag").to_owned();
    assert!(
        cache.starts_with("max-age="),
        "a 410 may be cached: {cache}"
    );
    // A 410 is never turned into a 304 (RFC 9110 §13.2.1).
    let r = d.get(&page, &[("if-none-match", &page_etag)]);
    assert_eq!(r.status, 410);
    assert_eq!(d.request("HEAD", &page, &[]).status, 410);
    // Compressed as the page was, though its preconditions are not read.
    let plain = d.get(&page, &[]).body;
    let gz = d.get(&page, &[("accept-encoding", "gzip")]);
    assert_eq!(gz.status, 410);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&gz.body[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, plain);
    let r = d.get(
        &page,
        &[
            ("accept-encoding", "gzip"),
            ("if-none-match", gz.expect_header("etag")),
        ],
    );
    assert_eq!(r.status, 410);

    // The withdrawn file edited: a new reason, served as any other change.
    let gone = "Gỡ bỏ: 12/05/2020 10:00 - Sự kiện đã hoãn";
    std::fs::write(&path, marked_article(THONG_BAO, title, gone)).unwrap();
    d.wait_until("the new reason", || {
        d.body("/feeds/thong-bao.atom").contains("Sự kiện đã hoãn")
    });
    assert!(d.get(&page, &[]).text().contains("Sự kiện đã hoãn"));

    // Restored, with a correction: back everywhere, its page 200 again.
    let fixed = "Cập nhật: 12/05/2020 09:00";
    std::fs::write(&path, marked_article(THONG_BAO, title, fixed)).unwrap();
    wait_for_title(&d, "the restored article", "/feeds/thong-bao.rss", title);
    let atom = d.body("/feeds/thong-bao.atom");
    assert!(!atom.contains("deleted-entry"), "{atom}");
    assert!(atom.contains("<updated>2020-05-12T09:00:00+07:00</updated>"));
    assert!(d
        .body("/feeds/thong-bao.json")
        .contains("\"date_modified\": \"2020-05-12T09:00:00+07:00\""));
    let r = d.get(&page, &[]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains(
        "Cập nhật: <time datetime=\"2020-05-12T09:00:00+07:00\">12/05/2020 09:00</time>"
    ));
    assert_kept(&d, TIN_TUC, &kept);
}

/// A debounce window far longer than any wait below, so what is served
/// before it ends was not waiting for it.
const SLOW_DEBOUNCE: &str = "[watch]\ndebounce_ms = 4000\n";

/// How long a finished file may take to be served: well inside [`SLOW_DEBOUNCE`].
const AT_ONCE: Duration = Duration::from_millis(2500);

/// Polls `/feed.rss` until it lists `title`, for at most `limit`; whether it did.
fn listed_within(d: &Daemon, title: &str, limit: Duration) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if has(&titles(d, "/feed.rss"), title) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn a_file_written_and_closed_or_renamed_in_is_served_without_the_debounce_wait() {
    let site = TempStore::with_config(SLOW_DEBOUNCE);
    let d = site.start();
    // Once the watcher follows the store: a change made before is found by
    // the reconciliation that follows the attach, with no wait either way.
    d.wait_until("the first reconciliation", || {
        d.metric("bantin_last_reconcile_timestamp_seconds")
            .is_some()
    });
    // An article saved in place. (A new file waits one window more: it may be
    // the temp file of an atomic save, about to be renamed.)
    let written = "Thông báo ghi xong là đăng ngay";
    write_article(
        store(&site).join(format!("thong-bao/{}.txt", CAP_NUOC.0)),
        THONG_BAO,
        written,
    );
    assert!(
        listed_within(&d, written, AT_ONCE),
        "a file written and closed waited for the debounce window"
    );
    let moved = "Thông báo chuyển vào là đăng ngay";
    let from = outside(&site).join("chuyen-vao-ngay.txt");
    write_article(&from, THONG_BAO, moved);
    std::fs::rename(&from, store(&site).join("thong-bao/chuyen-vao-ngay.txt")).unwrap();
    assert!(
        listed_within(&d, moved, AT_ONCE),
        "a file renamed into the store waited for the debounce window"
    );
}

/// A store of 3000 small articles, which takes the daemon a moment to load
/// (most of a second in a debug build): signals sent once it says it is
/// loading arrive while it starts.
fn slow_to_load() -> TempStore {
    let site = TempStore::new();
    let dir = store(&site).join("thong-bao/nhieu");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..3000 {
        write_article(
            dir.join(format!("bai-{i}.txt")),
            THONG_BAO,
            &format!("Bài số {i}"),
        );
    }
    site
}

/// Spawns the daemon on `site` and waits (bounded) until it says it is
/// loading the store: its signal handlers are installed by then.
fn spawn_loading(site: &TempStore) -> common::Spawned {
    let config = site.config();
    let spawned = Daemon::spawn(
        &["--config".as_ref(), config.as_os_str()],
        &common::Launch::default(),
    );
    assert!(
        spawned.stderr_contains("loading the store", LIMIT),
        "no start-up line; stderr:\n{}",
        spawned.stderr()
    );
    spawned
}

#[test]
fn sighup_while_starting_is_applied_once_serving() {
    let site = slow_to_load();
    let original = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(site.config(), format!("{original}\n[feeds]\nitems = 2\n")).unwrap();
    let spawned = spawn_loading(&site);
    let pid = spawned.pid();
    for _ in 0..3 {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::HUP);
        std::thread::sleep(Duration::from_millis(20));
    }
    // It keeps running, starts serving, and then applies the new config.
    let mut d = spawned.listening(LIMIT, LIMIT);
    d.wait_until("the reload applied", || {
        d.stderr().contains("configuration reloaded")
    });
    assert!(d.alive());
    let log = d.stderr();
    let remembered = log
        .find("SIGHUP while starting")
        .unwrap_or_else(|| panic!("the SIGHUP came after start-up:\n{log}"));
    assert!(remembered < log.find("configuration reloaded").unwrap());
    assert_eq!(titles(&d, "/feed.rss").len(), 2);
}

#[test]
fn sigterm_while_starting_exits_cleanly() {
    let site = slow_to_load();
    let spawned = spawn_loading(&site);
    let _ = rustix::process::kill_process(spawned.pid(), rustix::process::Signal::TERM);
    let (status, log) = spawned.wait(LIMIT);
    let status = status.unwrap_or_else(|| panic!("still running after SIGTERM:\n{log}"));
    assert!(status.success(), "{status}; stderr:\n{log}");
    assert!(log.contains("SIGTERM: shutting down"), "{log}");
    assert!(log.contains("stopped before serving"), "{log}");
}

/// Waits until `/metrics` counts `n` files removed from the store: a rename
/// is one file removed (and one added, under the same id here).
fn wait_for_removed(d: &Daemon, what: &str, n: f64) {
    d.wait_until(what, || {
        d.metric("bantin_files_removed_total")
            .is_some_and(|v| v >= n)
    });
}

/// A file renamed to another name that gives the same article id (another
/// extension; its name in NFD instead of NFC) still leaves one file giving
/// it: the rename is no duplicate, so nothing is logged or counted as
/// rejected, though each new name sorts before the old one and its event may
/// be looked at first. A real duplicate beside a file still is rejected.
#[test]
fn a_rename_that_keeps_the_article_id_is_no_duplicate() {
    use unicode_normalization::UnicodeNormalization;
    let site = TempStore::new();
    let d = site.start();
    assert_eq!(d.metric("bantin_files_rejected_total"), Some(0.0));
    let dir = store(&site).join("thong-bao");
    let page = format!("/articles/thong-bao/{}", TIEP_DAN.0);
    let before = d.body(&page);
    let renames = [
        (
            format!("{}.txt", TIEP_DAN.0),
            format!("{}.text", TIEP_DAN.0),
        ),
        (format!("{}.text", TIEP_DAN.0), format!("{}.md", TIEP_DAN.0)),
    ];
    for (n, (from, to)) in renames.iter().enumerate() {
        std::fs::rename(dir.join(from), dir.join(to)).unwrap();
        wait_for_removed(&d, &format!("{from} renamed to {to}"), (n + 1) as f64);
        assert_eq!(d.body(&page), before, "{to}: the article as it was");
    }
    let lua = store(&site).join("tin-tuc/tong-hop");
    let nfc = "giá lúa cuối năm.txt";
    let nfd: String = nfc.nfd().collect();
    assert_ne!(nfc, nfd);
    std::fs::rename(lua.join(nfc), lua.join(&nfd)).unwrap();
    wait_for_removed(&d, "a name renamed from NFC to NFD", 3.0);
    assert_eq!(d.metric("bantin_files_rejected_total"), Some(0.0));
    let log = d.stderr();
    assert!(
        !log.contains("rejected: ") && !log.contains("served again"),
        "a rename logged as a duplicate:\n{log}"
    );

    // A copy beside the file gives its id a second time: rejected, once.
    let copy = dir.join(format!("{}.txt", CAP_NUOC.0));
    let twin = dir.join(format!("{}.md", CAP_NUOC.0));
    std::fs::copy(&copy, &twin).unwrap();
    let line = d.log_line("rejected: ");
    assert!(
        line.contains("already gives the article id")
            && line.contains(&format!("{}.md", CAP_NUOC.0)),
        "{line}"
    );
    d.wait_until("the duplicate counted", || {
        d.metric("bantin_files_rejected_total") == Some(1.0)
    });
}

/// How the daemon is run so a folder can be closed to it: as `nobody` through
/// `setpriv` when the tests run as root (root reads every folder whatever its
/// mode), from a link to the binary in `dir` (the build folder may be closed
/// to other users; `dir` is opened to all before); as the test's own user
/// otherwise. `None`: root without
/// `setpriv`, where no folder can be closed to the daemon.
fn closed_to_daemon(dir: &Path) -> Option<Vec<std::ffi::OsString>> {
    if !rustix::process::geteuid().is_root() {
        return Some(Vec::new());
    }
    let setpriv = std::process::Command::new("setpriv")
        .arg("--version")
        .output();
    if !setpriv.is_ok_and(|o| o.status.success()) {
        return None;
    }
    let bin = dir.join("bantin");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_bantin"), &bin).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_bantin"), &bin).unwrap();
    }
    // `sh -c SCRIPT BIN ARGS...`: the harness's binary path becomes `$0`, and
    // the link runs with the arguments; setpriv and sh exec, so the pid the
    // harness signals is bantin's.
    let script = format!("exec '{}' \"$@\"", bin.display());
    let wrapper = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
        "sh",
        "-c",
        &script,
    ];
    Some(wrapper.iter().map(Into::into).collect())
}

/// Starts a daemon on `site` with the folder `locked` closed to it (root's
/// `0700` folder to `nobody`, a user's own `000` folder to itself; see
/// [`closed_to_daemon`]). `None`, said on stderr, where no folder can be
/// closed to the daemon.
fn start_closed_out_of(site: &TempStore, locked: &Path) -> Option<Daemon> {
    use std::os::unix::fs::PermissionsExt;
    let dir = site.config().parent().unwrap().to_owned();
    open_to_all(&dir);
    let Some(wrapper) = closed_to_daemon(&dir) else {
        eprintln!(
            "SKIPPED: the tests run as root and setpriv (util-linux) is missing, \
             so no folder can be closed to the daemon"
        );
        return None;
    };
    let closed = if wrapper.is_empty() { 0o000 } else { 0o700 };
    std::fs::set_permissions(locked, std::fs::Permissions::from_mode(closed)).unwrap();
    Some(start_wrapped(site, &dir, wrapper))
}

/// Starts a daemon on `site`'s config from its folder `dir`, run through
/// `wrapper` (see [`closed_to_daemon`]).
fn start_wrapped(site: &TempStore, dir: &Path, wrapper: Vec<std::ffi::OsString>) -> Daemon {
    let launch = common::Launch {
        cwd: Some(dir),
        wrapper,
        ..common::Launch::default()
    };
    let config = site.config();
    Daemon::spawn(&["--config".as_ref(), config.as_os_str()], &launch)
        .listening(Duration::from_secs(20), Duration::from_secs(10))
}

/// Opens `path` and everything below it to every user (folders 755, files 644).
fn open_to_all(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(path).unwrap();
    let mode = if meta.is_dir() { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            open_to_all(&entry.unwrap().path());
        }
    }
}

/// The store root closed to the daemon while it runs (another user's
/// `0700` folder, as a deploy's `chmod -R go-rwx` or `chown` leaves it) is
/// left as a missing root is: the last good state is served, not an empty
/// store, the log, `/healthz` and `bantin_store_root_present` say so, and
/// once the root may be read again it is followed again by itself.
#[test]
fn a_store_root_closed_to_the_daemon_keeps_the_last_good_state() {
    store_root_closed_to_the_daemon(Closed::Whole);
}

/// As above, with the root still listable but no longer enterable
/// (`chmod 744` of another user's folder): every folder in it would be
/// refused, and with them every article.
#[test]
fn a_store_root_the_daemon_may_list_but_not_enter_keeps_the_last_good_state() {
    store_root_closed_to_the_daemon(Closed::Search);
}

/// Opens its folder to every user again (755) when dropped.
struct OpenedAgain(PathBuf);

impl Drop for OpenedAgain {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

/// How the store root is closed to the daemon.
#[derive(Clone, Copy)]
enum Closed {
    /// Neither listed nor entered.
    Whole,
    /// Listed, not entered.
    Search,
}

fn store_root_closed_to_the_daemon(how: Closed) {
    use std::os::unix::fs::PermissionsExt;
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let root = store(&site);
    let dir = site.config().parent().unwrap().to_owned();
    open_to_all(&dir);
    let Some(wrapper) = closed_to_daemon(&dir) else {
        eprintln!(
            "SKIPPED: the tests run as root and setpriv (util-linux) is missing, \
             so the store root cannot be closed to the daemon"
        );
        return;
    };
    // Root's folder to `nobody`, or the test user's own folder to itself.
    let mode = match (how, wrapper.is_empty()) {
        (Closed::Whole, false) => 0o700,
        (Closed::Whole, true) => 0o000,
        (Closed::Search, false) => 0o744,
        (Closed::Search, true) => 0o400,
    };
    let d = start_wrapped(&site, &dir, wrapper);
    let healthz = || d.get("/healthz", &[]).text();
    d.wait_until("the start-up reconciliation", || {
        d.metric("bantin_last_reconcile_timestamp_seconds")
            .is_some()
    });
    let before = validators(&d, EVERYTHING);
    let articles = d.metric("bantin_articles_indexed");
    let rejected = d.metric("bantin_rejected_files");
    assert!(articles.is_some_and(|n| n > 0.0), "{articles:?}");
    assert_eq!(d.metric("bantin_store_root_present"), Some(1.0));

    // Opened again however the test ends, so a failing run leaves a temp
    // folder its user can delete.
    let _reopen = OpenedAgain(root.clone());
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(mode)).unwrap();
    d.wait_until("the closed root noticed", || {
        d.metric("bantin_store_root_present") == Some(0.0)
    });
    let line = d.log_line("cannot be read (permission denied)");
    assert!(
        line.contains(&*root.to_string_lossy())
            && line.contains("serving the last good state")
            && line.contains("read and enter it"),
        "{line}"
    );
    let note = format!(
        "; store root {} cannot be read (permission denied): serving the last good state\n",
        root.display()
    );
    d.wait_until("/healthz to say the root cannot be read", || {
        let h = healthz();
        h.starts_with("ok: ") && h.ends_with(&note)
    });
    // A while on (ten idle ticks; no reconciliation starts while the
    // root cannot be read, the watch thread only glances at it): everything
    // stays served as it was, and nothing is rejected or removed.
    std::thread::sleep(Duration::from_millis(2500));
    assert_kept(&d, EVERYTHING, &before);
    assert_eq!(d.metric("bantin_articles_indexed"), articles);
    assert_eq!(d.metric("bantin_rejected_files"), rejected);
    let log = d.stderr();
    assert!(!log.contains("cannot list this folder"), "{log}");
    assert!(
        log.split("removed=").skip(1).all(|n| n.starts_with("0 ")),
        "articles removed: {log}"
    );
    assert_eq!(
        log.matches("cannot be read (permission denied)").count(),
        1,
        "{log}"
    );

    // Opened again: followed again by itself, with nothing changed.
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    d.log_line("can be read again; following it again");
    d.wait_until("the root said present again", || {
        d.metric("bantin_store_root_present") == Some(1.0) && !healthz().contains("cannot be read")
    });
    assert_kept(&d, EVERYTHING, &before);
    // Said once, not at every idle tick after.
    std::thread::sleep(Duration::from_millis(1000));
    let log = d.stderr();
    assert_eq!(log.matches("can be read again").count(), 1, "{log}");
    let title = "Bài viết sau khi mở lại kho";
    write_article(root.join("thong-bao/mo-lai.txt"), THONG_BAO, title);
    wait_for_title(
        &d,
        "a file written in the reopened root",
        "/feed.rss",
        title,
    );
}

/// One folder the daemon may not read (another user's `0700` folder) leaves
/// the rest of the store watched natively: no fallback to polling, a file
/// renamed in elsewhere is served, the folder is reported once however many
/// reconciliations list it, and nothing of it is served until it is opened;
/// then it is watched and served.
#[test]
fn a_folder_the_daemon_may_not_read_leaves_the_rest_watched_natively() {
    use std::os::unix::fs::PermissionsExt;
    let site = TempStore::with_config(RECONCILE_OFTEN);
    let locked = store(&site).join("locked");
    std::fs::create_dir(&locked).unwrap();
    write_article(
        locked.join("bai-rieng.txt"),
        THONG_BAO,
        "Bài trong thư mục riêng",
    );
    let Some(d) = start_closed_out_of(&site, &locked) else {
        return;
    };
    let reconciled = |since: f64| {
        d.wait_until("a reconciliation", || {
            d.metric("bantin_last_reconcile_timestamp_seconds")
                .is_some_and(|t| t > since)
        });
    };
    assert_eq!(d.get("/articles/locked/bai-rieng", &[]).status, 404);

    let from = outside(&site).join("moi.txt");
    write_article(&from, THONG_BAO, "Bài chuyển vào");
    std::fs::rename(&from, store(&site).join("thong-bao/bai-chuyen-vao.txt")).unwrap();
    d.wait_until("the article renamed in", || {
        d.get("/articles/thong-bao/bai-chuyen-vao", &[]).status == 200
    });
    // Several reconciliations list the closed folder; the log stays quiet.
    reconciled(unix_now());
    let settled = d.stderr().lines().count();
    reconciled(unix_now() + 1.0);
    let log = d.stderr();
    assert!(
        !log.contains("polling") && !log.contains("watcher error"),
        "{log}"
    );
    let named: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(&*locked.to_string_lossy()))
        .collect();
    assert_eq!(named.len(), 1, "{log}");
    assert!(
        named[0].contains("permission denied") && named[0].contains("read and execute"),
        "{}",
        named[0]
    );
    let later: Vec<&str> = log
        .lines()
        .skip(settled)
        .filter(|l| l.contains("WARN"))
        .collect();
    assert!(
        later.is_empty(),
        "warnings while nothing changed: {later:?}"
    );
    assert_eq!(d.get("/articles/locked/bai-rieng", &[]).status, 404);

    // Opened: watched again and served, and so is what is written in it next.
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    d.log_line(&format!(
        "watching {}: it may be read now",
        locked.display()
    ));
    d.wait_until("the opened folder's article", || {
        d.get("/articles/locked/bai-rieng", &[]).status == 200
    });
    // Said as a folder read now, not as a file gone.
    d.log_line("a folder that could not be read is read now");
    assert!(
        !d.stderr().contains("a rejected file left the store"),
        "{}",
        d.stderr()
    );
    write_article(
        locked.join("bai-moi.txt"),
        THONG_BAO,
        "Bài mới trong thư mục",
    );
    d.wait_until("an article written in the opened folder", || {
        d.get("/articles/locked/bai-moi", &[]).status == 200
    });
}

/// A reload that shortens `[watch] reconcile_secs` applies from the reload,
/// not once the old interval (here an hour; up to a week) has run out.
#[test]
fn a_shorter_reconcile_interval_applies_at_the_reload() {
    let site = TempStore::with_config("[watch]\nreconcile_secs = 3600\n");
    let d = site.start();
    let count = || d.metric("bantin_reconcile_seconds_count").unwrap_or(0.0);
    // The reconciliation that follows attaching the watcher.
    d.wait_until("the first reconciliation", || count() >= 1.0);
    let first = count();
    let config = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(
        site.config(),
        config.replace("reconcile_secs = 3600", "reconcile_secs = 1"),
    )
    .unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.log_line("configuration reloaded");
    d.wait_until("reconciliations every second", || count() >= first + 2.0);
}

/// The store root swapped for an identical copy (the same bytes, new files),
/// the old one then deleted: no article changed, so nothing is counted or
/// announced, but every page and archive must now be read through the new
/// root. Article pages beyond the feeds' items are read back from their
/// files, so each stays whole.
#[test]
fn store_root_swapped_for_an_identical_copy_keeps_pages_whole() {
    let site = TempStore::with_config("[feeds]\nitems = 1\n[watch]\nreconcile_secs = 1\n");
    let d = site.start();
    let root = store(&site);
    let ids: Vec<String> = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(&root).ok()?.with_extension("");
            Some(rel.to_str()?.to_owned())
        })
        .collect();
    assert!(ids.len() > 2, "{ids:?}");
    let pages = |d: &Daemon| -> Vec<(u16, Vec<u8>)> {
        ids.iter()
            .map(|id| {
                let r = d.get(&format!("/articles/{id}"), &[]);
                (r.status, r.body)
            })
            .collect()
    };
    let before = pages(&d);
    assert!(before.iter().all(|(status, _)| *status == 200));
    let changed = d.metric("bantin_files_changed_total");
    let served = d.stderr().matches("store change served").count();
    // A copy with new files (and new mtimes), swapped in; the old root goes.
    let copy = outside(&site).join("copy");
    let status = std::process::Command::new("cp")
        .args(["-r".as_ref(), root.as_os_str(), copy.as_os_str()])
        .status()
        .unwrap();
    assert!(status.success());
    let old = outside(&site).join("old");
    std::fs::rename(&root, &old).unwrap();
    std::fs::rename(&copy, &root).unwrap();
    std::fs::remove_dir_all(&old).unwrap();
    d.log_line("was replaced by another folder");
    // Once the swap is served, pages read through the new root, whole.
    d.wait_until("pages read through the new root", || pages(&d) == before);
    // No article changed: none is counted, logged as a change or pinged.
    assert_eq!(d.metric("bantin_files_changed_total"), changed);
    assert_eq!(d.stderr().matches("store change served").count(), served);
}

/// Bytes the process `pid` has read through `read(2)` and its kin, as the
/// kernel counts them (`rchar`): files, sockets and pipes alike.
fn bytes_read_by(pid: rustix::process::Pid) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{}/io", pid.as_raw_nonzero())).unwrap();
    io.lines()
        .find_map(|l| l.strip_prefix("rchar: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no rchar in /proc/{}/io: {io}", pid.as_raw_nonzero()))
}

/// A change of a folder's mode or times (`chmod`; `rsync -a` sets every
/// folder's times as it ends) re-reads none of the files under it, the store
/// root's included: what is written under a folder has events of its own, so
/// only which files may be read can have changed. The folder is compared
/// (listed with sizes and mtimes, and only what differs read), the root by
/// a reconciliation. Re-reading everything under the root on the watch
/// thread cost seconds of stalled updates at a million articles. What the
/// daemon reads is counted by the kernel.
#[test]
fn a_folder_whose_mode_or_times_change_is_reconciled_not_read_again() {
    folder_changes_are_reconciled_not_read_again(false);
}

/// As above, with the store root a symlink to its folder (the watcher names
/// the root by the link's path).
#[test]
fn a_linked_store_root_whose_mode_or_times_change_is_reconciled_not_read_again() {
    folder_changes_are_reconciled_not_read_again(true);
}

fn folder_changes_are_reconciled_not_read_again(root_link: bool) {
    use std::os::unix::fs::PermissionsExt;
    // The default `reconcile_secs` (300): no periodic reconciliation comes
    // while the test runs.
    let site = TempStore::new();
    let root = store(&site);
    if root_link {
        let real = outside(&site).join("store");
        std::fs::rename(&root, &real).unwrap();
        std::os::unix::fs::symlink(&real, &root).unwrap();
    }
    let folder = root.join("lon");
    std::fs::create_dir(&folder).unwrap();
    let paragraph = "Nội dung bài viết dài, đoạn này lặp lại nhiều lần. ".repeat(40);
    let body = format!("{paragraph}\n\n").repeat(30);
    let mut written = 0;
    for i in 0..60 {
        let text = article(SU_KIEN, &format!("Bài dài số {i}")) + &body;
        written += text.len() as u64;
        std::fs::write(folder.join(format!("bai-{i}.txt")), text).unwrap();
    }
    assert!(written > 4_000_000, "{written} bytes");
    let d = site.start();
    let reconciled = || d.metric("bantin_last_reconcile_timestamp_seconds");
    d.wait_until("the start-up reconciliation", || reconciled().is_some());
    assert_eq!(d.get("/articles/lon/bai-59", &[]).status, 200);
    let (since, read_before) = (reconciled(), bytes_read_by(d.pid()));

    // The mtime alone (inotify's `IN_MODIFY` on a folder), as `touch -m` and
    // `rsync` set it; then the folders' modes (`IN_ATTRIB`), the root's last.
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for f in [&folder, &root] {
        let times = std::fs::FileTimes::new().set_modified(an_hour_ago);
        std::fs::File::open(f).unwrap().set_times(times).unwrap();
    }
    for f in [&folder, &root] {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o750)).unwrap();
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    d.wait_until("a reconciliation started by the changes", || {
        reconciled() > since
    });
    let read = bytes_read_by(d.pid()) - read_before;
    assert!(
        read < written / 10,
        "{read} bytes read after folders' times and modes changed, of {written} in the store"
    );
    assert_eq!(d.get("/articles/lon/bai-59", &[]).status, 200);
    assert!(!d.stderr().contains("WARN"), "{}", d.stderr());
}

/// The store root's mode changed while a reconciliation runs (which may have
/// listed what it opened already) is followed by one more when it ends:
/// not dropped, and the one under way not started over (folders changed more
/// often than the store can be listed would keep it from ever ending).
#[test]
fn a_store_root_changed_during_a_reconciliation_is_reconciled_again_after_it() {
    use std::os::unix::fs::PermissionsExt;
    // 300 files listed at 200 a second: each reconciliation takes 1.5 s at least.
    let site = TempStore::with_config("[watch]\nreconcile_files_per_sec = 200\n");
    let root = store(&site);
    let folder = root.join("nhieu");
    std::fs::create_dir(&folder).unwrap();
    write_articles(&folder, 300);
    let d = site.start();
    let count = || d.metric("bantin_reconcile_seconds_count").unwrap_or(0.0);
    d.wait_until("the start-up reconciliation", || count() >= 1.0);
    let before = count();
    let chmod = |mode| {
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    chmod(0o750);
    // Well inside the first one, which lists for 1.5 s.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(count(), before, "the first one has not ended");
    chmod(0o755);
    d.wait_until("two reconciliations", || count() >= before + 2.0);
    // And no more: the second one covered the change.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(count(), before + 2.0);
}

/// A folder's mode changed while no reconciliation is due (the default
/// `reconcile_secs`): the folder is compared at its event, so one opened to
/// the daemon is served at once, and one it may enter but no longer list
/// (`0711`) leaves, as a folder it may not read does (its files are not
/// read one by one behind its listing's back).
#[test]
fn a_folder_opened_or_closed_by_its_mode_is_served_or_left_at_once() {
    use std::os::unix::fs::PermissionsExt;
    let site = TempStore::new();
    let locked = store(&site).join("locked");
    std::fs::create_dir(&locked).unwrap();
    write_article(
        locked.join("bai-rieng.txt"),
        THONG_BAO,
        "Bài trong thư mục riêng",
    );
    let Some(d) = start_closed_out_of(&site, &locked) else {
        return;
    };
    // Enterable, not listable: by others when run as `nobody` (the folder
    // is root's), by its owner otherwise.
    let enter_only = if rustix::process::geteuid().is_root() {
        0o711
    } else {
        0o100
    };
    let page = "/articles/locked/bai-rieng";
    d.wait_until("the start-up reconciliation", || {
        d.metric("bantin_last_reconcile_timestamp_seconds")
            .is_some()
    });
    assert_eq!(d.get(page, &[]).status, 404);

    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    d.wait_until("the opened folder's article", || {
        d.get(page, &[]).status == 200
    });
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(enter_only)).unwrap();
    d.wait_until("the article of a folder that cannot be listed gone", || {
        d.get(page, &[]).status == 404
    });
    d.log_line("cannot list this folder");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    d.wait_until("the article back", || d.get(page, &[]).status == 200);
}

/// A folder opened to the daemon while a file in it is being written (it
/// had no watch, so no event told of the write): the file is held as a file
/// in a new folder is, until its close, not read half written.
#[test]
fn a_file_being_written_in_a_folder_opened_to_the_daemon_waits_for_its_close() {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let site = TempStore::new();
    let locked = store(&site).join("locked");
    std::fs::create_dir(&locked).unwrap();
    let Some(d) = start_closed_out_of(&site, &locked) else {
        return;
    };
    d.wait_until("the start-up reconciliation", || {
        d.metric("bantin_last_reconcile_timestamp_seconds")
            .is_some()
    });
    // Half an article, a whole one to a parser: its writer pauses.
    let text = article(THONG_BAO, "Bài viết dở dang") + "Đoạn cuối của bài.\n";
    let (head, tail) = text.split_at(text.find("Nội dung").unwrap());
    let mut file = std::fs::File::create(locked.join("dang-viet.txt")).unwrap();
    file.write_all(head.as_bytes()).unwrap();
    file.flush().unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    d.log_line(&format!(
        "watching {}: it may be read now",
        locked.display()
    ));
    std::thread::sleep(Duration::from_secs(1));
    let page = "/articles/locked/dang-viet";
    assert_eq!(d.get(page, &[]).status, 404, "read while being written");
    file.write_all(tail.as_bytes()).unwrap();
    drop(file);
    d.wait_until("the finished article", || d.get(page, &[]).status == 200);
    assert!(d.body(page).contains("Đoạn cuối của bài."));
}

/// A folder holding more files than a comparison on the watch thread should
/// cost (over 8,192) whose mode changes is compared by a reconciliation, on
/// the listing thread, while events are served.
#[test]
fn a_big_folder_whose_mode_changes_is_compared_by_a_reconciliation() {
    use std::os::unix::fs::PermissionsExt;
    let site = TempStore::new();
    let big = store(&site).join("nhieu");
    std::fs::create_dir(&big).unwrap();
    write_articles(&big, 8300);
    let d = site.start();
    let count = || d.metric("bantin_reconcile_seconds_count").unwrap_or(0.0);
    d.wait_until("the start-up reconciliation", || count() >= 1.0);
    let before = count();
    std::fs::set_permissions(&big, std::fs::Permissions::from_mode(0o750)).unwrap();
    d.wait_until("a reconciliation for the folder", || count() > before);
    assert_eq!(d.get("/articles/nhieu/bai-8299", &[]).status, 200);
}

/// The `<updated>` of the feed of changes, as served now, and its ETag.
fn changes_updated(d: &Daemon) -> (String, String) {
    let r = d.get("/changes.atom", &[]);
    assert_eq!(r.status, 200);
    let text = r.text();
    let start = text.find("<updated>").unwrap() + "<updated>".len();
    let end = start + text[start..].find("</updated>").unwrap();
    (
        text[start..end].to_owned(),
        r.expect_header("etag").to_owned(),
    )
}

#[test]
fn an_old_article_put_in_the_store_late_comes_first_in_the_feed_of_changes() {
    // A partner follows the live feeds and the feed of changes. An article
    // dated 2019, captured (saved) after everything else, is older than the
    // newest of the live feed: it is in the feed of changes, first, dated by
    // its capture, in every format, as soon as it is in the store.
    let site = TempStore::new();
    let root = store(&site);
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::create_dir(&root).unwrap();
    write_article(root.join("moi.txt"), SU_KIEN, "Bài mới");
    let d = site.start();
    // The new article's capture is its last event.
    let (updated, etag) = changes_updated(&d);
    assert_eq!(updated, "2020-05-11T08:05:00+07:00");
    let formats = ["/changes.rss", "/changes.json"];
    let kept = validators(&d, &formats);
    // 01/03/2019 was a Friday, 01/06/2020 a Monday.
    let late = "09:30 ICT Thứ hai, 01/06/2020\n\nTrang nhất » Sự kiện\n\nBài cũ đưa lên muộn\n\n\
                Thứ sáu - 01/03/2019 07:00\nDẫn: Bài cũ.\n\nNội dung bài viết.\n";
    std::fs::write(root.join("cu.txt"), late).unwrap();
    d.wait_until("the feed of changes dated by the late capture", || {
        changes_updated(&d).0 == "2020-06-01T09:30:00+07:00"
    });
    let again = d.get("/changes.atom", &[("if-none-match", &etag)]);
    assert_eq!(again.status, 200, "a new representation");
    assert_ne!(again.expect_header("etag"), etag);
    let atom = again.text();
    let first = &atom[atom.find("<entry>").unwrap()..];
    assert!(first.contains("article/cu</id>"), "{atom}");
    for (path, _, old_etag, _) in &kept {
        let r = d.get(path, &[]);
        assert_ne!(r.expect_header("etag"), old_etag.as_str(), "{path}");
        let text = r.text();
        let (cu, moi) = (
            text.find("/articles/cu").unwrap(),
            text.find("/articles/moi").unwrap(),
        );
        assert!(cu < moi, "{path}: the late article first: {text}");
    }
    let rss = d.get("/changes.rss", &[]).text();
    assert!(
        rss.contains("<lastBuildDate>Mon, 01 Jun 2020 09:30:00 +0700</lastBuildDate>"),
        "{rss}"
    );
    // Its page says when it was put in, and when it was published.
    let page = d.get("/changes", &[]).text();
    assert!(
        page.contains("đưa lên <time datetime=\"2020-06-01T09:30:00+07:00\">"),
        "{page}"
    );
}

#[test]
fn an_empty_store_has_a_sitemap_and_its_first_article_dates_it() {
    // A sitemap index must list a sitemap and a sitemap a URL (the
    // protocol's schema): an empty store's is its front page, undated.
    let site = TempStore::new();
    let root = store(&site);
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::create_dir(&root).unwrap();
    let d = site.start();
    let index = d.get("/sitemap.xml", &[]);
    assert_eq!(index.status, 200);
    let pages = format!("{BASE_URL}/sitemaps/pages.xml");
    assert!(
        index
            .text()
            .contains(&format!("<sitemap><loc>{pages}</loc></sitemap>")),
        "{}",
        index.text()
    );
    let front = d.get("/sitemaps/pages.xml", &[]);
    assert_eq!(front.status, 200);
    let home = format!("{BASE_URL}/");
    assert!(
        front
            .text()
            .contains(&format!("<url><loc>{home}</loc></url>")),
        "{}",
        front.text()
    );
    // So is the news sitemap's, with no news tags.
    let news = d.body("/news-sitemap.xml");
    assert!(
        news.contains(&format!("<url><loc>{home}</loc></url>\n</urlset>")),
        "{news}"
    );
    write_article(root.join("moi.txt"), SU_KIEN, "Bài mới");
    d.wait_until("the front page dated by the first article", || {
        d.body("/sitemaps/pages.xml").contains(&format!(
            "<url><loc>{home}</loc><lastmod>2020-05-11T08:00:00+07:00</lastmod></url>"
        ))
    });
    assert!(d.body("/sitemap.xml").contains(&format!(
        "<sitemap><loc>{pages}</loc><lastmod>2020-05-11T08:00:00+07:00</lastmod></sitemap>"
    )));
    let news = d.body("/news-sitemap.xml");
    assert!(news.contains("/articles/moi</loc><news:news>"), "{news}");
    assert!(!news.contains(&format!("<loc>{home}</loc>")), "{news}");
    // The last article gone, the front page stays, undated again.
    std::fs::remove_file(root.join("moi.txt")).unwrap();
    d.wait_until("the front page undated again", || {
        d.body("/sitemaps/pages.xml")
            .contains(&format!("<url><loc>{home}</loc></url>"))
    });
    assert!(d
        .body("/news-sitemap.xml")
        .contains(&format!("<url><loc>{home}</loc></url>\n</urlset>")));
}
