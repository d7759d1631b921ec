//! The pings waiting for their hubs: coalesced, bounded, retried with backoff,
//! live feeds ahead of archives, each hub on its own.
//! Pure: the caller passes the time in, sends what [`Queue::take_one_due`]
//! gives and says when a send is over ([`Queue::done`]).
//!
//! A change can touch far more archive documents than live feeds (a tag
//! renamed changes every month of it), and a site of tens of thousands of
//! tags and authors far more of their feeds than of the all-articles and
//! category feeds most partners follow. So the queue keeps three lines: the
//! site's and categories' feeds and the feed of changes, tags' and authors'
//! feeds, and archives. A
//! ping goes out before any of a later line that is due with it, and when the
//! queue is full the oldest ping of the last line that holds any is dropped:
//! archives first, then tag and author feeds; the site's, categories' and
//! changes feeds only when nothing else is left, which takes a hub down for long.
//!
//! Each hub has its own lines, at most [`PER_HUB`] of its pings are out at
//! once, and the hubs take turns: a hub that never answers (a firewall
//! dropping packets holds each send for `timeout_secs`), answers slowly or
//! asks to wait ([`Queue::pause`]) holds back only its own pings, never
//! another hub's. The lines order the pings within a hub; the bound and
//! what a full queue drops are over every hub.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound::{Excluded, Included, Unbounded};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The first retry waits this long; each next one twice as long as the last.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// No retry waits longer than this, however many attempts came before.
pub const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// How much later than its first due time a waiting ping may be put off by
/// further changes of its topic (see [`Queue::push`]): a feed that keeps
/// changing (a copy of many files) is still pinged every few seconds.
pub const LONGEST_POSTPONE: Duration = Duration::from_millis(4500);

/// The most pings out to one hub at once. A hub is one server, which need
/// not take more at a time from one publisher; and since each hub has its
/// own, the most out at once over every hub is this many per hub (12 with
/// three hubs), while a hub holding all of its own leaves the others theirs.
pub const PER_HUB: usize = 4;

/// The longest a hub's `Retry-After` holds its pings back ([`Queue::pause`]):
/// a hub asking for a day (or a date in ten years, a clock gone wrong) is
/// tried again within the hour, and its subscribers miss no more than that.
pub const LONGEST_PAUSE: Duration = Duration::from_secs(3600);

/// Which line a ping waits in: a partner reading the live feed wants the
/// news; an archive month's subscriber wants a correction, which can wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// A live feed most partners follow: all articles, a category's, or the
    /// feed of changes.
    Live,
    /// A tag's or an author's live feed: one of thousands, each followed by few.
    Term,
    /// A month's archive of one of those (RFC 5005 §4).
    Archive,
    /// A last ping to a hub a reload removed, so its subscribers fetch a
    /// feed naming the hubs in force: sent from that hub's own room, dropped
    /// first, and tried once (the hub was likely removed for failing).
    Farewell,
}

impl Priority {
    /// The lines, in the order their pings go out.
    const LINES: [Priority; 4] = [
        Priority::Live,
        Priority::Term,
        Priority::Archive,
        Priority::Farewell,
    ];

    /// Its line in [`Queue`].
    fn line(self) -> usize {
        match self {
            Priority::Live => 0,
            Priority::Term => 1,
            Priority::Archive => 2,
            Priority::Farewell => 3,
        }
    }

    /// Whether it is a live feed's (a site's, category's, tag's or author's)
    /// to a hub in force.
    pub fn live(self) -> bool {
        matches!(self, Priority::Live | Priority::Term)
    }
}

/// One publish ping: tell `hub` that `topic` changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    /// The hub's URL.
    pub hub: Arc<str>,
    /// The changed feed's URL (sent as both `hub.url` and `hub.topic`).
    pub topic: Arc<str>,
    /// Whether the topic is a live feed or an archive.
    pub priority: Priority,
    /// How many times it was sent before.
    pub attempts: u32,
    /// When it may go out.
    due: Instant,
    /// When it was first due: later changes put it off at most
    /// [`LONGEST_POSTPONE`] past this.
    first_due: Instant,
}

/// Where a waiting ping is in [`Queue`]'s lines, by its hub and topic.
#[derive(Debug, Clone, Copy)]
struct Place {
    line: usize,
    due: Instant,
    seq: u64,
}

/// How many pings were dropped from a full queue, by line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Live feeds' pings, [`Dropped::terms`] included (dropped only when no
    /// archive ping was left; the site's, categories' and changes feeds'
    /// only when no tag's or author's was either).
    pub live: usize,
    /// Of `live`, tag and author feeds' pings.
    pub terms: usize,
    /// Archives' pings.
    pub archives: usize,
    /// Last pings to hubs a reload removed.
    pub farewells: usize,
}

impl Dropped {
    /// Both lines.
    pub fn total(self) -> usize {
        self.live + self.archives + self.farewells
    }

    fn add(&mut self, priority: Priority) {
        match priority {
            Priority::Live => self.live += 1,
            Priority::Term => {
                self.live += 1;
                self.terms += 1;
            }
            Priority::Archive => self.archives += 1,
            Priority::Farewell => self.farewells += 1,
        }
    }
}

impl std::ops::AddAssign for Dropped {
    fn add_assign(&mut self, other: Dropped) {
        self.live += other.live;
        self.terms += other.terms;
        self.archives += other.archives;
        self.farewells += other.farewells;
    }
}

/// What became of a ping given to [`Queue::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pushed {
    /// Whether the same hub and topic were already waiting (so one ping tells both).
    pub coalesced: bool,
    /// The waiting pings dropped to make room (archives first, oldest first).
    pub dropped: Dropped,
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
    /// The queue was full; another ping (an archive's first) was dropped for it.
    AfterDropping(Duration, Dropped),
}

/// The pings waiting to be sent, by hub, each hub's in three lines (see
/// [`Priority`]), each oldest first, at most one per hub and topic.
#[derive(Debug)]
pub struct Queue {
    /// Every hub with pings waiting or out, or asked to wait, by URL.
    hubs: BTreeMap<Arc<str>, Hub>,
    /// The hub the last ping taken was for: the next is taken from the
    /// first hub after it that has one due (in URL order, round).
    last_turn: Option<Arc<str>>,
    /// Numbers the pings as they are put in, to tell their age.
    next_seq: u64,
    keys: HashMap<(Arc<str>, Arc<str>), Place>,
    capacity: usize,
    max_attempts: u32,
}

impl Queue {
    /// An empty queue holding at most `capacity` pings, each tried `max_attempts` times.
    pub fn new(capacity: usize, max_attempts: u32) -> Queue {
        Queue {
            hubs: BTreeMap::new(),
            last_turn: None,
            next_seq: 0,
            keys: HashMap::new(),
            capacity: capacity.max(1),
            max_attempts: max_attempts.max(1),
        }
    }

    /// Applies new bounds (after a reload); returns the pings dropped to fit
    /// a smaller capacity.
    pub fn set_bounds(&mut self, capacity: usize, max_attempts: u32) -> Dropped {
        self.capacity = capacity.max(1);
        self.max_attempts = max_attempts.max(1);
        self.shrink()
    }

    /// The most pings that wait.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many pings wait.
    pub fn len(&self) -> usize {
        // One key per waiting ping, whichever hub and line it waits in.
        self.keys.len()
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Queues a first ping of `topic` to `hub`, due at `due`. A ping of the
    /// same topic to the same hub that has not gone out yet is not doubled:
    /// when it goes out the hub fetches the topic as it is then. It is put
    /// off to `due` instead, so a burst of changes is one ping once it is
    /// over, but not past [`LONGEST_POSTPONE`] after it was first due; a
    /// retry keeps its backoff.
    pub fn push(
        &mut self,
        hub: &Arc<str>,
        topic: &Arc<str>,
        priority: Priority,
        due: Instant,
    ) -> Pushed {
        let key = (hub.clone(), topic.clone());
        if let Some(place) = self.keys.get(&key).copied() {
            if place.line <= priority.line() {
                self.postpone(key, place, due);
                return Pushed {
                    coalesced: true,
                    dropped: Dropped::default(),
                };
            }
            // Waiting in a later line (a last ping to a hub a reload removed,
            // and a reload has put it back): it goes as this one, in its line,
            // with all its attempts.
            if let Some(waiting) = self.hubs.get_mut(hub) {
                let line = &mut waiting.lines[place.line];
                line.by_due.remove(&(place.due, place.seq));
                line.by_age.remove(&place.seq);
            }
            self.keys.remove(&key);
        }
        self.insert(Ping {
            hub: hub.clone(),
            topic: topic.clone(),
            priority,
            attempts: 0,
            due,
            first_due: due,
        });
        Pushed {
            coalesced: false,
            dropped: self.shrink(),
        }
    }

    /// Puts back a ping whose send failed at `now` (its `attempts` already
    /// counting that send), due after an exponential backoff or when its hub's
    /// pause ends ([`Queue::pause`]), whichever is later, unless every attempt
    /// is spent or a newer ping of the same topic waits for that hub. A pause
    /// only lengthens the wait, so a hub asking to wait never spends a ping's
    /// attempts sooner than the backoff would.
    pub fn retry(&mut self, ping: Ping, now: Instant) -> Retry {
        if ping.attempts >= self.max_attempts || ping.priority == Priority::Farewell {
            return Retry::GaveUp;
        }
        if self
            .keys
            .contains_key(&(ping.hub.clone(), ping.topic.clone()))
        {
            return Retry::Superseded;
        }
        let paused = (self.hubs.get(&ping.hub))
            .and_then(|h| h.paused_until)
            .map_or(Duration::ZERO, |until| until.saturating_duration_since(now));
        let wait = backoff(ping.attempts).max(paused);
        self.insert(Ping {
            due: now + wait,
            ..ping
        });
        let dropped = self.shrink();
        match dropped.total() {
            0 => Retry::After(wait),
            _ => Retry::AfterDropping(wait, dropped),
        }
    }

    /// Takes the one ping that goes out next, if one is due at `now`: from
    /// the next hub in turn that has one due, is not paused and has fewer than
    /// [`PER_HUB`] out, that hub's oldest due ping of the first line (see
    /// [`Priority`]) that has one; the sender calls [`Queue::done`] once it
    /// is sent. The sender takes one only when it can send it at once, so
    /// the others keep their place, their coalescing and their bound, and a
    /// stop records them.
    pub fn take_one_due(&mut self, now: Instant) -> Option<Ping> {
        let (after, before) = match &self.last_turn {
            Some(last) => (
                self.hubs.range::<Arc<str>, _>((Excluded(last), Unbounded)),
                Some(self.hubs.range::<Arc<str>, _>((Unbounded, Included(last)))),
            ),
            None => (self.hubs.range::<Arc<str>, _>(..), None),
        };
        let hub = (after.chain(before.into_iter().flatten()))
            .find(|(_, h)| h.takes(now))
            .map(|(url, _)| url.clone())?;
        let waiting = self.hubs.get_mut(&hub)?;
        let ping = waiting
            .lines
            .iter_mut()
            .find_map(|line| line.take_due(now))?;
        waiting.out += 1;
        self.keys.remove(&(ping.hub.clone(), ping.topic.clone()));
        self.last_turn = Some(hub);
        Some(ping)
    }

    /// Records that a send to `hub` taken with [`Queue::take_one_due`] is
    /// over (its outcome settled, a retry put back), so the hub may have
    /// another out.
    pub fn done(&mut self, hub: &str, now: Instant) {
        if let Some(waiting) = self.hubs.get_mut(hub) {
            waiting.out = waiting.out.saturating_sub(1);
            if waiting.idle(now) {
                self.hubs.remove(hub);
            }
        }
    }

    /// Holds every ping to `hub` back until `wait` (at most
    /// [`LONGEST_PAUSE`]) after `now`, as the hub's `Retry-After` asked: the
    /// header speaks for the server, not for one request, so its other pings
    /// wait too, and spend no attempt meanwhile. A pause already longer
    /// stays. Returns the wait applied.
    pub fn pause(&mut self, hub: &Arc<str>, now: Instant, wait: Duration) -> Duration {
        let wait = wait.min(LONGEST_PAUSE);
        let until = now + wait;
        let waiting = self.hubs.entry(hub.clone()).or_default();
        waiting.paused_until = Some(waiting.paused_until.map_or(until, |t| t.max(until)));
        wait
    }

    /// Takes out every ping due at `now`, as if each were sent and done at
    /// once: hub by hub in turn, each hub's line by line, each oldest first.
    /// A change of the same topic after this queues a new ping: the hub may
    /// have fetched it before.
    #[cfg(test)]
    pub fn take_due(&mut self, now: Instant) -> Vec<Ping> {
        std::iter::from_fn(|| {
            let ping = self.take_one_due(now)?;
            if let Some(waiting) = self.hubs.get_mut(&ping.hub) {
                waiting.out -= 1;
            }
            Some(ping)
        })
        .collect()
    }

    /// Drops every waiting ping to `hub` (a reload removed it): they would
    /// go on being tried, and failing, for a hub no longer configured. Its
    /// pause is forgotten with them; sends still out keep their count until
    /// they are done.
    pub fn drop_hub(&mut self, hub: &str) {
        let Some(waiting) = self.hubs.get_mut(hub) else {
            return;
        };
        for line in &mut waiting.lines {
            let line = std::mem::take(line);
            for ping in line.by_due.into_values() {
                self.keys.remove(&(ping.hub, ping.topic));
            }
        }
        waiting.paused_until = None;
        if waiting.out == 0 {
            self.hubs.remove(hub);
        }
    }

    /// The topics of every waiting ping, sorted, each once.
    pub fn topics(&self) -> std::collections::BTreeSet<String> {
        (self.hubs.values())
            .flat_map(|h| h.lines.iter())
            .flat_map(|l| l.by_due.values())
            .map(|p| p.topic.to_string())
            .collect()
    }

    /// When the next ping can be taken, if any waits for a hub with room
    /// for another send: its due time, or its hub's pause's end if later.
    /// A hub with [`PER_HUB`] out has none until one is [`Queue::done`].
    pub fn next_due(&self) -> Option<Instant> {
        self.hubs.values().filter_map(Hub::next_due).min()
    }

    fn insert(&mut self, ping: Ping) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let line = ping.priority.line();
        let place = Place {
            line,
            due: ping.due,
            seq,
        };
        self.keys
            .insert((ping.hub.clone(), ping.topic.clone()), place);
        let waiting = self.hubs.entry(ping.hub.clone()).or_default();
        waiting.lines[line].put(seq, ping);
    }

    /// Puts the first send of the waiting ping at `place` off to `due`,
    /// within [`LONGEST_POSTPONE`] of when it was first due. It keeps its
    /// age, so a full queue drops it no later than before.
    fn postpone(&mut self, key: (Arc<str>, Arc<str>), place: Place, due: Instant) {
        let Some(waiting) = self.hubs.get_mut(&key.0) else {
            return;
        };
        let line = &mut waiting.lines[place.line];
        let Some(ping) = line.by_due.get(&(place.due, place.seq)) else {
            return;
        };
        let later = due.min(ping.first_due + LONGEST_POSTPONE);
        if ping.attempts > 0 || later <= place.due {
            return;
        }
        let Some(mut ping) = line.by_due.remove(&(place.due, place.seq)) else {
            return;
        };
        ping.due = later;
        line.by_age.insert(place.seq, later);
        line.by_due.insert((later, place.seq), ping);
        self.keys.insert(
            key,
            Place {
                due: later,
                ..place
            },
        );
    }

    /// Drops pings past the capacity, the oldest of the last line that
    /// holds any for any hub first (archives, then tags' and authors' feeds,
    /// then the site's and categories'); returns how many.
    fn shrink(&mut self) -> Dropped {
        let mut dropped = Dropped::default();
        while self.len() > self.capacity {
            let oldest = Priority::LINES.iter().rev().find_map(|p| {
                let line = p.line();
                (self.hubs.iter())
                    .filter_map(|(url, h)| Some((h.lines[line].oldest()?, url)))
                    .min()
                    .map(|(_, url)| (line, url.clone()))
            });
            let Some((line, hub)) = oldest else {
                break;
            };
            let old = (self.hubs.get_mut(&hub)).and_then(|h| h.lines[line].take_oldest());
            let Some(old) = old else {
                break;
            };
            dropped.add(old.priority);
            self.keys.remove(&(old.hub, old.topic));
        }
        dropped
    }
}

/// One hub's pings, in the lines of [`Priority`], and what holds them back.
#[derive(Debug, Default)]
struct Hub {
    /// Indexed by [`Priority::line`].
    lines: [Line; 4],
    /// How many of its pings are out (taken, not yet [`Queue::done`]).
    out: usize,
    /// Until when it asked to be left alone ([`Queue::pause`]).
    paused_until: Option<Instant>,
}

impl Hub {
    fn len(&self) -> usize {
        self.lines.iter().map(Line::len).sum()
    }

    /// Whether one of its pings can be taken at `now`: one is due, it is
    /// not paused, and it has room for another send.
    fn takes(&self, now: Instant) -> bool {
        self.out < PER_HUB
            && self.paused_until.is_none_or(|until| until <= now)
            && self
                .lines
                .iter()
                .any(|l| l.next_due().is_some_and(|due| due <= now))
    }

    /// When one of its pings can next be taken, if it has room for another send.
    fn next_due(&self) -> Option<Instant> {
        if self.out >= PER_HUB {
            return None;
        }
        let due = self.lines.iter().filter_map(Line::next_due).min()?;
        Some(self.paused_until.map_or(due, |until| until.max(due)))
    }

    /// Whether it holds nothing worth keeping: no ping waiting or out, no pause to honour.
    fn idle(&self, now: Instant) -> bool {
        self.out == 0 && self.len() == 0 && self.paused_until.is_none_or(|until| until <= now)
    }
}

/// One line of pings, found by when they fall due (to send the next at
/// once, whatever retries wait with later times) and by their age (to drop
/// the oldest), each in O(log n): a queue of 100,000 pings behind a dead hub
/// costs no scan per ping sent.
#[derive(Debug, Default)]
struct Line {
    /// The pings by (due, age).
    by_due: BTreeMap<(Instant, u64), Ping>,
    /// Each ping's due time, by age.
    by_age: BTreeMap<u64, Instant>,
}

impl Line {
    fn len(&self) -> usize {
        self.by_due.len()
    }

    fn put(&mut self, seq: u64, ping: Ping) {
        self.by_age.insert(seq, ping.due);
        self.by_due.insert((ping.due, seq), ping);
    }

    /// The ping due first, if it is due at `now`.
    fn take_due(&mut self, now: Instant) -> Option<Ping> {
        let entry = self.by_due.first_entry().filter(|e| e.key().0 <= now)?;
        let (_, seq) = *entry.key();
        self.by_age.remove(&seq);
        Some(entry.remove())
    }

    /// The age of the ping put in first.
    fn oldest(&self) -> Option<u64> {
        self.by_age.first_key_value().map(|(seq, _)| *seq)
    }

    /// The ping put in first.
    fn take_oldest(&mut self) -> Option<Ping> {
        let (seq, due) = self.by_age.pop_first()?;
        self.by_due.remove(&(due, seq))
    }

    fn next_due(&self) -> Option<Instant> {
        self.by_due.first_key_value().map(|((due, _), _)| *due)
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
    /// The failing hubs some ping was given up for in this failure, so the
    /// first give-up is logged and the others only counted.
    gave_up: HashSet<Arc<str>>,
    /// The hubs that redirected a ping, so that is logged once per hub.
    moved: HashSet<Arc<str>>,
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
    /// The hubs whose latest answer was a failure, sorted: when a full queue
    /// drops pings, whether the hubs are down or the change was too big.
    pub fn failing(&self) -> Vec<Arc<str>> {
        let mut hubs: Vec<Arc<str>> = self.failing.keys().cloned().collect();
        hubs.sort_unstable();
        hubs
    }

    /// Forgets `hub` (a reload removed it): a full queue is no longer
    /// blamed on it.
    pub fn forget(&mut self, hub: &str) {
        self.failing.remove(hub);
        self.gave_up.remove(hub);
        self.moved.remove(hub);
    }

    /// Records that `hub` redirected a ping; whether it is the first time.
    pub fn moved(&mut self, hub: &Arc<str>) -> bool {
        self.moved.insert(hub.clone())
    }

    /// Records that a ping to `hub` was given up; whether it is the first
    /// since the hub started failing.
    pub fn gave_up(&mut self, hub: &Arc<str>) -> bool {
        self.gave_up.insert(hub.clone())
    }

    /// Records one answer (`ok`) of `hub`.
    pub fn record(&mut self, hub: &Arc<str>, ok: bool) -> Turn {
        match (ok, self.failing.get_mut(hub)) {
            (true, None) => Turn::Steady,
            (true, Some(_)) => {
                self.gave_up.remove(hub);
                Turn::Recovered(self.failing.remove(hub).unwrap_or(0))
            }
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

    const LIVE: Priority = Priority::Live;
    const TERM: Priority = Priority::Term;
    const FAREWELL: Priority = Priority::Farewell;
    const ARCHIVE: Priority = Priority::Archive;

    fn s(v: &str) -> Arc<str> {
        Arc::from(v)
    }

    #[test]
    fn a_topic_that_changes_again_before_its_ping_goes_out_is_pinged_once() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(10, 3);
        assert!(!q.push(&hub, &s("/a"), LIVE, t0).coalesced);
        assert!(q.push(&hub, &s("/a"), LIVE, t0).coalesced);
        // Another hub, or another topic, is its own ping.
        assert!(!q.push(&s("http://other/"), &s("/a"), LIVE, t0).coalesced);
        assert!(!q.push(&hub, &s("/b"), LIVE, t0).coalesced);
        assert_eq!(q.take_due(t0).len(), 3);
        // Once out, a new change is a new ping.
        assert!(!q.push(&hub, &s("/a"), LIVE, t0).coalesced);
    }

    /// A feed changing again while its ping waits puts the ping off, so a
    /// burst longer than the hold (a folder copied in over seconds) is one
    /// ping once it is over; one that never stops is still pinged within
    /// [`LONGEST_POSTPONE`] of its first due time. A retry keeps its backoff.
    #[test]
    fn a_burst_of_changes_puts_its_ping_off_until_it_is_over_within_a_bound() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let hold = Duration::from_millis(500);
        let mut q = Queue::new(10, 3);
        let step = Duration::from_millis(300);
        for i in 0..4 {
            let pushed = q.push(&hub, &s("/feed.rss"), LIVE, t0 + step * i + hold);
            assert_eq!(pushed.coalesced, i > 0);
        }
        let last = t0 + step * 3 + hold;
        assert_eq!(q.next_due(), Some(last));
        assert!(q.take_due(last - Duration::from_millis(1)).is_empty());
        assert_eq!(q.take_due(last).len(), 1, "one ping for the burst");

        // Never quiet: a change every 300 ms for 10 s.
        for i in 0..34 {
            q.push(&hub, &s("/feed.rss"), LIVE, t0 + step * i + hold);
        }
        assert_eq!(q.next_due(), Some(t0 + hold + LONGEST_POSTPONE));

        // A ping waiting for its retry is not put off by a change.
        let mut ping = q.take_one_due(t0 + Duration::from_secs(60)).unwrap();
        ping.attempts += 1;
        assert_eq!(q.retry(ping, t0), Retry::After(FIRST_BACKOFF));
        q.push(&hub, &s("/feed.rss"), LIVE, t0 + Duration::from_secs(3));
        assert_eq!(q.next_due(), Some(t0 + FIRST_BACKOFF));
        // And a full queue still drops by age: the postponed ping is older.
        q.push(&hub, &s("/feeds/a.rss"), LIVE, t0);
        q.set_bounds(1, 3);
        assert_eq!(q.topics().into_iter().collect::<Vec<_>>(), ["/feeds/a.rss"]);
    }

    #[test]
    fn a_due_ping_goes_out_ahead_of_older_retries_not_yet_due() {
        let t0 = Instant::now();
        let mut q = Queue::new(10_000, 5);
        let hub = s("http://hub/");
        // A thousand pings failed once: put back, due a second later.
        for i in 0..1000 {
            q.push(&hub, &s(&format!("/a{i}")), LIVE, t0);
        }
        for mut ping in q.take_due(t0) {
            ping.attempts += 1;
            assert_eq!(q.retry(ping, t0), Retry::After(FIRST_BACKOFF));
        }
        // A new change behind them is due now, and goes at once.
        q.push(&hub, &s("/moi"), LIVE, t0);
        let next = q.take_one_due(t0).expect("due");
        assert_eq!(&*next.topic, "/moi");
        assert_eq!(q.take_one_due(t0), None);
        assert_eq!(q.next_due(), Some(t0 + FIRST_BACKOFF));
        // Full: the oldest goes first, though it is due last.
        q.set_bounds(999, 5);
        assert!(!q.topics().contains("/a0"));
        assert!(q.topics().contains("/a1"));
    }

    #[test]
    fn only_due_pings_are_taken() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(10, 3);
        q.push(&hub, &s("/a"), LIVE, t0 + Duration::from_secs(1));
        assert!(q.take_due(t0).is_empty());
        assert_eq!(q.next_due(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(q.take_due(t0 + Duration::from_secs(1)).len(), 1);
        assert_eq!(q.next_due(), None);
    }

    #[test]
    fn a_full_queue_drops_its_oldest() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(2, 3);
        q.push(&hub, &s("/1"), LIVE, t0);
        q.push(&hub, &s("/2"), LIVE, t0);
        let dropped = q.push(&hub, &s("/3"), LIVE, t0).dropped;
        assert_eq!(
            dropped,
            Dropped {
                live: 1,
                terms: 0,
                archives: 0,
                farewells: 0
            }
        );
        let topics: Vec<_> = q.take_due(t0).into_iter().map(|p| p.topic).collect();
        assert_eq!(topics, [s("/2"), s("/3")]);
        // The dropped one's key went with it.
        assert!(!q.push(&hub, &s("/1"), LIVE, t0).coalesced);
        assert_eq!(q.set_bounds(1, 3).total(), 0);
        q.push(&hub, &s("/4"), LIVE, t0);
        assert_eq!(q.len(), 1);
    }

    /// A site of thousands of tags and authors: a change to every document
    /// (a reload that renames the site) queues the all-articles and category
    /// feeds first, but a full queue drops tag and author feeds' pings
    /// before any of theirs, and they still go out first.
    #[test]
    fn a_full_queue_drops_tag_and_author_pings_before_the_site_and_categories() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(3, 3);
        q.push(&hub, &s("/feed.rss"), LIVE, t0);
        q.push(&hub, &s("/feeds/a.rss"), LIVE, t0);
        let mut dropped = Dropped::default();
        for term in ["/authors/x.rss", "/tags/b.rss", "/tags/c.rss"] {
            dropped += q.push(&hub, &s(term), TERM, t0).dropped;
        }
        dropped += q
            .push(&hub, &s("/archive/2020-01.rss"), ARCHIVE, t0)
            .dropped;
        assert_eq!(
            dropped,
            Dropped {
                live: 2,
                terms: 2,
                archives: 1,
                farewells: 0
            }
        );
        let topics: Vec<_> = q.take_due(t0).into_iter().map(|p| p.topic).collect();
        assert_eq!(
            topics,
            [s("/feed.rss"), s("/feeds/a.rss"), s("/tags/c.rss")]
        );
    }

    /// A hub removed, then put back before its last ping went: the change
    /// of the reload that put it back is a ping like any other, not a last one.
    #[test]
    fn a_last_ping_to_a_hub_put_back_becomes_an_ordinary_one() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(10, 5);
        q.push(&hub, &s("/feed.rss"), FAREWELL, t0);
        assert!(!q.push(&hub, &s("/feed.rss"), LIVE, t0).coalesced);
        assert_eq!(q.len(), 1);
        let mut ping = q.take_one_due(t0).unwrap();
        assert_eq!(ping.priority, LIVE);
        ping.attempts += 1;
        assert_eq!(q.retry(ping, t0), Retry::After(FIRST_BACKOFF), "retried");
        // The other way, a last ping joins the waiting ordinary one.
        assert!(q.push(&hub, &s("/feed.rss"), FAREWELL, t0).coalesced);
    }

    /// A removed hub's last pings go from its own room, are dropped first,
    /// and are tried once; dropping a hub takes every ping waiting for it.
    #[test]
    fn a_removed_hubs_last_pings_never_push_out_or_hold_back_others() {
        let (hub, gone, t0) = (s("http://hub/"), s("http://cu/"), Instant::now());
        let mut q = Queue::new(3, 5);
        q.push(&gone, &s("/feed.rss"), FAREWELL, t0);
        q.push(&hub, &s("/archive/2020-01.rss"), ARCHIVE, t0);
        q.push(&hub, &s("/feed.rss"), LIVE, t0);
        let dropped = q.push(&hub, &s("/tags/a.rss"), TERM, t0).dropped;
        assert_eq!(dropped.farewells, 1, "{dropped:?}");
        // Full: a last ping queued now is the one dropped.
        let dropped = q.push(&gone, &s("/feeds/a.rss"), FAREWELL, t0).dropped;
        assert_eq!(dropped.farewells, 1, "{dropped:?}");
        let topics: Vec<_> = std::iter::from_fn(|| q.take_one_due(t0))
            .map(|p| p.topic)
            .collect();
        assert_eq!(
            topics,
            [s("/feed.rss"), s("/tags/a.rss"), s("/archive/2020-01.rss")]
        );
        q.push(&gone, &s("/feeds/a.rss"), FAREWELL, t0);
        let mut last = q.take_one_due(t0).unwrap();
        last.attempts += 1;
        assert_eq!(q.retry(last, t0), Retry::GaveUp, "tried once");

        q.push(&gone, &s("/feed.rss"), LIVE, t0);
        q.push(&gone, &s("/feed.atom"), ARCHIVE, t0);
        q.push(&hub, &s("/feed.rss"), LIVE, t0);
        q.drop_hub("http://cu/");
        assert_eq!(q.len(), 1);
        assert!(
            !q.push(&gone, &s("/feed.rss"), LIVE, t0).coalesced,
            "its keys went"
        );
    }

    /// The reviewer's case: one edit queued its live feeds first, then more
    /// archive pings than the queue holds, and the live ones went first.
    #[test]
    fn a_full_queue_drops_archive_pings_before_any_live_one() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(3, 3);
        q.push(&hub, &s("/feed.rss"), LIVE, t0);
        q.push(&hub, &s("/feeds/a.rss"), LIVE, t0);
        let mut dropped = Dropped::default();
        for month in [
            "/archive/2020-01.rss",
            "/archive/2020-02.rss",
            "/archive/2020-03.rss",
        ] {
            dropped += q.push(&hub, &s(month), ARCHIVE, t0).dropped;
        }
        assert_eq!(
            dropped,
            Dropped {
                live: 0,
                terms: 0,
                archives: 2,
                farewells: 0
            }
        );
        // A live ping queued into a full queue takes an archive's place.
        let pushed = q.push(&hub, &s("/tags/b.rss"), LIVE, t0);
        assert_eq!(
            pushed.dropped,
            Dropped {
                live: 0,
                terms: 0,
                archives: 1,
                farewells: 0
            }
        );
        // With no archive ping left, the oldest live one goes: the bound holds.
        let pushed = q.push(&hub, &s("/authors/c.rss"), LIVE, t0);
        assert_eq!(
            pushed.dropped,
            Dropped {
                live: 1,
                terms: 0,
                archives: 0,
                farewells: 0
            }
        );
        assert_eq!(q.len(), 3);
        let topics: Vec<_> = q.take_due(t0).into_iter().map(|p| p.topic).collect();
        assert_eq!(
            topics,
            [s("/feeds/a.rss"), s("/tags/b.rss"), s("/authors/c.rss")]
        );
        // A dropped archive's key went with it.
        assert!(
            !q.push(&hub, &s("/archive/2020-01.rss"), ARCHIVE, t0)
                .coalesced
        );
    }

    #[test]
    fn live_pings_go_out_before_the_archive_pings_due_with_them() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(10, 3);
        q.push(&hub, &s("/archive/2020-01.rss"), ARCHIVE, t0);
        q.push(&hub, &s("/feed.rss"), LIVE, t0);
        q.push(&hub, &s("/archive/2020-02.rss"), ARCHIVE, t0);
        q.push(&hub, &s("/feeds/a.rss"), LIVE, t0 + Duration::from_secs(1));
        let order = |q: &mut Queue, at| -> Vec<(Priority, Arc<str>)> {
            q.take_due(at)
                .into_iter()
                .map(|p| (p.priority, p.topic))
                .collect()
        };
        assert_eq!(
            order(&mut q, t0),
            [
                (LIVE, s("/feed.rss")),
                (ARCHIVE, s("/archive/2020-01.rss")),
                (ARCHIVE, s("/archive/2020-02.rss"))
            ]
        );
        assert_eq!(q.next_due(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(
            order(&mut q, t0 + Duration::from_secs(1)),
            [(LIVE, s("/feeds/a.rss"))]
        );
    }

    #[test]
    fn a_live_retry_into_a_full_queue_drops_an_archive_ping() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(2, 3);
        q.push(&hub, &s("/feed.rss"), LIVE, t0);
        let mut ping = q.take_due(t0).remove(0);
        q.push(&hub, &s("/archive/2020-01.rss"), ARCHIVE, t0);
        q.push(&hub, &s("/archive/2020-02.rss"), ARCHIVE, t0);
        ping.attempts = 1;
        let dropped = Dropped {
            live: 0,
            terms: 0,
            archives: 1,
            farewells: 0,
        };
        assert_eq!(
            q.retry(ping, t0),
            Retry::AfterDropping(FIRST_BACKOFF, dropped)
        );
        let topics: Vec<_> = q
            .take_due(t0 + FIRST_BACKOFF)
            .into_iter()
            .map(|p| p.topic)
            .collect();
        assert_eq!(topics, [s("/feed.rss"), s("/archive/2020-02.rss")]);
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_bound() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(10, 3);
        q.push(&hub, &s("/a"), LIVE, t0);
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
        q.push(&hub, &s("/a"), LIVE, t0);
        let mut ping = q.take_due(t0).remove(0);
        q.push(&hub, &s("/a"), LIVE, t0);
        ping.attempts = 1;
        assert_eq!(q.retry(ping, t0), Retry::Superseded);
        assert_eq!(q.len(), 1);
    }

    /// Two hubs that hold every send (no answer until the time runs out)
    /// and one that answers at once: the healthy hub's pings all go out,
    /// in its own order, while the others' first ones are still out.
    #[test]
    fn a_hub_that_holds_its_sends_never_holds_back_another_hubs_pings() {
        let t0 = Instant::now();
        let (dead, mute, good) = (
            s("http://a.dead/"),
            s("http://b.mute/"),
            s("http://c.good/"),
        );
        let mut q = Queue::new(1000, 8);
        let topics = ["/feed.rss", "/tags/a.rss", "/archive/2020-01.rss"];
        for i in 0..10 {
            for (topic, line) in topics.iter().zip([LIVE, TERM, ARCHIVE]) {
                for hub in [&dead, &mute, &good] {
                    q.push(hub, &s(&format!("{topic}?{i}")), line, t0);
                }
            }
        }
        let mut out = Vec::new();
        let mut good_order = Vec::new();
        while let Some(ping) = q.take_one_due(t0) {
            if ping.hub == good {
                // Answered at once.
                good_order.push(ping.priority);
                q.done(&good, t0);
            } else {
                out.push(ping);
            }
        }
        assert_eq!(good_order.len(), 30, "every ping to the healthy hub");
        assert!(good_order.is_sorted(), "its own order: {good_order:?}");
        // The others have PER_HUB each out, the rest waiting.
        assert_eq!(out.len(), 2 * PER_HUB);
        assert_eq!(q.len(), 60 - 2 * PER_HUB);
        assert_eq!(q.next_due(), None, "nothing to take until a send is done");
        q.done(&dead, t0);
        assert_eq!(q.next_due(), Some(t0));
        let next = q.take_one_due(t0).unwrap();
        assert_eq!((&*next.hub, next.priority), (&*dead, LIVE));
        assert_eq!(q.take_one_due(t0), None);
    }

    /// Hubs take turns: with every ping due at once, no hub gets a second
    /// ping out before each other gets its first.
    #[test]
    fn hubs_take_turns() {
        let t0 = Instant::now();
        let hubs = [s("http://a/"), s("http://b/"), s("http://c/")];
        let mut q = Queue::new(100, 8);
        for i in 0..3 {
            // Each hub's live pings before the next's, as a change queues them.
            for hub in &hubs {
                q.push(hub, &s(&format!("/feeds/{i}.rss")), LIVE, t0);
            }
        }
        let order: Vec<Arc<str>> = q.take_due(t0).into_iter().map(|p| p.hub).collect();
        assert_eq!(order, [hubs.clone(), hubs.clone(), hubs].concat());
    }

    /// A hub answering `Retry-After: 30` to one ping: that ping waits 30 s,
    /// not the first backoff's 1 s, every other ping to that hub waits with
    /// it, without spending an attempt, and another hub's go on.
    #[test]
    fn a_pause_holds_back_every_ping_to_its_hub_alone() {
        let t0 = Instant::now();
        let (busy, other) = (s("http://busy/"), s("http://other/"));
        let mut q = Queue::new(100, 2);
        for topic in ["/feed.rss", "/feed.atom", "/feed.json"] {
            for hub in [&busy, &other] {
                q.push(hub, &s(topic), LIVE, t0);
            }
        }
        let mut first = q.take_one_due(t0).unwrap();
        assert_eq!(first.hub, busy);
        let wait = Duration::from_secs(30);
        assert_eq!(q.pause(&busy, t0, wait), wait);
        first.attempts += 1;
        assert_eq!(q.retry(first, t0), Retry::After(wait));
        q.done(&busy, t0);
        let taken: Vec<Arc<str>> = q.take_due(t0).into_iter().map(|p| p.hub).collect();
        assert_eq!(taken, [other.clone(), other.clone(), other]);
        assert_eq!(q.next_due(), Some(t0 + wait));
        assert!(q.take_due(t0 + wait - Duration::from_millis(1)).is_empty());
        let after = q.take_due(t0 + wait);
        assert_eq!(after.len(), 3);
        // Two attempts allowed: the one refused with the header spent one,
        // the two that waited none.
        let attempts: Vec<u32> = after.iter().map(|p| p.attempts).collect();
        assert_eq!(attempts.iter().sum::<u32>(), 1, "{attempts:?}");

        // A shorter pause asked meanwhile does not shorten a longer one.
        q.pause(&busy, t0, Duration::from_secs(60));
        q.pause(&busy, t0, Duration::from_secs(5));
        q.push(&busy, &s("/feed.rss"), LIVE, t0);
        assert_eq!(q.next_due(), Some(t0 + Duration::from_secs(60)));
    }

    /// A hub asking to wait longer than an hour (or a `Retry-After` date
    /// years away) is tried again within the hour; a reload that removes it
    /// forgets the pause.
    #[test]
    fn a_pause_is_at_most_the_longest_and_dropping_the_hub_forgets_it() {
        let (hub, t0) = (s("http://hub/"), Instant::now());
        let mut q = Queue::new(10, 3);
        q.push(&hub, &s("/feed.rss"), LIVE, t0);
        let day = Duration::from_secs(86_400);
        assert_eq!(q.pause(&hub, t0, day), LONGEST_PAUSE);
        assert_eq!(q.pause(&hub, t0, Duration::MAX), LONGEST_PAUSE);
        assert_eq!(q.next_due(), Some(t0 + LONGEST_PAUSE));
        let mut ping = q.take_due(t0 + LONGEST_PAUSE).remove(0);
        ping.attempts += 1;
        assert_eq!(q.retry(ping, t0), Retry::After(LONGEST_PAUSE));
        q.drop_hub("http://hub/");
        assert!(q.is_empty());
        q.push(&hub, &s("/feed.rss"), LIVE, t0);
        assert_eq!(q.next_due(), Some(t0));
    }

    #[test]
    fn a_hub_is_reported_when_it_starts_failing_and_when_it_recovers() {
        let (hub, mut h) = (s("http://hub/"), Health::default());
        assert_eq!(h.record(&hub, true), Turn::Steady);
        assert_eq!(h.record(&hub, false), Turn::StartedFailing);
        assert_eq!(h.record(&hub, false), Turn::Steady);
        assert_eq!(h.failing(), std::slice::from_ref(&hub));
        assert_eq!(h.record(&hub, true), Turn::Recovered(2));
        assert!(h.failing().is_empty());
        assert_eq!(h.record(&hub, true), Turn::Steady);
    }
}
