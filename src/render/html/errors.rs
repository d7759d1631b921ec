//! Error pages for browsers: 404, 410 and 503 in the site's style, with a way back.

use std::fmt::Write;

use html_escape::encode_text as text;

use html_escape::encode_double_quoted_attribute as attr;

use super::pages::{breadcrumb, LastCrumb};
use super::{close, open, Head, Isolated, Robots, Time};
use crate::article::{Article, Withdrawal};
use crate::config::SiteConfig;
use crate::index::Index;
use crate::render::category_path;
use crate::taxonomy::Kind;

/// 404: nothing at this address.
pub fn not_found_page(site: &SiteConfig) -> Vec<u8> {
    let mut out = String::new();
    // No canonical link: the page answers at whatever address was asked for.
    let head = Head {
        title: "Không tìm thấy trang",
        canonical: None,
        feeds: &[],
        robots: Robots::Index,
    };
    open(&mut out, site, &head);
    let _ = write!(
        out,
        "<h1>Không tìm thấy trang</h1>\n<p>Địa chỉ này không có trang nào. Có thể bài đã được chuyển chỗ hoặc địa chỉ bị gõ sai.</p>\n<ul>\n<li><a href=\"/\">Về trang nhất</a></li>\n<li><a href=\"{}\">Tìm theo từ khóa</a></li>\n<li><a href=\"{}\">Tìm theo tác giả</a></li>\n</ul>\n",
        crate::render::terms_path(Kind::Tag),
        crate::render::terms_path(Kind::Author),
    );
    close(out, site)
}

/// 503: the page of an article whose file cannot be read now (saved broken
/// since it was indexed, say, with no copy of its text in memory): its
/// title and a word that it is back soon, rather than the page without its
/// text, which would look complete. Not to be listed as the article: a
/// search engine keeps the page it has until the address answers again.
pub fn unavailable_page(site: &SiteConfig, index: &Index, a: &Article) -> Vec<u8> {
    article_notice(site, index, a, Robots::NoIndex, |out| {
        out.push_str("<p>Bài viết này tạm thời chưa đọc được. Mời bạn quay lại sau ít phút.</p>\n");
    })
}

/// 410: the page of a withdrawn article, its title, when it was withdrawn
/// and why; the article's text is not shown. Listed, for search engines to
/// drop the address.
pub fn gone_page(site: &SiteConfig, index: &Index, a: &Article, w: &Withdrawal) -> Vec<u8> {
    article_notice(site, index, a, Robots::Index, |out| {
        let _ = writeln!(
            out,
            "<p>Bài viết này đã được gỡ bỏ lúc {}.</p>",
            Time(&w.at)
        );
        if let Some(reason) = &w.reason {
            let _ = writeln!(out, "<p>Lý do: {}</p>", Isolated(reason));
        }
    })
}

/// A page about an article that shows none of its text (410, 503), in the
/// site's style: its title under the breadcrumb of its category in
/// `index`, as its page has, what `say` writes, then links on to its
/// category and the front page. Only header fields, so it needs no read of
/// the file. No canonical link: the address does not answer with the
/// article, and is not to be listed under another.
fn article_notice(
    site: &SiteConfig,
    index: &Index,
    a: &Article,
    robots: Robots,
    say: impl FnOnce(&mut String),
) -> Vec<u8> {
    let mut out = String::new();
    let category = index
        .category_of(&a.id)
        .and_then(|slug| index.categories().get(slug));
    let head = Head {
        title: &a.title,
        canonical: None,
        feeds: &[],
        robots,
    };
    open(&mut out, site, &head);
    breadcrumb(
        &mut out,
        index,
        category.map(|c| c.slug.as_str()),
        LastCrumb::Above,
    );
    let _ = writeln!(out, "<h1>{}</h1>", text(&a.title));
    say(&mut out);
    out.push_str("<p>");
    if let Some(c) = category {
        let _ = write!(
            out,
            "<a href=\"{}\">Các bài khác của chuyên mục {}</a> · ",
            attr(&category_path(Some(&c.slug))),
            Isolated(&c.name)
        );
    }
    out.push_str("<a href=\"/\">Về trang nhất</a></p>\n");
    close(out, site)
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
    fn an_unavailable_page_names_the_title_escaped_and_is_not_listed() {
        let a = parsed("Tiêu đề <b> & \"x\"\n10/05/2020 15:33\nDẫn.\n");
        let page = unavailable_page(&SiteConfig::default(), &Index::default(), &a);
        let page = String::from_utf8(page).unwrap();
        assert!(
            page.contains("<h1>Tiêu đề &lt;b&gt; &amp; \"x\"</h1>"),
            "{page}"
        );
        assert!(page.contains("tạm thời chưa đọc được"), "{page}");
        assert!(
            page.contains("<meta name=\"robots\" content=\"noindex\">"),
            "{page}"
        );
        assert!(!page.contains("rel=\"canonical\""), "{page}");
        assert!(!page.contains("Dẫn."), "no text of the article");
    }

    #[test]
    fn a_withdrawn_page_names_title_time_and_reason_escaped() {
        let a =
            parsed("Tiêu đề <b>\n10/05/2020 15:33\nGỡ bỏ: 12/05/2020 10:00 - Sai & <lỗi>\nDẫn.\n");
        let w = a.withdrawn.clone().unwrap();
        let page = String::from_utf8(gone_page(&SiteConfig::default(), &Index::default(), &a, &w))
            .unwrap();
        assert!(page.contains("<h1>Tiêu đề &lt;b&gt;</h1>"), "{page}");
        assert!(
            page.contains("<time datetime=\"2020-05-12T10:00:00+07:00\">12/05/2020 10:00</time>")
        );
        assert!(
            page.contains("<p>Lý do: <bdi>Sai &amp; &lt;lỗi&gt;</bdi></p>"),
            "{page}"
        );
        assert!(
            page.contains("<a href=\"/\">Về trang nhất</a>"),
            "a way back: {page}"
        );
        assert!(
            !page.contains("Dẫn."),
            "the text of a withdrawn article is not shown"
        );
    }
}
