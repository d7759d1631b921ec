//! Vietnamese alphabetical order: how every list shown to people by name is sorted.
//!
//! Slugs fold `đ` to `d` and drop tones, so slug order puts `Đá Mây` before
//! `diễn tập`; a Vietnamese reader looks for every `đ` word after the last `d`
//! one. The CLDR collation for `vi` (ICU4X, data compiled in) knows the
//! alphabet `a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y`, tones
//! (ngang, huyền, hỏi, ngã, sắc, nặng) as a secondary difference and letter case
//! as a tertiary one, so no table of ours has to. Numbers in names are
//! compared by their value (CLDR's `kn`), so `Bão số 9` comes before `Bão số
//! 10`, and `Quận 2` before `Quận 12`.
//!
//! Lists are sorted once, when an index is built, never per request; an
//! update puts a name in its place by binary search ([`Alphabet::compare`]).

use std::borrow::Cow;
use std::cmp::Ordering;

use icu_collator::options::CollatorOptions;
use icu_collator::preferences::CollationNumericOrdering;
use icu_collator::{Collator, CollatorBorrowed, CollatorPreferences};
use icu_locale_core::locale;

/// Compares names in Vietnamese alphabetical order.
#[derive(Debug)]
pub struct Alphabet {
    collator: CollatorBorrowed<'static>,
}

impl Alphabet {
    /// The Vietnamese alphabet, at the default (tertiary) strength: letters
    /// first, then tones, then case (`đà nẵng` just before `Đà Nẵng`); runs of
    /// digits by their value.
    pub fn vietnamese() -> Alphabet {
        let mut prefs = CollatorPreferences::from(locale!("vi"));
        prefs.numeric_ordering = Some(CollationNumericOrdering::True);
        let collator = Collator::try_new(prefs, CollatorOptions::default())
            .expect("the collation data compiled into icu_collator covers `vi`");
        Alphabet { collator }
    }

    /// Sorts `items` by the names `name` gives them. Items whose names the
    /// collation calls equal keep the order they had (the sort is stable), so
    /// a list sorted by slug first comes out the same from the same store.
    pub fn sort_by_name<T>(&self, items: &mut [T], name: impl Fn(&T) -> &str) {
        // One sort key per item, compared bytewise: cheaper than collating
        // each of the n log n pairs from the start of both names.
        items.sort_by_cached_key(|item| self.key(name(item)));
    }

    /// How `a` compares to `b` in the alphabet: the order
    /// [`Alphabet::sort_by_name`] sorts by, so a binary search with it finds
    /// a name's place in a sorted list without sorting it again.
    pub fn compare(&self, a: &str, b: &str) -> Ordering {
        // ICU4X: sort keys compare as `compare` does, for the same collator.
        self.collator.compare(&as_d(a), &as_d(b))
    }

    /// The collation sort key of `name`: bytes whose order is the alphabet's.
    fn key(&self, name: &str) -> Vec<u8> {
        let mut key = Vec::with_capacity(name.len() * 3);
        let Ok(()) = self.collator.write_sort_key_to(&as_d(name), &mut key);
        key
    }
}

/// `name` with every eth (`Ð`, `ð`) read as the `Đ` or `đ` it stands for, as
/// name keys read it ([`crate::names::key`]): a name shown as `Ðà Nẵng` is
/// `Đà Nẵng` left by a converter, and files among the `đ` names, after
/// every `d` one (ICU files an eth as a `d` with a mark).
fn as_d(name: &str) -> Cow<'_, str> {
    if name.contains(['\u{D0}', '\u{F0}']) {
        Cow::Owned(
            name.chars()
                .map(|c| match c {
                    '\u{D0}' => '\u{110}',
                    '\u{F0}' => '\u{111}',
                    c => c,
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted<'a>(names: &[&'a str]) -> Vec<&'a str> {
        let mut names = names.to_vec();
        Alphabet::vietnamese().sort_by_name(&mut names, |s| s);
        names
    }

    #[test]
    fn letters_of_the_vietnamese_alphabet_come_in_its_order() {
        // Each pair is shuffled against its ASCII (slug) order.
        let cases: &[&[&str]] = &[
            // đ is a letter after d: every d word before every đ word.
            &["diễn tập", "Đá Mây", "đại hội", "đầu tư công"],
            // ă and â after a, whatever follows.
            &["anh", "ăn", "ẩm thực"],
            // ô and ơ after o.
            &["ong", "ôm", "ơn"],
            // ư after u.
            &["uống", "ưu tiên"],
            // Tones are a secondary difference: the letters decide first…
            &["ma", "mà", "mả", "mã", "má", "mạ"],
            &["bà con", "ban ngành"],
            // …and case a tertiary one, lower case first.
            &["đà nẵng", "Đà Nẵng", "Đà Nẵng mới"],
            // Numbers by their value, not digit by digit.
            &["Bão số 2", "Bão số 9", "Bão số 10", "Bão số 12"],
            &["Quận 2", "Quận 12", "Quận Ba Đình"],
            &["2", "9", "2024", "a"],
            // An eth is the đ it stands for: after every d word.
            &[
                "Dân sinh",
                "Ðà Nẵng",
                "Điện Biên",
                "Ðồng Nai",
                "Đường sắt",
                "Em bé",
            ],
        ];
        for &expected in cases {
            let mut shuffled = expected.to_vec();
            shuffled.reverse();
            assert_eq!(sorted(&shuffled), expected);
        }
    }

    #[test]
    fn compare_agrees_with_the_sort() {
        let names = [
            "Đà Nẵng",
            "đà nẵng",
            "da nang",
            "Đắk Lắk",
            "\u{110}a\u{306}\u{301}k La\u{306}\u{301}k",
            "ma",
            "mà",
            "má",
            "ơn",
            "ôm",
            "ong",
            "",
            "2024",
            "Quận 2",
            "Quận 12",
            "Quận 012",
            "Ðà Nẵng",
            "ðà nẵng",
        ];
        let alphabet = Alphabet::vietnamese();
        for a in names {
            for b in names {
                let by_key = alphabet.key(a).cmp(&alphabet.key(b));
                assert_eq!(alphabet.compare(a, b), by_key, "{a:?} against {b:?}");
            }
        }
    }

    #[test]
    fn names_the_collation_calls_equal_keep_their_order() {
        // The same name, precomposed and decomposed: equal under the collation.
        let composed = "Đắk Lắk";
        let decomposed = "\u{110}a\u{306}\u{301}k La\u{306}\u{301}k";
        assert_ne!(composed, decomposed);
        for names in [[composed, decomposed], [decomposed, composed]] {
            let mut items: Vec<(usize, &str)> = names.iter().copied().enumerate().collect();
            Alphabet::vietnamese().sort_by_name(&mut items, |(_, s)| s);
            assert_eq!(items.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [0, 1]);
        }
    }
}
