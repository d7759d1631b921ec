//! Representations rendered on request instead of with the snapshot (archives,
//! tag and author feeds, category, month, tag and author pages): validators
//! derived from their inputs, and a bounded cache of what was rendered.
//!
//! What grows with the store cannot all be rendered and held: at 100k articles
//! the archives hold several copies of the store's text. So such a resource is
//! described by a [`Prepared`] (its path, its [`Derived`] tags and a render
//! function), which costs a few index lookups and a hash. Its strong ETag is a
//! hash of everything its bytes are made from, so a conditional request is
//! answered 304 without rendering or reading the disk, the same after a restart
//! and on every replica. On a 200 the [`OnDemand`] cache is asked first; it is
//! keyed by path *and* tag, so a stale entry is never served.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use lru::LruCache;

use super::{Coding, RenderError, Resource};
use crate::index::Entry;

/// The tags of one resource rendered on demand, in every coding: a hash of its
/// inputs (`"<hex>"`, `"<hex>-gz"`, `"<hex>-br"`). Strong (RFC 9110 §8.8.1):
/// rendering and compressing are deterministic, so the same inputs give the
/// same bytes in each coding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    hex: Arc<str>,
}

impl Derived {
    /// The tag of the resource in `coding`, quoted.
    pub fn etag(&self, coding: Coding) -> String {
        super::coded_etag(&self.hex, coding)
    }
}

/// Hashes what a resource is made from, field by field (each one
/// length-prefixed, so two different lists of inputs never hash alike). The
/// program's build ([`crate::BUILD`]) goes in first: another build may render other bytes.
#[derive(Debug, Clone)]
pub struct Inputs {
    hasher: blake3::Hasher,
}

impl Inputs {
    /// Starts a hash for resources of `kind` (`"archive"`, …).
    pub fn new(kind: &str) -> Inputs {
        Inputs::of_build(crate::BUILD, kind)
    }

    /// [`Inputs::new`] as the program's build `build` would start it.
    fn of_build(build: &str, kind: &str) -> Inputs {
        let mut inputs = Inputs {
            hasher: blake3::Hasher::new(),
        };
        inputs.bytes(build.as_bytes());
        inputs.bytes(kind.as_bytes());
        inputs
    }

    /// Adds a field.
    pub fn bytes(&mut self, field: &[u8]) -> &mut Inputs {
        self.hasher.update(&(field.len() as u64).to_le_bytes());
        self.hasher.update(field);
        self
    }

    /// Adds a string field.
    pub fn str(&mut self, field: &str) -> &mut Inputs {
        self.bytes(field.as_bytes())
    }

    /// Adds a number.
    pub fn num(&mut self, n: i128) -> &mut Inputs {
        self.bytes(&n.to_le_bytes())
    }

    /// Adds an index entry: its id, content digest and date. The date covers
    /// the one thing the file time gives a rendering (the date of a file
    /// without a date line); the file time itself is left out, so the same
    /// bytes restored, copied or synced to a replica at other times keep
    /// every validator.
    pub fn entry(&mut self, e: &Entry) -> &mut Inputs {
        self.str(&e.article.id)
            .num(e.digest as i128)
            .num(e.article.published.timestamp().into())
            .num(e.article.published.timestamp_subsec_nanos().into())
    }

    /// The tags of these inputs.
    pub fn finish(&self) -> Derived {
        let hex = self.hasher.finalize().to_hex();
        Derived {
            hex: Arc::from(&hex[..32]),
        }
    }
}

/// What renders a resource's identity bytes; run off the async threads. Fails
/// with the render error, or gives bytes that are not what the derived tag
/// stands for (`Rendered::Partial`, e.g. a file changed under it).
pub type Render = Box<dyn FnOnce() -> Result<Rendered, RenderError> + Send>;

/// What a render gave.
#[derive(Debug)]
pub enum Rendered {
    /// The bytes the derived tags stand for.
    Exact(Vec<u8>),
    /// Bytes made from other inputs than the ones hashed (an article could not be
    /// read back as indexed): served with tags hashed from the bytes, not cached.
    Partial(Vec<u8>),
}

/// A resource to serve on demand, described without rendering it.
pub struct Prepared {
    /// Its URL path (the cache key, with the tag).
    pub path: String,
    /// Its tags.
    pub tags: Derived,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// How long clients may keep it.
    pub freshness: Freshness,
    /// Renders it.
    pub render: Render,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("path", &self.path)
            .field("tags", &self.tags)
            .finish_non_exhaustive()
    }
}

impl Prepared {
    /// Renders it (blocking: call it off the async threads) into a resource
    /// dated `last_modified`, and whether the cache may keep it.
    pub fn resource(self, last_modified: SystemTime) -> Result<(Resource, Keep), RenderError> {
        Ok(match (self.render)()? {
            Rendered::Exact(bytes) => (
                Resource::derived(self.content_type, last_modified, bytes, self.tags),
                Keep::Yes,
            ),
            Rendered::Partial(bytes) => (
                Resource::new(self.content_type, last_modified, bytes),
                Keep::No,
            ),
        })
    }
}

/// How long a client may keep a resource rendered on demand without asking
/// again (`Cache-Control: max-age`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// An archive of a month that has a newer one, which changes only when
    /// one of its own articles does: `[archives] max_age`. (The newest
    /// month's archive is `Live`: it grows with the feed.)
    Archive,
    /// A page or feed that changes with the store: as long as the live feeds.
    Live,
}

/// Whether a rendered resource may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Its bytes are what its derived tags stand for.
    Yes,
    /// They are not: serve it once.
    No,
}

/// One cached resource.
#[derive(Debug)]
struct Cached {
    tags: Derived,
    resource: Arc<Resource>,
    weight: usize,
}

/// How many times its identity size a resource counts for (see [`OnDemand`]).
const WEIGHT: usize = 4;

/// The resources rendered on demand, least recently used first out, within a
/// budget of bytes (set per insertion, so a reload of the config applies at once).
///
/// A resource counts as four times its identity size, what it comes to hold
/// once requests have asked for every coding: its identity bytes and their
/// sealed copy (made for `sendfile` when first sent), and the gzip and
/// brotli forms with theirs (Vietnamese article text compresses to under a
/// third; each form is well under half). So `cache_bytes` bounds the memory
/// the cache holds, not only its uncompressed text.
#[derive(Debug)]
pub struct OnDemand {
    /// A std mutex: held for a map operation, never across an `.await`.
    inner: Mutex<Lru>,
}

#[derive(Debug)]
struct Lru {
    map: LruCache<String, Cached>,
    bytes: usize,
}

impl Default for OnDemand {
    fn default() -> OnDemand {
        OnDemand {
            inner: Mutex::new(Lru {
                map: LruCache::unbounded(),
                bytes: 0,
            }),
        }
    }
}

impl OnDemand {
    /// The resource at `path` if it was rendered for `tags` (and marks it used).
    pub fn get(&self, path: &str, tags: &Derived) -> Option<Arc<Resource>> {
        let mut lru = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let hit = lru
            .map
            .get(path)
            .filter(|c| &c.tags == tags)
            .map(|c| c.resource.clone());
        hit
    }

    /// Keeps `resource` for `path` and `tags`, then drops the least recently used
    /// resources until the cache is within `budget` bytes. A resource over the
    /// whole budget is not kept.
    pub fn put(&self, path: String, tags: Derived, resource: Arc<Resource>, budget: usize) {
        let weight = resource.identity.bytes.len().saturating_mul(WEIGHT);
        let mut lru = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        // A render that began on an older snapshot, done after one of newer
        // inputs was kept, does not replace it: the date a path is served
        // with never goes back (a client holding the newer bytes would be
        // told by date that it holds these).
        if lru
            .map
            .peek(&path)
            .is_some_and(|old| old.resource.last_modified > resource.last_modified)
        {
            return;
        }
        if let Some(old) = lru.map.pop(&path) {
            lru.bytes -= old.weight;
        }
        if weight <= budget {
            lru.bytes += weight;
            let cached = Cached {
                tags,
                resource,
                weight,
            };
            lru.map.put(path, cached);
        }
        while lru.bytes > budget {
            match lru.map.pop_lru() {
                Some((_, old)) => lru.bytes -= old.weight,
                None => break,
            }
        }
        metrics::gauge!("bantin_archive_cache_charged_bytes").set(lru.bytes as f64);
        metrics::gauge!("bantin_archive_cache_entries").set(lru.map.len() as f64);
    }

    /// Forgets the resource at `path`: one was served from other inputs than
    /// its tags stand for, at a later date, and the one kept must not be
    /// served by its older date once those inputs come back.
    pub fn forget(&self, path: &str) {
        let mut lru = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = lru.map.pop(path) {
            lru.bytes -= old.weight;
        }
    }

    /// The bytes the cache counts now.
    pub fn bytes(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn tags(what: &str) -> Derived {
        Inputs::new("test").str(what).finish()
    }

    fn resource(len: usize, t: &Derived) -> Arc<Resource> {
        Arc::new(Resource::derived(
            "text/plain",
            UNIX_EPOCH,
            vec![b'x'; len],
            t.clone(),
        ))
    }

    #[test]
    fn the_date_a_path_is_kept_with_never_goes_back() {
        let dated = |t: &Derived, secs: u64| {
            Arc::new(Resource::derived(
                "text/plain",
                UNIX_EPOCH + std::time::Duration::from_secs(secs),
                vec![b'x'; 10],
                t.clone(),
            ))
        };
        let cache = OnDemand::default();
        let (a, b) = (tags("a"), tags("b"));
        // B (newer) is kept; a render of A begun on an older snapshot, done
        // after, does not replace it.
        cache.put("/p".into(), b.clone(), dated(&b, 20), 1 << 20);
        cache.put("/p".into(), a.clone(), dated(&a, 10), 1 << 20);
        assert!(cache.get("/p", &a).is_none());
        assert!(cache.get("/p", &b).is_some());
        // A later one does.
        cache.put("/p".into(), a.clone(), dated(&a, 30), 1 << 20);
        assert!(cache.get("/p", &a).is_some());
        // Served from other inputs (not kept): the kept one is forgotten,
        // so it is not served by its older date once its inputs come back.
        cache.forget("/p");
        assert!(cache.get("/p", &a).is_none());
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn another_build_gives_other_tags() {
        let build = |b: &str| Inputs::of_build(b, "archive").str("một").finish();
        assert_eq!(
            Inputs::new("archive").str("một").finish(),
            build(crate::BUILD)
        );
        assert_ne!(
            build("0.1.0+0000000000000001"),
            build("0.1.0+0000000000000002")
        );
        // The version and a 16-digit hash of the sources (build.rs).
        let (version, hash) = crate::BUILD.split_once('+').expect("a build hash");
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
        assert!(
            hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{hash}"
        );
    }

    #[test]
    fn tags_follow_the_inputs_and_differ_per_coding() {
        let a = tags("một");
        assert_eq!(a, tags("một"));
        assert_ne!(a, tags("hai"));
        // Length prefixes: moving a boundary between fields is another input.
        let ab = Inputs::new("test").str("ab").str("c").finish();
        let a_bc = Inputs::new("test").str("a").str("bc").finish();
        assert_ne!(ab, a_bc);
        let all = [Coding::Identity, Coding::Gzip, Coding::Br].map(|c| a.etag(c));
        assert!(all[0] != all[1] && all[1] != all[2] && all[0] != all[2]);
        for tag in &all {
            assert!(tag.parse::<headers::ETag>().is_ok(), "{tag}");
        }
        // A resource's encodings carry the derived tags.
        let r = resource(100, &a);
        assert_eq!(r.identity.etag, all[0]);
        assert_eq!(r.encode(Coding::Gzip).etag, all[1]);
        assert_eq!(r.encode(Coding::Br).etag, all[2]);
    }

    #[test]
    fn a_resource_served_in_every_coding_holds_no_more_than_its_weight() {
        // Archive-like text: the sample store's articles, one after another.
        let store = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds");
        let mut text = Vec::new();
        for entry in walkdir::WalkDir::new(store).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.path().extension().is_some_and(|e| e == "txt") {
                text.extend(b"<entry><content type=\"html\">");
                text.extend(std::fs::read(entry.path()).unwrap());
                text.extend(b"</content></entry>\n");
            }
        }
        let len = text.len();
        let r = Resource::derived("application/atom+xml", UNIX_EPOCH, text, tags("kho"));
        // Every coding asked for and sent with `sendfile`, as the fast path does.
        let mut held = 0;
        for body in [&r.identity, r.encode(Coding::Gzip), r.encode(Coding::Br)] {
            assert!(
                body.sealed.get(&body.bytes, None).is_some(),
                "{}",
                body.bytes.len()
            );
            held += 2 * body.bytes.len();
        }
        assert!(held > 2 * len, "{held} of {len}: the copies count");
        assert!(held <= WEIGHT * len, "{held} of {len}");
    }

    #[test]
    fn a_stale_tag_misses_and_the_budget_drops_the_least_recently_used() {
        let cache = OnDemand::default();
        let (a, b, c) = (tags("a"), tags("b"), tags("c"));
        cache.put("/a".into(), a.clone(), resource(100, &a), 250 * WEIGHT);
        cache.put("/b".into(), b.clone(), resource(100, &b), 250 * WEIGHT);
        assert!(cache.get("/a", &a).is_some());
        assert!(
            cache.get("/a", &b).is_none(),
            "another tag is another resource"
        );
        assert_eq!(cache.bytes(), 2 * 100 * WEIGHT);
        // /b is now the least recently used: it goes to make room.
        cache.put("/c".into(), c.clone(), resource(100, &c), 250 * WEIGHT);
        assert!(cache.get("/b", &b).is_none());
        assert!(cache.get("/a", &a).is_some() && cache.get("/c", &c).is_some());
        assert_eq!(cache.bytes(), 2 * 100 * WEIGHT);
        // Replacing a path's resource does not count it twice.
        cache.put("/a".into(), b.clone(), resource(100, &b), 250 * WEIGHT);
        assert_eq!(cache.bytes(), 2 * 100 * WEIGHT);
        assert!(cache.get("/a", &a).is_none() && cache.get("/a", &b).is_some());
        // Too big for the budget: not kept; a smaller budget evicts.
        cache.put("/big".into(), a.clone(), resource(1000, &a), 250 * WEIGHT);
        assert!(cache.get("/big", &a).is_none());
        cache.put("/d".into(), a.clone(), resource(10, &a), 100);
        assert!(cache.bytes() <= 100);
    }
}
