//! A [`FeedView`] → RSS 2.0 bytes, following the RSS Advisory Board's profile.
//!
//! The `rss` crate does the XML; this module decides what goes where: `guid` is the
//! article's permanent URL (`isPermaLink="true"`, it never changes because the id
//! never does), `pubDate` is RFC 2822 in the configured zone, `content:encoded`
//! carries the whole article (up to `[feeds] max_item_bytes`, see
//! [`super::item_content`]), `dc:creator` the author and `dc:source` the source.
//!
//! A withdrawn article leaves the channel (RSS has no tombstones). RSS has no
//! item modification date either, so a correction shows only in the content and
//! in `lastBuildDate`; `pubDate` stays the publication time.

use std::collections::BTreeMap;

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid, Item};

use super::{item_categories, summary, FeedView, Format, GENERATOR};
use crate::timestamp::rfc2822;

/// Renders an RSS 2.0 document.
pub fn render(view: &FeedView<'_>) -> Result<Vec<u8>, rss::Error> {
    let shown: Vec<_> = view
        .items
        .iter()
        .filter(|e| e.article.withdrawn.is_none())
        .collect();
    let newest = shown.first().map(|e| rfc2822(&e.article.published));
    // "The last time the content of the channel changed": a publication, a
    // correction or a withdrawal, whichever came last.
    let built = view
        .items
        .iter()
        .map(|e| e.article.changed())
        .max()
        .map(|at| rfc2822(&at));
    let items = shown.into_iter().map(|e| item(view, e)).collect();
    let (extensions, namespaces) = archive_marker(view);
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
    channel.write_to(Vec::new())
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

fn item(view: &FeedView<'_>, e: &crate::index::Entry) -> Item {
    let a = &e.article;
    let url = view.article_url(a);
    let dc = DublinCoreExtension {
        creators: a.author.iter().cloned().collect(),
        sources: a.source.iter().cloned().collect(),
        ..DublinCoreExtension::default()
    };
    let has_dc = !dc.creators.is_empty() || !dc.sources.is_empty();
    Item {
        title: Some(a.title.clone()),
        link: Some(url.clone()),
        description: Some(summary(a).into_owned()).filter(|s| !s.is_empty()),
        guid: Some(Guid {
            value: url,
            permalink: true,
        }),
        pub_date: Some(rfc2822(&a.published)),
        content: Some(view.item_content(a)),
        categories: item_categories(a)
            .map(|c| Category {
                name: c.to_owned(),
                domain: None,
            })
            .collect(),
        dublin_core_ext: has_dc.then_some(dc),
        ..Item::default()
    }
}
