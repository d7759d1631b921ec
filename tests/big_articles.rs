//! Huge articles in the store: feeds, the front page and the OPML list stay
//! bounded by `[feeds] max_item_bytes` and the field limits whatever the files
//! hold, while an article's page still shows it whole.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{bantin, TempStore, BASE_URL};
use serde_json::Value;

const WORDS: &str = "Thành phố Điện Biên Phủ với các phong trào thi đua yêu nước năm 2020 ";
/// The size of each big article: big enough to tell, small enough to be quick.
const BIG: usize = 3 * 1024 * 1024;
/// The default `[feeds] max_item_bytes`.
const ITEM_CAP: usize = 256 * 1024;
/// Articles in the test store: the harness's seven and the two big ones.
const ITEMS: usize = 9;
/// What an item may hold besides its content: title, summary, categories, tags,
/// author, source, links, dates (limits 1 KiB, 2 KiB, 32 × 128 B each for categories and tags, …).
const ITEM_OVERHEAD: usize = 16 * 1024;

/// `WORDS` repeated to at least `n` bytes.
fn words(n: usize) -> String {
    WORDS.repeat(n / WORDS.len() + 1)
}

/// A store with the sample articles and two big ones, and a config that accepts them:
/// - `tin-tuc/tong-hop/mot-dong.txt`: one line of 3 MB, no line breaks, which the
///   parser meets where a title goes;
/// - `tin-tuc/thoi-su/van-ban-dai.txt`: a breadcrumb whose last name is 300 KB, a
///   normal title and date, a lead, and 3 MB of paragraphs.
fn big_site() -> (TempStore, PathBuf) {
    let site = TempStore::with_config("max_file_size = 8388608");
    let store = site.config().parent().unwrap().join("store");
    let one_line = words(BIG);
    std::fs::write(
        store.join("tin-tuc/tong-hop/mot-dong.txt"),
        one_line.trim_end(),
    )
    .unwrap();
    let mut long = format!(
        "Trang nhất » Tin Tức » {}\n\nVăn bản rất dài của Ủy ban nhân dân tỉnh\n\n\
         Chủ nhật - 10/05/2020 15:33\nĐoạn dẫn của văn bản dài.\n",
        words(300 * 1024).trim_end()
    );
    // Numbered: consecutive equal paragraphs would be read as one.
    for i in 0.. {
        if long.len() >= BIG {
            break;
        }
        long.push_str(&format!("{WORDS}{i}.\n\n"));
    }
    std::fs::write(store.join("tin-tuc/thoi-su/van-ban-dai.txt"), long).unwrap();
    (site, store)
}

fn article_url(id: &str) -> String {
    format!("{BASE_URL}/articles/{id}")
}

/// The note and link an abridged item ends its lead with.
fn link_note(id: &str) -> String {
    let url = article_url(id);
    format!("<p>Đọc toàn bài tại: <a href=\"{url}\">{url}</a></p>")
}

/// Asserts a cut title: whole words of the line, then `…`, at most 1 KiB.
fn assert_cut_title(title: &str, what: &str) {
    assert!(
        title.len() <= 1024,
        "{what}: title of {} bytes",
        title.len()
    );
    let kept = title
        .strip_suffix('…')
        .unwrap_or_else(|| panic!("{what}: {title:?} is not cut"));
    assert!(WORDS.repeat(20).starts_with(kept), "{what}: {title:?}");
    assert!(kept.len() > 512, "{what}: too much was cut: {title:?}");
}

#[test]
fn feeds_front_page_and_opml_stay_bounded_and_pages_stay_whole() {
    let (site, _) = big_site();
    let d = site.start();
    let bound = ITEMS * (ITEM_CAP + ITEM_OVERHEAD);
    let mot_dong = "tin-tuc/tong-hop/mot-dong";
    let van_ban = "tin-tuc/thoi-su/van-ban-dai";

    // RSS: every item present, the big ones abridged to their lead and a link.
    let rss = d.get("/feed.rss", &[]);
    assert_eq!(rss.status, 200);
    assert!(
        rss.body.len() < bound,
        "/feed.rss is {} bytes",
        rss.body.len()
    );
    let channel = rss::Channel::read_from(&rss.body[..]).unwrap();
    assert_eq!(channel.items().len(), ITEMS);
    for id in [mot_dong, van_ban] {
        let item = channel
            .items()
            .iter()
            .find(|i| i.link() == Some(article_url(id).as_str()))
            .unwrap_or_else(|| panic!("no RSS item for {id}"));
        let content = item.content().unwrap();
        assert!(content.contains(&link_note(id)), "{id}: {content}");
        let summary = item.description().unwrap();
        assert!(summary.len() <= 2048, "{id}: summary of {}", summary.len());
        assert!(content.starts_with(&format!("<p>{summary}</p>")), "{id}");
        if id == mot_dong {
            assert_cut_title(item.title().unwrap(), "RSS");
            assert!(summary.starts_with(WORDS) && summary.ends_with('…'));
        } else {
            assert_eq!(summary, "Đoạn dẫn của văn bản dài.");
            assert!(item.categories().iter().all(|c| c.name().len() <= 128));
        }
    }

    // Atom and JSON Feed: the same.
    let atom = d.get("/feed.atom", &[]);
    assert!(
        atom.body.len() < bound,
        "/feed.atom is {} bytes",
        atom.body.len()
    );
    let feed = atom_syndication::Feed::read_from(&atom.body[..]).unwrap();
    let entry = feed
        .entries()
        .iter()
        .find(|e| e.links()[0].href() == article_url(mot_dong))
        .unwrap();
    assert_cut_title(entry.title().as_str(), "Atom");
    let content = entry.content().unwrap().value().unwrap();
    assert!(content.contains(&link_note(mot_dong)), "{content}");

    let json = d.get("/feed.json", &[]);
    assert!(
        json.body.len() < bound,
        "/feed.json is {} bytes",
        json.body.len()
    );
    let v: Value = serde_json::from_slice(&json.body).unwrap();
    let item = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["url"] == article_url(mot_dong).as_str())
        .unwrap();
    assert_cut_title(item["title"].as_str().unwrap(), "JSON Feed");
    assert!(item["content_html"]
        .as_str()
        .unwrap()
        .contains(&link_note(mot_dong)));

    // The category feeds hold the same items: bounded too.
    for path in ["/feeds/tin-tuc.rss", "/feeds/tong-hop.atom"] {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.body.len() < bound, "{path} is {} bytes", r.body.len());
    }

    // The front page lists the cut title, not 3 MB of it.
    let front = d.get("/", &[]).text();
    assert!(front.len() < 64 * 1024, "/ is {} bytes", front.len());
    let listed = front
        .lines()
        .find(|l| l.contains(&format!("href=\"/articles/{mot_dong}\"")))
        .unwrap();
    assert!(listed.len() < 2048 && listed.contains('…'), "{listed}");

    // The OPML list and the front page name the category by its cut name.
    let opml = d.get("/feeds.opml", &[]).text();
    assert!(
        opml.len() < 32 * 1024,
        "/feeds.opml is {} bytes",
        opml.len()
    );
    let name = opml
        .lines()
        .find(|l| l.contains("/feeds/tin-tuc/thanh-pho"))
        .unwrap_or_else(|| panic!("no outline for the long category: {opml}"));
    assert!(name.len() < 1024 && name.contains('…'), "{name}");

    // The article's page shows it whole.
    let page = d.get(&format!("/articles/{mot_dong}"), &[]);
    assert_eq!(page.status, 200);
    assert!(page.text().contains(WORDS.repeat(1000).trim_end()));
    assert!(page.body.len() > BIG - WORDS.len());
}

#[test]
fn check_reports_the_cut_fields_and_the_abridged_items() {
    let (site, store) = big_site();
    let out = bantin([
        "check".as_ref(),
        "--json".as_ref(),
        "--config".as_ref(),
        site.config().as_os_str(),
        store.join("tin-tuc/tong-hop/mot-dong.txt").as_os_str(),
        store.join("tin-tuc/thoi-su/van-ban-dai.txt").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let reports: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let warnings = |r: &Value| -> Vec<String> {
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap().to_owned())
            .collect()
    };
    let item_cap = "over the 262144-byte limit of a feed item ([feeds] max_item_bytes)";

    let one = warnings(&reports[0]);
    assert!(
        one.iter()
            .any(|w| w.starts_with("line 1: title is 3145735 bytes, over the 1024-byte limit")),
        "{one:#?}"
    );
    assert!(
        one.iter()
            .any(|w| w.starts_with("line 1: the lead is 3145735 bytes")),
        "{one:#?}"
    );
    assert!(one.iter().any(|w| w.contains(item_cap)), "{one:#?}");
    assert!(reports[0]["article"]["title"].as_str().unwrap().len() <= 1024);

    let two = warnings(&reports[1]);
    assert!(
        two.iter().any(
            |w| w.starts_with("line 1: category name is 307207 bytes, over the 128-byte limit")
        ),
        "{two:#?}"
    );
    assert!(two.iter().any(|w| w.contains(item_cap)), "{two:#?}");
}

#[test]
fn max_item_bytes_is_validated() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[feeds]\nmax_item_bytes = 65536\n").unwrap();
    // The default store, next to the file: a config whose store is missing is bad.
    std::fs::create_dir(dir.path().join("feeds")).unwrap();
    let out = bantin([
        "config".as_ref(),
        "check".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("max_item_bytes = 65536"));

    std::fs::write(&config, "[feeds]\nmax_item_bytes = 100\n").unwrap();
    let out = bantin([
        "config".as_ref(),
        "check".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[feeds] max_item_bytes = 100: expected a whole number, 1024 or more (bytes)"),
        "{err}"
    );
}
