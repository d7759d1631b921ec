//! A [`FeedView`] → Atom 1.0 bytes (RFC 4287).
//!
//! Ids are `tag:` URIs (RFC 4151) built from the configured authority and the
//! article id, so an entry keeps its id across edits, restarts and hosts. Content is
//! `type="html"` (escaped): the crate writes `xhtml` content unescaped.

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
    let feed = Feed {
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
        ..Feed::default()
    };
    feed.write_to(Vec::new())
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
