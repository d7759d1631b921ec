//! WebSub (W3C Recommendation, 2018) publishing: tells the configured hubs which
//! feeds changed once a change is served, and links every feed to them.
//!
//! The publisher side of the protocol is small: a feed names its hubs and itself
//! (§4 Discovery, in the document and in a `Link` header, which is how a JSON
//! feed is discovered), and the publisher tells a hub that a topic changed. The
//! spec leaves that ping to hubs (§7); hubs agree on a form-encoded POST with
//! `hub.mode=publish` and the topic as `hub.url` (PubSubHubbub 0.4, Google's and
//! Superfeedr's hubs) or `hub.topic` (WebSub.rocks, flask-websub, Switchboard),
//! so both are sent, one topic per request: several `hub.url` values in one
//! request are not read by every hub (flask-websub takes the first).
//!
//! Pings never hold up serving: [`Pinger::publish`] only queues them (a bounded
//! [`Queue`] that coalesces, sends live feeds before archives and, when full,
//! drops archive pings before live ones), and a tokio task sends them, a few
//! at a time to each hub, each with a time limit, retrying failures with
//! exponential backoff up to `[websub] max_attempts`. A hub is on its own: one
//! that never answers, or asks to wait (`Retry-After`, which pauses all its
//! pings), holds back only its own pings. A hub that moved (307 or 308) gets
//! the ping at its new URL, once per send, and the log says where it went.
//!
//! What changed is found three ways: an ordinary change compares the
//! snapshot's feeds' ETags and asks the indexes which on-demand feeds the
//! changed articles reach; a reload, which may change every document,
//! compares every feed's ETag, on-demand ones derived from their inputs
//! ([`feed_etags`]); and a start compares with what the last run recorded
//! ([`record`]).

mod archives;
mod links;
mod queue;
pub mod record;

pub use archives::changed_archives;
pub use links::Links;
pub use queue::{
    backoff, Dropped, Health, Ping, Priority, Pushed, Queue, Retry, Turn, LONGEST_PAUSE, PER_HUB,
};

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER, USER_AGENT};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Notify;

use crate::config::{Config, WebsubConfig};
use crate::history::Chain;
use crate::index::Index;
use crate::render::{self, Format, GENERATOR};
use crate::site::{archive, pages, Coding, Site};
use crate::taxonomy::Kind;

/// A change waits this long before its pings go out, and each further change
/// of a feed puts its ping off as long again (up to
/// [`queue::LONGEST_POSTPONE`] more), so that a burst of changes (an editor
/// saving twice, a folder copied in) is one ping per feed once it is over.
pub const HOLD: Duration = Duration::from_millis(500);

/// The feeds one served change touched, as absolute URLs, in the lines
/// their pings wait in (see [`Priority`]): the all-articles, category and
/// changes feeds, then tag and author feeds, then monthly archives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topics {
    /// The all-articles and category feeds, and the feed of changes (a
    /// few documents, which partners follow), sorted.
    pub live: BTreeSet<String>,
    /// Tag and author feeds, sorted.
    pub terms: BTreeSet<String>,
    /// Archive documents, sorted.
    pub archives: BTreeSet<String>,
}

impl Topics {
    /// `urls` (each `base_url` and a site path) sorted into their lines.
    pub fn of(base_url: &str, urls: impl IntoIterator<Item = String>) -> Topics {
        let mut topics = Topics::default();
        for url in urls {
            let path = url.strip_prefix(base_url).unwrap_or(&url);
            let line = if archive::Request::parse(path).is_some() {
                &mut topics.archives
            } else if path.starts_with("/tags/") || path.starts_with("/authors/") {
                &mut topics.terms
            } else {
                &mut topics.live
            };
            line.insert(url);
        }
        topics
    }

    /// Adds `other`'s topics.
    pub fn extend(&mut self, other: Topics) {
        self.live.extend(other.live);
        self.terms.extend(other.terms);
        self.archives.extend(other.archives);
    }

    /// How many topics, in every line.
    pub fn len(&self) -> usize {
        self.live_feeds() + self.archives.len()
    }

    /// How many live feeds: the all-articles, category, changes, tag and
    /// author feeds.
    pub fn live_feeds(&self) -> usize {
        self.live.len() + self.terms.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each topic with its line, in the order the lines go out.
    fn each(&self) -> impl Iterator<Item = (Priority, &String)> {
        let live = self.live.iter().map(|t| (Priority::Live, t));
        let terms = self.terms.iter().map(|t| (Priority::Term, t));
        live.chain(terms)
            .chain(self.archives.iter().map(|t| (Priority::Archive, t)))
    }
}

/// The identity ETag of every feed document of `site` rendered with `cfg`,
/// by path: the snapshot's own feeds (all articles, categories) as rendered,
/// and every feed rendered on demand (tag and author feeds, the feed of
/// changes, every archive)
/// as derived from its inputs, without rendering it (see
/// [`crate::site::on_demand`]). A pass over every term and month: for a
/// reload or a start, not for every change. With [`Spread::AllCores`] the
/// documents are shared out among the cores: for the stop, which has them
/// all and must finish within the service manager's stop timeout (a store of
/// 100,000 articles and 112,000 tags has about a million feed documents).
pub fn feed_etags(cfg: &Arc<Config>, site: &Site, spread: Spread) -> BTreeMap<String, String> {
    let mut etags = snapshot_feed_etags(site);
    let is_feed_path = |path: &String| {
        !path.starts_with("/subscribe/")
            && Format::ALL
                .iter()
                .any(|f| path.strip_suffix(f.ext()).is_some_and(|p| p.ends_with('.')))
    };
    let derive = |path: &String| {
        let nothing: archive::Hydrate = Box::new(|_| None);
        let prepared = pages::prepare(cfg, &site.index, path, nothing)?;
        Format::of_content_type(prepared.content_type)?;
        Some((path.clone(), prepared.tags.etag(Coding::Identity)))
    };
    let paths = pages::paths(&site.index, cfg.tz);
    match spread {
        Spread::OneThread => {
            etags.extend(paths.iter().filter(|p| is_feed_path(p)).filter_map(derive))
        }
        Spread::AllCores => {
            use rayon::prelude::*;
            let derived: Vec<(String, String)> = paths
                .par_iter()
                .filter(|p| is_feed_path(p))
                .filter_map(derive)
                .collect();
            etags.extend(derived);
        }
    }
    etags
}

/// Where [`feed_etags`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// On the calling thread alone: beside serving (a reload, a start).
    OneThread,
    /// On every core: when nothing else is served (the stop).
    AllCores,
}

/// The identity ETag of every feed document held in `site` (all articles,
/// categories), by path.
pub fn snapshot_feed_etags(site: &Site) -> BTreeMap<String, String> {
    site.resources
        .iter()
        .filter(|(_, r)| Format::of_content_type(r.content_type).is_some())
        .map(|(path, r)| (path.clone(), r.identity.etag.clone()))
        .collect()
}

/// The paths whose ETag differs between `before` and `after`, or that are
/// in only one of them, sorted.
pub fn changed_paths(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<String> {
    let changed = after.iter().filter(|(p, e)| before.get(*p) != Some(*e));
    let went = before.iter().filter(|(p, _)| !after.contains_key(*p));
    changed
        .chain(went)
        .map(|(p, _)| p.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The absolute URLs of the feeds whose bytes differ between `before` and
/// `after` (a new ETag, or a feed that appeared or went), sorted.
pub fn changed_feeds(before: &Site, after: &Site, base_url: &str) -> Vec<String> {
    let is_feed = |r: &crate::site::Resource| Format::of_content_type(r.content_type).is_some();
    let mut changed: Vec<String> = after
        .resources
        .iter()
        .filter(|(_, r)| is_feed(r))
        .filter(|(path, r)| {
            before
                .resources
                .get(*path)
                .is_none_or(|old| old.identity.etag != r.identity.etag)
        })
        .chain(
            before
                .resources
                .iter()
                .filter(|(path, r)| is_feed(r) && !after.resources.contains_key(*path)),
        )
        .map(|(path, _)| format!("{base_url}{path}"))
        .collect();
    changed.sort_unstable();
    changed
}

/// The absolute URLs of the tag and author feeds, in every format, that a
/// change at `ids` changed: those of the terms the changed articles carry,
/// before or after the change, among whose newest `items` (what a term feed
/// lists) one of them is, before or after; and those of the terms the change
/// renamed (their feeds' titles), made or removed. Sorted, each once. Term feeds are
/// rendered on demand, so unlike [`changed_feeds`] this asks the indexes
/// rather than comparing bytes; an edit deep in a tag's history pings nothing.
pub fn changed_term_feeds(
    before: &Index,
    after: &Index,
    ids: &BTreeSet<String>,
    items: usize,
    base_url: &str,
) -> Vec<String> {
    let mut terms: BTreeSet<(Kind, String)> = BTreeSet::new();
    for index in [before, after] {
        for kind in [Kind::Tag, Kind::Author] {
            let taxonomy = index.taxonomy(kind);
            let carried = ids.iter().filter_map(|id| index.get(id));
            for entry in carried {
                for name in kind.names(&entry.article) {
                    if let Some(slug) = taxonomy.slug_of(name) {
                        terms.insert((kind, slug.to_owned()));
                    }
                }
            }
        }
    }
    let listed = |index: &Index, kind: Kind, slug: &str| {
        index.taxonomy(kind).get(slug).is_some_and(|term| {
            index
                .members(&term.members)
                .iter()
                .take(items)
                .any(|m| ids.contains(m.id()))
        })
    };
    // A term renamed (its feed's title) by any article, however old, or
    // gone or new: its feed changed whatever its items.
    let renamed = archives::renamed_terms(before, after, ids)
        .into_iter()
        .filter_map(|chain| match chain {
            Chain::Term(kind, slug) => Some((kind, slug)),
            Chain::Category(_) => None,
        });
    terms
        .iter()
        .filter(|(kind, slug)| listed(before, *kind, slug) || listed(after, *kind, slug))
        .cloned()
        .chain(renamed)
        .collect::<BTreeSet<(Kind, String)>>()
        .iter()
        .flat_map(|(kind, slug)| {
            Format::ALL.into_iter().map(move |format| {
                format!("{base_url}{}", render::term_feed_path(*kind, slug, format))
            })
        })
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect()
}

/// The absolute URLs of the feed of changes in every format if a change
/// altered it: its newest `items` ([`Index::select_changed`]) are not the
/// same articles with the same text, in the same order (what it shows and
/// is dated by). Two reads of `items` keys, whatever the size of the store.
pub fn changed_changes_feed(
    before: &Index,
    after: &Index,
    items: usize,
    base_url: &str,
) -> Vec<String> {
    let (old, new) = (before.select_changed(items), after.select_changed(items));
    let same = old.len() == new.len() && old.iter().zip(&new).all(|(a, b)| a.same_article(b));
    if same {
        return Vec::new();
    }
    Format::ALL
        .into_iter()
        .map(|format| format!("{base_url}{}", render::changes_path(format)))
        .collect()
}

type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// What the sending task and the publisher share.
struct Shared {
    queue: Mutex<Queue>,
    health: Mutex<Health>,
    /// `[websub] timeout_secs` as last configured.
    timeout: Mutex<Duration>,
    /// Wakes the sending task: pings were queued, or a send failed (its
    /// retry may be due before what the task waits for).
    wake: Notify,
    /// The topics being sent now (each with how many sends of it), so a stop
    /// records them as waiting: their hubs may not have them yet.
    sending: Mutex<BTreeMap<Arc<str>, usize>>,
    /// `[websub] hubs` in force: every ping goes to these, and a failed
    /// ping to a hub no longer among them (sent before a reload removed it)
    /// is neither retried nor counted against the hub.
    hubs: Mutex<Arc<[Arc<str>]>>,
    /// When the log last said the queue was full, with which `queue_size`,
    /// and the pings dropped since without a line of their own.
    overflow_said: Mutex<OverflowSaid>,
}

/// The last line saying the queue was full, and what came since.
#[derive(Debug, Default)]
struct OverflowSaid {
    /// When it was logged.
    at: Option<Instant>,
    /// The `queue_size` it was logged with.
    queue_size: usize,
    /// Pings dropped since, with no line of their own.
    unsaid: usize,
}

/// How often the log says that pings were dropped for a full queue: a hub
/// that is down fills it again at every change (a copy of 1,000 files made
/// 70 lines in 0.2 s), and the metrics count every dropped ping anyway.
const OVERFLOW_SAID_EVERY: Duration = Duration::from_secs(60);

/// Queues publish pings and sends them from a background task. Cheap to clone.
#[derive(Clone)]
pub struct Pinger {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Pinger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pinger").finish_non_exhaustive()
    }
}

impl Pinger {
    /// Starts the sending task on the current tokio runtime, with the bounds
    /// of `cfg` (until a [`Pinger::publish`] brings others).
    pub fn start(cfg: &WebsubConfig) -> Pinger {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::new(cfg.queue_size, cfg.max_attempts)),
            health: Mutex::new(Health::default()),
            timeout: Mutex::new(Duration::from_secs(cfg.timeout_secs)),
            wake: Notify::new(),
            sending: Mutex::new(BTreeMap::new()),
            hubs: Mutex::new(hub_list(&cfg.hubs)),
            overflow_said: Mutex::new(OverflowSaid::default()),
        });
        tokio::spawn(send_forever(shared.clone(), client(cfg)));
        Pinger { shared }
    }

    /// Makes `cfg`'s hubs the ones in force, as a reload applies it (before
    /// its render): pings queued from now on go to them alone, whatever
    /// configuration their change was computed with, and a ping to another
    /// hub already on its way is not retried if it fails.
    pub fn set_hubs(&self, cfg: &WebsubConfig) {
        *lock(&self.shared.hubs) = hub_list(&cfg.hubs);
    }

    /// Queues a ping of every topic in `topics` to every hub in force (see
    /// [`Pinger::set_hubs`]), live feeds ahead of archives, with the bounds
    /// of `cfg`; returns at once. Called once the change is served, so a
    /// hub that fetches the topic at once gets the new bytes.
    pub fn publish(&self, cfg: &WebsubConfig, topics: &Topics) {
        let hubs = lock(&self.shared.hubs).clone();
        self.push(&hubs, cfg, topics, topics.each());
    }

    /// Says goodbye to `removed`, hubs a reload took out of `[websub] hubs`:
    /// their waiting pings are dropped and their failures forgotten, and each
    /// gets one last ping of the all-articles, category and changes feeds among
    /// `topics`, which now name the hubs in force (or none), so their
    /// subscribers learn where to go (WebSub discovery is by the topic's own
    /// links). In the last line, tried once: a removed hub, often removed for
    /// failing, never holds back or pushes out a ping to a hub in force.
    pub fn farewell(&self, removed: &[String], cfg: &WebsubConfig, topics: &Topics) {
        {
            let (mut q, mut health) = (lock(&self.shared.queue), lock(&self.shared.health));
            for hub in removed {
                q.drop_hub(hub);
                health.forget(hub);
            }
        }
        let last = topics.live.iter().map(|t| (Priority::Farewell, t));
        self.push(&hub_list(removed), cfg, topics, last);
    }

    /// Queues a ping of each of `pings` (in its line) to every one of `hubs`,
    /// with the bounds of `cfg`, and wakes the sender; `topics` is what they
    /// come from, for the log.
    fn push<'t>(
        &self,
        hubs: &[Arc<str>],
        cfg: &WebsubConfig,
        topics: &Topics,
        pings: impl Iterator<Item = (Priority, &'t String)>,
    ) {
        if hubs.is_empty() || topics.is_empty() {
            return;
        }
        let due = Instant::now() + HOLD;
        let (dropped, queued, last) = {
            let mut q = lock(&self.shared.queue);
            let mut dropped = q.set_bounds(cfg.queue_size, cfg.max_attempts);
            let mut last = false;
            for (priority, topic) in pings {
                last = priority == Priority::Farewell;
                // One allocation per topic, shared by its pings to every hub.
                let topic: Arc<str> = Arc::from(topic.as_str());
                for hub in hubs {
                    dropped += q.push(hub, &topic, priority, due).dropped;
                }
            }
            (dropped, q.len(), last)
        };
        *lock(&self.shared.timeout) = Duration::from_secs(cfg.timeout_secs);
        metrics::gauge!("bantin_websub_pings_queued").set(queued as f64);
        if dropped.total() > 0 {
            let failing = lock(&self.shared.health).failing();
            count_dropped(dropped);
            let pushed = Overflowed {
                topics,
                hubs: hubs.len(),
                last,
                needed: queued + dropped.total(),
            };
            let mut said = lock(&self.shared.overflow_said);
            let now = Instant::now();
            // Said anyway: the last pings to hubs a reload removed (once per
            // reload), and a queue_size changed since (raised as the last
            // line advised, and still too small).
            let recent = said
                .at
                .is_some_and(|at| now.duration_since(at) < OVERFLOW_SAID_EVERY);
            if recent && !last && said.queue_size == cfg.queue_size {
                said.unsaid += dropped.total();
            } else {
                let unsaid = std::mem::take(&mut said.unsaid);
                said.at = Some(now);
                said.queue_size = cfg.queue_size;
                let mut line = overflow(cfg, &pushed, dropped, &failing);
                if unsaid > 0 {
                    line += &format!(
                        "; {unsaid} more ping(s) were dropped since the last such line \
                         (at most one a minute; bantin_websub_pings_dropped_total counts \
                         them all)"
                    );
                }
                tracing::warn!("{line}");
            }
        }
        self.shared.wake.notify_one();
    }

    /// The topics whose pings wait now (to some hub), sorted: what a stop
    /// would lose, so [`record`] keeps them for the next start.
    pub fn waiting_topics(&self) -> BTreeSet<String> {
        // Both at once, in the sender's order: a ping between them is in one.
        let queue = lock(&self.shared.queue);
        let mut topics = queue.topics();
        topics.extend(lock(&self.shared.sending).keys().map(|t| t.to_string()));
        topics
    }
}

/// Why no ping can reach `cfg`'s hubs: the process sees no network
/// interface but loopback, as under the shipped unit's `PrivateNetwork=yes`,
/// and some hub is not on this machine, or is on its loopback but nothing
/// listens on the hub's port in bantin's own network namespace (a private
/// network has a loopback of its own: a hub on the host's is not there).
/// `None` when WebSub is off, bantin has a network, every hub is a loopback
/// one with a listener, or the interfaces cannot be read. Read at start
/// before bantin listens, and at each reload once it does: a hub on
/// bantin's own port counts as listened to only then.
pub fn network_warning(cfg: &WebsubConfig) -> Option<String> {
    if cfg.hubs.is_empty() {
        return None;
    }
    let interfaces = std::fs::read_to_string("/proc/self/net/dev").ok()?;
    if !only_loopback(&interfaces) {
        return None;
    }
    // Without the IPv4 table, loopback hubs are not judged (a kernel
    // without IPv6 has no `tcp6`).
    let listening = std::fs::read_to_string("/proc/self/net/tcp")
        .ok()
        .map(|tcp| {
            let tcp6 = std::fs::read_to_string("/proc/self/net/tcp6").unwrap_or_default();
            listeners(&[tcp, tcp6])
        });
    unreachable_warning(&cfg.hubs, listening.as_deref())
}

/// [`network_warning`] for a process that sees loopback alone, with TCP
/// listeners at `listening` in its namespace (`None`: not known, so no
/// loopback hub is named).
fn unreachable_warning(hubs: &[String], listening: Option<&[SocketAddr]>) -> Option<String> {
    let (here, away): (Vec<&str>, Vec<&str>) = hubs
        .iter()
        .map(String::as_str)
        .partition(|h| crate::config::names_this_machine(h));
    let silent: Vec<&str> = match listening {
        Some(listening) => here
            .into_iter()
            .filter(|h| !listened(h, listening))
            .collect(),
        None => Vec::new(),
    };
    let mut why = Vec::new();
    if !away.is_empty() {
        why.push(format!("{} (not on this machine)", away.join(", ")));
    }
    if !silent.is_empty() {
        let whose = if silent.len() == 1 {
            "its port"
        } else {
            "their ports"
        };
        why.push(format!(
            "{} (on loopback, but nothing listens on {whose} in bantin's network namespace, \
             which has a loopback of its own)",
            silent.join(", ")
        ));
    }
    if why.is_empty() {
        return None;
    }
    Some(format!(
        "websub: no ping can reach {}: bantin sees no network interface but loopback \
         (the shipped unit runs it with PrivateNetwork=yes); give it the network in a \
         drop-in (systemctl edit bantin: [Service] PrivateNetwork=no), see README \"WebSub\"",
        why.join("; ")
    ))
}

/// Whether one of `listening` takes connections to the loopback hub `hub`:
/// one on its address and port, or on the unspecified address of its
/// family (`::` takes IPv4 too, as Linux binds it by default). `localhost`
/// is 127.0.0.1 and ::1; the unspecified address connects to loopback.
fn listened(hub: &str, listening: &[SocketAddr]) -> bool {
    let Some((host, port)) = url::Url::parse(hub)
        .ok()
        .and_then(|u| Some((u.host()?.to_owned(), u.port_or_known_default()?)))
    else {
        return true;
    };
    let loopback = |v6: bool| -> IpAddr {
        match v6 {
            true => Ipv6Addr::LOCALHOST.into(),
            false => Ipv4Addr::LOCALHOST.into(),
        }
    };
    let addresses: Vec<IpAddr> = match host {
        url::Host::Domain(_) => vec![loopback(false), loopback(true)],
        url::Host::Ipv4(ip) if ip.is_unspecified() => vec![loopback(false)],
        url::Host::Ipv6(ip) if ip.is_unspecified() => vec![loopback(true)],
        url::Host::Ipv4(ip) => vec![ip.into()],
        url::Host::Ipv6(ip) => vec![ip.into()],
    };
    let takes = |l: &SocketAddr, to: IpAddr| match (l.ip(), to) {
        (IpAddr::V4(l), IpAddr::V4(to)) => l.is_unspecified() || l == to,
        (IpAddr::V6(l), IpAddr::V6(to)) => l.is_unspecified() || l == to,
        (IpAddr::V6(l), IpAddr::V4(to)) => l.is_unspecified() || l.to_ipv4_mapped() == Some(to),
        (IpAddr::V4(_), IpAddr::V6(_)) => false,
    };
    listening
        .iter()
        .filter(|l| l.port() == port)
        .any(|l| addresses.iter().any(|&to| takes(l, to)))
}

/// The addresses TCP sockets listen on, from the tables of
/// `/proc/self/net/tcp` and `tcp6` (a heading line, then one socket a
/// line: `sl local_address rem_address st …`, the local address `ADDR:PORT`
/// in hexadecimal, the address as the kernel holds it: 32-bit words in
/// network order, each printed as a number of this machine's byte order;
/// state `0A` for LISTEN).
fn listeners(tables: &[String]) -> Vec<SocketAddr> {
    let sockets = tables.iter().flat_map(|t| t.lines().skip(1));
    sockets
        .filter_map(|line| {
            let mut fields = line.split_whitespace().skip(1);
            let (local, state) = (fields.next()?, fields.nth(1)?);
            if state != "0A" {
                return None;
            }
            let (address, port) = local.rsplit_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            let mut bytes = Vec::with_capacity(16);
            for word in address.as_bytes().chunks(8) {
                let word = u32::from_str_radix(std::str::from_utf8(word).ok()?, 16).ok()?;
                bytes.extend_from_slice(&word.to_ne_bytes());
            }
            let ip: IpAddr = match <[u8; 16]>::try_from(bytes.as_slice()) {
                Ok(v6) => Ipv6Addr::from(v6).into(),
                Err(_) => Ipv4Addr::from(<[u8; 4]>::try_from(bytes.as_slice()).ok()?).into(),
            };
            Some(SocketAddr::new(ip, port))
        })
        .collect()
}

/// Whether the interfaces of `/proc/self/net/dev` (two heading lines, then
/// one `name: counters` line each) are loopback alone.
fn only_loopback(dev: &str) -> bool {
    let mut names = dev
        .lines()
        .skip(2)
        .filter_map(|l| l.split_once(':'))
        .map(|(name, _)| name.trim());
    names.all(|name| name == "lo")
}

/// `hubs` as the queue keys them.
fn hub_list(hubs: &[String]) -> Arc<[Arc<str>]> {
    hubs.iter().map(|h| Arc::from(h.as_str())).collect()
}

/// Counts pings dropped from a full queue.
fn count_dropped(dropped: Dropped) {
    metrics::counter!("bantin_websub_pings_dropped_total").increment(dropped.total() as u64);
    metrics::counter!("bantin_websub_live_pings_dropped_total").increment(dropped.live as u64);
}

/// What one [`Pinger::push`] that overflowed the queue pushed.
struct Overflowed<'a> {
    /// The change's topics.
    topics: &'a Topics,
    /// How many hubs they went to.
    hubs: usize,
    /// Whether they were the last pings to hubs a reload removed.
    last: bool,
    /// The queue size that would have held every ping, those waiting before included.
    needed: usize,
}

/// What the log says when a change filled the queue: with every hub
/// answering, the change was bigger than `[websub] queue_size`, and the
/// setting to raise is named with the size that would have held it; with
/// hubs failing, they are the cause and named.
fn overflow(
    cfg: &WebsubConfig,
    pushed: &Overflowed,
    dropped: Dropped,
    failing: &[Arc<str>],
) -> String {
    let (topics, needed) = (pushed.topics, pushed.needed);
    let mut what = format!(
        "dropped {} archive ping(s) and {} live-feed ping(s) ({} of tag and author feeds, {} \
         of the all-articles, category and changes feeds)",
        dropped.archives,
        dropped.live,
        dropped.terms,
        dropped.live.saturating_sub(dropped.terms)
    );
    if dropped.farewells > 0 {
        what += &format!(
            ", and {} last ping(s) to hubs a reload removed",
            dropped.farewells
        );
    }
    if failing.is_empty() && pushed.last {
        format!(
            "websub: the last pings of the {} all-articles, category and changes feeds to the {} \
             hub(s) a reload removed do not fit in [websub] queue_size = {} beside the pings to \
             the hubs in force: {what}; those hubs' subscribers are not told where the feeds went; \
             raise queue_size to at least {needed} (each waiting ping takes about 250 bytes)",
            topics.live.len(),
            pushed.hubs,
            cfg.queue_size
        )
    } else if failing.is_empty() {
        format!(
            "websub: a change of {} feeds ({} live, {} archives) to {} hub(s) is more pings than \
             [websub] queue_size = {} holds: {what}; raise queue_size to at least {needed} \
             (each waiting ping takes about 250 bytes)",
            topics.len(),
            topics.live_feeds(),
            topics.archives.len(),
            pushed.hubs,
            cfg.queue_size
        )
    } else {
        let hubs: Vec<&str> = failing.iter().map(|h| &**h).collect();
        format!(
            "websub: the ping queue ([websub] queue_size = {}) is full while {} do(es) not \
             answer: {what} (archive pings go first); it stays within that bound until the \
             hub answers",
            cfg.queue_size,
            hubs.join(", ")
        )
    }
}

/// A std mutex: held for a few map operations, never across an `.await`.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An HTTP/1.1 client for http:// and https:// hubs (rustls, Mozilla's roots),
/// giving up on a connection after `[websub] timeout_secs`.
fn client(cfg: &WebsubConfig) -> HttpsClient {
    let mut http = HttpConnector::new();
    http.set_connect_timeout(Some(Duration::from_secs(cfg.timeout_secs)));
    http.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new()).build(https)
}

/// Sends every ping as it falls due, at most [`PER_HUB`] at once to each
/// hub, forever: a ping leaves the queue only when its hub has room to send
/// it, so the queue keeps its order (live feeds first), its coalescing and
/// its bound however many pings a change brings, [`Pinger::waiting_topics`]
/// sees them all, and a hub that holds its sends (no answer until the time
/// runs out) or asked to wait holds back its own pings alone.
async fn send_forever(shared: Arc<Shared>, client: HttpsClient) {
    loop {
        let (pings, next) = {
            let mut q = lock(&shared.queue);
            let now = Instant::now();
            let pings: Vec<Ping> = std::iter::from_fn(|| q.take_one_due(now)).collect();
            metrics::gauge!("bantin_websub_pings_queued").set(q.len() as f64);
            // Counted as being sent before the queue is let go, so a stop
            // recording the waiting topics sees them in one place or the other.
            let mut sending = lock(&shared.sending);
            for ping in &pings {
                *sending.entry(ping.topic.clone()).or_default() += 1;
            }
            (pings, q.next_due())
        };
        let timeout = *lock(&shared.timeout);
        for ping in pings {
            let (shared, client) = (shared.clone(), client.clone());
            tokio::spawn(async move {
                let _out = Out {
                    shared: shared.clone(),
                    topic: ping.topic.clone(),
                    hub: ping.hub.clone(),
                };
                let outcome = send(&client, &ping, timeout).await;
                settle(&shared, ping, outcome);
            });
        }
        // Woken by new pings, a send over (its hub has room again) or the
        // next due time; a wake-up with nothing to take just loops.
        match next {
            Some(at) => {
                tokio::select! {
                    () = tokio::time::sleep_until(at.into()) => {}
                    () = shared.wake.notified() => {}
                }
            }
            None => shared.wake.notified().await,
        }
    }
}

/// A ping out to its hub, taken from the queue: counted as being sent,
/// and in its hub's room, until dropped. A send that ends, times out or
/// panics drops it alike, so no hub's room is lost for good.
struct Out {
    shared: Arc<Shared>,
    topic: Arc<str>,
    hub: Arc<str>,
}

impl Drop for Out {
    fn drop(&mut self) {
        let mut sending = lock(&self.shared.sending);
        if let Some(n) = sending.get_mut(&self.topic) {
            *n -= 1;
            if *n == 0 {
                sending.remove(&self.topic);
            }
        }
        drop(sending);
        // After the outcome is settled, so a pause the hub asked for holds
        // before another of its pings can be taken.
        lock(&self.shared.queue).done(&self.hub, Instant::now());
        self.shared.wake.notify_one();
    }
}

/// How a hub answered one ping.
#[derive(Debug)]
enum Outcome {
    /// 2xx: the hub took it (WebSub hubs answer 202 or 204); `moved` if
    /// it did at the URL a 307 or 308 sent the ping to.
    Accepted { moved: Option<Moved> },
    /// Any other status.
    Refused(Answer),
    /// No answer: the connection failed or the time ran out.
    Unreachable(String),
}

/// A redirect followed: where the hub sent the ping, and with which status.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Moved {
    status: StatusCode,
    to: String,
}

/// A hub's answer: its status, and for one other than 2xx what it says of
/// what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    status: StatusCode,
    /// How long its `Retry-After` asked to wait, if it sent one bantin can read.
    retry_after: Option<Duration>,
    /// Its `Location`, as sent, if any: where a hub that moved went.
    location: Option<String>,
    /// Where it came from when that is not the hub's own URL: the URL a
    /// 307 or 308 from the hub sent the ping to, and that status.
    via: Option<Moved>,
}

impl Answer {
    fn of(status: StatusCode, headers: &HeaderMap) -> Answer {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &http::HeaderValue| v.to_str().ok())
        };
        Answer {
            status,
            retry_after: text(RETRY_AFTER).and_then(|v| retry_after(v, SystemTime::now())),
            location: text(LOCATION).map(str::to_owned),
            via: None,
        }
    }

    /// The answer as an outcome: 2xx accepted, anything else refused.
    fn outcome(self, moved: Option<Moved>) -> Outcome {
        if self.status.is_success() {
            Outcome::Accepted { moved }
        } else {
            Outcome::Refused(self)
        }
    }
}

/// How long a `Retry-After` value (RFC 9110 §10.2.3) asks to wait from
/// `now`: delta-seconds, or an HTTP-date (a date already past asks for no
/// wait). `None` if it is neither. Not capped: [`Queue::pause`] is.
fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Digits too many for a u64 are a wait longer than any cap.
        return Some(value.parse().map_or(Duration::MAX, Duration::from_secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Where a redirect from `hub` with `location` sends the ping: `location`
/// resolved against the hub's URL, if that is an http:// or https:// URL on
/// the hub's own host (another path, port or https://), and not http:// from
/// an https:// hub (a ping sent in the clear where the sysadmin asked for
/// TLS).
///
/// The host is the one the sysadmin named, so following reaches nothing the
/// hub's own URL does not: a hub, or whoever forges an http:// hub's
/// answers, cannot send the daemon's POSTs into its loopback or LAN
/// (`http://127.0.0.1:6379/`, `http://169.254.169.254/`, a name resolving
/// there). A hub that moved to another host is told of in the log, to be
/// put in `[websub] hubs`. Hosts are compared as the URL standard writes
/// them: names in lowercase, IP addresses in one form (`2130706433` is
/// `127.0.0.1`).
fn redirect_target(hub: &str, location: &str) -> Option<String> {
    let hub = url::Url::parse(hub).ok()?;
    let to = hub.join(location).ok()?;
    let downgrade = hub.scheme() == "https" && to.scheme() == "http";
    let same_host = to.host().is_some() && to.host() == hub.host();
    (matches!(to.scheme(), "http" | "https") && !downgrade && same_host).then(|| to.to_string())
}

/// POSTs one ping: `hub.mode=publish`, with the topic as `hub.url` and
/// `hub.topic`. A 307 or 308 (which keep the method and body, RFC 9110
/// §15.4.8-9) is followed once, with the same form, to an http:// or https://
/// `Location` on the hub's host ([`redirect_target`]), within the same time
/// again; any other redirect, or a second one, is a refusal that carries its
/// `Location` to the log.
async fn send(client: &HttpsClient, ping: &Ping, timeout: Duration) -> Outcome {
    let form = Bytes::from(
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("hub.mode", "publish")
            .append_pair("hub.url", &ping.topic)
            .append_pair("hub.topic", &ping.topic)
            .finish(),
    );
    let first = match post(client, &ping.hub, form.clone(), timeout).await {
        Ok(answer) => answer,
        Err(why) => return Outcome::Unreachable(why),
    };
    let followed = matches!(
        first.status,
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
    );
    let to = (first.location.as_deref())
        .filter(|_| followed)
        .and_then(|location| redirect_target(&ping.hub, location));
    let Some(to) = to else {
        return first.outcome(None);
    };
    let moved = Moved {
        status: first.status,
        to,
    };
    match post(client, &moved.to, form, timeout).await {
        Ok(answer) if answer.status.is_success() => answer.outcome(Some(moved)),
        Ok(answer) => Answer {
            via: Some(moved),
            ..answer
        }
        .outcome(None),
        Err(why) => Outcome::Unreachable(format!(
            "{why} (at {}, where the hub's {} sent the ping)",
            moved.to, moved.status
        )),
    }
}

/// One POST of `form` to `url`, within `timeout`: the hub's answer, or why
/// there was none. The answer's body is not read.
async fn post(
    client: &HttpsClient,
    url: &str,
    form: Bytes,
    timeout: Duration,
) -> Result<Answer, String> {
    let request = Request::post(url)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(USER_AGENT, GENERATOR)
        .body(Full::new(form))
        // Config validation parsed every hub as a URI; say so if that ever breaks.
        .map_err(|e| format!("not a URI to post to: {e}"))?;
    match tokio::time::timeout(timeout, client.request(request)).await {
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs())),
        Ok(Err(e)) => Err(causes(&e)),
        Ok(Ok(response)) => Ok(Answer::of(response.status(), response.headers())),
    }
}

/// An error with its causes, `a: b: c` (hyper's own message is only "client error").
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// Counts and logs one ping's outcome; a failure goes back in the queue.
fn settle(shared: &Shared, mut ping: Ping, outcome: Outcome) {
    let ok = matches!(outcome, Outcome::Accepted { .. });
    ping.attempts += 1;
    let removed = !lock(&shared.hubs).contains(&ping.hub);
    if ping.priority == Priority::Farewell || removed {
        // A hub no longer configured (its last ping, or one sent before the
        // reload that removed it): not watched, not retried, not blamed.
        match outcome {
            Outcome::Accepted { .. } => {
                metrics::counter!("bantin_websub_pings_sent_total").increment(1);
            }
            Outcome::Refused(_) | Outcome::Unreachable(_) => {
                metrics::counter!("bantin_websub_pings_failed_total").increment(1);
            }
        }
        tracing::debug!(hub = %ping.hub, topic = %ping.topic, ok, "websub: last ping to a removed hub");
        return;
    }
    let turn = lock(&shared.health).record(&ping.hub, ok);
    let now = Instant::now();
    let problem = match outcome {
        Outcome::Accepted { moved } => {
            metrics::counter!("bantin_websub_pings_sent_total").increment(1);
            if let Turn::Recovered(failures) = turn {
                tracing::info!(hub = %ping.hub, failures, "websub: hub answers again");
            }
            if let Some(moved) = moved {
                // Followed for every ping, but the sysadmin should know:
                // once per hub, until a reload forgets it.
                if lock(&shared.health).moved(&ping.hub) {
                    tracing::warn!(
                        hub = %ping.hub,
                        "websub: the hub answers {} and moved to {}: pings are sent \
                         there (each first to the old URL); put the new URL in [websub] hubs",
                        moved.status,
                        moved.to
                    );
                }
            }
            tracing::debug!(hub = %ping.hub, topic = %ping.topic, "websub: ping accepted");
            return;
        }
        Outcome::Refused(answer) => refused(shared, &ping.hub, &answer, now),
        Outcome::Unreachable(why) => why,
    };
    metrics::counter!("bantin_websub_pings_failed_total").increment(1);
    let retry = lock(&shared.queue).retry(ping.clone(), now);
    match retry {
        Retry::After(_) | Retry::Superseded => {}
        Retry::AfterDropping(_, dropped) => count_dropped(dropped),
        Retry::GaveUp => {
            metrics::counter!("bantin_websub_pings_dropped_total").increment(1);
            if ping.priority.live() {
                metrics::counter!("bantin_websub_live_pings_dropped_total").increment(1);
            }
            // Once per failure of the hub: its subscribers miss this change
            // until the topic changes again, which the sysadmin must know.
            let first = lock(&shared.health).gave_up(&ping.hub);
            if first && turn != Turn::StartedFailing {
                tracing::warn!(
                    hub = %ping.hub,
                    topic = %ping.topic,
                    "websub: gave up a ping after {} attempts ({problem}): the hub's \
                     subscribers to that feed miss this change until it changes again; \
                     pings given up later while the hub fails are counted in \
                     bantin_websub_pings_dropped_total, not logged",
                    ping.attempts
                );
            }
        }
    }
    if turn == Turn::StartedFailing {
        let next = match retry {
            Retry::After(wait) | Retry::AfterDropping(wait, _) => {
                format!("retrying in {} s", wait.as_secs())
            }
            Retry::Superseded => "a newer ping is queued".to_owned(),
            Retry::GaveUp => format!("given up after {} attempts", ping.attempts),
        };
        tracing::warn!(
            hub = %ping.hub,
            topic = %ping.topic,
            "websub: publish ping failed: {problem}; {next} \
             (further failures of this hub are logged at debug level until it answers)"
        );
    } else {
        tracing::debug!(hub = %ping.hub, topic = %ping.topic, attempt = ping.attempts, "websub: publish ping failed: {problem}");
    }
    shared.wake.notify_one();
}

/// What the log says of a refusal, after pausing the hub for as long as its
/// `Retry-After` asks (see [`Queue::pause`]).
fn refused(shared: &Shared, hub: &Arc<str>, answer: &Answer, now: Instant) -> String {
    let mut problem = match &answer.via {
        Some(moved) => format!(
            "answered {} at {}, where the hub's {} sent the ping",
            answer.status, moved.to, moved.status
        ),
        None => format!("answered {}", answer.status),
    };
    if let Some(location) = &answer.location {
        problem += &format!(
            " with Location: {location} (if the hub moved, put its new URL in [websub] hubs)"
        );
    }
    if let Some(asked) = answer.retry_after.filter(|w| !w.is_zero()) {
        let wait = lock(&shared.queue).pause(hub, now, asked);
        problem += &if wait < asked {
            format!(
                " with Retry-After asking for {} s: every ping to this hub waits {} s, \
                 the longest bantin waits",
                asked.as_secs(),
                wait.as_secs()
            )
        } else {
            format!(
                " with Retry-After: every ping to this hub waits {} s",
                wait.as_secs()
            )
        };
    }
    problem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_sorted_into_their_lines() {
        let base = "https://tin.example.vn";
        let paths = [
            "/feed.rss",
            "/feeds/tin-tuc/thoi-su.atom",
            "/feeds/tags.json",
            "/tags/bao-lu.rss",
            "/authors/tran-ngoc.json",
            "/archive/2024-03.atom",
            "/archive/tags/2024-03.rss",
            "/tags/bao-lu/2024-03.atom",
        ];
        let topics = Topics::of(base, paths.iter().map(|p| format!("{base}{p}")));
        let lines: Vec<(Priority, &str)> = topics
            .each()
            .map(|(p, t)| (p, t.strip_prefix(base).unwrap()))
            .collect();
        assert_eq!(
            lines,
            [
                (Priority::Live, "/feed.rss"),
                (Priority::Live, "/feeds/tags.json"),
                (Priority::Live, "/feeds/tin-tuc/thoi-su.atom"),
                (Priority::Term, "/authors/tran-ngoc.json"),
                (Priority::Term, "/tags/bao-lu.rss"),
                (Priority::Archive, "/archive/2024-03.atom"),
                (Priority::Archive, "/archive/tags/2024-03.rss"),
                (Priority::Archive, "/tags/bao-lu/2024-03.atom"),
            ]
        );
        assert_eq!((topics.len(), topics.live_feeds()), (8, 5));
    }

    #[test]
    fn the_feed_of_changes_is_pinged_in_every_format_when_an_article_arrives() {
        use crate::index::{Entries, Entry};
        use chrono::TimeZone;
        let entry = |id: &str, day: u32, captured: Option<u32>| {
            let at = |day| {
                chrono_tz::Asia::Ho_Chi_Minh
                    .with_ymd_and_hms(2024, 3, day, 9, 0, 0)
                    .unwrap()
                    .fixed_offset()
            };
            let mut a = crate::article::Article::sample(id, &["Tin"], id, at(day));
            a.captured = captured.map(at);
            (id.to_owned(), Entry::full(Arc::new(a), None))
        };
        let base = "https://tin.example.vn";
        let index = |articles: &[(u32, Option<u32>)]| {
            Index::new(Entries::from_iter(
                articles
                    .iter()
                    .map(|(d, c)| entry(&format!("tin/{d}"), *d, *c)),
            ))
        };
        let all = ["rss", "atom", "json"].map(|ext| format!("{base}/changes.{ext}"));
        let two = index(&[(5, None), (7, None)]);
        // A newer article; an older one put in the store last (captured
        // after the others); an older one captured before them, past the
        // newest `items`.
        assert_eq!(
            changed_changes_feed(&two, &index(&[(5, None), (7, None), (9, None)]), 50, base),
            all
        );
        let late = index(&[(2, Some(8)), (5, None), (7, None)]);
        assert_eq!(changed_changes_feed(&two, &late, 2, base), all);
        let early = index(&[(2, Some(3)), (5, None), (7, None)]);
        assert!(changed_changes_feed(&two, &early, 2, base).is_empty());
    }

    fn shared(hubs: &[&str]) -> Shared {
        let hubs: Vec<String> = hubs.iter().map(|h| (*h).to_owned()).collect();
        Shared {
            queue: Mutex::new(Queue::new(100, 8)),
            health: Mutex::new(Health::default()),
            timeout: Mutex::new(Duration::from_secs(10)),
            wake: Notify::new(),
            sending: Mutex::new(BTreeMap::new()),
            hubs: Mutex::new(hub_list(&hubs)),
            overflow_said: Mutex::new(OverflowSaid::default()),
        }
    }

    /// A ping taken from the queue to send, as the sender takes it.
    fn taken(shared: &Shared, hub: &str, priority: Priority) -> Ping {
        let mut q = lock(&shared.queue);
        let topic: Arc<str> = Arc::from("https://tin.example.vn/feed.rss");
        q.push(&Arc::from(hub), &topic, priority, Instant::now());
        q.take_one_due(Instant::now() + HOLD).unwrap()
    }

    #[test]
    fn a_failed_ping_to_a_hub_in_force_is_retried_and_the_hub_watched() {
        let shared = shared(&["http://hub.a/"]);
        let ping = taken(&shared, "http://hub.a/", Priority::Live);
        settle(&shared, ping, Outcome::Unreachable("refused".into()));
        assert_eq!(lock(&shared.queue).len(), 1);
        assert_eq!(lock(&shared.health).failing().len(), 1);
    }

    #[test]
    fn a_failed_ping_to_a_hub_a_reload_removed_meanwhile_is_not_retried_nor_blamed() {
        let shared = shared(&["http://hub.a/"]);
        let ping = taken(&shared, "http://hub.a/", Priority::Live);
        // The reload: hub.a out, hub.b in, while the ping was on its way.
        *lock(&shared.hubs) = hub_list(&["http://hub.b/".to_owned()]);
        let answer = Answer {
            status: StatusCode::BAD_GATEWAY,
            retry_after: None,
            location: None,
            via: None,
        };
        settle(&shared, ping, Outcome::Refused(answer));
        assert!(lock(&shared.queue).is_empty());
        assert!(lock(&shared.health).failing().is_empty());
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let secs = |n| Some(Duration::from_secs(n));
        assert_eq!(retry_after("30", now), secs(30));
        assert_eq!(retry_after(" 120 ", now), secs(120));
        assert_eq!(retry_after("0", now), secs(0));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(retry_after(&later, now), secs(90));
        // The obsolete forms RFC 9110 §5.6.7 has recipients accept.
        let date = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let before = date - Duration::from_secs(60);
        assert_eq!(
            retry_after("Sunday, 06-Nov-94 08:49:37 GMT", before),
            secs(60)
        );
        assert_eq!(retry_after("Sun Nov  6 08:49:37 1994", before), secs(60));
        // A date past is no wait; too many digits, a wait longer than the cap.
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), secs(0));
        assert_eq!(
            retry_after("99999999999999999999999", now),
            Some(Duration::MAX)
        );
        for unreadable in ["", "-5", "1.5", "soon", "30 s"] {
            assert_eq!(retry_after(unreadable, now), None, "{unreadable:?}");
        }
    }

    #[test]
    fn a_redirect_goes_to_an_http_or_https_url_resolved_against_the_hub() {
        let hub = "http://hub.example/websub/publish";
        assert_eq!(
            redirect_target(hub, "https://hub.example/hub").as_deref(),
            Some("https://hub.example/hub")
        );
        assert_eq!(
            redirect_target(hub, "/v2/publish").as_deref(),
            Some("http://hub.example/v2/publish")
        );
        assert_eq!(
            redirect_target(hub, "http://HUB.example:8080/p").as_deref(),
            Some("http://hub.example:8080/p")
        );
        assert_eq!(redirect_target(hub, "ftp://hub.example/"), None);
        assert_eq!(redirect_target(hub, "javascript:alert(1)"), None);
        // Never from TLS to the clear; the other way is fine.
        let tls = "https://hub.example/publish";
        assert_eq!(redirect_target(tls, "http://hub.example/publish"), None);
        assert_eq!(
            redirect_target(tls, "https://hub.example/v2").as_deref(),
            Some("https://hub.example/v2")
        );
    }

    /// A redirect reaches nothing the hub's own URL does not: not another
    /// host, however it is written, so not this machine's loopback or LAN.
    #[test]
    fn a_redirect_to_another_host_is_not_followed() {
        let hub = "http://hub.example/websub/publish";
        for location in [
            "https://new.example/hub",
            "http://127.0.0.1:6379/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://localhost/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://hub.example.evil.example/",
            "http://hub.example@127.0.0.1/",
            "//127.0.0.1/",
        ] {
            assert_eq!(redirect_target(hub, location), None, "{location}");
        }
        // A hub named by its address may move on that address only.
        let local = "http://127.0.0.1:8080/hub";
        assert_eq!(
            redirect_target(local, "http://2130706433:9090/p").as_deref(),
            Some("http://127.0.0.1:9090/p")
        );
        assert_eq!(redirect_target(local, "http://localhost:8080/hub"), None);
        assert_eq!(redirect_target(local, "http://[::1]:8080/hub"), None);
    }

    #[test]
    fn a_retry_after_pauses_the_hub_and_the_log_says_so() {
        let paused = shared(&["http://hub.a/"]);
        let hub: Arc<str> = Arc::from("http://hub.a/");
        let ping = taken(&paused, "http://hub.a/", Priority::Live);
        let answer = Answer {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(Duration::from_secs(86_400)),
            location: None,
            via: None,
        };
        let now = Instant::now();
        // What the log says, on a hub of its own.
        let apart = shared(&["http://hub.a/"]);
        let problem = refused(&apart, &hub, &answer, now);
        assert!(
            problem.contains("asking for 86400 s: every ping to this hub waits 3600 s"),
            "{problem}"
        );
        // Settled, the answer alone pauses the hub: the ping retried and
        // another one queued meanwhile both wait the hour.
        settle(&paused, ping, Outcome::Refused(answer));
        let topic: Arc<str> = Arc::from("https://tin.example.vn/feed.atom");
        let mut q = lock(&paused.queue);
        q.done(&hub, now);
        q.push(&hub, &topic, Priority::Live, now);
        assert!(q.next_due().is_some_and(|at| at >= now + LONGEST_PAUSE));
        assert!(q.take_one_due(now + LONGEST_PAUSE / 2).is_none());
        // An answer with no Retry-After pauses nothing: the retry's backoff
        // is all it waits.
        drop(q);
        let other = shared(&["http://hub.a/"]);
        let ping = taken(&other, "http://hub.a/", Priority::Live);
        let plain = Answer {
            retry_after: None,
            ..Answer::of(StatusCode::SERVICE_UNAVAILABLE, &HeaderMap::new())
        };
        settle(&other, ping, Outcome::Refused(plain));
        let q = lock(&other.queue);
        assert!(q
            .next_due()
            .is_some_and(|at| at < Instant::now() + LONGEST_PAUSE / 2));
    }

    #[test]
    fn a_refusal_where_a_redirect_sent_the_ping_names_both_urls() {
        let shared = shared(&["http://hub.a/"]);
        let hub: Arc<str> = Arc::from("http://hub.a/");
        let answer = Answer {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            retry_after: None,
            location: None,
            via: Some(Moved {
                status: StatusCode::PERMANENT_REDIRECT,
                to: "https://hub.b/publish".into(),
            }),
        };
        let problem = refused(&shared, &hub, &answer, Instant::now());
        assert_eq!(
            problem,
            "answered 500 Internal Server Error at https://hub.b/publish, where the hub's \
             308 Permanent Redirect sent the ping"
        );
    }

    fn overflowed(last: bool) -> String {
        let cfg = WebsubConfig {
            queue_size: 10,
            ..WebsubConfig::default()
        };
        let base = "https://tin.example.vn";
        let topics = Topics::of(
            base,
            ["/feed.rss", "/feed.atom", "/archive/2024-03.rss"].map(|p| format!("{base}{p}")),
        );
        let pushed = Overflowed {
            topics: &topics,
            hubs: 2,
            last,
            needed: 14,
        };
        let dropped = Dropped {
            farewells: usize::from(last) * 4,
            archives: usize::from(!last) * 4,
            ..Dropped::default()
        };
        overflow(&cfg, &pushed, dropped, &[])
    }

    #[test]
    fn an_overflow_names_the_queue_size_that_would_have_held_every_waiting_ping() {
        let change = overflowed(false);
        assert!(
            change.contains("a change of 3 feeds (2 live, 1 archives) to 2 hub(s)"),
            "{change}"
        );
        assert!(
            change.contains("raise queue_size to at least 14"),
            "{change}"
        );
        let last = overflowed(true);
        assert!(
            last.contains("the last pings of the 2 all-articles, category and changes feeds to the 2 hub(s) a reload removed"),
            "{last}"
        );
        assert!(
            last.contains("and 4 last ping(s) to hubs a reload removed"),
            "{last}"
        );
        assert!(last.contains("raise queue_size to at least 14"), "{last}");
    }

    #[test]
    fn hubs_no_ping_can_reach_from_loopback_alone_are_named() {
        // As this machine's kernel prints them: 127.0.0.1:8080 and
        // 0.0.0.0:9000 listening, a connection from 127.0.0.1:50000; [::]:80
        // and [::1]:7000 listening.
        let word = |b: [u8; 4]| format!("{:08X}", u32::from_ne_bytes(b));
        let v4 = |ip: [u8; 4], port: u16| format!("{}:{port:04X}", word(ip));
        let v6 = |ip: Ipv6Addr, port: u16| {
            let o = ip.octets();
            let words: String = o
                .chunks(4)
                .map(|c| word([c[0], c[1], c[2], c[3]]))
                .collect();
            format!("{words}:{port:04X}")
        };
        let line = |n: usize, local: String, state: &str| {
            format!("   {n}: {local} 00000000:0000 {state} 00000000:00000000 00:00000000 00000000 0 0 1 1\n")
        };
        let tcp = format!(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n{}{}{}",
            line(0, v4([127, 0, 0, 1], 8080), "0A"),
            line(1, v4([0, 0, 0, 0], 9000), "0A"),
            line(2, v4([127, 0, 0, 1], 50000), "01"),
        );
        let tcp6 = format!(
            "  sl  local_address                         remote_address                        st\n{}{}",
            line(0, v6(Ipv6Addr::UNSPECIFIED, 80), "0A"),
            line(1, v6(Ipv6Addr::LOCALHOST, 7000), "0A"),
        );
        let listening = listeners(&[tcp, tcp6]);
        let expected: Vec<SocketAddr> = vec![
            "127.0.0.1:8080".parse().unwrap(),
            "0.0.0.0:9000".parse().unwrap(),
            "[::]:80".parse().unwrap(),
            "[::1]:7000".parse().unwrap(),
        ];
        assert_eq!(listening, expected);
        let hubs = |h: &[&str]| h.iter().map(|h| h.to_string()).collect::<Vec<_>>();
        // Hubs beside bantin in its own namespace are reached: on the
        // listener's address, on an unspecified one, `localhost` on either
        // loopback address, and IPv4 on `::`.
        let reached = hubs(&[
            "http://127.0.0.1:8080/hub",
            "http://127.0.0.1:9000/",
            "http://localhost:7000/",
            "http://[::1]/",
            "http://127.0.0.1/",
            "http://0.0.0.0:8080/",
        ]);
        assert_eq!(unreachable_warning(&reached, Some(&listening)), None);
        // The host's hub, on a loopback bantin does not share; one on ::1
        // where only 127.0.0.1 listens; one on another loopback address;
        // and one away.
        let w = unreachable_warning(
            &hubs(&[
                "http://127.0.0.1:18711/",
                "https://hub.example.net/",
                "http://[::1]:8080/",
                "http://127.0.0.2:8080/",
            ]),
            Some(&listening),
        )
        .unwrap();
        assert!(
            w.starts_with(
                "websub: no ping can reach https://hub.example.net/ (not on this machine); \
                 http://127.0.0.1:18711/, http://[::1]:8080/, http://127.0.0.2:8080/ \
                 (on loopback, but nothing listens on their ports"
            ),
            "{w}"
        );
        assert!(w.contains("PrivateNetwork=no"), "{w}");
        // With no table of listeners to read, loopback hubs are not judged.
        let w = unreachable_warning(&hubs(&["http://127.0.0.1:18711/"]), None);
        assert_eq!(w, None);
    }

    #[test]
    fn a_namespace_with_loopback_alone_is_told_apart() {
        let head = "Inter-|   Receive                            |  Transmit\n \
                    face |bytes    packets errs drop fifo frame compressed multicast|bytes\n";
        let lo = "    lo:  123  4 0 0 0 0 0 0  123  4 0 0 0 0 0 0\n";
        let eth = "  eth0: 9876 54 0 0 0 0 0 0 4321 12 0 0 0 0 0 0\n";
        assert!(only_loopback(&format!("{head}{lo}")));
        assert!(!only_loopback(&format!("{head}{lo}{eth}")));
        assert!(!only_loopback(&format!("{head}{eth}")));
        let here = crate::config::names_this_machine;
        assert!(here("http://127.0.0.1:8090/hub"));
        assert!(here("http://[::1]/hub"));
        assert!(here("http://LOCALHOST/hub"));
        assert!(!here("https://pubsubhubbub.appspot.com/"));
        assert!(!here("http://10.0.0.1/hub"));
    }
}
