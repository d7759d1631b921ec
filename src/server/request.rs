//! What the routes decide on: a borrowed view of a request head (method,
//! version, target, header fields), made from hyper's `Request` or straight
//! from `httparse`'s fields, so the HTTP/1 fast path builds no `HeaderMap`
//! and no `Uri` per request.

use http::{HeaderMap, Request, Version};

/// A request head, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The method, as sent (methods are case-sensitive, RFC 9110 §9.1).
    pub method: &'a str,
    /// The protocol version.
    pub version: Version,
    /// The path of the target, without the query.
    pub path: &'a str,
    /// The length of the target as the client sent it: the path and query,
    /// and the scheme and authority of an absolute-form target (HTTP/2's
    /// `:path` alone: its scheme and authority are fields of their own).
    pub target_len: usize,
    /// The authority of an absolute-form target, or HTTP/2's `:authority`.
    pub authority: Option<&'a str>,
    /// The scheme of an absolute-form target, or HTTP/2's `:scheme`.
    pub scheme: Option<&'a str>,
    /// The header fields.
    pub fields: Fields<'a>,
}

impl<'a> View<'a> {
    /// The view of a request hyper parsed.
    pub fn of<B>(req: &'a Request<B>) -> View<'a> {
        let uri = req.uri();
        let path_and_query = uri.path_and_query().map_or(0, |p| p.as_str().len());
        let target_len = if req.version() == Version::HTTP_2 {
            path_and_query
        } else {
            let scheme = uri.scheme_str().map_or(0, |s| s.len() + "://".len());
            let authority = uri.authority().map_or(0, |a| a.as_str().len());
            scheme + authority + path_and_query
        };
        View {
            method: req.method().as_str(),
            version: req.version(),
            path: uri.path(),
            target_len,
            authority: uri.authority().map(http::uri::Authority::as_str),
            scheme: uri.scheme_str(),
            fields: Fields::Map(req.headers()),
        }
    }

    /// Whether the method is `HEAD`.
    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

/// A request's header fields: hyper's map, or the lines `httparse` found.
#[derive(Debug, Clone, Copy)]
pub enum Fields<'a> {
    /// Parsed into a map by hyper (or built by a test).
    Map(&'a HeaderMap),
    /// As `httparse` parsed them: names and values checked, in order (made
    /// by [`Fields::lines`]).
    Lines(&'a [httparse::Header<'a>], NameLengths),
    /// No fields at all.
    None,
}

/// The lengths of the field names of a head, as a set: most of the names
/// the routes look for are not sent at all, and this says so without a scan.
/// Lengths past 63 share one member.
#[derive(Debug, Clone, Copy)]
pub struct NameLengths(u64);

impl NameLengths {
    fn bit(len: usize) -> u64 {
        1 << len.min(63)
    }

    fn may_hold(self, name: &str) -> bool {
        self.0 & NameLengths::bit(name.len()) != 0
    }
}

impl<'a> Fields<'a> {
    /// The fields `httparse` parsed.
    pub fn lines(lines: &'a [httparse::Header<'a>]) -> Fields<'a> {
        let lengths = lines
            .iter()
            .fold(0, |set, line| set | NameLengths::bit(line.name.len()));
        Fields::Lines(lines, NameLengths(lengths))
    }

    /// The values of every field line named `name` (lowercase), in order:
    /// RFC 9110 §5.3, several lines of one name make one comma-separated list.
    pub fn get_all(&self, name: &'static str) -> Values<'a> {
        match *self {
            Fields::Map(map) => Values::Map(map.get_all(name).iter()),
            Fields::Lines(_, lengths) if !lengths.may_hold(name) => Values::None,
            Fields::Lines(lines, _) => Values::Lines(lines.iter(), name),
            Fields::None => Values::None,
        }
    }

    /// Whether a field named `name` was sent.
    pub fn contains(&self, name: &'static str) -> bool {
        self.get_all(name).next().is_some()
    }

    /// The values of `name` as `HeaderValue`s, for a typed decoder of the
    /// `headers` crate (copies them: only for the uncommon forms).
    pub fn header_map(&self, name: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in self.get_all(name) {
            if let Ok(value) = http::HeaderValue::from_bytes(value) {
                map.append(name, value);
            }
        }
        map
    }
}

/// The values of one field name, borrowed (see [`Fields::get_all`]).
#[derive(Debug)]
pub enum Values<'a> {
    /// From a map.
    Map(http::header::ValueIter<'a, http::HeaderValue>),
    /// From parsed lines, with the name looked for.
    Lines(std::slice::Iter<'a, httparse::Header<'a>>, &'static str),
    /// None.
    None,
}

impl<'a> Iterator for Values<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        match self {
            Values::Map(values) => values.next().map(http::HeaderValue::as_bytes),
            // Field names are case-insensitive (RFC 9110 §5.1).
            Values::Lines(lines, name) => lines
                .find(|line| line.name.eq_ignore_ascii_case(name))
                .map(|line| line.value),
            Values::None => None,
        }
    }
}

/// A field value as text if it is visible ASCII (and tab), as
/// `HeaderValue::to_str` reads it.
pub fn visible_ascii(value: &[u8]) -> Option<&str> {
    let visible = value
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b));
    visible.then(|| std::str::from_utf8(value).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header;

    #[test]
    fn parsed_lines_and_a_map_give_the_same_values() {
        let lines = [
            httparse::Header {
                name: "Host",
                value: b"a",
            },
            httparse::Header {
                name: "accept-encoding",
                value: b"gzip",
            },
            httparse::Header {
                name: "Accept-Encoding",
                value: b"br",
            },
        ];
        let mut map = HeaderMap::new();
        map.append(header::HOST, "a".parse().unwrap());
        map.append(header::ACCEPT_ENCODING, "gzip".parse().unwrap());
        map.append(header::ACCEPT_ENCODING, "br".parse().unwrap());
        for fields in [Fields::lines(&lines), Fields::Map(&map)] {
            let all: Vec<&[u8]> = fields.get_all("accept-encoding").collect();
            assert_eq!(all, [&b"gzip"[..], b"br"]);
            assert!(fields.contains("host"));
            assert!(!fields.contains("if-none-match"));
            // A name of a length no field has, and one of a length one has.
            assert!(!fields.contains("te"));
            assert!(!fields.contains("hots"));
            assert_eq!(fields.header_map("accept-encoding").len(), 2);
        }
        assert!(!Fields::None.contains("host"));
    }
}
