//! One resource in every content coding it is offered in, and the background
//! thread that computes the compressed codings.
//!
//! The identity body exists from the start; gzip and brotli are computed once
//! per resource, by the [`Compressor`] thread right after a snapshot is
//! published, or by the first request that needs one if it gets there first.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use bytes::Bytes;

use super::sealed::SealedCopy;
use super::Site;

/// One encoding of a resource.
#[derive(Debug, Clone)]
pub struct Body {
    /// The bytes sent.
    pub bytes: Bytes,
    /// The strong entity tag, quoted: a hash of exactly these bytes.
    pub etag: String,
    /// The same tag, parsed, for conditional request matching.
    pub tag: headers::ETag,
    /// The same tag as a ready `ETag` header value.
    pub etag_value: http::HeaderValue,
    /// The bytes in a file (an unnamed file in the body folder, or a sealed
    /// memfd), for `sendfile`, once a response has sent them.
    pub sealed: SealedCopy,
}

/// Two bodies are equal when their bytes and tags are: the sealed copy is a
/// cache of the bytes.
impl PartialEq for Body {
    fn eq(&self, other: &Body) -> bool {
        self.bytes == other.bytes && self.etag == other.etag
    }
}

impl Eq for Body {}

impl Body {
    /// Wraps bytes with their ETag.
    pub fn new(bytes: Vec<u8>) -> Body {
        let hash = blake3::hash(&bytes);
        let hex = hash.to_hex();
        Body::tagged(bytes, format!("\"{}\"", &hex[..32]))
    }

    /// Wraps bytes with an ETag made elsewhere (see [`super::Derived`]): a
    /// quoted string of hex digits and dashes.
    pub fn tagged(bytes: Vec<u8>, etag: String) -> Body {
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
            sealed: SealedCopy::default(),
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
    /// The tags of a resource rendered on demand, derived from its inputs; `None`:
    /// every encoding's tag is a hash of its bytes.
    derived: Option<super::Derived>,
    /// What the server derives from it for one snapshot and path (see [`Kept`]).
    kept: KeptSlot,
    /// Which codings a request is having computed now (see
    /// [`Resource::encode_off_thread`]).
    computing: Computing,
}

/// The codings of a resource being computed for requests, and a wake-up for
/// the requests waiting on them. A clone starts with none.
#[derive(Debug, Default)]
struct Computing {
    /// gzip, brotli: claimed by the request having it computed.
    claimed: [AtomicBool; 2],
    /// Woken when a claimed computation ends.
    done: tokio::sync::Notify,
    /// How many computations requests have started.
    #[cfg(test)]
    started: std::sync::atomic::AtomicUsize,
}

impl Clone for Computing {
    fn clone(&self) -> Computing {
        Computing::default()
    }
}

impl Computing {
    fn flag(&self, coding: Coding) -> Option<&AtomicBool> {
        match coding {
            Coding::Gzip => Some(&self.claimed[0]),
            Coding::Br => Some(&self.claimed[1]),
            Coding::Identity => None,
        }
    }
}

/// Ends a claimed computation however it ends (a panic included): gives the
/// claim back and wakes the requests waiting on it.
/// Made as the claim is won and moved into the work, so a claim is given
/// back even by work that never starts (a runtime shutting down drops it).
struct Claim(Arc<Resource>, Coding);

impl Drop for Claim {
    fn drop(&mut self) {
        let computing = &self.0.computing;
        if let Some(flag) = computing.flag(self.1) {
            flag.store(false, Ordering::Release);
        }
        computing.done.notify_waiters();
    }
}

/// How many byte blocks a [`Kept`] holds: one per coding and kind of response.
pub const KEPT_BLOCKS: usize = 9;

/// Bytes the server derives from a resource once and keeps with it (its
/// response header blocks: see `server::fast`), valid for one snapshot
/// generation and path. A resource an update did not touch is shared by the
/// next snapshot, which may serve it with other headers (a reloaded config's
/// `Cache-Control` or hubs), so a new key starts with empty blocks.
#[derive(Debug)]
pub struct Kept {
    generation: u64,
    path: Box<str>,
    /// The blocks, each made once, by slot (the server's numbering).
    pub blocks: [OnceLock<Box<[u8]>>; KEPT_BLOCKS],
}

/// The [`Kept`] of the snapshot that served a resource last. Swapped whole,
/// so a reader never sees blocks of two keys; a clone starts empty.
#[derive(Debug, Default)]
struct KeptSlot(arc_swap::ArcSwapOption<Kept>);

impl Clone for KeptSlot {
    fn clone(&self) -> KeptSlot {
        KeptSlot::default()
    }
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

/// gzip level of a body compressed for one request (see [`compress_now`]):
/// the fastest, as that work is done again for every request.
const GZIP_LEVEL_NOW: u32 = 1;
/// brotli quality of a body compressed for one request, for clients that
/// do not accept gzip: 3, with a window fitted to the body, costs two to
/// six times gzip 1 on article pages (see the README's figures), which is
/// why gzip is chosen wherever it is acceptable.
const BROTLI_QUALITY_NOW: u32 = 3;

/// `bytes` in `coding`, at levels cheap enough to spend on every request: a
/// body rendered per request (an article page, a month's sitemap) is
/// compressed per request too. `None` for identity, or if the encoder failed
/// (it writes into memory, so it does not): send the bytes as they are.
pub fn compress_now(coding: Coding, bytes: &[u8]) -> Option<Vec<u8>> {
    match coding {
        Coding::Gzip => gzip_at(bytes, GZIP_LEVEL_NOW),
        Coding::Br => brotli_at(bytes, BROTLI_QUALITY_NOW, Window::Fitted),
        Coding::Identity => None,
    }
}

/// The tag of a body in `coding` made from one whose identity tag is
/// `identity` (its hex, quoted or not): the hex with the coding's suffix, so
/// a request is decided before the body is compressed, and each coding has
/// its own tag (RFC 9110 §8.8.3). [`super::Derived`] tags its codings so too.
pub fn coded_etag(identity: &str, coding: Coding) -> String {
    let hex = identity.trim_matches('"');
    match coding {
        Coding::Identity => format!("\"{hex}\""),
        Coding::Gzip => format!("\"{hex}-gz\""),
        Coding::Br => format!("\"{hex}-br\""),
    }
}

impl Resource {
    /// A resource of `bytes`; its compressed encodings are computed when first asked for.
    pub fn new(content_type: &'static str, last_modified: SystemTime, bytes: Vec<u8>) -> Resource {
        Resource::of_body(content_type, last_modified, Body::new(bytes))
    }

    /// A resource whose identity body (bytes and ETag) is made already.
    pub fn of_body(
        content_type: &'static str,
        last_modified: SystemTime,
        identity: Body,
    ) -> Resource {
        Resource {
            content_type,
            last_modified,
            last_modified_value: last_modified_value(last_modified),
            identity,
            gzip: OnceLock::new(),
            br: OnceLock::new(),
            derived: None,
            kept: KeptSlot::default(),
            computing: Computing::default(),
        }
    }

    /// Calls `with` on what is kept for serving this resource at `path` in
    /// the snapshot of `generation`; starts it empty if that is a new key.
    pub fn kept<R>(&self, generation: u64, path: &str, with: impl FnOnce(&Kept) -> R) -> R {
        let current = self.kept.0.load();
        if let Some(kept) = current.as_ref() {
            if kept.generation == generation && *kept.path == *path {
                return with(kept);
            }
        }
        drop(current);
        let fresh = Arc::new(Kept {
            generation,
            path: path.into(),
            blocks: Default::default(),
        });
        // Two requests racing here each store a valid one; the last stays.
        self.kept.0.store(Some(fresh.clone()));
        with(&fresh)
    }

    /// A resource rendered on demand whose tags, in every encoding, are
    /// `derived` from its inputs (so a request can be answered 304 without
    /// rendering it).
    pub fn derived(
        content_type: &'static str,
        last_modified: SystemTime,
        bytes: Vec<u8>,
        derived: super::Derived,
    ) -> Resource {
        let identity = Body::tagged(bytes, derived.etag(Coding::Identity));
        Resource {
            derived: Some(derived),
            ..Resource::of_body(content_type, last_modified, identity)
        }
    }

    /// The `Last-Modified` value to send at `now`: the resource's, or `now` when
    /// that is later. RFC 9110 §8.8.2.1: an origin must not send a Last-Modified
    /// later than its Date, and two changes within one second put the second
    /// one's date a second ahead (see `last_modified`). The clamped date is
    /// earlier than [`Resource::last_modified`], which the 304 decision uses, so
    /// a client sending it back gets a redundant 200, never a wrong 304.
    pub fn last_modified_header(&self, now: SystemTime) -> http::HeaderValue {
        if self.last_modified > now {
            last_modified_value(now)
        } else {
            self.last_modified_value.clone()
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
        let body = |coded: Vec<u8>| match &self.derived {
            Some(d) => Body::tagged(coded, d.etag(coding)),
            None => Body::new(coded),
        };
        match coding {
            Coding::Br => self.br.get_or_init(|| body(brotli(bytes))),
            Coding::Gzip => self.gzip.get_or_init(|| body(gzip(bytes))),
            Coding::Identity => &self.identity,
        }
    }

    /// Has the body in `coding` computed, if it is not yet, for a request:
    /// on the blocking pool, once however many requests ask at the same time
    /// (the first claims it; the others wait for it without holding a
    /// thread each, as a burst of readers after an update would). Returns
    /// when it is computed, or when a computation of its own failed (a bug,
    /// which panicked): [`Resource::encoded`] is then still `None`. The work
    /// goes on if the request is dropped, so the requests waiting see it end.
    pub async fn encode_off_thread(self: &Arc<Resource>, coding: Coding) {
        let Some(flag) = self.computing.flag(coding) else {
            return;
        };
        loop {
            if self.encoded(coding).is_some() {
                return;
            }
            let done = self.computing.done.notified();
            tokio::pin!(done);
            // Listening before the claim is tried: a computation ending in
            // between still wakes this request.
            done.as_mut().enable();
            if flag
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                let claim = Claim(self.clone(), coding);
                // A computation that ended after this request looked, and
                // gave its claim back before this one took it, left nothing
                // to do.
                if self.encoded(coding).is_some() {
                    return;
                }
                #[cfg(test)]
                self.computing.started.fetch_add(1, Ordering::Relaxed);
                let _ = tokio::task::spawn_blocking(move || {
                    claim.0.encode(claim.1);
                })
                .await;
                return;
            }
            done.await;
        }
    }

    /// Whether every encoding is computed.
    pub fn compressed(&self) -> bool {
        self.gzip.get().is_some() && self.br.get().is_some()
    }
}

/// `t` as an IMF-fixdate header value.
pub fn last_modified_value(t: SystemTime) -> http::HeaderValue {
    http::HeaderValue::from_str(&crate::timestamp::http_date(t))
        .expect("an HTTP date is a valid header value")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    // Writing into a Vec cannot fail.
    gzip_at(bytes, GZIP_LEVEL).unwrap_or_default()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    brotli_at(bytes, BROTLI_QUALITY, Window::Default).unwrap_or_default()
}

fn gzip_at(bytes: &[u8], level: u32) -> Option<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::new(level),
    );
    enc.write_all(bytes).ok()?;
    enc.finish().ok()
}

/// The brotli window (log2 of its bytes) for a body of `len` bytes: the
/// smallest that holds it, from brotli's least (10, RFC 7932 §9.1) to the
/// encoder's default (22). The encoder's tables grow with the window, and
/// clearing them is most of the cost of compressing a page of a few KB with
/// the default window.
pub fn brotli_window(len: usize) -> i32 {
    let bits = usize::BITS - len.saturating_sub(1).leading_zeros();
    bits.clamp(10, 22) as i32
}

/// The window a body compressed with brotli is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Window {
    /// The encoder's default: a body compressed once per change.
    Default,
    /// Fitted to the body ([`brotli_window`]): one compressed per request.
    Fitted,
}

fn brotli_at(bytes: &[u8], quality: u32, window: Window) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    let mut params = brotli::enc::BrotliEncoderParams {
        quality: quality as i32,
        ..Default::default()
    };
    if window == Window::Fitted {
        params.lgwin = brotli_window(bytes.len());
        params.size_hint = bytes.len();
    }
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).ok()?;
    Some(out)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

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

    #[tokio::test]
    async fn requests_asking_at_once_have_a_coding_computed_once() {
        let r = Arc::new(feed(&"Tin tức tổng hợp, bản tin số ".repeat(400)));
        let asking: Vec<_> = (0..32)
            .map(|_| {
                let r = r.clone();
                tokio::spawn(async move { r.encode_off_thread(Coding::Gzip).await })
            })
            .collect();
        for a in asking {
            a.await.unwrap();
        }
        assert!(r.encoded(Coding::Gzip).is_some());
        assert_eq!(r.computing.started.load(Ordering::Relaxed), 1);
        assert!(!r.computing.claimed[0].load(Ordering::Relaxed));
        // Computed already: no more work, and identity needs none.
        r.encode_off_thread(Coding::Gzip).await;
        r.encode_off_thread(Coding::Identity).await;
        assert_eq!(r.computing.started.load(Ordering::Relaxed), 1);
        assert!(r.encoded(Coding::Br).is_none());
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
    fn a_body_compressed_now_decodes_to_its_bytes_and_has_a_tag_per_coding() {
        use std::io::Read;
        let page = "<p>Tin tức tổng hợp</p>\n".repeat(200).into_bytes();
        assert_eq!(compress_now(Coding::Identity, &page), None);
        let gz = compress_now(Coding::Gzip, &page).unwrap();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, page);
        let br = compress_now(Coding::Br, &page).unwrap();
        let mut out = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, page);
        assert!(gz.len() < page.len() / 4 && br.len() < page.len() / 4);

        let identity = Body::new(page);
        let tags =
            [Coding::Identity, Coding::Gzip, Coding::Br].map(|c| coded_etag(&identity.etag, c));
        assert_eq!(tags[0], identity.etag);
        assert!(tags[1] != tags[0] && tags[2] != tags[0] && tags[1] != tags[2]);
        // Each a valid entity tag, as `Body::tagged` requires.
        for tag in &tags {
            assert_eq!(Body::tagged(Vec::new(), tag.clone()).etag, *tag);
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
