//! Articles by id and by category: the category tree, its slugs, and feed selection.
//!
//! An [`Index`] is an immutable snapshot built from the parsed articles. Everything in
//! it is ordered (B-trees, sorted vectors), so the same articles give the same index
//! whatever order the files were read in.
//!
//! Slugs: each breadcrumb element is ASCII-folded (`Tin tức tổng hợp` →
//! `tin-tuc-tong-hop`, `đ` → `d`) and joined under its parent's slug with `/`.
//! Names that differ only in letter case are one category (displayed with the
//! spelling most articles use, ties to the smallest). Two different names that
//! fold to the same slug under one parent are told apart by suffixes: the names are
//! sorted, the first keeps the slug, the next get `-2`, `-3`, … A name with no
//! letters or digits at all gets the slug `muc`.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use imbl::{OrdMap, OrdSet};
use rayon::slice::ParallelSliceMut;
use std::sync::Arc;
use std::time::SystemTime;

use crate::article::Article;
use crate::taxonomy::{Kind, Taxonomy};

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
            digest: body_digest(&article),
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

    /// Whether two entries stand for the same article text and file facts.
    pub fn same_as(&self, other: &Entry) -> bool {
        self.digest == other.digest
            && self.modified == other.modified
            && self.article == other.article
    }
}

/// A hash of an article's body paragraphs.
fn body_digest(a: &Article) -> u128 {
    let mut text = Vec::new();
    for p in &a.paragraphs {
        text.extend_from_slice(p.as_bytes());
        text.push(0);
    }
    crate::store::digest(&text)
}

/// The order of feed items: newest first, ties by id. The id is shared by
/// every set an article is in (all articles, its category and each ancestor).
pub type SortKey = (Reverse<i64>, Arc<str>);

fn sort_key(a: &Article) -> SortKey {
    (Reverse(a.published.timestamp()), Arc::from(a.id.as_str()))
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
    /// Child slugs, sorted.
    pub children: Vec<String>,
    /// Articles of this category and every category below it, newest first.
    pub members: OrdSet<SortKey>,
}

/// Articles by id. A persistent map: cloning it is O(1), so a new index after a
/// change shares nearly everything with the previous one.
pub type Entries = OrdMap<String, Entry>;

/// Case-folded category path prefix → the spellings seen for it, with counts.
type Spellings = BTreeMap<Vec<String>, BTreeMap<String, usize>>;

/// All articles, by id and by category.
#[derive(Debug, Clone, Default)]
pub struct Index {
    entries: Entries,
    all: OrdSet<SortKey>,
    categories: BTreeMap<String, Category>,
    /// Case-folded path prefix → slug.
    slug_of: BTreeMap<Vec<String>, String>,
    spellings: Spellings,
    /// Every tag (`Từ khóa`), with its articles.
    tags: Taxonomy,
    /// Every author (`Tác giả`), with their articles.
    authors: Taxonomy,
}

/// ASCII-folds one category name into a URL segment.
pub fn slugify(name: &str) -> String {
    let folded = deunicode::deunicode(name).to_lowercase();
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

fn folded(a: &Article) -> Vec<String> {
    a.categories.iter().map(|c| c.to_lowercase()).collect()
}

/// Adds (or, with `add` false, takes away) the spellings of `times` articles
/// in the category path `cats`.
fn count(spellings: &mut Spellings, cats: &[String], times: usize, add: bool) {
    for depth in 1..=cats.len() {
        let key: Vec<String> = cats[..depth].iter().map(|c| c.to_lowercase()).collect();
        let counts = spellings.entry(key.clone()).or_default();
        let n = counts.entry(cats[depth - 1].clone()).or_default();
        if add {
            *n += times;
        } else {
            *n = n.saturating_sub(times);
            if *n == 0 {
                counts.remove(&cats[depth - 1]);
            }
            if counts.is_empty() {
                spellings.remove(&key);
            }
        }
    }
}

/// The category tree the spellings call for: slugs and names, no members yet.
fn structure(spellings: &Spellings) -> (BTreeMap<Vec<String>, String>, BTreeMap<String, Category>) {
    // Slugs parents first; within a parent, in sorted order of names.
    let mut by_depth: Vec<&Vec<String>> = spellings.keys().collect();
    by_depth.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    let mut slug_of: BTreeMap<Vec<String>, String> = BTreeMap::new();
    let mut categories: BTreeMap<String, Category> = BTreeMap::new();
    for key in by_depth {
        let name = spellings[key]
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(s, _)| s.clone())
            .unwrap_or_default();
        let parent = (key.len() > 1).then(|| slug_of[&key[..key.len() - 1]].clone());
        let base = match &parent {
            Some(p) => format!("{p}/{}", slugify(&name)),
            None => slugify(&name),
        };
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
                parent,
                children: Vec::new(),
                members: OrdSet::new(),
            },
        );
    }
    for c in categories.values_mut() {
        c.children.sort();
    }
    (slug_of, categories)
}

impl Index {
    /// Builds the index of `entries` (keyed by article id).
    pub fn new(entries: Entries) -> Index {
        // Work per category path, of which there are far fewer than articles.
        let mut by_path: HashMap<&[String], Vec<&Entry>> = HashMap::new();
        for e in entries.values() {
            by_path.entry(&e.article.categories).or_default().push(e);
        }
        let mut spellings = Spellings::new();
        for (cats, group) in &by_path {
            count(&mut spellings, cats, group.len(), true);
        }
        let (slug_of, mut categories) = structure(&spellings);
        let mut members: HashMap<&str, Vec<SortKey>> = HashMap::new();
        let mut all = Vec::with_capacity(entries.len());
        for (cats, group) in &by_path {
            let folded: Vec<String> = cats.iter().map(|c| c.to_lowercase()).collect();
            let slugs: Vec<&str> = (1..=folded.len())
                .filter_map(|depth| slug_of.get(&folded[..depth]).map(String::as_str))
                .collect();
            for e in group {
                let key = sort_key(&e.article);
                for slug in &slugs {
                    members.entry(slug).or_default().push(key.clone());
                }
                all.push(key);
            }
        }
        // Sorted first, the persistent sets are built by appending at their
        // right edge: at a million articles, several times faster than
        // inserting in a hash map's order.
        for (slug, mut keys) in members {
            if let Some(c) = categories.get_mut(slug) {
                keys.par_sort_unstable();
                c.members = keys.into_iter().collect();
            }
        }
        all.par_sort_unstable();
        Index {
            tags: Taxonomy::new(Kind::Tag, &entries),
            authors: Taxonomy::new(Kind::Author, &entries),
            all: all.into_iter().collect(),
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
        for id in ids {
            if let Some(old) = self.entries.get(id) {
                count(&mut next.spellings, &old.article.categories, 1, false);
                next.remove_member(old);
            }
            if let Some(new) = entries.get(id) {
                count(&mut next.spellings, &new.article.categories, 1, true);
            }
        }
        let (slug_of, categories) = structure(&next.spellings);
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
        for id in ids {
            if let Some(new) = entries.get(id) {
                next.add_member(new);
            }
        }
        next.tags = self.tags.updated(Kind::Tag, &self.entries, &entries, ids);
        next.authors = self
            .authors
            .updated(Kind::Author, &self.entries, &entries, ids);
        next.entries = entries;
        next
    }

    /// Takes the category tree `slug_of` and `categories` (from [`structure`],
    /// with no members), each category with the members of the category of
    /// the same case-folded path here: a category holds the articles filed
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
        self.categories = categories;
    }

    fn add_member(&mut self, e: &Entry) {
        let key = sort_key(&e.article);
        self.with_categories_of(&e.article, |c| {
            c.members.insert(key.clone());
        });
        self.all.insert(key);
    }

    fn remove_member(&mut self, e: &Entry) {
        let key = sort_key(&e.article);
        self.with_categories_of(&e.article, |c| {
            c.members.remove(&key);
        });
        self.all.remove(&key);
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
        self.entries.get(id).map(|e| sort_key(&e.article))
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

    /// The sort keys of a category's articles (`None`: of all), newest first;
    /// `None` for an unknown category.
    pub fn keys(&self, slug: Option<&str>) -> Option<&OrdSet<SortKey>> {
        match slug {
            None => Some(&self.all),
            Some(s) => self.categories.get(s).map(|c| &c.members),
        }
    }

    /// The newest `n` articles of a category (`None`: of all), newest first, ties by id.
    pub fn select(&self, slug: Option<&str>, n: usize) -> Vec<Entry> {
        let Some(keys) = self.keys(slug) else {
            return Vec::new();
        };
        keys.iter()
            .take(n)
            .filter_map(|(_, id)| self.entries.get(&**id).cloned())
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
            .filter_map(|(_, id)| self.entries.get(&**id).cloned())
            .collect()
    }

    /// The articles filed just before and just after `id` in its own category
    /// (its breadcrumb's leaf), as `(older, newer)`.
    pub fn around(&self, id: &str) -> (Option<&Entry>, Option<&Entry>) {
        let (Some(slug), Some(e)) = (self.category_of(id), self.entries.get(id)) else {
            return (None, None);
        };
        let Some(cat) = self.categories.get(slug) else {
            return (None, None);
        };
        let key = sort_key(&e.article);
        // Keys run newest first: after `key` is older, before it newer.
        let older = cat
            .members
            .range::<_, SortKey>((Bound::Excluded(&key), Bound::Unbounded))
            .next();
        let newer = cat.members.range::<_, SortKey>(..&key).next_back();
        let get = |k: Option<&SortKey>| k.and_then(|(_, id)| self.entries.get(&**id));
        (get(older), get(newer))
    }

    /// Top-level category slugs, sorted.
    pub fn roots(&self) -> impl Iterator<Item = &Category> {
        self.categories.values().filter(|c| c.parent.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh;

    fn entry(id: &str, cats: &[&str], minute: u32) -> (String, Entry) {
        let article = Article {
            id: id.into(),
            categories: cats.iter().map(|s| s.to_string()).collect(),
            title: id.into(),
            published: Ho_Chi_Minh
                .with_ymd_and_hms(2020, 5, 10, 15, minute, 0)
                .unwrap()
                .fixed_offset(),
            captured: None,
            summary: String::new(),
            paragraphs: vec![],
            author: None,
            source: None,
            tags: vec![],
            updated: None,
            withdrawn: None,
        };
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
    fn colliding_slugs_get_suffixes() {
        let idx = Index::new(Entries::from_iter([
            entry("a", &["Du lịch"], 1),
            entry("b", &["Dư lịch"], 2),
        ]));
        assert_eq!(idx.categories()["du-lich"].name, "Du lịch");
        assert_eq!(idx.categories()["du-lich-2"].name, "Dư lịch");
    }

    /// Everything a reader of the index sees, to compare two indexes.
    fn view(idx: &Index) -> Vec<(Option<String>, Vec<String>)> {
        let mut v = vec![(None, ids(idx.select(None, usize::MAX)))];
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

    fn ids(v: Vec<Entry>) -> Vec<String> {
        v.iter().map(|e| e.article.id.clone()).collect()
    }

    #[test]
    fn updated_equals_rebuilt() {
        let base = Entries::from_iter([
            entry("a", &["Tin Tức", "Thời sự"], 1),
            entry("b", &["Tin tức", "Tổng hợp"], 2),
            entry("c", &["Tin Tức"], 3),
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
            // A new subcategory under a known one: the parent's children change.
            (
                base.update("g".into(), entry("g", &["Kinh tế", "Du lịch"], 7).1),
                vec!["g"],
            ),
            // A new name that takes an existing category's slug (it sorts first),
            // so the existing one moves to `-2` with its members.
            (
                base.update("h".into(), entry("h", &["Tin Tức", "Thoi su"], 8).1),
                vec!["h"],
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
