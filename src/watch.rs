//! Following the store live: filesystem events → paths to refresh in the
//! catalog, plus periodic reconciliation that repairs whatever events missed.
//!
//! Events are hints, not facts: editors replace files, inotify drops events under
//! load, some filesystems send none. So an event only names a path to re-examine,
//! and every `reconcile_secs` (and on any overflow or watcher error, and when
//! the store root's mode, owner or times change) the whole store is compared
//! with the catalog by (path, size, mtime). A folder below the root whose
//! mode, owner or times change is compared so too, on its own (see `settle`).
//!
//! One thread owns the catalog and publishes what each refresh changed (see
//! `publish`); it is the only publisher after start-up, so updates never race
//! and readers never block. A reconciliation lists the store on another thread
//! and this one merges the listing in slices between events (see `reconcile`),
//! so an event never waits behind a whole store's comparison.
//!
//! Events are acted on in bursts (see `settle`): a path written and closed
//! (inotify's `IN_CLOSE_WRITE`) or renamed into place (`IN_MOVED_TO`) is
//! finished, so its burst, with every event queued behind it, is refreshed at
//! once; other events (a create, a delete) wait for `[watch] debounce_ms` of
//! quiet, so an editor that saves in several steps, or a bulk delete, costs one
//! refresh, not one per event. A file created and closed in the burst waits one
//! more window (a temp file an atomic save is about to rename), and one written
//! and not closed waits for its close. A reconciliation leaves whatever the
//! burst holds to it (see [`Burst::holds`]): it would read such a file while
//! it is still being written, and serve and announce half an article. The
//! files found in a folder made while running, when its event comes (made
//! before the folder was watched), are held too, as their mtime says (see
//! [`crate::settle::unfinished_for`]), and its refresh leaves them alone.
//!
//! A listing taken while events come (a reconciliation's slice, a folder
//! compared) never removes a file on its own word while the file's folder
//! is still there: it may have been taken in the instant an editor moved the
//! file aside to write it anew (`x.txt` → `x.txt~`), before this thread took
//! the rename's event. Such a file is held in the burst for one settle
//! window, as if an event had named it (see [`Burst::hold_unlisted`]), and
//! looked at again when that ends: still gone, it leaves then; written anew,
//! the save is one change. A file whose folder is gone (removed or renamed)
//! leaves at once. The wait is the burst's, so this thread never blocks.

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use notify::{PollWatcher, RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::catalog::{Catalog, Changes, Merged, Refresh, Slice, Unsettled};
use crate::config::Config;
use crate::publish::{unix_now, Occasion, Publisher, RootGone, Scope};
use crate::reconcile::Survey;
use crate::server::connection::Throttle;
use crate::settle::{later, Burst, Closes, Ready};
use crate::text::printable_path;

/// A message to the watch thread.
pub enum Msg {
    /// A filesystem event, or what went wrong watching.
    Fs(notify::Result<notify::Event>),
    /// A new, validated configuration (SIGHUP); the sender hears back once it is served.
    Reload(Box<Config>, Sender<()>),
    /// The next slice of the listing of reconciliation number `survey`.
    Slice {
        /// Which reconciliation listed it: slices of a cancelled one are dropped.
        survey: u64,
        /// The entries.
        slice: Slice,
    },
    /// The first snapshot to serve, and the catalog it was built from; the
    /// sender hears back once it is served.
    Begin(Box<(crate::site::Site, Catalog)>, Sender<()>),
    /// The first watcher, attached on a thread of its own (see [`start`]).
    Attached(Attaching),
    /// Stop the thread.
    Stop,
}

/// A watcher attached away from the watch thread, with the identity of the
/// folder it follows.
pub struct Attaching {
    watcher: Option<Attached>,
    watched: Option<(u64, u64)>,
}

/// The running watch thread.
pub struct Handle {
    tx: Sender<Msg>,
    /// Set by [`Handle::stop`] before it asks: a reload reading the whole
    /// store ends between two chunks rather than finish first.
    stopping: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Hears when the thread ends; taken by [`Handle::ended`].
    ended: Option<Ended>,
}

/// How a thread watched with [`spawn_reporting_end`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Its work returned (for the watch thread: it was told to stop).
    Returned,
    /// It panicked (the panic hook has logged where and why), or vanished
    /// without saying.
    Panicked,
}

/// Hears how a thread ended, once.
#[derive(Debug)]
pub struct Ended(tokio::sync::oneshot::Receiver<End>);

impl Ended {
    /// Completes when the thread ends.
    pub async fn wait(self) -> End {
        self.0.await.unwrap_or(End::Panicked)
    }
}

/// Sends how its thread ended when dropped: at the end of the thread's work,
/// or while a panic unwinds it.
struct Farewell(Option<tokio::sync::oneshot::Sender<End>>);

impl Drop for Farewell {
    fn drop(&mut self) {
        let end = if std::thread::panicking() {
            End::Panicked
        } else {
            End::Returned
        };
        if let Some(tx) = self.0.take() {
            // No one listening: the daemon is stopping anyway.
            let _ = tx.send(end);
        }
    }
}

/// Spawns `work` on a thread named `name`, with what hears how it ended.
fn spawn_reporting_end(
    name: &str,
    work: impl FnOnce() + Send + 'static,
) -> std::io::Result<(std::thread::JoinHandle<()>, Ended)> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let thread = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let _farewell = Farewell(Some(tx));
            work();
        })?;
    Ok((thread, Ended(rx)))
}

impl Handle {
    /// A sender for reload requests.
    pub fn sender(&self) -> Sender<Msg> {
        self.tx.clone()
    }

    /// What hears when the thread ends, which before [`Handle::stop`] means
    /// live updates have stopped (it panicked); `None` once taken.
    pub fn ended(&mut self) -> Option<Ended> {
        self.ended.take()
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.stopping.store(true, Ordering::Relaxed);
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How often the store root is looked at: to find it again once it has
/// disappeared, and to notice it being replaced (renamed away and another folder
/// renamed into its place), which the watcher, following the old folder, never reports.
const ROOT_RETRY: Duration = Duration::from_millis(250);

/// How long a watcher that could not be attached to a readable store root
/// waits before it is tried again.
const REATTACH_BACKOFF: Duration = Duration::from_secs(5);

/// The watch thread, started and not yet given the first snapshot.
pub struct Watch {
    handle: Handle,
}

/// Starts the watch thread for the store that `publisher`'s config names, and
/// attaches the watcher on a thread of its own at once: attaching walks the
/// whole tree (seconds at a million files), so it runs while the first index
/// and render are made, and readiness never waits for it. [`Watch::begin`]
/// hands the thread the first snapshot to serve. Once the watcher is attached
/// the thread reconciles, and that listing, taken after the attach, catches
/// whatever changed since the scan; events from then on are served as they come.
pub fn start(publisher: Publisher) -> std::io::Result<Watch> {
    let (tx, rx) = mpsc::channel();
    let worker = Worker::new(publisher, tx);
    let (tx, stopping) = (worker.tx.clone(), worker.stopping.clone());
    let (root, events) = (worker.cfg.store.clone(), worker.tx.clone());
    std::thread::Builder::new()
        .name("bantin-attach".into())
        .spawn(move || {
            let (watcher, watched) = attach(&root, &events, Watcher::Native);
            let _ = events.send(Msg::Attached(Attaching { watcher, watched }));
        })?;
    let (thread, ended) = spawn_reporting_end("bantin-watch", move || worker.run(rx))?;
    Ok(Watch {
        handle: Handle {
            tx,
            stopping,
            thread: Some(thread),
            ended: Some(ended),
        },
    })
}

impl Watch {
    /// Serves `site`, built from `catalog`, from the watch thread (the only
    /// publisher from now on) and returns once it is served; from then on the
    /// thread follows the store.
    pub fn begin(self, site: crate::site::Site, catalog: Catalog) -> Handle {
        let (done, served) = mpsc::channel();
        let _ = self
            .handle
            .tx
            .send(Msg::Begin(Box::new((site, catalog)), done));
        // An error: the thread has gone, which `Handle::stop` reports by joining.
        let _ = served.recv();
        self.handle
    }
}

/// The watcher in use: the platform's native one, or polling when the platform
/// refuses more watches. Held to keep it running (dropping it stops it), and
/// to watch folders made later.
enum Attached {
    /// inotify (on Linux), one watch per folder (see [`watch_folders`]), and
    /// the folders it was refused for want of permission.
    Native {
        watcher: RecommendedWatcher,
        refused: Refused,
    },
    /// Polling: a recursive watch, which sees new folders by itself.
    Poll { _running: PollWatcher },
}

struct Worker {
    /// The configuration in force (the publisher's).
    cfg: Arc<Config>,
    catalog: Catalog,
    publisher: Publisher,
    tx: Sender<Msg>,
    /// Set when the daemon stops (see [`Handle::stop`]).
    stopping: Arc<AtomicBool>,
    watcher: Option<Attached>,
    /// The (device, inode) of the folder the watcher follows.
    watched: Option<(u64, u64)>,
    /// Whether the first watcher is still being attached (see [`start`]).
    attaching: bool,
    /// Why the store root could not be read when last looked at, if it
    /// could not (see [`Worker::root_present`]): said once when it changes.
    root_gone: Option<RootGone>,
    /// When a watcher that could not be attached to a readable root is
    /// tried again (see [`Worker::detached_tick`]).
    reattach_at: Option<Instant>,
    /// The reconciliation under way, if any.
    survey: Option<Reconciling>,
    /// How many reconciliations have started: the number of the latest.
    surveys: u64,
    /// Whether another reconciliation is to follow the one under way: the
    /// store root changed (see [`Ready::compare`]) after it may have listed
    /// what that change opened or closed.
    survey_again: bool,
    /// The events waiting to be refreshed.
    burst: Burst,
    /// Messages taken off the channel while draining events, handled next.
    queued: VecDeque<Msg>,
    /// The watcher's errors said at most once a minute: a polling watcher
    /// can raise the same one at every poll.
    errors: Throttle,
}

/// Whether `path` is under the store `root` and in no folder the store never
/// reads (`.git`, an editor's backup folder), nor one itself.
fn read_by_store(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).is_ok_and(|rel| {
        !(rel.components()).any(|c| crate::store::is_ignored(&c.as_os_str().to_string_lossy()))
    })
}

/// The most files a folder whose mode, owner or times changed may hold to be
/// compared on the watch thread (listed and stated there, a few
/// milliseconds per thousand files): one holding more (a category of a
/// million-article store) is compared by a reconciliation, on the listing
/// thread, so events do not wait behind it.
const COMPARED_HERE: usize = 8 * crate::reconcile::SLICE;

/// Folders of the store that the native watcher was refused for want of
/// permission (an editor's private `0700` folder, under `DynamicUser=`): left
/// unwatched, everything below them with them, while the rest of the store is
/// watched natively. Nothing of them is served either (the listing refuses
/// them, and that refusal is what the log reports, once); each is tried again
/// when an event names it (a change of its mode, owner or ACL reaches its
/// parent's watch) and at every reconciliation, and is watched, with what is
/// below it, once it may be read.
#[derive(Debug, Default)]
struct Refused(BTreeSet<PathBuf>);

/// Whether a folder's own watch is made by [`watch_tree`] or was made before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Top {
    /// The folder is to be watched with what is below it.
    ToWatch,
    /// The folder is watched already (the store root): only what is below it.
    Watched,
}

/// A reconciliation whose listing is being merged.
struct Reconciling {
    /// The listing thread.
    listing: Survey,
    /// What the slices merged so far changed, for the closing log line.
    found: Changes,
}

/// Which watcher to attach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watcher {
    /// The platform's own (inotify), falling back to polling if it cannot start.
    Native,
    /// Polling, because the platform refused more native watches.
    PollAtLimit,
}

/// Says why polling replaces native watching when the cause is the platform's limit.
fn warn_watch_limit(root: &std::path::Path) {
    tracing::warn!(
        "the platform refuses more file watches; polling {} every 2 s instead (raise the sysctl fs.inotify.max_user_watches to watch natively)",
        root.display()
    );
}

/// The (device, inode) of the folder at `path` (following symlinks), if any.
fn folder_identity(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_dir)
        .map(|m| (m.dev(), m.ino()))
}

impl Worker {
    /// A worker for `publisher`'s store, with an empty catalog (the first
    /// load's replaces it in [`Watch::begin`]) and its watcher still to be
    /// attached; `tx` is its own queue's sender.
    fn new(publisher: Publisher, tx: Sender<Msg>) -> Worker {
        let cfg = publisher.config().clone();
        Worker {
            catalog: Catalog::new(&cfg.store, cfg.max_file_size, cfg.tz),
            cfg,
            publisher,
            tx,
            stopping: Arc::new(AtomicBool::new(false)),
            watcher: None,
            watched: None,
            attaching: true,
            root_gone: None,
            reattach_at: None,
            survey: None,
            surveys: 0,
            survey_again: false,
            burst: Burst::default(),
            queued: VecDeque::new(),
            errors: Throttle::new(Duration::from_secs(60)),
        }
    }

    /// The watcher's error `e`: said, and the store reconciled, since
    /// events may have been lost (both at most once a minute); at the
    /// system's limit of watches, the store is polled instead.
    fn watcher_failed(&mut self, e: &notify::Error) {
        let limit = matches!(e.kind, notify::ErrorKind::MaxFilesWatch);
        if limit && !matches!(self.watcher, Some(Attached::Poll { .. })) {
            self.attach(Watcher::PollAtLimit);
        }
        // A polling watcher raises an error at every poll for a folder it
        // cannot open: a reconciliation started at each would start over
        // before it ends, so one follows the errors said, once a minute.
        if let Some(n) = self.errors.hit() {
            tracing::warn!(
                errors = n,
                "watcher error: {e} (said at most once a minute)"
            );
            self.reconcile_soon();
        }
    }

    fn run(mut self, rx: Receiver<Msg>) {
        if !self.serve_first(&rx) {
            return;
        }
        let mut next_reconcile = later(Instant::now(), self.reconcile_every());
        loop {
            let now = Instant::now();
            let mut wait = next_reconcile
                .saturating_duration_since(now)
                .min(ROOT_RETRY);
            if let Some(due) = self.burst.due(self.quiet()) {
                wait = wait.min(due.saturating_duration_since(now));
            }
            let msg = match self.queued.pop_front() {
                Some(msg) => Ok(msg),
                None => rx.recv_timeout(wait),
            };
            if self
                .burst
                .due(self.quiet())
                .is_some_and(|due| Instant::now() >= due)
            {
                self.refresh_burst(Instant::now());
            }
            match msg {
                Ok(Msg::Fs(Ok(event))) => {
                    if event.need_rescan() {
                        tracing::warn!(
                            "the watcher lost events (overflow); reconciling the whole store"
                        );
                        // The burst is kept: the reconciliation leaves what it
                        // holds to it. A close lost in the overflow costs its
                        // file `UNCLOSED_QUIET`, not a read while half written.
                        self.reconcile();
                        continue;
                    }
                    if self.take(event, Instant::now()) {
                        self.drain(&rx);
                        self.refresh_burst(Instant::now());
                    }
                }
                Ok(Msg::Fs(Err(e))) => self.watcher_failed(&e),
                Ok(Msg::Reload(cfg, done)) => {
                    self.reload(*cfg);
                    // A shorter `reconcile_secs` applies from now, not after
                    // the old interval (up to a week) runs out; a longer one
                    // from the reconciliation already due.
                    next_reconcile =
                        next_reconcile.min(later(Instant::now(), self.reconcile_every()));
                    let _ = done.send(());
                }
                Ok(Msg::Slice { survey, slice }) => {
                    if survey == self.surveys {
                        // Events queued behind the slice may tell of a file it
                        // lists being written: the burst hears them first.
                        if self.drain(&rx) {
                            self.refresh_burst(Instant::now());
                        }
                        self.merge(slice, Instant::now());
                    }
                }
                Ok(Msg::Attached(first)) => {
                    self.attached(first);
                    next_reconcile = later(Instant::now(), self.reconcile_every());
                }
                Ok(Msg::Begin(_, served)) => {
                    let _ = served.send(());
                }
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => {
                    self.publisher.stop();
                    break;
                }
                Err(RecvTimeoutError::Timeout) => {
                    if self.attaching {
                        // The first watcher is on its way.
                    } else if self.watcher.is_none() {
                        self.detached_tick();
                    } else if RootGone::glance(&self.cfg.store).is_some() && !self.root_present() {
                        // Closed to bantin with no event on it (a folder
                        // above it changed): dropped until it can be read.
                        // One the glance doubts but that opens goes on.
                    } else if folder_identity(&self.cfg.store) != self.watched {
                        if self.cfg.store.is_dir() {
                            tracing::info!(
                                "store root {} was replaced by another folder; following the new one",
                                self.cfg.store.display()
                            );
                            self.attach(Watcher::Native);
                        }
                        // A missing root drops the watcher; see `reconcile`.
                        self.reconcile();
                    } else if Instant::now() >= next_reconcile {
                        // One still under way is left to finish.
                        if self.survey.is_none() {
                            self.reconcile();
                        }
                        next_reconcile = later(Instant::now(), self.reconcile_every());
                    }
                }
            }
        }
    }

    /// Waits for the first snapshot and serves it; whatever comes before it
    /// (the watcher attached, its first events, a reload) is handled after, in
    /// order. `false`: stopped first.
    fn serve_first(&mut self, rx: &Receiver<Msg>) -> bool {
        loop {
            match rx.recv() {
                Ok(Msg::Begin(first, served)) => {
                    let (site, catalog) = *first;
                    self.catalog = catalog;
                    self.publisher.serve(site, &self.catalog);
                    // The gauge has its value before the first request,
                    // not only after the first reconciliation.
                    self.root_present();
                    let _ = served.send(());
                    return true;
                }
                Ok(Msg::Stop) | Err(_) => return false,
                Ok(other) => self.queued.push_back(other),
            }
        }
    }

    /// Takes the first watcher, attached on its own thread, unless a reload
    /// has attached another meanwhile, and reconciles: in this order, since a
    /// change made while attaching is in no event, and this listing, taken
    /// after, sees it.
    fn attached(&mut self, first: Attaching) {
        self.attaching = false;
        if self.watcher.is_none() && self.watched.is_none() {
            if first.watcher.is_some() {
                tracing::info!("watching {} for changes", self.cfg.store.display());
            }
            self.watcher = first.watcher;
            self.watched = first.watched;
        }
        self.reconcile();
    }

    /// `[watch] debounce_ms`: the quiet that ends a burst of events.
    fn quiet(&self) -> Duration {
        Duration::from_millis(self.cfg.watch.debounce_ms.max(1))
    }

    /// Adds `event`, which arrived at `now`, to the burst; whether it
    /// finishes its path (see the module comment), so the burst is refreshed now.
    fn take(&mut self, event: notify::Event, now: Instant) -> bool {
        if !changes_content(&event.kind) {
            return false;
        }
        self.watch_new_folder(&event);
        let quiet = self.quiet();
        let closes = if matches!(self.watcher, Some(Attached::Poll { .. })) {
            Closes::Unreported
        } else {
            Closes::Reported
        };
        self.burst.take(&event, now, quiet, closes)
    }

    /// Watches the folder an event says was made or moved into the store, with
    /// every folder below it, since folders are watched one by one (see
    /// [`watch_folders`]); and a refused folder an event names (see
    /// [`Refused`]) is tried again. The watch comes before the refresh the
    /// event leads to, which lists the folder: what was written in it before
    /// is read then, and what is written after has its own events.
    fn watch_new_folder(&mut self, event: &notify::Event) {
        use notify::event::{CreateKind, EventKind, ModifyKind, RenameMode};
        let may_be_folder = matches!(
            event.kind,
            EventKind::Create(CreateKind::Folder | CreateKind::Any)
                | EventKind::Modify(ModifyKind::Name(
                    RenameMode::To | RenameMode::Both | RenameMode::Any
                ))
        );
        let Some(Attached::Native { watcher, refused }) = &mut self.watcher else {
            return;
        };
        let mut opened = Vec::new();
        for path in &event.paths {
            if refused.0.remove(path) {
                watch_again(watcher, path, refused);
                if !refused.0.contains(path) {
                    opened.push(path.clone());
                }
            }
        }
        // A folder opened to bantin is as a folder made now: what is being
        // written in it had no event (it was not watched), so a file its
        // mtime says a writer may still be at is held, not read half written.
        for path in &opened {
            self.hold_found_unfinished(path);
        }
        let Some(Attached::Native { watcher, refused }) = &mut self.watcher else {
            return;
        };
        // A rename's paths are (from, to): the last is where it is now.
        let Some(path) = event.paths.last().filter(|_| may_be_folder) else {
            return;
        };
        let folder = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
        if folder && path.starts_with(&self.cfg.store) {
            if let Err(e) = watch_tree(watcher, path, Top::ToWatch, refused) {
                tracing::warn!(
                    "cannot watch the new folder {}: {e}; the next reconciliation reads it",
                    printable_path(path)
                );
            }
            // A folder made here (not renamed in, whose files are finished):
            // its files still being written are held from now, not from the
            // burst's end, so a reconciliation slice or a reload's read in
            // between leaves them to the burst too.
            if matches!(event.kind, EventKind::Create(_)) {
                let made = path.clone();
                self.hold_found_unfinished(&made);
            }
        }
    }

    /// Tries again every folder the watcher was refused (see [`Refused`]):
    /// before a reconciliation lists the store, so a folder opened by a
    /// change no event reports (an ACL on a folder above it, a new group) is
    /// watched before its files are read.
    fn watch_refused_again(&mut self) {
        let Some(Attached::Native { watcher, refused }) = &mut self.watcher else {
            return;
        };
        for path in std::mem::take(&mut refused.0) {
            watch_again(watcher, &path, refused);
        }
    }

    /// Adds the events already queued to the burst: behind a finishing one,
    /// so a bulk copy is refreshed in as few batches as the refreshes take;
    /// before a slice is merged, so it leaves alone what they hold. Other
    /// messages are kept, in order, for the loop. Whether any event finished
    /// its path.
    fn drain(&mut self, rx: &Receiver<Msg>) -> bool {
        let mut finished = false;
        while let Ok(msg) = rx.try_recv() {
            match msg {
                Msg::Fs(Ok(event)) if !event.need_rescan() && self.queued.is_empty() => {
                    finished |= self.take(event, Instant::now());
                }
                other => self.queued.push_back(other),
            }
        }
        finished
    }

    /// Runs `reconcile` on the catalog with the files the burst holds, which
    /// a reconciliation leaves to the burst (see [`Unsettled`]); with none
    /// when it holds none, so no path is looked up.
    fn leaving_held<T>(&mut self, reconcile: impl FnOnce(&mut Catalog, Unsettled<'_>) -> T) -> T {
        let burst = &self.burst;
        let holds = |path: &Path| burst.holds(path);
        let held = if burst.holds_any() {
            Unsettled::by(&holds)
        } else {
            Unsettled::NONE
        };
        reconcile(&mut self.catalog, held)
    }

    /// Refreshes the paths of the burst under way that are ready at `now`,
    /// if any; what that changed.
    fn refresh_burst(&mut self, now: Instant) -> Changes {
        match self.burst.take_ready(now) {
            Some(ready) => self.apply(&ready, now),
            None => Changes::default(),
        }
    }

    /// Holds in the burst, from `now`, the known files a listing taken while
    /// events come lacked (see [`Merged::unlisted`]), for one window each:
    /// their removal, if they stay gone, is served when it ends.
    fn hold_unlisted(&mut self, unlisted: &[PathBuf], now: Instant) {
        let quiet = self.quiet();
        for path in unlisted {
            self.burst.hold_unlisted(path, now, quiet);
        }
    }

    fn reconcile_every(&self) -> Duration {
        Duration::from_secs(self.cfg.watch.reconcile_secs)
    }

    /// Starts watching the store root with `kind` (see [`attach`]).
    fn attach(&mut self, kind: Watcher) {
        self.watcher = None;
        let (watcher, watched) = attach(&self.cfg.store, &self.tx, kind);
        if matches!(watcher, Some(Attached::Native { .. })) {
            tracing::info!("watching {} for changes", self.cfg.store.display());
        }
        self.watcher = watcher;
        self.watched = watched;
    }

    /// The idle look at the store root while no watcher follows it: the
    /// reason it cannot be read kept current (a missing root made
    /// unreadable, say), and when it can be read again, said once and
    /// followed again. An attach that failed is retried every
    /// [`REATTACH_BACKOFF`], not at every tick.
    fn detached_tick(&mut self) {
        let was = self.root_gone.clone();
        // Looked at in full only when the glance sees something else.
        if was.is_some() && RootGone::glance(&self.cfg.store) == was {
            return;
        }
        if !self.root_present() {
            return;
        }
        let now = Instant::now();
        match &was {
            // Readable all along: the last attach failed.
            None if self.reattach_at.is_some_and(|at| now < at) => return,
            None => {}
            Some(gone) => {
                let back = match gone {
                    RootGone::Unreadable(_) => "can be read again",
                    RootGone::Missing => "is back",
                };
                tracing::info!(
                    "store root {} {back}; following it again",
                    self.cfg.store.display()
                );
            }
        }
        self.attach(Watcher::Native);
        self.reattach_at = self.watcher.is_none().then(|| now + REATTACH_BACKOFF);
        if was.is_some() || self.watcher.is_some() {
            self.reconcile();
        }
    }

    /// Whether the store root is there and may be listed and entered, as
    /// start-up and a reload ask of it. When it has gone, or been closed to
    /// bantin (its mode, owner or ACL, or a folder above it), the watcher is
    /// dropped, the last good state keeps being served (a listing refused at
    /// the root would drop every article under it, as a refused subfolder's
    /// are), and the log says so once, with what to do.
    fn root_present(&mut self) -> bool {
        let gone = RootGone::of(&self.cfg.store);
        let present = gone.is_none();
        metrics::gauge!("bantin_store_root_present").set(f64::from(u8::from(present)));
        self.publisher.store_root(gone.as_ref());
        let Some(gone) = gone else {
            self.root_gone = None;
            return true;
        };
        // A reconciliation under way would merge what its listing finds
        // of a root closed or gone since (every file `permission denied`
        // or not found): dropped, and one starts when the root is back.
        self.drop_survey();
        let dropped = self.watcher.take().is_some();
        if dropped || self.root_gone.as_ref() != Some(&gone) {
            let store = self.cfg.store.display();
            match &gone {
                RootGone::Missing => tracing::warn!(
                    "store root {store} is missing; serving the last good state until it reappears"
                ),
                RootGone::Unreadable(reason) if reason == "permission denied" => tracing::warn!(
                    "store root {store} cannot be read (permission denied); serving the last \
                     good state until it can: let the user bantin runs as read and enter it and \
                     every folder above it (e.g. `chmod a+rx`)"
                ),
                RootGone::Unreadable(reason) => tracing::warn!(
                    "store root {store} cannot be read ({reason}); serving the last good state \
                     until it can"
                ),
            }
        }
        self.root_gone = Some(gone);
        false
    }

    /// Re-reads what events named, ready at `now`, and publishes the
    /// result, which it returns. The files the burst holds are left to it,
    /// also those found in a new folder when its event came (see
    /// [`Worker::hold_found_unfinished`]) and those a folder compared does
    /// not list (see [`Worker::hold_unlisted`]).
    fn apply(&mut self, ready: &Ready, now: Instant) -> Changes {
        let (paths, started) = (&ready.paths, ready.first);

        let root = self.cfg.store.clone();
        // The store root compared is the whole store: listed on another
        // thread, not here, with events waiting; it covers every folder.
        let whole = ready.compare.contains(&root);
        if whole {
            self.reconcile_soon();
        }
        if !self.root_present() {
            return Changes::default();
        }
        // Re-examine the smallest set of subtrees that covers every event path
        // and every link that leads through one: an edit of a link's target
        // raises events on the target's path only.
        let mut targets: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.starts_with(&root))
            .cloned()
            .collect();
        let linked: Vec<PathBuf> = targets
            .iter()
            .flat_map(|t| self.catalog.links_into(t))
            .collect();
        targets.extend(linked);
        targets.sort();
        targets.dedup();
        let mut covering: Vec<PathBuf> = Vec::new();
        for t in targets {
            if !covering.last().is_some_and(|c| t.starts_with(c)) {
                covering.push(t);
            }
        }
        // A folder whose mode, owner or times changed is listed with sizes
        // and mtimes, and only what differs is read, unless a path being read
        // again covers it (a folder made in the burst, then given its mode),
        // or a folder compared (sorted: one above it comes first), or the
        // store never reads it (`.git`). One holding more files than a
        // comparison here should cost is left to a reconciliation.
        let mut compared: Vec<&PathBuf> = Vec::new();
        for f in (ready.compare.iter()).filter(|f| !whole && read_by_store(&root, f)) {
            let covered = covering.iter().any(|c| f.starts_with(c))
                || compared.last().is_some_and(|c| f.starts_with(c));
            if covered {
                continue;
            }
            if self.catalog.knows_more_than(f, COMPARED_HERE) {
                self.reconcile_soon();
            } else {
                compared.push(f);
            }
        }
        let mut total = Changes::default();
        let subs = removals_first(covering, |p| std::fs::symlink_metadata(p).is_ok());
        for sub in &subs {
            let refreshed = self
                .leaving_held(|catalog, held| catalog.refresh_leaving(sub, Refresh::Event, held));
            match refreshed {
                Ok(c) => total.absorb(c),
                Err(e) => tracing::warn!("cannot re-read {}: {e}", printable_path(sub)),
            }
        }
        // A folder compared is listed while events come, as a
        // reconciliation's slice is: what it lacks waits a window first.
        for folder in compared {
            match self.leaving_held(|catalog, held| catalog.compare_leaving(folder, held)) {
                Ok(Merged { changes, unlisted }) => {
                    total.absorb(changes);
                    self.hold_unlisted(&unlisted, now);
                }
                Err(e) => tracing::warn!("cannot compare {}: {e}", printable_path(folder)),
            }
        }
        log_transitions(&total, &self.cfg.store);
        self.publisher.update(&self.catalog, &total, Scope::Changed);
        if total.any() {
            metrics::histogram!("bantin_update_latency_seconds")
                .record(started.elapsed().as_secs_f64());
        }
        total
    }

    /// Holds the files under `folder`, a folder an event says was made in the
    /// store, that the burst does not hold, while their mtime says a writer
    /// may still be at them (see [`crate::settle::unfinished_for`]): the
    /// folder's refresh, which lists it, leaves them to the burst. Such a file
    /// was made before its folder was watched; read now, it could be half
    /// written (a writer pausing, `cp -r` or `tar x` of a new folder between
    /// two blocks). What is written after the watch has its own events.
    fn hold_found_unfinished(&mut self, folder: &Path) {
        let ignored = |name: &std::ffi::OsStr| crate::store::is_ignored(&name.to_string_lossy());
        // A folder the store never reads, or one under it (`.git/objects/ab`),
        // is neither walked nor held.
        if !read_by_store(&self.cfg.store, folder) {
            return;
        }
        let (now, clock) = (Instant::now(), SystemTime::now());
        let files = walkdir::WalkDir::new(folder)
            .follow_links(false)
            .into_iter()
            // What the store never reads (`.git`, editors' temp files) is not
            // held, nor walked.
            .filter_entry(|e| e.depth() == 0 || !ignored(e.file_name()))
            // A folder gone or that may not be listed: the refresh's listing
            // says so.
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file());
        for file in files {
            let path = file.path();
            if self.burst.holds(path) {
                continue;
            }
            let modified = file.metadata().ok().and_then(|m| m.modified().ok());
            if let Some(rest) = crate::settle::unfinished_for(modified, clock) {
                self.burst.hold_found(path, now, rest);
            }
        }
    }

    /// Drops the reconciliation under way, if any, with the slices its
    /// listing still sends: they are of the listing dropped (maybe of a store
    /// no longer served), and are not merged. What replaces it lists the
    /// store after now, so none need follow it.
    fn drop_survey(&mut self) {
        self.survey = None;
        self.survey_again = false;
        self.surveys += 1;
    }

    /// Asks for a reconciliation because the store root's mode, owner or
    /// times changed (see [`Ready::compare`]): started now, or, when one is under
    /// way (which may have listed that folder already), right after it. One
    /// under way is not started again: folders touched more often than the
    /// store can be listed would keep it from ever ending.
    fn reconcile_soon(&mut self) {
        if self.survey.is_some() {
            self.survey_again = true;
        } else {
            self.reconcile();
        }
    }

    /// Starts comparing the whole store with the catalog: listed on another
    /// thread, merged here in slices between events (see [`Worker::merge`]).
    /// One under way is dropped for this one, which starts from the beginning.
    fn reconcile(&mut self) {
        self.drop_survey();
        if !self.root_present() {
            return;
        }
        self.watch_refused_again();
        let root = match self.catalog.survey_root() {
            Ok(Some(root)) => root,
            // The root was replaced: everything is read again at once.
            Ok(None) => return self.reconcile_at_once(),
            Err(e) => {
                tracing::warn!("cannot reconcile {}: {e}", self.cfg.store.display());
                return;
            }
        };
        let (tx, survey) = (self.tx.clone(), self.surveys);
        let deliver = move |slice| tx.send(Msg::Slice { survey, slice }).is_ok();
        match Survey::start(root, self.cfg.watch.reconcile_files_per_sec, deliver) {
            Ok(listing) => {
                self.survey = Some(Reconciling {
                    listing,
                    found: Changes::default(),
                });
            }
            Err(e) => {
                tracing::warn!("cannot start listing the store for a reconciliation ({e}); comparing it at once");
                self.reconcile_at_once();
            }
        }
    }

    /// Compares one slice of the listing, taken at `now`, with the catalog,
    /// serves what it changed (which it returns), and ends the
    /// reconciliation after the last slice. A known file the slice lacks is
    /// held in the burst for one window (see [`Worker::hold_unlisted`]), not
    /// removed: the listing may have been taken while an editor moved it
    /// aside, before the rename's event came.
    fn merge(&mut self, slice: Slice, now: Instant) -> Changes {
        // The store root may have been closed or removed since the
        // reconciliation began (a `chmod 700` of the root refuses the root
        // itself, or every folder and file in it; an unmount loses them):
        // not the files' doing, so nothing of them leaves or is rejected;
        // the reconciliation is dropped (see [`Worker::root_present`]) and
        // the root left as a missing one is, until it can be read. Looked
        // at before each slice, not only one with a folder refused: a file
        // read after the close fails as the file's own error would.
        if !self.root_present() {
            return Changes::default();
        }
        let last = slice.through.is_none();
        let Merged { changes, unlisted } =
            self.leaving_held(|catalog, held| catalog.merge(slice, held));
        self.hold_unlisted(&unlisted, now);
        log_transitions(&changes, &self.cfg.store);
        self.publisher
            .update(&self.catalog, &changes, Scope::Changed);
        let Some(running) = self.survey.as_mut() else {
            return changes;
        };
        running.found.absorb(changes.clone());
        running.listing.merged();
        if last {
            if let Some(done) = self.survey.take() {
                reconciled(done.listing.elapsed(), &done.found);
            }
            if self.survey_again {
                self.reconcile();
            }
        }
        changes
    }

    /// Compares the whole store with the catalog here and now, re-reading what
    /// differs, with events waiting: for a replaced root. Publishes the changes.
    fn reconcile_at_once(&mut self) {
        if let Some(changes) = self.reconcile_now() {
            self.publisher
                .update(&self.catalog, &changes, Scope::Changed);
        }
    }

    /// What [`Worker::reconcile_at_once`] finds, logged and not yet
    /// published; `None` when the store cannot be read.
    fn reconcile_now(&mut self) -> Option<Changes> {
        self.drop_survey();
        let root = self.cfg.store.clone();
        if !self.root_present() {
            return None;
        }
        let started = Instant::now();
        match self.leaving_held(|catalog, held| catalog.reconcile(held)) {
            Ok(changes) => {
                log_transitions(&changes, &self.cfg.store);
                reconciled(started.elapsed(), &changes);
                Some(changes)
            }
            Err(e) => {
                tracing::warn!("cannot reconcile {}: {e}", root.display());
                None
            }
        }
    }

    /// Reads the whole store into a catalog that knows none of it, in place
    /// of the current one: after a reload moved the store, or changed how its
    /// files read (zone, size cap). What changed is counted against the
    /// articles served before, so the old store's articles leave (in the
    /// log, the counters and WebSub pings) as the new one's arrive. When the
    /// root is missing and the store did not move (`moved` false), the
    /// articles served are kept; `None` when a stop cut the read short.
    fn read_anew(&mut self, moved: bool) -> Option<Changes> {
        self.drop_survey();
        let fresh = Catalog::new(&self.cfg.store, self.cfg.max_file_size, self.cfg.tz);
        let mut before = std::mem::replace(&mut self.catalog, fresh);
        let root = self.cfg.store.clone();
        if !self.root_present() {
            if !moved {
                // Nothing to read: what was served stays so, as the health
                // check says, until the root is back (and read then).
                self.catalog = before;
                return Some(Changes::default());
            }
            return Some(Changes::between(
                &before.entries,
                &self.catalog.entries,
                Changes::default(),
            ));
        }
        // A file the burst holds is left to it: its version served before
        // stays, as a reconciliation leaves it.
        let stopping = self.stopping.clone();
        let mut carried = Vec::new();
        let read = self.leaving_held(|catalog, held| {
            let read = catalog.read_all_unless(&stopping, held);
            if matches!(read, Ok(Some(_))) {
                carried = catalog.keep_held(&mut before, held);
            }
            read
        });
        let read = match read {
            Ok(Some(read)) => read,
            Ok(None) => {
                // Stopping: what was served stays so until the end.
                self.catalog = before;
                return None;
            }
            Err(e) => {
                tracing::warn!("cannot read {}: {e}", root.display());
                Changes::default()
            }
        };
        // Said and counted as any refresh's changes are: what differs from
        // the catalog replaced, not every rejected file or warning again.
        let changes = self.catalog.changes_since(&before, read, &carried);
        log_transitions(&changes, &self.cfg.store);
        Some(changes)
    }

    /// Applies a new configuration to the store and feeds (`app` applies
    /// `listen` and `[http]`, which belong to the server), and renders
    /// everything once with it.
    fn reload(&mut self, cfg: Config) {
        let store_moved = cfg.store != self.cfg.store;
        let reads_differently =
            cfg.tz != self.cfg.tz || cfg.max_file_size != self.cfg.max_file_size;
        self.publisher.set_config(cfg);
        self.cfg = self.publisher.config().clone();
        if store_moved {
            self.attach(Watcher::Native);
        }
        // Every article may differ: read them all, from the folder now named.
        // Otherwise the catalog is what the watcher made it, and the store is
        // compared as every `reconcile_secs` is, listed on another thread
        // and merged between events: a reload holds up no event for a
        // listing of the whole store.
        let read_anew = store_moved || reads_differently;
        let changes = if read_anew {
            match self.read_anew(store_moved) {
                Some(changes) => changes,
                None => {
                    tracing::info!(
                        "stopping: the reload's read of the store was cut short; \
                         the last snapshot is served until the stop"
                    );
                    return;
                }
            }
        } else {
            Changes::default()
        };
        self.publisher
            .update(&self.catalog, &changes, Scope::Everything);
        if !read_anew {
            self.reconcile();
        }
        self.publisher.warn_unknown_categories();
        if let Some(warning) = self.cfg.websub_base_url_warning() {
            tracing::warn!("{warning}");
        }
        if let Some(warning) = crate::websub::network_warning(&self.cfg.websub) {
            tracing::warn!("{warning}");
        }
        tracing::info!("configuration reloaded");
    }
}

/// `subs` (paths to re-read, in path order) with those where nothing is now
/// (as `present` says) first, each part in path order. A rename is two paths
/// in one burst, and re-reading the new name first would find the old one
/// still giving its article id and reject the file as a duplicate
/// (`mv x.txt x.md`; a name changed from NFC to NFD sorts before the old one),
/// only to serve it a moment later: a false rejection in the log and the
/// counter. Forgetting what has left first frees the id for the new name.
fn removals_first(subs: Vec<PathBuf>, present: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let (there, gone): (Vec<PathBuf>, Vec<PathBuf>) = subs.into_iter().partition(|p| present(p));
    gone.into_iter().chain(there).collect()
}

/// A watcher of `root` with `kind`, sending its events to `tx`, and the
/// identity of the folder it follows; a native watcher that cannot start falls
/// back to polling, with the reason in the log.
fn attach(
    root: &std::path::Path,
    tx: &Sender<Msg>,
    kind: Watcher,
) -> (Option<Attached>, Option<(u64, u64)>) {
    // Taken before watching starts, so a swap during setup is still noticed.
    let watched = folder_identity(root);
    if !root.is_dir() {
        tracing::warn!(
            "store root {} is missing; serving the last good state until it reappears",
            root.display()
        );
        return (None, watched);
    }
    let tx = tx.clone();
    let handler = move |r: notify::Result<notify::Event>| {
        let _ = tx.send(Msg::Fs(r));
    };
    if kind == Watcher::Native {
        match RecommendedWatcher::new(handler.clone(), watcher_config())
            .and_then(|mut d| watch_folders(&mut d, root).map(|refused| (d, refused)))
        {
            Ok((watcher, refused)) => {
                return (Some(Attached::Native { watcher, refused }), watched);
            }
            Err(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) => {
                warn_watch_limit(root);
            }
            Err(e) => {
                tracing::warn!(
                    "cannot watch {} natively: {e}; polling it every 2 s instead",
                    root.display()
                );
            }
        }
    } else {
        warn_watch_limit(root);
    }
    let config = watcher_config().with_poll_interval(Duration::from_secs(2));
    match PollWatcher::new(handler, config)
        .and_then(|mut d| d.watch(root, RecursiveMode::Recursive).map(|()| d))
    {
        Ok(d) => (Some(Attached::Poll { _running: d }), watched),
        Err(e) => {
            tracing::error!(
                "cannot poll {} either: {e}; only periodic reconciliation will see changes",
                root.display()
            );
            (None, watched)
        }
    }
}

/// Watches `root` and every folder below it, each on its own, never following
/// a link. A recursive watch does the same, but finds the folders by stating
/// every entry of the tree: a million calls for a million-article store, made
/// while the first scan needs the cores. A folder's type comes with its listing
/// here, so only folders are looked at. A folder made (or moved in) later is
/// watched when its event arrives ([`Worker::watch_new_folder`]). A root that
/// cannot be watched is an error (polling takes over); a folder below it that
/// may not be read is noted in the returned [`Refused`] instead.
fn watch_folders(w: &mut RecommendedWatcher, root: &Path) -> notify::Result<Refused> {
    w.watch(root, RecursiveMode::NonRecursive)?;
    let mut refused = Refused::default();
    watch_tree(w, root, Top::Watched, &mut refused)?;
    Ok(refused)
}

/// Watches the folder `top` (as `how` says) and every folder below it, each
/// on its own, never following a link. A folder the platform refuses for want
/// of permission is noted in `refused` and skipped, with everything below it,
/// rather than failing the whole tree: one private folder must not cost the
/// store its native watching. Any other refusal (the platform's watch limit)
/// is returned.
fn watch_tree(
    w: &mut RecommendedWatcher,
    top: &Path,
    how: Top,
    refused: &mut Refused,
) -> notify::Result<()> {
    let min_depth = match how {
        Top::ToWatch => 0,
        Top::Watched => 1,
    };
    let mut walk = walkdir::WalkDir::new(top)
        .min_depth(min_depth)
        .follow_links(false)
        .into_iter();
    while let Some(entry) = walk.next() {
        // A folder that cannot be listed is skipped here; its watch was
        // refused already, or the listing's refusal reports it.
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_dir() {
            continue;
        }
        match w.watch(entry.path(), RecursiveMode::NonRecursive) {
            Ok(()) => {}
            // Removed since it was listed: its parent's event says so.
            Err(e) if matches!(e.kind, notify::ErrorKind::PathNotFound) => walk.skip_current_dir(),
            Err(e) if denied(&e) => {
                tracing::debug!(
                    "not watching {}: {e}; tried again when it changes",
                    printable_path(entry.path())
                );
                walk.skip_current_dir();
                refused.0.insert(entry.into_path());
            }
            // A path past the system's limit (a crawler's runaway nesting):
            // left to reconciliations (nothing below is served unless the
            // store's own path is long), and a rename that shortens it is an
            // event of a folder above, watched anew.
            Err(e) if too_long(&e) => {
                tracing::warn!(
                    "not watching {} or what is below it: {e}; reconciliations find changes there",
                    printable_path(entry.path())
                );
                walk.skip_current_dir();
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether the platform refused a watch for a path too long (ENAMETOOLONG).
fn too_long(e: &notify::Error) -> bool {
    matches!(&e.kind, notify::ErrorKind::Io(io)
        if rustix::io::Errno::from_io_error(io) == Some(rustix::io::Errno::NAMETOOLONG))
}

/// Whether the platform refused a watch for want of permission: inotify needs
/// read permission on the folder, as listing it does.
fn denied(e: &notify::Error) -> bool {
    matches!(&e.kind, notify::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied)
}

/// Watches `folder`, refused before (and taken out of `refused`), with what
/// is below it; still refused, it is noted again, silently: the listing's
/// refusal has said so once. One gone is forgotten.
fn watch_again(w: &mut RecommendedWatcher, folder: &Path, refused: &mut Refused) {
    if !std::fs::symlink_metadata(folder).is_ok_and(|m| m.is_dir()) {
        return;
    }
    match watch_tree(w, folder, Top::ToWatch, refused) {
        Ok(()) if !refused.0.contains(folder) => {
            tracing::info!("watching {}: it may be read now", printable_path(folder));
        }
        Ok(()) => {}
        Err(e) => tracing::warn!(
            "cannot watch {}: {e}; the next reconciliation reads it",
            printable_path(folder)
        ),
    }
}

/// Records a finished reconciliation, which took `elapsed` and found `changes`.
fn reconciled(elapsed: Duration, changes: &Changes) {
    metrics::histogram!("bantin_reconcile_seconds").record(elapsed.as_secs_f64());
    // A rejected file read again as it was (touched) is no change; one
    // rejected anew, served again or gone is.
    if changes.any() || !changes.transitions.is_empty() {
        tracing::info!(
            added = changes.added,
            changed = changes.changed,
            removed = changes.removed,
            rejected = changes.newly_rejected(),
            "reconciliation found changes the watcher missed"
        );
    } else {
        tracing::debug!(ms = elapsed.as_millis() as u64, "reconciled: no changes");
    }
    metrics::gauge!("bantin_last_reconcile_timestamp_seconds").set(unix_now());
}

/// Says in the log how files' standing changed and what the files added
/// or edited warn of (see [`crate::publish::log_standing`] and
/// [`crate::publish::log_warned`]), as changes: a reload that reads the
/// whole store anew says only what differs from before, as any refresh does.
fn log_transitions(changes: &Changes, store: &Path) {
    crate::publish::log_standing(&changes.transitions, Occasion::Change, store);
    crate::publish::log_warned(&changes.warned, Occasion::Change, store);
}

/// The watcher's settings. Folder symlinks are never followed: a recursive watch
/// that followed them would watch folders outside the store and report their
/// files as if they were in it. (The store boundary refuses such paths anyway;
/// this keeps their events, and the watches they cost, away.)
fn watcher_config() -> notify::Config {
    notify::Config::default().with_follow_symlinks(false)
}

/// Whether an event can mean the store's contents changed. Opening or reading a
/// file does not; and this thread's own reads open every file it re-examines, so
/// reacting to opens would re-read the same files over and over. Closing a file
/// written to does: the writer has finished.
fn changes_content(kind: &notify::EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode, EventKind};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::Published;
    use crate::site::Compressor;
    use crate::state::StateFile;

    /// A rename's old name (gone) is re-read before its new one, whatever
    /// their order by path, so the id it frees is free when the new name claims it.
    #[test]
    fn paths_where_nothing_is_now_are_re_read_first() {
        let subs: Vec<PathBuf> = ["s/a/x.md", "s/a/x.txt", "s/b", "s/c.txt"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let gone = [Path::new("s/a/x.txt"), Path::new("s/c.txt")];
        let ordered = removals_first(subs, |p| !gone.contains(&p));
        let expected: Vec<PathBuf> = ["s/a/x.txt", "s/c.txt", "s/a/x.md", "s/b"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(ordered, expected);
    }

    #[tokio::test]
    async fn a_thread_that_panics_is_heard_to_have_ended_so() {
        let (thread, ended) = spawn_reporting_end("bantin-test-dies", || {
            panic!("the watcher's bug");
        })
        .unwrap();
        assert_eq!(ended.wait().await, End::Panicked);
        assert!(thread.join().is_err());
        let (thread, ended) = spawn_reporting_end("bantin-test-returns", || {}).unwrap();
        assert_eq!(ended.wait().await, End::Returned);
        thread.join().unwrap();
    }

    /// The settle window of [`serving_worker`]'s configuration.
    const QUIET: Duration = Duration::from_millis(50);

    /// An article of the store, titled `title`.
    fn article(title: &str) -> String {
        format!("Trang nhất » Tin tức\n{title}\n10/05/2020 15:33\nDẫn.\n")
    }

    /// A watch thread's worker serving the store `dir/store`, which holds
    /// `tin-tuc/x.txt` and `tin-tuc/y.txt`, with a settle window of
    /// [`QUIET`] and no watcher: the test plays the watcher, handing it
    /// events and slices in the order it chooses, with the times it chooses.
    fn serving_worker(dir: &Path) -> Worker {
        let store = dir.join("store");
        std::fs::create_dir_all(store.join("tin-tuc")).unwrap();
        std::fs::write(store.join("tin-tuc/x.txt"), article("Bài x")).unwrap();
        std::fs::write(store.join("tin-tuc/y.txt"), article("Bài y")).unwrap();
        let text = format!(
            "store = {:?}\nlisten = \"127.0.0.1:0\"\n[state]\ndir = {:?}\n[watch]\ndebounce_ms = {}\n",
            store,
            dir.join("state"),
            QUIET.as_millis()
        );
        let cfg = Arc::new(Config::from_toml(&text, None).unwrap());
        let (state, _) = StateFile::open(&cfg.state_dir, std::time::SystemTime::now());
        let publisher = Publisher::new(
            cfg.clone(),
            Arc::new(Published::default()),
            Compressor::start().unwrap(),
            state,
        );
        let catalog = Catalog::scan(&cfg.store, cfg.max_file_size, cfg.tz).unwrap();
        let index = Arc::new(crate::index::Index::new(catalog.entries.clone()));
        let site = crate::publish::render(&cfg, index, crate::site::Validators::default());
        publisher.serve(site, &catalog);
        let (tx, _) = mpsc::channel();
        Worker {
            catalog,
            attaching: false,
            ..Worker::new(publisher, tx)
        }
    }

    /// The whole store listed, as a reconciliation's listing thread lists it.
    fn listing(w: &mut Worker) -> Vec<Slice> {
        let root = w.catalog.survey_root().unwrap().unwrap();
        crate::reconcile::slices(&root, crate::reconcile::SLICE, 0).collect()
    }

    /// What merging `slices` at `now` changed.
    fn merge_all(w: &mut Worker, slices: Vec<Slice>, now: Instant) -> Changes {
        let mut found = Changes::default();
        for slice in slices {
            found.absorb(w.merge(slice, now));
        }
        found
    }

    /// The title the worker's catalog serves for `id`, if any.
    fn title(w: &Worker, id: &str) -> Option<String> {
        w.catalog.entries.get(id).map(|e| e.article.title.clone())
    }

    fn event(kind: notify::EventKind, paths: &[&Path]) -> notify::Event {
        paths
            .iter()
            .fold(notify::Event::new(kind), |e, p| e.add_path(p.to_path_buf()))
    }

    /// A reconciliation under way when the store root goes (here removed,
    /// which works as root too; a root closed to bantin takes the same
    /// path): its slices are not merged, so no file is removed, re-read or
    /// rejected for the root's absence, and the reconciliation is dropped.
    #[test]
    fn a_reconciliation_under_way_when_the_root_goes_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = serving_worker(dir.path());
        let store = dir.path().join("store");
        // A file the listing finds changed is re-read by the merge.
        std::fs::write(store.join("tin-tuc/x.txt"), article("Bài x sửa lại")).unwrap();
        let slices = listing(&mut w);
        w.survey_again = true;
        std::fs::remove_dir_all(&store).unwrap();
        let found = merge_all(&mut w, slices, Instant::now());
        assert!(!found.any(), "{found:?}");
        assert_eq!(title(&w, "tin-tuc/x").as_deref(), Some("Bài x"));
        assert_eq!(title(&w, "tin-tuc/y").as_deref(), Some("Bài y"));
        assert_eq!(w.catalog.rejected_count(), 0);
        assert_eq!(w.root_gone, Some(RootGone::Missing));
        assert!(!w.survey_again, "dropped with the reconciliation");
        assert!(!w.burst.holds_any(), "nothing held to be removed later");
    }

    /// The race a reconciliation ran into: it lists the folder in the
    /// instant an editor has moved `x.txt` aside (`x.txt~`), and its slice
    /// reaches the watch thread before the rename's event does. The slice
    /// lacking the file is not its removal: the rename's event, then the new
    /// version's, come within the window, and the save is one change.
    #[test]
    fn a_slice_listed_while_a_file_is_moved_aside_is_one_change_not_a_removal() {
        use notify::event::{
            AccessKind, AccessMode, CreateKind, DataChange, EventKind, ModifyKind, RenameMode,
        };
        let dir = tempfile::tempdir().unwrap();
        let mut w = serving_worker(dir.path());
        let folder = dir.path().join("store/tin-tuc");
        let (file, backup) = (folder.join("x.txt"), folder.join("x.txt~"));
        std::fs::rename(&file, &backup).unwrap();
        let slices = listing(&mut w);
        let t0 = Instant::now();
        let mut found = merge_all(&mut w, slices, t0);
        assert!(!found.any(), "{found:?}");
        assert_eq!(
            title(&w, "tin-tuc/x").as_deref(),
            Some("Bài x"),
            "still served"
        );
        assert!(w.burst.holds(&file), "left to the watcher for a window");

        // The rename's event comes, then the new version is written and closed.
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        w.take(event(renamed, &[&file, &backup]), t0);
        std::fs::write(&file, article("Bài x sửa lại")).unwrap();
        let t1 = t0 + QUIET / 2;
        w.take(event(EventKind::Create(CreateKind::File), &[&file]), t1);
        let written = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        w.take(event(written, &[&file]), t1);
        let closed = EventKind::Access(AccessKind::Close(AccessMode::Write));
        w.take(event(closed, &[&file]), t1);
        found.absorb(w.refresh_burst(t0 + QUIET));
        assert_eq!(
            title(&w, "tin-tuc/x").as_deref(),
            Some("Bài x"),
            "not yet read"
        );
        found.absorb(w.refresh_burst(t1 + QUIET));
        assert_eq!(
            (found.added, found.changed, found.removed),
            (0, 1, 0),
            "{found:?}"
        );
        assert_eq!(title(&w, "tin-tuc/x").as_deref(), Some("Bài x sửa lại"));
        assert!(!w.burst.holds_any());

        // Written anew with no event seen at all (a watcher that lost it):
        // read when the window ends, one change too.
        std::fs::rename(&file, &backup).unwrap();
        let slices = listing(&mut w);
        let t2 = t1 + QUIET * 4;
        let mut found = merge_all(&mut w, slices, t2);
        std::fs::write(&file, article("Bài x lần ba")).unwrap();
        found.absorb(w.refresh_burst(t2 + QUIET));
        assert_eq!(
            (found.added, found.changed, found.removed),
            (0, 1, 0),
            "{found:?}"
        );
        assert_eq!(title(&w, "tin-tuc/x").as_deref(), Some("Bài x lần ba"));

        // Moved aside and back, unchanged: nothing at all.
        std::fs::rename(&file, &backup).unwrap();
        let slices = listing(&mut w);
        std::fs::rename(&backup, &file).unwrap();
        let t3 = t2 + QUIET * 4;
        let mut found = w.refresh_burst(t3);
        found.absorb(merge_all(&mut w, slices, t3));
        found.absorb(w.refresh_burst(t3 + QUIET));
        assert!(!found.any(), "{found:?}");
        assert_eq!(title(&w, "tin-tuc/x").as_deref(), Some("Bài x lần ba"));
    }

    /// A file a reconciliation's slice lacks and that stays gone (its event
    /// lost) leaves one window later, not before.
    #[test]
    fn a_file_a_slice_lacks_that_stays_gone_leaves_after_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = serving_worker(dir.path());
        std::fs::remove_file(dir.path().join("store/tin-tuc/x.txt")).unwrap();
        let slices = listing(&mut w);
        let t0 = Instant::now();
        let mut found = merge_all(&mut w, slices, t0);
        assert!(!found.any(), "{found:?}");
        assert_eq!(w.burst.due(QUIET), Some(t0 + QUIET), "bounded: one window");
        found.absorb(w.refresh_burst(t0 + QUIET / 2));
        assert!(!found.any(), "{found:?}");
        assert!(
            title(&w, "tin-tuc/x").is_some(),
            "served through the window"
        );
        found.absorb(w.refresh_burst(t0 + QUIET));
        assert_eq!(
            (found.added, found.changed, found.removed),
            (0, 0, 1),
            "{found:?}"
        );
        assert_eq!(found.ids, BTreeSet::from(["tin-tuc/x".to_owned()]));
        assert!(title(&w, "tin-tuc/x").is_none());
        assert!(title(&w, "tin-tuc/y").is_some());
        assert!(!w.burst.holds_any());
    }

    /// The first snapshot is served without waiting for the watcher (it
    /// attaches on a thread of its own), and a file made after the scan, before
    /// the snapshot is served, is still found: by the reconciliation that
    /// follows the attach, or by an event if the watcher was attached by then.
    #[test]
    fn the_first_snapshot_is_served_at_once_and_a_change_after_the_scan_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        std::fs::create_dir_all(store.join("tin-tuc")).unwrap();
        let text = format!(
            "store = {:?}\nlisten = \"127.0.0.1:0\"\n[state]\ndir = {:?}\n",
            store,
            dir.path().join("state")
        );
        let cfg = Arc::new(Config::from_toml(&text, None).unwrap());
        let published = Arc::new(Published::default());
        let (state, _) = StateFile::open(&cfg.state_dir, std::time::SystemTime::now());
        let publisher = Publisher::new(
            cfg.clone(),
            published.clone(),
            Compressor::start().unwrap(),
            state,
        );
        let catalog = Catalog::scan(&cfg.store, cfg.max_file_size, cfg.tz).unwrap();
        let index = Arc::new(crate::index::Index::new(catalog.entries.clone()));
        let site = crate::publish::render(&cfg, index, crate::site::Validators::default());
        let watch = start(publisher).unwrap();
        // Made after the scan, while the watcher may still be attaching: an
        // event may or may not tell of it.
        std::fs::write(
            store.join("tin-tuc/moi.txt"),
            "Trang nhất » Tin tức\nBài mới\n10/05/2020 15:33\nDẫn.\n",
        )
        .unwrap();
        let handle = watch.begin(site, catalog);
        assert!(published.load().is_some(), "served once begun");
        let deadline = Instant::now() + Duration::from_secs(20);
        let served = || {
            published
                .load()
                .as_ref()
                .is_some_and(|s| s.site.index.entries().contains_key("tin-tuc/moi"))
        };
        while !served() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let found = served();
        handle.stop();
        assert!(
            found,
            "the file made before the watcher attached is not served"
        );
    }
}
