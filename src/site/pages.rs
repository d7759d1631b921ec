//! The pages and term feeds rendered when asked for rather than with every update: the
//! resources whose number grows with the store (category, month, tag and author
//! pages, tag and author feeds, subscribe pages; archives, of categories and
//! of terms alike, through [`archive`]),
//! and article pages.
//!
//! [`resolve`] says what a path names in an index (cheaply, without
//! rendering), [`prepare`] describes it for the [`on_demand`](super::on_demand)
//! cache with tags derived from what it shows, and [`paths`] lists every such
//! path, so the daemon and `bantin build` serve exactly the same set and a page
//! only ever links paths that resolve.

use std::sync::Arc;

use chrono_tz::Tz;

use super::archive;
use super::on_demand::{Freshness, Inputs, Prepared, Rendered};
use super::{feed_title, titles, RenderError};
use crate::article::Article;
use crate::config::Config;
use crate::history::{self, Chain, Growth, Month};
use crate::index::{Entry, Index};
use crate::render::html::{self, ArticleLinks, Opml, Subscription};
use crate::render::{self, FeedView, Format, History, Of, TermFeed};
use crate::taxonomy::Kind;

/// How many of a category's newest articles its page lists (the rest are on
/// its month pages).
pub const CATEGORY_PAGE_ITEMS: usize = 30;

/// How many of a tag's or author's newest articles its page lists.
pub const TERM_PAGE_ITEMS: usize = 200;

/// How many terms a page of `/tags` or `/authors` lists. A line is some 77
/// bytes, so a page is about 79 KB of HTML (8 KB gzipped), which a phone
/// shows at once, and the 112,000 tags of a national outlet's store are 113
/// pages. With the sample's few dozen the list is one page.
pub const LIST_PAGE_TERMS: usize = 1000;

/// How many tag or author feeds `/tags.opml` or `/authors.opml` lists at
/// most: those with the most articles. A reader imports an OPML whole, as
/// one subscription a feed, and polls every one; a thousand is already more
/// than most take, and the list stays about 200 KB whatever the store holds
/// (every tag's was 23 MB at 112,000 tags, more than the on-demand cache
/// keeps, so it was rendered for every request). As many as a page of
/// `/tags` or `/authors`, so the OPML holds every term exactly when their
/// list is one page.
pub const OPML_TERMS: usize = LIST_PAGE_TERMS;

/// A feed a subscribe page is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOf {
    /// All articles (`None`) or one category.
    Category(Option<String>),
    /// A tag or author.
    Term(Kind, String),
    /// The archive of one month of all articles, a category, a tag or an
    /// author (RFC 5005 §4).
    Archive(Chain, Month),
    /// The feed of changes ([`render::changes_path`]).
    Changes,
}

impl FeedOf {
    /// The site path of this feed in `format`.
    pub fn path(&self, format: Format) -> String {
        match self {
            FeedOf::Category(slug) => render::feed_path(slug.as_deref(), format),
            FeedOf::Term(kind, slug) => render::term_feed_path(*kind, slug, format),
            FeedOf::Archive(chain, month) => archive::path(chain, *month, format),
            FeedOf::Changes => render::changes_path(format),
        }
    }
}

/// A resource rendered on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnRequest {
    /// `/categories/<slug>`.
    Category(String),
    /// `/archive/<YYYY-MM>`, `/archive/<slug>/<YYYY-MM>`,
    /// `/tags/<slug>/<YYYY-MM>`, `/authors/<slug>/<YYYY-MM>`: one month's
    /// page of all articles, a category, a tag or an author.
    Month {
        /// Whose month.
        chain: Chain,
        /// The month.
        month: Month,
    },
    /// `/tags/<slug>`, `/authors/<slug>`.
    Term(Kind, String),
    /// `/tags/<slug>.<ext>`, `/authors/<slug>.<ext>`.
    TermFeed(Kind, String, Format),
    /// `/changes.<ext>`: the feed of changes.
    Changes(Format),
    /// `/changes`: its page.
    ChangesPage,
    /// `/tags`, `/authors` (page 1), `/tags/trang_<n>`,
    /// `/authors/trang_<n>` (see [`render::terms_page_path`]): a page of the
    /// list of every tag or author, [`LIST_PAGE_TERMS`] terms a page.
    Terms {
        /// Tags or authors.
        kind: Kind,
        /// The page's number, from 1.
        page: usize,
    },
    /// `/tags.opml`, `/authors.opml`: the feeds of the [`OPML_TERMS`]
    /// tags or authors with the most articles.
    TermsOpml(Kind),
    /// `/subscribe/<feed path>`.
    Subscribe(FeedOf, Format),
    /// `/subscribe/feeds.opml`, `/subscribe/tags.opml`,
    /// `/subscribe/authors.opml`: the page about an OPML list.
    OpmlPage(Opml),
}

/// The OPML lists, each with a page about it.
const OPML_LISTS: [Opml; 3] = [Opml::Categories, Opml::Tags, Opml::Authors];

/// A format from a file extension.
fn format_of(ext: &str) -> Option<Format> {
    Format::ALL.into_iter().find(|f| f.ext() == ext)
}

/// What `path` names in `index`, or `None` when nothing is there (unknown
/// slug, a month without articles, a malformed path).
pub fn resolve(index: &Index, tz: Tz, path: &str) -> Option<OnRequest> {
    if path == render::CHANGES_PAGE {
        return Some(OnRequest::ChangesPage);
    }
    if let Some(format) = render::changes_format(path) {
        return Some(OnRequest::Changes(format));
    }
    if let Some(slug) = path.strip_prefix("/categories/") {
        return index
            .categories()
            .contains_key(slug)
            .then(|| OnRequest::Category(slug.to_owned()));
    }
    if let Some(rest) = path.strip_prefix("/archive/") {
        let (slug, month) = match rest.rsplit_once('/') {
            Some((slug, m)) => (Some(slug), m),
            None => (None, rest),
        };
        return month_page(index, tz, Chain::Category(slug.map(str::to_owned)), month);
    }
    if let Some(feed) = path.strip_prefix("/subscribe/") {
        if let Some(list) = OPML_LISTS
            .into_iter()
            .find(|l| l.path().strip_prefix('/') == Some(feed))
        {
            return Some(OnRequest::OpmlPage(list));
        }
        let (feed, format) = feed_of(index, tz, &format!("/{feed}"))?;
        return Some(OnRequest::Subscribe(feed, format));
    }
    for kind in [Kind::Tag, Kind::Author] {
        if path == render::terms_opml(kind) {
            return Some(OnRequest::TermsOpml(kind));
        }
        let Some(rest) = path.strip_prefix(&render::terms_path(kind)) else {
            continue;
        };
        if rest.is_empty() {
            return Some(OnRequest::Terms { kind, page: 1 });
        }
        let rest = rest.strip_prefix('/')?;
        if let Some(page) = render::terms_page_number(rest) {
            let pages = index.taxonomy(kind).list_pages(LIST_PAGE_TERMS).len();
            return (page <= pages).then_some(OnRequest::Terms { kind, page });
        }
        if let Some((slug, month)) = rest.split_once('/') {
            return month_page(index, tz, Chain::Term(kind, slug.to_owned()), month);
        }
        let (slug, format) = match rest.split_once('.') {
            Some((slug, ext)) => (slug, Some(format_of(ext)?)),
            None => (rest, None),
        };
        index.taxonomy(kind).get(slug)?;
        return Some(match format {
            Some(f) => OnRequest::TermFeed(kind, slug.to_owned(), f),
            None => OnRequest::Term(kind, slug.to_owned()),
        });
    }
    None
}

/// The page of `month` (`YYYY-MM`) of `chain`, if `chain` has articles
/// then: found with the range lookups of [`history::chain_place`], without
/// collecting its articles.
fn month_page(index: &Index, tz: Tz, chain: Chain, month: &str) -> Option<OnRequest> {
    let month: Month = month.parse().ok()?;
    history::chain_place(index, &chain, month, tz)
        .held
        .then_some(OnRequest::Month { chain, month })
}

/// The feed at the site path `path`, if `index` has it.
fn feed_of(index: &Index, tz: Tz, path: &str) -> Option<(FeedOf, Format)> {
    if let Some(req) = archive::Request::parse(path) {
        let place = history::chain_place(index, &req.chain, req.month, tz);
        return place
            .held
            .then_some((FeedOf::Archive(req.chain, req.month), req.format));
    }
    let (stem, ext) = path.rsplit_once('.')?;
    let format = format_of(ext)?;
    if stem == "/feed" {
        return Some((FeedOf::Category(None), format));
    }
    if stem == render::CHANGES_PAGE {
        return Some((FeedOf::Changes, format));
    }
    if let Some(slug) = stem.strip_prefix("/feeds/") {
        return index
            .categories()
            .contains_key(slug)
            .then(|| (FeedOf::Category(Some(slug.to_owned())), format));
    }
    for kind in [Kind::Tag, Kind::Author] {
        if let Some(slug) = stem.strip_prefix(&format!("{}/", render::terms_path(kind))) {
            index.taxonomy(kind).get(slug)?;
            return Some((FeedOf::Term(kind, slug.to_owned()), format));
        }
    }
    None
}

/// Every path [`prepare`] answers for `index` (what [`resolve`] answers and
/// the archived feeds), sorted by kind then name.
pub fn paths(index: &Index, tz: Tz) -> Vec<String> {
    let mut out = Vec::new();
    for kind in [Kind::Tag, Kind::Author] {
        out.push(render::terms_opml(kind).to_owned());
        let pages = index.taxonomy(kind).list_pages(LIST_PAGE_TERMS).len();
        out.extend((1..=pages).map(|n| render::terms_page_path(kind, n)));
    }
    out.extend(OPML_LISTS.map(|l| render::subscribe_path(l.path())));
    out.push(render::CHANGES_PAGE.to_owned());
    out.extend(Format::ALL.map(render::changes_path));
    let slugs = std::iter::once(None).chain(index.categories().keys().map(|s| Some(s.as_str())));
    let mut feeds = Vec::new();
    for slug in slugs {
        if let Some(s) = slug {
            out.push(render::category_path(Some(s)));
        }
        for m in history::months(index, slug, tz).unwrap_or_default() {
            out.push(render::month_path(slug, m));
            for f in Format::ALL {
                out.push(render::archive_path(slug, m, f));
            }
            feeds.push(FeedOf::Archive(Chain::Category(slug.map(str::to_owned)), m));
        }
        feeds.push(FeedOf::Category(slug.map(str::to_owned)));
    }
    for kind in [Kind::Tag, Kind::Author] {
        for slug in index.taxonomy(kind).terms().keys() {
            out.push(render::term_path(kind, slug));
            for f in Format::ALL {
                out.push(render::term_feed_path(kind, slug, f));
            }
            let chain = Chain::Term(kind, slug.clone());
            for m in history::chain_months(index, &chain, tz).unwrap_or_default() {
                out.push(render::term_month_path(kind, slug, m));
                for f in Format::ALL {
                    out.push(render::term_archive_path(kind, slug, m, f));
                }
                feeds.push(FeedOf::Archive(chain.clone(), m));
            }
            feeds.push(FeedOf::Term(kind, slug.clone()));
        }
    }
    feeds.push(FeedOf::Changes);
    for feed in feeds {
        for f in Format::ALL {
            out.push(render::subscribe_path(&feed.path(f)));
        }
    }
    out
}

const HTML: &str = "text/html; charset=utf-8";

impl OnRequest {
    /// Its `Content-Type`.
    pub fn content_type(&self) -> &'static str {
        match self {
            OnRequest::TermFeed(_, _, format) | OnRequest::Changes(format) => format.content_type(),
            OnRequest::TermsOpml(_) => "text/x-opml; charset=utf-8",
            _ => HTML,
        }
    }
}

/// What `path` names, described to render on demand (see
/// [`on_demand`](super::on_demand)): an archived feed, a page or a tag's or
/// author's feed. `None` when nothing is there. Costs the index lookups of
/// what the resource shows and a hash of them, no render and no disk read.
pub fn prepare(
    cfg: &Arc<Config>,
    index: &Arc<Index>,
    path: &str,
    hydrate: archive::Hydrate,
) -> Option<Prepared> {
    if let Some(req) = archive::Request::parse(path) {
        return archive::prepare(cfg, index, &req, hydrate);
    }
    let what = resolve(index, cfg.tz, path)?;
    let tags = inputs(&what, cfg, index).finish();
    let content_type = what.content_type();
    let (cfg, index) = (cfg.clone(), index.clone());
    Some(Prepared {
        path: path.to_owned(),
        tags,
        content_type,
        freshness: Freshness::Live,
        render: Box::new(move || render(&what, &cfg, &index, &hydrate)),
    })
}

/// Everything the bytes of `what` depend on: the program version (in
/// [`Inputs::new`]), the configuration that shapes pages and feeds, its path,
/// and what it shows, as [`render`] selects it from the same index. A page
/// that lists the whole index (`/tags`) hashes what it lists, not the store.
fn inputs(what: &OnRequest, cfg: &Config, index: &Index) -> Inputs {
    let mut i = Inputs::new("page");
    i.bytes(&archive::rendering_config(cfg))
        .str(&format!("{what:?}"));
    match what {
        OnRequest::Category(slug) => {
            let s = Some(slug.as_str());
            i.str(&feed_title(cfg, index, s))
                .str(titles::configured_description(cfg, slug).unwrap_or_default());
            categories(&mut i, index, s);
            if let Some(c) = index.categories().get(slug) {
                for child in c.children.iter().filter_map(|c| index.categories().get(c)) {
                    i.str(&child.slug).str(&child.name).str(&feed_title(
                        cfg,
                        index,
                        Some(&child.slug),
                    ));
                }
            }
            for m in history::months(index, s, cfg.tz).unwrap_or_default() {
                i.str(&m.to_string());
            }
            // What the page shows of its newest (see `html::Newest`): them,
            // whether there are more, and, with none, whether it holds any.
            let listed = index.select_listed(s, CATEGORY_PAGE_ITEMS + 1);
            let newest = html::Newest::of(&listed, CATEGORY_PAGE_ITEMS);
            entries(&mut i, newest.shown);
            let held = index
                .categories()
                .get(slug)
                .is_some_and(|c| !c.members.is_empty());
            i.num(i128::from(newest.more)).num(i128::from(held));
        }
        OnRequest::Month { chain, month } => {
            let (listed, around) = history::chain_month(index, chain, *month, cfg.tz);
            let titles = month_titles(cfg, index, chain);
            i.str(&titles.name).str(&titles.feed);
            if let Chain::Category(slug) = chain {
                categories(&mut i, index, slug.as_deref());
            }
            for m in [around.newer, around.older] {
                i.str(&m.map(|m| m.to_string()).unwrap_or_default());
            }
            entries(&mut i, &listed);
        }
        OnRequest::Term(kind, slug) => {
            if let Some(t) = index.taxonomy(*kind).get(slug) {
                i.str(&t.name).num(t.listed() as i128);
            }
            for m in term_months(cfg, index, *kind, slug) {
                i.str(&m.to_string());
            }
            entries(
                &mut i,
                &index.select_term_listed(*kind, slug, TERM_PAGE_ITEMS),
            );
        }
        OnRequest::TermFeed(kind, slug, _) => {
            i.str(&term_title(index, *kind, slug));
            entries(&mut i, &index.select_term(*kind, slug, cfg.feeds.items));
        }
        // Its title and description are the config's (hashed above).
        OnRequest::Changes(_) | OnRequest::ChangesPage => {
            entries(&mut i, &index.select_changed(cfg.feeds.items));
        }
        // The page's terms, through a digest each taxonomy makes once for
        // each page, and how many pages there are (its pager says).
        OnRequest::Terms { kind, page } => {
            let pages = index.taxonomy(*kind).list_pages(LIST_PAGE_TERMS);
            i.num(pages.len() as i128);
            if let Some(p) = pages.get(*page) {
                i.bytes(&p.digest);
            }
            i.str(&format!("{:?}", opml_scope(index, *kind)));
        }
        OnRequest::TermsOpml(kind) => {
            let most = index.taxonomy(*kind).most_listed(OPML_TERMS);
            i.bytes(&most.digest).num(i128::from(most.every));
        }
        OnRequest::Subscribe(feed, _) => {
            i.str(&subscribe_title(cfg, index, feed));
            if let FeedOf::Archive(chain, month) = feed {
                i.str(&archive::chain_titles(cfg, index, chain).0)
                    .str(&format!("{:?}", archive_growth(cfg, index, chain, *month)));
            }
        }
        // The path, the site's config (hashed above) and, for the tags'
        // or authors', whether the list holds every one.
        OnRequest::OpmlPage(list) => {
            if let Some(kind) = list.kind() {
                i.str(&format!("{:?}", opml_scope(index, kind)));
            }
        }
    }
    i
}

/// Hashes the names of a category and its ancestors: its breadcrumb.
fn categories(i: &mut Inputs, index: &Index, slug: Option<&str>) {
    let mut next = slug;
    while let Some(c) = next.and_then(|s| index.categories().get(s)) {
        i.str(&c.slug).str(&c.name);
        next = c.parent.as_deref();
    }
}

/// Hashes the entries a resource lists.
fn entries(i: &mut Inputs, listed: &[Entry]) {
    for e in listed {
        i.entry(e);
    }
}

/// The page of the category `slug`: its newest articles and its months,
/// headed and its feeds named by their titles.
fn category_page(cfg: &Config, index: &Index, slug: &str) -> Vec<u8> {
    let s = Some(slug);
    let listed = index.select_listed(s, CATEGORY_PAGE_ITEMS + 1);
    let newest = html::Newest::of(&listed, CATEGORY_PAGE_ITEMS);
    let months = history::months(index, s, cfg.tz).unwrap_or_default();
    let page = html::CategoryPage {
        slug,
        title_of: &|slug| feed_title(cfg, index, slug),
        description: titles::configured_description(cfg, slug),
    };
    html::category_page(&cfg.site, index, page, newest, &months)
}

/// Renders `what` from `index`; `hydrate` reads the full articles a feed needs.
fn render(
    what: &OnRequest,
    cfg: &Config,
    index: &Index,
    hydrate: &archive::Hydrate,
) -> Result<Rendered, RenderError> {
    let site = &cfg.site;
    Ok(Rendered::Exact(match what {
        OnRequest::Category(slug) => category_page(cfg, index, slug),
        OnRequest::Month { chain, month } => {
            let (entries, around) = history::chain_month(index, chain, *month, cfg.tz);
            let titles = month_titles(cfg, index, chain);
            let of = match chain {
                Chain::Category(slug) => html::MonthOf::Category(slug.as_deref()),
                Chain::Term(kind, slug) => match index.taxonomy(*kind).get(slug) {
                    Some(term) => html::MonthOf::Term(*kind, term),
                    None => return Err(gone(what)),
                },
            };
            let page = html::MonthPage {
                of,
                name: &titles.name,
                feed_title: &titles.feed,
                month: *month,
                entries: &entries,
                around,
            };
            html::month_page(site, index, &page)
        }
        OnRequest::Term(kind, slug) => {
            let Some(term) = index.taxonomy(*kind).get(slug) else {
                return Err(gone(what));
            };
            let newest = index.select_term_listed(*kind, slug, TERM_PAGE_ITEMS);
            let months = term_months(cfg, index, *kind, slug);
            html::term_page(site, *kind, term, &newest, &months)
        }
        OnRequest::TermFeed(kind, slug, format) => {
            return term_feed(cfg, index, *kind, slug, *format, hydrate);
        }
        OnRequest::Changes(format) => return changes_feed(cfg, index, *format, hydrate),
        OnRequest::ChangesPage => html::changes_page(site, &index.select_changed(cfg.feeds.items)),
        OnRequest::Terms { kind, page } => {
            let taxonomy = index.taxonomy(*kind);
            let pages = taxonomy.list_pages(LIST_PAGE_TERMS);
            let Some(p) = pages.get(*page) else {
                return Err(gone(what));
            };
            let terms: Vec<_> = taxonomy.page_terms(p).collect();
            let page = html::TermsPage {
                kind: *kind,
                terms: &terms,
                number: *page,
                pages: pages.len(),
                opml: opml_scope(index, *kind),
            };
            html::terms_page(site, &page)
        }
        OnRequest::TermsOpml(kind) => {
            let terms = index.taxonomy(*kind);
            let most = terms.most_listed(OPML_TERMS);
            let scope = match most.every {
                true => render::opml::Scope::Every,
                false => render::opml::Scope::Most(most.n),
            };
            render::opml::terms(site, *kind, terms.at(most.positions.iter().copied()), scope)
        }
        OnRequest::Subscribe(feed, format) => {
            let title = subscribe_title(cfg, index, feed);
            let path_of = |f| feed.path(f);
            match feed {
                FeedOf::Archive(chain, month) => {
                    let (live_title, _) = archive::chain_titles(cfg, index, chain);
                    let kind = Subscription::Archive {
                        month: *month,
                        growth: archive_growth(cfg, index, chain, *month),
                        live_title: &live_title,
                        live: &|f| archive::live_path(chain, f),
                    };
                    html::subscribe_page(site, &title, &path_of, *format, kind)
                }
                FeedOf::Changes => {
                    html::subscribe_page(site, &title, &path_of, *format, Subscription::Changes)
                }
                FeedOf::Category(_) | FeedOf::Term(..) => {
                    html::subscribe_page(site, &title, &path_of, *format, Subscription::Live)
                }
            }
        }
        OnRequest::OpmlPage(list) => {
            let scope = list
                .kind()
                .map_or(render::opml::Scope::Every, |kind| opml_scope(index, kind));
            html::opml_page(site, *list, scope)
        }
    }))
}

/// What `/tags.opml` or `/authors.opml` holds: every listed tag or author,
/// or the [`OPML_TERMS`] with the most articles when there are more. Told by
/// the memoized pages of `/tags` or `/authors`, which count the listed terms,
/// so it costs no walk of them.
fn opml_scope(index: &Index, kind: Kind) -> render::opml::Scope {
    let listed = index.taxonomy(kind).list_pages(LIST_PAGE_TERMS).terms();
    if listed > OPML_TERMS {
        render::opml::Scope::Most(OPML_TERMS)
    } else {
        render::opml::Scope::Every
    }
}

/// Whether `chain`'s archive of `month` still grows, as its articles say
/// (no newer month has any). Its `Cache-Control` also counts the month now
/// running as growing (see [`archive::prepare`]); a page's bytes follow the
/// store alone, so the running month behind an article dated ahead is
/// named fixed here while its header says growing.
fn archive_growth(cfg: &Config, index: &Index, chain: &Chain, month: Month) -> Growth {
    history::chain_place(index, chain, month, cfg.tz)
        .neighbours
        .growth()
}

/// What a month page is called.
struct MonthTitles {
    /// What it is headed with before the month.
    name: String,
    /// The title of the live feed it offers.
    feed: String,
}

/// The titles of a month page of `chain`: its feed's title for both, as
/// its page is headed (a category's path or configured title, the site's
/// title, `Từ khóa: bão lũ`).
fn month_titles(cfg: &Config, index: &Index, chain: &Chain) -> MonthTitles {
    match chain {
        Chain::Category(slug) => {
            let title = feed_title(cfg, index, slug.as_deref());
            MonthTitles {
                name: title.clone(),
                feed: title,
            }
        }
        Chain::Term(kind, slug) => {
            let title = term_title(index, *kind, slug);
            MonthTitles {
                name: title.clone(),
                feed: title,
            }
        }
    }
}

/// The title of the feed a subscribe page is about.
fn subscribe_title(cfg: &Config, index: &Index, feed: &FeedOf) -> String {
    match feed {
        FeedOf::Category(slug) => feed_title(cfg, index, slug.as_deref()),
        FeedOf::Term(kind, slug) => term_title(index, *kind, slug),
        FeedOf::Changes => render::CHANGES_TITLE.to_owned(),
        FeedOf::Archive(chain, month) => format!(
            "{}, lưu trữ tháng {}/{}",
            archive::chain_titles(cfg, index, chain).0,
            month.month,
            month.year
        ),
    }
}

/// A tag's or author's feed title ([`render::term_feed_title`]): `Từ khóa:
/// bão lũ`, `Tác giả: Trần Ngọc`.
fn term_title(index: &Index, kind: Kind, slug: &str) -> String {
    let name = index
        .taxonomy(kind)
        .get(slug)
        .map_or(slug, |t| t.name.as_str());
    render::term_feed_title(kind, name)
}

/// The title and description of a tag's or author's feed, live or archived.
/// The title is the one its pages and `/tags.opml` or `/authors.opml` give
/// it; the description names the site.
pub(super) fn term_feed_titles(
    cfg: &Config,
    index: &Index,
    kind: Kind,
    slug: &str,
) -> (String, String) {
    let title = term_title(index, kind, slug);
    let description = format!("{}: {title}", cfg.site.title);
    (title, description)
}

/// The months a tag or author has articles in, newest first: its archives.
fn term_months(cfg: &Config, index: &Index, kind: Kind, slug: &str) -> Vec<Month> {
    let chain = Chain::Term(kind, slug.to_owned());
    history::chain_months(index, &chain, cfg.tz).unwrap_or_default()
}

/// A tag's or author's feed: its newest `[feeds] items` articles, read in
/// full; [`Rendered::Partial`] if one could not be read back as indexed.
fn term_feed(
    cfg: &Config,
    index: &Index,
    kind: Kind,
    slug: &str,
    format: Format,
    hydrate: &archive::Hydrate,
) -> Result<Rendered, RenderError> {
    let selected = index.select_term(kind, slug, cfg.feeds.items);
    // Its newest archive is the month of its newest item (RFC 5005 §4), as
    // for a category's feed; a date hashed among its inputs, so of the
    // items as indexed, whether or not each reads back.
    let prev = selected
        .first()
        .map(|e| Month::of(e.article.published.timestamp(), cfg.tz));
    let as_of = archive::latest_change(&selected);
    let (items, exact) = archive::hydrated(selected, hydrate);
    let (title, description) = term_feed_titles(cfg, index, kind, slug);
    let view = FeedView {
        site: &cfg.site,
        of: Of::Term(TermFeed { kind, slug }),
        title,
        description,
        ttl: cfg.feeds.ttl,
        items: &items,
        max_item_bytes: cfg.feeds.max_item_bytes,
        history: History {
            prev,
            ..History::default()
        },
        hubs: &cfg.websub.hubs,
        as_of,
    };
    let path = render::term_feed_path(kind, slug, format);
    feed_document(&view, format, path, exact)
}

/// The feed of changes: the `[feeds] items` articles put in the store,
/// corrected or withdrawn last, latest first ([`Index::select_changed`]),
/// read in full; [`Rendered::Partial`] if one could not be read back as
/// indexed. Withdrawn ones are Atom tombstones, as in every feed. It has no
/// archives: every article is in its own month's archive.
fn changes_feed(
    cfg: &Config,
    index: &Index,
    format: Format,
    hydrate: &archive::Hydrate,
) -> Result<Rendered, RenderError> {
    let selected = index.select_changed(cfg.feeds.items);
    // Dated by its latest event, as it is ordered: an article put in the
    // store late dates it by its capture.
    let as_of = selected.iter().map(|e| e.article.last_event()).max();
    let (items, exact) = archive::hydrated(selected, hydrate);
    let view = FeedView {
        site: &cfg.site,
        of: Of::Changes,
        title: render::CHANGES_TITLE.to_owned(),
        description: render::changes_description(&cfg.site),
        ttl: cfg.feeds.ttl,
        items: &items,
        max_item_bytes: cfg.feeds.max_item_bytes,
        history: History::default(),
        hubs: &cfg.websub.hubs,
        as_of,
    };
    feed_document(&view, format, render::changes_path(format), exact)
}

/// `view` rendered whole in `format`: [`Rendered::Exact`] when its items
/// are `exact`ly what was indexed.
fn feed_document(
    view: &FeedView<'_>,
    format: Format,
    path: String,
    exact: bool,
) -> Result<Rendered, RenderError> {
    let bytes =
        super::render_feed(view, format).map_err(|message| RenderError { path, message })?;
    Ok(if exact {
        Rendered::Exact(bytes)
    } else {
        Rendered::Partial(bytes)
    })
}

fn gone(what: &OnRequest) -> RenderError {
    RenderError {
        path: format!("{what:?}"),
        message: "no longer in the index".to_owned(),
    }
}

/// An article's page, with its breadcrumb, tags, author and the articles next
/// to it in its category linked from `index`.
pub fn article_page(cfg: &Config, index: &Index, full: &Arc<Article>) -> Vec<u8> {
    let id = full.id.as_str();
    let (older, newer) = index.around(id);
    let tags = full
        .tags
        .iter()
        .filter_map(|t| {
            let slug = index.taxonomy(Kind::Tag).slug_of(t)?;
            Some(html::TagLink {
                name: t,
                slug,
                feed_title: term_title(index, Kind::Tag, slug),
            })
        })
        .collect();
    let links = ArticleLinks {
        category: index.category_of(id).map(|slug| html::Filed {
            slug,
            feed_title: feed_title(cfg, index, Some(slug)),
        }),
        tags,
        author: full
            .author
            .as_deref()
            .and_then(|a| index.taxonomy(Kind::Author).slug_of(a)),
        older: older.map(|e| &*e.article),
        newer: newer.map(|e| &*e.article),
    };
    html::article_page(&cfg.site, index, full, &links)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Entries;
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh;

    /// Two articles tagged `Du lịch` (March 2024, January 2024) and one by
    /// `Trần Ngọc` (February 2024), all in one category.
    fn index() -> Index {
        let entry = |id: &str, (y, m, d), tags: &[&str], author: Option<&str>| {
            let at = Ho_Chi_Minh.with_ymd_and_hms(y, m, d, 8, 0, 0).unwrap();
            let mut a = Article::sample(id, &["Kinh tế"], id, at.fixed_offset());
            a.tags = tags.iter().map(|t| (*t).to_owned()).collect();
            a.author = author.map(str::to_owned);
            (id.to_owned(), Entry::full(Arc::new(a), None))
        };
        Index::new(Entries::from_iter([
            entry("a", (2024, 3, 5), &["Du lịch"], None),
            entry("b", (2024, 2, 5), &[], Some("Trần Ngọc")),
            entry("c", (2024, 1, 5), &["Du lịch"], None),
        ]))
    }

    fn month(s: &str) -> Month {
        s.parse().unwrap()
    }

    #[test]
    fn a_term_s_month_page_resolves_only_for_a_month_it_has_articles_in() {
        let idx = index();
        let tz = Ho_Chi_Minh;
        let tag = |m: &str| OnRequest::Month {
            chain: Chain::Term(Kind::Tag, "du-lich".to_owned()),
            month: month(m),
        };
        assert_eq!(
            resolve(&idx, tz, "/tags/du-lich/2024-03"),
            Some(tag("2024-03"))
        );
        assert_eq!(
            resolve(&idx, tz, "/tags/du-lich/2024-01"),
            Some(tag("2024-01"))
        );
        assert_eq!(
            resolve(&idx, tz, "/authors/tran-ngoc/2024-02"),
            Some(OnRequest::Month {
                chain: Chain::Term(Kind::Author, "tran-ngoc".to_owned()),
                month: month("2024-02"),
            })
        );
        for missing in [
            // A month of the store, but none of the tag's articles.
            "/tags/du-lich/2024-02",
            "/authors/tran-ngoc/2024-03",
            "/tags/du-lich/2024-3",
            "/tags/du-lich/2024-13",
            "/tags/du-lich/",
            "/tags/du-lich/2024-03/",
            "/tags/du-lich/2024-03/x",
            "/tags//2024-03",
            "/tags/khong-co/2024-03",
            // The archived feed is not the page.
            "/tags/du-lich/2024-03.atom",
        ] {
            assert_eq!(resolve(&idx, tz, missing), None, "{missing}");
        }
        // The term's page and feed are still theirs.
        assert_eq!(
            resolve(&idx, tz, "/tags/du-lich"),
            Some(OnRequest::Term(Kind::Tag, "du-lich".to_owned()))
        );
    }

    #[test]
    fn every_month_page_of_a_term_is_listed_and_resolves() {
        let idx = index();
        let listed = paths(&idx, Ho_Chi_Minh);
        for page in [
            "/tags/du-lich/2024-03",
            "/tags/du-lich/2024-01",
            "/authors/tran-ngoc/2024-02",
        ] {
            assert!(listed.iter().any(|p| p == page), "{page}: {listed:?}");
        }
        assert!(!listed.iter().any(|p| p == "/tags/du-lich/2024-02"));
        let cfg = Arc::new(Config::from_toml("", None).unwrap());
        let idx = Arc::new(idx);
        for path in &listed {
            let hydrate: archive::Hydrate = Box::new(|_| None);
            assert!(prepare(&cfg, &idx, path, hydrate).is_some(), "{path}");
        }
    }

    /// `n` articles, each with a tag of its own (`nhãn 0000`, …, in
    /// alphabetical order as numbered) and `extra` more of the tag `nhãn 2400`.
    fn many_tags(n: usize, extra: usize) -> Index {
        many_terms(Kind::Tag, n, extra)
    }

    /// `n` articles with a tag (or author) of their own, `nhãn 0000` on,
    /// and `extra` more all with `nhãn 2400`.
    fn many_terms(kind: Kind, n: usize, extra: usize) -> Index {
        let at = Ho_Chi_Minh.with_ymd_and_hms(2024, 3, 5, 8, 0, 0).unwrap();
        let entry = |id: String, term: String| {
            let mut a = Article::sample(&id, &["Tin"], &id, at.fixed_offset());
            match kind {
                Kind::Tag => a.tags = vec![term],
                Kind::Author => a.author = Some(term),
            }
            (id, Entry::full(Arc::new(a), None))
        };
        let own = (0..n).map(|i| entry(format!("a{i:04}"), format!("nhãn {i:04}")));
        let more = (0..extra).map(|i| entry(format!("b{i:04}"), "nhãn 2400".to_owned()));
        Index::new(Entries::from_iter(own.chain(more)))
    }

    fn tags(cfg: &Arc<Config>, idx: &Arc<Index>, path: &str) -> super::super::on_demand::Derived {
        let hydrate: archive::Hydrate = Box::new(|_| None);
        prepare(cfg, idx, path, hydrate).expect(path).tags
    }

    #[test]
    fn a_long_list_of_terms_is_paged_up_to_its_last_page() {
        let idx = many_tags(2500, 0);
        let tz = Ho_Chi_Minh;
        let page = |kind, page| Some(OnRequest::Terms { kind, page });
        assert_eq!(resolve(&idx, tz, "/tags"), page(Kind::Tag, 1));
        assert_eq!(resolve(&idx, tz, "/tags/trang_2"), page(Kind::Tag, 2));
        assert_eq!(resolve(&idx, tz, "/tags/trang_3"), page(Kind::Tag, 3));
        assert_eq!(resolve(&idx, tz, "/authors"), page(Kind::Author, 1));
        for missing in [
            // Past the last page.
            "/tags/trang_4",
            "/tags/trang_99999999999999999999999",
            // One spelling a page: the first is `/tags`.
            "/tags/trang_1",
            "/tags/trang_0",
            "/tags/trang_02",
            "/tags/trang_2/",
            "/tags/trang_2.atom",
            "/tags/trang_2/2024-03",
            // The authors' list is one page.
            "/authors/trang_2",
        ] {
            assert_eq!(resolve(&idx, tz, missing), None, "{missing}");
        }
        let listed = paths(&idx, tz);
        for p in ["/tags", "/tags/trang_2", "/tags/trang_3", "/authors"] {
            assert!(listed.iter().any(|l| l == p), "{p}");
        }
        for p in ["/tags/trang_4", "/authors/trang_2", "/tags/trang_1"] {
            assert!(!listed.iter().any(|l| l == p), "{p}");
        }
    }

    #[test]
    fn the_pages_hold_every_listed_term_once_in_alphabetical_order() {
        let idx = many_tags(2500, 0);
        let tags = idx.taxonomy(Kind::Tag);
        let pages = tags.list_pages(LIST_PAGE_TERMS);
        let counts: Vec<usize> = (1..=pages.len())
            .map(|n| pages.get(n).unwrap().terms)
            .collect();
        assert_eq!(counts, [1000, 1000, 500]);
        let shown: Vec<&str> = (1..=pages.len())
            .flat_map(|n| tags.page_terms(pages.get(n).unwrap()))
            .map(|t| t.slug.as_str())
            .collect();
        let whole: Vec<&str> = tags.alphabetical().map(|t| t.slug.as_str()).collect();
        assert_eq!(shown, whole);
        assert_eq!(shown.first(), Some(&"nhan-0000"));
        assert_eq!(shown[1000], "nhan-1000");
    }

    #[test]
    fn a_page_s_etag_moves_with_its_own_terms_only() {
        let cfg = Arc::new(Config::from_toml("", None).unwrap());
        let before = Arc::new(many_tags(2500, 0));
        // `nhãn 2400` (on page 3) gets more articles: its count moves, no
        // boundary does.
        let after = Arc::new(many_tags(2500, 2));
        for (path, moves) in [
            ("/tags", false),
            ("/tags/trang_2", false),
            ("/tags/trang_3", true),
            ("/authors", false),
            // It is now among the thousand most used.
            ("/tags.opml", true),
            ("/authors.opml", false),
        ] {
            let (b, a) = (tags(&cfg, &before, path), tags(&cfg, &after, path));
            assert_eq!(a != b, moves, "{path}");
        }
        // So with authors, each list by its own terms.
        let (by_one, by_more) = (
            Arc::new(many_terms(Kind::Author, 2500, 0)),
            Arc::new(many_terms(Kind::Author, 2500, 2)),
        );
        for (path, moves) in [
            ("/authors", false),
            ("/authors/trang_3", true),
            ("/authors.opml", true),
            ("/tags", false),
            ("/tags.opml", false),
        ] {
            let (b, a) = (tags(&cfg, &by_one, path), tags(&cfg, &by_more, path));
            assert_eq!(a != b, moves, "{path}");
        }
        // A thousand authors are every one; one more, and the lists and
        // their pages say they hold the most used only.
        let every = Arc::new(many_terms(Kind::Author, OPML_TERMS, 0));
        let most = Arc::new(many_terms(Kind::Author, OPML_TERMS + 1, 0));
        for (path, moves) in [
            ("/subscribe/authors.opml", true),
            ("/authors", true),
            ("/subscribe/tags.opml", false),
        ] {
            let (b, a) = (tags(&cfg, &every, path), tags(&cfg, &most, path));
            assert_eq!(a != b, moves, "{path}");
        }
        // The pages tell each other apart.
        assert_ne!(
            tags(&cfg, &before, "/tags"),
            tags(&cfg, &before, "/tags/trang_2")
        );
    }

    #[test]
    fn an_opml_of_terms_lists_the_most_used_when_there_are_too_many() {
        let cfg = Arc::new(Config::from_toml("", None).unwrap());
        let render = |idx: &Arc<Index>, path: &str| {
            let hydrate: archive::Hydrate = Box::new(|_| None);
            let prepared = prepare(&cfg, idx, path, hydrate).expect(path);
            assert_eq!(prepared.content_type, "text/x-opml; charset=utf-8");
            let Ok(Rendered::Exact(bytes)) = (prepared.render)() else {
                panic!("rendered");
            };
            String::from_utf8(bytes).unwrap()
        };
        for (kind, path, what) in [
            (Kind::Tag, render::TAGS_OPML, "từ khóa"),
            (Kind::Author, render::AUTHORS_OPML, "tác giả"),
        ] {
            let segment = kind.segment();
            let idx = Arc::new(many_terms(kind, 2500, 2));
            let opml = render(&idx, path);
            assert_eq!(opml.matches("<outline ").count(), OPML_TERMS, "{path}");
            // The one with more articles is among them, past the first
            // thousand in the alphabet; the thousandth in the alphabet made
            // room for it.
            assert!(opml.contains(&format!("/{segment}/nhan-2400.rss")));
            assert!(opml.contains(&format!("/{segment}/nhan-0998.rss")));
            assert!(!opml.contains(&format!("/{segment}/nhan-0999.rss")));
            assert!(
                opml.contains(&format!("1.000 {what} có nhiều bài nhất")),
                "{}",
                &opml[..400]
            );
            // The other kind's list is not this one.
            let other = match kind {
                Kind::Tag => Kind::Author,
                Kind::Author => Kind::Tag,
            };
            let other = render(&idx, render::terms_opml(other));
            assert!(!other.contains("nhan-"), "{other}");
            // Few terms: every one, and the head as it always was.
            let few = Arc::new(many_terms(kind, 3, 0));
            let opml = render(&few, path);
            assert!(!opml.contains("nhiều bài nhất"), "{opml}");
            assert!(opml.contains(&format!(": {what}</title>")), "{opml}");
            assert_eq!(opml.matches("<outline ").count(), 3, "{opml}");
        }
    }
}
