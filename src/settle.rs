//! Which paths named by a burst of watcher events are finished, and so ready to
//! re-read, and when the others will be.
//!
//! A path is ready at once when an event says it is finished: written and
//! closed (inotify's `IN_CLOSE_WRITE`), or renamed into place (`IN_MOVED_TO`);
//! its burst, with every path queued in it, is then re-read without waiting.
//! Other events (a delete, a change of mode) make their path ready once the
//! burst has been quiet for `[watch] debounce_ms`. Two kinds of file are held
//! back longer, since reading them now would serve what nobody saved:
//!
//! - A file **created** in the burst and then closed: an atomic save
//!   (`sed -i`, Python's `tempfile` + `os.replace`, Go's `os.CreateTemp`, vim's
//!   `4913` test file) writes such a temp file and renames it over the article
//!   a moment later. It is held for one more debounce window of quiet; renamed
//!   or removed meanwhile, it is never read, so no reader ever sees it as an
//!   item. A new article costs that one window (20 ms by default).
//! - A file **written and not closed** since: its writer is still at it (a
//!   slow copy, a crawler pausing mid-file). It waits for its close, or, for
//!   writers that keep it open or write through `mmap`, for [`UNCLOSED_QUIET`]
//!   with no event on it.
//!
//! A file no event named, found by listing a folder **made** while the
//! daemon runs (`mkdir` then a write, `cp -r`, `tar x`) when its event comes,
//! may have been created, and be still being written, before the folder was
//! watched: no event told of it,
//! and none may until its close. Its mtime stands in for its last write
//! event (see [`unfinished_for`]): it is held as a file written and not
//! closed, unless its last write is [`UNCLOSED_QUIET`] old already.
//!
//! A known file a **reconciliation's listing lacks** is held one window too
//! (see [`Burst::hold_unlisted`]), as if an event had named it: the listing
//! may have been taken in the instant an editor moved it aside, before the
//! rename's event came, and a listing alone must not serve its removal.
//!
//! An event on a **folder** that neither makes, moves nor removes it
//! re-reads nothing under it unless it changed: what is written under a
//! folder has events of its own. Its mtime set alone (inotify's `IN_MODIFY`
//! on a folder: `touch -m`, `rsync` as it ends) changes nothing served. A
//! change of its mode, owner, ACL or times together (`IN_ATTRIB`: `chmod`,
//! `chown`, `setfacl`, `cp -a`, `tar x`) can change which files may be
//! listed and read, and polling's newer mtime on a folder may be the only
//! sign of an entry replaced by an older file (polling compares mtimes): the
//! folder is compared ([`Ready::compare`]), listed with sizes and mtimes and
//! only what differs read, the store root by a reconciliation off the watch
//! thread. Re-reading every file under the folder, as an event on a path
//! does, made `rsync -a`, or a `chmod` of the store root, read all of it
//! again on the watch thread: seconds of stalled updates at a million
//! articles.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind, RenameMode};

/// How long a file written to and not closed since waits with no event on it
/// before it is read anyway: long enough for a writer pausing mid-file on a
/// slow network, short enough for one that never closes (a writer through
/// `mmap`, or one that keeps the file open) to be served within seconds.
pub const UNCLOSED_QUIET: Duration = Duration::from_secs(5);

/// The instant `wait` after `now`; far ahead (or `now`, when even that does
/// not fit) instead of a panic when the clock cannot hold it. The waits added
/// here come from the configuration, which bounds them; this keeps a bound
/// that is raised one day from stopping live updates with a panic.
pub fn later(now: Instant, wait: Duration) -> Instant {
    /// About thirty years, as tokio's own "far future".
    const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);
    now.checked_add(wait)
        .or_else(|| now.checked_add(FAR))
        .unwrap_or(now)
}

/// Whether the watcher reports a file written and closed: inotify does;
/// polling, the fallback past the platform's watch limit, does not, so a write
/// it reports is taken as finished rather than waited on for a close that
/// never comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closes {
    /// Closes come as events: a file written to waits for its own.
    Reported,
    /// No close is ever reported.
    Unreported,
}

/// How much longer a file found by listing a folder made in the burst, that
/// no event named, is to be held, given its mtime `modified` and the wall
/// clock `now`; `None`: it is finished, read it now.
///
/// Its mtime is taken as its last write event: the watch on its folder began
/// at most as the folder was listed, so a writer still at it is seen from
/// then on (a write holds it again, its close finishes it), and one that
/// finished before leaves no event at all. Held so, it is read at its close
/// or [`UNCLOSED_QUIET`] after its last write, as a file written in a watched
/// folder is. A file last written longer ago than that (one `tar x`
/// extracted, whose mtime is the archive's; one copied with its times kept)
/// is read at once. Why not a shorter age, such as the debounce window: a
/// writer pausing longer than that mid-file (a stream from another host, a
/// crawler between two reads) would be read half written. An mtime in the
/// future, or none, tells nothing: held the whole quiet period.
pub fn unfinished_for(modified: Option<SystemTime>, now: SystemTime) -> Option<Duration> {
    let age = modified
        .and_then(|m| now.duration_since(m).ok())
        .unwrap_or(Duration::ZERO);
    UNCLOSED_QUIET
        .checked_sub(age)
        .filter(|rest| !rest.is_zero())
}

/// Whether `path` is a folder, following a symlink: the store root may be a
/// link to its folder, and the watcher names the root by the configured path.
fn is_folder(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_dir())
}

/// Whether the rename of `paths` (from, to) moves a file aside: to a name
/// the store ignores ([`crate::store::is_ignored`]: `x.txt~`, `x.txt.bak`)
/// in the same folder, from one it reads.
fn moved_aside(paths: &[PathBuf]) -> bool {
    let [from, to] = paths else {
        return false;
    };
    from.parent() == to.parent() && ignored(to) && !ignored(from)
}

/// Whether `path`'s name is one the store never reads ([`crate::store::is_ignored`]).
fn ignored(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(crate::store::is_ignored)
}

/// How many debounce windows a burst that never goes quiet (a bulk copy of
/// many files) waits at most before its ready paths are re-read anyway.
const LONGEST_BURST: u32 = 10;

/// A file held back, and since when.
#[derive(Debug, Clone, Copy)]
struct Held {
    /// Whether it was created in this burst: closing it then holds it one
    /// more window, as a possible temp file, instead of finishing it.
    created: bool,
    /// Its first event: where its update latency starts.
    since: Instant,
    /// When it is ready unless another event comes.
    release: Instant,
}

/// The paths of the events received and not yet re-read.
#[derive(Debug, Default)]
pub struct Burst {
    /// Paths ready to re-read when the burst ends, in arrival order.
    ready: Vec<PathBuf>,
    /// The paths of `ready`, to answer [`Burst::holds`] without a scan.
    queued: HashSet<PathBuf>,
    /// When the first event of `ready` arrived.
    first: Option<Instant>,
    /// When the latest event of `ready` arrived.
    latest: Option<Instant>,
    /// Files held back, by path.
    held: HashMap<PathBuf, Held>,
    /// `held` by release time, so the next one costs no scan.
    releases: BTreeSet<(Instant, PathBuf)>,
    /// Folders to compare (see [`Ready::compare`]), each once.
    compare: BTreeSet<PathBuf>,
}

/// Paths to re-read now.
#[derive(Debug, PartialEq, Eq)]
pub struct Ready {
    /// The paths, ready ones first, then those released, each once.
    pub paths: Vec<PathBuf>,
    /// When the earliest of their events arrived.
    pub first: Instant,
    /// Folders whose mode, owner, ACL or times changed (or, polling, whose
    /// mtime moved), sorted: which files under them may be read may have
    /// changed, and only a listing tells. Each is listed with sizes and
    /// mtimes, and only what differs is read.
    pub compare: Vec<PathBuf>,
}

impl Burst {
    /// Adds an event that arrived at `now`, with `quiet` the debounce window,
    /// from a watcher that reports closes as `closes` says; whether it
    /// finishes a path, so the ready paths are to be re-read now.
    pub fn take(
        &mut self,
        event: &notify::Event,
        now: Instant,
        quiet: Duration,
        closes: Closes,
    ) -> bool {
        match event.kind {
            EventKind::Modify(ModifyKind::Data(_)) if closes == Closes::Unreported => {
                for path in &event.paths {
                    self.finish(path, now);
                }
                false
            }
            EventKind::Create(CreateKind::File) => {
                for path in &event.paths {
                    // A new file is held one window, as a possible temp file;
                    // its writes (if any come) hold it until its close. A
                    // symlink has nothing to wait for; a hard link made here
                    // is released after the window, as no write comes. One
                    // still empty is held as a file written and not closed:
                    // its writer (`cp`, a crawler) has not written yet, and
                    // read now it would be rejected as empty. One held
                    // already (found in a new folder before its event came)
                    // stays held as it is.
                    // One still empty waits so however it is held (a file
                    // moved aside is held one window only).
                    let meta = std::fs::symlink_metadata(path).ok().filter(|m| m.is_file());
                    match meta {
                        None => self.push(path, now),
                        Some(m) if m.len() == 0 => {
                            self.hold(path, true, now, later(now, UNCLOSED_QUIET));
                        }
                        Some(_) if self.held.contains_key(path) => {}
                        Some(_) => self.hold(path, true, now, later(now, quiet)),
                    }
                }
                false
            }
            EventKind::Create(CreateKind::Folder | CreateKind::Any) => {
                for path in &event.paths {
                    self.push_unless_held(path, now);
                }
                false
            }
            EventKind::Modify(ModifyKind::Data(_)) => {
                for path in &event.paths {
                    // A folder is not written as a file is: this is its mtime
                    // set alone (inotify says `IN_MODIFY` when the atime is
                    // left as it is, as `touch -m` and `rsync` set the
                    // folders they make or copy). Nothing under it
                    // changed; what did has events of its own. Neither held
                    // (what it lists would wait [`UNCLOSED_QUIET`]) nor read
                    // again. Looked at once per hold, not per write.
                    let folder = !self.held.contains_key(path) && is_folder(path);
                    if folder {
                        continue;
                    }
                    let created = self.held.get(path).is_some_and(|h| h.created);
                    self.hold(path, created, now, now + UNCLOSED_QUIET);
                }
                false
            }
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
                let mut finished = false;
                for path in &event.paths {
                    if self.held.get(path).is_some_and(|h| h.created) {
                        self.hold(path, true, now, later(now, quiet));
                    } else {
                        self.release(path);
                        self.finish(path, now);
                        finished = true;
                    }
                }
                finished
            }
            EventKind::Modify(ModifyKind::Name(mode)) => {
                // A file moved aside to a backup name, in its folder
                // (`mv x.txt x.txt~`: Emacs's save, a script that keeps the
                // old version), is about to be written anew at its path: it
                // is held as a new file would be, so that the new version,
                // once written and closed, is one change, not the article
                // removed and added back (a 404 between, two new ETags).
                // Not written again within the window, it has left.
                let aside = mode == RenameMode::Both && moved_aside(&event.paths);
                // The rename's first two events (notify's `From`, then `To`)
                // come before `Both`: a file renamed to a name the store
                // ignores finishes nothing, so the burst waits for `Both`
                // rather than reading the path moved aside as gone.
                let to_ignored = mode == RenameMode::To && event.paths.iter().all(|p| ignored(p));
                // Otherwise gone from this path, or a whole file renamed onto
                // it: nothing is still being written there either way.
                for (i, path) in event.paths.iter().enumerate() {
                    if aside && i == 0 {
                        self.hold(path, true, now, later(now, quiet));
                        continue;
                    }
                    self.release(path);
                    self.finish(path, now);
                }
                !aside && !to_ignored && matches!(mode, RenameMode::To | RenameMode::Both)
            }
            EventKind::Remove(_) => {
                for path in &event.paths {
                    self.release(path);
                    self.push(path, now);
                }
                false
            }
            EventKind::Modify(ModifyKind::Metadata(_)) => {
                for path in &event.paths {
                    let folder = !self.held.contains_key(path) && is_folder(path);
                    // inotify's `IN_ATTRIB` on a folder: its mode, owner, ACL
                    // or times; polling's newer mtime: an entry added,
                    // removed or replaced (by an older file, which polling,
                    // comparing mtimes, may not report).
                    match folder {
                        false => self.push_unless_held(path, now),
                        true => self.compare_folder(path, now),
                    }
                }
                false
            }
            _ => {
                for path in &event.paths {
                    self.push_unless_held(path, now);
                }
                false
            }
        }
    }

    /// Whether the burst holds `path`: a file written and not closed, one
    /// created and closed that waits its window, or any path an event named
    /// that is not re-read yet. A reconciliation leaves such a path to the
    /// burst (see [`crate::catalog::Unsettled`]), which reads it once, when
    /// it is finished: read now, it could be half written, or a temp file
    /// about to be renamed.
    pub fn holds(&self, path: &Path) -> bool {
        self.held.contains_key(path) || self.queued.contains(path)
    }

    /// Whether the burst holds any path: when it holds none, a reconciliation
    /// looks none up.
    pub fn holds_any(&self) -> bool {
        !self.held.is_empty() || !self.ready.is_empty()
    }

    /// When paths are next ready without a finishing event: the ready ones
    /// after `quiet` with no event, or [`LONGEST_BURST`] windows after the
    /// first; a held one at its release.
    pub fn due(&self, quiet: Duration) -> Option<Instant> {
        let ready = self.first.zip(self.latest).map(|(first, latest)| {
            later(latest, quiet).min(later(first, quiet.saturating_mul(LONGEST_BURST)))
        });
        let held = self.releases.first().map(|(at, _)| *at);
        match (ready, held) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Takes the ready paths and the held ones released by `now`; `None` when
    /// there are none. A path still held is not among them, whatever else
    /// named it (a delete, then a new file at the same path): it is read when
    /// its hold ends.
    pub fn take_ready(&mut self, now: Instant) -> Option<Ready> {
        let mut first = self.first.take();
        self.latest = None;
        let compare: Vec<PathBuf> = std::mem::take(&mut self.compare).into_iter().collect();
        let mut paths = std::mem::take(&mut self.ready);
        self.queued.clear();
        paths.retain(|p| !self.held.contains_key(p));
        while let Some(entry) = self.releases.first().filter(|(at, _)| *at <= now) {
            let path = entry.1.clone();
            if let Some(held) = self.release(&path) {
                first = Some(first.map_or(held.since, |f| f.min(held.since)));
            }
            paths.push(path);
        }
        let mut seen = std::collections::HashSet::new();
        paths.retain(|p| seen.insert(p.clone()));
        if paths.is_empty() && compare.is_empty() {
            return None;
        }
        Some(Ready {
            paths,
            first: first?,
            compare,
        })
    }

    /// Holds `path`, a file found by listing a folder made in the burst that
    /// no event named, for `rest` from `now` (see [`unfinished_for`]), as a
    /// new file written and not yet closed: its close (then one window, as
    /// for any new file) or `rest` of quiet ends the hold, and a write holds
    /// it again.
    pub fn hold_found(&mut self, path: &Path, now: Instant, rest: Duration) {
        self.hold(&path.to_owned(), true, now, later(now, rest));
    }

    /// Holds `path`, a known file a reconciliation's listing lacked (see
    /// [`crate::catalog::Merged::unlisted`]), for one window of `quiet` from
    /// `now`, as if an event had named it: the listing may have been taken
    /// in the instant an editor moved it aside to write it anew, before the
    /// rename's event came. Events on it meanwhile govern it as they would
    /// any held file (the rename's holds it as moved aside, a close finishes
    /// it); none coming, it is ready when the window ends, and re-read then:
    /// still gone, it leaves; back, it is read once. One the burst holds
    /// already is left to its hold.
    pub fn hold_unlisted(&mut self, path: &Path, now: Instant, quiet: Duration) {
        if !self.holds(path) {
            self.hold(&path.to_owned(), false, now, later(now, quiet));
        }
    }

    /// Holds `path` (replacing any hold it had) until `release`.
    fn hold(&mut self, path: &PathBuf, created: bool, now: Instant, release: Instant) {
        let since = self.release(path).map_or(now, |h| h.since);
        self.held.insert(
            path.clone(),
            Held {
                created,
                since,
                release,
            },
        );
        self.releases.insert((release, path.clone()));
    }

    /// Ends the hold on `path`, returning it, if any.
    fn release(&mut self, path: &PathBuf) -> Option<Held> {
        let held = self.held.remove(path)?;
        self.releases.remove(&(held.release, path.clone()));
        Some(held)
    }

    /// Adds `path`, which an event at `now` finished, to the ready paths.
    fn finish(&mut self, path: &Path, now: Instant) {
        self.push(path, now);
    }

    /// Adds `path`, which an event at `now` named, to the ready paths unless
    /// it is held: a change of mode or owner on a held file leaves it held
    /// (`sed -i` sets its temp file's mode before the rename).
    fn push_unless_held(&mut self, path: &Path, now: Instant) {
        if !self.held.contains_key(path) {
            self.push(path, now);
        }
    }

    /// Notes that the mode, owner or times of `folder` changed at `now`:
    /// the burst's end compares it (see [`Ready::compare`]).
    fn compare_folder(&mut self, folder: &Path, now: Instant) {
        self.first.get_or_insert(now);
        self.latest = Some(now);
        self.compare.insert(folder.to_owned());
    }

    /// Adds `path`, which an event at `now` named, to the ready paths.
    fn push(&mut self, path: &Path, now: Instant) {
        self.first.get_or_insert(now);
        self.latest = Some(now);
        self.ready.push(path.to_owned());
        self.queued.insert(path.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{DataChange, MetadataKind, RemoveKind};
    use notify::Event;

    const QUIET: Duration = Duration::from_millis(20);

    #[test]
    fn a_wait_past_what_the_clock_holds_is_far_ahead_not_a_panic() {
        let now = Instant::now();
        assert_eq!(later(now, QUIET), now + QUIET);
        let far = later(now, Duration::MAX);
        assert!(far > now + Duration::from_secs(86_400 * 365), "{far:?}");
    }

    fn event(kind: EventKind, paths: &[&PathBuf]) -> Event {
        paths
            .iter()
            .fold(Event::new(kind), |e, p| e.add_path((*p).clone()))
    }

    fn created(p: &PathBuf) -> Event {
        event(EventKind::Create(CreateKind::File), &[p])
    }
    fn written(p: &PathBuf) -> Event {
        event(EventKind::Modify(ModifyKind::Data(DataChange::Any)), &[p])
    }
    fn closed(p: &PathBuf) -> Event {
        event(
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            &[p],
        )
    }

    #[test]
    fn a_temp_file_renamed_over_an_article_within_a_window_is_never_ready() {
        let dir = tempfile::tempdir().unwrap();
        let (temp, article) = (dir.path().join("sedX1y2z3"), dir.path().join("x.txt"));
        std::fs::write(&temp, "x").unwrap();
        let t0 = Instant::now();
        let mut b = Burst::default();
        assert!(!b.take(&created(&temp), t0, QUIET, Closes::Reported));
        assert!(!b.take(&written(&temp), t0, QUIET, Closes::Reported));
        assert!(
            !b.take(&closed(&temp), t0, QUIET, Closes::Reported),
            "a new file's close does not finish it"
        );
        // sed sets the temp file's mode before the rename: still held.
        let chmod = EventKind::Modify(ModifyKind::Metadata(MetadataKind::Permissions));
        assert!(!b.take(&event(chmod, &[&temp]), t0, QUIET, Closes::Reported));
        assert_eq!(b.due(QUIET), Some(t0 + QUIET));
        assert_eq!(b.take_ready(t0 + QUIET / 2), None);

        let renamed = event(
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            &[&temp, &article],
        );
        let t1 = t0 + QUIET / 2;
        assert!(
            b.take(&renamed, t1, QUIET, Closes::Reported),
            "a rename into place finishes"
        );
        let ready = b.take_ready(t1).unwrap();
        // The temp file's path is looked at once it is gone, which reads nothing.
        assert_eq!(ready.paths, [temp, article]);
        assert_eq!(b.due(QUIET), None, "nothing is held");
    }

    fn renamed(from: &PathBuf, to: &PathBuf) -> Event {
        event(
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            &[from, to],
        )
    }

    #[test]
    fn a_file_moved_aside_and_written_anew_is_read_once_as_it_is_then() {
        let dir = tempfile::tempdir().unwrap();
        let (article, backup) = (dir.path().join("x.txt"), dir.path().join("x.txt~"));
        let t0 = Instant::now();
        let mut b = Burst::default();
        assert!(
            !b.take(&renamed(&article, &backup), t0, QUIET, Closes::Reported),
            "moved aside: not finished"
        );
        // Emacs writes the new version at once.
        std::fs::write(&article, "x").unwrap();
        let t1 = t0 + QUIET / 2;
        b.take(&created(&article), t1, QUIET, Closes::Reported);
        b.take(&written(&article), t1, QUIET, Closes::Reported);
        assert!(!b.take(&closed(&article), t1, QUIET, Closes::Reported));
        // The backup's path is ready (it reads nothing); the article is not
        // read in between, as gone.
        assert_eq!(b.take_ready(t0 + QUIET).unwrap().paths, [backup]);
        let ready = b.take_ready(t1 + QUIET).unwrap();
        assert_eq!((ready.paths, ready.first), (vec![article], t0));
        assert_eq!(b.due(QUIET), None);
    }

    #[test]
    fn a_file_moved_aside_is_held_through_the_renames_three_events() {
        let dir = tempfile::tempdir().unwrap();
        let (article, backup) = (dir.path().join("x.txt"), dir.path().join("x.txt~"));
        let t0 = Instant::now();
        let mut b = Burst::default();
        let name =
            |mode, paths: &[&PathBuf]| event(EventKind::Modify(ModifyKind::Name(mode)), paths);
        // inotify through notify: `From`, `To`, then `Both`; the watch
        // thread may act between any two.
        assert!(!b.take(
            &name(RenameMode::From, &[&article]),
            t0,
            QUIET,
            Closes::Reported
        ));
        assert!(
            !b.take(
                &name(RenameMode::To, &[&backup]),
                t0,
                QUIET,
                Closes::Reported
            ),
            "a rename to an ignored name finishes nothing"
        );
        assert!(!b.take(&renamed(&article, &backup), t0, QUIET, Closes::Reported));
        // Written anew, empty at first (`slow_command > x.txt`): it waits
        // for its close as any new empty file, not the one window.
        std::fs::write(&article, "").unwrap();
        b.take(&created(&article), t0, QUIET, Closes::Reported);
        assert_eq!(b.take_ready(t0 + QUIET).unwrap().paths, [backup]);
        assert_eq!(b.take_ready(t0 + 10 * QUIET), None);
        std::fs::write(&article, "x").unwrap();
        let t1 = t0 + 20 * QUIET;
        b.take(&written(&article), t1, QUIET, Closes::Reported);
        assert!(!b.take(&closed(&article), t1, QUIET, Closes::Reported));
        assert_eq!(b.take_ready(t1 + QUIET).unwrap().paths, [article]);
    }

    #[test]
    fn a_file_moved_aside_and_not_written_again_is_ready_after_one_window() {
        let dir = tempfile::tempdir().unwrap();
        let article = dir.path().join("x.txt");
        let t0 = Instant::now();
        let mut b = Burst::default();
        for backup in ["x.txt.bak", "x.txt~"] {
            let backup = dir.path().join(backup);
            b.take(&renamed(&article, &backup), t0, QUIET, Closes::Reported);
            assert_eq!(b.take_ready(t0 + QUIET / 2).unwrap().paths, [backup]);
            assert_eq!(
                b.take_ready(t0 + QUIET).unwrap().paths,
                std::slice::from_ref(&article)
            );
        }
        // Renamed to another article's name, or from a temp name into place,
        // or aside into another folder: finished at once, both paths.
        let other = dir.path().join("y.txt");
        let elsewhere = dir.path().join("cu").join("x.txt~");
        for (from, to) in [
            (&article, &other),
            (&dir.path().join("x.txt.tmp"), &article),
            (&article, &elsewhere),
        ] {
            assert!(b.take(&renamed(from, to), t0, QUIET, Closes::Reported));
            assert_eq!(b.take_ready(t0).unwrap().paths, [from.clone(), to.clone()]);
        }
    }

    #[test]
    fn a_new_file_left_in_place_is_ready_after_one_quiet_window() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("moi.txt");
        std::fs::write(&new, "x").unwrap();
        let t0 = Instant::now();
        let mut b = Burst::default();
        b.take(&created(&new), t0, QUIET, Closes::Reported);
        b.take(&written(&new), t0, QUIET, Closes::Reported);
        assert!(!b.take(&closed(&new), t0 + QUIET, QUIET, Closes::Reported));
        assert_eq!(b.due(QUIET), Some(t0 + 2 * QUIET));
        assert_eq!(b.take_ready(t0 + QUIET), None);
        let ready = b.take_ready(t0 + 2 * QUIET).unwrap();
        assert_eq!((ready.paths, ready.first), (vec![new], t0));

        // vim's write test: made, closed and removed within the window.
        let probe = dir.path().join("4913");
        std::fs::write(&probe, "").unwrap();
        b.take(&created(&probe), t0, QUIET, Closes::Reported);
        b.take(&closed(&probe), t0, QUIET, Closes::Reported);
        std::fs::remove_file(&probe).unwrap();
        b.take(
            &event(EventKind::Remove(RemoveKind::File), &[&probe]),
            t0,
            QUIET,
            Closes::Reported,
        );
        assert_eq!(b.take_ready(t0 + QUIET).unwrap().paths, [probe]);
        assert_eq!(b.due(QUIET), None);
    }

    #[test]
    fn a_held_path_named_by_another_event_waits_for_its_hold() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.txt");
        let t0 = Instant::now();
        let mut b = Burst::default();
        // Deleted, then made again and being written: not read half-written.
        b.take(
            &event(EventKind::Remove(RemoveKind::File), &[&file]),
            t0,
            QUIET,
            Closes::Reported,
        );
        std::fs::write(&file, "x").unwrap();
        b.take(&created(&file), t0, QUIET, Closes::Reported);
        b.take(&written(&file), t0, QUIET, Closes::Reported);
        assert_eq!(b.take_ready(t0 + QUIET), None);
        assert!(!b.take(&closed(&file), t0 + QUIET, QUIET, Closes::Reported));
        let ready = b.take_ready(t0 + 2 * QUIET).unwrap();
        assert_eq!(ready.paths, std::slice::from_ref(&file), "once");
    }

    #[test]
    fn a_hard_link_made_in_the_store_is_ready_after_one_window() {
        let dir = tempfile::tempdir().unwrap();
        let (file, link) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        std::fs::write(&file, "x").unwrap();
        std::fs::hard_link(&file, &link).unwrap();
        let t0 = Instant::now();
        let mut b = Burst::default();
        b.take(&created(&link), t0, QUIET, Closes::Reported);
        assert_eq!(b.due(QUIET), Some(t0 + QUIET), "no write will come");
        assert_eq!(b.take_ready(t0 + QUIET).unwrap().paths, [link]);
    }

    /// A folder's mtime set alone (`touch -m`; `rsync` as it ends): nothing
    /// under it is held or read again, and the burst holds nothing.
    #[test]
    fn a_write_event_on_a_folder_neither_holds_nor_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("moi");
        std::fs::create_dir(&folder).unwrap();
        let t0 = Instant::now();
        let mut b = Burst::default();
        b.take(&written(&folder), t0, QUIET, Closes::Reported);
        assert_eq!(b.due(QUIET), None);
        assert_eq!(b.take_ready(t0 + QUIET), None);
        assert!(!b.holds_any());
    }

    #[test]
    fn a_new_file_still_empty_waits_for_its_close() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sau.txt");
        std::fs::write(&file, "").unwrap();
        let t0 = Instant::now();
        let mut b = Burst::default();
        b.take(&created(&file), t0, QUIET, Closes::Reported);
        // Its writer has not written yet: not read empty after a window.
        assert_eq!(b.take_ready(t0 + QUIET * 10), None);
        assert_eq!(b.due(QUIET), Some(t0 + UNCLOSED_QUIET));
        b.take(&closed(&file), t0 + QUIET, QUIET, Closes::Reported);
        assert_eq!(
            b.take_ready(t0 + 2 * QUIET).unwrap().paths,
            std::slice::from_ref(&file)
        );
    }

    #[test]
    fn a_write_seen_by_polling_is_ready_after_the_quiet_window() {
        let file = PathBuf::from("/store/x.txt");
        let t0 = Instant::now();
        let mut b = Burst::default();
        assert!(!b.take(&written(&file), t0, QUIET, Closes::Unreported));
        assert_eq!(b.due(QUIET), Some(t0 + QUIET));
        assert_eq!(b.take_ready(t0 + QUIET).unwrap().paths, [file]);
    }

    #[test]
    fn a_file_written_in_place_waits_for_its_close() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.txt");
        let t0 = Instant::now();
        let mut b = Burst::default();
        assert!(!b.take(&written(&file), t0, QUIET, Closes::Reported));
        // A writer pausing mid-file: quiet for many windows, still not ready.
        assert_eq!(b.take_ready(t0 + QUIET * 50), None);
        assert_eq!(b.due(QUIET), Some(t0 + UNCLOSED_QUIET));
        assert!(
            b.take(&closed(&file), t0 + QUIET * 50, QUIET, Closes::Reported),
            "its close finishes it"
        );
        assert_eq!(
            b.take_ready(t0 + QUIET * 50).unwrap().paths,
            std::slice::from_ref(&file)
        );

        // A writer that never closes is read after UNCLOSED_QUIET of quiet.
        b.take(&written(&file), t0, QUIET, Closes::Reported);
        b.take(&written(&file), t0 + QUIET, QUIET, Closes::Reported);
        assert_eq!(b.take_ready(t0 + UNCLOSED_QUIET), None);
        let ready = b.take_ready(t0 + QUIET + UNCLOSED_QUIET).unwrap();
        assert_eq!((ready.paths, ready.first), (vec![file], t0));
    }

    #[test]
    fn a_path_is_held_until_it_is_taken_ready() {
        let dir = tempfile::tempdir().unwrap();
        let (file, temp, gone) = (
            dir.path().join("x.txt"),
            dir.path().join("tmpab12cd34"),
            dir.path().join("xoa.txt"),
        );
        std::fs::write(&temp, "x").unwrap();
        let t0 = Instant::now();
        let mut b = Burst::default();
        assert!(!b.holds_any());
        // Written and not closed: held.
        b.take(&written(&file), t0, QUIET, Closes::Reported);
        // Created and closed: held one more window, as a possible temp file.
        b.take(&created(&temp), t0, QUIET, Closes::Reported);
        b.take(&closed(&temp), t0, QUIET, Closes::Reported);
        // Named by a delete, waiting for the quiet: held until re-read.
        b.take(&removed_event(&gone), t0, QUIET, Closes::Reported);
        assert!(b.holds_any());
        for path in [&file, &temp, &gone] {
            assert!(b.holds(path), "{}", path.display());
        }
        assert!(!b.holds(&dir.path().join("khac.txt")));

        // The window ends: the temp file and the delete are taken, the file
        // being written stays held.
        let ready = b.take_ready(t0 + QUIET).unwrap();
        assert_eq!(ready.paths, [gone.clone(), temp.clone()]);
        assert!(!b.holds(&gone) && !b.holds(&temp));
        assert!(b.holds(&file) && b.holds_any());

        // Its writer removes it before closing it: still the burst's, until
        // the burst reads that it is gone.
        b.take(&removed_event(&file), t0 + QUIET, QUIET, Closes::Reported);
        assert!(b.holds(&file));
        assert_eq!(
            b.take_ready(t0 + 2 * QUIET).unwrap().paths,
            std::slice::from_ref(&file)
        );
        assert!(!b.holds(&file));
        assert!(!b.holds_any());
    }

    #[test]
    fn a_file_found_in_a_new_folder_is_finished_once_its_last_write_is_old() {
        let now = SystemTime::now();
        let ago = |secs: u64| Some(now - Duration::from_secs(secs));
        // Written just now: held the whole quiet period, as after a write event.
        assert_eq!(unfinished_for(ago(0), now), Some(UNCLOSED_QUIET));
        assert_eq!(
            unfinished_for(ago(2), now),
            Some(UNCLOSED_QUIET - Duration::from_secs(2))
        );
        // As old as the quiet period, or older (an archive's times): read now.
        assert_eq!(unfinished_for(ago(5), now), None);
        assert_eq!(unfinished_for(ago(86_400 * 365), now), None);
        // In the future, or unknown: tells nothing.
        let ahead = Some(now + Duration::from_secs(60));
        assert_eq!(unfinished_for(ahead, now), Some(UNCLOSED_QUIET));
        assert_eq!(unfinished_for(None, now), Some(UNCLOSED_QUIET));
    }

    #[test]
    fn a_file_found_unfinished_is_held_until_its_close_and_its_event_keeps_it_held() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("moi/bai.txt");
        std::fs::create_dir(dir.path().join("moi")).unwrap();
        std::fs::write(&file, "x").unwrap();
        let t0 = Instant::now();
        let mut b = Burst::default();
        b.hold_found(&file, t0, UNCLOSED_QUIET);
        assert!(b.holds(&file));
        // Its create event, on its way when the folder was listed: still held.
        b.take(&created(&file), t0, QUIET, Closes::Reported);
        assert_eq!(b.take_ready(t0 + QUIET * 10), None);
        // Its close: one more window, as for any new file, then ready.
        assert!(!b.take(&closed(&file), t0 + QUIET, QUIET, Closes::Reported));
        assert_eq!(b.take_ready(t0 + QUIET), None);
        let ready = b.take_ready(t0 + 2 * QUIET).unwrap();
        assert_eq!(ready.paths, std::slice::from_ref(&file));

        // Never closed (closed before its folder was watched): read after the rest.
        b.hold_found(&file, t0, Duration::from_secs(1));
        assert_eq!(b.due(QUIET), Some(t0 + Duration::from_secs(1)));
        let ready = b.take_ready(t0 + Duration::from_secs(1)).unwrap();
        assert_eq!(ready.paths, [file]);
    }

    fn removed_event(p: &PathBuf) -> Event {
        event(EventKind::Remove(RemoveKind::File), &[p])
    }

    #[test]
    fn a_write_seen_by_polling_is_held_only_for_its_window() {
        let file = PathBuf::from("/store/x.txt");
        let t0 = Instant::now();
        let mut b = Burst::default();
        b.take(&written(&file), t0, QUIET, Closes::Unreported);
        assert!(b.holds(&file), "queued until the burst reads it");
        assert_eq!(
            b.take_ready(t0 + QUIET).unwrap().paths,
            std::slice::from_ref(&file)
        );
        assert!(!b.holds(&file));
        assert!(!b.holds_any());
    }

    fn metadata_changed(p: &PathBuf, kind: MetadataKind) -> Event {
        event(EventKind::Modify(ModifyKind::Metadata(kind)), &[p])
    }

    /// `chmod`, `chown`, `setfacl` or `touch` on a folder (`cp -a` and
    /// `tar x` set each folder they make so): nothing under it is read
    /// again, the folder is compared, once per burst.
    #[test]
    fn a_folder_whose_mode_or_times_change_is_compared_not_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let (folder, file) = (dir.path().join("moi"), dir.path().join("moi/bai.txt"));
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(&file, "x").unwrap();
        let t0 = Instant::now();
        let mut b = Burst::default();
        let attrib = metadata_changed(&folder, MetadataKind::Any);
        assert!(!b.take(&attrib, t0, QUIET, Closes::Reported));
        assert!(!b.holds(&folder));
        assert_eq!(b.due(QUIET), Some(t0 + QUIET), "ready after the window");
        b.take(&attrib, t0, QUIET, Closes::Reported);
        let ready = b.take_ready(t0 + QUIET).unwrap();
        assert!(ready.paths.is_empty(), "{:?}", ready.paths);
        assert_eq!(ready.compare, std::slice::from_ref(&folder), "once");
        assert_eq!(b.take_ready(t0 + QUIET * 2), None);

        // A file's mode is read with the file; and with a folder's change in
        // the same burst, both come.
        b.take(
            &metadata_changed(&file, MetadataKind::Any),
            t0,
            QUIET,
            Closes::Reported,
        );
        b.take(&attrib, t0, QUIET, Closes::Reported);
        let ready = b.take_ready(t0 + QUIET).unwrap();
        assert_eq!(ready.paths, std::slice::from_ref(&file));
        assert_eq!(ready.compare, std::slice::from_ref(&folder));
        b.take(&written(&file), t0, QUIET, Closes::Reported);
        let ready = b.take_ready(t0 + UNCLOSED_QUIET).unwrap();
        assert!(ready.compare.is_empty(), "{ready:?}");
    }

    /// Polling reports a folder whose mtime moved: an entry was added,
    /// removed or replaced in it, and one replaced by an older file (a backup
    /// restored with its times) polling does not report, as it compares
    /// mtimes. The folder is compared, not read again whole.
    #[test]
    fn a_folder_polling_sees_written_is_compared() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("moi");
        std::fs::create_dir(&folder).unwrap();
        let t0 = Instant::now();
        let mut b = Burst::default();
        let polled = metadata_changed(&folder, MetadataKind::WriteTime);
        b.take(&polled, t0, QUIET, Closes::Unreported);
        let ready = b.take_ready(t0 + QUIET).unwrap();
        assert!(ready.paths.is_empty(), "{:?}", ready.paths);
        assert_eq!(ready.compare, [folder]);
    }
}
