//! A feed spliced from its items' bytes (`render::splice`) is byte for byte the
//! document the writer crates write whole (`render::document`): over the golden
//! stores (corrections and withdrawals included) and a generated store, for every
//! feed, in every format, live and archived, with and without WebSub hubs, and
//! with items both whole and cut to their lead by `max_item_bytes`; and a site
//! updated from the items it kept serves what a fresh build serves.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

#[path = "../benches/support/generator.rs"]
#[allow(dead_code)]
mod generator;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bantin::article::{self, Article};
use bantin::catalog::{self, Catalog};
use bantin::config::Config;
use bantin::history::Month;
use bantin::index::{Entries, Entry, Index};
use bantin::render::{self, FeedView, Format, History};
use bantin::site::{in_memory, Scope, Site};
use chrono_tz::Asia::Ho_Chi_Minh;

fn golden(which: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(which)
}

/// The store at `dir`, with every entry's full article read back.
fn read_store(dir: &Path) -> Index {
    let cfg = Config::from_toml("", None).unwrap();
    let catalog = Catalog::scan(dir, cfg.max_file_size, cfg.tz).unwrap();
    assert_eq!(catalog.rejected_count(), 0, "{}", dir.display());
    let entries: Entries = catalog
        .entries
        .iter()
        .map(|(id, e)| {
            let full = catalog::hydrate(e, cfg.max_file_size, cfg.tz).unwrap();
            (id.clone(), Entry::full(full, e.modified))
        })
        .collect();
    Index::new(entries)
}

/// Articles `0..n` of the benches' generator (seed 7), parsed in memory.
fn generated(n: u64) -> Index {
    let entries: Entries = (0..n)
        .map(|i| {
            let g = generator::article(7, i);
            let id = g.path.trim_end_matches(".txt").to_owned();
            let clean = bantin::text::decode(&g.bytes).unwrap();
            let src = article::Source {
                id: &id,
                folder: None,
                modified: None,
                tz: Ho_Chi_Minh,
            };
            let parsed = article::parse(&clean.text, &src).unwrap().article;
            (id, Entry::full(Arc::new(parsed), None))
        })
        .collect();
    Index::new(entries)
}

/// Every way a feed document stands in its history that the renderers tell apart.
fn histories() -> [History; 3] {
    let (old, mid, new) = (
        Month {
            year: 2019,
            month: 12,
        },
        Month {
            year: 2020,
            month: 1,
        },
        Month {
            year: 2020,
            month: 2,
        },
    );
    [
        History::default(),
        History {
            prev: Some(new),
            ..History::default()
        },
        History {
            archive: Some(mid),
            prev: Some(old),
            next: Some(new),
        },
    ]
}

/// The spliced document of `view` in `format`.
fn spliced(view: &FeedView<'_>, format: Format) -> Vec<u8> {
    let items: Vec<Vec<u8>> = view
        .items
        .iter()
        .filter(|e| render::has_item(e))
        .map(|e| render::item_bytes(view, format, e).unwrap())
        .collect();
    let refs: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
    render::splice(view, format, &refs).unwrap()
}

/// Asserts splice = whole for every feed of `index` in every variant; returns
/// how many documents were compared.
fn assert_identical(index: &Index, max_item_bytes: &[usize]) -> usize {
    let cfg = Config::from_toml("", None).unwrap();
    let hubs = [
        "https://hub.example/a?x=1&y=\"2\"".to_owned(),
        "https://hub.example/b".to_owned(),
    ];
    let slugs = std::iter::once(None).chain(index.categories().keys().map(|s| Some(s.as_str())));
    let mut compared = 0;
    for slug in slugs {
        let items = index.select(slug, cfg.items_for(slug));
        // The empty feed, too.
        let none: Vec<Entry> = Vec::new();
        for items in [&items, &none] {
            for &max in max_item_bytes {
                for history in histories() {
                    for hubs in [&[][..], &hubs[..]] {
                        let view = FeedView {
                            site: &cfg.site,
                            of: render::Of::Category(slug),
                            title: "Tin <mới> & \"nóng\"".to_owned(),
                            description: String::new(),
                            ttl: 15,
                            items,
                            max_item_bytes: max,
                            hubs,
                            history,
                            // A floor for the feed's date: the empty
                            // feed takes it, one with items the later.
                            as_of: Some(
                                chrono::DateTime::parse_from_rfc3339("2020-05-11T08:00:00+07:00")
                                    .unwrap(),
                            ),
                        };
                        for format in Format::ALL {
                            let whole = render::document(&view, format).unwrap();
                            let spliced = spliced(&view, format);
                            assert!(
                                whole == spliced,
                                "{format:?} of {slug:?} ({history:?}, max {max}, {} hubs) \
                                 differs when spliced:\nwhole:   {}\nspliced: {}",
                                hubs.len(),
                                String::from_utf8_lossy(&whole),
                                String::from_utf8_lossy(&spliced),
                            );
                            compared += 1;
                        }
                    }
                }
            }
        }
    }
    compared
}

#[test]
fn the_golden_stores_splice_to_the_whole_documents() {
    for store in ["tests/golden/store", "tests/golden/corrections/store"] {
        let index = read_store(&golden(store));
        assert!(index.entries().len() >= 3, "{store}");
        // 1024: the smallest limit, under which the longer articles are cut.
        assert!(assert_identical(&index, &[256 * 1024, 1024]) > 0);
    }
}

#[test]
fn the_corrections_store_has_what_splicing_must_get_right() {
    let index = read_store(&golden("tests/golden/corrections/store"));
    let articles: Vec<&Article> = index.entries().values().map(|e| &*e.article).collect();
    assert!(articles.iter().any(|a| a.withdrawn.is_some()));
    assert!(articles.iter().any(|a| a.updated.is_some()));
}

#[test]
fn a_generated_store_splices_to_the_whole_documents() {
    let index = generated(400);
    assert!(index.categories().len() > 10);
    assert!(assert_identical(&index, &[256 * 1024, 1024]) > 0);
}

/// The feeds of `site`, path and bytes, sorted.
fn feeds(site: &Site) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = site
        .resources
        .iter()
        .filter(|(_, r)| Format::of_content_type(r.content_type).is_some())
        .map(|(p, r)| (p.clone(), r.identity.bytes.to_vec()))
        .collect();
    v.sort();
    v
}

/// Asserts that `updated` serves the feeds a fresh build of its index serves.
fn assert_as_built(cfg: &Config, updated: &Site, what: &str) {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000);
    let (fresh, errors) = Site::build(cfg, updated.index.clone(), now, &in_memory);
    assert!(errors.is_empty(), "{errors:?}");
    let (a, b) = (feeds(updated), feeds(&fresh));
    assert_eq!(a.len(), b.len(), "{what}");
    for ((path, bytes), (_, built)) in a.iter().zip(&b) {
        assert!(bytes == built, "{what}: {path} differs from a fresh build");
    }
}

#[test]
fn updates_spliced_from_kept_items_serve_what_a_fresh_build_serves() {
    let cfg = Config::from_toml("", None).unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let index = Arc::new(generated(300));
    let (mut site, errors) = Site::build(&cfg, index.clone(), now, &in_memory);
    assert!(errors.is_empty(), "{errors:?}");
    let newest = index.select(None, 3);
    let mut entries = index.entries().clone();
    // An edit of the newest article, a withdrawal of the next, a new article.
    let mut edited = (*newest[0].article).clone();
    edited.title.push_str(" (cập nhật)");
    edited.paragraphs.push("Thêm một đoạn.".to_owned());
    entries.insert(edited.id.clone(), Entry::full(Arc::new(edited), None));
    let mut gone = (*newest[1].article).clone();
    gone.withdrawn = Some(article::Withdrawal {
        at: gone.published,
        reason: Some("Sai <sự thật> & trùng".to_owned()),
    });
    entries.insert(gone.id.clone(), Entry::full(Arc::new(gone), None));
    let mut added = (*newest[2].article).clone();
    added.id = format!("{}-moi", added.id);
    added.title = "Bài mới".to_owned();
    entries.insert(added.id.clone(), Entry::full(Arc::new(added), None));
    for (n, changes) in [entries.clone(), index.entries().clone()]
        .into_iter()
        .enumerate()
    {
        let next = Arc::new(Index::new(changes));
        let (updated, errors) = site.update(&cfg, next, now, Scope::Changed, &in_memory);
        assert!(errors.is_empty(), "{errors:?}");
        assert_as_built(&cfg, &updated, &format!("update {n}"));
        site = updated;
    }
    // A new configuration: every kept item names the old base URL.
    let moved = Config::from_toml("[site]\nbase_url = \"https://moi.example\"\n", None).unwrap();
    let (updated, errors) = site.update(&moved, index, now, Scope::Everything, &in_memory);
    assert!(errors.is_empty(), "{errors:?}");
    assert_as_built(&moved, &updated, "the new configuration");
    let rss = &updated.resources["/feed.rss"].identity.bytes;
    assert!(!String::from_utf8_lossy(rss).contains(&cfg.site.base_url));
}

/// Every resource of `site` (feeds, pages, sitemaps), by path.
fn every_resource(site: &Site) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = site
        .resources
        .iter()
        .map(|(p, r)| (p.clone(), r.identity.bytes.to_vec()))
        .collect();
    v.sort();
    v
}

/// An article's new entry, by id (`None`: deleted).
type Change = (String, Option<Entry>);

/// A change at some ids, applied as the daemon applies it: the index updated
/// at those ids only, the site with `Site::update_at`, which selects again only
/// the feeds the ids were or are in and renders only the pages they can touch.
#[test]
fn updates_at_changed_ids_serve_what_a_fresh_build_serves() {
    let cfg = Config::from_toml("", None).unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let index = Arc::new(generated(300));
    let (mut site, errors) = Site::build(&cfg, index.clone(), now, &in_memory);
    assert!(errors.is_empty(), "{errors:?}");
    let newest = index.select(None, 60);
    let oldest = index.select(None, usize::MAX).last().unwrap().clone();
    let with = |e: &Entry, f: &dyn Fn(&mut Article)| {
        let mut a = (*e.article).clone();
        f(&mut a);
        (a.id.clone(), Some(Entry::full(Arc::new(a), None)))
    };
    // An article of another category than newest[4]'s, to move it there.
    let elsewhere = newest
        .iter()
        .find(|e| e.article.categories != newest[4].article.categories)
        .unwrap()
        .article
        .categories
        .clone();
    let older_than_all = oldest.article.published - chrono::TimeDelta::days(1);
    let newer_than_all = newest[0].article.published + chrono::TimeDelta::minutes(1);
    let steps: Vec<(&str, Vec<Change>)> = vec![
        (
            "an edit of the newest",
            vec![with(&newest[0], &|a| a.title.push_str(" (cập nhật)"))],
        ),
        (
            "an article moved to another category",
            vec![with(&newest[4], &|a| a.categories = elsewhere.clone())],
        ),
        (
            "a date that moves the newest out of the newest 50",
            vec![with(&newest[0], &|a| a.published = older_than_all)],
        ),
        (
            "the oldest article made the newest",
            vec![with(&oldest, &|a| a.published = newer_than_all)],
        ),
        (
            "a withdrawal",
            vec![with(&newest[2], &|a| {
                a.withdrawn = Some(article::Withdrawal {
                    at: a.published,
                    reason: Some("Sai sự thật".to_owned()),
                })
            })],
        ),
        ("a delete", vec![(newest[3].article.id.clone(), None)]),
        (
            "a new tag on an article just out of the all-articles feed",
            vec![with(&newest[55], &|a| {
                a.tags.push("Từ khóa mới".to_owned())
            })],
        ),
        (
            "an article in a new category, with an edit beside it",
            vec![
                with(&newest[6], &|a| {
                    a.id = "moi/bai-moi".to_owned();
                    a.categories = vec!["Chuyên mục mới".to_owned()];
                }),
                with(&newest[7], &|a| a.title.push_str(" (sửa)")),
            ],
        ),
    ];
    for (what, changes) in steps {
        site = step(&cfg, now, site, what, changes);
    }
    // Lists that leave withdrawn articles out: the front page shows the
    // newest 30 listed, the pages sitemap dates `/` by the newest listed.
    let withdraw = |a: &mut Article| {
        a.withdrawn = Some(article::Withdrawal {
            at: a.published,
            reason: None,
        })
    };
    let first = site.index.select(None, 1)[0].clone();
    site = step(
        &cfg,
        now,
        site,
        "a withdrawal of the newest",
        vec![with(&first, &withdraw)],
    );
    let listed = site.index.select_listed(None, 30);
    let steps: Vec<(&str, Vec<Change>)> = vec![
        (
            "a correction of the newest listed, after a withdrawn one",
            vec![with(&listed[0], &|a| {
                a.updated = Some(a.published + chrono::TimeDelta::hours(1))
            })],
        ),
        (
            "an edit of the 30th listed, on the front page past withdrawn ones",
            vec![with(&listed[29], &|a| a.title.push_str(" (sửa)"))],
        ),
    ];
    for (what, changes) in steps {
        site = step(&cfg, now, site, what, changes);
    }
}

/// Applies `changes` to `site` as the daemon does (the index updated at
/// their ids, then `Site::update_at`) and asserts that it serves what a
/// fresh build of the same index serves.
fn step(cfg: &Config, now: SystemTime, site: Site, what: &str, changes: Vec<Change>) -> Site {
    let mut entries = site.index.entries().clone();
    let mut ids = std::collections::BTreeSet::new();
    for (id, entry) in changes {
        match entry {
            Some(e) => entries.insert(id.clone(), e),
            None => entries.remove(&id),
        };
        ids.insert(id);
    }
    let next = Arc::new(site.index.updated(entries, &ids));
    let (updated, errors) = site.update_at(cfg, next, now, &ids, &in_memory);
    assert!(errors.is_empty(), "{what}: {errors:?}");
    let (fresh, errors) = Site::build(cfg, updated.index.clone(), now, &in_memory);
    assert!(errors.is_empty(), "{what}: {errors:?}");
    let (a, b) = (every_resource(&updated), every_resource(&fresh));
    let paths = |v: &[(String, Vec<u8>)]| v.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&a), paths(&b), "{what}");
    for ((path, bytes), (_, built)) in a.iter().zip(&b) {
        assert!(bytes == built, "{what}: {path} differs from a fresh build");
    }
    updated
}
