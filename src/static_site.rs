//! `bantin build`: every resource the daemon serves, written out as static files
//! at the paths it serves them from.
//!
//! A page at a path without an extension (`/categories/kinh-te`) is written as
//! `categories/kinh-te/index.html`: every static server (nginx,
//! `python3 -m http.server`) answers the bare path with a redirect to the
//! folder and the folder with its `index.html`, served as `text/html`, and a
//! category's page and its subcategories' folders can live side by side.
//! Feeds and OPML lists keep their own names. `404.html` is the not-found page
//! (nginx: `error_page 404 /404.html;`). A withdrawn article's page is the
//! notice the daemon answers with 410; a static server sends it with 200, as
//! nothing in a file says it is gone.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;

use crate::app::{self, Loaded};
use crate::config::Config;
use rayon::prelude::*;

use crate::index::{Entries, Entry};
use crate::render::{sitemap, Format};
use crate::site::archive::Hydrate;
use crate::site::pages;
use crate::site::Resource;
use crate::store::Root;
use crate::text::printable;

/// What `bantin build` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Built {
    /// Feed files written (every format of every feed).
    pub feeds: usize,
    /// Articles in the store.
    pub articles: usize,
    /// Pages written (articles, categories, months, tags, authors, subscribe
    /// pages, the page of changes, the front and error pages).
    pub pages: usize,
    /// Files rejected.
    pub rejected: usize,
    /// Files written (or, with no output folder, that would be).
    pub files: u64,
    /// Bytes written (or that would be).
    pub bytes: u64,
}

/// The file that marks a folder as a build's output, which a later build
/// may replace as a whole.
pub const MARKER: &str = ".bantin-build";

/// What [`MARKER`] says to whoever finds it.
const MARKER_TEXT: &str =
    "Written by `bantin build`; the next build replaces this folder as a whole.\n";

/// Writes every feed, the OPML list and the front page under `out`, at the
/// paths the daemon serves them (`/` becomes `index.html`). With no `out`,
/// everything is rendered all the same and only counted: what a build would
/// write, and how much.
///
/// The build is rendered into a hidden folder inside `out`, then each file is
/// moved into place by a rename, which replaces the old file at once (a
/// server reading `out` meanwhile gets the old page or the new one, whole),
/// and what the new build does not have is removed (the page of an article
/// deleted since the last build must not be served for ever). A build that
/// fails, rendering or putting its files in place, leaves `out` as it was
/// (see [`install`]). `out` itself stays the folder it was, with its owner,
/// mode and mounts: a container or unit that binds it keeps seeing it. A
/// symlink or file found where the build needs a folder is replaced, never
/// followed. An `out` that exists must be empty or an earlier build's (it
/// holds [`MARKER`]): a folder of anything else is refused.
///
/// With `fail_on_rejected`, a store with a file rejected is an error, and
/// `out` is left as it was.
pub fn build(cfg: &Config, out: Option<&Path>, fail_on_rejected: bool) -> anyhow::Result<Built> {
    let Some(out) = out else {
        let built = render_all(cfg, &Sink::counting(None))?;
        refuse_rejected(cfg, &built, fail_on_rejected, None)?;
        return Ok(built);
    };
    // Decided before anything is created, so a refused --out leaves the store untouched.
    let out_real = resolve(out).with_context(|| format!("cannot resolve {}", out.display()))?;
    let store_real = cfg
        .store
        .canonicalize()
        .with_context(|| format!("cannot read the store {}", cfg.store.display()))?;
    if out_real.starts_with(&store_real) || store_real.starts_with(&out_real) {
        anyhow::bail!(
            "refusing to write into the store: {} and the store {} overlap (one holds the other); choose an --out folder apart from it",
            out.display(),
            cfg.store.display()
        );
    }
    match std::fs::symlink_metadata(&out_real) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&out_real)
                .with_context(|| format!("cannot create {}", out.display()))?;
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", out.display())),
    }
    // One build at a time: each removes what is not its own in `out`, the
    // other's staging folder included. Taken before `out` is judged (a first
    // build's `out` holds only its staging folder until its end), held (on
    // `out` itself, which stays the same folder) until the build ends; the
    // kernel lets it go if the build dies. The lock keeps builds on one
    // machine apart; on a shared folder, builds from two machines are not.
    let lock =
        std::fs::File::open(&out_real).with_context(|| format!("cannot open {}", out.display()))?;
    match rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(rustix::io::Errno::WOULDBLOCK) => anyhow::bail!(
            "another `bantin build` is writing into {} now; wait for it to end, or build into another folder",
            out.display()
        ),
        // A file system with no locks: the lock is a safety net, not the build.
        Err(e) => tracing::warn!(
            "cannot lock {} ({e}); building anyway: run one build at a time into it",
            out.display()
        ),
    }
    // What a build killed midway left (its staging folder) is no one's files.
    let foreign = std::fs::read_dir(&out_real)
        .with_context(|| format!("cannot read {}", out.display()))?
        .filter_map(Result::ok)
        .any(|e| !e.file_name().to_string_lossy().starts_with(STAGING));
    let marker = out_real.join(MARKER);
    if foreign && !marker.is_file() {
        anyhow::bail!(
            "refusing to build into {}: it holds files and is not the output of an earlier build (it has no {MARKER}); choose a new or empty --out folder, or remove this one",
            out.display()
        );
    }
    // Marked first, so a build killed before its files are in place is an
    // earlier build to the next.
    if !marker.is_file() {
        std::fs::write(&marker, MARKER_TEXT)
            .with_context(|| format!("cannot write {}", marker.display()))?;
    }
    // Inside `out`, so on its file system: a rename, not a copy, puts each
    // file in place. An interrupted build's is removed by the next one (see
    // `install`), as what no build has.
    let staging = tempfile::Builder::new()
        .prefix(STAGING)
        .tempdir_in(&out_real)
        .with_context(|| format!("cannot create a folder in {}", out.display()))?;
    let mut sink = Sink::counting(Some(staging.path()));
    if let Some(made) = Made::learn(staging.path())? {
        let last =
            Root::open(&out_real).with_context(|| format!("cannot open {}", out.display()))?;
        sink = sink.beside(last, made);
    }
    let built = render_all(cfg, &sink)?;
    refuse_rejected(cfg, &built, fail_on_rejected, Some(out))?;
    let unchanged = sink
        .unchanged
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    install(staging.path(), &out_real, unchanged)
        .with_context(|| format!("cannot put the new build in place in {}", out.display()))?;
    drop(staging);
    drop(lock);
    Ok(built)
}

/// An error when `fail_on_rejected` and `built` rejected a file: the build
/// into `out` (if any) is not put in place.
fn refuse_rejected(
    cfg: &Config,
    built: &Built,
    fail_on_rejected: bool,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    if !fail_on_rejected || built.rejected == 0 {
        return Ok(());
    }
    let kept = out.map_or(String::new(), |out| {
        format!("; {} is left as it was", out.display())
    });
    anyhow::bail!(
        "{} file(s) of the store {} are rejected (--fail-on-rejected){kept}: `bantin check {}` names each and why",
        built.rejected,
        cfg.store.display(),
        cfg.store.display()
    )
}

/// How the folder a build is rendered into is named, inside `out`.
const STAGING: &str = ".bantin-staging-";

/// Moves every file under `staging` to the same place under `out`, then
/// takes out of `out` every file and folder the new build does not have
/// (`staging` aside; `unchanged`, the files of the last build the new one
/// has as they are, stay): all of it, or, when a step fails (a folder of
/// `out` made read-only since the last build), none of it.
///
/// Nothing is deleted until the new build is whole in place: each file
/// replaced is first hard-linked into a hidden folder beside `staging` (the
/// rename over it then still swaps old for new at once, for a server
/// reading `out`), and each file or folder the new build does not have, or
/// that stands where it needs the other kind, is moved there. A failed step
/// undoes the ones before it, newest first, and `out` is left as it was; once
/// every step is done, the hidden folder is removed. A build killed midway
/// through leaves `out` part new, and both folders (their names start with
/// [`STAGING`]), which the next build removes as files no build has.
fn install(staging: &Path, out: &Path, unchanged: Vec<PathBuf>) -> anyhow::Result<()> {
    let aside = tempfile::Builder::new()
        .prefix(STAGING)
        .tempdir_in(out)
        .with_context(|| format!("cannot create a folder in {}", out.display()))?;
    let mut steps = Steps {
        out,
        aside: aside.path(),
        made_aside: PathBuf::new(),
        done: Vec::new(),
    };
    if let Err(failed) = steps.install(staging, unchanged) {
        let undone = steps.undo();
        if let Err(undo) = undone {
            // What is aside is the last build's, and the only copy left.
            let kept = aside.keep();
            anyhow::bail!(
                "{failed:#}; undoing the steps already taken failed too ({undo:#}), so {} is \
                 left part new, part old, and what the build took out of it is in {}: copy what \
                 you need out of that folder first (the next build removes it), then fix the \
                 cause and build again",
                out.display(),
                kept.display()
            );
        }
        anyhow::bail!("{failed:#}; {} is left as it was", out.display());
    }
    if let Err(e) = aside.close() {
        // The site is in place; the next build removes what is left.
        tracing::warn!(
            "cannot remove the old files the build replaced in {}: {e}",
            out.display()
        );
    }
    Ok(())
}

/// What [`install`] did to `out`, in order, and so how to undo it.
struct Steps<'a> {
    out: &'a Path,
    /// Where what was in the way is kept, at its path under `out`.
    aside: &'a Path,
    /// The folder of `aside` made last: the walk goes folder by folder, so
    /// most files kept aside go into the one before them.
    made_aside: PathBuf,
    done: Vec<Step>,
}

/// One change to `out`, by its path under it.
enum Step {
    /// A file of the new build put there; the one it replaced, if any, kept aside.
    Placed { rel: PathBuf, replaced: bool },
    /// A folder made there.
    Made(PathBuf),
    /// What was there moved aside.
    MovedAside(PathBuf),
}

impl Steps<'_> {
    /// Puts every file of `staging` in place, then moves aside what the new
    /// build does not have.
    fn install(&mut self, staging: &Path, unchanged: Vec<PathBuf>) -> anyhow::Result<()> {
        let mut kept: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
        for rel in unchanged {
            // Its folders too: a folder of files all unchanged has none staged.
            for folder in rel.ancestors().skip(1) {
                if folder.as_os_str().is_empty() || !kept.insert(folder.to_owned()) {
                    break;
                }
            }
            kept.insert(rel);
        }
        for entry in walkdir::WalkDir::new(staging).min_depth(1) {
            let entry = entry?;
            let rel = entry.path().strip_prefix(staging)?.to_owned();
            if entry.file_type().is_dir() {
                self.folder(&rel)?;
            } else {
                self.place(entry.path(), &rel)?;
            }
            kept.insert(rel);
        }
        // Folder by folder from the top, so a folder the new build does not
        // have goes aside whole, in one rename.
        let mut folders = vec![PathBuf::new()];
        while let Some(folder) = folders.pop() {
            let at = self.out.join(&folder);
            let entries = std::fs::read_dir(&at)
                .and_then(|entries| entries.collect::<Result<Vec<_>, _>>())
                .with_context(|| format!("cannot read {}", at.display()))?;
            for entry in entries {
                if entry.path() == staging || entry.path() == self.aside {
                    continue;
                }
                let rel = folder.join(entry.file_name());
                if !kept.contains(&rel) {
                    self.move_aside(&rel)?;
                } else if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    folders.push(rel);
                }
            }
        }
        Ok(())
    }

    /// Moves the file `from` of the new build to `rel` under `out`, keeping
    /// what it replaces aside.
    fn place(&mut self, from: &Path, rel: &Path) -> anyhow::Result<()> {
        let to = self.out.join(rel);
        let replaced = match to.symlink_metadata() {
            // A folder where a file now goes (a page that became a feed).
            Ok(m) if m.is_dir() => {
                self.move_aside(rel)?;
                false
            }
            // A file or a symlink: linked aside, never followed, so the
            // rename below still replaces it at once. Where the file system
            // has no hard links, moved aside, for the instant before the rename.
            Ok(_) => {
                let kept = self.aside_of(rel)?;
                if std::fs::hard_link(&to, &kept).is_ok() {
                    true
                } else {
                    self.move_aside(rel)?;
                    false
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", to.display())),
        };
        std::fs::rename(from, &to).map_err(|e| moving(e, "write", &to))?;
        self.done.push(Step::Placed {
            rel: rel.to_owned(),
            replaced,
        });
        Ok(())
    }

    /// Makes `rel` under `out` a real folder: a symlink or file in its place
    /// is moved aside first, so nothing is written through a link into
    /// another folder. Its parents are made so already (the walk goes top
    /// down).
    fn folder(&mut self, rel: &Path) -> anyhow::Result<()> {
        let at = self.out.join(rel);
        match at.symlink_metadata() {
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) => self.move_aside(rel)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", at.display())),
        }
        std::fs::create_dir(&at).with_context(|| format!("cannot create {}", at.display()))?;
        self.done.push(Step::Made(rel.to_owned()));
        Ok(())
    }

    /// Moves `rel` under `out` (a file, a symlink or a whole folder) aside.
    fn move_aside(&mut self, rel: &Path) -> anyhow::Result<()> {
        let at = self.out.join(rel);
        let kept = self.aside_of(rel)?;
        // Named as what it is to the user: the file leaves the site.
        std::fs::rename(&at, &kept).map_err(|e| moving(e, "remove", &at))?;
        self.done.push(Step::MovedAside(rel.to_owned()));
        Ok(())
    }

    /// Where `rel` is kept aside, its folder made.
    fn aside_of(&mut self, rel: &Path) -> anyhow::Result<PathBuf> {
        let kept = self.aside.join(rel);
        if let Some(parent) = kept.parent() {
            if parent != self.made_aside {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
                parent.clone_into(&mut self.made_aside);
            }
        }
        Ok(kept)
    }

    /// Undoes every step taken, newest first, so `out` is as it was. Goes on
    /// past a step it cannot undo, and says which it could not.
    fn undo(&mut self) -> anyhow::Result<()> {
        let mut failed = Vec::new();
        while let Some(step) = self.done.pop() {
            let undone = match &step {
                Step::Placed {
                    rel,
                    replaced: true,
                }
                | Step::MovedAside(rel) => {
                    let (kept, at) = (self.aside.join(rel), self.out.join(rel));
                    std::fs::rename(&kept, &at).with_context(|| {
                        format!("cannot move {} back to {}", kept.display(), at.display())
                    })
                }
                Step::Placed {
                    rel,
                    replaced: false,
                } => {
                    let at = self.out.join(rel);
                    std::fs::remove_file(&at)
                        .with_context(|| format!("cannot remove {}", at.display()))
                }
                Step::Made(rel) => {
                    let at = self.out.join(rel);
                    std::fs::remove_dir(&at)
                        .with_context(|| format!("cannot remove {}", at.display()))
                }
            };
            if let Err(e) = undone {
                failed.push(format!("{e:#}"));
            }
        }
        match failed.len() {
            0 => Ok(()),
            n => anyhow::bail!("{n} step(s): {}", failed.join("; ")),
        }
    }
}

/// The error of a rename that was to `what` (`write`, `remove`) `path`, with
/// what to do when a file system mounted inside `out` is what stopped it.
fn moving(e: std::io::Error, what: &str, path: &Path) -> anyhow::Error {
    let hint = if e.raw_os_error() == Some(rustix::io::Errno::XDEV.raw_os_error()) {
        " (a file system is mounted there, inside the build's folder, and a build moves its \
         files in from the folder itself: unmount it, or build into a folder with no mount \
         inside)"
    } else {
        ""
    };
    anyhow::Error::new(e).context(format!("cannot {what} {}{hint}", path.display()))
}

/// Where a build's files go: under `out`, or, with none, only counted.
struct Sink<'a> {
    out: Option<&'a Path>,
    /// The last build's folder, whose files the new build has byte for
    /// byte are left as they are (see [`Sink::beside`]), and what a file the
    /// build makes is like.
    last: Option<(Root, Made)>,
    /// Those files, by path under the output.
    unchanged: Mutex<Vec<PathBuf>>,
    files: AtomicU64,
    bytes: AtomicU64,
}

impl<'a> Sink<'a> {
    /// A sink writing under `out` (only counting with none).
    fn counting(out: Option<&'a Path>) -> Sink<'a> {
        Sink {
            out,
            last: None,
            unchanged: Mutex::new(Vec::new()),
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// The same sink, leaving out each file the last build in `last` holds
    /// as it would write it (see [`holds`]; `made`: what a file the build
    /// makes is like), and listing it in `unchanged`: the file stays
    /// in place untouched, so its modification time, and with it a static
    /// server's `ETag` and `Last-Modified`, stays what it was, and a client
    /// revalidating it is answered 304 after a rebuild too.
    fn beside(self, last: Root, made: Made) -> Sink<'a> {
        Sink {
            last: Some((last, made)),
            ..self
        }
    }

    /// Writes (or counts) the file `name` at the top of the output, which
    /// no site path names.
    fn file(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        self.write(Path::new(name), bytes)?;
        self.count(bytes);
        Ok(())
    }

    /// Counts one file of `bytes`.
    fn count(&self, bytes: &[u8]) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    }

    /// Writes (or counts) the bytes served at the site path `path` (unescaped)
    /// where a static server finds them: `index.html` in a folder of that name
    /// for an HTML page (the front page is `index.html`), else the file at that
    /// path.
    fn put(&self, path: &str, content_type: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let rel = Path::new(path.trim_start_matches('/'));
        // Ids and slugs come from the store's own relative paths; refuse anything
        // that could step outside the output all the same.
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            anyhow::bail!("refusing to write {path:?}: not a plain relative path");
        }
        if content_type == HTML {
            self.write(&rel.join("index.html"), bytes)?;
        } else {
            self.write(rel, bytes)?;
        }
        self.count(bytes);
        Ok(())
    }

    /// Writes `bytes` at `rel` under the output, unless the last build has
    /// them there already.
    fn write(&self, rel: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        let Some(out) = self.out else {
            return Ok(());
        };
        if self
            .last
            .as_ref()
            .is_some_and(|(last, made)| holds(last, rel, bytes, made))
        {
            let mut unchanged = self
                .unchanged
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            unchanged.push(rel.to_owned());
            return Ok(());
        }
        let file = out.join(rel);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&file, bytes).with_context(|| format!("cannot write {}", file.display()))
    }
}

/// What a file the build writes is like: its mode, owner, group and
/// access ACL, as a file made in its staging folder gets them (the umask, a
/// folder's setgid bit or default ACL).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Made {
    mode: u32,
    uid: u32,
    gid: u32,
    /// `system.posix_acl_access`, if it has one.
    acl: Option<Vec<u8>>,
}

impl Made {
    /// Learnt from a file made in `staging` and removed at once; `None` when
    /// its ACL cannot be read (then no file is taken for the build's).
    fn learn(staging: &Path) -> anyhow::Result<Option<Made>> {
        let probe = staging.join(".bantin-probe");
        std::fs::write(&probe, b"").with_context(|| format!("cannot write {}", probe.display()))?;
        let made = std::fs::File::open(&probe)
            .and_then(|file| Ok(Made::of(&file.metadata()?, &file)))
            .with_context(|| format!("cannot read {}", probe.display()));
        std::fs::remove_file(&probe)
            .with_context(|| format!("cannot remove {}", probe.display()))?;
        made
    }

    /// What the open `file`, whose metadata is `meta`, is like.
    fn of(meta: &std::fs::Metadata, file: &std::fs::File) -> Option<Made> {
        use std::os::unix::fs::MetadataExt;
        let mut acl = [0u8; 512];
        let acl = match rustix::fs::fgetxattr(file, "system.posix_acl_access", &mut acl[..]) {
            Ok(len) => Some(acl.get(..len)?.to_vec()),
            // None, or a file system without ACLs.
            Err(rustix::io::Errno::NODATA | rustix::io::Errno::NOTSUP) => None,
            // Unreadable, or longer than any a folder's default gives.
            Err(_) => return None,
        };
        Some(Made {
            mode: meta.mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
            acl,
        })
    }
}

/// Whether `rel` under `last` is the file the build would write there:
/// a regular file holding exactly `bytes`, with one name (not a hard link to
/// a file elsewhere, which would change with it) and the mode, owner, group
/// and access ACL of a file the build makes (`made`), reached with no symlink on the
/// way: a file behind a link (or a link itself) is never taken for the
/// build's, since the build replaces links. `last` opens it as the store's
/// root opens articles, with `openat2` or, where that is refused (an old
/// kernel, a systemd unit's seccomp filter), one folder at a time. Any error
/// (no such file, a FIFO that would not open without a writer) is a no.
fn holds(last: &Root, rel: &Path, bytes: &[u8], made: &Made) -> bool {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    // Looked at before it is opened: a device node is never opened, and a
    // file of another length never read. (The open below checks again.)
    match last.canonical().join(rel).symlink_metadata() {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {}
        _ => return false,
    }
    let Some(mut file) = last.open_unlinked(rel) else {
        return false;
    };
    let Ok(meta) = file.metadata() else {
        return false;
    };
    if !meta.is_file()
        || meta.nlink() != 1
        || meta.len() != bytes.len() as u64
        || Made::of(&meta, &file).as_ref() != Some(made)
    {
        return false;
    }
    let mut held = Vec::with_capacity(bytes.len());
    // One byte past the length: a file that grew since is no match.
    file.by_ref()
        .take(bytes.len() as u64 + 1)
        .read_to_end(&mut held)
        .is_ok_and(|_| held == bytes)
}

/// Renders every resource of the store `cfg` names into `sink`.
///
/// The page of an article `x/index.html` (or `x/index.html/y`) would need
/// `articles/x/index.html` as a folder, where the page of `x` is a file: `x`
/// keeps the place, and the other article is left out of the build
/// altogether, before anything is rendered, so no feed, listing, archive or
/// sitemap of the static site links it. A link to it would lead a static
/// server to `x`'s page, another article under its URL. The daemon serves
/// both; a warning names the two files.
fn render_all(cfg: &Config, sink: &Sink<'_>) -> anyhow::Result<Built> {
    let Loaded { catalog, site } = app::load_pruned(cfg, leave_out_shadowed)?;
    let site = Arc::new(site);
    let mut feeds = 0;
    let mut pages = 0;
    for path in site.paths() {
        let resource = &site.resources[path];
        sink.put(path, resource.content_type, &resource.identity.bytes)?;
        if is_feed(resource) {
            feeds += 1;
        } else {
            pages += 1;
        }
    }
    let index = &site.index;
    let hydrate = |e: &Entry| {
        site.body(&e.article.id, &e.article)
            .or_else(|| crate::catalog::hydrate(e, cfg.max_file_size, cfg.tz))
    };
    let articles: Vec<&Entry> = index.entries().values().collect();
    articles.par_iter().try_for_each(|e| {
        // A withdrawn article's page is the notice the daemon sends with 410;
        // a static server sends it with 200 (see the module docs).
        let page = match &e.article.withdrawn {
            Some(w) => crate::render::html::errors::gone_page(&cfg.site, index, &e.article, w),
            None => {
                let full = hydrate(e).unwrap_or_else(|| e.article.clone());
                pages::article_page(cfg, index, &full)
            }
        };
        sink.put(&format!("/articles/{}", e.article.id), HTML, &page)
    })?;
    pages += articles.len();
    let shared = Arc::new(cfg.clone());
    let rendered = pages::paths(index, cfg.tz)
        .par_iter()
        .map(|path| {
            let site = site.clone();
            let (cap, tz) = (cfg.max_file_size, cfg.tz);
            let hydrate: Hydrate = Box::new(move |e: &Entry| {
                site.body(&e.article.id, &e.article)
                    .or_else(|| crate::catalog::hydrate(e, cap, tz))
            });
            let prepared = pages::prepare(&shared, index, path, hydrate)
                .with_context(|| format!("{path} is listed but does not resolve"))?;
            let content_type = prepared.content_type;
            let (made, keep) = prepared.resource(std::time::UNIX_EPOCH)?;
            if keep == crate::site::on_demand::Keep::No {
                tracing::warn!(
                    "{path}: an article in it changed or broke while the build read the store, \
                     and is left out of it; build again once the store is still"
                );
            }
            sink.put(path, content_type, &made.identity.bytes)?;
            Ok(is_feed_type(content_type))
        })
        .collect::<anyhow::Result<Vec<bool>>>()?;
    feeds += rendered.iter().filter(|f| **f).count();
    pages += rendered.iter().filter(|f| !**f).count();
    // The month sitemaps the daemon renders on request.
    for path in sitemap::on_demand_paths(index, cfg.tz) {
        let bytes = sitemap::on_demand(&cfg.site, index, &path, cfg.tz)
            .with_context(|| format!("the sitemap {path} is listed but renders nothing"))?;
        sink.put(&path, sitemap::CONTENT_TYPE, &bytes)?;
        pages += 1;
    }
    let not_found = crate::render::html::errors::not_found_page(&cfg.site);
    sink.file("404.html", &not_found)?;
    pages += 1;
    sink.file(MARKER, MARKER_TEXT.as_bytes())?;
    Ok(Built {
        feeds,
        articles: catalog.entries.len(),
        pages,
        rejected: catalog.rejected_count(),
        files: sink.files.load(Ordering::Relaxed),
        bytes: sink.bytes.load(Ordering::Relaxed),
    })
}

const HTML: &str = "text/html; charset=utf-8";

/// Takes out of `entries` every article whose page would have to be written
/// inside another's (see [`render_all`]), with a warning naming both files.
fn leave_out_shadowed(entries: &mut Entries) {
    let shadowed: Vec<(String, String)> = entries
        .keys()
        .filter_map(|id| Some((id.clone(), shadowed_by(entries, id)?.to_owned())))
        .collect();
    for (id, by) in shadowed {
        let file = |id: &str| match entries.get(id).and_then(|e| e.source.as_ref()) {
            Some(source) => crate::text::printable_path(&source.path),
            None => id.to_owned(),
        };
        tracing::warn!(
            "article {} ({}) is left out of the static build (its page, and every feed, \
             listing and sitemap that would link it): its page would need \
             articles/{}/index.html as a folder, where the page of article {} ({}) is \
             written, and a static server would answer its URL with that page; the daemon \
             serves both: rename one of the files",
            printable(&id),
            file(&id),
            printable(&by),
            printable(&by),
            file(&by),
        );
        entries.remove(&id);
    }
}

/// The article whose page the page of `id` would have to be written inside:
/// one whose id is a part of `id` followed by an `index.html` segment (`x`
/// for `x/index.html` and `x/index.html/y`).
fn shadowed_by<'a>(entries: &Entries, id: &'a str) -> Option<&'a str> {
    const SEGMENT: &str = "/index.html";
    id.match_indices(SEGMENT)
        .filter(|(at, _)| matches!(id.as_bytes().get(at + SEGMENT.len()), None | Some(b'/')))
        .map(|(at, _)| &id[..at])
        .find(|prefix| entries.contains_key(prefix))
}

/// `path` as an absolute path with symlinks and `..` resolved, even when its last
/// parts do not exist yet: each existing prefix is canonicalized, the rest is lexical.
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let mut real = std::env::current_dir()?;
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => real = PathBuf::from("/"),
            Component::CurDir => {}
            Component::ParentDir => {
                real.pop();
            }
            Component::Normal(name) => {
                real.push(name);
                if let Ok(r) = real.canonicalize() {
                    real = r;
                }
            }
        }
    }
    Ok(real)
}

/// Whether `resource` is a feed (in any format), not a page or the OPML list.
fn is_feed(resource: &Resource) -> bool {
    is_feed_type(resource.content_type)
}

/// Whether `content_type` is a feed format's.
fn is_feed_type(content_type: &str) -> bool {
    Format::ALL.iter().any(|f| f.content_type() == content_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Resolver;
    use std::os::unix::fs::symlink;

    /// The last build's files are opened as the store's are, with
    /// `openat2` or, where that is refused (an old kernel, the seccomp
    /// filter of a systemd unit with `DynamicUser=`), one folder at a time:
    /// both open the same files and refuse the same links, so the build
    /// keeps its unchanged files under either. A file behind a symlinked
    /// folder, or a symlink, is never the build's; a FIFO opens without
    /// waiting for a writer.
    #[test]
    fn the_last_build_is_looked_at_through_no_link_with_or_without_openat2() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(out.join("a/b")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(out.join("a/b/page.html"), "trang").unwrap();
        std::fs::write(elsewhere.join("page.html"), "trang").unwrap();
        symlink(out.join("a/b"), out.join("a/link")).unwrap();
        symlink(&elsewhere, out.join("away")).unwrap();
        symlink(out.join("a/b/page.html"), out.join("a/linked.html")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(out.join("a/pipe"))
            .status();
        assert!(made.unwrap().success(), "mkfifo");

        let cases = [
            ("a/b/page.html", true),
            ("a/pipe", true),
            ("a/link/page.html", false),
            ("away/page.html", false),
            ("a/linked.html", false),
            ("a/b/missing.html", false),
        ];
        for resolver in [Resolver::Beneath, Resolver::Walk] {
            let last = Root::open_with(&out, resolver).unwrap();
            for (rel, opens) in cases {
                let opened = last.open_unlinked(Path::new(rel));
                assert_eq!(opened.is_some(), opens, "{resolver:?}: {rel}");
            }
            let mut read = String::new();
            let mut file = last.open_unlinked(Path::new("a/b/page.html")).unwrap();
            std::io::Read::read_to_string(&mut file, &mut read).unwrap();
            assert_eq!(read, "trang", "{resolver:?} opens the file itself");
        }
    }
}
