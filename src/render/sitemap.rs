//! What search engines and news aggregators read: `/robots.txt`, the sitemap
//! index, its sitemaps, and the news sitemap. Pure: an index in, bytes out.
//!
//! Sitemaps protocol 0.9 (<https://www.sitemaps.org/protocol.html>): the index
//! at `/sitemap.xml` lists
//! - `/sitemaps/pages.xml`: the front page and every category page, each dated
//!   by its newest article or the latest withdrawal among its articles, so it
//!   changes whenever an article is added or taken off it (an empty store's
//!   front page is listed undated: the index always lists a sitemap);
//! - `/sitemaps/tags.xml`, `/sitemaps/tags/<slug>.xml`, and the same under
//!   `authors`: every listed tag's and author's page, in parts of about 256
//!   that stay put as terms come and go, so a change renders only the parts
//!   of the terms it dates anew (see [`super::term_sitemaps`]);
//! - `/sitemaps/<YYYY-MM>.xml`: the article pages published in that month (in
//!   the configured zone), each dated by its publication. An article is in the
//!   sitemap of its own month, so a past month's sitemap keeps its bytes while
//!   new articles arrive; it changes only when the store's past does.
//!
//! A sitemap's date in the index (sitemaps.org: when the sitemap file was
//! modified) never goes back when a page leaves it: a withdrawn article is no
//! longer listed, but the store still holds when it was withdrawn, and that
//! dates what listed it (its month's part, its category pages and the front
//! page, its tag and author pages), so a crawler that fetches only sitemaps
//! modified since its last visit fetches those again and drops the page. A
//! file deleted from the store leaves no date behind: the store holds none.
//!
//! A sitemap holds at most [`MAX_URLS`] URLs (protocol 0.9, "Sitemap file
//! location"): a longer list is split into `<name>.xml`, `<name>-2.xml`, … in
//! a fixed order. Month sitemaps are rendered on demand ([`on_demand`]), since
//! their number grows with the store; the rest are small and rendered with the
//! pages.
//!
//! The news sitemap (Google News sitemap extension,
//! <https://www.google.com/schemas/sitemap-news/0.9>) lists the articles
//! published in the [`NEWS_WINDOW`] up to the newest listed (not withdrawn)
//! article (not up to the wall clock, so its bytes depend only on the store),
//! newest first, at most [`NEWS_MAX`].

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use html_escape::encode_text as text;

use super::{article_path, category_path, term_sitemaps};
use crate::article::Article;
use crate::config::SiteConfig;
use crate::history::{self, Month};
use crate::index::{At, Entry, Index, SortKey};
use crate::timestamp::rfc3339;

/// The most URLs one sitemap (or sitemap index) may list (sitemaps.org 0.9).
pub const MAX_URLS: usize = 50_000;

/// The most articles the news sitemap lists (the news extension's limit).
pub const NEWS_MAX: usize = 1_000;

/// How far back from the newest listed article the news sitemap reaches, in seconds:
/// the two days the news extension asks for.
pub const NEWS_WINDOW: i64 = 2 * 24 * 60 * 60;

/// The path of the robots file.
pub const ROBOTS_PATH: &str = "/robots.txt";
/// The path of the sitemap index.
pub const INDEX_PATH: &str = "/sitemap.xml";
/// The path of the news sitemap.
pub const NEWS_PATH: &str = "/news-sitemap.xml";
/// The media type of every sitemap (protocol 0.9 serves them as XML).
pub const CONTENT_TYPE: &str = "application/xml; charset=utf-8";

/// The name of the sitemap of the front, category, tag and author pages.
const PAGES: &str = "pages";

/// One page a sitemap lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The site path (percent-encoded), e.g. `/articles/a/b`.
    pub path: String,
    /// When its content last changed, as the store tells; `None` for the
    /// front page of an empty store, which no date of the store dates.
    pub lastmod: Option<DateTime<FixedOffset>>,
}

/// One sitemap the index lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sitemap {
    /// Its site path, e.g. `/sitemaps/2024-06.xml`.
    pub path: String,
    /// The latest `lastmod` of its URLs, or the later withdrawal of an
    /// article it would list; `None` when none of its URLs is dated (the
    /// pages sitemap of an empty store).
    pub lastmod: Option<DateTime<FixedOffset>>,
}

/// `/robots.txt`: every page may be crawled but the operator's endpoints, and
/// where the sitemap index is (the `Sitemap` line takes an absolute URL).
pub fn robots(site: &SiteConfig) -> Vec<u8> {
    format!(
        "User-agent: *\nDisallow: /metrics\nDisallow: /healthz\nAllow: /\n\nSitemap: {}{INDEX_PATH}\n",
        site.base_url
    )
    .into_bytes()
}

/// When an article last changed, as the store tells: its correction, else its
/// publication. (A sitemap in the index is dated by the latest of its URLs'.)
fn lastmod(a: &Article) -> DateTime<FixedOffset> {
    a.updated.unwrap_or(a.published)
}

/// When a withdrawn article left the sitemaps and pages that listed it, which
/// it dates (a month part, a category or term page): its withdrawal, or its
/// correction or publication if later, as [`Article::changed`] tells, so the
/// date of what listed it never goes back; `None` for an article not withdrawn.
pub(super) fn withdrawn_at(a: &Article) -> Option<DateTime<FixedOffset>> {
    a.withdrawn.as_ref().map(|_| a.changed())
}

/// The site path of the `n`th (from 1) part of the sitemap `name`.
fn part_path(name: &str, n: usize) -> String {
    if n <= 1 {
        format!("/sitemaps/{name}.xml")
    } else {
        format!("/sitemaps/{name}-{n}.xml")
    }
}

/// The URLs of the pages sitemap: the front page, then every category page, in
/// slug order; each dated by the newest article it lists (withdrawn ones it
/// does not list) or the latest withdrawal among its articles, whichever is
/// later (a page that loses an article changed then). A category whose
/// articles are all withdrawn is listed all the same, dated by the latest
/// withdrawal: its page is served, saying so. The front page is always
/// listed, undated in an empty store: so the sitemap index always lists a
/// sitemap (the protocol's schema wants one), and a crawler that reads it
/// before the first article arrives knows the site.
/// The tag and author pages have sitemaps of their own (see
/// [`super::term_sitemaps`]).
pub fn page_urls(index: &Index) -> Vec<Url> {
    let withdrawals = page_withdrawals(index);
    let newest = |slug: Option<&str>| -> Option<DateTime<FixedOffset>> {
        index
            .select_listed(slug, 1)
            .first()
            .map(|e| lastmod(&e.article))
    };
    let slugs = std::iter::once(None).chain(index.categories().keys().map(|s| Some(s.as_str())));
    let categories = slugs.filter_map(|slug| {
        let lastmod = newest(slug).max(withdrawals.get(&slug).copied());
        // A category page is listed while it has an article; the front page always.
        (lastmod.is_some() || slug.is_none()).then(|| Url {
            path: category_path(slug),
            lastmod,
        })
    });
    categories.collect()
}

/// The latest withdrawal (see [`withdrawn_at`]) among the articles of the
/// front page (key `None`) and of each category (its own and its
/// subcategories'). Only the withdrawn articles ([`Index::withdrawn`]) are looked
/// at, so this costs what they are, not what the store is.
fn page_withdrawals(index: &Index) -> BTreeMap<Option<&str>, DateTime<FixedOffset>> {
    let mut latest: BTreeMap<Option<&str>, DateTime<FixedOffset>> = BTreeMap::new();
    for m in index.withdrawn().iter() {
        let Some(at) = m.entry().and_then(|e| withdrawn_at(&e.article)) else {
            continue;
        };
        let pages = std::iter::once(None).chain(index.feeds_of(m.id()).into_iter().map(Some));
        for page in pages {
            let date = latest.entry(page).or_insert(at);
            *date = at.max(*date);
        }
    }
    latest
}

/// Whether a month sitemap lists the article's page: a withdrawn article's
/// page is 410 Gone, not a page to index. The index counts parts by this too.
fn listed(a: &Article) -> bool {
    a.withdrawn.is_none()
}

/// The URLs of the article pages published in `month`, newest first.
fn month_urls(index: &Index, month: Month, tz: Tz) -> Vec<Url> {
    history::month(index, None, month, tz)
        .0
        .iter()
        .filter(|e| listed(&e.article))
        .map(|e| Url {
            path: article_path(&e.article.id),
            lastmod: Some(lastmod(&e.article)),
        })
        .collect()
}

/// The sitemaps of `urls` cut into parts of at most `max`, named after `name`.
fn parts(name: &str, urls: &[Url], max: usize) -> Vec<Sitemap> {
    urls.chunks(max)
        .enumerate()
        .map(|(i, chunk)| Sitemap {
            path: part_path(name, i + 1),
            lastmod: chunk.iter().map(|u| u.lastmod).max().flatten(),
        })
        .collect()
}

/// Every sitemap the index lists: the pages sitemap, each month's, newest
/// month first, then the tag and author parts (see [`term_sitemaps::every`]:
/// last, so an index cut at 50,000 leaves out term pages, not articles). A month is counted and dated from its keys (see
/// [`month_parts_of`]), not by rendering its URLs.
pub fn sitemaps(index: &Index, tz: Tz) -> Vec<Sitemap> {
    sitemaps_of(index, tz, MAX_URLS)
}

/// [`sitemaps`] with parts of at most `max` URLs (pages and months).
fn sitemaps_of(index: &Index, tz: Tz, max: usize) -> Vec<Sitemap> {
    let mut out = parts(PAGES, &page_urls(index), max);
    out.extend(every_month_part(index, tz, max));
    let terms = term_sitemaps::every(index, term_sitemaps::Cut::DEFAULT);
    out.extend(terms.maps.into_values());
    out
}

/// The parts of every month's sitemap, newest month first.
fn every_month_part(index: &Index, tz: Tz, max: usize) -> Vec<Sitemap> {
    let months = history::months(index, None, tz).unwrap_or_default();
    let parts = months
        .into_iter()
        .map(|m| month_parts_of(index, m, tz, max));
    parts.flatten().collect()
}

/// The parts of the pages sitemap listing `urls` (see [`page_urls`]), as the
/// sitemap index lists them.
pub fn page_parts(urls: &[Url]) -> Vec<Sitemap> {
    parts(PAGES, urls, MAX_URLS)
}

/// The parts of the sitemap of `month`, as the sitemap index lists them
/// (none for a month without articles). [`sitemaps`] is the pages parts,
/// then this for every month, newest first; a site updated at a few
/// articles takes this again only for their months.
pub fn month_parts(index: &Index, month: Month, tz: Tz) -> Vec<Sitemap> {
    month_parts_of(index, month, tz, MAX_URLS)
}

/// [`month_parts`] with parts of at most `max` URLs: the parts [`on_demand`]
/// serves (the articles [`listed`], as in [`month_urls`]), each dated by
/// the latest change among its URLs, so a correction to an older article
/// dates its part anew and a crawler fetches it again. A withdrawn article
/// is not listed but dates the part it falls in, in the month's order (the
/// next part when the one before it is full; a part with no URL is not
/// listed), by its withdrawal ([`withdrawn_at`]): the part lost its URL
/// then, and its date must not go back to its other URLs'.
///
/// Counted from the month's keys: only a corrected or withdrawn article
/// ([`Index::marked`], walked alongside) has its entry looked at. Any other
/// is listed and dated by its publication, so a part's newest such article,
/// its first, dates it with one look per part: to the second, as dated in the
/// index's XML (a publication taken from a file's modification time keeps a
/// fraction of a second, which keys do not). At a million articles, looking
/// at every entry made the start-up render 1.47 s, against 0.21–0.31 s.
fn month_parts_of(index: &Index, month: Month, tz: Tz, max: usize) -> Vec<Sitemap> {
    let mut out = Vec::new();
    let Some(keys) = index.keys(None) else {
        return out;
    };
    let newest = At::Published(month.next().start(tz) - 1);
    let past = At::Published(month.start(tz) - 1);
    let mut marked = index.marked().range(newest, past).peekable();
    let name = month.to_string();
    let mut part = Part::default();
    // The latest withdrawal so far: it moved one URL out of every later part
    // into the part before, so it dates each of them too.
    let mut shifted = None;
    for m in keys.range(newest, past) {
        // Both lists run in the same order, and every marked key is in the
        // month's; one that were not would be passed over, not stall the walk.
        while marked
            .next_if(|k| keys.order(k.key, m.key) == Ordering::Less)
            .is_some()
        {}
        let looked = match marked.next_if(|k| k.key == m.key) {
            Some(_) => match index.entry(m.key) {
                Some(e) => Some(&e.article),
                None => continue,
            },
            None => None,
        };
        if part.urls == max {
            out.extend(part.sitemap(index, &name, out.len() + 1));
            part = Part {
                latest_marked: shifted,
                ..Part::default()
            };
        }
        match looked {
            Some(a) if !listed(a) => {
                shifted = shifted.max(withdrawn_at(a));
                part.latest_marked = part.latest_marked.max(shifted);
            }
            Some(a) => {
                part.urls += 1;
                part.latest_marked = part.latest_marked.max(Some(lastmod(a)));
            }
            None => {
                part.urls += 1;
                part.newest_plain.get_or_insert(m.key);
            }
        }
    }
    out.extend(part.sitemap(index, &name, out.len() + 1));
    out
}

/// A month sitemap's part as [`month_parts_of`] counts it.
#[derive(Default)]
struct Part {
    urls: usize,
    /// Its newest article neither corrected nor withdrawn.
    newest_plain: Option<SortKey>,
    /// The latest change among its corrected articles and the withdrawals
    /// of the articles that fall in it.
    latest_marked: Option<DateTime<FixedOffset>>,
}

impl Part {
    /// What the sitemap index lists for part `n` of the sitemap `name`: its
    /// path, dated by its latest change; nothing for a part with no URLs
    /// (one that only withdrawn articles fall in is not served).
    fn sitemap(&self, index: &Index, name: &str, n: usize) -> Option<Sitemap> {
        if self.urls == 0 {
            return None;
        }
        let plain = self
            .newest_plain
            .and_then(|key| index.entry(key))
            .map(|e| e.article.published);
        let lastmod = plain.max(self.latest_marked)?;
        Some(Sitemap {
            path: part_path(name, n),
            lastmod: Some(lastmod),
        })
    }
}

/// A sitemap rendered on request: the part of a month sitemap at `path`
/// (`/sitemaps/<YYYY-MM>.xml` or `/sitemaps/<YYYY-MM>-<n>.xml`), or `None`
/// when the index lists no such sitemap.
pub fn on_demand(site: &SiteConfig, index: &Index, path: &str, tz: Tz) -> Option<Vec<u8>> {
    on_demand_of(site, index, path, tz, MAX_URLS)
}

/// [`on_demand`] with parts of at most `max` URLs.
fn on_demand_of(
    site: &SiteConfig,
    index: &Index,
    path: &str,
    tz: Tz,
    max: usize,
) -> Option<Vec<u8>> {
    let (month, n) = month_part(path)?;
    let urls = month_urls(index, month, tz);
    let part = urls.chunks(max).nth(n - 1)?;
    Some(urlset(site, part))
}

/// The month and part number (from 1) a month sitemap's `path` names
/// (`/sitemaps/<YYYY-MM>.xml`, `/sitemaps/<YYYY-MM>-<n>.xml`), whether or
/// not the index lists it.
pub fn month_part(path: &str) -> Option<(Month, usize)> {
    let name = path.strip_prefix("/sitemaps/")?.strip_suffix(".xml")?;
    let (month, n) = match name.split_at_checked(7) {
        Some((m, "")) => (m, 1),
        Some((m, rest)) => {
            let n = rest.strip_prefix('-')?;
            // One URL per part: `-1` is the unsuffixed name, and no leading zeros.
            if n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (m, n.parse::<usize>().ok().filter(|&n| n >= 2)?)
        }
        None => return None,
    };
    Some((month.parse().ok()?, n))
}

/// The paths of every sitemap [`on_demand`] answers (every month's parts),
/// for `bantin build`.
pub fn on_demand_paths(index: &Index, tz: Tz) -> Vec<String> {
    let parts = every_month_part(index, tz, MAX_URLS);
    parts.into_iter().map(|s| s.path).collect()
}

/// The pages sitemap parts by path (each at most [`MAX_URLS`] URLs).
pub fn page_sitemaps(site: &SiteConfig, index: &Index) -> Vec<(String, Vec<u8>)> {
    page_sitemaps_of(site, &page_urls(index))
}

/// [`page_sitemaps`] of the URLs [`page_urls`] gave.
pub fn page_sitemaps_of(site: &SiteConfig, urls: &[Url]) -> Vec<(String, Vec<u8>)> {
    urls.chunks(MAX_URLS)
        .enumerate()
        .map(|(i, chunk)| (part_path(PAGES, i + 1), urlset(site, chunk)))
        .collect()
}

/// The longest URL a sitemap may list: URLs "must be less than 2,048
/// characters" (sitemaps.org). An article's URL is its id percent-encoded,
/// up to nine characters a Vietnamese letter, so an id well within
/// [`crate::store::MAX_ID_BYTES`] can give a longer one.
pub const MAX_LOC: usize = 2047;

/// `path` under the site's base URL, as a sitemap lists it; `None` when that
/// is longer than [`MAX_LOC`], and the page is left out (a crawler would
/// reject the whole sitemap for it).
pub fn loc(site: &SiteConfig, path: &str) -> Option<String> {
    let url = format!("{}{}", site.base_url, path);
    (url.len() <= MAX_LOC).then_some(url)
}

/// A `<lastmod>` element, or nothing for an undated page or sitemap (the
/// element is optional).
struct LastMod(Option<DateTime<FixedOffset>>);

impl std::fmt::Display for LastMod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(at) => write!(f, "<lastmod>{}</lastmod>", rfc3339(&at)),
            None => Ok(()),
        }
    }
}

/// XML declaration and the opening of a sitemaps 0.9 document.
fn open(out: &mut String, root: &str, extra_ns: &str) {
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"{extra_ns}>"
    );
}

/// A `<urlset>` of `urls`, as given.
pub fn urlset(site: &SiteConfig, urls: &[Url]) -> Vec<u8> {
    let mut out = String::with_capacity(urls.len() * 160 + 128);
    open(&mut out, "urlset", "");
    for u in urls {
        let Some(loc) = loc(site, &u.path) else {
            continue;
        };
        let _ = writeln!(
            out,
            "<url><loc>{}</loc>{}</url>",
            text(&loc),
            LastMod(u.lastmod)
        );
    }
    out.push_str("</urlset>\n");
    out.into_bytes()
}

/// The sitemap index: a `<sitemapindex>` of `maps`, as given (at most [`MAX_URLS`]).
pub fn sitemap_index(site: &SiteConfig, maps: &[Sitemap]) -> Vec<u8> {
    let mut out = String::with_capacity(maps.len() * 140 + 128);
    open(&mut out, "sitemapindex", "");
    for m in maps.iter().take(MAX_URLS) {
        let _ = writeln!(
            out,
            "<sitemap><loc>{}</loc>{}</sitemap>",
            text(&format!("{}{}", site.base_url, m.path)),
            LastMod(m.lastmod)
        );
    }
    out.push_str("</sitemapindex>\n");
    out.into_bytes()
}

/// The articles the news sitemap lists: the listed ones (not withdrawn: their
/// pages are 410 Gone, as in the month sitemaps) published in the
/// [`NEWS_WINDOW`] up to the newest listed article, newest first, at most
/// [`NEWS_MAX`].
///
/// The window starts from the newest article still listed, not from the
/// newest of all: withdrawing the newest article (one with a typo in its
/// year, say) would otherwise leave every other article outside the window
/// and the sitemap empty until a newer one arrived.
pub fn news_entries(index: &Index) -> Vec<Entry> {
    let Some(keys) = index.keys(None) else {
        return Vec::new();
    };
    // Only the articles at the head of the list and in the window are looked
    // up (to tell the withdrawn, which are few, from the listed).
    let mut listed = keys.listed().peekable();
    let Some(newest) = listed.peek() else {
        return Vec::new();
    };
    let since = newest.published().saturating_sub(NEWS_WINDOW);
    listed
        .take_while(|m| m.published() >= since)
        .take(NEWS_MAX)
        .filter_map(|m| m.entry().cloned())
        .collect()
}

/// The news sitemap of `index`: each article's URL, the publication (the
/// site's title and language), its publication date and title. With no
/// article to list (an empty store, or every article withdrawn) it lists the
/// front page alone, with no news tags: the protocol's schema wants a URL in
/// a sitemap, and Google News reads only the URLs that have them.
pub fn news(site: &SiteConfig, index: &Index) -> Vec<u8> {
    let entries = news_entries(index);
    let mut out = String::with_capacity(entries.len() * 400 + 256);
    open(
        &mut out,
        "urlset",
        " xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"",
    );
    let mut listed = 0;
    for e in &entries {
        let a = &e.article;
        let Some(loc) = loc(site, &article_path(&a.id)) else {
            continue;
        };
        listed += 1;
        let _ = writeln!(
            out,
            "<url><loc>{loc}</loc><news:news><news:publication><news:name>{name}</news:name>\
             <news:language>{lang}</news:language></news:publication>\
             <news:publication_date>{date}</news:publication_date>\
             <news:title>{title}</news:title></news:news></url>",
            loc = text(&loc),
            name = text(&site.title),
            lang = text(&site.language),
            date = rfc3339(&a.published),
            title = text(&a.title),
        );
    }
    if listed == 0 {
        if let Some(front) = loc(site, "/") {
            let _ = writeln!(out, "<url><loc>{}</loc></url>", text(&front));
        }
    }
    out.push_str("</urlset>\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Entries;
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh as HCM;
    use std::sync::Arc;

    fn site() -> SiteConfig {
        SiteConfig {
            title: "Tin <Làng> & Xã".into(),
            description: String::new(),
            base_url: "https://bantin.example".into(),
            language: "vi".into(),
            tag_authority: "bantin.example,2024".into(),
        }
    }

    /// An article published at local `y-m-d h:00` in Hồ Chí Minh City.
    fn entry(id: &str, cat: &str, (y, m, d, h): (i32, u32, u32, u32)) -> (String, Entry) {
        let at = HCM.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
        let title = format!("Tiêu đề <{id}> & \"x\"");
        let article = crate::article::Article::sample(id, &[cat], &title, at.fixed_offset());
        (id.into(), Entry::full(Arc::new(article), None))
    }

    fn index() -> Index {
        Index::new(Entries::from_iter([
            entry("thoi-su/a b", "Thời sự", (2024, 3, 3, 9)),
            entry("thoi-su/b", "Thời sự", (2024, 3, 1, 0)),
            entry("kinh-te/c", "Kinh tế", (2024, 3, 2, 12)),
            entry("kinh-te/d", "Kinh tế", (2024, 2, 29, 23)),
            entry("kinh-te/e", "Kinh tế", (2023, 12, 31, 23)),
        ]))
    }

    /// The pages sitemap's URLs of `idx`, each with its date.
    fn dated_pages(idx: &Index) -> Vec<(String, String)> {
        page_urls(idx)
            .into_iter()
            .map(|u| (u.path, rfc3339(&u.lastmod.unwrap())))
            .collect()
    }

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn robots_points_at_the_index() {
        let robots = String::from_utf8(robots(&site())).unwrap();
        assert!(robots.contains("User-agent: *\n"));
        assert!(robots.ends_with("Sitemap: https://bantin.example/sitemap.xml\n"));
    }

    #[test]
    fn an_empty_store_lists_its_front_page_undated() {
        // The protocol's schema wants a sitemap in the index and a URL in a
        // sitemap; an empty store has its front page and no date for it.
        let empty = Index::new(Entries::default());
        let maps = sitemaps(&empty, HCM);
        assert_eq!(
            maps,
            [Sitemap {
                path: "/sitemaps/pages.xml".into(),
                lastmod: None
            }]
        );
        let index = text(&sitemap_index(&site(), &maps)).to_owned();
        assert!(
            index.contains(
                "<sitemap><loc>https://bantin.example/sitemaps/pages.xml</loc></sitemap>\n"
            ),
            "{index}"
        );
        let pages = page_sitemaps(&site(), &empty);
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].0, "/sitemaps/pages.xml");
        assert!(
            text(&pages[0].1).contains("<url><loc>https://bantin.example/</loc></url>\n"),
            "{}",
            text(&pages[0].1)
        );
        // A store of withdrawn articles only dates the front page by them.
        let mut gone = entry("thoi-su/x", "Thời sự", (2024, 3, 3, 9));
        let mut a = (*gone.1.article).clone();
        a.withdrawn = Some(crate::article::Withdrawal {
            at: HCM
                .with_ymd_and_hms(2024, 3, 5, 9, 0, 0)
                .unwrap()
                .fixed_offset(),
            reason: None,
        });
        gone.1 = Entry::full(Arc::new(a), None);
        let withdrawn = Index::new(Entries::from_iter([gone]));
        assert_eq!(
            dated_pages(&withdrawn),
            [
                ("/".to_owned(), "2024-03-05T09:00:00+07:00".to_owned()),
                (
                    "/categories/thoi-su".to_owned(),
                    "2024-03-05T09:00:00+07:00".to_owned()
                )
            ]
        );
    }

    #[test]
    fn the_index_lists_pages_then_each_month_dated_by_its_newest() {
        let maps = sitemaps(&index(), HCM);
        let listed: Vec<(&str, String)> = maps
            .iter()
            .map(|m| (m.path.as_str(), rfc3339(&m.lastmod.unwrap())))
            .collect();
        assert_eq!(
            listed,
            [
                ("/sitemaps/pages.xml", "2024-03-03T09:00:00+07:00".into()),
                ("/sitemaps/2024-03.xml", "2024-03-03T09:00:00+07:00".into()),
                ("/sitemaps/2024-02.xml", "2024-02-29T23:00:00+07:00".into()),
                ("/sitemaps/2023-12.xml", "2023-12-31T23:00:00+07:00".into()),
            ]
        );
        let xml = sitemap_index(&site(), &maps);
        assert!(text(&xml).contains(
            "<sitemap><loc>https://bantin.example/sitemaps/2024-02.xml</loc>\
             <lastmod>2024-02-29T23:00:00+07:00</lastmod></sitemap>"
        ));
        assert_eq!(
            on_demand_paths(&index(), HCM),
            [
                "/sitemaps/2024-03.xml",
                "/sitemaps/2024-02.xml",
                "/sitemaps/2023-12.xml"
            ]
        );
    }

    #[test]
    fn the_index_lists_pages_then_months_then_the_tag_and_author_parts() {
        let mut entries: Entries = index().entries().clone();
        let mut a = entries.get("kinh-te/d").unwrap().article.as_ref().clone();
        a.tags = vec!["Giá vàng".into()];
        a.author = Some("Trần Ngọc".into());
        entries.insert(a.id.clone(), Entry::full(Arc::new(a), None));
        let idx = Index::new(entries);
        let listed: Vec<(String, String)> = sitemaps(&idx, HCM)
            .into_iter()
            .map(|m| (m.path, rfc3339(&m.lastmod.unwrap())))
            .collect();
        let at = |path: &str, date: &str| (path.to_owned(), date.to_owned());
        assert_eq!(
            listed,
            [
                at("/sitemaps/pages.xml", "2024-03-03T09:00:00+07:00"),
                at("/sitemaps/2024-03.xml", "2024-03-03T09:00:00+07:00"),
                at("/sitemaps/2024-02.xml", "2024-02-29T23:00:00+07:00"),
                at("/sitemaps/2023-12.xml", "2023-12-31T23:00:00+07:00"),
                at("/sitemaps/tags.xml", "2024-02-29T23:00:00+07:00"),
                at("/sitemaps/authors.xml", "2024-02-29T23:00:00+07:00"),
            ]
        );
        // The pages sitemap lists the front and category pages only; the
        // month sitemaps are the only ones rendered on request.
        let pages: Vec<String> = page_urls(&idx).into_iter().map(|u| u.path).collect();
        assert_eq!(pages, ["/", "/categories/kinh-te", "/categories/thoi-su"]);
        assert!(on_demand_paths(&idx, HCM)
            .iter()
            .all(|p| p.starts_with("/sitemaps/20")));
    }

    #[test]
    fn a_month_sitemap_lists_its_articles_and_a_past_month_keeps_its_bytes() {
        let idx = index();
        let march = on_demand(&site(), &idx, "/sitemaps/2024-03.xml", HCM).unwrap();
        let march = text(&march);
        assert!(march.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
             <url><loc>https://bantin.example/articles/thoi-su/a%20b</loc>\
             <lastmod>2024-03-03T09:00:00+07:00</lastmod></url>\n"
        ));
        assert_eq!(march.matches("<url>").count(), 3);
        // A new article in March changes March's sitemap, not February's.
        let feb = on_demand(&site(), &idx, "/sitemaps/2024-02.xml", HCM).unwrap();
        let mut more: Entries = idx.entries().clone();
        let (id, e) = entry("thoi-su/f", "Thời sự", (2024, 3, 20, 8));
        more.insert(id, e);
        let grown = Index::new(more);
        assert_eq!(
            on_demand(&site(), &grown, "/sitemaps/2024-02.xml", HCM).unwrap(),
            feb
        );
        assert_ne!(
            text(&on_demand(&site(), &grown, "/sitemaps/2024-03.xml", HCM).unwrap()),
            march
        );
    }

    #[test]
    fn a_long_month_is_split_into_parts_with_one_name_each() {
        let idx = index();
        let maps = sitemaps_of(&idx, HCM, 2);
        let paths: Vec<&str> = maps.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/sitemaps/pages.xml",
                "/sitemaps/pages-2.xml",
                "/sitemaps/2024-03.xml",
                "/sitemaps/2024-03-2.xml",
                "/sitemaps/2024-02.xml",
                "/sitemaps/2023-12.xml",
            ]
        );
        // The second part holds the oldest article of March, and is dated by it.
        assert_eq!(
            rfc3339(&maps[3].lastmod.unwrap()),
            "2024-03-01T00:00:00+07:00"
        );
        let part = |p: &str| on_demand_of(&site(), &idx, p, HCM, 2);
        let second = part("/sitemaps/2024-03-2.xml").unwrap();
        assert!(
            text(&second).contains("/articles/thoi-su/b<"),
            "{}",
            text(&second)
        );
        assert_eq!(text(&second).matches("<url>").count(), 1);
        for missing in [
            "/sitemaps/2024-03-3.xml",
            "/sitemaps/2024-03-1.xml",
            "/sitemaps/2024-03-02.xml",
            "/sitemaps/2024-3.xml",
            "/sitemaps/2024-01.xml",
            "/sitemaps/2024-03.xml.gz",
            "/sitemaps/2024-03-.xml",
            "/sitemaps/pages.xml",
        ] {
            assert_eq!(part(missing), None, "{missing}");
        }
    }

    #[test]
    fn the_index_lists_the_parts_served_dated_by_their_latest_correction() {
        let mut entries: Entries = index().entries().clone();
        let article =
            |entries: &Entries, id: &str| entries.get(id).unwrap().article.as_ref().clone();
        let withdrawn = |mut a: crate::article::Article| {
            a.withdrawn = Some(crate::article::Withdrawal {
                at: a.published,
                reason: None,
            });
            Entry::full(Arc::new(a), None)
        };
        // March's oldest article corrected in April, and its second newest
        // withdrawn; January's only article withdrawn.
        let mut corrected = article(&entries, "thoi-su/b");
        corrected.updated = Some(
            HCM.with_ymd_and_hms(2024, 4, 2, 8, 0, 0)
                .unwrap()
                .fixed_offset(),
        );
        entries.insert("thoi-su/b".into(), Entry::full(Arc::new(corrected), None));
        let c = article(&entries, "kinh-te/c");
        entries.insert("kinh-te/c".into(), withdrawn(c));
        let (g, january) = entry("thoi-su/g", "Thời sự", (2024, 1, 5, 7));
        entries.insert(g, withdrawn(january.article.as_ref().clone()));
        let idx = Index::new(entries);

        let maps = sitemaps_of(&idx, HCM, 1);
        let listed: Vec<(&str, String)> = maps
            .iter()
            .skip_while(|m| m.path.starts_with("/sitemaps/pages"))
            .map(|m| (m.path.as_str(), rfc3339(&m.lastmod.unwrap())))
            .collect();
        assert_eq!(
            listed,
            [
                ("/sitemaps/2024-03.xml", "2024-03-03T09:00:00+07:00".into()),
                (
                    "/sitemaps/2024-03-2.xml",
                    "2024-04-02T08:00:00+07:00".into()
                ),
                ("/sitemaps/2024-02.xml", "2024-02-29T23:00:00+07:00".into()),
                ("/sitemaps/2023-12.xml", "2023-12-31T23:00:00+07:00".into()),
            ]
        );
        // Every part listed answers, and holds what the index says.
        for (path, _) in &listed {
            let part = on_demand_of(&site(), &idx, path, HCM, 1)
                .unwrap_or_else(|| panic!("{path} is listed but not served"));
            assert_eq!(text(&part).matches("<url>").count(), 1, "{path}");
        }
        assert_eq!(
            on_demand_of(&site(), &idx, "/sitemaps/2024-01.xml", HCM, 1),
            None
        );
        assert_eq!(
            on_demand_of(&site(), &idx, "/sitemaps/2024-03-3.xml", HCM, 1),
            None
        );
        // With room for the whole month, the one part is dated by the correction.
        let whole = sitemaps_of(&idx, HCM, 10);
        let march = whole
            .iter()
            .find(|m| m.path == "/sitemaps/2024-03.xml")
            .unwrap();
        assert_eq!(
            rfc3339(&march.lastmod.unwrap()),
            "2024-04-02T08:00:00+07:00"
        );
    }

    #[test]
    fn month_parts_counted_from_the_keys_are_the_parts_of_the_urls_served() {
        // 40 articles over three months, several at the same hour (ties by
        // id); every third corrected, some later than newer ones, some to a
        // time before its publication; every fifth withdrawn; the oldest six
        // of May all corrected or withdrawn, its two oldest withdrawn.
        let mut entries = Entries::new();
        for n in 0..40u32 {
            let (id, e) = entry(
                &format!("tin/{n:02}"),
                "Tin",
                (2024, 3 + n / 15, 1 + (n % 15) / 2, 8),
            );
            let mut a = e.article.as_ref().clone();
            if n % 3 == 0 || (30..36).contains(&n) {
                let hours = i64::from(n % 7) * 24 - 30;
                a.updated = Some(a.published + chrono::Duration::hours(hours));
            }
            if n % 5 == 0 || (30..36).contains(&n) && n % 2 == 1 {
                a.withdrawn = Some(crate::article::Withdrawal {
                    at: a.published,
                    reason: None,
                });
            }
            entries = entries.update(id, Entry::full(Arc::new(a), None));
        }
        let same = |idx: &Index| {
            let months = history::months(idx, None, HCM).unwrap();
            assert_eq!(months.len(), 3);
            for max in 1..=6 {
                for &month in &months {
                    let counted = month_parts_of(idx, month, HCM, max);
                    assert_eq!(
                        counted,
                        parts_looking_at_every_article(idx, month, max),
                        "{month}, parts of {max}"
                    );
                    // The parts listed are those served, each dated no
                    // earlier than its URLs.
                    let served = parts(&month.to_string(), &month_urls(idx, month, HCM), max);
                    assert_eq!(counted.len(), served.len(), "{month}, parts of {max}");
                    for (c, s) in counted.iter().zip(&served) {
                        assert_eq!(c.path, s.path);
                        assert!(c.lastmod >= s.lastmod, "{}", c.path);
                    }
                }
            }
        };
        let idx = Index::new(entries.clone());
        same(&idx);
        // Then changed in place: a correction, a withdrawal taken back, a
        // corrected article moved to another month, one removed.
        let mut a = idx.get("tin/07").unwrap().article.as_ref().clone();
        a.updated = Some(a.published + chrono::Duration::days(40));
        let mut b = idx.get("tin/10").unwrap().article.as_ref().clone();
        b.withdrawn = None;
        let mut c = idx.get("tin/33").unwrap().article.as_ref().clone();
        c.published -= chrono::Duration::days(31);
        let changed = entries
            .update("tin/07".into(), Entry::full(Arc::new(a), None))
            .update("tin/10".into(), Entry::full(Arc::new(b), None))
            .update("tin/33".into(), Entry::full(Arc::new(c), None))
            .without("tin/18");
        let ids = ["tin/07", "tin/10", "tin/33", "tin/18"].map(String::from);
        same(&idx.updated(changed, &ids.into_iter().collect()));
    }

    /// The parts of `month`'s sitemap found the slow way, looking at each of
    /// its articles in order: the listed ones cut into parts of `max`, each
    /// dated by the latest of its URLs' dates and of the withdrawals of the
    /// articles that fall in it (the next part when the one before is full);
    /// a part with no URL left out.
    fn parts_looking_at_every_article(idx: &Index, month: Month, max: usize) -> Vec<Sitemap> {
        let mut cut: Vec<(usize, Option<DateTime<FixedOffset>>)> = Vec::new();
        // Every withdrawal dates its part and every later one, whose URLs
        // it shifted.
        let mut shifted = None;
        for e in history::month(idx, None, month, HCM).0 {
            if cut.last().is_none_or(|(urls, _)| *urls == max) {
                cut.push((0, shifted));
            }
            let part = cut.last_mut().unwrap();
            let at = match withdrawn_at(&e.article) {
                Some(at) => {
                    shifted = shifted.max(Some(at));
                    at
                }
                None => {
                    part.0 += 1;
                    lastmod(&e.article)
                }
            };
            part.1 = part.1.max(Some(at));
        }
        let name = month.to_string();
        cut.into_iter()
            .enumerate()
            .filter(|(_, (urls, _))| *urls > 0)
            .map(|(i, (_, at))| Sitemap {
                path: part_path(&name, i + 1),
                lastmod: Some(at.unwrap()),
            })
            .collect()
    }

    /// `idx` with the article `id` withdrawn at local `y-m-d h:00`.
    fn withdraw(idx: &Index, id: &str, (y, m, d, h): (i32, u32, u32, u32)) -> Index {
        let mut a = idx.get(id).unwrap().article.as_ref().clone();
        a.withdrawn = Some(crate::article::Withdrawal {
            at: HCM
                .with_ymd_and_hms(y, m, d, h, 0, 0)
                .unwrap()
                .fixed_offset(),
            reason: Some("Công bố nhầm".into()),
        });
        let entries = idx
            .entries()
            .update(id.into(), Entry::full(Arc::new(a), None));
        idx.updated(entries, &[id.to_owned()].into_iter().collect())
    }

    /// Every sitemap the index lists and every URL of the pages sitemap,
    /// each with its date.
    fn dates(idx: &Index, max: usize) -> Vec<(String, String)> {
        let maps = sitemaps_of(idx, HCM, max).into_iter();
        let maps = maps.map(|m| (m.path, rfc3339(&m.lastmod.unwrap())));
        let pages = page_urls(idx).into_iter();
        maps.chain(pages.map(|u| (u.path, rfc3339(&u.lastmod.unwrap()))))
            .collect()
    }

    #[test]
    fn a_withdrawal_dates_its_month_part_and_category_pages_later_than_before() {
        // `kinh-te/c`, neither the newest of March nor of the store but the
        // newest of its category, withdrawn in April.
        let before = index();
        let after = withdraw(&before, "kinh-te/c", (2024, 4, 10, 8));
        let at = |path: &str, date: &str| (path.to_owned(), date.to_owned());
        assert_eq!(
            dates(&before, MAX_URLS),
            [
                at("/sitemaps/pages.xml", "2024-03-03T09:00:00+07:00"),
                at("/sitemaps/2024-03.xml", "2024-03-03T09:00:00+07:00"),
                at("/sitemaps/2024-02.xml", "2024-02-29T23:00:00+07:00"),
                at("/sitemaps/2023-12.xml", "2023-12-31T23:00:00+07:00"),
                at("/", "2024-03-03T09:00:00+07:00"),
                at("/categories/kinh-te", "2024-03-02T12:00:00+07:00"),
                at("/categories/thoi-su", "2024-03-03T09:00:00+07:00"),
            ]
        );
        // March lost a URL and the category and front pages an article in
        // April: each is dated then, not back to what is left.
        assert_eq!(
            dates(&after, MAX_URLS),
            [
                at("/sitemaps/pages.xml", "2024-04-10T08:00:00+07:00"),
                at("/sitemaps/2024-03.xml", "2024-04-10T08:00:00+07:00"),
                at("/sitemaps/2024-02.xml", "2024-02-29T23:00:00+07:00"),
                at("/sitemaps/2023-12.xml", "2023-12-31T23:00:00+07:00"),
                at("/", "2024-04-10T08:00:00+07:00"),
                at("/categories/kinh-te", "2024-04-10T08:00:00+07:00"),
                at("/categories/thoi-su", "2024-03-03T09:00:00+07:00"),
            ]
        );
        // Without being listed.
        let march = on_demand(&site(), &after, "/sitemaps/2024-03.xml", HCM).unwrap();
        assert!(!text(&march).contains("/articles/kinh-te/c<"));
        assert_eq!(text(&march).matches("<url>").count(), 2);
        // A withdrawal dated before its publication (a typo the article
        // warns of) dates what listed it by the publication, never earlier.
        let typo = withdraw(&before, "kinh-te/c", (2024, 1, 1, 8));
        assert_eq!(dates(&typo, MAX_URLS), dates(&before, MAX_URLS));
    }

    #[test]
    fn a_part_whose_only_newer_article_was_withdrawn_is_dated_by_the_withdrawal() {
        // March in parts of one: `thoi-su/a b`, `kinh-te/c`, `thoi-su/b`.
        // Its newest withdrawn on the 4th: the first part now holds
        // `kinh-te/c` (of the 2nd) and is dated by the withdrawal.
        let idx = withdraw(&index(), "thoi-su/a b", (2024, 3, 4, 10));
        let march: Vec<(String, String)> = sitemaps_of(&idx, HCM, 1)
            .into_iter()
            .filter(|m| m.path.starts_with("/sitemaps/2024-03"))
            .map(|m| (m.path, rfc3339(&m.lastmod.unwrap())))
            .collect();
        let at = |path: &str, date: &str| (path.to_owned(), date.to_owned());
        assert_eq!(
            march,
            [
                at("/sitemaps/2024-03.xml", "2024-03-04T10:00:00+07:00"),
                // Its URL moved up a part: dated by the withdrawal too.
                at("/sitemaps/2024-03-2.xml", "2024-03-04T10:00:00+07:00"),
            ]
        );
        let first = on_demand_of(&site(), &idx, "/sitemaps/2024-03.xml", HCM, 1).unwrap();
        assert!(
            text(&first).contains("/articles/kinh-te/c<"),
            "{}",
            text(&first)
        );
        // The front page and `thoi-su`'s, which it headed, likewise.
        let pages = dated_pages(&idx);
        assert_eq!(
            pages,
            [
                at("/", "2024-03-04T10:00:00+07:00"),
                at("/categories/kinh-te", "2024-03-02T12:00:00+07:00"),
                at("/categories/thoi-su", "2024-03-04T10:00:00+07:00"),
            ]
        );
        // In parts of two, the oldest of March withdrawn falls after a full
        // part: the part it was alone in is no longer listed or served, and
        // the full one keeps its date (its bytes did not change).
        let idx = withdraw(&index(), "thoi-su/b", (2024, 3, 20, 8));
        let march: Vec<(String, String)> = sitemaps_of(&idx, HCM, 2)
            .into_iter()
            .filter(|m| m.path.starts_with("/sitemaps/2024-03"))
            .map(|m| (m.path, rfc3339(&m.lastmod.unwrap())))
            .collect();
        assert_eq!(
            march,
            [at("/sitemaps/2024-03.xml", "2024-03-03T09:00:00+07:00")]
        );
        assert_eq!(
            on_demand_of(&site(), &idx, "/sitemaps/2024-03-2.xml", HCM, 2),
            None
        );
        // A month whose only article is withdrawn is listed nowhere.
        let idx = withdraw(&index(), "kinh-te/e", (2024, 1, 2, 8));
        assert!(sitemaps(&idx, HCM)
            .iter()
            .all(|m| !m.path.starts_with("/sitemaps/2023-12")));
        // A category whose articles are all withdrawn still has its page,
        // which says so: listed, dated by the latest withdrawal.
        let idx = withdraw(&idx, "kinh-te/d", (2024, 3, 5, 8));
        let idx = withdraw(&idx, "kinh-te/c", (2024, 3, 4, 8));
        let pages = dated_pages(&idx);
        assert_eq!(
            pages,
            [
                at("/", "2024-03-05T08:00:00+07:00"),
                at("/categories/kinh-te", "2024-03-05T08:00:00+07:00"),
                at("/categories/thoi-su", "2024-03-03T09:00:00+07:00"),
            ]
        );
    }

    #[test]
    fn the_news_sitemap_holds_the_two_days_up_to_the_newest_article() {
        let idx = Index::new(Entries::from_iter([
            entry("a", "Thời sự", (2024, 3, 3, 9)),
            entry("b", "Thời sự", (2024, 3, 1, 9)),
            entry("c", "Thời sự", (2024, 3, 1, 8)),
        ]));
        let ids: Vec<String> = news_entries(&idx)
            .iter()
            .map(|e| e.article.id.clone())
            .collect();
        assert_eq!(ids, ["a", "b"], "48 hours back, inclusive; not 49");
        let xml = String::from_utf8(news(&site(), &idx)).unwrap();
        assert!(xml.contains("xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\""));
        assert!(xml.contains(
            "<url><loc>https://bantin.example/articles/a</loc><news:news><news:publication>\
             <news:name>Tin &lt;Làng&gt; &amp; Xã</news:name><news:language>vi</news:language>\
             </news:publication><news:publication_date>2024-03-03T09:00:00+07:00</news:publication_date>\
             <news:title>Tiêu đề &lt;a&gt; &amp; \"x\"</news:title></news:news></url>"
        ), "{xml}");
        assert_eq!(xml.matches("<url>").count(), 2);
        // An empty store lists its front page, with no news tags.
        assert!(news(&site(), &Index::default())
            .ends_with(b"\">\n<url><loc>https://bantin.example/</loc></url>\n</urlset>\n"));
    }

    #[test]
    fn the_news_sitemap_leaves_out_withdrawn_articles() {
        let (id, listed) = entry("b", "Thời sự", (2024, 3, 2, 9));
        let mut article = listed.article.as_ref().clone();
        article.withdrawn = Some(crate::article::Withdrawal {
            at: HCM
                .with_ymd_and_hms(2024, 3, 3, 8, 0, 0)
                .unwrap()
                .fixed_offset(),
            reason: None,
        });
        let gone = Entry::full(Arc::new(article), None);
        let idx = Index::new(Entries::from_iter([
            entry("a", "Thời sự", (2024, 3, 3, 9)),
            (id, gone),
            entry("c", "Thời sự", (2024, 3, 2, 8)),
        ]));
        let ids: Vec<String> = news_entries(&idx)
            .iter()
            .map(|e| e.article.id.clone())
            .collect();
        assert_eq!(ids, ["a", "c"], "a withdrawn article's page is 410 Gone");
        let xml = String::from_utf8(news(&site(), &idx)).unwrap();
        assert!(!xml.contains("/articles/b<"), "{xml}");
    }

    #[test]
    fn the_news_window_starts_from_the_newest_article_still_listed() {
        // The newest article has a typo in its year and is withdrawn: the
        // window starts from the newest listed one, not decades ahead of it.
        let idx = Index::new(Entries::from_iter([
            entry("typo", "Thời sự", (2052, 3, 3, 9)),
            entry("a", "Thời sự", (2024, 3, 3, 9)),
            entry("b", "Thời sự", (2024, 3, 1, 9)),
            entry("c", "Thời sự", (2024, 3, 1, 8)),
        ]));
        let idx = withdraw(&idx, "typo", (2052, 3, 4, 9));
        let ids: Vec<String> = news_entries(&idx)
            .iter()
            .map(|e| e.article.id.clone())
            .collect();
        assert_eq!(ids, ["a", "b"], "48 hours back from a");
        // Every article withdrawn: no article listed, the front page alone.
        let idx = ["a", "b", "c"]
            .into_iter()
            .fold(idx, |idx, id| withdraw(&idx, id, (2024, 3, 4, 9)));
        assert!(news_entries(&idx).is_empty());
        let xml = String::from_utf8(news(&site(), &idx)).unwrap();
        assert_eq!(xml.matches("<url>").count(), 1, "{xml}");
        assert!(xml.contains("<url><loc>https://bantin.example/</loc></url>\n</urlset>\n"));
    }
}
