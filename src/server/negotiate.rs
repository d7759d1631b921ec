//! Content coding negotiation (RFC 9110 §12.5.3) over the codings we precompute.

use super::request::{visible_ascii, Fields};
pub use crate::site::Coding;

/// A coding the field can name, as far as we care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    Br,
    Gzip,
    Identity,
    /// `*`: every coding not named otherwise.
    Any,
    /// Some coding we do not produce.
    Other,
}

/// Picks the coding for a response: the highest q-value the client gives among
/// br, gzip and identity, preferring the smaller body on ties.
///
/// A coding not named takes the q-value of `*` if present; identity not named
/// (and not excluded by `*;q=0`) is acceptable (§12.5.3), below any coding the
/// client names. When the field is absent, identity is sent. When nothing is
/// acceptable, identity is sent anyway, as §12.5.3 permits.
///
/// Parsed leniently, member by member: codings and parameter names are
/// case-insensitive (§8.4.1, §5.6.6), whitespace may surround `;` and `=`
/// (§5.6.6), and a member that cannot be read (a bad q-value, a non-token) is
/// skipped, keeping the others. Written here rather than with a crate because
/// the one we used compared case-sensitively and rejected the whole field for
/// one bad member, and this runs on every request without allocating.
pub fn choose(fields: &Fields<'_>) -> Coding {
    let [br, gzip, identity] = weights(fields);
    let mut best = (Coding::Identity, 0.0_f32);
    for (coding, q) in [
        (Coding::Br, br),
        (Coding::Gzip, gzip),
        (Coding::Identity, identity),
    ] {
        if q > best.1 {
            best = (coding, q);
        }
    }
    best.0
}

/// Picks the coding for a body compressed for this one request (an article
/// page): as [`choose`], but gzip wherever brotli would be chosen and gzip is
/// acceptable too (RFC 9110 §12.5.3 lets the server pick among acceptable
/// codings). gzip at level 1 costs about what reading and rendering a page
/// costs; brotli, even at quality 3, two to six times that (see the README).
pub fn choose_made_now(fields: &Fields<'_>) -> Coding {
    match choose(fields) {
        Coding::Br if weights(fields)[1] > 0.0 => Coding::Gzip,
        coding => coding,
    }
}

/// Whether the request accepts identity (it does unless it gives it, or
/// `*` with identity unnamed, a q-value of 0).
pub fn identity_acceptable(fields: &Fields<'_>) -> bool {
    weights(fields)[2] > 0.0
}

/// The q-values the request gives br, gzip and identity, in that order.
fn weights(fields: &Fields<'_>) -> [f32; 3] {
    let mut best_of = [None::<f32>; 4];
    for (named, q) in fields
        .get_all("accept-encoding")
        .filter_map(visible_ascii)
        .flat_map(|v| v.split(','))
        .filter_map(member)
    {
        let slot = match named {
            Named::Br => 0,
            Named::Gzip => 1,
            Named::Identity => 2,
            Named::Any => 3,
            Named::Other => continue,
        };
        best_of[slot] = Some(best_of[slot].map_or(q, |old| old.max(q)));
    }
    let [br, gzip, identity, star] = best_of;
    let br = br.or(star).unwrap_or(0.0);
    let gzip = gzip.or(star).unwrap_or(0.0);
    // Identity not named is acceptable, but as the last choice.
    let identity = identity.or(star).unwrap_or(0.001);
    [br, gzip, identity]
}

/// One list member, `codings *( OWS ";" OWS parameter )` (§12.5.3, §5.6.6), with
/// its weight; `None` for an empty or unreadable member.
fn member(text: &str) -> Option<(Named, f32)> {
    let mut parts = text.split(';');
    let coding = parts.next()?.trim();
    let named = if coding.eq_ignore_ascii_case("br") {
        Named::Br
    } else if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
        // §8.4.1.3: a recipient SHOULD consider "x-gzip" equivalent to "gzip".
        Named::Gzip
    } else if coding.eq_ignore_ascii_case("identity") {
        Named::Identity
    } else if coding == "*" {
        Named::Any
    } else if !coding.is_empty() && coding.bytes().all(is_tchar) {
        Named::Other
    } else {
        return None;
    };
    let mut q = 1.0;
    for parameter in parts {
        let (name, value) = parameter.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            q = qvalue(value.trim())?;
        }
    }
    Some((named, q))
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )` (§12.4.2).
fn qvalue(text: &str) -> Option<f32> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = fraction.len() <= 3 && fraction.bytes().all(|b| b.is_ascii_digit());
    match whole {
        "0" if digits => text.parse().ok(),
        "1" if digits && fraction.bytes().all(|b| b == b'0') => Some(1.0),
        _ => None,
    }
}

/// `tchar` (RFC 9110 §5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn pick(v: &str) -> Coding {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::ACCEPT_ENCODING,
            http::HeaderValue::from_str(v).unwrap(),
        );
        let lines = [httparse::Header {
            name: "Accept-Encoding",
            value: v.as_bytes(),
        }];
        let by_map = choose(&Fields::Map(&h));
        assert_eq!(choose(&Fields::lines(&lines)), by_map, "{v}");
        by_map
    }

    #[test]
    fn a_body_made_now_is_gzip_wherever_gzip_is_acceptable() {
        let now = |v: &str| {
            let lines = [httparse::Header {
                name: "Accept-Encoding",
                value: v.as_bytes(),
            }];
            choose_made_now(&Fields::lines(&lines))
        };
        assert_eq!(now("gzip, deflate, br"), Coding::Gzip);
        assert_eq!(now("br;q=1, gzip;q=0.1"), Coding::Gzip);
        assert_eq!(now("*"), Coding::Gzip);
        assert_eq!(now("br"), Coding::Br);
        assert_eq!(now("br, gzip;q=0"), Coding::Br);
        assert_eq!(now("identity, gzip;q=0.5"), Coding::Identity);
        assert_eq!(choose_made_now(&Fields::None), Coding::Identity);
    }

    #[test]
    fn cases() {
        assert_eq!(choose(&Fields::Map(&HeaderMap::new())), Coding::Identity);
        assert_eq!(choose(&Fields::None), Coding::Identity);
        assert_eq!(pick("gzip, deflate, br"), Coding::Br);
        assert_eq!(pick("gzip"), Coding::Gzip);
        assert_eq!(pick("gzip;q=0"), Coding::Identity);
        assert_eq!(pick("br;q=0.5, gzip;q=0.8"), Coding::Gzip);
        assert_eq!(pick("*"), Coding::Br);
        assert_eq!(pick("*;q=0.5, br;q=0"), Coding::Gzip);
        assert_eq!(pick("*;q=0, identity;q=0.5"), Coding::Identity);
        assert_eq!(pick("*;q=0.5, identity;q=0.1, br;q=0"), Coding::Gzip);
        assert_eq!(pick("identity;q=0, gzip;q=0.1"), Coding::Gzip);
        assert_eq!(pick("deflate"), Coding::Identity);
        assert_eq!(pick("identity"), Coding::Identity);
        assert_eq!(pick(""), Coding::Identity);
    }

    #[test]
    fn case_whitespace_and_bad_members() {
        // Codings and `q` are case-insensitive (RFC 9110 §8.4.1, §5.6.6).
        assert_eq!(pick("GZIP"), Coding::Gzip);
        assert_eq!(pick("Gzip"), Coding::Gzip);
        assert_eq!(pick("BR"), Coding::Br);
        assert_eq!(pick("gzip;Q=1"), Coding::Gzip);
        assert_eq!(pick("br;Q=0, gzip"), Coding::Gzip);
        assert_eq!(pick("x-gzip"), Coding::Gzip);
        // Whitespace around `;` and `=`.
        assert_eq!(pick("gzip ; q=0.5"), Coding::Gzip);
        assert_eq!(pick("br ;q = 0.4, gzip; q=0.5"), Coding::Gzip);
        // One bad member is skipped; the others count.
        assert_eq!(pick("gzip;q=Infinity, br"), Coding::Br);
        assert_eq!(pick("br;q=NaN, gzip;q=0.2"), Coding::Gzip);
        assert_eq!(pick("br;q=1.5, gzip;q=0.9"), Coding::Gzip);
        assert_eq!(pick("br;q=0.5000, gzip;q=0.4"), Coding::Gzip);
        assert_eq!(pick("b r, gzip"), Coding::Gzip);
        assert_eq!(pick("br;q, gzip"), Coding::Gzip);
        assert_eq!(pick(",,gzip,,"), Coding::Gzip);
        // Other parameters are ignored, q still read.
        assert_eq!(pick("br;level=5;q=0.1, gzip;q=0.2"), Coding::Gzip);
        // Over several field lines.
        let mut h = HeaderMap::new();
        h.append(
            http::header::ACCEPT_ENCODING,
            http::HeaderValue::from_static("gzip;q=0.5"),
        );
        h.append(
            http::header::ACCEPT_ENCODING,
            http::HeaderValue::from_static("BR;q=0.6"),
        );
        assert_eq!(choose(&Fields::Map(&h)), Coding::Br);
    }
}
