//! A `bantin serve` started by the test itself, for what `common::Daemon` does not
//! offer: a start bound of the test's choosing, the process id (for `kill -9` and
//! `/proc/<pid>/status`), and plain HTTP through ureq.

// Each test crate that includes this module uses a different part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// A running daemon; SIGTERM (then SIGKILL) on drop.
pub struct Spawned {
    child: Child,
    /// The port it printed.
    pub port: u16,
    stderr: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

/// A response through ureq: status, headers (lowercase names) and the raw body.
#[derive(Debug, Clone)]
pub struct Got {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Got {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Spawned {
    /// Starts `bantin --config <config>` and waits at most `limit` for its address.
    pub fn start(config: &Path, limit: Duration) -> Spawned {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bantin"))
            .arg("--config")
            .arg(config)
            .env_remove("BANTIN_CONFIG")
            .env_remove("JOURNAL_STREAM")
            .env_remove("LISTEN_FDS")
            .env_remove("NOTIFY_SOCKET")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the bantin binary");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0; 8192];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + limit;
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = line.strip_prefix("listening on ") {
                        let addr: std::net::SocketAddr = addr.trim().parse().unwrap();
                        assert!(addr.ip().is_loopback());
                        break addr.port();
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "no `listening on` line within {limit:?}; stderr:\n{}",
                        stderr.lock().unwrap()
                    );
                }
            }
        };
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .redirects(0)
            .build();
        Spawned {
            child,
            port,
            stderr,
            agent,
        }
    }

    /// The process id.
    pub fn pid(&self) -> rustix::process::Pid {
        rustix::process::Pid::from_child(&self.child)
    }

    /// `VmRSS` from `/proc/<pid>/status`, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
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
        let _ = rustix::process::kill_process(self.pid(), rustix::process::Signal::KILL);
        let _ = self.child.wait();
    }

    /// What it wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// A GET with `headers`; any status is returned, transport errors panic.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Got {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let mut req = self.agent.get(&url);
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let resp = match req.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("GET {url}: {e}"),
        };
        let status = resp.status();
        let headers = resp
            .headers_names()
            .into_iter()
            .filter_map(|n| {
                let v = resp.header(&n)?.to_owned();
                Some((n.to_ascii_lowercase(), v))
            })
            .collect();
        let mut body = Vec::new();
        resp.into_reader()
            .take(256 * 1024 * 1024)
            .read_to_end(&mut body)
            .unwrap();
        Got {
            status,
            headers,
            body,
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if !self.alive() {
            return;
        }
        let _ = rustix::process::kill_process(self.pid(), rustix::process::Signal::TERM);
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if self.alive() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
