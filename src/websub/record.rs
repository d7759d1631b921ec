//! What WebSub knew when the daemon last stopped, for the next start to ping
//! what changed meanwhile: every feed document's ETag then and the topics
//! whose pings had not gone out, in `websub.json` in the state folder.
//!
//! Written once, when the daemon stops (a pass over every term and month, too
//! much for every change), and removed by the next start once its first
//! snapshot is served and the pings it found are queued ([`discard`]): a
//! record is trusted once, so one left by a run that later crashed is never
//! compared with (it would hide changes that run served and did not ping),
//! while a start stopped before it served anything leaves it for the next.
//! The ETags of on-demand documents hash the build too, so a record of
//! another build (an upgrade) is compared only for the snapshot's own feeds,
//! as is done without one (a crash, a first start, WebSub off at the last
//! stop): those the snapshot serves (all articles, categories) against the
//! ETags that `validators.json` remembers (see [`since_last_run`]). Its
//! waiting topics are pinged either way.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::site::Validator;

/// The file's name inside the state folder.
pub const FILE_NAME: &str = "websub.json";

/// The format version written; another version is not trusted.
const VERSION: u32 = 2;

/// What one stop recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    version: u32,
    /// The build that wrote it ([`crate::BUILD`]), whose ETags its are.
    pub build: String,
    /// The identity ETag of every feed document served, by path.
    pub feeds: BTreeMap<String, String>,
    /// The topics (absolute URLs) whose pings were still waiting.
    pub waiting: BTreeSet<String>,
}

impl Record {
    /// A record, by this build, of `feeds` (see [`super::feed_etags`]) and
    /// the `waiting` topics.
    pub fn new(feeds: BTreeMap<String, String>, waiting: BTreeSet<String>) -> Record {
        Record {
            version: VERSION,
            build: crate::BUILD.to_owned(),
            feeds,
            waiting,
        }
    }

    /// Whether its ETags can be compared with this build's.
    pub fn same_build(&self) -> bool {
        self.build == crate::BUILD
    }
}

/// What the last run left for a start to compare its first snapshot with.
#[derive(Debug, Default)]
pub struct LastRun {
    /// Its stop's record, if one is to be trusted.
    pub record: Option<Record>,
    /// The validators `validators.json` remembers (empty if it is not trusted).
    pub remembered: BTreeMap<String, Validator>,
}

/// What a start cannot compare with the last run, so the sysadmin knows
/// which changes made while bantin was stopped reach no partner (they may
/// ask partners to read those feeds again): without a record of this build,
/// only the feeds `validators.json` remembers (the live feeds) are compared.
/// `None` when every feed is compared, or on a first start (nothing served
/// before, nothing to miss).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Partial {
    /// A record written by another build (an upgrade): its on-demand ETags
    /// hash that build.
    OtherBuild(String),
    /// No record, though an earlier run served: it ran without hubs (a stop
    /// records only for them), was killed or crashed, or its state folder
    /// was lost.
    NoRecord,
}

impl LastRun {
    /// What this start cannot compare (see [`Partial`]).
    pub fn partial(&self) -> Option<Partial> {
        match &self.record {
            Some(r) if r.same_build() => None,
            Some(r) => Some(Partial::OtherBuild(r.build.clone())),
            None if self.remembered.is_empty() => None,
            None => Some(Partial::NoRecord),
        }
    }
}

impl std::fmt::Display for Partial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match self {
            Partial::OtherBuild(build) => format!(
                "the record of the last stop was written by bantin {build}, not this build ({})",
                crate::BUILD
            ),
            Partial::NoRecord => "there is no record of the last stop (it ran without hubs, \
                 was killed or crashed, or its state folder was lost)"
                .to_owned(),
        };
        write!(
            f,
            "websub: {why}: of the changes made while bantin was stopped, only those to the \
             all-articles and category feeds are pinged, not those to tag, author and changes \
             feeds or monthly archives; partners following those read them at their next poll"
        )
    }
}

/// Why a record could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the WebSub record {}: {source}; changes made while bantin is stopped will not be pinged at the next start: make the state folder writable (`[state] dir`)", path.display())]
pub struct RecordError {
    /// The file.
    pub path: PathBuf,
    /// What failed.
    #[source]
    pub source: std::io::Error,
}

/// Writes `record` into the state folder `dir`, atomically (a temp file,
/// synced, renamed over it).
pub fn save(dir: &Path, record: &Record) -> Result<(), RecordError> {
    let path = dir.join(FILE_NAME);
    let failed = |source| RecordError {
        path: path.clone(),
        source,
    };
    let mut bytes = serde_json::to_vec(record).map_err(|e| failed(std::io::Error::other(e)))?;
    bytes.push(b'\n');
    let tmp = path.with_extension("json.tmp");
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::File::create(&tmp))
        .and_then(|mut f| {
            f.write_all(&bytes)?;
            f.sync_all()
        });
    let renamed = written.and_then(|()| std::fs::rename(&tmp, &path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed.map_err(failed)
}

/// The record in the state folder `dir`; `None`, with the reason logged,
/// when there is none to trust. It stays until [`discard`].
pub fn read(dir: &Path) -> Option<Record> {
    let path = dir.join(FILE_NAME);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(
                "cannot read the WebSub record {}: {e}; only the feeds validators.json \
                 remembers are compared for changes made while bantin was stopped",
                path.display()
            );
            return None;
        }
    };
    match serde_json::from_slice::<Record>(&bytes) {
        Ok(record) if record.version == VERSION => Some(record),
        Ok(_) | Err(_) => {
            tracing::warn!(
                "the WebSub record {} is corrupt or of another version; only the feeds \
                 validators.json remembers are compared for changes made while bantin was stopped",
                path.display()
            );
            None
        }
    }
}

/// Removes the record in `dir`, once a start has queued what it found (see
/// the module): a record is trusted once. One that cannot be removed is
/// logged, and the next start trusts it again, which can only ping more.
pub fn discard(dir: &Path) {
    let path = dir.join(FILE_NAME);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(
            "cannot remove the WebSub record {} ({e}): make the state folder writable",
            path.display()
        ),
    }
}

/// The paths to ping at a start whose feeds now have the ETags `now` (see
/// [`super::feed_etags`]), sorted: with the last stop's `record`, every feed
/// whose ETag differs from it, that appeared or went, and every topic whose
/// ping was still waiting (given back as a path when it is under
/// `base_url`); without one, the feeds `remembered` (validators.json) holds
/// whose ETag differs (a feed it does not hold may never have been served).
pub fn since_last_run(
    record: Option<&Record>,
    remembered: &BTreeMap<String, Validator>,
    now: &BTreeMap<String, String>,
    base_url: &str,
) -> Vec<String> {
    let waiting = record
        .into_iter()
        .flat_map(|r| &r.waiting)
        .filter_map(|url| url.strip_prefix(base_url))
        .filter(|path| path.starts_with('/'))
        .map(str::to_owned);
    let changed = match record.filter(|r| r.same_build()) {
        Some(record) => super::changed_paths(&record.feeds, now),
        None => now
            .iter()
            .filter(|(path, etag)| remembered.get(*path).is_some_and(|v| &v.etag != *etag))
            .map(|(path, _)| path.clone())
            .collect(),
    };
    changed
        .into_iter()
        .chain(waiting)
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(p, e)| (p.to_string(), e.to_string()))
            .collect()
    }

    #[test]
    fn a_start_says_what_it_cannot_compare_with_the_last_run() {
        let remembered: BTreeMap<String, Validator> = [(
            "/feed.rss".to_owned(),
            Validator {
                etag: "\"a\"".into(),
                last_modified: 1,
            },
        )]
        .into();
        let ours = Record::new(BTreeMap::new(), BTreeSet::new());
        let mut theirs = ours.clone();
        theirs.build = "0.0.9+older".into();
        let run = |record: Option<&Record>, remembered: &BTreeMap<String, Validator>| LastRun {
            record: record.cloned(),
            remembered: remembered.clone(),
        };
        // A record of this build: everything is compared; a first start has
        // nothing to miss.
        assert_eq!(run(Some(&ours), &remembered).partial(), None);
        assert_eq!(run(None, &BTreeMap::new()).partial(), None);
        let upgrade = run(Some(&theirs), &remembered).partial().unwrap();
        assert_eq!(upgrade, Partial::OtherBuild("0.0.9+older".into()));
        let said = upgrade.to_string();
        assert!(
            said.contains("written by bantin 0.0.9+older, not this build"),
            "{said}"
        );
        assert!(
            said.contains("not those to tag, author and changes feeds or monthly archives"),
            "{said}"
        );
        let crash = run(None, &remembered).partial().unwrap();
        assert!(
            crash.to_string().contains("no record of the last stop"),
            "{crash}"
        );
    }

    #[test]
    fn a_record_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let waiting = BTreeSet::from(["http://x/feed.rss".to_owned()]);
        let record = Record::new(map(&[("/feed.rss", "\"a\"")]), waiting);
        save(dir.path(), &record).unwrap();
        assert_eq!(read(dir.path()), Some(record.clone()));
        // Kept until discarded: a start stopped before serving leaves it.
        assert_eq!(read(dir.path()), Some(record));
        discard(dir.path());
        // Discarded: a run that crashes after this start leaves none to trust.
        assert_eq!(read(dir.path()), None);
        std::fs::write(dir.path().join(FILE_NAME), "{").unwrap();
        assert_eq!(read(dir.path()), None);
    }

    #[test]
    fn a_start_pings_what_changed_since_the_record_and_what_was_waiting() {
        let record = Record::new(
            map(&[
                ("/feed.rss", "\"a\""),
                ("/archive/2021-12.rss", "\"b\""),
                ("/tags/gone.rss", "\"c\""),
                ("/feeds/same.rss", "\"d\""),
                ("/feeds/unsent.rss", "\"e\""),
            ]),
            BTreeSet::from(["http://x/feeds/unsent.rss".to_owned()]),
        );
        let now = map(&[
            ("/feed.rss", "\"A\""),
            ("/archive/2021-12.rss", "\"B\""),
            ("/feeds/new.rss", "\"f\""),
            ("/feeds/same.rss", "\"d\""),
            ("/feeds/unsent.rss", "\"e\""),
        ]);
        assert_eq!(
            since_last_run(Some(&record), &BTreeMap::new(), &now, "http://x"),
            [
                "/archive/2021-12.rss",
                "/feed.rss",
                "/feeds/new.rss",
                "/feeds/unsent.rss",
                "/tags/gone.rss"
            ]
        );
    }

    #[test]
    fn without_a_record_only_the_remembered_feeds_are_compared() {
        let v = |etag: &str| Validator {
            etag: etag.to_owned(),
            last_modified: 1,
        };
        let remembered = BTreeMap::from([
            ("/feed.rss".to_owned(), v("\"a\"")),
            ("/feeds/same.rss".to_owned(), v("\"d\"")),
        ]);
        let now = map(&[
            ("/feed.rss", "\"A\""),
            ("/feeds/same.rss", "\"d\""),
            ("/feeds/unknown.rss", "\"f\""),
        ]);
        assert_eq!(
            since_last_run(None, &remembered, &now, "http://x"),
            ["/feed.rss"]
        );
        // A record of another build (an upgrade): its on-demand ETags hash
        // that build, so only the remembered feeds are compared; what was
        // waiting is pinged all the same (under this base URL only).
        let mut old = Record::new(
            map(&[("/tags/a.rss", "\"x\""), ("/feeds/same.rss", "\"d\"")]),
            BTreeSet::from([
                "http://x/archive/2020-01.rss".to_owned(),
                "http://xy/feed.rss".to_owned(),
            ]),
        );
        old.build = "0.0.0+elsewhere".to_owned();
        assert!(!old.same_build());
        let now = map(&[
            ("/feed.rss", "\"A\""),
            ("/feeds/same.rss", "\"d\""),
            ("/tags/a.rss", "\"y\""),
        ]);
        assert_eq!(
            since_last_run(Some(&old), &remembered, &now, "http://x"),
            ["/archive/2020-01.rss", "/feed.rss"]
        );
    }
}
