//! Turns to render on demand, shared fairly between clients: a client has at
//! most one render running or waiting for one of the few global turns, and
//! its other requests wait in a queue of its own.
//!
//! One FIFO of global turns let a client with many connections (32, each with
//! 64 HTTP/2 streams) queue thousands of renders ahead of everyone else. With
//! a queue per client, a request waits behind at most one render of each
//! other client, plus its own client's earlier requests. Clients are told
//! apart as connections are counted (see [`Client`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

use super::clients::Client;

/// The global turns, and the queue of each client that wants one.
#[derive(Debug)]
pub struct Turns {
    /// Renders running at once; taken in FIFO order by the head of each
    /// client's queue.
    global: Semaphore,
    /// The queue of each client with a request holding or waiting for a
    /// turn. An entry goes with its last request, so there are at most as
    /// many as there are clients with an on-demand render in progress. A std
    /// mutex: held for a map lookup, never across an `.await`.
    queues: Mutex<HashMap<Client, Queue>>,
}

/// One client's queue.
#[derive(Debug)]
struct Queue {
    /// One permit: held by the client's request that runs or waits for a
    /// global turn; the others wait for it, in order (tokio's semaphore is fair).
    head: Arc<Semaphore>,
    /// Requests holding or waiting for `head`.
    requests: usize,
}

/// A turn to render, given back on drop.
#[derive(Debug)]
pub struct Turn<'a> {
    // Fields drop in declaration order: the global turn goes to whoever
    // waited longest for one before this client's next request joins the
    // global queue, at its back.
    _global: SemaphorePermit<'a>,
    _head: OwnedSemaphorePermit,
    _place: Place<'a>,
}

/// A request's place in its client's queue. Dropped when the request is done
/// or abandoned while it waits (its client went away), so the queue's entry
/// goes with the last of them either way.
#[derive(Debug)]
struct Place<'a> {
    turns: &'a Turns,
    client: Client,
}

/// Counts a request in `bantin_render_queue_waiting` while it lives.
struct Waiting;

impl Waiting {
    fn begin() -> Waiting {
        metrics::gauge!("bantin_render_queue_waiting").increment(1.0);
        Waiting
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        metrics::gauge!("bantin_render_queue_waiting").decrement(1.0);
    }
}

impl Turns {
    /// `at_once` global turns, and no client queued.
    pub fn new(at_once: usize) -> Turns {
        Turns {
            global: Semaphore::new(at_once),
            queues: Mutex::new(HashMap::new()),
        }
    }

    /// A turn for a request of `client`, once its earlier requests have had
    /// theirs and a global turn is free.
    pub async fn take(&self, client: Client) -> Turn<'_> {
        let waiting = Waiting::begin();
        let (place, head) = self.join(client);
        let head = head
            .acquire_owned()
            .await
            .expect("a client's queue is never closed");
        let global = self
            .global
            .acquire()
            .await
            .expect("the global turns are never closed");
        drop(waiting);
        Turn {
            _global: global,
            _head: head,
            _place: place,
        }
    }

    /// A place in `client`'s queue, made for it if it had none.
    fn join(&self, client: Client) -> (Place<'_>, Arc<Semaphore>) {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        let queue = queues.entry(client).or_insert_with(|| Queue {
            head: Arc::new(Semaphore::new(1)),
            requests: 0,
        });
        queue.requests += 1;
        (
            Place {
                turns: self,
                client,
            },
            queue.head.clone(),
        )
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut queues = self
            .turns
            .queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(queue) = queues.get_mut(&self.client) {
            queue.requests -= 1;
            if queue.requests == 0 {
                queues.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::{pin, Pin};
    use std::task::{Context, Poll, Waker};

    fn client(ip: &str) -> Client {
        Client::of(ip.parse().unwrap())
    }

    /// Polls `f` once: its value if it is ready.
    fn poll<F: Future>(f: Pin<&mut F>) -> Option<F::Output> {
        match f.poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        }
    }

    fn queued(turns: &Turns) -> usize {
        turns.queues.lock().unwrap().len()
    }

    #[test]
    fn a_clients_second_request_waits_for_its_first_not_a_free_global_turn() {
        let turns = Turns::new(2);
        let (a, b) = (client("10.0.0.1"), client("10.0.0.2"));
        let a1 = poll(pin!(turns.take(a))).expect("a free turn");
        let mut a2 = pin!(turns.take(a));
        assert!(
            poll(a2.as_mut()).is_none(),
            "a client renders one at a time"
        );
        let b1 = poll(pin!(turns.take(b))).expect("the other global turn is free");
        drop(a1);
        let a2 = poll(a2.as_mut()).expect("its turn once the first is done");
        drop((a2, b1));
        assert_eq!(queued(&turns), 0);
    }

    #[test]
    fn another_client_goes_before_a_clients_later_requests() {
        let turns = Turns::new(1);
        let (a, b) = (client("10.0.0.1"), client("2001:db8::1"));
        let a1 = poll(pin!(turns.take(a))).expect("a free turn");
        // The first client queues many; the second comes after all of them.
        let mut later: Vec<_> = (0..10).map(|_| Box::pin(turns.take(a))).collect();
        for f in &mut later {
            assert!(poll(f.as_mut()).is_none());
        }
        let mut b1 = pin!(turns.take(b));
        assert!(poll(b1.as_mut()).is_none());
        drop(a1);
        // The first client's next request waits for the global turn, behind
        // the second client, which had waited for it since before.
        assert!(poll(later[0].as_mut()).is_none());
        let b1 = poll(b1.as_mut()).expect("the second client's turn comes next");
        assert!(poll(later[0].as_mut()).is_none());
        drop(b1);
        assert!(poll(later[0].as_mut()).is_some());
        assert_eq!(queued(&turns), 1);
    }

    #[test]
    fn a_queue_goes_with_its_last_request_even_one_abandoned_while_waiting() {
        let turns = Turns::new(1);
        let a = client("10.0.0.1");
        let a1 = poll(pin!(turns.take(a))).expect("a free turn");
        {
            let mut waiting: Vec<_> = (0..3).map(|_| Box::pin(turns.take(a))).collect();
            for f in &mut waiting {
                assert!(poll(f.as_mut()).is_none());
            }
            // IPv6 clients share a queue per /64.
            let mut v6 = pin!(turns.take(client("2001:db8:0:1::1")));
            assert!(poll(v6.as_mut()).is_none());
            let mut same = pin!(turns.take(client("2001:db8:0:1::2")));
            assert!(poll(same.as_mut()).is_none());
            assert_eq!(queued(&turns), 2);
            // Their clients go away: the requests are dropped while they wait.
        }
        assert_eq!(queued(&turns), 1);
        drop(a1);
        assert_eq!(queued(&turns), 0);
        // And the turns are all back.
        let _a = poll(pin!(turns.take(a))).expect("a free turn");
    }
}
