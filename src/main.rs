//! The `bantin` command: arguments → config → logging → the chosen command → exit code.
//!
//! Exit codes: 0 success; 1 `check` found rejected files (or a path it was named
//! that the daemon never reads) or a runtime failure;
//! 2 usage error (clap); 64 (EX_USAGE) a configuration that cannot be used.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::FromArgMatches;

use bantin::cli::{Cli, Command, ConfigCommand, ServeArgs};
use bantin::config::{
    Anchor, BodyDirCheck, Checks, Config, ConfigError, PathFrom, Shown, StateDirCheck, StoreCheck,
};
use bantin::journal::{Priority, Stderr};

/// jemalloc hands freed memory back to the system and fragments less than
/// glibc's malloc under this daemon's pattern (many threads, large short-lived
/// render and compression buffers): in a 120 s soak at 100k articles its RSS
/// stayed flat where glibc's grew by 13% (see benches/soak.sh).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Exit code for a bad configuration (sysexits.h EX_USAGE); systemd does not restart on it.
const EXIT_CONFIG: u8 = 64;

/// Why the command failed, and so its exit code.
enum Failure {
    /// The configuration cannot be used (exit 64); the message says which key.
    Config(ConfigError),
    /// A one-shot command failed (exit 1): said on stderr.
    Command(anyhow::Error),
    /// The daemon failed (exit 1): said in its log, which under systemd is the
    /// journal (with an error priority) and elsewhere is stderr.
    Daemon(anyhow::Error),
    /// `check` rejected files or was named a path the daemon never reads; its
    /// report already said which (exit 1).
    Rejected,
}

fn main() -> ExitCode {
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| {
        e.format(&mut <Cli as clap::CommandFactory>::command())
            .exit()
    });
    let config_from = config_from(&matches);
    if let Err(e) = cli.check_placement() {
        e.exit();
    }
    let stderr = Stderr::detect();
    // `config check --quiet` (the unit's ExecReload=) says nothing of a
    // usable setup, RUST_LOG's typos included: the daemon said them at start.
    let quiet = matches!(
        cli.command,
        Some(Command::Config {
            command: ConfigCommand::Check { quiet: true },
        })
    );
    init_logging(stderr, quiet);
    // A panic on any thread reaches the log as an error (the journal's `err`
    // priority under systemd), not only stderr.
    bantin::panics::log_panics();
    // Failures before the log exists (or of one-shot commands) are printed;
    // on the journal with an error priority, so `journalctl -p err` shows why
    // `config check` (ExecReload=) or a start failed.
    let error = |message: &str| note(format_args!("{}", stderr.format(Priority::Error, message)));
    match try_main(cli, config_from) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Config(ConfigError::Invalid(problems))) => {
            // Each problem's first line says file:line:column, as compilers do,
            // so editors and terminals can jump to it.
            for p in &problems.list {
                error(&format!("bantin: {p}"));
            }
            error(&format!("bantin: {}", problems.summary()));
            ExitCode::from(EXIT_CONFIG)
        }
        Err(Failure::Config(e)) => {
            error(&format!("bantin: {e}"));
            ExitCode::from(EXIT_CONFIG)
        }
        Err(Failure::Command(e)) => {
            error(&format!("bantin: {e:#}"));
            ExitCode::from(1)
        }
        Err(Failure::Daemon(e)) => {
            tracing::error!("{e:#}");
            let config = e
                .downcast_ref::<bantin::app::CannotListen>()
                .is_some_and(|c| c.config);
            ExitCode::from(if config { EXIT_CONFIG } else { 1 })
        }
        Err(Failure::Rejected) => ExitCode::from(1),
    }
}

/// A line of a command's output on stdout. A closed pipe or a full disk
/// there fails the command with a message (`println!` would panic).
fn say(line: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{line}")
        .context("cannot write to standard output")
        .map_err(Failure::Command)
}

/// A line on stderr, where there is nowhere else to say that it failed.
fn note(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Where `--config`'s value came from: the command line, or
/// `$BANTIN_CONFIG`, which clap reads for it (the innermost subcommand that
/// has it says, as its value is the one used).
fn config_from(matches: &clap::ArgMatches) -> PathFrom {
    let mut source = matches.value_source("config");
    let mut level = matches;
    while let Some((_, sub)) = level.subcommand() {
        source = sub.value_source("config").or(source);
        level = sub;
    }
    match source {
        Some(clap::parser::ValueSource::EnvVariable) => PathFrom::Env,
        _ => PathFrom::Flag,
    }
}

/// Runs the command `cli` asks for; `from` is where its `--config` came from.
fn try_main(cli: Cli, from: PathFrom) -> Result<(), Failure> {
    let config = cli.serve.config.clone();
    match cli.command {
        None => serve(cli.serve, from),
        Some(Command::Serve(args)) => serve(
            ServeArgs {
                config: args.config.or(config),
                ..args
            },
            from,
        ),
        Some(Command::Check { json, paths }) => {
            // It reads the files it is given, not the store.
            let cfg = resolve_config(config.as_deref(), from, None, None, Checks::NONE)
                .map_err(Failure::Config)?;
            let mut out = std::io::stdout().lock();
            let totals = bantin::check::run(&paths, json, &cfg, &mut out)
                .context("cannot write the report")
                .map_err(Failure::Command)?;
            if totals.rejected > 0 || totals.ignored > 0 {
                return Err(Failure::Rejected);
            }
            Ok(())
        }
        Some(Command::Build {
            out,
            dry_run: _,
            store,
            fail_on_rejected,
        }) => {
            // It makes no body copies and keeps no state: their folders
            // are not its concern.
            let checks = Checks {
                store: StoreCheck::Readable,
                ..Checks::NONE
            };
            let cfg = resolve_config(config.as_deref(), from, store, None, checks)
                .map_err(Failure::Config)?;
            let b = bantin::static_site::build(&cfg, out.as_deref(), fail_on_rejected)
                .map_err(Failure::Command)?;
            match out {
                Some(out) => say(format_args!(
                    "wrote {} feeds and {} pages to {}: {} articles, {} files rejected",
                    b.feeds,
                    b.pages,
                    out.display(),
                    b.articles,
                    b.rejected
                )),
                None => say(format_args!(
                    "would write {} files, {} bytes: {} feeds and {} pages; {} articles, {} files rejected",
                    b.files, b.bytes, b.feeds, b.pages, b.articles, b.rejected
                )),
            }
        }
        Some(Command::Config {
            command: ConfigCommand::Check { quiet },
        }) => {
            // What the unit runs before a reload: the checks `serve` makes.
            let cfg = resolve_config(config.as_deref(), from, None, None, SERVING)
                .map_err(Failure::Config)?;
            // Quiet means nothing for a config that can be used: the daemon
            // logs this warning itself on the reload the unit checks for, so
            // the journal says it once.
            if !quiet {
                if let Some(warning) = cfg.websub_base_url_warning() {
                    note(format_args!("warning: {warning}"));
                }
                if let Some(warning) = bantin::websub::network_warning(&cfg.websub) {
                    note(format_args!("warning: {warning}"));
                }
                return say(format_args!("{}", cfg.to_toml().trim_end()));
            }
            Ok(())
        }
    }
}

/// Runs the daemon; `from` is where `args.config` came from.
fn serve(args: ServeArgs, from: PathFrom) -> Result<(), Failure> {
    let cfg = serving_config(&args, from).map_err(Failure::Config)?;
    // Each reload re-reads the file the daemon runs on. One the lookup found
    // is named from then on, so a reload with it gone (moved away mid-edit)
    // is refused, not served with the next file of the lookup or the
    // built-in defaults (another base_url, so other RSS guids). Started on
    // the defaults, a reload looks again: a config written since is used,
    // and held to from then on as one found at start.
    let held = std::sync::Mutex::new(match cfg.path.clone() {
        Some(found) if args.config.is_none() => Some(found),
        _ => None,
    });
    let reload: bantin::app::Reloader = Box::new(move || {
        let mut held = held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(found) = held.clone() else {
            let cfg = serving_config(&args, from)?;
            if args.config.is_none() {
                *held = cfg.path.clone();
            }
            return Ok(cfg);
        };
        let named = ServeArgs {
            config: Some(found),
            ..args.clone()
        };
        serving_config(&named, PathFrom::LookupAtStart)
    });
    // On one core (a one-CPU machine, or `CPUAffinity=` / `taskset` limiting
    // the daemon to one) a work-stealing scheduler has no other worker to steal
    // from, and its bookkeeping on every wake-up is a measurable part of a
    // 304's cost; the current-thread scheduler runs the same tasks without it.
    // Blocking work (renders, reads of old articles) goes to the blocking pool
    // either way.
    let one_core = std::thread::available_parallelism().is_ok_and(|n| n.get() == 1);
    let mut builder = if one_core {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = builder
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .map_err(Failure::Daemon)?;
    if one_core {
        tracing::info!("one core available: serving with the current-thread scheduler");
    }
    let served = runtime.block_on(bantin::app::serve(cfg, reload));
    // Without waiting for blocking tasks: a SIGTERM during start-up leaves the
    // scan running on one, and the daemon exits now rather than after it.
    runtime.shutdown_background();
    served.map_err(Failure::Daemon)
}

/// The config file: `--config` (or `$BANTIN_CONFIG`, which clap reads for it),
/// else the first of [`bantin::config::DEFAULT_PATHS`] that exists, else the built-in
/// defaults; then the
/// command line's overrides. `from` is where `flag` came from, which a file
/// that cannot be read is reported with. `checks` says what outside the file must be
/// usable; with [`StoreCheck::Readable`] the store in force (the file's, or
/// `--store`) must be a folder this process can read.
fn resolve_config(
    flag: Option<&Path>,
    from: PathFrom,
    store: Option<PathBuf>,
    listen: Option<String>,
    checks: Checks,
) -> Result<Config, ConfigError> {
    let path = match flag {
        Some(flag) => Some((flag.to_owned(), from)),
        None => cfg_path_default().map(|found| (found, PathFrom::Lookup)),
    };
    // The file's store is checked with the file only when `--store` does not replace it.
    let in_file = Checks {
        store: if store.is_some() {
            StoreCheck::Skip
        } else {
            checks.store
        },
        ..checks
    };
    let mut cfg = match &path {
        Some((p, from)) => Config::load(p, *from, in_file)?,
        None => Config::parse("", None, in_file)?,
    };
    if let Some(store) = store {
        let flag_error = |reason: String| ConfigError::Value {
            path: PathBuf::from("--store"),
            key: "store".into(),
            value: Shown::path(&store).to_string(),
            reason,
        };
        // Absolute, as the file's store is: the watcher reports absolute paths.
        cfg.store = std::path::absolute(&store)
            .map_err(|e| flag_error(format!("cannot be made an absolute path ({e})")))?;
        if checks.store == StoreCheck::Readable {
            if let Some(reason) = bantin::config::store_problem(&cfg.store, Anchor::WorkingFolder) {
                return Err(flag_error(reason));
            }
        }
    }
    if let Some(listen) = listen {
        cfg.listen = listen.parse().map_err(|_| ConfigError::Value {
            path: PathBuf::from("--listen"),
            key: "listen".into(),
            value: Shown::text(&listen).to_string(),
            reason: "expected an IP address and port such as \"127.0.0.1:8080\"".into(),
        })?;
        cfg.listen_from = bantin::config::ListenFrom::Flag;
    }
    Ok(cfg)
}

/// What `serve` (and each reload) and `config check`, which the unit runs
/// before each reload, need outside the file: a readable store, a body folder,
/// when the file sets one, that takes body copies (whatever `--store` says),
/// and a state folder, when the file sets one, that is not a file.
const SERVING: Checks = Checks {
    store: StoreCheck::Readable,
    body_dir: BodyDirCheck::Usable,
    state_dir: StateDirCheck::Usable,
};

/// The config `serve` (and each reload) runs with: resolved as
/// [`resolve_config`] does, with [`SERVING`]'s checks.
fn serving_config(args: &ServeArgs, from: PathFrom) -> Result<Config, ConfigError> {
    resolve_config(
        args.config.as_deref(),
        from,
        args.store.clone(),
        args.listen.clone(),
        SERVING,
    )
}

/// The first of [`DEFAULT_PATHS`](bantin::config::DEFAULT_PATHS) that exists.
fn cfg_path_default() -> Option<PathBuf> {
    first_existing(&bantin::config::DEFAULT_PATHS.map(Path::new))
}

/// The first of `candidates` that exists, or that cannot be told not to
/// (a folder on its path this user may not search, such as an
/// `/etc/bantin` of mode 0700 for `bantin config check` run as a user):
/// reading it then fails with the lookup's advice, where taking the next
/// one, or the built-in defaults, would check or serve a config the
/// sysadmin did not mean.
fn first_existing(candidates: &[&Path]) -> Option<PathBuf> {
    candidates
        .iter()
        .find(|p| p.try_exists().unwrap_or(true))
        .map(|p| p.to_path_buf())
}

/// Logs on stderr, filtered by `RUST_LOG` (default `info`). When stderr is
/// the journal each line carries its syslog priority and no timestamps or
/// colours of our own; elsewhere they are human-readable.
fn init_logging(stderr: Stderr, quiet: bool) {
    let asked = std::env::var("RUST_LOG").ok();
    let wanted = LogFilter::of(asked.as_deref());
    let filter = || {
        let filter = tracing_subscriber::EnvFilter::builder()
            .with_default_directive(tracing_subscriber::filter::LevelFilter::INFO.into())
            .parse_lossy(&wanted.directives);
        // Libraries whose warnings a client or a routine store change would
        // repeat at will. h2 warns once per connection it closes for a stream
        // reset flood: the server counts those and logs a summary instead
        // (bantin_http2_enhance_your_calm_total). notify warns for every
        // folder removed from the store (its watch went with it, which bantin
        // follows itself), hundreds of lines for one `rm -rf`. Capped at
        // `error` only where the filter would show them more: `RUST_LOG`
        // naming either still shows them, and `off` stays off.
        QUIETED
            .iter()
            .filter(|(name, _)| wanted.level_above_error && !wanted.directives.contains(name))
            .filter_map(|(_, quiet)| quiet.parse().ok())
            .fold(filter, |filter, quiet| filter.add_directive(quiet))
    };
    // Said before the log is set up, past its filter: a filter that a typo
    // left without bantin's own messages must not hide the typo too.
    for (directive, why) in wanted.ignored.iter().filter(|_| !quiet) {
        let what = if directive.is_empty() {
            String::new()
        } else {
            format!("ignoring `{directive}`: ")
        };
        let message = format!(
            "warning: RUST_LOG: {what}{why}; using `{}`. A directive is `level`, \
             `target=level` or `target`, where level is off, error, warn, info, debug or \
             trace",
            wanted.directives
        );
        note(format_args!(
            "{}",
            stderr.format(bantin::journal::Priority::Warning, &message)
        ));
    }
    if stderr == Stderr::Journal {
        // Lines on the journal stream, each with its priority as a `<N>`
        // prefix: journald stores the whole formatted line as the message, so
        // `journalctl` shows the fields (`path=…:7`) as the terminal does.
        // No timestamps, colours, level or module of our own: the journal
        // has its own time and priority, and the message is the sysadmin's.
        tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .event_format(bantin::journal::Prefixed(
                tracing_subscriber::fmt::format()
                    .without_time()
                    .with_ansi(false)
                    .with_level(false)
                    .with_target(false),
            ))
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
}

/// Libraries logged at `error` only unless `RUST_LOG` names them (see
/// [`init_logging`]).
const QUIETED: [(&str, &str); 2] = [("h2", "h2=error"), ("notify", "notify=error")];

/// Words that tracing would read as a target (so as "only that target's
/// messages", which silences everything else) but that mean a level, and
/// the level meant.
const LEVEL_SLIPS: [(&str, &str); 10] = [
    ("warning", "warn"),
    ("warnings", "warn"),
    ("err", "error"),
    ("errors", "error"),
    ("fatal", "error"),
    ("critical", "error"),
    ("notice", "info"),
    ("information", "info"),
    ("verbose", "debug"),
    ("all", "trace"),
];

/// The log filter `RUST_LOG` asks for, with what it gets wrong set apart.
#[derive(Debug, PartialEq)]
struct LogFilter {
    /// The directives used, comma-separated: the valid ones of `RUST_LOG`, or
    /// bantin's default when it is unset, empty or has none valid.
    directives: String,
    /// Each directive of `RUST_LOG` set aside, and why.
    ignored: Vec<(String, String)>,
    /// Whether the filter's level for all targets shows warnings or more
    /// (`warn` and below, or the default): the libraries in [`QUIETED`] are
    /// capped at `error` only then.
    level_above_error: bool,
}

impl LogFilter {
    /// What is logged when `RUST_LOG` asks for nothing valid.
    const DEFAULT: &'static str = "info";

    /// Splits `rust_log` into its valid directives and the rest. A typo in one
    /// directive (`bantin=verbose`) keeps the others (`warn`) rather than
    /// dropping them all for the default, as `EnvFilter::try_from_env` would,
    /// and is said rather than silently ignored. A level word tracing would
    /// take for a target (`warning`) is set aside too, naming the level. When
    /// something was set aside and no level for all targets is left, the
    /// default is added, so a typo never silences bantin's own log.
    fn of(rust_log: Option<&str>) -> Self {
        use tracing_subscriber::filter::LevelFilter;
        let mut valid = Vec::new();
        let mut ignored = Vec::new();
        let mut level: Option<LevelFilter> = None;
        for directive in rust_log.unwrap_or("").split(',').map(str::trim) {
            if directive.is_empty() {
                continue;
            }
            let word = directive.to_ascii_lowercase();
            if let Some((_, meant)) = LEVEL_SLIPS.iter().find(|(slip, _)| *slip == word) {
                ignored.push((
                    directive.to_owned(),
                    format!("not a level (did you mean `{meant}`?), and as a target it would hide every other message"),
                ));
                continue;
            }
            match directive.parse::<tracing_subscriber::filter::Directive>() {
                Ok(_) => {
                    // EnvFilter keeps the last level given for all targets.
                    if let Ok(bare) = directive.parse::<LevelFilter>() {
                        level = Some(bare);
                    }
                    valid.push(directive);
                }
                Err(e) => ignored.push((directive.to_owned(), e.to_string())),
            }
        }
        // A filter with no level for all targets and none for bantin shows
        // none of bantin's own messages: a word alone is read as a target
        // (`wran`, `bantin:debug`), and `Bantin=debug` names no module. The
        // default is added, and said; `bantin=off` silences bantin on purpose.
        let names_bantin = valid.iter().any(|d| {
            let target = d.split(['=', '[']).next().unwrap_or_default();
            target == "bantin" || target.starts_with("bantin::")
        });
        let mut added = false;
        if valid.is_empty() {
            valid.push(Self::DEFAULT);
            level = Some(LevelFilter::INFO);
        } else if level.is_none() && !names_bantin {
            valid.insert(0, Self::DEFAULT);
            level = Some(LevelFilter::INFO);
            added = true;
        }
        if added {
            ignored.push((
                String::new(),
                "no directive shows bantin's own messages (a word alone names a target, \
                 not a level), so `info` is added for all targets; `bantin=off` silences \
                 bantin on purpose"
                    .to_owned(),
            ));
        }
        LogFilter {
            directives: valid.join(","),
            ignored,
            // No level for all targets: only named targets are shown, and
            // the quieted libraries only if named.
            level_above_error: level.is_some_and(|l| l >= LevelFilter::WARN),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_working_folder_s_config_comes_before_the_system_s() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (local, system) = (dir.path().join("config.toml"), dir.path().join("etc.toml"));
        let candidates = [local.as_path(), system.as_path()];
        assert_eq!(first_existing(&candidates), None, "neither exists");
        std::fs::write(&system, "").expect("write");
        assert_eq!(first_existing(&candidates), Some(system.clone()));
        std::fs::write(&local, "").expect("write");
        assert_eq!(first_existing(&candidates), Some(local));
        assert_eq!(
            bantin::config::DEFAULT_PATHS,
            ["config.toml", "/etc/bantin/config.toml"]
        );
    }

    #[test]
    fn a_bad_log_directive_is_set_apart_and_the_good_ones_kept() {
        let f = LogFilter::of(Some("warn,bantin=verbose, hyper=debug"));
        assert_eq!(f.directives, "warn,hyper=debug");
        assert_eq!(f.ignored.len(), 1, "{f:?}");
        assert_eq!(f.ignored[0].0, "bantin=verbose");
        assert!(!f.ignored[0].1.is_empty(), "says why: {f:?}");
        assert!(f.level_above_error);

        let unset = LogFilter::of(None);
        assert_eq!(unset.directives, LogFilter::DEFAULT);
        assert!(unset.ignored.is_empty() && unset.level_above_error);
        assert_eq!(LogFilter::of(Some("")), unset, "empty is unset");

        let none_valid = LogFilter::of(Some("bantin=loud"));
        assert_eq!(none_valid.directives, LogFilter::DEFAULT);
        assert_eq!(none_valid.ignored.len(), 1);
    }

    #[test]
    fn a_typo_never_silences_bantin_s_own_log() {
        // A library's directive left alone would show that library only.
        let f = LogFilter::of(Some("hyper=info,bantin=verbose"));
        assert_eq!(f.directives, "info,hyper=info");
        // A level word tracing would take for a target.
        let f = LogFilter::of(Some("warning"));
        assert_eq!(f.directives, LogFilter::DEFAULT);
        assert!(f.ignored[0].1.contains("`warn`"), "{f:?}");
        // Words tracing reads as targets, and a target that is no module of
        // bantin's: bantin's own messages would all be hidden.
        for typo in ["wran", "bantin:debug", "Bantin=debug", "hyper=info"] {
            let f = LogFilter::of(Some(typo));
            assert_eq!(f.directives, format!("info,{typo}"), "{typo}");
            assert_eq!(f.ignored.len(), 1, "said: {f:?}");
        }
        // Naming bantin, or a level for all, is taken as meant.
        for meant in [
            "bantin=debug",
            "bantin::watch=debug,hyper=info",
            "off",
            "bantin=off,hyper=debug",
        ] {
            let f = LogFilter::of(Some(meant));
            assert_eq!(f.directives, meant);
            assert!(f.ignored.is_empty(), "{meant}: {f:?}");
        }
    }

    #[test]
    fn off_and_error_leave_the_quieted_libraries_off() {
        for quiet in ["off", "error", "bantin=warn", "info,off"] {
            assert!(!LogFilter::of(Some(quiet)).level_above_error, "{quiet}");
        }
        for loud in ["warn", "info", "debug,hyper=off", "off,trace"] {
            assert!(LogFilter::of(Some(loud)).level_above_error, "{loud}");
        }
    }
}
