//! The daemon's open files: its limit, raised at start, and the share of it
//! that body copies may hold.
//!
//! Every connection holds a descriptor, and so does every body copy kept for
//! `sendfile` ([`crate::site::sealed`]): one per large representation sent,
//! which on a large store (thousands of tag feeds, archives) is thousands.
//! Under systemd the soft limit is 1024 unless the unit says otherwise, less
//! than `max_connections` alone (1024 by default). Once the table is full,
//! `accept(2)` fails with `EMFILE` and every client waits, and so does a
//! read of the store: a client asking for many large bodies could lock
//! everyone else out. So:
//!
//! - at start the soft limit is raised to the hard one, as servers built for
//!   many connections do (the soft limit of 1024 exists for programs that use
//!   `select(2)`, which bantin does not; systemd's default hard limit is
//!   524288);
//! - body copies are held only within what connections (two descriptors
//!   each at most) and bantin's own files leave of it ([`copies_allowed`]);
//!   past that a body is sent from memory, which costs CPU, never a client.

use std::fmt;

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

/// Descriptors bantin keeps for itself, besides connections and body copies:
/// standard streams, listeners, the runtime's epoll and wakers, the store
/// watcher, the journal, and the store files the scan, the watch thread and
/// renders of old months read (a few at a time each, at most
/// [`crate::server`]'s render turns at once).
pub const OWN_FILES: u64 = 128;

/// The open-file limit before and after [`raise`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The soft limit the daemon was started with.
    pub was: u64,
    /// The soft limit now.
    pub now: u64,
    /// Why it could not be raised, if it could not.
    pub refused: Option<rustix::io::Errno>,
}

/// The most a limit the kernel calls unlimited can be for open files (Linux's
/// default `fs.nr_open`): `RLIMIT_NOFILE` can never be set higher.
const UNLIMITED: u64 = 1 << 20;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit.
pub fn raise() -> Limit {
    let Rlimit { current, maximum } = getrlimit(Resource::Nofile);
    let was = current.unwrap_or(UNLIMITED);
    let hard = maximum.unwrap_or(UNLIMITED);
    if was >= hard {
        return Limit {
            was,
            now: was,
            refused: None,
        };
    }
    let raised = Rlimit {
        current: Some(hard),
        maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => Limit {
            was,
            now: hard,
            refused: None,
        },
        Err(e) => Limit {
            was,
            now: was,
            refused: Some(e),
        },
    }
}

/// Descriptors one connection may hold: its socket, and a second one while
/// hyper serves it (kept so its close can linger, see `server::linger`).
pub const PER_CONNECTION: u64 = 2;

/// The open files `max_connections` connections and [`OWN_FILES`] may take.
fn spoken_for(max_connections: usize) -> u64 {
    (max_connections as u64)
        .saturating_mul(PER_CONNECTION)
        .saturating_add(OWN_FILES)
}

/// How many body copies may be held open with `limit` open files and
/// `max_connections`: what the connections and [`OWN_FILES`] leave.
pub fn copies_allowed(limit: u64, max_connections: usize) -> usize {
    usize::try_from(limit.saturating_sub(spoken_for(max_connections))).unwrap_or(usize::MAX)
}

/// A sysadmin's warning when `limit` cannot hold `max_connections` and
/// bantin's own files: past some connections, `accept` fails until one closes.
pub fn too_few(limit: u64, max_connections: usize) -> Option<TooFew> {
    let needed = spoken_for(max_connections);
    (limit < needed).then_some(TooFew {
        limit,
        max_connections,
        needed,
    })
}

/// What [`too_few`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooFew {
    limit: u64,
    max_connections: usize,
    needed: u64,
}

impl fmt::Display for TooFew {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let TooFew {
            limit,
            max_connections,
            needed,
        } = *self;
        write!(
            f,
            "[http] max_connections = {max_connections} and bantin's own files need {needed} \
             open files, but its limit is {limit}: past about {} connections new ones wait \
             in the listen queue, and large bodies are sent from memory, not with sendfile; \
             raise LimitNOFILE= in the unit (or `ulimit -n`) or lower max_connections",
            limit.saturating_sub(OWN_FILES) / PER_CONNECTION
        )
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.refused, self.was == self.now) {
            (Some(e), _) => write!(
                f,
                "open files: up to {} (raising the soft limit to the hard one failed: {e})",
                self.now
            ),
            (None, true) => write!(f, "open files: up to {}", self.now),
            (None, false) => write!(
                f,
                "open files: up to {} (soft limit raised from {} to the hard limit)",
                self.now, self.was
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_get_what_connections_and_own_files_leave() {
        assert_eq!(copies_allowed(524_288, 1024), 524_288 - 2048 - 128);
        assert_eq!(copies_allowed(1024, 1024), 0);
        assert_eq!(copies_allowed(1024, 64), 1024 - 128 - 128);
        assert_eq!(copies_allowed(100, 1), 0);
        // Saturating, never wrapping.
        assert_eq!(copies_allowed(u64::MAX, usize::MAX), 0);
    }

    #[test]
    fn a_limit_too_small_for_the_connections_is_reported_with_both_figures() {
        assert_eq!(too_few(524_288, 1024), None);
        assert_eq!(too_few(2176, 1024), None);
        let few = too_few(1024, 1024).expect("1024 cannot hold 1024 connections and more");
        let said = few.to_string();
        for part in [
            "max_connections = 1024",
            "need 2176",
            "limit is 1024",
            "about 448",
        ] {
            assert!(said.contains(part), "{part:?} not in {said}");
        }
        assert!(said.contains("LimitNOFILE="), "{said}");
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        // The test process's own limit: raising it is what the daemon does
        // at start, and harmless here.
        let limit = raise();
        let after = getrlimit(Resource::Nofile);
        assert_eq!(Some(limit.now), after.current.or(Some(UNLIMITED)));
        if let (None, Some(hard)) = (limit.refused, after.maximum) {
            assert_eq!(limit.now, hard);
        }
        assert!(limit.now >= limit.was);
        // Again: nothing left to raise.
        let again = raise();
        assert_eq!((again.was, again.now), (limit.now, limit.now));
        assert_eq!(
            again.to_string(),
            format!("open files: up to {}", limit.now)
        );
    }
}
