//! Arbitrary file bytes → `text::decode` → `article::parse`: no panic, every
//! string of a parsed article is NFC with only characters XML 1.0 allows, and the
//! line-by-line parse the daemon runs (`parse_raw`) gives the same article, or
//! the same header and the same header warnings when only the header is parsed
//! (the body's warnings are the full parse's alone).
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use bantin::article::{self, Depth, Source};
use bantin::text;
use libfuzzer_sys::fuzz_target;
use unicode_normalization::is_nfc;

fuzz_target!(|data: &[u8]| {
    let Ok(clean) = text::decode(data) else {
        return;
    };
    let src = Source {
        id: "fuzz",
        folder: Some("thư mục"),
        modified: Some(UNIX_EPOCH + Duration::from_secs(1_600_000_000)),
        tz: chrono_tz::Asia::Ho_Chi_Minh,
    };
    let whole = article::parse(&clean.text, &src);
    let Ok(raw) = text::decode_raw(data) else {
        panic!("decode accepted what decode_raw refused");
    };
    assert_eq!(article::parse_raw(&raw.text, &src, Depth::Full), whole);
    let head = article::parse_raw(&raw.text, &src, Depth::Head);
    let Ok(parsed) = whole else {
        assert!(head.is_err(), "the header-only parse accepted a rejected file");
        return;
    };
    let Ok(head) = head else {
        panic!("the header-only parse rejected an article");
    };
    let h = &head.article;
    assert_eq!(
        (&h.id, &h.categories, &h.title, h.published, h.captured),
        (
            &parsed.article.id,
            &parsed.article.categories,
            &parsed.article.title,
            parsed.article.published,
            parsed.article.captured
        )
    );
    // The header's warnings come first; the body's follow, from the full parse only.
    assert!(
        parsed.warnings.starts_with(&head.warnings),
        "header warnings {:?} are not the first of {:?}",
        head.warnings,
        parsed.warnings
    );
    let a = &parsed.article;
    let fields = [&a.title, &a.summary]
        .into_iter()
        .chain(&a.paragraphs)
        .chain(&a.categories)
        .chain(&a.tags)
        .chain(&a.author)
        .chain(&a.source);
    for f in fields {
        assert!(
            f.chars().all(text::kept),
            "forbidden character in {f:?}"
        );
        assert!(is_nfc(f), "not NFC: {f:?}");
    }
});
