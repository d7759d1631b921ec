//! The article store on disk: which files are articles, listing them, reading one.
//!
//! This module is the store boundary, one rule for every path whatever brought it
//! (the start-up scan, a watcher event, reconciliation, an article page): only
//! regular files inside the root are read, never a FIFO, socket or device. A
//! symlink to a regular file inside the store is read under the link's own path;
//! a symlink to a folder is never followed (the files of a folder inside the store
//! are listed under their real paths); a path whose folders include a symlink is
//! not read; a symlink out of the store, to nothing, or in a loop is rejected. See
//! [`Root`]. Reads are size-capped, so a runaway file cannot exhaust memory.

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use chrono_tz::Tz;
use unicode_normalization::UnicodeNormalization;

use crate::article::{self, ArticleError, Depth, Parsed};
use crate::text::{self, TextError};

/// Why a candidate file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be opened or read.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// The file is larger than the configured cap.
    #[error("too large: {size} bytes, over the {cap}-byte cap (max_file_size in the config)")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// Not a regular file (a FIFO, socket or device).
    #[error("not a regular file")]
    NotRegular,
    /// A path, or a symlink, that leads out of the store.
    #[error("symlink to {0} outside the store; not followed")]
    OutsideStore(PathBuf),
    /// A symlink to a path that does not exist.
    #[error("symlink to {0}, which does not exist; not followed (fix or remove the link)")]
    DanglingLink(PathBuf),
    /// A symlink that leads back to itself.
    #[error("symlink loop; not followed (fix or remove the link)")]
    LinkLoop,
    /// A folder on the path is a symlink, and folder symlinks are never followed.
    #[error("a folder on this path is a symlink, and folder symlinks are never followed; move the files into the store or link each file")]
    SymlinkedFolder,
    /// Empty or binary.
    #[error(transparent)]
    Text(#[from] TextError),
    /// Not an article.
    #[error(transparent)]
    Article(#[from] ArticleError),
    /// Another file (first by path) already gives this article id.
    #[error("another file already gives the article id \"{0}\"; rename one of them")]
    DuplicateId(String),
    /// The parser panicked on this file: a bug in bantin, not in the file.
    #[error("the parser panicked on this file (a bug in bantin: please report it with the file)")]
    ParserPanic,
}

/// One file the store lists as an article candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The path to open.
    pub path: PathBuf,
    /// The article id the file gives (see [`article_id`]).
    pub id: String,
    /// Size and modification time at listing time, when the listing asked.
    pub stat: Option<Stat>,
    /// The boundary it was listed under, and is read through.
    pub root: Root,
}

/// Where a lean article is read back from: a file and the boundary it is read through.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file.
    pub path: Arc<Path>,
    /// The store root it was read under.
    pub root: Root,
}

/// What tells one version of a file from another without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stat {
    /// Size in bytes.
    pub len: u64,
    /// Modification time.
    pub modified: Option<SystemTime>,
}

impl Stat {
    /// The stat of `meta`.
    pub fn of(meta: &Metadata) -> Stat {
        Stat {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// Whether a walk stats the files it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stats {
    /// Every candidate carries its size and mtime, to compare with a known version.
    Take,
    /// A regular file costs no system call beyond reading its folder.
    Skip,
}

/// A file that is in the store but will not be served, and why.
#[derive(Debug)]
pub struct Rejected {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub error: FileError,
}

/// One entry of a listing.
#[derive(Debug)]
pub enum Listed {
    /// An article candidate.
    Candidate(Candidate),
    /// An entry seen and refused.
    Rejected(Rejected),
}

/// The result of listing a store.
#[derive(Debug, Default)]
pub struct Listing {
    /// Article candidates, sorted by path.
    pub candidates: Vec<Candidate>,
    /// Entries seen and refused while listing (bad symlinks, FIFOs, unreadable folders).
    pub rejected: Vec<Rejected>,
}

/// Whether a file or folder name is never an article: dot-files, editor swap,
/// backup and temp files, half-finished downloads.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || [
            ".swp",
            ".swo",
            ".swx",
            ".tmp",
            ".part",
            ".bak",
            ".crdownload",
        ]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// The stable article id of `path` under `root`: the relative path without its
/// extension, `/`-separated, NFC. `None` when the path is not under the root or
/// any part of it is ignored.
pub fn article_id(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for c in rel.components() {
        let Component::Normal(name) = c else {
            return None;
        };
        let name = name.to_string_lossy();
        if is_ignored(&name) {
            return None;
        }
        // File names are mostly ASCII, which is NFC as it is.
        parts.push(if name.is_ascii() {
            name.into_owned()
        } else {
            name.nfc().collect::<String>()
        });
    }
    let last = parts.last_mut()?;
    if let Some((stem, _ext)) = last.rsplit_once('.').filter(|(stem, _)| !stem.is_empty()) {
        *last = stem.to_owned();
    }
    Some(parts.join("/"))
}

/// How paths under the store root are resolved when a file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolver {
    /// `openat2(2)` relative to the root's descriptor with `RESOLVE_BENEATH`: the
    /// kernel itself refuses every step out of the root (Linux 5.6 and later).
    Beneath,
    /// A checked canonical path: the file's real path must be the path asked for
    /// (or, for a link to a file, lie under the real root), and is opened with
    /// `O_NOFOLLOW`. For kernels without `openat2`, or a seccomp filter that
    /// refuses it; a folder swapped for a link between the check and the open
    /// is not caught here, which is why [`Resolver::Beneath`] is preferred.
    Canonical,
}

/// The store root, resolved once: the boundary every listing and every read of
/// the store goes through (see [`Root::open_file`] for the rule).
///
/// The configured path may itself be a symlink (an admin's choice): it is
/// resolved when the `Root` is opened, and the folder it named then is the
/// boundary until a new `Root` is opened (see [`Root::replaced`]). Cloning is cheap.
#[derive(Debug, Clone)]
pub struct Root(Arc<RootInner>);

#[derive(Debug)]
struct RootInner {
    /// The path as configured: listed paths and article ids are under it.
    path: PathBuf,
    /// The real path of the folder `dir` is.
    canonical: PathBuf,
    /// The root folder, opened `O_PATH`: every `openat2` starts here.
    dir: File,
    /// The (device, inode) of `dir`.
    identity: (u64, u64),
    resolver: Resolver,
}

impl PartialEq for Root {
    fn eq(&self, other: &Root) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Root {}

/// Open flags for an article: never block on a FIFO swapped in after listing,
/// never become the controlling terminal, never leak into a child process.
const READ_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::NONBLOCK)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY);

/// Resolution that stays beneath the root and follows no link at all.
const NO_LINKS: ResolveFlags = ResolveFlags::BENEATH
    .union(ResolveFlags::NO_SYMLINKS)
    .union(ResolveFlags::NO_MAGICLINKS);

/// Where the next step of a walk of `sub` starts (see [`Root::walk`]).
enum Start {
    /// `sub` is gone, outside the root, or under a symlinked folder: nothing to list.
    Nothing,
    /// `sub` is itself a symlink: it is one entry, never a folder to walk.
    Link,
    /// A real folder or file under real folders: walk it.
    Tree,
}

impl Root {
    /// Resolves `path` (the configured store root) and opens it as the boundary,
    /// with `openat2` when the kernel allows it, else with checked canonical
    /// paths (logged once).
    pub fn open(path: &Path) -> std::io::Result<Root> {
        let root = Root::open_with(path, Resolver::Beneath)?;
        match rustix::fs::openat2(
            &root.0.dir,
            ".",
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
            NO_LINKS,
        ) {
            // Old kernels (ENOSYS) and seccomp filters (EPERM) refuse openat2.
            Err(Errno::NOSYS | Errno::PERM) => {
                static WARNED: std::sync::Once = std::sync::Once::new();
                WARNED.call_once(|| {
                    tracing::warn!(
                        "openat2 is not available (kernel older than 5.6, or a seccomp filter); \
                         store files are opened through checked canonical paths instead"
                    );
                });
                Root::open_with(path, Resolver::Canonical)
            }
            _ => Ok(root),
        }
    }

    /// [`Root::open`] with the resolver chosen by the caller.
    pub fn open_with(path: &Path, resolver: Resolver) -> std::io::Result<Root> {
        // A bare file name given to `bantin check` has the empty path as its folder.
        let real = if path.as_os_str().is_empty() {
            Path::new(".")
        } else {
            path
        };
        let canonical = real.canonicalize()?;
        let dir = File::from(rustix::fs::open(
            &canonical,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?);
        let meta = dir.metadata()?;
        Ok(Root(Arc::new(RootInner {
            path: path.to_owned(),
            canonical,
            dir,
            identity: (meta.dev(), meta.ino()),
            resolver,
        })))
    }

    /// The root as configured.
    pub fn path(&self) -> &Path {
        &self.0.path
    }

    /// The real path of the root folder.
    pub fn canonical(&self) -> &Path {
        &self.0.canonical
    }

    /// How files are opened under this root.
    pub fn resolver(&self) -> Resolver {
        self.0.resolver
    }

    /// Whether the configured path now names another folder than the one this
    /// root was opened on (renamed away and replaced, or a root link retargeted),
    /// or none: then a new `Root` is the boundary.
    pub fn replaced(&self) -> bool {
        std::fs::metadata(&self.0.path).map_or(true, |m| (m.dev(), m.ino()) != self.0.identity)
    }

    /// Lists every article candidate under the root, sorted by path.
    pub fn list(&self) -> Listing {
        self.list_under(&self.0.path)
    }

    /// Lists the candidates at or below `sub` (a file or folder under the root),
    /// with stats. A `sub` that no longer exists lists nothing.
    pub fn list_under(&self, sub: &Path) -> Listing {
        let mut listing = Listing::default();
        for listed in self.walk(sub, Stats::Take) {
            match listed {
                Listed::Candidate(c) => listing.candidates.push(c),
                Listed::Rejected(r) => listing.rejected.push(r),
            }
        }
        listing
    }

    /// Walks the candidates at or below `sub` (a file or folder under the root)
    /// in path order, with ids relative to the root, stating them as `stats`
    /// says. A `sub` that no longer exists lists nothing.
    ///
    /// Folder symlinks are never walked into: not below `sub`, not when `sub`
    /// itself is one (it is then one entry, judged as a link), and nothing is
    /// listed when a folder between the root and `sub` is one. A folder swapped
    /// for a link while the walk runs can still slip names into the listing;
    /// their reads are then refused by [`Root::open_file`].
    pub fn walk<'a>(
        &'a self,
        sub: &'a Path,
        stats: Stats,
    ) -> impl Iterator<Item = Listed> + Send + 'a {
        let start = self.start(sub);
        let link = matches!(start, Start::Link)
            .then(|| self.listed(sub, None))
            .flatten();
        let tree = matches!(start, Start::Tree).then(|| {
            walkdir::WalkDir::new(sub)
                .follow_links(false)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !is_ignored(&e.file_name().to_string_lossy()))
                .filter_map(move |entry| {
                    let entry = match entry {
                        Ok(e) => e,
                        // Vanished between listing and reading: not an error, just gone.
                        Err(e)
                            if e.io_error()
                                .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound) =>
                        {
                            return None
                        }
                        Err(e) => {
                            let path = e.path().map_or_else(|| sub.to_owned(), Path::to_owned);
                            return Some(Listed::Rejected(Rejected {
                                path,
                                error: FileError::Io(e.into()),
                            }));
                        }
                    };
                    let kind = entry.file_type();
                    if kind.is_dir() {
                        return None;
                    }
                    let known = (stats == Stats::Skip && kind.is_file()).then_some(kind);
                    self.listed(entry.path(), known)
                })
        });
        link.into_iter().chain(tree.into_iter().flatten())
    }

    /// Where a walk of `sub` starts: every folder from the root down to `sub` is
    /// looked at without following links (the root itself is taken as resolved).
    /// Events name paths a few levels deep, and the full scan starts at the root,
    /// so this costs the scan nothing.
    fn start(&self, sub: &Path) -> Start {
        let Ok(rel) = sub.strip_prefix(&self.0.path) else {
            return Start::Nothing;
        };
        let mut at = self.0.path.clone();
        let mut names = rel.components().peekable();
        while let Some(name) = names.next() {
            let Component::Normal(name) = name else {
                return Start::Nothing;
            };
            at.push(name);
            let Ok(meta) = std::fs::symlink_metadata(&at) else {
                return Start::Nothing;
            };
            let last = names.peek().is_none();
            if meta.file_type().is_symlink() {
                return if last { Start::Link } else { Start::Nothing };
            }
            if !last && !meta.is_dir() {
                return Start::Nothing;
            }
        }
        Start::Tree
    }

    /// `path` as a listing entry: a candidate, nothing (ignored, a folder link
    /// inside the store, or vanished), or a refusal.
    fn listed(&self, path: &Path, known: Option<std::fs::FileType>) -> Option<Listed> {
        match self.candidate_of(path, known) {
            Ok(Some(c)) => Some(Listed::Candidate(c)),
            Ok(None) => None,
            Err(FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => Some(Listed::Rejected(Rejected {
                path: path.to_owned(),
                error,
            })),
        }
    }

    /// What `path` (directly in a real folder of the store) is: a candidate,
    /// ignored (`None`), or refused.
    pub fn candidate(&self, path: &Path) -> Result<Option<Candidate>, FileError> {
        self.candidate_of(path, None)
    }

    /// [`Root::candidate`]; a `regular` file type (from the folder listing) is
    /// taken on trust and the candidate left without a stat.
    fn candidate_of(
        &self,
        path: &Path,
        regular: Option<std::fs::FileType>,
    ) -> Result<Option<Candidate>, FileError> {
        let Some(id) = article_id(&self.0.path, path) else {
            return Ok(None);
        };
        let candidate = |stat| Candidate {
            path: path.to_owned(),
            id: id.clone(),
            stat,
            root: self.clone(),
        };
        if regular.is_some_and(|t| t.is_file()) {
            return Ok(Some(candidate(None)));
        }
        let meta = std::fs::symlink_metadata(path)?;
        let meta = if meta.file_type().is_symlink() {
            std::fs::metadata(self.link_target(path)?)?
        } else {
            meta
        };
        if meta.is_dir() {
            // A link to a folder inside the store: its files are listed under their real path.
            return Ok(None);
        }
        if !meta.is_file() {
            return Err(FileError::NotRegular);
        }
        Ok(Some(candidate(Some(Stat::of(&meta)))))
    }

    /// The real path a symlink at `link` leads to, which must be inside the
    /// store: a link out of it, to nothing, or in a loop is refused.
    fn link_target(&self, link: &Path) -> Result<PathBuf, FileError> {
        let target = link.canonicalize().map_err(|e| link_error(link, e))?;
        if !target.starts_with(&self.0.canonical) {
            return Err(FileError::OutsideStore(target));
        }
        Ok(target)
    }

    /// Opens the file at `path` for reading, through the store boundary.
    ///
    /// The rule: a path is read only if, resolved, it stays inside the root; a
    /// path whose folders include a symlink is not read; a symlink as the last
    /// component is followed only to a file inside the store (read under the
    /// link's own path); links out of the store, to nothing or in a loop are
    /// refused. Whatever is swapped in between the listing and this call, the
    /// file opened is inside the store (with [`Resolver::Beneath`]).
    pub fn open_file(&self, path: &Path) -> Result<File, FileError> {
        let rel = path
            .strip_prefix(&self.0.path)
            .ok()
            .filter(|rel| {
                rel.components().next().is_some()
                    && rel.components().all(|c| matches!(c, Component::Normal(_)))
            })
            .ok_or_else(|| FileError::OutsideStore(path.to_owned()))?;
        match self.0.resolver {
            Resolver::Beneath => self.open_beneath(path, rel),
            Resolver::Canonical => self.open_canonical(path, rel),
        }
    }

    /// [`Root::open_file`] with `openat2` relative to the root's descriptor.
    ///
    /// The usual path has no link at all and costs one call, as `open` would.
    /// When that call meets a link (`ELOOP`), the folder part is opened alone,
    /// again with no links allowed: failing there means a folder is a link, and
    /// the path is not read. Otherwise the last component is the link: its
    /// target is resolved and checked to be inside the store, then opened
    /// beneath the root with no links allowed, so a link swapped in after the
    /// check makes the open fail instead of leading out.
    fn open_beneath(&self, path: &Path, rel: &Path) -> Result<File, FileError> {
        let beneath = |rel: &Path, flags: OFlags| {
            rustix::fs::openat2(&self.0.dir, rel, flags, Mode::empty(), NO_LINKS)
        };
        match beneath(rel, READ_FLAGS) {
            Ok(fd) => return Ok(File::from(fd)),
            Err(Errno::LOOP) => {}
            Err(e) => return Err(open_error(path, e)),
        }
        let folder = rel
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        match beneath(folder, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC) {
            Ok(_) => {}
            Err(Errno::LOOP) => return Err(FileError::SymlinkedFolder),
            Err(e) => return Err(open_error(path, e)),
        }
        let target = self.link_target(path)?;
        let inside = target
            .strip_prefix(&self.0.canonical)
            .map_err(|_| FileError::OutsideStore(target.clone()))?;
        if inside.as_os_str().is_empty() {
            // A link to the root folder itself.
            return Err(FileError::NotRegular);
        }
        beneath(inside, READ_FLAGS)
            .map(File::from)
            .map_err(|e| open_error(path, e))
    }

    /// [`Root::open_file`] with a checked canonical path (see [`Resolver::Canonical`]).
    fn open_canonical(&self, path: &Path, rel: &Path) -> Result<File, FileError> {
        let expected = self.0.canonical.join(rel);
        let real = path.canonicalize();
        if real.as_ref().ok() != Some(&expected) {
            let folder = path.parent().map(Path::canonicalize).transpose()?;
            if folder.as_deref() != expected.parent() {
                return Err(FileError::SymlinkedFolder);
            }
        }
        let real = real.map_err(|e| link_error(path, e))?;
        if real != expected && !real.starts_with(&self.0.canonical) {
            return Err(FileError::OutsideStore(real));
        }
        // `real` has no link in it; O_NOFOLLOW refuses one swapped in as its last component.
        rustix::fs::open(&real, READ_FLAGS | OFlags::NOFOLLOW, Mode::empty())
            .map(File::from)
            .map_err(|e| open_error(path, e))
    }

    /// Reads at most `cap` bytes of the regular file at `path`, opened through
    /// the boundary ([`Root::open_file`]), refusing anything else without blocking.
    pub fn read_capped(&self, path: &Path, cap: u64) -> Result<(Vec<u8>, Metadata), FileError> {
        let file = self.open_file(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(FileError::NotRegular);
        }
        if meta.len() > cap {
            return Err(FileError::TooLarge {
                size: meta.len(),
                cap,
            });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.take(cap + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > cap {
            return Err(FileError::TooLarge {
                size: bytes.len() as u64,
                cap,
            });
        }
        Ok((bytes, meta))
    }
}

/// Why resolving the link at `link` failed with `e`: a loop, a link to nothing,
/// or (the link itself gone) an I/O error.
fn link_error(link: &Path, e: std::io::Error) -> FileError {
    if e.raw_os_error() == Some(libc::ELOOP) {
        return FileError::LinkLoop;
    }
    match std::fs::read_link(link) {
        Ok(target) if e.kind() == std::io::ErrorKind::NotFound => FileError::DanglingLink(target),
        _ => FileError::Io(e),
    }
}

/// The error for an open of `path` refused by the kernel.
fn open_error(path: &Path, e: Errno) -> FileError {
    match e {
        // Resolution tried to leave the root (RESOLVE_BENEATH).
        Errno::XDEV => FileError::OutsideStore(path.to_owned()),
        // A link where none may be: swapped in since it was checked.
        Errno::LOOP => FileError::Io(std::io::Error::other(
            "a symlink appeared on the path while it was opened; not followed",
        )),
        e => FileError::Io(e.into()),
    }
}

/// Lists every article candidate under `root`, sorted by path.
pub fn list(root: &Path) -> std::io::Result<Listing> {
    let meta = std::fs::metadata(root)?;
    if !meta.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            format!("{} is not a folder", root.display()),
        ));
    }
    Ok(Root::open(root)?.list())
}

/// A parsed file with the facts the index needs about it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The article and its warnings.
    pub parsed: Parsed,
    /// The file's size and modification time when read.
    pub stat: Stat,
}

/// Reads one candidate and parses it to `depth`.
pub fn load(c: &Candidate, cap: u64, tz: Tz, depth: Depth) -> Result<Loaded, FileError> {
    let (bytes, meta) = c.root.read_capped(&c.path, cap)?;
    load_bytes(c, &bytes, &meta, tz, depth)
}

/// Parses to `depth` the `bytes` read from candidate `c`, whose metadata is `meta`.
pub fn load_bytes(
    c: &Candidate,
    bytes: &[u8],
    meta: &Metadata,
    tz: Tz,
    depth: Depth,
) -> Result<Loaded, FileError> {
    let decoded = text::decode_raw(bytes)?;
    let stat = Stat::of(meta);
    let modified = stat.modified;
    let folder = c
        .path
        .parent()
        .and_then(Path::file_name)
        .map(|f| f.to_string_lossy());
    let src = article::Source {
        id: &c.id,
        folder: folder.as_deref(),
        modified,
        tz,
    };
    let mut parsed = article::parse_raw(&decoded.text, &src, depth)?;
    let mut warnings: Vec<_> = decoded
        .warnings
        .into_iter()
        .map(|message| article::Warning {
            line: None,
            message,
        })
        .collect();
    warnings.append(&mut parsed.warnings);
    parsed.warnings = warnings;
    Ok(Loaded { parsed, stat })
}

/// The first 128 bits of the BLAKE3 hash of `bytes`.
pub fn digest(bytes: &[u8]) -> u128 {
    let hash = blake3::hash(bytes);
    let mut half = [0; 16];
    half.copy_from_slice(&hash.as_bytes()[..16]);
    u128::from_le_bytes(half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_names() {
        for n in [".hidden", "a.swp", "a~", "a.tmp", "a.part", "#a#", ".git"] {
            assert!(is_ignored(n), "{n}");
        }
        for n in ["a.txt", "bài viết.txt", "a#b", "tmp"] {
            assert!(!is_ignored(n), "{n}");
        }
    }

    #[test]
    fn ids() {
        let root = Path::new("/s");
        assert_eq!(
            article_id(root, Path::new("/s/tin-tuc/a.txt")).as_deref(),
            Some("tin-tuc/a")
        );
        assert_eq!(
            article_id(root, Path::new("/s/a.b.txt")).as_deref(),
            Some("a.b")
        );
        assert_eq!(
            article_id(root, Path::new("/s/README")).as_deref(),
            Some("README")
        );
        // A decomposed (NFD) name gives the composed id; an ASCII one is kept as is.
        let nfd: String = "/s/thời sự/bài.txt".nfd().collect();
        assert_ne!(nfd, "/s/thời sự/bài.txt");
        assert_eq!(
            article_id(root, Path::new(&nfd)).as_deref(),
            Some("thời sự/bài")
        );
        assert_eq!(
            article_id(root, Path::new(&nfd)),
            article_id(root, Path::new("/s/thời sự/bài.txt"))
        );
        assert_eq!(article_id(root, Path::new("/s/.x/a.txt")), None);
        assert_eq!(article_id(root, Path::new("/t/a.txt")), None);
    }

    #[test]
    fn listing_skips_ignored_and_refuses_escaping_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        std::fs::create_dir_all(root.join("a/.git")).unwrap();
        std::fs::write(root.join("a/x.txt"), "x").unwrap();
        std::fs::write(root.join("a/x.txt.swp"), "x").unwrap();
        std::fs::write(root.join("a/.git/y.txt"), "y").unwrap();
        std::fs::write(dir.path().join("outside.txt"), "o").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.txt"), root.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(root.join("a/x.txt"), root.join("inside.txt")).unwrap();
        let l = list(&root).unwrap();
        let ids: Vec<_> = l.candidates.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a/x", "inside"]);
        assert_eq!(l.rejected.len(), 1);
        assert!(matches!(l.rejected[0].error, FileError::OutsideStore(_)));
    }

    #[test]
    fn capped_reads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.txt");
        std::fs::write(&p, vec![b'a'; 100]).unwrap();
        for resolver in [Resolver::Beneath, Resolver::Canonical] {
            let root = Root::open_with(dir.path(), resolver).unwrap();
            assert!(matches!(
                root.read_capped(&p, 99),
                Err(FileError::TooLarge { size: 100, cap: 99 })
            ));
            assert_eq!(root.read_capped(&p, 100).unwrap().0.len(), 100);
        }
    }

    /// A store with `a/x.txt`, and next to it an outside folder with its own `x.txt`.
    fn store_and_outside() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(root.join("a/x.txt"), "inside").unwrap();
        std::fs::write(outside.join("x.txt"), "outside").unwrap();
        (dir, root, outside)
    }

    #[test]
    fn a_folder_swapped_for_a_link_between_listing_and_reading_is_not_read() {
        for resolver in [Resolver::Beneath, Resolver::Canonical] {
            let (_dir, root, outside) = store_and_outside();
            let store = Root::open_with(&root, resolver).unwrap();
            let listing = store.list();
            assert_eq!(listing.candidates.len(), 1);
            let c = &listing.candidates[0];
            assert_eq!(store.read_capped(&c.path, 100).unwrap().0, b"inside");

            std::fs::rename(root.join("a"), root.join("old")).unwrap();
            std::os::unix::fs::symlink(&outside, root.join("a")).unwrap();
            let read = store.read_capped(&c.path, 100);
            assert!(
                matches!(read, Err(FileError::SymlinkedFolder)),
                "{resolver:?}: {read:?}"
            );
            // A link to a folder inside the store is not followed either.
            std::fs::remove_file(root.join("a")).unwrap();
            std::os::unix::fs::symlink("old", root.join("a")).unwrap();
            let read = store.read_capped(&c.path, 100);
            assert!(
                matches!(read, Err(FileError::SymlinkedFolder)),
                "{resolver:?}: {read:?}"
            );
        }
    }

    #[test]
    fn file_links_are_read_only_to_files_inside_the_store() {
        for resolver in [Resolver::Beneath, Resolver::Canonical] {
            let (_dir, root, outside) = store_and_outside();
            let store = Root::open_with(&root, resolver).unwrap();
            let link = |name: &str, target: &Path| {
                let path = root.join(name);
                std::os::unix::fs::symlink(target, &path).unwrap();
                (path.clone(), store.read_capped(&path, 100))
            };
            // Relative and absolute links to a file inside: read under the link's path.
            let (_, read) = link("rel.txt", Path::new("a/x.txt"));
            assert_eq!(read.unwrap().0, b"inside", "{resolver:?}");
            let (_, read) = link("abs.txt", &root.join("a/x.txt"));
            assert_eq!(read.unwrap().0, b"inside", "{resolver:?}");
            let (_, read) = link("out.txt", &outside.join("x.txt"));
            assert!(
                matches!(read, Err(FileError::OutsideStore(_))),
                "{resolver:?}: {read:?}"
            );
            let (_, read) = link("up.txt", Path::new("../outside/x.txt"));
            assert!(
                matches!(read, Err(FileError::OutsideStore(_))),
                "{resolver:?}: {read:?}"
            );
            let (path, read) = link("loop.txt", Path::new("loop.txt"));
            assert!(
                matches!(read, Err(FileError::LinkLoop)),
                "{resolver:?}: {read:?}"
            );
            assert!(matches!(store.candidate(&path), Err(FileError::LinkLoop)));
            let (path, read) = link("none.txt", Path::new("missing.txt"));
            assert!(read.is_err(), "{resolver:?}");
            assert!(matches!(
                store.candidate(&path),
                Err(FileError::DanglingLink(_))
            ));
            // A path outside the root, or climbing out of it, is never opened.
            let read = store.read_capped(&outside.join("x.txt"), 100);
            assert!(matches!(read, Err(FileError::OutsideStore(_))), "{read:?}");
            let read = store.read_capped(&root.join("../outside/x.txt"), 100);
            assert!(matches!(read, Err(FileError::OutsideStore(_))), "{read:?}");
        }
    }

    #[test]
    fn walking_a_folder_link_or_below_one_lists_nothing_of_its_target() {
        let (_dir, root, outside) = store_and_outside();
        std::os::unix::fs::symlink(&outside, root.join("ngoai")).unwrap();
        std::os::unix::fs::symlink("..", root.join("a/up")).unwrap();
        let store = Root::open(&root).unwrap();
        // The link itself, walked as an event path: one refusal, nothing listed.
        let l = store.list_under(&root.join("ngoai"));
        assert!(l.candidates.is_empty());
        assert!(matches!(
            l.rejected[..],
            [Rejected {
                error: FileError::OutsideStore(_),
                ..
            }]
        ));
        // A path below it, as a watcher following the link would report it.
        let l = store.list_under(&root.join("ngoai/x.txt"));
        assert!(l.candidates.is_empty() && l.rejected.is_empty());
        // A loop back into the store: nothing listed twice.
        let l = store.list_under(&root.join("a/up"));
        assert!(l.candidates.is_empty() && l.rejected.is_empty());
        let l = store.list_under(&root.join("a/up/a"));
        assert!(l.candidates.is_empty() && l.rejected.is_empty());
        let ids: Vec<_> = store.list().candidates.into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["a/x"]);
    }
}
