//! WebSub publishing, end to end: hub and self links in every feed document and
//! `Link` header, publish pings once a change is served (which feeds, how often,
//! retries, a hub that never answers), and a real hub (flask-websub) delivering
//! a change to its subscriber.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Daemon, TempStore, BASE_URL};

/// What an article of "Thông báo" dated May 2020 changes: its feeds, the May
/// 2020 archives (all articles already have one; Thông báo's is new) and
/// Thông báo's archive of May 2021, which was its oldest and now links back,
/// and the feed of changes, which lists every article as it reaches the store.
const THONG_BAO_TOPICS: &[&str] = &[
    "/archive/2020-05.atom",
    "/archive/2020-05.json",
    "/archive/2020-05.rss",
    "/archive/thong-bao/2020-05.atom",
    "/archive/thong-bao/2020-05.json",
    "/archive/thong-bao/2020-05.rss",
    "/archive/thong-bao/2021-05.atom",
    "/archive/thong-bao/2021-05.json",
    "/archive/thong-bao/2021-05.rss",
    "/changes.atom",
    "/changes.json",
    "/changes.rss",
    "/feed.atom",
    "/feed.json",
    "/feed.rss",
    "/feeds/thong-bao.atom",
    "/feeds/thong-bao.json",
    "/feeds/thong-bao.rss",
];

/// A small valid article in "Thông báo".
fn article(title: &str) -> String {
    format!(
        "08:05 ICT Thứ hai, 11/05/2020\n\nTrang nhất » Thông báo\n\n{title}\n\n\
         Thứ hai - 11/05/2020 08:00\nDẫn: {title}.\n\nNội dung bài viết.\n"
    )
}

fn store(site: &TempStore) -> PathBuf {
    site.config().parent().unwrap().join("store")
}

/// Adds an article titled `title` to the store of `site` as `name`.txt.
fn add(site: &TempStore, name: &str, title: &str) {
    let path = store(site).join(format!("thong-bao/{name}.txt"));
    std::fs::write(path, article(title)).unwrap();
}

/// One POST the test hub received.
#[derive(Debug, Clone)]
struct Post {
    at: Instant,
    form: Vec<(String, String)>,
}

impl Post {
    fn all(&self, key: &str) -> Vec<&str> {
        self.form
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A hub on 127.0.0.1 that records every POST and answers `status` (0: never
/// answers, holding the connection for up to 30 s). Stops when dropped.
struct TestHub {
    port: u16,
    posts: Arc<Mutex<Vec<Post>>>,
    stop: Arc<AtomicBool>,
}

/// What a [`TestHub`] answers a POST: the status line's code and reason and
/// any header lines (`"429 Too Many Requests\r\nretry-after: 3"`), or `None`
/// to hold the connection for up to 30 s without answering.
type Answer = Arc<dyn Fn() -> Option<String> + Send + Sync>;

impl TestHub {
    fn start(status: u16) -> TestHub {
        let status = Arc::new(AtomicU16::new(status));
        TestHub::answering(move || match status.load(Ordering::SeqCst) {
            0 => None,
            code => Some(format!("{code} X")),
        })
    }

    /// A hub answering each POST with what `answer` says then.
    fn answering(answer: impl Fn() -> Option<String> + Send + Sync + 'static) -> TestHub {
        let answer: Answer = Arc::new(answer);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let posts = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (posts.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let (p, answer) = (p.clone(), answer.clone());
                std::thread::spawn(move || serve_one(conn, &p, &*answer));
            }
        });
        TestHub { port, posts, stop }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hub", self.port)
    }

    fn posts(&self) -> Vec<Post> {
        self.posts.lock().unwrap().clone()
    }

    /// The posts naming `topic` (as `hub.topic`).
    fn posts_of(&self, topic: &str) -> Vec<Post> {
        let topic = format!("{BASE_URL}{topic}");
        self.posts()
            .into_iter()
            .filter(|p| p.all("hub.topic") == [topic.as_str()])
            .collect()
    }

    /// Polls until `ok` holds for the posts, for at most `limit`.
    fn wait(&self, what: &str, limit: Duration, ok: impl Fn(&[Post]) -> bool) {
        let deadline = Instant::now() + limit;
        while !ok(&self.posts()) {
            assert!(
                Instant::now() < deadline,
                "{what}: not seen within {limit:?}; posts: {:#?}",
                self.posts()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for TestHub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Reads one HTTP/1.1 request (one per connection), records it, answers.
fn serve_one(
    mut conn: TcpStream,
    posts: &Mutex<Vec<Post>>,
    answer: &(dyn Fn() -> Option<String> + Send + Sync),
) {
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let form = url::form_urlencoded::parse(&body).into_owned().collect();
    posts.lock().unwrap().push(Post {
        at: Instant::now(),
        form,
    });
    let Some(head) = answer() else {
        std::thread::sleep(Duration::from_secs(30));
        return;
    };
    let _ = write!(
        conn,
        "HTTP/1.1 {head}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
}

/// A store whose config lists `hubs` in `[websub]`, with `more` keys of that table.
fn site_with_hubs(hubs: &[String], more: &str) -> TempStore {
    let hubs: Vec<String> = hubs.iter().map(|h| format!("{h:?}")).collect();
    TempStore::with_config(&format!("[websub]\nhubs = [{}]\n{more}", hubs.join(", ")))
}

/// Waits until the all-articles RSS feed lists `title`.
fn wait_served(d: &Daemon, title: &str) {
    d.wait_until(title, || d.body("/feed.rss").contains(title));
}

#[test]
fn every_feed_names_its_hubs_and_itself_in_the_document_and_a_link_header() {
    let hubs = [
        "http://127.0.0.1:9/hub".to_owned(),
        "https://hub.example/".to_owned(),
    ];
    let site = site_with_hubs(&hubs, "");
    let d = site.start();
    for path in [
        "/feed.atom",
        "/feed.rss",
        "/feed.json",
        "/feeds/thong-bao.json",
    ] {
        let r = d.get(path, &[]);
        let link = format!(
            "<http://127.0.0.1:9/hub>; rel=\"hub\", <https://hub.example/>; rel=\"hub\", \
             <{BASE_URL}{path}>; rel=\"self\""
        );
        assert_eq!(r.header("link"), Some(link.as_str()), "{path}");
        // A 304 carries it too (RFC 9110 §15.4.5 does not require it, but a
        // revalidating subscriber may look for it there).
        let etag = r.expect_header("etag").to_owned();
        let again = d.get(path, &[("if-none-match", &etag)]);
        assert_eq!(again.status, 304, "{path}");
        assert_eq!(again.header("link"), Some(link.as_str()), "{path}");
        let text = r.text();
        if path.ends_with(".json") {
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                json["hubs"],
                serde_json::json!([
                    {"type": "WebSub", "url": "http://127.0.0.1:9/hub"},
                    {"type": "WebSub", "url": "https://hub.example/"},
                ]),
                "{path}"
            );
        } else {
            let feed = feed_rs::parser::parse(text.as_bytes()).unwrap();
            let rels: Vec<(&str, &str)> = feed
                .links
                .iter()
                .filter_map(|l| Some((l.rel.as_deref()?, l.href.as_str())))
                .filter(|(rel, _)| matches!(*rel, "hub" | "self"))
                .collect();
            let own = format!("{BASE_URL}{path}");
            assert_eq!(
                rels,
                [
                    ("self", own.as_str()),
                    ("hub", "http://127.0.0.1:9/hub"),
                    ("hub", "https://hub.example/")
                ],
                "{path}"
            );
        }
    }
    // Pages are not feeds.
    assert_eq!(d.get("/", &[]).header("link"), None);
    assert_eq!(d.get("/feeds.opml", &[]).header("link"), None);
}

#[test]
fn without_hubs_nothing_is_linked() {
    let site = TempStore::new();
    let d = site.start();
    let r = d.get("/feed.json", &[]);
    assert_eq!(r.header("link"), None);
    assert!(!r.text().contains("\"hubs\""));
    assert!(!d.body("/feed.atom").contains("rel=\"hub\""));
}

#[test]
fn an_added_file_pings_exactly_the_feeds_it_changed() {
    let hub = TestHub::start(202);
    let site = site_with_hubs(&[hub.url()], "");
    let d = site.start();
    let written = Instant::now();
    add(&site, "moi", "Thông báo mới cho đối tác");
    hub.wait("a ping per changed feed", Duration::from_secs(2), |p| {
        p.len() >= THONG_BAO_TOPICS.len()
    });
    let first = hub.posts()[0].at.duration_since(written);
    // No second round: everything was in the first.
    std::thread::sleep(Duration::from_millis(1500));
    let posts = hub.posts();
    let mut topics: Vec<String> = Vec::new();
    for p in &posts {
        assert_eq!(p.all("hub.mode"), ["publish"], "{p:?}");
        // One topic per request, as hub.url and as hub.topic.
        assert_eq!(p.all("hub.url"), p.all("hub.topic"), "{p:?}");
        assert_eq!(p.all("hub.topic").len(), 1, "{p:?}");
        topics.push(p.all("hub.topic")[0].to_owned());
    }
    topics.sort();
    let expected: Vec<String> = THONG_BAO_TOPICS
        .iter()
        .map(|f| format!("{BASE_URL}{f}"))
        .collect();
    assert_eq!(topics, expected, "first ping {first:?} after the write");
    assert!(d.body("/feed.rss").contains("Thông báo mới cho đối tác"));
    assert_eq!(
        d.metric("bantin_websub_pings_sent_total"),
        Some(THONG_BAO_TOPICS.len() as f64)
    );
}

/// Tag and author feeds are rendered on demand, not held in the snapshot: they
/// name the hubs too, and an article that enters them pings them.
#[test]
fn a_tagged_article_pings_its_tag_and_author_feeds_which_name_the_hubs() {
    let hub = TestHub::start(202);
    let site = site_with_hubs(&[hub.url()], "");
    let d = site.start();
    let tagged = article("Đối tác nhận tin qua hub").replace(
        "Nội dung bài viết.\n",
        "Nội dung bài viết.\n\nTác giả: Lê Văn Hùng\nTừ khóa: Đối tác, Thông báo khẩn\n",
    );
    std::fs::write(store(&site).join("thong-bao/doi-tac.txt"), tagged).unwrap();
    let terms = [
        "/tags/doi-tac",
        "/tags/thong-bao-khan",
        "/authors/le-van-hung",
    ];
    let mut expected: Vec<String> = THONG_BAO_TOPICS.iter().map(|f| (*f).to_owned()).collect();
    for term in terms {
        for ext in ["atom", "json", "rss"] {
            expected.push(format!("{term}.{ext}"));
            // The month's archive of each term, new with it.
            expected.push(format!("{term}/2020-05.{ext}"));
        }
    }
    hub.wait("a ping per changed feed", Duration::from_secs(3), |p| {
        p.len() >= expected.len()
    });
    // No second round, and nothing else.
    std::thread::sleep(Duration::from_millis(1500));
    let mut topics: Vec<String> = hub
        .posts()
        .iter()
        .map(|p| p.all("hub.topic")[0].to_owned())
        .collect();
    topics.sort();
    let mut expected: Vec<String> = expected.iter().map(|f| format!("{BASE_URL}{f}")).collect();
    expected.sort();
    assert_eq!(topics, expected);

    let link = format!(
        "<{}>; rel=\"hub\", <{BASE_URL}/tags/doi-tac.atom>; rel=\"self\"",
        hub.url()
    );
    let r = d.get("/tags/doi-tac.atom", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("link"), Some(link.as_str()));
    let etag = r.expect_header("etag").to_owned();
    let again = d.get("/tags/doi-tac.atom", &[("if-none-match", &etag)]);
    assert_eq!(again.status, 304);
    assert_eq!(again.header("link"), Some(link.as_str()));
    let feed = feed_rs::parser::parse(r.text().as_bytes()).unwrap();
    assert!(
        feed.links
            .iter()
            .any(|l| l.rel.as_deref() == Some("hub") && l.href == hub.url()),
        "{:?}",
        feed.links
    );
    let json: serde_json::Value =
        serde_json::from_str(&d.body("/authors/le-van-hung.json")).unwrap();
    assert_eq!(json["hubs"][0]["url"], hub.url().as_str());
}

/// Archives are topics too (WebSub §7: the publisher informs the hubs when a
/// topic it designated is updated): a correction of an article older than
/// every live feed changes only its month's archives, and those are pinged,
/// under the URL each archive names as its `rel="self"`.
#[test]
fn a_correction_of_an_old_article_pings_its_months_archives() {
    let hub = TestHub::start(202);
    // One item per live feed: the May 2022 article is in none of them.
    let site = site_with_hubs(&[hub.url()], "[feeds]\nitems = 1\n");
    let d = site.start();
    let path = store(&site).join("tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let corrected = text.replace("hơn 400 người", "hơn 450 người").replace(
        "Thứ năm - 26/05/2022 08:40\n",
        "Thứ năm - 26/05/2022 08:40\nCập nhật: 01/08/2025 09:00\n",
    );
    assert_ne!(corrected, text);
    let archive = "/archive/tin-tuc/thoi-su/2022-05.atom";
    let before = d.get(archive, &[]).expect_header("etag").to_owned();
    let changes_before = d.get("/changes.atom", &[]);
    let page_before = d.get("/changes", &[]).expect_header("etag").to_owned();
    assert_eq!(changes_before.status, 200);
    // It holds the article with the latest event (its capture), not this one.
    assert!(changes_before.text().contains("<entry>"));
    assert!(
        !changes_before
            .text()
            .contains("dien-tap-phong-chong-thien-tai-2022"),
        "not corrected yet"
    );
    std::fs::write(&path, corrected).unwrap();
    let mut expected: Vec<String> = Vec::new();
    for feed in ["", "tin-tuc/", "tin-tuc/thoi-su/"] {
        for ext in ["atom", "json", "rss"] {
            expected.push(format!("{BASE_URL}/archive/{feed}2022-05.{ext}"));
        }
    }
    let archive_topics = || {
        let mut topics: Vec<String> = hub
            .posts()
            .iter()
            .map(|p| p.all("hub.topic")[0].to_owned())
            .filter(|t| t.starts_with(&format!("{BASE_URL}/archive/")))
            .collect();
        topics.sort();
        topics
    };
    hub.wait(
        "a ping per archive of May 2022",
        Duration::from_secs(5),
        |_| archive_topics().len() >= expected.len(),
    );
    // No second round, and nothing else: no live feed holds the article.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(archive_topics(), expected);
    let live: Vec<Post> = hub
        .posts()
        .into_iter()
        .filter(|p| p.all("hub.topic")[0].starts_with(&format!("{BASE_URL}/feed")))
        .collect();
    assert!(live.is_empty(), "{live:#?}");

    // What a subscriber read and subscribed to is what was pinged.
    let r = d.get(archive, &[]);
    assert_ne!(r.expect_header("etag"), before, "the archive changed");
    let topic = format!("{BASE_URL}{archive}");
    let link = format!("<{}>; rel=\"hub\", <{topic}>; rel=\"self\"", hub.url());
    assert_eq!(r.header("link"), Some(link.as_str()));
    let feed = feed_rs::parser::parse(r.text().as_bytes()).unwrap();
    let own: Vec<&str> = feed
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("self"))
        .map(|l| l.href.as_str())
        .collect();
    assert_eq!(own, [topic.as_str()]);
    assert!(expected.contains(&topic));
    let json = "/archive/tin-tuc/thoi-su/2022-05.json";
    let doc: serde_json::Value = serde_json::from_str(&d.body(json)).unwrap();
    assert_eq!(doc["feed_url"], format!("{BASE_URL}{json}").as_str());
    assert!(expected.contains(&format!("{BASE_URL}{json}")));

    // The feed of changes, which a partner follows instead of every month,
    // holds it and was pinged, in every format.
    let changes: Vec<String> = topics(&hub)
        .into_iter()
        .filter(|t| t.starts_with(&format!("{BASE_URL}/changes.")))
        .collect();
    let wanted = ["atom", "json", "rss"].map(|ext| format!("{BASE_URL}/changes.{ext}"));
    assert_eq!(changes, wanted);
    let r = d.get("/changes.atom", &[]);
    let etag = r.expect_header("etag").to_owned();
    assert_ne!(etag, changes_before.expect_header("etag"));
    let link = format!(
        "<{}>; rel=\"hub\", <{BASE_URL}/changes.atom>; rel=\"self\"",
        hub.url()
    );
    assert_eq!(r.header("link"), Some(link.as_str()));
    let feed = feed_rs::parser::parse(r.text().as_bytes()).unwrap();
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        ["tag:bantin.example,2020:article/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022"]
    );
    assert_eq!(
        feed.entries[0].updated.map(|u| u.to_rfc3339()).as_deref(),
        Some("2025-08-01T02:00:00+00:00")
    );
    let again = d.get("/changes.atom", &[("if-none-match", &etag)]);
    assert_eq!(again.status, 304);
    // Its page lists it too, under a new ETag.
    let page = d.get("/changes", &[("if-none-match", &page_before)]);
    assert_eq!(page.status, 200);
    assert!(page
        .text()
        .contains("cập nhật <time datetime=\"2025-08-01T09:00:00+07:00\">"));
}

#[test]
fn two_quick_changes_are_one_ping_per_feed() {
    let hub = TestHub::start(202);
    let site = site_with_hubs(&[hub.url()], "");
    let d = site.start();
    add(&site, "mot", "Thông báo thứ nhất");
    wait_served(&d, "Thông báo thứ nhất");
    add(&site, "hai", "Thông báo thứ hai");
    wait_served(&d, "Thông báo thứ hai");
    hub.wait("the pings", Duration::from_secs(5), |p| !p.is_empty());
    std::thread::sleep(Duration::from_millis(1500));
    for feed in THONG_BAO_TOPICS {
        assert_eq!(hub.posts_of(feed).len(), 1, "{feed}: {:#?}", hub.posts());
    }
    assert_eq!(hub.posts().len(), THONG_BAO_TOPICS.len());
}

#[test]
fn a_failing_hub_is_retried_with_backoff_then_given_up_and_counted() {
    let hub = TestHub::start(500);
    let site = site_with_hubs(&[hub.url()], "max_attempts = 3\n");
    let d = site.start();
    add(&site, "loi", "Thông báo khi hub lỗi");
    hub.wait("three attempts per feed", Duration::from_secs(20), |p| {
        p.len() >= 3 * THONG_BAO_TOPICS.len()
    });
    d.wait_until("every failure counted and every ping given up", || {
        d.metric("bantin_websub_pings_failed_total") == Some(3.0 * THONG_BAO_TOPICS.len() as f64)
            && d.metric("bantin_websub_pings_dropped_total") == Some(THONG_BAO_TOPICS.len() as f64)
            && d.metric("bantin_websub_pings_queued") == Some(0.0)
    });
    assert_eq!(d.metric("bantin_websub_pings_sent_total"), Some(0.0));
    for feed in THONG_BAO_TOPICS {
        let posts = hub.posts_of(feed);
        assert_eq!(posts.len(), 3, "{feed}");
        let gaps: Vec<Duration> = posts.windows(2).map(|w| w[1].at - w[0].at).collect();
        // Backoff: 1 s, then 2 s (each at least that long, and growing).
        assert!(gaps[0] >= Duration::from_millis(900), "{feed}: {gaps:?}");
        assert!(gaps[1] > gaps[0], "{feed}: {gaps:?}");
    }
    // One log line for the hub, not one per ping; and one warning that
    // pings were given up (subscribers miss those changes), not one per ping.
    let stderr = d.stderr();
    assert_eq!(stderr.matches("publish ping failed").count(), 1, "{stderr}");
    assert!(
        stderr.contains(&hub.url()) && stderr.contains("500"),
        "{stderr}"
    );
    let gave_up: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("gave up a ping after 3 attempts"))
        .collect();
    assert_eq!(gave_up.len(), 1, "{stderr}");
    assert!(
        gave_up[0].contains("WARN") && gave_up[0].contains(&hub.url()),
        "{}",
        gave_up[0]
    );
}

#[test]
fn a_hub_that_never_answers_does_not_delay_serving() {
    let hub = TestHub::start(0);
    let site = site_with_hubs(&[hub.url()], "timeout_secs = 60\n");
    let d = site.start();
    add(&site, "cho", "Thông báo khi hub im lặng");
    wait_served(&d, "Thông báo khi hub im lặng");
    // At most 4 pings are in flight to a hub at once (the rest wait their turn).
    hub.wait("the pings held by the hub", Duration::from_secs(5), |p| {
        p.len() >= THONG_BAO_TOPICS.len().min(bantin::websub::PER_HUB)
    });
    // Every ping in flight is waiting for the hub (for up to 60 s): the next
    // change is served all the same.
    add(&site, "tiep", "Thông báo tiếp theo");
    wait_served(&d, "Thông báo tiếp theo");
    assert_eq!(d.get("/healthz", &[]).status, 200);
}

/// Two hubs that never answer (a firewall that drops packets, a hub hung)
/// beside one that does: the healthy hub gets every ping of a change while
/// the others still hold their first sends, which they do for a minute.
#[test]
fn a_hub_that_never_answers_does_not_delay_another_hubs_pings() {
    let (dead, mute, good) = (TestHub::start(0), TestHub::start(0), TestHub::start(202));
    let site = site_with_hubs(&[dead.url(), mute.url(), good.url()], "timeout_secs = 60\n");
    let d = site.start();
    add(&site, "ket", "Thông báo khi hai hub treo");
    wait_served(&d, "Thông báo khi hai hub treo");
    good.wait(
        "every ping at the healthy hub",
        Duration::from_secs(15),
        |_| {
            THONG_BAO_TOPICS
                .iter()
                .all(|t| !good.posts_of(t).is_empty())
        },
    );
    // The hung hubs hold a few sends each, not every ping of theirs.
    for hung in [&dead, &mute] {
        let held = hung.posts().len();
        assert!(held >= 1 && held < THONG_BAO_TOPICS.len(), "{held}");
    }
    assert_eq!(good.posts().len(), THONG_BAO_TOPICS.len());
}

/// A hub that answers 429 with `Retry-After: 4` to every ping in its first
/// 4 s: the pings it refused and those that had not gone yet wait for it,
/// and all go through, though each may be tried only twice.
#[test]
fn a_hub_that_asks_to_wait_gets_every_ping_once_it_said_it_would_take_them() {
    let first: Arc<Mutex<Option<Instant>>> = Arc::default();
    let hub = TestHub::answering(move || {
        let start = *first.lock().unwrap().get_or_insert_with(Instant::now);
        if start.elapsed() < Duration::from_secs(4) {
            Some("429 Too Many Requests\r\nretry-after: 4".to_owned())
        } else {
            Some("202 Accepted".to_owned())
        }
    });
    let site = site_with_hubs(&[hub.url()], "max_attempts = 2\n");
    let d = site.start();
    add(&site, "doi", "Thông báo khi hub bảo chờ");
    // The hub's 4 s and the hold on top of the usual wait: 30 s.
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.metric("bantin_websub_pings_sent_total") != Some(THONG_BAO_TOPICS.len() as f64) {
        assert!(
            Instant::now() < deadline,
            "every ping accepted: not within 30 s; posts {:#?}\n{}",
            hub.posts(),
            d.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(d.metric("bantin_websub_pings_dropped_total"), Some(0.0));
    // Refused: those sent before the first answer came, no more.
    let refused = d.metric("bantin_websub_pings_failed_total").unwrap();
    assert!(
        (1.0..=bantin::websub::PER_HUB as f64).contains(&refused),
        "{refused}"
    );
    let stderr = d.stderr();
    assert!(
        stderr.contains(
            "answered 429 Too Many Requests with Retry-After: every ping to this hub waits 4 s"
        ),
        "{stderr}"
    );
}

/// A hub that moved answers 307 or 308 with its new URL on its host (here
/// another port of 127.0.0.1): the ping is sent there, with the same form,
/// and the log names the new URL once.
#[test]
fn a_hub_that_moved_gets_its_pings_at_its_new_url_and_the_log_says_where() {
    let new = TestHub::start(202);
    let to = new.url();
    let old = TestHub::answering(move || Some(format!("308 Permanent Redirect\r\nlocation: {to}")));
    let site = site_with_hubs(&[old.url()], "");
    let d = site.start();
    add(&site, "moi", "Thông báo khi hub dời đi");
    new.wait("every ping at the new URL", Duration::from_secs(10), |_| {
        THONG_BAO_TOPICS.iter().all(|t| new.posts_of(t).len() == 1)
    });
    assert_eq!(new.posts().len(), THONG_BAO_TOPICS.len());
    for post in new.posts() {
        assert_eq!(post.all("hub.mode"), ["publish"]);
        assert_eq!(post.all("hub.url"), post.all("hub.topic"));
    }
    let line = d.log_line("moved to");
    assert!(
        line.contains(&old.url()) && line.contains(&new.url()) && line.contains("[websub] hubs"),
        "{line}"
    );
    assert_eq!(d.stderr().matches("moved to").count(), 1);
}

/// A hub that answers 307 with a URL on another host (here `localhost`, as
/// a hub may point into the daemon's own machine or network) gets no ping
/// there: each ping is a refusal naming that URL, for the sysadmin to put in
/// `[websub] hubs` if the hub truly moved.
#[test]
fn a_hub_redirecting_to_another_host_is_not_followed() {
    let inside = TestHub::start(202);
    let to = inside.url().replace("127.0.0.1", "localhost");
    assert_ne!(to, inside.url());
    let hub = TestHub::answering(move || Some(format!("307 Temporary Redirect\r\nlocation: {to}")));
    let site = site_with_hubs(&[hub.url()], "max_attempts = 1\n");
    let d = site.start();
    add(&site, "moi", "Thông báo khi hub chỉ sang máy khác");
    let line = d.log_line("publish ping failed");
    assert!(
        line.contains("307") && line.contains("localhost") && line.contains("[websub] hubs"),
        "{line}"
    );
    hub.wait("every ping refused", Duration::from_secs(10), |_| {
        THONG_BAO_TOPICS.iter().all(|t| hub.posts_of(t).len() == 1)
    });
    assert!(inside.posts().is_empty(), "{:?}", inside.posts().len());
}

/// The real hub: tests/support/websub_hub.py, flask-websub's Hub and
/// Subscriber; its events, a JSON object per line.
struct RealHub {
    child: Child,
    stdin: ChildStdin,
    events: mpsc::Receiver<serde_json::Value>,
}

impl RealHub {
    /// Starts it; `None` (with the reason printed) if Python lacks the packages.
    fn start() -> Option<RealHub> {
        let probe = Command::new("python3")
            .args(["-c", "import flask_websub, celery, flask"])
            .output();
        match probe {
            Ok(out) if out.status.success() => {}
            other => {
                eprintln!(
                    "SKIPPED: the real-hub test needs python3 with flask-websub and celery \
                     (pip install flask-websub celery; .ci/run does): {other:?}"
                );
                return None;
            }
        }
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/websub_hub.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, events) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if let Ok(v) = serde_json::from_str(&line) {
                    if tx.send(v).is_err() {
                        return;
                    }
                }
            }
        });
        Some(RealHub {
            child,
            stdin,
            events,
        })
    }

    /// The next event named `name` within `limit` (others are skipped).
    fn expect(
        &self,
        name: &str,
        limit: Duration,
        ok: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = self
                .events
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {name} event within {limit:?}"));
            assert_ne!(event["event"], "error", "{event}");
            if event["event"] == name && ok(&event) {
                return event;
            }
        }
    }
}

impl Drop for RealHub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_real_hub_delivers_a_change_to_its_subscriber() {
    let Some(mut hub) = RealHub::start() else {
        return;
    };
    let listening = hub.expect("listening", Duration::from_secs(20), |_| true);
    let hub_url = listening["hub"].as_str().unwrap().to_owned();
    let site = site_with_hubs(std::slice::from_ref(&hub_url), "");
    let d = site.start();
    // The hub fetches what it is told of: links must name this daemon, whose
    // port is known only now. A reload applies the real base URL.
    let base = d.url("");
    let config = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(
        site.config(),
        format!("{config}\n[site]\nbase_url = \"{base}\"\n"),
    )
    .unwrap();
    d.signal(rustix::process::Signal::HUP);
    let topic = d.url("/feed.atom");
    d.wait_until("the reloaded base URL", || {
        d.get("/feed.atom", &[])
            .header("link")
            .is_some_and(|l| l.contains(&topic))
    });
    // The subscriber discovers hub and topic from the Link header, and subscribes.
    writeln!(hub.stdin, "subscribe {topic}").unwrap();
    hub.stdin.flush().unwrap();
    hub.expect("subscribed", Duration::from_secs(20), |e| {
        e["topic"] == topic.as_str()
    });
    let title = "Tin đẩy tới đối tác qua hub";
    add(&site, "day", title);
    // The reload's own pings (a new base URL changes every feed) may reach
    // the hub after the subscription and be delivered first: wait for the
    // delivery that carries the change.
    let event = hub.expect("notified", Duration::from_secs(20), |e| {
        e["topic"] == topic.as_str() && e["body"].as_str().is_some_and(|b| b.contains(title))
    });
    assert!(event["body"].as_str().unwrap().contains(title));
}

/// The topics of every post, sorted, each once.
fn topics(hub: &TestHub) -> std::collections::BTreeSet<String> {
    hub.posts()
        .iter()
        .map(|p| p.all("hub.topic")[0].to_owned())
        .collect()
}

/// The reviewer's case, small: a change of more feeds than `queue_size`
/// holds, with a hub answering. Its archives' pings are dropped, never a
/// live feed's, and the log blames the change's size, not the hub.
#[test]
fn a_change_bigger_than_the_queue_drops_archive_pings_never_live_ones() {
    let hub = TestHub::start(204);
    let site = site_with_hubs(&[hub.url()], "queue_size = 10\n");
    let d = site.start();
    add(&site, "lon", "Thông báo lớn hơn hàng đợi");
    let live: Vec<&str> = THONG_BAO_TOPICS
        .iter()
        .copied()
        .filter(|t| !t.starts_with("/archive/"))
        .collect();
    assert_eq!(live.len(), 9);
    let line = d.log_line("more pings than [websub] queue_size = 10 holds");
    assert!(
        line.contains("a change of 18 feeds (9 live, 9 archives)")
            && line.contains("dropped 8 archive ping(s) and 0 live-feed ping(s)")
            && line.contains("raise queue_size to at least 18"),
        "{line}"
    );
    hub.wait("10 pings", Duration::from_secs(5), |p| p.len() >= 10);
    std::thread::sleep(Duration::from_millis(1500));
    let sent = topics(&hub);
    assert_eq!(sent.len(), 10, "{sent:#?}");
    for t in &live {
        assert!(sent.contains(&format!("{BASE_URL}{t}")), "{t}: {sent:#?}");
    }
    assert_eq!(d.metric("bantin_websub_pings_dropped_total"), Some(8.0));
    assert_eq!(
        d.metric("bantin_websub_live_pings_dropped_total"),
        Some(0.0)
    );

    // A second such change within the minute drops as many, counted, with
    // no second line: at most one a minute, whatever the changes.
    add(&site, "lon-nua", "Thông báo lớn nữa");
    d.wait_until("the second change's pings dropped", || {
        d.metric("bantin_websub_pings_dropped_total") > Some(8.0)
    });
    // The metric moves before the line would be written: give it time.
    std::thread::sleep(Duration::from_millis(500));
    let stderr = d.stderr();
    assert_eq!(stderr.matches("more pings than").count(), 1, "{stderr}");
}

/// Every feed document of the site `site` serves, by path: what `bantin
/// build` writes as a feed.
fn every_feed_path(site: &TempStore) -> std::collections::BTreeSet<String> {
    let out = tempfile::tempdir().unwrap();
    let o = common::bantin([
        "--config".as_ref(),
        site.config().as_os_str(),
        "build".as_ref(),
        "--out".as_ref(),
        out.path().as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    common::read_tree(out.path())
        .into_keys()
        .map(|p| format!("/{p}"))
        .filter(|p| !p.starts_with("/subscribe/"))
        .filter(|p| [".rss", ".atom", ".json"].iter().any(|e| p.ends_with(e)))
        .collect()
}

/// Appends `extra` to the config of `site`, sends SIGHUP and waits for the reload.
fn reload(site: &TempStore, d: &Daemon, extra: &str) {
    let mut config = std::fs::read_to_string(site.config()).unwrap();
    config.push_str(extra);
    std::fs::write(site.config(), config).unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.log_line("configuration reloaded");
}

#[test]
fn a_reload_that_changes_every_document_pings_every_feed() {
    let hub = TestHub::start(204);
    let site = site_with_hubs(&[hub.url()], "");
    let d = site.start();
    let feeds = every_feed_path(&site);
    // Tag and author feeds and archives, rendered on demand, are among them.
    for kind in ["/tags/", "/authors/", "/archive/"] {
        assert!(
            feeds.iter().any(|p| p.starts_with(kind)),
            "{kind}: {feeds:#?}"
        );
    }
    reload(&site, &d, "[site]\ntitle = \"Bản tin thử\"\n");
    d.log_line("comparing every feed document");
    let expected: std::collections::BTreeSet<String> =
        feeds.iter().map(|p| format!("{BASE_URL}{p}")).collect();
    hub.wait("a ping per feed document", Duration::from_secs(10), |p| {
        p.len() >= expected.len()
    });
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(topics(&hub), expected);
    assert_eq!(hub.posts().len(), expected.len(), "one ping each");
    assert!(d.body("/feed.rss").contains("Bản tin thử"));
}

#[test]
fn a_reload_of_the_ttl_pings_every_rss_document_and_not_the_live_json_or_atom() {
    let hub = TestHub::start(204);
    let site = site_with_hubs(&[hub.url()], "");
    let d = site.start();
    let feeds = every_feed_path(&site);
    let rss: Vec<&String> = feeds.iter().filter(|p| p.ends_with(".rss")).collect();
    let tag_rss = rss
        .iter()
        .find(|p| p.starts_with("/tags/"))
        .unwrap()
        .to_string();
    let before = d.get(&tag_rss, &[]).expect_header("etag").to_owned();
    reload(&site, &d, "[feeds]\nttl = 90\n");
    assert_ne!(d.get(&tag_rss, &[]).expect_header("etag"), before);
    hub.wait("a ping per RSS document", Duration::from_secs(10), |p| {
        p.len() >= rss.len()
    });
    std::thread::sleep(Duration::from_millis(1500));
    let sent = topics(&hub);
    for p in &rss {
        assert!(sent.contains(&format!("{BASE_URL}{p}")), "{p}");
    }
    // Nothing that is not a feed; the snapshot's own Atom and JSON feeds,
    // compared by their bytes, did not change.
    for t in &sent {
        assert!(feeds.contains(t.strip_prefix(BASE_URL).unwrap()), "{t}");
    }
    for unchanged in ["/feed.atom", "/feed.json", "/feeds/thong-bao.json"] {
        assert!(
            !sent.contains(&format!("{BASE_URL}{unchanged}")),
            "{unchanged}"
        );
    }
}

/// The topics `hub` was sent once it has the feeds the correction of May
/// 2021 (see [`correct_may_2021`]) changes, and a moment more for any other.
fn correction_pings(hub: &TestHub, what: &str) -> std::collections::BTreeSet<String> {
    let wanted: Vec<String> = [
        "/feed.atom",
        "/feeds/thong-bao.rss",
        "/archive/2021-05.json",
        "/archive/thong-bao/2021-05.atom",
    ]
    .iter()
    .map(|p| format!("{BASE_URL}{p}"))
    .collect();
    hub.wait(what, Duration::from_secs(10), |_| {
        let sent = topics(hub);
        wanted.iter().all(|w| sent.contains(w))
    });
    std::thread::sleep(Duration::from_millis(1500));
    topics(hub)
}

/// Corrects the lead of an article of "Thông báo" (May 2021) in the store of `site`.
fn correct_may_2021(site: &TempStore) {
    correct_may_2021_in(&store(site));
}

/// Corrects the lead of an article of "Thông báo" (May 2021) in the store at `store`.
fn correct_may_2021_in(store: &std::path::Path) {
    let path = store.join("thong-bao/lich-tiep-cong-dan-thang-6-2021.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let corrected = text.replace("định kỳ của Chủ tịch", "định kỳ (đã sửa) của Chủ tịch");
    assert_ne!(corrected, text);
    std::fs::write(&path, corrected).unwrap();
}

#[test]
fn a_reload_that_moves_the_store_and_keeps_the_settings_pings_what_the_store_changed() {
    let hub = TestHub::start(204);
    let site = site_with_hubs(&[hub.url()], "");
    let d = site.start();
    let every = every_feed_path(&site);
    let archive = "/archive/thong-bao/2021-05.atom";
    let before = d.get(archive, &[]).expect_header("etag").to_owned();
    // The same articles in another folder, one of them corrected.
    let moved = site.config().parent().unwrap().join("moved");
    for (rel, bytes) in common::read_tree(&store(&site)) {
        let to = moved.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, bytes).unwrap();
    }
    correct_may_2021_in(&moved);
    let config = std::fs::read_to_string(site.config()).unwrap();
    let first = config.lines().next().unwrap();
    assert!(first.starts_with("store = "), "{first}");
    let to = toml::Value::String(moved.to_str().unwrap().to_owned());
    std::fs::write(
        site.config(),
        config.replacen(first, &format!("store = {to}"), 1),
    )
    .unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.log_line("configuration reloaded");
    assert_ne!(d.get(archive, &[]).expect_header("etag"), before);
    let sent = correction_pings(&hub, "the feeds the correction changed");
    // Only what the correction changed, among every feed document.
    for t in &sent {
        assert!(every.contains(t.strip_prefix(BASE_URL).unwrap()), "{t}");
    }
    for unchanged in ["/feeds/tin-tuc.rss", "/archive/2022-05.rss"] {
        assert!(
            !sent.contains(&format!("{BASE_URL}{unchanged}")),
            "{sent:#?}"
        );
    }
    assert!(sent.len() < every.len() / 2, "{sent:#?}");
    // Told as a change of the articles read anew, with no pass over every document.
    assert!(!d.stderr().contains("comparing every feed document"));
}

#[test]
fn a_reload_naming_another_state_folder_keeps_the_record_beside_the_validators() {
    let hub = TestHub::start(204);
    let site = site_with_hubs(&[hub.url()], "");
    let d = site.start();
    let folder = site.config().parent().unwrap().to_owned();
    reload(&site, &d, "[state]\ndir = \"elsewhere\"\n");
    d.terminate();
    drop(d);
    // The folder in force until the next start holds both files.
    for file in ["validators.json", "websub.json"] {
        assert!(folder.join(".bantin-state").join(file).exists(), "{file}");
    }
    assert!(!folder.join("elsewhere/websub.json").exists());
}

#[test]
fn a_change_made_while_stopped_is_pinged_at_the_next_start() {
    let hub = TestHub::start(204);
    let site = site_with_hubs(&[hub.url()], "");
    let d = site.start();
    let archive = "/archive/thong-bao/2021-05.atom";
    let before = d.get(archive, &[]).expect_header("etag").to_owned();
    d.terminate();
    drop(d);
    assert!(
        site.config()
            .parent()
            .unwrap()
            .join(".bantin-state/websub.json")
            .exists(),
        "the stop recorded the feeds"
    );
    assert!(hub.posts().is_empty());
    correct_may_2021(&site);
    let d = site.start();
    assert_ne!(d.get(archive, &[]).expect_header("etag"), before);
    let sent = correction_pings(&hub, "the feeds changed while stopped");
    // Only what the correction changed: another category's feed is not pinged.
    assert!(
        !sent.contains(&format!("{BASE_URL}/feeds/tin-tuc.rss")),
        "{sent:#?}"
    );
    assert!(
        !sent.contains(&format!("{BASE_URL}/archive/2022-05.rss")),
        "{sent:#?}"
    );
    // Read once: a start after this one compares nothing it recorded.
    assert!(!site
        .config()
        .parent()
        .unwrap()
        .join(".bantin-state/websub.json")
        .exists());
}

#[test]
fn a_start_after_an_upgrade_says_which_changes_made_while_stopped_it_cannot_ping() {
    let hub = TestHub::start(204);
    let site = site_with_hubs(&[hub.url()], "");
    let d = site.start();
    d.terminate();
    drop(d);
    // The record as another build would have left it.
    let file = site
        .config()
        .parent()
        .unwrap()
        .join(".bantin-state/websub.json");
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    record["build"] = "0.0.9+older".into();
    std::fs::write(&file, serde_json::to_vec(&record).unwrap()).unwrap();
    correct_may_2021(&site);
    let d = site.start();
    let line = d.log_line("websub: the record of the last stop");
    assert!(
        line.contains("INFO")
            && line.contains("written by bantin 0.0.9+older")
            && line.contains("not those to tag, author and changes feeds or monthly archives"),
        "{line}"
    );
    // What it says: the live feed is pinged, the archive is not.
    let wanted = format!("{BASE_URL}/feeds/thong-bao.rss");
    hub.wait("the category feed", Duration::from_secs(10), |_| {
        topics(&hub).contains(&wanted)
    });
    assert!(!topics(&hub).iter().any(|t| t.contains("/archive/")));
}

#[test]
fn after_a_crash_a_start_pings_the_changed_feeds_validators_json_remembers() {
    let hub = TestHub::start(204);
    let site = site_with_hubs(&[hub.url()], "");
    let mut d = site.start();
    d.kill9();
    drop(d);
    correct_may_2021(&site);
    let d = site.start();
    let line = d.log_line("websub: there is no record of the last stop");
    assert!(
        line.contains("INFO") && line.contains("killed or crashed"),
        "{line}"
    );
    let wanted = format!("{BASE_URL}/feeds/thong-bao.rss");
    hub.wait("the category feed", Duration::from_secs(10), |_| {
        topics(&hub).contains(&wanted)
    });
    std::thread::sleep(Duration::from_millis(1500));
    let sent = topics(&hub);
    assert!(sent.contains(&format!("{BASE_URL}/feed.rss")), "{sent:#?}");
    // No record of the on-demand archives: those are not known to have changed.
    assert!(!sent.iter().any(|t| t.contains("/archive/")), "{sent:#?}");
    assert!(
        !sent.contains(&format!("{BASE_URL}/feeds/tin-tuc.rss")),
        "{sent:#?}"
    );
    drop(d);
}

#[test]
fn hubs_with_the_default_base_url_are_warned_of() {
    let site = site_with_hubs(&["https://hub.example/".to_owned()], "");
    let d = site.start();
    let line = d.log_line("[site] base_url");
    assert!(
        line.contains("http://127.0.0.1:8080") && line.contains("WARN"),
        "{line}"
    );
    let o = common::bantin([
        "--config".as_ref(),
        site.config().as_os_str(),
        "config".as_ref(),
        "check".as_ref(),
    ]);
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("warning:") && stderr.contains("[site] base_url"),
        "{stderr}"
    );
}

/// The all-articles, category and changes feeds among `paths`, as topics:
/// the first line of pings, and what a removed hub is pinged once more.
fn site_topics(paths: &std::collections::BTreeSet<String>) -> std::collections::BTreeSet<String> {
    paths
        .iter()
        .filter(|p| {
            ["/feed.", "/feeds/", "/changes."]
                .iter()
                .any(|s| p.starts_with(s))
        })
        .map(|p| format!("{BASE_URL}{p}"))
        .collect()
}

/// Replaces the hub `old` with `new` in the configuration, and reloads it.
fn replace_hub(site: &TempStore, d: &Daemon, old: &TestHub, new: &TestHub) {
    let config = std::fs::read_to_string(site.config())
        .unwrap()
        .replace(&old.url(), &new.url());
    std::fs::write(site.config(), config).unwrap();
    d.signal(rustix::process::Signal::HUP);
}

/// The topics of the posts `hub` received after its first `from`, each once.
fn topics_since(hub: &TestHub, from: usize) -> std::collections::BTreeSet<String> {
    hub.posts()[from..]
        .iter()
        .map(|p| p.all("hub.topic")[0].to_owned())
        .collect()
}

/// A reload that replaces a hub pings the removed one too, once per
/// all-articles, category and changes feed (they all name the new hub now), after
/// the new hub's pings: its subscribers fetch feeds that tell them where to
/// subscribe, instead of silence. A removed hub that was failing has its
/// retries dropped and is tried that once, and is no longer blamed.
#[test]
fn a_reload_that_removes_a_hub_pings_it_once_more_with_the_site_feeds() {
    let (old, new) = (TestHub::start(500), TestHub::start(204));
    let site = site_with_hubs(&[old.url()], "max_attempts = 8\n");
    let d = site.start();
    let every = every_feed_path(&site);
    let expected = site_topics(&every);
    add(&site, "loi", "Thông báo khi hub cũ lỗi");
    // The change's first pings have failed: none more for 300 ms (their
    // retries are due a second after). A loaded machine may still send one
    // late, which the checks below allow once.
    old.wait("a failing ping", Duration::from_secs(10), |p| !p.is_empty());
    let mut before = old.posts().len();
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = old.posts().len();
        if now == before {
            break;
        }
        before = now;
    }
    replace_hub(&site, &d, &old, &new);
    d.log_line("configuration reloaded");
    let line = d.log_line("pinging the hubs the reload removed once more");
    assert!(line.contains(&old.url()), "{line}");
    new.wait("a ping per feed document", Duration::from_secs(10), |p| {
        p.len() >= every.len()
    });
    let site_posts = |old: &TestHub| {
        old.posts()[before..]
            .iter()
            .filter(|p| expected.contains(p.all("hub.topic")[0]))
            .count()
    };
    old.wait("a last ping per site feed", Duration::from_secs(10), |_| {
        site_posts(&old) >= expected.len()
    });
    // Retries of the failing pings (due 1, 2, 4 s after) are gone too: each
    // site feed once more, and an archive of the first change at most once
    // (one already on its way when the reload came), none retried.
    std::thread::sleep(Duration::from_secs(5));
    let since: Vec<String> = old.posts()[before..]
        .iter()
        .map(|p| p.all("hub.topic")[0].to_owned())
        .collect();
    assert_eq!(site_posts(&old), expected.len(), "once each: {since:#?}");
    assert!(
        topics_since(&old, before).is_superset(&expected),
        "{since:#?}"
    );
    let distinct: std::collections::BTreeSet<&String> = since.iter().collect();
    assert_eq!(distinct.len(), since.len(), "none retried: {since:#?}");
    // What the removed hub fetches names the new one.
    let atom = d.get("/feed.atom", &[]).text();
    assert!(
        atom.contains(&new.url()) && !atom.contains(&old.url()),
        "{atom}"
    );
}

/// A change bigger than the queue on a site with tag and author feeds (a
/// reload renaming the site changes every document): the all-articles and
/// category feeds, which most partners follow, keep their pings; tag and
/// author feeds and archives are dropped first.
#[test]
fn a_full_queue_keeps_the_all_articles_and_category_feeds_pings() {
    let hub = TestHub::start(204);
    let probe = TempStore::new();
    let site_feeds = site_topics(&every_feed_path(&probe));
    assert!(site_feeds.len() > 6, "{site_feeds:#?}");
    let more = format!("queue_size = {}\n", site_feeds.len());
    let site = site_with_hubs(&[hub.url()], &more);
    let d = site.start();
    reload(&site, &d, "[site]\ntitle = \"Bản tin thử\"\n");
    let line = d.log_line("more pings than [websub] queue_size");
    assert!(
        line.contains(
            " of tag and author feeds, 0 of the all-articles, category and changes feeds)"
        ),
        "{line}"
    );
    hub.wait("the kept pings", Duration::from_secs(10), |p| {
        p.len() >= site_feeds.len()
    });
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(topics(&hub), site_feeds);
}

/// Pings already on their way to a hub when a reload removes it: when they
/// fail, they are neither retried nor blamed on the hub, which gets its last
/// pings once, as any removed hub, and is not reported failing.
#[test]
fn pings_on_their_way_to_a_hub_a_reload_removes_are_not_retried() {
    let (old, new) = (TestHub::start(0), TestHub::start(204));
    let site = site_with_hubs(&[old.url()], "timeout_secs = 3\nmax_attempts = 8\n");
    let d = site.start();
    let every = every_feed_path(&site);
    let expected = site_topics(&every);
    add(&site, "treo", "Thông báo khi hub cũ treo");
    // Four at a time are sent to a hub; it holds each without answering.
    old.wait("pings on their way", Duration::from_secs(10), |p| {
        p.len() >= bantin::websub::PER_HUB
    });
    let on_their_way = old.posts().len();
    replace_hub(&site, &d, &old, &new);
    d.log_line("pinging the hubs the reload removed once more");
    new.wait("a ping per feed document", Duration::from_secs(20), |p| {
        p.len() >= every.len()
    });
    old.wait("a last ping per site feed", Duration::from_secs(30), |p| {
        p.len() >= on_their_way + expected.len()
    });
    // The first retry would come 1 s after a failure, 3 s after its send.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(topics_since(&old, on_their_way), expected);
    assert_eq!(
        old.posts().len(),
        on_their_way + expected.len(),
        "no retry: {:#?}",
        old.posts()
    );
    let stderr = d.stderr();
    assert!(!stderr.contains("publish ping failed"), "{stderr}");
}

/// A hub elsewhere with no network to reach it (the shipped unit's
/// `PrivateNetwork=yes`, here a network namespace of its own made with
/// `unshare`) is said, by `config check` as by the daemon (see the
/// `systemd_nspawn` test); so is a hub on loopback whose port nothing
/// listens on there: the namespace's loopback is its own.
#[test]
fn hubs_no_ping_can_reach_without_a_network_are_warned_of() {
    let away = "https://hub.example/";
    let site = site_with_hubs(&[away.to_owned(), "http://127.0.0.1:9/hub".to_owned()], "");
    let check = |wrapper: &[&str]| {
        let mut args: Vec<std::ffi::OsString> = wrapper.iter().map(Into::into).collect();
        args.push(env!("CARGO_BIN_EXE_bantin").into());
        args.extend(["--config".into(), site.config().into()]);
        args.extend(["config".into(), "check".into()]);
        let o = std::process::Command::new(&args[0])
            .args(&args[1..])
            .env_remove("BANTIN_CONFIG")
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let here = std::fs::read_to_string("/proc/self/net/dev").unwrap();
    let networked = here
        .lines()
        .skip(2)
        .any(|l| !l.trim_start().starts_with("lo:"));
    if networked {
        let (ok, stderr) = check(&["env"]);
        assert!(ok && !stderr.contains("no ping can reach"), "{stderr}");
    }
    let unshare = std::process::Command::new("unshare")
        .args(["--net", "true"])
        .output();
    if !unshare.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: this machine cannot make a network namespace (unshare --net)");
        return;
    }
    let (ok, stderr) = check(&["unshare", "--net"]);
    assert!(ok, "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("no ping can reach"))
        .unwrap_or_else(|| panic!("no warning:\n{stderr}"));
    assert!(
        line.starts_with("warning: ")
            && line.contains(&format!("reach {away} (not on this machine); ")),
        "{line}"
    );
    assert!(
        line.contains("http://127.0.0.1:9/hub (on loopback, but nothing listens on its port"),
        "{line}"
    );
    assert!(line.contains("PrivateNetwork=no"), "{line}");
}
