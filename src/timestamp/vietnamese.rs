//! The Vietnamese (and mixed) date forms, read by a tokenizer and a component parser.
//!
//! Apart from the standard forms, which chrono reads whole, these are read by hand: a
//! line is split into runs of digits, runs of letters and single symbols, and a weekday,
//! a date, a time and a zone are taken from those tokens in any order. `diagnose` looks
//! at the same tokens to say why a line is not a date, so the tokenizer is shared with it.

use std::borrow::Cow;

use chrono::{FixedOffset, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;

use super::{offset_in_range, stamp, Stamp};

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A run of ASCII digits.
    Num,
    /// A run of letters (Vietnamese included), lowercased in `Token::lower`.
    Word,
    /// Any other single non-space character.
    Sym,
}

/// A token with its byte span in the line (for quoting the original spelling back in warnings).
#[derive(Debug, Clone)]
pub(super) struct Token<'a> {
    pub(super) kind: Kind,
    /// The text lowercased: borrowed from the line when lowercasing leaves it
    /// as it is (digits, symbols, lowercase words), as most tokens are.
    pub(super) lower: Cow<'a, str>,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// What a character is in a token, or `None` for white space, which only separates.
fn kind_of(c: char) -> Option<Kind> {
    if c.is_ascii_digit() {
        Some(Kind::Num)
    } else if latin_letter(c) || c.is_alphabetic() {
        Some(Kind::Word)
    } else if c.is_whitespace() {
        None
    } else {
        Some(Kind::Sym)
    }
}

/// Whether `c` is a letter of the Latin blocks Vietnamese is written in
/// (Latin-1's and Latin Extended-A and B's, the precomposed letters of Latin
/// Extended Additional), known without a table: every character of those
/// ranges but `×` and `÷` (a test checks them against `char::is_alphabetic`).
fn latin_letter(c: char) -> bool {
    matches!(c, '\u{C0}'..='\u{24F}' | '\u{1E00}'..='\u{1EFF}') && c != '×' && c != '÷'
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
        if c.is_ascii() {
            return !c.is_ascii_uppercase();
        }
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
pub(super) struct Cursor<'a> {
    line: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(line: &'a str) -> Cursor<'a> {
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
    pub(super) fn all(mut self) -> Vec<Token<'a>> {
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

/// What may stand between the parts of a Vietnamese form besides the
/// [`DASHES`]: `,` and `|`.
const SEPARATORS: &[&str] = &[",", "|"];

/// A hyphen, and the dashes that stand for one between the parts of a date
/// line (`Thứ Hai, 05/06/2023 – 14:30`) or before a withdrawal's reason: the
/// en dash (U+2013) and em dash (U+2014) word processors put for ` - `, the
/// hyphen (U+2010) and non-breaking hyphen (U+2011) of Word's Ctrl+Shift+-,
/// the figure dash (U+2012), the horizontal bar (U+2015), the minus sign
/// (U+2212), and the small and full-width hyphen-minus (U+FE63, U+FF0D) and
/// small em dash (U+FE58) of East Asian input methods; on screen they are
/// all a dash. Only between parts: within a date (`11-05-2020`) a hyphen is
/// a hyphen and no other dash is, and before an offset (`UTC-05:00`) a
/// hyphen or a minus sign is a sign ([`OFFSET_SIGNS`]).
pub const DASHES: &[&str] = &[
    "-", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}",
    "\u{FE58}", "\u{FE63}", "\u{FF0D}",
];

/// The signs of a zone offset: `+`, the hyphen-minus, and the minus sign
/// (U+2212) that ISO 8601 writes and typeset text (`UTC−05:00`) has.
pub(super) const OFFSET_SIGNS: &[&str] = &["+", "-", "\u{2212}"];

/// The Vietnamese (and mixed) forms: a weekday, a date, a time and a zone, each at most once, in
/// any order, between separators; a date is required and a zone must come after the time.
/// Canonical date line `Chủ nhật - 10/05/2020 15:33`; capture clock `01:36 ICT Thứ tư, 12/08/2020`.
pub(super) fn try_parse_vietnamese(line: &str, tz: Tz) -> Option<Stamp> {
    let mut cur = Cursor::new(line);
    let (mut weekday, mut date, mut time, mut offset) = (None, None, None, None);
    while cur.peek(0).is_some() {
        // Separators between parts: `Chủ nhật - 10/05/2020`, `Thứ tư, 12/08/2020`, `... | 15:33`.
        if cur
            .eat_any(SEPARATORS)
            .or_else(|| cur.eat_any(DASHES))
            .is_some()
        {
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

/// Whether `line` starts with a time with its zone straight after it
/// (`01:36 ICT Thứ tư, 12/08/2020`, `08:05 +07 T2, 11/05/2020`), as the
/// capture clock does and no date line of the store does (`15:33 10/05/2020`
/// has no zone).
pub(super) fn leads_with_zoned_time(line: &str) -> bool {
    let mut cur = Cursor::new(line);
    // A dash after the time parts it from the date (`15:33 - 10/05/2020`),
    // as it does in the date forms: it is no zone's sign.
    cur.attempt(try_parse_time).is_some()
        && cur
            .eat_any(SEPARATORS)
            .or_else(|| cur.eat_any(DASHES))
            .is_none()
        && cur.attempt(try_parse_zone).is_some()
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
    let sign = if cur.eat_any(OFFSET_SIGNS)? == "+" {
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
    use crate::timestamp::tests::iso;
    use crate::timestamp::{parse, rfc3339};
    use chrono_tz::Asia::Ho_Chi_Minh as HCM;

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
    fn the_latin_letters_known_without_a_table_are_letters() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if latin_letter(c) {
                assert!(c.is_alphabetic(), "U+{:04X}", c as u32);
            }
        }
        assert!(latin_letter('Đ') && latin_letter('ữ') && !latin_letter('×'));
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

    /// Characters that show nothing, as web editors paste them, are not
    /// there for a date: anywhere in the line, it reads as it shows.
    #[test]
    fn characters_that_show_nothing_are_ignored() {
        for invisible in [
            '\u{200B}', // zero-width space
            '\u{200C}', // zero-width non-joiner
            '\u{200D}', // zero-width joiner
            '\u{200E}', // left-to-right mark
            '\u{200F}', // right-to-left mark
            '\u{00AD}', // soft hyphen
            '\u{2060}', // word joiner
            '\u{FEFF}', // zero-width no-break space
        ] {
            for (line, at) in [
                ("{}05/06/2023 14:30", "2023-06-05T14:30:00+07:00"),
                ("05/06/2023{} 14:30", "2023-06-05T14:30:00+07:00"),
                ("05/06/2023 {} 14:30", "2023-06-05T14:30:00+07:00"),
                ("05/06/2023 14:30{}", "2023-06-05T14:30:00+07:00"),
                ("Th{}ứ hai, 05/06/2023 14:30", "2023-06-05T14:30:00+07:00"),
                (
                    "{}01:36 ICT Thứ hai, 05/06/2023",
                    "2023-06-05T01:36:00+07:00",
                ),
                ("2023-06-05T14:30:00{}+07:00", "2023-06-05T14:30:00+07:00"),
                (
                    "Mon, 05 Jun 2023 14:30:00 +0700{}",
                    "2023-06-05T14:30:00+07:00",
                ),
            ] {
                let line = line.replace("{}", &invisible.to_string());
                assert_eq!(iso(&line), at, "{line:?}");
            }
        }
        // Nothing but them is no date.
        assert_eq!(parse("\u{200B}\u{200E}", HCM), None);
    }

    /// Word processors turn ` - ` into an en or em dash; between the parts
    /// of a date line either is a hyphen, and nowhere else.
    #[test]
    fn en_and_em_dashes_separate_parts() {
        for line in [
            "Thứ Hai, 05/06/2023 \u{2013} 14:30",
            "Thứ Hai, 05/06/2023 \u{2014} 14:30",
            "Thứ hai \u{2013} 05/06/2023 \u{2013} 14h30",
            "14:30 \u{2014} 05/06/2023",
        ] {
            assert_eq!(iso(line), "2023-06-05T14:30:00+07:00", "{line}");
        }
        // Every dash that shows as one, spaced or not.
        for dash in DASHES {
            for line in [
                format!("03/06/2024 {dash} 14:30"),
                format!("03/06/2024{dash}14:30"),
                format!("Thứ Hai {dash} 03/06/2024 {dash} 14h30"),
            ] {
                assert_eq!(iso(&line), "2024-06-03T14:30:00+07:00", "{line}");
            }
        }
        for line in [
            "05\u{2013}06\u{2013}2023",
            "05/06/2023 14:30 UTC\u{2013}05:00",
        ] {
            assert_eq!(parse(line, HCM), None, "{line}");
        }
        // Within a date only a hyphen is one; before an offset, a hyphen or
        // a minus sign is a sign and no other dash is.
        for dash in DASHES.iter().filter(|d| **d != "-") {
            let inside = format!("11{dash}05{dash}2020");
            assert_eq!(parse(&inside, HCM), None, "{inside}");
            let offset = format!("05/06/2023 14:30 UTC{dash}05:00");
            if OFFSET_SIGNS.contains(dash) {
                // 14:30 at -05:00, in Vietnam time.
                assert_eq!(iso(&offset), "2023-06-06T02:30:00+07:00", "{offset}");
            } else {
                assert_eq!(parse(&offset, HCM), None, "{offset}");
            }
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
}
