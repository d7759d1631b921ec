//! `bantin build` on a small fixed store, compared byte for byte with the files in
//! `tests/golden/expected/`. After an intended change to the output, regenerate them
//! with `BANTIN_BLESS=1 cargo test --test golden` and review the diff before committing.
//!
//! A second case, `tests/golden/corrections/`, holds a corrected and a withdrawn
//! article (blessed by the same command).
//!
//! Every article in the golden stores has a date line, so the output never
//! depends on file modification times (git does not keep them).

// Test code: an unwrap that fails is a failing test, which is what it should be.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::read_tree;

const REGENERATE: &str = "BANTIN_BLESS=1 cargo test --test golden";

/// How many differing lines a file's diff shows before it stops.
const MAX_LINES_SHOWN: usize = 5;
/// Characters shown either side of the first difference in a long line.
const CONTEXT: usize = 60;

fn golden() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The part of `line` around char index `at`, marked where it starts and ends.
fn window(line: &str, at: usize) -> String {
    let chars: Vec<char> = line.chars().collect();
    let from = at.saturating_sub(CONTEXT);
    let to = (at + CONTEXT).min(chars.len());
    let mut s = String::new();
    if from > 0 {
        s.push('…');
    }
    s.extend(&chars[from..to]);
    if to < chars.len() {
        s.push('…');
    }
    s
}

/// A short line diff: the first differing lines, each with its number, the
/// expected and the actual text (around the first differing character).
fn diff(file: &str, expected: &[u8], actual: &[u8]) -> String {
    let expected = String::from_utf8_lossy(expected);
    let actual = String::from_utf8_lossy(actual);
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = actual.split('\n').collect();
    let mut out = format!(
        "{file}: differs ({} lines expected, {} actual)\n",
        e.len(),
        a.len()
    );
    let mut shown = 0;
    for n in 0..e.len().max(a.len()) {
        let (el, al) = (e.get(n).copied(), a.get(n).copied());
        if el == al {
            continue;
        }
        if shown == MAX_LINES_SHOWN {
            out.push_str("  … more differing lines\n");
            break;
        }
        shown += 1;
        let (el, al) = (el.unwrap_or("<no line>"), al.unwrap_or("<no line>"));
        let at = el
            .chars()
            .zip(al.chars())
            .take_while(|(x, y)| x == y)
            .count();
        out.push_str(&format!(
            "  line {} (column {}):\n    expected: {}\n    actual:   {}\n",
            n + 1,
            at + 1,
            window(el, at),
            window(al, at)
        ));
    }
    out
}

#[test]
fn build_output_matches_the_golden_files() {
    compare(&golden().join("store"), &golden().join("expected"));
}

#[test]
fn corrections_and_withdrawals_match_their_golden_files() {
    let case = golden().join("corrections");
    compare(&case.join("store"), &case.join("expected"));
}

/// Builds `store` and compares the output with `expected_dir` (or, blessing,
/// writes it there).
fn compare(store: &Path, expected_dir: &Path) {
    let cwd = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
        .arg("build")
        .arg("--out")
        .arg(out.path())
        .arg("--store")
        .arg(store)
        .current_dir(cwd.path())
        .env_remove("BANTIN_CONFIG")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let actual = read_tree(out.path());
    assert!(actual.contains_key("feed.rss"), "nothing was built");

    if std::env::var_os("BANTIN_BLESS").is_some_and(|v| v == "1") {
        if expected_dir.exists() {
            std::fs::remove_dir_all(expected_dir).unwrap();
        }
        for (file, bytes) in &actual {
            let path = expected_dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        eprintln!(
            "wrote {} golden files to {}",
            actual.len(),
            expected_dir.display()
        );
        return;
    }

    let expected = read_tree(expected_dir);
    let files: BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
    let mut problems = Vec::new();
    for file in files {
        match (expected.get(file), actual.get(file)) {
            (Some(e), Some(a)) if e == a => {}
            (Some(e), Some(a)) => problems.push(diff(file, e, a)),
            (Some(_), None) => problems.push(format!("{file}: expected but not built\n")),
            (None, Some(_)) => problems.push(format!("{file}: built but not expected\n")),
            (None, None) => unreachable!(),
        }
    }
    assert!(
        problems.is_empty(),
        "the build differs from {}:\n\n{}\nIf the change is intended, regenerate the golden files with\n    {REGENERATE}\nand review the diff before committing.",
        expected_dir.display(),
        problems.join("\n")
    );
}

#[test]
fn every_golden_page_parses_without_an_html_error() {
    let pages: Vec<PathBuf> = ["expected", "corrections/expected"]
        .iter()
        .flat_map(|dir| walkdir::WalkDir::new(golden().join(dir)))
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    assert!(pages.len() > 50, "{pages:?}");
    common::assert_html5lib_parses(&pages);
}

#[test]
fn the_diff_names_the_line_and_shows_both_sides() {
    let d = diff("f.rss", b"a\nsame\nold line\n", b"a\nsame\nnew line\n");
    assert!(d.contains("line 3 (column 1):"), "{d}");
    assert!(d.contains("expected: old line"), "{d}");
    assert!(d.contains("actual:   new line"), "{d}");
    assert!(!d.contains("line 2"), "{d}");
    let d = diff("f", b"x", b"x\ny");
    assert!(d.contains("line 2") && d.contains("<no line>"), "{d}");
}
