//! Arbitrary request headers → the RFC 9110 §13 decision: no panic, the same
//! decision from hyper's header map and from the fast path's parsed lines, and
//! the precedence holds: a false `If-Match` is 412 whatever follows, and with
//! If-None-Match present, If-Modified-Since never matters.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use bantin::server::conditional::{decide, Current, PreconditionFailed};
use bantin::server::request::Fields;
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

const QUOTED: &str = "\"0123456789abcdef0123456789abcdef\"";

fuzz_target!(|data: (&[u8], &[u8], &[u8], &[u8], u32)| {
    let (im, ius, inm, ims, secs) = data;
    let etag: headers::ETag = QUOTED.parse().expect("a valid tag");
    let current = Current {
        etag: &etag,
        quoted: QUOTED,
        last_modified: UNIX_EPOCH + Duration::from_secs(u64::from(secs)),
    };
    let fields: Vec<(&'static str, &[u8])> = [
        ("if-match", im),
        ("if-unmodified-since", ius),
        ("if-none-match", inm),
        ("if-modified-since", ims),
    ]
    .into_iter()
    .filter(|(_, v)| HeaderValue::from_bytes(v).is_ok())
    .collect();
    let map_of = |names: &[&str]| {
        let mut map = HeaderMap::new();
        for (name, value) in fields.iter().filter(|(n, _)| names.contains(n)) {
            let value = HeaderValue::from_bytes(value).expect("checked above");
            map.append(HeaderName::from_static(name), value);
        }
        map
    };
    let all = map_of(&["if-match", "if-unmodified-since", "if-none-match", "if-modified-since"]);
    let decision = decide(&Fields::Map(&all), current);
    let lines: Vec<httparse::Header<'_>> = fields
        .iter()
        .map(|(name, value)| httparse::Header { name, value })
        .collect();
    assert_eq!(decision, decide(&Fields::lines(&lines), current));
    if all.contains_key("if-match") {
        let alone = decide(&Fields::Map(&map_of(&["if-match"])), current);
        if alone == Err(PreconditionFailed) {
            assert_eq!(decision, alone);
        }
    }
    if decision.is_ok() && all.contains_key("if-none-match") {
        let cache = map_of(&["if-none-match"]);
        assert_eq!(decision, decide(&Fields::Map(&cache), current));
    }
});
