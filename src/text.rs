//! Raw file bytes → clean NFC text that any XML or JSON writer can carry.
//!
//! Stores collect pages saved by many crawlers over many years, so a file may be
//! UTF-8 with or without a BOM, legacy Windows-1258 (all of it, or a paragraph
//! pasted into UTF-8), UTF-8 once read as Windows-1252 and saved again, CRLF or
//! CR terminated, NFD (decomposed) or NFC, and may carry control characters
//! that XML 1.0 forbids.
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
    /// Lines that are not UTF-8 read, as Windows-1258, as words no language
    /// writes (see [`Legacy`]): text in TCVN3 (ABC) or VNI, the Vietnamese
    /// encodings of the 1990s, which share no byte layout bantin could
    /// decode with confidence; served, it would be mojibake in every feed.
    #[error(
        "not UTF-8, and not Windows-1258 either: it looks like TCVN3 (ABC) or VNI, \
         which bantin does not read (line {line} would read \"{word}\"); convert it to \
         UTF-8 with a Vietnamese encoding converter and save it again"
    )]
    LegacyVietnamese {
        /// The line of the first such word, from 1.
        line: usize,
        /// That word as Windows-1258 reads it, shown as [`printable`] shows text.
        word: String,
    },
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
/// dropped with a warning. Any other file that is not UTF-8 is decoded line by
/// line ([`decode_by_line`]): a valid line is UTF-8, a line that is UTF-8 but
/// for a few bad sequences keeps its text, each bad sequence becoming U+FFFD,
/// and any other line is Windows-1258, the legacy Vietnamese code page; each
/// kind with a warning. Last, lines of UTF-8 that was once read as
/// Windows-1252 and saved again are read back ([`repair_double_encoding`]).
pub fn decode_raw(bytes: &[u8]) -> Result<Decoded<'_>, TextError> {
    if bytes.is_empty() {
        return Err(TextError::Empty);
    }
    if let Some((utf16, bom)) = encoding_rs::Encoding::for_bom(bytes)
        .filter(|(e, _)| *e == encoding_rs::UTF_16LE || *e == encoding_rs::UTF_16BE)
    {
        let Decoded { text, mut warnings } = decode_utf16(utf16, &bytes[bom..])?;
        let text = repair_double_encoding(text, &mut warnings);
        return Ok(Decoded { text, warnings });
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
    let bom = whole - bytes.len();
    let mut warnings = Vec::new();
    let text: Cow<'_, str> = match simdutf8::compat::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        // `error_len() == None` means the input ended inside a multi-byte sequence.
        Err(e) if e.error_len().is_none() => {
            warnings.push(cut_off(bom + e.valid_up_to()));
            Cow::Borrowed(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default())
        }
        Err(_) => Cow::Owned(decode_by_line(bytes, bom, &mut warnings)?),
    };
    let text = repair_double_encoding(text, &mut warnings);
    Ok(Decoded { text, warnings })
}

/// The warning for a file that ends inside a UTF-8 character, which starts at
/// byte `at` of the file.
fn cut_off(at: usize) -> String {
    format!(
        "file ends in the middle of a UTF-8 character (byte {at}); the incomplete character was dropped"
    )
}

/// A line of a file that is not valid UTF-8 (see [`decode_by_line`]).
struct BadLine {
    /// Where its text starts and ends in the bytes (its line end excluded).
    start: usize,
    end: usize,
    /// Its number, from 1.
    number: usize,
    /// Where in the bytes its first bad byte is.
    first_bad: usize,
    /// Its well-formed multi-byte characters and its runs of bad bytes
    /// ([`utf8_evidence`]).
    wide: usize,
    places: usize,
}

impl BadLine {
    /// Whether the line is UTF-8 with a few bad bytes rather than legacy text:
    /// at least one well-formed multi-byte character for each run of bad
    /// bytes on the line, and at least 4 for each counting those of the lines
    /// that are valid UTF-8 (`wide_elsewhere`).
    fn mostly_utf8(&self, wide_elsewhere: usize) -> bool {
        self.wide >= self.places && self.wide + wide_elsewhere >= 4 * self.places
    }
}

/// Decodes bytes that are not valid UTF-8 (nor cut off inside their last
/// character only) line by line, each of CRLF, CR and LF ending a line, and
/// warns of what it did.
///
/// A line that is valid UTF-8 is UTF-8. A line that is not is UTF-8 with a
/// few bad sequences (a stray byte, a surrogate as some exporters write it,
/// `ED A0 80`), each becoming U+FFFD, when [`BadLine::mostly_utf8`] says so,
/// and Windows-1258 otherwise: Vietnamese in Windows-1258 almost never forms
/// a UTF-8 sequence (a letter's byte, 0xC0 and up, is followed by an ASCII
/// letter or a space, not by the 0x80–0xBF a UTF-8 sequence needs), while
/// Vietnamese in UTF-8 has one in nearly every word. So a paragraph pasted
/// from a Windows-1258 page into a UTF-8 file leaves the rest of the file as
/// it is, and a file all in Windows-1258 is decoded as one (its lines with
/// letters beyond ASCII are, but by rare chance, not valid UTF-8). The last line, cut off inside its
/// last character, is dropped there, as [`decode_raw`] does with a whole
/// file, when the file holds UTF-8 characters elsewhere.
///
/// Lines read as Windows-1258 that [`Legacy`] finds to be TCVN3 or VNI
/// instead make the file an error.
///
/// `bom` is the length of the byte order mark before `bytes`, counted in the
/// offsets told. One pass over the bytes to sort the lines, one to copy them
/// (and read the words of those read as Windows-1258).
fn decode_by_line(
    bytes: &[u8],
    bom: usize,
    warnings: &mut Vec<String>,
) -> Result<String, TextError> {
    let mut bad = Vec::new();
    let mut wide_elsewhere = 0;
    // The last line, when it is cut off inside its last character: the line
    // and where that character starts.
    let mut cut = None;
    for (i, (start, end, _)) in line_spans(bytes).enumerate() {
        let line = &bytes[start..end];
        let Err(e) = simdutf8::compat::from_utf8(line) else {
            wide_elsewhere += multibyte(line);
            continue;
        };
        let (wide, places) = utf8_evidence(line);
        let first_bad = start + e.valid_up_to();
        let this = BadLine {
            start,
            end,
            number: i + 1,
            first_bad,
            wide,
            places,
        };
        if e.error_len().is_none() && end == bytes.len() {
            wide_elsewhere += multibyte(&bytes[start..first_bad]);
            cut = Some(this);
        } else {
            bad.push(this);
        }
    }
    let mut upto = bytes.len();
    let mut tally = Tally::default();
    match cut {
        Some(last) if wide_elsewhere > 0 => {
            tally.cut = Some(last.first_bad);
            upto = last.first_bad;
        }
        Some(last) => bad.push(last),
        None => {}
    }
    let mut text = String::with_capacity(upto + upto / 4);
    let mut at = 0;
    let mut legacy = Legacy::default();
    for line in &bad {
        // What lies between bad lines is whole valid lines and line ends.
        text.push_str(&String::from_utf8_lossy(&bytes[at..line.start]));
        let raw = &bytes[line.start..line.end];
        if line.mostly_utf8(wide_elsewhere) {
            text.push_str(&String::from_utf8_lossy(raw));
            let lossy = tally.lossy.get_or_insert((0, line.number, line.first_bad));
            lossy.0 += line.places;
        } else {
            let (decoded, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(raw);
            legacy.read(line.number, &decoded);
            text.push_str(&decoded);
            let legacy = tally
                .legacy
                .get_or_insert((0, line.number, line.number, line.first_bad));
            legacy.0 += 1;
            legacy.2 = line.number;
        }
        at = line.end;
    }
    if let Some(error) = legacy.verdict() {
        return Err(error);
    }
    text.push_str(&String::from_utf8_lossy(&bytes[at..upto]));
    // No line holds UTF-8 beyond ASCII: the whole file is Windows-1258.
    let all_legacy = tally.lossy.is_none() && wide_elsewhere == 0;
    warnings.extend(tally.warnings(bom, all_legacy));
    Ok(text)
}

/// The fewest odd words ([`odd_word`]) that make a file TCVN3 or VNI.
const LEGACY_WORDS: usize = 5;

/// The most characters of the first odd word an error shows.
const LEGACY_SHOWN: usize = 40;

/// What the lines read as Windows-1258 say of their encoding: how many of
/// their words hold a letter beyond ASCII, how many of those no language
/// writes ([`odd_word`]), and the first of these.
///
/// Vietnamese in Windows-1258 gives none: its letters are the ones the code
/// page was made for. TCVN3 (ABC) puts Vietnamese letters where Windows-1258
/// has symbols, capitals and tone marks, so that `nhất` reads `nhÊt` and
/// `Tác` reads `T¸c`; VNI writes a letter's marks as letters after it
/// (`Tiếng Việt` reads `Tieáng Vieät`, `Người` `Ngöôøi`). Over the articles
/// of the bundled store, 55–76% of their words beyond ASCII are odd in
/// TCVN3 and 69–85% in VNI, and none in Windows-1258, composed or not (a
/// dense French paragraph in Windows-1252: a fifth); a third is the line
/// drawn, with at least [`LEGACY_WORDS`] words, so that a foreign name or
/// two in Windows-1258 text, or a line of French pasted in Windows-1252, is
/// no verdict.
#[derive(Default)]
struct Legacy {
    words: usize,
    odd: usize,
    first: Option<(usize, String)>,
}

impl Legacy {
    /// Reads line `number`, decoded as Windows-1258.
    fn read(&mut self, number: usize, decoded: &str) {
        for word in decoded.split_whitespace() {
            let word = word.trim_matches(|c: char| "\"'()[]{},.;:!?«»…–—-/*".contains(c));
            if word.is_ascii() {
                continue;
            }
            self.words += 1;
            if odd_word(word) {
                self.odd += 1;
                self.first.get_or_insert_with(|| {
                    // A word of a file with no spaces may be the file: shown cut.
                    let shown: String = word.chars().take(LEGACY_SHOWN).collect();
                    let cut = if shown.len() < word.len() { "…" } else { "" };
                    (number, format!("{}{cut}", printable(&shown)))
                });
            }
        }
    }

    /// The error, when the lines read are TCVN3 or VNI rather than Windows-1258.
    fn verdict(self) -> Option<TextError> {
        if self.odd < LEGACY_WORDS || self.odd * 3 < self.words {
            return None;
        }
        let (line, word) = self.first?;
        Some(TextError::LegacyVietnamese { line, word })
    }
}

/// Whether a word, as Windows-1258 reads it, holds what no language writes
/// and TCVN3 or VNI read as Windows-1258 gives: a letter Vietnamese never
/// uses and TCVN3 or VNI often gives (not the letters of German or Spanish
/// words, which a page in Windows-1252 may hold), a tone mark after anything
/// but a vowel, a symbol between letters, a capital beyond ASCII after a
/// small letter, or a pair of letters only VNI writes ([`vni_pair`]).
fn odd_word(word: &str) -> bool {
    let tone = |c: char| matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}');
    let vowel = |c: char| {
        matches!(
            c.to_ascii_lowercase(),
            'a' | 'e'
                | 'i'
                | 'o'
                | 'u'
                | 'y'
                | 'ă'
                | 'â'
                | 'ê'
                | 'ô'
                | 'ơ'
                | 'ư'
                | 'Ă'
                | 'Â'
                | 'Ê'
                | 'Ô'
                | 'Ơ'
                | 'Ư'
        )
    };
    let symbol = |c: char| {
        matches!(
            c,
            '\u{A1}'
                ..='\u{BF}'
                    | '×'
                    | '÷'
                    | '‚'
                    | '„'
                    | '†'
                    | '‡'
                    | 'ˆ'
                    | '‰'
                    | '‹'
                    | '•'
                    | '˜'
                    | '™'
                    | '›'
                    | '₫'
        ) && !odd_letter(c)
    };
    let mut chars = word.chars().peekable();
    let mut before: Option<char> = None;
    while let Some(c) = chars.next() {
        let after = chars.peek().copied();
        if odd_letter(c)
            || (tone(c) && !before.is_some_and(vowel))
            || (symbol(c)
                && before.is_some_and(char::is_alphabetic)
                && after.is_some_and(|a| a.is_alphabetic() || tone(a)))
            || (!c.is_ascii() && c.is_uppercase() && before.is_some_and(char::is_lowercase))
            || before.is_some_and(|b| vni_pair(b, c))
        {
            return true;
        }
        before = Some(c);
    }
    false
}

/// A letter Vietnamese never uses that TCVN3 or VNI read as Windows-1258
/// often give (`ø`, `û`, `ï`, `ë` are VNI's grave, hook, dot below and
/// breve with dot below).
fn odd_letter(c: char) -> bool {
    matches!(
        c,
        'Å' | 'Æ'
            | 'Ø'
            | 'Û'
            | 'å'
            | 'æ'
            | 'ø'
            | 'û'
            | 'ÿ'
            | 'µ'
            | 'ª'
            | 'º'
            | 'Œ'
            | 'œ'
            | 'Ÿ'
            | 'Ë'
            | 'Î'
            | 'Ï'
            | 'ë'
            | 'î'
            | 'ï'
    )
}

/// Whether `c` after `b` (either in either case) is a pair only VNI writes:
/// VNI gives a vowel's marks as letters after it, so `ấ` is `aá`, `ẫ` `aă`
/// (Windows-1258 reads VNI's `ã` as `ă`), `ế` `eá`, `ộ` `oä`, `ắ` `aé`, `â`
/// `aâ`, `ă` `aê`, `ã` `aơ` (its `õ` as `ơ`), and `ứ`, `ớ` are `öù`, `ôù`.
/// Vietnamese writes none of these pairs (it has `oá` in `hoá`, `oă` in
/// `hoặc`, `uơ` in `thuở`, `uâ` in `xuân`, `iê` in `tiên`).
fn vni_pair(b: char, c: char) -> bool {
    let c = c.to_lowercase().next().unwrap_or(c);
    match b.to_lowercase().next().unwrap_or(b) {
        'a' => matches!(
            c,
            'â' | 'ê' | 'á' | 'à' | 'ă' | 'ä' | 'é' | 'è' | 'ú' | 'ü' | 'ơ'
        ),
        'e' => matches!(c, 'â' | 'ê' | 'á' | 'à' | 'ă' | 'ä' | 'ơ'),
        'o' => matches!(c, 'â' | 'ê' | 'ä' | 'ơ'),
        'ô' | 'ö' => matches!(c, 'ù' | 'ơ'),
        _ => false,
    }
}

/// What [`decode_by_line`] did, for its warnings; each place is a byte offset
/// in the bytes after the BOM.
#[derive(Default)]
struct Tally {
    /// Lines read as UTF-8 with U+FFFD: how many runs of bad bytes, and the
    /// line and place of the first.
    lossy: Option<(usize, usize, usize)>,
    /// Lines read as Windows-1258: how many, the first and the last, and the
    /// place of the first bad byte.
    legacy: Option<(usize, usize, usize, usize)>,
    /// Where the character the file is cut off in starts, when it was dropped.
    cut: Option<usize>,
}

impl Tally {
    /// The warnings, offsets counted from the start of the file, whose BOM
    /// is `bom` bytes long; `all_legacy` when no line was read as UTF-8 but
    /// those that are ASCII, which are the same in Windows-1258.
    fn warnings(&self, bom: usize, all_legacy: bool) -> Vec<String> {
        let mut warnings = Vec::new();
        if let Some((places, line, at)) = self.lossy {
            let with_legacy = self.legacy.is_some();
            warnings.push(lossy_warning(places, line, bom + at, with_legacy));
        }
        if let Some((lines, first, last, at)) = self.legacy {
            let at = bom + at;
            warnings.push(if all_legacy {
                format!("not valid UTF-8 (first bad byte at offset {at}); decoded as Windows-1258")
            } else if lines == 1 {
                format!(
                    "line {first} is not valid UTF-8 (first bad byte at offset {at}); it was \
                     decoded as Windows-1258 and the rest of the file as UTF-8: convert that \
                     line to UTF-8"
                )
            } else {
                format!(
                    "{lines} lines from line {first} to line {last} are not valid UTF-8 (the \
                     first bad byte at offset {at}); they were decoded as Windows-1258 and the \
                     rest of the file as UTF-8: convert those lines to UTF-8"
                )
            });
        }
        if let Some(at) = self.cut {
            warnings.push(cut_off(bom + at));
        }
        warnings
    }
}

/// The warning for `places` runs of bad bytes read as U+FFFD, the first on
/// line `line` at byte offset `at`; `with_legacy` when other lines were read
/// as Windows-1258, so that not all the rest is UTF-8.
fn lossy_warning(places: usize, line: usize, at: usize, with_legacy: bool) -> String {
    let one = places == 1;
    let rest = match (with_legacy, one) {
        (false, _) => "the rest is UTF-8",
        (true, true) => "the text around it is UTF-8",
        (true, false) => "the text around them is UTF-8",
    };
    format!(
        "not valid UTF-8 in {places} place{s} (the first at line {line}, byte offset {at}); \
         {rest}, so each bad sequence became U+FFFD: fix {them} in the file",
        s = if one { "" } else { "s" },
        them = if one { "it" } else { "them" },
    )
}

/// How many well-formed multi-byte characters `line` holds, and how many runs
/// of bad bytes (a stray byte is one run, and so is a surrogate as some
/// exporters write it, `ED A0 80`, three bad pieces together).
fn utf8_evidence(line: &[u8]) -> (usize, usize) {
    let (mut wide, mut places, mut in_run) = (0, 0, false);
    for chunk in line.utf8_chunks() {
        wide += multibyte(chunk.valid().as_bytes());
        let bad = !chunk.invalid().is_empty();
        if bad && (!in_run || !chunk.valid().is_empty()) {
            places += 1;
        }
        in_run = bad;
    }
    (wide, places)
}

/// How many multi-byte characters valid UTF-8 `b` holds: each has one lead
/// byte, 0xC0 and up, and no other byte of UTF-8 is.
fn multibyte(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c >= 0xC0).count()
}

/// Where the first line of `b` ends: its text is `..end`, and its line end
/// (`\r\n`, `\r` or `\n`; none at the end of `b`) runs to `next`.
fn first_line(b: &[u8]) -> (usize, usize) {
    match memchr::memchr2(b'\r', b'\n', b) {
        None => (b.len(), b.len()),
        Some(i) => {
            let crlf = b[i] == b'\r' && b.get(i + 1) == Some(&b'\n');
            (i, i + 1 + usize::from(crlf))
        }
    }
}

/// Each line of `bytes` as `(start, end, next)`: its text is `start..end`,
/// and its line end (`\r\n`, `\r` or `\n`; none at the end of the file) runs
/// to `next`. The lines are those of [`raw_lines`] and of [`normalize`].
fn line_spans(bytes: &[u8]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let (end, next) = first_line(&bytes[start..]);
        let span = (start, start + end, start + next);
        start = span.2;
        Some(span)
    })
}

/// What each byte from 0x80 to 0x9F is in Windows-1252; the five it leaves
/// undefined (81, 8D, 8F, 90, 9D) are the C1 controls of the same number, as
/// Windows and the WHATWG Encoding Standard read them.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
];

/// The byte that `c` is in Windows-1252, or in ISO 8859-1 (whose 0x80–0x9F
/// are the C1 controls): the two ways text is read as one byte a character.
fn cp1252_byte(c: char) -> Option<u8> {
    u8::try_from(u32::from(c)).ok().or_else(|| {
        let i = CP1252_HIGH.iter().position(|&h| h == c)?;
        u8::try_from(0x80 + i).ok()
    })
}

/// Whether UTF-8 `b` may hold text double-encoded (see
/// [`repair_double_encoding`]): a character from U+00C2 to U+00F4 (`C3 82` to
/// `C3 B4`), which is what a UTF-8 lead byte reads as, followed by one whose
/// UTF-8 starts `C2` (U+0080–U+00BF), `C5`, `C6`, `CB` or `E2` (the letters
/// and signs Windows-1252 has at 0x80–0x9F), which is what a continuation
/// byte reads as. Every double-encoded character starts so; most lines of
/// Vietnamese, even those with `à` or `ô`, have no such pair.
///
/// Branch-free (see [`any_window`]), not a search for each `C3`: Vietnamese
/// has one every few letters (`à á â ã è é ê ì í ò ó ô õ ù ú ý` all start
/// with it), and a search started again at each costs several times the scan
/// (this runs on every file a scan reads: 1.2 µs for 8 KB against 7 µs).
fn may_be_double_encoded(b: &[u8]) -> bool {
    any_window(b, |x, y, z| {
        let continued = (z == 0xC2) | (z == 0xC5) | (z == 0xC6) | (z == 0xCB) | (z == 0xE2);
        (x == 0xC3) & (y.wrapping_sub(0x82) <= 0xB4 - 0x82) & continued
    })
}

/// Whether `c`, read back from double-encoded text, is a character such text
/// holds: a Latin-1 letter or sign (U+00A0–U+00FF), a letter Vietnamese or
/// Windows-1252 adds to them (`ă đ ĩ ũ ơ ư`, `œ š ž ÿ`), a precomposed
/// Vietnamese letter (U+1EA0–U+1EF9), one of the marks decomposed Vietnamese
/// is written with (the five tones, circumflex, breve, horn), the quotes,
/// dashes, bullet and ellipsis of Windows-1252, `₫`, `€`, `™`, or a byte order
/// mark. Narrow on purpose: bytes that only happen to form UTF-8 (a capital
/// before an ellipsis or a no-break space, `CAFÉ…`, `TÍ TÌ`) read back as
/// other letters (`Ʌ`) or other marks, and are left alone.
fn read_back_plausibly(c: char) -> bool {
    matches!(
        c,
        '\u{A0}'..='\u{FF}'
            | 'Ă' | 'ă' | 'Đ' | 'đ' | 'Ĩ' | 'ĩ' | 'Ũ' | 'ũ' | 'Ơ' | 'ơ' | 'Ư' | 'ư'
            | 'Œ' | 'œ' | 'Š' | 'š' | 'Ž' | 'ž' | 'Ÿ'
            | '\u{1EA0}'..='\u{1EF9}'
            | '\u{300}' | '\u{301}' | '\u{302}' | '\u{303}' | '\u{306}' | '\u{309}'
            | '\u{31B}' | '\u{323}'
            | '\u{2013}' | '\u{2014}' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201C}'
            | '\u{201D}' | '\u{201E}' | '\u{2022}' | '\u{2026}' | '\u{2039}' | '\u{203A}'
            | '\u{20AB}' | '\u{20AC}' | '\u{2122}' | '\u{FEFF}'
    )
}

/// `line` read back as the UTF-8 it was, when it is double-encoded: UTF-8
/// bytes that were read as Windows-1252 (or ISO 8859-1) and written out as
/// UTF-8 again, so `Hội nghị` reads `Há»™i nghá»‹` (mojibake).
///
/// Conservative, since text that is not double-encoded must never change:
/// every character of the line must be one byte in Windows-1252, those bytes
/// must be valid UTF-8, every character beyond ASCII they give must be one
/// such text holds ([`read_back_plausibly`]), and there must be at least two
/// of them, or one of three bytes or more (`á»™` is `ộ`). Real Vietnamese
/// does not pass: most of its letters (`ộ`, `ư`, `đ`, any decomposed tone
/// mark) are not in Windows-1252, and those that are (`à`, `ô`) are followed
/// by letters or spaces, which no UTF-8 lead byte takes. Nor does real French
/// or German (`Café`, `Straße`), for the same reason.
fn undo_double_encoding(line: &str) -> Option<String> {
    let bytes: Vec<u8> = line.chars().map(cp1252_byte).collect::<Option<_>>()?;
    let read_back = String::from_utf8(bytes).ok()?;
    let (mut wide, mut long) = (0, false);
    for c in read_back.chars().filter(|c| !c.is_ascii()) {
        if !read_back_plausibly(c) {
            return None;
        }
        wide += 1;
        long |= c.len_utf8() >= 3;
    }
    (wide >= 2 || long).then_some(read_back)
}

/// `text` with each double-encoded line ([`undo_double_encoding`]) read back
/// as the UTF-8 it was, with a warning naming the lines. Lines decoded as
/// Windows-1258 or holding U+FFFD are never changed: the first give back the
/// bytes they came from, which were not UTF-8, and the second have a
/// character that is no byte in Windows-1252. Text with no character pair a
/// double encoding makes ([`may_be_double_encoded`]) costs one byte scan.
fn repair_double_encoding<'a>(text: Cow<'a, str>, warnings: &mut Vec<String>) -> Cow<'a, str> {
    if !may_be_double_encoded(text.as_bytes()) {
        return text;
    }
    let mut out = String::new();
    let mut at = 0;
    let mut lines: Option<(usize, usize, usize)> = None; // how many, first, last
    for (i, (start, end, _)) in line_spans(text.as_bytes()).enumerate() {
        // Line ends are ASCII, so these are character boundaries.
        let line = &text[start..end];
        if !may_be_double_encoded(line.as_bytes()) {
            continue;
        }
        let Some(read_back) = undo_double_encoding(line) else {
            continue;
        };
        out.push_str(&text[at..start]);
        out.push_str(&read_back);
        at = end;
        let (count, _, last) = lines.get_or_insert((0, i + 1, i + 1));
        *count += 1;
        *last = i + 1;
    }
    let Some((count, first, last)) = lines else {
        return text;
    };
    out.push_str(&text[at..]);
    let what = "UTF-8 that was read as Windows-1252 and saved as UTF-8 again \
                (mojibake, such as \"Há»™i nghá»‹\" for \"Hội nghị\")";
    warnings.push(if count == 1 {
        format!(
            "line {first} is {what}; it was read back as the UTF-8 it was: check it, \
             and save the file again from its original"
        )
    } else {
        format!(
            "{count} lines from line {first} to line {last} are {what}; they were read back \
             as the UTF-8 they were: check them, and save the file again from its original"
        )
    });
    Cow::Owned(out)
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
        warnings.push(utf16_malformed_warning(encoding, bytes, &text));
    }
    Ok(Decoded {
        text: Cow::Owned(text.into_owned()),
        warnings,
    })
}

/// The warning for the places of `bytes` (after a UTF-16 byte order mark)
/// that `text`, their decoding, holds as U+FFFD: a surrogate without its pair
/// (two bytes) or a last byte without its pair (one), each found by walking
/// `text` beside `bytes`. A U+FFFD written in the file is no fault.
fn utf16_malformed_warning(
    encoding: &'static encoding_rs::Encoding,
    bytes: &[u8],
    text: &str,
) -> String {
    const BOM: usize = 2;
    let written_fffd: [u8; 2] = if encoding == encoding_rs::UTF_16BE {
        [0xFF, 0xFD]
    } else {
        [0xFD, 0xFF]
    };
    let (mut at, mut line, mut after_cr) = (0, 1, false);
    let (mut places, mut first) = (0, None);
    for c in text.chars() {
        let unit = bytes.get(at..at + 2);
        let width = if c == char::REPLACEMENT_CHARACTER && unit != Some(&written_fffd[..]) {
            places += 1;
            first.get_or_insert((line, BOM + at));
            unit.map_or(1, <[u8]>::len)
        } else {
            2 * c.len_utf16()
        };
        at += width;
        match c {
            '\n' if after_cr => {}
            '\n' | '\r' => line += 1,
            _ => {}
        }
        after_cr = c == '\r';
    }
    let one = places == 1;
    match first {
        Some((line, at)) => format!(
            "not valid {} in {places} place{s} (the first at line {line}, byte offset {at}): \
             a surrogate or a last byte without its pair, which became U+FFFD: fix {them} in \
             the file",
            encoding.name(),
            s = if one { "" } else { "s" },
            them = if one { "it" } else { "them" },
        ),
        // The decoder said so, but no place was found: say it plainly.
        None => format!(
            "not valid {}: the bad parts were replaced with U+FFFD",
            encoding.name()
        ),
    }
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
        // Both ends are at ASCII bytes, so at character boundaries.
        let (end, next) = first_line(self.rest.as_bytes());
        let line = &self.rest[..end];
        self.rest = &self.rest[next..];
        Some(line)
    }
}

/// NFC, `\n` line ends, and only characters XML 1.0 allows ([`content_chars`]).
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
        Cow::Owned(content_chars(&unified).collect())
    } else {
        unified
    };
    if surely_nfc(&allowed) {
        return allowed.into_owned();
    }
    composed(allowed)
}

/// `s` in NFC, copied only when it is not already.
fn composed(s: Cow<'_, str>) -> String {
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.into_owned(),
        _ => s.nfc().collect(),
    }
}

/// A byte scan that proves most Vietnamese text NFC without decoding it: every
/// character is ASCII, U+0080–U+01BF (Latin-1 and Latin Extended-A/B, with ơ and
/// ư), U+1E80–U+1EFF (the precomposed Vietnamese letters) or U+2002–U+203F
/// (dashes, quotes, ellipsis). All of these are starters that NFC keeps as they
/// are, so a text made of them is NFC (a test checks every one). `false` means
/// "look closer", not "not NFC".
///
/// Tests each byte that starts a character with the two after it, branch-free
/// (see [`any_window`]).
fn surely_nfc(s: &str) -> bool {
    !any_window(s.as_bytes(), |x, y, z| {
        let first = (x & 0xC0) != 0x80;
        let known = (x < 0x80)
            | (x.wrapping_sub(0xC2) <= 0xC6 - 0xC2)
            | ((x == 0xE1) & ((y == 0xBA) | (y == 0xBB)))
            | ((x == 0xE2) & (y == 0x80) & (z >= 0x82));
        first & !known
    })
}

/// Whether UTF-8 `s` holds white space other than U+0020, by a byte scan over
/// exactly the characters `char::is_whitespace` accepts: U+0009–U+000D, U+0085,
/// U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
/// (This runs on every line of every article, so it neither decodes
/// characters nor branches per byte: see [`any_window`].)
fn has_other_space(s: &str) -> bool {
    any_window(s.as_bytes(), |x, y, z| {
        (x.wrapping_sub(0x09) <= 0x0D - 0x09)
            | ((x == 0xC2) & ((y == 0x85) | (y == 0xA0)))
            | ((x == 0xE1) & (y == 0x9A) & (z == 0x80))
            | ((x == 0xE2)
                & (((y == 0x80)
                    & ((z.wrapping_sub(0x80) <= 0x8A - 0x80)
                        | (z == 0xA8)
                        | (z == 0xA9)
                        | (z == 0xAF)))
                    | ((y == 0x81) & (z == 0x9F))))
            | ((x == 0xE3) & (y == 0x80) & (z == 0x80))
    })
}

/// Whether `hit` holds for some byte of `b` with the two bytes after it (zero
/// past the end). It is tested at every byte, over blocks of 64, with no branch
/// inside a block: the compiler vectorises that, and a line of text costs
/// about 0.15 ns a byte where a branch per byte costs nearly 1 ns (see
/// [`may_be_double_encoded`]). `hit` must
/// be written without branches (`&` and `|` on `bool`s, not `&&` and `||`).
#[inline(always)]
fn any_window(b: &[u8], hit: impl Fn(u8, u8, u8) -> bool) -> bool {
    let n = b.len().saturating_sub(2);
    let lead = &b[..n];
    let next = b.get(1..1 + n).unwrap_or_default();
    let after = b.get(2..2 + n).unwrap_or_default();
    let blocks = lead.chunks(64).zip(next.chunks(64)).zip(after.chunks(64));
    let mut blocks = blocks.map(|((lead, next), after)| {
        let bytes = lead.iter().zip(next).zip(after);
        bytes.fold(false, |found, ((&x, &y), &z)| found | hit(x, y, z))
    });
    let byte = |i: usize| b.get(i).copied().unwrap_or(0);
    blocks.any(|found| found) || (n..b.len()).any(|i| hit(b[i], byte(i + 1), byte(i + 2)))
}

/// The characters of `s` that are text, as [`normalize`] keeps them: VT and
/// FF (Word's manual line break and page break) and NEL (U+0085), white space
/// that XML 1.0 forbids or discourages, each becomes a space, so the words on
/// either side stay apart; an ANSI escape sequence (CSI: ESC, `[`,
/// parameter bytes `0`–`?`, a final byte `@`–`~`, as the colour code
/// `ESC[31m`) goes whole, so no `[31m` is left in a title; every other
/// character [`kept`] refuses goes. None of them is a line end: lines stay
/// those an editor counts.
pub fn content_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    let mut rest = s;
    std::iter::from_fn(move || loop {
        let mut chars = rest.chars();
        let c = chars.next()?;
        rest = chars.as_str();
        match c {
            '\u{b}' | '\u{c}' | '\u{85}' => return Some(' '),
            '\u{1b}' => {
                // The sequence is ASCII, so it ends at a character boundary.
                rest = &rest[csi_len(rest.as_bytes())..];
            }
            c if kept(c) => return Some(c),
            _ => {}
        }
    })
}

/// How many bytes of `after`, which follows an ESC, are the rest of a control
/// sequence (ECMA-48 CSI: `[`, parameter bytes 0x30–0x3F, a final byte
/// 0x40–0x7E); 0 when it starts none. Intermediate bytes (0x20–0x2F), which
/// colour and cursor codes do not use, are not taken: one is a space, so a
/// stray ESC before `[2020 năm` would take `[2020 n` with it.
fn csi_len(after: &[u8]) -> usize {
    if after.first() != Some(&b'[') {
        return 0;
    }
    let params = after[1..]
        .iter()
        .take_while(|b| (0x30..=0x3F).contains(*b))
        .count();
    match after.get(1 + params) {
        Some(0x40..=0x7E) => params + 2,
        _ => 0,
    }
}

/// Whether `s` holds a character [`kept`] drops, by a byte scan: C0 controls
/// other than tab, LF and CR, DEL (`7F`), C1 controls (`C2 80`–`C2 9F`), U+FEFF
/// (`EF BB BF`), U+FDD0–U+FDEF (`EF B7 90`–`EF B7 AF`), U+FFFE/U+FFFF
/// (`EF BF BE`/`EF BF BF`) and the last two of every other plane (a four-byte
/// lead, then `8F`, `9F`, `AF` or `BF`, `BF`, `BE` or `BF`).
pub(crate) fn has_forbidden(s: &str) -> bool {
    let b = s.as_bytes();
    // Most lines hold no byte a forbidden character starts with (Vietnamese
    // letters start with C3–C6 or E1): a test of each byte alone, without a
    // branch (see `any_window`), says so before the test of what follows it.
    let may = any_window(b, |c, _, _| {
        ((c < 0x20) & (c != b'\t') & (c != b'\n') & (c != b'\r'))
            | (c == 0x7F)
            | (c == 0xC2)
            | (c == 0xEF)
            | (c.wrapping_sub(0xF0) <= 0xF4 - 0xF0)
    });
    may && b.iter().enumerate().any(|(i, &c)| match c {
        0x00..=0x1F => !matches!(c, b'\t' | b'\n' | b'\r'),
        0x7F => true,
        0xC2 => b.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)),
        0xEF => matches!(
            (b.get(i + 1), b.get(i + 2)),
            (Some(0xBF), Some(0xBE | 0xBF))
                | (Some(0xBB), Some(0xBF))
                | (Some(0xB7), Some(0x90..=0xAF))
        ),
        0xF0..=0xF4 => matches!(
            (b.get(i + 1), b.get(i + 2), b.get(i + 3)),
            (Some(n), Some(0xBF), Some(0xBE | 0xBF)) if n & 0x0F == 0x0F
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
/// - The noncharacters XML 1.0 allows: U+FDD0–U+FDEF and the last two code
///   points of planes 1 to 16 (U+1FFFE, U+1FFFF, …). Unicode keeps them for a
///   program's own use, never for text it hands on, and XML 1.0 asks
///   documents to avoid them (§2.2), as it forbids U+FFFE and U+FFFF.
pub fn kept(c: char) -> bool {
    xml_allowed(c) && !matches!(c, '\u{7F}'..='\u{9F}' | '\u{FEFF}') && !is_noncharacter(c)
}

/// Whether `c` is one of Unicode's 66 noncharacters (U+FDD0–U+FDEF and the
/// last two code points of each plane).
pub fn is_noncharacter(c: char) -> bool {
    matches!(c, '\u{FDD0}'..='\u{FDEF}') || (c as u32) & 0xFFFE == 0xFFFE
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
    let invisible = |c: char| c == ' ' || crate::names::invisible(c);
    if line.chars().all(invisible) {
        String::new()
    } else {
        line
    }
}

/// Collapses runs of white space (including U+00A0) to one space and trims.
pub fn squash_spaces(s: &str) -> String {
    let t = s.trim();
    if spaced_plainly(t) {
        return t.to_owned();
    }
    squashed(t)
}

/// [`squash_spaces`] of a string already owned, kept (trimmed in place) where
/// it needs no more: a parse squashes every line it reads, and most need
/// only their ends trimmed, if that.
pub fn squash_spaces_owned(mut s: String) -> String {
    if s.is_empty() {
        return s;
    }
    let t = s.trim();
    if !spaced_plainly(t) {
        return squashed(t);
    }
    let start = s.len() - s.trim_start().len();
    let end = start + t.len();
    s.truncate(end);
    s.drain(..start);
    s
}

/// Whether trimmed `t` is spaced with single U+0020 only, so that
/// squashing it leaves it as it is.
fn spaced_plainly(t: &str) -> bool {
    !t.contains("  ") && !has_other_space(t)
}

/// Trimmed `t` with each run of white space made one space.
fn squashed(t: &str) -> String {
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

/// Whether [`printable`] writes `c` escaped: a control character (C0, DEL,
/// C1), a line or paragraph separator, or a bidirectional control or mark.
pub fn hidden(c: char) -> bool {
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
}

/// A path as [`printable`] shows it, each byte of its name that is not
/// UTF-8 written as `\xFF` (two names that differ only there show apart,
/// where `display` would show both with the same `\u{fffd}`).
pub fn printable_path(path: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        out.push_str(&printable(chunk.valid()));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
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
/// space whatever the field held, and composed again (NFC), since a closer
/// dropped from between a letter and its tone mark leaves them side by side.
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
        // A closer dropped from between a letter and its tone mark
        // (`Ca\u{202C}\u{309}`) leaves the two side by side, to be composed
        // (`Cả`) as [`normalize`] composed the rest.
        composed(Cow::Owned(squash_spaces(&out)))
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_double_encoding_test_finds_its_pair_wherever_it_stands() {
        // Against the rule read plainly, on every string of up to 5 bytes
        // drawn from the bytes that matter, and at every place in a block
        // of 64 and across the blocks' edges.
        let plain = |b: &[u8]| {
            b.windows(3).any(|w| {
                w[0] == 0xC3
                    && matches!(w[1], 0x82..=0xB4)
                    && matches!(w[2], 0xC2 | 0xC5 | 0xC6 | 0xCB | 0xE2)
            })
        };
        let alphabet = [
            0xC3, 0x81, 0x82, 0xB4, 0xB5, 0xC2, 0xC5, 0xC6, 0xCB, 0xE2, b'a',
        ];
        let mut strings = vec![Vec::new()];
        for _ in 0..5 {
            let longer: Vec<Vec<u8>> = strings
                .iter()
                .filter(|s| s.len() == strings.last().map_or(0, Vec::len))
                .flat_map(|s| {
                    alphabet.iter().map(move |&c| {
                        let mut s = s.clone();
                        s.push(c);
                        s
                    })
                })
                .collect();
            strings.extend(longer);
        }
        for s in &strings {
            assert_eq!(may_be_double_encoded(s), plain(s), "{s:x?}");
        }
        let pair = [0xC3, 0xA1, 0xC2];
        for at in 0..200 {
            let mut text = "à ô ư ".repeat(40).into_bytes();
            assert!(!may_be_double_encoded(&text));
            text.splice(at..at, pair);
            assert!(may_be_double_encoded(&text), "at {at}");
        }
    }

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
        // One dropped from between a letter and its tone mark leaves them to
        // be composed, so the field is NFC as every other is.
        for closer in ['\u{202C}', '\u{2069}'] {
            let field = format!("Ca{closer}\u{309} Mau");
            assert_eq!(b(&field), "Cả Mau", "{field:?}");
        }
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
        // Bytes that are not UTF-8, each its own escape: two names that
        // differ there show apart, and a name spelling `\xFF` shows `\\xFF`.
        use std::os::unix::ffi::OsStrExt;
        let name = |b: &[u8]| printable_path(std::path::Path::new(std::ffi::OsStr::from_bytes(b)));
        assert_eq!(name(b"t/b\xe0i\xff\xfe.txt"), "t/b\\xE0i\\xFF\\xFE.txt");
        assert_ne!(name(b"bad\xff.txt"), name(b"bad\xfe.txt"));
        assert_eq!(name(b"bad\\xFF.txt"), "bad\\\\xFF.txt");
        assert_eq!(name("bài.txt".as_bytes()), "bài.txt");
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

    /// One article in TCVN3 (ABC) and in VNI, as their bytes (the same
    /// text: "Trang nhất » Kinh tế / Giá lúa tăng nhẹ đầu vụ / …").
    const TCVN3: &[u8] = b"Trang nh\xCAt \xBB Kinh t\xD5\n\nGi\xB8 l\xF3a t\xA8ng nh\xD1 \xAE\xC7u v\xF4\n\n\
        Th\xF8 hai, 05/06/2023 07:30\nN\xABng d\xA9n ph\xCAn kh\xEBi v\xD7 gi\xB8 l\xF3a t\xA8ng.\n";
    const VNI: &[u8] = b"Trang nha\xE1t \xBB Kinh te\xE1\n\nGia\xF9 lu\xF9a ta\xEAng nhe\xEF \xF1a\xE0u vu\xEF\n\n\
        Th\xF6\xF9 hai, 05/06/2023 07:30\nNo\xE2ng da\xE2n pha\xE1n kh\xF4\xFBi v\xEC gia\xF9 lu\xF9a ta\xEAng.\n";

    #[test]
    fn tcvn3_and_vni_are_refused_not_read_as_windows_1258() {
        assert_eq!(
            decode(TCVN3),
            Err(TextError::LegacyVietnamese {
                line: 1,
                word: "nhÊt".into()
            })
        );
        assert_eq!(
            decode(VNI),
            Err(TextError::LegacyVietnamese {
                line: 1,
                word: "nhaát".into()
            })
        );
        let said = decode(TCVN3).unwrap_err().to_string();
        assert!(said.contains("TCVN3 (ABC) or VNI"), "{said}");
        assert!(said.contains("line 1 would read \"nhÊt\""), "{said}");
        // A paragraph of it pasted into UTF-8 text: its own line is named.
        let mut pasted = "Trang nhất » Kinh tế\n\nGiá lúa tăng\n\n"
            .as_bytes()
            .to_vec();
        let last_line =
            TCVN3.len() - b"N\xABng d\xA9n ph\xCAn kh\xEBi v\xD7 gi\xB8 l\xF3a t\xA8ng.\n".len();
        pasted.extend_from_slice(&TCVN3[last_line..]);
        assert_eq!(
            decode(&pasted),
            Err(TextError::LegacyVietnamese {
                line: 5,
                word: "N«ng".into()
            })
        );
        // The same text in Windows-1258 is read, as before.
        let text = "Trang nhất » Kinh tế\n\nGiá lúa tăng nhẹ đầu vụ\n\nThứ hai, 05/06/2023 07:30\n\
                    Nông dân phấn khởi vì giá lúa tăng.\n";
        assert_eq!(decode(&cp1258(text)).unwrap().text, text);
    }

    #[test]
    fn latin_text_in_windows_1252_is_not_taken_for_tcvn3_or_vni() {
        // Pages in other languages that a Vietnamese store may hold, saved
        // in Windows-1252 (which Windows-1258 reads alike for these letters).
        for text in [
            "Die Bürger der Stadt München haben über die Änderungen abgestimmt. \
             Größere Straßen führen zur Brücke.",
            "Le français est une langue très élégante; l'île où naît le garçon est \
             près de la forêt. Noël mange des crêpes à côté du château.",
            "El niño español mañana irá a la montaña con su compañero; el año pasado \
             visitó Cataluña.",
            "Don’t worry, it’s fine — the café’s “special” menu is naïve.",
        ] {
            let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
            assert!(!unmappable);
            assert_eq!(decode(&bytes).unwrap().text, text);
        }
        // A foreign name or two in Windows-1258 Vietnamese is no verdict.
        let text = "Ông Søren Ødegård thăm Hà Nội và Thành phố Hồ Chí Minh trong tuần này.";
        assert_eq!(decode(&cp1258(text)).unwrap().text, text);
        // Nor a line of French quoted in Windows-1252 in a UTF-8 article.
        let quote = "« Noël à Haïti coûte cher, c'est sûr »";
        let (line, _, _) = encoding_rs::WINDOWS_1252.encode(quote);
        let mut bytes = "Trang nhất » Thế giới\n\nTiêu đề\n\n".as_bytes().to_vec();
        bytes.extend_from_slice(&line);
        assert_eq!(
            decode(&bytes).unwrap().text,
            format!("Trang nhất » Thế giới\n\nTiêu đề\n\n{quote}")
        );
    }

    #[test]
    fn the_word_a_tcvn3_refusal_shows_is_cut() {
        // A TCVN3 file with no space: its one word is the whole file.
        let word: Vec<u8> = b"t\xA8ng".iter().copied().cycle().take(40_000).collect();
        let Err(TextError::LegacyVietnamese { line, word }) =
            decode(&[&word[..], b" a\xA8b a\xA8b a\xA8b a\xA8b"].concat())
        else {
            panic!("not refused");
        };
        assert_eq!(line, 1);
        assert_eq!(word.chars().count(), LEGACY_SHOWN + 1);
        assert!(
            word.starts_with("t¨ngt¨ng") && word.ends_with('…'),
            "{word}"
        );
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
        // Two bad bytes apart are two places; a surrogate's three, one.
        let wide = "ấứềộữịắả".as_bytes();
        assert_eq!(utf8_evidence(&[wide, b"a\xFFb\xFE"].concat()), (8, 2));
        assert_eq!(utf8_evidence(&[wide, b"\xED\xA0\x80"].concat()), (8, 1));
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
        let spans: Vec<_> = line_spans(b"a\rb\r\nc\nd").collect();
        assert_eq!(spans, [(0, 1, 2), (2, 3, 5), (5, 6, 7), (7, 8, 8)]);
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
        let clean = decode("a\u{1}b\u{8}c\u{1f}e\u{fffe}f\tg".as_bytes()).unwrap();
        assert_eq!(clean.text, "abcef\tg");
        // DEL and the C1 controls, written directly or from the bytes
        // Windows-1258 leaves undefined (81, 8A, 8D–90, 9A, 9D, 9E).
        let clean = decode("a\u{7f}b\u{80}c\u{86}d\u{9f}e\u{a0}f".as_bytes()).unwrap();
        assert_eq!(clean.text, "abcde\u{a0}f");
        let clean = decode(b"Tin \x81t\x8Dc \x90m\x9Di \xE0 \x8E\x8F\x9A\x9E\x8Ay").unwrap();
        assert_eq!(clean.text, "Tin tc mi \u{e0} y");
        assert_eq!(clean.warnings.len(), 1, "{:?}", clean.warnings);
        // One between a letter and its tone mark does not block composition.
        assert_eq!(decode("a\u{81}\u{301}".as_bytes()).unwrap().text, "á");
        assert_eq!(decode("a\u{1b}[0m\u{301}".as_bytes()).unwrap().text, "á");
    }

    #[test]
    fn noncharacters_are_removed() {
        let clean = decode("a\u{fdd0}b\u{fdef}c\u{1fffe}d\u{10ffff}e\u{fdcf}f".as_bytes()).unwrap();
        assert_eq!(clean.text, "abcde\u{fdcf}f");
        assert_eq!(
            (0..=0x10FFFF)
                .filter_map(char::from_u32)
                .filter(|&c| is_noncharacter(c))
                .count(),
            66
        );
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
        assert!(
            clean.warnings[1]
                .starts_with("not valid UTF-16LE in 1 place (the first at line 1, byte offset 4)"),
            "{:?}",
            clean.warnings
        );
        // Lone surrogates on the third line (after CRLF and CR), beside a
        // U+FFFD written in the file, which is no fault.
        let units: Vec<u16> = "a\r\nb\u{fffd}\rc"
            .encode_utf16()
            .chain([0xD800, u16::from(b'd'), 0xDC00])
            .collect();
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(units.iter().flat_map(|u| u.to_le_bytes()))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(units.iter().flat_map(|u| u.to_be_bytes()))
            .collect();
        for (bytes, name) in [(le, "UTF-16LE"), (be, "UTF-16BE")] {
            let clean = decode(&bytes).unwrap();
            assert_eq!(clean.text, "a\nb\u{fffd}\nc\u{fffd}d\u{fffd}");
            assert_eq!(
                clean.warnings[1],
                format!(
                    "not valid {name} in 2 places (the first at line 3, byte offset 16): a \
                     surrogate or a last byte without its pair, which became U+FFFD: fix them \
                     in the file"
                )
            );
        }
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
                has_other_space(s),
                c.is_whitespace() && c != ' ',
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn the_byte_scans_read_every_character_wherever_it_stands() {
        // Each scan against its rule read plainly, char by char: on every
        // pair of characters that matter (so every window across two), and
        // with each of them at every place in a block of 64 and across the
        // blocks' edges, amid Vietnamese text.
        let other_space = |s: &str| s.chars().any(|c| c.is_whitespace() && c != ' ');
        let forbidden = |s: &str| s.chars().any(|c| !kept(c));
        let nfc_range = |c: char| matches!(c, '\0'..='\u{1BF}' | '\u{1E80}'..='\u{1EFF}' | '\u{2002}'..='\u{203F}');
        let check = |s: &str| {
            assert_eq!(has_other_space(s), other_space(s), "{s:?}");
            assert_eq!(has_forbidden(s), forbidden(s), "{s:?}");
            assert_eq!(surely_nfc(s), s.chars().all(nfc_range), "{s:?}");
        };
        let chars = [
            'a',
            ' ',
            '\t',
            '\u{b}',
            '\r',
            '\u{1}',
            '\u{7f}',
            '\u{85}',
            '\u{9f}',
            '\u{a0}',
            'à',
            'ơ',
            '\u{1c0}',
            '\u{301}',
            '\u{1680}',
            '\u{1e7f}',
            'ạ',
            'ỹ',
            '\u{1f00}',
            '\u{2000}',
            '\u{2001}',
            '\u{2002}',
            '\u{200a}',
            '\u{200b}',
            '\u{2028}',
            '\u{202f}',
            '“',
            '…',
            '\u{2040}',
            '\u{205f}',
            '\u{3000}',
            '\u{fdd0}',
            '\u{feff}',
            '\u{fffe}',
            '\u{1fffe}',
            '\u{1f600}',
        ];
        check("");
        for a in chars {
            check(&a.to_string());
            for b in chars {
                check(&format!("{a}{b}"));
            }
        }
        for c in chars {
            for at in 0..140 {
                let mut text: String = "à ô ư ạ “ỹ” ".repeat(12);
                let at = (0..=at)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                text.insert(at, c);
                check(&text);
            }
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
            assert!(surely_nfc(s), "U+{:04X} is in a range", c as u32);
            assert_eq!(canonical_combining_class(c), 0, "U+{:04X}", c as u32);
            assert_eq!(
                is_nfc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "U+{:04X}",
                c as u32
            );
        }
        for s in ["a\u{300}", "\u{2000}", "\u{1161}", "\u{1E00}", "\u{2126}"] {
            assert!(!surely_nfc(s), "{s:?}");
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
        // The owned form trims in place what needs only trimming, and gives
        // what the borrowed one gives, blank lines included.
        for s in [
            "",
            " ",
            "   ",
            "\t \u{a0}",
            "a",
            " a",
            "a ",
            "  Tác giả: Lan  ",
            "a  b",
            " à\u{3000}ư ",
        ] {
            assert_eq!(squash_spaces_owned(s.to_owned()), squash_spaces(s), "{s:?}");
        }
    }

    /// `s` as Vietnamese Windows text holds it in Windows-1258: the letters
    /// `â ê ô ơ ư ă đ` precomposed, the tone marks combining after them.
    fn cp1258(s: &str) -> Vec<u8> {
        let tone =
            |c: &char| matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}');
        let mut text = String::new();
        for c in s.chars() {
            let parts: String = c.nfd().collect();
            text.extend(parts.chars().filter(|c| !tone(c)).collect::<String>().nfc());
            text.extend(parts.chars().filter(tone));
        }
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&text);
        assert!(!unmappable, "{s:?}");
        bytes.into_owned()
    }

    fn parse_article(text: &str) -> crate::article::Article {
        let src = crate::article::Source {
            id: "a",
            folder: Some("thoi-su"),
            modified: None,
            tz: chrono_tz::Asia::Ho_Chi_Minh,
        };
        crate::article::parse(text, &src).unwrap().article
    }

    const HEAD: &str = "Trang nhất » Tin Tức » Thời sự\n\nHội nghị tổng kết công tác năm 2020\n\nThứ hai - 11/05/2020 08:00\nSáng nay, hội nghị đã khai mạc.\n";
    const PASTED: &str = "Ủy ban nhân dân tỉnh đã tổ chức hội nghị tổng kết công tác phòng chống thiên tai năm 2020, với sự tham dự của các sở, ban, ngành và địa phương.";
    const TAIL: &str = "\nĐại biểu đã thảo luận về kế hoạch năm tới.\n";

    /// A UTF-8 article with one paragraph pasted from a Windows-1258 page:
    /// that line alone is Windows-1258, and the breadcrumb, title and date
    /// line stay UTF-8.
    #[test]
    fn a_pasted_windows_1258_paragraph_leaves_the_utf8_around_it() {
        let legacy = cp1258(PASTED);
        let bytes = [HEAD.as_bytes(), &legacy, TAIL.as_bytes()].concat();
        let clean = decode(&bytes).unwrap();
        assert_eq!(clean.text, format!("{HEAD}{PASTED}{TAIL}"));
        let at = HEAD.len() + legacy.iter().position(|&b| b >= 0x80).unwrap();
        assert_eq!(
            clean.warnings,
            [format!(
                "line 7 is not valid UTF-8 (first bad byte at offset {at}); it was decoded as \
                 Windows-1258 and the rest of the file as UTF-8: convert that line to UTF-8"
            )]
        );
        let a = parse_article(&clean.text);
        assert_eq!(a.categories, ["Tin Tức", "Thời sự"]);
        assert_eq!(a.title, "Hội nghị tổng kết công tác năm 2020");
        assert_eq!(a.published.to_rfc3339(), "2020-05-11T08:00:00+07:00");
        assert_eq!(a.paragraphs[0], PASTED);

        // Several lines, apart, with a BOM and CRLF: named by how many, the
        // first and the last, the offset counting the BOM.
        let bytes = [
            b"\xEF\xBB\xBF",
            HEAD.replace('\n', "\r\n").as_bytes(),
            &legacy,
            b"\r\n",
            &legacy,
            b"\r\nV\xE2\xF2n.\r\n",
            TAIL.as_bytes(),
            &legacy,
        ]
        .concat();
        let clean = decode(&bytes).unwrap();
        assert_eq!(
            clean.text,
            format!("{HEAD}{PASTED}\n{PASTED}\nVận.\n{TAIL}{PASTED}")
        );
        let at = 3 + HEAD.len() + 6 + legacy.iter().position(|&b| b >= 0x80).unwrap();
        assert_eq!(
            clean.warnings,
            [format!(
                "4 lines from line 7 to line 12 are not valid UTF-8 (the first bad byte at offset \
                 {at}); they were decoded as Windows-1258 and the rest of the file as UTF-8: \
                 convert those lines to UTF-8"
            )]
        );
    }

    /// A file all in Windows-1258 is read as one, with the warning it always
    /// had: no line of it is UTF-8.
    #[test]
    fn a_file_all_in_windows_1258_decodes_as_a_whole() {
        let fixtures = [
            &include_bytes!("../tests/fixtures/windows-1258.txt")[..],
            include_bytes!("../tests/fixtures/windows-1258-undefined.txt"),
            &cp1258(&format!("{HEAD}{PASTED}{TAIL}")),
            b"Trang nh\xe2t \xbb Tin\n\nTin \xe2m nh\xe1c\n10/05/2020 15:33\nD\xe2n.\n",
        ];
        for bytes in fixtures {
            let first = simdutf8::compat::from_utf8(bytes)
                .unwrap_err()
                .valid_up_to();
            let (whole, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(bytes);
            let clean = decode(bytes).unwrap();
            assert_eq!(clean.text, normalize(&whole));
            assert_eq!(
                clean.warnings,
                [format!(
                    "not valid UTF-8 (first bad byte at offset {first}); decoded as Windows-1258"
                )]
            );
        }
    }

    /// A line with a stray byte is UTF-8 when it, with the rest of the file,
    /// holds UTF-8; a line with no UTF-8 in it is Windows-1258, and a stray
    /// byte there is most likely a Windows quote. Each kind has its warning.
    #[test]
    fn each_bad_line_is_read_as_what_it_holds() {
        let bytes = [
            HEAD.as_bytes(),
            "Lời kết ".as_bytes(),
            b"\xFF",
            " của hội nghị.\nDon".as_bytes(),
            b"\x92t panic.\n",
            &cp1258(PASTED),
            TAIL.as_bytes(),
        ]
        .concat();
        let clean = decode(&bytes).unwrap();
        assert_eq!(
            clean.text,
            format!("{HEAD}Lời kết \u{FFFD} của hội nghị.\nDon’t panic.\n{PASTED}{TAIL}")
        );
        let stray = HEAD.len() + "Lời kết ".len();
        let quote = stray + 1 + " của hội nghị.\nDon".len();
        assert_eq!(
            clean.warnings,
            [
                format!(
                    "not valid UTF-8 in 1 place (the first at line 7, byte offset {stray}); the \
                     text around it is UTF-8, so each bad sequence became U+FFFD: fix it in the file"
                ),
                format!(
                    "2 lines from line 8 to line 9 are not valid UTF-8 (the first bad byte at \
                     offset {quote}); they were decoded as Windows-1258 and the rest of the file \
                     as UTF-8: convert those lines to UTF-8"
                ),
            ]
        );
        // A file cut off inside its last character, with a pasted line before.
        let mut cut = [HEAD.as_bytes(), &cp1258(PASTED), b"\nTin t"].concat();
        cut.extend_from_slice(&"ứ".as_bytes()[..2]);
        let clean = decode(&cut).unwrap();
        assert_eq!(clean.text, format!("{HEAD}{PASTED}\nTin t"));
        assert_eq!(clean.warnings.len(), 2, "{:?}", clean.warnings);
        assert!(
            clean.warnings[0].starts_with("line 7 is not valid UTF-8"),
            "{:?}",
            clean.warnings
        );
        assert_eq!(
            clean.warnings[1],
            format!(
                "file ends in the middle of a UTF-8 character (byte {}); the incomplete \
                 character was dropped",
                cut.len() - 2
            )
        );
    }

    /// Word's manual line break (VT) and page break (FF), NEL, and the
    /// Unicode line and paragraph separators keep the words either side apart.
    #[test]
    fn breaks_inside_a_line_are_white_space() {
        for (raw, want) in [
            ("Hà Nội\u{b}đã", "Hà Nội đã"),
            ("Phần hai\u{c}Phần ba", "Phần hai Phần ba"),
            ("Hà Nội\u{85}đã", "Hà Nội đã"),
            ("Hà Nội\u{2028}đã", "Hà Nội đã"),
            ("Hà Nội\u{2029}đã", "Hà Nội đã"),
            ("Hà \u{b}\u{c} Nội\u{b}", "Hà Nội"),
        ] {
            let clean = decode(raw.as_bytes()).unwrap();
            assert_eq!(squash_spaces(&clean.text), want, "{raw:?}");
            // No line end: the line count an editor shows stays.
            assert_eq!(clean.text.lines().count(), 1, "{raw:?}");
        }
    }

    /// An ANSI escape sequence goes whole; an ESC that starts none goes alone.
    #[test]
    fn escape_sequences_go_whole() {
        for (raw, want) in [
            ("\u{1b}[31mTin nóng\u{1b}[0m", "Tin nóng"),
            ("Tin\u{1b}[1;31m nóng\u{1b}[m", "Tin nóng"),
            ("\u{1b}[?25lTin", "Tin"),
            // Not a control sequence: only the ESC goes.
            ("\u{1b}Tin", "Tin"),
            ("\u{1b}[ Tin", "[ Tin"),
            ("\u{1b}[2020 năm", "[2020 năm"),
            ("\u{1b}[12", "[12"),
            ("Tin\u{1b}", "Tin"),
        ] {
            assert_eq!(decode(raw.as_bytes()).unwrap().text, want, "{raw:?}");
        }
    }

    /// `s` double-encoded: its UTF-8 bytes read as Windows-1252, as a
    /// browser or an editor would, and written as UTF-8 again.
    fn double_encoded(s: &str) -> String {
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(s.as_bytes());
        text.into_owned()
    }

    #[test]
    fn the_windows_1252_table_is_the_encoding_standard_s() {
        for (i, &c) in CP1252_HIGH.iter().enumerate() {
            let b = u8::try_from(0x80 + i).unwrap();
            let byte = [b];
            let (read, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte);
            assert_eq!(read.chars().collect::<Vec<_>>(), [c], "{b:#x}");
            assert_eq!(cp1252_byte(c), Some(b));
        }
        assert_eq!(cp1252_byte('ÿ'), Some(0xFF));
        assert_eq!(cp1252_byte('\u{81}'), Some(0x81));
        assert_eq!(cp1252_byte('ộ'), None);
    }

    /// Double-encoded Vietnamese is read back, the breadcrumb and title
    /// with it, with a warning naming the line.
    #[test]
    fn double_encoded_utf8_is_read_back() {
        let article = format!("{HEAD}{PASTED}{TAIL}");
        assert_eq!(double_encoded("Hội nghị"), "Há»™i nghá»‹");
        let bytes = double_encoded(&article);
        let clean = decode(bytes.as_bytes()).unwrap();
        assert_eq!(clean.text, article);
        assert_eq!(
            clean.warnings,
            ["6 lines from line 1 to line 8 are UTF-8 that was read as Windows-1252 and saved as \
              UTF-8 again (mojibake, such as \"Há»™i nghá»‹\" for \"Hội nghị\"); they were read \
              back as the UTF-8 they were: check them, and save the file again from its original"]
        );
        let a = parse_article(&clean.text);
        assert_eq!(a.categories, ["Tin Tức", "Thời sự"]);
        assert_eq!(a.title, "Hội nghị tổng kết công tác năm 2020");
        assert_eq!(a.published.to_rfc3339(), "2020-05-11T08:00:00+07:00");

        // One line of it in a clean article, in NFD, with a BOM read as
        // Windows-1252 too, and read by ISO 8859-1 (C1 controls for the bytes
        // 0x80–0x9F): each read back.
        let nfd: String = PASTED.nfd().collect();
        let latin1: String = nfd.bytes().map(char::from).collect();
        for line in [
            double_encoded(&nfd),
            double_encoded(&format!("\u{feff}{PASTED}")),
            latin1,
        ] {
            let text = format!("{HEAD}{line}{TAIL}");
            let clean = decode(text.as_bytes()).unwrap();
            assert_eq!(clean.text, format!("{HEAD}{PASTED}{TAIL}"), "{line:?}");
            assert_eq!(clean.warnings.len(), 1, "{:?}", clean.warnings);
            assert!(
                clean.warnings[0].starts_with("line 7 is UTF-8 that was read as Windows-1252"),
                "{:?}",
                clean.warnings
            );
        }
        // Short lines: one Vietnamese letter of three bytes, two of two.
        for word in ["Tin tức", "Đi đi", "café crème", "don’t"] {
            let clean = decode(double_encoded(word).as_bytes()).unwrap();
            assert_eq!(clean.text, word, "{word:?}");
            assert_eq!(clean.warnings.len(), 1, "{word:?}");
        }
    }

    /// Text that is not double-encoded is never changed, however much it
    /// looks like it: real Vietnamese (NFC and NFD), French, German, and
    /// lines that read back as something no text holds.
    #[test]
    fn text_that_is_not_double_encoded_is_left_alone() {
        let vietnamese = [
            HEAD,
            PASTED,
            "Café Ô Long",
            "Bà Mẫn Ôn Âu Ân Ê-đê Ì Í Ầu",
            "NGÃ BA HUẾ, ĐÀ NẴNG",
            "“Hà Nội”… à? — ồ!",
            "Giá: 5.000 ₫ / kg",
        ];
        let other = [
            "Crème brûlée à la française",
            "Ça coûte 5 € — « très cher »",
            "Grüße aus Köln: Straße, Größe, Fuß",
            "Fuß”",
            "CAFÉ…",
            "NGÃ”",
            "Â©",
            "Ã",
            "Â Ã Ä Å Æ Ç È É Ê Ë",
            "ÂÃÄÅÆÇÈÉ",
            "Ä",
            "ÅŸ",
            // Capitals before an ellipsis, quote or no-break space form
            // UTF-8 by chance (`É…` is C9 85, `Ʌ`): not double-encoded.
            "CAFÉ… ET THÉ…",
            "HÍ… HÍ…",
            "TÍ\u{a0}TÌ\u{a0}",
            "Ä… Ä…",
            "ÉTÉ” ÔÉ’",
        ];
        for text in vietnamese.into_iter().chain(other) {
            for form in [text.nfc().collect::<String>(), text.nfd().collect()] {
                let clean = decode(form.as_bytes()).unwrap();
                assert_eq!(clean.text, text.nfc().collect::<String>(), "{form:?}");
                assert!(clean.warnings.is_empty(), "{form:?}: {:?}", clean.warnings);
            }
        }
        // One two-byte character alone is not enough to tell.
        assert_eq!(decode("cafÃ©".as_bytes()).unwrap().text, "cafÃ©");
        // Read back as Cyrillic or NKo: not what double-encoded text holds.
        for line in ["ÐŸÑ€Ð¸", "ß“ß”"] {
            assert_eq!(decode(line.as_bytes()).unwrap().text, line);
        }
        // A Windows-1258 line is never taken for double-encoded text: it
        // gives back the bytes it came from, which are not UTF-8.
        let bytes = [HEAD.as_bytes(), b"Gi\xE1\xBB \xE0\xA0 \xC2\xA9 nh\xE2n\n"].concat();
        let clean = decode(&bytes).unwrap();
        assert_eq!(clean.text, format!("{HEAD}Giá» à\u{A0} Â© nhân\n"));
        assert_eq!(clean.warnings.len(), 1, "{:?}", clean.warnings);
        assert!(
            clean.warnings[0].starts_with("line 7 is not valid UTF-8"),
            "{:?}",
            clean.warnings
        );
    }
}
