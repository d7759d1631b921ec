//! bantin: a feed server for stores of Vietnamese news articles.
//!
//! Data flows one way, and the modules are listed in its order: `store` finds and
//! reads files, `text` cleans their bytes, `article` parses the store format (with
//! `timestamp` for every date form, and `names` for the key that tells one
//! tag, author or category name from another), `catalog` remembers which file gave which
//! article (and, with `links`, which symlinks lead to which files), `index`
//! groups articles by category (and `history` by month;
//! `collate` puts the lists shown to people in Vietnamese alphabetical order),
//! `render` turns a category into feed bytes, `site` keeps every served
//! representation, `publish` makes a new snapshot of it current (with `state`
//! remembering its validators across restarts), and `server` answers HTTP from
//! that snapshot. `watch` turns file events into refreshes (`settle` says when
//! an event's file is finished), `websub` tells hubs
//! which feeds changed; `systemd`, `journal`, `app`, `check`, `static_site`,
//! `config` and `cli` are the shell around it (`open_files` sizing the
//! descriptors it may hold), `metric_families` says what `/metrics` shows, and `panics` logs any panic as an error.

// With clippy.toml's threshold: a function over 100 lines wants named phases.
#![warn(clippy::too_many_lines)]

/// This build of the program: its version and a hash of its sources and
/// locked dependencies (see `build.rs`). Validators derived from inputs
/// rather than bytes include it, since another build may render other bytes.
pub const BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("BANTIN_BUILD"));

pub mod config;

pub mod article;
pub mod catalog;
pub mod collate;
pub mod history;
pub mod index;
pub mod links;
pub mod names;
pub mod publish;
pub mod reconcile;
pub mod render;
pub mod server;
pub mod settle;
pub mod site;
pub mod state;
pub mod store;
pub mod taxonomy;
pub mod text;
pub mod timestamp;

pub mod app;
pub mod check;
pub mod cli;
pub mod journal;
pub mod metric_families;
pub mod open_files;
pub mod panics;
pub mod static_site;
pub mod systemd;
pub mod watch;
pub mod websub;
