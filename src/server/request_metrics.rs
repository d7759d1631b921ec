//! The per-request counters, with their handles kept so a request does not look
//! its series up by name and labels in the recorder's registry.
//!
//! A handle is taken on a series' first use, not up front, so `/metrics` lists
//! only the route and status pairs that were answered, as it did when every
//! request looked its series up.

use std::sync::OnceLock;

use http::StatusCode;
use metrics::Counter;

/// Route labels, in the order of their slots.
const ROUTES: [&str; 17] = [
    "healthz",
    "metrics",
    "starting",
    "article",
    "archive",
    "page",
    "term_feed",
    "subscribe",
    "sitemap",
    "not_found",
    "home",
    "opml",
    "feed",
    "feed_all",
    "uri_too_long",
    "bad_request",
    "method_not_allowed",
];

/// Status labels, in the order of their slots: the statuses this server sends.
const STATUSES: [&str; 11] = [
    "200", "304", "400", "404", "405", "410", "414", "431", "500", "503", "other",
];

/// The counters every request adds to.
#[derive(Debug, Default)]
pub struct RequestMetrics {
    /// `bantin_http_requests_total` by route and status.
    requests: [[OnceLock<Counter>; STATUSES.len()]; ROUTES.len()],
    /// `bantin_http_not_modified_total`.
    not_modified: OnceLock<Counter>,
    /// `bantin_http_response_bytes_total`.
    response_bytes: OnceLock<Counter>,
}

impl RequestMetrics {
    /// Counts one answered request of `route` (a label of [`ROUTES`]) with
    /// `status`, and the `bytes` of its body.
    pub fn answered(&self, route: &'static str, status: StatusCode, bytes: u64) {
        let status_label = status_label(status);
        match (
            ROUTES.iter().position(|r| *r == route),
            STATUSES.iter().position(|s| *s == status_label),
        ) {
            (Some(r), Some(s)) => self.requests[r][s]
                .get_or_init(|| requests(route, status_label))
                .increment(1),
            // A label missing from the tables: counted all the same, looked up.
            _ => requests(route, status_label).increment(1),
        }
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

fn requests(route: &'static str, status: &'static str) -> Counter {
    metrics::counter!("bantin_http_requests_total", "route" => route, "status" => status)
}

/// A static label for the statuses this server sends (no allocation per request).
fn status_label(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200 => "200",
        304 => "304",
        400 => "400",
        404 => "404",
        405 => "405",
        410 => "410",
        414 => "414",
        431 => "431",
        500 => "500",
        503 => "503",
        _ => "other",
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
            counters.answered("feed_all", StatusCode::OK, 400);
            counters.answered("feed_all", StatusCode::OK, 100);
            counters.answered("feed_all", StatusCode::NOT_MODIFIED, 0);
            // A withdrawn article's 410 has a label of its own.
            counters.answered("article", StatusCode::GONE, 20);
            counters.answered("made_up", StatusCode::IM_A_TEAPOT, 0);
        });
        let text = handle.render();
        for line in [
            r#"bantin_http_requests_total{route="feed_all",status="200"} 2"#,
            r#"bantin_http_requests_total{route="feed_all",status="304"} 1"#,
            r#"bantin_http_requests_total{route="article",status="410"} 1"#,
            r#"bantin_http_requests_total{route="made_up",status="other"} 1"#,
            "bantin_http_not_modified_total 1",
            "bantin_http_response_bytes_total 520",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
        // Only the pairs answered have a series.
        assert_eq!(text.matches("bantin_http_requests_total{").count(), 4);
    }

    #[test]
    fn every_status_label_has_a_slot() {
        for code in [200, 304, 400, 404, 405, 410, 414, 431, 500, 503, 418] {
            let label = status_label(StatusCode::from_u16(code).unwrap());
            assert!(STATUSES.contains(&label), "{label}");
        }
    }
}
