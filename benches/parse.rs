//! Parse throughput: file bytes → clean text → `Article`, in MB/s of file bytes;
//! and what a scan does per file (hash, decode, header only) and what reading an
//! article back does (decode, whole article, line by line).
//!
//! The input is 400 generated articles of 5–10 KB (the `genstore` mix: both CMS
//! generations, every date form, a few CRLF, BOM and NFD files), held in memory so
//! only the parser is measured. Times are the thread's CPU time: the figure is per core.

#[path = "support/cpu_time.rs"]
mod cpu_time;
#[path = "support/generator.rs"]
mod generator;

use std::hint::black_box;
use std::time::Duration;

use bantin::article::Depth;
use bantin::{article, store, text};
use chrono_tz::Asia::Ho_Chi_Minh;
use cpu_time::ThreadCpu;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const ARTICLES: u64 = 400;

fn source(id: &str) -> article::Source<'_> {
    article::Source {
        id,
        folder: None,
        modified: None,
        tz: Ho_Chi_Minh,
    }
}

fn parse(c: &mut Criterion<ThreadCpu>) {
    let files: Vec<(String, Vec<u8>)> = (0..ARTICLES)
        .map(|n| {
            let g = generator::article(1, n);
            (g.path.trim_end_matches(".txt").to_owned(), g.bytes)
        })
        .collect();
    let total: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|(id, b)| {
            let clean = text::decode(b).expect("generated files are text");
            (id.clone(), clean.text)
        })
        .collect();

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(total));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("decode", |b| {
        b.iter(|| {
            for (_, bytes) in &files {
                black_box(text::decode(black_box(bytes)).expect("generated files are text"));
            }
        })
    });
    group.bench_function("article", |b| {
        b.iter(|| {
            for (id, text) in &texts {
                black_box(
                    article::parse(black_box(text), &source(id)).expect("generated files parse"),
                );
            }
        })
    });
    // What a scan does per file: hash the bytes, decode, parse the header only.
    group.bench_function("scan", |b| {
        b.iter(|| {
            for (id, bytes) in &files {
                black_box(store::digest(black_box(bytes)));
                let raw = text::decode_raw(black_box(bytes)).expect("generated files are text");
                black_box(
                    article::parse_raw(&raw.text, &source(id), Depth::Head)
                        .expect("generated files parse"),
                );
            }
        })
    });
    // What reading a feed item or an article page back does: the whole article.
    group.bench_function("hydrate", |b| {
        b.iter(|| {
            for (id, bytes) in &files {
                let raw = text::decode_raw(black_box(bytes)).expect("generated files are text");
                black_box(
                    article::parse_raw(&raw.text, &source(id), Depth::Full)
                        .expect("generated files parse"),
                );
            }
        })
    });
    group.bench_function("decode+article", |b| {
        b.iter(|| {
            for (id, bytes) in &files {
                let clean = text::decode(black_box(bytes)).expect("generated files are text");
                black_box(article::parse(&clean.text, &source(id)).expect("generated files parse"));
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = parse
}
criterion_main!(benches);
