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

pub use pages::{
    article_page, category_heading, category_page, front_page, month_page, opml_page,
    subscribe_page, term_page, terms_page, ArticleLinks, Filed, MonthOf, MonthPage, Opml,
    Subscription, TagLink, TermsPage,
};

/// One style sheet, inline: readable from 360 px phones to desktops (a
/// measure of about 46 characters' width, long words and URLs wrap).
const STYLE: &str = "body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#1a1a1a;background:#fff;overflow-wrap:anywhere}a{color:#0b57d0}header{border-bottom:1px solid #ddd;margin-bottom:1rem}header p{margin:.2rem 0;font-weight:bold}header nav a{margin-right:.8rem;display:inline-block}nav ul,main ul{padding-left:1.2rem}.feeds a{margin-right:.5rem;font-size:.9em}time{color:#555}.crumbs{font-size:.95em}footer{border-top:1px solid #ddd;margin-top:2rem;font-size:.9em;color:#555}code{background:#f3f3f3;padding:.1rem .3rem}";

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

/// The three formats of one feed, as autodiscovery links titled `title`.
pub fn alternates(title: &str, path_of: impl Fn(Format) -> String) -> Vec<Alternate> {
    Format::ALL
        .into_iter()
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

/// Opens a page search engines may list: see [`open_for`].
pub(crate) fn open(out: &mut String, site: &SiteConfig, title: &str, feeds: &[Alternate]) {
    open_for(out, site, title, feeds, Robots::Index);
}

/// Opens a page: the head (title, style, autodiscovery, and `robots` as
/// asked), the header with the site's navigation, and `<main>`. [`close`]
/// ends it.
pub(crate) fn open_for(
    out: &mut String,
    site: &SiteConfig,
    title: &str,
    feeds: &[Alternate],
    robots: Robots,
) {
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
    if robots == Robots::NoIndex {
        out.push_str("<meta name=\"robots\" content=\"noindex\">\n");
    }
    for f in feeds {
        let _ = writeln!(
            out,
            "<link rel=\"alternate\" type=\"{kind}\" title=\"{t} ({ext})\" href=\"{href}\">",
            kind = discovery_type(f.format),
            t = attr(&f.title),
            ext = format_name(f.format),
            href = attr(&format!("{}{}", site.base_url, f.path)),
        );
    }
    let _ = write!(
        out,
        "</head>\n<body>\n<header>\n<p><a href=\"/\">{name}</a></p>\n<nav aria-label=\"Điều hướng chính\"><a href=\"/\">Trang nhất</a><a href=\"{tags}\">Từ khóa</a><a href=\"{authors}\">Tác giả</a><a href=\"{opml}\">OPML</a></nav>\n</header>\n<main>\n",
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

/// "Theo dõi: RSS Atom JSON", each leading to the feed's subscribe page
/// (which links the feed itself), so no feed link drops a person into raw XML.
pub(crate) fn feed_links(out: &mut String, path_of: impl Fn(Format) -> String) {
    labelled_links(out, "Theo dõi: ", path_of);
}

/// `label` (escaped), then the three formats of a feed, each leading to its
/// subscribe page, as [`feed_links`] does.
pub(crate) fn labelled_links(out: &mut String, label: &str, path_of: impl Fn(Format) -> String) {
    let _ = write!(out, "<span class=\"feeds\">{}", text(label));
    for f in Format::ALL {
        let _ = write!(
            out,
            "<a href=\"{}\">{}</a>",
            attr(&subscribe_path(&path_of(f))),
            format_name(f)
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

/// A list of articles, newest first, each linked with its date.
pub(crate) fn article_list(out: &mut String, entries: &[Entry], withdrawn: Withdrawn) {
    out.push_str("<ul>\n");
    for e in entries {
        let a = &e.article;
        let gone = a.withdrawn.is_some();
        if gone && withdrawn == Withdrawn::Skip {
            continue;
        }
        let _ = writeln!(
            out,
            "<li><a href=\"{href}\">{title}</a> <time datetime=\"{dt}\">{shown}</time>{mark}</li>",
            href = attr(&article_path(&a.id)),
            title = text(&a.title),
            dt = rfc3339(&a.published),
            shown = a.published.format("%d/%m/%Y %H:%M"),
            mark = if gone { " (đã gỡ bỏ)" } else { "" },
        );
    }
    out.push_str("</ul>\n");
}
