//! The store boundary against a running daemon: symlinks to folders outside the
//! store, a folder loop, and file symlinks out of and inside the store, each both
//! created while the daemon runs and present when it starts. Nothing outside the
//! store is ever served; a link to a file inside is served under the link's id.
//!
//! Every case ends by adding a real article and waiting for it, so a case cannot
//! pass only because the daemon stopped seeing changes.

// `allow-unwrap-in-tests` covers `#[test]` functions only; here the helpers are
// test code too, and a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use common::{json_feed_ids, json_feed_items, Daemon, TempStore};

const THONG_BAO: &str = "Trang nhất » Thông báo";

/// A small valid article (11/05/2020 was a Monday).
fn article(title: &str) -> String {
    format!(
        "08:05 ICT Thứ hai, 11/05/2020\n\n{THONG_BAO}\n\n{title}\n\nThứ hai - 11/05/2020 08:00\nDẫn: {title}.\n\nNội dung bài viết.\n"
    )
}

/// A file shaped like `/etc/passwd`: served as an article if it were ever read.
const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbantin:x:999:999::/var/lib/bantin:/usr/sbin/nologin\n";

/// The title of the article kept outside the store.
const SECRET: &str = "Bí mật bên ngoài kho";

fn store(site: &TempStore) -> PathBuf {
    site.config().parent().unwrap().join("store")
}

/// A folder next to the store holding a valid article and a passwd-like file.
fn outside(site: &TempStore) -> PathBuf {
    let dir = site.config().parent().unwrap().join("outside");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bi-mat.txt"), article(SECRET)).unwrap();
    std::fs::write(dir.join("passwd"), PASSWD).unwrap();
    dir
}

/// The article count `/healthz` reports.
fn count(d: &Daemon) -> usize {
    let text = d.body("/healthz");
    text.strip_prefix("ok: ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected /healthz: {text}"))
}

/// Writes a real article (named `stem`) into the store and waits until it is
/// served: every change made before it has then been looked at.
fn add_real_article(d: &Daemon, site: &TempStore, stem: &str) {
    let title = format!("Bài thật {stem}");
    std::fs::write(
        store(site).join(format!("thong-bao/{stem}.txt")),
        article(&title),
    )
    .unwrap();
    d.wait_until("the real article", || d.body("/feed.rss").contains(&title));
}

/// Nothing under `/articles/<link>/` is served, no served id and no feed
/// mentions `link`, and nothing read from outside appears in the feeds.
fn assert_not_served(d: &Daemon, link: &str, names: &[&str]) {
    for name in names {
        let path = format!("/articles/{link}/{name}");
        assert_ne!(d.get(&path, &[]).status, 200, "GET {path}");
    }
    for id in json_feed_ids(d) {
        assert!(!id.split('/').any(|part| part == link), "served id {id}");
    }
    let everything = [
        d.body("/feeds.opml"),
        d.body("/feed.atom"),
        d.body("/feed.rss"),
        d.body("/"),
    ]
    .concat();
    assert!(
        !everything.contains(SECRET),
        "the outside article is served"
    );
    assert!(
        !everything.contains("root:x:0:0"),
        "a passwd line is served"
    );
    assert!(
        !everything.contains(&format!("/{link}/")) && !everything.contains(&format!("/{link}\"")),
        "a link to {link} is served"
    );
}

/// What the folder-link cases compare: OPML and the Atom feed minus the real article.
fn feeds(d: &Daemon) -> (String, String) {
    (d.body("/feeds.opml"), d.body("/feed.atom"))
}

#[test]
fn a_folder_symlink_out_of_the_store_created_live_is_not_followed() {
    let site = TempStore::new();
    let out = outside(&site);
    let d = site.start();
    let before = feeds(&d);
    let articles = count(&d);

    symlink(&out, store(&site).join("ngoai")).unwrap();
    symlink("/etc", store(&site).join("sys")).unwrap();
    // Events inside the linked folder, had it been watched through the link.
    std::fs::write(out.join("moi.txt"), article(SECRET)).unwrap();
    add_real_article(&d, &site, "sau-lien-ket");

    assert_eq!(count(&d), articles + 1);
    assert_not_served(&d, "ngoai", &["bi-mat", "moi", "passwd"]);
    assert_not_served(&d, "sys", &["passwd", "hostname", "group", "os-release"]);
    assert_eq!(
        d.body("/feeds.opml"),
        before.0,
        "the OPML list changed: a folder outside the store became a category"
    );
    // The Atom feed differs from before only by the real article.
    let atom = d.body("/feed.atom");
    assert_eq!(
        atom.matches("<entry>").count(),
        before.1.matches("<entry>").count() + 1
    );
    // The links are reported as leading out of the store.
    d.wait_until("the links reported", || {
        d.metric("bantin_rejected_files").unwrap_or(0.0) >= 2.0
    });
}

#[test]
fn a_folder_symlink_out_of_the_store_present_at_start_is_not_followed() {
    let site = TempStore::new();
    let out = outside(&site);
    symlink(&out, store(&site).join("ngoai")).unwrap();
    symlink("/etc", store(&site).join("sys")).unwrap();
    let d = site.start();
    let articles = count(&d);
    let opml = d.body("/feeds.opml");
    assert_not_served(&d, "ngoai", &["bi-mat", "passwd"]);
    assert_not_served(&d, "sys", &["passwd", "hostname", "group"]);

    // A file written in the linked folder is no change to the store.
    std::fs::write(out.join("moi.txt"), article(SECRET)).unwrap();
    std::fs::write(out.join("bi-mat.txt"), article(&format!("{SECRET}!"))).unwrap();
    add_real_article(&d, &site, "sau-khoi-dong");

    assert_eq!(count(&d), articles + 1);
    assert_not_served(&d, "ngoai", &["bi-mat", "moi", "passwd"]);
    assert_eq!(d.body("/feeds.opml"), opml);
}

/// `tin-tuc/up -> ..`: the store seen again through the loop.
fn assert_no_loop_ids(d: &Daemon) {
    for id in json_feed_ids(d) {
        assert!(!id.starts_with("tin-tuc/up/"), "served id {id}");
    }
    assert_ne!(
        d.get(
            "/articles/tin-tuc/up/tin-tuc/tong-hop/cau-treo-ban-na-lay",
            &[]
        )
        .status,
        200
    );
}

#[test]
fn a_folder_loop_created_live_duplicates_nothing() {
    let site = TempStore::new();
    let d = site.start();
    let articles = count(&d);
    symlink("..", store(&site).join("tin-tuc/up")).unwrap();
    add_real_article(&d, &site, "sau-vong");
    assert_eq!(count(&d), articles + 1);
    assert_no_loop_ids(&d);
}

#[test]
fn a_folder_loop_present_at_start_duplicates_nothing() {
    let site = TempStore::new();
    symlink("..", store(&site).join("tin-tuc/up")).unwrap();
    let d = site.start();
    let articles = count(&d);
    // A change inside the folder the loop leads back to.
    std::fs::write(
        store(&site).join("tin-tuc/tong-hop/moi.txt"),
        article("Bài mới trong vòng"),
    )
    .unwrap();
    d.wait_until("the article in the loop's folder", || {
        count(&d) == articles + 1
    });
    add_real_article(&d, &site, "sau-vong");
    assert_eq!(count(&d), articles + 2);
    assert_no_loop_ids(&d);
}

/// `bantin check --json` on `store`: the report line for `path`.
fn check_report(store: &Path, path: &Path) -> serde_json::Value {
    let out = common::bantin(["check".as_ref(), "--json".as_ref(), store.as_os_str()]);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["path"] == path.display().to_string())
        .unwrap_or_else(|| panic!("no report for {}", path.display()))
}

/// A link to a file outside is rejected and reported; a link to a file inside
/// is served under the link's own id.
fn assert_file_links(d: &Daemon, site: &TempStore) {
    assert_ne!(d.get("/articles/thong-bao/ngoai", &[]).status, 200);
    assert!(!json_feed_ids(d).iter().any(|id| id == "thong-bao/ngoai"));
    assert!(!d.body("/feed.rss").contains(SECRET));
    let r = d.get("/articles/thong-bao/ben-trong", &[]);
    assert_eq!(r.status, 200, "the link to a file inside the store");
    assert!(r.text().contains("Tạm dừng cấp nước"));
    assert!(json_feed_ids(d)
        .iter()
        .any(|id| id == "thong-bao/ben-trong"));
    let report = check_report(&store(site), &store(site).join("thong-bao/ngoai.txt"));
    assert_eq!(report["ok"], false);
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .contains("outside the store"),
        "{report}"
    );
    d.wait_until("the outside link reported", || {
        d.metric("bantin_rejected_files").unwrap_or(0.0) >= 1.0
    });
}

fn make_file_links(site: &TempStore, out: &Path) {
    let s = store(site);
    symlink(out.join("bi-mat.txt"), s.join("thong-bao/ngoai.txt")).unwrap();
    symlink(
        "tam-dung-cap-nuoc-phuong-hoa-lac.txt",
        s.join("thong-bao/ben-trong.txt"),
    )
    .unwrap();
}

#[test]
fn file_symlinks_created_live_are_served_only_inside_the_store() {
    let site = TempStore::new();
    let out = outside(&site);
    let d = site.start();
    let articles = count(&d);
    make_file_links(&site, &out);
    add_real_article(&d, &site, "sau-tep-lien-ket");
    // The link inside gave one article, the real file another.
    assert_eq!(count(&d), articles + 2);
    assert_file_links(&d, &site);
}

#[test]
fn file_symlinks_present_at_start_are_served_only_inside_the_store() {
    let site = TempStore::new();
    let out = outside(&site);
    make_file_links(&site, &out);
    let d = site.start();
    let articles = count(&d);
    assert_file_links(&d, &site);
    // Editing the outside file is no change to the store.
    std::fs::write(out.join("bi-mat.txt"), article(&format!("{SECRET}!"))).unwrap();
    add_real_article(&d, &site, "sau-tep-lien-ket");
    assert_eq!(count(&d), articles + 1);
    assert_file_links(&d, &site);
}

#[test]
fn file_symlinks_into_ignored_names_are_refused() {
    let site = TempStore::new();
    let s = store(&site);
    std::fs::create_dir_all(s.join(".private")).unwrap();
    std::fs::write(s.join(".private/s.txt"), article(SECRET)).unwrap();
    std::fs::write(s.join("thong-bao/cu.txt.bak"), article(SECRET)).unwrap();
    symlink("../.private/s.txt", s.join("thong-bao/rieng.txt")).unwrap();
    let d = site.start();
    let articles = count(&d);
    // Made while the daemon runs: a link to a backup file.
    symlink("cu.txt.bak", s.join("thong-bao/sao-luu.txt")).unwrap();
    add_real_article(&d, &site, "sau-lien-ket-an");
    assert_eq!(count(&d), articles + 1);
    for id in ["thong-bao/rieng", "thong-bao/sao-luu"] {
        assert_ne!(d.get(&format!("/articles/{id}"), &[]).status, 200, "{id}");
        assert!(!json_feed_ids(&d).iter().any(|i| i == id), "{id}");
    }
    assert!(!d.body("/feed.atom").contains(SECRET));
    d.wait_until("both links reported", || {
        d.metric("bantin_rejected_files") == Some(2.0)
    });
    for (link, name) in [("rieng", ".private"), ("sao-luu", "cu.txt.bak")] {
        let path = s.join(format!("thong-bao/{link}.txt"));
        let report = check_report(&s, &path);
        let error = report["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(&path.display().to_string())
                && error.contains(&format!("{name:?} is an ignored name")),
            "{report}"
        );
    }
}

/// Whether `/articles/<id>` answers 200 with `title` on it.
fn page_shows(d: &Daemon, id: &str, title: &str) -> bool {
    let r = d.get(&format!("/articles/{id}"), &[]);
    r.status == 200 && r.text().contains(title)
}

/// Whether `/feed.json` has an item `id` titled `title`.
fn feed_item_is(d: &Daemon, id: &str, title: &str) -> bool {
    json_feed_items(d)
        .iter()
        .any(|(i, t)| i == id && t == title)
}

/// Waits until the target and both links to it (one direct, one through the
/// other link) serve `title`, on their pages and in the feed.
fn wait_for_title_through_links(d: &Daemon, title: &str) {
    for id in ["rev/utc", "sym/link-in", "sym/chain"] {
        d.wait_until(&format!("{id} titled {title:?}"), || {
            page_shows(d, id, title) && feed_item_is(d, id, title)
        });
    }
}

/// A folder chain past the system's path limit (a crawler's runaway
/// nesting) is not watched: the rest of the store still is, natively, and
/// a new article is served from its events.
#[test]
fn a_folder_chain_past_the_path_limit_leaves_the_store_watched_natively() {
    let site = TempStore::with_config("[watch]\nreconcile_secs = 604800\n");
    let s = store(&site);
    // Each folder made from the one before: the whole path is longer than
    // a system call takes.
    let name = "n".repeat(200);
    let made = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "cd \"$1\" && for i in $(seq 25); do mkdir {name} && cd {name} || exit 1; done"
        ))
        .arg("bash")
        .arg(&s)
        .status()
        .unwrap();
    assert!(made.success());
    let d = site.start();
    std::fs::write(s.join("moi.txt"), article("Bài mới")).unwrap();
    d.wait_until("the new article", || {
        page_shows(&d, "moi", "Bài mới") && feed_item_is(&d, "moi", "Bài mới")
    });
    let log = d.stderr();
    assert!(!log.contains("natively"), "{log}");
}

/// An edit of a link's target (in place, or renamed into place as `sed -i`
/// does) is served through the link as soon as through the target, without
/// waiting for a reconciliation; a removed target leaves the links dangling,
/// refused as a dangling link is, and its return serves them again.
#[test]
fn a_change_to_a_link_target_is_served_through_the_link_at_once() {
    // A week: a reconciliation cannot be what brings the change.
    let site = TempStore::with_config("[watch]\nreconcile_secs = 604800\n");
    let s = store(&site);
    std::fs::create_dir_all(s.join("rev")).unwrap();
    std::fs::create_dir_all(s.join("sym")).unwrap();
    let target = s.join("rev/utc.txt");
    std::fs::write(&target, article("Bản đầu tiên")).unwrap();
    symlink("../rev/utc.txt", s.join("sym/link-in.txt")).unwrap();
    // A chain: chain → link-in → ../rev/utc.txt.
    symlink("link-in.txt", s.join("sym/chain.txt")).unwrap();
    let d = site.start();
    wait_for_title_through_links(&d, "Bản đầu tiên");
    // The reconciliation that follows the watcher's attach is over: from
    // here on only events can bring a change.
    let reconciled = || d.metric("bantin_last_reconcile_timestamp_seconds");
    d.wait_until("the first reconciliation", || {
        reconciled().is_some_and(|t| t > 0.0)
    });
    let first_reconciliation = reconciled();

    // `sed -i`: a temp file renamed over the target.
    let sed = std::process::Command::new("sed")
        .args(["-i", "s/Bản đầu tiên/Bản sửa bằng sed/g"])
        .arg(&target)
        .status()
        .unwrap();
    assert!(sed.success());
    wait_for_title_through_links(&d, "Bản sửa bằng sed");

    // Written in place and closed.
    std::fs::write(&target, article("Bản ghi tại chỗ")).unwrap();
    wait_for_title_through_links(&d, "Bản ghi tại chỗ");

    // The target removed: both links dangle, and are refused.
    std::fs::remove_file(&target).unwrap();
    for id in ["rev/utc", "sym/link-in", "sym/chain"] {
        d.wait_until(&format!("{id} gone"), || {
            d.get(&format!("/articles/{id}"), &[]).status == 404
                && !json_feed_ids(&d).iter().any(|i| i == id)
        });
    }
    d.wait_until("both links reported", || {
        d.metric("bantin_rejected_files") == Some(2.0)
    });

    // And back: served through both links again.
    std::fs::write(&target, article("Bản trở lại")).unwrap();
    wait_for_title_through_links(&d, "Bản trở lại");
    d.wait_until("no link reported", || {
        d.metric("bantin_rejected_files") == Some(0.0)
    });
    assert_eq!(
        reconciled(),
        first_reconciliation,
        "a reconciliation ran: it, not the events, may have brought the changes"
    );
}
