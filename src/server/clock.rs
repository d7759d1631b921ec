//! The clocks read on every request, at the resolution their uses need.
//!
//! A request reads the time for its `Date` field (one second resolution) and
//! twice for its connection's deadlines (seconds); for a representation
//! changed within the last tick it reads the fine clock ([`wall_for`]). The coarse clocks answer to
//! within one scheduler tick (1 to 10 ms) from the vDSO's page without reading
//! the time counter: a few nanoseconds instead of tens, which showed in
//! profiles of 304s (nginx reads its clock once per event loop turn for the
//! same reason).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustix::time::{clock_gettime, ClockId, Timespec};

/// The wall clock to within a tick: for `Date` (RFC 9110 §6.6.1) and the
/// `Last-Modified` clamp, both whole seconds.
pub fn wall() -> SystemTime {
    UNIX_EPOCH + since_origin(clock_gettime(ClockId::RealtimeCoarse))
}

/// The wall clock for a response about a representation dated `dated`: the
/// coarse reading, or the fine one when `dated` is after it. A change in the
/// last tick is dated by the fine clock, and must not be sent as older than it
/// is (the `Last-Modified` clamp would then name the second before).
pub fn wall_for(dated: SystemTime) -> SystemTime {
    let coarse = wall();
    if dated > coarse {
        SystemTime::now()
    } else {
        coarse
    }
}

/// `dated` as a response may send it: clamped to the present (RFC 9110
/// §8.8.2.1), read by [`wall_for`].
pub fn not_after_now(dated: SystemTime) -> SystemTime {
    dated.min(wall_for(dated))
}

/// Milliseconds on the monotonic clock (from an arbitrary origin), to within
/// a tick: for connection deadlines, which are seconds long.
pub fn monotonic_millis() -> u64 {
    let t = since_origin(clock_gettime(ClockId::MonotonicCoarse));
    u64::try_from(t.as_millis()).unwrap_or(u64::MAX)
}

/// A clock reading as the time since the clock's origin; a reading before
/// it (a wall clock set before 1970) as the origin itself.
fn since_origin(t: Timespec) -> Duration {
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let nanos = u32::try_from(t.tv_nsec).unwrap_or(0);
    Duration::new(secs, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coarse_clocks_keep_up_with_the_fine_ones() {
        // A tick is at most 10 ms (HZ=100); allow for a slow machine.
        let slack = Duration::from_millis(50);
        let fine = SystemTime::now();
        let coarse = wall();
        let gap = fine.duration_since(coarse).unwrap_or_else(|e| e.duration());
        assert!(
            gap < slack,
            "the coarse wall clock is {gap:?} from the fine one"
        );

        // Something dated by the fine clock just now is not after the reading.
        let dated = SystemTime::now();
        assert!(wall_for(dated) >= dated);
        let past = dated - Duration::from_secs(5);
        assert!(wall_for(past) > past);

        let start = monotonic_millis();
        let fine = std::time::Instant::now();
        std::thread::sleep(Duration::from_millis(200));
        let coarse = monotonic_millis() - start;
        let fine = u64::try_from(fine.elapsed().as_millis()).unwrap();
        assert!(
            coarse.abs_diff(fine) < 50,
            "200 ms of sleep: coarse {coarse} ms, fine {fine} ms"
        );
    }
}
