//! `bantin build`: every resource the daemon serves, written out as static files
//! at the paths it serves them from.

use std::path::{Component, Path, PathBuf};

use anyhow::Context;

use crate::app::{self, Loaded};
use crate::config::Config;
use crate::render::{sitemap, Format};
use crate::site::Resource;

/// What `bantin build` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Built {
    /// Feed files written (every format of every feed).
    pub feeds: usize,
    /// Articles in the store.
    pub articles: usize,
    /// Files rejected.
    pub rejected: usize,
}

/// Writes every feed, the OPML list and the front page under `out`, at the
/// paths the daemon serves them (`/` becomes `index.html`).
pub fn build(cfg: &Config, out: &Path) -> anyhow::Result<Built> {
    // Decided before anything is created, so a refused --out leaves the store untouched.
    let out_real = resolve(out).with_context(|| format!("cannot resolve {}", out.display()))?;
    let store_real = cfg
        .store
        .canonicalize()
        .with_context(|| format!("cannot read the store {}", cfg.store.display()))?;
    if out_real.starts_with(&store_real) {
        anyhow::bail!(
            "refusing to write into the store: {} is inside {}; choose an --out folder outside it",
            out.display(),
            cfg.store.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let Loaded { catalog, site } = app::load(cfg)?;
    let mut feeds = 0;
    for path in site.paths() {
        let resource = &site.resources[path];
        write(out, path, &resource.identity.bytes)?;
        if is_feed(resource) {
            feeds += 1;
        }
    }
    // The month sitemaps the daemon renders on request.
    let index = &site.index;
    for path in sitemap::on_demand_paths(index, cfg.tz) {
        let bytes = sitemap::on_demand(&cfg.site, index, &path, cfg.tz)
            .with_context(|| format!("the sitemap {path} is listed but renders nothing"))?;
        write(out, &path, &bytes)?;
    }
    Ok(Built {
        feeds,
        articles: catalog.entries.len(),
        rejected: catalog.rejected_count(),
    })
}

/// Writes the resource served at `path` under `out` (`/` becomes `index.html`).
fn write(out: &Path, path: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let rel = if path == "/" {
        "index.html"
    } else {
        path.trim_start_matches('/')
    };
    let file = out.join(rel);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&file, bytes).with_context(|| format!("cannot write {}", file.display()))
}

/// `path` as an absolute path with symlinks and `..` resolved, even when its last
/// parts do not exist yet: each existing prefix is canonicalized, the rest is lexical.
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let mut real = std::env::current_dir()?;
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => real = PathBuf::from("/"),
            Component::CurDir => {}
            Component::ParentDir => {
                real.pop();
            }
            Component::Normal(name) => {
                real.push(name);
                if let Ok(r) = real.canonicalize() {
                    real = r;
                }
            }
        }
    }
    Ok(real)
}

/// Whether `resource` is a feed (in any format), not a page or the OPML list.
fn is_feed(resource: &Resource) -> bool {
    Format::ALL
        .iter()
        .any(|f| f.content_type() == resource.content_type)
}
