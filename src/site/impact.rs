//! Which of the whole-index pages (front page, sitemaps) a change at some ids can touch.
//!
//! The tag and author sitemaps are not decided here: which of their parts a
//! change touches is told term by term ([`crate::render::term_sitemaps::at`]).
//!
//! An update knows the ids whose entries differ between two indexes of the
//! same category tree. A page rendered from the whole index is rendered again
//! only when one of those ids can change its bytes; every test here errs on
//! the side of rendering (a page whose bytes come out the same keeps its
//! resource anyway), never on the side of serving stale bytes.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono_tz::Tz;

use crate::history::Month;
use crate::index::{At, Index, SortKey};
use crate::render::sitemap::{MAX_URLS, NEWS_WINDOW};

use super::pages::CATEGORY_PAGE_ITEMS;

/// The whole-index pages a change touches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Impact {
    /// The front page: its newest articles or its months.
    pub front: bool,
    /// The news sitemap: its window of the newest articles.
    pub news: bool,
    /// The pages sitemap (the front and category pages): the first
    /// (newest) listed article of the store or of a category, which dates
    /// its page there, or a withdrawn article, whose withdrawal dates the
    /// pages it was taken off.
    pub pages: bool,
    /// The sitemaps of the changed articles' months: the first article of
    /// a month, which dates its sitemap and is how a month appears or
    /// empties, a place in a month long enough to be cut in parts, or a
    /// corrected or withdrawn article, whose correction may date its part.
    pub months: bool,
}

/// What a change at `ids` from `before` to `after` touches (both indexes
/// have the same category tree).
pub(super) fn of(before: &Index, after: &Index, ids: &BTreeSet<String>, tz: Tz) -> Impact {
    let mut impact = Impact::default();
    let (mut month_heads, mut list_heads) = (false, false);
    for id in ids {
        for index in [before, after] {
            let Some(key) = index.key(id) else {
                continue;
            };
            // One past what it shows: whether there are more, it says.
            impact.front |= in_newest(index, key, CATEGORY_PAGE_ITEMS + 1);
            impact.news |= in_news_window(index, key);
            let heads_a_list = heads_a_list(index, id, key);
            list_heads |= heads_a_list;
            impact.pages |= heads_a_list || withdrawn(index, id);
            let heads_its_month = heads_or_splits_its_month(index, key, tz);
            month_heads |= heads_its_month;
            impact.months |= heads_its_month || marked(index, id);
        }
    }
    // A month appears or empties only by its first article, which
    // `heads_or_splits_its_month` found; the front page lists the months (a
    // correction, which dates a month's sitemap, does not change that list).
    // (An article heading a list is nearly always among the newest too; a
    // withdrawal of an older one dates the pages sitemap only.)
    impact.front |= month_heads || list_heads;
    impact
}

/// Whether `key` is among (or before) the newest `n` listed articles, which
/// the front page shows (withdrawn ones it leaves out).
fn in_newest(index: &Index, key: SortKey, n: usize) -> bool {
    let Some(all) = index.keys(None) else {
        return false;
    };
    all.listed()
        .nth(n.saturating_sub(1))
        .is_none_or(|nth| all.order(key, nth.key) != Ordering::Greater)
}

/// Whether `key` falls in the news sitemap's window (see
/// [`crate::render::sitemap::news_entries`]): the window is anchored at the
/// newest listed (not withdrawn) article, and an id that is that article in
/// either index moves it (a new newest article, or the newest one withdrawn
/// or taken back). Withdrawn articles are few: this looks up few entries.
fn in_news_window(index: &Index, key: SortKey) -> bool {
    let newest = index
        .keys(None)
        .and_then(|all| all.listed().next())
        .map_or(i64::MIN, |m| m.published());
    key.published() >= newest.saturating_sub(NEWS_WINDOW)
}

/// Whether the article is the newest listed (not withdrawn) of all or of
/// one of its categories: those pages are dated by it in the pages sitemap.
fn heads_a_list(index: &Index, id: &str, key: SortKey) -> bool {
    let newest_of = |slug: Option<&str>| {
        index
            .keys(slug)
            .and_then(|k| k.listed().next())
            .is_some_and(|first| first.key == key)
    };
    newest_of(None) || index.feeds_of(id).into_iter().any(|s| newest_of(Some(s)))
}

/// Whether the article is corrected or withdrawn: a month's part is dated by
/// the latest correction among its articles, and lists no withdrawn one
/// (see [`crate::render::sitemap::month_parts`]). Few articles are.
fn marked(index: &Index, id: &str) -> bool {
    index
        .get(id)
        .is_some_and(|e| e.article.updated.is_some() || e.article.withdrawn.is_some())
}

/// Whether the article is withdrawn: its withdrawal dates the front and
/// category pages it was taken off in the pages sitemap (see
/// [`crate::render::sitemap::page_urls`]), in the index where it is (a
/// withdrawal made, moved or taken back). Few articles are.
fn withdrawn(index: &Index, id: &str) -> bool {
    index.get(id).is_some_and(|e| e.article.withdrawn.is_some())
}

/// Whether the article is the first (newest) of its month, which dates the
/// month's sitemap (and is how a month appears or empties), or its month is
/// long enough to be split in parts, whose first articles it can shift.
fn heads_or_splits_its_month(index: &Index, key: SortKey, tz: Tz) -> bool {
    let Some(all) = index.keys(None) else {
        return false;
    };
    let month = Month::of(key.published(), tz);
    let newer = all.range(At::Start, At::Key(key)).next_back();
    if newer.is_none_or(|m| Month::of(m.published(), tz) != month) {
        return true;
    }
    let start = At::Published(month.next().start(tz) - 1);
    let end = At::Published(month.start(tz) - 1);
    all.range(start, end).nth(MAX_URLS).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Article;
    use crate::index::{Entries, Entry};
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh as HCM;
    use std::sync::Arc;

    /// An article of `cat` published on `day` March 2024, with `tags`.
    fn entry(id: &str, cat: &str, day: u32, tags: &[&str]) -> (String, Entry) {
        let at = HCM.with_ymd_and_hms(2024, 3, day, 8, 0, 0).unwrap();
        let mut a = Article::sample(id, &[cat], id, at.fixed_offset());
        a.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        (id.into(), Entry::full(Arc::new(a), None))
    }

    /// `before` with the article `id` replaced by (or added as) `e`.
    fn change(before: &Index, (id, e): (String, Entry)) -> (Index, BTreeSet<String>) {
        let ids = BTreeSet::from([id.clone()]);
        let mut entries = before.entries().clone();
        entries.insert(id, e);
        (before.updated(entries, &ids), ids)
    }

    #[test]
    fn the_pages_sitemap_is_touched_by_the_head_of_a_list_only() {
        let before = Index::new(Entries::from_iter([
            entry("a", "Thời sự", 10, &["mưa"]),
            entry("b", "Thời sự", 5, &["mưa"]),
            entry("c", "Kinh tế", 3, &[]),
        ]));
        // A new tag on an article that heads no list: the pages sitemap and
        // the months keep theirs (the tag's own part is told apart by
        // `term_sitemaps`).
        let (after, ids) = change(&before, entry("b", "Thời sự", 5, &["mưa", "bão"]));
        let touched = of(&before, &after, &ids, HCM);
        assert!(!touched.pages && !touched.months, "{touched:?}");
        // A correction of an article that heads nothing dates its month's part.
        let (after, ids) = change(&before, {
            let (id, e) = entry("b", "Thời sự", 5, &["mưa"]);
            let mut a = e.article.as_ref().clone();
            a.updated = Some(a.published + chrono::Duration::days(9));
            (id, Entry::full(Arc::new(a), None))
        });
        let touched = of(&before, &after, &ids, HCM);
        assert!(touched.months && !touched.pages, "{touched:?}");
        // A withdrawal of one that heads nothing dates the pages it was
        // taken off and its month's part.
        let (after, ids) = change(&before, {
            let (id, e) = entry("b", "Thời sự", 5, &["mưa"]);
            let mut a = e.article.as_ref().clone();
            a.withdrawn = Some(crate::article::Withdrawal {
                at: a.published + chrono::Duration::days(30),
                reason: None,
            });
            (id, Entry::full(Arc::new(a), None))
        });
        let touched = of(&before, &after, &ids, HCM);
        assert!(touched.pages && touched.months, "{touched:?}");
        // And taken back, as much.
        let back = of(&after, &before, &ids, HCM);
        assert!(back.pages && back.months, "{back:?}");
        // The newest article of a category (not of all) dates its page.
        let (after, ids) = change(&before, entry("c", "Kinh tế", 4, &[]));
        let touched = of(&before, &after, &ids, HCM);
        assert!(touched.pages && !touched.months, "{touched:?}");
        // A new newest article dates the front page and its month.
        let (after, ids) = change(&before, entry("d", "Kinh tế", 20, &[]));
        let touched = of(&before, &after, &ids, HCM);
        assert!(touched.pages && touched.months && touched.front && touched.news);
    }

    /// `entry`, withdrawn on `day` March 2024.
    fn withdrawn_entry((id, e): (String, Entry), day: u32) -> (String, Entry) {
        let mut a = e.article.as_ref().clone();
        a.withdrawn = Some(crate::article::Withdrawal {
            at: HCM
                .with_ymd_and_hms(2024, 3, day, 9, 0, 0)
                .unwrap()
                .fixed_offset(),
            reason: None,
        });
        (id, Entry::full(Arc::new(a), None))
    }

    #[test]
    fn the_news_window_is_told_from_the_newest_listed_article() {
        // The newest article is withdrawn: the news sitemap lists the two
        // days up to "a", so a new title for "b" changes it.
        let before = Index::new(Entries::from_iter([
            withdrawn_entry(entry("moi", "Thời sự", 20, &[]), 21),
            entry("a", "Thời sự", 10, &[]),
            entry("b", "Thời sự", 9, &[]),
            entry("c", "Thời sự", 3, &[]),
        ]));
        let (after, ids) = change(&before, {
            let (id, e) = entry("b", "Thời sự", 9, &[]);
            let mut a = e.article.as_ref().clone();
            a.title = "Tiêu đề mới".to_owned();
            (id, Entry::full(Arc::new(a), None))
        });
        assert!(of(&before, &after, &ids, HCM).news);
        // One older than the window is not in the news sitemap.
        let (after, ids) = change(&before, entry("c", "Thời sự", 3, &["mưa"]));
        assert!(!of(&before, &after, &ids, HCM).news);
        // Withdrawing the newest listed article moves the window, and so
        // does taking the withdrawal back.
        let (after, ids) = change(&before, withdrawn_entry(entry("a", "Thời sự", 10, &[]), 11));
        assert!(of(&before, &after, &ids, HCM).news);
        assert!(of(&after, &before, &ids, HCM).news);
    }
}
