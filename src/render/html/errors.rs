//! Error pages for browsers: 404 and 410 in the site's style, with a way back.

use std::fmt::Write;

use html_escape::encode_text as text;

use super::{close, open};
use crate::config::SiteConfig;
use crate::taxonomy::Kind;

/// 404: nothing at this address.
pub fn not_found_page(site: &SiteConfig) -> Vec<u8> {
    let mut out = String::new();
    open(&mut out, site, "Không tìm thấy trang", &[]);
    let _ = write!(
        out,
        "<h1>Không tìm thấy trang</h1>\n<p>Địa chỉ này không có trang nào. Có thể bài đã được chuyển chỗ hoặc địa chỉ bị gõ sai.</p>\n<ul>\n<li><a href=\"/\">Về trang nhất</a></li>\n<li><a href=\"{}\">Tìm theo từ khóa</a></li>\n<li><a href=\"{}\">Tìm theo tác giả</a></li>\n</ul>\n",
        crate::render::terms_path(Kind::Tag),
        crate::render::terms_path(Kind::Author),
    );
    close(out, site)
}

/// 410: an article that was withdrawn (`title`, when it is known).
pub fn gone_page(site: &SiteConfig, title: Option<&str>) -> Vec<u8> {
    let mut out = String::new();
    open(&mut out, site, "Bài viết đã được gỡ bỏ", &[]);
    out.push_str("<h1>Bài viết đã được gỡ bỏ</h1>\n");
    if let Some(t) = title {
        let _ = writeln!(out, "<p>Bài «{}» không còn được đăng.</p>", text(t));
    }
    out.push_str("<p><a href=\"/\">Về trang nhất</a></p>\n");
    close(out, site)
}
