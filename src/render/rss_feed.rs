//! A [`FeedView`] → RSS 2.0 bytes, following the RSS Advisory Board's profile.
//!
//! The `rss` crate does the XML; this module decides what goes where: `guid` is the
//! article's permanent URL (`isPermaLink="true"`, it never changes because the id
//! never does), `pubDate` is RFC 2822 in the configured zone, `content:encoded`
//! carries the whole article (up to `[feeds] max_item_bytes`, see
//! [`super::item_content`]), `dc:creator` the author and `dc:source` the source.

use std::collections::BTreeMap;

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid, Item};

use super::{item_categories, summary, FeedView, Format, GENERATOR};
use crate::timestamp::rfc2822;

/// Renders an RSS 2.0 document.
pub fn render(view: &FeedView<'_>) -> Result<Vec<u8>, rss::Error> {
    let newest = view.items.first().map(|e| rfc2822(&e.article.published));
    let items = view.items.iter().map(|e| item(view, e)).collect();
    let (extensions, namespaces) = archive_marker(view);
    let mut channel = Channel {
        title: view.title.clone(),
        link: view.home_url(),
        description: view.description.clone(),
        language: Some(view.site.language.clone()),
        pub_date: newest.clone(),
        last_build_date: newest,
        generator: Some(GENERATOR.to_owned()),
        docs: Some("https://www.rssboard.org/rss-specification".to_owned()),
        ttl: Some(view.ttl.to_string()),
        atom_ext: Some(AtomExtension {
            links: vec![Link {
                href: view.self_url(Format::Rss),
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..Link::default()
            }],
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
