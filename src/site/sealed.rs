//! A body's bytes copied into a sealed memfd, so the server can send them with
//! `sendfile(2)`: the kernel then hands the socket the file's pages instead of
//! copying the body out of user memory on every response.
//!
//! The copy is made the first time a body is sent whole over HTTP/1, not at render: most
//! of a large store's representations are never asked for, and each copy is
//! as large as its body (shared memory, counted in the service's cgroup, not
//! in its RSS). Sealing (`F_SEAL_WRITE`, `F_SEAL_SHRINK`, `F_SEAL_GROW`, then
//! `F_SEAL_SEAL`) makes the file's bytes immutable for as long as it lives,
//! so what is sent is what the ETag was computed from.

use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::sync::{Arc, OnceLock};

use rustix::fs::{MemfdFlags, SealFlags};

/// Bodies smaller than this are written from memory with their header block
/// in one write: below it, `sendfile`'s own cost outweighs the copy it saves.
pub const SENDFILE_MIN: usize = 16 * 1024;

/// A sealed memfd holding exactly one body's bytes, from offset 0.
#[derive(Debug, Clone)]
pub struct Sealed(pub Arc<OwnedFd>);

/// A body's [`Sealed`] copy, made once, on first use; clones share it, so a
/// response can carry it to the server, which makes it only if it sends the
/// body with `sendfile` (HTTP/2 and HEAD never do).
#[derive(Debug, Clone, Default)]
pub struct SealedCopy(Arc<OnceLock<Option<Sealed>>>);

impl SealedCopy {
    /// The sealed copy of `bytes` (the bytes of the body this belongs to),
    /// made on the first call; `None` for a body under [`SENDFILE_MIN`] or if
    /// the copy could not be made (logged once: the body is then written from
    /// memory, as before).
    pub fn get(&self, bytes: &[u8]) -> Option<Sealed> {
        if bytes.len() < SENDFILE_MIN {
            return None;
        }
        self.0
            .get_or_init(|| match seal(bytes) {
                Ok(fd) => Some(Sealed(Arc::new(fd))),
                Err(e) => {
                    tracing::warn!(
                        bytes = bytes.len(),
                        "cannot copy a body into a memfd ({e}); it is sent from memory"
                    );
                    None
                }
            })
            .clone()
    }
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
        let first = copy.get(&bytes).expect("a memfd for a large body");
        let again = copy.get(&bytes).expect("the same memfd");
        assert!(Arc::ptr_eq(&first.0, &again.0));

        let mut file = File::from(first.0.try_clone().unwrap());
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

        assert!(SealedCopy::default().get(b"<rss/>").is_none());
    }
}
