//! What search engines read, from the daemon and from `bantin build`:
//! `/robots.txt` points at the sitemap index, whose sitemaps (protocol 0.9)
//! list every article page with its `lastmod`, and the news sitemap lists the
//! articles of the two days up to the newest listed one; conditional GET works on
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

/// `bantin build` of `store` into a new folder.
fn build(store: &TempStore) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("a temp dir");
    let o = common::bantin([
        "build".as_ref(),
        "--config".as_ref(),
        store.config().as_os_str(),
        "--out".as_ref(),
        out.path().as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
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
    // Another spelling of a sitemap that is served redirects to it, as any
    // path's does; of one that is not, it does not.
    let pages_map = "/sitemaps/pages.xml";
    assert_eq!(d.get(pages_map, &[]).status, 200);
    for (asked, to) in [
        (format!("{month}/"), month),
        (format!("/{month}"), month),
        (format!("{pages_map}/"), pages_map),
    ] {
        let r = d.get(&asked, &[]);
        assert_eq!((r.status, r.header("location")), (308, Some(to)), "{asked}");
    }
    for not_served in [
        "/sitemaps/1999-01.xml/",
        &format!("{}-2.xml/", &month[..17]),
    ] {
        assert_eq!(d.get(not_served, &[]).status, 404, "{not_served}");
    }
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
    let out = build(&store);
    let written = |p: &str| std::fs::read(out.path().join(p.trim_start_matches('/'))).ok();
    assert_eq!(written("/robots.txt").as_deref(), Some(robots.as_bytes()));
    assert_eq!(written("/sitemap.xml"), Some(index));
    assert_eq!(written("/news-sitemap.xml"), Some(news));
    for (path, body) in &listed {
        assert_eq!(written(path).as_ref(), Some(body), "{path}");
    }
    assert!(!Path::new(&out.path().join("sitemaps/1999-01.xml")).exists());
}

/// Every sitemap the index lists but the months' (the pages sitemap and the
/// tag and author parts), by path, with its ETag and its URLs' paths.
fn page_sitemaps(d: &Daemon) -> BTreeMap<String, (String, Vec<String>)> {
    let index = fetch(d, "/sitemap.xml", "application/xml; charset=utf-8");
    let listed = texts(&index, "loc");
    let paths = listed
        .iter()
        .map(|l| path_of(l))
        .filter(|p| !p.starts_with("/sitemaps/20"));
    paths
        .map(|path| {
            let r = d.get(path, &[]);
            assert_eq!(r.status, 200, "{path}");
            common::assert_well_formed_xml(&r.body, path);
            let locs = texts(&r.body, "loc");
            let locs = locs.iter().map(|l| path_of(l).to_owned()).collect();
            (path.to_owned(), (r.expect_header("etag").to_owned(), locs))
        })
        .collect()
}

/// Every URL of `sitemaps`, each listed once.
fn listed_once(sitemaps: &BTreeMap<String, (String, Vec<String>)>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for (path, (_, locs)) in sitemaps {
        for loc in locs {
            assert!(
                seen.insert(loc.clone()),
                "{loc} listed twice (again in {path})"
            );
        }
    }
    seen
}

#[test]
fn the_pages_sitemap_lists_every_category_tag_and_author_page() {
    let store = TempStore::new();
    let d = store.start();
    // The front and category pages in `/sitemaps/pages.xml`, the tag and
    // author pages in sitemaps of their own, all listed by the index.
    let sitemaps = page_sitemaps(&d);
    assert!(sitemaps.contains_key("/sitemaps/pages.xml"), "{sitemaps:?}");
    let locs = listed_once(&sitemaps);
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

/// `n` articles of the category `Nhiều nhãn` with 32 tags of their own each
/// (`nhãn <i> <j>`), written into `store`.
fn write_tagged(store: &Path, n: usize) {
    let dir = store.join("nhieu-nhan");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let tags: Vec<String> = (0..32).map(|j| format!("nhãn {i} {j}")).collect();
        let text = format!(
            "Trang nhất » Nhiều nhãn\n\nBài số {i}\n\n{:02}/03/2021 08:{:02}\n\
             Nội dung bài số {i}.\n\nTừ khóa: {}\n",
            i % 28 + 1,
            i % 60,
            tags.join(", ")
        );
        std::fs::write(dir.join(format!("{i:03}.txt")), text).unwrap();
    }
}

/// In a store of some 1,500 tags, a new article under one existing tag
/// changes that tag's part of the tag sitemaps (and the pages sitemap it
/// dates, and the index): every other tag and author part keeps its bytes
/// and ETag, every URL is listed once before and after, and `bantin build`
/// writes what the daemon serves.
#[test]
fn a_live_update_under_one_tag_keeps_every_other_parts_bytes() {
    let store = TempStore::new();
    write_tagged(&store.store(), 48);
    let d = store.start();
    let before = page_sitemaps(&d);
    let pages_before = listed_once(&before);
    let tag_parts = before
        .keys()
        .filter(|p| p.starts_with("/sitemaps/tags"))
        .count();
    assert!(
        tag_parts >= 3,
        "1,536 tags in parts of about 256: {before:?}"
    );
    let tag = "/tags/nhan-7-3";
    let holding = |maps: &BTreeMap<String, (String, Vec<String>)>| {
        let mut with = maps
            .iter()
            .filter(|(_, (_, locs))| locs.iter().any(|l| l == tag));
        let (path, _) = with.next().expect("the tag is listed");
        assert!(with.next().is_none(), "{tag} in one part");
        path.clone()
    };
    let part = holding(&before);

    // A new article, newer than all, under that one tag, renamed into the store.
    let temp = store.store().join(".moi.txt.tmp");
    std::fs::write(
        &temp,
        "Trang nhất » Nhiều nhãn\n\nBài mới\n\n01/01/2031 10:00\nNội dung mới.\n\nTừ khóa: nhãn 7 3\n",
    )
    .unwrap();
    std::fs::rename(&temp, store.store().join("nhieu-nhan/moi.txt")).unwrap();
    let etag = |path: &str| d.get(path, &[]).expect_header("etag").to_owned();
    d.wait_until("the tag's part changes", || etag(&part) != before[&part].0);

    let after = page_sitemaps(&d);
    let pages_after = listed_once(&after);
    assert_eq!(pages_after, pages_before, "the same pages, each once");
    assert_eq!(holding(&after), part);
    for (path, (etag, _)) in &before {
        let now = &after
            .get(path)
            .unwrap_or_else(|| panic!("{path} is still listed"))
            .0;
        let changes = *path == part || path == "/sitemaps/pages.xml";
        assert_eq!(etag != now, changes, "{path}: changed {}", etag != now);
    }
    assert_eq!(after.len(), before.len());

    // `bantin build` of the store as it is now writes the same bytes.
    let out = build(&store);
    let written = |p: &str| std::fs::read(out.path().join(p.trim_start_matches('/'))).ok();
    for path in after.keys().map(String::as_str).chain(["/sitemap.xml"]) {
        assert_eq!(written(path), Some(d.get(path, &[]).body), "{path}");
    }
}

/// Writes an article of `Nhiều nhãn` dated `date` under `tags` into the
/// store as a new file `name`, renamed in as an editor's tool saves.
fn write_new(store: &TempStore, name: &str, date: &str, tags: &str) {
    let temp = store.store().join(format!(".{name}.tmp"));
    let text = format!(
        "Trang nhất » Nhiều nhãn\n\nBài {name}\n\n{date}\nNội dung {name}.\n\nTừ khóa: {tags}\n"
    );
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, store.store().join(format!("nhieu-nhan/{name}.txt"))).unwrap();
}

/// Among some 1,500 tags, two names of one slug (`bão số` holds `bao-so`,
/// `bao so`, which came later, `bao-so-2`): a new article under the
/// contested one, and then an older one that makes it the first (the two
/// slugs change hands), render the parts holding that family only; every
/// other tag part keeps its bytes and ETag, and `bantin build` writes what
/// the daemon serves.
#[test]
fn a_live_update_under_a_contested_tag_changes_its_familys_part_only() {
    let store = TempStore::new();
    write_tagged(&store.store(), 48);
    write_new(&store, "bao-a", "02/02/2021 08:00", "bão số");
    write_new(&store, "bao-b", "05/03/2021 08:00", "bao so");
    let d = store.start();
    // The parts of `maps` holding the pages of the slugs `bao-so` and `bao-so-2`.
    let family = |maps: &BTreeMap<String, (String, Vec<String>)>| -> BTreeSet<String> {
        let pages = ["/tags/bao-so", "/tags/bao-so-2"];
        let holding = maps
            .iter()
            .filter(|(_, (_, locs))| locs.iter().any(|l| pages.contains(&l.as_str())));
        holding.map(|(path, _)| path.clone()).collect()
    };
    let etag = |path: &str| d.get(path, &[]).expect_header("etag").to_owned();
    let steps = [
        (
            "a newer article under the suffixed name",
            "bao-c",
            "01/01/2031 10:00",
            "/sitemaps/pages.xml",
        ),
        (
            "an older one: the slugs change hands",
            "bao-d",
            "01/01/2020 10:00",
            "",
        ),
    ];
    for (what, name, date, also) in steps {
        let before = page_sitemaps(&d);
        let parts = family(&before);
        assert!(!parts.is_empty(), "{what}: the family is listed");
        let tag_parts = before.keys().filter(|p| p.starts_with("/sitemaps/tags"));
        assert!(tag_parts.count() > parts.len() + 2, "{what}: {before:?}");
        write_new(&store, name, date, "bao so");
        d.wait_until(what, || parts.iter().any(|p| etag(p) != before[p].0));

        let after = page_sitemaps(&d);
        assert_eq!(listed_once(&after), listed_once(&before), "{what}");
        assert_eq!(
            family(&after),
            parts,
            "{what}: the family stays in its parts"
        );
        for (path, (etag, _)) in &before {
            let now = &after
                .get(path)
                .unwrap_or_else(|| panic!("{what}: {path} is still listed"))
                .0;
            let changes = parts.contains(path) || path == also;
            assert_eq!(
                etag != now,
                changes,
                "{what}: {path} changed {}",
                etag != now
            );
        }
    }
    let tags =
        bantin::catalog::Catalog::scan(&store.store(), 16 << 20, chrono_tz::Asia::Ho_Chi_Minh)
            .map(|c| Index::new(c.entries))
            .expect("scan the store");
    let tags = tags.taxonomy(bantin::taxonomy::Kind::Tag);
    assert_eq!(tags.slug_of("bao so"), Some("bao-so"), "the older now");
    assert_eq!(tags.slug_of("bão số"), Some("bao-so-2"));

    let out = build(&store);
    let written = |p: &str| std::fs::read(out.path().join(p.trim_start_matches('/'))).ok();
    for path in page_sitemaps(&d)
        .keys()
        .map(String::as_str)
        .chain(["/sitemap.xml"])
    {
        assert_eq!(written(path), Some(d.get(path, &[]).body), "{path}");
    }
}

/// The `<loc>` (as a site path) and `<lastmod>` of each entry of a sitemap
/// or sitemap index, in order.
fn dated(xml: &[u8]) -> BTreeMap<String, String> {
    let (locs, dates) = (texts(xml, "loc"), texts(xml, "lastmod"));
    assert_eq!(locs.len(), dates.len(), "a lastmod per loc");
    let paths = locs.iter().map(|l| path_of(l).to_owned());
    paths.zip(dates).collect()
}

/// Every date the sitemaps give: each sitemap's in the index (by its
/// path) and each URL's in the sitemaps it lists but the months' (by the
/// page's path).
fn every_date(d: &Daemon) -> BTreeMap<String, String> {
    let index = dated(&d.get("/sitemap.xml", &[]).body);
    let mut dates = index.clone();
    for path in index.keys().filter(|p| !p.starts_with("/sitemaps/20")) {
        dates.extend(dated(&fetch(d, path, "application/xml; charset=utf-8")));
    }
    dates
}

/// Adds `Gỡ bỏ: <when> - Công bố nhầm` under the date line `date_line` of
/// the article `rel` of `store`, saved as editors' tools do.
fn withdraw(store: &TempStore, rel: &str, date_line: &str, when: &str) {
    let path = store.store().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let date_line = format!("{date_line}\n");
    assert!(text.contains(&date_line), "{rel}: {date_line:?}");
    let withdrawn = text.replacen(
        &date_line,
        &format!("{date_line}Gỡ bỏ: {when} - Công bố nhầm\n"),
        1,
    );
    let temp = path.with_file_name(".withdrawn.tmp");
    std::fs::write(&temp, withdrawn).unwrap();
    std::fs::rename(&temp, &path).unwrap();
}

/// Checks that no date in `after` (see [`every_date`]) is before the one
/// `before` gives the same sitemap or page (RFC 3339 with one offset sorts
/// as text); what left may only be a tag or author page or a month no
/// article is listed in any more, named in `gone`.
fn never_back(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>, gone: &[&str]) {
    for (path, was) in before {
        match after.get(path) {
            Some(now) => assert!(now >= was, "{path}: {was} then {now}"),
            None => assert!(
                path.starts_with("/tags/")
                    || path.starts_with("/authors/")
                    || gone.contains(&path.as_str()),
                "{path} left"
            ),
        }
    }
}

/// The reviewer's steps on the sample store's articles: June 2024 holds
/// `thong-bao/ket-qua-binh-chon-san-pham-ocop-2024` (27 June) and
/// `duong-di-bo-ven-song-ngu` (22 June); the first is withdrawn, dated 30
/// November 2026. Its month's sitemap stops listing it, and the index's
/// date for that sitemap moves forward to the withdrawal, never back to the
/// article left; so do the dates of the pages it was taken off (the front
/// page, its category's, the tag another article keeps listed) and of the
/// sitemaps listing them. Then an article that heads no list is withdrawn:
/// the pages it was taken off are dated by it too. `bantin build` of the
/// store as it is then writes the index the daemon serves.
#[test]
fn a_withdrawal_never_dates_a_sitemap_back() {
    let store = TempStore::new();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ocop = "thong-bao/ket-qua-binh-chon-san-pham-ocop-2024.txt";
    for rel in [
        ocop,
        "kinh-te/du-lich/duong-di-bo-ven-song-ngu.txt",
        "kinh-te/nong-nghiep/nong-nghiep-du-lich-cong-dong-tan-khe.txt",
    ] {
        let to = store.store().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(manifest.join("feeds").join(rel), to).unwrap();
    }
    let d = store.start();
    let month = "/sitemaps/2024-06.xml";
    let article = "/articles/thong-bao/ket-qua-binh-chon-san-pham-ocop-2024";
    let xml = "application/xml; charset=utf-8";
    let before = every_date(&d);
    assert_eq!(before[month], "2024-06-27T10:30:00+07:00", "{before:?}");
    assert_eq!(before["/categories/thong-bao"], "2024-06-27T10:30:00+07:00");
    let june = dated(&fetch(&d, month, xml));
    assert!(june.contains_key(article), "{june:?}");
    assert!(june.contains_key("/articles/kinh-te/du-lich/duong-di-bo-ven-song-ngu"));
    let etag = |path: &str| d.get(path, &[]).expect_header("etag").to_owned();
    let month_etag = etag(month);

    withdraw(&store, ocop, "27/06/2024 - 10h30", "30/11/2026 18:00");
    d.wait_until("the month's sitemap changes", || etag(month) != month_etag);
    let june = dated(&fetch(&d, month, xml));
    assert!(!june.contains_key(article), "no longer listed: {june:?}");
    assert_eq!(june.len(), 1, "{june:?}");
    let after = every_date(&d);
    let withdrawal = "2026-11-30T18:00:00+07:00";
    for page in [
        month,
        "/sitemaps/pages.xml",
        "/",
        "/categories/thong-bao",
        "/tags/ocop",
    ] {
        assert_eq!(
            after.get(page).map(String::as_str),
            Some(withdrawal),
            "{page}"
        );
    }
    never_back(&before, &after, &[]);

    // An article of `thong-bao` older than another, and than the store's
    // newest: it heads no list, and its withdrawal dates those pages.
    let pages_etag = etag("/sitemaps/pages.xml");
    let old = "thong-bao/lich-tiep-cong-dan-thang-6-2021.txt";
    withdraw(
        &store,
        old,
        "Thứ hai - 31/05/2021 16:00",
        "01/12/2026 09:00",
    );
    d.wait_until("the pages sitemap changes", || {
        etag("/sitemaps/pages.xml") != pages_etag
    });
    let last = every_date(&d);
    let withdrawal = "2026-12-01T09:00:00+07:00";
    for page in ["/sitemaps/pages.xml", "/", "/categories/thong-bao"] {
        assert_eq!(
            last.get(page).map(String::as_str),
            Some(withdrawal),
            "{page}"
        );
    }
    // Its month had no other article: no longer listed.
    never_back(&after, &last, &["/sitemaps/2021-05.xml"]);

    let out = build(&store);
    let written = std::fs::read(out.path().join("sitemap.xml")).unwrap();
    assert_eq!(written, d.get("/sitemap.xml", &[]).body);
    let written = std::fs::read(out.path().join("sitemaps/pages.xml")).unwrap();
    assert_eq!(written, d.get("/sitemaps/pages.xml", &[]).body);
}

/// The reviewer's steps: the newest article of the sample store (14 June
/// 2025) is withdrawn. The news sitemap's two days then run up to the
/// newest article still listed (21 April 2025), as if the withdrawn one
/// had never been: not empty until a newer article arrives (for decades,
/// were the withdrawn one's year a typo). `bantin build` writes the same.
#[test]
fn withdrawing_the_newest_article_moves_the_news_window_to_the_newest_listed() {
    let store = TempStore::new();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let newest = "van-hoa-xa-hoi/the-thao/cau-long-cong-nhan-vien-chuc-2025.txt";
    for rel in [
        newest,
        "van-hoa-xa-hoi/giao-duc/ngay-hoi-doc-sach-2025.txt",
        "tin-tuc/thoi-su/sap-xep-don-vi-hanh-chinh-cap-xa-2025.txt",
    ] {
        let to = store.store().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(manifest.join("feeds").join(rel), to).unwrap();
    }
    let d = store.start();
    let xml = "application/xml; charset=utf-8";
    let listed = |d: &Daemon| -> Vec<String> {
        let news = fetch(d, "/news-sitemap.xml", xml);
        let locs = texts(&news, "loc");
        locs.iter().map(|l| path_of(l).to_owned()).collect()
    };
    assert_eq!(
        listed(&d),
        ["/articles/van-hoa-xa-hoi/the-thao/cau-long-cong-nhan-vien-chuc-2025"]
    );
    let etag = || {
        d.get("/news-sitemap.xml", &[])
            .expect_header("etag")
            .to_owned()
    };
    let before = etag();

    withdraw(
        &store,
        newest,
        "2025-06-14T09:25:00+07:00",
        "15/06/2025 08:00",
    );
    d.wait_until("the news sitemap changes", || etag() != before);
    // 18 April 19:40 is more than two days before 21 April 08:55.
    assert_eq!(
        listed(&d),
        ["/articles/van-hoa-xa-hoi/giao-duc/ngay-hoi-doc-sach-2025"]
    );
    let news = fetch(&d, "/news-sitemap.xml", xml);
    assert_eq!(
        texts(&news, "news:publication_date"),
        ["2025-04-21T08:55:00+07:00"]
    );

    let out = build(&store);
    let written = std::fs::read(out.path().join("news-sitemap.xml")).unwrap();
    assert_eq!(written, news);
}

/// An article whose URL is longer than the 2,047 characters a sitemap may list
/// (an id of some 750 bytes of Vietnamese letters, nine characters each once
/// percent-encoded) is served, and left out of the month's sitemap and the
/// news sitemap, which list its neighbour; `bantin check` says why.
#[test]
fn an_article_whose_url_is_too_long_for_a_sitemap_is_left_out_of_them() {
    let store = TempStore::new();
    let deep = ["ờ".repeat(80), "ố".repeat(80), "ữ".repeat(80)].join("/");
    let text = |title: &str| {
        format!("Trang nhất » Thông báo\n\n{title}\n\n20/11/2026 08:00\nNội dung của {title}.\n")
    };
    let long = store.store().join(&deep).join("bai.txt");
    std::fs::create_dir_all(long.parent().unwrap()).unwrap();
    std::fs::write(&long, text("Bài có địa chỉ dài")).unwrap();
    std::fs::write(store.store().join("ngan.txt"), text("Bài có địa chỉ ngắn")).unwrap();
    let long_path = format!(
        "/articles/{}",
        format!("{deep}/bai")
            .split('/')
            .map(
                |p| percent_encoding::utf8_percent_encode(p, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
            )
            .collect::<Vec<_>>()
            .join("/")
    );
    assert!(BASE_URL.len() + long_path.len() > 2047);

    let d = store.start();
    let page = d.get(&long_path, &[]);
    assert_eq!(page.status, 200, "{long_path}");
    assert!(page.text().contains("Bài có địa chỉ dài"));
    let xml = "application/xml; charset=utf-8";
    let month = fetch(&d, "/sitemaps/2026-11.xml", xml);
    let news = fetch(&d, "/news-sitemap.xml", xml);
    for (what, body) in [("month", &month), ("news", &news)] {
        let locs = texts(body, "loc");
        assert_eq!(locs, [format!("{BASE_URL}/articles/ngan")], "{what}");
        assert!(locs.iter().all(|l| l.len() <= 2047));
    }

    let (_, lines) = common::check_json(Some(&store.config()), &[&long]);
    let warnings = lines[0]["warnings"].to_string();
    assert!(
        warnings.contains("over the 2047 a sitemap may list, so the sitemaps leave it out"),
        "{warnings}"
    );
}
