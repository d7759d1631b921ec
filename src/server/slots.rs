//! Connection slots: the `max_connections` cap as a semaphore, resizable while
//! connections hold its permits.
//!
//! Every served connection holds one permit until it ends, and the accept loop
//! takes a permit before it accepts, so past the cap clients wait in the
//! kernel's backlog. A reload may move the cap either way: growing adds
//! permits at once; shrinking takes away the permits that are free and owes
//! the rest, which are forgotten as connections give them back, so the pool
//! reaches the new size without closing anyone and without leaking a permit.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};

/// The most slots there can be: what the semaphore holds, and what the drain
/// can wait for in one call (`acquire_many` counts in `u32`).
const MOST: usize = if Semaphore::MAX_PERMITS < u32::MAX as usize {
    Semaphore::MAX_PERMITS
} else {
    u32::MAX as usize
};

/// The connection slots and the cap they are held to.
#[derive(Debug)]
pub struct Slots {
    permits: Arc<Semaphore>,
    /// The cap now in force.
    max: usize,
    /// Permits held by connections beyond `max` after a shrink: each is
    /// forgotten when it comes back. Permits in existence = `max + owed`.
    owed: usize,
}

impl Slots {
    /// `max` slots, all free.
    pub fn new(max: usize) -> Slots {
        let max = max.min(MOST);
        Slots {
            permits: Arc::new(Semaphore::new(max)),
            max,
            owed: 0,
        }
    }

    /// Holds the pool to `max` slots from now on. Growing first cancels what a
    /// shrink still owes; shrinking forgets the free permits at once and owes
    /// the rest (connections keep theirs until they end).
    pub fn resize(&mut self, max: usize) {
        let max = max.min(MOST);
        if max >= self.max {
            let more = max - self.max;
            let cancelled = more.min(self.owed);
            self.owed -= cancelled;
            self.permits.add_permits(more - cancelled);
        } else {
            let fewer = self.max - max;
            let forgotten = self.permits.forget_permits(fewer);
            self.owed += fewer - forgotten;
        }
        self.max = max;
    }

    /// A free slot, once there is one; an error only if the semaphore is closed.
    /// Owned, so the caller may wait on it beside other futures that borrow `self`.
    pub fn acquire(
        &self,
    ) -> impl std::future::Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        self.permits.clone().acquire_owned()
    }

    /// One slot more than the cap, taken: for the client accepted when the
    /// server began to shut down (the drain waits for it as for any).
    pub fn one_more(&mut self) -> Option<OwnedSemaphorePermit> {
        self.resize(self.max.saturating_add(1));
        self.try_acquire()
    }

    /// A free slot now, if there is one.
    pub fn try_acquire(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }

    /// `permit` back for a connection, or `None` when it pays what a shrink owes
    /// (it is forgotten: the caller waits for another).
    pub fn keep(&mut self, permit: OwnedSemaphorePermit) -> Option<OwnedSemaphorePermit> {
        if self.owed == 0 {
            return Some(permit);
        }
        permit.forget();
        self.owed -= 1;
        None
    }

    /// Waits, at most `grace`, for every connection to give its permit back;
    /// whether they all did.
    pub async fn drained(&self, grace: Duration) -> bool {
        let all = u32::try_from(self.max + self.owed).unwrap_or(u32::MAX);
        tokio::time::timeout(grace, self.permits.acquire_many(all))
            .await
            .is_ok()
    }

    /// Free slots now.
    #[cfg(test)]
    fn free(&self) -> usize {
        self.permits.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(slots: &mut Slots) -> Option<OwnedSemaphorePermit> {
        let permit = slots.permits.clone().try_acquire_owned().ok()?;
        slots.keep(permit)
    }

    #[test]
    fn growing_frees_slots_at_once() {
        let mut slots = Slots::new(1);
        let held = take(&mut slots).unwrap();
        assert!(take(&mut slots).is_none());
        slots.resize(3);
        assert_eq!(slots.free(), 2);
        drop(held);
        assert_eq!(slots.free(), 3);
    }

    #[test]
    fn shrinking_below_what_is_held_waits_for_connections_to_end() {
        let mut slots = Slots::new(4);
        let a = take(&mut slots).unwrap();
        let b = take(&mut slots).unwrap();
        let c = take(&mut slots).unwrap();
        // Three held, one free: the free one goes, two are owed.
        slots.resize(1);
        assert_eq!((slots.free(), slots.owed), (0, 2));
        drop(a);
        // A permit that comes back pays the debt instead of admitting anyone.
        assert!(take(&mut slots).is_none());
        drop(b);
        assert!(take(&mut slots).is_none());
        assert_eq!(slots.owed, 0);
        // Now one held, the new cap: no room until it ends.
        assert_eq!(slots.free(), 0);
        drop(c);
        let d = take(&mut slots).unwrap();
        assert!(take(&mut slots).is_none());
        drop(d);
        assert_eq!(slots.free(), 1);
    }

    #[test]
    fn growing_again_cancels_what_a_shrink_still_owes() {
        let mut slots = Slots::new(3);
        let held: Vec<_> = (0..3).map(|_| take(&mut slots).unwrap()).collect();
        slots.resize(1);
        assert_eq!(slots.owed, 2);
        slots.resize(4);
        assert_eq!((slots.owed, slots.free()), (0, 1));
        drop(held);
        assert_eq!(slots.free(), 4);
    }

    #[tokio::test]
    async fn the_drain_waits_for_the_permits_still_owed() {
        let mut slots = Slots::new(2);
        let a = take(&mut slots).unwrap();
        let b = take(&mut slots).unwrap();
        slots.resize(1);
        assert_eq!(slots.owed, 1);
        drop(a);
        // One connection still open: not drained, though the cap is back.
        assert!(!slots.drained(Duration::from_millis(20)).await);
        drop(b);
        assert!(slots.drained(Duration::from_millis(20)).await);
    }
}
