//! A sysadmin's config mistakes, as `bantin config check` and `bantin serve` report
//! them: every unknown or mistyped key, each with its table, file, line and the
//! lines around it, and exit code 64.

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::bantin;

/// A temp dir holding `config.toml` with exactly `toml`.
fn config_file(toml: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, toml).unwrap();
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
        assert!(
            problem_line(&stderr, &path, 1).contains("listen"),
            "{stderr}"
        );
        assert!(
            problem_line(&stderr, &path, 2).contains("colour"),
            "{stderr}"
        );
        assert!(
            problem_line(&stderr, &path, 5).contains("[http] max_connections"),
            "{stderr}"
        );
        assert!(
            problem_line(&stderr, &path, 8).contains("[feeds.categories.tin-tuc] itemz"),
            "{stderr}"
        );
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

/// `config check --quiet`, what the unit runs before every start: silent on a
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
}
