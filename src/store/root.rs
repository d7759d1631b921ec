//! The store boundary: the root folder, resolved once, that every listing and
//! every read goes through, and the rule for symlinks (see [`Root::open_file`]).

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{AtFlags, FileType, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use super::{
    article_id, is_ignored, Candidate, FileError, FolderLink, Listed, Listing, Rejected, Stat,
    Stats,
};

/// How paths under the store root are resolved when a file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolver {
    /// `openat2(2)` relative to the root's descriptor with `RESOLVE_BENEATH`: the
    /// kernel itself refuses every step out of the root (Linux 5.6 and later).
    Beneath,
    /// Plain `openat(2)` one component at a time from the root's descriptor,
    /// every step with `O_NOFOLLOW`: no link is followed anywhere, so the same
    /// paths are refused as with [`Resolver::Beneath`], whatever is swapped in
    /// meanwhile. For kernels without `openat2`, and for seccomp filters that
    /// refuse it (systemd's under `RestrictSUIDSGID=`, which `DynamicUser=`
    /// implies); costs one `openat` per path component instead of one call.
    Walk,
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

/// Flags for each folder of a step-by-step open ([`Resolver::Walk`]): a handle
/// to search through, no more; a link in a folder's place fails the open.
const FOLDER_STEP: OFlags = OFlags::PATH
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// Why a step-by-step open beneath the root ([`Root::open_by_steps`]) stopped.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// A folder on the way is a symlink.
    LinkedFolder,
    /// The last component is a symlink.
    LinkedFile,
    /// The path is empty or has a component other than a name (`..`, `.`, `/`).
    NotBeneath,
    /// Any other refusal by the kernel (missing, permission, not a folder…).
    Os(Errno),
}

/// What [`Root::candidate_of`] finds at a path it does not ignore, short of
/// a refusal.
enum Found {
    /// An article candidate.
    Candidate(Candidate),
    /// A link to a folder in the store, with the paths it leads through.
    FolderLink(Vec<PathBuf>),
}

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
    /// with `openat2` when the kernel and the sandbox allow it, else one folder
    /// at a time with `openat` (logged once).
    pub fn open(path: &Path) -> std::io::Result<Root> {
        let root = Root::open_with(path, Resolver::Beneath)?;
        match rustix::fs::openat2(
            &root.0.dir,
            ".",
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
            NO_LINKS,
        ) {
            // Old kernels (ENOSYS) and seccomp filters (EPERM, or ENOSYS from
            // systemd's RestrictSUIDSGID= filter, which cannot see openat2's
            // flags in their struct and so refuses the call whole) refuse openat2.
            Err(e @ (Errno::NOSYS | Errno::PERM)) => {
                static WARNED: std::sync::Once = std::sync::Once::new();
                WARNED.call_once(|| {
                    // Info, not a warning: nothing is wrong and nothing
                    // is to be done, and the shipped unit always gets here.
                    tracing::info!(
                        "openat2 was refused ({e}: a kernel older than 5.6, or a seccomp filter \
                         such as systemd's under DynamicUser= or RestrictSUIDSGID=); store files \
                         are opened one folder at a time with openat and O_NOFOLLOW instead, \
                         with the same boundary"
                    );
                });
                Root::open_with(path, Resolver::Walk)
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
                Listed::FolderLink(_) => {}
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
                    super::progressed();
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
                            // With links not followed, a walk fails only where
                            // it lists a folder: say what lets its files in.
                            // walkdir's error wraps the system's: take it out.
                            let error = match e.into_io_error() {
                                Some(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
                                    FileError::FolderDenied
                                }
                                Some(io) => FileError::io(&path, io),
                                None => FileError::Io(std::io::Error::other(
                                    "a folder on this path is a symlink loop",
                                )),
                            };
                            return Some(Listed::Rejected(Rejected {
                                error,
                                path,
                                through: Vec::new(),
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

    /// `path` as a listing entry: a candidate, a link named as an article
    /// that leads to a folder inside the store, nothing (ignored, another
    /// folder link inside the store, or vanished), or a refusal.
    fn listed(&self, path: &Path, known: Option<std::fs::FileType>) -> Option<Listed> {
        match self.candidate_of(path, known) {
            Ok(Some(Found::Candidate(c))) => Some(Listed::Candidate(c)),
            Ok(Some(Found::FolderLink(through))) => Some(Listed::FolderLink(FolderLink {
                path: path.to_owned(),
                through,
            })),
            Ok(None) => None,
            Err(FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => Some(Listed::Rejected(Rejected {
                // A link refused for where it leads, or for what is there (a
                // FIFO): a file put there is to read it again. Empty for a
                // path that is no link.
                through: self.through(path),
                path: path.to_owned(),
                error,
            })),
        }
    }

    /// What `path` (directly in a real folder of the store) is: a candidate,
    /// ignored (`None`, also for a link to a folder), or refused.
    pub fn candidate(&self, path: &Path) -> Result<Option<Candidate>, FileError> {
        Ok(match self.candidate_of(path, None)? {
            Some(Found::Candidate(c)) => Some(c),
            Some(Found::FolderLink(_)) | None => None,
        })
    }

    /// [`Root::candidate`], telling a link to a folder in the store from what
    /// is ignored; a `regular` file type (from the folder listing) is taken on
    /// trust and the candidate left without a stat.
    fn candidate_of(
        &self,
        path: &Path,
        regular: Option<std::fs::FileType>,
    ) -> Result<Option<Found>, FileError> {
        let Some(id) = article_id(&self.0.path, path) else {
            return Ok(None);
        };
        let too_long = || FileError::IdTooLong(id.len());
        let candidate = |stat, through| Candidate {
            path: path.to_owned(),
            id: id.clone(),
            stat,
            root: self.clone(),
            through,
        };
        // Checked once the path is known to be a file: a folder (a link to
        // one) under a long path is listed, not refused.
        let long = id.len() > super::MAX_ID_BYTES;
        if regular.is_some_and(|t| t.is_file()) {
            return if long {
                Err(too_long())
            } else {
                Ok(Some(Found::Candidate(candidate(None, Vec::new()))))
            };
        }
        let meta = std::fs::symlink_metadata(path)?;
        let (meta, through) = if meta.file_type().is_symlink() {
            let target = std::fs::metadata(self.link_target(path)?)?;
            (target, self.through(path))
        } else {
            (meta, Vec::new())
        };
        if meta.is_dir() {
            // A link to a folder inside the store: its files are listed under
            // their real path. Named as an article, it is known by where it
            // leads: a file there in the folder's place makes it one.
            return Ok((!through.is_empty()).then_some(Found::FolderLink(through)));
        }
        if !meta.is_file() {
            return Err(FileError::NotRegular);
        }
        if long {
            return Err(too_long());
        }
        Ok(Some(Found::Candidate(candidate(
            Some(Stat::of(&meta)),
            through,
        ))))
    }

    /// The paths in the store (under the root as configured) that the symlink
    /// at `link` leads through: each further link of its chain, then the path
    /// it ends at, whether or not a file is there; empty when `link` is no
    /// link. A change at any of them can change what the link gives, and no
    /// event names the link then (see [`crate::links`]). The chain is followed
    /// one link at a time, each folder on the way resolved, and stops where it
    /// leaves the store (what is outside is never read), at a folder, or after
    /// [`MAX_HOPS`] links (the kernel's own limit: a longer chain is a loop).
    pub fn through(&self, link: &Path) -> Vec<PathBuf> {
        let mut hops: Vec<PathBuf> = Vec::new();
        let mut at = link.to_owned();
        for _ in 0..MAX_HOPS {
            let Ok(target) = std::fs::read_link(&at) else {
                break;
            };
            let next = at.parent().unwrap_or(Path::new("")).join(target);
            let Some(next) = self.resolved_in_store(&next) else {
                break;
            };
            if next == link || hops.contains(&next) {
                break;
            }
            hops.push(next.clone());
            at = next;
        }
        hops
    }

    /// `path` with its folders resolved (its last name kept, link or not), as
    /// a path under the root as configured; `None` when it is outside the
    /// store or ends in no name (`..`, a folder). A folder that does not exist
    /// yet is resolved by its names alone (`..` taken off what is before it),
    /// so a link to a file whose folder is yet to come is known to lead there.
    fn resolved_in_store(&self, path: &Path) -> Option<PathBuf> {
        let name = path.file_name()?;
        let folder = path.parent().unwrap_or(Path::new(""));
        let resolved = match folder.canonicalize() {
            Ok(real) => {
                let inside = real.strip_prefix(&self.0.canonical).ok()?;
                self.0.path.join(inside)
            }
            Err(_) => lexically_normal(folder)?,
        };
        let resolved = resolved.join(name);
        (resolved.starts_with(&self.0.path) && resolved != self.0.path).then_some(resolved)
    }

    /// The real path a symlink at `link` leads to, which must be inside the
    /// store and not under an ignored name: a link out of it, into an ignored
    /// folder (`../.private/x.txt`) or to an ignored file, to nothing, or in a
    /// loop is refused.
    fn link_target(&self, link: &Path) -> Result<PathBuf, FileError> {
        let target = link.canonicalize().map_err(|e| link_error(link, e))?;
        let Ok(inside) = target.strip_prefix(&self.0.canonical) else {
            return Err(FileError::OutsideStore(target));
        };
        let ignored = inside.components().find_map(|c| match c {
            Component::Normal(name) => {
                let name = name.to_string_lossy();
                is_ignored(&name).then(|| name.into_owned())
            }
            _ => None,
        });
        if let Some(name) = ignored {
            return Err(FileError::IgnoredTarget {
                link: link.to_owned(),
                target,
                name,
            });
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
    /// file opened is inside the store, with either [`Resolver`].
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
            Resolver::Walk => self.open_walk(path, rel),
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
        let inside = self.link_target_inside(path)?;
        beneath(&inside, READ_FLAGS)
            .map(File::from)
            .map_err(|e| open_error(path, e))
    }

    /// Where the file link at `path` leads, relative to the real root: the
    /// link's target must be a path inside the store other than the root itself.
    fn link_target_inside(&self, path: &Path) -> Result<PathBuf, FileError> {
        let target = self.link_target(path)?;
        let inside = target
            .strip_prefix(&self.0.canonical)
            .map_err(|_| FileError::OutsideStore(target.clone()))?;
        if inside.as_os_str().is_empty() {
            // A link to the root folder itself.
            return Err(FileError::NotRegular);
        }
        Ok(inside.to_owned())
    }

    /// [`Root::open_file`] one component at a time ([`Resolver::Walk`]).
    ///
    /// The same rule as [`Root::open_beneath`]: a folder that is a link is
    /// refused; a link as the last component is resolved, checked to lead
    /// inside the store, and its target opened from the root again step by
    /// step, so a link swapped in after the check makes the open fail instead
    /// of leading out.
    fn open_walk(&self, path: &Path, rel: &Path) -> Result<File, FileError> {
        match self.open_by_steps(rel, READ_FLAGS) {
            Ok(fd) => return Ok(File::from(fd)),
            Err(Step::LinkedFile) => {}
            Err(Step::LinkedFolder) => return Err(FileError::SymlinkedFolder),
            Err(Step::NotBeneath) => return Err(FileError::OutsideStore(path.to_owned())),
            Err(Step::Os(e)) => return Err(open_error(path, e)),
        }
        let inside = self.link_target_inside(path)?;
        match self.open_by_steps(&inside, READ_FLAGS) {
            Ok(fd) => Ok(File::from(fd)),
            // Checked a moment ago to have no link: one was swapped in since.
            Err(Step::LinkedFile | Step::LinkedFolder) => Err(open_error(path, Errno::LOOP)),
            Err(Step::NotBeneath) => Err(FileError::OutsideStore(path.to_owned())),
            Err(Step::Os(e)) => Err(open_error(path, e)),
        }
    }

    /// Opens `rel` (names only) with `flags`, starting from the root's
    /// descriptor and following no link: each folder with `openat(FOLDER_STEP)`
    /// relative to the one before, then the last component with
    /// `flags | O_NOFOLLOW`. Plain `openat` without `O_CREAT`, which the
    /// seccomp filters that refuse `openat2` let through.
    fn open_by_steps(&self, rel: &Path, flags: OFlags) -> Result<OwnedFd, Step> {
        let names = rel
            .components()
            .map(|c| match c {
                Component::Normal(name) => Ok(name),
                _ => Err(Step::NotBeneath),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (file, folders) = names.split_last().ok_or(Step::NotBeneath)?;
        let mut folder: Option<OwnedFd> = None;
        for name in folders {
            let at = folder
                .as_ref()
                .map_or_else(|| self.0.dir.as_fd(), AsFd::as_fd);
            let next = rustix::fs::openat(at, *name, FOLDER_STEP, Mode::empty()).map_err(|e| {
                match e {
                    Errno::LOOP => Step::LinkedFolder,
                    // O_PATH with O_NOFOLLOW opens a link itself, and
                    // O_DIRECTORY then refuses it as not a folder.
                    Errno::NOTDIR if is_link(at, name) => Step::LinkedFolder,
                    e => Step::Os(e),
                }
            })?;
            folder = Some(next);
        }
        let at = folder
            .as_ref()
            .map_or_else(|| self.0.dir.as_fd(), AsFd::as_fd);
        rustix::fs::openat(at, *file, flags | OFlags::NOFOLLOW, Mode::empty()).map_err(
            |e| match e {
                Errno::LOOP => Step::LinkedFile,
                e => Step::Os(e),
            },
        )
    }

    /// Opens `rel` (names only) beneath the root for reading, following no
    /// link at all, not even as its last component, with the resolver in
    /// force: `bantin build` looks so at the files of its last build, since
    /// a file behind a link is never one it may keep. `None` on any refusal.
    pub fn open_unlinked(&self, rel: &Path) -> Option<File> {
        let opened = match self.0.resolver {
            Resolver::Beneath => {
                rustix::fs::openat2(&self.0.dir, rel, READ_FLAGS, Mode::empty(), NO_LINKS).ok()
            }
            Resolver::Walk => self.open_by_steps(rel, READ_FLAGS).ok(),
        };
        opened.map(File::from)
    }

    /// Reads at most `cap` bytes of the regular file at `path`, opened through
    /// the boundary ([`Root::open_file`]), refusing anything else without blocking.
    pub fn read_capped(&self, path: &Path, cap: u64) -> Result<(Vec<u8>, Metadata), FileError> {
        let mut bytes = Vec::new();
        let meta = self.read_capped_into(path, cap, &mut bytes)?;
        Ok((bytes, meta))
    }

    /// [`Root::read_capped`] into `bytes` (cleared first), so a caller reading
    /// many files reuses one buffer instead of allocating one per file.
    pub fn read_capped_into(
        &self,
        path: &Path,
        cap: u64,
        bytes: &mut Vec<u8>,
    ) -> Result<Metadata, FileError> {
        super::progressed();
        bytes.clear();
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
        let len = usize::try_from(meta.len()).unwrap_or(0);
        bytes.reserve(len);
        // One read of the size fstat gave is nearly always the whole file, and
        // then reading on only to be told "end of file" would cost a second
        // call per file of a scan. Bytes appended since the fstat change the
        // size and mtime, which brings the file back to be read again.
        if len > 0 {
            match rustix::io::read(&file, rustix::buffer::spare_capacity(bytes)) {
                // Interrupted: read on below.
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(std::io::Error::from(e).into()),
            }
        }
        if bytes.len() < len {
            (&file)
                .take(cap + 1 - bytes.len() as u64)
                .read_to_end(bytes)?;
        }
        if bytes.len() as u64 > cap {
            // It grew while read: its size now, which the message gives
            // (and which tells one refusal of it from the next).
            let now = file.metadata().map_or(0, |m| m.len());
            return Err(FileError::TooLarge {
                size: now.max(bytes.len() as u64),
                cap,
            });
        }
        Ok(meta)
    }
}

/// The longest chain of links followed: Linux's `MAXSYMLINKS`, past which a
/// resolution fails with `ELOOP`.
const MAX_HOPS: usize = 40;

/// `path` with `.` left out and each `..` taking off the name before it, by
/// the names alone; `None` if a `..` would climb above its start.
fn lexically_normal(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
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

/// Whether `name` in the folder `at` is a symlink (itself, not followed).
fn is_link(at: impl AsFd, name: &std::ffi::OsStr) -> bool {
    rustix::fs::statat(at, name, AtFlags::SYMLINK_NOFOLLOW)
        .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Symlink)
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
        e => FileError::io(path, e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FileError;

    #[test]
    fn capped_reads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.txt");
        std::fs::write(&p, vec![b'a'; 100]).unwrap();
        for resolver in [Resolver::Beneath, Resolver::Walk] {
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
        for resolver in [Resolver::Beneath, Resolver::Walk] {
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
        for resolver in [Resolver::Beneath, Resolver::Walk] {
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

    /// A link's chain as the catalog remembers it: each further link, then
    /// where it ends (there or not), under the root as configured, stopping
    /// where it leaves the store or loops.
    #[test]
    fn a_link_leads_through_each_link_of_its_chain_to_its_end() {
        let (dir, root, outside) = store_and_outside();
        // The store configured through a link to it: paths come back under
        // the configured root, not the real one.
        let configured = dir.path().join("via");
        std::os::unix::fs::symlink(&root, &configured).unwrap();
        let store = Root::open(&configured).unwrap();
        let at = |p: &str| configured.join(p);
        std::os::unix::fs::symlink("../a/x.txt", root.join("a/l1.txt")).unwrap();
        std::os::unix::fs::symlink("l1.txt", root.join("a/l2.txt")).unwrap();
        std::os::unix::fs::symlink(root.join("a/l2.txt"), root.join("l3.txt")).unwrap();
        std::os::unix::fs::symlink("chua-co/x.txt", root.join("a/sau.txt")).unwrap();
        std::os::unix::fs::symlink(outside.join("x.txt"), root.join("a/ra.txt")).unwrap();
        std::os::unix::fs::symlink("ra.txt", root.join("a/qua-ra.txt")).unwrap();
        std::os::unix::fs::symlink("vong.txt", root.join("a/vong.txt")).unwrap();
        assert_eq!(store.through(&at("a/l1.txt")), [at("a/x.txt")]);
        assert_eq!(
            store.through(&at("l3.txt")),
            [at("a/l2.txt"), at("a/l1.txt"), at("a/x.txt")]
        );
        // To a folder yet to come: known by the names.
        assert_eq!(store.through(&at("a/sau.txt")), [at("a/chua-co/x.txt")]);
        assert!(store.through(&at("a/ra.txt")).is_empty());
        // A chain out of the store: known up to where it leaves.
        assert_eq!(store.through(&at("a/qua-ra.txt")), [at("a/ra.txt")]);
        assert!(store.through(&at("a/vong.txt")).is_empty());
        assert!(store.through(&at("a/x.txt")).is_empty(), "no link");
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

    #[test]
    fn a_root_replaced_under_its_path_stays_the_boundary_until_reopened() {
        for resolver in [Resolver::Beneath, Resolver::Walk] {
            let (dir, root, _outside) = store_and_outside();
            let store = Root::open_with(&root, resolver).unwrap();
            // The root folder renamed away and another put at its path: this
            // root reads the folder it was opened on, never the newcomer.
            std::fs::rename(&root, dir.path().join("moved")).unwrap();
            std::fs::create_dir_all(root.join("a")).unwrap();
            std::fs::write(root.join("a/x.txt"), "newcomer").unwrap();
            assert!(store.replaced());
            let read = store.read_capped(&root.join("a/x.txt"), 100);
            assert_eq!(read.unwrap().0, b"inside", "{resolver:?}");
        }
    }

    #[test]
    fn a_step_by_step_open_follows_no_link_at_all() {
        let (_dir, root, outside) = store_and_outside();
        std::os::unix::fs::symlink(&outside, root.join("out")).unwrap();
        std::os::unix::fs::symlink("a", root.join("in")).unwrap();
        std::os::unix::fs::symlink("x.txt", root.join("a/y.txt")).unwrap();
        let store = Root::open_with(&root, Resolver::Walk).unwrap();
        let open = |rel: &str| store.open_by_steps(Path::new(rel), READ_FLAGS).map(|_| ());
        assert_eq!(open("a/x.txt"), Ok(()));
        // A folder that is a link at open time, out of the store or inside it.
        assert_eq!(open("out/x.txt"), Err(Step::LinkedFolder));
        assert_eq!(open("in/x.txt"), Err(Step::LinkedFolder));
        // A link as the last component is reported, never followed.
        assert_eq!(open("a/y.txt"), Err(Step::LinkedFile));
        assert_eq!(open("out"), Err(Step::LinkedFile));
        // Only names: no climbing, no empty path, no absolute path.
        assert_eq!(open("a/../a/x.txt"), Err(Step::NotBeneath));
        assert_eq!(open(""), Err(Step::NotBeneath));
        assert_eq!(
            open(&root.join("a/x.txt").to_string_lossy()),
            Err(Step::NotBeneath)
        );
        // A file where a folder should be is an ordinary refusal, not a link.
        assert_eq!(open("a/x.txt/z"), Err(Step::Os(Errno::NOTDIR)));
        assert_eq!(open("a/none.txt"), Err(Step::Os(Errno::NOENT)));
    }
}
