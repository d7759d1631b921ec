//! Arbitrary file bytes → `text::decode` → `article::parse`: no panic, and every
//! string of a parsed article is NFC with only characters XML 1.0 allows.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use bantin::article::{self, Source};
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
    let Ok(parsed) = article::parse(&clean.text, &src) else {
        return;
    };
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
            f.chars().all(text::xml_allowed),
            "forbidden character in {f:?}"
        );
        assert!(is_nfc(f), "not NFC: {f:?}");
    }
});
