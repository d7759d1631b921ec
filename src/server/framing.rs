//! How an HTTP/1 request head frames its body (RFC 9112 §6), judged on its
//! header fields alone, before any byte after the head is read: a head whose
//! framing is faulty is answered and its connection closed, so nothing after
//! it can be read as another request (§6.3, §11.2: request smuggling).
//!
//! The rules are stricter than hyper's, so that every head hyper would refuse
//! on its framing (with a bare 400) is refused here first, in this server's
//! words: the HTTP/1 fast path judges every head it parses with [`judge`]
//! before it hands a connection to hyper.

use http::{StatusCode, Version};

use super::request::Fields;

/// How the body of a request is framed (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// No body: no `Content-Length` and no `Transfer-Encoding`.
    None,
    /// `Content-Length` bytes.
    Length(u64),
    /// The chunked transfer coding, last of the codings applied.
    Chunked,
}

/// Why a head's framing is refused. Each is answered with [`Faulty::status`]
/// and a line of text, and the connection closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Faulty {
    /// Two `Content-Length` values that disagree (RFC 9110 §8.6, RFC 9112
    /// §6.3 item 5): which one frames the body cannot be told.
    #[error("bad request: Content-Length given twice with different values")]
    LengthsDiffer,
    /// A `Content-Length` that is not `1*DIGIT` (RFC 9110 §8.6), such as `+5`,
    /// or too large for 64 bits. A list (`0, 0`) is one too: §8.6 lets a
    /// recipient refuse a list of one value repeated, and hyper, which reads
    /// the bodies, does not read one.
    #[error("bad request: Content-Length must be one number of bytes in decimal digits")]
    LengthInvalid,
    /// Both `Content-Length` and `Transfer-Encoding` (RFC 9112 §6.3 item 3:
    /// "ought to be handled as an error"; the way request smuggling begins).
    #[error("bad request: Content-Length and Transfer-Encoding given together; send one")]
    LengthAndCoding,
    /// `Transfer-Encoding` on an HTTP/1.0 request, which cannot have one
    /// (RFC 9112 §6.1: the framing is faulty).
    #[error("bad request: Transfer-Encoding is not allowed in an HTTP/1.0 request")]
    CodingInHttp10,
    /// `Transfer-Encoding` whose last coding is not `chunked` (RFC 9112 §6.3
    /// item 4: the length cannot be determined).
    #[error("bad request: Transfer-Encoding must end with chunked")]
    NotChunked,
    /// `chunked` applied more than once (RFC 9112 §7: a sender applies it once).
    #[error("bad request: the chunked transfer coding is applied more than once")]
    ChunkedTwice,
    /// A transfer coding before `chunked` that this server does not decode
    /// (RFC 9112 §6.1: 501).
    #[error("transfer coding not implemented: this server reads chunked bodies only")]
    UnknownCoding,
}

impl Faulty {
    /// The status it is answered with.
    pub fn status(self) -> StatusCode {
        match self {
            Faulty::UnknownCoding => StatusCode::NOT_IMPLEMENTED,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// How a request of `version` with `fields` frames its body, or why that
/// framing is refused (RFC 9112 §6.1–§6.3, RFC 9110 §8.6).
pub fn judge(version: Version, fields: &Fields<'_>) -> Result<Body, Faulty> {
    let length = content_length(fields)?;
    let mut codings = fields.get_all("transfer-encoding").peekable();
    if codings.peek().is_none() {
        return Ok(length.map_or(Body::None, Body::Length));
    }
    if version == Version::HTTP_10 {
        return Err(Faulty::CodingInHttp10);
    }
    if length.is_some() {
        return Err(Faulty::LengthAndCoding);
    }
    transfer_codings(codings).map(|()| Body::Chunked)
}

/// The `Content-Length` sent, if any. The same value on several field lines
/// is that value, as hyper reads it (RFC 9110 §8.6 allows either reading);
/// values that differ are refused.
fn content_length(fields: &Fields<'_>) -> Result<Option<u64>, Faulty> {
    let mut found = None;
    for line in fields.get_all("content-length") {
        let value = decimal(line.trim_ascii()).ok_or(Faulty::LengthInvalid)?;
        match found {
            Some(first) if first != value => return Err(Faulty::LengthsDiffer),
            _ => found = Some(value),
        }
    }
    Ok(found)
}

/// `1*DIGIT` as a number, if it fits in 64 bits.
fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// Whether the transfer codings of `lines` (every `Transfer-Encoding` line,
/// in order) are `chunked` alone, applied last and once.
fn transfer_codings<'a>(lines: impl Iterator<Item = &'a [u8]>) -> Result<(), Faulty> {
    let mut codings: Vec<&[u8]> = lines
        .flat_map(|line| line.split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
        .collect();
    // The last element is judged as sent, even empty (`chunked,`): hyper
    // reads such a head as not chunked. Empty elements before it are allowed
    // (RFC 9110 §5.6.1).
    let last = codings.pop().unwrap_or_default();
    if !last.eq_ignore_ascii_case(b"chunked") {
        return Err(Faulty::NotChunked);
    }
    let mut before = codings
        .into_iter()
        .map(|coding| coding.split(|&b| b == b';').next().unwrap_or_default())
        .map(<[u8]>::trim_ascii);
    match before.find(|c| !c.is_empty()) {
        None => Ok(()),
        Some(c) if c.eq_ignore_ascii_case(b"chunked") => Err(Faulty::ChunkedTwice),
        Some(_) => Err(Faulty::UnknownCoding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The framing of a request of `version` with the field lines `lines`.
    fn framing(version: Version, lines: &[(&'static str, &'static str)]) -> Result<Body, Faulty> {
        let lines: Vec<httparse::Header<'_>> = lines
            .iter()
            .map(|&(name, value)| httparse::Header {
                name,
                value: value.as_bytes(),
            })
            .collect();
        judge(version, &Fields::lines(&lines))
    }

    fn h11(lines: &[(&'static str, &'static str)]) -> Result<Body, Faulty> {
        framing(Version::HTTP_11, lines)
    }

    #[test]
    fn a_body_is_framed_by_one_length_or_by_chunked() {
        assert_eq!(h11(&[("Host", "a")]), Ok(Body::None));
        assert_eq!(h11(&[("Content-Length", "0")]), Ok(Body::Length(0)));
        assert_eq!(h11(&[("content-length", "0005")]), Ok(Body::Length(5)));
        assert_eq!(
            h11(&[("Content-Length", "18446744073709551615")]),
            Ok(Body::Length(u64::MAX))
        );
        assert_eq!(
            framing(Version::HTTP_10, &[("Content-Length", "3")]),
            Ok(Body::Length(3))
        );
        for chunked in ["chunked", "Chunked", " chunked ", ", chunked", "chunked"] {
            assert_eq!(
                h11(&[("Transfer-Encoding", chunked)]),
                Ok(Body::Chunked),
                "{chunked}"
            );
        }
    }

    #[test]
    fn lengths_that_disagree_or_are_not_one_number_are_refused() {
        assert_eq!(
            h11(&[("Content-Length", "0"), ("Content-Length", "5")]),
            Err(Faulty::LengthsDiffer)
        );
        // The same value twice is that value, as hyper reads it.
        assert_eq!(
            h11(&[("Content-Length", "5"), ("content-length", "5")]),
            Ok(Body::Length(5))
        );
        for bad in [
            "+5",
            "-1",
            "",
            "5a",
            "0x5",
            "1 2",
            "0, 0",
            "1, 2",
            "5,",
            "18446744073709551616",
        ] {
            assert_eq!(
                h11(&[("Content-Length", bad)]),
                Err(Faulty::LengthInvalid),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn transfer_codings_must_end_with_chunked_applied_once() {
        for bad in [
            "xchunked",
            "gzip",
            "chunked, gzip",
            "chunked,",
            "",
            "chunked;x=1",
        ] {
            assert_eq!(
                h11(&[("Transfer-Encoding", bad)]),
                Err(Faulty::NotChunked),
                "{bad:?}"
            );
        }
        // The lines make one list: the last line's last coding is the last.
        assert_eq!(
            h11(&[
                ("Transfer-Encoding", "chunked"),
                ("Transfer-Encoding", "gzip")
            ]),
            Err(Faulty::NotChunked)
        );
        assert_eq!(
            h11(&[
                ("Transfer-Encoding", "chunked"),
                ("Transfer-Encoding", "chunked")
            ]),
            Err(Faulty::ChunkedTwice)
        );
        assert_eq!(
            h11(&[("Transfer-Encoding", "chunked, chunked")]),
            Err(Faulty::ChunkedTwice)
        );
        assert_eq!(
            h11(&[("Transfer-Encoding", "gzip, chunked")]),
            Err(Faulty::UnknownCoding)
        );
        assert_eq!(
            h11(&[("Transfer-Encoding", "gzip;q=1, chunked")]),
            Err(Faulty::UnknownCoding)
        );
        assert_eq!(Faulty::UnknownCoding.status(), StatusCode::NOT_IMPLEMENTED);
        assert_eq!(Faulty::NotChunked.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_coding_beside_a_length_or_in_http10_is_refused() {
        assert_eq!(
            h11(&[("Content-Length", "44"), ("Transfer-Encoding", "chunked")]),
            Err(Faulty::LengthAndCoding)
        );
        assert_eq!(
            h11(&[("Transfer-Encoding", "chunked"), ("Content-Length", "0")]),
            Err(Faulty::LengthAndCoding)
        );
        assert_eq!(
            framing(Version::HTTP_10, &[("Transfer-Encoding", "chunked")]),
            Err(Faulty::CodingInHttp10)
        );
        // A bad length is named before anything else.
        assert_eq!(
            h11(&[("Content-Length", "+1"), ("Transfer-Encoding", "chunked")]),
            Err(Faulty::LengthInvalid)
        );
    }
}
