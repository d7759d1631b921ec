//! What search engines read, from the daemon and from `bantin build`:
//! `/robots.txt` points at the sitemap index, whose sitemaps (protocol 0.9)
//! list every article page with its `lastmod`, and the news sitemap lists the
//! articles of the two days up to the newest one; conditional GET works on
//! all of them, and the static build writes the same bytes.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bantin::catalog::Catalog;
use bantin::index::Index;
use chrono::DateTime;
use common::{Daemon, TempStore, BASE_URL};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// The text of every `<name>` element of an XML document (`name` with its prefix).
fn texts(xml: &[u8], name: &str) -> Vec<String> {
    let mut reader = Reader::from_reader(xml);
    let (mut out, mut inside, mut buf) = (Vec::new(), false, Vec::new());
    loop {
        match reader.read_event_into(&mut buf).expect("well-formed XML") {
            Event::Start(e) if e.name().as_ref() == name.as_bytes() => inside = true,
            Event::End(e) if e.name().as_ref() == name.as_bytes() => inside = false,
            Event::Text(t) if inside => out.push(t.unescape().expect("text").into_owned()),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// `path` from the daemon: 200, of `content_type`, well-formed when XML.
fn fetch(d: &Daemon, path: &str, content_type: &str) -> Vec<u8> {
    let r = d.get(path, &[]);
    assert_eq!(r.status, 200, "{path}");
    assert_eq!(r.expect_header("content-type"), content_type, "{path}");
    if content_type.contains("xml") {
        common::assert_well_formed_xml(&r.body, path);
    }
    r.body
}

/// The site path of an absolute URL under [`BASE_URL`].
fn path_of(url: &str) -> &str {
    url.strip_prefix(BASE_URL)
        .unwrap_or_else(|| panic!("{url} is not under {BASE_URL}"))
}

#[test]
fn robots_and_sitemaps_list_every_article_with_validators_and_the_build_writes_them() {
    let store = TempStore::new();
    let d = store.start();
    let xml = "application/xml; charset=utf-8";

    let robots = String::from_utf8(fetch(&d, "/robots.txt", "text/plain; charset=utf-8")).unwrap();
    assert!(
        robots
            .lines()
            .any(|l| l == format!("Sitemap: {BASE_URL}/sitemap.xml")),
        "{robots}"
    );

    // Every sitemap the index lists answers, with at most 50,000 URLs, each dated.
    let index = fetch(&d, "/sitemap.xml", xml);
    let maps = texts(&index, "loc");
    assert_eq!(texts(&index, "lastmod").len(), maps.len());
    assert!(
        maps.len() >= 2,
        "the pages sitemap and at least a month: {maps:?}"
    );
    let mut listed: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut pages = BTreeSet::new();
    for map in &maps {
        let path = path_of(map);
        let body = fetch(&d, path, xml);
        let locs = texts(&body, "loc");
        assert!(
            !locs.is_empty() && locs.len() <= 50_000,
            "{path}: {} URLs",
            locs.len()
        );
        let dates = texts(&body, "lastmod");
        assert_eq!(dates.len(), locs.len(), "{path}: a lastmod per URL");
        for date in dates {
            DateTime::parse_from_rfc3339(&date)
                .unwrap_or_else(|e| panic!("{path}: lastmod {date:?}: {e}"));
        }
        pages.extend(locs.iter().map(|l| path_of(l).to_owned()));
        listed.insert(path.to_owned(), body);
    }

    // Exactly the store's articles (and pages), each of which answers.
    let catalog = Catalog::scan(
        &store.config().with_file_name("store"),
        16 << 20,
        chrono_tz::Asia::Ho_Chi_Minh,
    )
    .expect("scan the store");
    let ids = Index::new(catalog.entries.clone());
    let articles: BTreeSet<String> = ids
        .entries()
        .keys()
        .map(|id| bantin::render::article_path(id))
        .collect();
    let listed_articles: BTreeSet<String> = pages
        .iter()
        .filter(|p| p.starts_with("/articles/"))
        .cloned()
        .collect();
    assert_eq!(listed_articles, articles);
    for page in &pages {
        assert_eq!(d.get(page, &[]).status, 200, "{page}");
    }

    // A month sitemap is rendered on request, with the same conditional GET.
    let month = maps
        .iter()
        .map(|m| path_of(m))
        .find(|p| p.starts_with("/sitemaps/20"))
        .expect("a month sitemap");
    let first = d.get(month, &[]);
    let again = d.get(month, &[("If-None-Match", first.expect_header("etag"))]);
    assert_eq!(again.status, 304, "{month}");
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(d.get("/sitemaps/1999-01.xml", &[]).status, 404);
    assert_eq!(d.get("/sitemaps/2020-05-1.xml", &[]).status, 404);
    let news_etag = d
        .get("/news-sitemap.xml", &[])
        .expect_header("etag")
        .to_owned();
    assert_eq!(
        d.get("/news-sitemap.xml", &[("If-None-Match", &news_etag)])
            .status,
        304
    );

    // The news sitemap: the newest article, and only the two days up to it.
    let news = fetch(&d, "/news-sitemap.xml", xml);
    let newest = ids.select(None, 1)[0].article.clone();
    let news_locs = texts(&news, "loc");
    assert_eq!(
        news_locs.first().map(|l| path_of(l)),
        Some(&*bantin::render::article_path(&newest.id))
    );
    let dates = texts(&news, "news:publication_date");
    assert_eq!(dates.len(), news_locs.len());
    for date in &dates {
        let at = DateTime::parse_from_rfc3339(date).expect("a W3C date");
        let age = newest.published.timestamp() - at.timestamp();
        assert!(
            (0..=2 * 24 * 3600).contains(&age),
            "{date} is {age} s before the newest"
        );
    }
    assert_eq!(texts(&news, "news:language"), vec!["vi"; news_locs.len()]);
    assert_eq!(texts(&news, "news:name"), vec!["Bản tin"; news_locs.len()]);
    assert_eq!(texts(&news, "news:title")[0], newest.title);

    // `bantin build` writes the same bytes at the same paths.
    let out = tempfile::tempdir().expect("a temp dir");
    let o = common::bantin([
        "build".as_ref(),
        "--config".as_ref(),
        store.config().as_os_str(),
        "--out".as_ref(),
        out.path().as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let written = |p: &str| std::fs::read(out.path().join(p.trim_start_matches('/'))).ok();
    assert_eq!(written("/robots.txt").as_deref(), Some(robots.as_bytes()));
    assert_eq!(written("/sitemap.xml"), Some(index));
    assert_eq!(written("/news-sitemap.xml"), Some(news));
    for (path, body) in &listed {
        assert_eq!(written(path).as_ref(), Some(body), "{path}");
    }
    assert!(!Path::new(&out.path().join("sitemaps/1999-01.xml")).exists());
}

#[test]
fn the_pages_sitemap_lists_every_category_tag_and_author_page() {
    let store = TempStore::new();
    let d = store.start();
    let pages = d.get("/sitemaps/pages.xml", &[]);
    assert_eq!(pages.status, 200);
    let locs: BTreeSet<String> = texts(&pages.body, "loc")
        .iter()
        .map(|l| path_of(l).to_owned())
        .collect();
    let catalog = Catalog::scan(
        &store.config().with_file_name("store"),
        16 << 20,
        chrono_tz::Asia::Ho_Chi_Minh,
    )
    .expect("scan the store");
    let index = Index::new(catalog.entries.clone());
    for slug in index.categories().keys() {
        let page = format!("/categories/{slug}");
        assert!(locs.contains(&page), "{page} in {locs:?}");
    }
    for (kind, names) in [
        (
            "tags",
            index
                .entries()
                .values()
                .flat_map(|e| e.article.tags.clone())
                .collect::<BTreeSet<_>>(),
        ),
        (
            "authors",
            index
                .entries()
                .values()
                .filter_map(|e| e.article.author.clone())
                .collect(),
        ),
    ] {
        assert!(!names.is_empty(), "the test store has {kind}");
        for name in names {
            let page = format!("/{kind}/{}", bantin::index::slugify(&name));
            assert!(
                locs.iter()
                    .any(|l| l == &page || l.starts_with(&format!("{page}-"))),
                "{page} in {locs:?}"
            );
        }
    }
    for page in &locs {
        assert!(!page.contains('#'), "{page}: a page, not a fragment");
        assert_eq!(d.get(page, &[]).status, 200, "{page}");
    }
}
