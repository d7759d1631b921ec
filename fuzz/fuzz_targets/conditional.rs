//! Arbitrary request headers → the RFC 9110 §13 decision: no panic, and the
//! precedence holds: with If-None-Match present, If-Modified-Since never matters.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use bantin::server::conditional::{decide, Decision};
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: (&[u8], &[u8], u32)| {
    let (inm, ims, secs) = data;
    let etag: headers::ETag = "\"0123456789abcdef0123456789abcdef\"".parse().expect("a valid tag");
    let lm = UNIX_EPOCH + Duration::from_secs(u64::from(secs));
    let mut with_both = HeaderMap::new();
    let mut inm_only = HeaderMap::new();
    let mut ims_only = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_bytes(inm) {
        with_both.insert(http::header::IF_NONE_MATCH, v.clone());
        inm_only.insert(http::header::IF_NONE_MATCH, v);
    }
    if let Ok(v) = HeaderValue::from_bytes(ims) {
        with_both.insert(http::header::IF_MODIFIED_SINCE, v.clone());
        ims_only.insert(http::header::IF_MODIFIED_SINCE, v);
    }
    let both = decide(&with_both, &etag, lm);
    if with_both.contains_key(http::header::IF_NONE_MATCH) {
        assert_eq!(both, decide(&inm_only, &etag, lm));
    } else {
        assert_eq!(both, decide(&ims_only, &etag, lm));
    }
    let _ = matches!(both, Decision::Full);
});
