//! Running under systemd: the unit files, sd_notify messages, and socket activation,
//! against the real binary.

#![allow(clippy::unwrap_used)] // a test that cannot set up should fail loudly

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_bantin");

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temp dir with a two-article store and a config listening on port 0.
fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store/thong-bao");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(
        store.join("mot.txt"),
        "Trang nhất » Thông báo\n\nThông báo một\n\nThứ hai - 11/05/2020 08:00\nNội dung thông báo một.\n",
    )
    .unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "store = \"{}\"\nlisten = \"127.0.0.1:0\"\n",
            dir.path().join("store").display()
        ),
    )
    .unwrap();
    (dir, config)
}

/// Reads the `listening on ADDR` line, within a bound.
fn listening_addr(child: &mut Child) -> String {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("listening on ") {
                let _ = tx.send(addr.to_owned());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the daemon printed no `listening on` line")
}

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args(["-s", sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -s {sig} failed");
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the daemon did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
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

#[test]
fn sd_notify_ready_watchdog_reload_stopping() {
    let (dir, config) = setup();
    let sock_path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    // WATCHDOG_PID must be the daemon's own pid: `exec` keeps the shell's.
    let mut child = Command::new("sh")
        .args([
            "-c",
            "WATCHDOG_PID=$$ exec \"$0\" serve --config \"$1\"",
            BIN,
        ])
        .arg(&config)
        .env("NOTIFY_SOCKET", &sock_path)
        .env("WATCHDOG_USEC", "200000")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    let ready = expect_message(&sock, "READY=1", &mut seen);
    assert!(
        ready.contains("STATUS=serving 1 articles in 2 feeds; 0 files rejected"),
        "{ready}"
    );
    // READY=1 is sent only once the feeds answer.
    let addr = listening_addr(&mut child);
    assert!(get(&addr, "/feed.rss").starts_with("HTTP/1.1 200"));

    expect_message(&sock, "WATCHDOG=1", &mut seen);

    signal(&child, "HUP");
    let reloading = expect_message(&sock, "RELOADING=1", &mut seen);
    assert!(reloading.contains("MONOTONIC_USEC="), "{reloading}");
    expect_message(&sock, "READY=1", &mut seen);

    signal(&child, "TERM");
    expect_message(&sock, "STOPPING=1", &mut seen);
    assert!(wait_exit(&mut child).success());
}

#[test]
fn serves_on_a_socket_passed_by_systemd() {
    let (_dir, config) = setup();
    // systemd-socket-activate binds the socket, and on the first connection execs
    // the daemon with it as fd 3 (LISTEN_FDS=1, LISTEN_PID), as systemd does. It
    // needs a fixed port: take a free one, and try again if another process takes
    // it first.
    for attempt in 1..=3 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut child = Command::new("systemd-socket-activate")
            .args(["-l", &addr, BIN, "serve", "--config"])
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("systemd-socket-activate is needed (Debian package systemd)");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        if !line.contains(&format!("Listening on {addr}")) {
            let _ = child.kill();
            let _ = child.wait();
            assert!(
                attempt < 3,
                "systemd-socket-activate did not listen: {line}"
            );
            continue;
        }
        // The first connection starts the daemon, which must answer it on the
        // inherited socket rather than bind its own (the config says port 0).
        assert!(get(&addr, "/feed.atom").starts_with("HTTP/1.1 200"));
        assert_eq!(listening_addr(&mut child), addr);
        signal(&child, "TERM");
        assert!(wait_exit(&mut child).success());
        return;
    }
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
