//! Telling systemd the truth: readiness, status, reloads, stopping, watchdog
//! pings, and the listening socket it may pass in. Every call is a no-op when the
//! process does not run under systemd (no `NOTIFY_SOCKET`, no `LISTEN_FDS`).

use std::sync::Arc;
use std::time::Duration;

use sd_notify::NotifyState;

use crate::publish::Published;

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(false, states) {
        tracing::debug!("sd_notify failed: {e}");
    }
}

/// `READY=1` with a status line: the first scan is served and the socket is
/// bound. The store's watcher may still be attaching; the reconciliation that
/// follows the attach catches any change made before it (see `watch::start`).
pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// `STATUS=…`: what a sysadmin sees in `systemctl status`.
pub fn status(status: &str) {
    send(&[NotifyState::Status(status)]);
}

/// How often a start-up still reading the store asks systemd for more time.
const EXTEND_EVERY: Duration = Duration::from_secs(10);

/// How much more it asks for each time.
const EXTEND_BY: Duration = Duration::from_secs(30);

/// While the store loads: `EXTEND_TIMEOUT_USEC` at once and again every
/// [`EXTEND_EVERY`] in which the start moved (entries listed, files read:
/// [`crate::store::PROGRESS`]), with a status line saying how far it is.
/// A large store on a slow disk takes longer than the unit's start timeout
/// (90 s by default), and `READY=1` waits for the first snapshot; without
/// this systemd would end the start and restart it from nothing, again and
/// again. A start that stops moving (a hung network mount) asks no more, and
/// the timeout ends it [`EXTEND_BY`] later. Runs until dropped.
pub async fn extend_while_loading() {
    use std::sync::atomic::Ordering;
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    let extend = |status: &str| {
        let usec = u32::try_from(EXTEND_BY.as_micros()).unwrap_or(u32::MAX);
        send(&[
            NotifyState::ExtendTimeoutUsec(usec),
            NotifyState::Status(status),
        ]);
    };
    let mut seen = crate::store::PROGRESS.load(Ordering::Relaxed);
    extend("loading the store");
    let mut tick = tokio::time::interval(EXTEND_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        let now = crate::store::PROGRESS.load(Ordering::Relaxed);
        if now != seen {
            extend(&format!(
                "loading the store: {now} entries listed and files read"
            ));
            seen = now;
        }
    }
}

/// `RELOADING=1` with `MONOTONIC_USEC`, as `Type=notify-reload` expects.
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

/// `STOPPING=1`: shutdown has begun.
pub fn stopping() {
    send(&[
        NotifyState::Stopping,
        NotifyState::Status("draining connections"),
    ]);
}

/// Time a stop takes besides the drain: the watcher finishing what it reads,
/// the last records written.
const STOP_MARGIN: Duration = Duration::from_secs(10);

/// Keeps systemd waiting for a drain of `grace` and the rest of the stop,
/// from when it begins, so the drain's grace period (`[http]
/// shutdown_grace_secs`) holds under systemd whatever the unit's
/// `TimeoutStopSec=`: without it, a grace longer than that is cut by
/// SIGKILL, its responses lost. Only ever lengthens the stop: systemd keeps
/// the unit's timeout when it is longer. The first `EXTEND_TIMEOUT_USEC` is
/// sent at once; the task returned (`None` outside systemd) sends the next
/// ones (see [`keep_extended`]) until the drain's grace is over or it is
/// dropped, which the daemon does as soon as the drain has ended: from then
/// on the last one asked (at most 40 s) bounds the rest of the stop.
pub fn extend_stop(grace: Duration) -> Option<tokio_util::task::AbortOnDropHandle<()>> {
    std::env::var_os("NOTIFY_SOCKET")?;
    let renewing = keep_extended(grace, |usec| {
        send(&[NotifyState::ExtendTimeoutUsec(usec)]);
    });
    Some(tokio_util::task::AbortOnDropHandle::new(tokio::spawn(
        renewing,
    )))
}

/// Says `EXTEND_TIMEOUT_USEC` through `extend` at once, and again (in the
/// future returned) every [`EXTEND_EVERY`] until one reaches the end of a
/// drain of `grace`, each time for what is left of it, at most
/// [`EXTEND_BY`], and [`STOP_MARGIN`], as [`extend_while_loading`] asks.
/// Each extension counts from when systemd reads it, so one is renewed 30 s
/// before it runs out, and the last covers the drain's end and the margin
/// after it; no single one is long, so a stop that goes on once the
/// renewals have stopped (the daemon stops them when the drain ends) is
/// killed at most 40 s later, not after what a day's grace would ask.
fn keep_extended(
    grace: Duration,
    mut extend: impl FnMut(u32),
) -> impl std::future::Future<Output = ()> {
    let end = tokio::time::Instant::now() + grace;
    extend(stop_usec(grace));
    async move {
        let mut left = grace;
        while left > EXTEND_BY {
            tokio::time::sleep(EXTEND_EVERY).await;
            left = end.saturating_duration_since(tokio::time::Instant::now());
            extend(stop_usec(left));
        }
    }
}

/// The `EXTEND_TIMEOUT_USEC` for a drain with `left` to go: that, at most
/// [`EXTEND_BY`], and [`STOP_MARGIN`], in microseconds.
fn stop_usec(left: Duration) -> u32 {
    u32::try_from((left.min(EXTEND_BY) + STOP_MARGIN).as_micros()).unwrap_or(u32::MAX)
}

/// A status line for the current snapshot.
pub fn describe(articles: usize, feeds: usize, rejected: usize) -> String {
    let files = if rejected == 1 { "file" } else { "files" };
    format!("serving {articles} articles in {feeds} feeds; {rejected} {files} rejected")
}

/// Pings the watchdog at half its interval while a snapshot is being served. The
/// pings come from the serving runtime, so a wedged runtime stops them.
pub fn spawn_watchdog(published: Arc<Published>) {
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return;
    }
    let every = Duration::from_micros(usec / 2);
    tracing::info!(interval = ?every, "watchdog enabled");
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if published.load().is_some() {
                send(&[NotifyState::Watchdog]);
            }
        }
    });
}

/// The listening socket systemd passed in (`LISTEN_FDS`/`LISTEN_PID`, the first
/// one, fd 3), if any; the log says when there were more, which are not served.
pub fn inherited_listener() -> std::io::Result<Option<std::net::TcpListener>> {
    let mut fds = listenfd::ListenFd::from_env();
    if fds.len() == 0 {
        return Ok(None);
    }
    if fds.len() > 1 {
        tracing::warn!(
            "systemd passed {} sockets; only the first (fd 3) is served: keep one `ListenStream=` in bantin.socket",
            fds.len()
        );
    }
    fds.take_tcp_listener(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every extension a drain of `grace` asks for, with when it is asked,
    /// on a paused clock.
    async fn extensions(grace: Duration) -> Vec<(Duration, Duration)> {
        let start = tokio::time::Instant::now();
        let mut asked = Vec::new();
        keep_extended(grace, |usec| {
            asked.push((start.elapsed(), Duration::from_micros(u64::from(usec))));
        })
        .await;
        asked
    }

    #[tokio::test(start_paused = true)]
    async fn a_drain_is_covered_to_its_end_whatever_its_grace() {
        let most = EXTEND_BY + STOP_MARGIN;
        // The grace a reload may set at most: a day.
        for grace in [0, 3, 10, 11, 30, 31, 4_400, 7_200, 86_400].map(Duration::from_secs) {
            let asked = extensions(grace).await;
            assert_eq!(
                asked[0],
                (Duration::ZERO, grace.min(EXTEND_BY) + STOP_MARGIN)
            );
            // No one ask is long: a stop that goes on once the renewals
            // have stopped is not left waiting for a day's grace.
            assert!(
                asked.iter().all(|&(_, asked_for)| asked_for <= most),
                "{grace:?}: {asked:?}"
            );
            // Each extension lasts until the next is asked, and 10 s more
            // (a busy runtime may send it late).
            for pair in asked.windows(2) {
                let ((at, asked_for), (next, _)) = (pair[0], pair[1]);
                assert_eq!(next, at + EXTEND_EVERY, "{grace:?}: {pair:?}");
                assert!(at + asked_for >= next + EXTEND_EVERY, "{grace:?}: {pair:?}");
            }
            // The last covers the drain and the rest of the stop, and no
            // more than that.
            let (at, asked_for) = asked[asked.len() - 1];
            assert_eq!(at + asked_for, grace + STOP_MARGIN, "{grace:?}: {asked:?}");
        }
        // Two hours: asked every 10 s, 40 s at a time, until 30 s are left.
        let long = extensions(Duration::from_secs(7_200)).await;
        assert_eq!(long.len(), 718, "every 10 s");
        assert_eq!(long[1], (Duration::from_secs(10), most));
        assert_eq!(
            long[717],
            (Duration::from_secs(7_170), Duration::from_secs(40))
        );
    }
}
