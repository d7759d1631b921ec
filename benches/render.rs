//! Rendering a 100k-article store: every feed from scratch, and the update after
//! one article changes, as the daemon makes it (`Site::update_at` with the
//! changed id); and the update after a new article in a small store that holds
//! one 2.4 MB article (`update_big_article`).
//!
//! The store is generated and parsed once, outside the timed loops (40 categories
//! under 8 sections: 49 feeds of 50 items, in 3 formats). Times are the thread's
//! CPU time, so the figures are per core.

#[path = "support/cpu_time.rs"]
mod cpu_time;
#[path = "support/generator.rs"]
mod generator;

use std::collections::BTreeSet;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bantin::article::{self, Article};
use bantin::config::Config;
use bantin::index::{Entries, Entry, Index};
use bantin::render::{self, FeedView};
use bantin::site::{self, in_memory, Site};
use bantin::text;
use chrono_tz::Asia::Ho_Chi_Minh;
use cpu_time::ThreadCpu;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

const ARTICLES: u64 = 100_000;

/// Generates and parses articles `range` of seed 1.
fn parse_range(range: std::ops::Range<u64>) -> Vec<(String, Entry)> {
    range
        .map(|n| {
            let g = generator::article(1, n);
            let id = g.path.trim_end_matches(".txt").to_owned();
            let clean = text::decode(&g.bytes).expect("generated files are text");
            let src = article::Source {
                id: &id,
                folder: None,
                modified: None,
                tz: Ho_Chi_Minh,
            };
            let parsed = article::parse(&clean.text, &src).expect("generated files parse");
            let entry = Entry::full(Arc::new(parsed.article), None);
            (id, entry)
        })
        .collect()
}

/// The whole store, parsed on every core.
fn store() -> Entries {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let per = ARTICLES.div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = (0..threads)
            .map(|t| s.spawn(move || parse_range(t * per..((t + 1) * per).min(ARTICLES))))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().expect("parsing generated articles does not panic"))
            .collect()
    })
}

/// The same article with a new title and one more paragraph.
fn edited(a: &Article) -> Article {
    let mut a = a.clone();
    a.title.push_str(" (cập nhật)");
    a.paragraphs
        .push("Bài viết được cập nhật thêm thông tin mới.".to_owned());
    a
}

/// `entries` with article `id` replaced by an edited copy.
fn with_edit(entries: &Entries, id: &str) -> Entries {
    let mut e = entries.get(id).expect("the id is in the store").clone();
    e.article = Arc::new(edited(&e.article));
    entries.update(id.to_owned(), e)
}

fn render(c: &mut Criterion<ThreadCpu>) {
    // One rayon worker, and it is this thread: the thread CPU time measured is
    // then all the work, on one core, though the daemon spreads it over all.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build_global()
        .expect("the global pool is built once, here");
    let cfg = Config::from_toml("", None).expect("the default configuration is valid");
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let entries = store();
    let index = Arc::new(Index::new(entries.clone()));
    let slugs: Vec<Option<&str>> = std::iter::once(None)
        .chain(index.categories().keys().map(|s| Some(s.as_str())))
        .collect();
    println!(
        "store: {} articles, {} feeds of up to {} items",
        index.entries().len(),
        slugs.len(),
        cfg.feeds.items
    );

    let mut group = c.benchmark_group("render_100k");
    group.sample_size(10);
    group.bench_function("select_every_feed", |b| {
        b.iter(|| {
            for &slug in &slugs {
                black_box(index.select(slug, cfg.items_for(slug)));
            }
        })
    });
    let selected: Vec<(Option<&str>, Vec<Entry>)> = slugs
        .iter()
        .map(|&slug| (slug, index.select(slug, cfg.items_for(slug))))
        .collect();
    let views: Vec<FeedView<'_>> = selected
        .iter()
        .map(|(slug, items)| FeedView {
            site: &cfg.site,
            of: render::Of::Category(*slug),
            title: site::feed_title(&cfg, &index, *slug),
            description: String::new(),
            ttl: cfg.feeds.ttl,
            items,
            max_item_bytes: cfg.feeds.max_item_bytes,
            hubs: &cfg.websub.hubs,
            history: render::History::default(),
            as_of: None,
        })
        .collect();
    let mut bytes = 0;
    for view in &views {
        bytes += render::rss_feed::render(view).expect("renders").len();
        bytes += render::atom_feed::render(view).expect("renders").len();
        bytes += render::json_feed::render(view).expect("renders").len();
    }
    println!(
        "every feed in every format: {:.1} MB uncompressed",
        bytes as f64 / 1e6
    );
    group.bench_function("render_every_feed", |b| {
        b.iter(|| {
            for view in &views {
                black_box(render::rss_feed::render(view).expect("renders"));
                black_box(render::atom_feed::render(view).expect("renders"));
                black_box(render::json_feed::render(view).expect("renders"));
            }
        })
    });
    for (name, f) in [
        (
            "rss_every_feed",
            (|v| render::rss_feed::render(v).map(|b| b.len()).unwrap_or(0))
                as fn(&FeedView<'_>) -> usize,
        ),
        ("atom_every_feed", |v| {
            render::atom_feed::render(v).map(|b| b.len()).unwrap_or(0)
        }),
        ("json_every_feed", |v| {
            render::json_feed::render(v).map(|b| b.len()).unwrap_or(0)
        }),
    ] {
        group.bench_function(name, |b| b.iter(|| views.iter().map(f).sum::<usize>()));
    }
    group.bench_function("site_build", |b| {
        b.iter(|| black_box(Site::build(&cfg, index.clone(), now, &in_memory)))
    });
    // What the compressor thread does after a full build: gzip and brotli of every resource.
    let (built, _) = Site::build(&cfg, index.clone(), now, &in_memory);
    group.bench_function("compress_every_resource", |b| {
        b.iter_batched(
            || {
                built
                    .resources
                    .values()
                    .map(|r| {
                        site::Resource::new(
                            r.content_type,
                            r.last_modified,
                            r.identity.bytes.to_vec(),
                        )
                    })
                    .collect::<Vec<_>>()
            },
            |fresh| {
                for r in &fresh {
                    black_box(r.encode(site::Coding::Gzip));
                    black_box(r.encode(site::Coding::Br));
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();

    // One article changes: the newest (in the all-articles feed, its section's and
    // its category's), or the oldest (in no feed at all).
    let (site, errors) = Site::build(&cfg, index.clone(), now, &in_memory);
    assert!(errors.is_empty(), "{errors:?}");
    let newest = index.select(None, 1)[0].article.id.clone();
    let oldest = entries
        .values()
        .min_by_key(|e| (e.article.published, e.article.id.clone()))
        .map(|e| e.article.id.clone())
        .expect("the store is not empty");
    // A running daemon keeps the item bytes of the feeds it has updated since
    // it started (see `Site::update`): warm them with an earlier edit of the
    // newest article, so what is measured is the update of a daemon that runs.
    let warm_entries = with_edit(&entries, &newest);
    let newest_ids = BTreeSet::from([newest.clone()]);
    let warmed = Arc::new(index.updated(warm_entries.clone(), &newest_ids));
    let (site, _) = site.update_at(&cfg, warmed.clone(), now, &newest_ids, &in_memory);
    let mut group = c.benchmark_group("update_100k");
    group.sample_size(10);
    group.bench_function("index_rebuild", |b| {
        b.iter_batched(
            || with_edit(&entries, &newest),
            |e| black_box(Index::new(e)),
            BatchSize::LargeInput,
        )
    });
    // What the daemon does: only the changed article moves.
    group.bench_function("index_update", |b| {
        b.iter_batched(
            || with_edit(&entries, &newest),
            |e| black_box(index.updated(e, &newest_ids)),
            BatchSize::LargeInput,
        )
    });
    // The next edit, after the warming one: of the newest article again, or
    // of the oldest (in no feed), as the daemon applies it (`update_at`).
    for (name, id) in [
        ("site_update_newest", &newest),
        ("site_update_oldest", &oldest),
    ] {
        let ids = BTreeSet::from([id.clone()]);
        let changed = Arc::new(warmed.updated(with_edit(&warm_entries, id), &ids));
        let (after, _) = site.update_at(&cfg, changed.clone(), now, &ids, &in_memory);
        let rerendered = after
            .resources
            .iter()
            .filter(|(p, r)| {
                !site
                    .resources
                    .get(*p)
                    .is_some_and(|old| Arc::ptr_eq(old, r))
            })
            .count();
        println!("{name}: {rerendered} resources change");
        group.bench_function(name, |b| {
            b.iter(|| black_box(site.update_at(&cfg, changed.clone(), now, &ids, &in_memory)))
        });
    }
    group.finish();
}

/// How big the big article's text is: a long official document.
const BIG_ARTICLE: usize = 2_400_000;

/// A small store (15 generated articles) with one article of [`BIG_ARTICLE`]
/// bytes; then a new article arrives, the newest, so the all-articles feed,
/// which holds the big one, changes.
fn render_big_article(c: &mut Criterion<ThreadCpu>) {
    let cfg = Config::from_toml("", None).expect("the default configuration is valid");
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let mut parsed = parse_range(0..17);
    let (new_id, new_entry) = parsed.pop().expect("17 articles were parsed");
    let (_, model) = parsed.pop().expect("16 articles were parsed");
    let mut big = (*model.article).clone();
    big.id = "van-ban/big".to_owned();
    let paragraphs = big.paragraphs.clone();
    while big.paragraphs.iter().map(String::len).sum::<usize>() < BIG_ARTICLE {
        big.paragraphs.extend(paragraphs.iter().cloned());
    }
    let mut entries: Entries = parsed.into_iter().collect();
    entries.insert(big.id.clone(), Entry::full(Arc::new(big), None));
    // The new article is the newest of all.
    let mut newest = (*new_entry.article).clone();
    newest.published = entries
        .values()
        .map(|e| e.article.published)
        .max()
        .expect("the store is not empty")
        + chrono::TimeDelta::minutes(1);
    let index = Arc::new(Index::new(entries.clone()));
    let (site, errors) = Site::build(&cfg, index, now, &in_memory);
    assert!(errors.is_empty(), "{errors:?}");
    // Warm the kept item bytes as a running daemon has them (see above): an
    // edit of the big article re-renders every feed that holds it.
    let big_ids = BTreeSet::from(["van-ban/big".to_owned()]);
    let mut entries = with_edit(&entries, "van-ban/big");
    let warmed = Arc::new(Index::new(entries.clone()));
    let (site, _) = site.update_at(&cfg, warmed.clone(), now, &big_ids, &in_memory);
    let new_ids = BTreeSet::from([new_id.clone()]);
    entries.insert(new_id, Entry::full(Arc::new(newest), None));
    let changed = Arc::new(warmed.updated(entries, &new_ids));
    let feed = &site.resources["/feed.rss"].identity.bytes;
    println!(
        "big article store: {} articles, /feed.rss {:.1} KB",
        site.index.entries().len(),
        feed.len() as f64 / 1e3
    );
    let mut group = c.benchmark_group("update_big_article");
    group.sample_size(10);
    group.bench_function("site_update_new_article", |b| {
        b.iter(|| black_box(site.update_at(&cfg, changed.clone(), now, &new_ids, &in_memory)))
    });
    group.finish();
}

/// What an article page costs per request against compressing it there: the
/// parse of its file (a page not held by a live feed is read back from the
/// store), the render, and gzip and brotli at the levels a request can afford
/// and at those used once per change. For a generated article (about the
/// store's usual size) and one of [`BIG_ARTICLE`] bytes.
fn article_page_coding(c: &mut Criterion<ThreadCpu>) {
    use std::io::Write as _;
    let cfg = Config::from_toml("", None).expect("the default configuration is valid");
    let g = generator::article(1, 0);
    let usual = String::from_utf8(g.bytes).expect("generated files are UTF-8");
    let mut big = String::from("Một bài rất dài\n10/05/2020 15:33\n");
    // Numbered: the parser makes consecutive equal paragraphs one.
    let mut n = 0;
    while big.len() < BIG_ARTICLE {
        n += 1;
        big.push_str(&format!("Đoạn {n}: trong năm vừa qua, thành phố đã triển khai nhiều phong trào thi đua yêu nước, đạt được những kết quả quan trọng trên các lĩnh vực kinh tế, văn hóa và xã hội.\n\n"));
    }
    let mut group = c.benchmark_group("article_page");
    group.sample_size(10);
    for (name, source) in [("usual", usual), ("big", big)] {
        let parse = || {
            let clean = text::decode(source.as_bytes()).expect("the source is text");
            let src = article::Source {
                id: "tin-tuc/bai",
                folder: None,
                modified: None,
                tz: Ho_Chi_Minh,
            };
            Arc::new(
                article::parse(&clean.text, &src)
                    .expect("the source parses")
                    .article,
            )
        };
        let a = parse();
        let mut entries = Entries::default();
        entries.insert(a.id.clone(), Entry::full(a.clone(), None));
        let index = Index::new(entries);
        let page = site::pages::article_page(&cfg, &index, &a);
        let gzip = |level: u32| {
            let mut enc =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
            enc.write_all(&page).expect("writing into a Vec");
            enc.finish().expect("writing into a Vec")
        };
        // The window fitted to the page (as `compress_now` does), or brotli's default.
        let br_window = |quality: i32, fitted: bool| {
            let mut out = Vec::new();
            let mut params = brotli::enc::BrotliEncoderParams {
                quality,
                ..Default::default()
            };
            if fitted {
                params.lgwin = site::brotli_window(page.len());
                params.size_hint = page.len();
            }
            brotli::BrotliCompress(&mut &page[..], &mut out, &params).expect("into a Vec");
            out
        };
        let br = |quality: i32| br_window(quality, false);
        println!(
            "{name} article page: {} B; gzip 1 {} B, gzip 6 {} B, br 3 {} B, br 5 {} B",
            page.len(),
            gzip(1).len(),
            gzip(6).len(),
            br(3).len(),
            br(5).len()
        );
        group.bench_function(format!("{name}/parse"), |b| b.iter(|| black_box(parse())));
        group.bench_function(format!("{name}/render"), |b| {
            b.iter(|| black_box(site::pages::article_page(&cfg, &index, &a)))
        });
        for level in [1, 6] {
            group.bench_function(format!("{name}/gzip_{level}"), |b| {
                b.iter(|| black_box(gzip(level)))
            });
        }
        for quality in [3, 5] {
            group.bench_function(format!("{name}/br_{quality}"), |b| {
                b.iter(|| black_box(br(quality)))
            });
        }
        println!("{name}: br 3 fitted window {} B", br_window(3, true).len());
        group.bench_function(format!("{name}/br_3_fitted_window"), |b| {
            b.iter(|| black_box(br_window(3, true)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = render, render_big_article, article_page_coding
}
criterion_main!(benches);
