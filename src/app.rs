//! Lifecycle wiring: config → first full scan → bind → serve → drain on a signal.
//! The only module that knows all the others.

use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::MetadataExt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::index::Index;
use crate::publish::{self, Published, Publisher};
use crate::server::{self, Limits, State};
use crate::site::{Compressor, Site, Validators};
use crate::state::StateFile;
use crate::systemd;

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
    let started = Instant::now();
    let catalog = scan(cfg)?;
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
pub async fn serve(cfg: Config, reload: Reloader) -> anyhow::Result<()> {
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| tracing::warn!("metrics disabled: {e}"))
        .ok();
    let cfg = Arc::new(cfg);
    let published = Arc::new(Published::default());
    let state = Arc::new(State::new(published.clone(), metrics));
    let compressor = Compressor::start().context("cannot start the compression thread")?;
    let (state_file, resume) = StateFile::open(&cfg.state_dir, SystemTime::now());
    let mut publisher = Publisher::new(cfg.clone(), published.clone(), compressor, state_file);
    publisher.set_pinger(crate::websub::Pinger::start(&cfg.websub));
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
    let (site, catalog) = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || {
            let site = index_and_render(&cfg, &catalog, scanned, resume);
            (site, catalog)
        })
        .await?
    };
    dates_reached(site.validators().floor).await;
    let watcher = tokio::task::spawn_blocking(move || watch.begin(site, catalog)).await?;
    // Every handler is installed before the address is announced: whoever reads it
    // may signal at once, and an uninstalled SIGHUP or SIGTERM would kill us.
    let signals = Signals::install().context("cannot install signal handlers")?;
    tokio::spawn(reload_on_hangup(
        signals.hup,
        reload,
        watcher.sender(),
        published.clone(),
    ));
    let inherited = systemd::inherited_listener()
        .context("cannot use the socket systemd passed (LISTEN_FDS)")?;
    let listener = match inherited {
        Some(std_listener) => {
            std_listener.set_nonblocking(true)?;
            TcpListener::from_std(std_listener)?
        }
        None => listen(cfg.listen)
            .with_context(|| format!("cannot listen on {} (the `listen` setting)", cfg.listen))?,
    };
    announce(listener.local_addr()?);
    systemd::ready(&status_line(&published));
    systemd::spawn_watchdog(published);
    server::run(
        listener,
        state,
        Limits::from_config(&cfg),
        shutdown_signal(signals.term, signals.int),
    )
    .await;
    // The watch thread finishes what it is reading and stops: nothing is
    // published into a server that has gone.
    tokio::task::spawn_blocking(move || watcher.stop()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Connections the kernel queues for the accept loop, as `Backlog=` in
/// `bantin.socket`. The default of `TcpListener::bind` (128) is shorter than a
/// burst from one rude client: a full queue drops the next client's SYN, and
/// its retransmission comes a second or more later (RFC 6298 §2).
const BACKLOG: u32 = 1024;

/// A listening socket on `addr` with [`BACKLOG`], reusable at once after a restart.
fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
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
fn announce(addr: std::net::SocketAddr) {
    println!("listening on {addr}");
    let journal = std::env::var("JOURNAL_STREAM").ok();
    if !stdout_is_the_log(
        file_id(std::io::stdout().as_fd()),
        file_id(std::io::stderr().as_fd()),
        journal.as_deref(),
    ) {
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

/// On each SIGHUP: re-read the configuration; a bad one is logged and the
/// running one kept, a good one goes to the watch thread to apply.
async fn reload_on_hangup(
    mut hup: Signal,
    reload: Reloader,
    tx: std::sync::mpsc::Sender<crate::watch::Msg>,
    published: Arc<Published>,
) {
    while hup.recv().await.is_some() {
        tracing::info!("SIGHUP: reloading the configuration");
        systemd::reloading();
        match reload() {
            Ok(cfg) => {
                let (done, applied) = std::sync::mpsc::channel();
                if tx
                    .send(crate::watch::Msg::Reload(Box::new(cfg), done))
                    .is_err()
                {
                    return;
                }
                // The watch thread answers once the new snapshot is served.
                let _ = tokio::task::spawn_blocking(move || applied.recv()).await;
            }
            Err(e) => tracing::error!("keeping the running configuration: {e}"),
        }
        systemd::ready(&status_line(&published));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
