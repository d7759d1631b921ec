//! The bytes of every item the live feeds hold, in every format, kept between
//! updates so a feed is spliced from them ([`render::splice`]) and an update
//! renders only the items whose articles changed.
//!
//! An item's bytes depend on its (full) article and the site configuration
//! (base URL, tag authority, `[feeds] max_item_bytes`), never on the feed that
//! holds it: RSS items, Atom entries and JSON Feed items carry no feed-level
//! value. So they are kept by article id, valid while the article is the same
//! `Arc` (an edit makes a new one), and all dropped when the configuration
//! changes ([`super::Scope::Everything`]). Withdrawn articles have no item.

use std::collections::HashMap;
use std::sync::Arc;

use imbl::OrdMap;

use bytes::Bytes;
use rayon::prelude::*;

use super::Bodies;
use crate::article::Article;
use crate::index::Entry;
use crate::render::{self, FeedView, Format};

/// One article's item in every format, and the article it was rendered from.
#[derive(Debug)]
struct Item {
    article: Arc<Article>,
    /// By [`slot`].
    bytes: [Bytes; 3],
}

/// Where a format's bytes are in [`Item::bytes`].
fn slot(format: Format) -> usize {
    match format {
        Format::Rss => 0,
        Format::Atom => 1,
        Format::Json => 2,
    }
}

/// Items by article id. A persistent map: the next snapshot shares it and
/// changes only the items of the articles that changed.
#[derive(Debug, Clone, Default)]
pub(super) struct Items(OrdMap<String, Arc<Item>>);

impl Items {
    /// The bytes of `e`'s item in `format`, if kept for this very article.
    pub(super) fn get(&self, e: &Entry, format: Format) -> Option<&[u8]> {
        self.0
            .get(&e.article.id)
            .filter(|item| Arc::ptr_eq(&item.article, &e.article))
            .map(|item| &item.bytes[slot(format)][..])
    }

    /// The items of the next snapshot: those of `self` whose article is still
    /// held unchanged (`held`: full articles by id), and the items of `needed`
    /// (the entries of the feeds about to be rendered, full articles) that
    /// `self` lacks, rendered on every core. `view` gives the site
    /// configuration only. An item that fails to render is left out; the feed
    /// that needs it renders it again and reports the error.
    pub(super) fn refresh<'e>(
        &self,
        view: &FeedView<'_>,
        held: &Bodies,
        needed: impl Iterator<Item = &'e Entry>,
    ) -> Items {
        let next: OrdMap<String, Arc<Item>> = held
            .iter()
            .filter_map(|(id, h)| {
                let item = self.0.get(id)?;
                Arc::ptr_eq(&item.article, &h.full).then(|| (id.clone(), item.clone()))
            })
            .collect();
        Items(next).with_missing(view, needed)
    }

    /// [`Items::refresh`] when only the articles `suspects` may have stopped
    /// being held or changed (the ids that changed and the ones that left a
    /// feed): every other item is kept as it is, without visiting it.
    pub(super) fn refresh_at<'e>(
        &self,
        view: &FeedView<'_>,
        held: &Bodies,
        suspects: &std::collections::BTreeSet<String>,
        needed: impl Iterator<Item = &'e Entry>,
    ) -> Items {
        let mut next = self.0.clone();
        for id in suspects {
            let valid = next
                .get(id)
                .zip(held.get(id))
                .is_some_and(|(item, h)| Arc::ptr_eq(&item.article, &h.full));
            if !valid {
                next.remove(id);
            }
        }
        Items(next).with_missing(view, needed)
    }

    /// These items and those of `needed` they lack, rendered on every core.
    fn with_missing<'e>(
        mut self,
        view: &FeedView<'_>,
        needed: impl Iterator<Item = &'e Entry>,
    ) -> Items {
        let mut missing: HashMap<&str, &Entry> = HashMap::new();
        for e in needed.filter(|e| render::has_item(e)) {
            if self.get(e, Format::Rss).is_none() {
                missing.insert(&e.article.id, e);
            }
        }
        let fresh: Vec<(String, Arc<Item>)> = missing
            .into_par_iter()
            .filter_map(|(id, e)| Some((id.to_owned(), Arc::new(render_item(view, e)?))))
            .collect();
        self.0.extend(fresh);
        self
    }
}

/// `e`'s item in every format; `None` if a writer failed.
fn render_item(view: &FeedView<'_>, e: &Entry) -> Option<Item> {
    let bytes = |format| render::item_bytes(view, format, e).ok().map(Bytes::from);
    Some(Item {
        article: e.article.clone(),
        bytes: [
            bytes(Format::Rss)?,
            bytes(Format::Atom)?,
            bytes(Format::Json)?,
        ],
    })
}
