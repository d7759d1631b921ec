//! The lists people read by name, through the real daemon: `/tags`,
//! `/authors`, `/tags.opml`, `/authors.opml`, the front page's categories and
//! a category's subcategories come in Vietnamese alphabetical order (`d`
//! before `đ`, `a ă â`, `o ô ơ`, `u ư`, tones after letters), not in the
//! order of their slugs.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use common::TempStore;

/// One article of the store format.
fn article(cats: &str, title: &str, published: &str, author: &str, tags: &str) -> String {
    format!(
        "Trang nhất » {cats}\n\n{title}\n\n{published}\n\n\
         Đoạn mở đầu của bài viết.\n\nTác giả bài viết: {author}\n\nTừ khóa: {tags}\n"
    )
}

/// The texts of the links whose target starts with `prefix`, in page order
/// (without the `<bdi>` that isolates a name).
fn link_texts(page: &str, prefix: &str) -> Vec<String> {
    page.split(&format!("<a href=\"{prefix}"))
        .skip(1)
        .filter_map(|rest| {
            let text = rest.split_once("\">")?.1;
            let text = text.split_once("</a>")?.0;
            let text = text.strip_prefix("<bdi>").unwrap_or(text);
            Some(text.strip_suffix("</bdi>").unwrap_or(text).to_owned())
        })
        .collect()
}

/// The `text` of every outline of an OPML list, in order.
fn outline_texts(opml: &str) -> Vec<String> {
    opml.split("<outline text=\"")
        .skip(1)
        .filter_map(|rest| Some(rest.split_once('"')?.0.to_owned()))
        .collect()
}

/// Asserts that `found` holds `expected` in this order (the sample store
/// adds names of its own, which are left out).
fn assert_in_order(what: &str, found: &[String], expected: &[&str]) {
    let ours: Vec<&str> = found
        .iter()
        .map(String::as_str)
        .filter(|name| expected.contains(name))
        .collect();
    assert_eq!(ours, expected, "{what}: {found:?}");
}

#[test]
fn tags_authors_and_categories_are_listed_in_vietnamese_alphabetical_order() {
    let site = TempStore::new();
    // Names in slug order, one article each, so that neither slug order nor
    // the order of appearance is the alphabet's.
    let articles = [
        ("Ẩm thực", "ẩm thực, Đá Mây", "Đỗ Hà"),
        ("Ăn chơi", "ăn uống, đại hội", "Dương Lan"),
        ("An ninh", "an ninh, đầu tư công", "Đinh Lễ"),
        ("Diễn đàn", "diễn tập, ơn nghĩa", "Ơn Thị Hoa"),
        ("Đời sống » Đô thị", "ong mật, mạ", "Ông Văn Ba"),
        ("Đời sống » Du lịch", "ưu tiên, má", "Ong Thị Mai"),
        ("Đời sống » Dư luận", "uống nước, mà", "Ưng Hoàng"),
        ("Đời sống » Ơn nghĩa", "ma", "Uông Minh"),
        ("Đời sống » Ông bà", "Đà Nẵng", "Đỗ Hà"),
        ("Đời sống » Ong mật", "đà nẵng", "Đỗ Hà"),
    ];
    for (n, (cats, tags, author)) in articles.iter().enumerate() {
        let to = site.store().join(format!("moi/bai-{n}.txt"));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let published = format!("{:02}/03/2024 08:00", n + 1);
        let text = article(cats, &format!("Bài số {n}"), &published, author, tags);
        std::fs::write(&to, text).unwrap();
    }
    let d = site.start();

    let tags = [
        "an ninh",
        "ăn uống",
        "ẩm thực",
        "diễn tập",
        "Đá Mây",
        "Đà Nẵng",
        "đại hội",
        "đầu tư công",
        "ma",
        "mà",
        "má",
        "mạ",
        "ong mật",
        "ơn nghĩa",
        "uống nước",
        "ưu tiên",
    ];
    assert_in_order("/tags", &link_texts(&d.body("/tags"), "/tags/"), &tags);
    // Each outline is titled as its feed: `Từ khóa: <tag>`.
    let outlines: Vec<String> = outline_texts(&d.body("/tags.opml"))
        .iter()
        .map(|t| t.strip_prefix("Từ khóa: ").expect(t).to_owned())
        .collect();
    assert_in_order("/tags.opml", &outlines, &tags);

    let authors = [
        "Dương Lan",
        "Đinh Lễ",
        "Đỗ Hà",
        "Ong Thị Mai",
        "Ông Văn Ba",
        "Ơn Thị Hoa",
        "Uông Minh",
        "Ưng Hoàng",
    ];
    let page = d.body("/authors");
    assert_in_order("/authors", &link_texts(&page, "/authors/"), &authors);
    let outlines: Vec<String> = outline_texts(&d.body("/authors.opml"))
        .iter()
        .map(|t| t.strip_prefix("Tác giả: ").expect(t).to_owned())
        .collect();
    assert_in_order("/authors.opml", &outlines, &authors);
    // The URLs stay the ASCII slugs they were.
    assert!(
        page.contains("<a href=\"/authors/do-ha\"><bdi>Đỗ Hà</bdi></a> (3)"),
        "{page}"
    );

    let children = [
        "Du lịch",
        "Dư luận",
        "Đô thị",
        "Ong mật",
        "Ông bà",
        "Ơn nghĩa",
    ];
    let page = d.body("/categories/doi-song");
    let found = link_texts(&page, "/categories/doi-song/");
    assert_in_order("/categories/doi-song", &found, &children);
    assert!(
        page.contains("<a href=\"/categories/doi-song/do-thi\"><bdi>Đô thị</bdi></a>"),
        "{page}"
    );

    // The front page: the top-level categories, each followed by its own.
    let roots = ["An ninh", "Ăn chơi", "Ẩm thực", "Diễn đàn", "Đời sống"];
    let tree: Vec<&str> = roots.iter().chain(&children).copied().collect();
    let found = link_texts(&d.body("/"), "/categories/");
    assert_in_order("/", &found, &tree);
}
