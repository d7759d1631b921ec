//! The conditional GET decision of RFC 9110 §13, as a pure function.
//!
//! Precedence for a GET or HEAD on a resource that exists (§13.2.2):
//!
//! 1. `If-Match` (step 1): true when it is `*` or lists the current ETag by
//!    *strong* comparison (§13.1.1, §8.8.3.2); false, 412 Precondition Failed.
//!    An origin server MUST evaluate it for any method (§13.1.1): a client may
//!    send it on a GET to abort when the representation is no longer the one
//!    it holds part of.
//! 2. `If-Unmodified-Since` (step 2), only when `If-Match` is absent: true when
//!    the resource's Last-Modified, as sent (never later than the present), is
//!    not later than the date; false, 412 (§13.1.4). A field that is not one
//!    valid HTTP-date is ignored.
//! 3. `If-None-Match` (step 3): if it matches the current ETag by *weak*
//!    comparison (§8.8.3.2), or is `*`, the answer is 304 Not Modified (§13.1.2);
//!    otherwise it is 200.
//! 4. `If-Modified-Since` (step 4), only when `If-None-Match` is absent: if it
//!    holds a valid HTTP-date and the resource's Last-Modified is not later than
//!    it, 304 (§13.1.3). An invalid date is ignored (§13.1.3: "A recipient MUST
//!    ignore the If-Modified-Since header field if the received field value is
//!    not a valid HTTP-date, the field value has more than one member").
//! 5. Otherwise (step 6) 200 with the full representation. Step 5, `If-Range`,
//!    does not arise: this server sends no ranges.

use std::time::{SystemTime, UNIX_EPOCH};

use headers::{ETag, HeaderMapExt, IfMatch, IfNoneMatch};

/// The field names read here, as `Fields` looks them up.
const IF_MATCH: &str = "if-match";
const IF_UNMODIFIED_SINCE: &str = "if-unmodified-since";
const IF_NONE_MATCH: &str = "if-none-match";
const IF_MODIFIED_SINCE: &str = "if-modified-since";

use super::request::{visible_ascii, Fields};
use crate::timestamp::parse_http_date;

/// A precondition of the request is false: the answer is 412 Precondition
/// Failed (RFC 9110 §15.5.13), whatever the representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreconditionFailed;

/// What to answer a GET or HEAD whose preconditions hold.
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
    /// Its Last-Modified, unclamped; `None` when it has no date, and the date
    /// preconditions are ignored (RFC 9110 §13.1.3, §13.1.4).
    pub last_modified: Option<SystemTime>,
}

/// Decides between 412, 304 and 200 for a representation whose validators are
/// `current`.
pub fn decide(fields: &Fields<'_>, current: Current<'_>) -> Result<Decision, PreconditionFailed> {
    if !preconditions_hold(fields, current) {
        return Err(PreconditionFailed);
    }
    Ok(cache_decision(fields, current))
}

/// Decides for a representation made afresh for each request, with no
/// validators (`/healthz`, `/metrics`), as RFC 9110 §13.2.2 orders for one
/// that exists: `If-Match` holds only as `*`, since no tag can match one
/// that has none (§13.1.1); `If-None-Match: *` is false, so the answer is
/// 304 (§13.1.2), and no tag list can match; the dates are ignored, as there
/// is no modification date to compare (§13.1.3, §13.1.4).
pub fn decide_untagged(fields: &Fields<'_>) -> Result<Decision, PreconditionFailed> {
    let star = |name| fields.get_all(name).any(|v| v.trim_ascii() == b"*");
    if fields.contains(IF_MATCH) && !star(IF_MATCH) {
        return Err(PreconditionFailed);
    }
    if star(IF_NONE_MATCH) {
        return Ok(Decision::NotModified);
    }
    Ok(Decision::Full)
}

/// Steps 1 and 2: `If-Match`, else `If-Unmodified-Since`.
fn preconditions_hold(fields: &Fields<'_>, current: Current<'_>) -> bool {
    if fields.contains(IF_MATCH) {
        if fields.get_all(IF_MATCH).any(|v| !tags_well_formed(v)) {
            // A tag that cannot be parsed cannot match.
            return false;
        }
        // `precondition_passes` compares strongly (§13.1.1) and accepts `*`.
        // In a list, a member that is no entity-tag is skipped and the others
        // compared, as nginx does; a field with none matches nothing.
        return fields
            .header_map(IF_MATCH)
            .typed_get::<IfMatch>()
            .is_some_and(|m| m.precondition_passes(current.etag));
    }
    let Some(modified) = current.last_modified else {
        return true;
    };
    match single_date(fields, IF_UNMODIFIED_SINCE) {
        // Against the Last-Modified as sent, which is never later than the
        // present (see `Resource::last_modified_header`): a client sending back
        // the date it was given holds the current version. Read only when the
        // field is sent, which few requests do.
        Some(since) => {
            let sent = modified.min(SystemTime::now());
            whole_seconds(sent) <= whole_seconds(since)
        }
        None => true,
    }
}

/// The date of a field that must hold exactly one HTTP-date; `None` when it is
/// absent, or not one valid date (several lines are a list, §13.1.3, §13.1.4).
fn single_date(fields: &Fields<'_>, name: &'static str) -> Option<SystemTime> {
    let mut lines = fields.get_all(name);
    let first = lines.next()?;
    if lines.next().is_some() {
        return None;
    }
    visible_ascii(first).and_then(parse_http_date)
}

/// Steps 3 and 4: 304 or 200.
fn cache_decision(fields: &Fields<'_>, current: Current<'_>) -> Decision {
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
            // `precondition_passes` is true when no tag matches (weak
            // comparison). In a list, a member that is no entity-tag is
            // skipped and the others compared, as nginx does; a field with
            // none gives `None`, which never matches.
            Some(inm) if !inm.precondition_passes(etag) => Decision::NotModified,
            _ => Decision::Full,
        };
    }
    let Some(modified) = current.last_modified else {
        return Decision::Full;
    };
    match single_date(fields, IF_MODIFIED_SINCE) {
        // A date later than the present was not sent by this clock: one sent
        // while it ran ahead, or before it was set back. The bytes may have
        // changed since at earlier dates, so it proves nothing (RFC 2616
        // §14.25 calls it invalid, as Apache treats it).
        Some(since)
            if whole_seconds(modified) <= whole_seconds(since)
                && whole_seconds(since) <= whole_seconds(SystemTime::now()) =>
        {
            Decision::NotModified
        }
        _ => Decision::Full,
    }
}

/// Whether every quoted entity-tag in the field line holds only `etagc`
/// characters (RFC 9110 §8.8.3: no space, tab or control inside the quotes),
/// and the line closes every quote it opens. The `headers` crate asserts the
/// first in debug builds instead of rejecting the field, so a client could
/// otherwise panic a debug build (found by fuzzing); and it reads the lines
/// of a field joined by `, `, so a quote left open on one line (`"a`) would
/// take the next line's space into a tag (`"a, b c"`, found by an audit).
fn tags_well_formed(field: &[u8]) -> bool {
    let mut quoted = false;
    let etagc = field.iter().all(|&b| {
        if b == b'"' {
            quoted = !quoted;
        }
        !quoted || b == b'"' || b == 0x21 || (0x23..=0x7E).contains(&b) || b >= 0x80
    });
    etagc && !quoted
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

    /// The fast path's view of `pairs`: the lines `httparse` would give.
    fn lines<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<httparse::Header<'a>> {
        pairs
            .iter()
            .map(|&(name, value)| httparse::Header {
                name,
                value: value.as_bytes(),
            })
            .collect()
    }

    #[test]
    fn a_representation_without_validators_still_answers_its_preconditions() {
        let untagged = |pairs: &[(&str, &str)]| {
            let map = h(pairs);
            let by_map = decide_untagged(&Fields::Map(&map));
            let lines = lines(pairs);
            assert_eq!(decide_untagged(&Fields::lines(&lines)), by_map, "{pairs:?}");
            by_map
        };
        assert_eq!(untagged(&[]), Ok(Decision::Full));
        assert_eq!(untagged(&[("If-Match", "\"zz\"")]), Err(PreconditionFailed));
        assert_eq!(
            untagged(&[("If-Match", "W/\"zz\", \"y\"")]),
            Err(PreconditionFailed)
        );
        assert_eq!(untagged(&[("If-Match", "*")]), Ok(Decision::Full));
        assert_eq!(
            untagged(&[("If-None-Match", "*")]),
            Ok(Decision::NotModified)
        );
        assert_eq!(untagged(&[("If-None-Match", "\"zz\"")]), Ok(Decision::Full));
        // No date to compare: both date fields are ignored.
        let date = "Sun, 10 May 2020 08:33:00 GMT";
        assert_eq!(untagged(&[("If-Modified-Since", date)]), Ok(Decision::Full));
        assert_eq!(
            untagged(&[("If-Unmodified-Since", date)]),
            Ok(Decision::Full)
        );
        // If-Match is evaluated first.
        let both = [("If-Match", "\"zz\""), ("If-None-Match", "*")];
        assert_eq!(untagged(&both), Err(PreconditionFailed));
    }

    fn decide_with(pairs: &[(&str, &str)]) -> Decision {
        outcome(pairs).expect("no precondition fails")
    }

    /// The decision for these request fields, the same from both views of them.
    fn outcome(pairs: &[(&str, &str)]) -> Result<Decision, PreconditionFailed> {
        let etag: ETag = "\"abc\"".parse().unwrap();
        let current = Current {
            etag: &etag,
            quoted: "\"abc\"",
            last_modified: Some(UNIX_EPOCH + Duration::from_secs(LM)),
        };
        let map = h(pairs);
        let by_map = decide(&Fields::Map(&map), current);
        // The fast path's view of the same lines decides the same.
        let lines = lines(pairs);
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
        // A member that is no entity-tag is skipped; the others still match.
        assert_eq!(
            decide_with(&[("if-none-match", "garbage, \"abc\"")]),
            NotModified
        );
        assert_eq!(decide_with(&[("if-none-match", "garbage, \"x\"")]), Full);
        assert_eq!(outcome(&[("if-match", "garbage, \"abc\"")]), Ok(Full));
        assert_eq!(outcome(&[("if-match", "garbage")]), Err(PreconditionFailed));
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
        // A quote opened on one line and closed on the next: `headers` joins
        // the lines into one tag with a space in it.
        let split = [("if-none-match", "\"a"), ("if-none-match", "b c\"")];
        assert_eq!(decide_with(&split), Decision::Full);
        let split = [("if-match", "\"abc\", \"a"), ("if-match", "b c\"")];
        assert_eq!(outcome(&split), Err(PreconditionFailed));
        assert_eq!(
            decide_with(&[("if-none-match", "\"x\", \"abc\"")]),
            Decision::NotModified
        );
    }

    #[test]
    fn a_representation_with_no_date_ignores_the_date_preconditions() {
        // RFC 9110 §13.1.3, §13.1.4: ignored when there is no date to compare.
        let etag: ETag = "\"abc\"".parse().unwrap();
        let current = Current {
            etag: &etag,
            quoted: "\"abc\"",
            last_modified: None,
        };
        let now = httpdate::fmt_http_date(SystemTime::now());
        for field in ["if-modified-since", "if-unmodified-since"] {
            for date in ["Mon, 01 Jan 2001 00:00:00 GMT", now.as_str()] {
                let map = h(&[(field, date)]);
                assert_eq!(decide(&Fields::Map(&map), current), Ok(Decision::Full));
            }
        }
        let map = h(&[("if-none-match", "\"abc\"")]);
        assert_eq!(
            decide(&Fields::Map(&map), current),
            Ok(Decision::NotModified)
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
        // A date after the present was not sent by this clock: ignored.
        let tomorrow = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(86_400));
        assert_eq!(decide_with(&[("if-modified-since", &tomorrow)]), Full);
        // Two lines are a list of dates, not a date (§13.1.3): ignored.
        assert_eq!(
            decide_with(&[
                ("if-modified-since", "Mon, 11 May 2020 08:33:00 GMT"),
                ("if-modified-since", "Mon, 11 May 2020 08:33:00 GMT"),
            ]),
            Full
        );
    }

    #[test]
    fn if_match_compares_strongly_and_fails_with_412() {
        use Decision::*;
        let failed = Err(PreconditionFailed);
        assert_eq!(outcome(&[("if-match", "\"abc\"")]), Ok(Full));
        assert_eq!(outcome(&[("if-match", "*")]), Ok(Full));
        assert_eq!(outcome(&[("if-match", "\"x\", \"abc\"")]), Ok(Full));
        assert_eq!(
            outcome(&[("if-match", "\"x\""), ("if-match", "\"abc\"")]),
            Ok(Full)
        );
        assert_eq!(outcome(&[("if-match", "\"x\"")]), failed);
        // Strong comparison (§13.1.1): a weak tag never matches.
        assert_eq!(outcome(&[("if-match", "W/\"abc\"")]), failed);
        assert_eq!(outcome(&[("if-match", "garbage")]), failed);
        assert_eq!(outcome(&[("if-match", "\"a b\"")]), failed);
        // Step 1 comes before step 3: a matching If-None-Match does not save it.
        assert_eq!(
            outcome(&[("if-match", "\"x\""), ("if-none-match", "\"abc\"")]),
            failed
        );
        assert_eq!(
            outcome(&[("if-match", "\"abc\""), ("if-none-match", "\"abc\"")]),
            Ok(NotModified)
        );
    }

    #[test]
    fn if_unmodified_since_compares_with_the_last_modified_sent() {
        // A representation dated ahead of the clock is sent as modified now; a
        // client sending that date back holds the current version.
        let etag: ETag = "\"abc\"".parse().unwrap();
        let current = Current {
            etag: &etag,
            quoted: "\"abc\"",
            last_modified: Some(SystemTime::now() + Duration::from_secs(3600)),
        };
        let sent = httpdate::fmt_http_date(SystemTime::now());
        let map = h(&[("if-unmodified-since", &sent)]);
        assert_eq!(decide(&Fields::Map(&map), current), Ok(Decision::Full));
        let before = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        let map = h(&[("if-unmodified-since", &before)]);
        assert_eq!(decide(&Fields::Map(&map), current), Err(PreconditionFailed));
    }

    #[test]
    fn if_unmodified_since_fails_with_412_unless_if_match_is_sent() {
        use Decision::*;
        let failed = Err(PreconditionFailed);
        let before = "Sun, 10 May 2020 08:32:59 GMT";
        let at = "Sun, 10 May 2020 08:33:00 GMT";
        assert_eq!(outcome(&[("if-unmodified-since", at)]), Ok(Full));
        assert_eq!(outcome(&[("if-unmodified-since", before)]), failed);
        assert_eq!(
            outcome(&[
                ("if-unmodified-since", before),
                ("if-none-match", "\"abc\"")
            ]),
            failed
        );
        // Not a date, or a list of them: ignored (§13.1.4).
        assert_eq!(outcome(&[("if-unmodified-since", "yesterday")]), Ok(Full));
        assert_eq!(
            outcome(&[
                ("if-unmodified-since", before),
                ("if-unmodified-since", before)
            ]),
            Ok(Full)
        );
        // If-Match present: If-Unmodified-Since is not evaluated (§13.2.2 step 2).
        assert_eq!(
            outcome(&[("if-match", "\"abc\""), ("if-unmodified-since", before)]),
            Ok(Full)
        );
    }
}
