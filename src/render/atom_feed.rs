//! A [`FeedView`] → Atom 1.0 bytes (RFC 4287).
//!
//! Ids are `tag:` URIs (RFC 4151) built from the configured authority and the
//! article id, so an entry keeps its id across edits, restarts and hosts. Content is
//! `type="html"` (escaped): the crate writes `xhtml` content unescaped.
//!
//! An article's source is `dc:source` (Dublin Core, as in RSS), an extension
//! element (RFC 4287 §6.4); not `<rights>`, which says who holds rights in the
//! entry (§4.2.10), and which readers show as its copyright.
//!
//! A withdrawn article is an RFC 6721 tombstone, `<at:deleted-entry>`, with the
//! id its entry had. The crate writes a feed's extension elements after its
//! entries, so tombstones come last, in feed order; RFC 6721 §3 lets them stand
//! anywhere among the feed's children.

use std::collections::BTreeMap;

use atom_syndication::extension::{Extension, ExtensionMap};
use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text, WriteConfig,
};

use super::{item_categories, item_summary, FeedView, Format};
use crate::article::{Article, Withdrawal};
use crate::index::Entry as IndexEntry;
use crate::timestamp::{fixed, rfc3339};

/// The tombstone namespace (RFC 6721 §2) and the prefix bantin gives it.
const TOMBSTONES: (&str, &str) = ("at", "http://purl.org/atompub/tombstones/1.0");

/// The Dublin Core elements namespace, for `dc:source`, and its prefix (the
/// one RSS items use for the same element).
const DUBLIN_CORE: (&str, &str) = ("dc", "http://purl.org/dc/elements/1.1/");

/// Renders an Atom 1.0 document: the `atom_syndication` crate writes it whole.
/// The reference for [`splice`], and what feeds rendered once (archives) use.
pub fn render(view: &FeedView<'_>) -> Result<Vec<u8>, atom_syndication::Error> {
    let entries = view
        .items
        .iter()
        .filter(|e| super::has_item(e))
        .map(|e| entry(view, e))
        .collect();
    feed(view, entries).write_to(Vec::new())
}

/// The start tag of an entry written alone: the crate declares the Atom
/// namespace on it, which an entry within a feed inherits instead.
const LONE_ENTRY: &[u8] = b"<entry xmlns=\"http://www.w3.org/2005/Atom\">";

/// One entry's `<entry>…</entry>` bytes, as [`render`] writes them in any feed:
/// they depend on the article and the site configuration, not on the feed.
pub fn item_bytes(view: &FeedView<'_>, e: &IndexEntry) -> Result<Vec<u8>, super::SpliceError> {
    entry_alone(&entry(view, e))
}

/// `entry` written as within a feed: the crate's standalone writer, without
/// the document declaration and the namespace the feed declares.
fn entry_alone(entry: &Entry) -> Result<Vec<u8>, super::SpliceError> {
    let config = WriteConfig {
        write_document_declaration: false,
        indent_size: None,
    };
    let lone = entry.write_with_config(Vec::new(), config)?;
    let rest = lone
        .strip_prefix(LONE_ENTRY)
        .ok_or(super::SpliceError::Frame("atom entry"))?;
    let mut bytes = Vec::with_capacity(rest.len() + 7);
    bytes.extend_from_slice(b"<entry>");
    bytes.extend_from_slice(rest);
    Ok(bytes)
}

/// The same document as [`render`], put together from its entries' bytes
/// ([`item_bytes`] of every article [`super::has_item`] keeps, in feed order).
/// The feed is written with one empty stand-in entry, which marks where the
/// entries go: after the feed's metadata, before its extensions (tombstones,
/// the archive marker), which stay in the tail.
pub fn splice(view: &FeedView<'_>, items: &[&[u8]]) -> Result<Vec<u8>, super::SpliceError> {
    let stand_in = Entry::default();
    let marker = entry_alone(&stand_in)?;
    let doc = feed(view, vec![stand_in]).write_to(Vec::new())?;
    // Every text and attribute before the entries is escaped by the crate, so
    // the first `<entry>` is the stand-in's start tag.
    let start = memchr::memmem::find(&doc, b"<entry>")
        .filter(|&at| doc[at..].starts_with(&marker))
        .ok_or(super::SpliceError::Frame("atom feed"))?;
    Ok(super::join(
        &doc[..start],
        items,
        &doc[start + marker.len()..],
    ))
}

/// The feed of `view` with `entries` (the live ones, or a stand-in for [`splice`]).
fn feed(view: &FeedView<'_>, entries: Vec<Entry>) -> Feed {
    let tombstones: Vec<Extension> = view
        .items
        .iter()
        .filter_map(|e| Some(tombstone(view, &e.article, e.article.withdrawn.as_ref()?)))
        .collect();
    // RFC 4287 §4.2.15: the latest significant change, so an entry's correction
    // and a tombstone's `when` count as well as publications.
    let updated = view
        .items
        .iter()
        .map(|e| e.article.changed())
        .chain(view.as_of)
        .max()
        .map_or_else(epoch, |at| fixed(&at));
    let mut namespaces = BTreeMap::new();
    let mut extensions = ExtensionMap::new();
    if !tombstones.is_empty() {
        // Declared only when used, so a feed without withdrawals is as before.
        namespaces.insert(TOMBSTONES.0.to_owned(), TOMBSTONES.1.to_owned());
        extensions.insert(
            TOMBSTONES.0.to_owned(),
            BTreeMap::from([("deleted-entry".to_owned(), tombstones)]),
        );
    }
    archive_marker(view, &mut extensions, &mut namespaces);
    // Declared on the feed, where every entry's `dc:source` finds it, and only
    // when an entry has one; [`splice`] writes the feed with a stand-in, so
    // this looks at the view's articles, not at `entries`.
    let sourced = |e: &IndexEntry| super::has_item(e) && e.article.source.is_some();
    if view.items.iter().any(sourced) {
        namespaces.insert(DUBLIN_CORE.0.to_owned(), DUBLIN_CORE.1.to_owned());
    }
    let mut feed = Feed {
        id: view.tag_uri(&view.id_path()),
        title: Text::plain(view.title.clone()),
        subtitle: Some(Text::plain(view.description.clone())),
        updated,
        lang: Some(view.site.language.clone()),
        generator: Some(Generator {
            value: "bantin".to_owned(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
        links: [
            Link {
                href: view.self_url(Format::Atom),
                rel: "self".to_owned(),
                mime_type: Some("application/atom+xml".to_owned()),
                ..Link::default()
            },
            Link {
                href: view.home_url(),
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..Link::default()
            },
        ]
        .into_iter()
        .chain(hub_links(view))
        .collect(),
        // RFC 4287 §4.1.1: every entry needs an author, or the feed does.
        authors: vec![Person {
            name: view.site.title.clone(),
            ..Person::default()
        }],
        entries,
        namespaces,
        extensions,
        ..Feed::default()
    };
    feed.links.extend(history_links(view));
    feed
}

/// A `<link rel="hub">` per WebSub hub (WebSub §4: with the `rel="self"` above).
fn hub_links<'a>(view: &'a FeedView<'_>) -> impl Iterator<Item = Link> + 'a {
    view.hubs.iter().map(|hub| Link {
        href: hub.clone(),
        rel: "hub".to_owned(),
        ..Link::default()
    })
}

/// RFC 5005 §4: the feed's history links, as Atom links.
fn history_links(view: &FeedView<'_>) -> Vec<Link> {
    view.history_links(Format::Atom)
        .into_iter()
        .map(|l| Link {
            href: l.href,
            rel: l.rel.to_owned(),
            mime_type: Some("application/atom+xml".to_owned()),
            ..Link::default()
        })
        .collect()
}

/// RFC 5005 §4: `<fh:archive/>` (and its namespace) when the document is an
/// archive; nothing for the live feed.
fn archive_marker(
    view: &FeedView<'_>,
    extensions: &mut ExtensionMap,
    namespaces: &mut BTreeMap<String, String>,
) {
    if view.history.archive.is_none() {
        return;
    }
    let marker = Extension {
        name: "fh:archive".to_owned(),
        ..Extension::default()
    };
    extensions.insert(
        "fh".to_owned(),
        BTreeMap::from([("archive".to_owned(), vec![marker])]),
    );
    namespaces.insert("fh".to_owned(), super::FEED_HISTORY_NS.to_owned());
}

/// The Unix epoch: the `updated` of a feed with no entries and no
/// [`FeedView::as_of`] (never the wall clock, which would change its
/// bytes, and so its validators, at every render).
fn epoch() -> FixedDateTime {
    FixedDateTime::default()
}

/// An article's Atom id: the same in its entry and, once withdrawn, its tombstone.
fn entry_id(view: &FeedView<'_>, a: &Article) -> String {
    view.tag_uri(&format!("article/{}", a.id))
}

/// `<at:deleted-entry ref=… when=…><at:comment>reason</at:comment></at:deleted-entry>`
/// (RFC 6721 §2.1). The crate writes extension attributes raw, so they are
/// escaped here; element text it escapes itself.
fn tombstone(view: &FeedView<'_>, a: &Article, w: &Withdrawal) -> Extension {
    let attr = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
    let mut children = BTreeMap::new();
    if let Some(reason) = &w.reason {
        let comment = Extension {
            name: format!("{}:comment", TOMBSTONES.0),
            value: Some(reason.clone()),
            ..Extension::default()
        };
        children.insert("comment".to_owned(), vec![comment]);
    }
    Extension {
        name: format!("{}:deleted-entry", TOMBSTONES.0),
        value: None,
        attrs: BTreeMap::from([
            ("ref".to_owned(), attr(&entry_id(view, a))),
            ("when".to_owned(), attr(&rfc3339(&w.at))),
        ]),
        children,
    }
}

fn entry(view: &FeedView<'_>, e: &IndexEntry) -> Entry {
    let a = &e.article;
    let when = fixed(&a.published);
    Entry {
        id: entry_id(view, a),
        title: Text::plain(a.title.clone()),
        // RFC 4287 §4.2.15: a correction is a significant change.
        updated: a.updated.as_ref().map_or(when, fixed),
        published: Some(when),
        authors: a
            .author
            .iter()
            .map(|name| Person {
                name: name.clone(),
                ..Person::default()
            })
            .collect(),
        links: vec![Link {
            href: view.article_url(a),
            rel: "alternate".to_owned(),
            mime_type: Some("text/html".to_owned()),
            ..Link::default()
        }],
        categories: item_categories(a)
            .map(|c| Category {
                term: c.to_owned(),
                label: Some(c.to_owned()),
                ..Category::default()
            })
            .collect(),
        // The lead, or the title of an article with no lead. An article that
        // is a title alone has no content element: RFC 4287 §4.1.1.1 advises
        // a non-empty content element when there is one, and a non-empty
        // summary when there is none (an entry with an alternate link may
        // go without content, §4.1.1).
        summary: Some(Text::plain(item_summary(a).into_owned())).filter(|s| !s.value.is_empty()),
        content: view.item_content(a).map(|html| Content {
            value: Some(html),
            content_type: Some("html".to_owned()),
            ..Content::default()
        }),
        extensions: a.source.as_deref().map(source).unwrap_or_default(),
        ..Entry::default()
    }
}

/// `<dc:source>…</dc:source>`: where the article came from. The crate escapes
/// an extension's text itself.
fn source(s: &str) -> ExtensionMap {
    let element = Extension {
        name: format!("{}:source", DUBLIN_CORE.0),
        value: Some(s.to_owned()),
        ..Extension::default()
    };
    BTreeMap::from([(
        DUBLIN_CORE.0.to_owned(),
        BTreeMap::from([("source".to_owned(), vec![element])]),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;
    use std::sync::Arc;

    /// A one-item view of `articles`, rendered whole and spliced from its
    /// entries: both must be the same document.
    fn documents(articles: Vec<Article>) -> Vec<u8> {
        let items: Vec<IndexEntry> = articles
            .into_iter()
            .map(|a| IndexEntry::full(Arc::new(a), None))
            .collect();
        let site = SiteConfig::default();
        super::super::spliced_as_rendered(&FeedView::sample(&site, &items), Format::Atom)
    }

    fn article(id: &str, source: Option<&str>) -> Article {
        let at = chrono::DateTime::parse_from_rfc3339("2020-05-10T15:33:00+07:00")
            .expect("a valid date");
        let mut a = Article::sample(id, &["Tin"], "Tiêu đề", at);
        a.source = source.map(str::to_owned);
        a
    }

    /// The source is `dc:source`, never `<rights>` (RFC 4287 §4.2.10: the
    /// rights held in and over the entry, which readers show as a copyright).
    #[test]
    fn the_source_is_dc_source_not_rights() {
        let doc = documents(vec![
            article("a", Some("Dienbien.gov.vn & <Báo>")),
            article("b", None),
        ]);
        let text = String::from_utf8_lossy(&doc);
        assert!(!text.contains("<rights"), "{text}");
        assert!(
            text.contains(r#"xmlns:dc="http://purl.org/dc/elements/1.1/""#),
            "{text}"
        );
        let feed = Feed::read_from(&doc[..]).expect("the crate reads it back");
        let sources: Vec<Option<&str>> = feed
            .entries
            .iter()
            .map(|e| {
                assert_eq!(e.rights, None);
                let found = e.extensions.get("dc").and_then(|dc| dc.get("source"));
                found.map(|s| s[0].value.as_deref().expect("a source has text"))
            })
            .collect();
        assert_eq!(sources, [Some("Dienbien.gov.vn & <Báo>"), None]);
        // An independent reader: the document is well-formed, entries and all.
        let parsed = feed_rs::parser::parse(&doc[..]).expect("feed-rs reads it");
        assert_eq!(parsed.entries.len(), 2);
        assert!(parsed.rights.is_none() && parsed.entries[0].rights.is_none());
    }

    /// A feed none of whose entries has a source declares no Dublin Core.
    #[test]
    fn no_source_no_dublin_core_namespace() {
        let doc = documents(vec![article("a", None)]);
        let text = String::from_utf8_lossy(&doc);
        assert!(!text.contains("purl.org/dc/"), "{text}");
    }
}
