//! Connection IO that gives up on a peer that stops reading: a write that stays
//! pending, with no byte taken, for the write timeout fails with `TimedOut`.
//!
//! hyper then ends the connection and its slot is freed. This covers HTTP/1
//! clients that pipeline requests and never read the responses, and HTTP/2
//! clients that stop reading the socket, without a timer per request.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::connection::Activity;

/// `S` with a deadline on writes that make no progress.
#[derive(Debug)]
pub struct WriteProgress<S> {
    inner: S,
    /// Boxed so the wrapper stays `Unpin` (hyper wants `Unpin` IO); one
    /// allocation per connection, re-armed in place.
    stall: Pin<Box<Sleep>>,
    /// Whether `stall` is counting: a write is pending and none has succeeded since.
    armed: bool,
    timeout: Duration,
    /// Told of every write that takes bytes, so the connection sees its
    /// responses move (see [`super::connection::Ending::Stalled`]). Only
    /// that: the bytes may be the server's own HTTP/2 PINGs or SETTINGS, so
    /// they say the client reads, not that it asks for anything (idleness
    /// is decided by requests alone).
    activity: Arc<Activity>,
}

impl<S> WriteProgress<S> {
    /// Wraps `inner`; a write pending for `timeout` with no progress fails.
    /// `timeout` comes from validated config (at most a day), so deadlines
    /// computed from it cannot overflow.
    pub fn new(inner: S, timeout: Duration, activity: Arc<Activity>) -> WriteProgress<S> {
        WriteProgress {
            inner,
            stall: Box::pin(tokio::time::sleep(timeout)),
            armed: false,
            timeout,
            activity,
        }
    }

    /// [`Self::watch`] for a write: one that took bytes is progress.
    fn watch_write(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.progressed();
        }
        self.watch(cx, polled)
    }

    /// Passes a finished write through (progress: the clock stops); on a pending
    /// one, starts the clock if it is not running and fails once it runs out.
    /// The connection is told whether a write waits ([`Activity::write_waits`]):
    /// one whose client takes nothing may be ended sooner to make room.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            if self.armed {
                self.activity.write_waits(false);
            }
            self.armed = false;
            return polled;
        }
        if !self.armed {
            self.stall.as_mut().reset(Instant::now() + self.timeout);
            self.armed = true;
            self.activity.write_waits(true);
        }
        match self.stall.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the client read nothing for {} s (http.write_timeout_secs); closing",
                    self.timeout.as_secs()
                ),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteProgress<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteProgress<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let polled = Pin::new(&mut me.inner).poll_write(cx, buf);
        me.watch_write(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let polled = Pin::new(&mut me.inner).poll_write_vectored(cx, bufs);
        me.watch_write(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let polled = Pin::new(&mut me.inner).poll_flush(cx);
        me.watch(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let polled = Pin::new(&mut me.inner).poll_shutdown(cx);
        me.watch(cx, polled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test(start_paused = true)]
    async fn a_write_the_client_takes_nothing_of_is_a_stall_to_make_room_with() {
        use super::super::connection::{Room, RECLAIM_STALLED};
        use tokio::io::AsyncReadExt;
        let (mut client, server) = tokio::io::duplex(64);
        let activity = Arc::new(Activity::default());
        let held = activity.begin();
        let mut w = WriteProgress::new(server, Duration::from_secs(30), activity.clone());
        let writer = tokio::spawn(async move { w.write_all(&[0; 4096]).await });
        tokio::time::sleep(RECLAIM_STALLED).await;
        assert!(matches!(activity.room(), Some(Room::Stalled(_))));
        // The client takes a little: the write moves, and waits again.
        let mut buf = [0; 4096];
        assert_eq!(client.read(&mut buf[..32]).await.unwrap(), 32);
        tokio::task::yield_now().await;
        assert_eq!(activity.room(), None);
        tokio::time::sleep(RECLAIM_STALLED).await;
        assert!(matches!(activity.room(), Some(Room::Stalled(_))));
        // It takes the rest: no write waits, however long the response then
        // takes to end.
        let mut left = 4096 - 32;
        while left > 0 {
            left -= client.read(&mut buf).await.unwrap();
        }
        writer.await.unwrap().unwrap();
        tokio::time::sleep(RECLAIM_STALLED * 2).await;
        assert_eq!(activity.room(), None);
        drop(held);
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_nobody_reads_times_out_and_one_that_is_read_does_not() {
        // A 64-byte pipe: the writer blocks as soon as it is full.
        let (client, server) = tokio::io::duplex(64);
        let mut w = WriteProgress::new(server, Duration::from_secs(5), Arc::default());
        w.write_all(&[0; 64]).await.unwrap();
        let e = w.write_all(&[0; 64]).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        drop(client);

        // A slow reader that keeps taking bytes is never cut off, however long
        // the whole write takes.
        let (mut client, server) = tokio::io::duplex(64);
        let reader = tokio::spawn(async move {
            let mut buf = [0; 16];
            let mut total = 0;
            while total < 4096 {
                tokio::time::sleep(Duration::from_secs(4)).await;
                total += tokio::io::AsyncReadExt::read(&mut client, &mut buf)
                    .await
                    .unwrap();
            }
        });
        let mut w = WriteProgress::new(server, Duration::from_secs(5), Arc::default());
        w.write_all(&[0; 4096]).await.unwrap();
        reader.await.unwrap();
    }
}
