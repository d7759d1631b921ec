//! bantin: a feed server for stores of Vietnamese news articles.
//!
//! Data flows one way: `store` finds and reads files, `text` cleans their bytes,
//! `article` parses the store format (with `timestamp` for every date form),
//! `index` groups articles by category, `render` turns a category into feed bytes,
//! `site` keeps every served representation, and `server` answers HTTP from it.

pub mod app;
pub mod article;
pub mod catalog;
pub mod check;
pub mod config;
pub mod index;
pub mod render;
pub mod server;
pub mod site;
pub mod store;
pub mod systemd;
pub mod text;
pub mod timestamp;
pub mod watch;
