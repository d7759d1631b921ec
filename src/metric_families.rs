//! Every metric family `/metrics` shows, in one table: its name, kind, unit,
//! what it counts (its `# HELP` line) and, for timings, its histogram buckets;
//! and the Prometheus recorder set up from that table.
//!
//! A new metric gets its row here: a test reads the source for every
//! `counter!`, `gauge!` and `histogram!` name and fails on one without a row.

use metrics::{KeyName, SharedString, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// What kind of metric a family is, as Prometheus types it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Only goes up (until a restart).
    Counter,
    /// A value now.
    Gauge,
    /// Timings, counted into buckets with these upper bounds (in seconds):
    /// buckets, unlike a summary's quantiles, add up across replicas.
    Histogram(&'static [f64]),
}

/// One metric family of `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// The metric name, as the call sites write it.
    pub name: &'static str,
    /// Counter, gauge or histogram (with its buckets).
    pub kind: Kind,
    /// The unit of its values.
    pub unit: Unit,
    /// What it counts: its `# HELP` line.
    pub help: &'static str,
}

/// Update latency, from 1 ms to 10 s: a change is served in a few ms on a
/// million articles, and the target for the slowest is 250 ms.
const UPDATE_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Renders, from 0.5 ms (one small feed) to 10 s (every feed of a large store).
const RENDER_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Reconciliations, from 10 ms (a small store) to 5 min (a large store listed
/// at the `reconcile_files_per_sec` pace).
const RECONCILE_BUCKETS: &[f64] = &[
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// A counter of events.
const fn counter(name: &'static str, help: &'static str) -> Family {
    Family {
        name,
        kind: Kind::Counter,
        unit: Unit::Count,
        help,
    }
}

/// A gauge in `unit`.
const fn gauge(name: &'static str, unit: Unit, help: &'static str) -> Family {
    Family {
        name,
        kind: Kind::Gauge,
        unit,
        help,
    }
}

/// A timing in seconds, counted into `buckets`.
const fn timing(name: &'static str, buckets: &'static [f64], help: &'static str) -> Family {
    Family {
        name,
        kind: Kind::Histogram(buckets),
        unit: Unit::Seconds,
        help,
    }
}

/// Every metric family bantin exports.
pub const FAMILIES: &[Family] = &[
    // Requests (server).
    counter(
        "bantin_http_requests_total",
        "Requests answered, by route and status, including those hyper answers itself on HTTP/1 (a head too large, 431, or malformed, 400).",
    ),
    counter(
        "bantin_http_not_modified_total",
        "Requests answered 304 Not Modified (a conditional request that matched).",
    ),
    Family {
        name: "bantin_http_response_bytes_total",
        kind: Kind::Counter,
        unit: Unit::Bytes,
        help: "Response body bytes handed to connections as they go out: written to the socket (HTTP/1), or taken by hyper 16 KiB at a time, once the piece before had room in its buffer or the stream's window; a transfer cut short counts what went out (to within that piece and buffer), a HEAD or 304 nothing.",
    },
    counter(
        "bantin_http_accept_errors_total",
        "Connections the kernel could not hand over (accept failed: most often the open-file limit); each is retried after 100 ms.",
    ),
    counter(
        "bantin_http_connections_refused_total",
        "Connections closed at once, by reason (per_client: the address already had max_connections_per_client).",
    ),
    counter(
        "bantin_http_connections_reclaimed_total",
        "Connections ended to make room, one for each wait, while every one of [http] max_connections was held and a new client waited, by reason (idle: no request in progress for a second or more and nothing of the next read, or a head begun three seconds ago; stalled: requests in progress whose responses the client had taken nothing of for five seconds or more, the longest stalled first).",
    ),
    gauge(
        "bantin_http_connections_open",
        Unit::Count,
        "Connections served now (HTTP/1 and HTTP/2), each holding one of [http] max_connections.",
    ),
    gauge(
        "bantin_http_connections_max",
        Unit::Count,
        "[http] max_connections in force: past it, new connections wait in the kernel's backlog.",
    ),
    gauge(
        "bantin_http_unsent_bytes",
        Unit::Bytes,
        "Bytes of response bodies made for requests (renders on demand, article pages, month sitemaps) not yet sent, each body once.",
    ),
    counter(
        "bantin_http_unsent_refused_total",
        "Requests answered 503 because their client held max_unsent_bytes_per_client (per_client), or all clients held max_unsent_bytes of unsent bodies and it held its fair share of that or more, or they held twice that (total).",
    ),
    counter(
        "bantin_http_unsent_shed_total",
        "Connections ended because all clients held max_unsent_bytes of unsent bodies, their client held more than its fair share, and they had taken nothing for 5 s (or held a response unmoved for 15 s).",
    ),
    counter(
        "bantin_http2_enhance_your_calm_total",
        "HTTP/2 connections closed for stream-reset floods (ENHANCE_YOUR_CALM).",
    ),
    // Resources rendered on demand (archives, pages, tag, author and changes feeds).
    counter(
        "bantin_archive_cache_hits_total",
        "Archives, pages and tag, author and changes feeds served from the on-demand cache.",
    ),
    counter(
        "bantin_archive_cache_misses_total",
        "Archives, pages and tag, author and changes feeds not in the on-demand cache, so rendered.",
    ),
    gauge(
        "bantin_archive_cache_charged_bytes",
        Unit::Bytes,
        "Bytes the on-demand cache charges against [archives] cache_bytes now: four times each resource's uncompressed size, what it comes to hold once every coding is asked for (its gzip and brotli forms and the sendfile copy of each); what it holds is less until then.",
    ),
    gauge(
        "bantin_body_copies",
        Unit::Count,
        "Copies of large bodies held for sendfile now, one open file each (in the body folder, or shared memory).",
    ),
    gauge(
        "bantin_body_copy_bytes",
        Unit::Bytes,
        "Bytes in the copies of large bodies held for sendfile now.",
    ),
    gauge(
        "bantin_archive_cache_entries",
        Unit::Count,
        "Resources held by the on-demand cache now.",
    ),
    timing(
        "bantin_archive_render_seconds",
        RENDER_BUCKETS,
        "Time to render one archive, page or tag or author feed on demand.",
    ),
    gauge(
        "bantin_render_queue_waiting",
        Unit::Count,
        "Requests waiting for one of the two turns to render on demand now (archives, pages, tag, author and changes feeds); a turn given back goes to the waiting client with the fewest renders running.",
    ),
    gauge(
        "bantin_page_queue_waiting",
        Unit::Count,
        "Requests waiting for one of the eight turns to render an article page or a month sitemap now; a turn given back goes to the waiting client with the fewest renders running.",
    ),
    // The store (publish, watch).
    gauge(
        "bantin_articles_indexed",
        Unit::Count,
        "Articles served now.",
    ),
    gauge(
        "bantin_rejected_files",
        Unit::Count,
        "Files rejected now (see bantin check); a broken save of a served article keeps its last good version.",
    ),
    gauge(
        "bantin_files_with_warnings",
        Unit::Count,
        "Files served now whose article came with warnings (a date from another clock, a legacy encoding; see bantin check): each is logged ('warning:') when it is added or changed.",
    ),
    counter(
        "bantin_files_added_total",
        "Files that gave a new article.",
    ),
    counter(
        "bantin_files_changed_total",
        "Files whose article changed.",
    ),
    counter(
        "bantin_files_removed_total",
        "Files whose article left the store.",
    ),
    counter(
        "bantin_files_rejected_total",
        "Rejections, once per change of a file (each 'rejected:' log line): a file rejected at start, or newly, or again after its bytes changed (one never read, too large or not to be opened: after why changed); a rejected file left alone, touched or saved with the same bytes is not counted again, so this grows with bantin_rejected_files, never by reconciliations.",
    ),
    gauge(
        "bantin_last_store_change_timestamp_seconds",
        Unit::Seconds,
        "When the served articles last changed (Unix time): a change served since start, else the newest modification time of the files served at start (a file removed while bantin was stopped is not seen).",
    ),
    timing(
        "bantin_render_seconds",
        RENDER_BUCKETS,
        "Time to render what a store change (or the first load) touched.",
    ),
    timing(
        "bantin_update_latency_seconds",
        UPDATE_BUCKETS,
        "Time from a file event to the change being served.",
    ),
    timing(
        "bantin_reconcile_seconds",
        RECONCILE_BUCKETS,
        "Time to compare the whole store with what is served (a reconciliation).",
    ),
    gauge(
        "bantin_last_reconcile_timestamp_seconds",
        Unit::Seconds,
        "When the last reconciliation ended (Unix time).",
    ),
    gauge(
        "bantin_store_root_present",
        Unit::Count,
        "1 when the store root is there, 0 when it is missing or bantin may not list or enter it (the last good state is served).",
    ),
    // Reloads (SIGHUP, `systemctl reload`).
    counter(
        "bantin_config_reloads_total",
        "Configuration reloads, by result (ok: applied and served; error: the file was bad, the running configuration kept).",
    ),
    gauge(
        "bantin_config_last_reload_success",
        Unit::Count,
        "1 when the last reload (or the load at start) succeeded, 0 when it was refused and the previous configuration is running.",
    ),
    gauge(
        "bantin_config_last_reload_success_timestamp_seconds",
        Unit::Seconds,
        "When the configuration in force was read: the last successful reload, or the start (Unix time).",
    ),
    // WebSub.
    counter(
        "bantin_websub_pings_sent_total",
        "WebSub pings a hub accepted (2xx).",
    ),
    counter(
        "bantin_websub_pings_failed_total",
        "WebSub ping attempts that failed (each retry counts).",
    ),
    counter(
        "bantin_websub_pings_dropped_total",
        "WebSub pings given up after max_attempts, or dropped from a full queue.",
    ),
    counter(
        "bantin_websub_live_pings_dropped_total",
        "Live feeds' WebSub pings dropped (given up, or from a full queue holding no archive ping).",
    ),
    gauge(
        "bantin_websub_pings_queued",
        Unit::Count,
        "WebSub pings waiting now.",
    ),
];

/// A Prometheus recorder builder with the buckets of every timing in [`FAMILIES`].
pub fn builder() -> PrometheusBuilder {
    FAMILIES
        .iter()
        .fold(PrometheusBuilder::new(), |builder, family| {
            match family.kind {
                Kind::Histogram(buckets) => builder
                    .set_buckets_for_metric(Matcher::Full(family.name.to_owned()), buckets)
                    .expect("every timing has buckets"),
                Kind::Counter | Kind::Gauge => builder,
            }
        })
}

/// Gives the recorder in use every family's description and unit, so
/// `/metrics` has a `# HELP` line for each.
pub fn describe() {
    metrics::with_recorder(|recorder| {
        for family in FAMILIES {
            let (name, unit) = (KeyName::from(family.name), Some(family.unit));
            let help = SharedString::const_str(family.help);
            match family.kind {
                Kind::Counter => recorder.describe_counter(name, unit, help),
                Kind::Gauge => recorder.describe_gauge(name, unit, help),
                Kind::Histogram(_) => recorder.describe_histogram(name, unit, help),
            }
        }
    });
}

/// The gauges [`start_at_zero`] leaves alone, since 0 would be false for them
/// (1970, no articles, the store root missing, a failed load): each has its
/// true value from the start (the configuration's) or the first snapshot,
/// served before the first request is answered, except the last
/// reconciliation's time, which appears once the first one ends.
pub const SET_WHEN_KNOWN: &[&str] = &[
    "bantin_articles_indexed",
    "bantin_rejected_files",
    "bantin_files_with_warnings",
    "bantin_last_store_change_timestamp_seconds",
    "bantin_store_root_present",
    "bantin_last_reconcile_timestamp_seconds",
    "bantin_config_last_reload_success",
    "bantin_config_last_reload_success_timestamp_seconds",
    "bantin_http_connections_max",
];

/// Puts every counter, every gauge for which 0 is true at start (all but
/// [`SET_WHEN_KNOWN`]) and every timing (empty: buckets, sum and count at 0)
/// on `/metrics` from the start, so a dashboard or an `absent()` alert reads 0
/// from the first scrape, not "no data" until the first event. Labelled
/// families get their label values known up front: `requests` (route and
/// status, see `server::request_metrics::usual_series`), the one reason a
/// connection is refused, both reasons one is ended to make room, both
/// results of a reload. Adding 0 leaves a value already counted as it is.
pub fn start_at_zero(requests: impl IntoIterator<Item = (&'static str, &'static str)>) {
    for (route, status) in requests {
        metrics::counter!("bantin_http_requests_total", "route" => route, "status" => status)
            .increment(0);
    }
    metrics::counter!("bantin_http_not_modified_total").increment(0);
    metrics::counter!("bantin_http_response_bytes_total").increment(0);
    metrics::counter!("bantin_http_accept_errors_total").increment(0);
    metrics::counter!("bantin_http_connections_refused_total", "reason" => "per_client")
        .increment(0);
    metrics::counter!("bantin_http_connections_reclaimed_total", "reason" => "idle").increment(0);
    metrics::counter!("bantin_http_connections_reclaimed_total", "reason" => "stalled")
        .increment(0);
    metrics::counter!("bantin_http2_enhance_your_calm_total").increment(0);
    metrics::counter!("bantin_archive_cache_hits_total").increment(0);
    metrics::counter!("bantin_archive_cache_misses_total").increment(0);
    metrics::counter!("bantin_files_added_total").increment(0);
    metrics::counter!("bantin_files_changed_total").increment(0);
    metrics::counter!("bantin_files_removed_total").increment(0);
    metrics::counter!("bantin_files_rejected_total").increment(0);
    metrics::counter!("bantin_config_reloads_total", "result" => "ok").increment(0);
    metrics::counter!("bantin_config_reloads_total", "result" => "error").increment(0);
    metrics::counter!("bantin_websub_pings_sent_total").increment(0);
    metrics::counter!("bantin_websub_pings_failed_total").increment(0);
    metrics::counter!("bantin_websub_pings_dropped_total").increment(0);
    metrics::counter!("bantin_websub_live_pings_dropped_total").increment(0);
    metrics::gauge!("bantin_archive_cache_charged_bytes").increment(0.0);
    metrics::gauge!("bantin_archive_cache_entries").increment(0.0);
    metrics::gauge!("bantin_body_copies").increment(0.0);
    metrics::gauge!("bantin_body_copy_bytes").increment(0.0);
    metrics::gauge!("bantin_render_queue_waiting").increment(0.0);
    metrics::gauge!("bantin_page_queue_waiting").increment(0.0);
    metrics::gauge!("bantin_websub_pings_queued").increment(0.0);
    metrics::gauge!("bantin_http_unsent_bytes").increment(0.0);
    metrics::gauge!("bantin_http_connections_open").increment(0.0);
    metrics::counter!("bantin_http_unsent_refused_total", "reason" => "per_client").increment(0);
    metrics::counter!("bantin_http_unsent_refused_total", "reason" => "total").increment(0);
    metrics::counter!("bantin_http_unsent_shed_total").increment(0);
    // A histogram is on the page once registered, with no observation.
    let _ = metrics::histogram!("bantin_archive_render_seconds");
    let _ = metrics::histogram!("bantin_render_seconds");
    let _ = metrics::histogram!("bantin_update_latency_seconds");
    let _ = metrics::histogram!("bantin_reconcile_seconds");
}

/// Installs the process's Prometheus recorder, with every family described
/// and on the page from the start (see [`start_at_zero`], which `requests`
/// goes to); `None` (metrics off, with a warning) if a recorder is installed
/// already.
pub fn install(
    requests: impl IntoIterator<Item = (&'static str, &'static str)>,
) -> Option<PrometheusHandle> {
    let handle = builder()
        .install_recorder()
        .map_err(|e| tracing::warn!("metrics disabled: {e}"))
        .ok()?;
    describe();
    start_at_zero(requests);
    Some(handle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    /// The metric names of every `counter!`, `gauge!` and `histogram!` call in
    /// the Rust files under `dir`, with the kind the macro gives them.
    fn call_sites(dir: &Path, found: &mut BTreeMap<String, &'static str>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                call_sites(&path, found);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for kind in ["counter", "gauge", "histogram"] {
                for (at, _) in source.match_indices(&format!("{kind}!(")) {
                    // `metrics::counter!(` or `counter!(`, not `describe_counter!(`,
                    // and not in a comment.
                    let line = &source[source[..at].rfind('\n').map_or(0, |n| n + 1)..at];
                    let before = line.chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                        || line.trim_start().starts_with("//")
                    {
                        continue;
                    }
                    let args = source[at + kind.len() + 2..].trim_start();
                    let name = args
                        .strip_prefix('"')
                        .and_then(|rest| rest.split('"').next())
                        .unwrap_or_else(|| {
                            panic!("a name literal after {kind}!( in {}", path.display())
                        });
                    let old = found.insert(name.to_owned(), kind);
                    assert!(old.is_none_or(|k| k == kind), "{name} is two kinds");
                }
            }
        }
    }

    #[test]
    fn every_metric_in_the_source_has_a_family_of_its_kind() {
        let mut found = BTreeMap::new();
        call_sites(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(found.len() > 20, "{found:?}");
        for (name, kind) in &found {
            let family = FAMILIES.iter().find(|f| f.name == *name);
            let Some(family) = family else {
                panic!("{name} ({kind}) has no row in FAMILIES: describe it there");
            };
            let described = match family.kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
                Kind::Histogram(_) => "histogram",
            };
            assert_eq!(described, *kind, "{name}");
        }
        for family in FAMILIES {
            assert!(
                found.contains_key(family.name),
                "{} is never set",
                family.name
            );
        }
    }

    /// Names the families once had, which README still gives as such.
    const FORMER_NAMES: &[&str] = &["bantin_files_rejected", "bantin_archive_cache_bytes"];

    /// README's table of metrics: (family, kind) of each row.
    fn readme_table(readme: &str) -> Vec<(String, String)> {
        let section = readme
            .split_once("\n### Metrics\n")
            .expect("README has a Metrics section")
            .1;
        let section = section.split("\n#").next().unwrap_or(section);
        section
            .lines()
            .filter_map(|line| {
                let mut cells = line.strip_prefix("| `")?.split(" | ");
                let name = cells.next()?.strip_suffix('`')?;
                Some((name.to_owned(), cells.next()?.to_owned()))
            })
            .collect()
    }

    #[test]
    fn readme_lists_every_family_and_names_no_other() {
        let readme =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
                .unwrap();
        let rows = readme_table(&readme);
        for family in FAMILIES {
            let kind = match family.kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
                Kind::Histogram(_) => "histogram",
            };
            let found: Vec<_> = rows.iter().filter(|(n, _)| n == family.name).collect();
            assert_eq!(found.len(), 1, "{} in README's table", family.name);
            assert_eq!(found[0].1, kind, "{}", family.name);
        }
        assert_eq!(rows.len(), FAMILIES.len(), "{rows:?}");
        // Anywhere in README, a metric name in backticks is a family's (or
        // one of a histogram's series), or a former name said to be one.
        for span in readme.split('`').skip(1).step_by(2) {
            let Some(rest) = span.strip_prefix("bantin_") else {
                continue;
            };
            let len = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(rest.len());
            if len == 0 {
                continue; // `bantin_<version>…deb`, not a metric.
            }
            let name = &span[..7 + len];
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .filter(|base| {
                    FAMILIES
                        .iter()
                        .any(|f| f.name == *base && matches!(f.kind, Kind::Histogram(_)))
                })
                .unwrap_or(name);
            assert!(
                FAMILIES.iter().any(|f| f.name == family) || FORMER_NAMES.contains(&name),
                "README names {name}, which is no metric family"
            );
        }
        for former in FORMER_NAMES {
            assert!(
                readme.contains(&format!("`{former}` is `")),
                "README says what {former} is called now"
            );
        }
    }

    #[test]
    fn every_family_is_on_the_page_from_the_start_but_those_set_when_known() {
        let recorder = builder().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            describe();
            start_at_zero([("feed_all", "200"), ("not_found", "404")]);
        });
        let page = handle.render();
        let sampled = |name: &str| {
            page.lines().any(|l| {
                l.strip_prefix(name)
                    .is_some_and(|r| r.starts_with([' ', '{', '_']))
            })
        };
        for family in FAMILIES {
            let expected = !SET_WHEN_KNOWN.contains(&family.name);
            assert_eq!(sampled(family.name), expected, "{}:\n{page}", family.name);
        }
        for line in [
            r#"bantin_http_requests_total{route="feed_all",status="200"} 0"#,
            r#"bantin_http_requests_total{route="not_found",status="404"} 0"#,
            r#"bantin_http_connections_refused_total{reason="per_client"} 0"#,
            r#"bantin_http_connections_reclaimed_total{reason="idle"} 0"#,
            r#"bantin_http_connections_reclaimed_total{reason="stalled"} 0"#,
            "bantin_body_copies 0",
            r#"bantin_update_latency_seconds_bucket{le="+Inf"} 0"#,
            "bantin_update_latency_seconds_count 0",
        ] {
            assert!(page.lines().any(|l| l == line), "no {line:?} in\n{page}");
        }
        for name in SET_WHEN_KNOWN {
            let family = FAMILIES.iter().find(|f| f.name == *name);
            assert!(family.is_some_and(|f| f.kind == Kind::Gauge), "{name}");
        }
    }

    #[test]
    fn timings_are_histograms_with_rising_buckets() {
        for family in FAMILIES {
            if let Kind::Histogram(buckets) = family.kind {
                assert!(family.name.ends_with("_seconds"), "{}", family.name);
                assert!(buckets.windows(2).all(|w| w[0] < w[1]), "{}", family.name);
            }
        }
    }

    #[test]
    fn the_page_has_help_and_type_for_each_family_and_buckets_for_timings() {
        let recorder = builder().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            describe();
            metrics::counter!("bantin_files_rejected_total").increment(3);
            metrics::gauge!("bantin_rejected_files").set(3.0);
            metrics::histogram!("bantin_update_latency_seconds").record(0.006);
        });
        let page = handle.render();
        for line in [
            "# HELP bantin_files_rejected_total Rejections, once per change of a file",
            "# TYPE bantin_files_rejected_total counter",
            "# HELP bantin_rejected_files Files rejected now",
            "# TYPE bantin_rejected_files gauge",
            "# HELP bantin_update_latency_seconds Time from a file event",
            "# TYPE bantin_update_latency_seconds histogram",
            r#"bantin_update_latency_seconds_bucket{le="0.005"} 0"#,
            r#"bantin_update_latency_seconds_bucket{le="0.01"} 1"#,
            r#"bantin_update_latency_seconds_bucket{le="+Inf"} 1"#,
        ] {
            assert!(
                page.lines().any(|l| l.starts_with(line)),
                "no {line:?} in\n{page}"
            );
        }
    }
}
