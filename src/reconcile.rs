//! Listing the whole store for a reconciliation on a thread of its own, handed
//! to the watch thread in slices that it merges between events.
//!
//! Why not list on the watch thread: listing and stating a million files takes
//! seconds, and events queued behind it would wait that long. Why not merge a
//! whole listing at once on the other thread: the catalog has one owner, the
//! watch thread, so that snapshots never race. So the listing runs here, in
//! path order, and goes over in slices of [`SLICE`] entries; the watch thread
//! takes slices and events from one queue, in arrival order, and compares each
//! slice with the catalog ([`crate::catalog::Catalog::merge`]). An event waits
//! for at most the slices queued ahead of it, which credits keep to
//! [`AHEAD`]: the listing never runs far ahead of the merge, so neither its
//! memory nor an event's wait grows with the store.
//!
//! A slice is a listing of the past: what it lacks may have been moved aside
//! an instant before, to be written anew. So a known file a slice lacks is
//! not removed by the merge; the watch thread holds it for one settle window
//! and looks at it again then (see [`crate::catalog::Merged::unlisted`]).

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use crate::catalog::Slice;
use crate::store::{Listed, Root, Stats};

/// Entries per slice: comparing one with the catalog costs a few milliseconds,
/// and reading the files that differ in one is bounded by it too.
pub const SLICE: usize = 1024;

/// Slices listed ahead of the merge at most.
const AHEAD: usize = 2;

/// A listing under way; dropping it stops the listing thread at its next slice.
#[derive(Debug)]
pub struct Survey {
    credits: Sender<()>,
    started: Instant,
}

impl Survey {
    /// Starts listing the store under `root` (with stats, in path order) on a
    /// thread of its own; each slice goes to `deliver`, which returns `false`
    /// when nobody takes slices any more. With `per_sec` above zero, the
    /// listing goes no faster than that many entries a second.
    pub fn start<F>(root: Root, per_sec: u64, deliver: F) -> std::io::Result<Survey>
    where
        F: FnMut(Slice) -> bool + Send + 'static,
    {
        let (credits, allowed) = mpsc::channel();
        for _ in 0..AHEAD {
            credits
                .send(())
                .expect("the receiver is alive: it was just made");
        }
        std::thread::Builder::new()
            .name("bantin-survey".into())
            .spawn(move || list(&root, per_sec, &allowed, deliver))?;
        Ok(Survey {
            credits,
            started: Instant::now(),
        })
    }

    /// Says that one slice was merged, so one more may be listed.
    pub fn merged(&self) {
        // The listing may have finished: then nobody needs the credit.
        let _ = self.credits.send(());
    }

    /// How long since the listing began.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// The listing thread: sends each slice once a credit allows.
fn list<F>(root: &Root, per_sec: u64, allowed: &Receiver<()>, mut deliver: F)
where
    F: FnMut(Slice) -> bool,
{
    for slice in slices(root, SLICE, per_sec) {
        if allowed.recv().is_err() || !deliver(slice) {
            return;
        }
    }
}

/// The whole store under `root` listed with stats, in path order, in slices of
/// `len` entries (the last one may be shorter, or empty for an empty store);
/// no faster than `per_sec` entries a second when it is above zero.
pub fn slices(root: &Root, len: usize, per_sec: u64) -> impl Iterator<Item = Slice> + '_ {
    let started = Instant::now();
    let mut seen = 0_u64;
    let mut walk = root
        .walk(root.path(), Stats::Take)
        .inspect(move |_| {
            seen += 1;
            if per_sec > 0 {
                pace(started, seen, per_sec);
            }
        })
        .peekable();
    let mut after: Option<Option<PathBuf>> = Some(None);
    std::iter::from_fn(move || {
        // `None` once the last slice is out.
        let before = after.take()?;
        let listed: Vec<Listed> = walk.by_ref().take(len.max(1)).collect();
        let through = walk.peek().and(listed.last()).map(|l| l.path().to_owned());
        if through.is_some() {
            after = Some(through.clone());
        }
        Some(Slice {
            after: before,
            through,
            listed,
        })
    })
}

/// Waits, when `seen` entries since `started` are ahead of `per_sec` a second,
/// until they are not; in steps of at least 10 ms, as shorter sleeps cost more
/// than they spare.
fn pace(started: Instant, seen: u64, per_sec: u64) {
    let due = Duration::from_secs_f64(seen as f64 / per_sec as f64);
    let ahead = due.saturating_sub(started.elapsed());
    if ahead >= Duration::from_millis(10) {
        std::thread::sleep(ahead);
    }
}
