//! A [`FeedView`] → JSON Feed 1.1 bytes (<https://jsonfeed.org/version/1.1>).
//!
//! Authors are given twice, as JSON Feed 1.1 allows for compatibility: the
//! 1.1 `authors` array and the 1.0 `author` object (which 1.1 deprecates),
//! for readers that know only 1.0, at the feed's level and at each item's
//! with an author.

use serde::Serialize;

use super::{item_summary, FeedView, Format};
use crate::article::Article;
use crate::index::Entry;
use crate::timestamp::rfc3339;

#[derive(Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    /// The next older archive: the feed's history, as pagination.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<String>,
    description: &'a str,
    language: &'a str,
    /// JSON Feed 1.0's one author, beside 1.1's `authors`.
    author: Author<'a>,
    authors: [Author<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub<'a>>,
    items: Vec<Item<'a>>,
}

/// JSON Feed 1.1 `hubs`: endpoints to subscribe through for real-time updates.
#[derive(Serialize)]
struct Hub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

/// A `WebSub` hub entry per configured hub (WebSub §4 discovery for JSON is by
/// the `Link` header; this is JSON Feed's own way to say the same).
fn hubs<'a>(view: &FeedView<'a>) -> Vec<Hub<'a>> {
    view.hubs
        .iter()
        .map(|url| Hub {
            kind: "WebSub",
            url,
        })
        .collect()
}

#[derive(Debug, Clone, Copy, Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Item<'a> {
    id: String,
    url: String,
    title: &'a str,
    /// The article as HTML; `None` for a title alone ([`super::has_content`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<String>,
    /// The title, as the text of an article that is a title alone: an item
    /// must have `content_html` or `content_text`, and an empty one is
    /// content in name only.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    summary: std::borrow::Cow<'a, str>,
    date_published: String,
    /// The latest correction, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    /// JSON Feed 1.0's one author, beside 1.1's `authors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(rename = "_bantin")]
    extra: Extra<'a>,
}

/// Custom fields (JSON Feed §"Extensions": a leading underscore).
#[derive(Serialize)]
struct Extra<'a> {
    categories: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
}

/// JSON Feed has no archive links: `next_url` (pagination) chains the live
/// feed to its newest archive and each archive to the next older one, so
/// following it to the end sees every article, as `prev-archive` does.
fn next_url(view: &FeedView<'_>) -> Option<String> {
    view.history
        .prev
        .map(|month| view.archive_url(month, Format::Json))
}

/// One item of the feed, as the JSON Feed document holds it.
fn item<'a>(view: &FeedView<'_>, a: &'a Article) -> Item<'a> {
    let content_html = view.item_content(a);
    let author = a.author.as_deref().map(|name| Author { name });
    Item {
        id: view.tag_uri(&format!("article/{}", a.id)),
        url: view.article_url(a),
        title: &a.title,
        content_text: content_html.is_none().then_some(a.title.as_str()),
        content_html,
        summary: item_summary(a),
        date_published: rfc3339(&a.published),
        date_modified: a.updated.as_ref().map(rfc3339),
        author,
        authors: author.into_iter().collect(),
        tags: a.tags.iter().map(String::as_str).collect(),
        extra: Extra {
            categories: &a.categories,
            source: a.source.as_deref(),
        },
    }
}

/// The feed object of `view` with `items` (the shown ones, or none for [`splice`]).
fn feed<'a>(view: &'a FeedView<'_>, items: Vec<Item<'a>>) -> Feed<'a> {
    let site = Author {
        name: &view.site.title,
    };
    Feed {
        version: "https://jsonfeed.org/version/1.1",
        title: &view.title,
        home_page_url: view.home_url(),
        feed_url: view.self_url(Format::Json),
        next_url: next_url(view),
        description: &view.description,
        language: &view.site.language,
        author: site,
        authors: [site],
        hubs: hubs(view),
        items,
    }
}

/// Renders a JSON Feed 1.1 document: `serde_json` writes it whole. The
/// reference for [`splice`], and what feeds rendered once (archives) use.
pub fn render(view: &FeedView<'_>) -> Result<Vec<u8>, serde_json::Error> {
    let items = view
        .items
        .iter()
        // A withdrawn article leaves the feed: JSON Feed has no tombstones.
        .filter(|e| super::has_item(e))
        .map(|e| item(view, &e.article))
        .collect();
    let mut out = serde_json::to_vec_pretty(&feed(view, items))?;
    out.push(b'\n');
    Ok(out)
}

/// How deep the pretty printer indents an item of the `items` array: two
/// levels of two spaces.
const ITEM_INDENT: &[u8] = b"    ";

/// One item's bytes as [`render`] writes them in any feed, less the indent of
/// its first line: they depend on the article and the site configuration, not
/// on the feed. The item is written alone, then every line after its first is
/// indented two levels deeper; JSON strings escape line breaks, so each one
/// the printer wrote starts a line.
pub fn item_bytes(view: &FeedView<'_>, e: &Entry) -> Result<Vec<u8>, super::SpliceError> {
    let alone = serde_json::to_vec_pretty(&item(view, &e.article))?;
    let lines = memchr::memchr_iter(b'\n', &alone).count();
    let mut bytes = Vec::with_capacity(alone.len() + lines * ITEM_INDENT.len());
    for (n, line) in alone.split(|&b| b == b'\n').enumerate() {
        if n > 0 {
            bytes.push(b'\n');
            bytes.extend_from_slice(ITEM_INDENT);
        }
        bytes.extend_from_slice(line);
    }
    Ok(bytes)
}

/// How the pretty printer ends a feed with no items: `items` is the last member.
const EMPTY_ITEMS: &[u8] = b"[]\n}";

/// The same document as [`render`], put together from its items' bytes
/// ([`item_bytes`] of every article [`super::has_item`] keeps, in feed order):
/// the feed written without items, with the array filled as the pretty printer
/// fills it (`[`, the items each on a new line, indented and comma-separated,
/// then `]` on a line of its own).
pub fn splice(view: &FeedView<'_>, items: &[&[u8]]) -> Result<Vec<u8>, super::SpliceError> {
    let mut doc = serde_json::to_vec_pretty(&feed(view, Vec::new()))?;
    if items.is_empty() {
        doc.push(b'\n');
        return Ok(doc);
    }
    let head = doc
        .strip_suffix(EMPTY_ITEMS)
        .ok_or(super::SpliceError::Frame("json feed"))?;
    let size = head.len() + items.iter().map(|i| i.len() + 6).sum::<usize>() + 8;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(head);
    out.push(b'[');
    for (n, bytes) in items.iter().enumerate() {
        out.extend_from_slice(if n == 0 { b"\n" } else { b",\n" });
        out.extend_from_slice(ITEM_INDENT);
        out.extend_from_slice(bytes);
    }
    out.extend_from_slice(b"\n  ]\n}\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;
    use serde_json::{json, Value};
    use std::sync::Arc;

    /// A reader that knows only JSON Feed 1.0 reads `author`; one that knows
    /// 1.1 reads `authors`: both name the same people, at the feed's level
    /// (the site) and at each item's with an author.
    #[test]
    fn authors_are_given_as_both_json_feed_versions_read_them() {
        let at = chrono::DateTime::parse_from_rfc3339("2020-05-10T15:33:00+07:00")
            .expect("a valid date");
        let mut signed = Article::sample("tin/a", &["Tin"], "Có tác giả", at);
        signed.author = Some("Trần \"Ngọc\"".to_owned());
        let unsigned = Article::sample("tin/b", &["Tin"], "Không tác giả", at);
        let items = [
            Entry::full(Arc::new(signed), None),
            Entry::full(Arc::new(unsigned), None),
        ];
        let site = SiteConfig {
            title: "Bản tin".to_owned(),
            ..SiteConfig::default()
        };
        let view = FeedView::sample(&site, &items);
        let doc = super::super::spliced_as_rendered(&view, Format::Json);
        let feed: Value = serde_json::from_slice(&doc).expect("JSON");
        assert_eq!(feed["author"], json!({"name": "Bản tin"}));
        assert_eq!(feed["authors"], json!([{"name": "Bản tin"}]));
        let item = &feed["items"][0];
        assert_eq!(item["author"], json!({"name": "Trần \"Ngọc\""}));
        assert_eq!(item["authors"], json!([{"name": "Trần \"Ngọc\""}]));
        // No author, neither field: the feed's author stands for the item's.
        let item = feed["items"][1].as_object().expect("an item");
        assert!(!item.contains_key("author") && !item.contains_key("authors"));
    }
}
