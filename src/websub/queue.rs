//! The pings waiting for their hubs: coalesced, bounded, retried with backoff.
//! Pure: the caller passes the time in and sends what [`Queue::take_due`] gives.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The first retry waits this long; each next one twice as long as the last.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// No retry waits longer than this, however many attempts came before.
pub const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// One publish ping: tell `hub` that `topic` changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    /// The hub's URL.
    pub hub: Arc<str>,
    /// The changed feed's URL (sent as both `hub.url` and `hub.topic`).
    pub topic: Arc<str>,
    /// How many times it was sent before.
    pub attempts: u32,
    /// When it may go out.
    due: Instant,
}

/// What became of a ping given to [`Queue::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pushed {
    /// Whether the same hub and topic were already waiting (so one ping tells both).
    pub coalesced: bool,
    /// How many of the oldest waiting pings were dropped to make room.
    pub dropped: usize,
}

/// What became of a ping whose send failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Sent again after this wait.
    After(Duration),
    /// A newer change of the same topic is already waiting for that hub: it tells the hub.
    Superseded,
    /// Every attempt is spent: given up.
    GaveUp,
    /// The queue was full; the oldest ping was dropped for it.
    AfterDropping(Duration),
}

/// The pings waiting to be sent, oldest first, at most one per hub and topic.
#[derive(Debug)]
pub struct Queue {
    waiting: VecDeque<Ping>,
    keys: HashSet<(Arc<str>, Arc<str>)>,
    capacity: usize,
    max_attempts: u32,
}

impl Queue {
    /// An empty queue holding at most `capacity` pings, each tried `max_attempts` times.
    pub fn new(capacity: usize, max_attempts: u32) -> Queue {
        Queue {
            waiting: VecDeque::new(),
            keys: HashSet::new(),
            capacity: capacity.max(1),
            max_attempts: max_attempts.max(1),
        }
    }

    /// Applies new bounds (after a reload); returns how many of the oldest
    /// pings were dropped to fit a smaller capacity.
    pub fn set_bounds(&mut self, capacity: usize, max_attempts: u32) -> usize {
        self.capacity = capacity.max(1);
        self.max_attempts = max_attempts.max(1);
        self.shrink()
    }

    /// How many pings wait.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Queues a first ping of `topic` to `hub`, due at `due`. A ping of the
    /// same topic to the same hub that has not gone out yet is not doubled:
    /// when it goes out the hub fetches the topic as it is then.
    pub fn push(&mut self, hub: &Arc<str>, topic: &Arc<str>, due: Instant) -> Pushed {
        if self.keys.contains(&(hub.clone(), topic.clone())) {
            return Pushed {
                coalesced: true,
                dropped: 0,
            };
        }
        self.insert(Ping {
            hub: hub.clone(),
            topic: topic.clone(),
            attempts: 0,
            due,
        });
        Pushed {
            coalesced: false,
            dropped: self.shrink(),
        }
    }

    /// Puts back a ping whose send failed at `now` (its `attempts` already
    /// counting that send), due after an exponential backoff, unless every
    /// attempt is spent or a newer ping of the same topic waits for that hub.
    pub fn retry(&mut self, ping: Ping, now: Instant) -> Retry {
        if ping.attempts >= self.max_attempts {
            return Retry::GaveUp;
        }
        if self.keys.contains(&(ping.hub.clone(), ping.topic.clone())) {
            return Retry::Superseded;
        }
        let wait = backoff(ping.attempts);
        self.insert(Ping {
            due: now + wait,
            ..ping
        });
        match self.shrink() {
            0 => Retry::After(wait),
            _ => Retry::AfterDropping(wait),
        }
    }

    /// Takes out every ping due at `now`, oldest first. A change of the same
    /// topic after this queues a new ping: the hub may have fetched it before.
    pub fn take_due(&mut self, now: Instant) -> Vec<Ping> {
        let (due, later): (VecDeque<Ping>, VecDeque<Ping>) =
            self.waiting.drain(..).partition(|p| p.due <= now);
        self.waiting = later;
        for p in &due {
            self.keys.remove(&(p.hub.clone(), p.topic.clone()));
        }
        due.into()
    }

    /// When the next ping is due, if any waits.
    pub fn next_due(&self) -> Option<Instant> {
        self.waiting.iter().map(|p| p.due).min()
    }

    fn insert(&mut self, ping: Ping) {
        self.keys.insert((ping.hub.clone(), ping.topic.clone()));
        self.waiting.push_back(ping);
    }

    /// Drops the oldest pings past the capacity; returns how many.
    fn shrink(&mut self) -> usize {
        let mut dropped = 0;
        while self.waiting.len() > self.capacity {
            if let Some(old) = self.waiting.pop_front() {
                self.keys.remove(&(old.hub, old.topic));
                dropped += 1;
            }
        }
        dropped
    }
}

/// The wait before the next send of a ping sent `attempts` times already:
/// [`FIRST_BACKOFF`] doubled for each attempt after the first, at most [`MAX_BACKOFF`].
pub fn backoff(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(20);
    (FIRST_BACKOFF * 2u32.pow(doublings)).min(MAX_BACKOFF)
}

/// What one hub's answers have been lately, so a hub that is down is logged
/// once when it starts failing and once when it answers again, not once per ping.
#[derive(Debug, Default)]
pub struct Health {
    failing: HashMap<Arc<str>, u64>,
}

/// How a hub's latest answer changes what is known of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// It answered as before.
    Steady,
    /// It failed after answering (or for the first time).
    StartedFailing,
    /// It answered after this many failures in a row.
    Recovered(u64),
}

impl Health {
    /// Records one answer (`ok`) of `hub`.
    pub fn record(&mut self, hub: &Arc<str>, ok: bool) -> Turn {
        match (ok, self.failing.get_mut(hub)) {
            (true, None) => Turn::Steady,
            (true, Some(_)) => Turn::Recovered(self.failing.remove(hub).unwrap_or(0)),
            (false, Some(n)) => {
                *n += 1;
                Turn::Steady
            }
            (false, None) => {
                self.failing.insert(hub.clone(), 1);
                Turn::StartedFailing
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Arc<str> {
        Arc::from(v)
    }

    #[test]
    fn a_topic_that_changes_again_before_its_ping_goes_out_is_pinged_once() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(10, 3);
        assert!(!q.push(&hub, &s("/a"), t0).coalesced);
        assert!(q.push(&hub, &s("/a"), t0).coalesced);
        // Another hub, or another topic, is its own ping.
        assert!(!q.push(&s("http://other/"), &s("/a"), t0).coalesced);
        assert!(!q.push(&hub, &s("/b"), t0).coalesced);
        assert_eq!(q.take_due(t0).len(), 3);
        // Once out, a new change is a new ping.
        assert!(!q.push(&hub, &s("/a"), t0).coalesced);
    }

    #[test]
    fn only_due_pings_are_taken() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(10, 3);
        q.push(&hub, &s("/a"), t0 + Duration::from_secs(1));
        assert!(q.take_due(t0).is_empty());
        assert_eq!(q.next_due(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(q.take_due(t0 + Duration::from_secs(1)).len(), 1);
        assert_eq!(q.next_due(), None);
    }

    #[test]
    fn a_full_queue_drops_its_oldest() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(2, 3);
        q.push(&hub, &s("/1"), t0);
        q.push(&hub, &s("/2"), t0);
        assert_eq!(q.push(&hub, &s("/3"), t0).dropped, 1);
        let topics: Vec<_> = q.take_due(t0).into_iter().map(|p| p.topic).collect();
        assert_eq!(topics, [s("/2"), s("/3")]);
        // The dropped one's key went with it.
        assert!(!q.push(&hub, &s("/1"), t0).coalesced);
        assert_eq!(q.set_bounds(1, 3), 0);
        q.push(&hub, &s("/4"), t0);
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_bound() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(10, 3);
        q.push(&hub, &s("/a"), t0);
        let mut ping = q.take_due(t0).remove(0);
        let mut waits = Vec::new();
        loop {
            ping.attempts += 1;
            match q.retry(ping, t0) {
                Retry::After(wait) => waits.push(wait),
                other => {
                    assert_eq!(other, Retry::GaveUp);
                    break;
                }
            }
            ping = q.take_due(t0 + MAX_BACKOFF).remove(0);
        }
        assert_eq!(waits, [Duration::from_secs(1), Duration::from_secs(2)]);
        assert_eq!(backoff(30), MAX_BACKOFF);
    }

    #[test]
    fn a_retry_behind_a_newer_change_is_superseded() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(10, 3);
        q.push(&hub, &s("/a"), t0);
        let mut ping = q.take_due(t0).remove(0);
        q.push(&hub, &s("/a"), t0);
        ping.attempts = 1;
        assert_eq!(q.retry(ping, t0), Retry::Superseded);
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn a_hub_is_reported_when_it_starts_failing_and_when_it_recovers() {
        let (hub, mut h) = (s("http://hub/"), Health::default());
        assert_eq!(h.record(&hub, true), Turn::Steady);
        assert_eq!(h.record(&hub, false), Turn::StartedFailing);
        assert_eq!(h.record(&hub, false), Turn::Steady);
        assert_eq!(h.record(&hub, true), Turn::Recovered(2));
        assert_eq!(h.record(&hub, true), Turn::Steady);
    }
}
