//! The conditional GET decision of RFC 9110 §13, as a pure function.
//!
//! Precedence for a GET or HEAD on a resource that exists (§13.2.2):
//!
//! 1. `If-Match`, then `If-Unmodified-Since` (§13.2.2 steps 1 and 2): not
//!    evaluated; they guard state-changing methods and this server has none
//!    (§13.1.1, §13.1.4 allow ignoring them for GET).
//! 2. `If-None-Match` (step 3): if it matches the current ETag by *weak*
//!    comparison (§8.8.3.2), or is `*`, the answer is 304 Not Modified (§13.1.2);
//!    otherwise it is 200.
//! 3. `If-Modified-Since` (step 4), only when `If-None-Match` is absent: if it
//!    holds a valid HTTP-date and the resource's Last-Modified is not later than
//!    it, 304 (§13.1.3). An invalid date is ignored (§13.1.3: "A recipient MUST
//!    ignore the If-Modified-Since header field if the received field value is
//!    not a valid HTTP-date").
//! 4. Otherwise (step 6) 200 with the full representation. Step 5, `If-Range`,
//!    does not arise: this server sends no ranges.

use std::time::{SystemTime, UNIX_EPOCH};

use headers::{ETag, HeaderMapExt, IfNoneMatch};

/// The field names read here, as `Fields` looks them up.
const IF_NONE_MATCH: &str = "if-none-match";
const IF_MODIFIED_SINCE: &str = "if-modified-since";

use super::request::{visible_ascii, Fields};
use crate::timestamp::parse_http_date;

/// What to answer a GET or HEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 304 Not Modified: the client's copy is current.
    NotModified,
    /// 200 with the body.
    Full,
}

/// The current validator of a representation: its strong entity tag, parsed
/// and as sent (quoted).
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    /// The tag, for the `headers` crate's comparison.
    pub etag: &'a ETag,
    /// The same tag as sent in `ETag`, quotes included.
    pub quoted: &'a str,
    /// Its Last-Modified, unclamped.
    pub last_modified: SystemTime,
}

/// Decides between 304 and 200 for a representation whose validators are `current`.
pub fn decide(fields: &Fields<'_>, current: Current<'_>) -> Decision {
    let mut inm = fields.get_all(IF_NONE_MATCH);
    if let Some(first) = inm.next() {
        let only = inm.next().is_none();
        // The form a client sends back from our own response: one tag, ours,
        // strong or weak (§8.8.3.2 weak comparison ignores `W/`) — or `*`.
        // It matches as the full parse below would say, without copying the field.
        let weak = first.strip_prefix(b"W/").unwrap_or(first);
        if only && (weak == current.quoted.as_bytes() || first == b"*") {
            return Decision::NotModified;
        }
        if fields.get_all(IF_NONE_MATCH).any(|v| !tags_well_formed(v)) {
            // Malformed: it cannot match, and If-Modified-Since stays ignored
            // since the field was sent.
            return Decision::Full;
        }
        let etag = current.etag;
        return match fields.header_map(IF_NONE_MATCH).typed_get::<IfNoneMatch>() {
            // `precondition_passes` is true when no tag matches (weak comparison);
            // a field `typed_get` cannot parse gives `None`, which never matches.
            Some(inm) if !inm.precondition_passes(etag) => Decision::NotModified,
            _ => Decision::Full,
        };
    }
    // The first line only, as `HeaderMap::get` reads it: an HTTP-date holds a
    // comma, so several lines are no list.
    let since = fields
        .get_all(IF_MODIFIED_SINCE)
        .next()
        .and_then(visible_ascii)
        .and_then(parse_http_date);
    match since {
        Some(since) if whole_seconds(current.last_modified) <= whole_seconds(since) => {
            Decision::NotModified
        }
        _ => Decision::Full,
    }
}

/// Whether every quoted entity-tag in the field holds only `etagc` characters
/// (RFC 9110 §8.8.3: no space, tab or control inside the quotes). The `headers`
/// crate asserts this in debug builds instead of rejecting the field, so a client
/// could otherwise panic a debug build (found by fuzzing).
fn tags_well_formed(field: &[u8]) -> bool {
    let mut quoted = false;
    field.iter().all(|&b| {
        if b == b'"' {
            quoted = !quoted;
        }
        !quoted || b == b'"' || b == 0x21 || (0x23..=0x7E).contains(&b) || b >= 0x80
    })
}

/// HTTP dates carry whole seconds; compare at that resolution.
fn whole_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn h(pairs: &[(&str, &str)]) -> http::HeaderMap {
        let mut m = http::HeaderMap::new();
        for (k, v) in pairs {
            m.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        m
    }

    const LM: u64 = 1_589_099_580; // Sun, 10 May 2020 08:33:00 GMT

    fn decide_with(pairs: &[(&str, &str)]) -> Decision {
        let etag: ETag = "\"abc\"".parse().unwrap();
        let current = Current {
            etag: &etag,
            quoted: "\"abc\"",
            last_modified: UNIX_EPOCH + Duration::from_secs(LM),
        };
        let map = h(pairs);
        let by_map = decide(&Fields::Map(&map), current);
        // The fast path's view of the same lines decides the same.
        let lines: Vec<httparse::Header<'_>> = pairs
            .iter()
            .map(|(name, value)| httparse::Header {
                name,
                value: value.as_bytes(),
            })
            .collect();
        assert_eq!(decide(&Fields::lines(&lines), current), by_map, "{pairs:?}");
        by_map
    }

    #[test]
    fn none_match_forms() {
        use Decision::*;
        assert_eq!(decide_with(&[]), Full);
        assert_eq!(decide_with(&[("if-none-match", "\"abc\"")]), NotModified);
        assert_eq!(decide_with(&[("if-none-match", "W/\"abc\"")]), NotModified);
        assert_eq!(decide_with(&[("if-none-match", "*")]), NotModified);
        assert_eq!(
            decide_with(&[("if-none-match", "\"x\", \"abc\"")]),
            NotModified
        );
        assert_eq!(decide_with(&[("if-none-match", "\"x\"")]), Full);
        assert_eq!(
            decide_with(&[("if-none-match", "\"x\""), ("if-none-match", "\"abc\"")]),
            NotModified
        );
        assert_eq!(decide_with(&[("if-none-match", "garbage")]), Full);
        // Our own tag on one line of two does not shortcut the list rules.
        assert_eq!(
            decide_with(&[("if-none-match", "\"abc\""), ("if-none-match", "\"a b\"")]),
            Full
        );
        assert_eq!(
            decide_with(&[("if-none-match", "\"x\""), ("if-none-match", "W/\"abc\"")]),
            NotModified
        );
        assert_eq!(decide_with(&[("if-none-match", "W/*")]), Full);
    }

    #[test]
    fn malformed_tags_never_match_and_never_panic() {
        // Found by fuzzing: a tab inside quotes reached a debug assertion in `headers`.
        let inm = std::str::from_utf8(b"\"\tW\"\tW5").unwrap();
        assert_eq!(decide_with(&[("if-none-match", inm)]), Decision::Full);
        assert_eq!(decide_with(&[("if-none-match", "\"a b\"")]), Decision::Full);
        assert_eq!(
            decide_with(&[("if-none-match", "\"x\", \"abc\"")]),
            Decision::NotModified
        );
    }

    #[test]
    fn none_match_takes_precedence_over_modified_since() {
        let current = "Sun, 10 May 2020 08:33:00 GMT";
        assert_eq!(
            decide_with(&[("if-none-match", "\"x\""), ("if-modified-since", current)]),
            Decision::Full
        );
    }

    #[test]
    fn modified_since() {
        use Decision::*;
        assert_eq!(
            decide_with(&[("if-modified-since", "Sun, 10 May 2020 08:33:00 GMT")]),
            NotModified
        );
        assert_eq!(
            decide_with(&[("if-modified-since", "Mon, 11 May 2020 08:33:00 GMT")]),
            NotModified
        );
        assert_eq!(
            decide_with(&[("if-modified-since", "Sun, 10 May 2020 08:32:59 GMT")]),
            Full
        );
        assert_eq!(
            decide_with(&[("if-modified-since", "Sunday, 10-May-20 08:33:00 GMT")]),
            NotModified
        );
        assert_eq!(decide_with(&[("if-modified-since", "yesterday")]), Full);
    }
}
