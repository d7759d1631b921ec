//! The key names are matched by: two tags, two authors or two category names
//! (at one level of the breadcrumb) with one key are one term, however their
//! letters are cased, their tone marks placed, their spaces run, or invisible
//! characters crept in.
//!
//! Vietnamese has two accepted places for the tone mark on the diphthongs
//! oa, oe and uy: the older `hòa`, `khỏe`, `thủy`, `qúy` and the newer
//! `hoà`, `khoẻ`, `thuỷ`, `quý`. Both are in use, often in one newsroom, and
//! they are one word; NFC keeps them apart, since the mark sits on another
//! letter. The key moves a tone written on the first letter of such a pair
//! onto the second, and nothing else.
//!
//! So distinct words never share a key: the tone stays which tone it is,
//! and it moves only between the two letters of an oa, oe or uy with no other
//! mark on the first, where the placement is only a matter of style. The
//! vowel marks (circumflex `â ê ô`, breve `ă`, horn `ơ ư`) and `đ` are
//! letters, and stay as written (`Đà` and `Da`, `hoà`, `hoá` and `hoa` keep
//! their keys apart). A syllable with no tone, with more than one (not a
//! Vietnamese syllable), or with its tone anywhere else (`término` and
//! `terminó` are two Spanish words) is kept as written.

use icu_properties::props::{BinaryProperty, DefaultIgnorableCodePoint};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The five Vietnamese tone marks as combining characters: huyền (grave),
/// sắc (acute), ngã (tilde), hỏi (hook above) and nặng (dot below).
const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

/// The key of `name`, by which names are matched: NFC, lowercase, the runs
/// of white space one space and none at the ends, no character that shows
/// nothing (Unicode's Default_Ignorable_Code_Point: a zero-width space, a
/// soft hyphen, a direction mark), an eth read as `đ` (see [`ETH`]), and the
/// tone of an oa, oe or uy on its second letter (see the module's comment).
/// Empty when `name` shows nothing.
pub fn key(name: &str) -> String {
    // Most names of a store are Vietnamese, but plain ASCII ones (`Covid-19`)
    // have no marks to move and no invisible characters to drop.
    if name.is_ascii() {
        let lower = name.to_ascii_lowercase();
        return lower.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
    }
    plain_key(name).unwrap_or_else(|| decomposed_key(name))
}

/// [`key`] the long way, for any name: decomposed, each syllable's tone put
/// in place, composed again.
fn decomposed_key(name: &str) -> String {
    let letters = decomposed(name);
    let mut out: Vec<char> = Vec::with_capacity(letters.len() + 1);
    for run in letters.chunk_by(|a, b| Class::of(*a) == Class::of(*b)) {
        match Class::of(run[0]) {
            Class::Space => out.push(' '),
            Class::Letter => push_syllable(run, &mut out),
            Class::Other => out.extend_from_slice(run),
        }
    }
    let trimmed = trim_spaces(&out);
    trimmed.iter().copied().nfc().collect()
}

/// The key of a name that needs nothing but lowercasing, without
/// decomposing it (this runs for every tag of every article a scan reads):
/// one whose characters are ASCII letters, digits and punctuation, single
/// spaces between words, and precomposed Latin letters but the eth (Latin-1, Latin
/// Extended-A, `ơ ư`, the Vietnamese block U+1EA0–U+1EF9), each of which
/// lowercases to one precomposed letter, so the name is NFC and shows all it
/// holds; and no `o` or `u` bearing a tone alone (`ò`, `ủ`) before another
/// letter, the one place a tone may move. `None`: take the long way.
fn plain_key(name: &str) -> Option<String> {
    let mut chars = name.chars().peekable();
    let mut after_space = true;
    while let Some(c) = chars.next() {
        if c == ' ' {
            if after_space {
                return None;
            }
            after_space = true;
            continue;
        }
        after_space = false;
        if c.is_ascii() {
            if c.is_ascii_control() {
                return None;
            }
            continue;
        }
        // Not the eth (U+00D0, U+00F0) either, which the key reads as `đ`.
        let precomposed = matches!(c, '\u{C0}'..='\u{17F}' | '\u{1A0}' | '\u{1A1}' | '\u{1AF}' | '\u{1B0}' | '\u{1EA0}'..='\u{1EF9}')
            && !matches!(c, '\u{D7}' | '\u{F7}' | '\u{130}' | '\u{D0}' | '\u{F0}');
        if !precomposed {
            return None;
        }
        let letter_next = chars
            .peek()
            .is_some_and(|&n| !n.is_ascii() || n.is_ascii_alphabetic());
        if TONED_O_U.contains(&c) && letter_next {
            return None;
        }
    }
    (!after_space).then(|| name.to_lowercase())
}

/// `o` and `u` (either case) bearing a tone and no other mark, precomposed:
/// the first letter of an oa, oe or uy whose tone may move (a test checks
/// the list against the letters' decompositions).
const TONED_O_U: [char; 20] = [
    'ò', 'ó', 'ỏ', 'õ', 'ọ', 'Ò', 'Ó', 'Ỏ', 'Õ', 'Ọ', 'ù', 'ú', 'ủ', 'ũ', 'ụ', 'Ù', 'Ú', 'Ủ', 'Ũ',
    'Ụ',
];

/// How many eths (`Ð`, `ð`: see [`ETH`]) `name` holds: of two spellings
/// as many articles use, the display name is the one with fewer, the
/// Vietnamese letter `Đ` rather than its look-alike.
pub fn eths(name: &str) -> usize {
    name.chars()
        .filter(|c| matches!(c, '\u{D0}' | '\u{F0}'))
        .count()
}

/// `s` without the white space and the characters that show nothing at
/// either end: what a tag, author or category name displays. Empty when
/// `s` shows nothing.
pub fn visible(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || invisible(c))
}

/// Whether `c` shows nothing: Unicode's Default_Ignorable_Code_Point (a
/// zero-width space U+200B, a soft hyphen U+00AD, a direction mark U+200E, a
/// variation selector).
pub fn invisible(c: char) -> bool {
    // No ASCII character is one: the common case costs no table lookup.
    !c.is_ascii() && DefaultIgnorableCodePoint::for_char(c)
}

/// What a character is to the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// White space: a run of it is one space.
    Space,
    /// A letter or a combining mark: a run of them is a syllable.
    Letter,
    /// Anything else (digits, punctuation), kept as written.
    Other,
}

impl Class {
    fn of(c: char) -> Class {
        if c.is_whitespace() {
            Class::Space
        } else if c.is_alphabetic() || is_combining_mark(c) {
            Class::Letter
        } else {
            Class::Other
        }
    }
}

/// `name` decomposed (NFD), so every tone mark is a character of its own,
/// lowercased, with the characters that show nothing taken out and an eth
/// read as the `đ` it stands for (see [`ETH`]).
fn decomposed(name: &str) -> Vec<char> {
    name.nfd()
        .filter(|&c| !invisible(c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == ETH { 'đ' } else { c })
        .collect()
}

/// The lowercase eth, `ð` (U+00F0; its capital `Ð` is U+00D0), which looks
/// like `đ` (U+0111) and `Đ` (U+0110) and is no Vietnamese letter: it is what
/// converters through Windows-1252 or Latin-1 leave for `Đ` (byte D0 is `Đ` in
/// Windows-1258 and `Ð` in Windows-1252), common in scraped text. The key
/// reads it as `đ`, so `Ðà Nẵng` and `Đà Nẵng`, which look the same, are one
/// name.
const ETH: char = '\u{F0}';

/// `chars` without the spaces at either end.
fn trim_spaces(chars: &[char]) -> &[char] {
    let start = chars.iter().position(|&c| c != ' ').unwrap_or(chars.len());
    let end = chars
        .iter()
        .rposition(|&c| c != ' ')
        .map_or(start, |i| i + 1);
    &chars[start..end]
}

/// Pushes `syllable` (decomposed, lowercase) onto `out`, with its tone mark
/// on the second letter of the pair oa, oe or uy when it was written on the
/// first (`hòa` → `hoà`, `thủy` → `thuỷ`, `qúy` → `quý`): the one placement
/// that varies. Everything else is kept as written: a syllable with no tone
/// or more than one, a tone elsewhere, and words of other languages
/// (`término` is not `terminó`).
fn push_syllable(syllable: &[char], out: &mut Vec<char>) {
    let start = out.len();
    out.extend_from_slice(syllable);
    let mut tones = syllable
        .iter()
        .enumerate()
        .filter(|(_, c)| TONES.contains(c));
    let (Some((at, &tone)), None) = (tones.next(), tones.next()) else {
        return;
    };
    // The letter the tone sits on is the last one before it that is no mark,
    // and it must carry no other mark (`ôa` is no pair).
    let Some(on) = syllable[..at].iter().rposition(|&c| !is_combining_mark(c)) else {
        return;
    };
    if syllable[on + 1..at].iter().any(|&c| is_combining_mark(c)) {
        return;
    }
    let Some(next) = (at + 1..syllable.len()).find(|&i| !is_combining_mark(syllable[i])) else {
        return;
    };
    if syllable[on + 1..next]
        .iter()
        .any(|&c| c != tone && is_combining_mark(c))
    {
        return;
    }
    if !matches!(
        (syllable[on], syllable[next]),
        ('o', 'a' | 'e') | ('u', 'y')
    ) {
        return;
    }
    // Out of the first letter, onto the second, after that letter's own
    // marks (`ă` is `a` and a breve, and the tone comes after it to compose
    // as `ằ` does).
    let end = next
        + 1
        + syllable[next + 1..]
            .iter()
            .take_while(|&&c| is_combining_mark(c))
            .count();
    out.remove(start + at);
    out.insert(start + end - 1, tone);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        assert_eq!(key(a), key(b), "{a:?} and {b:?} are one name");
    }

    fn apart(a: &str, b: &str) {
        assert_ne!(key(a), key(b), "{a:?} and {b:?} are two names");
    }

    #[test]
    fn both_tone_placements_are_one_word() {
        same("hòa", "hoà");
        same("Hóa", "hoá");
        same("thủy", "thuỷ");
        same("khỏe", "khoẻ");
        same("quý", "qúy");
        same("thủy sản", "thuỷ sản");
        same("Nguyễn Thị Thủy", "Nguyễn Thị Thuỷ");
        same("Văn hóa - Xã hội", "Văn hoá - Xã hội");
        // Upper case, and a vowel with a vowel mark beside the tone.
        same("HÒA", "hoà");
        same("Thuở", "thuở");
    }

    /// The eth, which converters leave for `Đ`, is read as `đ`, in either
    /// case and wherever the name is.
    #[test]
    fn an_eth_is_the_d_with_stroke_it_stands_for() {
        same("Ðà Nẵng", "Đà Nẵng");
        same("ðà nẵng", "Đà Nẵng");
        same("ÐIỆN BIÊN", "điện biên");
        same("Ðoàn", "Đoàn");
        same("Ðoan", "đoan");
        assert_eq!(key("Ðà Nẵng"), "đà nẵng");
        assert_eq!(key("Ðo"), "đo");
        apart("Ðà Nẵng", "Da Nang");
        assert_eq!(eths("ÐàðÐ"), 3);
        assert_eq!(eths("Đà Nẵng"), 0);
    }

    #[test]
    fn distinct_words_stay_apart() {
        apart("hoà", "hoá");
        apart("hoà", "hoa");
        apart("hoá", "hoa");
        apart("hòa", "hóa");
        apart("Đà", "Da");
        apart("Đà", "Dà");
        apart("bão lũ", "bao lũ");
        apart("bão lũ", "bao lu");
        // The vowel marks are letters, not tones.
        apart("ăn", "an");
        apart("ân", "an");
        apart("ơn", "on");
        apart("thư", "thu");
        apart("thuỷ", "thủ");
        // One tone per syllable: moved within its own syllable only.
        apart("hoà bình", "hoa bình");
        apart("má", "ma");
        apart("mả", "mã");
        apart("mạ", "mà");
    }

    #[test]
    fn every_tone_on_every_vowel_has_a_key_of_its_own() {
        // Each base vowel (with its vowel marks) under each tone, and none:
        // 12 vowels × 6, all apart.
        let vowels = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"];
        let mut seen = std::collections::BTreeSet::new();
        for v in vowels {
            let plain: String = v.nfd().collect();
            for tone in [None].into_iter().chain(TONES.map(Some)) {
                let word: String =
                    format!("t{plain}{}n", tone.map(String::from).unwrap_or_default());
                let word: String = word.nfc().collect();
                assert!(seen.insert(key(&word)), "{word} shares a key");
            }
        }
        assert_eq!(seen.len(), 72);
    }

    #[test]
    fn a_key_is_lowercase_nfc_with_its_spaces_collapsed() {
        assert_eq!(key("  Bão   Lũ "), "bão lũ");
        assert_eq!(key("BÃO\u{a0}LŨ"), "bão lũ");
        // Decomposed input gives the composed key.
        assert_eq!(key("ba\u{303}o lu\u{303}"), "bão lũ");
        // The tone of a pair on its second letter: `hoà`, `thuỷ`, composed.
        assert_eq!(key("Hòa"), "hoà");
        assert_eq!(key("thủy"), "thuỷ");
        assert_eq!(key("Khỏe"), "khoẻ");
        assert_eq!(key("Covid-19"), "covid-19");
        assert_eq!(key("  Tin  tức\t"), "tin tức");
    }

    #[test]
    fn only_the_placement_that_varies_moves() {
        // Other languages' words that differ in where the accent is.
        apart("término", "terminó");
        apart("público", "publicó");
        apart("sábia", "sabiá");
        // A tone elsewhere, or a first letter with a vowel mark: no pair.
        apart("gìa", "già");
        apart("thuở", "thủơ");
        assert_eq!(key("người"), "người");
        assert_eq!(key("khuyến"), "khuyến");
        assert_eq!(key("hoặc"), "hoặc");
        // A pair inside a longer syllable still varies.
        same("hòan", "hoàn");
        same("Thúy", "Thuý");
        // The second letter's own mark stays next to it: `ằ` composes (a
        // grave put between `a` and its breve would not).
        same("xòăn", "xoằn");
        assert_eq!(key("xòăn"), "xoằn");
    }

    #[test]
    fn invisible_characters_are_not_part_of_a_name() {
        same("Hà Nội\u{200b}", "Hà Nội");
        same("\u{feff}Hà Nội", "Hà Nội");
        same("Hà \u{ad}Nội", "Hà Nội");
        same("\u{200e}Hà Nội\u{200f}", "hà nội");
        same("Hà\u{200b} \u{200b}Nội", "Hà Nội");
        // A soft hyphen inside a word joins it: `HàNội` is not `Hà Nội`.
        apart("Hà\u{ad}Nội", "Hà Nội");
        same("Hà\u{ad}Nội", "HàNội");
        assert_eq!(key("\u{200b}"), "");
        assert_eq!(key(" \u{200b}\u{ad} \u{2060}"), "");
        assert_eq!(key("   "), "");
    }

    #[test]
    fn only_a_single_tone_on_a_vowel_moves() {
        // Two tones in one run of letters (two syllables written together):
        // kept as written, so `hòabình` is not `hoàbình`.
        apart("hòabình", "hoàbình");
        // A tilde on a consonant is a letter of another language.
        assert_eq!(key("España"), "españa");
        apart("España", "Espanã");
    }

    #[test]
    fn the_plain_key_is_the_long_way_s_wherever_it_is_taken() {
        let precomposed: Vec<char> = ('\u{C0}'..='\u{17F}')
            .chain(['\u{1A0}', '\u{1A1}', '\u{1AF}', '\u{1B0}'])
            .chain('\u{1EA0}'..='\u{1EF9}')
            .collect();
        // The list of toned o and u is every such letter there is.
        for &c in &precomposed {
            let parts: Vec<char> = c.nfd().collect();
            let toned_o_u = parts.len() == 2
                && matches!(parts[0], 'o' | 'O' | 'u' | 'U')
                && TONES.contains(&parts[1]);
            assert_eq!(TONED_O_U.contains(&c), toned_o_u, "{c}");
        }
        let others = [
            'a', 'e', 'y', 'A', 'E', 'Y', 'n', 'H', '1', '-', ' ', 'ă', 'ằ', 'ê', 'ý',
        ];
        let mut taken = 0;
        for &c in &precomposed {
            for &d in precomposed.iter().chain(&others) {
                for name in [format!("{c}{d}"), format!("t{c}{d}n x"), format!("{d} {c}")] {
                    if let Some(k) = plain_key(&name) {
                        taken += 1;
                        assert_eq!(k, decomposed_key(&name), "{name:?}");
                    }
                }
            }
        }
        assert!(taken > 100_000, "{taken}");
        // What it leaves to the long way.
        for name in [
            "hòa",
            "Thủy",
            "xòăn",
            " Hà",
            "Hà ",
            "Hà  Nội",
            "Hà\u{200b}",
            "Hà\u{ad}Nội",
            "İstanbul",
            "a\u{301}",
            "Tin–tức",
        ] {
            assert_eq!(plain_key(name), None, "{name:?}");
        }
        assert_eq!(plain_key("Văn hóa"), None);
        assert_eq!(
            plain_key("Xã Hội - Đời sống 24h").as_deref(),
            Some("xã hội - đời sống 24h")
        );
    }

    #[test]
    fn visible_trims_what_shows_nothing_at_either_end_only() {
        assert_eq!(visible("\u{200b} Hà Nội\u{200b}\u{ad} "), "Hà Nội");
        assert_eq!(visible("Hà\u{ad}Nội"), "Hà\u{ad}Nội");
        assert_eq!(visible("\u{200b}\u{2060} "), "");
        assert_eq!(visible("Tin tức"), "Tin tức");
    }
}
