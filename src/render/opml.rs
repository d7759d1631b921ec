//! Feeds → OPML 2.0 subscription lists: every category feed in one, every
//! tag feed in another.

use crate::config::SiteConfig;
use crate::index::Index;

use super::{category_path, feed_path, term_feed_path, term_path, Format};
use crate::taxonomy::{Kind, Taxonomy};

/// Renders the OPML list: the all-articles feed, then the category tree, nested.
pub fn render(
    site: &SiteConfig,
    index: &Index,
    title_of: &dyn Fn(Option<&str>) -> String,
) -> Vec<u8> {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n<head>\n",
    );
    out.push_str(&format!("<title>{}</title>\n", attr(&site.title)));
    out.push_str("</head>\n<body>\n");
    outline(&mut out, site, None, &title_of(None), 1);
    for root in index.roots() {
        tree(&mut out, site, index, &root.slug, title_of, 1);
    }
    out.push_str("</body>\n</opml>\n");
    out.into_bytes()
}

/// Renders the OPML list of every listed term of `kind` (tags or authors; see
/// [`Taxonomy::listed`]), by slug.
pub fn terms(site: &SiteConfig, kind: Kind, taxonomy: &Taxonomy) -> Vec<u8> {
    let what = match kind {
        Kind::Tag => "từ khóa",
        Kind::Author => "tác giả",
    };
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n<head>\n",
    );
    out.push_str(&format!("<title>{}: {what}</title>\n", attr(&site.title)));
    out.push_str("</head>\n<body>\n");
    for term in taxonomy.listed() {
        out.push_str(&format!(
            "  <outline text=\"{t}\" title=\"{t}\" type=\"rss\" xmlUrl=\"{x}\" htmlUrl=\"{h}\"/>\n",
            t = attr(&term.name),
            x = attr(&format!(
                "{}{}",
                site.base_url,
                term_feed_path(kind, &term.slug, Format::Rss)
            )),
            h = attr(&format!("{}{}", site.base_url, term_path(kind, &term.slug))),
        ));
    }
    out.push_str("</body>\n</opml>\n");
    out.into_bytes()
}

fn tree(
    out: &mut String,
    site: &SiteConfig,
    index: &Index,
    slug: &str,
    title_of: &dyn Fn(Option<&str>) -> String,
    depth: usize,
) {
    let Some(cat) = index.categories().get(slug) else {
        return;
    };
    let title = title_of(Some(slug));
    if cat.children.is_empty() {
        outline(out, site, Some(slug), &title, depth);
        return;
    }
    let pad = "  ".repeat(depth);
    out.push_str(&format!(
        "{pad}<outline text=\"{t}\" title=\"{t}\" type=\"rss\" xmlUrl=\"{x}\" htmlUrl=\"{h}\">\n",
        t = attr(&title),
        x = attr(&format!(
            "{}{}",
            site.base_url,
            feed_path(Some(slug), Format::Rss)
        )),
        h = attr(&format!("{}{}", site.base_url, category_path(Some(slug)))),
    ));
    for child in &cat.children {
        tree(out, site, index, child, title_of, depth + 1);
    }
    out.push_str(&format!("{pad}</outline>\n"));
}

fn outline(out: &mut String, site: &SiteConfig, slug: Option<&str>, title: &str, depth: usize) {
    out.push_str(&format!(
        "{pad}<outline text=\"{t}\" title=\"{t}\" type=\"rss\" xmlUrl=\"{x}\" htmlUrl=\"{h}\"/>\n",
        pad = "  ".repeat(depth),
        t = attr(title),
        x = attr(&format!(
            "{}{}",
            site.base_url,
            feed_path(slug, Format::Rss)
        )),
        h = attr(&format!("{}{}", site.base_url, category_path(slug))),
    ));
}

fn attr(s: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_double_quoted_attribute(s)
}
