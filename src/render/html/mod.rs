//! The HTML page shell every page shares: `lang`, viewport, one inline style
//! sheet, feed autodiscovery, the header with the site's navigation, `main`
//! and the footer. No JavaScript, no external resources.
//!
//! The pages themselves are in [`pages`], the error pages in [`errors`].
//! Every piece of text or attribute taken from the store or the config is
//! escaped here with `html_escape` as it is written.

pub mod errors;
pub mod pages;

use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{article_path, subscribe_path, terms_path, Format, FEEDS_OPML};
use crate::config::SiteConfig;
use crate::index::Entry;
use crate::taxonomy::Kind;
use crate::timestamp::rfc3339;
use chrono::{DateTime, FixedOffset};

pub use pages::{
    article_page, category_page, changes_page, front_page, month_page, opml_page, subscribe_page,
    term_page, terms_page, ArticleLinks, CategoryPage, FeedTitles, Filed, MonthOf, MonthPage,
    Newest, Opml, Subscription, TagLink, TermsPage,
};

/// One style sheet, inline: readable from 360 px phones to desktops (a
/// measure of about 46 characters' width, long words and URLs wrap). The
/// skip link sits above the top edge until it has focus.
const STYLE: &str = "body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#1a1a1a;background:#fff;overflow-wrap:anywhere}a{color:#0b57d0}header{border-bottom:1px solid #ddd;margin-bottom:1rem}header p{margin:.2rem 0;font-weight:bold}header nav a{margin-right:.5rem;display:inline-block}nav ul,main ul{padding-left:1.2rem}.feeds a{margin-right:.25rem;font-size:.9em}time{color:#555}.crumbs{font-size:.95em}footer{border-top:1px solid #ddd;margin-top:2rem;font-size:.9em;color:#555}code{background:#f3f3f3;padding:.1rem .3rem}.skip{position:absolute;top:-4rem;left:.5rem;padding:.3rem .6rem;background:#fff;border:2px solid #0b57d0}.skip:focus{top:.5rem}";

/// A feed offered in `<link rel="alternate">` autodiscovery (RFC 4287 §7.1's
/// feed discovery as browsers and readers implement it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternate {
    /// The feed's title.
    pub title: String,
    /// The feed's site path.
    pub path: String,
    /// Its format.
    pub format: Format,
}

/// The three formats of one feed, as autodiscovery links titled `title`,
/// RSS first.
pub fn alternates(title: &str, path_of: impl Fn(Format) -> String) -> Vec<Alternate> {
    alternates_from(Format::Rss, title, path_of)
}

/// The three formats of one feed as [`alternates`] gives them, `first`
/// first and the others after in their usual order: a subscribe page shown
/// for one format offers that one first, since a reader given the page
/// subscribes to the first `<link rel="alternate">` it finds.
pub fn alternates_from(
    first: Format,
    title: &str,
    path_of: impl Fn(Format) -> String,
) -> Vec<Alternate> {
    std::iter::once(first)
        .chain(Format::ALL.into_iter().filter(|f| *f != first))
        .map(|format| Alternate {
            title: title.to_owned(),
            path: path_of(format),
            format,
        })
        .collect()
}

/// The media type autodiscovery names (without parameters).
fn discovery_type(format: Format) -> &'static str {
    match format {
        Format::Rss => "application/rss+xml",
        Format::Atom => "application/atom+xml",
        Format::Json => "application/feed+json",
    }
}

/// Whether search engines may list a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Robots {
    /// Listed (no `robots` meta: the default).
    Index,
    /// `<meta name="robots" content="noindex">`: a page made from a template
    /// for every feed and format (a subscribe page), which a search would
    /// list by the hundred; its links are still followed.
    NoIndex,
}

/// What a page's head holds besides what every page has.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Head<'a> {
    /// Its title, before the site's.
    pub title: &'a str,
    /// Its site path, written absolute as `<link rel="canonical">`: the one
    /// URL search engines and share buttons give it, however it was reached
    /// (`/?x=1`, `/categories/kinh-te?page=2` answer with the same page).
    /// `None` for a page with no address of its own (a 404).
    pub canonical: Option<&'a str>,
    /// The feeds it offers to autodiscovery, in order.
    pub feeds: &'a [Alternate],
    /// Whether search engines may list it.
    pub robots: Robots,
}

impl<'a> Head<'a> {
    /// The head of a page at `path` that search engines may list.
    pub(crate) fn at(path: &'a str, title: &'a str, feeds: &'a [Alternate]) -> Head<'a> {
        Head {
            title,
            canonical: Some(path),
            feeds,
            robots: Robots::Index,
        }
    }

    /// The head of a page at `path` kept out of search results
    /// ([`Robots::NoIndex`]).
    pub(crate) fn unlisted(path: &'a str, title: &'a str, feeds: &'a [Alternate]) -> Head<'a> {
        Head {
            robots: Robots::NoIndex,
            ..Head::at(path, title, feeds)
        }
    }
}

/// The `id` of `<main>`, where the skip link leads.
const MAIN_ID: &str = "noi-dung";

/// Opens a page: the head (title, style, canonical link, autodiscovery, and
/// `robots` as asked), the skip link, the header with the site's navigation,
/// and `<main>`. [`close`] ends it.
pub(crate) fn open(out: &mut String, site: &SiteConfig, head: &Head<'_>) {
    let title = head.title;
    let full_title = if title == site.title {
        title.to_owned()
    } else {
        format!("{title} · {}", site.title)
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>{STYLE}</style>\n",
        lang = attr(&site.language),
        title = text(&full_title),
    );
    if let Some(path) = head.canonical {
        let _ = writeln!(
            out,
            "<link rel=\"canonical\" href=\"{}\">",
            attr(&format!("{}{path}", site.base_url))
        );
    }
    if head.robots == Robots::NoIndex {
        out.push_str("<meta name=\"robots\" content=\"noindex\">\n");
    }
    for f in head.feeds {
        let _ = writeln!(
            out,
            "<link rel=\"alternate\" type=\"{kind}\" title=\"{t} ({ext})\" href=\"{href}\">",
            kind = discovery_type(f.format),
            t = attr(&f.title),
            ext = format_name(f.format),
            href = attr(&format!("{}{}", site.base_url, f.path)),
        );
    }
    // The skip link comes first in the body, so it is the first thing a
    // keyboard reaches; the style sheet shows it only while it has focus.
    let _ = write!(
        out,
        "</head>\n<body>\n<a class=\"skip\" href=\"#{MAIN_ID}\">Bỏ qua, đến nội dung chính</a>\n<header>\n<p><a href=\"/\">{name}</a></p>\n<nav aria-label=\"Điều hướng chính\"><a href=\"/\">Trang nhất</a> <a href=\"{tags}\">Từ khóa</a> <a href=\"{authors}\">Tác giả</a> <a href=\"{opml}\">Danh sách nguồn tin (OPML)</a></nav>\n</header>\n<main id=\"{MAIN_ID}\">\n",
        name = text(&site.title),
        tags = terms_path(Kind::Tag),
        authors = terms_path(Kind::Author),
        opml = subscribe_path(FEEDS_OPML),
    );
}

/// Closes a page opened with [`open`].
pub(crate) fn close(mut out: String, site: &SiteConfig) -> Vec<u8> {
    let _ = write!(
        out,
        "</main>\n<footer><p>{} · <a href=\"/\">Trang nhất</a></p></footer>\n</body>\n</html>\n",
        text(&site.title)
    );
    out.into_bytes()
}

/// A format as people call it: RSS and JSON are acronyms, Atom is a name.
pub(crate) fn format_name(format: Format) -> &'static str {
    match format {
        Format::Rss => "RSS",
        Format::Atom => "Atom",
        Format::Json => "JSON",
    }
}

/// A field from the store (a title, a name, a source, a reason) written
/// escaped inside `<bdi>`, for wherever other text surrounds it: right-to-left
/// letters in it (`Đại sứ Israel שלום`), or a U+202E … U+202C span, would
/// otherwise reorder the text around it, pulling a following date inside a
/// title or swapping two tags of a list (Unicode Bidirectional Algorithm,
/// UAX #9; `<bdi>` is the isolate HTML has for text of unknown direction).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Isolated<'a>(pub &'a str);

impl std::fmt::Display for Isolated<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<bdi>{}</bdi>", text(self.0))
    }
}

/// A date as every page shows it: a `<time>` holding its RFC 3339 instant,
/// showing the day and minute as Vietnamese write them (`12/05/2020 10:00`),
/// in the date's own offset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Time<'a>(pub &'a DateTime<FixedOffset>);

impl std::fmt::Display for Time<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.0;
        write!(
            f,
            "<time datetime=\"{}\">{}</time>",
            rfc3339(at),
            at.format("%d/%m/%Y %H:%M")
        )
    }
}

/// "Theo dõi: RSS Atom JSON", each leading to the feed's subscribe page
/// (which links the feed itself), so no feed link drops a person into raw
/// XML; `whose` names what the feed follows (see [`labelled_links`]).
pub(crate) fn feed_links(out: &mut String, whose: &str, path_of: impl Fn(Format) -> String) {
    labelled_links(out, "Theo dõi: ", whose, path_of);
}

/// `label`, HTML its caller escaped (with any store field in it
/// [`Isolated`]), then the three formats of a feed, each leading to its
/// subscribe page, as [`feed_links`] does. The links are apart in the text
/// (a space, not only the style's margins), so a reader view, a text
/// browser or a copy does not run them together as `RSSAtomJSON`; and each
/// is named for what it follows (`RSS: Kinh tế`, from the plain text
/// `whose`), since a page lists many links that read `RSS` and a screen
/// reader's list of links shows each by its name alone.
pub(crate) fn labelled_links(
    out: &mut String,
    label: &str,
    whose: &str,
    path_of: impl Fn(Format) -> String,
) {
    let _ = write!(out, "<span class=\"feeds\">{label}");
    for (i, f) in Format::ALL.into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(
            out,
            "<a href=\"{}\" aria-label=\"{name}: {}\">{name}</a>",
            attr(&subscribe_path(&path_of(f))),
            attr(whose),
            name = format_name(f)
        );
    }
    out.push_str("</span>");
}

/// What a list of articles does with a withdrawn one, whose page is a 410
/// notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Withdrawn {
    /// Leaves it out: the newest articles of a page are news to read.
    Skip,
    /// Lists it, marked as withdrawn: a month page is the complete record of
    /// what was published, and its link leads to the notice.
    Mark,
}

/// A list of articles, newest first, each linked with its date; nothing
/// when none is shown (an empty `<ul>` is announced as "list, 0 items").
/// Returns how many it shows.
pub(crate) fn article_list(out: &mut String, entries: &[Entry], withdrawn: Withdrawn) -> usize {
    let shown: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.article.withdrawn.is_none() || withdrawn == Withdrawn::Mark)
        .collect();
    if shown.is_empty() {
        return 0;
    }
    out.push_str("<ul>\n");
    for e in &shown {
        let a = &e.article;
        let _ = writeln!(
            out,
            "<li><a href=\"{href}\">{title}</a> {published}{mark}</li>",
            href = attr(&article_path(&a.id)),
            title = Isolated(&a.title),
            published = Time(&a.published),
            mark = if a.withdrawn.is_some() {
                " (đã gỡ bỏ)"
            } else {
                ""
            },
        );
    }
    out.push_str("</ul>\n");
    shown.len()
}
