//! The store's parsed state: which file gave which article, which files were
//! rejected and why, and the (size, mtime) each was read at, so a later pass
//! re-reads only what differs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use chrono_tz::Tz;

use crate::article::Warning;
use crate::index::Entry;
use crate::store::{self, Candidate, FileError};

/// What the catalog knows of one file.
#[derive(Debug, Clone)]
pub struct FileState {
    /// Size when listed.
    pub len: u64,
    /// Modification time when listed.
    pub modified: Option<SystemTime>,
    /// The outcome of reading it.
    pub outcome: Outcome,
}

/// How reading a file went.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// An article, with its warnings.
    Article {
        /// The article id.
        id: String,
        /// Repairs the parser made.
        warnings: Vec<Warning>,
    },
    /// Rejected; the message says why.
    Rejected(String),
}

/// Every candidate file of the store and the articles they gave.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Files by path.
    pub files: BTreeMap<PathBuf, FileState>,
    /// Articles by id (the id's file is the first path that claimed it).
    pub entries: BTreeMap<String, Entry>,
    /// Refusals seen while listing (bad symlinks, FIFOs, unreadable folders).
    pub listing_errors: BTreeMap<PathBuf, String>,
}

impl Catalog {
    /// Lists and reads the whole store, parsing on every core.
    pub fn scan(root: &Path, cap: u64, tz: Tz) -> std::io::Result<Catalog> {
        let listing = store::list(root)?;
        let mut catalog = Catalog::default();
        for r in listing.rejected {
            catalog.listing_errors.insert(r.path, r.error.to_string());
        }
        let loaded = load_parallel(&listing.candidates, cap, tz);
        for (c, result) in listing.candidates.into_iter().zip(loaded) {
            catalog.record(c, result);
        }
        Ok(catalog)
    }

    /// Files that were rejected, with why, sorted by path.
    pub fn rejected(&self) -> impl Iterator<Item = (&Path, &str)> {
        let files = self.files.iter().filter_map(|(p, s)| match &s.outcome {
            Outcome::Rejected(e) => Some((p.as_path(), e.as_str())),
            Outcome::Article { .. } => None,
        });
        files.chain(
            self.listing_errors
                .iter()
                .map(|(p, e)| (p.as_path(), e.as_str())),
        )
    }

    /// How many files were rejected.
    pub fn rejected_count(&self) -> usize {
        self.rejected().count()
    }

    fn record(&mut self, c: Candidate, result: Result<store::Loaded, FileError>) {
        let outcome = match result {
            Ok(loaded) => {
                let id = loaded.parsed.article.id.clone();
                if self.entries.contains_key(&id) {
                    Outcome::Rejected(format!(
                        "another file already gives the article id \"{id}\"; rename one of them"
                    ))
                } else {
                    self.entries.insert(
                        id.clone(),
                        Entry {
                            article: Arc::new(loaded.parsed.article),
                            modified: loaded.modified,
                        },
                    );
                    Outcome::Article {
                        id,
                        warnings: loaded.parsed.warnings,
                    }
                }
            }
            Err(e) => Outcome::Rejected(e.to_string()),
        };
        self.files.insert(
            c.path,
            FileState {
                len: c.len,
                modified: c.modified,
                outcome,
            },
        );
    }
}

/// Reads candidates on every available core; results in input order.
fn load_parallel(
    candidates: &[Candidate],
    cap: u64,
    tz: Tz,
) -> Vec<Result<store::Loaded, FileError>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = candidates.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = candidates
            .chunks(chunk)
            .map(|part| {
                let handle = s.spawn(move || {
                    part.iter()
                        .map(|c| store::load(c, cap, tz))
                        .collect::<Vec<_>>()
                });
                (part.len(), handle)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(len, h)| {
                // A parser panic is a bug; its chunk's files are reported, never silently lost.
                h.join().unwrap_or_else(|_| {
                    (0..len)
                        .map(|_| {
                            Err(FileError::Io(std::io::Error::other(
                                "the parser panicked on this chunk of files",
                            )))
                        })
                        .collect()
                })
            })
            .collect()
    })
}
