//! Archived feeds (RFC 5005 §4) of tags and authors through the real daemon:
//! following the history links from every live tag and author feed, readers
//! that parse them, the tag page's list of months, validators that survive a
//! restart and move only with the term's own articles, and what is not there.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/history.rs"]
mod history;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{Daemon, TempStore, BASE_URL};
use history::{follow, Doc};

/// One article of the test store: file, date line, breadcrumb, author, tags,
/// and a withdrawal line if it is withdrawn.
struct Art {
    rel: &'static str,
    date: &'static str,
    crumb: &'static str,
    author: Option<&'static str>,
    tags: &'static str,
    withdrawn: Option<&'static str>,
}

/// The tag `Bão lũ` (spelt two ways) spans four months, one of which holds
/// only a withdrawn article; the author `Trần Ngọc` three of them.
const ARTS: &[Art] = &[
    Art {
        rel: "kinh-te/gia-lua.txt",
        date: "08:00 +07 Thứ Hai, 04/03/2024",
        crumb: "Kinh tế",
        author: Some("Trần Ngọc"),
        tags: "Bão lũ, Giá lúa",
        withdrawn: None,
    },
    Art {
        rel: "tin-tuc/tong-hop/de-dieu.txt",
        date: "09:30 +07 Thứ Năm, 28/03/2024",
        crumb: "Tin Tức » Tin tức tổng hợp",
        author: Some("Lê Nam"),
        tags: "bão lũ",
        withdrawn: None,
    },
    Art {
        rel: "kinh-te/mua-vu.txt",
        date: "07:15 +07 Thứ Sáu, 10/05/2024",
        crumb: "Kinh tế",
        author: Some("Trần Ngọc"),
        tags: "Bão lũ",
        withdrawn: None,
    },
    // Midnight on the 1st, local time: July in the zone, June in UTC.
    Art {
        rel: "tin-tuc/tong-hop/nua-dem.txt",
        date: "00:00 +07 Thứ Hai, 01/07/2024",
        crumb: "Tin Tức » Tin tức tổng hợp",
        author: None,
        tags: "Bão lũ",
        withdrawn: None,
    },
    Art {
        rel: "kinh-te/da-go.txt",
        date: "10:00 +07 Thứ Hai, 20/11/2023",
        crumb: "Kinh tế",
        author: Some("Trần Ngọc"),
        tags: "Bão lũ",
        withdrawn: Some("Gỡ bỏ: 21/11/2023 10:00 - Số liệu sai"),
    },
    Art {
        rel: "kinh-te/mua-dong.txt",
        date: "10:00 +07 Thứ Sáu, 01/12/2023",
        crumb: "Kinh tế",
        author: Some("Trần Ngọc"),
        tags: "Giá lúa",
        withdrawn: None,
    },
];

fn text(a: &Art, body: &str) -> String {
    let mut t = format!("{}\n\nTrang nhất » {}\n\n{}\n\n", a.date, a.crumb, a.rel);
    if let Some(w) = a.withdrawn {
        t.push_str(w);
        t.push('\n');
    }
    t.push_str(&format!("Dẫn của bài {}.\n\n{body}\n\n", a.rel));
    if let Some(author) = a.author {
        t.push_str(&format!("Tác giả: {author}\n\n"));
    }
    t.push_str(&format!("Tags: {}\n", a.tags));
    t
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
    for a in ARTS {
        write(&store, a.rel, &text(a, "Nội dung."));
    }
    site
}

/// The month segment of an archive URL.
fn month_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap().split('.').next().unwrap()
}

#[test]
fn following_prev_archive_from_every_term_feed_sees_every_article_once() {
    let site = site();
    let d = site.start();
    let cases: [(&str, &[&str]); 3] = [
        (
            "/tags/bao-lu",
            &["2024-07", "2024-05", "2024-03", "2023-11"],
        ),
        ("/tags/gia-lua", &["2024-03", "2023-12"]),
        (
            "/authors/tran-ngoc",
            &["2024-05", "2024-03", "2023-12", "2023-11"],
        ),
    ];
    for (feed, months) in cases {
        for ext in ["atom", "rss", "json"] {
            let live = format!("{feed}.{ext}");
            let (live_doc, archives) = follow(&d, &live, ext);
            let all: Vec<String> = archives
                .iter()
                .flat_map(|(_, doc)| doc.ids.iter().cloned())
                .collect();
            let unique: BTreeSet<&String> = all.iter().collect();
            assert_eq!(unique.len(), all.len(), "{live}: an article twice: {all:?}");
            // Every article is in the live feed here (fewer than its 50
            // items); a withdrawn one is in neither (Atom: a tombstone).
            assert_eq!(
                all, live_doc.ids,
                "{live}: the archives hold the live items"
            );
            let got: Vec<&str> = archives.iter().map(|(u, _)| month_of(u)).collect();
            assert_eq!(got, months, "{live}: one archive per month, newest first");
            for (url, _) in &archives {
                let want = format!("{BASE_URL}{feed}/{}.{ext}", month_of(url));
                assert_eq!(url, &want, "the term's own archive");
            }
        }
    }
    // The tag's two March articles, one spelt `bão lũ`, are in its March.
    let march = Doc::parse(&d.get("/tags/bao-lu/2024-03.rss", &[]).body, "rss");
    assert_eq!(march.ids.len(), 2);
    // November holds only the withdrawn article: a tombstone in Atom.
    let nov = d.get("/tags/bao-lu/2023-11.atom", &[]);
    assert_eq!(nov.status, 200);
    let body = String::from_utf8(nov.body).unwrap();
    assert!(body.contains("deleted-entry"), "{body}");
}

#[test]
fn readers_parse_term_archives() {
    let site = site();
    let d = site.start();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for ext in ["atom", "rss", "json"] {
        let path = format!("/authors/tran-ngoc/2024-03.{ext}");
        let body = d.get(&path, &[]).body;
        let doc = Doc::parse(&body, ext);
        assert_eq!(doc.ids.len(), 1, "{path}");
        let feed = feed_rs::parser::parse(&body[..])
            .unwrap_or_else(|e| panic!("{path}: feed-rs cannot parse it: {e}"));
        let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, doc.ids, "{path}: feed-rs");
        if ext != "json" {
            let file = dir.path().join(format!("a.{ext}"));
            std::fs::write(&file, &body).unwrap();
            files.push((file, doc.ids));
        }
    }
    history::assert_feedparser_reads(&files);
}

#[test]
fn a_term_page_lists_its_archives() {
    let site = site();
    let d = site.start();
    let page = d.body("/tags/bao-lu");
    assert!(!page.contains("từng chuyên mục"), "{page}");
    for m in ["2024-07", "2024-05", "2024-03", "2023-11"] {
        for ext in ["rss", "atom", "json"] {
            let sub = format!("/subscribe/tags/bao-lu/{m}.{ext}");
            assert!(page.contains(&format!("href=\"{sub}\"")), "{sub} in {page}");
            let r = d.get(&sub, &[]);
            assert_eq!(r.status, 200, "{sub}");
            let archive = format!("/tags/bao-lu/{m}.{ext}");
            assert!(String::from_utf8(r.body).unwrap().contains(&archive));
        }
    }
    assert!(
        !page.contains("/tags/bao-lu/2023-12"),
        "no month without the tag"
    );
}

fn misses(d: &Daemon) -> f64 {
    d.metric("bantin_archive_cache_misses_total").unwrap_or(0.0)
}

#[test]
fn a_term_archive_revalidates_across_a_restart_and_moves_with_its_own_articles() {
    let site = site();
    let store = store_dir(&site);
    let d = site.start();
    const MARCH: &str = "/tags/bao-lu/2024-03.atom";
    const JULY: &str = "/tags/bao-lu/2024-07.atom";
    let first = d.get(MARCH, &[]);
    assert_eq!(first.status, 200);
    assert_eq!(first.expect_header("cache-control"), "max-age=86400");
    let etag = first.expect_header("etag").to_owned();
    // The tag's newest month grows: kept only as long as the live feed.
    let live = d.get("/tags/bao-lu.atom", &[]);
    let july = d.get(JULY, &[]);
    assert_eq!(
        july.expect_header("cache-control"),
        live.expect_header("cache-control")
    );
    let july_tag = july.expect_header("etag").to_owned();

    drop(d);
    let d = site.start();
    let r = d.get(MARCH, &[("if-none-match", &etag)]);
    assert_eq!(r.status, 304, "the ETag survives a restart");
    assert_eq!(misses(&d), 0.0, "a revalidation renders nothing");
    assert_eq!(d.get(MARCH, &[]).body, first.body);

    let tag = |path: &str| {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        r.expect_header("etag").to_owned()
    };
    // A March article of the category but not of the tag: the category's
    // March archive changes, the tag's does not.
    let cat_march = tag("/archive/kinh-te/2024-03.atom");
    let other = Art {
        rel: "kinh-te/gao.txt",
        date: "11:00 +07 Thứ Ba, 12/03/2024",
        crumb: "Kinh tế",
        author: None,
        tags: "Gạo",
        withdrawn: None,
    };
    write(&store, other.rel, &text(&other, "Khác."));
    d.wait_until("the category's March changes", || {
        tag("/archive/kinh-te/2024-03.atom") != cat_march
    });
    assert_eq!(tag(MARCH), etag, "not the tag's article");
    // A new July article of the tag changes July only.
    let new = Art {
        rel: "kinh-te/lu-thang-7.txt",
        date: "11:00 +07 Thứ Sáu, 12/07/2024",
        crumb: "Kinh tế",
        author: None,
        tags: "Bão lũ",
        withdrawn: None,
    };
    write(&store, new.rel, &text(&new, "Mới."));
    d.wait_until("the tag's July changes", || tag(JULY) != july_tag);
    assert_eq!(tag(MARCH), etag, "March's archive is untouched");
    assert!(d.body(JULY).contains("lu-thang-7"));
    // Editing one of its March articles changes March.
    let edited = &ARTS[1];
    write(&store, edited.rel, &text(edited, "Nội dung đã sửa."));
    d.wait_until("the tag's March changes", || tag(MARCH) != etag);
    assert!(d.body(MARCH).contains("Nội dung đã sửa."));
}

#[test]
fn term_archives_that_do_not_exist_are_404() {
    let site = site();
    let d = site.start();
    assert_eq!(d.get("/tags/bao-lu/2024-03.rss", &[]).status, 200);
    assert_eq!(d.get("/authors/tran-ngoc/2023-12.json", &[]).status, 200);
    for path in [
        // A month without articles of the term.
        "/tags/bao-lu/2019-01.rss",
        "/tags/bao-lu/2023-12.atom",
        "/authors/tran-ngoc/2024-07.atom",
        // Malformed months and formats.
        "/tags/bao-lu/2024-3.rss",
        "/tags/bao-lu/2024-13.json",
        "/tags/bao-lu/2024-03.xml",
        "/tags/bao-lu/x/2024-03.rss",
        // An unknown term.
        "/tags/khong-co/2024-03.rss",
        "/authors/bao-lu/2024-03.rss",
    ] {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 404, "{path}");
    }
    // Without an extension, the path is the month's HTML page, not a feed.
    let page = d.get("/tags/bao-lu/2024-03", &[]);
    assert_eq!(page.status, 200);
    assert!(page.expect_header("content-type").starts_with("text/html"));
}
