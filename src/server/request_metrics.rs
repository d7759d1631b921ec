//! The per-request counters, with their handles kept so a request does not look
//! its series up by name and labels in the recorder's registry.
//!
//! A handle is taken on a series' first use, not up front. `/metrics` lists
//! the route and status pairs that were answered, and each route with its
//! usual status from the start, at 0 (see [`usual_series`]): 20 series, not
//! the 280 of every pair, most of which never happen.

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
    Subscribe,
    Sitemap,
    NotFound,
    Home,
    Opml,
    Robots,
    Feed,
    FeedAll,
    UriTooLong,
    BadRequest,
    MethodNotAllowed,
    NotImplemented,
    Redirect,
}

impl RouteLabel {
    /// Every label, in the order of their slots.
    const ALL: [RouteLabel; 20] = [
        RouteLabel::Healthz,
        RouteLabel::Metrics,
        RouteLabel::Starting,
        RouteLabel::Article,
        RouteLabel::Archive,
        RouteLabel::Page,
        RouteLabel::TermFeed,
        RouteLabel::Subscribe,
        RouteLabel::Sitemap,
        RouteLabel::NotFound,
        RouteLabel::Home,
        RouteLabel::Opml,
        RouteLabel::Robots,
        RouteLabel::Feed,
        RouteLabel::FeedAll,
        RouteLabel::UriTooLong,
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
            RouteLabel::Subscribe => "subscribe",
            RouteLabel::Sitemap => "sitemap",
            RouteLabel::NotFound => "not_found",
            RouteLabel::Home => "home",
            RouteLabel::Opml => "opml",
            RouteLabel::Robots => "robots",
            RouteLabel::Feed => "feed",
            RouteLabel::FeedAll => "feed_all",
            RouteLabel::UriTooLong => "uri_too_long",
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
const STATUSES: [&str; 15] = [
    "200", "304", "308", "400", "404", "405", "410", "412", "414", "431", "500", "501", "503",
    "505", "other",
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
    /// Counts one answered request of `route` with `status`, and the `bytes`
    /// of its body.
    pub fn answered(&self, route: RouteLabel, status: StatusCode, bytes: u64) {
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
        self.response_bytes
            .get_or_init(|| metrics::counter!("bantin_http_response_bytes_total"))
            .increment(bytes);
    }
}

/// The slot in [`STATUSES`] of the statuses this server sends; "other" for the rest.
fn status_slot(status: StatusCode) -> usize {
    match status.as_u16() {
        200 => 0,
        304 => 1,
        308 => 2,
        400 => 3,
        404 => 4,
        405 => 5,
        410 => 6,
        412 => 7,
        414 => 8,
        431 => 9,
        500 => 10,
        501 => 11,
        503 => 12,
        505 => 13,
        _ => 14,
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
            counters.answered(RouteLabel::FeedAll, StatusCode::OK, 400);
            counters.answered(RouteLabel::FeedAll, StatusCode::OK, 100);
            counters.answered(RouteLabel::FeedAll, StatusCode::NOT_MODIFIED, 0);
            // A withdrawn article's 410 has a label of its own.
            counters.answered(RouteLabel::Article, StatusCode::GONE, 20);
            counters.answered(RouteLabel::Robots, StatusCode::IM_A_TEAPOT, 0);
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

    #[test]
    fn every_status_has_its_slot_and_every_route_its_own() {
        for (code, label) in [
            (200, "200"),
            (304, "304"),
            (410, "410"),
            (503, "503"),
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
