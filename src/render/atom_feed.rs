//! A [`FeedView`] → Atom 1.0 bytes (RFC 4287).
//!
//! Ids are `tag:` URIs (RFC 4151) built from the configured authority and the
//! article id, so an entry keeps its id across edits, restarts and hosts. Content is
//! `type="html"` (escaped): the crate writes `xhtml` content unescaped.

use std::collections::BTreeMap;

use atom_syndication::extension::{Extension, ExtensionMap};
use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text,
};

use super::{item_categories, summary, FeedView, Format};
use crate::timestamp::fixed;

/// Renders an Atom 1.0 document.
pub fn render(view: &FeedView<'_>) -> Result<Vec<u8>, atom_syndication::Error> {
    let entries: Vec<Entry> = view.items.iter().map(|e| entry(view, e)).collect();
    let updated = view
        .items
        .first()
        .map(|e| fixed(&e.article.published))
        .unwrap_or_else(epoch);
    let (extensions, namespaces) = archive_marker(view);
    let mut feed = Feed {
        id: view.tag_uri(&format!("feed/{}", view.slug.unwrap_or(""))),
        title: Text::plain(view.title.clone()),
        subtitle: Some(Text::plain(view.description.clone())),
        updated,
        lang: Some(view.site.language.clone()),
        generator: Some(Generator {
            value: "bantin".to_owned(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
        links: vec![
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
        ],
        // RFC 4287 §4.1.1: every entry needs an author, or the feed does.
        authors: vec![Person {
            name: view.site.title.clone(),
            ..Person::default()
        }],
        entries,
        extensions,
        namespaces,
        ..Feed::default()
    };
    feed.links.extend(history_links(view));
    feed.write_to(Vec::new())
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

/// The Unix epoch: the `updated` of a feed with no entries (never the wall clock).
fn epoch() -> FixedDateTime {
    FixedDateTime::default()
}

fn entry(view: &FeedView<'_>, e: &crate::index::Entry) -> Entry {
    let a = &e.article;
    let when = fixed(&a.published);
    Entry {
        id: view.tag_uri(&format!("article/{}", a.id)),
        title: Text::plain(a.title.clone()),
        updated: when,
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
        summary: Some(Text::plain(summary(a).into_owned())).filter(|s| !s.value.is_empty()),
        content: Some(Content {
            value: Some(view.item_content(a)),
            content_type: Some("html".to_owned()),
            ..Content::default()
        }),
        rights: a
            .source
            .as_ref()
            .map(|s| Text::plain(format!("Nguồn tin: {s}"))),
        ..Entry::default()
    }
}
