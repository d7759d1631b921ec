//! Raw file bytes → clean NFC text that any XML or JSON writer can carry.
//!
//! Stores collect pages saved by many crawlers over many years, so a file may be
//! UTF-8 with or without a BOM, legacy Windows-1258, CRLF or CR terminated, NFD
//! (decomposed) or NFC, and may carry control characters that XML 1.0 forbids.
//! Everything downstream sees one form: NFC, `\n` line ends, XML-safe characters.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// Why a file's bytes cannot be an article at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// The file has no bytes.
    #[error("empty file")]
    Empty,
    /// The file has NUL bytes: an image, an archive, or some other binary file.
    #[error("binary file (NUL byte at offset {0})")]
    Binary(usize),
    /// NUL bytes at every other offset in the first bytes: text in UTF-16
    /// saved with no byte-order mark, which cannot be told from binary for
    /// sure, so it is not guessed at.
    #[error("binary file (NUL byte at offset {0}); it looks like UTF-16 without a byte-order mark: save it as UTF-8 (or UTF-16 with a BOM)")]
    Utf16WithoutBom(usize),
}

/// Text decoded from a file, with what had to be repaired on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clean {
    /// NFC text with `\n` line ends and no XML-forbidden characters.
    pub text: String,
    /// Repairs worth telling an editor about (encoding fallbacks, cut-off characters).
    pub warnings: Vec<String>,
}

/// Decodes and normalises one file's bytes (see [`decode_raw`] and [`normalize`]).
pub fn decode(bytes: &[u8]) -> Result<Clean, TextError> {
    let raw = decode_raw(bytes)?;
    Ok(Clean {
        text: normalize(&raw.text),
        warnings: raw.warnings,
    })
}

/// Text decoded from a file but not yet normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The text, in the file's line ends and normalisation form.
    pub text: Cow<'a, str>,
    /// Repairs worth telling an editor about (encoding fallbacks, cut-off characters).
    pub warnings: Vec<String>,
}

/// Whether `bytes` (which hold a NUL) look like UTF-16 with no byte-order
/// mark: in their first 64 code units, NULs on one side of each pair only,
/// and on that side at least half the time (Vietnamese text is mostly
/// Latin letters, spaces and digits, whose high byte is 0).
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let units: Vec<&[u8]> = bytes.chunks_exact(2).take(64).collect();
    if units.len() < 4 {
        return false;
    }
    let nul_at = |side: usize| units.iter().filter(|u| u[side] == 0).count();
    let (first, second) = (nul_at(0), nul_at(1));
    let half = units.len().div_ceil(2);
    (first == 0 && second >= half) || (second == 0 && first >= half)
}

/// Decodes one file's bytes.
///
/// A file that starts with a UTF-16 byte order mark (what Windows editors save
/// as "Unicode") is decoded as UTF-16, with a warning. Otherwise UTF-8 is tried
/// first (a BOM is dropped). A file that is valid UTF-8 except for
/// an incomplete sequence at its very end was caught mid-write: the broken tail is
/// dropped with a warning. A file that is UTF-8 but for a few bad sequences
/// ([`mostly_utf8`]) keeps its text, each bad sequence becoming U+FFFD, with a
/// warning. Anything else that is not UTF-8 is decoded as Windows-1258, the
/// legacy Vietnamese code page, with a warning.
pub fn decode_raw(bytes: &[u8]) -> Result<Decoded<'_>, TextError> {
    if bytes.is_empty() {
        return Err(TextError::Empty);
    }
    if let Some((utf16, bom)) = encoding_rs::Encoding::for_bom(bytes)
        .filter(|(e, _)| *e == encoding_rs::UTF_16LE || *e == encoding_rs::UTF_16BE)
    {
        return decode_utf16(utf16, &bytes[bom..]);
    }
    if let Some(at) = memchr::memchr(0, bytes) {
        return Err(if looks_like_utf16(bytes) {
            TextError::Utf16WithoutBom(at)
        } else {
            TextError::Binary(at)
        });
    }
    let whole = bytes.len();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Offsets are told in the file, BOM included, as an editor counts them.
    let in_file = |at: usize| at + (whole - bytes.len());
    let mut warnings = Vec::new();
    let text: Cow<'_, str> = match simdutf8::compat::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        // `error_len() == None` means the input ended inside a multi-byte sequence.
        Err(e) if e.error_len().is_none() => {
            warnings.push(format!(
                "file ends in the middle of a UTF-8 character (byte {}); the incomplete character was dropped",
                in_file(e.valid_up_to())
            ));
            Cow::Borrowed(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default())
        }
        Err(e) => match mostly_utf8(bytes) {
            Some(bad) => {
                let at = e.valid_up_to();
                let (line, at) = (line_of(bytes, at), in_file(at));
                warnings.push(format!(
                    "not valid UTF-8 in {bad} place{s} (the first at line {line}, byte offset {at}); \
                     the rest is UTF-8, so each bad sequence became U+FFFD: fix {them} in the file",
                    s = if bad == 1 { "" } else { "s" },
                    them = if bad == 1 { "it" } else { "them" },
                ));
                String::from_utf8_lossy(bytes)
            }
            None => {
                warnings.push(format!(
                    "not valid UTF-8 (first bad byte at offset {}); decoded as Windows-1258",
                    in_file(e.valid_up_to())
                ));
                let (text, _, _) = encoding_rs::WINDOWS_1258.decode(bytes);
                text
            }
        },
    };
    Ok(Decoded { text, warnings })
}

/// How many runs of bad bytes `bytes` (not valid UTF-8) hold, when they are
/// UTF-8 text with a few of them (a stray byte, a surrogate some exporters
/// write, `ED A0 80` being one run of three bad pieces) rather than a legacy
/// encoding: at least 4 well-formed multi-byte characters for each run.
/// Vietnamese in Windows-1258 almost never forms one (a letter's byte, 0xC0
/// and up, is followed by an ASCII letter or a space, not by the 0x80–0xBF a
/// UTF-8 sequence needs), while Vietnamese in UTF-8 has one in nearly every
/// word. One pass over the bytes.
fn mostly_utf8(bytes: &[u8]) -> Option<usize> {
    let (mut wide, mut places, mut in_run) = (0usize, 0usize, false);
    for chunk in bytes.utf8_chunks() {
        wide += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        let bad = !chunk.invalid().is_empty();
        if bad && (!in_run || !chunk.valid().is_empty()) {
            places += 1;
        }
        in_run = bad;
    }
    (wide >= 4 * places).then_some(places)
}

/// The line (from 1) that byte `at` of `bytes` is on, each of CRLF, CR and LF
/// ending one, as [`normalize`] reads them.
fn line_of(bytes: &[u8], at: usize) -> usize {
    let before = &bytes[..at.min(bytes.len())];
    let ends = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && before.get(i + 1) != Some(&b'\n')))
        .count();
    ends + 1
}

/// The text after a UTF-16 byte order mark: a NUL character still marks a
/// binary file (at its byte offset in the file), and what is not UTF-16 (an odd
/// last byte, a lone surrogate) becomes U+FFFD, with a warning.
fn decode_utf16(
    encoding: &'static encoding_rs::Encoding,
    bytes: &[u8],
) -> Result<Decoded<'static>, TextError> {
    const BOM: usize = 2;
    let (text, malformed) = encoding.decode_without_bom_handling(bytes);
    if let Some(at) = text.find('\0') {
        // Each character before it took 2 bytes, or 4 past the BMP.
        let units: usize = text[..at].chars().map(char::len_utf16).sum();
        return Err(TextError::Binary(BOM + 2 * units));
    }
    let mut warnings = vec![format!(
        "decoded as {} (the file starts with its byte order mark); save it as UTF-8",
        encoding.name()
    )];
    if malformed {
        warnings.push(format!(
            "not valid {}: the bad parts were replaced with U+FFFD",
            encoding.name()
        ));
    }
    Ok(Decoded {
        text: Cow::Owned(text.into_owned()),
        warnings,
    })
}

/// The lines of decoded text, ended by `\r\n`, `\r` or `\n`.
///
/// Normalising each of these lines gives exactly the lines of the normalised text
/// (`normalize(s).lines()`): a line end is a boundary no normalisation step
/// crosses. So a reader that needs only the first lines of a file normalises
/// only those.
pub fn raw_lines(s: &str) -> RawLines<'_> {
    RawLines { rest: s }
}

/// Iterator of [`raw_lines`].
#[derive(Debug, Clone)]
pub struct RawLines<'a> {
    rest: &'a str,
}

impl<'a> Iterator for RawLines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        let b = self.rest.as_bytes();
        let (line, rest) = match memchr::memchr2(b'\r', b'\n', b) {
            None => (self.rest, ""),
            Some(i) => {
                let end = if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                    i + 2
                } else {
                    i + 1
                };
                // Both ends are at ASCII bytes, so at character boundaries.
                (&self.rest[..i], &self.rest[end..])
            }
        };
        self.rest = rest;
        Some(line)
    }
}

/// NFC, `\n` line ends, and only characters XML 1.0 allows.
///
/// Most files are already clean NFC UTF-8, so each step first checks cheaply
/// whether it has anything to do.
pub fn normalize(s: &str) -> String {
    let unified: Cow<'_, str> = if s.contains('\r') {
        Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(s)
    };
    // Forbidden characters go first: one between a letter and its tone mark
    // would otherwise block their composition.
    let allowed: Cow<'_, str> = if has_forbidden(&unified) {
        Cow::Owned(unified.chars().filter(|&c| kept(c)).collect())
    } else {
        unified
    };
    if surely_nfc(allowed.as_bytes()) {
        return allowed.into_owned();
    }
    match unicode_normalization::is_nfc_quick(allowed.chars()) {
        unicode_normalization::IsNormalized::Yes => allowed.into_owned(),
        _ => allowed.nfc().collect(),
    }
}

/// A byte scan that proves most Vietnamese text NFC without decoding it: every
/// character is ASCII, U+0080–U+01BF (Latin-1 and Latin Extended-A/B, with ơ and
/// ư), U+1E80–U+1EFF (the precomposed Vietnamese letters) or U+2002–U+203F
/// (dashes, quotes, ellipsis). All of these are starters that NFC keeps as they
/// are, so a text made of them is NFC (a test checks every one). `false` means
/// "look closer", not "not NFC".
fn surely_nfc(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            0x00..=0x7F => i += 1,
            0xC2..=0xC6 => i += 2,
            0xE1 if matches!(b.get(i + 1), Some(0xBA | 0xBB)) => i += 3,
            0xE2 if b.get(i + 1) == Some(&0x80) && b.get(i + 2).is_some_and(|&c| c >= 0x82) => {
                i += 3
            }
            _ => return false,
        }
    }
    true
}

/// Whether UTF-8 `b` holds white space other than U+0020, by a byte scan over
/// exactly the characters `char::is_whitespace` accepts: U+0009–U+000D, U+0085,
/// U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
/// (This runs on every line of every article; decoding chars costs several times more.)
fn has_other_space(b: &[u8]) -> bool {
    b.iter().enumerate().any(|(i, &c)| match c {
        0x09..=0x0D => true,
        0xC2 => matches!(b.get(i + 1), Some(0x85 | 0xA0)),
        0xE1 => b.get(i + 1) == Some(&0x9A) && b.get(i + 2) == Some(&0x80),
        0xE2 => matches!(
            (b.get(i + 1), b.get(i + 2)),
            (Some(0x80), Some(0x80..=0x8A | 0xA8 | 0xA9 | 0xAF)) | (Some(0x81), Some(0x9F))
        ),
        0xE3 => b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0x80),
        _ => false,
    })
}

/// Whether `s` holds a character [`kept`] drops, by a byte scan: C0 controls
/// other than tab, LF and CR, DEL (`7F`), C1 controls (`C2 80`–`C2 9F`), U+FEFF
/// (`EF BB BF`) and U+FFFE/U+FFFF (`EF BF BE`/`EF BF BF`).
pub(crate) fn has_forbidden(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| match c {
        0x00..=0x1F => !matches!(c, b'\t' | b'\n' | b'\r'),
        0x7F => true,
        0xC2 => b.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)),
        0xEF => matches!(
            (b.get(i + 1), b.get(i + 2)),
            (Some(0xBF), Some(0xBE | 0xBF)) | (Some(0xBB), Some(0xBF))
        ),
        _ => false,
    })
}

/// Whether `c` is kept as text: XML 1.0 allows it ([`xml_allowed`]), and it is
/// none of the characters that are never meant as content.
///
/// - DEL and the C1 controls (U+007F–U+009F): XML 1.0 allows them but
///   discourages them (§2.2), and feed validators flag them. In the store they
///   are the bytes Windows-1258 leaves undefined (a TCVN3 or VNI file decoded
///   as Windows-1258) or stray bytes, never text.
/// - U+FEFF, the byte order mark, also read as a zero-width no-break space:
///   a second BOM after the first (files concatenated, or saved twice with
///   one), or one pasted inside a line. Left at the start of the first line,
///   it hides the capture clock there; Unicode has U+2060 for a word joiner.
pub fn kept(c: char) -> bool {
    xml_allowed(c) && !matches!(c, '\u{7F}'..='\u{9F}' | '\u{FEFF}')
}

/// Whether XML 1.0 (§2.2 `Char`) allows `c` in a document.
///
/// Tab and LF are kept; CR never reaches here. Other C0 controls, surrogates
/// (impossible in a `char`) and the non-characters U+FFFE/U+FFFF are out.
pub fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `line` (already squashed), or nothing when it shows nothing: every
/// character of it is white space or ignorable by default (Unicode's
/// Default_Ignorable_Code_Point: a zero-width space, a direction mark, a
/// variation selector alone), so a title or paragraph of them is a blank
/// line, never an invisible title.
pub fn visible_or_blank(line: String) -> String {
    use icu_properties::props::{BinaryProperty, DefaultIgnorableCodePoint};
    let invisible = |c: char| c == ' ' || DefaultIgnorableCodePoint::for_char(c);
    if line.chars().all(invisible) {
        String::new()
    } else {
        line
    }
}

/// Collapses runs of white space (including U+00A0) to one space and trims.
pub fn squash_spaces(s: &str) -> String {
    let t = s.trim();
    // Fast path: ASCII-spaced text with no runs needs only the trim.
    let plain = !t.contains("  ") && !has_other_space(t.as_bytes());
    if plain {
        return t.to_owned();
    }
    t.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `s` as it may go into a log line or a terminal: every control character
/// (C0, DEL, C1), line and paragraph separator and bidirectional control or
/// mark written as `\u{…}`, and a backslash as `\\`, so what is shown reads
/// back as one thing; everything else (Vietnamese letters) as it is. File
/// names and store text reach logs; a newline in one must not start a forged
/// line, an escape must not reach a terminal, and an override must not turn
/// what follows it around.
pub fn printable(s: &str) -> Cow<'_, str> {
    let hidden = |c: char| {
        c.is_control()
            || matches!(
                c,
                '\u{2028}'
                    | '\u{2029}'
                    | '\u{202A}'..='\u{202E}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{200E}'
                    | '\u{200F}'
                    | '\u{061C}'
            )
    };
    if !s.chars().any(|c| c == '\\' || hidden(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as [`printable`] shows it.
pub fn printable_path(path: &std::path::Path) -> String {
    printable(&path.display().to_string()).into_owned()
}

/// `s` with its bidirectional embeddings, overrides and isolates closed
/// where it ends, and closers that close nothing dropped (UAX #9, X1–X8).
///
/// Each field of an article (a title, a tag, a paragraph) is shown inside
/// other text: in a page's list, a reader's headline, a tag list. An
/// override left open there turns what follows it around (a tag `RTL` after
/// U+202E shows the count after it as `)1(`). Fields are balanced once, when an
/// article is read, so every output carries them closed.
///
/// A field comes here with its white space already collapsed, so a dropped
/// closer can leave two spaces together (`Tiêu \u{202C} đề`) or one at an end;
/// those are collapsed and trimmed again, so every run of white space is one
/// space whatever the field held.
pub fn balance_bidi(s: String) -> String {
    /// U+202A–U+202E and U+2066–U+2069 in UTF-8: `E2 80 AA..AE`, `E2 81 A6..A9`.
    fn has_bidi_control(b: &[u8]) -> bool {
        b.windows(3).any(|w| {
            w[0] == 0xE2
                && ((w[1] == 0x80 && (0xAA..=0xAE).contains(&w[2]))
                    || (w[1] == 0x81 && (0xA6..=0xA9).contains(&w[2])))
        })
    }
    const PDF: char = '\u{202C}';
    const PDI: char = '\u{2069}';
    if !has_bidi_control(s.as_bytes()) {
        return s;
    }
    // Open embeddings and overrides (`PDF` closes them) and isolates (`PDI`).
    let mut open: Vec<char> = Vec::new();
    let mut dropped = false;
    let mut out = String::with_capacity(s.len() + 6);
    for c in s.chars() {
        match c {
            '\u{202A}' | '\u{202B}' | '\u{202D}' | '\u{202E}' => open.push(PDF),
            '\u{2066}'..='\u{2068}' => open.push(PDI),
            // A PDF closes the last embedding, unless an isolate opened since.
            PDF if open.last() == Some(&PDF) => {
                open.pop();
            }
            PDF => {
                dropped = true;
                continue;
            }
            // A PDI closes the last isolate and the embeddings opened in it.
            PDI if open.contains(&PDI) => {
                while let Some(closer) = open.pop() {
                    if closer == PDI {
                        break;
                    }
                    out.push(closer);
                }
            }
            PDI => {
                dropped = true;
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out.extend(open.into_iter().rev());
    if dropped {
        squash_spaces(&out)
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_are_closed_and_stray_closers_dropped() {
        let b = |s: &str| balance_bidi(s.to_owned());
        assert_eq!(b("Bão lũ miền Trung"), "Bão lũ miền Trung");
        // An override left open is closed at the end.
        assert_eq!(b("\u{202E}RTL"), "\u{202E}RTL\u{202C}");
        assert_eq!(
            b("a\u{2067}b\u{202B}c"),
            "a\u{2067}b\u{202B}c\u{202C}\u{2069}"
        );
        // Closed ones stay as they are.
        let closed = "x\u{202D}y\u{202C}z\u{2066}w\u{2069}";
        assert_eq!(b(closed), closed);
        // Closers that close nothing go.
        assert_eq!(b("a\u{202C}b\u{2069}c"), "abc");
        // A PDF does not reach out of an isolate; a PDI closes what opened in it.
        assert_eq!(
            b("\u{202E}a\u{2066}b\u{202C}c\u{202D}d\u{2069}e"),
            "\u{202E}a\u{2066}bc\u{202D}d\u{202C}\u{2069}e\u{202C}"
        );
    }

    /// Every bidirectional control and mark between spaces, at the start and
    /// at the end of a field (which comes trimmed, its spaces collapsed): a
    /// dropped closer leaves one space, and none at an end; openers and marks
    /// stay where they are, so their spaces do too.
    #[test]
    fn balancing_leaves_every_run_of_white_space_one_space() {
        const PDF: &str = "\u{202C}";
        const PDI: &str = "\u{2069}";
        // Openers (LRE, RLE, LRO, RLO; LRI, RLI, FSI) and the closer each needs.
        let openers = [
            ('\u{202A}', PDF),
            ('\u{202B}', PDF),
            ('\u{202D}', PDF),
            ('\u{202E}', PDF),
            ('\u{2066}', PDI),
            ('\u{2067}', PDI),
            ('\u{2068}', PDI),
        ];
        for (c, closer) in openers {
            let b = |s: String| balance_bidi(s);
            assert_eq!(b(format!("Tiêu {c} đề")), format!("Tiêu {c} đề{closer}"));
            assert_eq!(b(format!("{c} Tiêu đề")), format!("{c} Tiêu đề{closer}"));
            assert_eq!(b(format!("Tiêu đề {c}")), format!("Tiêu đề {c}{closer}"));
        }
        // Closers that close nothing (PDF, PDI) go, and so does the space
        // they kept from the next.
        for c in [PDF, PDI] {
            for field in [
                format!("Tiêu {c} đề"),
                format!("{c} Tiêu đề"),
                format!("Tiêu đề {c}"),
                format!("Tiêu {c} {c} đề"),
            ] {
                assert_eq!(balance_bidi(field.clone()), "Tiêu đề", "{field:?}");
            }
            assert_eq!(balance_bidi(c.to_owned()), "");
        }
        // A closer that closes something stays, spaces and all.
        let closed = format!("a \u{202B} b {PDF} c");
        assert_eq!(balance_bidi(closed.clone()), closed);
        // Marks (LRM, RLM, ALM) neither open nor close: left as they are.
        for c in ['\u{200E}', '\u{200F}', '\u{061C}'] {
            for field in [
                format!("Tiêu {c} đề"),
                format!("{c} Tiêu đề"),
                format!("Tiêu đề {c}"),
            ] {
                assert_eq!(balance_bidi(field.clone()), field);
            }
        }
    }

    #[test]
    fn printable_escapes_what_would_forge_or_turn_a_line() {
        assert_eq!(printable("tin/bão-lũ.txt"), "tin/bão-lũ.txt");
        assert!(matches!(printable("tin/bão-lũ.txt"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\nb\r\u{1b}[31m\u{202e}c\u{2028}\u{85}\t\u{200f}"),
            "a\\u{a}b\\u{d}\\u{1b}[31m\\u{202e}c\\u{2028}\\u{85}\\u{9}\\u{200f}"
        );
        // A backslash is doubled, so a name holding `\u{a}` is not a newline.
        assert_eq!(printable("a\\u{a}"), "a\\\\u{a}");
        assert_eq!(
            printable_path(std::path::Path::new("x/\n.txt")),
            "x/\\u{a}.txt"
        );
    }

    #[test]
    fn utf8_with_bom_and_crlf() {
        let clean = decode(b"\xEF\xBB\xBFTi\xC3\xAAu \xC4\x91\xE1\xBB\x81\r\nb\rc").unwrap();
        assert_eq!(clean.text, "Tiêu đề\nb\nc");
        assert!(clean.warnings.is_empty());
    }

    #[test]
    fn nfd_becomes_nfc() {
        let nfd: String = "Điện Biên Phủ".nfd().collect();
        assert_ne!(nfd, "Điện Biên Phủ");
        assert_eq!(decode(nfd.as_bytes()).unwrap().text, "Điện Biên Phủ");
    }

    #[test]
    fn windows_1258_fallback_warns() {
        // "Thành phố" in Windows-1258: 'a' + combining grave (0xCC), 'ô' (0xF4) + combining acute (0xEC).
        let clean = decode(b"Tha\xCCnh ph\xF4\xEC").unwrap();
        assert_eq!(clean.text, "Thành phố");
        assert_eq!(clean.warnings.len(), 1);
        assert!(clean.warnings[0].contains("Windows-1258"));
    }

    #[test]
    fn a_line_that_shows_nothing_is_blank() {
        for line in [
            "\u{200B}\u{200E}",
            "\u{200B} \u{2060}",
            "\u{FE0F}",
            "\u{AD}",
        ] {
            assert_eq!(visible_or_blank(squash_spaces(line)), "", "{line:?}");
        }
        for line in ["a\u{200B}", "\u{200E}Tin", "👍\u{FE0F}", "·"] {
            assert_eq!(visible_or_blank(line.to_owned()), line);
        }
    }

    #[test]
    fn utf8_with_a_few_bad_sequences_stays_utf8() {
        // One surrogate written as WTF-8 (ED A0 80) in a UTF-8 article, on
        // its third line: the rest is read as UTF-8, not as Windows-1258.
        let mut bytes = "Trang nhất » Tin tức\n\nTiêu đề ".as_bytes().to_vec();
        bytes.extend_from_slice(b"\xED\xA0\x80 x\nN\xE1\xBB\x99i dung.\n");
        // Two bad bytes apart are two places.
        let wide = "ấứềộữịắả".as_bytes();
        assert_eq!(mostly_utf8(&[wide, b"a\xFFb\xFE"].concat()), Some(2));
        assert_eq!(mostly_utf8(&[wide, b"\xED\xA0\x80"].concat()), Some(1));
        let clean = decode(&bytes).unwrap();
        assert_eq!(
            clean.text,
            "Trang nhất » Tin tức\n\nTiêu đề \u{FFFD}\u{FFFD}\u{FFFD} x\nNội dung.\n"
        );
        assert_eq!(clean.warnings.len(), 1);
        assert!(
            clean.warnings[0]
                .starts_with("not valid UTF-8 in 1 place (the first at line 3, byte offset 39)"),
            "{}",
            clean.warnings[0]
        );
        // Offsets count the BOM, as the file holds it.
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(&bytes);
        let clean = decode(&with_bom).unwrap();
        assert!(
            clean.warnings[0].contains("(the first at line 3, byte offset 42)"),
            "{}",
            clean.warnings[0]
        );
        assert!(decode(b"\xEF\xBB\xBFa\xE0b").unwrap().warnings[0].contains("offset 4)"));
        // CR alone ends a line too.
        assert_eq!(line_of(b"a\rb\r\nc\nd", 7), 4);
        // Windows-1258 Vietnamese forms no UTF-8 sequence: still read as it.
        let legacy = b"Th\xE0nh ph\xF4\xEC H\xE0 N\xF4\xD2i, \xE2m nh\xE2\xECc \xC3\xAA";
        let clean = decode(legacy).unwrap();
        assert!(
            clean.warnings[0].contains("Windows-1258"),
            "{:?}",
            clean.warnings
        );
        assert!(clean.text.starts_with("Thành phố Hà N"), "{}", clean.text);
    }

    #[test]
    fn truncated_tail_is_dropped() {
        let mut bytes = "Tin tức".as_bytes().to_vec();
        bytes.extend_from_slice(&"ứ".as_bytes()[..2]);
        let clean = decode(&bytes).unwrap();
        assert_eq!(clean.text, "Tin tức");
        assert!(clean.warnings[0].contains("middle of a UTF-8 character"));
    }

    #[test]
    fn forbidden_characters_removed() {
        let clean = decode("a\u{1}b\u{8}c\u{b}d\u{1f}e\u{fffe}f\tg".as_bytes()).unwrap();
        assert_eq!(clean.text, "abcdef\tg");
        // DEL and the C1 controls, written directly or from the bytes
        // Windows-1258 leaves undefined (81, 8A, 8D–90, 9A, 9D, 9E).
        let clean = decode("a\u{7f}b\u{80}c\u{85}d\u{9f}e\u{a0}f".as_bytes()).unwrap();
        assert_eq!(clean.text, "abcde\u{a0}f");
        let clean = decode(b"Tin \x81t\x8Dc \x90m\x9Di \xE0 \x8E\x8F\x9A\x9E\x8Ay").unwrap();
        assert_eq!(clean.text, "Tin tc mi \u{e0} y");
        assert_eq!(clean.warnings.len(), 1, "{:?}", clean.warnings);
        // One between a letter and its tone mark does not block composition.
        assert_eq!(decode("a\u{85}\u{301}".as_bytes()).unwrap().text, "á");
    }

    #[test]
    fn every_byte_order_mark_is_dropped() {
        // Doubled, tripled, and one inside a line.
        for bytes in [
            &b"\xEF\xBB\xBF\xEF\xBB\xBF08:20 ICT"[..],
            b"\xEF\xBB\xBF\xEF\xBB\xBF\xEF\xBB\xBF08:20 ICT",
            b"08:20\xEF\xBB\xBF ICT",
        ] {
            let clean = decode(bytes).unwrap();
            assert_eq!(clean.text, "08:20 ICT", "{bytes:?}");
            assert!(clean.warnings.is_empty(), "{:?}", clean.warnings);
        }
        // After a UTF-16 byte order mark, a second one.
        let le: Vec<u8> = [0xFF, 0xFE, 0xFF, 0xFE, b'a', 0].into();
        assert_eq!(decode(&le).unwrap().text, "a");
    }

    /// The byte scan finds exactly the characters `kept` drops.
    #[test]
    fn has_forbidden_is_exactly_not_kept() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if c == '\r' {
                continue; // Line ends are unified before; CR never reaches the filter.
            }
            let mut buf = [0; 4];
            let s = c.encode_utf8(&mut buf);
            assert_eq!(has_forbidden(s), !kept(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded_with_a_warning() {
        let text = "Tiêu đề\r\nĐiện Biên 𝐀";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        for (bytes, name) in [(le, "UTF-16LE"), (be, "UTF-16BE")] {
            let clean = decode(&bytes).unwrap();
            assert_eq!(clean.text, "Tiêu đề\nĐiện Biên 𝐀");
            assert_eq!(clean.warnings.len(), 1, "{:?}", clean.warnings);
            assert!(clean.warnings[0].contains(name), "{:?}", clean.warnings);
        }
        // A NUL character is still a binary file, at its byte offset.
        let nul: Vec<u8> = [0xFF, 0xFE, b'a', 0, 0, 0].into();
        assert_eq!(decode(&nul), Err(TextError::Binary(4)));
        // An odd byte at the end is no character.
        let odd: Vec<u8> = [0xFF, 0xFE, b'a', 0, b'b'].into();
        let clean = decode(&odd).unwrap();
        assert_eq!(clean.text, "a\u{fffd}");
        assert_eq!(clean.warnings.len(), 2);
    }

    #[test]
    fn empty_and_binary_rejected() {
        assert_eq!(decode(b""), Err(TextError::Empty));
        assert_eq!(decode(b"\x89PNG\x00\x01"), Err(TextError::Binary(4)));
    }

    #[test]
    fn other_spaces_are_exactly_the_unicode_white_space() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let mut buf = [0; 4];
            let s = c.encode_utf8(&mut buf);
            assert_eq!(
                has_other_space(s.as_bytes()),
                c.is_whitespace() && c != ' ',
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn the_surely_nfc_ranges_are_nfc_starters() {
        use unicode_normalization::char::canonical_combining_class;
        use unicode_normalization::{is_nfc_quick, IsNormalized};
        let ranges = [0x80..=0x1BF, 0x1E80..=0x1EFF, 0x2002..=0x203F];
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            let mut buf = [0; 4];
            let s = c.encode_utf8(&mut buf);
            assert!(surely_nfc(s.as_bytes()), "U+{:04X} is in a range", c as u32);
            assert_eq!(canonical_combining_class(c), 0, "U+{:04X}", c as u32);
            assert_eq!(
                is_nfc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "U+{:04X}",
                c as u32
            );
        }
        for s in ["a\u{300}", "\u{2000}", "\u{1161}", "\u{1E00}", "\u{2126}"] {
            assert!(!surely_nfc(s.as_bytes()), "{s:?}");
        }
    }

    #[test]
    fn raw_lines_are_the_lines_of_the_normalised_text() {
        for s in [
            "",
            "\n",
            "a",
            "a\n",
            "a\r",
            "a\r\n",
            "a\n\n",
            "a\r\r\nb",
            "\r\n\r",
            "a\rb\nc\r\nd",
            "e\n\u{301}x",
            "a\u{1}\u{301}\r\u{300}b\r\n",
        ] {
            let normalised = normalize(s);
            let want: Vec<&str> = normalised.lines().collect();
            let got: Vec<String> = raw_lines(s).map(normalize).collect();
            assert_eq!(got, want, "{s:?}");
        }
    }

    #[test]
    fn squash() {
        assert_eq!(squash_spaces("  a \u{a0} b\t"), "a b");
        assert_eq!(squash_spaces("\u{a0}"), "");
    }
}
