//! Every representation the daemon serves, with its validators, for one store snapshot.
//!
//! Identity bytes are rendered before a snapshot is served; the gzip and brotli
//! encodings are computed later, by the [`Compressor`] thread or by the first
//! request that needs one, so a change is served as soon as it is rendered and
//! compression never delays it.
//!
//! A [`Site`] is an immutable snapshot. [`Site::build`] renders everything;
//! [`Site::update`] re-renders only the feeds whose selected items changed, so
//! every other feed keeps its bytes, ETags and Last-Modified exactly. A feed is
//! re-rendered by splicing its items' bytes, kept from the previous snapshot
//! ([`items`]), so only the items whose articles changed are rendered again.
//! [`Site::update_at`], what the daemon runs after a change, knows which
//! articles changed: it selects again only the feeds they were or are in, and
//! renders a page made from the whole index only when they can touch it
//! ([`impact`]), so a change costs what it touches, not the size of the site.
//!
//! Last-Modified follows the bytes, not the files: see [`Validators`]. A site
//! resumed from a previous process's validators ([`Site::resume`]) keeps the
//! dates of the representations whose bytes are the same.

pub mod archive;
mod encoding;
mod impact;
mod items;
mod last_modified;
pub mod on_demand;
pub mod pages;
pub mod sealed;
mod sitemaps;
mod titles;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::SystemTime;

use imbl::OrdMap;
use rayon::prelude::*;

use crate::article::Article;
use crate::config::Config;
use crate::history::Month;
use crate::index::{Entry, Index};
use crate::render::{self, FeedView, Format};

pub use encoding::{
    brotli_window, coded_etag, compress_now, Body, Coding, Compressor, Kept, Resource, KEPT_BLOCKS,
};
pub use last_modified::{Made, Validator, Validators, LATEST, PAGES_OF_THE_STORE};
pub use on_demand::{Derived, OnDemand, Prepared};
pub use titles::feed_title;

/// What a feed was rendered from, to tell whether it must be rendered again.
#[derive(Debug, Clone)]
struct Rendered {
    items: Vec<Entry>,
    title: String,
    description: String,
}

impl Rendered {
    fn same_as(&self, other: &Rendered) -> bool {
        self.title == other.title
            && self.description == other.description
            && self.items.len() == other.items.len()
            && self
                .items
                .iter()
                .zip(&other.items)
                .all(|(a, b)| Arc::ptr_eq(&a.article, &b.article))
    }
}

/// The full article of an item some feed holds, with the lean article (from the
/// index) it was read for: when the index entry changes, the full one is stale.
#[derive(Debug, Clone)]
struct Held {
    lean: Arc<Article>,
    full: Arc<Article>,
}

/// Full articles of every item some feed holds, by id. A persistent map, so
/// an update changes the few ids it touched without visiting the others.
type Bodies = OrdMap<String, Held>;

/// Which resources an update renders again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only the feeds and pages whose articles changed.
    Changed,
    /// Every resource (the configuration changed, so any byte may differ).
    Everything,
}

/// Every served resource of one store snapshot.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// The index the resources were rendered from.
    pub index: Arc<Index>,
    /// Resources by URL path.
    pub resources: HashMap<String, Arc<Resource>>,
    /// What every feed was rendered from, by slug (`None`: every article);
    /// shared with the next snapshot for every feed a change does not touch.
    feeds: BTreeMap<Option<String>, Arc<Rendered>>,
    /// Full articles of every item some feed holds, by id: what re-renders and
    /// article pages need, and no more.
    bodies: Bodies,
    /// The bytes of every item some feed holds, in every format.
    items: items::Items,
    /// The validators of every representation served so far, with the ones no
    /// longer served: what the next update dates its changes after.
    validators: Validators,
    /// Last-Modified of every article page (`None` before the first render).
    articles_modified: Option<SystemTime>,
    /// What article pages and pages rendered on demand are made from, which
    /// that date follows.
    made: Made,
    /// What the sitemap index lists: kept, so an update takes again only
    /// the sitemaps its articles touch.
    listing: Arc<sitemaps::Listing>,
}

/// A feed that failed to render (the previous bytes keep being served).
#[derive(Debug, thiserror::Error)]
#[error("cannot render {path}: {message}")]
pub struct RenderError {
    /// The feed's URL path.
    pub path: String,
    /// Why.
    pub message: String,
}

/// Reads the full article of a lean index entry (see [`Entry`]).
pub type Hydrate<'a> = &'a (dyn Fn(&Entry) -> Option<Arc<Article>> + Sync);

/// For indexes built in memory, whose entries already hold full articles.
pub fn in_memory(e: &Entry) -> Option<Arc<Article>> {
    Some(e.article.clone())
}

/// What an update finds before it renders anything: what every feed of the new index holds, and
/// which of them must be rendered again.
struct Plan {
    /// What every feed holds, by slug.
    feeds: BTreeMap<Option<String>, Arc<Rendered>>,
    /// Full articles of every item held, by id.
    bodies: Bodies,
    /// The feeds whose items, title or description changed (all with [`Scope::Everything`]), in slug order.
    stale: Vec<Option<String>>,
}

/// A stale feed with its items' full articles, ready to render in every format.
struct StaleFeed<'a> {
    slug: Option<&'a str>,
    full: Rendered,
}

/// One feed in one format to render.
struct Job<'a> {
    slug: Option<&'a str>,
    format: Format,
    view: FeedView<'a>,
}

/// What rendering one feed in one format gave.
enum Outcome {
    /// The same bytes as before: the resource, its encodings, ETags and
    /// Last-Modified are kept.
    Same,
    /// New bytes, hashed (their Last-Modified is assigned once every feed is rendered).
    Changed {
        /// The feed format's media type.
        content_type: &'static str,
        /// The bytes with their ETag.
        body: Body,
    },
    /// Rendering failed; the previous resource, if any, is kept.
    Failed(RenderError),
}

/// A feed path and what rendering it gave.
struct FeedOutcome {
    path: String,
    outcome: Outcome,
}

/// A page rendered from the whole index (not from one feed's items).
struct Page {
    path: String,
    content_type: &'static str,
    bytes: Vec<u8>,
}

/// The resources of the next snapshot while an update puts them together.
struct Assembly {
    resources: HashMap<String, Arc<Resource>>,
    /// Dates every changed resource (see [`Validators::assign`]).
    validators: Validators,
    now: SystemTime,
    errors: Vec<RenderError>,
}

impl Site {
    /// A site with nothing rendered that dates its first render after
    /// `validators` (remembered from a previous process, or a floor).
    pub fn resume(validators: Validators) -> Site {
        Site {
            validators,
            ..Site::default()
        }
    }

    /// The validators of every representation served so far (what a later
    /// process resumes from).
    pub fn validators(&self) -> &Validators {
        &self.validators
    }

    /// Last-Modified of every article page: an article page's bytes depend on
    /// its article, its category and the configuration, and any change to
    /// those is an update of the site, so the time of the latest update (or the
    /// first render) is never earlier than the page's bytes. Kept per site
    /// rather than per article, so 100k articles cost no memory for it; a client
    /// may get a redundant 200 for a page another article's change re-dated.
    pub fn articles_modified(&self) -> SystemTime {
        self.articles_modified.unwrap_or(SystemTime::UNIX_EPOCH)
    }

    /// Renders every resource of `index`.
    pub fn build(
        cfg: &Config,
        index: Arc<Index>,
        now: SystemTime,
        hydrate: Hydrate<'_>,
    ) -> (Site, Vec<RenderError>) {
        Site::default().update(cfg, index, now, Scope::Everything, hydrate)
    }

    /// The full article of `id`, if a feed holds it (so it is in memory).
    pub fn body(&self, id: &str, lean: &Arc<Article>) -> Option<Arc<Article>> {
        self.bodies
            .get(id)
            .filter(|held| Arc::ptr_eq(&held.lean, lean))
            .map(|held| held.full.clone())
    }

    /// Renders what `scope` asks for: what changed between `self` and `index`,
    /// or everything (after a config change). A resource whose bytes changed
    /// gets a Last-Modified later than any it had (see [`Validators`]).
    /// Feeds render on every core; only identity bytes are made here, the
    /// compressed encodings are left to the [`Compressor`] or the first request.
    pub fn update(
        &self,
        cfg: &Config,
        index: Arc<Index>,
        now: SystemTime,
        scope: Scope,
        hydrate: Hydrate<'_>,
    ) -> (Site, Vec<RenderError>) {
        let plan = self.plan(cfg, &index, scope, hydrate);
        let stale = stale_feeds(&plan);
        let items = self.items_for(cfg, scope, &plan, &stale);
        let outcomes = self.render_feeds(cfg, &stale, &items);
        let mut next = Assembly {
            resources: self.resources.clone(),
            validators: self.validators.clone(),
            now,
            errors: Vec::new(),
        };
        next.take_feeds(outcomes);
        next.remove_gone_feeds(&self.feeds, &plan.feeds);
        // Always: the front page lists the months of the history, which an
        // old article can change without changing any feed. Cheap, and a page
        // whose bytes are the same keeps its resource.
        self.render_pages(cfg, &index, &mut next);
        // Likewise a sitemap (an old article edited changes no feed).
        let listing = self.render_sitemaps(cfg, &index, &mut next);
        let made = Made::of(&index);
        next.finish(cfg, made, index, plan, items, listing)
    }

    /// [`Site::update`] after a change at `ids` only: `index` differs from
    /// `self.index` at those ids and nowhere else (as [`Index::updated`]
    /// gives it). Only the feeds those ids were or are in are selected again;
    /// every other feed keeps its selection, and a page rendered from the
    /// whole index is rendered again only when the change can touch it (see
    /// [`impact`]), so an update costs what changed, not the size of the site.
    /// Gives the same site as [`Site::update`] with [`Scope::Changed`].
    pub fn update_at(
        &self,
        cfg: &Config,
        index: Arc<Index>,
        now: SystemTime,
        ids: &BTreeSet<String>,
        hydrate: Hydrate<'_>,
    ) -> (Site, Vec<RenderError>) {
        if self.feeds.is_empty() || !same_tree(&self.index, &index) {
            // A category appeared, emptied or was renamed: any feed's title,
            // the OPML list and the front page may change.
            return self.update(cfg, index, now, Scope::Changed, hydrate);
        }
        let (plan, suspects) = self.plan_at(cfg, &index, ids, hydrate);
        let stale = stale_feeds(&plan);
        let needed = stale.iter().flat_map(|feed| &feed.full.items);
        let items = self
            .items
            .refresh_at(&site_only(cfg), &plan.bodies, &suspects, needed);
        let outcomes = self.render_feeds(cfg, &stale, &items);
        let mut next = Assembly {
            resources: self.resources.clone(),
            validators: self.validators.clone(),
            now,
            errors: Vec::new(),
        };
        next.take_feeds(outcomes);
        let touched = impact::of(&self.index, &index, ids, cfg.tz);
        if touched.front {
            self.render_front(cfg, &index, &mut next);
        }
        let listing = self.sitemaps_at(cfg, &index, ids, touched, &mut next);
        if touched.news {
            self.put_pages([sitemaps::news_page(cfg, &index)], &mut next);
        }
        let made = self.made.moved(&self.index, &index, ids);
        next.finish(cfg, made, index, plan, items, listing)
    }

    /// The plan of [`Site::update_at`]: `self`'s feeds, with those `ids` were
    /// or are in selected again; and the ids that may no longer be held or
    /// may have changed (`ids` and those that left a feed), for the caller to
    /// check the kept item bytes of.
    fn plan_at(
        &self,
        cfg: &Config,
        index: &Index,
        ids: &BTreeSet<String>,
        hydrate: Hydrate<'_>,
    ) -> (Plan, BTreeSet<String>) {
        let mut touched: BTreeSet<Option<&str>> = BTreeSet::from([None]);
        for id in ids {
            for idx in [&*self.index, index] {
                touched.extend(idx.feeds_of(id).into_iter().map(Some));
            }
        }
        let mut plan = Plan {
            feeds: self.feeds.clone(),
            bodies: self.bodies.clone(),
            stale: Vec::new(),
        };
        let mut suspects = ids.clone();
        for slug in touched {
            let now_rendered = Rendered {
                items: index.select(slug, cfg.items_for(slug)),
                title: feed_title(cfg, index, slug),
                description: titles::feed_description(cfg, index, slug),
            };
            let key = slug.map(str::to_owned);
            if let Some(prev) = self.feeds.get(&key) {
                if prev.same_as(&now_rendered) {
                    continue;
                }
                let left = prev.items.iter().filter(|old| {
                    !now_rendered
                        .items
                        .iter()
                        .any(|e| e.article.id == old.article.id)
                });
                suspects.extend(left.map(|e| e.article.id.clone()));
            }
            self.hold(&mut plan.bodies, &now_rendered.items, hydrate);
            plan.stale.push(key.clone());
            plan.feeds.insert(key, Arc::new(now_rendered));
        }
        for id in &suspects {
            if !held_by_a_feed(&plan.feeds, index, id) {
                plan.bodies.remove(id);
            }
        }
        (plan, suspects)
    }

    /// What every feed of `index` holds, the full articles of its items
    /// (kept from `self` when the index entry is the same, else read), and which
    /// feeds changed.
    fn plan(&self, cfg: &Config, index: &Index, scope: Scope, hydrate: Hydrate<'_>) -> Plan {
        let slugs = std::iter::once(None).chain(index.categories().keys().cloned().map(Some));
        let mut plan = Plan {
            feeds: BTreeMap::new(),
            bodies: Bodies::new(),
            stale: Vec::new(),
        };
        for slug in slugs {
            let s = slug.as_deref();
            let now_rendered = Rendered {
                items: index.select(s, cfg.items_for(s)),
                title: feed_title(cfg, index, s),
                description: titles::feed_description(cfg, index, s),
            };
            self.hold(&mut plan.bodies, &now_rendered.items, hydrate);
            let unchanged = scope == Scope::Changed
                && self
                    .feeds
                    .get(&slug)
                    .is_some_and(|prev| prev.same_as(&now_rendered));
            if !unchanged {
                plan.stale.push(slug.clone());
            }
            plan.feeds.insert(slug, Arc::new(now_rendered));
        }
        plan
    }

    /// Puts the full article of every entry of `items` in `bodies`, unless
    /// it is there for this very entry: kept from `self` when the index entry
    /// is the same, else read.
    fn hold(&self, bodies: &mut Bodies, items: &[Entry], hydrate: Hydrate<'_>) {
        for e in items {
            let id = &e.article.id;
            if bodies
                .get(id)
                .is_some_and(|held| Arc::ptr_eq(&held.lean, &e.article))
            {
                continue;
            }
            let full = self
                .body(id, &e.article)
                .or_else(|| hydrate(e))
                // Gone or broken since it was indexed: render what the index has;
                // the watcher is about to report the change.
                .unwrap_or_else(|| e.article.clone());
            let held = Held {
                lean: e.article.clone(),
                full,
            };
            bodies.insert(id.clone(), held);
        }
    }

    /// The item bytes the stale feeds are spliced from, and the next snapshot
    /// keeps: those of `self` still valid, and the stale feeds' items that
    /// changed, rendered now. A full render (the first load, a configuration
    /// change) keeps none: its feeds render their items as they go, and the
    /// items are kept from the first update of each feed on, so memory holds
    /// the items of the feeds that change (the newest ones, in practice) rather
    /// than a second copy of every feed.
    fn items_for(
        &self,
        cfg: &Config,
        scope: Scope,
        plan: &Plan,
        stale: &[StaleFeed<'_>],
    ) -> items::Items {
        let kept = match scope {
            Scope::Changed => &self.items,
            Scope::Everything => return items::Items::default(),
        };
        let needed = stale.iter().flat_map(|feed| &feed.full.items);
        kept.refresh(&site_only(cfg), &plan.bodies, needed)
    }

    /// Renders every stale feed in every format, in parallel, from the items'
    /// bytes, and tells which bytes changed.
    fn render_feeds(
        &self,
        cfg: &Config,
        stale: &[StaleFeed<'_>],
        items: &items::Items,
    ) -> Vec<FeedOutcome> {
        let jobs: Vec<Job<'_>> = stale
            .iter()
            .flat_map(|feed| {
                Format::ALL.into_iter().map(move |format| Job {
                    slug: feed.slug,
                    format,
                    view: FeedView {
                        site: &cfg.site,
                        of: render::Of::Category(feed.slug),
                        title: feed.full.title.clone(),
                        description: feed.full.description.clone(),
                        ttl: cfg.feeds.ttl,
                        items: &feed.full.items,
                        max_item_bytes: cfg.feeds.max_item_bytes,
                        hubs: &cfg.websub.hubs,
                        history: live_history(cfg, &feed.full.items),
                        as_of: None,
                    },
                })
            })
            .collect();
        jobs.par_iter()
            .map(|job| self.render_job(job, items))
            .collect()
    }

    /// Splices one feed in one format and compares the bytes with what `self` serves.
    fn render_job(&self, job: &Job<'_>, items: &items::Items) -> FeedOutcome {
        let path = render::feed_path(job.slug, job.format);
        let bytes = splice_feed(&job.view, job.format, items);
        let prev = self.resources.get(&path);
        let outcome = match bytes {
            Ok(bytes) if prev.is_some_and(|p| p.identity.bytes == bytes) => Outcome::Same,
            Ok(bytes) => Outcome::Changed {
                content_type: job.format.content_type(),
                body: Body::new(bytes),
            },
            Err(message) => Outcome::Failed(RenderError {
                path: path.clone(),
                message,
            }),
        };
        FeedOutcome { path, outcome }
    }

    /// The OPML list and the front page, rendered from the whole index;
    /// a page whose bytes did not change keeps its resource.
    fn render_pages(&self, cfg: &Config, index: &Index, next: &mut Assembly) {
        let title_of = |slug: Option<&str>| feed_title(cfg, index, slug);
        let opml = Page {
            path: "/feeds.opml".to_owned(),
            content_type: "text/x-opml; charset=utf-8",
            bytes: render::opml::render(&cfg.site, index, &title_of),
        };
        self.put_pages([opml], next);
        self.render_front(cfg, index, next);
    }

    /// The front page: the category tree, the newest articles and the months.
    fn render_front(&self, cfg: &Config, index: &Index, next: &mut Assembly) {
        let listed = index.select_listed(None, pages::CATEGORY_PAGE_ITEMS + 1);
        let newest = render::html::Newest::of(&listed, pages::CATEGORY_PAGE_ITEMS);
        let months = crate::history::months(index, None, cfg.tz).unwrap_or_default();
        let front = Page {
            path: "/".to_owned(),
            content_type: "text/html; charset=utf-8",
            bytes: render::html::front_page(
                &cfg.site,
                index,
                &|slug| feed_title(cfg, index, slug),
                newest,
                &months,
            ),
        };
        self.put_pages([front], next);
    }

    /// Puts each page whose bytes changed in place.
    fn put_pages(&self, pages: impl IntoIterator<Item = Page>, next: &mut Assembly) {
        for page in pages {
            let prev = self.resources.get(&page.path);
            if prev.is_some_and(|p| p.identity.bytes == page.bytes) {
                continue;
            }
            next.put(page.path, page.content_type, Body::new(page.bytes));
        }
    }

    /// Paths of the feeds and pages, sorted.
    pub fn paths(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.resources.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }
}

/// A view that carries the site configuration only: what items depend on
/// (see [`items`]).
fn site_only(cfg: &Config) -> FeedView<'_> {
    FeedView {
        site: &cfg.site,
        of: render::Of::Category(None),
        title: String::new(),
        description: String::new(),
        ttl: cfg.feeds.ttl,
        items: &[],
        max_item_bytes: cfg.feeds.max_item_bytes,
        hubs: &[],
        history: render::History::default(),
        as_of: None,
    }
}

/// Whether two indexes have the same category tree: the same slugs, names,
/// paths, parents and children (members aside).
fn same_tree(a: &Index, b: &Index) -> bool {
    let (a, b) = (a.categories(), b.categories());
    a.len() == b.len()
        && a.values().zip(b.values()).all(|(x, y)| {
            x.slug == y.slug
                && x.name == y.name
                && x.path == y.path
                && x.parent == y.parent
                && x.children == y.children
        })
}

/// Whether some feed of `feeds` holds article `id`: the all-articles feed or
/// one of the categories `index` files it in (no other feed can).
fn held_by_a_feed(
    feeds: &BTreeMap<Option<String>, Arc<Rendered>>,
    index: &Index,
    id: &str,
) -> bool {
    let slugs =
        std::iter::once(None).chain(index.feeds_of(id).into_iter().map(|s| Some(s.to_owned())));
    slugs.into_iter().any(|slug| {
        feeds
            .get(&slug)
            .is_some_and(|f| f.items.iter().any(|e| e.article.id == id))
    })
}

/// One feed document in `format`, spliced from the items' bytes in `items`;
/// an item missing there (its render failed) is rendered again, to report why.
fn splice_feed(
    view: &FeedView<'_>,
    format: Format,
    items: &items::Items,
) -> Result<Vec<u8>, String> {
    let shown = view.items.iter().filter(|e| render::has_item(e));
    let mut parts: Vec<Cow<'_, [u8]>> = Vec::with_capacity(view.items.len());
    for e in shown {
        let part = match items.get(e, format) {
            Some(bytes) => Cow::Borrowed(bytes),
            None => Cow::Owned(render::item_bytes(view, format, e).map_err(|e| e.to_string())?),
        };
        parts.push(part);
    }
    let parts: Vec<&[u8]> = parts.iter().map(|p| &p[..]).collect();
    render::splice(view, format, &parts).map_err(|e| e.to_string())
}

/// One feed document in `format`, rendered whole.
fn render_feed(view: &FeedView<'_>, format: Format) -> Result<Vec<u8>, String> {
    match format {
        Format::Rss => render::rss_feed::render(view).map_err(|e| e.to_string()),
        Format::Atom => render::atom_feed::render(view).map_err(|e| e.to_string()),
        Format::Json => render::json_feed::render(view).map_err(|e| e.to_string()),
    }
}

/// The live feed's place in its history: its newest archive is the month of
/// its newest item (RFC 5005 §4; see [`archive`]).
fn live_history(cfg: &Config, items: &[Entry]) -> render::History {
    render::History {
        prev: items
            .first()
            .map(|e| Month::of(e.article.published.timestamp(), cfg.tz)),
        ..render::History::default()
    }
}

/// The stale feeds of `plan` with their items' full articles in place of the lean ones.
fn stale_feeds(plan: &Plan) -> Vec<StaleFeed<'_>> {
    plan.stale
        .iter()
        .map(|slug| {
            let lean = &plan.feeds[slug];
            let items = lean
                .items
                .iter()
                .map(|e| Entry {
                    article: plan.bodies[&e.article.id].full.clone(),
                    ..e.clone()
                })
                .collect();
            StaleFeed {
                slug: slug.as_deref(),
                full: Rendered {
                    items,
                    title: lean.title.clone(),
                    description: lean.description.clone(),
                },
            }
        })
        .collect()
}

impl Assembly {
    /// The site assembled: `index`, what `plan` selected and held, the item
    /// bytes and what the sitemap index lists, and every resource put so far,
    /// with the date of the pages `made` from `index` and `cfg` (a later one
    /// if any of that changed).
    fn finish(
        mut self,
        cfg: &Config,
        made: Made,
        index: Arc<Index>,
        plan: Plan,
        items: items::Items,
        listing: Arc<sitemaps::Listing>,
    ) -> (Site, Vec<RenderError>) {
        // Every field, as `Debug` shows it (no field is a hash map, so the
        // order is fixed): unlike the TOML form, it cannot fail to be made
        // (a path that is not UTF-8), which would leave configs apart.
        let tag = made.tag(&format!("{cfg:?}"));
        let articles_modified = Some(self.validators.assign(PAGES_OF_THE_STORE, &tag, self.now));
        // The state file keeps what is served, not every path ever served.
        let resources = &self.resources;
        self.validators
            .forget_unserved(|path| resources.contains_key(path), self.now);
        let site = Site {
            index,
            resources: self.resources,
            feeds: plan.feeds,
            bodies: plan.bodies,
            items,
            validators: self.validators,
            articles_modified,
            made,
            listing,
        };
        (site, self.errors)
    }

    /// Serves `body` at `path`, dated by the validators.
    fn put(&mut self, path: String, content_type: &'static str, body: Body) {
        let lm = self.validators.assign(&path, &body.etag, self.now);
        let resource = Resource::of_body(content_type, lm, body);
        self.resources.insert(path, Arc::new(resource));
    }

    /// Puts the feeds that rendered to new bytes in place, and collects the failures.
    fn take_feeds(&mut self, outcomes: Vec<FeedOutcome>) {
        for FeedOutcome { path, outcome } in outcomes {
            match outcome {
                Outcome::Changed { content_type, body } => self.put(path, content_type, body),
                Outcome::Same => {}
                Outcome::Failed(e) => self.errors.push(e),
            }
        }
    }

    /// Feeds of categories that no longer exist leave the site.
    fn remove_gone_feeds(
        &mut self,
        before: &BTreeMap<Option<String>, Arc<Rendered>>,
        after: &BTreeMap<Option<String>, Arc<Rendered>>,
    ) {
        for gone in before.keys().filter(|s| !after.contains_key(*s)) {
            for format in Format::ALL {
                self.resources
                    .remove(&render::feed_path(gone.as_deref(), format));
            }
        }
    }
}
