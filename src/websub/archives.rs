//! Which archive documents (RFC 5005 §4, one per feed and month) a change to
//! some articles altered: the topics to ping for them, found from the indexes.
//!
//! Archives are rendered on demand, so there are no bytes before and after to
//! compare as [`changed_feeds`](super::changed_feeds) does; and an update
//! must cost what the changed articles cost, never a pass over every month.
//! What an archive's bytes are made from ([`crate::site::archive`]) says where
//! to look: its feed's title and description, the months next to it that have
//! articles, and its articles. So a change alters
//!
//! - the month of each changed article (its version before and after) in every
//!   chain it is or was in: all articles, its category and that category's
//!   ancestors ([`Index::feeds_of`]), each of its tags and its author;
//! - when such a month enters or leaves a chain (its first article came or its
//!   last went), the months next to it in that chain, before and after, whose
//!   `prev-archive`/`next-archive` links now skip or name it. Any month whose
//!   neighbour changed is found so: a neighbour changes only when a month
//!   between the old and the new one enters or leaves;
//! - every month of a category whose title or description changed (a display
//!   name that changed with the spellings counted, a slug that passed to
//!   another folder, a category that came or went): its path and name are in
//!   every one of its archives. Likewise every month of a tag or author whose
//!   name changed: only a changed article can change a term's name (the
//!   spellings counted) or hand its slug to another name (an older article
//!   takes a contested slug), and a name that moved is followed to its
//!   slug on the other side, so this costs the terms the change reached.

use std::collections::BTreeSet;

use chrono_tz::Tz;

use crate::history::{self, Chain, Month};
use crate::index::Index;
use crate::render::Format;
use crate::site::archive::{self, links_newer};
use crate::taxonomy::Kind;

/// The absolute URLs of the archive documents, in every format, whose bytes a
/// change at `ids` (from `before` to `after`) altered, or that it made appear
/// or go; months are calendar months in `tz`. Sorted, each once.
pub fn changed_archives(
    before: &Index,
    after: &Index,
    ids: &BTreeSet<String>,
    tz: Tz,
    base_url: &str,
) -> Vec<String> {
    let mut every_format = months_of_articles(before, after, ids, tz);
    let retitled = retitled(before, after)
        .into_iter()
        .map(|slug| Chain::Category(Some(slug.to_owned())))
        .chain(renamed_terms(before, after, ids));
    for chain in retitled {
        for index in [before, after] {
            let months = history::chain_months(index, &chain, tz).unwrap_or_default();
            every_format.extend(months.into_iter().map(|m| (chain.clone(), m)));
        }
    }
    let relinked = relinked_months(before, after, &every_format, tz);
    let older = relinked.older.iter().chain(&every_format);
    let formats = |newer: bool| {
        Format::ALL
            .into_iter()
            .filter(move |f| !newer || links_newer(*f))
    };
    older
        .flat_map(|a| formats(false).map(move |f| (a, f)))
        .chain(
            relinked
                .newer
                .iter()
                .flat_map(|a| formats(true).map(move |f| (a, f))),
        )
        .map(|((chain, month), format)| {
            format!("{base_url}{}", archive::path(chain, *month, format))
        })
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect()
}

/// One feed's archive of one month.
type Archive = (Chain, Month);

/// The month of every changed article, before and after, in each chain it is
/// in then. An article whose entry is the same on both sides (a file read
/// again unchanged) alters nothing.
fn months_of_articles(
    before: &Index,
    after: &Index,
    ids: &BTreeSet<String>,
    tz: Tz,
) -> BTreeSet<Archive> {
    let mut archives = BTreeSet::new();
    for id in ids {
        let (old, new) = (before.get(id), after.get(id));
        if let (Some(old), Some(new)) = (old, new) {
            if old.same_article(new) {
                continue;
            }
        }
        for (index, entry) in [(before, old), (after, new)] {
            let Some(entry) = entry else { continue };
            let month = Month::of(entry.article.published.timestamp(), tz);
            archives.insert((Chain::Category(None), month));
            for slug in index.feeds_of(id) {
                archives.insert((Chain::Category(Some(slug.to_owned())), month));
            }
            for chain in terms_of(index, &entry.article) {
                archives.insert((chain, month));
            }
        }
    }
    archives
}

/// The archives whose link to a month next to them appeared or went.
#[derive(Debug, Default)]
struct Relinked {
    /// Their older neighbour changed: a link every format has.
    older: BTreeSet<Archive>,
    /// Their newer neighbour changed: a link only some formats have
    /// ([`links_newer`]).
    newer: BTreeSet<Archive>,
}

/// The months next to each of `archives` that entered or left its chain, on
/// either side of the change: their links to it appeared or went.
fn relinked_months(
    before: &Index,
    after: &Index,
    archives: &BTreeSet<Archive>,
    tz: Tz,
) -> Relinked {
    let mut relinked = Relinked::default();
    for (chain, month) in archives {
        let was = history::chain_place(before, chain, *month, tz);
        let is = history::chain_place(after, chain, *month, tz);
        if was.held == is.held {
            continue;
        }
        for n in [was.neighbours, is.neighbours] {
            // The month before it links forward to it, the month after back.
            if let Some(older) = n.older {
                relinked.newer.insert((chain.clone(), older));
            }
            if let Some(newer) = n.newer {
                relinked.older.insert((chain.clone(), newer));
            }
        }
    }
    relinked
}

/// The chains of the tags and the author of `article` in `index`.
fn terms_of(index: &Index, article: &crate::article::Article) -> Vec<Chain> {
    [Kind::Tag, Kind::Author]
        .into_iter()
        .flat_map(|kind| {
            let taxonomy = index.taxonomy(kind);
            kind.names(article)
                .into_iter()
                .filter_map(move |name| taxonomy.slug_of(name))
                .map(move |slug| Chain::Term(kind, slug.to_owned()))
        })
        .collect()
}

/// The tags and authors whose name (so their feeds' title and description)
/// differs between the two indexes, or that are in one only, among those a
/// change at `ids` can reach: the terms the changed articles carry on either
/// side, and, for each term found renamed, the slugs its old and new names
/// have on the other side (a slug handed to another name moves the name that
/// had it), until no new one turns up.
pub(super) fn renamed_terms(
    before: &Index,
    after: &Index,
    ids: &BTreeSet<String>,
) -> BTreeSet<Chain> {
    let mut todo: Vec<Chain> = Vec::new();
    for id in ids {
        for index in [before, after] {
            if let Some(e) = index.get(id) {
                todo.extend(terms_of(index, &e.article));
            }
        }
    }
    let mut seen: BTreeSet<Chain> = todo.iter().cloned().collect();
    let mut renamed = BTreeSet::new();
    while let Some(chain) = todo.pop() {
        let Chain::Term(kind, slug) = &chain else {
            continue;
        };
        let name = |index: &Index| index.taxonomy(*kind).get(slug).map(|t| t.name.clone());
        let (old, new) = (name(before), name(after));
        if old == new {
            continue;
        }
        let moved = [(old, after), (new, before)]
            .into_iter()
            .filter_map(|(name, index)| index.taxonomy(*kind).slug_of(&name?).map(str::to_owned))
            .map(|slug| Chain::Term(*kind, slug));
        for next in moved {
            if seen.insert(next.clone()) {
                todo.push(next);
            }
        }
        renamed.insert(chain);
    }
    renamed
}

/// The categories whose feed title or description may differ between the two
/// indexes (see [`crate::site::feed_title`]: both are made from the path of
/// display names, and an override in the config is the same on both sides),
/// or that are in one only. A comparison of the category trees, as
/// [`Index::updated`] makes on every update: categories are few.
fn retitled<'a>(before: &'a Index, after: &'a Index) -> BTreeSet<&'a str> {
    let (old, new) = (before.categories(), after.categories());
    let differs = |slug: &str| match (old.get(slug), new.get(slug)) {
        (Some(a), Some(b)) => a.name != b.name || a.path != b.path,
        _ => true,
    };
    old.keys()
        .chain(new.keys())
        .map(String::as_str)
        .filter(|slug| differs(slug))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh;

    use crate::article::{Article, Withdrawal};
    use crate::config::Config;
    use crate::index::{Entries, Entry};
    use crate::site::archive::{self, Request};
    use crate::site::on_demand::Rendered;

    const BASE: &str = "https://tin.example.vn";

    /// An article in `cats`, published at local noon on `y-m-d`, saved at
    /// `saved`; tagged `Bão lũ`, and by `Trần Ngọc` unless its id ends in an
    /// even digit, which tags it `Giá vàng` too.
    fn article(id: &str, cats: &[&str], (y, m, d): (i32, u32, u32), saved: u64) -> Entry {
        let at = Ho_Chi_Minh.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap();
        let mut a = Article::sample(id, cats, &format!("Bài {id}"), at.fixed_offset());
        a.paragraphs = vec![format!("Nội dung của bài {id}.")];
        a.tags = vec!["Bão lũ".into()];
        if id.ends_with(['0', '2', '4', '6', '8']) {
            a.tags.push("Giá vàng".into());
        } else {
            a.author = Some("Trần Ngọc".into());
        }
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(saved);
        Entry::full(Arc::new(a), Some(time))
    }

    const THOI_SU: &[&str] = &["Tin tức", "Thời sự"];
    const TONG_HOP: &[&str] = &["Tin tức", "Tổng hợp"];
    const KINH_TE: &[&str] = &["Kinh tế"];

    /// The store before every change: three categories, two levels; months
    /// with one article and months with several, gaps between them.
    fn store() -> BTreeMap<String, Entry> {
        [
            article("a1", THOI_SU, (2022, 5, 10), 1),
            article("a2", THOI_SU, (2022, 5, 20), 1),
            article("a3", TONG_HOP, (2022, 7, 1), 1),
            article("a4", KINH_TE, (2022, 9, 15), 1),
            article("a7", TONG_HOP, (2023, 1, 10), 1),
            article("a5", THOI_SU, (2025, 7, 20), 1),
            article("a6", KINH_TE, (2025, 7, 25), 1),
        ]
        .into_iter()
        .map(|e| (e.article.id.clone(), e))
        .collect()
    }

    /// `entry` edited: its article changed by `edit`, saved later.
    fn edited(entry: &Entry, edit: impl FnOnce(&mut Article)) -> Entry {
        let mut a = (*entry.article).clone();
        edit(&mut a);
        Entry::full(
            Arc::new(a),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(2)),
        )
    }

    /// Every archive document of `index`, each with what it serves: its
    /// ETag and bytes, through the code the server answers with.
    fn served(cfg: &Arc<Config>, index: &Index) -> BTreeMap<String, (String, Vec<u8>)> {
        let slugs = std::iter::once(None).chain(index.categories().keys().map(Some));
        let mut chains: Vec<Chain> = slugs.map(|s| Chain::Category(s.cloned())).collect();
        for kind in [Kind::Tag, Kind::Author] {
            let terms = index.taxonomy(kind).terms().keys();
            chains.extend(terms.map(|slug| Chain::Term(kind, slug.clone())));
        }
        let mut out = BTreeMap::new();
        for chain in chains {
            for month in history::chain_months(index, &chain, cfg.tz).unwrap() {
                for format in Format::ALL {
                    let req = Request {
                        chain: chain.clone(),
                        month,
                        format,
                    };
                    let hydrate: archive::Hydrate = Box::new(|e| Some(e.article.clone()));
                    let prepared = archive::prepare(cfg, index, &req, hydrate).unwrap();
                    let etag = prepared.tags.etag(crate::site::Coding::Identity);
                    let Ok(Rendered::Exact(bytes)) = (prepared.render)() else {
                        panic!("{} did not render exactly", req.path());
                    };
                    out.insert(format!("{BASE}{}", req.path()), (etag, bytes));
                }
            }
        }
        out
    }

    /// The archive URLs whose served ETag or bytes differ between the two
    /// indexes, or that are served by one only.
    fn really_changed(cfg: &Arc<Config>, before: &Index, after: &Index) -> Vec<String> {
        let (old, new) = (served(cfg, before), served(cfg, after));
        let urls: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        urls.into_iter()
            .filter(|url| {
                let (a, b) = (old.get(*url), new.get(*url));
                // The ETag stands for the bytes: never one changed without the other.
                if let (Some(a), Some(b)) = (a, b) {
                    assert_eq!(a.0 == b.0, a.1 == b.1, "{url}: ETag and bytes disagree");
                }
                a != b
            })
            .cloned()
            .collect()
    }

    /// Applies `change` to the store, updates the index as the daemon does,
    /// and checks that the archives said to change are exactly those whose
    /// served bytes changed; returns them.
    fn check(case: &str, change: impl FnOnce(&mut BTreeMap<String, Entry>)) -> Vec<String> {
        let cfg =
            Arc::new(Config::from_toml(&format!("[site]\nbase_url = \"{BASE}\""), None).unwrap());
        let mut entries = store();
        let before = Index::new(entries.clone().into_iter().collect());
        let old = entries.clone();
        change(&mut entries);
        let ids: BTreeSet<String> = old
            .keys()
            .chain(entries.keys())
            .filter(|id| match (old.get(*id), entries.get(*id)) {
                (Some(a), Some(b)) => !a.same_as(b),
                _ => true,
            })
            .cloned()
            .collect();
        let all: Entries = entries.into_iter().collect();
        let after = before.updated(all, &ids);
        let said = changed_archives(&before, &after, &ids, cfg.tz, BASE);
        let real = really_changed(&cfg, &before, &after);
        assert_eq!(
            said, real,
            "{case}: said changed, left; really changed, right"
        );
        real
    }

    /// The category archives (and of all articles) among `urls`.
    fn of_categories(urls: Vec<String>) -> Vec<String> {
        let prefix = format!("{BASE}/archive/");
        urls.into_iter()
            .filter(|u| u.starts_with(&prefix))
            .collect()
    }

    /// The three formats of the archive of `slug` (empty: all) in `month`.
    fn urls(archives: &[(&str, &str)]) -> Vec<String> {
        let mut out: Vec<String> = archives
            .iter()
            .flat_map(|(slug, month)| {
                let slug = (!slug.is_empty()).then_some(*slug);
                Format::ALL.into_iter().map(move |f| {
                    format!(
                        "{BASE}{}",
                        crate::render::archive_path(slug, month.parse().unwrap(), f)
                    )
                })
            })
            .collect();
        out.sort();
        out
    }

    fn add(entries: &mut BTreeMap<String, Entry>, e: Entry) {
        entries.insert(e.article.id.clone(), e);
    }

    #[test]
    fn a_new_article_in_the_newest_month() {
        let changed = check("newest month", |s| {
            add(s, article("n", KINH_TE, (2025, 7, 28), 2));
        });
        assert_eq!(
            of_categories(changed.clone()),
            urls(&[("", "2025-07"), ("kinh-te", "2025-07")])
        );
        // `n`, by Trần Ngọc, is tagged Bão lũ: their July archives grow.
        assert!(changed.contains(&format!("{BASE}/tags/bao-lu/2025-07.rss")));
        assert!(changed.contains(&format!("{BASE}/authors/tran-ngoc/2025-07.atom")));
        assert!(!changed.iter().any(|u| u.contains("/gia-vang/")));
    }

    #[test]
    fn a_new_article_in_a_new_month_changes_the_newest_archive() {
        // July gains `next-archive` in Atom and RSS; JSON Feed links back only.
        let changed = check("new newest month", |s| {
            add(s, article("n", THOI_SU, (2025, 8, 2), 2));
        });
        let mut expected = urls(&[
            ("", "2025-07"),
            ("", "2025-08"),
            ("tin-tuc", "2025-07"),
            ("tin-tuc", "2025-08"),
            ("tin-tuc/thoi-su", "2025-07"),
            ("tin-tuc/thoi-su", "2025-08"),
        ]);
        expected.retain(|u| !u.ends_with("2025-07.json"));
        assert_eq!(of_categories(changed.clone()), expected);
        // Bão lũ's July gains `next-archive` (not in JSON Feed).
        assert!(changed.contains(&format!("{BASE}/tags/bao-lu/2025-07.atom")));
        assert!(!changed.contains(&format!("{BASE}/tags/bao-lu/2025-07.json")));
        assert!(changed.contains(&format!("{BASE}/authors/tran-ngoc/2025-08.json")));
        assert!(!changed.iter().any(|u| u.contains("/gia-vang/")));
    }

    #[test]
    fn a_new_article_in_an_old_month() {
        check("old month", |s| {
            add(s, article("n", THOI_SU, (2022, 5, 15), 2));
        });
    }

    #[test]
    fn a_new_article_in_a_month_without_any_links_it_in() {
        let changed = check("empty month", |s| {
            add(s, article("n", TONG_HOP, (2022, 6, 15), 2));
        });
        // June enters every chain between May and July; Tổng hợp had no May.
        assert!(changed.contains(&format!("{BASE}/archive/2022-05.atom")));
        assert!(changed.contains(&format!("{BASE}/archive/tin-tuc/tong-hop/2022-07.rss")));
        assert!(!changed.contains(&format!("{BASE}/archive/tin-tuc/thoi-su/2022-05.rss")));
    }

    #[test]
    fn a_correction_and_a_withdrawal_of_old_articles() {
        let later = Ho_Chi_Minh.with_ymd_and_hms(2025, 8, 1, 9, 0, 0).unwrap();
        let changed = check("correction", |s| {
            let a1 = edited(&s["a1"], |a| {
                a.updated = Some(later.fixed_offset());
                a.paragraphs = vec!["Nội dung đã sửa.".into()];
            });
            add(s, a1);
        });
        assert_eq!(
            of_categories(changed),
            urls(&[
                ("", "2022-05"),
                ("tin-tuc", "2022-05"),
                ("tin-tuc/thoi-su", "2022-05"),
            ])
        );
        check("withdrawal", |s| {
            let a4 = edited(&s["a4"], |a| {
                a.withdrawn = Some(Withdrawal {
                    at: later.fixed_offset(),
                    reason: Some("Sai số liệu".into()),
                });
            });
            add(s, a4);
        });
    }

    #[test]
    fn an_article_moved_to_another_category() {
        // Tổng hợp loses its only July article, Thời sự gains a month.
        check("moved", |s| {
            let a3 = edited(&s["a3"], |a| {
                a.categories = vec!["Tin tức".into(), "Thời sự".into()]
            });
            add(s, a3);
        });
    }

    #[test]
    fn the_last_article_of_a_month_deleted() {
        let changed = check("deleted", |s| {
            s.remove("a4");
        });
        // September leaves both its chains; its neighbours link past it.
        assert!(changed.contains(&format!("{BASE}/archive/2022-07.atom")));
        assert!(!changed.contains(&format!("{BASE}/archive/2022-07.json")));
        assert!(changed.contains(&format!("{BASE}/archive/2023-01.json")));
        assert!(changed.contains(&format!("{BASE}/archive/kinh-te/2025-07.json")));
        check("two deleted", |s| {
            s.remove("a3");
            s.remove("a7");
        });
    }

    #[test]
    fn an_article_dated_into_another_month() {
        check("redated", |s| {
            let at = Ho_Chi_Minh.with_ymd_and_hms(2024, 12, 1, 0, 0, 0).unwrap();
            let a5 = edited(&s["a5"], |a| a.published = at.fixed_offset());
            add(s, a5);
        });
        check("one month in, one out, at once", |s| {
            s.remove("a3");
            add(s, article("n", TONG_HOP, (2022, 8, 15), 2));
        });
    }

    #[test]
    fn a_category_renamed_changes_every_month_of_it() {
        // Two spellings "KINH TẾ" against two "Kinh tế": the display name
        // changes, and with it the title of 2022-09, which no change touched.
        let changed = check("renamed", |s| {
            add(s, article("n1", &["KINH TẾ"], (2025, 8, 1), 2));
            add(s, article("n2", &["KINH TẾ"], (2025, 8, 2), 2));
        });
        assert!(changed.contains(&format!("{BASE}/archive/kinh-te/2022-09.atom")));
        // A new folder whose oldest article is older than Thời sự's takes
        // the slug `thoi-su`, and Thời sự becomes `thoi-su-2`.
        let changed = check("slug taken", |s| {
            add(s, article("n", &["Tin tức", "Thoi su"], (2020, 1, 1), 2));
        });
        assert!(changed.contains(&format!("{BASE}/archive/tin-tuc/thoi-su-2/2025-07.atom")));
    }

    #[test]
    fn a_term_renamed_or_its_slug_taken() {
        // Eight spellings "BÃO LŨ" outvote the seven others: every month of
        // the tag is retitled, though no article of 2022 changed.
        let changed = check("tag renamed", |s| {
            for day in 1..=8 {
                let mut e = article(&format!("r{day}"), KINH_TE, (2025, 8, day), 2);
                Arc::make_mut(&mut e.article).tags = vec!["BÃO LŨ".into()];
                add(s, e);
            }
        });
        assert!(changed.contains(&format!("{BASE}/tags/bao-lu/2022-05.atom")));
        // An older article whose author folds to the same slug takes it:
        // Trần Ngọc's archives move to `tran-ngoc-2`.
        let changed = check("author slug taken", |s| {
            let mut e = article("t1", KINH_TE, (2020, 1, 1), 2);
            Arc::make_mut(&mut e.article).author = Some("Tran Ngoc".into());
            add(s, e);
        });
        assert!(changed.contains(&format!("{BASE}/authors/tran-ngoc-2/2022-05.rss")));
        assert!(changed.contains(&format!("{BASE}/authors/tran-ngoc/2022-05.rss")));
    }

    #[test]
    fn a_term_feed_renamed_by_an_old_article_is_pinged() {
        let mut entries = store();
        let before = Index::new(entries.clone().into_iter().collect());
        // Eight old articles spelling the tag "BÃO LŨ" outvote the seven
        // others: the tag's name, and so its feed's title, changes, though
        // none of them is among the feed's newest two items.
        let mut ids = BTreeSet::new();
        for day in 1..=8 {
            let mut e = article(&format!("r{day}"), KINH_TE, (2019, 8, day), 2);
            Arc::make_mut(&mut e.article).tags = vec!["BÃO LŨ".into()];
            ids.insert(e.article.id.clone());
            entries.insert(e.article.id.clone(), e);
        }
        let after = before.updated(entries.into_iter().collect(), &ids);
        let name = |index: &Index| {
            index
                .taxonomy(Kind::Tag)
                .get("bao-lu")
                .unwrap()
                .name
                .clone()
        };
        assert_ne!(name(&before), name(&after), "the tag was not renamed");
        let pinged = crate::websub::changed_term_feeds(&before, &after, &ids, 2, BASE);
        for ext in ["rss", "atom", "json"] {
            let feed = format!("{BASE}/tags/bao-lu.{ext}");
            assert!(pinged.contains(&feed), "{feed} not in {pinged:?}");
        }
        // Its other tag's feed, not renamed and not reached, is not.
        assert!(!pinged.iter().any(|u| u.contains("gia-vang")), "{pinged:?}");
    }

    #[test]
    fn an_unchanged_article_read_again_changes_nothing() {
        let cfg = Config::from_toml("", None).unwrap();
        let index = Index::new(store().into_iter().collect());
        let ids = BTreeSet::from(["a1".to_owned(), "a6".to_owned()]);
        let again = index.updated(index.entries().clone(), &ids);
        assert!(changed_archives(&index, &again, &ids, cfg.tz, BASE).is_empty());
    }
}
