//! Articles by id: a persistent map kept as sorted chunks of shared entries
//! that snapshots share, each entry's key being its own article's id.
//!
//! Why not a B-tree map of `String` to entry: at a million articles its
//! half-filled nodes (each key a second copy of the id, with its own heap
//! string) cost some 260 bytes per article beside the 64-byte entry. Here an
//! article costs a pointer to its entry (which the index's table of article
//! numbers shares, so a list is read without looking ids up) in a chunk of up
//! to [`CHUNK`], and the id is only the article's. A change to a map whose chunks no snapshot shares (the
//! catalog's, during a scan) is made in place; otherwise it copies one chunk
//! (a few hundred `Arc` clones) and the list of chunks. Cloning the map is O(1).

use std::fmt;
use std::sync::Arc;

use super::Entry;

/// Entries per chunk when built; a chunk that grows past twice this splits.
const CHUNK: usize = 256;

/// Articles by id, in id order. Cloning it is O(1), so a new index after a
/// change shares nearly everything with the previous one.
#[derive(Clone, Default)]
pub struct Entries {
    chunks: Arc<Vec<Arc<Vec<Arc<Entry>>>>>,
    len: usize,
}

/// The key of an entry.
fn id(e: &Arc<Entry>) -> &str {
    &e.article.id
}

impl Entries {
    /// An empty map.
    pub fn new() -> Entries {
        Entries::default()
    }

    /// How many articles it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The chunk `key` is or would be in, and where in it (`Ok`: found).
    fn find(&self, key: &str) -> (usize, Result<usize, usize>) {
        // A scan adds ids in about their order (paths in order), and asks
        // three times per file whether its id is here: past the last id, the
        // answer needs one comparison, not a search through a dozen chunks
        // (each probe of which follows five pointers).
        let last = self.chunks.last().and_then(|c| c.last());
        if last.is_none_or(|e| id(e) < key) {
            return (self.chunks.len(), Err(0));
        }
        // Chunks are never empty: each has a last entry.
        let chunk = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|e| id(e) < key));
        let at = self
            .chunks
            .get(chunk)
            .map_or(Err(0), |c| c.binary_search_by(|e| id(e).cmp(key)));
        (chunk, at)
    }

    /// The entry of the article `key`.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.get_shared(key).map(|e| &**e)
    }

    /// The entry of the article `key`, to share.
    pub fn get_shared(&self, key: &str) -> Option<&Arc<Entry>> {
        let (chunk, at) = self.find(key);
        self.chunks.get(chunk)?.get(at.ok()?)
    }

    /// Whether the article `key` is here.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Puts `entry` in under its article's id, `key`; gives back the entry it
    /// replaces.
    pub fn insert(&mut self, key: String, entry: Entry) -> Option<Entry> {
        debug_assert_eq!(key, entry.article.id, "an entry is keyed by its id");
        let (chunk, at) = self.find(&entry.article.id);
        let entry = Arc::new(entry);
        let chunks = Arc::make_mut(&mut self.chunks);
        let Some(last) = chunks.len().checked_sub(1) else {
            chunks.push(Arc::new(vec![entry]));
            self.len = 1;
            return None;
        };
        // Past the last id: at the end of the last chunk.
        let (i, at) = if chunk <= last {
            (chunk, at)
        } else {
            (last, Err(chunks[last].len()))
        };
        let entries = Arc::make_mut(&mut chunks[i]);
        let old = match at {
            Ok(at) => Some(Arc::unwrap_or_clone(std::mem::replace(
                &mut entries[at],
                entry,
            ))),
            Err(at) => {
                // Exact growth: a chunk holds no spare capacity past what
                // the allocator's size classes round to.
                entries.reserve_exact(1);
                entries.insert(at, entry);
                self.len += 1;
                None
            }
        };
        if entries.len() > 2 * CHUNK {
            let right = entries.split_off(entries.len() / 2);
            entries.shrink_to_fit();
            chunks.insert(i + 1, Arc::new(right));
        }
        old
    }

    /// Takes the article `key` out; gives back its entry.
    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        let (chunk, Ok(at)) = self.find(key) else {
            return None;
        };
        let chunks = Arc::make_mut(&mut self.chunks);
        let entries = Arc::make_mut(&mut chunks[chunk]);
        let old = entries.remove(at);
        if entries.is_empty() {
            chunks.remove(chunk);
        }
        self.len -= 1;
        Some(Arc::unwrap_or_clone(old))
    }

    /// A copy with `entry` in under `key`.
    pub fn update(&self, key: String, entry: Entry) -> Entries {
        let mut next = self.clone();
        next.insert(key, entry);
        next
    }

    /// A copy without the article `key`.
    pub fn without(&self, key: &str) -> Entries {
        let mut next = self.clone();
        next.remove(key);
        next
    }

    /// Every entry, in id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Entry> + '_ {
        self.values_shared().map(|e| &**e)
    }

    /// Every entry, in id order, to share.
    pub fn values_shared(&self) -> impl DoubleEndedIterator<Item = &Arc<Entry>> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// Every id, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + '_ {
        self.values().map(|e| &e.article.id)
    }

    /// Every id with its entry, in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&String, &Entry)> + '_ {
        self.values().map(|e| (&e.article.id, e))
    }
}

impl FromIterator<(String, Entry)> for Entries {
    /// The map of `(id, entry)` pairs; of two entries with one id, the later.
    fn from_iter<I: IntoIterator<Item = (String, Entry)>>(pairs: I) -> Entries {
        let mut entries: Vec<Arc<Entry>> = pairs
            .into_iter()
            .map(|(key, e)| {
                debug_assert_eq!(key, e.article.id, "an entry is keyed by its id");
                Arc::new(e)
            })
            .collect();
        // Stable, so that of equal ids the later stays last, and is kept.
        entries.sort_by(|a, b| id(a).cmp(id(b)));
        let mut chunks: Vec<Arc<Vec<Arc<Entry>>>> = Vec::new();
        let mut chunk: Vec<Arc<Entry>> = Vec::with_capacity(CHUNK);
        let mut len = 0;
        for e in entries {
            match chunk.last_mut() {
                Some(last) if id(last) == id(&e) => *last = e,
                _ => {
                    if chunk.len() == CHUNK {
                        chunks.push(Arc::new(std::mem::replace(
                            &mut chunk,
                            Vec::with_capacity(CHUNK),
                        )));
                    }
                    chunk.push(e);
                    len += 1;
                }
            }
        }
        if !chunk.is_empty() {
            chunk.shrink_to_fit();
            chunks.push(Arc::new(chunk));
        }
        Entries {
            len,
            chunks: Arc::new(chunks),
        }
    }
}

impl std::ops::Index<&str> for Entries {
    type Output = Entry;

    fn index(&self, key: &str) -> &Entry {
        self.get(key).expect("the id indexed is in the map")
    }
}

impl fmt::Debug for Entries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Article;
    use chrono::TimeZone;

    fn entry(id: &str, title: &str) -> (String, Entry) {
        let at = chrono::FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
            .unwrap();
        let article = Article::sample(id, &[], title, at);
        (id.into(), Entry::full(Arc::new(article), None))
    }

    #[test]
    fn behaves_as_a_sorted_map_across_chunks() {
        // Inserts, replacements and removals in a scrambled order, against a BTreeMap.
        let mut map = Entries::from_iter((0..1500).map(|i| entry(&format!("{i:05}"), "0")));
        let mut model: std::collections::BTreeMap<String, String> = (0..1500)
            .map(|i| (format!("{i:05}"), "0".to_string()))
            .collect();
        let mut x: u64 = 7;
        for step in 0..3000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = format!("{:05}", (x >> 33) % 2500);
            let snapshot = map.clone();
            if step % 3 == 0 {
                let gone = map.remove(&key).map(|e| e.article.title.clone());
                assert_eq!(gone, model.remove(&key));
            } else {
                let title = step.to_string();
                let (k, e) = entry(&key, &title);
                let old = map.insert(k, e).map(|e| e.article.title.clone());
                assert_eq!(old, model.insert(key.clone(), title));
            }
            assert_eq!(map.len(), model.len());
            // The snapshot from before the change is as it was.
            assert_eq!(snapshot.values().count(), snapshot.len());
        }
        let got: Vec<(String, String)> = map
            .iter()
            .map(|(k, e)| (k.clone(), e.article.title.clone()))
            .collect();
        assert_eq!(got, model.into_iter().collect::<Vec<_>>());
        assert!(map
            .chunks
            .iter()
            .all(|c| !c.is_empty() && c.len() <= 2 * CHUNK));
        assert!(map.get("99999").is_none() && !map.contains_key(""));
    }

    #[test]
    fn the_later_of_two_equal_ids_is_kept() {
        let map = Entries::from_iter([entry("b", "1"), entry("a", "x"), entry("b", "2")]);
        assert_eq!(map.len(), 2);
        assert_eq!(map["b"].article.title, "2");
        assert_eq!(map.keys().collect::<Vec<_>>(), ["a", "b"]);
        let map = map.without("a").update("c".into(), entry("c", "3").1);
        assert_eq!(map.keys().collect::<Vec<_>>(), ["b", "c"]);
    }
}
