//! Remembering each representation's validators (ETag, Last-Modified) across
//! restarts, in one small file under the state folder.
//!
//! The file is rewritten (a temp file, fsync, rename) before every snapshot
//! whose validators changed is served, so it is never behind what clients were
//! sent: a restart keeps the Last-Modified of every representation whose bytes
//! are the same, and dates the others after anything served before. It holds one
//! entry per feed, page and OPML list (about 150 at 100k articles), never one per
//! article: article pages and everything rendered on demand share one entry,
//! whose tag is a hash of what they are all made from
//! ([`crate::site::Made`]).
//!
//! When the file is missing, corrupt, or the folder cannot be written, nothing
//! is remembered and every date falls after this process's start
//! ([`Validators::unknown_before`]): that can only cost a redundant 200 after a
//! restart, never a wrong 304. A file that could not be kept up to date is
//! removed, so a later start does not trust it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::site::{Validator, Validators, LATEST};
use crate::text::printable;

/// The file's name inside the state folder.
pub const FILE_NAME: &str = "validators.json";

/// The format version written; another version is not trusted.
const VERSION: u32 = 1;

/// The file as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved {
    version: u32,
    /// By URL path.
    resources: BTreeMap<String, Validator>,
}

/// The state file of one daemon; the watch thread is its only writer.
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    /// What the file holds now, so an update that re-dated nothing writes nothing.
    written: Option<BTreeMap<String, Validator>>,
    /// Whether the last write failed (said once, until a write succeeds).
    failing: bool,
}

impl StateFile {
    /// Opens the state under `dir` for a process started at `start`: the file
    /// and the validators to resume from (the remembered ones only if the file
    /// reads back whole and can be rewritten).
    pub fn open(dir: &Path, start: SystemTime) -> (StateFile, Validators) {
        let mut file = StateFile {
            path: dir.join(FILE_NAME),
            written: None,
            failing: false,
        };
        let unknown = Validators::unknown_before(start);
        if let Err(e) = std::fs::create_dir_all(dir) {
            tracing::warn!(
                "cannot create the state folder {}: {e}; Last-Modified restarts at every start \
                 (clients sending only If-Modified-Since get a full response once after each \
                 restart): make it a writable folder (`[state] dir`, or StateDirectory= under systemd)",
                dir.display()
            );
            file.failing = true;
            return (file, unknown);
        }
        let Some(remembered) = file.read() else {
            return (file, unknown);
        };
        // Trusted only if it can be kept up to date: a file this process could
        // not rewrite would fall behind what it serves.
        let validators = Validators::remembered(remembered, start);
        if file.save(&validators) {
            (file, validators)
        } else {
            (file, unknown)
        }
    }

    /// The path of the file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The remembered validators, or `None` (said why) when there are none to trust.
    fn read(&self) -> Option<BTreeMap<String, Validator>> {
        let path = self.path.display();
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::info!("no validator state in {path} yet: every Last-Modified starts now");
                return None;
            }
            Err(e) => {
                tracing::warn!(
                    "cannot read the validator state {path}: {e}; every Last-Modified starts now \
                     (a full response once for clients sending only If-Modified-Since); \
                     make the file readable by the daemon"
                );
                return None;
            }
        };
        match serde_json::from_slice::<Saved>(&bytes) {
            Ok(saved) if saved.version == VERSION => Some(self.dated(saved.resources)),
            Ok(saved) => {
                tracing::warn!(
                    "the validator state {path} is version {}, not {VERSION}; every \
                     Last-Modified starts now and the file is rewritten",
                    saved.version
                );
                None
            }
            Err(e) => {
                tracing::warn!(
                    "the validator state {path} is corrupt ({e}); every Last-Modified starts \
                     now (a full response once for clients sending only If-Modified-Since) and \
                     the file is rewritten"
                );
                None
            }
        }
    }

    /// `resources` without the entries whose date no HTTP date can carry (past
    /// year 9999: the file is corrupt there), each said with its path. Such a
    /// date was never sent, so forgetting it costs its path a redundant 200 at
    /// most; trusting it would date every later change past any clock. The
    /// file is rewritten without them (see [`StateFile::open`]).
    fn dated(&self, mut resources: BTreeMap<String, Validator>) -> BTreeMap<String, Validator> {
        resources.retain(|path, v| {
            let kept = v.last_modified <= LATEST;
            if !kept {
                tracing::warn!(
                    "the validator state {} is corrupt at {}: its Last-Modified ({} s since \
                     1970) is outside years 1–9999; that path's Last-Modified starts now and \
                     the file is rewritten without it",
                    self.path.display(),
                    printable(path),
                    v.last_modified
                );
            }
            kept
        });
        resources
    }

    /// Writes `validators` if they differ from what the file holds; whether the
    /// file now holds them. A failure is logged once and removes the file, so a
    /// stale one is never trusted.
    pub fn save(&mut self, validators: &Validators) -> bool {
        // Unchanged, and still there: a file removed with its folder since
        // (see `write`) is written again, so the next start still resumes.
        if self.written.as_ref() == Some(&validators.by_path) && self.path.exists() {
            return true;
        }
        match self.write(&validators.by_path) {
            Ok(()) => {
                if self.failing {
                    tracing::info!(
                        "the validator state {} is written again",
                        self.path.display()
                    );
                }
                self.failing = false;
                self.written = Some(validators.by_path.clone());
                true
            }
            Err(e) => {
                self.written = None;
                let removed = match std::fs::remove_file(&self.path) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(e),
                };
                if !self.failing {
                    self.failing = true;
                    let path = self.path.display();
                    let fix = match e.kind() {
                        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                            "free space on its file system"
                        }
                        _ => "make the folder writable",
                    };
                    match removed {
                        Ok(()) => tracing::warn!(
                            "cannot write the validator state {path}: {e}; the next start \
                             dates every Last-Modified after it: {fix}"
                        ),
                        Err(r) => tracing::error!(
                            "cannot write the validator state {path} ({e}) nor remove it ({r}): \
                             delete it before the next start, or Last-Modified may go back"
                        ),
                    }
                }
                false
            }
        }
    }

    /// Replaces the file atomically: a temp file in the same folder, synced,
    /// renamed over it.
    fn write(&self, by_path: &BTreeMap<String, Validator>) -> std::io::Result<()> {
        let saved = Saved {
            version: VERSION,
            resources: by_path.clone(),
        };
        let mut bytes = serde_json::to_vec_pretty(&saved).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        // Made at start; made again if it was removed since (a tidy of /tmp,
        // a sysadmin's `rm`), rather than failing every write until a restart.
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(&bytes)?;
            f.sync_all()
        });
        let renamed = written.and_then(|()| std::fs::rename(&tmp, &self.path));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        renamed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn t(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    #[test]
    fn a_state_folder_removed_while_serving_is_made_again_at_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let (mut file, mut v) = StateFile::open(&state, t(1000));
        std::fs::remove_dir_all(&state).unwrap();
        v.assign("/feed.rss", "\"a\"", t(1000));
        assert!(file.save(&v));
        let (_, resumed) = StateFile::open(&state, t(2000));
        assert_eq!(resumed.by_path, v.by_path);
        // Removed again with nothing changed since: written again all the same.
        std::fs::remove_dir_all(&state).unwrap();
        assert!(file.save(&v));
        let (_, resumed) = StateFile::open(&state, t(3000));
        assert_eq!(resumed.by_path, v.by_path);
    }

    #[test]
    fn what_is_saved_is_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let (mut file, mut v) = StateFile::open(dir.path(), t(1000));
        assert_eq!(v, Validators::unknown_before(t(1000)));
        v.assign("/feed.rss", "\"a\"", t(1000));
        assert!(file.save(&v));
        let (_, resumed) = StateFile::open(dir.path(), t(2000));
        assert_eq!(resumed.by_path, v.by_path);
        assert_eq!(resumed.floor, 2001);
    }

    #[test]
    fn a_corrupt_file_is_not_trusted_and_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "{\"version\": 1, \"resou").unwrap();
        let (mut file, mut v) = StateFile::open(dir.path(), t(1000));
        assert_eq!(v, Validators::unknown_before(t(1000)));
        v.assign("/feed.rss", "\"a\"", t(1000));
        assert!(file.save(&v));
        let (_, resumed) = StateFile::open(dir.path(), t(2000));
        assert_eq!(resumed.by_path, v.by_path);
    }

    #[test]
    fn a_date_past_year_9999_is_dropped_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let saved = format!(
            "{{\"version\": 1, \"resources\": {{\
             \"/feed.rss\": {{\"etag\": \"\\\"a\\\"\", \"last_modified\": {}}},\
             \"/feed.json\": {{\"etag\": \"\\\"b\\\"\", \"last_modified\": 100}}}}}}",
            u64::MAX
        );
        std::fs::write(dir.path().join(FILE_NAME), saved).unwrap();
        let (_, v) = StateFile::open(dir.path(), t(1000));
        assert_eq!(v.by_path.keys().collect::<Vec<_>>(), ["/feed.json"]);
        assert_eq!(v.by_path["/feed.json"].last_modified, 100);
        // Rewritten without it: the next start finds nothing to drop.
        let written = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(!written.contains("/feed.rss"), "{written}");
    }

    #[test]
    fn an_unusable_folder_remembers_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("blocked");
        std::fs::write(&blocked, "a file, not a folder").unwrap();
        let (mut file, v) = StateFile::open(&blocked.join("state"), t(1000));
        assert_eq!(v, Validators::unknown_before(t(1000)));
        assert!(!file.save(&v));
    }
}
