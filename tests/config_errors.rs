//! A sysadmin's config mistakes, as `bantin config check` and `bantin serve` report
//! them: every unknown or mistyped key, each with its table, file, line and the
//! lines around it, and exit code 64.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::ffi::OsStr;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use common::{bantin, run, TempStore};

/// How long a command that must refuse its config may take.
const LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// A temp dir holding `config.toml` with exactly `toml`, and an empty `feeds`
/// folder, the default store next to it (a missing store is a problem too).
fn config_file(toml: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, toml).unwrap();
    std::fs::create_dir(dir.path().join("feeds")).unwrap();
    (dir, path)
}

/// `bantin config check --config FILE` on `toml`: the exit code and stderr.
fn config_check(toml: &str) -> (Option<i32>, String, PathBuf) {
    let (_dir, path) = config_file(toml);
    let out = bantin([
        "config".as_ref(),
        "check".as_ref(),
        "--config".as_ref(),
        path.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), stderr, path)
}

/// The stderr line that starts the report of the problem at `line` of `path`.
fn problem_line<'a>(stderr: &'a str, path: &std::path::Path, line: usize) -> &'a str {
    let start = format!("bantin: {}:{line}:", path.display());
    stderr
        .lines()
        .find(|l| l.starts_with(&start))
        .unwrap_or_else(|| panic!("no problem reported at line {line}:\n{stderr}"))
}

/// Asserts that the problem reported at `line` of `path` mentions `needle`.
fn assert_problem(stderr: &str, path: &std::path::Path, line: usize, needle: &str) {
    assert!(
        problem_line(stderr, path, line).contains(needle),
        "{stderr}"
    );
}

#[test]
fn every_unknown_key_is_reported_with_its_table_and_line() {
    let toml = "\
listen = \"127.0.0.1:8080\"

[site]
title = \"Tin\"
colour = \"red\"

[http]
cache_max_age = 60
max_conns = 5
";
    let (code, stderr, path) = config_check(toml);
    assert_eq!(code, Some(64), "{stderr}");
    let site = problem_line(&stderr, &path, 5);
    assert!(site.contains("[site] colour"), "{site}");
    let http = problem_line(&stderr, &path, 9);
    assert!(http.contains("[http] max_conns"), "{http}");
    assert!(
        stderr.contains("2 problems"),
        "the last line counts the problems:\n{stderr}"
    );
    assert!(
        stderr.trim_end().ends_with("`bantin config check`"),
        "the last line says how to check again:\n{stderr}"
    );
}

#[test]
fn a_close_miss_suggests_the_known_key() {
    // Misspelt in its own table, and put in the wrong table.
    let (code, stderr, path) = config_check("[feeds]\nitmes = 20\n\n[site]\nmax_items = 20\n");
    assert_eq!(code, Some(64), "{stderr}");
    let typo = problem_line(&stderr, &path, 2);
    assert!(
        typo.contains("[feeds] itmes") && typo.contains("did you mean [feeds] items?"),
        "{typo}"
    );
    let misplaced = problem_line(&stderr, &path, 5);
    assert!(
        misplaced.contains("[site] max_items") && misplaced.contains("did you mean [feeds] items?"),
        "{misplaced}"
    );
}

#[test]
fn the_snippet_keeps_its_line_breaks() {
    let (code, stderr, path) = config_check("[site]\ntitle = \"Tin\"\ntitel = \"Tin\"\n");
    assert_eq!(code, Some(64), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(&format!("bantin: {}:3:1:", path.display())))
        .unwrap_or_else(|| panic!("no problem at 3:1:\n{stderr}"));
    // The offending line, numbered, on a line of its own, and a caret line
    // under the key on the next.
    let source = lines
        .get(at + 1..at + 4)
        .unwrap_or_else(|| panic!("no snippet:\n{stderr}"));
    let shown = source
        .iter()
        .position(|l| l.trim_start().starts_with("3 | titel = \"Tin\""))
        .unwrap_or_else(|| panic!("line 3 not shown on its own line:\n{stderr}"));
    let caret = source.get(shown + 1).copied().unwrap_or_default();
    let bar = source[shown].find('|').unwrap();
    assert_eq!(
        caret.find('^'),
        Some(bar + 2),
        "the caret points at the key:\n{stderr}"
    );
    assert!(
        caret.contains("^^^^^") && !caret.contains("^^^^^^"),
        "{caret}"
    );
}

#[test]
fn a_type_error_names_table_key_and_line() {
    let (code, stderr, path) = config_check("[feeds]\nttl = 60\nitems = \"twenty\"\n");
    assert_eq!(code, Some(64), "{stderr}");
    let line = problem_line(&stderr, &path, 3);
    assert!(
        line.contains(&format!("{}:3:9:", path.display())),
        "the column of the value: {line}"
    );
    assert!(line.contains("[feeds] items"), "{line}");
    assert!(line.contains("string"), "says what was found: {line}");
}

#[test]
fn unknown_keys_type_errors_and_bad_values_are_all_reported_at_once() {
    let toml = "\
listen = \"nope\"
colour = \"red\"

[http]
max_connections = \"many\"

[feeds.categories.\"tin-tuc\"]
itemz = 5
";
    let (_dir, path) = config_file(toml);
    for serve in [&[][..], &["serve"][..]] {
        let mut args: Vec<&std::ffi::OsStr> = serve.iter().map(|s| s.as_ref()).collect();
        args.extend(["--config".as_ref(), path.as_os_str()]);
        let out = bantin(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{stderr}");
        assert_problem(&stderr, &path, 1, "listen");
        assert_problem(&stderr, &path, 2, "colour");
        assert_problem(&stderr, &path, 5, "[http] max_connections");
        assert_problem(&stderr, &path, 8, "[feeds.categories.tin-tuc] itemz");
        assert!(stderr.contains("4 problems"), "{stderr}");
    }
}

#[test]
fn a_syntax_error_shows_its_line() {
    let (code, stderr, path) = config_check("[site]\ntitle = \"Tin\n");
    assert_eq!(code, Some(64), "{stderr}");
    let line = problem_line(&stderr, &path, 2);
    assert!(line.contains("TOML"), "{line}");
    assert!(
        stderr
            .lines()
            .any(|l| l.trim_start().starts_with("2 | title = \"Tin")),
        "{stderr}"
    );
}

#[test]
fn a_hub_that_is_not_http_is_refused_naming_the_key() {
    let (code, stderr, path) =
        config_check("[websub]\nhubs = [\"https://hub.example/\", \"ftp://x\"]\n");
    assert_eq!(code, Some(64), "{stderr}");
    let line = problem_line(&stderr, &path, 2);
    assert!(
        line.contains("[websub] hubs") && line.contains("ftp://x"),
        "{stderr}"
    );
}

/// `config check --quiet`, what the unit runs before every reload: silent on a
/// good config, the same report and exit 64 on a bad one.
#[test]
fn quiet_check_prints_nothing_for_a_good_config_and_everything_for_a_bad_one() {
    let (_dir, good) = config_file("listen = \"127.0.0.1:8080\"\n");
    let out = bantin([
        "config",
        "check",
        "--quiet",
        "--config",
        good.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let loud = bantin(["config", "check", "--config", good.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&loud.stdout).contains("listen = \"127.0.0.1:8080\""));

    let (_dir, bad) = config_file("[http]\nmax_conns = 5\n");
    let out = bantin(["config", "check", "-q", "--config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(64));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[http] max_conns"), "{stderr}");

    // A usable config with a warning (hubs set, base_url on loopback): quiet
    // says nothing, since the daemon logs it on the reload the unit checks
    // for; the plain check says it.
    let (_dir, warned) = config_file("[websub]\nhubs = [\"http://127.0.0.1:9/\"]\n");
    let quiet = bantin([
        "config",
        "check",
        "-q",
        "--config",
        warned.to_str().unwrap(),
    ]);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    let loud = bantin(["config", "check", "--config", warned.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&loud.stderr).contains("warning: "));
}

/// `bantin config check` and `bantin serve` on a config whose `store` is
/// `store`: each must exit 64 naming the file, the key, the resolved path and
/// `what` (part of the OS error).
fn assert_bad_store(dir: &Path, store: &Path, what: &str) {
    let config = dir.join("config.toml");
    let value = toml::Value::String(store.to_str().unwrap().to_owned());
    std::fs::write(
        &config,
        format!("listen = \"127.0.0.1:0\"\nstore = {value}\n"),
    )
    .unwrap();
    for command in [&["config", "check", "--quiet"][..], &["serve"][..]] {
        let mut args: Vec<&OsStr> = command.iter().map(OsStr::new).collect();
        args.extend([OsStr::new("--config"), config.as_os_str()]);
        // Bounded: a daemon that starts anyway is killed and the test fails.
        let (status, stderr) = run(&args);
        assert_eq!(
            status.code(),
            Some(64),
            "{command:?} {}:\n{stderr}",
            store.display()
        );
        let line = stderr
            .lines()
            .find(|l| l.contains("`store`"))
            .unwrap_or_else(|| panic!("{command:?}: no line names `store`:\n{stderr}"));
        let at = format!("bantin: {}:2:9:", config.display());
        assert!(
            line.starts_with(&at),
            "{command:?}: names the file and line: {line}"
        );
        assert!(line.contains(&store.display().to_string()), "{line}");
        assert!(
            line.contains(what),
            "{command:?}: says why ({what}): {line}"
        );
        assert!(line.contains("set `store`"), "says what to do: {line}");
    }
}

#[test]
fn a_store_that_is_missing_or_not_a_folder_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file.txt");
    std::fs::write(&file, "not a store").unwrap();
    let looping = dir.path().join("loop");
    std::os::unix::fs::symlink(&looping, &looping).unwrap();
    assert_bad_store(dir.path(), &dir.path().join("missing"), "No such file");
    assert_bad_store(dir.path(), &file, "Not a directory");
    // Unreadable for root too: a path through a file, and a symlink loop.
    assert_bad_store(dir.path(), &file.join("store"), "Not a directory");
    assert_bad_store(dir.path(), &looping, "symbolic links");
}

#[test]
fn an_unreadable_store_is_a_config_error() {
    if rustix::process::geteuid().is_root() {
        eprintln!(
            "skipped: root reads a folder of mode 000 (the unreadable cases root \
             cannot bypass are in a_store_that_is_missing_or_not_a_folder_is_a_config_error)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir(&store).unwrap();
    std::fs::write(store.join("a.txt"), "x").unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o000)).unwrap();
    assert_bad_store(dir.path(), &store, "Permission denied");
    // Listable but not enterable: no file in it could be opened.
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert_bad_store(dir.path(), &store, "Permission denied");
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn a_relative_store_is_checked_where_the_daemon_reads_it() {
    // Relative to the config file's folder, not the working directory (which
    // `bantin` runs in an empty temp folder that has no `articles` either).
    let (dir, path) = config_file("store = \"articles\"\n");
    let out = bantin([
        "config".as_ref(),
        "check".as_ref(),
        "--config".as_ref(),
        path.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{stderr}");
    let resolved = dir.path().join("articles");
    assert!(
        stderr.contains(&format!("{:?}", resolved.display().to_string())),
        "{stderr}"
    );
    std::fs::create_dir(&resolved).unwrap();
    let out = bantin([
        "config".as_ref(),
        "check".as_ref(),
        "--config".as_ref(),
        path.as_os_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_bad_store_is_reported_with_the_other_problems() {
    let (_dir, path) = config_file("store = \"missing\"\ncolour = \"red\"\n");
    let out = bantin([
        "config".as_ref(),
        "check".as_ref(),
        "--config".as_ref(),
        path.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{stderr}");
    assert_problem(&stderr, &path, 1, "`store`");
    assert_problem(&stderr, &path, 2, "colour");
    assert!(stderr.contains("2 problems"), "{stderr}");
}

#[test]
fn a_missing_store_given_with_the_flag_names_the_flag() {
    let (dir, path) = config_file("");
    let missing = dir.path().join("missing");
    let (status, stderr) = run(&[
        "--config".as_ref(),
        path.as_os_str(),
        "--store".as_ref(),
        missing.as_os_str(),
        "--listen".as_ref(),
        "127.0.0.1:0".as_ref(),
    ]);
    assert_eq!(status.code(), Some(64), "{stderr}");
    assert!(
        stderr.contains("--store") && stderr.contains("`store`"),
        "{stderr}"
    );
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
}

#[test]
fn a_reload_onto_a_bad_store_keeps_serving_the_old_one() {
    let site = TempStore::new();
    let d = site.start();
    let before = d.get("/feed.json", &[]);
    assert_eq!(before.status, 200);
    let missing = site.store().with_file_name("gone");
    let config = std::fs::read_to_string(site.config()).unwrap();
    let value = toml::Value::String(missing.to_str().unwrap().to_owned());
    let moved: String = config
        .lines()
        .map(|l| {
            if l.starts_with("store =") {
                format!("store = {value}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(site.config(), moved).unwrap();
    d.signal(rustix::process::Signal::HUP);
    let line = d.log_line("keeping the running configuration");
    assert!(line.contains("`store`") && line.contains("gone"), "{line}");
    let after = d.get("/feed.json", &[]);
    assert_eq!(after.status, 200);
    assert_eq!(after.header("etag"), before.header("etag"));
}

#[test]
fn base_url_with_a_path_fragment_userinfo_or_query_is_refused() {
    for (url, why) in [
        ("https://tin.example.vn/news", "no path"),
        ("https://tin.example.vn/news/", "no path"),
        ("https://tin.example.vn/#frag", "fragment"),
        ("https://tin.example.vn#", "fragment"),
        ("https://user:pw@tin.example.vn", "password"),
        ("https://user@tin.example.vn/", "user name"),
        ("https://tin.example.vn/?a=1", "query"),
        ("ftp://tin.example.vn", "http://"),
    ] {
        let (code, stderr, path) = config_check(&format!("[site]\nbase_url = \"{url}\"\n"));
        assert_eq!(code, Some(64), "{url}: {stderr}");
        let line = problem_line(&stderr, &path, 2);
        assert!(
            line.contains("[site] base_url = ") && line.contains(url),
            "{line}"
        );
        assert!(line.contains(why), "{url}: says why ({why}): {line}");
    }
    let (code, stderr, _) = config_check("[site]\nbase_url = \"https://tin.example.vn/news\"\n");
    assert_eq!(code, Some(64));
    assert!(stderr.contains("subdomain"), "says what to do: {stderr}");
    for url in [
        "https://tin.example.vn",
        "https://tin.example.vn/",
        "http://127.0.0.1:8080",
    ] {
        let (code, stderr, _) = config_check(&format!("[site]\nbase_url = \"{url}\"\n"));
        assert_eq!(code, Some(0), "{url}: {stderr}");
    }
}

#[test]
fn serve_options_before_a_subcommand_are_refused() {
    let (_dir, path) = config_file("listen = \"127.0.0.1:0\"\n");
    for args in [
        &["--store", "/srv/x", "serve"][..],
        &["--listen", "127.0.0.1:0", "serve"][..],
        &["--store", "/srv/x", "build", "--dry-run"][..],
        &["--listen", "127.0.0.1:0", "config", "check"][..],
        &["--store", "/srv/x", "check", "a.txt"][..],
    ] {
        let mut full: Vec<&OsStr> = vec!["--config".as_ref(), path.as_os_str()];
        full.extend(args.iter().map(OsStr::new));
        // Bounded: a daemon that starts anyway is stopped and the test fails.
        let (status, stderr) = run(&full);
        assert_eq!(status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(args[0]),
            "{args:?} names the option: {stderr}"
        );
    }
    // `--config` is global; `--store` and `--listen` still work without a
    // subcommand and after `serve`, as the daemon tests run them.
    let o = bantin([
        "--config".as_ref(),
        path.as_os_str(),
        "config".as_ref(),
        "check".as_ref(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_category_override_for_no_category_is_warned_of_at_start_and_reload() {
    let site =
        TempStore::with_config("[feeds.categories.\"tin-tuc/thoisu\"]\ntitle = \"Thời sự\"\n");
    let d = site.start();
    let key = "[feeds.categories.\"tin-tuc/thoisu\"]";
    d.wait_until("the warning", || d.stderr().contains(key));
    let err = d.stderr();
    let line = err.lines().find(|l| l.contains(key)).unwrap();
    assert!(line.contains("WARN"), "{line}");
    assert!(
        line.contains(&site.config().display().to_string()),
        "{line}"
    );
    assert!(line.contains("did you mean \"tin-tuc/thoi-su\"?"), "{line}");
    // The overrides that match are not warned of.
    let config = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(
        site.config(),
        format!("{config}\n[feeds.categories.\"thong-bao\"]\nitems = 2\n[feeds.categories.\"khong-co\"]\nitems = 2\n"),
    )
    .unwrap();
    d.signal(rustix::process::Signal::HUP);
    d.wait_until("the warning after the reload", || {
        d.stderr().contains("[feeds.categories.khong-co]")
    });
    assert!(
        !d.stderr().contains("[feeds.categories.thong-bao]"),
        "{}",
        d.stderr()
    );
}

/// `bantin config check` on a bad config with stderr in a file, and
/// `JOURNAL_STREAM` as `journal` says: what it wrote to stderr.
fn check_with_stderr_in_a_file(journal: impl Fn(&std::fs::Metadata) -> Option<String>) -> String {
    let (dir, path) = config_file("[http]\nmax_conns = 5\n");
    let log = dir.path().join("stderr");
    let file = std::fs::File::create(&log).unwrap();
    let meta = file.metadata().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"));
    command
        .args([
            "config".as_ref(),
            "check".as_ref(),
            "--config".as_ref(),
            path.as_os_str(),
        ])
        .current_dir(dir.path())
        .env_remove("BANTIN_CONFIG")
        .env_remove("JOURNAL_STREAM")
        .env("RUST_LOG", "off")
        .stdout(std::process::Stdio::null())
        .stderr(file);
    if let Some(stream) = journal(&meta) {
        command.env("JOURNAL_STREAM", stream);
    }
    let status = command.status().unwrap();
    assert_eq!(status.code(), Some(64));
    std::fs::read_to_string(&log).unwrap()
}

#[test]
fn config_errors_carry_the_error_priority_on_the_journal_only() {
    let journal = check_with_stderr_in_a_file(|m| Some(format!("{}:{}", m.dev(), m.ino())));
    assert!(journal.contains("[http] max_conns"), "{journal}");
    for line in journal.lines() {
        assert!(
            line.starts_with("<3>"),
            "every line, snippets too: {journal}"
        );
    }
    let plain = check_with_stderr_in_a_file(|_| None);
    assert!(
        plain.starts_with("bantin: ") && !plain.contains("<3>"),
        "{plain}"
    );
    // Inherited from a parent whose stderr was the journal: not this stderr.
    let other = check_with_stderr_in_a_file(|m| Some(format!("{}:{}", m.dev(), m.ino() + 1)));
    assert!(!other.contains("<3>"), "{other}");
}

#[test]
fn every_duration_and_age_has_an_upper_bound() {
    // Each of these passed `config check` and then panicked a thread when
    // added to a clock (or, for max-age, promised more than RFC 9111 §1.2.2
    // lets a cache hold).
    for (table, key, value, range) in [
        (
            "http",
            "header_timeout_secs",
            "9223372036854775807",
            "from 1 to 86400 (seconds)",
        ),
        (
            "http",
            "shutdown_grace_secs",
            "9223372036854775807",
            "from 0 to 86400 (seconds",
        ),
        (
            "http",
            "cache_max_age",
            "4294967295",
            "from 0 to 31536000 (seconds, up to a year)",
        ),
        (
            "watch",
            "reconcile_secs",
            "9223372036854775807",
            "from 1 to 604800 (seconds, up to a week)",
        ),
        (
            "watch",
            "debounce_ms",
            "9223372036854775807",
            "from 0 to 60000 (milliseconds, up to a minute)",
        ),
    ] {
        let (code, stderr, path) = config_check(&format!("[{table}]\n{key} = {value}\n"));
        assert_eq!(code, Some(64), "{key}: {stderr}");
        // The value as written in the file, not as a string.
        assert_problem(
            &stderr,
            &path,
            2,
            &format!("[{table}] {key} = {value}: expected a whole number {range}"),
        );
    }
}

#[test]
fn max_file_size_has_a_ceiling_so_a_stray_huge_file_is_never_read_whole() {
    // Accepted before, a size of 100 GB let a 40 GB file dropped in the store
    // be read into memory whole.
    let (code, stderr, path) = config_check("max_file_size = 100000000000\n");
    assert_eq!(code, Some(64), "{stderr}");
    assert_problem(
        &stderr,
        &path,
        1,
        ": max_file_size = 100000000000: expected a whole number from 1 to 67108864 \
         (bytes, up to 64 MiB)",
    );
    let (code, stderr, _) = config_check("max_file_size = 67108864\n");
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn the_config_is_logged_resolved_and_a_moved_state_dir_asks_for_a_restart() {
    let site = TempStore::with_config("");
    let folder = site.config().parent().unwrap().to_owned();
    let d = common::Daemon::start_in(&folder, &["--config".as_ref(), "config.toml".as_ref()]);
    let line = d.log_line("configuration: ");
    assert!(
        line.ends_with(&format!("configuration: {}", site.config().display())),
        "the path as resolved, not as given: {line}"
    );
    let config = std::fs::read_to_string(site.config()).unwrap();
    std::fs::write(
        site.config(),
        format!("{config}\n[state]\ndir = \"moved-state\"\n"),
    )
    .unwrap();
    d.signal(rustix::process::Signal::HUP);
    let warning = d.log_line("`[state] dir` changed");
    assert!(
        warning.contains("WARN")
            && warning.contains(&folder.join("moved-state").display().to_string())
            && warning.contains("restart bantin"),
        "{warning}"
    );
}

#[test]
fn a_bad_body_dir_is_reported_with_the_other_problems_at_its_value() {
    let toml = "[http]\nbody_dir = \"/nonexistent/bodies\"\nbogus = 1\n[feeds]\nitems = 0\n";
    let (code, stderr, path) = config_check(toml);
    assert_eq!(code, Some(64), "{stderr}");
    let line = problem_line(&stderr, &path, 2);
    assert!(
        line.contains(&format!("{}:2:12:", path.display()))
            && line.contains("[http] body_dir = \"/nonexistent/bodies\"")
            && line.contains("create it"),
        "{stderr}"
    );
    assert_problem(&stderr, &path, 3, "[http] bogus");
    assert_problem(&stderr, &path, 5, "[feeds] items = 0:");
    assert!(stderr.contains("3 problems"), "{stderr}");
}

#[test]
fn wrong_types_and_ranges_are_worded_for_a_sysadmin_with_the_documented_range() {
    let toml = "\
site = 5
store = 5
[feeds]
items = \"50\"
[http]
cache_max_age = -1
header_timeout_secs = 0
";
    let (code, stderr, path) = config_check(toml);
    assert_eq!(code, Some(64), "{stderr}");
    assert_problem(&stderr, &path, 1, "expected a table `[site]`");
    assert_problem(&stderr, &path, 2, "expected a path in quotes");
    assert_problem(
        &stderr,
        &path,
        4,
        "[feeds] items = \"50\": found a string in quotes; expected a whole number from 1 to 1000",
    );
    // Out of its type's range, or of the documented one: the same words.
    assert_problem(
        &stderr,
        &path,
        6,
        "cache_max_age = -1: expected a whole number from 0 to 31536000",
    );
    assert_problem(
        &stderr,
        &path,
        7,
        "[http] header_timeout_secs = 0: expected a whole number from 1 to 86400",
    );
    for rust in ["usize", "u32", "u64", "struct", "path string"] {
        assert!(!stderr.contains(rust), "{rust}: {stderr}");
    }
}

#[test]
fn a_config_that_is_not_utf8_names_the_line_and_column_of_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, b"[site]\ntitle = \"B\xe1n tin\"\n").unwrap();
    let out = bantin([
        "config".as_ref(),
        "check".as_ref(),
        "--config".as_ref(),
        path.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{stderr}");
    let line = problem_line(&stderr, &path, 2);
    assert!(
        line.contains(&format!("{}:2:11:", path.display()))
            && line.contains("0xe1")
            && line.contains("save the file as UTF-8"),
        "{stderr}"
    );
}

#[test]
fn with_no_config_file_the_report_says_what_was_looked_for() {
    // `bantin` runs in an empty folder: no ./config.toml, and so no store.
    let out = bantin(["config", "check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if std::path::Path::new("/etc/bantin/config.toml").exists() {
        eprintln!("SKIPPED: /etc/bantin/config.toml exists here");
        return;
    }
    assert_eq!(out.status.code(), Some(64), "{stderr}");
    assert!(
        stderr.contains("no config file")
            && stderr.contains("--config")
            && stderr.contains("$BANTIN_CONFIG")
            && stderr.contains("./config.toml")
            && stderr.contains("/etc/bantin/config.toml"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("<config>") && !stderr.contains("config file's folder"),
        "{stderr}"
    );
}

#[test]
fn a_per_client_unsent_budget_over_the_total_is_refused_at_its_line() {
    let (code, stderr, path) =
        config_check("[http]\nmax_unsent_bytes = 1048576\nmax_unsent_bytes_per_client = 2097152\n");
    assert_eq!(code, Some(64), "{stderr}");
    assert_problem(&stderr, &path, 3, "max_unsent_bytes_per_client");
    assert!(stderr.contains("1048576"), "{stderr}");
    // 0 per client (behind a reverse proxy) keeps the total alone.
    let (code, stderr, _) =
        config_check("[http]\nmax_unsent_bytes = 1048576\nmax_unsent_bytes_per_client = 0\n");
    assert_eq!(code, Some(0), "{stderr}");
}

/// The two unsent budgets are checked together: a conflict is one problem,
/// put at a value the file sets (the per-client share when it does, else the
/// total), never at a default the file does not write; and none when one of
/// the two was refused already.
#[test]
fn an_unsent_budget_conflict_is_one_problem_at_a_value_the_file_sets() {
    let one_problem = |toml: &str, line: usize, column: usize, needle: &str| {
        let (code, stderr, path) = config_check(toml);
        assert_eq!(code, Some(64), "{toml}: {stderr}");
        let at = problem_line(&stderr, &path, line);
        assert!(
            at.starts_with(&format!("bantin: {}:{line}:{column}: ", path.display())),
            "{toml}: {at}"
        );
        assert!(at.contains(needle), "{toml}: {needle} in {at}");
        assert!(
            stderr.contains("1 problem in") && !stderr.contains("67108864:"),
            "{toml}: one problem, none at the default: {stderr}"
        );
    };
    one_problem(
        "[http]\nmax_unsent_bytes_per_client = 100\nmax_unsent_bytes = 10\n",
        2,
        31,
        "[http] max_unsent_bytes_per_client = 100: must not be more than max_unsent_bytes (10); \
         lower it, or raise max_unsent_bytes (0 means no limit per client)",
    );
    one_problem(
        "[http]\nmax_unsent_bytes = 10\n",
        2,
        20,
        "[http] max_unsent_bytes = 10: must not be less than max_unsent_bytes_per_client \
         (67108864, the default",
    );
    one_problem(
        "[http]\nmax_unsent_bytes_per_client = 400000000\n",
        2,
        31,
        "max_unsent_bytes (268435456, the default); lower it, or raise max_unsent_bytes",
    );
    // The total refused for its type: its default is no one's choice.
    one_problem(
        "[http]\nmax_unsent_bytes_per_client = 400000000\nmax_unsent_bytes = -1\n",
        3,
        20,
        "[http] max_unsent_bytes = -1: expected a whole number",
    );
}

/// A config file that cannot be read is reported with where its path came
/// from (`--config`, `$BANTIN_CONFIG`, whichever named the file used) and
/// what to do, by `config check` and `serve` alike, with exit 64.
#[test]
fn a_config_that_cannot_be_read_names_where_its_path_came_from() {
    let (dir, good) = config_file("listen = \"127.0.0.1:0\"\n");
    let missing = dir.path().join("missing.toml");
    let folder = dir.path().join("feeds");
    let missing_s = missing.display().to_string();
    let folder_s = folder.display().to_string();
    let run = |args: &[&OsStr], env: Option<&Path>| {
        let launch = common::Launch {
            cwd: Some(dir.path()),
            env: env
                .map(|p| ("BANTIN_CONFIG", p.as_os_str().to_owned()))
                .into_iter()
                .collect(),
            ..common::Launch::default()
        };
        // Bounded: a daemon that starts anyway is killed and the test fails.
        let (status, stderr) = common::Daemon::spawn(args, &launch).wait(LIMIT);
        assert_eq!(
            status.and_then(|s| s.code()),
            Some(64),
            "{args:?}: {stderr}"
        );
        stderr
    };
    let check = [OsStr::new("config"), OsStr::new("check")];
    for (args, env, path, from, what) in [
        (
            &check[..],
            Some(missing.as_path()),
            &missing_s,
            "given with $BANTIN_CONFIG",
            "unset it",
        ),
        (
            &[OsStr::new("serve")][..],
            Some(missing.as_path()),
            &missing_s,
            "given with $BANTIN_CONFIG",
            "unset it",
        ),
        (
            &[
                OsStr::new("config"),
                OsStr::new("check"),
                OsStr::new("--config"),
                folder.as_os_str(),
            ][..],
            None,
            &folder_s,
            "given with --config",
            "it is a folder: name the config file itself",
        ),
        // The flag wins over the variable, and is the one named.
        (
            &[
                OsStr::new("serve"),
                OsStr::new("--config"),
                missing.as_os_str(),
            ][..],
            Some(good.as_path()),
            &missing_s,
            "given with --config",
            "leave --config out",
        ),
        (
            &[
                OsStr::new("--config"),
                missing.as_os_str(),
                OsStr::new("config"),
                OsStr::new("check"),
            ][..],
            Some(good.as_path()),
            &missing_s,
            "given with --config",
            "check the path",
        ),
    ] {
        let stderr = run(args, env);
        let line = stderr
            .lines()
            .find(|l| l.starts_with("bantin: cannot read config "))
            .unwrap_or_else(|| panic!("{args:?}: {stderr}"));
        assert!(
            line.starts_with(&format!("bantin: cannot read config {path}, {from}: ")),
            "{args:?}: {line}"
        );
        assert!(
            line.contains(what),
            "{args:?}: says what to do ({what}): {line}"
        );
    }
}

/// Under systemd (`INVOCATION_ID` set), a store the shipped unit's sandbox
/// hides is refused naming the unit's setting, since chmod or mkdir cannot
/// fix it; outside systemd the usual advice stands. A `base_url` with no
/// scheme says what a URL looks like.
#[test]
fn a_store_the_sandbox_hides_names_the_setting_under_systemd() {
    // Under /tmp whatever TMPDIR says, and never made.
    let missing = PathBuf::from(format!("/tmp/bantin-no-store-{}/gone", std::process::id()));
    let toml = format!(
        "store = {}\nlisten = \"127.0.0.1:0\"\n",
        toml::Value::String(missing.to_str().unwrap().to_owned())
    );
    let (_dir, path) = config_file(&toml);
    let run = |systemd: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"));
        command
            .args(["serve".as_ref(), "--config".as_ref(), path.as_os_str()])
            .env_remove("BANTIN_CONFIG")
            .env_remove("JOURNAL_STREAM")
            .env_remove("INVOCATION_ID")
            .env("RUST_LOG", "off");
        if systemd {
            command.env("INVOCATION_ID", "0123456789abcdef0123456789abcdef");
        }
        let out = command.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(true);
    assert_eq!(code, Some(64), "{stderr}");
    assert!(
        stderr.contains("PrivateTmp=yes") && stderr.contains("create it"),
        "the usual advice, then the unit's: {stderr}"
    );
    let (code, stderr) = run(false);
    assert_eq!(code, Some(64), "{stderr}");
    assert!(
        !stderr.contains("PrivateTmp") && stderr.contains("create it"),
        "{stderr}"
    );

    let (code, stderr, _) = config_check("[site]\nbase_url = \"feeds.example.vn\"\n");
    assert_eq!(code, Some(64));
    assert!(
        stderr.contains("such as \"https://tin.example.vn\""),
        "{stderr}"
    );
}

/// Every text setting that goes into feeds and pages is refused, naming its
/// key and value at its line, when it holds a character XML 1.0 forbids
/// (every feed would then not be well-formed), another control character,
/// U+FEFF, or a bidirectional embedding, override or isolate; a title also
/// when it is empty, shows nothing or is not one line. A description may
/// run over lines.
#[test]
fn text_settings_that_feeds_cannot_carry_are_refused_at_their_value() {
    for (table, key, value, why) in [
        ("site", "title", r#""B\u0001n tin""#, "U+0001"),
        ("site", "description", r#""Tin\u001Bmới""#, "U+001B"),
        ("site", "description", r#""Tin\uFFFE""#, "U+FFFE"),
        ("site", "title", r#""Bản\u0085tin""#, "U+0085"),
        ("site", "title", r#""Bản\ntin""#, "line break"),
        ("site", "title", r#""Bản	tin""#, "a tab"),
        (
            "feeds.categories.\"tin-tuc\"",
            "title",
            r#""Tin\u0001tức""#,
            "U+0001",
        ),
        (
            "feeds.categories.\"tin-tuc\"",
            "description",
            r#""Tin\u007F""#,
            "U+007F",
        ),
        (
            "feeds.categories.\"tin-tuc/thoi-su\"",
            "title",
            r#""""#,
            "must not be empty",
        ),
        (
            "feeds.categories.\"tin-tuc/thoi-su\"",
            "title",
            r#""  ""#,
            "must not be empty",
        ),
        // Nothing in it shows: a zero-width space, a soft hyphen, a joiner.
        ("site", "title", r#""\u200B""#, "must not be empty"),
        ("site", "title", r#""\u00AD""#, "must not be empty"),
        (
            "feeds.categories.\"tin-tuc\"",
            "title",
            r#"" \u200D ""#,
            "must not be empty",
        ),
        // An override or isolate would turn around what is shown after it.
        ("site", "title", r#""\u202EBản tin""#, "U+202E"),
        ("site", "title", r#""Bản \u2067tin\u2069""#, "U+2067"),
        ("site", "description", r#""Tin\u202B mới""#, "U+202B"),
        ("site", "title", r#""\uFEFFBản tin""#, "U+FEFF"),
        // Noncharacters, which XML 1.0 allows but asks documents to avoid.
        ("site", "title", r#""Bản\uFDD0 tin""#, "noncharacter"),
        ("site", "description", r#""Tin \U0001FFFF""#, "noncharacter"),
    ] {
        let toml = format!("[{table}]\n{key} = {value}\n");
        let (_dir, path) = config_file(&toml);
        let out = bantin([
            "config".as_ref(),
            "check".as_ref(),
            "--quiet".as_ref(),
            "--config".as_ref(),
            path.as_os_str(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{toml}: {stderr}");
        // At the value as written, with it quoted as the file has it.
        let line = problem_line(&stderr, &path, 2);
        let at = format!("{}:2:{}: ", path.display(), key.len() + 4);
        assert!(line.contains(&at), "{toml}: {line}");
        let shown = if table == "site" {
            format!("[site] {key} = {value}: ")
        } else {
            format!("] {key} = {value}: ")
        };
        // A tab written as it is in the file is shown escaped.
        let shown = shown.replace('\t', "\\t");
        assert!(line.contains(&shown), "{toml}: {shown} in {line}");
        assert!(line.contains(why), "{toml}: says why ({why}): {line}");
        assert!(stderr.contains("1 problem in"), "{toml}: {stderr}");
    }
    // Tabs and line breaks in a description, and any letter or sign, are kept.
    // So are direction marks, which open nothing.
    let good = "[site]\ntitle = \"Bản tin · Tỉnh «Đông» ☀ \\u200Fعربي\\u200E\"\ndescription = \"\"\"\nDòng một\tcột\r\ndòng hai\"\"\"\n\
                [feeds.categories.\"tin-tuc\"]\ntitle = \"Tin tức\"\ndescription = \"\"\n";
    let (code, stderr, _) = config_check(good);
    assert_eq!(code, Some(0), "{stderr}");
}

/// A `./config.toml` that bantin cannot tell is there (a folder on its way
/// it may not search, a symlink loop) is read, and the read's failure
/// reported with the lookup's advice: it is not taken for missing, which
/// would check or serve the next file, or the built-in defaults, instead.
#[test]
fn a_config_the_lookup_cannot_see_is_not_taken_for_missing() {
    let dir = tempfile::tempdir().unwrap();
    let check = |link_to: &Path, cause: &str| {
        let link = dir.path().join("config.toml");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(link_to, &link).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
            .args(["config", "check"])
            .current_dir(dir.path())
            .env_remove("BANTIN_CONFIG")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{cause}: {stderr}");
        let line = stderr
            .lines()
            .find(|l| l.starts_with("bantin: cannot read config "))
            .unwrap_or_else(|| panic!("{cause}: {stderr}"));
        assert!(
            line.contains(", found by the lookup of ./config.toml")
                && line.contains(cause)
                && line.contains("name another config file with --config or $BANTIN_CONFIG"),
            "{line}"
        );
        assert!(!stderr.contains("no config file"), "{stderr}");
    };
    // A symlink to itself: unreadable for root too.
    check(Path::new("config.toml"), "symbolic links");
    // Root searches any folder whatever its mode, so only a user is
    // refused this one (as a sysadmin running `bantin config check`
    // against an /etc/bantin of mode 0700 would be).
    if !rustix::process::geteuid().is_root() {
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::write(locked.join("config.toml"), "").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        check(&locked.join("config.toml"), "Permission denied");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}

#[test]
fn an_empty_path_is_refused_naming_its_key_not_taken_for_the_config_s_folder() {
    let toml = "store = \"\"\n[state]\ndir = \"\"\n[http]\nbody_dir = \"\"\n";
    let (code, stderr, path) = config_check(toml);
    assert_eq!(code, Some(64), "{stderr}");
    for (line, key, default) in [
        (1, "store = \"\"", "the folder `feeds` next to this file"),
        (3, "[state] dir = \"\"", "$STATE_DIRECTORY"),
        (5, "[http] body_dir = \"\"", "$CACHE_DIRECTORY"),
    ] {
        let l = problem_line(&stderr, &path, line);
        assert!(
            l.contains(key)
                && l.contains("an empty path would mean this file's own folder")
                && l.contains("give the folder's path, or remove the key")
                && l.contains(default),
            "{stderr}"
        );
    }
    assert!(stderr.contains("3 problems"), "{stderr}");
}

#[test]
fn a_state_dir_that_is_a_file_is_refused_as_a_body_dir_that_is_one_is() {
    let (dir, path) = config_file("");
    std::fs::write(dir.path().join("taken"), "").unwrap();
    let toml = "[state]\ndir = \"taken\"\n[http]\nbody_dir = \"taken\"\n[feeds]\nitems = 0\n";
    std::fs::write(&path, toml).unwrap();
    let check = |path: &Path| {
        let out = bantin([
            "config".as_ref(),
            "check".as_ref(),
            "--config".as_ref(),
            path.as_os_str(),
        ]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = check(&path);
    assert_eq!(code, Some(64), "{stderr}");
    let state = problem_line(&stderr, &path, 2);
    assert!(
        state.contains(&format!("{}:2:7:", path.display()))
            && state.contains("[state] dir = ")
            && state.contains("is a file, not a folder: set `dir` to a folder"),
        "{stderr}"
    );
    assert_problem(&stderr, &path, 4, "set `body_dir` to a folder, not a file");
    assert_problem(&stderr, &path, 6, "[feeds] items = 0:");
    assert!(stderr.contains("3 problems"), "{stderr}");
    // Through a file on its way, and at start too.
    std::fs::write(&path, "[state]\ndir = \"taken/state\"\n").unwrap();
    let (code, stderr) = check(&path);
    assert_eq!(code, Some(64), "{stderr}");
    assert_problem(&stderr, &path, 2, "a folder on its path is a file");
    let (status, stderr) = run(&[
        "serve".as_ref(),
        "--config".as_ref(),
        path.as_os_str(),
        "--listen".as_ref(),
        "127.0.0.1:0".as_ref(),
    ]);
    assert_eq!(status.code(), Some(64), "{stderr}");
    assert_problem(&stderr, &path, 2, "[state] dir");
    // A missing one is made at start: not a problem.
    std::fs::write(&path, "[state]\ndir = \"new/state\"\n").unwrap();
    let (code, stderr) = check(&path);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn every_bad_entry_of_a_list_is_reported_at_the_entry() {
    let toml = "\
[http]
metrics_from = [\"10.0.0.0/33\", \"127.0.0.1\", \"foo\"]
[websub]
hubs = [
  \"ftp://x\",
  \"https://hub.example/\",
  \"not a url\",
  \"HTTPS://HUB.example\",
]
";
    let (code, stderr, path) = config_check(toml);
    assert_eq!(code, Some(64), "{stderr}");
    let at = |line: usize, column: usize, needle: &str| {
        let start = format!("bantin: {}:{line}:{column}: ", path.display());
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&start) && l.contains(needle)),
            "no problem at {line}:{column} with {needle:?}:\n{stderr}"
        );
    };
    at(2, 17, "[http] metrics_from = \"10.0.0.0/33\": every entry");
    at(2, 45, "[http] metrics_from = \"foo\": every entry");
    at(5, 3, "[websub] hubs = \"ftp://x\": every hub");
    at(7, 3, "[websub] hubs = \"not a url\": every hub");
    at(
        8,
        3,
        "[websub] hubs = \"HTTPS://HUB.example\": is listed twice",
    );
    assert!(stderr.contains("5 problems"), "{stderr}");
}

#[test]
fn a_number_too_large_for_toml_names_its_key_and_range_among_the_other_problems() {
    let toml = "\
store = \"feeds\"
stroe = 1
[feeds]
items = 99999999999999999999
ttl = -1
[http]
max_connections = -99999999999999999999
";
    let (code, stderr, path) = config_check(toml);
    assert_eq!(code, Some(64), "{stderr}");
    assert_problem(&stderr, &path, 2, "unknown key stroe");
    let items = problem_line(&stderr, &path, 4);
    assert!(
        items.contains(&format!("{}:4:9:", path.display()))
            && items.contains("[feeds] items = 99999999999999999999: too large a number for TOML")
            && items.contains("9223372036854775807")
            && items.contains("expected a whole number from 1 to 1000"),
        "{stderr}"
    );
    assert_problem(&stderr, &path, 5, "[feeds] ttl = -1");
    let conns = problem_line(&stderr, &path, 7);
    assert!(
        conns.contains("[http] max_connections = -99999999999999999999")
            && conns.contains("-9223372036854775808")
            && conns.contains("expected a whole number from"),
        "{stderr}"
    );
    assert!(stderr.contains("4 problems"), "{stderr}");
    // The line shown is the file's, not what was put in its place.
    assert!(
        stderr
            .lines()
            .any(|l| l.trim_start() == "4 | items = 99999999999999999999"),
        "{stderr}"
    );
    assert!(conns.contains("too small a number for TOML"), "{stderr}");
}

/// Only a number TOML cannot hold is written over: a decimal with letters
/// after it is bad TOML, reported as such; hexadecimal and underscores
/// are numbers, and text before it in other scripts moves no span.
#[test]
fn a_too_large_number_is_told_from_bad_toml() {
    let (code, stderr, path) = config_check("[feeds]\nitems = 99999999999999999999abc\n");
    assert_eq!(code, Some(64), "{stderr}");
    assert!(stderr.contains("invalid TOML"), "{stderr}");
    assert!(!stderr.contains("too large a number"), "{stderr}");
    let toml = "[site]\ntitle = \"Bản tin 99999999999999999999\"\n[feeds]\nitems = 0xFFFF_FFFF_FFFF_FFFF_FF\n";
    let (code, stderr, path2) = config_check(toml);
    assert_eq!(code, Some(64), "{stderr}");
    let items = problem_line(&stderr, &path2, 4);
    assert!(
        items.contains(&format!("{}:4:9:", path2.display()))
            && items.contains("too large a number for TOML"),
        "{stderr}"
    );
    assert!(stderr.contains("1 problem"), "{stderr}");
    let _ = path;
}
