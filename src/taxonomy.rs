//! Tags and authors: each keyword (`Từ khóa`) or author (`Tác giả`) as a term
//! with a slug, a display name and its articles, newest first.
//!
//! Names are matched by their key ([`names::key`]), as category names are:
//! names that differ only in letter case, tone mark placement (`thủy sản`,
//! `thuỷ sản`), runs of spaces or characters that show nothing are one term
//! (shown with the spelling most articles use, ties to the one with fewer
//! eths, `Ð` for `Đ`, then the smallest). Slugs
//! fold names exactly as category slugs do ([`slugify`]), and names with one
//! key have one base slug. Different names that fold to one slug (`bão lũ`
//! and `bao lũ`, which Vietnamese readers tell apart) stay different terms:
//! the one that appeared first (whose oldest article is the oldest; ties to
//! the smaller key) keeps the slug and the later ones get `-2`,
//! `-3`, … So the same store always gives the same slugs, and a name that
//! appears later never takes the URL (the pages, the feeds, the Atom ids) that
//! readers of an older term subscribed to.
//!
//! The lists of terms people read (`/tags`, `/authors`, `/tags.opml`,
//! `/authors.opml`) are in Vietnamese alphabetical order of the names
//! ([`crate::collate`]), sorted when a taxonomy is built, not in slug order.
//!
//! A live update costs what it changes, not the number of terms: the maps
//! are persistent (`imbl`), so the copy an update makes shares every node it
//! does not touch, and a term that appears, empties or changes its spelling
//! without moving any slug is added, removed or moved in place (its place in
//! the alphabetical list found by binary search). Only a change that can move
//! a suffix builds the taxonomy again.
//!
//! A term's members are the index's keys (a date and an article number, see
//! [`crate::index::Members`]), so tens of thousands of terms at 100k articles
//! cost 12 bytes a membership and no id strings.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use imbl::{OrdMap, OrdSet, Vector};

use crate::article::Article;
use crate::collate::Alphabet;
use crate::index::{display, order, slugify, Members, SortKey, Table};
use crate::names;

mod lists;

pub use lists::{ListPage, ListPages, MostListed};

/// One article changed (added, edited or taken away), with its key before and after.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The article before, if it was in the index.
    pub before: Option<(SortKey, &'a Article)>,
    /// The article after, if it is in the index.
    pub after: Option<(SortKey, &'a Article)>,
}

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
    /// Its articles, newest first (read them through [`crate::index::Index::members`]).
    pub members: Members,
    /// How many of its members are withdrawn: kept with every change, so a
    /// count of what its pages list costs nothing however many it has.
    pub withdrawn: usize,
}

impl Term {
    /// How many of its articles are listed (not withdrawn): what its pages
    /// count, and zero for a term that is listed nowhere.
    pub fn listed(&self) -> usize {
        self.members.len().saturating_sub(self.withdrawn)
    }
}

/// A member before its term is sorted: newest first, ties by id, then its
/// number, and whether it is withdrawn.
type Unsorted<'a> = (Reverse<i64>, &'a str, u32, bool);

/// Name key ([`names::key`]) → spelling → how many articles use it.
type Spellings = OrdMap<String, BTreeMap<String, usize>>;

/// Every term of one kind, by slug.
///
/// Every collection is persistent: a clone costs a few reference counts
/// however many terms there are, and a change copies only the nodes on its
/// path, so [`Taxonomy::updated`] costs what changed.
#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    terms: OrdMap<String, Term>,
    /// Name key → slug.
    slug_of: OrdMap<String, String>,
    spellings: Spellings,
    /// The name keys whose slug another name's could take or has taken
    /// (their base slugs collide): the oldest article of each decides their
    /// suffixes, so a change to it rebuilds the taxonomy.
    contested: OrdSet<String>,
    /// Every slug, in Vietnamese alphabetical order of the names (ties by
    /// slug): sorted by [`Taxonomy::new`], kept in order by an update in
    /// place (see [`Taxonomy::place`]).
    alphabetical: Vector<String>,
    /// [`Taxonomy::list_pages`], once asked for.
    pages: Memo<ListPages>,
    /// [`Taxonomy::most_listed`], once asked for.
    most: Memo<MostListed>,
}

/// A list of every term cut and hashed (see [`lists`]), made the first time
/// it is asked for: the lists (`/tags`, `/authors`, the OPML lists) are
/// revalidated far more often than the taxonomy changes, and walking tens of
/// thousands of terms on every request would hold the thread that serves
/// every other request.
#[derive(Debug)]
struct Memo<T>(OnceLock<T>);

impl<T> Default for Memo<T> {
    fn default() -> Memo<T> {
        Memo(OnceLock::new())
    }
}

impl<T> Clone for Memo<T> {
    /// Empty: a taxonomy is cloned only to make the next one (see
    /// [`Taxonomy::updated`]), whose lists are made again when asked for.
    fn clone(&self) -> Memo<T> {
        Memo::default()
    }
}

impl Taxonomy {
    /// The terms of `kind` that the articles of `table` carry.
    pub fn new(kind: Kind, table: &Table) -> Taxonomy {
        let mut spellings = Spellings::new();
        let mut members: HashMap<String, Vec<Unsorted<'_>>> = HashMap::new();
        // A key costs a normalisation; a store names each term in many
        // articles, so each spelling's is made once.
        let mut keys: HashMap<&str, String> = HashMap::new();
        for (n, e) in table.iter().enumerate() {
            let Some(a) = e.as_ref().map(|e| &e.article) else {
                continue;
            };
            let names = kind.names(a);
            if names.is_empty() {
                continue;
            }
            let n = u32::try_from(n).expect("a table of fewer than 4 billion numbers");
            for name in names {
                let folded = keys.entry(name).or_insert_with(|| fold(name));
                if folded.is_empty() {
                    continue;
                }
                vote(&mut spellings, folded, name, Vote::For);
                members.entry(folded.clone()).or_default().push((
                    Reverse(a.published.timestamp()),
                    a.id.as_str(),
                    n,
                    a.withdrawn.is_some(),
                ));
            }
        }
        let mut named: Vec<(i64, &String, String, Term)> = spellings
            .iter()
            .map(|(folded, counts)| {
                let name = display(counts);
                let mut keys = members.remove(folded).unwrap_or_default();
                // Newest first, ties by id: the order of every list.
                keys.sort_unstable();
                let withdrawn = keys.iter().filter(|k| k.3).count();
                let first_seen = keys.last().map_or(i64::MAX, |k| k.0 .0);
                let keys = keys
                    .into_iter()
                    .map(|(Reverse(t), _, n, _)| SortKey::new(t, n))
                    .collect();
                let term = Term {
                    slug: slugify(&name),
                    name,
                    members: Members::from_sorted(keys),
                    withdrawn,
                };
                (first_seen, folded, term.slug.clone(), term)
            })
            .collect();
        // First come, first served: the term that appeared first keeps its slug.
        named.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let mut bases: HashMap<&str, usize> = HashMap::new();
        for (_, _, base, _) in &named {
            *bases.entry(base.as_str()).or_default() += 1;
        }
        // Contested: a base slug shared by several names, and a plain slug that
        // is another's with a suffix (`bão lũ 2`, `bao-lu-2`), which that
        // other's suffix may take. Few names in any store.
        let mut contested: OrdSet<String> = named
            .iter()
            .filter(|(_, _, base, _)| {
                let suffixed = stem(base).is_some_and(|stem| bases.contains_key(stem));
                suffixed || bases[base.as_str()] > 1
            })
            .map(|(_, folded, _, _)| (*folded).clone())
            .collect();
        let mut terms = OrdMap::new();
        let mut slug_of = OrdMap::new();
        for (_, folded, base, mut term) in named {
            let mut slug = base.clone();
            let mut n = 2;
            while terms.contains_key(&slug) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            if slug != base {
                contested.insert(folded.clone());
            }
            term.slug.clone_from(&slug);
            terms.insert(slug.clone(), term);
            slug_of.insert(folded.clone(), slug);
        }
        Taxonomy {
            alphabetical: alphabetical(&terms),
            terms,
            slug_of,
            spellings,
            contested,
            pages: Memo::default(),
            most: Memo::default(),
        }
    }

    /// The taxonomy after `changes`, whose numbers `table` holds (the numbers
    /// of articles taken away too). Members and names change in place, and so
    /// does a term that appears, empties or takes another spelling when no
    /// other term's slug can move (see [`Taxonomy::add`], [`Taxonomy::remove`]
    /// and [`Taxonomy::rename`]). Otherwise `None`: the whole taxonomy is to be
    /// built again with [`Taxonomy::new`], so the result is always what that
    /// would give.
    pub fn updated(&self, kind: Kind, changes: &[Change<'_>], table: &Table) -> Option<Taxonomy> {
        // Cheap: the copy shares every node until it is changed.
        let mut next = self.clone();
        let mut touched = BTreeSet::new();
        // Terms not seen before, with the keys of their articles and whether
        // each is withdrawn.
        let mut fresh: BTreeMap<String, Vec<(SortKey, bool)>> = BTreeMap::new();
        // The first appearance of each contested term touched, before the changes.
        let mut first_seen: BTreeMap<String, Option<SortKey>> = BTreeMap::new();
        let by = |a, b| order(table, a, b);
        for change in changes {
            for (side, vote_is) in [(change.before, Vote::Against), (change.after, Vote::For)] {
                let Some((key, a)) = side else { continue };
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
                        // Only an article coming in brings a term not seen
                        // before: an article going out had its terms.
                        match vote_is {
                            Vote::For => fresh
                                .entry(folded)
                                .or_default()
                                .push((key, a.withdrawn.is_some())),
                            Vote::Against => return None,
                        }
                        continue;
                    };
                    if next.contested.contains(&folded) {
                        let oldest = term.members.iter().next_back();
                        first_seen.entry(folded.clone()).or_insert(oldest);
                    }
                    let counted = match vote_is {
                        Vote::For => term.members.insert(key, by),
                        Vote::Against => term.members.remove(key, by),
                    };
                    // The withdrawn count follows the members it counts.
                    if counted && a.withdrawn.is_some() {
                        term.withdrawn = match vote_is {
                            Vote::For => term.withdrawn + 1,
                            Vote::Against => term.withdrawn.saturating_sub(1),
                        };
                    }
                    touched.insert(folded);
                }
            }
        }
        for (folded, before) in first_seen {
            // A contested term's first appearance moved: suffixes may move.
            let now = next
                .slug_of
                .get(&folded)
                .and_then(|slug| next.terms.get(slug))
                .and_then(|t| t.members.iter().next_back());
            if now.map(SortKey::published) != before.map(SortKey::published) {
                return None;
            }
        }
        let alphabet = OnceLock::new();
        let alphabet = || alphabet.get_or_init(Alphabet::vietnamese);
        // Terms leave before new ones come: a slug freed is free to take, as
        // it is in a taxonomy built without the term.
        for folded in touched {
            match next.spellings.get(&folded).map(display) {
                None => next.remove(alphabet(), &folded)?,
                Some(name) => next.rename(alphabet(), &folded, name)?,
            }
        }
        for (folded, keys) in fresh {
            next.add(alphabet(), folded, keys, table)?;
        }
        Some(next)
    }

    /// Takes away the term `folded`, which no article carries any more, or
    /// `None` when that may move another term's slug: when it is contested,
    /// or another slug is its own with a suffix (whose base may be the
    /// suffixed form of this term's, contested only while this term is).
    fn remove(&mut self, alphabet: &Alphabet, folded: &str) -> Option<()> {
        let slug = self.slug_of.get(folded)?.clone();
        if self.contested.contains(folded) || self.suffixed_exists(&slug) {
            return None;
        }
        let term = self.terms.get(&slug)?;
        let at = self.place(alphabet, &term.name, &slug).ok()?;
        self.alphabetical.remove(at);
        self.terms.remove(&slug);
        self.slug_of.remove(folded);
        Some(())
    }

    /// Gives the term `folded` the display name `name` (another spelling may
    /// have won), moving it in the alphabetical list, or `None` when its base
    /// slug changes with it: then its suffix, and others', may move.
    fn rename(&mut self, alphabet: &Alphabet, folded: &str, name: String) -> Option<()> {
        let slug = self.slug_of.get(folded)?.clone();
        let old = &self.terms.get(&slug)?.name;
        if *old == name {
            return Some(());
        }
        if slugify(old) != slugify(&name) {
            return None;
        }
        let at = self.place(alphabet, old, &slug).ok()?;
        self.alphabetical.remove(at);
        // Just taken out, so never found: `Err` is its place.
        let to = self.place(alphabet, &name, &slug).err()?;
        self.alphabetical.insert(to, slug.clone());
        self.terms.get_mut(&slug)?.name = name;
        Some(())
    }

    /// Adds the term `folded`, not seen before, whose articles are `keys`
    /// (with whether each is withdrawn), or `None` when it contests a slug
    /// (see [`Taxonomy::new`]): when another term holds its base slug, its
    /// base is another's with a suffix, or another's slug is its base with a
    /// suffix. A term that contests none takes its base slug and moves no
    /// other's, as it would in a taxonomy built with it.
    fn add(
        &mut self,
        alphabet: &Alphabet,
        folded: String,
        mut keys: Vec<(SortKey, bool)>,
        table: &Table,
    ) -> Option<()> {
        let name = self.spellings.get(&folded).map(display)?;
        let slug = slugify(&name);
        let suffix_of_another = stem(&slug).is_some_and(|stem| self.terms.contains_key(stem));
        // A slug no term holds is no term's base either: the first term of a
        // base always gets it plain.
        if self.terms.contains_key(&slug) || suffix_of_another || self.suffixed_exists(&slug) {
            return None;
        }
        keys.sort_unstable_by(|a, b| order(table, a.0, b.0));
        keys.dedup_by_key(|k| k.0.number());
        let withdrawn = keys.iter().filter(|k| k.1).count();
        let members = Members::from_sorted(keys.into_iter().map(|k| k.0).collect());
        let at = self.place(alphabet, &name, &slug).err()?;
        self.alphabetical.insert(at, slug.clone());
        self.slug_of.insert(folded, slug.clone());
        let term = Term {
            slug: slug.clone(),
            name,
            members,
            withdrawn,
        };
        self.terms.insert(slug, term);
        Some(())
    }

    /// Whether some slug is `slug` with a suffix (`-` and a digit after it).
    fn suffixed_exists(&self, slug: &str) -> bool {
        let prefix = format!("{slug}-");
        self.terms
            .range(prefix.clone()..)
            .map(|(s, _)| s)
            .take_while(|s| s.starts_with(&prefix))
            .any(|s| s[prefix.len()..].starts_with(|c: char| c.is_ascii_digit()))
    }

    /// Where the term `slug` named `name` is (`Ok`) or goes (`Err`) in the
    /// alphabetical list: its order is the names' in the alphabet, ties by
    /// slug, as [`Taxonomy::new`] sorts it.
    fn place(&self, alphabet: &Alphabet, name: &str, slug: &str) -> Result<usize, usize> {
        self.alphabetical.binary_search_by(|other| {
            let other_name = self.terms.get(other).map_or("", |t| t.name.as_str());
            alphabet
                .compare(other_name, name)
                .then_with(|| other.as_str().cmp(slug))
        })
    }

    /// Every term, by slug.
    pub fn terms(&self) -> &OrdMap<String, Term> {
        &self.terms
    }

    /// Every term with an article that is not withdrawn, by slug: what the
    /// pages sitemap lists (and, in another order, see
    /// [`Taxonomy::alphabetical`], the lists of terms people read). A term
    /// whose articles are all withdrawn keeps its page and feeds, for readers
    /// subscribed to them, but is listed nowhere.
    pub fn listed(&self) -> impl Iterator<Item = &Term> {
        self.terms.values().filter(|t| t.listed() > 0)
    }

    /// The listed terms in alphabetical order, each with its position in
    /// the alphabetical list (where terms with no listed article are too).
    fn listed_alphabetical(&self) -> impl Iterator<Item = (usize, &Term)> {
        self.alphabetical
            .iter()
            .enumerate()
            .filter_map(|(at, slug)| Some((at, self.terms.get(slug)?)))
            .filter(|(_, t)| t.listed() > 0)
    }

    /// [`Taxonomy::alphabetical`] in pages of `size` terms: what `/tags` and
    /// `/authors` show, page by page. Made once for the first `size` asked
    /// (the daemon asks one), and again on each call for another.
    pub fn list_pages(&self, size: usize) -> Cow<'_, ListPages> {
        let cut = || ListPages::cut(self.listed_alphabetical(), size);
        let memo = self.pages.0.get_or_init(cut);
        if memo.size == size.max(1) {
            Cow::Borrowed(memo)
        } else {
            Cow::Owned(cut())
        }
    }

    /// The terms `page` (one of [`Taxonomy::list_pages`]) shows, in order.
    pub fn page_terms(&self, page: &ListPage) -> impl Iterator<Item = &Term> {
        self.at(page.span.clone())
    }

    /// The `n` listed terms with the most listed articles, in alphabetical
    /// order: what `/tags.opml` or `/authors.opml` lists. Made once for the
    /// first `n` asked, and again on each call for another.
    pub fn most_listed(&self, n: usize) -> Cow<'_, MostListed> {
        let pick = || MostListed::pick(self.listed_alphabetical(), n);
        let memo = self.most.0.get_or_init(pick);
        if memo.n == n {
            Cow::Borrowed(memo)
        } else {
            Cow::Owned(pick())
        }
    }

    /// The listed terms at `positions` of the alphabetical list (those of a
    /// [`ListPage`] or a [`MostListed`]), in their order.
    pub fn at(&self, positions: impl IntoIterator<Item = usize>) -> impl Iterator<Item = &Term> {
        positions
            .into_iter()
            .filter_map(|at| self.alphabetical.get(at))
            .filter_map(|slug| self.terms.get(slug))
            .filter(|t| t.listed() > 0)
    }

    /// Every listed term (see [`Taxonomy::listed`]) in Vietnamese
    /// alphabetical order of their names: the order of `/tags`, `/authors`
    /// and the OPML lists, which show it in pages ([`Taxonomy::list_pages`])
    /// and its most used terms ([`Taxonomy::most_listed`]).
    pub fn alphabetical(&self) -> impl Iterator<Item = &Term> {
        self.alphabetical
            .iter()
            .filter_map(|slug| self.terms.get(slug))
            .filter(|t| t.listed() > 0)
    }

    /// One term by slug.
    pub fn get(&self, slug: &str) -> Option<&Term> {
        self.terms.get(slug)
    }

    /// Whether the name `name` (in any spelling of its key) is contested: its base
    /// slug is another name's too, or is another's with a suffix. Only a
    /// change to a contested name can move another term's slug; any other
    /// comes, goes or changes with its own slug alone.
    pub fn contested(&self, name: &str) -> bool {
        self.contested.contains(&fold(name))
    }

    /// The slug of the term named `name` (in any spelling of its key, see
    /// [`names::key`]).
    pub fn slug_of(&self, name: &str) -> Option<&str> {
        self.slug_of.get(&fold(name)).map(String::as_str)
    }

    /// The slugs terms hold in the family `root` (see [`families`]): the
    /// root, and the root with numbers on the end (`bao-so-2`, `bao-so-3`,
    /// `bao-so-3-2`). Read off the range of slugs that start with the root,
    /// a dash and a digit, so it costs the family's size, not the
    /// taxonomy's.
    pub fn family<'a>(&'a self, root: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        // ':' is the character after '9': the range is `<root>-<digit>…`.
        let numbered = self.terms.range(format!("{root}-0")..format!("{root}-:"));
        let numbered = numbered
            .map(|(slug, _)| slug.as_str())
            .filter(move |slug| numbered_in(slug, root));
        let plain = self
            .terms
            .get_key_value(root)
            .map(|(slug, _)| slug.as_str());
        plain.into_iter().chain(numbered)
    }
}

/// The roots of the families of slugs the name `name` can hold in any of
/// `taxonomies` (the same kind before and after a change): the slugs that
/// settling its contest, if it is contested, can move between names.
///
/// A name takes its base slug, or if that is taken the base with the first
/// free suffix, `-2`, `-3`, … (see [`Taxonomy::new`]). So two names can
/// take a slug from each other only when their bases are equal or one is
/// the other's with a number on the end: `bão số` and `bao so` (both
/// `bao-so`, one of them `bao-so-2`), or `bão số` and `bão số 2` (whose
/// `bao-so-2` a second `bao-so` would take, pushing it to `bao-so-2-2`).
/// A name's base is held by some term (itself, or the one that took it
/// first), so the links go through held slugs: climbing from the name's
/// base to its stem (the slug without its last number) while the stem is
/// held gives the root, and every slug a contest can move, in any
/// taxonomy, is that root or the root with numbers on the end: the root's
/// family, which [`Taxonomy::family`] lists. A held stem may be another
/// name's suffixed slug rather than a base; climbing past it gives a larger
/// family, never a smaller one, and the caller keeps only what changed.
///
/// The name's base is its slug without suffix, as each taxonomy displays it
/// and as `name` itself is spelled (they fold alike, and slug alike but for
/// letters whose case changes their transliteration).
pub fn families(name: &str, taxonomies: &[&Taxonomy]) -> BTreeSet<String> {
    let folded = fold(name);
    let displayed = taxonomies.iter().filter_map(|t| {
        let slug = t.slug_of.get(&folded)?;
        Some(slugify(&t.terms.get(slug)?.name))
    });
    let bases: BTreeSet<String> = displayed.chain([slugify(name)]).collect();
    let held = |slug: &str| taxonomies.iter().any(|t| t.terms.contains_key(slug));
    bases
        .iter()
        .map(|base| {
            let mut root = base.as_str();
            while let Some(up) = stem(root).filter(|up| held(up)) {
                root = up;
            }
            root.to_owned()
        })
        .collect()
}

/// The stem of `slug` when it ends in a number, `-` and digits (`bao-so-3`
/// → `bao-so`): the shape of a collision suffix, and of a name ending in a
/// number whose slug such a suffix of its stem can take.
fn stem(slug: &str) -> Option<&str> {
    let (stem, n) = slug.rsplit_once('-')?;
    is_number(n).then_some(stem)
}

/// Whether `slug` is of the family of `root`: `root` itself, or `root` with
/// numbers on the end (`bao-so-2`, `bao-so-2-2` for `bao-so`), the slugs a
/// contest over names that fold to `root` can hand out.
pub fn numbered_in(slug: &str, root: &str) -> bool {
    match slug.strip_prefix(root) {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix('-')
            .is_some_and(|n| n.split('-').all(is_number)),
        None => false,
    }
}

/// Whether `s` is digits, at least one.
fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The slugs of `terms` in Vietnamese alphabetical order of their names;
/// names the collation calls equal stay in slug order.
fn alphabetical(terms: &OrdMap<String, Term>) -> Vector<String> {
    let mut by_name: Vec<(&str, &str)> = terms
        .values()
        .map(|t| (t.slug.as_str(), t.name.as_str()))
        .collect();
    Alphabet::vietnamese().sort_by_name(&mut by_name, |(_, name)| name);
    by_name
        .into_iter()
        .map(|(slug, _)| slug.to_owned())
        .collect()
}

/// Whether a spelling is counted in or out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vote {
    For,
    Against,
}

/// Counts one article's spelling `name` of the term `folded` in or out.
fn vote(spellings: &mut Spellings, folded: &str, name: &str, v: Vote) {
    // As the parser gives it: trimmed of what shows nothing, then with its
    // bidi overrides closed (trimming again would cut the closers off).
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

/// What tells terms apart: the name's key ([`names::key`]), empty for a
/// name that shows nothing.
fn fold(name: &str) -> String {
    names::key(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{Entries, Entry, Index};
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh;
    use std::sync::Arc;

    #[test]
    fn a_family_is_its_root_and_the_root_with_numbers_on_the_end() {
        for slug in ["bao-so", "bao-so-2", "bao-so-2-2", "bao-so-10"] {
            assert!(numbered_in(slug, "bao-so"), "{slug}");
        }
        for slug in [
            "bao",
            "bao-so-",
            "bao-so-2-",
            "bao-so-x",
            "bao-sot",
            "bao-so/tin",
        ] {
            assert!(!numbered_in(slug, "bao-so"), "{slug}");
        }
    }

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

    fn ids<'a>(index: &'a Index, t: &'a Term) -> Vec<&'a str> {
        index.members(&t.members).iter().map(|m| m.id()).collect()
    }

    /// Every term of a kind as (slug, name, ids, listed count), to compare
    /// two indexes.
    fn view(index: &Index, kind: Kind) -> Vec<(String, String, Vec<String>, usize)> {
        let terms = index.taxonomy(kind).terms().values();
        terms
            .map(|t| {
                let ids = ids(index, t).into_iter().map(String::from).collect();
                (t.slug.clone(), t.name.clone(), ids, t.listed())
            })
            .collect()
    }

    /// `entry`, withdrawn.
    fn withdrawn((id, e): (String, Entry)) -> (String, Entry) {
        let mut a = e.article.as_ref().clone();
        a.withdrawn = Some(crate::article::Withdrawal {
            at: a.published,
            reason: None,
        });
        (id, Entry::full(Arc::new(a), None))
    }

    #[test]
    fn list_digests_follow_an_update_and_a_rebuild() {
        let before = Entries::from_iter([
            entry("a", &["Bão lũ"], Some("Trần Ngọc"), 1),
            entry("b", &["Mưa"], None, 2),
        ]);
        let old = Index::new(before.clone());
        let page = |t: &Taxonomy| t.list_pages(1000).get(1).unwrap().digest;
        let most = |t: &Taxonomy| t.most_listed(1000).digest;
        let (listing, names) = {
            let t = old.taxonomy(Kind::Tag);
            (page(t), most(t))
        };
        // Asked again: the same digests (from the memo).
        assert!(matches!(
            old.taxonomy(Kind::Tag).list_pages(1000),
            Cow::Borrowed(_)
        ));
        assert_eq!(page(old.taxonomy(Kind::Tag)), listing);
        // One more article under an existing tag: in place, the count moves and
        // the names do not.
        let more = before.update("c".into(), entry("c", &["Mưa"], None, 3).1);
        let ids = BTreeSet::from(["c".to_owned()]);
        let next = old.updated(more.clone(), &ids);
        let t = next.taxonomy(Kind::Tag);
        assert_ne!(page(t), listing, "a count changed");
        assert_eq!(most(t), names, "no name changed");
        // The same as a taxonomy built from scratch.
        let fresh = Index::new(more);
        assert_eq!(page(fresh.taxonomy(Kind::Tag)), page(t));
        // A new tag: both move.
        let newer = fresh.updated(
            fresh_entries_with(&fresh, entry("d", &["Gió"], None, 4)),
            &BTreeSet::from(["d".to_owned()]),
        );
        let t = newer.taxonomy(Kind::Tag);
        assert_ne!(most(t), names);
        assert_ne!(page(t), page(fresh.taxonomy(Kind::Tag)));
    }

    #[test]
    fn list_pages_show_the_alphabetical_list_page_by_page() {
        let names = ["Đá Mây", "diễn tập", "bão lũ", "Ả", "mưa", "gió", "Cần Thơ"];
        let mut entries = Entries::new();
        for (i, name) in names.iter().enumerate() {
            let id = format!("a{i}");
            entries = entries.update(id.clone(), entry(&id, &[name], None, 1).1);
        }
        // A term whose only article is withdrawn is on no page.
        entries = entries.update("w".into(), withdrawn(entry("w", &["ẩn"], None, 2)).1);
        let index = Index::new(entries);
        let t = index.taxonomy(Kind::Tag);
        let pages = t.list_pages(3);
        assert_eq!(pages.len(), 3);
        let shown: Vec<String> = (1..=pages.len())
            .flat_map(|n| t.page_terms(pages.get(n).unwrap()))
            .map(|t| t.name.clone())
            .collect();
        let whole: Vec<String> = t.alphabetical().map(|t| t.name.clone()).collect();
        assert_eq!(shown, whole);
        assert_eq!(shown.len(), names.len());
        assert_eq!(t.page_terms(pages.get(3).unwrap()).count(), 1);
        // The most used: every one when they are few.
        let most = t.most_listed(1000);
        assert!(most.every);
        let picked: Vec<String> = t
            .at(most.positions.iter().copied())
            .map(|t| t.name.clone())
            .collect();
        assert_eq!(picked, whole);
    }

    /// `index`'s entries with `(id, entry)` added.
    fn fresh_entries_with(index: &Index, (id, e): (String, Entry)) -> Entries {
        index.entries().update(id, e)
    }

    #[test]
    fn a_term_counts_its_listed_articles_through_every_change() {
        let before = Entries::from_iter([
            entry("a", &["Bão lũ"], Some("Trần Ngọc"), 1),
            withdrawn(entry("b", &["bão lũ", "Mưa"], Some("Trần Ngọc"), 2)),
            entry("c", &["Gió"], None, 3),
        ]);
        let old = Index::new(before.clone());
        let tags = old.taxonomy(Kind::Tag);
        let count = |slug: &str| tags.get(slug).map(|t| (t.members.len(), t.listed()));
        assert_eq!(count("bao-lu"), Some((2, 1)));
        assert_eq!(count("mua"), Some((1, 0)), "its only article is withdrawn");
        assert_eq!(count("gio"), Some((1, 1)));
        let author = old.taxonomy(Kind::Author).get("tran-ngoc").unwrap();
        assert_eq!(author.listed(), 1);
        let cases: Vec<(Entries, &[&str])> = vec![
            // A withdrawal taken back, one made: in place.
            (
                before
                    .update(
                        "b".into(),
                        entry("b", &["bão lũ", "Mưa"], Some("Trần Ngọc"), 2).1,
                    )
                    .update("c".into(), withdrawn(entry("c", &["Gió"], None, 3)).1),
                &["b", "c"],
            ),
            // A withdrawn article edited, and one deleted.
            (
                before
                    .update("b".into(), withdrawn(entry("b", &["Bão lũ"], None, 4)).1)
                    .without("a"),
                &["a", "b"],
            ),
        ];
        for (after, changed) in cases {
            let ids = changed.iter().map(|s| s.to_string()).collect();
            let got = old.updated(after.clone(), &ids);
            let fresh = Index::new(after);
            for kind in [Kind::Tag, Kind::Author] {
                assert_eq!(view(&got, kind), view(&fresh, kind), "{changed:?}");
            }
        }
    }

    #[test]
    fn case_is_one_term_and_different_names_get_suffixes() {
        let entries = Entries::from_iter([
            entry("a", &["Bão lũ", "miền Trung"], Some("Trần Ngọc"), 1),
            entry("b", &["bão lũ"], Some("trần ngọc"), 2),
            entry("c", &["bão lũ", "bao lu"], None, 3),
            entry("d", &["  ", "Bao Lu"], Some("Trần Ngọc"), 4),
        ]);
        let index = Index::new(entries);
        let tags = index.taxonomy(Kind::Tag);
        let slugs: Vec<&str> = tags.terms().keys().map(String::as_str).collect();
        assert_eq!(slugs, ["bao-lu", "bao-lu-2", "mien-trung"]);
        // "bão lũ" appeared first (on the 1st, "bao lu" on the 3rd), so it
        // keeps the plain slug, although "bao lu" sorts before it.
        let storm = tags.get("bao-lu").unwrap();
        assert_eq!(storm.name, "bão lũ"); // two of three articles spell it so
        assert_eq!(ids(&index, storm), ["c", "b", "a"]);
        let plain = tags.get("bao-lu-2").unwrap();
        assert_eq!(plain.name, "Bao Lu"); // one each: ties go to the smallest
        assert_eq!(ids(&index, plain), ["d", "c"]);
        assert_eq!(tags.slug_of("BÃO LŨ"), Some("bao-lu"));
        assert_eq!(tags.slug_of("  "), None);

        let authors = index.taxonomy(Kind::Author);
        let t = authors.get("tran-ngoc").unwrap();
        assert_eq!(t.name, "Trần Ngọc");
        assert_eq!(ids(&index, t), ["d", "b", "a"]);
        assert_eq!(authors.terms().len(), 1);
    }

    #[test]
    fn a_name_keeps_the_closer_the_parser_gave_its_override() {
        // As the parser gives a tag that opened a right-to-left override:
        // closed at its end (U+202C), which shows nothing but must stay.
        let closed = "thi \u{202e}đua\u{202c}";
        let index = Index::new(Entries::from_iter([entry("a", &[closed], Some(closed), 1)]));
        for kind in [Kind::Tag, Kind::Author] {
            let names: Vec<&str> = index
                .taxonomy(kind)
                .listed()
                .map(|t| t.name.as_str())
                .collect();
            assert_eq!(names, [closed], "{kind:?}");
        }
    }

    /// `Ð` (an eth, which converters leave) and `Đ` look alike and are one
    /// tag, one author and one category, shown with the Vietnamese letter
    /// when as many articles write each.
    #[test]
    fn an_eth_and_a_d_with_stroke_are_one_term_shown_with_the_d() {
        let entries = Entries::from_iter([
            entry("a", &["Ðà Nẵng"], Some("Ðỗ Văn Hải"), 1),
            entry("b", &["Đà Nẵng"], Some("Đỗ Văn Hải"), 2),
        ]);
        let index = Index::new(entries);
        let tags = index.taxonomy(Kind::Tag);
        let slugs: Vec<&str> = tags.terms().keys().map(String::as_str).collect();
        assert_eq!(slugs, ["da-nang"]);
        let city = tags.get("da-nang").unwrap();
        assert_eq!(ids(&index, city), ["b", "a"]);
        assert_eq!(city.name, "Đà Nẵng");
        let authors = index.taxonomy(Kind::Author);
        assert_eq!(authors.terms().len(), 1);
        assert_eq!(authors.get("do-van-hai").unwrap().name, "Đỗ Văn Hải");
    }

    #[test]
    fn tone_placements_and_invisible_characters_are_one_term() {
        let entries = Entries::from_iter([
            entry("a", &["thủy sản", "Hà Nội"], Some("Nguyễn Thị Thủy"), 1),
            entry(
                "b",
                &["thuỷ sản", "Hà Nội\u{200b}"],
                Some("Nguyễn Thị Thuỷ"),
                2,
            ),
            entry("c", &["Thuỷ sản", "\u{200b}"], Some("Nguyễn Thị Thuỷ"), 3),
            entry("d", &["hoá", "hoa", "hòa"], None, 4),
        ]);
        let index = Index::new(entries.clone());
        let tags = index.taxonomy(Kind::Tag);
        let slugs: Vec<&str> = tags.terms().keys().map(String::as_str).collect();
        // `hoá`, `hoa` and `hòa` are three words: suffixes tell them apart.
        assert_eq!(slugs, ["ha-noi", "hoa", "hoa-2", "hoa-3", "thuy-san"]);
        let fish = tags.get("thuy-san").unwrap();
        assert_eq!(ids(&index, fish), ["c", "b", "a"]);
        // One article each: ties go to the smallest spelling, a real one.
        assert_eq!(fish.name, "Thuỷ sản");
        let city = tags.get("ha-noi").unwrap();
        assert_eq!(ids(&index, city), ["b", "a"]);
        assert_eq!(city.name, "Hà Nội"); // the invisible character is trimmed
        for spelling in ["thủy sản", "THUỶ SẢN", "thuỷ  sản\u{ad}"] {
            assert_eq!(tags.slug_of(spelling), Some("thuy-san"), "{spelling}");
        }
        assert_eq!(tags.slug_of("\u{200b}"), None);

        let authors = index.taxonomy(Kind::Author);
        assert_eq!(authors.terms().len(), 1);
        let t = authors.get("nguyen-thi-thuy").unwrap();
        assert_eq!(t.name, "Nguyễn Thị Thuỷ"); // two of three articles
        assert_eq!(ids(&index, t), ["c", "b", "a"]);

        // An update that brings the other placement changes no slug, in
        // place, and gives what a rebuild gives.
        let more = entries.update("e".into(), entry("e", &["thủy sản"], None, 5).1);
        let next = index.updated(more.clone(), &BTreeSet::from(["e".to_owned()]));
        let fresh = Index::new(more);
        assert_eq!(view(&next, Kind::Tag), view(&fresh, Kind::Tag));
        let fish = next.taxonomy(Kind::Tag).get("thuy-san").unwrap();
        assert_eq!(ids(&next, fish), ["e", "c", "b", "a"]);
    }

    #[test]
    fn a_name_that_appears_later_never_takes_an_older_terms_slug() {
        let older = Entries::from_iter([
            entry("a", &["Bão lũ"], Some("Lê Hà"), 2),
            entry("b", &["bão lũ"], None, 3),
        ]);
        let index = Index::new(older.clone());
        assert_eq!(index.taxonomy(Kind::Tag).slug_of("bão lũ"), Some("bao-lu"));
        // A newer article brings names that fold to the same slugs, one of
        // them sorting first: the older terms keep their URLs.
        let newer = older.update(
            "c".into(),
            entry("c", &["bao lu", "Bão Lụ"], Some("Le Ha"), 9).1,
        );
        for index in [
            index.updated(newer.clone(), &["c".into()].into()),
            Index::new(newer),
        ] {
            let tags = index.taxonomy(Kind::Tag);
            assert_eq!(tags.slug_of("bão lũ"), Some("bao-lu"));
            assert_eq!(tags.slug_of("bao lu"), Some("bao-lu-2"));
            assert_eq!(tags.slug_of("bão lụ"), Some("bao-lu-3"));
            let authors = index.taxonomy(Kind::Author);
            assert_eq!(authors.slug_of("Lê Hà"), Some("le-ha"));
            assert_eq!(authors.slug_of("Le Ha"), Some("le-ha-2"));
        }
    }

    #[test]
    fn an_update_gives_what_a_fresh_build_gives() {
        let before = Entries::from_iter([
            entry("a", &["Bão lũ"], Some("Trần Ngọc"), 1),
            entry("b", &["bão lũ", "Mưa"], None, 2),
        ]);
        let old = Index::new(before.clone());
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
        // Two names of one slug: which appeared first decides the suffixes,
        // so a change to either's oldest article may move them.
        let before = Entries::from_iter([
            entry("a", &["Bão lũ"], None, 2),
            entry("b", &["bao lu"], None, 3),
            entry("c", &["Bão lũ"], None, 4),
            entry("d", &["bao lu"], None, 5),
        ]);
        let old_contested = Index::new(before.clone());
        let contested: Vec<(Entries, &[&str])> = vec![
            // Its oldest article gone, "bão lũ" now appeared after "bao lu".
            (before.clone().without("a"), &["a"]),
            // "bao lu" backdated before "bão lũ".
            (
                before.update("d".into(), entry("d", &["bao lu"], None, 1).1),
                &["d"],
            ),
            // A newer article of either: nothing moves, in place.
            (
                before.update("e".into(), entry("e", &["bao lu"], None, 6).1),
                &["e"],
            ),
            // A later name folding to the same slug takes none of theirs.
            (
                before.update("f".into(), entry("f", &["BẢO LỤ"], None, 7).1),
                &["f"],
            ),
        ];
        let cases = cases
            .into_iter()
            .map(|c| (&old, c))
            .chain(contested.into_iter().map(|c| (&old_contested, c)));
        for (old, (after, changed)) in cases {
            let ids = changed.iter().map(|s| s.to_string()).collect();
            let got = old.updated(after.clone(), &ids);
            let fresh = Index::new(after);
            for kind in [Kind::Tag, Kind::Author] {
                assert_eq!(view(&got, kind), view(&fresh, kind), "{changed:?}");
                let what = format!("{changed:?}");
                assert_same(got.taxonomy(kind), fresh.taxonomy(kind), &what);
            }
        }
    }

    #[test]
    fn terms_are_listed_in_vietnamese_alphabetical_order() {
        let entries = Entries::from_iter([
            entry("a", &["Đá Mây", "đầu tư công"], Some("Đỗ Hà"), 1),
            entry("b", &["diễn tập", "đại hội"], Some("Dương Lan"), 2),
            entry(
                "c",
                &["ẩm thực", "ăn uống", "an ninh"],
                Some("Ông Văn Ba"),
                3,
            ),
            entry(
                "d",
                &["ơn nghĩa", "ong mật", "ưu tiên", "uống nước"],
                None,
                4,
            ),
            entry("e", &["mạ", "má", "mà", "ma"], Some("Ơn Thị Hoa"), 5),
            // One tag in two spellings: its name is the one most articles use.
            entry("f", &["Đà Nẵng", "đà nẵng mới"], None, 6),
            entry("g", &["Đà Nẵng"], None, 7),
            entry("h", &["đà nẵng"], Some("Đinh Lễ"), 8),
        ]);
        let index = Index::new(entries.clone());
        let names = |index: &Index, kind| -> Vec<String> {
            let t = index.taxonomy(kind);
            t.alphabetical().map(|t| t.name.clone()).collect()
        };
        let tags = [
            "an ninh",
            "ăn uống",
            "ẩm thực",
            "diễn tập",
            // Letters first: m before n, whatever the tones.
            "Đá Mây",
            "Đà Nẵng",
            "đà nẵng mới",
            "đại hội",
            "đầu tư công",
            "ma",
            "mà",
            "má",
            "mạ",
            "ong mật",
            "ơn nghĩa",
            "uống nước",
            "ưu tiên",
        ];
        assert_eq!(names(&index, Kind::Tag), tags);
        let authors = ["Dương Lan", "Đinh Lễ", "Đỗ Hà", "Ông Văn Ba", "Ơn Thị Hoa"];
        assert_eq!(names(&index, Kind::Author), authors);
        // Slugs keep folding đ to d, so their order is not the alphabet's.
        let slugs: Vec<&str> = index
            .taxonomy(Kind::Tag)
            .terms()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(slugs[..4], ["am-thuc", "an-ninh", "an-uong", "da-may"]);
        // An update in place keeps the order; a term withdrawn leaves the list.
        let after = entries.update("b".into(), withdrawn(entry("b", &["diễn tập"], None, 2)).1);
        let got = index.updated(after.clone(), &["b".into()].into());
        let fresh = Index::new(after);
        let mut fewer = tags.to_vec();
        fewer.retain(|t| *t != "diễn tập" && *t != "đại hội");
        for index in [&got, &fresh] {
            assert_eq!(names(index, Kind::Tag), fewer);
        }
    }

    #[test]
    fn members_are_numbers_of_one_article() {
        let entries = Entries::from_iter([
            entry("a", &["x", "y"], Some("z"), 1),
            entry("b", &["x"], None, 2),
        ]);
        let index = Index::new(entries);
        let tags = index.taxonomy(Kind::Tag);
        let (x, y) = (tags.get("x").unwrap(), tags.get("y").unwrap());
        let a = index.key("a").unwrap();
        // The same 12-byte key in both terms, standing for the article `a`.
        assert_eq!(x.members.iter().collect::<Vec<_>>()[1], a);
        assert_eq!(y.members.first(), Some(a));
        assert_eq!(index.numbered(a.number()).unwrap().article.id, "a");
    }

    /// Asserts that two taxonomies agree in everything observable: terms
    /// (slugs, names, counts; members by number only where both number
    /// articles alike, see `update_and_compare`), slugs by name, spellings,
    /// the contested names and the alphabetical order.
    fn assert_same(got: &Taxonomy, want: &Taxonomy, what: &str) {
        let terms = |t: &Taxonomy| -> Vec<(String, String, usize, usize)> {
            let terms = t.terms.values();
            terms
                .map(|t| (t.slug.clone(), t.name.clone(), t.members.len(), t.withdrawn))
                .collect()
        };
        assert_eq!(terms(got), terms(want), "terms after {what}");
        assert_eq!(got.slug_of, want.slug_of, "slugs after {what}");
        assert_eq!(got.spellings, want.spellings, "spellings after {what}");
        assert_eq!(got.contested, want.contested, "contested after {what}");
        assert_eq!(got.alphabetical, want.alphabetical, "order after {what}");
    }

    /// A store as numbered slots (the number is the slot), so a test picks
    /// the numbers an update gives, as [`Index::updated`] does.
    type Slots = Vec<Option<Arc<Entry>>>;

    /// Updates the taxonomy of `before` to `after` (slot by slot) in place,
    /// if it can, and checks the result against a taxonomy built from
    /// `after`. Returns whether it was updated in place.
    fn update_and_compare(kind: Kind, before: &Slots, after: &Slots) -> bool {
        let len = before.len().max(after.len());
        let (mut before, mut after) = (before.clone(), after.clone());
        before.resize(len, None);
        after.resize(len, None);
        let old = Taxonomy::new(kind, &before.iter().cloned().collect());
        // While updating, a slot emptied still holds its article (see `Index::updated`).
        let during: Table = before
            .iter()
            .zip(&after)
            .map(|(b, a)| a.clone().or_else(|| b.clone()))
            .collect();
        fn key(n: usize, e: &Arc<Entry>) -> (SortKey, &Article) {
            let n = u32::try_from(n).unwrap();
            (
                SortKey::new(e.article.published.timestamp(), n),
                &*e.article,
            )
        }
        let changes: Vec<Change> = before
            .iter()
            .zip(&after)
            .enumerate()
            .filter(|(_, (b, a))| match (b, a) {
                (Some(b), Some(a)) => !Arc::ptr_eq(b, a),
                (b, a) => b.is_some() || a.is_some(),
            })
            .map(|(n, (b, a))| Change {
                before: b.as_ref().map(|e| key(n, e)),
                after: a.as_ref().map(|e| key(n, e)),
            })
            .collect();
        let want = Taxonomy::new(kind, &after.iter().cloned().collect());
        match old.updated(kind, &changes, &during) {
            Some(got) => {
                let what = format!("{changes:?}");
                assert_same(&got, &want, &what);
                // Numbered alike: the same keys in every term.
                assert_eq!(got.terms, want.terms, "members after {what}");
                true
            }
            None => false,
        }
    }

    fn slot(id: &str, tags: &[&str], day: u32) -> Option<Arc<Entry>> {
        Some(Arc::new(entry(id, tags, None, day).1))
    }

    #[test]
    fn terms_that_move_no_slug_come_and_go_in_place() {
        let before: Slots = vec![
            slot("a", &["Bão lũ", "Đà Nẵng"], 2),
            slot("b", &["bao lu", "Mưa"], 3),
            slot("c", &["ăn uống", "mưa"], 4),
        ];
        let with = |n: usize, s: Option<Arc<Entry>>| {
            let mut v = before.clone();
            if n == v.len() {
                v.push(s);
            } else {
                v[n] = s;
            }
            v
        };
        let in_place = [
            // A new term whose slug nobody holds, sorted among the others.
            ("a new term", with(3, slot("d", &["ẩm thực", "Gió"], 5))),
            // An older article with a new term: it appeared first, but
            // contests no slug.
            ("a new older term", with(3, slot("d", &["Đá"], 1))),
            // A term's last article goes.
            ("a term gone", with(2, slot("c", &["mưa"], 4))),
            ("a term gone with its article", with(2, None)),
            // Another spelling wins, with the same slug.
            ("a spelling", with(2, slot("c", &["ăn uống", "MƯA"], 4))),
        ];
        for (what, after) in in_place {
            assert!(update_and_compare(Kind::Tag, &before, &after), "{what}");
        }
        let rebuilt = [
            // Its base slug held: which appeared first decides the suffixes.
            ("a base slug taken", with(3, slot("d", &["BẢO LỤ"], 5))),
            // Its slug is another's with a suffix, which that other may take.
            ("a suffixed slug", with(3, slot("d", &["bão lũ 2"], 5))),
            ("a stem", with(3, slot("d", &["mưa 2"], 5))),
            // A contested term's last article goes.
            ("a contested term gone", with(1, slot("b", &["Mưa"], 3))),
        ];
        for (what, after) in rebuilt {
            assert!(!update_and_compare(Kind::Tag, &before, &after), "{what}");
        }
    }

    /// Tag names whose slugs collide in every way: same base, a base that is
    /// another's with a suffix, case and spelling variants, and alphabet order
    /// unlike slug order.
    const POOL: [&str; 10] = [
        "Bão lũ", "bão lũ", "bao lu", "Bao lu 2", "Mưa", "MƯA", "mưa 2", "đá", "Đá", "da",
    ];

    /// Over random small stores and random changes (articles added, edited,
    /// taken away), an update in place gives what a fresh build gives, in
    /// every field; and terms do come and go in place.
    #[test]
    fn updated_in_place_equals_rebuilt() {
        use proptest::test_runner::TestRunner;
        // Each article: its day, and which names of the pool it carries.
        let store = proptest::collection::vec(proptest::option::of((1u32..28, 0u16..1024)), 1..8);
        let slots = |v: &[Option<(u32, u16)>]| -> Slots {
            v.iter()
                .enumerate()
                .map(|(n, a)| {
                    let (day, mask) = (*a)?;
                    let mut seen = BTreeSet::new();
                    let tags: Vec<&str> = (0..POOL.len())
                        .filter(|&i| mask & (1 << i) != 0)
                        // One spelling per term in an article, as the parser keeps.
                        .filter(|&i| seen.insert(fold(POOL[i])))
                        .map(|i| POOL[i])
                        .collect();
                    slot(&format!("{n}"), &tags, day)
                })
                .collect()
        };
        let moved = std::cell::Cell::new(0);
        TestRunner::deterministic()
            .run(&(store.clone(), store), |(before, after)| {
                let (mut before, mut after) = (slots(&before), slots(&after));
                let len = before.len().max(after.len());
                before.resize(len, None);
                after.resize(len, None);
                // Unchanged articles keep their entries, as in the index.
                for (b, a) in before.iter().zip(after.iter_mut()) {
                    if let (Some(b), Some(x)) = (b, a.as_ref()) {
                        if b.article == x.article {
                            *a = Some(Arc::clone(b));
                        }
                    }
                }
                let count = |s: &Slots| {
                    Taxonomy::new(Kind::Tag, &s.iter().cloned().collect())
                        .terms
                        .len()
                };
                if update_and_compare(Kind::Tag, &before, &after) && count(&before) != count(&after)
                {
                    moved.set(moved.get() + 1);
                }
                Ok(())
            })
            .unwrap();
        assert!(moved.get() > 0, "no term came or went in place");
    }
}
