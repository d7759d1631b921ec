//! Feeds → OPML 2.0 subscription lists: every category feed in one, the tag
//! feeds in another (every tag's, or the most used ones' in a large store).

use crate::config::SiteConfig;
use crate::index::Index;

use super::{
    category_path, feed_path, kind_noun, term_feed_path, term_feed_title, term_path, terms_path,
    vi_count, Format,
};
use crate::taxonomy::{Kind, Term};

/// Renders the OPML list: the all-articles feed, then each top-level
/// category: a feed outline for one with no subcategories, else a folder
/// holding its feed and every feed below it, titled with its path.
///
/// One level of folders, and no outline both a feed and a folder: readers
/// import a feed outline as one subscription and do not look inside it
/// (Miniflux, for one, would drop every subcategory), and most keep one
/// level of folders only.
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
        if root.children.is_empty() {
            outline(
                &mut out,
                site,
                Some(&root.slug),
                &title_of(Some(&root.slug)),
                1,
            );
            continue;
        }
        // The folder is named as the section's own feed is titled. Its name
        // is `text` alone (OPML 2.0: the one attribute every outline has):
        // an outline with other attributes is read as a typed item (an
        // `rss` subscription, a `link`), and one without a `type` is one
        // validators warn about.
        out.push_str(&format!(
            "  <outline text=\"{t}\">\n",
            t = attr(&title_of(Some(&root.slug)))
        ));
        let mut below = vec![root.slug.as_str()];
        while let Some(slug) = below.pop() {
            outline(&mut out, site, Some(slug), &title_of(Some(slug)), 2);
            if let Some(cat) = index.categories().get(slug) {
                // Depth first, in the order of the children (popped from the end).
                below.extend(cat.children.iter().rev().map(String::as_str));
            }
        }
        out.push_str("  </outline>\n");
    }
    out.push_str("</body>\n</opml>\n");
    out.into_bytes()
}

/// Which listed terms of a kind (see [`crate::taxonomy::Taxonomy::listed`])
/// a list of them holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every one.
    Every,
    /// The `n` with the most articles: there are more.
    Most(usize),
}

/// Renders the OPML list of the listed terms `terms` of `kind` (tags or
/// authors), in Vietnamese alphabetical order of their names, each outline
/// titled as its feed is ([`term_feed_title`]): readers name the
/// subscription they import after it. When they are not every term
/// (`scope`), its title and a comment in its head say which they are and
/// where the others are.
pub fn terms<'a>(
    site: &SiteConfig,
    kind: Kind,
    terms: impl IntoIterator<Item = &'a Term>,
    scope: Scope,
) -> Vec<u8> {
    let what = kind_noun(kind);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n<head>\n",
    );
    match scope {
        Scope::Every => {
            out.push_str(&format!("<title>{}: {what}</title>\n", attr(&site.title)));
        }
        Scope::Most(n) => {
            let most = format!("{} {what} có nhiều bài nhất", vi_count(n));
            // The site's path, not its URL: a comment may not hold `--`,
            // which a host name may (`xn--`), and comments unescape nothing.
            out.push_str(&format!(
                "<title>{}: {most}</title>\n<!-- {most}; mọi {what} có tại {} -->\n",
                attr(&site.title),
                terms_path(kind),
            ));
        }
    }
    out.push_str("</head>\n<body>\n");
    let mut terms = terms.into_iter().peekable();
    if terms.peek().is_none() {
        // OPML 2.0: a body holds one or more outlines. With no term to
        // subscribe to, one links to the terms' page (`type="link"`, which
        // readers importing feeds pass over), saying there are none yet.
        out.push_str(&format!(
            "  <outline text=\"Chưa có {what} nào\" type=\"link\" url=\"{}\"/>\n",
            attr(&format!("{}{}", site.base_url, terms_path(kind))),
        ));
    }
    for term in terms {
        out.push_str(&format!(
            "  <outline text=\"{t}\" title=\"{t}\" type=\"rss\" xmlUrl=\"{x}\" htmlUrl=\"{h}\"/>\n",
            t = attr(&term_feed_title(kind, &term.name)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_no_terms_holds_one_outline_linking_their_page() {
        let site = SiteConfig::default();
        for (kind, page, none) in [
            (Kind::Tag, "/tags", "Chưa có từ khóa nào"),
            (Kind::Author, "/authors", "Chưa có tác giả nào"),
        ] {
            let xml = String::from_utf8(terms(&site, kind, [], Scope::Every)).unwrap();
            let body = &xml[xml.find("<body>").unwrap()..xml.find("</body>").unwrap()];
            let outline = format!(
                "<outline text=\"{none}\" type=\"link\" url=\"{}{page}\"/>",
                site.base_url
            );
            assert_eq!(body.matches("<outline").count(), 1, "{xml}");
            assert!(body.contains(&outline), "{xml}");
            assert!(!body.contains("xmlUrl"), "{xml}");
        }
    }
}
