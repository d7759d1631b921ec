//! A [`FeedView`] → JSON Feed 1.1 bytes (<https://jsonfeed.org/version/1.1>).

use serde::Serialize;

use super::{summary, FeedView, Format};
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

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Item<'a> {
    id: String,
    url: String,
    title: &'a str,
    content_html: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    summary: std::borrow::Cow<'a, str>,
    date_published: String,
    /// The latest correction, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
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

/// Renders a JSON Feed 1.1 document.
pub fn render(view: &FeedView<'_>) -> Result<Vec<u8>, serde_json::Error> {
    let items = view
        .items
        .iter()
        // A withdrawn article leaves the feed: JSON Feed has no tombstones.
        .filter(|e| e.article.withdrawn.is_none())
        .map(|e| {
            let a = &e.article;
            Item {
                id: view.tag_uri(&format!("article/{}", a.id)),
                url: view.article_url(a),
                title: &a.title,
                content_html: view.item_content(a),
                summary: summary(a),
                date_published: rfc3339(&a.published),
                date_modified: a.updated.as_ref().map(rfc3339),
                authors: a.author.iter().map(|name| Author { name }).collect(),
                tags: a.tags.iter().map(String::as_str).collect(),
                extra: Extra {
                    categories: &a.categories,
                    source: a.source.as_deref(),
                },
            }
        })
        .collect();
    let feed = Feed {
        version: "https://jsonfeed.org/version/1.1",
        title: &view.title,
        home_page_url: view.home_url(),
        feed_url: view.self_url(Format::Json),
        next_url: next_url(view),
        description: &view.description,
        language: &view.site.language,
        authors: [Author {
            name: &view.site.title,
        }],
        hubs: hubs(view),
        items,
    };
    let mut out = serde_json::to_vec_pretty(&feed)?;
    out.push(b'\n');
    Ok(out)
}
