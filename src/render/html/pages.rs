//! The pages a visitor browses: the front page, category pages, month pages,
//! tag and author pages with their index pages, article pages and the
//! subscribe page of each feed.

use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{alternates, article_list, close, feed_links, open, Alternate, Withdrawn};
use crate::article::Article;
use crate::config::SiteConfig;
use crate::history::{Month, Neighbours};
use crate::index::{Entry, Index};
use crate::render::{
    archive_path, article_path, category_path, content_html, feed_path, month_path, term_feed_path,
    term_path, terms_path, Format, TAGS_OPML,
};
use crate::taxonomy::{Kind, Term};
use crate::timestamp::rfc3339;

/// "Tháng 3/2024".
fn month_name(m: Month) -> String {
    format!("Tháng {}/{}", m.month, m.year)
}

/// The months of a feed as links to their pages, newest first.
fn month_list(out: &mut String, slug: Option<&str>, months: &[Month]) {
    if months.is_empty() {
        return;
    }
    out.push_str(
        "<section aria-labelledby=\"luu-tru\"><h2 id=\"luu-tru\">Lưu trữ theo tháng</h2>\n<ul>\n",
    );
    for m in months {
        let _ = writeln!(
            out,
            "<li><a href=\"{}\">{}</a></li>",
            attr(&month_path(slug, *m)),
            month_name(*m)
        );
    }
    out.push_str("</ul>\n</section>\n");
}

fn category_tree(out: &mut String, index: &Index, slug: &str) {
    let Some(cat) = index.categories().get(slug) else {
        return;
    };
    let _ = write!(
        out,
        "<li><a href=\"{href}\">{name}</a> ",
        href = attr(&category_path(Some(slug))),
        name = text(&cat.name)
    );
    feed_links(out, |f| feed_path(Some(slug), f));
    if !cat.children.is_empty() {
        out.push_str("\n<ul>\n");
        for child in &cat.children {
            category_tree(out, index, child);
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</li>\n");
}

/// The front page: every category with its feeds, the newest articles, and
/// the months of the whole history.
pub fn front_page(site: &SiteConfig, index: &Index, newest: &[Entry], months: &[Month]) -> Vec<u8> {
    let mut out = String::new();
    open(
        &mut out,
        site,
        &site.title,
        &alternates(&site.title, |f| feed_path(None, f)),
    );
    let _ = write!(
        out,
        "<h1>{}</h1>\n<p>{}</p>\n<p>Tất cả bài viết: ",
        text(&site.title),
        text(&site.description)
    );
    feed_links(&mut out, |f| feed_path(None, f));
    let _ = write!(
        out,
        " · <a href=\"/feeds.opml\">OPML chuyên mục</a> · <a href=\"{TAGS_OPML}\">OPML từ khóa</a></p>\n<nav aria-labelledby=\"muc\"><h2 id=\"muc\">Chuyên mục</h2>\n<ul>\n"
    );
    for root in index.roots() {
        category_tree(&mut out, index, &root.slug);
    }
    out.push_str("</ul>\n</nav>\n<section aria-labelledby=\"moi\"><h2 id=\"moi\">Tin mới</h2>\n");
    article_list(&mut out, newest, Withdrawn::Skip);
    out.push_str("</section>\n");
    month_list(&mut out, None, months);
    close(out, site)
}

/// The breadcrumb of a category: the front page, then each ancestor and the
/// category itself, linked to their pages.
fn breadcrumb(out: &mut String, index: &Index, slug: Option<&str>) {
    let mut chain = Vec::new();
    let mut next = slug;
    while let Some(s) = next {
        let Some(c) = index.categories().get(s) else {
            break;
        };
        chain.push(c);
        next = c.parent.as_deref();
    }
    out.push_str("<nav class=\"crumbs\" aria-label=\"Chuyên mục\"><a href=\"/\">Trang nhất</a>");
    for c in chain.iter().rev() {
        let _ = write!(
            out,
            " » <a href=\"{}\">{}</a>",
            attr(&category_path(Some(&c.slug))),
            text(&c.name)
        );
    }
    out.push_str("</nav>\n");
}

/// A category's page: its newest articles, its subcategories, its feeds and
/// the months of its history.
pub fn category_page(
    site: &SiteConfig,
    index: &Index,
    slug: &str,
    title: &str,
    newest: &[Entry],
    months: &[Month],
) -> Vec<u8> {
    let mut out = String::new();
    let name = index
        .categories()
        .get(slug)
        .map_or(title, |c| c.name.as_str());
    open(
        &mut out,
        site,
        name,
        &alternates(title, |f| feed_path(Some(slug), f)),
    );
    breadcrumb(&mut out, index, Some(slug));
    let _ = write!(out, "<h1>{}</h1>\n<p>", text(name));
    feed_links(&mut out, |f| feed_path(Some(slug), f));
    out.push_str("</p>\n");
    if let Some(cat) = index.categories().get(slug) {
        if !cat.children.is_empty() {
            out.push_str("<nav aria-labelledby=\"con\"><h2 id=\"con\">Chuyên mục con</h2>\n<ul>\n");
            for child in cat
                .children
                .iter()
                .filter_map(|c| index.categories().get(c))
            {
                let _ = write!(
                    out,
                    "<li><a href=\"{}\">{}</a> ",
                    attr(&category_path(Some(&child.slug))),
                    text(&child.name)
                );
                feed_links(&mut out, |f| feed_path(Some(&child.slug), f));
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n</nav>\n");
        }
    }
    out.push_str("<section aria-labelledby=\"moi\"><h2 id=\"moi\">Tin mới</h2>\n");
    article_list(&mut out, newest, Withdrawn::Skip);
    out.push_str("</section>\n");
    month_list(&mut out, Some(slug), months);
    close(out, site)
}

/// One month of a category (`slug`; `None`: of all articles): every article
/// of it, newest first (withdrawn ones marked), with links to the months
/// before and after and to the month's archived feeds.
pub fn month_page(
    site: &SiteConfig,
    index: &Index,
    slug: Option<&str>,
    name: &str,
    month: Month,
    entries: &[Entry],
    around: Neighbours,
) -> Vec<u8> {
    let mut out = String::new();
    let heading = format!("{name}: {}", month_name(month).to_lowercase());
    open(
        &mut out,
        site,
        &heading,
        &alternates(name, |f| feed_path(slug, f)),
    );
    breadcrumb(&mut out, index, slug);
    let _ = writeln!(out, "<h1>{}</h1>", text(&heading));
    month_pager(&mut out, slug, around);
    out.push_str("<p>Lưu trữ tháng này: ");
    feed_links(&mut out, |f| archive_path(slug, month, f));
    out.push_str("</p>\n");
    article_list(&mut out, entries, Withdrawn::Mark);
    month_pager(&mut out, slug, around);
    close(out, site)
}

/// Links to the newer and older months that have articles.
fn month_pager(out: &mut String, slug: Option<&str>, around: Neighbours) {
    out.push_str("<nav class=\"pager\" aria-label=\"Tháng\">");
    if let Some(m) = around.newer {
        let _ = write!(
            out,
            "<a rel=\"next\" href=\"{}\">« {}</a> ",
            attr(&month_path(slug, m)),
            month_name(m)
        );
    }
    let _ = write!(
        out,
        "<a href=\"{}\">Mới nhất</a>",
        attr(&category_path(slug))
    );
    if let Some(m) = around.older {
        let _ = write!(
            out,
            " <a rel=\"prev\" href=\"{}\">{} »</a>",
            attr(&month_path(slug, m)),
            month_name(m)
        );
    }
    out.push_str("</nav>\n");
}

/// What a taxonomy is called on its pages.
fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Tag => "Từ khóa",
        Kind::Author => "Tác giả",
    }
}

/// A tag's or author's page: how many articles it lists (withdrawn ones are
/// not counted), the newest of them (`newest`) and its feeds.
pub fn term_page(site: &SiteConfig, kind: Kind, term: &Term, newest: &[Entry]) -> Vec<u8> {
    let mut out = String::new();
    let heading = format!("{}: {}", kind_name(kind), term.name);
    open(
        &mut out,
        site,
        &heading,
        &alternates(&heading, |f| term_feed_path(kind, &term.slug, f)),
    );
    let _ = write!(
        out,
        "<nav class=\"crumbs\" aria-label=\"Vị trí\"><a href=\"/\">Trang nhất</a> » <a href=\"{}\">{}</a></nav>\n<h1>{}</h1>\n<p>",
        attr(&terms_path(kind)),
        kind_name(kind),
        text(&heading)
    );
    feed_links(&mut out, |f| term_feed_path(kind, &term.slug, f));
    let total = term.listed();
    let _ = writeln!(out, "</p>\n<p>{total} bài viết.</p>");
    if newest.len() < total {
        let _ = writeln!(
            out,
            "<p>Đây là {} bài mới nhất; các bài cũ hơn có trong lưu trữ theo tháng của từng chuyên mục.</p>",
            newest.len()
        );
    }
    article_list(&mut out, newest, Withdrawn::Skip);
    close(out, site)
}

/// Every tag or author of `terms`, by name, with how many listed (not
/// withdrawn) articles each has.
pub fn terms_page(site: &SiteConfig, kind: Kind, terms: &[&Term]) -> Vec<u8> {
    let mut out = String::new();
    let heading = match kind {
        Kind::Tag => "Tất cả từ khóa",
        Kind::Author => "Tất cả tác giả",
    };
    open(&mut out, site, heading, &[]);
    let _ = writeln!(out, "<h1>{heading}</h1>");
    if kind == Kind::Tag {
        let _ = writeln!(
            out,
            "<p>Theo dõi mọi từ khóa cùng lúc: <a href=\"{TAGS_OPML}\">danh sách OPML</a>.</p>"
        );
    }
    out.push_str("<ul>\n");
    for t in terms {
        let _ = writeln!(
            out,
            "<li><a href=\"{}\">{}</a> ({})</li>",
            attr(&term_path(kind, &t.slug)),
            text(&t.name),
            t.listed()
        );
    }
    out.push_str("</ul>\n");
    close(out, site)
}

/// What an article page links besides the article itself: where it is filed
/// and what is next to it.
#[derive(Debug, Clone, Default)]
pub struct ArticleLinks<'a> {
    /// Its category (the breadcrumb's leaf), if the index has one.
    pub category: Option<&'a str>,
    /// Each tag's name with its slug.
    pub tags: Vec<(&'a str, &'a str)>,
    /// The author's slug.
    pub author: Option<&'a str>,
    /// The article before it in its category.
    pub older: Option<&'a Article>,
    /// The article after it in its category.
    pub newer: Option<&'a Article>,
}

/// The source as a link when it names a web address (`Dienbien.gov.vn`,
/// `https://…`); else `None` and it is shown as text.
fn source_url(source: &str) -> Option<String> {
    let s = source.trim();
    if (s.starts_with("https://") || s.starts_with("http://")) && !s.contains(char::is_whitespace) {
        return Some(s.to_owned());
    }
    let host_like = s.contains('.')
        && !s.starts_with('.')
        && !s.ends_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && s.rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    host_like.then(|| format!("https://{}/", s.to_ascii_lowercase()))
}

/// One article's page: the link target of every feed item.
pub fn article_page(
    site: &SiteConfig,
    index: &Index,
    a: &Article,
    links: &ArticleLinks<'_>,
) -> Vec<u8> {
    let mut out = String::new();
    let mut feeds = alternates(&site.title, |f| feed_path(None, f));
    if let Some(slug) = links.category {
        let name = index
            .categories()
            .get(slug)
            .map_or(slug, |c| c.name.as_str());
        feeds.extend(alternates(name, |f| feed_path(Some(slug), f)));
    }
    for (name, slug) in &links.tags {
        let title = format!("Từ khóa: {name}");
        feeds.extend(alternates(&title, |f| term_feed_path(Kind::Tag, slug, f)));
    }
    // Autodiscovery offers Atom for each tag (RSS and JSON are on its page),
    // so a reader's list stays short; the site and category feeds in all three.
    feeds.retain(|f: &Alternate| !f.path.starts_with("/tags/") || f.format == Format::Atom);
    open(&mut out, site, &a.title, &feeds);
    breadcrumb(&mut out, index, links.category);
    let _ = write!(
        out,
        "<article>\n<h1>{title}</h1>\n<p>Đăng lúc <time datetime=\"{dt}\">{shown}</time>",
        title = text(&a.title),
        dt = rfc3339(&a.published),
        shown = a.published.format("%d/%m/%Y %H:%M"),
    );
    if let Some(at) = &a.updated {
        let _ = write!(
            out,
            " · Cập nhật: <time datetime=\"{dt}\">{shown}</time>",
            dt = rfc3339(at),
            shown = at.format("%d/%m/%Y %H:%M"),
        );
    }
    out.push_str("</p>\n");
    out.push_str(&content_html(a));
    article_facts(&mut out, a, links);
    out.push_str("</article>\n");
    if let Some(slug) = links.category {
        out.push_str("<p>Chuyên mục này: ");
        feed_links(&mut out, |f| feed_path(Some(slug), f));
        out.push_str("</p>\n");
    }
    article_pager(&mut out, links);
    close(out, site)
}

/// The author, source and tags of an article, linked.
fn article_facts(out: &mut String, a: &Article, links: &ArticleLinks<'_>) {
    if let (Some(name), Some(slug)) = (&a.author, links.author) {
        let _ = writeln!(
            out,
            "<p>Trang tác giả: <a href=\"{}\">{}</a></p>",
            attr(&term_path(Kind::Author, slug)),
            text(name)
        );
    }
    if let Some(url) = a.source.as_deref().and_then(source_url) {
        let _ = writeln!(
            out,
            "<p>Trang nguồn: <a href=\"{}\" rel=\"external\">{}</a></p>",
            attr(&url),
            text(a.source.as_deref().unwrap_or_default())
        );
    }
    if !links.tags.is_empty() {
        out.push_str("<p>Từ khóa: ");
        for (n, (name, slug)) in links.tags.iter().enumerate() {
            if n > 0 {
                out.push_str(", ");
            }
            let _ = write!(
                out,
                "<a rel=\"tag\" href=\"{}\">{}</a>",
                attr(&term_path(Kind::Tag, slug)),
                text(name)
            );
        }
        out.push_str("</p>\n");
    }
}

/// Links to the newer and older articles of the category.
fn article_pager(out: &mut String, links: &ArticleLinks<'_>) {
    if links.newer.is_none() && links.older.is_none() {
        return;
    }
    out.push_str("<nav class=\"pager\" aria-label=\"Bài khác trong chuyên mục\"><ul>\n");
    if let Some(n) = links.newer {
        let _ = writeln!(
            out,
            "<li>Bài mới hơn: <a rel=\"next\" href=\"{}\">{}</a></li>",
            attr(&article_path(&n.id)),
            text(&n.title)
        );
    }
    if let Some(o) = links.older {
        let _ = writeln!(
            out,
            "<li>Bài cũ hơn: <a rel=\"prev\" href=\"{}\">{}</a></li>",
            attr(&article_path(&o.id)),
            text(&o.title)
        );
    }
    out.push_str("</ul></nav>\n");
}

/// The page behind every feed link: the feed's URL to copy into a reader,
/// what the formats are, the other formats and the OPML lists. The feed URL
/// itself keeps serving the feed (readers send all sorts of `Accept`).
pub fn subscribe_page(
    site: &SiteConfig,
    title: &str,
    path_of: &dyn Fn(Format) -> String,
    format: Format,
) -> Vec<u8> {
    let mut out = String::new();
    let heading = format!("Theo dõi {title}");
    let feed = path_of(format);
    let url = format!("{}{}", site.base_url, feed);
    open(&mut out, site, &heading, &alternates(title, path_of));
    let _ = write!(
        out,
        "<h1>{h}</h1>\n<p>Dán địa chỉ này vào ứng dụng đọc tin (Feedly, Inoreader, NetNewsWire, Thunderbird…) để nhận bài mới:</p>\n<p><code>{u}</code></p>\n<p><a href=\"{href}\">Mở tệp {ext}</a> (dành cho ứng dụng đọc tin, không phải để đọc trên trình duyệt).</p>\n<h2>Các định dạng</h2>\n<ul>\n",
        h = text(&heading),
        u = text(&url),
        href = attr(&feed),
        ext = format.ext().to_uppercase(),
    );
    for (f, what) in [
        (
            Format::Rss,
            "RSS 2.0: định dạng lâu đời nhất, mọi ứng dụng đọc tin đều hiểu.",
        ),
        (
            Format::Atom,
            "Atom 1.0: chuẩn IETF (RFC 4287), ghi rõ thời gian và mã bài.",
        ),
        (
            Format::Json,
            "JSON Feed 1.1: cùng nội dung dưới dạng JSON, cho lập trình viên.",
        ),
    ] {
        let _ = writeln!(
            out,
            "<li><a href=\"{}\">{}</a>: {}</li>",
            attr(&crate::render::subscribe_path(&path_of(f))),
            f.ext().to_uppercase(),
            what
        );
    }
    let _ = write!(
        out,
        "</ul>\n<p>Theo dõi nhiều mục cùng lúc: nhập <a href=\"/feeds.opml\">danh sách OPML các chuyên mục</a> hoặc <a href=\"{TAGS_OPML}\">danh sách OPML các từ khóa</a> vào ứng dụng đọc tin.</p>\n"
    );
    close(out, site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_link_only_when_they_name_a_web_address() {
        assert_eq!(
            source_url("Dienbien.gov.vn").as_deref(),
            Some("https://dienbien.gov.vn/")
        );
        assert_eq!(
            source_url("https://baochinhphu.vn/a?b").as_deref(),
            Some("https://baochinhphu.vn/a?b")
        );
        assert_eq!(source_url("Báo Điện Biên Phủ"), None);
        assert_eq!(source_url("TTXVN"), None);
        assert_eq!(source_url("v.1.2"), None);
        assert_eq!(source_url("javascript:alert(1)"), None);
    }

    #[test]
    fn an_article_page_shows_its_correction() {
        let src = crate::article::Source {
            id: "a/b",
            folder: None,
            modified: None,
            tz: chrono_tz::Asia::Ho_Chi_Minh,
        };
        let text = "Tiêu đề\n10/05/2020 15:33\nCập nhật: 11/05/2020 08:00\nDẫn.\n";
        let a = crate::article::parse(text, &src).unwrap().article;
        let links = ArticleLinks::default();
        let page = article_page(&SiteConfig::default(), &Index::default(), &a, &links);
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains(
            "15:33</time> · Cập nhật: <time datetime=\"2020-05-11T08:00:00+07:00\">11/05/2020 08:00</time></p>"
        ), "{page}");
    }
}
