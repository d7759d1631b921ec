//! The shipped units under a real systemd: a minimal Debian 12 (systemd 252)
//! booted with `systemd-nspawn`, bantin installed by running the README's
//! service section, then checked the way a sysadmin would: status, health
//! through the socket, reload, a bad reload, SIGKILL and SIGSTOP, the journal,
//! `systemd-analyze security` and a clean stop.
//!
//! The Debian root is made once with `debootstrap` (about a minute) and cached
//! in `$BANTIN_CI_ROOT` (default `/var/cache/bantin-ci/bookworm-root`); it is
//! booted with `--volatile=overlay`, so every run starts from the same clean
//! tree and the cache is never written. The test is skipped, with a message,
//! only where this machine cannot run `systemd-nspawn` at all.

#![allow(clippy::unwrap_used)] // a test that cannot set up should fail loudly

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_bantin");

/// Where the Debian root is cached between runs.
const DEFAULT_ROOT: &str = "/var/cache/bantin-ci/bookworm-root";
/// The Debian mirror debootstrap downloads from.
const DEFAULT_MIRROR: &str = "http://deb.debian.org/debian";
/// The shell's search path inside the container (nsenter keeps ours otherwise).
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The most one command inside the container may take.
const COMMAND_LIMIT: Duration = Duration::from_secs(60);
/// The most the container may take to boot.
const BOOT_LIMIT: Duration = Duration::from_secs(120);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command's exit code and output, as text.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<Output> for Ran {
    fn from(o: Output) -> Ran {
        Ran {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `program args` on the host, killed by coreutils `timeout` after `limit`.
fn host(limit: Duration, program: &str, args: &[&str]) -> Ran {
    Command::new("timeout")
        .arg(format!("{}s", limit.as_secs()))
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"))
        .into()
}

fn on_path(program: &str) -> bool {
    host(
        Duration::from_secs(5),
        "sh",
        &["-c", &format!("command -v {program}")],
    )
    .code
        == Some(0)
}

/// The cached Debian root, made with debootstrap when it is missing or incomplete.
fn debian_root() -> PathBuf {
    let root =
        std::env::var_os("BANTIN_CI_ROOT").map_or_else(|| DEFAULT_ROOT.into(), PathBuf::from);
    let complete = [
        "usr/lib/systemd/systemd",
        "usr/bin/curl",
        "usr/bin/dbus-daemon",
    ]
    .iter()
    .all(|p| root.join(p).exists());
    if complete {
        return root;
    }
    let mirror = std::env::var("BANTIN_DEBIAN_MIRROR").unwrap_or_else(|_| DEFAULT_MIRROR.into());
    // Built beside the cache and renamed into place, so an interrupted run
    // leaves no half-made root behind to be taken for a complete one.
    let building = root.with_extension("building");
    let _ = std::fs::remove_dir_all(&building);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.parent().unwrap()).unwrap();
    eprintln!(
        "debootstrap of Debian 12 into {} (about a minute)",
        root.display()
    );
    let made = host(
        Duration::from_secs(900),
        "debootstrap",
        &[
            "--variant=minbase",
            "--include=systemd,systemd-sysv,dbus,curl",
            "bookworm",
            building.to_str().unwrap(),
            &mirror,
        ],
    );
    assert_eq!(
        made.code,
        Some(0),
        "debootstrap from {mirror} failed:\n{made}"
    );
    std::fs::rename(&building, &root).unwrap();
    root
}

/// The arguments of `unshare` that run `systemd-nspawn` in a mount namespace of
/// its own, with `extra` after nspawn's own options.
///
/// - `--register=no --keep-unit`: nspawn otherwise asks the host's systemd, over
///   the system bus, for a scope and a machine registration; CI machines (and
///   containers) often have no systemd as PID 1.
/// - A tmpfs on `/run/systemd/nspawn`: nspawn refuses to remove its propagation
///   folder there unless it is on a temporary file system, and on such machines
///   `/run` may be an ordinary disk folder. The private mount namespace keeps
///   that tmpfs off the host.
/// - `--volatile=overlay`: the cached root stays read-only under a tmpfs.
fn nspawn(root: &Path, machine: &str, extra: &[String]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        "mkdir -p /run/systemd/nspawn && mount -t tmpfs tmpfs /run/systemd/nspawn \
         && exec systemd-nspawn \"$@\"",
        "sh",
        "-q",
        "--register=no",
        "--keep-unit",
        "--private-network",
        "--volatile=overlay",
    ]
    .map(String::from)
    .to_vec();
    args.push(format!("--machine={machine}"));
    args.push(format!("--directory={}", root.display()));
    args.extend_from_slice(extra);
    args
}

/// Why this machine cannot run `systemd-nspawn` at all, if it cannot: a
/// container running `/bin/true` fails.
fn cannot_nspawn(root: &Path) -> Option<String> {
    let machine = format!("bantin-probe-{}", std::process::id());
    let args = nspawn(root, &machine, &["/bin/true".to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let probe = host(Duration::from_secs(60), "unshare", &args);
    (probe.code != Some(0)).then(|| format!("systemd-nspawn cannot run a container here:\n{probe}"))
}

/// A booted container; powered off (or killed) when dropped, even when the test fails.
struct Machine {
    nspawn: Child,
    /// The container's PID 1 (systemd), as the host sees it.
    init: u32,
    console: PathBuf,
}

impl Machine {
    fn boot(root: &Path, console: &Path) -> Machine {
        let binds = [
            // The repository stands for the checkout the README's commands run in...
            format!("--bind-ro={}:/root/bantin", repo().display()),
            // ...and the binary cargo built for `cargo install`'s.
            format!("--bind-ro={BIN}:/root/.cargo/bin/bantin"),
            "--boot".to_owned(),
        ];
        let log = std::fs::File::create(console).unwrap();
        let nspawn = Command::new("unshare")
            .args(nspawn(
                root,
                &format!("bantin-ci-{}", std::process::id()),
                &binds,
            ))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut machine = Machine {
            init: 0,
            nspawn,
            console: console.to_owned(),
        };
        // unshare and sh exec, so the child is systemd-nspawn itself; its one
        // child is the container's init.
        let pid = machine.nspawn.id();
        let children = format!("/proc/{pid}/task/{pid}/children");
        let deadline = Instant::now() + BOOT_LIMIT;
        while machine.init == 0 {
            if let Ok(Some(status)) = machine.nspawn.try_wait() {
                panic!("systemd-nspawn exited ({status}):\n{}", machine.console());
            }
            assert!(
                Instant::now() < deadline,
                "no container init:\n{}",
                machine.console()
            );
            let text = std::fs::read_to_string(&children).unwrap_or_default();
            machine.init = text
                .split_whitespace()
                .next()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            std::thread::sleep(Duration::from_millis(100));
        }
        // `is-system-running --wait` returns once boot is over; D-Bus may not be up
        // at the first attempts.
        loop {
            let state = machine.sh("systemctl is-system-running --wait");
            let state = state.stdout.trim();
            if state == "running" || state == "degraded" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the container did not boot ({state}):\n{}",
                machine.console()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        machine
    }

    fn console(&self) -> String {
        std::fs::read_to_string(&self.console).unwrap_or_default()
    }

    /// Runs `script` with `sh -c` inside the container, in every one of its namespaces.
    fn sh(&self, script: &str) -> Ran {
        Command::new("timeout")
            .arg(format!("{}s", COMMAND_LIMIT.as_secs()))
            .args([
                "nsenter",
                "-t",
                &self.init.to_string(),
                "-a",
                "sh",
                "-c",
                script,
            ])
            .env_clear()
            .env("PATH", PATH)
            .env("HOME", "/root")
            .env("SYSTEMD_PAGER", "")
            .stdin(Stdio::null())
            .output()
            .unwrap()
            .into()
    }

    /// [`Machine::sh`] that must succeed; its stdout.
    fn ok(&self, script: &str) -> String {
        let r = self.sh(script);
        assert_eq!(r.code, Some(0), "{script}\n{r}");
        r.stdout
    }

    /// One property of `bantin.service`, as `systemctl show` gives it.
    fn show(&self, property: &str) -> String {
        self.ok(&format!(
            "systemctl show -p {property} --value bantin.service"
        ))
        .trim()
        .to_owned()
    }

    fn main_pid(&self) -> u32 {
        self.show("MainPID").parse().unwrap()
    }

    /// The status code of a GET inside the container, through the socket unit.
    fn get(&self, path: &str) -> String {
        self.ok(&format!(
            "curl -sS -o /dev/null -w '%{{http_code}}' --max-time 30 http://127.0.0.1:8080{path}"
        ))
    }

    /// `bantin`'s journal, message text only.
    fn journal(&self) -> String {
        self.ok("journalctl -u bantin.service -o cat --no-pager")
    }

    /// Waits, at most `limit`, for `ok` to hold.
    fn wait_for(&self, what: &str, limit: Duration, mut ok: impl FnMut(&Machine) -> bool) {
        let deadline = Instant::now() + limit;
        while !ok(self) {
            assert!(
                Instant::now() < deadline,
                "{what} within {limit:?}; journal:\n{}",
                self.journal()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        if self.init != 0 {
            let _ = self.sh("systemctl poweroff");
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.nspawn.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Killing the container's init ends its whole PID namespace.
        if self.init != 0 {
            let _ = Command::new("kill")
                .args(["-KILL", &self.init.to_string()])
                .status();
        }
        let _ = self.nspawn.kill();
        let _ = self.nspawn.wait();
    }
}

/// The commands of the README's "Run it as a service" block, as one script:
/// the `cargo install` line is left out (the container has the binary cargo
/// built at `~/.cargo/bin/bantin` already) and `sudo` is a no-op (we are root).
fn readme_install_script() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("\n## Run it as a service\n")
        .nth(1)
        .expect("README has a \"Run it as a service\" section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("the service section opens with a sh block");
    let mut lines = block.lines();
    let first = lines.next().unwrap_or_default();
    assert!(first.starts_with("cargo install --path ."), "{first}");
    let mut script = String::from("set -ex\nsudo() { \"$@\"; }\ncd /root/bantin\n");
    for line in lines {
        script.push_str(line);
        script.push('\n');
    }
    script
}

/// The exposure level `systemd-analyze security` prints for bantin.service.
fn exposure(text: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.split("Overall exposure level for bantin.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{text}"))
}

#[test]
fn the_units_under_a_real_systemd() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("SKIPPED: systemd-nspawn needs root; run `.ci/run` or `sudo cargo test --test systemd_nspawn`");
        return;
    }
    for tool in [
        "systemd-nspawn",
        "debootstrap",
        "nsenter",
        "unshare",
        "timeout",
    ] {
        if !on_path(tool) {
            eprintln!(
                "SKIPPED: {tool} is not installed (apt-get install systemd-container debootstrap; .ci/run does)"
            );
            return;
        }
    }
    let root = debian_root();
    if let Some(why) = cannot_nspawn(&root) {
        eprintln!("SKIPPED: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let m = Machine::boot(&root, &dir.path().join("console.log"));

    // Install as the README says, with the sample store as the articles.
    m.ok("install -d /var/lib/bantin/feeds && cp -r /root/bantin/feeds/. /var/lib/bantin/feeds/");
    m.ok(&readme_install_script());

    // Active, Type=notify, with the status line bantin sent.
    m.wait_for("bantin.service active", COMMAND_LIMIT, |m| {
        m.show("ActiveState") == "active"
    });
    assert_eq!(m.show("Type"), "notify");
    assert_eq!(m.show("SubState"), "running");
    let status = m.show("StatusText");
    assert!(
        status.starts_with("serving ")
            && status.contains(" articles in ")
            && !status.starts_with("serving 0 "),
        "{status}"
    );

    // Health through the socket systemd holds (the service has no network of its own).
    assert_eq!(m.get("/healthz"), "200");
    assert_eq!(m.show("PrivateNetwork"), "yes");

    // `systemctl reload` keeps the process and applies a config change.
    let pid = m.main_pid();
    m.ok("sed -i 's|^title = .*|title = \"Bản tin thử tải lại\"|' /etc/bantin/config.toml");
    m.ok("systemctl reload bantin");
    m.wait_for("the reloaded title served", COMMAND_LIMIT, |m| {
        m.ok("curl -sS --max-time 30 http://127.0.0.1:8080/feed.rss")
            .contains("<title>Bản tin thử tải lại</title>")
    });
    assert_eq!(m.main_pid(), pid, "reload restarted the process");

    // A bad config on reload: the reload fails with the key in the journal, the
    // process and its configuration stay.
    m.ok("sed -i '1i max_itemz = 3' /etc/bantin/config.toml");
    let bad = m.sh("systemctl reload bantin");
    assert_ne!(bad.code, Some(0), "a bad config reloaded:\n{bad}");
    assert!(m.journal().contains("max_itemz"), "{}", m.journal());
    assert_eq!(m.show("ActiveState"), "active");
    assert_eq!(m.main_pid(), pid);
    assert!(m
        .ok("curl -sS --max-time 30 http://127.0.0.1:8080/feed.rss")
        .contains("<title>Bản tin thử tải lại</title>"));
    m.ok("sed -i '/^max_itemz = 3$/d' /etc/bantin/config.toml");

    // SIGKILL: restarted after RestartSec=2s; a request sent at once, in the gap,
    // waits in the socket's queue and is answered by the new process.
    let code = m.ok(&format!(
        "kill -KILL {pid} && curl -sS -o /dev/null -w '%{{http_code}}' --max-time 30 http://127.0.0.1:8080/feed.atom"
    ));
    assert_eq!(code, "200");
    let restarted = m.main_pid();
    assert!(restarted != pid && restarted != 0, "{pid} → {restarted}");
    assert_eq!(m.show("NRestarts"), "1");

    // SIGSTOP: no more watchdog pings; after WatchdogSec=20s systemd aborts it
    // (SIGABRT, then SIGKILL after TimeoutAbortSec=5s, as a stopped process
    // cannot take SIGABRT) and restarts it. The shipped values, nothing shortened.
    m.ok(&format!("kill -STOP {restarted}"));
    m.wait_for("the watchdog restart", Duration::from_secs(90), |m| {
        let now = m.main_pid();
        now != restarted && now != 0 && m.show("ActiveState") == "active"
    });
    assert_eq!(m.show("NRestarts"), "2");
    assert_eq!(m.get("/healthz"), "200");

    // The journal tells the story.
    let journal = m.journal();
    for line in [
        "listening on 127.0.0.1:8080",
        "watchdog enabled",
        "SIGHUP: reloading the configuration",
        "configuration reloaded",
        "Main process exited, code=killed, status=9/KILL",
        "Watchdog timeout",
    ] {
        assert!(
            journal.contains(line),
            "no {line:?} in the journal:\n{journal}"
        );
    }

    // The sandbox as the running systemd sees it.
    let security = m.ok("systemd-analyze security --no-pager bantin.service");
    let level = exposure(&security);
    assert!(level <= 1.5, "exposure {level} > 1.5:\n{security}");

    // `systemctl stop`: SIGTERM, a drain, exit 0.
    m.ok("systemctl stop bantin.service");
    assert_eq!(m.show("ActiveState"), "inactive");
    assert_eq!(m.show("Result"), "success");
    assert_eq!(m.show("ExecMainStatus"), "0");
    let journal = m.journal();
    for line in ["SIGTERM: shutting down", "stopped"] {
        assert!(
            journal.contains(line),
            "no {line:?} in the journal:\n{journal}"
        );
    }
}
