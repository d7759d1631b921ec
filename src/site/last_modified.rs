//! Last-Modified of every representation: the time it came to have its current
//! bytes, moving forward whenever they change and never backwards.
//!
//! The rule, for a representation whose bytes (so its strong ETag) change:
//! its new Last-Modified is `max(now, previous + 1 s, floor)` in whole seconds.
//! HTTP dates have one-second resolution (RFC 9110 §5.6.7), so "strictly later
//! than the previous one" is what keeps a client holding the previous date from
//! getting 304 for the new bytes (§13.1.3), however fast the changes come and
//! whatever the files' mtimes say. Bytes that are the same keep their date.
//!
//! `previous + 1 s` may lie a little in the future when bytes change twice in
//! one second. RFC 9110 §8.8.2.1 forbids sending a Last-Modified later than the
//! response's Date, so the header sent is clamped to the present (see
//! [`Resource::last_modified_header`](super::Resource::last_modified_header))
//! while the 304 decision compares with the unclamped time: a client holding the
//! clamped date gets one redundant 200, never a wrong 304.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::index::{Entry, Index};

use serde::{Deserialize, Serialize};

/// The latest second an HTTP date can carry, 9999-12-31T23:59:59Z (RFC 9110
/// §5.6.7 writes four-digit years): no Last-Modified was ever sent after it,
/// so a remembered one past it is corrupt (see `crate::state`), and no date
/// is moved past it.
pub const LATEST: u64 = 253_402_300_799;

/// A representation's validators as last served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validator {
    /// The strong entity tag of its identity bytes, quoted.
    pub etag: String,
    /// Last-Modified, in seconds since the Unix epoch.
    pub last_modified: u64,
}

/// The validators of every representation served, by URL path, and the
/// least Last-Modified a change may get.
///
/// A path no longer served is kept until its date has passed (see
/// [`Validators::forget_unserved`]): a feed that comes back with other bytes
/// must get a date later than the one it had, and the clock gives it one from
/// then on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// By URL path.
    pub by_path: BTreeMap<String, Validator>,
    /// No change gets a Last-Modified before this (seconds since the epoch):
    /// one second past this process's start, so every date a previous process
    /// sent, for whatever bytes, is earlier (HTTP dates are whole seconds, and
    /// that process may have run into the start's own second).
    pub floor: u64,
}

impl Validators {
    /// Validators remembered from a previous process (trusted to hold the last
    /// validators it served for every path), for a process started at `start`.
    pub fn remembered(by_path: BTreeMap<String, Validator>, start: SystemTime) -> Validators {
        Validators {
            by_path,
            floor: seconds(start).saturating_add(1),
        }
    }

    /// No memory of what was served before `start`: every change gets a date
    /// after it.
    pub fn unknown_before(start: SystemTime) -> Validators {
        Validators {
            by_path: BTreeMap::new(),
            floor: seconds(start).saturating_add(1),
        }
    }

    /// The Last-Modified of `path` now that its identity bytes have `etag`:
    /// the remembered one if the bytes are the same, else a later one (see the
    /// module's rule). Remembers the answer.
    pub fn assign(&mut self, path: &str, etag: &str, now: SystemTime) -> SystemTime {
        let secs = match self.by_path.get(path) {
            Some(v) if v.etag == etag => v.last_modified,
            prev => {
                let after_prev = prev.map_or(0, |v| v.last_modified.saturating_add(1));
                let secs = seconds(now).max(after_prev).max(self.floor);
                let v = Validator {
                    etag: etag.to_owned(),
                    last_modified: secs,
                };
                self.by_path.insert(path.to_owned(), v);
                secs
            }
        };
        at(secs)
    }

    /// Forgets the paths `served` no longer names (a category renamed away,
    /// a feed of a slug gone) whose date is before `now`'s second, so the
    /// state file does not grow with every path ever served. A path that
    /// comes back is dated `now` or later, after any date it had; one dated
    /// this second or ahead (changed twice within a second) is kept until its
    /// date has passed. The floor rises past every date forgotten, so a path
    /// that comes back after the clock was set back is still dated after
    /// the date it had.
    pub fn forget_unserved(&mut self, served: impl Fn(&str) -> bool, now: SystemTime) {
        let now = seconds(now);
        let mut floor = self.floor;
        self.by_path.retain(|path, v| {
            let keep = path == PAGES_OF_THE_STORE || served(path) || v.last_modified >= now;
            if !keep {
                floor = floor.max(v.last_modified.saturating_add(1));
            }
            keep
        });
        self.floor = floor;
    }
}

/// The key under which [`Validators`] keep the date of every article page and
/// every page rendered on demand: not a URL path, so no resource shares it.
pub const PAGES_OF_THE_STORE: &str = "article and on-demand pages";

/// What article pages and the resources rendered on demand (archives, tag and
/// author feeds, category and month pages) are made from, as one tag for
/// [`Validators::assign`] under [`PAGES_OF_THE_STORE`]: the program's
/// build ([`crate::BUILD`]), the configuration, and every article's id, content digest and
/// date. Those resources are too many to keep an ETag each, so they share
/// one date, which moves whenever any of their inputs does; and a restart
/// that finds the tag it remembered (same build, configuration and
/// articles) keeps that date, so a client revalidating by date alone gets
/// 304, not the whole site again.
///
/// The articles go in as a sum of one hash each, so an update adjusts it by
/// the articles it changed ([`Made::moved`]) rather than reading them all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Made {
    articles: u128,
}

impl Made {
    /// The sum over every article of `index`.
    pub fn of(index: &Index) -> Made {
        let mut bytes = Vec::new();
        let articles = index
            .entries()
            .values()
            .fold(0u128, |sum, e| sum.wrapping_add(one(e, &mut bytes)));
        Made { articles }
    }

    /// `self` (the sum over `before`) for `after`, which differs from
    /// `before` at `ids` only.
    pub fn moved(self, before: &Index, after: &Index, ids: &BTreeSet<String>) -> Made {
        let (mut articles, mut bytes) = (self.articles, Vec::new());
        for id in ids {
            if let Some(gone) = before.get(id) {
                articles = articles.wrapping_sub(one(gone, &mut bytes));
            }
            if let Some(came) = after.get(id) {
                articles = articles.wrapping_add(one(came, &mut bytes));
            }
        }
        Made { articles }
    }

    /// The tag of these articles rendered with `config` (every field of it)
    /// by this build of the program ([`crate::BUILD`]).
    pub fn tag(self, config: &str) -> String {
        self.tag_of_build(crate::BUILD, config)
    }

    /// [`Made::tag`] as the program's build `build` would make it.
    fn tag_of_build(self, build: &str, config: &str) -> String {
        let mut hasher = blake3::Hasher::new();
        for field in [build.as_bytes(), config.as_bytes()] {
            hasher.update(&(field.len() as u64).to_le_bytes());
            hasher.update(field);
        }
        hasher.update(&self.articles.to_le_bytes());
        hasher.finalize().to_hex()[..32].to_owned()
    }
}

/// One article's part of [`Made`]: a hash of what a rendering takes from its
/// entry (as [`super::on_demand::Inputs::entry`] hashes it: id, content
/// digest, date; not the file time), written out in `bytes`.
fn one(e: &Entry, bytes: &mut Vec<u8>) -> u128 {
    let a = &e.article;
    bytes.clear();
    bytes.extend_from_slice(&(a.id.len() as u64).to_le_bytes());
    bytes.extend_from_slice(a.id.as_bytes());
    bytes.extend_from_slice(&e.digest.to_le_bytes());
    bytes.extend_from_slice(&a.published.timestamp().to_le_bytes());
    bytes.extend_from_slice(&a.published.timestamp_subsec_nanos().to_le_bytes());
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// Whole seconds since the epoch (0 before it).
pub fn seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The instant `secs` seconds after the epoch, at most [`LATEST`]: a date from
/// a corrupt state file must not overflow the clock's type (a panic at every
/// start), and no HTTP date goes further anyway.
fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs.min(LATEST))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    #[test]
    fn new_bytes_get_now_and_the_same_bytes_keep_their_date() {
        let mut v = Validators::default();
        assert_eq!(v.assign("/feed.rss", "\"a\"", t(100)), t(100));
        assert_eq!(v.assign("/feed.rss", "\"a\"", t(200)), t(100));
        assert_eq!(v.assign("/feed.rss", "\"b\"", t(200)), t(200));
        // Back to the first bytes: a client holding "b" from 200 must get them.
        assert_eq!(v.assign("/feed.rss", "\"a\"", t(300)), t(300));
    }

    #[test]
    fn changes_within_one_second_get_later_dates() {
        let mut v = Validators::default();
        let now = t(100) + Duration::from_millis(300);
        assert_eq!(v.assign("/feed.rss", "\"a\"", now), t(100));
        assert_eq!(v.assign("/feed.rss", "\"b\"", now), t(101));
        assert_eq!(v.assign("/feed.rss", "\"c\"", now), t(102));
        // Paths are independent.
        assert_eq!(v.assign("/feed.json", "\"x\"", now), t(100));
    }

    #[test]
    fn a_path_no_longer_served_is_forgotten_once_its_date_has_passed() {
        let mut v = Validators::default();
        v.assign("/feeds/cu.rss", "\"a\"", t(100));
        v.assign("/feeds/cu.rss", "\"b\"", t(100)); // dated 101, ahead of the clock
        v.assign("/feed.rss", "\"x\"", t(100));
        v.assign(PAGES_OF_THE_STORE, "\"p\"", t(50));
        let served = |p: &str| p == "/feed.rss";
        // Within its second it is kept: coming back now with other bytes, it
        // must still be dated after 101.
        v.forget_unserved(served, t(101));
        assert!(v.by_path.contains_key("/feeds/cu.rss"));
        assert_eq!(v.assign("/feeds/cu.rss", "\"c\"", t(101)), t(102));
        v.forget_unserved(served, t(103));
        assert_eq!(
            v.by_path.keys().collect::<Vec<_>>(),
            ["/feed.rss", PAGES_OF_THE_STORE]
        );
        // Back later, it is dated by the clock: after every date it had.
        assert_eq!(v.assign("/feeds/cu.rss", "\"a\"", t(103)), t(103));
    }

    #[test]
    fn a_path_forgotten_comes_back_after_its_date_though_the_clock_went_back() {
        let mut v = Validators::default();
        v.assign("/feeds/cu.rss", "\"a\"", t(1000));
        v.forget_unserved(|p| p == "/feed.rss", t(1005));
        assert!(!v.by_path.contains_key("/feeds/cu.rss"));
        // The clock set back 15 s: a client holding 1000 must not get 304
        // for the new bytes.
        assert_eq!(v.assign("/feeds/cu.rss", "\"b\"", t(990)), t(1001));
    }

    #[test]
    fn never_backwards_when_the_clock_is() {
        let mut v = Validators::default();
        assert_eq!(v.assign("/", "\"a\"", t(500)), t(500));
        assert_eq!(v.assign("/", "\"b\"", t(400)), t(501));
    }

    #[test]
    fn remembered_dates_are_kept_for_the_same_bytes_only() {
        let by_path = BTreeMap::from([(
            "/feed.rss".to_owned(),
            Validator {
                etag: "\"a\"".into(),
                last_modified: 100,
            },
        )]);
        let v = Validators::remembered(by_path, t(900));
        assert_eq!(v.clone().assign("/feed.rss", "\"a\"", t(900)), t(100));
        assert_eq!(v.clone().assign("/feed.rss", "\"b\"", t(900)), t(901));
        // The clock went back below the remembered date: still later.
        let mut v = Validators::remembered(v.by_path, t(50));
        assert_eq!(v.assign("/feed.rss", "\"b\"", t(50)), t(101));
    }

    #[test]
    fn a_date_past_any_clock_neither_panics_nor_goes_past_year_9999() {
        let by_path = BTreeMap::from([(
            "/feed.rss".to_owned(),
            Validator {
                etag: "\"a\"".into(),
                last_modified: u64::MAX,
            },
        )]);
        let mut v = Validators::remembered(by_path, t(900));
        assert_eq!(v.assign("/feed.rss", "\"a\"", t(900)), t(LATEST));
        assert_eq!(v.assign("/feed.rss", "\"b\"", t(900)), t(LATEST));
    }

    fn entry(id: &str, minute: u32, body: &str) -> (String, Entry) {
        use chrono::TimeZone;
        let at = chrono_tz::Asia::Ho_Chi_Minh.with_ymd_and_hms(2020, 5, 10, 15, minute, 0);
        let article =
            crate::article::Article::sample(id, &["Tin tức"], body, at.unwrap().fixed_offset());
        (id.into(), Entry::full(std::sync::Arc::new(article), None))
    }

    #[test]
    fn the_pages_tag_follows_every_article_the_config_and_nothing_else() {
        use crate::index::Entries;
        let base = Entries::from_iter([entry("a", 1, "một"), entry("b", 2, "hai")]);
        let before = Index::new(base.clone());
        let made = Made::of(&before);
        let tag = made.tag("title = \"Bản tin\"");
        assert_eq!(
            Made::of(&Index::new(base.clone())).tag("title = \"Bản tin\""),
            tag
        );
        assert_ne!(made.tag("title = \"Tin\""), tag, "another config");
        let other_build = made.tag_of_build("0.1.0+0000000000000001", "title = \"Bản tin\"");
        assert_ne!(other_build, tag, "another build");

        let changes = [
            (
                base.update("a".into(), entry("a", 1, "một nữa").1),
                vec!["a"],
            ),
            (base.update("a".into(), entry("a", 9, "một").1), vec!["a"]),
            (base.update("c".into(), entry("c", 3, "ba").1), vec!["c"]),
            (base.without("b"), vec!["b"]),
        ];
        for (entries, ids) in changes {
            let ids: BTreeSet<String> = ids.into_iter().map(String::from).collect();
            let after = before.updated(entries.clone(), &ids);
            let moved = made.moved(&before, &after, &ids);
            assert_eq!(moved, Made::of(&Index::new(entries)), "moved by {ids:?}");
            assert_ne!(
                moved.tag("title = \"Bản tin\""),
                tag,
                "{ids:?} changed nothing"
            );
            // And back.
            assert_eq!(moved.moved(&after, &before, &ids), made);
        }
        // A change at no article leaves the tag as it was.
        assert_eq!(made.moved(&before, &before, &BTreeSet::new()), made);
    }

    #[test]
    fn without_memory_every_date_follows_the_start() {
        let start = t(1000) + Duration::from_millis(999);
        let mut v = Validators::unknown_before(start);
        // Even a change stamped in the start's own second: the previous process
        // may have sent that second's date for other bytes.
        assert_eq!(v.assign("/feed.rss", "\"a\"", start), t(1001));
    }
}
