//! One category view → feed and page bytes. Pure: values in, bytes out.
//!
//! Every format renders from the same [`FeedView`], so RSS, Atom and JSON Feed of
//! one category always agree. No wall clock is read here: a feed's build date is
//! its newest item's date.
//!
//! A feed renders two ways to the same bytes: whole ([`document`], the writer
//! crates' own output), or spliced ([`splice`]) from its items' bytes rendered
//! once each ([`item_bytes`]): an item's bytes depend only on its article and
//! the site configuration, so an update renders the items that changed and
//! copies the others.

pub mod atom_feed;
pub mod html;
pub mod json_feed;
pub mod opml;
pub mod rss_feed;
pub mod sitemap;
pub mod term_sitemaps;

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::article::{self, Article};
use crate::config::SiteConfig;
use crate::history::Month;
use crate::index::Entry;
use crate::taxonomy::Kind;

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
    /// The format served with `content_type` (see [`Format::content_type`]):
    /// what tells a feed from any other resource.
    pub fn of_content_type(content_type: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.content_type() == content_type)
    }

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

/// The site path of the page of the feed of changes: its twin in HTML, as a
/// category's page is its feed's.
pub const CHANGES_PAGE: &str = "/changes";

/// The site path of the feed of changes: its page's plus the format's
/// extension, `/changes.<ext>`. Beside `/feed.<ext>`, where no category's
/// feed (`/feeds/…`) or page reaches.
pub fn changes_path(format: Format) -> String {
    format!("{CHANGES_PAGE}.{}", format.ext())
}

/// The format of the feed of changes at `path`, if it is one: the inverse
/// of [`changes_path`].
pub fn changes_format(path: &str) -> Option<Format> {
    let ext = path.strip_prefix(CHANGES_PAGE)?.strip_prefix('.')?;
    Format::ALL.into_iter().find(|f| f.ext() == ext)
}

/// The feed of changes' title ("Articles put up, updated, withdrawn"): the one
/// title it has, in its three formats and on the pages that link it.
pub const CHANGES_TITLE: &str = "Bài viết đưa lên, cập nhật, gỡ bỏ";

/// The feed of changes' description, which names the site.
pub fn changes_description(site: &SiteConfig) -> String {
    format!(
        "{}: các bài viết vừa đưa lên, cập nhật hoặc gỡ bỏ, kể cả bài cũ, mới nhất trước",
        site.title
    )
}

/// The site path of a feed's archive of `month` (RFC 5005 §4):
/// `/archive/<YYYY-MM>.<ext>` for all articles, `/archive/<slug>/<YYYY-MM>.<ext>`
/// for a category. The last segment is always the month, so no slug collides.
pub fn archive_path(slug: Option<&str>, month: Month, format: Format) -> String {
    match slug {
        Some(s) => format!("/archive/{s}/{month}.{}", format.ext()),
        None => format!("/archive/{month}.{}", format.ext()),
    }
}

/// The site path of a tag's or author's archive of `month` (RFC 5005 §4):
/// `/tags/<slug>/<YYYY-MM>.<ext>`, `/authors/<slug>/<YYYY-MM>.<ext>`.
///
/// Under the term's own prefix, where nothing else is: `/tags/<slug>` is its
/// page and `/tags/<slug>.<ext>` its feed, and a term slug is made of
/// letters, digits and dashes only ([`crate::index::slugify`]), so no slug
/// holds the `/` (or the `.`) that would reach this path. Not under
/// `/archive/`, whose first segments are category slugs: a category named
/// `tags` would share the paths. The last segment is always the month, as in
/// [`archive_path`].
pub fn term_archive_path(kind: Kind, slug: &str, month: Month, format: Format) -> String {
    format!("/{}/{slug}/{month}.{}", kind.segment(), format.ext())
}

/// The namespace of RFC 5005's `fh:archive` element.
pub const FEED_HISTORY_NS: &str = "http://purl.org/syndication/history/1.0";

/// Where a feed document stands in its feed's history (RFC 5005 §4): the live
/// feed links to its newest archive; an archive links to the archives next to it
/// and to the live feed, and says it is one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    /// The month this document archives; `None` for the live feed.
    pub archive: Option<Month>,
    /// The next older archive (`prev-archive`; JSON Feed `next_url`): for the
    /// live feed, the newest archive.
    pub prev: Option<Month>,
    /// The next newer archive (`next-archive`); only an archive has one.
    pub next: Option<Month>,
}

/// One link of a feed document's history, in one format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLink {
    /// `prev-archive`, `next-archive` or `current` (RFC 5005 §4).
    pub rel: &'static str,
    /// The absolute URL.
    pub href: String,
}

/// The site path of an article's page.
pub fn article_path(id: &str) -> String {
    format!("/articles/{}", encode_path(id))
}

/// The site path of a category's page (the front page for all articles).
pub fn category_path(slug: Option<&str>) -> String {
    match slug {
        Some(s) => format!("/categories/{s}"),
        None => "/".to_owned(),
    }
}

/// The site path of a tag's or author's page: `/tags/<slug>`, `/authors/<slug>`.
pub fn term_path(kind: Kind, slug: &str) -> String {
    format!("/{}/{slug}", kind.segment())
}

/// The site path of a tag's or author's feed: `/tags/<slug>.<ext>`.
pub fn term_feed_path(kind: Kind, slug: &str, format: Format) -> String {
    format!("/{}/{slug}.{}", kind.segment(), format.ext())
}

/// What a taxonomy is called on its pages: `Từ khóa`, `Tác giả`.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Tag => "Từ khóa",
        Kind::Author => "Tác giả",
    }
}

/// What a tag or author is called within a sentence: `từ khóa`, `tác giả`.
pub fn kind_noun(kind: Kind) -> &'static str {
    match kind {
        Kind::Tag => "từ khóa",
        Kind::Author => "tác giả",
    }
}

/// A tag's or author's feed title, `Từ khóa: bão lũ` or `Tác giả: Trần Ngọc`:
/// the one title the feed has, in its three formats, in every page's
/// autodiscovery and links, on its page and its subscribe pages, and in
/// `/tags.opml` or `/authors.opml`. A reader names a subscription after one
/// of these, so they must agree; like a category's, it does not repeat the
/// site's title.
pub fn term_feed_title(kind: Kind, name: &str) -> String {
    format!("{}: {name}", kind_name(kind))
}

/// The site path of the page listing every tag or author: `/tags`, `/authors`
/// (its first page, when it has several: see [`terms_page_path`]).
pub fn terms_path(kind: Kind) -> String {
    format!("/{}", kind.segment())
}

/// What the last segment of a later page of the list of tags or authors
/// starts with, before its number: `trang_` ("page"). A slug is `[a-z0-9-]`,
/// so no term's page, feed or month can be `/tags/trang_2`, whatever tags
/// come; and it is a plain folder name in a static build
/// (`tags/trang_2/index.html`), with no leading `_` or `.` that site
/// generators and servers hide.
const LIST_PAGE: &str = "trang_";

/// The site path of page `number` (from 1) of the list of every tag or
/// author: the first is [`terms_path`], a later one `/tags/trang_<number>`.
pub fn terms_page_path(kind: Kind, number: usize) -> String {
    match number {
        0 | 1 => terms_path(kind),
        n => format!("/{}/{LIST_PAGE}{n}", kind.segment()),
    }
}

/// The number of the later list page whose last segment is `segment`
/// (`trang_2` → 2), as [`terms_page_path`] spells it: 2 or more, in digits
/// with no leading zero; `None` for anything else (`trang_1` is `/tags`).
pub fn terms_page_number(segment: &str) -> Option<usize> {
    let digits = segment.strip_prefix(LIST_PAGE)?;
    if digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n >= 2)
}

/// `n` as Vietnamese writes it, thousands grouped with dots: `1.000`.
pub fn vi_count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(d);
    }
    out
}

/// The site path of one month's page of a category (`None`: of all articles):
/// `/archive/<YYYY-MM>` or `/archive/<slug>/<YYYY-MM>`, the HTML twin of the
/// month's archived feeds at the same path plus `.atom`, `.rss`, `.json`.
pub fn month_path(slug: Option<&str>, month: Month) -> String {
    match slug {
        Some(s) => format!("/archive/{s}/{month}"),
        None => format!("/archive/{month}"),
    }
}

/// The site path of one month's page of a tag or author:
/// `/tags/<slug>/<YYYY-MM>`, `/authors/<slug>/<YYYY-MM>`, the HTML twin of
/// the month's archived feeds at the same path plus `.atom`, `.rss`, `.json`
/// ([`term_archive_path`]), as a category's month page is of its own. A term
/// slug holds no `/` and no `.`, so the path is neither the term's page nor
/// one of its feeds.
pub fn term_month_path(kind: Kind, slug: &str, month: Month) -> String {
    format!("/{}/{slug}/{month}", kind.segment())
}

/// The site path of the page that helps a person subscribe to the feed at
/// `feed` (a site path): `/subscribe/feeds/thoi-su.atom`.
pub fn subscribe_path(feed: &str) -> String {
    format!("/subscribe/{}", feed.trim_start_matches('/'))
}

/// The OPML list of every tag feed.
pub const TAGS_OPML: &str = "/tags.opml";

/// The OPML list of every author feed.
pub const AUTHORS_OPML: &str = "/authors.opml";

/// The OPML list of the feeds of `kind`'s terms: [`TAGS_OPML`] or [`AUTHORS_OPML`].
pub fn terms_opml(kind: Kind) -> &'static str {
    match kind {
        Kind::Tag => TAGS_OPML,
        Kind::Author => AUTHORS_OPML,
    }
}

/// The OPML list of every category feed.
pub const FEEDS_OPML: &str = "/feeds.opml";

/// A feed to render: its identity, and its items newest first.
#[derive(Debug, Clone)]
pub struct FeedView<'a> {
    /// The site.
    pub site: &'a SiteConfig,
    /// Which feed this is.
    pub of: Of<'a>,
    /// The feed title.
    pub title: String,
    /// The feed description.
    pub description: String,
    /// RSS `ttl` in minutes.
    pub ttl: u32,
    /// The items, newest first.
    pub items: &'a [Entry],
    /// The most bytes of HTML an item's content may hold (`[feeds] max_item_bytes`);
    /// see [`item_content`].
    pub max_item_bytes: usize,
    /// WebSub hubs (`[websub] hubs`), each linked with `rel="hub"` beside the
    /// feed's `rel="self"` (WebSub §4); empty when WebSub is off.
    pub hubs: &'a [String],
    /// Where this document stands in the feed's history (RFC 5005 §4).
    pub history: History,
    /// A date Atom's feed-level `updated` is no earlier than: for the feed
    /// of changes, the latest event among its articles (a late capture
    /// included, see [`crate::article::Article::last_event`]); for a document
    /// rendered on demand, the latest change among its articles as indexed,
    /// so one left out for now (see `site::archive::stand_in`) does not date
    /// it back. `None`: its items alone date it (the Unix epoch with none: a
    /// feed of an empty store).
    pub as_of: Option<DateTime<FixedOffset>>,
}

/// `view`'s document in `format`, rendered whole, once a test has checked
/// that the document [`splice`]d from its items' bytes (as a live feed is
/// served) is the same.
#[cfg(test)]
pub fn spliced_as_rendered(view: &FeedView<'_>, format: Format) -> Vec<u8> {
    let whole = document(view, format).expect("renders");
    let bytes: Vec<Vec<u8>> = view
        .items
        .iter()
        .filter(|e| has_item(e))
        .map(|e| item_bytes(view, format, e).expect("an entry renders"))
        .collect();
    let parts: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    let spliced = splice(view, format, &parts).expect("splices");
    assert_eq!(
        String::from_utf8_lossy(&spliced),
        String::from_utf8_lossy(&whole)
    );
    whole
}

#[cfg(test)]
impl<'a> FeedView<'a> {
    /// A feed of all articles titled "Tin" holding `items`, for tests of one
    /// format's rendering.
    pub fn sample(site: &'a SiteConfig, items: &'a [Entry]) -> FeedView<'a> {
        FeedView {
            site,
            of: Of::Category(None),
            title: "Tin".to_owned(),
            description: "Tin".to_owned(),
            ttl: 60,
            items,
            max_item_bytes: 1 << 20,
            hubs: &[],
            history: History::default(),
            as_of: None,
        }
    }
}

/// Which feed a [`FeedView`] is: what its URLs and its Atom id name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of<'a> {
    /// A category's, by slug; `None`: the feed of every article.
    Category(Option<&'a str>),
    /// A tag's or an author's.
    Term(TermFeed<'a>),
    /// The feed of changes: the articles with the latest events, put in the
    /// store, corrected or withdrawn ([`changes_path`]).
    Changes,
}

/// Which tag's or author's feed a [`FeedView`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermFeed<'a> {
    /// Tag or author.
    pub kind: Kind,
    /// The term's slug.
    pub slug: &'a str,
}

impl FeedView<'_> {
    /// The absolute URL of this document in `format`: the live feed's, or the
    /// archive's when it is one.
    pub fn self_url(&self, format: Format) -> String {
        match self.history.archive {
            Some(month) => self.archive_url(month, format),
            None => self.current_url(format),
        }
    }

    /// The absolute URL of the live feed in `format`.
    pub fn current_url(&self, format: Format) -> String {
        let path = match self.of {
            Of::Category(slug) => feed_path(slug, format),
            Of::Term(t) => term_feed_path(t.kind, t.slug, format),
            Of::Changes => changes_path(format),
        };
        format!("{}{path}", self.site.base_url)
    }

    /// The absolute URL of this feed's archive of `month` in `format`. The
    /// feed of changes has none (its history is empty, so nothing asks):
    /// its own URL.
    pub fn archive_url(&self, month: Month, format: Format) -> String {
        let path = match self.of {
            Of::Category(slug) => archive_path(slug, month, format),
            Of::Term(t) => term_archive_path(t.kind, t.slug, month, format),
            Of::Changes => changes_path(format),
        };
        format!("{}{path}", self.site.base_url)
    }

    /// The history links of this document in `format`: `prev-archive`, then
    /// (for an archive) `next-archive` and `current`.
    pub fn history_links(&self, format: Format) -> Vec<HistoryLink> {
        let h = &self.history;
        let prev = h.prev.map(|m| HistoryLink {
            rel: "prev-archive",
            href: self.archive_url(m, format),
        });
        let next = h.next.filter(|_| h.archive.is_some()).map(|m| HistoryLink {
            rel: "next-archive",
            href: self.archive_url(m, format),
        });
        let current = h.archive.map(|_| HistoryLink {
            rel: "current",
            href: self.current_url(format),
        });
        prev.into_iter().chain(next).chain(current).collect()
    }

    /// The absolute URL of the page this feed stands for.
    pub fn home_url(&self) -> String {
        let path = match self.of {
            Of::Category(slug) => category_path(slug),
            Of::Term(t) => term_path(t.kind, t.slug),
            Of::Changes => CHANGES_PAGE.to_owned(),
        };
        format!("{}{path}", self.site.base_url)
    }

    /// What the feed's Atom id names: `feed/<slug>` for a category (`feed/`
    /// for all articles), `tags/<slug>` or `authors/<slug>` for a term,
    /// `changes` for the feed of changes, so no two feeds share one.
    pub fn id_path(&self) -> String {
        match self.of {
            Of::Category(slug) => format!("feed/{}", slug.unwrap_or("")),
            Of::Term(t) => format!("{}/{}", t.kind.segment(), t.slug),
            Of::Changes => "changes".to_owned(),
        }
    }

    /// The absolute URL of an article's page.
    pub fn article_url(&self, a: &Article) -> String {
        format!("{}{}", self.site.base_url, article_path(&a.id))
    }

    /// A `tag:` URI (RFC 4151) that names `what` forever: `tag:<authority>:<what>`.
    pub fn tag_uri(&self, what: &str) -> String {
        format!("tag:{}:{}", self.site.tag_authority, encode_path(what))
    }

    /// What an item of this feed carries as content (see [`item_content`]);
    /// `None` for an article with none ([`has_content`]), whose item has no
    /// content element.
    pub fn item_content(&self, a: &Article) -> Option<String> {
        has_content(a).then(|| item_content(a, &self.article_url(a), self.max_item_bytes))
    }
}

/// Whether `e` has an item (an RSS item, an Atom entry, a JSON Feed item) in
/// a feed: a withdrawn article has none (Atom writes its tombstone instead).
pub fn has_item(e: &Entry) -> bool {
    e.article.withdrawn.is_none()
}

/// Why a feed or an item could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum SpliceError {
    /// The RSS writer failed.
    #[error("rss: {0}")]
    Rss(#[from] rss::Error),
    /// The Atom writer failed.
    #[error("atom: {0}")]
    Atom(#[from] atom_syndication::Error),
    /// The JSON writer failed.
    #[error("json feed: {0}")]
    Json(#[from] serde_json::Error),
    /// A writer's output was not shaped as splicing expects (a new version of
    /// the writer crate?): the place of the items in a `{0}` was not found.
    #[error("the place of the items in the {0} was not found; render the feed whole")]
    Frame(&'static str),
}

/// A whole feed document in `format`, as the writer crate writes it.
pub fn document(view: &FeedView<'_>, format: Format) -> Result<Vec<u8>, SpliceError> {
    Ok(match format {
        Format::Rss => rss_feed::render(view)?,
        Format::Atom => atom_feed::render(view)?,
        Format::Json => json_feed::render(view)?,
    })
}

/// The bytes of `e`'s item in a `format` document of any feed with `view`'s
/// site configuration (only for an entry that [`has_item`]).
pub fn item_bytes(view: &FeedView<'_>, format: Format, e: &Entry) -> Result<Vec<u8>, SpliceError> {
    match format {
        Format::Rss => rss_feed::item_bytes(view, e),
        Format::Atom => atom_feed::item_bytes(view, e),
        Format::Json => json_feed::item_bytes(view, e),
    }
}

/// The same bytes as [`document`], from `items`: the [`item_bytes`] of every
/// entry of `view` that [`has_item`], in feed order.
pub fn splice(
    view: &FeedView<'_>,
    format: Format,
    items: &[&[u8]],
) -> Result<Vec<u8>, SpliceError> {
    match format {
        Format::Rss => rss_feed::splice(view, items),
        Format::Atom => atom_feed::splice(view, items),
        Format::Json => json_feed::splice(view, items),
    }
}

/// `head`, then every item's bytes, then `tail`, in one allocation.
fn join(head: &[u8], items: &[&[u8]], tail: &[u8]) -> Vec<u8> {
    let size = head.len() + items.iter().map(|i| i.len()).sum::<usize>() + tail.len();
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(head);
    for item in items {
        out.extend_from_slice(item);
    }
    out.extend_from_slice(tail);
    out
}

/// The full article as HTML: the lead, the paragraphs, then the attribution.
/// An article page shows it whole; a feed item shows [`item_content`].
pub fn content_html(a: &Article) -> String {
    content_within(a, usize::MAX).expect("no article's HTML is over usize::MAX bytes")
}

/// The paragraphs an article's text is shown as, wherever it is shown (feed
/// items, its page): the lead, then the body, leaving out empty ones.
pub fn shown_paragraphs(a: &Article) -> impl Iterator<Item = &String> {
    std::iter::once(&a.summary)
        .chain(&a.paragraphs)
        .filter(|p| !p.is_empty())
}

/// [`content_html`] if it is at most `max` bytes, else `None`; stops reading the
/// article as soon as it is over, so a huge paragraph is never escaped for nothing.
pub fn content_within(a: &Article, max: usize) -> Option<String> {
    let mut html = String::with_capacity(
        (a.summary.len() + a.paragraphs.iter().map(|p| p.len() + 8).sum::<usize>() + 64).min(max),
    );
    for p in shown_paragraphs(a) {
        // Escaping never shortens text: a paragraph that does not fit raw does not fit.
        if html.len().saturating_add(p.len()) > max {
            return None;
        }
        html.push_str("<p>");
        html.push_str(&html_escape::encode_text(p));
        html.push_str("</p>\n");
    }
    attribution(&mut html, a);
    (html.len() <= max).then_some(html)
}

/// What a feed item carries as content: the whole article as HTML when that is at
/// most `max` bytes; else the lead as the summary shows it, a link to the article
/// page (which always shows the whole article), and the attribution. So a feed is
/// at most its item count times (`max` + the summary and header limits) whatever
/// the store holds.
pub fn item_content(a: &Article, url: &str, max: usize) -> String {
    if let Some(html) = content_within(a, max) {
        return html;
    }
    let mut html = String::new();
    let lead = summary(a);
    if !lead.is_empty() {
        html.push_str("<p>");
        html.push_str(&html_escape::encode_text(&lead));
        html.push_str("</p>\n");
    }
    html.push_str("<p>Đọc toàn bài tại: <a href=\"");
    html.push_str(&html_escape::encode_double_quoted_attribute(url));
    html.push_str("\">");
    html.push_str(&html_escape::encode_text(url));
    html.push_str("</a></p>\n");
    attribution(&mut html, a);
    html
}

/// The lead as a feed item's summary: cut to [`article::limits::SUMMARY`] bytes,
/// at a word boundary (the content keeps it whole).
pub fn summary(a: &Article) -> Cow<'_, str> {
    article::cut(&a.summary, article::limits::SUMMARY)
}

/// What a feed item gives as its summary (RSS `description`, Atom
/// `summary`, JSON Feed `summary`): the lead as [`summary`] cuts it, or the
/// title for an article with no lead (a title alone, or a title with only an
/// author or source line).
///
/// So every item has text to show: a reader shows an item's summary where
/// it has no content (and in its list, where it shows a snippet), a title
/// with no body is a notice whose headline is the whole of it, and an empty
/// pane reads as a broken feed. Validators ask for it too: an Atom entry
/// with neither content nor summary is "missing textual content", and an
/// RSS item with `content:encoded` should have a `description` before it.
pub fn item_summary(a: &Article) -> Cow<'_, str> {
    if a.summary.is_empty() {
        Cow::Borrowed(&a.title)
    } else {
        summary(a)
    }
}

/// Whether an article has content for a feed item: a lead, a body, an
/// author or a source ([`item_content`] is empty exactly when it has none).
/// An article with none, a title alone, gets no content element in its
/// item rather than an empty one (which validators warn about, and which
/// readers show as a blank article): its summary, the title
/// ([`item_summary`]), is what readers show instead.
pub fn has_content(a: &Article) -> bool {
    shown_paragraphs(a).next().is_some() || a.author.is_some() || a.source.is_some()
}

/// The author and source lines that end an article's HTML.
fn attribution(html: &mut String, a: &Article) {
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
}

/// The categories an item is filed under: each breadcrumb element, then each tag.
pub fn item_categories(a: &Article) -> impl Iterator<Item = &str> {
    a.categories.iter().chain(&a.tags).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(lead: &str, paragraphs: &[&str]) -> Article {
        let text = format!(
            "Tiêu đề\n10/05/2020 15:33\n{lead}\n\n{}\n\nTác giả: Trần Ngọc\n",
            paragraphs.join("\n\n")
        );
        let src = article::Source {
            id: "a/b",
            folder: None,
            modified: None,
            tz: chrono_tz::Asia::Ho_Chi_Minh,
        };
        article::parse(&text, &src).unwrap().article
    }

    #[test]
    fn an_item_carries_the_whole_article_up_to_the_cap() {
        let a = article("Dẫn <1> & 2.", &["Một.", "Hai."]);
        let whole = content_html(&a);
        assert_eq!(
            whole,
            "<p>Dẫn &lt;1&gt; &amp; 2.</p>\n<p>Một.</p>\n<p>Hai.</p>\n<p>Tác giả: Trần Ngọc</p>\n"
        );
        assert_eq!(item_content(&a, "http://x/a/b", whole.len()), whole);
        assert_eq!(content_within(&a, whole.len() - 1), None);
    }

    #[test]
    fn a_longer_article_becomes_its_lead_and_a_link() {
        let body = "Chữ rất dài. ".repeat(1000);
        let a = article("Dẫn & mở đầu.", &[&body, "Cuối."]);
        let item = item_content(&a, "http://x/articles/a?b&c", 1024);
        assert_eq!(
            item,
            "<p>Dẫn &amp; mở đầu.</p>\n<p>Đọc toàn bài tại: <a href=\"http://x/articles/a?b&amp;c\">\
             http://x/articles/a?b&amp;c</a></p>\n<p>Tác giả: Trần Ngọc</p>\n"
        );
        // A lead over the summary limit is cut at a word in both places.
        let long = "Đoạn dẫn rất dài ".repeat(400);
        let a = article(&long, &[]);
        let s = summary(&a);
        assert!(
            s.len() <= article::limits::SUMMARY && s.ends_with('…'),
            "{s}"
        );
        let item = item_content(&a, "http://x/", 1024);
        assert!(item.starts_with(&format!("<p>{s}</p>\n<p>Đọc toàn bài tại:")));
    }

    /// An article that is a title alone, and one with only an author line
    /// after its title, in every format: no empty content element, and the
    /// title as the summary (RSS `description` before `content:encoded`).
    #[test]
    fn a_title_alone_has_no_empty_content_and_its_title_as_summary() {
        use std::sync::Arc;
        let at = chrono::DateTime::parse_from_rfc3339("2020-05-10T15:33:00+07:00")
            .expect("a valid date");
        let title = "Lịch nghỉ lễ <30/4> & 1/5";
        let alone = Article::sample("tin/a", &["Tin"], title, at);
        let mut signed = Article::sample("tin/b", &["Tin"], "Chỉ có tác giả", at);
        signed.author = Some("Trần Ngọc".to_owned());
        let items = [
            Entry::full(Arc::new(alone), None),
            Entry::full(Arc::new(signed), None),
        ];
        let site = SiteConfig::default();
        let view = FeedView::sample(&site, &items);
        let signed_html = "<p>Tác giả: Trần Ngọc</p>\n";

        let rss = spliced_as_rendered(&view, Format::Rss);
        let channel = rss::Channel::read_from(&rss[..]).expect("RSS reads back");
        let (a, b) = (&channel.items[0], &channel.items[1]);
        assert_eq!(a.content, None);
        let escaped = html_escape::encode_text(title).into_owned();
        assert_eq!(a.description.as_deref(), Some(escaped.as_str()));
        assert_eq!(b.description.as_deref(), Some("Chỉ có tác giả"));
        // The crate trims the text it reads back.
        assert_eq!(b.content.as_deref(), Some(signed_html.trim_end()));
        let text = String::from_utf8_lossy(&rss);
        let item_b = &text[text.find("<item><title>Chỉ có").expect("item b")..];
        assert!(
            item_b.find("<description>") < item_b.find("<content:encoded>"),
            "{text}"
        );
        // A feed of titles alone uses no `content:` element, and declares
        // no namespace for it, rendered or spliced alike.
        let alone_only = spliced_as_rendered(&FeedView::sample(&site, &items[..1]), Format::Rss);
        assert!(!String::from_utf8_lossy(&alone_only).contains("content"));

        let atom = spliced_as_rendered(&view, Format::Atom);
        let feed = atom_syndication::Feed::read_from(&atom[..]).expect("Atom reads back");
        let (a, b) = (&feed.entries[0], &feed.entries[1]);
        assert_eq!(a.content, None);
        assert_eq!(a.summary.as_ref().map(|s| s.value.as_str()), Some(title));
        assert_eq!(
            b.summary.as_ref().map(|s| s.value.as_str()),
            Some("Chỉ có tác giả")
        );
        let content = b.content.as_ref().and_then(|c| c.value.as_deref());
        assert_eq!(content, Some(signed_html));

        let json = spliced_as_rendered(&view, Format::Json);
        let doc: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
        let (a, b) = (&doc["items"][0], &doc["items"][1]);
        assert_eq!(a.get("content_html"), None);
        assert_eq!(a["content_text"], title);
        assert_eq!(a["summary"], title);
        assert_eq!(b["content_html"], signed_html);
        assert_eq!(b.get("content_text"), None);
        assert_eq!(b["summary"], "Chỉ có tác giả");
    }

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

    #[test]
    fn a_later_list_page_has_a_path_no_slug_can_take() {
        assert_eq!(terms_page_path(Kind::Tag, 1), "/tags");
        assert_eq!(terms_page_path(Kind::Author, 2), "/authors/trang_2");
        assert_eq!(terms_page_path(Kind::Tag, 113), "/tags/trang_113");
        for n in [2, 9, 10, 113, 100_000] {
            let path = terms_page_path(Kind::Tag, n);
            let segment = path.strip_prefix("/tags/").unwrap();
            assert_eq!(terms_page_number(segment), Some(n), "{path}");
            // A slug folds every name to `[a-z0-9-]`: none is this segment,
            // however the tag is written.
            assert!(segment.contains('_'));
            for name in [segment, "trang 2", "Trang_2", "trang-2"] {
                assert_ne!(crate::index::slugify(name), segment, "{name}");
            }
        }
        // One spelling per page: no page 1 or 0 beside `/tags`, no leading
        // zero, sign or space, no slug-like `trang-2`.
        for other in [
            "trang_1", "trang_0", "trang_02", "trang_+2", "trang_ 2", "trang_", "trang_2a",
            "trang-2", "trang2", "Trang_2", "2",
        ] {
            assert_eq!(terms_page_number(other), None, "{other}");
        }
    }

    #[test]
    fn counts_are_grouped_as_vietnamese_writes_them() {
        for (n, s) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1000, "1.000"),
            (112_066, "112.066"),
            (1_234_567, "1.234.567"),
        ] {
            assert_eq!(vi_count(n), s);
        }
    }
}
