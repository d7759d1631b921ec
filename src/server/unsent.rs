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
//! by a [`Lease`] the response carries; and a client holding its budget, or
//! all clients together holding the total, is refused the next one (see
//! `routes`).
//!
//! A body is counted once however many responses hold it (the same cached
//! archive on many streams, or read by many clients at once): what is
//! bounded is memory, and those share it. Bodies are told apart by the
//! address and length of their bytes, which a lease keeps alive, so the
//! address cannot be reused by another body while counted. Clients are counted as connections are
//! (see [`Client`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;

use super::clients::Client;

/// The bytes of unsent bodies, by client and in all, with the budgets they
/// are held to.
#[derive(Debug)]
pub struct Unsent {
    /// A std mutex: held for a few map operations, never across an `.await`.
    books: Mutex<Books>,
    /// Bytes one client may hold before it is refused more; 0 = no limit.
    per_client: AtomicUsize,
    /// Bytes all clients may hold before everyone is refused more; 0 = no limit.
    total: AtomicUsize,
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
}

/// One client's unsent bodies.
#[derive(Debug, Default)]
struct Held {
    /// The bytes of its bodies, each once.
    bytes: usize,
    /// Its bodies by address, each with how many of its leases hold it.
    bodies: HashMap<Key, usize>,
}

/// A body's bytes: their address and length. The address alone would take
/// a body and a slice at its start for one.
type Key = (usize, usize);

/// Why a client is refused another body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Over {
    /// It holds its own budget (`max_unsent_bytes_per_client`).
    Client,
    /// All clients together hold the total (`max_unsent_bytes`).
    Total,
}

/// One response's hold on its body, counted until dropped: carried in the
/// response (an extension) and then in its body, which hyper drops when the
/// stream is sent, reset or its connection closes.
#[derive(Debug)]
pub struct Lease {
    unsent: Arc<Unsent>,
    client: Client,
    key: Key,
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
        })
    }

    /// Holds clients to new budgets from now on (a reload); what is held
    /// stays held.
    pub fn set_budgets(&self, per_client: usize, total: usize) {
        self.per_client.store(per_client, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    /// Whether `client` may be given another body: not if it holds its
    /// budget, or all clients hold the total. A client under its budget may
    /// go over by the body it is given: the budget says when to stop, and a
    /// body's size is known only once it is rendered.
    pub fn admit(&self, client: Client) -> Result<(), Over> {
        let (per_client, total) = (
            self.per_client.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        );
        let books = self.lock();
        let held = books.clients.get(&client).map_or(0, |h| h.bytes);
        if per_client != 0 && held >= per_client {
            return Err(Over::Client);
        }
        if total != 0 && books.total >= total {
            return Err(Over::Total);
        }
        Ok(())
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
}

impl Books {
    /// Sets the gauge to what is held. Under the lock, so the last value set
    /// is the last total.
    fn publish(&self) {
        metrics::gauge!("bantin_http_unsent_bytes").set(self.total as f64);
    }

    /// Takes back one lease of `client` on the body at `key`.
    fn release(&mut self, client: Client, key: Key) {
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
            if held.bodies.is_empty() {
                self.clients.remove(&client);
            }
        }
        self.publish();
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.unsent.lock().release(self.client, self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(ip: &str) -> Client {
        Client::of(ip.parse().unwrap())
    }

    fn body(len: usize) -> Bytes {
        Bytes::from(vec![7u8; len])
    }

    #[test]
    fn a_client_at_its_budget_is_refused_until_a_body_is_sent() {
        let unsent = Unsent::new(100, 1000);
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

    #[test]
    fn all_clients_together_are_held_to_the_total() {
        let unsent = Unsent::new(100, 150);
        let leases: Vec<Lease> = (1..=3)
            .map(|n| {
                unsent
                    .hold(client(&format!("10.0.0.{n}")), &body(50))
                    .unwrap()
            })
            .collect();
        // A client holding nothing is refused too: the total is the machine's.
        assert_eq!(unsent.admit(client("10.0.0.9")), Err(Over::Total));
        drop(leases);
        assert_eq!(unsent.admit(client("10.0.0.9")), Ok(()));
    }

    #[test]
    fn a_body_held_many_times_counts_once() {
        let unsent = Unsent::new(100, 150);
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
        let unsent = Unsent::new(0, 0);
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
