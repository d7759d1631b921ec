//! Raw file bytes → clean NFC text that any XML or JSON writer can carry.
//!
//! Stores collect pages saved by many crawlers over many years, so a file may be
//! UTF-8 with or without a BOM, legacy Windows-1258, CRLF or CR terminated, NFD
//! (decomposed) or NFC, and may carry control characters that XML 1.0 forbids.
//! Everything downstream sees one form: NFC, `\n` line ends, XML-safe characters.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Why a file's bytes cannot be an article at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// The file has no bytes.
    #[error("empty file")]
    Empty,
    /// The file has NUL bytes: an image, an archive, or some other binary file.
    #[error("binary file (NUL byte at offset {0})")]
    Binary(usize),
}

/// Text decoded from a file, with what had to be repaired on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clean {
    /// NFC text with `\n` line ends and no XML-forbidden characters.
    pub text: String,
    /// Repairs worth telling an editor about (encoding fallbacks, cut-off characters).
    pub warnings: Vec<String>,
}

/// Decodes and normalises one file's bytes.
///
/// UTF-8 is tried first (a BOM is dropped). A file that is valid UTF-8 except for
/// an incomplete sequence at its very end was caught mid-write: the broken tail is
/// dropped with a warning. Anything else that is not UTF-8 is decoded as
/// Windows-1258, the legacy Vietnamese code page, with a warning.
pub fn decode(bytes: &[u8]) -> Result<Clean, TextError> {
    if bytes.is_empty() {
        return Err(TextError::Empty);
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(TextError::Binary(at));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut warnings = Vec::new();
    let decoded: Cow<'_, str> = match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        // `error_len() == None` means the input ended inside a multi-byte sequence.
        Err(e) if e.error_len().is_none() => {
            warnings.push(format!(
                "file ends in the middle of a UTF-8 character (byte {}); the incomplete character was dropped",
                e.valid_up_to()
            ));
            Cow::Borrowed(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default())
        }
        Err(e) => {
            warnings.push(format!(
                "not valid UTF-8 (first bad byte at offset {}); decoded as Windows-1258",
                e.valid_up_to()
            ));
            let (text, _, _) = encoding_rs::WINDOWS_1258.decode(bytes);
            text
        }
    };
    Ok(Clean {
        text: normalize(&decoded),
        warnings,
    })
}

/// NFC, `\n` line ends, and only characters XML 1.0 allows.
pub fn normalize(s: &str) -> String {
    let unified: Cow<'_, str> = if s.contains('\r') {
        Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(s)
    };
    // Nearly every file is already NFC and clean, and the full NFC pass is the
    // slowest step of reading a store: the quick check (UAX #15 §9) answers "yes"
    // for such text without decomposing and recomposing it.
    // Chars that are NFC starters by their range are left out of the table lookups;
    // leaving starters out can only turn a "yes" into a "no", never the reverse.
    let quick = is_nfc_quick(unified.chars().filter(|&c| !is_plain_starter(c)));
    if quick == IsNormalized::Yes && unified.chars().all(xml_allowed) {
        return unified.into_owned();
    }
    unified.nfc().filter(|&c| xml_allowed(c)).collect()
}

/// Whether `c` is an NFC starter (combining class 0, NFC quick check "yes") by its
/// range alone: below U+0300 (Latin-1 and Latin Extended-A/B), or in Latin Extended
/// Additional (U+1E00–U+1EFF), where every precomposed Vietnamese letter lives.
fn is_plain_starter(c: char) -> bool {
    c < '\u{300}' || ('\u{1E00}'..='\u{1EFF}').contains(&c)
}

/// Whether XML 1.0 (§2.2 `Char`) allows `c` in a document.
///
/// Tab and LF are kept; CR never reaches here. Other C0 controls, surrogates
/// (impossible in a `char`) and the non-characters U+FFFE/U+FFFF are out.
pub fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Collapses runs of white space (including U+00A0) to one space and trims.
pub fn squash_spaces(s: &str) -> String {
    // This runs on every line of every file, and most lines are already squashed.
    if is_squashed(s) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether `s` has no white space but single ASCII spaces between words, checked
/// by bytes: every non-ASCII white space char starts with one of four lead bytes.
fn is_squashed(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let mut after_space = false;
    for (i, &byte) in b.iter().enumerate() {
        match byte {
            b' ' if after_space => return false,
            b' ' => {
                after_space = true;
                continue;
            }
            b'\t'..=b'\r' => return false,
            // U+0085, U+00A0; U+1680; U+2000–U+200A, U+2028/9, U+202F, U+205F; U+3000.
            0xC2 | 0xE1 | 0xE2 | 0xE3 if s[i..].chars().next().is_some_and(char::is_whitespace) => {
                return false
            }
            _ => {}
        }
        after_space = false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn clean_nfc_passes_through_and_mixed_forms_compose() {
        let clean = "Thành phố Điện Biên Phủ\n\u{a0}\nẾ.";
        assert_eq!(normalize(clean), clean);
        // A precomposed letter followed by a combining mark composes further.
        assert_eq!(normalize("e\u{302}\u{301} ê\u{301}"), "ế ế");
        assert_eq!(normalize("Ế\r\n\u{1}x\u{ffff}"), "Ế\nx");
    }

    #[test]
    fn plain_starters_are_nfc_starters() {
        use unicode_normalization::char::canonical_combining_class;
        let ranges = [('\u{0}', '\u{2FF}'), ('\u{1E00}', '\u{1EFF}')];
        for c in ranges.iter().flat_map(|&(lo, hi)| lo..=hi) {
            assert!(is_plain_starter(c));
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert_eq!(is_nfc_quick(std::iter::once(c)), IsNormalized::Yes, "{c:?}");
        }
        assert!(!is_plain_starter('\u{300}') && !is_plain_starter('\u{1F00}'));
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
    }

    #[test]
    fn empty_and_binary_rejected() {
        assert_eq!(decode(b""), Err(TextError::Empty));
        assert_eq!(decode(b"\x89PNG\x00\x01"), Err(TextError::Binary(4)));
    }

    #[test]
    fn squash() {
        assert_eq!(squash_spaces("  a \u{a0} b\t"), "a b");
        assert_eq!(squash_spaces("\u{a0}"), "");
        let slow = |s: &str| {
            s.split(char::is_whitespace)
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        for s in [
            "",
            " ",
            "a",
            "a b",
            "a  b",
            " a",
            "a ",
            "a\tb",
            "a\u{85}b",
            "a\u{a0}b",
            "ạ ấ",
            "a\u{1680}b",
            "a\u{2003}b",
            "a\u{2028}b",
            "a\u{202f}b",
            "a\u{205f}b",
            "a\u{3000}b",
            "a…b “c”",
            "Điện Biên Phủ",
            "a\u{b}b",
        ] {
            assert_eq!(is_squashed(s), slow(s) == s, "{s:?}");
            assert_eq!(squash_spaces(s), slow(s), "{s:?}");
        }
    }
}
