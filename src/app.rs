//! Lifecycle wiring: config → first full scan → bind → serve → drain on a signal.
//! The only module that knows all the others.

use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::index::{Entries, Index};
use crate::publish::{self, Published, Publisher};
use crate::server::{self, Limits, State};
use crate::site::{Compressor, Site, Validators};
use crate::state::StateFile;
use crate::systemd;
use crate::watch::{End, Ended};

/// The store as first loaded: the catalog it was read into and the site rendered from it.
pub struct Loaded {
    /// Which file gave which article.
    pub catalog: Catalog,
    /// Every resource, rendered.
    pub site: Site,
}

/// Scans the store, then indexes and renders it (with no memory of earlier
/// validators: for `bantin build`, which sends none).
pub fn load(cfg: &Config) -> anyhow::Result<Loaded> {
    load_pruned(cfg, |_| {})
}

/// [`load`], with `prune` taking articles out of the scanned catalog's
/// entries before they are indexed: what is rendered (feeds, listings,
/// sitemaps) then never links them. For `bantin build`, which leaves out
/// the articles it cannot write a page for.
pub fn load_pruned(cfg: &Config, prune: impl FnOnce(&mut Entries)) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let mut catalog = scan(cfg)?;
    prune(&mut catalog.entries);
    let site = index_and_render(cfg, &catalog, started.elapsed(), Validators::default());
    Ok(Loaded { catalog, site })
}

/// The first phase of a load: every file of the store read and parsed.
fn scan(cfg: &Config) -> anyhow::Result<Catalog> {
    publish::scan(cfg).with_context(|| format!("cannot read the store {}", cfg.store.display()))
}

/// The second phase: the index built and every resource rendered, dated after
/// `resume`, with a log line that gives each phase's time (`scanned` is how
/// long the scan took).
fn index_and_render(
    cfg: &Config,
    catalog: &Catalog,
    scanned: Duration,
    resume: Validators,
) -> Site {
    let started = Instant::now();
    let index = Arc::new(Index::new(catalog.entries.clone()));
    let indexed = started.elapsed();
    let site = publish::render(cfg, index, resume);
    cfg.warn_unknown_categories(site.index.categories().keys().map(String::as_str));
    tracing::info!(
        articles = catalog.entries.len(),
        rejected = catalog.rejected_count(),
        feeds = site.index.categories().len() + 1,
        scan_ms = scanned.as_millis() as u64,
        index_ms = indexed.as_millis() as u64,
        render_ms = (started.elapsed() - indexed).as_millis() as u64,
        "store loaded from {}",
        cfg.store.display()
    );
    site
}

/// Waits until the clock reaches `floor` (whole seconds since the epoch), at
/// most a second after start: changes are dated at or after it (see
/// [`Validators`]), and the first snapshot served with no date ahead of the
/// clock sends the same `Last-Modified` for the same bytes from its first
/// response on. A store that takes a second to load never waits.
async fn dates_reached(floor: u64) {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(floor);
    if let Ok(ahead) = at.duration_since(SystemTime::now()) {
        tokio::time::sleep(ahead.min(Duration::from_secs(1))).await;
    }
}

/// Re-reads the configuration on SIGHUP (with the command line's overrides).
pub type Reloader = Box<dyn Fn() -> Result<Config, crate::config::ConfigError> + Send + Sync>;

/// Runs the daemon until SIGTERM or SIGINT; SIGHUP reloads the configuration.
pub async fn serve(mut cfg: Config, reload: Reloader) -> anyhow::Result<()> {
    // Before anything slow: until a handler is installed, SIGHUP and SIGTERM
    // kill the process with no log line (and an exit that systemd does not
    // restart), and start-up takes seconds on a large store.
    let Signals { hup, term, int } =
        Signals::install().context("cannot install signal handlers")?;
    let shutdown = shutdown_signal(term, int);
    tokio::pin!(shutdown);
    let metrics = crate::metric_families::install(server::request_metrics::usual_series());
    config_in_force();
    let published = Arc::new(Published::default());
    let state = Arc::new(State::new(published.clone(), metrics));
    state.apply_http(&cfg.http);
    tracing::info!("bantin {}", crate::BUILD);
    match &cfg.path {
        // Resolved, so the line names one file whatever folder bantin was
        // started from (`--config c.toml` in a shell, a unit's WorkingDirectory=).
        Some(file) => tracing::info!(
            "configuration: {}",
            std::path::absolute(file)
                .unwrap_or_else(|_| file.clone())
                .display()
        ),
        None => tracing::info!("configuration: the built-in defaults (no file found)"),
    }
    if let Some(warning) = cfg.websub_base_url_warning() {
        tracing::warn!("{warning}");
    }
    if let Some(warning) = crate::websub::network_warning(&cfg.websub) {
        tracing::warn!("{warning}");
    }
    let open_files = crate::open_files::raise();
    match open_files.refused {
        None => tracing::info!("{open_files}"),
        Some(_) => tracing::warn!("{open_files}"),
    }
    size_copies(open_files.now, cfg.http.max_connections, &cfg);
    log_body_dir(&cfg);
    // Bound before the store is read, so a port in use fails in
    // milliseconds, not after a scan of minutes. Connections made meanwhile
    // wait in the listen queue, as they do in systemd's socket, and are
    // answered once the first snapshot is served: `listening on` (which
    // scripts and tests wait for) is said then.
    let (listener, socket) = bind(&cfg)?;
    if let Some(base) = cfg.listened_at(socket.addr()) {
        tracing::info!("no config file: [site] base_url is {base}, where bantin listens");
    }
    let cfg = Arc::new(cfg);
    tracing::info!("loading the store {}", cfg.store.display());
    let Some((mut watcher, hup)) =
        start_up(cfg.clone(), published.clone(), hup, shutdown.as_mut()).await?
    else {
        // The scan may still be running on a blocking thread: `main` does not
        // wait for it.
        tracing::info!("stopped before serving");
        return Ok(());
    };
    announce(listener.local_addr()?);
    let (limits, limits_rx) = tokio::sync::watch::channel(Limits::from_config(&cfg));
    let drain = limits_rx.clone();
    tokio::spawn(reload_on_hangup(
        hup,
        reload,
        Reloading {
            watch: watcher.sender(),
            published: published.clone(),
            state: state.clone(),
            limits,
            socket,
            listen: cfg.listen,
            state_dir: StateDirs {
                in_use: cfg.state_dir.clone(),
                configured: cfg.state_dir.clone(),
            },
            open_files: open_files.now,
            connections: cfg.http.max_connections,
        },
    ));
    systemd::ready(&status_line(&published));
    systemd::spawn_watchdog(published);
    let ended = watcher.ended();
    let mut stop = Stop::Signal;
    // What keeps asking systemd for the drain's time, once it begins.
    let mut extending = None;
    let stopping = async {
        stop = until_stopped(shutdown, ended.map(Ended::wait)).await;
        if stop == Stop::WatcherEnded {
            tracing::error!(
                "live updates stopped: the store watcher thread ended (see the panic above); \
                 serving a frozen snapshot would hide it, so bantin drains its connections and \
                 exits with status 1 (under systemd, Restart=on-failure starts it again)"
            );
            systemd::stopping();
        }
        // The drain takes the grace period in force now (a reload may
        // have changed it): systemd is told to wait for it, for as long as
        // it lasts.
        extending = systemd::extend_stop(drain.borrow().grace);
    };
    server::run(listener, state, limits_rx, stopping).await;
    after_drain(extending, move || watcher.stop()).await?;
    if stop == Stop::WatcherEnded {
        anyhow::bail!("stopped because live updates stopped (the store watcher thread ended)");
    }
    tracing::info!("stopped");
    Ok(())
}

/// The stop once the drain is over. First systemd is asked for no more
/// time: `extending`, what renews the stop's extensions, is dropped, so the
/// rest has the last extension asked (at most 40 s), and a watch thread
/// that does not stop (a hung mount) is killed then, not kept for the rest
/// of the grace. Then the watch thread finishes what it is reading and stops
/// (`stop_watcher`): nothing is published into a server that has gone.
async fn after_drain<E>(
    extending: Option<E>,
    stop_watcher: impl FnOnce() + Send + 'static,
) -> Result<(), tokio::task::JoinError> {
    drop(extending);
    tokio::task::spawn_blocking(stop_watcher).await
}

/// Why serving stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// SIGTERM or SIGINT: a clean stop.
    Signal,
    /// The watch thread ended while serving: only a panic ends it then (it
    /// stops when told to, after serving), and a daemon whose files are no
    /// longer followed must not go on looking healthy.
    WatcherEnded,
}

/// Completes when `shutdown` does, or when `watcher` (the watch thread's end,
/// if it can be heard) does, saying which.
async fn until_stopped(
    shutdown: impl std::future::Future<Output = ()>,
    watcher: Option<impl std::future::Future<Output = End>>,
) -> Stop {
    let watcher = async {
        match watcher {
            Some(end) => end.await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = shutdown => Stop::Signal,
        _ = watcher => Stop::WatcherEnded,
    }
}

/// A SIGHUP received while starting up, to act on once serving starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// None came.
    Nothing,
    /// At least one came: the configuration is re-read first thing.
    Reload,
}

/// Loads the store and hands the first snapshot to the watch thread, while
/// listening for signals: `None` if SIGTERM or SIGINT came first (what was
/// begun is dropped), else the running watch thread and SIGHUP's stream, with
/// whether one came meanwhile.
async fn start_up(
    cfg: Arc<Config>,
    published: Arc<Published>,
    mut hup: Signal,
    mut shutdown: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> anyhow::Result<Option<(crate::watch::Handle, Hangups)>> {
    let loading = load_and_begin(cfg, published);
    tokio::pin!(loading);
    let _extending =
        tokio_util::task::AbortOnDropHandle::new(tokio::spawn(systemd::extend_while_loading()));
    let mut pending = Pending::Nothing;
    loop {
        tokio::select! {
            handle = loading.as_mut() => return Ok(Some((handle?, Hangups { hup, pending }))),
            // Several while starting make one reload.
            Some(()) = hup.recv() => {
                if pending == Pending::Nothing {
                    tracing::info!(
                        "SIGHUP while starting: the configuration is re-read once serving starts"
                    );
                }
                pending = Pending::Reload;
            }
            () = shutdown.as_mut() => return Ok(None),
        }
    }
}

/// The start-up phases: the scan, the watch thread's start, the index and the
/// first render, handed to the watch thread to serve.
async fn load_and_begin(
    cfg: Arc<Config>,
    published: Arc<Published>,
) -> anyhow::Result<crate::watch::Handle> {
    let compressor = Compressor::start().context("cannot start the compression thread")?;
    let (state_file, resume) = StateFile::open(&cfg.state_dir, SystemTime::now());
    let mut publisher = Publisher::new(cfg.clone(), published, compressor, state_file);
    // Read whether or not WebSub is on, and discarded once the first
    // snapshot is served: a record left while it was off would hide the
    // changes made since, were it trusted later.
    let last_run = crate::websub::record::LastRun {
        record: crate::websub::record::read(&cfg.state_dir),
        remembered: resume.by_path.clone(),
    };
    publisher.set_pinger(crate::websub::Pinger::start(&cfg.websub), last_run);
    let started = Instant::now();
    let catalog = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || scan(&cfg)).await??
    };
    let scanned = started.elapsed();
    // The watcher attaches while the index and the first render are made (it
    // walks the whole tree: seconds at a million files), and readiness never
    // waits for it; once attached, the watch thread reconciles, which catches
    // whatever changed since the scan (see `watch::start`).
    let watch = crate::watch::start(publisher).context("cannot start the store watcher thread")?;
    let (site, catalog) = tokio::task::spawn_blocking(move || {
        let site = index_and_render(&cfg, &catalog, scanned, resume);
        (site, catalog)
    })
    .await?;
    dates_reached(site.validators().floor).await;
    Ok(tokio::task::spawn_blocking(move || watch.begin(site, catalog)).await?)
}

/// Where the listening socket came from, which decides what moves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Socket {
    /// Bound by bantin from `listen`: a restart moves it.
    Bound(SocketAddr),
    /// Passed by systemd (socket activation): `ListenStream=` in
    /// `bantin.socket` decides it, and `listen` is not used.
    Inherited(SocketAddr),
}

impl Socket {
    /// The address it listens on.
    fn addr(self) -> SocketAddr {
        match self {
            Socket::Bound(addr) | Socket::Inherited(addr) => addr,
        }
    }
}

/// The socket systemd passed, else one bound on `listen`; the start-up log
/// says which, and that `listen` is not used when systemd's socket is.
fn bind(cfg: &Config) -> anyhow::Result<(TcpListener, Socket)> {
    let inherited = systemd::inherited_listener()
        .context("cannot use the socket systemd passed (LISTEN_FDS)")?;
    let Some(std_listener) = inherited else {
        let listener = listen(cfg.listen).map_err(|e| CannotListen {
            message: cannot_listen(cfg.listen, &cfg.listen_setting(), &e),
            config: e.kind() == std::io::ErrorKind::PermissionDenied,
        })?;
        let addr = listener.local_addr()?;
        return Ok((listener, Socket::Bound(addr)));
    };
    std_listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(std_listener)?;
    let addr = listener.local_addr()?;
    tracing::info!("serving the socket systemd passed (socket activation): {addr}");
    if let Some(note) = unused_listen(Socket::Inherited(addr), cfg.listen) {
        tracing::info!("{note}");
    }
    Ok((listener, Socket::Inherited(addr)))
}

/// The socket cannot be bound on `listen`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CannotListen {
    message: String,
    /// Whether only a change of the configuration helps: a port below 1024
    /// without the privilege to bind it (exit 64, which the unit does not
    /// restart, as for any bad configuration). A port in use, or an address
    /// not (yet) on this machine, may come free: a runtime failure (exit 1).
    pub config: bool,
}

/// Why bantin cannot listen on `addr` (set by `setting`), and what to do.
fn cannot_listen(addr: SocketAddr, setting: &str, err: &std::io::Error) -> String {
    let what_to_do = match err.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "another process listens there: stop it (`ss -ltnp 'sport = :{}'` shows which), \
             or change `listen`",
            addr.port()
        ),
        std::io::ErrorKind::AddrNotAvailable => {
            "no interface of this machine has that address: change `listen`".to_owned()
        }
        std::io::ErrorKind::PermissionDenied => {
            "a port below 1024 needs privileges: use a higher port (and a reverse proxy or \
             bantin.socket in front), or change `listen`"
                .to_owned()
        }
        _ => "change `listen`".to_owned(),
    };
    format!("cannot listen on {addr} ({setting}): {err}; {what_to_do}")
}

/// What to tell an admin whose `listen` names another address than the
/// socket systemd passed: it is not used.
fn unused_listen(socket: Socket, listen: SocketAddr) -> Option<String> {
    match socket {
        Socket::Inherited(addr) if addr != listen => Some(format!(
            "`listen` ({listen}) is not used under socket activation: `ListenStream=` in bantin.socket decides the address ({addr})"
        )),
        _ => None,
    }
}

/// What to tell an admin who changed `listen` from `old` to `new` and
/// reloaded: the socket stays where it is, and what would move it. Back to
/// where the socket is, or to what it was, is no change to make.
fn listen_changed(socket: Socket, old: SocketAddr, new: SocketAddr) -> Option<String> {
    let (Socket::Bound(at) | Socket::Inherited(at)) = socket;
    if old == new || at == new {
        return None;
    }
    Some(match socket {
        Socket::Bound(addr) => {
            format!("`listen` changed to {new}; restart bantin to move the socket (still on {addr})")
        }
        Socket::Inherited(addr) => format!(
            "`listen` changed to {new}, but it is not used under socket activation: still on {addr}, the socket systemd passed; change `ListenStream=` in bantin.socket to move it"
        ),
    })
}

/// What to tell an admin who changed the state folder (`[state] dir`) to
/// `new` and reloaded, as for `listen` (see [`listen_changed`]): the state file
/// was opened at start and stays where it is until a restart.
fn state_dir_changed(dirs: &StateDirs, new: &Path) -> Option<String> {
    // Back to the folder in use is no change to make.
    (dirs.configured != new && dirs.in_use != new).then(|| {
        format!(
            "`[state] dir` changed to {}; restart bantin to move the state folder \
             (validators are still kept in {})",
            new.display(),
            dirs.in_use.display()
        )
    })
}

/// Connections the kernel queues for the accept loop, as `Backlog=` in
/// `bantin.socket`. The default of `TcpListener::bind` (128) is shorter than a
/// burst from one rude client: a full queue drops the next client's SYN, and
/// its retransmission comes a second or more later (RFC 6298 §2).
const BACKLOG: u32 = 1024;

/// A listening socket on `addr` with [`BACKLOG`], reusable at once after a restart.
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Says where the daemon listens, once wherever a person reads it. The line on
/// stdout is for tests and scripts, which read the port from it when listening
/// on port 0; the log gets it too unless stdout already goes where the log does
/// (a terminal both share, `2>&1` into one file, or the journal under systemd),
/// where a second line would only repeat the first.
fn announce(addr: SocketAddr) {
    use std::io::Write;
    // A closed pipe or a full disk on stdout stops no daemon: the log says it.
    let printed = writeln!(std::io::stdout().lock(), "listening on {addr}").is_ok();
    let journal = std::env::var("JOURNAL_STREAM").ok();
    if !printed
        || !stdout_is_the_log(
            file_id(std::io::stdout().as_fd()),
            file_id(std::io::stderr().as_fd()),
            journal.as_deref(),
        )
    {
        tracing::info!("listening on {addr}");
    }
}

/// The (device, inode) of the file behind `fd`: what tells whether two
/// descriptors lead to the same terminal, pipe, file or journal stream.
fn file_id(fd: BorrowedFd<'_>) -> Option<(u64, u64)> {
    let meta = std::fs::File::from(fd.try_clone_to_owned().ok()?)
        .metadata()
        .ok()?;
    Some((meta.dev(), meta.ino()))
}

/// Whether what is printed on stdout already reaches the log: stdout is the
/// same file as stderr, or the journal stream that `JOURNAL_STREAM`
/// (`DEVICE:INODE`, set by systemd) names.
fn stdout_is_the_log(
    stdout: Option<(u64, u64)>,
    stderr: Option<(u64, u64)>,
    journal_stream: Option<&str>,
) -> bool {
    let journal = journal_stream.and_then(|j| {
        let (dev, ino) = j.split_once(':')?;
        Some((dev.parse().ok()?, ino.parse().ok()?))
    });
    stdout.is_some() && (stdout == stderr || stdout == journal)
}

/// SIGHUP's stream, and whether one came before it was listened to here.
struct Hangups {
    hup: Signal,
    pending: Pending,
}

/// What a reload hands its new configuration to.
struct Reloading {
    /// The watch thread, which applies everything about the store and feeds.
    watch: std::sync::mpsc::Sender<crate::watch::Msg>,
    published: Arc<Published>,
    /// What the server shares between connections (the budgets of unsent bodies).
    state: Arc<State>,
    /// The server's `[http]` limits, for connections accepted from now on.
    limits: tokio::sync::watch::Sender<Limits>,
    /// The open-file limit, as raised at start.
    open_files: u64,
    /// The largest `max_connections` in force since start (see [`size_copies`]).
    connections: usize,
    /// The socket served, which a reload cannot move.
    socket: Socket,
    /// `listen` as last configured.
    listen: SocketAddr,
    /// The state folder, which a reload cannot move.
    state_dir: StateDirs,
}

/// The state folder opened at start, and the one last configured.
struct StateDirs {
    /// Where validators are kept until a restart.
    in_use: std::path::PathBuf,
    /// `[state] dir` (or `$STATE_DIRECTORY`) as last configured.
    configured: std::path::PathBuf,
}

/// On each SIGHUP (first on one that came while starting): re-read the
/// configuration; a bad one is logged and the running one kept, a good one
/// goes to the server and the watch thread to apply.
async fn reload_on_hangup(hangups: Hangups, reload: Reloader, mut to: Reloading) {
    let Hangups { mut hup, pending } = hangups;
    if pending == Pending::Nothing && hup.recv().await.is_none() {
        return;
    }
    loop {
        tracing::info!("SIGHUP: reloading the configuration");
        systemd::reloading();
        match reload() {
            Ok(mut cfg) => {
                // Still the address served, which a reload does not move.
                cfg.listened_at(to.socket.addr());
                if let Some(warning) = listen_changed(to.socket, to.listen, cfg.listen) {
                    tracing::warn!("{warning}");
                }
                to.listen = cfg.listen;
                if let Some(warning) = state_dir_changed(&to.state_dir, &cfg.state_dir) {
                    tracing::warn!("{warning}");
                }
                to.state_dir.configured.clone_from(&cfg.state_dir);
                to.limits.send_replace(Limits::from_config(&cfg));
                // The slots are resized at the next accept; the cap is told now.
                metrics::gauge!("bantin_http_connections_max").set(cfg.http.max_connections as f64);
                to.state.apply_http(&cfg.http);
                to.connections = to.connections.max(cfg.http.max_connections);
                size_copies(to.open_files, to.connections, &cfg);
                // The folder in force is the served snapshot's: copies made
                // from now on go to the new one; those held stay where they are.
                let served = to.published.load_full();
                if let Some(served) = &served {
                    for warning in cfg.new_item_ids(&served.config) {
                        tracing::warn!("{warning}");
                    }
                }
                if served.is_some_and(|s| s.config.body_dir != cfg.body_dir) {
                    log_body_dir(&cfg);
                }
                let (done, applied) = std::sync::mpsc::channel();
                if to
                    .watch
                    .send(crate::watch::Msg::Reload(Box::new(cfg), done))
                    .is_err()
                {
                    return;
                }
                // The watch thread answers once the new snapshot is served.
                let _ = tokio::task::spawn_blocking(move || applied.recv()).await;
                reloaded(Reload::Applied);
            }
            // One line a problem, each with its time and level where the
            // log has them (not the file's lines a terminal is shown).
            Err(crate::config::ConfigError::Invalid(problems)) => {
                for p in &problems.list {
                    tracing::error!("keeping the running configuration: {}", p.headline());
                }
                tracing::error!("keeping the running configuration: {}", problems.summary());
                reloaded(Reload::Refused);
            }
            Err(e) => {
                tracing::error!("keeping the running configuration: {e}");
                reloaded(Reload::Refused);
            }
        }
        systemd::ready(&status_line(&to.published));
        if hup.recv().await.is_none() {
            return;
        }
    }
}

/// How a reload ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reload {
    /// The new configuration is in force (and its snapshot served).
    Applied,
    /// The file was bad: the running configuration is kept.
    Refused,
}

/// Counts a reload by how it ended, and sets the last-reload gauges as
/// Prometheus' own `prometheus_config_last_reload_successful` and
/// `…_success_timestamp_seconds` do, so an alert can catch a refused reload
/// that would otherwise only be in the journal.
fn reloaded(outcome: Reload) {
    match outcome {
        Reload::Applied => {
            metrics::counter!("bantin_config_reloads_total", "result" => "ok").increment(1);
            config_in_force();
        }
        Reload::Refused => {
            metrics::counter!("bantin_config_reloads_total", "result" => "error").increment(1);
            metrics::gauge!("bantin_config_last_reload_success").set(0.0);
        }
    }
}

/// Says in `/metrics` that the configuration just read is in force: the one
/// read at start counts as a successful load, as in Prometheus, so the
/// timestamp is never 0.
fn config_in_force() {
    metrics::gauge!("bantin_config_last_reload_success").set(1.0);
    metrics::gauge!("bantin_config_last_reload_success_timestamp_seconds").set(publish::unix_now());
}

/// The `STATUS=` line for what is served now.
fn status_line(published: &Published) -> String {
    published
        .load()
        .as_ref()
        .map_or_else(|| "starting".to_owned(), |s| s.status_line())
}

/// The signals the daemon handles, installed together.
struct Signals {
    hup: Signal,
    term: Signal,
    int: Signal,
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            hup: signal(SignalKind::hangup())?,
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal(mut term: Signal, mut int: Signal) {
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
    systemd::stopping();
}

/// Shares `open_files` between `connections` (the largest `max_connections`
/// in force since start: connections accepted under a larger cap stay open
/// until they end) and body copies, and warns if it cannot hold `cfg`'s.
fn size_copies(open_files: u64, connections: usize, cfg: &Config) {
    crate::site::sealed::allow(crate::open_files::copies_allowed(open_files, connections));
    if let Some(few) = crate::open_files::too_few(open_files, cfg.http.max_connections) {
        tracing::warn!("{few}");
    }
}

/// Says where body copies for `sendfile` go: at start, and when a reload
/// moves them. A folder only systemd names (`$CACHE_DIRECTORY`) that cannot
/// take them (a file system without `O_TMPFILE`, such as overlayfs before
/// Linux 6.7) is not a config error, since the administrator chose nothing:
/// a warning, and shared memory.
fn log_body_dir(cfg: &Config) {
    // A folder the file sets was checked with the config (exit 64 if bad).
    let from_systemd = cfg.http.body_dir.is_none();
    let problem = cfg
        .body_dir
        .as_deref()
        .filter(|_| from_systemd)
        .and_then(crate::config::body_dir_problem);
    match (&cfg.body_dir, problem) {
        (Some(dir), None) => tracing::info!(
            "copies of large bodies for sendfile: unnamed files in {}",
            dir.display()
        ),
        (Some(dir), Some(reason)) => tracing::warn!(
            "copies of large bodies for sendfile: shared memory, not {} ($CACHE_DIRECTORY): {reason}",
            dir.display()
        ),
        (None, _) => tracing::info!(
            "copies of large bodies for sendfile: shared memory (no [http] body_dir or CacheDirectory=)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_stop_renewals_end_before_the_watch_thread_is_stopped() {
        let renewing =
            tokio_util::task::AbortOnDropHandle::new(tokio::spawn(std::future::pending::<()>()));
        let renewals = renewing.abort_handle();
        // A watch thread that does not stop until told (a hung mount).
        let (unhang, hung) = std::sync::mpsc::channel::<()>();
        let stopping = tokio::spawn(after_drain(Some(renewing), move || {
            let _ = hung.recv();
        }));
        tokio::time::timeout(Duration::from_secs(10), async {
            while !renewals.is_finished() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("the renewals end while the watch thread hangs");
        assert!(!stopping.is_finished());
        unhang.send(()).unwrap();
        stopping.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn serving_stops_when_the_watch_thread_ends_or_a_signal_comes() {
        let ended = std::future::ready(End::Panicked);
        let stop = until_stopped(std::future::pending(), Some(ended)).await;
        assert_eq!(stop, Stop::WatcherEnded);
        let never = None::<std::future::Pending<End>>;
        assert_eq!(
            until_stopped(std::future::ready(()), never).await,
            Stop::Signal
        );
    }

    #[test]
    fn stdout_is_the_log_when_it_shares_stderr_or_the_journal_stream() {
        let (tty, pipe) = (Some((25, 7)), Some((14, 90210)));
        // A terminal, or `2>&1`: one file.
        assert!(stdout_is_the_log(tty, tty, None));
        // Under systemd: stdout is the journal stream the log also reaches.
        assert!(stdout_is_the_log(pipe, tty, Some("14:90210")));
        // A script piping stdout apart from stderr: the log needs its own line.
        assert!(!stdout_is_the_log(pipe, tty, None));
        assert!(!stdout_is_the_log(pipe, tty, Some("14:1")));
        assert!(!stdout_is_the_log(pipe, tty, Some("not a stream")));
        // No stdout at all.
        assert!(!stdout_is_the_log(None, None, None));
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_changed_listen_names_the_real_socket_and_what_moves_it() {
        let (old, new) = (addr("0.0.0.0:9999"), addr("127.0.0.1:7777"));
        assert_eq!(listen_changed(Socket::Bound(old), old, old), None);
        // Changed, then changed back to where the socket is: nothing to say.
        assert_eq!(listen_changed(Socket::Bound(old), new, old), None);
        let passed = Socket::Inherited(addr("127.0.0.1:18457"));
        assert_eq!(listen_changed(passed, old, addr("127.0.0.1:18457")), None);
        let bound = listen_changed(Socket::Bound(addr("0.0.0.0:9999")), old, new).unwrap();
        assert!(
            bound.contains("restart bantin") && bound.contains("still on 0.0.0.0:9999"),
            "{bound}"
        );
        let passed = Socket::Inherited(addr("127.0.0.1:18457"));
        let inherited = listen_changed(passed, old, new).unwrap();
        assert!(
            inherited.contains("still on 127.0.0.1:18457")
                && inherited.contains("`ListenStream=` in bantin.socket")
                && !inherited.contains("restart"),
            "{inherited}"
        );
    }

    #[test]
    fn a_changed_state_dir_says_a_restart_moves_it() {
        let first = std::path::PathBuf::from("/var/lib/bantin-state");
        let mut dirs = StateDirs {
            in_use: first.clone(),
            configured: first.clone(),
        };
        assert_eq!(state_dir_changed(&dirs, &first), None);
        let warning = state_dir_changed(&dirs, Path::new("/srv/state")).unwrap();
        assert!(
            warning.contains("`[state] dir` changed to /srv/state")
                && warning.contains("restart bantin")
                && warning.contains("still kept in /var/lib/bantin-state"),
            "{warning}"
        );
        // Changed once more: the folder in use is still the first.
        dirs.configured = "/srv/state".into();
        assert_eq!(state_dir_changed(&dirs, Path::new("/srv/state")), None);
        let again = state_dir_changed(&dirs, Path::new("/srv/other")).unwrap();
        assert!(
            again.contains("still kept in /var/lib/bantin-state"),
            "{again}"
        );
        // Back to the folder in use: nothing to restart for.
        assert_eq!(state_dir_changed(&dirs, &first), None);
    }

    #[test]
    fn a_busy_port_names_the_setting_and_what_to_do() {
        let busy = std::io::Error::from(std::io::ErrorKind::AddrInUse);
        let msg = cannot_listen(
            addr("127.0.0.1:38065"),
            "listen = \"127.0.0.1:38065\" in /etc/bantin/config.toml",
            &busy,
        );
        assert!(
            msg.contains("listen = \"127.0.0.1:38065\" in /etc/bantin/config.toml")
                && msg.contains("ss -ltnp 'sport = :38065'")
                && msg.contains("change `listen`"),
            "{msg}"
        );
    }

    #[test]
    fn listen_is_said_unused_only_when_systemd_passed_another_address() {
        let passed = addr("127.0.0.1:18457");
        let note = unused_listen(Socket::Inherited(passed), addr("0.0.0.0:9999")).unwrap();
        assert!(
            note.contains("0.0.0.0:9999") && note.contains("ListenStream="),
            "{note}"
        );
        assert_eq!(unused_listen(Socket::Inherited(passed), passed), None);
        assert_eq!(
            unused_listen(Socket::Bound(passed), addr("127.0.0.1:0")),
            None
        );
    }
}
