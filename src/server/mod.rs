//! The HTTP server: accept loop, routing, and responses built from the current
//! snapshot. The request path does no work that can fail: every body, ETag and
//! Last-Modified was computed when the snapshot was rendered.

pub mod clients;
pub mod conditional;
pub mod connection;
pub mod negotiate;
pub mod progress;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode, Version};
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::publish::{Published, Snapshot};
use crate::render;
use crate::site::{Body, Coding, Resource};
use crate::timestamp::http_date;
use clients::Clients;
use conditional::Decision;
use connection::{until_ending, Activity, Deadlines, Ending, Throttle, Tracked};
use progress::WriteProgress;

/// State shared by every connection.
#[derive(Default)]
pub struct State {
    /// The current snapshot; `None` until the first scan is rendered.
    pub snapshot: Arc<Published>,
    /// Renders `/metrics`; `None` when no recorder is installed.
    pub metrics: Option<PrometheusHandle>,
}

/// Serves `listener` until `shutdown` completes, then gives in-flight requests
/// `grace` to finish. The caller binds the socket and decides what shutdown means,
/// so tests pass `127.0.0.1:0` and systemd an inherited socket.
pub async fn run(
    listener: TcpListener,
    state: Arc<State>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(64)
        // RFC 9113 §6.7: a client that answers no PING within the timeout is gone.
        .keep_alive_interval(limits.keepalive_ping)
        .keep_alive_timeout(limits.keepalive_ping_timeout);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let clients = Clients::new(limits.max_connections_per_client);
    let calm = Arc::new(Throttle::new(CALM_LOG_INTERVAL));
    tokio::pin!(shutdown);
    loop {
        // Wait for a connection slot first: past the cap, clients queue in the
        // kernel's backlog instead of being accepted and starved.
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // EMFILE and friends: back off rather than spin.
                    tracing::warn!(error = %e, "accept failed; retrying in 100 ms");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // One address may not take every slot: past its share, it is closed at
        // once and its slot goes back to the pool.
        let Some(slot) = clients.admit(peer.ip()) else {
            metrics::counter!("bantin_http_connections_refused_total", "reason" => "per_client")
                .increment(1);
            tracing::debug!(%peer, "connection refused: max_connections_per_client reached");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let activity = Arc::new(Activity::default());
        let seen = activity.clone();
        let service = hyper::service::service_fn(move |req| {
            let in_flight = seen.begin();
            let state = state.clone();
            async move {
                let response = handle(&state, &req).await;
                Ok::<_, Infallible>(response.map(|body| Tracked::new(body, in_flight)))
            }
        });
        let io = TokioIo::new(WriteProgress::new(
            stream,
            limits.write_timeout,
            activity.clone(),
        ));
        let conn = builder.serve_connection(io, service).into_owned();
        let mut stopping = stopping.clone();
        let calm = calm.clone();
        let deadlines = Deadlines {
            first_request: limits.header_timeout,
            idle: limits.idle_timeout,
            stall: limits.write_timeout,
        };
        let close_grace = limits.header_timeout;
        tokio::spawn(async move {
            tokio::pin!(conn);
            let ending = tokio::select! {
                r = conn.as_mut() => {
                    report(r, &calm);
                    drop((slot, permit));
                    return;
                }
                ending = until_ending(&activity, deadlines, &mut stopping) => ending,
            };
            tracing::debug!(?ending, "closing the connection");
            // Finishes what is in progress and, on HTTP/2, sends GOAWAY (RFC 9113
            // §6.8), even to a client that sent nothing but the preface.
            conn.as_mut().graceful_shutdown();
            if ending == Ending::Shutdown {
                // The drain below bounds this.
                report(conn.await, &calm);
            } else if let Ok(r) = tokio::time::timeout(close_grace, conn).await {
                // A client that never acknowledges the GOAWAY's PING is cut off
                // after `close_grace`.
                report(r, &calm);
            }
            drop((slot, permit));
        });
    }
    drop(listener);
    let _ = stop.send(true);
    tracing::info!(grace = ?limits.grace, "draining connections");
    // Every connection holds a permit until it ends: all of them back means drained.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.grace, permits.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("grace period over; closing the remaining connections");
    }
}

/// At most one log line per this interval about HTTP/2 connections closed for abuse.
const CALM_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// Logs how a connection ended. h2's own warnings about reset floods are
/// filtered out of the log (see `main`): a flood is counted here instead, and
/// summarised at most once per [`CALM_LOG_INTERVAL`].
fn report(result: Result<(), Box<dyn std::error::Error + Send + Sync>>, calm: &Throttle) {
    let Err(e) = result else { return };
    if connection::calmed(&*e) {
        metrics::counter!("bantin_http2_enhance_your_calm_total").increment(1);
        if let Some(n) = calm.hit() {
            tracing::warn!(
                connections = n,
                "closed HTTP/2 connections with ENHANCE_YOUR_CALM (stream reset floods) since the last report"
            );
        }
        return;
    }
    tracing::debug!(error = %e, "connection ended with an error");
}

/// Server limits, from `[http]`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to receive a request's headers.
    pub header_timeout: Duration,
    /// Request head size; larger heads get 431.
    pub max_header_bytes: usize,
    /// Connections served at once.
    pub max_connections: usize,
    /// Connections one client address may hold; 0 = no limit.
    pub max_connections_per_client: usize,
    /// Time a connection may stay open with no request in progress.
    pub idle_timeout: Duration,
    /// HTTP/2 keep-alive PING interval; `None` = no pings.
    pub keepalive_ping: Option<Duration>,
    /// Time a client has to answer a PING.
    pub keepalive_ping_timeout: Duration,
    /// Time a response may make no progress before its connection is closed.
    pub write_timeout: Duration,
    /// Time in-flight requests get on shutdown.
    pub grace: Duration,
}

impl Limits {
    /// The limits a config asks for.
    pub fn from_config(cfg: &Config) -> Limits {
        let http = &cfg.http;
        Limits {
            header_timeout: cfg.header_timeout(),
            max_header_bytes: 64 * 1024,
            max_connections: http.max_connections,
            max_connections_per_client: http.max_connections_per_client,
            idle_timeout: Duration::from_secs(http.idle_timeout_secs),
            keepalive_ping: (http.keepalive_ping_secs > 0)
                .then(|| Duration::from_secs(http.keepalive_ping_secs)),
            keepalive_ping_timeout: Duration::from_secs(http.keepalive_ping_timeout_secs),
            write_timeout: Duration::from_secs(http.write_timeout_secs),
            grace: Duration::from_secs(http.shutdown_grace_secs),
        }
    }
}

/// Which kind of route a request hit: a bounded label for metrics.
fn route_label(path: &str) -> &'static str {
    match path {
        "/" => "home",
        "/feeds.opml" => "opml",
        "/healthz" => "healthz",
        "/metrics" => "metrics",
        p if p.starts_with("/feed.") => "feed_all",
        p if p.starts_with("/feeds/") => "feed",
        p if p.starts_with("/articles/") => "article",
        _ => "other",
    }
}

/// A static label for the statuses this server sends (no allocation per request).
fn status_label(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200 => "200",
        304 => "304",
        400 => "400",
        404 => "404",
        405 => "405",
        431 => "431",
        503 => "503",
        _ => "other",
    }
}

/// Answers one request. Every branch builds a response.
pub async fn handle<B>(state: &State, req: &Request<B>) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    let routed = if bad_host(req) {
        let mut r = plain(
            StatusCode::BAD_REQUEST,
            "bad request: missing or invalid Host\n",
        );
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        Routed::Done(r)
    } else {
        route(state, req, path)
    };
    let response = match routed {
        Routed::Done(r) => r,
        Routed::Article {
            snapshot,
            entry,
            head,
        } => {
            let headers = req.headers().clone();
            article(snapshot, entry, &headers, head).await
        }
        Routed::Encode {
            snapshot,
            resource,
            coding,
            head,
        } => {
            // Not compressed yet (a snapshot just published): compress it here,
            // off the async threads, unless the compressor thread finishes first.
            // Should that fail, `represent` sends identity.
            let r = resource.clone();
            let _ = tokio::task::spawn_blocking(move || {
                r.encode(coding);
            })
            .await;
            represent(req.headers(), &resource, coding, &snapshot, head)
        }
    };
    let status = response.status();
    metrics::counter!("bantin_http_requests_total", "route" => route_label(path), "status" => status_label(status))
        .increment(1);
    if status == StatusCode::NOT_MODIFIED {
        metrics::counter!("bantin_http_not_modified_total").increment(1);
    }
    let sent = {
        use hyper::body::Body as _;
        response.body().size_hint().exact().unwrap_or(0)
    };
    metrics::counter!("bantin_http_response_bytes_total").increment(sent);
    tracing::debug!(method = %req.method(), path, status = status.as_u16(), "request");
    response
}

/// RFC 9112 §3.2: an HTTP/1.1 request with no Host, more than one, or one that
/// is not `uri-host [":" port]` (RFC 9110 §7.2) gets 400. HTTP/1.0 may omit it;
/// HTTP/2 carries `:authority` instead, which h2 checks.
fn bad_host<B>(req: &Request<B>) -> bool {
    let version = req.version();
    if version != Version::HTTP_11 && version != Version::HTTP_10 {
        return false;
    }
    let mut hosts = req.headers().get_all(header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (None, _) => version == Version::HTTP_11,
        (Some(_), Some(_)) => true,
        (Some(host), None) => !valid_host(host),
    }
}

/// `uri-host [":" port]`, or empty (RFC 9112 §3.2 allows an empty Host when the
/// target has no authority). The `http` crate parses the authority; userinfo
/// is part of an authority but not of a Host.
fn valid_host(host: &HeaderValue) -> bool {
    let bytes = host.as_bytes();
    let Ok(authority) = http::uri::Authority::try_from(bytes) else {
        return bytes.is_empty();
    };
    let port = authority.as_str().get(authority.host().len()..);
    !authority.as_str().contains('@')
        && (matches!(port, Some("" | ":")) || authority.port_u16().is_some())
}

/// Where a request goes: a response built from memory, an encoding to compute
/// first, or an article page whose body may have to be read back from the store.
enum Routed {
    Done(Response<Full<Bytes>>),
    Encode {
        snapshot: Arc<Snapshot>,
        resource: Arc<Resource>,
        coding: Coding,
        head: bool,
    },
    Article {
        snapshot: Arc<Snapshot>,
        entry: crate::index::Entry,
        head: bool,
    },
}

fn route<B>(state: &State, req: &Request<B>, path: &str) -> Routed {
    let readable = req.method() == Method::GET || req.method() == Method::HEAD;
    if let (true, Some(encoded)) = (readable, path.strip_prefix("/articles/")) {
        let snapshot = state.snapshot.load_full();
        let id = percent_encoding::percent_decode_str(encoded)
            .decode_utf8()
            .ok();
        if let Some(snapshot) = snapshot {
            if let Some(entry) = id.as_deref().and_then(|id| snapshot.site.index.get(id)) {
                let entry = entry.clone();
                let head = req.method() == Method::HEAD;
                return Routed::Article {
                    snapshot,
                    entry,
                    head,
                };
            }
        }
    }
    from_memory(state, req, path)
}

/// Every response that needs nothing but the current snapshot.
fn from_memory<B>(state: &State, req: &Request<B>, path: &str) -> Routed {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Routed::Done(r);
    }
    let head = req.method() == Method::HEAD;
    let snapshot = state.snapshot.load_full();
    match path {
        "/healthz" => {
            return Routed::Done(match &snapshot {
                Some(s) => finish(
                    plain(
                        StatusCode::OK,
                        &format!(
                            "ok: {} articles, {} feeds\n",
                            s.site.index.entries().len(),
                            s.site.index.categories().len() + 1
                        ),
                    ),
                    head,
                ),
                None => finish(
                    plain(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "starting: first scan not served yet\n",
                    ),
                    head,
                ),
            });
        }
        "/metrics" => {
            let body = state
                .metrics
                .as_ref()
                .map(PrometheusHandle::render)
                .unwrap_or_default();
            let mut r = Response::new(Full::new(Bytes::from(body)));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            return Routed::Done(finish(r, head));
        }
        _ => {}
    }
    let Some(snapshot) = snapshot else {
        return Routed::Done(finish(
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "starting: first scan not served yet\n",
            ),
            head,
        ));
    };
    let Some(resource) = snapshot.site.resources.get(path) else {
        return Routed::Done(finish(plain(StatusCode::NOT_FOUND, "not found\n"), head));
    };
    let coding = negotiate::choose(req.headers());
    if resource.encoded(coding).is_some() {
        return Routed::Done(represent(req.headers(), resource, coding, &snapshot, head));
    }
    let resource = resource.clone();
    Routed::Encode {
        snapshot,
        resource,
        coding,
        head,
    }
}

/// One article's page. Articles that some feed holds are in memory; older ones
/// are read back from the store on a blocking thread. This is the one route that
/// touches the disk: keeping every article's text in memory would cost more than
/// the whole index. If the file cannot be read, the page shows what the index has
/// (title, date, lead) rather than failing.
async fn article(
    snapshot: Arc<Snapshot>,
    entry: crate::index::Entry,
    headers: &HeaderMap,
    head: bool,
) -> Response<Full<Bytes>> {
    let full = match snapshot.site.body(&entry.article.id, &entry.article) {
        Some(full) => full,
        None => {
            let (cap, tz) = (snapshot.config.max_file_size, snapshot.config.tz);
            let lean = entry.clone();
            tokio::task::spawn_blocking(move || crate::catalog::hydrate(&lean, cap, tz))
                .await
                .ok()
                .flatten()
                .unwrap_or_else(|| entry.article.clone())
        }
    };
    let category = snapshot.site.index.category_of(&entry.article.id);
    let page = render::html::article_page(&snapshot.config.site, &full, category);
    let lm = entry
        .modified
        .unwrap_or(SystemTime::UNIX_EPOCH)
        .min(SystemTime::now());
    // Rendered per request (cheap, infallible) rather than kept for every article;
    // identity only.
    let body = Body::new(page);
    let rep = Representation {
        content_type: "text/html; charset=utf-8",
        last_modified: lm,
        last_modified_value: header_value(&http_date(lm)),
        body: &body,
        coding: None,
    };
    respond(headers, &rep, &snapshot.cache_control, head)
}

/// One representation to answer with: the body in its coding and its validators.
struct Representation<'a> {
    content_type: &'static str,
    last_modified: SystemTime,
    last_modified_value: HeaderValue,
    body: &'a Body,
    coding: Option<&'static str>,
}

/// A resource in `coding` (identity if that is not computed), conditional.
fn represent(
    headers: &HeaderMap,
    r: &Resource,
    coding: Coding,
    snapshot: &Snapshot,
    head: bool,
) -> Response<Full<Bytes>> {
    let (body, coding) = match r.encoded(coding) {
        Some(body) => (body, coding.name()),
        None => (&r.identity, None),
    };
    let rep = Representation {
        content_type: r.content_type,
        last_modified: r.last_modified,
        last_modified_value: r.last_modified_value.clone(),
        body,
        coding,
    };
    respond(headers, &rep, &snapshot.cache_control, head)
}

fn respond(
    headers: &HeaderMap,
    rep: &Representation<'_>,
    cache_control: &HeaderValue,
    head: bool,
) -> Response<Full<Bytes>> {
    let decision = conditional::decide(headers, &rep.body.tag, rep.last_modified);
    let mut r = match decision {
        Decision::NotModified => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        }
        Decision::Full if head => {
            let mut r = Response::new(Full::new(Bytes::new()));
            r.headers_mut().insert(
                header::CONTENT_LENGTH,
                HeaderValue::from(rep.body.bytes.len()),
            );
            r
        }
        Decision::Full => Response::new(Full::new(rep.body.bytes.clone())),
    };
    let h = r.headers_mut();
    // RFC 9110 §15.4.5: a 304 carries the ETag, Last-Modified (as validators),
    // Cache-Control and Vary a 200 would have. hyper adds Date to every response.
    h.insert(header::ETAG, rep.body.etag_value.clone());
    h.insert(header::LAST_MODIFIED, rep.last_modified_value.clone());
    h.insert(header::CACHE_CONTROL, cache_control.clone());
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if decision == Decision::Full {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(rep.content_type),
        );
        if let Some(c) = rep.coding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
        }
    }
    r
}

/// Our own header values are ASCII by construction.
fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::copy_from_slice(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// HEAD: the same headers, no body.
fn finish(mut r: Response<Full<Bytes>>, head: bool) -> Response<Full<Bytes>> {
    if head {
        use hyper::body::Body as _;
        let len = r.body().size_hint().exact().unwrap_or(0);
        r.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        *r.body_mut() = Full::new(Bytes::new());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::Site;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn an_encoding_not_computed_yet_is_computed_for_the_request() {
        let text = "<rss>Tin tức tổng hợp</rss>".repeat(100).into_bytes();
        let resource = Arc::new(Resource::new(
            "application/rss+xml",
            SystemTime::UNIX_EPOCH,
            text,
        ));
        let mut site = Site::default();
        site.resources
            .insert("/feed.rss".to_owned(), resource.clone());
        let config = Arc::new(Config::from_toml("", None).unwrap());
        let state = State::default();
        state
            .snapshot
            .store(Some(Arc::new(Snapshot::new(site, config, 0))));
        assert!(resource.encoded(Coding::Gzip).is_none());

        let req = Request::get("/feed.rss")
            .header(header::HOST, "127.0.0.1")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(())
            .unwrap();
        let r = handle(&state, &req).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        let gz = resource
            .encoded(Coding::Gzip)
            .expect("computed for the request");
        assert_eq!(r.headers()[header::ETAG], gz.etag_value);
        assert_eq!(r.into_body().collect().await.unwrap().to_bytes(), gz.bytes);
        // Only what was asked for.
        assert!(resource.encoded(Coding::Br).is_none());

        // And a conditional request for it now matches without computing anything.
        let req = Request::get("/feed.rss")
            .header(header::HOST, "127.0.0.1")
            .header(header::ACCEPT_ENCODING, "gzip")
            .header(header::IF_NONE_MATCH, gz.etag_value.clone())
            .body(())
            .unwrap();
        assert_eq!(
            handle(&state, &req).await.status(),
            StatusCode::NOT_MODIFIED
        );
    }

    #[tokio::test]
    async fn http11_needs_exactly_one_valid_host() {
        let state = State::default();
        let status = |version: Version, hosts: &[&str]| {
            let mut b = Request::get("/healthz").version(version);
            for h in hosts {
                b = b.header(header::HOST, *h);
            }
            let req = b.body(()).unwrap();
            let state = &state;
            async move { handle(state, &req).await.status() }
        };
        // 503: past the Host check (no snapshot yet).
        let past = StatusCode::SERVICE_UNAVAILABLE;
        let bad = StatusCode::BAD_REQUEST;
        assert_eq!(status(Version::HTTP_11, &["127.0.0.1:8080"]).await, past);
        assert_eq!(status(Version::HTTP_11, &["[::1]:8080"]).await, past);
        assert_eq!(status(Version::HTTP_11, &["tin.example.vn"]).await, past);
        assert_eq!(status(Version::HTTP_11, &[""]).await, past);
        assert_eq!(status(Version::HTTP_11, &[]).await, bad);
        assert_eq!(status(Version::HTTP_11, &["a", "b"]).await, bad);
        assert_eq!(status(Version::HTTP_11, &["a", "a"]).await, bad);
        assert_eq!(status(Version::HTTP_11, &["a b"]).await, bad);
        assert_eq!(status(Version::HTTP_11, &["user@host"]).await, bad);
        assert_eq!(status(Version::HTTP_11, &["host:port"]).await, bad);
        assert_eq!(status(Version::HTTP_10, &[]).await, past);
        assert_eq!(status(Version::HTTP_10, &["a b"]).await, bad);
        assert_eq!(status(Version::HTTP_2, &[]).await, past);
    }
}
