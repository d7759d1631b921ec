//! A crawler from `/`: every internal link (`href` and `src` in HTML, the
//! `<link>` alternates among them) answers 200, or 410 for a withdrawn
//! article, on the daemon and on `bantin build` output served by a static web
//! server; and every article, category, tag and author of the store is
//! reachable from the front page.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

#[path = "../benches/support/generator.rs"]
#[allow(dead_code)]
mod generator;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bantin::article::Article;
use bantin::catalog::Catalog;
use bantin::history::Month;
use bantin::index::{slugify, Index};
use bantin::taxonomy::Kind;
use common::{Daemon, BASE_URL};
use scraper::{Html, Selector};
use tempfile::TempDir;

/// Crawling threads: the machine's cores are shared with the server under test.
const WORKERS: usize = 4;
/// How long one crawl may take at most, so a link loop or a hung server ends the test.
const CRAWL_LIMIT: Duration = Duration::from_secs(600);

/// What one URL answered.
#[derive(Debug, Clone)]
struct Visit {
    status: u16,
    content_type: String,
}

/// The result of a crawl: every URL visited (site path with query), what it
/// answered, and the page that first linked it.
#[derive(Debug, Default)]
struct Crawl {
    visits: BTreeMap<String, Visit>,
    linked_from: BTreeMap<String, String>,
    /// The text of the links to each path (trimmed), for the index pages.
    link_texts: BTreeMap<String, BTreeSet<String>>,
}

/// What one page gave: its answer and the links in it with their text.
struct Fetched {
    path: String,
    visit: Visit,
    links: Vec<(String, String)>,
}

/// A server to crawl: where it listens, and the site URL its pages link with.
struct Target {
    /// `http://127.0.0.1:PORT`.
    origin: String,
}

impl Target {
    /// The site path (with query) of `link` on `page`, if it is internal: under
    /// the site's `base_url`, or on the server itself. Fragments are dropped.
    fn internal(&self, page: &url::Url, link: &str) -> Option<String> {
        let url = page.join(link.trim()).ok()?;
        let origin = url.origin().ascii_serialization();
        if origin != self.origin && origin != BASE_URL {
            return None;
        }
        let mut path = url.path().to_owned();
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        Some(path)
    }

    /// GETs `path` and, for an HTML page, lists its links.
    fn fetch(&self, agent: &ureq::Agent, path: &str) -> Fetched {
        let url = format!("{}{path}", self.origin);
        let resp = match agent.get(&url).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("GET {url}: {e}"),
        };
        let visit = Visit {
            status: resp.status(),
            content_type: resp.content_type().to_owned(),
        };
        // Redirects (a static server's `dir` → `dir/`) are followed: links are
        // resolved against where the page really is.
        let page = url::Url::parse(resp.get_url()).expect("ureq gives back a URL");
        let body = resp
            .into_string()
            .unwrap_or_else(|e| panic!("GET {url}: reading the body: {e}"));
        let links = if visit.status == 200 && visit.content_type == "text/html" {
            links_of(&body)
                .into_iter()
                .filter_map(|(href, text)| self.internal(&page, &href).map(|p| (p, text)))
                .collect()
        } else {
            Vec::new()
        };
        Fetched {
            path: path.to_owned(),
            visit,
            links,
        }
    }

    /// Follows every internal link from `/`, breadth first, `WORKERS` at a time.
    fn crawl(&self) -> Crawl {
        let started = Instant::now();
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .build();
        let mut crawl = Crawl::default();
        let mut frontier = vec!["/".to_owned()];
        crawl.linked_from.insert("/".into(), "(start)".into());
        while !frontier.is_empty() {
            assert!(
                started.elapsed() < CRAWL_LIMIT,
                "the crawl is still going after {CRAWL_LIMIT:?}: {} pages",
                crawl.visits.len()
            );
            let chunk = frontier.len().div_ceil(WORKERS);
            let fetched: Vec<Fetched> = std::thread::scope(|s| {
                let handles: Vec<_> = frontier
                    .chunks(chunk)
                    .map(|paths| {
                        let agent = agent.clone();
                        s.spawn(move || {
                            paths
                                .iter()
                                .map(|p| self.fetch(&agent, p))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("a crawling thread"))
                    .collect()
            });
            let mut next = Vec::new();
            for f in fetched {
                for (link, text) in f.links {
                    crawl
                        .link_texts
                        .entry(link.clone())
                        .or_default()
                        .insert(text);
                    if !crawl.linked_from.contains_key(&link) {
                        crawl.linked_from.insert(link.clone(), f.path.clone());
                        next.push(link);
                    }
                }
                crawl.visits.insert(f.path, f.visit);
            }
            frontier = next;
        }
        eprintln!(
            "crawled {} URLs from {} in {:.1?}",
            crawl.visits.len(),
            self.origin,
            started.elapsed()
        );
        crawl
    }
}

/// Every `href` and `src` of an HTML page (`<a>`, `<link>`, `<img>`, …), with
/// the element's text.
fn links_of(html: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let any = Selector::parse("[href], [src]").expect("a valid selector");
    doc.select(&any)
        .flat_map(|el| {
            let text: String = el.text().collect::<String>().trim().to_owned();
            ["href", "src"]
                .into_iter()
                .filter_map(|a| el.value().attr(a))
                .map(move |v| (v.to_owned(), text.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

impl Crawl {
    /// Every URL answered 200, or 410 on an article page; and every page a
    /// browser would render (not a feed, sitemap, OPML or text file) came as HTML.
    fn assert_no_broken_link(&self) {
        let broken: Vec<String> = self
            .visits
            .iter()
            .filter(|(path, v)| {
                !(v.status == 200 || (v.status == 410 && path.starts_with("/articles/")))
            })
            .map(|(path, v)| {
                format!(
                    "{path} answered {} (linked from {})",
                    v.status, self.linked_from[path]
                )
            })
            .collect();
        assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
        let machine = [".rss", ".atom", ".json", ".xml", ".opml", ".txt"];
        let not_html: Vec<String> = self
            .visits
            .iter()
            .filter(|(path, v)| {
                let bare = path.split('?').next().unwrap_or(path);
                v.status == 200
                    && !machine.iter().any(|x| bare.ends_with(x))
                    && v.content_type != "text/html"
            })
            .map(|(path, v)| {
                format!(
                    "{path} came as {:?} (linked from {})",
                    v.content_type, self.linked_from[path]
                )
            })
            .collect();
        assert!(
            not_html.is_empty(),
            "pages a browser would not show:\n{}",
            not_html.join("\n")
        );
    }

    /// Whether `path` was reached and answered.
    fn reached(&self, path: &str) -> bool {
        self.visits
            .get(path)
            .is_some_and(|v| v.status == 200 || v.status == 410)
    }

    /// Every article page, category page, tag and author page and month
    /// page of a tag or author of `store` was reached from `/`.
    fn assert_reaches_everything(&self, store: &Expected) {
        let missing: Vec<&String> = store
            .articles
            .iter()
            .chain(&store.categories)
            .chain(&store.term_months)
            .filter(|p| !self.reached(p))
            .collect();
        assert!(
            missing.is_empty(),
            "{} of {} article, category and term month pages not reachable from /, e.g. {:?}",
            missing.len(),
            store.articles.len() + store.categories.len() + store.term_months.len(),
            &missing[..missing.len().min(10)]
        );
        for (kind, names) in [("tags", &store.tags), ("authors", &store.authors)] {
            let missing: Vec<&String> = names
                .iter()
                .filter(|name| !self.reaches_named(kind, name))
                .collect();
            assert!(
                missing.is_empty(),
                "{} of {} {kind} have no page reachable from /, e.g. {:?}",
                missing.len(),
                names.len(),
                &missing[..missing.len().min(10)]
            );
        }
    }

    /// Whether a page `/<kind>/<slug>` for `name` was reached: one whose slug is
    /// the name's (`-N` suffixes allowed for names folding alike), or one linked
    /// with the name as its text (case aside).
    fn reaches_named(&self, kind: &str, name: &str) -> bool {
        let prefix = format!("/{kind}/");
        let slug = slugify(name);
        let lower = name.to_lowercase();
        self.visits.keys().filter(|p| self.reached(p)).any(|p| {
            let Some(rest) = p.strip_prefix(&prefix) else {
                return false;
            };
            if rest.contains('.') || rest.contains('/') {
                return false; // a feed, not the page
            }
            let by_slug = rest == slug
                || rest
                    .strip_prefix(&slug)
                    .and_then(|s| s.strip_prefix('-'))
                    .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
            let by_text = self
                .link_texts
                .get(p)
                .is_some_and(|t| t.iter().any(|t| t.to_lowercase() == lower));
            by_slug || by_text
        })
    }
}

/// What a store holds, read with the library: the paths of its article and
/// category pages, and the names of its tags and authors.
struct Expected {
    articles: BTreeSet<String>,
    categories: BTreeSet<String>,
    tags: BTreeSet<String>,
    authors: BTreeSet<String>,
    /// The month page of every tag and author for each month it has
    /// articles in (`/tags/<slug>/<YYYY-MM>`).
    term_months: BTreeSet<String>,
}

impl Expected {
    fn of(store: &Path) -> Expected {
        let catalog = Catalog::scan(store, 16 * 1024 * 1024, chrono_tz::Asia::Ho_Chi_Minh)
            .expect("scan the store");
        let index = Index::new(catalog.entries.clone());
        let articles = index
            .entries()
            .values()
            .map(|e| e.article.clone())
            .collect::<Vec<Arc<_>>>();
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let terms = |a: &Article| {
            let tags = a.tags.iter().map(|t| (Kind::Tag, t.clone()));
            tags.chain(a.author.iter().map(|n| (Kind::Author, n.clone())))
                .collect::<Vec<_>>()
        };
        // The lists of tags and authors name those with an article not
        // withdrawn; a term's month pages are reached from its page.
        let live: BTreeSet<(Kind, String)> = articles
            .iter()
            .filter(|a| a.withdrawn.is_none())
            .flat_map(|a| terms(a))
            .collect();
        let term_months = articles
            .iter()
            .flat_map(|a| {
                let month = Month::of(a.published.timestamp(), tz);
                terms(a)
                    .into_iter()
                    .filter(|term| live.contains(term))
                    .filter_map(|(kind, name)| {
                        let slug = index.taxonomy(kind).slug_of(&name)?;
                        Some(bantin::render::term_month_path(kind, slug, month))
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        Expected {
            articles: articles
                .iter()
                .map(|a| bantin::render::article_path(&a.id))
                .collect(),
            categories: index
                .categories()
                .keys()
                .map(|slug| format!("/categories/{slug}"))
                .collect(),
            tags: live
                .iter()
                .filter(|(kind, _)| *kind == Kind::Tag)
                .map(|(_, name)| name.clone())
                .collect(),
            authors: live
                .iter()
                .filter(|(kind, _)| *kind == Kind::Author)
                .map(|(_, name)| name.clone())
                .collect(),
            term_months,
        }
    }
}

/// A temp folder with a store and a config that serves it on port 0.
struct Store {
    dir: TempDir,
}

impl Store {
    /// A copy of the sample store `feeds/`.
    fn sample() -> Store {
        let dir = tempfile::tempdir().expect("create a temp dir");
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds");
        copy_tree(&from, &dir.path().join("store"));
        Store::with_config(dir)
    }

    /// `n` generated articles (the benches' generator, seed 1).
    fn generated(n: u64) -> Store {
        let dir = tempfile::tempdir().expect("create a temp dir");
        let store = dir.path().join("store");
        for i in 0..n {
            let g = generator::article(1, i);
            let path = store.join(&g.path);
            std::fs::create_dir_all(path.parent().expect("a file in a folder")).unwrap();
            std::fs::write(path, g.bytes).unwrap();
        }
        Store::with_config(dir)
    }

    fn with_config(dir: TempDir) -> Store {
        let store = toml::Value::String(
            dir.path()
                .join("store")
                .to_str()
                .expect("a UTF-8 temp path")
                .to_owned(),
        );
        std::fs::write(
            dir.path().join("config.toml"),
            format!("store = {store}\nlisten = \"127.0.0.1:0\"\n"),
        )
        .unwrap();
        Store { dir }
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn daemon(&self) -> Daemon {
        Daemon::serve(&self.config(), Duration::from_secs(120))
    }

    /// `bantin build` into a folder of this store's temp dir.
    fn build(&self) -> PathBuf {
        let out = self.dir.path().join("site");
        let o = common::bantin([
            "build".as_ref(),
            "--config".as_ref(),
            self.config().as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert!(
            o.status.success(),
            "bantin build: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        out
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk the sample store");
        let rel = entry.path().strip_prefix(from).expect("under the root");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// `python3 -m http.server` on `dir`, at 127.0.0.1 and a port it picks;
/// stopped on drop.
struct StaticServer {
    child: Child,
    origin: String,
}

impl StaticServer {
    fn start(dir: &Path) -> StaticServer {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run python3 -m http.server (CI installs python3)");
        // "Serving HTTP on 127.0.0.1 port 43123 (http://127.0.0.1:43123/) ..."
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read what http.server prints");
        let port: u16 = line
            .split(" port ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        StaticServer {
            child,
            origin: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn crawl_daemon(store: &Store) -> Crawl {
    let daemon = store.daemon();
    Target {
        origin: daemon.url(""),
    }
    .crawl()
}

fn crawl_static(store: &Store) -> Crawl {
    let out = store.build();
    let server = StaticServer::start(&out);
    Target {
        origin: server.origin.clone(),
    }
    .crawl()
}

#[test]
fn the_daemon_has_no_broken_link_from_the_front_page() {
    let store = Store::sample();
    let crawl = crawl_daemon(&store);
    // The front page, its feeds, the OPML list and the articles it links.
    assert!(crawl.visits.len() > 10, "{:?}", crawl.visits.keys());
    assert!(crawl.reached("/feed.atom") && crawl.reached("/feeds.opml"));
    crawl.assert_no_broken_link();
}

#[test]
fn the_daemon_reaches_every_page_of_the_sample_store() {
    let store = Store::sample();
    let crawl = crawl_daemon(&store);
    crawl.assert_no_broken_link();
    crawl.assert_reaches_everything(&Expected::of(&store.store()));
}

#[test]
fn the_static_build_reaches_every_page_of_the_sample_store() {
    let store = Store::sample();
    let crawl = crawl_static(&store);
    crawl.assert_no_broken_link();
    crawl.assert_reaches_everything(&Expected::of(&store.store()));
}

/// The 10k crawls: about 10,000 article pages, with their category, month,
/// tag and author pages and feeds, over loopback against a debug build.
#[test]
fn the_daemon_and_the_static_build_reach_every_page_of_a_10k_store() {
    let store = Store::generated(10_000);
    let expected = Expected::of(&store.store());
    assert_eq!(expected.articles.len(), 10_000);
    let crawl = crawl_daemon(&store);
    crawl.assert_no_broken_link();
    crawl.assert_reaches_everything(&expected);
    let crawl = crawl_static(&store);
    crawl.assert_no_broken_link();
    crawl.assert_reaches_everything(&expected);
}
