//! Crash and restart, and a read-only store: the daemon keeps no state of its own,
//! so a `kill -9` under load and a restart serve the same bytes, and it never
//! writes to the store.

// `allow-unwrap-in-tests` covers `#[test]` functions only; here the helpers are
// test code too, and a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{Daemon, TempStore, BASE_URL};

const START: Duration = Duration::from_secs(30);

/// Every feed path the OPML lists, in all three formats, plus `/` and the OPML.
fn feed_paths(d: &Daemon) -> Vec<String> {
    let opml = d.get("/feeds.opml", &[]);
    assert_eq!(opml.status, 200);
    let mut paths = vec!["/".to_owned(), "/feeds.opml".to_owned()];
    for url in common::opml_feed_urls(&opml.body) {
        let stem = url
            .strip_prefix(BASE_URL)
            .and_then(|p| p.strip_suffix(".rss"))
            .unwrap()
            .to_owned();
        for ext in ["rss", "atom", "json"] {
            paths.push(format!("{stem}.{ext}"));
        }
    }
    paths
}

/// (path, encoding) → (status, ETag, Last-Modified, body) for every feed path and encoding.
type Served = BTreeMap<(String, &'static str), (u16, String, String, Vec<u8>)>;

fn everything(d: &Daemon, paths: &[String]) -> Served {
    let mut out = BTreeMap::new();
    for path in paths {
        for enc in ["identity", "gzip", "br"] {
            let r = d.get(path, &[("Accept-Encoding", enc)]);
            let etag = r.header("etag").unwrap_or_default().to_owned();
            let lm = r.header("last-modified").unwrap_or_default().to_owned();
            out.insert((path.clone(), enc), (r.status, etag, lm, r.body));
        }
    }
    out
}

/// Hammers the daemon with GETs on `threads` threads until `stop`; counts answers.
fn load(
    port: u16,
    paths: &[String],
    stop: &Arc<AtomicBool>,
) -> (Vec<std::thread::JoinHandle<()>>, Arc<AtomicUsize>) {
    let answered = Arc::new(AtomicUsize::new(0));
    let handles = (0..4)
        .map(|t| {
            let stop = stop.clone();
            let answered = answered.clone();
            let paths = paths.to_vec();
            std::thread::spawn(move || {
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let path = &paths[i % paths.len()];
                    // Errors are expected once the daemon is killed.
                    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
                        continue;
                    };
                    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                    let req = format!(
                        "GET {path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br\r\nConnection: close\r\n\r\n"
                    );
                    if s.write_all(req.as_bytes()).is_ok() {
                        let mut sink = Vec::new();
                        if s.read_to_end(&mut sink).is_ok() && sink.starts_with(b"HTTP/1.1 200") {
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    (handles, answered)
}

#[test]
fn kill_9_under_load_then_restart_serves_the_same_bytes() {
    let site = TempStore::with_config("[http]\nshutdown_grace_secs = 1\n");
    let mut d = Daemon::serve(&site.config(), START);
    let paths = feed_paths(&d);
    assert!(paths.len() >= 2 + 3 * 5, "{paths:?}");
    let before = everything(&d, &paths);
    assert!(before.values().all(|(status, ..)| *status == 200));

    let stop = Arc::new(AtomicBool::new(false));
    let (threads, answered) = load(d.port, &paths, &stop);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while answered.load(Ordering::Relaxed) < 50 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        answered.load(Ordering::Relaxed) >= 50,
        "no load got through"
    );
    d.kill9();
    assert!(!d.alive());
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }

    let again = Daemon::serve(&site.config(), START);
    let after = everything(&again, &paths);
    assert_eq!(before.len(), after.len());
    for (key, (status, etag, lm, body)) in &before {
        let (s2, e2, l2, b2) = &after[key];
        assert_eq!((status, etag, lm), (s2, e2, l2), "{key:?}");
        assert!(body == b2, "{key:?}: a different body after the restart");
    }
}

/// Every entry under `dir`: relative path → (size, mtime, mode).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, i64, i64, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let meta = std::fs::symlink_metadata(entry.path()).unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            }
            out.insert(
                entry.path().strip_prefix(dir).unwrap().to_owned(),
                (meta.len(), meta.mtime(), meta.mtime_nsec(), meta.mode()),
            );
        }
    }
    out
}

/// Applies `f` to the mode of `dir` and everything under it.
fn chmod_all(dir: &Path, f: &dyn Fn(u32) -> u32) {
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p.clone());
            }
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(f(meta.mode()))).unwrap();
        }
    }
    let mode = std::fs::metadata(dir).unwrap().mode();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(f(mode))).unwrap();
}

/// Restores write permission on drop, so the temp dir can be deleted even if the test fails.
struct Writable(PathBuf);

impl Drop for Writable {
    fn drop(&mut self) {
        chmod_all(&self.0, &|m| (m & 0o7777) | 0o200);
    }
}

#[test]
fn a_read_only_store_is_served_and_never_written() {
    let site = TempStore::with_config("[http]\nshutdown_grace_secs = 1\n");
    let store = site.config().parent().unwrap().join("store");
    // Old mtimes, so a rewrite within the same second would still show.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    let mut stack = vec![store.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                std::fs::File::options()
                    .write(true)
                    .open(&p)
                    .unwrap()
                    .set_modified(old)
                    .unwrap();
            }
        }
    }
    chmod_all(&store, &|m| (m & 0o7777) & !0o222);
    let _restore = Writable(store.clone());
    let before = snapshot(&store);
    let articles = before
        .keys()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .count();
    assert_eq!(articles, 7);

    let d = Daemon::serve(&site.config(), START);
    let health = d.get("/healthz", &[]);
    assert_eq!(health.status, 200);
    let health = String::from_utf8(health.body).unwrap();
    assert!(
        health.starts_with(&format!("ok: {articles} articles")),
        "{health}"
    );
    let feed: serde_json::Value = serde_json::from_slice(&d.get("/feed.json", &[]).body).unwrap();
    assert_eq!(feed["items"].as_array().unwrap().len(), articles);
    for path in feed_paths(&d) {
        for enc in ["identity", "gzip", "br"] {
            assert_eq!(
                d.get(&path, &[("Accept-Encoding", enc)]).status,
                200,
                "{path}"
            );
        }
    }
    for item in feed["items"].as_array().unwrap() {
        let url = item["url"].as_str().unwrap();
        let path = url.strip_prefix(BASE_URL).unwrap();
        assert_eq!(d.get(path, &[]).status, 200, "{path}");
    }
    assert!(!d.stderr().contains("rejected:"), "{}", d.stderr());
    // A SIGHUP reload and a clean stop must not write either.
    let _ = rustix::process::kill_process(d.pid(), rustix::process::Signal::HUP);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(d.get("/healthz", &[]).status, 200);
    drop(d);

    // Root ignores the missing write bits, so compare what is on disk.
    assert_eq!(snapshot(&store), before, "the store changed");
}
