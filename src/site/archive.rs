//! A feed's archive of one calendar month (RFC 5005 §4), prepared to render on
//! demand: its URL, the articles it holds, and its tags derived from them.
//!
//! Every month that has articles of a feed is an archive, the newest month too,
//! so following `prev-archive` from the live feed to the oldest archive sees
//! every article of the feed exactly once. An archive's bytes depend only on
//! its inputs (hashed into its ETag, see [`on_demand`](super::on_demand)): the
//! program version, the configuration that shapes feeds, the feed's title and
//! description, the months next to it, and each of its articles' id, content
//! digest and date.

use std::sync::Arc;

use crate::article::Article;
use crate::config::Config;
use crate::history::{self, Month, Neighbours};
use crate::index::{Entry, Index};
use crate::render::{self, FeedView, Format, History};

use super::on_demand::{Freshness, Inputs, Prepared, Rendered};
use super::{feed_title, titles, RenderError};

/// Which archive a path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The category slug; `None` for all articles.
    pub slug: Option<String>,
    /// The month.
    pub month: Month,
    /// The format.
    pub format: Format,
}

impl Request {
    /// `/archive/<YYYY-MM>.<ext>` or `/archive/<slug>/<YYYY-MM>.<ext>` (see
    /// [`render::archive_path`]); `None` for any other path.
    pub fn parse(path: &str) -> Option<Request> {
        let rest = path.strip_prefix("/archive/")?;
        let (rest, ext) = rest.rsplit_once('.')?;
        let format = Format::ALL.into_iter().find(|f| f.ext() == ext)?;
        let (slug, month) = match rest.rsplit_once('/') {
            Some((slug, month)) => (Some(slug.to_owned()), month),
            None => (None, rest),
        };
        let month = month.parse().ok()?;
        Some(Request {
            slug,
            month,
            format,
        })
    }

    /// Its URL path.
    pub fn path(&self) -> String {
        render::archive_path(self.slug.as_deref(), self.month, self.format)
    }
}

/// Reads the full article of an index entry, exactly as indexed (`None` if it
/// cannot: gone, changed or broken since).
pub type Hydrate = Box<dyn Fn(&Entry) -> Option<Arc<Article>> + Send>;

/// The archive `req` asks for, ready to render with `hydrate`; `None` when the
/// feed has no articles that month (or there is no such category).
pub fn prepare(
    cfg: &Arc<Config>,
    index: &Index,
    req: &Request,
    hydrate: Hydrate,
) -> Option<Prepared> {
    let slug = req.slug.as_deref();
    let (entries, neighbours) = history::month(index, slug, req.month, cfg.tz);
    if entries.is_empty() {
        return None;
    }
    let archive = Archive {
        cfg: cfg.clone(),
        slug: req.slug.clone(),
        title: feed_title(cfg, index, slug),
        description: titles::feed_description(cfg, index, slug),
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
        // cache may keep it only as long as the live feed.
        freshness: match neighbours.newer {
            Some(_) => Freshness::Archive,
            None => Freshness::Live,
        },
        render: Box::new(move || archive.render(format, &hydrate)),
    })
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
    slug: Option<String>,
    title: String,
    description: String,
    history: History,
    /// Lean entries, newest first.
    entries: Vec<Entry>,
}

impl Archive {
    /// Everything its bytes in `format` depend on.
    fn inputs(&self, format: Format, n: Neighbours) -> Inputs {
        let mut i = Inputs::new("archive");
        let month = |m: Option<Month>| m.map(|m| m.to_string()).unwrap_or_default();
        i.str(format.ext())
            .str(self.slug.as_deref().unwrap_or(""))
            .str(&month(self.history.archive))
            .str(&month(n.older))
            .str(&month(n.newer.filter(|_| links_newer(format))))
            .str(&self.title)
            .str(&self.description)
            .str(&rendering_config(&self.cfg));
        for e in &self.entries {
            i.entry(e);
        }
        i
    }

    /// Its bytes in `format`, from the full articles; [`Rendered::Partial`] if
    /// some article could not be read back as indexed (its lean form stands in).
    fn render(&self, format: Format, hydrate: &Hydrate) -> Result<Rendered, RenderError> {
        let mut exact = true;
        let items: Vec<Entry> = self
            .entries
            .iter()
            .map(|e| {
                let article = hydrate(e).unwrap_or_else(|| {
                    exact = false;
                    e.article.clone()
                });
                Entry {
                    article,
                    ..e.clone()
                }
            })
            .collect();
        let view = FeedView {
            site: &self.cfg.site,
            slug: self.slug.as_deref(),
            term: None,
            title: self.title.clone(),
            description: self.description.clone(),
            ttl: self.cfg.feeds.ttl,
            items: &items,
            max_item_bytes: self.cfg.feeds.max_item_bytes,
            history: self.history,
            hubs: &self.cfg.websub.hubs,
        };
        let bytes = super::render_feed(&view, format).map_err(|message| RenderError {
            path: self.history.archive.map_or_else(String::new, |m| {
                render::archive_path(self.slug.as_deref(), m, format)
            }),
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
/// articles (titles and descriptions are hashed as rendered), as text.
pub(super) fn rendering_config(cfg: &Config) -> String {
    let site = serde_json::to_string(&cfg.site).unwrap_or_default();
    format!(
        "{site} tz={} ttl={} max_item_bytes={} max_file_size={} hubs={:?}",
        cfg.tz.name(),
        cfg.feeds.ttl,
        cfg.feeds.max_item_bytes,
        cfg.max_file_size,
        cfg.websub.hubs
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_back() {
        let m: Month = "2024-03".parse().unwrap();
        for (slug, format) in [
            (None, Format::Atom),
            (Some("tin-tuc/thoi-su"), Format::Rss),
            (Some("kinh-te"), Format::Json),
        ] {
            let req = Request {
                slug: slug.map(String::from),
                month: m,
                format,
            };
            assert_eq!(Request::parse(&req.path()), Some(req));
        }
        // A slug that looks like a month is still a slug: the month is last.
        let r = Request::parse("/archive/2024-03/2024-02.rss").unwrap();
        assert_eq!(r.slug.as_deref(), Some("2024-03"));
        for bad in [
            "/archive/2024-3.rss",
            "/archive/2024-03.xml",
            "/archive/2024-03",
            "/archive/.rss",
            "/archive/kinh-te.rss",
            "/archives/2024-03.rss",
            "/archive/kinh-te/2024-13.atom",
        ] {
            assert_eq!(Request::parse(bad), None, "{bad}");
        }
    }
}
