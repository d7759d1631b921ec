//! Turn every date form found in the store into an instant in the configured zone, and write instants back out.
//!
//! Parsing is a chain of small `try_parse_*` steps, tried in order; the first that accepts the
//! whole line wins. The Vietnamese forms go through a small tokenizer and a component parser
//! (weekday, date, time, zone in any order, between separators), which is strict about coverage:
//! a leftover word rejects the line, so body sentences that merely contain a date never parse.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeDelta, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

/// A timestamp found in a line of the store, resolved to an instant in the configured zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The instant, expressed in the configured zone (with the offset the tz database gives at that instant).
    pub at: DateTime<Tz>,
    /// A human-readable warning when the line's weekday contradicts its date (the date wins), or when a local
    /// time fell in a DST gap/overlap and was resolved. None otherwise.
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
    let line = line.trim();
    if line.is_empty() || line.len() > MAX_DATE_LINE {
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

/// Why a line that looks like a date is not one, for a warning that names the
/// line: `None` when [`parse`] reads it, or when it does not look like a date.
///
/// A line looks like a date when it holds exactly one date shape (`d/m/y`,
/// `d-m-y`, `d.m.y` or `y-m-d` with any numbers, `d tháng m năm y`, or RFC
/// 2822's `d Mon y`) and nothing but numbers, the symbols and words the date
/// forms use, and the 12-hour markers (`AM`, `PM`, `SA`, `CH`, `sáng`,
/// `chiều`, …); beside RFC 2822's shape, also its English weekday names and
/// zone names. So `29/02/2019 10:00` and `Sun, 30 Feb 2020 15:33:00 +0700`
/// do, and a sentence that starts with a date (`10/05/2020, UBND tỉnh …`) or
/// a title with two dates does not: those are text.
pub fn why_not_a_date(line: &str, tz: Tz) -> Option<String> {
    let line = line.trim();
    if line.len() > MAX_DATE_LINE || parse(line, tz).is_some() {
        return None;
    }
    let tokens = Cursor::new(line).all();
    let shapes = date_shapes(&tokens);
    let [date] = &shapes[..] else {
        return None;
    };
    // A part of the day is a date line's only with a time of day beside it:
    // `Sáng 30/4/1975` ("the morning of …") is a title or a lead.
    let timed = has_time(&tokens);
    let rfc2822 = date.form == Shape::Rfc2822;
    let vocabulary = |t: &Token| match t.kind {
        Kind::Num => true,
        Kind::Sym => DATE_SYMBOLS.contains(&&*t.lower),
        Kind::Word => {
            DATE_WORDS.contains(&&*t.lower)
                || (timed && TWELVE_HOUR.contains(&&*t.lower))
                || (rfc2822 && RFC2822_WORDS.contains(&&*t.lower))
        }
    };
    if !tokens.iter().all(vocabulary) {
        return None;
    }
    let reason = twelve_hour(&tokens)
        .or_else(|| impossible_date(date))
        .or_else(|| impossible_time(&tokens))
        .or_else(|| year_out_of_range_in(line, tz))
        .or_else(|| rfc2822.then(|| rfc2822_zone(line, date, &tokens)).flatten())
        .unwrap_or_else(|| "bantin reads none of its date forms in it".to_owned());
    Some(reason)
}

/// Symbols the date forms use (ISO 8601, the Vietnamese forms' separators, zones).
const DATE_SYMBOLS: &[&str] = &["/", "-", ".", ":", "|", ",", "(", ")", "+"];

/// Words the date forms use, lowercased: `ngày`, `tháng`, `năm`, `lúc`, hours
/// (`15h33`, `15 giờ`), zones, weekdays, and ISO 8601's `T` and `Z`.
const DATE_WORDS: &[&str] = &[
    "ngày", "tháng", "năm", "lúc", "h", "giờ", "phút", "gmt", "utc", "ict", "z", "t", "cn", "chủ",
    "nhật", "thứ", "hai", "ba", "tư", "sáu", "bảy", "bẩy",
];

/// RFC 2822's month names (§3.3), lowercased, in order.
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Words beside RFC 2822's date shape, lowercased: its weekday names, its zone
/// names (§4.3), and zone abbreviations a copied date may carry in their place
/// (`CET`, `HKT`), which are reported rather than read as text.
const RFC2822_WORDS: &[&str] = &[
    "mon", "tue", "wed", "thu", "fri", "sat", "sun", "ut", "est", "edt", "cst", "cdt", "mst",
    "mdt", "pst", "pdt", "cet", "cest", "bst", "jst", "kst", "hkt", "sgt", "wib", "jan", "feb",
    "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Words of the 12-hour clock, which no date form takes: `3:33 PM`, and the
/// Vietnamese `SA`/`CH` (sáng/chiều, morning/afternoon) and parts of the day.
const TWELVE_HOUR: &[&str] = &["am", "pm", "sa", "ch", "sáng", "trưa", "chiều", "tối"];

/// Which shape a date is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `d/m/y`, `d-m-y`, `d.m.y` or `y-m-d`, without spaces.
    Numeric,
    /// `d tháng m năm y`.
    Long,
    /// RFC 2822's `d Mon y`: `10 May 2020`.
    Rfc2822,
}

/// A date as the line wrote it: three numbers (the middle one a month name in
/// RFC 2822's shape) and the two symbols or words between them, in the order
/// written.
struct DateShape<'t, 'a> {
    form: Shape,
    parts: [&'t Token<'a>; 3],
    separators: [&'t str; 2],
}

/// Every date shape in `tokens`: `n/n/n`, `n-n-n` or `n.n.n` written without
/// spaces (the separators may differ), `n tháng n năm n`, or `n Mon n`.
fn date_shapes<'t, 'a>(tokens: &'t [Token<'a>]) -> Vec<DateShape<'t, 'a>> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some(shape) = tokens.get(i..i + 5).and_then(numeric_or_long_shape) {
            found.push(shape);
            i += 5;
        } else if let Some(shape) = tokens.get(i..i + 3).and_then(rfc2822_shape) {
            found.push(shape);
            i += 3;
        } else {
            i += 1;
        }
    }
    found
}

/// `n/n/n`, `n-n-n`, `n.n.n` (any of the three separators, without spaces) or
/// `n tháng n năm n`, in five tokens.
fn numeric_or_long_shape<'t, 'a>(w: &'t [Token<'a>]) -> Option<DateShape<'t, 'a>> {
    let nums = [&w[0], &w[2], &w[4]];
    let numeric = w.windows(2).all(|p| p[0].end == p[1].start)
        && [&w[1], &w[3]]
            .iter()
            .all(|t| matches!(&*t.lower, "/" | "-" | "."));
    let long = w[1].lower == "tháng" && w[3].lower == "năm";
    // A year is written with four digits, or two: `1.000.000` is a number.
    let year_like = [&w[0], &w[4]]
        .iter()
        .any(|t| matches!(t.lower.len(), 2 | 4));
    (nums.iter().all(|t| t.kind == Kind::Num) && (numeric || long) && year_like).then(|| {
        DateShape {
            form: if numeric { Shape::Numeric } else { Shape::Long },
            parts: nums,
            separators: [&w[1].lower, &w[3].lower],
        }
    })
}

/// RFC 2822's `10 May 2020`, in three tokens with spaces between them.
fn rfc2822_shape<'t, 'a>(w: &'t [Token<'a>]) -> Option<DateShape<'t, 'a>> {
    let spaced = w.windows(2).all(|p| p[0].end < p[1].start);
    let shaped = w[0].kind == Kind::Num
        && (1..=2).contains(&w[0].lower.len())
        && MONTHS.contains(&&*w[1].lower)
        && w[2].kind == Kind::Num;
    (spaced && shaped).then(|| DateShape {
        form: Shape::Rfc2822,
        parts: [&w[0], &w[1], &w[2]],
        separators: [" ", " "],
    })
}

/// Whether the tokens hold a time of day: `15:33`, `15h33`, `15 giờ`.
fn has_time(tokens: &[Token]) -> bool {
    tokens
        .windows(2)
        .any(|w| w[0].kind == Kind::Num && matches!(&*w[1].lower, ":" | "h" | "giờ"))
}

/// `3:33 PM`: the marker as written, and what to write instead.
fn twelve_hour(tokens: &[Token]) -> Option<String> {
    let t = tokens
        .iter()
        .find(|t| t.kind == Kind::Word && TWELVE_HOUR.contains(&&*t.lower))?;
    Some(format!(
        "12-hour times (\"{}\") are not read: write the time on the 24-hour clock \
         (15:33, not 3:33 PM)",
        t.lower.to_uppercase()
    ))
}

/// What is wrong with a date shape's numbers, if anything.
fn impossible_date(date: &DateShape) -> Option<String> {
    let [a, b, c] = date.parts.map(|t| &*t.lower);
    let [s1, s2] = date.separators;
    if date.form == Shape::Numeric && s1 != s2 {
        return Some(format!(
            "the date \"{a}{s1}{b}{s2}{c}\" mixes separators: write the same one twice \
             (10/05/2020)"
        ));
    }
    // `y-m-d` when the first number is longer than a day and the last is not
    // (`2020-05-10`, `10000-01-01`), else day first.
    let ymd = date.form == Shape::Numeric && s1 == "-" && a.len() > 2 && c.len() <= 2;
    let (y, m, d) = if ymd { (a, b, c) } else { (c, b, a) };
    if let Some(why) = year_digits(y) {
        return Some(why);
    }
    let month = match date.form {
        Shape::Rfc2822 => MONTHS.iter().position(|name| *name == m)? + 1,
        Shape::Numeric | Shape::Long => m.parse().ok()?,
    };
    let (year, month, day) = (
        y.parse::<i32>().ok()?,
        u32::try_from(month).ok()?,
        d.parse::<u32>().ok()?,
    );
    if !(1..=12).contains(&month) {
        return Some(format!(
            "there is no month {month} (dates are day first: 10/05/2020 is 10 May)"
        ));
    }
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    if day >= 1 && first.with_day(day).is_some() {
        return None;
    }
    if month == 2 && day == 29 {
        return Some(format!("{year} has no 29 February (it is not a leap year)"));
    }
    let next = first.checked_add_months(chrono::Months::new(1))?;
    let days = next.signed_duration_since(first).num_days();
    Some(format!(
        "there is no day {day} in {}: it has {days} days",
        first.format("%B %Y")
    ))
}

/// What is wrong with a year as written, if it has other than four digits:
/// fewer are a guess no form makes (`20` for 2020), more are past 9999 (or
/// leading zeros).
fn year_digits(y: &str) -> Option<String> {
    let digits = y.len();
    let value = y.trim_start_matches('0');
    if digits > 4 && value.len() > 4 {
        Some(format!(
            "the year {value} is out of range: dates go from the year 1 to 9999"
        ))
    } else if digits < 4 {
        Some(format!(
            "the year \"{y}\" has {digits} digits: write all four"
        ))
    } else if digits > 4 {
        Some(format!("the year \"{y}\" has {digits} digits: write four"))
    } else {
        None
    }
}

/// A time of day as written: `15:33`, `15:33:20`, `15h33`, the bare hour
/// `15h`; each part as its digits say, even past what a clock shows.
struct Clock {
    hours: u32,
    minutes: u32,
    seconds: Option<u32>,
    /// The token after it.
    end: usize,
}

/// A zone offset as written after a time: `+07:00`, `+0700`, `+7`, `GMT+7`,
/// `(UTC-05:00)`.
struct WrittenOffset {
    /// The sign and digits as written: `+14:01`, `-2359`.
    text: String,
    hours: u32,
    minutes: u32,
    /// The token after it.
    end: usize,
}

/// The tokens of one line, read for a time and the offset after it.
struct Tokens<'t, 'a>(&'t [Token<'a>]);

impl Tokens<'_, '_> {
    /// Whether token `i` and the next are written with no space between.
    fn glued(&self, i: usize) -> bool {
        i + 1 < self.0.len() && self.0[i].end == self.0[i + 1].start
    }

    /// Token `i` as a number, if it is one.
    fn num(&self, i: usize) -> Option<u32> {
        self.0
            .get(i)
            .filter(|t| t.kind == Kind::Num)
            .and_then(|t| t.lower.parse().ok())
    }

    /// Whether token `i` is `text`.
    fn is(&self, i: usize, text: &str) -> bool {
        self.0.get(i).is_some_and(|t| t.lower == text)
    }

    /// Token `i` and the next, glued, with `sep` as the next: `15:`, `15h`.
    fn glued_to(&self, i: usize, sep: &str) -> bool {
        self.glued(i) && self.is(i + 1, sep)
    }

    /// The time that starts at token `i`, if one does.
    fn clock(&self, i: usize) -> Option<Clock> {
        let hours = self.num(i)?;
        if self.glued_to(i, ":") && self.glued(i + 1) {
            let minutes = self.num(i + 2)?;
            let seconds = (self.glued_to(i + 2, ":") && self.glued(i + 3))
                .then(|| self.num(i + 4))
                .flatten();
            let end = if seconds.is_some() { i + 5 } else { i + 3 };
            return Some(Clock {
                hours,
                minutes,
                seconds,
                end,
            });
        }
        if self.glued_to(i, "h") {
            let minutes = self.glued(i + 1).then(|| self.num(i + 2)).flatten();
            let end = if minutes.is_some() { i + 3 } else { i + 2 };
            return Some(Clock {
                hours,
                minutes: minutes.unwrap_or(0),
                seconds: None,
                end,
            });
        }
        None
    }

    /// The offset whose sign is token `sign`: `+07`, `+7`, `+07:00`, `+0700`,
    /// its digits glued to the sign and not the start of a date (`-10/05/2020`).
    fn signed_offset(&self, sign: usize) -> Option<WrittenOffset> {
        if !(self.is(sign, "+") || self.is(sign, "-")) || !self.glued(sign) {
            return None;
        }
        let first = sign + 1;
        let digits = self
            .0
            .get(first)
            .filter(|t| t.kind == Kind::Num)?
            .lower
            .len();
        let (hours, minutes, end) = match digits {
            1 | 2 if self.glued_to(first, ":") && self.glued(first + 1) => {
                (self.num(first)?, self.num(first + 2)?, first + 3)
            }
            1 | 2 => (self.num(first)?, 0, first + 1),
            4 => {
                let hhmm = self.num(first)?;
                (hhmm / 100, hhmm % 100, first + 1)
            }
            _ => return None,
        };
        let date_follows = self.glued(end - 1)
            && self
                .0
                .get(end)
                .is_some_and(|t| matches!(&*t.lower, "/" | "-" | "."));
        let text = self.0[sign..end].iter().map(|t| &*t.lower).collect();
        (!date_follows).then_some(WrittenOffset {
            text,
            hours,
            minutes,
            end,
        })
    }

    /// The offset after a time that ends before token `at`: `+07:00` glued
    /// to it (ISO 8601), ` +0700` (RFC 2822), ` GMT+7`, ` (UTC-05:00)`. A
    /// minus after a space is a separator (`15:33 - 10/05/2020`) unless
    /// `GMT` or `UTC` leads it or four digits follow it (RFC 2822's `-0500`).
    fn offset_after(&self, at: usize) -> Option<WrittenOffset> {
        let mut k = at;
        if self.is(k, "(") {
            k += 1;
        }
        let named = self.is(k, "gmt") || self.is(k, "utc");
        if named {
            k += 1;
        }
        let offset = self.signed_offset(k)?;
        let minus_ok = named || (at > 0 && self.glued(at - 1) && k == at) || offset.text.len() == 5;
        (self.is(k, "+") || minus_ok).then_some(offset)
    }
}

/// What is wrong with a time (`24:00`, `24h`, `15:60`, `15h60`, `23:59:60`)
/// or a zone offset (`+25:00`, `GMT+14:01`, `+1500`), if anything.
fn impossible_time(tokens: &[Token]) -> Option<String> {
    let t = Tokens(tokens);
    let bad_offset = |o: &WrittenOffset| {
        (o.minutes > 59 || o.hours * 3600 + o.minutes * 60 > MAX_OFFSET.unsigned_abs())
            .then(|| format!("the offset {} is not one: offsets go up to 14:00", o.text))
    };
    let mut i = 0;
    while i < tokens.len() {
        // `+25:00` with no time before it: an offset, not a time.
        if let Some(o) = t.signed_offset(i).filter(|o| o.text.contains(':')) {
            if let Some(why) = bad_offset(&o) {
                return Some(why);
            }
            i = o.end;
            continue;
        }
        let Some(clock) = t.clock(i) else {
            i += 1;
            continue;
        };
        if clock.hours > 23 {
            return Some(format!(
                "there is no hour {}: hours go from 0 to 23 \
                 (midnight is 00:00 of the next day)",
                clock.hours
            ));
        }
        if clock.minutes > 59 {
            return Some(format!(
                "there is no minute {}: minutes go from 00 to 59",
                clock.minutes
            ));
        }
        if let Some(seconds) = clock.seconds.filter(|&s| s > 59) {
            return Some(format!(
                "there is no second {seconds}: seconds go from 00 to 59"
            ));
        }
        i = clock.end;
        if let Some(o) = t.offset_after(i) {
            if let Some(why) = bad_offset(&o) {
                return Some(why);
            }
            i = o.end;
        }
    }
    None
}

/// Why the time a line reads falls outside years 1–9999, if it does.
fn year_out_of_range_in(line: &str, tz: Tz) -> Option<String> {
    let at = read_any_year(line, tz)?.at;
    let range = "dates go from the year 1 to 9999";
    Some(match year_out_of_range(&at)? {
        OutOfRange::InZone(year) => {
            format!("in {} it falls in the year {year}, and {range}", tz.name())
        }
        OutOfRange::Written(year) => format!(
            "in {} it is local mean time, whose offset has seconds, so it is written \
             in UTC, where it falls in the year {year}, and {range}",
            tz.name()
        ),
    })
}

/// What an RFC 2822 date whose numbers are right lacks: its time, or a zone
/// it writes (`+0700`, `GMT`), after the date; `None` when the line is
/// written in another order, for which there is no better word than none.
fn rfc2822_zone(line: &str, date: &DateShape, tokens: &[Token]) -> Option<String> {
    const EXAMPLE: &str = "Sun, 10 May 2020 15:33:00 +0700";
    let t = Tokens(tokens);
    let year = tokens.iter().position(|x| std::ptr::eq(x, date.parts[2]))?;
    let Some(clock) = (year + 1..tokens.len()).find_map(|i| t.clock(i).map(|c| (i, c))) else {
        return (!has_time(tokens)).then(|| {
            format!("it has no time: an RFC 2822 date ends in a time and a zone ({EXAMPLE})")
        });
    };
    let (start, clock) = clock;
    // A second time (`15:33 15:34`), not an offset's digits (`+07:00`).
    let signed = |i: usize| t.glued(i - 1) && (t.is(i - 1, "+") || t.is(i - 1, "-"));
    let another_clock = (clock.end..tokens.len()).any(|i| t.clock(i).is_some() && !signed(i));
    if start != year + 1 || !t.is(start + 1, ":") || another_clock {
        return None;
    }
    let zone = match tokens.get(clock.end..) {
        Some([first, .., last]) => &line[first.start..last.end],
        Some([only]) => &line[only.start..only.end],
        _ => {
            return Some(format!(
                "it has no zone: an RFC 2822 date ends in one, +0700 or GMT ({EXAMPLE})"
            ))
        }
    };
    Some(format!(
        "the zone \"{zone}\" is not one RFC 2822 writes: write +0700 or GMT ({EXAMPLE})"
    ))
}

/// The longest line read as a date. The longest form stores write (`Thứ hai,
/// ngày 11 tháng 5 năm 2020 …`) is under 80 bytes; a longer line is text, and is
/// not tokenized: tokens cost some 20 bytes of memory per byte of line, so a
/// file of one megabyte-long line would cost hundreds of megabytes to test.
const MAX_DATE_LINE: usize = 256;

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
/// UTC where that offset has seconds), for writers that take one.
pub fn fixed<Z: TimeZone>(at: &DateTime<Z>) -> DateTime<chrono::FixedOffset> {
    let at = at.fixed_offset();
    if whole_minute_offset(&at) {
        at
    } else {
        at.with_timezone(&chrono::Utc).fixed_offset()
    }
}

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
/// 08:49:37 GMT`), its year the latest with those two digits that is not
/// more than 50 years after `now` (RFC 9110 §5.6.7).
fn rfc850(rest: &str, now: SystemTime) -> Option<NaiveDateTime> {
    let (date, time) = rest.split_once(' ')?;
    let (day_month, yy) = date.rsplit_once('-')?;
    if yy.len() != 2 || day_month.len() != 6 {
        return None;
    }
    let yy: i32 = yy.parse().ok()?;
    let this_year = from_system_time(now, chrono_tz::UTC).map_or(1970, |t| t.year());
    let mut year = this_year - this_year.rem_euclid(100) + yy;
    if year > this_year + 50 {
        year -= 100;
    }
    let full = format!("{day_month}-{year:04} {time}");
    NaiveDateTime::parse_from_str(&full, "%d-%b-%Y %H:%M:%S GMT").ok()
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

/// Express a system time (such as a file's modification time) in `tz`;
/// `None` outside years 1–9999 there or as written, which are not dates (see [`parse`]): a
/// modification time can be anything a filesystem holds (tmpfs and btrfs keep
/// year 11476 from a bad extract), and no feed, sitemap or archive can carry it.
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

/// Convert a naive local wall time in `tz` to an instant, deterministically, with a warning when
/// the wall time was not a single instant.
///
/// - In a DST gap (the wall time does not exist) the time is read with the offset in force just
///   before the gap, which lands just as far after the gap: the wall time shifts forward by the
///   gap's length (`02:30` in a one-hour spring-forward gap becomes `03:30`).
/// - In an overlap (the wall time happens twice) the earlier instant is taken.
pub fn resolve_local(naive: NaiveDateTime, tz: Tz) -> (DateTime<Tz>, Option<String>) {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(at) => (at, None),
        LocalResult::Ambiguous(a, b) => {
            let at = a.min(b);
            let warning = format!(
                "local time {naive} happens twice in {} (DST overlap); using the earlier instant {}",
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
                "local time {naive} does not exist in {} (DST gap); using {}",
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

// ---------------------------------------------------------------------------------------------
// Vietnamese forms: a tokenizer and a component parser.

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A run of ASCII digits.
    Num,
    /// A run of letters (Vietnamese included), lowercased in `Token::lower`.
    Word,
    /// Any other single non-space character.
    Sym,
}

/// A token with its byte span in the line (for quoting the original spelling back in warnings).
#[derive(Debug, Clone)]
struct Token<'a> {
    kind: Kind,
    /// The text lowercased: borrowed from the line when lowercasing leaves it
    /// as it is (digits, symbols, lowercase words), as most tokens are.
    lower: Cow<'a, str>,
    start: usize,
    end: usize,
}

/// What a character is in a token, or `None` for white space, which only separates.
fn kind_of(c: char) -> Option<Kind> {
    if c.is_ascii_digit() {
        Some(Kind::Num)
    } else if c.is_alphabetic() {
        Some(Kind::Word)
    } else if c.is_whitespace() {
        None
    } else {
        Some(Kind::Sym)
    }
}

/// The first token of `line` at or after byte `from`: a digit run, a letter run
/// or a single symbol.
fn next_token(line: &str, from: usize) -> Option<Token<'_>> {
    let rest = line.get(from..)?;
    let mut chars = rest
        .char_indices()
        .filter_map(|(i, c)| Some((from + i, c, kind_of(c)?)));
    let (start, first, kind) = chars.next()?;
    let mut end = start + first.len_utf8();
    if kind != Kind::Sym {
        // A run: the same kind, with no space between.
        for (i, c, k) in chars {
            if i != end || k != kind {
                break;
            }
            end = i + c.len_utf8();
        }
    }
    let text = &line[start..end];
    let unchanged = |c: char| {
        let mut lower = c.to_lowercase();
        lower.next() == Some(c) && lower.next().is_none()
    };
    let lower = if text.chars().all(unchanged) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().flat_map(char::to_lowercase).collect())
    };
    Some(Token {
        kind,
        lower,
        start,
        end,
    })
}

/// A cursor over the tokens of one line, split as they are looked at: a line
/// that is not a date (a title, a sentence) fails at its first word or two, and
/// its other words are never lowercased.
struct Cursor<'a> {
    line: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(line: &'a str) -> Cursor<'a> {
        Cursor {
            line,
            tokens: Vec::new(),
            pos: 0,
        }
    }

    fn peek(&mut self, ahead: usize) -> Option<&Token<'a>> {
        while self.tokens.len() <= self.pos + ahead {
            let from = self.tokens.last().map_or(0, |t| t.end);
            let token = next_token(self.line, from)?;
            self.tokens.push(token);
        }
        self.tokens.get(self.pos + ahead)
    }

    /// Take a number of `min..=max` digits.
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let t = self
            .peek(0)
            .filter(|t| t.kind == Kind::Num && (min..=max).contains(&t.lower.len()))?;
        let n = t.lower.parse().ok();
        self.pos += 1;
        n
    }

    /// Whether the next token follows the previous one with no space between.
    fn glued(&mut self) -> bool {
        let Some(next) = self.peek(0).map(|t| t.start) else {
            return false;
        };
        self.pos
            .checked_sub(1)
            .and_then(|p| self.tokens.get(p))
            .is_some_and(|prev| prev.end == next)
    }

    /// Take the given word or symbol.
    fn eat(&mut self, text: &str) -> bool {
        let hit = self.peek(0).is_some_and(|t| t.lower == text);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Take one of the given words or symbols, returning which.
    fn eat_any(&mut self, texts: &[&'static str]) -> Option<&'static str> {
        texts.iter().copied().find(|t| self.eat(t))
    }

    /// Every token of the line.
    fn all(mut self) -> Vec<Token<'a>> {
        while self.peek(0).is_some() {
            self.pos += 1;
        }
        self.tokens
    }

    /// Run a component step; on failure rewind so the next step sees the same position.
    fn attempt<T>(&mut self, step: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let saved = self.pos;
        let got = step(self);
        if got.is_none() {
            self.pos = saved;
        }
        got
    }

    /// The original text from token `from` up to the cursor.
    fn text_since(&self, from: usize) -> &'a str {
        match (
            self.tokens.get(from),
            self.tokens.get(self.pos.wrapping_sub(1)),
        ) {
            (Some(a), Some(b)) if b.end >= a.start => &self.line[a.start..b.end],
            _ => "",
        }
    }
}

/// The Vietnamese (and mixed) forms: a weekday, a date, a time and a zone, each at most once, in
/// any order, between separators; a date is required and a zone must come after the time.
/// Canonical date line `Chủ nhật - 10/05/2020 15:33`; capture clock `01:36 ICT Thứ tư, 12/08/2020`.
fn try_parse_vietnamese(line: &str, tz: Tz) -> Option<Stamp> {
    let mut cur = Cursor::new(line);
    let (mut weekday, mut date, mut time, mut offset) = (None, None, None, None);
    while cur.peek(0).is_some() {
        // Separators between parts: `Chủ nhật - 10/05/2020`, `Thứ tư, 12/08/2020`, `... | 15:33`.
        if cur.eat_any(&[",", "-", "|"]).is_some() {
            continue;
        }
        if date.is_none() {
            if let Some(d) = cur.attempt(try_parse_date) {
                date = Some(d?);
                continue;
            }
        }
        if time.is_none() {
            if let Some(t) = cur.attempt(try_parse_time) {
                time = Some(t?);
                continue;
            }
        }
        if time.is_some() && offset.is_none() {
            if let Some(o) = cur.attempt(try_parse_zone) {
                offset = Some(o);
                continue;
            }
        }
        if weekday.is_none() {
            let from = cur.pos;
            if let Some(w) = cur.attempt(try_parse_weekday) {
                weekday = Some((w, cur.text_since(from)));
                continue;
            }
        }
        return None; // a leftover word: this is a sentence, not a date line
    }
    let naive = date?.and_time(time.unwrap_or(NaiveTime::MIN));
    stamp(naive, offset, weekday, tz)
}

/// A date, day first. The outer `Some` means the shape matched; the inner is `None` for an
/// impossible date such as 31/02/2020, which rejects the whole line.
fn try_parse_date(cur: &mut Cursor) -> Option<Option<NaiveDate>> {
    // `ngày 11/05/2020`, `Thứ hai, ngày 11 tháng 5 năm 2020`: the word "day" may lead in.
    cur.eat("ngày");
    let day = cur.num(1, 2)?;
    cur.attempt(|c| try_parse_numeric_date(c, day))
        .or_else(|| cur.attempt(|c| try_parse_long_date(c, day)))
}

/// `10/05/2020`, `10/5/2020`, `11-05-2020`, `10.05.2020`: the same separator twice, four-digit year.
fn try_parse_numeric_date(cur: &mut Cursor, day: u32) -> Option<Option<NaiveDate>> {
    let sep = cur.eat_any(&["/", "-", "."])?;
    let month = cur.num(1, 2)?;
    cur.eat(sep).then_some(())?;
    let year = cur.num(4, 4)?;
    Some(NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        month,
        day,
    ))
}

/// `11 tháng 5 năm 2020` ("day 11, month 5, year 2020"), the long form in formal headings.
fn try_parse_long_date(cur: &mut Cursor, day: u32) -> Option<Option<NaiveDate>> {
    cur.eat("tháng").then_some(())?;
    let month = cur.num(1, 2)?;
    cur.eat("năm").then_some(())?;
    let year = cur.num(4, 4)?;
    Some(NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        month,
        day,
    ))
}

/// A wall time; the outer `Some` means the shape matched, the inner is `None` for `25:00`.
fn try_parse_time(cur: &mut Cursor) -> Option<Option<NaiveTime>> {
    // `lúc 15:33` ("at 15:33") in some portals' date lines.
    cur.eat("lúc");
    let hour = cur.num(1, 2)?;
    let (minute, second) = if cur.eat(":") {
        // `15:33`, `10/05/2020 15:33:20`
        let minute = cur.num(2, 2)?;
        let second = if cur.eat(":") { cur.num(2, 2)? } else { 0 };
        (minute, second)
    } else if cur.eat("h") {
        // `10/05/2020 - 15h33`, and the bare hour `15h` (minutes only when written flush)
        let minute = if cur.glued() { cur.num(2, 2) } else { None };
        (minute.unwrap_or(0), 0)
    } else {
        return None;
    };
    Some(NaiveTime::from_hms_opt(hour, minute, second))
}

/// A zone suffix after the time.
fn try_parse_zone(cur: &mut Cursor) -> Option<FixedOffset> {
    // `10/05/2020 15:33 (GMT+7)`
    if cur.eat("(") {
        let off = try_parse_zone(cur)?;
        return cur.eat(")").then_some(off);
    }
    // `01:36 ICT Thứ tư, 12/08/2020`: Indochina Time, the older capture clock
    if cur.eat("ict") {
        return FixedOffset::east_opt(7 * 3600);
    }
    // `GMT+7`, `GMT+07:00`, `UTC+07:00`, `UTC+7`, and bare `GMT`
    if cur.eat_any(&["gmt", "utc"]).is_some() {
        return cur
            .attempt(try_parse_signed_offset)
            .or_else(|| FixedOffset::east_opt(0));
    }
    // `01:36 +07 Thứ Tư, 12/08/2020`: the newer capture clock; also `+0700`, `+07:00`
    try_parse_signed_offset(cur)
}

/// `+7`, `+07`, `+0700`, `+07:00`; `-05:00` only after `GMT`/`UTC`, since a bare ` - ` is a separator.
fn try_parse_signed_offset(cur: &mut Cursor) -> Option<FixedOffset> {
    let sign = if cur.eat_any(&["+", "-"])? == "+" {
        1
    } else {
        -1
    };
    let digits = cur.peek(0).filter(|t| t.kind == Kind::Num)?.lower.len();
    let (hours, minutes) = match digits {
        1 | 2 => {
            let hours = cur.num(1, 2)?;
            (hours, if cur.eat(":") { cur.num(2, 2)? } else { 0 })
        }
        4 => {
            let hhmm = cur.num(4, 4)?;
            (hhmm / 100, hhmm % 100)
        }
        _ => return None,
    };
    if minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * i32::try_from(hours * 3600 + minutes * 60).ok()?)
        .filter(offset_in_range)
}

/// A Vietnamese weekday in any capitalisation.
fn try_parse_weekday(cur: &mut Cursor) -> Option<Weekday> {
    // `Chủ nhật - 10/05/2020 15:33`, `Chủ Nhật`, and the short `CN`
    if cur.eat("cn") || (cur.eat("chủ") && cur.eat("nhật")) {
        return Some(Weekday::Sun);
    }
    // `Thứ hai` … `Thứ bảy`, `Thứ 2` … `Thứ 7`, and the short `T2` … `T7`
    let short = cur.eat("t");
    if !short {
        cur.eat("thứ").then_some(())?;
        let named = cur.eat_any(&["hai", "ba", "tư", "năm", "sáu", "bảy", "bẩy"]);
        if let Some(name) = named {
            return Some(match name {
                "hai" => Weekday::Mon,
                "ba" => Weekday::Tue,
                "tư" => Weekday::Wed,
                "năm" => Weekday::Thu,
                "sáu" => Weekday::Fri,
                _ => Weekday::Sat,
            });
        }
    }
    match cur.num(1, 1)? {
        n @ 2..=7 => Weekday::try_from(u8::try_from(n - 2).ok()?).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Ho_Chi_Minh as HCM;
    use chrono_tz::Europe::Berlin;

    /// The tokens a cursor gives, looked at one by one to the end of the line.
    fn lazy_tokens(line: &str) -> Vec<(Kind, String, usize, usize)> {
        let mut cur = Cursor::new(line);
        let mut all = Vec::new();
        while let Some(t) = cur.peek(0) {
            all.push((t.kind, t.lower.to_string(), t.start, t.end));
            cur.pos += 1;
        }
        all
    }

    #[test]
    fn tokens_are_runs_of_digits_or_letters_and_single_symbols() {
        let kinds = |line: &str| -> Vec<(Kind, String)> {
            lazy_tokens(line)
                .into_iter()
                .map(|(k, l, ..)| (k, l))
                .collect()
        };
        use Kind::{Num, Sym, Word};
        let t = |k: Kind, s: &str| (k, s.to_owned());
        assert_eq!(
            kinds("  Thứ BẢY,ngày 09/5/2020 15h33 (GMT+7)  "),
            [
                t(Word, "thứ"),
                t(Word, "bảy"),
                t(Sym, ","),
                t(Word, "ngày"),
                t(Num, "09"),
                t(Sym, "/"),
                t(Num, "5"),
                t(Sym, "/"),
                t(Num, "2020"),
                t(Num, "15"),
                t(Word, "h"),
                t(Num, "33"),
                t(Sym, "("),
                t(Word, "gmt"),
                t(Sym, "+"),
                t(Num, "7"),
                t(Sym, ")"),
            ]
        );
        // Decomposed marks are symbols of their own; spans are byte offsets.
        assert_eq!(
            lazy_tokens("Tha\u{301}ng 1"),
            [
                (Word, "tha".to_owned(), 0, 3),
                (Sym, "\u{301}".to_owned(), 3, 5),
                (Word, "ng".to_owned(), 5, 7),
                (Num, "1".to_owned(), 8, 9),
            ]
        );
        assert!(lazy_tokens(" \t ").is_empty());
    }

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
    fn iso(line: &str) -> String {
        let s = parse(line, HCM).unwrap_or_else(|| panic!("{line:?} should parse"));
        assert_eq!(s.warning, None, "{line:?}");
        rfc3339(&s.at)
    }

    #[test]
    fn canonical_date_line() {
        assert_eq!(
            iso("Chủ nhật - 10/05/2020 15:33"),
            "2020-05-10T15:33:00+07:00"
        );
    }

    #[test]
    fn capture_clock_ict() {
        assert_eq!(
            iso("01:36 ICT Thứ tư, 12/08/2020"),
            "2020-08-12T01:36:00+07:00"
        );
    }

    #[test]
    fn capture_clock_plus07() {
        assert_eq!(
            iso("01:36 +07 Thứ Tư, 12/08/2020"),
            "2020-08-12T01:36:00+07:00"
        );
    }

    #[test]
    fn one_digit_day_and_month() {
        assert_eq!(iso("10/5/2020 15:33"), "2020-05-10T15:33:00+07:00");
        assert_eq!(iso("1/5/2020 15:33"), "2020-05-01T15:33:00+07:00");
    }

    #[test]
    fn hour_h_minute_form() {
        assert_eq!(iso("10/05/2020 - 15h33"), "2020-05-10T15:33:00+07:00");
        assert_eq!(iso("10/05/2020 15h"), "2020-05-10T15:00:00+07:00");
    }

    #[test]
    fn time_before_date() {
        assert_eq!(iso("15:33 10/05/2020"), "2020-05-10T15:33:00+07:00");
    }

    #[test]
    fn dash_date_without_time_is_midnight() {
        assert_eq!(iso("11-05-2020"), "2020-05-11T00:00:00+07:00");
    }

    #[test]
    fn seconds() {
        assert_eq!(iso("10/05/2020 15:33:20"), "2020-05-10T15:33:20+07:00");
    }

    #[test]
    fn long_vietnamese_form() {
        assert_eq!(
            iso("Thứ hai, ngày 11 tháng 5 năm 2020"),
            "2020-05-11T00:00:00+07:00"
        );
        assert_eq!(
            iso("Thứ hai, ngày 11 tháng 5 năm 2020 15:33"),
            "2020-05-11T15:33:00+07:00"
        );
        assert_eq!(
            iso("15h33 Thứ hai, ngày 11 tháng 05 năm 2020"),
            "2020-05-11T15:33:00+07:00"
        );
        assert_eq!(
            iso("Thứ năm, ngày 14 tháng 5 năm 2020"),
            "2020-05-14T00:00:00+07:00"
        );
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

    #[test]
    fn zone_suffixes() {
        for zone in [
            "ICT",
            "+07",
            "+0700",
            "+07:00",
            "GMT+7",
            "GMT+07:00",
            "UTC+07:00",
            "UTC+7",
            "(GMT+7)",
        ] {
            let line = format!("10/05/2020 15:33 {zone}");
            assert_eq!(iso(&line), "2020-05-10T15:33:00+07:00", "{line}");
        }
        assert_eq!(iso("10/05/2020 08:33 GMT"), "2020-05-10T15:33:00+07:00");
        assert_eq!(
            iso("10/05/2020 03:33 UTC-05:00"),
            "2020-05-10T15:33:00+07:00"
        );
    }

    #[test]
    fn explicit_offset_is_an_instant() {
        // 15:33 in UTC+9 is 13:33 in Ho Chi Minh City.
        assert_eq!(iso("10/05/2020 15:33 GMT+9"), "2020-05-10T13:33:00+07:00");
    }

    #[test]
    fn weekdays_all_spellings() {
        // 11/05/2020 was a Monday, so 11 + n is weekday n days later.
        let cases = [
            ("Thứ hai", 11),
            ("Thứ ba", 12),
            ("Thứ tư", 13),
            ("Thứ năm", 14),
            ("Thứ sáu", 15),
            ("Thứ bảy", 16),
            ("Chủ nhật", 17),
            ("Thứ Hai", 11),
            ("THỨ HAI", 11),
            ("Chủ Nhật", 17),
            ("CN", 17),
            ("T2", 11),
            ("T7", 16),
            ("Thứ 2", 11),
            ("Thứ 7", 16),
        ];
        for (name, day) in cases {
            let line = format!("{name} - {day}/05/2020 15:33");
            assert_eq!(
                iso(&line),
                format!("2020-05-{day}T15:33:00+07:00"),
                "{line}"
            );
        }
    }

    #[test]
    fn pipe_and_comma_separators() {
        assert_eq!(
            iso("Chủ nhật | 10/05/2020 | 15:33"),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(
            iso("Chủ nhật, 10/05/2020, 15:33"),
            "2020-05-10T15:33:00+07:00"
        );
    }

    #[test]
    fn contradicting_weekday_warns_and_date_wins() {
        let s = parse("Thứ hai - 10/05/2020 15:33", HCM).expect("parses");
        assert_eq!(rfc3339(&s.at), "2020-05-10T15:33:00+07:00");
        assert_eq!(
            s.warning.as_deref(),
            Some("weekday \"Thứ hai\" contradicts date 10/05/2020 (a Sunday); using the date")
        );
    }

    #[test]
    fn rejects_body_sentences() {
        for line in [
            "Ngày 21/11/2019 Quốc hội đã thông qua Luật",
            "Nghị quyết số 815 ngày 21/11/2019",
            "Trong năm 2020 10/05/2020",
            "Hội nghị (10/05/2020)",
            "10/05/2020 15:33 tại Hà Nội",
        ] {
            assert_eq!(parse(line, HCM), None, "{line}");
        }
    }

    #[test]
    fn rejects_garbage_and_empty() {
        for line in [
            "",
            "   ",
            "hello",
            "15:33",
            "Chủ nhật",
            "2020",
            "10/05",
            "-",
            "+07",
            "10/05/20",
        ] {
            assert_eq!(parse(line, HCM), None, "{line:?}");
        }
    }

    #[test]
    fn rejects_invalid_dates_and_times() {
        for line in [
            "31/02/2020",
            "10/13/2020 15:33",
            "10/05/2020 25:00",
            "10/05/2020 15:60",
            "2020-02-31",
            "10/05-2020",
        ] {
            assert_eq!(parse(line, HCM), None, "{line}");
        }
    }

    #[test]
    fn lines_shaped_like_dates_say_why_they_are_not() {
        let why = |line: &str| {
            why_not_a_date(line, HCM).unwrap_or_else(|| panic!("{line:?}: no reason given"))
        };
        assert_eq!(
            why("10/05/2020 24:00"),
            "there is no hour 24: hours go from 0 to 23 (midnight is 00:00 of the next day)"
        );
        assert_eq!(
            why("29/02/2019 10:00"),
            "2019 has no 29 February (it is not a leap year)"
        );
        assert_eq!(
            why("Chủ nhật - 31/04/2020 15:33"),
            "there is no day 31 in April 2020: it has 30 days"
        );
        assert_eq!(
            why("2020-02-30"),
            "there is no day 30 in February 2020: it has 29 days"
        );
        assert_eq!(
            why("10/13/2020"),
            "there is no month 13 (dates are day first: 10/05/2020 is 10 May)"
        );
        assert_eq!(
            why("10/05/20 15:33"),
            "the year \"20\" has 2 digits: write all four"
        );
        assert!(why("10/05/2020 3:33 PM").starts_with("12-hour times (\"PM\") are not read"));
        assert!(why("10/05/2020 3:33 chiều").starts_with("12-hour times (\"CHIỀU\")"));
        assert_eq!(
            why("9999-12-31T23:59:59-14:00"),
            "in Asia/Ho_Chi_Minh it falls in the year 10000, and dates go from the year 1 to 9999"
        );
        assert_eq!(
            why("10/05/2020 15:60"),
            "there is no minute 60: minutes go from 00 to 59"
        );
        assert_eq!(
            why("10/05/2020 15h75"),
            "there is no minute 75: minutes go from 00 to 59"
        );
        assert_eq!(
            why("10/05/2020 23:59:60"),
            "there is no second 60: seconds go from 00 to 59"
        );
        assert!(why("10/05/2020 15:33 GMT+25:00").starts_with("the offset +25:00 is not one"));
        assert!(why("10/05-2020").starts_with("the date \"10/05-2020\" mixes separators"));
        assert_eq!(
            why("Ngày 29 tháng 2 năm 2019"),
            "2019 has no 29 February (it is not a leap year)"
        );
        assert_eq!(
            why("10/05/2020 15:33 15:34"),
            "bantin reads none of its date forms in it"
        );
        // The bare hour is a time like the others.
        for line in ["10/05/2020 24h", "10/05/2020 - 24h00", "24h 10/05/2020"] {
            assert_eq!(
                why(line),
                "there is no hour 24: hours go from 0 to 23 (midnight is 00:00 of the next day)",
                "{line}"
            );
        }
        // A year of more than four digits is out of range, whichever the form.
        for (line, year) in [
            ("10000-01-01T00:00:00Z", 10000),
            ("10/05/20200", 20200),
            ("10000-01-01", 10000),
        ] {
            assert_eq!(
                why(line),
                format!("the year {year} is out of range: dates go from the year 1 to 9999"),
                "{line}"
            );
        }
        assert_eq!(
            why("10/05/02020"),
            "the year \"02020\" has 5 digits: write four"
        );
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

    /// An RFC 2822 line bantin does not read looks like a date, and says why.
    #[test]
    fn rfc_2822_near_misses_say_why() {
        let why = |line: &str| {
            why_not_a_date(line, HCM).unwrap_or_else(|| panic!("{line:?}: no reason given"))
        };
        assert_eq!(
            why("Sun, 30 Feb 2020 15:33:00 +0700"),
            "there is no day 30 in February 2020: it has 29 days"
        );
        assert_eq!(
            why("Sun, 10 May 2020 24:00:00 +0700"),
            "there is no hour 24: hours go from 0 to 23 (midnight is 00:00 of the next day)"
        );
        assert_eq!(
            why("Sun, 10 May 2020 15:33:00 +07:00"),
            "the zone \"+07:00\" is not one RFC 2822 writes: write +0700 or GMT \
             (Sun, 10 May 2020 15:33:00 +0700)"
        );
        assert_eq!(
            why("Sun, 10 May 2020 15:33:00 ICT"),
            "the zone \"ICT\" is not one RFC 2822 writes: write +0700 or GMT \
             (Sun, 10 May 2020 15:33:00 +0700)"
        );
        assert_eq!(
            why("Sun, 10 May 2020 15:33:00"),
            "it has no zone: an RFC 2822 date ends in one, +0700 or GMT \
             (Sun, 10 May 2020 15:33:00 +0700)"
        );
        assert_eq!(
            why("Sun, 10 May 2020"),
            "it has no time: an RFC 2822 date ends in a time and a zone \
             (Sun, 10 May 2020 15:33:00 +0700)"
        );
        assert_eq!(
            why("Sun, 10 May 2020 15:33 15:34 +0700"),
            "bantin reads none of its date forms in it"
        );
        // English words are a date's only beside RFC 2822's shape.
        for line in [
            "10/05/2020 Sun",
            "Sun 10/05/2020 May",
            "10 May 2020 tại Hà Nội",
            "10 May 2020 - 11 May 2020",
        ] {
            assert_eq!(why_not_a_date(line, HCM), None, "{line}");
        }
    }

    #[test]
    fn dates_and_text_need_no_reason() {
        for line in [
            "10/05/2020 15:33",
            "2020-05-10T15:33:00+0700",
            "Ngày 21/11/2019 Quốc hội đã thông qua Luật",
            "10/05/2020, UBND tỉnh đã tổ chức hội nghị",
            "29/02/2019, UBND tỉnh đã tổ chức hội nghị",
            "Hội nghị (31/02/2020)",
            "30/4/1975 - 30/4/2020",
            "Tiêu đề",
            "",
            "2020",
            "10/05",
            "15:33",
            "Chủ nhật",
            // A part of the day without a time, and a number with dots: text.
            "Sáng 30/4/1975",
            "Tối 31/12/2019",
            "1.000.000",
            "Thu 1.250.000 đồng",
        ] {
            assert_eq!(why_not_a_date(line, HCM), None, "{line:?}");
        }
        let long = format!("29/02/2019 {}", "- ".repeat(200));
        assert_eq!(why_not_a_date(&long, HCM), None);
    }

    #[test]
    fn historical_offset_is_plus_eight() {
        assert_eq!(iso("01/01/1970 00:00"), "1970-01-01T00:00:00+08:00");
        assert_eq!(iso("1970-01-01T00:00:00Z"), "1970-01-01T08:00:00+08:00");
        let s = parse("01/01/1970 00:00", HCM).expect("parses");
        assert_eq!(rfc2822(&s.at), "Thu, 01 Jan 1970 00:00:00 +0800");
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

    fn naive(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test input")
    }

    #[test]
    fn dst_gap_shifts_forward() {
        let (at, warning) = resolve_local(naive("2021-03-28 02:30"), Berlin);
        assert_eq!(rfc3339(&at), "2021-03-28T03:30:00+02:00");
        assert!(warning.is_some_and(|w| w.contains("gap")));
        let s = parse("28/03/2021 02:30", Berlin).expect("parses");
        assert_eq!(rfc3339(&s.at), "2021-03-28T03:30:00+02:00");
        assert!(s.warning.is_some());
    }

    #[test]
    fn dst_overlap_takes_earlier() {
        let (at, warning) = resolve_local(naive("2021-10-31 02:30"), Berlin);
        assert_eq!(rfc3339(&at), "2021-10-31T02:30:00+02:00");
        assert!(warning.is_some_and(|w| w.contains("overlap")));
    }

    #[test]
    fn ordinary_local_time_has_no_warning() {
        let (at, warning) = resolve_local(naive("2021-07-01 12:00"), Berlin);
        assert_eq!(rfc3339(&at), "2021-07-01T12:00:00+02:00");
        assert_eq!(warning, None);
    }
}
