//! `bantin build` output, checked three ways for every feed it writes: a strict XML
//! walk (well-formedness and XML 1.0 characters), independent readers (`feed-rs`,
//! Python's `feedparser`), and the values `bantin check --json` reports for the
//! same store. Run on the bundled store and on a hostile store made here.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use bantin::render::encode_path;
use chrono::{DateTime, Datelike, FixedOffset, Utc};
use common::{bantin, read_tree, xml_char};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

const BASE: &str = "http://127.0.0.1:8080";
const TAG: &str = "tag:bantin.example,2020:";
const SITE_TITLE: &str = "Bản tin";
const MAX_ITEMS: usize = 50;

/// What `bantin check --json` says about one article.
#[derive(Debug, Clone)]
struct Article {
    id: String,
    title: String,
    categories: Vec<String>,
    /// Keywords and author, as `check` reports them.
    tags: Vec<String>,
    author: Option<String>,
    /// Where it came from (`Nguồn tin:`), as `check` reports it.
    source: Option<String>,
    published: DateTime<FixedOffset>,
    /// RFC 3339, exactly as reported.
    published_str: String,
    /// When it was last corrected or withdrawn (or published, if later);
    /// `None` for an article never corrected or withdrawn.
    changed: Option<DateTime<FixedOffset>>,
    /// When it was withdrawn (`Gỡ bỏ:`): a tombstone's `when` in Atom.
    withdrawn: Option<DateTime<FixedOffset>>,
    /// The latest of `changed` (or its publication) and its capture clock:
    /// what orders the feed of changes.
    last_event: DateTime<FixedOffset>,
}

impl Article {
    fn url(&self) -> String {
        format!("{BASE}/articles/{}", encode_path(&self.id))
    }

    fn tag(&self) -> String {
        format!("{TAG}article/{}", encode_path(&self.id))
    }

    /// Whether the tz database gives +07:00 for this instant (from 1976 on).
    fn modern(&self) -> bool {
        self.published.year() >= 1976
    }
}

/// The latest of an article's correction and withdrawal, as `check --json`
/// reports them, and its publication; `None` when it has neither.
fn changed_of(a: &Value, published: &str) -> Option<DateTime<FixedOffset>> {
    let at = |v: &Value| v.as_str().map(|s| DateTime::parse_from_rfc3339(s).unwrap());
    let marks = [at(&a["updated"]), at(&a["withdrawn"]["at"])];
    let latest = marks.into_iter().flatten().max()?;
    Some(latest.max(DateTime::parse_from_rfc3339(published).unwrap()))
}

/// The latest of an article's publication, correction, withdrawal and
/// capture clock, as `check --json` reports them.
fn last_event_of(a: &Value, published: &str) -> DateTime<FixedOffset> {
    let published_at = DateTime::parse_from_rfc3339(published).unwrap();
    let captured = a["captured"]
        .as_str()
        .map(|s| DateTime::parse_from_rfc3339(s).unwrap());
    let changed = changed_of(a, published).unwrap_or(published_at);
    captured.map_or(changed, |c| c.max(changed))
}

/// The articles of `store` and how many files it rejects, per `bantin check --json`.
fn check(store: &Path) -> (Vec<Article>, usize) {
    let out = bantin(["check".as_ref(), "--json".as_ref(), store.as_os_str()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut articles = Vec::new();
    let mut rejected = 0;
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["ok"] != true {
            rejected += 1;
            continue;
        }
        let a = &v["article"];
        let published_str = a["published"].as_str().unwrap().to_owned();
        articles.push(Article {
            id: a["id"].as_str().unwrap().to_owned(),
            title: a["title"].as_str().unwrap().to_owned(),
            categories: a["categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect(),
            tags: a["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect(),
            author: a["author"].as_str().map(str::to_owned),
            source: a["source"].as_str().map(str::to_owned),
            published: DateTime::parse_from_rfc3339(&published_str).unwrap(),
            changed: changed_of(a, &published_str),
            last_event: last_event_of(a, &published_str),
            withdrawn: a["withdrawn"]["at"]
                .as_str()
                .map(|at| DateTime::parse_from_rfc3339(at).unwrap()),
            published_str,
        });
    }
    assert_eq!(
        out.status.code(),
        Some(i32::from(rejected > 0)),
        "check exit code"
    );
    (articles, rejected)
}

/// `bantin build --out OUT --store STORE`, which must succeed; its stdout.
fn build(store: &Path, out: &Path) -> String {
    let o = bantin([
        "build".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--store".as_ref(),
        store.as_os_str(),
    ]);
    assert!(
        o.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Every entry under `dir` (folders and symlinks too, not followed), by
/// relative path: its mode (type and permissions), number of names, and
/// bytes (a symlink's target).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, u64, Option<Vec<u8>>)> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_owned();
            let meta = e.path().symlink_metadata().unwrap();
            let bytes = if meta.is_file() {
                Some(std::fs::read(e.path()).unwrap())
            } else if meta.is_symlink() {
                Some(
                    std::fs::read_link(e.path())
                        .unwrap()
                        .as_os_str()
                        .as_bytes()
                        .to_vec(),
                )
            } else {
                None
            };
            let names = if meta.is_dir() { 0 } else { meta.nlink() };
            (rel, (meta.mode(), names, bytes))
        })
        .collect()
}

/// Copies a tree with fresh modification times (`fs::copy` does not keep them).
fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

fn bundled_store() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("feeds")
}

// ---------------------------------------------------------------------------
// A strict XML walk

/// An element with its attributes, child elements and direct text.
#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<El>,
    text: String,
}

impl El {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> std::vec::IntoIter<&El> {
        let found: Vec<&El> = self.children.iter().filter(|c| c.name == name).collect();
        found.into_iter()
    }

    /// The only child called `name`.
    fn one(&self, name: &str) -> &El {
        let found: Vec<&El> = self.all(name).collect();
        assert_eq!(
            found.len(),
            1,
            "<{}> has {} <{name}> children",
            self.name,
            found.len()
        );
        found[0]
    }

    fn text_of(&self, name: &str) -> &str {
        &self.one(name).text
    }
}

fn start(file: &str, e: &BytesStart<'_>) -> El {
    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.unwrap_or_else(|err| panic!("{file}: bad attribute in <{name}>: {err}"));
            let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
            let value = a
                .unescape_value()
                .unwrap_or_else(|err| panic!("{file}: bad attribute value in <{name}>: {err}"))
                .into_owned();
            (key, value)
        })
        .collect();
    El {
        name,
        attrs,
        ..El::default()
    }
}

/// Attaches a finished element to its parent, or makes it the root.
fn close(file: &str, stack: &mut [El], root: &mut Option<El>, el: El) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => {
            assert!(
                root.is_none(),
                "{file}: a second root element <{}>",
                el.name
            );
            *root = Some(el);
        }
    }
}

/// Parses a whole document; panics, naming the file, unless it is well-formed.
fn parse_xml(file: &str, s: &str) -> El {
    let mut reader = Reader::from_str(s);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut stack: Vec<El> = Vec::new();
    let mut root: Option<El> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("{file}: not well-formed near byte {at}: {e}"));
        match event {
            Event::Start(e) => stack.push(start(file, &e)),
            Event::Empty(e) => {
                let el = start(file, &e);
                close(file, &mut stack, &mut root, el);
            }
            Event::End(e) => {
                let el = stack
                    .pop()
                    .unwrap_or_else(|| panic!("{file}: stray end tag near byte {at}"));
                assert_eq!(
                    el.name.as_bytes(),
                    e.name().as_ref(),
                    "{file}: mismatched end"
                );
                close(file, &mut stack, &mut root, el);
            }
            Event::Text(t) => {
                let raw = std::str::from_utf8(&t).unwrap();
                assert!(
                    !raw.contains("]]>"),
                    "{file}: a literal ]]> in character data near byte {at}"
                );
                let text = t
                    .unescape()
                    .unwrap_or_else(|e| panic!("{file}: bad reference near byte {at}: {e}"));
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&text),
                    None => assert!(
                        text.trim().is_empty(),
                        "{file}: text outside the root element: {text:?}"
                    ),
                }
            }
            Event::CData(c) => {
                let text = std::str::from_utf8(&c).unwrap();
                stack
                    .last_mut()
                    .unwrap_or_else(|| panic!("{file}: CDATA outside the root element"))
                    .text
                    .push_str(text);
            }
            Event::Decl(_) => assert!(
                at == 0 && root.is_none(),
                "{file}: an XML declaration that is not at the start"
            ),
            Event::PI(_) | Event::Comment(_) => {}
            Event::DocType(_) => panic!("{file}: unexpected DOCTYPE"),
            Event::Eof => break,
        }
    }
    assert!(
        stack.is_empty(),
        "{file}: unclosed <{}>",
        stack.last().map_or("", |e| e.name.as_str())
    );
    root.unwrap_or_else(|| panic!("{file}: no root element"))
}

fn assert_xml_chars(file: &str, s: &str) {
    if let Some((at, c)) = s.char_indices().find(|&(_, c)| !xml_char(c)) {
        panic!("{file}: character {c:?} that XML 1.0 forbids at byte {at}");
    }
}

// ---------------------------------------------------------------------------
// What each feed must hold

/// The items a feed must list: its category's articles (or all), newest first,
/// ties by id, at most 50. The category comes from the feed title, which is the
/// category path joined by ` › ` under the default configuration.
fn expected_items<'a>(stem: &str, title: &str, articles: &'a [Article]) -> Vec<&'a Article> {
    // An archive (RFC 5005 §4) holds every article of its feed published in
    // its month (in the configured zone), with no cap.
    // A tag's or author's archive is `tags/<slug>/<YYYY-MM>`.
    let term_archive = ["tags/", "authors/"]
        .into_iter()
        .find_map(|k| stem.strip_prefix(k).map(|rest| (k, rest)))
        .and_then(|(k, rest)| {
            rest.split_once('/')
                .map(|(slug, m)| (format!("{k}{slug}"), m))
        });
    let (stem, month) = match (stem.strip_prefix("archive/"), term_archive) {
        (Some(rest), _) => match rest.rsplit_once('/') {
            Some((slug, month)) => (format!("feeds/{slug}"), Some(month)),
            None => ("feed".to_owned(), Some(rest)),
        },
        (None, Some((term, month))) => (term, Some(month)),
        (None, None) => (stem.to_owned(), None),
    };
    let stem = stem.as_str();
    if stem == "changes" {
        // The feed of changes: the 50 with the latest events (put in the
        // store, corrected or withdrawn), latest first, ties by id.
        assert_eq!(title, "Bài viết đưa lên, cập nhật, gỡ bỏ");
        let mut items: Vec<&Article> = articles.iter().collect();
        items.sort_by(|a, b| (Reverse(a.last_event), &a.id).cmp(&(Reverse(b.last_event), &b.id)));
        items.truncate(MAX_ITEMS);
        return items;
    }
    let mut items: Vec<&Article> = if stem == "feed" {
        assert_eq!(title, SITE_TITLE);
        articles.iter().collect()
    } else if let Some(kind) = ["tags/", "authors/"]
        .into_iter()
        .find(|k| stem.starts_with(k))
    {
        // "Từ khóa: bão lũ" (no site title, as a category's feed): the articles
        // carrying that tag (or author), told apart case-insensitively.
        let label = if kind == "tags/" {
            "Từ khóa: "
        } else {
            "Tác giả: "
        };
        let name = title
            .strip_prefix(label)
            .unwrap_or_else(|| panic!("{stem}: unexpected title {title}"))
            .to_lowercase();
        articles
            .iter()
            .filter(|a| {
                if kind == "tags/" {
                    a.tags.iter().any(|t| t.to_lowercase() == name)
                } else {
                    a.author.as_ref().is_some_and(|t| t.to_lowercase() == name)
                }
            })
            .collect()
    } else {
        assert!(stem.starts_with("feeds/"), "unexpected feed {stem}");
        let path: Vec<String> = title.split(" › ").map(str::to_lowercase).collect();
        articles
            .iter()
            .filter(|a| {
                a.categories.len() >= path.len()
                    && a.categories[..path.len()]
                        .iter()
                        .zip(&path)
                        .all(|(c, p)| c.to_lowercase() == *p)
            })
            .collect()
    };
    if let Some(month) = month {
        items.retain(|a| a.published.format("%Y-%m").to_string() == month);
    }
    assert!(!items.is_empty(), "{stem}: a feed for no article ({title})");
    items.sort_by(|a, b| {
        (Reverse(a.published.timestamp()), &a.id).cmp(&(Reverse(b.published.timestamp()), &b.id))
    });
    if month.is_none() {
        items.truncate(MAX_ITEMS);
    }
    items
}

fn instant(s: &str, rfc: fn(&str) -> chrono::ParseResult<DateTime<FixedOffset>>) -> DateTime<Utc> {
    rfc(s)
        .unwrap_or_else(|e| panic!("bad date {s:?}: {e}"))
        .with_timezone(&Utc)
}

/// `expected` is the feed's selection, withdrawn articles included: they
/// have no item, and date the channel's `lastBuildDate` all the same.
fn verify_rss(file: &str, doc: &El, expected: &[&Article]) {
    let selected = expected;
    let expected = &shown(expected);
    assert_eq!(doc.name, "rss", "{file}");
    assert_eq!(doc.attr("version"), Some("2.0"), "{file}");
    let ch = doc.one("channel");
    let selfs: Vec<&El> = ch
        .all("atom:link")
        .filter(|l| l.attr("rel") == Some("self"))
        .collect();
    assert_eq!(selfs.len(), 1, "{file}: atom:link rel=self");
    assert_eq!(
        selfs[0].attr("href"),
        Some(format!("{BASE}/{file}").as_str())
    );
    let items: Vec<&El> = ch.all("item").collect();
    assert_eq!(items.len(), expected.len(), "{file}: item count");
    // Only an archive (`archive/…`, `tags/<slug>/<month>`) may hold more.
    let term = file.starts_with("tags/") || file.starts_with("authors/");
    let archive = file.starts_with("archive/") || (term && file.matches('/').count() == 2);
    assert!(items.len() <= MAX_ITEMS || archive, "{file}: item count");
    let guids: BTreeSet<&str> = items.iter().map(|i| i.text_of("guid")).collect();
    assert_eq!(guids.len(), items.len(), "{file}: duplicate guids");
    for (item, a) in items.iter().zip(expected) {
        let url = a.url();
        let guid = item.one("guid");
        assert_eq!(guid.text, url, "{file}: guid of {}", a.id);
        assert_ne!(guid.attr("isPermaLink"), Some("false"), "{file}");
        assert_eq!(item.text_of("link"), url, "{file}: link of {}", a.id);
        assert_eq!(item.text_of("title"), a.title, "{file}: title of {}", a.id);
        let pub_date = item.text_of("pubDate");
        assert_eq!(
            instant(pub_date, DateTime::parse_from_rfc2822),
            a.published,
            "{file}: pubDate of {}",
            a.id
        );
        let offset = a.published.format("%z").to_string();
        assert!(
            pub_date.ends_with(&offset),
            "{file}: {pub_date} vs {offset}"
        );
        if a.modern() {
            assert!(pub_date.ends_with("+0700"), "{file}: {pub_date}");
        }
        has_text_before_content(file, item, "description", "content:encoded", &a.id);
    }
    match latest_change(file, selected) {
        Some(at) => assert_eq!(
            instant(ch.text_of("lastBuildDate"), DateTime::parse_from_rfc2822),
            at,
            "{file}: lastBuildDate is the latest publication or correction"
        ),
        // A feed with no items (any feed of an empty store) has no date at
        // all, never the clock's.
        None => assert_eq!(ch.all("lastBuildDate").count(), 0, "{file}"),
    }
}

/// The articles of a feed's selection that have an item (or an Atom entry):
/// those not withdrawn.
fn shown<'a>(selected: &[&'a Article]) -> Vec<&'a Article> {
    selected
        .iter()
        .copied()
        .filter(|a| a.withdrawn.is_none())
        .collect()
}

/// The latest publication, correction or withdrawal among `items`: what a
/// feed of them is dated by; the feed of changes (`file`), by the latest
/// event, a capture included, as it is ordered.
fn latest_change(file: &str, items: &[&Article]) -> Option<DateTime<Utc>> {
    let changes = file.starts_with("changes.");
    let at = |a: &&Article| {
        let changed = a.changed.unwrap_or(a.published);
        if changes { a.last_event } else { changed }.with_timezone(&Utc)
    };
    items.iter().map(at).max()
}

/// An item (`el`) has one non-empty `summary` (RSS `description`, Atom
/// `summary`) and at most one `content` (`content:encoded`, Atom
/// `content`), never empty, after the summary: the W3C validator warns of
/// an empty content ("should not be blank"), of an Atom entry with neither
/// ("missing textual content") and of an RSS `content:encoded` with no
/// `description` before it.
fn has_text_before_content(file: &str, el: &El, summary: &str, content: &str, id: &str) {
    let position = |name: &str| el.children.iter().position(|c| c.name == name);
    assert!(!el.text_of(summary).is_empty(), "{file}: {summary} of {id}");
    let contents: Vec<&El> = el.all(content).collect();
    assert!(contents.len() <= 1, "{file}: {content} of {id}");
    if let Some(c) = contents.first() {
        assert!(!c.text.is_empty(), "{file}: empty {content} of {id}");
        assert!(position(summary) < position(content), "{file}: {id}");
    }
}

/// `expected` is the feed's selection: a withdrawn article is a tombstone
/// (RFC 6721), after the entries, in feed order.
fn verify_atom(file: &str, doc: &El, expected: &[&Article]) {
    let selected = expected;
    let expected = &shown(expected);
    assert_eq!(doc.name, "feed", "{file}");
    assert_eq!(doc.attr("xmlns"), Some("http://www.w3.org/2005/Atom"));
    assert!(doc.text_of("id").starts_with(TAG), "{file}: feed id");
    let selfs: Vec<&El> = doc
        .all("link")
        .filter(|l| l.attr("rel") == Some("self"))
        .collect();
    assert_eq!(selfs.len(), 1, "{file}: link rel=self");
    assert_eq!(
        selfs[0].attr("href"),
        Some(format!("{BASE}/{file}").as_str())
    );
    let entries: Vec<&El> = doc.all("entry").collect();
    assert_eq!(entries.len(), expected.len(), "{file}: entry count");
    let ids: BTreeSet<&str> = entries.iter().map(|e| e.text_of("id")).collect();
    assert_eq!(ids.len(), entries.len(), "{file}: duplicate ids");
    for (entry, a) in entries.iter().zip(expected) {
        // `one` asserts exactly one id per entry.
        assert_eq!(entry.text_of("id"), a.tag(), "{file}: id of {}", a.id);
        assert_eq!(entry.text_of("title"), a.title, "{file}: title of {}", a.id);
        let alt: Vec<&El> = entry
            .all("link")
            .filter(|l| l.attr("rel").unwrap_or("alternate") == "alternate")
            .collect();
        assert_eq!(alt.len(), 1, "{file}: alternate link of {}", a.id);
        assert_eq!(alt[0].attr("href"), Some(a.url().as_str()));
        let published = entry.text_of("published");
        assert_eq!(published, a.published_str, "{file}: published of {}", a.id);
        assert_eq!(
            instant(published, DateTime::parse_from_rfc3339),
            a.published
        );
        if a.modern() {
            assert!(published.ends_with("+07:00"), "{file}: {published}");
        }
        instant(entry.text_of("updated"), DateTime::parse_from_rfc3339);
        has_text_before_content(file, entry, "summary", "content", &a.id);
    }
    let gone: Vec<(Option<&str>, DateTime<Utc>)> = doc
        .all("at:deleted-entry")
        .map(|t| {
            let when = t.attr("when").unwrap_or_else(|| panic!("{file}: when"));
            (t.attr("ref"), instant(when, DateTime::parse_from_rfc3339))
        })
        .collect();
    let withdrawn: Vec<(String, DateTime<Utc>)> = selected
        .iter()
        .filter_map(|a| Some((a.tag(), a.withdrawn?.with_timezone(&Utc))))
        .collect();
    let withdrawn: Vec<(Option<&str>, DateTime<Utc>)> = withdrawn
        .iter()
        .map(|(tag, when)| (Some(tag.as_str()), *when))
        .collect();
    assert_eq!(gone, withdrawn, "{file}: tombstones");
    let updated = instant(doc.text_of("updated"), DateTime::parse_from_rfc3339);
    // An empty feed is dated by nothing it holds (the epoch), never by the clock.
    let latest = latest_change(file, selected).unwrap_or(DateTime::UNIX_EPOCH);
    assert_eq!(updated, latest, "{file}: feed updated is the latest change");
}

fn verify_json(file: &str, bytes: &[u8], expected: &[&Article]) {
    let doc: Value =
        serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{file}: not JSON: {e}"));
    assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1", "{file}");
    assert_eq!(doc["feed_url"], format!("{BASE}/{file}"), "{file}");
    assert!(doc["title"].as_str().is_some_and(|t| !t.is_empty()));
    let items = doc["items"].as_array().unwrap();
    assert_eq!(items.len(), expected.len(), "{file}: item count");
    for (item, a) in items.iter().zip(expected) {
        assert_eq!(item["id"], a.tag(), "{file}");
        assert_eq!(item["url"], a.url(), "{file}");
        assert_eq!(item["title"], a.title.as_str(), "{file}");
        // JSON Feed: `content_html` or `content_text`, and never empty.
        let content = ["content_html", "content_text"]
            .iter()
            .filter_map(|k| item.get(k))
            .collect::<Vec<_>>();
        assert_eq!(content.len(), 1, "{file}: content of {}", a.id);
        assert!(
            content[0].as_str().is_some_and(|c| !c.is_empty()),
            "{file}: content of {}",
            a.id
        );
        assert!(
            item["summary"].as_str().is_some_and(|c| !c.is_empty()),
            "{file}: summary of {}",
            a.id
        );
        assert_eq!(item["date_published"], a.published_str.as_str(), "{file}");
    }
}

/// Parses with `feed-rs`, a reader independent of the writer crates.
fn verify_feed_rs(file: &str, bytes: &[u8], expected: &[&Article]) {
    let feed = feed_rs::parser::parse(bytes)
        .unwrap_or_else(|e| panic!("{file}: feed-rs cannot parse it: {e}"));
    assert_eq!(
        feed.entries.len(),
        expected.len(),
        "{file}: feed-rs entries"
    );
    let rss = file.ends_with(".rss");
    for (e, a) in feed.entries.iter().zip(expected) {
        let id = if rss { a.url() } else { a.tag() };
        assert_eq!(e.id, id, "{file}: feed-rs id");
        let title = e.title.as_ref().map(|t| t.content.as_str());
        assert_eq!(title, Some(a.title.as_str()), "{file}: feed-rs title");
        assert_eq!(
            e.links.first().map(|l| l.href.as_str()),
            Some(a.url().as_str()),
            "{file}: feed-rs link of {}",
            a.id
        );
        assert_eq!(e.published, Some(a.published.with_timezone(&Utc)), "{file}");
    }
}

/// Every outline's `xmlUrl`, depth first.
fn outlines<'a>(el: &'a El, out: &mut Vec<&'a El>) {
    for o in el.all("outline") {
        out.push(o);
        outlines(o, out);
    }
}

/// Runs feedparser on `files` and checks each against its expected ids and links.
fn verify_feedparser(dir: &Path, files: &[(String, Vec<&Article>)]) {
    const SCRIPT: &str = r#"
import json
out = []
for p in sys.argv[1:]:
    d = feedparser.parse(p)
    out.append({
        "bozo": bool(d.bozo),
        "error": repr(d.get("bozo_exception")),
        "version": d.version,
        "ids": [e.get("id") for e in d.entries],
        "links": [e.get("link") for e in d.entries],
        "sources": [e.get("dc_source") for e in d.entries],
        "rights": [e.get("rights") for e in d.entries],
    })
print(json.dumps(out))
"#;
    let result = common::python_with("feedparser", SCRIPT, files.iter().map(|(f, _)| dir.join(f)));
    assert!(
        result.status.success(),
        "feedparser script failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    let reports: Vec<Value> = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(reports.len(), files.len());
    for ((file, expected), r) in files.iter().zip(&reports) {
        assert_eq!(r["bozo"], false, "{file}: feedparser: {}", r["error"]);
        let rss = file.ends_with(".rss");
        let version = r["version"].as_str().unwrap();
        assert_eq!(version, if rss { "rss20" } else { "atom10" }, "{file}");
        let ids: Vec<String> = expected
            .iter()
            .map(|a| if rss { a.url() } else { a.tag() })
            .collect();
        let links: Vec<String> = expected.iter().map(|a| a.url()).collect();
        assert_eq!(r["ids"], serde_json::json!(ids), "{file}: feedparser ids");
        assert_eq!(
            r["links"],
            serde_json::json!(links),
            "{file}: feedparser links"
        );
        // The source is `dc:source` in RSS and Atom alike; never the entry's
        // rights, which readers show as its copyright.
        let sources: Vec<Option<&str>> = expected.iter().map(|a| a.source.as_deref()).collect();
        assert_eq!(
            r["sources"],
            serde_json::json!(sources),
            "{file}: feedparser dc_source"
        );
        let no_rights = vec![Value::Null; expected.len()];
        assert_eq!(r["rights"], Value::Array(no_rights), "{file}: rights");
    }
}

/// Checks every file `build` wrote into `out` against the articles of the store.
fn verify_site(out: &Path, articles: &[Article]) -> usize {
    let tree = read_tree(out);
    for (file, bytes) in &tree {
        let s = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{file}: not UTF-8: {e}"));
        assert_xml_chars(file, s);
    }
    assert!(tree.contains_key("index.html"));
    let stems: Vec<&str> = tree.keys().filter_map(|f| f.strip_suffix(".rss")).collect();
    assert!(stems.contains(&"feed"), "no feed.rss");
    // Every feed in all three formats, the OPML lists, and pages (each an
    // `index.html` in its folder, and the 404 page).
    let mut expected_files: BTreeSet<String> = stems
        .iter()
        .flat_map(|s| ["rss", "atom", "json"].map(|ext| format!("{s}.{ext}")))
        .collect();
    expected_files.insert("feeds.opml".into());
    expected_files.insert("tags.opml".into());
    expected_files.insert("authors.opml".into());
    expected_files.insert("404.html".into());
    // The mark of a build's folder, which the next build replaces.
    expected_files.insert(".bantin-build".into());
    expected_files.extend(
        tree.keys()
            .filter(|f| f.ends_with("/index.html") || *f == "index.html")
            .cloned(),
    );
    // What search engines read (checked in detail by tests/sitemaps.rs).
    for file in [
        "robots.txt",
        "sitemap.xml",
        "news-sitemap.xml",
        "sitemaps/pages.xml",
    ] {
        expected_files.insert(file.into());
    }
    for file in tree.keys().filter(|f| f.starts_with("sitemaps/")) {
        common::assert_well_formed_xml(&tree[file], file);
        expected_files.insert(file.clone());
    }
    assert_eq!(
        tree.keys().cloned().collect::<BTreeSet<_>>(),
        expected_files
    );
    // Tag and author feeds are checked like category feeds, when there are any.
    assert_eq!(
        stems.iter().any(|s| s.starts_with("tags/")),
        articles.iter().any(|a| !a.tags.is_empty())
    );
    assert_eq!(
        stems.iter().any(|s| s.starts_with("authors/")),
        articles.iter().any(|a| a.author.is_some())
    );

    // Every live feed links its newest archive, tags and authors too, and
    // every history link of every feed leads to a file the build wrote.
    for stem in &stems {
        let rss_file = format!("{stem}.rss");
        let rss = parse_xml(&rss_file, std::str::from_utf8(&tree[&rss_file]).unwrap());
        let links: Vec<(&str, &str)> = rss
            .one("channel")
            .all("atom:link")
            .filter_map(|l| Some((l.attr("rel")?, l.attr("href")?)))
            .filter(|(rel, _)| ["prev-archive", "next-archive", "current"].contains(rel))
            .collect();
        let term = stem.starts_with("tags/") || stem.starts_with("authors/");
        let live = *stem == "feed"
            || stem.starts_with("feeds/")
            || (term && stem.matches('/').count() == 1);
        if live {
            assert!(
                links.iter().any(|(rel, _)| *rel == "prev-archive"),
                "{rss_file}: no prev-archive"
            );
        }
        for (rel, href) in links {
            let file = href
                .strip_prefix(&format!("{BASE}/"))
                .unwrap_or_else(|| panic!("{rss_file}: {rel} {href} off the site"));
            assert!(
                tree.contains_key(file),
                "{rss_file}: {rel} {href} not written"
            );
        }
    }

    let mut for_feedparser = Vec::new();
    for stem in &stems {
        let rss_file = format!("{stem}.rss");
        let rss = parse_xml(&rss_file, std::str::from_utf8(&tree[&rss_file]).unwrap());
        let title = rss.one("channel").text_of("title").to_owned();
        let selected = expected_items(stem, &title, articles);
        verify_rss(&rss_file, &rss, &selected);
        let expected = shown(&selected);
        verify_feed_rs(&rss_file, &tree[&rss_file], &expected);

        let atom_file = format!("{stem}.atom");
        let atom = parse_xml(&atom_file, std::str::from_utf8(&tree[&atom_file]).unwrap());
        assert_eq!(
            atom.text_of("title"),
            title,
            "{atom_file}: same title as RSS"
        );
        verify_atom(&atom_file, &atom, &selected);
        verify_feed_rs(&atom_file, &tree[&atom_file], &expected);

        let json_file = format!("{stem}.json");
        verify_json(&json_file, &tree[&json_file], &expected);
        verify_feed_rs(&json_file, &tree[&json_file], &expected);

        for_feedparser.push((rss_file, expected.clone()));
        for_feedparser.push((atom_file, expected));
    }
    verify_feedparser(out, &for_feedparser);

    // OPML: one outline per feed, each pointing at a feed that was written.
    let opml = parse_xml(
        "feeds.opml",
        std::str::from_utf8(&tree["feeds.opml"]).unwrap(),
    );
    assert_eq!(opml.name, "opml");
    let mut all = Vec::new();
    outlines(opml.one("body"), &mut all);
    // Folders (no `xmlUrl`) hold feeds only; a feed holds nothing.
    let (all, folders): (Vec<&El>, Vec<&El>) =
        all.into_iter().partition(|o| o.attr("xmlUrl").is_some());
    for f in folders {
        assert!(f.all("outline").all(|o| o.attr("xmlUrl").is_some()));
    }
    assert!(all.iter().all(|o| o.all("outline").next().is_none()));
    let urls: Vec<&str> = all.iter().map(|o| o.attr("xmlUrl").unwrap()).collect();
    let categories: Vec<&&str> = stems
        .iter()
        .filter(|s| **s == "feed" || s.starts_with("feeds/"))
        .collect();
    let wanted: BTreeSet<String> = categories
        .iter()
        .map(|s| format!("{BASE}/{s}.rss"))
        .collect();
    assert_eq!(
        urls.len(),
        categories.len(),
        "one outline per category feed"
    );
    assert_eq!(
        urls.iter().map(|u| u.to_string()).collect::<BTreeSet<_>>(),
        wanted
    );
    for o in &all {
        assert_eq!(o.attr("type"), Some("rss"));
        assert!(o.attr("text").is_some_and(|t| !t.is_empty()));
    }
    stems.len()
}

/// Builds `store` and verifies the output; returns the output folder.
fn build_and_verify(store: &Path) -> tempfile::TempDir {
    let (articles, rejected) = check(store);
    assert!(!articles.is_empty());
    let out = tempfile::tempdir().unwrap();
    let stdout = build(store, out.path());
    let feeds = verify_site(out.path(), &articles);
    // Every file that is not a feed or the build's mark: the pages and the
    // two OPML lists.
    let pages = read_tree(out.path()).len() - feeds * 3 - 1;
    assert_eq!(
        stdout.trim_end(),
        format!(
            "wrote {} feeds and {} pages to {}: {} articles, {rejected} files rejected",
            feeds * 3,
            pages,
            out.path().display(),
            articles.len()
        )
    );
    out
}

// ---------------------------------------------------------------------------
// The hostile store

fn article(crumb: Option<&str>, title: &str, date: &str, lead: &str, body: &[&str]) -> String {
    let mut lines = vec!["08:20 ICT Thứ ba, 12/05/2020".to_owned(), String::new()];
    if let Some(c) = crumb {
        lines.push(format!("Trang nhất » {c}"));
        lines.push(String::new());
    }
    lines.push(title.to_owned());
    lines.push(String::new());
    lines.push(date.to_owned());
    lines.push(lead.to_owned());
    for p in body {
        lines.push(String::new());
        lines.push((*p).to_owned());
    }
    lines.push(String::new());
    lines.push("Tác giả bài viết: Đỗ Văn Hải".into());
    lines.push(String::new());
    lines.push("Những tin mới hơn".into());
    lines.join("\n") + "\n"
}

fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A store of everything docs/store-format.md says real stores contain, and worse.
fn hostile_store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");

    // Markup and CDATA ends in the title, the breadcrumb, the body and the
    // tags; corrected, so the feed of changes holds them too.
    let mut xml = article(
        Some("Tin & Sự kiện » <Nóng> ]]>"),
        "Giá lúa <tăng> & \"ổn định\" ]]> cuối năm",
        "Chủ nhật - 10/05/2020 15:33\nCập nhật: 11/05/2020 08:00",
        "Giá lúa giữ ổn định ]]> ở mức 6.500 đồng & hơn.",
        &[
            "Đoạn mã <script>alert(1)</script> được chèn vào.",
            "<![CDATA[ x ]]> và &amp; và &#1; ở giữa.",
        ],
    );
    xml.push_str("Tags: <b>, &amp;, ]]>\n");
    write(root, "tin-tuc/gia-lua.txt", xml);

    // Control characters XML forbids, including U+0001 and U+000B in the title.
    write(
        root,
        "tin-tuc/dieu-khien.txt",
        article(
            Some("Tin & Sự kiện"),
            "Khai mạc\u{1} hội chợ\u{b} nông sản <Phú Lộc>",
            "Thứ hai - 11/05/2020 08:00",
            "Hội chợ\u{1f} có 120 gian hàng\u{fffe}.",
            &["Mở cửa\u{8} đến hết ngày 14/5."],
        ),
    );

    // NFD text in a file whose name is NFD and needs percent-encoding.
    let nfd_text: String = article(
        Some("Điện lực » Nông thôn"),
        "Đường điện mới về bản Nà Lay, người dân phấn khởi",
        "Thứ ba - 12/05/2020 09:40",
        "Sau nhiều năm chờ đợi, bản Nà Lay đã có điện lưới quốc gia.",
        &["Công trình gồm 4 km đường dây trung thế."],
    )
    .nfd()
    .collect();
    let nfd_name: String = "dien/bài viết #1 [50%] ?.txt".nfd().collect();
    write(root, &nfd_name, nfd_text);

    // Windows-1258 bytes: the real fixture, and one with CRLF, a breadcrumb and markup.
    write(
        root,
        "cu/windows-1258.txt",
        std::fs::read(fixtures.join("windows-1258.txt")).unwrap(),
    );
    write(
        root,
        "cu/cp1258-crlf.txt",
        b"Trang nh\xE2\xECt \xBB Tha\xCCnh ph\xF4\xEC\r\n\r\nTha\xCCnh ph\xF4\xEC & <la\xCCng> ]]> m\xF5\xECi\r\n\r\n11/05/2020 10:00\r\nD\xE2\xF2n.\r\n\r\nTh\xE2n ba\xCCi.\r\n",
    );

    // CRLF line ends, and a date in 1970 (UTC+8 then).
    write(
        root,
        "cu/crlf.txt",
        article(
            Some("Thành phố"),
            "Xã Hòa Bình ra quân làm đường",
            "Chủ nhật - 10/05/2020 07:00",
            "Hơn 300 người dân đã ra quân.",
            &["Tuyến đường rộng 3 mét."],
        )
        .replace('\n', "\r\n"),
    );
    write(
        root,
        "cu/nam-1970.txt",
        article(
            Some("Thành phố » Lưu trữ"),
            "Tin lưu trữ đầu năm 1970",
            "Thứ năm - 01/01/1970 00:00",
            "Bài cũ từ kho lưu trữ.",
            &[],
        ),
    );

    // No breadcrumb: the folder names are the categories (one NFD, one with U+0001).
    let nfd_folder: String = "thể thao".nfd().collect();
    write(
        root,
        &format!("{nfd_folder}/giai-bong-chuyen.txt"),
        article(
            None,
            "Giải bóng chuyền hơi người cao tuổi",
            "Chủ nhật - 10/05/2020 16:00",
            "Tám đội tham gia.",
            &[],
        ),
    );
    write(
        root,
        "bong\u{1}da/tran-chung-ket.txt",
        article(
            None,
            "Trận chung kết bóng đá xã",
            "Chủ nhật - 10/05/2020 17:00",
            "Hai đội hòa 1-1.",
            &[],
        ),
    );

    // More than a feed holds, in groups of three with the same minute (ties by id).
    for n in 0..56 {
        write(
            root,
            &format!("nhieu/bai-{n:02}.txt"),
            article(
                Some("Nhiều bài"),
                &format!("Bài số {n}"),
                &format!("13/05/2020 10:{:02}", n / 3),
                "Một đoạn dẫn.",
                &[],
            ),
        );
    }

    // A title alone (no lead, body, author or source), and a title with an
    // author line only: no empty content element in any format.
    write(
        root,
        "thong-bao/chi-tieu-de.txt",
        "Trang nhất » Thông báo\n\nLịch nghỉ lễ <30/4> & 1/5\n\n12/05/2020 08:00\n",
    );
    write(
        root,
        "thong-bao/chi-tac-gia.txt",
        article(
            Some("Thông báo"),
            "Chỉ có tác giả",
            "12/05/2020 07:00",
            "",
            &[],
        ),
    );

    // Not articles: binary, empty, and editor leftovers holding whole articles.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0u8..=255).map(|b| b.wrapping_mul(37)));
    write(root, "hong/anh.png.txt", png);
    write(root, "hong/rong.txt", b"");
    let leftover = article(Some("Rác"), "Bản nháp", "10/05/2020 15:33", "x.", &[]);
    write(root, "hong/.an.txt", &leftover);
    write(root, "hong/nhap.txt.swp", &leftover);
    write(root, "hong/nhap.txt~", &leftover);
    dir
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn bundled_store_feeds_are_valid_and_match_the_articles() {
    let (articles, rejected) = check(&bundled_store());
    assert_eq!((articles.len(), rejected), (46, 0));
    build_and_verify(&bundled_store());
}

#[test]
fn hostile_store_feeds_are_valid_and_match_the_articles() {
    let store = hostile_store();
    let (articles, rejected) = check(store.path());
    assert_eq!(rejected, 2, "the binary and the empty file");
    assert_eq!(articles.len(), 11 + 56);
    let by_id: BTreeMap<&str, &Article> = articles.iter().map(|a| (a.id.as_str(), a)).collect();
    assert_eq!(
        by_id["tin-tuc/gia-lua"].title,
        "Giá lúa <tăng> & \"ổn định\" ]]> cuối năm"
    );
    assert_eq!(
        by_id["tin-tuc/dieu-khien"].title,
        "Khai mạc hội chợ nông sản <Phú Lộc>"
    );
    assert_eq!(by_id["cu/cp1258-crlf"].title, "Thành phố & <làng> ]]> mới");
    assert_eq!(
        by_id["cu/nam-1970"].published_str,
        "1970-01-01T00:00:00+08:00"
    );
    assert!(by_id.contains_key("dien/bài viết #1 [50%] ?"));
    assert_eq!(by_id["thể thao/giai-bong-chuyen"].categories, ["thể thao"]);
    assert_eq!(by_id["bong\u{1}da/tran-chung-ket"].categories, ["bongda"]);
    assert!(!by_id.keys().any(|id| id.starts_with("hong/")));

    let out = build_and_verify(store.path());

    // The category of 56 articles lists the newest 50, ties by id.
    let nhieu: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("feeds/nhieu-bai.json")).unwrap())
            .unwrap();
    let ids: Vec<&str> = nhieu["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 50);
    assert_eq!(ids[0], format!("{TAG}article/nhieu/bai-54"));
    assert_eq!(ids[1], format!("{TAG}article/nhieu/bai-55"));
    assert_eq!(ids[2], format!("{TAG}article/nhieu/bai-51"));
    assert_eq!(ids[49], format!("{TAG}article/nhieu/bai-08"));

    // The 1970 article keeps the offset of its time in both date formats.
    let rss = std::fs::read_to_string(out.path().join("feeds/thanh-pho/luu-tru.rss")).unwrap();
    assert!(rss.contains("<pubDate>Thu, 01 Jan 1970 00:00:00 +0800</pubDate>"));
    let atom = std::fs::read_to_string(out.path().join("feeds/thanh-pho/luu-tru.atom")).unwrap();
    assert!(atom.contains("<published>1970-01-01T00:00:00+08:00</published>"));

    // A title alone is its own text: the summary, and JSON Feed's
    // `content_text`; the RSS and Atom items have no content element (and
    // every other item's, checked above, is not empty).
    let notices = out.path().join("feeds/thong-bao");
    let json: Value =
        serde_json::from_slice(&std::fs::read(notices.with_extension("json")).unwrap()).unwrap();
    let title = "Lịch nghỉ lễ <30/4> & 1/5";
    let alone = &json["items"][0];
    assert_eq!(alone["title"], title);
    assert_eq!(alone["content_text"], title);
    assert_eq!(alone["summary"], title);
    assert!(alone.get("content_html").is_none(), "{alone}");
    let rss = std::fs::read_to_string(notices.with_extension("rss")).unwrap();
    let item = &rss[rss.find("<item>").unwrap()..rss.find("</item>").unwrap()];
    assert!(!item.contains("content:encoded"), "{item}");
    assert!(
        item.contains("<description><![CDATA[Lịch nghỉ lễ &lt;30/4&gt; &amp; 1/5]]></description>"),
        "{item}"
    );
    let atom = std::fs::read_to_string(notices.with_extension("atom")).unwrap();
    let entry = &atom[atom.find("<entry>").unwrap()..atom.find("</entry>").unwrap()];
    assert!(!entry.contains("<content"), "{entry}");

    // Markup in the text is escaped: no live element, no CDATA cut short.
    for f in ["feed.rss", "feed.atom", "feed.json", "index.html"] {
        let text = std::fs::read_to_string(out.path().join(f)).unwrap();
        assert!(!text.contains("<script>"), "{f}: live <script>");
        assert!(!text.contains("<tăng>"), "{f}: live <tăng>");
    }
}

#[test]
fn builds_are_byte_identical() {
    let hostile = hostile_store();
    for store in [bundled_store(), hostile.path().to_owned()] {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        build(&store, one.path());
        build(&store, two.path());
        let first = read_tree(one.path());
        assert!(!first.is_empty());
        assert_eq!(
            first,
            read_tree(two.path()),
            "two builds of {}",
            store.display()
        );

        // The same files elsewhere, with fresh modification times.
        let elsewhere = tempfile::tempdir().unwrap();
        let copy = elsewhere.path().join("một kho khác");
        copy_tree(&store, &copy);
        let three = tempfile::tempdir().unwrap();
        build(&copy, three.path());
        assert_eq!(
            first,
            read_tree(three.path()),
            "a copy of {}",
            store.display()
        );
    }
}

#[test]
fn a_dry_run_counts_what_a_build_writes_and_writes_nothing() {
    let store = bundled_store();
    let out = tempfile::tempdir().unwrap();
    let built = build(&store, out.path());
    let tree = read_tree(out.path());
    let bytes: usize = tree.values().map(Vec::len).sum();
    let cwd = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
        .current_dir(cwd.path())
        .args(["build", "--dry-run", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8(o.stdout).unwrap();
    // "wrote F feeds and P pages to DIR: ..." and "... F feeds and P pages; ...".
    let counts = |line: &str| {
        let (_, rest) = line.split_once(' ').unwrap();
        let feeds = rest
            .split(" feeds and ")
            .next()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .to_owned();
        let pages = line
            .split(" feeds and ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_owned();
        (feeds, pages)
    };
    assert!(
        said.starts_with(&format!(
            "would write {} files, {bytes} bytes: ",
            tree.len()
        )),
        "{said}"
    );
    assert_eq!(counts(&said), counts(&built), "{said} / {built}");
    // Nothing written: not in the folder it ran in, not in the store.
    assert!(read_tree(cwd.path()).is_empty());
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
        .args(["build", "--dry-run", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "--dry-run with --out is refused");
}

#[test]
fn build_refuses_an_out_folder_inside_the_store() {
    let store = hostile_store();
    let before = snapshot(store.path());
    for out in [
        store.path().join("site"),
        store.path().join("tin-tuc/site/deeper"),
        store.path().join("cu/../site"),
        store.path().to_owned(),
    ] {
        let o = bantin([
            "build".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
            "--store".as_ref(),
            store.path().as_os_str(),
        ]);
        assert!(!o.status.success(), "{} was accepted", out.display());
        assert_eq!(o.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains("refusing to write into the store"),
            "{stderr}"
        );
        assert_eq!(snapshot(store.path()), before, "the store changed");
    }
}

/// Runs feedparser on each file; per file: bozo, and each entry's id and `updated`.
fn feedparser_updated(files: &[PathBuf]) -> Vec<Value> {
    const SCRIPT: &str = r#"
import json
out = []
for p in sys.argv[1:]:
    d = feedparser.parse(p)
    out.append({
        "bozo": bool(d.bozo),
        "error": repr(d.get("bozo_exception")),
        "entries": [[e.get("id"), e.get("updated")] for e in d.entries],
    })
print(json.dumps(out))
"#;
    let result = common::python_with("feedparser", SCRIPT, files);
    assert!(
        result.status.success(),
        "feedparser script failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    serde_json::from_slice(&result.stdout).unwrap()
}

#[test]
fn corrections_and_withdrawals_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let body = ["Thân bài."];
    write(
        root,
        "tin/binh-thuong.txt",
        article(
            Some("Tin"),
            "Bình thường",
            "10/05/2020 15:33",
            "Dẫn.",
            &body,
        ),
    );
    write(
        root,
        "tin/dinh-chinh.txt",
        article(
            Some("Tin"),
            "Đính chính",
            "09/05/2020 08:00\nCập nhật: 11/05/2020 09:30",
            "Dẫn.",
            &body,
        ),
    );
    // An id and a reason that need escaping in an attribute and in text.
    write(
        root,
        "tin/gỡ & <bỏ>.txt",
        article(
            Some("Tin"),
            "Rút lại",
            "08/05/2020 07:00\nGỡ bỏ: 12/05/2020 10:00 - Sai số liệu <nghiêm trọng> & đã xin lỗi",
            "Dẫn.",
            &body,
        ),
    );
    let out = tempfile::tempdir().unwrap();
    build(root, out.path());
    let gone_tag = format!("{TAG}article/{}", encode_path("tin/gỡ & <bỏ>"));
    let fixed_tag = format!("{TAG}article/tin/dinh-chinh");
    let plain_tag = format!("{TAG}article/tin/binh-thuong");

    for stem in ["feed", "feeds/tin"] {
        // Atom: the correction as the entry's updated, the withdrawal as a tombstone.
        let file = format!("{stem}.atom");
        let bytes = std::fs::read(out.path().join(&file)).unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        let doc = parse_xml(&file, text);
        assert_eq!(
            doc.attr("xmlns:at"),
            Some("http://purl.org/atompub/tombstones/1.0"),
            "{file}"
        );
        let entries: Vec<&El> = doc.all("entry").collect();
        let ids: Vec<&str> = entries.iter().map(|e| e.text_of("id")).collect();
        assert_eq!(ids, [plain_tag.as_str(), fixed_tag.as_str()], "{file}");
        assert_eq!(entries[1].text_of("published"), "2020-05-09T08:00:00+07:00");
        assert_eq!(entries[1].text_of("updated"), "2020-05-11T09:30:00+07:00");
        assert_eq!(entries[0].text_of("updated"), "2020-05-10T15:33:00+07:00");
        let gone = doc.one("at:deleted-entry");
        assert_eq!(gone.attr("ref"), Some(gone_tag.as_str()), "{file}");
        assert_eq!(gone.attr("when"), Some("2020-05-12T10:00:00+07:00"));
        assert_eq!(
            gone.text_of("at:comment"),
            "Sai số liệu <nghiêm trọng> & đã xin lỗi"
        );
        // The latest change is the withdrawal.
        assert_eq!(doc.text_of("updated"), "2020-05-12T10:00:00+07:00");
        let feed = feed_rs::parser::parse(bytes.as_slice()).unwrap();
        assert_eq!(feed.entries.len(), 2, "{file}: feed-rs");
        assert_eq!(
            feed.entries[1].updated.map(|u| u.to_rfc3339()).as_deref(),
            Some("2020-05-11T02:30:00+00:00")
        );

        // RSS: the withdrawn item is gone; pubDate stays the publication.
        let file = format!("{stem}.rss");
        let bytes = std::fs::read(out.path().join(&file)).unwrap();
        let doc = parse_xml(&file, std::str::from_utf8(&bytes).unwrap());
        let ch = doc.one("channel");
        let links: Vec<&str> = ch.all("item").map(|i| i.text_of("link")).collect();
        assert_eq!(
            links,
            [
                format!("{BASE}/articles/tin/binh-thuong"),
                format!("{BASE}/articles/tin/dinh-chinh")
            ],
            "{file}"
        );
        assert_eq!(
            ch.all("item").nth(1).unwrap().text_of("pubDate"),
            "Sat, 09 May 2020 08:00:00 +0700"
        );
        assert_eq!(ch.text_of("pubDate"), "Sun, 10 May 2020 15:33:00 +0700");
        assert_eq!(
            ch.text_of("lastBuildDate"),
            "Tue, 12 May 2020 10:00:00 +0700"
        );
        assert_eq!(
            feed_rs::parser::parse(bytes.as_slice())
                .unwrap()
                .entries
                .len(),
            2
        );

        // JSON Feed: date_modified; the withdrawn item is gone.
        let file = format!("{stem}.json");
        let bytes = std::fs::read(out.path().join(&file)).unwrap();
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        let items = doc["items"].as_array().unwrap();
        let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [plain_tag.as_str(), fixed_tag.as_str()], "{file}");
        assert!(items[0].get("date_modified").is_none());
        assert_eq!(items[1]["date_modified"], "2020-05-11T09:30:00+07:00");
        assert_eq!(items[1]["date_published"], "2020-05-09T08:00:00+07:00");
        assert_eq!(
            feed_rs::parser::parse(bytes.as_slice())
                .unwrap()
                .entries
                .len(),
            2
        );
    }

    // feedparser reads the tombstoned Atom feed without complaint and sees the
    // correction as the entry's updated.
    let reports = feedparser_updated(&[out.path().join("feed.atom"), out.path().join("feed.rss")]);
    assert_eq!(reports[0]["bozo"], false, "{}", reports[0]["error"]);
    assert_eq!(
        reports[0]["entries"],
        serde_json::json!([
            [plain_tag, "2020-05-10T15:33:00+07:00"],
            [fixed_tag, "2020-05-11T09:30:00+07:00"]
        ])
    );
    assert_eq!(reports[1]["bozo"], false, "{}", reports[1]["error"]);
    assert_eq!(reports[1]["entries"].as_array().unwrap().len(), 2);

    // The front page does not list the withdrawn article.
    let index = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(index.contains("Đính chính") && !index.contains("Rút lại"));
}

/// The feed of changes: the articles put in the store (by their capture
/// clock), corrected or withdrawn last, latest first whatever their
/// publication, so a partner sees a correction of an old article, or an old
/// article put in late, without watching its month's archives.
#[test]
fn the_feed_of_changes_lists_arrivals_corrections_and_withdrawals_latest_first() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let body = ["Thân bài."];
    // Each saved (captured) at `captured`, the first line.
    let add = |rel: &str, title: &str, captured: &str, dates: &str| {
        let text = article(Some("Tin"), title, dates, "Dẫn.", &body);
        let text = text.replacen("08:20 ICT Thứ ba, 12/05/2020", captured, 1);
        write(root, rel, text);
    };
    add(
        "tin/binh-thuong.txt",
        "Bình thường",
        "16:00 ICT Chủ nhật, 10/05/2020",
        "10/05/2020 15:33",
    );
    add(
        "tin/dinh-chinh.txt",
        "Đính chính",
        "09:00 ICT Thứ bảy, 09/05/2020",
        "09/05/2020 08:00\nCập nhật: 11/05/2020 09:30",
    );
    // Published a year before the others, corrected after them all but the withdrawal.
    add(
        "tin/cu.txt",
        "Bài cũ sửa lại",
        "09:00 ICT Thứ ba, 02/04/2019",
        "02/04/2019 08:00\nCập nhật: 11/05/2020 11:00",
    );
    add(
        "tin/rut-lai.txt",
        "Rút lại",
        "08:00 ICT Thứ sáu, 08/05/2020",
        "08/05/2020 07:00\nGỡ bỏ: 12/05/2020 10:00 - Sai số liệu",
    );
    // Published in 2019, put in the store (captured) after everything else.
    add(
        "tin/muon.txt",
        "Bài đưa lên muộn",
        "11:00 ICT Thứ ba, 12/05/2020",
        "01/03/2019 07:00",
    );
    let out = tempfile::tempdir().unwrap();
    build(root, out.path());
    let late_tag = format!("{TAG}article/tin/muon");
    let old_tag = format!("{TAG}article/tin/cu");
    let fixed_tag = format!("{TAG}article/tin/dinh-chinh");
    let plain_tag = format!("{TAG}article/tin/binh-thuong");
    let gone_tag = format!("{TAG}article/tin/rut-lai");
    let read = |file: &str| std::fs::read(out.path().join(file)).unwrap();

    // Atom: the entries in order of their last event, the withdrawal a
    // tombstone; the feed dated by the latest, the late capture.
    let bytes = read("changes.atom");
    let doc = parse_xml("changes.atom", std::str::from_utf8(&bytes).unwrap());
    // The entries and items, latest event first.
    let order = [
        late_tag.as_str(),
        old_tag.as_str(),
        fixed_tag.as_str(),
        plain_tag.as_str(),
    ];
    let ids: Vec<&str> = doc.all("entry").map(|e| e.text_of("id")).collect();
    assert_eq!(ids, order);
    let updated: Vec<&str> = doc.all("entry").map(|e| e.text_of("updated")).collect();
    assert_eq!(
        updated,
        [
            "2019-03-01T07:00:00+07:00",
            "2020-05-11T11:00:00+07:00",
            "2020-05-11T09:30:00+07:00",
            "2020-05-10T15:33:00+07:00"
        ]
    );
    assert_eq!(
        doc.one("at:deleted-entry").attr("ref"),
        Some(gone_tag.as_str())
    );
    assert_eq!(doc.text_of("updated"), "2020-05-12T11:00:00+07:00");
    assert_eq!(doc.text_of("title"), "Bài viết đưa lên, cập nhật, gỡ bỏ");
    assert_eq!(doc.text_of("id"), format!("{TAG}changes"));
    let own: Vec<&str> = doc
        .all("link")
        .filter(|l| l.attr("rel") == Some("self"))
        .filter_map(|l| l.attr("href"))
        .collect();
    assert_eq!(own, [format!("{BASE}/changes.atom")]);
    let home: Vec<&str> = doc
        .all("link")
        .filter(|l| l.attr("rel") == Some("alternate"))
        .filter_map(|l| l.attr("href"))
        .collect();
    assert_eq!(home, [format!("{BASE}/changes")], "its page");

    // RSS and JSON Feed: the same order; no tombstones.
    let rss = read("changes.rss");
    let doc = parse_xml("changes.rss", std::str::from_utf8(&rss).unwrap());
    let ch = doc.one("channel");
    let links: Vec<&str> = ch.all("item").map(|i| i.text_of("link")).collect();
    assert_eq!(
        links,
        [
            format!("{BASE}/articles/tin/muon"),
            format!("{BASE}/articles/tin/cu"),
            format!("{BASE}/articles/tin/dinh-chinh"),
            format!("{BASE}/articles/tin/binh-thuong")
        ]
    );
    // The latest publication among them, not the first item's; built at
    // the latest event.
    assert_eq!(ch.text_of("pubDate"), "Sun, 10 May 2020 15:33:00 +0700");
    assert_eq!(
        ch.text_of("lastBuildDate"),
        "Tue, 12 May 2020 11:00:00 +0700"
    );
    let json = read("changes.json");
    let doc: Value = serde_json::from_slice(&json).unwrap();
    let items = doc["items"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, order);
    assert_eq!(items[1]["date_modified"], "2020-05-11T11:00:00+07:00");
    assert_eq!(items[1]["date_published"], "2019-04-02T08:00:00+07:00");
    assert_eq!(doc["feed_url"], format!("{BASE}/changes.json").as_str());

    // What readers make of them.
    for (file, bytes) in [
        ("changes.atom", &bytes),
        ("changes.rss", &rss),
        ("changes.json", &json),
    ] {
        let feed = feed_rs::parser::parse(bytes.as_slice()).unwrap();
        assert_eq!(feed.entries.len(), 4, "{file}: feed-rs");
    }
    let reports = feedparser_updated(&[
        out.path().join("changes.atom"),
        out.path().join("changes.rss"),
    ]);
    assert_eq!(reports[0]["bozo"], false, "{}", reports[0]["error"]);
    assert_eq!(
        reports[0]["entries"],
        serde_json::json!([
            [late_tag, "2019-03-01T07:00:00+07:00"],
            [old_tag, "2020-05-11T11:00:00+07:00"],
            [fixed_tag, "2020-05-11T09:30:00+07:00"],
            [plain_tag, "2020-05-10T15:33:00+07:00"]
        ])
    );
    assert_eq!(reports[1]["bozo"], false, "{}", reports[1]["error"]);

    // Its page lists them in the same order, the withdrawal with its reason
    // (leading to the 410 notice), each with its last event and when it was
    // published.
    let page = std::fs::read_to_string(out.path().join("changes/index.html")).unwrap();
    let listed: Vec<&str> = page
        .split("<li><a href=\"")
        .skip(1)
        .map(|li| &li[..li.find("</li>").unwrap()])
        .collect();
    assert_eq!(listed.len(), 5, "{page}");
    assert!(listed[0].starts_with("/articles/tin/muon\""), "{page}");
    assert!(listed[0].contains(": đưa lên <time datetime=\"2020-05-12T11:00:00+07:00\">12/05/2020 11:00</time>; đăng <time datetime=\"2019-03-01T07:00:00+07:00\">"), "{page}");
    assert!(listed[1].starts_with("/articles/tin/rut-lai\""), "{page}");
    assert!(listed[1].contains("gỡ bỏ <time datetime=\"2020-05-12T10:00:00+07:00\">12/05/2020 10:00</time> (<bdi>Sai số liệu</bdi>)"));
    assert!(listed[2].starts_with("/articles/tin/cu\""), "{page}");
    assert!(listed[2].contains(": cập nhật <time datetime=\"2020-05-11T11:00:00+07:00\">"));
    assert!(listed[2].contains("đăng <time datetime=\"2019-04-02T08:00:00+07:00\">"));
    assert!(
        listed[3].starts_with("/articles/tin/dinh-chinh\""),
        "{page}"
    );
    assert!(
        listed[4].starts_with("/articles/tin/binh-thuong\""),
        "{page}"
    );
    assert!(page.contains("<link rel=\"alternate\" type=\"application/atom+xml\""));

    // Found by browsing: the front page links it and its page, and its
    // subscribe pages are built.
    let front = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(front.contains("<a href=\"/changes\">Bài viết đưa lên, cập nhật, gỡ bỏ</a>"));
    for ext in ["rss", "atom", "json"] {
        assert!(
            front.contains(&format!("href=\"/subscribe/changes.{ext}\"")),
            "{ext}"
        );
        let page = out
            .path()
            .join(format!("subscribe/changes.{ext}/index.html"));
        let page = std::fs::read_to_string(page).unwrap();
        assert!(page.contains("Bài viết đưa lên, cập nhật, gỡ bỏ"), "{ext}");
        // It says it brings old articles put in late too, and leads to the
        // feed by publication date.
        assert!(page.contains("kể cả bài cũ đưa lên muộn"), "{ext}");
        assert!(
            page.contains(&format!("href=\"/subscribe/feed.{ext}\"")),
            "{ext}"
        );
        // Which formats tell of withdrawals.
        let tombstones = page.contains("Bài bị gỡ bỏ được báo kèm lý do.");
        assert_eq!(tombstones, ext == "atom", "{ext}");
        assert_eq!(
            page.contains("Chỉ tệp Atom báo bài bị gỡ bỏ"),
            ext != "atom"
        );
    }
}

/// `bantin build --out OUT --store STORE`, logging at the default level:
/// exit code, stdout and stderr.
fn try_build(store: &Path, out: &Path) -> (Option<i32>, String, String) {
    let cwd = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
        .current_dir(cwd.path())
        .env_remove("BANTIN_CONFIG")
        .env_remove("RUST_LOG")
        .arg("build")
        .arg("--out")
        .arg(out)
        .arg("--store")
        .arg(store)
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (o.status.code(), text(o.stdout), text(o.stderr))
}

#[test]
fn a_build_replaces_the_last_one_as_a_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    copy_tree(&bundled_store(), &store);
    let out = dir.path().join("site");
    build(&store, &out);
    let page = out.join("articles/dau-tu/du-an/khoi-cong-duong-noi-cao-toc/index.html");
    assert!(page.is_file());
    // A link an earlier build's folder happened to hold is replaced, not
    // written through.
    let outside = dir.path().join("outside.html");
    std::fs::write(&outside, "not the site's").unwrap();
    std::fs::remove_file(out.join("index.html")).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("index.html")).unwrap();
    // A folder of it that became a link to another folder.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_dir_all(out.join("tags")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("tags")).unwrap();
    // What an interrupted build left.
    std::fs::create_dir_all(out.join(".bantin-staging-old/articles")).unwrap();
    std::fs::write(out.join(".bantin-staging-old/articles/x.html"), "half").unwrap();
    use std::os::unix::fs::MetadataExt;
    let inode = std::fs::metadata(&out).unwrap().ino();
    // An article taken down: its page goes with it.
    std::fs::remove_file(store.join("dau-tu/du-an/khoi-cong-duong-noi-cao-toc.txt")).unwrap();
    build(&store, &out);
    assert!(
        !page.exists(),
        "the page of a deleted article is still there"
    );
    assert!(out.join("articles/dau-tu/du-an").is_dir());
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not the site's");
    assert!(out.join("index.html").symlink_metadata().unwrap().is_file());
    assert!(out.join("tags").symlink_metadata().unwrap().is_dir());
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    // The same folder (a container binding it still sees it), nothing left
    // beside it or of the interrupted build.
    assert_eq!(std::fs::metadata(&out).unwrap().ino(), inode);
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(beside.len(), 4, "{beside:?}");
    assert!(!std::fs::read_dir(&out).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with(".bantin-staging")));
    // Two builds of one store are the same files, the marker among them.
    let fresh = dir.path().join("fresh");
    build(&store, &fresh);
    assert_eq!(read_tree(&out), read_tree(&fresh));
    assert!(fresh.join(".bantin-build").is_file());
}

#[test]
fn a_build_never_replaces_a_folder_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    copy_tree(&bundled_store(), &store);
    let out = dir.path().join("www");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let (code, _, stderr) = try_build(&store, &out);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("not the output of an earlier build"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    // Nor a folder that holds the store.
    let (code, _, stderr) = try_build(&store, dir.path());
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("refusing to write into the store"),
        "{stderr}"
    );
    assert!(store.join("dau-tu").is_dir());
    // An empty folder is fine.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    build(&store, &empty);
    assert!(empty.join("index.html").is_file());
}

/// The lock a running build holds on its folder, until dropped.
fn hold_build_lock(out: &Path) -> std::fs::File {
    let held = std::fs::File::open(out).unwrap();
    rustix::fs::flock(&held, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
    held
}

/// Two builds into one folder at once would each remove the other's staging
/// folder: while one holds the folder, another stops at once, naming it,
/// and leaves it as it was.
#[test]
fn a_build_stops_while_another_writes_into_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    copy_tree(&bundled_store(), &store);
    let out = dir.path().join("www");
    build(&store, &out);
    let before = read_tree(&out);
    // What a running build holds.
    let held = hold_build_lock(&out);
    let (code, _, stderr) = try_build(&store, &out);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "another `bantin build` is writing into {} now",
            out.display()
        )),
        "{stderr}"
    );
    assert_eq!(read_tree(&out), before);
    drop(held);
    build(&store, &out);

    // A first build's folder holds only its staging folder until its end:
    // a second build then says a build is writing, not that the folder
    // holds other files.
    let first = dir.path().join("moi");
    std::fs::create_dir_all(first.join(".bantin-staging-dang-viet")).unwrap();
    let _held = hold_build_lock(&first);
    let (code, _, stderr) = try_build(&store, &first);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("another `bantin build` is writing into"),
        "{stderr}"
    );
    assert!(first.join(".bantin-staging-dang-viet").is_dir());
}

/// A default ACL given to the output folder after a build (the usual way to
/// let a web server's user read it) reaches every file at the next build,
/// as it would in a fresh build: a file kept from the last build without it
/// would stay closed to that user. The build after keeps them all.
#[test]
fn a_default_acl_given_to_the_folder_reaches_every_file_at_the_next_build() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    copy_tree(&bundled_store(), &store);
    let out = dir.path().join("www");
    build(&store, &out);
    // user::rwx, user:1000:r--, group::r-x, mask::r-x, other::r-x
    let undefined = u32::MAX.to_le_bytes();
    let mut acl = 2u32.to_le_bytes().to_vec();
    for (tag, perm, id) in [
        (0x01u16, 7u16, undefined),
        (0x02, 4, 1000u32.to_le_bytes()),
        (0x04, 5, undefined),
        (0x10, 5, undefined),
        (0x20, 5, undefined),
    ] {
        acl.extend(tag.to_le_bytes());
        acl.extend(perm.to_le_bytes());
        acl.extend(id);
    }
    let set = rustix::fs::setxattr(
        &out,
        "system.posix_acl_default",
        &acl,
        rustix::fs::XattrFlags::empty(),
    );
    if let Err(e) = set {
        eprintln!("SKIP: this file system takes no default ACL ({e})");
        return;
    }
    let page = out.join("articles/kinh-te/du-lich/don-luot-khach-dau-nam-2023/index.html");
    let has_acl = |path: &Path| {
        let mut buf = [0u8; 512];
        rustix::fs::getxattr(path, "system.posix_acl_access", &mut buf[..]).is_ok()
    };
    assert!(!has_acl(&page));
    build(&store, &out);
    assert!(has_acl(&page), "a kept file did not get the folder's ACL");
    assert!(has_acl(&out.join("feed.rss")));
    let inode = std::fs::metadata(&page).unwrap().ino();
    build(&store, &out);
    assert_eq!(
        std::fs::metadata(&page).unwrap().ino(),
        inode,
        "rewritten again"
    );
}

/// Changes the title of `kinh-te/du-lich/don-luot-khach-dau-nam-2023.txt` in
/// a copy of the sample store: "Lam Sơn đón …" becomes "Lam Sơn đã đón …".
fn retitle(store: &Path) {
    let edited = store.join("kinh-te/du-lich/don-luot-khach-dau-nam-2023.txt");
    let text = std::fs::read_to_string(&edited).unwrap();
    let title = "Lam Sơn đón hơn 120.000 lượt khách";
    assert!(text.contains(title));
    std::fs::write(
        &edited,
        text.replace(title, "Lam Sơn đã đón hơn 120.000 lượt khách"),
    )
    .unwrap();
}

/// A rebuild leaves each file it would write with the same bytes as it is:
/// its inode and modification time, and so a static server's `ETag` and
/// `Last-Modified`, stay, and a reader revalidating the page of an article
/// nobody touched is answered 304 after a rebuild too. What changed is
/// replaced, and the folder is the new build whole.
#[test]
fn a_rebuild_leaves_the_files_it_does_not_change_as_they_are() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    copy_tree(&bundled_store(), &store);
    let out = dir.path().join("www");
    build(&store, &out);
    let inodes = || -> BTreeMap<PathBuf, u64> {
        walkdir::WalkDir::new(&out)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(&out).unwrap().to_owned();
                (rel, e.metadata().unwrap().ino())
            })
            .collect()
    };
    let first = inodes();
    assert!(first.len() > 1000, "{}", first.len());
    build(&store, &out);
    assert_eq!(inodes(), first, "a rebuild of the same store rewrote files");

    retitle(&store);
    build(&store, &out);
    let after = inodes();
    let page = Path::new("articles/kinh-te/du-lich/don-luot-khach-dau-nam-2023/index.html");
    assert_ne!(
        after[page], first[page],
        "the edited article's page was not replaced"
    );
    assert!(std::fs::read_to_string(out.join(page))
        .unwrap()
        .contains("Lam Sơn đã đón"));
    let far = Path::new("articles/van-hoa-xa-hoi/y-te/tiem-chung-mo-rong-vung-cao/index.html");
    assert_eq!(
        after[far], first[far],
        "a page the edit does not touch was rewritten"
    );
    let same = after
        .iter()
        .filter(|(rel, ino)| first.get(*rel) == Some(ino))
        .count();
    assert!(
        same > after.len() / 2,
        "{same} of {} files kept",
        after.len()
    );
    let fresh = dir.path().join("fresh");
    build(&store, &fresh);
    assert!(snapshot(&out) == snapshot(&fresh), "not the new build");

    // Files with the same bytes that are not the build's own are replaced:
    // a folder behind a symlink (the link is replaced, the folder it leads
    // to left alone), a FIFO (not waited on), a file whose mode was changed,
    // and a hard link to a file outside, which would change with it.
    use std::os::unix::fs::PermissionsExt;
    let elsewhere = dir.path().join("elsewhere");
    std::fs::rename(out.join("tags"), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("tags")).unwrap();
    let elsewhere_before = snapshot(&elsewhere);
    std::fs::remove_file(out.join("404.html")).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        out.join("404.html"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    std::fs::set_permissions(out.join(far), std::fs::Permissions::from_mode(0o600)).unwrap();
    let outside = dir.path().join("outside.rss");
    std::fs::hard_link(out.join("feed.rss"), &outside).unwrap();
    let mut rebuild = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
        .env_remove("BANTIN_CONFIG")
        .args(["build", "--out"])
        .arg(&out)
        .arg("--store")
        .arg(&store)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(status) = rebuild.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            rebuild.kill().unwrap();
            rebuild.wait().unwrap();
            panic!("the build hangs (on the FIFO?)");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.success());
    assert!(snapshot(&out) == snapshot(&fresh), "not the new build");
    assert!(out.join("tags").symlink_metadata().unwrap().is_dir());
    assert!(
        snapshot(&elsewhere) == elsewhere_before,
        "the build wrote through a link"
    );
    std::fs::write(&outside, "changed outside").unwrap();
    assert_ne!(
        std::fs::read(out.join("feed.rss")).unwrap(),
        b"changed outside"
    );
}

/// Makes the folder `at` of a build's output one the build may not write
/// into (`locked`), or gives it back (`!locked`): owned by root when the
/// tests run as root and the build as `nobody`, else read-only.
fn lock_folder(at: &Path, locked: bool) {
    use std::os::unix::fs::PermissionsExt;
    if rustix::process::geteuid().is_root() {
        let owner = if locked { 0 } else { common::NOBODY };
        std::os::unix::fs::chown(at, Some(owner), Some(owner)).unwrap();
    } else {
        let mode = if locked { 0o555 } else { 0o755 };
        std::fs::set_permissions(at, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// A build that cannot put its files in place (a folder of the site made
/// read-only since the last build) undoes what it did, whether it fails
/// while moving the new files in or while taking out the ones the store no
/// longer has: the site stays the last build, whole, with nothing of the
/// new one mixed in. Once the folder is writable again, the next build puts
/// the whole new one in place.
#[test]
fn a_build_that_cannot_put_its_files_in_place_leaves_the_last_build_whole() {
    let dir = tempfile::tempdir().unwrap();
    let Some(wrapper) = common::unprivileged(dir.path()) else {
        eprintln!(
            "SKIP: running as root with no setpriv (util-linux): no permission stops a build"
        );
        return;
    };
    let store = dir.path().join("store");
    copy_tree(&bundled_store(), &store);
    let out = dir.path().join("www");
    std::fs::create_dir(&out).unwrap();
    let cwd = dir.path().join("cwd");
    std::fs::create_dir(&cwd).unwrap();
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(&out, Some(common::NOBODY), Some(common::NOBODY)).unwrap();
    }
    let run = || {
        let o = common::wrapped(&wrapper)
            .current_dir(&cwd)
            .env_remove("BANTIN_CONFIG")
            .env_remove("RUST_LOG")
            .arg("build")
            .arg("--out")
            .arg(&out)
            .arg("--store")
            .arg(&store)
            .output()
            .unwrap();
        (o.status.code(), String::from_utf8(o.stderr).unwrap())
    };
    let (code, stderr) = run();
    assert_eq!(code, Some(0), "{stderr}");
    let before = snapshot(&out);
    let staging_left = || {
        std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.starts_with(".bantin-staging-"))
            .collect::<Vec<_>>()
    };
    let du_lich = out.join("articles/kinh-te/du-lich");

    // An article added (its page's folders made anew), and one deleted,
    // whose page's folder is in a folder the build may not write: the build
    // fails taking it out, after every new file and folder is in place.
    let added =
        std::fs::read_to_string(store.join("thong-bao/lich-tiep-cong-dan-thang-6-2021.txt"))
            .unwrap()
            .replacen(
                "\nLịch tiếp công dân định kỳ tháng 6 năm 2021\n",
                "\nBài mới thêm vào kho\n",
                1,
            );
    assert!(added.contains("Bài mới"));
    std::fs::write(store.join("thong-bao/bai-moi-them.txt"), added).unwrap();
    std::fs::remove_file(store.join("kinh-te/du-lich/homestay-ban-pa-hoc-2022.txt")).unwrap();
    lock_folder(&du_lich, true);
    let (code, stderr) = run();
    lock_folder(&du_lich, false);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot remove")
            && stderr.contains("homestay-ban-pa-hoc-2022")
            && stderr.contains("is left as it was"),
        "{stderr}"
    );
    assert!(
        snapshot(&out) == before,
        "the failed build changed the site: {stderr}"
    );
    assert_eq!(staging_left(), Vec::<String>::new());

    // An article retitled, the folder of its page one the build may not
    // write: the build fails moving the page in, with other files in place.
    retitle(&store);
    let page_folder = du_lich.join("don-luot-khach-dau-nam-2023");
    lock_folder(&page_folder, true);
    let (code, stderr) = run();
    lock_folder(&page_folder, false);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot write {}: Permission denied",
            page_folder.join("index.html").display()
        )) && stderr.contains("is left as it was"),
        "{stderr}"
    );
    assert!(
        snapshot(&out) == before,
        "the failed build changed the site: {stderr}"
    );
    assert_eq!(staging_left(), Vec::<String>::new());

    // Writable again: the new build, whole.
    let (code, stderr) = run();
    assert_eq!(code, Some(0), "{stderr}");
    let fresh = dir.path().join("fresh");
    build(&store, &fresh);
    assert!(snapshot(&out) == snapshot(&fresh), "not the new build");
    assert!(!du_lich.join("homestay-ban-pa-hoc-2022").exists());
    assert!(out
        .join("articles/thong-bao/bai-moi-them/index.html")
        .is_file());
}

/// `--fail-on-rejected`: a store with a file rejected fails the build, which
/// leaves the folder's last build as it was; without it, the build goes on
/// without the file.
#[test]
fn fail_on_rejected_keeps_the_last_build() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    copy_tree(&bundled_store(), &store);
    let out = dir.path().join("www");
    build(&store, &out);
    let before = read_tree(&out);
    std::fs::write(store.join("thong-bao/hong.txt"), "").unwrap();
    let o = bantin([
        "build".as_ref(),
        "--fail-on-rejected".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--store".as_ref(),
        store.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "1 file(s) of the store {} are rejected (--fail-on-rejected); {} is left as it was",
            store.display(),
            out.display()
        )),
        "{stderr}"
    );
    assert_eq!(read_tree(&out), before);
    let stdout = build(&store, &out);
    assert!(stdout.contains(", 1 files rejected"), "{stdout}");
}

/// A first build killed while rendering (its staging folder left in a folder
/// that was empty) does not make the next build take the folder for one of
/// other files: the next build goes through and clears the leftover.
#[test]
fn a_first_build_killed_midway_leaves_a_folder_the_next_build_takes() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    copy_tree(&bundled_store(), &store);
    let out = dir.path().join("www");
    std::fs::create_dir(&out).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
        .env_remove("BANTIN_CONFIG")
        .arg("build")
        .arg("--out")
        .arg(&out)
        .arg("--store")
        .arg(&store)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let staging = || {
        std::fs::read_dir(&out)
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".bantin-staging-")
            })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !staging() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(staging(), "no staging folder seen in {}", out.display());
    assert!(
        !out.join("index.html").exists(),
        "the build ended before it was killed"
    );

    let (code, _, stderr) = try_build(&store, &out);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(out.join("index.html").is_file());
    assert!(!staging(), "the killed build's staging folder is left");
}

#[test]
fn an_article_whose_page_would_be_another_articles_is_left_out_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    copy_tree(&bundled_store(), &store);
    let text = std::fs::read(store.join("dau-tu/du-an/khoi-cong-duong-noi-cao-toc.txt")).unwrap();
    std::fs::create_dir_all(store.join("dau-tu/du-an/khoi-cong-duong-noi-cao-toc")).unwrap();
    std::fs::write(
        store.join("dau-tu/du-an/khoi-cong-duong-noi-cao-toc/index.html.txt"),
        &text,
    )
    .unwrap();
    // And one below a folder of that name.
    std::fs::create_dir_all(store.join("dau-tu/du-an/khoi-cong-duong-noi-cao-toc/index.html"))
        .unwrap();
    std::fs::write(
        store.join("dau-tu/du-an/khoi-cong-duong-noi-cao-toc/index.html/b.txt"),
        &text,
    )
    .unwrap();
    let out = dir.path().join("site");
    let (code, _, stderr) = try_build(&store, &out);
    assert_eq!(code, Some(0), "{stderr}");
    for (id, file) in [
        ("index.html", "index.html.txt"),
        ("index.html/b", "index.html/b.txt"),
    ] {
        let said = format!(
            "article dau-tu/du-an/khoi-cong-duong-noi-cao-toc/{id} \
             ({}) is left out of the static build (its page, and every feed, listing and \
             sitemap that would link it): its page would need \
             articles/dau-tu/du-an/khoi-cong-duong-noi-cao-toc/index.html as a folder, where \
             the page of article dau-tu/du-an/khoi-cong-duong-noi-cao-toc ({}) is written",
            store
                .join("dau-tu/du-an/khoi-cong-duong-noi-cao-toc")
                .join(file)
                .display(),
            store
                .join("dau-tu/du-an/khoi-cong-duong-noi-cao-toc.txt")
                .display(),
        );
        assert!(stderr.contains(&said), "{said}\n{stderr}");
    }
    // The page at that path is the other article's, so nothing of the
    // static site links it: a static server would answer the link with it.
    assert!(out
        .join("articles/dau-tu/du-an/khoi-cong-duong-noi-cao-toc/index.html")
        .is_file());
    for (path, bytes) in read_tree(&out) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("khoi-cong-duong-noi-cao-toc/index.html"),
            "{path} links an article left out"
        );
    }
    // The article that keeps the place is listed as before.
    let feed = std::fs::read_to_string(out.join("feed.json")).unwrap();
    assert!(
        feed.contains("/articles/dau-tu/du-an/khoi-cong-duong-noi-cao-toc\""),
        "{feed}"
    );
}
