//! The HTTP/1 fast path: plain GET and HEAD requests answered on the accepted
//! socket itself, through the same routes as hyper, with large bodies sent
//! from their sealed copies with `sendfile(2)`. Anything else (the HTTP/2
//! preface, a request with a body, `Expect`, an upgrade, a head the parser
//! refuses or one past the head limit) is handed to hyper for the rest of the
//! connection, with the bytes read so far replayed in front ([`Rewind`]).
//!
//! Heads are parsed with `httparse` (the parser hyper uses) into an
//! `http::Request` for [`handle`], so routing, negotiation and the 304 decision
//! are the ones every other request gets. What hyper adds on the way out is
//! added here the same way: `Date`, `Content-Length`, and the `Connection`
//! field of RFC 9112 §9.3 (persistence) and §9.6 (closing).

use std::cell::RefCell;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Buf, Bytes, BytesMut};
use headers::HeaderMapExt;
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, Interest, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::connection::{Activity, InFlight};
use super::{handle, Limits, State};
use crate::site::sealed::{Sealed, SealedCopy, SENDFILE_MIN};

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
/// progress is the last.
pub(super) async fn serve(
    stream: TcpStream,
    state: &State,
    activity: &Arc<Activity>,
    limits: Limits,
    mut stopping: watch::Receiver<bool>,
) -> Outcome {
    let mut conn = Conn {
        stream,
        input: BytesMut::with_capacity(READ_BYTES),
        out: Vec::with_capacity(READ_BYTES),
        unsent: None,
        activity,
    };
    loop {
        match next(&conn.input, limits.max_header_bytes) {
            Next::Request(head) => {
                let in_flight = activity.begin();
                let response = handle(state, &head.request).await;
                conn.input.advance(head.len);
                let close = head.close || closes(&response) || *stopping.borrow();
                if conn
                    .respond(&head, response, close, in_flight)
                    .await
                    .is_err()
                {
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
                let idle = conn.input.is_empty();
                // Room for a whole read: a full buffer would otherwise grow by
                // a few bytes per read. Once the input is all answered this
                // reuses the same memory.
                conn.input.reserve(READ_BYTES);
                let read = tokio::select! {
                    read = conn.stream.read_buf(&mut conn.input) => read,
                    // Between requests, shutdown closes at once; a head that has
                    // begun is read and answered.
                    _ = stopping.wait_for(|stop| *stop), if idle => return Outcome::Closed,
                };
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
                let read = conn.input.freeze();
                return Outcome::Handover(Rewind::new(conn.stream, read));
            }
        }
    }
}

/// What to do with the bytes read so far.
// Made once per request and moved out at once: a box would cost an allocation.
#[allow(clippy::large_enum_variant)]
enum Next {
    /// Answer this request.
    Request(Head),
    /// Read more: no whole head yet.
    More,
    /// Hand the connection to hyper.
    Hyper,
}

/// A request head the fast path answers.
struct Head {
    request: Request<()>,
    /// Its length in the input.
    len: usize,
    /// Whether the connection closes after its response (RFC 9112 §9.3).
    close: bool,
}

/// What the head at the start of `input` asks for.
fn next(input: &[u8], max_head: usize) -> Next {
    if input.is_empty() {
        return Next::More;
    }
    let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut parsed = httparse::Request::new(&mut fields);
    match parsed.parse(input) {
        Ok(httparse::Status::Complete(len)) if len <= max_head => {
            head(&parsed, len).map_or(Next::Hyper, Next::Request)
        }
        Ok(httparse::Status::Partial) if input.len() < max_head => Next::More,
        // The HTTP/2 preface (its version is 2.0), a malformed head, too many
        // fields, or too long: hyper answers (or refuses) it as before.
        _ => Next::Hyper,
    }
}

/// The request of a parsed head, if it is a GET or HEAD with no body that
/// asks for nothing but an answer (no `Expect`, no `Upgrade`).
fn head(parsed: &httparse::Request<'_, '_>, len: usize) -> Option<Head> {
    let method = match parsed.method? {
        "GET" => Method::GET,
        "HEAD" => Method::HEAD,
        _ => return None,
    };
    let version = match parsed.version? {
        1 => Version::HTTP_11,
        0 => Version::HTTP_10,
        _ => return None,
    };
    let uri = http::Uri::try_from(parsed.path?).ok()?;
    let mut headers = HeaderMap::with_capacity(parsed.headers.len());
    for field in parsed.headers.iter() {
        let name = HeaderName::from_bytes(field.name.as_bytes()).ok()?;
        headers.append(name, HeaderValue::from_bytes(field.value).ok()?);
    }
    // RFC 9112 §6.1–6.3: a body is framed by Transfer-Encoding or a non-zero
    // Content-Length; hyper reads (and answers) those.
    let bodyless = headers
        .get_all(header::CONTENT_LENGTH)
        .iter()
        .all(|v| v.as_bytes() == b"0");
    if !bodyless
        || headers.contains_key(header::TRANSFER_ENCODING)
        || headers.contains_key(header::EXPECT)
        || headers.contains_key(header::UPGRADE)
    {
        return None;
    }
    // RFC 9112 §9.3: HTTP/1.1 persists unless `close`; HTTP/1.0 only with `keep-alive`.
    let connection = headers.typed_get::<headers::Connection>();
    let close = match version {
        Version::HTTP_11 => connection.is_some_and(|c| c.contains("close")),
        _ => !connection.is_some_and(|c| c.contains("keep-alive") && !c.contains("close")),
    };
    let mut request = Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.version_mut() = version;
    *request.headers_mut() = headers;
    Some(Head {
        request,
        len,
        close,
    })
}

/// Whether the route asked to close the connection (a 400 for a bad Host).
fn closes(response: &Response<Full<Bytes>>) -> bool {
    response
        .headers()
        .get(header::CONNECTION)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"))
}

/// One connection on the fast path.
struct Conn<'a> {
    stream: TcpStream,
    /// Read and not answered yet.
    input: BytesMut,
    /// Response bytes not written yet (heads and small bodies of pipelined requests).
    out: Vec<u8>,
    /// The last request whose response is in `out`: counted in progress until
    /// it is written, so a client that does not read is cut off as stalled.
    unsent: Option<InFlight>,
    activity: &'a Arc<Activity>,
}

impl Conn<'_> {
    /// Writes `response` to `head`'s request, or gathers it in `out` if small.
    async fn respond(
        &mut self,
        head: &Head,
        response: Response<Full<Bytes>>,
        close: bool,
        in_flight: InFlight,
    ) -> io::Result<()> {
        let (parts, mut body) = response.into_parts();
        // A `Full` body is one frame (or none): no copy, no wait.
        let body = match body.frame().await {
            Some(Ok(frame)) => frame.into_data().unwrap_or_default(),
            _ => Bytes::new(),
        };
        let version = head.request.version();
        write_head(&mut self.out, version, &parts, body.len(), close);
        self.unsent = Some(in_flight);
        // RFC 9110 §9.3.2: HEAD has no body; §15.4.5: nor has a 304.
        let bodyless = head.request.method() == Method::HEAD
            || parts.status == StatusCode::NOT_MODIFIED
            || parts.status == StatusCode::NO_CONTENT;
        let sealed = match parts.extensions.get::<SealedCopy>() {
            Some(copy) if !bodyless => copy.get(&body),
            _ => None,
        };
        match (bodyless || body.is_empty(), sealed) {
            (true, _) => {}
            (false, Some(sealed)) => {
                self.send_more()?;
                self.write_with(&[]).await?;
                self.send_file(&sealed, body.len()).await?;
            }
            (false, None) if body.len() < SENDFILE_MIN => self.out.extend_from_slice(&body),
            (false, None) => self.write_with(&body).await?,
        }
        if self.out.len() >= GATHER_BYTES || self.out.is_empty() {
            self.flush().await?;
        }
        Ok(())
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

    /// Sends the first `len` bytes of `sealed` from offset 0 with `sendfile`.
    async fn send_file(&mut self, sealed: &Sealed, len: usize) -> io::Result<()> {
        let mut offset = 0u64;
        let end = len as u64;
        while offset < end {
            let stream = &self.stream;
            let rest = usize::try_from(end - offset).unwrap_or(usize::MAX);
            let sent = stream.try_io(Interest::WRITABLE, || {
                rustix::fs::sendfile(stream, &*sealed.0, Some(&mut offset), rest)
                    .map_err(io::Error::from)
            });
            match sent {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => self.activity.progressed(),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.stream.writable().await?,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Writes `out`, then `body`, in as few `writev` calls as the socket allows.
    async fn write_with(&mut self, body: &[u8]) -> io::Result<()> {
        let (mut head, mut done) = (0, 0);
        while head < self.out.len() || done < body.len() {
            let bufs = [IoSlice::new(&self.out[head..]), IoSlice::new(&body[done..])];
            match self.stream.try_write_vectored(&bufs) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.activity.progressed();
                    let from_head = n.min(self.out.len() - head);
                    head += from_head;
                    done += n - from_head;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.stream.writable().await?,
                Err(e) => return Err(e),
            }
        }
        self.out.clear();
        Ok(())
    }

    /// Writes all of `out`.
    async fn flush(&mut self) -> io::Result<()> {
        self.write_with(&[]).await?;
        self.unsent = None;
        Ok(())
    }

    /// Writes what is left and closes the sending side, so the client reads
    /// every byte before the end of the stream.
    async fn finish(&mut self) {
        if self.flush().await.is_ok() {
            let _ = self.stream.shutdown().await;
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
    out.extend_from_slice(match version {
        Version::HTTP_10 => b"HTTP/1.0 ",
        _ => b"HTTP/1.1 ",
    });
    out.extend_from_slice(parts.status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(parts.status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in &parts.headers {
        field(out, name.as_str().as_bytes(), value.as_bytes());
    }
    let has_connection = parts.headers.contains_key(header::CONNECTION);
    if close && version == Version::HTTP_11 && !has_connection {
        field(out, b"connection", b"close");
    } else if !close && version == Version::HTTP_10 {
        field(out, b"connection", b"keep-alive");
    }
    // RFC 9110 §8.6: a 304 has no Content-Length unless it is the 200's; a HEAD
    // response carries the GET's, which the route sets.
    let counted = parts.status != StatusCode::NOT_MODIFIED
        && parts.status != StatusCode::NO_CONTENT
        && !parts.headers.contains_key(header::CONTENT_LENGTH);
    if counted {
        let mut digits = itoa::Buffer::new();
        field(out, b"content-length", digits.format(body_len).as_bytes());
    }
    date(out);
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

/// Appends the `Date` field of now.
fn date(out: &mut Vec<u8>) {
    let now = SystemTime::now();
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

impl<S> Rewind<S> {
    /// `inner`, read from `read` first.
    pub(super) fn new(inner: S, read: Bytes) -> Rewind<S> {
        Rewind { read, inner }
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

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewind<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(input: &[u8]) -> &'static str {
        match next(input, 64 * 1024) {
            Next::Request(_) => "answer",
            Next::More => "more",
            Next::Hyper => "hyper",
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
        assert_eq!(kind(b"GET / HTTP/1.1\r\nBad Field: x\r\n\r\n"), "hyper");
        assert!(matches!(
            next(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 8),
            Next::Hyper
        ));
        assert!(matches!(next(b"GET / HTTP/1.1\r\nHo", 8), Next::Hyper));
    }

    #[test]
    fn persistence_follows_the_version_and_connection() {
        let close = |input: &[u8]| match next(input, 4096) {
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
