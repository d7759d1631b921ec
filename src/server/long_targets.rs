//! Connection IO that cuts an over-long request line short before hyper
//! buffers it, so the route answers 414 URI Too Long (RFC 9110 §15.5.15)
//! however long the target, whatever the method, instead of hyper answering
//! 431 once the unfinished line fills its 64 KiB head buffer.
//!
//! Only the connection's first request line is looked at (RFC 9112 §2.1: a
//! request line, field lines, an empty line); once that first head has ended,
//! every byte passes untouched. Later request lines follow bodies this does not
//! parse, so looking at them could take a body's bytes for a request line and
//! change how the connection is framed: a proxy that reuses one upstream
//! connection for several clients would then carry one client's bytes into
//! another's request. A later over-long target gets hyper's 431. A first
//! request line that runs past [`KEEP`] bytes passes its first [`KEEP`] bytes
//! (a target longer than the route's limit), then its version and line end;
//! the bytes between are dropped. That holds for every method: a body comes
//! after the head, framed by field lines that pass as they are, so cutting the
//! request line cannot change where it starts or ends. HTTP/2 connections,
//! which begin with the `PRI * HTTP/2.0` preface, pass untouched.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};

use super::routes::MAX_TARGET_BYTES;

/// Bytes of a request line passed on before it is cut: the method, a space and
/// more target than the route answers.
const KEEP: usize = MAX_TARGET_BYTES + 16;

/// Bytes kept from the end of a cut line: its space, `HTTP/1.1` and CR fit.
const TAIL: usize = 16;

/// Where the reader is in the incoming bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// At the start of a line that begins a request: the stream's start, or
    /// after the empty line that ends a head. `first` until the first request.
    LineStart { first: bool },
    /// In a request line, `len` bytes in; `first` on the stream's first line.
    Request { len: usize, first: bool },
    /// In a request line past [`KEEP`] bytes: dropping up to its end.
    Cut,
    /// In a field line; `empty` while it holds nothing but CR.
    Line { empty: bool },
    /// HTTP/2: everything passes.
    Off,
}

/// What becomes of one incoming byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Passed on.
    Keep,
    /// Dropped (inside a cut line).
    Drop,
    /// The LF that ends a cut line: the line's version goes before it.
    Finish,
}

/// `S`, with an over-long first request line cut short.
#[derive(Debug)]
pub struct LongTargets<S> {
    inner: S,
    at: At,
    /// The start of the current request line, to tell HTTP/2's preface.
    method: [u8; 4],
    /// The last bytes dropped from a cut line.
    tail: VecDeque<u8>,
    /// Bytes to hand on before reading more (after a cut changed a read's length).
    out: Vec<u8>,
    /// How many of `out` are handed on.
    sent: usize,
}

impl<S> LongTargets<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> LongTargets<S> {
        LongTargets {
            inner,
            at: At::LineStart { first: true },
            method: [0; 4],
            tail: VecDeque::with_capacity(TAIL),
            out: Vec::new(),
            sent: 0,
        }
    }

    /// Moves past byte `b`; says what becomes of it.
    fn step(&mut self, b: u8) -> Step {
        let (at, step) = match self.at {
            At::Off => (At::Off, Step::Keep),
            // RFC 9112 §2.2: empty lines before a request line are ignored.
            At::LineStart { first } if b == b'\r' || b == b'\n' => {
                (At::LineStart { first }, Step::Keep)
            }
            At::LineStart { first } => {
                self.method = [0; 4];
                self.method[0] = b;
                (At::Request { len: 1, first }, Step::Keep)
            }
            At::Request { first, .. } if b == b'\n' => {
                let h2 = first && self.method == *b"PRI ";
                let next = if h2 {
                    At::Off
                } else {
                    At::Line { empty: true }
                };
                (next, Step::Keep)
            }
            At::Request { len, first } => {
                if let Some(slot) = self.method.get_mut(len) {
                    *slot = b;
                }
                if len >= KEEP {
                    self.tail.clear();
                    self.tail.push_back(b);
                    (At::Cut, Step::Drop)
                } else {
                    (
                        At::Request {
                            len: len + 1,
                            first,
                        },
                        Step::Keep,
                    )
                }
            }
            At::Cut if b == b'\n' => (At::Line { empty: true }, Step::Finish),
            At::Cut => {
                if self.tail.len() == TAIL {
                    self.tail.pop_front();
                }
                self.tail.push_back(b);
                (At::Cut, Step::Drop)
            }
            // The first head has ended: nothing after it is looked at.
            At::Line { empty: true } if b == b'\n' => (At::Off, Step::Keep),
            At::Line { .. } if b == b'\n' => (At::Line { empty: true }, Step::Keep),
            At::Line { empty } => (
                At::Line {
                    empty: empty && b == b'\r',
                },
                Step::Keep,
            ),
        };
        self.at = at;
        step
    }

    /// Appends what `step` made of `b` to `out`.
    fn emit(&mut self, step: Step, b: u8) {
        match step {
            Step::Keep => self.out.push(b),
            Step::Drop => {}
            Step::Finish => {
                // The version is after the line's last space (RFC 9112 §3).
                let from = self.tail.iter().rposition(|&c| c == b' ').unwrap_or(0);
                self.out.extend(self.tail.range(from..));
                self.out.push(b);
            }
        }
    }

    /// Hands on what fits of `out`.
    fn drain(&mut self, buf: &mut ReadBuf<'_>) {
        let n = buf.remaining().min(self.out.len() - self.sent);
        buf.put_slice(&self.out[self.sent..self.sent + n]);
        self.sent += n;
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for LongTargets<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        loop {
            if me.sent < me.out.len() {
                me.drain(buf);
                return Poll::Ready(Ok(()));
            }
            let start = buf.filled().len();
            ready!(Pin::new(&mut me.inner).poll_read(cx, buf))?;
            let end = buf.filled().len();
            if me.at == At::Off {
                return Poll::Ready(Ok(()));
            }
            // Every byte passes unless a line is being cut: then the rest of this
            // read goes through `out`.
            let mut first_change = None;
            for i in start..end {
                let b = buf.filled()[i];
                let step = me.step(b);
                if step != Step::Keep {
                    first_change = Some((i, step));
                    break;
                }
            }
            let Some((i, step)) = first_change else {
                return Poll::Ready(Ok(()));
            };
            let rest = buf.filled()[i..end].to_vec();
            buf.set_filled(i);
            me.emit(step, rest[0]);
            for &b in &rest[1..] {
                let step = me.step(b);
                me.emit(step, b);
            }
            if buf.filled().len() > start || me.out.len() > me.sent {
                me.drain(buf);
                return Poll::Ready(Ok(()));
            }
            // Everything read was dropped: returning now would read as the end
            // of the stream, so read on.
        }
    }
}

writes_through!(LongTargets);

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// Gives `data` `chunk` bytes per read, as a socket may.
    struct Chunks {
        data: Vec<u8>,
        at: usize,
        chunk: usize,
    }

    impl AsyncRead for Chunks {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let n = self
                .chunk
                .min(self.data.len() - self.at)
                .min(buf.remaining());
            let at = self.at;
            buf.put_slice(&self.data[at..at + n]);
            self.at += n;
            Poll::Ready(Ok(()))
        }
    }

    async fn through(data: &[u8], chunk: usize) -> Vec<u8> {
        let mut r = LongTargets::new(Chunks {
            data: data.to_vec(),
            at: 0,
            chunk,
        });
        let mut out = Vec::new();
        r.read_to_end(&mut out).await.unwrap();
        out
    }

    fn get(target: &str) -> String {
        format!("GET {target} HTTP/1.1\r\nHost: a\r\n\r\n")
    }

    #[tokio::test]
    async fn a_long_target_is_cut_past_the_limit_keeping_its_version_and_what_follows() {
        let long = format!("/feeds/{}.rss", "a".repeat(200_000));
        let input = format!("{}{}", get(&long), get("/feed.rss"));
        for chunk in [1, 7, 4096, 1 << 20] {
            let out = String::from_utf8(through(input.as_bytes(), chunk).await).unwrap();
            let cut = format!("GET {}", &long[..KEEP - 4]);
            let want = format!("{cut} HTTP/1.1\r\nHost: a\r\n\r\n{}", get("/feed.rss"));
            assert_eq!(out, want, "chunks of {chunk}");
            let target = out.split(' ').nth(1).unwrap();
            assert!(target.len() > MAX_TARGET_BYTES, "chunks of {chunk}");
        }
    }

    #[tokio::test]
    async fn any_method_s_long_target_is_cut_and_its_body_passes_as_it_is() {
        let long = format!("/feed.rss?{}", "a".repeat(100_000));
        for method in ["POST", "OPTIONS", "DELETE", "BREW", "G"] {
            let body = format!("GET /{long} HTTP/1.1\r\n\r\n");
            let head = |target: &str| {
                format!(
                    "{method} {target} HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
            };
            let input = format!("{}{body}", head(&long));
            for chunk in [1, 4096, 1 << 20] {
                let out = String::from_utf8(through(input.as_bytes(), chunk).await).unwrap();
                let cut = &long[..KEEP - method.len() - 1];
                assert_eq!(
                    out,
                    format!("{}{body}", head(cut)),
                    "{method}, chunks of {chunk}"
                );
                assert!(cut.len() > MAX_TARGET_BYTES);
            }
        }
    }

    #[tokio::test]
    async fn everything_else_passes_as_it_is() {
        let long = "a".repeat(100_000);
        let cases = [
            // Targets within the limit, a long field line, pipelined requests.
            format!(
                "{}{}",
                get("/feed.rss"),
                get(&format!("/{}", "b".repeat(8000)))
            ),
            format!("GET / HTTP/1.1\r\nX-Long: {long}\r\n\r\n{}", get("/")),
            // A short request line whose body holds a long one.
            format!("POST / HTTP/1.1\r\nContent-Length: 100004\r\n\r\nGET /{long}"),
            // HTTP/2: the preface, then frames that are not lines.
            format!("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\x04GET /{long}"),
            // Empty lines before a request.
            format!("\r\n{}", get("/")),
            // After the first head nothing is looked at: a body that holds what
            // looks like a long request line, and a later long target.
            format!("POST / HTTP/1.1\r\nContent-Length: 100010\r\n\r\nGET /{long}\r\n\r\n"),
            format!("{}{}", get("/"), get(&format!("/{long}"))),
        ];
        for input in cases {
            for chunk in [1, 4096] {
                let out = through(input.as_bytes(), chunk).await;
                assert!(out == input.as_bytes(), "{:.80}", input);
            }
        }
    }
}
