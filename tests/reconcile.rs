//! A reconciliation in progress does not hold up events, and still repairs what
//! events missed: checked on the real binary, with the reconciliation slowed by
//! `[watch] reconcile_files_per_sec` so that it is still running when the event
//! arrives (an order of events, not a timing).

// `allow-unwrap-in-tests` covers `#[test]` functions only; here the helpers are
// test code too, and a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Daemon, TempStore};

/// Files added to the sample store, listed before every sample article.
const FILLERS: usize = 16;

/// A small valid article in `crumb` (11/05/2020 was a Monday).
fn article(crumb: &str, title: &str) -> String {
    format!(
        "08:05 ICT Thứ hai, 11/05/2020\n\n{crumb}\n\n{title}\n\nThứ hai - 11/05/2020 08:00\nDẫn: {title}.\n\nNội dung bài viết.\n"
    )
}

/// The item titles of the RSS feed at `path`.
fn titles(d: &Daemon, path: &str) -> Vec<String> {
    let body = d.get(path, &[]).body;
    let channel = rss::Channel::read_from(&body[..]).unwrap();
    channel
        .items()
        .iter()
        .filter_map(|i| i.title().map(str::to_owned))
        .collect()
}

/// Waits up to `limit` for `ok`, polling; fails with the daemon's log if it
/// does not hold by then.
fn wait_long(d: &Daemon, what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ok() {
        assert!(
            Instant::now() < deadline,
            "{what}: not seen within {limit:?}; daemon stderr:\n{}",
            d.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_event_is_served_during_a_reconciliation_which_still_repairs_what_events_missed() {
    // Two files a second: the start-up reconciliation lists the 23 files of
    // this store in about 11 s, the sample articles (after the fillers, in
    // path order) last.
    let site = TempStore::with_config("[watch]\nreconcile_files_per_sec = 2\n");
    let dir = site.config().parent().unwrap().to_owned();
    let store = dir.join("store");
    std::fs::create_dir_all(store.join("luu-tru")).unwrap();
    for n in 0..FILLERS {
        let title = format!("Bài lưu trữ {n}");
        let text = article("Trang nhất » Lưu trữ", &title);
        std::fs::write(store.join(format!("luu-tru/{n:02}.txt")), text).unwrap();
    }
    let d = site.start();

    // An edit made through a hard link outside the store: inotify does not see
    // it, so only a reconciliation can find it. The file is the last of the
    // store in path order, so the running reconciliation reaches it last.
    let last = store.join("tin-tuc/tong-hop/le-hoi-hoa-ban-2024.txt");
    let link = dir.join("hard-link.txt");
    std::fs::hard_link(&last, &link).unwrap();
    let missed = "Sửa không qua thư mục kho";
    std::fs::write(&link, article("Trang nhất » Tin tức » Tổng hợp", missed)).unwrap();

    // An edit the watcher sees: served while the reconciliation still runs.
    let seen = "Bài mới trong lúc so sánh kho";
    std::fs::write(
        store.join("thong-bao/moi.txt"),
        article("Trang nhất » Thông báo", seen),
    )
    .unwrap();
    d.wait_until("the new article", || {
        titles(&d, "/feed.rss").iter().any(|t| t == seen)
    });
    let reconciled = d.metric("bantin_reconcile_seconds_count").unwrap_or(0.0);
    assert_eq!(
        reconciled,
        0.0,
        "the start-up reconciliation finished before the event was served:\n{}",
        d.stderr()
    );
    assert!(!titles(&d, "/feeds/tin-tuc.rss").iter().any(|t| t == missed));

    // The reconciliation goes on, reaches the edited file and serves it.
    wait_long(&d, "the missed edit", Duration::from_secs(60), || {
        titles(&d, "/feeds/tin-tuc.rss").iter().any(|t| t == missed)
    });
    d.wait_until("the end of the reconciliation", || {
        d.metric("bantin_reconcile_seconds_count")
            .is_some_and(|n| n >= 1.0)
    });
    assert!(
        d.stderr()
            .contains("reconciliation found changes the watcher missed"),
        "{}",
        d.stderr()
    );
    assert!(titles(&d, "/feed.rss").iter().any(|t| t == seen));
    assert!(Path::new(&link).exists());
}
