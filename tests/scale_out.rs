//! README's "Scale out" recipe, run: nginx (the Debian package, as this user,
//! under a temp prefix, with README's nginx block as its configuration)
//! caching in front of two bantin replicas that serve two
//! copies of one store. Clients get 200 then 304 through the cache; the cache's
//! revalidations reach both replicas and are answered 304 (identical ETags); a
//! new article reaches clients within `max-age` + 1 s; with one replica killed
//! the cache serves from the other, and with both down it serves stale.
//!
//! Skipped, with a message, only where nginx is not installed (`.ci/run`
//! installs it).

#![allow(clippy::unwrap_used)] // a test that cannot set up should fail loudly

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TempStore;

/// `[http] cache_max_age` of both replicas: how long the cache keeps a response
/// fresh before revalidating it.
const MAX_AGE: Duration = Duration::from_secs(2);
/// How long past its caching a response can still be fresh for nginx: `MAX_AGE`,
/// plus up to a second as nginx dates responses with a whole-second clock (a
/// response cached at 10.9 s with max-age 2 is fresh until 13.0 s).
const FRESH_AT_MOST: Duration = Duration::from_secs(MAX_AGE.as_secs() + 1);
/// A moment after which every cached response is stale.
const PAST_MAX_AGE: Duration = Duration::from_millis(FRESH_AT_MOST.as_millis() as u64 + 300);
/// How long nginx gets to start listening, and a replica to see a new file.
const START_LIMIT: Duration = Duration::from_secs(20);
/// The feed the test follows.
const FEED: &str = "/feed.atom";
/// Where the WebSub hub's requests come from, as README's `geo` block names it.
const HUB_ADDR: &str = "127.0.0.2";

/// The nginx binary: on `PATH`, or where Debian puts it (`/usr/sbin`, which a
/// non-root `PATH` may lack).
fn nginx_binary() -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|p| p.is_file())
}

/// README's nginx configuration (its one `nginx` block) for `replicas`, with
/// this test's own prefix, port and logs. The access log says, per request,
/// which replicas the cache asked and what they answered.
fn nginx_conf(dir: &Path, port: u16, replicas: &[u16]) -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("\n## Scale out\n")
        .nth(1)
        .expect("README has a \"Scale out\" section");
    let recipe = section
        .split("```nginx\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("the scale-out section has an nginx block");
    let d = dir.display();
    let servers: String = replicas
        .iter()
        .map(|p| format!("    server 127.0.0.1:{p};\n"))
        .collect();
    let mut recipe = recipe.to_owned();
    for (from, to) in [
        (
            "proxy_cache_path /var/cache/nginx/bantin ",
            format!("proxy_cache_path {d}/cache "),
        ),
        (
            "    server 10.0.0.11:8080;\n    server 10.0.0.12:8080;\n",
            servers,
        ),
        (
            "    listen 80;\n",
            format!("    listen 127.0.0.1:{port};\n"),
        ),
        // The hub: what this test sends from 127.0.0.2.
        ("    192.0.2.10 1;", format!("    {HUB_ADDR} 1;")),
    ] {
        assert!(
            recipe.contains(from),
            "README's nginx block has no {from:?}"
        );
        recipe = recipe.replace(from, &to);
    }
    // As root (CI), workers would switch to `nobody`, who cannot enter the temp prefix.
    let user = if rustix::process::geteuid().is_root() {
        "user root;\n"
    } else {
        ""
    };
    format!(
        "{user}worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy_temp;
    fastcgi_temp_path {d}/fastcgi_temp;
    uwsgi_temp_path {d}/uwsgi_temp;
    scgi_temp_path {d}/scgi_temp;
    log_format replicas '$request_uri|$status|$upstream_cache_status|$upstream_status|$upstream_addr';
    access_log {d}/access.log replicas;
{recipe}
}}
"
    )
}

/// nginx in the foreground; stopped (SIGTERM, then SIGKILL) when dropped.
struct Nginx {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Nginx {
    fn start(bin: &Path, dir: &Path, replicas: &[u16]) -> Nginx {
        // nginx needs a fixed port: take a free one from the kernel.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, nginx_conf(dir, port, replicas)).unwrap();
        let child = Command::new(bin)
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut nginx = Nginx {
            child,
            port,
            dir: dir.to_owned(),
        };
        let deadline = Instant::now() + START_LIMIT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                panic!("nginx exited ({status}):\n{}", nginx.error_log());
            }
            assert!(
                Instant::now() < deadline,
                "nginx not listening:\n{}",
                nginx.error_log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        nginx
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }

    /// The access log's lines for `path`, split into their fields.
    fn log(&self, path: &str) -> Vec<LogLine> {
        std::fs::read_to_string(self.dir.join("access.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('|').collect();
                (f.len() == 5 && f[0] == path).then(|| LogLine {
                    status: f[1].to_owned(),
                    cache: f[2].to_owned(),
                    upstream_status: f[3].to_owned(),
                    upstream_addr: f[4].to_owned(),
                })
            })
            .collect()
    }

    /// The access log lines for `path` once there are more than `seen`: nginx
    /// writes a request's line after its response has gone, so a client can
    /// read the log before its own request is in it.
    fn log_past(&self, path: &str, seen: usize) -> Vec<LogLine> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let lines = self.log(path);
            if lines.len() > seen || Instant::now() > deadline {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A GET through the cache from the loopback address `from`, as HTTP/1.0
    /// (no chunks): the head, lowercased, and the body.
    fn get_from(&self, from: &str, path: &str) -> (String, String) {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        let local: std::net::SocketAddr = format!("{from}:0").parse().unwrap();
        s.bind(&local.into()).unwrap();
        let to: std::net::SocketAddr = format!("127.0.0.1:{}", self.port).parse().unwrap();
        s.connect_timeout(&to.into(), Duration::from_secs(10))
            .unwrap();
        let mut stream: TcpStream = s.into();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8(raw).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.to_ascii_lowercase(), body.to_owned())
    }

    /// A GET through the cache, with `headers`, on a new connection.
    fn get(&self, path: &str, headers: &[(&str, &str)]) -> common::Reply {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(10))
            .build();
        let mut req = agent.get(&format!("http://127.0.0.1:{}{path}", self.port));
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let resp = match req.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("GET {path} through nginx: {e}\n{}", self.error_log()),
        };
        let status = resp.status();
        let headers = resp
            .headers_names()
            .into_iter()
            .filter_map(|n| {
                resp.header(&n)
                    .map(|v| (n.to_ascii_lowercase(), v.to_owned()))
            })
            .collect();
        let mut body = Vec::new();
        resp.into_reader().read_to_end(&mut body).unwrap();
        common::Reply {
            status,
            headers,
            body,
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let pid = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request as nginx's access log tells it.
#[derive(Debug)]
struct LogLine {
    status: String,
    cache: String,
    /// One status per replica asked, `, `-separated.
    upstream_status: String,
    /// One address per replica asked, `, `-separated.
    upstream_addr: String,
}

/// A replica's folder: its config (own state folder, the short max-age) and a
/// copy of `source`'s store when given, as `rsync -a` would make it.
fn replica(source: Option<&TempStore>) -> TempStore {
    let site = TempStore::with_config(&format!(
        "[http]\ncache_max_age = {}\nmax_connections_per_client = 0\n",
        MAX_AGE.as_secs()
    ));
    let dir = site.config().parent().unwrap().to_owned();
    // Each replica keeps its own validators, as README says it must.
    let state = toml::Value::String(dir.join("state").to_str().unwrap().to_owned());
    let mut config = std::fs::read_to_string(site.config()).unwrap();
    config.push_str(&format!("[state]\ndir = {state}\n"));
    std::fs::write(site.config(), config).unwrap();
    if let Some(source) = source {
        std::fs::remove_dir_all(store(&site)).unwrap();
        let copied = Command::new("cp")
            .arg("-a")
            .arg(store(source))
            .arg(store(&site))
            .status()
            .unwrap();
        assert!(copied.success());
    }
    site
}

fn store(site: &TempStore) -> PathBuf {
    site.config().parent().unwrap().join("store")
}

/// A small valid article titled `title` (11/05/2020 was a Monday).
fn article(title: &str) -> String {
    format!(
        "08:05 ICT Thứ hai, 11/05/2020\n\nTrang nhất » Thông báo\n\n{title}\n\n\
         Thứ hai - 11/05/2020 08:00\nDẫn: {title}.\n\nNội dung bài viết.\n"
    )
}

#[test]
fn two_replicas_behind_a_caching_nginx() {
    let Some(bin) = nginx_binary() else {
        eprintln!("SKIPPED: nginx is not installed (apt-get install nginx; .ci/run does)");
        return;
    };
    let site_a = replica(None);
    let site_b = replica(Some(&site_a));
    let mut a = site_a.start();
    let mut b = site_b.start();

    // The premise: the same bytes and ETag from both replicas.
    let (from_a, from_b) = (a.get(FEED, &[]), b.get(FEED, &[]));
    assert_eq!((from_a.status, from_b.status), (200, 200));
    let etag = from_a.expect_header("etag").to_owned();
    assert_eq!(from_b.expect_header("etag"), etag);
    assert_eq!(from_a.body, from_b.body);
    assert_eq!(
        from_a.expect_header("cache-control"),
        format!("max-age={}", MAX_AGE.as_secs())
    );

    let prefix = tempfile::tempdir().unwrap();
    let nginx = Nginx::start(&bin, prefix.path(), &[a.port, b.port]);
    let replica_addrs = [
        format!("127.0.0.1:{}", a.port),
        format!("127.0.0.1:{}", b.port),
    ];

    // A client through the cache: 200, then 304 for the ETag it was given.
    let first = nginx.get(FEED, &[]);
    assert_eq!(first.status, 200);
    assert_eq!(first.expect_header("etag"), etag);
    assert_eq!(first.body, from_a.body);
    let again = nginx.get(FEED, &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304, "{:?}", again.headers);
    assert_eq!(again.expect_header("x-cache-status"), "HIT");
    // A query string (the replicas have no use for one) is the same entry:
    // a made-up one does not get past the cache.
    let busting = nginx.get(&format!("{FEED}?khong-dung-bo-dem=123"), &[]);
    assert_eq!(busting.status, 200);
    assert_eq!(busting.expect_header("x-cache-status"), "HIT");
    assert_eq!(busting.body, from_a.body);
    // `/metrics` is each replica's, for its scraper: the proxy does not pass
    // it on, though the replicas (on loopback here, as the proxy is) serve it.
    assert_eq!(a.get("/metrics", &[]).status, 200);
    let metrics = nginx.get("/metrics", &[]);
    assert_eq!(metrics.status, 404);
    assert!(!metrics.text().contains("bantin_"), "{}", metrics.text());

    // Once max-age has passed, the cache revalidates with a conditional request;
    // round robin sends them to both replicas, and each answers 304: one ETag.
    let mut revalidated_by = std::collections::BTreeSet::new();
    for _ in 0..8 {
        std::thread::sleep(PAST_MAX_AGE);
        let seen = nginx.log(FEED).len();
        let r = nginx.get(FEED, &[]);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, from_a.body);
        for line in nginx.log_past(FEED, seen) {
            if line.cache == "REVALIDATED" && line.upstream_status == "304" {
                revalidated_by.insert(line.upstream_addr);
            }
        }
        if revalidated_by.len() == 2 {
            break;
        }
    }
    let want: std::collections::BTreeSet<String> = replica_addrs.iter().cloned().collect();
    assert_eq!(revalidated_by, want, "log:\n{:#?}", nginx.log(FEED));

    // A new article, synced to both stores: once both replicas serve it, the
    // cache passes it on within max-age (+ 1 s for nginx's whole-second clock).
    let title = "Thông báo mới qua bộ đệm";
    for site in [&site_a, &site_b] {
        std::fs::write(
            store(site).join("thong-bao/moi-qua-bo-dem.txt"),
            article(title),
        )
        .unwrap();
    }
    for d in [&a, &b] {
        let deadline = Instant::now() + START_LIMIT;
        while !d.get(FEED, &[]).text().contains(title) {
            assert!(
                Instant::now() < deadline,
                "a replica never served the new article"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let served = Instant::now();
    loop {
        // When the request was sent: an old body is only allowed for requests
        // sent while what the cache held before could still be fresh.
        let asked = served.elapsed();
        if nginx.get(FEED, &[]).text().contains(title) {
            break;
        }
        assert!(
            asked <= FRESH_AT_MOST,
            "the new article did not reach clients within max-age + 1 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let fresh = nginx.get(FEED, &[]).body;

    // One replica down: the cache asks the other and keeps serving, not stale.
    a.kill9();
    let mut seen = 0;
    for _ in 0..3 {
        std::thread::sleep(PAST_MAX_AGE);
        seen = nginx.log(FEED).len();
        let r = nginx.get(FEED, &[]);
        assert_eq!(r.status, 200);
        assert_ne!(
            r.expect_header("x-cache-status"),
            "STALE",
            "{:#?}",
            nginx.log(FEED)
        );
        assert_eq!(r.body, fresh);
    }
    let last = nginx.log_past(FEED, seen).pop().unwrap();
    assert!(last.upstream_addr.ends_with(&replica_addrs[1]), "{last:?}");

    // Both down: the cache serves what it has, marked stale.
    b.kill9();
    std::thread::sleep(PAST_MAX_AGE);
    let seen = nginx.log(FEED).len();
    let stale = nginx.get(FEED, &[]);
    assert_eq!(stale.status, 200, "{:#?}", nginx.log(FEED));
    assert_eq!(stale.expect_header("x-cache-status"), "STALE");
    assert_eq!(stale.body, fresh);
    let last = nginx.log_past(FEED, seen).pop().unwrap();
    assert_eq!(
        (last.status.as_str(), last.cache.as_str()),
        ("200", "STALE"),
        "{last:?}"
    );
}

/// A WebSub hub fetches a topic the moment a replica pings it. Through
/// README's block its request goes past the cache to a replica, so it pushes
/// the change, not the cache's old copy (here an older month's archive, which
/// the cache may keep a day), and what it fetched is cached for the clients
/// that ask as it did (the same `Accept-Encoding`: here none).
#[test]
fn a_hubs_fetch_gets_past_the_cache_and_refreshes_it() {
    let Some(bin) = nginx_binary() else {
        eprintln!("SKIPPED: nginx is not installed (apt-get install nginx; .ci/run does)");
        return;
    };
    let site = replica(None);
    let d = site.start();
    let prefix = tempfile::tempdir().unwrap();
    let nginx = Nginx::start(&bin, prefix.path(), &[d.port]);
    const MAY: &str = "/archive/2020-05.atom";
    let first = nginx.get(MAY, &[]);
    assert_eq!(first.status, 200);
    assert_eq!(first.expect_header("cache-control"), "max-age=86400");
    assert_eq!(nginx.get(MAY, &[]).expect_header("x-cache-status"), "HIT");

    // A correction dated that month: the replica serves it.
    let title = "Đính chính gửi qua trung tâm";
    std::fs::write(
        store(&site).join("thong-bao/dinh-chinh.txt"),
        article(title),
    )
    .unwrap();
    let deadline = Instant::now() + START_LIMIT;
    while !d.get(MAY, &[]).text().contains(title) {
        assert!(Instant::now() < deadline, "the replica never served it");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Any other client still gets the cache's copy, fresh for a day.
    let cached = nginx.get(MAY, &[]);
    assert_eq!(cached.expect_header("x-cache-status"), "HIT");
    assert!(!cached.text().contains(title));

    // The hub gets the change from the replica...
    let (head, body) = nginx.get_from(HUB_ADDR, MAY);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("\r\nx-cache-status: bypass"), "{head}");
    assert!(body.contains(title), "the hub got the old document");
    // ...and leaves it in the cache.
    let after = nginx.get(MAY, &[]);
    assert_eq!(after.expect_header("x-cache-status"), "HIT");
    assert!(
        after.text().contains(title),
        "the cache kept the old document"
    );
}
