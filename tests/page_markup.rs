//! What the pages' markup owes readers of mixed scripts, of screen readers
//! and keyboards, feed readers and search engines, through the real daemon:
//! every store field shown among other text in its own `<bdi>`, the skip
//! link, breadcrumbs and subscribe pages that mark the current page, one
//! canonical URL per page, a subscribe page's own format first in its
//! autodiscovery, no empty list, and a pager to the ends of a long list.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use common::TempStore;
use scraper::{ElementRef, Html, Node, Selector};

/// A title with right-to-left letters at its end, which pulled the date
/// after it into the title.
const RTL_TITLE: &str = "Phỏng vấn đại sứ Israel שלום";
/// A title ending in a right-to-left override span.
const OVERRIDE_TITLE: &str = "Tin \u{202E}ngược\u{202C}";
/// Tags in two scripts, which swapped places in the list of tags.
const TAGS: [&str; 4] = ["Mộc Châu", "שלום", "السلام", "Hạ Long"];
const AUTHOR: &str = "דוד כהן";
const SOURCE: &str = "قناة الأخبار";
const REASON: &str = "سبب الحذف";
/// The one tag of the withdrawn article only.
const GONE_TAG: &str = "רק מחוק";

fn write(site: &TempStore, rel: &str, text: &str) {
    let to = site.store().join(rel);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::write(&to, text).unwrap();
}

/// Three articles in `Thế giới`: one with right-to-left title, tags, author
/// and source, a newer one whose title ends in an override span, and a
/// withdrawn one (with a reason) that alone carries [`GONE_TAG`].
fn mixed_store() -> TempStore {
    let site = TempStore::new();
    write(
        &site,
        "the-gioi/dai-su.txt",
        &format!(
            "Trang nhất » Thế giới\n\n{RTL_TITLE}\n\n10/05/2020 16:01\n\nDẫn.\n\n\
             Tác giả bài viết: {AUTHOR}\n\nNguồn tin: {SOURCE}\n\nTừ khóa: {}\n",
            TAGS.join(", ")
        ),
    );
    write(
        &site,
        "the-gioi/nguoc.txt",
        &format!(
            "Trang nhất » Thế giới\n\n{OVERRIDE_TITLE}\n\n11/05/2020 08:00\nCập nhật: 11/05/2020 09:00\n\nDẫn.\n\nTừ khóa: Mộc Châu\n"
        ),
    );
    write(
        &site,
        "the-gioi/go.txt",
        &format!(
            "Trang nhất » Thế giới\n\nBài đã gỡ\n\n09/05/2020 08:00\n\n\
             Gỡ bỏ: 12/05/2020 09:30 - {REASON}\n\nDẫn.\n\nTừ khóa: {GONE_TAG}\n"
        ),
    );
    site
}

/// Asserts that `page` shows `field` in an isolate of its own (a `<bdi>`
/// holding exactly it), at least once, and nowhere among other text: every
/// text of its body holding `field` is in a `<bdi>` (it, or another field
/// that contains it) or is a heading of its own (a block, so a paragraph of
/// its own for the bidirectional algorithm, as an article's title is).
fn assert_isolated(what: &str, page: &str, field: &str) {
    let html = Html::parse_document(page);
    let body = html
        .select(&Selector::parse("body").unwrap())
        .next()
        .unwrap();
    let mut isolated = 0;
    for node in body.descendants() {
        let Node::Text(t) = node.value() else {
            continue;
        };
        if !t.contains(field) {
            continue;
        }
        let parent = ElementRef::wrap(node.parent().unwrap()).unwrap();
        let tag = parent.value().name();
        let whole_heading = tag == "h1" && parent.text().count() == 1;
        assert!(
            tag == "bdi" || whole_heading,
            "{what}: {field:?} shown among other text in <{tag}>:\n{}",
            parent.html()
        );
        if tag == "bdi" && &**t == field {
            isolated += 1;
        }
    }
    assert!(
        isolated > 0,
        "{what} does not show {field:?} in a <bdi>:\n{page}"
    );
}

/// The site path of the first link of `page` whose text is `text`.
fn link_to(page: &str, text: &str) -> String {
    let html = Html::parse_document(page);
    html.select(&Selector::parse("a").unwrap())
        .find(|a| a.text().collect::<String>() == text)
        .unwrap_or_else(|| panic!("no link {text:?}:\n{page}"))
        .value()
        .attr("href")
        .unwrap()
        .to_owned()
}

#[test]
fn store_fields_among_other_text_are_each_isolated() {
    let site = mixed_store();
    let d = site.start();
    let titles = [RTL_TITLE, OVERRIDE_TITLE];
    for path in ["/", "/categories/the-gioi", "/archive/the-gioi/2020-05"] {
        let page = d.body(path);
        for title in titles {
            assert_isolated(path, &page, title);
        }
        assert_isolated(path, &page, "Thế giới");
    }
    let tags = d.body("/tags");
    for tag in TAGS {
        assert_isolated("/tags", &tags, tag);
    }
    assert_isolated("/authors", &d.body("/authors"), AUTHOR);
    let shalom = link_to(&tags, "שלום");
    for path in [shalom.clone(), format!("{shalom}/2020-05")] {
        let page = d.body(&path);
        assert_isolated(&path, &page, RTL_TITLE);
        assert_isolated(&path, &page, "שלום");
    }
    let moc_chau = link_to(&tags, "Mộc Châu");
    let page = d.body(&moc_chau);
    for title in titles {
        assert_isolated(&moc_chau, &page, title);
    }
    let author = link_to(&d.body("/authors"), AUTHOR);
    assert_isolated(&author, &d.body(&author), AUTHOR);

    let article = link_to(&d.body("/"), RTL_TITLE);
    let page = d.body(&article);
    for field in TAGS
        .into_iter()
        .chain([AUTHOR, SOURCE, OVERRIDE_TITLE, "Thế giới"])
    {
        assert_isolated(&article, &page, field);
    }
    // The tags, in the article's order, each in its own isolate.
    let shown = TAGS
        .iter()
        .map(|t| format!("<bdi>{t}</bdi></a>"))
        .collect::<Vec<_>>();
    let at: Vec<usize> = shown
        .iter()
        .map(|s| page.find(s.as_str()).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{page}");
    let newer = link_to(&d.body("/"), OVERRIDE_TITLE);
    assert_isolated(&newer, &d.body(&newer), RTL_TITLE);

    // The page of changes: a corrected title and a withdrawal's reason.
    let changes = d.body("/changes");
    assert_isolated("/changes", &changes, OVERRIDE_TITLE);
    assert_isolated("/changes", &changes, REASON);

    let r = d.get("/articles/the-gioi/go", &[]);
    assert_eq!(r.status, 410);
    let gone = r.text();
    assert_isolated("410", &gone, REASON);
    assert_isolated("410", &gone, "Thế giới");
}

#[test]
fn every_kind_of_page_of_a_mixed_store_parses_without_an_html_error() {
    // The golden pages are parsed too; these add what they do not hold:
    // right-to-left and override fields, a 410, a tag of withdrawn articles.
    let site = mixed_store();
    let d = site.start();
    let tags = d.body("/tags");
    let authors = d.body("/authors");
    let shalom = link_to(&tags, "שלום");
    let author = link_to(&authors, AUTHOR);
    let article = link_to(&d.body("/"), RTL_TITLE);
    let mut paths = vec![
        "/".to_owned(),
        "/categories/the-gioi".to_owned(),
        "/archive/the-gioi/2020-05".to_owned(),
        "/tags".to_owned(),
        "/authors".to_owned(),
        format!("{shalom}/2020-05"),
        "/subscribe/feeds/the-gioi.atom".to_owned(),
        "/subscribe/feeds.opml".to_owned(),
        "/changes".to_owned(),
        "/articles/the-gioi/go".to_owned(),
        "/tags/rq-mkhvq".to_owned(),
        "/khong-co".to_owned(),
    ];
    paths.extend([shalom, author, article]);
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<std::path::PathBuf> = paths
        .iter()
        .enumerate()
        .map(|(n, path)| {
            let r = d.get(path, &[]);
            assert!(matches!(r.status, 200 | 404 | 410), "{path}: {}", r.status);
            let file = dir.path().join(format!("{n}.html"));
            std::fs::write(&file, &r.body).unwrap();
            file
        })
        .collect();
    common::assert_html5lib_parses(&files);
}

/// `<link rel="canonical">` hrefs of a page.
fn canonicals(page: &str) -> Vec<String> {
    let html = Html::parse_document(page);
    html.select(&Selector::parse("link[rel=canonical]").unwrap())
        .map(|l| l.value().attr("href").unwrap().to_owned())
        .collect()
}

/// The `type` of each `<link rel="alternate">` of a page, in order.
fn discovery_types(page: &str) -> Vec<String> {
    let html = Html::parse_document(page);
    html.select(&Selector::parse("link[rel=alternate]").unwrap())
        .map(|l| l.value().attr("type").unwrap().to_owned())
        .collect()
}

#[test]
fn every_page_names_one_canonical_url_whatever_query_reached_it() {
    let site = mixed_store();
    let d = site.start();
    let base = "http://127.0.0.1:8080";
    let tags = d.body("/tags");
    let shalom = link_to(&tags, "שלום");
    for (asked, canonical) in [
        ("/?x=1", "/".to_owned()),
        (
            "/categories/the-gioi?page=2",
            "/categories/the-gioi".to_owned(),
        ),
        (
            "/archive/the-gioi/2020-05",
            "/archive/the-gioi/2020-05".to_owned(),
        ),
        ("/archive/2020-05", "/archive/2020-05".to_owned()),
        ("/tags?page=3", "/tags".to_owned()),
        ("/authors", "/authors".to_owned()),
        (&shalom, shalom.clone()),
        (&format!("{shalom}/2020-05"), format!("{shalom}/2020-05")),
        (
            "/articles/the-gioi/dai-su",
            "/articles/the-gioi/dai-su".to_owned(),
        ),
        (
            "/subscribe/feeds/the-gioi.json",
            "/subscribe/feeds/the-gioi.json".to_owned(),
        ),
        ("/subscribe/feeds.opml", "/subscribe/feeds.opml".to_owned()),
    ] {
        let page = d.body(asked);
        assert_eq!(canonicals(&page), [format!("{base}{canonical}")], "{asked}");
    }
    // An error page has no address of its own.
    for missing in ["/khong-co", "/articles/the-gioi/go"] {
        let r = d.get(missing, &[]);
        assert!(r.status == 404 || r.status == 410, "{missing}");
        assert!(canonicals(&r.text()).is_empty(), "{missing}");
    }
}

#[test]
fn a_subscribe_page_offers_its_own_format_first() {
    let site = mixed_store();
    let d = site.start();
    let shalom = link_to(&d.body("/tags"), "שלום");
    let author = link_to(&d.body("/authors"), AUTHOR);
    let rss = "application/rss+xml";
    let atom = "application/atom+xml";
    let json = "application/feed+json";
    for feed in [
        "/feeds/the-gioi".to_owned(),
        "/feed".to_owned(),
        shalom.clone(),
        author,
        "/archive/the-gioi/2020-05".to_owned(),
        format!("{shalom}/2020-05"),
    ] {
        for (ext, order) in [
            ("rss", [rss, atom, json]),
            ("atom", [atom, rss, json]),
            ("json", [json, rss, atom]),
        ] {
            let path = format!("/subscribe{feed}.{ext}");
            let page = d.body(&path);
            assert_eq!(discovery_types(&page), order, "{path}");
            // Its own format, in the list of formats, is the current page.
            let html = Html::parse_document(&page);
            let current: Vec<String> = html
                .select(&Selector::parse("main a[aria-current=page]").unwrap())
                .map(|a| a.value().attr("href").unwrap().to_owned())
                .collect();
            assert_eq!(current, std::slice::from_ref(&path), "{path}");
        }
    }
}

#[test]
fn pages_open_with_a_skip_link_and_mark_where_the_reader_is() {
    let site = mixed_store();
    let d = site.start();
    let a = Selector::parse("a, button, input, select, textarea").unwrap();
    let crumbs = Selector::parse("nav.crumbs").unwrap();
    let shalom = link_to(&d.body("/tags"), "שלום");
    for path in [
        "/",
        "/categories/the-gioi",
        "/archive/the-gioi/2020-05",
        "/tags",
        &shalom,
        &format!("{shalom}/2020-05"),
        "/articles/the-gioi/dai-su",
        "/subscribe/feeds/the-gioi.atom",
    ] {
        let page = d.body(path);
        let html = Html::parse_document(&page);
        // The first thing a keyboard reaches leads to `main`.
        let first = html.select(&a).next().unwrap();
        assert_eq!(first.value().attr("class"), Some("skip"), "{path}");
        assert_eq!(
            first.text().collect::<String>(),
            "Bỏ qua, đến nội dung chính"
        );
        assert_eq!(first.value().attr("href"), Some("#noi-dung"), "{path}");
        assert!(page.contains("<main id=\"noi-dung\">"), "{path}");
        // One name for every breadcrumb.
        for nav in html.select(&crumbs) {
            assert_eq!(nav.value().attr("aria-label"), Some("Vị trí"), "{path}");
        }
        assert!(
            page.contains(">Danh sách nguồn tin (OPML)</a></nav>"),
            "{path}"
        );
    }
    // A category's breadcrumb ends with the page itself; an article's and a
    // month's with where they are filed, which is not the current page.
    let current = |path: &str| {
        let page = d.body(path);
        let html = Html::parse_document(&page);
        let nav = html.select(&crumbs).next().unwrap();
        nav.select(&Selector::parse("a[aria-current=page]").unwrap())
            .map(|a| a.value().attr("href").unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(current("/categories/the-gioi"), ["/categories/the-gioi"]);
    assert!(current("/archive/the-gioi/2020-05").is_empty());
    assert!(current("/articles/the-gioi/dai-su").is_empty());
}

#[test]
fn a_term_whose_articles_are_all_withdrawn_shows_no_empty_list() {
    let site = mixed_store();
    let d = site.start();
    // Left out of /tags on purpose, its page still answers for subscribers.
    assert!(!d.body("/tags").contains(GONE_TAG));
    let path = "/tags/rq-mkhvq";
    let r = d.get(path, &[]);
    assert_eq!(r.status, 200, "{path}");
    let page = r.text();
    assert!(
        page.contains("<p>Không còn bài viết nào có từ khóa này: tất cả đều đã được gỡ bỏ. Trang của từng tháng bên dưới vẫn liệt kê các bài này.</p>"),
        "{page}"
    );
    let html = Html::parse_document(&page);
    for ul in html.select(&Selector::parse("ul").unwrap()) {
        assert!(
            ul.select(&Selector::parse("li").unwrap()).next().is_some(),
            "an empty list: {page}"
        );
    }
    // Its month page lists the withdrawn article, marked.
    let month = link_to(&page, "Tháng 5/2020");
    assert!(d.body(&month).contains("(đã gỡ bỏ)</li>"), "{month}");
}
