//! Tags and authors: each keyword (`Từ khóa`) or author (`Tác giả`) as a term
//! with a slug, a display name and its articles, newest first.
//!
//! Slugs fold names exactly as category slugs do ([`slugify`]): names that
//! differ only in letter case are one term (shown with the spelling most
//! articles use, ties to the smallest). Different names that fold to one slug
//! (`bão lũ` and `bao lũ`, which Vietnamese readers tell apart) stay different
//! terms: the lowercased names are sorted, the first keeps the slug and the next
//! get `-2`, `-3`, …, so the same store always gives the same slugs.
//!
//! A term's members are `(newest first, id)` keys whose id is an `Arc<str>`
//! shared by every term of one article, so tens of thousands of terms at 100k
//! articles cost one id per article rather than one per membership.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use imbl::OrdSet;

use crate::article::Article;
use crate::index::{slugify, Entries};

/// The order of a term's articles: newest first, ties by id.
pub type MemberKey = (Reverse<i64>, Arc<str>);

/// Which taxonomy: tags or authors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `Từ khóa` / `Tags`.
    Tag,
    /// `Tác giả`.
    Author,
}

impl Kind {
    /// The URL segment its pages and feeds live under: `tags` or `authors`.
    pub fn segment(self) -> &'static str {
        match self {
            Kind::Tag => "tags",
            Kind::Author => "authors",
        }
    }

    /// The terms of this kind an article carries.
    pub fn names(self, a: &Article) -> Vec<&str> {
        match self {
            Kind::Tag => a.tags.iter().map(String::as_str).collect(),
            Kind::Author => a.author.as_deref().into_iter().collect(),
        }
    }
}

/// One tag or author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The URL slug, e.g. `bao-lu`.
    pub slug: String,
    /// The display name.
    pub name: String,
    /// Its articles, newest first.
    pub members: OrdSet<MemberKey>,
}

/// Lowercased name → spelling → how many articles use it.
type Spellings = BTreeMap<String, BTreeMap<String, usize>>;

/// Every term of one kind, by slug.
#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    terms: BTreeMap<String, Term>,
    /// Lowercased name → slug.
    slug_of: BTreeMap<String, String>,
    spellings: Spellings,
}

impl Taxonomy {
    /// The terms of `kind` that `entries` carry.
    pub fn new(kind: Kind, entries: &Entries) -> Taxonomy {
        let mut spellings = Spellings::new();
        let mut members: HashMap<String, Vec<MemberKey>> = HashMap::new();
        for e in entries.values() {
            let a = &e.article;
            let names = kind.names(a);
            if names.is_empty() {
                continue;
            }
            let id: Arc<str> = Arc::from(a.id.as_str());
            for name in names {
                let folded = fold(name);
                if folded.is_empty() {
                    continue;
                }
                vote(&mut spellings, &folded, name, Vote::For);
                members
                    .entry(folded)
                    .or_default()
                    .push((Reverse(a.published.timestamp()), id.clone()));
            }
        }
        let mut terms = BTreeMap::new();
        let mut slug_of = BTreeMap::new();
        // BTreeMap order: lowercased names sorted, so suffixes are deterministic.
        for (folded, counts) in &spellings {
            let name = display(counts);
            let base = slugify(&name);
            let mut slug = base.clone();
            let mut n = 2;
            while terms.contains_key(&slug) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            let keys = members.remove(folded).unwrap_or_default();
            terms.insert(
                slug.clone(),
                Term {
                    slug: slug.clone(),
                    name,
                    members: keys.into_iter().collect(),
                },
            );
            slug_of.insert(folded.clone(), slug);
        }
        Taxonomy {
            terms,
            slug_of,
            spellings,
        }
    }

    /// The taxonomy of `entries`, which differ from `before` (what `self` was
    /// built from) only at `ids`. Members and names change in place; when a
    /// term appears or disappears (which may move other terms' suffixes) the
    /// whole taxonomy is built again, so the result is always what
    /// [`Taxonomy::new`] would give.
    pub fn updated(
        &self,
        kind: Kind,
        before: &Entries,
        entries: &Entries,
        ids: &std::collections::BTreeSet<String>,
    ) -> Taxonomy {
        let mut next = self.clone();
        let mut touched = Vec::new();
        for id in ids {
            for (side, vote_is) in [(before, Vote::Against), (entries, Vote::For)] {
                let Some(e) = side.get(id) else { continue };
                let a = &e.article;
                let key: MemberKey = (Reverse(a.published.timestamp()), Arc::from(a.id.as_str()));
                for name in kind.names(a) {
                    let folded = fold(name);
                    if folded.is_empty() {
                        continue;
                    }
                    vote(&mut next.spellings, &folded, name, vote_is);
                    let Some(term) = next
                        .slug_of
                        .get(&folded)
                        .and_then(|slug| next.terms.get_mut(slug))
                    else {
                        // A new term: slugs may move.
                        return Taxonomy::new(kind, entries);
                    };
                    match vote_is {
                        Vote::For => term.members.insert(key.clone()),
                        Vote::Against => term.members.remove(&key),
                    };
                    touched.push(folded);
                }
            }
        }
        for folded in touched {
            let Some(counts) = next.spellings.get(&folded) else {
                // A term has no articles left: slugs may move.
                return Taxonomy::new(kind, entries);
            };
            let name = display(counts);
            if let Some(term) = next
                .slug_of
                .get(&folded)
                .and_then(|slug| next.terms.get_mut(slug))
            {
                if term.name != name {
                    // Another spelling won: its slug may differ.
                    return Taxonomy::new(kind, entries);
                }
            }
        }
        next
    }

    /// Every term, by slug.
    pub fn terms(&self) -> &BTreeMap<String, Term> {
        &self.terms
    }

    /// One term by slug.
    pub fn get(&self, slug: &str) -> Option<&Term> {
        self.terms.get(slug)
    }

    /// The slug of the term named `name` (in any letter case).
    pub fn slug_of(&self, name: &str) -> Option<&str> {
        self.slug_of.get(&fold(name)).map(String::as_str)
    }
}

/// Whether a spelling is counted in or out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vote {
    For,
    Against,
}

/// Counts one article's spelling `name` of the term `folded` in or out.
fn vote(spellings: &mut Spellings, folded: &str, name: &str, v: Vote) {
    let name = name.trim();
    match v {
        Vote::For => {
            *spellings
                .entry(folded.to_owned())
                .or_default()
                .entry(name.to_owned())
                .or_default() += 1;
        }
        Vote::Against => {
            let Some(counts) = spellings.get_mut(folded) else {
                return;
            };
            if let Some(n) = counts.get_mut(name) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(name);
                }
            }
            if counts.is_empty() {
                spellings.remove(folded);
            }
        }
    }
}

/// The spelling most articles use, ties to the smallest.
fn display(counts: &BTreeMap<String, usize>) -> String {
    counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(s, _)| s.clone())
        .unwrap_or_default()
}

/// What tells terms apart: the name trimmed and lowercased.
fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Entry;
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh;

    fn entry(id: &str, tags: &[&str], author: Option<&str>, day: u32) -> (String, Entry) {
        let article = Article {
            id: id.into(),
            categories: vec!["Tin".into()],
            title: id.into(),
            published: Ho_Chi_Minh
                .with_ymd_and_hms(2024, 3, day, 8, 0, 0)
                .unwrap()
                .fixed_offset(),
            captured: None,
            summary: String::new(),
            paragraphs: vec![],
            author: author.map(Into::into),
            source: None,
            tags: tags.iter().map(|s| s.to_string()).collect(),
            updated: None,
            withdrawn: None,
        };
        (id.into(), Entry::full(Arc::new(article), None))
    }

    fn ids(t: &Term) -> Vec<&str> {
        t.members.iter().map(|(_, id)| &**id).collect()
    }

    #[test]
    fn case_is_one_term_and_different_names_get_suffixes() {
        let entries = Entries::from_iter([
            entry("a", &["Bão lũ", "miền Trung"], Some("Trần Ngọc"), 1),
            entry("b", &["bão lũ"], Some("trần ngọc"), 2),
            entry("c", &["bão lũ", "bao lu"], None, 3),
            entry("d", &["  ", "Bao Lu"], Some("Trần Ngọc"), 4),
        ]);
        let tags = Taxonomy::new(Kind::Tag, &entries);
        let slugs: Vec<&str> = tags.terms().keys().map(String::as_str).collect();
        assert_eq!(slugs, ["bao-lu", "bao-lu-2", "mien-trung"]);
        // "bao lu" sorts before "bão lũ", so it keeps the plain slug.
        let plain = tags.get("bao-lu").unwrap();
        assert_eq!(plain.name, "Bao Lu"); // one each: ties go to the smallest
        assert_eq!(ids(plain), ["d", "c"]);
        let storm = tags.get("bao-lu-2").unwrap();
        assert_eq!(storm.name, "bão lũ"); // two of three articles spell it so
        assert_eq!(ids(storm), ["c", "b", "a"]);
        assert_eq!(tags.slug_of("BÃO LŨ"), Some("bao-lu-2"));
        assert_eq!(tags.slug_of("  "), None);

        let authors = Taxonomy::new(Kind::Author, &entries);
        let t = authors.get("tran-ngoc").unwrap();
        assert_eq!(t.name, "Trần Ngọc");
        assert_eq!(ids(t), ["d", "b", "a"]);
        assert_eq!(authors.terms().len(), 1);
    }

    #[test]
    fn an_update_gives_what_a_fresh_build_gives() {
        let before = Entries::from_iter([
            entry("a", &["Bão lũ"], Some("Trần Ngọc"), 1),
            entry("b", &["bão lũ", "Mưa"], None, 2),
        ]);
        let old = Taxonomy::new(Kind::Tag, &before);
        let cases: Vec<(Entries, &[&str])> = vec![
            // An edit that keeps the terms: in place.
            (
                before.update("a".into(), entry("a", &["Bão lũ"], None, 5).1),
                &["a"],
            ),
            // A new article with a new term, one losing its last article.
            (
                before
                    .update("c".into(), entry("c", &["Gió"], None, 3).1)
                    .without("b"),
                &["b", "c"],
            ),
            // Another spelling wins.
            (
                before
                    .update("c".into(), entry("c", &["BÃO LŨ"], None, 3).1)
                    .update("d".into(), entry("d", &["BÃO LŨ"], None, 4).1),
                &["c", "d"],
            ),
        ];
        for (after, changed) in cases {
            let ids = changed.iter().map(|s| s.to_string()).collect();
            let got = old.updated(Kind::Tag, &before, &after, &ids);
            let fresh = Taxonomy::new(Kind::Tag, &after);
            assert_eq!(got.terms, fresh.terms, "{changed:?}");
            assert_eq!(got.slug_of, fresh.slug_of, "{changed:?}");
        }
    }

    #[test]
    fn members_share_one_id_per_article() {
        let entries = Entries::from_iter([entry("a", &["x", "y"], Some("z"), 1)]);
        let tags = Taxonomy::new(Kind::Tag, &entries);
        let (x, y) = (tags.get("x").unwrap(), tags.get("y").unwrap());
        let (_, ix) = x.members.get_min().unwrap();
        let (_, iy) = y.members.get_min().unwrap();
        assert!(Arc::ptr_eq(ix, iy));
    }
}
