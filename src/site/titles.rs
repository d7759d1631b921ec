//! Feed titles and descriptions: the config override, else what the index says.

use crate::config::Config;
use crate::index::Index;

/// A feed's title: the config override, the category name, or the site title.
pub fn feed_title(cfg: &Config, index: &Index, slug: Option<&str>) -> String {
    let Some(slug) = slug else {
        return cfg.site.title.clone();
    };
    cfg.feeds
        .categories
        .get(slug)
        .and_then(|o| o.title.clone())
        .or_else(|| index.categories().get(slug).map(|c| c.path.join(" › ")))
        .unwrap_or_else(|| slug.to_owned())
}

/// A feed's description: the config override, or the site title and the category name.
pub(super) fn feed_description(cfg: &Config, index: &Index, slug: Option<&str>) -> String {
    let Some(slug) = slug else {
        return cfg.site.description.clone();
    };
    cfg.feeds
        .categories
        .get(slug)
        .and_then(|o| o.description.clone())
        .unwrap_or_else(|| {
            let name = index
                .categories()
                .get(slug)
                .map_or(slug, |c| c.name.as_str());
            format!("{}: {name}", cfg.site.title)
        })
}

/// `[feeds.categories."slug"] description`, when the config sets one that
/// is not empty (an empty one is none, as the page and its cache key both
/// read it).
pub(super) fn configured_description<'a>(cfg: &'a Config, slug: &str) -> Option<&'a str> {
    cfg.feeds
        .categories
        .get(slug)
        .and_then(|o| o.description.as_deref())
        .filter(|d| !d.is_empty())
}
