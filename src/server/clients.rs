//! Connections per client address, so one address cannot take every slot.
//!
//! An IPv4 address is one client. An IPv6 client is counted per /64: a single
//! host is usually given a whole /64 (RFC 4291 §2.5.4 interface ids, SLAAC
//! privacy addresses) and can pick a fresh address in it for every
//! connection. IPv4-mapped IPv6 addresses count as the IPv4 address they map.
//! The limit is given with each connection, so a reload applies it to the
//! next one; every connection is counted, even while there is no limit, so a
//! limit set by a reload counts the connections already open.
//! The peer address is the TCP one: `X-Forwarded-For` and `Forwarded` arrive
//! inside a request, after the connection is already held, and anyone can
//! write them, so they cannot decide whether to accept a connection.
//! The same [`Client`] key shares out turns to render on demand (`turns`).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};

/// Who a connection is counted as: its IPv4 address, or its IPv6 /64. It is
/// one client whichever address of its /64 a connection comes from, so two
/// are equal (and hash alike) by that key alone; the address itself is kept
/// for what is decided per address (who may read `/metrics`).
#[derive(Debug, Clone, Copy)]
pub struct Client {
    key: IpAddr,
    addr: IpAddr,
}

impl Client {
    /// The client a connection from `ip` belongs to.
    pub fn of(ip: IpAddr) -> Client {
        Client {
            key: client_key(ip),
            addr: ip.to_canonical(),
        }
    }

    /// The connection's own address (an IPv4-mapped IPv6 one as IPv4).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }
}

impl PartialEq for Client {
    fn eq(&self, other: &Client) -> bool {
        self.key == other.key
    }
}

impl Eq for Client {}

impl std::hash::Hash for Client {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

/// As a sysadmin reads it in the log: the IPv4 address, or the IPv6 /64.
impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.key {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

#[cfg(test)]
impl Client {
    /// 127.0.0.1, for tests that need some client.
    pub(crate) fn local() -> Client {
        Client::of(IpAddr::from([127, 0, 0, 1]))
    }
}

/// Open connections by client.
#[derive(Debug)]
pub struct Clients {
    /// Entries are removed when they reach 0, so this holds at most as many
    /// entries as there are open connections. A std mutex: held for a map
    /// lookup, never across an `.await`.
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's place in its client's count; given back on drop.
#[derive(Debug)]
pub struct Slot {
    clients: Arc<Clients>,
    client: Client,
}

impl Slot {
    /// The client the connection belongs to.
    pub fn client(&self) -> Client {
        self.client
    }
}

impl Clients {
    /// An empty table.
    pub fn new() -> Arc<Clients> {
        Arc::new(Clients {
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for a connection from `ip`, or `None` if that client holds
    /// `limit` connections already (0 = no limit).
    pub fn admit(self: &Arc<Self>, ip: IpAddr, limit: usize) -> Option<Slot> {
        let client = Client::of(ip);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(client.key).or_insert(0);
        if limit != 0 && *n >= limit {
            return None;
        }
        *n += 1;
        Some(Slot {
            clients: self.clone(),
            client,
        })
    }

    /// Connections `ip`'s client holds now.
    pub fn open(&self, ip: IpAddr) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.get(&client_key(ip)).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .clients
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.client.key) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.client.key);
            }
        }
    }
}

/// The address a client is counted under: IPv4 as is (mapped or not), IPv6 by /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(
                u128::from(v6) & 0xffff_ffff_ffff_ffff_0000_0000_0000_0000,
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_client_is_its_key_and_keeps_its_own_address() {
        let (a, b) = (Client::of(ip("2001:db8::1")), Client::of(ip("2001:db8::2")));
        assert_eq!(a, b, "one /64, one client");
        let s = std::hash::RandomState::new();
        use std::hash::BuildHasher;
        assert_eq!(s.hash_one(a), s.hash_one(b), "hashed alike");
        assert_eq!(a.addr(), ip("2001:db8::1"));
        assert_eq!(b.addr(), ip("2001:db8::2"));
        let mapped = Client::of(ip("::ffff:192.0.2.7"));
        assert_eq!(mapped, Client::of(ip("192.0.2.7")));
        assert_eq!(mapped.addr(), ip("192.0.2.7"), "a mapped address as IPv4");
        let slot = Clients::new().admit(ip("::ffff:192.0.2.7"), 0).unwrap();
        assert_eq!(slot.client().addr(), ip("192.0.2.7"));
    }

    #[test]
    fn a_client_gets_its_limit_and_slots_come_back() {
        let c = Clients::new();
        let a = c.admit(ip("10.0.0.1"), 2).unwrap();
        let b = c.admit(ip("10.0.0.1"), 2).unwrap();
        assert!(c.admit(ip("10.0.0.1"), 2).is_none());
        // Another client is not affected.
        let other = c.admit(ip("10.0.0.2"), 2).unwrap();
        drop(a);
        let again = c.admit(ip("10.0.0.1"), 2).unwrap();
        assert_eq!(c.open(ip("10.0.0.1")), 2);
        drop((b, again, other));
        assert!(c.open.lock().unwrap().is_empty());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let c = Clients::new();
        let a = c.admit(ip("2001:db8:1:2::1"), 1).unwrap();
        assert!(c.admit(ip("2001:db8:1:2:ffff::9"), 1).is_none());
        assert!(c.admit(ip("2001:db8:1:3::1"), 1).is_some());
        let v4 = c.admit(ip("192.0.2.7"), 1).unwrap();
        assert!(c.admit(ip("::ffff:192.0.2.7"), 1).is_none());
        // A connection's client is the key it is counted under.
        assert_eq!(v4.client(), Client::of(ip("::ffff:192.0.2.7")));
        assert_eq!(a.client(), Client::of(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(a.client(), Client::of(ip("2001:db8:1:3::1")));
        // Logged as what it is counted as.
        assert_eq!(a.client().to_string(), "2001:db8:1:2::/64");
        assert_eq!(v4.client().to_string(), "192.0.2.7");
    }

    #[test]
    fn zero_is_no_limit() {
        let c = Clients::new();
        let slots: Vec<Slot> = (0..100)
            .filter_map(|_| c.admit(ip("10.0.0.1"), 0))
            .collect();
        assert_eq!(slots.len(), 100);
    }

    #[test]
    fn a_limit_set_later_counts_the_connections_already_open() {
        let c = Clients::new();
        let open: Vec<Slot> = (0..3).filter_map(|_| c.admit(ip("10.0.0.1"), 0)).collect();
        // A reload sets a limit of 2: the three already open leave no room.
        assert!(c.admit(ip("10.0.0.1"), 2).is_none());
        drop(open);
        assert!(c.admit(ip("10.0.0.1"), 2).is_some());
    }
}
