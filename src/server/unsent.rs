//! Response bodies made for a request and not yet sent, counted per client
//! and in all, so clients that take nothing they are sent cannot make the
//! daemon keep more than its configuration allows.
//!
//! A feed of the snapshot costs nothing per response: every response shares
//! its bytes. A body rendered on demand is the response's own once the
//! on-demand cache lets it go, and an article page or a month sitemap is made
//! for its request alone. An HTTP/2 stream whose client never opens its
//! window keeps such a body until the connection ends: 32 connections of 64
//! streams, each a different 1.3 MB archive, held 2.5 GB. So each such body
//! is counted here from the moment its response is made until hyper (or the
//! HTTP/1 fast path) is done with it — sent, reset or its connection closed —
//! by a [`Lease`] the response carries; and a client holding its budget is
//! refused the next one (see `routes`).
//!
//! Once all clients together hold the total, a fixed refusal would let a few
//! rude addresses (4 at the default budgets, each at its 64 MiB) lock out
//! everyone else. So the total is shared out instead: a client holding less
//! than its fair share (the total over the clients holding bodies, itself
//! counted) is still served, and the clients holding more than theirs give
//! bytes back: each of their connections that has taken nothing for
//! [`SHED_STILL`] (or held one response unmoved for [`STREAM_STILL`]) is
//! ended at once ([`Sender::end`]), as the write timeout
//! would end it later, and its leases go with it. A client reading its
//! downloads keeps them however big they are. Memory stays bounded: past
//! twice the total ([`HARD_CAP`]) everyone is refused until bodies go.
//!
//! A body is counted once however many responses hold it (the same cached
//! archive on many streams, or read by many clients at once): what is
//! bounded is memory, and those share it. Bodies are told apart by the
//! address and length of their bytes, which a lease keeps alive, so the
//! address cannot be reused by another body while counted. Clients are counted as connections are
//! (see [`Client`]).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::clients::Client;
use super::connection::Throttle;

/// How long a connection must have taken no byte of its responses (nor
/// begun or ended a request) for it to be ended when its client holds more
/// than its fair share of the total: a client that reads takes bytes every
/// round trip, so five seconds without one is a client that does not read
/// (or a network that lost it), which the write timeout would close anyway.
/// A lossy mobile link stalls for a second or two, not five.
pub const SHED_STILL: Duration = Duration::from_secs(5);

/// How long one response of a connection that takes bytes of others (an
/// HTTP/2 stream behind a window its client never opens, while it reads or
/// asks for other things) must have not moved for the connection to count
/// as not moving. Longer than [`SHED_STILL`]: HTTP/2 sends a connection's
/// streams a piece each in turn, so with many downloads at once each stream
/// moves only every few seconds while the client reads them all.
pub const STREAM_STILL: Duration = Duration::from_secs(15);

/// How often, at most, the clients over their share are looked over while
/// the total is held: each look reads every connection sending their
/// bodies, under the books' lock, and the rule above needs nothing finer.
const SCAN_EVERY: Duration = Duration::from_millis(250);

/// How many times the total all clients may hold, counting the bodies of
/// clients under their fair share admitted past it, before everyone is
/// refused: the bound on memory when the clients over their share are all
/// reading (so none can be ended) and many clients ask at once.
pub const HARD_CAP: usize = 2;

/// At most one log line per this interval that the total is held, and one
/// that connections were ended for it: clients decide how often, so they
/// must not decide the log's volume.
const REPORT_INTERVAL: Duration = Duration::from_secs(10);

/// At most this many clients are named in one line about connections ended.
const NAMED: usize = 16;

/// The bytes of unsent bodies, by client and in all, with the budgets they
/// are held to.
#[derive(Debug)]
pub struct Unsent {
    /// A std mutex: held for a few map operations, never across an `.await`.
    books: Mutex<Books>,
    /// Bytes one client may hold before it is refused more; 0 = no limit.
    per_client: AtomicUsize,
    /// Bytes all clients may hold before they are shared out; 0 = no limit.
    total: AtomicUsize,
    /// Throttles the line saying the total is held.
    reached: Throttle,
    /// Throttles the line naming the clients whose connections were ended.
    shed: Throttle,
    /// How often, at most, the clients over their share are looked over
    /// ([`SCAN_EVERY`]; the tests look at every admission).
    scan_every: Duration,
}

/// A connection that sends leased bodies, as the books see it: whether the
/// client takes what it is sent, and how to end it.
pub trait Sender: Send + Sync + std::fmt::Debug {
    /// How long a response in progress on it has gone without the client
    /// taking a byte of it; zero with none in progress.
    fn unmoved(&self) -> Duration;

    /// Asks it to end now, with what it has not sent (its leases drop with
    /// it); true the first time only.
    fn end(&self) -> bool;
}

/// What is held, by whom.
#[derive(Debug, Default)]
struct Books {
    /// Each client holding a body. An entry goes with its client's last
    /// lease, so there are at most as many as there are responses unsent.
    clients: HashMap<Client, Held>,
    /// Each body held by anyone, by where its bytes are ([`Key`]), with how
    /// many leases hold it.
    bodies: HashMap<Key, usize>,
    /// The bytes of every body in `bodies`, each once.
    total: usize,
    /// When the clients over their share were last looked over (see [`SCAN_EVERY`]).
    looked: Option<Instant>,
}

/// One client's unsent bodies.
#[derive(Debug, Default)]
struct Held {
    /// The bytes of its bodies, each once.
    bytes: usize,
    /// Its bodies by address, each with how many of its leases hold it.
    bodies: HashMap<Key, usize>,
    /// The connections sending its leased bodies, by the address of their
    /// [`Sender`]: the ones to end if it holds too much.
    senders: HashMap<usize, Sending>,
}

/// A connection sending some of a client's leased bodies.
#[derive(Debug)]
struct Sending {
    conn: Arc<dyn Sender>,
    /// Its leases (a connection may send several: HTTP/2 streams).
    leases: usize,
}

/// A body's bytes: their address and length. The address alone would take
/// a body and a slice at its start for one.
type Key = (usize, usize);

/// Why a client is refused another body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Over {
    /// It holds its own budget (`max_unsent_bytes_per_client`).
    Client,
    /// All clients together hold the total (`max_unsent_bytes`) and it holds
    /// its fair share of it, or they hold [`HARD_CAP`] times the total.
    Total,
}

/// A client whose connections were ended for holding more than its fair
/// share of the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shed {
    client: Client,
    /// What it held when they were ended.
    held: usize,
    /// How many of its connections were ended.
    connections: usize,
}

/// One response's hold on its body, counted until dropped: carried in the
/// response (an extension) and then in its body, which hyper drops when the
/// stream is sent, reset or its connection closes.
#[derive(Debug)]
pub struct Lease {
    unsent: Arc<Unsent>,
    client: Client,
    key: Key,
    /// The connection sending the body, once it says so ([`Lease::sent_on`]).
    on: OnceLock<Arc<dyn Sender>>,
    /// Keeps the counted bytes alive, so their address names them alone
    /// while counted.
    _body: Bytes,
}

impl Unsent {
    /// Nothing held, with budgets of `per_client` and `total` bytes (0 = no limit).
    pub fn new(per_client: usize, total: usize) -> Arc<Unsent> {
        Arc::new(Unsent {
            books: Mutex::new(Books::default()),
            per_client: AtomicUsize::new(per_client),
            total: AtomicUsize::new(total),
            reached: Throttle::new(REPORT_INTERVAL),
            shed: Throttle::new(REPORT_INTERVAL),
            scan_every: SCAN_EVERY,
        })
    }

    /// Holds clients to new budgets from now on (a reload); what is held
    /// stays held.
    pub fn set_budgets(&self, per_client: usize, total: usize) {
        self.per_client.store(per_client, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    /// Whether `client` may be given another body: not if it holds its
    /// budget. A client under its budget may go over by the body it is
    /// given: the budget says when to stop, and a body's size is known only
    /// once it is rendered.
    ///
    /// Once all clients hold the total, it is shared out: `client` is
    /// admitted while it holds less than its fair share (and all hold less
    /// than [`HARD_CAP`] times the total), and the clients over their share
    /// have their connections that are not moving ended, so their bodies go.
    /// That costs a pass over the clients holding bodies, only while the
    /// total is held.
    pub fn admit(&self, client: Client) -> Result<(), Over> {
        let (per_client, total) = (
            self.per_client.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        );
        let mut books = self.lock();
        let held = books.clients.get(&client).map_or(0, |h| h.bytes);
        if per_client != 0 && held >= per_client {
            return Err(Over::Client);
        }
        if total == 0 || books.total < total {
            return Ok(());
        }
        let share = books.fair_share(client, total);
        let now = Instant::now();
        let look = books
            .looked
            .is_none_or(|at| now.saturating_duration_since(at) >= self.scan_every);
        let shed = if look {
            books.looked = Some(now);
            books.shed_over(share)
        } else {
            Vec::new()
        };
        let admitted = held < share && books.total < total.saturating_mul(HARD_CAP);
        let (all, holding) = (books.total, books.clients.len());
        drop(books);
        self.report_reached(all, holding, share);
        self.report_shed(&shed);
        if admitted {
            Ok(())
        } else {
            Err(Over::Total)
        }
    }

    /// Counts `body` as held by `client` until the lease is dropped; `None`
    /// for an empty body, which holds nothing.
    pub fn hold(self: &Arc<Self>, client: Client, body: &Bytes) -> Option<Lease> {
        if body.is_empty() {
            return None;
        }
        let len = body.len();
        let key = (body.as_ptr() as usize, len);
        let mut books = self.lock();
        let leases = books.bodies.entry(key).or_insert(0);
        *leases += 1;
        if *leases == 1 {
            books.total += len;
        }
        let held = books.clients.entry(client).or_default();
        let leases = held.bodies.entry(key).or_insert(0);
        *leases += 1;
        if *leases == 1 {
            held.bytes += len;
        }
        books.publish();
        Some(Lease {
            unsent: self.clone(),
            client,
            key,
            on: OnceLock::new(),
            _body: body.clone(),
        })
    }

    /// Bytes held in all, each body once.
    pub fn total(&self) -> usize {
        self.lock().total
    }

    fn lock(&self) -> MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Says, at most once per [`REPORT_INTERVAL`], that all clients hold the total.
    fn report_reached(&self, all: usize, holding: usize, share: usize) {
        if let Some(times) = self.reached.hit() {
            tracing::warn!(
                held = all,
                clients = holding,
                fair_share = share,
                times,
                "unsent response bodies hold max_unsent_bytes ({}): clients under their \
                 fair share are still served, and connections of clients over it that \
                 take nothing are ended (said at most every {} s)",
                self.total.load(Ordering::Relaxed),
                REPORT_INTERVAL.as_secs()
            );
        }
    }

    /// Counts the connections ended, and names their clients at most once
    /// per [`REPORT_INTERVAL`].
    fn report_shed(&self, shed: &[Shed]) {
        let connections: usize = shed.iter().map(|s| s.connections).sum();
        if connections == 0 {
            return;
        }
        metrics::counter!("bantin_http_unsent_shed_total").increment(connections as u64);
        let Some(rounds) = self.shed.hit() else {
            return;
        };
        let mut named = String::new();
        for s in shed.iter().take(NAMED) {
            let sep = if named.is_empty() { "" } else { ", " };
            let _ = write!(
                named,
                "{sep}{} ({} bytes, {} connections)",
                s.client, s.held, s.connections
            );
        }
        if shed.len() > NAMED {
            let _ = write!(named, " and {} more clients", shed.len() - NAMED);
        }
        tracing::warn!(
            connections,
            rounds,
            "ended connections that took nothing for {} s (or held a response unmoved for \
             {} s), of clients holding more than their fair share of max_unsent_bytes: \
             {named} (said at most every {} s; all are counted in \
             bantin_http_unsent_shed_total)",
            SHED_STILL.as_secs(),
            STREAM_STILL.as_secs(),
            REPORT_INTERVAL.as_secs()
        );
    }
}

impl Books {
    /// Sets the gauge to what is held. Under the lock, so the last value set
    /// is the last total.
    fn publish(&self) {
        metrics::gauge!("bantin_http_unsent_bytes").set(self.total as f64);
    }

    /// `total` shared between the clients holding bodies and `client`.
    fn fair_share(&self, client: Client, total: usize) -> usize {
        let asking = usize::from(!self.clients.contains_key(&client));
        total / (self.clients.len() + asking).max(1)
    }

    /// Ends the connections not moving of every client holding more than
    /// `share`: those it asks to end for the first time, by client.
    fn shed_over(&self, share: usize) -> Vec<Shed> {
        let mut shed = Vec::new();
        for (client, held) in &self.clients {
            if held.bytes <= share {
                continue;
            }
            let connections = held
                .senders
                .values()
                .filter(|s| s.conn.unmoved() >= SHED_STILL && s.conn.end())
                .count();
            if connections > 0 {
                shed.push(Shed {
                    client: *client,
                    held: held.bytes,
                    connections,
                });
            }
        }
        shed
    }

    /// Notes that `conn` sends one of `client`'s leases.
    fn attach(&mut self, client: Client, conn: Arc<dyn Sender>) {
        if let Some(held) = self.clients.get_mut(&client) {
            held.senders
                .entry(sender_key(&conn))
                .or_insert(Sending { conn, leases: 0 })
                .leases += 1;
        }
    }

    /// Takes back one lease of `client` on the body at `key`, sent on `on`.
    fn release(&mut self, client: Client, key: Key, on: Option<&Arc<dyn Sender>>) {
        let (_, len) = key;
        let Some(leases) = self.bodies.get_mut(&key) else {
            return;
        };
        *leases -= 1;
        if *leases == 0 {
            self.bodies.remove(&key);
            self.total -= len;
        }
        if let Some(held) = self.clients.get_mut(&client) {
            if let Some(leases) = held.bodies.get_mut(&key) {
                *leases -= 1;
                if *leases == 0 {
                    held.bodies.remove(&key);
                    held.bytes -= len;
                }
            }
            if let Some(conn) = on {
                let at = sender_key(conn);
                if let Some(sending) = held.senders.get_mut(&at) {
                    sending.leases -= 1;
                    if sending.leases == 0 {
                        held.senders.remove(&at);
                    }
                }
            }
            if held.bodies.is_empty() {
                self.clients.remove(&client);
            }
        }
        self.publish();
    }
}

/// A connection's place in the books: where its [`Sender`] is, which it
/// keeps while it is there.
fn sender_key(conn: &Arc<dyn Sender>) -> usize {
    Arc::as_ptr(conn).cast::<()>() as usize
}

impl Lease {
    /// Notes that `conn` sends this body, so that it can be ended if its
    /// client holds too much of the total while it takes nothing. Once: a
    /// body is sent on one connection.
    pub fn sent_on(&self, conn: Arc<dyn Sender>) {
        let mut books = self.unsent.lock();
        if self.on.set(conn.clone()).is_ok() {
            books.attach(self.client, conn);
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.unsent
            .lock()
            .release(self.client, self.key, self.on.get());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    /// Books that look over the clients at every admission, as a test
    /// asks faster than [`SCAN_EVERY`].
    fn looking(per_client: usize, total: usize) -> Arc<Unsent> {
        let mut unsent = Unsent::new(per_client, total);
        Arc::get_mut(&mut unsent).expect("just made").scan_every = Duration::ZERO;
        unsent
    }

    fn client(ip: &str) -> Client {
        Client::of(ip.parse().unwrap())
    }

    fn body(len: usize) -> Bytes {
        Bytes::from(vec![7u8; len])
    }

    #[test]
    fn a_client_at_its_budget_is_refused_until_a_body_is_sent() {
        let unsent = looking(100, 1000);
        let (a, b) = (client("10.0.0.1"), client("10.0.0.2"));
        assert_eq!(unsent.admit(a), Ok(()));
        let first = unsent.hold(a, &body(60)).unwrap();
        assert_eq!(unsent.admit(a), Ok(()), "under its budget");
        // Over by the body it was given: the size was not known before.
        let second = unsent.hold(a, &body(60)).unwrap();
        assert_eq!(unsent.admit(a), Err(Over::Client));
        // Another client is not affected, an IPv6 /64 is one client.
        assert_eq!(unsent.admit(b), Ok(()));
        assert_eq!(unsent.total(), 120);
        drop(first);
        assert_eq!(unsent.admit(a), Ok(()));
        drop(second);
        assert_eq!(unsent.total(), 0);
        assert!(unsent.lock().clients.is_empty() && unsent.lock().bodies.is_empty());
    }

    /// A connection the test moves or stalls by hand.
    #[derive(Debug, Default)]
    struct Conn {
        unmoved: Mutex<Duration>,
        ended: std::sync::atomic::AtomicBool,
    }

    impl Conn {
        fn still(for_: Duration) -> Arc<Conn> {
            Arc::new(Conn {
                unmoved: Mutex::new(for_),
                ..Conn::default()
            })
        }

        fn ended(&self) -> bool {
            self.ended.load(Ordering::SeqCst)
        }
    }

    impl Sender for Conn {
        fn unmoved(&self) -> Duration {
            *self.unmoved.lock().unwrap()
        }

        fn end(&self) -> bool {
            !self.ended.swap(true, Ordering::SeqCst)
        }
    }

    #[test]
    fn the_clients_over_their_share_are_looked_over_at_most_every_scan_interval() {
        let unsent = Unsent::new(0, 100);
        let (a, b, c) = (client("10.0.0.1"), client("10.0.0.2"), client("10.0.0.3"));
        let first = Conn::still(SHED_STILL);
        let _a = sent(&unsent, a, 120, &first);
        assert_eq!(unsent.admit(c), Ok(()), "under its share");
        assert!(first.ended(), "the first look ends what is over and still");
        let second = Conn::still(SHED_STILL);
        let _b = sent(&unsent, b, 60, &second);
        assert_eq!(unsent.admit(c), Ok(()));
        assert!(!second.ended(), "no second look within {SCAN_EVERY:?}");
    }

    /// A lease of `len` bytes for `client`, sent on `conn`.
    fn sent(unsent: &Arc<Unsent>, client: Client, len: usize, conn: &Arc<Conn>) -> Lease {
        let lease = unsent.hold(client, &body(len)).unwrap();
        lease.sent_on(conn.clone());
        lease
    }

    #[test]
    fn once_the_total_is_held_a_client_under_its_fair_share_is_still_served() {
        let unsent = looking(0, 300);
        let reading = Conn::still(Duration::ZERO);
        // Three clients hold 100 each: the total. None can be shed (they read).
        let rude: Vec<Lease> = (1..=3)
            .map(|n| sent(&unsent, client(&format!("10.0.0.{n}")), 100, &reading))
            .collect();
        assert_eq!(unsent.total(), 300);
        // A fourth client's share is 300 / 4 = 75: holding nothing, it is served.
        let polite = client("10.0.0.9");
        assert_eq!(unsent.admit(polite), Ok(()));
        let first = sent(&unsent, polite, 60, &reading);
        assert_eq!(unsent.admit(polite), Ok(()), "60 is under its share of 75");
        let second = sent(&unsent, polite, 60, &reading);
        assert_eq!(unsent.admit(polite), Err(Over::Total), "120 is over 75");
        // Each of the three holds more than 75: refused.
        assert_eq!(unsent.admit(client("10.0.0.1")), Err(Over::Total));
        // Under the total, everyone is served again.
        drop((first, second));
        drop(rude);
        assert_eq!(unsent.admit(client("10.0.0.1")), Ok(()));
        assert!(!reading.ended(), "a connection that reads is never ended");
    }

    #[test]
    fn the_clients_over_their_share_lose_the_connections_that_do_not_move() {
        let unsent = looking(0, 300);
        let (big_still, big_reading) = (client("10.0.0.1"), client("2001:db8:1:2::1"));
        let small_still = client("10.0.0.3");
        let stalled = Conn::still(SHED_STILL);
        let reads = Conn::still(SHED_STILL / 4);
        let also_stalled = Conn::still(SHED_STILL * 10);
        let small = Conn::still(SHED_STILL * 10);
        let mut held = vec![
            // Over its share: one connection stalled, one reading.
            sent(&unsent, big_still, 100, &stalled),
            sent(&unsent, big_still, 50, &reads),
            // Over its share, but reading at a fair pace on all its connections.
            sent(&unsent, big_reading, 130, &reads),
        ];
        // Under its share, stalled: not the one to give bytes back.
        held.push(sent(&unsent, small_still, 30, &small));
        assert_eq!(unsent.total(), 310);
        // A fourth client asks: shares are 300 / 4 = 75.
        assert_eq!(unsent.admit(client("10.0.0.9")), Ok(()));
        assert!(stalled.ended(), "the client over its share, not moving");
        assert!(
            !reads.ended(),
            "a connection that moves is kept, big or not"
        );
        assert!(!small.ended(), "a client under its share is kept");
        // Ended once: asking again does not count it again.
        assert!(!stalled.end());
        let books = unsent.lock();
        assert_eq!(
            books.shed_over(75),
            Vec::<Shed>::new(),
            "nothing left to end: the stalled connection was asked already"
        );
        drop(books);
        // Another connection of the same client stalls: it is the next one.
        held.push(sent(&unsent, big_still, 20, &also_stalled));
        assert_eq!(
            unsent.lock().shed_over(75),
            vec![Shed {
                client: big_still,
                held: 170,
                connections: 1
            }]
        );
        assert!(also_stalled.ended());
        drop(held);
        let books = unsent.lock();
        assert!(books.clients.is_empty() && books.bodies.is_empty() && books.total == 0);
    }

    #[test]
    fn memory_stays_within_the_total_and_the_bodies_admitted_meanwhile() {
        const TOTAL: usize = 1000;
        const BODY: usize = 90;
        let unsent = looking(400, TOTAL);
        // Rude clients: their connections never move and are ended when
        // asked, and their leases go as an ended connection's task drops them.
        let mut rude: Vec<(Arc<Conn>, Lease)> = Vec::new();
        // A polite client reads its body before it asks for the next.
        let mut polite: Option<Lease> = None;
        let mut peak = 0;
        let mut shed = 0;
        for round in 0..200 {
            let who = client(&format!("10.0.{}.{}", round % 7, 1 + round % 5));
            if unsent.admit(who).is_ok() {
                let conn = Conn::still(SHED_STILL);
                let lease = sent(&unsent, who, BODY, &conn);
                rude.push((conn, lease));
            }
            let before = rude.len();
            rude.retain(|(conn, _)| !conn.ended());
            shed += before - rude.len();
            peak = peak.max(unsent.total());
            // Now and then a polite client with nothing held asks: served.
            if round % 10 == 0 {
                let p = client(&format!("192.0.2.{}", round / 10));
                assert_eq!(unsent.admit(p), Ok(()), "round {round}");
                polite = unsent.hold(p, &body(BODY));
                peak = peak.max(unsent.total());
            }
        }
        assert!(shed > 0, "the rude clients over their share were ended");
        assert!(polite.is_some());
        assert!(
            peak <= TOTAL + 2 * BODY,
            "held {peak} at most, total budget {TOTAL}"
        );

        // When no connection can be ended (every client reads), clients
        // under their share are served up to twice the total, then no one.
        let unsent = looking(0, TOTAL);
        let reading = Conn::still(Duration::ZERO);
        let mut held = Vec::new();
        for n in 0..1000 {
            let who = client(&format!("10.1.{}.{}", n / 250, n % 250));
            match unsent.admit(who) {
                Ok(()) => held.push(sent(&unsent, who, BODY, &reading)),
                Err(over) => assert_eq!(over, Over::Total),
            }
        }
        let all = unsent.total();
        assert!(
            (HARD_CAP * TOTAL..HARD_CAP * TOTAL + BODY).contains(&all),
            "held {all}, hard cap {}",
            HARD_CAP * TOTAL
        );
        assert_eq!(unsent.admit(client("192.0.2.200")), Err(Over::Total));
        assert!(!reading.ended());
    }

    #[test]
    fn a_body_held_many_times_counts_once() {
        let unsent = looking(100, 150);
        let shared = body(80);
        let (a, b) = (client("10.0.0.1"), client("2001:db8::1"));
        // One client's streams, and another client, all sending one cached archive.
        let mut leases: Vec<Lease> = (0..64).map(|_| unsent.hold(a, &shared).unwrap()).collect();
        leases.push(unsent.hold(b, &shared).unwrap());
        assert_eq!(unsent.total(), 80);
        assert_eq!(unsent.admit(a), Ok(()));
        assert_eq!(unsent.admit(b), Ok(()));
        // A slice of other bytes is another body.
        leases.push(unsent.hold(b, &body(80)).unwrap());
        assert_eq!(unsent.total(), 160);
        assert_eq!(unsent.admit(b), Err(Over::Client));
        assert_eq!(unsent.admit(a), Err(Over::Total));
        leases.truncate(64);
        assert_eq!(unsent.total(), 80);
        leases.truncate(1);
        assert_eq!(unsent.total(), 80, "still held by one stream");
        leases.clear();
        assert_eq!(unsent.total(), 0);
    }

    #[test]
    fn no_limit_and_empty_bodies() {
        let unsent = looking(0, 0);
        let a = client("10.0.0.1");
        let held: Vec<Lease> = (0..10)
            .map(|_| unsent.hold(a, &body(1000)).unwrap())
            .collect();
        assert_eq!(unsent.admit(a), Ok(()));
        assert!(unsent.hold(a, &Bytes::new()).is_none());
        // A reload sets budgets: what is held counts against them at once.
        unsent.set_budgets(5000, 0);
        assert_eq!(unsent.admit(a), Err(Over::Client));
        drop(held);
        assert_eq!(unsent.admit(a), Ok(()));
    }
}
