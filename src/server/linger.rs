//! Closing a connection in stages, so its last response is not lost.
//!
//! A socket closed while bytes from the client wait unread in it is reset
//! at once: the kernel sends RST, drops what of the response it has not sent
//! yet, and the client's own stack may drop what it has received but not
//! read. A client that pipelined requests after one the server answers last
//! (at shutdown, or after `Connection: close`), or that sent a request body
//! no route reads, would then lose a response it was owed. RFC 9112 §9.6
//! asks a server to close in stages: send FIN after the response, then read
//! and drop what the client still sends until it closes too ("lingering
//! close", as nginx's `lingering_close` does).
//!
//! A connection lingers at most [`LINGER_TIME`] and [`LINGER_BYTES`], on
//! its own task and within its connection slot: a client that closes when it
//! sees the end of the stream (as HTTP clients do) ends it at once, and one
//! that keeps sending cannot hold the slot longer than that.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use tokio::net::TcpStream;

/// The longest a closing connection reads what its client still sends.
pub const LINGER_TIME: Duration = Duration::from_secs(2);

/// The most a closing connection reads (and drops) of what its client sends.
pub const LINGER_BYTES: usize = 64 << 20;

/// Shuts the sending side of `stream` (its responses are all written), then
/// reads and drops what the client still sends until it closes too, at most
/// [`LINGER_TIME`] and [`LINGER_BYTES`].
pub async fn close(stream: &TcpStream) {
    let _ = rustix::net::shutdown(stream, rustix::net::Shutdown::Write);
    let mut scratch = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + LINGER_TIME;
    let mut dropped = 0;
    while dropped < LINGER_BYTES {
        match stream.try_read(&mut scratch) {
            // The client closed too: done.
            Ok(0) => return,
            Ok(n) => {
                dropped += n;
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
        if !matches!(
            tokio::time::timeout_at(deadline, stream.readable()).await,
            Ok(Ok(()))
        ) {
            return;
        }
    }
}

/// A second descriptor of `stream`'s socket, for [`close_spare`] once the
/// connection's owner (hyper) has dropped its own: the socket stays open,
/// so that drop cannot reset it.
pub fn spare(stream: &TcpStream) -> Option<OwnedFd> {
    stream.as_fd().try_clone_to_owned().ok()
}

/// [`close`] through the descriptor [`spare`] kept.
pub async fn close_spare(fd: OwnedFd) {
    // The descriptor shares the socket's non-blocking file status.
    if let Ok(stream) = TcpStream::from_std(std::net::TcpStream::from(fd)) {
        close(&stream).await;
    }
}
