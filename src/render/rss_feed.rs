//! A [`FeedView`] → RSS 2.0 bytes, following the RSS Advisory Board's profile.
//!
//! The `rss` crate does the XML; this module decides what goes where: `guid` is the
//! article's permanent URL (`isPermaLink="true"`, it never changes because the id
//! never does), `pubDate` is RFC 2822 in the configured zone, `content:encoded`
//! carries the whole article (up to `[feeds] max_item_bytes`, see
//! [`super::item_content`]), `description` the lead as escaped HTML (the title
//! for an article with no lead, see [`super::item_summary`]), `dc:creator` the
//! author and `dc:source` the source. An article that is a title alone has no
//! `content:encoded` (see [`super::has_content`]).
//!
//! A withdrawn article leaves the channel (RSS has no tombstones). RSS 2.0 has
//! no item modification date either, so a corrected item carries the Dublin
//! Core term `dcterms:modified` (W3C date-time, as Atom's `updated`), which
//! readers and importers map to the entry's update time (feedparser's
//! `updated`); `pubDate` stays the publication time, and `lastBuildDate` moves
//! to the correction.

use std::collections::BTreeMap;

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::{self, DublinCoreExtension};
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid, Item};

use super::{has_content, item_categories, item_summary, FeedView, Format, GENERATOR};
use crate::article::Article;
use crate::index::Entry;
use crate::timestamp::{rfc2822, rfc3339};

/// Renders an RSS 2.0 document: the `rss` crate writes it whole. The reference
/// for [`splice`], and what feeds rendered once (archives) use.
pub fn render(view: &FeedView<'_>) -> Result<Vec<u8>, rss::Error> {
    let items = shown(view).map(|e| item(view, e)).collect();
    channel(view, items).write_to(Vec::new())
}

/// The channel's closing tags: items are the channel's last children, so a
/// document ends with its last item and these.
const TAIL: &[u8] = b"</channel></rss>";

/// One item's `<item>…</item>` bytes, as [`render`] writes them in any feed:
/// they depend on the article and the site configuration, not on the feed.
/// The crate writes items only within a channel, so this is a channel of one
/// item, cut to the item.
pub fn item_bytes(view: &FeedView<'_>, e: &Entry) -> Result<Vec<u8>, super::SpliceError> {
    let lone = Channel {
        items: vec![item(view, e)],
        ..Channel::default()
    };
    let doc = lone.write_to(Vec::new())?;
    // Everything before the item is the empty channel's own elements and the
    // namespace URIs, so the first `<item>` is the item's start tag.
    let start = memchr::memmem::find(&doc, b"<item>");
    match (start, doc.strip_suffix(TAIL)) {
        (Some(start), Some(body)) => Ok(body[start..].to_vec()),
        _ => Err(super::SpliceError::Frame("rss item")),
    }
}

/// The same document as [`render`], put together from its items' bytes
/// ([`item_bytes`] of every article [`super::has_item`] keeps, in feed order):
/// the channel written without items, then the items before its closing tags.
pub fn splice(view: &FeedView<'_>, items: &[&[u8]]) -> Result<Vec<u8>, super::SpliceError> {
    let mut head = channel(view, Vec::new());
    // The crate declares the namespaces the items use on `<rss>`; with the
    // items left out, the head declares them itself (the same map, so the
    // same attributes in the same order).
    let live: Vec<_> = shown(view).collect();
    if live.iter().any(|e| has_content(&e.article)) {
        head.namespaces
            .insert("content".to_owned(), CONTENT_NS.to_owned());
    }
    if live.iter().any(|e| has_dublin_core(&e.article)) {
        head.namespaces
            .insert("dc".to_owned(), dublincore::NAMESPACE.to_owned());
    }
    let doc = head.write_to(Vec::new())?;
    let head = doc
        .strip_suffix(TAIL)
        .ok_or(super::SpliceError::Frame("rss channel"))?;
    Ok(super::join(head, items, TAIL))
}

/// The namespace of `content:encoded`, which every item with content carries.
const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";

/// The items an RSS document shows: a withdrawn article leaves the channel.
fn shown<'v>(view: &'v FeedView<'_>) -> impl Iterator<Item = &'v Entry> {
    view.items.iter().filter(|e| super::has_item(e))
}

/// The channel of `view` with `items` (the shown items, or none for [`splice`]).
fn channel(view: &FeedView<'_>, items: Vec<Item>) -> Channel {
    // The latest publication among the items: the first's in a feed in
    // publication order (the first of a tie, whatever its offset), not in
    // the feed of changes, which is in order of change.
    let newest = shown(view)
        .map(|e| e.article.published)
        .reduce(|first, e| {
            // By whole seconds, as items are ordered.
            if e.timestamp() > first.timestamp() {
                e
            } else {
                first
            }
        })
        .map(|at| rfc2822(&at));
    // "The last time the content of the channel changed": a publication, a
    // correction or a withdrawal, whichever came last, or the date the view
    // stands as of (the feed of changes': an article's late capture).
    let built = view
        .items
        .iter()
        .map(|e| e.article.changed())
        .chain(view.as_of)
        .max()
        .map(|at| rfc2822(&at));
    let (extensions, mut namespaces) = archive_marker(view);
    // The crate declares the namespaces of its own extensions; this one the
    // channel declares, for render and splice alike.
    if shown(view).any(|e| e.article.updated.is_some()) {
        namespaces.insert("dcterms".to_owned(), DCTERMS_NS.to_owned());
    }
    let mut channel = Channel {
        title: view.title.clone(),
        link: view.home_url(),
        description: view.description.clone(),
        language: Some(view.site.language.clone()),
        pub_date: newest,
        last_build_date: built,
        generator: Some(GENERATOR.to_owned()),
        docs: Some("https://www.rssboard.org/rss-specification".to_owned()),
        ttl: Some(view.ttl.to_string()),
        atom_ext: Some(AtomExtension {
            links: std::iter::once(Link {
                href: view.self_url(Format::Rss),
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..Link::default()
            })
            .chain(hub_links(view))
            .collect(),
        }),
        items,
        extensions,
        namespaces,
        ..Channel::default()
    };
    if let Some(atom) = channel.atom_ext.as_mut() {
        atom.links.extend(history_links(view));
    }
    channel
}

/// An `<atom:link rel="hub">` per WebSub hub (WebSub §4: with the `rel="self"` above).
fn hub_links<'a>(view: &'a FeedView<'_>) -> impl Iterator<Item = Link> + 'a {
    view.hubs.iter().map(|hub| Link {
        href: hub.clone(),
        rel: "hub".to_owned(),
        ..Link::default()
    })
}

/// RFC 5005 §4: the feed's history links, as `atom:link`s.
fn history_links(view: &FeedView<'_>) -> Vec<Link> {
    view.history_links(Format::Rss)
        .into_iter()
        .map(|l| Link {
            href: l.href,
            rel: l.rel.to_owned(),
            mime_type: Some("application/rss+xml".to_owned()),
            ..Link::default()
        })
        .collect()
}

/// RFC 5005 §4: `<fh:archive/>` (and its namespace) in an archive's channel.
fn archive_marker(view: &FeedView<'_>) -> (ExtensionMap, BTreeMap<String, String>) {
    if view.history.archive.is_none() {
        return (ExtensionMap::new(), BTreeMap::new());
    }
    let marker = Extension {
        name: "fh:archive".to_owned(),
        ..Extension::default()
    };
    let extensions = BTreeMap::from([(
        "fh".to_owned(),
        BTreeMap::from([("archive".to_owned(), vec![marker])]),
    )]);
    let namespaces = BTreeMap::from([("fh".to_owned(), super::FEED_HISTORY_NS.to_owned())]);
    (extensions, namespaces)
}

/// The namespace of the Dublin Core terms, for `dcterms:modified`.
const DCTERMS_NS: &str = "http://purl.org/dc/terms/";

/// `<dcterms:modified>` of a corrected article: when it was corrected.
fn modified(a: &Article) -> ExtensionMap {
    let Some(updated) = &a.updated else {
        return ExtensionMap::new();
    };
    let element = Extension {
        name: "dcterms:modified".to_owned(),
        value: Some(rfc3339(updated)),
        ..Extension::default()
    };
    BTreeMap::from([(
        "dcterms".to_owned(),
        BTreeMap::from([("modified".to_owned(), vec![element])]),
    )])
}

/// Whether an article's item carries `dc:creator` or `dc:source`.
fn has_dublin_core(a: &Article) -> bool {
    a.author.is_some() || a.source.is_some()
}

fn item(view: &FeedView<'_>, e: &Entry) -> Item {
    let a = &e.article;
    let url = view.article_url(a);
    let dc = DublinCoreExtension {
        creators: a.author.iter().cloned().collect(),
        sources: a.source.iter().cloned().collect(),
        ..DublinCoreExtension::default()
    };
    let has_dc = has_dublin_core(a);
    Item {
        title: Some(a.title.clone()),
        link: Some(url.clone()),
        // RSS 2.0 `description` is entity-encoded HTML (RSS Advisory Board
        // profile, "item description"), and the lead (or the title) is plain
        // text: escaped as `content:encoded` escapes it, so `<b>` or
        // `<script>` in a lead reaches the reader as text, never as markup.
        // Always there, and so before `content:encoded` (the profile's order).
        description: Some(item_summary(a))
            .filter(|s| !s.is_empty())
            .map(|s| html_escape::encode_text(&s).into_owned()),
        guid: Some(Guid {
            value: url,
            permalink: true,
        }),
        pub_date: Some(rfc2822(&a.published)),
        content: view.item_content(a),
        categories: item_categories(a)
            .map(|c| Category {
                name: c.to_owned(),
                domain: None,
            })
            .collect(),
        dublin_core_ext: has_dc.then_some(dc),
        extensions: modified(a),
        ..Item::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;
    use std::sync::Arc;

    /// The one item's `<description>` of an RSS document, as an XML reader
    /// gives it: the HTML a reader displays.
    fn description(doc: &[u8]) -> String {
        let channel = Channel::read_from(doc).expect("the document reads back");
        channel.items[0]
            .description
            .clone()
            .expect("the item has a description")
    }

    #[test]
    fn a_corrected_item_carries_dcterms_modified_rendered_and_spliced_alike() {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("a valid date");
        let mut corrected =
            Article::sample("tin/a", &["Tin"], "Sửa", at("2020-05-10T15:33:00+07:00"));
        corrected.updated = Some(at("2020-05-12T10:30:00+07:00"));
        let plain = Article::sample(
            "tin/b",
            &["Tin"],
            "Không sửa",
            at("2020-05-09T08:00:00+07:00"),
        );
        let items = [
            Entry::full(Arc::new(corrected), None),
            Entry::full(Arc::new(plain), None),
        ];
        let site = SiteConfig::default();
        let whole =
            super::super::spliced_as_rendered(&FeedView::sample(&site, &items), Format::Rss);
        let channel = Channel::read_from(&whole[..]).expect("the document reads back");
        assert_eq!(
            channel.namespaces.get("dcterms").map(String::as_str),
            Some(DCTERMS_NS)
        );
        let modified = |i: usize| {
            channel.items[i]
                .extensions
                .get("dcterms")
                .and_then(|m| m.get("modified"))
                .and_then(|v| v.first())
                .and_then(|e| e.value.clone())
        };
        assert_eq!(modified(0).as_deref(), Some("2020-05-12T10:30:00+07:00"));
        assert_eq!(modified(1), None);
        // The publication stays the publication.
        assert_eq!(
            channel.items[0].pub_date.as_deref(),
            Some("Sun, 10 May 2020 15:33:00 +0700")
        );
        // No correction, no namespace.
        let unchanged = render(&FeedView::sample(&site, &items[1..])).expect("renders");
        assert!(!String::from_utf8_lossy(&unchanged).contains("dcterms"));
    }

    #[test]
    fn the_channel_pub_date_is_the_latest_publication_the_first_of_a_tie() {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("a valid date");
        let item = |id: &str, published: &str| {
            let a = Article::sample(id, &["Tin"], id, at(published));
            Entry::full(Arc::new(a), None)
        };
        let site = SiteConfig::default();
        let pub_date = |items: &[Entry]| {
            let doc = render(&FeedView::sample(&site, items)).expect("renders");
            let channel = Channel::read_from(&doc[..]).expect("the document reads back");
            channel.pub_date
        };
        // One instant in two offsets: the first item's is kept.
        let tie = [
            item("a", "2020-05-10T15:33:00+07:00"),
            item("b", "2020-05-10T08:33:00+00:00"),
        ];
        let first = Some("Sun, 10 May 2020 15:33:00 +0700".to_owned());
        assert_eq!(pub_date(&tie), first);
        // Not the first item's when a later one was published after it (the
        // feed of changes is in order of change).
        let later = [
            item("a", "2019-01-01T08:00:00+07:00"),
            item("b", "2020-05-10T15:33:00+07:00"),
        ];
        assert_eq!(pub_date(&later), first);
    }

    #[test]
    fn a_lead_is_text_in_the_description_not_markup() {
        let lead = "Lạm phát <3%, lãi suất <b>giảm</b> & ổn định. <script>alert(1)</script>";
        let at = chrono::DateTime::parse_from_rfc3339("2020-05-10T15:33:00+07:00")
            .expect("a valid date");
        let mut a = Article::sample("kinh-te/a", &["Kinh tế"], "Tiêu đề", at);
        a.summary = lead.to_owned();
        let items = [Entry::full(Arc::new(a), None)];
        let site = SiteConfig::default();
        let view = FeedView::sample(&site, &items);
        let doc = render(&view).expect("renders");
        // RSS 2.0 description is entity-encoded HTML (RSS Advisory Board
        // profile): HTML with no `<` holds no element, and its text is the lead.
        let html = description(&doc);
        assert!(!html.contains('<'), "markup in the description: {html}");
        assert_eq!(html_escape::decode_html_entities(&html), lead);
        // An independent reader sees the same: the lead as text.
        let feed = feed_rs::parser::parse(&doc[..]).expect("feed-rs reads it");
        let summary = feed.entries[0].summary.as_ref().expect("a summary");
        assert_eq!(html_escape::decode_html_entities(&summary.content), lead);
        assert!(!summary.content.contains("<b>"), "{}", summary.content);
    }
}
