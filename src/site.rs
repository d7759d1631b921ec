//! Every representation the daemon serves: feed bytes in identity, gzip and
//! brotli, each with its strong ETag, plus Last-Modified per resource.
//!
//! Identity bytes are rendered before a snapshot is served; the compressed
//! encodings are computed once per resource, by a [`Compressor`] thread right
//! after, or by the first request that needs one if it gets there first. So a
//! change is served as soon as it is rendered, and compression never delays it.
//!
//! A [`Site`] is an immutable snapshot. [`Site::build`] renders everything;
//! [`Site::update`] re-renders only the feeds whose selected items changed, so
//! every other feed keeps its bytes, ETags and Last-Modified exactly.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rayon::prelude::*;

use crate::article::Article;
use crate::config::Config;
use crate::index::{Entry, Index};
use crate::render::{self, FeedView, Format};

/// One encoding of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The bytes sent.
    pub bytes: Bytes,
    /// The strong entity tag, quoted: a hash of exactly these bytes.
    pub etag: String,
    /// The same tag, parsed, for conditional request matching.
    pub tag: headers::ETag,
    /// The same tag as a ready `ETag` header value.
    pub etag_value: http::HeaderValue,
}

impl Body {
    /// Wraps bytes with their ETag.
    pub fn new(bytes: Vec<u8>) -> Body {
        let hash = blake3::hash(&bytes);
        let hex = hash.to_hex();
        let etag = format!("\"{}\"", &hex[..32]);
        let tag = etag
            .parse()
            .expect("a quoted hex string is a valid entity tag");
        let etag_value = http::HeaderValue::from_str(&etag)
            .expect("a quoted hex string is a valid header value");
        Body {
            etag,
            tag,
            etag_value,
            bytes: Bytes::from(bytes),
        }
    }
}

/// A resource in every encoding it is offered in.
#[derive(Debug, Clone)]
pub struct Resource {
    /// `Content-Type`.
    pub content_type: &'static str,
    /// `Last-Modified`.
    pub last_modified: SystemTime,
    /// The same as a ready header value (IMF-fixdate).
    pub last_modified_value: http::HeaderValue,
    /// The uncompressed bytes.
    pub identity: Body,
    /// gzip (RFC 1952), once computed.
    gzip: OnceLock<Body>,
    /// brotli (RFC 7932), once computed.
    br: OnceLock<Body>,
}

/// A content coding a resource is offered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// brotli.
    Br,
    /// gzip.
    Gzip,
    /// No coding.
    Identity,
}

impl Coding {
    /// The `Content-Encoding` value; `None` for identity.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Coding::Br => Some("br"),
            Coding::Gzip => Some("gzip"),
            Coding::Identity => None,
        }
    }
}

/// gzip level: the default trade-off, feeds are compressed once per change.
const GZIP_LEVEL: u32 = 6;
/// brotli quality: 5 is faster than gzip -9 and smaller; 11 costs ~50x the CPU.
const BROTLI_QUALITY: u32 = 5;

impl Resource {
    /// A resource of `bytes`; its compressed encodings are computed when first asked for.
    pub fn new(content_type: &'static str, last_modified: SystemTime, bytes: Vec<u8>) -> Resource {
        let last_modified_value =
            http::HeaderValue::from_str(&crate::timestamp::http_date(last_modified))
                .expect("an HTTP date is a valid header value");
        Resource {
            content_type,
            last_modified,
            last_modified_value,
            identity: Body::new(bytes),
            gzip: OnceLock::new(),
            br: OnceLock::new(),
        }
    }

    /// The body in `coding`, if it is computed already.
    pub fn encoded(&self, coding: Coding) -> Option<&Body> {
        match coding {
            Coding::Br => self.br.get(),
            Coding::Gzip => self.gzip.get(),
            Coding::Identity => Some(&self.identity),
        }
    }

    /// The body in `coding`, computing it first if needed (milliseconds of CPU
    /// for a large feed: call it off the async threads). Concurrent callers for
    /// one coding wait for a single computation.
    pub fn encode(&self, coding: Coding) -> &Body {
        let bytes = &self.identity.bytes;
        match coding {
            Coding::Br => self.br.get_or_init(|| Body::new(brotli(bytes))),
            Coding::Gzip => self.gzip.get_or_init(|| Body::new(gzip(bytes))),
            Coding::Identity => &self.identity,
        }
    }

    /// Whether every encoding is computed.
    pub fn compressed(&self) -> bool {
        self.gzip.get().is_some() && self.br.get().is_some()
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::new(GZIP_LEVEL),
    );
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY as i32,
        ..Default::default()
    };
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out
}

/// A background thread that computes the compressed encodings of each new
/// snapshot's resources. It stops when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct Compressor {
    tx: Sender<Vec<Arc<Resource>>>,
}

impl Compressor {
    /// Starts the thread.
    pub fn start() -> std::io::Result<Compressor> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("bantin-compress".into())
            .spawn(move || compress_all(&rx))?;
        Ok(Compressor { tx })
    }

    /// Queues every resource of `site` that is not compressed yet.
    pub fn queue(&self, site: &Site) {
        let pending: Vec<Arc<Resource>> = site
            .resources
            .values()
            .filter(|r| !r.compressed())
            .cloned()
            .collect();
        if !pending.is_empty() {
            // Fails only once the thread has ended, which it does not while `self` lives.
            let _ = self.tx.send(pending);
        }
    }
}

fn compress_all(rx: &Receiver<Vec<Arc<Resource>>>) {
    while let Ok(batch) = rx.recv() {
        for r in batch {
            // A resource that a newer snapshot has replaced is not worth compressing.
            if Arc::strong_count(&r) > 1 {
                r.encode(Coding::Gzip);
                r.encode(Coding::Br);
            }
        }
    }
}

/// What a feed was rendered from, to tell whether it must be rendered again.
#[derive(Debug, Clone)]
struct Rendered {
    items: Vec<Entry>,
    title: String,
    description: String,
}

impl Rendered {
    fn same_as(&self, other: &Rendered) -> bool {
        self.title == other.title
            && self.description == other.description
            && self.items.len() == other.items.len()
            && self
                .items
                .iter()
                .zip(&other.items)
                .all(|(a, b)| Arc::ptr_eq(&a.article, &b.article))
    }
}

/// Every served resource of one store snapshot.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// The index the resources were rendered from.
    pub index: Arc<Index>,
    /// Resources by URL path.
    pub resources: HashMap<String, Arc<Resource>>,
    feeds: BTreeMap<Option<String>, Rendered>,
    /// Full articles of every item some feed holds, by id, with the lean article
    /// they were read for: what re-renders and article pages need, and no more.
    bodies: HashMap<String, (Arc<Article>, Arc<Article>)>,
}

/// A feed that failed to render (the previous bytes keep being served).
#[derive(Debug, thiserror::Error)]
#[error("cannot render {path}: {message}")]
pub struct RenderError {
    /// The feed's URL path.
    pub path: String,
    /// Why.
    pub message: String,
}

/// Reads the full article of a lean index entry (see [`Entry`]).
pub type Hydrate<'a> = &'a (dyn Fn(&Entry) -> Option<Arc<Article>> + Sync);

/// For indexes built in memory, whose entries already hold full articles.
pub fn in_memory(e: &Entry) -> Option<Arc<Article>> {
    Some(e.article.clone())
}

/// One feed in one format to render, with its items' full articles.
struct Job<'a> {
    slug: Option<&'a str>,
    format: Format,
    view: FeedView<'a>,
}

impl Site {
    /// Renders every resource of `index`.
    pub fn build(
        cfg: &Config,
        index: Arc<Index>,
        now: SystemTime,
        hydrate: Hydrate<'_>,
    ) -> (Site, Vec<RenderError>) {
        Site::default().update(cfg, index, now, true, hydrate)
    }

    /// The full article of `id`, if a feed holds it (so it is in memory).
    pub fn body(&self, id: &str, lean: &Arc<Article>) -> Option<Arc<Article>> {
        self.bodies
            .get(id)
            .filter(|(l, _)| Arc::ptr_eq(l, lean))
            .map(|(_, full)| full.clone())
    }

    /// Renders what changed between `self` and `index`; `force` renders everything
    /// (after a config change). Last-Modified never moves backwards, never passes `now`.
    /// Rendering and compression run on every core.
    pub fn update(
        &self,
        cfg: &Config,
        index: Arc<Index>,
        now: SystemTime,
        force: bool,
        hydrate: Hydrate<'_>,
    ) -> (Site, Vec<RenderError>) {
        let title_of = |slug: Option<&str>| feed_title(cfg, &index, slug);
        let slugs: Vec<Option<String>> = std::iter::once(None)
            .chain(index.categories().keys().cloned().map(Some))
            .collect();

        // Which feeds changed, and the full articles of every item still held.
        let mut feeds = BTreeMap::new();
        let mut bodies = HashMap::new();
        let mut stale: Vec<&Option<String>> = Vec::new();
        for slug in &slugs {
            let s = slug.as_deref();
            let now_rendered = Rendered {
                items: index.select(s, cfg.items_for(s)),
                title: title_of(s),
                description: feed_description(cfg, &index, s),
            };
            let unchanged = !force
                && self
                    .feeds
                    .get(slug)
                    .is_some_and(|prev| prev.same_as(&now_rendered));
            for e in &now_rendered.items {
                let id = &e.article.id;
                if bodies.contains_key(id) {
                    continue;
                }
                let full = self
                    .body(id, &e.article)
                    .or_else(|| hydrate(e))
                    // Gone or broken since it was indexed: render what the index has;
                    // the watcher is about to report the change.
                    .unwrap_or_else(|| e.article.clone());
                bodies.insert(id.clone(), (e.article.clone(), full));
            }
            if !unchanged {
                stale.push(slug);
            }
            feeds.insert(slug.clone(), now_rendered);
        }

        // Render and compress the changed feeds in parallel.
        let full_items: Vec<(Option<&str>, Rendered)> = stale
            .iter()
            .map(|slug| {
                let r = &feeds[*slug];
                let items = r
                    .items
                    .iter()
                    .map(|e| Entry {
                        article: bodies[&e.article.id].1.clone(),
                        ..e.clone()
                    })
                    .collect();
                (
                    slug.as_deref(),
                    Rendered {
                        items,
                        title: r.title.clone(),
                        description: r.description.clone(),
                    },
                )
            })
            .collect();
        let jobs: Vec<Job<'_>> = full_items
            .iter()
            .flat_map(|(slug, r)| {
                Format::ALL.into_iter().map(move |format| Job {
                    slug: *slug,
                    format,
                    view: FeedView {
                        site: &cfg.site,
                        slug: *slug,
                        title: r.title.clone(),
                        description: r.description.clone(),
                        ttl: cfg.feeds.ttl,
                        items: &r.items,
                        max_item_bytes: cfg.feeds.max_item_bytes,
                    },
                })
            })
            .collect();
        let rendered: Vec<_> = jobs
            .par_iter()
            .map(|job| {
                let path = render::feed_path(job.slug, job.format);
                let bytes = match job.format {
                    Format::Rss => render::rss_feed::render(&job.view).map_err(|e| e.to_string()),
                    Format::Atom => render::atom_feed::render(&job.view).map_err(|e| e.to_string()),
                    Format::Json => render::json_feed::render(&job.view).map_err(|e| e.to_string()),
                };
                let prev = self.resources.get(&path);
                let result = match bytes {
                    // Same bytes: keep the resource, its encodings, ETags and Last-Modified.
                    Ok(bytes) if prev.is_some_and(|p| p.identity.bytes == bytes) => Ok(None),
                    Ok(bytes) => {
                        let computed = last_modified(job.view.items, now);
                        let lm = advance(prev.map(|p| p.last_modified), computed, now);
                        Ok(Some(Resource::new(job.format.content_type(), lm, bytes)))
                    }
                    Err(message) => Err(RenderError {
                        path: path.clone(),
                        message,
                    }),
                };
                (path, result)
            })
            .collect();

        let mut errors = Vec::new();
        let mut resources = self.resources.clone();
        let mut any_changed = force || !stale.is_empty();
        for (path, result) in rendered {
            match result {
                Ok(Some(resource)) => {
                    resources.insert(path, Arc::new(resource));
                }
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        // Feeds of categories that no longer exist leave the site.
        for gone in self.feeds.keys().filter(|s| !feeds.contains_key(*s)) {
            for format in Format::ALL {
                resources.remove(&render::feed_path(gone.as_deref(), format));
            }
            any_changed = true;
        }
        if any_changed || !resources.contains_key("/") {
            let newest = index.select(None, 30);
            let lm = last_modified(&newest, now);
            let pages = [
                (
                    "/feeds.opml",
                    "text/x-opml; charset=utf-8",
                    render::opml::render(&cfg.site, &index, &title_of),
                ),
                (
                    "/",
                    "text/html; charset=utf-8",
                    render::html::front_page(&cfg.site, &index, &newest, &title_of),
                ),
            ];
            for (path, content_type, bytes) in pages {
                let prev = self.resources.get(path);
                if prev.is_some_and(|p| p.identity.bytes == bytes) {
                    continue;
                }
                let lm = advance(prev.map(|p| p.last_modified), lm, now);
                resources.insert(
                    path.to_owned(),
                    Arc::new(Resource::new(content_type, lm, bytes)),
                );
            }
        }
        (
            Site {
                index,
                resources,
                feeds,
                bodies,
            },
            errors,
        )
    }

    /// Paths of the feeds and pages, sorted.
    pub fn paths(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.resources.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }
}

/// A feed's title: the config override, the category name, or the site title.
pub fn feed_title(cfg: &Config, index: &Index, slug: Option<&str>) -> String {
    let Some(slug) = slug else {
        return cfg.site.title.clone();
    };
    cfg.feeds
        .categories
        .get(slug)
        .and_then(|o| o.title.clone())
        .or_else(|| index.categories().get(slug).map(|c| c.path.join(" › ")))
        .unwrap_or_else(|| slug.to_owned())
}

fn feed_description(cfg: &Config, index: &Index, slug: Option<&str>) -> String {
    let Some(slug) = slug else {
        return cfg.site.description.clone();
    };
    cfg.feeds
        .categories
        .get(slug)
        .and_then(|o| o.description.clone())
        .unwrap_or_else(|| {
            let name = index
                .categories()
                .get(slug)
                .map_or(slug, |c| c.name.as_str());
            format!("{}: {name}", cfg.site.title)
        })
}

/// The newest of the items' publication dates and file modification times, at most `now`.
fn last_modified(items: &[Entry], now: SystemTime) -> SystemTime {
    items
        .iter()
        .flat_map(|e| {
            let published = u64::try_from(e.article.published.timestamp())
                .map_or(UNIX_EPOCH, |s| UNIX_EPOCH + Duration::from_secs(s));
            [Some(published), e.modified]
        })
        .flatten()
        .max()
        .unwrap_or(UNIX_EPOCH)
        .min(now)
}

/// Last-Modified for a changed body: the computed time, but later than the
/// previous one (HTTP dates have whole seconds) and never after `now`.
fn advance(prev: Option<SystemTime>, computed: SystemTime, now: SystemTime) -> SystemTime {
    let whole = |t: SystemTime| {
        UNIX_EPOCH + Duration::from_secs(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
    };
    match prev {
        Some(p) if whole(computed) <= whole(p) => whole(p + Duration::from_secs(1))
            .min(whole(now))
            .max(whole(p)),
        _ => whole(computed).min(whole(now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_modified_moves_forward_only() {
        let t = |s| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(advance(None, t(100), t(200)), t(100));
        assert_eq!(advance(None, t(300), t(200)), t(200));
        assert_eq!(advance(Some(t(150)), t(100), t(200)), t(151));
        assert_eq!(advance(Some(t(150)), t(180), t(200)), t(180));
        assert_eq!(advance(Some(t(200)), t(100), t(200)), t(200));
    }

    fn feed(text: &str) -> Resource {
        Resource::new("text/plain", UNIX_EPOCH, text.repeat(50).into_bytes())
    }

    #[test]
    fn encodings_are_computed_once_on_demand_and_decode_to_the_identity() {
        use std::io::Read;
        let r = feed("Tin tức tổng hợp. ");
        assert!(r.encoded(Coding::Gzip).is_none() && r.encoded(Coding::Br).is_none());
        assert!(!r.compressed());

        let gz = r.encode(Coding::Gzip).clone();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz.bytes[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, r.identity.bytes);
        assert!(gz.bytes.len() < r.identity.bytes.len());
        assert!(!r.compressed(), "brotli is not computed yet");

        let br = r.encode(Coding::Br).clone();
        let mut out = Vec::new();
        brotli::Decompressor::new(&br.bytes[..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, r.identity.bytes);
        assert!(r.compressed());

        // Asked again: the same bodies, not new ones.
        assert_eq!(r.encoded(Coding::Gzip), Some(&gz));
        assert_eq!(r.encode(Coding::Br), &br);
        assert_eq!(r.encode(Coding::Identity), &r.identity);
        let tags = [&r.identity.etag, &gz.etag, &br.etag];
        assert!(tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2]);
    }

    #[test]
    fn the_compressor_thread_compresses_every_queued_resource() {
        let mut site = Site::default();
        for (path, text) in [("/a", "một "), ("/b", "hai "), ("/c", "ba ")] {
            site.resources.insert(path.to_owned(), Arc::new(feed(text)));
        }
        let compressor = Compressor::start().unwrap();
        compressor.queue(&site);
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !site.resources.values().all(|r| r.compressed()) {
            assert!(
                std::time::Instant::now() < deadline,
                "not compressed in 20 s"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn etag_is_a_strong_hash_of_the_bytes() {
        let a = Body::new(b"abc".to_vec());
        let b = Body::new(b"abc".to_vec());
        let c = Body::new(b"abd".to_vec());
        assert_eq!(a.etag, b.etag);
        assert_ne!(a.etag, c.etag);
        assert!(a.etag.starts_with('"') && a.etag.ends_with('"') && a.etag.len() == 34);
    }
}
