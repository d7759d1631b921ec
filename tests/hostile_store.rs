//! A store full of files no crawler should have saved: broken encodings, binary and
//! huge files, deep and wide folders, symlink loops and escapes, FIFOs and sockets,
//! unreadable files, odd names, XML metacharacters everywhere, absurd dates.
//!
//! The corpus is generated at test time (nothing big is committed). One daemon is
//! started on all of it; it must stay up, serve every good article and only those,
//! and every feed it serves must be well-formed; `bantin check --json` must name
//! each bad file with a sensible reason.

// `allow-unwrap-in-tests` covers `#[test]` functions only; here the helpers are
// test code too, and a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use common::{assert_well_formed_xml, check_json_with, xml_forbidden, Daemon, Launch, BASE_URL};
use unicode_normalization::UnicodeNormalization;

/// What a file of the corpus must come to.
#[derive(Debug, Clone)]
enum Expect {
    /// Served, with this title (as the feeds show it).
    Served(String),
    /// Rejected; the reason contains this (case-insensitively).
    Rejected(&'static str),
    /// Never looked at: no article, no report. Its title must appear nowhere.
    Ignored(&'static str),
}

/// One hostile file (or folder, or link) of the corpus.
#[derive(Debug)]
struct Case {
    /// What is hostile about it.
    what: &'static str,
    /// Its path under the store.
    rel: PathBuf,
    expect: Expect,
}

/// The corpus under construction.
struct Corpus {
    store: PathBuf,
    cases: Vec<Case>,
}

const DATE: &str = "10/05/2020 15:33";

/// A small well-formed article.
fn art(title: &str) -> String {
    format!("{title}\n{DATE}\nĐoạn dẫn của bài.\n")
}

fn rel(bytes: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(bytes))
}

impl Corpus {
    fn path(&self, rel: &Path) -> PathBuf {
        let p = self.store.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        p
    }

    fn write(&mut self, what: &'static str, name: &[u8], bytes: &[u8], expect: Expect) {
        let rel = rel(name);
        std::fs::write(self.path(&rel), bytes).unwrap();
        self.cases.push(Case { what, rel, expect });
    }

    fn served(&mut self, what: &'static str, name: &str, bytes: &[u8], title: &str) {
        self.write(
            what,
            name.as_bytes(),
            bytes,
            Expect::Served(title.to_owned()),
        );
    }

    fn rejected(&mut self, what: &'static str, name: &str, bytes: &[u8], reason: &'static str) {
        self.write(what, name.as_bytes(), bytes, Expect::Rejected(reason));
    }

    fn symlink(&mut self, what: &'static str, name: &str, target: &Path, expect: Expect) {
        let rel = PathBuf::from(name);
        std::os::unix::fs::symlink(target, self.path(&rel)).unwrap();
        self.cases.push(Case { what, rel, expect });
    }
}

/// Who bantin runs as: what decides whether a file with mode 000 can be read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Privilege {
    /// Root reads every file whatever its mode.
    Root,
    /// An ordinary user gets "permission denied".
    Unprivileged,
}

/// How the daemon and `bantin check` are started: as the test's own user, or,
/// when the tests run as root (as CI does), as `nobody` through `setpriv`, so
/// the permission cases meet a real permission check.
struct Runner {
    privilege: Privilege,
    /// Given the binary's path and arguments (see `Launch::wrapper`); empty
    /// to run the binary directly.
    wrapper: Vec<OsString>,
}

impl Runner {
    /// Root with `setpriv` runs bantin as `nobody` (see [`common::unprivileged`]).
    fn new(dir: &Path) -> Runner {
        match common::unprivileged(dir) {
            Some(wrapper) => Runner {
                privilege: Privilege::Unprivileged,
                wrapper,
            },
            None => {
                eprintln!(
                    "NOTE: setpriv (util-linux) is missing: bantin runs as root, so the \
                     permission-denied cases are not exercised"
                );
                Runner {
                    privilege: Privilege::Root,
                    wrapper: Vec::new(),
                }
            }
        }
    }
}

/// Lets every user read everything under `dir` that has any permission at all:
/// the files with mode 000 stay closed, the rest is readable by `nobody` even
/// under a strict umask.
fn open_to_all(dir: &Path) {
    let meta = std::fs::symlink_metadata(dir).unwrap();
    let mode = meta.permissions().mode() & 0o777;
    if meta.file_type().is_symlink() || mode == 0 {
        return;
    }
    let wanted = if meta.is_dir() { 0o755 } else { 0o644 };
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | wanted)).unwrap();
    if meta.is_dir() {
        for entry in std::fs::read_dir(dir).unwrap() {
            open_to_all(&entry.unwrap().path());
        }
    }
}

/// Builds every case under `store`; `outside` is a folder next to the store;
/// `privilege` is who bantin runs as.
fn build(store: &Path, outside: &Path, privilege: Privilege) -> Vec<Case> {
    let mut c = Corpus {
        store: store.to_owned(),
        cases: Vec::new(),
    };

    // A plain good article, the target of links below.
    c.served(
        "a plain article",
        "goc/ok.txt",
        art("Bài bình thường").as_bytes(),
        "Bài bình thường",
    );

    // --- Encodings -------------------------------------------------------------
    let mut cut = format!("Cắt cuối tệp\n{DATE}\nDẫn.\nTin t").into_bytes();
    cut.extend_from_slice(&"ứ".as_bytes()[..2]);
    c.served(
        "UTF-8 cut mid-character at the end",
        "ma/cut-end.txt",
        &cut,
        "Cắt cuối tệp",
    );
    let mut mid = format!("Cut in the middle\n{DATE}\nDẫn ").into_bytes();
    mid.extend_from_slice(&"ứ".as_bytes()[..2]);
    mid.extend_from_slice(b" rest.\n");
    c.served(
        "UTF-8 cut mid-character in the middle",
        "ma/cut-middle.txt",
        &mid,
        "Cut in the middle",
    );
    let mut mixed = format!("Mixed encodings\n{DATE}\nDẫn tiếng Việt.\n").into_bytes();
    mixed.extend_from_slice(b"Tha\xCCnh ph\xF4\xEC.\n");
    c.served(
        "UTF-8 lines and Windows-1258 bytes in one file",
        "ma/mixed.txt",
        &mixed,
        "Mixed encodings",
    );
    c.served(
        "all Windows-1258",
        "ma/win1258.txt",
        b"Tha\xCCnh ph\xF4\xEC cu\xDE\n10/05/2020 15:33\nDa\xD2n.\n",
        "Thành phố cũ",
    );
    c.served(
        "UTF-8-encoded surrogate (CESU)",
        "ma/surrogate.txt",
        b"Surrogate bytes\n10/05/2020 15:33\nA \xED\xA0\x80 b.\n",
        "Surrogate bytes",
    );
    c.served(
        "overlong UTF-8",
        "ma/overlong.txt",
        b"Overlong slash\n10/05/2020 15:33\nA \xC0\xAF b.\n",
        "Overlong slash",
    );
    c.rejected("only a BOM", "ma/only-bom.txt", b"\xEF\xBB\xBF", "no title");
    c.rejected(
        "only a cut-off character",
        "ma/only-cut.txt",
        b"\xE1\xBB",
        "no title",
    );

    // --- Binary ----------------------------------------------------------------
    c.rejected(
        "NUL byte in the middle",
        "nhiphan/nul-middle.txt",
        b"C\xC3\xB3 NUL\n\x00\n10/05/2020 15:33\n",
        "binary file",
    );
    c.rejected(
        "NUL byte at the end",
        "nhiphan/nul-end.txt",
        b"Ends in NUL\n10/05/2020 15:33\nD.\x00",
        "binary file",
    );
    c.rejected(
        "a PNG header",
        "nhiphan/anh.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
        "binary file",
    );

    // --- Size --------------------------------------------------------------------
    // A 3 MB line of crawl garbage after the article's end (under the default
    // 4 MiB cap): parsed, never rendered.
    let mut huge = format!("Một dòng ba megabyte\n{DATE}\nDẫn.\nNhững tin cũ hơn\n").into_bytes();
    while huge.len() < 3 * 1024 * 1024 {
        huge.extend_from_slice("<script>var x=\"chữ\";</script>".as_bytes());
    }
    c.served(
        "a 3 MB single line (no newline at the end)",
        "lon/dong-3mb.txt",
        &huge,
        "Một dòng ba megabyte",
    );
    // A 1 MB line that is the article's lead: over `[feeds] max_item_bytes`, so
    // feed items carry its first words and a link to the page.
    let mut mega = format!("Một dòng một megabyte\n{DATE}\n").into_bytes();
    while mega.len() < 1024 * 1024 {
        mega.extend_from_slice("chữ rất dài ".as_bytes());
    }
    c.served(
        "a 1 MB single line in the body",
        "lon/dong-1mb.txt",
        &mega,
        "Một dòng một megabyte",
    );
    let mut over = art("Quá lớn").into_bytes();
    over.resize(4 * 1024 * 1024 + 1, b'a');
    c.rejected(
        "4 MiB + 1 byte, over the default cap",
        "lon/qua-lon.txt",
        &over,
        "too large",
    );

    // --- Shape of the tree -----------------------------------------------------
    let deep: Vec<String> = (1..=60).map(|i| format!("d{i:02}")).collect();
    let deep = format!("sau/{}/bai.txt", deep.join("/"));
    c.served(
        "60 folders deep",
        &deep,
        art("Bài rất sâu").as_bytes(),
        "Bài rất sâu",
    );

    // --- Links -----------------------------------------------------------------
    c.symlink(
        "symlink loop (a → b)",
        "lienket/loop-a.txt",
        Path::new("loop-b.txt"),
        Expect::Rejected("symlink"),
    );
    c.symlink(
        "symlink loop (b → a)",
        "lienket/loop-b.txt",
        Path::new("loop-a.txt"),
        Expect::Rejected("symlink"),
    );
    c.symlink(
        "folder symlink to its parent",
        "lienket/cha",
        Path::new(".."),
        Expect::Ignored("(no title)"),
    );
    c.symlink(
        "folder symlink to itself",
        "lienket/chinh-no",
        Path::new("."),
        Expect::Ignored("(no title)"),
    );
    std::fs::create_dir_all(outside.join("thu-muc")).unwrap();
    std::fs::write(outside.join("bi-mat.txt"), art("Bí mật bên ngoài")).unwrap();
    std::fs::write(
        outside.join("thu-muc/bi-mat.txt"),
        art("Bí mật thư mục ngoài"),
    )
    .unwrap();
    c.symlink(
        "symlink to a file outside the store",
        "lienket/ngoai.txt",
        &outside.join("bi-mat.txt"),
        Expect::Rejected("outside the store"),
    );
    c.symlink(
        "symlink to a folder outside the store",
        "lienket/ngoai-thu-muc",
        &outside.join("thu-muc"),
        Expect::Rejected("outside the store"),
    );
    c.symlink(
        "relative symlink climbing out of the store",
        "lienket/leo-ra.txt",
        Path::new("../../outside/bi-mat.txt"),
        Expect::Rejected("outside the store"),
    );
    c.symlink(
        "dangling symlink",
        "lienket/treo.txt",
        Path::new("khong-co.txt"),
        Expect::Rejected("symlink"),
    );
    c.symlink(
        "symlink to an article inside the store",
        "lienket/ben-trong.txt",
        Path::new("../goc/ok.txt"),
        Expect::Served("Bài bình thường".into()),
    );
    c.symlink(
        "symlink to a FIFO inside the store",
        "lienket/fifo.txt",
        Path::new("../dacbiet/fifo.txt"),
        Expect::Rejected("not a regular file"),
    );
    let hard = c.path(Path::new("goc/cung.txt"));
    std::fs::hard_link(store.join("goc/ok.txt"), hard).unwrap();
    c.cases.push(Case {
        what: "hard link to an article",
        rel: "goc/cung.txt".into(),
        expect: Expect::Served("Bài bình thường".into()),
    });

    // --- Special files ---------------------------------------------------------
    let fifo = c.path(Path::new("dacbiet/fifo.txt"));
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    c.cases.push(Case {
        what: "a FIFO",
        rel: "dacbiet/fifo.txt".into(),
        expect: Expect::Rejected("not a regular file"),
    });
    let sock = c.path(Path::new("dacbiet/socket.txt"));
    // The listener is dropped; the socket file stays.
    drop(std::os::unix::net::UnixListener::bind(&sock).unwrap());
    c.cases.push(Case {
        what: "a Unix socket",
        rel: "dacbiet/socket.txt".into(),
        expect: Expect::Rejected("not a regular file"),
    });

    // --- Permissions -----------------------------------------------------------
    let locked_file = c.path(Path::new("quyen/khong-doc.txt"));
    std::fs::write(&locked_file, art("Tệp không đọc được")).unwrap();
    std::fs::set_permissions(&locked_file, std::fs::Permissions::from_mode(0o000)).unwrap();
    c.cases.push(Case {
        what: "a file with mode 000",
        rel: "quyen/khong-doc.txt".into(),
        expect: if privilege == Privilege::Root {
            Expect::Served("Tệp không đọc được".into())
        } else {
            Expect::Rejected("permission denied")
        },
    });
    let locked_dir = c.path(Path::new("quyen/khoa/bai.txt"));
    std::fs::write(&locked_dir, art("Trong thư mục khóa")).unwrap();
    std::fs::set_permissions(
        locked_dir.parent().unwrap(),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    c.cases.push(if privilege == Privilege::Root {
        Case {
            what: "an article in a folder with mode 000",
            rel: "quyen/khoa/bai.txt".into(),
            expect: Expect::Served("Trong thư mục khóa".into()),
        }
    } else {
        Case {
            what: "a folder with mode 000",
            rel: "quyen/khoa".into(),
            expect: Expect::Rejected("permission denied"),
        }
    });

    // --- Names -----------------------------------------------------------------
    c.write(
        "a name that is not UTF-8",
        b"ten/bad-\xff.txt",
        art("Tên tệp không phải UTF-8").as_bytes(),
        Expect::Served("Tên tệp không phải UTF-8".into()),
    );
    c.served(
        "a name with spaces and Vietnamese letters",
        "ten/bài viết mới.txt",
        art("Tên có dấu cách").as_bytes(),
        "Tên có dấu cách",
    );
    let nfd_name: String = "ten/bài-nfd.txt".nfd().collect();
    c.served(
        "an NFD file name",
        &nfd_name,
        art("Tên tệp NFD").as_bytes(),
        "Tên tệp NFD",
    );
    c.served(
        "a 240-byte name",
        &format!("ten/{}.txt", "x".repeat(236)),
        art("Tên tệp rất dài").as_bytes(),
        "Tên tệp rất dài",
    );
    c.served(
        "a newline in the name",
        "ten/dòng\nmới.txt",
        art("Tên có xuống dòng").as_bytes(),
        "Tên có xuống dòng",
    );
    c.served(
        "XML and URL metacharacters in the name",
        "ten/a<b>&\"c'?#%20.txt",
        art("Tên có ký tự XML").as_bytes(),
        "Tên có ký tự XML",
    );
    c.served(
        "no extension",
        "ten/README",
        art("Không có phần mở rộng").as_bytes(),
        "Không có phần mở rộng",
    );

    // --- Line ends and odd characters -------------------------------------------
    c.served(
        "CRLF line ends",
        "dong/crlf.txt",
        art("Xuống dòng CRLF").replace('\n', "\r\n").as_bytes(),
        "Xuống dòng CRLF",
    );
    c.served(
        "CR line ends",
        "dong/cr.txt",
        art("Xuống dòng CR").replace('\n', "\r").as_bytes(),
        "Xuống dòng CR",
    );
    c.served(
        "a BOM",
        "dong/bom.txt",
        format!("\u{feff}{}", art("Có BOM")).as_bytes(),
        "Có BOM",
    );
    let nfd: String = art("Văn bản dạng NFD").nfd().collect();
    c.served(
        "NFD text",
        "dong/nfd.txt",
        nfd.as_bytes(),
        "Văn bản dạng NFD",
    );
    c.served(
        "a doubled BOM",
        "dong/bom-kep.txt",
        format!("\u{feff}\u{feff}{}", art("Hai BOM")).as_bytes(),
        "Hai BOM",
    );
    c.served(
        "C0 and C1 controls, ESC, DEL and a stray BOM in the title",
        "dong/dieu-khien.txt",
        art("Ký\u{1}tự\u{8} điều\u{1b}[31m khiển\u{7f}\u{85}\u{9f}\u{feff}").as_bytes(),
        "Kýtự điều khiển",
    );
    c.served(
        "non-characters U+FFFE and U+FFFF",
        "dong/phi-ky-tu.txt",
        art("Phi\u{fffe}ký tự\u{ffff}").as_bytes(),
        "Phiký tự",
    );
    c.served(
        "U+2028, NBSP and tabs in the title",
        "dong/phan-cach.txt",
        art("Dấu\u{2028}phân\u{a0}cách\tdòng").as_bytes(),
        "Dấu phân cách dòng",
    );
    c.served(
        "astral characters",
        "dong/emoji.txt",
        art("🎉 Lễ hội 𝕏").as_bytes(),
        "🎉 Lễ hội 𝕏",
    );

    // --- XML metacharacters ----------------------------------------------------
    c.served(
        "& < ]]> in the title",
        "xml/tieu-de.txt",
        art("Giá <b>lúa</b> & ngô ]]> tăng").as_bytes(),
        "Giá <b>lúa</b> & ngô ]]> tăng",
    );
    c.served(
        "& < ]]> in the categories",
        "xml/chuyen-muc.txt",
        format!(
            "Trang nhất » Tin <b>&amp; ]]> » Mục \"con\" & 'x' <\n{}",
            art("Chuyên mục có ký tự XML")
        )
        .as_bytes(),
        "Chuyên mục có ký tự XML",
    );
    c.served(
        "& < ]]> in the tags",
        "xml/tu-khoa.txt",
        format!(
            "{}Từ khóa: <a>, b&c, ]]>, \"q\"\n",
            art("Từ khóa có ký tự XML")
        )
        .as_bytes(),
        "Từ khóa có ký tự XML",
    );
    c.served(
        "& < ]]> in the author and source",
        "xml/tac-gia.txt",
        format!(
            "{}Tác giả: Nguyễn <Văn> & ]]> A\nNguồn tin: <x>&amp;]]>\n",
            art("Tác giả có ký tự XML")
        )
        .as_bytes(),
        "Tác giả có ký tự XML",
    );
    c.served(
        "a script tag as the title",
        "xml/script.txt",
        art("<script>alert(1)</script>").as_bytes(),
        "<script>alert(1)</script>",
    );

    // --- Long things -----------------------------------------------------------
    let long_title: String = "Tiêu đề dài ".chars().cycle().take(5000).collect();
    let long_title = long_title.trim().to_owned();
    // Served with its title cut at a word to the 1 KiB limit.
    let cut_title = bantin::article::cut(&long_title, bantin::article::limits::TITLE);
    assert!(cut_title.len() <= 1024 && cut_title.ends_with('…'));
    c.served(
        "a 5000-character title",
        "dai/tieu-de.txt",
        art(&long_title).as_bytes(),
        &cut_title,
    );
    let para: String = "Đoạn văn ".chars().cycle().take(100_000).collect();
    c.served(
        "a 100k-character paragraph",
        "dai/doan-van.txt",
        format!("{}{para}.\n", art("Đoạn văn rất dài")).as_bytes(),
        "Đoạn văn rất dài",
    );
    let tags: Vec<String> = (0..1000).map(|i| format!("thẻ {i}")).collect();
    c.served(
        "1000 tags",
        "dai/the.txt",
        format!("{}Từ khóa: {}\n", art("Một nghìn thẻ"), tags.join(", ")).as_bytes(),
        "Một nghìn thẻ",
    );

    // Nine folders of 83 `ệ` (249 bytes each): within the system's limit on a
    // path, but an id past 2,048 bytes, whose page URL, percent-encoded, the
    // server would refuse as too long (414).
    let deep = vec!["ệ".repeat(83); 9].join("/");
    c.rejected(
        "an id too long for its own URL",
        &format!("dai/{deep}/bai.txt"),
        art("Đường dẫn quá dài").as_bytes(),
        "path under the store too long",
    );
    // At the limit, it is served, and its page answers.
    let at_limit = format!(
        "dai/{}/{}",
        vec!["ệ".repeat(83); 8].join("/"),
        "a".repeat(2048 - 4 - (8 * 249 + 7) - 1)
    );
    assert_eq!(at_limit.len(), 2048);
    c.served(
        "an id of 2,048 bytes",
        &format!("{at_limit}.txt"),
        art("Đường dẫn dài vừa đủ").as_bytes(),
        "Đường dẫn dài vừa đủ",
    );

    // --- Categories ------------------------------------------------------------
    let levels: Vec<String> = (1..=30).map(|i| format!("Cấp {i}")).collect();
    c.served(
        "a breadcrumb 30 levels deep",
        "muc/sau-30.txt",
        format!(
            "Trang nhất » {}\n{}",
            levels.join(" » "),
            art("Ba mươi cấp")
        )
        .as_bytes(),
        "Ba mươi cấp",
    );
    c.served(
        "a category that is all punctuation",
        "muc/dau-cau.txt",
        format!(
            "Trang nhất » !!! ??? … ***\n{}",
            art("Chuyên mục chỉ có dấu")
        )
        .as_bytes(),
        "Chuyên mục chỉ có dấu",
    );
    c.served(
        "a category folding to a slug taken (Du lịch)",
        "muc/du-lich.txt",
        format!("Trang nhất » Du lịch\n{}", art("Bài Du lịch")).as_bytes(),
        "Bài Du lịch",
    );
    c.served(
        "a category folding to a slug taken (Dư lịch)",
        "muc/du-lich-2.txt",
        format!("Trang nhất » Dư lịch\n{}", art("Bài Dư lịch")).as_bytes(),
        "Bài Dư lịch",
    );
    c.served(
        "an empty breadcrumb",
        "muc/trong.txt",
        format!("Trang nhất »\n{}", art("Đường dẫn rỗng")).as_bytes(),
        "Đường dẫn rỗng",
    );

    // --- Dates -----------------------------------------------------------------
    c.served(
        "an invalid date (31/02)",
        "ngay/sai.txt",
        "Ngày không có thật\n31/02/2020 10:00\nDẫn.\n".as_bytes(),
        "Ngày không có thật",
    );
    c.served(
        "1970",
        "ngay/1970.txt",
        "Năm 1970\n01/01/1970 00:00\nDẫn.\n".as_bytes(),
        "Năm 1970",
    );
    c.served(
        "1960 (+08:00 then)",
        "ngay/1960.txt",
        "Năm 1960\n15/06/1960 08:00\nDẫn.\n".as_bytes(),
        "Năm 1960",
    );
    c.served(
        "2100",
        "ngay/2100.txt",
        "Năm 2100\n31/12/2100 23:59\nDẫn.\n".as_bytes(),
        "Năm 2100",
    );
    for (name, title, at) in [
        (
            "ngay/mtime-1960.txt",
            "Giờ sửa năm 1960",
            SystemTime::UNIX_EPOCH - Duration::from_secs(300_000_000),
        ),
        (
            "ngay/mtime-2100.txt",
            "Giờ sửa năm 2100",
            SystemTime::UNIX_EPOCH + Duration::from_secs(4_102_444_800),
        ),
    ] {
        let p = c.path(Path::new(name));
        std::fs::write(&p, format!("{title}\nDẫn.\n")).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(at)
            .unwrap();
        c.cases.push(Case {
            what: "no date line and an mtime before 1970 or in 2100",
            rel: name.into(),
            expect: Expect::Served(title.into()),
        });
    }

    // --- Nothing in them -------------------------------------------------------
    c.rejected("empty", "rong/trong.txt", b"", "empty file");
    c.rejected(
        "white space only",
        "rong/khoang-trang.txt",
        " \n\t\n\u{a0}\n \r\n".as_bytes(),
        "no title",
    );
    c.rejected(
        "newlines only",
        "rong/xuong-dong.txt",
        b"\n\n\n",
        "no title",
    );
    c.rejected(
        "boilerplate only",
        "rong/khuon.txt",
        "Click để đánh giá bài viết\nTweet\nIn ra\nNhững tin cũ hơn\nTin khác (11/05/2020)\n"
            .as_bytes(),
        "no title",
    );
    c.rejected(
        "dates only",
        "rong/ngay.txt",
        b"10/05/2020 15:33\n11/05/2020\n",
        "no title",
    );
    c.served(
        "only a title",
        "rong/chi-tieu-de.txt",
        "Chỉ có tiêu đề".as_bytes(),
        "Chỉ có tiêu đề",
    );

    // --- Duplicate ids ---------------------------------------------------------
    c.served(
        "a.md and a.txt in one folder: the first by name is served",
        "trung/a.md",
        art("Trùng mã (md)").as_bytes(),
        "Trùng mã (md)",
    );
    c.rejected(
        "a.md and a.txt in one folder: the second is refused",
        "trung/a.txt",
        art("Trùng mã (txt)").as_bytes(),
        "trung/a.md, already gives the article id \"trung/a\"",
    );

    // --- Editor and download leftovers ----------------------------------------
    for (name, title) in [
        ("tam/.bai.txt.swp", "Tệp tạm swp"),
        ("tam/bai.txt~", "Tệp tạm ngã"),
        ("tam/#bai.txt#", "Tệp tạm thăng"),
        ("tam/bai.tmp", "Tệp tạm tmp"),
        ("tam/tai.part", "Tệp tạm part"),
        ("tam/tai.crdownload", "Tệp tạm crdownload"),
        ("tam/.an.txt", "Tệp tạm ẩn"),
        ("tam/.git/HEAD.txt", "Tệp tạm git"),
    ] {
        c.write(
            "an editor or download leftover",
            name.as_bytes(),
            art(title).as_bytes(),
            Expect::Ignored(title),
        );
    }

    c.cases
}

/// `count` small articles in one folder.
fn wide(store: &Path, count: usize) -> Vec<String> {
    let dir = store.join("rong-lon");
    std::fs::create_dir_all(&dir).unwrap();
    (0..count)
        .map(|i| {
            let title = format!("Tin rộng số {i}");
            std::fs::write(dir.join(format!("n{i:05}.txt")), art(&title)).unwrap();
            title
        })
        .collect()
}

/// Every string in a JSON value.
fn json_strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, v)| {
            out.push(k);
            json_strings(v, out);
        }),
        _ => {}
    }
}

/// Restores write and read permission on everything under `dir` so it can be deleted.
fn unlock(dir: &Path) {
    let _ = std::fs::set_permissions(
        dir.join("store/quyen/khoa"),
        std::fs::Permissions::from_mode(0o755),
    );
    let _ = std::fs::set_permissions(
        dir.join("store/quyen/khong-doc.txt"),
        std::fs::Permissions::from_mode(0o644),
    );
}

const WIDE: usize = 10_000;

#[test]
fn a_hostile_store_is_served_safely() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&store).unwrap();
    let runner = Runner::new(dir.path());
    let cases = build(&store, &outside, runner.privilege);
    let wide_titles = wide(&store, WIDE);
    assert!(cases.len() >= 70, "{} cases", cases.len());

    let config = dir.path().join("config.toml");
    let store_toml = toml::Value::String(store.to_str().unwrap().to_owned());
    std::fs::write(
        &config,
        format!(
            "store = {store_toml}\nlisten = \"127.0.0.1:0\"\n\
             [http]\nshutdown_grace_secs = 1\n"
        ),
    )
    .unwrap();

    // Scanning 10k files and rendering every feed three ways, compressed twice,
    // takes a while in a debug build on a busy machine; FIFOs must not add to it.
    open_to_all(dir.path());
    let launch = Launch {
        cwd: Some(dir.path()),
        wrapper: runner.wrapper.clone(),
        ..Launch::default()
    };
    let mut d = Daemon::spawn(&["--config".as_ref(), config.as_os_str()], &launch)
        .listening(Duration::from_secs(180), Duration::from_secs(60));

    // Health: every served file is one article.
    let served = cases
        .iter()
        .filter(|c| matches!(c.expect, Expect::Served(_)))
        .count()
        + WIDE;
    let health = d.get("/healthz", &[]);
    assert_eq!(health.status, 200);
    let health = String::from_utf8(health.body).unwrap();
    assert!(
        health.starts_with(&format!("ok: {served} articles,")),
        "{health}"
    );

    // Every feed in every format.
    let opml = d.get("/feeds.opml", &[]);
    assert_eq!(opml.status, 200);
    assert_well_formed_xml(&opml.body, "/feeds.opml");
    let rss = common::opml_feed_urls(&opml.body);
    assert!(rss.contains(&format!("{BASE_URL}/feed.rss")));
    let mut paths = BTreeSet::new();
    for url in &rss {
        let path = url.strip_prefix(BASE_URL).unwrap();
        let stem = path.strip_suffix(".rss").unwrap();
        for ext in ["rss", "atom", "json"] {
            paths.insert(format!("{stem}.{ext}"));
        }
    }
    // 30 nested levels, two "du-lich" slugs and a punctuation-only one among them.
    let slugs: Vec<&str> = paths
        .iter()
        .filter_map(|p| p.strip_prefix("/feeds/")?.strip_suffix(".rss"))
        .collect();
    assert!(
        slugs.contains(&"du-lich") && slugs.contains(&"du-lich-2"),
        "{slugs:?}"
    );
    assert!(slugs.contains(&"muc"), "{slugs:?}");
    let deepest = (1..=30)
        .map(|i| format!("cap-{i}"))
        .collect::<Vec<_>>()
        .join("/");
    assert!(slugs.contains(&deepest.as_str()), "{slugs:?}");

    // The whole history: the live feed holds the newest `[feeds] items`,
    // its monthly archives every article (RFC 5005 §4), each month in every
    // format checked below as the live feeds are.
    let mut all: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut next = Some("/feed.json".to_owned());
    while let Some(path) = next.take() {
        let doc: serde_json::Value = serde_json::from_slice(&d.get(&path, &[]).body).unwrap();
        for item in doc["items"].as_array().unwrap() {
            all.insert(item["id"].as_str().unwrap().to_owned(), item.clone());
        }
        if let Some(url) = doc["next_url"].as_str() {
            let month = url.strip_prefix(BASE_URL).unwrap().to_owned();
            let stem = month.strip_suffix(".json").unwrap();
            for ext in ["rss", "atom", "json"] {
                paths.insert(format!("{stem}.{ext}"));
            }
            next = Some(month);
        }
    }
    assert!(
        paths.iter().any(|p| p.starts_with("/archive/")),
        "{paths:?}"
    );

    let mut bodies = Vec::new();
    for path in &paths {
        let r = d.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        if path.ends_with(".json") {
            let v: serde_json::Value =
                serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{path}: not JSON: {e}"));
            let mut strings = Vec::new();
            json_strings(&v, &mut strings);
            for s in strings {
                assert_eq!(s.chars().find(|&c| xml_forbidden(c)), None, "{path}");
            }
        } else {
            assert_well_formed_xml(&r.body, path);
        }
        feed_rs::parser::parse(&r.body[..]).unwrap_or_else(|e| panic!("{path}: feed-rs: {e}"));
        bodies.push((path.clone(), String::from_utf8(r.body).unwrap()));
    }

    // Nothing from outside the store or from ignored files, anywhere.
    let never: Vec<&str> = ["Bí mật bên ngoài", "Bí mật thư mục ngoài", "Trùng mã (txt)"]
        .into_iter()
        .chain(cases.iter().filter_map(|c| match &c.expect {
            Expect::Ignored(t) if !t.starts_with('(') => Some(*t),
            _ => None,
        }))
        .collect();
    for (path, body) in &bodies {
        for t in &never {
            assert!(!body.contains(t), "{path} contains {t:?}");
        }
    }

    // Every good article is in the all-articles feed's history, once, with
    // its title as expected.
    assert_eq!(all.len(), served);
    let titles: BTreeMap<&str, &serde_json::Value> = all
        .values()
        .map(|i| (i["title"].as_str().unwrap(), i))
        .collect();
    for c in &cases {
        if let Expect::Served(t) = &c.expect {
            assert!(
                titles.contains_key(t.as_str()),
                "{}: {t:.80} missing",
                c.what
            );
        }
    }
    for t in &wide_titles {
        assert!(titles.contains_key(t.as_str()), "{t} missing");
    }
    // A few fields that had to survive escaping, and the historical offsets.
    let item = |t: &str| titles[t];
    // The longest id's page is answered at the URL its feed gives.
    let longest = d
        .local(item("Đường dẫn dài vừa đủ")["url"].as_str().unwrap())
        .unwrap();
    assert!(longest.len() > 6000, "{}", longest.len());
    assert_eq!(d.get(&longest, &[]).status, 200);
    assert_eq!(
        item("Năm 1960")["date_published"],
        "1960-06-15T08:00:00+08:00"
    );
    assert_eq!(
        item("Năm 2100")["date_published"],
        "2100-12-31T23:59:00+07:00"
    );
    assert!(item("Năm 1970")["date_published"]
        .as_str()
        .unwrap()
        .starts_with("1970-01-01T00:00:00+0"));
    let tags: Vec<&str> = item("Từ khóa có ký tự XML")["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tags, ["<a>", "b&c", "]]>", "\"q\""]);
    assert_eq!(
        item("Tác giả có ký tự XML")["authors"][0]["name"],
        "Nguyễn <Văn> & ]]> A"
    );
    assert_eq!(
        item("Chuyên mục có ký tự XML")["_bantin"]["categories"],
        serde_json::json!(["Tin <b>&amp; ]]>", "Mục \"con\" & 'x' <"])
    );
    assert_eq!(
        item("Đường dẫn rỗng")["_bantin"]["categories"],
        serde_json::json!(["muc"])
    );
    assert_eq!(
        item("Ba mươi cấp")["_bantin"]["categories"]
            .as_array()
            .unwrap()
            .len(),
        30
    );
    assert!(
        item("Đoạn văn rất dài")["content_html"]
            .as_str()
            .unwrap()
            .len()
            > 100_000
    );

    // The daemon named the duplicate.
    assert!(
        d.stderr()
            .contains("trung/a.md, already gives the article id \"trung/a\""),
        "{}",
        d.stderr()
    );

    // `check --json` names every bad file, and only those.
    let (code, reports) = check_json_with(&runner.wrapper, Some(&config), &[&store]);
    // Rejected files make `check` exit 1.
    assert_eq!(code, 1, "bantin check exit status");
    let by_path: BTreeMap<String, &serde_json::Value> = reports
        .iter()
        .map(|r| (r["path"].as_str().unwrap().to_owned(), r))
        .collect();
    assert_eq!(by_path.len(), reports.len(), "one report a file");
    for c in &cases {
        let shown = store.join(&c.rel).display().to_string();
        let report = by_path.get(&shown);
        match &c.expect {
            Expect::Served(_) => {
                let r = report.unwrap_or_else(|| panic!("{}: no report for {shown}", c.what));
                assert_eq!(r["ok"], true, "{}: {r}", c.what);
            }
            Expect::Rejected(reason) => {
                let r = report.unwrap_or_else(|| panic!("{}: no report for {shown}", c.what));
                assert_eq!(r["ok"], false, "{}: {r}", c.what);
                let error = r["error"].as_str().unwrap_or_default().to_lowercase();
                assert!(
                    error.contains(&reason.to_lowercase()),
                    "{}: {error:?} lacks {reason:?}",
                    c.what
                );
            }
            Expect::Ignored(_) => assert!(report.is_none(), "{}: reported", c.what),
        }
    }
    let warned = |path: &str, needle: &str| {
        let r = by_path[&store.join(path).display().to_string()];
        let w = r["warnings"].to_string();
        assert!(w.contains(needle), "{path}: {w}");
    };
    warned("ma/cut-end.txt", "middle of a UTF-8 character");
    warned("ma/cut-middle.txt", "Windows-1258");
    warned("ma/mixed.txt", "Windows-1258");
    warned("ngay/sai.txt", "modification time");
    let wide_ok = reports
        .iter()
        .filter(|r| r["path"].as_str().unwrap().contains("/rong-lon/") && r["ok"] == true)
        .count();
    assert_eq!(wide_ok, WIDE);

    // Still up, still healthy.
    assert!(d.alive(), "the daemon exited");
    assert_eq!(d.get("/healthz", &[]).status, 200);
    drop(d);
    unlock(dir.path());
}

/// A path that vanished between listing and reading is an error or nothing, never a panic.
#[test]
fn a_file_vanishing_between_listing_and_reading() {
    use bantin::store;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    std::fs::create_dir_all(root.join("a")).unwrap();
    std::fs::write(root.join("a/x.txt"), art("Sắp biến mất")).unwrap();
    let boundary = store::Root::open(&root).unwrap();
    let listing = boundary.list_under(&root);
    assert_eq!(listing.candidates.len(), 1);
    let candidate = listing.candidates[0].clone();

    std::fs::remove_file(root.join("a/x.txt")).unwrap();
    let e = store::load(
        &candidate,
        1 << 20,
        chrono_tz::Asia::Ho_Chi_Minh,
        bantin::article::Depth::Full,
    )
    .unwrap_err();
    assert!(
        matches!(&e, store::FileError::Io(io) if io.kind() == std::io::ErrorKind::NotFound),
        "{e}"
    );
    // Listing the removed file or its removed folder lists nothing.
    let gone = boundary.list_under(&root.join("a/x.txt"));
    assert!(gone.candidates.is_empty() && gone.rejected.is_empty());
    std::fs::remove_dir(root.join("a")).unwrap();
    let gone = boundary.list_under(&root.join("a"));
    assert!(gone.candidates.is_empty() && gone.rejected.is_empty());
    assert!(boundary.candidate(&root.join("a/x.txt")).is_err());
}

#[test]
fn a_path_longer_than_the_system_takes_is_rejected_by_name() {
    use bantin::store;
    use rustix::fs::{mkdirat, openat, Mode, OFlags};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    std::fs::create_dir_all(&root).unwrap();
    // Twenty folders of 250 bytes: past 4096 bytes from `/`, so made one
    // level at a time from the last (no call takes the whole path).
    let name = "b".repeat(250);
    let mut at = openat(rustix::fs::CWD, &root, OFlags::DIRECTORY, Mode::empty()).unwrap();
    for _ in 0..20 {
        mkdirat(&at, name.as_str(), Mode::from_raw_mode(0o755)).unwrap();
        at = openat(&at, name.as_str(), OFlags::DIRECTORY, Mode::empty()).unwrap();
    }
    let file = openat(
        &at,
        "x.txt",
        OFlags::CREATE | OFlags::WRONLY,
        Mode::from_raw_mode(0o644),
    )
    .unwrap();
    rustix::io::write(&file, art("Sâu quá").as_bytes()).unwrap();
    std::fs::write(root.join("ngan.txt"), art("Ngắn")).unwrap();

    let listing = store::Root::open(&root).unwrap().list_under(&root);
    assert_eq!(listing.candidates.len(), 1, "{listing:?}");
    assert_eq!(listing.rejected.len(), 1, "{listing:?}");
    let why = listing.rejected[0].error.to_string();
    assert!(
        matches!(listing.rejected[0].error, store::FileError::PathTooLong(n) if n > 4096),
        "{why}"
    );
    assert!(why.starts_with("path too long: "), "{why}");
    assert!(why.contains("shorten"), "{why}");
}

#[test]
fn file_names_cannot_forge_log_lines_or_reach_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir_all(store.join("tin")).unwrap();
    std::fs::write(store.join("tin/ok.txt"), art("Bài thường")).unwrap();
    // A binary file (so it is rejected and logged) whose name holds a line
    // of its own, an escape sequence and a right-to-left override.
    let evil = "x\n2026-01-01T00:00:00Z ERROR bantin: FAKE \u{1b}[31m\u{202e}txt.exe.txt";
    std::fs::write(store.join("tin").join(evil), b"a\0b").unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("store = {:?}\nlisten = \"127.0.0.1:0\"\n", store.display()),
    )
    .unwrap();
    let d = Daemon::start(&[OsStr::new("--config"), config.as_os_str()]);
    d.wait_until("the rejection logged", || d.stderr().contains("rejected"));
    let escaped = "x\\u{a}2026-01-01T00:00:00Z ERROR bantin: FAKE \\u{1b}[31m\\u{202e}txt";
    let check = Command::new(env!("CARGO_BIN_EXE_bantin"))
        .args([
            OsStr::new("check"),
            OsStr::new("--config"),
            config.as_os_str(),
        ])
        .arg(&store)
        .output()
        .unwrap();
    let check = String::from_utf8(check.stdout).unwrap();
    for (what, text) in [("the log", d.stderr()), ("bantin check", check)] {
        assert!(
            text.contains(escaped),
            "{what} does not escape the name:\n{text}"
        );
        for line in text.lines() {
            assert!(
                !line.starts_with("2026-01-01"),
                "{what} has a forged line: {line}"
            );
            assert!(!line.contains(['\u{1b}', '\u{202e}']), "{what}: {line:?}");
        }
    }
}
