//! Articles by id and by category: the category tree, its slugs, and feed selection.
//!
//! An [`Index`] is an immutable snapshot built from the parsed articles. Everything in
//! it is ordered (B-trees, sorted vectors), so the same articles give the same index
//! whatever order the files were read in.
//!
//! Slugs: each breadcrumb element is ASCII-folded (`Tin tức tổng hợp` →
//! `tin-tuc-tong-hop`, `đ` → `d`) and joined under its parent's slug with `/`.
//! Names with one key ([`names::key`]: they differ only in letter case, tone
//! mark placement, runs of spaces or characters that show nothing) are one
//! category (displayed with the spelling most articles use, ties to the
//! smallest). Two different names that
//! fold to the same slug under one parent are told apart by suffixes: the one that
//! appeared first (whose oldest article is the oldest; ties to the smaller key)
//! keeps the slug, the next get `-2`, `-3`, … A name with no letters or digits at
//! all gets the slug `muc`.
//!
//! The top-level categories and each category's children are kept in
//! Vietnamese alphabetical order of their names ([`crate::collate`]), sorted
//! when the tree is built (on every update, with the rest of its structure):
//! the order the pages and the OPML list show.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::slice::ParallelSliceMut;
use std::sync::Arc;
use std::time::SystemTime;

use crate::article::Article;
use crate::collate::Alphabet;
use crate::names;
use crate::taxonomy::{Change, Kind, Taxonomy};

mod entries;
mod members;
mod view;

pub use entries::Entries;
pub use members::{Members, SortKey};
pub use view::{At, Keys, Member};

/// One article in the index, with the file facts served in HTTP validators.
///
/// The daemon keeps a *lean* article here (no body paragraphs: at 100k articles
/// the bodies are most of the memory) and reads the full one back from `source`
/// when a feed or page needs it. An entry built in memory holds the full article
/// and no source.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The article (lean when `source` is set).
    pub article: Arc<Article>,
    /// The file's modification time when read.
    pub modified: Option<SystemTime>,
    /// The file the full article is read back from, through the store boundary.
    pub source: Option<crate::store::Source>,
    /// A hash of the article's text (the file's bytes for a lean entry, the body
    /// paragraphs for a full one), so a change to it is a change to the entry.
    pub digest: u128,
}

impl Entry {
    /// An entry holding a full article in memory.
    pub fn full(article: Arc<Article>, modified: Option<SystemTime>) -> Entry {
        Entry {
            digest: memory_digest(&article),
            article,
            modified,
            source: None,
        }
    }

    /// A lean entry for `article`, parsed to [`crate::article::Depth::Head`] from
    /// `source`, whose bytes hash to `digest` (see [`crate::store::digest`]): the
    /// rest is read again from the file when needed.
    pub fn lean(
        article: Article,
        modified: Option<SystemTime>,
        source: crate::store::Source,
        digest: u128,
    ) -> Entry {
        Entry {
            article: Arc::new(article),
            modified,
            source: Some(source),
            digest,
        }
    }

    /// Whether two entries stand for the same article read from the same
    /// place: the same text (by digest) read into the same article, through
    /// the same file and store root. The file's mtime is not compared:
    /// nothing served comes from it but the date of an article whose text
    /// has none, and that date is in the article. So `touch`, or a rewrite
    /// with the same bytes, is no change (no counter, log line or render),
    /// while touching a file dated by its mtime changes its date, and so
    /// its article. The source is compared because pages and archives read
    /// the text back through it: a root replaced by an identical copy must
    /// not leave entries reading through the folder it replaced.
    pub fn same_as(&self, other: &Entry) -> bool {
        let same_source = match (&self.source, &other.source) {
            (Some(a), Some(b)) => a.path == b.path && a.root == b.root,
            (None, None) => true,
            _ => false,
        };
        self.same_article(other) && same_source
    }

    /// Whether two entries hold the same article from the same text, wherever
    /// it is read from: what a reader sees, and so what a file's warnings are
    /// about (a store read anew through a fresh root has the same articles).
    pub fn same_article(&self, other: &Entry) -> bool {
        self.digest == other.digest && self.article == other.article
    }
}

/// A hash of every field of an article held in memory, which has no file
/// bytes to hash: it changes whenever the article does, as a file's digest
/// does when its text is edited (validators are derived from it).
fn memory_digest(a: &Article) -> u128 {
    crate::store::digest(format!("{a:?}").as_bytes())
}

/// Article number → the article's entry (shared with [`Entries`]), for every
/// article in the index; `None` where a number is free. A number stands for an id in every sorted set
/// (see [`Members`]): 4 bytes there instead of a shared id string. Numbers
/// are given in id order when an index is built, and a new id takes a free
/// number (or the next) on an update, so a number keeps its id for as long
/// as the article is in the index.
pub type Table = imbl::Vector<Option<Arc<Entry>>>;

/// The article numbered `n`'s id ("" for a free number, which no set holds).
fn id_of(table: &Table, n: u32) -> &str {
    table
        .get(n as usize)
        .and_then(Option::as_deref)
        .map_or("", |e| e.article.id.as_str())
}

/// The order of every list: newest first, ties by id.
pub(crate) fn order(table: &Table, a: SortKey, b: SortKey) -> Ordering {
    b.published().cmp(&a.published()).then_with(|| {
        if a.number() == b.number() {
            Ordering::Equal
        } else {
            id_of(table, a.number()).cmp(id_of(table, b.number()))
        }
    })
}

/// Where `key` stands against an article published at `published` with id `id`.
fn order_to(table: &Table, key: SortKey, published: i64, id: &str) -> Ordering {
    published
        .cmp(&key.published())
        .then_with(|| id_of(table, key.number()).cmp(id))
}

/// A node of the category tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// The hierarchical slug, e.g. `tin-tuc/tin-tuc-tong-hop`.
    pub slug: String,
    /// The display name, from the breadcrumb.
    pub name: String,
    /// Display names from the root down to this category.
    pub path: Vec<String>,
    /// The parent's slug.
    pub parent: Option<String>,
    /// Child slugs, in Vietnamese alphabetical order of their names (ties
    /// by slug).
    pub children: Vec<String>,
    /// Articles of this category and every category below it, newest first.
    pub members: Members,
}

/// Category path prefix, each name by its key ([`path_key`]) → the spellings
/// seen for it, with counts.
type Spellings = BTreeMap<Vec<String>, BTreeMap<String, usize>>;

/// All articles, by id and by category.
#[derive(Debug, Clone, Default)]
pub struct Index {
    entries: Entries,
    /// Article number → article.
    table: Table,
    /// Numbers no article holds, to be given again.
    free: Vec<u32>,
    all: Members,
    categories: BTreeMap<String, Category>,
    /// The top-level categories' slugs, in the order of [`Index::roots`].
    roots: Vec<String>,
    /// Path prefix by its names' keys ([`path_key`]) → slug.
    slug_of: BTreeMap<Vec<String>, String>,
    spellings: Spellings,
    /// Every tag (`Từ khóa`), with its articles.
    tags: Taxonomy,
    /// Every author (`Tác giả`), with their articles.
    authors: Taxonomy,
    /// The articles corrected or withdrawn (see [`Index::marked`]).
    marked: Members,
    /// The withdrawn ones among them (see [`Index::withdrawn`]).
    withdrawn: Members,
    /// Every article again, keyed and ordered by its last event: its
    /// capture, correction or withdrawal (see [`Index::select_changed`]).
    by_change: Members,
}

/// Whether an article is corrected or withdrawn: one whose listing in a
/// sitemap its key alone does not tell (see [`Index::marked`]).
fn is_marked(a: &Article) -> bool {
    a.updated.is_some() || a.withdrawn.is_some()
}

/// The key of article number `n` in [`Index::select_changed`]'s set: its
/// last event ([`Article::last_event`]: its capture, latest correction or
/// withdrawal, or its publication if that is later) in place of its
/// publication, so the set's order is the order of change.
fn change_key(a: &Article, n: u32) -> SortKey {
    SortKey::new(a.last_event().timestamp(), n)
}

/// ASCII-folds one category name into a URL segment.
pub fn slugify(name: &str) -> String {
    // What shows nothing is no part of a slug, whatever transliteration it has:
    // names with one key (see [`names::key`]) have one slug.
    let shown: std::borrow::Cow<'_, str> = if name.chars().any(names::invisible) {
        name.chars().filter(|&c| !names::invisible(c)).collect()
    } else {
        name.into()
    };
    let folded = deunicode::deunicode(&shown).to_lowercase();
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "muc".to_owned()
    } else {
        slug.to_owned()
    }
}

/// The key of the category path `cats`: each level by its name's key
/// ([`names::key`]), so spellings of one name are one category.
fn path_key(cats: &[String]) -> Vec<String> {
    cats.iter().map(|c| names::key(c)).collect()
}

/// The key of the category path `a` is filed under (see [`path_key`]).
fn folded(a: &Article) -> Vec<String> {
    path_key(&a.categories)
}

/// Adds (or, with `add` false, takes away) the spellings of `times` articles
/// in the category path `cats`.
fn count(spellings: &mut Spellings, cats: &[String], times: usize, add: bool) {
    let keys = path_key(cats);
    for depth in 1..=cats.len() {
        let key = keys[..depth].to_vec();
        // As the parser gives it: trimmed of what shows nothing, then with
        // its bidi overrides closed (trimming again would cut the closers off).
        let spelling = cats[depth - 1].as_str();
        let counts = spellings.entry(key.clone()).or_default();
        let n = counts.entry(spelling.to_owned()).or_default();
        if add {
            *n += times;
        } else {
            *n = n.saturating_sub(times);
            if *n == 0 {
                counts.remove(spelling);
            }
            if counts.is_empty() {
                spellings.remove(&key);
            }
        }
    }
}

/// The display name of a category, tag or author: the spelling most
/// articles use; of those, the one with the fewest eths ([`names::eths`]),
/// then the smallest.
pub(crate) fn display(counts: &BTreeMap<String, usize>) -> String {
    counts
        .iter()
        .max_by(|a, b| {
            a.1.cmp(b.1)
                .then_with(|| names::eths(b.0).cmp(&names::eths(a.0)))
                .then_with(|| b.0.cmp(a.0))
        })
        .map(|(s, _)| s.clone())
        .unwrap_or_default()
}

/// Whether some of `bases` (sibling categories' unsuffixed slugs) would
/// collide: two the same, or one another's with a suffix (`Kinh tế 2`,
/// `kinh-te-2`), which that other's suffix may take.
fn contested(bases: &[String]) -> bool {
    let set: BTreeSet<&str> = bases.iter().map(String::as_str).collect();
    set.len() < bases.len()
        || bases.iter().any(|b| {
            b.rsplit_once('-').is_some_and(|(stem, n)| {
                n.bytes().all(|c| c.is_ascii_digit()) && set.contains(stem)
            })
        })
}

/// The category tree the spellings call for: slugs and names, no members yet.
/// `first_seen` gives the publication time of the oldest article filed under
/// a path by its key (or below it); it is asked only for siblings whose
/// names fold to one slug, of which any store has few.
fn structure(
    spellings: &Spellings,
    first_seen: impl Fn(&[String]) -> i64,
) -> (BTreeMap<Vec<String>, String>, BTreeMap<String, Category>) {
    // Siblings by depth and parent, so parents get their slugs first.
    let mut families: BTreeMap<(usize, &[String]), Vec<&Vec<String>>> = BTreeMap::new();
    for key in spellings.keys() {
        families
            .entry((key.len(), &key[..key.len() - 1]))
            .or_default()
            .push(key);
    }
    let mut slug_of: BTreeMap<Vec<String>, String> = BTreeMap::new();
    let mut categories: BTreeMap<String, Category> = BTreeMap::new();
    for ((_, parent_key), siblings) in families {
        let parent = (!parent_key.is_empty()).then(|| slug_of[parent_key].clone());
        let mut named: Vec<(&Vec<String>, String, String)> = siblings
            .into_iter()
            .map(|key| {
                let name = display(&spellings[key]);
                let base = match &parent {
                    Some(p) => format!("{p}/{}", slugify(&name)),
                    None => slugify(&name),
                };
                (key, name, base)
            })
            .collect();
        // Siblings come in sorted order of their names. Where names fold to
        // one slug, the category that appeared first (whose oldest article is
        // the oldest; ties to the smaller key) keeps it and later ones get
        // `-2`, `-3`, …: a new folder never takes the feed URL and Atom id
        // that readers of an older category subscribed to.
        let bases: Vec<String> = named.iter().map(|(_, _, b)| b.clone()).collect();
        if contested(&bases) {
            named.sort_by_cached_key(|(key, _, _)| (first_seen(key), (*key).clone()));
        }
        for (key, name, base) in named {
            let mut slug = base.clone();
            let mut n = 2;
            while categories.contains_key(&slug) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            let mut path = parent
                .as_ref()
                .map(|p| categories[p].path.clone())
                .unwrap_or_default();
            path.push(name.clone());
            if let Some(pc) = parent.as_ref().and_then(|p| categories.get_mut(p)) {
                pc.children.push(slug.clone());
            }
            slug_of.insert(key.clone(), slug.clone());
            categories.insert(
                slug.clone(),
                Category {
                    slug,
                    name,
                    path,
                    parent: parent.clone(),
                    children: Vec::new(),
                    members: Members::default(),
                },
            );
        }
    }
    // Sorted here, once per change of the tree, for every page that lists them.
    let alphabet = Alphabet::vietnamese();
    let sorted: Vec<(String, Vec<String>)> = categories
        .values()
        .filter(|c| c.children.len() > 1)
        .map(|c| {
            let children = c.children.iter().filter_map(|s| categories.get(s));
            (c.slug.clone(), alphabetical(&alphabet, children))
        })
        .collect();
    for (slug, children) in sorted {
        if let Some(c) = categories.get_mut(&slug) {
            c.children = children;
        }
    }
    (slug_of, categories)
}

/// The slugs of `categories` in Vietnamese alphabetical order of their names;
/// names the collation calls equal stay in slug order.
fn alphabetical<'a>(
    alphabet: &Alphabet,
    categories: impl Iterator<Item = &'a Category>,
) -> Vec<String> {
    let mut categories: Vec<&Category> = categories.collect();
    categories.sort_unstable_by(|a, b| a.slug.cmp(&b.slug));
    alphabet.sort_by_name(&mut categories, |c| &c.name);
    categories.into_iter().map(|c| c.slug.clone()).collect()
}

/// The top-level categories' slugs, in alphabetical order (see [`alphabetical`]).
fn roots_of(categories: &BTreeMap<String, Category>) -> Vec<String> {
    let roots = categories.values().filter(|c| c.parent.is_none());
    alphabetical(&Alphabet::vietnamese(), roots)
}

impl Index {
    /// Builds the index of `entries` (keyed by article id).
    pub fn new(entries: Entries) -> Index {
        // Numbered in id order (the map's), so at build time the order of
        // numbers is the order of ids and keys sort without looking ids up.
        let table: Table = entries.values_shared().map(|e| Some(e.clone())).collect();
        // Work per category path, of which there are far fewer than articles.
        let mut by_path: HashMap<&[String], Vec<SortKey>> = HashMap::new();
        let (mut marked, mut withdrawn, mut by_change) = (Vec::new(), Vec::new(), Vec::new());
        for (n, e) in entries.values().enumerate() {
            let key = SortKey::new(e.article.published.timestamp(), number(n));
            if is_marked(&e.article) {
                marked.push(key);
            }
            by_change.push(change_key(&e.article, key.number()));
            if e.article.withdrawn.is_some() {
                withdrawn.push(key);
            }
            by_path.entry(&e.article.categories).or_default().push(key);
        }
        let mut spellings = Spellings::new();
        for (cats, group) in &by_path {
            count(&mut spellings, cats, group.len(), true);
        }
        let (slug_of, mut categories) = structure(&spellings, |key| {
            by_path
                .iter()
                .filter(|(cats, _)| {
                    cats.len() >= key.len()
                        && cats.iter().zip(key).all(|(c, k)| names::key(c) == *k)
                })
                .flat_map(|(_, group)| group.iter().map(|k| k.published()))
                .min()
                .unwrap_or(i64::MAX)
        });
        let mut members: HashMap<&str, Vec<SortKey>> = HashMap::new();
        let mut all = Vec::with_capacity(entries.len());
        for (cats, group) in &by_path {
            let folded = path_key(cats);
            let slugs: Vec<&str> = (1..=folded.len())
                .filter_map(|depth| slug_of.get(&folded[..depth]).map(String::as_str))
                .collect();
            for slug in &slugs {
                members.entry(slug).or_default().extend_from_slice(group);
            }
            all.extend_from_slice(group);
        }
        drop(by_path);
        for (slug, keys) in members {
            if let Some(c) = categories.get_mut(slug) {
                c.members = sorted_by_number(keys);
            }
        }
        let all = sorted_by_number(all);
        Index {
            marked: sorted_by_number(marked),
            withdrawn: sorted_by_number(withdrawn),
            by_change: sorted_by_number(by_change),
            tags: Taxonomy::new(Kind::Tag, &table),
            authors: Taxonomy::new(Kind::Author, &table),
            all,
            table,
            free: Vec::new(),
            roots: roots_of(&categories),
            categories,
            slug_of,
            spellings,
            entries,
        }
    }

    /// The index of `entries`, which differ from this index's only at `ids`.
    /// Membership is updated in place; when the category tree itself changes
    /// (a category appears or empties, or its display name changes), the new
    /// tree takes each category's members from the one of the same path (see
    /// [`Index::carry_members`]), so the result is always what [`Index::new`]
    /// would give, without building a second index of the whole store.
    pub fn updated(&self, entries: Entries, ids: &BTreeSet<String>) -> Index {
        let mut next = self.clone();
        let mut changes = Vec::with_capacity(ids.len());
        let mut freed = Vec::new();
        let mut unused = next.table.len();
        for id in ids {
            let old = self.entries.get(id).and_then(|e| Some((self.key(id)?, e)));
            let new = entries.get_shared(id);
            if let Some((key, old)) = old {
                count(&mut next.spellings, &old.article.categories, 1, false);
                next.remove_member(&old.article, key);
            }
            if let Some(new) = &new {
                count(&mut next.spellings, &new.article.categories, 1, true);
            }
            // An id keeps its number; a new one takes a number freed by an
            // earlier change (not this one: its keys may still be in a set).
            let n = match (&old, &new) {
                (Some((key, _)), _) => key.number(),
                (None, Some(_)) => next.free.pop().unwrap_or_else(|| {
                    unused += 1;
                    number(unused - 1)
                }),
                (None, None) => continue,
            };
            if new.is_none() {
                freed.push(n);
            }
            let new = new.map(|e| (SortKey::new(e.article.published.timestamp(), n), e));
            changes.push((old, new));
        }
        for (_, new) in &changes {
            if let Some((key, e)) = new {
                // New numbers past the end come in increasing order.
                let slot = key.number() as usize;
                if slot == next.table.len() {
                    next.table.push_back(Some(Arc::clone(e)));
                } else {
                    next.table.set(slot, Some(Arc::clone(e)));
                }
            }
        }
        // The oldest article under a path: its category's (with the changes'
        // removals made) or one of the changes' additions.
        let first_seen = |key: &[String]| {
            let kept = next
                .slug_of
                .get(key)
                .and_then(|s| next.categories.get(s))
                .and_then(|c| c.members.iter().next_back())
                .map(SortKey::published);
            let added = changes
                .iter()
                .filter_map(|(_, new)| new.as_ref())
                .filter(|(_, e)| folded(&e.article).starts_with(key))
                .map(|(k, _)| k.published());
            kept.into_iter().chain(added).min().unwrap_or(i64::MAX)
        };
        let (slug_of, categories) = structure(&next.spellings, first_seen);
        let same_tree = slug_of == next.slug_of
            && categories.len() == next.categories.len()
            && categories.values().all(|c| {
                next.categories.get(&c.slug).is_some_and(|old| {
                    old.name == c.name && old.path == c.path && old.children == c.children
                })
            });
        if !same_tree {
            next.carry_members(slug_of, categories);
        }
        for (_, new) in &changes {
            if let Some((key, e)) = new {
                next.add_member(&e.article, *key);
            }
        }
        let articles: Vec<Change> = changes
            .iter()
            .map(|(old, new)| Change {
                before: old.map(|(k, e)| (k, &*e.article)),
                after: new.map(|(k, e)| (k, &*e.article)),
            })
            .collect();
        // The taxonomies look ids up in the table while the numbers of the
        // articles taken away are still in it (a number keeps its id), and
        // are built again from the table without them when terms come or go.
        let tags = self.tags.updated(Kind::Tag, &articles, &next.table);
        let authors = self.authors.updated(Kind::Author, &articles, &next.table);
        drop(articles);
        for n in freed {
            next.table.set(n as usize, None);
            next.free.push(n);
        }
        next.tags = tags.unwrap_or_else(|| Taxonomy::new(Kind::Tag, &next.table));
        next.authors = authors.unwrap_or_else(|| Taxonomy::new(Kind::Author, &next.table));
        next.entries = entries;
        next
    }

    /// Takes the category tree `slug_of` and `categories` (from [`structure`],
    /// with no members), each category with the members of the category of
    /// the same path key here: a category holds the articles filed
    /// under its path, whatever its slug or display name became.
    fn carry_members(
        &mut self,
        slug_of: BTreeMap<Vec<String>, String>,
        mut categories: BTreeMap<String, Category>,
    ) {
        for (path, slug) in &slug_of {
            let old = self.slug_of.get(path).and_then(|s| self.categories.get(s));
            if let (Some(old), Some(new)) = (old, categories.get_mut(slug)) {
                new.members = old.members.clone();
            }
        }
        self.slug_of = slug_of;
        self.roots = roots_of(&categories);
        self.categories = categories;
    }

    fn add_member(&mut self, a: &Article, key: SortKey) {
        let table = self.table.clone();
        let by = |x, y| order(&table, x, y);
        self.with_categories_of(a, |c| {
            c.members.insert(key, by);
        });
        self.all.insert(key, by);
        if is_marked(a) {
            self.marked.insert(key, by);
        }
        self.by_change.insert(change_key(a, key.number()), by);
        if a.withdrawn.is_some() {
            self.withdrawn.insert(key, by);
        }
    }

    fn remove_member(&mut self, a: &Article, key: SortKey) {
        let table = self.table.clone();
        let by = |x, y| order(&table, x, y);
        self.with_categories_of(a, |c| {
            c.members.remove(key, by);
        });
        self.all.remove(key, by);
        if is_marked(a) {
            self.marked.remove(key, by);
        }
        self.by_change.remove(change_key(a, key.number()), by);
        if a.withdrawn.is_some() {
            self.withdrawn.remove(key, by);
        }
    }

    /// Calls `f` on the category of `a` and each of its ancestors.
    fn with_categories_of(&mut self, a: &Article, mut f: impl FnMut(&mut Category)) {
        let folded = folded(a);
        for depth in 1..=folded.len() {
            if let Some(c) = self
                .slug_of
                .get(&folded[..depth])
                .and_then(|s| self.categories.get_mut(s))
            {
                f(c);
            }
        }
    }

    /// The entries, by id.
    pub fn entries(&self) -> &Entries {
        &self.entries
    }

    /// One article by id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// The entry of the article numbered `n`.
    pub fn numbered(&self, n: u32) -> Option<&Arc<Entry>> {
        self.table.get(n as usize).and_then(Option::as_ref)
    }

    /// The entry of the article a key stands for.
    pub fn entry(&self, key: SortKey) -> Option<&Entry> {
        self.numbered(key.number()).map(|e| &**e)
    }

    /// Every category by slug.
    pub fn categories(&self) -> &BTreeMap<String, Category> {
        &self.categories
    }

    /// The slug of the category an article is filed in (its breadcrumb's leaf).
    pub fn category_of(&self, id: &str) -> Option<&str> {
        // Found from the article's breadcrumb rather than kept per article:
        // a map of a million ids cost more memory than this costs time.
        let entry = self.entries.get(id)?;
        self.slug_of
            .get(&folded(&entry.article))
            .map(String::as_str)
    }

    /// The sort key of an article: where it stands in every list it is in.
    pub fn key(&self, id: &str) -> Option<SortKey> {
        // Every article is in the all-articles set, which gives its number.
        let published = self.entries.get(id)?.article.published.timestamp();
        let place = self
            .all
            .cursor(|k| order_to(&self.table, k, published, id) == Ordering::Less);
        self.all
            .at(place)
            .filter(|k| order_to(&self.table, *k, published, id) == Ordering::Equal)
    }

    /// The slugs of the categories an article belongs to, leaf and ancestors.
    pub fn feeds_of(&self, id: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut next = self.category_of(id);
        while let Some(slug) = next {
            out.push(slug);
            next = self.categories.get(slug).and_then(|c| c.parent.as_deref());
        }
        out
    }

    /// The keys of a category's articles (`None`: of all), newest first;
    /// `None` for an unknown category.
    pub fn keys(&self, slug: Option<&str>) -> Option<Keys<'_>> {
        match slug {
            None => Some(self.members(&self.all)),
            Some(s) => self.categories.get(s).map(|c| self.members(&c.members)),
        }
    }

    /// The keys of the articles corrected or withdrawn, newest first: a few,
    /// in a store of any size. Every other article is listed in the sitemap
    /// of its month and dated by its publication, which its key holds, so a
    /// month's sitemap parts are counted and dated from the keys, looking at
    /// the entries of these alone.
    pub fn marked(&self) -> Keys<'_> {
        self.members(&self.marked)
    }

    /// The keys of the withdrawn articles, newest first: what dates the
    /// pages and sitemaps that listed them (see `render::sitemap`), walked on
    /// updates, so kept apart from the corrected ones, which a news site
    /// gathers by the ten thousand.
    pub fn withdrawn(&self) -> Keys<'_> {
        self.members(&self.withdrawn)
    }

    /// The `n` articles with the latest events ([`Article::last_event`]:
    /// put in the store, corrected or withdrawn), latest first (ties by id):
    /// what the feed of changes lists. Kept in order on every update, so
    /// this reads `n` keys, whatever the size of the store.
    pub fn select_changed(&self, n: usize) -> Vec<Entry> {
        self.by_change
            .iter()
            .take(n)
            .filter_map(|k| self.entry(k).cloned())
            .collect()
    }

    /// A set of this index's (a category's, a tag's) read with its articles.
    pub fn members<'a>(&'a self, set: &'a Members) -> Keys<'a> {
        Keys::new(self, set)
    }

    /// The newest `n` articles of a category (`None`: of all), newest first, ties by id.
    pub fn select(&self, slug: Option<&str>, n: usize) -> Vec<Entry> {
        let Some(keys) = self.keys(slug) else {
            return Vec::new();
        };
        keys.iter()
            .take(n)
            .filter_map(|m| self.entry(m.key).cloned())
            .collect()
    }

    /// The newest `n` articles a category's page lists (`None`: the front
    /// page's): [`Index::select`] less the withdrawn, so `n` when there are
    /// `n` listed. Withdrawn articles are few: this looks up few entries past `n`.
    pub fn select_listed(&self, slug: Option<&str>, n: usize) -> Vec<Entry> {
        let Some(keys) = self.keys(slug) else {
            return Vec::new();
        };
        Self::listed_entries(keys, n)
    }

    /// The newest `n` articles a tag's or author's page lists: withdrawn
    /// ones left out, as [`Index::select_listed`].
    pub fn select_term_listed(&self, kind: Kind, slug: &str, n: usize) -> Vec<Entry> {
        let Some(term) = self.taxonomy(kind).get(slug) else {
            return Vec::new();
        };
        Self::listed_entries(self.members(&term.members), n)
    }

    /// The entries of the newest `n` listed members of `keys`.
    fn listed_entries(keys: Keys<'_>, n: usize) -> Vec<Entry> {
        keys.listed()
            .take(n)
            .filter_map(|m| m.entry().cloned())
            .collect()
    }

    /// The tags or the authors.
    pub fn taxonomy(&self, kind: Kind) -> &Taxonomy {
        match kind {
            Kind::Tag => &self.tags,
            Kind::Author => &self.authors,
        }
    }

    /// The newest `n` articles of a tag or author, newest first, ties by id.
    pub fn select_term(&self, kind: Kind, slug: &str, n: usize) -> Vec<Entry> {
        let Some(term) = self.taxonomy(kind).get(slug) else {
            return Vec::new();
        };
        term.members
            .iter()
            .take(n)
            .filter_map(|k| self.entry(k).cloned())
            .collect()
    }

    /// The articles filed just before and just after `id` in its own category
    /// (its breadcrumb's leaf), withdrawn articles passed over, as `(older, newer)`.
    pub fn around(&self, id: &str) -> (Option<&Entry>, Option<&Entry>) {
        let (Some(slug), Some(key)) = (self.category_of(id), self.key(id)) else {
            return (None, None);
        };
        let Some(cat) = self.categories.get(slug) else {
            return (None, None);
        };
        let keys = self.members(&cat.members);
        // Keys run newest first: after `key` is older, before it newer. A
        // withdrawn article's page is 410 Gone and every list but a month
        // page leaves it out, so the pager passes over it; withdrawn articles
        // are few, so this looks up few entries beyond the neighbour.
        let listed = |m: &Member<'_>| !self.is_withdrawn(m.key);
        let older = keys.range(At::After(key), At::End).find(listed);
        let newer = keys.range(At::Start, At::Key(key)).rev().find(listed);
        let get = |m: Option<Member<'_>>| m.and_then(|m| self.entry(m.key));
        (get(older), get(newer))
    }

    /// Whether the article `key` stands for is withdrawn: its page is a 410
    /// notice, which only a month page (the complete record) links.
    pub fn is_withdrawn(&self, key: SortKey) -> bool {
        self.entry(key)
            .is_some_and(|e| e.article.withdrawn.is_some())
    }

    /// The top-level categories, in Vietnamese alphabetical order of their
    /// names (ties by slug): the order of the front page and the OPML list.
    pub fn roots(&self) -> impl Iterator<Item = &Category> {
        self.roots.iter().filter_map(|s| self.categories.get(s))
    }
}

/// Position `n` in the id order of a new index, as an article number.
fn number(n: usize) -> u32 {
    u32::try_from(n).expect("fewer than 4 billion articles, as memory allows")
}

/// The set of `keys` numbered in id order (as [`Index::new`] numbers them), so
/// that `(newest first, number)` is the order of the lists.
fn sorted_by_number(mut keys: Vec<SortKey>) -> Members {
    keys.par_sort_unstable_by_key(|k| (Reverse(k.published()), k.number()));
    Members::from_sorted(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh;

    fn entry(id: &str, cats: &[&str], minute: u32) -> (String, Entry) {
        let at = Ho_Chi_Minh.with_ymd_and_hms(2020, 5, 10, 15, minute, 0);
        let article = Article::sample(id, cats, id, at.unwrap().fixed_offset());
        (id.into(), Entry::full(Arc::new(article), None))
    }

    #[test]
    fn slugs_fold_vietnamese() {
        assert_eq!(slugify("Tin tức tổng hợp"), "tin-tuc-tong-hop");
        assert_eq!(slugify("Điện Biên Phủ"), "dien-bien-phu");
        assert_eq!(slugify("Văn hóa - Xã hội"), "van-hoa-xa-hoi");
        assert_eq!(slugify("  !!  "), "muc");
    }

    #[test]
    fn tree_membership_and_order() {
        let idx = Index::new(Entries::from_iter([
            entry("a", &["Tin Tức", "Thời sự"], 1),
            entry("b", &["Tin tức", "Tổng hợp"], 2),
            entry("c", &["Tin Tức"], 2),
            entry("d", &["Kinh tế"], 3),
        ]));
        let slugs: Vec<_> = idx.categories().keys().cloned().collect();
        assert_eq!(
            slugs,
            ["kinh-te", "tin-tuc", "tin-tuc/thoi-su", "tin-tuc/tong-hop"]
        );
        assert_eq!(idx.categories()["tin-tuc"].name, "Tin Tức");
        let ids = |v: Vec<Entry>| v.iter().map(|e| e.article.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(idx.select(Some("tin-tuc"), 10)), ["b", "c", "a"]);
        assert_eq!(ids(idx.select(None, 2)), ["d", "b"]);
        assert_eq!(idx.feeds_of("a"), ["tin-tuc/thoi-su", "tin-tuc"]);
    }

    #[test]
    fn slugs_drop_what_shows_nothing() {
        assert_eq!(slugify("Hà Nội\u{200b}"), "ha-noi");
        assert_eq!(slugify("Hà \u{ad}Nội"), "ha-noi");
        assert_eq!(slugify("Văn hoá - Xã hội"), slugify("Văn hóa - Xã hội"));
        assert_eq!(slugify("\u{200b}"), "muc");
    }

    #[test]
    fn tone_placements_of_a_category_name_are_one_category() {
        let idx = Index::new(Entries::from_iter([
            entry("a", &["Văn hóa - Xã hội", "Y tế"], 1),
            entry("b", &["Văn hóa - Xã hội", "Giáo dục"], 2),
            entry("c", &["Văn hoá - Xã hội", "Y tế"], 3),
            entry("d", &["Văn hoá - Xã hội\u{200b}"], 4),
            entry("e", &["Hoà Bình"], 5),
            entry("f", &["Hoá Bình"], 6),
        ]));
        let slugs: Vec<_> = idx.categories().keys().cloned().collect();
        assert_eq!(
            slugs,
            [
                "hoa-binh",
                "hoa-binh-2",
                "van-hoa-xa-hoi",
                "van-hoa-xa-hoi/giao-duc",
                "van-hoa-xa-hoi/y-te"
            ]
        );
        // One name, shown with the spelling most of its articles use (the
        // index counts spellings as given: the parser has trimmed the
        // zero-width space of "d" before they get here).
        assert_eq!(idx.categories()["van-hoa-xa-hoi"].name, "Văn hóa - Xã hội");
        let ids = |v: Vec<Entry>| v.iter().map(|e| e.article.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(idx.select(Some("van-hoa-xa-hoi"), 10)),
            ["d", "c", "b", "a"]
        );
        assert_eq!(ids(idx.select(Some("van-hoa-xa-hoi/y-te"), 10)), ["c", "a"]);
        assert_eq!(idx.category_of("d"), Some("van-hoa-xa-hoi"));
        assert_eq!(idx.feeds_of("c"), ["van-hoa-xa-hoi/y-te", "van-hoa-xa-hoi"]);
        // An update in the other placement lands in the same category, and
        // gives the index a rebuild gives.
        let more = idx
            .entries()
            .update("g".into(), entry("g", &["Văn hóa - Xã hội", "Y tế"], 7).1);
        let next = idx.updated(more.clone(), &BTreeSet::from(["g".to_owned()]));
        assert_eq!(next.category_of("g"), Some("van-hoa-xa-hoi/y-te"));
        let fresh = Index::new(more);
        let view = |i: &Index| {
            i.categories()
                .values()
                .map(|c| {
                    (
                        c.slug.clone(),
                        c.name.clone(),
                        ids(i.select(Some(&c.slug), 10)),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(view(&next), view(&fresh));
    }

    #[test]
    fn roots_and_children_come_in_vietnamese_alphabetical_order() {
        let entries = Entries::from_iter([
            entry("a", &["Đời sống", "Đô thị"], 1),
            entry("b", &["Đời sống", "Du lịch"], 2),
            entry("c", &["Đời sống", "Dư luận"], 3),
            entry("d", &["Ẩm thực"], 4),
            entry("e", &["Ăn chơi"], 5),
            entry("f", &["An ninh"], 6),
            entry("g", &["Đời sống", "Ơn nghĩa"], 7),
            entry("h", &["Đời sống", "Ông bà"], 8),
            entry("i", &["Đời sống", "Ong mật"], 9),
            entry("j", &["Đời sống", "Ưu đãi"], 10),
            entry("k", &["Đời sống", "Uống nước"], 11),
            entry("l", &["Diễn đàn"], 12),
        ]);
        let names = |idx: &Index| -> (Vec<String>, Vec<String>) {
            let roots = idx.roots().map(|c| c.name.clone()).collect();
            let children = idx.categories()["doi-song"]
                .children
                .iter()
                .map(|s| idx.categories()[s].name.clone())
                .collect();
            (roots, children)
        };
        let roots = ["An ninh", "Ăn chơi", "Ẩm thực", "Diễn đàn", "Đời sống"];
        let children = [
            "Du lịch",
            "Dư luận",
            "Đô thị",
            "Ong mật",
            "Ông bà",
            "Ơn nghĩa",
            "Uống nước",
            "Ưu đãi",
        ];
        let idx = Index::new(entries.clone());
        assert_eq!(
            names(&idx),
            (
                roots.map(String::from).to_vec(),
                children.map(String::from).to_vec()
            )
        );
        // Slugs and URLs stay as they were: only the order of the lists moves.
        assert_eq!(idx.category_of("a"), Some("doi-song/do-thi"));
        assert_eq!(idx.category_of("d"), Some("am-thuc"));
        // A new root and child arriving as an update take their places too.
        let after = entries
            .update("m".into(), entry("m", &["Bạn đọc"], 13).1)
            .update("n".into(), entry("n", &["Đời sống", "Dân sinh"], 14).1);
        let updated = idx.updated(after.clone(), &["m".into(), "n".into()].into());
        let (roots, children) = names(&updated);
        assert_eq!(roots[3..], ["Bạn đọc", "Diễn đàn", "Đời sống"]);
        assert_eq!(children[..3], ["Dân sinh", "Du lịch", "Dư luận"]);
        assert_eq!(names(&updated), names(&Index::new(after)));
    }

    #[test]
    fn colliding_slugs_get_suffixes() {
        let idx = Index::new(Entries::from_iter([
            entry("a", &["Du lịch"], 1),
            entry("b", &["Dư lịch"], 2),
        ]));
        assert_eq!(idx.categories()["du-lich"].name, "Du lịch");
        assert_eq!(idx.categories()["du-lich-2"].name, "Dư lịch");
    }

    #[test]
    fn a_folder_that_appears_later_never_takes_an_older_categorys_slug() {
        let old = [
            entry("a", &["Thời sự"], 5),
            entry("b", &["Thời sự", "Trong nước"], 6),
        ];
        let slug = |idx: &Index, id: &str| idx.category_of(id).map(str::to_owned);
        // "Thoi su" sorts before "Thời sự" but appears later: it gets `-2`,
        // built at once or arriving as an update, and its own subcategory
        // nests under its own slug.
        let later = [
            entry("c", &["Thoi su"], 9),
            entry("d", &["Thoi su", "Trong nuoc"], 9),
        ];
        let built = Index::new(Entries::from_iter(
            old.clone().into_iter().chain(later.clone()),
        ));
        let idx = Index::new(Entries::from_iter(old.clone()));
        let entries = later.iter().fold(idx.entries().clone(), |e, (id, en)| {
            e.update(id.clone(), en.clone())
        });
        let updated = idx.updated(entries, &BTreeSet::from(["c".to_owned(), "d".to_owned()]));
        for idx in [&built, &updated] {
            assert_eq!(slug(idx, "a").as_deref(), Some("thoi-su"));
            assert_eq!(slug(idx, "b").as_deref(), Some("thoi-su/trong-nuoc"));
            assert_eq!(slug(idx, "c").as_deref(), Some("thoi-su-2"));
            assert_eq!(slug(idx, "d").as_deref(), Some("thoi-su-2/trong-nuoc"));
        }
        // Backdated before the first, it appeared first.
        let earlier = Index::new(Entries::from_iter(old.into_iter().chain([entry(
            "c",
            &["Thoi su"],
            1,
        )])));
        assert_eq!(slug(&earlier, "c").as_deref(), Some("thoi-su"));
        assert_eq!(slug(&earlier, "a").as_deref(), Some("thoi-su-2"));
        // A plain name that is another's slug with a suffix ("Thời sự 2")
        // keeps it when it came first, and the later collision goes on to `-3`.
        let chain = Index::new(Entries::from_iter([
            entry("e", &["Thời sự 2"], 1),
            entry("a", &["Thời sự"], 2),
            entry("c", &["Thoi su"], 3),
        ]));
        assert_eq!(slug(&chain, "e").as_deref(), Some("thoi-su-2"));
        assert_eq!(slug(&chain, "a").as_deref(), Some("thoi-su"));
        assert_eq!(slug(&chain, "c").as_deref(), Some("thoi-su-3"));
    }

    /// Everything a reader of the index sees, to compare two indexes.
    fn view(idx: &Index) -> Vec<(Option<String>, Vec<String>)> {
        let mut v = vec![(None, ids(idx.select(None, usize::MAX)))];
        let marked = idx.marked().iter().map(|m| m.id().to_owned()).collect();
        v.push((Some("marked".to_owned()), marked));
        let withdrawn = idx.withdrawn().iter().map(|m| m.id().to_owned()).collect();
        v.push((Some("withdrawn".to_owned()), withdrawn));
        v.push((
            Some("changed".to_owned()),
            ids(idx.select_changed(usize::MAX)),
        ));
        for (slug, c) in idx.categories() {
            assert_eq!(c.members.len(), idx.select(Some(slug), usize::MAX).len());
            v.push((
                Some(format!("{slug} {} {:?}", c.name, c.children)),
                ids(idx.select(Some(slug), usize::MAX)),
            ));
        }
        for id in idx.entries().keys() {
            v.push((
                Some(format!("leaf {id}")),
                idx.feeds_of(id).iter().map(|s| s.to_string()).collect(),
            ));
        }
        v
    }

    enum Mark {
        Corrected,
        Withdrawn,
    }

    /// `entry` corrected an hour after its publication, or withdrawn.
    fn marked((id, e): (String, Entry), mark: Mark) -> (String, Entry) {
        let mut a = e.article.as_ref().clone();
        match mark {
            Mark::Corrected => a.updated = Some(a.published + chrono::Duration::hours(1)),
            Mark::Withdrawn => {
                a.withdrawn = Some(crate::article::Withdrawal {
                    at: a.published,
                    reason: None,
                });
            }
        }
        (id, Entry::full(Arc::new(a), None))
    }

    fn ids(v: Vec<Entry>) -> Vec<String> {
        v.iter().map(|e| e.article.id.clone()).collect()
    }

    #[test]
    fn updated_equals_rebuilt() {
        let base = Entries::from_iter([
            entry("a", &["Tin Tức", "Thời sự"], 1),
            entry("b", &["Tin tức", "Tổng hợp"], 2),
            marked(entry("c", &["Tin Tức"], 3), Mark::Corrected),
            entry("d", &["Kinh tế"], 4),
        ]);
        let idx = Index::new(base.clone());
        let cases: Vec<(Entries, Vec<&str>)> = vec![
            // An edit that moves an article in time, same category.
            (
                base.update("a".into(), entry("a", &["Tin Tức", "Thời sự"], 9).1),
                vec!["a"],
            ),
            // A new article in a known category, and a removal that keeps the category.
            (
                base.update("e".into(), entry("e", &["Kinh tế"], 5).1)
                    .without("c"),
                vec!["e", "c"],
            ),
            // A new category (the tree changes: members carried by path).
            (
                base.update("f".into(), entry("f", &["Du lịch"], 6).1),
                vec!["f"],
            ),
            // A category empties (the tree changes).
            (base.without("d"), vec!["d"]),
            // A spelling change that flips a display name (the tree changes).
            (
                base.update("c".into(), entry("c", &["Tin tức"], 3).1),
                vec!["c"],
            ),
            // A correction and a withdrawal: the marked set follows.
            (
                base.update(
                    "a".into(),
                    marked(entry("a", &["Tin Tức", "Thời sự"], 1), Mark::Corrected).1,
                )
                .update(
                    "d".into(),
                    marked(entry("d", &["Kinh tế"], 4), Mark::Withdrawn).1,
                ),
                vec!["a", "d"],
            ),
            // A correction taken back, and a corrected article moved in time.
            (
                base.update("c".into(), entry("c", &["Tin Tức"], 3).1),
                vec!["c"],
            ),
            (
                base.update(
                    "c".into(),
                    marked(entry("c", &["Tin Tức"], 0), Mark::Corrected).1,
                ),
                vec!["c"],
            ),
            // A later correction: the article moves in the order of change only.
            (
                base.update(
                    "c".into(),
                    corrected_after(entry("c", &["Tin Tức"], 3), 9).1,
                ),
                vec!["c"],
            ),
            // A new subcategory under a known one: the parent's children change.
            (
                base.update("g".into(), entry("g", &["Kinh tế", "Du lịch"], 7).1),
                vec!["g"],
            ),
            // A new name that folds to an existing category's slug (and sorts
            // first): it gets `-2`.
            (
                base.update("h".into(), entry("h", &["Tin Tức", "Thoi su"], 8).1),
                vec!["h"],
            ),
            // The same name backdated before the existing one: it takes the
            // slug, and the existing one moves to `-2` with its members.
            (
                base.update("h".into(), entry("h", &["Tin Tức", "Thoi su"], 0).1),
                vec!["h"],
            ),
            // The oldest article of a contested category leaves: the other
            // appeared first now.
            (
                base.update("h".into(), entry("h", &["Tin Tức", "Thoi su"], 8).1)
                    .update("i".into(), entry("i", &["Tin Tức", "Thoi su"], 0).1)
                    .without("a"),
                vec!["h", "i", "a"],
            ),
        ];
        for (entries, changed) in cases {
            let changed: BTreeSet<String> = changed.into_iter().map(String::from).collect();
            let incremental = idx.updated(entries.clone(), &changed);
            assert_eq!(
                view(&incremental),
                view(&Index::new(entries)),
                "{changed:?}"
            );
        }
    }

    #[test]
    fn neighbours_skip_withdrawn_articles() {
        // Newest first: e, d (withdrawn), c (withdrawn), b, a; "x" elsewhere.
        let idx = Index::new(Entries::from_iter([
            entry("a", &["Tin"], 1),
            entry("b", &["Tin"], 2),
            marked(entry("c", &["Tin"], 3), Mark::Withdrawn),
            marked(entry("d", &["Tin"], 4), Mark::Withdrawn),
            marked(entry("e", &["Tin"], 5), Mark::Corrected),
            entry("x", &["Khác"], 3),
        ]));
        let around = |id| {
            let (older, newer) = idx.around(id);
            let id = |e: Option<&Entry>| e.map(|e| e.article.id.clone());
            (id(older), id(newer))
        };
        let some = |id: &str| Some(id.to_owned());
        // Past two withdrawn articles both ways; a corrected one is listed.
        assert_eq!(around("b"), (some("a"), some("e")));
        assert_eq!(around("e"), (some("b"), None));
        assert_eq!(around("a"), (None, some("b")));
        // A withdrawn article's own neighbours are listed ones too.
        assert_eq!(around("c"), (some("b"), some("e")));
    }

    /// `entry` corrected `hours` after its publication.
    fn corrected_after((id, e): (String, Entry), hours: i64) -> (String, Entry) {
        let mut a = e.article.as_ref().clone();
        a.updated = Some(a.published + chrono::Duration::hours(hours));
        (id, Entry::full(Arc::new(a), None))
    }

    /// `entry` captured (saved into the store) `hours` after its publication.
    fn captured_after((id, e): (String, Entry), hours: i64) -> (String, Entry) {
        let mut a = e.article.as_ref().clone();
        a.captured = Some(a.published + chrono::Duration::hours(hours));
        (id, Entry::full(Arc::new(a), None))
    }

    #[test]
    fn the_changed_come_latest_event_first_whatever_their_publication() {
        // Published a (oldest) to e, a minute apart; a corrected last, e
        // withdrawn at its publication, c corrected an hour after; b and d
        // never changed, so listed by their publication.
        let base = Entries::from_iter([
            corrected_after(entry("a", &["Tin"], 1), 48),
            entry("b", &["Tin"], 2),
            marked(entry("c", &["Tin"], 3), Mark::Corrected),
            entry("d", &["Tin"], 4),
            marked(entry("e", &["Khác"], 5), Mark::Withdrawn),
        ]);
        let idx = Index::new(base.clone());
        assert_eq!(ids(idx.select_changed(10)), ["a", "c", "e", "d", "b"]);
        assert_eq!(ids(idx.select_changed(2)), ["a", "c"]);
        // A later correction of c takes it to the top; an update keeps the
        // order as a build does, and nothing else moves.
        let entries = base.update("c".into(), corrected_after(entry("c", &["Tin"], 3), 72).1);
        let c = BTreeSet::from(["c".to_owned()]);
        let updated = idx.updated(entries.clone(), &c);
        assert_eq!(ids(updated.select_changed(10)), ["c", "a", "e", "d", "b"]);
        assert_eq!(
            ids(Index::new(entries).select_changed(10)),
            ["c", "a", "e", "d", "b"]
        );
        // b put in the store late, captured after every other event: first.
        let entries = base.update("b".into(), captured_after(entry("b", &["Tin"], 2), 100).1);
        let b = BTreeSet::from(["b".to_owned()]);
        let late = idx.updated(entries.clone(), &b);
        assert_eq!(ids(late.select_changed(10)), ["b", "a", "c", "e", "d"]);
        assert_eq!(
            ids(Index::new(entries).select_changed(10)),
            ["b", "a", "c", "e", "d"]
        );
        // A capture before a correction counts for nothing.
        let entries = base.update("a".into(), {
            let (id, e) = corrected_after(entry("a", &["Tin"], 1), 48);
            captured_after((id, e), 1).1
        });
        let a = BTreeSet::from(["a".to_owned()]);
        assert_eq!(
            ids(idx.updated(entries, &a).select_changed(10)),
            ["a", "c", "e", "d", "b"]
        );
        // A correction taken back goes back to its publication; a new one
        // comes in.
        let entries = base.update("a".into(), entry("a", &["Tin"], 1).1).update(
            "d".into(),
            marked(entry("d", &["Tin"], 4), Mark::Corrected).1,
        );
        let ad = BTreeSet::from(["a".to_owned(), "d".to_owned()]);
        assert_eq!(
            ids(idx.updated(entries, &ad).select_changed(10)),
            ["d", "c", "e", "b", "a"]
        );
        // A corrected article's file deleted, then a new corrected one that
        // takes its freed number: each leaves or comes in its own place.
        let without_a = base.without("a");
        let gone = idx.updated(without_a.clone(), &BTreeSet::from(["a".to_owned()]));
        assert_eq!(ids(gone.select_changed(10)), ["c", "e", "d", "b"]);
        let with_z = without_a.update("z".into(), corrected_after(entry("z", &["Tin"], 0), 2).1);
        let z = BTreeSet::from(["z".to_owned()]);
        let reused = gone.updated(with_z.clone(), &z);
        let number = |idx: &Index, id: &str| idx.key(id).map(SortKey::number);
        assert_eq!(number(&reused, "z"), number(&idx, "a"), "z took a's number");
        assert_eq!(ids(reused.select_changed(10)), ["z", "c", "e", "d", "b"]);
        assert_eq!(
            ids(Index::new(with_z).select_changed(10)),
            ["z", "c", "e", "d", "b"]
        );
    }

    #[test]
    fn the_newest_listed_are_n_past_withdrawn_articles() {
        let idx = Index::new(Entries::from_iter([
            entry("a", &["Tin"], 1),
            entry("b", &["Tin"], 2),
            marked(entry("c", &["Tin"], 3), Mark::Withdrawn),
            entry("d", &["Tin"], 4),
            marked(entry("e", &["Khác"], 5), Mark::Withdrawn),
        ]));
        assert_eq!(ids(idx.select_listed(Some("tin"), 3)), ["d", "b", "a"]);
        assert_eq!(ids(idx.select_listed(None, 2)), ["d", "b"]);
        assert_eq!(
            ids(idx.select_listed(Some("khac"), 2)),
            Vec::<String>::new()
        );
        // Feeds keep them: Atom writes a withdrawn article's tombstone.
        assert_eq!(ids(idx.select(Some("tin"), 3)), ["d", "c", "b"]);
    }

    #[test]
    fn numbers_freed_and_given_again_keep_the_id_order() {
        // Ties in time everywhere, so the order rests on ids alone.
        let base = Entries::from_iter([
            entry("b", &["Tin"], 1),
            entry("d", &["Tin", "Con"], 1),
            entry("f", &["Tin"], 1),
        ]);
        let one = base.without("b").without("f");
        let gone: BTreeSet<String> = ["b", "f"].map(String::from).into();
        let idx = Index::new(base).updated(one.clone(), &gone);
        // "a" and "z" take the numbers "b" and "f" had, in either order.
        let two = one
            .update("a".into(), entry("a", &["Tin", "Con"], 1).1)
            .update("z".into(), entry("z", &["Tin"], 1).1)
            .update("e".into(), entry("e", &["Tin"], 1).1);
        let added: BTreeSet<String> = ["a", "z", "e"].map(String::from).into();
        let idx = idx.updated(two.clone(), &added);
        assert_eq!(view(&idx), view(&Index::new(two.clone())));
        assert_eq!(ids(idx.select(None, 9)), ["a", "d", "e", "z"]);
        let numbers: BTreeSet<u32> = ["a", "d", "e", "z"]
            .iter()
            .map(|id| idx.key(id).unwrap().number())
            .collect();
        assert_eq!(
            numbers,
            BTreeSet::from([0, 1, 2, 3]),
            "freed numbers are reused"
        );
        // And an edit that moves one in time keeps its number.
        let three = two.update("z".into(), entry("z", &["Tin"], 0).1);
        let before = idx.key("z").unwrap().number();
        let idx = idx.updated(three.clone(), &BTreeSet::from(["z".to_string()]));
        assert_eq!(idx.key("z").unwrap().number(), before);
        assert_eq!(view(&idx), view(&Index::new(three)));
    }

    #[test]
    fn same_input_any_order_same_index() {
        let mut v = vec![
            entry("x", &["B", "C"], 1),
            entry("y", &["b", "c"], 1),
            entry("z", &["A"], 1),
        ];
        let one = Index::new(v.iter().cloned().collect());
        v.reverse();
        let two = Index::new(v.into_iter().collect());
        assert_eq!(one.categories(), two.categories());
    }
}
