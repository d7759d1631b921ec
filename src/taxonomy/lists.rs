//! The lists of terms people read, cut to what a browser or a feed reader
//! takes: the alphabetical list in pages (`/tags`, `/tags/trang_2`, …) and
//! its most used terms (`/tags.opml`, `/authors.opml`). Pure: terms in
//! alphabetical order in, pages and picks out.
//!
//! A national outlet's store holds over 100,000 tags: one page of them all
//! is 7 MB of HTML, and an OPML of them all 23 MB, more than the on-demand
//! cache keeps, so it was rendered again for every request. Each piece here
//! is bounded by a size the caller picks, whatever the store holds.

use std::cmp::Reverse;
use std::ops::Range;

use super::Term;

/// One page of an alphabetical list of terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    /// Its run of the alphabetical list, by position; the terms in it with
    /// no listed article are skipped when it is read (see
    /// [`super::Taxonomy::page_terms`]).
    pub span: Range<usize>,
    /// How many terms it shows.
    pub terms: usize,
    /// A digest of each term it shows (slug, name and count), in order: all
    /// the page shows of the taxonomy, so its ETag moves with its own terms
    /// and with no other page's (unless the pages' boundaries move).
    pub digest: [u8; 32],
}

/// An alphabetical list of terms cut by position into pages of `size`
/// terms (the last one fewer): the first `size`, the next `size`, …
///
/// By position rather than at boundaries that stay put (as the term
/// sitemaps are, see [`crate::render::term_sitemaps`]): people page through
/// the list by number (`trang 5/113`), and a page is rendered only when
/// asked for, so a term that comes or goes costs a render of each page
/// read again after it, not of every page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPages {
    /// The terms a page shows (the last page fewer).
    pub size: usize,
    /// Never empty: a list with no terms is one empty page.
    pages: Vec<ListPage>,
}

impl ListPages {
    /// The pages of `listed`, the listed terms in alphabetical order with
    /// their positions in the alphabetical list, `size` terms a page (at
    /// least 1).
    pub fn cut<'a>(listed: impl IntoIterator<Item = (usize, &'a Term)>, size: usize) -> ListPages {
        let size = size.max(1);
        let mut pages = Vec::new();
        let mut open: Option<(Range<usize>, usize)> = None;
        let mut bytes = Vec::new();
        for (at, term) in listed {
            let (span, terms) = open.get_or_insert((at..at, 0));
            span.end = at + 1;
            *terms += 1;
            put_term(&mut bytes, term);
            bytes.extend_from_slice(&(term.listed() as u64).to_le_bytes());
            if *terms == size {
                pages.extend(open.take().map(|o| close(o, &mut bytes)));
            }
        }
        pages.extend(open.map(|o| close(o, &mut bytes)));
        if pages.is_empty() {
            pages.push(close((0..0, 0), &mut bytes));
        }
        ListPages { size, pages }
    }

    /// How many pages: at least one.
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// Whether it has no pages: never (see [`ListPages::len`]).
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// Page `number`, counted from 1.
    pub fn get(&self, number: usize) -> Option<&ListPage> {
        self.pages.get(number.checked_sub(1)?)
    }

    /// How many terms the pages show together.
    pub fn terms(&self) -> usize {
        self.pages.iter().map(|p| p.terms).sum()
    }
}

/// A page from its run and count, and the digest of `bytes`, what was put
/// of its terms (emptied for the next page's).
fn close((span, terms): (Range<usize>, usize), bytes: &mut Vec<u8>) -> ListPage {
    let digest = *blake3::hash(bytes).as_bytes();
    bytes.clear();
    ListPage {
        span,
        terms,
        digest,
    }
}

/// Puts a term's slug and name, each with its length, into `bytes` to hash:
/// hashed a page at a time, as one call per field costs more than the rest
/// of a walk over 100,000 terms.
fn put_term(bytes: &mut Vec<u8>, t: &Term) {
    for field in [&t.slug, &t.name] {
        bytes.extend_from_slice(&(field.len() as u64).to_le_bytes());
        bytes.extend_from_slice(field.as_bytes());
    }
}

/// The `n` terms with the most listed articles, in alphabetical order: a
/// list readers import whole, bounded however many terms the store has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MostListed {
    /// The most it picks.
    pub n: usize,
    /// Their positions in the alphabetical list, in order.
    pub positions: Vec<usize>,
    /// Whether they are every listed term (there were `n` or fewer).
    pub every: bool,
    /// A digest of each picked term's slug and name, in order: all that a
    /// list of them shows of the taxonomy (counts only choose them).
    pub digest: [u8; 32],
}

impl MostListed {
    /// The `n` terms of `listed` (the listed terms in alphabetical order,
    /// with their positions) with the most listed articles; between terms of
    /// one count, the first in the alphabet. In alphabetical order.
    pub fn pick<'a>(listed: impl IntoIterator<Item = (usize, &'a Term)>, n: usize) -> MostListed {
        let mut all: Vec<(usize, &Term)> = listed.into_iter().collect();
        let every = all.len() <= n;
        if !every {
            // Most articles first, then first in the alphabet: a total
            // order, so the pick is the same whatever order it starts from.
            let key = |(at, t): &(usize, &Term)| (Reverse(t.listed()), *at);
            if n > 0 {
                all.select_nth_unstable_by_key(n - 1, key);
            }
            all.truncate(n);
            all.sort_unstable_by_key(|(at, _)| *at);
        }
        let mut bytes = Vec::new();
        for (_, t) in &all {
            put_term(&mut bytes, t);
        }
        MostListed {
            n,
            positions: all.iter().map(|(at, _)| *at).collect(),
            every,
            digest: *blake3::hash(&bytes).as_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Members;

    /// A term named `name` with `listed` articles listed.
    fn term(name: &str, listed: usize) -> Term {
        Term {
            slug: name.to_owned(),
            name: name.to_owned(),
            members: Members::from_sorted(
                (0..listed)
                    .map(|n| crate::index::SortKey::new(0, n as u32))
                    .collect(),
            ),
            withdrawn: 0,
        }
    }

    fn terms(n: usize) -> Vec<Term> {
        (0..n).map(|i| term(&format!("t{i:03}"), 1)).collect()
    }

    /// `terms` at positions 0, 1, 2, …
    fn listed(terms: &[Term]) -> impl Iterator<Item = (usize, &Term)> {
        terms.iter().enumerate()
    }

    #[test]
    fn pages_hold_size_terms_and_the_last_one_the_rest() {
        let ts = terms(7);
        let pages = ListPages::cut(listed(&ts), 3);
        assert_eq!(pages.len(), 3);
        let spans: Vec<_> = (1..=3)
            .map(|n| pages.get(n).unwrap().span.clone())
            .collect();
        assert_eq!(spans, [0..3, 3..6, 6..7]);
        let counts: Vec<_> = (1..=3).map(|n| pages.get(n).unwrap().terms).collect();
        assert_eq!(counts, [3, 3, 1]);
        assert_eq!(pages.terms(), 7);
        // Counted from 1; nothing before the first or past the last.
        assert!(pages.get(0).is_none());
        assert!(pages.get(4).is_none());
    }

    #[test]
    fn a_list_that_fills_its_pages_exactly_has_no_empty_page_after() {
        let ts = terms(6);
        let pages = ListPages::cut(listed(&ts), 3);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages.get(2).unwrap().terms, 3);
        // One term more opens a third page.
        let ts = terms(7);
        assert_eq!(ListPages::cut(listed(&ts), 3).len(), 3);
    }

    #[test]
    fn an_empty_list_is_one_empty_page() {
        let pages = ListPages::cut(std::iter::empty(), 1000);
        assert_eq!(pages.len(), 1);
        assert_eq!(pages.get(1).unwrap().terms, 0);
        assert!(!pages.is_empty());
    }

    #[test]
    fn a_page_spans_the_positions_of_its_terms_skipping_unlisted_ones() {
        let ts = terms(5);
        // Positions 1 and 3 are terms with no listed article.
        let at = [0, 2, 4, 5, 6];
        let pages = ListPages::cut(at.iter().copied().zip(&ts), 2);
        assert_eq!(pages.get(1).unwrap().span, 0..3);
        assert_eq!(pages.get(2).unwrap().span, 4..6);
        assert_eq!(pages.get(3).unwrap().span, 6..7);
    }

    #[test]
    fn a_change_moves_the_digest_of_its_own_page_only() {
        let ts = terms(9);
        let before = ListPages::cut(listed(&ts), 3);
        let digests = |p: &ListPages| -> Vec<[u8; 32]> {
            (1..=p.len()).map(|n| p.get(n).unwrap().digest).collect()
        };
        // A count on page 2 changes.
        let mut counted = ts.clone();
        counted[4] = term("t004", 2);
        let after = ListPages::cut(listed(&counted), 3);
        let (b, a) = (digests(&before), digests(&after));
        assert_eq!(a[0], b[0]);
        assert_ne!(a[1], b[1]);
        assert_eq!(a[2], b[2]);
        // A name on page 3 changes.
        let mut renamed = ts.clone();
        renamed[8].name = "T008".to_owned();
        let a = digests(&ListPages::cut(listed(&renamed), 3));
        assert_eq!(a[..2], b[..2]);
        assert_ne!(a[2], b[2]);
        // A term comes on page 1: every later boundary moves, page 1 too.
        let mut more = ts.clone();
        more.insert(1, term("t000a", 1));
        let a = digests(&ListPages::cut(listed(&more), 3));
        assert_ne!(a[0], b[0]);
        assert_ne!(a[1], b[1]);
        assert_eq!(a.len(), 4);
    }

    #[test]
    fn the_most_listed_are_picked_by_count_and_kept_in_alphabetical_order() {
        let ts = vec![
            term("a", 1),
            term("b", 5),
            term("c", 2),
            term("d", 5),
            term("e", 2),
        ];
        let most = MostListed::pick(listed(&ts), 3);
        // b and d (5 each), then c before e (2 each: the first in the alphabet).
        assert_eq!(most.positions, [1, 2, 3]);
        assert!(!most.every);
        assert_eq!(
            MostListed::pick(listed(&ts), 0).positions,
            Vec::<usize>::new()
        );
        let all = MostListed::pick(listed(&ts), 5);
        assert_eq!(all.positions, [0, 1, 2, 3, 4]);
        assert!(all.every);
        assert!(MostListed::pick(listed(&ts), 50).every);
    }

    #[test]
    fn the_pick_s_digest_follows_its_names_not_its_counts() {
        let ts = vec![term("a", 1), term("b", 5), term("c", 2)];
        let before = MostListed::pick(listed(&ts), 2);
        // A count moves without changing the pick: same digest.
        let mut counted = ts.clone();
        counted[1] = term("b", 6);
        assert_eq!(MostListed::pick(listed(&counted), 2).digest, before.digest);
        // A count moves the pick: another digest.
        let mut moved = ts.clone();
        moved[0] = term("a", 9);
        let after = MostListed::pick(listed(&moved), 2);
        assert_eq!(after.positions, [0, 1]);
        assert_ne!(after.digest, before.digest);
    }
}
