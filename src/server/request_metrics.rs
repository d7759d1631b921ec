//! The per-request counters, with their handles kept so a request does not look
//! its series up by name and labels in the recorder's registry.
//!
//! A handle is taken on a series' first use, not up front. `/metrics` lists
//! the route and status pairs that were answered, and each route with its
//! usual status from the start, at 0 (see [`usual_series`]): 22 series, not
//! the hundreds of every pair, most of which never happen.
//!
//! A request is counted when it is answered; the bytes of its body as they are
//! handed to the connection (see [`RequestMetrics::sent`]), so a transfer the
//! client cuts short adds only what went out.

use std::sync::OnceLock;

use http::StatusCode;
use metrics::Counter;

/// What a request was for, as the `route` label of its count: a small fixed set,
/// so a client cannot grow the metrics by sending new paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteLabel {
    Healthz,
    Metrics,
    Starting,
    Article,
    Archive,
    Page,
    TermFeed,
    Changes,
    Subscribe,
    Sitemap,
    NotFound,
    Home,
    Opml,
    Robots,
    Feed,
    FeedAll,
    UriTooLong,
    HeadersTooLarge,
    BadRequest,
    MethodNotAllowed,
    NotImplemented,
    Redirect,
}

impl RouteLabel {
    /// Every label, in the order of their slots.
    const ALL: [RouteLabel; 22] = [
        RouteLabel::Healthz,
        RouteLabel::Metrics,
        RouteLabel::Starting,
        RouteLabel::Article,
        RouteLabel::Archive,
        RouteLabel::Page,
        RouteLabel::TermFeed,
        RouteLabel::Changes,
        RouteLabel::Subscribe,
        RouteLabel::Sitemap,
        RouteLabel::NotFound,
        RouteLabel::Home,
        RouteLabel::Opml,
        RouteLabel::Robots,
        RouteLabel::Feed,
        RouteLabel::FeedAll,
        RouteLabel::UriTooLong,
        RouteLabel::HeadersTooLarge,
        RouteLabel::BadRequest,
        RouteLabel::MethodNotAllowed,
        RouteLabel::NotImplemented,
        RouteLabel::Redirect,
    ];

    /// The label's text.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteLabel::Healthz => "healthz",
            RouteLabel::Metrics => "metrics",
            RouteLabel::Starting => "starting",
            RouteLabel::Article => "article",
            RouteLabel::Archive => "archive",
            RouteLabel::Page => "page",
            RouteLabel::TermFeed => "term_feed",
            RouteLabel::Changes => "changes",
            RouteLabel::Subscribe => "subscribe",
            RouteLabel::Sitemap => "sitemap",
            RouteLabel::NotFound => "not_found",
            RouteLabel::Home => "home",
            RouteLabel::Opml => "opml",
            RouteLabel::Robots => "robots",
            RouteLabel::Feed => "feed",
            RouteLabel::FeedAll => "feed_all",
            RouteLabel::UriTooLong => "uri_too_long",
            RouteLabel::HeadersTooLarge => "headers_too_large",
            RouteLabel::BadRequest => "bad_request",
            RouteLabel::MethodNotAllowed => "method_not_allowed",
            RouteLabel::NotImplemented => "not_implemented",
            RouteLabel::Redirect => "redirect",
        }
    }
}

impl RouteLabel {
    /// The status label this route answers with when all goes well (or, for
    /// the routes that exist to refuse, the refusal's).
    fn usual_status(self) -> &'static str {
        match self {
            RouteLabel::Starting => "503",
            RouteLabel::NotFound => "404",
            RouteLabel::UriTooLong => "414",
            RouteLabel::HeadersTooLarge => "431",
            RouteLabel::BadRequest => "400",
            RouteLabel::MethodNotAllowed => "405",
            RouteLabel::NotImplemented => "501",
            RouteLabel::Redirect => "308",
            RouteLabel::Healthz
            | RouteLabel::Metrics
            | RouteLabel::Article
            | RouteLabel::Archive
            | RouteLabel::Page
            | RouteLabel::TermFeed
            | RouteLabel::Changes
            | RouteLabel::Subscribe
            | RouteLabel::Sitemap
            | RouteLabel::Home
            | RouteLabel::Opml
            | RouteLabel::Robots
            | RouteLabel::Feed
            | RouteLabel::FeedAll => "200",
        }
    }
}

/// The `route` and `status` labels of the `bantin_http_requests_total` series
/// exported from the start: every route with its usual status, so a rate per
/// route reads 0, not "no data", before its first request.
pub fn usual_series() -> impl Iterator<Item = (&'static str, &'static str)> {
    RouteLabel::ALL
        .into_iter()
        .map(|route| (route.as_str(), route.usual_status()))
}

/// Status labels, in the order of their slots: the statuses this server sends.
const STATUSES: [&str; 18] = [
    "200", "304", "307", "308", "400", "403", "404", "405", "410", "412", "414", "421", "431",
    "500", "501", "503", "505", "other",
];

/// The counters every request adds to.
#[derive(Debug, Default)]
pub struct RequestMetrics {
    /// `bantin_http_requests_total` by route and status.
    requests: [[OnceLock<Counter>; STATUSES.len()]; RouteLabel::ALL.len()],
    /// `bantin_http_not_modified_total`.
    not_modified: OnceLock<Counter>,
    /// `bantin_http_response_bytes_total`.
    response_bytes: OnceLock<Counter>,
}

impl RequestMetrics {
    /// Counts one answered request of `route` with `status`. Its body's
    /// bytes are counted as they go out ([`RequestMetrics::sent`]).
    pub fn answered(&self, route: RouteLabel, status: StatusCode) {
        let slot = status_slot(status);
        self.requests[route as usize][slot]
            .get_or_init(|| {
                metrics::counter!(
                    "bantin_http_requests_total",
                    "route" => route.as_str(),
                    "status" => STATUSES[slot]
                )
            })
            .increment(1);
        if status == StatusCode::NOT_MODIFIED {
            self.not_modified
                .get_or_init(|| metrics::counter!("bantin_http_not_modified_total"))
                .increment(1);
        }
    }

    /// Counts `bytes` of response bodies handed to a connection: written to
    /// its socket (the HTTP/1 fast path), or given to hyper (a frame of at
    /// most 16 KiB at a time, which hyper asks for once the one before has
    /// room in its buffer or the stream's window). A 304's or a HEAD's
    /// response has no body, so adds nothing.
    pub fn sent(&self, bytes: u64) {
        if bytes > 0 {
            self.bytes_counter().increment(bytes);
        }
    }

    /// The handle of `bantin_http_response_bytes_total`, for a body that
    /// counts its frames as hyper takes them.
    pub fn bytes_counter(&self) -> &Counter {
        self.response_bytes
            .get_or_init(|| metrics::counter!("bantin_http_response_bytes_total"))
    }

    /// Counts the request a connection's error says hyper answered on its
    /// own, if it did (see [`hyper_refusal`]).
    pub fn refused_by_hyper(&self, error: &(dyn std::error::Error + 'static)) {
        if let Some((route, status)) = hyper_refusal(error) {
            self.answered(route, status);
        }
    }
}

/// The route and status of the answer hyper wrote itself before ending an
/// HTTP/1 connection with `error`, if it wrote one: a request head it could
/// not parse is answered 400, one past the 64 KiB head buffer or with more
/// than 100 field lines 431, a target of 64 KiB or more 414, the way
/// hyper's server does it (its `Server::on_error`); any other error (a
/// timeout, a reset, a body cut short) ends the connection with no answer.
/// The head never reaches the routes, so it is counted here.
pub fn hyper_refusal(
    error: &(dyn std::error::Error + 'static),
) -> Option<(RouteLabel, StatusCode)> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(e) = e.downcast_ref::<hyper::Error>() {
            return hyper_parse_status(e);
        }
        cause = e.source();
    }
    None
}

/// The answer hyper writes for its own error `e`, as [`hyper_refusal`] says.
fn hyper_parse_status(e: &hyper::Error) -> Option<(RouteLabel, StatusCode)> {
    if !e.is_parse() || e.is_parse_version_h2() || e.is_parse_status() {
        return None;
    }
    // hyper tells two of its parse errors apart only by their words.
    let words = e.to_string();
    if e.is_parse_too_large() {
        return Some(if words.starts_with("URI too long") {
            (RouteLabel::UriTooLong, StatusCode::URI_TOO_LONG)
        } else {
            (
                RouteLabel::HeadersTooLarge,
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            )
        });
    }
    // An error inside hyper itself is not the client's, and not answered.
    if words.starts_with("internal error") {
        return None;
    }
    Some((RouteLabel::BadRequest, StatusCode::BAD_REQUEST))
}

/// The slot in [`STATUSES`] of the statuses this server sends; "other" for the rest.
fn status_slot(status: StatusCode) -> usize {
    match status.as_u16() {
        200 => 0,
        304 => 1,
        307 => 2,
        308 => 3,
        400 => 4,
        403 => 5,
        404 => 6,
        405 => 7,
        410 => 8,
        412 => 9,
        414 => 10,
        421 => 11,
        431 => 12,
        500 => 13,
        501 => 14,
        503 => 15,
        505 => 16,
        _ => 17,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics_exporter_prometheus::PrometheusBuilder;

    #[test]
    fn counts_by_route_and_status_through_kept_handles() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let counters = RequestMetrics::default();
        metrics::with_local_recorder(&recorder, || {
            counters.answered(RouteLabel::FeedAll, StatusCode::OK);
            counters.sent(400);
            counters.answered(RouteLabel::FeedAll, StatusCode::OK);
            counters.sent(100);
            counters.answered(RouteLabel::FeedAll, StatusCode::NOT_MODIFIED);
            counters.sent(0);
            // A withdrawn article's 410 has a label of its own.
            counters.answered(RouteLabel::Article, StatusCode::GONE);
            counters.bytes_counter().increment(20);
            counters.answered(RouteLabel::Robots, StatusCode::IM_A_TEAPOT);
        });
        let text = handle.render();
        for line in [
            r#"bantin_http_requests_total{route="feed_all",status="200"} 2"#,
            r#"bantin_http_requests_total{route="feed_all",status="304"} 1"#,
            r#"bantin_http_requests_total{route="article",status="410"} 1"#,
            r#"bantin_http_requests_total{route="robots",status="other"} 1"#,
            "bantin_http_not_modified_total 1",
            "bantin_http_response_bytes_total 520",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
        // Only the pairs answered have a series.
        assert_eq!(text.matches("bantin_http_requests_total{").count(), 4);
    }

    /// The error hyper's HTTP/1 server ends a connection with after reading
    /// `input` (with a head buffer of `max_buf` bytes), and what it wrote.
    async fn hyper_ends(input: Vec<u8>, max_buf: usize) -> (hyper::Error, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut client, server) = tokio::io::duplex(1 << 20);
        client.write_all(&input).await.unwrap();
        // Nothing more comes: a head cut short ends with no answer, not a timeout.
        client.shutdown().await.unwrap();
        let service = hyper::service::service_fn(|_req| async {
            Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Empty::<
                bytes::Bytes,
            >::new()))
        });
        let ended = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .max_buf_size(max_buf)
            .serve_connection(hyper_util::rt::TokioIo::new(server), service)
            .await
            .unwrap_err();
        let mut written = Vec::new();
        client.read_to_end(&mut written).await.unwrap();
        (ended, String::from_utf8_lossy(&written).into_owned())
    }

    #[tokio::test]
    async fn the_answers_hyper_writes_itself_are_told_from_its_errors() {
        let fields = |n: usize, len: usize| -> Vec<u8> {
            let mut head = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
            for i in 0..n {
                head.extend_from_slice(format!("X-{i}: {}\r\n", "v".repeat(len)).as_bytes());
            }
            head.extend_from_slice(b"\r\n");
            head
        };
        let long_target = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(70_000));
        for (input, max_buf, route, status) in [
            // More field lines than hyper takes (100). (A head past its
            // buffer is the integration tests': `tests/metrics.rs`.)
            (fields(150, 1), 64 * 1024, RouteLabel::HeadersTooLarge, 431),
            // A target of 64 KiB or more, in a buffer that holds it.
            (
                long_target.into_bytes(),
                256 * 1024,
                RouteLabel::UriTooLong,
                414,
            ),
            // A head that is not one.
            (
                b"GET / HTTP/1.1\r\nBad Field: x\r\n\r\n".to_vec(),
                64 * 1024,
                RouteLabel::BadRequest,
                400,
            ),
        ] {
            let what = String::from_utf8_lossy(&input[..input.len().min(40)]).into_owned();
            let (error, written) = hyper_ends(input, max_buf).await;
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                hyper_refusal(&error),
                Some((route, status)),
                "{what}: {error}: {written}"
            );
            assert!(
                written.starts_with(&format!("HTTP/1.1 {} ", status.as_str())),
                "{error}: {written}"
            );
        }
        // Errors that end a connection with no answer count nothing.
        let (error, written) =
            hyper_ends(b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec(), 64 * 1024).await;
        assert_eq!(hyper_refusal(&error), None, "{error}: {written}");
        assert!(written.is_empty(), "{written}");
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert_eq!(hyper_refusal(&io), None);
    }

    #[test]
    fn readme_lists_every_route_and_status_label() {
        let readme = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"),
        )
        .unwrap();
        let row = readme
            .lines()
            .find(|l| l.starts_with("| `bantin_http_requests_total` |"))
            .expect("README's table has a row for bantin_http_requests_total");
        let (routes, statuses) = row.split_once("`status`").expect("the status label");
        for route in RouteLabel::ALL {
            assert!(
                routes.contains(&format!("`{}`", route.as_str())),
                "{route:?}"
            );
        }
        for status in STATUSES {
            assert!(statuses.contains(&format!("`{status}`")), "{status}");
        }
    }

    #[test]
    fn every_status_has_its_slot_and_every_route_its_own() {
        for (code, label) in [
            (200, "200"),
            (304, "304"),
            (307, "307"),
            (308, "308"),
            (403, "403"),
            (410, "410"),
            (421, "421"),
            (431, "431"),
            (503, "503"),
            (505, "505"),
            (418, "other"),
        ] {
            let slot = status_slot(StatusCode::from_u16(code).unwrap());
            assert_eq!(STATUSES[slot], label);
        }
        for (slot, route) in RouteLabel::ALL.into_iter().enumerate() {
            assert_eq!(route as usize, slot, "{route:?}");
            assert!(STATUSES.contains(&route.usual_status()), "{route:?}");
        }
        assert_eq!(usual_series().count(), RouteLabel::ALL.len());
    }
}
