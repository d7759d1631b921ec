//! Writes a synthetic article store for benchmarks: same arguments, same bytes.
//!
//! `cargo run --release --example genstore -- --out DIR --articles N [--seed S]`

mod generator;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Write a synthetic store of Vietnamese news articles.
#[derive(Parser)]
struct Args {
    /// The folder to write the store into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// How many articles to write.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    articles: u64,
    /// Seed of the generator: another seed, another store.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut bytes = 0u64;
    for n in 0..args.articles {
        let file = generator::article(args.seed, n);
        let path = args.out.join(&file.path);
        if let Some(dir) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                eprintln!("genstore: cannot create {}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
        }
        if let Err(e) = std::fs::write(&path, &file.bytes) {
            eprintln!("genstore: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        bytes += file.bytes.len() as u64;
    }
    println!(
        "wrote {} articles ({:.1} MB) to {}",
        args.articles,
        bytes as f64 / 1e6,
        args.out.display()
    );
    ExitCode::SUCCESS
}
