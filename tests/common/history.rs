//! Reading feed documents for their RFC 5005 §4 history: the feed-level links,
//! the item ids and `fh:archive`, and following `prev-archive` from a live feed
//! to the oldest archive. For test binaries that include it with `#[path]`
//! beside `mod common;`.

use quick_xml::events::Event;

use crate::common::{assert_well_formed_xml, Daemon, BASE_URL};

const FH: &str = "http://purl.org/syndication/history/1.0";

/// What one feed document says about its history and items.
#[derive(Debug, Default)]
pub struct Doc {
    /// Feed-level links: (rel, href).
    pub links: Vec<(String, String)>,
    /// Atom ids, RSS guids or JSON Feed ids, in order.
    pub ids: Vec<String>,
    /// Whether it carries `fh:archive` (in the history namespace).
    pub archive: bool,
}

impl Doc {
    pub fn link(&self, rel: &str) -> Option<&str> {
        let mut hrefs = self.links.iter().filter(|(r, _)| r == rel);
        let first = hrefs.next().map(|(_, h)| h.as_str());
        assert!(
            hrefs.next().is_none(),
            "one {rel} link at most: {:?}",
            self.links
        );
        first
    }

    pub fn parse(bytes: &[u8], ext: &str) -> Doc {
        if ext == "json" {
            let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            let mut links = vec![(
                "self".to_owned(),
                v["feed_url"].as_str().unwrap().to_owned(),
            )];
            if let Some(next) = v["next_url"].as_str() {
                links.push(("prev-archive".to_owned(), next.to_owned()));
            }
            let ids = v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect();
            return Doc {
                links,
                ids,
                archive: false,
            };
        }
        assert_well_formed_xml(bytes, ext);
        let mut reader = quick_xml::NsReader::from_reader(bytes);
        let mut doc = Doc::default();
        let mut path: Vec<String> = Vec::new();
        let mut buf = Vec::new();
        loop {
            let event = reader.read_resolved_event_into(&mut buf).unwrap();
            let (ns, event) = event;
            let ns = match ns {
                quick_xml::name::ResolveResult::Bound(n) => {
                    String::from_utf8(n.as_ref().to_vec()).unwrap()
                }
                _ => String::new(),
            };
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let local = String::from_utf8(e.local_name().as_ref().to_vec()).unwrap();
                    let in_item = path.iter().any(|p| p == "entry" || p == "item");
                    if local == "archive" && ns == FH {
                        doc.archive = true;
                    }
                    if local == "link" && !in_item {
                        let attr = |name: &str| {
                            e.attributes()
                                .flatten()
                                .find(|a| a.key.as_ref() == name.as_bytes())
                                .map(|a| a.unescape_value().unwrap().into_owned())
                        };
                        if let (Some(rel), Some(href)) = (attr("rel"), attr("href")) {
                            doc.links.push((rel, href));
                        }
                    }
                    if matches!(event, Event::Start(_)) {
                        path.push(local);
                    }
                }
                Event::Text(t) => {
                    let parent = path.iter().rev().nth(1).map(String::as_str);
                    let here = path.last().map(String::as_str);
                    if matches!(
                        (parent, here),
                        (Some("entry"), Some("id")) | (Some("item"), Some("guid"))
                    ) {
                        doc.ids.push(t.unescape().unwrap().into_owned());
                    }
                }
                Event::End(_) => {
                    path.pop();
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        doc
    }
}

pub fn fetch(d: &Daemon, url: &str, ext: &str) -> Doc {
    let local = d
        .local(url)
        .unwrap_or_else(|| panic!("{url} is not on this site"));
    let r = d.get(&local, &[]);
    assert_eq!(r.status, 200, "GET {url}");
    Doc::parse(&r.body, ext)
}

/// Follows `prev-archive` from the live feed at `live` to the end, checking the
/// links each archive carries both ways, and gives every archive's ids.
pub fn follow(d: &Daemon, live: &str, ext: &str) -> (Doc, Vec<(String, Doc)>) {
    let live_doc = fetch(d, &format!("{}{live}", BASE_URL), ext);
    assert!(!live_doc.archive, "{live}: the live feed is not an archive");
    let current = live_doc.link("self").unwrap().to_owned();
    let mut archives: Vec<(String, Doc)> = Vec::new();
    let mut next = live_doc.link("prev-archive").map(str::to_owned);
    assert!(next.is_some(), "{live}: no prev-archive link");
    while let Some(url) = next {
        assert!(archives.len() < 100, "{live}: the chain does not end");
        let doc = fetch(d, &url, ext);
        assert_eq!(doc.link("self"), Some(url.as_str()), "{url}: self");
        if ext != "json" {
            assert!(doc.archive, "{url}: fh:archive");
            assert_eq!(
                doc.link("current"),
                Some(current.as_str()),
                "{url}: current"
            );
            // next-archive points back where we came from, unless this is the newest.
            let newer = archives.last().map(|(u, _)| u.as_str());
            assert_eq!(doc.link("next-archive"), newer, "{url}: next-archive");
        }
        next = doc.link("prev-archive").map(str::to_owned);
        archives.push((url, doc));
    }
    (live_doc, archives)
}

/// Reads each file with Python's feedparser and asserts it parses cleanly
/// (no `bozo`) with exactly the given entry ids, in order.
pub fn assert_feedparser_reads(files: &[(std::path::PathBuf, Vec<String>)]) {
    const SCRIPT: &str = r#"
import json, sys
import feedparser
out = []
for p in sys.argv[1:]:
    d = feedparser.parse(p)
    out.append({"bozo": bool(d.bozo), "error": repr(d.get("bozo_exception")),
                "ids": [e.get("id") for e in d.entries]})
print(json.dumps(out))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .args(files.iter().map(|(f, _)| f))
        .output()
        .expect("python3 with feedparser runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    for ((file, ids), r) in files.iter().zip(&reports) {
        assert_eq!(r["bozo"], false, "{}: {}", file.display(), r["error"]);
        assert_eq!(r["ids"], serde_json::json!(ids), "{}", file.display());
    }
}
