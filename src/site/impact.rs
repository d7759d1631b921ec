//! Which of the whole-index pages (front page, sitemaps) a change at some ids can touch.
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
use crate::taxonomy::Kind;

use super::pages::CATEGORY_PAGE_ITEMS;

/// The whole-index pages a change touches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Impact {
    /// The front page: its newest articles or its months.
    pub front: bool,
    /// The news sitemap: its window of the newest articles.
    pub news: bool,
    /// The sitemap index and the pages sitemap: the first (newest) article
    /// of some list they date, a term's slug, or a month's parts.
    pub sitemaps: bool,
}

/// What a change at `ids` from `before` to `after` touches (both indexes
/// have the same category tree).
pub(super) fn of(before: &Index, after: &Index, ids: &BTreeSet<String>, tz: Tz) -> Impact {
    let mut impact = Impact::default();
    let terms_differ = [Kind::Tag, Kind::Author]
        .into_iter()
        .any(|kind| before.taxonomy(kind).terms().len() != after.taxonomy(kind).terms().len());
    impact.sitemaps |= terms_differ;
    for id in ids {
        for index in [before, after] {
            let Some(key) = index.key(id) else {
                continue;
            };
            impact.front |= in_newest(index, key, CATEGORY_PAGE_ITEMS);
            impact.news |= in_news_window(index, key);
            impact.sitemaps |= heads_a_list(index, id, key)
                || heads_or_splits_its_month(index, key, tz)
                || term_slugs_move(before, after, index, id);
        }
    }
    // A month appears or empties only by its first article, which
    // `heads_or_splits_its_month` found; the front page lists the months.
    impact.front |= impact.sitemaps;
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
/// newest article, and an id that is the newest in either index moves it.
fn in_news_window(index: &Index, key: SortKey) -> bool {
    let newest = index
        .keys(None)
        .and_then(|all| all.first())
        .map_or(i64::MIN, |m| m.published());
    key.published() >= newest.saturating_sub(NEWS_WINDOW)
}

/// Whether the article is the newest listed (not withdrawn) of all, of one
/// of its categories, or of one of its tags or its author: those lists'
/// pages are dated by it in the pages sitemap, and its parts by the newest
/// of them; a term is listed there while it has one.
fn heads_a_list(index: &Index, id: &str, key: SortKey) -> bool {
    let newest_of = |slug: Option<&str>| {
        index
            .keys(slug)
            .and_then(|k| k.listed().next())
            .is_some_and(|first| first.key == key)
    };
    if newest_of(None) || index.feeds_of(id).into_iter().any(|s| newest_of(Some(s))) {
        return true;
    }
    let Some(entry) = index.get(id) else {
        return false;
    };
    [Kind::Tag, Kind::Author].into_iter().any(|kind| {
        let taxonomy = index.taxonomy(kind);
        kind.names(&entry.article).into_iter().any(|name| {
            taxonomy
                .slug_of(name)
                .and_then(|slug| taxonomy.get(slug))
                .and_then(|term| index.members(&term.members).listed().next())
                .is_none_or(|first| first.id() == id)
        })
    })
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

/// Whether a tag or the author of the article (in `index`, one of the two)
/// has another slug after the change: a slug follows the term's displayed
/// spelling, which the article's spelling votes for.
fn term_slugs_move(before: &Index, after: &Index, index: &Index, id: &str) -> bool {
    let Some(entry) = index.get(id) else {
        return false;
    };
    [Kind::Tag, Kind::Author].into_iter().any(|kind| {
        kind.names(&entry.article)
            .into_iter()
            .any(|name| before.taxonomy(kind).slug_of(name) != after.taxonomy(kind).slug_of(name))
    })
}
