//! `config.toml` (plus a few command-line overrides) → a validated [`Config`].
//!
//! Two steps, as the file is read: serde turns TOML into [`RawConfig`], then
//! `RawConfig::validate` checks the values that TOML cannot (time zone, URLs,
//! ranges) and resolves paths. [`problems`] runs them so that every unknown key
//! and bad value in a file is reported at once, with its table, line and snippet.

mod meaning;
mod problems;

pub use problems::{Place, Problem, Problems};

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A configuration that cannot be used; the message names the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read: the message says where its path came
    /// from and what to do.
    #[error(
        "cannot read config {}, {}: {source}; {}",
        shown_path(.path),
        .from.said(),
        read_advice(.path, *.from, .source)
    )]
    Read {
        /// The config file.
        path: PathBuf,
        /// Where its path came from.
        from: PathFrom,
        /// Why reading failed.
        source: std::io::Error,
    },
    /// TOML syntax, unknown keys, values of the wrong type or unacceptable
    /// values: every one in the file, each with its table, key and line.
    #[error("{0}")]
    Invalid(Problems),
    /// A value of the right type that is not acceptable.
    #[error("invalid config {path}: `{key}` = {value}: {reason}")]
    Value {
        /// The config file.
        path: PathBuf,
        /// The dotted key.
        key: String,
        /// The rejected value, as TOML writes it (see [`Shown`]).
        value: String,
        /// What is wrong and what would be right.
        reason: String,
    },
    /// Entries of a list that are not acceptable, each reported as a
    /// problem of its own, at the entry.
    #[error(
        "invalid config {path}: `{key}`: {}",
        .entries.iter().map(|b| format!("{}: {}", b.value, b.reason)).collect::<Vec<_>>().join("; ")
    )]
    Entries {
        /// The config file.
        path: PathBuf,
        /// The dotted key of the list.
        key: String,
        /// Every entry rejected, in list order.
        entries: Vec<BadEntry>,
    },
}

/// An entry of a list that is not acceptable.
#[derive(Debug, Clone)]
pub struct BadEntry {
    /// Its place in the list, from 0.
    pub index: usize,
    /// The entry as TOML writes it (see [`Shown`]).
    pub value: String,
    /// What is wrong and what would be right.
    pub reason: String,
}

/// Where a config is looked for when none is named (`--config`,
/// `$BANTIN_CONFIG`): the working folder's (a checkout, `cargo run`), then the
/// system-wide one the package installs, so `bantin check` or `bantin build`
/// run by a sysadmin uses the store the service serves.
pub const DEFAULT_PATHS: [&str; 2] = ["config.toml", "/etc/bantin/config.toml"];

/// How the config file is found, as `--help` and the report of a problem with
/// the built-in defaults say it (a test holds it to [`DEFAULT_PATHS`]).
pub const LOOKUP_ORDER: &str = "--config FILE, else $BANTIN_CONFIG, else ./config.toml when \
it exists, else /etc/bantin/config.toml when it exists, else the built-in defaults";

/// Where the config file's path came from, which a message about a file that
/// cannot be read names, with what to change there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathFrom {
    /// `--config FILE`.
    Flag,
    /// `$BANTIN_CONFIG`.
    Env,
    /// The first of [`DEFAULT_PATHS`] that exists, neither being given.
    Lookup,
    /// The file the lookup found when the daemon started, or that a reload
    /// first found, which each reload re-reads rather than looking again:
    /// one gone by then is an error, not the next file of the lookup or the
    /// built-in defaults.
    LookupAtStart,
}

impl PathFrom {
    /// Where the path came from, as a message says it.
    fn said(self) -> &'static str {
        match self {
            PathFrom::Flag => "given with --config",
            PathFrom::Env => "given with $BANTIN_CONFIG",
            PathFrom::Lookup => {
                "found by the lookup of ./config.toml, then /etc/bantin/config.toml \
                 (no --config or $BANTIN_CONFIG)"
            }
            PathFrom::LookupAtStart => {
                "found by the lookup (no --config or $BANTIN_CONFIG) when bantin started or a \
                 reload first found one, which a reload re-reads rather than looking again"
            }
        }
    }

    /// How to name another file, where this one was named.
    fn instead(self) -> &'static str {
        match self {
            PathFrom::Flag => {
                "give --config a config file bantin can read, or leave --config out to use \
                 ./config.toml, else /etc/bantin/config.toml, else the built-in defaults"
            }
            PathFrom::Env => {
                "set $BANTIN_CONFIG to a config file bantin can read, or unset it to use \
                 ./config.toml, else /etc/bantin/config.toml, else the built-in defaults"
            }
            PathFrom::Lookup => "name another config file with --config or $BANTIN_CONFIG",
            PathFrom::LookupAtStart => "then reload again",
        }
    }
}

/// A config path as a message shows it: with the absolute path it stands
/// for when it is relative (taken from the working folder).
fn shown_path(path: &Path) -> String {
    match std::path::absolute(path) {
        Ok(full) if path.is_relative() => format!("{} ({})", path.display(), full.display()),
        _ => path.display().to_string(),
    }
}

/// What to do about a config file at `path` (named as `from` says) that
/// cannot be read for `err`.
fn read_advice(path: &Path, from: PathFrom, err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let fix = match err.kind() {
        ErrorKind::NotFound if from == PathFrom::LookupAtStart => {
            return "it has gone since bantin found it: put it back and reload again, or \
                    restart bantin to look for a config file again"
                .to_owned();
        }
        ErrorKind::NotFound => "check the path".to_owned(),
        // Found by the lookup, the folder has the file's name.
        ErrorKind::IsADirectory if from == PathFrom::LookupAtStart => {
            "it is a folder, not a config file: move it away and put the config file back"
                .to_owned()
        }
        ErrorKind::IsADirectory if from == PathFrom::Lookup => {
            "it is a folder, not a config file: move it away".to_owned()
        }
        ErrorKind::IsADirectory => format!(
            "it is a folder: name the config file itself, such as {}",
            path.join("config.toml").display()
        ),
        ErrorKind::NotADirectory => "a folder on its path is a file: check the path".to_owned(),
        ErrorKind::PermissionDenied => "let the user bantin runs as read it and enter every \
                                         folder above it (e.g. `chmod a+r`)"
            .to_owned(),
        _ => String::new(),
    };
    match (fix.is_empty(), from) {
        (true, PathFrom::LookupAtStart) => "make it readable, then reload again".to_owned(),
        (true, _) => from.instead().to_owned(),
        (false, PathFrom::LookupAtStart) => format!("{fix}, {}", from.instead()),
        (false, _) => format!("{fix}, or {}", from.instead()),
    }
}

/// What a report names instead of a file when none was found.
const NO_FILE: &str = "the built-in defaults (no config file: none given with --config or \
$BANTIN_CONFIG, and neither ./config.toml nor /etc/bantin/config.toml exists)";

/// What loading a config checks outside the file: problems found there are
/// reported with the file's own, at the key that names what was looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    /// Whether the store must be readable now.
    pub store: StoreCheck,
    /// Whether `[http] body_dir` must take body copies now.
    pub body_dir: BodyDirCheck,
    /// Whether `[state] dir` must not be a file now.
    pub state_dir: StateDirCheck,
}

impl Checks {
    /// Nothing outside the file is looked at.
    pub const NONE: Checks = Checks {
        store: StoreCheck::Skip,
        body_dir: BodyDirCheck::Skip,
        state_dir: StateDirCheck::Skip,
    };
}

/// Whether loading a config also checks the `[state] dir` it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateDirCheck {
    /// The command keeps state there (`serve`, a reload, and `config check`,
    /// which the unit runs before each reload): a path the file sets that is
    /// a file, or goes through one, is a config error (exit 64), as for
    /// `[http] body_dir`. A folder that is missing is not: the daemon makes it
    /// at start, and one it cannot make or write is a warning then (see
    /// [`crate::state`]), as is one only systemd names. See
    /// [`Config::state_dir_error`].
    Usable,
    /// The command keeps no state (`build`, `check`).
    Skip,
}

/// Whether loading a config also checks the `[http] body_dir` it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyDirCheck {
    /// The command makes body copies (`serve`, a reload, and `config check`,
    /// which the unit runs before each reload): a folder the file sets that cannot
    /// take them is a config error (exit 64). See [`Config::body_dir_error`].
    Usable,
    /// The command makes none (`build`, `check`).
    Skip,
}

/// Whether loading a config also checks that its store can be read now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreCheck {
    /// The command reads the store (`serve`, a reload, `build`, and `config
    /// check`, which the unit runs before each reload): a store that is missing, not a
    /// folder or not readable is a config error (exit 64), not a daemon that
    /// fails at once and is restarted forever, or serves nothing.
    Readable,
    /// The command does not read the store (`check` of single files), or the
    /// store comes from the command line and is checked there.
    Skip,
}

/// Whether `store` is a folder this process can list and enter, as the
/// daemon's scan and reconciliations need: the error that says why not
/// otherwise. The start, a reload and the running daemon (which looks at
/// the store root before each read of the store) judge it alike.
pub fn store_readable(store: &Path) -> std::io::Result<()> {
    // Listing reads the folder (needs `r`), and its first entry is read too,
    // since a listing can fail after the open; entering it (`x`) is what
    // opening any file in it needs, and an empty folder shows no entry to try.
    std::fs::read_dir(store)
        .and_then(|mut entries| entries.next().transpose().map(drop))
        .and_then(|()| {
            // The effective ids, as opening a file in it would use.
            rustix::fs::accessat(
                rustix::fs::CWD,
                store,
                rustix::fs::Access::EXEC_OK,
                rustix::fs::AtFlags::EACCESS,
            )
            .map_err(std::io::Error::from)
        })
}

/// Why `store` cannot be served, with what to do, or `None` when it is a
/// folder this process can list and enter (as the daemon's scan does: it
/// lists the root, then opens what is in it through it).
pub fn store_problem(store: &Path, anchor: Anchor) -> Option<String> {
    let err = store_readable(store).err()?;
    let what_to_do = match err.kind() {
        std::io::ErrorKind::NotFound => match anchor {
            Anchor::ConfigFolder => {
                "create it, or set `store` to the folder of article files \
                 (a relative path is taken from the config file's folder)"
            }
            Anchor::WorkingFolder => {
                "create it, or name the folder of article files \
                 (a relative path is taken from the working folder)"
            }
        },
        std::io::ErrorKind::NotADirectory => {
            "set `store` to a folder of article files, not a file or a path through one"
        }
        std::io::ErrorKind::PermissionDenied => {
            "let the user bantin runs as read and enter it and every folder above it \
             (e.g. `chmod a+rx`), or set `store` to a folder it can read"
        }
        _ => "set `store` to a folder of article files that bantin can read",
    };
    // Under systemd `INVOCATION_ID` is set; there the shipped unit's sandbox,
    // not the folder, may be why: chmod or mkdir cannot fix that.
    let systemd = std::env::var_os("INVOCATION_ID").is_some();
    // systemd's ProtectHome=yes mounts an inaccessible folder (mode 0000)
    // over each home top; nothing else leaves one so.
    let inaccessible = |top: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(top).is_ok_and(|m| m.permissions().mode() & 0o7777 == 0)
    };
    let sandbox = sandbox_hint(store, systemd, inaccessible).filter(|_| {
        matches!(
            err.kind(),
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
        )
    });
    Some(match sandbox {
        Some(Sandbox::ProtectHome) => {
            format!(
                "cannot read the store ({err}); {}",
                Sandbox::ProtectHome.advice()
            )
        }
        // PrivateTmp= is only possible: its note comes after the usual advice.
        Some(Sandbox::PrivateTmp) => format!(
            "cannot read the store ({err}); {what_to_do}; {}",
            Sandbox::PrivateTmp.advice()
        ),
        None => format!("cannot read the store ({err}); {what_to_do}"),
    })
}

/// A part of the shipped unit's sandbox that can hide a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sandbox {
    /// `ProtectHome=yes`: `/home`, `/root` and `/run/user` made empty and
    /// inaccessible to the service.
    ProtectHome,
    /// `PrivateTmp=yes`: a `/tmp` and `/var/tmp` of the service's own.
    PrivateTmp,
}

impl Sandbox {
    /// What a sysadmin can do about it.
    fn advice(self) -> &'static str {
        match self {
            Sandbox::ProtectHome => {
                "the unit's ProtectHome=yes hides /home, /root and /run/user from the \
                 service, whatever their permissions: move the store (e.g. to \
                 /var/lib/bantin/feeds), or set ProtectHome=read-only in a drop-in \
                 (`systemctl edit bantin`) and let the service's user enter every folder \
                 above it"
            }
            Sandbox::PrivateTmp => {
                "under the shipped unit, whose PrivateTmp=yes gives the service a /tmp and \
                 /var/tmp of its own, no folder there is the host's: move the store (e.g. \
                 to /var/lib/bantin/feeds)"
            }
        }
    }
}

/// The part of the shipped unit's sandbox that may hide `store`, when bantin
/// runs under systemd (`systemd`: `INVOCATION_ID` is set, which a service's
/// children inherit too): ProtectHome= when the home top `store` is under is
/// `inaccessible` (the mount it makes; outside the sandbox a home top is not
/// so, whatever its mode), PrivateTmp= for `/tmp` and `/var/tmp`, which
/// cannot be told from the host's and so is only a possibility.
fn sandbox_hint(
    store: &Path,
    systemd: bool,
    inaccessible: impl Fn(&Path) -> bool,
) -> Option<Sandbox> {
    if !systemd {
        return None;
    }
    let home_top = ["/home", "/root", "/run/user"]
        .into_iter()
        .map(Path::new)
        .find(|top| store.starts_with(top));
    if let Some(top) = home_top {
        return inaccessible(top).then_some(Sandbox::ProtectHome);
    }
    (store.starts_with("/tmp") || store.starts_with("/var/tmp")).then_some(Sandbox::PrivateTmp)
}

/// What a relative `store` is taken from, which a message about it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The folder of the config file that sets it.
    ConfigFolder,
    /// The working folder: `--store`, or the built-in default with no file.
    WorkingFolder,
}

/// The file as written. Every field has a default, so an empty file is valid.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawConfig {
    /// The article store; a relative path is relative to the config file's folder.
    pub store: PathBuf,
    /// The address the daemon listens on.
    pub listen: String,
    /// The IANA zone every timestamp is expressed in.
    pub time_zone: String,
    /// Files larger than this many bytes are rejected.
    pub max_file_size: u64,
    /// The site as readers see it.
    pub site: SiteConfig,
    /// Feed contents.
    pub feeds: FeedsConfig,
    /// HTTP server limits.
    pub http: HttpConfig,
    /// Following the store live.
    pub watch: WatchConfig,
    /// What the daemon remembers across restarts.
    pub state: StateConfig,
    /// WebSub hubs told of every feed change.
    pub websub: WebsubConfig,
    /// Archived feeds (RFC 5005 §4).
    pub archives: ArchivesConfig,
}

/// `[archives]`: the month-by-month archived feeds (RFC 5005 §4), rendered on
/// demand into a bounded cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArchivesConfig {
    /// `Cache-Control: max-age=N` of an archive, in seconds.
    pub max_age: u32,
    /// The most bytes of rendered archives kept in memory (each counts twice its
    /// size, for its compressed forms); 0 keeps none.
    pub cache_bytes: usize,
}

impl Default for ArchivesConfig {
    fn default() -> Self {
        ArchivesConfig {
            max_age: 86_400,
            cache_bytes: DEFAULT_ARCHIVE_CACHE_BYTES,
        }
    }
}

/// The default `[archives] cache_bytes`: 64 MiB.
pub const DEFAULT_ARCHIVE_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The longest `max-age` sent (`[http] cache_max_age`, `[archives] max_age`):
/// a year. More is a typo, and past 2147483648 s a cache must take it as that
/// (RFC 9111 §1.2.2), so the number sent would not be the one honoured.
const MAX_CACHE_AGE: u32 = 31_536_000;

impl ArchivesConfig {
    /// Whether `[archives]` can be used.
    fn check(&self, e: &Errors<'_>) -> Result<(), ConfigError> {
        e.whole("archives.max_age", self.max_age)?;
        e.whole("archives.cache_bytes", self.cache_bytes as u64)
    }
}

/// `[state]`: where the daemon keeps what it remembers across restarts (each
/// representation's ETag and Last-Modified).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StateConfig {
    /// The state folder; a relative path is relative to the config file's
    /// folder. Unset: `$STATE_DIRECTORY` (systemd's `StateDirectory=`), else
    /// `.bantin-state` next to the config file.
    pub dir: Option<PathBuf>,
}

/// `[websub]`: the WebSub hubs (W3C Recommendation) that bantin tells of
/// every changed feed, so subscribers get it pushed instead of polling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebsubConfig {
    /// The hubs' URLs (http or https); empty turns WebSub off.
    pub hubs: Vec<String>,
    /// How many times one ping is tried before it is given up.
    pub max_attempts: u32,
    /// The most pings waiting to be sent; past it the oldest is dropped.
    pub queue_size: usize,
    /// Seconds a hub gets to accept a connection, and again to answer a ping.
    pub timeout_secs: u64,
}

impl Default for WebsubConfig {
    fn default() -> Self {
        WebsubConfig {
            hubs: Vec::new(),
            max_attempts: 8,
            queue_size: 100_000,
            timeout_secs: 10,
        }
    }
}

/// The state folder when neither `[state] dir` nor `$STATE_DIRECTORY` names one,
/// relative to the config file's folder (or the working directory without one).
pub const DEFAULT_STATE_DIR: &str = ".bantin-state";

/// `[site]`: how the site names and addresses itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// The title of the all-articles feed and of the front page.
    pub title: String,
    /// The description of the all-articles feed.
    pub description: String,
    /// The public URL the site is reached at; links in feeds start with it.
    pub base_url: String,
    /// The feeds' language (BCP 47).
    pub language: String,
    /// The `tag:` URI authority for Atom ids, `domain,date` (RFC 4151). Set once, never change.
    pub tag_authority: String,
}

/// `[feeds]`: what goes into each feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedsConfig {
    /// How many of the newest articles a feed holds.
    pub items: usize,
    /// RSS `ttl`, in minutes.
    pub ttl: u32,
    /// The most bytes of HTML a feed item's content holds; a longer article's item
    /// carries its lead and a link to its page instead.
    pub max_item_bytes: usize,
    /// Overrides per category slug.
    pub categories: BTreeMap<String, CategoryOverride>,
}

/// `[feeds.categories."slug"]`: one category's overrides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CategoryOverride {
    /// The feed title instead of the breadcrumb name.
    pub title: Option<String>,
    /// The feed description.
    pub description: Option<String>,
    /// How many items this feed holds.
    pub items: Option<usize>,
}

/// `[http]`: what the server promises clients and what it tolerates from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// `Cache-Control: max-age=N`.
    pub cache_max_age: u32,
    /// Seconds a client has to send a request's headers (slowloris guard); on a
    /// keep-alive connection the clock starts when the previous response is sent,
    /// so this is also the idle timeout.
    pub header_timeout_secs: u64,
    /// Connections served at once; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Connections one client address may hold at once (IPv6: one /64); 0 = no
    /// limit. Behind a reverse proxy every connection comes from the proxy.
    pub max_connections_per_client: usize,
    /// Seconds a connection may stay open with no request in progress before it
    /// is closed (HTTP/2 with GOAWAY).
    pub idle_timeout_secs: u64,
    /// Seconds between HTTP/2 keep-alive PINGs; 0 = no pings.
    pub keepalive_ping_secs: u64,
    /// Seconds a client has to answer a keep-alive PING before its connection is closed.
    pub keepalive_ping_timeout_secs: u64,
    /// Seconds a response may make no progress (the client reads nothing) before
    /// its connection is closed.
    pub write_timeout_secs: u64,
    /// Bytes of response bodies made for its requests (archives and other
    /// renders on demand, article pages, month sitemaps) one client may hold
    /// unsent before it is refused more with 503; 0 = no limit.
    pub max_unsent_bytes_per_client: usize,
    /// The same for all clients together, shared out once it is held: a
    /// client under its fair share is still served, and the connections not
    /// moving of clients over theirs are closed; 0 = no limit.
    pub max_unsent_bytes: usize,
    /// The folder for the copies of large bodies that responses send with
    /// `sendfile(2)`, kept there as unnamed files; a relative path is relative
    /// to the config file's folder, and absolute once validated. The folder
    /// in force is [`Config::body_dir`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_dir: Option<PathBuf>,
    /// The client addresses `/metrics` is served to, each an address or a
    /// range (`10.0.0.0/8`), in canonical form once validated; others get
    /// 403. Loopback only by default: the page tells how the daemon is
    /// doing to whoever asks.
    pub metrics_from: Vec<String>,
}

/// `[watch]`: following the store as it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchConfig {
    /// Milliseconds of quiet that end a burst of file events.
    pub debounce_ms: u64,
    /// Seconds between full reconciliations of the store.
    pub reconcile_secs: u64,
    /// Files a reconciliation lists per second at most, to spare a slow or
    /// shared disk; 0 lists as fast as the disk answers.
    pub reconcile_files_per_sec: u64,
}

/// The default `max_file_size`: 4 MiB. The longest sample article is 8 KB and
/// the longest seen in a real store (an official document) 2.4 MB; a file over
/// this is not an article, and an article page is rendered from the whole file.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

/// The largest `max_file_size`: 64 MiB, 16 times the default and 27 times the
/// longest article seen. A file is read whole, and an article page is
/// rendered from the whole file on each request (several at once), so a
/// ceiling far above any article keeps one stray file (a disk image, a video
/// dropped in the store) from costing gigabytes of memory.
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// The default `[feeds] max_item_bytes`: 256 KiB, 30 times the longest sample
/// article's HTML, so only documents, not news, are shown as a lead and a link.
pub const DEFAULT_MAX_ITEM_BYTES: usize = 256 * 1024;

/// The smallest `[feeds] max_item_bytes` accepted: below it ordinary articles
/// would lose their content in feeds.
const MIN_ITEM_BYTES: usize = 1024;

/// The most items a live feed may hold: a feed is rendered whole on every
/// change of its newest articles and fetched whole by every reader, and the
/// monthly archives already hold every article.
const MAX_ITEMS: usize = 1000;

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            store: PathBuf::from("feeds"),
            listen: "127.0.0.1:8080".into(),
            time_zone: "Asia/Ho_Chi_Minh".into(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            site: SiteConfig::default(),
            feeds: FeedsConfig::default(),
            http: HttpConfig::default(),
            watch: WatchConfig::default(),
            state: StateConfig::default(),
            websub: WebsubConfig::default(),
            archives: ArchivesConfig::default(),
        }
    }
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            title: "Bản tin".into(),
            description: "Tin tức mới nhất".into(),
            base_url: "http://127.0.0.1:8080".into(),
            language: "vi".into(),
            tag_authority: "bantin.example,2020".into(),
        }
    }
}

impl Default for FeedsConfig {
    fn default() -> Self {
        FeedsConfig {
            items: 50,
            ttl: 60,
            max_item_bytes: DEFAULT_MAX_ITEM_BYTES,
            categories: BTreeMap::new(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            cache_max_age: 300,
            header_timeout_secs: 10,
            max_connections: 1024,
            shutdown_grace_secs: 10,
            max_connections_per_client: 32,
            idle_timeout_secs: 60,
            keepalive_ping_secs: 30,
            keepalive_ping_timeout_secs: 10,
            write_timeout_secs: 30,
            max_unsent_bytes_per_client: 64 * 1024 * 1024,
            max_unsent_bytes: 256 * 1024 * 1024,
            body_dir: None,
            metrics_from: vec!["127.0.0.0/8".to_owned(), "::1/128".to_owned()],
        }
    }
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            debounce_ms: 20,
            reconcile_secs: 300,
            reconcile_files_per_sec: 0,
        }
    }
}

/// Where the `listen` in force was set, which a message about it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenFrom {
    /// The config file, or the built-in default when there is none.
    Config,
    /// `--listen` on the command line.
    Flag,
}

/// A validated configuration: every value checked, every path resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    /// The article store root.
    pub store: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Where `listen` was set, for messages about it.
    pub listen_from: ListenFrom,
    /// The zone every timestamp is expressed in.
    pub tz: Tz,
    /// The size cap for article files, in bytes.
    pub max_file_size: u64,
    /// `[site]`, with `base_url` lacking a trailing slash.
    pub site: SiteConfig,
    /// `[feeds]`.
    pub feeds: FeedsConfig,
    /// `[http]`.
    pub http: HttpConfig,
    /// `[watch]`.
    pub watch: WatchConfig,
    /// The state folder in force, absolute (see [`StateConfig`]).
    pub state_dir: PathBuf,
    /// `[state]` as the file sets it (its folder made absolute), for the
    /// effective configuration: unset, the folder in force depends on how
    /// bantin is started (see [`Config::to_toml`]).
    pub state: StateConfig,
    /// The folder for body copies in force: `[http] body_dir`, else systemd's
    /// `$CACHE_DIRECTORY`; `None`: shared memory (see [`crate::site::sealed`]).
    pub body_dir: Option<PathBuf>,
    /// `[websub]`, with every hub URL in its normalized form.
    pub websub: WebsubConfig,
    /// `[archives]`.
    pub archives: ArchivesConfig,
}

impl Config {
    /// Reads and validates a config file, and what `checks` asks for outside
    /// it; `from` is where its path came from, which a file that cannot be
    /// read is reported with.
    pub fn load(path: &Path, from: PathFrom, checks: Checks) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            from,
            source,
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|e| problems::not_utf8(path, e.as_bytes(), e.utf8_error()))?;
        Config::parse(&text, Some(path), checks)
    }

    /// Parses and validates TOML text; `path` names the file in messages and
    /// anchors relative paths. The store is not looked at.
    pub fn from_toml(text: &str, path: Option<&Path>) -> Result<Config, ConfigError> {
        Config::parse(text, path, Checks::NONE)
    }

    /// Parses and validates TOML text as [`Config::from_toml`] does, and
    /// checks what `checks` asks for ([`store_problem`],
    /// [`Config::body_dir_error`]), reporting it with the file's other problems.
    pub fn parse(text: &str, path: Option<&Path>, checks: Checks) -> Result<Config, ConfigError> {
        let shown = shown(path);
        let e = Errors { file: &shown };
        let anchor = match path {
            Some(_) => Anchor::ConfigFolder,
            None => Anchor::WorkingFolder,
        };
        let outside = |cfg: &Config| {
            let store = match checks.store {
                StoreCheck::Readable => store_problem(&cfg.store, anchor)
                    .map(|reason| e.bad("store", &Shown::path(&cfg.store), &reason)),
                StoreCheck::Skip => None,
            };
            let body_dir = match checks.body_dir {
                BodyDirCheck::Usable => cfg.body_dir_error(),
                BodyDirCheck::Skip => None,
            };
            let state_dir = match checks.state_dir {
                StateDirCheck::Usable => cfg.state_dir_error(),
                StateDirCheck::Skip => None,
            };
            store.into_iter().chain(body_dir).chain(state_dir).collect()
        };
        problems::check(
            text,
            path,
            |raw, origins| raw.validate(path, origins),
            outside,
        )
    }

    /// Why the `[http] body_dir` the file sets cannot take body copies, as a
    /// config error (exit 64), for the commands that make them (`serve`, a
    /// reload, `config check`); `None` when it can, or when the key is unset.
    /// A folder only systemd names (`$CACHE_DIRECTORY`) is not an error: the
    /// administrator chose nothing, and copies then go to shared memory (see
    /// [`Config::body_dir`]).
    pub fn body_dir_error(&self) -> Option<ConfigError> {
        let dir = self.http.body_dir.as_deref()?;
        let reason = body_dir_problem(dir)?;
        let file = shown(self.path.as_deref());
        Some(Errors { file: &file }.bad("http.body_dir", &Shown::path(dir), &reason))
    }

    /// Why the `[state] dir` the file sets cannot be the state folder, as a
    /// config error (exit 64): it is a file, or a folder on its way is one.
    /// `None` when it is a folder, is missing (the daemon makes it), cannot be
    /// looked at, or the key is unset (see [`StateDirCheck::Usable`]).
    pub fn state_dir_error(&self) -> Option<ConfigError> {
        let dir = self.state.dir.as_deref()?;
        let reason = match std::fs::metadata(dir) {
            Ok(meta) if !meta.is_dir() => {
                "is a file, not a folder: set `dir` to a folder \
                (bantin makes it when it is missing), or remove the key for the default \
                ($STATE_DIRECTORY, else `.bantin-state` next to this file)"
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                "a folder on its path is a file: check the path, or remove the key for the \
                 default ($STATE_DIRECTORY, else `.bantin-state` next to this file)"
            }
            _ => return None,
        };
        let file = shown(self.path.as_deref());
        Some(Errors { file: &file }.bad("state.dir", &Shown::path(dir), reason))
    }

    /// Where `listen` was set, as a sysadmin would look for it:
    /// `listen = "…" in FILE`, `--listen …`, or the built-in default.
    pub fn listen_setting(&self) -> String {
        match (self.listen_from, &self.path) {
            (ListenFrom::Flag, _) => format!("--listen {}", self.listen),
            (ListenFrom::Config, Some(file)) => format!(
                "listen = \"{}\" in {}",
                self.listen,
                std::path::absolute(file)
                    .unwrap_or_else(|_| file.clone())
                    .display()
            ),
            (ListenFrom::Config, None) => format!(
                "listen = \"{}\", the built-in default (no config file)",
                self.listen
            ),
        }
    }

    /// With no config file, makes `[site] base_url` the address bantin
    /// listens on, `addr` (the port bound for port 0, the socket's address
    /// under socket activation; loopback for an unspecified address, which
    /// no link can name), so that canonical links, autodiscovery and the
    /// subscribe pages lead back to it; returns the new `base_url`. A config
    /// file keeps its `base_url`, or the default: a deployed site names its
    /// public URL, which every RSS guid starts with (Atom and JSON Feed ids
    /// are made from `tag_authority` and stay). So with no config file, RSS
    /// guids follow the address: another `--listen` port gives RSS readers
    /// every article again, as its links are new.
    pub fn listened_at(&mut self, addr: SocketAddr) -> Option<&str> {
        if self.path.is_some() {
            return None;
        }
        let ip = match addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        // `SocketAddr` writes an IPv6 address in brackets, as a URL has it.
        self.site.base_url = format!("http://{}", SocketAddr::new(ip, addr.port()));
        Some(&self.site.base_url)
    }

    /// The duration form of `[http] header_timeout_secs`.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.http.header_timeout_secs)
    }

    /// Whether every document rendered with `self` has the bytes it has
    /// rendered with `other` from the same articles: the settings feeds,
    /// archives and pages are made of (`[site]`, `[feeds]`, the time zone, the
    /// hubs named in every feed, `[archives]`, and the size cap that decides
    /// which articles are read). A reload that changes none of these changes
    /// only what the store changed, and is told to the hubs as a change is,
    /// without a pass over every term and month.
    pub fn renders_like(&self, other: &Config) -> bool {
        self.tz == other.tz
            && self.site == other.site
            && self.feeds == other.feeds
            && self.websub.hubs == other.websub.hubs
            && self.archives == other.archives
            && self.max_file_size == other.max_file_size
    }

    /// What readers will see again as new when a reload replaces `old` with
    /// `self`, for the log: RSS guids are article URLs, so a new `base_url`
    /// (a move to https, or to another host) changes every one; Atom and JSON
    /// Feed ids are `tag:` URIs of `tag_authority`, so a new authority
    /// changes theirs. Empty when neither changed.
    pub fn new_item_ids(&self, old: &Config) -> Vec<String> {
        let mut said = Vec::new();
        if self.site.base_url != old.site.base_url {
            said.push(format!(
                "[site] base_url changed from \"{}\" to \"{}\": RSS guids are article \
                 URLs, so RSS readers see every article again as new (Atom and JSON Feed \
                 ids, made from tag_authority, stay)",
                old.site.base_url, self.site.base_url
            ));
        }
        if self.site.tag_authority != old.site.tag_authority {
            said.push(format!(
                "[site] tag_authority changed from \"{}\" to \"{}\": Atom and JSON Feed \
                 readers see every article again as new (ids are tag:<tag_authority>:article/<id>); \
                 set it back unless that is meant",
                old.site.tag_authority, self.site.tag_authority
            ));
        }
        said
    }

    /// Items in the feed of `slug` (`None` for the all-articles feed).
    pub fn items_for(&self, slug: Option<&str>) -> usize {
        slug.and_then(|s| self.feeds.categories.get(s))
            .and_then(|o| o.items)
            .unwrap_or(self.feeds.items)
    }

    /// The `[feeds.categories."…"]` overrides whose slug names none of
    /// `slugs` (the store's categories), in key order: they apply to nothing.
    pub fn unknown_categories<'a>(
        &self,
        slugs: impl IntoIterator<Item = &'a str>,
    ) -> Vec<UnknownCategory> {
        let slugs: Vec<&str> = slugs.into_iter().collect();
        self.feeds
            .categories
            .keys()
            .filter(|key| !slugs.contains(&key.as_str()))
            .map(|key| UnknownCategory {
                key: format!(
                    "[feeds.categories.{}]",
                    toml_edit::Key::new(key.as_str()).display_repr()
                ),
                nearest: nearest_slugs(key, &slugs),
            })
            .collect()
    }

    /// Logs a warning for each override [`Config::unknown_categories`] finds:
    /// the slugs are known only once the store is read, so this runs after
    /// the first load and after each reload, not in `config check`.
    pub fn warn_unknown_categories<'a>(&self, slugs: impl IntoIterator<Item = &'a str>) {
        let file = self
            .path
            .as_ref()
            .map_or_else(|| "the config".to_owned(), |p| p.display().to_string());
        for unknown in self.unknown_categories(slugs) {
            let hint = match unknown.nearest.as_slice() {
                [] => String::new(),
                nearest => {
                    let quoted: Vec<String> = nearest.iter().map(|s| format!("\"{s}\"")).collect();
                    format!("; did you mean {}?", quoted.join(" or "))
                }
            };
            tracing::warn!(
                "{file}: {} names no category of the store, so it applies to nothing{hint} \
                 (category slugs are the paths of /feeds/<slug>.rss)",
                unknown.key
            );
        }
    }

    /// Why WebSub would announce feeds no hub can fetch: `[websub] hubs` are
    /// set but `[site] base_url`, which every topic and `rel="self"` starts
    /// with, is the default or a loopback address (whatever `listen` is, a
    /// hub elsewhere cannot reach it). `None` when WebSub is off or the URL
    /// names another host. Not an error: a hub on this machine can use it.
    pub fn websub_base_url_warning(&self) -> Option<String> {
        if self.websub.hubs.is_empty() {
            return None;
        }
        if !names_this_machine(&self.site.base_url) {
            return None;
        }
        let default = self.site.base_url == SiteConfig::default().base_url;
        let what = if default {
            "the built-in default"
        } else {
            "a loopback address"
        };
        Some(format!(
            "{}: [websub] hubs are set but [site] base_url is {:?}, {what}: every topic \
             pinged and every rel=\"self\" link names it, which no hub or subscriber on \
             another machine can fetch; set [site] base_url to the site's public URL, e.g. \
             \"https://tin.example.vn\"",
            shown(self.path.as_deref()).display(),
            self.site.base_url
        ))
    }

    /// The effective configuration as TOML, defaults filled in.
    pub fn to_toml(&self) -> String {
        let raw = RawConfig {
            store: self.store.clone(),
            listen: self.listen.to_string(),
            time_zone: self.tz.name().to_owned(),
            max_file_size: self.max_file_size,
            site: self.site.clone(),
            feeds: self.feeds.clone(),
            http: self.http.clone(),
            watch: self.watch.clone(),
            state: self.state.clone(),
            websub: self.websub.clone(),
            archives: self.archives.clone(),
        };
        let mut toml = toml::to_string(&raw)
            .unwrap_or_else(|e| format!("# cannot show the configuration: {e}\n"));
        // Folders left unset follow how bantin is started: said as comments,
        // so that copying this output into a config file does not pin the
        // folder a shell gave where systemd gives another (and the unit's
        // sandbox lets the service write only that one).
        let mut unset = |what: &str, now: &str| {
            toml.push_str(&format!("# {what}; here: {now}\n"));
        };
        if self.state.dir.is_none() {
            unset(
                "[state] dir is not set: the state is kept in $STATE_DIRECTORY when systemd \
                 gives one (StateDirectory=), else in .bantin-state next to the config file",
                &format!("{:?}", self.state_dir),
            );
        }
        if self.http.body_dir.is_none() {
            let now = self
                .body_dir
                .as_ref()
                .map_or_else(|| "shared memory".to_owned(), |d| format!("{d:?}"));
            unset(
                "[http] body_dir is not set: body copies go to $CACHE_DIRECTORY when systemd \
                 gives one (CacheDirectory=), else to shared memory",
                &now,
            );
        }
        toml
    }
}

impl RawConfig {
    /// No path key set to `""`: an empty path would be the config file's
    /// folder (`/etc/bantin`), which no one writing `""` for "unset" means.
    fn no_empty_path(&self, e: &Errors<'_>) -> Result<(), ConfigError> {
        for (key, value, default) in [
            (
                "store",
                Some(self.store.as_path()),
                "the folder `feeds` next to this file",
            ),
            (
                "state.dir",
                self.state.dir.as_deref(),
                "$STATE_DIRECTORY, else `.bantin-state` next to this file",
            ),
            (
                "http.body_dir",
                self.http.body_dir.as_deref(),
                "$CACHE_DIRECTORY, else shared memory",
            ),
        ] {
            if value.is_some_and(|v| v.as_os_str().is_empty()) {
                return Err(e.bad(
                    key,
                    &Shown::text(""),
                    &format!(
                        "an empty path would mean this file's own folder; give the \
                         folder's path, or remove the key for the default ({default})"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks every value; relative paths are anchored at the folder of `path`.
    fn validate(
        mut self,
        path: Option<&Path>,
        origins: &problems::Origins<'_>,
    ) -> Result<Config, ConfigError> {
        let shown = shown(path);
        let e = Errors { file: &shown };
        self.no_empty_path(&e)?;
        let tz: Tz = self.time_zone.parse().map_err(|_| {
            e.bad(
                "time_zone",
                &Shown::text(&self.time_zone),
                "not an IANA time zone name (e.g. \"Asia/Ho_Chi_Minh\")",
            )
        })?;
        let listen: SocketAddr = self.listen.parse().map_err(|_| {
            e.bad(
                "listen",
                &Shown::text(&self.listen),
                "expected an IP address and port such as \"127.0.0.1:8080\" or \"[::1]:8080\"",
            )
        })?;
        e.whole("max_file_size", self.max_file_size)?;
        let site = self.site.validated(&e)?;
        self.feeds.check(&e)?;
        self.http.check(&e, origins)?;
        let websub = self.websub.validated(&e)?;
        self.archives.check(&e)?;
        self.watch.check(&e)?;
        let store = match path.and_then(Path::parent) {
            Some(dir) if self.store.is_relative() => dir.join(&self.store),
            _ => self.store,
        };
        let state_dir = state_dir(
            self.state.dir.as_deref(),
            path,
            std::env::var_os("STATE_DIRECTORY").as_deref(),
        );
        let mut http = self.http;
        let body_dir = body_dir(
            http.body_dir.as_deref(),
            path,
            std::env::var_os("CACHE_DIRECTORY").as_deref(),
        )
        .map(|dir| {
            std::path::absolute(&dir).map_err(|err| {
                e.bad(
                    "http.body_dir",
                    &Shown::path(&dir),
                    &format!("cannot be made an absolute path ({err})"),
                )
            })
        })
        .transpose()?;
        // The key, when set, is the folder in force.
        http.body_dir = http.body_dir.and(body_dir.clone());
        let state_set = self.state.dir.is_some();
        let state_dir = std::path::absolute(&state_dir).map_err(|err| {
            e.bad(
                "state.dir",
                &Shown::path(&state_dir),
                &format!("cannot be made an absolute path ({err})"),
            )
        })?;
        // Absolute from here on: the watcher reports absolute paths, and a daemon
        // must not depend on its working directory after start.
        let store = std::path::absolute(&store).map_err(|err| {
            e.bad(
                "store",
                &Shown::path(&store),
                &format!("cannot be made an absolute path ({err})"),
            )
        })?;
        Ok(Config {
            path: path.map(Path::to_owned),
            store,
            listen,
            listen_from: ListenFrom::Config,
            tz,
            max_file_size: self.max_file_size,
            site,
            feeds: self.feeds,
            http,
            watch: self.watch,
            // The key, when set, is the folder in force.
            state: StateConfig {
                dir: state_set.then(|| state_dir.clone()),
            },
            state_dir,
            body_dir,
            websub,
            archives: self.archives,
        })
    }
}

/// The state folder: `[state] dir` (`key`, relative to the config file's
/// folder), else systemd's `$STATE_DIRECTORY` (`env`; its first folder when it
/// lists several), else [`DEFAULT_STATE_DIR`] next to the config file.
///
/// The key wins over the variable: it is the administrator's explicit choice
/// in the file `bantin config check` shows, while systemd sets the variable for
/// any unit with `StateDirectory=`. Under systemd the two agree unless the key
/// is set, and the unit's sandbox only lets the service write its
/// `StateDirectory=`, so leave the key unset there.
fn state_dir(key: Option<&Path>, config: Option<&Path>, env: Option<&std::ffi::OsStr>) -> PathBuf {
    let anchor = config.and_then(Path::parent).unwrap_or(Path::new(""));
    if let Some(dir) = key {
        return anchor.join(dir);
    }
    systemd_folder(env).unwrap_or_else(|| anchor.join(DEFAULT_STATE_DIR))
}

/// The folder a systemd directory variable (`$STATE_DIRECTORY`,
/// `$CACHE_DIRECTORY`) names: its first, when it lists several.
fn systemd_folder(env: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    env.and_then(|v| std::env::split_paths(v).next())
        .filter(|p| !p.as_os_str().is_empty())
}

/// The folder for body copies: `[http] body_dir` (`key`, relative to the
/// config file's folder), else systemd's `$CACHE_DIRECTORY` (`env`; its first
/// folder when it lists several), else none (shared memory). The key wins, as
/// for the state folder (see [`state_dir`]).
fn body_dir(
    key: Option<&Path>,
    config: Option<&Path>,
    env: Option<&std::ffi::OsStr>,
) -> Option<PathBuf> {
    let anchor = config.and_then(Path::parent).unwrap_or(Path::new(""));
    match key {
        Some(dir) => Some(anchor.join(dir)),
        None => systemd_folder(env),
    }
}

/// Why bodies cannot be kept in `dir`, with what to do, or `None` when this
/// process can make an unnamed file there (`O_TMPFILE`, as
/// [`crate::site::sealed`] does for every copy), which needs a folder it can
/// write on a file system that supports them (ext4, XFS, btrfs, tmpfs do).
pub fn body_dir_problem(dir: &Path) -> Option<String> {
    let made = rustix::fs::open(
        dir,
        rustix::fs::OFlags::TMPFILE | rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
    );
    let err = std::io::Error::from(made.err()?);
    let what_to_do = match err.kind() {
        std::io::ErrorKind::NotFound => "create it, or leave `body_dir` unset",
        std::io::ErrorKind::NotADirectory => "set `body_dir` to a folder, not a file",
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            "let the user bantin runs as write in it, or leave `body_dir` unset \
             (under systemd, `CacheDirectory=` makes one)"
        }
        _ => {
            "set `body_dir` to a folder on a file system with unnamed files \
              (O_TMPFILE: ext4, XFS, btrfs, tmpfs), or leave it unset"
        }
    };
    Some(format!(
        "cannot keep response bodies there ({err}); {what_to_do}"
    ))
}

/// The name a message gives the config: its path, or [`NO_FILE`].
fn shown(path: Option<&Path>) -> PathBuf {
    path.map_or_else(|| PathBuf::from(NO_FILE), Path::to_owned)
}

/// A rejected value as TOML writes it (`0`, `"Mars/Olympus"`), which is how
/// the sysadmin wrote it, so a message quotes it the same way.
pub struct Shown(String);

impl Shown {
    /// A number.
    pub fn number(n: impl Into<u64>) -> Shown {
        Shown(n.into().to_string())
    }

    /// A string, as a TOML basic string on one line: quoted, with `"`, `\\`,
    /// tabs and line breaks escaped, and every other character no one could
    /// see as `\uXXXX`, as the file must have written it: the controls,
    /// U+2028, U+2029, the bidirectional controls and marks that
    /// [`crate::text::printable`] escapes in logs (U+202A–U+202E,
    /// U+2066–U+2069, U+200E, U+200F, U+061C), U+FEFF, U+FFFE and U+FFFF.
    /// So a message stays one line, shows what is there, and a direction
    /// control in a refused value cannot turn around the rest of a log or
    /// terminal line. The other characters ignorable by default (a
    /// zero-width space, a soft hyphen, a joiner, a variation selector) are
    /// escaped too, so a title refused for showing nothing is quoted with
    /// what it holds.
    pub fn text(s: &str) -> Shown {
        use icu_properties::props::{BinaryProperty, DefaultIgnorableCodePoint};
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                // What logs hide (see `text::printable`), and what is
                // invisible or no character XML carries.
                c if crate::text::hidden(c)
                    || c == '\u{feff}'
                    || crate::text::is_noncharacter(c)
                    || DefaultIgnorableCodePoint::for_char(c) =>
                {
                    if c > '\u{FFFF}' {
                        out.push_str(&format!("\\U{:08X}", u32::from(c)));
                    } else {
                        out.push_str(&format!("\\u{:04X}", u32::from(c)));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
        Shown(out)
    }

    /// A path, as a TOML string (lossy if it is not UTF-8).
    pub fn path(p: &Path) -> Shown {
        Shown::text(&p.to_string_lossy())
    }
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Makes the errors about one config file's values, naming the file.
struct Errors<'a> {
    file: &'a Path,
}

impl Errors<'_> {
    /// `key` has the unusable `value`, for `reason`.
    fn bad(&self, key: &str, value: &Shown, reason: &str) -> ConfigError {
        ConfigError::Value {
            path: self.file.to_owned(),
            key: key.to_owned(),
            value: value.to_string(),
            reason: reason.to_owned(),
        }
    }

    /// The entries of the list at `key` that are not acceptable, each
    /// `(index, value, reason)`; `Ok` when there are none.
    fn entries(&self, key: &str, bad: Vec<(usize, Shown, &str)>) -> Result<(), ConfigError> {
        if bad.is_empty() {
            return Ok(());
        }
        Err(ConfigError::Entries {
            path: self.file.to_owned(),
            key: key.to_owned(),
            entries: bad
                .into_iter()
                .map(|(index, value, reason)| BadEntry {
                    index,
                    value: value.to_string(),
                    reason: reason.to_owned(),
                })
                .collect(),
        })
    }

    /// Whether the whole number `value` of the dotted `key` is within the
    /// bounds [`meaning::expected`] gives it, which the message then quotes.
    fn whole(&self, key: &str, value: impl Into<u64>) -> Result<(), ConfigError> {
        let path: Vec<&str> = key.split('.').collect();
        self.whole_at(key, &path, value.into())
    }

    /// [`Errors::whole`] for a key whose dotted form does not split into its
    /// path (a category slug holds any character).
    fn whole_at(&self, key: &str, path: &[&str], value: u64) -> Result<(), ConfigError> {
        match meaning::expected(path) {
            Some(meaning::Expected::Whole(bounds)) if !bounds.holds(value) => Err(self.bad(
                key,
                &Shown::number(value),
                &format!("expected {}", meaning::Expected::Whole(bounds)),
            )),
            _ => Ok(()),
        }
    }
}

impl SiteConfig {
    /// `[site]`, checked, with `base_url` losing its trailing slash.
    fn validated(mut self, e: &Errors<'_>) -> Result<SiteConfig, ConfigError> {
        let base = url::Url::parse(&self.base_url).map_err(|err| {
            e.bad(
                "site.base_url",
                &Shown::text(&self.base_url),
                &format!(
                    "not an absolute URL ({err}); expected an http:// or https:// URL \
                     such as \"https://tin.example.vn\""
                ),
            )
        })?;
        if let Some(reason) = base_url_problem(&base) {
            return Err(e.bad("site.base_url", &Shown::text(&self.base_url), reason));
        }
        self.base_url = base.as_str().trim_end_matches('/').to_owned();
        if !valid_tag_authority(&self.tag_authority) {
            return Err(e.bad(
                "site.tag_authority",
                &Shown::text(&self.tag_authority),
                "expected \"domain,date\" as in RFC 4151, e.g. \"news.example.vn,2020\"",
            ));
        }
        if let Err(err) = oxilangtag::LanguageTag::parse(self.language.as_str()) {
            return Err(e.bad(
                "site.language",
                &Shown::text(&self.language),
                &format!(
                    "not a BCP 47 language tag ({err}); expected a tag such as \"vi\" or \"vi-VN\""
                ),
            ));
        }
        let title = title_problem(
            &self.title,
            "it titles the site's pages and every feed (RSS 2.0 and Atom require a feed \
             title); e.g. \"Bản tin\"",
        );
        if let Some(reason) = title {
            return Err(e.bad("site.title", &Shown::text(&self.title), &reason));
        }
        if let Some(reason) = text_problem(&self.description, Text::Description) {
            return Err(e.bad("site.description", &Shown::text(&self.description), &reason));
        }
        Ok(self)
    }
}

/// What a text setting shown to readers (in feeds, pages and OPML lists) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    /// A title: one line.
    Title,
    /// A description: a paragraph, which may run over lines.
    Description,
}

/// Why `text`, a setting that goes into the feeds or pages that show it,
/// cannot be used for the characters it holds, or `None` when it can.
///
/// Refused everywhere: the characters XML 1.0 forbids (C0 controls other than
/// tab, line feed and carriage return; U+FFFE and U+FFFF), which would make
/// every feed holding them not well-formed, so that readers refuse it whole;
/// and the others the parser takes out of articles ([`text::kept`]): DEL and
/// the C1 controls, which XML 1.0 allows but discourages and no reader shows
/// (one is a slip of the keyboard or of an encoding), and U+FEFF, a byte
/// order mark pasted inside the text.
///
/// Also refused everywhere: the bidirectional embeddings, overrides and
/// isolates (U+202A–U+202E, U+2066–U+2069). One left open turns around
/// what follows the setting wherever it is shown inside other text (an
/// OPML `<title>` of the site's title, a colon and what the list holds; a
/// page's `<title>`), and articles have theirs closed as they are read
/// ([`text::balance_bidi`]). Refusing them all, rather than the unclosed
/// ones, keeps the rule one a sysadmin can check by eye in a file where
/// they do not show: the direction marks (U+200E, U+200F, U+061C), which
/// open nothing, stay allowed for a name written right to left.
///
/// A title is also refused a tab or a line break (`\n`, `\r`, NEL, U+2028,
/// U+2029): it is one line wherever it goes (a reader's list of feeds, an
/// HTML `<title>`, an OPML `text` attribute, which XML reads with its line
/// breaks made spaces), while JSON Feed carries them as they are, so the same
/// title would read differently in each format and on each page. A
/// description is a paragraph: tabs and line breaks are kept there.
fn text_problem(text: &str, kind: Text) -> Option<String> {
    text.chars().enumerate().find_map(|(i, c)| {
        let line_break = matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
        let why = match (c, kind) {
            (_, Text::Title) if line_break => {
                "a line break: a title is one line (in feed readers, page titles and OPML \
                 lists alike); write it on one line"
            }
            ('\t', Text::Title) => {
                "a tab: a title is one line of words, which a tab would not show alike in \
                 every feed and page; write a space"
            }
            ('\t' | '\n' | '\r', Text::Description) => return None,
            _ if !crate::text::xml_allowed(c) => {
                "a character XML 1.0 forbids: no feed holding it would be well-formed, and \
                 readers would refuse every one; take it out"
            }
            ('\u{FEFF}', _) => {
                "a byte order mark (zero-width no-break space) inside the text, most likely \
                 pasted from a file that began with one; take it out (U+2060 is the word \
                 joiner, if one was meant)"
            }
            _ if crate::text::is_noncharacter(c) => {
                "a Unicode noncharacter, which is never text and which XML 1.0 asks \
                 documents to avoid, most likely pasted by mistake; take it out"
            }
            _ if !crate::text::kept(c) => {
                "a control character (DEL or C1) that no reader shows and XML 1.0 \
                 discourages, most likely pasted by mistake; take it out"
            }
            ('\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}', _) => {
                "a bidirectional embedding, override or isolate, which turns around the \
                 text shown after the setting (a page's or an OPML list's title) unless it \
                 is closed, and does not show in the file; take it out (a direction mark, \
                 U+200E or U+200F, opens nothing)"
            }
            _ => return None,
        };
        Some(format!(
            "holds U+{:04X} (character {}), {why}",
            u32::from(c),
            i + 1
        ))
    })
}

/// Why `title` cannot title a feed, or `None`: its characters (see
/// [`text_problem`]), or nothing that shows: white space and characters
/// ignorable by default (a zero-width space, a soft hyphen, a joiner), as
/// an article's title of them is blank ([`text::visible_or_blank`]). `empty`
/// (what it titles, and what to write instead) follows in the message.
fn title_problem(title: &str, empty: &str) -> Option<String> {
    text_problem(title, Text::Title).or_else(|| {
        crate::text::visible_or_blank(crate::text::squash_spaces(title))
            .is_empty()
            .then(|| format!("must not be empty (nothing in it shows): {empty}"))
    })
}

impl FeedsConfig {
    /// Whether `[feeds]` can be used.
    fn check(&self, e: &Errors<'_>) -> Result<(), ConfigError> {
        e.whole("feeds.items", self.items as u64)?;
        e.whole("feeds.ttl", self.ttl)?;
        e.whole("feeds.max_item_bytes", self.max_item_bytes as u64)?;
        for (slug, o) in &self.categories {
            let table = format!(
                "feeds.categories.{}",
                toml_edit::Key::new(slug.as_str()).display_repr()
            );
            if let Some(items) = o.items {
                let key = format!("{table}.items");
                e.whole_at(&key, &["feeds", "categories", slug, "items"], items as u64)?;
            }
            if let Some(title) = &o.title {
                let empty = "it titles the category's feed wherever it is offered (RSS 2.0 \
                             and Atom require a feed title); leave `title` out for the \
                             category's path from its top-level section, e.g. \"Kinh tế › Du lịch\"";
                if let Some(reason) = title_problem(title, empty) {
                    return Err(e.bad(&format!("{table}.title"), &Shown::text(title), &reason));
                }
            }
            if let Some(description) = &o.description {
                if let Some(reason) = text_problem(description, Text::Description) {
                    return Err(e.bad(
                        &format!("{table}.description"),
                        &Shown::text(description),
                        &reason,
                    ));
                }
            }
        }
        Ok(())
    }
}

impl HttpConfig {
    /// The ranges of `metrics_from`, which [`HttpConfig::check`] has held to
    /// parse (one that does not is left out, so it admits no one).
    pub fn metrics_from(&self) -> Vec<ipnet::IpNet> {
        self.metrics_from
            .iter()
            .filter_map(|r| addr_range(r))
            .collect()
    }

    /// Whether `[http]` can be used; `origins` says which of its values the
    /// file sets, for the keys checked together.
    fn check(
        &mut self,
        e: &Errors<'_>,
        origins: &problems::Origins<'_>,
    ) -> Result<(), ConfigError> {
        // Every bad entry is reported, each at its place in the list.
        let mut bad = Vec::new();
        for (i, range) in self.metrics_from.iter_mut().enumerate() {
            match addr_range(range) {
                Some(net) => *range = net.to_string(),
                None => bad.push((
                    i,
                    Shown::text(range),
                    "every entry of [http] metrics_from must be an IP address \
                     (\"192.0.2.7\", \"::1\") or a range of them (\"10.0.0.0/8\", \
                     \"fd00::/8\"); use [] to serve /metrics to no one",
                )),
            }
        }
        e.entries("http.metrics_from", bad)?;
        e.whole("http.cache_max_age", self.cache_max_age)?;
        for (key, value) in [
            ("http.header_timeout_secs", self.header_timeout_secs),
            ("http.max_connections", self.max_connections as u64),
            ("http.shutdown_grace_secs", self.shutdown_grace_secs),
            (
                "http.max_connections_per_client",
                self.max_connections_per_client as u64,
            ),
            ("http.idle_timeout_secs", self.idle_timeout_secs),
            ("http.keepalive_ping_secs", self.keepalive_ping_secs),
            (
                "http.keepalive_ping_timeout_secs",
                self.keepalive_ping_timeout_secs,
            ),
            ("http.write_timeout_secs", self.write_timeout_secs),
        ] {
            e.whole(key, value)?;
        }
        self.unsent_budgets(e, origins)
    }

    /// Whether the two unsent budgets go together: a client allowed more
    /// than all clients together could leave the others nothing (behind a
    /// reverse proxy, 0, no limit per client, leaves the total alone in
    /// force). The problem is put at a value the file sets: the per-client
    /// share when it does, else the total; and none is when either was
    /// rejected already, whose default no one chose.
    fn unsent_budgets(
        &self,
        e: &Errors<'_>,
        origins: &problems::Origins<'_>,
    ) -> Result<(), ConfigError> {
        let (per_client, total) = (self.max_unsent_bytes_per_client, self.max_unsent_bytes);
        if total == 0 || per_client <= total {
            return Ok(());
        }
        let default = |origin| match origin {
            problems::Origin::Default => ", the default",
            _ => "",
        };
        let origin_of_per_client = origins.of(&["http", "max_unsent_bytes_per_client"]);
        let origin_of_total = origins.of(&["http", "max_unsent_bytes"]);
        match (origin_of_per_client, origin_of_total) {
            (problems::Origin::Rejected, _) | (_, problems::Origin::Rejected) => Ok(()),
            (problems::Origin::Default, problems::Origin::File) => Err(e.bad(
                "http.max_unsent_bytes",
                &Shown::number(total as u64),
                &format!(
                    "must not be less than max_unsent_bytes_per_client ({per_client}, the \
                     default, which this file does not set); raise it, or set \
                     max_unsent_bytes_per_client to at most {total} (0 means no limit per \
                     client)"
                ),
            )),
            _ => Err(e.bad(
                "http.max_unsent_bytes_per_client",
                &Shown::number(per_client as u64),
                &format!(
                    "must not be more than max_unsent_bytes ({total}{}); lower it, or \
                     raise max_unsent_bytes (0 means no limit per client)",
                    default(origin_of_total)
                ),
            )),
        }
    }
}

/// `text` as an address range: `a.b.c.d/n` or `x::y/n`, or one address (a
/// range of one). Host bits are cleared (`10.1.2.3/8` is `10.0.0.0/8`), and an
/// IPv4-mapped IPv6 range is its IPv4 one, as peers are compared as IPv4.
fn addr_range(text: &str) -> Option<ipnet::IpNet> {
    let net = match text.trim().parse::<ipnet::IpNet>() {
        Ok(net) => net,
        Err(_) => ipnet::IpNet::from(text.trim().parse::<std::net::IpAddr>().ok()?),
    };
    let net = match net {
        ipnet::IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => ipnet::IpNet::V4(ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).ok()?),
            None => net,
        },
        _ => net,
    };
    Some(net.trunc())
}

/// The longest `[watch] reconcile_secs`: a week. Events serve every change in
/// between; a reconciliation only repairs what they missed.
const MAX_RECONCILE_SECS: u64 = 604_800;

/// The longest `[watch] debounce_ms`: a minute, already a long wait for a change
/// to be served.
const MAX_DEBOUNCE_MS: u64 = 60_000;

impl WatchConfig {
    /// Whether `[watch]` can be used: its waits are added to the clock.
    fn check(&self, e: &Errors<'_>) -> Result<(), ConfigError> {
        e.whole("watch.debounce_ms", self.debounce_ms)?;
        e.whole("watch.reconcile_secs", self.reconcile_secs)?;
        e.whole(
            "watch.reconcile_files_per_sec",
            self.reconcile_files_per_sec,
        )
    }
}

impl WebsubConfig {
    /// `[websub]`, checked, with each hub URL normalized (as it is then sent
    /// in `Link` headers and documents, and posted to).
    fn validated(mut self, e: &Errors<'_>) -> Result<WebsubConfig, ConfigError> {
        // Every bad entry is reported, each at its place in the list.
        let mut bad = Vec::new();
        for i in 0..self.hubs.len() {
            let hub = &self.hubs[i];
            let url = url::Url::parse(hub)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            // The client posts to an `http::Uri`, and `Link` headers carry it as is.
            let Some(url) = url.filter(|u| http::Uri::try_from(u.as_str()).is_ok()) else {
                bad.push((
                    i,
                    Shown::text(hub),
                    "every hub in [websub] hubs must be an absolute http:// or https:// URL, \
                     e.g. \"https://pubsubhubbub.appspot.com/\"; use [] to turn WebSub off",
                ));
                continue;
            };
            // Told apart as normalized, from the hubs before it that are URLs.
            let twice = self.hubs[..i]
                .iter()
                .enumerate()
                .any(|(j, before)| before == url.as_str() && !bad.iter().any(|b| b.0 == j));
            if twice {
                bad.push((
                    i,
                    Shown::text(hub),
                    "is listed twice (as normalized): every change would be told to it twice; \
                     list each hub once",
                ));
            }
            self.hubs[i] = url.as_str().to_owned();
        }
        e.entries("websub.hubs", bad)?;
        e.whole("websub.max_attempts", self.max_attempts)?;
        e.whole("websub.queue_size", self.queue_size as u64)?;
        e.whole("websub.timeout_secs", self.timeout_secs)?;
        Ok(self)
    }
}

/// A `[feeds.categories."…"]` override that names no category of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCategory {
    /// The table as written in the file: `[feeds.categories."tin-tuc/thoisu"]`.
    pub key: String,
    /// The existing slugs closest to it (at most three), if any is close.
    pub nearest: Vec<String>,
}

/// The slugs of `slugs` nearest to `key`: those at the smallest
/// Damerau-Levenshtein distance, when it is at most one edit in four
/// characters (the rule unknown config keys are matched by); at most three.
fn nearest_slugs(key: &str, slugs: &[&str]) -> Vec<String> {
    let limit = problems::edits_allowed(key);
    let distances: Vec<(usize, &str)> = slugs
        .iter()
        .map(|s| (strsim::damerau_levenshtein(key, s), *s))
        .filter(|(d, _)| *d <= limit)
        .collect();
    let Some(best) = distances.iter().map(|(d, _)| *d).min() else {
        return Vec::new();
    };
    let mut nearest: Vec<String> = distances
        .iter()
        .filter(|(d, _)| *d == best)
        .map(|(_, s)| (*s).to_owned())
        .collect();
    nearest.sort();
    nearest.truncate(3);
    nearest
}

/// Why `base` cannot be the site's `base_url`, or `None` when it is
/// `scheme://host[:port]` with an empty or `/` path.
///
/// bantin serves at the root of its host: its pages link root-relative
/// (`/tags`) and its redirects' `Location` is a path (RFC 9110 §10.2.2), so a
/// path prefix would break either those or the feeds' links, whichever way a
/// proxy maps it. A fragment would end every link (RFC 3986 §3.5 puts it
/// last, so `…#x/feed.rss` is `…` with fragment `x/feed.rss`), and userinfo
/// would publish a password in every link (RFC 3986 §3.2.1 deprecates it).
fn base_url_problem(base: &url::Url) -> Option<&'static str> {
    if !matches!(base.scheme(), "http" | "https") {
        return Some("must be an http:// or https:// URL such as \"https://tin.example.vn\"");
    }
    if !base.username().is_empty() || base.password().is_some() {
        return Some(
            "must not hold a user name or password: every public link would carry it; \
             use \"scheme://host[:port]\" alone",
        );
    }
    if base.query().is_some() || base.fragment().is_some() {
        return Some(
            "must not have a query (?…) or fragment (#…): every link starts with base_url, \
             so links would end up inside it; use \"scheme://host[:port]\" alone",
        );
    }
    if base.path() != "/" {
        return Some(
            "must have no path: bantin serves at the root of its host, and its pages and \
             redirects link from the root (/tags, /feed.rss), which a path prefix (or a proxy \
             that strips one) breaks; serve it on a host name of its own, e.g. a subdomain \
             such as \"https://tin.example.vn\"",
        );
    }
    None
}

/// The most `[http] max_connections`: each connection is an open file, and
/// Linux allows a process at most `fs.nr_open` of them (1,048,576 unless
/// raised).
const MAX_CONNECTIONS: u64 = 1 << 20;

/// The longest `[http]` timeout accepted: a day. Longer is a typo, and deadlines
/// computed from it must not overflow.
const MAX_TIMEOUT_SECS: u64 = 86_400;

/// `domain,YYYY` or `domain,YYYY-MM` or `domain,YYYY-MM-DD` (RFC 4151 §2.1).
fn valid_tag_authority(s: &str) -> bool {
    let Some((domain, date)) = s.split_once(',') else {
        return false;
    };
    let domain_ok = !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@'));
    let parts: Vec<&str> = date.split('-').collect();
    let shape_ok = (1..=3).contains(&parts.len())
        && parts[0].len() == 4
        && parts[1..].iter().all(|p| p.len() == 2)
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()));
    // A real date: month 01–12, a day its month has (RFC 4151 §2.1 dates
    // are W3C dates).
    let number = |i: usize| parts.get(i).map_or(Some(1), |p| p.parse::<u32>().ok());
    let date_ok = shape_ok
        && match (parts[0].parse::<i32>().ok(), number(1), number(2)) {
            (Some(y), Some(m), Some(d)) => chrono::NaiveDate::from_ymd_opt(y, m, d).is_some(),
            _ => false,
        };
    domain_ok && date_ok
}

/// Whether the http(s) URL `url` names this machine: `localhost`, a loopback
/// address, or the unspecified one (which connects here). `false` for one
/// that does not parse.
pub fn names_this_machine(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.is_unspecified(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn empty_file_is_the_defaults() {
        let c = Config::from_toml("", None).unwrap();
        assert_eq!(c.tz, chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.feeds.items, 50);
        assert_eq!(c.feeds.max_item_bytes, 256 * 1024);
        assert_eq!(c.max_file_size, 4 * 1024 * 1024);
        assert_eq!(c.archives.max_age, 86_400);
        assert_eq!(c.archives.cache_bytes, 64 * 1024 * 1024);
        assert_eq!(c.store, std::env::current_dir().unwrap().join("feeds"));
    }

    #[test]
    fn a_new_base_url_or_tag_authority_is_told_as_new_ids_for_readers() {
        let c = |site: &str| Config::from_toml(&format!("[site]\n{site}"), None).unwrap();
        let before = c("base_url = \"http://tin.example.vn\"");
        assert_eq!(before.new_item_ids(&before), Vec::<String>::new());
        assert_eq!(
            c("title = \"Khác\"\nbase_url = \"http://tin.example.vn\"")
                .new_item_ids(&before)
                .len(),
            0
        );
        let https = c("base_url = \"https://tin.example.vn\"").new_item_ids(&before);
        assert_eq!(https.len(), 1, "{https:?}");
        assert!(
            https[0].starts_with(
                "[site] base_url changed from \"http://tin.example.vn\" to \"https://tin.example.vn\": \
                 RSS guids are article URLs, so RSS readers see every article again as new"
            ),
            "{https:?}"
        );
        let both =
            c("base_url = \"https://tin.example.vn\"\ntag_authority = \"tin.example.vn,2024\"")
                .new_item_ids(&before);
        assert_eq!(both.len(), 2, "{both:?}");
        assert!(both[1].contains("Atom and JSON Feed readers see every article again as new"));
    }

    #[test]
    fn only_the_settings_documents_are_made_of_render_differently() {
        let base = "[websub]\nhubs = [\"http://127.0.0.1:9/\"]\n";
        let c = |more: &str| Config::from_toml(&format!("{more}\n{base}"), None).unwrap();
        let before = c("");
        for alike in [
            "store = \"elsewhere\"",
            "listen = \"127.0.0.1:9090\"",
            "[http]\nmax_connections = 500",
            "[watch]\nreconcile_secs = 600",
            "[state]\ndir = \"s\"",
        ] {
            assert!(c(alike).renders_like(&before), "{alike}");
        }
        for different in [
            "time_zone = \"UTC\"",
            "max_file_size = 1048576",
            "[site]\ntitle = \"Khác\"",
            "[site]\nbase_url = \"https://tin.example\"",
            "[feeds]\nttl = 90",
            "[archives]\nmax_age = 600",
        ] {
            assert!(!c(different).renders_like(&before), "{different}");
        }
        let other_hub = Config::from_toml("[websub]\nhubs = [\"http://127.0.0.1:10/\"]", None);
        assert!(!other_hub.unwrap().renders_like(&before));
    }

    #[test]
    fn real_dates_language_tags_and_titles_are_accepted() {
        for ok in [
            "[site]\ntag_authority = \"tin.example.vn,2020-02-29\"",
            "[site]\ntag_authority = \"tin.example.vn,2020-12\"",
            "[site]\nlanguage = \"vi-VN\"",
            "[site]\nlanguage = \"vi\"",
            "[websub]\nhubs = [\"http://a.example/\", \"http://b.example/\"]",
        ] {
            assert!(Config::from_toml(ok, None).is_ok(), "{ok}");
        }
    }

    #[test]
    fn descriptions_may_run_over_lines_and_titles_hold_any_letter() {
        let c = Config::from_toml(
            "[site]\ntitle = \"Bản tin «Đông» · ☀\"\n\
             description = \"Dòng một\\tcột\\r\\ndòng hai\"\n\
             [feeds.categories.\"tin-tuc\"]\ndescription = \"Một\\nHai\"\n",
            None,
        )
        .unwrap();
        assert_eq!(c.site.description, "Dòng một\tcột\r\ndòng hai");
        assert_eq!(
            c.feeds.categories["tin-tuc"].description.as_deref(),
            Some("Một\nHai")
        );
        assert_eq!(text_problem("Một\nHai", Text::Description), None);
        // A name written right to left may carry direction marks, which
        // open nothing; an embedding, override or isolate is refused, as is
        // a byte order mark, and a title of nothing that shows is empty.
        assert_eq!(title_problem("Bản tin \u{200F}عربي\u{200E}", ""), None);
        for (title, why) in [
            ("\u{202E}Bản tin", "U+202E (character 1), a bidirectional"),
            (
                "Bản \u{2067}tin\u{2069}",
                "U+2067 (character 5), a bidirectional",
            ),
            ("Bản\u{FEFF}tin", "U+FEFF (character 4), a byte order mark"),
            ("\u{200B}", "must not be empty"),
            ("\u{AD}", "must not be empty"),
            (" \u{200D}\u{A0}", "must not be empty"),
        ] {
            let problem = title_problem(title, "").unwrap_or_default();
            assert!(problem.contains(why), "{title:?}: {problem}");
        }
        let problem = text_problem("Tin\u{202A}", Text::Description).unwrap_or_default();
        assert!(problem.contains("a bidirectional"), "{problem}");
        let title = text_problem("Một\nHai", Text::Title).unwrap();
        assert!(
            title.starts_with("holds U+000A (character 4), a line break"),
            "{title}"
        );
    }

    #[test]
    fn a_value_is_shown_on_one_line_as_toml_writes_it() {
        assert_eq!(Shown::text("Bản tin").to_string(), "\"Bản tin\"");
        assert_eq!(
            Shown::text("a\"b\\c\td\ne\r\u{1}\u{7f}\u{85}\u{2028}\u{ffff}").to_string(),
            r#""a\"b\\c\td\ne\r\u0001\u007F\u0085\u2028\uFFFF""#
        );
        // And it reads back as the same string.
        let shown = Shown::text("x\u{1}\"\\\n\u{ffff}y").to_string();
        let back: toml::Table = toml::from_str(&format!("v = {shown}")).unwrap();
        assert_eq!(back["v"].as_str(), Some("x\u{1}\"\\\n\u{ffff}y"));
        // A direction control or mark is escaped, so that it cannot turn
        // around the rest of the line, and the value still reads back.
        let turned = "\u{202E}Bản\u{202A}\u{202D}\u{202C} \u{2066}\u{2069}\u{200E}\u{200F}\u{61C}\u{FEFF}tin";
        let shown = Shown::text(turned).to_string();
        assert_eq!(
            shown,
            r#""\u202EBản\u202A\u202D\u202C \u2066\u2069\u200E\u200F\u061C\uFEFFtin""#
        );
        let back: toml::Table = toml::from_str(&format!("v = {shown}")).unwrap();
        assert_eq!(back["v"].as_str(), Some(turned));
        // So is every other character ignorable by default, beyond the
        // BMP too.
        let unseen = "\u{200B}\u{AD}\u{200D}\u{FE0F}\u{E0041}";
        let shown = Shown::text(unseen).to_string();
        assert_eq!(shown, r#""\u200B\u00AD\u200D\uFE0F\U000E0041""#);
        let back: toml::Table = toml::from_str(&format!("v = {shown}")).unwrap();
        assert_eq!(back["v"].as_str(), Some(unseen));
        let shown = Shown::text(turned).to_string();
        // Nothing in it is left for a log line to hide but its backslashes.
        assert_eq!(crate::text::printable(&shown), shown.replace('\\', "\\\\"));
    }

    #[test]
    fn a_file_that_cannot_be_read_says_where_it_was_named_and_what_to_do() {
        use std::io::ErrorKind;
        let read = |path: &str, from, kind: ErrorKind| {
            ConfigError::Read {
                path: PathBuf::from(path),
                from,
                source: kind.into(),
            }
            .to_string()
        };
        let msg = read("config.toml", PathFrom::Lookup, ErrorKind::IsADirectory);
        let full = std::env::current_dir().unwrap().join("config.toml");
        assert!(
            msg.starts_with(&format!(
                "cannot read config config.toml ({}), found by the lookup",
                full.display()
            )) && msg.contains("move it away")
                && msg.ends_with("name another config file with --config or $BANTIN_CONFIG"),
            "{msg}"
        );
        let msg = read("/etc/b.toml", PathFrom::Env, ErrorKind::PermissionDenied);
        assert!(
            msg.starts_with("cannot read config /etc/b.toml, given with $BANTIN_CONFIG: ")
                && msg.contains("let the user bantin runs as read it")
                && msg.contains("or unset it"),
            "{msg}"
        );
        let msg = read("/srv", PathFrom::Flag, ErrorKind::IsADirectory);
        assert!(msg.contains("such as /srv/config.toml"), "{msg}");
        let msg = read("/x", PathFrom::Flag, ErrorKind::InvalidData);
        assert!(
            msg.contains("; give --config a config file bantin can read"),
            "{msg}"
        );
        // Gone at a reload: not "check the path", which was right at start.
        let msg = read(
            "/srv/config.toml",
            PathFrom::LookupAtStart,
            ErrorKind::NotFound,
        );
        assert!(
            msg.starts_with("cannot read config /srv/config.toml, found by the lookup (no --config")
                && !msg.contains("check the path")
                && msg.ends_with("it has gone since bantin found it: put it back and reload again, or restart bantin to look for a config file again"),
            "{msg}"
        );
    }

    #[test]
    fn relative_store_is_anchored_at_the_config() {
        let c = Config::from_toml(
            "store = \"articles\"",
            Some(Path::new("/etc/bantin/config.toml")),
        )
        .unwrap();
        assert_eq!(c.store, PathBuf::from("/etc/bantin/articles"));
        // A config named by a relative path (`bantin --config config.toml`) still
        // gives an absolute store, anchored at the working directory.
        let c = Config::from_toml("store = \"articles\"", Some(Path::new("config.toml"))).unwrap();
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(c.store, cwd.join("articles"));
        let c = Config::from_toml("", None).unwrap();
        assert_eq!(c.store, cwd.join("feeds"));
    }

    #[test]
    fn unknown_key_names_the_key_and_file() {
        let e =
            Config::from_toml("[site]\ntitel = \"x\"\n", Some(Path::new("c.toml"))).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("c.toml") && msg.contains("titel"), "{msg}");
    }

    /// Configs with one bad value, and how their problem names the setting.
    const BAD_VALUES: &[(&str, &str)] = &[
        ("time_zone = \"Mars/Olympus\"", "time_zone"),
        ("listen = \"localhost\"", "listen"),
        ("[site]\nbase_url = \"not a url\"", "[site] base_url"),
        (
            "[site]\ntag_authority = \"example\"",
            "[site] tag_authority",
        ),
        (
            "[site]\ntag_authority = \"example.com,2020-13\"",
            "[site] tag_authority",
        ),
        (
            "[site]\ntag_authority = \"example.com,2021-02-29\"",
            "[site] tag_authority",
        ),
        (
            "[site]\nlanguage = \"xx-yy-zz-1234567890\"",
            "[site] language",
        ),
        ("[site]\nlanguage = \"vi_VN\"", "[site] language"),
        ("[site]\ntitle = \" \"", "[site] title"),
        ("[site]\ntitle = \"B\\u0001n tin\"", "[site] title"),
        ("[site]\ntitle = \"Bản\\ntin\"", "[site] title"),
        ("[site]\ntitle = \"Bản\\ttin\"", "[site] title"),
        ("[site]\ntitle = \"Bản\\u2028tin\"", "[site] title"),
        ("[site]\ndescription = \"Tin\\u0000\"", "[site] description"),
        ("[site]\ndescription = \"Tin\\u009B\"", "[site] description"),
        ("[site]\ndescription = \"Tin\\uFFFF\"", "[site] description"),
        ("[site]\ntitle = \"\\u200B\"", "[site] title"),
        ("[site]\ntitle = \"\\u00AD\"", "[site] title"),
        ("[site]\ntitle = \" \\u200D \\u2060\"", "[site] title"),
        ("[site]\ntitle = \"\\u202EBản tin\"", "[site] title"),
        ("[site]\ntitle = \"Bản \\u2067tin\\u2069\"", "[site] title"),
        ("[site]\ntitle = \"\\uFEFFBản tin\"", "[site] title"),
        ("[site]\ndescription = \"Tin\\u202B\"", "[site] description"),
        ("[site]\ndescription = \"Tin\\uFEFF\"", "[site] description"),
        (
            "[feeds.categories.\"tin-tuc\"]\ntitle = \"\\u200B\\u00AD\"",
            "[feeds.categories.tin-tuc] title",
        ),
        (
            "[feeds.categories.\"tin-tuc\"]\ntitle = \"Tin\\u2066\"",
            "[feeds.categories.tin-tuc] title",
        ),
        (
            "[feeds.categories.\"tin-tuc/thoi-su\"]\ntitle = \"\"",
            "[feeds.categories.\"tin-tuc/thoi-su\"] title",
        ),
        (
            "[feeds.categories.\"tin-tuc\"]\ntitle = \"Tin\\u0001\"",
            "[feeds.categories.tin-tuc] title",
        ),
        (
            "[feeds.categories.\"tin-tuc\"]\ndescription = \"Tin\\u0001\"",
            "[feeds.categories.tin-tuc] description",
        ),
        (
            "[websub]\nhubs = [\"http://x/\", \"HTTP://X\"]",
            "[websub] hubs",
        ),
        ("[feeds]\nitems = 0", "[feeds] items"),
        ("[feeds]\nitems = 1001", "[feeds] items"),
        (
            "[feeds.categories.\"tin-tuc\"]\nitems = 100000",
            "[feeds.categories.tin-tuc] items",
        ),
        ("[feeds]\nmax_item_bytes = 100", "[feeds] max_item_bytes"),
        ("[http]\nidle_timeout_secs = 0", "[http] idle_timeout_secs"),
        (
            "[http]\nwrite_timeout_secs = 0",
            "[http] write_timeout_secs",
        ),
        (
            "[http]\nwrite_timeout_secs = 100000",
            "[http] write_timeout_secs",
        ),
        (
            "[http]\nkeepalive_ping_timeout_secs = 0",
            "[http] keepalive_ping_timeout_secs",
        ),
        (
            "[http]\nkeepalive_ping_secs = 90000",
            "[http] keepalive_ping_secs",
        ),
        (
            "[http]\nmax_connections_per_client = -1",
            "max_connections_per_client",
        ),
        ("[websub]\nhubs = [\"ftp://x\"]", "[websub] hubs"),
        (
            "[http]\nmetrics_from = [\"10.0.0.300\"]",
            "[http] metrics_from",
        ),
        (
            "[http]\nmetrics_from = [\"10.0.0.0/33\"]",
            "[http] metrics_from",
        ),
        ("[http]\nmetrics_from = \"::1\"", "metrics_from"),
        ("[websub]\nhubs = [\"hub.example\"]", "[websub] hubs"),
        ("[websub]\nmax_attempts = 0", "[websub] max_attempts"),
        ("[websub]\nqueue_size = 0", "[websub] queue_size"),
        ("[websub]\ntimeout_secs = 0", "[websub] timeout_secs"),
        ("[archives]\nmax_age = 40000000", "[archives] max_age"),
        ("[http]\ncache_max_age = 40000000", "[http] cache_max_age"),
        (
            "[http]\nheader_timeout_secs = 0",
            "[http] header_timeout_secs",
        ),
        (
            "[http]\nheader_timeout_secs = 86401",
            "[http] header_timeout_secs",
        ),
        (
            "[http]\nshutdown_grace_secs = 86401",
            "[http] shutdown_grace_secs",
        ),
        ("max_file_size = 0", "max_file_size"),
        ("max_file_size = 67108865", "max_file_size"),
        ("[watch]\nreconcile_secs = 0", "[watch] reconcile_secs"),
        ("[watch]\nreconcile_secs = 604801", "[watch] reconcile_secs"),
        ("[watch]\ndebounce_ms = 60001", "[watch] debounce_ms"),
        ("[archives]\ncache_bytes = -1", "cache_bytes"),
        (
            "[http]\nmax_unsent_bytes = 1000\nmax_unsent_bytes_per_client = 1001",
            "[http] max_unsent_bytes_per_client",
        ),
        (
            "[http]\nmax_unsent_bytes_per_client = 400000000",
            "[http] max_unsent_bytes_per_client",
        ),
        ("[http]\nmax_unsent_bytes = -1", "max_unsent_bytes"),
        (
            "[http]\nmax_unsent_bytes = 10",
            "[http] max_unsent_bytes = 10",
        ),
    ];

    #[test]
    fn bad_values_name_the_key() {
        for (toml, key) in BAD_VALUES {
            let msg = Config::from_toml(toml, None).unwrap_err().to_string();
            assert!(msg.contains(key), "{toml}: {msg}");
        }
    }

    #[test]
    fn state_dir_key_then_systemd_then_next_to_the_config() {
        let cfg = Some(Path::new("/etc/bantin/config.toml"));
        let systemd = Some(std::ffi::OsStr::new("/var/lib/bantin"));
        assert_eq!(
            state_dir(Some(Path::new("state")), cfg, systemd),
            PathBuf::from("/etc/bantin/state")
        );
        assert_eq!(
            state_dir(Some(Path::new("/srv/state")), cfg, systemd),
            PathBuf::from("/srv/state")
        );
        assert_eq!(
            state_dir(None, cfg, systemd),
            PathBuf::from("/var/lib/bantin")
        );
        let two = Some(std::ffi::OsStr::new("/var/lib/bantin:/var/lib/other"));
        assert_eq!(state_dir(None, cfg, two), PathBuf::from("/var/lib/bantin"));
        assert_eq!(
            state_dir(None, cfg, None),
            PathBuf::from("/etc/bantin/.bantin-state")
        );
        assert_eq!(state_dir(None, None, None), PathBuf::from(".bantin-state"));
        let c =
            Config::from_toml("[state]\ndir = \"s\"", Some(Path::new("/etc/b/c.toml"))).unwrap();
        assert_eq!(c.state_dir, PathBuf::from("/etc/b/s"));
        assert!(
            c.to_toml().contains("[state]\ndir = \"/etc/b/s\"\n"),
            "{}",
            c.to_toml()
        );
        assert!(!c.to_toml().contains("# [state]"), "{}", c.to_toml());
    }

    #[test]
    fn folders_left_unset_are_shown_as_comments_not_pinned() {
        // Copied into a config file, the effective configuration must not
        // pin the folder a shell gave: under systemd another one is in force.
        let c = Config::from_toml("", Some(Path::new("/etc/b/c.toml"))).unwrap();
        let toml = c.to_toml();
        assert!(!toml.contains("\ndir = "), "{toml}");
        assert!(!toml.contains("\nbody_dir = "), "{toml}");
        let state = format!("{:?}", c.state_dir);
        assert!(
            toml.lines()
                .any(|l| l.starts_with("# [state] dir is not set: ")
                    && l.contains("$STATE_DIRECTORY")
                    && l.ends_with(&format!("here: {state}"))),
            "{toml}"
        );
        assert!(
            toml.lines()
                .any(|l| l.starts_with("# [http] body_dir is not set: ")
                    && l.contains("$CACHE_DIRECTORY")),
            "{toml}"
        );
        // And what it shows reads back as the same configuration.
        let again = Config::from_toml(&toml, Some(Path::new("/etc/b/c.toml"))).unwrap();
        assert_eq!(again.to_toml(), toml);
    }

    #[test]
    fn per_category_items() {
        let c = Config::from_toml("[feeds.categories.\"tin-tuc\"]\nitems = 5\n", None).unwrap();
        assert_eq!(c.items_for(Some("tin-tuc")), 5);
        assert_eq!(c.items_for(Some("khac")), 50);
        assert_eq!(c.items_for(None), 50);
    }

    #[test]
    fn a_store_the_unit_hides_is_named_with_the_unit_s_setting() {
        let hidden = |_: &Path| true;
        let open = |_: &Path| false;
        let home = sandbox_hint(Path::new("/home/news/feeds"), true, hidden);
        assert_eq!(home, Some(Sandbox::ProtectHome));
        assert!(Sandbox::ProtectHome
            .advice()
            .contains("systemctl edit bantin"));
        assert_eq!(
            sandbox_hint(Path::new("/root/feeds"), true, open),
            None,
            "a 0700 /root without the sandbox's mount: the usual advice"
        );
        assert_eq!(
            sandbox_hint(Path::new("/tmp/news"), true, open),
            Some(Sandbox::PrivateTmp)
        );
        assert!(Sandbox::PrivateTmp.advice().contains("PrivateTmp=yes"));
        assert_eq!(
            sandbox_hint(Path::new("/var/tmp/x"), true, open),
            Some(Sandbox::PrivateTmp)
        );
        assert_eq!(
            sandbox_hint(Path::new("/var/lib/bantin/feeds"), true, hidden),
            None
        );
        assert_eq!(
            sandbox_hint(Path::new("/homework"), true, hidden),
            None,
            "a component, not a prefix"
        );
        assert_eq!(
            sandbox_hint(Path::new("/home/news"), false, hidden),
            None,
            "outside systemd"
        );
    }

    #[test]
    fn metrics_are_for_loopback_by_default_and_ranges_are_normalized() {
        let c = Config::from_toml("", None).unwrap();
        let default = c.http.metrics_from();
        let local = |a: &str| {
            default
                .iter()
                .any(|n| n.contains(&a.parse::<IpAddr>().unwrap()))
        };
        assert!(local("127.0.0.1") && local("127.8.9.10") && local("::1"));
        assert!(!local("10.0.0.1") && !local("192.0.2.7") && !local("::2"));

        let c = Config::from_toml(
            "[http]\nmetrics_from = [\"10.1.2.3/8\", \"192.0.2.7\", \" fd00::1/8 \", \
             \"::ffff:198.51.100.0/120\"]",
            None,
        )
        .unwrap();
        assert_eq!(
            c.http.metrics_from,
            ["10.0.0.0/8", "192.0.2.7/32", "fd00::/8", "198.51.100.0/24"],
            "host bits cleared, one address a range of one, mapped IPv6 as IPv4"
        );
        let none = Config::from_toml("[http]\nmetrics_from = []", None).unwrap();
        assert!(
            none.http.metrics_from().is_empty(),
            "[] serves it to no one"
        );
    }

    #[test]
    fn websub_is_off_by_default_and_hub_urls_are_normalized() {
        let c = Config::from_toml("", None).unwrap();
        assert!(c.websub.hubs.is_empty());
        let c = Config::from_toml(
            "[websub]\nhubs = [\"HTTPS://Hub.Example\", \"http://127.0.0.1:9/hub\"]",
            None,
        )
        .unwrap();
        assert_eq!(
            c.websub.hubs,
            ["https://hub.example/", "http://127.0.0.1:9/hub"]
        );
    }

    #[test]
    fn base_url_is_a_scheme_host_and_port_only() {
        for url in [
            "https://tin.example.vn/news",
            "https://tin.example.vn/#frag",
            "https://u:p@tin.example.vn",
            "https://u@tin.example.vn",
            "https://tin.example.vn/?q",
            "mailto:tin@example.vn",
        ] {
            let toml = format!("[site]\nbase_url = \"{url}\"");
            let msg = Config::from_toml(&toml, None).unwrap_err().to_string();
            assert!(
                msg.contains("[site] base_url") && msg.contains(url),
                "{msg}"
            );
        }
        for url in ["https://tin.example.vn", "http://[::1]:8080/"] {
            let toml = format!("[site]\nbase_url = \"{url}\"");
            assert!(Config::from_toml(&toml, None).is_ok(), "{url}");
        }
    }

    #[test]
    fn the_store_is_checked_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("c.toml");
        let toml = "store = \"articles\"";
        let readable = Checks {
            store: StoreCheck::Readable,
            ..Checks::NONE
        };
        assert!(Config::parse(toml, Some(&config), Checks::NONE).is_ok());
        let msg = Config::parse(toml, Some(&config), readable)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("`store`") && msg.contains("articles"), "{msg}");
        std::fs::create_dir(dir.path().join("articles")).unwrap();
        assert!(Config::parse(toml, Some(&config), readable).is_ok());
        assert!(
            store_problem(&config, Anchor::ConfigFolder).is_some(),
            "a missing file"
        );
        std::fs::write(&config, toml).unwrap();
        let msg = store_problem(&config, Anchor::ConfigFolder).unwrap();
        assert!(msg.contains("not a file"), "a file: {msg}");
    }

    #[test]
    fn body_dir_key_then_systemd_then_none() {
        let cfg = Some(Path::new("/etc/bantin/config.toml"));
        let systemd = Some(std::ffi::OsStr::new("/var/cache/bantin:/var/cache/other"));
        assert_eq!(
            body_dir(Some(Path::new("bodies")), cfg, systemd),
            Some(PathBuf::from("/etc/bantin/bodies"))
        );
        assert_eq!(
            body_dir(None, cfg, systemd),
            Some(PathBuf::from("/var/cache/bantin"))
        );
        assert_eq!(body_dir(None, cfg, Some(std::ffi::OsStr::new(""))), None);
        assert_eq!(body_dir(None, cfg, None), None);
        let c = Config::from_toml("[http]\nbody_dir = \"b\"", Some(Path::new("/etc/b/c.toml")))
            .unwrap();
        assert_eq!(c.http.body_dir, Some(PathBuf::from("/etc/b/b")));
        assert_eq!(c.body_dir, Some(PathBuf::from("/etc/b/b")));
        assert!(
            c.to_toml().contains("body_dir = \"/etc/b/b\""),
            "{}",
            c.to_toml()
        );
    }

    #[test]
    fn a_body_dir_set_in_the_file_must_take_unnamed_files() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("c.toml");
        let toml = "[http]\nbody_dir = \"bodies\"";
        let cfg = Config::parse(toml, Some(&config), Checks::NONE).unwrap();
        assert_eq!(cfg.body_dir, Some(dir.path().join("bodies")));
        let msg = cfg.body_dir_error().unwrap().to_string();
        assert!(
            msg.contains("http.body_dir") && msg.contains("bodies") && msg.contains("create it"),
            "{msg}"
        );
        std::fs::create_dir(dir.path().join("bodies")).unwrap();
        assert!(cfg.body_dir_error().is_none());
        // Probing leaves nothing behind.
        assert_eq!(
            std::fs::read_dir(dir.path().join("bodies"))
                .unwrap()
                .count(),
            0
        );
        std::fs::write(&config, toml).unwrap();
        let msg = body_dir_problem(&config).unwrap();
        assert!(msg.contains("not a file"), "a file: {msg}");
        // A folder only systemd names is no error: copies go to shared memory.
        let mut by_systemd = Config::parse("", Some(&config), Checks::NONE).unwrap();
        by_systemd.body_dir = Some(dir.path().join("gone"));
        assert!(by_systemd.body_dir_error().is_none());
    }

    #[test]
    fn unknown_category_overrides_and_their_nearest_slugs() {
        let c = Config::from_toml(
            "[feeds.categories.\"tin-tuc/thoisu\"]\nitems = 5\n\
             [feeds.categories.\"thong-bao\"]\nitems = 5\n\
             [feeds.categories.xyz]\nitems = 5\n",
            None,
        )
        .unwrap();
        let slugs = [
            "tin-tuc",
            "tin-tuc/thoi-su",
            "tin-tuc/tong-hop",
            "thong-bao",
        ];
        assert_eq!(
            c.unknown_categories(slugs),
            [
                UnknownCategory {
                    key: "[feeds.categories.\"tin-tuc/thoisu\"]".into(),
                    nearest: vec!["tin-tuc/thoi-su".into()],
                },
                UnknownCategory {
                    key: "[feeds.categories.xyz]".into(),
                    nearest: vec![],
                },
            ]
        );
    }

    #[test]
    fn hubs_with_a_loopback_base_url_are_warned_of() {
        let warning = |toml: &str| {
            Config::from_toml(toml, None)
                .unwrap()
                .websub_base_url_warning()
        };
        let hubs = "[websub]\nhubs = [\"https://hub.example/\"]\n";
        let w = warning(hubs).unwrap();
        assert!(
            w.contains("[site] base_url")
                && w.contains("http://127.0.0.1:8080")
                && w.contains("default"),
            "{w}"
        );
        for base in [
            "http://localhost:9000",
            "http://[::1]:8080",
            "http://127.0.0.2",
        ] {
            let w = warning(&format!("[site]\nbase_url = \"{base}\"\n{hubs}")).unwrap();
            assert!(w.contains(base) && w.contains("loopback"), "{w}");
        }
        // A public URL, or no hubs: nothing to say.
        assert_eq!(
            warning(&format!(
                "[site]\nbase_url = \"https://tin.example.vn\"\n{hubs}"
            )),
            None
        );
        assert_eq!(warning(""), None);
    }

    #[test]
    fn base_url_loses_its_trailing_slash() {
        let c = Config::from_toml("[site]\nbase_url = \"https://tin.example.vn/\"", None).unwrap();
        assert_eq!(c.site.base_url, "https://tin.example.vn");
    }
}
