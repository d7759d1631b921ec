//! The store format (see docs/store-format.md) → an [`Article`], with warnings that name the line.
//!
//! A page saved from a NukeViet-style portal reads, top to bottom: capture clock,
//! breadcrumb, title, date line (with bantin's own correction and withdrawal
//! lines around it), lead, body, labelled data (author, source, keywords), then
//! navigation boilerplate. Every part may be missing or in an older
//! or newer CMS dialect; the parser takes what is there, falls back where the format
//! allows, and says so.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::time::SystemTime;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

use crate::names;
use crate::text::{normalize, squash_spaces, squash_spaces_owned, visible_or_blank};
use crate::timestamp;

/// One article, ready to index and render. All text is NFC and XML-safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Stable id: the file's path under the store root, without extension, `/`-separated.
    pub id: String,
    /// The category path, parent first (`["Tin Tức", "Tin tức tổng hợp"]`).
    pub categories: Vec<String>,
    /// The title.
    pub title: String,
    /// When it was published, in the configured zone.
    pub published: DateTime<FixedOffset>,
    /// When the page was saved (the header clock), if it says.
    pub captured: Option<DateTime<FixedOffset>>,
    /// The lead paragraph.
    pub summary: String,
    /// Body paragraphs after the lead.
    pub paragraphs: Vec<String>,
    /// "Tác giả": who wrote it.
    pub author: Option<String>,
    /// "Nguồn tin": where it came from.
    pub source: Option<String>,
    /// Keywords ("Từ khóa" / "Tags").
    pub tags: Vec<String>,
    /// When an editor last corrected it ("Cập nhật:"), if ever; never before
    /// [`Article::published`].
    pub updated: Option<DateTime<FixedOffset>>,
    /// Whether, when and why it was withdrawn ("Gỡ bỏ:").
    pub withdrawn: Option<Withdrawal>,
}

#[cfg(test)]
impl Article {
    /// A test article with only what indexes and lists read: an id, categories,
    /// a title and a publication time; everything else empty.
    pub(crate) fn sample(
        id: &str,
        categories: &[&str],
        title: &str,
        published: DateTime<FixedOffset>,
    ) -> Article {
        Article {
            id: id.into(),
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            title: title.into(),
            published,
            captured: None,
            summary: String::new(),
            paragraphs: vec![],
            author: None,
            source: None,
            tags: vec![],
            updated: None,
            withdrawn: None,
        }
    }
}

impl Article {
    /// When a reader last had something new to see: the latest of its
    /// publication, its correction and its withdrawal.
    pub fn changed(&self) -> DateTime<FixedOffset> {
        let corrected = self.updated.unwrap_or(self.published);
        self.withdrawn
            .as_ref()
            .map_or(corrected, |w| w.at.max(corrected))
    }

    /// When the store last gained something of it: [`Article::changed`], or
    /// its capture clock (when its page was saved: for a page saved as it is
    /// put in the store, when it reached the store) if that is later. It orders the feed of changes, so an
    /// article put in the store after newer ones, too old by then for the
    /// live feeds' window, is still seen there.
    pub fn last_event(&self) -> DateTime<FixedOffset> {
        let changed = self.changed();
        self.captured.map_or(changed, |at| at.max(changed))
    }
}

/// An article taken back by its editor (RFC 6721 calls what is left a tombstone):
/// the file stays in the store as the record, feeds and its page say it is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    /// When it was withdrawn.
    pub at: DateTime<FixedOffset>,
    /// Why, as the editor wrote it, cut to [`limits::REASON`].
    pub reason: Option<String>,
}

/// Something a reader of the file should know; the article is still usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line number, when the warning is about one line.
    pub line: Option<usize>,
    /// What was found and what was done about it.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(n) => write!(f, "line {n}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// How many warnings a file keeps: the first, in line order, and one more
/// saying how many were left out. A file repeating one fault on every line
/// (300,000 empty `Tác giả:` lines fit under `max_file_size`) would otherwise
/// log as many lines each time it changes, and the daemon would keep them all
/// for as long as it serves the file (a parse makes them all first, and
/// drops the rest at once); an editor fixes the first few and sees the rest
/// when checking again.
pub const WARNINGS_KEPT: usize = 20;

/// `warnings` cut to their first [`WARNINGS_KEPT`], with one more naming how
/// many went and the lines they span; how many went.
pub fn cap_warnings(warnings: &mut Vec<Warning>) -> usize {
    if warnings.len() <= WARNINGS_KEPT {
        return 0;
    }
    let left_out = &warnings[WARNINGS_KEPT..];
    let count = left_out.len();
    let lines = left_out.iter().filter_map(|w| w.line);
    let span = match (lines.clone().min(), lines.max()) {
        (Some(first), Some(last)) if first != last => format!(" (lines {first} to {last})"),
        (Some(first), _) => format!(" (line {first})"),
        _ => String::new(),
    };
    let message = format!(
        "{count} more warning{s}{span} not listed (a file lists its first {WARNINGS_KEPT}): \
         fix those above, then check the file again for the rest",
        s = if count == 1 { "" } else { "s" },
    );
    warnings.truncate(WARNINGS_KEPT);
    warnings.push(Warning {
        line: None,
        message,
    });
    count
}

/// Why a file is not an article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArticleError {
    /// Nothing that could be a title.
    #[error("no title: the file has no line after its header that could be a title")]
    NoTitle,
    /// No title: the line named stands where the title belongs and cannot be
    /// one, or is the last of the lines there, none of which can be one.
    #[error("line {line}: no title: {message}")]
    NoTitleAt {
        /// The 1-based line number of the line that ended the search.
        line: usize,
        /// The line quoted, why it is no title, and what to do.
        message: String,
    },
    /// No date line, no capture clock, and no modification time to fall back on.
    #[error("no publication date, capture clock or modification time")]
    NoDate,
    /// No date line or capture clock, and a modification time outside years
    /// 1–9999 (a bad extract on tmpfs or btrfs), which no feed can carry.
    #[error(
        "no publication date line or capture clock, and the file's modification time \
         @{seconds} (seconds since 1970) is outside years 1–9999, so it is not a date: \
         add a date line under the title (such as `10/05/2020 15:33`), or give the file \
         a real modification time (`touch FILE`)"
    )]
    ModifiedNotADate {
        /// The modification time, in seconds since 1970 (negative before it).
        seconds: i64,
    },
    /// A date line bantin cannot read, and no capture clock or modification
    /// time to fall back on.
    #[error(
        "line {line}: {message}; and there is no capture clock or modification time to fall back on"
    )]
    UnreadableDate {
        /// The 1-based line number of the date line.
        line: usize,
        /// The line quoted, and why it is not a date.
        message: String,
    },
    /// A date line bantin cannot read, no capture clock, and a modification
    /// time outside years 1–9999 (see [`ArticleError::ModifiedNotADate`]).
    #[error(
        "line {line}: {message}; and there is no capture clock, and the file's modification \
         time @{seconds} (seconds since 1970) is outside years 1–9999, so it is not a date \
         either: correct the date line (such as `10/05/2020 15:33`), or give the file a real \
         modification time (`touch FILE`)"
    )]
    UnreadableDateModifiedNotADate {
        /// The 1-based line number of the date line.
        line: usize,
        /// The line quoted, and why it is not a date.
        message: String,
        /// The modification time, in seconds since 1970 (negative before it).
        seconds: i64,
    },
}

/// What the parser knows about a file besides its text.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// The article id (see [`Article::id`]).
    pub id: &'a str,
    /// The name of the folder the file is in: the category when there is no breadcrumb.
    pub folder: Option<&'a str>,
    /// The file's modification time: the date of last resort.
    pub modified: Option<SystemTime>,
    /// The zone local times are in.
    pub tz: Tz,
}

/// A parsed article and what was repaired on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The article.
    pub article: Article,
    /// Warnings, in line order.
    pub warnings: Vec<Warning>,
}

/// Field limits, in bytes of UTF-8. A field over its limit is cut at a word
/// boundary (with a warning naming the line), never a reason to reject the file:
/// the article is still worth serving. Each limit is many times the longest value
/// in real stores (the sample store and a long Điện Biên article: title 114 bytes,
/// category name 22, author 48, source 62, tag 26 with 4 tags, lead 654, breadcrumb
/// 2 levels; stores of the same CMS go a few deeper), and small enough that a file without line breaks, whose one line of
/// megabytes is read as a title, cannot put megabytes into every feed, the front
/// page and the OPML list.
pub mod limits {
    /// A title: long official titles ("Quyết định số … về việc …") reach a few hundred bytes.
    pub const TITLE: usize = 1024;
    /// One breadcrumb element (a category name).
    pub const CATEGORY: usize = 128;
    /// Breadcrumb levels kept; deeper ones are dropped (each level is a feed, and
    /// the category tree is rendered recursively).
    pub const CATEGORY_DEPTH: usize = 32;
    /// The author line's value, and the source line's.
    pub const PERSON: usize = 256;
    /// One tag.
    pub const TAG: usize = 128;
    /// Distinct tags kept; later ones are dropped.
    pub const TAGS: usize = 32;
    /// The lead as shown in a feed item's summary (the full lead stays content).
    pub const SUMMARY: usize = 2048;
    /// The reason of a withdrawal line: a sentence or two.
    pub const REASON: usize = 512;
}

/// What ends a cut field.
const ELLIPSIS: &str = "…";

/// `s` if it fits in `max` bytes; else its longest prefix that ends at a word
/// boundary (or, when the first half of the room holds no space, at a character
/// boundary) followed by `…`, `max` bytes at most in all.
///
/// A cut can leave a bidirectional override or isolate of `s` open (its closer
/// was in the part cut away, see [`crate::text::balance_bidi`]), so the prefix
/// is balanced again, its closers counted within `max`: a summary or an
/// author cut here is as closed as the whole field.
pub fn cut(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let mut room = max.saturating_sub(ELLIPSIS.len());
    loop {
        let head = crate::text::balance_bidi(prefix_within(s, room).to_owned());
        let over = (head.len() + ELLIPSIS.len()).saturating_sub(max);
        if over == 0 || room == 0 {
            return Cow::Owned(format!("{head}{ELLIPSIS}"));
        }
        // Closers were added: leave them room, and cut again.
        room = room.saturating_sub(over);
    }
}

/// The longest prefix of `s` within `room` bytes that ends at a word boundary
/// (or at a character boundary when the first half of the room holds no
/// space), white space at its end trimmed.
fn prefix_within(s: &str, room: usize) -> &str {
    let mut end = room.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut head = &s[..end];
    let at_word_end = s[end..].is_empty() || s[end..].starts_with(char::is_whitespace);
    if !at_word_end {
        if let Some(space) = head.rfind(char::is_whitespace).filter(|&i| i >= room / 2) {
            head = &head[..space];
        }
    }
    head.trim_end()
}

/// `value` with its bidirectional controls balanced, cut to `max` bytes (the
/// closers counted within); a cut is reported as a warning on `line`.
fn bounded(
    warnings: &mut Vec<Warning>,
    line: usize,
    what: &str,
    value: String,
    max: usize,
) -> String {
    let value = crate::text::balance_bidi(value);
    match cut(&value, max) {
        Cow::Borrowed(_) => value,
        Cow::Owned(short) => {
            warnings.push(Warning {
                line: Some(line),
                message: format!(
                    "{what} is {} bytes, over the {max}-byte limit: cut to its first words",
                    value.len()
                ),
            });
            short
        }
    }
}

/// Labels of data lines, each in every CMS generation (compared
/// case-insensitively), without the colon that ends each (see [`labelled`]).
const AUTHOR_LABELS: &[&str] = &["tác giả bài viết", "tác giả"];
const SOURCE_LABELS: &[&str] = &["nguồn tin", "nguồn"];
const TAG_LABELS: &[&str] = &["từ khóa", "từ khoá", "tags"];
/// Labels of the header's correction and withdrawal lines (bantin's own, see
/// docs/store-format.md); read only between the title and the lead. Each
/// also with `lúc` ("at"), as the site itself says `đã được gỡ bỏ lúc …`.
const UPDATED_LABELS: &[&str] = &["cập nhật", "cập nhật lúc"];
const WITHDRAWN_LABELS: &[&str] = &["gỡ bỏ", "gỡ bỏ lúc"];
/// The colons a label ends with: `:`, and the full-width `：` (U+FF1A) that
/// an input method set to full-width punctuation types.
const COLONS: [char; 2] = [':', '\u{FF1A}'];

/// Headings after which nothing is content: the "newer"/"older" news lists.
const END_HEADINGS: &[&str] = &["những tin mới hơn", "những tin cũ hơn"];

/// Whole lines that are CMS furniture (compared case-insensitively, trimmed).
const BOILERPLATE: &[&str] = &[
    "click để đánh giá bài viết",
    "đánh giá bài viết",
    "gửi bài viết qua email",
    "in ra",
    "in bài viết",
    "lưu bài viết này",
    "tweet",
    "các tin khác",
    "theo dòng sự kiện",
    "xem tiếp...",
    "xem tiếp…",
    "xem tiếp",
    "ý kiến bạn đọc",
    "gửi bình luận",
    "file đính kèm",
];

/// Line prefixes of CMS furniture with numbers in them.
const BOILERPLATE_PREFIXES: &[&str] = &["tổng số điểm của bài viết là:", "xếp hạng:"];

/// How much of a file to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Everything.
    Full,
    /// The header (capture clock, breadcrumb, title, date line, correction
    /// and withdrawal lines) and the labelled lines (author, source, tags):
    /// what the index needs. The article has no summary or paragraphs;
    /// whether the file is an article is as with [`Depth::Full`], since
    /// nothing under the date line can reject a file, and so is every warning
    /// about the header and about a labelled line with nothing after its
    /// label. [`Depth::Full`] adds, among those in line order, the warnings
    /// about the body: fields cut to their [`limits`], too many tags, a lead
    /// over a feed summary's limit.
    Head,
}

/// Parses one article's clean text (see [`crate::text::decode`]).
pub fn parse(text: &str, src: &Source<'_>) -> Result<Parsed, ArticleError> {
    parse_lines(text.lines(), src, Depth::Full, &Cell::new(false))
}

/// Parses decoded text that is not normalised yet (see [`crate::text::decode_raw`]),
/// normalising only the lines it reads: with [`Depth::Head`] that is a handful.
/// Gives what [`parse`] gives for the normalised text, cut to `depth`.
pub fn parse_raw(raw: &str, src: &Source<'_>, depth: Depth) -> Result<Parsed, ArticleError> {
    // With `Depth::Head` the body is read only for its author, source and tag
    // lines and for where the article ends; a body line that can be none of
    // them is passed on blank, without being normalised: most of a file.
    let in_body = Cell::new(false);
    let lines = crate::text::raw_lines(raw).map(|line| {
        if in_body.get() && !may_end_or_label(line) {
            String::new()
        } else {
            normalize(line)
        }
    });
    parse_lines(lines, src, depth, &in_body)
}

/// Whether a raw (not yet normalised) body line may be a labelled line
/// (`Tác giả:`, `Nguồn tin:`, `Từ khóa:`) or an end heading. It must start as
/// one does (see [`starts_like_label_or_end`]); then a labelled line has its
/// colon (every label ends with one of [`COLONS`], and normalising neither
/// adds nor removes one) within [`LABEL_SPAN`] bytes that are not white
/// space (white space before the colon is not counted), and an end
/// heading is at most [`FURNITURE_MAX`] bytes once normalised and its spaces
/// squashed. Decomposed text is at most three times longer than composed, and
/// what normalising drops (forbidden characters, escape sequences) is not
/// counted ([`crate::text::content_chars`]).
fn may_end_or_label(raw: &str) -> bool {
    const MAX: usize = FURNITURE_MAX * 3;
    if !starts_like_label_or_end(raw) {
        return false;
    }
    if raw.len() <= MAX {
        return true;
    }
    // No colon and more printable ASCII than MAX: neither a labelled line
    // nor an end heading. Normalising keeps all of that ASCII when the line
    // holds no ESC (an escape sequence is the only printable ASCII it
    // drops), and most paragraphs that start as a label does (`Những`,
    // `Tuy`) are told so without decoding a character.
    let b = raw.as_bytes();
    let mut ascii = 0;
    let long = b.chunks(64).any(|block| {
        ascii += block.iter().filter(|b| b.is_ascii_graphic()).count();
        ascii > MAX
    });
    if long && memchr::memchr2(b':', 0x1B, b).is_none() && !raw.contains(COLONS[1]) {
        return false;
    }
    // Counts what normalising and squashing keep, and stops as soon as it is
    // too long for either: a paragraph costs a few hundred bytes.
    let mut kept = 0;
    for c in crate::text::content_chars(raw) {
        if COLONS.contains(&c) && kept <= LABEL_SPAN * 3 {
            return true;
        }
        if !c.is_whitespace() && !names::invisible(c) {
            kept += c.len_utf8();
        }
        if kept > MAX {
            return false;
        }
    }
    true
}

/// The longest label with its colon, composed, in bytes, the white space
/// within it included: a bound on where a labelled line's colon can stand.
const LABEL_SPAN: usize = 32;

/// Whether a raw body line starts as a labelled line or an end heading may:
/// its first two characters, once normalising has dropped forbidden characters
/// and escape sequences ([`crate::text::content_chars`]), with the white space
/// before them and the characters that show nothing ([`names::invisible`],
/// which [`labelled`] skips) left out, are written as one of those
/// starts. Each starts with an ASCII letter, compared case-insensitively (no
/// other character lowercases or composes to one), and the letter under the
/// second (`á` of `Tác`, `ừ` of `Từ`) is compared, since decomposed text
/// writes its marks after it. Most body lines fail this at their first byte or
/// two (lines starting `Theo`, `Trong`, `Người` are common; they pass the
/// first letter), and so cost nothing but finding their end.
fn starts_like_label_or_end(raw: &str) -> bool {
    let starts = |first: char| LABEL_STARTS.iter().any(|&(f, _)| f == first);
    // Most lines start with characters normalising keeps and that show:
    // printable ASCII, or Latin letters (`Đ`, `Ô`, `Ủ`, precomposed). The
    // first two as written are then those looked at, and most lines fail at
    // the first.
    let shown = |c: &char| {
        c.is_ascii_graphic()
            || ('\u{C0}'..='\u{24F}').contains(c)
            || ('\u{1E00}'..='\u{1EFF}').contains(c)
    };
    let mut written = raw.chars();
    if let Some(first) = written.next().filter(shown) {
        let first = first.to_ascii_lowercase();
        if !starts(first) {
            return false;
        }
        if let Some(second) = written.next().filter(shown) {
            return LABEL_STARTS.contains(&(first, base_letter(second)));
        }
    }
    let mut kept = crate::text::content_chars(raw)
        .filter(|&c| !names::invisible(c))
        .skip_while(|c| c.is_whitespace());
    let Some(first) = kept.next().map(|c| c.to_ascii_lowercase()) else {
        return false;
    };
    // Most lines fail at their first letter: no need to decompose the second.
    if !starts(first) {
        return false;
    }
    let Some(second) = kept.next() else {
        return false;
    };
    LABEL_STARTS.contains(&(first, base_letter(second)))
}

/// The first two letters of each label and end heading (see
/// [`starts_like_label_or_end`]), the second as [`base_letter`] gives it.
static LABEL_STARTS: std::sync::LazyLock<Vec<(char, char)>> = std::sync::LazyLock::new(|| {
    let mut starts: Vec<(char, char)> = [AUTHOR_LABELS, SOURCE_LABELS, TAG_LABELS, END_HEADINGS]
        .iter()
        .flat_map(|l| l.iter())
        .filter_map(|l| {
            let mut c = l.chars();
            Some((c.next()?, base_letter(c.next()?)))
        })
        .collect();
    starts.sort_unstable();
    starts.dedup();
    starts
});

/// The lowercase letter `c` is written on: `c` itself, or the first character
/// of a precomposed letter's canonical decomposition (`Ừ` → `u`).
fn base_letter(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut base = None;
    unicode_normalization::char::decompose_canonical(c, |d| {
        base.get_or_insert(d);
    });
    let base = base.unwrap_or(c);
    base.to_lowercase().next().unwrap_or(base)
}

#[allow(
    clippy::too_many_lines,
    reason = "the format read top to bottom: one place shows the order of its parts"
)]
fn parse_lines<L: Into<String>>(
    lines: impl Iterator<Item = L>,
    src: &Source<'_>,
    depth: Depth,
    in_body: &Cell<bool>,
) -> Result<Parsed, ArticleError> {
    let mut warnings = Vec::new();
    let mut rest = Lines {
        lines: itertools::peek_nth(
            lines
                .enumerate()
                .map(|(i, l)| (i + 1, visible_or_blank(squash_spaces_owned(l.into())))),
        ),
    };

    // A date in the header more than a day after this is reported (see `warn_stamp`).
    // `None` too when it is outside years 1–9999: not a date (see `timestamp`).
    let modified = src
        .modified
        .and_then(|m| timestamp::from_system_time(m, src.tz))
        .map(|m| m.fixed_offset());

    // Header: capture clock, then breadcrumb, each optional.
    let mut captured = None;
    // The capture clock's line and text, to tell a copy of it.
    let mut clock: Option<(usize, String)> = None;
    if let Some((n, line)) = rest.peek_nonblank() {
        if let Some(stamp) = timestamp::parse(line, src.tz) {
            warn_stamp(&mut warnings, n, &stamp, HeaderDate::Capture, modified);
            captured = Some(stamp.at.fixed_offset());
            clock = Some((n, line.to_owned()));
            rest.advance();
        } else if let Some(unreadable) = Unreadable::read(n, line, src.tz) {
            // A clock bantin cannot read is still a clock, not a title.
            warnings.push(unreadable.warning("the article has no capture clock"));
            rest.advance();
        }
    }
    // The clock written twice (a page saved over itself): the copy is
    // skipped, so the breadcrumb under it is still one.
    if let Some((first, text)) = &clock {
        rest.skip_copies(text, |n| {
            warnings.push(copy_of("the capture clock", n, *first))
        });
    }
    let mut crumb = Crumb {
        line: None,
        categories: Vec::new(),
    };
    if let Some((n, line)) = rest.peek_nonblank() {
        if let Some(path) = breadcrumb(line) {
            crumb.categories = bounded_path(&mut warnings, n, path);
            crumb.line = Some(n);
            rest.advance();
        }
    }
    // A second breadcrumb straight under the first, starting at the site's
    // root as a breadcrumb does, is no title: see [`Crumb::another`]. Any
    // other line with a `»` is the title.
    if crumb.line.is_some() {
        while let Some((n, line)) = rest.peek_nonblank() {
            let Some(path) = root_breadcrumb(line) else {
                break;
            };
            crumb.another(n, line, path, &mut warnings);
            rest.advance();
        }
    }
    // The folder's warning goes here, once it is known whether a
    // breadcrumb out of place gives the categories instead.
    let folder_place = crumb.categories.is_empty().then(|| {
        warnings.push(Warning {
            line: None,
            message: String::new(),
        });
        warnings.len() - 1
    });

    // Title: the next line that is content. A date, a breadcrumb or a
    // boilerplate line where it belongs is never the title, and is skipped
    // with a warning: a date there may still date the article (see `above`
    // below), and a breadcrumb give the categories.
    let mut above = before_title(&mut rest, clock.as_ref(), &mut crumb, src.tz, &mut warnings)?;
    let mut categories = crumb.categories;
    if let Some(place) = folder_place {
        if categories.is_empty() {
            let folder = src
                .folder
                .map(|f| squash_spaces(names::visible(&normalize(f))))
                .filter(|f| !f.is_empty());
            warnings[place].message = match &folder {
                Some(f) => {
                    format!("no breadcrumb; using the folder name \"{f}\" as the category")
                }
                None => "no breadcrumb and no folder; the article is in no category".to_owned(),
            };
            categories.extend(folder);
        } else {
            warnings.remove(place);
            for a in &mut above {
                a.place -= 1;
            }
        }
    }
    // A capture clock above the title, with none on the first line: the
    // clock, the one nearest the title if several.
    let mut clock_above = None;
    if captured.is_none() {
        if let Some(a) = above.iter().rev().find(|a| a.clock) {
            captured = Some(a.stamp.at.fixed_offset());
            clock_above = Some(a.line);
        }
    }
    let clock_line = clock.as_ref().map(|c| c.0).or(clock_above);
    let Some((title_line, line)) = rest.lines.next() else {
        return Err(ArticleError::NoTitle);
    };
    // A line too long for a title is text (a file without line breaks): its first
    // words are the title, and the whole line is kept as the lead.
    let (title, lead_line) = match cut(&line, limits::TITLE) {
        Cow::Borrowed(_) => (line, None),
        Cow::Owned(short) => {
            warnings.push(Warning {
                line: Some(title_line),
                message: format!(
                    "title is {} bytes, over the {}-byte limit: cut to its first words, \
                     and the whole line kept as the lead (does the file lack line breaks?)",
                    line.len(),
                    limits::TITLE
                ),
            });
            (short, Some((title_line, line)))
        }
    };
    // The title written twice: the copy straight under it is not the lead,
    // and the date line under the copy is still the date line.
    if lead_line.is_none() {
        rest.skip_copies(&title, |n| {
            warnings.push(copy_of("the title", n, title_line))
        });
    }

    // Date line, straight under the title, and the correction and withdrawal
    // lines around it, before the lead.
    let mut published = None;
    let mut date_line = None;
    // Lines in the date line's place that look like dates but are not, each
    // with the place of its warning, written once the fallback is known.
    let mut unreadable: Vec<(usize, Unreadable, Option<Warning>)> = Vec::new();
    let mut marks = Marks {
        modified,
        ..Marks::default()
    };
    // Lines among the header's that are text all the same, in line order:
    // the first lines of the body.
    let mut kept: Vec<(usize, String)> = Vec::new();
    while let Some((n, line)) = rest.peek_nonblank() {
        if published.is_none() {
            if let Some(stamp) = timestamp::parse(line, src.tz) {
                warn_stamp(&mut warnings, n, &stamp, HeaderDate::Publication, modified);
                published = Some(stamp.at.fixed_offset());
                date_line = Some(n);
                rest.advance();
                continue;
            }
        }
        if marks.read(n, line, src.tz, &mut warnings) {
            rest.advance();
            continue;
        }
        // Not the lead: a date line with a typo must not become the summary.
        // (After the labelled lines: `Cập nhật: …` is one, though its words
        // are among those a date line must not hold.)
        if let Some(u) = published
            .is_none()
            .then(|| Unreadable::read(n, line, src.tz))
            .flatten()
        {
            // A correction line missing its colon above the date line is
            // that, once the date line is read: kept as text for now.
            let colon = colon_missing(n, line, src.tz);
            unreadable.push((warnings.len(), u, colon));
            warnings.push(Warning {
                line: Some(n),
                message: String::new(),
            });
            keep(&mut kept, rest.lines.next());
            continue;
        }
        // A correction or withdrawal line with its colon forgotten, or a
        // sentence: text, named in a warning, and the header goes on. (In the
        // date line's place, a line the date-line diagnosis names is that:
        // `Cập nhật 10/05/2020 15:33` alone is a date line with a word too
        // many, not a correction.)
        let Some(warning) = colon_missing(n, line, src.tz) else {
            break;
        };
        warnings.push(warning);
        keep(&mut kept, rest.lines.next());
    }
    // A date line read: the unreadable lines above it that a correction line
    // missing its colon explains are that, and stay text; the rest are not.
    let date_line_read = published.is_some();
    let mut dropped = HashSet::new();
    unreadable.retain_mut(|(place, u, colon)| match colon.take() {
        Some(w) if date_line_read => {
            warnings[*place] = w;
            false
        }
        _ => {
            dropped.insert(u.line);
            true
        }
    });
    if !dropped.is_empty() {
        let lines = std::mem::take(&mut kept);
        for line in lines
            .into_iter()
            .filter(|(n, l)| !l.is_empty() && !dropped.contains(n))
        {
            keep(&mut kept, Some(line));
        }
    }
    // And what follows them is a paragraph of its own too.
    if let Some(&(n, _)) = kept.last() {
        kept.push((n, String::new()));
    }
    // A date above the title that is not shaped as a capture clock, with
    // no date line under it: the date line written above its title (the
    // one nearest the title if several).
    let mut above_read = None;
    if published.is_none() {
        if let Some(a) = above.iter().rev().find(|a| !a.clock) {
            published = Some(a.stamp.at.fixed_offset());
            above_read = Some(a.line);
        }
    }
    let (published, fallback) = match (published, captured, modified) {
        (Some(p), _, _) => (p, None),
        (None, Some(c), _) => (c, Some(Fallback::CaptureClock)),
        (None, None, Some(m)) => (m, Some(Fallback::Modified)),
        (None, None, None) => {
            return Err(match (unreadable.into_iter().next(), src.modified) {
                (Some((_, u, _)), Some(m)) => ArticleError::UnreadableDateModifiedNotADate {
                    line: u.line,
                    message: u.what(),
                    seconds: timestamp::unix_seconds(m),
                },
                (Some((_, u, _)), None) => ArticleError::UnreadableDate {
                    line: u.line,
                    message: u.what(),
                },
                (None, Some(m)) => ArticleError::ModifiedNotADate {
                    seconds: timestamp::unix_seconds(m),
                },
                (None, None) => ArticleError::NoDate,
            })
        }
    };
    if unreadable.is_empty() {
        if let Some(fallback) = fallback {
            warnings.push(Warning {
                line: None,
                message: fallback.no_date_line().into(),
            });
        }
    }
    let then = match (fallback, above_read) {
        (Some(f), _) => f.instead_of_a_line().to_owned(),
        (None, Some(r)) => format!("the publication date is line {r}'s, above the title"),
        (None, None) => "the line is ignored".to_owned(),
    };
    let date_line_unreadable = !unreadable.is_empty();
    for (place, u, _) in unreadable {
        warnings[place] = u.warning(&then);
    }
    let (updated, withdrawn) = marks.finish(published, &mut warnings);
    // Last, as it may add warnings in the places kept for them.
    for a in above.into_iter().rev() {
        let said = a.warnings(&Read {
            published: above_read,
            date_line,
            date_line_unreadable,
            clock: clock_line,
            modified,
        });
        warnings.splice(a.place..=a.place, said);
    }

    let body = match depth {
        Depth::Full => read_body(
            lead_line.into_iter().chain(kept).chain(rest.lines),
            &mut warnings,
            true,
        ),
        // The index needs the author and tags (for tag and author pages) and
        // they come last, so the body is read all the same; its paragraphs and
        // the warnings about them and about fields cut are left to the full
        // parse, and those about empty label lines are kept.
        Depth::Head => {
            // Lines from here on may come blank (see `parse_raw`).
            in_body.set(true);
            let body = read_body(
                lead_line.into_iter().chain(kept).chain(rest.lines),
                &mut warnings,
                false,
            );
            Body {
                paragraphs: Vec::new(),
                ..body
            }
        }
    };
    // Every field is shown inside other text (a list, a headline, a tag
    // list): one that leaves a bidirectional override open would turn what
    // follows it around.
    let balance = crate::text::balance_bidi;
    let mut paragraphs = body.paragraphs.into_iter().map(balance);
    let summary = paragraphs.next().unwrap_or_default();
    let paragraphs: Vec<String> = paragraphs.collect();

    Ok(Parsed {
        article: Article {
            id: src.id.to_owned(),
            categories: categories.into_iter().map(balance).collect(),
            title: balance(title),
            published,
            captured,
            summary,
            paragraphs,
            author: body.author.map(balance),
            source: body.source.map(balance),
            tags: body.tags.into_iter().map(balance).collect(),
            updated,
            withdrawn: withdrawn.map(|w| Withdrawal {
                reason: w.reason.map(balance),
                ..w
            }),
        },
        warnings,
    })
}

/// The warning on a copy (line `n`) of `what` (the capture clock, the
/// title) on line `first`.
fn copy_of(what: &str, n: usize, first: usize) -> Warning {
    Warning {
        line: Some(n),
        message: format!("a copy of {what} on line {first}; it is skipped: remove the line"),
    }
}

/// The breadcrumb, read in its place or out of it (see [`before_title`]).
struct Crumb {
    /// Its line, if one was read.
    line: Option<usize>,
    categories: Vec<String>,
}

impl Crumb {
    /// The breadcrumb (`line`, line `n`, giving `path`) read where the title
    /// belongs, below the line `skipped` (its number and text), with a
    /// warning.
    fn out_of_place(
        &mut self,
        n: usize,
        line: &str,
        path: Vec<String>,
        skipped: Option<&(usize, String, &str)>,
        warnings: &mut Vec<Warning>,
    ) {
        let after = skipped.map_or_else(String::new, |(m, text, _)| {
            format!(" after \"{}\" on line {m}", cut(text, 80))
        });
        warnings.push(Warning {
            line: Some(n),
            message: format!(
                "\"{}\" is the breadcrumb, out of place{after}; it is read as the breadcrumb \
                 all the same: put it straight under the capture clock (or first, with no \
                 clock)",
                cut(line, 80)
            ),
        });
        self.categories = bounded_path(warnings, n, path);
        self.line = Some(n);
    }

    /// A second breadcrumb (`line`, line `n`, giving `path`), once one was
    /// read: skipped, with a warning. The categories stay the first's,
    /// unless that has nothing after the site's root and this one has.
    fn another(&mut self, n: usize, line: &str, path: Vec<String>, warnings: &mut Vec<Warning>) {
        let first = self.line.unwrap_or(n);
        let text = cut(line, 80);
        if self.categories.is_empty() && !path.is_empty() {
            self.categories = bounded_path(warnings, n, path);
            self.line = Some(n);
            warnings.push(Warning {
                line: Some(n),
                message: format!(
                    "\"{text}\" is another breadcrumb, under the one on line {first}, which has \
                     nothing after the site's root; the categories are line {n}'s: remove line \
                     {first}"
                ),
            });
        } else {
            warnings.push(Warning {
                line: Some(n),
                message: format!(
                    "\"{text}\" is another breadcrumb, under the one on line {first}; it is \
                     skipped, and the categories are line {first}'s: remove the breadcrumb that \
                     is wrong"
                ),
            });
        }
    }
}

/// A date where the title belongs, skipped; see [`before_title`].
struct AboveDate {
    /// Where its warnings go among the others.
    place: usize,
    line: usize,
    text: String,
    stamp: timestamp::Stamp,
    /// Shaped as a capture clock (see [`timestamp::clock_shaped`]).
    clock: bool,
}

/// Which lines give the article's dates, for [`AboveDate::warnings`].
struct Read {
    /// The date above the title read as the publication date.
    published: Option<usize>,
    /// The date line under the title.
    date_line: Option<usize>,
    /// Whether a line in the date line's place looks like a date but is not
    /// one.
    date_line_unreadable: bool,
    /// The capture clock: the first line, or a clock above the title.
    clock: Option<usize>,
    modified: Option<DateTime<FixedOffset>>,
}

impl AboveDate {
    /// Its warnings, now that it is known which lines give the dates.
    fn warnings(&self, read: &Read) -> Vec<Warning> {
        let text = cut(&self.text, 80);
        let (message, dates) = if self.clock {
            let what =
                format!("\"{text}\" is a capture clock above the title, where the title belongs");
            if read.clock == Some(self.line) {
                (
                    format!(
                        "{what}; it is read as the capture clock, as the first line is none: \
                         move it to the file's first line"
                    ),
                    Some(HeaderDate::Capture),
                )
            } else {
                let from = read
                    .clock
                    .map_or_else(|| "another line".to_owned(), |c| format!("line {c}"));
                // With no date line, nor a date above the title, read, it
                // may be the publication date written with a zone.
                let or = if read.published.is_none() && read.date_line.is_none() {
                    " (or, if it is the publication date, move it under the title)"
                } else {
                    ""
                };
                (
                    format!(
                        "{what}; it is ignored, as {from} gives the capture clock: remove it{or}"
                    ),
                    None,
                )
            }
        } else {
            let what = format!("\"{text}\" is a date above the title, where the title belongs");
            if read.published == Some(self.line) {
                let why = if read.date_line_unreadable {
                    "no date line under the title could be read"
                } else {
                    "no date line follows the title"
                };
                (
                    format!(
                        "{what}; it is read as the publication date, as {why}: move it under \
                         the title"
                    ),
                    Some(HeaderDate::Publication),
                )
            } else {
                // Not read, so a date line or a date nearer the title was.
                let from = match (read.date_line, read.published) {
                    (Some(d), _) => format!("the date line on line {d}"),
                    (None, Some(r)) => format!("line {r}, the date nearest the title,"),
                    (None, None) => "another line".to_owned(),
                };
                (
                    format!(
                        "{what}; it is ignored, as {from} gives the publication date: remove it"
                    ),
                    None,
                )
            }
        };
        let mut said = vec![Warning {
            line: Some(self.line),
            message,
        }];
        if let Some(kind) = dates {
            warn_stamp(&mut said, self.line, &self.stamp, kind, read.modified);
        }
        said
    }
}

/// Skips what stands where the title belongs and cannot be it: dates (the
/// date line written above the title, a capture clock under the
/// breadcrumb, a copy of the capture clock), breadcrumbs starting at the
/// site's root and boilerplate lines (`In ra`), each with a warning, leaving
/// `rest` on the title. A breadcrumb there is read into `crumb` when none
/// was, and is a second one otherwise. Gives the dates other than copies of
/// the clock, each with the place kept for its warning (see
/// [`AboveDate::warnings`]). A navigation heading or a related-news item
/// there, or no line after the skipped ones, means no title: the error names
/// the line.
fn before_title<I: Iterator<Item = (usize, String)>>(
    rest: &mut Lines<I>,
    clock: Option<&(usize, String)>,
    crumb: &mut Crumb,
    tz: Tz,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<AboveDate>, ArticleError> {
    let mut above = Vec::new();
    // The last line skipped, and what it is.
    let mut skipped: Option<(usize, String, &str)> = None;
    loop {
        let Some((n, line)) = rest.peek_nonblank() else {
            return Err(match skipped {
                Some((line, text, what)) => ArticleError::NoTitleAt {
                    line,
                    message: format!(
                        "no line after the header could be the title: the last, \"{}\", is \
                         {what}, which is never the title: write the title under the header \
                         (see Title in docs/store-format.md)",
                        cut(&text, 80)
                    ),
                },
                None => ArticleError::NoTitle,
            });
        };
        let owned = line.to_owned();
        let line = owned.as_str();
        let path = match crumb.line {
            // Under a breadcrumb, only one that starts at the site's root is
            // another: any other line with a `»` is the title.
            Some(_) => root_breadcrumb(line),
            None => breadcrumb(line),
        };
        if let Some(path) = path {
            match crumb.line {
                Some(_) => crumb.another(n, line, path, warnings),
                None => crumb.out_of_place(n, line, path, skipped.as_ref(), warnings),
            }
            skipped = Some((n, line.to_owned(), "a breadcrumb"));
        } else if let Some(stamp) = timestamp::parse(line, tz) {
            match clock.filter(|(_, c)| c == line) {
                Some((first, _)) => warnings.push(copy_of("the capture clock", n, *first)),
                None => {
                    above.push(AboveDate {
                        place: warnings.len(),
                        line: n,
                        text: line.to_owned(),
                        clock: timestamp::clock_shaped(line),
                        stamp,
                    });
                    // Written once the date line is known.
                    warnings.push(Warning {
                        line: Some(n),
                        message: String::new(),
                    });
                }
            }
            skipped = Some((n, line.to_owned(), "a date"));
        } else if let Some(u) = Unreadable::read(n, line, tz)
            .filter(|u| u.names_a_mistake() && !rest.date_after_next(tz))
        {
            // A date with a mistake in it is a date out of place all the
            // same; but a line of date words none of whose mistakes can be
            // named, or one with a date under it, is the title (`11 giờ 30
            // phút ngày 30/4/1975`, over its date line or not).
            warnings.push(u.warning("it stands where the title belongs, and is skipped"));
            skipped = Some((n, line.to_owned(), "a line that looks like a date"));
        } else if is_end(line) {
            return Err(ArticleError::NoTitleAt {
                line: n,
                message: format!(
                    "\"{}\" stands where the title belongs, and it is a navigation heading, \
                     where the article ends: put the title and the article above it",
                    cut(line, 80)
                ),
            });
        } else if is_related_item(line) {
            return Err(ArticleError::NoTitleAt {
                line: n,
                message: format!(
                    "\"{}\" stands where the title belongs, and a line that ends in a date in \
                     parentheses is an item of a related-news list, never a title: write the \
                     title without the date in parentheses (the date goes on the date line)",
                    cut(line, 80)
                ),
            });
        } else if classify_unrelated(line) == Kind::Boilerplate {
            warnings.push(Warning {
                line: Some(n),
                message: format!(
                    "\"{}\" is a boilerplate line above the title, where the title belongs; \
                     it is skipped: remove it",
                    cut(line, 80)
                ),
            });
            skipped = Some((n, line.to_owned(), "a boilerplate line"));
        } else {
            return Ok(above);
        }
        rest.advance();
    }
}

/// Where the publication time comes from when no date line gives it.
#[derive(Debug, Clone, Copy)]
enum Fallback {
    CaptureClock,
    Modified,
}

impl Fallback {
    /// The warning when there is no date line at all.
    fn no_date_line(self) -> &'static str {
        match self {
            Fallback::CaptureClock => "no publication date line; using the capture clock",
            Fallback::Modified => {
                "no publication date line or capture clock; using the file's modification time"
            }
        }
    }

    /// What an unreadable date line's warning says was done instead.
    fn instead_of_a_line(self) -> &'static str {
        match self {
            Fallback::CaptureClock => "the publication time falls back to the capture clock",
            Fallback::Modified => "the publication time falls back to the file's modification time",
        }
    }
}

/// A line where a date belongs (the capture clock's place, the date line's)
/// that looks like a date but is not one (see [`timestamp::why_not_a_date`]).
/// It is reported, and is neither the title nor the lead, whose places it
/// would otherwise silently take.
struct Unreadable {
    line: usize,
    text: String,
    why: String,
}

impl Unreadable {
    /// `text`, line `line`, as an unreadable date, if it looks like one.
    /// `text` must be a line [`timestamp::parse`] has refused: every caller
    /// has just read it as a date.
    fn read(line: usize, text: &str, tz: Tz) -> Option<Unreadable> {
        let why = timestamp::why_refused(text, tz)?;
        Some(Unreadable {
            line,
            text: text.to_owned(),
            why,
        })
    }

    /// Whether the reason names a mistake (`there is no day 31 in April
    /// 2020`), not only that no date form reads the line.
    fn names_a_mistake(&self) -> bool {
        self.why != timestamp::NO_DATE_FORM
    }

    /// The line quoted, and why it is not a date.
    fn what(&self) -> String {
        format!("\"{}\" is not a date: {}", cut(&self.text, 80), self.why)
    }

    /// The warning, saying what was done instead (`then`) and what to write.
    fn warning(&self, then: &str) -> Warning {
        Warning {
            line: Some(self.line),
            message: format!(
                "{}; {then}: write the date in a form listed under Dates in \
                 docs/store-format.md, such as 10/05/2020 15:33",
                self.what()
            ),
        }
    }
}

/// Which of bantin's own header lines a date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// `Cập nhật:`
    Correction,
    /// `Gỡ bỏ:`
    Withdrawal,
}

/// A dated correction or withdrawal line, kept until the publication time is
/// known to compare its date with.
struct Dated {
    mark: Mark,
    line: usize,
    at: DateTime<FixedOffset>,
    /// How many warnings came before its own, so a warning found later still
    /// goes in line order.
    place: usize,
}

/// The correction and withdrawal lines of a header, as read so far.
#[derive(Default)]
struct Marks {
    /// Every correction and withdrawal line with a date, in line order.
    dated: Vec<Dated>,
    /// The latest withdrawal.
    withdrawn: Option<Withdrawal>,
    /// The file's modification time, which no date here should be far after.
    modified: Option<DateTime<FixedOffset>>,
}

impl Marks {
    /// Reads `line` (number `n`) if it is a correction or withdrawal line, and says
    /// whether it was. A labelled line whose date is not one is ignored with a
    /// warning. (One that looks like such a line missing its colon is not
    /// one: see [`colon_missing`].)
    fn read(&mut self, n: usize, line: &str, tz: Tz, warnings: &mut Vec<Warning>) -> bool {
        if let Some((label, value)) = label_of(line, UPDATED_LABELS) {
            match timestamp::parse(value, tz) {
                Some(stamp) => {
                    warn_stamp(warnings, n, &stamp, HeaderDate::Correction, self.modified);
                    self.dated.push(Dated {
                        mark: Mark::Correction,
                        line: n,
                        at: stamp.at.fixed_offset(),
                        place: warnings.len(),
                    });
                }
                None => warnings.push(no_date(n, &written(label), value, tz)),
            }
            return true;
        }
        let Some((label, value)) = label_of(line, WITHDRAWN_LABELS) else {
            return false;
        };
        match withdrawal(value, tz) {
            Some((stamp, reason)) => {
                warn_stamp(warnings, n, &stamp, HeaderDate::Withdrawal, self.modified);
                let reason = reason.map(|r| bounded(warnings, n, "reason", r, limits::REASON));
                self.dated.push(Dated {
                    mark: Mark::Withdrawal,
                    line: n,
                    at: stamp.at.fixed_offset(),
                    place: warnings.len(),
                });
                // Several lines: the latest date wins (the later line, on a tie).
                if self
                    .withdrawn
                    .as_ref()
                    .is_none_or(|w| w.at <= stamp.at.fixed_offset())
                {
                    self.withdrawn = Some(Withdrawal {
                        at: stamp.at.fixed_offset(),
                        reason,
                    });
                }
            }
            None => warnings.push(no_date(n, &written(label), value, tz)),
        }
        true
    }

    /// The latest correction not dated before `published`, and the latest
    /// withdrawal, with a warning on each line dated before `published`.
    ///
    /// Such a date is a typo, or the date line's is. A correction before
    /// publication cannot be one, so it is ignored. A withdrawal still
    /// withdraws: the editor's intent is plain whichever date is wrong, and an
    /// article taken down must not come back over a typo; it keeps its date,
    /// which is what its tombstone says.
    fn finish(
        self,
        published: DateTime<FixedOffset>,
        warnings: &mut Vec<Warning>,
    ) -> (Option<DateTime<FixedOffset>>, Option<Withdrawal>) {
        let mut updated = None;
        // Backwards, so inserting a warning leaves the earlier places valid.
        for d in self.dated.iter().rev() {
            let early = d.at < published;
            if early {
                let (what, then) = match d.mark {
                    Mark::Correction => ("correction", "the line is ignored"),
                    Mark::Withdrawal => (
                        "withdrawal",
                        "the article is withdrawn all the same, at that date",
                    ),
                };
                warnings.insert(
                    d.place,
                    Warning {
                        line: Some(d.line),
                        message: format!(
                            "{what} dated {} is before the publication date {}; \
                             {then}: fix whichever date is wrong",
                            timestamp::rfc3339(&d.at),
                            timestamp::rfc3339(&published)
                        ),
                    },
                );
            }
            if d.mark == Mark::Correction && !early && updated.is_none_or(|l| l < d.at) {
                updated = Some(d.at);
            }
        }
        (updated, self.withdrawn)
    }
}

/// The warning for a header line that is a correction or withdrawal label's
/// words and then, with no colon, a date bantin reads (`Gỡ bỏ lúc 12/05/2020
/// 10:00 - lý do`, `Cập nhật 11/05/2020`): most likely such a line with its
/// colon forgotten, so it must not silently become the lead; but a sentence
/// may start with those words (`Gỡ bỏ rào cản: …`, `Gỡ bỏ 12/05/2020 -
/// 15/05/2020 lệnh phong tỏa`), so it is not applied either: it is kept as
/// text, and this names it. `None` when what follows the words is no date
/// bantin reads: such a line is text, and nothing to warn of.
fn colon_missing(n: usize, line: &str, tz: Tz) -> Option<Warning> {
    let line = line.trim_start_matches(|c: char| c.is_whitespace() || names::invisible(c));
    let (mark, label) = [
        (Mark::Correction, UPDATED_LABELS),
        (Mark::Withdrawal, WITHDRAWN_LABELS),
    ]
    .into_iter()
    .find_map(|(mark, labels)| {
        // The longer label first (each list has it last): `Gỡ bỏ lúc <date>`
        // is named as written, not as `Gỡ bỏ` and a date led by `lúc`.
        labels.iter().rev().find_map(|&label| {
            let rest = after_words(line, label)?.trim_start_matches(names::invisible);
            if !rest.starts_with(char::is_whitespace) {
                return None;
            }
            let value = names::visible(rest);
            let reads = match mark {
                Mark::Correction => timestamp::parse(value, tz).is_some(),
                Mark::Withdrawal => withdrawal(value, tz).is_some(),
            };
            reads.then_some((mark, label))
        })
    })?;
    let (what, so, to) = match mark {
        Mark::Correction => (
            "correction",
            "the article is not marked corrected",
            "to date its correction",
        ),
        Mark::Withdrawal => (
            "withdrawal",
            "the article is not withdrawn",
            "to withdraw it",
        ),
    };
    Some(Warning {
        line: Some(n),
        message: format!(
            "\"{}\" looks like a {what} line missing its colon; the line is kept as text, and {so}: \
             write \"{}\" {to} (see Corrections and withdrawals in docs/store-format.md)",
            cut(line, 80),
            written(label)
        ),
    })
}

/// The warning for a labelled line whose value is not a date; it says why
/// when the value, or a head of it before ` - ` (a withdrawal's reason
/// follows one), looks like a date.
fn no_date(n: usize, label: &str, value: &str, tz: Tz) -> Warning {
    let why = std::iter::once(value)
        .chain(
            reason_splits(value)
                .into_iter()
                .map(|(head, _)| &value[..head]),
        )
        .find_map(|head| timestamp::why_not_a_date(head, tz))
        .map_or_else(String::new, |why| format!(": {why}"));
    Warning {
        line: Some(n),
        message: format!(
            "\"{label}\" line without a date bantin reads (\"{}\"{why}); the line is ignored: \
             write the date as on the date line (see Dates in docs/store-format.md)",
            cut(value, 80)
        ),
    }
}

/// `<date>[ - <reason>]` → the date and the reason, if any. The date itself may
/// hold ` - ` (`Chủ nhật - 10/05/2020 15:33`): the longest head that is a date wins.
fn withdrawal(value: &str, tz: Tz) -> Option<(timestamp::Stamp, Option<String>)> {
    if let Some(stamp) = timestamp::parse(value, tz) {
        return Some((stamp, None));
    }
    reason_splits(value).into_iter().find_map(|(head, rest)| {
        let stamp = timestamp::parse(&value[..head], tz)?;
        let reason = value[rest..].trim();
        Some((stamp, Some(reason.to_owned()).filter(|r| !r.is_empty())))
    })
}

/// Where `value` may split into a withdrawal's date and its reason, last
/// first: the end of the date's head and the start of the reason, both
/// places in `value`. They are found as the line shows, as its date is read:
/// a character that shows nothing beside the dash hides nothing. Each place
/// in what shows is kept with its place in the line, whose reason is taken
/// as written.
fn reason_splits(value: &str) -> Vec<(usize, usize)> {
    let mut shown = String::with_capacity(value.len());
    let mut places = Vec::with_capacity(value.len() + 1);
    for (at, c) in value.char_indices() {
        if !crate::names::invisible(c) {
            places.extend(std::iter::repeat_n(at, c.len_utf8()));
            shown.push(c);
        }
    }
    places.push(value.len());
    reason_separators(&shown)
        .map(|(i, sep)| (places[i], places[i + sep.len()]))
        .collect()
}

/// Where a withdrawal's reason may start in `value`, last first: at ` - `, or
/// at another of the dashes a word processor puts for its hyphen (` – `,
/// ` — `: [`timestamp::DASHES`]), as the date forms take them between their
/// parts.
fn reason_separators(value: &str) -> impl Iterator<Item = (usize, &str)> {
    value.rmatch_indices(' ').filter_map(move |(i, _)| {
        let dash = value[i + 1..].chars().next()?;
        let after = i + 1 + dash.len_utf8();
        let spaced =
            timestamp::DASHES.contains(&&value[i + 1..after]) && value[after..].starts_with(' ');
        spaced.then(|| (i, &value[i..after + 1]))
    })
}

/// How far after the file's modification time a date in its header may be
/// before it is reported. A page is saved after it is published, corrected or
/// withdrawn, so its file cannot be older than those dates; a day is more than
/// any mistake of zone (offsets go up to 14 hours) or of clock, so what is
/// beyond it is a typo in the year (`10/05/9999`) or a file whose
/// modification time is wrong.
const AFTER_MODIFIED: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// A date of the header, as [`warn_stamp`] names it and says what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderDate {
    /// The capture clock: the publication date when no date line gives one.
    Capture,
    /// The date line.
    Publication,
    /// `Cập nhật:`.
    Correction,
    /// `Gỡ bỏ:`.
    Withdrawal,
}

impl HeaderDate {
    /// Its name in a warning.
    fn name(self) -> &'static str {
        match self {
            HeaderDate::Capture => "capture clock",
            HeaderDate::Publication => "publication date",
            HeaderDate::Correction => "correction date",
            HeaderDate::Withdrawal => "withdrawal date",
        }
    }

    /// What keeping it far ahead does, for the editor to weigh: items stay
    /// ordered by publication, so only a publication date moves the article
    /// in them; the feed of changes is ordered by the latest of them all.
    fn effect(self) -> &'static str {
        match self {
            HeaderDate::Capture => {
                "it puts the article first in the feed of changes and moves that feed's \
                 updated time (and, where it dates the article, puts it above every other)"
            }
            HeaderDate::Publication => {
                "it puts the article above every other and moves its feeds' updated time"
            }
            HeaderDate::Correction => "it moves its feeds' updated time to it",
            HeaderDate::Withdrawal => {
                "the article is withdrawn now and its feeds' updated time moves to it"
            }
        }
    }
}

/// Reports what [`timestamp::parse`] found wrong with the date on `line`, and
/// a date (`what`) more than [`AFTER_MODIFIED`] after the file's modification
/// time. Such a date is kept: the modification time is the weaker witness
/// (archives and reproducible builds can set it to any past time, and copies
/// reset it), and the parser never puts it in place of a date the file wrote.
/// But what it dates moves (see [`HeaderDate::effect`]), so the editor is told.
fn warn_stamp(
    warnings: &mut Vec<Warning>,
    line: usize,
    stamp: &timestamp::Stamp,
    what: HeaderDate,
    modified: Option<DateTime<FixedOffset>>,
) {
    if let Some(w) = &stamp.warning {
        warnings.push(Warning {
            line: Some(line),
            message: w.clone(),
        });
    }
    let at = stamp.at.fixed_offset();
    if let Some(m) = modified.filter(|&m| at.signed_duration_since(m) > AFTER_MODIFIED) {
        warnings.push(Warning {
            line: Some(line),
            message: format!(
                "{} {} is more than a day after the file was last modified ({}); \
                 the date is kept, but {}: check the year",
                what.name(),
                timestamp::rfc3339(&at),
                timestamp::rfc3339(&m),
                what.effect()
            ),
        });
    }
}

/// Keeps a header line as text, after a blank line if a line is kept
/// already, so that each is a paragraph of its own (the blank lines between
/// the header's lines are skipped).
fn keep(kept: &mut Vec<(usize, String)>, line: Option<(usize, String)>) {
    if let Some((n, l)) = line {
        if !kept.is_empty() {
            kept.push((n, String::new()));
        }
        kept.push((n, l));
    }
}

/// A cursor over numbered, space-squashed lines, read as far as needed.
struct Lines<I: Iterator<Item = (usize, String)>> {
    lines: itertools::PeekNth<I>,
}

impl<I: Iterator<Item = (usize, String)>> Lines<I> {
    /// The next non-blank line, leaving the cursor on it.
    fn peek_nonblank(&mut self) -> Option<(usize, &str)> {
        while self.lines.next_if(|(_, l)| l.is_empty()).is_some() {}
        self.lines.peek().map(|(n, l)| (*n, l.as_str()))
    }

    fn advance(&mut self) {
        self.lines.next();
    }

    /// Skips the non-blank lines from the cursor on that are `text` again
    /// (a copy straight under it), calling `copy` with each one's number.
    fn skip_copies(&mut self, text: &str, mut copy: impl FnMut(usize)) {
        while let Some((n, line)) = self.peek_nonblank() {
            if line != text {
                break;
            }
            copy(n);
            self.advance();
        }
    }

    /// Whether the non-blank line after the next one is a date, or looks
    /// like one (see [`Unreadable`]), leaving the cursor where it is.
    fn date_after_next(&mut self, tz: Tz) -> bool {
        let mut nonblank = 0;
        let mut i = 0;
        while let Some((n, line)) = self.lines.peek_nth(i) {
            if !line.is_empty() {
                nonblank += 1;
                if nonblank == 2 {
                    return timestamp::parse(line, tz).is_some()
                        || Unreadable::read(*n, line, tz).is_some();
                }
            }
            i += 1;
        }
        false
    }
}

/// A breadcrumb's names, each cut to [`limits::CATEGORY`], at most
/// [`limits::CATEGORY_DEPTH`] of them.
fn bounded_path(warnings: &mut Vec<Warning>, line: usize, path: Vec<String>) -> Vec<String> {
    if path.len() > limits::CATEGORY_DEPTH {
        warnings.push(Warning {
            line: Some(line),
            message: format!(
                "breadcrumb has {} levels, over the limit of {}: the deeper ones are dropped",
                path.len(),
                limits::CATEGORY_DEPTH
            ),
        });
    }
    path.into_iter()
        .take(limits::CATEGORY_DEPTH)
        .map(|name| bounded(warnings, line, "category name", name, limits::CATEGORY))
        .collect()
}

/// Whether a breadcrumb's part is the site's root. Matched as category
/// names are (see [`names::key`]): a soft hyphen or a zero-width space
/// pasted in leaves it the site's root.
fn is_root(part: &str) -> bool {
    // A title is no root, and is read here once per file: a part longer
    // than the roots' names could be, written decomposed (a letter with two
    // marks is then 5 bytes, not 3), is not keyed.
    const LONGEST: usize = 3 * "trang nhất".len();
    part.len() <= LONGEST && matches!(names::key(part).as_str(), "trang nhất" | "trang chủ")
}

/// [`breadcrumb`], for a line whose first part is the site's root only: the
/// only breadcrumb that can be told from a title with a `»` in it.
fn root_breadcrumb(line: &str) -> Option<Vec<String>> {
    let first = crumb_parts(line).next().unwrap_or_default();
    if is_root(&squash_spaces(names::visible(first))) {
        breadcrumb(line)
    } else {
        None
    }
}

/// `Trang nhất » Tin Tức » Tin tức tổng hợp` → `["Tin Tức", "Tin tức tổng hợp"]`.
fn breadcrumb(line: &str) -> Option<Vec<String>> {
    // A level of only invisible characters is an empty one, and is dropped.
    let parts: Vec<String> = crumb_parts(line)
        .map(|p| squash_spaces(names::visible(p)))
        .collect();
    if parts.len() < 2 && !parts.first().is_some_and(|p| is_root(p)) {
        return None;
    }
    let mut parts = parts.into_iter().filter(|p| !p.is_empty()).peekable();
    if parts.peek().is_some_and(|p| is_root(p)) {
        parts.next();
    }
    Some(parts.collect())
}

/// `line` split at each `»` that parts a breadcrumb's levels: one that
/// closes a `«` before it is a quotation mark (`Phim «Mắt biếc» phá kỷ lục`
/// is one part, a title).
fn crumb_parts(line: &str) -> impl Iterator<Item = &str> {
    let mut open = 0usize;
    line.split(move |c| match c {
        '«' => {
            open += 1;
            false
        }
        '»' if open > 0 => {
            open -= 1;
            false
        }
        '»' => true,
        _ => false,
    })
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Content,
    Boilerplate,
}

/// Furniture lines are short: longer lines are only checked for the prefixes,
/// and only their head is lowercased (this runs on every line).
const FURNITURE_MAX: usize = 64;

fn classify(line: &str) -> Kind {
    if is_related_item(line) {
        Kind::Boilerplate
    } else {
        classify_unrelated(line)
    }
}

/// [`classify`] by every rule but the related-news item's shape.
fn classify_unrelated(line: &str) -> Kind {
    let whole = line.len() <= FURNITURE_MAX;
    // A long line can only be furniture by a prefix, and every prefix starts with
    // an ASCII letter: check that byte before lowercasing anything.
    let first = line
        .trim_start_matches(names::invisible)
        .as_bytes()
        .first()
        .map(u8::to_ascii_lowercase);
    let may_prefix = BOILERPLATE_PREFIXES
        .iter()
        .any(|p| p.as_bytes().first() == first.as_ref());
    if !whole && !may_prefix {
        return Kind::Content;
    }
    let head = cut_at_boundary(line, FURNITURE_MAX);
    if (whole && BOILERPLATE.iter().any(|b| lowercases_to(line, b)))
        || BOILERPLATE_PREFIXES
            .iter()
            .any(|p| lowercase_starts_with(head, p))
    {
        Kind::Boilerplate
    } else {
        Kind::Content
    }
}

fn is_end(line: &str) -> bool {
    // Most lines of a head-only scan are blank (see `parse_raw`): no heading.
    !line.is_empty()
        && line.len() <= FURNITURE_MAX
        && END_HEADINGS.iter().any(|h| lowercases_to(line, h))
}

/// The first `max` bytes of `line`, cut at a character boundary.
fn cut_at_boundary(line: &str, max: usize) -> &str {
    let mut end = line.len().min(max);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

/// Whether `s` lowercased is `lower`; compared as it is lowercased, with no
/// copy made: this runs on many lines of every article, and most differ at once.
/// The characters that show nothing ([`names::invisible`]) are skipped, as a
/// name's key skips them: `Những tin mới hơn` with a zero-width space pasted
/// in shows as the heading, and is it.
fn lowercases_to(s: &str, lower: &str) -> bool {
    shown_lowercase(s).eq(lower.chars())
}

/// Whether `s` lowercased starts with `prefix` (see [`lowercases_to`]).
fn lowercase_starts_with(s: &str, prefix: &str) -> bool {
    let mut lowered = shown_lowercase(s);
    prefix.chars().all(|p| lowered.next() == Some(p))
}

/// `s` lowercased, without the characters that show nothing.
fn shown_lowercase(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(|&c| !names::invisible(c))
        .flat_map(char::to_lowercase)
}

/// The positions in `lines` of the lines shaped as items of a related-news
/// list ([`is_related_item`]) that stand alone: the nearest non-blank line on
/// each side, if any, is article text, not furniture (a heading, another item,
/// a data line, an end heading). A list has a heading or a second item beside
/// each item; a sentence of the article that ends in a date in parentheses
/// (`… kể từ ngày ký (01/07/2020)`), between paragraphs, has neither, and is
/// kept.
fn related_items_alone(lines: &[(usize, String)]) -> HashSet<usize> {
    let shaped = |line: &str| is_related_item(line) && classify_unrelated(line) == Kind::Content;
    if !lines.iter().any(|(_, l)| shaped(l)) {
        return HashSet::new();
    }
    let furniture = |line: &str| {
        classify(line) == Kind::Boilerplate
            || is_end(line)
            || [AUTHOR_LABELS, SOURCE_LABELS, TAG_LABELS]
                .iter()
                .any(|labels| labelled(line, labels).is_some())
    };
    let text_or_nothing = |line: Option<&(usize, String)>| line.is_none_or(|(_, l)| !furniture(l));
    let non_blank = |l: &&(usize, String)| !l.1.is_empty();
    (0..lines.len())
        .filter(|&i| shaped(&lines[i].1))
        .filter(|&i| {
            let before = lines[..i].iter().rev().find(non_blank);
            let after = lines[i + 1..].iter().find(non_blank);
            text_or_nothing(before) && text_or_nothing(after)
        })
        .collect()
}

/// An item of a related-news list: `Title (dd/mm/yyyy)`.
fn is_related_item(line: &str) -> bool {
    let Some(inner) = line.strip_suffix(')').and_then(|l| l.rsplit_once('(')) else {
        return false;
    };
    let date = inner.1;
    let parts: Vec<&str> = date.split('/').collect();
    !inner.0.trim().is_empty()
        && parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts[2].len() == 4
}

/// The value of `line` when it starts with one of `labels` (compared
/// case-insensitively) and then a colon ([`COLONS`]), trimmed of white space
/// and of characters that show nothing. Those ([`names::invisible`]: a
/// zero-width space, a soft hyphen, a direction mark) are skipped in the
/// label as well, before it and within it, as [`lowercases_to`] skips them:
/// `Tác\u{AD} giả:` shows as an author line, and is one. White space may
/// stand before the colon, as many type it (`Tác giả : X`); anything else
/// there makes the line no label (`Tác giả của công trình: …`).
fn labelled<'l>(line: &'l str, labels: &[&'static str]) -> Option<&'l str> {
    label_of(line, labels).map(|(_, value)| value)
}

/// [`labelled`], with the label the line starts with: one of `labels`, as
/// [`written`] shows it in a warning.
fn label_of<'l>(line: &'l str, labels: &[&'static str]) -> Option<(&'static str, &'l str)> {
    let line = line.trim_start_matches(|c: char| c.is_whitespace() || names::invisible(c));
    // Every label starts with an ASCII letter: compare that byte before lowercasing.
    let first = line.as_bytes().first()?.to_ascii_lowercase();
    labels
        .iter()
        .filter(|l| l.as_bytes().first() == Some(&first))
        .find_map(|&label| after_label(line, label).map(|v| (label, names::visible(v))))
}

/// A label of [`UPDATED_LABELS`], [`WITHDRAWN_LABELS`] or the data lines' as
/// a warning names it: its first letter capital, then its colon
/// (`gỡ bỏ lúc` → `Gỡ bỏ lúc:`), however the line cased or spaced it.
fn written(label: &str) -> String {
    let mut chars = label.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).chain([':']).collect()
    })
}

/// What follows `label`'s words at the start of `line`: the words compared
/// as [`lowercases_to`] compares, the characters that show nothing skipped.
fn after_words<'l>(line: &'l str, label: &str) -> Option<&'l str> {
    let mut wanted = label.chars().peekable();
    let mut chars = line.chars();
    while wanted.peek().is_some() {
        let c = chars.next()?;
        if names::invisible(c) {
            continue;
        }
        for lower in c.to_lowercase() {
            if wanted.next() != Some(lower) {
                return None;
            }
        }
    }
    Some(chars.as_str())
}

/// What follows `label` and its colon at the start of `line`: the label
/// compared as [`lowercases_to`] compares, then white space and characters
/// that show nothing, then one of [`COLONS`].
fn after_label<'l>(line: &'l str, label: &str) -> Option<&'l str> {
    let rest = after_words(line, label)?;
    for (i, c) in rest.char_indices() {
        if COLONS.contains(&c) {
            return Some(&rest[i + c.len_utf8()..]);
        }
        if !c.is_whitespace() && !names::invisible(c) {
            return None;
        }
    }
    None
}

/// Whether a line ends a sentence, so the next line starts a new paragraph.
fn ends_sentence(line: &str) -> bool {
    let core = line.trim_end_matches(['"', '”', '’', '\'', ')', ']', '»', '》']);
    core.ends_with(['.', '!', '?', ':', '…'])
}

/// The warning for a data line with nothing after its label (`what` it
/// lacks, and what to `write` after the colon).
fn no_value(n: usize, label: &str, what: &str, write: &str) -> Warning {
    Warning {
        line: Some(n),
        message: format!(
            "\"{}\" line without {what}; the line is ignored: write {write} after the colon, \
             or delete the line",
            written(label)
        ),
    }
}

/// The last tag of a tag line without what ends the whole list, which is
/// no part of its name: full stops (`.`, and the full-width `．` and `。`)
/// and ellipses (`…`, `...`: the list goes on), however many, each trimmed
/// with the white space and characters that show nothing before it; and
/// then a last word "etc." (`v.v.`, `v.v`, `vv.`), which names no tag. A
/// full stop stays when the tag's last word is an abbreviation written with
/// a dot after each of its letters (`U.S.`, `T.Ư.`), whose last dot is its
/// own; any other word before it (`ASEAN.`, `TP.HCM.`, `bão số 3.`) cannot
/// be told from a word that ends a sentence, and a tag is a name, not a
/// sentence. What is left may be empty (`....`, `v.v.`): no tag.
fn without_list_end(tag: &str) -> &str {
    let mut tag = names::visible(tag);
    loop {
        let last = tag.rsplit(char::is_whitespace).next().unwrap_or(tag);
        if etc(last, last.len() == tag.len()) {
            tag = names::visible(&tag[..tag.len() - last.len()]);
            continue;
        }
        let Some(head) = tag.strip_suffix(['.', '…', '．', '。']) else {
            break;
        };
        if tag.ends_with('.') && dotted_letters(tag) {
            break;
        }
        tag = names::visible(head);
    }
    tag
}

/// Whether `word` is Vietnamese "etc." (`v.v.`, `v.v`, `vv.`): in any case
/// when it is the whole tag (`alone`), and only in lowercase after other
/// words, where `V.V.` is a name's initials (`Putin V.V.`).
fn etc(word: &str, alone: bool) -> bool {
    ["v.v.", "v.v", "vv."].iter().any(|e| {
        if alone {
            word.eq_ignore_ascii_case(e)
        } else {
            word == *e
        }
    })
}

/// Whether the last word of `tag` is two letters or more, each followed by
/// a dot (`U.S.`, `T.Ư.`).
fn dotted_letters(tag: &str) -> bool {
    let word = tag.rsplit(char::is_whitespace).next().unwrap_or(tag);
    let mut chars = word.chars();
    let mut letters = 0;
    loop {
        match (chars.next(), chars.next()) {
            (None, _) => return letters >= 2,
            (Some(letter), Some('.')) if letter.is_alphabetic() => letters += 1,
            _ => return false,
        }
    }
}

#[derive(Default)]
struct Body {
    paragraphs: Vec<String>,
    author: Option<String>,
    source: Option<String>,
    tags: Vec<String>,
}

/// Lead, paragraphs and labelled data from the lines under the date line; labelled
/// data over its [`limits`] is cut, with a warning, and a label line with
/// nothing after it is ignored, with a warning. The warnings about the body
/// (a field cut, the lead over a feed summary's limit) are pushed only when
/// `cuts`; those about label lines always, as about the header's lines.
fn read_body(
    lines_in: impl Iterator<Item = (usize, String)>,
    warnings: &mut Vec<Warning>,
    cuts: bool,
) -> Body {
    let mut unshown = Vec::new();
    // Up to the first end heading (the loop stops there, and it is furniture
    // to the item before it); what follows, comments and attachments, is
    // never read.
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (n, line) in lines_in {
        let end = is_end(&line);
        lines.push((n, line));
        if end {
            break;
        }
    }
    let alone = related_items_alone(&lines);
    let mut body = Body::default();
    let mut tags = Tags::default();
    let mut current: Option<String> = None;
    let flush = |current: &mut Option<String>, paragraphs: &mut Vec<String>| {
        if let Some(p) = current.take() {
            if !p.is_empty() && paragraphs.last() != Some(&p) {
                paragraphs.push(p);
            }
        }
    };
    for (i, (n, line)) in lines.into_iter().enumerate() {
        if line.is_empty() {
            flush(&mut current, &mut body.paragraphs);
            continue;
        }
        if is_end(&line) {
            break;
        }
        // A label with nothing after it (or only characters that show
        // nothing: the value is trimmed of them) gives nothing, and erases
        // nothing an earlier line gave: it is ignored, with a warning.
        if let Some((label, v)) = label_of(&line, AUTHOR_LABELS) {
            flush(&mut current, &mut body.paragraphs);
            if v.is_empty() {
                warnings.push(no_value(n, label, "a name", "the name"));
            } else {
                body.author = Some(bounded(
                    if cuts { &mut *warnings } else { &mut unshown },
                    n,
                    "author",
                    v.to_owned(),
                    limits::PERSON,
                ));
            }
            continue;
        }
        if let Some((label, v)) = label_of(&line, SOURCE_LABELS) {
            flush(&mut current, &mut body.paragraphs);
            if v.is_empty() {
                warnings.push(no_value(n, label, "a source", "the source"));
            } else {
                body.source = Some(bounded(
                    if cuts { &mut *warnings } else { &mut unshown },
                    n,
                    "source",
                    v.to_owned(),
                    limits::PERSON,
                ));
            }
            continue;
        }
        if let Some((label, v)) = label_of(&line, TAG_LABELS) {
            flush(&mut current, &mut body.paragraphs);
            tags.read(n, label, v, warnings, cuts);
            continue;
        }
        if classify(&line) == Kind::Boilerplate && !alone.contains(&i) {
            flush(&mut current, &mut body.paragraphs);
            continue;
        }
        // The lead is one line; after it, a line that does not end a sentence runs on.
        let lead_done = !body.paragraphs.is_empty() || current.is_some();
        match &mut current {
            Some(p) if !ends_sentence(p) && !body.paragraphs.is_empty() => {
                p.push(' ');
                p.push_str(&line);
            }
            _ => {
                flush(&mut current, &mut body.paragraphs);
                if cuts && !lead_done && line.len() > limits::SUMMARY {
                    warnings.push(Warning {
                        line: Some(n),
                        message: format!(
                            "the lead is {} bytes, over the {}-byte limit of a feed \
                             summary: feeds show its first words",
                            line.len(),
                            limits::SUMMARY
                        ),
                    });
                }
                current = Some(line);
                if !lead_done {
                    // The lead stands alone even when it does not end a sentence.
                    flush(&mut current, &mut body.paragraphs);
                }
            }
        }
    }
    flush(&mut current, &mut body.paragraphs);
    body.tags = tags.list;
    body
}

/// The tags of an article's tag lines, as read so far.
#[derive(Default)]
struct Tags {
    /// One spelling of each tag, the first, in order.
    list: Vec<String>,
    /// Their keys: at most [`limits::TAGS`], so a list, not a hash set.
    seen: Vec<String>,
    /// Whether a tag past [`limits::TAGS`] was dropped.
    full: bool,
}

impl Tags {
    /// Reads `v`, the value of tag line `n`, labelled `label`: its tags, split
    /// at `,` and `;`, the punctuation that ends the list not part of the last
    /// (see [`without_list_end`]); a line that gives none is ignored, with a
    /// warning. Warnings about tags cut or dropped for their limits are
    /// pushed only when `cuts` (see [`read_body`]).
    fn read(&mut self, n: usize, label: &str, v: &str, warnings: &mut Vec<Warning>, cuts: bool) {
        let mut unshown = Vec::new();
        // A tag of only invisible characters is no tag, as an empty one.
        let mut pieces: Vec<&str> = v.split([',', ';']).map(names::visible).collect();
        // The list's end trimmed from its last tag; when that leaves nothing
        // (`v.v.`, `....`), from the tag before it too.
        while let Some(i) = pieces.iter().rposition(|p| !p.is_empty()) {
            pieces[i] = without_list_end(pieces[i]);
            if !pieces[i].is_empty() {
                break;
            }
        }
        let mut any = false;
        for piece in pieces {
            let tag = squash_spaces(piece);
            if tag.is_empty() {
                continue;
            }
            any = true;
            if self.full {
                continue;
            }
            let tag = bounded(
                if cuts { &mut *warnings } else { &mut unshown },
                n,
                "tag",
                tag,
                limits::TAG,
            );
            // One tag however it is spelled: the key the taxonomy matches by.
            match names::key(&tag) {
                key if self.seen.contains(&key) => continue,
                key => self.seen.push(key),
            }
            if self.list.len() == limits::TAGS {
                let warnings = if cuts { &mut *warnings } else { &mut unshown };
                warnings.push(Warning {
                    line: Some(n),
                    message: format!("more than {} tags: the rest are dropped", limits::TAGS),
                });
                self.full = true;
                continue;
            }
            self.list.push(tag);
        }
        if !any {
            warnings.push(no_value(
                n,
                label,
                "a tag",
                "the tags, separated by commas,",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Ho_Chi_Minh;

    fn src(id: &str) -> Source<'_> {
        Source {
            id,
            folder: Some("thoi-su"),
            modified: Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000)),
            tz: Ho_Chi_Minh,
        }
    }

    fn parse_ok(text: &str) -> Parsed {
        parse(text, &src("a/b")).unwrap()
    }

    #[test]
    fn the_sites_root_in_a_breadcrumb_is_dropped_though_an_invisible_character_crept_in() {
        for root in [
            "Trang n\u{ad}hất",
            "Trang \u{200b}nhất",
            "TRANG  NHẤT",
            "Trang chủ\u{200d}",
        ] {
            let text = BASIC.replace("Trang nhất", root);
            assert_eq!(
                parse_ok(&text).article.categories,
                ["Tin Tức", "Tin tức tổng hợp"],
                "{root:?}"
            );
        }
    }

    #[test]
    fn every_field_leaves_no_bidirectional_override_open() {
        let text = BASIC
            .replace("Tiêu đề bài", "Tiêu đề \u{202E}bài")
            .replace("thi đua, yêu nước", "thi \u{202E}đua, yêu nước\u{202C}")
            .replace("Trần Ngọc", "Trần \u{2067}Ngọc");
        let a = parse_ok(&text).article;
        assert_eq!(a.title, "Tiêu đề \u{202E}bài\u{202C}");
        // The override opened in one tag is closed in it; the stray closer
        // of the next goes.
        assert_eq!(a.tags, ["thi \u{202E}đua\u{202C}", "yêu nước"]);
        assert_eq!(a.author.as_deref(), Some("Trần \u{2067}Ngọc\u{2069}"));
    }

    /// A closer that closes nothing is dropped after the line's white space
    /// was collapsed: the spaces either side of it are one space all the same.
    #[test]
    fn a_stray_closer_between_spaces_leaves_one_space() {
        let text = BASIC
            .replace("Tiêu đề bài", "Tiêu \u{202C} đề bài \u{2069}")
            .replace("Đoạn dẫn.", "\u{2069} Đoạn \u{202C} dẫn.")
            .replace("Trần Ngọc", "Trần \u{202C} Ngọc");
        let a = parse_ok(&text).article;
        assert_eq!(a.title, "Tiêu đề bài");
        assert_eq!(a.summary, "Đoạn dẫn.");
        assert_eq!(a.author.as_deref(), Some("Trần Ngọc"));
    }

    /// A capture clock or a date line with a character that shows nothing
    /// pasted in (as web editors leave them) is read as it shows: the clock
    /// is not the title, the date line not the lead, and nothing falls back.
    #[test]
    fn a_date_with_a_character_that_shows_nothing_is_still_a_date() {
        for c in ["\u{200B}", "\u{200E}", "\u{AD}", "\u{2060}", "\u{200C}"] {
            let text = BASIC
                .replace("01:36 ICT", &format!("{c}01:36{c} ICT"))
                .replace(
                    "Chủ nhật - 10/05/2020",
                    &format!("Ch{c}ủ nhật - 10/05/2020{c}"),
                );
            let p = parse_ok(&text);
            assert!(p.warnings.is_empty(), "{c:?}: {:?}", p.warnings);
            let a = &p.article;
            assert_eq!(a.title, "Tiêu đề bài", "{c:?}");
            assert_eq!(a.summary, "Đoạn dẫn.", "{c:?}");
            assert_eq!(a.categories, ["Tin Tức", "Tin tức tổng hợp"], "{c:?}");
            assert_eq!(
                timestamp::rfc3339(&a.published),
                "2020-05-10T15:33:00+07:00",
                "{c:?}"
            );
            assert_eq!(
                a.captured.as_ref().map(timestamp::rfc3339).as_deref(),
                Some("2020-08-12T01:36:00+07:00"),
                "{c:?}"
            );
        }
    }

    /// Labels, the date lines' and the data lines', and end headings read
    /// as they show too, in the full parse and the head parse alike.
    #[test]
    fn labels_and_headings_with_a_character_that_shows_nothing_are_read() {
        let text = "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n\u{200B}Cập nh\u{AD}ật: 11/05/2020 09:00\n\
                    G\u{200D}ỡ bỏ:\u{200E} 12/05/2020 10:00 \u{2013} Sai số liệu\nDẫn.\n\
                    \u{200E}Tác giả: Trần Ngọc\nNguồn\u{200B}: Báo Điện Biên\u{200B}\n\
                    T\u{AD}ừ khóa: thi đua\nNhững tin \u{200B}mới hơn\nSau đó.\n";
        let p = parse_ok(text);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let a = &p.article;
        assert_eq!(
            a.updated.as_ref().map(timestamp::rfc3339).as_deref(),
            Some("2020-05-11T09:00:00+07:00")
        );
        let w = a.withdrawn.as_ref().unwrap();
        assert_eq!(timestamp::rfc3339(&w.at), "2020-05-12T10:00:00+07:00");
        assert_eq!(w.reason.as_deref(), Some("Sai số liệu"));
        assert_eq!(a.summary, "Dẫn.");
        assert!(a.paragraphs.is_empty(), "{:?}", a.paragraphs);
        assert_eq!(a.author.as_deref(), Some("Trần Ngọc"));
        assert_eq!(a.source.as_deref(), Some("Báo Điện Biên"));
        assert_eq!(a.tags, ["thi đua"]);
        let head = parse_raw(text, &src("a/b"), Depth::Head).unwrap();
        assert_eq!(head.article.updated, a.updated);
        assert_eq!(head.article.withdrawn, a.withdrawn);
        assert_eq!(head.article.author, a.author);
        assert_eq!(head.article.source, a.source);
        assert_eq!(head.article.tags, a.tags);
    }

    /// A header label typed with white space before its colon, with a
    /// full-width colon, or with `lúc` ("at") is read: the article is
    /// withdrawn or corrected, and the line is neither the lead nor a warning.
    #[test]
    fn a_header_label_with_spaces_before_its_colon_or_a_full_width_colon_is_read() {
        for label in [
            "Gỡ bỏ :",
            "Gỡ bỏ  :",
            "Gỡ bỏ\u{A0}:",
            "Gỡ bỏ\t:",
            "Gỡ bỏ \u{200B}:",
            "gỡ bỏ：",
            "GỠ BỎ ：",
            "Gỡ bỏ lúc:",
            "Gỡ bỏ lúc :",
            "Gỡ bỏ lúc：",
        ] {
            let text = format!(
                "Trang nhất » Thông báo\nThông báo lịch cắt điện\nChủ nhật - 10/05/2020 08:00\n\
                 {label} 11/05/2020 09:00 - Lịch đã thay đổi, sẽ đăng lại\nDẫn.\n"
            );
            let p = parse_ok(&text);
            assert!(p.warnings.is_empty(), "{label:?}: {:?}", p.warnings);
            let w = p.article.withdrawn.as_ref().expect(label);
            assert_eq!(
                timestamp::rfc3339(&w.at),
                "2020-05-11T09:00:00+07:00",
                "{label:?}"
            );
            assert_eq!(
                w.reason.as_deref(),
                Some("Lịch đã thay đổi, sẽ đăng lại"),
                "{label:?}"
            );
            assert_eq!(p.article.summary, "Dẫn.", "{label:?}");
            let head = parse_raw(&text, &src("a/b"), Depth::Head).unwrap();
            assert_eq!(head.article.withdrawn, p.article.withdrawn, "{label:?}");
        }
        for label in [
            "Cập nhật :",
            "Cập nhật\u{A0}:",
            "CẬP NHẬT：",
            "Cập nhật lúc :",
            "Cập nhật lúc\u{3000}：",
        ] {
            let text = format!(
                "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n{label} 11/05/2020 09:30\nDẫn.\n"
            );
            let p = parse_ok(&text);
            assert!(p.warnings.is_empty(), "{label:?}: {:?}", p.warnings);
            assert_eq!(
                p.article
                    .updated
                    .as_ref()
                    .map(timestamp::rfc3339)
                    .as_deref(),
                Some("2020-05-11T09:30:00+07:00"),
                "{label:?}"
            );
            assert_eq!(p.article.summary, "Dẫn.", "{label:?}");
        }
        // A bad date after such a label is named, as after `Gỡ bỏ:`.
        let p = parse_ok("Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nGỡ bỏ : sắp tới\nDẫn.\n");
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(
            p.warnings[0]
                .to_string()
                .starts_with("line 4: \"Gỡ bỏ:\" line without a date bantin reads (\"sắp tới\")"),
            "{:?}",
            p.warnings
        );
    }

    /// Author, source and tag labels, in every spelling, typed with white
    /// space before the colon or with a full-width colon, are read, in the
    /// full parse and the head parse alike.
    #[test]
    fn a_body_label_with_spaces_before_its_colon_or_a_full_width_colon_is_read() {
        for colon in [
            " :",
            "  :",
            "\u{A0}:",
            "\t:",
            " \u{200B} :",
            "：",
            " ：",
            "\u{202F}：",
        ] {
            for (author, source, tags) in [
                ("Tác giả", "Nguồn", "Từ khóa"),
                ("Tác giả bài viết", "Nguồn tin", "Từ khoá"),
                ("TÁC GIẢ", "NGUỒN TIN", "Tags"),
            ] {
                let text = format!(
                    "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nDẫn.\n\nThân bài.\n\n\
                     {author}{colon} Phòng Kinh doanh\n\n{source}{colon}Công ty Điện lực\n\n\
                     {tags}{colon} điện lực, lịch cắt điện\n"
                );
                let p = parse_ok(&text);
                let what = format!("{author}{colon:?}");
                assert!(p.warnings.is_empty(), "{what}: {:?}", p.warnings);
                let a = &p.article;
                assert_eq!(a.author.as_deref(), Some("Phòng Kinh doanh"), "{what}");
                assert_eq!(a.source.as_deref(), Some("Công ty Điện lực"), "{what}");
                assert_eq!(a.tags, ["điện lực", "lịch cắt điện"], "{what}");
                assert_eq!(a.paragraphs, ["Thân bài."], "{what}");
                let head = parse_raw(&text, &src("a/b"), Depth::Head).unwrap().article;
                assert_eq!(
                    (head.author, head.source, head.tags),
                    (a.author.clone(), a.source.clone(), a.tags.clone()),
                    "{what}"
                );
            }
        }
        // A line too long to be passed on by its length alone: the head
        // parse finds its full-width colon too.
        let text = format!(
            "Tiêu đề\n10/05/2020 15:33\nDẫn.\nTags\u{A0}：{}\n",
            ["thẻ"; 40].join(", ")
        );
        let head = parse_raw(&text, &src("a/b"), Depth::Head).unwrap().article;
        assert_eq!(head.tags, ["thẻ"]);
    }

    /// A sentence that starts with a label's words, but not with the label
    /// and its colon, is text, in the body and as the lead.
    #[test]
    fn a_sentence_that_starts_with_a_labels_words_is_text() {
        let sentences = [
            "Nguồn nước sạch được cung cấp: 24/24 giờ.",
            "Nguồn tin cho biết: sẽ có mưa lớn.",
            "Tác giả của công trình: ông Lò Văn Pọm.",
            "Tác giả bài viết này: một giáo viên.",
            "Từ khóa tìm kiếm: được nhiều người dùng.",
            "Tags và nhãn: không phải thẻ.",
            "Tác giảng viên: đọc sai vẫn là chữ.",
        ];
        for sentence in sentences {
            let text = format!("Tiêu đề\n10/05/2020 15:33\nDẫn.\n\n{sentence}\n");
            let a = parse_ok(&text).article;
            assert_eq!(a.paragraphs, [sentence], "{sentence}");
            assert_eq!((a.author, a.source), (None, None), "{sentence}");
            assert!(a.tags.is_empty(), "{sentence}");
        }
        // Under the date line, a lead that starts with a header label's words.
        for lead in [
            "Gỡ bỏ rào cản: doanh nghiệp được hỗ trợ.",
            "Gỡ bỏ lúc nào: chưa rõ.",
            "Cập nhật thông tin: 11/05/2020 09:00",
        ] {
            let text = format!("Tiêu đề\n10/05/2020 15:33\n{lead}\n");
            let p = parse_ok(&text);
            assert_eq!(p.article.summary, lead);
            assert_eq!(p.article.withdrawn, None, "{lead}");
            assert_eq!(p.article.updated, None, "{lead}");
        }
    }

    /// A withdrawal's reason may follow an en or em dash, or any other of
    /// the dashes a date line's parts may be separated by.
    #[test]
    fn a_withdrawal_reason_may_follow_a_dash() {
        for dash in timestamp::DASHES {
            let text = format!(
                "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n\
                 Gỡ bỏ: Thứ ba {dash} 12/05/2020 10:00 {dash} Sai\nDẫn.\n"
            );
            let p = parse_ok(&text);
            assert!(p.warnings.is_empty(), "{dash}: {:?}", p.warnings);
            let w = p.article.withdrawn.unwrap();
            assert_eq!(timestamp::rfc3339(&w.at), "2020-05-12T10:00:00+07:00");
            assert_eq!(w.reason.as_deref(), Some("Sai"));
        }
        // A character that shows nothing beside the dash hides nothing.
        for line in [
            "Gỡ bỏ: 12/05/2020 10:00 \u{200B}- Sai số liệu",
            "Gỡ bỏ: 12/05/2020 10:00 -\u{200B} Sai số liệu",
            "Gỡ bỏ: 12/05/2020 10:00\u{200E} \u{2013} Sai số liệu",
        ] {
            let text = format!("Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n{line}\nDẫn.\n");
            let p = parse_ok(&text);
            assert!(p.warnings.is_empty(), "{line:?}: {:?}", p.warnings);
            let w = p.article.withdrawn.expect(line);
            assert_eq!(timestamp::rfc3339(&w.at), "2020-05-12T10:00:00+07:00");
            assert_eq!(w.reason.as_deref(), Some("Sai số liệu"));
        }
        // The reason is read as it is from a line with nothing hidden.
        let line = |hidden: &str| {
            let text = format!(
                "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n\
                 Gỡ bỏ: 12/05/2020 10:00{hidden} - Sai  số ⚠\u{FE0F}\nDẫn.\n"
            );
            parse_ok(&text).article.withdrawn.unwrap().reason
        };
        assert_eq!(line("\u{200B}"), line(""));
        // And a date that is not one is named alike, hidden characters or not.
        for hidden in ["", "\u{200B}"] {
            let text = format!(
                "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n\
                 Gỡ bỏ: 31/04/2020 10:00 {hidden}- Sai\nDẫn.\n"
            );
            let p = parse_ok(&text);
            assert!(p.article.withdrawn.is_none());
            let message = &p.warnings.first().expect("a warning").message;
            assert!(
                message.contains("there is no day 31 in April 2020"),
                "{hidden:?}: {message}"
            );
        }
    }

    /// An en dash between date and time, as word processors write it, is
    /// read; a line in the date's place with a form no reader takes is named.
    #[test]
    fn an_en_dash_date_line_is_read_and_a_portals_label_is_named() {
        let p = parse_ok("Trang nhất » Tin\nTiêu đề\nThứ Hai, 08/06/2020 \u{2013} 14:30\nDẫn.\n");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(
            timestamp::rfc3339(&p.article.published),
            "2020-06-08T14:30:00+07:00"
        );
        assert_eq!(p.article.summary, "Dẫn.");
        let p = parse_ok("Trang nhất » Tin\nTiêu đề\nNgày đăng: 08/06/2020 14:30\nDẫn.\n");
        assert_eq!(p.article.summary, "Dẫn.");
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].line, Some(3));
        assert!(
            p.warnings[0].message.starts_with(
                "\"Ngày đăng: 08/06/2020 14:30\" is not a date: the words \"Ngày đăng\""
            ),
            "{:?}",
            p.warnings
        );
    }

    const BASIC: &str = "01:36 ICT Thứ tư, 12/08/2020\n\nTrang nhất » Tin Tức » Tin tức tổng hợp\n\nTiêu đề bài\n\nChủ nhật - 10/05/2020 15:33\nĐoạn dẫn.\nChú thích ảnh.\n\nChú thích ảnh.\n\nMột chú thích bị\nngắt dòng.\n\u{a0}\nĐoạn cuối.\n\nTác giả bài viết: Trần Ngọc\n\nNguồn tin: Dienbien.gov.vn\n\nTừ khóa: thi đua, yêu nước\n\nNhững tin mới hơn\n\nTin khác (11/05/2020)\n\nNhững tin cũ hơn\n";

    /// A bidi closer that closes nothing, dropped from between a letter and
    /// its tone mark in decomposed text, leaves the field composed (NFC) as
    /// the rest of the file is, at either depth: balancing comes after the
    /// line's normalising, so it composes again.
    #[test]
    fn a_stray_closer_between_a_letter_and_its_tone_mark_leaves_the_field_composed() {
        let text = BASIC
            .replace("Tiêu đề bài", "Ca\u{202C}\u{309} Mau")
            .replace("Trần Ngọc", "Ngo\u{2069}\u{323}c");
        for depth in [Depth::Full, Depth::Head] {
            let p = parse_raw(&text, &src("a/b"), depth).unwrap();
            assert_eq!(p.article.title, "Cả Mau", "{depth:?}");
            assert_eq!(p.article.author.as_deref(), Some("Ngọc"), "{depth:?}");
        }
    }

    /// A file's warnings are cut to the first [`WARNINGS_KEPT`] and one line
    /// counting the rest and the lines they span; at the limit, none is.
    #[test]
    fn warnings_past_the_limit_are_counted_in_one() {
        let at = |line: Option<usize>| Warning {
            line,
            message: "w".to_owned(),
        };
        let mut w: Vec<Warning> = (1..=WARNINGS_KEPT).map(|n| at(Some(n))).collect();
        assert_eq!(cap_warnings(&mut w), 0);
        assert_eq!(w.len(), WARNINGS_KEPT);
        for (extra, count, shown) in [
            (vec![at(Some(40))], 1, "1 more warning (line 40) not listed"),
            (
                vec![at(Some(40)), at(Some(40))],
                2,
                "2 more warnings (line 40) not listed",
            ),
            (
                vec![at(Some(41)), at(None), at(Some(30))],
                3,
                "3 more warnings (lines 30 to 41) not listed",
            ),
            (vec![at(None), at(None)], 2, "2 more warnings not listed"),
        ] {
            let mut w: Vec<Warning> = (1..=WARNINGS_KEPT)
                .map(|n| at(Some(n)))
                .chain(extra)
                .collect();
            assert_eq!(cap_warnings(&mut w), count);
            assert_eq!(w.len(), WARNINGS_KEPT + 1);
            assert_eq!(w[WARNINGS_KEPT - 1], at(Some(WARNINGS_KEPT)));
            let last = &w[WARNINGS_KEPT];
            assert_eq!(last.line, None);
            assert!(
                last.message
                    .starts_with(&format!("{shown} (a file lists its first 20)")),
                "{last}"
            );
        }
    }

    #[test]
    fn the_example_shape() {
        let p = parse_ok(BASIC);
        let a = &p.article;
        assert_eq!(a.categories, ["Tin Tức", "Tin tức tổng hợp"]);
        assert_eq!(a.title, "Tiêu đề bài");
        assert_eq!(
            timestamp::rfc3339(&a.published),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(
            a.captured.as_ref().map(timestamp::rfc3339).as_deref(),
            Some("2020-08-12T01:36:00+07:00")
        );
        assert_eq!(a.summary, "Đoạn dẫn.");
        assert_eq!(
            a.paragraphs,
            [
                "Chú thích ảnh.",
                "Một chú thích bị ngắt dòng.",
                "Đoạn cuối."
            ]
        );
        assert_eq!(a.author.as_deref(), Some("Trần Ngọc"));
        assert_eq!(a.source.as_deref(), Some("Dienbien.gov.vn"));
        assert_eq!(a.tags, ["thi đua", "yêu nước"]);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn newer_labels() {
        let text = BASIC
            .replace("Tác giả bài viết:", "Tác giả:")
            .replace("Từ khóa:", "Tags:");
        let a = parse_ok(&text).article;
        assert_eq!(a.author.as_deref(), Some("Trần Ngọc"));
        assert_eq!(a.tags, ["thi đua", "yêu nước"]);
    }

    #[test]
    fn boilerplate_never_content() {
        let text = "Tiêu đề\n10/05/2020 15:33\nDẫn.\nThân bài.\nTổng số điểm của bài viết là: 15 trong 3 đánh giá\nClick để đánh giá bài viết\nXếp hạng: 5 - 3 phiếu bầu\nĐánh giá bài viết\nGửi bài viết qua email\nIn ra\nLưu bài viết này\nTweet\nCác tin khác\nMột tin (12/05/2020)\nTheo dòng sự kiện\nXem tiếp...\nÝ kiến bạn đọc\nGửi bình luận\nFile đính kèm\nNhững tin cũ hơn\nCòn nữa.\n";
        let a = parse_ok(text).article;
        assert_eq!(a.summary, "Dẫn.");
        assert_eq!(a.paragraphs, ["Thân bài."]);
    }

    #[test]
    fn a_sentence_ending_in_a_date_in_parentheses_is_kept_when_it_stands_alone() {
        let sentence = "Nghị định có hiệu lực thi hành kể từ ngày ký (01/07/2020)";
        // Between paragraphs, and as the body's last line: text, kept.
        for text in [
            format!("Tiêu đề\n10/05/2020 15:33\nDẫn.\n\nĐiều 1.\n\n{sentence}\n\nĐiều 2.\n"),
            format!("Tiêu đề\n10/05/2020 15:33\nDẫn.\n\nĐiều 1.\n{sentence}\n"),
        ] {
            let a = parse_ok(&text).article;
            assert!(
                a.paragraphs.iter().any(|p| p.contains(sentence)),
                "{:#?}",
                a.paragraphs
            );
        }
        // Beside a heading, another item or a data line: an item of a list, dropped.
        for list in [
            format!("Các tin khác\n{sentence}"),
            format!("{sentence}\nHội chợ nông sản Phú Lộc (12/05/2020)"),
            format!("Đoạn.\n\n{sentence}\n\nTác giả: Trần Ngọc"),
            format!("Theo dòng sự kiện\n\n{sentence}\n\nĐoạn cuối."),
        ] {
            let text = format!("Tiêu đề\n10/05/2020 15:33\nDẫn.\n\n{list}\n");
            let a = parse_ok(&text).article;
            assert!(
                a.paragraphs
                    .iter()
                    .all(|p| !p.contains("(01/07/2020)") && !p.contains("Phú Lộc")),
                "{list}: {:#?}",
                a.paragraphs
            );
        }
    }

    #[test]
    fn missing_header_falls_back_to_folder_and_mtime() {
        let p = parse_ok("Tiêu đề\n\nDẫn.\n");
        assert_eq!(p.article.categories, ["thoi-su"]);
        assert_eq!(
            timestamp::rfc3339(&p.article.published),
            "2020-09-13T19:26:40+07:00"
        );
        assert_eq!(p.warnings.len(), 2);
        assert!(p.warnings[0].message.contains("folder name \"thoi-su\""));
        assert!(p.warnings[1].message.contains("modification time"));
    }

    #[test]
    fn no_date_line_uses_capture_clock() {
        let p = parse_ok("09:00 ICT Thứ tư, 12/08/2020\nTrang nhất » Tin\nTiêu đề\nDẫn.\n");
        assert_eq!(
            timestamp::rfc3339(&p.article.published),
            "2020-08-12T09:00:00+07:00"
        );
        assert!(p.warnings[0].message.contains("capture clock"));
    }

    #[test]
    fn weekday_mismatch_warns_with_line() {
        let p = parse_ok("Tiêu đề\nThứ hai - 10/05/2020 15:33\nDẫn.\n");
        assert_eq!(
            timestamp::rfc3339(&p.article.published),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
        assert_eq!(p.warnings[1].line, Some(2));
    }

    fn shown(p: &Parsed) -> Vec<String> {
        p.warnings.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn an_unreadable_date_line_is_reported_with_its_line_and_is_not_the_lead() {
        for (line, why) in [
            ("10/05/2020 24:00", "there is no hour 24"),
            ("29/02/2019 10:00", "2019 has no 29 February"),
            ("10/05/20 15:33", "the year \"20\" has 2 digits"),
            ("10/05/2020 3:33 PM", "12-hour times (\"PM\")"),
            (
                "9999-12-31T23:59:59-14:00",
                "in Asia/Ho_Chi_Minh it falls in the year 10000",
            ),
            (
                "Chủ nhật - 31/02/2020 15:33",
                "there is no day 31 in February 2020",
            ),
        ] {
            // The capture clock is the publication time, and the warning says so.
            let text = format!(
                "09:00 ICT Thứ tư, 12/08/2020\nTrang nhất » Tin\nTiêu đề\n\n{line}\nDẫn.\nThân bài.\n"
            );
            let p = parse_ok(&text);
            assert_eq!(p.article.summary, "Dẫn.", "{line}");
            assert_eq!(p.article.paragraphs, ["Thân bài."], "{line}");
            assert_eq!(
                timestamp::rfc3339(&p.article.published),
                "2020-08-12T09:00:00+07:00"
            );
            let w = shown(&p);
            assert_eq!(w.len(), 1, "{w:#?}");
            let start = format!("line 5: \"{line}\" is not a date: {why}");
            assert!(w[0].starts_with(&start), "{w:#?}");
            assert!(
                w[0].contains("; the publication time falls back to the capture clock: write"),
                "{w:#?}"
            );
            // Without a capture clock, the modification time, and the same line.
            let p = parse_ok(&format!("Trang nhất » Tin\nTiêu đề\n{line}\nDẫn.\n"));
            assert_eq!(p.article.summary, "Dẫn.", "{line}");
            assert_eq!(
                timestamp::rfc3339(&p.article.published),
                "2020-09-13T19:26:40+07:00"
            );
            let w = shown(&p);
            assert_eq!(w.len(), 1, "{w:#?}");
            assert!(w[0].starts_with("line 3: "), "{w:#?}");
            assert!(
                w[0].contains("falls back to the file's modification time"),
                "{w:#?}"
            );
            // The header parse reads it the same way.
            let head = parse_raw(&text, &src("a/b"), Depth::Head).unwrap();
            assert_eq!(head.warnings.len(), 1);
        }
        // A lead that starts with a date is a sentence, not a date line.
        let lead = "29/02/2019, UBND tỉnh đã tổ chức hội nghị.";
        let p = parse_ok(&format!(
            "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n{lead}\n"
        ));
        assert_eq!(p.article.summary, lead);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn a_date_line_after_an_unreadable_one_is_the_date_line() {
        let p = parse_ok("Trang nhất » Tin\nTiêu đề\n31/02/2020 10:00\n10/05/2020 15:33\nDẫn.\n");
        assert_eq!(
            timestamp::rfc3339(&p.article.published),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(p.article.summary, "Dẫn.");
        let w = shown(&p);
        assert_eq!(w.len(), 1, "{w:#?}");
        assert!(
            w[0].starts_with("line 3: \"31/02/2020 10:00\" is not a date: there is no day 31"),
            "{w:#?}"
        );
        assert!(w[0].contains("; the line is ignored: write"), "{w:#?}");
    }

    #[test]
    fn an_unreadable_capture_clock_is_reported_not_taken_as_the_title() {
        let p = parse_ok(
            "01:36 ICT Thứ tư, 31/02/2020\nTrang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nDẫn.\n",
        );
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.article.categories, ["Tin"]);
        assert_eq!(p.article.captured, None);
        let w = shown(&p);
        assert_eq!(w.len(), 1, "{w:#?}");
        assert!(
            w[0].starts_with(
                "line 1: \"01:36 ICT Thứ tư, 31/02/2020\" is not a date: there is no day 31"
            ),
            "{w:#?}"
        );
        assert!(
            w[0].contains("; the article has no capture clock: write"),
            "{w:#?}"
        );
    }

    #[test]
    fn an_unreadable_date_line_with_nothing_to_fall_back_on_rejects_the_file() {
        let s = Source {
            modified: None,
            ..src("x")
        };
        let e = parse("Tiêu đề\n29/02/2019 10:00\nDẫn.\n", &s).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: \"29/02/2019 10:00\" is not a date: 2019 has no 29 February \
             (it is not a leap year); and there is no capture clock or modification time \
             to fall back on"
        );
    }

    #[test]
    fn an_unreadable_date_line_and_an_mtime_out_of_range_say_both_and_what_to_do() {
        // `touch -d @253402300800`: 10000-01-01, past what a feed can carry.
        let s = Source {
            modified: Some(
                SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(253_402_300_800),
            ),
            ..src("x")
        };
        let e = parse("Tiêu đề\n29/02/2019 10:00\nDẫn.\n", &s).unwrap_err();
        let e = e.to_string();
        assert!(
            e.starts_with("line 2: \"29/02/2019 10:00\" is not a date: 2019 has no 29 February"),
            "{e}"
        );
        assert!(
            e.contains(
                "and there is no capture clock, and the file's modification time @253402300800 \
                 (seconds since 1970) is outside years 1–9999"
            ),
            "{e}"
        );
        assert!(
            e.contains("or give the file a real modification time (`touch FILE`)"),
            "{e}"
        );
        assert!(!e.contains("no capture clock or modification time"), "{e}");
    }

    #[test]
    fn a_correction_line_with_an_impossible_date_says_why() {
        let p = parse_ok(
            "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nGỡ bỏ: 31/02/2020 - nhầm ngày\nDẫn.\n",
        );
        let w = shown(&p);
        assert_eq!(w.len(), 1, "{w:#?}");
        assert!(
            w[0].starts_with(
                "line 4: \"Gỡ bỏ:\" line without a date bantin reads \
                 (\"31/02/2020 - nhầm ngày\": there is no day 31 in February 2020"
            ),
            "{w:#?}"
        );
    }

    #[test]
    fn a_date_far_after_the_modification_time_is_kept_with_a_warning() {
        // The test file was last modified at 2020-09-13T19:26:40+07:00.
        let p = parse_ok("Trang nhất » Tin\nTiêu đề\n10/05/9999 15:33\nDẫn.\n");
        assert_eq!(
            timestamp::rfc3339(&p.article.published),
            "9999-05-10T15:33:00+07:00"
        );
        assert_eq!(p.article.summary, "Dẫn.");
        assert_eq!(
            shown(&p),
            [
                "line 3: publication date 9999-05-10T15:33:00+07:00 is more than a day after \
              the file was last modified (2020-09-13T19:26:40+07:00); the date is kept, but \
              it puts the article above every other and moves its feeds' updated time: \
              check the year"
            ]
        );
        // A day is the limit, to the second.
        let within = parse_ok("Trang nhất » Tin\nTiêu đề\n2020-09-14T19:26:40+07:00\nDẫn.\n");
        assert!(within.warnings.is_empty(), "{:?}", within.warnings);
        let beyond = parse_ok("Trang nhất » Tin\nTiêu đề\n2020-09-14T19:26:41+07:00\nDẫn.\n");
        assert_eq!(beyond.warnings.len(), 1, "{:?}", beyond.warnings);
        // The capture clock, corrections and withdrawals too, each on its line.
        let p = parse_ok(
            "10:00 ICT 12/08/2030\nTrang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n\
             Cập nhật: 11/05/2031\nGỡ bỏ: 12/05/2032 - lý do\nDẫn.\n",
        );
        let w = shown(&p);
        assert_eq!(w.len(), 3, "{w:#?}");
        assert!(w[0].starts_with("line 1: capture clock 2030-08-12T10:00:00+07:00 is more"));
        assert!(
            w[0].ends_with("kept, but it puts the article first in the feed of changes and moves that feed's updated time (and, where it dates the article, puts it above every other): check the year"),
            "{w:#?}"
        );
        assert!(w[1].starts_with("line 5: correction date 2031-05-11T00:00:00+07:00 is more"));
        assert!(w[2].starts_with("line 6: withdrawal date 2032-05-12T00:00:00+07:00 is more"));
        // Each says what its date does: only a publication date moves the
        // article among the others.
        assert!(w[1].ends_with("kept, but it moves its feeds' updated time to it: check the year"));
        assert!(w[2].contains("the article is withdrawn now and its feeds' updated time moves"));
        assert!(
            w.iter().skip(1).all(|w| !w.contains("above every other")),
            "{w:#?}"
        );
        // Without a modification time there is nothing to compare with.
        let s = Source {
            modified: None,
            ..src("x")
        };
        let p = parse("Trang nhất » Tin\nTiêu đề\n10/05/9999 15:33\nDẫn.\n", &s).unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn a_modification_time_outside_years_1_to_9999_is_no_fallback() {
        let late = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(300_000_000_000);
        let s = Source {
            modified: Some(late),
            ..src("x")
        };
        let e = parse("Trang nhất » Tin\nTiêu đề\nDẫn.\n", &s);
        assert_eq!(
            e,
            Err(ArticleError::ModifiedNotADate {
                seconds: 300_000_000_000
            })
        );
        // With a date line the modification time is not needed, nor compared.
        let p = parse("Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nDẫn.\n", &s).unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    /// What stands where the title belongs and cannot be it: a copy of the
    /// capture clock, a date, a boilerplate line, a second breadcrumb. Each
    /// is skipped with a warning on its line; the title under it is read.
    #[test]
    fn what_stands_above_the_title_is_skipped_and_named() {
        // The capture clock written twice: the copy is skipped, and the
        // breadcrumb under it is still the breadcrumb.
        let p = parse_both(
            "01:36 ICT Thứ tư, 12/08/2020\n01:36 ICT Thứ tư, 12/08/2020\nTrang nhất » Tin Tức\n\n\
             Tiêu đề\n\nChủ nhật - 10/05/2020 15:33\nMở đầu.\n",
        );
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.article.categories, ["Tin Tức"]);
        assert_eq!(p.article.summary, "Mở đầu.");
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(
            p.warnings,
            [Warning {
                line: Some(2),
                message: "a copy of the capture clock on line 1; it is skipped: remove the line"
                    .into()
            }]
        );
        // The date line written above the title, none under it: it dates
        // the article.
        let p = parse_both("Trang nhất » Tin Tức\nChủ nhật - 10/05/2020 15:33\nTiêu đề\nMở đầu.\n");
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.article.summary, "Mở đầu.");
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].line, Some(2));
        assert_eq!(
            p.warnings[0].message,
            "\"Chủ nhật - 10/05/2020 15:33\" is a date above the title, where the title \
             belongs; it is read as the publication date, as no date line follows the title: \
             move it under the title"
        );
        // A boilerplate line above the title.
        let p = parse_both("Trang nhất » Tin Tức\nIn ra\nTiêu đề\n10/05/2020\nMo dau.\n");
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.article.summary, "Mo dau.");
        assert_eq!(
            p.warnings,
            [Warning {
                line: Some(2),
                message: "\"In ra\" is a boilerplate line above the title, where the title \
                          belongs; it is skipped: remove it"
                    .into()
            }]
        );
        // A second breadcrumb under the first is not the title.
        let p = parse_both(
            "Trang nhất » Tin Tức\nTrang nhất » Thời sự\n\nTiêu đề\n\nChủ nhật - 10/05/2020 15:33\n\
             Mở đầu.\n",
        );
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.article.categories, ["Tin Tức"]);
        assert_eq!(p.article.summary, "Mở đầu.");
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].line, Some(2));
        assert!(p.warnings[0].message.starts_with(
            "\"Trang nhất » Thời sự\" is another breadcrumb, under the one on line 1"
        ));
        // A date above the title that is after the file's modification
        // time is warned of as a date line's is, in line order.
        let p = parse_both("Trang nhất » Tin\n10/05/2099\nTiêu đề\nDẫn.\n");
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(2), Some(2)], "{:?}", p.warnings);
        assert!(p.warnings[1].message.contains("more than a day after"));
        // The title written twice: the copy is not the lead, and the date
        // line under it dates the article.
        let p = parse_both(
            "Trang nhất » Tin Tức\n\nTiêu đề\nTiêu đề\n\nChủ nhật - 10/05/2020 15:33\nMở đầu.\n",
        );
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.article.summary, "Mở đầu.");
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(
            p.warnings,
            [Warning {
                line: Some(4),
                message: "a copy of the title on line 3; it is skipped: remove the line".into()
            }]
        );
    }

    /// Parses `text` at both depths: the header-only parse gives the full
    /// one's fields but the lead and paragraphs, and the same warnings here
    /// (none of these files has a warning about its body).
    fn parse_both(text: &str) -> Parsed {
        let full = parse_ok(text);
        let head = parse_raw(text, &src("a/b"), Depth::Head).unwrap();
        let mut cut = full.article.clone();
        cut.summary.clear();
        cut.paragraphs.clear();
        assert_eq!(head.article, cut, "{text:?}");
        assert_eq!(head.warnings, full.warnings, "{text:?}");
        full
    }

    /// A title with a `»` in it, straight under the breadcrumb, is the
    /// title, as ever: only a line that starts at the site's root is a
    /// second breadcrumb.
    #[test]
    fn a_title_with_a_guillemet_under_the_breadcrumb_is_the_title() {
        for title in [
            "Phim «Mắt biếc» phá kỷ lục phòng vé",
            "Giá xăng » tăng",
            "Kinh tế » Nông nghiệp",
        ] {
            let text = format!(
                "01:36 ICT Thứ tư, 12/08/2020\nTrang nhất » Văn hóa\n{title}\n\
                 Chủ nhật - 10/05/2020 15:33\nDẫn đoạn một.\nĐoạn hai.\n"
            );
            let p = parse_both(&text);
            assert_eq!(p.article.title, title);
            assert_eq!(p.article.categories, ["Văn hóa"]);
            assert_eq!(p.article.summary, "Dẫn đoạn một.");
            assert_eq!(p.article.paragraphs, ["Đoạn hai."]);
            assert_eq!(
                p.article.published.to_rfc3339(),
                "2020-05-10T15:33:00+07:00"
            );
            assert_eq!(p.warnings, [], "{title:?}");
        }
        // One that starts at the root is a second breadcrumb.
        let p = parse_both(
            "Trang nhất » Văn hóa\nTrang chủ » Thời sự\nGiá xăng » tăng\n10/05/2020\nDẫn.\n",
        );
        assert_eq!(p.article.title, "Giá xăng » tăng");
        assert_eq!(p.article.categories, ["Văn hóa"]);
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(p.warnings[0].message.contains("is another breadcrumb"));
    }

    /// A line where the title belongs that looks like a date but is not
    /// one is skipped, never the title.
    #[test]
    fn an_unreadable_date_where_the_title_belongs_is_skipped() {
        let p = parse_both("Trang nhất » Tin\n31/04/2020 15:33\nTiêu đề\n10/05/2020\nDẫn.\n");
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.article.summary, "Dẫn.");
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].line, Some(2));
        assert!(
            p.warnings[0]
                .message
                .starts_with("\"31/04/2020 15:33\" is not a date")
                && p.warnings[0].message.contains(
                    "; it stands where the title belongs, and is skipped: write the date"
                ),
            "{:?}",
            p.warnings
        );
    }

    /// A date above the title and a line that looks like a date under it:
    /// each warning says where the publication date comes from.
    #[test]
    fn a_date_above_the_title_and_an_unreadable_date_line_agree() {
        let p = parse_both("Trang nhất » Tin\n10/05/2020 15:33\nTiêu đề\n31/04/2020\nDẫn.\n");
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(p.article.summary, "Dẫn.");
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(2), Some(4)], "{:?}", p.warnings);
        assert!(
            p.warnings[0].message.ends_with(
                "it is read as the publication date, as no date line under the title could be \
                 read: move it under the title"
            ),
            "{:?}",
            p.warnings
        );
        assert!(
            p.warnings[1]
                .message
                .contains("; the publication date is line 2's, above the title: write the date"),
            "{:?}",
            p.warnings
        );
    }

    /// A second breadcrumb under one with nothing after the root gives
    /// the categories; the folder is not used.
    #[test]
    fn a_second_breadcrumb_under_the_root_alone_gives_the_categories() {
        let p = parse_both("Trang nhất\nTrang nhất » Thời sự\nTiêu đề\n10/05/2020\nDẫn.\n");
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.article.categories, ["Thời sự"]);
        assert_eq!(
            p.warnings,
            [Warning {
                line: Some(2),
                message: "\"Trang nhất » Thời sự\" is another breadcrumb, under the one on \
                          line 1, which has nothing after the site's root; the categories are \
                          line 2's: remove line 1"
                    .into()
            }]
        );
        // A third one is skipped, the categories staying line 2's.
        let p = parse_both(
            "Trang nhất\nTrang nhất » Thời sự\nTrang nhất » Tin\nTiêu đề\n10/05/2020\nDẫn.\n",
        );
        assert_eq!(p.article.categories, ["Thời sự"]);
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
        assert!(p.warnings[1]
            .message
            .contains("under the one on line 2; it is skipped, and the categories are line 2's"));
    }

    /// A header line out of place above the breadcrumb leaves the
    /// breadcrumb the breadcrumb, never the title.
    #[test]
    fn a_breadcrumb_under_a_line_out_of_place_is_still_the_breadcrumb() {
        let p = parse_both(
            "01:36 ICT Thứ tư, 12/08/2020\n08:05 +07 T4, 12/08/2020\nTrang nhất » Tin Tức\n\
             Tiêu đề\nChủ nhật - 10/05/2020 15:33\nDẫn.\n",
        );
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.article.categories, ["Tin Tức"]);
        assert_eq!(p.article.summary, "Dẫn.");
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(
            p.article.captured.map(|c| c.to_rfc3339()).as_deref(),
            Some("2020-08-12T01:36:00+07:00")
        );
        assert_eq!(
            p.warnings,
            [
                Warning {
                    line: Some(2),
                    message: "\"08:05 +07 T4, 12/08/2020\" is a capture clock above the title, \
                              where the title belongs; it is ignored, as line 1 gives the \
                              capture clock: remove it"
                        .into()
                },
                Warning {
                    line: Some(3),
                    message: "\"Trang nhất » Tin Tức\" is the breadcrumb, out of place after \
                              \"08:05 +07 T4, 12/08/2020\" on line 2; it is read as the \
                              breadcrumb all the same: put it straight under the capture clock \
                              (or first, with no clock)"
                        .into()
                },
            ]
        );
        // Boilerplate above it; and a second breadcrumb further down is
        // skipped as one.
        let p = parse_both(
            "01:36 ICT Thứ tư, 12/08/2020\nIn ra\nTrang nhất » Tin Tức\nTrang nhất » Thời sự\n\
             Tiêu đề\n10/05/2020\nDẫn.\n",
        );
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.article.categories, ["Tin Tức"]);
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(2), Some(3), Some(4)], "{:?}", p.warnings);
        assert!(p.warnings[2]
            .message
            .contains("is another breadcrumb, under the one on line 3"));
        // A breadcrumb with nothing after the root: the folder all the same.
        let p = parse_both("01:36 ICT Thứ tư, 12/08/2020\nIn ra\nTrang nhất\nTiêu đề\nDẫn.\n");
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.article.categories, ["thoi-su"]);
        assert!(p.warnings.iter().any(
            |w| w.message == "no breadcrumb; using the folder name \"thoi-su\" as the category"
        ));
        // Only lines out of place, the breadcrumb last: no title, named.
        match parse(
            "01:36 ICT Thứ tư, 12/08/2020\nIn ra\nTrang nhất » Tin\n",
            &src("x"),
        ) {
            Err(ArticleError::NoTitleAt { line: 3, message }) => {
                assert!(message.contains("is a breadcrumb"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// A capture clock starts with its time and zone; a date line that
    /// starts with its time (a documented form) has no zone after it.
    #[test]
    fn a_date_that_starts_with_its_time_and_zone_is_shaped_as_a_clock() {
        for line in [
            "01:36 ICT Thứ tư, 12/08/2020",
            "08:05 +07 T2, 11/05/2020",
            "15:33 GMT+7 10/05/2020",
            "15h33 (GMT+7) 10/05/2020",
            "lúc 9h ICT, 10/05/2020",
        ] {
            assert!(timestamp::clock_shaped(line), "{line:?}");
        }
        for line in [
            "15:33 10/05/2020",
            "15h33 10/05/2020",
            "lúc 9h, 10/05/2020",
            "10:45 09/03/2023",
            "15:33 - 10/05/2020",
            "15:33 – 10/05/2020",
            "15:33, 10/05/2020",
            "Chủ nhật - 10/05/2020 15:33",
            "10/05/2020 15:33 +07",
            "10/05/2020",
            "2020-05-10T15:33:00+07:00",
            "Sun, 10 May 2020 15:33:00 +0700",
            "123:45 ICT 10/05/2020",
        ] {
            assert!(!timestamp::clock_shaped(line), "{line:?}");
        }
    }

    /// A title made of date words and one date, over its date line, is the
    /// title: only a line that looks like a date with no date under it is
    /// skipped where the title belongs.
    #[test]
    fn a_title_of_date_words_over_its_date_line_is_the_title() {
        for title in [
            "11 giờ 30 phút ngày 30/4/1975",
            "50 năm 30/4/1975",
            "Ngày 30/4/1975 – 50 năm",
            "19/8/1945 – 80 năm",
            "Ngày 19 tháng 8 năm 1945 – 80 năm",
        ] {
            let text = format!(
                "01:36 ICT Thứ tư, 12/08/2020\nTrang nhất » Tin Tức » Thời sự\n{title}\n\
                 Chủ nhật - 10/05/2020 15:33\nDẫn đoạn một.\nĐoạn hai.\n"
            );
            let p = parse_both(&text);
            assert_eq!(p.article.title, title);
            assert_eq!(p.article.summary, "Dẫn đoạn một.");
            assert_eq!(
                p.article.published.to_rfc3339(),
                "2020-05-10T15:33:00+07:00"
            );
            assert!(p.warnings.is_empty(), "{title}: {:?}", p.warnings);
        }
        // Blank lines between it and its date line change nothing; and with
        // no date line under it, a line of date words whose only fault is
        // that no date form reads it is still the title.
        for text in [
            "Trang nhất » Tin Tức\n\n11 giờ 30 phút ngày 30/4/1975\n\n\n\
             Chủ nhật - 10/05/2020 15:33\n\nDẫn đoạn một.\n",
            "01:36 ICT Thứ tư, 12/08/2020\nTrang nhất » Tin Tức\n11 giờ 30 phút ngày 30/4/1975\n\
             Dẫn đoạn một.\n",
        ] {
            let p = parse_both(text);
            assert_eq!(p.article.title, "11 giờ 30 phút ngày 30/4/1975", "{text}");
            assert_eq!(p.article.summary, "Dẫn đoạn một.", "{text}");
        }
        // With the title under it, such a line is a date with a typo, out
        // of place: skipped, and named.
        let p = parse_both(
            "01:36 ICT Thứ tư, 12/08/2020\nTrang nhất » Tin Tức\n31/04/2020 15:33\nTiêu đề\n\
             10/05/2020\nDẫn.\n",
        );
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].line, Some(3));
        assert!(p.warnings[0]
            .message
            .contains("it stands where the title belongs, and is skipped"));
    }

    /// A date line that starts with its time (`10:45 09/03/2023`, with no
    /// zone), written above the title, is the publication date out of
    /// place, not a second capture clock.
    #[test]
    fn a_time_first_date_line_above_the_title_is_the_publication_date() {
        let p = parse_both(
            "15:57 +07 Thứ Hai, 09/03/2020\nTrang nhất » Đầu tư » Dự án\n10:45 09/03/2020\n\
             Đưa vào vận hành nhà máy xử lý nước thải\nSáng 9/3, Ủy ban nhân dân tỉnh.\n",
        );
        assert_eq!(p.article.title, "Đưa vào vận hành nhà máy xử lý nước thải");
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-03-09T10:45:00+07:00"
        );
        assert_eq!(
            p.article.captured.map(|c| c.to_rfc3339()).as_deref(),
            Some("2020-03-09T15:57:00+07:00")
        );
        assert_eq!(
            p.warnings,
            [Warning {
                line: Some(3),
                message: "\"10:45 09/03/2020\" is a date above the title, where the title \
                          belongs; it is read as the publication date, as no date line follows \
                          the title: move it under the title"
                    .into()
            }]
        );
        // A second clock, zone and all, with no date line: ignored, and the
        // editor told it may be the publication date.
        let p = parse_both(
            "15:57 +07 Thứ Hai, 09/03/2020\nTrang nhất » Dự án\n10:45 +07 09/03/2020\n\
             Tiêu đề\nDẫn.\n",
        );
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-03-09T15:57:00+07:00"
        );
        assert_eq!(p.warnings[0].line, Some(3));
        assert!(p.warnings[0].message.ends_with(
            "it is ignored, as line 1 gives the capture clock: remove it (or, if it is the \
             publication date, move it under the title)"
        ));
    }

    /// A `»` that closes a `«` is a quotation mark, not a breadcrumb's:
    /// such a line is the title, wherever the breadcrumb may stand; a line
    /// with a `»` that parts levels is the breadcrumb there, whatever its
    /// first part.
    #[test]
    fn a_guillemet_closing_a_quotation_parts_no_breadcrumb() {
        for text in [
            "01:36 ICT Thứ tư, 12/08/2020\nPhim «Mắt biếc» phá kỷ lục phòng vé\n\
             Chủ nhật - 10/05/2020 15:33\nDẫn đoạn một.\nĐoạn hai.\n",
            // With no date line.
            "01:36 ICT Thứ tư, 12/08/2020\nPhim «Mắt biếc» phá kỷ lục phòng vé\n\
             Dẫn đoạn một.\nĐoạn hai.\n",
            // Below a line out of place.
            "01:36 ICT Thứ tư, 12/08/2020\nIn ra\nPhim «Mắt biếc» phá kỷ lục phòng vé\n\
             Chủ nhật - 10/05/2020 15:33\nDẫn đoạn một.\nĐoạn hai.\n",
            // First, over a date line with a mistake.
            "Phim «Mắt biếc» phá kỷ lục phòng vé\n31/04/2020 15:33\nDẫn đoạn một.\n\
             Đoạn hai.\n",
        ] {
            let p = parse_both(text);
            assert_eq!(
                p.article.title, "Phim «Mắt biếc» phá kỷ lục phòng vé",
                "{text}"
            );
            assert_eq!(p.article.categories, ["thoi-su"], "{text}");
            assert_eq!(p.article.summary, "Dẫn đoạn một.", "{text}");
        }
        // A breadcrumb that does not start at the root is one, in its place
        // or below a line out of place, over any title, and over a date
        // written above the title.
        for (text, title, summary) in [
            (
                "01:36 ICT Thứ tư, 12/08/2020\nKinh tế » Nông nghiệp\nTiêu đề\n10/05/2020\nDẫn.\n",
                "Tiêu đề",
                "Dẫn.",
            ),
            (
                "01:36 ICT Thứ tư, 12/08/2020\nIn ra\nKinh tế » Nông nghiệp\nTiêu đề\n\
                 10/05/2020\nDẫn.\n",
                "Tiêu đề",
                "Dẫn.",
            ),
            (
                "01:36 ICT Thứ tư, 12/08/2020\nKinh tế » Nông nghiệp\n\n\
                 11 giờ 30 phút ngày 30/4/1975\n\nChủ nhật - 10/05/2020 15:33\nDẫn.\n",
                "11 giờ 30 phút ngày 30/4/1975",
                "Dẫn.",
            ),
            (
                "01:36 ICT Thứ tư, 12/08/2020\nKinh tế » Nông nghiệp\n\
                 Chủ nhật - 10/05/2020 15:33\nTiêu đề\nDẫn.\n",
                "Tiêu đề",
                "Dẫn.",
            ),
        ] {
            let p = parse_both(text);
            assert_eq!(p.article.title, title, "{text}");
            assert_eq!(p.article.categories, ["Kinh tế", "Nông nghiệp"], "{text}");
            assert_eq!(p.article.summary, summary, "{text}");
            assert_eq!(
                p.article.published.to_rfc3339(),
                if text.contains("15:33") {
                    "2020-05-10T15:33:00+07:00"
                } else {
                    "2020-05-10T00:00:00+07:00"
                },
                "{text}"
            );
        }
    }

    /// A capture clock above the title, none on the first line: the capture
    /// clock, and the date line under the title the publication date.
    #[test]
    fn a_clock_above_the_title_is_the_capture_clock() {
        // A clock under the breadcrumb, and a date line under the title:
        // the date line dates it, and the clock is the capture clock.
        let p = parse_both(
            "Trang nhất » Tin Tức\n01:36 ICT Thứ tư, 12/08/2020\nTiêu đề\n10/05/2020\nMở đầu.\n",
        );
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-05-10T00:00:00+07:00"
        );
        assert_eq!(
            p.article.captured.map(|c| c.to_rfc3339()).as_deref(),
            Some("2020-08-12T01:36:00+07:00")
        );
        assert_eq!(
            p.warnings,
            [Warning {
                line: Some(2),
                message: "\"01:36 ICT Thứ tư, 12/08/2020\" is a capture clock above the title, \
                          where the title belongs; it is read as the capture clock, as the first \
                          line is none: move it to the file's first line"
                    .into()
            }]
        );
    }

    /// Dates above the title: one shaped as a capture clock is a capture
    /// clock out of place, never the publication date; the date nearest the
    /// title gives the publication date when no date line follows it.
    #[test]
    fn dates_above_the_title_are_told_apart() {
        // A clock and a date line above the title.
        let p = parse_both(
            "Trang nhất » Tin Tức\n01:36 ICT Thứ tư, 12/08/2020\nChủ nhật - 10/05/2020 15:33\n\
             Tiêu đề\nDẫn.\n",
        );
        assert_eq!(p.article.title, "Tiêu đề");
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(
            p.article.captured.map(|c| c.to_rfc3339()).as_deref(),
            Some("2020-08-12T01:36:00+07:00")
        );
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(2), Some(3)], "{:?}", p.warnings);
        assert!(p.warnings[0]
            .message
            .ends_with("it is read as the capture clock, as the first line is none: move it to the file's first line"));
        assert!(p.warnings[1]
            .message
            .ends_with("it is read as the publication date, as no date line follows the title: move it under the title"));
        // A clock alone above the title, none on line 1: the capture clock,
        // and the publication time falls back to it as ever.
        let p = parse_both("Trang nhất » Tin Tức\n01:36 ICT Thứ tư, 12/08/2020\nTiêu đề\nDẫn.\n");
        assert_eq!(
            p.article.captured.map(|c| c.to_rfc3339()).as_deref(),
            Some("2020-08-12T01:36:00+07:00")
        );
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-08-12T01:36:00+07:00"
        );
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
        assert!(p.warnings[0]
            .message
            .ends_with("move it to the file's first line"));
        assert_eq!(p.warnings[1].line, None);
        assert_eq!(p.warnings[1].message, Fallback::CaptureClock.no_date_line());
        // With a clock on line 1, another above the title is ignored: the
        // publication time falls back to line 1's.
        let p = parse_both(
            "01:36 ICT Thứ tư, 12/08/2020\nTrang nhất » Tin Tức\n08:05 +07 T2, 11/05/2020\n\
             Tiêu đề\nDẫn.\n",
        );
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-08-12T01:36:00+07:00"
        );
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
        assert!(p.warnings[0].message.ends_with(
            "it is ignored, as line 1 gives the capture clock: remove it (or, if it is the \
             publication date, move it under the title)"
        ));
        // A clock and a date line above the title and a date line under it:
        // the date line under it dates the article, and neither line above
        // is called the publication date.
        let p = parse_both(
            "Trang nhất » Tin Tức\n01:36 ICT Thứ tư, 12/08/2020\n11/05/2020\nTiêu đề\n\
             Chủ nhật - 10/05/2020 15:33\nDẫn.\n",
        );
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-05-10T15:33:00+07:00"
        );
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
        assert!(p.warnings[0]
            .message
            .ends_with("move it to the file's first line"));
        assert!(p.warnings[1].message.ends_with(
            "it is ignored, as the date line on line 5 gives the publication date: remove it"
        ));
        // Two dates above the title: the one nearest it.
        let p = parse_both("Trang nhất » Tin Tức\n11/05/2020\n10/05/2020 15:33\nTiêu đề\nDẫn.\n");
        assert_eq!(
            p.article.published.to_rfc3339(),
            "2020-05-10T15:33:00+07:00"
        );
        assert!(p.warnings[0]
            .message
            .ends_with("it is ignored, as line 3, the date nearest the title, gives the publication date: remove it"));
    }

    /// When what stands where the title belongs leaves no title, the
    /// rejection names the line that ended the search.
    #[test]
    fn no_title_names_the_line_that_ended_the_search() {
        let no_title_at = |text: &str| match parse(text, &src("x")) {
            Err(ArticleError::NoTitleAt { line, message }) => (line, message),
            other => panic!("{text:?}: {other:?}"),
        };
        let (line, message) =
            no_title_at("Trang nhất » Tin\n10/05/2020\nNhững tin cũ hơn\nTiêu đề\n");
        assert_eq!(line, 3);
        assert!(message.contains("is a navigation heading"), "{message}");
        let (line, message) = no_title_at("10/05/2020 15:33\n11/05/2020\n\n");
        assert_eq!(line, 2);
        assert!(
            message.starts_with(
                "no line after the header could be the title: the last, \"11/05/2020\", is a date"
            ),
            "{message}"
        );
        let (line, message) = no_title_at("Trang nhất » Tin\nIn ra\n");
        assert_eq!(line, 2);
        assert!(message.contains("is a boilerplate line"), "{message}");
        let (line, message) = no_title_at("Trang nhất » Tin\nTin khác (11/05/2020)\nTiêu đề\n");
        assert_eq!(line, 2);
        assert!(message.contains("related-news list"), "{message}");
        assert_eq!(
            ArticleError::NoTitleAt {
                line: 3,
                message: "why".into()
            }
            .to_string(),
            "line 3: no title: why"
        );
    }

    #[test]
    fn no_title() {
        let e = parse(
            "01:36 ICT Thứ tư, 12/08/2020\n\nTrang nhất » Tin\n\n",
            &src("x"),
        );
        assert_eq!(e, Err(ArticleError::NoTitle));
        assert_eq!(parse("  \n\u{a0}\n", &src("x")), Err(ArticleError::NoTitle));
        // A line that shows nothing (zero-width space, direction mark) is
        // blank: never an invisible title.
        assert_eq!(
            parse("\u{200B}\u{200E}\n\u{FEFF}\n", &src("x")),
            Err(ArticleError::NoTitle)
        );
        let p = parse(
            "Trang nhất » Tin tức\n\n\u{200B}\u{200E}\nTiêu đề thật\n10/05/2020 15:33\nNội dung.\n",
            &src("x"),
        )
        .unwrap();
        assert_eq!(p.article.title, "Tiêu đề thật");
    }

    #[test]
    fn no_date_at_all() {
        let s = Source {
            modified: None,
            ..src("x")
        };
        assert_eq!(parse("Tiêu đề\nDẫn.\n", &s), Err(ArticleError::NoDate));
    }

    #[test]
    fn sentence_ends() {
        for l in ["a.", "a!", "a?", "a:", "a…", "a.\"", "a.”", "(a.)"] {
            assert!(ends_sentence(l), "{l}");
        }
        for l in ["a", "a,", "a -", "\"a\""] {
            assert!(!ends_sentence(l), "{l}");
        }
    }

    #[test]
    fn cut_keeps_short_text_and_cuts_long_text_at_a_word() {
        assert_eq!(cut("Tin tức", 64), "Tin tức");
        assert!(matches!(cut("Tin tức", 64), Cow::Borrowed(_)));
        // 20 bytes of room: "Tin tức tổng" is 15 bytes, then "…" (3 bytes).
        assert_eq!(cut("Tin tức tổng hợp mới nhất", 20), "Tin tức tổng…");
        // Cut exactly at a word's end.
        assert_eq!(cut("abc def", 6), "abc…");
        // No space in the first half of the room: a character boundary.
        let word = "đ".repeat(100);
        let c = cut(&word, 64);
        assert!(c.len() <= 64 && c.ends_with('…'), "{c}");
        assert_eq!(c.trim_end_matches('…').chars().count(), 30);
        for max in 0..40 {
            let c = cut("Điện Biên Phủ, ngày 10 tháng 5", max);
            assert!(c.len() <= max.max(3), "{max}: {c:?}");
        }
    }

    #[test]
    fn a_cut_closes_what_it_leaves_open_within_its_limit() {
        // An override opened early, closed at the very end: the cut keeps the opener.
        let lead = format!(
            "Dẫn \u{202E}đảo ngược {}hết.\u{202C}",
            "chữ dài ".repeat(400)
        );
        for max in [64, 256, 2048] {
            let c = cut(&lead, max);
            assert!(c.len() <= max, "{max}: {} bytes", c.len());
            assert_eq!(c.matches('\u{202E}').count(), 1, "{max}");
            assert_eq!(c.matches('\u{202C}').count(), 1, "{max}");
            assert!(c.ends_with("\u{202C}…"), "{max}: {c:?}");
            assert_eq!(crate::text::balance_bidi(c.to_string()), c, "{max}");
        }
        // An isolate and an embedding inside it, both cut open.
        let nested = format!("\u{2067}א \u{202B}{}\u{202C}\u{2069}", "ב ".repeat(200));
        let c = cut(&nested, 100);
        assert!(c.len() <= 100, "{} bytes", c.len());
        assert_eq!(crate::text::balance_bidi(c.to_string()), c);
        assert!(c.ends_with("\u{202C}\u{2069}…"), "{c:?}");
        // An author at the limit: the closer counts within it.
        let author = format!("\u{202E}{}", "Nguyễn Văn A ".repeat(40));
        let balanced = crate::text::balance_bidi(author);
        let c = cut(&balanced, limits::PERSON);
        assert!(c.len() <= limits::PERSON, "{} bytes", c.len());
        assert_eq!(crate::text::balance_bidi(c.to_string()), c);
    }

    #[test]
    fn an_author_cut_with_an_override_open_stays_closed_within_the_limit() {
        let text = format!(
            "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nDẫn.\nTác giả: Trần \u{202E}{}\n",
            "Nguyễn Văn A ".repeat(30),
        );
        let p = parse_ok(&text);
        let author = p.article.author.expect("an author");
        assert!(author.len() <= limits::PERSON, "{} bytes", author.len());
        assert_eq!(author.matches('\u{202C}').count(), 1, "{author:?}");
        assert_eq!(crate::text::balance_bidi(author.clone()), author);
    }

    #[test]
    fn a_title_line_too_long_is_cut_and_kept_whole_as_the_lead() {
        let line = "Thành phố Điện Biên Phủ với các phong trào thi đua ".repeat(100);
        let text = format!("Trang nhất » Tin\n{line}\n10/05/2020 15:33\nĐoạn dẫn.\n");
        let p = parse_ok(&text);
        let a = &p.article;
        assert!(a.title.len() <= limits::TITLE, "{}", a.title.len());
        assert!(a.title.starts_with("Thành phố Điện Biên Phủ với"));
        // Cut at a word boundary: what is kept is whole words of the line.
        let kept = a.title.strip_suffix('…').unwrap();
        assert!(line[kept.len()..].starts_with(' '), "{}", a.title);
        assert!(line.starts_with(kept));
        assert_eq!(a.summary, line.trim_end());
        assert_eq!(a.paragraphs, ["Đoạn dẫn."]);
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].line, Some(2));
        assert!(p.warnings[0]
            .message
            .starts_with("title is 6499 bytes, over the 1024-byte limit"));
        assert_eq!(p.warnings[1].line, Some(2));
        assert!(p.warnings[1].message.contains("the lead is 6499 bytes"));
        // The header parse gives the same title and the header's warning only.
        let head = parse_raw(&text, &src("a/b"), Depth::Head).unwrap();
        assert_eq!(head.article.title, a.title);
        assert_eq!(head.warnings, p.warnings[..1]);
    }

    #[test]
    fn header_and_data_fields_are_bounded_with_a_warning_naming_the_line() {
        let long_name = "Chuyên mục ".repeat(20);
        let crumbs = (1..=40)
            .map(|i| format!("Mục {i}"))
            .collect::<Vec<_>>()
            .join(" » ");
        let tags: Vec<String> = (1..=40).map(|i| format!("thẻ {i}")).collect();
        let text = format!(
            "Trang nhất » {long_name} » {crumbs}\nTiêu đề\n10/05/2020 15:33\nDẫn.\n\
             Tác giả: {}\nNguồn tin: {}\nTừ khóa: {}, {}\n",
            "Nguyễn Văn A ".repeat(30),
            "Cổng thông tin ".repeat(30),
            "rất dài ".repeat(30),
            tags.join(", "),
        );
        let p = parse_ok(&text);
        let a = &p.article;
        assert_eq!(a.categories.len(), limits::CATEGORY_DEPTH);
        assert!(a.categories[0].len() <= limits::CATEGORY);
        assert!(a.categories[0].starts_with("Chuyên mục Chuyên mục"));
        assert_eq!(a.categories[1], "Mục 1");
        assert!(a.author.as_ref().unwrap().len() <= limits::PERSON);
        assert!(a.source.as_ref().unwrap().len() <= limits::PERSON);
        assert_eq!(a.tags.len(), limits::TAGS);
        assert!(a.tags[0].len() <= limits::TAG && a.tags[0].starts_with("rất dài"));
        assert_eq!(a.tags[1], "thẻ 1");
        let shown: Vec<String> = p.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 6, "{shown:#?}");
        assert!(shown[0].starts_with("line 1: breadcrumb has 41 levels, over the limit of 32"));
        assert!(shown[1].starts_with("line 1: category name is 279 bytes, over the 128-byte"));
        assert!(shown[2].starts_with("line 5: author is 479 bytes, over the 256-byte limit"));
        assert!(shown[3].starts_with("line 6: source is"));
        assert!(shown[4].starts_with("line 7: tag is"));
        assert!(shown[5].starts_with("line 7: more than 32 tags"));
    }

    #[test]
    fn a_long_body_line_may_be_a_label_or_an_end_only_as_they_can_be() {
        let paragraph = "tỉnh đã làm được nhiều việc ".repeat(20);
        assert!(!may_end_or_label(&format!("Những ngày qua {paragraph}")));
        // A colon too far from the start for a label's.
        assert!(!may_end_or_label(&format!("Những ngày qua {paragraph}: x")));
        assert!(may_end_or_label(&format!("Từ khóa: {}", "a, ".repeat(100))));
        // The heading, long only with what normalising drops and what shows nothing.
        let hidden = "\u{200b}".repeat(100);
        assert!(may_end_or_label(&format!("Những tin\u{1}{hidden} mới hơn")));
        assert!(!may_end_or_label(&format!(
            "Những tin\u{1}{hidden} mới hơn {paragraph}"
        )));
        // Escape sequences: printable ASCII, more than MAX, that normalising drops.
        let colours = "\u{1b}[0m".repeat(70);
        assert!(may_end_or_label(&format!("Những tin cũ hơn{colours}")));
        assert!(!may_end_or_label(&format!(
            "Những tin{colours} {paragraph}"
        )));
    }

    #[test]
    fn every_label_and_end_heading_starts_with_an_ascii_letter() {
        // What lets `starts_like_label_or_end` look at one character.
        for l in [AUTHOR_LABELS, SOURCE_LABELS, TAG_LABELS, END_HEADINGS].concat() {
            assert!(l.as_bytes()[0].is_ascii_lowercase(), "{l}");
        }
        // What lets it decide on a line's first character as written when
        // that is printable ASCII or a precomposed Latin letter: normalising
        // keeps it, and it shows.
        let first = (0x21..=0x7E).chain(0xC0..=0x24F).chain(0x1E00..=0x1EFF);
        for c in first.filter_map(char::from_u32) {
            let shown = crate::text::kept(c) && !names::invisible(c) && !c.is_whitespace();
            assert!(shown, "U+{:04X}", c as u32);
        }
        assert!(!starts_like_label_or_end("Đồng chí Tác giả: x"));
        assert!(!starts_like_label_or_end("\"Tác giả\": x"));
        assert!(starts_like_label_or_end(" \u{1}\u{a0}TAGS: x"));
        assert!(starts_like_label_or_end("\tNhững tin cũ hơn"));
        // A byte order mark is dropped by normalising, as the controls are.
        assert!(starts_like_label_or_end("\u{feff}Tags: x"));
        assert!(starts_like_label_or_end("\u{85}T\u{7f}ags: x"));
        // An escape sequence goes whole, as normalising drops it; VT is a space.
        assert!(starts_like_label_or_end("\u{1b}[1;31mT\u{1b}[0mác giả: x"));
        assert!(!starts_like_label_or_end("T\u{b}ác giả: x"));
        assert!(!starts_like_label_or_end("Ông Tác giả: x"));
        assert!(!starts_like_label_or_end(" \u{1} "));
        // The second letter, composed or not, in either case.
        assert!(starts_like_label_or_end("Ta\u{301}c gia\u{309}: x"));
        assert!(starts_like_label_or_end("TỪ KHÓA: x"));
        assert!(starts_like_label_or_end("Nh\u{1}ững tin mới hơn"));
        assert!(!starts_like_label_or_end("Theo báo Nhân Dân: x"));
        assert!(!starts_like_label_or_end("T ác giả: x"));
        assert!(!starts_like_label_or_end("T"));
        // Decided on the first two characters as written, or looked at closer.
        assert!(starts_like_label_or_end("TÁC GIẢ: x"));
        assert!(starts_like_label_or_end("T\u{200b}ác giả: x"));
        assert!(!starts_like_label_or_end("Tóm lại: x"));
        assert_eq!(
            LABEL_STARTS[..],
            [('n', 'g'), ('n', 'h'), ('t', 'a'), ('t', 'u')]
        );
        for l in [AUTHOR_LABELS, SOURCE_LABELS, TAG_LABELS].concat() {
            let with_colon = l.len() + COLONS.iter().map(|c| c.len_utf8()).max().unwrap();
            assert!(with_colon <= LABEL_SPAN, "{l}");
        }
        let far = format!("Tác {}: x", "chữ ".repeat(60));
        assert!(!may_end_or_label(&far));
        let near = format!("TAGS  \u{a0}:{}", " chữ".repeat(60));
        assert!(may_end_or_label(&near));
    }

    #[test]
    fn the_header_only_parse_finds_lines_that_normalising_makes_short() {
        // Forbidden characters and white space that normalising and squashing
        // drop: the end heading still ends the article, the label still counts.
        let pad = "\u{1}\u{ffff} \u{a0}".repeat(60);
        let text = format!(
            "Tiêu đề\n10/05/2020 15:33\nDẫn.\n\n{pad}Tags: một\n\
             Những tin cũ hơn{pad}\nTác giả: Không\n"
        );
        let head = parse_raw(&text, &src("a/b"), Depth::Head).unwrap().article;
        let full = parse_raw(&text, &src("a/b"), Depth::Full).unwrap().article;
        assert_eq!(head.tags, ["một"]);
        assert_eq!(head.author, None);
        assert_eq!((head.tags, head.author), (full.tags, full.author));
    }

    #[test]
    fn a_long_tag_list_is_read_in_linear_time() {
        // 200k distinct tags: quadratic deduplication would take minutes.
        let tags: Vec<String> = (0..200_000).map(|i| format!("t{i}")).collect();
        let text = format!(
            "Tiêu đề\n10/05/2020 15:33\nDẫn.\nTags: {}\n",
            tags.join(",")
        );
        let a = parse_ok(&text).article;
        assert_eq!(a.tags.len(), limits::TAGS);
    }

    #[test]
    fn tags_are_deduplicated_case_insensitively() {
        let a =
            parse_ok("Tiêu đề\n10/05/2020 15:33\nDẫn.\nTags: Du lịch; du lịch, , Lễ hội\n").article;
        assert_eq!(a.tags, ["Du lịch", "Lễ hội"]);
    }

    #[test]
    fn tags_are_deduplicated_by_their_name_key() {
        // Both tone mark placements, and a zero-width space: one tag each,
        // the first spelling kept.
        let a = parse_ok(
            "Tiêu đề\n10/05/2020 15:33\nDẫn.\n\
             Từ khoá: thủy sản, thuỷ sản, Hà Nội\u{200b}; Hà Nội, hoà, hoá, hoa\n",
        )
        .article;
        assert_eq!(a.tags, ["thủy sản", "Hà Nội", "hoà", "hoá", "hoa"]);
    }

    #[test]
    fn a_value_of_only_invisible_characters_is_no_value() {
        let text = "Trang nhất » \u{200b} » Y tế\u{200b}\nTiêu đề\n10/05/2020 15:33\nDẫn.\n\
             Tác giả: \u{200b}\u{ad}\nTừ khóa: \u{200b}, \u{2060} \u{200b}, \u{feff}Lễ hội\u{200e}, \u{202e}Tết\n";
        let p = parse_ok(text);
        let a = &p.article;
        // The invisible level is an empty one: dropped, no warning.
        assert_eq!(a.categories, ["Y tế"]);
        assert_eq!(a.author, None);
        // What shows nothing at either end of a tag is trimmed.
        assert_eq!(a.tags, ["Lễ hội", "Tết"]);
        // The author line is as good as empty: named, as an empty one is.
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(
            p.warnings[0]
                .to_string()
                .starts_with("line 5: \"Tác giả:\" line without a name"),
            "{:?}",
            p.warnings
        );
        // A breadcrumb of only invisible levels is none: the folder's name.
        let p = parse_ok("Trang nhất » \u{200b}\nTiêu đề\n10/05/2020 15:33\nDẫn.\n");
        assert_eq!(p.article.categories, ["thoi-su"]);
        assert!(
            p.warnings[0].message.starts_with("no breadcrumb"),
            "{:?}",
            p.warnings
        );
    }

    const MARKED: &str = "Trang nhất » Tin\nTiêu đề\nChủ nhật - 10/05/2020 15:33\n\
        Cập nhật: 11/05/2020 09:00\nCập nhật lúc: 12/05/2020 - 08h15\nCập nhật: 10/05/2020 16:00\n\
        Gỡ bỏ: Thứ tư - 13/05/2020 10:00 - Sai số liệu - đã đính chính\n\
        Đoạn dẫn.\nCập nhật: 14/05/2020 09:00\n\nGỡ bỏ: 15/05/2020\n";

    #[test]
    fn correction_and_withdrawal_lines_between_title_and_lead() {
        let p = parse_ok(MARKED);
        let a = &p.article;
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        // The latest correction wins, whatever the order of the lines.
        assert_eq!(
            a.updated.as_ref().map(timestamp::rfc3339).as_deref(),
            Some("2020-05-12T08:15:00+07:00")
        );
        let w = a.withdrawn.as_ref().unwrap();
        assert_eq!(timestamp::rfc3339(&w.at), "2020-05-13T10:00:00+07:00");
        assert_eq!(w.reason.as_deref(), Some("Sai số liệu - đã đính chính"));
        // Under the lead the same words are body text.
        assert_eq!(a.summary, "Đoạn dẫn.");
        assert_eq!(
            a.paragraphs,
            ["Cập nhật: 14/05/2020 09:00", "Gỡ bỏ: 15/05/2020"]
        );
        // They are header fields: the head parse has them too.
        let head = parse_raw(MARKED, &src("a/b"), Depth::Head).unwrap();
        assert_eq!(head.article.updated, a.updated);
        assert_eq!(head.article.withdrawn, a.withdrawn);
    }

    #[test]
    fn the_lines_may_come_before_the_date_line_and_without_one() {
        let a = parse_ok("Tiêu đề\nGỡ bỏ: 13/05/2020\n10/05/2020 15:33\nDẫn.\n").article;
        assert_eq!(
            timestamp::rfc3339(&a.published),
            "2020-05-10T15:33:00+07:00"
        );
        let w = a.withdrawn.unwrap();
        assert_eq!(timestamp::rfc3339(&w.at), "2020-05-13T00:00:00+07:00");
        assert_eq!(w.reason, None);
        assert_eq!(a.summary, "Dẫn.");
        // Without a date line (the capture clock is the publication time).
        let p =
            parse_ok("09:00 ICT Thứ tư, 12/08/2020\nTiêu đề\nCập nhật: 13/08/2020 10:00\nDẫn.\n");
        assert_eq!(
            p.article
                .updated
                .as_ref()
                .map(timestamp::rfc3339)
                .as_deref(),
            Some("2020-08-13T10:00:00+07:00")
        );
        assert_eq!(p.article.summary, "Dẫn.");
    }

    #[test]
    fn bad_correction_and_withdrawal_lines_are_warnings_never_rejections() {
        let text = "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nCập nhật: hôm qua\nCập nhật: 09/05/2020\n\
                    Gỡ bỏ: sắp tới - vì sao\nCập nhật: 11/05/2020\nDẫn.\n";
        let p = parse_ok(text);
        let shown: Vec<String> = p.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:#?}");
        assert!(
            shown[0].starts_with(
                "line 4: \"Cập nhật:\" line without a date bantin reads (\"hôm qua\")"
            ),
            "{shown:#?}"
        );
        assert!(
            shown[2].starts_with("line 6: \"Gỡ bỏ:\" line without a date"),
            "{shown:#?}"
        );
        assert!(
            shown[1].starts_with(
                "line 5: correction dated 2020-05-09T00:00:00+07:00 is before the publication date"
            ),
            "{shown:#?}"
        );
        assert_eq!(
            p.article
                .updated
                .as_ref()
                .map(timestamp::rfc3339)
                .as_deref(),
            Some("2020-05-11T00:00:00+07:00")
        );
        assert_eq!(p.article.withdrawn, None);
        assert_eq!(p.article.summary, "Dẫn.");
    }

    #[test]
    fn a_withdrawal_dated_before_publication_warns_and_still_withdraws() {
        let text = "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n\
                    Gỡ bỏ: 01/05/2020 10:00 - A\nCập nhật: 09/05/2020\nCập nhật: hôm qua\nDẫn.\n";
        let p = parse_ok(text);
        assert_eq!(
            shown(&p),
            [
                "line 4: withdrawal dated 2020-05-01T10:00:00+07:00 is before the publication \
                 date 2020-05-10T15:33:00+07:00; the article is withdrawn all the same, at \
                 that date: fix whichever date is wrong",
                "line 5: correction dated 2020-05-09T00:00:00+07:00 is before the publication \
                 date 2020-05-10T15:33:00+07:00; the line is ignored: fix whichever date is wrong",
                "line 6: \"Cập nhật:\" line without a date bantin reads (\"hôm qua\"); the line \
                 is ignored: write the date as on the date line (see Dates in \
                 docs/store-format.md)",
            ]
        );
        let w = p.article.withdrawn.as_ref().expect("still withdrawn");
        assert_eq!(timestamp::rfc3339(&w.at), "2020-05-01T10:00:00+07:00");
        assert_eq!(w.reason.as_deref(), Some("A"));
        assert_eq!(p.article.updated, None);
        // The publication time is the latest change the article had.
        assert_eq!(p.article.changed(), p.article.published);
        // With a later one too, the latest wins, and only the early one warns.
        let p = parse_ok(
            "Trang nhất » Tin\nTiêu đề\nGỡ bỏ: 01/05/2020\nGỡ bỏ: 12/05/2020 - B\n\
             10/05/2020 15:33\nDẫn.\n",
        );
        let w = shown(&p);
        assert_eq!(w.len(), 1, "{w:#?}");
        assert!(
            w[0].starts_with("line 3: withdrawal dated 2020-05-01"),
            "{w:#?}"
        );
        let at = p
            .article
            .withdrawn
            .as_ref()
            .map(|w| timestamp::rfc3339(&w.at));
        assert_eq!(at.as_deref(), Some("2020-05-12T00:00:00+07:00"));
        // The head parse reads the same.
        let head = parse_raw(text, &src("a/b"), Depth::Head).unwrap();
        assert_eq!(head.warnings.len(), 3);
    }

    #[test]
    fn a_long_reason_is_cut() {
        let text = format!(
            "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nGỡ bỏ: 11/05/2020 - {}\nDẫn.\n",
            "lý do rất dài ".repeat(100)
        );
        let p = parse_ok(&text);
        let reason = p.article.withdrawn.unwrap().reason.unwrap();
        assert!(
            reason.len() <= limits::REASON && reason.ends_with('…'),
            "{reason}"
        );
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].line, Some(4));
    }

    /// A bad line's warning names its label as the line writes it, `lúc`
    /// included, in the label's usual spelling.
    #[test]
    fn a_bad_lines_warning_names_its_label_as_written() {
        for (line, label) in [
            ("Gỡ bỏ lúc: sắp tới", "Gỡ bỏ lúc:"),
            ("GỠ BỎ LÚC : sắp tới - vì sao", "Gỡ bỏ lúc:"),
            ("gỡ bỏ: sắp tới", "Gỡ bỏ:"),
            ("Cập nhật lúc：hôm qua", "Cập nhật lúc:"),
            ("CẬP NHẬT: hôm qua", "Cập nhật:"),
        ] {
            let text = format!("Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n{line}\nDẫn.\n");
            let w = shown(&parse_ok(&text));
            assert_eq!(w.len(), 1, "{line}: {w:#?}");
            let named = format!("line 4: \"{label}\" line without a date bantin reads (");
            assert!(w[0].starts_with(&named), "{line}: {w:#?}");
        }
    }

    /// A header label's words followed, with no colon, by a date bantin
    /// reads: most likely the line with its colon forgotten, but a sentence
    /// may start so, so it is not applied; it is kept as text (the lead), and
    /// a warning names it, after the date line or before it, and the header
    /// lines after it are read as such.
    #[test]
    fn a_correction_or_withdrawal_line_missing_its_colon_is_named_and_kept_as_text() {
        let withdrawal = |label: &str| {
            format!(
                "looks like a withdrawal line missing its colon; the line is kept as text, and \
                 the article is not withdrawn: write \"{label}\" to withdraw it (see \
                 Corrections and withdrawals in docs/store-format.md)"
            )
        };
        let correction = |label: &str| {
            format!(
                "looks like a correction line missing its colon; the line is kept as text, and \
                 the article is not marked corrected: write \"{label}\" to date its correction \
                 (see Corrections and withdrawals in docs/store-format.md)"
            )
        };
        for (line, then) in [
            (
                "Gỡ bỏ lúc 12/05/2020 10:00 - lý do",
                withdrawal("Gỡ bỏ lúc:"),
            ),
            ("Gỡ bỏ 12/05/2020 10:00", withdrawal("Gỡ bỏ:")),
            (
                "gỡ\u{AD} bỏ\u{200B} Thứ ba - 12/05/2020 10:00 - Sai số liệu",
                withdrawal("Gỡ bỏ:"),
            ),
            (
                "Gỡ bỏ 12/05/2020 - 15/05/2020 lệnh phong tỏa được dỡ bỏ",
                withdrawal("Gỡ bỏ:"),
            ),
            ("Cập nhật lúc 11/05/2020 09:30", correction("Cập nhật lúc:")),
            ("CẬP NHẬT 11/05/2020", correction("Cập nhật:")),
            ("Cập nhật 11/05/2020 09:30", correction("Cập nhật:")),
        ] {
            // Above the date line too, where a correction line missing its
            // colon alone reads as a date line with words too many: a date
            // line read later says it is not one.
            let cases = [
                (
                    format!("Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n{line}\nCập nhật: 11/05/2020 10:00\nDẫn.\n"),
                    4,
                ),
                (
                    format!("Trang nhất » Tin\nTiêu đề\n{line}\n10/05/2020 15:33\nCập nhật: 11/05/2020 10:00\nDẫn.\n"),
                    3,
                ),
            ];
            for (text, n) in cases {
                let p = parse_ok(&text);
                assert_eq!(
                    shown(&p),
                    [format!("line {n}: \"{line}\" {then}")],
                    "{text}"
                );
                let a = &p.article;
                assert_eq!(&a.withdrawn, &None, "{text}");
                assert_eq!(
                    a.updated.map(|u| timestamp::rfc3339(&u)).as_deref(),
                    Some("2020-05-11T10:00:00+07:00"),
                    "{text}"
                );
                assert_eq!(
                    timestamp::rfc3339(&a.published),
                    "2020-05-10T15:33:00+07:00",
                    "{text}"
                );
                assert_eq!(a.summary, line, "{text}");
                assert_eq!(a.paragraphs, ["Dẫn."], "{text}");
                let head = parse_raw(&text, &src("a/b"), Depth::Head).unwrap();
                assert_eq!(head.warnings, p.warnings, "{text}");
            }
        }
        // Without a date bantin reads after the words, the line is text.
        for lead in [
            "Cập nhật 10/5: giá xăng tăng",
            "Cập nhật 10/05/2020: giá xăng tăng từ 15 giờ",
        ] {
            let p = parse_ok(&format!(
                "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n{lead}\n"
            ));
            assert_eq!(p.article.summary, lead);
            assert!(p.warnings.is_empty(), "{lead}: {:?}", p.warnings);
        }

        for lead in [
            "Gỡ bỏ rào cản: doanh nghiệp được hỗ trợ.",
            "Gỡ bỏ 3 rào cản cho doanh nghiệp.",
            "Gỡ bỏ lúc 12/05/2020 các biển quảng cáo.",
            "Cập nhật 5 điểm mới của luật đất đai.",
            "Cập nhật11/05/2020",
            "Gỡ bỏng 12/05/2020",
        ] {
            let p = parse_ok(&format!(
                "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\n{lead}\n"
            ));
            assert_eq!(p.article.summary, lead);
            assert!(p.warnings.is_empty(), "{lead}: {:?}", p.warnings);
        }
    }

    /// In the date line's place, with no date line, `Cập nhật <date>` is a
    /// date line with words it does not hold, not a correction line missing
    /// its colon: the date-line diagnosis names it, with its line, and the
    /// capture clock or modification time dates the article.
    #[test]
    fn a_correction_line_missing_its_colon_as_the_only_date_line_is_an_unreadable_date_line() {
        let line = "Cập nhật 10/05/2020 15:33";
        let text = format!("Trang nhất » Tin\nTiêu đề\n{line}\nDẫn.\n");
        let p = parse_ok(&text);
        let w = shown(&p);
        assert_eq!(w.len(), 1, "{w:#?}");
        assert!(
            w[0].starts_with(&format!(
                "line 3: \"{line}\" is not a date: the words \"Cập nhật\" are not read"
            )),
            "{w:#?}"
        );
        assert_eq!(p.article.summary, "Dẫn.");
        assert_eq!(p.article.updated, None);
        let s = Source {
            modified: None,
            ..src("x")
        };
        match parse(&text, &s) {
            Err(ArticleError::UnreadableDate { line: 3, message }) => {
                assert!(message.contains("\"Cập nhật\" are not read"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    /// Two header lines kept as text are two paragraphs, and the text after
    /// them a third, the blank lines between the header's lines skipped or
    /// not.
    #[test]
    fn header_lines_kept_as_text_are_paragraphs_of_their_own() {
        for text in [
            "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nGỡ bỏ 12/05/2020 10:00\nCập nhật 11/05/2020 09:30\nDẫn.\n",
            "Trang nhất » Tin\nTiêu đề\nGỡ bỏ 12/05/2020 10:00\n\nCập nhật 11/05/2020 09:30\n\n10/05/2020 15:33\n\nDẫn.\n",
            "Trang nhất » Tin\nTiêu đề\nCập nhật 11/05/2020 09:30\n10/05/2020 15:33\nGỡ bỏ 12/05/2020 10:00\nDẫn.\n",
        ] {
            let p = parse_ok(text);
            let a = &p.article;
            assert_eq!(p.warnings.len(), 2, "{text}: {:?}", p.warnings);
            assert_eq!(
                timestamp::rfc3339(&a.published),
                "2020-05-10T15:33:00+07:00",
                "{text}"
            );
            assert!(a.summary.ends_with("10:00") || a.summary.ends_with("09:30"), "{text}: {a:?}");
            assert_eq!(a.paragraphs.len(), 2, "{text}: {:?}", a.paragraphs);
            assert_eq!(a.paragraphs[1], "Dẫn.", "{text}");
        }
    }

    /// A data line with nothing after its label gives nothing, erases nothing
    /// an earlier line gave, and is named in a warning.
    #[test]
    fn an_empty_data_line_is_ignored_with_a_warning() {
        let text = "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nDẫn.\n\nTác giả: Trần Ngọc\n\
                    Nguồn tin: Báo Điện Biên\nTừ khóa: bão\n\nTác giả :\nNguồn：\u{200B}\n\
                    Từ khoá:  \nTags: , ;\nTác giả bài viết:\n";
        let p = parse_ok(text);
        let a = &p.article;
        assert_eq!(a.author.as_deref(), Some("Trần Ngọc"));
        assert_eq!(a.source.as_deref(), Some("Báo Điện Biên"));
        assert_eq!(a.tags, ["bão"]);
        assert_eq!(a.paragraphs, Vec::<String>::new());
        let then = "the line is ignored: write";
        assert_eq!(
            shown(&p),
            [
                format!("line 10: \"Tác giả:\" line without a name; {then} the name after the colon, or delete the line"),
                format!("line 11: \"Nguồn:\" line without a source; {then} the source after the colon, or delete the line"),
                format!("line 12: \"Từ khoá:\" line without a tag; {then} the tags, separated by commas, after the colon, or delete the line"),
                format!("line 13: \"Tags:\" line without a tag; {then} the tags, separated by commas, after the colon, or delete the line"),
                format!("line 14: \"Tác giả bài viết:\" line without a name; {then} the name after the colon, or delete the line"),
            ]
        );
        // The header-only parse the daemon makes names them too: they are
        // header lines (but a field cut to its limit is the full parse's).
        let head = parse_raw(text, &src("a/b"), Depth::Head).unwrap();
        assert_eq!(head.warnings, p.warnings);
        let head = head.article;
        assert_eq!(
            (head.author, head.source, head.tags),
            (a.author.clone(), a.source.clone(), a.tags.clone())
        );
        let long = "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nDẫn.\nTừ khóa: \nTác giả: "
            .to_owned()
            + &"A".repeat(limits::PERSON + 1)
            + "\nNguồn:\n";
        let full = parse_ok(&long);
        let head = parse_raw(&long, &src("a/b"), Depth::Head).unwrap();
        assert_eq!(full.warnings.len(), 3, "{:?}", full.warnings);
        assert_eq!(
            head.warnings,
            [full.warnings[0].clone(), full.warnings[2].clone()]
        );
        // A later line with a value still wins.
        let a =
            parse_ok("Tiêu đề\n10/05/2020 15:33\nDẫn.\nTác giả: A\nTác giả:\nTác giả: B\n").article;
        assert_eq!(a.author.as_deref(), Some("B"));
    }

    /// The punctuation that ends a tag list is no part of its last tag: a
    /// full stop (kept after an abbreviation dotted letter by letter) or an
    /// ellipsis.
    #[test]
    fn a_full_stop_ending_the_tag_list_is_not_part_of_its_last_tag() {
        for (line, tags) in [
            ("Từ khóa: bão, lũ lụt.", &["bão", "lũ lụt"][..]),
            ("Từ khóa: bão, lũ lụt .", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, lũ lụt.\u{200B}", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, lũ lụt., ", &["bão", "lũ lụt"]),
            ("Tags: bão; lũ lụt…", &["bão", "lũ lụt"]),
            ("Tags: bão; lũ lụt...", &["bão", "lũ lụt"]),
            ("Từ khóa: lũ lụt.", &["lũ lụt"]),
            ("Từ khóa: bão số 3.", &["bão số 3"]),
            ("Từ khóa: ASEAN, TP.HCM.", &["ASEAN", "TP.HCM"]),
            ("Từ khóa: TP.", &["TP"]),
            ("Từ khóa: Mỹ, U.S.", &["Mỹ", "U.S."]),
            ("Từ khóa: Đoàn T.Ư.", &["Đoàn T.Ư."]),
            ("Từ khóa: Mỹ, U.S..", &["Mỹ", "U.S."]),
            // However many, and full-width.
            ("Từ khóa: bão, lũ lụt..", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, lũ lụt….", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, lũ lụt．", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, lũ lụt。", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, 。", &["bão"]),
            ("Từ khóa: bão, ....", &["bão"]),
            ("Từ khóa: lập trình, C++.", &["lập trình", "C++"]),
            // "Etc." names no tag.
            ("Từ khóa: bão, lũ lụt, v.v.", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, lũ lụt, V.v", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, lũ lụt, vv.", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, lũ lụt v.v...", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, lũ lụt. v.v", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, lũ lụt…, v.v.", &["bão", "lũ lụt"]),
            ("Từ khóa: bão, lũ lụt., V.V.", &["bão", "lũ lụt"]),
            // Within a tag, "etc." in capitals is a name's initials.
            ("Từ khóa: Nguyễn V.V.", &["Nguyễn V.V."]),
            ("Từ khóa: bão, Putin V.V.", &["bão", "Putin V.V."]),
            ("Từ khóa: bão, Putin V.V", &["bão", "Putin V.V"]),
            // Only the end of the list: a dot inside it is the tag's.
            ("Từ khóa: lũ lụt., bão", &["lũ lụt.", "bão"]),
            ("Từ khóa: TP. Hồ Chí Minh", &["TP. Hồ Chí Minh"]),
        ] {
            let text = format!("Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nDẫn.\n{line}\n");
            let p = parse_ok(&text);
            assert_eq!(p.article.tags, tags, "{line}");
            assert!(p.warnings.is_empty(), "{line}: {:?}", p.warnings);
            let head = parse_raw(&text, &src("a/b"), Depth::Head).unwrap().article;
            assert_eq!(head.tags, tags, "{line}");
        }
        // So a tag that ends one list and not another is one tag.
        let a =
            parse_ok("Tiêu đề\n10/05/2020 15:33\nDẫn.\nTừ khóa: lũ lụt, bão\nTags: bão, lũ lụt.\n")
                .article;
        assert_eq!(a.tags, ["lũ lụt", "bão"]);
        // A list of a full stop alone, or of "etc.", holds no tag.
        for line in ["Từ khóa: .", "Từ khóa: ....", "Tags: 。", "Từ khóa: v.v."] {
            let p = parse_ok(&format!(
                "Trang nhất » Tin\nTiêu đề\n10/05/2020 15:33\nDẫn.\n{line}\n"
            ));
            assert!(p.article.tags.is_empty(), "{line}");
            assert_eq!(p.warnings.len(), 1, "{line}: {:?}", p.warnings);
        }
    }
}
