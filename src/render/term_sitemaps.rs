//! The sitemaps of the tag and author pages, in parts that stay put as terms
//! come and go. Pure: indexes in, parts out.
//!
//! A store may hold tens of thousands of terms, and every new article dates
//! a few of them anew (a term's page is dated by its newest article, or by
//! the latest withdrawal among its articles when that is later). Cut by
//! position (the first 50,000, the next 50,000, …), one term more would move
//! every later term into another part, and one sitemap of them all is
//! rendered and compressed again whole on every update (5 MB at 55,000
//! terms). Here a part starts at every listed term whose slug hashes to a
//! multiple of [`Cut::odds`] (a *boundary*): the parts of a kind are the runs
//! of its listed terms, in slug order, from one boundary to the next, about
//! [`Cut::odds`] terms each. Which terms are boundaries is told by their
//! slugs alone, so the parts depend only on the store (a `bantin build`
//! writes the daemon's), and a term that comes, goes or is dated anew changes
//! the one run it falls in; a boundary that comes or goes splits a run in two
//! or joins two. A run longer than [`Cut::max`] (odds of e^-8 with the
//! defaults; a crafted store could make more) is cut in order into parts of
//! at most that many, each named after its first term.
//!
//! A part is named after its first slug, which stays its name while that
//! term is listed: `/sitemaps/tags/<slug>.xml`; the run before a kind's first
//! boundary is `/sitemaps/tags.xml` (`authors` likewise). Terms sharing the
//! start of their slug share a part, so a change under an article whose tags
//! start alike (`nhan-0-1`, `nhan-0-2`, …) renders one or two parts; tags
//! with nothing in common fall in a part each.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use chrono::{DateTime, FixedOffset};

use super::sitemap::{withdrawn_at, Sitemap, Url};
use super::term_path;
use crate::index::Index;
use crate::taxonomy::{self, Kind, Term};

/// How the parts are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// One slug in this many (by its hash) starts a part: the mean length of
    /// a run.
    pub odds: u64,
    /// The most URLs a part holds (at most the protocol's 50,000).
    pub max: usize,
}

impl Cut {
    /// What the daemon and `bantin build` use. About 256 URLs a part (some
    /// 25 KB): an update renders and compresses a few of them, and the index,
    /// which lists every part, holds one line per 256 terms (215 lines at
    /// 55,000 terms). A run reaches [`Cut::max`] with odds of e^-8.
    pub const DEFAULT: Cut = Cut {
        odds: 256,
        max: 2048,
    };
}

/// What the sitemap index lists of every term part, by kind and key (a part's
/// first slug; "" for the run before the kind's first boundary): the order
/// of the index.
pub type TermMaps = BTreeMap<(Kind, String), Sitemap>;

/// One part: the pages of some terms of one kind, in slug order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Tags or authors.
    pub kind: Kind,
    /// Its first slug, or "" for the first part of the run before the first
    /// boundary.
    pub key: String,
    /// Its URLs, each dated by the newest article its page lists.
    pub urls: Vec<Url>,
}

impl Part {
    /// Its site path: `/sitemaps/tags.xml` for the key "", else
    /// `/sitemaps/tags/<key>.xml` (a slug is ASCII letters, digits and dashes).
    pub fn path(&self) -> String {
        path(self.kind, &self.key)
    }

    /// What the index lists of it: its path, dated by the latest of its URLs.
    pub fn sitemap(&self) -> Option<Sitemap> {
        let lastmod = self.urls.iter().map(|u| u.lastmod).max()?;
        Some(Sitemap {
            path: self.path(),
            lastmod,
        })
    }
}

/// The path of the part `key` of `kind` (see [`Part::path`]).
fn path(kind: Kind, key: &str) -> String {
    match key {
        "" => format!("/sitemaps/{}.xml", kind.segment()),
        slug => format!("/sitemaps/{}/{slug}.xml", kind.segment()),
    }
}

/// Whether the term `slug` starts a part (when it is listed): its XXH3 hash,
/// a fixed function of its bytes, is a multiple of `odds`.
fn is_boundary(cut: Cut, slug: &str) -> bool {
    xxhash_rust::xxh3::xxh3_64(slug.as_bytes()) % cut.odds.max(1) == 0
}

/// How the pages of one kind's terms in one index are dated in the
/// sitemaps: by the newest article each lists, or by the latest withdrawal
/// among its articles when that is later (the page lost an article then, so
/// its date must not go back to the newest one left).
///
/// The withdrawals are found by one walk over the withdrawn articles
/// ([`Index::withdrawn`]: a few, in a store of any size), made the first time a
/// term with a withdrawn article is dated; a term's count of withdrawn
/// articles tells that most have none, and those cost no walk.
struct Dating<'a> {
    index: &'a Index,
    kind: Kind,
    /// The latest withdrawal among each term's articles, by slug, for the
    /// terms that have one: made when first needed.
    withdrawals: OnceCell<HashMap<&'a str, DateTime<FixedOffset>>>,
}

impl<'a> Dating<'a> {
    /// The dating of the terms of `kind` in `index`.
    fn new(index: &'a Index, kind: Kind) -> Dating<'a> {
        Dating {
            index,
            kind,
            withdrawals: OnceCell::new(),
        }
    }

    /// When a term's page last changed, as its sitemap line says: the
    /// correction, else the publication, of the newest article it lists
    /// (withdrawn ones it does not), or its latest withdrawal if later;
    /// `None` for a term that lists none, which no sitemap lists.
    fn line(&self, term: &Term) -> Option<DateTime<FixedOffset>> {
        let newest = self.index.members(&term.members).listed().next()?;
        let a = &newest.entry()?.article;
        let newest = a.updated.unwrap_or(a.published);
        Some(self.withdrawal(term).map_or(newest, |at| at.max(newest)))
    }

    /// The sitemap line of the term `slug`, if it is listed.
    fn line_of(&self, slug: &str) -> Option<DateTime<FixedOffset>> {
        self.line(self.index.taxonomy(self.kind).get(slug)?)
    }

    /// The latest withdrawal (see [`withdrawn_at`]) among the term's articles.
    fn withdrawal(&self, term: &Term) -> Option<DateTime<FixedOffset>> {
        if term.withdrawn == 0 {
            return None;
        }
        let by_slug = self
            .withdrawals
            .get_or_init(|| withdrawals(self.index, self.kind));
        by_slug.get(term.slug.as_str()).copied()
    }
}

/// The latest withdrawal among the articles of each term of `kind` that has
/// one, by slug: from the withdrawn articles alone.
fn withdrawals(index: &Index, kind: Kind) -> HashMap<&str, DateTime<FixedOffset>> {
    let taxonomy = index.taxonomy(kind);
    let mut latest: HashMap<&str, DateTime<FixedOffset>> = HashMap::new();
    for m in index.withdrawn().iter() {
        let Some(a) = m.entry().map(|e| &e.article) else {
            continue;
        };
        let Some(at) = withdrawn_at(a) else {
            continue;
        };
        for slug in kind
            .names(a)
            .into_iter()
            .filter_map(|n| taxonomy.slug_of(n))
        {
            let date = latest.entry(slug).or_insert(at);
            *date = at.max(*date);
        }
    }
    latest
}

/// A run's terms, in slug order, with their lines.
type Lines<'a> = Vec<(&'a str, DateTime<FixedOffset>)>;

/// The parts of the run starting at `start` ("" for the run before the
/// first boundary) whose listed terms are `lines`: cut into parts of at most
/// `cut.max`, the first keyed by `start`, any later one by its first slug.
fn parts_of_run(cut: Cut, kind: Kind, start: &str, lines: &Lines<'_>) -> Vec<Part> {
    lines
        .chunks(cut.max.max(1))
        .enumerate()
        .map(|(i, chunk)| Part {
            kind,
            key: (if i == 0 { start } else { chunk[0].0 }).to_owned(),
            urls: chunk
                .iter()
                .map(|(slug, lastmod)| Url {
                    path: term_path(kind, slug),
                    lastmod: Some(*lastmod),
                })
                .collect(),
        })
        .collect()
}

/// Every part of `kind` in `index`, in key order: one walk over its terms.
pub fn every_part(index: &Index, kind: Kind, cut: Cut) -> Vec<Part> {
    let dating = Dating::new(index, kind);
    let mut out = Vec::new();
    let mut start = "";
    let mut lines = Lines::new();
    for term in index.taxonomy(kind).terms().values() {
        let Some(at) = dating.line(term) else {
            continue;
        };
        if is_boundary(cut, &term.slug) {
            out.extend(parts_of_run(cut, kind, start, &lines));
            lines.clear();
            start = &term.slug;
        }
        lines.push((&term.slug, at));
    }
    out.extend(parts_of_run(cut, kind, start, &lines));
    out
}

/// The start of the run holding the slot `to` bounds (`Included(slug)`:
/// the slot of `slug`; `Excluded(slug)`: the slot just before it): the
/// greatest listed boundary up to there, "" when there is none.
fn start_of<'a>(dating: &Dating<'a>, cut: Cut, to: Bound<String>) -> &'a str {
    let terms = dating.index.taxonomy(dating.kind).terms();
    terms
        .range((Bound::Unbounded, to))
        .rev()
        .find(|(slug, term)| is_boundary(cut, slug) && dating.line(term).is_some())
        .map_or("", |(slug, _)| slug.as_str())
}

/// The run starting at `start` (see [`start_of`]) of the terms `dating`
/// dates: its listed terms up to the next listed boundary, and that
/// boundary (`None`: the run is the kind's last).
fn run_from<'a>(dating: &Dating<'a>, start: &str, cut: Cut) -> (Lines<'a>, Option<&'a str>) {
    let mut lines = Lines::new();
    let from = start.to_owned();
    for (slug, term) in dating.index.taxonomy(dating.kind).terms().range(from..) {
        let Some(at) = dating.line(term) else {
            continue;
        };
        if slug.as_str() != start && is_boundary(cut, slug) {
            return (lines, Some(slug));
        }
        lines.push((slug, at));
    }
    (lines, None)
}

/// The slugs of `kind` whose lines (present, absent, dated) differ between
/// `before` and `after`, a change at `ids` (their entries differ, nothing
/// else does). Only the terms of the changed articles can be dated anew: a
/// term is dated by its own articles. And only a contested name can move
/// another term's slug: a name no other name contests holds its base slug
/// before and after, so the change leaves every other slug where it was.
/// A contested name can move slugs within its family only (see
/// [`taxonomy::families`]), so the candidates are the changed articles'
/// slugs and those families' slugs, in both indexes; the lines of each
/// tell which of them changed (a withdrawal dates only the terms of the
/// article withdrawn, which are among them).
pub fn touched(
    before: &Index,
    after: &Index,
    kind: Kind,
    ids: &BTreeSet<String>,
) -> BTreeSet<String> {
    let taxonomies = [before.taxonomy(kind), after.taxonomy(kind)];
    let mut slugs = BTreeSet::new();
    let mut roots = BTreeSet::new();
    for id in ids {
        for index in [before, after] {
            let Some(entry) = index.get(id) else {
                continue;
            };
            for name in kind.names(&entry.article) {
                for taxonomy in taxonomies {
                    slugs.extend(taxonomy.slug_of(name).map(str::to_owned));
                }
                if taxonomies.iter().any(|t| t.contested(name)) {
                    roots.extend(taxonomy::families(name, &taxonomies));
                }
            }
        }
    }
    for root in &roots {
        for taxonomy in taxonomies {
            slugs.extend(taxonomy.family(root).map(str::to_owned));
        }
    }
    let (was, is) = (Dating::new(before, kind), Dating::new(after, kind));
    slugs.retain(|slug| was.line_of(slug) != is.line_of(slug));
    slugs
}

/// What a change does to the term parts: the parts to render (some may come
/// out with the bytes they had), the paths no longer served, and what the
/// index lists after it.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// The parts of every run the change touched.
    pub parts: Vec<Part>,
    /// Parts listed before and not after.
    pub gone: Vec<String>,
    /// What the index lists of every term part after the change.
    pub maps: TermMaps,
}

/// Every term part of `index`, as a build makes them.
pub fn every(index: &Index, cut: Cut) -> Update {
    let mut update = Update::default();
    for kind in [Kind::Tag, Kind::Author] {
        for part in every_part(index, kind, cut) {
            if let Some(map) = part.sitemap() {
                update.maps.insert((kind, part.key.clone()), map);
            }
            update.parts.push(part);
        }
    }
    update
}

/// The term parts after a change at `ids` from `before` to `after`, from
/// `maps`, what the index listed before: only the runs holding a term whose
/// line differs are taken again (and, when that term is a boundary that
/// came or went, the run before it, which it ends). Gives the parts
/// [`every`] gives `after`; `None` when the change dates no term anew (an
/// edit of an article that heads none of its terms' lists), the usual case,
/// which costs a few lookups per term of the changed articles.
pub fn at(
    before: &Index,
    after: &Index,
    ids: &BTreeSet<String>,
    maps: &TermMaps,
    cut: Cut,
) -> Option<Update> {
    let touched = [Kind::Tag, Kind::Author].map(|kind| (kind, touched(before, after, kind, ids)));
    if touched.iter().all(|(_, slugs)| slugs.is_empty()) {
        return None;
    }
    let mut update = Update {
        maps: maps.clone(),
        ..Update::default()
    };
    for (kind, slugs) in touched {
        let (was, is) = (Dating::new(before, kind), Dating::new(after, kind));
        for start in runs_touched(&was, &is, &slugs, cut) {
            let (lines, end) = run_from(&is, &start, cut);
            // What the index listed in the run's span of slugs: the parts of
            // the runs it came from, or of those it joins.
            let listed = update.maps.range((kind, start.clone())..).map(|(k, _)| k);
            let listed: Vec<(Kind, String)> = listed
                .take_while(|(k, key)| *k == kind && end.is_none_or(|end| key.as_str() < end))
                .cloned()
                .collect();
            update.replace(&listed, parts_of_run(cut, kind, &start, &lines));
        }
    }
    Some(update)
}

impl Update {
    /// Takes the parts `listed` out of the maps and puts `parts` in, which
    /// are to be rendered; a path listed and not put again is gone.
    fn replace(&mut self, listed: &[(Kind, String)], parts: Vec<Part>) {
        let mut gone: BTreeSet<String> = listed
            .iter()
            .filter_map(|k| self.maps.remove(k))
            .map(|m| m.path)
            .collect();
        for part in parts {
            if let Some(map) = part.sitemap() {
                gone.remove(&map.path);
                self.maps.insert((part.kind, part.key.clone()), map);
            }
            self.parts.push(part);
        }
        self.gone.extend(gone);
    }
}

/// The starts of the runs of `after` that the lines of `slugs` changed: the
/// run each falls in, and for a boundary that came or went, the run before it.
fn runs_touched(
    before: &Dating<'_>,
    after: &Dating<'_>,
    slugs: &BTreeSet<String>,
    cut: Cut,
) -> BTreeSet<String> {
    let mut starts = BTreeSet::new();
    for slug in slugs {
        let start = start_of(after, cut, Bound::Included(slug.clone()));
        starts.insert(start.to_owned());
        let listed = |dating: &Dating<'_>| dating.line_of(slug).is_some();
        if is_boundary(cut, slug) && listed(before) != listed(after) {
            let start = start_of(after, cut, Bound::Excluded(slug.clone()));
            starts.insert(start.to_owned());
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::{Article, Withdrawal};
    use crate::index::{Entries, Entry};
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh as HCM;
    use std::sync::Arc;

    /// Small parts, so a few dozen terms make many runs and some long ones.
    const SMALL: Cut = Cut { odds: 6, max: 4 };

    /// An article published on day `day` (of 2024, from 1 January) with
    /// `tags` and `author`.
    fn article(id: &str, day: i64, tags: &[&str], author: Option<&str>) -> Article {
        let at = HCM.with_ymd_and_hms(2024, 1, 1, 8, 0, 0).unwrap() + chrono::Duration::days(day);
        let mut a = Article::sample(id, &["Tin"], id, at.fixed_offset());
        a.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        a.author = author.map(str::to_owned);
        a
    }

    fn entry(a: Article) -> Entry {
        Entry::full(Arc::new(a), None)
    }

    /// `a`, withdrawn.
    fn withdrawn(mut a: Article) -> Article {
        a.withdrawn = Some(Withdrawal {
            at: a.published,
            reason: None,
        });
        a
    }

    /// 40 articles with 3 tags each out of 60, and 7 authors.
    fn store() -> Entries {
        (0..40)
            .map(|n: i64| {
                let tags: Vec<String> = (0..3)
                    .map(|j| format!("nhãn {}", (n * 7 + j * 13) % 60))
                    .collect();
                let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
                let author = format!("Tác giả {}", n % 7);
                let id = format!("tin/{n:02}");
                (id.clone(), entry(article(&id, n, &tags, Some(&author))))
            })
            .collect()
    }

    /// Every part's URLs by path: what a site serves of them.
    fn served(parts: &[Part]) -> BTreeMap<String, Vec<Url>> {
        parts.iter().map(|p| (p.path(), p.urls.clone())).collect()
    }

    #[test]
    fn every_listed_term_is_in_one_part_of_bounded_size_named_after_its_first() {
        let mut entries = store();
        // Every article of `nhãn 5` withdrawn: listed nowhere.
        for (id, e) in entries.clone().iter() {
            if e.article.tags.iter().any(|t| t == "nhãn 5") {
                entries.insert(id.clone(), entry(withdrawn(e.article.as_ref().clone())));
            }
        }
        let index = Index::new(entries);
        for kind in [Kind::Tag, Kind::Author] {
            let parts = every_part(&index, kind, SMALL);
            let listed: Vec<String> = parts
                .iter()
                .flat_map(|p| p.urls.iter().map(|u| u.path.clone()))
                .collect();
            let want: Vec<String> = index
                .taxonomy(kind)
                .listed()
                .map(|t| term_path(kind, &t.slug))
                .collect();
            assert_eq!(
                listed, want,
                "{kind:?}: every listed term once, in slug order"
            );
            assert!(!listed.contains(&"/tags/nhan-5".to_owned()));
            let mut keys = BTreeSet::new();
            for (i, part) in parts.iter().enumerate() {
                assert!(
                    (1..=SMALL.max).contains(&part.urls.len()),
                    "{}",
                    part.path()
                );
                let first = part.urls[0].path.rsplit('/').next().unwrap();
                match part.key.as_str() {
                    "" => assert_eq!(i, 0, "only the first part can be the head"),
                    key => assert_eq!(key, first, "a part is named after its first term"),
                }
                assert!(keys.insert(part.path()), "{} twice", part.path());
            }
        }
        // The tags make runs longer than `max`, cut in parts named after
        // their first term, which is no boundary.
        let tags = every_part(&index, Kind::Tag, SMALL);
        assert!(
            tags.len() > 60 / SMALL.odds as usize,
            "{} parts",
            tags.len()
        );
        assert!(tags
            .iter()
            .any(|p| !p.key.is_empty() && !is_boundary(SMALL, &p.key)));
        // Dated by the newest article each term lists.
        let slug = index
            .taxonomy(Kind::Tag)
            .slug_of("nhãn 0")
            .unwrap()
            .to_owned();
        let newest = index.select_term_listed(Kind::Tag, &slug, 1)[0]
            .article
            .published;
        let url = tags
            .iter()
            .flat_map(|p| &p.urls)
            .find(|u| u.path == term_path(Kind::Tag, &slug));
        assert_eq!(url.and_then(|u| u.lastmod), Some(newest));
        // With the default cut, 60 terms are one part named after the kind.
        let paths: Vec<String> = every(&index, Cut::DEFAULT)
            .maps
            .into_values()
            .map(|m| m.path)
            .collect();
        assert_eq!(paths, ["/sitemaps/tags.xml", "/sitemaps/authors.xml"]);
    }

    #[test]
    fn a_withdrawal_dates_its_terms_pages_later_than_before() {
        // `tin/39`, the newest article, heads its tags and author; `tin/10`
        // heads none of its own.
        let before = Index::new(store());
        let line = |index: &Index, kind: Kind, name: &str| {
            let slug = index.taxonomy(kind).slug_of(name).unwrap();
            let line = every_part(index, kind, SMALL)
                .into_iter()
                .flat_map(|p| p.urls)
                .find(|u| u.path == term_path(kind, slug));
            line.and_then(|u| u.lastmod)
        };
        let late = HCM
            .with_ymd_and_hms(2025, 1, 1, 8, 0, 0)
            .unwrap()
            .fixed_offset();
        for id in ["tin/39", "tin/10"] {
            let mut a = withdrawn(get(&before, id));
            a.withdrawn.as_mut().unwrap().at = late;
            let mut entries = before.entries().clone();
            entries.insert(id.into(), entry(a.clone()));
            let after = Index::new(entries);
            let terms = a.tags.iter().map(|t| (Kind::Tag, t.as_str()));
            let terms = terms.chain(a.author.iter().map(|n| (Kind::Author, n.as_str())));
            for (kind, name) in terms {
                let was = line(&before, kind, name);
                assert!(was.is_some_and(|at| at < late), "{id} {name}: {was:?}");
                // Still listed (it has other articles), dated by the
                // withdrawal: the page lost an article then.
                assert_eq!(line(&after, kind, name), Some(late), "{id} {name}");
            }
        }
        // A term whose every article is withdrawn is listed nowhere, dated
        // or not.
        let mut entries = before.entries().clone();
        for (id, e) in before.entries().iter() {
            if e.article.tags.iter().any(|t| t == "nhãn 5") {
                let mut a = withdrawn(e.article.as_ref().clone());
                a.withdrawn.as_mut().unwrap().at = late;
                entries.insert(id.clone(), entry(a));
            }
        }
        assert_eq!(line(&Index::new(entries), Kind::Tag, "nhãn 5"), None);
        // A change renders the parts of the terms a withdrawal dates anew,
        // and they come out as a build's.
        let mut a = withdrawn(get(&before, "tin/10"));
        a.withdrawn.as_mut().unwrap().at = late;
        let parts = served(&every(&before, SMALL).parts);
        let (_, update, _) = step(&before, &parts, vec![("tin/10", Some(a))], "withdrawn");
        assert!(!update.parts.is_empty());
    }

    /// An article's id and its new version (`None`: removed).
    type Change<'a> = (&'a str, Option<Article>);

    /// Applies `changes` (an id and its new article, or `None` to remove
    /// it) to `index` as the daemon does, and checks the parts `at` gives
    /// against a build's: the same listing, and the same parts served once
    /// the rendered ones replace theirs and the gone ones leave. Gives the
    /// new index, what `at` gave and the parts served.
    fn step(
        index: &Index,
        served_before: &BTreeMap<String, Vec<Url>>,
        changes: Vec<Change<'_>>,
        what: &str,
    ) -> (Index, Update, BTreeMap<String, Vec<Url>>) {
        let mut entries = index.entries().clone();
        let mut ids = BTreeSet::new();
        for (id, a) in changes {
            match a {
                Some(a) => entries.insert(id.to_owned(), entry(a)),
                None => entries.remove(id),
            };
            ids.insert(id.to_owned());
        }
        let after = index.updated(entries, &ids);
        for kind in [Kind::Tag, Kind::Author] {
            let got = touched(index, &after, kind, &ids);
            let want = differing(index, &after, kind);
            assert_eq!(got, want, "{what}: the {kind:?} lines that differ");
        }
        let built = every(&after, SMALL);
        let maps = every(index, SMALL).maps;
        let update = at(index, &after, &ids, &maps, SMALL).unwrap_or(Update {
            maps,
            ..Update::default()
        });
        assert_eq!(update.maps, built.maps, "{what}: the index's listing");
        let mut now = served_before.clone();
        for gone in &update.gone {
            assert!(now.remove(gone).is_some(), "{what}: {gone} was not served");
        }
        now.extend(served(&update.parts));
        assert_eq!(now, served(&built.parts), "{what}: the parts served");
        (after, update, now)
    }

    /// Every slug of `kind` whose line differs between `before` and
    /// `after`, found the slow way: every slug of either, one by one.
    fn differing(before: &Index, after: &Index, kind: Kind) -> BTreeSet<String> {
        let slugs = [before, after]
            .into_iter()
            .flat_map(|index| index.taxonomy(kind).terms().keys().cloned());
        slugs
            .filter(|slug| {
                Dating::new(before, kind).line_of(slug) != Dating::new(after, kind).line_of(slug)
            })
            .collect()
    }

    /// The articles of `index` by id, to change.
    fn get(index: &Index, id: &str) -> Article {
        index.get(id).unwrap().article.as_ref().clone()
    }

    /// A tag name whose slug is (or is not) a boundary of [`SMALL`]; it
    /// sorts after every tag of [`store`].
    fn named(boundary: bool) -> String {
        (0..)
            .map(|n| format!("tin mới {n}"))
            .find(|name| is_boundary(SMALL, &crate::index::slugify(name)) == boundary)
            .unwrap()
    }

    #[test]
    fn a_change_renders_the_runs_it_touches_and_serves_what_a_build_serves() {
        let index = Index::new(store());
        let mut parts = served(&every(&index, SMALL).parts);
        let mut index = index;
        let (edge, plain) = (named(true), named(false));
        let new = article("moi/a", 50, &["nhãn 1", "nhãn 30"], Some("Tác giả 1"));
        let steps: Vec<(&str, Vec<Change<'_>>)> = vec![
            (
                "a new article under existing tags",
                vec![("moi/a", Some(new.clone()))],
            ),
            (
                "a new tag",
                vec![("moi/b", Some(article("moi/b", 51, &[plain.as_str()], None)))],
            ),
            (
                "a new tag that starts a part",
                vec![(
                    "moi/c",
                    Some(article("moi/c", 52, &[edge.as_str(), "nhãn 2"], None)),
                )],
            ),
            ("the part's first term gone", vec![("moi/c", None)]),
            (
                "an old article edited (no term dated anew)",
                vec![(
                    "tin/03",
                    Some({
                        let mut a = get(&index, "tin/03");
                        a.title.push('!');
                        a
                    }),
                )],
            ),
            (
                "a correction dates its terms anew",
                vec![(
                    "tin/03",
                    Some({
                        let mut a = get(&index, "tin/03");
                        a.updated = Some(a.published + chrono::Duration::days(90));
                        a
                    }),
                )],
            ),
            (
                "a tag renamed on one article",
                vec![(
                    "tin/39",
                    Some({
                        let mut a = get(&index, "tin/39");
                        a.tags = vec!["khác hẳn".into()];
                        a
                    }),
                )],
            ),
            (
                "another spelling wins",
                vec![(
                    "tin/38",
                    Some({
                        let mut a = get(&index, "tin/38");
                        a.tags = a.tags.iter().map(|t| t.to_uppercase()).collect();
                        a
                    }),
                )],
            ),
            ("a withdrawal", vec![("moi/a", Some(withdrawn(new)))]),
            (
                "a name contesting another's slug",
                vec![(
                    "moi/d",
                    Some(article(
                        "moi/d",
                        -5,
                        &["nhan 1", "Nhãn 1 "],
                        Some("tac gia 2"),
                    )),
                )],
            ),
            ("the contest over", vec![("moi/d", None)]),
            (
                "an author's last article gone",
                vec![
                    ("tin/06", None),
                    ("tin/13", None),
                    ("tin/20", None),
                    ("tin/27", None),
                    ("tin/34", None),
                ],
            ),
        ];
        for (what, changes) in steps {
            let (after, _, now) = step(&index, &parts, changes, what);
            (index, parts) = (after, now);
        }
    }

    #[test]
    fn a_change_under_one_term_renders_its_part_only() {
        let index = Index::new(store());
        let before = served(&every(&index, SMALL).parts);
        // A new article under one existing tag, newer than all.
        let a = article("moi/a", 60, &["nhãn 17"], None);
        let (after, update, _) = step(&index, &before, vec![("moi/a", Some(a))], "one tag");
        let slug = after.taxonomy(Kind::Tag).slug_of("nhãn 17").unwrap();
        let holding: Vec<String> = update
            .parts
            .iter()
            .filter(|p| p.urls.iter().any(|u| u.path == term_path(Kind::Tag, slug)))
            .map(Part::path)
            .collect();
        assert_eq!(holding.len(), 1);
        // Its run: the part holding it, and the others of its run if it is long.
        let start = start_of(
            &Dating::new(&after, Kind::Tag),
            SMALL,
            Bound::Included(slug.to_owned()),
        );
        assert!(update.parts.iter().all(|p| p.kind == Kind::Tag));
        assert!(update.parts.len() <= 60 / SMALL.max + 1);
        assert_eq!(update.parts[0].key, start);
        assert!(update.gone.is_empty());
        let changed: Vec<&String> = update
            .parts
            .iter()
            .filter(|p| before.get(&p.path()) != Some(&p.urls))
            .map(|p| &p.urls[0].path)
            .collect();
        assert_eq!(
            changed.len(),
            1,
            "only the part holding the term has new bytes: {changed:?}"
        );
        // An edit that dates no term anew renders no part.
        let mut edited = get(&after, "tin/10");
        edited.title.push_str(" (sửa)");
        let served_now = served(&every(&after, SMALL).parts);
        let ids = BTreeSet::from(["tin/10".to_owned()]);
        let mut entries = after.entries().clone();
        entries.insert("tin/10".into(), entry(edited.clone()));
        let edit = after.updated(entries, &ids);
        let maps = every(&after, SMALL).maps;
        assert!(at(&after, &edit, &ids, &maps, SMALL).is_none());
        let (_, update, _) = step(
            &after,
            &served_now,
            vec![("tin/10", Some(edited))],
            "an edit",
        );
        assert!(
            update.parts.is_empty() && update.gone.is_empty(),
            "{update:?}"
        );
    }

    #[test]
    fn a_term_that_moves_to_another_slug_renders_both_parts_and_a_boundary_joins_two() {
        let index = Index::new(store());
        let before = served(&every(&index, SMALL).parts);
        // The newest article's tags (it dates them) replaced by one far
        // away in slug order.
        let mut a = get(&index, "tin/39");
        let old: Vec<String> = a.tags.clone();
        a.tags = vec!["zê ta".into()];
        let (after, update, _) = step(&index, &before, vec![("tin/39", Some(a))], "moved");
        let rendered: Vec<&str> = update.parts.iter().map(|p| p.key.as_str()).collect();
        for name in old.iter().map(String::as_str).chain(["zê ta"]) {
            let slug = crate::index::slugify(name);
            let start = start_of(
                &Dating::new(&after, Kind::Tag),
                SMALL,
                Bound::Included(slug.clone()),
            );
            assert!(
                rendered.contains(&start),
                "{name}: run {start:?} in {rendered:?}"
            );
        }
        // A boundary term coming splits its run (both halves rendered) and
        // going joins them again (its part gone).
        let edge = named(true);
        let slug = crate::index::slugify(&edge);
        let now = served(&every(&after, SMALL).parts);
        let b = article("moi/b", 70, &[edge.as_str()], None);
        let (split, update, now) = step(&after, &now, vec![("moi/b", Some(b))], "split");
        let path = path(Kind::Tag, &slug);
        assert!(update.parts.iter().any(|p| p.path() == path));
        let before_it = start_of(
            &Dating::new(&split, Kind::Tag),
            SMALL,
            Bound::Excluded(slug.clone()),
        );
        assert!(
            update.parts.iter().any(|p| p.key == before_it),
            "the run it ends"
        );
        let (_, update, _) = step(&split, &now, vec![("moi/b", None)], "join");
        assert!(update.gone.contains(&path), "{:?}", update.gone);
        assert!(update.maps.values().all(|m| m.path != path));
    }

    #[test]
    fn a_contested_name_renders_the_parts_of_its_family_only() {
        // The `bao-so` family beside the 60 tags of `store`: two names of
        // one base and one that ends in a number, and `mưa`, contested by
        // no name yet.
        let mut entries = store();
        for (id, day, tag) in [
            ("bao/a", -10, "bão số"),
            ("bao/b", 3, "bao so"),
            ("bao/c", 5, "bão số 3"),
            ("mua/a", 7, "mưa"),
        ] {
            entries.insert(id.into(), entry(article(id, day, &[tag], None)));
        }
        let mut index = Index::new(entries);
        let tags = index.taxonomy(Kind::Tag);
        let slugs = ["bão số", "bao so", "bão số 3"].map(|n| tags.slug_of(n).unwrap());
        assert_eq!(slugs, ["bao-so", "bao-so-2", "bao-so-3"]);
        let mut parts = served(&every(&index, SMALL).parts);
        let tag = |id: &str, day, name| Some(article(id, day, &[name], None));
        let steps: Vec<(&str, Vec<Change<'_>>, &[&str])> = vec![
            (
                "a newer article under the suffixed name",
                vec![("bao/d", tag("bao/d", 80, "bao so"))],
                &["bao-so-2"],
            ),
            (
                "the suffixed name backdated: it takes the base, the other the suffix",
                vec![("bao/e", tag("bao/e", -20, "bao so"))],
                &["bao-so", "bao-so-2"],
            ),
            (
                "a new name of a numbered base, suffixed",
                vec![("bao/f", tag("bao/f", 30, "bao số 3"))],
                &["bao-so-3-2"],
            ),
            (
                "a name made contested, losing its base",
                vec![("mua/b", tag("mua/b", 1, "mua"))],
                &["mua", "mua-2"],
            ),
            (
                "the contest over: the name's base back",
                vec![("mua/b", None)],
                &["mua", "mua-2"],
            ),
            (
                "the older name's first article gone: the base back to it",
                vec![("bao/e", None)],
                &["bao-so", "bao-so-2"],
            ),
            (
                "a name whose base a suffix holds",
                vec![("bao/g", tag("bao/g", 40, "bão số 2"))],
                &["bao-so-2-2"],
            ),
            (
                "that name backdated: the suffixes after it move down the family",
                vec![("bao/g", tag("bao/g", -30, "bão số 2"))],
                &[
                    "bao-so-2",
                    "bao-so-2-2",
                    "bao-so-3",
                    "bao-so-3-2",
                    "bao-so-3-3",
                ],
            ),
        ];
        for (what, changes, want) in steps {
            let ids = changes.iter().map(|(id, _)| (*id).to_owned()).collect();
            let (after, update, now) = step(&index, &parts, changes, what);
            let got = touched(&index, &after, Kind::Tag, &ids);
            assert_eq!(got, want.iter().map(|s| s.to_string()).collect(), "{what}");
            // Only the runs of those slugs are rendered, a few of the many.
            let is = Dating::new(&after, Kind::Tag);
            let runs = runs_touched(&Dating::new(&index, Kind::Tag), &is, &got, SMALL);
            let of_runs: BTreeSet<String> = runs
                .iter()
                .flat_map(|start| {
                    let (lines, _) = run_from(&is, start, SMALL);
                    parts_of_run(SMALL, Kind::Tag, start, &lines)
                })
                .map(|p| p.key)
                .collect();
            let rendered: BTreeSet<String> = update.parts.iter().map(|p| p.key.clone()).collect();
            assert_eq!(rendered, of_runs, "{what}");
            let all = every_part(&after, Kind::Tag, SMALL).len();
            assert!(rendered.len() < all / 4, "{what}: {rendered:?} of {all}");
            (index, parts) = (after, now);
        }
    }

    /// Tag names whose slugs meet in every way a contest can: one base in
    /// several names, names ending in the numbers suffixes take, a suffix's
    /// suffix, a name whose stem no name has, and names apart.
    const CONTESTS: [&str; 12] = [
        "bão số",
        "bao so",
        "Bão số 2",
        "bao so 2",
        "bão số 3",
        "bão-số 2-2",
        "bão số 02",
        "gió 2",
        "gió 2 2",
        "mưa",
        "mua",
        "nắng",
    ];

    /// Over random small stores and a random change to one article (added,
    /// edited, taken away), the lines `touched` finds are every line that
    /// differs: no slug a contest moves is left out of its family, even
    /// the slug of a name the changed article does not carry.
    #[test]
    fn touched_finds_every_line_a_contest_changes() {
        use proptest::collection::{btree_set, vec};
        use proptest::test_runner::TestRunner;
        // An article: its day, and which names of the pool it carries.
        let article_of = || (0i64..20, btree_set(0..CONTESTS.len(), 1..4));
        let store = vec(article_of(), 1..10);
        // Which article changes (one past the last: a new one), and into what.
        let change = (0usize..10, proptest::option::of(article_of()));
        let make = |n: usize, (day, tags): &(i64, BTreeSet<usize>)| {
            let id = format!("tin/{n}");
            let tags: Vec<&str> = tags.iter().map(|&i| CONTESTS[i]).collect();
            (id.clone(), entry(article(&id, *day, &tags, None)))
        };
        let others_moved = std::cell::Cell::new(0);
        TestRunner::deterministic()
            .run(&(store, change), |(store, (at, new))| {
                let before: Entries = store.iter().enumerate().map(|(n, a)| make(n, a)).collect();
                let n = at % (store.len() + 1);
                let id = format!("tin/{n}");
                let mut after = before.clone();
                match &new {
                    Some(a) => after.insert(id.clone(), make(n, a).1),
                    None => after.remove(&id),
                };
                let carried: BTreeSet<String> = [&before, &after]
                    .iter()
                    .filter_map(|e| e.get(&id))
                    .flat_map(|e| e.article.tags.clone())
                    .collect();
                let ids = BTreeSet::from([id]);
                let (before, after) = (Index::new(before), Index::new(after));
                let want = differing(&before, &after, Kind::Tag);
                assert_eq!(touched(&before, &after, Kind::Tag, &ids), want);
                let slug = |index: &Index, name: &str| {
                    index.taxonomy(Kind::Tag).slug_of(name).map(str::to_owned)
                };
                let moved = |name: &str| {
                    let (was, is) = (slug(&before, name), slug(&after, name));
                    was.is_some() && is.is_some() && was != is
                };
                let others = CONTESTS.into_iter().filter(|name| !carried.contains(*name));
                if others.into_iter().any(moved) {
                    others_moved.set(others_moved.get() + 1);
                }
                Ok(())
            })
            .unwrap();
        assert!(
            others_moved.get() > 10,
            "a change moved another name's slug {} times",
            others_moved.get()
        );
    }
}
