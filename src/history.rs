//! A feed's whole history, month by month: which calendar months (in the
//! configured zone) a feed has articles in, and the articles of one month.
//!
//! This is the selection behind the archived feeds of RFC 5005 §4 and any other
//! month-by-month view (HTML month pages). It works on the sorted keys the
//! [`Index`] keeps per feed (newest first, see [`crate::index::SortKey`]) with range queries
//! whose bounds are the months' first instants, so listing a feed's months
//! costs O(months · log n) and one month's articles O(log n + its articles),
//! never a scan of the whole feed.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::index::{At, Entry, Index, Keys};
use crate::taxonomy::Kind;

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// The year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
}

/// A string that is not a month as `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a month {0:?}: expected YYYY-MM, e.g. 2024-06")]
pub struct BadMonth(pub String);

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = BadMonth;

    /// Exactly what [`Month`]'s `Display` writes: four (or more) digits of year,
    /// a dash, two digits of month from 01 to 12. Anything else is refused, so
    /// a month has one URL.
    fn from_str(s: &str) -> Result<Month, BadMonth> {
        let bad = || BadMonth(s.to_owned());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(y) || y.len() < 4 || (y.len() > 4 && y.starts_with('0')) {
            return Err(bad());
        }
        if !digits(m) || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || NaiveDate::from_ymd_opt(year, month, 1).is_none() {
            return Err(bad());
        }
        Ok(Month { year, month })
    }
}

impl Month {
    /// The month that the instant `ts` (Unix seconds) falls in, in `tz`.
    pub fn of(ts: i64, tz: Tz) -> Month {
        // An instant maps to one local time; out of chrono's range (no article
        // date is) it counts as the epoch's month.
        tz.timestamp_opt(ts, 0).single().map_or(
            Month {
                year: 1970,
                month: 1,
            },
            |local| Month {
                year: local.year(),
                month: local.month(),
            },
        )
    }

    /// The month after this one.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year.saturating_add(1),
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The first instant of this month in `tz`, in Unix seconds: local midnight
    /// of the 1st, or the first hour of that day that exists when a clock change
    /// skips midnight.
    pub fn start(self, tz: Tz) -> i64 {
        let Some(day) = NaiveDate::from_ymd_opt(self.year, self.month, 1) else {
            return i64::MAX;
        };
        (0..24)
            .filter_map(|h| day.and_hms_opt(h, 0, 0))
            .find_map(|t| tz.from_local_datetime(&t).earliest())
            .map_or_else(
                || day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp(),
                |t| t.timestamp(),
            )
    }
}

/// A feed that has a history, its chain of monthly archives: all articles
/// or one category's (`Category(None)`, `Category(Some(slug))`), or a tag's
/// or an author's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Chain {
    /// All articles (`None`) or one category's.
    Category(Option<String>),
    /// A tag's or an author's, by slug.
    Term(Kind, String),
}

impl Chain {
    /// The keys of the chain's articles in `index`, newest first; `None`
    /// for an unknown category or term.
    pub fn keys<'a>(&self, index: &'a Index) -> Option<Keys<'a>> {
        match self {
            Chain::Category(slug) => index.keys(slug.as_deref()),
            Chain::Term(kind, slug) => index
                .taxonomy(*kind)
                .get(slug)
                .map(|t| index.members(&t.members)),
        }
    }
}

/// The months the feed `slug` (`None`: all articles) has articles in, newest
/// first; `None` for an unknown category.
pub fn months(index: &Index, slug: Option<&str>, tz: Tz) -> Option<Vec<Month>> {
    Some(months_in(&index.keys(slug)?, tz))
}

/// The months `chain` has articles in, newest first; `None` for an unknown
/// category or term.
pub fn chain_months(index: &Index, chain: &Chain, tz: Tz) -> Option<Vec<Month>> {
    Some(months_in(&chain.keys(index)?, tz))
}

/// The months `keys` has articles in, newest first.
fn months_in(keys: &Keys<'_>, tz: Tz) -> Vec<Month> {
    let mut out = Vec::new();
    let mut next = keys.first();
    while let Some(m) = next {
        let month = Month::of(m.published(), tz);
        out.push(month);
        // The newest article before this month's first instant.
        let before = month.start(tz).saturating_sub(1);
        next = keys.range(At::Published(before), At::End).next();
    }
    out
}

/// The months next to `month` in the feed `slug` that have articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Neighbours {
    /// The newest month before it.
    pub older: Option<Month>,
    /// The oldest month after it.
    pub newer: Option<Month>,
}

/// Whether a month's articles of a feed can still change with the store's
/// ordinary growth, as its archive's `Cache-Control` and every page that
/// describes the month say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Growth {
    /// The feed's newest month: it gains every article the feed gains until
    /// one of a later month begins a newer one.
    Growing,
    /// An older month: stable in the sense of RFC 5005 §4 (only an edit,
    /// removal or backdated article of that month changes it).
    Fixed,
}

impl Neighbours {
    /// Whether the month these are the neighbours of still grows: it does
    /// when no newer month has articles.
    pub fn growth(&self) -> Growth {
        match self.newer {
            Some(_) => Growth::Fixed,
            None => Growth::Growing,
        }
    }
}

/// The articles of `month` in the feed `slug`, newest first (ties by id), and
/// the months next to it that have articles. Empty for an unknown category or
/// a month without articles.
pub fn month(index: &Index, slug: Option<&str>, month: Month, tz: Tz) -> (Vec<Entry>, Neighbours) {
    match index.keys(slug) {
        Some(keys) => month_in(index, &keys, month, tz),
        None => (Vec::new(), Neighbours::default()),
    }
}

/// [`month`] of any chain: empty for an unknown category or term.
pub fn chain_month(index: &Index, chain: &Chain, month: Month, tz: Tz) -> (Vec<Entry>, Neighbours) {
    match chain.keys(index) {
        Some(keys) => month_in(index, &keys, month, tz),
        None => (Vec::new(), Neighbours::default()),
    }
}

/// The articles of `month` in `keys` and the months next to it.
fn month_in(index: &Index, keys: &Keys<'_>, month: Month, tz: Tz) -> (Vec<Entry>, Neighbours) {
    let (newest, past) = bounds(month, tz);
    let entries = keys
        .range(newest, past)
        .filter_map(|m| index.entry(m.key).cloned())
        .collect();
    (entries, neighbours_in(keys, month, tz))
}

/// Where `month` stands in the feed `slug`: whether it has articles there, and
/// the months next to it that have. What an archive's links are made from,
/// found with three range lookups (O(log n)), without reading its articles.
pub fn place(index: &Index, slug: Option<&str>, month: Month, tz: Tz) -> Place {
    index
        .keys(slug)
        .map_or_else(Place::default, |keys| place_in(&keys, month, tz))
}

/// [`place`] in any chain.
pub fn chain_place(index: &Index, chain: &Chain, month: Month, tz: Tz) -> Place {
    chain
        .keys(index)
        .map_or_else(Place::default, |keys| place_in(&keys, month, tz))
}

/// Where `month` stands in `keys`.
fn place_in(keys: &Keys<'_>, month: Month, tz: Tz) -> Place {
    let (newest, past) = bounds(month, tz);
    Place {
        held: keys.range(newest, past).next().is_some(),
        neighbours: neighbours_in(keys, month, tz),
    }
}

/// What [`place`] tells of a month in a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Place {
    /// Whether the feed has articles that month (it is a link of the chain).
    pub held: bool,
    /// The months next to it that have articles.
    pub neighbours: Neighbours,
}

/// The range bounds of `month`'s articles in a feed's keys (newest first):
/// from the last instant of the month to the last instant before it.
fn bounds(month: Month, tz: Tz) -> (At, At) {
    (
        At::Published(month.next().start(tz).saturating_sub(1)),
        At::Published(month.start(tz).saturating_sub(1)),
    )
}

/// The months next to `month` in `keys` that have articles.
fn neighbours_in(keys: &Keys<'_>, month: Month, tz: Tz) -> Neighbours {
    let (newest, past) = bounds(month, tz);
    let older = keys
        .range(past, At::End)
        .next()
        .map(|m| Month::of(m.published(), tz));
    let newer = keys
        .range(At::Start, newest)
        .next_back()
        .map(|m| Month::of(m.published(), tz));
    Neighbours { older, newer }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Article;
    use crate::index::Entries;
    use chrono_tz::Asia::Ho_Chi_Minh;
    use std::sync::Arc;

    /// An article published at local `y-m-d h:00` in Hồ Chí Minh City.
    fn entry(id: &str, cat: &str, (y, m, d, h): (i32, u32, u32, u32)) -> (String, Entry) {
        let at = Ho_Chi_Minh.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
        let article = Article::sample(id, &[cat], id, at.fixed_offset());
        (id.into(), Entry::full(Arc::new(article), None))
    }

    fn m(s: &str) -> Month {
        s.parse().unwrap()
    }

    fn index() -> Index {
        Index::new(Entries::from_iter([
            // Midnight local on the 1st is in its own month, though it is
            // still the previous month in UTC.
            entry("a", "Kinh tế", (2024, 3, 1, 0)),
            entry("b", "Kinh tế", (2024, 2, 29, 23)),
            entry("c", "Thể thao", (2024, 2, 10, 8)),
            entry("d", "Kinh tế", (2023, 12, 31, 23)),
            entry("e", "Thể thao", (2024, 3, 31, 23)),
            entry("f", "Kinh tế", (2024, 3, 1, 0)),
        ]))
    }

    fn ids(v: &[Entry]) -> Vec<&str> {
        v.iter().map(|e| e.article.id.as_str()).collect()
    }

    #[test]
    fn months_parse_and_print_one_way() {
        assert_eq!(
            m("2024-03"),
            Month {
                year: 2024,
                month: 3
            }
        );
        assert_eq!(m("2024-03").to_string(), "2024-03");
        assert_eq!(m("2024-12").next(), m("2025-01"));
        for bad in [
            "2024-3", "2024-13", "2024-00", "24-03", "2024-03x", "+2024-03", "2024", "",
            "02024-03", "2024_03", "2024-0a",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
    }

    #[test]
    fn months_are_local_and_newest_first() {
        let idx = index();
        let tz = Ho_Chi_Minh;
        assert_eq!(
            months(&idx, None, tz).unwrap(),
            [m("2024-03"), m("2024-02"), m("2023-12")]
        );
        assert_eq!(
            months(&idx, Some("kinh-te"), tz).unwrap(),
            [m("2024-03"), m("2024-02"), m("2023-12")]
        );
        assert_eq!(
            months(&idx, Some("the-thao"), tz).unwrap(),
            [m("2024-03"), m("2024-02")]
        );
        assert_eq!(months(&idx, Some("khong-co"), tz), None);
        // In UTC the midnight articles fall in February.
        assert_eq!(
            months(&idx, Some("kinh-te"), chrono_tz::UTC).unwrap(),
            [m("2024-02"), m("2023-12")]
        );
    }

    #[test]
    fn one_month_with_its_neighbours() {
        let idx = index();
        let tz = Ho_Chi_Minh;
        let (all, n) = month(&idx, None, m("2024-03"), tz);
        assert_eq!(ids(&all), ["e", "a", "f"]);
        assert_eq!(
            n,
            Neighbours {
                older: Some(m("2024-02")),
                newer: None
            }
        );
        let (k, n) = month(&idx, Some("kinh-te"), m("2024-02"), tz);
        assert_eq!(ids(&k), ["b"]);
        assert_eq!(n.older, Some(m("2023-12")));
        assert_eq!(n.newer, Some(m("2024-03")));
        let (k, n) = month(&idx, Some("kinh-te"), m("2023-12"), tz);
        assert_eq!(ids(&k), ["d"]);
        assert_eq!((n.older, n.newer), (None, Some(m("2024-02"))));
        // A month with no articles of the feed, between two that have some.
        let (none, n) = month(&idx, Some("kinh-te"), m("2024-01"), tz);
        assert!(none.is_empty());
        assert_eq!((n.older, n.newer), (Some(m("2023-12")), Some(m("2024-02"))));
        assert!(month(&idx, Some("khong-co"), m("2024-03"), tz).0.is_empty());
    }

    #[test]
    fn a_place_agrees_with_the_month() {
        let idx = index();
        let tz = Ho_Chi_Minh;
        for slug in [None, Some("kinh-te"), Some("the-thao"), Some("khong-co")] {
            for mo in [
                "2023-11", "2023-12", "2024-01", "2024-02", "2024-03", "2024-04",
            ] {
                let (entries, neighbours) = month(&idx, slug, m(mo), tz);
                let place = place(&idx, slug, m(mo), tz);
                assert_eq!(place.held, !entries.is_empty(), "{slug:?} {mo}");
                assert_eq!(place.neighbours, neighbours, "{slug:?} {mo}");
            }
        }
    }

    #[test]
    fn every_article_is_in_exactly_one_month() {
        let idx = index();
        for slug in [None, Some("kinh-te"), Some("the-thao")] {
            let mut seen: Vec<String> = months(&idx, slug, Ho_Chi_Minh)
                .unwrap()
                .into_iter()
                .flat_map(|mo| month(&idx, slug, mo, Ho_Chi_Minh).0)
                .map(|e| e.article.id.clone())
                .collect();
            let all: Vec<String> = idx
                .select(slug, usize::MAX)
                .into_iter()
                .map(|e| e.article.id.clone())
                .collect();
            assert_eq!(seen, all, "{slug:?}: newest first, each once");
            seen.dedup();
            assert_eq!(seen.len(), all.len());
        }
    }
}
