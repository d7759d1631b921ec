//! Synthetic article files in the store format (docs/store-format.md), for benchmarks.
//!
//! Article `n` of seed `s` depends on nothing else, so a bench can make any subset
//! in memory and the `genstore` example writes the same bytes to disk. The mix
//! follows what real stores hold: both CMS generations of labels and header clocks,
//! every date form docs/store-format.md lists, a duplicated image caption, a caption broken
//! over two lines, a lone no-break space, rating boilerplate and related-news
//! lists, and a few files with CRLF line ends, a BOM or NFD text.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Weekday};
use unicode_normalization::UnicodeNormalization;

/// One generated file.
pub struct Generated {
    /// Where the file goes under the store root: `<cat>/<sub>/<bucket>/<n>.txt`.
    pub path: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// Files per folder at most: folders of a real store rarely hold more.
const PER_FOLDER: u64 = 1000;

/// The category tree: eight sections of five categories each.
pub const CATEGORIES: [(&str, [&str; 5]); 8] = [
    (
        "Tin Tức",
        [
            "Tin tức tổng hợp",
            "Thời sự",
            "Chính trị",
            "Quốc tế",
            "Tin địa phương",
        ],
    ),
    (
        "Kinh tế",
        [
            "Nông nghiệp",
            "Công nghiệp",
            "Thương mại - Dịch vụ",
            "Tài chính - Ngân hàng",
            "Du lịch",
        ],
    ),
    (
        "Văn hóa - Xã hội",
        [
            "Văn hóa",
            "Giáo dục",
            "Y tế",
            "Thể thao",
            "Lao động - Việc làm",
        ],
    ),
    (
        "Đầu tư",
        [
            "Dự án",
            "Xúc tiến đầu tư",
            "Doanh nghiệp",
            "Hạ tầng",
            "Đấu thầu",
        ],
    ),
    (
        "Thông báo",
        [
            "Thông báo chung",
            "Lịch công tác",
            "Tuyển dụng",
            "Thông cáo báo chí",
            "Lấy ý kiến dự thảo",
        ],
    ),
    (
        "Chính quyền",
        [
            "Hội đồng nhân dân",
            "Ủy ban nhân dân",
            "Cải cách hành chính",
            "Thanh tra",
            "Nội vụ",
        ],
    ),
    (
        "Quốc phòng - An ninh",
        [
            "Quân sự",
            "Công an",
            "Biên phòng",
            "Phòng cháy chữa cháy",
            "An toàn giao thông",
        ],
    ),
    (
        "Khoa học - Công nghệ",
        [
            "Chuyển đổi số",
            "Tài nguyên - Môi trường",
            "Khoa học",
            "Bưu chính - Viễn thông",
            "Sở hữu trí tuệ",
        ],
    ),
];

const PLACES: &[&str] = &[
    "Điện Biên Phủ",
    "Mường Phăng",
    "Tân Phong",
    "Bến Ngự",
    "Phú Xuân",
    "Thanh Hưng",
    "Nà Tấu",
    "Hòa Bình",
    "Quảng Điền",
    "Hương Trà",
    "Sơn Trà",
    "Cẩm Lệ",
    "Thủ Đức",
    "Long Biên",
    "Ninh Kiều",
    "Đồng Hới",
];

const PEOPLE: &[&str] = &[
    "Trần Ngọc",
    "Phạm Minh Đức",
    "Nguyễn Thị Hồng Nhung",
    "Lê Văn Tám",
    "Hoàng Anh Tuấn",
    "Đỗ Thành Công",
    "Vũ Thị Mai",
    "Bùi Quang Huy",
    "Đặng Thu Hà",
    "Ngô Xuân Trường",
];

const SOURCES: &[&str] = &[
    "Dienbien.gov.vn",
    "Báo Nhân Dân",
    "Cổng thông tin điện tử tỉnh",
    "Sở Thông tin và Truyền thông",
    "Văn phòng UBND tỉnh",
    "Ban Quản lý dự án đầu tư xây dựng tỉnh",
    "Thông tấn xã Việt Nam",
    "Đài Phát thanh - Truyền hình tỉnh",
];

const TOPICS: &[&str] = &[
    "chương trình xây dựng nông thôn mới",
    "công tác cải cách hành chính",
    "chuyển đổi số",
    "phong trào thi đua yêu nước",
    "công tác giải phóng mặt bằng",
    "chương trình giảm nghèo bền vững",
    "kế hoạch phát triển kinh tế - xã hội",
    "công tác phòng, chống thiên tai",
    "dự án khu tái định cư",
    "công tác tuyển sinh đầu cấp",
    "chiến dịch tiêm chủng mở rộng",
    "bảo đảm trật tự an toàn giao thông",
    "xúc tiến đầu tư và phát triển doanh nghiệp",
    "bảo vệ môi trường và ứng phó biến đổi khí hậu",
];

const TITLES: &[&str] = &[
    "{place} đẩy mạnh {topic}",
    "Hội nghị triển khai {topic} năm {year}",
    "Kiểm tra tiến độ {topic} tại {place}",
    "Tổng kết {topic} giai đoạn {year0}-{year}",
    "Nâng cao hiệu quả {topic}",
    "Khởi công dự án trọng điểm tại {place}",
    "Hỏi & đáp về {topic}",
    "Lãnh đạo tỉnh làm việc với huyện {place}",
    "Sơ kết 6 tháng đầu năm {year} về {topic}",
    "Thông báo kết quả {topic} năm {year}",
    "Đoàn công tác của Bộ khảo sát thực tế tại {place}",
    "{place}: {n} hộ dân hưởng lợi từ {topic}",
];

/// Body sentences, each ending a sentence, with `{…}` slots.
const SENTENCES: &[&str] = &[
    "Trong năm qua, {topic} trên địa bàn {place} đã đạt được nhiều kết quả quan trọng, góp phần ổn định an sinh xã hội và phát triển kinh tế của địa phương.",
    "Theo báo cáo của Ủy ban nhân dân huyện {place}, đến nay đã có {n} hộ gia đình được hỗ trợ với tổng kinh phí trên {n} tỷ đồng.",
    "Phát biểu tại hội nghị, đồng chí {person} đề nghị các sở, ban, ngành tiếp tục phối hợp chặt chẽ, tháo gỡ kịp thời những khó khăn, vướng mắc phát sinh.",
    "Tổng mức đầu tư của dự án khoảng {n} tỷ đồng, từ nguồn vốn ngân sách tỉnh và vốn huy động hợp pháp khác.",
    "Các hạng mục san nền, đường giao thông nội bộ và hệ thống thoát nước đã hoàn thành khoảng {pct}% khối lượng.",
    "Lãnh đạo tỉnh yêu cầu chủ đầu tư và nhà thầu tăng ca, tăng kíp, bảo đảm chất lượng công trình và an toàn lao động.",
    "Xác định tầm quan trọng của {topic}, cấp ủy, chính quyền các cấp đã tập trung lãnh đạo, chỉ đạo quyết liệt, đồng bộ.",
    "Công tác thông tin, tuyên truyền được đổi mới về nội dung và hình thức, tạo sự đồng thuận cao trong cán bộ, đảng viên và nhân dân.",
    "Bên cạnh những kết quả đạt được, {topic} vẫn còn một số hạn chế như nguồn lực còn hạn hẹp, sự phối hợp giữa các đơn vị có lúc chưa nhịp nhàng.",
    "Ông {person}, Trưởng phòng Nội vụ huyện {place}, cho biết: Thời gian tới, địa phương sẽ tiếp tục rà soát, bổ sung các giải pháp phù hợp với tình hình thực tế.",
    "Đến hết tháng {month}, toàn huyện đã giải ngân được {pct}% kế hoạch vốn đầu tư công được giao, cao hơn mức bình quân chung của tỉnh.",
    "Nhiều mô hình sản xuất hiệu quả được nhân rộng, giúp thu nhập bình quân đầu người năm {year} đạt khoảng {n} triệu đồng.",
    "Hội nghị cũng đã biểu dương, khen thưởng {n} tập thể và cá nhân có thành tích xuất sắc trong thực hiện {topic}.",
    "Tỷ lệ hồ sơ thủ tục hành chính được giải quyết đúng và trước hạn đạt {pct}%, không có hồ sơ quá hạn.",
    "Dự kiến công trình sẽ được hoàn thành và đưa vào sử dụng trong quý IV năm {year}, đáp ứng nhu cầu đi lại và sinh hoạt của người dân.",
    "Người dân xã {place} phấn khởi khi tuyến đường liên xã được bê tông hóa, thuận lợi cho việc vận chuyển nông sản.",
    "Sở Kế hoạch và Đầu tư được giao chủ trì, phối hợp với các đơn vị liên quan tham mưu Ủy ban nhân dân tỉnh ban hành kế hoạch thực hiện.",
    "Năm {year}, ngành giáo dục huyện {place} có {n} học sinh đạt giải trong kỳ thi học sinh giỏi cấp tỉnh.",
    "Trung tâm Y tế huyện đã tổ chức khám sàng lọc cho hơn {n} người cao tuổi, phát hiện và tư vấn điều trị kịp thời nhiều trường hợp.",
    "Lực lượng công an đã tăng cường tuần tra, kiểm soát, xử lý nghiêm các hành vi vi phạm trật tự an toàn giao thông.",
    "Theo kế hoạch, tỉnh phấn đấu đến năm {year} có {pct}% số xã đạt chuẩn nông thôn mới nâng cao.",
    "Ban Chỉ đạo đề nghị các địa phương chủ động rà soát, lập danh sách các hộ đủ điều kiện và công khai tại trụ sở Ủy ban nhân dân xã.",
    "Đây là hoạt động thiết thực chào mừng kỷ niệm {n} năm ngày thành lập tỉnh và hướng tới Đại hội Đảng bộ các cấp.",
    "Toàn tỉnh hiện có {n} doanh nghiệp đang hoạt động, tăng {pct}% so với cùng kỳ năm trước.",
    "Công tác phòng cháy, chữa cháy được triển khai đồng bộ, nhất là tại các khu dân cư, chợ và cơ sở sản xuất kinh doanh.",
    "Ngay sau buổi làm việc, đoàn công tác đã đi kiểm tra thực địa một số công trình trên địa bàn xã {place}.",
    "Hệ thống cấp điện, chiếu sáng và cấp nước sinh hoạt đang được đẩy nhanh tiến độ để bàn giao đúng hẹn.",
    "Các đại biểu đã tập trung thảo luận, đóng góp nhiều ý kiến tâm huyết, trách nhiệm vào dự thảo báo cáo chính trị.",
    "Nhờ ứng dụng công nghệ thông tin, thời gian xử lý hồ sơ trung bình giảm từ {n} ngày xuống còn vài giờ làm việc.",
    "Chủ tịch Ủy ban nhân dân tỉnh giao Sở Tài chính thẩm định, bố trí kinh phí để các đơn vị triển khai thực hiện đúng quy định.",
    "Mùa mưa bão năm {year}, các lực lượng chức năng đã sơ tán an toàn {n} hộ dân ra khỏi vùng có nguy cơ sạt lở.",
    "Dịp này, Ban tổ chức đã trao {n} suất quà cho các gia đình chính sách, hộ nghèo có hoàn cảnh đặc biệt khó khăn.",
    "Tổng diện tích gieo trồng vụ Đông Xuân đạt {n} ha, năng suất lúa bình quân ước đạt {pct} tạ/ha.",
    "Với chủ đề \"Đoàn kết, đổi mới, phát triển\", hội thi đã thu hút {n} thí sinh đến từ các trường trên địa bàn.",
    "Lễ hội năm nay được tổ chức trang trọng, an toàn, tiết kiệm, thu hút đông đảo du khách trong và ngoài tỉnh.",
    "Sau thời gian triển khai, mô hình đã cho thấy hiệu quả rõ rệt, được người dân đồng tình, ủng hộ.",
    "Nhân dịp này, tỉnh kêu gọi các nhà đầu tư quan tâm, tìm hiểu cơ hội đầu tư vào lĩnh vực du lịch, nông nghiệp công nghệ cao và hạ tầng đô thị.",
    "Đồng chí {person} nhấn mạnh: Phải lấy sự hài lòng của người dân và doanh nghiệp làm thước đo hiệu quả công việc!",
    "Những năm gần đây, {place} đã trở thành điểm đến hấp dẫn với nhiều sản phẩm du lịch cộng đồng đặc sắc.",
    "Trong số này có {n} công trình đã hoàn thành, số còn lại đang được các nhà thầu khẩn trương thi công…",
];

/// Captions of pictures: an alt text and a caption, or a caption broken over two lines.
const CAPTIONS: &[(&str, &str)] = &[
    (
        "Phong trào thi đua được {place} triển khai rộng khắp",
        "tại các thôn, bản.",
    ),
    (
        "Đoàn công tác kiểm tra tiến độ thi công",
        "tại công trường xã {place}.",
    ),
    ("Quang cảnh hội nghị tổng kết", "{topic} năm {year}."),
    (
        "Lãnh đạo tỉnh trao quà cho các hộ dân",
        "có hoàn cảnh khó khăn tại {place}.",
    ),
];

const TAGS: &[&str] = &[
    "thi đua",
    "nông thôn mới",
    "chuyển đổi số",
    "giải phóng mặt bằng",
    "đầu tư công",
    "giáo dục",
    "y tế",
    "du lịch",
    "cải cách hành chính",
    "an toàn giao thông",
    "môi trường",
    "doanh nghiệp",
];

const WEEKDAY_LOWER: [&str; 7] = [
    "Thứ hai",
    "Thứ ba",
    "Thứ tư",
    "Thứ năm",
    "Thứ sáu",
    "Thứ bảy",
    "Chủ nhật",
];
const WEEKDAY_TITLE: [&str; 7] = [
    "Thứ Hai",
    "Thứ Ba",
    "Thứ Tư",
    "Thứ Năm",
    "Thứ Sáu",
    "Thứ Bảy",
    "Chủ Nhật",
];
const WEEKDAY_SHORT: [&str; 7] = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"];

/// splitmix64: tiny, fast, and the same everywhere; plenty for picking words.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Fills the `{…}` slots of a template.
fn fill(rng: &mut Rng, template: &str, year: i32) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        match &rest[open + 1..open + close] {
            "place" => out.push_str(rng.pick(PLACES)),
            "person" => out.push_str(rng.pick(PEOPLE)),
            "topic" => out.push_str(rng.pick(TOPICS)),
            "n" => {
                let _ = write!(out, "{}", rng.range(2, 980));
            }
            "pct" => {
                let _ = write!(out, "{}", rng.range(35, 99));
            }
            "month" => {
                let _ = write!(out, "{}", rng.range(1, 12));
            }
            "year" => {
                let _ = write!(out, "{year}");
            }
            "year0" => {
                let _ = write!(out, "{}", year - 5);
            }
            other => out.push_str(other),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn weekday_index(d: Weekday) -> usize {
    d.num_days_from_monday() as usize
}

/// The publication date line in one of the forms docs/store-format.md lists.
fn date_line(rng: &mut Rng, at: NaiveDateTime) -> String {
    let wd = weekday_index(at.weekday());
    let (d, m, y, hh, mm) = (at.day(), at.month(), at.year(), at.hour(), at.minute());
    match rng.next() % 100 {
        // The NukeViet default: `Chủ nhật - 10/05/2020 15:33`.
        0..=29 => format!("{} - {d:02}/{m:02}/{y} {hh:02}:{mm:02}", WEEKDAY_LOWER[wd]),
        30..=44 => format!("{} - {d:02}/{m:02}/{y} {hh:02}:{mm:02}", WEEKDAY_TITLE[wd]),
        45..=52 => format!("{d}/{m}/{y} {hh:02}:{mm:02}"),
        53..=60 => format!("{d:02}/{m:02}/{y} - {hh:02}h{mm:02}"),
        61..=68 => format!("{hh:02}:{mm:02} {d:02}/{m:02}/{y}"),
        69..=73 => format!("{}, ngày {d} tháng {m} năm {y}", WEEKDAY_LOWER[wd]),
        74..=76 => format!("{d:02}-{m:02}-{y}"),
        77..=81 => {
            // Asia/Ho_Chi_Minh has been +07:00 all through 2015–2025.
            let utc = at - TimeDelta::hours(7);
            utc.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        }
        82..=86 => at.format("%Y-%m-%d %H:%M:%S").to_string(),
        87..=91 => at.format("%a, %d %b %Y %H:%M:%S +0700").to_string(),
        92..=96 => {
            let zone = rng.pick(&["ICT", "GMT+7", "UTC+07:00"]);
            format!(
                "{} - {d:02}/{m:02}/{y} {hh:02}:{mm:02} {zone}",
                WEEKDAY_LOWER[wd]
            )
        }
        _ => format!("{}, {d:02}/{m:02}/{y} {hh:02}:{mm:02}", WEEKDAY_SHORT[wd]),
    }
}

/// Generates article `n` of the store made with `seed`.
pub fn article(seed: u64, n: u64) -> Generated {
    let mut rng = Rng(seed ^ n.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    rng.next();

    let leaf = (n % 40) as usize;
    let (section, subs) = CATEGORIES[leaf / 5];
    let sub = subs[leaf % 5];
    let within = n / 40;
    let path = format!(
        "{}/{}/{:03}/{n:06}.txt",
        bantin::index::slugify(section),
        bantin::index::slugify(sub),
        within / PER_FOLDER
    );

    // Published between 2015-01-01 and 2025-12-31, in office hours or the evening.
    let first = NaiveDate::from_ymd_opt(2015, 1, 1).expect("a real date");
    let day = first + TimeDelta::days(rng.range(0, 4017) as i64);
    let published = day
        .and_hms_opt(rng.range(6, 21) as u32, rng.range(0, 59) as u32, 0)
        .expect("hours 6–21 and minutes 0–59 are a real time");
    let captured = published
        + TimeDelta::days(rng.range(0, 900) as i64)
        + TimeDelta::minutes(rng.range(5, 600) as i64);
    let year = published.year();
    // Older portals say `ICT`, `Tác giả bài viết:`, `Từ khóa:`; newer ones `+07`, `Tác giả:`, `Tags:`.
    let old_cms = if year < 2020 {
        rng.chance(80)
    } else {
        rng.chance(20)
    };

    // A few files from other tools: NFD text (longer in bytes), CRLF line ends, a BOM.
    let (nfd, crlf, bom) = (rng.chance(3), rng.chance(10), rng.chance(5));
    let mut target = rng.range(5200, 9700) as usize;
    if nfd {
        target = target * 4 / 5;
    }
    if crlf {
        target -= 100;
    }
    let mut text = String::with_capacity(target + 1024);
    let cwd = weekday_index(captured.weekday());
    if old_cms {
        let _ = write!(
            text,
            "{} ICT {}, {}\n\n",
            captured.format("%H:%M"),
            WEEKDAY_LOWER[cwd],
            captured.format("%d/%m/%Y")
        );
    } else {
        let _ = write!(
            text,
            "{} +07 {}, {}\n\n",
            captured.format("%H:%M"),
            WEEKDAY_TITLE[cwd],
            captured.format("%d/%m/%Y")
        );
    }
    let _ = write!(text, "Trang nhất » {section} » {sub}\n\n");
    let title = pick_fill(&mut rng, TITLES, year);
    let _ = write!(text, "{title}\n\n");
    text.push_str(&date_line(&mut rng, published));
    text.push('\n');
    let lead = format!(
        "{} {}",
        pick_fill(&mut rng, SENTENCES, year),
        pick_fill(&mut rng, SENTENCES, year)
    );
    text.push_str(&lead);
    text.push('\n');
    if rng.chance(30) {
        // An image: its alt text straight under the lead, then the same caption.
        let (a, b) = rng.pick(CAPTIONS);
        let caption = format!("{} {}", fill(&mut rng, a, year), fill(&mut rng, b, year));
        let _ = write!(text, "{caption}\n\n{caption}\n");
    }
    text.push('\n');

    let mut tail = String::with_capacity(1024);
    if rng.chance(90) {
        let label = if old_cms {
            "Tác giả bài viết"
        } else {
            "Tác giả"
        };
        let _ = write!(tail, "\n{label}: {}\n", rng.pick(PEOPLE));
    }
    if rng.chance(85) {
        let _ = write!(tail, "\nNguồn tin: {}\n", rng.pick(SOURCES));
    }
    if rng.chance(70) {
        let label = if old_cms { "Từ khóa" } else { "Tags" };
        let count = rng.range(2, 4);
        let mut tags: Vec<&str> = Vec::new();
        while tags.len() < count as usize {
            let tag = rng.pick(TAGS);
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        let _ = write!(tail, "\n{label}: {}\n", tags.join(", "));
    }
    if rng.chance(30) {
        let votes = rng.range(1, 40);
        let _ = write!(
            tail,
            "\nTổng số điểm của bài viết là: {} trong {votes} đánh giá\n\nClick để đánh giá bài viết\n",
            votes * rng.range(3, 5)
        );
    }
    for heading in ["Những tin mới hơn", "Những tin cũ hơn"] {
        let _ = write!(tail, "\n{heading}\n");
        for _ in 0..rng.range(0, 4) {
            let related = pick_fill(&mut rng, TITLES, year);
            let when = day + TimeDelta::days(rng.range(1, 60) as i64);
            let _ = write!(tail, "\n{related} ({})\n", when.format("%d/%m/%Y"));
        }
    }

    // 8–20 paragraphs, grown a sentence at a time until the file reaches its size.
    let count = rng.range(8, 20) as usize;
    let mut paragraphs: Vec<String> = (0..count)
        .map(|_| pick_fill(&mut rng, SENTENCES, year))
        .collect();
    let budget = target.saturating_sub(text.len() + tail.len());
    let mut size: usize = paragraphs.iter().map(|p| p.len() + 2).sum();
    while size < budget {
        let sentence = pick_fill(&mut rng, SENTENCES, year);
        size += sentence.len() + 1;
        let p = &mut paragraphs[(rng.next() % count as u64) as usize];
        p.push(' ');
        p.push_str(&sentence);
    }
    let broken = rng
        .chance(10)
        .then(|| rng.range(1, count as u64 - 1) as usize);
    let nbsp = rng
        .chance(20)
        .then(|| rng.range(1, count as u64 - 1) as usize);
    for (i, p) in paragraphs.iter().enumerate() {
        if broken == Some(i) {
            // A caption that runs on to the next line: one paragraph.
            let (a, b) = rng.pick(CAPTIONS);
            let _ = write!(
                text,
                "{}\n{}\n\n",
                fill(&mut rng, a, year),
                fill(&mut rng, b, year)
            );
        }
        if nbsp == Some(i) {
            text.push_str("\u{a0}\n");
        }
        text.push_str(p);
        text.push_str("\n\n");
    }
    text.push_str(&tail);

    if nfd {
        text = text.nfd().collect();
    }
    if crlf {
        text = text.replace('\n', "\r\n");
    }
    let mut bytes = Vec::with_capacity(text.len() + 3);
    if bom {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    bytes.extend_from_slice(text.as_bytes());
    Generated { path, bytes }
}

/// A random template of `templates`, filled.
fn pick_fill(rng: &mut Rng, templates: &[&str], year: i32) -> String {
    let template = rng.pick(templates);
    fill(rng, template, year)
}
