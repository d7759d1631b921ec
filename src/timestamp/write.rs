//! Instants written out, and system times read in as instants.
//!
//! RFC 2822 for RSS, RFC 3339 for Atom and JSON Feed, a fixed offset for writers that take
//! one; a file's modification time as an instant in the zone, or as Unix seconds. Kept
//! together because every writer follows one rule the readers do not need: an offset with
//! seconds (local mean time before 1911) cannot be written, so such an instant is written
//! in UTC.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use chrono_tz::Tz;

use super::year_out_of_range;

/// RFC 2822 for RSS: `Sun, 10 May 2020 15:33:00 +0700` (two-digit day, English names, the zone's offset at that instant).
pub fn rfc2822<Z: TimeZone>(at: &DateTime<Z>) -> String {
    let at = &at.fixed_offset();
    if whole_minute_offset(at) {
        at.format("%a, %d %b %Y %H:%M:%S %z").to_string()
    } else {
        at.with_timezone(&chrono::Utc)
            .format("%a, %d %b %Y %H:%M:%S +0000")
            .to_string()
    }
}

/// Whether the zone's offset at `at` is whole minutes. Before standard time, zones
/// had local mean time offsets with seconds (Ho Chi Minh City: +07:06:30 until
/// 1 May 1911), which RFC 2822 and RFC 3339 cannot write; such instants are
/// written in UTC so they stay exact. Not with the offset rounded: that moves
/// the instant, or, with the clock moved to keep it, writes a time the article
/// does not give at an offset the zone never had (`12:00:30+07:07`).
fn whole_minute_offset(at: &DateTime<FixedOffset>) -> bool {
    use chrono::Offset;
    at.offset().fix().local_minus_utc() % 60 == 0
}

/// RFC 3339 for Atom and JSON Feed: `2020-05-10T15:33:00+07:00` (whole seconds, `+00:00` rather than `Z`).
pub fn rfc3339<Z: TimeZone>(at: &DateTime<Z>) -> String {
    let at = &at.fixed_offset();
    if whole_minute_offset(at) {
        at.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    } else {
        at.with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%S+00:00")
            .to_string()
    }
}

/// The same instant with a fixed offset (the zone's offset at that instant, or
/// UTC where that offset has seconds), for writers that take one; in whole
/// seconds, as every output writes them (a date taken from a file's
/// modification time has nanoseconds).
pub fn fixed<Z: TimeZone>(at: &DateTime<Z>) -> DateTime<chrono::FixedOffset> {
    use chrono::SubsecRound;
    let at = at.fixed_offset().trunc_subsecs(0);
    if whole_minute_offset(&at) {
        at
    } else {
        at.with_timezone(&chrono::Utc).fixed_offset()
    }
}

/// Express a system time (such as a file's modification time) in `tz`;
/// `None` outside years 1–9999 there or as written, which are not dates (see
/// [`parse`](super::parse)): a modification time can be anything a filesystem
/// holds (tmpfs and btrfs keep year 11476 from a bad extract), and no feed,
/// sitemap or archive can carry it.
pub fn from_system_time(t: SystemTime, tz: Tz) -> Option<DateTime<Tz>> {
    let utc = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs())
            .ok()
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, d.subsec_nanos())),
        Err(e) => {
            let d = e.duration();
            i64::try_from(d.as_secs()).ok().and_then(|s| {
                let (secs, nanos) = match d.subsec_nanos() {
                    0 => (-s, 0),
                    n => (-s - 1, 1_000_000_000 - n),
                };
                DateTime::<Utc>::from_timestamp(secs, nanos)
            })
        }
    };
    utc.map(|t| t.with_timezone(&tz))
        .filter(|t| year_out_of_range(t).is_none())
}

/// Whole seconds of `t` since 1970, negative before it (rounded down), as
/// `touch -d @SECONDS` takes them; saturated past what an `i64` holds.
pub fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => {
            let d = e.duration();
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            let partial = i64::from(d.subsec_nanos() > 0);
            whole.saturating_neg().saturating_sub(partial)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_offset_instant_is_in_whole_seconds() {
        let at = Utc.timestamp_opt(1_589_099_580, 631_621_768).unwrap();
        let at = at.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh);
        let fixed = fixed(&at);
        assert_eq!(fixed.timestamp_subsec_nanos(), 0);
        assert_eq!(fixed.timestamp(), 1_589_099_580);
        assert_eq!(fixed.to_rfc3339(), "2020-05-10T15:33:00+07:00");
    }
    use std::time::Duration;

    use crate::timestamp::parse;
    use chrono::Offset;
    use chrono_tz::Asia::Ho_Chi_Minh as HCM;

    /// Found by fuzzing: a local mean time offset (+07:06:30 before 1911) has
    /// seconds, which RFC 3339 cannot write; the instant is written in UTC instead.
    #[test]
    fn offsets_with_seconds_are_written_in_utc() {
        let s = parse("Sun, 10 May 1010 15:33:00 +0700", HCM).unwrap();
        assert_eq!(rfc3339(&s.at), "1010-05-10T08:33:00+00:00");
        assert_eq!(rfc2822(&s.at), "Thu, 10 May 1010 08:33:00 +0000");
        assert_eq!(parse(&rfc3339(&s.at), HCM).unwrap().at, s.at);
        assert_eq!(fixed(&s.at), s.at);
    }

    /// A local time before 1 May 1911, when Ho Chi Minh City kept local mean
    /// time (+07:06:30), is written in UTC in every form, the instant exact to
    /// the second; from that day on, with the zone's offset.
    #[test]
    fn local_mean_time_is_written_in_utc_and_exact() {
        let s = parse("01/01/1900 12:00", HCM).expect("parses");
        assert_eq!(
            s.at.offset().fix().local_minus_utc(),
            7 * 3600 + 6 * 60 + 30
        );
        assert_eq!(rfc3339(&s.at), "1900-01-01T04:53:30+00:00");
        assert_eq!(rfc2822(&s.at), "Mon, 01 Jan 1900 04:53:30 +0000");
        let f = fixed(&s.at);
        assert_eq!((f, f.offset().local_minus_utc()), (s.at.fixed_offset(), 0));
        // Each form reads back as the same instant.
        assert_eq!(parse(&rfc3339(&s.at), HCM).expect("reads back").at, s.at);
        assert_eq!(parse(&rfc2822(&s.at), HCM).expect("reads back").at, s.at);
        // A local midnight falls on the day before in UTC.
        let midnight = parse("01/01/1900 00:00", HCM).expect("parses");
        assert_eq!(rfc3339(&midnight.at), "1899-12-31T16:53:30+00:00");
        // The last day of local mean time, and the first of +07:00.
        let last = parse("30/04/1911 12:00", HCM).expect("parses");
        assert_eq!(rfc3339(&last.at), "1911-04-30T04:53:30+00:00");
        let first = parse("01/05/1911 00:00", HCM).expect("parses");
        assert_eq!(rfc3339(&first.at), "1911-05-01T00:00:00+07:00");
        assert_eq!(rfc2822(&first.at), "Mon, 01 May 1911 00:00:00 +0700");
    }

    #[test]
    fn output_formats() {
        let s = parse("Chủ nhật - 10/05/2020 15:33", HCM).expect("parses");
        assert_eq!(rfc2822(&s.at), "Sun, 10 May 2020 15:33:00 +0700");
        assert_eq!(rfc3339(&s.at), "2020-05-10T15:33:00+07:00");
        let utc = parse("2020-05-10T08:33:00Z", chrono_tz::UTC).expect("parses");
        assert_eq!(rfc3339(&utc.at), "2020-05-10T08:33:00+00:00");
        let single = parse("01/05/2020 09:05", HCM).expect("parses");
        assert_eq!(rfc2822(&single.at), "Fri, 01 May 2020 09:05:00 +0700");
    }

    #[test]
    fn system_time_in_zone() {
        let t = UNIX_EPOCH + Duration::from_secs(1_589_099_580);
        assert_eq!(
            rfc3339(&from_system_time(t, HCM).unwrap()),
            "2020-05-10T15:33:00+07:00"
        );
        let before = UNIX_EPOCH - Duration::from_millis(1500);
        assert_eq!(
            from_system_time(before, chrono_tz::UTC)
                .unwrap()
                .timestamp_millis(),
            -1500
        );
        assert_eq!(unix_seconds(before), -2);
        assert_eq!(unix_seconds(t), 1_589_099_580);
    }

    #[test]
    fn a_system_time_outside_years_1_to_9999_is_not_a_date() {
        // Year 11476 and year -248: what tmpfs keeps from a bad extract.
        let late = UNIX_EPOCH + Duration::from_secs(300_000_000_000);
        let early = UNIX_EPOCH - Duration::from_secs(70_000_000_000);
        assert_eq!(from_system_time(late, HCM), None);
        assert_eq!(from_system_time(early, HCM), None);
        assert_eq!(unix_seconds(early), -70_000_000_000);
        // The last second of 9999 in the zone is one; the next is not.
        let last = UNIX_EPOCH + Duration::from_secs(253_402_300_799 - 7 * 3600);
        assert!(from_system_time(last, HCM).is_some());
        assert_eq!(from_system_time(last + Duration::from_secs(1), HCM), None);
    }
}
