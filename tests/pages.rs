//! The pages a visitor browses, through the real daemon: category, month, tag
//! and author pages, tag and author feeds, article links, subscribe pages and
//! the HTML 404.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use common::TempStore;

/// The shell every page shares: `lang`, viewport, one `h1`, the landmarks,
/// each navigation landmark with a name of its own (a screen reader lists
/// them by name).
fn assert_shell(path: &str, page: &str) {
    assert!(page.contains("<html lang=\"vi\">"), "{path}");
    assert!(page.contains("name=\"viewport\""), "{path}");
    assert_eq!(page.matches("<h1>").count(), 1, "{path}: one h1");
    for landmark in ["<header>", "<nav", "<main id=\"noi-dung\">"] {
        assert!(page.contains(landmark), "{path}: {landmark}");
    }
    assert!(!page.contains("<script"), "{path}: no JavaScript");
    let html = scraper::Html::parse_document(page);
    let navs = scraper::Selector::parse("nav").unwrap();
    let mut names = std::collections::BTreeSet::new();
    for nav in html.select(&navs) {
        let v = nav.value();
        let name = v
            .attr("aria-label")
            .or(v.attr("aria-labelledby"))
            .unwrap_or_else(|| panic!("{path}: a nav without a name"));
        assert!(
            names.insert(name.to_owned()),
            "{path}: two navs named {name}"
        );
    }
}

#[test]
fn every_kind_of_page_answers_in_the_site_shell() {
    let site = TempStore::new();
    let d = site.start();
    for path in [
        "/",
        "/categories/tin-tuc",
        "/categories/tin-tuc/thoi-su",
        "/tags",
        "/authors",
        "/tags/dien-tap",
        "/authors/le-hoang-nam",
        "/tags/dien-tap/2022-05",
        "/authors/le-hoang-nam/2022-05",
        "/subscribe/feeds/tin-tuc/thoi-su.atom",
        "/subscribe/tags/dien-tap.rss",
        "/subscribe/archive/tin-tuc/thoi-su/2024-07.json",
        "/subscribe/feeds.opml",
        "/subscribe/changes.atom",
        "/changes",
        "/archive/tin-tuc/thoi-su/2024-07",
        "/archive/2024-07",
        "/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022",
    ] {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.expect_header("content-type").starts_with("text/html"),
            "{path}"
        );
        let etag = r.expect_header("etag");
        assert_shell(path, &r.text());
        let again = d.get(path, &[("if-none-match", etag)]);
        assert_eq!(again.status, 304, "{path}");
    }
    // Subscribe pages are HTML, whatever the feed they name ends with.
    for missing in ["/tags/khong-co", "/subscribe/feeds/khong.atom"] {
        let r = d.get(missing, &[]);
        assert_eq!(r.status, 404, "{missing}");
        assert!(
            r.expect_header("content-type").starts_with("text/html"),
            "{missing}"
        );
        assert_shell(missing, &r.text());
    }
}

#[test]
fn an_article_page_links_where_it_is_filed() {
    let site = TempStore::new();
    let d = site.start();
    let page = d.body("/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022");
    for link in [
        "href=\"/categories/tin-tuc\"",
        "href=\"/categories/tin-tuc/thoi-su\"",
        "href=\"/tags/dien-tap\"",
        "href=\"/authors/le-hoang-nam\"",
        "href=\"/subscribe/feeds/tin-tuc/thoi-su.atom\"",
        // Autodiscovery of the category's and the tags' feeds.
        "/feeds/tin-tuc/thoi-su.atom\">",
        "/tags/dien-tap.atom\">",
        // The other article of the category.
        "href=\"/articles/tin-tuc/thoi-su/trien-khai-cap-can-cuoc-luu-dong\"",
    ] {
        assert!(page.contains(link), "{link} missing:\n{page}");
    }
}

#[test]
fn category_pages_reach_every_article_through_their_months() {
    let site = TempStore::new();
    let d = site.start();
    let page = d.body("/categories/thong-bao");
    let months: Vec<&str> = page
        .split("href=\"/archive/thong-bao/")
        .skip(1)
        .map(|s| &s[..7])
        .collect();
    assert!(!months.is_empty(), "{page}");
    let mut seen = Vec::new();
    for m in months {
        let month = d.body(&format!("/archive/thong-bao/{m}"));
        seen.extend(
            month
                .split("href=\"/articles/")
                .skip(1)
                .map(|s| s.split('"').next().unwrap().to_owned()),
        );
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "thong-bao/lich-tiep-cong-dan-thang-6-2021",
            "thong-bao/tam-dung-cap-nuoc-phuong-hoa-lac"
        ]
    );
    assert_eq!(d.get("/archive/thong-bao/1999-01", &[]).status, 404);
}

#[test]
fn tag_and_author_feeds_hold_exactly_their_articles() {
    let site = TempStore::new();
    let d = site.start();
    for (path, kind) in [
        ("/tags/dien-tap.atom", "application/atom+xml"),
        ("/tags/dien-tap.rss", "application/rss+xml"),
        ("/tags/dien-tap.json", "application/feed+json"),
        ("/authors/le-hoang-nam.atom", "application/atom+xml"),
    ] {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.expect_header("content-type").starts_with(kind), "{path}");
        let feed = feed_rs::parser::parse(&r.body[..]).unwrap();
        let titles: Vec<String> = feed
            .entries
            .iter()
            .map(|e| e.title.as_ref().unwrap().content.clone())
            .collect();
        assert_eq!(titles.len(), 1, "{path}: {titles:?}");
        assert!(
            feed.entries[0].links.iter().any(|l| l
                .href
                .ends_with("/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022")),
            "{path}"
        );
    }
    let opml = d.body("/tags.opml");
    assert!(opml.contains("/tags/dien-tap.rss\""), "{opml}");
    assert_eq!(d.get("/tags/dien-tap.xml", &[]).status, 404);
}

#[test]
fn pages_and_term_feeds_are_cached_compressed_and_revalidated_without_a_render() {
    let site = TempStore::new();
    let d = site.start();
    let misses = || d.metric("bantin_archive_cache_misses_total").unwrap_or(0.0);
    let hits = || d.metric("bantin_archive_cache_hits_total").unwrap_or(0.0);
    for path in [
        "/tags/dien-tap.atom",
        "/authors/le-hoang-nam",
        "/categories/thong-bao",
    ] {
        let before = (misses(), hits());
        let first = d.get(path, &[]);
        assert_eq!(first.status, 200, "{path}");
        assert_eq!(misses(), before.0 + 1.0, "{path}: rendered once");
        let again = d.get(path, &[]);
        assert_eq!(again.body, first.body, "{path}");
        assert_eq!(hits(), before.1 + 1.0, "{path}: then taken from the cache");
        // The cached resource is compressed like every other one, with its own tag.
        let gz = d.get(path, &[("accept-encoding", "gzip")]);
        assert_eq!(gz.header("content-encoding"), Some("gzip"), "{path}");
        assert_ne!(gz.header("etag"), first.header("etag"), "{path}");
        // A revalidation is a 304 decided on the derived tag: no render.
        let tag = first.expect_header("etag").to_owned();
        let before = misses();
        let r = d.get(path, &[("if-none-match", &tag)]);
        assert_eq!(r.status, 304, "{path}");
        assert_eq!(misses(), before, "{path}: no render for a 304");
        // Pages and tag feeds change with the store: the live feeds' freshness,
        // not the archives' day.
        let cache = first.expect_header("cache-control");
        assert!(!cache.contains("86400"), "{path}: {cache}");
    }
    // A tag feed is never pinged to a hub, so it names none.
    assert!(!d.body("/tags/dien-tap.atom").contains("rel=\"hub\""));
}

#[test]
fn month_pages_link_their_archived_feeds_through_subscribe_pages() {
    let site = TempStore::new();
    let d = site.start();
    let page = d.body("/categories/thong-bao");
    let month = page
        .split("href=\"/archive/thong-bao/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let month_page = d.body(&format!("/archive/thong-bao/{month}"));
    for ext in ["rss", "atom", "json"] {
        let feed = format!("/archive/thong-bao/{month}.{ext}");
        let subscribe = format!("/subscribe{feed}");
        assert!(
            month_page.contains(&format!("href=\"{subscribe}\"")),
            "{subscribe} missing:\n{month_page}"
        );
        let sub = d.body(&subscribe);
        assert!(sub.contains(&format!("href=\"{feed}\"")), "{sub}");
        assert_shell(&subscribe, &sub);
        assert_eq!(d.get(&feed, &[]).status, 200, "{feed}");
    }
    assert_eq!(
        d.get("/subscribe/archive/thong-bao/1999-01.atom", &[])
            .status,
        404
    );
}

#[test]
fn withdrawn_articles_leave_the_lists_but_stay_on_their_month_and_answer_410() {
    let site = TempStore::new();
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let to = site.store().join("tin-tuc/tong-hop/ngay-hoi.txt");
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(manifest.join("tests/fixtures/withdrawn.txt"), &to).unwrap();
    let d = site.start();
    let link = "href=\"/articles/tin-tuc/tong-hop/ngay-hoi\"";
    for path in [
        "/",
        "/categories/tin-tuc",
        "/categories/tin-tuc/tin-tuc-tong-hop",
    ] {
        let page = d.body(path);
        assert!(
            !page.contains(link),
            "{path} lists a withdrawn article:\n{page}"
        );
    }
    // The month pages of its category and of its author.
    for path in [
        "/archive/tin-tuc/tin-tuc-tong-hop/2020-05",
        "/authors/do-van-hai/2020-05",
    ] {
        let month = d.body(path);
        let item = month
            .lines()
            .find(|l| l.contains(link))
            .unwrap_or_else(|| panic!("the month page {path} lists every article:\n{month}"));
        assert!(item.ends_with("(đã gỡ bỏ)</li>"), "{path}: {item}");
    }
    let r = d.get("/articles/tin-tuc/tong-hop/ngay-hoi", &[]);
    assert_eq!(r.status, 410);
    let gone = r.text();
    assert_shell("410", &gone);
    assert!(
        gone.contains("đã được gỡ bỏ lúc <time datetime=\"2020-05-12T09:30:00+07:00\""),
        "{gone}"
    );
    assert!(gone.contains("<a href=\"/\">Về trang nhất</a>"), "{gone}");
}

/// A withdrawn article filed under `Tin Tức » Tin tức tổng hợp`, published at
/// `published` (`dd/mm/yyyy hh:mm`), by `author`, with `tags`.
fn withdrawn_article(title: &str, published: &str, author: &str, tags: &str) -> String {
    format!(
        "Trang nhất » Tin Tức » Tin tức tổng hợp\n\n{title}\n\n{published}\n\n\
         Gỡ bỏ: 20/06/2024 09:30 - Thông tin sai\n\n\
         Bài này đã được thay thế bằng một thông báo khác.\n\n\
         Tác giả bài viết: {author}\n\nTừ khóa: {tags}\n"
    )
}

/// Writes `text` to `rel` in the store.
fn write(site: &TempStore, rel: &str, text: &str) {
    let to = site.store().join(rel);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::write(&to, text).unwrap();
}

#[test]
fn an_article_page_links_the_listed_articles_next_to_it_past_withdrawn_ones() {
    let site = TempStore::new();
    // Between "cầu treo" (2021) and "giá lúa" (10/05/2020) in their category.
    write(
        &site,
        "tin-tuc/tong-hop/go-bo.txt",
        &withdrawn_article("Bài đã gỡ", "01/06/2020 10:00", "Đỗ Văn Hải", "gỡ bỏ"),
    );
    let d = site.start();
    assert_eq!(d.get("/articles/tin-tuc/tong-hop/go-bo", &[]).status, 410);
    let newer = d.body("/articles/tin-tuc/tong-hop/cau-treo-ban-na-lay");
    assert!(
        !newer.contains("/articles/tin-tuc/tong-hop/go-bo\""),
        "{newer}"
    );
    assert!(
        newer.contains("rel=\"prev\" href=\"/articles/tin-tuc/tong-hop/gi%C3%A1%20l%C3%BAa"),
        "the older listed article is linked:\n{newer}"
    );
    let older = d.body("/articles/tin-tuc/tong-hop/gi%C3%A1%20l%C3%BAa%20cu%E1%BB%91i%20n%C4%83m");
    assert!(
        !older.contains("/articles/tin-tuc/tong-hop/go-bo\""),
        "{older}"
    );
    assert!(
        older.contains("rel=\"next\" href=\"/articles/tin-tuc/tong-hop/cau-treo-ban-na-lay\""),
        "the newer listed article is linked:\n{older}"
    );
}

/// The article links of the list under a page's `Tin mới` heading.
fn newest_listed(page: &str) -> usize {
    let list = page
        .split("id=\"moi\"")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .unwrap_or_else(|| panic!("a list of the newest articles:\n{page}"));
    list.matches("href=\"/articles/").count()
}

/// Every sitemap the index lists but the months' (the pages sitemap and the
/// tag and author parts), one after another.
fn page_sitemaps(d: &common::Daemon) -> String {
    let index = d.body("/sitemap.xml");
    let listed = index
        .split("<loc>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</loc>"))
        .filter_map(|(loc, _)| loc.split_once("/sitemaps/").map(|(_, name)| name))
        .filter(|name| !name.starts_with(|c: char| c.is_ascii_digit()));
    listed
        .map(|name| d.body(&format!("/sitemaps/{name}")))
        .collect()
}

#[test]
fn tags_and_authors_count_and_list_only_articles_that_are_not_withdrawn() {
    let site = TempStore::new();
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // Two withdrawn articles by the author of "giá lúa", one with a tag that
    // no other article has.
    let to = site.store().join("tin-tuc/tong-hop/ngay-hoi.txt");
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(manifest.join("tests/fixtures/withdrawn.txt"), &to).unwrap();
    write(
        &site,
        "tin-tuc/tong-hop/go-bo.txt",
        &withdrawn_article("Bài đã gỡ", "01/06/2020 10:00", "Đỗ Văn Hải", "Tin đã gỡ"),
    );
    // An author whose only article is withdrawn (with the tag above, still
    // on withdrawn articles alone).
    write(
        &site,
        "tin-tuc/tong-hop/go-bo-2.txt",
        &withdrawn_article("Bài gỡ khác", "02/06/2020 10:00", "Lê Thị Gỡ", "Tin đã gỡ"),
    );
    let d = site.start();

    let authors = d.body("/authors");
    assert!(
        authors.contains("href=\"/authors/do-van-hai\"><bdi>Đỗ Văn Hải</bdi></a> (1)</li>"),
        "{authors}"
    );
    let author = d.body("/authors/do-van-hai");
    assert!(author.contains("<p>1 bài viết.</p>"), "{author}");
    assert_eq!(author.matches("href=\"/articles/").count(), 1, "{author}");

    // A tag whose articles are all withdrawn is listed nowhere…
    let gone = "/tags/tin-da-go";
    let sitemaps = page_sitemaps(&d);
    for (path, body) in [
        ("/tags", d.body("/tags")),
        ("/tags.opml", d.body("/tags.opml")),
    ]
    .into_iter()
    .chain([("the page sitemaps", sitemaps.clone())])
    {
        assert!(!body.contains(gone), "{path} lists {gone}:\n{body}");
    }
    // …but its page and feeds still answer, for readers subscribed to them.
    let why =
        ": tất cả đều đã được gỡ bỏ. Trang của từng tháng bên dưới vẫn liệt kê các bài này.</p>";
    let page = d.body(gone);
    assert!(
        page.contains(&format!("<p>Không còn bài viết nào có từ khóa này{why}")),
        "{page}"
    );
    let page = d.body("/authors/le-thi-go");
    assert!(
        page.contains(&format!("<p>Không còn bài viết nào của tác giả này{why}")),
        "{page}"
    );
    assert!(!d.body("/authors").contains("le-thi-go"));
    for ext in ["rss", "atom", "json"] {
        let r = d.get(&format!("{gone}.{ext}"), &[]);
        assert_eq!(r.status, 200, "{gone}.{ext}");
        let feed = feed_rs::parser::parse(&r.body[..]).unwrap();
        assert!(feed.entries.is_empty(), "{gone}.{ext}: {:?}", feed.entries);
    }

    // The author sitemap dates the author's page by its latest change: the
    // withdrawal that took an article off it (20/06/2024), later than the
    // article it lists (10/05/2020).
    let url = sitemaps
        .lines()
        .find(|l| l.contains("/authors/do-van-hai<"))
        .unwrap_or_else(|| panic!("the author's page is in a sitemap:\n{sitemaps}"));
    assert!(
        url.contains("<lastmod>2024-06-20T09:30:00+07:00</lastmod>"),
        "{url}"
    );
}

#[test]
fn category_and_front_pages_show_their_newest_30_past_withdrawn_articles() {
    let site = TempStore::new();
    for day in 1..=31 {
        let text = format!(
            "Trang nhất » Kinh tế\n\nBài kinh tế ngày {day}\n\n{day:02}/01/2023 08:00\n\nDẫn bài {day}.\n"
        );
        write(&site, &format!("kinh-te/bai-{day:02}.txt"), &text);
    }
    // The newest of the category, and the newest but one.
    for day in [30, 31] {
        write(
            &site,
            &format!("kinh-te/bai-{day:02}.txt"),
            &withdrawn_article("Bài đã gỡ", &format!("{day:02}/01/2023 09:00"), "A", "b")
                .replace("Tin Tức » Tin tức tổng hợp", "Kinh tế"),
        );
    }
    let d = site.start();
    assert_eq!(d.get("/articles/kinh-te/bai-31", &[]).status, 410);
    let category = d.body("/categories/kinh-te");
    assert_eq!(newest_listed(&category), 29, "all 29 listed:\n{category}");
    // All it lists are shown: no word of older ones.
    assert!(!category.contains("bài mới nhất;"), "{category}");
    assert!(
        !category.contains("/articles/kinh-te/bai-31\""),
        "{category}"
    );
    write(
        &site,
        "kinh-te/bai-00.txt",
        "Trang nhất » Kinh tế\n\nBài kinh tế cũ\n\n31/12/2022 08:00\n\nDẫn.\n",
    );
    d.wait_until("the 30th article listed", || {
        newest_listed(&d.body("/categories/kinh-te")) == 30
    });
    let category = d.body("/categories/kinh-te");
    assert!(
        category.contains("/articles/kinh-te/bai-00\""),
        "{category}"
    );
    // Exactly 30 listed, all shown: still no word of older ones.
    assert!(!category.contains("bài mới nhất;"), "{category}");
    // The front page's newest 30 are of all articles: three newer than the
    // category's, then its 27 newest listed; it says the rest are in its months.
    let front = d.body("/");
    assert_eq!(newest_listed(&front), 30, "{front}");
    assert!(front.contains("/articles/kinh-te/bai-03\""), "{front}");
    let older = "<p>Đây là 30 bài mới nhất; mọi bài, cả các bài cũ hơn, có trong trang của từng tháng bên dưới.</p>";
    assert!(front.contains(older), "{front}");

    // One more listed than it shows: the category says so too.
    write(
        &site,
        "kinh-te/bai-cu-hon.txt",
        "Trang nhất » Kinh tế\n\nBài kinh tế cũ hơn\n\n30/12/2022 08:00\n\nDẫn.\n",
    );
    d.wait_until("the category says it shows the newest", || {
        d.body("/categories/kinh-te").contains(older)
    });
    assert_eq!(newest_listed(&d.body("/categories/kinh-te")), 30);

    // A category whose only article is withdrawn is not one with none: its
    // month still lists that article.
    write(
        &site,
        "rut-het/bai.txt",
        &withdrawn_article("Bài đã gỡ", "05/01/2023 09:00", "A", "b")
            .replace("Tin Tức » Tin tức tổng hợp", "Rút hết"),
    );
    d.wait_until("the withdrawn-only category", || {
        d.get("/categories/rut-het", &[]).status == 200
    });
    let gone = d.body("/categories/rut-het");
    assert!(!gone.contains("Chưa có bài viết nào."), "{gone}");
    assert!(
        gone.contains("<p>Không còn bài nào đang đăng: các bài đã gỡ bỏ vẫn có trong trang của từng tháng bên dưới.</p>"),
        "{gone}"
    );
    assert!(d
        .body("/archive/rut-het/2023-01")
        .contains("/articles/rut-het/bai\""));
}

/// The front page, rendered with every change that touches its newest,
/// says there are older articles as soon as a 31st is listed, even one that
/// is the oldest of its month (it neither heads a month nor shows there).
#[test]
fn the_front_page_says_there_are_more_once_a_31st_is_listed() {
    let site = TempStore::new();
    std::fs::remove_dir_all(site.store()).unwrap();
    let article = |day: u32, hour: u32| {
        format!("Trang nhất » Kinh tế\n\nBài ngày {day} giờ {hour}\n\n{day:02}/01/2023 {hour:02}:00\n\nDẫn.\n")
    };
    for day in 2..=31 {
        write(
            &site,
            &format!("kinh-te/bai-{day:02}.txt"),
            &article(day, 8),
        );
    }
    let d = site.start();
    let front = d.body("/");
    assert_eq!(newest_listed(&front), 30, "{front}");
    assert!(!front.contains("bài mới nhất;"), "{front}");
    let etag = d.get("/", &[]).expect_header("etag").to_owned();
    write(&site, "kinh-te/bai-01.txt", &article(1, 7));
    d.wait_until("the front page says there are more", || {
        d.body("/").contains("Đây là 30 bài mới nhất;")
    });
    assert_ne!(d.get("/", &[]).expect_header("etag"), etag);
    assert_eq!(newest_listed(&d.body("/")), 30);
}

#[test]
fn the_lists_of_every_tag_follow_live_updates() {
    let site = TempStore::new();
    let article = |title: &str, tags: &str| {
        format!(
            "Trang nhất » Tin Tức » Tin tức tổng hợp\n\n{title}\n\n01/06/2024 10:00\n\n\
             Dẫn của bài {title}.\n\nTừ khóa: {tags}\n"
        )
    };
    write(
        &site,
        "tin-tuc/tong-hop/dau.txt",
        &article("Đầu", "cầu cạn"),
    );
    let d = site.start();
    let etag = |path: &str| {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        r.expect_header("etag").to_owned()
    };
    let (tags, opml) = (etag("/tags"), etag("/tags.opml"));
    assert!(
        d.body("/tags").contains("><bdi>cầu cạn</bdi></a> (1)"),
        "{}",
        d.body("/tags")
    );

    // One more article under an existing tag: its count moves, no name does.
    write(
        &site,
        "tin-tuc/tong-hop/them.txt",
        &article("Thêm", "cầu cạn"),
    );
    d.wait_until("/tags counts the new article", || etag("/tags") != tags);
    assert!(
        d.body("/tags").contains("><bdi>cầu cạn</bdi></a> (2)"),
        "{}",
        d.body("/tags")
    );
    assert_eq!(etag("/tags.opml"), opml, "no tag came or went");

    // A new tag: both lists move.
    write(
        &site,
        "tin-tuc/tong-hop/moi.txt",
        &article("Mới", "đường sắt"),
    );
    d.wait_until("/tags.opml lists the new tag", || {
        etag("/tags.opml") != opml
    });
    assert!(d.body("/tags.opml").contains("đường sắt"));
    assert!(d.body("/tags").contains("><bdi>đường sắt</bdi></a> (1)"));
}

/// The `<p>` of `page` that holds `needle`.
fn paragraph_with<'a>(page: &'a str, needle: &str) -> &'a str {
    page.split("<p>")
        .find(|p| p.contains(needle))
        .and_then(|p| p.split("</p>").next())
        .unwrap_or_else(|| panic!("no paragraph with {needle}:\n{page}"))
}

#[test]
fn a_month_page_follows_its_category_and_offers_its_archive_as_a_fixed_download() {
    let site = TempStore::new();
    let d = site.start();
    for (month, live, title) in [
        (
            "/archive/tin-tuc/thoi-su/2024-07",
            "/feeds/tin-tuc/thoi-su",
            "Tin Tức › Thời sự",
        ),
        ("/archive/2024-07", "/feed", "Bản tin"),
    ] {
        let page = d.body(month);
        // Visible links to the live feed, labelled with what they follow.
        let follow = paragraph_with(&page, &format!("href=\"/subscribe{live}.atom\""));
        assert!(follow.contains("Theo dõi"), "{follow}");
        assert!(follow.contains(title), "{follow}");
        // The month's archive: a fixed download, never "Theo dõi".
        let archive = paragraph_with(&page, &format!("href=\"/subscribe{month}.atom\""));
        assert!(archive.contains("Tải lưu trữ tháng này"), "{archive}");
        assert!(!archive.contains("Theo dõi"), "{archive}");
        // Autodiscovery names the live feed first, titled as its own page titles it.
        let first = page
            .lines()
            .find(|l| l.starts_with("<link rel=\"alternate\""))
            .unwrap();
        assert!(first.contains(&format!("{live}.rss\"")), "{first}");
        assert!(
            first.contains(&format!("title=\"{title} (RSS)\"")),
            "{first}"
        );
        // The archive's own page offers it to download, says whether it
        // still grows, and points to the live feed.
        let sub = d.body(&format!("/subscribe{month}.atom"));
        assert!(!sub.contains("để nhận bài mới"), "{sub}");
        assert_growth_told(&d, month);
        assert!(
            sub.contains(&format!("href=\"/subscribe{live}.atom\"")),
            "{sub}"
        );
        assert!(sub.contains(&format!("href=\"{month}.atom\"")), "{sub}");
    }
}

/// Whether `archive`'s `Cache-Control` says it can still change: the
/// newest month's is the live feeds', an older one's a day.
fn still_grows(d: &common::Daemon, archive: &str) -> bool {
    let r = d.get(archive, &[]);
    assert_eq!(r.status, 200, "{archive}");
    match r.expect_header("cache-control") {
        "max-age=300" => true,
        "max-age=86400" => false,
        other => panic!("{archive}: Cache-Control {other}"),
    }
}

/// The month page `month` (a category's or all articles') and its archive's
/// three subscribe pages say what its archive's `Cache-Control` does: the
/// newest month still grows, an older one is fixed.
fn assert_growth_told(d: &common::Daemon, month: &str) {
    let grows = still_grows(d, &format!("{month}.atom"));
    let page = d.body(month);
    let download = paragraph_with(&page, "Tải lưu trữ tháng này");
    assert_eq!(
        download.contains("tháng mới nhất"),
        grows,
        "{month}: {download}"
    );
    assert_eq!(download.contains("cố định"), !grows, "{month}: {download}");
    for ext in ["rss", "atom", "json"] {
        let sub = d.body(&format!("/subscribe{month}.{ext}"));
        let said = paragraph_with(&sub, "Tệp này giữ");
        assert_eq!(
            said.contains("tháng mới nhất"),
            grows,
            "{month}.{ext}: {said}"
        );
        assert_eq!(
            said.contains("không có bài mới"),
            !grows,
            "{month}.{ext}: {said}"
        );
    }
}

#[test]
fn only_months_before_the_newest_are_called_fixed() {
    let site = TempStore::new();
    // A second month for the tag and the author of the sample article of 2022.
    write(
        &site,
        "tin-tuc/thoi-su/dien-tap-2019.txt",
        "Trang nhất » Tin Tức » Thời sự\n\nDiễn tập năm 2019\n\n10/05/2019 15:33\n\n\
         Buổi diễn tập diễn ra an toàn.\n\nTác giả bài viết: Lê Hoàng Nam\n\nTừ khóa: Diễn tập\n",
    );
    let d = site.start();
    let (newest, older) = (
        "/archive/tin-tuc/thoi-su/2024-07",
        "/archive/tin-tuc/thoi-su/2022-05",
    );
    assert!(still_grows(&d, &format!("{newest}.rss")));
    assert!(!still_grows(&d, &format!("{older}.rss")));
    for month in [newest, older, "/archive/2019-05"] {
        assert_growth_told(&d, month);
    }
    // A tag's and an author's page: the newest month named as growing, the
    // others as fixed, as their archives are sent.
    for term in ["/tags/dien-tap", "/authors/le-hoang-nam"] {
        let page = d.body(term);
        let said = paragraph_with(&page, "Mỗi tháng có một trang");
        let html = scraper::Html::parse_document(&page);
        let items = scraper::Selector::parse("#luu-tru ~ ul li a").unwrap();
        let months: Vec<String> = html
            .select(&items)
            .filter_map(|a| a.attr("href")?.strip_suffix(".atom").map(str::to_owned))
            .map(|sub| sub.strip_prefix("/subscribe").unwrap().to_owned())
            .collect();
        assert!(months.len() >= 2, "{term}: {months:?}");
        assert!(still_grows(&d, &format!("{}.atom", months[0])), "{term}");
        let named = months[0].rsplit('/').next().unwrap();
        let (year, month) = named.split_once('-').unwrap();
        let newest_name = format!(
            "Tháng {}/{year} là tháng mới nhất",
            month.trim_start_matches('0')
        );
        assert!(said.contains(&newest_name), "{term}: {said}");
        assert!(said.contains("Các tháng trước cố định"), "{term}: {said}");
        for older in &months[1..] {
            assert!(
                !still_grows(&d, &format!("{older}.atom")),
                "{term}: {older}"
            );
        }
    }
}

#[test]
fn subcategories_of_one_name_are_told_apart_by_their_section() {
    let site = TempStore::new();
    for (rel, crumb, title) in [
        (
            "kinh-te/du-lich/bien.txt",
            "Kinh tế",
            "Du lịch biển tăng trưởng",
        ),
        (
            "van-hoa/du-lich/le-hoi.txt",
            "Văn hóa",
            "Lễ hội du lịch mở màn",
        ),
    ] {
        let text = format!(
            "Trang nhất » {crumb} » Du lịch\n\n{title}\n\n10/06/2020 08:00\n\nBài viết về du lịch.\n"
        );
        write(&site, rel, &text);
    }
    let d = site.start();
    for (slug, path) in [
        ("kinh-te/du-lich", "Kinh tế › Du lịch"),
        ("van-hoa/du-lich", "Văn hóa › Du lịch"),
    ] {
        let page = d.body(&format!("/categories/{slug}"));
        assert!(
            page.contains(&format!("<title>{path} · Bản tin</title>")),
            "{page}"
        );
        // Each name of the path isolated.
        let shown = path
            .split(" › ")
            .map(|name| format!("<bdi>{name}</bdi>"))
            .collect::<Vec<_>>()
            .join(" › ");
        assert!(page.contains(&format!("<h1>{shown}</h1>")), "{page}");
        let month = d.body(&format!("/archive/{slug}/2020-06"));
        let heading = format!("{path}: tháng 6/2020");
        assert!(
            month.contains(&format!("<title>{heading} · Bản tin</title>")),
            "{month}"
        );
        assert!(
            month.contains(&format!("<h1>{shown}: tháng 6/2020</h1>")),
            "{month}"
        );
        // As the feed is titled.
        let feed = d.body(&format!("/feeds/{slug}.atom"));
        assert!(feed.contains(&format!(">{path}</title>")), "{feed}");
    }
    // A top-level section is headed with its name alone.
    assert!(d
        .body("/categories/kinh-te")
        .contains("<h1><bdi>Kinh tế</bdi></h1>"));
}

/// The article ids of the JSON Feed at `path`, in feed order.
fn json_ids(d: &common::Daemon, path: &str) -> Vec<String> {
    let r = d.get(path, &[]);
    assert_eq!(r.status, 200, "{path}");
    let feed: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let items = feed["items"].as_array().unwrap().iter();
    let ids = items.map(|i| {
        i["id"]
            .as_str()
            .unwrap()
            .split_once("article/")
            .unwrap()
            .1
            .to_owned()
    });
    ids.collect()
}

#[test]
fn one_word_is_one_tag_author_and_section_however_its_tone_marks_are_placed() {
    let site = TempStore::new();
    // The sample store's section spelled `Văn hóa`, and an article of the
    // newer placement (`Văn hoá`, `thuỷ`), with a zero-width space after a
    // tag and a tag of nothing else.
    let articles = [
        (
            "van-hoa-xa-hoi/y-te/cu.txt",
            "Văn hóa - Xã hội",
            "Nuôi trồng thủy sản ven biển",
            "10/06/2020 08:00",
            "Nguyễn Thị Thủy",
            "thủy sản, Hà Nội",
        ),
        (
            "van-hoa-xa-hoi/y-te/moi.txt",
            "Văn hoá - Xã hội",
            "Xuất khẩu thuỷ sản tăng",
            "12/06/2020 08:00",
            "Nguyễn Thị Thuỷ",
            "thuỷ sản, Hà Nội\u{200b}, \u{200b}",
        ),
    ];
    for (rel, section, title, published, author, tags) in articles {
        let text = format!(
            "Trang nhất » {section} » Y tế\n\n{title}\n\n{published}\n\n\
             Đoạn mở đầu của bài viết.\n\nTác giả bài viết: {author}\n\nTừ khóa: {tags}\n"
        );
        write(&site, rel, &text);
    }
    let both = ["van-hoa-xa-hoi/y-te/moi", "van-hoa-xa-hoi/y-te/cu"];
    let d = site.start();

    // One tag, one page and one feed, holding both articles; no `-2`.
    assert_eq!(json_ids(&d, "/tags/thuy-san.json"), both);
    let page = d.body("/tags/thuy-san");
    for title in ["Nuôi trồng thủy sản ven biển", "Xuất khẩu thuỷ sản tăng"] {
        assert!(page.contains(title), "{page}");
    }
    assert_eq!(json_ids(&d, "/tags/ha-noi.json"), both);
    // One author.
    assert_eq!(json_ids(&d, "/authors/nguyen-thi-thuy.json"), both);
    // One section, and one subsection under it.
    assert_eq!(json_ids(&d, "/feeds/van-hoa-xa-hoi.json"), both);
    assert_eq!(json_ids(&d, "/feeds/van-hoa-xa-hoi/y-te.json"), both);
    for path in [
        "/tags/thuy-san-2",
        "/tags/ha-noi-2",
        "/tags/muc",
        "/authors/nguyen-thi-thuy-2",
        "/categories/van-hoa-xa-hoi-2",
        "/feeds/van-hoa-xa-hoi-2.json",
    ] {
        assert_eq!(d.get(path, &[]).status, 404, "{path}");
    }
    // Each listed once, by a spelling from the store (one article each: ties
    // go to the smallest), with no invisible character and no empty link.
    let tags = d.body("/tags");
    assert_eq!(tags.matches("href=\"/tags/thuy-san\"").count(), 1, "{tags}");
    assert_eq!(tags.matches("href=\"/tags/ha-noi\"").count(), 1, "{tags}");
    assert!(!tags.contains('\u{200b}'), "{tags}");
    assert!(!tags.contains("\"></a>"), "{tags}");
    let authors = d.body("/authors");
    assert_eq!(
        authors.matches("href=\"/authors/nguyen-thi").count(),
        1,
        "{authors}"
    );
    let opml = d.body("/feeds.opml");
    assert_eq!(
        opml.matches("/feeds/van-hoa-xa-hoi.rss\"").count(),
        1,
        "{opml}"
    );
    assert!(!opml.contains("van-hoa-xa-hoi-2"), "{opml}");

    // `bantin check` reads the tag of only a zero-width space as no tag, as
    // an empty one, with no warning.
    let file = site.store().join("van-hoa-xa-hoi/y-te/moi.txt");
    let (_, lines) = common::check_json(None, &[&file]);
    let report = &lines[0];
    assert_eq!(report["warnings"].as_array().unwrap().len(), 0, "{report}");
    let article = &report["article"];
    assert_eq!(article["tags"], serde_json::json!(["thuỷ sản", "Hà Nội"]));
    assert_eq!(
        article["categories"],
        serde_json::json!(["Văn hoá - Xã hội", "Y tế"])
    );
}

#[test]
fn subscribe_pages_are_not_listed_by_search_engines_and_each_names_its_format() {
    let site = TempStore::new();
    let d = site.start();
    let noindex = "<meta name=\"robots\" content=\"noindex\">";
    let title = |page: &str| -> String {
        let html = scraper::Html::parse_document(page);
        let t = scraper::Selector::parse("title").unwrap();
        html.select(&t).next().unwrap().text().collect()
    };
    let mut titles = std::collections::BTreeSet::new();
    for feed in [
        "/feeds/tin-tuc/thoi-su",
        "/feed",
        "/tags/dien-tap",
        "/archive/tin-tuc/thoi-su/2024-07",
    ] {
        for (ext, name) in [("rss", "RSS"), ("atom", "Atom"), ("json", "JSON")] {
            let path = format!("/subscribe{feed}.{ext}");
            let page = d.body(&path);
            assert!(page.contains(noindex), "{path}");
            let t = title(&page);
            assert!(t.contains(name), "{path}: {t}");
            assert!(titles.insert(t.clone()), "{path}: {t} twice");
        }
    }
    for list in [
        "/subscribe/feeds.opml",
        "/subscribe/tags.opml",
        "/subscribe/authors.opml",
    ] {
        assert!(d.body(list).contains(noindex), "{list}");
    }
    // The pages worth finding are listed; crawlers may fetch subscribe
    // pages (a disallowed page's noindex is never read) and follow their links.
    for path in [
        "/",
        "/categories/tin-tuc",
        "/archive/tin-tuc/thoi-su/2024-07",
        "/tags/dien-tap",
        "/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022",
    ] {
        assert!(!d.body(path).contains("name=\"robots\""), "{path}");
    }
    let robots = d.body("/robots.txt");
    assert!(!robots.contains("/subscribe"), "{robots}");
}

#[test]
fn a_category_feed_has_one_title_on_every_page_that_offers_it() {
    let site = TempStore::with_config(
        "[feeds.categories.\"tin-tuc/thoi-su\"]\ntitle = \"Thời sự Lam Sơn\"\n",
    );
    let d = site.start();
    for path in [
        "/categories/tin-tuc/thoi-su",
        "/archive/tin-tuc/thoi-su/2024-07",
        "/articles/tin-tuc/thoi-su/trien-khai-cap-can-cuoc-luu-dong",
        "/subscribe/feeds/tin-tuc/thoi-su.atom",
    ] {
        let page = d.body(path);
        let discovery = page
            .lines()
            .find(|l| {
                l.starts_with("<link rel=\"alternate\"")
                    && l.contains("/feeds/tin-tuc/thoi-su.atom\">")
            })
            .unwrap_or_else(|| panic!("{path} advertises the category feed:\n{page}"));
        assert!(
            discovery.contains("title=\"Thời sự Lam Sơn (Atom)\""),
            "{path}: {discovery}"
        );
    }
    let article = d.body("/articles/tin-tuc/thoi-su/trien-khai-cap-can-cuoc-luu-dong");
    let visible = paragraph_with(&article, "href=\"/subscribe/feeds/tin-tuc/thoi-su.atom\"");
    assert!(visible.contains("Thời sự Lam Sơn"), "{visible}");
}

/// The titles `page`'s autodiscovery links give the feed at `path` (a site
/// path without its extension), by format, without the ` (Atom)` after them.
fn discovery_titles(page: &str, path: &str) -> Vec<(String, String)> {
    let html = scraper::Html::parse_document(page);
    let links = scraper::Selector::parse("link[rel=alternate]").unwrap();
    let mut found = Vec::new();
    for link in html.select(&links) {
        let (href, title) = (link.attr("href").unwrap(), link.attr("title").unwrap());
        for (ext, name) in [("rss", "RSS"), ("atom", "Atom"), ("json", "JSON")] {
            if href == format!("{}{path}.{ext}", common::BASE_URL) {
                let bare = title.strip_suffix(&format!(" ({name})")).unwrap();
                found.push((ext.to_owned(), bare.to_owned()));
            }
        }
    }
    found
}

/// The title of each outline of an OPML list, by the feed it names.
fn opml_titles(opml: &str) -> Vec<(String, String, String)> {
    let mut reader = quick_xml::Reader::from_str(opml);
    let mut found = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e)
                if e.name().as_ref() == b"outline" =>
            {
                let attr = |name: &str| {
                    e.try_get_attribute(name)
                        .unwrap()
                        .map(|a| a.unescape_value().unwrap().into_owned())
                        .unwrap_or_default()
                };
                found.push((attr("xmlUrl"), attr("text"), attr("title")));
            }
            quick_xml::events::Event::Eof => return found,
            _ => {}
        }
    }
}

#[test]
fn a_tag_or_author_feed_has_one_title_everywhere() {
    let site = TempStore::new();
    let d = site.start();
    for (feed, title, pages, opml, other_opml) in [
        (
            "/tags/dien-tap",
            "Từ khóa: diễn tập",
            &[
                "/tags/dien-tap",
                "/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022",
                "/subscribe/tags/dien-tap.rss",
                "/subscribe/tags/dien-tap.atom",
                "/subscribe/tags/dien-tap.json",
                "/subscribe/tags/dien-tap/2022-05.atom",
            ][..],
            "/tags.opml",
            "/authors.opml",
        ),
        (
            "/authors/le-hoang-nam",
            "Tác giả: Lê Hoàng Nam",
            &[
                "/authors/le-hoang-nam",
                "/subscribe/authors/le-hoang-nam.atom",
                "/subscribe/authors/le-hoang-nam/2022-05.json",
            ][..],
            "/authors.opml",
            "/tags.opml",
        ),
    ] {
        // The feed's own title, in each format.
        for ext in ["rss", "atom", "json"] {
            let path = format!("{feed}.{ext}");
            let parsed = feed_rs::parser::parse(&d.get(&path, &[]).body[..]).unwrap();
            let own = parsed.title.map(|t| t.content);
            assert_eq!(own.as_deref(), Some(title), "{path}");
        }
        // Every page that offers it: autodiscovery names it so.
        for page in pages {
            let titles = discovery_titles(&d.body(page), feed);
            assert!(!titles.is_empty(), "{page} offers {feed}");
            for (ext, t) in titles {
                assert_eq!(t, title, "{page}: the {ext} link to {feed}");
            }
        }
        // Its OPML list, whose outlines readers name subscriptions after,
        // and not the other.
        let rss = format!("{}{feed}.rss", common::BASE_URL);
        let outlines = opml_titles(&d.body(opml));
        let listed: Vec<_> = outlines.iter().filter(|o| o.0 == rss).collect();
        assert_eq!(listed.len(), 1, "{feed} in {opml}: {outlines:?}");
        assert_eq!((listed[0].1.as_str(), listed[0].2.as_str()), (title, title));
        let outlines = opml_titles(&d.body(other_opml));
        assert!(
            outlines.iter().all(|o| o.0 != rss),
            "{feed} in {other_opml}"
        );
    }
}

#[test]
fn an_article_offers_its_tags_feeds_by_their_titles_not_its_own_spelling() {
    let site = TempStore::new();
    // Two articles spell the tag `Diễn Tập`; the sample's one `diễn tập`. The
    // feed is titled by the spelling most of its articles use.
    for (n, day) in [(1, "02"), (2, "03")] {
        write(
            &site,
            &format!("tin-tuc/thoi-su/dien-tap-{n}.txt"),
            &format!(
                "Trang nhất » Tin Tức » Thời sự\n\nDiễn tập lần {n}\n\n{day}/06/2022 08:00\n\n\
                 Dẫn lần {n}.\n\nNội dung.\n\nTừ khóa: Diễn Tập\n"
            ),
        );
    }
    let d = site.start();
    let title = "Từ khóa: Diễn Tập";
    let parsed = feed_rs::parser::parse(&d.get("/tags/dien-tap.atom", &[]).body[..]).unwrap();
    assert_eq!(parsed.title.map(|t| t.content).as_deref(), Some(title));
    for page in [
        "/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022",
        "/articles/tin-tuc/thoi-su/dien-tap-1",
    ] {
        let html = d.body(page);
        let titles = discovery_titles(&html, "/tags/dien-tap");
        assert_eq!(titles, [("atom".to_owned(), title.to_owned())], "{page}");
    }
    // The page still shows the tag as its article writes it.
    let own = d.body("/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022");
    assert!(own.contains("><bdi>diễn tập</bdi></a>"), "{own}");
}

#[test]
fn opml_links_lead_people_to_a_page_that_explains_the_list() {
    let site = TempStore::new();
    let d = site.start();
    for path in [
        "/",
        "/tags",
        "/categories/thong-bao",
        "/subscribe/feed.atom",
    ] {
        let page = d.body(path);
        for raw in [
            "href=\"/feeds.opml\"",
            "href=\"/tags.opml\"",
            "href=\"/authors.opml\"",
        ] {
            assert!(!page.contains(raw), "{path} links raw OPML {raw}:\n{page}");
        }
        assert!(
            page.contains("href=\"/subscribe/feeds.opml\""),
            "{path}:\n{page}"
        );
    }
    for path in ["/", "/subscribe/feed.atom"] {
        let page = d.body(path);
        for list in ["/subscribe/tags.opml", "/subscribe/authors.opml"] {
            assert!(
                page.contains(&format!("href=\"{list}\"")),
                "{path}:\n{page}"
            );
        }
    }
    assert!(d.body("/tags").contains("href=\"/subscribe/tags.opml\""));
    assert!(d
        .body("/authors")
        .contains("href=\"/subscribe/authors.opml\""));
    for (page, file) in [
        ("/subscribe/feeds.opml", "/feeds.opml"),
        ("/subscribe/tags.opml", "/tags.opml"),
        ("/subscribe/authors.opml", "/authors.opml"),
    ] {
        let r = d.get(page, &[]);
        assert_eq!(r.status, 200, "{page}");
        assert!(r.expect_header("content-type").starts_with("text/html"));
        let body = r.text();
        assert_shell(page, &body);
        assert!(body.contains(&format!("href=\"{file}\"")), "{body}");
        assert!(
            body.contains(&format!("{}{file}", common::BASE_URL)),
            "{body}"
        );
        assert!(body.contains("OPML"), "{body}");
        assert_eq!(d.get(file, &[]).status, 200);
    }
}

#[test]
fn feed_formats_are_named_as_written() {
    let site = TempStore::new();
    let d = site.start();
    let page = d.body("/categories/thong-bao");
    assert!(page.contains(">Atom</a>"), "{page}");
    assert!(page.contains("(Atom)\""), "{page}");
    assert!(!page.contains("ATOM"), "{page}");
    assert!(page.contains(">RSS</a>"), "{page}");
}

#[test]
fn an_article_page_names_its_author_once_as_a_link() {
    let site = TempStore::new();
    let d = site.start();
    let page = d.body("/articles/tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022");
    assert_eq!(page.matches("Lê Hoàng Nam").count(), 1, "{page}");
    assert!(
        page.contains("Tác giả: <a href=\"/authors/le-hoang-nam\"><bdi>Lê Hoàng Nam</bdi></a>"),
        "{page}"
    );
    assert_eq!(page.matches("Ban Chỉ huy Quân sự huyện Phú Lộc").count(), 1);
}

#[test]
fn a_withdrawn_article_links_its_category() {
    let site = TempStore::new();
    write(
        &site,
        "tin-tuc/tong-hop/go-bo.txt",
        &withdrawn_article("Bài đã gỡ", "01/06/2020 10:00", "Đỗ Văn Hải", "gỡ bỏ"),
    );
    let d = site.start();
    let r = d.get("/articles/tin-tuc/tong-hop/go-bo", &[]);
    assert_eq!(r.status, 410);
    let gone = r.text();
    assert!(gone.contains("class=\"crumbs\""), "{gone}");
    assert!(
        gone.contains("href=\"/categories/tin-tuc/tin-tuc-tong-hop\""),
        "{gone}"
    );
    assert!(gone.contains("href=\"/categories/tin-tuc\""), "{gone}");
}

#[test]
fn other_spellings_of_articles_and_categories_redirect_to_the_site_s_own() {
    let site = TempStore::new();
    let d = site.start();
    let upper = "/articles/tin-tuc/tong-hop/gi%C3%A1%20l%C3%BAa%20cu%E1%BB%91i%20n%C4%83m";
    for (sent, canonical) in [
        (upper.to_lowercase(), upper),
        ("/categories/Thong-Bao".to_owned(), "/categories/thong-bao"),
        (
            "/categories/TIN-TUC/Thoi-Su".to_owned(),
            "/categories/tin-tuc/thoi-su",
        ),
        ("/tags/Dien-Tap".to_owned(), "/tags/dien-tap"),
        ("/authors/Le-Hoang-Nam".to_owned(), "/authors/le-hoang-nam"),
    ] {
        let r = d.raw("GET", &sent, &[]);
        assert_eq!(r.status, 308, "{sent}");
        assert_eq!(r.header("location"), Some(canonical), "{sent}");
        assert_eq!(d.raw("GET", canonical, &[]).status, 200, "{canonical}");
    }
    assert_eq!(d.raw("GET", "/categories/Khong-Co", &[]).status, 404);
    assert_eq!(d.raw("GET", "/tags/Khong-Co", &[]).status, 404);
    // Feeds are not respelled, a category's as a tag's.
    assert_eq!(d.raw("GET", "/feeds/Thong-Bao.atom", &[]).status, 404);
    assert_eq!(d.raw("GET", "/tags/Dien-Tap.atom", &[]).status, 404);
}

/// An article in `Trang nhất » Du lịch`, published at `published`
/// (`dd/mm/yyyy hh:mm`), by `author`, with `tags`.
fn travel_article(title: &str, published: &str, author: &str, tags: &str) -> String {
    format!(
        "Trang nhất » Du lịch\n\n{title}\n\n{published}\n\nDẫn của bài {title}.\n\n\
         Tác giả bài viết: {author}\n\nTừ khóa: {tags}\n"
    )
}

/// The article ids a page lists.
fn listed_ids(page: &str) -> Vec<String> {
    let mut ids: Vec<String> = page
        .split("href=\"/articles/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The `href` of the first link of `page` with `rel`, if any.
fn rel_link(page: &str, rel: &str) -> Option<String> {
    let needle = format!("<a rel=\"{rel}\" href=\"");
    let rest = page.split(&needle).nth(1)?;
    Some(rest.split('"').next().unwrap().to_owned())
}

/// A store whose tag `Du lịch` has articles in January (two), March and
/// April 2023, and whose author `Phạm Thu` has them in January and April;
/// February 2023 has only an article of neither.
fn travel_store() -> TempStore {
    let site = TempStore::new();
    for (file, title, published, author, tags) in [
        (
            "jan-a",
            "Đà Lạt mùa mai",
            "05/01/2023 08:00",
            "Phạm Thu",
            "Du lịch, Đà Lạt",
        ),
        (
            "jan-b",
            "Phố cổ Hội An",
            "20/01/2023 09:00",
            "Ngô Lan",
            "Du lịch",
        ),
        (
            "feb",
            "Giá vé máy bay",
            "10/02/2023 10:00",
            "Ngô Lan",
            "Hàng không",
        ),
        (
            "mar",
            "Mùa hoa ban",
            "15/03/2023 11:00",
            "Ngô Lan",
            "Du lịch",
        ),
        (
            "apr",
            "Biển Nha Trang",
            "02/04/2023 12:00",
            "Phạm Thu",
            "Du lịch",
        ),
    ] {
        write(
            &site,
            &format!("du-lich/{file}.txt"),
            &travel_article(title, published, author, tags),
        );
    }
    site
}

#[test]
fn a_tag_s_month_page_lists_exactly_its_articles_of_that_month() {
    let site = travel_store();
    let d = site.start();
    for (path, ids) in [
        (
            "/tags/du-lich/2023-01",
            &["du-lich/jan-a", "du-lich/jan-b"][..],
        ),
        ("/tags/du-lich/2023-03", &["du-lich/mar"]),
        ("/tags/du-lich/2023-04", &["du-lich/apr"]),
        ("/authors/pham-thu/2023-01", &["du-lich/jan-a"]),
        ("/authors/pham-thu/2023-04", &["du-lich/apr"]),
    ] {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.expect_header("content-type").starts_with("text/html"));
        let page = r.text();
        assert_shell(path, &page);
        // Every article of the month on the page's own list (the pagers
        // link months, not articles).
        assert_eq!(listed_ids(&page), ids, "{path}:\n{page}");
        // Its month's archived feeds, through their subscribe pages, and
        // the live feed to follow.
        let (term, _) = path.rsplit_once('/').unwrap();
        for feed in [format!("{path}.atom"), format!("{term}.atom")] {
            let sub = format!("href=\"/subscribe{feed}\"");
            assert!(page.contains(&sub), "{path}: {sub}\n{page}");
            assert_eq!(d.get(&feed, &[]).status, 200, "{feed}");
        }
    }
    // The tag page links each month's page before its files.
    let tag = d.body("/tags/du-lich");
    assert!(
        tag.contains("<li><a href=\"/tags/du-lich/2023-01\">Tháng 1/2023</a> <span class=\"feeds\">tải lưu trữ: <a href=\"/subscribe/tags/du-lich/2023-01.rss\" aria-label=\"RSS: Du lịch, tháng 1/2023\">"),
        "{tag}"
    );
    for missing in [
        // A month of the store, but not of the tag or author.
        "/tags/du-lich/2023-02",
        "/authors/pham-thu/2023-03",
        "/tags/du-lich/2023-1",
        "/tags/du-lich/2023-13",
        "/tags/du-lich/2023-01/x",
        "/tags/khong-co/2023-01",
        "/authors/khong-co/2023-01",
    ] {
        let r = d.get(missing, &[]);
        assert_eq!(r.status, 404, "{missing}");
        assert!(r.expect_header("content-type").starts_with("text/html"));
    }
    // A trailing slash is another spelling of the page.
    let r = d.get("/tags/du-lich/2023-01/", &[]);
    assert_eq!(r.status, 308);
    assert!(
        r.expect_header("location")
            .ends_with("/tags/du-lich/2023-01"),
        "{:?}",
        r.header("location")
    );
}

#[test]
fn a_tag_s_month_pages_walk_both_ways_with_no_dead_end() {
    let site = travel_store();
    let d = site.start();
    let tag = d.body("/tags/du-lich");
    let html = scraper::Html::parse_document(&tag);
    let links = scraper::Selector::parse("#luu-tru ~ ul li > a").unwrap();
    let months: Vec<String> = html
        .select(&links)
        .map(|a| a.attr("href").unwrap().to_owned())
        .collect();
    assert_eq!(
        months,
        [
            "/tags/du-lich/2023-04",
            "/tags/du-lich/2023-03",
            "/tags/du-lich/2023-01"
        ]
    );
    // Older from the newest, then newer from the oldest: the same months,
    // each page answering, and every article of the tag seen once each way.
    for (start, rel, order) in [
        (&months[0], "prev", months.clone()),
        (
            &months[2],
            "next",
            months.iter().rev().cloned().collect::<Vec<_>>(),
        ),
    ] {
        let mut walked = Vec::new();
        let mut seen = Vec::new();
        let mut next = Some(start.clone());
        while let Some(path) = next {
            let r = d.get(&path, &[]);
            assert_eq!(r.status, 200, "{path}: a dead end");
            let page = r.text();
            // Both pagers lead the same way, and back to the tag's page.
            let pagers = page.matches(&format!("rel=\"{rel}\"")).count();
            assert!(matches!(pagers, 0 | 2), "{path}: {pagers}\n{page}");
            assert_eq!(
                page.matches("<a href=\"/tags/du-lich\">Mới nhất</a>")
                    .count(),
                2,
                "{page}"
            );
            seen.extend(listed_ids(&page));
            next = rel_link(&page, rel);
            walked.push(path);
        }
        assert_eq!(walked, order, "{rel}");
        seen.sort();
        assert_eq!(
            seen,
            [
                "du-lich/apr",
                "du-lich/jan-a",
                "du-lich/jan-b",
                "du-lich/mar"
            ],
            "{rel}"
        );
    }
    // Only the newest month is still growing.
    let newest = d.body(&months[0]);
    assert!(newest.contains("(tháng mới nhất: còn thêm bài"), "{newest}");
    let older = d.body(&months[1]);
    assert!(older.contains("(cố định, không có bài mới)"), "{older}");
}

#[test]
fn a_term_s_month_page_is_revalidated_by_its_etag_and_answers_head_alike() {
    let site = travel_store();
    let d = site.start();
    for path in ["/tags/du-lich/2023-03", "/authors/pham-thu/2023-01"] {
        let first = d.get(path, &[]);
        assert_eq!(first.status, 200, "{path}");
        let etag = first.expect_header("etag").to_owned();
        let r = d.get(path, &[("if-none-match", &etag)]);
        assert_eq!(r.status, 304, "{path}");
        assert_eq!(r.header("etag"), Some(etag.as_str()), "{path}");
        assert!(r.body.is_empty(), "{path}");
        assert_eq!(
            d.get(path, &[("if-none-match", "\"other\"")]).status,
            200,
            "{path}"
        );
        let head = d.request("HEAD", path, &[]);
        assert_eq!(head.status, 200, "{path}");
        assert!(head.body.is_empty(), "{path}");
        for name in [
            "etag",
            "content-type",
            "content-length",
            "cache-control",
            "last-modified",
        ] {
            assert_eq!(head.header(name), first.header(name), "{path}: {name}");
        }
        let head = d.request("HEAD", path, &[("if-none-match", &etag)]);
        assert_eq!(head.status, 304, "{path}");
    }
    assert_eq!(d.request("HEAD", "/tags/du-lich/2023-02", &[]).status, 404);

    // A new article of the tag in that month: another page, another ETag,
    // so the old one no longer gets a 304.
    let path = "/tags/du-lich/2023-03";
    let before = d.get(path, &[]).expect_header("etag").to_owned();
    write(
        &site,
        "du-lich/mar-b.txt",
        &travel_article("Ruộng bậc thang", "20/03/2023 08:00", "Ngô Lan", "Du lịch"),
    );
    d.wait_until("the month page lists the new article", || {
        d.body(path).contains("Ruộng bậc thang")
    });
    let r = d.get(path, &[("if-none-match", &before)]);
    assert_eq!(r.status, 200, "{path}");
    assert_ne!(r.header("etag"), Some(before.as_str()), "{path}");
}

/// The title the feed at `path` (a site path without its extension) gives
/// itself: its Atom feed's own `<title>`.
fn own_title(d: &common::Daemon, path: &str) -> String {
    let feed = d.body(&format!("{path}.atom"));
    let mut reader = quick_xml::Reader::from_str(&feed);
    let mut in_title = false;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"title" => in_title = true,
            quick_xml::events::Event::Text(t) if in_title => {
                return t.unescape().unwrap().into_owned();
            }
            quick_xml::events::Event::Eof => panic!("{path}.atom has no title:\n{feed}"),
            _ => {}
        }
    }
}

/// The accessible name of each link on `page` to the subscribe page of the
/// site's or a category's feed, with the feed's path and format.
fn feed_link_names(page: &str) -> Vec<(String, String, String)> {
    let html = scraper::Html::parse_document(page);
    let links = scraper::Selector::parse("a[href^=\"/subscribe/feed\"]").unwrap();
    let mut found = Vec::new();
    for a in html.select(&links) {
        let href = a.attr("href").unwrap();
        if href.ends_with(".opml") {
            continue;
        }
        let feed = href.strip_prefix("/subscribe").unwrap();
        let (path, ext) = feed.rsplit_once('.').unwrap();
        let name = a.attr("aria-label").unwrap_or_default();
        found.push((path.to_owned(), ext.to_owned(), name.to_owned()));
    }
    found
}

/// Two subcategories named `Du lịch`, one under `Kinh tế` and one under
/// `Văn hóa`, added to the sample store.
fn write_two_travel_sections(site: &TempStore) {
    for (rel, crumb) in [
        ("kinh-te/du-lich/bien.txt", "Kinh tế"),
        ("van-hoa/du-lich/le-hoi.txt", "Văn hóa"),
    ] {
        let text = format!(
            "Trang nhất » {crumb} » Du lịch\n\nDu lịch {crumb}\n\n10/06/2020 08:00\n\nBài viết về du lịch.\n"
        );
        write(site, rel, &text);
    }
}

#[test]
fn every_feed_link_is_named_by_its_feed_s_own_title_and_no_two_feeds_alike() {
    let site = TempStore::with_config(
        "[feeds.categories.\"tin-tuc/thoi-su\"]\ntitle = \"Thời sự Lam Sơn\"\n",
    );
    write_two_travel_sections(&site);
    let d = site.start();
    let mut titles = std::collections::BTreeMap::new();
    for page_path in [
        "/",
        "/categories/tin-tuc",
        "/categories/tin-tuc/thoi-su",
        "/categories/kinh-te",
        "/categories/van-hoa",
        "/categories/van-hoa/du-lich",
    ] {
        let page = d.body(page_path);
        assert_shell(page_path, &page);
        let links = feed_link_names(&page);
        assert!(!links.is_empty(), "{page_path}: no feed link\n{page}");
        let mut feeds_of_name = std::collections::BTreeMap::new();
        for (path, ext, name) in links {
            let title = titles
                .entry(path.clone())
                .or_insert_with(|| own_title(&d, &path))
                .clone();
            let format = match ext.as_str() {
                "rss" => "RSS",
                "atom" => "Atom",
                _ => "JSON",
            };
            assert_eq!(name, format!("{format}: {title}"), "{page_path}: {path}");
            feeds_of_name
                .entry(name.clone())
                .or_insert_with(std::collections::BTreeSet::new)
                .insert(path.clone());
            // As the page's autodiscovery names the feed it offers.
            for (ext, discovered) in discovery_titles(&page, &path) {
                assert_eq!(discovered, title, "{page_path}: {path}.{ext}");
            }
        }
        for (name, feeds) in feeds_of_name {
            assert_eq!(feeds.len(), 1, "{page_path}: {name} names {feeds:?}");
        }
    }
    // What tells the two travel feeds apart, and the configured title.
    assert_eq!(titles["/feeds/kinh-te/du-lich"], "Kinh tế › Du lịch");
    assert_eq!(titles["/feeds/van-hoa/du-lich"], "Văn hóa › Du lịch");
    assert_eq!(titles["/feeds/tin-tuc/thoi-su"], "Thời sự Lam Sơn");
}

#[test]
fn a_category_page_shows_the_title_and_description_its_feed_is_given() {
    let site = TempStore::with_config(
        "[feeds.categories.\"tin-tuc/thoi-su\"]\ntitle = \"Thời sự Lam Sơn\"\ndescription = \"Tin thời sự trong tỉnh\"\n",
    );
    let d = site.start();
    let page = d.body("/categories/tin-tuc/thoi-su");
    assert_shell("/categories/tin-tuc/thoi-su", &page);
    assert!(
        page.contains("<title>Thời sự Lam Sơn · Bản tin</title>"),
        "{page}"
    );
    assert!(
        page.contains("<h1><bdi>Thời sự Lam Sơn</bdi></h1>\n<p>Tin thời sự trong tỉnh</p>"),
        "{page}"
    );
    // The breadcrumb still says where it is filed.
    assert!(
        page.contains("<a href=\"/categories/tin-tuc/thoi-su\" aria-current=\"page\"><bdi>Thời sự</bdi></a></nav>"),
        "{page}"
    );
    // Its month pages are headed alike.
    let month = d.body("/archive/tin-tuc/thoi-su/2024-07");
    assert!(
        month.contains("<h1><bdi>Thời sự Lam Sơn</bdi>: tháng 7/2024</h1>"),
        "{month}"
    );
    // A category the config says nothing of shows no description.
    let other = d.body("/categories/tin-tuc/tin-tuc-tong-hop");
    assert!(
        other.contains(
            "<h1><bdi>Tin Tức</bdi> › <bdi>Tin tức tổng hợp</bdi></h1>\n<p><span class=\"feeds\">"
        ),
        "{other}"
    );
}

#[test]
fn a_tag_or_author_typed_with_its_own_letters_redirects_to_its_slug() {
    let site = TempStore::new();
    let d = site.start();
    for (sent, canonical) in [
        // `/tags/diễn-tập`, `/tags/diễn tập`, as a browser sends them.
        ("/tags/di%E1%BB%85n-t%E1%BA%ADp", "/tags/dien-tap"),
        ("/tags/Di%E1%BB%85n%20T%E1%BA%ADp", "/tags/dien-tap"),
        // `/authors/Lê Hoàng Nam`.
        (
            "/authors/L%C3%AA%20Ho%C3%A0ng%20Nam",
            "/authors/le-hoang-nam",
        ),
        // `/categories/tin-tức/thời-sự`.
        (
            "/categories/tin-t%E1%BB%A9c/th%E1%BB%9Di-s%E1%BB%B1",
            "/categories/tin-tuc/thoi-su",
        ),
    ] {
        let r = d.raw("GET", sent, &[]);
        assert_eq!(r.status, 308, "{sent}");
        assert_eq!(r.header("location"), Some(canonical), "{sent}");
        assert_eq!(d.raw("GET", canonical, &[]).status, 200, "{canonical}");
    }
    // Only to a page that exists; feeds are not respelled.
    assert_eq!(d.raw("GET", "/tags/kh%C3%B4ng-c%C3%B3", &[]).status, 404);
    assert_eq!(
        d.raw("GET", "/tags/di%E1%BB%85n-t%E1%BA%ADp.atom", &[])
            .status,
        404
    );
}

/// An article filed under `Trang nhất » {category}`, published at
/// `published` (`dd/mm/yyyy hh:mm`), by `author`, with `tags`.
fn article(category: &str, title: &str, published: &str, author: &str, tags: &str) -> String {
    format!(
        "Trang nhất » {category}\n\n{title}\n\n{published}\n\n\
         Nội dung bài viết.\n\n\
         Tác giả bài viết: {author}\n\nTừ khóa: {tags}\n"
    )
}

#[test]
fn a_name_with_punctuation_typed_with_it_or_without_redirects_to_its_slug() {
    let site = TempStore::new();
    // `TP. HCM` first: it holds `tp-hcm`, and `TP HCM` `tp-hcm-2`.
    write(
        &site,
        "tp/truoc.txt",
        &article(
            "TP. Hồ Chí Minh",
            "Bài trước",
            "01/03/2024 08:00",
            "Nguyễn T. Hà",
            "TP. Hồ Chí Minh, TP. HCM",
        ),
    );
    write(
        &site,
        "tp/sau.txt",
        &article(
            "TP. Hồ Chí Minh",
            "Bài sau",
            "02/03/2024 08:00",
            "Lê Văn An",
            "TP HCM",
        ),
    );
    let d = site.start();
    // Typed as written, a 308 cached a day; typed without its punctuation,
    // a guess a new term may make wrong: a 307 cached as a 404 is.
    let (sure, guess) = ((308, "max-age=86400"), (307, "max-age=60"));
    for (sent, canonical, (status, cache)) in [
        // `/tags/TP. Hồ Chí Minh`, `/tags/tp-hồ-chí-minh`, as a browser sends them.
        (
            "/tags/TP.%20H%E1%BB%93%20Ch%C3%AD%20Minh",
            "/tags/tp-ho-chi-minh",
            sure,
        ),
        (
            "/tags/tp-h%E1%BB%93-ch%C3%AD-minh",
            "/tags/tp-ho-chi-minh",
            guess,
        ),
        // `/authors/Nguyễn T. Hà`, `/authors/nguyễn-t-hà`.
        (
            "/authors/Nguy%E1%BB%85n%20T.%20H%C3%A0",
            "/authors/nguyen-t-ha",
            sure,
        ),
        (
            "/authors/nguy%E1%BB%85n-t-h%C3%A0",
            "/authors/nguyen-t-ha",
            guess,
        ),
        // `/categories/tp-hồ-chí-minh`.
        (
            "/categories/tp-h%E1%BB%93-ch%C3%AD-minh",
            "/categories/tp-ho-chi-minh",
            guess,
        ),
        // A name typed as written is its own term's, before one that is it
        // but for punctuation; typed with punctuation neither has, the first.
        ("/tags/TP%20HCM", "/tags/tp-hcm-2", sure),
        ("/tags/TP.%20HCM", "/tags/tp-hcm", sure),
        ("/tags/tp.hcm", "/tags/tp-hcm", guess),
    ] {
        let r = d.raw("GET", sent, &[]);
        assert_eq!(r.status, status, "{sent}");
        assert_eq!(r.header("location"), Some(canonical), "{sent}");
        assert_eq!(r.header("cache-control"), Some(cache), "{sent}");
        assert_eq!(d.raw("GET", canonical, &[]).status, 200, "{canonical}");
    }
    // A feed's path is the feed, not a name with a dot in it.
    for (path, content_type) in [
        ("/tags/tp-hcm.rss", "application/rss+xml; charset=utf-8"),
        (
            "/authors/nguyen-t-ha.atom",
            "application/atom+xml; charset=utf-8",
        ),
    ] {
        let r = d.raw("GET", path, &[]);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(content_type), "{path}");
    }
    // Nor is a feed's path, in any case, respelled; another name is none.
    for path in [
        "/tags/TP.%20HCM.rss",
        "/tags/TP-HCM.RSS",
        "/tags/tp-h%E1%BB%93-ch%C3%AD-m%C3%ACnh",
    ] {
        assert_eq!(d.raw("GET", path, &[]).status, 404, "{path}");
    }
}

#[test]
fn an_address_cut_short_leads_to_the_page_that_lists_what_was_under_it() {
    let site = TempStore::new();
    let d = site.start();
    for (sent, to) in [
        ("/categories", "/#muc"),
        ("/categories/", "/#muc"),
        ("/archive", "/#luu-tru"),
        ("/feeds", "/"),
        ("/subscribe/", "/"),
        ("/articles", "/"),
        (
            "/archive/tin-tuc/thoi-su",
            "/categories/tin-tuc/thoi-su#luu-tru",
        ),
        ("/feeds/thong-bao", "/categories/thong-bao"),
        // Typed with capitals: one redirect, to the page served.
        (
            "/Archive/Tin-Tuc/Thoi-Su",
            "/categories/tin-tuc/thoi-su#luu-tru",
        ),
        ("/Feeds/Thong-Bao", "/categories/thong-bao"),
        ("/CATEGORIES", "/#muc"),
    ] {
        let r = d.raw("GET", sent, &[]);
        // A guess the site may one day serve a page at: cached as a 404 is.
        assert_eq!(r.status, 307, "{sent}");
        assert_eq!(r.header("location"), Some(to), "{sent}");
        assert_eq!(r.header("cache-control"), Some("max-age=60"), "{sent}");
        // The page, and the section named, are there.
        match to.split_once('#') {
            Some((path, id)) => {
                let page = d.body(path);
                assert!(page.contains(&format!("id=\"{id}\"")), "{to}:\n{page}");
            }
            None => assert_eq!(d.raw("GET", to, &[]).status, 200, "{to}"),
        }
    }
    // A HEAD is answered alike, with no body.
    let head = d.raw("HEAD", "/categories", &[]);
    assert_eq!(head.status, 307);
    assert_eq!(head.header("location"), Some("/#muc"));
    assert!(head.body.is_empty());
    // What names no category, a month with no articles, a feed or another
    // kind of file stays a 404.
    for path in [
        "/archive/khong-co",
        "/archive/tin-tuc/2099-01",
        "/feeds/khong-co",
        "/feeds/thong-bao.xml",
        "/feeds/thong-bao/khong-co.rss",
    ] {
        assert_eq!(d.raw("GET", path, &[]).status, 404, "{path}");
    }
}

#[test]
fn an_archive_cut_short_in_an_empty_store_leads_to_the_front_page_itself() {
    // The front page lists months only once the store has articles: the
    // guess names no section that is not there.
    let site = TempStore::new();
    std::fs::remove_dir_all(site.store()).unwrap();
    std::fs::create_dir(site.store()).unwrap();
    let d = site.start();
    let r = d.raw("GET", "/archive", &[]);
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location"), Some("/"));
    let front = d.body("/");
    assert!(!front.contains("id=\"luu-tru\""), "{front}");
    // The list of categories is there, empty, so its guess keeps its section.
    assert_eq!(
        d.raw("GET", "/categories", &[]).header("location"),
        Some("/#muc")
    );
    assert!(front.contains("id=\"muc\""), "{front}");
}

#[test]
fn with_no_config_file_links_lead_to_the_address_listened_on() {
    // No `config.toml` in the working folder (nor in /etc/bantin, where a
    // machine running this may have one: then the file is in force).
    if std::path::Path::new("/etc/bantin/config.toml").exists() {
        return;
    }
    let site = TempStore::new();
    let cwd = tempfile::tempdir().unwrap();
    let store = site.store();
    let d = common::Daemon::start_in(
        cwd.path(),
        &[
            "--store".as_ref(),
            store.as_os_str(),
            "--listen".as_ref(),
            "127.0.0.1:0".as_ref(),
        ],
    );
    let base = format!("http://127.0.0.1:{}", d.port);
    let page = d.body("/subscribe/feed.atom");
    assert!(
        page.contains(&format!(
            "<link rel=\"canonical\" href=\"{base}/subscribe/feed.atom\">"
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!("<code>{base}/feed.atom</code>")),
        "{page}"
    );
    assert!(!page.contains(common::BASE_URL), "{page}");
    let front = d.body("/");
    assert!(
        front.contains(&format!("href=\"{base}/feed.atom\">")),
        "{front}"
    );
    let feed = d.body("/feed.atom");
    assert!(
        feed.contains(&format!("href=\"{base}/feed.atom\"")),
        "{feed}"
    );
    // A reload keeps it.
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("the reload is applied", || {
        d.metric(r#"bantin_config_reloads_total{result="ok"}"#) == Some(1.0)
    });
    assert!(
        d.body("/subscribe/feed.atom")
            .contains(&format!("<code>{base}/feed.atom</code>")),
        "after a reload"
    );
}
