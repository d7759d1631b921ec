//! Lifecycle wiring: config → first full scan → bind → serve → drain on a signal.
//! The only module that knows all the others.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::index::Index;
use crate::server::{self, Limits, Snapshot, State};
use crate::site::{Compressor, Site};
use crate::systemd;

/// Scans the store and renders every resource, logging what was rejected.
pub fn load(cfg: &Config) -> anyhow::Result<(Catalog, Site)> {
    load_and(cfg, || ()).map(|(catalog, site, ())| (catalog, site))
}

/// [`load`], running `alongside` on another thread once the store is scanned,
/// while the index is built and the site rendered.
fn load_and<T: Send>(
    cfg: &Config,
    alongside: impl FnOnce() -> T + Send,
) -> anyhow::Result<(Catalog, Site, T)> {
    let started = Instant::now();
    let catalog = Catalog::scan(&cfg.store, cfg.max_file_size, cfg.tz)
        .with_context(|| format!("cannot read the store {}", cfg.store.display()))?;
    for (path, error) in catalog.rejected() {
        tracing::warn!(path = %path.display(), "rejected: {error}");
    }
    let scanned = started.elapsed();
    let ((site, errors, indexed, render_started), other) = std::thread::scope(|s| {
        let other = s.spawn(alongside);
        let index = Arc::new(Index::new(catalog.entries.clone()));
        let indexed = started.elapsed();
        let render_started = Instant::now();
        let hydrate =
            |e: &crate::index::Entry| crate::catalog::hydrate(e, cfg.max_file_size, cfg.tz);
        let (site, errors) = Site::build(cfg, index, SystemTime::now(), &hydrate);
        let other = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        ((site, errors, indexed, render_started), other)
    });
    for e in errors {
        tracing::error!("{e}");
    }
    metrics::histogram!("bantin_render_seconds").record(render_started.elapsed().as_secs_f64());
    metrics::gauge!("bantin_articles_indexed").set(catalog.entries.len() as f64);
    metrics::gauge!("bantin_files_rejected").set(catalog.rejected_count() as f64);
    metrics::gauge!("bantin_last_store_change_timestamp_seconds").set(unix_now());
    tracing::info!(
        articles = catalog.entries.len(),
        rejected = catalog.rejected_count(),
        feeds = site.index.categories().len() + 1,
        scan_ms = scanned.as_millis() as u64,
        index_ms = (indexed - scanned).as_millis() as u64,
        render_ms = render_started.elapsed().as_millis() as u64,
        "store loaded from {}",
        cfg.store.display()
    );
    Ok((catalog, site, other))
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
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
    let state = Arc::new(State {
        snapshot: Default::default(),
        metrics,
    });
    let compressor = Compressor::start().context("cannot start the compression thread")?;
    let (catalog, site, watch) = {
        let (cfg, state, compressor) = (cfg.clone(), state.clone(), compressor.clone());
        tokio::task::spawn_blocking(move || {
            // Watching starts once the scan is done (else every file the scan opens
            // would be an event), and the watch thread's first act is to reconcile.
            load_and(&cfg, || crate::watch::start(cfg.clone(), state, compressor))
        })
        .await??
    };
    compressor.queue(&site);
    state.snapshot.store(Some(Arc::new(Snapshot::new(
        site,
        cfg.clone(),
        catalog.rejected_count(),
    ))));
    let watcher = watch
        .run(catalog)
        .context("cannot start the store watcher thread")?;
    // Every handler is installed before the address is announced: whoever reads it
    // may signal at once, and an uninstalled SIGHUP or SIGTERM would kill us.
    let signals = Signals::install().context("cannot install signal handlers")?;
    tokio::spawn(reload_on_hangup(
        signals.hup,
        reload,
        watcher.sender(),
        state.clone(),
    ));
    let inherited = systemd::inherited_listener()
        .context("cannot use the socket systemd passed (LISTEN_FDS)")?;
    let listener = match inherited {
        Some(std_listener) => {
            std_listener.set_nonblocking(true)?;
            TcpListener::from_std(std_listener)?
        }
        None => TcpListener::bind(cfg.listen)
            .await
            .with_context(|| format!("cannot listen on {} (the `listen` setting)", cfg.listen))?,
    };
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to learn the port when listening on port 0.
    println!("listening on {addr}");
    tracing::info!("listening on {addr}");
    systemd::ready(&status_line(&state));
    systemd::spawn_watchdog(state.clone());
    server::run(
        listener,
        state,
        Limits::from_config(&cfg),
        shutdown_signal(signals.term, signals.int),
    )
    .await;
    tracing::info!("stopped");
    Ok(())
}

/// On each SIGHUP: re-read the configuration; a bad one is logged and the
/// running one kept, a good one goes to the watch thread to apply.
async fn reload_on_hangup(
    mut hup: Signal,
    reload: Reloader,
    tx: std::sync::mpsc::Sender<crate::watch::Msg>,
    state: Arc<State>,
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
        systemd::ready(&status_line(&state));
    }
}

/// The `STATUS=` line for what is served now.
fn status_line(state: &State) -> String {
    match &*state.snapshot.load() {
        Some(s) => systemd::describe(
            s.site.index.entries().len(),
            s.site.index.categories().len() + 1,
            s.rejected,
        ),
        None => "starting".to_owned(),
    }
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

/// What `bantin build` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Built {
    /// Feed files written (every format of every feed).
    pub feeds: usize,
    /// Articles in the store.
    pub articles: usize,
    /// Files rejected.
    pub rejected: usize,
}

/// Writes every feed, the OPML list and the front page under `out`, at the
/// paths the daemon serves them (`/` becomes `index.html`).
pub fn build(cfg: &Config, out: &std::path::Path) -> anyhow::Result<Built> {
    // Decided before anything is created, so a refused --out leaves the store untouched.
    let out_real = resolve(out).with_context(|| format!("cannot resolve {}", out.display()))?;
    let store_real = cfg
        .store
        .canonicalize()
        .with_context(|| format!("cannot read the store {}", cfg.store.display()))?;
    if out_real.starts_with(&store_real) {
        anyhow::bail!(
            "refusing to write into the store: {} is inside {}; choose an --out folder outside it",
            out.display(),
            cfg.store.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (catalog, site) = load(cfg)?;
    let mut feeds = 0;
    for path in site.paths() {
        let resource = &site.resources[path];
        let rel = if path == "/" {
            "index.html"
        } else {
            path.trim_start_matches('/')
        };
        let file = out.join(rel);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&file, &resource.identity.bytes)
            .with_context(|| format!("cannot write {}", file.display()))?;
        if path.starts_with("/feed") && path != "/feeds.opml" {
            feeds += 1;
        }
    }
    Ok(Built {
        feeds,
        articles: catalog.entries.len(),
        rejected: catalog.rejected_count(),
    })
}

/// `path` as an absolute path with symlinks and `..` resolved, even when its last
/// parts do not exist yet: each existing prefix is canonicalized, the rest is lexical.
fn resolve(path: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    use std::path::Component;
    let mut real = std::env::current_dir()?;
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => real = std::path::PathBuf::from("/"),
            Component::CurDir => {}
            Component::ParentDir => {
                real.pop();
            }
            Component::Normal(name) => {
                real.push(name);
                if let Ok(r) = real.canonicalize() {
                    real = r;
                }
            }
        }
    }
    Ok(real)
}
