//! Turns to render, shared fairly between clients: a request takes a free
//! turn at once when no other request waits; otherwise it queues with its
//! client's other requests, and each turn given back goes to the waiting
//! client with the fewest renders running (the one that has waited longest
//! among those).
//!
//! One FIFO of turns let a client with many connections (32, each with 64
//! HTTP/2 streams) queue thousands of renders ahead of everyone else. Here a
//! request waits behind at most one render of each other client that is
//! waiting too, plus its own client's earlier requests; and a lone client
//! (or every visitor behind one reverse proxy, which all share its address)
//! still uses every turn. Clients are told apart as connections are counted
//! (see [`Client`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use super::clients::Client;

/// A few turns, and the requests waiting for one.
#[derive(Debug)]
pub struct Turns {
    /// A std mutex: held for a few map and queue operations, never across an
    /// `.await`.
    state: Mutex<State>,
    /// The gauge its waiting requests are counted in.
    gauge: Gauge,
}

/// The gauge a [`Turns`] counts its waiting requests in: each named where it
/// is set, as every metric is (see `metric_families`).
#[derive(Debug, Clone, Copy)]
pub enum Gauge {
    /// `bantin_render_queue_waiting`: renders on demand.
    Renders,
    /// `bantin_page_queue_waiting`: article pages and month sitemaps.
    Pages,
}

impl Gauge {
    /// Adds `by` (negative: takes away) to the gauge.
    fn add(self, by: f64) {
        match self {
            Gauge::Renders => metrics::gauge!("bantin_render_queue_waiting").increment(by),
            Gauge::Pages => metrics::gauge!("bantin_page_queue_waiting").increment(by),
        }
    }
}

/// Who holds and who waits for the turns.
#[derive(Debug)]
struct State {
    /// Turns nobody holds.
    free: usize,
    /// Each client with a request holding or waiting for a turn. An entry
    /// goes with its client's last request, so there are at most as many as
    /// there are clients with a render in progress.
    clients: HashMap<Client, Queue>,
    /// The clients with requests waiting, longest waiting first.
    waiting: VecDeque<Client>,
    /// The number the next waiting request gets.
    next: u64,
}

/// One client's requests.
#[derive(Debug, Default)]
struct Queue {
    /// Turns its requests hold.
    running: usize,
    /// Its requests waiting for a turn, in order: each with the number it
    /// was given and where to send its turn.
    waiters: VecDeque<(u64, oneshot::Sender<()>)>,
}

/// A turn to render, given back on drop. Owned, so the blocking task that
/// renders can hold it: a request abandoned mid-render (a reset stream, a
/// closed connection) gives its turn back only when the render it started
/// ends, and a client resetting requests cannot run more renders than there
/// are turns.
#[derive(Debug)]
pub struct Turn {
    turns: Arc<Turns>,
    client: Client,
}

/// A request waiting for a turn; taken out of its client's queue if it is
/// abandoned (its connection went away), and its turn passed on if one had
/// been sent to it meanwhile.
struct Wait<'a> {
    turns: &'a Turns,
    client: Client,
    number: u64,
    turn: oneshot::Receiver<()>,
    /// Whether its turn came and is now a [`Turn`]'s.
    taken: bool,
}

impl Turns {
    /// `at_once` turns, counting the requests that wait for one in `gauge`.
    pub fn new(at_once: usize, gauge: Gauge) -> Turns {
        Turns {
            state: Mutex::new(State {
                free: at_once,
                clients: HashMap::new(),
                waiting: VecDeque::new(),
                next: 0,
            }),
            gauge,
        }
    }

    /// A turn for a request of `client`: at once if one is free and nobody
    /// waits, else when the turns given back reach it.
    pub async fn take(self: &Arc<Self>, client: Client) -> Turn {
        let mut wait = {
            let mut state = self.lock();
            if state.free > 0 && state.waiting.is_empty() {
                state.free -= 1;
                state.clients.entry(client).or_default().running += 1;
                return Turn {
                    turns: self.clone(),
                    client,
                };
            }
            let (send, turn) = oneshot::channel();
            let number = state.next;
            state.next += 1;
            let queue = state.clients.entry(client).or_default();
            queue.waiters.push_back((number, send));
            if queue.waiters.len() == 1 {
                state.waiting.push_back(client);
            }
            self.gauge.add(1.0);
            Wait {
                turns: self,
                client,
                number,
                turn,
                taken: false,
            }
        };
        // The sender is dropped only after a send (see `State::pass_on`), so
        // this is the turn; a closed channel would mean the same.
        let _ = (&mut wait.turn).await;
        // Now counted as running in its client's queue: the `Turn` owns that.
        wait.taken = true;
        Turn {
            turns: self.clone(),
            client,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// Gives free turns to waiting requests: each to the first waiting
    /// request of the client with the fewest turns running (the client that
    /// has waited longest, among those). Returns how many stopped waiting.
    fn pass_on(&mut self) -> usize {
        let mut given = 0;
        while self.free > 0 {
            let fewest = self
                .waiting
                .iter()
                .enumerate()
                .min_by_key(|(place, c)| (self.clients.get(c).map_or(0, |q| q.running), *place))
                .map(|(place, _)| place);
            let Some(client) = fewest.and_then(|place| self.waiting.remove(place)) else {
                break;
            };
            let Some(queue) = self.clients.get_mut(&client) else {
                continue;
            };
            let Some((_, send)) = queue.waiters.pop_front() else {
                continue;
            };
            given += 1;
            // A send fails only if the waiter is being dropped, and `Wait`'s
            // drop, which holds the lock, then finds itself gone from the queue
            // with no turn sent: nothing to give back. Counted as running
            // either way, so it can be given back below.
            queue.running += 1;
            self.free -= 1;
            let more = !queue.waiters.is_empty();
            if send.send(()).is_err() {
                queue.running -= 1;
                self.free += 1;
            }
            if more {
                self.waiting.push_back(client);
            }
            self.forget_if_idle(client);
        }
        given
    }

    /// Removes `client`'s entry once it holds and waits for nothing.
    fn forget_if_idle(&mut self, client: Client) {
        if self
            .clients
            .get(&client)
            .is_some_and(|q| q.running == 0 && q.waiters.is_empty())
        {
            self.clients.remove(&client);
        }
    }
}

impl State {
    /// Takes back a turn `client` held and passes it on; how many stopped waiting.
    fn give_back(&mut self, client: Client) -> usize {
        if let Some(queue) = self.clients.get_mut(&client) {
            queue.running -= 1;
        }
        self.free += 1;
        self.forget_if_idle(client);
        self.pass_on()
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let given = self.turns.lock().give_back(self.client);
        self.turns.gauge.add(-(given as f64));
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if self.taken {
            return;
        }
        let mut state = self.turns.lock();
        let Some(queue) = state.clients.get_mut(&self.client) else {
            return;
        };
        let before = queue.waiters.len();
        queue.waiters.retain(|(number, _)| *number != self.number);
        if queue.waiters.len() < before {
            // Still waiting: out of the queue, and out of the waiting clients
            // if it was its client's last.
            if queue.waiters.is_empty() {
                state.waiting.retain(|c| *c != self.client);
            }
            state.forget_if_idle(self.client);
            drop(state);
            self.turns.gauge.add(-1.0);
            return;
        }
        // Its turn was sent but never taken: give it back.
        if self.turn.try_recv().is_ok() {
            let given = state.give_back(self.client);
            drop(state);
            self.turns.gauge.add(-(given as f64));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::{pin, Pin};
    use std::task::{Context, Poll, Waker};

    const GAUGE: Gauge = Gauge::Renders;

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

    fn clients(turns: &Turns) -> usize {
        turns.lock().clients.len()
    }

    #[test]
    fn a_turn_held_by_a_render_on_another_thread_comes_back_when_the_render_ends() {
        // The request that took it is gone (a reset stream); the blocking
        // render it started still holds the turn.
        let turns = Arc::new(Turns::new(1, GAUGE));
        let a = client("10.0.0.1");
        let turn = poll(pin!(turns.take(a))).expect("a free turn");
        let (finish, finished) = std::sync::mpsc::channel::<()>();
        let render = std::thread::spawn(move || {
            let _held = turn;
            let _ = finished.recv();
        });
        let mut next = pin!(turns.take(client("10.0.0.2")));
        assert!(poll(next.as_mut()).is_none(), "the render still runs");
        finish.send(()).unwrap();
        render.join().unwrap();
        assert!(poll(next.as_mut()).is_some(), "its turn came back with it");
    }

    #[test]
    fn a_lone_client_uses_every_turn() {
        // Behind a reverse proxy every visitor is one client.
        let turns = Arc::new(Turns::new(2, GAUGE));
        let a = client("10.0.0.1");
        let a1 = poll(pin!(turns.take(a))).expect("a free turn");
        let a2 = poll(pin!(turns.take(a))).expect("the other free turn");
        let mut a3 = pin!(turns.take(a));
        assert!(poll(a3.as_mut()).is_none(), "two at once");
        drop(a1);
        let a3 = poll(a3.as_mut()).expect("the turn given back");
        drop((a2, a3));
        assert_eq!(clients(&turns), 0);
        assert_eq!(turns.lock().free, 2);
    }

    #[test]
    fn a_turn_given_back_goes_to_the_client_with_the_fewest_running() {
        let turns = Arc::new(Turns::new(2, GAUGE));
        let (a, b) = (client("10.0.0.1"), client("2001:db8::1"));
        let a1 = poll(pin!(turns.take(a))).expect("a free turn");
        let a2 = poll(pin!(turns.take(a))).expect("a free turn");
        // The first client queues many; the second comes after all of them.
        let mut later: Vec<_> = (0..10).map(|_| Box::pin(turns.take(a))).collect();
        for f in &mut later {
            assert!(poll(f.as_mut()).is_none());
        }
        let mut b1 = pin!(turns.take(b));
        assert!(poll(b1.as_mut()).is_none(), "nothing is free");
        drop(a1);
        // The second client runs nothing, the first one render: the second's.
        assert!(poll(later[0].as_mut()).is_none());
        let b1 = poll(b1.as_mut()).expect("the second client's turn comes first");
        drop(a2);
        let l0 = poll(later[0].as_mut()).expect("then the first client's next");
        assert!(poll(later[1].as_mut()).is_none());
        drop((b1, l0));
        let l1 = poll(later[1].as_mut()).expect("both turns back to the lone client");
        let l2 = poll(later[2].as_mut()).expect("both turns back to the lone client");
        drop((l1, l2));
    }

    #[test]
    fn an_abandoned_request_leaves_its_queue_and_passes_on_a_turn_sent_to_it() {
        let turns = Arc::new(Turns::new(1, GAUGE));
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
            assert_eq!(clients(&turns), 2);
            // Their clients go away: the requests are dropped while they wait.
        }
        assert_eq!(clients(&turns), 1);
        assert!(turns.lock().waiting.is_empty());
        drop(a1);
        assert_eq!(clients(&turns), 0);

        // A turn sent to a request that is dropped before it wakes goes on.
        let (a, b) = (client("10.0.0.1"), client("10.0.0.2"));
        let a1 = poll(pin!(turns.take(a))).expect("a free turn");
        let mut gone = Box::pin(turns.take(a));
        assert!(poll(gone.as_mut()).is_none());
        let mut b1 = pin!(turns.take(b));
        assert!(poll(b1.as_mut()).is_none());
        drop(a1); // sent to the first waiter, `gone`, which has not woken yet
        drop(gone);
        let b1 = poll(b1.as_mut()).expect("the turn `gone` never took");
        drop(b1);
        assert_eq!(clients(&turns), 0);
        assert_eq!(turns.lock().free, 1);
    }
}
