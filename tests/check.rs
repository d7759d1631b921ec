//! `bantin check` run as an editor runs it: on the bundled store and on every parser
//! fixture, asserting the outcome `tests/fixtures.md` documents for each file.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use common::{bantin, check_json, json_feed_ids, TempStore};
use serde_json::Value;
use unicode_normalization::is_nfc;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

/// The fixture reports keyed by path relative to `tests/fixtures`.
fn fixture_reports() -> (i32, BTreeMap<String, Value>) {
    let root = fixtures();
    let (code, lines) = check_json(None, &[&root]);
    let mut by_path = BTreeMap::new();
    for v in lines {
        let path = Path::new(v["path"].as_str().unwrap());
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            by_path.insert(rel.clone(), v).is_none(),
            "{rel} reported twice"
        );
    }
    (code, by_path)
}

fn s(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(s).collect()
}

fn warnings(v: &Value) -> Vec<&str> {
    strings(&v["warnings"])
}

/// Every string of an article report, with its field name.
fn text_fields(a: &Value) -> Vec<(&'static str, &str)> {
    let mut out = vec![("title", s(&a["title"])), ("summary", s(&a["summary"]))];
    for key in ["author", "source"] {
        if let Some(v) = a[key].as_str() {
            out.push((key, v));
        }
    }
    for key in ["categories", "tags", "paragraphs"] {
        out.extend(strings(&a[key]).into_iter().map(|v| (key, v)));
    }
    out
}

const DEFAULT_CATEGORIES: [&str; 2] = ["Tin Tức", "Tin tức tổng hợp"];
const DEFAULT_CAPTURED: &str = "2020-05-12T08:20:00+07:00";
const DEFAULT_PUBLISHED: &str = "2020-05-10T15:33:00+07:00";
const DEFAULT_AUTHOR: &str = "Đỗ Văn Hải";
const DEFAULT_SOURCE: &str = "Ủy ban nhân dân xã Hòa Bình";

/// Asserts the parts of "the same short article" a row does not override.
fn assert_default_article(name: &str, r: &Value, published: &str) {
    let a = &r["article"];
    assert_eq!(strings(&a["categories"]), DEFAULT_CATEGORIES, "{name}");
    assert_eq!(s(&a["captured"]), DEFAULT_CAPTURED, "{name}");
    assert_eq!(s(&a["published"]), published, "{name}");
    assert!(!s(&a["summary"]).is_empty(), "{name}: empty summary");
    assert_eq!(a["paragraphs"].as_array().unwrap().len(), 2, "{name}");
    if name != "no-author-source.txt" {
        assert_eq!(s(&a["author"]), DEFAULT_AUTHOR, "{name}");
        assert_eq!(s(&a["source"]), DEFAULT_SOURCE, "{name}");
    }
}

fn assert_ok_no_warnings(name: &str, r: &Value) {
    assert_eq!(r["ok"], true, "{name}: {r}");
    assert!(r.get("error").is_none(), "{name}: {r}");
    assert!(warnings(r).is_empty(), "{name}: unexpected warnings {r}");
}

fn assert_warns(name: &str, r: &Value, fragments: &[&str]) {
    assert_eq!(r["ok"], true, "{name}: {r}");
    let w = warnings(r);
    assert_eq!(w.len(), 1, "{name}: expected one warning, got {w:?}");
    for f in fragments {
        assert!(w[0].contains(f), "{name}: warning {:?} lacks {f:?}", w[0]);
    }
}

fn assert_rejected(name: &str, r: &Value, error_start: &str) {
    assert_eq!(r["ok"], false, "{name}: {r}");
    assert!(
        r.get("article").is_none(),
        "{name}: a rejected file has no article"
    );
    let e = s(&r["error"]);
    assert!(
        e.starts_with(error_start),
        "{name}: error {e:?} does not start with {error_start:?}"
    );
}

#[test]
fn bundled_store_is_all_ok() {
    let (code, lines) = check_json(None, &[&repo().join("feeds")]);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 46);
    let mut ids = std::collections::BTreeSet::new();
    for r in &lines {
        let path = s(&r["path"]);
        assert_ok_no_warnings(path, r);
        let a = &r["article"];
        assert!(ids.insert(s(&a["id"]).to_owned()), "{path}: duplicate id");
        assert!(!s(&a["title"]).is_empty(), "{path}: no title");
        assert!(!strings(&a["categories"]).is_empty(), "{path}: no category");
        let published = s(&a["published"]);
        chrono::DateTime::parse_from_rfc3339(published).unwrap();
        assert!(published.ends_with("+07:00"), "{path}: {published}");
        assert!(!s(&a["summary"]).is_empty(), "{path}: no summary");
        let paragraphs = strings(&a["paragraphs"]);
        assert!(!paragraphs.is_empty(), "{path}: no paragraphs");
        for (field, v) in text_fields(a) {
            assert!(!v.is_empty(), "{path}: empty {field}");
            assert!(is_nfc(v), "{path}: {field} is not NFC");
        }
    }
}

#[test]
fn every_fixture_has_its_documented_outcome() {
    let (code, r) = fixture_reports();
    assert_eq!(code, 1, "rejected fixtures make the exit code 1");

    // Every candidate is reported exactly once; nothing under ignored/ is.
    let expected_paths = [
        "bad-date-line.txt",
        "bad-date-lines/hour-24h.txt",
        "bad-date-lines/offset-over-14.txt",
        "bad-date-lines/rfc2822-short-year.txt",
        "bad-date-lines/rfc2822-zone.txt",
        "bad-date-lines/second-60.txt",
        "bad-date-lines/year-10000.txt",
        "bad-date-lines/year-zero.txt",
        "bad-marks.txt",
        "binary.bin.txt",
        "boilerplate.txt",
        "bom-doubled.txt",
        "bom.txt",
        "c1-controls.txt",
        "control-chars.txt",
        "corrected.txt",
        "cr-only.txt",
        "crlf.txt",
        "date-forms/dash.txt",
        "date-forms/gmt7.txt",
        "date-forms/h-form.txt",
        "date-forms/ict.txt",
        "date-forms/iso-local.txt",
        "date-forms/iso-z.txt",
        "date-forms/long-form.txt",
        "date-forms/rfc2822.txt",
        "date-forms/slash-short.txt",
        "date-forms/time-first.txt",
        "date-forms/utc0700.txt",
        "date-forms/year-1970.txt",
        "empty.txt",
        "future-date.txt",
        "long-fields.txt",
        "long-title.txt",
        "new-labels.txt",
        "nfd.txt",
        "no-author-source.txt",
        "no-date-no-clock.txt",
        "no-date.txt",
        "no-title.txt",
        "the-thao/no-breadcrumb.txt",
        "title-xml.txt",
        "truncated.txt",
        "utf-16.txt",
        "utf8-bad-bytes.txt",
        "weekday-mismatch.txt",
        "whitespace-only.txt",
        "windows-1258-undefined.txt",
        "windows-1258.txt",
        "withdrawn-early.txt",
        "withdrawn.txt",
    ];
    assert_eq!(
        r.keys().map(String::as_str).collect::<Vec<_>>(),
        expected_paths
    );

    // Every article's text is NFC and XML-safe, whatever the file was.
    for (name, rep) in &r {
        if let Some(a) = rep.get("article") {
            for (field, v) in text_fields(a) {
                assert!(is_nfc(v), "{name}: {field} is not NFC: {v:?}");
                assert!(
                    v.chars().all(bantin::text::kept) && !v.contains('\r'),
                    "{name}: {field} has a forbidden character: {v:?}"
                );
            }
        }
    }

    // Encoding and line ends.
    let bom = &r["bom.txt"];
    assert_ok_no_warnings("bom.txt", bom);
    assert_default_article("bom.txt", bom, DEFAULT_PUBLISHED);
    assert!(!s(&bom["article"]["title"]).starts_with('\u{feff}'));

    // A second byte order mark is dropped too: the capture clock is read.
    let bom2 = &r["bom-doubled.txt"];
    assert_ok_no_warnings("bom-doubled.txt", bom2);
    assert_default_article("bom-doubled.txt", bom2, DEFAULT_PUBLISHED);
    let mut same = bom2["article"].clone();
    same["id"] = bom["article"]["id"].clone();
    assert_eq!(same, bom["article"], "bom-doubled.txt and bom.txt differ");

    let crlf = &r["crlf.txt"];
    assert_ok_no_warnings("crlf.txt", crlf);
    assert_default_article("crlf.txt", crlf, DEFAULT_PUBLISHED);
    for (field, v) in text_fields(&crlf["article"]) {
        assert!(!v.contains('\r'), "crlf.txt: CR in {field}");
    }
    let cr_only = &r["cr-only.txt"];
    assert_ok_no_warnings("cr-only.txt", cr_only);
    let mut same = cr_only["article"].clone();
    same["id"] = crlf["article"]["id"].clone();
    assert_eq!(same, crlf["article"], "cr-only.txt and crlf.txt differ");
    let utf16 = &r["utf-16.txt"];
    assert_warns(
        "utf-16.txt",
        utf16,
        &["decoded as UTF-16LE", "save it as UTF-8"],
    );
    assert_eq!(warnings(utf16).len(), 1, "{utf16}");
    let mut same = utf16["article"].clone();
    same["id"] = crlf["article"]["id"].clone();
    assert_eq!(same, crlf["article"], "utf-16.txt and crlf.txt differ");

    let nfd = &r["nfd.txt"];
    assert_ok_no_warnings("nfd.txt", nfd);
    assert_eq!(
        s(&nfd["article"]["title"]),
        "Đường điện mới về bản Nà Lay, người dân phấn khởi"
    );
    assert_eq!(s(&nfd["article"]["published"]), "2020-05-12T09:40:00+07:00");

    let w1258 = &r["windows-1258.txt"];
    assert_warns("windows-1258.txt", w1258, &["Windows-1258"]);
    let a = &w1258["article"];
    assert_eq!(
        s(&a["title"]),
        "Giá cà phê tăng mạnh, nông dân Đắk Lắk phấn khởi"
    );
    assert_eq!(s(&a["published"]), "2020-05-11T16:20:00+07:00");
    assert_eq!(s(&a["author"]), "Y Khoa Niê");
    assert_eq!(s(&a["source"]), "Báo Lam Sơn");

    let cc = &r["control-chars.txt"];
    assert_ok_no_warnings("control-chars.txt", cc);
    assert_default_article("control-chars.txt", cc, DEFAULT_PUBLISHED);
    assert_eq!(
        s(&cc["article"]["title"]),
        "Khai mạc hội chợ nông sản Phú Lộc"
    );
    assert_eq!(
        s(&cc["article"]["paragraphs"][0]),
        "Hội chợ có 120 gian hàng của các hợp tác xã, doanh nghiệp và hộ sản xuất trong tỉnh, trưng bày nông sản, thực phẩm chế biến và hàng thủ công."
    );
    for (field, v) in text_fields(&cc["article"]) {
        for c in ['\u{1}', '\u{8}', '\u{b}', '\u{1f}', '\u{fffe}'] {
            assert!(!v.contains(c), "control-chars.txt: {c:?} left in {field}");
        }
    }

    // DEL, C1 controls and stray byte order marks, where control-chars.txt
    // has its C0 controls: removed alike.
    let c1 = &r["c1-controls.txt"];
    assert_ok_no_warnings("c1-controls.txt", c1);
    let mut same = c1["article"].clone();
    same["id"] = cc["article"]["id"].clone();
    assert_eq!(
        same, cc["article"],
        "c1-controls.txt and control-chars.txt differ"
    );
    for (field, v) in text_fields(&c1["article"]) {
        for c in ['\u{7f}', '\u{80}', '\u{85}', '\u{9f}', '\u{feff}'] {
            assert!(!v.contains(c), "c1-controls.txt: {c:?} left in {field}");
        }
    }
    // UTF-8 but for one surrogate written as WTF-8 (ED A0 80) at the end of
    // its title: read as UTF-8, the bad bytes shown, not as Windows-1258.
    let bad = &r["utf8-bad-bytes.txt"];
    assert_warns(
        "utf8-bad-bytes.txt",
        bad,
        &["not valid UTF-8 in 1 place (the first at line 5,", "U+FFFD"],
    );
    assert_default_article("utf8-bad-bytes.txt", bad, DEFAULT_PUBLISHED);
    assert_eq!(
        s(&bad["article"]["title"]),
        format!(
            "{} \u{FFFD}\u{FFFD}\u{FFFD}",
            s(&r["crlf.txt"]["article"]["title"])
        )
    );

    // The bytes Windows-1258 leaves undefined decode to C1 controls: removed.
    let w1258u = &r["windows-1258-undefined.txt"];
    assert_warns("windows-1258-undefined.txt", w1258u, &["Windows-1258"]);
    let mut same = w1258u["article"].clone();
    same["id"] = w1258["article"]["id"].clone();
    assert_eq!(same, w1258["article"], "windows-1258-undefined.txt differs");

    let tx = &r["title-xml.txt"];
    assert_ok_no_warnings("title-xml.txt", tx);
    assert_default_article("title-xml.txt", tx, DEFAULT_PUBLISHED);
    assert_eq!(
        s(&tx["article"]["title"]),
        "Giá lúa <tăng> & \"ổn định\" ]]> cuối năm"
    );
    let paragraphs = strings(&tx["article"]["paragraphs"]);
    assert!(paragraphs
        .iter()
        .any(|p| p.contains("<script>alert(1)</script>")));
    assert!(paragraphs
        .iter()
        .any(|p| p.contains('&') && !p.contains("<script>")));

    let tr = &r["truncated.txt"];
    assert_warns("truncated.txt", tr, &["middle of a UTF-8 character"]);
    let a = &tr["article"];
    assert_eq!(
        s(&a["title"]),
        "Nâng cấp tuyến đường liên xã Phú Xuân - Thạch Lâm"
    );
    let last = *strings(&a["paragraphs"]).last().unwrap();
    assert!(
        last.ends_with("vận chuyển nông sản đi tiêu th"),
        "truncated.txt: last paragraph {last:?}"
    );
    assert!(a["author"].is_null() && a["source"].is_null());

    // Missing or unusual parts.
    let nb = &r["the-thao/no-breadcrumb.txt"];
    assert_warns(
        "the-thao/no-breadcrumb.txt",
        nb,
        &["no breadcrumb", "\"the-thao\""],
    );
    let a = &nb["article"];
    assert_eq!(strings(&a["categories"]), ["the-thao"]);
    assert_eq!(s(&a["author"]), "Hà Văn Chiến");
    assert!(a["source"].is_null());

    let nd = &r["no-date.txt"];
    assert_warns("no-date.txt", nd, &["capture clock"]);
    assert_eq!(s(&nd["article"]["published"]), "2020-05-12T09:12:00+07:00");

    assert_warns(
        "no-date-no-clock.txt",
        &r["no-date-no-clock.txt"],
        &["modification time"],
    );

    let nas = &r["no-author-source.txt"];
    assert_ok_no_warnings("no-author-source.txt", nas);
    assert_default_article("no-author-source.txt", nas, DEFAULT_PUBLISHED);
    assert!(nas["article"]["author"].is_null());
    assert!(nas["article"]["source"].is_null());

    let nl = &r["new-labels.txt"];
    assert_ok_no_warnings("new-labels.txt", nl);
    let a = &nl["article"];
    assert_eq!(s(&a["captured"]), "2020-05-11T08:05:00+07:00");
    assert_eq!(s(&a["published"]), "2020-05-11T07:40:00+07:00");
    assert_eq!(s(&a["author"]), "Nguyễn Hữu Thắng");
    assert_eq!(s(&a["source"]), "Trạm Chăn nuôi và Thú y huyện Phú Lộc");
    assert_eq!(strings(&a["tags"]), ["thú y", "vắc xin", "gia súc"]);

    let bp = &r["boilerplate.txt"];
    assert_ok_no_warnings("boilerplate.txt", bp);
    let a = &bp["article"];
    assert_eq!(strings(&a["categories"]), ["Kinh tế", "Nông nghiệp"]);
    assert_eq!(
        s(&a["summary"]),
        "Hợp tác xã Phú Xuân đã ký hợp đồng thu mua 200 tấn vải thiều cho bà con trong vụ thu hoạch năm nay."
    );
    let paragraphs = strings(&a["paragraphs"]);
    assert_eq!(paragraphs.len(), 1, "boilerplate.txt: {paragraphs:?}");
    assert!(paragraphs[0].starts_with("Giá thu mua được thỏa thuận"));
    assert_eq!(s(&a["author"]), "Mai Thị Ngọc");
    assert_eq!(s(&a["source"]), "Báo Lam Sơn");
    assert_eq!(
        strings(&a["tags"]),
        ["vải thiều", "hợp tác xã", "tiêu thụ nông sản"]
    );
    let noise = [
        "File đính kèm",
        "Tổng số điểm",
        "đánh giá bài viết",
        "Xếp hạng",
        "Gửi bài viết qua email",
        "In ra",
        "Lưu bài viết này",
        "Tweet",
        "Ý kiến bạn đọc",
        "Gửi bình luận",
        "Theo dòng sự kiện",
        "Xem tiếp",
        "Các tin khác",
        "Những tin",
        "/2020)",
    ];
    for p in paragraphs.iter().chain([&s(&a["summary"])]) {
        for n in noise {
            assert!(!p.contains(n), "boilerplate.txt: {n:?} in {p:?}");
        }
    }

    let wm = &r["weekday-mismatch.txt"];
    assert_warns(
        "weekday-mismatch.txt",
        wm,
        &["line 7:", "Thứ hai", "10/05/2020"],
    );
    assert_eq!(s(&wm["article"]["published"]), DEFAULT_PUBLISHED);

    // A date line bantin cannot read: reported on its line, not the lead, and
    // the capture clock stands in for it.
    let bd = &r["bad-date-line.txt"];
    assert_warns(
        "bad-date-line.txt",
        bd,
        &[
            "line 7: \"29/02/2019 10:00\" is not a date: 2019 has no 29 February",
            "falls back to the capture clock",
            "docs/store-format.md",
        ],
    );
    assert_default_article("bad-date-line.txt", bd, DEFAULT_CAPTURED);
    assert!(s(&bd["article"]["summary"]).starts_with("Sáng 10/5, hơn 100 đoàn viên"));

    // The other ways a date line can look like a date and not be one, each
    // reported as bad-date-line.txt's is.
    for (file, why) in [
        (
            "year-zero",
            "\"0001-01-01 00:00\" is not a date: in Asia/Ho_Chi_Minh it is local mean time, \
             whose offset has seconds, so it is written in UTC, where it falls in the year 0",
        ),
        (
            "year-10000",
            "\"10000-01-01T00:00:00Z\" is not a date: the year 10000 is out of range",
        ),
        (
            "second-60",
            "\"2016-12-31T23:59:60Z\" is not a date: there is no second 60",
        ),
        (
            "offset-over-14",
            "\"10/05/2020 15:33 GMT+14:01\" is not a date: the offset +14:01 is not one: \
             offsets go up to 14:00",
        ),
        (
            "hour-24h",
            "\"10/05/2020 24h\" is not a date: there is no hour 24",
        ),
        (
            "rfc2822-short-year",
            "\"Sun, 10 May 20 15:33 +0700\" is not a date: the year \"20\" has 2 digits",
        ),
        (
            "rfc2822-zone",
            "\"Sun, 10 May 2020 15:33:00 ICT\" is not a date: the zone \"ICT\" is not one \
             RFC 2822 writes",
        ),
    ] {
        let name = format!("bad-date-lines/{file}.txt");
        let rep = &r[&name];
        assert_warns(
            &name,
            rep,
            &[&format!("line 7: {why}"), "falls back to the capture clock"],
        );
        assert_default_article(&name, rep, DEFAULT_CAPTURED);
        let summary = s(&rep["article"]["summary"]);
        assert!(
            summary.starts_with("Sáng 10/5, hơn 100 đoàn viên"),
            "{name}"
        );
    }

    // A date far after the file's modification time (a checkout's, here): kept,
    // and reported on its line.
    let fd = &r["future-date.txt"];
    assert_warns(
        "future-date.txt",
        fd,
        &[
            "line 7: publication date 9999-05-10T15:33:00+07:00 is more than a day after \
             the file was last modified",
            "check the year",
        ],
    );
    assert_default_article("future-date.txt", fd, "9999-05-10T15:33:00+07:00");

    // Date forms.
    for (file, published) in [
        ("slash-short", "2020-05-10T15:33:00+07:00"),
        ("h-form", "2020-05-10T15:33:00+07:00"),
        ("time-first", "2020-05-10T15:33:00+07:00"),
        ("long-form", "2020-05-11T00:00:00+07:00"),
        ("dash", "2020-05-11T00:00:00+07:00"),
        ("iso-z", "2020-05-10T15:33:00+07:00"),
        ("iso-local", "2020-05-10T15:33:00+07:00"),
        ("rfc2822", "2020-05-10T15:33:00+07:00"),
        ("gmt7", "2020-05-10T15:33:00+07:00"),
        ("utc0700", "2020-05-10T15:33:00+07:00"),
        ("ict", "2020-05-10T15:33:00+07:00"),
        ("year-1970", "1970-01-01T00:00:00+08:00"),
    ] {
        let name = format!("date-forms/{file}.txt");
        let rep = &r[&name];
        assert_ok_no_warnings(&name, rep);
        assert_default_article(&name, rep, published);
    }

    // Fields over their limits: cut at a word, with a warning naming the line.
    let lt = &r["long-title.txt"];
    assert_warns(
        "long-title.txt",
        lt,
        &[
            "line 5: title is 1566 bytes, over the 1024-byte limit",
            "lead",
        ],
    );
    let title = s(&lt["article"]["title"]);
    assert!(title.len() <= 1024, "{title}");
    assert!(title.starts_with("Quyết định về việc phê duyệt") && title.ends_with('…'));
    let line = s(&lt["article"]["summary"]);
    assert_eq!(line.len(), 1566, "the whole title line is the lead");
    assert!(line.starts_with(title.trim_end_matches('…')));
    assert_eq!(lt["article"]["paragraphs"].as_array().unwrap().len(), 3);

    let lf = &r["long-fields.txt"];
    assert_eq!(lf["ok"], true, "{lf}");
    let w = warnings(lf);
    let expected = [
        "line 3: breadcrumb has 40 levels, over the limit of 32",
        "line 3: category name is 186 bytes, over the 128-byte limit",
        "line 8: the lead is 5150 bytes, over the 2048-byte limit of a feed summary",
        "line 14: author is 538 bytes, over the 256-byte limit",
        "line 16: source is 430 bytes, over the 256-byte limit",
        "line 18: more than 32 tags",
    ];
    assert_eq!(w.len(), expected.len(), "{w:#?}");
    for (got, want) in w.iter().zip(expected) {
        assert!(
            got.starts_with(want),
            "{got:?} does not start with {want:?}"
        );
    }
    let a = &lf["article"];
    let categories = strings(&a["categories"]);
    assert_eq!(categories.len(), 32);
    assert_eq!(categories[0], "Tin Tức");
    assert!(categories[1].len() <= 128 && categories[1].ends_with('…'));
    assert!(categories[1].starts_with("Tin tức tổng hợp về các phong trào"));
    assert!(s(&a["author"]).len() <= 256 && s(&a["author"]).starts_with("Đỗ Văn Hải, Đỗ"));
    assert!(s(&a["source"]).len() <= 256);
    assert_eq!(strings(&a["tags"]).len(), 32);
    assert_eq!(
        s(&a["summary"]).len(),
        5150,
        "the lead is content: kept whole"
    );

    // Not articles.
    assert_rejected("empty.txt", &r["empty.txt"], "empty file");
    assert_rejected("whitespace-only.txt", &r["whitespace-only.txt"], "no title");
    assert_rejected("binary.bin.txt", &r["binary.bin.txt"], "binary file");
    assert_rejected("no-title.txt", &r["no-title.txt"], "no title");
}

#[test]
fn no_date_no_clock_uses_the_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no-date-no-clock.txt");
    std::fs::copy(fixtures().join("no-date-no-clock.txt"), &file).unwrap();
    // 2020-09-13T12:26:40Z = 19:26:40 in Asia/Ho_Chi_Minh.
    let mtime = UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let (code, lines) = check_json(None, &[&file]);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 1);
    let r = &lines[0];
    assert_warns("no-date-no-clock.txt", r, &["modification time"]);
    assert_eq!(s(&r["article"]["published"]), "2020-09-13T19:26:40+07:00");
    assert!(r["article"]["captured"].is_null());

    // A different mtime gives a different date: it really is read from the file.
    let later = mtime + Duration::from_secs(86_400 * 365);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let (_, lines) = check_json(None, &[&file]);
    assert_eq!(
        s(&lines[0]["article"]["published"]),
        "2021-09-13T19:26:40+07:00"
    );
}

/// A date line with a zero-width space pasted in, one with an en dash for its
/// hyphen, and a capture clock led by a direction mark each give their date,
/// not the file's modification time, and leave the title and the lead where
/// they are.
#[test]
fn a_date_with_an_invisible_character_or_an_en_dash_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("tin-tuc");
    std::fs::create_dir(&folder).unwrap();
    let files = [
        (
            "zwsp.txt",
            "Trang nhất » Tin tức\n\nHội thi tiếng hát học sinh\n\n\
             05/06/2023\u{200B} 14:30\nBuổi chung kết diễn ra sôi nổi.\n",
            "Hội thi tiếng hát học sinh",
            "Buổi chung kết diễn ra sôi nổi.",
            "2023-06-05T14:30:00+07:00",
        ),
        (
            "en-dash.txt",
            "Trang nhất » Tin tức\n\nKhánh thành cầu treo bản Na\n\n\
             Thứ Hai, 05/06/2023 \u{2013} 09:15\nCây cầu dài 60 mét.\n",
            "Khánh thành cầu treo bản Na",
            "Cây cầu dài 60 mét.",
            "2023-06-05T09:15:00+07:00",
        ),
        (
            "lrm-clock.txt",
            "\u{200E}07:45 ICT Thứ ba, 06/06/2023\n\nTrang nhất » Tin tức\n\n\
             Tập huấn phòng chống thiên tai\n\nDẫn đầu là đội xã Thanh Minh.\n",
            "Tập huấn phòng chống thiên tai",
            "Dẫn đầu là đội xã Thanh Minh.",
            "2023-06-06T07:45:00+07:00",
        ),
    ];
    // Far from every date above: a fallback to it would show.
    let mtime = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
    for (name, text, ..) in files {
        let file = folder.join(name);
        std::fs::write(&file, text).unwrap();
        set_mtime(&file, mtime);
    }
    let (code, lines) = check_json(None, &[dir.path()]);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), files.len());
    for (name, _, title, summary, published) in files {
        let r = lines
            .iter()
            .find(|r| s(&r["path"]).ends_with(name))
            .unwrap_or_else(|| panic!("{name}: no report"));
        let a = &r["article"];
        assert_eq!(s(&a["title"]), title, "{name}");
        assert_eq!(s(&a["summary"]), summary, "{name}");
        assert_eq!(s(&a["published"]), published, "{name}");
        assert_eq!(strings(&a["categories"]), ["Tin tức"], "{name}");
        assert!(
            a["paragraphs"].as_array().unwrap().is_empty(),
            "{name}: {a}"
        );
        if name == "lrm-clock.txt" {
            // No date line: the capture clock dates it, as documented.
            assert_warns(
                name,
                r,
                &["no publication date line; using the capture clock"],
            );
            assert_eq!(s(&a["captured"]), published);
        } else {
            assert_ok_no_warnings(name, r);
        }
    }
}

#[test]
fn an_article_at_the_store_root_without_breadcrumb_is_in_no_category() {
    // The store folder's own name is not a category: a store called `feeds`
    // (or a temp folder) must not file its root articles under it.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("kho-tin");
    std::fs::create_dir_all(store.join("the-thao")).unwrap();
    let text = std::fs::read(fixtures().join("the-thao/no-breadcrumb.txt")).unwrap();
    std::fs::write(store.join("goc.txt"), &text).unwrap();
    std::fs::write(store.join("the-thao/trong.txt"), &text).unwrap();
    let (code, lines) = check_json(None, &[&store]);
    assert_eq!(code, 0);
    let by_id: BTreeMap<&str, &Value> = lines.iter().map(|r| (s(&r["article"]["id"]), r)).collect();
    let root = by_id["goc"];
    assert!(strings(&root["article"]["categories"]).is_empty(), "{root}");
    assert_warns("goc.txt", root, &["no breadcrumb and no folder"]);
    let inner = by_id["the-thao/trong"];
    assert_eq!(strings(&inner["article"]["categories"]), ["the-thao"]);

    // One file checked alone is read as in its folder's category, as in a store.
    let (_, lines) = check_json(None, &[&store.join("the-thao/trong.txt")]);
    assert_eq!(strings(&lines[0]["article"]["categories"]), ["the-thao"]);
}

#[test]
fn ignored_files_produce_no_line() {
    let ignored = fixtures().join("ignored");
    let (code, lines) = check_json(None, &[&ignored]);
    assert_eq!(code, 0);
    assert!(lines.is_empty(), "{lines:?}");
    // Named one by one, they are still not candidates.
    let files: Vec<PathBuf> = std::fs::read_dir(&ignored)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 6);
    // Named one by one, they are still not candidates: each is said to be
    // ignored, and the exit code says nothing named will be served.
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (code, lines) = check_json(None, &refs);
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 6, "{lines:?}");
    for line in &lines {
        assert_eq!(line["ok"], false, "{line}");
        assert_eq!(line["ignored"], true, "{line}");
        assert!(line.get("article").is_none(), "{line}");
        let error = s(&line["error"]);
        assert!(error.starts_with("the daemon never reads it: "), "{error}");
        assert!(error.ends_with(" are ignored"), "{error}");
    }
}

/// `bantin check` run by hand in `cwd`: its exit code and standard output.
fn check_human_in(cwd: &Path, config: &Path, args: &[&Path]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
        .arg("--config")
        .arg(config)
        .arg("check")
        .args(args)
        .current_dir(cwd)
        .env_remove("BANTIN_CONFIG")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// A path of the store named on the command line that the daemon never reads
/// (an ignored name, in an ignored folder, a link to a folder) is said to be
/// ignored, with why, and makes the exit code 1; a folder under which nothing
/// is read says so and why, and is no failure.
#[test]
fn a_path_the_daemon_never_reads_is_said_so() {
    let site = TempStore::new();
    let store = site.store();
    let article =
        std::fs::read(store.join("thong-bao/tam-dung-cap-nuoc-phuong-hoa-lac.txt")).unwrap();
    for dir in [".priv", "t/trong", "t/bo"] {
        std::fs::create_dir_all(store.join(dir)).unwrap();
    }
    std::fs::write(store.join(".priv/s.txt"), &article).unwrap();
    std::fs::write(store.join("t/x.bak"), &article).unwrap();
    std::fs::write(store.join("t/bo/y.txt~"), &article).unwrap();
    std::os::unix::fs::symlink("../thong-bao", store.join("t/lu")).unwrap();
    let top = store.parent().unwrap();
    let config = site.config();

    let named = [".priv/s.txt", "t/x.bak", "t/lu"].map(|p| Path::new("store").join(p));
    let refs: Vec<&Path> = named.iter().map(PathBuf::as_path).collect();
    let (code, out) = check_human_in(top, &config, &refs);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "IGNORED store/.priv/s.txt: the daemon never reads it: it is under \".priv\", \
             and dot-files and dot-folders (hidden) are ignored",
            "IGNORED store/t/x.bak: the daemon never reads it: *~ and *.bak files (backups) \
             are ignored",
            "IGNORED store/t/lu: the daemon never reads it: it is a symlink to a folder, and \
             folder symlinks are never followed (move the files into the store, or link each \
             file)",
            "0 files: 0 ok, 0 rejected, 0 warnings; 3 paths named are never read",
        ]
    );
    let json = check_in(top, &config, &[Path::new("store/t/x.bak")]);
    assert_eq!(json.len(), 1, "{json:?}");
    assert_eq!(
        (&json[0]["ok"], &json[0]["ignored"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
    assert_eq!(s(&json[0]["path"]), "store/t/x.bak");

    // Folders under which nothing is read: a note, not a failure.
    let (code, out) = check_human_in(
        top,
        &config,
        &[Path::new("store/t/trong"), Path::new("store/t/bo")],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "NOTHING store/t/trong: nothing under this folder is read: it is empty",
            "NOTHING store/t/bo: nothing under this folder is read: y.txt~ (*~ and *.bak \
             files (backups) are ignored)",
            "0 files: 0 ok, 0 rejected, 0 warnings",
        ]
    );
    // Each entry of the folder named, with why nothing under it is read.
    let (code, out) = check_human_in(top, &config, &[Path::new("store/t")]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.lines().next().unwrap(),
        "NOTHING store/t: nothing under this folder is read: bo/ (nothing under it is read), \
         lu (a symlink to a folder, never followed), trong/ (nothing under it is read), \
         x.bak (*~ and *.bak files (backups) are ignored)"
    );
}

/// The messages that say what to do: a link out of the store says to fix or
/// remove it, as the other link messages do; a UTF-16 file saved without a
/// byte-order mark is named as such, not only as binary; a file in TCVN3, a
/// Vietnamese encoding older than Unicode, is named as such, with the line
/// that shows it, not served as mojibake.
#[test]
fn rejections_say_what_to_do() {
    let site = TempStore::new();
    let store = site.store();
    let top = store.parent().unwrap();
    std::fs::write(top.join("outside.txt"), "Tiêu đề\n10/05/2020 15:33\nDẫn.\n").unwrap();
    std::fs::create_dir_all(store.join("t")).unwrap();
    std::os::unix::fs::symlink(top.join("outside.txt"), store.join("t/ra.txt")).unwrap();
    let utf16: Vec<u8> = "Tiêu đề\n10/05/2020 15:33\nDẫn.\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(store.join("t/utf16.txt"), &utf16).unwrap();
    // A binary file whose NULs are not every other byte is only binary.
    std::fs::write(
        store.join("t/anh.txt"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0",
    )
    .unwrap();
    // "Trang nhất » Kinh tế / Giá lúa tăng / …" in TCVN3 (ABC), its
    // breadcrumb in UTF-8 as a page saved in parts would have it.
    let mut tcvn3 = "Trang nhất » Kinh tế\n\n".as_bytes().to_vec();
    tcvn3.extend_from_slice(
        b"Gi\xB8 l\xF3a t\xA8ng nh\xD1 \xAE\xC7u v\xF4\n\nTh\xF8 hai, 05/06/2023 07:30\n\
          N\xABng d\xA9n ph\xCAn kh\xEBi v\xD7 gi\xB8 l\xF3a t\xA8ng.\n",
    );
    std::fs::write(store.join("t/tcvn3.txt"), &tcvn3).unwrap();
    let reports = check_in(top, &site.config(), &[Path::new("store/t")]);
    let error = |name: &str| {
        let r = reports
            .iter()
            .find(|r| s(&r["path"]).ends_with(name))
            .unwrap_or_else(|| panic!("{name}: {reports:?}"));
        s(&r["error"]).to_owned()
    };
    let link = error("ra.txt");
    assert!(link.starts_with("symlink to "), "{link}");
    assert!(
        link.ends_with("outside the store; not followed (fix or remove the link)"),
        "{link}"
    );
    assert_eq!(
        error("utf16.txt"),
        "binary file (NUL byte at offset 1); it looks like UTF-16 without a byte-order mark: \
         save it as UTF-8 (or UTF-16 with a BOM)"
    );
    assert_eq!(error("anh.txt"), "binary file (NUL byte at offset 8)");
    assert_eq!(
        error("tcvn3.txt"),
        "not UTF-8, and not Windows-1258 either: it looks like TCVN3 (ABC) or VNI, which \
         bantin does not read (line 3 would read \"t¨ng\"); convert it to UTF-8 with a \
         Vietnamese encoding converter and save it again"
    );
}

#[test]
fn correction_and_withdrawal_fixtures() {
    let (_, r) = fixture_reports();
    let c = &r["corrected.txt"];
    assert_ok_no_warnings("corrected.txt", c);
    assert_default_article("corrected.txt", c, DEFAULT_PUBLISHED);
    let a = &c["article"];
    assert_eq!(s(&a["updated"]), "2020-05-11T17:45:00+07:00");
    assert!(a["withdrawn"].is_null());
    assert!(s(&a["paragraphs"][0]).starts_with("Cập nhật: tổng mức đầu tư"));

    let w = &r["withdrawn.txt"];
    assert_ok_no_warnings("withdrawn.txt", w);
    assert_default_article("withdrawn.txt", w, DEFAULT_PUBLISHED);
    let a = &w["article"];
    assert!(a["updated"].is_null());
    assert_eq!(s(&a["withdrawn"]["at"]), "2020-05-12T09:30:00+07:00");
    assert_eq!(
        s(&a["withdrawn"]["reason"]),
        "Thông tin sai - sự kiện đã hoãn sang tháng 11"
    );
    assert!(s(&a["paragraphs"][0]).starts_with("Gỡ bỏ: những rào cản"));

    // A withdrawal dated before publication still withdraws, with a warning.
    let we = &r["withdrawn-early.txt"];
    assert_warns(
        "withdrawn-early.txt",
        we,
        &[
            "line 9: withdrawal dated 2020-05-01T10:00:00+07:00 is before the publication \
           date 2020-05-10T15:33:00+07:00; the article is withdrawn all the same",
        ],
    );
    assert_default_article("withdrawn-early.txt", we, DEFAULT_PUBLISHED);
    let a = &we["article"];
    assert!(a["updated"].is_null());
    assert_eq!(s(&a["withdrawn"]["at"]), "2020-05-01T10:00:00+07:00");
    assert_eq!(s(&a["withdrawn"]["reason"]), "Thông tin sai");

    let b = &r["bad-marks.txt"];
    assert_eq!(b["ok"], true, "{b}");
    assert_default_article("bad-marks.txt", b, DEFAULT_PUBLISHED);
    let w = warnings(b);
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(
        w[0].starts_with("line 8: \"Cập nhật:\" line without a date"),
        "{w:?}"
    );
    assert!(
        w[1].starts_with(
            "line 9: correction dated 2020-05-09T10:00:00+07:00 is before the publication date"
        ),
        "{w:?}"
    );
    assert!(
        w[2].starts_with("line 10: \"Gỡ bỏ:\" line without a date"),
        "{w:?}"
    );
    assert!(b["article"]["updated"].is_null() && b["article"]["withdrawn"].is_null());
}

/// A withdrawal line and data lines typed with a space before the colon, or
/// with a full-width colon, are read as their labels: the article is
/// withdrawn with its reason, has its author, source and tags, and the lead is
/// the lead, not the withdrawal line.
#[test]
fn labels_with_a_space_before_the_colon_or_a_full_width_colon_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("thong-bao");
    std::fs::create_dir(&folder).unwrap();
    let file = folder.join("go-bo-khoang-trang.txt");
    std::fs::write(
        &file,
        "Trang nhất » Thông báo\n\nThông báo lịch cắt điện tuần 24\n\n\
         Thứ Hai - 10/06/2024 08:00\n\
         Gỡ bỏ : 11/06/2024 09:00 - Lịch đã thay đổi, sẽ đăng lại\n\
         Công ty Điện lực Lam Sơn thông báo lịch tạm ngừng cung cấp điện.\n\n\
         Khu vực phường Hòa Lạc ngừng cấp điện từ 7 giờ đến 11 giờ ngày 12/6.\n\n\
         Tác giả : Phòng Kinh doanh\n\n\
         Nguồn\u{FF1A}Công ty Điện lực Lam Sơn\n\n\
         Từ khóa : lịch cắt điện, Hòa Lạc\n",
    )
    .unwrap();
    set_mtime(&file, UNIX_EPOCH + Duration::from_secs(1_718_200_000));
    let (code, lines) = check_json(None, &[&file]);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 1);
    let r = &lines[0];
    assert_ok_no_warnings("go-bo-khoang-trang.txt", r);
    let a = &r["article"];
    assert_eq!(s(&a["withdrawn"]["at"]), "2024-06-11T09:00:00+07:00", "{a}");
    assert_eq!(
        s(&a["withdrawn"]["reason"]),
        "Lịch đã thay đổi, sẽ đăng lại"
    );
    assert_eq!(
        s(&a["summary"]),
        "Công ty Điện lực Lam Sơn thông báo lịch tạm ngừng cung cấp điện."
    );
    assert_eq!(
        strings(&a["paragraphs"]),
        ["Khu vực phường Hòa Lạc ngừng cấp điện từ 7 giờ đến 11 giờ ngày 12/6."]
    );
    assert_eq!(s(&a["author"]), "Phòng Kinh doanh");
    assert_eq!(s(&a["source"]), "Công ty Điện lực Lam Sơn");
    assert_eq!(strings(&a["tags"]), ["lịch cắt điện", "Hòa Lạc"]);
}

#[test]
fn one_rejected_file_makes_the_exit_code_1() {
    let (code, lines) = check_json(None, &[&fixtures().join("bom.txt")]);
    assert_eq!((code, lines.len()), (0, 1));
    let (code, lines) = check_json(
        None,
        &[&fixtures().join("bom.txt"), &fixtures().join("empty.txt")],
    );
    assert_eq!((code, lines.len()), (1, 2));
    assert_eq!(lines[1]["ok"], false);
}

#[test]
fn human_output_and_summary_line() {
    let (_, reports) = fixture_reports();
    let ok = reports.values().filter(|r| r["ok"] == true).count();
    let rejected = reports.len() - ok;
    let warned: usize = reports.values().map(|r| warnings(r).len()).sum();
    assert_eq!((ok, rejected, warned), (47, 4, 29));

    let out = bantin(["check".as_ref(), fixtures().as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        *lines.last().unwrap(),
        "51 files: 47 ok, 4 rejected, 29 warnings"
    );
    let root = fixtures();
    let empty = root.join("empty.txt");
    assert!(
        lines.contains(&format!("ERROR   {}: empty file", empty.display()).as_str()),
        "{stdout}"
    );
    let bom = root.join("bom.txt");
    assert!(lines.contains(&format!("OK      {}", bom.display()).as_str()));
    let wm = root.join("weekday-mismatch.txt");
    assert!(lines
        .iter()
        .any(|l| l.starts_with(&format!("  warning: {}: line 7: ", wm.display()))));
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("  warning: "))
            .count(),
        29
    );
    // How the correction and withdrawal lines were read.
    let corrected = root.join("corrected.txt");
    assert!(
        lines.contains(
            &format!(
                "  updated: {}: 2020-05-11T17:45:00+07:00",
                corrected.display()
            )
            .as_str()
        ),
        "{stdout}"
    );
    let withdrawn = root.join("withdrawn.txt");
    assert!(
        lines.contains(
            &format!(
                "  withdrawn: {}: 2020-05-12T09:30:00+07:00 - Thông tin sai - sự kiện đã hoãn sang tháng 11",
                withdrawn.display()
            )
            .as_str()
        ),
        "{stdout}"
    );

    let out = bantin(["check".as_ref(), repo().join("feeds").as_os_str()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().last().unwrap(),
        "46 files: 46 ok, 0 rejected, 0 warnings"
    );
}

#[test]
fn usage_and_config_errors() {
    // No paths: a usage error.
    let out = bantin(["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = bantin(["check", "--json"]);
    assert_eq!(out.status.code(), Some(2));

    // A config that cannot be used: 64, before any file is read.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "time_zone = \"Mars/Olympus\"\n").unwrap();
    let bom = fixtures().join("bom.txt");
    let out = bantin([
        "check".as_ref(),
        "--config".as_ref(),
        bad.as_os_str(),
        bom.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(64));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("time_zone"));
    let missing = dir.path().join("missing.toml");
    let out = bantin([
        "check".as_ref(),
        "--config".as_ref(),
        missing.as_os_str(),
        bom.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(64));

    // An explicit config's zone is used.
    let utc = dir.path().join("utc.toml");
    std::fs::write(&utc, "time_zone = \"UTC\"\n").unwrap();
    let out = bantin([
        "check".as_ref(),
        "--json".as_ref(),
        "--config".as_ref(),
        utc.as_os_str(),
        bom.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s(&v["article"]["published"]), "2020-05-10T15:33:00+00:00");
}

/// A temp folder whose filesystem keeps `mtime` as set (tmpfs does; ext4
/// clamps it to 1901–2446), or `None` when none here does.
fn dir_keeping(mtime: std::time::SystemTime) -> Option<tempfile::TempDir> {
    let candidates = [std::env::temp_dir(), PathBuf::from("/dev/shm")];
    candidates.iter().find_map(|parent| {
        let dir = tempfile::tempdir_in(parent).ok()?;
        let probe = dir.path().join("probe");
        std::fs::write(&probe, b"").ok()?;
        let file = std::fs::File::options().write(true).open(&probe).ok()?;
        file.set_modified(mtime).ok()?;
        let kept = std::fs::metadata(&probe).ok()?.modified().ok()? == mtime;
        std::fs::remove_file(&probe).ok()?;
        kept.then_some(dir)
    })
}

fn set_mtime(path: &Path, mtime: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

#[test]
fn a_modification_time_outside_years_1_to_9999_is_not_a_date() {
    // Year 11476, and year -248: what a bad tar extract leaves on tmpfs or btrfs.
    let times = [
        (
            "@300000000000",
            UNIX_EPOCH + Duration::from_secs(300_000_000_000),
        ),
        (
            "@-70000000000",
            UNIX_EPOCH - Duration::from_secs(70_000_000_000),
        ),
    ];
    for (shown, mtime) in times {
        let Some(dir) = dir_keeping(mtime) else {
            eprintln!("skipped {shown}: no filesystem here keeps that modification time");
            continue;
        };
        let file = dir.path().join("no-date-no-clock.txt");
        std::fs::copy(fixtures().join("no-date-no-clock.txt"), &file).unwrap();
        set_mtime(&file, mtime);
        let (code, lines) = check_json(None, &[&file]);
        assert_eq!(code, 1, "{lines:?}");
        let e = s(&lines[0]["error"]);
        assert!(
            e.contains(&format!("modification time {shown}"))
                && e.contains("outside years 1–9999")
                && e.contains("add a date line"),
            "{e}"
        );

        // The daemon rejects it too, and says so in /healthz; no feed, sitemap
        // or archive shows the year.
        let store = dir.path().join("store");
        std::fs::create_dir_all(store.join("tin-tuc")).unwrap();
        std::fs::copy(
            repo().join("feeds/thong-bao/tam-dung-cap-nuoc-phuong-hoa-lac.txt"),
            store.join("tin-tuc/cap-nuoc.txt"),
        )
        .unwrap();
        let odd = store.join("tin-tuc/no-date.txt");
        std::fs::copy(&file, &odd).unwrap();
        set_mtime(&odd, mtime);
        let site = common::TempStore::new();
        let config = site.config();
        let d = common::Daemon::start(&[
            "--config".as_ref(),
            config.as_os_str(),
            "--store".as_ref(),
            store.as_os_str(),
        ]);
        let health = d.body("/healthz");
        assert!(
            health.starts_with("ok: 1 articles,") && health.ends_with(", 1 file rejected\n"),
            "{health}"
        );
        for path in ["/feed.rss", "/feed.atom", "/sitemap.xml"] {
            let body = d.body(path);
            assert!(
                !body.contains("11476") && !body.contains("-0248"),
                "{path}: {body}"
            );
        }
    }
}

/// `bantin --config CONFIG check --json ARGS...` run in `cwd`: one JSON object
/// per report line.
fn check_in(cwd: &Path, config: &Path, args: &[&Path]) -> Vec<Value> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
        .arg("--config")
        .arg(config)
        .args(["check", "--json"])
        .args(args)
        .current_dir(cwd)
        .env_remove("BANTIN_CONFIG")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The id each report gives, in report order (`None` for a rejected file).
fn ids(reports: &[Value]) -> Vec<Option<&str>> {
    reports
        .iter()
        .map(|r| r["article"]["id"].as_str())
        .collect()
}

/// A file of the store, or a folder of it, given to `check` in any spelling
/// (relative to the working folder, absolute, with `..`, through a link to
/// the store's folder, the store itself) gives the ids the daemon serves:
/// paths under the store root, not under the folder given.
#[test]
fn a_file_or_folder_of_the_store_is_checked_under_the_daemons_ids() {
    let site = TempStore::new();
    let store = site.store();
    let top = store.parent().unwrap().to_owned();
    std::os::unix::fs::symlink(&store, top.join("via")).unwrap();
    let d = site.start();
    // Feed ids are percent-encoded (one file name has spaces and accents).
    let served: Vec<String> = json_feed_ids(&d)
        .iter()
        .map(|id| {
            percent_encoding::percent_decode_str(id)
                .decode_utf8()
                .unwrap()
                .into_owned()
        })
        .collect();
    let id = "tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022";
    assert!(served.iter().any(|s| s == id), "{served:?}");
    let file = format!("{id}.txt");
    let spellings: [(&Path, PathBuf); 5] = [
        (&top, Path::new("store").join(&file)),
        (&top, store.join(&file)),
        (&store, PathBuf::from(&file)),
        (
            &store,
            Path::new("tin-tuc/tong-hop/../thoi-su")
                .join("dien-tap-phong-chong-thien-tai-2022.txt"),
        ),
        (&top, Path::new("via").join(&file)),
    ];
    for (cwd, path) in &spellings {
        let reports = check_in(cwd, &site.config(), &[path]);
        assert_eq!(ids(&reports), [Some(id)], "{}", path.display());
        // Shown as it was given.
        assert_eq!(s(&reports[0]["path"]), path.to_str().unwrap());
    }
    // A folder of the store, and the store itself: every id is one the
    // daemon serves, and together they are all of them.
    let folder = check_in(&top, &site.config(), &[Path::new("store/tin-tuc")]);
    let whole = check_in(&store, &site.config(), &[Path::new(".")]);
    for reports in [&folder, &whole] {
        assert!(!reports.is_empty());
        for id in ids(reports) {
            let id = id.unwrap();
            assert!(served.iter().any(|s| s == id), "{id} is not served");
        }
    }
    assert!(ids(&folder)
        .iter()
        .all(|id| id.unwrap().starts_with("tin-tuc/")));
    let mut all: Vec<&str> = ids(&whole).into_iter().map(Option::unwrap).collect();
    let mut served: Vec<&str> = served.iter().map(String::as_str).collect();
    all.sort_unstable();
    served.sort_unstable();
    assert_eq!(all, served);
}

/// Links in a folder of the store, checked as that folder, are judged as the
/// daemon judges them: a link to a file of the store is read under its own
/// id, a link to a folder is not followed, a link into an ignored folder is
/// refused for that, and a second file giving an id is refused naming the
/// whole id; a file checked alone loses to the file before it as well.
#[test]
fn links_and_clashes_in_a_folder_of_the_store_are_judged_as_the_daemon_judges_them() {
    let site = TempStore::new();
    let store = site.store();
    let article =
        std::fs::read(store.join("thong-bao/tam-dung-cap-nuoc-phuong-hoa-lac.txt")).unwrap();
    for dir in ["rev", "sym", ".private"] {
        std::fs::create_dir_all(store.join(dir)).unwrap();
    }
    std::fs::write(store.join("rev/utc.txt"), &article).unwrap();
    std::fs::write(store.join(".private/s.txt"), &article).unwrap();
    std::fs::write(store.join("sym/dup.md"), &article).unwrap();
    std::fs::write(store.join("sym/dup.txt"), &article).unwrap();
    std::os::unix::fs::symlink("../rev/utc.txt", store.join("sym/link-in.txt")).unwrap();
    std::os::unix::fs::symlink("../rev", store.join("sym/dirlink")).unwrap();
    std::os::unix::fs::symlink("../.private/s.txt", store.join("sym/rieng.txt")).unwrap();
    let d = site.start();
    let top = store.parent().unwrap();
    let reports = check_in(top, &site.config(), &[Path::new("store/sym")]);
    let by_name: BTreeMap<&str, &Value> = reports
        .iter()
        .map(|r| (s(&r["path"]).strip_prefix("store/sym/").unwrap(), r))
        .collect();
    assert_eq!(
        by_name.keys().copied().collect::<Vec<_>>(),
        ["dup.md", "dup.txt", "link-in.txt", "rieng.txt"],
        "nothing under the folder link"
    );

    // What check accepts is what the daemon serves under `sym/`.
    let checked: Vec<&str> = ids(&reports).into_iter().flatten().collect();
    let served: Vec<String> = json_feed_ids(&d)
        .into_iter()
        .filter(|id| id.starts_with("sym/"))
        .collect();
    assert_eq!(checked, served);
    assert_eq!(checked, ["sym/dup", "sym/link-in"]);
    assert_eq!(d.get("/articles/sym/link-in", &[]).status, 200);
    assert_eq!(d.get("/articles/sym/dirlink/utc", &[]).status, 404);
    assert_eq!(d.get("/articles/sym/rieng", &[]).status, 404);

    // The refusals say what the daemon's log says.
    let rieng = s(&by_name["rieng.txt"]["error"]);
    assert!(rieng.contains("\".private\" is an ignored name"), "{rieng}");
    assert!(d.log_line("rieng.txt").contains("is an ignored name"));
    // The clash names the other file, so the editor knows which two clash.
    let dup = s(&by_name["dup.txt"]["error"]);
    assert!(
        dup.contains("another file, store/sym/dup.md, already gives the article id \"sym/dup\""),
        "{dup}"
    );
    let logged = d.log_line("dup.txt");
    assert!(
        logged.contains("sym/dup.md, already gives the article id \"sym/dup\""),
        "{logged}"
    );

    // Alone, the second file still loses to the first, as in the daemon.
    let alone = check_in(top, &site.config(), &[Path::new("store/sym/dup.txt")]);
    assert_eq!(ids(&alone), [None]);
    assert_eq!(s(&alone[0]["error"]), dup);
    let link = check_in(top, &site.config(), &[Path::new("store/sym/link-in.txt")]);
    assert_eq!(ids(&link), [Some("sym/link-in")]);
}

/// A path outside the store in force is read as a store of its own, as
/// before: a folder as its root, a file as if its folder were a category of
/// a store one folder up.
#[test]
fn a_path_outside_the_store_is_read_as_a_store_of_its_own() {
    let site = TempStore::new();
    let loose = site.store().parent().unwrap().join("loose/thoi-su");
    std::fs::create_dir_all(&loose).unwrap();
    std::fs::copy(
        site.store()
            .join("tin-tuc/thoi-su/dien-tap-phong-chong-thien-tai-2022.txt"),
        loose.join("bai.txt"),
    )
    .unwrap();
    let top = site.store().parent().unwrap().to_owned();
    let file = check_in(&top, &site.config(), &[Path::new("loose/thoi-su/bai.txt")]);
    assert_eq!(ids(&file), [Some("thoi-su/bai")]);
    let folder = check_in(&top, &site.config(), &[Path::new("loose/thoi-su")]);
    assert_eq!(ids(&folder), [Some("bai")]);
}

/// Two names that differ only in bytes that are not UTF-8 show apart: in the
/// human output each such byte is `\xFF`, and in JSON `path_bytes` gives the
/// name exactly (`path` shows both alike, with U+FFFD), so a tool can open
/// the file the line is about.
#[test]
fn names_that_are_not_utf8_show_apart() {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(fixtures().join("the-thao/no-breadcrumb.txt")).unwrap();
    let names: [&[u8]; 3] = [b"bad\xff.txt", b"bad\xfe.txt", "tốt.txt".as_bytes()];
    for name in names {
        std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(name)), &text).unwrap();
    }
    let (_, lines) = check_json(None, &[dir.path()]);
    assert_eq!(lines.len(), 3, "{lines:?}");
    let mut got: Vec<Vec<u8>> = Vec::new();
    for line in &lines {
        match line.get("path_bytes") {
            Some(bytes) => {
                let bytes: Vec<u8> = serde_json::from_value(bytes.clone()).unwrap();
                let path = std::path::PathBuf::from(std::ffi::OsString::from_vec(bytes.clone()));
                assert!(path.is_file(), "{line}: path_bytes name no file");
                assert!(s(&line["path"]).contains('\u{fffd}'), "{line}");
                got.push(bytes);
            }
            None => assert!(s(&line["path"]).ends_with("tốt.txt"), "{line}"),
        }
    }
    got.sort();
    let dir_bytes = dir.path().as_os_str().as_bytes();
    let want: Vec<Vec<u8>> = [&b"/bad\xfe.txt"[..], b"/bad\xff.txt"]
        .iter()
        .map(|n| [dir_bytes, n].concat())
        .collect();
    assert_eq!(got, want);

    // Read as Windows-1258, as names from older systems are: ids of their own.
    let mut ids = ids(&lines);
    ids.sort();
    assert_eq!(ids, [Some("badÿ"), Some("bad₫"), Some("tốt")]);

    let elsewhere = tempfile::tempdir().unwrap();
    let config = elsewhere.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let (_, human) = check_human_in(dir.path(), &config, &[Path::new(".")]);
    for shown in ["./bad\\xFE.txt", "./bad\\xFF.txt", "./tốt.txt"] {
        assert!(
            human
                .lines()
                .any(|l| l.ends_with(shown) && !l.starts_with(' ')),
            "{shown} not shown apart in:\n{human}"
        );
    }
    assert!(!human.contains('\u{fffd}'), "{human}");
}

/// A file outside the store in force is read as a file of a store one folder
/// up; checked alone, it meets that store's rules as a file of the store in
/// force does: it loses its id to a file before it in its folder, and a link
/// into an ignored folder of that store is refused for that, not as leading
/// out of the store.
#[test]
fn a_loose_file_checked_alone_is_judged_as_in_a_store_one_folder_up() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("loose");
    let article =
        std::fs::read(repo().join("feeds/thong-bao/tam-dung-cap-nuoc-phuong-hoa-lac.txt")).unwrap();
    for folder in ["cat", ".private"] {
        std::fs::create_dir_all(top.join(folder)).unwrap();
    }
    for file in ["cat/a.md", "cat/a.txt", ".private/s.txt"] {
        std::fs::write(top.join(file), &article).unwrap();
    }
    std::os::unix::fs::symlink("../.private/s.txt", top.join("cat/x.txt")).unwrap();
    let alone = |file: &str| {
        let (_, reports) = check_json(None, &[&top.join(file)]);
        assert_eq!(reports.len(), 1, "{reports:?}");
        reports[0].clone()
    };
    assert_eq!(ids(&[alone("cat/a.md")]), [Some("cat/a")]);
    let second = alone("cat/a.txt");
    assert_eq!(ids(std::slice::from_ref(&second)), [None]);
    let clash = format!(
        "another file, {}, already gives the article id \"cat/a\"",
        top.join("cat/a.md").display()
    );
    assert!(s(&second["error"]).contains(&clash), "{second}");
    let link = alone("cat/x.txt");
    let error = s(&link["error"]);
    assert!(error.contains("\".private\" is an ignored name"), "{error}");
    // A bare name, checked from its own folder, meets the file before it too.
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let bare = check_in(&top.join("cat"), &config, &[Path::new("a.txt")]);
    assert_eq!(ids(&bare), [None]);
    let error = s(&bare[0]["error"]);
    assert!(
        error.contains("another file, a.md, already gives the article id \"a\""),
        "{error}"
    );
}

/// What an editor gets wrong on a label line is named, line by line, and
/// changes nothing the file says elsewhere: a withdrawal line without its
/// colon withdraws nothing and is kept as text (here the lead), a bad
/// `Cập nhật lúc:` line is named by that label, an empty author line keeps
/// the author before it, and the full stop that ends a tag list is not part
/// of its last tag.
#[test]
fn label_lines_gone_wrong_are_named_and_change_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("thong-bao");
    std::fs::create_dir(&folder).unwrap();
    let file = folder.join("nhan-sai.txt");
    std::fs::write(
        &file,
        "Trang nhất » Thông báo\n\nThông báo lịch cắt điện tuần 24\n\n\
         Thứ Hai - 10/06/2024 08:00\n\
         Gỡ bỏ lúc 11/06/2024 09:00 - Lịch đã thay đổi\n\
         Cập nhật lúc: chiều nay\n\
         Công ty Điện lực Lam Sơn thông báo lịch tạm ngừng cung cấp điện.\n\n\
         Tác giả: Phòng Kinh doanh\n\n\
         Tác giả :\n\n\
         Từ khóa: lịch cắt điện, Hòa Lạc.\n",
    )
    .unwrap();
    set_mtime(&file, UNIX_EPOCH + Duration::from_secs(1_718_200_000));
    let (code, lines) = check_json(None, &[&file]);
    assert_eq!((code, lines.len()), (0, 1));
    let r = &lines[0];
    assert_eq!(r["ok"], true, "{r}");
    let w = warnings(r);
    assert_eq!(w.len(), 3, "{w:#?}");
    assert!(
        w[0].starts_with(
            "line 6: \"Gỡ bỏ lúc 11/06/2024 09:00 - Lịch đã thay đổi\" looks like a withdrawal \
             line missing its colon; the line is kept as text, and the article is not withdrawn: \
             write \"Gỡ bỏ lúc:\""
        ),
        "{w:#?}"
    );
    assert!(
        w[1].starts_with(
            "line 7: \"Cập nhật lúc:\" line without a date bantin reads (\"chiều nay\")"
        ),
        "{w:#?}"
    );
    assert!(
        w[2].starts_with("line 12: \"Tác giả:\" line without a name; the line is ignored"),
        "{w:#?}"
    );
    let a = &r["article"];
    assert!(a["withdrawn"].is_null() && a["updated"].is_null(), "{a}");
    assert_eq!(
        s(&a["summary"]),
        "Gỡ bỏ lúc 11/06/2024 09:00 - Lịch đã thay đổi"
    );
    assert_eq!(s(&a["author"]), "Phòng Kinh doanh");
    assert_eq!(strings(&a["tags"]), ["lịch cắt điện", "Hòa Lạc"]);
}

/// A header line out of place above the title (the capture clock written
/// twice, the date line above its title, a clock under the breadcrumb, a
/// boilerplate line, a second breadcrumb) is skipped and named; a file whose
/// search for a title ends on a line that cannot be one is rejected naming it.
#[test]
fn lines_where_the_title_belongs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("tin-tuc");
    std::fs::create_dir(&folder).unwrap();
    let files = [
        (
            "d1.txt",
            "01:36 ICT Thứ tư, 12/08/2020\n01:36 ICT Thứ tư, 12/08/2020\nTrang nhất » Tin Tức\n\n\
             Tiêu đề\n\nChủ nhật - 10/05/2020 15:33\nMở đầu.\n",
        ),
        (
            "d4.txt",
            "Trang nhất » Tin Tức\nChủ nhật - 10/05/2020 15:33\nTiêu đề\nMở đầu.\n",
        ),
        (
            "d6.txt",
            "Trang nhất » Tin Tức\n01:36 ICT Thứ tư, 12/08/2020\nTiêu đề\n10/05/2020\nMở đầu.\n",
        ),
        (
            "d9.txt",
            "Trang nhất » Tin Tức\nIn ra\nTiêu đề\n10/05/2020\nMo dau.\n",
        ),
        (
            "b2.txt",
            "Trang nhất » Tin Tức\nTrang nhất » Thời sự\n\nTiêu đề\n\n\
             Chủ nhật - 10/05/2020 15:33\nMở đầu.\n",
        ),
        (
            "e1.txt",
            "Trang nhất » Tin Tức\n10/05/2020\nNhững tin cũ hơn\nTiêu đề\n",
        ),
        ("u1.txt", "Tiêu đề\n1/1/1 00:00\nMở đầu.\n"),
    ];
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|(name, text)| {
            let path = folder.join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    let args: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (code, lines) = check_json(None, &args);
    assert_eq!((code, lines.len()), (1, files.len()));
    let report = |name: &str| {
        lines
            .iter()
            .find(|r| s(&r["path"]).ends_with(name))
            .unwrap_or_else(|| panic!("{name}: {lines:?}"))
    };
    for (name, line) in [
        ("d1.txt", "line 2: a copy of the capture clock on line 1"),
        (
            "d4.txt",
            "line 2: \"Chủ nhật - 10/05/2020 15:33\" is a date above the title",
        ),
        (
            "d6.txt",
            "line 2: \"01:36 ICT Thứ tư, 12/08/2020\" is a capture clock above the title",
        ),
        (
            "d9.txt",
            "line 2: \"In ra\" is a boilerplate line above the title",
        ),
        (
            "b2.txt",
            "line 2: \"Trang nhất » Thời sự\" is another breadcrumb",
        ),
    ] {
        let r = report(name);
        assert_eq!(r["ok"], true, "{r}");
        assert_eq!(s(&r["article"]["title"]), "Tiêu đề", "{r}");
        let w = warnings(r);
        assert_eq!(w.len(), 1, "{name}: {w:#?}");
        assert!(w[0].starts_with(line), "{name}: {w:#?}");
    }
    assert_eq!(
        s(&report("d4.txt")["article"]["published"]),
        "2020-05-10T15:33:00+07:00"
    );
    assert_eq!(
        strings(&report("b2.txt")["article"]["categories"]),
        ["Tin Tức"]
    );
    assert_eq!(
        s(&report("d6.txt")["article"]["captured"]),
        "2020-08-12T01:36:00+07:00"
    );
    let e1 = report("e1.txt");
    assert_eq!(e1["ok"], false, "{e1}");
    assert!(
        s(&e1["error"]).starts_with(
            "line 3: no title: \"Những tin cũ hơn\" stands where the title belongs, and it is \
             a navigation heading"
        ),
        "{e1}"
    );
    let u1 = report("u1.txt");
    assert!(
        warnings(u1).iter().any(|w| w.starts_with(
            "line 2: \"1/1/1 00:00\" is not a date: the year \"1\" has 1 digit: write all four"
        )),
        "{u1}"
    );
    assert_eq!(s(&u1["article"]["summary"]), "Mở đầu.");
}
