//! Content coding negotiation (RFC 9110 §12.5.3) over the codings we precompute.

use fly_accept_encoding::Encoding;
use http::HeaderMap;

pub use crate::site::Coding;

/// Picks the coding for a response: the highest q-value the client gives among
/// br, gzip and identity, preferring the smaller body on ties.
///
/// A coding not named takes the q-value of `*` if present; identity not named
/// (and not excluded by `*;q=0`) is acceptable (§12.5.3), below any coding the
/// client names. When the field is absent
/// or cannot be parsed, identity is sent. When nothing is acceptable, identity is
/// sent anyway, as §12.5.3 permits.
pub fn choose(headers: &HeaderMap) -> Coding {
    if !headers.contains_key(http::header::ACCEPT_ENCODING) {
        return Coding::Identity;
    }
    let Ok(list) = fly_accept_encoding::encodings(headers) else {
        return Coding::Identity;
    };
    let q_of = |wanted: Encoding| {
        list.iter()
            .filter(|(e, _)| *e == Some(wanted))
            .map(|(_, q)| *q)
            .reduce(f32::max)
    };
    let star = list
        .iter()
        .filter(|(e, _)| e.is_none())
        .map(|(_, q)| *q)
        .reduce(f32::max);
    let br = q_of(Encoding::Brotli).or(star).unwrap_or(0.0);
    let gzip = q_of(Encoding::Gzip).or(star).unwrap_or(0.0);
    // Identity not named is acceptable, but as the last choice.
    let identity = q_of(Encoding::Identity).or(star).unwrap_or(0.001);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(v: &str) -> Coding {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::ACCEPT_ENCODING,
            http::HeaderValue::from_str(v).unwrap(),
        );
        choose(&h)
    }

    #[test]
    fn cases() {
        assert_eq!(choose(&HeaderMap::new()), Coding::Identity);
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
}
