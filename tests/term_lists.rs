//! The lists of every tag and author in a store with more tags than a page
//! holds: `/tags` in pages walked with their pagers, every tag on exactly
//! one of them, the same pages in `bantin build`; `/tags.opml` bounded to the
//! most used tags and kept in the on-demand cache.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use bantin::catalog::Catalog;
use bantin::index::Index;
use bantin::site::pages::{LIST_PAGE_TERMS, OPML_TERMS};
use bantin::taxonomy::Kind;
use common::{Daemon, TempStore};

/// Tags written besides the sample's: more than two pages' worth.
const TAGS: usize = 2500;

/// `n` tiny articles under `nhieu-nhan/`, each with a tag of its own
/// (`nhãn 0`, `nhãn 1`, …), and every tenth with a second tag, `nhãn
/// chung`: the most used tag.
fn write_tagged(store: &Path, n: usize) {
    let dir = store.join("nhieu-nhan");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let shared = if i % 10 == 0 { ", nhãn chung" } else { "" };
        let text = format!(
            "Trang nhất » Nhiều nhãn\n\nBài số {i}\n\n{:02}/03/2021 08:{:02}\n\
             Nội dung bài số {i}.\n\nTừ khóa: nhãn {i}{shared}\n",
            i % 28 + 1,
            i % 60,
        );
        std::fs::write(dir.join(format!("{i:04}.txt")), text).unwrap();
    }
}

/// The slug of every listed tag of the store, read with the library.
fn listed_tags(store: &Path) -> BTreeSet<String> {
    let catalog = Catalog::scan(store, 16 << 20, chrono_tz::Asia::Ho_Chi_Minh).unwrap();
    let index = Index::new(catalog.entries);
    let tags = index.taxonomy(Kind::Tag);
    tags.listed().map(|t| t.slug.clone()).collect()
}

/// The `href` of the link marked `rel="<rel>"` on `page`, if any.
fn rel_link(page: &str, rel: &str) -> Option<String> {
    let at = page.find(&format!("<a rel=\"{rel}\" href=\""))?;
    let rest = &page[at..];
    let start = rest.find("href=\"")? + "href=\"".len();
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_owned())
}

/// The slugs of the tags a list page links, in its order.
fn tags_on(page: &str) -> Vec<String> {
    page.lines()
        .filter_map(|l| l.strip_prefix("<li><a href=\"/tags/"))
        .map(|l| l.split('"').next().unwrap().to_owned())
        .collect()
}

/// Every page of the list from `/tags`, following `next` to the end: each
/// page's path and tags.
fn walk_forward(d: &Daemon) -> Vec<(String, Vec<String>)> {
    let mut pages = Vec::new();
    let mut path = Some("/tags".to_owned());
    while let Some(p) = path {
        assert!(pages.len() <= TAGS, "a pager that loops: {p}");
        let page = d.body(&p);
        path = rel_link(&page, "next");
        // Both pagers, above and below, lead the same way.
        assert_eq!(
            page.matches("rel=\"next\"").count(),
            if path.is_some() { 2 } else { 0 },
            "{p}"
        );
        pages.push((p, tags_on(&page)));
    }
    pages
}

#[test]
fn every_tag_is_on_exactly_one_page_of_the_list_walked_both_ways() {
    let store = TempStore::new();
    write_tagged(&store.store(), TAGS);
    let expected = listed_tags(&store.store());
    assert!(expected.len() > 2 * LIST_PAGE_TERMS, "{}", expected.len());
    let d = store.start();

    // Forwards from `/tags`: every page full but the last, every tag once.
    let forward = walk_forward(&d);
    let pages = expected.len().div_ceil(LIST_PAGE_TERMS);
    assert_eq!(forward.len(), pages);
    assert_eq!(forward[1].0, "/tags/trang_2");
    for (path, tags) in &forward[..pages - 1] {
        assert_eq!(tags.len(), LIST_PAGE_TERMS, "{path}");
    }
    let seen: Vec<&String> = forward.iter().flat_map(|(_, tags)| tags).collect();
    assert_eq!(seen.len(), expected.len(), "a tag listed twice");
    let seen: BTreeSet<String> = seen.into_iter().cloned().collect();
    assert_eq!(seen, expected);

    // Backwards from the last page with `prev`: the same pages, reversed,
    // back to `/tags` itself.
    let mut back = Vec::new();
    let mut path = Some(forward.last().unwrap().0.clone());
    while let Some(p) = path {
        let page = d.body(&p);
        path = rel_link(&page, "prev");
        back.push(p);
    }
    back.reverse();
    let forward_paths: Vec<&String> = forward.iter().map(|(p, _)| p).collect();
    assert_eq!(back.iter().collect::<Vec<_>>(), forward_paths);

    // Past the last page, and another spelling of the first, are not pages.
    for missing in [
        format!("/tags/trang_{}", pages + 1),
        "/tags/trang_1".to_owned(),
    ] {
        assert_eq!(d.get(&missing, &[]).status, 404, "{missing}");
    }

    // A page is revalidated by its own ETag.
    let r = d.get("/tags/trang_2", &[]);
    let etag = r.expect_header("etag").to_owned();
    let again = d.get("/tags/trang_2", &[("if-none-match", &etag)]);
    assert_eq!(again.status, 304);
    assert_ne!(d.get("/tags", &[]).expect_header("etag"), etag);
}

#[test]
fn tags_opml_lists_the_most_used_tags_and_is_served_from_the_cache() {
    let store = TempStore::new();
    write_tagged(&store.store(), TAGS);
    let d = store.start();

    let first = d.get("/tags.opml", &[]);
    assert_eq!(first.status, 200);
    let urls = common::opml_feed_urls(&first.body);
    assert_eq!(urls.len(), OPML_TERMS);
    // The most used tag is among them; the head says what they are.
    assert!(
        urls.iter().any(|u| u.ends_with("/tags/nhan-chung.rss")),
        "{urls:?}"
    );
    let text = first.text();
    assert!(
        text.contains("<title>") && text.contains("1.000 từ khóa có nhiều bài nhất"),
        "{}",
        &text[..text.len().min(600)]
    );
    assert!(first.body.len() < 1 << 20, "{} bytes", first.body.len());
    let etag = first.expect_header("etag").to_owned();

    // Asked again: the same bytes from the cache, not rendered again.
    let hits = d.metric("bantin_archive_cache_hits_total").unwrap_or(0.0);
    let second = d.get("/tags.opml", &[]);
    assert_eq!(second.expect_header("etag"), etag);
    assert_eq!(second.body, first.body);
    d.wait_until("a cache hit counted", || {
        d.metric("bantin_archive_cache_hits_total").unwrap_or(0.0) > hits
    });

    // Its page says the list is of the most used tags only.
    let about = d.body("/subscribe/tags.opml");
    assert!(
        about.contains("danh sách chỉ gồm 1.000 từ khóa có nhiều bài nhất"),
        "{about}"
    );
}

/// Two pages' worth, not more: a build renders every tag's pages and feeds.
#[test]
fn the_static_build_writes_every_page_of_the_list() {
    let store = TempStore::new();
    write_tagged(&store.store(), LIST_PAGE_TERMS + 50);
    let listed = listed_tags(&store.store()).len();
    let pages = listed.div_ceil(LIST_PAGE_TERMS);
    let out = store.store().with_file_name("site");
    let o = common::bantin([
        "build".as_ref(),
        "--config".as_ref(),
        store.config().as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = |n: usize| match n {
        1 => out.join("tags/index.html"),
        n => out.join(format!("tags/trang_{n}/index.html")),
    };
    let mut written = BTreeSet::new();
    for n in 1..=pages {
        let html = std::fs::read_to_string(page(n)).unwrap();
        let tags = tags_on(&html);
        assert!(
            !tags.is_empty() && tags.len() <= LIST_PAGE_TERMS,
            "page {n}"
        );
        written.extend(tags);
    }
    assert_eq!(written.len(), listed);
    assert!(!page(pages + 1).exists());
    assert!(out.join("authors/index.html").is_file());
    assert!(!out.join("authors/trang_2").exists());
}
