//! The sitemaps a snapshot serves: `/robots.txt`, the sitemap index, the
//! pages sitemap, the tag and author parts and the news sitemap (the month
//! sitemaps are rendered on request: see [`render::sitemap::on_demand`]).
//!
//! What the index lists is kept between updates ([`Listing`]), so an update
//! takes again only what its articles touch: the pages sitemap when one of
//! them heads the store's or a category's list or is withdrawn, the parts of
//! the terms it dates anew ([`term_sitemaps::at`]), the parts of its months; the index
//! itself, a line per part, is rendered again whenever one of those is.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::impact::Impact;
use super::{Assembly, Page, Site};
use crate::config::Config;
use crate::history::Month;
use crate::index::Index;
use crate::render::sitemap::{self, Sitemap};
use crate::render::term_sitemaps::{self, Cut, Part, TermMaps};

/// The parts of every month's sitemap as the sitemap index lists them, newest
/// month first.
type MonthMaps = BTreeMap<Reverse<Month>, Vec<Sitemap>>;

/// Everything the sitemap index lists, in its order: kept, so an update
/// takes again only what its articles touch.
#[derive(Debug, Clone, Default)]
pub(super) struct Listing {
    /// The parts of the pages sitemap (the front and category pages).
    pages: Vec<Sitemap>,
    /// Every tag and author part.
    terms: TermMaps,
    /// Every month's parts.
    months: MonthMaps,
}

impl Listing {
    /// The sitemaps in the index's order: pages, months newest first, then
    /// tags and authors. An index lists at most 50,000 sitemaps, and a store
    /// can make as many term parts as it has terms (a run is as short as
    /// one term whose slug happens to start a part), so the term parts come
    /// last: what a truncated index leaves out is term pages, never an
    /// article's month.
    fn sitemaps(&self) -> Vec<Sitemap> {
        let terms = self.terms.values();
        let months = self.months.values().flatten();
        self.pages
            .iter()
            .chain(months)
            .chain(terms)
            .cloned()
            .collect()
    }
}

impl Site {
    /// Whether the sitemap index lists part `n` (from 1) of `month`'s
    /// sitemap: what [`crate::render::sitemap::on_demand`] answers, told
    /// without listing the month's articles.
    pub fn lists_month_part(&self, month: Month, n: usize) -> bool {
        let parts = self.listing.months.get(&Reverse(month));
        parts.is_some_and(|parts| parts.len() >= n)
    }

    /// Every sitemap of `index` (after a configuration change, or a change
    /// to the category tree), and what the index lists; a sitemap no longer
    /// listed leaves the site.
    pub(super) fn render_sitemaps(
        &self,
        cfg: &Config,
        index: &Index,
        next: &mut Assembly,
    ) -> Arc<Listing> {
        let page_maps = pages_sitemap(cfg, index);
        let terms = term_sitemaps::every(index, Cut::DEFAULT);
        let listing = Listing {
            pages: page_maps.listed,
            terms: terms.maps,
            months: every_month(index, cfg.tz),
        };
        let mut pages = vec![
            Page {
                path: sitemap::ROBOTS_PATH.to_owned(),
                content_type: "text/plain; charset=utf-8",
                bytes: sitemap::robots(&cfg.site),
            },
            index_page(cfg, &listing),
            news_page(cfg, index),
        ];
        pages.extend(page_maps.documents);
        pages.extend(term_pages(cfg, &terms.parts));
        let served: HashSet<&str> = pages.iter().map(|p| p.path.as_str()).collect();
        next.resources
            .retain(|path, _| !path.starts_with("/sitemaps/") || served.contains(path.as_str()));
        self.put_pages(pages, next);
        Arc::new(listing)
    }

    /// The sitemaps after a change at `ids` that touches what `touched` says
    /// (the category tree the same): the pages sitemap when it is touched,
    /// the term parts holding a term the change dates anew, the parts of the
    /// changed articles' months when they are touched, and the index when
    /// any of those is; everything else keeps its resource. Gives the
    /// sitemaps [`Site::render_sitemaps`] gives.
    pub(super) fn sitemaps_at(
        &self,
        cfg: &Config,
        index: &Index,
        ids: &BTreeSet<String>,
        touched: Impact,
        next: &mut Assembly,
    ) -> Arc<Listing> {
        let terms = term_sitemaps::at(&self.index, index, ids, &self.listing.terms, Cut::DEFAULT);
        if !touched.pages && !touched.months && terms.is_none() {
            return self.listing.clone();
        }
        let terms = terms.unwrap_or_else(|| term_sitemaps::Update {
            maps: self.listing.terms.clone(),
            ..term_sitemaps::Update::default()
        });
        let mut listing = Listing {
            pages: self.listing.pages.clone(),
            terms: terms.maps,
            months: if touched.months {
                self.months_at(index, ids, cfg.tz)
            } else {
                self.listing.months.clone()
            },
        };
        let mut pages = Vec::new();
        if touched.pages {
            let page_maps = pages_sitemap(cfg, index);
            listing.pages = page_maps.listed;
            pages.extend(page_maps.documents);
            // A part of the pages sitemap no longer listed leaves the site.
            for gone in &self.listing.pages {
                if !listing.pages.iter().any(|p| p.path == gone.path) {
                    next.resources.remove(&gone.path);
                }
            }
        }
        for gone in &terms.gone {
            next.resources.remove(gone);
        }
        pages.extend(term_pages(cfg, &terms.parts));
        pages.push(index_page(cfg, &listing));
        self.put_pages(pages, next);
        Arc::new(listing)
    }

    /// `self`'s month sitemaps with those of the months the articles `ids`
    /// were or are in taken again from `index`.
    fn months_at(&self, index: &Index, ids: &BTreeSet<String>, tz: chrono_tz::Tz) -> MonthMaps {
        let mut maps = self.listing.months.clone();
        let keys = ids
            .iter()
            .flat_map(|id| [self.index.key(id), index.key(id)])
            .flatten();
        let months: BTreeSet<Month> = keys.map(|k| Month::of(k.published(), tz)).collect();
        for month in months {
            let parts = sitemap::month_parts(index, month, tz);
            if parts.is_empty() {
                maps.remove(&Reverse(month));
            } else {
                maps.insert(Reverse(month), parts);
            }
        }
        maps
    }
}

/// A sitemap document at `path`.
fn xml(path: String, bytes: Vec<u8>) -> Page {
    Page {
        path,
        content_type: sitemap::CONTENT_TYPE,
        bytes,
    }
}

/// The pages sitemap (the front and category pages) of a snapshot.
struct PagesSitemap {
    /// Its parts as the sitemap index lists them.
    listed: Vec<Sitemap>,
    /// Its parts rendered.
    documents: Vec<Page>,
}

/// The pages sitemap of `index`, as the full render and an update that
/// touches it both take it.
fn pages_sitemap(cfg: &Config, index: &Index) -> PagesSitemap {
    let urls = sitemap::page_urls(index);
    let documents = sitemap::page_sitemaps_of(&cfg.site, &urls);
    PagesSitemap {
        listed: sitemap::page_parts(&urls),
        documents: documents
            .into_iter()
            .map(|(path, bytes)| xml(path, bytes))
            .collect(),
    }
}

/// The sitemap index of `listing`.
fn index_page(cfg: &Config, listing: &Listing) -> Page {
    let maps = listing.sitemaps();
    xml(
        sitemap::INDEX_PATH.to_owned(),
        sitemap::sitemap_index(&cfg.site, &maps),
    )
}

/// The term parts `parts` rendered, on every core (a first render has
/// hundreds of them).
fn term_pages(cfg: &Config, parts: &[Part]) -> Vec<Page> {
    parts
        .par_iter()
        .map(|part| xml(part.path(), sitemap::urlset(&cfg.site, &part.urls)))
        .collect()
}

/// What the sitemap index lists of every month of `index`.
fn every_month(index: &Index, tz: chrono_tz::Tz) -> MonthMaps {
    let months = crate::history::months(index, None, tz).unwrap_or_default();
    months
        .into_iter()
        .map(|m| (Reverse(m), sitemap::month_parts(index, m, tz)))
        .collect()
}

/// The news sitemap (see [`sitemap::news`]).
pub(super) fn news_page(cfg: &Config, index: &Index) -> Page {
    xml(
        sitemap::NEWS_PATH.to_owned(),
        sitemap::news(&cfg.site, index),
    )
}
