//! Properties of `text::decode` + `article::parse` over arbitrary input: they never
//! panic, every string an article carries is NFC with only XML 1.0 characters, and
//! parsing lines as they are read (`parse_raw`, what the daemon does) gives what
//! parsing the whole normalised text gives, down to the header-only parse.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bantin::article::{self, Article, Depth, Parsed, Source, Warning};
use bantin::text;
use chrono_tz::Asia::Ho_Chi_Minh;
use common::xml_char;
use proptest::prelude::*;
use unicode_normalization::{is_nfc, UnicodeNormalization};

fn fields(a: &Article) -> Vec<(&'static str, &str)> {
    let mut out = vec![("title", a.title.as_str()), ("summary", a.summary.as_str())];
    out.extend(a.author.as_deref().map(|v| ("author", v)));
    out.extend(a.source.as_deref().map(|v| ("source", v)));
    out.extend(a.categories.iter().map(|v| ("categories", v.as_str())));
    out.extend(a.tags.iter().map(|v| ("tags", v.as_str())));
    out.extend(a.paragraphs.iter().map(|v| ("paragraphs", v.as_str())));
    out
}

/// A full parse cut down to what `Depth::Head` promises: no lead or paragraphs
/// (the author, source and tags are kept), and its warnings but those about
/// the body only (see [`body_only`]), which must then be the header-only
/// parse's exactly.
fn header_only(mut p: Parsed) -> Parsed {
    p.warnings.retain(|w| !body_only(w));
    let a = &mut p.article;
    a.summary.clear();
    a.paragraphs.clear();
    p
}

/// Whether `w` is one of the warnings a full parse alone gives, about the
/// body: an author, source or tag cut to its limit, tags past their limit,
/// a long lead; each names a line.
fn body_only(w: &Warning) -> bool {
    let m = &w.message;
    let cut = ["author is ", "source is ", "tag is "]
        .iter()
        .any(|what| m.starts_with(what))
        && m.ends_with("-byte limit: cut to its first words");
    let tags = m.starts_with("more than ") && m.ends_with(" tags: the rest are dropped");
    w.line.is_some() && (cut || tags || m.starts_with("the lead is "))
}

fn mtime() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_600_000_000)
}

/// Decodes and parses `bytes` as a file in `folder`; checks every field of the result.
fn check(bytes: &[u8], folder: Option<&str>) -> Result<(), TestCaseError> {
    let Ok(clean) = text::decode(bytes) else {
        return Ok(());
    };
    prop_assert!(
        clean.text.chars().all(xml_char),
        "decoded text has a forbidden character: {:?}",
        clean.text
    );
    prop_assert!(
        is_nfc(&clean.text),
        "decoded text is not NFC: {:?}",
        clean.text
    );
    let src = Source {
        id: "x",
        folder,
        modified: Some(mtime()),
        tz: Ho_Chi_Minh,
    };
    let whole = article::parse(&clean.text, &src);
    let raw = text::decode_raw(bytes).unwrap();
    prop_assert_eq!(&raw.warnings, &clean.warnings);
    let full = article::parse_raw(&raw.text, &src, Depth::Full);
    prop_assert_eq!(&full, &whole, "line by line differs from the whole text");
    let head = article::parse_raw(&raw.text, &src, Depth::Head);
    prop_assert_eq!(
        head,
        whole.clone().map(header_only),
        "header-only parse differs"
    );
    if let Ok(parsed) = whole {
        for (name, v) in fields(&parsed.article) {
            prop_assert!(
                v.chars().all(xml_char),
                "{} has a forbidden character: {:?}",
                name,
                v
            );
            prop_assert!(is_nfc(v), "{} is not NFC: {:?}", name, v);
            prop_assert!(!v.contains('\r'), "{} has a CR: {:?}", name, v);
        }
    }
    Ok(())
}

/// Lines an article file is made of, and the dirt real stores add to them.
fn article_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("08:20 ICT Thứ ba, 12/05/2020".to_owned()),
        Just("08:05 +07 T2, 11/05/2020".to_owned()),
        Just("Trang nhất » Tin Tức » Tin tức tổng hợp".to_owned()),
        Just("Chủ nhật - 10/05/2020 15:33".to_owned()),
        Just("Thứ hai, ngày 11 tháng 5 năm 2020".to_owned()),
        Just("2020-05-10T08:33:00Z".to_owned()),
        Just("Sun, 10 May 2020 15:33:00 +0700".to_owned()),
        Just("Những tin mới hơn".to_owned()),
        Just("Xem tiếp...".to_owned()),
        Just("Một tin (12/05/2020)".to_owned()),
        // Header lines that a title can be mistaken for, and titles that can
        // be mistaken for header lines.
        Just("In ra".to_owned()),
        Just("10:45 09/03/2023".to_owned()),
        Just("11 giờ 30 phút ngày 30/4/1975".to_owned()),
        Just("Phim «Mắt biếc» phá kỷ lục".to_owned()),
        Just("Kinh tế » Nông nghiệp".to_owned()),
        Just("4-4-2".to_owned()),
        Just("\u{a0}".to_owned()),
        // Correction and withdrawal lines, with and without their colon, and
        // tag lists that end in "etc.".
        Just("Cập nhật: 11/05/2020 09:30".to_owned()),
        Just("Cập nhật 11/05/2020 09:30".to_owned()),
        Just("CẬP NHẬT lúc 11/05/2020".to_owned()),
        Just("Gỡ bỏ: 12/05/2020 10:00 - Sai số liệu".to_owned()),
        Just("Gỡ bỏ 12/05/2020 10:00".to_owned()),
        Just("Gỡ bỏ lúc 12/05/2020 - lý do".to_owned()),
        Just("Từ khóa: bão, lũ lụt…, v.v.".to_owned()),
        Just("Tags: lũ lụt. v.v".to_owned()),
        Just("Từ khóa: Putin V.V.".to_owned()),
        "(Tác giả bài viết|Tác giả|Nguồn tin|Từ khóa|Tags): [^\n\r]{0,30}",
        // Labelled lines and end headings as a scan must still find them deep in
        // a body: after white space or forbidden characters, in any case, decomposed,
        // and longer than a line the scan can tell is no end heading.
        "[ \t\u{a0}\u{1}\u{b}\u{3000}\u{feff}]{0,3}(TÁC GIẢ|tác giả|Ta\u{301}c gia\u{309}|NGUỒN|Nguồn tin|Từ khoá|TAGS|tags)[ \u{1}]{0,2}:[^\n\r]{0,300}",
        "[ \t\u{a0}\u{1}]{0,2}(Những tin mới hơn|NHỮNG TIN CŨ HƠN|Nhu\u{31b}\u{303}ng tin cu\u{303} hơn|những  tin\u{a0}mới hơn)[ \u{1}]{0,3}",
        // Long body lines that start as a label or end heading would, and
        // short ones made long by what normalising and squashing drop.
        "[TtNn][^\n\r]{150,300}",
        "(Tags|Những tin cũ hơn)[\u{1}\u{b}\u{ffff} \u{a0}]{190,260}(: [a-z]{0,10})?",
        "Trang nhất( » [^\n\r»]{0,12}){0,3}",
        // Vietnamese letters, combining tone marks, separators and forbidden characters.
        "[a-zđĐâêôơưăÀ-ỹ \u{300}\u{301}\u{303}\u{309}\u{323}\u{1}\u{8}\u{b}\u{1f}\u{a0}\u{feff}\u{fffe}\u{ffff}.,;:»&<>\\]\"…]{0,40}",
        "\\PC{0,40}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        check(&bytes, Some("thư mục"))?;
    }

    #[test]
    fn arbitrary_strings(s in any::<String>(), folder in proptest::option::of(any::<String>())) {
        check(s.as_bytes(), folder.as_deref())?;
    }

    #[test]
    fn article_like_lines(
        lines in proptest::collection::vec(article_line(), 0..30),
        ends in proptest::collection::vec(prop_oneof![Just("\n"), Just("\r\n"), Just("\r")], 1..4),
        last_ended in any::<bool>(),
        bom in any::<bool>(),
        windows_1258 in any::<bool>(),
        folder in proptest::option::of("[a-zA-Z \u{300}\u{301}\u{1}\u{b}-]{0,12}"),
    ) {
        // Line ends cycle through `ends`: one file may mix them.
        let mut text = String::new();
        for (i, line) in lines.iter().enumerate() {
            text.push_str(line);
            if last_ended || i + 1 < lines.len() {
                text.push_str(ends[i % ends.len()]);
            }
        }
        if windows_1258 {
            // As the older CMS saved files: letters and their tone marks apart
            // (what Windows-1258 holds), which decoding must put together again.
            let decomposed: String = text.nfd().collect();
            let (bytes, _, _) = encoding_rs::WINDOWS_1258.encode(&decomposed);
            return check(&bytes, folder.as_deref());
        }
        if bom {
            text.insert(0, '\u{feff}');
        }
        check(text.as_bytes(), folder.as_deref())?;
    }
}

/// Parses `text` as a file in folder `thời sự`; panics if decode or parse fails.
fn parse(bytes: &[u8]) -> Article {
    let clean = text::decode(bytes).unwrap();
    let src = Source {
        id: "x",
        folder: Some("thời sự"),
        modified: Some(mtime()),
        tz: Ho_Chi_Minh,
    };
    article::parse(&clean.text, &src).unwrap().article
}

#[test]
fn a_control_character_between_a_letter_and_its_tone_mark_leaves_nfc_text() {
    // `e`, U+0001, U+0301: once the control character is gone the mark must compose.
    let a = parse("Ti\u{ea}u \u{111}e\u{1}\u{301}\n10/05/2020 15:33\nD\u{1}\u{323}n.\n".as_bytes());
    assert_eq!(a.title, "Tiêu đé");
    assert!(is_nfc(&a.summary), "{:?}", a.summary);
}

#[test]
fn the_folder_fallback_category_is_nfc_and_xml_safe() {
    let clean = text::decode("Tiêu đề\n10/05/2020 15:33\nDẫn.\n".as_bytes()).unwrap();
    let src = Source {
        id: "x",
        // A folder name in NFD (as macOS writes them) with a control character in it.
        folder: Some("the\u{302}\u{309}\u{1} thao"),
        modified: Some(mtime()),
        tz: Ho_Chi_Minh,
    };
    let a = article::parse(&clean.text, &src).unwrap().article;
    assert_eq!(a.categories, ["thể thao"]);
}
