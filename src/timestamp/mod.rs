//! Turn every date form found in the store into an instant in the configured zone, and write instants back out.
//!
//! Parsing is a chain of small `try_parse_*` steps, tried in order; the first that accepts the
//! whole line wins. The Vietnamese forms go through a small tokenizer and a component parser
//! (weekday, date, time, zone in any order, between separators), which is strict about coverage:
//! a leftover word rejects the line, so body sentences that merely contain a date never parse.
//!
//! This file holds [`Stamp`], [`parse`], the chain of readers and the checks every form
//! shares (years 1–9999, offsets up to 14:00, no leap second). Beside it:
//! `vietnamese` (the tokenizer and the component parser), `diagnose` (why a line that
//! looks like a date is not one), `write` (instants out as RFC 2822 and RFC 3339, and
//! system times in) and `http_dates` (RFC 9110 dates for headers).

mod diagnose;
mod http_dates;
mod vietnamese;
mod write;

pub use diagnose::{why_not_a_date, why_refused, NO_DATE_FORM};
pub use http_dates::{http_date, parse_http_date};
pub use vietnamese::DASHES;
pub use write::{fixed, from_system_time, rfc2822, rfc3339, unix_seconds};

use std::borrow::Cow;

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeDelta, TimeZone, Timelike, Weekday,
};
use chrono_tz::Tz;

use vietnamese::try_parse_vietnamese;

/// A timestamp found in a line of the store, resolved to an instant in the configured zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The instant, expressed in the configured zone (with the offset the tz database gives at that instant).
    pub at: DateTime<Tz>,
    /// A human-readable warning when the line's weekday contradicts its date (the date wins), or when a local
    /// time fell in a gap or overlap of the zone's clocks (daylight saving, or a change of offset) and was resolved. None otherwise.
    pub warning: Option<String>,
}

/// Parse a whole line as a timestamp.
///
/// Strict about coverage: the whole (trimmed) line must be a date/time expression, with an
/// optional weekday, an optional zone suffix and optional separators; any leftover word means
/// `None`. So `Chủ nhật - 10/05/2020 15:33` parses, but `Ngày 21/11/2019 Quốc hội đã ...` does
/// not. Dates are always day first. A date without a time is midnight local time. A time with an
/// explicit offset (or `ICT`, which is +07:00) is that instant; a time without one is local in `tz`.
/// Fractions of a second are dropped: every output form carries whole seconds, and
/// the instant served must be the instant written. A time whose year is outside
/// 1–9999, in the zone or as it is written out (in UTC where the zone's offset
/// has seconds, see [`rfc3339`]), is not a date: RFC 3339 and RFC 2822 write
/// four digits, and year 0 is none.
pub fn parse(line: &str, tz: Tz) -> Option<Stamp> {
    read_any_year(line, tz).filter(|stamp| year_out_of_range(&stamp.at).is_none())
}

/// Whether `line` starts with a time and its zone, as a capture clock does
/// (`01:36 ICT Thứ tư, 12/08/2020`, `08:05 +07 T2, 11/05/2020`), where a date
/// line that starts with its time has none (`15:33 10/05/2020`).
pub fn clock_shaped(line: &str) -> bool {
    vietnamese::leads_with_zoned_time(line)
}

/// The years a date may fall in, in the configured zone and as written.
const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// The year of `at` that is outside [`YEARS`], if one is: in the zone (which
/// archives and month pages use), or as the outputs write it. The two differ
/// only where the zone's offset has seconds: `0001-01-01 00:00` at local mean
/// time (+07:06:30) is written `0000-12-31T16:53:30+00:00`.
fn year_out_of_range<Z: TimeZone>(at: &DateTime<Z>) -> Option<OutOfRange> {
    let (zone, written) = (at.year(), fixed(at).year());
    if !YEARS.contains(&zone) {
        Some(OutOfRange::InZone(zone))
    } else if !YEARS.contains(&written) {
        Some(OutOfRange::Written(written))
    } else {
        None
    }
}

/// Which year of a time falls outside [`YEARS`].
enum OutOfRange {
    /// Its year in the configured zone.
    InZone(i32),
    /// Its year as written in UTC, the zone's offset then having seconds.
    Written(i32),
}

/// The largest offset from UTC a zone has (Kiribati's +14:00), in seconds:
/// anything further is a typo, not a place.
const MAX_OFFSET: i32 = 14 * 3600;

/// Whether `offset` is one a place can have (see [`MAX_OFFSET`]).
fn offset_in_range(offset: &FixedOffset) -> bool {
    offset.local_minus_utc().abs() <= MAX_OFFSET
}

/// [`parse`] without its check of the year.
fn read_any_year(line: &str, tz: Tz) -> Option<Stamp> {
    let line = as_shown(line)?;
    let line = line.as_ref();
    // Every date form writes its day in ASCII digits: a title or a sentence
    // without one is not tried against each form.
    if !has_digit(line) {
        return None;
    }
    let mut stamp = try_parse_rfc3339(line, tz)
        .or_else(|| try_parse_iso_offset(line, tz))
        .or_else(|| try_parse_iso_local(line, tz))
        .or_else(|| try_parse_rfc2822(line, tz))
        .or_else(|| try_parse_vietnamese(line, tz))?;
    // chrono reads a second 60 as a leap second (nanoseconds from 10⁹ on);
    // no date form takes one (`23:59:60` is no such time), and dropping it
    // would move the time to :59.
    if stamp.at.nanosecond() >= 1_000_000_000 {
        return None;
    }
    stamp.at = stamp.at.with_nanosecond(0).unwrap_or(stamp.at);
    Some(stamp)
}

/// `line` as it shows, trimmed, for reading as a date: without the
/// characters that show nothing ([`crate::names::invisible`], Unicode's
/// Default_Ignorable_Code_Point: a zero-width space U+200B, a direction mark
/// U+200E or U+200F, a soft hyphen U+00AD, a word joiner U+2060, ZWNJ and
/// ZWJ), its white space squashed again where one stood between two spaces.
/// Web editors leave them in pasted text (`&#8203;`, `&lrm;`, `&shy;`), where
/// no editor shows them: `05/06/2023\u{200B} 14:30` looks like, and is read
/// as, `05/06/2023 14:30`, not a lead that hides a date. `None` for a line
/// empty once trimmed, or over [`MAX_DATE_LINE`] bytes as written.
fn as_shown(line: &str) -> Option<Cow<'_, str>> {
    let line = line.trim();
    if line.is_empty() || line.len() > MAX_DATE_LINE {
        return None;
    }
    if !line.chars().any(crate::names::invisible) {
        return Some(Cow::Borrowed(line));
    }
    let shown: String = line
        .chars()
        .filter(|&c| !crate::names::invisible(c))
        .collect();
    let shown = crate::text::squash_spaces(&shown);
    (!shown.is_empty()).then_some(Cow::Owned(shown))
}

/// Whether `line` holds an ASCII digit, which every date form writes (the
/// day of a date, at least).
fn has_digit(line: &str) -> bool {
    line.bytes().any(|b| b.is_ascii_digit())
}

/// The longest line read as a date. The longest form stores write (`Thứ hai,
/// ngày 11 tháng 5 năm 2020 …`) is under 80 bytes; a longer line is text, and is
/// not tokenized: tokens cost some 20 bytes of memory per byte of line, so a
/// file of one megabyte-long line would cost hundreds of megabytes to test.
const MAX_DATE_LINE: usize = 256;

/// Convert a naive local wall time in `tz` to an instant, deterministically, with a warning when
/// the wall time was not a single instant.
///
/// - In a gap (the wall time does not exist: the zone's clocks were set forward, for daylight
///   saving or a change of standard offset, as Asia/Ho_Chi_Minh's were at the end of 1959) the
///   time is read with the offset in force just before the gap, which lands just as far after
///   the gap: the wall time shifts forward by the gap's length (`02:30` in a one-hour
///   spring-forward gap becomes `03:30`).
/// - In an overlap (the wall time happens twice) the earlier instant is taken.
pub fn resolve_local(naive: NaiveDateTime, tz: Tz) -> (DateTime<Tz>, Option<String>) {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(at) => (at, None),
        LocalResult::Ambiguous(a, b) => {
            let at = a.min(b);
            let warning = format!(
                "local time {naive} happens twice in {} (its clocks were set back then); using the earlier instant {}",
                tz.name(),
                rfc3339(&at)
            );
            (at, Some(warning))
        }
        LocalResult::None => {
            // A day back is safely before the transition: no zone changes offset twice a day.
            let before = naive
                .checked_sub_signed(TimeDelta::days(1))
                .map(|d| tz.offset_from_utc_datetime(&d).fix());
            let at = before
                .and_then(|off| naive.checked_sub_offset(off))
                .map(|utc| tz.from_utc_datetime(&utc))
                .unwrap_or_else(|| tz.from_utc_datetime(&naive));
            let warning = format!(
                "local time {naive} does not exist in {} (its clocks were set forward then); using {}",
                tz.name(),
                rfc3339(&at)
            );
            (at, Some(warning))
        }
    }
}

/// Build a stamp from what a line said: the date as written, the wall time, an explicit offset if
/// any, and the weekday (with its original spelling) if any.
fn stamp(
    naive: NaiveDateTime,
    offset: Option<FixedOffset>,
    weekday: Option<(Weekday, &str)>,
    tz: Tz,
) -> Option<Stamp> {
    let (at, dst_warning) = match offset {
        Some(off) => (
            off.from_local_datetime(&naive).single()?.with_timezone(&tz),
            None,
        ),
        None => resolve_local(naive, tz),
    };
    let date = naive.date();
    let weekday_warning = weekday
        .filter(|(w, _)| *w != date.weekday())
        .map(|(_, text)| {
            format!(
                "weekday \"{text}\" contradicts date {} (a {}); using the date",
                date.format("%d/%m/%Y"),
                date.format("%A")
            )
        });
    let warning = match (weekday_warning, dst_warning) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    Some(Stamp { at, warning })
}

// ---------------------------------------------------------------------------------------------
// Standard forms, handed to chrono.

/// ISO 8601 / RFC 3339 with an offset: `2020-05-10T08:33:00Z`, `2020-05-10T15:33:00+07:00`.
fn try_parse_rfc3339(line: &str, tz: Tz) -> Option<Stamp> {
    let dt = DateTime::parse_from_rfc3339(line)
        .ok()
        .filter(|dt| offset_in_range(dt.offset()))?;
    Some(Stamp {
        at: dt.with_timezone(&tz),
        warning: None,
    })
}

/// ISO 8601 with an offset RFC 3339 does not take: `2020-05-10T15:33:00+0700`,
/// `2020-05-10T15:33:00+07` (ISO 8601 §4.2.5.1 writes ±hh:mm, ±hhmm or ±hh; the
/// Vietnamese forms take `+0700` and `+07` too), and without seconds,
/// `2020-05-10T15:33+07:00`, `2020-05-10T08:33Z`.
fn try_parse_iso_offset(line: &str, tz: Tz) -> Option<Stamp> {
    // `%#z` reads `Z`, `+07`, `+0700` and `+07:00`.
    const FORMS: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M%#z",
        "%Y-%m-%d %H:%M%#z",
    ];
    if !starts_with_iso_year(line) {
        return None;
    }
    let dt = FORMS
        .iter()
        .find_map(|f| DateTime::parse_from_str(line, f).ok())
        .filter(|dt| offset_in_range(dt.offset()))?;
    Some(Stamp {
        at: dt.with_timezone(&tz),
        warning: None,
    })
}

/// Whether `line` starts `dddd-`: chrono's `%Y` also takes a sign and any
/// number of digits, and ISO 8601 here means a four-digit year.
fn starts_with_iso_year(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// ISO 8601 without an offset, local in `tz`: `2020-05-10 15:33:00`, `2020-05-10T15:33`, `2020-05-10`.
fn try_parse_iso_local(line: &str, tz: Tz) -> Option<Stamp> {
    const FORMS: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    if !starts_with_iso_year(line) {
        return None;
    }
    let naive = FORMS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(line, f).ok())
        .or_else(|| {
            Some(
                NaiveDate::parse_from_str(line, "%Y-%m-%d")
                    .ok()?
                    .and_time(NaiveTime::MIN),
            )
        })?;
    stamp(naive, None, None, tz)
}

/// RFC 2822, as copied from RSS or mail: `Sun, 10 May 2020 15:33:00 +0700`, `... GMT`.
///
/// The weekday is split off first so that a wrong one warns (the date wins) instead of failing.
/// The year must have four digits, as in every form: chrono also takes RFC 2822's obsolete
/// two- and three-digit years (`20` as 2020), a guess no other form makes.
fn try_parse_rfc2822(line: &str, tz: Tz) -> Option<Stamp> {
    let (weekday, rest) = match line.split_once(',') {
        Some((w, rest)) => (
            Some((w.trim().parse::<Weekday>().ok()?, w.trim())),
            rest.trim(),
        ),
        None => (None, line),
    };
    // `day month year time zone`
    let year = rest.split_whitespace().nth(2)?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let dt = DateTime::parse_from_rfc2822(rest)
        .ok()
        .filter(|dt| offset_in_range(dt.offset()))?;
    stamp(dt.naive_local(), Some(*dt.offset()), weekday, tz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Ho_Chi_Minh as HCM;
    use chrono_tz::Europe::Berlin;
    use std::time::{Duration, UNIX_EPOCH};

    /// Found by fuzzing: a six-digit year parsed, and its RFC 3339 form did not.
    #[test]
    fn years_beyond_four_digits_are_not_dates() {
        assert_eq!(parse("Sun, 10 May 222020 15:33:00 +0700", HCM), None);
        assert_eq!(parse("10/05/12020 15:33", HCM), None);
        assert!(parse("10/05/9999 15:33", HCM).is_some());
    }

    /// Found by fuzzing: fractions of a second were kept but never written out.
    #[test]
    fn fractions_of_a_second_are_dropped() {
        let s = parse("4040-02-10T08:33:0.5", HCM).unwrap();
        assert_eq!(rfc3339(&s.at), "4040-02-10T08:33:00+07:00");
        assert_eq!(parse(&rfc3339(&s.at), HCM).unwrap().at, s.at);
        let s = parse("2020-05-10T08:33:00.999Z", HCM).unwrap();
        assert_eq!(rfc3339(&s.at), "2020-05-10T15:33:00+07:00");
        assert_eq!(s.at.timestamp_subsec_nanos(), 0);
    }

    /// Parse in Asia/Ho_Chi_Minh and give the RFC 3339 form, failing the test if it does not parse.
    pub(super) fn iso(line: &str) -> String {
        let s = parse(line, HCM).unwrap_or_else(|| panic!("{line:?} should parse"));
        assert_eq!(s.warning, None, "{line:?}");
        rfc3339(&s.at)
    }

    #[test]
    fn iso_8601() {
        assert_eq!(iso("2020-05-10T08:33:00Z"), "2020-05-10T15:33:00+07:00");
        assert_eq!(
            iso("2020-05-10T15:33:00+07:00"),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(iso("2020-05-10 15:33:00"), "2020-05-10T15:33:00+07:00");
        assert_eq!(iso("2020-05-10"), "2020-05-10T00:00:00+07:00");
    }

    #[test]
    fn iso_8601_offsets_without_a_colon_or_minutes() {
        // ISO 8601 writes the offset as ±hh:mm, ±hhmm or ±hh (§4.2.5.1); the
        // Vietnamese forms already take `+0700` and `+07`.
        for line in [
            "2020-05-10T15:33:00+0700",
            "2020-05-10T15:33:00+07",
            "2020-05-10 15:33:00+0700",
            "2020-05-10T15:33+07:00",
            "2020-05-10T15:33+0700",
            "2020-05-10T08:33Z",
            "2020-05-10T03:33:00-0500",
            "2020-05-10T03:33:00.25-05",
        ] {
            assert_eq!(iso(line), "2020-05-10T15:33:00+07:00", "{line}");
        }
        for line in [
            "2020-05-10T15:33:00+7",
            "2020-05-10T15:33:00+070",
            "2020-05-10T15:33:00+07000",
            "2020-05-10+07",
            "+2020-05-10T15:33:00+07",
            "20200-05-10T15:33:00+07",
        ] {
            assert_eq!(parse(line, HCM), None, "{line}");
        }
    }

    #[test]
    fn rfc_2822_input() {
        assert_eq!(
            iso("Sun, 10 May 2020 15:33:00 +0700"),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(
            iso("Sun, 10 May 2020 08:33:00 GMT"),
            "2020-05-10T15:33:00+07:00"
        );
    }

    #[test]
    fn rfc_2822_wrong_weekday_warns() {
        let s = parse("Mon, 10 May 2020 08:33:00 GMT", HCM).expect("parses");
        assert_eq!(rfc3339(&s.at), "2020-05-10T15:33:00+07:00");
        assert!(s.warning.is_some_and(|w| w.contains("\"Mon\"")));
    }

    /// Year 1 at local mean time is written in UTC, where it is still year 0:
    /// no output may carry year 0, so such a time is not a date.
    #[test]
    fn a_time_written_in_year_0_is_not_a_date() {
        let why_zero = "in Asia/Ho_Chi_Minh it is local mean time, whose offset has seconds, \
                        so it is written in UTC, where it falls in the year 0, and dates go \
                        from the year 1 to 9999";
        for line in [
            "0001-01-01 00:00",
            "0001-01-01T00:00:00+07:00",
            "01/01/0001 00:00",
            "Mon, 01 Jan 0001 00:00:00 +0700",
        ] {
            assert_eq!(parse(line, HCM), None, "{line}");
            assert_eq!(
                why_not_a_date(line, HCM).as_deref(),
                Some(why_zero),
                "{line}"
            );
        }
        // Later the same day it is year 1 in UTC too.
        let noon = parse("01/01/0001 12:00", HCM).expect("parses");
        assert_eq!(rfc3339(&noon.at), "0001-01-01T04:53:30+00:00");
        assert_eq!(rfc2822(&noon.at), "Mon, 01 Jan 0001 04:53:30 +0000");
        // A modification time too: the first second of year 1 in UTC is one, the
        // second before it (year 1 in the zone, year 0 as written) is not.
        let first = DateTime::parse_from_rfc3339("0001-01-01T00:00:00Z").expect("valid");
        let secs = first.timestamp().unsigned_abs();
        let t = UNIX_EPOCH - Duration::from_secs(secs);
        assert_eq!(
            from_system_time(t, HCM).map(|at| rfc3339(&at)).as_deref(),
            Some("0001-01-01T00:00:00+00:00")
        );
        assert_eq!(from_system_time(t - Duration::from_secs(1), HCM), None);
    }

    /// chrono reads `:60` as a leap second; no form takes one, and each says why.
    #[test]
    fn a_second_60_is_no_such_time_in_every_form() {
        for line in [
            "2020-05-10T15:33:60+07:00",
            "2020-05-10 15:33:60",
            "2020-05-10T15:33:60",
            "2020-05-10 15:33:60+0700",
            "2016-12-31T23:59:60Z",
            "Sun, 10 May 2020 15:33:60 +0700",
            "10 May 2020 15:33:60 GMT",
            "10/05/2020 23:59:60",
        ] {
            assert_eq!(parse(line, HCM), None, "{line}");
            assert_eq!(
                why_not_a_date(line, HCM).as_deref(),
                Some("there is no second 60: seconds go from 00 to 59"),
                "{line}"
            );
        }
        assert_eq!(
            iso("2020-05-10T15:33:59+07:00"),
            "2020-05-10T15:33:59+07:00"
        );
    }

    /// Offsets go up to 14:00 either way, in every form, and past it each form
    /// says so alike.
    #[test]
    fn offsets_go_up_to_14_hours_in_every_form() {
        for (line, at) in [
            ("10/05/2020 15:33 GMT+14:00", "2020-05-10T08:33:00+07:00"),
            ("10/05/2020 15:33 UTC-14:00", "2020-05-11T12:33:00+07:00"),
            ("10/05/2020 15:33 +1400", "2020-05-10T08:33:00+07:00"),
            ("2020-05-10T15:33:00+14:00", "2020-05-10T08:33:00+07:00"),
            ("2020-05-10T15:33:00-14:00", "2020-05-11T12:33:00+07:00"),
            ("2020-05-10T15:33+1400", "2020-05-10T08:33:00+07:00"),
            (
                "Sun, 10 May 2020 15:33:00 +1400",
                "2020-05-10T08:33:00+07:00",
            ),
            (
                "Sun, 10 May 2020 15:33:00 -1400",
                "2020-05-11T12:33:00+07:00",
            ),
        ] {
            assert_eq!(iso(line), at, "{line}");
        }
        for (line, offset) in [
            ("10/05/2020 15:33 GMT+14:01", "+14:01"),
            ("10/05/2020 15:33 GMT+15:00", "+15:00"),
            ("10/05/2020 15:33 UTC-14:30", "-14:30"),
            ("10/05/2020 15:33 (GMT+15)", "+15"),
            ("10/05/2020 15:33 +1500", "+1500"),
            ("10/05/2020 15:33 +07:60", "+07:60"),
            ("2020-05-10T15:33:00+14:01", "+14:01"),
            ("2020-05-10T15:33:00-14:01", "-14:01"),
            ("2020-05-10T15:33:00+25:00", "+25:00"),
            ("2020-05-10T15:33-2359", "-2359"),
            ("2020-05-10 15:33:00+15", "+15"),
            ("Sun, 10 May 2020 15:33:00 +1500", "+1500"),
            ("Sun, 10 May 2020 15:33:00 -2359", "-2359"),
            ("Sun, 10 May 2020 15:33:00 +2500", "+2500"),
        ] {
            assert_eq!(parse(line, HCM), None, "{line}");
            assert_eq!(
                why_not_a_date(line, HCM),
                Some(format!(
                    "the offset {offset} is not one: offsets go up to 14:00"
                )),
                "{line}"
            );
        }
        // A minus after a space is a separator, not an offset.
        assert_eq!(iso("15:33 - 25/05/2020"), "2020-05-25T15:33:00+07:00");
        assert_eq!(
            why_not_a_date("15:33 - 31/02/2020", HCM).as_deref(),
            Some("there is no day 31 in February 2020: it has 29 days")
        );
    }

    /// RFC 2822's obsolete two- and three-digit years are a guess no form makes.
    #[test]
    fn rfc_2822_years_have_four_digits() {
        for (line, why) in [
            (
                "Sun, 10 May 20 15:33 +0700",
                "the year \"20\" has 2 digits: write all four",
            ),
            (
                "10 May 120 15:33:00 GMT",
                "the year \"120\" has 3 digits: write all four",
            ),
            (
                "Sun, 10 May 10000 15:33:00 +0700",
                "the year 10000 is out of range: dates go from the year 1 to 9999",
            ),
        ] {
            assert_eq!(parse(line, HCM), None, "{line}");
            assert_eq!(why_not_a_date(line, HCM).as_deref(), Some(why), "{line}");
        }
    }

    #[test]
    fn historical_offset_is_plus_eight() {
        assert_eq!(iso("01/01/1970 00:00"), "1970-01-01T00:00:00+08:00");
        assert_eq!(iso("1970-01-01T00:00:00Z"), "1970-01-01T08:00:00+08:00");
        let s = parse("01/01/1970 00:00", HCM).expect("parses");
        assert_eq!(rfc2822(&s.at), "Thu, 01 Jan 1970 00:00:00 +0800");
    }

    fn naive(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test input")
    }

    #[test]
    fn dst_gap_shifts_forward() {
        let (at, warning) = resolve_local(naive("2021-03-28 02:30"), Berlin);
        assert_eq!(rfc3339(&at), "2021-03-28T03:30:00+02:00");
        assert!(warning.is_some_and(|w| w.contains("(its clocks were set forward then)")));
        let s = parse("28/03/2021 02:30", Berlin).expect("parses");
        assert_eq!(rfc3339(&s.at), "2021-03-28T03:30:00+02:00");
        assert!(s.warning.is_some());
    }

    #[test]
    fn dst_overlap_takes_earlier() {
        let (at, warning) = resolve_local(naive("2021-10-31 02:30"), Berlin);
        assert_eq!(rfc3339(&at), "2021-10-31T02:30:00+02:00");
        assert!(warning.is_some_and(|w| w.contains("(its clocks were set back then)")));
    }

    #[test]
    fn a_change_of_standard_offset_is_a_gap_not_daylight_saving() {
        // Saigon went from +07:00 to +08:00 at the end of 1959: no daylight
        // saving, and the warning does not call it that.
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let (at, warning) = resolve_local(naive("1959-12-31 23:30"), tz);
        assert_eq!(rfc3339(&at), "1960-01-01T00:30:00+08:00");
        assert_eq!(
            warning.as_deref(),
            Some(
                "local time 1959-12-31 23:30:00 does not exist in Asia/Ho_Chi_Minh \
                 (its clocks were set forward then); using 1960-01-01T00:30:00+08:00"
            )
        );
    }

    #[test]
    fn ordinary_local_time_has_no_warning() {
        let (at, warning) = resolve_local(naive("2021-07-01 12:00"), Berlin);
        assert_eq!(rfc3339(&at), "2021-07-01T12:00:00+02:00");
        assert_eq!(warning, None);
    }
}
