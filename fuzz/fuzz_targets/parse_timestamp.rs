//! Arbitrary lines → `timestamp::parse`: no panic; a parsed instant formats in
//! every output form, and its RFC 3339 form parses back to the same instant.
#![no_main]

use bantin::timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    for tz in [chrono_tz::Asia::Ho_Chi_Minh, chrono_tz::Europe::Berlin] {
        let Some(stamp) = timestamp::parse(line, tz) else {
            continue;
        };
        let rfc3339 = timestamp::rfc3339(&stamp.at);
        let back = timestamp::parse(&rfc3339, tz).expect("our own RFC 3339 output parses");
        assert_eq!(back.at, stamp.at, "{line:?} → {rfc3339}");
        let _ = timestamp::rfc2822(&stamp.at);
    }
});
