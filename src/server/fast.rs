//! The HTTP/1 fast path: plain GET and HEAD requests answered on the accepted
//! socket itself, through the same routes as hyper, with large bodies sent
//! from their sealed copies with `sendfile(2)`. Anything else (the HTTP/2
//! preface, a request with a body, `Expect`, an upgrade, a head the parser
//! refuses or one past the head limit) is handed to hyper for the rest of the
//! connection, with the bytes read so far replayed in front ([`Rewind`]).
//!
//! Heads are parsed with `httparse` (the parser hyper uses) into a borrowed
//! [`View`] for [`respond_to`], so routing, negotiation and the 304 decision
//! are the ones every other request gets, with no `HeaderMap` or `Uri` built.
//! A snapshot's resource ([`Ready`]) is written from header blocks made once
//! per coding and kind of response and kept with the resource; any other
//! answer is written from its `Response`. What hyper adds on the way out is
//! added here the same way: `Date`, `Content-Length`, and the `Connection`
//! field of RFC 9112 §9.3 (persistence) and §9.6 (closing).

use std::cell::RefCell;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Buf, Bytes, BytesMut};
use http::header::{self, HeaderMap};
use http::{StatusCode, Version};
use http_body_util::BodyExt;
use tokio::io::{AsyncRead, AsyncReadExt, Interest, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::clients::Client;
use super::clock;
use super::conditional::Decision;
use super::connection::{Activity, InFlight};
use super::framing;
use super::request::{Fields, View};
use super::request_metrics::RouteLabel;
use super::routes::{respond_to, Answer, Ready, MAX_TARGET_BYTES};
use super::unsent::Lease;
use super::{Limits, State};
use crate::site::sealed::{Sealed, SealedCopy, SENDFILE_MIN};
use crate::site::Coding;
use headers::HeaderMapExt;

/// The most header fields a head answered here may have; a head with more
/// goes to hyper.
const MAX_FIELDS: usize = 64;

/// What is read at a time: a few request heads.
const READ_BYTES: usize = 4096;

/// Responses of pipelined requests are gathered up to this size, then written.
const GATHER_BYTES: usize = 64 * 1024;

/// How a connection leaves the fast path.
pub(super) enum Outcome {
    /// It is over: closed by the client, after its last response, on a timeout
    /// or an error, or at shutdown.
    Closed,
    /// The rest is hyper's: the stream, with the bytes read and not answered
    /// replayed in front.
    Handover(Rewind<TcpStream>),
}

impl Outcome {
    /// What hyper is to serve, if anything.
    pub(super) fn handed_over(self) -> Option<Rewind<TcpStream>> {
        match self {
            Outcome::Closed => None,
            Outcome::Handover(rest) => Some(rest),
        }
    }
}

/// Serves `stream` until it closes or needs hyper. The caller ends it when
/// [`super::connection::until_ending`] says so, watching `activity`: with the
/// header timeout as its idle limit, each request head must arrive within it
/// of the previous response (or of the accept), as hyper's must, with no
/// timer armed per request. Once `stopping` turns true, the response in
/// progress is the last. `activity` says whether it waits for a request
/// with nothing of one read ([`Activity::waiting`]): a connection the caller
/// may close at shutdown, or to make room, by dropping this future; and
/// since when it holds part of one ([`Activity::head_begun`]), which it may
/// drop so too once held long enough ([`Activity::room`]); and whether a
/// write waits for room in the socket ([`Activity::waiting_to_write`]), so
/// that it may be dropped too once its client has taken nothing for long
/// enough. Its requests are `client`'s.
pub(super) async fn serve(
    stream: TcpStream,
    state: &State,
    client: Client,
    activity: &Arc<Activity>,
    limits: Limits,
    stopping: watch::Receiver<bool>,
) -> Outcome {
    let mut conn = Conn {
        stream,
        out: Vec::with_capacity(READ_BYTES),
        gathered: 0,
        unsent: None,
        activity,
        state,
    };
    // Read and not answered yet: apart from `conn`, since a request's view
    // borrows it while its response is written.
    let mut input = BytesMut::with_capacity(READ_BYTES);
    loop {
        // Left uninitialised: `httparse` writes the lines it finds, and
        // filling 64 empty ones per request showed in profiles.
        let mut lines = [const { MaybeUninit::uninit() }; MAX_FIELDS];
        match next(&input, &mut lines, limits.max_header_bytes) {
            Next::Request(head) => {
                let in_flight = activity.begin();
                let answer = respond_to(state, client, &head.view).await;
                let close = head.close || closes(&answer) || stops(&stopping);
                let sent = conn.respond(&head, answer, close, in_flight).await;
                let len = head.len;
                input.advance(len);
                if sent.is_err() {
                    return Outcome::Closed;
                }
                if close {
                    conn.finish().await;
                    return Outcome::Closed;
                }
            }
            Next::More => {
                if conn.flush().await.is_err() {
                    return Outcome::Closed;
                }
                // Room for a whole read: a full buffer would otherwise grow by
                // a few bytes per read. Once the input is all answered this
                // reuses the same memory.
                input.reserve(READ_BYTES);
                // Between requests, shutdown closes at once; a head that has
                // begun is read and answered.
                activity.set_waiting(input.is_empty());
                if !input.is_empty() {
                    activity.head_begun();
                }
                let read = conn.stream.read_buf(&mut input).await;
                activity.set_waiting(false);
                match read {
                    Ok(n) if n > 0 => {}
                    // The client closed, or the read failed.
                    _ => return Outcome::Closed,
                }
            }
            Next::Hyper => {
                if conn.flush().await.is_err() {
                    return Outcome::Closed;
                }
                let read = input.freeze();
                return Outcome::Handover(Rewind::new(conn.stream, read));
            }
            Next::Refuse(refusal) => {
                // RFC 9110 §2.5: a higher minor version of HTTP/1 is read as
                // HTTP/1.1, the highest this server speaks; the head is parsed again.
                if refusal == Refusal::Version && read_as_http11(&mut input) {
                    continue;
                }
                conn.refuse(refusal, asks_head(&input)).await;
                return Outcome::Closed;
            }
        }
    }
}

/// Whether the request at the start of `input` is a HEAD, read from its
/// method alone (the rest of the head may be what is refused).
fn asks_head(input: &[u8]) -> bool {
    input[request_start(input)..].starts_with(b"HEAD ")
}

/// Where the request line in `input` starts: after the empty lines a
/// request may follow (RFC 9112 §2.2), which `httparse` skips too.
fn request_start(input: &[u8]) -> usize {
    (input.iter())
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(input.len())
}

/// A head answered with an error, after which the connection closes: what
/// follows it cannot be framed, or is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// Not HTTP/1.0 or HTTP/1.1 (RFC 9110 §15.6.6), and not HTTP/2's preface.
    Version,
    /// Not a request head by RFC 9112's grammar (§2.2, §3, §5).
    Malformed,
    /// A body framed in a way this server does not read, or cannot tell
    /// (see [`framing`]).
    Framing(framing::Faulty),
    /// A target that is not a URI in any of RFC 9112 §3.2's forms, such as
    /// `http:///feed.rss` (an absolute URI with an empty host, RFC 9110 §4.2.1).
    Target,
    /// A method longer than any this server or the IANA registry knows: RFC
    /// 9112 §3 asks for 501. Its body, if any, is not read, so the
    /// connection closes.
    LongMethod,
}

impl Refusal {
    fn status(self) -> StatusCode {
        match self {
            Refusal::Version => StatusCode::HTTP_VERSION_NOT_SUPPORTED,
            Refusal::Malformed | Refusal::Target => StatusCode::BAD_REQUEST,
            Refusal::Framing(faulty) => faulty.status(),
            Refusal::LongMethod => StatusCode::NOT_IMPLEMENTED,
        }
    }

    /// The line of text it is answered with.
    fn text(self) -> String {
        match self {
            Refusal::Version => {
                "http version not supported: this server speaks HTTP/1.0, HTTP/1.1 and HTTP/2\n"
                    .to_owned()
            }
            Refusal::Malformed => "bad request: malformed request head\n".to_owned(),
            Refusal::Framing(faulty) => format!("{faulty}\n"),
            Refusal::Target => {
                "bad request: the target is not a path or an absolute URL with a host (and no #fragment)\n"
                    .to_owned()
            }
            Refusal::LongMethod => {
                "method not implemented: this server answers GET and HEAD\n".to_owned()
            }
        }
    }

    /// The route it is counted under.
    fn label(self) -> RouteLabel {
        match self.status() {
            StatusCode::NOT_IMPLEMENTED => RouteLabel::NotImplemented,
            _ => RouteLabel::BadRequest,
        }
    }
}

/// The longest method answered as any other: the IANA HTTP Method Registry's
/// longest is `UPDATEREDIRECTREF` (17 bytes). Longer ones get 501 here, as
/// hyper would never see them whole: a request line longer than
/// [`super::long_targets`] keeps is cut, method and all.
const MAX_METHOD_BYTES: usize = 32;

/// The version of the request line at the start of `input`, if it is one of
/// three parts whose last is `HTTP/` and two digits (RFC 9112 §2.3, §3): its
/// major and minor digits, and where the minor one is.
fn request_line_version(input: &[u8]) -> Option<(u8, u8, usize)> {
    let start = request_start(input);
    let end = start + input[start..].iter().position(|&b| b == b'\n')?;
    let line = input[start..end]
        .strip_suffix(b"\r")
        .unwrap_or(&input[start..end]);
    if line.split(|&b| b == b' ').count() != 3 {
        return None;
    }
    let at = line.len().checked_sub(8)?;
    match line[at..] {
        [b'H', b'T', b'T', b'P', b'/', major @ b'0'..=b'9', b'.', minor @ b'0'..=b'9'] => {
            Some((major, minor, start + at + 7))
        }
        _ => None,
    }
}

/// What a head whose version `httparse` refused is refused as: a well-formed
/// version this server does not speak, or a head that is not one.
fn version_refusal(input: &[u8]) -> Refusal {
    match request_line_version(input) {
        Some(_) => Refusal::Version,
        None => Refusal::Malformed,
    }
}

/// Rewrites an `HTTP/1.x` request line with `x` above 1 to `HTTP/1.1`, in
/// place; whether it did.
fn read_as_http11(input: &mut BytesMut) -> bool {
    match request_line_version(input) {
        Some((b'1', b'2'..=b'9', minor)) => {
            input[minor] = b'1';
            true
        }
        _ => false,
    }
}

/// Whether the server is shutting down: `stopping` only ever changes to
/// `true`, so a change is the news (and a closed channel means the server is
/// gone). Read without the lock [`watch::Receiver::borrow`] takes.
fn stops(stopping: &watch::Receiver<bool>) -> bool {
    stopping.has_changed().unwrap_or(true)
}

/// What to do with the bytes read so far.
enum Next<'a> {
    /// Answer this request.
    Request(Head<'a>),
    /// Read more: no whole head yet.
    More,
    /// Hand the connection to hyper.
    Hyper,
    /// Answer with an error and close.
    Refuse(Refusal),
}

/// A request head the fast path answers.
struct Head<'a> {
    view: View<'a>,
    /// Its length in the input.
    len: usize,
    /// Whether the connection closes after its response (RFC 9112 §9.3).
    close: bool,
}

/// What the head at the start of `input` asks for; its field lines go in `lines`.
fn next<'a>(
    input: &'a [u8],
    lines: &'a mut [MaybeUninit<httparse::Header<'a>>],
    max_head: usize,
) -> Next<'a> {
    if input.is_empty() {
        return Next::More;
    }
    let mut parsed = httparse::Request::new(&mut []);
    match parsed.parse_with_uninit_headers(input, lines) {
        Ok(httparse::Status::Complete(len)) if len <= max_head => {
            let Some(parts) = Parts::of(parsed) else {
                return Next::Hyper;
            };
            match judge(&parts) {
                Ok(body) => head(parts, len, body).map_or(Next::Hyper, Next::Request),
                Err(refusal) => Next::Refuse(refusal),
            }
        }
        Ok(httparse::Status::Partial) if input.len() < max_head => Next::More,
        // HTTP/2's preface is `PRI * HTTP/2.0`: hyper's. Any other version
        // this server does not speak, or a head that is not one, is refused
        // here, in this server's words and with `no-store` like its other errors.
        Err(httparse::Error::Version) if input.starts_with(H2_PREFACE) => Next::Hyper,
        // A version is judged on a whole request line.
        Err(httparse::Error::Version) if !input.contains(&b'\n') && input.len() < max_head => {
            Next::More
        }
        Err(httparse::Error::Version) => Next::Refuse(version_refusal(input)),
        // More fields than the fast path answers: judged all the same, and
        // then hyper's.
        Err(httparse::Error::TooManyHeaders) => judged_for_hyper(input, max_head),
        Err(_) => Next::Refuse(Refusal::Malformed),
        // A head too long: hyper refuses it (431).
        _ => Next::Hyper,
    }
}

/// The most field lines hyper takes in a head (its default); past them it
/// answers 431.
const HYPER_FIELDS: usize = 100;

/// What to do with a head of more field lines than the fast path answers:
/// judged as every head is ([`judge`]: its framing, method and target)
/// before hyper, which takes up to [`HYPER_FIELDS`] of them, answers it; a
/// part of one, read on. Rare: the lines are allocated here.
fn judged_for_hyper(input: &[u8], max_head: usize) -> Next<'static> {
    let mut lines = vec![httparse::EMPTY_HEADER; HYPER_FIELDS];
    let mut parsed = httparse::Request::new(&mut lines);
    match parsed.parse(input) {
        Ok(httparse::Status::Complete(len)) if len <= max_head => {
            match Parts::of(parsed).map(|parts| judge(&parts)) {
                Some(Err(refusal)) => Next::Refuse(refusal),
                _ => Next::Hyper,
            }
        }
        Ok(httparse::Status::Partial) if input.len() < max_head => Next::More,
        Err(e) if e != httparse::Error::TooManyHeaders => Next::Refuse(Refusal::Malformed),
        _ => Next::Hyper,
    }
}

/// The parts of a whole head `httparse` parsed.
struct Parts<'a> {
    method: &'a str,
    target: &'a str,
    version: Version,
    fields: Fields<'a>,
}

impl<'a> Parts<'a> {
    /// The parts of `parsed`, if it is whole (`httparse` sets every part of a
    /// complete head).
    fn of(parsed: httparse::Request<'a, 'a>) -> Option<Parts<'a>> {
        let version = match parsed.version? {
            1 => Version::HTTP_11,
            0 => Version::HTTP_10,
            _ => return None,
        };
        let lines: &'a [httparse::Header<'a>] = parsed.headers;
        Some(Parts {
            method: parsed.method?,
            target: parsed.path?,
            version,
            fields: Fields::lines(lines),
        })
    }
}

/// How the body of a whole head is framed, or why the head is refused before
/// anything after it is read: every HTTP/1 head of a connection is judged
/// here before hyper sees any of it, so what hyper would refuse with a bare
/// 400 is refused in this server's words (the method, the framing, the target).
fn judge(parts: &Parts<'_>) -> Result<framing::Body, Refusal> {
    if parts.method.len() > MAX_METHOD_BYTES {
        return Err(Refusal::LongMethod);
    }
    let body = framing::judge(parts.version, &parts.fields).map_err(Refusal::Framing)?;
    // Hyper parses a target with the `http` crate's `Uri`, and refuses one it
    // cannot parse with a bare 400; a plain path needs no parse, and a target
    // past the route's limit is cut on its way to hyper (see `long_targets`)
    // and answered 414.
    let target = parts.target;
    // No form of request target has a fragment (RFC 9112 §3.2: an origin
    // form is a path and query, an absolute form an absolute-URI); the
    // `http` crate would drop it and serve the path.
    if target.contains('#') {
        return Err(Refusal::Target);
    }
    let parsed_by_hyper = plain_target(target).is_none() && target.len() <= MAX_TARGET_BYTES;
    if parsed_by_hyper && http::Uri::try_from(target).is_err() {
        return Err(Refusal::Target);
    }
    Ok(body)
}

/// The request of a head framed as `body`, if it is a GET or HEAD with no
/// body that asks for nothing but an answer (no `Expect`, no `Upgrade`), for
/// a target in origin form that needs no more than a glance (see
/// [`plain_target`]).
fn head(parts: Parts<'_>, len: usize, body: framing::Body) -> Option<Head<'_>> {
    let Parts {
        method,
        target,
        version,
        fields,
    } = parts;
    if method != "GET" && method != "HEAD" {
        return None;
    }
    let path = plain_target(target)?;
    // RFC 9112 §6.1–6.3: a body is framed by Transfer-Encoding or a non-zero
    // Content-Length; hyper reads (and answers) those.
    let bodyless = matches!(body, framing::Body::None | framing::Body::Length(0));
    if !bodyless || fields.contains("expect") || fields.contains("upgrade") {
        return None;
    }
    // RFC 9112 §9.3: HTTP/1.1 persists unless `close`; HTTP/1.0 only with `keep-alive`.
    // Parsed by the `headers` crate, and only when sent: most requests have none.
    let connection = fields
        .contains("connection")
        .then(|| {
            fields
                .header_map("connection")
                .typed_get::<headers::Connection>()
        })
        .flatten();
    let has = |token| connection.as_ref().is_some_and(|c| c.contains(token));
    let close = match version {
        Version::HTTP_11 => has("close"),
        _ => !has("keep-alive") || has("close"),
    };
    let view = View {
        method,
        version,
        path,
        target_len: target.len(),
        authority: None,
        scheme: None,
        fields,
    };
    Some(Head { view, len, close })
}

/// The path of `target` if it is in origin form (RFC 9112 §3.2.1) and made
/// of characters that the `http` crate takes as they are in a path and query
/// (RFC 3986 `pchar`s, `/` and `?`): then it is the part before `?`, as
/// `Uri::path` would say. Any other target (absolute form, `*`, a fragment,
/// characters it may reject or must check as UTF-8) goes to hyper, whose `Uri`
/// decides.
fn plain_target(target: &str) -> Option<&str> {
    let plain =
        |b: &u8| matches!(b, 0x21 | 0x24..=0x3B | 0x3D | 0x3F..=0x5A | 0x5F | 0x61..=0x7A | 0x7E);
    let bytes = target.as_bytes();
    // The `http` crate's limit on a path and query.
    let fits = bytes.len() < usize::from(u16::MAX);
    if !fits || bytes.first() != Some(&b'/') || !bytes.iter().all(plain) {
        return None;
    }
    Some(target.split_once('?').map_or(target, |(path, _)| path))
}

/// Whether the route asked to close the connection (a 400 for a bad Host).
fn closes(answer: &Answer) -> bool {
    match answer {
        Answer::Ready(_) => false,
        Answer::Built(response) => response
            .headers()
            .get(header::CONNECTION)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close")),
    }
}

/// One connection on the fast path.
struct Conn<'a> {
    stream: TcpStream,
    /// Response bytes not written yet (heads and small bodies of pipelined requests).
    out: Vec<u8>,
    /// How many of the bytes in `out` are bodies: counted as sent once `out`
    /// is written whole (see [`Conn::write_with`]).
    gathered: usize,
    /// The last request whose response is in `out`: counted in progress until
    /// it is written, so a client that does not read is cut off as stalled.
    unsent: Option<InFlight>,
    activity: &'a Arc<Activity>,
    /// Where the current snapshot is found: its config names the folder for
    /// a body's copy, looked up only when a copy is to be made.
    state: &'a State,
}

impl Conn<'_> {
    /// Writes the answer to `head`'s request, or gathers it in `out` if small.
    async fn respond(
        &mut self,
        head: &Head<'_>,
        answer: Answer,
        close: bool,
        in_flight: InFlight,
    ) -> io::Result<()> {
        let version = head.view.version;
        self.unsent = Some(in_flight);
        match answer {
            Answer::Ready(ready) => {
                write_ready_head(&mut self.out, version, &ready, head.view.path, close);
                if ready.decision == Decision::Full && !ready.head {
                    let body = ready.body();
                    self.body(&body.bytes, Some(&body.sealed)).await?;
                }
            }
            Answer::Built(response) => {
                let (parts, mut body) = response.into_parts();
                // A `Full` body is one frame (or none): no copy, no wait.
                let body = match body.frame().await {
                    Some(Ok(frame)) => frame.into_data().unwrap_or_default(),
                    _ => Bytes::new(),
                };
                // A body made for this request: this connection sends it, and
                // is ended if its client holds too much while it takes nothing.
                if let Some(lease) = parts.extensions.get::<Arc<Lease>>() {
                    // From now the progress is the client's to make: the
                    // wait for the render is not taken for its.
                    self.activity.response_made();
                    lease.sent_on(self.activity.clone());
                }
                write_head(&mut self.out, version, &parts, body.len(), close);
                // RFC 9110 §9.3.2: HEAD has no body; §15.4.5: nor has a 304.
                let bodyless = head.view.is_head()
                    || parts.status == StatusCode::NOT_MODIFIED
                    || parts.status == StatusCode::NO_CONTENT;
                if !bodyless {
                    self.body(&body, parts.extensions.get::<SealedCopy>())
                        .await?;
                }
            }
        }
        if self.out.len() >= GATHER_BYTES || self.out.is_empty() {
            self.flush().await?;
        }
        Ok(())
    }

    /// Sends `body` after the head in `out`: from its sealed copy if it has
    /// one, else gathered in `out` if small, else written with it. A large
    /// body with no copy yet is sent from memory while the first such
    /// response has the copy made (in the body folder of the config in
    /// force, else a memfd) on the blocking pool: writing a file can wait on
    /// a busy disk, which must not hold up the connections this thread
    /// serves (nor, on one core, the watchdog).
    async fn body(&mut self, body: &Bytes, sealed: Option<&SealedCopy>) -> io::Result<()> {
        let large = body.len() >= SENDFILE_MIN;
        let made = sealed.filter(|_| large).and_then(|copy| {
            let made = copy.made();
            if made.is_none() && crate::site::sealed::room() && copy.claim() {
                let snapshot = self.state.snapshot.load_full();
                let dir = snapshot.and_then(|s| s.config.body_dir.clone());
                let (copy, bytes) = (copy.clone(), body.clone());
                tokio::task::spawn_blocking(move || copy.get(&bytes, dir.as_deref()));
            }
            made
        });
        match made {
            _ if body.is_empty() => {}
            Some(sealed) => {
                self.send_more()?;
                self.write_with(&[]).await?;
                self.send_file(&sealed, body.len()).await?;
            }
            None if body.len() < SENDFILE_MIN => self.gather(body),
            None => self.write_with(body).await?,
        }
        Ok(())
    }

    /// Appends a small body to `out`, to go with the heads around it.
    fn gather(&mut self, body: &[u8]) {
        self.out.extend_from_slice(body);
        self.gathered += body.len();
    }

    /// Writes what `out` holds now, as far as the socket takes it at once,
    /// with `MSG_MORE`: the body that follows fills the same segments (what
    /// nginx's `tcp_nopush` does). The last bytes of the body push them out.
    fn send_more(&mut self) -> io::Result<()> {
        let stream = &self.stream;
        let sent = stream.try_io(Interest::WRITABLE, || {
            rustix::net::send(stream, &self.out, rustix::net::SendFlags::MORE)
                .map_err(io::Error::from)
        });
        match sent {
            Ok(n) => {
                self.out.drain(..n);
                self.activity.progressed();
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Sends the first `len` bytes of `sealed` from offset 0 with `sendfile`,
    /// and counts what the socket took, all of it or not.
    async fn send_file(&mut self, sealed: &Sealed, len: usize) -> io::Result<()> {
        let mut offset = 0u64;
        let sent = self.send_file_from(sealed, len, &mut offset).await;
        self.state.counters.sent(offset);
        sent
    }

    /// [`Conn::send_file`]'s writes, with `offset` moved past each.
    async fn send_file_from(
        &mut self,
        sealed: &Sealed,
        len: usize,
        offset: &mut u64,
    ) -> io::Result<()> {
        let end = len as u64;
        while *offset < end {
            let stream = &self.stream;
            let rest = usize::try_from(end - *offset).unwrap_or(usize::MAX);
            let sent = stream.try_io(Interest::WRITABLE, || {
                rustix::fs::sendfile(stream, sealed, Some(&mut *offset), rest)
                    .map_err(io::Error::from)
            });
            match sent {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => self.activity.progressed(),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable().await?,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Writes `out`, then `body`, in as few writes as the socket allows, and
    /// counts the body bytes the socket took: `body`'s as they go, and the
    /// small bodies gathered in `out` once it is written whole (a connection
    /// that fails first leaves those uncounted: at most [`GATHER_BYTES`]).
    async fn write_with(&mut self, body: &[u8]) -> io::Result<()> {
        let mut done = 0;
        let written = self.write_out_with(body, &mut done).await;
        let gathered = if written.is_ok() {
            std::mem::take(&mut self.gathered)
        } else {
            0
        };
        self.state.counters.sent((gathered + done) as u64);
        written
    }

    /// [`Conn::write_with`]'s writes, with `done` the bytes of `body` written.
    async fn write_out_with(&mut self, body: &[u8], done: &mut usize) -> io::Result<()> {
        let mut head = 0;
        // Whether a write waited for room: the one that takes the rest is
        // then the client's progress too, which must end the wait's count.
        let mut waited = false;
        while head < self.out.len() || *done < body.len() {
            // Heads alone (a 304, a HEAD, gathered small responses) with
            // `send`, which skips the file layer `writev` goes through.
            let written = if *done == body.len() {
                self.stream.try_write(&self.out[head..])
            } else {
                let bufs = [
                    IoSlice::new(&self.out[head..]),
                    IoSlice::new(&body[*done..]),
                ];
                self.stream.try_write_vectored(&bufs)
            };
            match written {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    let from_head = n.min(self.out.len() - head);
                    head += from_head;
                    *done += n - from_head;
                    // Progress while bytes wait, or after a wait: a write
                    // that takes all at once is followed by the end of its
                    // request, which is all the idle clock needs, and no
                    // stall clock runs (one clock read, not two).
                    if waited || head < self.out.len() || *done < body.len() {
                        self.activity.progressed();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    waited = true;
                    self.writable().await?;
                }
                Err(e) => return Err(e),
            }
        }
        self.out.clear();
        Ok(())
    }

    /// Waits until the socket has room for more of a response: noted as
    /// the client not taking what it was sent ([`Activity::waiting_to_write`]).
    async fn writable(&self) -> io::Result<()> {
        let _waits = self.activity.waiting_to_write();
        self.stream.writable().await
    }

    /// Writes all of `out`.
    async fn flush(&mut self) -> io::Result<()> {
        self.write_with(&[]).await?;
        self.unsent = None;
        Ok(())
    }

    /// Answers a head that cannot be served with `refusal`'s error (its
    /// text left out for a HEAD, RFC 9110 §9.3.2), then closes, as
    /// [`Conn::finish`] does.
    async fn refuse(&mut self, refusal: Refusal, head: bool) {
        let text = refusal.text();
        let text = text.as_bytes();
        let status = refusal.status();
        status_line(&mut self.out, Version::HTTP_11, status);
        field(&mut self.out, b"content-type", b"text/plain; charset=utf-8");
        field(&mut self.out, b"cache-control", b"no-store");
        let end = End {
            status,
            has_connection: false,
            has_length: false,
            body_len: text.len(),
        };
        end_head(
            &mut self.out,
            Version::HTTP_11,
            end,
            true,
            SystemTime::now(),
        );
        if !head {
            self.gather(text);
        }
        // Counted as the routes count theirs: malformed heads are requests too.
        self.state.counters.answered(refusal.label(), status);
        self.finish().await;
    }

    /// Writes what is left and closes the connection in stages
    /// ([`super::linger`]), so the client reads every byte before the end
    /// of the stream, even with requests of its own still unread.
    async fn finish(&mut self) {
        if self.flush().await.is_ok() {
            super::linger::close(&self.stream).await;
        }
    }
}

/// The status line and header block of a response of `body_len` bytes, as
/// hyper writes them.
fn write_head(
    out: &mut Vec<u8>,
    version: Version,
    parts: &http::response::Parts,
    body_len: usize,
    close: bool,
) {
    status_line(out, version, parts.status);
    fields(out, &parts.headers);
    let end = End {
        status: parts.status,
        has_connection: parts.headers.contains_key(header::CONNECTION),
        has_length: parts.headers.contains_key(header::CONTENT_LENGTH),
        body_len,
    };
    // Fine: a built answer may carry a `Last-Modified` of the last tick, and
    // `Date` must not be before it (RFC 9110 §8.8.2.1); these are the rarer answers.
    end_head(out, version, end, close, SystemTime::now());
}

/// What the head of a [`Ready`] answer is written from: its header fields as
/// its `Response` has them, made once per coding and kind of response and
/// kept with the resource for the snapshot and path, then the status line,
/// `Connection`, `Content-Length` and `Date` around them as [`write_head`]
/// writes them. `Last-Modified` is clamped to the present (RFC 9110
/// §8.8.2.1): until the resource's is past, the fields are made per request.
fn write_ready_head(out: &mut Vec<u8>, version: Version, ready: &Ready, path: &str, close: bool) {
    let now = clock::wall_for(ready.resource.last_modified);
    let status = ready.status();
    let end = End {
        status,
        has_connection: false,
        // The route sets a HEAD's Content-Length (the GET's).
        has_length: ready.decision == Decision::Full && ready.head,
        body_len: ready.sent(),
    };
    status_line(out, version, status);
    if ready.resource.last_modified > now {
        fields(out, ready.response_at(path, now).headers());
    } else {
        let generation = ready.snapshot.generation;
        ready.resource.kept(generation, path, |kept| {
            let block = kept.blocks[block_slot(ready)].get_or_init(|| {
                let mut block = Vec::new();
                fields(&mut block, ready.response_at(path, now).headers());
                block.into_boxed_slice()
            });
            out.extend_from_slice(block);
        });
    }
    end_head(out, version, end, close, now);
}

/// Which of a resource's kept blocks holds the fields of `ready`'s head.
fn block_slot(ready: &Ready) -> usize {
    let coding = match ready.coding {
        Coding::Br => 0,
        Coding::Gzip => 1,
        Coding::Identity => 2,
    };
    let kind = match (ready.decision, ready.head) {
        (Decision::NotModified, _) => 0,
        (Decision::Full, false) => 1,
        (Decision::Full, true) => 2,
    };
    coding * 3 + kind
}

/// What follows a head's header fields.
struct End {
    status: StatusCode,
    /// Whether the fields hold `Connection`.
    has_connection: bool,
    /// Whether the fields hold `Content-Length`.
    has_length: bool,
    body_len: usize,
}

fn status_line(out: &mut Vec<u8>, version: Version, status: StatusCode) {
    out.extend_from_slice(match version {
        Version::HTTP_10 => b"HTTP/1.0 ",
        _ => b"HTTP/1.1 ",
    });
    // The two statuses nearly every response has, without the table lookups.
    match status {
        StatusCode::OK => return out.extend_from_slice(b"200 OK\r\n"),
        StatusCode::NOT_MODIFIED => return out.extend_from_slice(b"304 Not Modified\r\n"),
        _ => {}
    }
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn fields(out: &mut Vec<u8>, headers: &HeaderMap) {
    for (name, value) in headers {
        field(out, name.as_str().as_bytes(), value.as_bytes());
    }
}

/// `Connection` (RFC 9112 §9.3, §9.6), `Content-Length` and `Date` of `now`,
/// and the empty line that ends the head.
fn end_head(out: &mut Vec<u8>, version: Version, end: End, close: bool, now: SystemTime) {
    if close && version == Version::HTTP_11 && !end.has_connection {
        field(out, b"connection", b"close");
    } else if !close && version == Version::HTTP_10 {
        field(out, b"connection", b"keep-alive");
    }
    // RFC 9110 §8.6: a 304 has no Content-Length unless it is the 200's; a HEAD
    // response carries the GET's, which the route sets.
    let counted = end.status != StatusCode::NOT_MODIFIED
        && end.status != StatusCode::NO_CONTENT
        && !end.has_length;
    if counted {
        let mut digits = itoa::Buffer::new();
        field(
            out,
            b"content-length",
            digits.format(end.body_len).as_bytes(),
        );
    }
    date(out, now);
    out.extend_from_slice(b"\r\n");
}

fn field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

thread_local! {
    /// The `Date` field value of the current second (RFC 9110 §6.6.1), made
    /// once a second per thread rather than per response.
    static DATE: RefCell<(u64, String)> = const { RefCell::new((0, String::new())) };
}

/// Appends the `Date` field of `now`.
fn date(out: &mut Vec<u8>, now: SystemTime) {
    let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    DATE.with_borrow_mut(|(at, text)| {
        if *at != second || text.is_empty() {
            *at = second;
            *text = httpdate::fmt_http_date(now);
        }
        field(out, b"date", text.as_bytes());
    });
}

/// A stream with bytes already read from it put back in front.
#[derive(Debug)]
pub(super) struct Rewind<S> {
    read: Bytes,
    inner: S,
}

/// How a connection handed over for HTTP/2 begins: its preface's method (RFC
/// 9113 §3.4), which is all the fast path reads of it before it hands over.
pub(super) const H2_PREFACE: &[u8] = b"PRI ";

impl<S> Rewind<S> {
    /// Whether what was read before the hand-over begins with `prefix`.
    pub(super) fn starts_with(&self, prefix: &[u8]) -> bool {
        self.read.starts_with(prefix)
    }

    /// `inner`, read from `read` first.
    pub(super) fn new(inner: S, read: Bytes) -> Rewind<S> {
        Rewind { read, inner }
    }

    /// The stream it reads on from.
    pub(super) fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewind<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        if me.read.is_empty() {
            return Pin::new(&mut me.inner).poll_read(cx, buf);
        }
        let n = me.read.len().min(buf.remaining());
        buf.put_slice(&me.read[..n]);
        me.read.advance(n);
        Poll::Ready(Ok(()))
    }
}

writes_through!(Rewind);

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::HeaderValue;
    use http::Response;
    use tokio::io::AsyncWriteExt;

    fn kind(input: &[u8]) -> &'static str {
        let mut lines = [const { MaybeUninit::uninit() }; MAX_FIELDS];
        match next(input, &mut lines, 64 * 1024) {
            Next::Request(_) => "answer",
            Next::More => "more",
            Next::Hyper => "hyper",
            Next::Refuse(Refusal::Version) => "505",
            Next::Refuse(r) if r.status() == StatusCode::NOT_IMPLEMENTED => "501",
            Next::Refuse(_) => "400",
        }
    }

    #[test]
    fn plain_gets_and_heads_are_answered_and_the_rest_goes_to_hyper() {
        assert_eq!(kind(b"GET /feed.rss HTTP/1.1\r\nHost: a\r\n\r\n"), "answer");
        assert_eq!(kind(b"HEAD / HTTP/1.0\r\n\r\n"), "answer");
        assert_eq!(
            kind(b"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
            "answer"
        );
        assert_eq!(kind(b"GET /feed.rss HTTP/1.1\r\nHo"), "more");
        assert_eq!(kind(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), "hyper");
        assert_eq!(kind(b"POST / HTTP/1.1\r\nHost: a\r\n\r\n"), "hyper");
        assert_eq!(
            kind(b"GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"),
            "hyper"
        );
        assert_eq!(
            kind(b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            "hyper"
        );
        assert_eq!(
            kind(b"GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n"),
            "hyper"
        );
        assert_eq!(kind(b"GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n"), "hyper");
        assert_eq!(kind(b"GET / HTTP/1.1\r\nBad Field: x\r\n\r\n"), "400");
        assert_eq!(kind(b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n"), "400");
        assert_eq!(kind(b"GET /a b HTTP/1.1\r\n\r\n"), "400");
        // A fragment is no part of any request target (RFC 9112 §3.2).
        assert_eq!(
            kind(b"GET /feed.rss#tin HTTP/1.1\r\nHost: a\r\n\r\n"),
            "400"
        );
        assert_eq!(
            kind(b"GET http://a/feed.rss#tin HTTP/1.1\r\nHost: a\r\n\r\n"),
            "400"
        );
        assert_eq!(kind(b"GET / HTTP/3.0\r\n\r\n"), "505");
        assert_eq!(kind(b"GET / HTTP/1.2\r\n\r\n"), "505");
        assert_eq!(kind(b"GET / http/1.1\r\n\r\n"), "400");
        // A version is judged once its line is whole.
        assert_eq!(kind(b"GET / HTTP/3"), "more");
        assert_eq!(kind(b"GET / HTTP/3.0\n"), "505");
        assert_eq!(kind(b"\r\n\r\nGET / HTTP/3.0\r\n\r\n"), "505");
        // Past the head limit, a request line that never ends is malformed.
        assert!(matches!(
            next(
                b"GET / HTTP/3.0 and on",
                &mut [const { MaybeUninit::uninit() }; 4],
                8
            ),
            Next::Refuse(Refusal::Malformed)
        ));
        assert!(matches!(
            next(
                b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
                &mut [const { MaybeUninit::uninit() }; 4],
                8
            ),
            Next::Hyper
        ));
        assert!(matches!(
            next(
                b"GET / HTTP/1.1\r\nHo",
                &mut [const { MaybeUninit::uninit() }; 4],
                8
            ),
            Next::Hyper
        ));
    }

    #[test]
    fn heads_hyper_would_refuse_bare_are_refused_here() {
        // Framing (see `framing`): judged on every head, whatever its method.
        for head in [
            &b"GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nContent-Length: 0, 0\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            // An absolute URL with an empty host, and targets `Uri` refuses.
            b"GET http:///healthz HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET http://[::1/ HTTP/1.1\r\nHost: a\r\n\r\n",
        ] {
            assert_eq!(kind(head), "400", "{}", String::from_utf8_lossy(head));
        }
        assert_eq!(
            kind(b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            "501"
        );
        // RFC 9112 §3: a method longer than any known is 501.
        let long = format!("{} / HTTP/1.1\r\nHost: a\r\n\r\n", "A".repeat(33));
        assert_eq!(kind(long.as_bytes()), "501");
        let known = format!("{} / HTTP/1.1\r\nHost: a\r\n\r\n", "A".repeat(32));
        assert_eq!(kind(known.as_bytes()), "hyper");
        // Targets hyper parses and routes answer: another scheme (421), `*`,
        // the authority form; and one past the route's limit (414).
        for head in [
            &b"GET ftp://a/healthz HTTP/1.1\r\nHost: a\r\n\r\n"[..],
            b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET a:80 HTTP/1.1\r\nHost: a\r\n\r\n",
        ] {
            assert_eq!(kind(head), "hyper", "{}", String::from_utf8_lossy(head));
        }
        let far = format!(
            "GET http://a/{} HTTP/1.1\r\nHost: a\r\n\r\n",
            "b".repeat(MAX_TARGET_BYTES)
        );
        assert_eq!(kind(far.as_bytes()), "hyper");
        // More field lines than the fast path answers (hyper takes up to 100):
        // judged the same before hyper has them.
        let padded = |lines: usize, line: &str, end: &str| {
            let pad: String = (0..lines).map(|i| format!("X-{i}: a\r\n")).collect();
            format!("{line}\r\nHost: a\r\n{pad}{end}")
        };
        for (line, end) in [
            (
                "GET / HTTP/1.1",
                "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            ),
            ("GET /feed.rss#x HTTP/1.1", "\r\n"),
            ("GET / HTTP/1.1", "Bad Field: x\r\n\r\n"),
        ] {
            let head = padded(70, line, end);
            assert_eq!(kind(head.as_bytes()), "400", "{line} {end:?}");
        }
        assert_eq!(
            kind(padded(70, "GET / HTTP/1.1", "\r\n").as_bytes()),
            "hyper"
        );
        assert_eq!(
            kind(padded(70, "GET / HTTP/1.1", "X-la").as_bytes()),
            "more"
        );
        // Past hyper's 100, hyper answers 431.
        assert_eq!(
            kind(padded(120, "GET / HTTP/1.1", "\r\n").as_bytes()),
            "hyper"
        );
    }

    #[test]
    fn a_later_http1_minor_version_is_read_as_http11() {
        let mut input = BytesMut::from(&b"GET / HTTP/1.2\r\nHost: a\r\n\r\n"[..]);
        assert!(read_as_http11(&mut input));
        assert_eq!(&input[..], b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(kind(&input), "answer");
        let mut input = BytesMut::from(&b"\r\nGET / HTTP/1.3\r\n\r\n"[..]);
        assert!(read_as_http11(&mut input));
        assert_eq!(&input[..], b"\r\nGET / HTTP/1.1\r\n\r\n");
        for other in [
            &b"GET / HTTP/2.0\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\n\r\n",
            b"GET /a b HTTP/1.2\r\n\r\n",
            b"GET / HTTP/1.2",
        ] {
            let mut input = BytesMut::from(other);
            assert!(!read_as_http11(&mut input), "{other:?}");
            assert_eq!(&input[..], other);
        }
    }

    #[test]
    fn persistence_follows_the_version_and_connection() {
        let close =
            |input: &[u8]| match next(input, &mut [const { MaybeUninit::uninit() }; 8], 4096) {
                Next::Request(h) => h.close,
                _ => panic!("not answered: {input:?}"),
            };
        assert!(!close(b"GET / HTTP/1.1\r\n\r\n"));
        assert!(close(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assert!(close(b"GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n"));
        assert!(close(b"GET / HTTP/1.0\r\n\r\n"));
        assert!(!close(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    }

    #[test]
    fn the_head_is_what_hyper_writes() {
        let mut r = Response::new(());
        *r.status_mut() = StatusCode::NOT_FOUND;
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let (parts, ()) = r.into_parts();
        let mut out = Vec::new();
        write_head(&mut out, Version::HTTP_11, &parts, 1234, true);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(
            "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: 1234\r\ndate: "
        ));
        assert!(text.ends_with(" GMT\r\n\r\n"), "{text}");
    }

    #[test]
    fn status_lines_are_the_tables() {
        for status in [
            StatusCode::OK,
            StatusCode::NOT_MODIFIED,
            StatusCode::NOT_FOUND,
        ] {
            for (version, name) in [
                (Version::HTTP_11, "HTTP/1.1"),
                (Version::HTTP_10, "HTTP/1.0"),
            ] {
                let mut out = Vec::new();
                status_line(&mut out, version, status);
                let reason = status.canonical_reason().unwrap();
                let want = format!("{name} {} {reason}\r\n", status.as_str());
                assert_eq!(String::from_utf8(out).unwrap(), want);
            }
        }
    }

    #[test]
    fn only_plain_origin_form_targets_are_answered_here() {
        assert_eq!(plain_target("/feed.rss"), Some("/feed.rss"));
        assert_eq!(plain_target("/a/b?c=d?e"), Some("/a/b"));
        assert_eq!(
            plain_target("/articles/tin-t%E1%BB%A9c"),
            Some("/articles/tin-t%E1%BB%A9c")
        );
        assert_eq!(plain_target("/?x"), Some("/"));
        // Absolute form, `*`, fragments, characters the `http` crate rejects
        // or checks: hyper's `Uri` decides.
        for target in [
            "http://a/feed.rss",
            "*",
            "/a#b",
            "/a<b",
            "/a\\b",
            "/tức",
            "/{x}",
        ] {
            assert_eq!(plain_target(target), None, "{target}");
        }
        assert_eq!(kind(b"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n"), "hyper");
    }

    /// A state serving one feed at `/feed.rss` (every coding computed) with
    /// `config`, and that feed.
    fn serving(config: &str) -> (State, Arc<crate::site::Resource>) {
        use crate::config::Config;
        use crate::publish::Snapshot;
        use crate::site::{Resource, Site};
        let text = "<rss>Tin tức tổng hợp</rss>".repeat(100).into_bytes();
        let lm = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let rss = crate::render::Format::Rss.content_type();
        let resource = Arc::new(Resource::new(rss, lm, text));
        resource.encode(Coding::Gzip);
        resource.encode(Coding::Br);
        let mut site = Site::default();
        site.resources
            .insert("/feed.rss".to_owned(), resource.clone());
        let config = Arc::new(Config::from_toml(config, None).unwrap());
        let state = State::default();
        state
            .snapshot
            .store(Some(Arc::new(Snapshot::new(site, config, 0))));
        (state, resource)
    }

    /// The head of `answer` as the fast path writes it, and as it writes
    /// the same answer built as a `Response` (what hyper gets), without `Date`.
    /// The one field line every HTTP/1.1 request needs.
    const HOST: httparse::Header<'static> = httparse::Header {
        name: "Host",
        value: b"a",
    };

    /// A GET of `/feed.rss` with the field lines `lines`.
    fn feed_get<'a>(lines: &'a [httparse::Header<'a>]) -> View<'a> {
        View {
            method: "GET",
            version: Version::HTTP_11,
            path: "/feed.rss",
            target_len: 9,
            authority: None,
            scheme: None,
            fields: Fields::lines(lines),
        }
    }

    fn heads(answer: Answer, path: &str, close: bool) -> (String, String) {
        let Answer::Ready(ready) = answer else {
            panic!("not a ready resource");
        };
        let (mut kept, mut built) = (Vec::new(), Vec::new());
        write_ready_head(&mut kept, Version::HTTP_11, &ready, path, close);
        let (parts, body) = ready.response(path).into_parts();
        let len = {
            use hyper::body::Body as _;
            body.size_hint().exact().unwrap() as usize
        };
        write_head(&mut built, Version::HTTP_11, &parts, len, close);
        let undated = |head: Vec<u8>| {
            let text = String::from_utf8(head).unwrap();
            let lines: Vec<&str> = text
                .split("\r\n")
                .filter(|l| !l.starts_with("date: "))
                .collect();
            lines.join("\r\n")
        };
        (undated(kept), undated(built))
    }

    #[tokio::test]
    async fn kept_heads_are_the_bytes_a_built_response_gives() {
        let hubs = "[site]\nbase_url = \"https://tin.example.vn\"\n[websub]\nhubs = [\"https://hub.example.vn/\"]\n";
        for (config, linked) in [("", false), (hubs, true)] {
            let (state, resource) = serving(config);
            for (coding, accept) in [
                (Coding::Identity, "identity"),
                (Coding::Gzip, "gzip"),
                (Coding::Br, "br"),
            ] {
                let etag = resource.encoded(coding).unwrap().etag.clone();
                for (method, inm, status) in [
                    ("GET", "\"other\"", "200"),
                    ("HEAD", "\"other\"", "200"),
                    ("GET", etag.as_str(), "304"),
                    ("HEAD", etag.as_str(), "304"),
                ] {
                    let lines = [
                        httparse::Header {
                            name: "Host",
                            value: b"a",
                        },
                        httparse::Header {
                            name: "Accept-Encoding",
                            value: accept.as_bytes(),
                        },
                        httparse::Header {
                            name: "If-None-Match",
                            value: inm.as_bytes(),
                        },
                    ];
                    let view = View {
                        method,
                        version: Version::HTTP_11,
                        path: "/feed.rss",
                        target_len: 9,
                        authority: None,
                        scheme: None,
                        fields: Fields::lines(&lines),
                    };
                    // Twice: the block is made by the first and kept for the second.
                    for close in [false, true] {
                        let what = format!("{config:?} {method} {accept} {inm} close {close}");
                        let answer = respond_to(&state, Client::local(), &view).await;
                        let (kept, built) = heads(answer, "/feed.rss", close);
                        assert_eq!(kept, built, "{what}");
                        assert!(
                            kept.starts_with(&format!("HTTP/1.1 {status} ")),
                            "{what}: {kept}"
                        );
                        assert_eq!(
                            kept.contains("\r\nlink: <https://hub."),
                            linked,
                            "{what}: {kept}"
                        );
                        let encoded = coding != Coding::Identity && status == "200";
                        assert_eq!(
                            kept.contains("content-encoding: "),
                            encoded,
                            "{what}: {kept}"
                        );
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn heads_kept_for_one_snapshot_are_not_used_for_the_next() {
        let (state, _) = serving("[http]\ncache_max_age = 60\n");
        let lines = [HOST];
        let view = feed_get(&lines);
        let (first, _) = heads(
            respond_to(&state, Client::local(), &view).await,
            "/feed.rss",
            false,
        );
        assert!(first.contains("cache-control: max-age=60\r\n"), "{first}");
        // The same resource, shared with a snapshot of another config.
        let site = state.snapshot.load_full().unwrap().site.clone();
        let config = Arc::new(
            crate::config::Config::from_toml("[http]\ncache_max_age = 90\n", None).unwrap(),
        );
        let next = crate::publish::Snapshot::new(site, config, 0);
        state.snapshot.store(Some(Arc::new(next)));
        let (kept, built) = heads(
            respond_to(&state, Client::local(), &view).await,
            "/feed.rss",
            false,
        );
        assert_eq!(kept, built);
        assert!(kept.contains("cache-control: max-age=90\r\n"), "{kept}");
    }

    #[tokio::test]
    async fn a_head_dated_ahead_of_the_clock_is_made_per_request_not_kept() {
        use crate::config::Config;
        use crate::publish::Snapshot;
        use crate::site::{Resource, Site};
        let ahead = SystemTime::now() + std::time::Duration::from_secs(30);
        let resource = Arc::new(Resource::new(
            "application/rss+xml",
            ahead,
            b"<rss/>".to_vec(),
        ));
        let mut site = Site::default();
        site.resources
            .insert("/feed.rss".to_owned(), resource.clone());
        let config = Arc::new(Config::from_toml("", None).unwrap());
        let snapshot = Arc::new(Snapshot::new(site, config, 0));
        let generation = snapshot.generation;
        let state = State::default();
        state.snapshot.store(Some(snapshot));
        let lines = [HOST];
        let view = feed_get(&lines);
        let (kept, built) = heads(
            respond_to(&state, Client::local(), &view).await,
            "/feed.rss",
            false,
        );
        assert_eq!(kept, built);
        let sent = crate::timestamp::http_date(ahead);
        assert!(
            !kept.contains(&sent),
            "{kept} sends a Last-Modified ahead of its Date"
        );
        let empty = resource.kept(generation, "/feed.rss", |k| {
            k.blocks.iter().all(|b| b.get().is_none())
        });
        assert!(empty, "a clamped head was kept");
    }

    /// A response the client took only after a pause, so that its writes
    /// waited: once it is sent whole, no wait counts any more, and the next
    /// write to wait, a while later, counts from its own start.
    #[tokio::test]
    async fn a_write_that_waited_and_then_took_the_rest_leaves_no_stall_counting() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let (client, server) = tokio::join!(
            socket.connect(listener.local_addr().unwrap()),
            listener.accept()
        );
        let (mut client, (server, _)) = (client.unwrap(), server.unwrap());
        let body = vec![b'x'; 8 << 20];
        let len = body.len();
        let pause = std::time::Duration::from_millis(300);
        let reader = tokio::spawn(async move {
            tokio::time::sleep(pause).await;
            let mut got = vec![0; len];
            client.read_exact(&mut got).await.unwrap();
            client
        });
        let (state, activity) = (State::default(), Arc::new(Activity::default()));
        let held = activity.begin();
        let mut conn = Conn {
            stream: server,
            out: Vec::new(),
            gathered: 0,
            unsent: None,
            activity: &activity,
            state: &state,
        };
        conn.write_with(&body).await.unwrap();
        let _client = reader.await.unwrap();
        // A while later, the next response's write waits at once (the
        // client pausing again).
        tokio::time::sleep(pause).await;
        activity.write_waits(true);
        let counted = activity.stalled_for();
        assert!(
            counted < pause / 3,
            "a wait that began {counted:?} ago counts, though the client took everything since"
        );
        drop(held);
    }

    #[tokio::test]
    async fn rewind_replays_then_reads_on() {
        let (mut client, server) = tokio::io::duplex(64);
        client.write_all(b" world").await.unwrap();
        drop(client);
        let mut r = Rewind::new(server, Bytes::from_static(b"hello"));
        let mut all = String::new();
        r.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "hello world");
    }
}
