//! The articles of one list (all, a category, a tag, an author) as a persistent
//! sorted set of 12-byte keys, in chunks that snapshots share.
//!
//! A key is an article's publication instant and its *number*, which stands for
//! its id (see [`super::Index`]): the list's order is newest first, ties by id,
//! and only a tie needs the id, so the caller passes the comparison in.
//!
//! Why not a B-tree of `(date, Arc<str>)`: at a million articles the sets held
//! about 5.6 million memberships, and a persistent B-tree's half-filled nodes
//! and 24-byte keys cost some 78 bytes each. Here a membership is 12 bytes in a
//! chunk of up to [`CHUNK`] keys; a change copies one chunk and the chunk list
//! (a few thousand pointers at a million articles), which is far less than the
//! rendering that follows it.

use std::cmp::Ordering;
use std::sync::Arc;

/// Keys per chunk when built; a chunk that grows past twice this splits.
const CHUNK: usize = 512;

/// Where an article stands in every list it is in: its publication instant
/// (UTC seconds) and its number. Two u32 halves, so a key is 12 bytes, not 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortKey {
    high: i32,
    low: u32,
    number: u32,
}

impl SortKey {
    /// The key of article number `number` published at `published` (UTC seconds).
    pub fn new(published: i64, number: u32) -> SortKey {
        SortKey {
            // The two halves of the i64, put back together by `published`.
            high: (published >> 32) as i32,
            low: published as u32,
            number,
        }
    }

    /// When the article was published, in UTC seconds.
    pub fn published(self) -> i64 {
        (i64::from(self.high) << 32) | i64::from(self.low)
    }

    /// The article's number.
    pub fn number(self) -> u32 {
        self.number
    }
}

/// A place between two keys of a [`Members`]: a chunk and an offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Cursor {
    chunk: usize,
    at: usize,
}

/// A persistent sorted set of [`SortKey`]s. Cloning it is O(1); a change
/// copies the chunk it falls in and the list of chunks, and shares the rest.
///
/// Two sets are equal when they hold the same keys in the same order.
#[derive(Debug, Clone, Default)]
pub struct Members {
    chunks: Arc<Vec<Arc<[SortKey]>>>,
    len: usize,
}

impl PartialEq for Members {
    fn eq(&self, other: &Members) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Members {}

impl Members {
    /// A set of `keys`, which are sorted already and have no duplicates.
    pub(crate) fn from_sorted(keys: Vec<SortKey>) -> Members {
        let len = keys.len();
        let chunks = keys.chunks(CHUNK).map(Arc::from).collect();
        Members {
            chunks: Arc::new(chunks),
            len,
        }
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first key (the newest article).
    pub fn first(&self) -> Option<SortKey> {
        self.chunks.first().and_then(|c| c.first()).copied()
    }

    /// Every key, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = SortKey> + '_ {
        self.chunks.iter().flat_map(|c| c.iter().copied())
    }

    /// The place before the first key for which `before` is false; `before`
    /// is true for a leading run of keys and false for the rest.
    pub(super) fn cursor(&self, before: impl Fn(SortKey) -> bool) -> Cursor {
        // Chunks are never empty, so each has a last key.
        let chunk = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|&k| before(k)));
        let at = self
            .chunks
            .get(chunk)
            .map_or(0, |c| c.partition_point(|&k| before(k)));
        Cursor { chunk, at }
    }

    /// The key just after `place`.
    pub(super) fn at(&self, place: Cursor) -> Option<SortKey> {
        self.chunks.get(place.chunk)?.get(place.at).copied()
    }

    /// The keys from `from` up to (not including) `to`, in order.
    pub(super) fn between(
        &self,
        from: Cursor,
        to: Cursor,
    ) -> impl DoubleEndedIterator<Item = SortKey> + '_ {
        let to = to.max(from);
        let last = self.chunks.len().min(to.chunk + 1);
        let first = from.chunk.min(last);
        self.chunks[first..last]
            .iter()
            .enumerate()
            .flat_map(move |(k, c)| {
                let i = first + k;
                let start = if i == from.chunk { from.at } else { 0 };
                let end = if i == to.chunk { to.at } else { c.len() };
                c[start.min(c.len())..end.clamp(start.min(c.len()), c.len())]
                    .iter()
                    .copied()
            })
    }

    /// Adds `key`, ordered by `order`; false if it was there already.
    pub(crate) fn insert(
        &mut self,
        key: SortKey,
        order: impl Fn(SortKey, SortKey) -> Ordering,
    ) -> bool {
        let place = self.cursor(|k| order(k, key) == Ordering::Less);
        let chunks = Arc::make_mut(&mut self.chunks);
        let Some(chunk) = chunks.get(place.chunk.min(chunks.len().saturating_sub(1))) else {
            // The first key of an empty set.
            chunks.push(Arc::from([key]));
            self.len = 1;
            return true;
        };
        let i = place.chunk.min(chunks.len() - 1);
        // Past the last key, `place` is the end: append to the last chunk.
        let at = if place.chunk == i {
            place.at
        } else {
            chunk.len()
        };
        if chunk.get(at).is_some_and(|&k| k == key) {
            return false;
        }
        let mut keys = Vec::with_capacity(chunk.len() + 1);
        keys.extend_from_slice(&chunk[..at]);
        keys.push(key);
        keys.extend_from_slice(&chunk[at..]);
        if keys.len() > 2 * CHUNK {
            let right = keys.split_off(keys.len() / 2);
            chunks.splice(i..=i, [Arc::from(keys), Arc::from(right)]);
        } else {
            chunks[i] = Arc::from(keys);
        }
        self.len += 1;
        true
    }

    /// Takes `key` away, ordered by `order`; false if it was not there.
    pub(crate) fn remove(
        &mut self,
        key: SortKey,
        order: impl Fn(SortKey, SortKey) -> Ordering,
    ) -> bool {
        let place = self.cursor(|k| order(k, key) == Ordering::Less);
        if self.at(place) != Some(key) {
            return false;
        }
        let chunks = Arc::make_mut(&mut self.chunks);
        let chunk = &chunks[place.chunk];
        if chunk.len() == 1 {
            chunks.remove(place.chunk);
        } else {
            let keys: Vec<SortKey> = chunk[..place.at]
                .iter()
                .chain(&chunk[place.at + 1..])
                .copied()
                .collect();
            chunks[place.chunk] = Arc::from(keys);
        }
        self.len -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Newest first, ties by number (the tests' stand-in for the id).
    fn order(a: SortKey, b: SortKey) -> Ordering {
        b.published()
            .cmp(&a.published())
            .then(a.number().cmp(&b.number()))
    }

    fn sorted(mut keys: Vec<SortKey>) -> Vec<SortKey> {
        keys.sort_by(|a, b| order(*a, *b));
        keys.dedup();
        keys
    }

    #[test]
    fn keys_keep_every_instant() {
        for t in [
            0,
            -1,
            1,
            i64::from(i32::MAX) + 7,
            -62_135_596_800,
            253_402_300_799,
        ] {
            assert_eq!(SortKey::new(t, 3).published(), t);
        }
        assert_eq!(std::mem::size_of::<SortKey>(), 12);
    }

    #[test]
    fn inserts_and_removals_keep_the_order_across_chunks() {
        // A pseudo-random walk of inserts and removals, checked against a sorted Vec.
        let mut set = Members::from_sorted(sorted(
            (0..3000).map(|i| SortKey::new(i / 3, i as u32)).collect(),
        ));
        let mut model: Vec<SortKey> = set.iter().collect();
        let mut x: u64 = 12345;
        for step in 0..4000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = SortKey::new(((x >> 33) % 1200) as i64, ((x >> 20) % 4000) as u32);
            let before = set.clone();
            if step % 3 == 0 {
                let was = model.contains(&key);
                assert_eq!(set.remove(key, order), was);
                model.retain(|k| *k != key);
            } else {
                let was = model.contains(&key);
                assert_eq!(set.insert(key, order), !was);
                model = sorted(model.into_iter().chain([key]).collect());
            }
            assert_eq!(set.len(), model.len());
            // The snapshot taken before the change did not move.
            assert_eq!(before.iter().count(), before.len());
        }
        assert_eq!(set.iter().collect::<Vec<_>>(), model);
        assert!(set
            .chunks
            .iter()
            .all(|c| !c.is_empty() && c.len() <= 2 * CHUNK));
    }

    #[test]
    fn ranges_between_cursors_run_both_ways() {
        let set = Members::from_sorted(sorted(
            (0..2000)
                .map(|i| SortKey::new(2000 - i, i as u32))
                .collect(),
        ));
        // Published at or before 1500 and after 300: numbers 500..1700.
        let from = set.cursor(|k| k.published() > 1500);
        let to = set.cursor(|k| k.published() > 300);
        let got: Vec<u32> = set.between(from, to).map(SortKey::number).collect();
        assert_eq!(got, (500..1700).collect::<Vec<u32>>());
        let back: Vec<u32> = set.between(from, to).rev().map(SortKey::number).collect();
        assert_eq!(back, (500..1700).rev().collect::<Vec<u32>>());
        assert_eq!(set.between(to, from).count(), 0);
        let end = set.cursor(|_| true);
        assert_eq!(set.between(end, end).count(), 0);
        assert_eq!(set.between(set.cursor(|_| false), end).count(), 2000);
    }

    #[test]
    fn an_empty_set_takes_its_first_key_and_gives_it_back() {
        let mut set = Members::default();
        assert!(set.insert(SortKey::new(5, 1), order));
        assert!(!set.insert(SortKey::new(5, 1), order));
        assert_eq!(set.first(), Some(SortKey::new(5, 1)));
        assert!(set.remove(SortKey::new(5, 1), order));
        assert!(set.is_empty() && set.chunks.is_empty());
    }
}
