//! Where the daemon's memory goes, per article: the bytes jemalloc (the daemon's
//! allocator) counts as allocated after each phase of loading a store, and the
//! heap bytes of the lean articles' strings, divided by the number of articles.
//!
//! `cargo run --release --example memory -- STORE`

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use bantin::catalog::Catalog;
use bantin::config::Config;
use bantin::index::Index;
use tikv_jemalloc_ctl::{epoch, stats};

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Bytes allocated now, as jemalloc counts them.
fn allocated() -> u64 {
    epoch::advance().expect("jemalloc refreshes its statistics");
    stats::allocated::read().expect("jemalloc reports allocated bytes") as u64
}

/// A line of `/proc/self/status` in MB (VmRSS, VmHWM).
fn status_mb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// Heap bytes of a string, rounded up as a size-class allocator does (to 16).
fn heap(s: &str) -> u64 {
    (s.len() as u64).div_ceil(16) * 16
}

fn main() -> ExitCode {
    let Some(store) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: memory STORE");
        return ExitCode::from(64);
    };
    let cfg = match Config::from_toml(
        &format!("store = {:?}\n", store.display().to_string()),
        None,
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("memory: {e}");
            return ExitCode::from(64);
        }
    };
    let start = allocated();
    let catalog = match Catalog::scan(&cfg.store, cfg.max_file_size, cfg.tz) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("memory: cannot read {}: {e}", store.display());
            return ExitCode::FAILURE;
        }
    };
    let scanned = allocated();
    let n = catalog.entries.len().max(1) as u64;
    let peak_scan = status_mb("VmHWM");

    // The strings of the lean articles, and the paths entries are read back from.
    let (mut ids, mut fields, mut paths) = (0, 0, 0);
    for e in catalog.entries.values() {
        let a = &e.article;
        ids += heap(&a.id);
        fields += heap(&a.title) + heap(&a.summary);
        fields += a.categories.iter().map(|c| heap(c) + 24).sum::<u64>();
        fields += a.tags.iter().map(|t| heap(t) + 24).sum::<u64>();
        fields += a.author.as_deref().map_or(0, heap) + a.source.as_deref().map_or(0, heap);
        paths += e.source.as_ref().map_or(0, |s| {
            (s.path.as_os_str().len() as u64 + 16).div_ceil(16) * 16
        });
    }

    let entries = catalog.entries.clone();
    drop(catalog);
    let entries_only = allocated();
    let index = Arc::new(Index::new(entries.clone()));
    let indexed = allocated();
    let site = bantin::publish::render(&cfg, index, Default::default());
    let rendered = allocated();
    let per = |bytes: u64| bytes as f64 / n as f64;
    let entries_b = entries_only.saturating_sub(start);
    let files_b = scanned.saturating_sub(entries_only);
    let index_b = indexed.saturating_sub(entries_only);
    let site_b = rendered.saturating_sub(indexed);
    println!("{n} articles from {}", store.display());
    println!("bytes per article (jemalloc stats.allocated):");
    println!(
        "  entries (lean articles, map by id, file paths): {:7.0}",
        per(entries_b)
    );
    println!(
        "    of which id strings (article.id, the map's key): {:6.0}",
        per(ids)
    );
    println!(
        "    of which other article strings and vectors:  {:7.0}",
        per(fields)
    );
    println!(
        "    of which file paths (shared with the catalog): {:5.0}",
        per(paths)
    );
    println!(
        "    the rest: Article and Entry structs, the map's chunks: {:3.0}",
        per(entries_b.saturating_sub(ids + fields + paths))
    );
    println!(
        "      (an Article is {} bytes and its Arc 16 more; an Entry {} bytes and its Arc 16, \
         shared by the map by id and the index by number)",
        std::mem::size_of::<bantin::article::Article>(),
        std::mem::size_of::<bantin::index::Entry>()
    );
    println!(
        "  catalog file state (stat, flags, map by path):  {:7.0}",
        per(files_b)
    );
    println!(
        "  index (number table, 12-byte keys in every set): {:6.0}",
        per(index_b)
    );
    println!(
        "  site (every feed and page rendered, whole store): {:5.0}  ({:.0} MB)",
        per(site_b),
        site_b as f64 / 1e6
    );
    println!(
        "  total: {:.0} bytes per article, {:.0} MB; RSS now {} MB, peak {} MB (after the scan: {} MB)",
        per(rendered.saturating_sub(start)),
        rendered.saturating_sub(start) as f64 / 1e6,
        status_mb("VmRSS"),
        status_mb("VmHWM"),
        peak_scan
    );
    drop(site);
    ExitCode::SUCCESS
}
