//! One connection's lifetime: which requests are in progress, and when the
//! server ends it (no first request in time, idle too long, a response that
//! makes no progress, its client holding too much unsent while it takes
//! nothing, shutdown).
//!
//! On HTTP/2 a response's progress is its own: a client can keep the
//! connection busy (a small request now and then, which is answered) while
//! other streams sit behind windows it never opens, each holding its body.
//! So each response served by hyper keeps the time its body last moved, and
//! one that has not moved for the write timeout stalls the connection.
//!
//! Ending is graceful: hyper finishes what is in progress and, on HTTP/2, sends
//! GOAWAY (RFC 9113 §6.8) so the client knows to retry elsewhere; the caller
//! bounds how long that may take.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use hyper::body::{Body, Frame, SizeHint};
use metrics::Counter;
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use super::unsent::{Lease, Sender};

/// Requests in progress on one connection, and when its responses last moved.
#[derive(Debug)]
pub struct Activity {
    in_flight: AtomicUsize,
    started: AtomicBool,
    /// Woken when the first request starts. One waiter (the connection's own
    /// task), so `notify_one`'s stored permit means it is not missed.
    changed: Notify,
    /// Milliseconds on the deadline clock ([`now_millis`]) when a request
    /// last began or ended, a write last took bytes, or a response was made;
    /// the accept at first. How long the connection's responses have not
    /// moved, for the stall deadline and the books of unsent bodies (the
    /// reclaim under pressure counts by `taken` and `wait_began` instead).
    progress: AtomicU64,
    /// Milliseconds on the same clock when a request last began or ended; the
    /// accept at first. The idle clock: a write is no request, and on HTTP/2
    /// the server writes with none in progress (its keep-alive PINGs, SETTINGS
    /// and WINDOW_UPDATE frames), which must not keep an idle connection open.
    requested: AtomicU64,
    /// The responses hyper serves, each with when its body last moved
    /// ([`DONE`] once sent or dropped, until the next look prunes it).
    responses: Mutex<Vec<Arc<AtomicU64>>>,
    /// Set when the books of unsent bodies end the connection ([`Sender::end`]).
    shed: AtomicBool,
    /// Woken when `shed` is set; one waiter, as `changed`.
    shedding: Notify,
    /// How many [`until_ending`]s watch this connection (the fast path's
    /// watcher may still be dropping as hyper's begins), so that setting
    /// `shed` ends it only while one does.
    watched: AtomicUsize,
    /// Whether it waits for a request with nothing of one read: the fast
    /// path's between requests, and an HTTP/2 one hyper serves (hyper reads
    /// its heads, and closes gracefully). Such a connection may be ended to
    /// make room once idle [`RECLAIM_IDLE`], or dropped at once at shutdown.
    waiting: AtomicBool,
    /// When the head the fast path holds part of began to arrive (on the
    /// deadline clock; 0: none since a request last began or ended). Such a
    /// connection may be ended to make room [`RECLAIM_BEGUN`] after, its
    /// part of a head dropped.
    begun: AtomicU64,
    /// Whether hyper serves it on HTTP/1, and so may hold part of a head:
    /// it may be ended to make room once idle [`RECLAIM_BEGUN`].
    hyper_h1: AtomicBool,
    /// Whether a write waits for room in the socket: the client has not
    /// taken what was written before. With a request in progress, the stall
    /// clock then says how long the client has taken nothing, which may
    /// make room once [`RECLAIM_STALLED`] (see [`Activity::room`]); with
    /// none, the server waits for its bytes to go, not for the client.
    write_waits: AtomicBool,
    /// When the client last took bytes (milliseconds on the deadline clock):
    /// moved by bytes alone, not by requests, whose turns would let a client
    /// that takes nothing hold its slot by asking again and again.
    taken: AtomicU64,
    /// When the first write to wait since the client last took bytes began
    /// to (0: none has). Waits ended with nothing taken (a wake-up with no
    /// room after all) do not start the stall clock again.
    wait_began: AtomicU64,
}

/// A response slot's time once the response is over.
const DONE: u64 = u64::MAX;

/// A response slot's time while the server makes the response (it may wait
/// for a render slot): the client cannot stall what it has not been given.
const MAKING: u64 = u64::MAX - 1;

/// Slots kept before the ones over are pruned: twice the streams one HTTP/2
/// connection may have open (see `max_concurrent_streams`), so pruning is
/// rare and the list stays small.
const PRUNE_AT: usize = 128;

/// The most a response body gives hyper at a time: one HTTP/2 frame at the
/// default size. hyper asks for the next piece only once the stream's
/// window had room for a byte of the one before, so a stream the client
/// does not read holds at most one piece in h2's buffers, not the whole body
/// (and that much after its last piece, when the response is over for the
/// server: 64 streams of 16 KiB, 1 MiB, per connection at most), and each
/// piece taken is the stream moving. Small pieces also keep streams that
/// share a slow connection moving in turn.
const PIECE: usize = 16 * 1024;

impl Default for Activity {
    fn default() -> Activity {
        let now = now_millis();
        Activity {
            in_flight: AtomicUsize::new(0),
            started: AtomicBool::new(false),
            changed: Notify::new(),
            progress: AtomicU64::new(now),
            requested: AtomicU64::new(now),
            responses: Mutex::new(Vec::new()),
            shed: AtomicBool::new(false),
            shedding: Notify::new(),
            watched: AtomicUsize::new(0),
            waiting: AtomicBool::new(false),
            begun: AtomicU64::new(0),
            hyper_h1: AtomicBool::new(false),
            write_waits: AtomicBool::new(false),
            taken: AtomicU64::new(now),
            wait_began: AtomicU64::new(0),
        }
    }
}

/// One request in progress, from the call of the service until its response
/// body is sent or dropped (on HTTP/2, until the stream closes).
#[derive(Debug)]
pub struct InFlight {
    activity: Arc<Activity>,
    /// When this response last moved, for one served by hyper.
    moved: Option<Arc<AtomicU64>>,
}

impl Activity {
    /// Counts a request in from now until the returned guard is dropped.
    ///
    /// Only the connection's first request wakes [`until_ending`]: after that it
    /// sleeps until a deadline could have passed and reads the clocks then, so a
    /// keep-alive connection costs no wake-up (and no new timer) per request.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.turned();
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        // A load first: the swap (a locked instruction) only once.
        if !self.started.load(Ordering::Acquire) && !self.started.swap(true, Ordering::AcqRel) {
            self.changed.notify_one();
        }
        InFlight {
            activity: self.clone(),
            moved: None,
        }
    }

    /// [`Activity::begin`] for a response whose progress is its own: one of
    /// several a connection may have at once (hyper's, HTTP/2 streams).
    pub fn begin_response(self: &Arc<Self>) -> InFlight {
        let mut in_flight = self.begin();
        let moved = Arc::new(AtomicU64::new(MAKING));
        let mut responses = self
            .responses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if responses.len() >= PRUNE_AT {
            responses.retain(|r| r.load(Ordering::Acquire) != DONE);
        }
        responses.push(moved.clone());
        in_flight.moved = Some(moved);
        in_flight
    }

    /// How long the response that has gone longest without moving has not.
    fn longest_unmoved(&self) -> Duration {
        let now = now_millis();
        let responses = self
            .responses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let oldest = responses
            .iter()
            .map(|r| r.load(Ordering::Acquire))
            .filter(|&at| at < MAKING)
            .min();
        oldest.map_or(Duration::ZERO, |at| {
            Duration::from_millis(now.saturating_sub(at))
        })
    }

    fn busy(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) > 0
    }

    /// Notes whether it waits for a request with nothing of one read.
    pub fn set_waiting(&self, waiting: bool) {
        self.waiting.store(waiting, Ordering::Release);
    }

    /// Whether it waits for a request with nothing of one read.
    pub fn waiting(&self) -> bool {
        self.waiting.load(Ordering::Acquire)
    }

    /// Notes that part of a request head is read and its rest awaited: from
    /// now, unless it had begun already (a request beginning or ending
    /// starts the count again).
    pub fn head_begun(&self) {
        if self.begun.load(Ordering::Acquire) != 0 {
            return;
        }
        let now = now_millis().max(1);
        let _ = (self.begun).compare_exchange(0, now, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Notes that hyper serves it on HTTP/1.
    pub fn set_hyper_h1(&self) {
        self.hyper_h1.store(true, Ordering::Release);
    }

    /// Whether it may be ended now to make room, and as what: with no
    /// request in progress, nothing of the next read for [`RECLAIM_IDLE`],
    /// or the rest of a head awaited for [`RECLAIM_BEGUN`] (counted from its
    /// first bytes), or served by hyper on HTTP/1 and idle as long; with
    /// requests in progress, their responses stalled for [`RECLAIM_STALLED`]
    /// or more (see [`Activity::stalled_for`]).
    pub fn room(&self) -> Option<Room> {
        if self.busy() {
            let still = self.stalled_for();
            return (still >= RECLAIM_STALLED).then_some(Room::Stalled(still));
        }
        let begun = self.begun.load(Ordering::Acquire);
        let idle = if self.waiting() {
            self.since_request() >= RECLAIM_IDLE
        } else if begun != 0 {
            // The value loaded: a request beginning meanwhile clears it.
            elapsed_since(begun) >= RECLAIM_BEGUN
        } else {
            self.hyper_h1.load(Ordering::Acquire) && self.since_request() >= RECLAIM_BEGUN
        };
        idle.then_some(Room::Idle)
    }

    /// How long the client has taken nothing of the responses in progress
    /// while they wait on it (zero with none in progress): the stall clock,
    /// read only while a write waits for room in the socket, so that a
    /// response still being made (a render waited for) is not the client's
    /// stall, and counted from the first write to wait since the client last
    /// took bytes, so that requests beginning or ending and responses made
    /// meanwhile (an HTTP/2 client's renders finishing one after another)
    /// do not put it back. One HTTP/2 stream unmoved
    /// while the socket takes the others' bytes is no stall either: h2 sends
    /// its streams a piece each in turn, so each stream of a client reading
    /// many slowly waits long for its turn (a window kept shut on purpose is
    /// for the books of unsent bodies).
    pub(super) fn stalled_for(&self) -> Duration {
        if !self.busy() {
            return Duration::ZERO;
        }
        // The flag first, then the clocks: a writer moves them as a write
        // takes bytes, before it can wait again.
        if !self.write_waits.load(Ordering::Acquire) {
            return Duration::ZERO;
        }
        let began = self.wait_began.load(Ordering::Acquire);
        elapsed_since(began.max(self.taken.load(Ordering::Acquire)))
    }

    /// Notes whether a write waits for room in the socket (see
    /// `write_waits`): from a write that took nothing until one takes bytes.
    /// The first to wait since bytes were taken starts the stall clock.
    pub fn write_waits(&self, waits: bool) {
        if waits && self.wait_began.load(Ordering::Acquire) == 0 {
            let now = now_millis().max(1);
            let _ = (self.wait_began).compare_exchange(0, now, Ordering::AcqRel, Ordering::Acquire);
        }
        self.write_waits.store(waits, Ordering::Release);
    }

    /// Notes that a write waits for room in the socket until the guard is
    /// dropped: for a writer that waits on the socket's readiness inline.
    pub fn waiting_to_write(&self) -> WriteWait<'_> {
        self.write_waits(true);
        WriteWait(self)
    }

    /// How long the connection's bytes, or one response of it, have not
    /// moved: the stall clock, read while requests are in progress.
    fn still(&self) -> Duration {
        self.since_progress().max(self.longest_unmoved())
    }

    /// Notes that the connection's responses moved: the client took bytes.
    /// Only the stall clocks: whatever the bytes were, they are no request.
    pub fn progressed(&self) {
        let now = now_millis();
        self.progress.store(now, Ordering::Release);
        self.taken.store(now, Ordering::Release);
        // A load first: a store only after a wait.
        if self.wait_began.load(Ordering::Acquire) != 0 {
            self.wait_began.store(0, Ordering::Release);
        }
    }

    /// Notes that a response is made: from now its progress is the client's
    /// to make, so the books of unsent bodies do not count the wait for it
    /// (a render) as the client's. No bytes were taken: the stall clock of
    /// a write waiting meanwhile (another HTTP/2 stream's) runs on.
    pub fn response_made(&self) {
        self.progress.store(now_millis(), Ordering::Release);
    }

    /// Notes that a request began or ended: both clocks, with one clock read.
    fn turned(&self) {
        let now = now_millis();
        self.progress.store(now, Ordering::Release);
        self.requested.store(now, Ordering::Release);
        self.begun.store(0, Ordering::Release);
    }

    /// How long since a request began or ended or the client last took bytes.
    fn since_progress(&self) -> Duration {
        since(&self.progress)
    }

    /// How long since a request began or ended.
    fn since_request(&self) -> Duration {
        since(&self.requested)
    }
}

/// A write waiting for room in the socket ([`Activity::waiting_to_write`]).
#[must_use = "dropped, the write no longer waits"]
#[derive(Debug)]
pub struct WriteWait<'a>(&'a Activity);

impl Drop for WriteWait<'_> {
    fn drop(&mut self) {
        self.0.write_waits(false);
    }
}

/// What a connection may be ended as to make room ([`Activity::room`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// No request in progress (idle, or a head begun and held).
    Idle,
    /// Requests in progress whose responses the client has taken nothing
    /// of for this long.
    Stalled(Duration),
}

/// What the books of unsent bodies see of a connection: the stall clock, and
/// a way to end it that [`until_ending`] watches.
impl Sender for Activity {
    /// The connection's own clock (bytes taken, requests begun or ended),
    /// and one response's only once it has not moved for
    /// [`super::unsent::STREAM_STILL`]: HTTP/2 sends many streams a piece
    /// each in turn, so one stream of a client reading them all can wait a
    /// few seconds for its turn.
    fn unmoved(&self) -> Duration {
        if !self.busy() {
            return Duration::ZERO;
        }
        let connection = self.since_progress();
        let stream = self.longest_unmoved();
        if stream >= super::unsent::STREAM_STILL {
            connection.max(stream)
        } else {
            connection
        }
    }

    fn end(&self) -> bool {
        // Nothing ends the connection once `until_ending` has returned (a
        // graceful close, a drain at shutdown): say it was not ended.
        if self.watched.load(Ordering::Acquire) == 0 {
            return false;
        }
        // A load first: asked again while it ends, no locked instruction.
        if self.shed.load(Ordering::Acquire) || self.shed.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.shedding.notify_one();
        true
    }
}

/// How long since the time `at` holds, on the deadline clock.
fn since(at: &AtomicU64) -> Duration {
    elapsed_since(at.load(Ordering::Acquire))
}

/// How long since `at` (milliseconds on the deadline clock).
fn elapsed_since(at: u64) -> Duration {
    Duration::from_millis(now_millis().saturating_sub(at))
}

/// Now, in milliseconds, on the clock the deadlines are kept by: read twice per
/// request, so the coarse monotonic clock ([`super::clock`]).
#[cfg(not(test))]
fn now_millis() -> u64 {
    super::clock::monotonic_millis()
}

/// The unit tests keep the deadlines by tokio's clock, which they pause and
/// advance; the daemon's own clock is the coarse one above, under the
/// integration tests' timeouts.
#[cfg(test)]
fn now_millis() -> u64 {
    // Before any test's paused clock, which starts at its runtime's creation.
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let origin = *ORIGIN.get_or_init(|| {
        let now = std::time::Instant::now();
        now.checked_sub(Duration::from_secs(1)).unwrap_or(now)
    });
    let now = Instant::now().into_std();
    u64::try_from(now.saturating_duration_since(origin).as_millis()).unwrap_or(u64::MAX)
}

impl InFlight {
    /// The connection it is in progress on.
    pub fn activity(&self) -> Arc<Activity> {
        self.activity.clone()
    }

    /// Notes that this response moved: its body gave hyper a piece.
    fn moved(&self) {
        if let Some(moved) = &self.moved {
            moved.store(now_millis(), Ordering::Release);
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(moved) = &self.moved {
            moved.store(DONE, Ordering::Release);
        }
        // The idle clock starts when the last request ends.
        self.activity.turned();
        self.activity.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted as in progress until hyper
/// has sent it or dropped it, given to hyper in pieces of at most [`PIECE`]
/// bytes, each noted as the response moving and counted as sent.
#[derive(Debug)]
pub struct Tracked<B> {
    body: B,
    /// The rest of a data frame larger than a piece.
    rest: Bytes,
    /// Shared with every piece given out: see [`Piece`].
    in_flight: Arc<InFlight>,
    /// The count of a body made for this request, shared likewise.
    lease: Option<Arc<Lease>>,
    /// Body bytes handed to the connection (`bantin_http_response_bytes_total`).
    sent: Counter,
}

impl<B> Tracked<B> {
    /// `body`, holding `in_flight` (and `lease`, for a body made for this
    /// request) until its last piece has gone to the socket, each piece
    /// counted in `sent` as hyper takes it. The response is made: from now
    /// its progress is the client's to make.
    pub fn new(
        body: B,
        in_flight: InFlight,
        lease: Option<Arc<Lease>>,
        sent: Counter,
    ) -> Tracked<B> {
        in_flight.activity.response_made();
        in_flight.moved();
        Tracked {
            body,
            rest: Bytes::new(),
            in_flight: Arc::new(in_flight),
            lease,
            sent,
        }
    }
}

/// A piece of a response body as hyper queues it. hyper drops the body once
/// it has taken the last piece, but h2 keeps pieces until it writes them,
/// and a client can have its windows open and its socket unread: so each
/// piece holds its response in flight (the connection is not idle) and its
/// body counted as unsent (a piece is a slice that keeps its whole body
/// alive) until it is written, and its going is the response moving.
#[derive(Debug)]
struct Piece {
    bytes: Bytes,
    of: Arc<InFlight>,
    _lease: Option<Arc<Lease>>,
}

impl AsRef<[u8]> for Piece {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for Piece {
    fn drop(&mut self) {
        self.of.moved();
    }
}

impl<B: Body<Data = Bytes> + Unpin> Body for Tracked<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.rest.is_empty() {
            match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => this.rest = data,
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                },
                other => return other,
            }
        }
        this.in_flight.moved();
        let n = this.rest.len().min(PIECE);
        // Counted as hyper takes it: it asks for the next piece only once
        // this one has room in its write buffer (HTTP/1) or the stream's
        // window (HTTP/2), so a client that stops reading leaves the rest
        // of the body untaken and uncounted.
        this.sent.increment(n as u64);
        let piece = Piece {
            bytes: this.rest.split_to(n),
            of: this.in_flight.clone(),
            _lease: this.lease.clone(),
        };
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_owner(piece)))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty() && self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let inner = self.body.size_hint();
        let rest = self.rest.remaining() as u64;
        let mut hint = SizeHint::new();
        // Upper first: a lower bound may not pass the upper one.
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper + rest);
        }
        hint.set_lower(inner.lower() + rest);
        hint
    }
}

/// Why the server ends a connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// No request arrived within the header timeout of the accept.
    NoRequest,
    /// No request in progress for the idle timeout.
    Idle,
    /// Requests in progress, but the client took no byte of any response for
    /// the write timeout: on HTTP/2, a stream held open with a closed
    /// flow-control window while the client still answers pings.
    Stalled,
    /// Its client held more than its fair share of `max_unsent_bytes` while
    /// all clients held the total, and its responses had not moved for
    /// [`super::unsent::SHED_STILL`]: ended at once, not gracefully, so
    /// the bodies it holds go now.
    Shed,
    /// Every connection slot was held and a new client waited: a connection
    /// idle, or stalled, long enough makes room (see [`Activity::room`] and
    /// [`Pressure`]); [`Reclaim::closed`] once its slot is back.
    Reclaimed(Reclaim),
    /// The server is shutting down.
    Shutdown,
}

impl Ending {
    /// The reclaim, when it was ended to make room.
    pub fn reclaim(self) -> Option<Reclaim> {
        match self {
            Ending::Reclaimed(reclaim) => Some(reclaim),
            _ => None,
        }
    }
}

/// How long a connection must have had no request in progress before it is
/// ended to make room for a waiting client: long enough not to cut a client
/// between the requests of one page, short enough that connections held
/// open by an occasional request (a keep-alive every few seconds, an HTTP/2
/// stream a minute) give their slots up within a second or two.
pub const RECLAIM_IDLE: Duration = Duration::from_secs(1);

/// How long a connection has held part of its next request head (from its
/// first bytes), or been served by hyper on HTTP/1 (which may hold one)
/// with no request in progress, before it may be ended to make room, the
/// part dropped. A client sends a head whole, or its pieces a round trip
/// apart: one whose head stays begun this long with every slot held keeps
/// the slot from others, as a client that begins each next head at once and
/// ends it seconds later would (RFC 9112 §9.5: a server may close an idle
/// connection; the client may send its request again on a new one, §9.3.1).
pub const RECLAIM_BEGUN: Duration = Duration::from_secs(3);

/// How long the client of a connection with requests in progress must have
/// taken nothing of their responses, while they wait on it, before the
/// connection may be ended to make room ([`Activity::stalled_for`]): the
/// bar the books of unsent bodies already hold a client that does not read
/// to ([`super::unsent::SHED_STILL`]). The socket holds little of a
/// response beyond what the client's window lets out (`NOTSENT_LOWAT` in
/// `server`), so a client reading 5 KB/s or more lets a write take bytes
/// every few seconds at most, a lossy mobile link stalls a second or two,
/// and one that reads nothing, however big its responses, is ended here
/// rather than at the write timeout. Without it, clients that pipeline
/// requests for large responses and never read them hold every slot until
/// `write_timeout_secs`, as often as they like.
pub const RECLAIM_STALLED: Duration = super::unsent::SHED_STILL;

/// How long a connection found stalled waits, when raised, for others to
/// say how long they have been: the one stalled longest then makes room
/// ([`Pressure::bid`]). Every connection is woken by a raise and answers in
/// well under this, and a client waiting for a slot waits this much more.
const BIDDING: Duration = Duration::from_millis(50);

/// Raised by the accept loop while every connection slot is held and the
/// client it has accepted waits for one. One connection then ends to make
/// room, as nginx reuses its idle keep-alive connections: one waiting for
/// a request, with none in progress for [`RECLAIM_IDLE`] and nothing of the
/// next read (or [`RECLAIM_BEGUN`] with part of its head read, or served
/// by hyper on HTTP/1), at once; else the one whose client has taken
/// nothing of its responses the longest, [`RECLAIM_STALLED`] or more (see
/// [`Activity::room`]). Without it, a few addresses each holding their
/// `max_connections_per_client` open, with a request every few seconds or
/// requests for responses they never read, keep every newcomer out for as
/// long as they like. A connection whose client takes its responses,
/// however slowly, is never ended for it; with no client waiting, none is.
#[derive(Debug, Default)]
pub struct Pressure {
    raised: Notify,
    /// How many connections are still to end for it: one per raise, for
    /// the one client the accept loop holds; none once it has its slot.
    wanted: AtomicUsize,
    /// Connections taken for it that have not closed, or been given back,
    /// yet (an HTTP/2 one waits for its GOAWAY's PING): while one has not,
    /// no other is asked for.
    closing: AtomicUsize,
    /// The stalled connections' bids in the latest raise.
    bids: Mutex<Bids>,
}

/// What the stalled connections woken by one raise have said.
#[derive(Debug, Default)]
struct Bids {
    /// Which raise: one bid in an earlier one bids again.
    round: u64,
    /// The longest stall said in it.
    longest: Duration,
}

impl Pressure {
    /// Asks for one connection to end, for the client waiting now, unless
    /// one ended for it is still closing; raised again while the wait lasts
    /// (one may become idle or stalled meanwhile).
    pub fn raise(&self) {
        if self.closing.load(Ordering::Acquire) > 0 {
            return;
        }
        self.wanted.store(1, Ordering::Release);
        {
            let mut bids = self.bids();
            bids.round = bids.round.wrapping_add(1);
            bids.longest = Duration::ZERO;
        }
        self.raised.notify_waiters();
    }

    /// The waiting client has its slot: no connection is to end for it.
    pub fn eased(&self) {
        self.wanted.store(0, Ordering::Release);
    }

    fn bids(&self) -> std::sync::MutexGuard<'_, Bids> {
        self.bids.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Says that a connection has been stalled `still`; the raise it is in.
    fn bid(&self, still: Duration) -> u64 {
        let mut bids = self.bids();
        bids.longest = bids.longest.max(still);
        bids.round
    }

    /// Whether a connection that bid `still` in `round` is the one stalled
    /// longest (or one as long) once the others have said theirs; `None`
    /// if another raise has come since, which it is to bid in again.
    fn longest(&self, round: u64, still: Duration) -> Option<bool> {
        let bids = self.bids();
        (bids.round == round).then_some(still >= bids.longest)
    }

    /// Takes one of the connections wanted, if one still is; it is closing
    /// for as long as the [`Reclaim`] lives.
    fn take(self: &Arc<Self>, room: Room) -> Option<Reclaim> {
        self.wanted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| w.checked_sub(1))
            .ok()?;
        self.closing.fetch_add(1, Ordering::AcqRel);
        let stalled = matches!(room, Room::Stalled(_));
        Some(Reclaim(Some(self.clone()), stalled))
    }
}

/// The connection watched by `activity`, taken for the client `pressure` is
/// raised for, if it may make room: at once if idle; if stalled, once the
/// connections stalled longer have had [`BIDDING`] to say so, and if none
/// has (the longest stalled goes first: it is the likeliest not to read at
/// all). A raise that comes meanwhile is bid in again.
async fn make_room(activity: &Activity, pressure: &Arc<Pressure>) -> Option<Reclaim> {
    loop {
        let still = match activity.room()? {
            Room::Idle => return pressure.take(Room::Idle),
            Room::Stalled(still) => still,
        };
        let round = pressure.bid(still);
        tokio::time::sleep(BIDDING).await;
        match pressure.longest(round, still) {
            // Whatever it is now: a client that read meanwhile keeps it.
            Some(true) => return pressure.take(activity.room()?),
            Some(false) => return None,
            None => {}
        }
    }
}

/// A connection taken to make room ([`Pressure`]): closing until
/// [`Reclaim::closed`] says its slot is back, or given back when dropped
/// before (a request began meanwhile, the connection ended by itself, the
/// task holding it panicked), so no way out of a connection's task leaves
/// the pressure waiting for a close that never comes, which would stop
/// every later raise. Given back, it asks for nothing: if the client still
/// waits, the wait's next raise asks for another (not the give-back, which
/// may come after the client has its slot). It says whether the connection
/// was taken stalled, with responses in progress its client does not take.
#[must_use = "dropped, a reclaim is given back"]
pub struct Reclaim(Option<Arc<Pressure>>, bool);

/// Not the pressure's insides: an ending is logged at debug level.
impl std::fmt::Debug for Reclaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.1 {
            true => "Reclaim(stalled)",
            false => "Reclaim(idle)",
        })
    }
}

impl Reclaim {
    /// Whether the connection was taken with responses in progress its
    /// client takes nothing of: it is ended at once, what it holds dropped,
    /// not closed gracefully (which would wait for them).
    pub fn stalled(&self) -> bool {
        self.1
    }

    /// The connection has ended and given its slot back.
    pub fn closed(mut self) {
        if let Some(pressure) = self.0.take() {
            pressure.closing.fetch_sub(1, Ordering::AcqRel);
            let reason = match self.1 {
                true => "stalled",
                false => "idle",
            };
            metrics::counter!("bantin_http_connections_reclaimed_total", "reason" => reason)
                .increment(1);
        }
    }
}

impl Drop for Reclaim {
    fn drop(&mut self) {
        if let Some(pressure) = self.0.take() {
            pressure.closing.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Two reclaims are alike when they are for the same [`Pressure`], and
/// both stalled or both not.
impl PartialEq for Reclaim {
    fn eq(&self, other: &Reclaim) -> bool {
        let same = match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        same && self.1 == other.1
    }
}

impl Eq for Reclaim {}

/// How long a connection may wait for what.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// From the accept to the first request.
    pub first_request: Duration,
    /// With no request in progress.
    pub idle: Duration,
    /// With requests in progress and no byte of them taken by the client.
    pub stall: Duration,
}

/// Resolves when the connection should end, and why.
///
/// hyper's header timer starts only once the protocol is known, and telling
/// HTTP/1 from HTTP/2 waits for the client's first bytes with no limit: a client
/// that connects and sends nothing (or only the HTTP/2 preface) would hold its
/// slot forever. So the first request must arrive within `first_request` of the
/// accept. After that, hyper's header timeout bounds HTTP/1 keep-alive, but
/// HTTP/2 has no idle limit of its own: a connection with no request in
/// progress for `idle` ends here.
pub async fn until_ending(
    activity: &Activity,
    deadlines: Deadlines,
    shutdown: &mut watch::Receiver<bool>,
    pressure: &Arc<Pressure>,
) -> Ending {
    /// Counts this watch of the connection until it returns, however.
    struct Watching<'a>(&'a AtomicUsize);
    impl Drop for Watching<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::AcqRel);
        }
    }
    activity.watched.fetch_add(1, Ordering::AcqRel);
    let _watching = Watching(&activity.watched);
    let first = async {
        while !activity.started.load(Ordering::Acquire) {
            activity.changed.notified().await;
        }
    };
    tokio::pin!(first);
    // From the accept, however long the fast path held the connection
    // before hyper's watch began: the idle clock holds the accept until the
    // first request.
    let first_by = Instant::now()
        + deadlines
            .first_request
            .saturating_sub(activity.since_request());
    loop {
        tokio::select! {
            // A request that has begun wins over a deadline passing with it.
            biased;
            _ = shutdown.wait_for(|stop| *stop) => return Ending::Shutdown,
            () = &mut first => break,
            () = tokio::time::sleep_until(first_by) => return Ending::NoRequest,
            () = pressure.raised.notified() => {}
        }
        // Raised (a stalled connection may wait to know it is the one
        // stalled longest: not in `select!`, whose output would be held
        // across the wait).
        if let Some(reclaim) = make_room(activity, pressure).await {
            return Ending::Reclaimed(reclaim);
        }
    }
    loop {
        if activity.shed.load(Ordering::Acquire) {
            return Ending::Shed;
        }
        // The clocks say how long until a deadline could pass: sleep that long,
        // then look again (a request or a write may have moved it meanwhile).
        // `busy` first: a request that begins after it has moved the clocks by
        // the time `still` is read, so it is not taken for idleness.
        let busy = activity.busy();
        let still = if busy {
            activity.still()
        } else {
            // Idle is no request in progress, whatever bytes flow meanwhile.
            activity.since_request()
        };
        let limit = if busy {
            deadlines.stall
        } else {
            deadlines.idle
        };
        if still >= limit {
            return if busy { Ending::Stalled } else { Ending::Idle };
        }
        // While busy, look again at least every `idle`: nothing wakes this when
        // the last request ends, and looking within `idle` of that end leaves
        // time to sleep out the rest of the idle timeout on time.
        let wait = if busy {
            (limit - still).min(deadlines.idle)
        } else {
            limit - still
        };
        let raised = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return Ending::Shutdown,
            () = activity.shedding.notified() => return Ending::Shed,
            () = tokio::time::sleep(wait) => false,
            () = pressure.raised.notified() => true,
        };
        if raised {
            if let Some(reclaim) = make_room(activity, pressure).await {
                return Ending::Reclaimed(reclaim);
            }
        }
    }
}

/// Whether a connection's error is h2 closing it for abuse: ENHANCE_YOUR_CALM
/// (RFC 9113 §7), which h2 sends on a rapid-reset flood (CVE-2023-44487) or too
/// many streams it had to reset itself.
pub fn calmed(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(h2) = e.downcast_ref::<h2::Error>() {
            return h2.reason() == Some(h2::Reason::ENHANCE_YOUR_CALM) && !h2.is_remote();
        }
        cause = e.source();
    }
    false
}

/// Logs an event at most once per interval, with how many were not logged:
/// a client decides how often abuse happens, so it must not decide the log's volume.
#[derive(Debug)]
pub struct Throttle {
    started: Instant,
    interval: Duration,
    /// Milliseconds after `started` before which nothing more is logged.
    quiet_until: AtomicU64,
    /// Events since the last line.
    unlogged: AtomicU64,
}

impl Throttle {
    /// At most one line per `interval`.
    pub fn new(interval: Duration) -> Throttle {
        Throttle {
            started: Instant::now(),
            interval,
            quiet_until: AtomicU64::new(0),
            unlogged: AtomicU64::new(0),
        }
    }

    /// Counts one event; returns how many to report (this one included) when a
    /// line is due, `None` while quiet.
    pub fn hit(&self) -> Option<u64> {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let until = self.quiet_until.load(Ordering::Acquire);
        let next = now.saturating_add(u64::try_from(self.interval.as_millis()).unwrap_or(u64::MAX));
        if now >= until
            && self
                .quiet_until
                .compare_exchange(until, next, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            return Some(self.unlogged.swap(0, Ordering::AcqRel) + 1);
        }
        self.unlogged.fetch_add(1, Ordering::AcqRel);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deadlines() -> Deadlines {
        Deadlines {
            first_request: Duration::from_secs(5),
            idle: Duration::from_secs(60),
            stall: Duration::from_secs(30),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_first_request_then_idle_then_shutdown() {
        let (_tx, mut rx) = watch::channel(false);
        let a = Arc::new(Activity::default());
        let t = tokio::time::Instant::now();
        assert_eq!(
            until_ending(&a, deadlines(), &mut rx, &Arc::default()).await,
            Ending::NoRequest
        );
        assert_eq!(t.elapsed(), Duration::from_secs(5));

        // A request whose response takes 100 s to be read is not idle; the idle
        // clock starts when it ends.
        let a = Arc::new(Activity::default());
        let held = a.begin();
        let reader = a.clone();
        let release = tokio::spawn(async move {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_secs(10)).await;
                reader.progressed();
            }
            drop(held);
        });
        let t = tokio::time::Instant::now();
        assert_eq!(
            until_ending(&a, deadlines(), &mut rx, &Arc::default()).await,
            Ending::Idle
        );
        assert_eq!(t.elapsed(), Duration::from_secs(160));
        release.await.unwrap();

        let (tx, mut rx) = watch::channel(false);
        let _held = a.begin();
        tx.send(true).unwrap();
        assert_eq!(
            until_ending(&a, deadlines(), &mut rx, &Arc::default()).await,
            Ending::Shutdown
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_request_is_waited_for_from_the_accept() {
        // Handed to hyper 4 s after its accept (the fast path read a slow
        // head meanwhile): 1 s left of the 5, not 5 more.
        let (_tx, mut rx) = watch::channel(false);
        let a = Arc::new(Activity::default());
        tokio::time::sleep(Duration::from_secs(4)).await;
        let t = tokio::time::Instant::now();
        let ending = until_ending(&a, deadlines(), &mut rx, &Arc::default()).await;
        assert_eq!(ending, Ending::NoRequest);
        assert_eq!(t.elapsed(), Duration::from_secs(1));
    }

    /// The reclaim a connection ended for, else a failure naming how it ended.
    fn reclaimed(ending: Ending) -> Reclaim {
        match ending {
            Ending::Reclaimed(reclaim) => reclaim,
            other => panic!("ended {other:?}, not reclaimed"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_reclaim_dropped_unclosed_is_given_back() {
        // Two idle connections; the first one taken ends without saying its
        // slot is back (its task panicked, say, which drops it the same
        // way): the next raise takes the other, where a reclaim still
        // closing would have it ignored.
        let (_tx, rx) = watch::channel(false);
        let pressure = Arc::new(Pressure::default());
        let idle = || {
            let a = Arc::new(Activity::default());
            a.set_waiting(true);
            drop(a.begin());
            a
        };
        let (a, b) = (idle(), idle());
        tokio::time::sleep(RECLAIM_IDLE).await;
        let watch = |a: &Arc<Activity>| {
            let (a, pressure, mut rx) = (a.clone(), pressure.clone(), rx.clone());
            tokio::spawn(async move {
                let ending = until_ending(&a, deadlines(), &mut rx, &pressure).await;
                matches!(ending, Ending::Reclaimed(_))
            })
        };
        let ws = [watch(&a), watch(&b)];
        let settle = || async {
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
        };
        settle().await;
        pressure.raise();
        settle().await;
        assert_eq!(ws.iter().filter(|w| w.is_finished()).count(), 1);
        pressure.raise();
        settle().await;
        for w in ws {
            assert!(w.is_finished());
            assert!(w.await.unwrap());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn under_pressure_one_connection_idle_for_a_while_makes_room_per_raise() {
        let (_tx, rx) = watch::channel(false);
        let pressure = Arc::new(Pressure::default());
        let watch = |a: &Arc<Activity>| {
            let (a, pressure, mut rx) = (a.clone(), pressure.clone(), rx.clone());
            tokio::spawn(async move { until_ending(&a, deadlines(), &mut rx, &pressure).await })
        };
        let waiting = || {
            let a = Arc::new(Activity::default());
            a.set_waiting(true);
            a
        };
        // Idle 2 s after a request; no request yet, 2 s after its accept; a
        // request in progress; idle 2 s, the next head begun half a second
        // ago; served by hyper on HTTP/1 and idle half a second; idle half a
        // second.
        let idle = waiting();
        drop(idle.begin());
        let silent = waiting();
        let busy = waiting();
        let held = busy.begin();
        let begun = waiting();
        drop(begun.begin());
        begun.set_waiting(false);
        let hyper = Arc::new(Activity::default());
        hyper.set_hyper_h1();
        let fresh = waiting();
        let [idle_w, silent_w, busy_w, begun_w] = [&idle, &silent, &busy, &begun].map(watch);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        begun.head_begun();
        drop(hyper.begin());
        drop(fresh.begin());
        let [fresh_w, hyper_w] = [&fresh, &hyper].map(watch);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let settle = || async {
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
        };
        // One raise, one connection: the idle or the silent one. Until its
        // slot is back, a raise asks for no other.
        let finished = || {
            [&idle_w, &silent_w]
                .iter()
                .filter(|w| w.is_finished())
                .count()
        };
        pressure.raise();
        settle().await;
        assert_eq!(finished(), 1);
        pressure.raise();
        settle().await;
        assert_eq!(finished(), 1);
        let (first, second) = match idle_w.is_finished() {
            true => (idle_w, silent_w),
            false => (silent_w, idle_w),
        };
        reclaimed(first.await.unwrap()).closed();
        pressure.raise();
        settle().await;
        assert!(second.is_finished());
        reclaimed(second.await.unwrap()).closed();
        // None of the others yet: busy, begun, idle for half a second.
        pressure.raise();
        settle().await;
        for w in [&busy_w, &begun_w, &fresh_w, &hyper_w] {
            assert!(!w.is_finished());
        }
        // Eased, nothing more ends, however idle, whatever wakes it.
        pressure.eased();
        tokio::time::sleep(Duration::from_secs(2)).await;
        pressure.raised.notify_waiters();
        settle().await;
        assert!(!fresh_w.is_finished());
        // Raised once it has been idle long enough, it goes too; the one
        // with a head begun 2.5 s ago (4 s after its last request) and the
        // one hyper serves, idle 2.5 s, are not taken, however raised, and
        // more of the head does not start its count again.
        pressure.raise();
        reclaimed(fresh_w.await.unwrap()).closed();
        begun.head_begun();
        pressure.raise();
        settle().await;
        assert!(!busy_w.is_finished() && !begun_w.is_finished() && !hyper_w.is_finished());
        // Three seconds on, each of them goes, one per raise.
        tokio::time::sleep(Duration::from_secs(1)).await;
        pressure.raise();
        settle().await;
        assert_eq!(
            usize::from(begun_w.is_finished()) + usize::from(hyper_w.is_finished()),
            1
        );
        let (first, second) = match begun_w.is_finished() {
            true => (begun_w, hyper_w),
            false => (hyper_w, begun_w),
        };
        reclaimed(first.await.unwrap()).closed();
        pressure.raise();
        reclaimed(second.await.unwrap()).closed();
        settle().await;
        assert!(!busy_w.is_finished());
        drop(held);
        busy_w.abort();
    }

    /// A connection with a request in progress whose client has taken
    /// nothing since `ago` (a write waiting for room in the socket), on a
    /// paused clock.
    async fn stalled_since(ago: Duration) -> (Arc<Activity>, InFlight) {
        let a = Arc::new(Activity::default());
        let held = a.begin();
        a.write_waits(true);
        tokio::time::sleep(ago).await;
        (a, held)
    }

    /// Watches `a` under `pressure` on a task of its own.
    fn watched(a: &Arc<Activity>, pressure: &Arc<Pressure>) -> tokio::task::JoinHandle<Ending> {
        let (a, pressure) = (a.clone(), pressure.clone());
        tokio::spawn(async move {
            let (_tx, mut rx) = watch::channel(false);
            until_ending(&a, deadlines(), &mut rx, &pressure).await
        })
    }

    /// Lets the watches woken by a raise answer it, stalled ones included.
    async fn answered() {
        tokio::time::sleep(BIDDING * 2).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_whose_client_takes_nothing_is_stalled_once_the_write_waits_long_enough() {
        let a = Arc::new(Activity::default());
        let held = a.begin();
        // The response is being made (a render waited for): no write waits,
        // so no stall, however long.
        tokio::time::sleep(RECLAIM_STALLED * 3).await;
        assert_eq!(a.room(), None);
        // Written until the socket is full: the client has taken nothing
        // since the last bytes went.
        a.progressed();
        a.write_waits(true);
        tokio::time::sleep(RECLAIM_STALLED - Duration::from_secs(1)).await;
        assert_eq!(a.room(), None);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(a.room(), Some(Room::Stalled(RECLAIM_STALLED)));
        // The client reads: bytes go, and the write waits again.
        a.progressed();
        assert_eq!(a.room(), None);
        // Sent whole and ended: idle, not stalled, whatever the flag said.
        drop(held);
        a.set_waiting(true);
        tokio::time::sleep(RECLAIM_IDLE).await;
        assert_eq!(a.room(), Some(Room::Idle));
    }

    #[tokio::test(start_paused = true)]
    async fn new_requests_and_wake_ups_with_no_room_do_not_restart_the_stall_clock() {
        let a = Arc::new(Activity::default());
        let first = a.begin_response();
        a.progressed();
        a.write_waits(true);
        // A client that takes nothing while, every 2 s, a response of
        // another of its streams is made (a render finishing) and a
        // request begins and ends; and a wake-up of the writer that found
        // no room after all.
        let mut streams = Vec::new();
        for _ in 0..2 {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let stream = a.begin_response();
            let _made = Tracked::new(
                http_body_util::Full::new(Bytes::new()),
                stream,
                None,
                Counter::noop(),
            );
            streams.push(a.begin_response());
        }
        a.write_waits(false);
        a.write_waits(true);
        tokio::time::sleep(RECLAIM_STALLED - Duration::from_secs(4)).await;
        assert_eq!(a.room(), Some(Room::Stalled(RECLAIM_STALLED)));
        // Bytes taken start it again, from the next write to wait.
        a.progressed();
        a.write_waits(false);
        tokio::time::sleep(RECLAIM_STALLED).await;
        a.write_waits(true);
        assert_eq!(a.room(), None);
        tokio::time::sleep(RECLAIM_STALLED).await;
        assert_eq!(a.room(), Some(Room::Stalled(RECLAIM_STALLED)));
        drop((first, streams));
    }

    #[tokio::test(start_paused = true)]
    async fn an_http2_stream_waiting_while_the_socket_takes_the_others_is_no_stall() {
        use super::super::unsent::STREAM_STILL;
        let a = Arc::new(Activity::default());
        a.set_waiting(true);
        let waiting = a.begin_response();
        waiting.moved();
        let read = a.begin_response();
        read.moved();
        // Each second the client takes a piece of the other stream: the
        // socket moves, no write waits. However long one stream waits its
        // turn (a client reading many streams slowly), that is no stall.
        for _ in 0..STREAM_STILL.as_secs() * 3 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            read.moved();
            a.progressed();
            assert_eq!(a.room(), None);
        }
        // Once the socket is full and takes nothing, it is.
        a.write_waits(true);
        tokio::time::sleep(RECLAIM_STALLED).await;
        assert_eq!(a.room(), Some(Room::Stalled(RECLAIM_STALLED)));
        drop((waiting, read));
    }

    #[tokio::test(start_paused = true)]
    async fn under_pressure_the_longest_stalled_makes_room_first_and_a_reader_never() {
        let pressure = Arc::new(Pressure::default());
        // Stalled 12, 10 and 8 s; and one whose client reads a little
        // every 3 s, however long its response takes.
        let (a, held_a) = stalled_since(Duration::from_secs(2)).await;
        let (b, held_b) = stalled_since(Duration::from_secs(2)).await;
        let (c, held_c) = stalled_since(Duration::from_secs(2)).await;
        let (slow, held_slow) = stalled_since(Duration::ZERO).await;
        let reader = {
            let slow = slow.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    slow.progressed();
                }
            })
        };
        tokio::time::sleep(Duration::from_secs(6)).await;
        // Watched from the least stalled to the most: the first woken is
        // not the one taken.
        let [ws_slow, wc, wb, wa] = [&slow, &c, &b, &a].map(|x| watched(x, &pressure));
        tokio::task::yield_now().await;
        let finished = || [&wa, &wb, &wc, &ws_slow].map(|w| w.is_finished());
        // One raise, one connection: the one stalled longest.
        pressure.raise();
        answered().await;
        assert_eq!(finished(), [true, false, false, false]);
        // Until its slot is back, a raise asks for no other.
        pressure.raise();
        answered().await;
        assert_eq!(finished(), [true, false, false, false]);
        let reclaim = reclaimed(wa.await.unwrap());
        assert!(reclaim.stalled());
        reclaim.closed();
        pressure.raise();
        answered().await;
        assert!(wb.is_finished() && !wc.is_finished());
        reclaimed(wb.await.unwrap()).closed();
        // Eased, nothing more ends, however stalled.
        pressure.eased();
        tokio::time::sleep(Duration::from_secs(5)).await;
        pressure.raised.notify_waiters();
        answered().await;
        assert!(!wc.is_finished());
        // Raised again and again: the stalled one goes, the reader never.
        for _ in 0..10 {
            pressure.raise();
            answered().await;
            if wc.is_finished() {
                break;
            }
        }
        reclaimed(wc.await.unwrap()).closed();
        for _ in 0..20 {
            pressure.raise();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        assert!(!ws_slow.is_finished(), "a client that reads was taken");
        reader.abort();
        ws_slow.abort();
        drop((held_a, held_b, held_c, held_slow));
    }

    #[tokio::test(start_paused = true)]
    async fn under_pressure_an_idle_connection_makes_room_before_a_stalled_one() {
        let pressure = Arc::new(Pressure::default());
        let (stalled, held) = stalled_since(RECLAIM_STALLED * 4).await;
        let idle = Arc::new(Activity::default());
        idle.set_waiting(true);
        drop(idle.begin());
        tokio::time::sleep(RECLAIM_IDLE).await;
        let [ws, wi] = [&stalled, &idle].map(|x| watched(x, &pressure));
        tokio::task::yield_now().await;
        pressure.raise();
        answered().await;
        assert!(wi.is_finished() && !ws.is_finished());
        let reclaim = reclaimed(wi.await.unwrap());
        assert!(!reclaim.stalled());
        reclaim.closed();
        pressure.raise();
        answered().await;
        assert!(reclaimed(ws.await.unwrap()).stalled());
        drop(held);
    }

    #[tokio::test(start_paused = true)]
    async fn without_pressure_a_stalled_connection_waits_for_the_write_timeout() {
        let (_tx, mut rx) = watch::channel(false);
        let (a, held) = stalled_since(Duration::ZERO).await;
        let t = tokio::time::Instant::now();
        assert_eq!(
            until_ending(&a, deadlines(), &mut rx, &Arc::default()).await,
            Ending::Stalled
        );
        assert_eq!(t.elapsed(), deadlines().stall);
        drop(held);
    }

    #[test]
    fn a_bid_is_the_longest_of_its_raise_or_bid_again_in_the_next() {
        let pressure = Pressure::default();
        pressure.raise();
        let round = pressure.bid(Duration::from_secs(7));
        assert_eq!(pressure.bid(Duration::from_secs(9)), round);
        assert_eq!(pressure.longest(round, Duration::from_secs(7)), Some(false));
        assert_eq!(pressure.longest(round, Duration::from_secs(9)), Some(true));
        // A raise since: its bids start again.
        pressure.raise();
        assert_eq!(pressure.longest(round, Duration::from_secs(9)), None);
        let next = pressure.bid(Duration::from_secs(6));
        assert_eq!(pressure.longest(next, Duration::from_secs(6)), Some(true));
    }

    #[tokio::test(start_paused = true)]
    async fn bytes_written_with_no_request_in_progress_do_not_keep_a_connection() {
        // One request, then only the server's own frames (HTTP/2 keep-alive
        // PINGs every 10 s, each written whole): idle 60 s after the request.
        let (_tx, mut rx) = watch::channel(false);
        let a = Arc::new(Activity::default());
        drop(a.begin_response());
        let pinger = a.clone();
        let pings = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                pinger.progressed();
            }
        });
        let t = tokio::time::Instant::now();
        assert_eq!(
            until_ending(&a, deadlines(), &mut rx, &Arc::default()).await,
            Ending::Idle
        );
        assert_eq!(t.elapsed(), Duration::from_secs(60));
        pings.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_response_the_client_stops_taking_is_a_stall() {
        let (_tx, mut rx) = watch::channel(false);
        let a = Arc::new(Activity::default());
        let held = a.begin();
        let reader = a.clone();
        // Read for 20 s, then nothing more (a closed HTTP/2 window).
        let stop_reading = tokio::spawn(async move {
            for _ in 0..2 {
                tokio::time::sleep(Duration::from_secs(10)).await;
                reader.progressed();
            }
        });
        let t = tokio::time::Instant::now();
        assert_eq!(
            until_ending(&a, deadlines(), &mut rx, &Arc::default()).await,
            Ending::Stalled
        );
        assert_eq!(t.elapsed(), Duration::from_secs(20 + 30));
        stop_reading.await.unwrap();
        drop(held);
    }

    #[tokio::test(start_paused = true)]
    async fn one_response_not_moving_is_a_stall_whatever_the_others_do() {
        let (_tx, mut rx) = watch::channel(false);
        let a = Arc::new(Activity::default());
        let held = a.begin_response();
        // Made slowly (a render slot is waited for): not the client's stall.
        tokio::time::sleep(Duration::from_secs(45)).await;
        assert_eq!(a.longest_unmoved(), Duration::ZERO);
        let held = Tracked::new(
            http_body_util::Full::new(Bytes::new()),
            held,
            None,
            Counter::noop(),
        );
        let other = a.clone();
        // Every 10 s a small request begins and ends, and its bytes are
        // taken: the connection moves, the first response does not.
        let chatter = tokio::spawn(async move {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_secs(10)).await;
                drop(other.begin_response());
                other.progressed();
            }
        });
        let t = tokio::time::Instant::now();
        assert_eq!(
            until_ending(&a, deadlines(), &mut rx, &Arc::default()).await,
            Ending::Stalled
        );
        assert_eq!(t.elapsed(), Duration::from_secs(30));
        chatter.abort();
        drop(held);
        // Responses over are pruned, never counted.
        for _ in 0..3 * PRUNE_AT {
            drop(a.begin_response());
        }
        assert!(a.responses.lock().unwrap().len() <= PRUNE_AT);
        assert_eq!(a.longest_unmoved(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_ended_by_the_books_of_unsent_bodies_ends_at_once() {
        let (_tx, mut rx) = watch::channel(false);
        let a = Arc::new(Activity::default());
        assert_eq!(a.unmoved(), Duration::ZERO, "nothing in progress");
        let held = a.begin();
        tokio::time::sleep(Duration::from_secs(3)).await;
        // The books see what the stall clock sees.
        assert_eq!(a.unmoved(), Duration::from_secs(3));
        assert!(
            !a.end(),
            "no watch: nothing would end it, so it is not counted"
        );
        let watcher = a.clone();
        let ending = tokio::spawn(async move {
            until_ending(&watcher, deadlines(), &mut rx, &Arc::default()).await
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        let t = tokio::time::Instant::now();
        assert!(a.end(), "the first time");
        assert!(!a.end(), "asked again while it ends");
        assert_eq!(ending.await.unwrap(), Ending::Shed);
        assert_eq!(t.elapsed(), Duration::ZERO, "not at the write timeout");
        // Asked before the watch begins (a hand-over to hyper): still ended.
        let (_tx, mut rx) = watch::channel(false);
        assert_eq!(
            until_ending(&a, deadlines(), &mut rx, &Arc::default()).await,
            Ending::Shed
        );
        drop(held);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_waiting_its_turn_does_not_make_a_reading_connection_still() {
        use super::super::unsent::STREAM_STILL;
        let a = Arc::new(Activity::default());
        let waiting = a.begin_response();
        waiting.moved();
        let read = a.begin_response();
        // The client reads one stream, and the connection's bytes move,
        // while the other waits: the connection is not still.
        let tick = |n: u64| {
            let (a, read) = (&a, &read);
            async move {
                for _ in 0..n {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    read.moved();
                    a.progressed();
                }
            }
        };
        tick(STREAM_STILL.as_secs() - 1).await;
        assert!(a.unmoved() <= Duration::from_secs(1), "{:?}", a.unmoved());
        // One stream unmoved past STREAM_STILL is a stream held shut.
        tick(2).await;
        assert!(a.unmoved() >= STREAM_STILL, "{:?}", a.unmoved());
        drop((waiting, read));
    }

    #[tokio::test]
    async fn a_body_goes_to_hyper_in_pieces_each_a_move() {
        use http_body_util::{BodyExt, Full};
        let a = Arc::new(Activity::default());
        let body: Bytes = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let page = recorder.handle();
        let sent = metrics::with_local_recorder(&recorder, || {
            metrics::counter!("bantin_http_response_bytes_total")
        });
        let counted = || {
            let page = page.render();
            let line = page
                .lines()
                .find_map(|l| l.strip_prefix("bantin_http_response_bytes_total "));
            line.map_or(0, |n| n.parse::<u64>().unwrap())
        };
        let mut tracked = Tracked::new(Full::new(body.clone()), a.begin_response(), None, sent);
        assert_eq!(tracked.size_hint().exact(), Some(200_000));
        let mut pieces = Vec::new();
        while let Some(frame) = tracked.frame().await {
            let data = frame.unwrap().into_data().unwrap();
            pieces.push(data.len());
            // Counted as hyper takes each piece, not when the body is made.
            assert_eq!(counted(), pieces.iter().sum::<usize>() as u64);
            assert_eq!(
                tracked.size_hint().exact(),
                Some(200_000 - pieces.iter().sum::<usize>() as u64)
            );
            assert!(a.longest_unmoved() < Duration::from_secs(1));
        }
        let (last, whole) = pieces.split_last().unwrap();
        assert!(whole.iter().all(|&n| n == PIECE) && *last <= PIECE);
        assert_eq!(pieces.iter().sum::<usize>(), 200_000);
        assert!(tracked.is_end_stream());
        // A body with nothing to send sends nothing.
        let mut empty = Tracked::new(
            Full::new(Bytes::new()),
            a.begin_response(),
            None,
            Counter::noop(),
        );
        assert!(empty.frame().await.is_none());
    }

    #[tokio::test]
    async fn a_response_is_in_flight_and_counted_until_its_last_piece_is_written() {
        use super::super::clients::Client;
        use super::super::unsent::Unsent;
        use http_body_util::{BodyExt, Full};
        let a = Arc::new(Activity::default());
        let unsent = Unsent::new(0, 0);
        let body: Bytes = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        let lease = unsent.hold(Client::local(), &body).map(Arc::new);
        let mut tracked = Tracked::new(
            Full::new(body.clone()),
            a.begin_response(),
            lease,
            Counter::noop(),
        );
        let mut pieces = Vec::new();
        while let Some(frame) = tracked.frame().await {
            pieces.push(frame.unwrap().into_data().unwrap());
            assert_eq!(unsent.total(), 40_000);
        }
        assert_eq!(pieces.concat(), body);
        // hyper drops the body once it has taken the last piece; h2 keeps
        // the pieces until it writes them (a client may hold its socket
        // unread with its windows open): still counted, still in flight.
        drop(tracked);
        assert_eq!(unsent.total(), 40_000);
        assert!(a.busy());
        // Written one by one: counted and in flight until the last is gone.
        let last = pieces.pop().unwrap();
        drop(pieces);
        assert_eq!(unsent.total(), 40_000);
        assert!(a.busy());
        drop(last);
        assert_eq!(unsent.total(), 0);
        assert!(!a.busy());
    }

    #[test]
    fn throttle_reports_the_first_then_a_summary() {
        let t = Throttle::new(Duration::from_secs(3600));
        assert_eq!(t.hit(), Some(1));
        assert_eq!(t.hit(), None);
        assert_eq!(t.hit(), None);
        let t = Throttle::new(Duration::ZERO);
        assert_eq!(t.hit(), Some(1));
        assert_eq!(t.hit(), Some(1));
    }
}
