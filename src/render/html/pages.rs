//! The pages a visitor browses: the front page, category pages, month pages,
//! tag and author pages with their index pages, article pages, the
//! subscribe page of each feed and the pages of the OPML lists.

use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{
    alternates, alternates_from, article_list, close, feed_links, format_name, labelled_links,
    open, Alternate, Head, Isolated, Time, Withdrawn,
};
use crate::article::Article;
use crate::config::SiteConfig;
use crate::history::{Growth, Month, Neighbours};
use crate::index::{Entry, Index};
use crate::render::opml::Scope;
use crate::render::{
    archive_path, article_path, category_path, changes_path, feed_path, kind_name, kind_noun,
    month_path, subscribe_path, term_archive_path, term_feed_path, term_feed_title,
    term_month_path, term_path, terms_opml, terms_page_path, terms_path, vi_count, Format,
    AUTHORS_OPML, CHANGES_PAGE, CHANGES_TITLE, FEEDS_OPML, TAGS_OPML,
};
use crate::taxonomy::{Kind, Term};

/// "Tháng 3/2024".
fn month_name(m: Month) -> String {
    format!("Tháng {}/{}", m.month, m.year)
}

/// The id of the front page's list of categories: `/#muc`.
pub const CATEGORIES_ID: &str = "muc";

/// The id of the list of months on the front page and a category's page:
/// `/#luu-tru`, `/categories/kinh-te#luu-tru`.
pub const MONTHS_ID: &str = "luu-tru";

/// The months of a feed as links to their pages, newest first.
fn month_list(out: &mut String, slug: Option<&str>, months: &[Month]) {
    if months.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<section aria-labelledby=\"{MONTHS_ID}\"><h2 id=\"{MONTHS_ID}\">Lưu trữ theo tháng</h2>\n<ul>\n",
    );
    for m in months {
        let _ = writeln!(
            out,
            "<li><a href=\"{}\">{}</a></li>",
            attr(&month_path(slug, *m)),
            month_name(*m)
        );
    }
    out.push_str("</ul>\n</section>\n");
}

/// A category's feed title ([`crate::site::feed_title`]) by slug, `None`
/// for the site's: what its feed calls itself, so every link to it is named
/// alike and two subcategories of one name are told apart.
pub type FeedTitles<'a> = &'a dyn Fn(Option<&str>) -> String;

/// A category with its feeds, its subcategories below it; each feed link
/// named by the feed's title (`title_of`), not the category's name alone.
fn category_tree(out: &mut String, index: &Index, slug: &str, title_of: FeedTitles<'_>) {
    let Some(cat) = index.categories().get(slug) else {
        return;
    };
    let _ = write!(
        out,
        "<li><a href=\"{href}\">{name}</a> ",
        href = attr(&category_path(Some(slug))),
        name = Isolated(&cat.name)
    );
    feed_links(out, &title_of(Some(slug)), |f| feed_path(Some(slug), f));
    if !cat.children.is_empty() {
        out.push_str("\n<ul>\n");
        for child in &cat.children {
            category_tree(out, index, child, title_of);
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</li>\n");
}

/// The front page: every category with its feeds (titled by `title_of`),
/// the newest articles, and the months of the whole history.
pub fn front_page(
    site: &SiteConfig,
    index: &Index,
    title_of: FeedTitles<'_>,
    newest: Newest<'_>,
    months: &[Month],
) -> Vec<u8> {
    let mut out = String::new();
    let feeds = alternates(&site.title, |f| feed_path(None, f));
    open(&mut out, site, &Head::at("/", &site.title, &feeds));
    let _ = write!(
        out,
        "<h1>{}</h1>\n<p>{}</p>\n<p>Tất cả bài viết: ",
        text(&site.title),
        text(&site.description)
    );
    feed_links(&mut out, &site.title, |f| feed_path(None, f));
    let _ = writeln!(
        out,
        " · <a href=\"{feeds}\">OPML chuyên mục</a> · <a href=\"{tags}\">OPML từ khóa</a> · <a href=\"{authors}\">OPML tác giả</a></p>",
        feeds = subscribe_path(FEEDS_OPML),
        tags = subscribe_path(TAGS_OPML),
        authors = subscribe_path(AUTHORS_OPML),
    );
    // Not offered to autodiscovery: a reader given the site follows its
    // articles, and this is for whoever keeps copies of them.
    let _ = write!(
        out,
        "<p><a href=\"{CHANGES_PAGE}\">{}</a>: ",
        text(CHANGES_TITLE)
    );
    feed_links(&mut out, CHANGES_TITLE, changes_path);
    let _ = writeln!(
        out,
        "</p>\n<nav aria-labelledby=\"{CATEGORIES_ID}\"><h2 id=\"{CATEGORIES_ID}\">Chuyên mục</h2>",
    );
    // No empty list (a screen reader announces "list, 0 items").
    if index.roots().next().is_none() {
        out.push_str("<p>Chưa có chuyên mục nào.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for root in index.roots() {
            category_tree(&mut out, index, &root.slug, title_of);
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</nav>\n");
    newest_section(&mut out, newest, index.entries().len());
    month_list(&mut out, None, months);
    close(out, site)
}

/// The newest listed articles a front or category page shows: the first
/// [`Newest::shown`], and whether older listed ones are left out.
#[derive(Debug, Clone, Copy)]
pub struct Newest<'a> {
    pub shown: &'a [Entry],
    pub more: bool,
}

impl<'a> Newest<'a> {
    /// The first `n` of `listed`, the newest listed articles of a set with
    /// one more asked for than are shown, so that it says whether there are more.
    pub fn of(listed: &'a [Entry], n: usize) -> Newest<'a> {
        Newest {
            shown: &listed[..listed.len().min(n)],
            more: listed.len() > n,
        }
    }
}

/// The "Tin mới" section of the front and category pages: the newest listed
/// articles, saying when they are not all there are, and where the rest
/// are (a page showing thirty of three hundred must not look like all
/// there is); with none listed, whether the set holds nothing or only
/// withdrawn articles (`held` counts them), which its months still list.
fn newest_section(out: &mut String, newest: Newest<'_>, held: usize) {
    out.push_str("<section aria-labelledby=\"moi\"><h2 id=\"moi\">Tin mới</h2>\n");
    let shown = article_list(out, newest.shown, Withdrawn::Skip);
    if shown == 0 && held == 0 {
        out.push_str("<p>Chưa có bài viết nào.</p>\n");
    } else if shown == 0 {
        out.push_str(
            "<p>Không còn bài nào đang đăng: các bài đã gỡ bỏ vẫn có trong trang của từng tháng bên dưới.</p>\n",
        );
    } else if newest.more {
        let _ = writeln!(
            out,
            "<p>Đây là {shown} bài mới nhất; mọi bài, cả các bài cũ hơn, có trong trang của từng tháng bên dưới.</p>"
        );
    }
    out.push_str("</section>\n");
}

/// The name every breadcrumb `nav` has, whatever the page, so a screen
/// reader's list of landmarks names it alike everywhere.
const CRUMBS_LABEL: &str = "Vị trí";

/// Whether the last item of a breadcrumb is the page it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LastCrumb {
    /// It is (a category's page): marked `aria-current="page"`.
    ThisPage,
    /// It is where the page is filed (an article's or a month's category).
    Above,
}

/// The breadcrumb of a category: the front page, then each ancestor and the
/// category itself, linked to their pages; the last marked as the current
/// page when it is (`last`).
pub(crate) fn breadcrumb(out: &mut String, index: &Index, slug: Option<&str>, last: LastCrumb) {
    let mut chain = Vec::new();
    let mut next = slug;
    while let Some(s) = next {
        let Some(c) = index.categories().get(s) else {
            break;
        };
        chain.push(c);
        next = c.parent.as_deref();
    }
    let _ = write!(
        out,
        "<nav class=\"crumbs\" aria-label=\"{CRUMBS_LABEL}\"><a href=\"/\">Trang nhất</a>"
    );
    for (n, c) in chain.iter().rev().enumerate() {
        let current = if n + 1 == chain.len() && last == LastCrumb::ThisPage {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            out,
            " » <a href=\"{}\"{current}>{}</a>",
            attr(&category_path(Some(&c.slug))),
            Isolated(&c.name)
        );
    }
    out.push_str("</nav>\n");
}

/// A category's heading as HTML: its feed's title (`title`), which is its
/// path from the top-level section down (`Kinh tế › Du lịch`) unless the
/// config names it otherwise, so the page is called what a reader calls the
/// feed, and two subcategories of one name under different sections are
/// told apart in a tab, a bookmark and a search result. Each name of the
/// path is [`Isolated`], so right-to-left letters in one keep to their
/// place in it; a title the config gives is isolated whole.
fn category_heading_html(index: &Index, slug: &str, title: &str) -> String {
    match index.categories().get(slug) {
        Some(c) if c.path.join(" › ") == title => c
            .path
            .iter()
            .map(|name| Isolated(name).to_string())
            .collect::<Vec<_>>()
            .join(" › "),
        _ => Isolated(title).to_string(),
    }
}

/// What a category's page shows besides its articles.
#[derive(Clone, Copy)]
pub struct CategoryPage<'a> {
    /// Its slug.
    pub slug: &'a str,
    /// The feed titles of it and its subcategories, which head the page and
    /// name its feed links.
    pub title_of: FeedTitles<'a>,
    /// `[feeds.categories."…"] description` when the config sets one: shown
    /// under the heading (the default, the site's title and the category's
    /// name, says nothing the page does not).
    pub description: Option<&'a str>,
}

/// A category's page, headed with its feed's title: its description when
/// the config gives one, its newest articles, its subcategories, its feeds
/// and the months of its history.
pub fn category_page(
    site: &SiteConfig,
    index: &Index,
    page: CategoryPage<'_>,
    newest: Newest<'_>,
    months: &[Month],
) -> Vec<u8> {
    let CategoryPage {
        slug,
        title_of,
        description,
    } = page;
    let mut out = String::new();
    let title = title_of(Some(slug));
    let path = category_path(Some(slug));
    let feeds = alternates(&title, |f| feed_path(Some(slug), f));
    open(&mut out, site, &Head::at(&path, &title, &feeds));
    breadcrumb(&mut out, index, Some(slug), LastCrumb::ThisPage);
    let _ = writeln!(
        out,
        "<h1>{}</h1>",
        category_heading_html(index, slug, &title)
    );
    if let Some(d) = description {
        let _ = writeln!(out, "<p>{}</p>", text(d));
    }
    out.push_str("<p>");
    feed_links(&mut out, &title, |f| feed_path(Some(slug), f));
    out.push_str("</p>\n");
    if let Some(cat) = index.categories().get(slug) {
        if !cat.children.is_empty() {
            out.push_str("<nav aria-labelledby=\"con\"><h2 id=\"con\">Chuyên mục con</h2>\n<ul>\n");
            for child in cat
                .children
                .iter()
                .filter_map(|c| index.categories().get(c))
            {
                let _ = write!(
                    out,
                    "<li><a href=\"{}\">{}</a> ",
                    attr(&category_path(Some(&child.slug))),
                    Isolated(&child.name)
                );
                feed_links(&mut out, &title_of(Some(&child.slug)), |f| {
                    feed_path(Some(&child.slug), f)
                });
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n</nav>\n");
        }
    }
    let held = index.categories().get(slug).map_or(0, |c| c.members.len());
    newest_section(&mut out, newest, held);
    month_list(&mut out, Some(slug), months);
    close(out, site)
}

/// Whose month a month page shows: all articles, a category, a tag or an
/// author. It says where the page and its neighbours are, which feeds it
/// offers and how it is headed.
#[derive(Debug, Clone, Copy)]
pub enum MonthOf<'a> {
    /// All articles (`None`) or one category, by slug.
    Category(Option<&'a str>),
    /// A tag or an author.
    Term(Kind, &'a Term),
}

impl MonthOf<'_> {
    /// The page of `month`: `/archive/…/<YYYY-MM>` or `/tags/<slug>/<YYYY-MM>`.
    fn page(self, month: Month) -> String {
        match self {
            MonthOf::Category(slug) => month_path(slug, month),
            MonthOf::Term(kind, term) => term_month_path(kind, &term.slug, month),
        }
    }

    /// The page of the newest articles: the category's, the front page, or
    /// the tag's or author's.
    fn newest(self) -> String {
        match self {
            MonthOf::Category(slug) => category_path(slug),
            MonthOf::Term(kind, term) => term_path(kind, &term.slug),
        }
    }

    /// The live feed in `format`.
    fn live(self, format: Format) -> String {
        match self {
            MonthOf::Category(slug) => feed_path(slug, format),
            MonthOf::Term(kind, term) => term_feed_path(kind, &term.slug, format),
        }
    }

    /// The archived feed of `month` in `format`.
    fn archive(self, month: Month, format: Format) -> String {
        match self {
            MonthOf::Category(slug) => archive_path(slug, month, format),
            MonthOf::Term(kind, term) => term_archive_path(kind, &term.slug, month, format),
        }
    }
}

/// What a month page shows besides the site: whose month it is, as its
/// feed is titled, and its articles with the months next to it.
#[derive(Debug, Clone, Copy)]
pub struct MonthPage<'a> {
    /// Whose month.
    pub of: MonthOf<'a>,
    /// What the page is headed with before the month: a category's feed
    /// title (as its page is headed), the site's title, or a tag's or
    /// author's feed title ([`term_feed_title`]).
    pub name: &'a str,
    /// The title of the live feed it offers to follow.
    pub feed_title: &'a str,
    /// The month.
    pub month: Month,
    /// Every article of the month, newest first.
    pub entries: &'a [Entry],
    /// The months next to it that have articles.
    pub around: Neighbours,
}

/// One month of all articles, a category, a tag or an author: every article
/// of it, newest first (withdrawn ones marked), with links to the months
/// before and after, to the live feed (titled `feed_title`) to follow, and
/// to the month's archived feeds, offered to download, not to follow: an
/// older month's are fixed, the newest month's still grow (see [`Growth`]),
/// and the page says which.
pub fn month_page(site: &SiteConfig, index: &Index, page: &MonthPage<'_>) -> Vec<u8> {
    let MonthPage {
        of,
        name,
        feed_title,
        month,
        entries,
        around,
    } = *page;
    let mut out = String::new();
    // A term's name already holds a colon (`Từ khóa: bão lũ`).
    let heading = match of {
        MonthOf::Category(_) => format!("{name}: {}", month_name(month).to_lowercase()),
        MonthOf::Term(..) => format!("{name}, {}", month_name(month).to_lowercase()),
    };
    // Autodiscovery offers only the live feed: a reader that subscribes to
    // an archive would never see a new article.
    let path = of.page(month);
    let feeds = alternates(feed_title, |f| of.live(f));
    open(&mut out, site, &Head::at(&path, &heading, &feeds));
    match of {
        MonthOf::Category(slug) => breadcrumb(&mut out, index, slug, LastCrumb::Above),
        MonthOf::Term(kind, term) => term_crumbs(&mut out, kind, Some(term)),
    }
    // The heading as HTML: the names in it isolated.
    let shown = month_name(month).to_lowercase();
    let _ = match of {
        MonthOf::Category(Some(slug)) => writeln!(
            out,
            "<h1>{}: {shown}</h1>",
            category_heading_html(index, slug, name)
        ),
        MonthOf::Category(None) => writeln!(out, "<h1>{}: {shown}</h1>", text(name)),
        MonthOf::Term(kind, term) => writeln!(
            out,
            "<h1>{}: {}, {shown}</h1>",
            kind_name(kind),
            Isolated(&term.name)
        ),
    };
    month_pager(&mut out, of, around, Place::Top);
    let follow = match of {
        MonthOf::Category(Some(_)) => {
            format!("Theo dõi bài mới của chuyên mục {}: ", Isolated(feed_title))
        }
        MonthOf::Category(None) => format!("Theo dõi mọi bài mới của {}: ", text(feed_title)),
        MonthOf::Term(Kind::Tag, term) => {
            format!("Theo dõi bài mới có từ khóa {}: ", Isolated(&term.name))
        }
        MonthOf::Term(Kind::Author, term) => {
            format!("Theo dõi bài mới của tác giả {}: ", Isolated(&term.name))
        }
    };
    out.push_str("<p>");
    let followed = match of {
        MonthOf::Category(_) => feed_title.to_owned(),
        MonthOf::Term(kind, term) => crate::render::term_feed_title(kind, &term.name),
    };
    labelled_links(&mut out, &follow, &followed, |f| of.live(f));
    out.push_str("</p>\n<p>");
    let download = match around.growth() {
        Growth::Fixed => "Tải lưu trữ tháng này (cố định, không có bài mới): ",
        Growth::Growing => {
            "Tải lưu trữ tháng này (tháng mới nhất: còn thêm bài cho đến khi có bài của tháng sau): "
        }
    };
    labelled_links(&mut out, download, &heading, |f| of.archive(month, f));
    out.push_str("</p>\n");
    article_list(&mut out, entries, Withdrawn::Mark);
    month_pager(&mut out, of, around, Place::Bottom);
    close(out, site)
}

/// Where on a page a pager is: one above the list and one below it are two
/// navigation landmarks, so each gets a name of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Under the heading.
    Top,
    /// After the list.
    Bottom,
}

impl Place {
    /// The name of a pager of `what` ("Tháng", "Trang") here.
    fn label(self, what: &str) -> String {
        match self {
            Place::Top => format!("{what} (đầu trang)"),
            Place::Bottom => format!("{what} (cuối trang)"),
        }
    }
}

/// Links to the newer and older months that have articles.
fn month_pager(out: &mut String, of: MonthOf<'_>, around: Neighbours, place: Place) {
    let label = place.label("Tháng");
    let _ = write!(out, "<nav class=\"pager\" aria-label=\"{label}\">");
    if let Some(m) = around.newer {
        let _ = write!(
            out,
            "<a rel=\"next\" href=\"{}\">« {}</a> ",
            attr(&of.page(m)),
            month_name(m)
        );
    }
    let _ = write!(out, "<a href=\"{}\">Mới nhất</a>", attr(&of.newest()));
    if let Some(m) = around.older {
        let _ = write!(
            out,
            " <a rel=\"prev\" href=\"{}\">{} »</a>",
            attr(&of.page(m)),
            month_name(m)
        );
    }
    out.push_str("</nav>\n");
}

/// The breadcrumb of a tag's or author's pages: the front page, the list of
/// every tag or author, and on its month pages the term itself. None of them
/// is the page it is on.
fn term_crumbs(out: &mut String, kind: Kind, term: Option<&Term>) {
    let _ = write!(
        out,
        "<nav class=\"crumbs\" aria-label=\"{CRUMBS_LABEL}\"><a href=\"/\">Trang nhất</a> » <a href=\"{}\">{}</a>",
        attr(&terms_path(kind)),
        kind_name(kind),
    );
    if let Some(t) = term {
        let _ = write!(
            out,
            " » <a href=\"{}\">{}</a>",
            attr(&term_path(kind, &t.slug)),
            Isolated(&t.name)
        );
    }
    out.push_str("</nav>\n");
}

/// The page of the feed of changes (`/changes`): the articles it lists
/// (`changed`, latest change first), each linked to its page (the 410 notice
/// of a withdrawn one) with what changed and when, a withdrawal with its
/// reason, and when it was published; the feed's links and autodiscovery.
pub fn changes_page(site: &SiteConfig, changed: &[Entry]) -> Vec<u8> {
    let mut out = String::new();
    let feeds = alternates(CHANGES_TITLE, changes_path);
    open(
        &mut out,
        site,
        &Head::at(CHANGES_PAGE, CHANGES_TITLE, &feeds),
    );
    let _ = write!(
        out,
        "<nav class=\"crumbs\" aria-label=\"{CRUMBS_LABEL}\"><a href=\"/\">Trang nhất</a> » <a href=\"{CHANGES_PAGE}\" aria-current=\"page\">{title}</a></nav>\n<h1>{title}</h1>\n<p>Các bài vừa được đưa lên trang, cập nhật (đính chính) hoặc gỡ bỏ, kể cả bài cũ đưa lên muộn, bài thay đổi sau cùng trước. ",
        title = text(CHANGES_TITLE)
    );
    feed_links(&mut out, CHANGES_TITLE, changes_path);
    out.push_str("</p>\n");
    if changed.is_empty() {
        out.push_str("<p>Chưa có bài nào.</p>\n");
        return close(out, site);
    }
    out.push_str("<ul>\n");
    for e in changed {
        let a = &e.article;
        let _ = write!(
            out,
            "<li><a href=\"{}\">{}</a>: ",
            attr(&article_path(&a.id)),
            Isolated(&a.title)
        );
        // What changed, each with its date: the list is in order of the
        // latest, so a correction after a withdrawal is shown too, and a
        // capture after them both (the page saved again, or put in late).
        let mut events = Vec::new();
        if let Some(w) = &a.withdrawn {
            let mut gone = format!("gỡ bỏ {}", Time(&w.at));
            if let Some(reason) = &w.reason {
                let _ = write!(gone, " ({})", Isolated(reason));
            }
            events.push(gone);
        }
        if let Some(at) = a
            .updated
            .filter(|at| a.withdrawn.as_ref().is_none_or(|w| *at > w.at))
        {
            events.push(format!("cập nhật {}", Time(&at)));
        }
        if let Some(at) = a.captured.filter(|at| *at > a.changed()) {
            events.push(format!("đưa lên {}", Time(&at)));
        }
        if !events.is_empty() {
            let _ = write!(out, "{}; ", events.join(", "));
        }
        let _ = writeln!(out, "đăng {}</li>", Time(&a.published));
    }
    out.push_str("</ul>\n");
    close(out, site)
}

/// A tag's or author's page: how many articles it lists (withdrawn ones are
/// not counted), the newest of them (`newest`; no list when there are none,
/// as for a term whose articles were all withdrawn), its feeds, and each of
/// its `months` (newest first), where the older articles are: the month's
/// page and its archived feeds, whose pages list the withdrawn ones. A tag
/// has articles in a few hundred months at most, so all fit on the page.
pub fn term_page(
    site: &SiteConfig,
    kind: Kind,
    term: &Term,
    newest: &[Entry],
    months: &[Month],
) -> Vec<u8> {
    let mut out = String::new();
    // The page is headed as its feed is titled.
    let heading = term_feed_title(kind, &term.name);
    let path = term_path(kind, &term.slug);
    let feeds = alternates(&heading, |f| term_feed_path(kind, &term.slug, f));
    open(&mut out, site, &Head::at(&path, &heading, &feeds));
    term_crumbs(&mut out, kind, None);
    let _ = write!(
        out,
        "<h1>{}: {}</h1>\n<p>",
        kind_name(kind),
        Isolated(&term.name)
    );
    feed_links(&mut out, &heading, |f| term_feed_path(kind, &term.slug, f));
    let total = term.listed();
    if total == 0 {
        // A term is known by its articles: these were all withdrawn.
        let whose = match kind {
            Kind::Tag => "có từ khóa này",
            Kind::Author => "của tác giả này",
        };
        let _ = writeln!(
            out,
            "</p>\n<p>Không còn bài viết nào {whose}: tất cả đều đã được gỡ bỏ. Trang của từng tháng bên dưới vẫn liệt kê các bài này.</p>"
        );
    } else {
        let _ = writeln!(out, "</p>\n<p>{total} bài viết.</p>");
    }
    if newest.len() < total {
        let _ = writeln!(
            out,
            "<p>Đây là {} bài mới nhất; mọi bài, cả các bài cũ hơn, có trong trang của từng tháng bên dưới.</p>",
            newest.len()
        );
    }
    article_list(&mut out, newest, Withdrawn::Skip);
    term_month_list(&mut out, kind, term, months);
    close(out, site)
}

/// A term's months (newest first), each linked to its page, then its
/// archived feeds, offered to download and read as a month page offers its
/// own, not to follow: the older months' are fixed, the newest month's
/// still grow (see [`Growth`]), and the page says which is which.
fn term_month_list(out: &mut String, kind: Kind, term: &Term, months: &[Month]) {
    let slug = term.slug.as_str();
    let Some(newest) = months.first() else {
        return;
    };
    let _ = write!(
        out,
        "<section aria-labelledby=\"{MONTHS_ID}\"><h2 id=\"{MONTHS_ID}\">Lưu trữ theo tháng</h2>\n\
         <p>Mỗi tháng có một trang liệt kê mọi bài của tháng đó, và một tệp lưu trữ để tải về đọc lại. ",
    );
    let _ = write!(
        out,
        "{} là tháng mới nhất: tệp của tháng này còn thêm bài cho đến khi có bài của tháng sau.",
        month_name(*newest)
    );
    if months.len() > 1 {
        out.push_str(" Các tháng trước cố định, không có bài mới.");
    }
    out.push_str("</p>\n<ul>\n");
    for m in months {
        let _ = write!(
            out,
            "<li><a href=\"{}\">{}</a> ",
            attr(&term_month_path(kind, slug, *m)),
            month_name(*m)
        );
        let whose = format!("{}, {}", term.name, month_name(*m).to_lowercase());
        labelled_links(out, "tải lưu trữ: ", &whose, |f| {
            term_archive_path(kind, slug, *m, f)
        });
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</section>\n");
}

/// One page of the list of every tag or author.
#[derive(Debug, Clone, Copy)]
pub struct TermsPage<'a> {
    /// Tags or authors.
    pub kind: Kind,
    /// The terms it shows, in Vietnamese alphabetical order of their names.
    pub terms: &'a [&'a Term],
    /// Its number, from 1.
    pub number: usize,
    /// How many pages the list has.
    pub pages: usize,
    /// What the OPML list offered on it (`/tags.opml`, `/authors.opml`) holds.
    pub opml: Scope,
}

/// A page of the list of every tag or author: its `terms`, by name, with
/// how many listed (not withdrawn) articles each has. A list of several
/// pages says which page this is in its title and heading, and links the
/// pages before and after it above and below the list; a list of one page
/// has neither. Its autodiscovery offers the site's feed, as the front
/// page's does: the list has no feed of its own, and a reader given its
/// address finds a feed to follow rather than none.
pub fn terms_page(site: &SiteConfig, page: &TermsPage<'_>) -> Vec<u8> {
    let TermsPage {
        kind,
        terms,
        number,
        pages,
        opml,
    } = *page;
    let mut out = String::new();
    let all = match kind {
        Kind::Tag => "Tất cả từ khóa",
        Kind::Author => "Tất cả tác giả",
    };
    let heading = match pages {
        0 | 1 => all.to_owned(),
        _ => format!("{all} (trang {number}/{pages})"),
    };
    let path = terms_page_path(kind, number);
    let feeds = alternates(&site.title, |f| feed_path(None, f));
    open(&mut out, site, &Head::at(&path, &heading, &feeds));
    let _ = writeln!(out, "<h1>{heading}</h1>");
    let _ = writeln!(
        out,
        "<p>Theo dõi {} cùng lúc: <a href=\"{}\">danh sách OPML</a>.</p>",
        opml_holds(kind, opml),
        subscribe_path(terms_opml(kind))
    );
    if terms.is_empty() {
        // A store with no listed tag or author: a sentence, not an empty list.
        let none = match kind {
            Kind::Tag => "Chưa có từ khóa nào.",
            Kind::Author => "Chưa có tác giả nào.",
        };
        let _ = writeln!(out, "<p>{none}</p>");
        return close(out, site);
    }
    list_pager(&mut out, page, Place::Top);
    out.push_str("<ul>\n");
    for t in terms {
        let _ = writeln!(
            out,
            "<li><a href=\"{}\">{}</a> ({})</li>",
            attr(&term_path(kind, &t.slug)),
            Isolated(&t.name),
            t.listed()
        );
    }
    out.push_str("</ul>\n");
    list_pager(&mut out, page, Place::Bottom);
    close(out, site)
}

/// Links to the pages before and after `page` of a list of several pages,
/// with where it is among them, and to the first and last pages when they
/// are further away (a store with 112,000 tags has 113 pages); nothing for a
/// list of one page.
fn list_pager(out: &mut String, page: &TermsPage<'_>, place: Place) {
    let TermsPage {
        kind,
        number,
        pages,
        ..
    } = *page;
    if pages <= 1 {
        return;
    }
    let label = place.label("Trang");
    let _ = write!(out, "<nav class=\"pager\" aria-label=\"{label}\">");
    if number > 2 {
        let _ = write!(
            out,
            "<a href=\"{}\">Trang đầu</a> ",
            attr(&terms_page_path(kind, 1)),
        );
    }
    if number > 1 {
        let _ = write!(
            out,
            "<a rel=\"prev\" href=\"{}\">« Trang {}</a> ",
            attr(&terms_page_path(kind, number - 1)),
            number - 1
        );
    }
    let _ = write!(
        out,
        "<span aria-current=\"page\">Trang {number}/{pages}</span>"
    );
    if number < pages {
        let _ = write!(
            out,
            " <a rel=\"next\" href=\"{}\">Trang {} »</a>",
            attr(&terms_page_path(kind, number + 1)),
            number + 1
        );
    }
    if number + 1 < pages {
        let _ = write!(
            out,
            " <a href=\"{}\">Trang cuối ({pages})</a>",
            attr(&terms_page_path(kind, pages)),
        );
    }
    out.push_str("</nav>\n");
}

/// What an article page links besides the article itself: where it is filed
/// and what is next to it.
#[derive(Debug, Clone, Default)]
pub struct ArticleLinks<'a> {
    /// Its category (the breadcrumb's leaf), if the index has one.
    pub category: Option<Filed<'a>>,
    /// Its tags, in its order.
    pub tags: Vec<TagLink<'a>>,
    /// The author's slug.
    pub author: Option<&'a str>,
    /// The article before it in its category.
    pub older: Option<&'a Article>,
    /// The article after it in its category.
    pub newer: Option<&'a Article>,
}

/// One tag of an article: shown as the article writes it, offered by the
/// title of its feed (the one every page gives it, which follows the
/// spelling most of its articles use).
#[derive(Debug, Clone)]
pub struct TagLink<'a> {
    /// The tag as the article writes it.
    pub name: &'a str,
    /// Its slug.
    pub slug: &'a str,
    /// The title of its feed ([`term_feed_title`] of its name in the index).
    pub feed_title: String,
}

/// Where an article is filed: its category, and the title of that
/// category's feed (the one [`crate::site::feed_title`] gives, so a
/// feed is called the same on every page that offers it).
#[derive(Debug, Clone)]
pub struct Filed<'a> {
    /// The category's slug.
    pub slug: &'a str,
    /// The title of its feed.
    pub feed_title: String,
}

/// The source as a link when it names a web address (`Dienbien.gov.vn`,
/// `https://…`); else `None` and it is shown as text.
///
/// A bare name is a web address only when it is a registrable domain under a
/// suffix of the Public Suffix List's ICANN section (`vnexpress.net`,
/// `www.tuoitre.vn`): sources are often initials or abbreviations that look
/// like host names (`P.Thanh`, `ThS.Nguyen`, `TP.HCM`), and a link to a made-up
/// site would send readers nowhere, or somewhere else.
///
/// With the URL, the part of `source` that is the address: all of it but the
/// punctuation that closes the sentence around it, which is shown after the
/// link.
fn source_link(source: &str) -> Option<(String, &str)> {
    let s = source.trim();
    // Schemes are case-insensitive (RFC 3986 §3.1): `HTTPS://…` is an address too.
    let scheme = |p: &str| s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    if (scheme("https://") || scheme("http://")) && !s.contains(char::is_whitespace) {
        let s = without_closing_punctuation(s);
        // As the URL Standard serializes it: characters a URL cannot hold
        // (`"`, `<`, non-ASCII) percent-encoded, so the link is a valid URL;
        // none when it does not parse or names no host.
        return url::Url::parse(s)
            .ok()
            .filter(|u| u.host_str().is_some_and(|h| !h.is_empty()))
            .map(|u| (String::from(u), s));
    }
    let host = s.to_ascii_lowercase();
    // RFC 1123 §2.1 host names: non-empty labels of letters, digits, hyphens.
    let host_like = host.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if !host_like {
        return None;
    }
    let domain = psl::domain(host.as_bytes())?;
    let suffix = domain.suffix();
    // Vietnamese surnames written without their marks are often another
    // country's domain (Lý: .ly, Vũ: .vu, Tô: .to, My: .my), so "Hai.Ly" or
    // "T.Vu" is a byline, not an address. A bare host under a country code
    // is taken as one only under Vietnam's (`.vn`, `.com.vn`, …) or written
    // with `www.`; generic suffixes (`.net`, `.org`, …) always are.
    let foreign_country = suffix.as_bytes().len() == 2 && suffix.as_bytes() != b"vn";
    let address =
        suffix.typ() == Some(psl::Type::Icann) && (!foreign_country || host.starts_with("www."));
    address.then(|| (format!("https://{host}/"), s))
}

/// `url` without the punctuation that closes the sentence or the
/// parenthesis it was written in (`https://a.vn/b).`): what GitHub's and
/// most autolinkers leave out. A `)` stays when it closes a `(` of the
/// address itself (`…/Hà_Nội_(định_hướng)`).
fn without_closing_punctuation(url: &str) -> &str {
    let mut url = url;
    loop {
        let Some(last) = url.chars().next_back() else {
            return url;
        };
        let unbalanced = || url.matches(')').count() > url.matches('(').count();
        if matches!(last, '.' | ',' | ':' | ';' | '!' | '?' | '\'' | '"')
            || (last == ')' && unbalanced())
        {
            url = &url[..url.len() - last.len_utf8()];
        } else {
            return url;
        }
    }
}

/// One article's page: the link target of every feed item.
pub fn article_page(
    site: &SiteConfig,
    index: &Index,
    a: &Article,
    links: &ArticleLinks<'_>,
) -> Vec<u8> {
    let mut out = String::new();
    let mut feeds = alternates(&site.title, |f| feed_path(None, f));
    let category = links.category.as_ref();
    if let Some(c) = category {
        feeds.extend(alternates(&c.feed_title, |f| feed_path(Some(c.slug), f)));
    }
    for tag in &links.tags {
        feeds.extend(alternates(&tag.feed_title, |f| {
            term_feed_path(Kind::Tag, tag.slug, f)
        }));
    }
    // Autodiscovery offers Atom for each tag (RSS and JSON are on its page),
    // so a reader's list stays short; the site and category feeds in all three.
    feeds.retain(|f: &Alternate| !f.path.starts_with("/tags/") || f.format == Format::Atom);
    let path = article_path(&a.id);
    open(&mut out, site, &Head::at(&path, &a.title, &feeds));
    breadcrumb(&mut out, index, category.map(|c| c.slug), LastCrumb::Above);
    let _ = write!(
        out,
        "<article>\n<h1>{title}</h1>\n<p>Đăng lúc {published}",
        title = text(&a.title),
        published = Time(&a.published),
    );
    if let Some(at) = &a.updated {
        let _ = write!(out, " · Cập nhật: {}", Time(at));
    }
    out.push_str("</p>\n");
    for p in crate::render::shown_paragraphs(a) {
        let _ = writeln!(out, "<p>{}</p>", text(p));
    }
    article_facts(&mut out, a, links);
    out.push_str("</article>\n");
    if let Some(c) = category {
        out.push_str("<p>");
        labelled_links(
            &mut out,
            &format!("Theo dõi chuyên mục {}: ", Isolated(&c.feed_title)),
            &c.feed_title,
            |f| feed_path(Some(c.slug), f),
        );
        out.push_str("</p>\n");
    }
    article_pager(&mut out, links);
    close(out, site)
}

/// The author, source and tags of an article, each once: the author linked
/// to their page (where their feeds are), the source to its site when it
/// names one.
fn article_facts(out: &mut String, a: &Article, links: &ArticleLinks<'_>) {
    if let Some(name) = &a.author {
        let _ = match links.author {
            Some(slug) => writeln!(
                out,
                "<p>Tác giả: <a href=\"{}\">{}</a></p>",
                attr(&term_path(Kind::Author, slug)),
                Isolated(name)
            ),
            None => writeln!(out, "<p>Tác giả: {}</p>", Isolated(name)),
        };
    }
    if let Some(source) = &a.source {
        let _ = match source_link(source) {
            // One isolate for the whole field; the sentence's closing
            // punctuation after the link, not in it.
            Some((url, address)) => writeln!(
                out,
                "<p>Nguồn tin: <bdi><a href=\"{}\" rel=\"external\">{}</a>{}</bdi></p>",
                attr(&url),
                text(address),
                text(source.trim().strip_prefix(address).unwrap_or_default())
            ),
            None => writeln!(out, "<p>Nguồn tin: {}</p>", Isolated(source)),
        };
    }
    if !links.tags.is_empty() {
        out.push_str("<p>Từ khóa: ");
        for (n, tag) in links.tags.iter().enumerate() {
            if n > 0 {
                out.push_str(", ");
            }
            let _ = write!(
                out,
                "<a rel=\"tag\" href=\"{}\">{}</a>",
                attr(&term_path(Kind::Tag, tag.slug)),
                Isolated(tag.name)
            );
        }
        out.push_str("</p>\n");
    }
}

/// Links to the newer and older articles of the category.
fn article_pager(out: &mut String, links: &ArticleLinks<'_>) {
    if links.newer.is_none() && links.older.is_none() {
        return;
    }
    out.push_str("<nav class=\"pager\" aria-label=\"Bài khác trong chuyên mục\"><ul>\n");
    if let Some(n) = links.newer {
        let _ = writeln!(
            out,
            "<li>Bài mới hơn: <a rel=\"next\" href=\"{}\">{}</a></li>",
            attr(&article_path(&n.id)),
            Isolated(&n.title)
        );
    }
    if let Some(o) = links.older {
        let _ = writeln!(
            out,
            "<li>Bài cũ hơn: <a rel=\"prev\" href=\"{}\">{}</a></li>",
            attr(&article_path(&o.id)),
            Isolated(&o.title)
        );
    }
    out.push_str("</ul></nav>\n");
}

/// What a subscribe page is about.
#[derive(Clone, Copy)]
pub enum Subscription<'a> {
    /// A live feed: it gets every new article.
    Live,
    /// The feed of changes ([`changes_path`]): the articles put in the
    /// store (by their capture clock), corrected or withdrawn last.
    Changes,
    /// One month's archive (RFC 5005 §4): its page offers it to download
    /// and points to `live` to follow. An older month's is fixed; the
    /// feed's newest month's still gains the feed's new articles until a
    /// newer month begins.
    Archive {
        /// The month it holds.
        month: Month,
        /// Whether it can still grow.
        growth: Growth,
        /// The title of the live feed it is an archive of.
        live_title: &'a str,
        /// The site path of that live feed in a format.
        live: &'a dyn Fn(Format) -> String,
    },
}

/// What each format is, for the list of a feed's formats.
const FORMATS: [(Format, &str); 3] = [
    (
        Format::Rss,
        "RSS 2.0: định dạng lâu đời nhất, mọi ứng dụng đọc tin đều hiểu.",
    ),
    (
        Format::Atom,
        "Atom 1.0: chuẩn IETF (RFC 4287), ghi rõ thời gian và mã bài.",
    ),
    (
        Format::Json,
        "JSON Feed 1.1: cùng nội dung dưới dạng JSON, cho lập trình viên.",
    ),
];

/// The page behind every feed link: the feed's URL to copy into a reader,
/// what the formats are, the other formats and the OPML lists. The feed URL
/// itself keeps serving the feed (readers send all sorts of `Accept`).
/// An archive's page says whether it is fixed or still grows and offers it
/// to download instead, with the live feed to follow.
///
/// Titled with its format (one page per feed and format, each its own
/// title) and kept out of search results: there are several per category,
/// tag, author and month, all alike, and the pages they lead from are the
/// ones worth finding.
pub fn subscribe_page(
    site: &SiteConfig,
    title: &str,
    path_of: &dyn Fn(Format) -> String,
    format: Format,
    kind: Subscription<'_>,
) -> Vec<u8> {
    let mut out = String::new();
    let feed = path_of(format);
    let here = subscribe_path(&feed);
    let url = format!("{}{}", site.base_url, feed);
    let name = format_name(format);
    // Autodiscovery offers the format the page is about first: a reader
    // given the page subscribes to the first feed it finds.
    match kind {
        Subscription::Live => {
            let heading = format!("Theo dõi {title} qua {name}");
            let feeds = alternates_from(format, title, path_of);
            open(&mut out, site, &Head::unlisted(&here, &heading, &feeds));
            let _ = write!(
                out,
                "<h1>Theo dõi {t} qua {name}</h1>\n<p>Dán địa chỉ này vào ứng dụng đọc tin (Feedly, Inoreader, NetNewsWire, Thunderbird…) để nhận bài mới:</p>\n<p><code>{u}</code></p>\n<p><a href=\"{href}\">Mở tệp {name}</a> (dành cho ứng dụng đọc tin, không phải để đọc trên trình duyệt).</p>\n",
                t = Isolated(title),
                u = text(&url),
                href = attr(&feed),
            );
        }
        Subscription::Changes => {
            let heading = format!("Theo dõi {title} qua {name}");
            let feeds = alternates_from(format, title, path_of);
            open(&mut out, site, &Head::unlisted(&here, &heading, &feeds));
            // Only Atom has tombstones: RSS and JSON Feed cannot say an
            // article was withdrawn (it just leaves them).
            let withdrawals = match format {
                Format::Atom => "Bài bị gỡ bỏ được báo kèm lý do.",
                Format::Rss | Format::Json => {
                    "Chỉ tệp Atom báo bài bị gỡ bỏ: trong RSS và JSON Feed, bài gỡ bỏ chỉ biến mất."
                }
            };
            let _ = write!(
                out,
                "<h1>Theo dõi {t} qua {name}</h1>\n<p>Nguồn tin này giữ các bài vừa được đưa lên trang, cập nhật (đính chính) hoặc gỡ bỏ, kể cả bài cũ đưa lên muộn, bài thay đổi sau cùng trước, để ai đăng lại hay lưu bài của trang không sót bài nào và biết khi một bài được sửa. {withdrawals} Dán địa chỉ này vào ứng dụng đọc tin:</p>\n<p><code>{u}</code></p>\n<p><a href=\"{href}\">Mở tệp {name}</a> (dành cho ứng dụng đọc tin, không phải để đọc trên trình duyệt).</p>\n<p>Muốn đọc tin theo ngày đăng, hãy theo dõi <a href=\"{follow}\">{all}</a>.</p>\n",
                t = Isolated(title),
                u = text(&url),
                href = attr(&feed),
                follow = attr(&subscribe_path(&feed_path(None, format))),
                all = text(&site.title),
            );
        }
        Subscription::Archive {
            month,
            growth,
            live_title,
            live,
        } => {
            let heading = format!("{title} ({name})");
            // Autodiscovery offers the live feed: the archive is no subscription.
            let feeds = alternates_from(format, live_title, live);
            open(&mut out, site, &Head::unlisted(&here, &heading, &feeds));
            let m = month_name(month).to_lowercase();
            let held = match growth {
                Growth::Fixed => ", cố định: không có bài mới được thêm vào.",
                Growth::Growing => ". Đây là tháng mới nhất: bài mới vẫn được thêm vào tệp cho đến khi có bài của tháng sau.",
            };
            let _ = write!(
                out,
                "<h1>{t} ({name})</h1>\n<p>Tệp này giữ các bài của {m} trong {l}{held} Tải về để đọc hoặc lưu lại:</p>\n<p><code>{u}</code></p>\n<p><a href=\"{href}\" download>Tải tệp {name}</a></p>\n<p>Muốn nhận bài mới, hãy theo dõi <a href=\"{follow}\">{l}</a>.</p>\n",
                t = Isolated(title),
                l = Isolated(live_title),
                u = text(&url),
                href = attr(&feed),
                follow = attr(&subscribe_path(&live(format))),
            );
        }
    }
    out.push_str("<h2>Các định dạng</h2>\n<ul>\n");
    for (f, what) in FORMATS {
        // The format shown is the page itself.
        let current = if f == format {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<li><a href=\"{}\"{current}>{}</a>: {}</li>",
            attr(&subscribe_path(&path_of(f))),
            format_name(f),
            what
        );
    }
    out.push_str("</ul>\n");
    if let Subscription::Live = kind {
        let _ = writeln!(
            out,
            "<p>Theo dõi nhiều mục cùng lúc: nhập <a href=\"{}\">danh sách OPML các chuyên mục</a>, <a href=\"{}\">danh sách OPML các từ khóa</a> hoặc <a href=\"{}\">danh sách OPML các tác giả</a> vào ứng dụng đọc tin.</p>",
            subscribe_path(FEEDS_OPML),
            subscribe_path(TAGS_OPML),
            subscribe_path(AUTHORS_OPML),
        );
    }
    close(out, site)
}

/// An OPML list of feeds the site serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opml {
    /// Every category's feed: `/feeds.opml`.
    Categories,
    /// Every tag's feed: `/tags.opml`.
    Tags,
    /// Every author's feed: `/authors.opml`.
    Authors,
}

impl Opml {
    /// The site path of the list itself.
    pub fn path(self) -> &'static str {
        match self.kind() {
            None => FEEDS_OPML,
            Some(kind) => terms_opml(kind),
        }
    }

    /// Whose feeds it lists, when they are a tag's or an author's.
    pub fn kind(self) -> Option<Kind> {
        match self {
            Opml::Categories => None,
            Opml::Tags => Some(Kind::Tag),
            Opml::Authors => Some(Kind::Author),
        }
    }
}

/// Which of `kind`'s terms its OPML list holds, as a sentence says it:
/// `mọi từ khóa`, `1.000 tác giả có nhiều bài nhất`.
fn opml_holds(kind: Kind, scope: Scope) -> String {
    match scope {
        Scope::Every => format!("mọi {}", kind_noun(kind)),
        Scope::Most(n) => format!("{} {} có nhiều bài nhất", vi_count(n), kind_noun(kind)),
    }
}

/// The page behind every OPML link: what the list is, how to import it into
/// a reader, and its URL with a link to download it, so no link drops a
/// person into raw XML. `scope` is what the list of tags or authors holds:
/// a list of only the most used ones says so.
pub fn opml_page(site: &SiteConfig, list: Opml, scope: Scope) -> Vec<u8> {
    let (heading, each, browse, browse_name) = match list.kind() {
        None => (
            "Danh sách OPML các chuyên mục",
            "mọi chuyên mục".to_owned(),
            "/".to_owned(),
            "trang nhất",
        ),
        Some(kind) => (
            match kind {
                Kind::Tag => "Danh sách OPML các từ khóa",
                Kind::Author => "Danh sách OPML các tác giả",
            },
            opml_holds(kind, scope),
            terms_path(kind),
            match kind {
                Kind::Tag => "danh sách từ khóa",
                Kind::Author => "danh sách tác giả",
            },
        ),
    };
    let path = list.path();
    let file = path.trim_start_matches('/');
    let mut out = String::new();
    // Kept out of search results like the feeds' subscribe pages.
    let here = subscribe_path(path);
    open(&mut out, site, &Head::unlisted(&here, heading, &[]));
    let _ = write!(
        out,
        "<h1>{heading}</h1>\n<p>OPML là một tệp liệt kê nhiều nguồn tin. Nhập tệp này vào ứng dụng đọc tin (Feedly, Inoreader, NetNewsWire, Thunderbird…; thường ở mục “Nhập OPML” hoặc “Import”) để theo dõi {each} cùng lúc, mỗi mục một nguồn tin.</p>\n",
    );
    // Importing a whole list is following every feed in it: where they
    // overlap, the reader shows one article once per feed holding it. An
    // article has one author at most, so the authors' feeds do not overlap,
    // but together they miss the articles that name none.
    let overlap = match list {
        Opml::Categories => "Các nguồn tin trong danh sách chồng lên nhau: nguồn tin chung có các bài mới nhất của mọi chuyên mục, nguồn tin của một chuyên mục có cả bài của các chuyên mục con, nên ứng dụng đọc tin sẽ hiện một bài hai, ba lần. Muốn mỗi bài chỉ hiện một lần: chỉ theo dõi nguồn tin chung (ở trang nhất).",
        Opml::Tags => "Một bài thường có nhiều từ khóa, nên ứng dụng đọc tin sẽ hiện bài đó một lần trong nguồn tin của mỗi từ khóa.",
        Opml::Authors => "Mỗi bài có nhiều nhất một tác giả, nên ứng dụng đọc tin hiện mỗi bài một lần. Bài không ghi tên tác giả không có trong nguồn tin nào của danh sách này: muốn đọc mọi bài, theo dõi nguồn tin chung (ở trang nhất).",
    };
    let _ = writeln!(out, "<p>{overlap}</p>");
    if let (Some(kind), Scope::Most(n)) = (list.kind(), scope) {
        let _ = writeln!(
            out,
            "<p>Trang có hơn {n} {what}, nhiều hơn số nguồn tin một ứng dụng đọc tin theo dõi được: danh sách chỉ gồm {n} {what} có nhiều bài nhất, xếp theo vần chữ cái.</p>",
            n = vi_count(n),
            what = kind_noun(kind),
        );
    }
    let _ = write!(
        out,
        "<p>Ứng dụng nhận địa chỉ thì dán địa chỉ này:</p>\n<p><code>{u}</code></p>\n<p>Ứng dụng nhận tệp thì <a href=\"{href}\" download=\"{file}\">tải tệp OPML</a> rồi nhập tệp đó.</p>\n<p>Chỉ theo dõi vài mục: chọn trong <a href=\"{browse}\">{browse_name}</a>.</p>\n",
        u = text(&format!("{}{path}", site.base_url)),
        href = attr(path),
        browse = attr(&browse),
    );
    close(out, site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_of_changes_says_what_changed_and_when_in_the_order_of_change() {
        use std::sync::Arc;
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("a valid date");
        // Withdrawn, then corrected after (so listed by the correction);
        // then one only corrected.
        let mut back = Article::sample(
            "tin/a",
            &["Tin"],
            "Rút <lại>",
            at("2020-05-01T08:00:00+07:00"),
        );
        back.withdrawn = Some(crate::article::Withdrawal {
            at: at("2020-05-02T08:00:00+07:00"),
            reason: Some("Sai & <thiếu>".to_owned()),
        });
        back.updated = Some(at("2020-05-03T09:30:00+07:00"));
        let mut fixed = Article::sample("tin/b", &["Tin"], "Sửa", at("2020-04-01T08:00:00+07:00"));
        fixed.updated = Some(at("2020-05-02T10:00:00+07:00"));
        // Put in the store (captured) after its publication, and nothing since.
        let mut late = Article::sample("tin/c", &["Tin"], "Muộn", at("2019-03-01T07:00:00+07:00"));
        late.captured = Some(at("2020-04-30T09:00:00+07:00"));
        // Corrected, then saved again; withdrawn, then saved again; saved
        // before its date (a clock put wrong): the capture only when last.
        let mut resaved = Article::sample(
            "tin/d",
            &["Tin"],
            "Lưu lại",
            at("2020-04-01T08:00:00+07:00"),
        );
        resaved.updated = Some(at("2020-04-02T08:00:00+07:00"));
        resaved.captured = Some(at("2020-04-03T08:00:00+07:00"));
        let mut gone = Article::sample("tin/e", &["Tin"], "Gỡ", at("2020-04-01T08:00:00+07:00"));
        gone.withdrawn = Some(crate::article::Withdrawal {
            at: at("2020-04-02T08:00:00+07:00"),
            reason: None,
        });
        gone.captured = Some(at("2020-04-03T09:00:00+07:00"));
        let mut early = Article::sample("tin/f", &["Tin"], "Sớm", at("2020-04-01T08:00:00+07:00"));
        early.captured = Some(at("2020-03-31T08:00:00+07:00"));
        let entries = [
            Entry::full(Arc::new(back), None),
            Entry::full(Arc::new(fixed), None),
            Entry::full(Arc::new(late), None),
            Entry::full(Arc::new(resaved), None),
            Entry::full(Arc::new(gone), None),
            Entry::full(Arc::new(early), None),
        ];
        let site = SiteConfig::default();
        let page = String::from_utf8(changes_page(&site, &entries)).expect("UTF-8");
        assert!(page.contains(
            "<li><a href=\"/articles/tin/a\"><bdi>Rút &lt;lại&gt;</bdi></a>: gỡ bỏ <time datetime=\"2020-05-02T08:00:00+07:00\">02/05/2020 08:00</time> (<bdi>Sai &amp; &lt;thiếu&gt;</bdi>), cập nhật <time datetime=\"2020-05-03T09:30:00+07:00\">03/05/2020 09:30</time>; đăng <time datetime=\"2020-05-01T08:00:00+07:00\">01/05/2020 08:00</time></li>"
        ), "{page}");
        assert!(page.contains(
            "<li><a href=\"/articles/tin/b\"><bdi>Sửa</bdi></a>: cập nhật <time datetime=\"2020-05-02T10:00:00+07:00\">02/05/2020 10:00</time>; đăng"
        ), "{page}");
        assert!(page.contains(
            "<li><a href=\"/articles/tin/c\"><bdi>Muộn</bdi></a>: đưa lên <time datetime=\"2020-04-30T09:00:00+07:00\">30/04/2020 09:00</time>; đăng <time datetime=\"2019-03-01T07:00:00+07:00\">01/03/2019 07:00</time></li>"
        ), "{page}");
        assert!(page.contains(
            "<bdi>Lưu lại</bdi></a>: cập nhật <time datetime=\"2020-04-02T08:00:00+07:00\">02/04/2020 08:00</time>, đưa lên <time datetime=\"2020-04-03T08:00:00+07:00\">03/04/2020 08:00</time>; đăng"
        ), "{page}");
        assert!(page.contains(
            "<bdi>Gỡ</bdi></a>: gỡ bỏ <time datetime=\"2020-04-02T08:00:00+07:00\">02/04/2020 08:00</time>, đưa lên <time datetime=\"2020-04-03T09:00:00+07:00\">03/04/2020 09:00</time>; đăng"
        ), "{page}");
        assert!(page.contains(
            "<bdi>Sớm</bdi></a>: đăng <time datetime=\"2020-04-01T08:00:00+07:00\">01/04/2020 08:00</time></li>"
        ), "{page}");
        assert!(page.find("/articles/tin/a") < page.find("/articles/tin/b"));
        let empty = String::from_utf8(changes_page(&site, &[])).expect("UTF-8");
        assert!(empty.contains("<p>Chưa có bài nào.</p>"), "{empty}");
        assert!(!empty.contains("<ul>\n</ul>"), "{empty}");
    }

    fn source_url(source: &str) -> Option<String> {
        source_link(source).map(|(url, _)| url)
    }

    #[test]
    fn sources_link_only_when_they_name_a_web_address() {
        for (source, link) in [
            ("Dienbien.gov.vn", Some("https://dienbien.gov.vn/")),
            (
                "https://baochinhphu.vn/a?b",
                Some("https://baochinhphu.vn/a?b"),
            ),
            ("Báo Điện Biên Phủ", None),
            ("TTXVN", None),
            ("v.1.2", None),
            ("javascript:alert(1)", None),
            // Written as the URL Standard serializes it: always a valid URL.
            (
                "https://example.com/a\"onmouseover=\"alert(1)&x=<b>",
                Some("https://example.com/a%22onmouseover=%22alert(1)&x=%3Cb%3E"),
            ),
            // The sentence's closing punctuation is not the address's; a
            // parenthesis the address opens is.
            (
                "https://example.com/path).",
                Some("https://example.com/path"),
            ),
            (
                "https://vi.wikipedia.org/wiki/Hà_Nội_(thủ_đô)",
                Some(
                    "https://vi.wikipedia.org/wiki/H%C3%A0_N%E1%BB%99i_(th%E1%BB%A7_%C4%91%C3%B4)",
                ),
            ),
            // Schemes are case-insensitive.
            ("HTTPS://EXAMPLE.COM/X", Some("https://example.com/X")),
            ("HTTPS://", None),
            ("https://Báo.vn/tin", Some("https://xn--bo-mia.vn/tin")),
            ("http://", None),
            ("https://exa mple.com", None),
            // Marks that may end an address stay in it.
            (
                "https://example.com/a_b~c*",
                Some("https://example.com/a_b~c*"),
            ),
        ] {
            assert_eq!(source_url(source).as_deref(), link, "{source}");
        }
        // What is linked: the address, not the sentence's end.
        assert_eq!(
            source_link("https://example.com/path).").map(|(_, a)| a),
            Some("https://example.com/path")
        );
        assert_eq!(
            source_link("Dienbien.gov.vn").map(|(_, a)| a),
            Some("Dienbien.gov.vn")
        );
    }

    #[test]
    fn only_hosts_under_a_listed_suffix_are_web_addresses() {
        for (source, url) in [
            ("vnexpress.net", "https://vnexpress.net/"),
            ("baochinhphu.vn", "https://baochinhphu.vn/"),
            ("www.tuoitre.vn", "https://www.tuoitre.vn/"),
            ("VTV.vn", "https://vtv.vn/"),
            ("thanhnien.com.vn", "https://thanhnien.com.vn/"),
            ("www.abc.net.au", "https://www.abc.net.au/"),
            ("www.bbc.co.uk", "https://www.bbc.co.uk/"),
            ("reuters.com", "https://reuters.com/"),
        ] {
            assert_eq!(source_url(source).as_deref(), Some(url), "{source}");
        }
        // Initials and abbreviations that look like a host name.
        for source in [
            "P.Thanh",
            "ThS.Nguyen",
            "TP.HCM",
            "gov.vn",
            "vn",
            "T.Vu",
            "N.Ly",
            "Q.To",
            "Hai.Ly",
            "Anh.Vu",
            "Minh.My",
        ] {
            assert_eq!(source_url(source), None, "{source}");
        }
    }

    fn month(s: &str) -> Month {
        s.parse().unwrap()
    }

    fn month_page_with(around: Neighbours) -> String {
        month_page_of(MonthOf::Category(Some("kinh-te/du-lich")), around)
    }

    fn month_page_of(of: MonthOf<'_>, around: Neighbours) -> String {
        let name = match of {
            MonthOf::Term(kind, t) => term_feed_title(kind, &t.name),
            MonthOf::Category(_) => "Kinh tế › Du lịch".to_owned(),
        };
        let page = month_page(
            &SiteConfig::default(),
            &Index::default(),
            &MonthPage {
                of,
                name: &name,
                feed_title: &name,
                month: month("2020-06"),
                entries: &[],
                around,
            },
        );
        String::from_utf8(page).unwrap()
    }

    /// The front page of a site with no article.
    /// No category's feed is titled: an index without categories asks for none.
    fn no_titles(slug: Option<&str>) -> String {
        slug.unwrap_or_default().to_owned()
    }

    fn empty_front(site: &SiteConfig) -> String {
        let page = front_page(
            site,
            &Index::default(),
            &no_titles,
            Newest::of(&[], 30),
            &[],
        );
        String::from_utf8(page).unwrap()
    }

    fn term(name: &str, slug: &str) -> Term {
        Term {
            name: name.to_owned(),
            slug: slug.to_owned(),
            members: crate::index::Members::default(),
            withdrawn: 0,
        }
    }

    fn terms_page_of(number: usize, pages: usize, opml: Scope) -> String {
        let tag = term("du lịch", "du-lich");
        let page = terms_page(
            &SiteConfig::default(),
            &TermsPage {
                kind: Kind::Tag,
                terms: &[&tag],
                number,
                pages,
                opml,
            },
        );
        String::from_utf8(page).unwrap()
    }

    #[test]
    fn the_lists_of_tags_and_authors_offer_the_site_feed_to_autodiscovery() {
        let site = SiteConfig::default();
        let tag = term("du lịch", "du-lich");
        for (kind, number) in [(Kind::Tag, 1), (Kind::Tag, 2), (Kind::Author, 1)] {
            let page = terms_page(
                &site,
                &TermsPage {
                    kind,
                    terms: &[&tag],
                    number,
                    pages: 2,
                    opml: Scope::Every,
                },
            );
            let page = String::from_utf8(page).unwrap();
            let discovery: Vec<&str> = page
                .lines()
                .filter(|l| l.starts_with("<link rel=\"alternate\""))
                .collect();
            let front = empty_front(&site);
            let front: Vec<&str> = front
                .lines()
                .filter(|l| l.starts_with("<link rel=\"alternate\""))
                .collect();
            assert_eq!(discovery.len(), 3, "{page}");
            assert_eq!(discovery, front, "the front page's feeds: {page}");
            assert!(discovery[0].contains("type=\"application/rss+xml\""));
            assert!(discovery[0].ends_with("/feed.rss\">"), "{page}");
        }
    }

    #[test]
    fn a_list_of_one_page_has_no_pager() {
        let page = terms_page_of(1, 1, Scope::Every);
        assert!(!page.contains("pager"), "{page}");
        assert!(!page.contains("rel=\"next\""), "{page}");
        assert!(page.contains("<h1>Tất cả từ khóa</h1>"), "{page}");
        assert!(page.contains("Theo dõi mọi từ khóa cùng lúc"), "{page}");
    }

    #[test]
    fn a_list_page_links_the_pages_before_and_after_it_above_and_below() {
        let middle = terms_page_of(2, 3, Scope::Most(1000));
        assert!(
            middle.contains("<h1>Tất cả từ khóa (trang 2/3)</h1>"),
            "{middle}"
        );
        assert!(
            middle.contains("<title>Tất cả từ khóa (trang 2/3)"),
            "{middle}"
        );
        for label in ["Trang (đầu trang)", "Trang (cuối trang)"] {
            let nav = format!(
                "<nav class=\"pager\" aria-label=\"{label}\"><a rel=\"prev\" href=\"/tags\">« Trang 1</a> <span aria-current=\"page\">Trang 2/3</span> <a rel=\"next\" href=\"/tags/trang_3\">Trang 3 »</a></nav>"
            );
            assert!(middle.contains(&nav), "{nav}\n{middle}");
        }
        assert!(
            middle.contains("Theo dõi 1.000 từ khóa có nhiều bài nhất cùng lúc"),
            "{middle}"
        );
        // The first page has no page before it, the last none after it.
        let first = terms_page_of(1, 3, Scope::Most(1000));
        assert!(!first.contains("rel=\"prev\""), "{first}");
        assert!(first.contains("<a rel=\"next\" href=\"/tags/trang_2\">Trang 2 »</a>"));
        let last = terms_page_of(3, 3, Scope::Most(1000));
        assert!(!last.contains("rel=\"next\""), "{last}");
        assert!(last.contains("<a rel=\"prev\" href=\"/tags/trang_2\">« Trang 2</a>"));
    }

    #[test]
    fn a_long_list_s_pager_reaches_its_first_and_last_pages() {
        let nav = |page: &str| {
            let at = page.find("<nav class=\"pager\"").unwrap();
            page[at..].split("</nav>").next().unwrap().to_owned()
        };
        let middle = nav(&terms_page_of(57, 113, Scope::Most(1000)));
        assert_eq!(
            middle,
            "<nav class=\"pager\" aria-label=\"Trang (đầu trang)\"><a href=\"/tags\">Trang đầu</a> <a rel=\"prev\" href=\"/tags/trang_56\">« Trang 56</a> <span aria-current=\"page\">Trang 57/113</span> <a rel=\"next\" href=\"/tags/trang_58\">Trang 58 »</a> <a href=\"/tags/trang_113\">Trang cuối (113)</a>"
        );
        // Next to an end, the link to it is the page before or after.
        let second = nav(&terms_page_of(2, 113, Scope::Most(1000)));
        assert!(!second.contains("Trang đầu"), "{second}");
        assert!(second.contains("Trang cuối (113)"), "{second}");
        let next_to_last = nav(&terms_page_of(112, 113, Scope::Most(1000)));
        assert!(next_to_last.contains(">Trang đầu</a>"), "{next_to_last}");
        assert!(!next_to_last.contains("Trang cuối"), "{next_to_last}");
    }

    #[test]
    fn a_front_page_with_no_article_says_so_instead_of_an_empty_list() {
        let page = front_page(
            &SiteConfig::default(),
            &Index::default(),
            &no_titles,
            Newest::of(&[], 30),
            &[],
        );
        let page = String::from_utf8(page).unwrap();
        assert!(
            page.contains("<h2 id=\"moi\">Tin mới</h2>\n<p>Chưa có bài viết nào.</p>"),
            "{page}"
        );
        assert!(page.contains("<p>Chưa có chuyên mục nào.</p>"), "{page}");
        assert!(!page.contains("<ul>"), "{page}");
    }

    #[test]
    fn an_empty_list_of_terms_says_so_instead_of_an_empty_list() {
        let page = terms_page(
            &SiteConfig::default(),
            &TermsPage {
                kind: Kind::Author,
                terms: &[],
                number: 1,
                pages: 1,
                opml: Scope::Every,
            },
        );
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("<p>Chưa có tác giả nào.</p>"), "{page}");
        assert!(!page.contains("<ul>"), "{page}");
    }

    #[test]
    fn the_tags_opml_page_says_when_it_lists_only_the_most_used() {
        let every =
            String::from_utf8(opml_page(&SiteConfig::default(), Opml::Tags, Scope::Every)).unwrap();
        assert!(
            every.contains("để theo dõi mọi từ khóa cùng lúc"),
            "{every}"
        );
        assert!(!every.contains("nhiều bài nhất"), "{every}");
        let most = String::from_utf8(opml_page(
            &SiteConfig::default(),
            Opml::Tags,
            Scope::Most(1000),
        ))
        .unwrap();
        assert!(
            most.contains("để theo dõi 1.000 từ khóa có nhiều bài nhất cùng lúc"),
            "{most}"
        );
        assert!(
            most.contains("danh sách chỉ gồm 1.000 từ khóa có nhiều bài nhất"),
            "{most}"
        );
    }

    #[test]
    fn an_opml_page_says_its_feeds_overlap_and_how_to_read_each_article_once() {
        let page = |list| String::from_utf8(opml_page(&SiteConfig::default(), list, Scope::Every));
        let categories = page(Opml::Categories).unwrap();
        assert!(
            categories.contains("chồng lên nhau")
                && categories.contains("chỉ theo dõi nguồn tin chung"),
            "{categories}"
        );
        let tags = page(Opml::Tags).unwrap();
        assert!(tags.contains("nhiều từ khóa"), "{tags}");
        assert!(!tags.contains("chồng lên nhau"), "{tags}");
        let authors = page(Opml::Authors).unwrap();
        assert!(authors.contains("nhiều nhất một tác giả"), "{authors}");
        assert!(authors.contains("Bài không ghi tên tác giả"), "{authors}");
        assert!(!authors.contains("chồng lên nhau"), "{authors}");
    }

    #[test]
    fn the_authors_opml_page_is_about_authors_and_offers_their_list() {
        let page = |scope| {
            String::from_utf8(opml_page(&SiteConfig::default(), Opml::Authors, scope)).unwrap()
        };
        let every = page(Scope::Every);
        assert!(
            every.contains("<h1>Danh sách OPML các tác giả</h1>"),
            "{every}"
        );
        assert!(
            every.contains("để theo dõi mọi tác giả cùng lúc"),
            "{every}"
        );
        assert!(
            every.contains("href=\"/authors.opml\" download=\"authors.opml\""),
            "{every}"
        );
        assert!(
            every.contains("<a href=\"/authors\">danh sách tác giả</a>"),
            "{every}"
        );
        assert!(!every.contains("từ khóa"), "{every}");
        let most = page(Scope::Most(1000));
        assert!(
            most.contains("danh sách chỉ gồm 1.000 tác giả có nhiều bài nhất"),
            "{most}"
        );
    }

    #[test]
    fn a_month_page_calls_only_an_older_month_fixed() {
        let newest = month_page_with(Neighbours {
            older: Some(month("2020-05")),
            newer: None,
        });
        assert!(newest.contains("(tháng mới nhất: còn thêm bài"), "{newest}");
        assert!(!newest.contains("cố định"), "{newest}");
        let older = month_page_with(Neighbours {
            older: None,
            newer: Some(month("2020-07")),
        });
        assert!(older.contains("(cố định, không có bài mới)"), "{older}");
        assert!(!older.contains("mới nhất:"), "{older}");
    }

    #[test]
    fn a_month_page_names_its_two_pagers_apart() {
        let page = month_page_with(Neighbours::default());
        assert_eq!(page.matches("class=\"pager\"").count(), 2, "{page}");
        assert!(page.contains("aria-label=\"Tháng (đầu trang)\""), "{page}");
        assert!(page.contains("aria-label=\"Tháng (cuối trang)\""), "{page}");
    }

    #[test]
    fn a_term_month_page_pages_through_the_term_s_months() {
        let tag = term("du lịch", "du-lich");
        let page = month_page_of(
            MonthOf::Term(Kind::Tag, &tag),
            Neighbours {
                older: Some(month("2020-05")),
                newer: Some(month("2020-07")),
            },
        );
        assert!(
            page.contains("<h1>Từ khóa: <bdi>du lịch</bdi>, tháng 6/2020</h1>"),
            "{page}"
        );
        // Both pagers, named apart, lead to the term's own months and page.
        for label in ["Tháng (đầu trang)", "Tháng (cuối trang)"] {
            let nav = format!(
                "<nav class=\"pager\" aria-label=\"{label}\"><a rel=\"next\" href=\"/tags/du-lich/2020-07\">« Tháng 7/2020</a> <a href=\"/tags/du-lich\">Mới nhất</a> <a rel=\"prev\" href=\"/tags/du-lich/2020-05\">Tháng 5/2020 »</a></nav>"
            );
            assert!(page.contains(&nav), "{nav}\n{page}");
        }
        assert!(
            page.contains(
                " » <a href=\"/tags\">Từ khóa</a> » <a href=\"/tags/du-lich\"><bdi>du lịch</bdi></a></nav>"
            ),
            "{page}"
        );
        // Autodiscovery and the follow links are the live feed's; the
        // month's archive is a fixed download.
        let discovery: Vec<&str> = page
            .lines()
            .filter(|l| l.starts_with("<link rel=\"alternate\""))
            .collect();
        assert_eq!(discovery.len(), 3, "{page}");
        assert!(
            discovery[1].contains("title=\"Từ khóa: du lịch (Atom)\"")
                && discovery[1].ends_with("/tags/du-lich.atom\">"),
            "{page}"
        );
        assert!(
            page.contains(
                "Theo dõi bài mới có từ khóa <bdi>du lịch</bdi>: <a href=\"/subscribe/tags/du-lich.rss\""
            ),
            "{page}"
        );
        assert!(
            page.contains(
                "(cố định, không có bài mới): <a href=\"/subscribe/tags/du-lich/2020-06.rss\""
            ),
            "{page}"
        );
    }

    #[test]
    fn an_author_s_newest_month_still_grows() {
        let author = term("Trần Ngọc", "tran-ngoc");
        let page = month_page_of(
            MonthOf::Term(Kind::Author, &author),
            Neighbours {
                older: None,
                newer: None,
            },
        );
        assert!(page.contains("(tháng mới nhất: còn thêm bài"), "{page}");
        assert!(!page.contains("cố định"), "{page}");
        assert!(
            page.contains("Theo dõi bài mới của tác giả <bdi>Trần Ngọc</bdi>: <a href=\"/subscribe/authors/tran-ngoc.rss\""),
            "{page}"
        );
        assert!(!page.contains("rel=\"next\""), "{page}");
        assert!(!page.contains("rel=\"prev\""), "{page}");
    }

    #[test]
    fn a_term_page_links_each_month_s_page_before_its_files() {
        let mut out = String::new();
        let author = term("Trần Ngọc", "tran-ngoc");
        term_month_list(&mut out, Kind::Author, &author, &[month("2024-03")]);
        assert!(
            out.contains("<li><a href=\"/authors/tran-ngoc/2024-03\">Tháng 3/2024</a> <span class=\"feeds\">tải lưu trữ: <a href=\"/subscribe/authors/tran-ngoc/2024-03.rss\" aria-label=\"RSS: Trần Ngọc, tháng 3/2024\">RSS</a> <a "),
            "{out}"
        );
    }

    #[test]
    fn a_term_page_names_its_newest_month_as_still_growing() {
        let mut out = String::new();
        let tag = term("bão lũ", "bao-lu");
        term_month_list(
            &mut out,
            Kind::Tag,
            &tag,
            &[month("2024-03"), month("2023-11")],
        );
        assert!(out.contains("Tháng 3/2024 là tháng mới nhất"), "{out}");
        assert!(out.contains("Các tháng trước cố định"), "{out}");
        let mut one = String::new();
        term_month_list(&mut one, Kind::Tag, &tag, &[month("2024-03")]);
        assert!(one.contains("Tháng 3/2024 là tháng mới nhất"), "{one}");
        assert!(!one.contains("cố định"), "{one}");
    }

    #[test]
    fn subscribe_pages_are_noindex_and_titled_by_format() {
        let site = SiteConfig::default();
        let path_of = |f: Format| format!("/feeds/kinh-te.{}", f.ext());
        let live = |f: Format| format!("/feeds/kinh-te.{}", f.ext());
        let page = |format, kind| {
            String::from_utf8(subscribe_page(&site, "Kinh tế", &path_of, format, kind)).unwrap()
        };
        let archive = |growth| Subscription::Archive {
            month: month("2024-03"),
            growth,
            live_title: "Kinh tế",
            live: &live,
        };
        let mut titles = std::collections::BTreeSet::new();
        for format in Format::ALL {
            for (kind, said) in [
                (Subscription::Live, "để nhận bài mới"),
                (archive(Growth::Growing), "Đây là tháng mới nhất"),
                (archive(Growth::Fixed), "cố định: không có bài mới"),
            ] {
                let p = page(format, kind);
                assert!(
                    p.contains("<meta name=\"robots\" content=\"noindex\">"),
                    "{p}"
                );
                assert!(p.contains(said), "{p}");
                let title = p
                    .split("<title>")
                    .nth(1)
                    .unwrap()
                    .split("</title>")
                    .next()
                    .unwrap()
                    .to_owned();
                assert!(title.contains(format_name(format)), "{title}");
                titles.insert(title);
            }
        }
        // Growing and fixed pages of one month share a title; every format has its own.
        assert_eq!(titles.len(), 6, "{titles:?}");
        let front = empty_front(&site);
        assert!(!front.contains("name=\"robots\""), "{front}");
    }

    #[test]
    fn an_article_page_shows_its_correction() {
        let src = crate::article::Source {
            id: "a/b",
            folder: None,
            modified: None,
            tz: chrono_tz::Asia::Ho_Chi_Minh,
        };
        let text = "Tiêu đề\n10/05/2020 15:33\nCập nhật: 11/05/2020 08:00\nDẫn.\n";
        let a = crate::article::parse(text, &src).unwrap().article;
        let links = ArticleLinks::default();
        let page = article_page(&SiteConfig::default(), &Index::default(), &a, &links);
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains(
            "15:33</time> · Cập nhật: <time datetime=\"2020-05-11T08:00:00+07:00\">11/05/2020 08:00</time></p>"
        ), "{page}");
    }
}
