//! Runs the real `bantin` binary for integration tests: a temp store and config,
//! a daemon on `127.0.0.1:0`, and HTTP/1.1 clients with time limits.

// Each test crate that includes this module uses a different part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The `base_url` the test config keeps (the default): feed links start with it.
pub const BASE_URL: &str = "http://127.0.0.1:8080";

/// How long the daemon gets to scan, render and print its address.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long any one HTTP exchange may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one HTTP exchange may take on a daemon started by [`Daemon::serve`]:
/// a large or hostile store, or a daemon under load.
const SLOW_HTTP_TIMEOUT: Duration = Duration::from_secs(60);
/// The most body bytes a response is read up to.
const BODY_LIMIT: u64 = 256 * 1024 * 1024;
/// How long a stopped daemon gets to exit before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// Articles copied from the sample store `feeds/`: three categories, two levels.
const ARTICLES: &[&str] = &[
    "tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022.txt",
    "tin-tuc/thoi-su/trien-khai-cap-can-cuoc-luu-dong.txt",
    "tin-tuc/tong-hop/cau-treo-ban-na-lay.txt",
    "tin-tuc/tong-hop/le-hoi-hoa-ban-2024.txt",
    "thong-bao/tam-dung-cap-nuoc-phuong-hoa-lac.txt",
    "thong-bao/lich-tiep-cong-dan-thang-6-2021.txt",
];

/// A parser fixture whose title needs escaping everywhere (`<`, `&`, `"`, `]]>`),
/// stored under a file name with a space and Vietnamese letters, so its id must
/// be percent-encoded in links.
const ESCAPED: (&str, &str) = (
    "tests/fixtures/title-xml.txt",
    "tin-tuc/tong-hop/giá lúa cuối năm.txt",
);

/// A temp folder holding a store and a config file that points at it.
pub struct TempStore {
    dir: TempDir,
}

impl TempStore {
    /// A store with a few sample articles and a config listening on port 0.
    pub fn new() -> TempStore {
        TempStore::with_config("")
    }

    /// Like [`TempStore::new`], with `extra` TOML appended to the config.
    pub fn with_config(extra: &str) -> TempStore {
        let dir = tempfile::tempdir().expect("create a temp dir");
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let store = dir.path().join("store");
        let copies = ARTICLES
            .iter()
            .map(|rel| (manifest.join("feeds").join(rel), store.join(rel)))
            .chain(std::iter::once((
                manifest.join(ESCAPED.0),
                store.join(ESCAPED.1),
            )));
        for (from, to) in copies {
            std::fs::create_dir_all(to.parent().expect("a file in a folder")).unwrap();
            std::fs::copy(&from, &to)
                .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
        }
        let store = toml::Value::String(store.to_str().expect("a UTF-8 temp path").to_owned());
        let config = format!("store = {store}\nlisten = \"127.0.0.1:0\"\n{extra}\n");
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        TempStore { dir }
    }

    /// The store folder.
    #[allow(dead_code)] // Not every test binary writes to the store.
    pub fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// The config file.
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// Starts a daemon on this store and config.
    pub fn start(&self) -> Daemon {
        Daemon::start(&["--config".as_ref(), self.config().as_os_str()])
    }
}

/// The (article id, title) of each item of `/feed.json`, in feed order (an
/// item id ends in `article/<id>`), from one read of it.
#[allow(dead_code)] // Not every test binary reads the feed's items.
pub fn json_feed_items(d: &Daemon) -> Vec<(String, String)> {
    let feed: serde_json::Value = serde_json::from_str(&d.body("/feed.json")).unwrap();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let id = i["id"].as_str().unwrap();
            let id = id.split_once("article/").unwrap().1.to_owned();
            (id, i["title"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// The article ids of `/feed.json`, in feed order.
#[allow(dead_code)] // Not every test binary reads the feed's items.
pub fn json_feed_ids(d: &Daemon) -> Vec<String> {
    json_feed_items(d).into_iter().map(|(id, _)| id).collect()
}

/// A running `bantin serve`; terminated (then killed if need be) on drop.
pub struct Daemon {
    child: Child,
    /// The port it printed.
    pub port: u16,
    stderr: Arc<Mutex<String>>,
    /// The thread copying its stderr into `stderr`, until read to the end.
    reader: Option<std::thread::JoinHandle<()>>,
    agent: ureq::Agent,
}

/// How to start the binary, besides its arguments.
#[derive(Debug, Default)]
pub struct Launch<'a> {
    /// The working directory (the test's own when `None`).
    pub cwd: Option<&'a Path>,
    /// Variables set after the harness has cleared the ones bantin and systemd
    /// read (`NOTIFY_SOCKET`, `LISTEN_FDS`, ...), so a test sets exactly what it means.
    pub env: Vec<(&'a str, OsString)>,
    /// A program and its arguments that run the binary: the binary's path and
    /// `args` follow them (`systemd-socket-activate -l ADDR`, `sh -c SCRIPT`).
    pub wrapper: Vec<OsString>,
}

/// The binary run through `wrapper`, a program and its arguments that are
/// given the binary's path (and then the arguments the caller adds); the
/// binary itself when `wrapper` is empty.
pub fn wrapped(wrapper: &[OsString]) -> Command {
    let bin = OsStr::new(env!("CARGO_BIN_EXE_bantin"));
    match wrapper.split_first() {
        Some((program, wrapper_args)) => {
            let mut c = Command::new(program);
            c.args(wrapper_args).arg(bin);
            c
        }
        None => Command::new(bin),
    }
}

/// `nobody` and `nogroup` on Debian, and the overflow ids on Linux generally.
pub const NOBODY: u32 = 65534;

/// A wrapper (for [`wrapped`] or [`Launch::wrapper`]) that runs bantin where
/// permissions stop it: none, to run it as the test's own user, or, when the
/// tests run as root (as CI does), `setpriv` running it as `nobody`, from a
/// copy of the binary in `dir` (the build folder may be closed to other
/// users); `dir` is opened to everyone. `None` for root with no `setpriv`
/// (util-linux), whom no permission stops.
pub fn unprivileged(dir: &Path) -> Option<Vec<OsString>> {
    use std::os::unix::fs::PermissionsExt;
    if !rustix::process::geteuid().is_root() {
        return Some(Vec::new());
    }
    let setpriv = Command::new("setpriv").arg("--version").output();
    if !setpriv.is_ok_and(|o| o.status.success()) {
        return None;
    }
    let copy = dir.join("bantin");
    std::fs::copy(env!("CARGO_BIN_EXE_bantin"), &copy).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    // `sh -c SCRIPT BIN ARGS...`: the harness's binary path becomes `$0`, and
    // the copy runs with the arguments. setpriv and sh exec, so the pid the
    // harness signals is bantin's.
    let script = format!("exec '{}' \"$@\"", copy.display());
    let wrapper = [
        "setpriv".to_owned(),
        format!("--reuid={NOBODY}"),
        format!("--regid={NOBODY}"),
        "--clear-groups".to_owned(),
        "--".to_owned(),
        "sh".to_owned(),
        "-c".to_owned(),
        script,
    ];
    Some(wrapper.into_iter().map(OsString::from).collect())
}

/// Runs the binary with `args` as `launch` says and collects its stderr in the
/// background.
fn spawn(
    args: &[&OsStr],
    launch: &Launch<'_>,
) -> (Child, Arc<Mutex<String>>, std::thread::JoinHandle<()>) {
    let mut command = wrapped(&launch.wrapper);
    if let Some(cwd) = launch.cwd {
        command.current_dir(cwd);
    }
    command
        .args(args)
        .env_remove("BANTIN_CONFIG")
        .env_remove("JOURNAL_STREAM")
        .env_remove("LISTEN_FDS")
        .env_remove("LISTEN_PID")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("STATE_DIRECTORY")
        .env_remove("CACHE_DIRECTORY")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .env("RUST_LOG", "info");
    for (key, value) in &launch.env {
        command.env(key, value);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {:?}: {e}", command.get_program()));
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stderr.take().expect("stderr is piped");
    let sink = stderr.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    (child, stderr, reader)
}

/// Waits (at most 5 s) for the thread copying an exited process's stderr to
/// reach the end of the pipe: the process has exited, but what it wrote last
/// may not be copied yet, and a test reading its stderr then would miss it.
fn finish_reading(reader: &mut Option<std::thread::JoinHandle<()>>) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while reader.as_ref().is_some_and(|r| !r.is_finished()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    if reader
        .as_ref()
        .is_some_and(std::thread::JoinHandle::is_finished)
    {
        if let Some(r) = reader.take() {
            r.join().expect("the stderr reader does not panic");
        }
    } else if reader.is_some() {
        eprintln!("stderr not read to its end within 5 s: a process kept the pipe open");
    }
}

/// Waits for `child` to exit, at most `limit`.
fn wait_bounded(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs the binary to completion (at most 20 s): its exit status and stderr.
pub fn run(args: &[&OsStr]) -> (ExitStatus, String) {
    let (mut child, stderr, reader) = spawn(args, &Launch::default());
    let status = wait_bounded(&mut child, START_TIMEOUT).unwrap_or_else(|| {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "bantin did not exit within {START_TIMEOUT:?}; stderr:\n{}",
            stderr.lock().unwrap()
        )
    });
    // The process is gone, so the pipe is at EOF and the reader ends.
    reader.join().expect("the stderr reader does not panic");
    let text = stderr.lock().unwrap().clone();
    (status, text)
}

/// Runs the real binary to completion in an empty folder, so no `./config.toml`
/// is picked up: the default configuration unless `args` name one.
pub fn bantin<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let cwd = tempfile::tempdir().expect("create a temp dir");
    Command::new(env!("CARGO_BIN_EXE_bantin"))
        .args(args)
        .current_dir(cwd.path())
        .env_remove("BANTIN_CONFIG")
        .env("RUST_LOG", "off")
        .output()
        .expect("run the bantin binary")
}

/// How long `bantin check` may take on a large or hostile store.
const CHECK_TIMEOUT: Duration = Duration::from_secs(120);

/// `bantin check --json PATH...` (with `--config` when given), run to completion
/// in an empty folder, at most two minutes: the exit code and one JSON object per
/// output line.
pub fn check_json(config: Option<&Path>, paths: &[&Path]) -> (i32, Vec<serde_json::Value>) {
    check_json_with(&[], config, paths)
}

/// [`check_json`] run through `wrapper`, a program and its arguments that are
/// given the binary's path and its arguments (as [`Launch::wrapper`]).
pub fn check_json_with(
    wrapper: &[OsString],
    config: Option<&Path>,
    paths: &[&Path],
) -> (i32, Vec<serde_json::Value>) {
    let cwd = tempfile::tempdir().expect("create a temp dir");
    let mut command = wrapped(wrapper);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let mut child = command
        .args(["check", "--json"])
        .args(paths)
        .current_dir(cwd.path())
        .env_remove("BANTIN_CONFIG")
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run the bantin binary");
    // Drained in the background: a large report must not block the child on a full pipe.
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        stdout.read_to_end(&mut all).map(|_| all)
    });
    let status = wait_bounded(&mut child, CHECK_TIMEOUT).unwrap_or_else(|| {
        let _ = child.kill();
        let _ = child.wait();
        panic!("bantin check did not finish within {CHECK_TIMEOUT:?}")
    });
    let out = reader
        .join()
        .expect("the stdout reader does not panic")
        .expect("read the check output");
    let text = String::from_utf8(out).expect("UTF-8 check output");
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:.200}")))
        .collect();
    (status.code().expect("check exits, not killed"), lines)
}

/// Every file under `dir` by `/`-separated relative path, with its bytes; empty
/// when `dir` does not exist.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    if !dir.exists() {
        return BTreeMap::new();
    }
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_str().unwrap();
            (rel.replace('\\', "/"), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Whether XML 1.0 (§2.2 `Char`) allows `c`, written out here rather than taken
/// from the crate under test.
pub fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Whether XML 1.0 forbids `c` even as a character reference.
pub fn xml_forbidden(c: char) -> bool {
    !xml_char(c)
}

/// XML 1.0 well-formedness, one root element, and no characters XML forbids,
/// written or escaped.
pub fn assert_well_formed_xml(bytes: &[u8], what: &str) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(
        text.chars().find(|&c| xml_forbidden(c)),
        None,
        "{what}: a character XML forbids"
    );
    let mut reader = quick_xml::Reader::from_str(text);
    let (mut depth, mut roots) = (0_i32, 0);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => {
                roots += i32::from(depth == 0);
                depth += 1;
            }
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Empty(_)) if depth == 0 => roots += 1,
            Ok(quick_xml::events::Event::Text(t)) => {
                // Character references must not smuggle forbidden characters in.
                let t = t.unescape().unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(t.chars().find(|&c| xml_forbidden(c)), None, "{what}");
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "{what}: not well-formed at byte {}: {e}",
                reader.error_position()
            ),
        }
    }
    assert_eq!((depth, roots), (0, 1), "{what}: one root element, closed");
}

impl Daemon {
    /// Starts `bantin` with `args` and waits for its `listening on` line.
    pub fn start(args: &[&OsStr]) -> Daemon {
        Daemon::start_within(args, START_TIMEOUT, HTTP_TIMEOUT)
    }

    /// Starts `bantin --config <config>`, waits at most `limit` for its address,
    /// and gives each HTTP exchange up to a minute.
    pub fn serve(config: &Path, limit: Duration) -> Daemon {
        Daemon::start_within(
            &["--config".as_ref(), config.as_os_str()],
            limit,
            SLOW_HTTP_TIMEOUT,
        )
    }

    /// Starts `bantin` with `args`, waits at most `limit` for its `listening on`
    /// line, and lets each HTTP exchange take up to `http`.
    pub fn start_within(args: &[&OsStr], limit: Duration, http: Duration) -> Daemon {
        Daemon::launch(args, None, limit, http)
    }

    /// Starts `bantin` with `args` in the working directory `cwd`.
    pub fn start_in(cwd: &Path, args: &[&OsStr]) -> Daemon {
        Daemon::launch(args, Some(cwd), START_TIMEOUT, HTTP_TIMEOUT)
    }

    fn launch(args: &[&OsStr], cwd: Option<&Path>, limit: Duration, http: Duration) -> Daemon {
        let launch = Launch {
            cwd,
            ..Launch::default()
        };
        Daemon::spawn(args, &launch).listening(limit, http)
    }

    /// Starts `bantin` with `args` as `launch` says, without waiting for it to
    /// listen: under socket activation it starts only at the first connection.
    pub fn spawn(args: &[&OsStr], launch: &Launch<'_>) -> Spawned {
        let (mut child, stderr, reader) = spawn(args, launch);
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        // Keep draining stdout after the first line so the daemon never blocks on it.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        Spawned {
            child: Some(child),
            stdout: rx,
            stderr,
            reader: Some(reader),
        }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Rewrites an absolute link under [`BASE_URL`] to this daemon; `None` for
    /// links elsewhere.
    pub fn local(&self, link: &str) -> Option<String> {
        link.strip_prefix(BASE_URL)
            .filter(|rest| rest.starts_with('/'))
            .map(|rest| self.url(rest))
    }

    /// A request with `method` and `headers` through ureq (keep-alive, no decompression).
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let url = if path.starts_with("http://") {
            path.to_owned()
        } else {
            self.url(path)
        };
        let mut req = self.agent.request(method, &url);
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let resp = match req.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {url}: {e}"),
        };
        let status = resp.status();
        let headers = resp
            .headers_names()
            .into_iter()
            .flat_map(|name| {
                resp.all(&name)
                    .into_iter()
                    .map(|v| (name.to_ascii_lowercase(), v.to_owned()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut body = Vec::new();
        resp.into_reader()
            .take(BODY_LIMIT)
            .read_to_end(&mut body)
            .unwrap_or_else(|e| panic!("{method} {url}: reading the body: {e}"));
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A GET with `headers`.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.request("GET", path, headers)
    }

    /// A GET of `path` once its Last-Modified has settled: a representation
    /// changed within the last second or so may be dated ahead of the clock,
    /// and until the clock gets there its header says the present (RFC 9110
    /// §8.8.2.1), so it moves. A header before the response's Date is the real
    /// date; a response other than 200 is taken as it is.
    pub fn get_settled(&self, path: &str) -> Reply {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let r = self.get(path, &[]);
            let date = |n: &str| r.header(n).and_then(|v| httpdate::parse_http_date(v).ok());
            if r.status != 200 || date("last-modified") < date("date") {
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "{path}: Last-Modified {:?} still at the Date {:?} after 10 s",
                r.header("last-modified"),
                r.header("date")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A GET that must answer 200; the body as text.
    pub fn body(&self, path: &str) -> String {
        let r = self.get(path, &[]);
        assert_eq!(r.status, 200, "GET {path}");
        r.text()
    }

    /// The value of the unlabelled metric `name`, if `/metrics` has it.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.body("/metrics")
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
    }

    /// Polls every 50 ms until `ok` holds; fails the test, with the daemon's
    /// log, if it does not within 10 s. `what` says what was waited for.
    pub fn wait_until(&self, what: &str, mut ok: impl FnMut() -> bool) {
        const LIMIT: Duration = Duration::from_secs(10);
        let deadline = Instant::now() + LIMIT;
        while !ok() {
            assert!(
                Instant::now() < deadline,
                "{what}: not seen within {LIMIT:?}; daemon stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The first line of the daemon's log holding `needle`, waited for as
    /// [`Daemon::wait_until`] waits.
    pub fn log_line(&self, needle: &str) -> String {
        self.wait_until(needle, || self.stderr().contains(needle));
        self.stderr()
            .lines()
            .find(|l| l.contains(needle))
            .expect("the line just seen")
            .to_owned()
    }

    /// A request written by hand on a fresh connection with `Connection: close`;
    /// the body is every byte after the head, so it shows what is on the wire.
    pub fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut stream =
            TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), HTTP_TIMEOUT)
                .expect("connect to the daemon");
        stream.set_read_timeout(Some(HTTP_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(HTTP_TIMEOUT)).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
            self.port
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let mut all = Vec::new();
        stream
            .read_to_end(&mut all)
            .unwrap_or_else(|e| panic!("{method} {path}: reading the response: {e}"));
        let end = all
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("{method} {path}: no end of head in {all:?}"));
        let head = std::str::from_utf8(&all[..end]).expect("an ASCII response head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("a status line");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers = lines
            .map(|l| {
                let (k, v) = l.split_once(':').expect("a header line");
                (k.trim().to_ascii_lowercase(), v.trim().to_owned())
            })
            .collect();
        Reply {
            status,
            headers,
            body: all[end + 4..].to_vec(),
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        self.signal(rustix::process::Signal::TERM);
    }

    /// Sends `signal`.
    pub fn signal(&self, signal: rustix::process::Signal) {
        // The child may have exited already; then there is nothing to signal.
        let _ = rustix::process::kill_process(self.pid(), signal);
    }

    /// The process id.
    pub fn pid(&self) -> rustix::process::Pid {
        rustix::process::Pid::from_child(&self.child)
    }

    /// `VmRSS` from `/proc/<pid>/status`, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmRSS line")
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL, and reap.
    pub fn kill9(&mut self) {
        self.signal(rustix::process::Signal::KILL);
        let _ = self.child.wait();
    }

    /// Waits for the daemon to exit, at most `limit`; once it has, all it
    /// wrote to stderr is in [`Daemon::stderr`].
    pub fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let status = wait_bounded(&mut self.child, limit);
        if status.is_some() {
            finish_reading(&mut self.reader);
        }
        status
    }

    /// What the daemon wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

/// A process started by [`Daemon::spawn`] that has not said where it listens yet;
/// killed on drop unless it became a [`Daemon`].
pub struct Spawned {
    child: Option<Child>,
    stdout: mpsc::Receiver<String>,
    stderr: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Spawned {
    /// Waits at most `limit` for stderr to contain `needle`; whether it did.
    pub fn stderr_contains(&self, needle: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if self.stderr.lock().unwrap().contains(needle) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The process id (of the wrapper, when there is one).
    pub fn pid(&self) -> rustix::process::Pid {
        rustix::process::Pid::from_child(self.child.as_ref().expect("not yet a daemon"))
    }

    /// Waits at most `limit` for the process to exit: its status (`None` if
    /// it did not), and its stderr (all of it, once it has exited).
    pub fn wait(mut self, limit: Duration) -> (Option<ExitStatus>, String) {
        let child = self.child.as_mut().expect("not yet a daemon");
        let status = wait_bounded(child, limit);
        if status.is_some() {
            finish_reading(&mut self.reader);
        }
        (status, self.stderr())
    }

    /// Waits at most `limit` for the `listening on` line; each HTTP exchange
    /// with the daemon may then take up to `http`.
    pub fn listening(mut self, limit: Duration, http: Duration) -> Daemon {
        let deadline = Instant::now() + limit;
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = line.strip_prefix("listening on ") {
                        let addr: std::net::SocketAddr =
                            addr.trim().parse().expect("a socket address");
                        assert!(addr.ip().is_loopback(), "listening on {addr}");
                        break addr.port();
                    }
                }
                // `self` is dropped on the way out, which kills the process.
                Err(_) => panic!(
                    "no `listening on` line within {limit:?}; stderr:\n{}",
                    self.stderr()
                ),
            }
        };
        let agent = ureq::AgentBuilder::new().timeout(http).redirects(0).build();
        Daemon {
            child: self
                .child
                .take()
                .expect("a spawned process becomes a daemon once"),
            port,
            stderr: self.stderr.clone(),
            reader: self.reader.take(),
            agent,
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        self.terminate();
        if wait_bounded(&mut self.child, STOP_TIMEOUT).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A response: status, headers (lowercase names, in order) and body bytes.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Every header field, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body as received (not decoded).
    pub body: Vec<u8>,
}

impl Reply {
    /// The only value of header `name`; `None` when absent. Panics if repeated.
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut values = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        let first = values.next();
        assert!(values.next().is_none(), "{name} sent more than once");
        first
    }

    /// The value of header `name`, which must be present.
    pub fn expect_header(&self, name: &str) -> &str {
        self.header(name)
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.headers))
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }
}

/// The `xmlUrl` of every feed in an OPML list, in order: its outlines with
/// no outlines inside (an outline holding others is a folder, see
/// `render::opml`).
pub fn opml_feed_urls(bytes: &[u8]) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut feeds = Vec::new();
    loop {
        match reader
            .read_event_into(&mut buf)
            .expect("a well-formed OPML list")
        {
            quick_xml::events::Event::Empty(e) if e.name().as_ref() == b"outline" => {
                let url = e
                    .try_get_attribute("xmlUrl")
                    .expect("well-formed attributes")
                    .expect("a feed outline has an xmlUrl");
                feeds.push(url.unescape_value().expect("an XML value").into_owned());
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    feeds
}

/// Runs `script` with python3 after importing `module`, on `args`; fails
/// the test, naming the module to install, when it is missing (`.ci/run`
/// installs every one the tests use).
pub fn python_with<I, A>(module: &str, script: &str, args: I) -> Output
where
    I: IntoIterator<Item = A>,
    A: AsRef<OsStr>,
{
    let program = format!(
        "import sys\ntry:\n    import {module}\nexcept ImportError:\n    sys.exit(3)\n{script}"
    );
    let result = Command::new("python3")
        .arg("-c")
        .arg(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to run {module}, and cannot be run: {e}"));
    assert_ne!(
        result.status.code(),
        Some(3),
        "the Python module {module} is missing: pip install {module}"
    );
    result
}

/// Parses each file of `pages` with html5lib's strict parser (the HTML
/// Standard's parsing algorithm, failing on any parse error) and fails the
/// test naming each file it rejects and why.
pub fn assert_html5lib_parses(pages: &[PathBuf]) {
    const HTML5LIB: &str = r#"
bad = 0
for path in sys.argv[1:]:
    try:
        html5lib.HTMLParser(strict=True).parse(open(path, "rb").read())
    except Exception as e:
        bad += 1
        print(f"{path}: {e}")
sys.exit(1 if bad else 0)
"#;
    let result = python_with("html5lib", HTML5LIB, pages);
    assert!(
        result.status.success(),
        "html5lib parse errors:\n{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}
