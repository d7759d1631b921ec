//! The HTML pages: the front page (category tree, newest articles, feed
//! autodiscovery) and one page per article. Plain, accessible, no JavaScript.

use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{article_path, content_html, feed_path, Format};
use crate::article::{Article, Withdrawal};
use crate::config::SiteConfig;
use crate::index::{Entry, Index};
use crate::timestamp::rfc3339;

const STYLE: &str = "body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#1a1a1a;background:#fff}a{color:#0b57d0}nav ul{padding-left:1.2rem}.feeds a{margin-right:.5rem;font-size:.9em}time{color:#555}";

/// The start of every page, to `<body>`. The empty inline icon keeps browsers
/// from asking for `/favicon.ico`, which the site has not got (a 404 in every
/// visitor's console).
fn head(out: &mut String, site: &SiteConfig, title: &str, feeds: bool) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>{STYLE}</style>\n",
        lang = attr(&site.language),
        title = text(title),
    );
    if feeds {
        for (format, kind) in [
            (Format::Rss, "application/rss+xml"),
            (Format::Atom, "application/atom+xml"),
            (Format::Json, "application/feed+json"),
        ] {
            let _ = writeln!(
                out,
                "<link rel=\"alternate\" type=\"{kind}\" title=\"{t} ({ext})\" href=\"{href}\">",
                t = attr(&site.title),
                ext = format.ext().to_uppercase(),
                href = attr(&format!("{}{}", site.base_url, feed_path(None, format))),
            );
        }
    }
    out.push_str("</head>\n<body>\n");
}

fn feed_links(out: &mut String, slug: Option<&str>) {
    out.push_str("<span class=\"feeds\">");
    for f in Format::ALL {
        let _ = write!(
            out,
            "<a href=\"{}\">{}</a>",
            attr(&feed_path(slug, f)),
            f.ext().to_uppercase()
        );
    }
    out.push_str("</span>");
}

fn category_tree(
    out: &mut String,
    index: &Index,
    slug: &str,
    title_of: &dyn Fn(Option<&str>) -> String,
) {
    let Some(cat) = index.categories().get(slug) else {
        return;
    };
    let _ = write!(
        out,
        "<li id=\"{id}\">{name} ",
        id = attr(slug),
        name = text(&title_of(Some(slug)))
    );
    feed_links(out, Some(slug));
    if !cat.children.is_empty() {
        out.push_str("\n<ul>\n");
        for child in &cat.children {
            category_tree(out, index, child, title_of);
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</li>\n");
}

/// The front page: every category with its feeds, then the newest articles.
pub fn front_page(
    site: &SiteConfig,
    index: &Index,
    newest: &[Entry],
    title_of: &dyn Fn(Option<&str>) -> String,
) -> Vec<u8> {
    let mut out = String::new();
    head(&mut out, site, &site.title, true);
    let _ = write!(
        out,
        "<header><h1>{}</h1><p>{}</p><p>Tất cả bài viết: ",
        text(&site.title),
        text(&site.description)
    );
    feed_links(&mut out, None);
    out.push_str(" · <a href=\"/feeds.opml\">OPML</a></p></header>\n<main>\n<nav aria-labelledby=\"muc\"><h2 id=\"muc\">Chuyên mục</h2>\n<ul>\n");
    for root in index.roots() {
        category_tree(&mut out, index, &root.slug, title_of);
    }
    out.push_str(
        "</ul>\n</nav>\n<section aria-labelledby=\"moi\"><h2 id=\"moi\">Tin mới</h2>\n<ul>\n",
    );
    // A withdrawn article's page is a 410 notice: not news to list.
    for e in newest.iter().filter(|e| e.article.withdrawn.is_none()) {
        let a = &e.article;
        let _ = writeln!(
            out,
            "<li><a href=\"{href}\">{title}</a> <time datetime=\"{dt}\">{shown}</time></li>",
            href = attr(&article_path(&a.id)),
            title = text(&a.title),
            dt = rfc3339(&a.published),
            shown = a.published.format("%d/%m/%Y %H:%M"),
        );
    }
    out.push_str("</ul>\n</section>\n</main>\n</body>\n</html>\n");
    out.into_bytes()
}

/// One article's page: the link target of every feed item.
pub fn article_page(site: &SiteConfig, a: &Article, category: Option<&str>) -> Vec<u8> {
    let mut out = String::new();
    head(&mut out, site, &a.title, true);
    out.push_str("<nav><a href=\"/\">Trang nhất</a>");
    for name in &a.categories {
        let _ = write!(out, " » {}", text(name));
    }
    if let Some(slug) = category {
        out.push(' ');
        feed_links(&mut out, Some(slug));
    }
    let _ = write!(
        out,
        "</nav>\n<main>\n<article>\n<h1>{title}</h1>\n<p><time datetime=\"{dt}\">{shown}</time>",
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
    if !a.tags.is_empty() {
        out.push_str("<p>Từ khóa: ");
        out.push_str(&text(&a.tags.join(", ")));
        out.push_str("</p>\n");
    }
    out.push_str("</article>\n</main>\n</body>\n</html>\n");
    out.into_bytes()
}

/// The page of a withdrawn article, served as 410 Gone: its title, when it was
/// withdrawn and why. Only header fields, so it needs no read of the file.
pub fn withdrawn_page(site: &SiteConfig, a: &Article, w: &Withdrawal) -> Vec<u8> {
    let mut out = String::new();
    head(&mut out, site, &a.title, true);
    let _ = write!(
        out,
        "<nav><a href=\"/\">Trang nhất</a></nav>\n<main>\n<article>\n<h1>{title}</h1>\n\
         <p>Bài viết này đã được gỡ bỏ lúc <time datetime=\"{dt}\">{shown}</time>.</p>\n",
        title = text(&a.title),
        dt = rfc3339(&w.at),
        shown = w.at.format("%d/%m/%Y %H:%M"),
    );
    if let Some(reason) = &w.reason {
        let _ = writeln!(out, "<p>Lý do: {}</p>", text(reason));
    }
    out.push_str("</article>\n</main>\n</body>\n</html>\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::{parse, Source};

    fn parsed(text: &str) -> Article {
        let src = Source {
            id: "a/b",
            folder: None,
            modified: None,
            tz: chrono_tz::Asia::Ho_Chi_Minh,
        };
        parse(text, &src).unwrap().article
    }

    #[test]
    fn a_withdrawn_page_names_title_time_and_reason_escaped() {
        let a =
            parsed("Tiêu đề <b>\n10/05/2020 15:33\nGỡ bỏ: 12/05/2020 10:00 - Sai & <lỗi>\nDẫn.\n");
        let w = a.withdrawn.clone().unwrap();
        let page = String::from_utf8(withdrawn_page(&SiteConfig::default(), &a, &w)).unwrap();
        assert!(page.contains("<h1>Tiêu đề &lt;b&gt;</h1>"), "{page}");
        assert!(
            page.contains("<time datetime=\"2020-05-12T10:00:00+07:00\">12/05/2020 10:00</time>")
        );
        assert!(
            page.contains("<p>Lý do: Sai &amp; &lt;lỗi&gt;</p>"),
            "{page}"
        );
        assert!(
            !page.contains("Dẫn."),
            "the text of a withdrawn article is not shown"
        );
    }

    #[test]
    fn an_article_page_shows_its_correction() {
        let a = parsed("Tiêu đề\n10/05/2020 15:33\nCập nhật: 11/05/2020 08:00\nDẫn.\n");
        let page = String::from_utf8(article_page(&SiteConfig::default(), &a, None)).unwrap();
        assert!(page.contains(
            "15:33</time> · Cập nhật: <time datetime=\"2020-05-11T08:00:00+07:00\">11/05/2020 08:00</time></p>"
        ), "{page}");
    }
}
