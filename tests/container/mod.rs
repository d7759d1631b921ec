//! Boots a minimal Debian 12 (systemd 252) with `systemd-nspawn` and runs
//! commands in it, for the tests that need a real systemd (`systemd_nspawn`,
//! `debian_package`).
//!
//! The Debian root is made once with `debootstrap` (about a minute) and cached
//! in `$BANTIN_CI_ROOT` (default `/var/cache/bantin-ci/bookworm-root`); it is
//! booted with `--volatile=overlay`, so every run starts from the same clean
//! tree and the cache is never written. Tests are skipped, with a message,
//! only where this machine cannot run `systemd-nspawn` at all.

// Each test crate that includes this module uses a different part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where the Debian root is cached between runs.
const DEFAULT_ROOT: &str = "/var/cache/bantin-ci/bookworm-root";
/// The Debian mirror debootstrap downloads from.
const DEFAULT_MIRROR: &str = "http://deb.debian.org/debian";
/// The shell's search path inside the container (nsenter keeps ours otherwise).
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The most one command inside the container may take.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(60);
/// The most the container may take to boot.
const BOOT_LIMIT: Duration = Duration::from_secs(120);

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command's exit code and output, as text.
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
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
pub fn host(limit: Duration, program: &str, args: &[&str]) -> Ran {
    Command::new("timeout")
        .arg(format!("{}s", limit.as_secs()))
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"))
        .into()
}

pub fn on_path(program: &str) -> bool {
    host(
        Duration::from_secs(5),
        "sh",
        &["-c", &format!("command -v {program}")],
    )
    .code
        == Some(0)
}

/// The cached Debian root, made with debootstrap when it is missing or incomplete.
pub fn debian_root() -> PathBuf {
    let root =
        std::env::var_os("BANTIN_CI_ROOT").map_or_else(|| DEFAULT_ROOT.into(), PathBuf::from);
    let complete = [
        "usr/lib/systemd/systemd",
        "usr/bin/curl",
        "usr/bin/dbus-daemon",
        // Added later to the include list: an older cache without it is made again.
        "usr/bin/man",
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
            "--include=systemd,systemd-sysv,dbus,curl,man-db",
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
pub fn cannot_nspawn(root: &Path) -> Option<String> {
    let machine = format!("bantin-probe-{}", std::process::id());
    let args = nspawn(root, &machine, &["/bin/true".to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let probe = host(Duration::from_secs(60), "unshare", &args);
    (probe.code != Some(0)).then(|| format!("systemd-nspawn cannot run a container here:\n{probe}"))
}

/// A booted container; powered off (or killed) when dropped, even when the test fails.
pub struct Machine {
    nspawn: Child,
    /// The container's PID 1 (systemd), as the host sees it.
    init: u32,
    console: PathBuf,
}

impl Machine {
    /// Boots `root` with `binds` (`--bind-ro=HOST:CONTAINER` and the like) and
    /// waits until systemd says boot is over; the console goes to `console`.
    pub fn boot(root: &Path, console: &Path, binds: &[String]) -> Machine {
        let mut binds = binds.to_vec();
        binds.push("--boot".to_owned());
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
        // unshare and sh exec, so the child is systemd-nspawn itself; the
        // container's init is its child that runs systemd (nspawn forks helpers
        // too, briefly, and its inner child becomes systemd only once it execs).
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
                .filter_map(|p| p.parse::<u32>().ok())
                .find(|p| {
                    std::fs::read_to_string(format!("/proc/{p}/comm"))
                        .is_ok_and(|comm| comm.trim() == "systemd")
                })
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

    pub fn console(&self) -> String {
        std::fs::read_to_string(&self.console).unwrap_or_default()
    }

    /// Runs `script` with `sh -c` inside the container, in every one of its namespaces.
    pub fn sh(&self, script: &str) -> Ran {
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
    pub fn ok(&self, script: &str) -> String {
        let r = self.sh(script);
        assert_eq!(r.code, Some(0), "{script}\n{r}");
        r.stdout
    }

    /// One property of `bantin.service`, as `systemctl show` gives it.
    pub fn show(&self, property: &str) -> String {
        self.ok(&format!(
            "systemctl show -p {property} --value bantin.service"
        ))
        .trim()
        .to_owned()
    }

    pub fn main_pid(&self) -> u32 {
        self.show("MainPID").parse().unwrap()
    }

    /// The status code of a GET inside the container, through the socket unit.
    pub fn get(&self, path: &str) -> String {
        self.ok(&format!(
            "curl -sS -o /dev/null -w '%{{http_code}}' --max-time 30 http://127.0.0.1:8080{path}"
        ))
    }

    /// `bantin`'s journal, message text only.
    pub fn journal(&self) -> String {
        self.ok("journalctl -u bantin.service -o cat --no-pager")
    }

    /// Waits, at most `limit`, for `ok` to hold.
    pub fn wait_for(&self, what: &str, limit: Duration, mut ok: impl FnMut(&Machine) -> bool) {
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

/// Why this machine cannot boot the container, if it cannot: not root, a tool
/// missing, or `systemd-nspawn` unable to run one at all. Makes the cached root
/// first when it is missing (so the probe has something to boot).
pub fn cannot_boot(test: &str) -> Option<String> {
    if !rustix::process::geteuid().is_root() {
        return Some(format!(
            "systemd-nspawn needs root; run `.ci/run` or `sudo cargo test --test {test}`"
        ));
    }
    for tool in [
        "systemd-nspawn",
        "debootstrap",
        "nsenter",
        "unshare",
        "timeout",
    ] {
        if !on_path(tool) {
            return Some(format!(
                "{tool} is not installed (apt-get install systemd-container debootstrap; .ci/run does)"
            ));
        }
    }
    cannot_nspawn(&debian_root())
}
