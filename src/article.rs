//! The store format (see docs/store-format.md) → an [`Article`], with warnings that name the line.
//!
//! A page saved from a NukeViet-style portal reads, top to bottom: capture clock,
//! breadcrumb, title, date line, lead, body, labelled data (author, source,
//! keywords), then navigation boilerplate. Every part may be missing or in an older
//! or newer CMS dialect; the parser takes what is there, falls back where the format
//! allows, and says so.

use std::fmt;
use std::time::SystemTime;

use chrono::DateTime;
use chrono_tz::Tz;

use crate::text::{normalize, squash_spaces};
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
    pub published: DateTime<Tz>,
    /// When the page was saved (the header clock), if it says.
    pub captured: Option<DateTime<Tz>>,
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

/// Why a file is not an article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArticleError {
    /// Nothing that could be a title.
    #[error("no title: the file has no line after its header that could be a title")]
    NoTitle,
    /// No date line, no capture clock, and no modification time to fall back on.
    #[error("no publication date, capture clock or modification time")]
    NoDate,
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

/// Labels of data lines, each in every CMS generation (compared case-insensitively).
const AUTHOR_LABELS: &[&str] = &["tác giả bài viết:", "tác giả:"];
const SOURCE_LABELS: &[&str] = &["nguồn tin:", "nguồn:"];
const TAG_LABELS: &[&str] = &["từ khóa:", "từ khoá:", "tags:"];

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
    /// The header only (capture clock, breadcrumb, title, date line): what the
    /// index needs. The article has no summary, paragraphs, author, source or
    /// tags; whether the file is an article, and every warning, are as with
    /// [`Depth::Full`], since nothing under the date line can reject a file or
    /// warn about it.
    Head,
}

/// Parses one article's clean text (see [`crate::text::decode`]).
pub fn parse(text: &str, src: &Source<'_>) -> Result<Parsed, ArticleError> {
    parse_lines(text.lines(), src, Depth::Full)
}

/// Parses decoded text that is not normalised yet (see [`crate::text::decode_raw`]),
/// normalising only the lines it reads: with [`Depth::Head`] that is a handful.
/// Gives what [`parse`] gives for the normalised text, cut to `depth`.
pub fn parse_raw(raw: &str, src: &Source<'_>, depth: Depth) -> Result<Parsed, ArticleError> {
    parse_lines(crate::text::raw_lines(raw).map(normalize), src, depth)
}

fn parse_lines<L: AsRef<str>>(
    lines: impl Iterator<Item = L>,
    src: &Source<'_>,
    depth: Depth,
) -> Result<Parsed, ArticleError> {
    let mut warnings = Vec::new();
    let mut rest = Lines {
        lines: lines
            .enumerate()
            .map(|(i, l)| (i + 1, squash_spaces(l.as_ref())))
            .peekable(),
    };

    // Header: capture clock, then breadcrumb, each optional.
    let mut captured = None;
    if let Some((n, line)) = rest.peek_nonblank() {
        if let Some(stamp) = timestamp::parse(line, src.tz) {
            warn_stamp(&mut warnings, n, &stamp);
            captured = Some(stamp.at);
            rest.advance();
        }
    }
    let mut categories = Vec::new();
    if let Some((_, line)) = rest.peek_nonblank() {
        if let Some(path) = breadcrumb(line) {
            categories = path;
            rest.advance();
        }
    }
    if categories.is_empty() {
        let folder = src
            .folder
            .map(|f| squash_spaces(&normalize(f)))
            .filter(|f| !f.is_empty());
        let message = match &folder {
            Some(f) => format!("no breadcrumb; using the folder name \"{f}\" as the category"),
            None => "no breadcrumb and no folder; the article is in no category".to_owned(),
        };
        warnings.push(Warning {
            line: None,
            message,
        });
        categories.extend(folder);
    }

    // Title: the next line that is content, not a date or furniture.
    let title = match rest.peek_nonblank() {
        Some((_, line))
            if timestamp::parse(line, src.tz).is_none()
                && classify(line) == Kind::Content
                && !is_end(line) =>
        {
            let t = line.to_owned();
            rest.advance();
            t
        }
        _ => return Err(ArticleError::NoTitle),
    };

    // Date line, straight under the title.
    let mut published = None;
    if let Some((n, line)) = rest.peek_nonblank() {
        if let Some(stamp) = timestamp::parse(line, src.tz) {
            warn_stamp(&mut warnings, n, &stamp);
            published = Some(stamp.at);
            rest.advance();
        }
    }
    let published = match (published, captured, src.modified) {
        (Some(p), _, _) => p,
        (None, Some(c), _) => {
            warnings.push(Warning {
                line: None,
                message: "no publication date line; using the capture clock".into(),
            });
            c
        }
        (None, None, Some(m)) => {
            warnings.push(Warning {
                line: None,
                message:
                    "no publication date line or capture clock; using the file's modification time"
                        .into(),
            });
            timestamp::from_system_time(m, src.tz)
        }
        (None, None, None) => return Err(ArticleError::NoDate),
    };

    let body = match depth {
        Depth::Full => read_body(rest.lines),
        Depth::Head => Body::default(),
    };
    let mut paragraphs = body.paragraphs.into_iter();
    let summary = paragraphs.next().unwrap_or_default();
    let paragraphs: Vec<String> = paragraphs.collect();
    let mut tags: Vec<String> = Vec::new();
    for tag in body.tags {
        if !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            tags.push(tag);
        }
    }

    Ok(Parsed {
        article: Article {
            id: src.id.to_owned(),
            categories,
            title,
            published,
            captured,
            summary,
            paragraphs,
            author: body.author,
            source: body.source,
            tags,
        },
        warnings,
    })
}

fn warn_stamp(warnings: &mut Vec<Warning>, line: usize, stamp: &timestamp::Stamp) {
    if let Some(w) = &stamp.warning {
        warnings.push(Warning {
            line: Some(line),
            message: w.clone(),
        });
    }
}

/// A cursor over numbered, space-squashed lines, read as far as needed.
struct Lines<I: Iterator<Item = (usize, String)>> {
    lines: std::iter::Peekable<I>,
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
}

/// `Trang nhất » Tin Tức » Tin tức tổng hợp` → `["Tin Tức", "Tin tức tổng hợp"]`.
fn breadcrumb(line: &str) -> Option<Vec<String>> {
    let parts: Vec<String> = line.split('»').map(squash_spaces).collect();
    let is_root = |p: &str| p.to_lowercase() == "trang nhất" || p.to_lowercase() == "trang chủ";
    if parts.len() < 2 && !parts.first().is_some_and(|p| is_root(p)) {
        return None;
    }
    let mut parts = parts.into_iter().filter(|p| !p.is_empty()).peekable();
    if parts.peek().is_some_and(|p| is_root(p)) {
        parts.next();
    }
    Some(parts.collect())
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
    let whole = line.len() <= FURNITURE_MAX;
    // A long line can only be furniture by a prefix, and every prefix starts with
    // an ASCII letter: check that byte before lowercasing anything.
    let first = line.as_bytes().first().map(u8::to_ascii_lowercase);
    let may_prefix = BOILERPLATE_PREFIXES
        .iter()
        .any(|p| p.as_bytes().first() == first.as_ref());
    if !whole && !may_prefix {
        return if is_related_item(line) {
            Kind::Boilerplate
        } else {
            Kind::Content
        };
    }
    let lower = lowercase_head(line, FURNITURE_MAX);
    if (whole && BOILERPLATE.contains(&lower.as_str()))
        || BOILERPLATE_PREFIXES.iter().any(|p| lower.starts_with(p))
        || is_related_item(line)
    {
        Kind::Boilerplate
    } else {
        Kind::Content
    }
}

fn is_end(line: &str) -> bool {
    line.len() <= FURNITURE_MAX && END_HEADINGS.contains(&line.to_lowercase().as_str())
}

/// The first `max` bytes of `line` (cut at a character boundary), lowercased.
fn lowercase_head(line: &str, max: usize) -> String {
    let mut end = line.len().min(max);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line[..end].to_lowercase()
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

/// `line` with `label` (case-insensitive) stripped, when it starts with it.
fn labelled<'l>(line: &'l str, labels: &[&str]) -> Option<&'l str> {
    // Every label starts with an ASCII letter: compare that byte before lowercasing.
    let first = line.as_bytes().first()?.to_ascii_lowercase();
    labels
        .iter()
        .filter(|l| l.as_bytes().first() == Some(&first))
        .find_map(|label| {
            let head = line.get(..label.len())?;
            (head.to_lowercase() == *label).then(|| line[label.len()..].trim())
        })
}

/// Whether a line ends a sentence, so the next line starts a new paragraph.
fn ends_sentence(line: &str) -> bool {
    let core = line.trim_end_matches(['"', '”', '’', '\'', ')', ']', '»', '》']);
    core.ends_with(['.', '!', '?', ':', '…'])
}

#[derive(Default)]
struct Body {
    paragraphs: Vec<String>,
    author: Option<String>,
    source: Option<String>,
    tags: Vec<String>,
}

/// Lead, paragraphs and labelled data from the lines under the date line.
fn read_body(lines: impl Iterator<Item = (usize, String)>) -> Body {
    let mut body = Body::default();
    let mut current: Option<String> = None;
    let flush = |current: &mut Option<String>, paragraphs: &mut Vec<String>| {
        if let Some(p) = current.take() {
            if !p.is_empty() && paragraphs.last() != Some(&p) {
                paragraphs.push(p);
            }
        }
    };
    for (_, line) in lines {
        if line.is_empty() {
            flush(&mut current, &mut body.paragraphs);
            continue;
        }
        if is_end(&line) {
            break;
        }
        if let Some(v) = labelled(&line, AUTHOR_LABELS) {
            flush(&mut current, &mut body.paragraphs);
            body.author = Some(v.to_owned()).filter(|v| !v.is_empty());
            continue;
        }
        if let Some(v) = labelled(&line, SOURCE_LABELS) {
            flush(&mut current, &mut body.paragraphs);
            body.source = Some(v.to_owned()).filter(|v| !v.is_empty());
            continue;
        }
        if let Some(v) = labelled(&line, TAG_LABELS) {
            flush(&mut current, &mut body.paragraphs);
            body.tags.extend(
                v.split([',', ';'])
                    .map(squash_spaces)
                    .filter(|t| !t.is_empty()),
            );
            continue;
        }
        if classify(&line) == Kind::Boilerplate {
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
                current = Some(line);
                if !lead_done {
                    // The lead stands alone even when it does not end a sentence.
                    flush(&mut current, &mut body.paragraphs);
                }
            }
        }
    }
    flush(&mut current, &mut body.paragraphs);
    body
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

    const BASIC: &str = "01:36 ICT Thứ tư, 12/08/2020\n\nTrang nhất » Tin Tức » Tin tức tổng hợp\n\nTiêu đề bài\n\nChủ nhật - 10/05/2020 15:33\nĐoạn dẫn.\nChú thích ảnh.\n\nChú thích ảnh.\n\nMột chú thích bị\nngắt dòng.\n\u{a0}\nĐoạn cuối.\n\nTác giả bài viết: Trần Ngọc\n\nNguồn tin: Dienbien.gov.vn\n\nTừ khóa: thi đua, yêu nước\n\nNhững tin mới hơn\n\nTin khác (11/05/2020)\n\nNhững tin cũ hơn\n";

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

    #[test]
    fn no_title() {
        let e = parse(
            "01:36 ICT Thứ tư, 12/08/2020\n\nTrang nhất » Tin\n\n",
            &src("x"),
        );
        assert_eq!(e, Err(ArticleError::NoTitle));
        assert_eq!(parse("  \n\u{a0}\n", &src("x")), Err(ArticleError::NoTitle));
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
    fn tags_are_deduplicated_case_insensitively() {
        let a =
            parse_ok("Tiêu đề\n10/05/2020 15:33\nDẫn.\nTags: Du lịch; du lịch, , Lễ hội\n").article;
        assert_eq!(a.tags, ["Du lịch", "Lễ hội"]);
    }
}
