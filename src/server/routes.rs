//! The request path: what a request asks for, and the response, built from
//! the current snapshot. Nothing here can fail: every body, ETag and
//! Last-Modified of a feed was computed when the snapshot was rendered, and an
//! article page is rendered from values.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::SystemTime;

use super::turns::{Turn, Turns};
use super::unsent::{Over, Unsent};
use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Request, Response, StatusCode, Version};
use http_body_util::Full;
use metrics_exporter_prometheus::PrometheusHandle;

use super::clients::Client;
use super::clock;
use super::conditional::{self, Current, Decision, PreconditionFailed};
use super::framing;
use super::negotiate;
use super::request::{Fields, View};
use super::request_metrics::RouteLabel;
use super::State;
use crate::index::{slugify, Entry};
use crate::publish::Snapshot;
use crate::render;
use crate::site::archive;
use crate::site::on_demand::Freshness;
use crate::site::on_demand::Keep;
use crate::site::pages;
use crate::site::sealed::SENDFILE_MIN;
use crate::site::{self, Body, Coding, Prepared, Resource};
use crate::timestamp::http_date;

/// What a request asks for, from its path and the current snapshot.
enum Route {
    /// `/healthz`.
    Health,
    /// `/metrics`.
    Metrics,
    /// No snapshot is served yet (the first scan is running).
    Starting,
    /// An article's page, `/articles/<id>`.
    Article(Arc<Snapshot>, Entry),
    /// A feed, a page or the OPML list, rendered with the snapshot.
    Resource(Arc<Snapshot>, Arc<Resource>),
    /// A month's sitemap, `/sitemaps/<YYYY-MM>.xml`, rendered on request.
    Sitemap(Arc<Snapshot>, String),
    /// A representation rendered on demand (an archive, a page, a tag's or
    /// author's feed), described (see [`pages::prepare`]).
    OnDemand(Arc<Snapshot>, Prepared),
    /// Nothing at this path.
    NotFound,
}

impl Route {
    /// The route of `path` in what `state` serves now.
    fn of(state: &State, path: &str) -> Route {
        match path {
            "/healthz" => return Route::Health,
            "/metrics" => return Route::Metrics,
            _ => {}
        }
        let Some(snapshot) = state.snapshot.load_full() else {
            return Route::Starting;
        };
        if let Some(encoded) = path.strip_prefix("/articles/") {
            let id = percent_encoding::percent_decode_str(encoded).decode_utf8();
            // Only the site's own spelling of the id is the page; another
            // (`%c4` for `%C4`, an escape of what needs none) is redirected
            // to it by `canonical` (RFC 3986 §6.2.2.1, §6.2.2.2).
            let entry = id
                .ok()
                .filter(|id| render::article_path(id) == path)
                .and_then(|id| snapshot.site.index.get(&id).cloned());
            return match entry {
                Some(entry) => Route::Article(snapshot, entry),
                None => Route::NotFound,
            };
        }
        if let Some(resource) = snapshot.site.resources.get(path).cloned() {
            return Route::Resource(snapshot, resource);
        }
        if render::sitemap::month_part(path).is_some() {
            return Route::Sitemap(snapshot, path.to_owned());
        }
        let (cfg, index) = (&snapshot.config, &snapshot.site.index);
        match pages::prepare(cfg, index, path, archive_hydrate(snapshot.clone())) {
            Some(p) => Route::OnDemand(snapshot, p),
            None => Route::NotFound,
        }
    }

    /// Whether something is served at the path, for a redirect to it (a
    /// month sitemap's part when the sitemap index lists it).
    fn found(&self) -> bool {
        match self {
            Route::NotFound => false,
            Route::Sitemap(snapshot, path) => render::sitemap::month_part(path)
                .is_some_and(|(month, n)| snapshot.site.lists_month_part(month, n)),
            _ => true,
        }
    }

    /// A bounded label for metrics.
    fn label(&self, path: &str) -> RouteLabel {
        match self {
            Route::Health => RouteLabel::Healthz,
            Route::Metrics => RouteLabel::Metrics,
            Route::Starting => RouteLabel::Starting,
            Route::Article(..) => RouteLabel::Article,
            Route::Sitemap(..) => RouteLabel::Sitemap,
            Route::OnDemand(..) => on_demand_label(path),
            Route::NotFound => RouteLabel::NotFound,
            Route::Resource(..) => match path {
                "/" => RouteLabel::Home,
                p if is_opml(p) => RouteLabel::Opml,
                "/robots.txt" => RouteLabel::Robots,
                p if p.ends_with(".xml") => RouteLabel::Sitemap,
                p if p.starts_with("/feeds/") => RouteLabel::Feed,
                _ => RouteLabel::FeedAll,
            },
        }
    }
}

/// Whether `path` is one of the OPML lists of feeds (`/feeds.opml`, kept
/// with the snapshot; `/tags.opml` and `/authors.opml`, rendered on demand):
/// one label for them all.
fn is_opml(path: &str) -> bool {
    [render::FEEDS_OPML, render::TAGS_OPML, render::AUTHORS_OPML].contains(&path)
}

/// A bounded label for metrics of what is rendered on demand, by its path.
fn on_demand_label(path: &str) -> RouteLabel {
    let feed = path.contains('.');
    if feed && archive::Request::parse(path).is_some() {
        RouteLabel::Archive
    } else if path.starts_with("/subscribe/") {
        RouteLabel::Subscribe
    } else if is_opml(path) {
        RouteLabel::Opml
    } else if render::changes_format(path).is_some() {
        RouteLabel::Changes
    } else if feed {
        RouteLabel::TermFeed
    } else {
        RouteLabel::Page
    }
}

/// The longest request target answered: RFC 9112 §3 asks servers to support
/// request lines of at least 8000 octets. No feed, page or article id comes near.
/// (Longer GET and HEAD lines are cut short on the way in: see `long_targets`.)
pub(super) const MAX_TARGET_BYTES: usize = 8 * 1024;

// Every article's own URL is answered: an id's bytes, each percent-encoded
// at most, fit under the limit.
const _: () = assert!("/articles/".len() + 3 * crate::store::MAX_ID_BYTES <= MAX_TARGET_BYTES);

/// Answers one request of `client`. Every branch builds a response.
pub async fn handle<B>(state: &State, client: Client, req: &Request<B>) -> Response<Full<Bytes>> {
    let view = View::of(req);
    match respond_to(state, client, &view).await {
        Answer::Ready(ready) => ready.response(view.path),
        Answer::Built(response) => response,
    }
}

/// The answer to a request: a snapshot's resource, ready to be written from
/// what is kept with it, or a response built for this request.
pub(super) enum Answer {
    /// A snapshot resource in one coding, decided (see [`Ready`]).
    Ready(Ready),
    /// Any other response.
    Built(Response<Full<Bytes>>),
}

/// A resource of the current snapshot, in the coding negotiated, with the
/// RFC 9110 §13 decision made: everything its response depends on but the
/// path (for `Link`), the clock (`Date`, and `Last-Modified` clamped to it)
/// and the connection. The HTTP/1 fast path writes its head from a block
/// kept with the resource; hyper gets it as a `Response` ([`Ready::response`]).
pub(super) struct Ready {
    /// The snapshot it is served from: its `Cache-Control` and `Link` headers.
    pub snapshot: Arc<Snapshot>,
    /// The resource.
    pub resource: Arc<Resource>,
    /// The coding of the body sent: identity when the one negotiated is not
    /// computed, or is no smaller and the client takes identity.
    pub coding: Coding,
    /// 304 or 200.
    pub decision: Decision,
    /// Whether the request is a HEAD: the 200's head, no body.
    pub head: bool,
}

impl Ready {
    /// The body in [`Ready::coding`].
    pub fn body(&self) -> &Body {
        self.resource
            .encoded(self.coding)
            .unwrap_or(&self.resource.identity)
    }

    /// The status sent.
    pub fn status(&self) -> StatusCode {
        match self.decision {
            Decision::NotModified => StatusCode::NOT_MODIFIED,
            Decision::Full => StatusCode::OK,
        }
    }

    /// The body bytes the response carries: none for a 304 or a HEAD.
    pub fn sent(&self) -> usize {
        match self.decision {
            Decision::Full if !self.head => self.body().bytes.len(),
            _ => 0,
        }
    }

    /// The response to the request for `path` now.
    pub fn response(&self, path: &str) -> Response<Full<Bytes>> {
        self.response_at(path, clock::wall_for(self.resource.last_modified))
    }

    /// The response to the request for `path` at `now` (its `Last-Modified`
    /// is clamped to `now`, see [`Resource::last_modified_header`]).
    pub fn response_at(&self, path: &str, now: SystemTime) -> Response<Full<Bytes>> {
        let r = &self.resource;
        let rep = Representation {
            content_type: r.content_type,
            last_modified: r.last_modified,
            last_modified_value: r.last_modified_header(now),
            body: self.body(),
            coding: self.coding.name(),
            kept: true,
        };
        let mut response = build(self.decision, &rep, &self.snapshot.cache_control, self.head);
        websub_link(&mut response, &self.snapshot, path, r.content_type);
        response
    }
}

/// Answers one request of `client`, seen through `req`. Every branch answers.
pub(super) async fn respond_to(state: &State, client: Client, req: &View<'_>) -> Answer {
    let path = req.path;
    // RFC 9110 §9.3.2: an answer to HEAD has no content, refusals included
    // (HTTP/1 drops it when writing; HTTP/2 sends what it is given).
    let head = req.is_head();
    let (answer, label) = if req.target_len > MAX_TARGET_BYTES {
        // RFC 9110 §15.5.15: 414 URI Too Long.
        let r = uncacheable(plain(StatusCode::URI_TOO_LONG, "uri too long\n"));
        (Answer::Built(finish(r, head)), RouteLabel::UriTooLong)
    } else if bad_host(req) {
        let r = closing(uncacheable(plain(
            StatusCode::BAD_REQUEST,
            "bad request: missing or invalid Host\n",
        )));
        (Answer::Built(finish(r, head)), RouteLabel::BadRequest)
    } else if let Some(faulty) = hyper_framing(req) {
        // The body it frames cannot be trusted, so the connection ends.
        let label = match faulty.status() {
            StatusCode::NOT_IMPLEMENTED => RouteLabel::NotImplemented,
            _ => RouteLabel::BadRequest,
        };
        let r = plain(faulty.status(), &format!("{faulty}\n"));
        (Answer::Built(finish(closing(uncacheable(r)), head)), label)
    } else if req.scheme.is_some_and(|s| !served_scheme(s)) {
        // RFC 9110 §7.4, §15.5.20: a target of a scheme this server does not
        // serve (`ftp://`, HTTP/2's `:scheme` of another) is misdirected.
        let r = uncacheable(plain(
            StatusCode::MISDIRECTED_REQUEST,
            "misdirected request: this server serves http and https URLs only\n",
        ));
        (Answer::Built(finish(r, head)), RouteLabel::BadRequest)
    } else if req.method != "GET" && req.method != "HEAD" {
        // RFC 9110 §15.5.6: a method known but not allowed here is 405 with
        // `Allow`; §9.1, §15.6.2: one this server does not know at all is 501.
        const KNOWN: [&str; 7] = [
            "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
        ];
        if KNOWN.contains(&req.method) {
            let mut r = uncacheable(plain(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed\n",
            ));
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            (Answer::Built(r), RouteLabel::MethodNotAllowed)
        } else {
            let r = uncacheable(plain(
                StatusCode::NOT_IMPLEMENTED,
                "method not implemented: this server answers GET and HEAD\n",
            ));
            (Answer::Built(r), RouteLabel::NotImplemented)
        }
    } else if !path.starts_with('/') {
        // RFC 9112 §3.2: a GET or HEAD names its target in origin or absolute
        // form; the authority form is CONNECT's and the asterisk OPTIONS's.
        let r = uncacheable(plain(
            StatusCode::BAD_REQUEST,
            "bad request: the target must be a path or an absolute URL\n",
        ));
        (Answer::Built(finish(r, head)), RouteLabel::BadRequest)
    } else {
        let route = Route::of(state, path);
        match route {
            Route::NotFound => {
                let found = |c: &(String, Sure)| Route::of(state, without_fragment(&c.0)).found();
                match respelled(state, path).find(found) {
                    Some((c, sure)) => {
                        let r = match sure {
                            Sure::Yes => redirect(&c),
                            Sure::Guessed => redirect_for_now(&c, not_found_cache_control(state)),
                        };
                        (Answer::Built(finish(r, head)), RouteLabel::Redirect)
                    }
                    None => (
                        answer(state, client, route, path, &req.fields, head).await,
                        RouteLabel::NotFound,
                    ),
                }
            }
            route => {
                let label = route.label(path);
                (
                    answer(state, client, route, path, &req.fields, head).await,
                    label,
                )
            }
        }
    };
    // Its body's bytes are counted as they go out, by the fast path or the
    // body hyper is given (see `RequestMetrics::sent`).
    let status = match &answer {
        Answer::Ready(ready) => ready.status(),
        Answer::Built(response) => response.status(),
    };
    state.counters.answered(label, status);
    tracing::debug!(
        method = req.method,
        path,
        status = status.as_u16(),
        "request"
    );
    answer
}

/// The answer to a GET (or, without its body, a HEAD) of `route` for `client`.
async fn answer(
    state: &State,
    client: Client,
    route: Route,
    path: &str,
    fields: &Fields<'_>,
    head: bool,
) -> Answer {
    let built = match route {
        Route::Health => {
            let snapshot = state.snapshot.load();
            match snapshot.as_ref() {
                Some(s) => untagged(fields, head, || {
                    uncacheable(plain(StatusCode::OK, &health(s)))
                }),
                None => finish(uncacheable(starting()), head),
            }
        }
        Route::Metrics if state.reads_metrics(client) => {
            untagged(fields, head, || metrics_page(state))
        }
        // RFC 9110 §15.5.4: understood, and refused to this client.
        Route::Metrics => finish(
            uncacheable(plain(
                StatusCode::FORBIDDEN,
                "forbidden: /metrics is served only to the addresses in [http] metrics_from\n",
            )),
            head,
        ),
        Route::Starting => finish(starting(), head),
        Route::NotFound => finish(not_found(state, path), head),
        Route::Article(snapshot, entry) => {
            article(state, client, snapshot, entry, fields, head).await
        }
        Route::Sitemap(snapshot, sitemap) => {
            // Rendered like an article page, off the async threads and in turn.
            let turn = match turn_to_hold(&state.pages, &state.unsent, client).await {
                Ok(turn) => turn,
                Err(over) => return Answer::Built(finish(refused(over), head)),
            };
            let s = snapshot.clone();
            // The turn goes with the render and comes back with it (see `Turn`).
            let rendered = tokio::task::spawn_blocking(move || {
                let cfg = &s.config;
                let body = render::sitemap::on_demand(&cfg.site, &s.site.index, &sitemap, cfg.tz)
                    .map(Body::new);
                (body, turn)
            })
            .await;
            let (bytes, _turn) = match rendered {
                Ok((body, turn)) => (body, Some(turn)),
                Err(_) => (None, None),
            };
            match bytes {
                Some(bytes) => {
                    let made = Made::dated(render::sitemap::CONTENT_TYPE, bytes);
                    rendered_now((state, client), &snapshot, made, fields, head).await
                }
                None => finish(not_found(state, path), head),
            }
        }
        Route::OnDemand(snapshot, prepared) => {
            on_demand(state, client, snapshot, prepared, fields, head).await
        }
        Route::Resource(snapshot, resource) => {
            let coding = negotiate::choose(fields);
            // Not compressed yet (a snapshot just published): compress it
            // now, off the async threads, unless the compressor thread
            // finishes first. Should that fail, identity is sent.
            resource.encode_off_thread(coding).await;
            // Identity if the coding could not be computed, or is no smaller
            // (a short body: `robots.txt` gzipped is larger) and the client
            // takes identity.
            let coding = match resource.encoded(coding) {
                Some(coded)
                    if coded.bytes.len() < resource.identity.bytes.len()
                        || !negotiate::identity_acceptable(fields) =>
                {
                    coding
                }
                _ => Coding::Identity,
            };
            let body = resource.encoded(coding).unwrap_or(&resource.identity);
            let current = Current {
                etag: &body.tag,
                quoted: &body.etag,
                last_modified: Some(resource.last_modified),
            };
            let Ok(decision) = conditional::decide(fields, current) else {
                return Answer::Built(finish(precondition_failed(), head));
            };
            return Answer::Ready(Ready {
                snapshot,
                resource,
                coding,
                decision,
                head,
            });
        }
    };
    Answer::Built(built)
}

/// The path this site would spell `path` as, when that differs: the same
/// resource written another way. RFC 3986 §6.2.2 normalisation (percent-
/// decoding what needs no encoding, §6.2.2.2; dot segments removed, §5.2.4)
/// plus what servers commonly merge: repeated slashes, a trailing slash (the
/// form a static build of the site answers with, so links made against one
/// keep working), Unicode NFC (ids are NFC; a client on a system that
/// spells file names decomposed may send NFD), and `%2F` read as `/`: not
/// the same by §2.2, but no id or slug holds a `/` within a segment (a file
/// name cannot), so nothing else can be meant. `None` for `/` and for a path
/// that is already canonical, or whose escapes are not UTF-8.
fn canonical(path: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let joined: String = segments.join("/").nfc().collect();
    let spelled = render::encode_path(&format!("/{joined}"));
    (spelled != path).then_some(spelled)
}

/// The paths that may be what `path` meant, in order: its [`canonical`]
/// spelling, then the page of the category, tag or author named so, for
/// addresses typed with the name's own letters or capitals (`/tags/họp-báo`,
/// `/authors/Le-Van-An`: see [`named_page`]), then that with the slug of a
/// category's, tag's or author's page in lowercase (slugs are lowercase
/// ASCII; RFC 3986 §6.2.2.1 leaves the case of a path significant, so this
/// is the site's own rule, for a slug typed with capitals), and last the
/// page an address cut short was under ([`trimmed`]).
/// Redirecting only to a path that is served, which is never redirected,
/// keeps this free of loops.
fn respelled(state: &State, path: &str) -> impl Iterator<Item = (String, Sure)> {
    let spelled = canonical(path);
    let at = spelled.as_deref().unwrap_or(path);
    let snapshot = state.snapshot.load_full();
    let named = snapshot
        .as_ref()
        .and_then(|s| named_page(&s.site.index, at));
    let lower = lowercase_slug(at).filter(|l| named.as_ref().is_none_or(|(n, _)| n != l));
    let cut = trimmed(at, |slug| {
        snapshot
            .as_ref()
            .and_then(|s| s.site.index.keys(slug))
            .is_some_and(|keys| !keys.is_empty())
    });
    let sure = |p: String| (p, Sure::Yes);
    spelled
        .map(sure)
        .into_iter()
        .chain(named)
        .chain(lower.map(sure))
        .chain(cut)
}

/// The page a person most likely meant by a path cut short, as one trims an
/// address to go up a level: `/categories`, `/archive`, `/feeds`,
/// `/subscribe` and `/articles` have no page of their own and lead to the
/// front page (to its list of categories or of months, where that is what
/// they name), `/archive/<category>` to the category's list of months and
/// `/feeds/<category>` to its page. A guess (307), with the section as a
/// fragment (RFC 9110 §10.2.2): the site may serve a page there one day.
/// A list of months is only on a page whose feed has articles
/// (`has_articles`, of a category's slug or `None` for the whole store):
/// without one, the target is the page itself, with no fragment.
/// A month's path or a feed's stays a 404 ([`page_slug`]'s rule).
/// Typed with capitals (`/Archive/Tin-Tuc`), the path is read in lowercase,
/// as [`lowercase_slug`] reads a page's slug: one redirect, to the page
/// that is served.
fn trimmed(path: &str, has_articles: impl Fn(Option<&str>) -> bool) -> Option<(String, Sure)> {
    use render::html::pages::{CATEGORIES_ID, MONTHS_ID};
    let lower = (!path.contains('%')).then(|| path.to_ascii_lowercase());
    let path = lower.as_deref().unwrap_or(path);
    let months = |page: String, slug: Option<&str>| {
        if has_articles(slug) {
            format!("{page}#{MONTHS_ID}")
        } else {
            page
        }
    };
    let to = match path {
        "/categories" => format!("/#{CATEGORIES_ID}"),
        "/archive" => months("/".to_owned(), None),
        "/feeds" | "/subscribe" | "/articles" => "/".to_owned(),
        _ => {
            if let Some(slug) = path.strip_prefix("/archive/") {
                months(format!("/categories/{slug}"), Some(slug))
            } else {
                let slug = path.strip_prefix("/feeds/")?;
                if is_feed_name(slug) {
                    return None;
                }
                format!("/categories/{slug}")
            }
        }
    };
    Some((to, Sure::Guessed))
}

/// The path of a respelled target, without the fragment [`trimmed`] may
/// give it: no other `#` is in one. A respelling is spelled by
/// `render::encode_path`, which escapes `#`, and a request's own path holds
/// none (the fast path refuses a target with one, and the `http` crate drops
/// a fragment).
fn without_fragment(target: &str) -> &str {
    target.split_once('#').map_or(target, |(path, _)| path)
}

/// Whether a respelled path is what was meant for as long as the store
/// stands, or a guess a store change can make wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sure {
    /// Another spelling of the same path, or the page of the name typed.
    Yes,
    /// The page of a name typed without its punctuation (`tp hcm` for `TP.
    /// HCM`): a term named as typed may come and take the path.
    Guessed,
}

/// The prefix and slug of a category's, tag's or author's page path. Pages
/// only, as people type them: a feed's path, which a reader was given by a
/// link, is not respelled (nor is a month's). A tag's or author's page is
/// one segment; a dot in it is a name's (`TP. Hồ Chí Minh`), unless it ends
/// in a feed's extension, in any case (`/tags/x.rss`, `/tags/x.RSS`). A
/// category's slug nests, and a category has no feed under `/categories/`.
fn page_slug(path: &str) -> Option<(&'static str, &str)> {
    let (prefix, slug) = ["/categories/", "/tags/", "/authors/"]
        .into_iter()
        .find_map(|prefix| Some((prefix, path.strip_prefix(prefix)?)))?;
    if prefix != "/categories/" && (slug.contains('/') || is_feed_name(slug)) {
        return None;
    }
    Some((prefix, slug))
}

/// Whether `segment` ends in a feed's extension (`.rss`, `.atom`, `.json`),
/// whatever its case.
fn is_feed_name(segment: &str) -> bool {
    segment.rsplit_once('.').is_some_and(|(_, ext)| {
        render::Format::ALL
            .into_iter()
            .any(|f| ext.eq_ignore_ascii_case(f.ext()))
    })
}

/// A category's, tag's or author's page path with its slug in lowercase,
/// when that differs. Not one with an escape in it, which no slug has
/// ([`named_page`] reads it).
fn lowercase_slug(path: &str) -> Option<String> {
    let (prefix, slug) = page_slug(path).filter(|(_, slug)| !slug.contains('%'))?;
    let lower = slug.to_ascii_lowercase();
    (lower != slug).then(|| format!("{prefix}{lower}"))
}

/// The page of the tag, author or category whose name a page path spells
/// with the name's own letters, when that is another path:
/// `/tags/h%E1%BB%8Dp-b%C3%A1o` (`họp-báo`) is the page of the tag `Họp
/// báo`. The segment, percent-decoded, is the name as written, its dashes
/// and spaces alike ([`Typed`]), so `/tags/báo` is the tag `Báo` even
/// when its slug is `bao-2` (the tag `Bão` came first), and never the tag
/// `Bão`; with its punctuation or without (`/tags/tp-hồ-chí-minh` is the tag
/// `TP. Hồ Chí Minh`), a name typed with it being preferred; a category's
/// path is followed segment by segment the same way. Only the names of a
/// slug's family (`bao`, `bao-2`, …) are looked at.
fn named_page(index: &crate::index::Index, path: &str) -> Option<(String, Sure)> {
    use crate::taxonomy::{numbered_in, Kind};
    let (prefix, slug) = page_slug(path)?;
    let decoded = percent_encoding::percent_decode_str(slug)
        .decode_utf8()
        .ok()?;
    let term = |kind: Kind| {
        // `%2F` is read as `/` (see `canonical`): not a term's page.
        if decoded.contains('/') {
            return None;
        }
        let terms = index.taxonomy(kind);
        // A later list page's segment (`trang_7`, once there are that many
        // tags; `Trang_7`, which is respelled in lowercase) is not a name
        // typed without its punctuation.
        let page = render::terms_page_number(&decoded.to_lowercase());
        let typed = Typed::new(&decoded, page.is_none());
        let root = slugify(&decoded);
        let family = terms
            .family(&root)
            .filter_map(|s| Some((s, terms.get(s)?.name.as_str())));
        typed
            .pick(family)
            .map(|(slug, sure)| (slug.to_owned(), sure))
    };
    let target = match prefix {
        "/tags/" => term(Kind::Tag)?,
        "/authors/" => term(Kind::Author)?,
        _ => {
            let categories = index.categories();
            let mut at = String::new();
            let mut sure = Sure::Yes;
            for typed in decoded.split('/') {
                let root = format!("{at}{}", slugify(typed));
                let typed = Typed::new(typed, true);
                // The family of `root` among the category's siblings: it, and
                // it with numbers on the end (no deeper path).
                let siblings = categories
                    .range(root.clone()..)
                    .take_while(|(s, _)| s.starts_with(root.as_str()))
                    .filter(|(s, _)| numbered_in(s, &root))
                    .map(|(s, c)| (s.as_str(), c.name.as_str()));
                let (slug, this) = typed.pick(siblings)?;
                at = format!("{slug}/");
                if this == Sure::Guessed {
                    sure = Sure::Guessed;
                }
            }
            at.pop();
            (at, sure)
        }
    };
    let (target, sure) = target;
    let target = format!("{prefix}{target}");
    (target != path).then_some((target, sure))
}

/// A name as typed into a page path, by the keys it is matched with.
struct Typed {
    /// Its [`loose_key`].
    loose: String,
    /// Its [`bare_key`], when a name without its punctuation may be meant:
    /// `None` when it is empty (typed punctuation alone names nothing).
    bare: Option<String>,
}

impl Typed {
    /// `typed`, with `bare` false when it may only be a name as written.
    fn new(typed: &str, bare: bool) -> Typed {
        Typed {
            loose: loose_key(typed),
            bare: Some(bare_key(typed)).filter(|k| bare && !k.is_empty()),
        }
    }

    /// The first of `family` (slugs and their names, in the family's order)
    /// whose name is the one typed ([`loose_key`]), or else the first whose
    /// name is it but for punctuation ([`bare_key`]): `TP. HCM` and `TP HCM`
    /// are both found, each typed as written, and the first of them typed
    /// `tp.hcm`, a guess ([`Sure::Guessed`]). One pass over the family.
    fn pick<'a>(
        &self,
        family: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Option<(&'a str, Sure)> {
        let mut bare = None;
        for (slug, name) in family {
            if loose_key(name) == self.loose {
                return Some((slug, Sure::Yes));
            }
            if bare.is_none() && self.bare.as_ref().is_some_and(|k| *k == bare_key(name)) {
                bare = Some((slug, Sure::Guessed));
            }
        }
        bare
    }
}

/// A name's key ([`crate::names::key`]) with its dashes read as spaces and
/// its runs of spaces as one: a name typed into a path (`văn-hóa-xã-hội`)
/// and the name (`Văn hóa - Xã hội`) have the same.
fn loose_key(name: &str) -> String {
    let key = crate::names::key(name);
    let words = key.split(|c: char| c == '-' || c.is_whitespace());
    words
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A name's key ([`crate::names::key`]) without the punctuation people
/// leave out when they type a name: each run of white space, dashes and
/// the marks of [`LEFT_OUT`] (`.`, `,`, `'`, `(`, `&` …) is one space, as a
/// slug cuts its words. `TP. Hồ Chí Minh`, `tp-hồ-chí-minh` and `TP Hồ Chí
/// Minh` have one. Symbols that tell names apart stay: `C++` and `C#` do not
/// have the key of `C`, nor `A+` that of `A-`.
fn bare_key(name: &str) -> String {
    let key = crate::names::key(name);
    let words = key.split(|c: char| c.is_whitespace() || LEFT_OUT.contains(&c));
    words
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What [`bare_key`] reads as a space: sentence punctuation, brackets,
/// quotes (straight, curly and angled), `&`, `/`, `\`, `_`, the ellipsis,
/// the middle dot, and the hyphen and the dashes that show as one.
const LEFT_OUT: &[char] = &[
    '.', ',', ';', ':', '!', '?', '\'', '"', '(', ')', '[', ']', '{', '}', '&', '/', '\\', '_',
    '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{AB}', '\u{BB}', '\u{2026}', '\u{B7}', '-',
    '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}',
];

/// 308 Permanent Redirect (RFC 9110 §15.4.9) to `path`; a cache may keep it a
/// day. The query is not carried over: nothing here depends on one.
fn redirect(path: &str) -> Response<Full<Bytes>> {
    let mut r = plain(StatusCode::PERMANENT_REDIRECT, &format!("{path}\n"));
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(path) {
        h.insert(header::LOCATION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=86400"),
    );
    r
}

/// 307 Temporary Redirect (RFC 9110 §15.4.8) to `path`, for a guess a store
/// change can make wrong: a cache keeps it no longer than a 404 (`cache`,
/// see [`not_found_cache_control`]).
fn redirect_for_now(path: &str, cache: HeaderValue) -> Response<Full<Bytes>> {
    let mut r = redirect(path);
    *r.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    r.headers_mut().insert(header::CACHE_CONTROL, cache);
    r
}

/// 503 while the first scan runs.
fn starting() -> Response<Full<Bytes>> {
    uncacheable(plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "starting: first scan not served yet\n",
    ))
}

/// `/healthz` once a snapshot is served: what it serves and how many store
/// files are rejected now (`bantin check` says which and why).
fn health(s: &Snapshot) -> String {
    let rejected = match s.rejected {
        1 => "1 file rejected".to_owned(),
        n => format!("{n} files rejected"),
    };
    format!(
        "ok: {} articles, {} feeds, {rejected}{}\n",
        s.site.index.entries().len(),
        s.site.index.categories().len() + 1,
        s.root_note()
    )
}

/// A response no cache may keep (RFC 9111 §5.2.2.5): a status of this moment
/// (`/healthz`, 503) or an error about one request.
fn uncacheable(mut r: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `/metrics`, in the Prometheus text format.
fn metrics_page(state: &State) -> Response<Full<Bytes>> {
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
    r
}

/// Whether the request names its host badly.
///
/// RFC 9112 §3.2: an HTTP/1.1 request with no Host, more than one, or one that
/// is not `uri-host [":" port]` (RFC 9110 §7.2) gets 400; HTTP/1.0 may omit
/// it. An absolute-form target's authority is held to the same form (RFC
/// 9110 §4.2.4: userinfo is an error). HTTP/2 carries `:authority`, held to
/// that form too, and a Host beside it must name the same (RFC 9113 §8.3.1);
/// without `:authority`, a Host is held to HTTP/1.1's rules.
fn bad_host(req: &View<'_>) -> bool {
    let version = req.version;
    let mut hosts = req.fields.get_all("host");
    let (first, second) = (hosts.next(), hosts.next());
    if req.authority.is_some_and(|a| !valid_host(a.as_bytes())) {
        return true;
    }
    match version {
        Version::HTTP_10 | Version::HTTP_11 => match (first, second) {
            (None, _) => version == Version::HTTP_11,
            (Some(_), Some(_)) => true,
            (Some(host), None) => !valid_host(host),
        },
        // RFC 9113 §8.3.1: an `http` or `https` request carries `:authority`
        // or a Host, not empty (h2 itself resets a stream whose
        // `:authority` is empty), and a Host beside `:authority` is held
        // to HTTP/1.1's form and names the same.
        Version::HTTP_2 => match (first, second, req.authority) {
            (Some(_), Some(_), _) => true,
            (Some(host), None, Some(authority)) => {
                !valid_host(host) || !same_authority(host, authority, req.scheme)
            }
            (Some(host), None, None) => host.is_empty() || !valid_host(host),
            (None, _, authority) => authority.is_none_or(str::is_empty),
        },
        _ => false,
    }
}

/// Whether a Host beside HTTP/2's `:authority` names the same (RFC 9113
/// §8.3.1), once both are normalised as URIs are (RFC 3986 §6.2.2.1,
/// §6.2.3): the host's letter case, and the port of `scheme` written out or
/// left out (`a:80` and `a` for `http`). Both are valid Hosts
/// ([`valid_host`]): no userinfo, a port that is a number if any.
fn same_authority(host: &[u8], authority: &str, scheme: Option<&str>) -> bool {
    if host.eq_ignore_ascii_case(authority.as_bytes()) {
        return true;
    }
    let (Ok(host), Ok(authority)) = (
        http::uri::Authority::try_from(host),
        http::uri::Authority::try_from(authority),
    ) else {
        return false;
    };
    let default = match scheme {
        Some(s) if s.eq_ignore_ascii_case("https") => 443,
        _ => 80,
    };
    let port = |a: &http::uri::Authority| a.port_u16().unwrap_or(default);
    host.host().eq_ignore_ascii_case(authority.host()) && port(&host) == port(&authority)
}

/// `Connection: close`.
pub(super) const CLOSE: HeaderValue = HeaderValue::from_static("close");

/// `r` with `Connection: close` (RFC 9112 §9.6): after a request the server
/// cannot trust the framing of, or whose body it left unread, the
/// connection ends.
pub(super) fn closing(mut r: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    r.headers_mut().insert(header::CONNECTION, CLOSE);
    r
}

/// Whether the answer to `req` ends its connection whatever it sends after
/// its head: its `Host` or the framing of its body is refused.
pub(super) fn closes_anyway(req: &View<'_>) -> bool {
    bad_host(req) || hyper_framing(req).is_some()
}

/// What is wrong with the framing of an HTTP/1 request hyper parsed, if
/// anything (see [`framing::judge`]). The fast path judges every head it
/// parses before hyper sees it; hyper alone reads the later heads of a
/// connection handed to it, and has refused those whose framing it cannot
/// read (with its own 400), but not every one the fast path refuses. HTTP/2
/// frames bodies itself (RFC 9113 §8.1), and a `Transfer-Encoding` there is
/// malformed (§8.2.2), so its requests are not judged.
fn hyper_framing(req: &View<'_>) -> Option<framing::Faulty> {
    let http1 = matches!(req.version, Version::HTTP_10 | Version::HTTP_11);
    if !http1 || !matches!(req.fields, Fields::Map(_)) {
        return None;
    }
    framing::judge(req.version, &req.fields).err()
}

/// Whether a target of `scheme` is one this server serves: `http`, the
/// scheme it listens with, and `https`, the one of its public URL behind a
/// TLS proxy (`[site] base_url`). Proxies name either: an HTTP/2 proxy sends
/// its client's `:scheme` (RFC 9113 §8.3.1), usually `https`, and a gateway
/// that forwards a target in absolute form keeps the scheme it was asked
/// for. Schemes are case-insensitive (RFC 3986 §3.1).
fn served_scheme(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

/// `uri-host [":" port]`, or empty (RFC 9112 §3.2 allows an empty Host when the
/// target has no authority). The `http` crate parses the authority; userinfo
/// is part of an authority but not of a Host.
///
/// Nearly every request names the same host, so the last one found valid is
/// remembered (per thread) and a request naming it again is not parsed.
fn valid_host(bytes: &[u8]) -> bool {
    thread_local! {
        static LAST_VALID: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let known = LAST_VALID.with_borrow(|last| !last.is_empty() && last == bytes);
    if known {
        return true;
    }
    let Ok(authority) = http::uri::Authority::try_from(bytes) else {
        return bytes.is_empty();
    };
    let port = authority.as_str().get(authority.host().len()..);
    let valid = !authority.as_str().contains('@')
        && (matches!(port, Some("" | ":")) || authority.port_u16().is_some());
    if valid && bytes.len() <= MAX_REMEMBERED_HOST {
        LAST_VALID.with_borrow_mut(|last| {
            last.clear();
            last.extend_from_slice(bytes);
        });
    }
    valid
}

/// The longest Host value [`valid_host`] remembers: a name and a port.
const MAX_REMEMBERED_HOST: usize = 260;

/// One article's page. Articles that some feed holds are in memory; older ones
/// are read back from the store on a blocking thread. This is the one route that
/// touches the disk: keeping every article's text in memory would cost more than
/// the whole index. If the file changed since it was indexed, the page shows
/// its text now; if it is no article now, a 503 page says it is back soon
/// (see [`PageFrom`]).
///
/// Reading back and rendering a page costs a few times the article's size
/// while it runs, so `pages` bounds how many run at once: a burst of requests
/// for the store's biggest articles waits its turn instead of adding up.
async fn article(
    state: &State,
    client: Client,
    snapshot: Arc<Snapshot>,
    entry: Entry,
    fields: &Fields<'_>,
    head: bool,
) -> Response<Full<Bytes>> {
    let turn = match turn_to_hold(&state.pages, &state.unsent, client).await {
        Ok(turn) => turn,
        Err(over) => return finish(refused(over), head),
    };
    let holder = (state, client);
    // A withdrawn article's notice needs only the header fields the index keeps.
    let withdrawn = entry.article.withdrawn.as_ref();
    const HTML: &str = "text/html; charset=utf-8";
    let page = match withdrawn {
        // Small: made of what the index keeps.
        Some(w) => Body::new(render::html::errors::gone_page(
            &snapshot.config.site,
            &snapshot.site.index,
            &entry.article,
            w,
        )),
        None => match article_page(&snapshot, &entry, turn).await {
            Some((page, PageFrom::Indexed)) => page,
            Some((page, PageFrom::Newer | PageFrom::Lead)) => {
                // Not what the shared date stands for: a client keeping it by
                // that date would keep it once the file reads as indexed.
                let made = Made::undated(HTML, page);
                return rendered_now(holder, &snapshot, made, fields, head).await;
            }
            Some((page, PageFrom::Unreadable)) => {
                // RFC 9110 §15.6.4: for now, and back after the delay it
                // names; not to be stored, with no validator or date, and
                // its preconditions ignored (§13.2.1: it is no 2xx).
                let made = Made {
                    preconditions: false,
                    ..Made::undated(HTML, page)
                };
                let mut r = rendered_now(holder, &snapshot, made, fields, head).await;
                *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                let h = r.headers_mut();
                h.remove(header::ETAG);
                h.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(UNREADABLE_RETRY_SECS),
                );
                return r;
            }
            None => {
                let r = plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "cannot render this article now; try again later\n",
                );
                return finish(uncacheable(r), head);
            }
        },
    };
    if withdrawn.is_some() {
        // RFC 9110 §15.5.11: 410 Gone, cacheable like the page was. §13.2.1: a
        // server ignores preconditions when its answer without them would not be
        // 2xx, so this is never a 304.
        let made = Made {
            preconditions: false,
            ..Made::dated(HTML, page)
        };
        let mut r = rendered_now(holder, &snapshot, made, fields, head).await;
        *r.status_mut() = StatusCode::GONE;
        return r;
    }
    rendered_now(holder, &snapshot, Made::dated(HTML, page), fields, head).await
}

/// A body rendered on request, its type, whether the site's date (see
/// `Site::articles_modified`) stands for it, and whether the request's
/// preconditions are evaluated (not for an answer that would not be 2xx
/// without them, RFC 9110 §13.2.1).
struct Made {
    content_type: &'static str,
    identity: Body,
    dated: bool,
    preconditions: bool,
}

impl Made {
    fn dated(content_type: &'static str, identity: Body) -> Made {
        Made {
            content_type,
            identity,
            dated: true,
            preconditions: true,
        }
    }

    /// A body the site's date does not stand for: sent with no
    /// Last-Modified and not to be stored, and the date preconditions are
    /// ignored (RFC 9110 §13.1.3, §13.1.4).
    fn undated(content_type: &'static str, identity: Body) -> Made {
        Made {
            dated: false,
            ..Made::dated(content_type, identity)
        }
    }
}

/// A body rendered per request smaller than this is sent as it is to a
/// client that accepts identity: one that fits in a TCP segment of a
/// 1500-byte MTU gains nothing from a coding.
const COMPRESS_NOW_MIN: usize = 1400;

/// A body rendered per request at least this large is compressed on the
/// blocking pool (about a millisecond of CPU and more), a smaller one where
/// it was rendered.
const COMPRESS_INLINE_MAX: usize = 64 * 1024;

/// A representation rendered on request from `snapshot` (an article page, a
/// month's sitemap) for the client of `holder`, dated as every article page
/// is (an undated one, see [`Made::undated`], neither dated nor stored), its
/// body held by that client until sent (see `unsent`). It is
/// compressed for the request in the coding negotiated (gzip where the
/// client accepts it, as the cheapest: see [`negotiate::choose_made_now`]),
/// at a fast level ([`crate::site::compress_now`]), when it is not small; each coding's tag
/// is derived from the page's, so a conditional request is decided first
/// and a 304 costs no compression.
async fn rendered_now(
    holder: (&State, Client),
    snapshot: &Snapshot,
    made: Made,
    fields: &Fields<'_>,
    head: bool,
) -> Response<Full<Bytes>> {
    let Made {
        content_type,
        identity,
        dated: has_date,
        preconditions,
    } = made;
    // Not the file's mtime, which a file moved in keeps: see `Site::articles_modified`.
    // Sent clamped to the present (RFC 9110 §8.8.2.1), decided on unclamped,
    // as for every resource (see `Resource::last_modified_header`).
    let lm = snapshot.site.articles_modified();
    // A small body goes as it is, unless the client refuses identity
    // (`identity;q=0`, RFC 9110 §12.5.3) and takes a coding.
    let small = identity.bytes.len() < COMPRESS_NOW_MIN;
    let coding = match negotiate::choose_made_now(fields) {
        _ if small && negotiate::identity_acceptable(fields) => Coding::Identity,
        coding => coding,
    };
    let tagged = Body::tagged(Vec::new(), site::coded_etag(&identity.etag, coding));
    let current = Current {
        etag: &tagged.tag,
        quoted: &tagged.etag,
        last_modified: has_date.then_some(lm),
    };
    let decided = match preconditions {
        true => conditional::decide(fields, current),
        false => Ok(Decision::Full),
    };
    let r = match decided {
        Err(PreconditionFailed) => return finish(precondition_failed(), head),
        Ok(Decision::NotModified) => {
            let rep = dated(content_type, lm, &tagged, coding.name());
            build(Decision::NotModified, &rep, &snapshot.cache_control, head)
        }
        Ok(Decision::Full) => {
            let (body, coding) = compressed_now(identity, coding, tagged.etag).await;
            let rep = Representation {
                kept: false,
                ..dated(content_type, lm, &body, coding.name())
            };
            let r = build(Decision::Full, &rep, &snapshot.cache_control, head);
            holding(holder, r, &body.bytes)
        }
    };
    if has_date {
        return r;
    }
    let mut r = uncacheable(r);
    r.headers_mut().remove(header::LAST_MODIFIED);
    r
}

/// `identity` in `coding`, tagged `tag`, and the coding it is in: identity
/// itself (and its own tag) if the coding is identity or could not be
/// computed.
async fn compressed_now(identity: Body, coding: Coding, tag: String) -> (Body, Coding) {
    if coding == Coding::Identity {
        return (identity, coding);
    }
    let fallback = identity.clone();
    let compress = move || match site::compress_now(coding, &identity.bytes) {
        Some(coded) => (Body::tagged(coded, tag), coding),
        None => (identity, Coding::Identity),
    };
    if fallback.bytes.len() < COMPRESS_INLINE_MAX {
        return compress();
    }
    tokio::task::spawn_blocking(compress)
        .await
        .unwrap_or_else(|e| {
            tracing::error!("compressing a body for a request failed: {e}; sent as it is");
            (fallback, Coding::Identity)
        })
}

/// A turn from `turns` for a request of `client` whose response will hold
/// a body made for it, or why it is refused one: asked before it queues, so
/// a client over its budget is answered at once, and again when its turn
/// comes, so what it was sent while it waited counts.
async fn turn_to_hold(turns: &Arc<Turns>, unsent: &Unsent, client: Client) -> Result<Turn, Over> {
    unsent.admit(client)?;
    let turn = turns.take(client).await;
    unsent.admit(client)?;
    Ok(turn)
}

/// `r` with a lease on `body` for the client of `holder` when `r` sends it
/// (not a 304, a 412 or a HEAD): the body is counted as that client's until
/// hyper or the fast path is done with it (see `unsent`).
fn holding(
    (state, client): (&State, Client),
    mut r: Response<Full<Bytes>>,
    body: &Bytes,
) -> Response<Full<Bytes>> {
    use hyper::body::Body as _;
    if r.body().size_hint().exact() == Some(body.len() as u64) {
        if let Some(lease) = state.unsent.hold(client, body) {
            r.extensions_mut().insert(Arc::new(lease));
        }
    }
    r
}

/// How long a client refused for unsent bytes is asked to wait (RFC 9110
/// §10.2.3): its own bodies leave the count as it reads them, and those of
/// clients that read nothing when their connections are closed (for holding
/// more than their share of the total, or by the write timeout).
const RETRY_AFTER_SECS: u32 = 10;

/// The `Retry-After` of the page of an article whose file cannot be read
/// now: someone is to fix it, which takes a while.
const UNREADABLE_RETRY_SECS: u32 = 300;

/// 503 for a request whose body would take its client (or all clients) past
/// the budget of bytes made for requests and not yet sent: quick, small and
/// not stored, so a client that holds streams open without reading gets no
/// more and one that reads is told when to come back. Counted by why.
fn refused(over: Over) -> Response<Full<Bytes>> {
    let text = match over {
        Over::Client => {
            metrics::counter!("bantin_http_unsent_refused_total", "reason" => "per_client")
                .increment(1);
            "busy: responses to this address are still unread; read them, then retry\n"
        }
        Over::Total => {
            metrics::counter!("bantin_http_unsent_refused_total", "reason" => "total").increment(1);
            "busy: too many responses are still unread; retry later\n"
        }
    };
    tracing::debug!(?over, "request refused: unsent bytes over budget");
    let mut r = uncacheable(plain(StatusCode::SERVICE_UNAVAILABLE, text));
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    r
}

/// 404: a small HTML page in the site's style for what a browser asks for; a
/// short text for the paths only programs ask for (feeds, OPML), where a
/// reader shows the status, not the page. Either is kept by caches a short while.
fn not_found(state: &State, path: &str) -> Response<Full<Bytes>> {
    // Extensions in any case: `/FEED.RSS` is a reader's too. A subscribe
    // page is HTML whatever the feed it names ends with.
    let machine = !path.starts_with("/subscribe/")
        && path.rsplit_once('.').is_some_and(|(_, ext)| {
            ["rss", "atom", "json", "opml", "xml", "txt"]
                .iter()
                .any(|known| ext.eq_ignore_ascii_case(known))
        });
    let snapshot = state.snapshot.load();
    let mut r = match snapshot.as_ref() {
        Some(s) if !machine => {
            let bytes = crate::render::html::errors::not_found_page(&s.config.site);
            let mut r = Response::new(Full::new(Bytes::from(bytes)));
            *r.status_mut() = StatusCode::NOT_FOUND;
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            r
        }
        _ => plain(StatusCode::NOT_FOUND, "not found\n"),
    };
    r.headers_mut()
        .insert(header::CACHE_CONTROL, not_found_cache_control(state));
    r
}

/// The `Cache-Control` of a 404: [`crate::publish::NOT_FOUND_MAX_AGE`], or
/// `[http] cache_max_age` when that is shorter.
fn not_found_cache_control(state: &State) -> HeaderValue {
    match state.snapshot.load().as_ref() {
        Some(s) => s.not_found_cache_control.clone(),
        None => HeaderValue::from_str(&format!("max-age={}", crate::publish::NOT_FOUND_MAX_AGE))
            .expect("a number after ASCII text is a valid header value"),
    }
}

/// What an article page was rendered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageFrom {
    /// The article as indexed: what the site's shared date
    /// ([`crate::site::Site::articles_modified`]) stands for.
    Indexed,
    /// The file's text now, changed since it was indexed (the watcher has
    /// yet to catch up, or it changed through another name of the same
    /// file): served, but neither dated nor stored.
    Newer,
    /// Its lead alone, the full article's render having panicked (a bug,
    /// logged): served, but neither dated nor stored.
    Lead,
    /// Not the article: its file cannot be read as an article now (saved
    /// broken since it was indexed, with no copy of its text in memory, as
    /// there is for the articles of the live feeds), so a page saying it
    /// is back soon, answered 503.
    Unreadable,
}

/// The page of an article that is not withdrawn, with its full text, and
/// what it was made from; `None` if no page could be rendered (a bug,
/// logged). A file that no longer has the bytes it was indexed from gives
/// the page of its text now, or, if that is no article with this id, a
/// page saying it cannot be read now. Read, rendered and hashed on
/// the blocking pool: a page of a 4 MB article costs milliseconds, which on
/// an async thread every other connection it serves would wait out.
///
/// `turn` goes with the work and is given back when it ends, whether or not
/// the request is still there to take the page (see [`Turn`]).
async fn article_page(
    snapshot: &Arc<Snapshot>,
    entry: &Entry,
    turn: Turn,
) -> Option<(Body, PageFrom)> {
    let (snapshot, entry) = (snapshot.clone(), entry.clone());
    tokio::task::spawn_blocking(move || {
        let page = article_page_now(&snapshot, &entry).map(|(page, made)| (Body::new(page), made));
        drop(turn);
        page
    })
    .await
    .ok()
    .flatten()
}

/// [`article_page`]'s work, on the thread that calls it.
fn article_page_now(snapshot: &Snapshot, entry: &Entry) -> Option<(Vec<u8>, PageFrom)> {
    use crate::catalog::ReadBack;
    let (cap, tz) = (snapshot.config.max_file_size, snapshot.config.tz);
    let read = match snapshot.site.body(&entry.article.id, &entry.article) {
        Some(full) => ReadBack::Indexed(full),
        None => crate::catalog::read_back(entry, cap, tz),
    };
    let (full, made) = match read {
        ReadBack::Indexed(full) => (full, PageFrom::Indexed),
        // A withdrawal not indexed yet is no text to show.
        ReadBack::Changed(now) if now.withdrawn.is_none() => (now, PageFrom::Newer),
        ReadBack::Changed(_) | ReadBack::Unreadable => {
            let site = &snapshot.config.site;
            let index = &snapshot.site.index;
            let page = render::html::errors::unavailable_page(site, index, &entry.article);
            return Some((page, PageFrom::Unreadable));
        }
    };
    let render = |a: &Arc<crate::article::Article>| {
        pages::article_page(&snapshot.config, &snapshot.site.index, a)
    };
    // A render panic (a bug) would end the connection with no response: it is
    // logged naming the article, and the page is rendered from what the index
    // has; if that panics too (the bug is in what both share), the caller
    // answers 500.
    let file = || {
        entry.source.as_ref().map_or_else(
            || format!("article {}", crate::text::printable(&entry.article.id)),
            |s| crate::text::printable_path(&s.path),
        )
    };
    let full_page = || {
        format!(
            "rendering the page of {} in full (its lead is served instead)",
            file()
        )
    };
    let lead_page = || {
        format!(
            "rendering the page of {} from its lead (answered 500)",
            file()
        )
    };
    crate::panics::guarded(full_page, || render(&full))
        .map(|page| (page, made))
        .or_else(|| {
            crate::panics::guarded(lead_page, || render(&entry.article))
                .map(|page| (page, PageFrom::Lead))
        })
}

/// Reads an archive's articles: from memory when a live feed holds them,
/// else from the store, only if the file still has the indexed bytes.
fn archive_hydrate(snapshot: Arc<Snapshot>) -> archive::Hydrate {
    Box::new(move |e: &Entry| {
        snapshot.site.body(&e.article.id, &e.article).or_else(|| {
            let (cap, tz) = (snapshot.config.max_file_size, snapshot.config.tz);
            crate::catalog::hydrate_same(e, cap, tz)
        })
    })
}

/// A representation rendered on demand (an archive, a page, a tag's or
/// author's feed: see [`pages::prepare`]). Its tags are derived from
/// its inputs, so a conditional request that matches is answered 304 with no
/// render and no disk read; else it comes from the cache, or is rendered off
/// the async threads (taking one of a few turns, shared fairly between
/// clients: see `turns`) and cached. Neither a 304 nor a cache hit waits for a turn.
///
/// Last-Modified is the site's last update ([`crate::site::Site::articles_modified`])
/// when it is rendered: every change to its inputs is an update, so it is
/// never earlier than the bytes (never a wrong 304). While it stays in the
/// cache with its inputs unchanged it keeps that date, so a client that
/// revalidates by date alone gets its 304 after other parts of the site
/// changed; one rendered anew (evicted, or after a restart) is dated by the
/// site's last update again, later than its bytes at worst.
async fn on_demand(
    state: &State,
    client: Client,
    snapshot: Arc<Snapshot>,
    prepared: Prepared,
    fields: &Fields<'_>,
    head: bool,
) -> Response<Full<Bytes>> {
    let coding = negotiate::choose(fields);
    let kept = state.on_demand.get(&prepared.path, &prepared.tags);
    let lm = kept
        .as_ref()
        .map_or_else(|| snapshot.site.articles_modified(), |r| r.last_modified);
    let freshness = prepared.freshness;
    let cache_control = match freshness {
        Freshness::Archive => snapshot.archive_cache_control.clone(),
        Freshness::Live => snapshot.cache_control.clone(),
    };
    // Every feed rendered on demand names the hubs, and is pinged when a
    // change alters it: an archive when one of its articles, its neighbours
    // or its feed's title changes (`websub::changed_archives`), a tag's or
    // author's feed when one of its newest items does (`websub::changed_term_feeds`),
    // the feed of changes when its items do (`websub::changed_changes_feed`).
    let hub_link = |r: &mut Response<Full<Bytes>>, path: &str, content_type: &str| {
        websub_link(r, &snapshot, path, content_type);
    };
    let tag = Body::tagged(Vec::new(), prepared.tags.etag(coding));
    let current = Current {
        etag: &tag.tag,
        quoted: &tag.etag,
        last_modified: Some(lm),
    };
    let Ok(decision) = conditional::decide(fields, current) else {
        return finish(precondition_failed(), head);
    };
    if decision == Decision::NotModified {
        let rep = dated(prepared.content_type, lm, &tag, coding.name());
        let mut r = respond(fields, &rep, &cache_control, head);
        hub_link(&mut r, &prepared.path, prepared.content_type);
        return r;
    }
    // A cache hit is held too: the cache may let it go while it is unsent.
    if let Err(over) = state.unsent.admit(client) {
        return finish(refused(over), head);
    }
    let path = prepared.path.clone();
    let (resource, keep) = match kept {
        Some(hit) => {
            metrics::counter!("bantin_archive_cache_hits_total").increment(1);
            (hit, Keep::Yes)
        }
        None => {
            metrics::counter!("bantin_archive_cache_misses_total").increment(1);
            match render_on_demand(state, client, &snapshot, prepared, lm, coding).await {
                Ok(r) => r,
                Err(NotRendered::Refused(over)) => return finish(refused(over), head),
                Err(NotRendered::Failed) => {
                    let r = plain(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "cannot render this resource now; try again later
",
                    );
                    return finish(uncacheable(r), head);
                }
            }
        }
    };
    resource.encode_off_thread(coding).await;
    let (body, name) = match resource.encoded(coding) {
        Some(body) => (body, coding.name()),
        None => (&resource.identity, None),
    };
    // Dated as the cache will date it from now on (one rendered while this
    // waited its turn may be dated earlier, with the same bytes).
    let rep = dated(resource.content_type, resource.last_modified, body, name);
    let mut r = respond(fields, &rep, &cache_control, head);
    hub_link(&mut r, &path, resource.content_type);
    if keep == Keep::No {
        // Not what its inputs stand for (an article could not be read back
        // as indexed): for now, kept by no cache, and not dated by the site,
        // whose date stands for the document as indexed.
        r = uncacheable(r);
        r.headers_mut().remove(header::LAST_MODIFIED);
    }
    holding((state, client), r, &body.bytes)
}

/// Why a representation on demand was not rendered.
enum NotRendered {
    /// Its render failed (logged).
    Failed,
    /// Its client, or all clients, hold their budget of unsent bytes.
    Refused(Over),
}

/// Renders `prepared` on a blocking thread (in `coding` too), in one of
/// `client`'s turns, and caches it if its bytes are what its tags stand for;
/// or why not.
async fn render_on_demand(
    state: &State,
    client: Client,
    snapshot: &Snapshot,
    prepared: Prepared,
    lm: SystemTime,
    coding: Coding,
) -> Result<(Arc<Resource>, Keep), NotRendered> {
    let turn = turn_to_hold(&state.archives, &state.unsent, client)
        .await
        .map_err(NotRendered::Refused)?;
    let (path, tags) = (prepared.path.clone(), prepared.tags.clone());
    // Another request for it may have rendered it while this one waited its turn.
    if let Some(hit) = state.on_demand.get(&path, &tags) {
        return Ok((hit, Keep::Yes));
    }
    let started = std::time::Instant::now();
    // The turn goes with the render and comes back when it ends, whether or
    // not this request is still there (see `Turn`).
    let rendered = tokio::task::spawn_blocking(move || {
        let rendered = prepared.resource(lm).map(|(r, keep)| {
            r.encode(coding);
            (Arc::new(r), keep)
        });
        drop(turn);
        rendered
    })
    .await;
    metrics::histogram!("bantin_archive_render_seconds").record(started.elapsed().as_secs_f64());
    match rendered {
        Ok(Ok((resource, keep))) => {
            if keep == Keep::Yes {
                let budget = snapshot.config.archives.cache_bytes;
                state.on_demand.put(path, tags, resource.clone(), budget);
            } else {
                state.on_demand.forget(&path);
            }
            Ok((resource, keep))
        }
        Ok(Err(e)) => {
            tracing::error!("{e}");
            Err(NotRendered::Failed)
        }
        Err(e) => {
            tracing::error!(path, "rendering failed: {e}");
            Err(NotRendered::Failed)
        }
    }
}

/// A representation dated `lm` (sent clamped to the present, RFC 9110 §8.8.2.1).
fn dated<'a>(
    content_type: &'static str,
    lm: SystemTime,
    body: &'a Body,
    coding: Option<&'static str>,
) -> Representation<'a> {
    let sent = clock::not_after_now(lm);
    Representation {
        content_type,
        last_modified: lm,
        last_modified_value: HeaderValue::from_str(&http_date(sent))
            .expect("an HTTP-date is ASCII letters, digits, spaces, commas and colons"),
        body,
        coding,
        kept: true,
    }
}

/// One representation to answer with: the body in its coding and its validators.
struct Representation<'a> {
    content_type: &'static str,
    /// What the 304 decision compares with (may be a second or two ahead).
    last_modified: SystemTime,
    /// What is sent: never later than the present.
    last_modified_value: HeaderValue,
    body: &'a Body,
    coding: Option<&'static str>,
    /// Whether the body outlives this response (a snapshot's or the cache's):
    /// only those get a sealed copy for `sendfile`, made once.
    kept: bool,
}

/// The response with `rep`, conditional on the request's `fields`.
fn respond(
    fields: &Fields<'_>,
    rep: &Representation<'_>,
    cache_control: &HeaderValue,
    head: bool,
) -> Response<Full<Bytes>> {
    let current = Current {
        etag: &rep.body.tag,
        quoted: &rep.body.etag,
        last_modified: Some(rep.last_modified),
    };
    match conditional::decide(fields, current) {
        Ok(decision) => build(decision, rep, cache_control, head),
        Err(PreconditionFailed) => finish(precondition_failed(), head),
    }
}

/// The 200 `make` gives, made afresh per request and so with no validators,
/// or what the request's preconditions ask instead (see
/// [`conditional::decide_untagged`]).
fn untagged(
    fields: &Fields<'_>,
    head: bool,
    make: impl FnOnce() -> Response<Full<Bytes>>,
) -> Response<Full<Bytes>> {
    match conditional::decide_untagged(fields) {
        Ok(Decision::Full) => finish(make(), head),
        Ok(Decision::NotModified) => {
            let mut r = uncacheable(Response::new(Full::new(Bytes::new())));
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        }
        Err(PreconditionFailed) => finish(precondition_failed(), head),
    }
}

/// 412 Precondition Failed (RFC 9110 §15.5.13): the client's `If-Match` or
/// `If-Unmodified-Since` names another version than the one served. Not
/// stored: the next request's preconditions are its own.
fn precondition_failed() -> Response<Full<Bytes>> {
    uncacheable(plain(
        StatusCode::PRECONDITION_FAILED,
        "precondition failed: the resource has changed\n",
    ))
}

/// The response with `rep` once the 304 decision is made.
fn build(
    decision: Decision,
    rep: &Representation<'_>,
    cache_control: &HeaderValue,
    head: bool,
) -> Response<Full<Bytes>> {
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
        Decision::Full => {
            let mut r = Response::new(Full::new(rep.body.bytes.clone()));
            // The HTTP/1 fast path sends a large body from its sealed copy
            // with `sendfile`; hyper ignores the extension.
            if rep.kept && rep.body.bytes.len() >= SENDFILE_MIN {
                r.extensions_mut().insert(rep.body.sealed.clone());
            }
            r
        }
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

/// WebSub §4: a feed response (200 or 304) names its hubs and itself in a
/// `Link` header when hubs are configured; any resource served as a feed
/// format gets it, whatever its route.
fn websub_link(r: &mut Response<Full<Bytes>>, snapshot: &Snapshot, path: &str, content_type: &str) {
    if let Some(link) = snapshot.links.header(path, content_type) {
        r.headers_mut().insert(header::LINK, link);
    }
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

    #[test]
    fn every_archive_is_counted_as_one() {
        for path in [
            "/archive/2024-03.atom",
            "/archive/kinh-te/2024-03.rss",
            "/tags/giao-thong/2024-03.json",
            "/authors/tran-ngoc/2024-03.atom",
        ] {
            assert_eq!(on_demand_label(path), RouteLabel::Archive, "{path}");
        }
        assert_eq!(
            on_demand_label("/tags/giao-thong.atom"),
            RouteLabel::TermFeed
        );
        assert_eq!(on_demand_label("/changes.json"), RouteLabel::Changes);
        for page in [
            "/archive/2024-03",
            "/archive/kinh-te/2024-03",
            "/tags/giao-thong/2024-03",
            "/authors/tran-ngoc/2024-03",
        ] {
            assert_eq!(on_demand_label(page), RouteLabel::Page, "{page}");
        }
        assert_eq!(
            on_demand_label("/subscribe/feed.atom"),
            RouteLabel::Subscribe
        );
        for list in ["/subscribe/tags.opml", "/subscribe/authors.opml"] {
            assert_eq!(on_demand_label(list), RouteLabel::Subscribe);
        }
    }

    #[test]
    fn every_opml_list_is_counted_as_opml() {
        // `/tags.opml` and `/authors.opml` are rendered on demand,
        // `/feeds.opml` kept with the snapshot.
        assert_eq!(on_demand_label(render::TAGS_OPML), RouteLabel::Opml);
        assert_eq!(on_demand_label(render::AUTHORS_OPML), RouteLabel::Opml);
        for path in [render::FEEDS_OPML, render::TAGS_OPML, render::AUTHORS_OPML] {
            let resource = Arc::new(Resource::new(
                "text/x-opml",
                SystemTime::UNIX_EPOCH,
                b"<opml/>".to_vec(),
            ));
            let snapshot = Arc::new(Snapshot::new(
                Site::default(),
                Arc::new(Config::from_toml("", None).unwrap()),
                0,
            ));
            let route = Route::Resource(snapshot, resource);
            assert_eq!(route.label(path), RouteLabel::Opml, "{path}");
        }
    }

    #[test]
    fn an_address_cut_short_names_the_list_it_was_under_and_a_feed_stays_one() {
        let t = |p: &str| trimmed(p, |_| true).map(|(to, sure)| (to, sure == Sure::Guessed));
        let guess = |to: &str| Some((to.to_owned(), true));
        assert_eq!(t("/categories"), guess("/#muc"));
        assert_eq!(t("/archive"), guess("/#luu-tru"));
        assert_eq!(t("/feeds"), guess("/"));
        assert_eq!(t("/archive/kinh-te"), guess("/categories/kinh-te#luu-tru"));
        // A page with no articles has no list of months to name.
        let only_kinh_te = |slug: Option<&str>| slug == Some("kinh-te");
        for (sent, to) in [
            ("/archive", "/"),
            ("/archive/the-thao", "/categories/the-thao"),
            ("/archive/kinh-te", "/categories/kinh-te#luu-tru"),
            // Typed with capitals: read in lowercase, its months looked up so.
            ("/Archive/Kinh-Te", "/categories/kinh-te#luu-tru"),
        ] {
            let got = trimmed(sent, only_kinh_te).map(|(to, _)| to);
            assert_eq!(got.as_deref(), Some(to), "{sent}");
        }
        assert_eq!(t("/CATEGORIES"), guess("/#muc"));
        assert_eq!(
            t("/Feeds/Kinh-Te/Du-Lich"),
            guess("/categories/kinh-te/du-lich")
        );
        assert_eq!(t("/Feeds/Kinh-Te.RSS"), None);
        // A percent-encoded segment is not a slug: left as it is.
        assert_eq!(t("/feeds/Kh%C3%B4ng"), guess("/categories/Kh%C3%B4ng"));
        assert_eq!(
            t("/feeds/kinh-te/du-lich"),
            guess("/categories/kinh-te/du-lich")
        );
        for feed in ["/feeds/kinh-te.rss", "/feeds/kinh-te.ATOM", "/feeds/a.json"] {
            assert_eq!(t(feed), None, "{feed}");
        }
        assert_eq!(t("/"), None);
        assert_eq!(t("/tags"), None);
        assert_eq!(
            without_fragment("/categories/kinh-te#luu-tru"),
            "/categories/kinh-te"
        );
        assert_eq!(without_fragment("/"), "/");
    }

    #[test]
    fn canonical_spellings_of_a_path() {
        let c = |p: &str| canonical(p);
        assert_eq!(c("/"), None);
        assert_eq!(c("/feed.atom"), None);
        assert_eq!(
            c("/categories/kinh-te/").as_deref(),
            Some("/categories/kinh-te")
        );
        assert_eq!(c("//feed.atom").as_deref(), Some("/feed.atom"));
        assert_eq!(
            c("/feeds/./kinh-te.atom").as_deref(),
            Some("/feeds/kinh-te.atom")
        );
        assert_eq!(
            c("/feeds/x/../kinh-te.atom").as_deref(),
            Some("/feeds/kinh-te.atom")
        );
        assert_eq!(c("/../feed.atom").as_deref(), Some("/feed.atom"));
        assert_eq!(c("/feed%2Eatom").as_deref(), Some("/feed.atom"));
        assert_eq!(
            c("/feeds/kinh%2dte.atom").as_deref(),
            Some("/feeds/kinh-te.atom")
        );
        // Percent-encoded UTF-8, decomposed (NFD) → composed (NFC), as links spell it.
        let nfc = crate::render::encode_path("/articles/tin/tiếng-việt");
        assert_eq!(
            c("/articles/tin/tie%CC%82%CC%81ng-vie%CC%A3%CC%82t"),
            Some(nfc.clone())
        );
        assert_eq!(c(&nfc), None);
        // What must stay escaped stays escaped; escapes that are not UTF-8 are no path.
        assert_eq!(c("/articles/a%20b"), None);
        assert_eq!(c("/articles/a%3Fb/"), Some("/articles/a%3Fb".into()));
        assert_eq!(c("/articles/%FF"), None);
        // Hex digits in lowercase are normalised to uppercase (RFC 3986 §6.2.2.1).
        assert_eq!(c("/articles/t%c3%a1"), Some("/articles/t%C3%A1".into()));
    }

    #[test]
    fn a_category_typed_with_capitals_is_respelled_in_lowercase() {
        let state = State::default();
        let r = |p: &str| respelled(&state, p).map(|(p, _)| p).collect::<Vec<_>>();
        assert_eq!(r("/categories/Kinh-Te"), ["/categories/kinh-te"]);
        assert_eq!(
            r("/categories/Kinh-Te/"),
            ["/categories/Kinh-Te", "/categories/kinh-te"]
        );
        assert!(r("/categories/kinh-te").is_empty());
        assert!(r("/articles/Tin").is_empty());
        // Tag and author pages too, but not their feeds or months.
        assert_eq!(r("/tags/Hop-Bao"), ["/tags/hop-bao"]);
        assert_eq!(r("/authors/Hoang-Lan-Anh"), ["/authors/hoang-lan-anh"]);
        assert!(r("/tags/hop-bao").is_empty());
        assert!(r("/tags/Hop-Bao.atom").is_empty());
        assert!(r("/authors/Tran/2024-03").is_empty());
        assert!(r("/Tags/hop-bao").is_empty());
    }

    #[test]
    fn a_page_typed_with_its_name_s_own_letters_is_respelled_as_its_slug() {
        use crate::index::{Entries, Index};
        let at = chrono::DateTime::parse_from_rfc3339("2024-03-01T08:00:00+07:00").unwrap();
        let filed = |id: &str, crumb: &[&str], day: i64, tags: &[&str], author: &str| {
            let mut a =
                crate::article::Article::sample(id, crumb, id, at + chrono::Duration::days(day));
            a.tags = tags.iter().map(|t| (*t).to_owned()).collect();
            a.author = Some(author.to_owned());
            (id.to_owned(), Entry::full(Arc::new(a), None))
        };
        let article = |id: &str, day: i64, tags: &[&str], author: &str| {
            filed(id, &["Kinh tế", "Đầu tư"], day, tags, author)
        };
        // `Bão` (storm) first: it holds the slug `bao`, `Báo` (newspaper) `bao-2`.
        let index = Index::new(Entries::from_iter([
            article("a", 0, &["Bão", "Họp báo"], "Hoàng Lan Anh"),
            article("b", 1, &["Báo"], "Lê Văn Ấn"),
            article("c", 2, &["Covid-19 ở Hà Nội"], "Lê Văn An"),
            article("d", 3, &[], "Le Van An"),
            filed("e", &["Văn hóa - Xã hội", "Y tế"], 4, &[], "X"),
            filed("f", &["Bão"], 5, &[], "X"),
            filed("g", &["Báo"], 6, &[], "X"),
        ]));
        assert_eq!(
            index.taxonomy(crate::taxonomy::Kind::Tag).slug_of("Báo"),
            Some("bao-2")
        );
        let mut site = Site::default();
        site.index = Arc::new(index);
        let config = Arc::new(Config::from_toml("", None).unwrap());
        let state = State::default();
        state
            .snapshot
            .store(Some(Arc::new(Snapshot::new(site, config, 0))));
        let r = |p: &str| respelled(&state, p).map(|(p, _)| p).collect::<Vec<_>>();
        // As a browser sends `/tags/họp-báo`.
        assert_eq!(r("/tags/h%E1%BB%8Dp-b%C3%A1o"), ["/tags/hop-bao"]);
        assert_eq!(
            r("/authors/Ho%C3%A0ng%20Lan%20Anh"),
            ["/authors/hoang-lan-anh"]
        );
        assert_eq!(
            r("/categories/kinh-t%E1%BA%BF/%C4%91%E1%BA%A7u-t%C6%B0"),
            ["/categories/kinh-te/dau-tu"]
        );
        // A name is its own term's, whatever slug that holds, and never
        // another's that folds alike.
        assert_eq!(r("/tags/b%C3%A1o"), ["/tags/bao-2"]);
        assert_eq!(r("/tags/b%C3%A3o"), ["/tags/bao"]);
        assert!(r("/tags/b%E1%BA%A1o").is_empty(), "no tag Bạo");
        let an = index_slug(&state, crate::taxonomy::Kind::Author, "Lê Văn An");
        let an_acute = index_slug(&state, crate::taxonomy::Kind::Author, "Lê Văn Ấn");
        assert_ne!(an, an_acute);
        assert_eq!(
            r("/authors/L%C3%AA-V%C4%83n-%E1%BA%A4n"),
            [format!("/authors/{an_acute}")]
        );
        // Names with dashes, typed with dashes for spaces.
        assert_eq!(
            r("/categories/v%C4%83n-h%C3%B3a-x%C3%A3-h%E1%BB%99i/y-t%E1%BA%BF"),
            ["/categories/van-hoa-xa-hoi/y-te"]
        );
        assert_eq!(
            r("/tags/covid-19-%E1%BB%9F-h%C3%A0-n%E1%BB%99i"),
            ["/tags/covid-19-o-ha-noi"]
        );
        // A category's name leads to it whatever its slug, as a tag's does.
        assert_eq!(r("/categories/b%C3%A3o"), ["/categories/bao"]);
        assert_eq!(r("/categories/b%C3%A1o"), ["/categories/bao-2"]);
        // A name in capitals is its own term's before it is a slug in capitals.
        let plain = index_slug(&state, crate::taxonomy::Kind::Author, "Le Van An");
        assert_ne!(plain, "le-van-an");
        assert_eq!(
            r("/authors/Le-Van-An"),
            [format!("/authors/{plain}"), "/authors/le-van-an".to_owned()]
        );
        // A category whose names are not the ones typed is not one.
        assert!(r("/categories/kinh-t%E1%BA%BF/%C4%91%E1%BA%A5u-t%C6%B0").is_empty());
        // A slug with a number on the end is its own.
        assert!(r("/tags/bao-so-3-2").is_empty());
        // Not a feed's or a month's path.
        assert!(r("/tags/h%E1%BB%8Dp-b%C3%A1o.atom").is_empty());
        assert!(r("/tags/h%E1%BB%8Dp-b%C3%A1o/2024-03").is_empty());
    }

    /// A state serving tags, authors and categories whose names have
    /// punctuation: `TP. Hồ Chí Minh`, `Nguyễn T. Hà`, and `TP. HCM` before
    /// `TP HCM` (as tags and as categories).
    fn punctuated() -> State {
        use crate::index::{Entries, Index};
        use crate::taxonomy::Kind;
        let at = chrono::DateTime::parse_from_rfc3339("2024-03-01T08:00:00+07:00").unwrap();
        let filed = |id: &str, crumb: &[&str], day: i64, tags: &[&str], author: &str| {
            let mut a =
                crate::article::Article::sample(id, crumb, id, at + chrono::Duration::days(day));
            a.tags = tags.iter().map(|t| (*t).to_owned()).collect();
            a.author = Some(author.to_owned());
            (id.to_owned(), Entry::full(Arc::new(a), None))
        };
        // `TP. HCM` first: it holds `tp-hcm`, `TP HCM` `tp-hcm-2`.
        let index = Index::new(Entries::from_iter([
            filed(
                "a",
                &["Trang nhất", "TP. Hồ Chí Minh"],
                0,
                &["TP. Hồ Chí Minh", "TP. HCM", "Trang 7", "(?)"],
                "Nguyễn T. Hà",
            ),
            filed(
                "b",
                &["TP. HCM"],
                1,
                &["TP HCM", "Du lịch & Ẩm thực (2024)"],
                "X",
            ),
            filed("c", &["TP HCM"], 2, &["C#"], "X"),
        ]));
        let tags = index.taxonomy(Kind::Tag);
        assert_eq!(tags.slug_of("TP. HCM"), Some("tp-hcm"));
        assert_eq!(tags.slug_of("TP HCM"), Some("tp-hcm-2"));
        assert_eq!(tags.slug_of("(?)"), Some("muc"));
        assert!(index.categories().contains_key("tp-hcm-2"));
        let mut site = Site::default();
        site.index = Arc::new(index);
        let config = Arc::new(Config::from_toml("", None).unwrap());
        let state = State::default();
        state
            .snapshot
            .store(Some(Arc::new(Snapshot::new(site, config, 0))));
        state
    }

    #[test]
    fn a_name_with_punctuation_is_reached_typed_with_it_or_without() {
        let state = punctuated();
        let r = |p: &str| respelled(&state, p).map(|(p, _)| p).collect::<Vec<_>>();
        // A dotted name typed as written (`/tags/TP. Hồ Chí Minh`), with
        // dashes for spaces, or with dashes and no dot.
        for typed in [
            "TP.%20H%E1%BB%93%20Ch%C3%AD%20Minh",
            "tp.-h%E1%BB%93-ch%C3%AD-minh",
            "tp-h%E1%BB%93-ch%C3%AD-minh",
            "TP%20H%E1%BB%93%20Ch%C3%AD%20Minh",
        ] {
            assert_eq!(
                r(&format!("/tags/{typed}")),
                ["/tags/tp-ho-chi-minh"],
                "{typed}"
            );
            assert_eq!(
                r(&format!("/categories/trang-nh%E1%BA%A5t/{typed}")),
                ["/categories/trang-nhat/tp-ho-chi-minh"],
                "{typed}"
            );
        }
        // `/authors/Nguyễn T. Hà`, `/authors/nguyễn-t-hà`.
        assert_eq!(
            r("/authors/Nguy%E1%BB%85n%20T.%20H%C3%A0"),
            ["/authors/nguyen-t-ha"]
        );
        assert_eq!(
            r("/authors/nguy%E1%BB%85n-t-h%C3%A0"),
            ["/authors/nguyen-t-ha"]
        );
        // Other punctuation: `/tags/du-lịch-ẩm-thực-2024`.
        assert_eq!(
            r("/tags/du-l%E1%BB%8Bch-%E1%BA%A9m-th%E1%BB%B1c-2024"),
            ["/tags/du-lich-am-thuc-2024"]
        );
        // A name typed as written is its own term's, before one that is it
        // but for punctuation; typed with punctuation neither has, the first.
        assert_eq!(r("/tags/TP%20HCM"), ["/tags/tp-hcm-2"]);
        assert_eq!(r("/tags/TP.%20HCM"), ["/tags/tp-hcm"]);
        assert_eq!(r("/tags/tp.hcm"), ["/tags/tp-hcm"]);
        assert_eq!(r("/tags/tp,hcm"), ["/tags/tp-hcm"]);
        assert_eq!(r("/categories/TP%20HCM"), ["/categories/tp-hcm-2"]);
        assert_eq!(r("/categories/TP.%20HCM"), ["/categories/tp-hcm"]);
        assert_eq!(r("/categories/tp.hcm"), ["/categories/tp-hcm"]);
        // Only a name typed without its punctuation is a guess, which a
        // cache keeps no longer than a 404: a term of that name may come.
        let sure = |p: &str| respelled(&state, p).map(|(_, s)| s).collect::<Vec<_>>();
        for (typed, expected) in [
            ("/tags/TP%20HCM", Sure::Yes),
            ("/tags/TP.%20HCM", Sure::Yes),
            ("/tags/TP.%20H%E1%BB%93%20Ch%C3%AD%20Minh", Sure::Yes),
            ("/tags/tp.hcm", Sure::Guessed),
            ("/tags/tp-h%E1%BB%93-ch%C3%AD-minh", Sure::Guessed),
            ("/categories/TP.%20HCM", Sure::Yes),
            (
                "/categories/trang-nh%E1%BA%A5t/TP.%20H%E1%BB%93%20Ch%C3%AD%20Minh",
                Sure::Yes,
            ),
            (
                "/categories/trang-nh%E1%BA%A5t/tp-h%E1%BB%93-ch%C3%AD-minh",
                Sure::Guessed,
            ),
            (
                "/categories/Trang%20nh%E1%BA%A5t/tp.-h%E1%BB%93-ch%C3%AD-minh",
                Sure::Yes,
            ),
        ] {
            assert_eq!(sure(typed), [expected], "{typed}");
        }
        // Symbols are no punctuation: `C++` and `C` are not `C#`.
        assert_eq!(r("/tags/C%23"), ["/tags/c"]);
        for typed in ["/tags/C%2B%2B", "/tags/c%2B", "/tags/C%2B"] {
            let to = r(typed);
            assert!(!to.iter().any(|p| p == "/tags/c"), "{typed}: {to:?}");
        }
        // Other letters are another name.
        assert!(r("/tags/tp-h%E1%BB%93-ch%C3%AD-m%C3%ACnh").is_empty());
        assert!(r("/authors/nguy%E1%BB%85n-t-h%E1%BA%A3").is_empty());
        // Punctuation alone names nothing, though `(?)` has no letters either.
        assert!(r("/tags/!").is_empty());
        // Not a feed's path, in any case, nor a month's, nor two segments,
        // nor a later list page's (there may be seven pages of tags one day).
        for path in [
            "/tags/tp-h%E1%BB%93-ch%C3%AD-minh.rss",
            "/tags/TP.%20HCM.atom",
            "/tags/tp.hcm.json",
            "/tags/TP-HCM.RSS",
            "/authors/Nguy%E1%BB%85n%20T.%20H%C3%A0.Atom",
            "/tags/tp.hcm/2024-03",
            "/authors/Nguy%E1%BB%85n%20T./H%C3%A0",
            "/tags/trang_7",
        ] {
            assert!(r(path).is_empty(), "{path}: {:?}", r(path));
        }
        // In capitals, it is that list page's path in lowercase, not the tag
        // `Trang 7`.
        assert_eq!(r("/tags/Trang_7"), ["/tags/trang_7"]);
        assert_eq!(r("/tags/TRANG_7"), ["/tags/trang_7"]);
        // Wherever it leads, a site path.
        for typed in [
            "TP.%20HCM",
            "tp.hcm",
            "%2F%2Fexample.com",
            "..%2F..%2Ftp.hcm",
        ] {
            for to in r(&format!("/tags/{typed}")) {
                assert!(to.starts_with('/') && !to.starts_with("//"), "{to}");
            }
        }
    }

    /// The slug of the term `name` of `kind` in the index `state` serves.
    fn index_slug(state: &State, kind: crate::taxonomy::Kind, name: &str) -> String {
        let snapshot = state.snapshot.load_full().unwrap();
        let slug = snapshot.site.index.taxonomy(kind).slug_of(name);
        slug.unwrap().to_owned()
    }
    use crate::config::Config;
    use crate::site::Site;
    use http_body_util::BodyExt;
    use std::sync::Arc;

    /// A state serving `bytes` of `content_type` at `path` (no coding
    /// computed yet), and that resource.
    fn serving_one(
        path: &str,
        content_type: &'static str,
        bytes: Vec<u8>,
    ) -> (State, Arc<Resource>) {
        let resource = Arc::new(Resource::new(content_type, SystemTime::UNIX_EPOCH, bytes));
        let mut site = Site::default();
        site.resources.insert(path.to_owned(), resource.clone());
        let config = Arc::new(Config::from_toml("", None).unwrap());
        let state = State::default();
        state
            .snapshot
            .store(Some(Arc::new(Snapshot::new(site, config, 0))));
        (state, resource)
    }

    /// A GET of `path` from 127.0.0.1 with `fields`.
    fn get(path: &str, fields: &[(header::HeaderName, &str)]) -> Request<()> {
        let mut b = Request::get(path).header(header::HOST, "127.0.0.1");
        for (name, value) in fields {
            b = b.header(name, *value);
        }
        b.body(()).unwrap()
    }

    #[tokio::test]
    async fn a_coding_no_smaller_than_identity_is_not_sent() {
        let (state, resource) = serving_one(
            "/robots.txt",
            "text/plain; charset=utf-8",
            b"User-agent: *\nAllow: /\n".to_vec(),
        );
        for coding in ["gzip", "br"] {
            let req = get("/robots.txt", &[(header::ACCEPT_ENCODING, coding)]);
            let r = handle(&state, Client::local(), &req).await;
            assert_eq!(r.status(), StatusCode::OK);
            assert!(
                r.headers().get(header::CONTENT_ENCODING).is_none(),
                "{coding}"
            );
            assert_eq!(r.headers()[header::ETAG], resource.identity.etag_value);
            assert_eq!(r.headers()[header::VARY], "Accept-Encoding");
        }
        // Computed, and larger: that is why identity went out.
        let gz = resource.encoded(Coding::Gzip).unwrap();
        assert!(gz.bytes.len() >= resource.identity.bytes.len());
        // Unless the client refuses identity: then the larger gzip it takes.
        let req = get(
            "/robots.txt",
            &[(header::ACCEPT_ENCODING, "gzip, identity;q=0")],
        );
        let r = handle(&state, Client::local(), &req).await;
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(r.headers()[header::ETAG], gz.etag_value);
    }

    #[tokio::test]
    async fn an_encoding_not_computed_yet_is_computed_for_the_request() {
        let text = "<rss>Tin tức tổng hợp</rss>".repeat(100).into_bytes();
        let (state, resource) = serving_one("/feed.rss", "application/rss+xml", text);
        assert!(resource.encoded(Coding::Gzip).is_none());

        let req = get("/feed.rss", &[(header::ACCEPT_ENCODING, "gzip")]);
        let r = handle(&state, Client::local(), &req).await;
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
        let tag = gz.etag_value.to_str().unwrap();
        let req = get(
            "/feed.rss",
            &[
                (header::ACCEPT_ENCODING, "gzip"),
                (header::IF_NONE_MATCH, tag),
            ],
        );
        assert_eq!(
            handle(&state, Client::local(), &req).await.status(),
            StatusCode::NOT_MODIFIED
        );
    }

    #[tokio::test]
    async fn a_last_modified_ahead_of_the_clock_is_sent_clamped_and_never_gives_a_wrong_304() {
        // Two changes within one second date the second one a second ahead.
        let ahead = SystemTime::now() + std::time::Duration::from_secs(5);
        let resource = Arc::new(Resource::new(
            "application/rss+xml",
            ahead,
            b"<rss/>".to_vec(),
        ));
        let mut site = Site::default();
        site.resources.insert("/feed.rss".to_owned(), resource);
        let config = Arc::new(Config::from_toml("", None).unwrap());
        let state = State::default();
        state
            .snapshot
            .store(Some(Arc::new(Snapshot::new(site, config, 0))));
        let get = |ims: Option<HeaderValue>| {
            let mut b = Request::get("/feed.rss").header(header::HOST, "127.0.0.1");
            if let Some(ims) = ims {
                b = b.header(header::IF_MODIFIED_SINCE, ims);
            }
            let req = b.body(()).unwrap();
            let state = &state;
            async move { handle(state, Client::local(), &req).await }
        };
        let r = get(None).await;
        let sent = r.headers()[header::LAST_MODIFIED].clone();
        let sent_at = crate::timestamp::parse_http_date(sent.to_str().unwrap()).unwrap();
        // RFC 9110 §8.8.2.1: not later than the response's Date.
        assert!(sent_at <= SystemTime::now(), "{sent:?} is in the future");
        // The clamped date is earlier than the real one: a redundant 200.
        assert_eq!(get(Some(sent)).await.status(), StatusCode::OK);
        // The real date was never sent, and is after the present: a client
        // holding it got it from a clock that ran ahead, so it proves nothing.
        let real = HeaderValue::from_str(&http_date(ahead)).unwrap();
        assert_eq!(get(Some(real)).await.status(), StatusCode::OK);
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
            async move { handle(state, Client::local(), &req).await.status() }
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
        // RFC 9113 §8.3.1: `:authority` (none here) or a Host, not empty.
        assert_eq!(status(Version::HTTP_2, &[]).await, bad);
        assert_eq!(status(Version::HTTP_2, &[""]).await, bad);
        assert_eq!(status(Version::HTTP_2, &["a"]).await, past);
    }
}
