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

use std::fs::Metadata;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use chrono_tz::Tz;
use unicode_normalization::UnicodeNormalization;

use crate::article::{self, ArticleError, Depth, Parsed};
use crate::text::{self, TextError};

mod root;

pub use root::{Resolver, Root};

/// Entries listed and files read since the process started: how a long
/// start-up shows that it is moving (see `systemd::extend_while_loading`).
pub static PROGRESS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One more entry listed or file read (see [`PROGRESS`]).
fn progressed() {
    PROGRESS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Why a candidate file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be opened or read.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// Its path (from the root of the file system) is longer than the system
    /// takes in one call.
    #[error("path too long: {0} bytes, over the system's limit of {PATH_MAX} bytes on a path; shorten its folder or file names")]
    PathTooLong(usize),
    /// Its path under the store, the article id, is too long for the
    /// article's URL (see [`MAX_ID_BYTES`]).
    #[error("path under the store too long: {0} bytes, over the {MAX_ID_BYTES} an article id may have, or the article's URL would be longer than a server answers; shorten its folder or file names")]
    IdTooLong(usize),
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
    #[error("symlink to {0} outside the store; not followed (fix or remove the link)")]
    OutsideStore(PathBuf),
    /// A symlink to a file in an ignored folder, or with an ignored name:
    /// what is ignored is never read, whichever way the path arrives.
    #[error("symlink {} leads to {}, where {name:?} is an ignored name; ignored files and folders are never read, so it is not followed (fix or remove the link)", link.display(), target.display())]
    IgnoredTarget {
        /// The link.
        link: PathBuf,
        /// Where it leads, resolved.
        target: PathBuf,
        /// The ignored file or folder name on the target's path.
        name: String,
    },
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
    /// A folder the system refuses to list for want of permission (the
    /// editor's private `0700` folder of another user): none of its files is
    /// read, so the message says what lets them in.
    #[error("cannot list this folder: permission denied; none of its files is served until the user bantin runs as may read and enter it (give that user read and execute permission on the folder)")]
    FolderDenied,
    /// Another file (first by path) already gives this article id: named,
    /// so the editor knows which two files clash.
    #[error(
        "another file, {}, already gives the article id \"{id}\"; {}",
        holder.display(),
        match look_alike {
            Alike::No => "rename one of them",
            Alike::Normalization => {
                "its name differs from this one's only in how its accented letters are encoded \
                 (Unicode NFC and NFD), so the two look the same: remove or rename one of them"
            }
            Alike::Encoding => {
                "the two names are one once what is not UTF-8 in them is read as \
                 Windows-1258 (as names copied from older systems are): the same name saved \
                 twice, in two encodings; remove one, or rename it in UTF-8"
            }
        }
    )]
    DuplicateId {
        /// The id both files give.
        id: String,
        /// The file that gives it and keeps it.
        holder: PathBuf,
        /// Whether the two names are one as read (see [`name_as_read`]).
        look_alike: Alike,
    },
    /// The parser panicked on this file: a bug in bantin, not in the file.
    #[error("the parser panicked on this file (a bug in bantin: please report it with the file)")]
    ParserPanic,
}

/// The system's limit on a path given in one call, terminating NUL included
/// (Linux's `PATH_MAX`).
pub const PATH_MAX: usize = 4096;

/// The most bytes an article id (a path under the store, without its
/// extension) may have. Its page is at `/articles/<id>` percent-encoded, up
/// to three bytes per byte of the id, and the server answers request
/// targets of at most 8 KiB (RFC 9112 §3 asks for 8,000 octets): an id of
/// 2,048 bytes keeps every article's URL within that, with room for a
/// query. Real ids are tens of bytes; this is a crawler's runaway folders.
pub const MAX_ID_BYTES: usize = 2048;

impl FileError {
    /// The error for `path` failing with `e`: named for what it is when the
    /// system refused a path too long, which its own message ("File name too
    /// long") would blame on one name.
    pub fn io(path: &Path, e: std::io::Error) -> FileError {
        // One name over the file system's limit fails the same way: that is
        // the system's message to give.
        let len = path.as_os_str().len();
        if e.raw_os_error() == Some(libc::ENAMETOOLONG) && len >= PATH_MAX {
            return FileError::PathTooLong(len);
        }
        FileError::Io(e)
    }

    /// Whether reading the same file again may well succeed: the system ran
    /// short (open files, memory, buffers), the call was interrupted, or the
    /// device failed this once. Such a failure says nothing of the file, so
    /// it is read again at the next reconciliation even if unchanged.
    pub fn transient(&self) -> bool {
        use rustix::io::Errno;
        let FileError::Io(e) = self else {
            return false;
        };
        matches!(
            Errno::from_io_error(e),
            Some(
                Errno::MFILE
                    | Errno::NFILE
                    | Errno::NOMEM
                    | Errno::NOBUFS
                    | Errno::AGAIN
                    | Errno::INTR
                    | Errno::IO
            )
        )
    }
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
    /// For a symlink, the paths in the store it leads through (see
    /// [`Root::through`]); empty for a file that is no link.
    pub through: Vec<PathBuf>,
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
    /// What no file's stat is (no file is `u64::MAX` bytes long): recorded for
    /// a file whose read failed for reasons not its own
    /// ([`FileError::transient`]), so that it differs from whatever the file's
    /// stat is and the next reconciliation reads it again.
    pub const UNREAD: Stat = Stat {
        len: u64::MAX,
        modified: None,
    };

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
    /// For a symlink refused (to nothing, in a loop, out of the store, to an
    /// ignored name, to a FIFO or a socket), the paths in the store it leads
    /// through (see [`Root::through`]): a file made there may make it good.
    pub through: Vec<PathBuf>,
}

/// A symlink named as an article that leads to a folder in the store: no
/// article and no refusal (the folder's files are listed under their real
/// paths), but known for where it leads, since a file put there in place of
/// the folder makes it an article again, and only the target's path is in
/// that event.
#[derive(Debug)]
pub struct FolderLink {
    /// The link.
    pub path: PathBuf,
    /// The paths in the store it leads through (see [`Root::through`]).
    pub through: Vec<PathBuf>,
}

/// One entry of a listing.
#[derive(Debug)]
pub enum Listed {
    /// An article candidate.
    Candidate(Candidate),
    /// An entry seen and refused.
    Rejected(Rejected),
    /// A link named as an article that leads to a folder: neither served nor
    /// refused (see [`FolderLink`]).
    FolderLink(FolderLink),
}

impl Listed {
    /// The path the entry names.
    pub fn path(&self) -> &Path {
        match self {
            Listed::Candidate(c) => &c.path,
            Listed::Rejected(r) => &r.path,
            Listed::FolderLink(f) => &f.path,
        }
    }
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
    ignored(name).is_some()
}

/// Why a name is ignored (see [`is_ignored`]): what `bantin check` says of a
/// path named on its command line that the daemon never reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// `.name`: hidden files and folders.
    Hidden,
    /// `name~`, `*.bak`: backups.
    Backup,
    /// `#name#`: an Emacs auto-save.
    AutoSave,
    /// `*.swp`, `*.swo`, `*.swx`: vim's swap files.
    Swap,
    /// `*.tmp`, and the temp names of atomic saves (see [`is_temp_name`]).
    Temp,
    /// `*.part`, `*.crdownload`: unfinished downloads.
    Download,
}

impl std::fmt::Display for Ignored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ignored::Hidden => "dot-files and dot-folders (hidden)",
            Ignored::Backup => "*~ and *.bak files (backups)",
            Ignored::AutoSave => "#*# files (editor auto-saves)",
            Ignored::Swap => "*.swp, *.swo and *.swx files (editor swap files)",
            Ignored::Temp => {
                "*.tmp files and the temp names of atomic saves (4913, sedXXXXXX, tmpXXXXXXXX)"
            }
            Ignored::Download => "*.part and *.crdownload files (unfinished downloads)",
        })
    }
}

/// Why `name` is never an article, if it is not (see [`is_ignored`]).
pub fn ignored(name: &str) -> Option<Ignored> {
    let ends = |exts: &[&str]| exts.iter().any(|ext| name.ends_with(ext));
    if name.starts_with('.') {
        Some(Ignored::Hidden)
    } else if name.ends_with('~') || ends(&[".bak"]) {
        Some(Ignored::Backup)
    } else if name.starts_with('#') && name.ends_with('#') {
        Some(Ignored::AutoSave)
    } else if is_temp_name(name) || ends(&[".tmp"]) {
        Some(Ignored::Temp)
    } else if ends(&[".swp", ".swo", ".swx"]) {
        Some(Ignored::Swap)
    } else if ends(&[".part", ".crdownload"]) {
        Some(Ignored::Download)
    } else {
        None
    }
}

/// Whether `name` is a temp file name that well-known tools make in the
/// folder of the file they save, to rename it over that file a moment later:
/// vim's write test `4913`; GNU `sed -i`'s `sedXXXXXX` (six letters or
/// digits); Python's `tempfile` default `tmpXXXXXXXX` (eight lowercase
/// letters, digits or `_`). None has an extension, as an article file
/// usually has.
fn is_temp_name(name: &str) -> bool {
    let random =
        |rest: &str, len: usize, ok: fn(u8) -> bool| rest.len() == len && rest.bytes().all(ok);
    name == "4913"
        || name
            .strip_prefix("sed")
            .is_some_and(|rest| random(rest, 6, |b| b.is_ascii_alphanumeric()))
        || name.strip_prefix("tmp").is_some_and(|rest| {
            random(rest, 8, |b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
            })
        })
}

/// A file or folder name as an id reads it: UTF-8, with each run of bytes
/// that is not read as Windows-1258 (names copied from older Vietnamese
/// systems), so each such name gives a name of its own where U+FFFD for
/// every bad byte would make `bài` and `băi` both `b�i`; then NFC (a
/// decomposed name, or a tone written as a combining mark, is composed).
pub fn name_as_read(name: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    let composed = |name: String| {
        // File names are mostly ASCII, which is NFC as it is.
        if name.is_ascii() {
            name
        } else {
            name.nfc().collect()
        }
    };
    if let Some(name) = name.to_str() {
        return composed(name.to_owned());
    }
    let mut read = String::new();
    for chunk in name.as_bytes().utf8_chunks() {
        read.push_str(chunk.valid());
        read.push_str(
            &encoding_rs::WINDOWS_1258
                .decode_without_bom_handling(chunk.invalid())
                .0,
        );
    }
    composed(read)
}

/// How two files that give one id have names alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alike {
    /// Their paths differ as read (`a.txt` and `a.md`).
    No,
    /// Both UTF-8, one once in NFC: they print alike.
    Normalization,
    /// One not UTF-8, the other once read as Windows-1258.
    Encoding,
}

/// The stable article id of `path` under `root`: the relative path without its
/// extension, `/`-separated, each name as [`name_as_read`] reads it. `None`
/// when the path is not under the root or any part of it is ignored.
pub fn article_id(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for c in rel.components() {
        let Component::Normal(name) = c else {
            return None;
        };
        let name = name_as_read(name);
        if is_ignored(&name) {
            return None;
        }
        parts.push(name);
    }
    let last = parts.last_mut()?;
    if let Some((stem, _ext)) = last.rsplit_once('.').filter(|(stem, _)| !stem.is_empty()) {
        *last = stem.to_owned();
    }
    Some(parts.join("/"))
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
    /// The article and its warnings (at most [`article::WARNINGS_KEPT`] and
    /// one counting the rest).
    pub parsed: Parsed,
    /// How many of its warnings were left out.
    pub warnings_left_out: usize,
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
    // The folder the id names, not the path's: a file at the store's root is in
    // no folder, whatever the store itself is called.
    let folder =
        c.id.rsplit_once('/')
            .map(|(dirs, _)| dirs.rsplit('/').next().unwrap_or(dirs));
    let src = article::Source {
        id: &c.id,
        folder,
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
    let warnings_left_out = article::cap_warnings(&mut warnings);
    parsed.warnings = warnings;
    Ok(Loaded {
        parsed,
        stat,
        warnings_left_out,
    })
}

/// The 128-bit XXH3 hash of `bytes`: what tells a store file's new content from
/// its old (see [`crate::index::Entry::digest`]), and an input of the tags of
/// what is rendered on demand (which BLAKE3 hashes with the rest). A scan
/// hashes every byte of the store, and for files of a few KB XXH3 is several
/// times faster than a cryptographic hash. That is enough: a collision would
/// have to be made on purpose, by whoever writes the store, which can serve
/// anything anyway.
pub fn digest(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_ignored_name_says_why() {
        for (name, why) in [
            (".git", Ignored::Hidden),
            ("a.txt~", Ignored::Backup),
            ("a.bak", Ignored::Backup),
            ("#a#", Ignored::AutoSave),
            ("a.swp", Ignored::Swap),
            ("a.tmp", Ignored::Temp),
            ("sedAb12Cd", Ignored::Temp),
            ("4913", Ignored::Temp),
            ("a.part", Ignored::Download),
            ("a.crdownload", Ignored::Download),
        ] {
            assert_eq!(ignored(name), Some(why), "{name}");
            assert!(is_ignored(name), "{name}");
        }
        assert_eq!(ignored("a.txt"), None);
        assert_eq!(Ignored::Backup.to_string(), "*~ and *.bak files (backups)");
    }

    #[test]
    fn ignored_names() {
        for n in [
            ".hidden",
            "a.swp",
            "a~",
            "a.tmp",
            "a.part",
            "#a#",
            ".git",
            "4913",
            "sedAb12Cd",
            "tmpk3j_9x2a",
        ] {
            assert!(is_ignored(n), "{n}");
        }
        for n in [
            "a.txt",
            "bài viết.txt",
            "a#b",
            "tmp",
            "4913.txt",
            "sedAb12Cd.txt",
            "sed-ab12cd",
            "tmpk3j_9x2a.txt",
            "tmpK3J_9X2A",
            "tmp-ho-so-1",
        ] {
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

        // Names that are not UTF-8 are read as Windows-1258: `bài` and `băi`
        // saved by an older system give their own ids, not both `b\u{fffd}i`;
        // a tone written as a combining mark (`a` + 0xEC, `a` + 0xDE) is
        // composed, as an NFD name is.
        use std::os::unix::ffi::OsStrExt;
        let legacy = |b: &[u8]| article_id(root, Path::new(std::ffi::OsStr::from_bytes(b)));
        assert_eq!(legacy(b"/s/tin/b\xe0i.txt").as_deref(), Some("tin/bài"));
        assert_eq!(legacy(b"/s/tin/b\xe3i.txt").as_deref(), Some("tin/băi"));
        assert_eq!(legacy(b"/s/tin/ba\xdei.txt").as_deref(), Some("tin/bãi"));
        assert_eq!(legacy(b"/s/tin/ba\xeci.txt").as_deref(), Some("tin/bái"));
        assert_eq!(legacy(b"/s/x\xff/a.txt").as_deref(), Some("xÿ/a"));
        assert_eq!(
            legacy(b"/s/gi\xe1-100\xfe.txt").as_deref(),
            Some("giá-100₫")
        );
        // Only the bytes that are not UTF-8 are read so: a name valid but
        // for one stray byte keeps its letters.
        assert_eq!(
            legacy(
                "/s/tốt"
                    .as_bytes()
                    .iter()
                    .chain(b"\xff.txt")
                    .copied()
                    .collect::<Vec<u8>>()
                    .as_slice()
            )
            .as_deref(),
            Some("tốtÿ")
        );
        // Each byte its own character: two names apart stay apart.
        assert_ne!(legacy(b"/s/bad\xfe.txt"), legacy(b"/s/bad\xff.txt"));
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
}
