//! The site in a real browser: the Debian `chromium`, driven headless through
//! the DevTools protocol, loads pages from the daemon serving a copy of the
//! sample store, and the test asserts the rendered DOM (title, `h1`, the
//! breadcrumb links, the feed autodiscovery links), that the console shows no
//! error, and that the page lays out without horizontal scrolling at 360 px.
//!
//! Skipped, saying why, only when chromium cannot run on the machine at all
//! (`.ci/run` installs it).

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::Emulation;
use headless_chrome::protocol::cdp::Log::LogEntryLevel;
use headless_chrome::protocol::cdp::Runtime::ConsoleAPICalledEventTypeOption;
use headless_chrome::{Browser, LaunchOptions, Tab};

use common::{Daemon, BASE_URL};

/// The narrowest phone screen the pages are made for, in CSS pixels.
const NARROW: u32 = 360;

/// Where Debian's `chromium` package puts the browser.
const CHROMIUM: &str = "/usr/bin/chromium";

/// The daemon on a copy of the sample store `feeds/`.
struct Sample {
    _dir: tempfile::TempDir,
    daemon: Daemon,
}

impl Sample {
    fn start() -> Sample {
        let dir = tempfile::tempdir().expect("create a temp dir");
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds");
        let store = dir.path().join("store");
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.expect("walk the sample store");
            let dest = store.join(entry.path().strip_prefix(&from).expect("under the root"));
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&dest).unwrap();
            } else {
                std::fs::copy(entry.path(), &dest).unwrap();
            }
        }
        let config = dir.path().join("config.toml");
        let store = toml::Value::String(store.to_str().expect("a UTF-8 temp path").to_owned());
        std::fs::write(
            &config,
            format!("store = {store}\nlisten = \"127.0.0.1:0\"\n"),
        )
        .unwrap();
        let daemon = Daemon::start(&["--config".as_ref(), config.as_os_str()]);
        Sample { _dir: dir, daemon }
    }
}

/// The browser, or `None` (with the reason printed) when chromium is missing
/// or cannot start here.
fn browser() -> Option<Browser> {
    let path = PathBuf::from(CHROMIUM);
    if !path.exists() {
        eprintln!("SKIPPED: no {CHROMIUM}; install the Debian package chromium (.ci/run does)");
        return None;
    }
    let options = LaunchOptions::default_builder()
        .path(Some(path))
        .headless(true)
        // Chromium refuses to start its sandbox as root (CI runs as root in a
        // container); the pages it loads are our own, from 127.0.0.1.
        .sandbox(false)
        .idle_browser_timeout(Duration::from_secs(60))
        .build()
        .expect("valid launch options");
    match Browser::new(options) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("SKIPPED: chromium cannot run on this machine: {e:#}");
            None
        }
    }
}

/// One page as the browser rendered it.
#[derive(Debug)]
struct Rendered {
    title: String,
    h1: Vec<String>,
    /// `href` of the breadcrumb's links (`nav.crumbs`), resolved.
    breadcrumb: Vec<String>,
    /// `href` of the page header's navigation links (`header nav`), resolved.
    header: Vec<String>,
    /// `type` and resolved `href` of each `<link rel="alternate">`.
    alternates: Vec<(String, String)>,
    /// The text of the header's navigation and of each group of feed links
    /// (`.feeds`) as the browser renders it (`innerText`), and the
    /// accessible name (`aria-label`) of each feed link.
    nav_text: String,
    feeds_text: Vec<String>,
    feed_names: Vec<String>,
    /// Console errors, uncaught exceptions and failed loads other than the page itself.
    errors: Vec<String>,
    /// `document.documentElement.scrollWidth` and `window.innerWidth`.
    scroll_width: u64,
    inner_width: u64,
}

/// A JSON string from a script evaluated in the page.
fn eval_json(tab: &Tab, script: &str) -> serde_json::Value {
    let value = tab
        .evaluate(&format!("JSON.stringify({script})"), false)
        .unwrap_or_else(|e| panic!("evaluate {script}: {e:#}"))
        .value
        .unwrap_or_else(|| panic!("{script} gave no value"));
    serde_json::from_str(value.as_str().expect("JSON.stringify gives a string"))
        .expect("JSON from the page")
}

/// Loads `url` in a new tab and reads what the tests assert.
fn render(browser: &Browser, url: &str) -> Rendered {
    let tab = browser.new_tab().expect("a new tab");
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = errors.clone();
    let page = url.to_owned();
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let mut seen = seen.lock().expect("the error list");
        match event {
            Event::LogEntryAdded(e) => {
                let entry = &e.params.entry;
                // A 404 page's own status is logged as a failed load: that one is the point.
                let own = entry.url.as_deref() == Some(page.as_str());
                if entry.level == LogEntryLevel::Error && !own {
                    seen.push(format!("log: {} ({:?})", entry.text, entry.url));
                }
            }
            Event::RuntimeConsoleAPICalled(e)
                if e.params.Type == ConsoleAPICalledEventTypeOption::Error =>
            {
                seen.push(format!("console.error: {:?}", e.params.args));
            }
            Event::RuntimeExceptionThrown(e) => {
                seen.push(format!("exception: {}", e.params.exception_details.text));
            }
            _ => {}
        }
    }))
    .expect("listen to the page");
    // A phone's screen: headless windows are at least 500 px wide, so the width
    // is emulated; `mobile` makes the page's viewport meta count, as on a phone.
    let phone: Emulation::SetDeviceMetricsOverride = serde_json::from_value(serde_json::json!({
        "width": NARROW, "height": 800, "deviceScaleFactor": 1, "mobile": true
    }))
    .expect("device metrics");
    tab.call_method(phone)
        .expect("Emulation.setDeviceMetricsOverride");
    tab.enable_log().expect("Log.enable");
    tab.enable_runtime().expect("Runtime.enable");
    tab.navigate_to(url)
        .and_then(|t| t.wait_until_navigated())
        .unwrap_or_else(|e| panic!("load {url}: {e:#}"));
    let dom = eval_json(
        &tab,
        r#"{
            title: document.title,
            h1: [...document.querySelectorAll("h1")].map(h => h.textContent.trim()),
            breadcrumb: [...document.querySelectorAll("nav.crumbs a")].map(a => a.href),
            header: [...document.querySelectorAll("header nav a")].map(a => a.href),
            alternates: [...document.querySelectorAll('link[rel~="alternate"]')].map(l => [l.type, l.href]),
            navText: document.querySelector("header nav").innerText,
            feedsText: [...document.querySelectorAll(".feeds")].map(s => s.innerText),
            feedNames: [...document.querySelectorAll(".feeds a")].map(a => a.getAttribute("aria-label") || ""),
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
        }"#,
    );
    // Log entries of the load arrive as events; a round trip after the load lets them in.
    let _ = tab.evaluate("0", false);
    let _ = tab.close(false);
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .expect("an array")
            .iter()
            .map(|s| s.as_str().expect("a string").to_owned())
            .collect()
    };
    let errors = errors.lock().expect("the error list").clone();
    Rendered {
        title: dom["title"].as_str().expect("a title").to_owned(),
        h1: strings(&dom["h1"]),
        breadcrumb: strings(&dom["breadcrumb"]),
        header: strings(&dom["header"]),
        alternates: dom["alternates"]
            .as_array()
            .expect("an array")
            .iter()
            .map(|p| {
                let s = strings(p);
                (s[0].clone(), s[1].clone())
            })
            .collect(),
        nav_text: dom["navText"].as_str().expect("a text").to_owned(),
        feeds_text: strings(&dom["feedsText"]),
        feed_names: strings(&dom["feedNames"]),
        errors,
        scroll_width: dom["scrollWidth"].as_u64().expect("a width"),
        inner_width: dom["innerWidth"].as_u64().expect("a width"),
    }
}

/// What every page must be: one `h1`, no console error, no horizontal scroll at 360 px.
fn assert_sound(what: &str, r: &Rendered) {
    assert_eq!(r.h1.len(), 1, "{what}: one h1: {r:#?}");
    assert!(
        r.errors.is_empty(),
        "{what}: console errors: {:#?}",
        r.errors
    );
    assert_eq!(
        r.inner_width,
        u64::from(NARROW),
        "{what}: the viewport is {NARROW} px wide"
    );
    assert!(
        r.scroll_width <= u64::from(NARROW),
        "{what}: scrolls sideways at {NARROW} px: scrollWidth {}",
        r.scroll_width
    );
}

/// The three feed types, in order, as `<link rel="alternate" type>` gives them.
const FEED_TYPES: [&str; 3] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
];

/// The feed types and URLs a page announces whose URL ends with `suffix`.
fn announced<'a>(r: &'a Rendered, suffix: &str) -> Vec<&'a str> {
    r.alternates
        .iter()
        .filter(|(_, href)| href.ends_with(suffix))
        .map(|(t, _)| t.as_str())
        .collect()
}

#[test]
fn front_page_and_article_page_in_chromium() {
    let Some(browser) = browser() else { return };
    let sample = Sample::start();
    let d = &sample.daemon;

    let front = render(&browser, &d.url("/"));
    assert_sound("front page", &front);
    assert_eq!(front.title, "Bản tin", "{front:#?}");
    assert_eq!(front.h1, ["Bản tin"]);
    let site_feeds: Vec<(String, String)> = ["rss", "atom", "json"]
        .iter()
        .zip(FEED_TYPES)
        .map(|(ext, t)| (t.to_owned(), format!("{BASE_URL}/feed.{ext}")))
        .collect();
    assert_eq!(front.alternates, site_feeds);
    // Links read apart without the style sheet's margins (a reader view, a
    // copy), and each feed link is named for what it follows.
    assert_eq!(
        front.nav_text,
        "Trang nhất Từ khóa Tác giả Danh sách nguồn tin (OPML)"
    );
    assert!(!front.feeds_text.is_empty());
    for text in &front.feeds_text {
        assert!(text.ends_with("RSS Atom JSON"), "{text:?}");
    }
    assert_eq!(
        front.feed_names[..3],
        ["RSS: Bản tin", "Atom: Bản tin", "JSON: Bản tin"]
    );
    assert!(
        front.feed_names.iter().any(|n| n == "RSS: Kinh tế"),
        "{:?}",
        front.feed_names
    );
    let mut names = front.feed_names.clone();
    names.sort();
    names.dedup();
    assert_eq!(
        names.len(),
        front.feed_names.len(),
        "a name for each: {names:?}"
    );

    let id = "/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022";
    let article = render(&browser, &d.url(id));
    assert_sound("article page", &article);
    let title = "Diễn tập phòng, chống thiên tai và tìm kiếm cứu nạn tại huyện Phú Lộc";
    // A page's title names the site after the article, as the tab shows it.
    assert_eq!(article.title, format!("{title} · Bản tin"));
    assert_eq!(article.h1, [title]);
    assert_eq!(
        article.breadcrumb.first().map(String::as_str),
        Some(&*d.url("/"))
    );
    for (t, href) in &site_feeds {
        assert!(
            article.alternates.contains(&(t.clone(), href.clone())),
            "{article:#?}"
        );
    }
}

#[test]
fn category_tag_and_error_pages_in_chromium() {
    let Some(browser) = browser() else { return };
    let sample = Sample::start();
    let d = &sample.daemon;
    let local = |path: &str| [d.url(path), format!("{BASE_URL}{path}")];

    // The breadcrumb links every category of the article's path, and the page
    // announces the category's feeds and its tags' feeds.
    let id = "/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022";
    let article = render(&browser, &d.url(id));
    assert_sound("article page", &article);
    for path in ["/", "/categories/tin-tuc", "/categories/tin-tuc/thoi-su"] {
        assert!(
            article.breadcrumb.iter().any(|h| local(path).contains(h)),
            "breadcrumb links {path}: {:?}",
            article.breadcrumb
        );
    }
    assert_eq!(
        announced(&article, "/feeds/tin-tuc/thoi-su.rss"),
        ["application/rss+xml"]
    );
    assert_eq!(
        announced(&article, "/feeds/tin-tuc/thoi-su.atom"),
        ["application/atom+xml"]
    );
    assert_eq!(
        announced(&article, "/tags/dien-tap.atom"),
        ["application/atom+xml"]
    );

    let category = render(&browser, &d.url("/categories/tin-tuc/thoi-su"));
    assert_sound("category page", &category);
    assert!(category.title.contains("Thời sự"), "{category:#?}");
    assert!(category.h1[0].contains("Thời sự"), "{category:#?}");
    for path in ["/", "/categories/tin-tuc"] {
        assert!(
            category.breadcrumb.iter().any(|h| local(path).contains(h)),
            "breadcrumb links {path}: {:?}",
            category.breadcrumb
        );
    }
    for (ext, t) in ["rss", "atom", "json"].iter().zip(FEED_TYPES) {
        assert_eq!(
            announced(&category, &format!("/feeds/tin-tuc/thoi-su.{ext}")),
            [t]
        );
    }

    let tag = render(&browser, &d.url("/tags/dien-tap"));
    assert_sound("tag page", &tag);
    assert!(tag.title.contains("diễn tập"), "{tag:#?}");
    assert!(tag.h1[0].contains("diễn tập"), "{tag:#?}");
    for (ext, t) in ["rss", "atom", "json"].iter().zip(FEED_TYPES) {
        assert_eq!(announced(&tag, &format!("/tags/dien-tap.{ext}")), [t]);
    }

    // The page of the feed of changes announces that feed.
    let changes = render(&browser, &d.url("/changes"));
    assert_sound("changes page", &changes);
    assert!(
        changes.h1[0].contains("Bài viết đưa lên, cập nhật, gỡ bỏ"),
        "{changes:#?}"
    );
    assert!(
        changes.breadcrumb.iter().any(|h| local("/").contains(h)),
        "{changes:#?}"
    );
    for (ext, t) in ["rss", "atom", "json"].iter().zip(FEED_TYPES) {
        assert_eq!(announced(&changes, &format!("/changes.{ext}")), [t]);
    }

    let missing = render(&browser, &d.url("/khong-co-trang-nay"));
    assert_sound("404 page", &missing);
    assert!(
        missing.header.iter().any(|h| local("/").contains(h)),
        "a way back home: {missing:#?}"
    );
}
