//! HTTP dates (RFC 9110 §5.6.7): IMF-fixdate out; IMF-fixdate, RFC 850 and asctime in.
//!
//! Apart from the store's date forms because they follow other rules: a `SystemTime` in
//! GMT for `Last-Modified` and `If-Modified-Since`, with no zone and no warning, and a
//! two-digit year read as the HTTP specification says rather than refused.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{Datelike, Months, NaiveDateTime};

use super::from_system_time;

/// IMF-fixdate in GMT for HTTP headers (RFC 9110 §5.6.7): `Sun, 10 May 2020 08:33:00 GMT`.
///
/// httpdate cannot represent times before 1970 or after 9999, so those are clamped to the nearest
/// representable second rather than panicking.
pub fn http_date(t: SystemTime) -> String {
    const LAST: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs.min(LAST)))
}

/// Parse an HTTP date in any of the three RFC 9110 §5.6.7 forms (IMF-fixdate, RFC 850, asctime); `None` when malformed.
///
/// A date whose day name does not match its date (a client's hand-made
/// `If-Modified-Since`) is read by its date, in every form: the day name adds
/// nothing to it, §5.6.7 asks recipients to be robust in parsing
/// timestamps, and other servers read it so. Ignoring the field instead
/// would cost that client every 304. An RFC 850 date's two-digit year is the
/// one §5.6.7 prescribes: never more than 50 years after now.
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    parse_http_date_at(s, SystemTime::now())
}

/// [`parse_http_date`] with the time now given, which the two-digit year of
/// an RFC 850 date is read against.
fn parse_http_date_at(s: &str, now: SystemTime) -> Option<SystemTime> {
    let s = s.trim();
    let (day, rest) = s.split_once([',', ' '])?;
    if day.is_empty() || !day.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let at = match (day.len(), s.as_bytes().get(day.len())) {
        // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`, the form the crate
        // reads; by hand only when the day name is not the date's.
        (3, Some(b',')) => match httpdate::parse_http_date(s) {
            Ok(t) => return Some(t),
            Err(_) => {
                NaiveDateTime::parse_from_str(rest.strip_prefix(' ')?, "%d %b %Y %H:%M:%S GMT")
                    .ok()?
            }
        },
        // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`.
        (6.., Some(b',')) => rfc850(rest.strip_prefix(' ')?, now)?,
        // asctime: `Sun Nov  6 08:49:37 1994`.
        (3, Some(b' ')) => asctime(rest)?,
        _ => return None,
    };
    let secs = u64::try_from(at.and_utc().timestamp()).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// The date and time of an RFC 850 date after its day name (`06-Nov-94
/// 08:49:37 GMT`), in the latest year with those two digits that does not
/// put it more than 50 years after `now` (RFC 9110 §5.6.7): the instant is
/// compared, not the year, so a date late in the year 50 years on is read
/// in the past.
fn rfc850(rest: &str, now: SystemTime) -> Option<NaiveDateTime> {
    let (date, time) = rest.split_once(' ')?;
    let (day_month, yy) = date.rsplit_once('-')?;
    if yy.len() != 2 || day_month.len() != 6 {
        return None;
    }
    let yy: i32 = yy.parse().ok()?;
    let now = from_system_time(now, chrono_tz::UTC)?.naive_utc();
    let this_year = now.year();
    let in_year = |year: i32| {
        let full = format!("{day_month}-{year:04} {time}");
        NaiveDateTime::parse_from_str(&full, "%d-%b-%Y %H:%M:%S GMT").ok()
    };
    let at = in_year(this_year - this_year.rem_euclid(100) + yy)?;
    let limit = now.checked_add_months(Months::new(50 * 12))?;
    if at > limit {
        in_year(at.year() - 100)
    } else {
        Some(at)
    }
}

/// The date and time of an asctime date after its day name (`Nov  6
/// 08:49:37 1994`, the day padded with a space).
fn asctime(rest: &str) -> Option<NaiveDateTime> {
    let bytes = rest.as_bytes();
    // `Mmm dd hh:mm:ss yyyy` or `Mmm  d hh:mm:ss yyyy`: 20 bytes, fixed.
    if bytes.len() != 20 || bytes[3] != b' ' || bytes[6] != b' ' || bytes[15] != b' ' {
        return None;
    }
    NaiveDateTime::parse_from_str(rest, "%b %e %H:%M:%S %Y").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn rfc850_years_are_never_more_than_50_years_ahead() {
        let at = |y: i32| {
            let t = NaiveDate::from_ymd_opt(y, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap();
            UNIX_EPOCH + Duration::from_secs(u64::try_from(t.and_utc().timestamp()).unwrap())
        };
        let now = at(2026) + Duration::from_secs(86_400 * 333);
        let read = |s| parse_http_date_at(s, now);
        // 2070 is 44 years ahead, so "70" is 2070, not 1970 (RFC 9110 §5.6.7).
        assert_eq!(read("Thursday, 01-Jan-70 00:00:00 GMT"), Some(at(2070)));
        // 2077 would be 51 years ahead: the last past year with those digits.
        assert_eq!(read("Friday, 01-Jan-77 00:00:00 GMT"), Some(at(1977)));
        assert_eq!(read("Wednesday, 01-Jan-20 00:00:00 GMT"), Some(at(2020)));
        assert_eq!(read("Thursday, 01-Jan-76 00:00:00 GMT"), Some(at(2076)));
        // Now is 2026-11-30: 31 December 2076 is more than 50 years on, and
        // so 1976, where 1 November 2076 is not.
        assert_eq!(
            read("Friday, 31-Dec-76 23:59:59 GMT"),
            Some(at(1977) - Duration::from_secs(1))
        );
        assert_eq!(
            read("Sunday, 01-Nov-76 00:00:00 GMT"),
            Some(at(2076) + Duration::from_secs(86_400 * 305))
        );
    }

    #[test]
    fn http_dates_round_trip() {
        let t = UNIX_EPOCH + Duration::from_secs(1_589_099_580);
        assert_eq!(http_date(t), "Sun, 10 May 2020 08:33:00 GMT");
        assert_eq!(parse_http_date("Sun, 10 May 2020 08:33:00 GMT"), Some(t));
        assert_eq!(parse_http_date("Sunday, 10-May-20 08:33:00 GMT"), Some(t));
        assert_eq!(parse_http_date("Sun May 10 08:33:00 2020"), Some(t));
        assert_eq!(parse_http_date("yesterday"), None);
        // The wrong day name (10 May 2020 was a Sunday): read by its date.
        assert_eq!(parse_http_date("Mon, 10 May 2020 08:33:00 GMT"), Some(t));
        assert_eq!(parse_http_date("Xyz, 10 May 2020 08:33:00 GMT"), Some(t));
        // Nothing else is let through.
        assert_eq!(parse_http_date("Mon, 31 Feb 2020 08:33:00 GMT"), None);
        assert_eq!(parse_http_date("Mon, 10 May 2020 08:33:00 +0700"), None);
        assert_eq!(parse_http_date("Monday, 10 May 2020 08:33:00 GMT"), None);
        assert_eq!(parse_http_date("Mon, 10 May 1969 08:33:00 GMT"), None);
        // The other two forms with the wrong day name, read by their date too.
        assert_eq!(parse_http_date("Monday, 10-May-20 08:33:00 GMT"), Some(t));
        assert_eq!(parse_http_date("Mon May 10 08:33:00 2020"), Some(t));
        assert_eq!(parse_http_date("Mon May 10 08:33:00 2020 GMT"), None);
        assert_eq!(
            parse_http_date("Sun Nov  6 08:49:37 1994"),
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT")
        );
        assert!(parse_http_date("Sun Nov  6 08:49:37 1994").is_some());
        assert_eq!(parse_http_date("Monday, 10-May-2020 08:33:00 GMT"), None);
        assert_eq!(parse_http_date("Monday, 10-May-20 08:33:00 +0700"), None);
        assert_eq!(
            http_date(UNIX_EPOCH - Duration::from_secs(5)),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
    }
}
