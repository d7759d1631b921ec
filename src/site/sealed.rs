//! A body's bytes copied into a file, so the server can send them with
//! `sendfile(2)`: the kernel then hands the socket the file's pages instead of
//! copying the body out of user memory on every response.
//!
//! The copy is made the first time a body is sent whole over HTTP/1, not at render: most
//! of a large store's representations are never asked for, and each copy is
//! as large as its body. Where it is made:
//!
//! - In the body folder (`[http] body_dir`, or systemd's `CacheDirectory=`),
//!   as an unnamed file (`O_TMPFILE`): it never has a name, so no other
//!   process can open it, and it is gone when the last response using it is.
//!   Its pages are the file system's page cache, counted in the service's
//!   cgroup and reclaimable (a copy the kernel drops is read back from disk).
//!   Where that page cache holds large folios (XFS; ext4 from Linux 6.16),
//!   `sendfile` takes a 400 KB body in a few folios rather than a hundred
//!   pages, one lookup and one reference each: on this project's bench that
//!   was 15–20% of the CPU an identity response cost (README, "Serving cost
//!   against a tuned nginx"), and what a tuned nginx, serving files, had over
//!   bantin.
//! - Without a folder, in a sealed memfd: shared memory in 4 KiB pages, not
//!   reclaimable without swap. Sealing (`F_SEAL_WRITE`, `F_SEAL_SHRINK`,
//!   `F_SEAL_GROW`, then `F_SEAL_SEAL`) makes its bytes immutable.
//!
//! Either way the bytes are written once, before the copy is shared, and never
//! again, so what is sent is what the ETag was computed from.
//!
//! Each copy holds an open file, out of the same table connections and store
//! reads draw on: copies are made only while fewer than [`allow`]'s number
//! are held ([`crate::open_files`]), so that no client asking for many large
//! bodies can fill the table and stop `accept`.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use rustix::fs::{MemfdFlags, Mode, OFlags, SealFlags};

/// Bodies smaller than this are written from memory with their header block
/// in one write: below it, `sendfile`'s own cost outweighs the copy it saves.
pub const SENDFILE_MIN: usize = 16 * 1024;

/// A file holding exactly one body's bytes, from offset 0, which nothing
/// writes again: an unnamed file in the body folder, or a sealed memfd.
#[derive(Debug, Clone)]
pub struct Sealed(Arc<Held>);

impl AsFd for Sealed {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.fd.as_fd()
    }
}

/// A copy's descriptor, counted among those held until it closes.
#[derive(Debug)]
struct Held {
    fd: OwnedFd,
    _counted: Counted,
}

/// The copies the daemon holds.
static COPIES: Budget = Budget::new();

/// Sets how many copies may be held at once: what the open-file limit leaves
/// after connections and the daemon's own files ([`crate::open_files`]). A
/// lower figure than is held frees nothing; copies are not made again until
/// enough have closed with their bodies.
pub fn allow(copies: usize) {
    COPIES.allowed.store(copies, Ordering::Relaxed);
}

/// Whether a copy could be made now: fewer are held than [`allow`] allows
/// (the first time not, logged).
pub fn room() -> bool {
    let allowed = COPIES.allowed.load(Ordering::Relaxed);
    let room = COPIES.held.load(Ordering::Relaxed) < allowed;
    if !room {
        warn_once_full(allowed);
    }
    room
}

/// Copies held, and how many may be.
#[derive(Debug)]
struct Budget {
    held: AtomicUsize,
    allowed: AtomicUsize,
}

impl Budget {
    const fn new() -> Budget {
        Budget {
            held: AtomicUsize::new(0),
            allowed: AtomicUsize::new(usize::MAX),
        }
    }

    /// Counts a copy of `bytes`, if one more is allowed.
    fn take(&'static self, bytes: usize) -> Option<Counted> {
        let allowed = self.allowed.load(Ordering::Relaxed);
        let taken = self
            .held
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |held| {
                (held < allowed).then_some(held + 1)
            });
        if taken.is_err() {
            warn_once_full(allowed);
            return None;
        }
        metrics::gauge!("bantin_body_copies").increment(1.0);
        metrics::gauge!("bantin_body_copy_bytes").increment(bytes as f64);
        Some(Counted {
            budget: self,
            bytes,
        })
    }
}

/// One copy of `bytes` bytes, counted in its budget and `/metrics` until dropped.
#[derive(Debug)]
struct Counted {
    budget: &'static Budget,
    bytes: usize,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.budget.held.fetch_sub(1, Ordering::AcqRel);
        metrics::gauge!("bantin_body_copies").decrement(1.0);
        metrics::gauge!("bantin_body_copy_bytes").decrement(self.bytes as f64);
    }
}

/// Logs, once per process, that copies reached their share of open files.
fn warn_once_full(allowed: usize) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    // Read first: when full, every large response asks.
    if !WARNED.load(Ordering::Relaxed) && !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "body copies hold their share of open files ({allowed}); larger bodies are \
             sent from memory until some are freed (reported once; bantin_body_copies \
             in /metrics shows how many are held)"
        );
    }
}

/// A body's [`Sealed`] copy, made once, on first use; clones share it, so a
/// response can carry it to the server, which makes it only if it sends the
/// body with `sendfile` (HTTP/2 and HEAD never do).
#[derive(Debug, Clone, Default)]
pub struct SealedCopy(Arc<Slot>);

/// What the clones of a [`SealedCopy`] share.
#[derive(Debug, Default)]
struct Slot {
    copy: OnceLock<Option<Sealed>>,
    /// Whether some caller has taken on making the copy (see [`SealedCopy::claim`]).
    claimed: AtomicBool,
}

impl SealedCopy {
    /// The copy, if it has been made.
    pub fn made(&self) -> Option<Sealed> {
        self.0.copy.get().cloned().flatten()
    }

    /// True for the first caller only: it takes on making the copy (with
    /// [`SealedCopy::get`], off the async threads: writing a file can wait
    /// on the disk), while the others send the body from memory meanwhile.
    pub fn claim(&self) -> bool {
        !self.0.claimed.swap(true, Ordering::AcqRel)
    }

    /// The copy of `bytes` (the bytes of the body this belongs to), made on
    /// the first call, in `dir` (the body folder) or else in a memfd; `None`
    /// for a body under [`SENDFILE_MIN`] or if no copy could be made (logged:
    /// the body is then written from memory, as before).
    pub fn get(&self, bytes: &[u8], dir: Option<&Path>) -> Option<Sealed> {
        if bytes.len() < SENDFILE_MIN {
            return None;
        }
        if let Some(made) = self.0.copy.get() {
            return made.clone();
        }
        let Some(counted) = COPIES.take(bytes.len()) else {
            // No room now: a later response may make it once copies close.
            self.0.claimed.store(false, Ordering::Release);
            return None;
        };
        self.0
            .copy
            .get_or_init(|| {
                let in_dir = dir.and_then(|dir| {
                    unnamed_file(dir, bytes)
                        .inspect_err(|e| warn_once_for_folder(dir, e))
                        .ok()
                });
                match in_dir.map_or_else(|| seal(bytes), Ok) {
                    Ok(fd) => Some(Sealed(Arc::new(Held {
                        fd,
                        _counted: counted,
                    }))),
                    Err(e) => {
                        tracing::warn!(
                            bytes = bytes.len(),
                            "cannot copy a body into a memfd ({e}); it is sent from memory"
                        );
                        None
                    }
                }
            })
            .clone()
    }
}

/// Logs, once per process, that the body folder refused a copy (a full disk,
/// a folder removed under the daemon): every body would say the same.
fn warn_once_for_folder(dir: &Path, e: &std::io::Error) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            dir = %dir.display(),
            "cannot keep a body copy in the body folder ({e}); that copy, and any \
             other the folder refuses, goes to shared memory (reported once)"
        );
    }
}

/// A new unnamed file in `dir` holding `bytes` (`O_TMPFILE`: it has no name
/// for anyone to open, and it is freed when its last descriptor closes).
fn unnamed_file(dir: &Path, bytes: &[u8]) -> std::io::Result<OwnedFd> {
    let fd = rustix::fs::open(
        dir,
        // EXCL: the file can never be given a name (`linkat` refuses it).
        OFlags::TMPFILE | OFlags::EXCL | OFlags::RDWR | OFlags::CLOEXEC,
        Mode::RUSR | Mode::WUSR,
    )?;
    let mut file = File::from(fd);
    file.write_all(bytes)?;
    Ok(OwnedFd::from(file))
}

/// A new memfd holding `bytes`, sealed against every change.
fn seal(bytes: &[u8]) -> std::io::Result<OwnedFd> {
    let flags = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
    // Never executable (and required where `vm.memfd_noexec` is 2); kernels
    // before 6.3 do not know the flag and refuse it with EINVAL.
    let fd = match rustix::fs::memfd_create("bantin-body", flags | MemfdFlags::NOEXEC_SEAL) {
        Err(rustix::io::Errno::INVAL) => rustix::fs::memfd_create("bantin-body", flags)?,
        made => made?,
    };
    let mut file = File::from(fd);
    file.write_all(bytes)?;
    let fd = OwnedFd::from(file);
    rustix::fs::fcntl_add_seals(
        &fd,
        SealFlags::WRITE | SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL,
    )?;
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek};

    #[test]
    fn a_large_body_is_copied_once_and_cannot_change() {
        let bytes = "Tin tức tổng hợp. ".repeat(2000).into_bytes();
        let copy = SealedCopy::default();
        let first = copy.get(&bytes, None).expect("a memfd for a large body");
        let again = copy.get(&bytes, None).expect("the same memfd");
        assert!(Arc::ptr_eq(&first.0, &again.0));

        let mut file = File::from(first.0.fd.try_clone().unwrap());
        // The copy shares the offset the write left at the end.
        file.rewind().unwrap();
        let mut read = Vec::new();
        file.read_to_end(&mut read).unwrap();
        assert!(read == bytes, "the memfd holds {} other bytes", read.len());
        // Sealed: neither written, grown nor shrunk.
        file.rewind().unwrap();
        assert!(file.write_all(b"x").is_err());
        assert!(file.set_len(1).is_err());
        assert!(file.set_len(bytes.len() as u64 + 1).is_err());

        assert!(SealedCopy::default().get(b"<rss/>", None).is_none());
    }

    #[test]
    fn one_caller_claims_the_making_and_every_clone_sees_it_made() {
        let bytes = vec![b'x'; SENDFILE_MIN];
        let copy = SealedCopy::default();
        let other = copy.clone();
        assert!(copy.made().is_none());
        assert!(copy.claim());
        assert!(!other.claim() && !copy.claim(), "claimed twice");
        assert!(other.made().is_none(), "made before it was made");
        let sealed = copy.get(&bytes, None).unwrap();
        assert!(Arc::ptr_eq(&other.made().unwrap().0, &sealed.0));
    }

    #[test]
    fn copies_are_counted_until_they_close_and_refused_past_the_budget() {
        let budget: &'static Budget = Box::leak(Box::new(Budget::new()));
        budget.allowed.store(2, Ordering::Relaxed);
        let first = budget.take(SENDFILE_MIN).expect("room for one");
        let second = budget.take(SENDFILE_MIN).expect("room for two");
        assert!(
            budget.take(SENDFILE_MIN).is_none(),
            "a third past a budget of two"
        );
        assert_eq!(budget.held.load(Ordering::Relaxed), 2);
        drop(first);
        let third = budget
            .take(SENDFILE_MIN)
            .expect("room again once one closed");
        // Lowered below what is held: nothing is freed, nothing new is made.
        budget.allowed.store(1, Ordering::Relaxed);
        assert!(budget.take(SENDFILE_MIN).is_none());
        drop((second, third));
        assert_eq!(budget.held.load(Ordering::Relaxed), 0);
        assert!(budget.take(SENDFILE_MIN).is_some());
    }

    /// Where the process's descriptor `fd` points, as `/proc` tells.
    fn target(fd: &OwnedFd) -> std::path::PathBuf {
        use std::os::fd::AsRawFd;
        std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap()
    }

    #[test]
    fn with_a_body_folder_the_copy_is_an_unnamed_file_there() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = "Tin tức tổng hợp. ".repeat(2000).into_bytes();
        let copy = SealedCopy::default();
        let sealed = copy.get(&bytes, Some(dir.path())).expect("a copy");
        // An O_TMPFILE file shows as `<dir>/#<inode> (deleted)`.
        let shown = target(&sealed.0.fd);
        assert!(
            shown.starts_with(dir.path()) && shown.to_string_lossy().ends_with(" (deleted)"),
            "{}",
            shown.display()
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "it has no name"
        );
        let mut read = Vec::new();
        let mut file = File::from(sealed.0.fd.try_clone().unwrap());
        file.rewind().unwrap();
        file.read_to_end(&mut read).unwrap();
        assert!(read == bytes, "the file holds {} other bytes", read.len());
        // Made once: a later call, even with another folder, shares it.
        let again = copy.get(&bytes, None).unwrap();
        assert!(Arc::ptr_eq(&sealed.0, &again.0));
    }

    #[test]
    fn a_folder_that_refuses_files_falls_back_to_a_memfd() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("gone");
        let bytes = vec![b'x'; SENDFILE_MIN];
        let sealed = SealedCopy::default()
            .get(&bytes, Some(&missing))
            .expect("a memfd copy");
        assert!(
            target(&sealed.0.fd)
                .to_string_lossy()
                .starts_with("/memfd:bantin-body"),
            "{}",
            target(&sealed.0.fd).display()
        );
    }
}
