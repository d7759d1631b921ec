//! One category view → feed and page bytes. Pure: values in, bytes out.
//!
//! Every format renders from the same [`FeedView`], so RSS, Atom and JSON Feed of
//! one category always agree. No wall clock is read here: a feed's build date is
//! its newest item's date.

pub mod atom_feed;
pub mod html;
pub mod json_feed;
pub mod opml;
pub mod rss_feed;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::article::Article;
use crate::config::SiteConfig;
use crate::index::Entry;

/// What this program calls itself in `generator` fields.
pub const GENERATOR: &str = concat!("bantin ", env!("CARGO_PKG_VERSION"));

/// The three feed formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0 (RFC 4287).
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

    /// The file extension and URL suffix.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }

    /// The media type, with charset.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// Characters escaped in a URL path segment (RFC 3986 §3.3 `pchar`, keeping `/`).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Percent-encodes a path (ids may hold spaces and Vietnamese letters).
pub fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH).to_string()
}

/// The site path of a feed: `/feeds/<slug>.<ext>`, or `/feed.<ext>` for all articles.
pub fn feed_path(slug: Option<&str>, format: Format) -> String {
    match slug {
        Some(s) => format!("/feeds/{s}.{}", format.ext()),
        None => format!("/feed.{}", format.ext()),
    }
}

/// The site path of an article's page.
pub fn article_path(id: &str) -> String {
    format!("/articles/{}", encode_path(id))
}

/// The site path of a category's page (the front page for all articles).
pub fn category_path(slug: Option<&str>) -> String {
    match slug {
        Some(s) => format!("/#{s}"),
        None => "/".to_owned(),
    }
}

/// A feed to render: its identity, and its items newest first.
#[derive(Debug, Clone)]
pub struct FeedView<'a> {
    /// The site.
    pub site: &'a SiteConfig,
    /// The category slug; `None` for all articles.
    pub slug: Option<&'a str>,
    /// The feed title.
    pub title: String,
    /// The feed description.
    pub description: String,
    /// RSS `ttl` in minutes.
    pub ttl: u32,
    /// The items, newest first.
    pub items: &'a [Entry],
}

impl FeedView<'_> {
    /// The absolute URL of this feed in `format`.
    pub fn self_url(&self, format: Format) -> String {
        format!("{}{}", self.site.base_url, feed_path(self.slug, format))
    }

    /// The absolute URL of the page this feed stands for.
    pub fn home_url(&self) -> String {
        format!("{}{}", self.site.base_url, category_path(self.slug))
    }

    /// The absolute URL of an article's page.
    pub fn article_url(&self, a: &Article) -> String {
        format!("{}{}", self.site.base_url, article_path(&a.id))
    }

    /// A `tag:` URI (RFC 4151) that names `what` forever: `tag:<authority>:<what>`.
    pub fn tag_uri(&self, what: &str) -> String {
        format!("tag:{}:{}", self.site.tag_authority, encode_path(what))
    }
}

/// The full article as HTML: the lead, the paragraphs, then the attribution.
pub fn content_html(a: &Article) -> String {
    let mut html = String::with_capacity(
        a.summary.len() + a.paragraphs.iter().map(|p| p.len() + 8).sum::<usize>() + 64,
    );
    for p in std::iter::once(&a.summary)
        .chain(&a.paragraphs)
        .filter(|p| !p.is_empty())
    {
        html.push_str("<p>");
        html.push_str(&html_escape::encode_text(p));
        html.push_str("</p>\n");
    }
    if let Some(author) = &a.author {
        html.push_str("<p>Tác giả: ");
        html.push_str(&html_escape::encode_text(author));
        html.push_str("</p>\n");
    }
    if let Some(source) = &a.source {
        html.push_str("<p>Nguồn tin: ");
        html.push_str(&html_escape::encode_text(source));
        html.push_str("</p>\n");
    }
    html
}

/// The categories an item is filed under: each breadcrumb element, then each tag.
pub fn item_categories(a: &Article) -> impl Iterator<Item = &str> {
    a.categories.iter().chain(&a.tags).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            feed_path(Some("tin-tuc/tong-hop"), Format::Atom),
            "/feeds/tin-tuc/tong-hop.atom"
        );
        assert_eq!(feed_path(None, Format::Json), "/feed.json");
        assert_eq!(
            article_path("thể thao/bài 1"),
            "/articles/th%E1%BB%83%20thao/b%C3%A0i%201"
        );
    }
}
