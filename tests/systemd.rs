//! Running under systemd: the unit files, sd_notify messages, and socket activation,
//! against the real binary.

#![allow(clippy::unwrap_used)] // a test that cannot set up should fail loudly

mod common;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Daemon, Launch, Spawned, TempStore};
use rustix::process::Signal;

const BIN: &str = env!("CARGO_BIN_EXE_bantin");

/// How long the daemon gets to start, and each HTTP exchange with it.
const LIMIT: Duration = Duration::from_secs(30);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A datagram socket in a temp folder for the daemon's `NOTIFY_SOCKET`, as
/// systemd gives one: the folder (kept while it lives), its path, the socket.
fn notify_socket() -> (tempfile::TempDir, PathBuf, UnixDatagram) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    (dir, path, sock)
}

/// Collects datagrams until one contains `want`, within a bound.
fn expect_message(sock: &UnixDatagram, want: &str, seen: &mut Vec<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        if let Ok(n) = sock.recv(&mut buf) {
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            seen.push(msg.clone());
            if msg.lines().any(|l| l == want) {
                return msg;
            }
        }
    }
    panic!("no {want:?} message; saw {seen:?}");
}

/// Runs `serve` on `site` as `launch` says, and waits for its `READY=1` on
/// `sock`: the daemon, that message, and every message seen so far.
fn serve_until_ready(
    site: &TempStore,
    launch: &Launch<'_>,
    sock: &UnixDatagram,
) -> (Spawned, String, Vec<String>) {
    let config = site.config();
    let spawned = Daemon::spawn(
        &["serve".as_ref(), "--config".as_ref(), config.as_os_str()],
        launch,
    );
    let mut seen = Vec::new();
    let ready = expect_message(sock, "READY=1", &mut seen);
    (spawned, ready, seen)
}

#[test]
fn sd_notify_ready_watchdog_reload_stopping() {
    let site = TempStore::new();
    let (_dir, sock_path, sock) = notify_socket();
    // WATCHDOG_PID must be the daemon's own pid: `exec` keeps the shell's.
    let launch = Launch {
        env: vec![
            ("NOTIFY_SOCKET", sock_path.clone().into()),
            ("WATCHDOG_USEC", "200000".into()),
        ],
        wrapper: ["sh", "-c", "WATCHDOG_PID=$$ exec \"$0\" \"$@\""]
            .map(OsString::from)
            .to_vec(),
        ..Launch::default()
    };
    let (spawned, ready, mut seen) = serve_until_ready(&site, &launch, &sock);
    assert!(
        ready.contains("STATUS=serving 7 articles in 5 feeds; 0 files rejected"),
        "{ready}"
    );
    // Before it, the start asked for more time than the unit's timeout
    // gives, as a large store on a slow disk needs.
    let asked = "EXTEND_TIMEOUT_USEC=30000000\nSTATUS=loading the store";
    assert!(
        seen.iter().rev().skip(1).any(|m| m.trim_end() == asked),
        "{seen:?}"
    );
    // READY=1 is sent only once the feeds answer.
    let mut daemon = spawned.listening(LIMIT, LIMIT);
    assert_eq!(daemon.get("/feed.rss", &[]).status, 200);

    expect_message(&sock, "WATCHDOG=1", &mut seen);

    // The reload shortens the drain's grace period (10 s by default).
    let mut text = std::fs::read_to_string(site.config()).unwrap();
    text.push_str("[http]\nshutdown_grace_secs = 3\n");
    std::fs::write(site.config(), text).unwrap();
    daemon.signal(Signal::HUP);
    let reloading = expect_message(&sock, "RELOADING=1", &mut seen);
    assert!(reloading.contains("MONOTONIC_USEC="), "{reloading}");
    expect_message(&sock, "READY=1", &mut seen);

    daemon.terminate();
    expect_message(&sock, "STOPPING=1", &mut seen);
    // Then systemd is asked to wait for the drain, with the grace in force
    // and 10 s for the rest of the stop, whatever `TimeoutStopSec=` says.
    expect_message(&sock, "EXTEND_TIMEOUT_USEC=13000000", &mut seen);
    let status = daemon.wait(LIMIT).expect("the daemon exits after SIGTERM");
    assert!(status.success(), "{status}; stderr:\n{}", daemon.stderr());
}

/// A drain longer than the unit's stop timeout is asked for again every
/// 10 s while it lasts, each time for what is left of it, at most 30 s, and
/// 10 s more (each extension counts from when systemd reads it): never one
/// long ask, which would keep systemd waiting that long after the drain.
#[test]
fn a_long_drain_asks_systemd_for_more_time_while_it_lasts() {
    // Two hours of grace, and a head timeout that does not end the
    // half-sent request before the test has seen what it waits for.
    let site =
        TempStore::with_config("[http]\nshutdown_grace_secs = 7200\nheader_timeout_secs = 600\n");
    let (_dir, sock_path, sock) = notify_socket();
    let launch = Launch {
        env: vec![("NOTIFY_SOCKET", sock_path.clone().into())],
        ..Launch::default()
    };
    let (spawned, _, mut seen) = serve_until_ready(&site, &launch, &sock);
    let mut daemon = spawned.listening(LIMIT, LIMIT);
    // A whole request and, in the same write, the start of another: once
    // the first is answered, the daemon has read the second's beginning,
    // and the drain waits for it.
    let mut held = TcpStream::connect(("127.0.0.1", daemon.port)).unwrap();
    held.set_read_timeout(Some(LIMIT)).unwrap();
    held.write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = held.read(&mut buf).unwrap();
        assert!(n > 0, "closed before answering: {answer:?}");
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
    daemon.terminate();
    expect_message(&sock, "STOPPING=1", &mut seen);
    // 30 s and 10 s more, at once; then, 10 s on (within
    // `expect_message`'s 20 s), again, as the drain has 7190 s to go.
    let most = "EXTEND_TIMEOUT_USEC=40000000";
    expect_message(&sock, most, &mut seen);
    let first = Instant::now();
    expect_message(&sock, most, &mut seen);
    let waited = first.elapsed();
    assert!(
        waited >= Duration::from_secs(8),
        "renewed every 10 s, not at once: {waited:?}; {seen:?}"
    );
    // No ask is longer than 40 s.
    let asks = seen
        .iter()
        .flat_map(|m| m.lines())
        .filter_map(|l| l.strip_prefix("EXTEND_TIMEOUT_USEC="));
    for usec in asks {
        assert!(usec.parse::<u64>().unwrap() <= 40_000_000, "{seen:?}");
    }
    assert!(daemon.alive(), "still draining: {}", daemon.stderr());
    drop(held);
    daemon.kill9();
}

/// A file rejected while the daemon runs changes no feed, but the status line
/// says it at once.
#[test]
fn the_status_line_counts_a_rejection_made_while_running() {
    let site = TempStore::new();
    let (_dir, sock_path, sock) = notify_socket();
    let launch = Launch {
        env: vec![("NOTIFY_SOCKET", sock_path.clone().into())],
        ..Launch::default()
    };
    let config = site.config();
    let spawned = Daemon::spawn(&["--config".as_ref(), config.as_os_str()], &launch);
    let mut seen = Vec::new();
    expect_message(&sock, "READY=1", &mut seen);
    let daemon = spawned.listening(LIMIT, LIMIT);
    let store = config.parent().unwrap().join("store");
    std::fs::write(store.join("thong-bao/rong.txt"), "").unwrap();
    expect_message(
        &sock,
        "STATUS=serving 7 articles in 5 feeds; 1 file rejected",
        &mut seen,
    );
    assert_eq!(daemon.get("/feed.rss", &[]).status, 200);
}

/// `bantin serve --config <config>` under `systemd-socket-activate`, which
/// binds the socket and, on the first connection, execs the daemon with it as
/// fd 3 (LISTEN_FDS=1, LISTEN_PID), as systemd does: the daemon, that first
/// connection (not yet answered), and the address. The wrapper needs a fixed
/// port: take a free one, and try again if another process takes it first.
fn socket_activated(config: &std::path::Path) -> (Daemon, TcpStream, String) {
    for attempt in 1..=3 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let launch = Launch {
            wrapper: ["systemd-socket-activate", "-l", &addr]
                .map(OsString::from)
                .to_vec(),
            ..Launch::default()
        };
        let spawned = Daemon::spawn(
            &["serve".as_ref(), "--config".as_ref(), config.as_os_str()],
            &launch,
        );
        if !spawned.stderr_contains(&format!("Listening on {addr}"), LIMIT) {
            assert!(
                attempt < 3,
                "systemd-socket-activate did not listen (it is in the Debian package systemd): {}",
                spawned.stderr()
            );
            continue;
        }
        let first = TcpStream::connect_timeout(&addr.parse().unwrap(), LIMIT).unwrap();
        let daemon = spawned.listening(LIMIT, LIMIT);
        assert_eq!(daemon.port, port);
        return (daemon, first, addr);
    }
    unreachable!("the loop returns or fails on its last attempt")
}

#[test]
fn serves_on_a_socket_passed_by_systemd() {
    let site = TempStore::new();
    // The first connection starts the daemon, which must answer it on the
    // inherited socket rather than bind its own (the config says port 0).
    let (mut daemon, mut first, _) = socket_activated(&site.config());
    first.set_read_timeout(Some(LIMIT)).unwrap();
    write!(
        first,
        "GET /feed.atom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    first.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:.200}");
    daemon.terminate();
    let status = daemon.wait(LIMIT).expect("the daemon exits after SIGTERM");
    assert!(status.success(), "{status}; stderr:\n{}", daemon.stderr());
}

#[test]
fn under_socket_activation_the_log_names_the_inherited_socket_and_listen_stream() {
    let site = TempStore::new();
    let (daemon, _first, addr) = socket_activated(&site.config());
    // At start: the address systemd passed, and that `listen` (port 0 here)
    // is not what decides it. Waited for: the daemon may answer before the
    // test has read these lines.
    daemon.log_line(&format!(
        "serving the socket systemd passed (socket activation): {addr}"
    ));
    let unused = daemon.log_line("is not used under socket activation");
    assert!(
        unused.contains("127.0.0.1:0") && unused.contains("`ListenStream=` in bantin.socket"),
        "{unused}"
    );
    // A reload that changes `listen` names the real socket and what moves it.
    let config = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(
        site.config(),
        config.replace("listen = \"127.0.0.1:0\"", "listen = \"127.0.0.1:7777\""),
    )
    .unwrap();
    daemon.signal(Signal::HUP);
    daemon.wait_until("the reload warning", || {
        daemon
            .stderr()
            .contains("`listen` changed to 127.0.0.1:7777")
    });
    let log = daemon.stderr();
    let warning = log
        .lines()
        .find(|l| l.contains("`listen` changed to 127.0.0.1:7777"))
        .unwrap();
    assert!(
        warning.contains(&format!("still on {addr}"))
            && warning.contains("change `ListenStream=` in bantin.socket")
            && !warning.contains("restart"),
        "{warning}"
    );
}

fn systemd_analyze(args: &[&str]) -> std::process::Output {
    Command::new("systemd-analyze")
        .args(args)
        .output()
        .expect("systemd-analyze is needed (Debian package systemd)")
}

/// The units as installed, with the binary path pointing at this build.
fn units_for_this_build() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let service = std::fs::read_to_string(repo().join("systemd/bantin.service")).unwrap();
    std::fs::write(
        dir.path().join("bantin.service"),
        service.replace("/usr/local/bin/bantin", BIN),
    )
    .unwrap();
    std::fs::copy(
        repo().join("systemd/bantin.socket"),
        dir.path().join("bantin.socket"),
    )
    .unwrap();
    dir
}

#[test]
fn units_verify_clean() {
    let dir = units_for_this_build();
    let p = |n: &str| dir.path().join(n).display().to_string();
    let out = systemd_analyze(&["verify", &p("bantin.service"), &p("bantin.socket")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "{stderr}");
}

#[test]
fn service_exposure_is_at_most_1_5() {
    let dir = units_for_this_build();
    let unit = dir.path().join("bantin.service");
    let out = systemd_analyze(&["security", "--offline=yes", &unit.display().to_string()]);
    let text = String::from_utf8_lossy(&out.stdout);
    let level: f64 = text
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for bantin.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{text}"));
    assert!(level <= 1.5, "exposure {level} > 1.5");
}

#[test]
fn every_hardening_line_is_commented() {
    let service = std::fs::read_to_string(repo().join("systemd/bantin.service")).unwrap();
    let lines: Vec<&str> = service.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let is_setting = line.contains('=') && !line.starts_with('#');
        if is_setting && !line.starts_with('[') {
            let commented = lines[..i]
                .iter()
                .rev()
                .take_while(|l| !l.is_empty())
                .any(|l| l.starts_with('#'));
            assert!(commented, "line {} has no comment above it: {line}", i + 1);
        }
    }
}
