//! What the daemon tells the sysadmin of files it serves with warnings (a date
//! taken from another clock, a legacy encoding): at start, the first few files
//! with each warning and one line saying how many; on a change, each file
//! added or edited with warnings, once per change; and the gauge
//! `bantin_files_with_warnings`.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::Daemon;

/// 10/05/2020 was a Sunday: the weekday contradicts the date, on line 4.
const WRONG_WEEKDAY: &str =
    "Trang nhất » Tin Tức\n\nTiêu đề {}\nThứ hai - 10/05/2020 15:33\nDẫn.\n";

/// No warning at all (a file with no breadcrumb would warn that its folder
/// names its category).
const CLEAN: &str = "Trang nhất » Tin Tức\n\nTiêu đề {}\nChủ nhật - 10/05/2020 15:33\nDẫn.\n";

fn article(form: &str, title: &str) -> String {
    form.replace("{}", title)
}

/// How many lines of the daemon's log contain both `what` and `path`.
fn log_lines(d: &Daemon, what: &str, path: &str) -> usize {
    d.stderr()
        .lines()
        .filter(|l| l.contains(what) && l.contains(path))
        .count()
}

/// A store of `files` (name, bytes) and a config that serves it on port 0.
fn site(files: &[(String, Vec<u8>)]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir_all(store.join("t")).unwrap();
    for (name, bytes) in files {
        std::fs::write(store.join("t").join(name), bytes).unwrap();
    }
    let config = dir.path().join("config.toml");
    let quoted = toml::Value::String(store.to_str().unwrap().to_owned());
    std::fs::write(
        &config,
        format!("store = {quoted}\nlisten = \"127.0.0.1:0\"\n"),
    )
    .unwrap();
    (dir, store, config)
}

fn start(config: &Path) -> Daemon {
    Daemon::start(&["--config".as_ref(), config.as_os_str()])
}

/// At start, a store with 26 files served with warnings logs the first 20
/// files' warnings (path and line) and one line with the count; the gauge
/// says 26.
#[test]
fn at_start_the_first_files_and_how_many() {
    // Not UTF-8 (0xE2 then `m`): read as Windows-1258, with a warning on no line.
    let mut files = vec![(
        "a-cp1258.txt".to_owned(),
        b"Trang nh\xe2t \xbb Tin\n\nTin \xe2m nh\xe1c\n10/05/2020 15:33\nD\xe2n.\n".to_vec(),
    )];
    files.extend((0..25).map(|i| {
        let text = article(WRONG_WEEKDAY, &i.to_string());
        (format!("b{i:02}.txt"), text.into_bytes())
    }));
    files.push((
        "c-clean.txt".to_owned(),
        article(CLEAN, "sạch").into_bytes(),
    ));
    let (_dir, store, config) = site(&files);
    let d = start(&config);
    let summary = d.log_line("files are served with warnings");
    assert!(
        summary.contains(&format!(
            "26 files are served with warnings (the first 20 above); `bantin check {}` shows each",
            store.display()
        )),
        "{summary}"
    );
    assert!(summary.contains("WARN"), "{summary}");
    let log = d.stderr();
    let cp1258 = log
        .lines()
        .find(|l| l.contains("a-cp1258.txt"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(cp1258.contains("warning: "), "{cp1258}");
    assert!(cp1258.contains("Windows-1258"), "{cp1258}");
    // Each of the first 19 weekday files once, on its date line; no more.
    let weekday: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("warning: weekday"))
        .collect();
    assert_eq!(weekday.len(), 19, "{log}");
    for (i, line) in weekday.iter().enumerate() {
        let at = format!("{}:4", store.join(format!("t/b{i:02}.txt")).display());
        assert!(line.contains(&at), "{at} in {line}");
        assert!(line.contains("contradicts date 10/05/2020"), "{line}");
    }
    assert_eq!(log_lines(&d, "warning: ", "c-clean.txt"), 0, "{log}");
    assert_eq!(d.metric("bantin_files_with_warnings"), Some(26.0));
}

/// A file added or edited with warnings is logged, path and line, once per
/// change, also when it was rejected in between; the gauge follows what is
/// served, and a clean store logs no warning and counts 0.
#[test]
fn a_change_with_warnings_is_logged_once_per_change() {
    let (_dir, store, config) =
        site(&[("sach.txt".to_owned(), article(CLEAN, "sạch").into_bytes())]);
    let d = start(&config);
    assert_eq!(d.metric("bantin_files_with_warnings"), Some(0.0));
    assert!(!d.stderr().contains("with warnings"), "{}", d.stderr());

    let file = store.join("t/moi.txt");
    let at = format!("{}:4", file.display());
    std::fs::write(&file, article(WRONG_WEEKDAY, "mới")).unwrap();
    let line = d.log_line(&at);
    assert!(line.contains("WARN"), "{line}");
    assert!(
        line.contains("warning: weekday \"Thứ hai\" contradicts date"),
        "{line}"
    );
    d.wait_until("the gauge at 1", || {
        d.metric("bantin_files_with_warnings") == Some(1.0)
    });

    // Saved broken: rejected, its last good version (with its warning) served.
    std::fs::write(&file, b"").unwrap();
    d.wait_until("the rejection logged", || {
        log_lines(&d, "rejected: ", &file.display().to_string()) == 1
    });
    assert_eq!(d.metric("bantin_files_with_warnings"), Some(1.0));
    // Fixed with a warning still: served again, and the warning said again.
    std::fs::write(&file, article(WRONG_WEEKDAY, "mới, sửa")).unwrap();
    d.wait_until("the warning logged again", || {
        log_lines(&d, "warning: weekday", &at) == 2
    });
    assert_eq!(
        log_lines(&d, "served again", &file.display().to_string()),
        1
    );

    // Fixed for good: the gauge goes back, and no warning is said.
    std::fs::write(&file, article(CLEAN, "mới, đúng")).unwrap();
    d.wait_until("the gauge back at 0", || {
        d.metric("bantin_files_with_warnings") == Some(0.0)
    });
    assert_eq!(log_lines(&d, "warning: ", &at), 2, "{}", d.stderr());
}

/// Rejected files are named as files with warnings are: at start the first
/// 20 and how many; on changes at most 20 a minute and one line counting
/// the others, so a lowered `max_file_size` cannot flood the journal.
#[test]
fn rejected_files_are_named_twenty_at_a_time() {
    let big = |i: usize| {
        let title = format!("{i} {}", "dài ".repeat(20));
        (format!("r{i:02}.txt"), article(CLEAN, &title).into_bytes())
    };
    let (dir, store, config) = site(&(0..30).map(big).collect::<Vec<_>>());
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("max_file_size = 100\n{text}")).unwrap();
    let d = start(&config);
    let summary = d.log_line("files are rejected");
    assert!(
        summary.contains(&format!(
            "30 files are rejected (the first 20 above); `bantin check {}` shows each",
            store.display()
        )),
        "{summary}"
    );
    let rejected = |d: &Daemon| {
        d.stderr()
            .lines()
            .filter(|l| l.contains("rejected: "))
            .count()
    };
    assert_eq!(rejected(&d), 20, "{}", d.stderr());
    assert_eq!(d.metric("bantin_rejected_files"), Some(30.0));
    // 25 more in one change (a folder renamed into the store): 20 named
    // this minute, the other 5 counted.
    let stage = dir.path().join("stage");
    std::fs::create_dir(&stage).unwrap();
    for i in 30..55 {
        let (name, bytes) = big(i);
        std::fs::write(stage.join(name), bytes).unwrap();
    }
    std::fs::rename(&stage, store.join("u")).unwrap();
    d.wait_until("55 rejected", || {
        d.metric("bantin_rejected_files") == Some(55.0)
    });
    let more = d.log_line("more files were rejected, served again or gone, not named");
    assert!(more.contains("5 more files were rejected"), "{more}");
    assert_eq!(rejected(&d), 40, "{}", d.stderr());
}

/// A typo in one `RUST_LOG` directive is said once, as a warning, naming it,
/// and the directives beside it still apply: `warn` keeps the start's info lines
/// out, where dropping the whole variable for the default would log them.
#[test]
fn a_typo_in_rust_log_is_said_and_the_rest_of_it_kept() {
    let (_dir, _store, config) = site(&[("a.txt".into(), article(WRONG_WEEKDAY, "A").into())]);
    let launch = common::Launch {
        env: vec![("RUST_LOG", "warn,bantin=verbose".into())],
        ..common::Launch::default()
    };
    let args = ["--config".as_ref(), config.as_os_str()];
    let d = Daemon::spawn(&args, &launch).listening(
        std::time::Duration::from_secs(20),
        std::time::Duration::from_secs(10),
    );
    let said = d.log_line("RUST_LOG: ignoring `bantin=verbose`");
    assert!(said.starts_with("warning: "), "{said}");
    assert!(said.contains("using `warn`"), "names what is used: {said}");
    // The file's weekday warning is logged at warn, so the log is live…
    d.log_line("a.txt");
    // …and nothing at info made it through.
    let log = d.stderr();
    assert!(
        !log.lines().any(|l| l.contains(" INFO ")),
        "`warn` still filters out info:\n{log}"
    );
}

/// On the journal (stderr is the stream `JOURNAL_STREAM` names), each log
/// line carries its priority as journald's `<N>` prefix and, in its one
/// message, the file and line a warning is about: a sysadmin reading
/// `journalctl -u bantin` sees which file to fix.
#[test]
fn on_the_journal_a_warning_names_its_file_and_has_its_priority() {
    use std::os::unix::fs::MetadataExt;
    let (dir, _store, config) = site(&[
        ("a.txt".into(), article(WRONG_WEEKDAY, "A").into()),
        ("b.txt".into(), b"tieu de\0nhi phan\n".to_vec()),
    ]);
    let log = dir.path().join("journal");
    let file = std::fs::File::create(&log).unwrap();
    let meta = file.metadata().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
        .args(["--config".as_ref(), config.as_os_str()])
        .env_remove("BANTIN_CONFIG")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("LISTEN_FDS")
        .env_remove("LISTEN_PID")
        .env_remove("STATE_DIRECTORY")
        .env_remove("CACHE_DIRECTORY")
        .env("RUST_LOG", "info")
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .stdout(std::process::Stdio::null())
        .stderr(file)
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let written = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if text.contains("b.txt") && text.contains("a.txt") {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "no warnings:\n{text}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    let line = |needle: &str| {
        written
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle} in:\n{written}"))
    };
    let rejected = line("b.txt");
    assert!(
        rejected.starts_with("<4>rejected: binary file"),
        "{written}"
    );
    let warned = line("a.txt");
    assert!(warned.starts_with("<4>warning: weekday"), "{written}");
    assert!(warned.ends_with("a.txt:4"), "the line too: {written}");
    assert!(
        written.lines().all(|l| l.starts_with('<')),
        "every line has a priority:\n{written}"
    );
    assert!(written.lines().any(|l| l.starts_with("<6>")), "{written}");
}

/// Removing folders from the store is routine (a deploy, an `rm -rf`): the
/// watch library's own warning for each folder whose watch went with it
/// ("Unable to remove the path from the watches") stays out of the log, which
/// says what bantin did instead.
#[test]
fn removing_folders_logs_no_library_warnings() {
    let (_dir, store, config) = site(&[("a.txt".into(), article(CLEAN, "A").into())]);
    let d = start(&config);
    let nested = store.join("t/moi/sub/sub2");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(nested.join("b.txt"), article(CLEAN, "B")).unwrap();
    d.wait_until("the nested article served", || {
        d.get("/articles/t/moi/sub/sub2/b", &[]).status == 200
    });
    std::fs::remove_dir_all(store.join("t/moi")).unwrap();
    d.wait_until("the nested article gone", || {
        d.get("/articles/t/moi/sub/sub2/b", &[]).status == 404
    });
    // The removal is logged by the time it is served.
    let log = d.stderr();
    assert!(log.contains("removed=1"), "{log}");
    assert!(!log.contains("Unable to remove the path"), "{log}");
    assert!(!log.contains("WatchNotFound"), "{log}");
}

/// Sets the mtime of `path` to `at`, as `touch` does.
fn touch(path: &Path, at: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(at)
        .unwrap();
}

/// Waits until the daemon follows the store: the watcher attached and the
/// reconciliation after it done, so what the test changes next is an event.
fn following(d: &Daemon) {
    d.wait_until("the first reconciliation", || {
        d.metric("bantin_last_reconcile_timestamp_seconds")
            .is_some()
    });
}

/// Adds `stem`.txt (a clean article) and waits until it is served: every
/// event before it has been acted on by then, as events are taken in order.
/// (Its page, not a counter: counters move before a change is served.)
fn checkpoint(d: &Daemon, store: &Path, stem: &str) {
    let file = store.join("t").join(format!("{stem}.txt"));
    std::fs::write(file, article(CLEAN, stem)).unwrap();
    let page = format!("/articles/t/{stem}");
    d.wait_until("the checkpoint file served", || {
        d.get(&page, &[]).status == 200
    });
}

/// `touch`, or a rewrite with the same bytes, changes no article: nothing is
/// counted, logged or rendered again, and warnings and rejections are not
/// said again. A file dated by its mtime (no date in its text) does change
/// with `touch`: its date is its mtime.
#[test]
fn touching_a_file_or_saving_it_unchanged_is_no_change() {
    let weekday = article(WRONG_WEEKDAY, "thứ");
    let (_dir, store, config) = site(&[
        ("thu.txt".to_owned(), weekday.clone().into_bytes()),
        ("rong.txt".to_owned(), Vec::new()),
        // A date and no title: rejected, with bytes.
        ("hong.txt".to_owned(), "10/05/2020 15:33\n".into()),
        ("gio.txt".to_owned(), "Giờ sửa là ngày\nDẫn.\n".into()),
    ]);
    let d = start(&config);
    following(&d);
    let (thu, rong, hong, gio) = (
        store.join("t/thu.txt"),
        store.join("t/rong.txt"),
        store.join("t/hong.txt"),
        store.join("t/gio.txt"),
    );
    let rejected = d.metric("bantin_files_rejected_total");
    assert_eq!(rejected, Some(2.0));
    let etag = d.get("/feed.atom", &[]).expect_header("etag").to_owned();

    let soon = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    touch(&thu, soon);
    std::fs::write(&thu, &weekday).unwrap();
    touch(&rong, soon);
    touch(&hong, soon);
    std::fs::write(&hong, "10/05/2020 15:33\n").unwrap();
    checkpoint(&d, &store, "moc1");
    assert_eq!(d.metric("bantin_files_changed_total"), Some(0.0));
    assert_eq!(d.metric("bantin_files_rejected_total"), rejected);
    let log = d.stderr();
    assert_eq!(log_lines(&d, "warning: weekday", "thu.txt"), 1, "{log}");
    assert_eq!(log_lines(&d, "rejected: ", "rong.txt"), 1, "{log}");
    assert_eq!(log_lines(&d, "rejected: ", "hong.txt"), 1, "{log}");
    assert!(!log.contains("changed=1"), "{log}");
    // Only the checkpoint changed the feed.
    assert_ne!(d.get("/feed.atom", &[]).expect_header("etag"), etag);

    let before = d.get("/articles/t/gio", &[]).text();
    touch(
        &gio,
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000),
    );
    // The counter moves before the change is served: wait for the page.
    d.wait_until("the mtime-dated file's new date served", || {
        d.get("/articles/t/gio", &[]).text() != before
    });
    assert_eq!(d.metric("bantin_files_changed_total"), Some(1.0));
}

/// A file dated by its mtime, which has nanoseconds: every format writes
/// the same instant, in whole seconds, Atom's feed and entry dates too.
#[test]
fn an_mtime_date_is_written_in_whole_seconds_in_every_format() {
    let (_dir, store, config) = site(&[("gio.txt".to_owned(), "Giờ sửa là ngày\nDẫn.\n".into())]);
    touch(
        &store.join("t/gio.txt"),
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::new(1_589_099_580, 631_621_768),
    );
    let d = start(&config);
    let atom = d.get("/feed.atom", &[]).text();
    let written = "2020-05-10T15:33:00+07:00";
    for element in ["updated", "published"] {
        assert_eq!(
            atom.matches(&format!("<{element}>{written}</{element}>"))
                .count(),
            if element == "updated" { 2 } else { 1 },
            "{element}: {atom}"
        );
    }
    assert!(!atom.contains(".631"), "{atom}");
    let json = d.get("/feed.json", &[]).text();
    assert!(
        json.contains(&format!("\"date_published\": \"{written}\"")),
        "{json}"
    );
}

/// A reload that reads every file anew (another `max_file_size`) counts and
/// logs only the files whose standing changed: a file rejected before and
/// still rejected for the same reason is not counted or named again, nor
/// are unchanged warnings; a file the new cap rejects is, once.
#[test]
fn a_reload_that_reads_the_store_anew_says_only_what_changed() {
    let long = format!("Dài {}", "chữ ".repeat(40));
    let (_dir, store, config) = site(&[
        (
            "thu.txt".to_owned(),
            article(WRONG_WEEKDAY, "thứ").into_bytes(),
        ),
        ("rong.txt".to_owned(), Vec::new()),
        ("dai.txt".to_owned(), article(CLEAN, &long).into_bytes()),
    ]);
    let original = std::fs::read_to_string(&config).unwrap();
    let d = start(&config);
    d.log_line("rejected: ");
    assert_eq!(d.metric("bantin_files_rejected_total"), Some(1.0));
    let reloads = |d: &Daemon| d.stderr().matches("configuration reloaded").count();

    std::fs::write(&config, format!("max_file_size = 100000\n{original}")).unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("the first reload", || reloads(&d) == 1);
    let log = d.stderr();
    assert_eq!(d.metric("bantin_files_rejected_total"), Some(1.0), "{log}");
    assert_eq!(log_lines(&d, "rejected: ", "rong.txt"), 1, "{log}");
    assert_eq!(log_lines(&d, "warning: weekday", "thu.txt"), 1, "{log}");
    assert!(!log.contains("not named"), "{log}");

    // A cap that dai.txt is over: it alone is rejected anew.
    let size = std::fs::metadata(store.join("t/dai.txt")).unwrap().len();
    std::fs::write(&config, format!("max_file_size = {}\n{original}", size - 1)).unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("the second reload", || reloads(&d) == 2);
    let log = d.stderr();
    assert_eq!(d.metric("bantin_files_rejected_total"), Some(2.0), "{log}");
    assert_eq!(log_lines(&d, "rejected: ", "dai.txt"), 1, "{log}");
    assert_eq!(log_lines(&d, "rejected: ", "rong.txt"), 1, "{log}");
    assert_eq!(log_lines(&d, "warning: weekday", "thu.txt"), 1, "{log}");
}

/// A file repeating one fault on every line (here 5,000 empty `Tác giả:`
/// lines) logs its first 20 warnings and one line saying how many more there
/// are, at start and on each save, not one line per fault; `bantin check`
/// lists the same.
#[test]
fn a_file_lists_its_first_twenty_warnings_and_counts_the_rest() {
    let body = format!(
        "{}{}",
        article(CLEAN, "nhiều dòng trống"),
        "Tác giả:\n".repeat(5_000)
    );
    let (_dir, store, config) = site(&[("nhieu.txt".to_owned(), body.clone().into_bytes())]);
    let file = store.join("t/nhieu.txt");
    let path = file.display().to_string();
    let d = start(&config);
    let more = "4980 more warnings (lines 26 to 5005) not listed (a file lists its first 20)";
    d.log_line(more);
    assert_eq!(
        log_lines(&d, "line without a name", &path),
        20,
        "{}",
        d.stderr()
    );
    assert_eq!(d.metric("bantin_files_with_warnings"), Some(1.0));

    // Saved again with a changed title: 20 more lines and one count.
    std::fs::write(&file, body.replace("nhiều dòng trống", "vẫn nhiều dòng")).unwrap();
    d.wait_until("the save's warnings", || log_lines(&d, more, &path) == 2);
    assert_eq!(
        log_lines(&d, "line without a name", &path),
        40,
        "{}",
        d.stderr()
    );

    let (_, reports) = common::check_json(Some(&config), &[&file]);
    let warnings = reports[0]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 21, "{warnings:?}");
    assert_eq!(reports[0]["warnings_left_out"], 4980);
    assert!(
        warnings[20].as_str().unwrap().contains(more),
        "{warnings:?}"
    );
    // Its summary counts every warning, not the lines listed.
    let out = common::bantin(["check".as_ref(), file.as_os_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 files: 1 ok, 0 rejected, 5000 warnings"),
        "{stdout}"
    );
}
