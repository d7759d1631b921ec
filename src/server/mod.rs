//! The HTTP server: the accept loop and the limits that keep a few clients from
//! locking others out; the request path is in `routes`. The caller binds the
//! socket and decides what shutdown means.

/// Implements `AsyncWrite` for a wrapper that changes only what is read
/// (`$wrapper<S>` with the stream in a field `inner`): every write, flush and
/// shutdown goes to `inner` unchanged. Defined before the modules that use it.
macro_rules! writes_through {
    ($wrapper:ident) => {
        impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for $wrapper<S> {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                self.inner.is_write_vectored()
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut self.get_mut().inner).poll_flush(cx)
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
            }
        }
    };
}

pub mod clients;
mod clock;
pub mod conditional;
pub mod connection;
mod fast;
pub mod framing;
mod linger;
pub mod long_targets;
pub mod negotiate;
pub mod progress;
pub mod request;
pub mod request_metrics;
mod routes;
pub mod slots;
mod turns;
pub mod unsent;

pub use routes::handle;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::header;
use http::{Request, Version};
use hyper::body::Incoming;
use request::View;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit};

use crate::config::Config;
use crate::publish::Published;
use crate::site::OnDemand;
use clients::{Client, Clients, Slot};
use connection::{until_ending, Activity, Deadlines, Ending, Pressure, Reclaim, Throttle, Tracked};
use long_targets::LongTargets;
use progress::WriteProgress;
use slots::Slots;
use turns::Turns;
use unsent::{Lease, Unsent};

/// State shared by every connection.
pub struct State {
    /// The current snapshot; `None` until the first scan is rendered.
    pub snapshot: Arc<Published>,
    /// Renders `/metrics`; `None` when no recorder is installed.
    pub metrics: Option<PrometheusHandle>,
    /// Turns to render an article page or a month sitemap, shared fairly
    /// between clients (see [`turns`]).
    pages: Arc<Turns>,
    /// Turns to render an archive, a page or a tag's or author's feed on
    /// demand, shared fairly between clients (see [`turns`]).
    archives: Arc<Turns>,
    /// Archives rendered on demand, kept across snapshots (keyed by their tags).
    on_demand: OnDemand,
    /// The per-request counters' handles.
    counters: request_metrics::RequestMetrics,
    /// The bodies made for a request and not yet sent, held to
    /// `[http] max_unsent_bytes_per_client` and `max_unsent_bytes` (see [`unsent`]).
    unsent: Arc<Unsent>,
    /// `[http] metrics_from`: the addresses `/metrics` is served to.
    metrics_from: arc_swap::ArcSwap<Vec<ipnet::IpNet>>,
}

/// Archives rendered at once: one month of the all-articles feed of a large
/// store is tens of MB of text, held about three times over while it renders
/// (articles, document, compressed form), and more at once would not finish
/// sooner on a small machine. While other clients wait, a client gets no
/// second one (see [`turns`]).
const ARCHIVES_AT_ONCE: usize = 2;

/// Article pages rendered at once: each costs a few times its article's size
/// (at most `max_file_size`) while it runs.
const PAGES_AT_ONCE: usize = 8;

impl State {
    /// Serving `snapshot`, with `/metrics` rendered by `metrics` when there is one.
    pub fn new(snapshot: Arc<Published>, metrics: Option<PrometheusHandle>) -> State {
        State {
            snapshot,
            metrics,
            pages: Arc::new(Turns::new(PAGES_AT_ONCE, turns::Gauge::Pages)),
            archives: Arc::new(Turns::new(ARCHIVES_AT_ONCE, turns::Gauge::Renders)),
            on_demand: OnDemand::default(),
            counters: request_metrics::RequestMetrics::default(),
            unsent: {
                let http = crate::config::HttpConfig::default();
                Unsent::new(http.max_unsent_bytes_per_client, http.max_unsent_bytes)
            },
            metrics_from: arc_swap::ArcSwap::from_pointee(
                crate::config::HttpConfig::default().metrics_from(),
            ),
        }
    }
}

impl State {
    /// Holds unsent bodies to the budgets of `http` from now on, and serves
    /// `/metrics` to its `metrics_from`, on every connection: these are the
    /// machine's, not a connection's, so a reload applies them at once
    /// rather than with the next connection accepted.
    pub fn apply_http(&self, http: &crate::config::HttpConfig) {
        self.unsent
            .set_budgets(http.max_unsent_bytes_per_client, http.max_unsent_bytes);
        self.metrics_from.store(Arc::new(http.metrics_from()));
    }

    /// Whether `client` may read `/metrics`.
    fn reads_metrics(&self, client: Client) -> bool {
        let addr = client.addr();
        self.metrics_from
            .load()
            .iter()
            .any(|net| net.contains(&addr))
    }
}

impl Default for State {
    fn default() -> State {
        State::new(Arc::default(), None)
    }
}

/// Serves `listener` until `shutdown` completes, then gives in-flight requests
/// the grace period to finish. The caller binds the socket and decides what
/// shutdown means, so tests pass `127.0.0.1:0` and systemd an inherited socket.
///
/// `limits` may change while it runs (a reload): each connection is served
/// with the limits current at its accept, and keeps them; `max_connections`
/// moves at once (see [`slots`]), and the drain takes the newest grace period.
pub async fn run(
    listener: TcpListener,
    state: Arc<State>,
    mut limits: watch::Receiver<Limits>,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopping) = watch::channel(false);
    let first = *limits.borrow_and_update();
    state
        .unsent
        .set_budgets(first.max_unsent_bytes_per_client, first.max_unsent_bytes);
    let mut server = Server {
        serving: Arc::new(Serving::new(first)),
        state,
        stopping,
        calm: Arc::new(Throttle::new(CALM_LOG_INTERVAL)),
        pressure: Arc::new(Pressure::default()),
    };
    let mut slots = Slots::new(first.max_connections);
    metrics::gauge!("bantin_http_connections_max").set(first.max_connections as f64);
    let clients = Clients::new();
    let accept_errors = Throttle::new(CALM_LOG_INTERVAL);
    tokio::pin!(shutdown);
    loop {
        // One connection at a time is accepted and then waits for its slot:
        // past the cap, the others queue in the kernel's backlog instead of
        // being accepted and starved, and the one waiting is a client that
        // idle connections make room for (see `Server::slot`).
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // EMFILE and friends: back off rather than spin, and say
                    // so once a minute, not ten times a second.
                    metrics::counter!("bantin_http_accept_errors_total").increment(1);
                    if let Some(n) = accept_errors.hit() {
                        tracing::warn!(
                            error = %e,
                            failures = n,
                            "accept failed; retrying every 100 ms (said at most once a minute){}",
                            accept_hint(&e)
                        );
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // A reload while this waited for a connection applies to it (one
        // atomic load per accept).
        if limits.has_changed().unwrap_or(false) {
            server.apply(&mut slots, *limits.borrow_and_update());
        }
        // One address may not take every slot: past its share, it is closed at
        // once, without waiting for a slot.
        let per_client = server.serving.limits.max_connections_per_client;
        let Some(slot) = clients.admit(peer.ip(), per_client) else {
            metrics::counter!("bantin_http_connections_refused_total", "reason" => "per_client")
                .increment(1);
            tracing::debug!(%peer, "connection refused: max_connections_per_client reached");
            continue;
        };
        let Some(permit) = server
            .slot(&mut slots, &mut limits, shutdown.as_mut())
            .await
        else {
            // Shutting down while it waited: served past the cap (the drain
            // bounds it) rather than dropped with its request unanswered.
            if let Some(permit) = slots.one_more() {
                server.spawn(stream, (slot, permit));
            }
            break;
        };
        server.spawn(stream, (slot, permit));
    }
    drop(listener);
    let _ = stop.send(true);
    let grace = limits.borrow().grace;
    tracing::info!(?grace, "draining connections");
    // Every connection holds a permit until it ends: all of them back means drained.
    if !slots.drained(grace).await {
        tracing::warn!("grace period over; closing the remaining connections");
    }
}

/// What connections accepted now are served with: the limits and the protocol
/// settings made from them, replaced as a whole when a reload changes the limits.
struct Serving {
    limits: Limits,
    protocols: auto::Builder<TokioExecutor>,
}

impl Serving {
    fn new(limits: Limits) -> Serving {
        Serving {
            protocols: protocols(&limits),
            limits,
        }
    }
}

/// HTTP/1.1 and HTTP/2 (told apart by the client's first bytes), with `limits`.
fn protocols(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(64)
        // The same head limit as HTTP/1 (hyper's own default is 16 KiB).
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
        // RFC 9113 §6.7: a client that answers no PING within the timeout is gone.
        .keep_alive_interval(limits.keepalive_ping)
        .keep_alive_timeout(limits.keepalive_ping_timeout);
    builder
}

/// What every connection is served with.
struct Server {
    /// The limits for the next connection accepted.
    serving: Arc<Serving>,
    state: Arc<State>,
    /// Becomes `true` when the server shuts down.
    stopping: tokio::sync::watch::Receiver<bool>,
    calm: Arc<Throttle>,
    /// Raised while every slot is held and a client waits.
    pressure: Arc<Pressure>,
}

impl Server {
    /// A free connection slot for the client just accepted, once there is
    /// one (`None` at shutdown); the limits a reload sends meanwhile are
    /// applied, so a larger cap frees slots at once. While it waits, one
    /// connection idle (or stalled) for a while is asked to make room, at
    /// once and every [`connection::RECLAIM_IDLE`] (see [`Pressure`]).
    async fn slot(
        &mut self,
        slots: &mut Slots,
        limits: &mut watch::Receiver<Limits>,
        mut shutdown: std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> Option<OwnedSemaphorePermit> {
        // Made at the first wait, kept across a reload or a permit paid to a
        // shrink: one ask at once, then one a period, not one per turn.
        let mut reclaim: Option<tokio::time::Interval> = None;
        loop {
            if let Some(permit) = slots.try_acquire() {
                match slots.keep(permit) {
                    Some(permit) => {
                        self.pressure.eased();
                        return Some(permit);
                    }
                    None => continue,
                }
            }
            // Every slot is held: connections idle (or whose clients take
            // nothing of their responses) for a while make room,
            // and are asked again as long as this waits (see `Pressure`).
            let reclaim =
                reclaim.get_or_insert_with(|| tokio::time::interval(connection::RECLAIM_IDLE));
            let free = slots.acquire();
            tokio::pin!(free);
            loop {
                tokio::select! {
                    permit = &mut free => {
                        if let Some(permit) = slots.keep(permit.ok()?) {
                            self.pressure.eased();
                            return Some(permit);
                        }
                        break;
                    }
                    _ = reclaim.tick() => self.pressure.raise(),
                    Ok(()) = limits.changed() => {
                        self.apply(slots, *limits.borrow_and_update());
                        break;
                    }
                    () = &mut shutdown => {
                        self.pressure.eased();
                        return None;
                    }
                }
            }
        }
    }

    /// Serves connections accepted from now on with `limits`, and holds the
    /// pool of slots to its `max_connections`.
    fn apply(&mut self, slots: &mut Slots, limits: Limits) {
        if limits == self.serving.limits {
            return;
        }
        slots.resize(limits.max_connections);
        // Like max_connections, the budgets of unsent bodies are the
        // machine's, not a connection's: they move at once.
        self.state
            .unsent
            .set_budgets(limits.max_unsent_bytes_per_client, limits.max_unsent_bytes);
        self.serving = Arc::new(Serving::new(limits));
        tracing::info!("new connections are served with the reloaded [http] limits");
    }

    /// Serves `stream` on a task of its own until it ends (see [`Ending`]);
    /// `held` (its address's slot and its connection permit) goes back then.
    /// Plain HTTP/1 GET and HEAD requests are answered by the fast path
    /// (`fast`); a connection that needs more is handed to hyper.
    fn spawn(&self, stream: TcpStream, held: (Slot, OwnedSemaphorePermit)) {
        let _ = stream.set_nodelay(true);
        if let Err(e) = socket2::SockRef::from(&stream).set_tcp_notsent_lowat(NOTSENT_LOWAT) {
            notsent_lowat_failed(&e);
        }
        let served = Served {
            client: held.0.client(),
            serving: self.serving.clone(),
            state: self.state.clone(),
            stopping: self.stopping.clone(),
            calm: self.calm.clone(),
            activity: Arc::new(Activity::default()),
            pressure: self.pressure.clone(),
        };
        let open = Open::counted();
        tokio::spawn(async move {
            let reclaimed = match served.fast(stream).await {
                Ok(rest) => served.serve(rest).await,
                Err(reclaimed) => reclaimed,
            };
            drop((held, open));
            if let Some(reclaim) = reclaimed {
                reclaim.closed();
            }
        });
    }
}

/// One connection's server: the fast path first, then hyper if it needs it.
struct Served {
    /// Who it is from: its turns to render on demand are its client's.
    client: Client,
    /// The limits current at its accept, kept for its whole life.
    serving: Arc<Serving>,
    state: Arc<State>,
    stopping: tokio::sync::watch::Receiver<bool>,
    calm: Arc<Throttle>,
    activity: Arc<Activity>,
    pressure: Arc<Pressure>,
}

impl Served {
    fn deadlines(&self) -> Deadlines {
        let limits = &self.serving.limits;
        Deadlines {
            first_request: limits.header_timeout,
            idle: limits.idle_timeout,
            stall: limits.write_timeout,
        }
    }

    /// Serves `stream` on the fast path until it closes (with the reclaim
    /// when it was ended to make room) or needs hyper (what hyper is to
    /// serve).
    ///
    /// The deadlines are watched on a task of their own, which wakes only when
    /// one could have passed: this one then wakes for its socket alone, and
    /// polls nothing else per request.
    async fn fast(&self, stream: TcpStream) -> Result<fast::Rewind<TcpStream>, Option<Reclaim>> {
        // The header timeout runs from the end of the last response, as
        // hyper's does on HTTP/1 keep-alive (see `fast::serve`).
        let deadlines = Deadlines {
            idle: self
                .serving
                .limits
                .idle_timeout
                .min(self.serving.limits.header_timeout),
            ..self.deadlines()
        };
        let watch = || {
            let (ended, ending) = tokio::sync::oneshot::channel();
            let activity = self.activity.clone();
            let mut stopping = self.stopping.clone();
            let pressure = self.pressure.clone();
            // An ending the fast path is no longer there to take is
            // dropped: a reclaim in it is given back (see `Reclaim`).
            let task = tokio::spawn(async move {
                let ending = until_ending(&activity, deadlines, &mut stopping, &pressure).await;
                let _ = ended.send(ending);
            });
            // Stops watching when the fast path ends, whichever way.
            (tokio_util::task::AbortOnDropHandle::new(task), ending)
        };
        let fast = fast::serve(
            stream,
            &self.state,
            self.client,
            &self.activity,
            self.serving.limits,
            self.stopping.clone(),
        );
        tokio::pin!(fast);
        let ending = loop {
            let (_watch, mut ending) = watch();
            let ending = tokio::select! {
                biased;
                // A reclaim the watch took as the fast path ended is given
                // back with the channel, whichever end it is in.
                outcome = fast.as_mut() => return outcome.handed_over().ok_or(None),
                Ok(ending) = &mut ending => ending,
            };
            // Taken for a client, but no longer idle or stalled enough (a
            // request or a head began, or the client read, meanwhile):
            // given back as it is dropped, the connection watched again;
            // the wait's next raise asks for another.
            if matches!(ending, Ending::Reclaimed(_)) && self.activity.room().is_none() {
                continue;
            }
            break ending;
        };
        tracing::debug!(?ending, "closing the connection");
        // At shutdown, a connection between requests closes at once.
        if ending != Ending::Shutdown || self.activity.waiting() {
            return Err(ending.reclaim());
        }
        // The fast path ends the connection after the response in progress
        // (the drain in `run` bounds this); what it hands over is hyper's to
        // close gracefully.
        fast.await.handed_over().ok_or(None)
    }

    /// Serves the rest of a connection with hyper, then closes it in stages
    /// ([`linger`]): hyper drops its socket when done, and a spare descriptor
    /// keeps that drop from resetting a connection with bytes still unread.
    /// The reclaim, when it was ended to make room.
    async fn serve(&self, stream: fast::Rewind<TcpStream>) -> Option<Reclaim> {
        let spare = linger::spare(stream.get_ref());
        let reclaimed = self.serve_hyper(stream).await;
        // A connection ended for not taking its responses is owed nothing
        // more: closed at once, its slot back for the client waiting.
        let stalled = reclaimed.as_ref().is_some_and(Reclaim::stalled);
        if let Some(fd) = spare.filter(|_| !stalled) {
            linger::close_spare(fd).await;
        }
        reclaimed
    }

    /// Serves the rest of a connection with hyper; the reclaim, when it was
    /// ended to make room.
    async fn serve_hyper(&self, stream: fast::Rewind<TcpStream>) -> Option<Reclaim> {
        // On HTTP/2, GOAWAY lets the requests already sent finish: the
        // connection may make room whenever it has none in progress. On
        // HTTP/1, hyper's graceful close would drop a head half read: it
        // may once idle as long as a head begun may be held.
        let h2 = stream.starts_with(fast::H2_PREFACE);
        self.activity.set_waiting(h2);
        if !h2 {
            self.activity.set_hyper_h1();
        }
        let state = self.state.clone();
        let seen = self.activity.clone();
        let client = self.client;
        let body_timeout = self.serving.limits.header_timeout;
        // HTTP/2 streams are served on tasks of their own: each request
        // carries its connection's client with it.
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            let in_flight = seen.begin_response();
            let state = state.clone();
            async move {
                // An HTTP/1 body no route reads is read and dropped first,
                // unless the answer ends the connection anyway.
                let unread = req.version() != Version::HTTP_2
                    && !routes::closes_anyway(&View::of(&req))
                    && !discard_body(&mut req, body_timeout).await;
                let mut response = handle(&state, client, &req).await;
                if unread {
                    // RFC 9112 §9.6, RFC 9110 §10.1.1: hyper ends a
                    // connection whose request body is left unread, and
                    // the response says so.
                    response = routes::closing(response);
                }
                // To an HTTP/1.0 request asking to be kept alive, hyper adds
                // `keep-alive` to a 1.1 response's `close`; a 1.0 response
                // without it is one it closes after.
                let close = response.headers().get(header::CONNECTION) == Some(&routes::CLOSE);
                if close && req.version() == Version::HTTP_10 {
                    *response.version_mut() = Version::HTTP_10;
                }
                // The lease on a body made for this request goes with the
                // body, which hyper keeps until the stream is over; the
                // connection is noted as sending it, to be ended if its
                // client holds too much while it takes nothing: once the
                // response is made (`Tracked::new` starts its clocks), so
                // the wait for a render is not taken for the client's.
                let lease = response.extensions_mut().remove::<Arc<Lease>>();
                let conn = lease.as_ref().map(|_| in_flight.activity());
                let sent = state.counters.bytes_counter().clone();
                let response =
                    response.map(|body| Tracked::new(body, in_flight, lease.clone(), sent));
                if let (Some(lease), Some(conn)) = (&lease, conn) {
                    lease.sent_on(conn);
                }
                Ok::<_, Infallible>(response)
            }
        });
        let limits = self.serving.limits;
        let io = TokioIo::new(WriteProgress::new(
            LongTargets::new(stream),
            limits.write_timeout,
            self.activity.clone(),
        ));
        let conn = self.serving.protocols.serve_connection(io, service);
        let mut stopping = self.stopping.clone();
        tokio::pin!(conn);
        let ending = tokio::select! {
            r = conn.as_mut() => {
                report(r, &self.calm, &self.state);
                return None;
            }
            ending = until_ending(&self.activity, self.deadlines(), &mut stopping, &self.pressure) => ending,
        };
        tracing::debug!(?ending, "closing the connection");
        // Shed, or ended to make room while its client takes nothing of
        // its responses: what is in progress is what it does not take, and
        // its bodies (and slot) are to go now (dropping the connection
        // drops them), not once a graceful close gives up on them.
        match ending {
            Ending::Shed => return None,
            Ending::Reclaimed(reclaim) if reclaim.stalled() => return Some(reclaim),
            _ => {}
        }
        // Finishes what is in progress and, on HTTP/2, sends GOAWAY (RFC 9113
        // §6.8), even to a client that sent nothing but the preface.
        conn.as_mut().graceful_shutdown();
        // With responses in progress (a stall) they get the header timeout to
        // finish; with none, all that is left is HTTP/2's GOAWAY and its PING,
        // and a client that never acknowledges them is cut off sooner.
        let grace = match ending {
            Ending::Stalled => limits.header_timeout,
            _ => limits.header_timeout.min(CLOSE_GRACE),
        };
        if ending == Ending::Shutdown {
            // The drain in `run` bounds this.
            report(conn.await, &self.calm, &self.state);
        } else if let Ok(r) = tokio::time::timeout(grace, conn).await {
            report(r, &self.calm, &self.state);
        }
        ending.reclaim()
    }
}

/// The largest request body read (and dropped) to keep its connection.
const DISCARD_MAX: u64 = 64 * 1024;

/// Reads and drops the body of an HTTP/1 request, which no route reads, so
/// that its connection can carry the next request, as nginx does; whether it
/// was all read. Not one over [`DISCARD_MAX`] bytes (chunked ones are read
/// up to it), or not all sent `within` (as long as a head may take), or one
/// whose client waits to be told to send it (`Expect: 100-continue`): not
/// asked for, it is not sent.
async fn discard_body(req: &mut Request<Incoming>, within: Duration) -> bool {
    use http_body_util::BodyExt;
    use hyper::body::Body;
    // RFC 9110 §10.1.1: an HTTP/1.0 client's `100-continue` is ignored.
    let waits = req.version() == Version::HTTP_11
        && (req.headers().get_all(header::EXPECT).iter())
            .any(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let body = req.body_mut();
    if body.is_end_stream() {
        return true;
    }
    if waits || body.size_hint().lower() > DISCARD_MAX {
        return false;
    }
    let read = async {
        let mut n = 0u64;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return false;
            };
            n += frame.data_ref().map_or(0, |d| d.len() as u64);
            if n > DISCARD_MAX {
                return false;
            }
        }
        true
    };
    tokio::time::timeout(within, read).await.unwrap_or(false)
}

/// The most of its responses a connection's socket holds that the client's
/// window does not let out yet (TCP_NOTSENT_LOWAT): a write waits once it
/// holds this much, and goes on once half of it has gone. Without it the
/// kernel holds up to its send buffer (grown to 4 MiB on a fast path, as it
/// is on loopback) and wakes a waiting write only once a third of that has
/// gone: a client reading 40 KB/s let a write take bytes every 30 s, so
/// progress (the write timeout's, and [`connection::RECLAIM_STALLED`]'s)
/// said nothing of whether it read; and each client that reads nothing held
/// that much of the kernel's memory. With it, a client reading 5 KB/s moves
/// a write every 3 to 4 s. The bytes in flight are the window's, not this
/// one's, so a fast client is sent as fast (a write is woken with 16 KiB
/// still to go: 1.3 ms at 100 Mbit/s).
const NOTSENT_LOWAT: u32 = 32 * 1024;

/// Says once, not per connection, that [`NOTSENT_LOWAT`] could not be set
/// (a kernel built without it, or a sandbox that filters the option).
fn notsent_lowat_failed(e: &std::io::Error) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        tracing::warn!(
            "cannot limit the unsent bytes a connection's socket holds (TCP_NOTSENT_LOWAT: {e}): \
             each client that reads nothing may hold up to the kernel's send buffer, and a slow \
             reader may be taken for a stalled one under connection pressure; serving goes on"
        );
    });
}

/// What a sysadmin can do about a failed `accept`, when it is the open-file
/// limit (the process's or the system's).
fn accept_hint(e: &std::io::Error) -> &'static str {
    use rustix::io::Errno;
    match Errno::from_io_error(e) {
        Some(Errno::MFILE) => {
            ": bantin's open-file limit is reached; raise LimitNOFILE= (or `ulimit -n`) \
             or lower [http] max_connections"
        }
        Some(Errno::NFILE) => ": the system's open-file table is full (fs.file-max)",
        _ => "",
    }
}

/// How long a connection the server ends with nothing in progress has to
/// close: an HTTP/2 client's acknowledgement of the GOAWAY's PING takes a
/// round trip.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// At most one log line per this interval about HTTP/2 connections closed for abuse.
const CALM_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// Logs how a connection ended, and counts the request hyper answered itself
/// if it ended so (a head too large or malformed, which the routes never
/// see). h2's own warnings about reset floods are filtered out of the log
/// (see `main`): a flood is counted here instead, and summarised at most
/// once per [`CALM_LOG_INTERVAL`].
fn report(
    result: Result<(), Box<dyn std::error::Error + Send + Sync>>,
    calm: &Throttle,
    state: &State,
) {
    let Err(e) = result else { return };
    state.counters.refused_by_hyper(&*e);
    if connection::calmed(&*e) {
        metrics::counter!("bantin_http2_enhance_your_calm_total").increment(1);
        if let Some(n) = calm.hit() {
            tracing::warn!(
                connections = n,
                "closed HTTP/2 connections with ENHANCE_YOUR_CALM (stream reset floods) since the last report"
            );
        }
        return;
    }
    tracing::debug!(error = %e, "connection ended with an error");
}

/// Server limits, from `[http]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time to receive a request's headers.
    pub header_timeout: Duration,
    /// Request head size; larger heads get 431.
    pub max_header_bytes: usize,
    /// Connections served at once.
    pub max_connections: usize,
    /// Connections one client address may hold; 0 = no limit.
    pub max_connections_per_client: usize,
    /// Time a connection may stay open with no request in progress.
    pub idle_timeout: Duration,
    /// HTTP/2 keep-alive PING interval; `None` = no pings.
    pub keepalive_ping: Option<Duration>,
    /// Time a client has to answer a PING.
    pub keepalive_ping_timeout: Duration,
    /// Time a response may make no progress before its connection is closed.
    pub write_timeout: Duration,
    /// Time in-flight requests get on shutdown.
    pub grace: Duration,
    /// Bytes of bodies made for its requests one client may hold unsent
    /// before it is refused more; 0 = no limit.
    pub max_unsent_bytes_per_client: usize,
    /// Bytes of bodies made for requests all clients may hold unsent before
    /// more are refused; 0 = no limit.
    pub max_unsent_bytes: usize,
}

impl Limits {
    /// The limits a config asks for.
    pub fn from_config(cfg: &Config) -> Limits {
        let http = &cfg.http;
        Limits {
            header_timeout: cfg.header_timeout(),
            max_header_bytes: 64 * 1024,
            max_connections: http.max_connections,
            max_connections_per_client: http.max_connections_per_client,
            idle_timeout: Duration::from_secs(http.idle_timeout_secs),
            keepalive_ping: (http.keepalive_ping_secs > 0)
                .then(|| Duration::from_secs(http.keepalive_ping_secs)),
            keepalive_ping_timeout: Duration::from_secs(http.keepalive_ping_timeout_secs),
            write_timeout: Duration::from_secs(http.write_timeout_secs),
            grace: Duration::from_secs(http.shutdown_grace_secs),
            max_unsent_bytes_per_client: http.max_unsent_bytes_per_client,
            max_unsent_bytes: http.max_unsent_bytes,
        }
    }
}

/// One connection counted in `bantin_http_connections_open` for as long as
/// it lives, however its task ends (a panic included).
struct Open;

impl Open {
    fn counted() -> Open {
        metrics::gauge!("bantin_http_connections_open").increment(1.0);
        Open
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        metrics::gauge!("bantin_http_connections_open").decrement(1.0);
    }
}
