//! The store's parsed state: which file gave which article, which files were
//! rejected and why, and the (size, mtime) each was read at, so a later pass
//! re-reads only what differs.
//!
//! A file that was good and is then saved broken (or caught half-written) keeps
//! serving its last good article: the catalog records the new (size, mtime) and
//! the error, so the next change to the file is read again.

use std::cmp::Ordering;
use std::collections::{btree_map, BTreeMap, BTreeSet, HashSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use chrono_tz::Tz;
use rayon::iter::{
    IndexedParallelIterator, IntoParallelRefIterator, ParallelBridge, ParallelIterator,
};

use crate::article::{Article, Depth, Warning};
use crate::index::{Entries, Entry};
use crate::links::Links;
use crate::store::{
    self, article_id, Alike, Candidate, FileError, FolderLink, Listed, Rejected, Root, Source,
    Stat, Stats,
};

/// What the catalog knows of one file.
#[derive(Debug)]
struct FileState {
    /// Size and modification time when last read.
    stat: Stat,
    /// Whether this file's last good version is served, under the id its path
    /// gives (see [`article_id`]): not kept here, as it is the entry's key.
    serving: bool,
    /// Whether the version served came with warnings (a date from another
    /// clock, a legacy encoding): counted for `bantin_files_with_warnings`.
    /// Beside `serving`, in what would be padding.
    warned: bool,
    /// Why the last read failed; `None` when it succeeded. Boxed: few files
    /// fail, and every file pays for the size of this field.
    rejection: Option<Box<Rejection>>,
}

impl FileState {
    /// Why the last read failed, if it did.
    fn error(&self) -> Option<&FileError> {
        self.rejection.as_deref().map(|r| &r.error)
    }

    /// This file's refusal, if it is rejected.
    fn refusal(&self) -> Option<Refusal> {
        let r = self.rejection.as_deref()?;
        Some(Refusal {
            reason: r.error.to_string(),
            stat: Some(self.stat),
            digest: r.digest,
        })
    }
}

/// Why a file was rejected, and a digest of the bytes it was rejected for
/// (`None` when none were read: it could not be opened, or was too big), so
/// a rejected file touched, or saved again with the same bytes, is no change,
/// as for a file served.
#[derive(Debug)]
struct Rejection {
    error: FileError,
    digest: Option<u128>,
}

impl Rejection {
    /// A rejection that read no bytes it could be told by: the file could
    /// not be opened or read, was too big, or was refused while listing.
    fn unread(error: FileError) -> Rejection {
        Rejection {
            error,
            digest: None,
        }
    }
}

/// What a refresh is for, and so what it reads again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// A watcher said these paths changed: every file under them is read again,
    /// since two saves within one mtime tick can leave (size, mtime) unchanged.
    Event,
    /// Events may have been missed: files whose (size, mtime) differ from the
    /// version known are read again, and only those.
    Reconcile,
}

/// The files a reconciliation leaves alone: those the watcher still holds
/// (see [`crate::settle::Burst::holds`]), being written, or a new file that may
/// be an atomic save's temp file, or named by an event not yet acted on. Such
/// a file is not read, and what the catalog knows of it (served, rejected,
/// unknown) stays as it is, whatever the listing says, so the event that
/// finishes it reads it once: a reconciliation between a writer's flushes
/// would serve (and announce) half an article.
#[derive(Clone, Copy)]
pub struct Unsettled<'a>(Option<&'a (dyn Fn(&Path) -> bool + Sync)>);

impl<'a> Unsettled<'a> {
    /// No file is held: none is looked up.
    pub const NONE: Unsettled<'static> = Unsettled(None);

    /// The files for which `holds` is true are held.
    pub fn by(holds: &'a (dyn Fn(&Path) -> bool + Sync)) -> Unsettled<'a> {
        Unsettled(Some(holds))
    }

    /// Whether `path` is held.
    fn holds(&self, path: &Path) -> bool {
        self.0.is_some_and(|holds| holds(path))
    }

    /// Whether any file may be held: when none is, a listing is taken as
    /// it is, with no lookup per path.
    fn any(&self) -> bool {
        self.0.is_some()
    }
}

impl std::fmt::Debug for Unsettled<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.any() {
            "Unsettled(..)"
        } else {
            "Unsettled::NONE"
        })
    }
}

/// The duplicate-id rule, shared by the daemon and `bantin check`: an article id
/// belongs to the file that gives it first (in path order within one listing);
/// another file that gives it is rejected, naming the file that keeps it.
/// `held` says whether the file asking, `path`, already serves `id`,
/// `holder` which file gives it, if any does.
pub fn claim(id: &str, held: bool, holder: Option<&Path>, path: &Path) -> Result<(), FileError> {
    match holder {
        Some(holder) if !held => Err(FileError::DuplicateId {
            id: id.to_owned(),
            holder: holder.to_owned(),
            look_alike: look_alike(holder, path),
        }),
        _ => Ok(()),
    }
}

/// How two different paths are alike: one once each name is read as an id
/// reads it ([`crate::store::name_as_read`]), through a name that is not
/// UTF-8 or only in Unicode normalisation.
fn look_alike(a: &Path, b: &Path) -> Alike {
    let read = |p: &Path| -> Vec<String> { p.iter().map(crate::store::name_as_read).collect() };
    if a == b || read(a) != read(b) {
        return Alike::No;
    }
    // Told by the names that differ: a folder's name both share says nothing.
    let legacy = a
        .iter()
        .zip(b.iter())
        .filter(|(x, y)| x != y)
        .any(|(x, y)| x.to_str().is_none() || y.to_str().is_none());
    if legacy {
        Alike::Encoding
    } else {
        Alike::Normalization
    }
}

/// Why a file is rejected, the (size, mtime) it was read at and a digest of
/// the bytes it read (none for a refusal while listing): what tells a change
/// in a rejected file.
#[derive(Debug, PartialEq, Eq)]
struct Refusal {
    reason: String,
    stat: Option<Stat>,
    digest: Option<u128>,
}

impl Refusal {
    /// A refusal while listing: no (size, mtime), no bytes.
    fn listed(error: &FileError) -> Refusal {
        Refusal {
            reason: error.to_string(),
            stat: None,
            digest: None,
        }
    }

    /// Whether `other` is this refusal again, of a file not changed since:
    /// for the same reason, and, when both read the file, with the same
    /// bytes, whatever its (size, mtime) (a file touched, or saved again
    /// unchanged, is no change; two saves within one mtime tick are). When
    /// neither read any (too large, not to be opened, refused while
    /// listing), the reason alone tells it: nothing else was seen (a file
    /// too large says its size). When one of them did, the (size, mtime)
    /// they saw tell it, or empty both times (an empty file touched has
    /// the same bytes: none). One refused while listing (a FIFO, a link out
    /// of the store) has no (size, mtime) of its own: the same FIFO is
    /// refused by a listing with none and, when a listing taken before it
    /// came saw a file there, by a read with that file's.
    fn same_as(&self, other: &Refusal) -> bool {
        let empty = |r: &Refusal| r.stat.is_some_and(|s| s.len == 0);
        let unread = |r: &Refusal| r.stat.is_none_or(|s| s == Stat::UNREAD);
        self.reason == other.reason
            && match (self.digest, other.digest) {
                (Some(a), Some(b)) => a == b,
                (None, None) => true,
                _ => {
                    self.stat == other.stat
                        || unread(self)
                        || unread(other)
                        || (empty(self) && empty(other))
                }
            }
    }
}

/// The rejected files of part of the store, by path.
type Refusals = BTreeMap<PathBuf, Refusal>;

/// Files rejected because another file gives their id, by that id.
type Duplicates = BTreeMap<String, BTreeSet<Arc<Path>>>;

/// Notes `path` in `duplicates` if `state` rejects it for its id.
fn note_duplicate(duplicates: &mut Duplicates, path: &Arc<Path>, state: &FileState) {
    if let Some(FileError::DuplicateId { id, .. }) = state.error() {
        duplicates
            .entry(id.clone())
            .or_default()
            .insert(path.clone());
    }
}

/// Takes `path` out of `duplicates` if `state` (its state as it leaves the
/// file map) rejected it for its id.
fn unnote_duplicate(duplicates: &mut Duplicates, path: &Path, state: &FileState) {
    if let Some(FileError::DuplicateId { id, .. }) = state.error() {
        if let btree_map::Entry::Occupied(mut paths) = duplicates.entry(id.clone()) {
            paths.get_mut().remove(path);
            if paths.get().is_empty() {
                paths.remove();
            }
        }
    }
}

/// What one refresh changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Files that gave a new article.
    pub added: usize,
    /// Files whose article changed.
    pub changed: usize,
    /// Files that left the store.
    pub removed: usize,
    /// Files read and rejected (their last good version, if any, kept).
    pub rejected: usize,
    /// The ids of the articles added, changed or removed.
    pub ids: BTreeSet<String>,
    /// The ids of articles unchanged but now read from elsewhere (the store
    /// root swapped for an identical copy): the index takes their new
    /// entries, with no count, log line or ping, as nothing served changed.
    pub relocated: BTreeSet<String>,
    /// Files whose standing changed, in path order: for the log, which says so
    /// once per change rather than once per refresh.
    pub transitions: Vec<Transition>,
    /// Files whose new or changed article came with warnings: for the log,
    /// which says so once per change of the file.
    pub warned: Warned,
}

/// The files of a refresh whose new or changed article came with warnings:
/// how many, and the first [`Warned::SHOWN`] with their warnings, in path
/// order. Only those are kept: a first scan of a million files with
/// warnings must not hold all of them to log, nor log all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warned {
    /// How many files.
    pub files: usize,
    /// The first of them, with their warnings.
    pub shown: Vec<FileWarnings>,
}

/// One file's warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWarnings {
    /// The file.
    pub path: PathBuf,
    /// Its warnings, in line order.
    pub warnings: Vec<Warning>,
}

impl Warned {
    /// How many files a refresh keeps the warnings of, to log them.
    pub const SHOWN: usize = 20;

    /// Counts `path`, keeping its warnings if fewer than [`Warned::SHOWN`] are kept.
    fn note(&mut self, path: &Path, warnings: &[Warning]) {
        self.files += 1;
        if self.shown.len() < Self::SHOWN {
            self.shown.push(FileWarnings {
                path: path.to_owned(),
                warnings: warnings.to_vec(),
            });
        }
    }

    /// Adds another refresh's files to these.
    fn absorb(&mut self, other: Warned) {
        self.files += other.files;
        let room = Self::SHOWN.saturating_sub(self.shown.len());
        self.shown.extend(other.shown.into_iter().take(room));
    }
}

/// A file whose standing changed in one refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The file.
    pub path: PathBuf,
    /// What it is now.
    pub now: Standing,
}

/// Where a file stands after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Rejected, for this reason: newly, for another reason than before, or
    /// again after the file changed while rejected.
    Rejected(String),
    /// Rejected before, and now read and served.
    Served,
    /// Rejected before, and now no candidate any more (deleted, moved out,
    /// renamed to a name that is ignored).
    Gone,
}

impl Changes {
    /// Adds another refresh's changes to these.
    pub fn absorb(&mut self, other: Changes) {
        self.added += other.added;
        self.changed += other.changed;
        self.removed += other.removed;
        self.rejected += other.rejected;
        self.ids.extend(other.ids);
        self.relocated.extend(other.relocated);
        self.transitions.extend(other.transitions);
        self.warned.absorb(other.warned);
    }

    /// Files this refresh rejected that were not rejected as they are before:
    /// newly, for another reason, or again after a change (the log's
    /// `rejected:` lines). A file read again unchanged is not among them.
    pub fn newly_rejected(&self) -> usize {
        self.transitions
            .iter()
            .filter(|t| matches!(t.now, Standing::Rejected(_)))
            .count()
    }

    /// What serving the articles of `now` in place of those of `before`
    /// changes, article by article, with the rejections of `read`, the
    /// refresh that read `now` into a catalog knowing none of it (to which
    /// every article was an addition).
    pub fn between(before: &Entries, now: &Entries, read: Changes) -> Changes {
        let mut changes = Changes {
            rejected: read.rejected,
            transitions: read.transitions,
            warned: read.warned,
            ..Changes::default()
        };
        let (mut old, mut new) = (before.iter().peekable(), now.iter().peekable());
        loop {
            // Both in id order: a merge.
            let order = match (old.peek(), new.peek()) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some((a, _)), Some((b, _))) => a.cmp(b),
            };
            match order {
                Ordering::Less => {
                    let (id, _) = old.next().expect("peeked");
                    changes.removed += 1;
                    changes.ids.insert(id.clone());
                }
                Ordering::Greater => {
                    let (id, _) = new.next().expect("peeked");
                    changes.added += 1;
                    changes.ids.insert(id.clone());
                }
                Ordering::Equal => {
                    let ((id, was), (_, is)) =
                        (old.next().expect("peeked"), new.next().expect("peeked"));
                    if was.digest != is.digest || was.article != is.article {
                        changes.changed += 1;
                        changes.ids.insert(id.clone());
                    }
                }
            }
        }
        changes
    }

    /// Whether the served articles may differ.
    pub fn any(&self) -> bool {
        self.added + self.changed + self.removed > 0
    }
}

/// The part of the store one listing covers.
#[derive(Debug, Clone, Copy)]
enum Span<'a> {
    /// A file or folder and everything below it.
    Under(&'a Path),
    /// The paths after `after` up to and including `through`, in path order;
    /// `None` leaves that end open.
    Between {
        after: Option<&'a Path>,
        through: Option<&'a Path>,
    },
}

impl<'a> Span<'a> {
    /// The entries of `map` in this span, in path order.
    fn of<'m, V>(
        self,
        map: &'m BTreeMap<Arc<Path>, V>,
    ) -> Box<dyn Iterator<Item = (&'m Arc<Path>, &'m V)> + 'm>
    where
        'a: 'm,
    {
        match self {
            Span::Under(sub) => Box::new(
                map.range::<Path, _>((Bound::Included(sub), Bound::Unbounded))
                    .take_while(move |(p, _)| p.starts_with(sub)),
            ),
            Span::Between { after, through } => {
                let from = after.map_or(Bound::Unbounded, Bound::Excluded);
                Box::new(
                    map.range::<Path, _>((from, Bound::Unbounded))
                        .take_while(move |(p, _)| through.is_none_or(|t| &***p <= t)),
                )
            }
        }
    }
}

/// A slice of a listing compared with the catalog (see [`Catalog::compare`]).
struct Compared {
    /// For each entry of the slice: whether it is to be read.
    differs: Vec<bool>,
    /// Known files in the slice's span that it lacks.
    missing: Vec<Arc<Path>>,
}

/// What a listing that lacks a known file says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gone {
    /// The listing was taken now, for an event on its folder or a store
    /// read whole: the file has left.
    Forget,
    /// The listing is a reconciliation's, taken while events come: it may
    /// predate events already applied, or have been taken in the instant an
    /// editor moved the file aside to write it anew (`x.txt` → `x.txt~`),
    /// before the watch thread took the rename's event. The file is left as
    /// it is and handed back, for the caller to look at again once a settle
    /// window has passed (see [`Merged::unlisted`]), unless its folder is
    /// gone too.
    Defer,
}

/// Whether the folder of a file is still there, asked of files in path
/// order: one look per folder.
#[derive(Default)]
struct FolderThere {
    last: Option<(PathBuf, bool)>,
}

impl FolderThere {
    fn there(&mut self, file: &Path) -> bool {
        let Some(folder) = file.parent() else {
            return false;
        };
        match &self.last {
            Some((seen, there)) if seen == folder => *there,
            _ => {
                let there = std::fs::symlink_metadata(folder).is_ok_and(|m| m.is_dir());
                self.last = Some((folder.to_owned(), there));
                there
            }
        }
    }
}

/// What comparing a listing taken while events come (a reconciliation's
/// slice, a folder compared) did to the catalog, and what it left to the
/// watcher.
#[derive(Debug, Default)]
pub struct Merged {
    /// What changed.
    pub changes: Changes,
    /// Known files the listing lacked, in path order, left as they were: a
    /// listing alone never removes a file that may be in flux (moved aside
    /// to be written anew) in a folder that is still there; one whose folder
    /// is gone leaves at once. The watcher holds each for one settle window,
    /// as if an event had named it, then looks at it again: still gone, it
    /// leaves; back, it is read (the same bytes are no change).
    pub unlisted: Vec<PathBuf>,
}

/// One slice of a listing of the whole store with stats, in path order: the
/// entries after `after` up to and including `through` (`None`: from the
/// start; to the end). See [`Catalog::merge`].
#[derive(Debug)]
pub struct Slice {
    /// The last path of the slice before, if any.
    pub after: Option<PathBuf>,
    /// The last path of this slice; `None` for the last slice.
    pub through: Option<PathBuf>,
    /// What was listed, in path order.
    pub listed: Vec<Listed>,
}

/// Every candidate file of the store and the articles they gave.
#[derive(Debug)]
pub struct Catalog {
    /// The store root, as configured.
    store: PathBuf,
    /// Files larger than this are rejected (`max_file_size`).
    cap: u64,
    /// The zone of local times in the files.
    tz: Tz,
    /// Files by path; each path is shared with the entry read from it.
    files: BTreeMap<Arc<Path>, FileState>,
    /// How many of `files` have an error.
    failing: usize,
    /// How many of `files` serve a version that came with warnings.
    warned: usize,
    /// Articles by id (an id belongs to the first path that claimed it).
    pub entries: Entries,
    /// Refusals seen while listing (bad symlinks, FIFOs, unreadable folders).
    listing_errors: BTreeMap<Arc<Path>, FileError>,
    /// The files of `files` rejected because another file gives their id
    /// ([`FileError::DuplicateId`]), by that id: when the id is freed, they
    /// are read again (see [`Catalog::contenders`]).
    duplicates: Duplicates,
    /// The store boundary every file is listed and read through; resolved on
    /// the first refresh, and again when the root is replaced.
    root: Option<Root>,
    /// The symlinks among `files` and `listing_errors`, and the paths each
    /// leads through: which links a change to a file concerns (see
    /// [`Catalog::links_into`]).
    links: Links,
    /// The links named as articles that lead to a folder in the store:
    /// neither files nor refusals, but in `links`, so a file put in the
    /// folder's place reads them again (see [`crate::store::FolderLink`]).
    folder_links: BTreeMap<Arc<Path>, ()>,
}

impl Catalog {
    /// A catalog of the store at `store` that knows no file yet; files over
    /// `cap` bytes are rejected and local times are in `tz`.
    pub fn new(store: &Path, cap: u64, tz: Tz) -> Catalog {
        Catalog {
            store: store.to_owned(),
            cap,
            tz,
            files: BTreeMap::new(),
            failing: 0,
            warned: 0,
            entries: Entries::default(),
            listing_errors: BTreeMap::new(),
            duplicates: Duplicates::new(),
            root: None,
            links: Links::default(),
            folder_links: BTreeMap::new(),
        }
    }

    /// Lists and reads the whole store, parsing on every core.
    pub fn scan(store: &Path, cap: u64, tz: Tz) -> std::io::Result<Catalog> {
        Ok(Catalog::scan_noting(store, cap, tz)?.0)
    }

    /// [`Catalog::scan`], with what the scan found to say in the log: its
    /// rejections, and the files served with warnings.
    pub fn scan_noting(store: &Path, cap: u64, tz: Tz) -> std::io::Result<(Catalog, Changes)> {
        let mut catalog = Catalog::new(store, cap, tz);
        let (boundary, _) = catalog.boundary()?;
        // Nothing is served yet, so which ids changed is not asked: a million
        // of them would be collected only to be dropped.
        let changes = catalog.read_whole(&boundary, store, Ids::Untracked, Unsettled::NONE, None);
        Ok((catalog, changes))
    }

    /// Re-examines `sub` (a file or folder in the store, or the store root)
    /// for the reason `why` gives: files gone from it leave, and files are read
    /// again as `why` says.
    ///
    /// When the store root now names another folder than the one last read (it
    /// was replaced, or a root symlink retargeted), the boundary is resolved again
    /// and the whole store read again, so no article is read back from the old folder.
    pub fn refresh(&mut self, sub: &Path, why: Refresh) -> std::io::Result<Changes> {
        self.refresh_leaving(sub, why, Unsettled::NONE)
    }

    /// Whether more than `n` files at or under `sub` are known: what
    /// comparing it costs, before it is listed.
    pub fn knows_more_than(&self, sub: &Path, n: usize) -> bool {
        Span::Under(sub).of(&self.files).nth(n).is_some()
    }

    /// Compares the whole store with the catalog, as [`Refresh::Reconcile`]
    /// says, leaving the files `held` alone (see [`Unsettled`]): the
    /// reconciliation done at once, for a replaced root or a store read anew.
    pub fn reconcile(&mut self, held: Unsettled<'_>) -> std::io::Result<Changes> {
        let store = self.store.clone();
        self.refresh_leaving(&store, Refresh::Reconcile, held)
    }

    /// After [`Catalog::reconcile`] read the store into this catalog, which
    /// knew none of it, in place of `before` (a reload that changed how files
    /// read): takes over from `before` what it knew of the files `held`, left
    /// unread, so a held file served before stays served, at its last
    /// version, until its event reads it, as a reconciliation leaves it. Only
    /// for the same store (a moved one's held paths are not in it), and not
    /// for an id another file has claimed meanwhile: that file keeps it, and
    /// the held one contends for it when read. `before`, being replaced,
    /// loses those files.
    pub fn keep_held(&mut self, before: &mut Catalog, held: Unsettled<'_>) -> Vec<Arc<Path>> {
        if !held.any() || before.store != self.store {
            return Vec::new();
        }
        let kept: Vec<Arc<Path>> = before
            .files
            .keys()
            .filter(|p| held.holds(p) && !self.files.contains_key(&***p))
            .cloned()
            .collect();
        for path in &kept {
            let Some(state) = before.files.remove(path) else {
                continue;
            };
            if state.serving {
                let Some(id) = article_id(&self.store, path) else {
                    continue;
                };
                let Some(entry) = before
                    .entries
                    .get(&id)
                    .filter(|_| self.entries.get(&id).is_none())
                else {
                    continue;
                };
                self.entries.insert(id, entry.clone());
            }
            self.failing += usize::from(state.rejection.is_some());
            self.warned += usize::from(state.warned);
            note_duplicate(&mut self.duplicates, path, &state);
            self.files.insert(path.clone(), state);
        }
        kept
    }

    /// [`Catalog::refresh`], leaving the files `held` alone (see
    /// [`Unsettled`]): the watcher's refresh of a folder leaves to it the
    /// files in it still being written.
    pub fn refresh_leaving(
        &mut self,
        sub: &Path,
        why: Refresh,
        held: Unsettled<'_>,
    ) -> std::io::Result<Changes> {
        Ok(self.refresh_with(sub, why, held, Gone::Forget)?.changes)
    }

    /// Compares the folder `sub` with the catalog, as [`Refresh::Reconcile`]
    /// says, leaving the files `held` alone: a folder whose mode, owner or
    /// times changed, compared while events come. A known file its listing
    /// lacks is not removed but handed back ([`Merged::unlisted`]), as a
    /// reconciliation's slice hands it back ([`Catalog::merge`]); one under a
    /// folder the listing was refused leaves at once.
    pub fn compare_leaving(&mut self, sub: &Path, held: Unsettled<'_>) -> std::io::Result<Merged> {
        self.refresh_with(sub, Refresh::Reconcile, held, Gone::Defer)
    }

    /// [`Catalog::refresh_leaving`], with what the listing lacking a known
    /// file says about it as `gone` says. A root resolved again is read anew
    /// whole, and what it lacks has left.
    fn refresh_with(
        &mut self,
        sub: &Path,
        why: Refresh,
        held: Unsettled<'_>,
        gone: Gone,
    ) -> std::io::Result<Merged> {
        let (boundary, resolved_again) = self.boundary()?;
        let store = self.store.clone();
        let (sub, why, gone) = if resolved_again {
            (store.as_path(), Refresh::Event, Gone::Forget)
        } else {
            (sub, why, gone)
        };
        let span = Span::Under(sub);
        let any_known = span.of(&self.files).next().is_some();
        if !any_known && sub == store.as_path() {
            return Ok(Merged {
                changes: self.read_whole(&boundary, &store, Ids::Tracked, held, None),
                unlisted: Vec::new(),
            });
        }
        let walked = self.walk_and_read(&boundary, sub, why, any_known, held);
        let missing = if any_known {
            let listed: HashSet<&Path> = walked
                .iter()
                .filter_map(|(l, _)| match l {
                    Listed::Candidate(c) => Some(c.path.as_path()),
                    Listed::Rejected(r) => self.keeps(r).then_some(r.path.as_path()),
                    Listed::FolderLink(_) => None,
                })
                .collect();
            span.of(&self.files)
                .filter(|(p, _)| !listed.contains(&***p))
                .map(|(p, _)| p.clone())
                .collect()
        } else {
            Vec::new()
        };
        let (changes, unlisted) = self.apply(span, walked, missing, gone, held);
        Ok(Merged { changes, unlisted })
    }

    /// Reads the whole store into this catalog, which knows none of it (a
    /// reload that reads every file anew), as [`Catalog::refresh`] would,
    /// unless `stop` is set meanwhile: then the read ends between two chunks
    /// of [`CHUNK`] files and `None` says the catalog holds only part of the
    /// store. A stop need not wait for a million files to be read.
    /// The files `held` are left out, as [`Catalog::reconcile`] leaves them.
    pub fn read_all_unless(
        &mut self,
        stop: &AtomicBool,
        held: Unsettled<'_>,
    ) -> std::io::Result<Option<Changes>> {
        debug_assert!(self.files.is_empty(), "a catalog that knows no file");
        let (boundary, _) = self.boundary()?;
        let store = self.store.clone();
        let changes = self.read_whole(&boundary, &store, Ids::Tracked, held, Some(stop));
        Ok((!stop.load(std::sync::atomic::Ordering::Relaxed)).then_some(changes))
    }

    /// Reads every file of the store at `store` into a catalog that knows none
    /// of it, [`CHUNK`] listed files at a time (read in parallel, recorded in
    /// path order): the listing and what was read of it are in memory two
    /// chunks at a time, not for the whole store at once. One chunk is recorded
    /// while the next is listed and read, so recording (one thread) does not
    /// leave the cores idle. `ids` says whether the changed ids are collected;
    /// the files `held` are left out, unknown until their events read them.
    ///
    /// No file is known, and each chunk's paths come after the last one's, so
    /// recording looks no path up: the file map is built once at the end from
    /// the states in listing order (paths compare component by component, and
    /// two lookups per file were a tenth of a million-file scan).
    fn read_whole(
        &mut self,
        boundary: &Root,
        store: &Path,
        ids: Ids,
        held: Unsettled<'_>,
        stop: Option<&AtomicBool>,
    ) -> Changes {
        let (cap, tz) = (self.cap, self.tz);
        // Refusals while listing and links to folders are known as the
        // listing finds them; those of the paths `held` stay, as the listing
        // leaves those paths out.
        self.drop_listed_in(Span::Under(store), held);
        let pool = reading_pool();
        let mut walk = boundary.walk(store, Stats::Skip);
        let mut next_chunk = || -> Option<ReadChunk> {
            // Between chunks: a stop asked for ends the read here.
            if stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed)) {
                return None;
            }
            let mut chunk: Vec<Listed> = walk.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                return None;
            }
            if held.any() {
                chunk.retain(|listed| !held.holds(listed.path()));
            }
            let read: Vec<Option<Read>> = chunk
                .par_iter()
                .map(|listed| match listed {
                    Listed::Candidate(c) => Some(read(c, cap, tz)),
                    Listed::Rejected(_) | Listed::FolderLink(_) => None,
                })
                .collect();
            Some(ReadChunk {
                walked: chunk.into_iter().zip(read).collect(),
            })
        };
        let mut changes = Changes::default();
        let mut states = Vec::new();
        let mut pipeline = |catalog: &mut Catalog| {
            let mut ready = next_chunk();
            while let Some(ReadChunk { walked }) = ready.take() {
                let (applied, next) = rayon::join(
                    || catalog.record_fresh(walked, &mut states, ids),
                    &mut next_chunk,
                );
                changes.absorb(applied);
                ready = next;
            }
        };
        match &pool {
            Some(pool) => pool.install(|| pipeline(self)),
            None => pipeline(self),
        }
        debug_assert!(
            self.files.is_empty(),
            "read_whole is for a catalog that knows no file"
        );
        // In listing order, which is path order: collecting builds the map in one pass.
        self.files = states.into_iter().collect();
        changes
    }

    /// Records one chunk of a whole store's first read (see
    /// [`Catalog::read_whole`]): what [`Catalog::apply`] does for files none of
    /// which is known, with the states pushed onto `states` in listing order
    /// instead of being put in the file map.
    fn record_fresh(
        &mut self,
        walked: Vec<(Listed, Option<Read>)>,
        states: &mut Vec<(Arc<Path>, FileState)>,
        ids: Ids,
    ) -> Changes {
        let mut changes = Changes::default();
        let mut refused = Vec::new();
        // In path order: the first path to claim an id keeps it.
        for (listed, result) in walked {
            match (listed, result) {
                (Listed::Candidate(mut c), Some(result)) => {
                    if !c.through.is_empty() {
                        self.links.set(&c.path, std::mem::take(&mut c.through));
                    }
                    let (path, state) = self.record_new(c, result, &mut changes, ids);
                    note_duplicate(&mut self.duplicates, &path, &state);
                    self.warned += usize::from(state.warned);
                    if let Some(e) = state.error() {
                        self.failing += 1;
                        refused.push((path.to_path_buf(), e.to_string()));
                    }
                    states.push((path, state));
                }
                (Listed::Candidate(_), None) => {}
                (Listed::Rejected(r), _) => {
                    refused.push((r.path.clone(), r.error.to_string()));
                    if !r.through.is_empty() {
                        self.links.set(&r.path, r.through);
                    }
                    self.listing_errors.insert(Arc::from(r.path), r.error);
                }
                (Listed::FolderLink(f), _) => self.know_folder_link(f),
            }
        }
        refused.sort_by(|a, b| a.0.cmp(&b.0));
        changes.transitions = refused
            .into_iter()
            .map(|(path, reason)| Transition {
                path,
                now: Standing::Rejected(reason),
            })
            .collect();
        changes
    }

    /// What reading the whole store into this catalog changed against
    /// `before`, the catalog it replaces (a reload that changed how files
    /// read, or moved the store), given `read`, what the read found against
    /// nothing (to which every file was new): the articles added, changed
    /// and removed ([`Changes::between`]); the files whose standing changed
    /// (newly rejected, rejected for another reason, served again, gone),
    /// not every file rejected; and the files with warnings whose article
    /// changed, or which had none, not every file with warnings. So a
    /// reload says in the log, and counts, what it changed, as any other
    /// refresh does.
    pub fn changes_since(&self, before: &Catalog, read: Changes, carried: &[Arc<Path>]) -> Changes {
        let everything = Span::Between {
            after: None,
            through: None,
        };
        // What [`Catalog::keep_held`] carried over from `before` is as it was.
        let carried: std::collections::HashSet<&Path> = carried.iter().map(|c| &**c).collect();
        let mut now = self.rejected_in(everything);
        now.retain(|path, _| !carried.contains(path.as_path()));
        let transitions = self.transitions(before.rejected_in(everything), now);
        let newly_warned = |path: &Path| {
            if carried.contains(path) {
                return false;
            }
            let Some(was) = before.files.get(path) else {
                return true;
            };
            let same = article_id(&self.store, path).is_some_and(|id| {
                match (before.entries.get(&id), self.entries.get(&id)) {
                    (Some(old), Some(new)) => old.same_article(new),
                    _ => false,
                }
            });
            !(was.warned && was.serving && same)
        };
        let mut warned = Warned::default();
        let mut shown = read.warned.shown.into_iter();
        for (path, state) in &self.files {
            if !state.warned || !newly_warned(path) {
                continue;
            }
            warned.files += 1;
            // The read kept the warnings of its first files only, in path
            // order, as this walk is.
            if warned.shown.len() < Warned::SHOWN {
                if let Some(file) = shown.by_ref().find(|f| *f.path == **path) {
                    warned.shown.push(file);
                }
            }
        }
        let read = Changes {
            transitions,
            warned,
            ..read
        };
        Changes::between(&before.entries, &self.entries, read)
    }

    /// The boundary a reconciliation in slices ([`Catalog::merge`]) lists the
    /// store through; `None` when the root now names another folder, which
    /// calls for [`Catalog::refresh`] of the whole store instead.
    pub fn survey_root(&mut self) -> std::io::Result<Option<Root>> {
        let (boundary, resolved_again) = self.boundary()?;
        Ok((!resolved_again).then_some(boundary))
    }

    /// Compares one slice of a listing of the whole store (see
    /// [`crate::reconcile`]) with the catalog and re-reads the files in it
    /// whose (size, mtime) differ, as [`Refresh::Reconcile`] does for the whole
    /// store. The files `held` are left alone (see [`Unsettled`]), listed or not.
    ///
    /// A known file that the slice lacks is not removed on the listing's
    /// word: the listing may be older than what events have applied since,
    /// or have been taken in the instant an editor moved the file aside to
    /// write it anew, with the rename's event not yet taken. It is left as it
    /// is and handed back ([`Merged::unlisted`]) for the watcher to look at
    /// again after a settle window, as an event would have it; only a file
    /// under a folder the listing was refused leaves at once.
    pub fn merge(&mut self, slice: Slice, held: Unsettled<'_>) -> Merged {
        let span = Span::Between {
            after: slice.after.as_deref(),
            through: slice.through.as_deref(),
        };
        let (cap, tz) = (self.cap, self.tz);
        let Compared {
            mut differs,
            missing,
        } = self.compare(span, &slice.listed);
        if held.any() {
            for (listed, differs) in slice.listed.iter().zip(&mut differs) {
                *differs &= !held.holds(listed.path());
            }
        }
        let read: Vec<Option<Read>> = slice
            .listed
            .par_iter()
            .zip(differs.par_iter())
            .map(|(listed, &differs)| match listed {
                Listed::Candidate(c) if differs => Some(read(c, cap, tz)),
                _ => None,
            })
            .collect();
        let walked = slice.listed.into_iter().zip(read).collect();
        let (changes, unlisted) = self.apply(span, walked, missing, Gone::Defer, held);
        Merged { changes, unlisted }
    }

    /// Which of `listed` (all in `span`, in path order) are new or differ in
    /// (size, mtime) from the version known, and which known files of `span`
    /// it lacks. Both sides are in path order, so they are walked side by side
    /// instead of looking each path up: a slice costs what it holds.
    fn compare(&self, span: Span<'_>, listed: &[Listed]) -> Compared {
        let mut known = span.of(&self.files).peekable();
        let mut differs = Vec::with_capacity(listed.len());
        let mut missing = Vec::new();
        for l in listed {
            let c = match l {
                Listed::Candidate(c) => c,
                Listed::Rejected(r) => {
                    differs.push(false);
                    while let Some((p, _)) = known.next_if(|(p, _)| ***p < *r.path) {
                        missing.push(p.clone());
                    }
                    if let Some((p, _)) = known.next_if(|(p, _)| ***p == *r.path) {
                        if !self.keeps(r) {
                            missing.push(p.clone());
                        }
                    }
                    continue;
                }
                // No file: a known one there (a link whose target became
                // a folder) is gone from the store as served.
                Listed::FolderLink(f) => {
                    differs.push(false);
                    while let Some((p, _)) = known.next_if(|(p, _)| ***p <= *f.path) {
                        missing.push(p.clone());
                    }
                    continue;
                }
            };
            while let Some((p, _)) = known.next_if(|(p, _)| ***p < *c.path) {
                missing.push(p.clone());
            }
            differs.push(match known.next_if(|(p, _)| ***p == *c.path) {
                Some((_, state)) => c.stat != Some(state.stat),
                None => true,
            });
        }
        missing.extend(known.map(|(p, _)| p.clone()));
        Compared { differs, missing }
    }

    /// Which of `missing` (known files of `span` its listing `walked` lacks)
    /// are under a folder the listing was refused: such a file is gone from
    /// the store as served (`0711`: enterable, not listable), not to be looked
    /// at again behind the listing's back. A folder listed before this span
    /// (an earlier slice: folders come before what they hold) is known by
    /// its recorded refusal; one in it, by this listing.
    fn under_refused_folders(
        &self,
        span: Span<'_>,
        walked: &[(Listed, Option<Read>)],
        missing: &[Arc<Path>],
    ) -> Vec<bool> {
        let denied: Vec<&Path> = (walked.iter())
            .filter_map(|(listed, _)| match listed {
                Listed::Rejected(r) if matches!(r.error, FileError::FolderDenied) => {
                    Some(r.path.as_path())
                }
                _ => None,
            })
            .collect();
        let listed_before = |p: &Path| match span {
            Span::Between { after: Some(a), .. } => p <= a,
            _ => false,
        };
        let refused_above = |path: &Path| {
            path.ancestors().skip(1).any(|a| match listed_before(a) {
                true => matches!(self.listing_errors.get(a), Some(FileError::FolderDenied)),
                false => denied.contains(&a),
            })
        };
        missing.iter().map(|p| refused_above(p)).collect()
    }

    /// Applies a listing of `span` (with what was read of it) to the catalog:
    /// the known files it lacks (`missing`) leave, or, as `gone` says, are
    /// left as they are, to be looked at again (those under a folder the
    /// listing was refused leave either way); refusals while listing are
    /// replaced, and what was read is recorded in path order. The files
    /// `held` are left as they are, listed, missing or contending for a freed
    /// id. Returns what changed, and the known files left to look at again.
    fn apply(
        &mut self,
        span: Span<'_>,
        mut walked: Vec<(Listed, Option<Read>)>,
        mut missing: Vec<Arc<Path>>,
        gone: Gone,
        held: Unsettled<'_>,
    ) -> (Changes, Vec<PathBuf>) {
        if held.any() {
            walked.retain(|(listed, _)| !held.holds(listed.path()));
            missing.retain(|path| !held.holds(path));
        }
        let mut rejected_before = self.rejected_in(span);
        let mut changes = Changes::default();
        let mut unlisted = Vec::new();
        let mut freed = Vec::new();
        let listed_out = self.under_refused_folders(span, &walked, &missing);
        let mut folders = FolderThere::default();
        for (path, listed_out) in missing.into_iter().zip(listed_out) {
            // A listing taken while events come is not proof that the file
            // left: it may predate the event that added it, or have been
            // taken while the file was moved aside to be written anew. Not
            // even a look at the disk now is: the new version may not be
            // written yet. Its folder gone is proof (a folder removed or
            // renamed, often with many files): those leave now.
            if gone == Gone::Defer && !listed_out && folders.there(&path) {
                unlisted.push(path.to_path_buf());
                continue;
            }
            if self.forget(&path).is_some_and(|s| s.serving) {
                if let Some(id) = article_id(&self.store, &path) {
                    self.entries.remove(&id);
                    changes.removed += 1;
                    changes.ids.insert(id.clone());
                    freed.push(id);
                }
            }
        }
        let mut contenders = self.contenders(&freed);
        if held.any() {
            contenders.retain(|path| !held.holds(path));
        }
        rejected_before.extend(self.refusals_of(&contenders));
        let walked = self.with_contenders(walked, &contenders);
        self.drop_listed_in(span, held);

        let mut states = Vec::new();
        // In path order: the first path to claim an id keeps it.
        for (listed, result) in walked {
            // A link's chain is taken from each listing: a file that became
            // a link, or one no longer, or one retargeted, is known as it is.
            match (listed, result) {
                (Listed::Candidate(mut c), Some(result)) => {
                    self.links.set(&c.path, std::mem::take(&mut c.through));
                    let (path, state) = self.record(c, result, &mut changes);
                    self.failing += usize::from(state.rejection.is_some());
                    self.warned += usize::from(state.warned);
                    states.push((path, state));
                }
                (Listed::Candidate(c), None) => self.links.set(&c.path, c.through),
                (Listed::Rejected(r), _) => {
                    let keeps = self.keeps(&r);
                    self.links.set(&r.path, r.through);
                    match self.files.get_mut(r.path.as_path()) {
                        // See `Catalog::keeps`: the refusal is the file's.
                        Some(state) if keeps => {
                            self.failing += usize::from(state.rejection.is_none());
                            state.rejection = Some(Box::new(Rejection::unread(r.error)));
                            // Whatever comes back there is read, even with
                            // the old size and time (`mv` back, `cp -p`).
                            state.stat = Stat::UNREAD;
                        }
                        _ => {
                            self.listing_errors.insert(Arc::from(r.path), r.error);
                        }
                    }
                }
                (Listed::FolderLink(f), _) => self.know_folder_link(f),
            }
        }
        if self.files.is_empty() {
            // The first scan: build the map in one pass from the sorted listing.
            for (path, state) in &states {
                note_duplicate(&mut self.duplicates, path, state);
            }
            self.files = states.into_iter().collect();
        } else {
            for (path, state) in states {
                // One lookup for a new file (every file of a scan's later
                // chunks). A known one is replaced key and all, so the key
                // stays the path its entry shares.
                // The refused-duplicate note follows the state: the old one's
                // is taken away before the new one's is made, so a file
                // refused again for the same id stays noted.
                match self.files.entry(path.clone()) {
                    btree_map::Entry::Vacant(v) => {
                        note_duplicate(&mut self.duplicates, &path, &state);
                        v.insert(state);
                    }
                    btree_map::Entry::Occupied(o) => {
                        let old = o.remove();
                        self.failing -= usize::from(old.rejection.is_some());
                        self.warned -= usize::from(old.warned);
                        unnote_duplicate(&mut self.duplicates, &path, &old);
                        note_duplicate(&mut self.duplicates, &path, &state);
                        self.files.insert(path, state);
                    }
                }
            }
        }
        let mut rejected_after = self.rejected_in(span);
        rejected_after.extend(self.refusals_of(&contenders));
        changes.transitions = self.transitions(rejected_before, rejected_after);
        (changes, unlisted)
    }

    /// Drops the refusals while listing and the links to folders known in
    /// `span`, but for the paths `held`: its listing says what is there now.
    fn drop_listed_in(&mut self, span: Span<'_>, held: Unsettled<'_>) {
        let stale: Vec<Arc<Path>> = span
            .of(&self.listing_errors)
            .map(|(p, _)| p)
            .chain(span.of(&self.folder_links).map(|(p, _)| p))
            .filter(|p| !held.holds(p))
            .cloned()
            .collect();
        for p in stale {
            self.listing_errors.remove(&p);
            self.folder_links.remove(&p);
            self.links.forget(&p);
        }
    }

    /// The files in `span` rejected now: why, and the (size, mtime) of those
    /// that were read (refusals while listing have none).
    fn rejected_in(&self, span: Span<'_>) -> Refusals {
        let files = span
            .of(&self.files)
            .filter_map(|(p, s)| Some((p.to_path_buf(), s.refusal()?)));
        let listing = span
            .of(&self.listing_errors)
            .map(|(p, e)| (p.to_path_buf(), Refusal::listed(e)));
        files.chain(listing).collect()
    }

    /// How the rejected files under one folder changed between `before` and
    /// `after` (both from [`Self::rejected_under`]). A file still rejected as
    /// it was ([`Refusal::same_as`]: the same reason, and the same bytes)
    /// did not change, however often it is read again.
    fn transitions(&self, mut before: Refusals, after: Refusals) -> Vec<Transition> {
        let mut transitions = Vec::new();
        for (path, now) in after {
            if !before.remove(&path).is_some_and(|was| was.same_as(&now)) {
                transitions.push(Transition {
                    path,
                    now: Standing::Rejected(now.reason),
                });
            }
        }
        for path in before.into_keys() {
            let now = if self.files.contains_key(path.as_path()) {
                Standing::Served
            } else {
                Standing::Gone
            };
            transitions.push(Transition { path, now });
        }
        transitions.sort_by(|a, b| a.path.cmp(&b.path));
        transitions
    }

    /// Lists `sub` and reads every candidate that `why` calls for, listing and
    /// reading in one pass on every core (each core takes the next listed file).
    /// Results are in the walk's order, which is path order. `any_known` says
    /// whether any file under `sub` is known: only then are stats worth taking.
    /// The files `held` are not read.
    fn walk_and_read(
        &self,
        root: &Root,
        sub: &Path,
        why: Refresh,
        any_known: bool,
        held: Unsettled<'_>,
    ) -> Vec<(Listed, Option<Read>)> {
        let (cap, tz) = (self.cap, self.tz);
        let wanted = |c: &Candidate| {
            let differs = why == Refresh::Event
                || self
                    .files
                    .get(c.path.as_path())
                    .is_none_or(|s| c.stat != Some(s.stat));
            differs && !held.holds(&c.path)
        };
        let read_if_wanted = |listed: &Listed| match listed {
            Listed::Candidate(c) if wanted(c) => Some(read(c, cap, tz)),
            _ => None,
        };
        let stats = if why == Refresh::Reconcile && any_known {
            Stats::Take
        } else {
            Stats::Skip
        };
        let walk = root.walk(sub, stats);
        if stats == Stats::Take {
            // Comparing: few files differ, so a core per listed file would spend
            // its time waiting for the next one. List here, read what differs in parallel.
            let listed: Vec<Listed> = walk.collect();
            let read: Vec<Option<Read>> = listed.par_iter().map(read_if_wanted).collect();
            return listed.into_iter().zip(read).collect();
        }
        let read_all = || -> Vec<(usize, Listed, Option<Read>)> {
            walk.enumerate()
                .par_bridge()
                .map(|(i, listed)| {
                    let read = read_if_wanted(&listed);
                    (i, listed, read)
                })
                .collect()
        };
        // The whole store, when it is read again: more reads in flight than
        // cores (see `reading_pool`); not for an event's few files, which a
        // pool would only delay.
        let pool = (sub == self.store.as_path()).then(reading_pool).flatten();
        let mut walked = match pool {
            Some(pool) => pool.install(read_all),
            None => read_all(),
        };
        walked.sort_unstable_by_key(|(i, _, _)| *i);
        walked.into_iter().map(|(_, l, r)| (l, r)).collect()
    }

    /// The boundary to read the store through: the one resolved before, unless
    /// the root now names another folder; then it is resolved again (`true`).
    fn boundary(&mut self) -> std::io::Result<(Root, bool)> {
        match &self.root {
            Some(r) if !r.replaced() => Ok((r.clone(), false)),
            previous => {
                let again = previous.is_some();
                let fresh = Root::open(&self.store)?;
                self.root = Some(fresh.clone());
                Ok((fresh, again))
            }
        }
    }

    /// Knows `link`, listed as a link to a folder, by the paths it leads
    /// through, as a link served or refused is known: the file that takes
    /// the folder's place raises events on its own path only.
    fn know_folder_link(&mut self, link: FolderLink) {
        self.links.set(&link.path, link.through);
        self.folder_links.insert(Arc::from(link.path), ());
    }

    /// Drops what is known of `path`, returning it.
    fn forget(&mut self, path: &Path) -> Option<FileState> {
        self.links.forget(path);
        let state = self.files.remove(path)?;
        self.failing -= usize::from(state.rejection.is_some());
        self.warned -= usize::from(state.warned);
        unnote_duplicate(&mut self.duplicates, path, &state);
        Some(state)
    }

    /// The files rejected for giving an id of `freed` (ids no file serves
    /// any more), in path order: they contend for those ids again.
    fn contenders(&self, freed: &[String]) -> Vec<PathBuf> {
        let paths: BTreeSet<&Arc<Path>> = freed
            .iter()
            .filter_map(|id| self.duplicates.get(id))
            .flatten()
            .collect();
        paths.into_iter().map(|p| p.to_path_buf()).collect()
    }

    /// `walked` (a listing in path order, with what was read of it) with the
    /// `contenders` for freed ids read again and merged in, in path order: so
    /// the first of them by path claims its id, the file a fresh start would
    /// choose, whichever event or listing freed it (`mv x.txt x.md`: x.md was
    /// read first and refused, then x.txt left). Those outside the listing
    /// are listed on their own through the boundary, as an event would list
    /// them; one gone is forgotten.
    fn with_contenders(
        &mut self,
        mut walked: Vec<(Listed, Option<Read>)>,
        contenders: &[PathBuf],
    ) -> Vec<(Listed, Option<Read>)> {
        if contenders.is_empty() {
            return walked;
        }
        let mut wanted: BTreeSet<&Path> = contenders.iter().map(PathBuf::as_path).collect();
        let (cap, tz) = (self.cap, self.tz);
        for (listed, result) in &mut walked {
            if let Listed::Candidate(c) = listed {
                if wanted.remove(c.path.as_path()) && result.is_none() {
                    *result = Some(read(c, cap, tz));
                }
            }
        }
        let Some(root) = self.root.clone() else {
            return walked;
        };
        let mut more = Vec::new();
        for path in wanted {
            let listed: Vec<Listed> = root.walk(path, Stats::Skip).collect();
            let still = listed
                .iter()
                .any(|l| matches!(l, Listed::Candidate(c) if c.path == path));
            if !still {
                self.forget(path);
            }
            more.extend(listed.into_iter().map(|l| {
                let result = match &l {
                    Listed::Candidate(c) => Some(read(c, cap, tz)),
                    Listed::Rejected(_) | Listed::FolderLink(_) => None,
                };
                (l, result)
            }));
        }
        if !more.is_empty() {
            walked.extend(more);
            // Stable, and the listing is sorted already: a merge of two runs.
            walked.sort_by(|a, b| a.0.path().cmp(b.0.path()));
        }
        walked
    }

    /// The refusals of `paths` now, for those of them that are rejected.
    fn refusals_of(&self, paths: &[PathBuf]) -> Refusals {
        paths
            .iter()
            .filter_map(|p| {
                let refusal = match self.files.get(p.as_path()) {
                    Some(s) => s.refusal()?,
                    None => Refusal::listed(self.listing_errors.get(p.as_path())?),
                };
                Some((p.clone(), refusal))
            })
            .collect()
    }

    /// The symlinks of the store (served or refused) that lead through `sub`
    /// or a path below it: a change there changes what they give, and events
    /// name only `sub`. A refresh of `sub` is to refresh them too.
    pub fn links_into(&self, sub: &Path) -> BTreeSet<PathBuf> {
        self.links.into_under(sub)
    }

    /// Files that are rejected now, with why: read and refused, then refused
    /// while listing; each sorted by path.
    pub fn rejected(&self) -> impl Iterator<Item = (&Path, &FileError)> {
        let files = self
            .files
            .iter()
            .filter_map(|(p, s)| s.error().map(|e| (&**p, e)));
        files.chain(self.listing_errors.iter().map(|(p, e)| (&**p, e)))
    }

    /// Whether a file refused as it is listed (now a FIFO, a socket, or a
    /// link out of the store, in a loop or to an ignored name) keeps its
    /// place: it does when its last good version is served, which stays
    /// served, as for a file saved broken, until the path is a file the store
    /// reads again or leaves the store. A link to nothing does not: what it
    /// led to was deleted, and its article goes as the target's does.
    fn keeps(&self, refused: &Rejected) -> bool {
        !matches!(refused.error, FileError::DanglingLink(_))
            && self
                .files
                .get(refused.path.as_path())
                .is_some_and(|s| s.serving)
    }

    /// How many files are rejected now.
    pub fn rejected_count(&self) -> usize {
        self.failing + self.listing_errors.len()
    }

    /// How many files serve an article that came with warnings now (a
    /// rejected file whose last good version is served counts as that
    /// version did).
    pub fn warned_count(&self) -> usize {
        self.warned
    }

    /// Applies what reading `c` gave to the served entries; returns the file's
    /// path (shared with its entry) and new state.
    fn record(
        &mut self,
        c: Candidate,
        result: Read,
        changes: &mut Changes,
    ) -> (Arc<Path>, FileState) {
        let known = self
            .files
            .get_key_value(c.path.as_path())
            .map(|(p, s)| Known {
                path: p.clone(),
                serving: s.serving,
                warned: s.warned,
            });
        self.record_as(c, result, changes, known, Ids::Tracked)
    }

    /// [`Catalog::record`] for a file the catalog does not know, and so does
    /// not serve: no lookup of its path.
    fn record_new(
        &mut self,
        c: Candidate,
        result: Read,
        changes: &mut Changes,
        ids: Ids,
    ) -> (Arc<Path>, FileState) {
        self.record_as(c, result, changes, None, ids)
    }

    /// What [`Catalog::record`] does, for a file known as `known`, collecting
    /// the changed id as `ids` says.
    fn record_as(
        &mut self,
        c: Candidate,
        result: Read,
        changes: &mut Changes,
        known: Option<Known>,
        ids: Ids,
    ) -> (Arc<Path>, FileState) {
        let serving = known.as_ref().is_some_and(|k| k.serving);
        let stat = recorded_stat(&c, &result);
        // A rejected file's last good version stays served, with its warnings.
        let warned = known.as_ref().is_some_and(|k| k.warned);
        let mut path = known.map(|k| k.path);
        let mut state = FileState {
            stat,
            serving,
            warned,
            rejection: None,
        };
        match result {
            Ok(Good {
                entry, warnings, ..
            }) => {
                let id = c.id;
                let holder = self.entries.get(&id).map(|e| match &e.source {
                    Some(source) => source.path.to_path_buf(),
                    None => PathBuf::from(&e.article.id),
                });
                if let Err(error) = claim(&id, serving, holder.as_deref(), &c.path) {
                    let digest = Some(entry.digest);
                    state.rejection = Some(Box::new(Rejection { error, digest }));
                    changes.rejected += 1;
                } else {
                    // Not served by this file and claimed: no entry holds the id.
                    let known = self.entries.get(&id).filter(|_| serving);
                    let same = known.is_some_and(|old| old.same_article(&entry));
                    // The same article read through another root (the store
                    // root swapped for a copy): pages must read it there, but
                    // nothing a reader sees changed.
                    let moved = same && known.is_some_and(|old| !old.same_as(&entry));
                    if moved {
                        if ids == Ids::Tracked {
                            changes.relocated.insert(id.clone());
                        }
                        self.entries.insert(id.clone(), entry);
                    } else if !same {
                        if serving {
                            changes.changed += 1;
                        } else {
                            changes.added += 1;
                        }
                        if let Some(source) = &entry.source {
                            path = Some(source.path.clone());
                        }
                        if ids == Ids::Tracked {
                            changes.ids.insert(id.clone());
                        }
                        self.entries.insert(id, entry);
                    }
                    // Said once per change of the article, as a rejection
                    // is: not again for a file touched or saved unchanged,
                    // unless it had none (its mtime, against which header
                    // dates are checked, moved).
                    if !warnings.is_empty() && (!same || !warned) {
                        changes.warned.note(&c.path, &warnings);
                    }
                    state.serving = true;
                    state.warned = !warnings.is_empty();
                }
            }
            Err(r) => {
                state.rejection = Some(Box::new(r));
                changes.rejected += 1;
            }
        }
        (path.unwrap_or_else(|| Arc::from(c.path)), state)
    }
}

/// The (size, mtime) recorded for `c` after `result`: what it was read at;
/// for a read that failed for want of open files or memory (or any
/// [`FileError::transient`] reason), [`Stat::UNREAD`], so the next
/// reconciliation tries again; for a broken file, [`refused_stat`].
fn recorded_stat(c: &Candidate, result: &Read) -> Stat {
    match result {
        Ok(good) => good.stat,
        Err(r) if r.error.transient() => Stat::UNREAD,
        Err(_) => refused_stat(c),
    }
}

/// The (size, mtime) recorded for a file whose read failed: not opened, or
/// refused before, it is stated now, so an unchanged broken file is not read
/// again by every reconciliation.
fn refused_stat(c: &Candidate) -> Stat {
    c.stat
        .or_else(|| std::fs::metadata(&c.path).ok().map(|m| Stat::of(&m)))
        .unwrap_or_default()
}

/// Whether a refresh collects the ids it changed ([`Changes::ids`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ids {
    /// Collected: what is served is updated from them.
    Tracked,
    /// Not collected: nothing is served yet.
    Untracked,
}

/// One chunk of a whole store's listing, read.
struct ReadChunk {
    /// What was listed, with what was read of each candidate, in path order.
    walked: Vec<(Listed, Option<Read>)>,
}

/// Files listed and read at a time when the whole store is read.
const CHUNK: usize = 16 * 1024;

/// Reads in flight while reading the whole store, per core: a store not yet
/// in the page cache (as at boot) keeps a thread per read waiting on the disk,
/// and the disk answers more reads at once faster.
const READS_PER_CORE: usize = 4;

/// A thread pool for reading the whole store: [`READS_PER_CORE`] threads per
/// core; `None` (use the global pool) if the threads cannot start.
fn reading_pool() -> Option<rayon::ThreadPool> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    rayon::ThreadPoolBuilder::new()
        .num_threads(cores * READS_PER_CORE)
        .thread_name(|i| format!("bantin-read-{i}"))
        .build()
        .map_err(|e| tracing::warn!("reading with one thread per core: {e}"))
        .ok()
}

/// The full article of a lean entry, read back from its file; `None` when the
/// file is gone, broken, or now gives another id (the watcher will catch up).
pub fn hydrate(entry: &Entry, cap: u64, tz: Tz) -> Option<Arc<Article>> {
    let Some(source) = &entry.source else {
        return Some(entry.article.clone());
    };
    let candidate = Candidate {
        path: source.path.to_path_buf(),
        id: entry.article.id.clone(),
        stat: None,
        root: source.root.clone(),
        through: Vec::new(),
    };
    let loaded =
        guarded_full_parse(&candidate, || store::load(&candidate, cap, tz, Depth::Full))?.ok()?;
    (loaded.parsed.article.id == entry.article.id).then(|| Arc::new(loaded.parsed.article))
}

/// Runs a full parse of `candidate` (`parse`) under the guard the scan's own
/// parse has (see [`read_into`]): a panic in it (a bug) is logged as an error
/// naming the file, and the caller falls back to the lean article, as when
/// the file cannot be read.
fn guarded_full_parse<T>(candidate: &Candidate, parse: impl FnOnce() -> T) -> Option<T> {
    crate::panics::guarded(
        || {
            format!(
                "reading {} in full (for its page or an archive; it is served as \
                 unreadable meanwhile)",
                crate::text::printable_path(&candidate.path)
            )
        },
        parse,
    )
}

/// [`hydrate`], but only if the file still has the bytes the entry was indexed
/// from (its digest): what a representation whose validator is derived from the
/// entries' digests must be rendered from. `None` when it changed, too.
pub fn hydrate_same(entry: &Entry, cap: u64, tz: Tz) -> Option<Arc<Article>> {
    match read_back_as(entry, cap, tz, Wanted::Indexed) {
        ReadBack::Indexed(full) => Some(full),
        ReadBack::Changed(_) | ReadBack::Unreadable => None,
    }
}

/// What the file of an entry gives now (see [`read_back`]).
#[derive(Debug)]
pub enum ReadBack {
    /// The full article, as it was indexed.
    Indexed(Arc<Article>),
    /// An article under the same id, but not the one indexed: the file
    /// changed since (the watcher has yet to catch up, or it changed
    /// through another name of the same file).
    Changed(Arc<Article>),
    /// No article: the file cannot be read, or is none now (saved broken).
    Unreadable,
}

/// The full article of a lean entry, read back from its file in one read,
/// and whether it is the one indexed (by the digest of its bytes and its
/// date); a full entry is its own.
pub fn read_back(entry: &Entry, cap: u64, tz: Tz) -> ReadBack {
    read_back_as(entry, cap, tz, Wanted::Any)
}

/// Which articles a read back is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    /// The one indexed alone: a file with other bytes is not parsed.
    Indexed,
    /// Whichever the file gives.
    Any,
}

/// [`read_back`], parsing a file whose bytes changed only if `wanted` says so.
fn read_back_as(entry: &Entry, cap: u64, tz: Tz, wanted: Wanted) -> ReadBack {
    let Some(source) = &entry.source else {
        return ReadBack::Indexed(entry.article.clone());
    };
    let candidate = Candidate {
        path: source.path.to_path_buf(),
        id: entry.article.id.clone(),
        stat: None,
        root: source.root.clone(),
        through: Vec::new(),
    };
    let Ok((bytes, meta)) = candidate.root.read_capped(&candidate.path, cap) else {
        return ReadBack::Unreadable;
    };
    let same_bytes = store::digest(&bytes) == entry.digest;
    if !same_bytes && wanted == Wanted::Indexed {
        // Not the one wanted, whatever it is: no parse to tell.
        return ReadBack::Unreadable;
    }
    let parsed = guarded_full_parse(&candidate, || {
        store::load_bytes(&candidate, &bytes, &meta, tz, Depth::Full)
    });
    let Some(Ok(loaded)) = parsed else {
        return ReadBack::Unreadable;
    };
    let full = loaded.parsed.article;
    if full.id != entry.article.id {
        return ReadBack::Unreadable;
    }
    // The date of a file without one comes from its mtime, which the digest misses.
    let same = same_bytes && full.published == entry.article.published;
    match same {
        true => ReadBack::Indexed(Arc::new(full)),
        false => ReadBack::Changed(Arc::new(full)),
    }
}

/// What reading one candidate gave: a [`Good`] read, or why it was rejected.
type Read = Result<Good, Rejection>;

/// A file read and parsed.
struct Good {
    /// Its lean entry.
    entry: Entry,
    /// Its stat when read.
    stat: Stat,
    /// The warnings of its header parse, those about empty label lines
    /// included (those about the body, fields cut to their limits, more than
    /// [`crate::article::limits::TAGS`] tags and a long lead, are `bantin check`'s to
    /// show).
    warnings: Vec<Warning>,
}

/// What the catalog knows of a file about to be recorded again.
struct Known {
    /// Its path as the file map keeps it (shared with its entry).
    path: Arc<Path>,
    /// Whether its last good version is served.
    serving: bool,
    /// Whether that version came with warnings.
    warned: bool,
}

/// Reads one candidate into a lean entry: the header is parsed and the bytes
/// hashed, and the rest is dropped here, so a full store's text is never in
/// memory at once. A parser panic (a bug) rejects that one file instead of
/// taking the daemon down.
fn read(c: &Candidate, cap: u64, tz: Tz) -> Read {
    READ_BUFFER.with_borrow_mut(|bytes| {
        let read = read_into(c, cap, tz, bytes);
        // A buffer grown by one big file is not kept by an idle thread.
        if bytes.capacity() > KEPT_BUFFER {
            *bytes = Vec::new();
        }
        read
    })
}

/// The biggest read buffer a reading thread keeps between files.
const KEPT_BUFFER: usize = 1 << 20;

thread_local! {
    /// Each reading thread's buffer for the file it reads: a scan reads every
    /// file of the store, and one buffer per thread spares an allocation (and
    /// fresh pages) per file.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`read`] with `bytes` as the buffer.
fn read_into(c: &Candidate, cap: u64, tz: Tz, bytes: &mut Vec<u8>) -> Read {
    // The digest of what was read, kept for a parser panic.
    let mut read = None;
    let load = || {
        let meta = c
            .root
            .read_capped_into(&c.path, cap, bytes)
            .map_err(Rejection::unread)?;
        let bytes = &bytes[..];
        let digest = store::digest(bytes);
        read = Some(digest);
        let l = store::load_bytes(c, bytes, &meta, tz, Depth::Head).map_err(|error| Rejection {
            error,
            digest: Some(digest),
        })?;
        let source = Source {
            path: Arc::from(c.path.as_path()),
            root: c.root.clone(),
        };
        let entry = Entry::lean(l.parsed.article, l.stat.modified, source, digest);
        Ok(Good {
            entry,
            stat: l.stat,
            warnings: l.parsed.warnings,
        })
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(load)).unwrap_or_else(|_| {
        Err(Rejection {
            error: FileError::ParserPanic,
            digest: read,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Ho_Chi_Minh;

    const GOOD: &str = "Tiêu đề một\n10/05/2020 15:33\nDẫn.\n";

    #[test]
    fn a_read_of_the_whole_store_ends_early_when_a_stop_is_asked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for i in 0..3 {
            std::fs::write(root.join(format!("{i}.txt")), GOOD).unwrap();
        }
        let fresh = || Catalog::new(root, 1 << 20, Ho_Chi_Minh);
        let go = AtomicBool::new(false);
        let mut c = fresh();
        let read = c
            .read_all_unless(&go, Unsettled::NONE)
            .unwrap()
            .expect("not stopped");
        assert_eq!((read.added, c.entries.len()), (3, 3));
        // Asked before the first chunk: nothing is read, and the caller is told.
        let stop = AtomicBool::new(true);
        let mut c = fresh();
        assert_eq!(c.read_all_unless(&stop, Unsettled::NONE).unwrap(), None);
        assert!(c.entries.is_empty());
    }

    #[test]
    fn an_edit_below_the_header_is_a_change_even_at_the_same_size_and_mtime() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let file = root.join("x.txt");
        std::fs::write(&file, GOOD).unwrap();
        let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
        let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        let before = c.entries["x"].clone();
        assert!(before.article.paragraphs.is_empty() && before.article.summary.is_empty());

        // The same bytes read again: no change.
        let ch = c.refresh(&file, Refresh::Event).unwrap();
        assert_eq!(ch, Changes::default());

        std::fs::write(&file, GOOD.replace("Dẫn.", "Dẫn!")).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let ch = c.refresh(&file, Refresh::Event).unwrap();
        assert_eq!((ch.changed, ch.ids.len()), (1, 1));
        assert_eq!(
            c.entries["x"].article, before.article,
            "the header is the same"
        );
        assert_ne!(c.entries["x"].digest, before.digest);
    }

    /// The links the catalog knows follow the store: made at the scan or
    /// later, dangling (still known: the target's return concerns them),
    /// retargeted, replaced by a file, and removed.
    #[test]
    fn the_links_into_a_file_are_known_as_links_come_go_and_dangle() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("rev")).unwrap();
        std::fs::create_dir_all(root.join("sym")).unwrap();
        std::fs::write(root.join("rev/utc.txt"), GOOD).unwrap();
        std::fs::write(root.join("rev/khac.txt"), GOOD).unwrap();
        let link = root.join("sym/link-in.txt");
        std::os::unix::fs::symlink("../rev/utc.txt", &link).unwrap();
        let mut c = Catalog::scan(&root, 1 << 20, Ho_Chi_Minh).unwrap();
        // Whether `link` is the one link known to lead through `p`.
        let only = |c: &Catalog, p: &str| -> bool {
            c.links_into(&root.join(p)).into_iter().eq([link.clone()])
        };
        let into = |c: &Catalog, p: &str| c.links_into(&root.join(p));
        assert!(only(&c, "rev/utc.txt"));
        assert!(only(&c, "rev"));
        assert!(into(&c, "rev/khac.txt").is_empty());

        // Dangling: refused (its article gone with the target's), and still
        // known to lead there.
        std::fs::remove_file(root.join("rev/utc.txt")).unwrap();
        c.refresh(&root.join("rev/utc.txt"), Refresh::Event)
            .unwrap();
        c.refresh(&link, Refresh::Event).unwrap();
        assert!(!c.entries.contains_key("rev/utc"));
        assert!(!c.entries.contains_key("sym/link-in"));
        assert_eq!(c.rejected_count(), 1);
        assert!(only(&c, "rev/utc.txt"));

        // Retargeted, as `ln -sf` does.
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink("../rev/khac.txt", &link).unwrap();
        c.refresh(&link, Refresh::Event).unwrap();
        assert!(c.entries.contains_key("sym/link-in"));
        assert!(into(&c, "rev/utc.txt").is_empty());
        assert!(only(&c, "rev/khac.txt"));

        // Replaced by a plain file, then a link again, then removed.
        std::fs::remove_file(&link).unwrap();
        std::fs::write(&link, GOOD).unwrap();
        c.refresh(&root.join("sym"), Refresh::Event).unwrap();
        assert!(into(&c, "rev").is_empty());
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink("../rev/khac.txt", &link).unwrap();
        c.refresh(&root.join("sym"), Refresh::Event).unwrap();
        assert!(only(&c, "rev/khac.txt"));
        std::fs::remove_file(&link).unwrap();
        c.refresh(&link, Refresh::Event).unwrap();
        assert!(into(&c, "rev").is_empty());
        assert!(c.links.is_empty());
    }

    #[test]
    fn a_link_to_a_folder_is_no_article_and_no_refusal_but_known_where_it_leads() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("rev")).unwrap();
        std::fs::write(root.join("rev/utc.txt"), GOOD).unwrap();
        let link = root.join("rev/link.txt");
        std::os::unix::fs::symlink("utc.txt", &link).unwrap();
        // Named as an article, a folder from the start.
        let folder = root.join("folder.txt");
        std::os::unix::fs::symlink("rev", &folder).unwrap();
        let mut c = Catalog::scan(&root, 1 << 20, Ho_Chi_Minh).unwrap();
        let into = |c: &Catalog, p: &str| c.links_into(&root.join(p));
        assert!(into(&c, "rev").contains(&folder));
        assert!(!c.entries.contains_key("folder"));
        assert_eq!(c.rejected_count(), 0);

        // The target a folder: no article, no refusal, still known.
        std::fs::remove_file(root.join("rev/utc.txt")).unwrap();
        std::fs::create_dir(root.join("rev/utc.txt")).unwrap();
        c.refresh(&root.join("rev/utc.txt"), Refresh::Event)
            .unwrap();
        c.refresh(&link, Refresh::Event).unwrap();
        assert!(!c.entries.contains_key("rev/link"));
        assert_eq!(c.rejected_count(), 0);
        assert!(into(&c, "rev/utc.txt").into_iter().eq([link.clone()]));
        // A reconciliation keeps it known.
        c.reconcile(Unsettled::NONE).unwrap();
        assert!(into(&c, "rev/utc.txt").into_iter().eq([link.clone()]));
        assert_eq!(c.rejected_count(), 0);

        // A file back: the link is an article again.
        std::fs::remove_dir(root.join("rev/utc.txt")).unwrap();
        std::fs::write(root.join("rev/utc.txt"), GOOD).unwrap();
        c.refresh(&link, Refresh::Event).unwrap();
        assert!(c.entries.contains_key("rev/link"));

        // Removed, each leaves no trace.
        std::fs::remove_file(&folder).unwrap();
        c.refresh(&folder, Refresh::Event).unwrap();
        assert!(!into(&c, "rev").contains(&folder));
        std::fs::remove_file(&link).unwrap();
        c.refresh(&link, Refresh::Event).unwrap();
        assert!(c.links.is_empty() && c.folder_links.is_empty());
    }

    #[test]
    fn a_store_of_links_only_read_again_whole_keeps_what_is_held_and_drops_what_left() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("d")).unwrap();
        // No file: a refresh of the root reads the store whole.
        let folder = root.join("f.txt");
        std::os::unix::fs::symlink("d", &folder).unwrap();
        let dangling = root.join("bad.txt");
        std::os::unix::fs::symlink("nowhere.txt", &dangling).unwrap();
        let mut c = Catalog::scan(&root, 1 << 20, Ho_Chi_Minh).unwrap();
        assert_eq!(c.rejected_count(), 1);
        assert!(c.links_into(&root.join("d")).contains(&folder));

        // The refused link gone, the folder link held (its event pending).
        std::fs::remove_file(&dangling).unwrap();
        let holds = |p: &Path| p == folder.as_path();
        c.refresh_leaving(&root, Refresh::Event, Unsettled::by(&holds))
            .unwrap();
        assert_eq!(c.rejected_count(), 0);
        assert!(c.links_into(&root.join("nowhere.txt")).is_empty());
        assert!(c.folder_links.contains_key(folder.as_path()));
        assert!(c.links_into(&root.join("d")).contains(&folder));

        // Not held, it is listed again as it is.
        c.refresh(&root, Refresh::Event).unwrap();
        assert!(c.folder_links.contains_key(folder.as_path()));
        assert!(c.links_into(&root.join("d")).contains(&folder));
    }

    #[test]
    fn a_read_that_failed_for_want_of_open_files_is_tried_again_by_the_next_reconciliation() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let file = root.join("x.txt");
        std::fs::write(&file, GOOD).unwrap();
        let boundary = Root::open(root).unwrap();
        let candidate = || boundary.candidate(&file).unwrap().unwrap();
        let stat = Some(Stat::of(&std::fs::metadata(&file).unwrap()));
        let emfile = || {
            let error = FileError::Io(std::io::Error::from_raw_os_error(24));
            Err(Rejection::unread(error))
        };
        assert!(emfile().is_err_and(|r: Rejection| r.error.transient()));
        assert_eq!(recorded_stat(&candidate(), &emfile()), Stat::UNREAD);
        // A broken file keeps its stat: not read again until it changes.
        let broken = Err(Rejection::unread(FileError::Text(
            crate::text::TextError::Empty,
        )));
        let listed = candidate().stat.or(stat).unwrap();
        assert_eq!(recorded_stat(&candidate(), &broken), listed);

        // The store as the first scan found it with the open-file table full.
        let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        c.entries.remove("x");
        c.files.remove(file.as_path());
        let mut changes = Changes::default();
        let (path, state) = c.record(candidate(), emfile(), &mut changes);
        c.failing += 1;
        c.files.insert(path, state);
        assert_eq!(c.rejected_count(), 1);
        // Unchanged on disk, and read again.
        let ch = c.refresh(root, Refresh::Reconcile).unwrap();
        assert_eq!(ch.added, 1, "{ch:?}");
        assert_eq!(c.entries["x"].article.title, "Tiêu đề một");
        assert_eq!(c.rejected_count(), 0);
    }

    #[test]
    fn refresh_follows_adds_edits_breaks_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("a")).unwrap();
        std::fs::write(root.join("a/x.txt"), GOOD).unwrap();
        let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        assert_eq!(c.entries["a/x"].article.title, "Tiêu đề một");

        // Unchanged: nothing read, nothing changed.
        assert_eq!(
            c.refresh(root, Refresh::Reconcile).unwrap(),
            Changes::default()
        );

        // Saved broken (empty): the last good version stays, the error is reported.
        std::fs::write(root.join("a/x.txt"), "").unwrap();
        let ch = c.refresh(&root.join("a/x.txt"), Refresh::Event).unwrap();
        assert_eq!(ch.rejected, 1);
        assert!(!ch.any());
        assert_eq!(c.entries["a/x"].article.title, "Tiêu đề một");
        assert_eq!(c.rejected_count(), 1);

        // Fixed: read again.
        std::fs::write(root.join("a/x.txt"), GOOD.replace("một", "hai")).unwrap();
        let ch = c.refresh(&root.join("a"), Refresh::Event).unwrap();
        assert_eq!(ch.changed, 1);
        assert_eq!(c.entries["a/x"].article.title, "Tiêu đề hai");
        assert_eq!(c.rejected_count(), 0);

        // Folder deleted with its contents.
        std::fs::remove_dir_all(root.join("a")).unwrap();
        let ch = c.refresh(&root.join("a"), Refresh::Event).unwrap();
        assert_eq!(ch.removed, 1);
        assert!(c.entries.is_empty());
    }
    /// A reconciliation's listing refused a folder (`0711`: enterable, not
    /// listable): the files known under it leave, as its refusal says, and are
    /// not read again one by one behind the listing's back.
    #[test]
    fn a_merge_forgets_the_files_under_a_folder_its_listing_was_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("kin")).unwrap();
        std::fs::write(root.join("kin/x.txt"), GOOD).unwrap();
        std::fs::write(root.join("y.txt"), GOOD).unwrap();
        let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        assert_eq!(c.entries.len(), 2);
        let refused = Listed::Rejected(Rejected {
            path: root.join("kin"),
            error: FileError::FolderDenied,
            through: Vec::new(),
        });
        let slice = Slice {
            after: None,
            through: None,
            listed: vec![refused],
        };
        let Merged { changes, unlisted } = c.merge(slice, Unsettled::NONE);
        assert_eq!(changes.removed, 1, "{changes:?}");
        assert!(c.entries.get("kin/x").is_none());
        // y.txt, missing from the listing but not under the refused folder,
        // is left to be looked at again (the listing may be older than the
        // file, or taken while it was moved aside): kept.
        assert!(c.entries.get("y").is_some());
        assert_eq!(unlisted, [root.join("y.txt")]);

        // The refused folder the last entry of one slice, its files in the
        // next: known by the refusal the first recorded.
        let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        let refused = Listed::Rejected(Rejected {
            path: root.join("kin"),
            error: FileError::FolderDenied,
            through: Vec::new(),
        });
        let first = Slice {
            after: None,
            through: Some(root.join("kin")),
            listed: vec![refused],
        };
        assert_eq!(c.merge(first, Unsettled::NONE).changes.removed, 0);
        let rest = Slice {
            after: Some(root.join("kin")),
            through: None,
            listed: Vec::new(),
        };
        assert_eq!(c.merge(rest, Unsettled::NONE).changes.removed, 1);
        assert!(c.entries.get("kin/x").is_none());
        assert!(c.entries.get("y").is_some());
    }

    /// A folder removed or renamed (`rm -rf`, `mv`, often thousands of
    /// files) is not in flux as a file moved aside is: a slice that lacks
    /// its files removes them at once, not one held path at a time, and a
    /// renamed folder's files are not served under both names for a window.
    #[test]
    fn a_merge_removes_at_once_the_files_of_a_folder_that_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in ["cu", "giu"] {
            std::fs::create_dir(root.join(folder)).unwrap();
            for name in ["x", "y"] {
                std::fs::write(root.join(format!("{folder}/{name}.txt")), GOOD).unwrap();
            }
        }
        let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        std::fs::remove_dir_all(root.join("cu")).unwrap();
        std::fs::remove_file(root.join("giu/y.txt")).unwrap();
        let listed: Vec<Listed> = crate::reconcile::slices(&Root::open(root).unwrap(), 1024, 0)
            .flat_map(|s| s.listed)
            .collect();
        let slice = Slice {
            after: None,
            through: None,
            listed,
        };
        let Merged { changes, unlisted } = c.merge(slice, Unsettled::NONE);
        assert_eq!(changes.removed, 2, "{changes:?}");
        assert!(c.entries.get("cu/x").is_none() && c.entries.get("cu/y").is_none());
        // The file gone from a folder still there may be in flux: held.
        assert_eq!(unlisted, [root.join("giu/y.txt")]);
        assert!(c.entries.get("giu/y").is_some());
    }

    /// A folder compared (its mode or times changed) in the instant a file
    /// in it is moved aside to be written anew: the file is handed back to
    /// be looked at again, not removed; a file gone for good is handed back
    /// too, and leaves when it is looked at again.
    #[test]
    fn a_folder_compared_hands_back_what_it_lacks_rather_than_remove_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("kin")).unwrap();
        for name in ["x", "y", "z"] {
            std::fs::write(root.join(format!("kin/{name}.txt")), GOOD).unwrap();
        }
        let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        std::fs::rename(root.join("kin/x.txt"), root.join("kin/x.txt~")).unwrap();
        std::fs::remove_file(root.join("kin/z.txt")).unwrap();
        let Merged { changes, unlisted } = c
            .compare_leaving(&root.join("kin"), Unsettled::NONE)
            .unwrap();
        assert!(!changes.any(), "{changes:?}");
        assert_eq!(unlisted, [root.join("kin/x.txt"), root.join("kin/z.txt")]);
        assert_eq!(c.entries.len(), 3, "all still served");
        // Written anew within the window, and the other still gone.
        std::fs::write(root.join("kin/x.txt"), GOOD.replace("một", "mới")).unwrap();
        let mut found = Changes::default();
        for path in &unlisted {
            found.absorb(c.refresh(path, Refresh::Event).unwrap());
        }
        assert_eq!((found.added, found.changed, found.removed), (0, 1, 1));
        let ids: Vec<&String> = c.entries.keys().collect();
        assert_eq!(ids, ["kin/x", "kin/y"]);
    }

    #[test]
    fn newly_rejected_counts_each_rejection_once_per_change() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("x.txt"), GOOD).unwrap();
        std::fs::write(root.join("rong.txt"), "").unwrap();
        let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        // Refused while listing: never read, so never in `rejected`.
        let fifo = root.join("ong.txt");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success(), "mkfifo");
        let ch = c.refresh(root, Refresh::Event).unwrap();
        assert_eq!((ch.rejected, ch.newly_rejected()), (1, 1), "{ch:?}");
        assert_eq!(c.rejected_count(), 2);

        // Both read or listed again, unchanged: rejected as before, not anew.
        let ch = c.refresh(root, Refresh::Event).unwrap();
        assert_eq!((ch.rejected, ch.newly_rejected()), (1, 0), "{ch:?}");

        // Saved again, still broken: rejected anew.
        std::fs::write(root.join("rong.txt"), "\n").unwrap();
        let ch = c.refresh(root, Refresh::Event).unwrap();
        assert_eq!(ch.newly_rejected(), 1, "{ch:?}");
        assert_eq!(c.rejected_count(), 2);

        // Touched, or saved again with the same bytes: no change, as for a
        // file served, by an event or a reconciliation.
        let broken = root.join("hong.txt");
        std::fs::write(&broken, "10/05/2020 15:33\n").unwrap();
        let ch = c.refresh(root, Refresh::Event).unwrap();
        assert_eq!(ch.newly_rejected(), 1, "{ch:?}");
        let touch = |secs| {
            let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            let file = std::fs::File::options().append(true).open(&broken).unwrap();
            file.set_modified(at).unwrap();
        };
        touch(1_600_000_000);
        let ch = c.refresh(&broken, Refresh::Event).unwrap();
        assert_eq!((ch.rejected, ch.newly_rejected()), (1, 0), "{ch:?}");
        touch(1_600_000_100);
        let ch = c.refresh(root, Refresh::Reconcile).unwrap();
        assert_eq!((ch.rejected, ch.newly_rejected()), (1, 0), "{ch:?}");
        std::fs::write(&broken, "10/05/2020 15:33\n").unwrap();
        let ch = c.refresh(&broken, Refresh::Event).unwrap();
        assert_eq!(ch.newly_rejected(), 0, "{ch:?}");
        // A second file giving a served id, touched: still the same refusal.
        std::fs::write(root.join("x.md"), GOOD).unwrap();
        let ch = c.refresh(root, Refresh::Event).unwrap();
        assert_eq!(ch.newly_rejected(), 1, "{ch:?}");
        let file = std::fs::File::options()
            .append(true)
            .open(root.join("x.md"));
        file.unwrap().set_modified(std::time::UNIX_EPOCH).unwrap();
        let ch = c.refresh(root, Refresh::Event).unwrap();
        assert_eq!(ch.newly_rejected(), 0, "{ch:?}");
        // Edited, with the same size and mtime (two saves in one tick): a
        // change, told by its bytes.
        let meta = std::fs::metadata(&broken).unwrap();
        std::fs::write(&broken, "10/05/2020 15:34\n").unwrap();
        let file = std::fs::File::options().append(true).open(&broken).unwrap();
        file.set_modified(meta.modified().unwrap()).unwrap();
        assert_eq!(std::fs::metadata(&broken).unwrap().len(), meta.len());
        let ch = c.refresh(&broken, Refresh::Event).unwrap();
        assert_eq!(ch.newly_rejected(), 1, "{ch:?}");
        // Too large, so never read: touched, the same refusal; grown, another.
        let big = root.join("lon.txt");
        std::fs::write(&big, vec![b'a'; (1 << 20) + 1]).unwrap();
        let ch = c.refresh(&big, Refresh::Event).unwrap();
        assert_eq!(ch.newly_rejected(), 1, "{ch:?}");
        let file = std::fs::File::options().append(true).open(&big).unwrap();
        file.set_modified(std::time::UNIX_EPOCH).unwrap();
        let ch = c.refresh(&big, Refresh::Event).unwrap();
        assert_eq!((ch.rejected, ch.newly_rejected()), (1, 0), "{ch:?}");
        std::io::Write::write_all(&mut &file, b"a").unwrap();
        let ch = c.refresh(&big, Refresh::Event).unwrap();
        assert_eq!(ch.newly_rejected(), 1, "{ch:?}");
        assert_eq!(c.rejected_count(), 5);
    }

    /// Files served with warnings are counted as long as the version served
    /// came with them (a broken save keeps it), and noted, for the log, once
    /// per change of the file; a duplicate names the file that keeps the id.
    #[test]
    fn files_with_warnings_are_counted_and_noted_once_per_change() {
        // With a breadcrumb: a file without one warns that its folder names
        // its category. 10/05/2020 was a Sunday.
        const CLEAN: &str =
            "Trang nhất » Tin Tức\n\nTiêu đề một\nChủ nhật - 10/05/2020 15:33\nDẫn.\n";
        const WARNED: &str =
            "Trang nhất » Tin Tức\n\nTiêu đề một\nThứ hai - 10/05/2020 15:33\nDẫn.\n";
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (a, b) = (root.join("a.txt"), root.join("b.txt"));
        std::fs::write(&a, WARNED).unwrap();
        std::fs::write(&b, CLEAN).unwrap();
        let (mut c, ch) = Catalog::scan_noting(root, 1 << 20, Ho_Chi_Minh).unwrap();
        assert_eq!(c.warned_count(), 1);
        assert_eq!(ch.warned.files, 1);
        assert_eq!(ch.warned.shown[0].path, a);
        assert_eq!(ch.warned.shown[0].warnings[0].line, Some(4), "{ch:?}");

        // Read again unchanged: not noted again.
        let ch = c.refresh(&a, Refresh::Event).unwrap();
        assert_eq!(ch.warned, Warned::default());
        // Edited to warn: noted and counted.
        std::fs::write(&b, WARNED.replace("Dẫn.", "Dẫn khác.")).unwrap();
        let ch = c.refresh(&b, Refresh::Event).unwrap();
        assert_eq!((ch.warned.files, c.warned_count()), (1, 2), "{ch:?}");
        // Saved broken: its last good version, with its warning, still served.
        std::fs::write(&a, "").unwrap();
        let ch = c.refresh(&a, Refresh::Event).unwrap();
        assert_eq!((ch.warned.files, c.warned_count()), (0, 2), "{ch:?}");
        assert_eq!(c.rejected_count(), 1);
        // Fixed, with no warning.
        std::fs::write(&a, CLEAN.replace("một", "hai")).unwrap();
        let ch = c.refresh(&a, Refresh::Event).unwrap();
        assert_eq!((ch.warned.files, c.warned_count()), (0, 1), "{ch:?}");
        // Gone.
        std::fs::remove_file(&b).unwrap();
        c.refresh(&b, Refresh::Event).unwrap();
        assert_eq!(c.warned_count(), 0);

        // A second file giving an id is refused naming the first.
        std::fs::write(root.join("a.md"), CLEAN).unwrap();
        let ch = c.refresh(root, Refresh::Event).unwrap();
        let reason = match &ch.transitions[..] {
            [Transition {
                now: Standing::Rejected(reason),
                ..
            }] => reason.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason,
            format!(
                "another file, {}, already gives the article id \"a\"; rename one of them",
                a.display()
            )
        );
    }

    #[test]
    fn a_refresh_keeps_the_warnings_of_its_first_files_only() {
        let mut warned = Warned::default();
        let w = [Warning {
            line: Some(2),
            message: "m".to_owned(),
        }];
        for i in 0..Warned::SHOWN + 5 {
            let mut one = Warned::default();
            one.note(Path::new(&format!("f{i:03}")), &w);
            warned.absorb(one);
        }
        assert_eq!(warned.files, Warned::SHOWN + 5);
        assert_eq!(warned.shown.len(), Warned::SHOWN);
        assert_eq!(warned.shown[0].path, Path::new("f000"));
    }

    /// The ids and titles a catalog serves, and its rejected files.
    fn served(c: &Catalog) -> (Vec<(String, String)>, Vec<PathBuf>) {
        let entries = c
            .entries
            .iter()
            .map(|(id, e)| (id.clone(), e.article.title.clone()))
            .collect();
        let rejected = c.rejected().map(|(p, _)| p.to_owned()).collect();
        (entries, rejected)
    }

    /// A store of five articles, `a` to `e`, scanned; then, as a watcher
    /// would see it: `a` rewritten and `n` made, both still being written,
    /// `d` removed by its writer before the close was seen, all three held;
    /// and `c` edited with no event (what a reconciliation is for).
    fn store_with_held_files(root: &Path) -> (Catalog, BTreeSet<PathBuf>) {
        for name in ["a", "b", "c", "d", "e"] {
            let title = format!("Tiêu đề {name}");
            std::fs::write(
                root.join(format!("{name}.txt")),
                GOOD.replace("Tiêu đề một", &title),
            )
            .unwrap();
        }
        let c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        std::fs::write(root.join("a.txt"), GOOD.replace("một", "a, nửa chừng")).unwrap();
        std::fs::write(root.join("n.txt"), GOOD.replace("một", "n, nửa chừng")).unwrap();
        std::fs::remove_file(root.join("d.txt")).unwrap();
        std::fs::write(root.join("c.txt"), GOOD.replace("một", "c mới")).unwrap();
        let held = ["a.txt", "n.txt", "d.txt"].map(|n| root.join(n));
        (c, held.into_iter().collect())
    }

    /// What `c` serves of `store_with_held_files` while the files are held.
    fn served_while_held(c: &Catalog) -> Vec<(String, String)> {
        let expected = [
            ("a", "a"),
            ("b", "b"),
            ("c", "c mới"),
            ("d", "d"),
            ("e", "e"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(id, t)| (id.to_string(), format!("Tiêu đề {t}")))
            .collect();
        assert_eq!(served(c).0, expected, "the held files as they were");
        expected
    }

    /// The held files released, as the burst reads them: each read once, and
    /// each change counted once.
    fn release(c: &mut Catalog, held: &BTreeSet<PathBuf>) {
        let mut found = Changes::default();
        for path in held {
            found.absorb(c.refresh(path, Refresh::Event).unwrap());
        }
        assert_eq!((found.added, found.changed, found.removed), (1, 1, 1));
        let ids: Vec<&str> = found.ids.iter().map(String::as_str).collect();
        assert_eq!(ids, ["a", "d", "n"]);
        let titles: Vec<String> = served(c).0.into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            titles,
            [
                "Tiêu đề a, nửa chừng",
                "Tiêu đề b",
                "Tiêu đề c mới",
                "Tiêu đề e",
                "Tiêu đề n, nửa chừng"
            ]
        );
    }

    #[test]
    fn a_listing_merged_in_slices_leaves_the_held_files_to_their_events() {
        for len in [1, 2, 100] {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            let (mut c, held) = store_with_held_files(root);
            let holds = |p: &Path| held.contains(p);
            let boundary = c.survey_root().unwrap().unwrap();
            let mut found = Changes::default();
            for slice in crate::reconcile::slices(&boundary, len, 0) {
                let merged = c.merge(slice, Unsettled::by(&holds));
                assert!(merged.unlisted.is_empty(), "{:?}", merged.unlisted);
                found.absorb(merged.changes);
            }
            // Only the edit no event reported.
            assert_eq!(
                (found.added, found.changed, found.removed, found.rejected),
                (0, 1, 0, 0),
                "slices of {len}"
            );
            assert_eq!(found.ids, BTreeSet::from(["c".to_owned()]));
            served_while_held(&c);
            release(&mut c, &held);
        }
    }

    #[test]
    fn a_reconciliation_at_once_leaves_the_held_files_to_their_events() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (mut c, held) = store_with_held_files(root);
        let holds = |p: &Path| held.contains(p);
        let found = c.reconcile(Unsettled::by(&holds)).unwrap();
        assert_eq!((found.added, found.changed, found.removed), (0, 1, 0));
        served_while_held(&c);
        release(&mut c, &held);
    }

    #[test]
    fn a_store_read_anew_keeps_the_last_version_of_a_held_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (mut before, held) = store_with_held_files(root);
        let holds = |p: &Path| held.contains(p);
        let mut c = Catalog::new(root, 1 << 20, Ho_Chi_Minh);
        c.reconcile(Unsettled::by(&holds)).unwrap();
        let _ = c.keep_held(&mut before, Unsettled::by(&holds));
        let expected = served_while_held(&c);
        let read = Changes::default();
        let changes = Changes::between(&before.entries, &c.entries, read);
        assert_eq!((changes.added, changes.changed, changes.removed), (0, 1, 0));
        assert_eq!(expected.len(), c.files.len(), "one file each");
        release(&mut c, &held);
    }

    /// A reload's read of the whole store while a rejected file is being
    /// rewritten: the file is carried over as it was, so it is not rejected
    /// anew (no log line, no count).
    #[test]
    fn a_held_rejected_file_carried_over_is_no_new_rejection() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.txt"), GOOD).unwrap();
        std::fs::write(root.join("r.txt"), "").unwrap();
        let mut before = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        assert_eq!(before.rejected_count(), 1);
        let held = [root.join("r.txt")];
        let holds = |p: &Path| held.iter().any(|h| h == p);
        let mut c = Catalog::new(root, 1 << 20, Ho_Chi_Minh);
        let read = c.reconcile(Unsettled::by(&holds)).unwrap();
        let carried = c.keep_held(&mut before, Unsettled::by(&holds));
        assert_eq!(carried.len(), 1);
        let changes = c.changes_since(&before, read, &carried);
        assert!(changes.transitions.is_empty(), "{:?}", changes.transitions);
        assert_eq!(c.rejected_count(), 1, "still rejected, as before");
    }

    #[test]
    fn a_listing_merged_in_slices_finds_what_a_whole_reconciliation_finds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in ["a", "b", "c"] {
            std::fs::create_dir(root.join(folder)).unwrap();
            for n in 0..3 {
                let title = format!("Tiêu đề {folder}{n}");
                std::fs::write(
                    root.join(format!("{folder}/{n}.txt")),
                    GOOD.replace("Tiêu đề một", &title),
                )
                .unwrap();
            }
        }
        for len in [1, 2, 4, 100] {
            let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
            // Changes no event reported: a deletion at a slice boundary, a new
            // file, an edit, a broken save, a whole folder gone.
            std::fs::remove_file(root.join("a/1.txt")).unwrap();
            std::fs::write(root.join("a/9.txt"), GOOD.replace("một", "mới")).unwrap();
            std::fs::write(root.join("b/0.txt"), GOOD.replace("một", "sửa lại")).unwrap();
            std::fs::write(root.join("b/2.txt"), "").unwrap();
            std::fs::rename(root.join("c"), dir.path().join(".c-away")).unwrap();

            let boundary = c.survey_root().unwrap().unwrap();
            let mut found = Changes::default();
            let mut unlisted = Vec::new();
            let mut count = 0;
            for slice in crate::reconcile::slices(&boundary, len, 0) {
                let merged = c.merge(slice, Unsettled::NONE);
                found.absorb(merged.changes);
                unlisted.extend(merged.unlisted);
                count += 1;
            }
            // Six files listed.
            assert_eq!(count, 6_usize.div_ceil(len), "{len}");
            // The files of the folder gone leave at once; the one gone from
            // a folder still there is not removed on the listing's word:
            // looked at again, as the watcher does once its window has
            // passed, it leaves.
            assert_eq!(found.removed, 3, "slices of {len}");
            assert_eq!(unlisted, [root.join("a/1.txt")], "slices of {len}");
            for path in &unlisted {
                found.absorb(c.refresh(path, Refresh::Event).unwrap());
            }
            assert_eq!(
                (found.added, found.changed, found.removed, found.rejected),
                (1, 1, 4, 1),
                "slices of {len}"
            );
            let whole = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
            let (mut entries, rejected) = served(&whole);
            // The broken save keeps its last good version.
            entries.push(("b/2".into(), "Tiêu đề b2".into()));
            entries.sort();
            assert_eq!(served(&c), (entries, rejected), "slices of {len}");

            // Put the store back for the next length.
            std::fs::rename(dir.path().join(".c-away"), root.join("c")).unwrap();
            std::fs::remove_file(root.join("a/9.txt")).unwrap();
            for (f, t) in [("a/1.txt", "a1"), ("b/0.txt", "b0"), ("b/2.txt", "b2")] {
                std::fs::write(root.join(f), GOOD.replace("một", t)).unwrap();
            }
        }
    }

    #[test]
    fn a_file_an_event_added_after_the_listing_is_not_dropped_by_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.txt"), GOOD).unwrap();
        let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        let boundary = c.survey_root().unwrap().unwrap();
        // Listed before the new file was written and its event applied.
        let listing: Vec<Slice> = crate::reconcile::slices(&boundary, 1, 0).collect();
        std::fs::write(root.join("b.txt"), GOOD.replace("một", "hai")).unwrap();
        assert_eq!(
            c.refresh(&root.join("b.txt"), Refresh::Event)
                .unwrap()
                .added,
            1
        );
        // Deleted after the listing, with its event not yet applied.
        std::fs::remove_file(root.join("a.txt")).unwrap();
        let mut found = Changes::default();
        let mut unlisted = Vec::new();
        for slice in listing {
            let merged = c.merge(slice, Unsettled::NONE);
            found.absorb(merged.changes);
            unlisted.extend(merged.unlisted);
        }
        assert_eq!((found.added, found.removed), (0, 0), "{found:?}");
        let ids: Vec<&String> = c.entries.keys().collect();
        assert_eq!(ids, ["a", "b"], "a.txt's own event removes it");
        // b.txt, which the listing lacks, is looked at again after the
        // watcher's window: there, unchanged, it is no change.
        assert_eq!(unlisted, [root.join("b.txt")]);
        let again = c.refresh(&root.join("b.txt"), Refresh::Event).unwrap();
        assert!(!again.any(), "{again:?}");
        assert_eq!(
            c.refresh(&root.join("a.txt"), Refresh::Event)
                .unwrap()
                .removed,
            1
        );
    }

    #[test]
    fn an_id_freed_goes_to_the_first_file_by_path_that_gives_it_as_at_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |name: &str, title: &str| {
            std::fs::write(root.join(name), GOOD.replace("một", title)).unwrap();
        };
        write("x.txt", "txt");
        let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        // Both refused while x.txt serves the id, each read on its own event.
        write("x.rst", "rst");
        write("x.md", "md");
        for name in ["x.rst", "x.md"] {
            assert_eq!(
                c.refresh(&root.join(name), Refresh::Event)
                    .unwrap()
                    .rejected,
                1
            );
        }
        assert_eq!(c.rejected_count(), 2);

        // x.txt leaves: the first of the others by path serves the id, on
        // x.txt's own event, with the same id.
        std::fs::remove_file(root.join("x.txt")).unwrap();
        let ch = c.refresh(&root.join("x.txt"), Refresh::Event).unwrap();
        assert_eq!(c.entries["x"].article.title, "Tiêu đề md");
        assert_eq!(ch.ids, BTreeSet::from(["x".to_owned()]));
        // x.rst is still refused, now naming the file that gives the id.
        assert_eq!(
            ch.transitions,
            [
                Transition {
                    path: root.join("x.md"),
                    now: Standing::Served
                },
                Transition {
                    path: root.join("x.rst"),
                    now: Standing::Rejected(format!(
                        "another file, {}, already gives the article id \"x\"; rename one of them",
                        root.join("x.md").display()
                    ))
                }
            ]
        );
        assert_eq!(
            served(&c),
            served(&Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap())
        );

        // Renamed to a name that gives the same id: its new name's event came
        // first and was refused, then the old name's freed the id.
        std::fs::rename(root.join("x.md"), root.join("x.html")).unwrap();
        c.refresh(&root.join("x.html"), Refresh::Event).unwrap();
        c.refresh(&root.join("x.md"), Refresh::Event).unwrap();
        assert_eq!(c.entries["x"].article.title, "Tiêu đề md");
        assert_eq!(c.rejected_count(), 1, "x.rst only");
        assert_eq!(
            served(&c),
            served(&Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap())
        );

        // Freed while a later file of the id is read in the same listing: the
        // first by path still wins.
        std::fs::remove_file(root.join("x.html")).unwrap();
        write("x.zz", "zz");
        c.refresh(root, Refresh::Event).unwrap();
        assert_eq!(c.entries["x"].article.title, "Tiêu đề rst");
        assert_eq!(
            served(&c),
            served(&Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap())
        );

        // A refused file read again (touched, edited) is still noted as a
        // contender: when the file serving the id leaves, on that file's own
        // event, it takes the id.
        write("x.zz", "zz again");
        c.refresh(&root.join("x.zz"), Refresh::Event).unwrap();
        std::fs::remove_file(root.join("x.rst")).unwrap();
        c.refresh(&root.join("x.rst"), Refresh::Event).unwrap();
        assert_eq!(c.entries["x"].article.title, "Tiêu đề zz again");
        assert_eq!(c.rejected_count(), 0);
        assert_eq!(
            served(&c),
            served(&Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap())
        );
    }

    #[test]
    fn a_rejection_is_a_transition_once_per_change_and_so_is_its_fix() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let file = root.join("x.txt");
        std::fs::write(&file, GOOD).unwrap();
        let mut c = Catalog::scan(root, 1 << 20, Ho_Chi_Minh).unwrap();
        let standings = |ch: Changes| -> Vec<(PathBuf, Standing)> {
            ch.transitions
                .into_iter()
                .map(|t| (t.path, t.now))
                .collect()
        };

        std::fs::write(&file, "").unwrap();
        let ch = standings(c.refresh(&file, Refresh::Event).unwrap());
        assert!(
            matches!(&ch[..], [(p, Standing::Rejected(why))] if *p == file && why.contains("empty")),
            "{ch:?}"
        );
        // Read again unchanged, by an event or a reconciliation: nothing to say.
        assert_eq!(standings(c.refresh(&file, Refresh::Event).unwrap()), []);
        assert_eq!(standings(c.refresh(root, Refresh::Event).unwrap()), []);
        assert_eq!(standings(c.refresh(root, Refresh::Reconcile).unwrap()), []);

        // Saved broken again (another size): a change, said again.
        std::fs::write(&file, [0_u8, 0xff, 0, 0]).unwrap();
        let ch = standings(c.refresh(&file, Refresh::Event).unwrap());
        assert!(matches!(&ch[..], [(_, Standing::Rejected(_))]), "{ch:?}");

        // Fixed: served again, once.
        std::fs::write(&file, GOOD.replace("một", "hai")).unwrap();
        let ch = standings(c.refresh(&file, Refresh::Event).unwrap());
        assert_eq!(ch, [(file.clone(), Standing::Served)]);
        assert_eq!(standings(c.refresh(root, Refresh::Event).unwrap()), []);

        // Broken, then deleted: it leaves the rejected files.
        std::fs::write(&file, "").unwrap();
        c.refresh(&file, Refresh::Event).unwrap();
        std::fs::remove_file(&file).unwrap();
        let ch = standings(c.refresh(root, Refresh::Reconcile).unwrap());
        assert_eq!(ch, [(file.clone(), Standing::Gone)]);
        assert_eq!(c.rejected_count(), 0);
    }

    #[test]
    fn a_refusal_that_read_nothing_is_told_by_its_reason_alone() {
        let refusal = |reason: &str, stat: Option<Stat>| Refusal {
            reason: reason.to_owned(),
            stat,
            digest: None,
        };
        let at = |len| {
            Some(Stat {
                len,
                modified: Some(std::time::UNIX_EPOCH),
            })
        };
        let fifo = "not a regular file";
        // A listing's refusal (none, or unread for a served file's path)
        // against a read's, of the file a stale listing saw: the same.
        for unread in [None, Some(Stat::UNREAD)] {
            assert!(refusal(fifo, unread).same_as(&refusal(fifo, at(120))));
            assert!(refusal(fifo, at(120)).same_as(&refusal(fifo, unread)));
            assert!(!refusal(fifo, unread).same_as(&refusal("line 1: no title", at(120))));
        }
        // Neither read a byte (too large, not to be opened): the reason,
        // which says the size, alone tells.
        let big = "too large: 9 bytes, over the 8-byte cap";
        assert!(refusal(big, at(9)).same_as(&refusal(big, at(9))));
        assert!(refusal(big, at(9)).same_as(&refusal(big, None)));
        // A file read both times: its bytes tell, whatever its (size, mtime);
        // read once, its (size, mtime) do.
        let broken = "line 2: not a date";
        let read = |stat, digest| Refusal {
            digest: Some(digest),
            ..refusal(broken, stat)
        };
        assert!(read(at(120), 7).same_as(&refusal(broken, at(120))));
        assert!(!read(at(120), 7).same_as(&refusal(broken, at(121))));
        assert!(read(at(0), 7).same_as(&refusal(broken, at(0))));
        assert!(read(at(120), 7).same_as(&read(at(121), 7)), "touched");
        assert!(!read(at(120), 7).same_as(&read(at(120), 8)), "same stat");
        assert!(!read(at(120), 7).same_as(&read(at(121), 8)));
        assert!(!read(at(120), 7).same_as(&Refusal {
            reason: "line 3: no title".to_owned(),
            ..read(at(120), 7)
        }));
    }

    #[test]
    fn a_duplicate_whose_name_only_differs_in_normalisation_is_said_to_look_the_same() {
        use unicode_normalization::UnicodeNormalization;
        let nfc = PathBuf::from("thông báo/lịch tiếp dân.txt");
        let nfd = PathBuf::from(nfc.to_str().unwrap().nfd().collect::<String>());
        assert_ne!(nfc, nfd);
        let alike = claim("x", false, Some(&nfc), &nfd).unwrap_err().to_string();
        assert!(
            alike.contains("only in how its accented letters are encoded (Unicode NFC and NFD)"),
            "{alike}"
        );
        let other = claim("x", false, Some(Path::new("x.md")), Path::new("x.txt"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            other,
            "another file, x.md, already gives the article id \"x\"; rename one of them"
        );
        assert!(claim("x", true, Some(&nfc), &nfd).is_ok());
    }

    #[test]
    fn a_duplicate_whose_name_is_the_other_in_another_encoding_is_said_so() {
        use std::os::unix::ffi::OsStrExt;
        let legacy = |b: &[u8]| PathBuf::from(std::ffi::OsStr::from_bytes(b));
        // `bài` in UTF-8, and in Windows-1258 precomposed and with its tone
        // as a combining mark: one id, three files.
        let utf8 = PathBuf::from("tin/bài.txt");
        for other in [legacy(b"tin/b\xe0i.txt"), legacy(b"tin/ba\xcci.txt")] {
            for (holder, path) in [(&utf8, &other), (&other, &utf8)] {
                let said = claim("tin/bài", false, Some(holder), path)
                    .unwrap_err()
                    .to_string();
                assert!(
                    said.contains("one once what is not UTF-8 in them is read as Windows-1258"),
                    "{said}"
                );
            }
        }
        // In a folder whose name is not UTF-8, two names that differ only
        // in normalisation are said to.
        use unicode_normalization::UnicodeNormalization;
        let nfd: Vec<u8> = "bài.txt".nfd().collect::<String>().into_bytes();
        let said = claim(
            "x",
            false,
            Some(&legacy(b"c\xe0/b\xc3\xa0i.txt")),
            &legacy(&[&b"c\xe0/"[..], &nfd].concat()),
        )
        .unwrap_err()
        .to_string();
        assert!(said.contains("(Unicode NFC and NFD)"), "{said}");
        // Two legacy names of one id are said so too.
        let said = claim(
            "tin/bài",
            false,
            Some(&legacy(b"tin/ba\xcci.txt")),
            &legacy(b"tin/b\xe0i.txt"),
        )
        .unwrap_err()
        .to_string();
        assert!(said.contains("Windows-1258"), "{said}");
    }
}
