//! Why a line that looks like a date is not one, for the warning that names the line.
//!
//! The readers' opposite, so kept apart from them: it runs only on lines [`parse`] refuses,
//! looks at their tokens with a wider vocabulary (12-hour markers, RFC 2822's English
//! words), and reads numbers past what a calendar or a clock allows, to name what is wrong.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use super::vietnamese::{Cursor, Kind, Token, OFFSET_SIGNS};
use super::{as_shown, parse, read_any_year, year_out_of_range, OutOfRange, MAX_OFFSET};

/// The reason [`why_not_a_date`] gives when it can name no mistake in the
/// line: none of the date forms reads it.
pub const NO_DATE_FORM: &str = "bantin reads none of its date forms in it";

/// Why a line that looks like a date is not one, for a warning that names the
/// line: `None` when [`parse`] reads it, or when it does not look like a date.
///
/// A line looks like a date when it holds exactly one date shape (`d/m/y`,
/// `d-m-y`, `d.m.y` or `y-m-d` with any numbers, `d tháng m năm y`, or RFC
/// 2822's `d Mon y`; which numbers make one, `date_shapes` says) and nothing
/// but numbers, the symbols and words the date forms use, and the 12-hour
/// markers (`AM`, `PM`, `SA`, `CH`, `sáng`, `chiều`, …); beside RFC 2822's
/// shape, also its English weekday names and zone names. So `29/02/2019
/// 10:00` and `Sun, 30 Feb 2020 15:33:00 +0700` do, and a sentence that
/// starts with a date (`10/05/2020, UBND tỉnh …`), a title with two dates or
/// a bare `4-4-2` does not: those are text.
pub fn why_not_a_date(line: &str, tz: Tz) -> Option<String> {
    if parse(line, tz).is_some() {
        return None;
    }
    why_refused(line, tz)
}

/// [`why_not_a_date`] for a line [`parse`] has refused. It is not parsed
/// again: that would cost as much as the diagnosis, and the article parser
/// diagnoses only lines that have just failed as dates, every title among them.
pub fn why_refused(line: &str, tz: Tz) -> Option<String> {
    debug_assert!(parse(line, tz).is_none(), "{line:?} is a date");
    // Read as it shows, as `parse` reads it.
    let line = as_shown(line)?;
    let line = line.as_ref();
    // Every date shape holds numbers (see `date_shapes`): a line without a
    // digit, as most titles are, is not tokenized.
    if !super::has_digit(line) {
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
    let unread = unread_parts(&tokens);
    let in_unread = |i: usize| unread.iter().any(|u| (u.at..u.at + u.len).contains(&i));
    let vocabulary = |t: &Token| match t.kind {
        Kind::Num => true,
        Kind::Sym => DATE_SYMBOLS.contains(&&*t.lower) || super::DASHES.contains(&&*t.lower),
        Kind::Word => {
            DATE_WORDS.contains(&&*t.lower)
                || (timed && TWELVE_HOUR.contains(&&*t.lower))
                || (rfc2822 && RFC2822_WORDS.contains(&&*t.lower))
        }
    };
    if !tokens
        .iter()
        .enumerate()
        .all(|(i, t)| vocabulary(t) || in_unread(i))
    {
        return None;
    }
    let reason = twelve_hour(&tokens)
        .or_else(|| impossible_date(date))
        .or_else(|| impossible_time(&tokens))
        .or_else(|| year_out_of_range_in(line, tz))
        .or_else(|| fraction(line, &tokens))
        .or_else(|| unread.first().map(|u| u.why(line, &tokens)))
        .or_else(|| stray_parentheses(&tokens))
        .or_else(|| rfc2822.then(|| rfc2822_zone(line, date, &tokens)).flatten())
        .unwrap_or_else(|| NO_DATE_FORM.to_owned());
    Some(reason)
}

/// Symbols the date forms use (ISO 8601, the Vietnamese forms' separators,
/// zones), besides the [`super::DASHES`].
const DATE_SYMBOLS: &[&str] = &["/", ".", ":", "|", ",", "(", ")", "+"];

/// What portals write beside a date that no date form reads, as lowercased
/// tokens, and what it is. A line of date words and these is reported, the
/// first of them named, rather than taken for text: `Ngày đăng: 05/06/2023
/// 14:30` is a date line the editor must be told of, not a lead.
const UNREAD: &[(&[&str], Unread)] = &[
    (&["giờ", "việt", "nam"], Unread::VietnamTime),
    (&["lượt", "xem"], Unread::ViewCount),
    (&["ngày", "đăng"], Unread::Label),
    (&["đăng", "ngày"], Unread::Label),
    (&["đăng", "lúc"], Unread::Label),
    (&["cập", "nhật"], Unread::Label),
    (&["monday"], Unread::EnglishWeekday),
    (&["tuesday"], Unread::EnglishWeekday),
    (&["wednesday"], Unread::EnglishWeekday),
    (&["thursday"], Unread::EnglishWeekday),
    (&["friday"], Unread::EnglishWeekday),
    (&["saturday"], Unread::EnglishWeekday),
    (&["sunday"], Unread::EnglishWeekday),
    (&["["], Unread::Bracket),
    (&["]"], Unread::Bracket),
    (&["'"], Unread::MinuteMark),
    (&["\u{2019}"], Unread::MinuteMark),
    (&["\u{2032}"], Unread::MinuteMark),
];

/// What a part of a line in [`UNREAD`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unread {
    /// `Giờ Việt Nam` ("Vietnam time") after the time.
    VietnamTime,
    /// `Lượt xem: 1234` ("views").
    ViewCount,
    /// `Ngày đăng:`, `Đăng ngày`, `Cập nhật ngày:` ("posted on", "updated on").
    Label,
    /// `Monday`: English pages of a portal.
    EnglishWeekday,
    /// `[05/06/2023 14:30]`.
    Bracket,
    /// The minute mark of `14h30'`.
    MinuteMark,
}

/// One part of a line in [`UNREAD`]: its first token and how many it spans.
struct UnreadPart {
    at: usize,
    len: usize,
    what: Unread,
}

impl UnreadPart {
    /// Why the line is not a date, naming the part as written.
    fn why(&self, line: &str, tokens: &[Token]) -> String {
        let text = &line[tokens[self.at].start..tokens[self.at + self.len - 1].end];
        match self.what {
            Unread::VietnamTime => format!(
                "\"{text}\" is not read: write ICT (Vietnam's +07:00) in its place, or leave it out"
            ),
            Unread::ViewCount => {
                format!("the view count (\"{text}\") is not part of a date: move it off the line")
            }
            Unread::Label => format!(
                "the words \"{text}\" are not read: the line holds the date alone \
                 (10/05/2020 15:33)"
            ),
            Unread::EnglishWeekday => format!(
                "the English weekday \"{text}\" is not read: write it in Vietnamese \
                 (Thứ hai) or leave it out"
            ),
            Unread::Bracket => format!("brackets (\"{text}\") are not read: leave them out"),
            Unread::MinuteMark => {
                format!("the mark \"{text}\" is not read: write the time without it (15h33, 15:33)")
            }
        }
    }
}

/// Every part of `tokens` in [`UNREAD`], in line order.
fn unread_parts(tokens: &[Token]) -> Vec<UnreadPart> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let hit = UNREAD.iter().find(|(words, _)| {
            tokens
                .get(i..i + words.len())
                .is_some_and(|w| w.iter().zip(words.iter()).all(|(t, word)| t.lower == *word))
        });
        match hit {
            Some((words, what)) => {
                found.push(UnreadPart {
                    at: i,
                    len: words.len(),
                    what: *what,
                });
                i += words.len();
            }
            None => i += 1,
        }
    }
    found
}

/// Parentheses around anything but a zone (`(05/06/2023)`): only `(GMT+7)`
/// and its like are read.
fn stray_parentheses(tokens: &[Token]) -> Option<String> {
    let zone = |t: &Token| matches!(&*t.lower, "gmt" | "utc" | "ict" | "+" | "-");
    let stray = tokens
        .iter()
        .enumerate()
        .any(|(i, t)| t.lower == "(" && !tokens.get(i + 1).is_some_and(zone));
    stray.then(|| {
        "parentheses are read only around a zone, as in (GMT+7): leave them out".to_owned()
    })
}

/// A time with a fraction of a second (`14:30:00.000`), which only ISO 8601
/// takes.
fn fraction(line: &str, tokens: &[Token]) -> Option<String> {
    let t = Tokens(tokens);
    (0..tokens.len()).find_map(|i| {
        let clock = t.clock(i)?;
        clock.seconds?;
        let dot = clock.end;
        let fractional =
            t.glued(dot - 1) && t.is(dot, ".") && t.glued(dot) && t.num(dot + 1).is_some();
        fractional.then(|| {
            let whole = &line[tokens[i].start..tokens[dot - 1].end];
            let all = &line[tokens[i].start..tokens[dot + 1].end];
            format!(
                "fractions of a second (\"{all}\") are read only in ISO 8601 \
                 (2020-05-10T15:33:20.5): write {whole}"
            )
        })
    })
}

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

impl DateShape<'_, '_> {
    /// The year, month and day as written. The year comes first when the
    /// first number is longer than a day and the last is not, with hyphens
    /// (`2020-05-10`, `10000-01-01`) or in four digits (`2020/05/10`, which
    /// is reported as written year first); else it comes last.
    fn year_month_day(&self) -> [&str; 3] {
        let [a, b, c] = self.parts.map(|t| &*t.lower);
        let [s1, _] = self.separators;
        let year_first = self.form == Shape::Numeric
            && a.len() > 2
            && c.len() <= 2
            && (s1 == "-" || a.len() == 4);
        if year_first {
            [a, b, c]
        } else {
            [c, b, a]
        }
    }

    /// Whether the shape is `d/m/y`, `d-m-y`, `d.m.y` or `y-m-d` with a year
    /// of one or three digits and a one-digit day and month: `1.2.3`,
    /// `4-4-2`, `5/5/555`, but not `10/05/202`, a year a digit short.
    fn numeric_with_odd_year(&self) -> bool {
        let [year, month, day] = self.year_month_day();
        self.form == Shape::Numeric
            && matches!(year.len(), 1 | 3)
            && month.len() == 1
            && day.len() == 1
    }
}

/// Every date shape in `tokens`: `n/n/n`, `n-n-n` or `n.n.n` written without
/// spaces (the separators may differ), `n tháng n năm n`, or `n Mon n`.
///
/// Numbers joined by `/`, `-` or `.` with no space are taken as one run: only
/// a run of exactly three numbers is a shape, so no three numbers inside more
/// are (`192.168.1.1`, `12.345.678.9`), and neither is a number with its
/// thousands grouped by dots (`1.000.000`, `10.500.000.000`). A number with
/// `:` or `h` glued after it is a time's hour, not one of the run's. A year of
/// one or three digits with a one-digit day and month (`1.2.3`, `4-4-2`,
/// `5/5/555`) makes a shape only on a line that also holds a time, a weekday
/// or a date word (see [`dated`]): alone, such numbers are a version, a score
/// or a formation.
fn date_shapes<'t, 'a>(tokens: &'t [Token<'a>]) -> Vec<DateShape<'t, 'a>> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let run = glued_chain(&tokens[i..]);
        if run > 1 {
            if run == 5 {
                found.extend(numeric_or_long_shape(&tokens[i..i + 5]));
            }
            i += run;
        } else if let Some(shape) = tokens.get(i..i + 5).and_then(numeric_or_long_shape) {
            found.push(shape);
            i += 5;
        } else if let Some(shape) = tokens.get(i..i + 3).and_then(rfc2822_shape) {
            found.push(shape);
            i += 3;
        } else {
            i += 1;
        }
    }
    if !dated(tokens) {
        found.retain(|shape| !shape.numeric_with_odd_year());
    }
    found
}

/// Whether the tokens hold something only a date line holds: a time of day
/// (`00:00`, `15h33`, `15 giờ`), a word of the date forms (`ngày`, `lúc`, a
/// weekday, a zone: [`DATE_WORDS`]), or an English weekday (`Monday`).
fn dated(tokens: &[Token]) -> bool {
    let t = Tokens(tokens);
    let english_weekday = |word: &str| {
        UNREAD
            .iter()
            .any(|(words, what)| *what == Unread::EnglishWeekday && words == &[word])
    };
    (0..tokens.len()).any(|i| t.clock(i).is_some())
        || tokens.iter().any(|t| {
            t.kind == Kind::Word && (DATE_WORDS.contains(&&*t.lower) || english_weekday(&t.lower))
        })
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
    // Any numbers, but for dots between groups of three digits: `1.000.000`
    // and `10.500.000` are numbers. (Runs of more than three numbers never
    // get here: see `date_shapes`.)
    let thousands = numeric
        && [&w[1], &w[3]].iter().all(|t| t.lower == ".")
        && [&w[2], &w[4]].iter().all(|t| t.lower.len() == 3);
    (nums.iter().all(|t| t.kind == Kind::Num) && (numeric || long) && !thousands).then(|| {
        DateShape {
            form: if numeric { Shape::Numeric } else { Shape::Long },
            parts: nums,
            separators: [&w[1].lower, &w[3].lower],
        }
    })
}

/// How many tokens from the start of `tokens` are numbers joined by `/`, `-`
/// or `.` with no space: 5 for `10/05/2020`, 7 for `192.168.1.1`, 1 for a
/// number alone, 0 when the first token is not a number.
fn glued_chain(tokens: &[Token]) -> usize {
    if tokens.first().is_none_or(|t| t.kind != Kind::Num) {
        return 0;
    }
    // A number with `:` or `h` glued after it is a time's hour, joined to
    // the date before it (`31/04/2020-15:33`): not one of the run's.
    let hour = |num: &Token, next: Option<&Token>| {
        next.is_some_and(|t| t.start == num.end && matches!(&*t.lower, ":" | "h"))
    };
    let mut n = 1;
    while let [.., last] = &tokens[..n] {
        match tokens.get(n..n + 2) {
            Some([sep, num])
                if last.end == sep.start
                    && sep.end == num.start
                    && matches!(&*sep.lower, "/" | "-" | ".")
                    && num.kind == Kind::Num
                    && !hour(num, tokens.get(n + 2)) =>
            {
                n += 2;
            }
            _ => break,
        }
    }
    n
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
    // `2020/05/10`: year first, which only ISO 8601 writes, and with hyphens.
    if date.form == Shape::Numeric && s1 != "-" && a.len() == 4 && c.len() <= 2 {
        return Some(format!(
            "the date \"{a}{s1}{b}{s2}{c}\" is written year first: write it day first \
             ({c:0>2}/{b:0>2}/{a}) or as ISO 8601 ({a}-{b:0>2}-{c:0>2})"
        ));
    }
    let [y, m, d] = date.year_month_day();
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
        let s = if digits == 1 { "" } else { "s" };
        Some(format!(
            "the year \"{y}\" has {digits} digit{s}: write all four"
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
        if !OFFSET_SIGNS.iter().any(|s| self.is(sign, s)) || !self.glued(sign) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Ho_Chi_Minh as HCM;

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
        assert_eq!(
            why("10/05/2 15:33"),
            "the year \"2\" has 1 digit: write all four"
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
        assert!(why("10/05/2020 15:33 GMT\u{2212}25:00")
            .starts_with("the offset \u{2212}25:00 is not one"));
        // Any dash between the parts keeps a line looking like a date.
        for dash in crate::timestamp::DASHES {
            let line = format!("31/04/2023 {dash} 14:30");
            assert_eq!(
                why(&line),
                "there is no day 31 in April 2023: it has 30 days",
                "{line}"
            );
        }
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

    /// A line read as it shows: characters that show nothing neither hide
    /// what is wrong with it nor make it text.
    #[test]
    fn characters_that_show_nothing_do_not_hide_a_bad_date() {
        for line in [
            "\u{200B}29/02/2019 10:00",
            "29/02/2019\u{200E} 10:00",
            "Th\u{AD}ứ năm, 29/02/2019 10:00",
        ] {
            assert_eq!(
                why_not_a_date(line, HCM).as_deref(),
                Some("2019 has no 29 February (it is not a leap year)"),
                "{line:?}"
            );
        }
        assert_eq!(why_not_a_date("05/06/2023\u{200B} 14:30", HCM), None);
    }

    /// What portals write on a date line that no form reads is named, so
    /// the line is reported rather than taken for the lead.
    #[test]
    fn what_portals_write_beside_a_date_is_named() {
        let why = |line: &str| {
            why_not_a_date(line, HCM).unwrap_or_else(|| panic!("{line:?}: no reason given"))
        };
        for (line, reason) in [
            (
                "05/06/2023 14h30'",
                "the mark \"'\" is not read: write the time without it (15h33, 15:33)",
            ),
            (
                "[05/06/2023 14:30]",
                "brackets (\"[\") are not read: leave them out",
            ),
            (
                "05/06/2023 - 14:30 (Giờ Việt Nam)",
                "\"Giờ Việt Nam\" is not read: write ICT (Vietnam's +07:00) in its place, \
                 or leave it out",
            ),
            (
                "Thứ hai, 05/06/2023 14:30 - Lượt xem: 1234",
                "the view count (\"Lượt xem\") is not part of a date: move it off the line",
            ),
            (
                "Ngày đăng: 05/06/2023 14:30",
                "the words \"Ngày đăng\" are not read: the line holds the date alone \
                 (10/05/2020 15:33)",
            ),
            (
                "Đăng ngày 05/06/2023",
                "the words \"Đăng ngày\" are not read: the line holds the date alone \
                 (10/05/2020 15:33)",
            ),
            (
                "Cập nhật ngày: 05/06/2023 14:30",
                "the words \"Cập nhật\" are not read: the line holds the date alone \
                 (10/05/2020 15:33)",
            ),
            (
                "Monday, 05/06/2023 14:30",
                "the English weekday \"Monday\" is not read: write it in Vietnamese \
                 (Thứ hai) or leave it out",
            ),
            (
                "(05/06/2023)",
                "parentheses are read only around a zone, as in (GMT+7): leave them out",
            ),
            (
                "05/06/2023 14:30:00.000",
                "fractions of a second (\"14:30:00.000\") are read only in ISO 8601 \
                 (2020-05-10T15:33:20.5): write 14:30:00",
            ),
            (
                "2023/06/05 14:30",
                "the date \"2023/06/05\" is written year first: write it day first \
                 (05/06/2023) or as ISO 8601 (2023-06-05)",
            ),
            (
                "2023.6.5",
                "the date \"2023.6.5\" is written year first: write it day first \
                 (05/06/2023) or as ISO 8601 (2023-06-05)",
            ),
        ] {
            assert_eq!(why(line), reason, "{line}");
        }
        // Beside an en dash, which separates parts, a bad date is named.
        assert_eq!(
            why("Thứ Hai, 31/04/2023 \u{2013} 14:30"),
            "there is no day 31 in April 2023: it has 30 days"
        );
        // Those words in a sentence, or beside two dates, are text.
        for line in [
            "Ngày đăng ký 05/06/2023",
            "Lượt xem tăng mạnh từ 05/06/2023",
            "[05/06/2023 - 06/06/2023]",
            "Việt Nam 05/06/2023",
        ] {
            assert_eq!(why_not_a_date(line, HCM), None, "{line}");
        }
    }

    /// "Any numbers", as docs/store-format.md says: a one-digit day and
    /// year make a date shape too, and one digit is one, on a line that
    /// also holds a time, a weekday or a date word.
    #[test]
    fn one_digit_days_and_years_look_like_dates() {
        let why = |line: &str| why_not_a_date(line, HCM).unwrap_or_else(|| panic!("{line}"));
        for (line, year) in [
            ("1/1/1 00:00", "1"),
            ("5/5/5 10:00", "5"),
            ("1/10/1 10:00", "1"),
            ("10/1/1 10:00", "1"),
            ("01/01/1 10:00", "1"),
            ("1/1/2 15h33", "2"),
            ("1.2.3 15 giờ", "3"),
            ("4-4-2 lúc 10:00", "2"),
            ("Thứ hai, 1/1/1", "1"),
            ("Chủ nhật 3-2-1", "1"),
            ("CN, 1/1/1", "1"),
            ("T2, 1/1/1", "1"),
            ("ngày 5/5/5", "5"),
            ("Ngày đăng: 1/1/1", "1"),
            ("Monday, 1/1/1", "1"),
            ("1/1/1 GMT+7", "1"),
        ] {
            assert_eq!(
                why(line),
                format!("the year \"{year}\" has 1 digit: write all four"),
                "{line}"
            );
        }
        for (line, year) in [
            ("5/5/555 10:00", "555"),
            ("Thứ hai, 5/5/555", "555"),
            ("123-4-5 10:00", "123"),
        ] {
            assert_eq!(
                why(line),
                format!("the year \"{year}\" has 3 digits: write all four"),
                "{line}"
            );
        }
    }

    /// Numbers alone whose year would have one or three digits are a
    /// version, a score or a formation, not a date: text, with no reason.
    /// Two, four or more digits still make a date shape alone.
    #[test]
    fn numbers_alone_with_a_short_odd_year_are_text() {
        for line in [
            "1.2.3", "4-4-2", "3-2-1", "1/1/1", "1/1/2", "5/5/555", "123-4-5", "1.2.3:", "4-4-2 -",
            "(1/1/1)",
        ] {
            assert_eq!(why_not_a_date(line, HCM), None, "{line:?}");
        }
        for (line, why) in [
            ("10/05/20", "the year \"20\" has 2 digits: write all four"),
            ("1/1/11", "the year \"11\" has 2 digits: write all four"),
            (
                "31/04/2020",
                "there is no day 31 in April 2020: it has 30 days",
            ),
            (
                "10/05/20200",
                "the year 20200 is out of range: dates go from the year 1 to 9999",
            ),
            // A year a digit short, with a day or month of two digits: a
            // date's typo, not numbers alone.
            ("10/05/202", "the year \"202\" has 3 digits: write all four"),
            ("1/05/202", "the year \"202\" has 3 digits: write all four"),
            // A time joined to the date by a dash is no fourth number of a
            // run.
            (
                "31/04/2020-15:33",
                "there is no day 31 in April 2020: it has 30 days",
            ),
            (
                "2020-04-31-15:33",
                "there is no day 31 in April 2020: it has 30 days",
            ),
            (
                "31/04/2020-15h33",
                "there is no day 31 in April 2020: it has 30 days",
            ),
        ] {
            assert_eq!(why_not_a_date(line, HCM).as_deref(), Some(why), "{line:?}");
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
            "10.500.000",
            "Thu 1.250.000 đồng",
            // More than three numbers glued: an address or a version, whatever
            // three of them inside would make, and a number in thousands.
            "192.168.1.1",
            "1.2.3.4",
            "12.345.678.9",
            "1.2.3.4.5",
            "10.500.000.000",
            "12.345.678.9 15:33",
            "12.345.678.90",
            "Thứ hai, 1.2.3.4.5",
            "10.500.000.000 15:33",
            "1.000.000 15:33",
        ] {
            assert_eq!(why_not_a_date(line, HCM), None, "{line:?}");
        }
        let long = format!("29/02/2019 {}", "- ".repeat(200));
        assert_eq!(why_not_a_date(&long, HCM), None);
    }
}
