//! The pages a visitor browses, through the real daemon: category, month, tag
//! and author pages, tag and author feeds, article links, subscribe pages and
//! the HTML 404.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use common::TempStore;

/// The shell every page shares: `lang`, viewport, one `h1`, the landmarks.
fn assert_shell(path: &str, page: &str) {
    assert!(page.contains("<html lang=\"vi\">"), "{path}");
    assert!(page.contains("name=\"viewport\""), "{path}");
    assert_eq!(page.matches("<h1>").count(), 1, "{path}: one h1");
    for landmark in ["<header>", "<nav", "<main>"] {
        assert!(page.contains(landmark), "{path}: {landmark}");
    }
    assert!(!page.contains("<script"), "{path}: no JavaScript");
}

#[test]
fn every_kind_of_page_answers_in_the_site_shell() {
    let site = TempStore::new();
    let d = site.start();
    for path in [
        "/",
        "/categories/tin-tuc",
        "/categories/tin-tuc/thoi-su",
        "/tags",
        "/authors",
        "/tags/dien-tap",
        "/authors/le-hoang-nam",
        "/subscribe/feeds/tin-tuc/thoi-su.atom",
        "/subscribe/tags/dien-tap.rss",
        "/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022",
    ] {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.expect_header("content-type").starts_with("text/html"),
            "{path}"
        );
        assert!(r.header("etag").is_some(), "{path}");
        assert_shell(path, &r.text());
    }
    let missing = d.get("/tags/khong-co", &[]);
    assert_eq!(missing.status, 404);
    assert_shell("404", &missing.text());
}

#[test]
fn an_article_page_links_where_it_is_filed() {
    let site = TempStore::new();
    let d = site.start();
    let page = d.body("/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022");
    for link in [
        "href=\"/categories/tin-tuc\"",
        "href=\"/categories/tin-tuc/thoi-su\"",
        "href=\"/tags/dien-tap\"",
        "href=\"/authors/le-hoang-nam\"",
        "href=\"/subscribe/feeds/tin-tuc/thoi-su.atom\"",
        // Autodiscovery of the category's and the tags' feeds.
        "/feeds/tin-tuc/thoi-su.atom\">",
        "/tags/dien-tap.atom\">",
        // The other article of the category.
        "href=\"/articles/tin-tuc/thoi-su/trien-khai-cap-can-cuoc-luu-dong\"",
    ] {
        assert!(page.contains(link), "{link} missing:\n{page}");
    }
}

#[test]
fn category_pages_reach_every_article_through_their_months() {
    let site = TempStore::new();
    let d = site.start();
    let page = d.body("/categories/thong-bao");
    let months: Vec<&str> = page
        .split("href=\"/archive/thong-bao/")
        .skip(1)
        .map(|s| &s[..7])
        .collect();
    assert!(!months.is_empty(), "{page}");
    let mut seen = Vec::new();
    for m in months {
        let month = d.body(&format!("/archive/thong-bao/{m}"));
        seen.extend(
            month
                .split("href=\"/articles/")
                .skip(1)
                .map(|s| s.split('"').next().unwrap().to_owned()),
        );
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "thong-bao/lich-tiep-cong-dan-thang-6-2021",
            "thong-bao/tam-dung-cap-nuoc-phuong-hoa-lac"
        ]
    );
    assert_eq!(d.get("/archive/thong-bao/1999-01", &[]).status, 404);
}

#[test]
fn tag_and_author_feeds_hold_exactly_their_articles() {
    let site = TempStore::new();
    let d = site.start();
    for (path, kind) in [
        ("/tags/dien-tap.atom", "application/atom+xml"),
        ("/tags/dien-tap.rss", "application/rss+xml"),
        ("/tags/dien-tap.json", "application/feed+json"),
        ("/authors/le-hoang-nam.atom", "application/atom+xml"),
    ] {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.expect_header("content-type").starts_with(kind), "{path}");
        let feed = feed_rs::parser::parse(&r.body[..]).unwrap();
        let titles: Vec<String> = feed
            .entries
            .iter()
            .map(|e| e.title.as_ref().unwrap().content.clone())
            .collect();
        assert_eq!(titles.len(), 1, "{path}: {titles:?}");
        assert!(
            feed.entries[0].links.iter().any(|l| l
                .href
                .ends_with("/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022")),
            "{path}"
        );
    }
    let opml = d.body("/tags.opml");
    assert!(opml.contains("/tags/dien-tap.rss\""), "{opml}");
    assert_eq!(d.get("/tags/dien-tap.xml", &[]).status, 404);
}
