//! Publishing: catalog → index → site → the snapshot the server answers from, for
//! the first load and for every change, with the metrics and the systemd status
//! line that describe what is served.
//!
//! The watch thread is the only publisher after start-up, so snapshots never race;
//! readers take an `Arc` of the current one and never block. Each snapshot's
//! validators are saved to the state file before it is served, so the file is
//! never behind what clients were sent.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwapOption;
use http::HeaderValue;

use crate::catalog::{Catalog, Changes, Standing, Transition, Warned};
use crate::config::Config;
use crate::index::{Entries, Entry, Index};
pub use crate::site::Scope;
use crate::site::{Compressor, RenderError, Site, Validators};
use crate::state::StateFile;
use crate::systemd;
use crate::text::{printable, printable_path};
use crate::websub::record::{self, LastRun, Record};
use crate::websub::{self, Links, Pinger, Spread, Topics};

/// The `max-age` of a 404, in seconds: short, so a cache or reader polling
/// a feed that has gone asks again at most once a minute and sees it when it
/// comes back; never longer than `[http] cache_max_age`, so a page that
/// appears (a new article at a URL already asked for) reaches clients behind
/// a cache as soon as the feeds linking it do.
pub const NOT_FOUND_MAX_AGE: u32 = 60;

/// What the server answers from: one rendered site and the config it was rendered with.
#[derive(Debug)]
pub struct Snapshot {
    /// Every precomputed resource.
    pub site: Site,
    /// The config in force.
    pub config: Arc<Config>,
    /// How many store files are rejected now.
    pub rejected: usize,
    /// Why the store root cannot be read now, if it cannot (deleted, renamed,
    /// an unmounted share; or closed to bantin): what is served is the last
    /// good state, and `/healthz` and the status line say so.
    pub root_gone: Option<RootGone>,
    /// `Cache-Control` for every cacheable response, from `[http] cache_max_age`.
    pub cache_control: HeaderValue,
    /// `Cache-Control` of an archived feed, from `[archives] max_age`.
    pub archive_cache_control: HeaderValue,
    /// `Cache-Control` of a 404 ([`NOT_FOUND_MAX_AGE`], or `cache_max_age`
    /// when that is shorter).
    pub not_found_cache_control: HeaderValue,
    /// The WebSub `Link` header of every feed (none when no hub is configured).
    pub links: Links,
    /// Which snapshot this is, unique in the process: what the server derives
    /// from a resource for one snapshot (its response heads, which hold the
    /// snapshot's `Cache-Control` and `Link`) is kept under it, since a
    /// resource an update did not touch is shared with the next snapshot.
    pub generation: u64,
}

/// The generation of the next snapshot.
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Snapshot {
    /// A snapshot of `site` rendered with `config`.
    pub fn new(site: Site, config: Arc<Config>, rejected: usize) -> Snapshot {
        // No `public`: a response to a request without `Authorization` (none
        // here needs one) may be kept by shared caches as it is, and RFC 9111
        // §5.2.2.9 calls the directive unnecessary then; 8 bytes of every head.
        let max_age = |secs: u32| {
            HeaderValue::from_str(&format!("max-age={secs}"))
                .expect("a number after ASCII text is a valid header value")
        };
        let cache_control = max_age(config.http.cache_max_age);
        let archive_cache_control = max_age(config.archives.max_age);
        let not_found_cache_control = max_age(NOT_FOUND_MAX_AGE.min(config.http.cache_max_age));
        let links = Links::new(&config, &site);
        Snapshot {
            site,
            config,
            rejected,
            root_gone: None,
            cache_control,
            archive_cache_control,
            not_found_cache_control,
            links,
            generation: GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// The `STATUS=` line systemd shows for this snapshot.
    pub fn status_line(&self) -> String {
        let served = systemd::describe(
            self.site.index.entries().len(),
            self.site.index.categories().len() + 1,
            self.rejected,
        );
        format!("{served}{}", self.root_note())
    }

    /// What `/healthz` and the status line add while the store root is
    /// missing or cannot be read: empty otherwise.
    pub fn root_note(&self) -> String {
        match &self.root_gone {
            Some(gone) => format!(
                "; store root {} {gone}: serving the last good state",
                self.config.store.display()
            ),
            None => String::new(),
        }
    }
}

/// Why the store root cannot be read while the daemon runs: either way the
/// last good state is served until it can be read again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootGone {
    /// Deleted, renamed away, an unmounted share, or no longer a folder.
    Missing,
    /// There, but the daemon may not list or enter it (its mode, owner or
    /// ACL, or a folder above it), or the system failed to: the reason, as
    /// `permission denied`.
    Unreadable(String),
}

impl RootGone {
    /// Why `store` cannot be read as the store, or `None` when it can be (a
    /// folder the daemon may list and enter, as start-up and a reload ask).
    pub fn of(store: &Path) -> Option<RootGone> {
        let err = crate::config::store_readable(store).err()?;
        // Short of file descriptors or memory, or interrupted, the open is
        // what failed, not the root: the glance, which opens nothing, says.
        use rustix::io::Errno;
        let transient = [
            Errno::MFILE,
            Errno::NFILE,
            Errno::NOMEM,
            Errno::INTR,
            Errno::AGAIN,
        ];
        if Errno::from_io_error(&err).is_some_and(|e| transient.contains(&e)) {
            return RootGone::glance(store);
        }
        Some(RootGone::from_error(&err))
    }

    /// A glance at `store`, made often: a stat and an `access` check, which
    /// neither open nor list it (a watcher on it hears no event of them).
    /// What it misses, a listing refused all the same, [`RootGone::of`]
    /// finds before the store is read.
    pub fn glance(store: &Path) -> Option<RootGone> {
        use rustix::fs::Access;
        let err = match std::fs::metadata(store) {
            Ok(m) if !m.is_dir() => return Some(RootGone::Missing),
            // As the daemon's effective ids may, as opening it would.
            Ok(_) => rustix::fs::accessat(
                rustix::fs::CWD,
                store,
                Access::READ_OK | Access::EXEC_OK,
                rustix::fs::AtFlags::EACCESS,
            )
            .err()
            .map(std::io::Error::from)?,
            Err(e) => e,
        };
        Some(RootGone::from_error(&err))
    }

    /// Why the store root cannot be read, from the error reading it gave.
    fn from_error(err: &std::io::Error) -> RootGone {
        match err.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory => RootGone::Missing,
            std::io::ErrorKind::PermissionDenied => {
                RootGone::Unreadable("permission denied".to_owned())
            }
            _ => RootGone::Unreadable(err.to_string()),
        }
    }
}

impl std::fmt::Display for RootGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RootGone::Missing => f.write_str("is missing"),
            RootGone::Unreadable(reason) => write!(f, "cannot be read ({reason})"),
        }
    }
}

/// The snapshot being served: `None` until the first load is rendered.
pub type Published = ArcSwapOption<Snapshot>;

/// Lists and reads the whole store, logging and counting every rejected file
/// (later refreshes count only what they newly reject: see [`record`]), and
/// logging the first files served with warnings and how many there are.
pub fn scan(cfg: &Config) -> std::io::Result<Catalog> {
    let (catalog, changes) = Catalog::scan_noting(&cfg.store, cfg.max_file_size, cfg.tz)?;
    let rejected: Vec<_> = catalog.rejected().collect();
    for (path, error) in rejected.iter().take(Warned::SHOWN) {
        let error = error.to_string();
        tracing::warn!(path = %printable_path(path), "rejected: {}", printable(&error));
    }
    if rejected.len() > Warned::SHOWN {
        tracing::warn!(
            "{} files are rejected (the first {} above); `bantin check {}` shows each",
            rejected.len(),
            Warned::SHOWN,
            printable_path(&cfg.store)
        );
    }
    metrics::counter!("bantin_files_rejected_total").increment(catalog.rejected_count() as u64);
    log_warned(&changes.warned, Occasion::Start, &cfg.store);
    Ok(catalog)
}

/// When files' warnings are logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// The first scan: every file served with warnings is counted in a
    /// summary line, so the journal says how many there are.
    Start,
    /// A change: the files added or edited with warnings.
    Change,
}

/// Says in the log each warning of the files `warned` shows, one line each
/// (`WARN warning: <what> path=<file>:<line>`), as `bantin check` words it;
/// and how many files there are when it shows fewer (or, at start, always).
/// A file's warnings are said once per change of the file, as a rejection
/// is. So that a store of a million files with warnings does not flood the
/// journal, the start names at most [`Warned::SHOWN`] files, and changes
/// (events, reconciliations, which come in slices) at most that many a
/// minute, with at most one line a minute counting the others (those held
/// back after it are counted with the first change of a later minute):
/// `bantin check` lists them all, and `bantin_files_with_warnings` counts them.
pub fn log_warned(warned: &Warned, occasion: Occasion, store: &std::path::Path) {
    let check = format!("`bantin check {}` shows each", printable_path(store));
    let (all, shown) = (warned.files, warned.shown.len());
    if occasion == Occasion::Start {
        warned.shown.iter().for_each(log_file_warnings);
        match all {
            0 => {}
            1 => tracing::warn!("1 file is served with warnings (above); {check}"),
            _ if all > shown => tracing::warn!(
                "{all} files are served with warnings (the first {shown} above); {check}"
            ),
            _ => tracing::warn!("{all} files are served with warnings (above); {check}"),
        }
        return;
    }
    let said = WARNED_PACE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .admit(Instant::now(), shown, all);
    warned.shown[..said.named]
        .iter()
        .for_each(log_file_warnings);
    if let Some(more) = said.more {
        tracing::warn!(
            "{more} more file{} changed with warnings, not named (at most {} are named a minute); {check}",
            if more == 1 { "" } else { "s" },
            Warned::SHOWN
        );
    }
}

/// Says in the log how files' standing changed: a rejection with its path
/// and reason, once per change of the file, and a rejected file that is
/// served again or has gone. A broken file left alone is not said again by
/// later reconciliations; `bantin check` gives the details. So that a change
/// of a million files (a lowered `max_file_size`, a store read in the wrong
/// encoding) does not flood the journal, as for warnings (see [`log_warned`])
/// a start names at most [`Warned::SHOWN`] files and then says how many
/// others there are, and changes name at most that many a minute, with at
/// most one line a minute counting the others.
pub fn log_standing(transitions: &[Transition], occasion: Occasion, store: &std::path::Path) {
    let all = transitions.len();
    let (named, more) = match occasion {
        Occasion::Start => {
            let named = all.min(Warned::SHOWN);
            (named, Some(all - named).filter(|&n| n > 0))
        }
        Occasion::Change => {
            let said = STANDING_PACE
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .admit(Instant::now(), all, all);
            (said.named, said.more)
        }
    };
    for t in &transitions[..named] {
        let path = printable_path(&t.path);
        match &t.now {
            Standing::Rejected(reason) => {
                tracing::warn!(path = %path, "rejected: {}", printable(reason));
            }
            Standing::Served => {
                tracing::info!(path = %path, "served again: the file is no longer rejected");
            }
            // A folder refused before (it could not be listed) that is
            // listed now: its files are read with it.
            Standing::Gone if t.path.is_dir() => {
                tracing::info!(path = %path, "a folder that could not be read is read now");
            }
            Standing::Gone => tracing::info!(path = %path, "a rejected file left the store"),
        }
    }
    if let Some(more) = more {
        tracing::warn!(
            "{more} more file{} rejected, served again or gone, not named (at most {} are \
             named a minute); `bantin check {}` shows each rejected file, \
             `bantin_rejected_files` counts them",
            if more == 1 { " was" } else { "s were" },
            Warned::SHOWN,
            printable_path(store)
        );
    }
}

/// What the log said of files' changes of standing in the current window.
static STANDING_PACE: Mutex<WarnedPace> = Mutex::new(WarnedPace {
    since: None,
    named: 0,
    unsaid: 0,
    summed: false,
});

/// Logs one file's warnings, one line each.
fn log_file_warnings(file: &crate::catalog::FileWarnings) {
    let path = printable_path(&file.path);
    for w in &file.warnings {
        let message = printable(&w.message);
        match w.line {
            Some(line) => tracing::warn!(path = %format!("{path}:{line}"), "warning: {message}"),
            None => tracing::warn!(path = %path, "warning: {message}"),
        }
    }
}

/// How often the files changed with warnings are named, and summed up.
const WARNED_WINDOW: Duration = Duration::from_secs(60);

/// What the log said of changed files' warnings in the current window.
static WARNED_PACE: Mutex<WarnedPace> = Mutex::new(WarnedPace {
    since: None,
    named: 0,
    unsaid: 0,
    summed: false,
});

/// How many files changed with warnings the log names in the current
/// [`WARNED_WINDOW`], and whether it said how many others.
#[derive(Debug)]
struct WarnedPace {
    /// When the window began.
    since: Option<Instant>,
    /// Files named in it.
    named: usize,
    /// Files with warnings not named and not yet summed up.
    unsaid: usize,
    /// Whether its one summary line was said.
    summed: bool,
}

/// What to say of one change's files with warnings.
#[derive(Debug, PartialEq, Eq)]
struct Said {
    /// Name the first this many of the files shown.
    named: usize,
    /// Then say how many others there were, if so.
    more: Option<usize>,
}

impl WarnedPace {
    /// Admits, at `now`, a change with `all` files with warnings of which
    /// the first `shown` could be named.
    fn admit(&mut self, now: Instant, shown: usize, all: usize) -> Said {
        if self
            .since
            .is_none_or(|since| now.duration_since(since) >= WARNED_WINDOW)
        {
            *self = WarnedPace {
                since: Some(now),
                named: 0,
                unsaid: self.unsaid,
                summed: false,
            };
        }
        let named = shown.min(Warned::SHOWN - self.named);
        self.named += named;
        self.unsaid += all - named;
        let more = (self.unsaid > 0 && !self.summed).then(|| std::mem::take(&mut self.unsaid));
        self.summed |= more.is_some();
        Said { named, more }
    }
}

/// Renders every resource of `index`, dated after `resume` (see
/// [`Validators`]), logging what failed to render.
pub fn render(cfg: &Config, index: Arc<Index>, resume: Validators) -> Site {
    let started = Instant::now();
    let (cap, tz) = (cfg.max_file_size, cfg.tz);
    let hydrate = move |e: &Entry| crate::catalog::hydrate(e, cap, tz);
    let (site, errors) =
        Site::resume(resume).update(cfg, index, SystemTime::now(), Scope::Everything, &hydrate);
    log_render_errors(errors);
    metrics::histogram!("bantin_render_seconds").record(started.elapsed().as_secs_f64());
    site
}

/// Makes snapshots current: the one writer of [`Published`].
pub struct Publisher {
    cfg: Arc<Config>,
    published: Arc<Published>,
    compressor: Compressor,
    /// A std mutex: only the watch thread (and start-up, before it runs) saves,
    /// never across an `.await`.
    state: Mutex<StateFile>,
    /// Tells WebSub hubs which feeds each served change touched.
    pinger: Option<Pinger>,
    /// What the last run left to compare the first snapshot with, taken
    /// when it is served.
    last_run: Mutex<Option<LastRun>>,
    /// The start's comparison with the last run (on a thread of its own),
    /// which [`Publisher::stop`] waits for: so
    /// the comparison, and its removal of the last record, come before the
    /// stop writes the next.
    since_last_run: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The state folder in force: the start's. A reload that names another
    /// takes effect at the next start (see `app`), so the WebSub record is
    /// kept beside `validators.json`, where the next start reads both.
    state_dir: std::path::PathBuf,
}

impl Publisher {
    /// A publisher of snapshots rendered with `cfg` into `published`; `compressor`
    /// computes every new resource's gzip and brotli bodies in the background;
    /// `state` remembers their validators.
    pub fn new(
        cfg: Arc<Config>,
        published: Arc<Published>,
        compressor: Compressor,
        state: StateFile,
    ) -> Publisher {
        Publisher {
            state_dir: cfg.state_dir.clone(),
            cfg,
            published,
            compressor,
            state: Mutex::new(state),
            pinger: None,
            last_run: Mutex::new(None),
            since_last_run: Mutex::new(None),
        }
    }

    /// The configuration snapshots are rendered with.
    pub fn config(&self) -> &Arc<Config> {
        &self.cfg
    }

    /// Tells the hubs of `[websub]` about every change served from now on,
    /// and, once the first snapshot is served, about what changed since
    /// `last_run`.
    pub fn set_pinger(&mut self, pinger: Pinger, last_run: LastRun) {
        self.pinger = Some(pinger);
        self.last_run = Mutex::new(Some(last_run));
    }

    /// The pinger, when `[websub]` names hubs.
    fn hubs(&self) -> Option<&Pinger> {
        self.pinger
            .as_ref()
            .filter(|_| !self.cfg.websub.hubs.is_empty())
    }

    /// Renders with `cfg` from now on (the caller then publishes [`Scope::Everything`]).
    pub fn set_config(&mut self, cfg: Config) {
        if let Some(pinger) = &self.pinger {
            pinger.set_hubs(&cfg.websub);
        }
        self.cfg = Arc::new(cfg);
    }

    /// Warns of each category override of the config in force that names no
    /// category of the snapshot served now (see [`Config::warn_unknown_categories`]).
    pub fn warn_unknown_categories(&self) {
        if let Some(current) = self.published.load_full() {
            let slugs = current.site.index.categories().keys().map(String::as_str);
            self.cfg.warn_unknown_categories(slugs);
        }
    }

    /// Serves `site`, rendered from `catalog`, once its validators are saved
    /// (or the save failed and said so); gives back the snapshot it replaced.
    pub fn serve(&self, site: Site, catalog: &Catalog) -> Option<Arc<Snapshot>> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .save(site.validators());
        self.compressor.queue(&site);
        let rejected = catalog.rejected_count();
        let mut snapshot = Snapshot::new(site, self.cfg.clone(), rejected);
        // A reload renders while the root may be gone; the watch thread says
        // when it is back (see `Publisher::store_root`).
        snapshot.root_gone = self
            .published
            .load()
            .as_ref()
            .and_then(|s| s.root_gone.clone());
        let snapshot = Arc::new(snapshot);
        metrics::gauge!("bantin_articles_indexed").set(catalog.entries.len() as f64);
        metrics::gauge!("bantin_rejected_files").set(rejected as f64);
        metrics::gauge!("bantin_files_with_warnings").set(catalog.warned_count() as f64);
        systemd::status(&snapshot.status_line());
        let previous = self.published.swap(Some(snapshot.clone()));
        if previous.is_none() {
            // The first articles served: dated by their files, so a restart
            // of a store nothing changed in moves no staleness alert. Later,
            // only a change of them (see `update`), not a reload's render,
            // moves this.
            let changed = store_changed_at(&catalog.entries, SystemTime::now());
            metrics::gauge!("bantin_last_store_change_timestamp_seconds").set(unix_time(changed));
            self.ping_since_last_run(&snapshot);
        }
        previous
    }

    /// Tells the hubs, once the first snapshot is served, about the feeds
    /// that changed while the daemon was stopped (see [`websub::record`]),
    /// then discards the record. On a thread of its own: with a record, the
    /// comparison is a pass over every term and month, which must not hold
    /// up serving the first snapshot.
    fn ping_since_last_run(&self, first: &Arc<Snapshot>) {
        let last_run = lock(&self.last_run).take();
        let Some(last_run) = last_run else {
            return;
        };
        let state_dir = self.state_dir.clone();
        let Some(pinger) = self.hubs().cloned() else {
            // Trusted once: a record left now would hide what this run serves.
            record::discard(&state_dir);
            return;
        };
        let (first, cfg) = (first.clone(), self.cfg.clone());
        let compared = std::thread::Builder::new()
            .name("websub-start".into())
            .spawn(move || {
                // At info: an upgrade, or hubs just configured, are routine.
                if let Some(p) = last_run.partial() {
                    tracing::info!("{p}");
                }
                let on_demand_too = last_run.record.as_ref().is_some_and(Record::same_build);
                let now = if on_demand_too {
                    websub::feed_etags(&first.config, &first.site, Spread::OneThread)
                } else {
                    websub::snapshot_feed_etags(&first.site)
                };
                let base_url = &cfg.site.base_url;
                let paths = record::since_last_run(
                    last_run.record.as_ref(),
                    &last_run.remembered,
                    &now,
                    base_url,
                );
                let topics = Topics::of(
                    base_url,
                    paths.into_iter().map(|p| format!("{base_url}{p}")),
                );
                if !topics.is_empty() {
                    tracing::info!(
                        live = topics.live_feeds(),
                        archives = topics.archives.len(),
                        "websub: pinging the feeds that changed while bantin was stopped"
                    );
                }
                pinger.publish(&cfg.websub, &topics);
                record::discard(&state_dir);
            });
        match compared {
            Ok(thread) => *lock(&self.since_last_run) = Some(thread),
            Err(e) => tracing::warn!(
                "cannot start the thread that pings what changed while bantin was stopped: {e}; \
                 the next start compares again"
            ),
        }
    }

    /// Tells the hubs about every feed a change from `previous` to the
    /// snapshot served now changed. A change at `ids` compares the
    /// snapshot's feeds' bytes and asks the indexes which tag and author
    /// feeds and archives (rendered on demand) it reached; a reload that
    /// changed a setting documents are made of (a title, the ttl, the hubs:
    /// see [`Config::renders_like`]) can change every document, and compares
    /// every feed's ETag, on-demand ones derived from their inputs.
    ///
    /// Hubs a reload removed get these pings too, once: what they fetch now
    /// names the new hubs (or none), so their subscribers, who would
    /// otherwise hear nothing again, learn where to subscribe (WebSub §4:
    /// discovery is by the topic's own links).
    fn ping_changes(&self, previous: &Snapshot, ids: &BTreeSet<String>, scope: Scope) {
        let hubs = &self.cfg.websub.hubs;
        let removed: Vec<String> = (previous.config.websub.hubs.iter())
            .filter(|h| !hubs.contains(h))
            .cloned()
            .collect();
        let Some(pinger) = self
            .pinger
            .as_ref()
            .filter(|_| !hubs.is_empty() || !removed.is_empty())
        else {
            return;
        };
        let Some(current) = self.published.load_full() else {
            return;
        };
        let base_url = &self.cfg.site.base_url;
        // A reload that leaves every setting documents are made of as it was
        // changes only what the store changed: no pass over every document.
        let scope = match scope {
            Scope::Everything if current.config.renders_like(&previous.config) => Scope::Changed,
            scope => scope,
        };
        let topics = match scope {
            Scope::Changed => {
                let (before, after) = (&previous.site.index, &current.site.index);
                let items = self.cfg.feeds.items;
                let live = websub::changed_feeds(&previous.site, &current.site, base_url);
                let terms = websub::changed_term_feeds(before, after, ids, items, base_url);
                let changes = websub::changed_changes_feed(before, after, items, base_url);
                // WebSub §7: an archive is a topic too (its `rel=self`), and a
                // correction or withdrawal of an old article changes only archives.
                let months = websub::changed_archives(before, after, ids, self.cfg.tz, base_url);
                let feeds = live.into_iter().chain(terms).chain(changes);
                Topics::of(base_url, feeds.chain(months))
            }
            Scope::Everything => {
                tracing::info!(
                    "websub: the reload changed settings every document is made of; \
                     comparing every feed document to ping those that changed"
                );
                let before =
                    websub::feed_etags(&previous.config, &previous.site, Spread::OneThread);
                let after = websub::feed_etags(&current.config, &current.site, Spread::OneThread);
                let paths = websub::changed_paths(&before, &after);
                Topics::of(
                    base_url,
                    paths.into_iter().map(|p| format!("{base_url}{p}")),
                )
            }
        };
        pinger.publish(&self.cfg.websub, &topics);
        if !removed.is_empty() {
            tracing::info!(
                hubs = removed.join(", "),
                feeds = topics.live.len(),
                "websub: pinging the hubs the reload removed once more (the all-articles, \
                 category and changes feeds, once each), so their \
                 subscribers fetch feeds that name the hubs now in force"
            );
            pinger.farewell(&removed, &self.cfg.websub, &topics);
        }
    }

    /// Records, as the daemon stops, what the next start compares with to
    /// ping what changed meanwhile (see [`websub::record`]).
    pub fn stop(&self) {
        if let Some(thread) = lock(&self.since_last_run).take() {
            if thread.join().is_err() {
                tracing::warn!("the comparison with the last run panicked; see the log above");
            }
        }
        let (Some(pinger), Some(current)) = (self.hubs(), self.published.load_full()) else {
            return;
        };
        let feeds = websub::feed_etags(&current.config, &current.site, Spread::AllCores);
        let record = Record::new(feeds, pinger.waiting_topics());
        if let Err(e) = record::save(&self.state_dir, &record) {
            tracing::warn!("{e}");
        }
    }

    /// Serves the current site again with `catalog`'s count of rejected files
    /// when only that count changed (a broken save keeps the last good version
    /// served), so `/healthz` and the status line say so; nothing is re-rendered.
    fn recount(&self, catalog: &Catalog) {
        let rejected = catalog.rejected_count();
        self.serve_again(|s| s.rejected != rejected, |s| s.rejected = rejected);
    }

    /// Says whether the store root can be read (the watch thread looks
    /// before each read of the store): while it is missing or closed to
    /// bantin the last good state is served, and `/healthz` and the status
    /// line say so, without a render.
    pub fn store_root(&self, gone: Option<&RootGone>) {
        self.serve_again(
            |s| s.root_gone.as_ref() != gone,
            |s| s.root_gone = gone.cloned(),
        );
    }

    /// Serves the current site again, changed by `set`, when `differs` says
    /// the current snapshot needs it: what is said of it, not what it
    /// serves, so nothing is rendered or saved.
    fn serve_again(&self, differs: impl Fn(&Snapshot) -> bool, set: impl Fn(&mut Snapshot)) {
        let Some(current) = self.published.load_full() else {
            return;
        };
        if !differs(&current) {
            return;
        }
        let mut snapshot = Snapshot::new(
            current.site.clone(),
            current.config.clone(),
            current.rejected,
        );
        snapshot.root_gone = current.root_gone.clone();
        set(&mut snapshot);
        systemd::status(&snapshot.status_line());
        self.published.store(Some(Arc::new(snapshot)));
    }

    /// Counts what a refresh of `catalog` found and, when the served articles may
    /// differ (or `scope` asks for everything), renders what they touch and serves it.
    pub fn update(&self, catalog: &Catalog, changes: &Changes, scope: Scope) {
        record(changes);
        metrics::gauge!("bantin_rejected_files").set(catalog.rejected_count() as f64);
        metrics::gauge!("bantin_files_with_warnings").set(catalog.warned_count() as f64);
        if !changes.any() && changes.relocated.is_empty() && scope == Scope::Changed {
            self.recount(catalog);
            return;
        }
        // Articles read from elsewhere now are re-indexed with the changed
        // ones (their pages read through the new place), but not pinged.
        let moved: BTreeSet<String>;
        let reindexed = if changes.relocated.is_empty() {
            &changes.ids
        } else {
            moved = changes.ids.union(&changes.relocated).cloned().collect();
            &moved
        };
        let started = Instant::now();
        // This thread is the only publisher, so the current snapshot is the previous render.
        let previous = self.published.load_full();
        let entries = catalog.entries.clone();
        let index = Arc::new(match (&previous, scope) {
            // Only the changed articles move; the rest of the index is shared.
            (Some(p), Scope::Changed) => p.site.index.updated(entries, reindexed),
            _ => Index::new(entries),
        });
        let empty = Site::default();
        let prev_site = previous.as_ref().map_or(&empty, |s| &s.site);
        let (cap, tz) = (self.cfg.max_file_size, self.cfg.tz);
        let hydrate = move |e: &Entry| crate::catalog::hydrate(e, cap, tz);
        let now = SystemTime::now();
        let (site, errors) = match (&previous, scope) {
            // Only what the changed articles touch is selected and rendered again.
            (Some(_), Scope::Changed) => {
                prev_site.update_at(&self.cfg, index, now, reindexed, &hydrate)
            }
            _ => prev_site.update(&self.cfg, index, now, scope, &hydrate),
        };
        log_render_errors(errors);
        metrics::histogram!("bantin_render_seconds").record(started.elapsed().as_secs_f64());
        self.serve(site, catalog);
        // Only now, with the change served: a hub fetches the feed as soon as it is told.
        if let Some(previous) = &previous {
            self.ping_changes(previous, &changes.ids, scope);
        }
        if changes.any() {
            metrics::gauge!("bantin_last_store_change_timestamp_seconds").set(unix_now());
            tracing::info!(
                added = changes.added,
                changed = changes.changed,
                removed = changes.removed,
                articles = catalog.entries.len(),
                "store change served"
            );
        }
    }
}

/// A std mutex: only the watch thread takes it, never across an `.await`.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Counts the files a refresh added, changed, removed and rejected. A
/// rejection counts once per change of the file, as the log says it, whether
/// it was refused while listing (a FIFO, a link out of the store) or when read:
/// a broken file that events or reconciliations read again unchanged is not
/// counted again, so the count follows `bantin_rejected_files`.
fn record(changes: &Changes) {
    metrics::counter!("bantin_files_added_total").increment(changes.added as u64);
    metrics::counter!("bantin_files_changed_total").increment(changes.changed as u64);
    metrics::counter!("bantin_files_removed_total").increment(changes.removed as u64);
    metrics::counter!("bantin_files_rejected_total").increment(changes.newly_rejected() as u64);
}

/// A feed that fails to render keeps its previous bytes; say which and why.
fn log_render_errors(errors: Vec<RenderError>) {
    for e in errors {
        tracing::error!("{e}");
    }
}

/// Seconds since the Unix epoch, for the timestamp gauges.
pub fn unix_now() -> f64 {
    unix_time(SystemTime::now())
}

/// `at` in seconds since the Unix epoch (0 before it).
fn unix_time(at: SystemTime) -> f64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// When the articles of `entries` last changed as far as the store shows:
/// the newest modification time of the files they were read from, never
/// after `now` (a file dated ahead of the clock changed no later than now);
/// `now` when no file gives one (an empty store). A file removed while the
/// daemon was stopped leaves no time behind, so its removal is not seen.
fn store_changed_at(entries: &Entries, now: SystemTime) -> SystemTime {
    entries
        .values()
        .filter_map(|e| e.modified)
        .max()
        .map_or(now, |newest| newest.min(now))
}

#[cfg(test)]
mod tests {
    /// The idle glance at the store root judges a missing root, a file in
    /// its place and a folder as the full look does.
    #[test]
    fn a_glance_at_the_store_root_agrees_with_the_full_look() {
        use super::RootGone;
        let dir = tempfile::tempdir().unwrap();
        let (folder, file, none) = (
            dir.path().join("store"),
            dir.path().join("file"),
            dir.path().join("none"),
        );
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(&file, "").unwrap();
        for path in [&folder, &file, &none] {
            assert_eq!(RootGone::glance(path), RootGone::of(path), "{path:?}");
        }
        assert_eq!(RootGone::glance(&folder), None);
        assert_eq!(RootGone::glance(&none), Some(RootGone::Missing));
    }

    use super::*;

    #[test]
    fn the_store_changed_when_its_newest_served_file_did() {
        let at = |secs: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let now = at(2_000_000_000);
        let entry = |id: &str, modified: Option<SystemTime>| {
            use chrono::TimeZone;
            let date = chrono::FixedOffset::east_opt(7 * 3600)
                .unwrap()
                .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
                .unwrap();
            let article = crate::article::Article::sample(id, &[], "Tin", date);
            Entry::full(Arc::new(article), modified)
        };
        let mut entries = Entries::new();
        assert_eq!(store_changed_at(&entries, now), now, "no file: now");
        entries.insert("a".into(), entry("a", Some(at(1_600_000_000))));
        entries.insert("b".into(), entry("b", Some(at(1_700_000_000))));
        entries.insert("c".into(), entry("c", None));
        assert_eq!(store_changed_at(&entries, now), at(1_700_000_000));
        // A file dated ahead of the clock changed no later than now.
        entries.insert("d".into(), entry("d", Some(at(2_100_000_000))));
        assert_eq!(store_changed_at(&entries, now), now);
    }

    #[test]
    fn changed_files_with_warnings_are_named_at_most_20_a_minute() {
        let t0 = Instant::now();
        let mut pace = WarnedPace {
            since: None,
            named: 0,
            unsaid: 0,
            summed: false,
        };
        let said = |named, more| Said { named, more };
        // A burst of 25 (20 shown): 20 named, one line for the other 5.
        assert_eq!(pace.admit(t0, 20, 25), said(20, Some(5)));
        // More slices in the same minute: none named, no second line.
        assert_eq!(
            pace.admit(t0 + Duration::from_secs(1), 20, 1024),
            said(0, None)
        );
        assert_eq!(pace.admit(t0 + Duration::from_secs(2), 3, 3), said(0, None));
        // The next minute: names again, and sums up what the last one held back.
        let next = t0 + WARNED_WINDOW;
        assert_eq!(pace.admit(next, 1, 1), said(1, Some(1027)));
        assert_eq!(pace.admit(next, 2, 2), said(2, None));
    }
}
