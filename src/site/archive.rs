//! A feed's archive of one calendar month (RFC 5005 §4), prepared to render on
//! demand: its URL, the articles it holds, and its tags derived from them.
//!
//! The feeds with archives are those with a [`Chain`]: all articles, each
//! category, each tag and each author. One code path serves them all, so a
//! term's archive holds the same item bytes as a category's.
//!
//! Every month that has articles of a feed is an archive, the newest month too,
//! so following `prev-archive` from the live feed to the oldest archive sees
//! every article of the feed exactly once. An archive's bytes depend only on
//! its inputs (hashed into its ETag, see [`on_demand`](super::on_demand)): the
//! program version, the configuration that shapes feeds, the feed's title and
//! description, the months next to it, and each of its articles' id, content
//! digest and date.

use std::sync::Arc;
use std::time::SystemTime;

use crate::article::Article;
use crate::config::{Config, SiteConfig};
use crate::history::{self, Chain, Growth, Month, Neighbours};
use crate::index::{Entry, Index};
use crate::render::{self, FeedView, Format, History, Of, TermFeed};
use crate::taxonomy::Kind;

use super::on_demand::{Freshness, Inputs, Prepared, Rendered};
use super::{feed_title, pages, titles, RenderError};

/// Which archive a path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Whose archive: all articles, a category, a tag or an author.
    pub chain: Chain,
    /// The month.
    pub month: Month,
    /// The format.
    pub format: Format,
}

impl Request {
    /// `/archive/<YYYY-MM>.<ext>`, `/archive/<slug>/<YYYY-MM>.<ext>` (see
    /// [`render::archive_path`]), `/tags/<slug>/<YYYY-MM>.<ext>` or
    /// `/authors/<slug>/<YYYY-MM>.<ext>` (see [`render::term_archive_path`]);
    /// `None` for any other path.
    pub fn parse(path: &str) -> Option<Request> {
        let (stem, ext) = path.rsplit_once('.')?;
        let format = Format::ALL.into_iter().find(|f| f.ext() == ext)?;
        let (chain, month) = match stem.strip_prefix("/archive/") {
            Some(rest) => match rest.rsplit_once('/') {
                Some((slug, month)) => (Chain::Category(Some(slug.to_owned())), month),
                None => (Chain::Category(None), rest),
            },
            None => term_chain(stem)?,
        };
        let month = month.parse().ok()?;
        Some(Request {
            chain,
            month,
            format,
        })
    }

    /// Its URL path.
    pub fn path(&self) -> String {
        path(&self.chain, self.month, self.format)
    }
}

/// The term and the month of `/tags/<slug>/<YYYY-MM>` or
/// `/authors/<slug>/<YYYY-MM>`: one segment of slug (a term slug has no `/`).
fn term_chain(stem: &str) -> Option<(Chain, &str)> {
    [Kind::Tag, Kind::Author].into_iter().find_map(|kind| {
        let rest = stem
            .strip_prefix(&render::terms_path(kind))?
            .strip_prefix('/')?;
        let (slug, month) = rest.split_once('/')?;
        (!slug.is_empty() && !month.contains('/'))
            .then(|| (Chain::Term(kind, slug.to_owned()), month))
    })
}

/// The URL path of `chain`'s archive of `month` in `format`.
pub fn path(chain: &Chain, month: Month, format: Format) -> String {
    match chain {
        Chain::Category(slug) => render::archive_path(slug.as_deref(), month, format),
        Chain::Term(kind, slug) => render::term_archive_path(*kind, slug, month, format),
    }
}

/// The URL path of `chain`'s live feed in `format`.
pub fn live_path(chain: &Chain, format: Format) -> String {
    match chain {
        Chain::Category(slug) => render::feed_path(slug.as_deref(), format),
        Chain::Term(kind, slug) => render::term_feed_path(*kind, slug, format),
    }
}

/// The title and description of `chain`'s feed, the live one's and every
/// archive's alike.
pub fn chain_titles(cfg: &Config, index: &Index, chain: &Chain) -> (String, String) {
    match chain {
        Chain::Category(slug) => (
            feed_title(cfg, index, slug.as_deref()),
            titles::feed_description(cfg, index, slug.as_deref()),
        ),
        Chain::Term(kind, slug) => pages::term_feed_titles(cfg, index, *kind, slug),
    }
}

/// Reads the full article of an index entry, exactly as indexed (`None` if it
/// cannot: gone, changed or broken since).
pub type Hydrate = Box<dyn Fn(&Entry) -> Option<Arc<Article>> + Send>;

/// What a feed rendered on demand (an archive, a tag's, author's or the
/// changes feed) holds of an article whose file could not be read back as
/// indexed (saved broken since, say, with no copy of its text in memory):
/// a withdrawn one's tombstone, which needs only what the index keeps;
/// else nothing until it reads again. Its entry without its text would
/// look whole, and a partner copying it would replace the article with
/// its title. The document is then [`Rendered::Partial`]: served, not
/// cached, its tag hashed from its bytes.
fn stand_in(e: Entry) -> Option<Entry> {
    e.article.withdrawn.is_some().then_some(e)
}

/// `items` with their full articles read by `hydrate`, and whether every one
/// could be (else it is left out, or for a withdrawn one its lean form
/// stands in: see [`stand_in`]).
pub(super) fn hydrated(items: Vec<Entry>, hydrate: &Hydrate) -> (Vec<Entry>, bool) {
    let mut exact = true;
    let items = items
        .into_iter()
        .filter_map(|e| match hydrate(&e) {
            Some(article) => Some(Entry { article, ..e }),
            None => {
                exact = false;
                stand_in(e)
            }
        })
        .collect();
    (items, exact)
}

/// The latest change among `entries` as indexed: what dates a document
/// rendered on demand (see [`FeedView::as_of`]), whether or not each reads
/// back.
pub(super) fn latest_change(entries: &[Entry]) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    entries.iter().map(|e| e.article.changed()).max()
}

/// The archive `req` asks for, ready to render with `hydrate`; `None` when the
/// feed has no articles that month (or there is no such category or term).
pub fn prepare(
    cfg: &Arc<Config>,
    index: &Index,
    req: &Request,
    hydrate: Hydrate,
) -> Option<Prepared> {
    let (entries, neighbours) = history::chain_month(index, &req.chain, req.month, cfg.tz);
    if entries.is_empty() {
        return None;
    }
    let (title, description) = chain_titles(cfg, index, &req.chain);
    let archive = Archive {
        cfg: cfg.clone(),
        chain: req.chain.clone(),
        title,
        description,
        history: History {
            archive: Some(req.month),
            prev: neighbours.older,
            next: neighbours.newer,
        },
        entries,
    };
    let tags = archive.inputs(req.format, neighbours).finish();
    let format = req.format;
    Some(Prepared {
        path: req.path(),
        tags,
        content_type: format.content_type(),
        // The newest month still grows with every article the feed gains: a
        // cache may keep it only as long as the live feed. So does the month
        // now running, though an article dated ahead (a year typed wrong)
        // begins a newer one: its articles are still being written. So,
        // for a day, is the month just ended: an article dated on its last
        // evening may reach the store after midnight.
        freshness: match neighbours.growth() {
            Growth::Fixed if req.month < still_written(SystemTime::now(), cfg.tz) => {
                Freshness::Archive
            }
            Growth::Fixed | Growth::Growing => Freshness::Live,
        },
        render: Box::new(move || archive.render(format, &hydrate)),
    })
}

/// How long after a month ends its articles may still be arriving.
const LATE: i64 = 86_400;

/// The oldest month whose articles may still be arriving at `now`: the
/// month [`LATE`] before `now` falls in, in `tz` (so the month now running,
/// or, early on its first day, the one before).
fn still_written(now: SystemTime, tz: chrono_tz::Tz) -> Month {
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Month::of(secs.saturating_sub(LATE), tz)
}

/// Whether an archive in `format` links the next newer month: Atom and RSS
/// do (`next-archive`, RFC 5005 §4); JSON Feed's only history link is
/// `next_url`, to the older month. So the newer month is among the inputs
/// (and a change of it a change of the document) only where it is linked.
pub fn links_newer(format: Format) -> bool {
    format != Format::Json
}

/// What one archive is rendered from.
struct Archive {
    cfg: Arc<Config>,
    chain: Chain,
    title: String,
    description: String,
    history: History,
    /// Lean entries, newest first.
    entries: Vec<Entry>,
}

impl Archive {
    /// Everything its bytes in `format` depend on.
    fn inputs(&self, format: Format, n: Neighbours) -> Inputs {
        // A term's chain hashes as its own kind of input: its slug could be
        // a category's.
        let (kind, name) = match &self.chain {
            Chain::Category(slug) => ("archive", slug.as_deref().unwrap_or("")),
            Chain::Term(Kind::Tag, slug) => ("tag-archive", slug.as_str()),
            Chain::Term(Kind::Author, slug) => ("author-archive", slug.as_str()),
        };
        let mut i = Inputs::new(kind);
        let month = |m: Option<Month>| m.map(|m| m.to_string()).unwrap_or_default();
        i.str(format.ext())
            .str(name)
            .str(&month(self.history.archive))
            .str(&month(n.older))
            .str(&month(n.newer.filter(|_| links_newer(format))))
            .str(&self.title)
            .str(&self.description)
            .bytes(&rendering_config(&self.cfg));
        for e in &self.entries {
            i.entry(e);
        }
        i
    }

    /// Its bytes in `format`, from the full articles; [`Rendered::Partial`] if
    /// some article could not be read back as indexed (see [`stand_in`]).
    fn render(&self, format: Format, hydrate: &Hydrate) -> Result<Rendered, RenderError> {
        let (items, exact) = hydrated(self.entries.clone(), hydrate);
        let of = match &self.chain {
            Chain::Category(slug) => Of::Category(slug.as_deref()),
            Chain::Term(kind, slug) => Of::Term(TermFeed { kind: *kind, slug }),
        };
        let view = FeedView {
            site: &self.cfg.site,
            of,
            title: self.title.clone(),
            description: self.description.clone(),
            ttl: self.cfg.feeds.ttl,
            items: &items,
            max_item_bytes: self.cfg.feeds.max_item_bytes,
            history: self.history,
            hubs: &self.cfg.websub.hubs,
            as_of: latest_change(&self.entries),
        };
        let bytes = super::render_feed(&view, format).map_err(|message| RenderError {
            path: self
                .history
                .archive
                .map_or_else(String::new, |m| path(&self.chain, m, format)),
            message,
        })?;
        Ok(if exact {
            Rendered::Exact(bytes)
        } else {
            Rendered::Partial(bytes)
        })
    }
}

/// The configuration a feed document's or page's bytes depend on besides its
/// articles (titles and descriptions are hashed as rendered), as a digest.
///
/// Every on-demand resource hashes it into its inputs, and a stop with WebSub
/// hubs derives the ETag of every feed document (a million of them at
/// 112,000 tags): written out as text and hashed each time, it was a fifth of
/// that pass. So each thread keeps the digest of the last configuration it
/// saw, and a configuration with the same settings reuses it.
pub(super) fn rendering_config(cfg: &Config) -> [u8; 32] {
    /// The settings the digest is of.
    type Settings = (SiteConfig, chrono_tz::Tz, u32, usize, u64, Vec<String>);
    fn settings(cfg: &Config) -> Settings {
        (
            cfg.site.clone(),
            cfg.tz,
            cfg.feeds.ttl,
            cfg.feeds.max_item_bytes,
            cfg.max_file_size,
            cfg.websub.hubs.clone(),
        )
    }
    fn same(s: &Settings, cfg: &Config) -> bool {
        s.0 == cfg.site
            && s.1 == cfg.tz
            && s.2 == cfg.feeds.ttl
            && s.3 == cfg.feeds.max_item_bytes
            && s.4 == cfg.max_file_size
            && s.5 == cfg.websub.hubs
    }
    thread_local! {
        static LAST: std::cell::RefCell<Option<(Settings, [u8; 32])>> =
            const { std::cell::RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| match last {
        Some((s, digest)) if same(s, cfg) => *digest,
        _ => {
            let site = serde_json::to_string(&cfg.site).unwrap_or_default();
            let text = format!(
                "{site} tz={} ttl={} max_item_bytes={} max_file_size={} hubs={:?}",
                cfg.tz.name(),
                cfg.feeds.ttl,
                cfg.feeds.max_item_bytes,
                cfg.max_file_size,
                cfg.websub.hubs
            );
            let digest = *blake3::hash(text.as_bytes()).as_bytes();
            *last = Some((settings(cfg), digest));
            digest
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_month_just_ended_is_still_written_for_a_day_in_the_sites_zone() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        // Vietnam time; Unix seconds of each instant.
        let at = |y, m, d, h| {
            use chrono::TimeZone;
            let local = tz.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
            SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(local.timestamp() as u64)
        };
        let month = |year, month| Month { year, month };
        // Early on 1 December, November's last evening may still arrive.
        assert_eq!(still_written(at(2026, 12, 1, 0), tz), month(2026, 11));
        assert_eq!(still_written(at(2026, 12, 1, 23), tz), month(2026, 11));
        // A day on, November is fixed.
        assert_eq!(still_written(at(2026, 12, 2, 1), tz), month(2026, 12));
        assert_eq!(still_written(at(2026, 11, 30, 12), tz), month(2026, 11));
        // Across a year, and in the site's zone: 1 January 05:00 in Vietnam
        // is still 31 December in UTC.
        assert_eq!(still_written(at(2027, 1, 1, 5), tz), month(2026, 12));
        assert_eq!(still_written(at(2027, 1, 2, 6), tz), month(2027, 1));
        assert_eq!(
            still_written(at(2027, 1, 2, 6), chrono_tz::America::Los_Angeles),
            month(2026, 12)
        );
    }

    #[test]
    fn the_rendering_digest_follows_the_settings_a_thread_last_saw() {
        let cfg = |more: &str| Config::from_toml(more, None).unwrap();
        let plain = cfg("");
        let titled = cfg("[site]\ntitle = \"Khác\"");
        let hubs = cfg("[websub]\nhubs = [\"http://127.0.0.1:9/\"]");
        let ttl = cfg("[feeds]\nttl = 90");
        let zone = cfg("time_zone = \"UTC\"");
        let item = cfg("[feeds]\nmax_item_bytes = 2048");
        let cap = cfg("max_file_size = 1048576");
        let all = [&plain, &titled, &hubs, &ttl, &zone, &item, &cap];
        let digests: Vec<[u8; 32]> = all
            .iter()
            .chain([&plain, &titled].iter())
            .map(|c| rendering_config(c))
            .collect();
        // Each setting its own digest, and the same one when it comes back.
        let n = all.len();
        for (i, a) in digests[..n].iter().enumerate() {
            for b in &digests[i + 1..n] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(digests[n], digests[0]);
        assert_eq!(digests[n + 1], digests[1]);
        // Settings that render nothing differently give the same digest.
        assert_eq!(
            rendering_config(&cfg("[http]\nmax_connections = 5")),
            digests[0]
        );
        // Another thread computes the same.
        let elsewhere = std::thread::spawn(move || rendering_config(&titled))
            .join()
            .unwrap();
        assert_eq!(elsewhere, digests[1]);
    }

    #[test]
    fn paths_parse_back() {
        let m: Month = "2024-03".parse().unwrap();
        let cat = |s: Option<&str>| Chain::Category(s.map(String::from));
        let term = |k, s: &str| Chain::Term(k, s.to_owned());
        for (chain, format) in [
            (cat(None), Format::Atom),
            (cat(Some("tin-tuc/thoi-su")), Format::Rss),
            (cat(Some("kinh-te")), Format::Json),
            (term(Kind::Tag, "bao-lu"), Format::Rss),
            (term(Kind::Author, "tran-ngoc-2"), Format::Json),
        ] {
            let req = Request {
                chain,
                month: m,
                format,
            };
            assert_eq!(Request::parse(&req.path()), Some(req));
        }
        assert_eq!(
            path(&term(Kind::Tag, "bao-lu"), m, Format::Atom),
            "/tags/bao-lu/2024-03.atom"
        );
        // A slug that looks like a month is still a slug: the month is last.
        let r = Request::parse("/archive/2024-03/2024-02.rss").unwrap();
        assert_eq!(r.chain, cat(Some("2024-03")));
        let r = Request::parse("/authors/2024-03/2024-02.rss").unwrap();
        assert_eq!(r.chain, term(Kind::Author, "2024-03"));
        // A category named like the term prefix stays a category.
        let r = Request::parse("/archive/tags/bao-lu/2024-02.rss").unwrap();
        assert_eq!(r.chain, cat(Some("tags/bao-lu")));
        for bad in [
            "/archive/2024-3.rss",
            "/archive/2024-03.xml",
            "/archive/2024-03",
            "/archive/.rss",
            "/archive/kinh-te.rss",
            "/archives/2024-03.rss",
            "/archive/kinh-te/2024-13.atom",
            "/tags/bao-lu.rss",
            "/tags/bao-lu/2024-3.rss",
            "/tags//2024-03.rss",
            "/tags/a/b/2024-03.rss",
            "/tags/2024-03.rss",
            "/authors/x/2024-03",
            "/tag/x/2024-03.rss",
        ] {
            assert_eq!(Request::parse(bad), None, "{bad}");
        }
    }
}
