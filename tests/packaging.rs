//! The files the Debian package installs that are made from others, kept under
//! `packaging/` so that `cargo deb` on a clean checkout needs no generation step:
//! the man pages and shell completions (from the clap definition, `bantin::cli`),
//! the units (from `systemd/`, with the package's paths), the config (from
//! `config.toml`, with the package's store) and the notices of the crates the
//! binary is built from (their licence files, as `Cargo.lock` pins them). This test fails when one of them no
//! longer matches its source. Regenerate them with
//! `BANTIN_BLESS=1 cargo test --test packaging` and review the diff before
//! committing. Also: `bantin --version`.

#![allow(clippy::unwrap_used)] // a test that cannot set up should fail loudly

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::Shell;

const REGENERATE: &str = "BANTIN_BLESS=1 cargo test --test packaging";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn packaging() -> PathBuf {
    repo().join("packaging")
}

/// `text` with each `(from, to)` replaced; each `from` must be there, so a
/// changed source fails here rather than making a package with the old paths.
fn replaced(source: &str, text: &str, swaps: &[(&str, &str)]) -> Vec<u8> {
    let mut text = text.to_owned();
    for (from, to) in swaps {
        assert!(text.contains(from), "{source} no longer has {from:?}");
        text = text.replace(from, to);
    }
    text.into_bytes()
}

/// The packaged units: the manual-install ones with the package's paths.
fn units() -> BTreeMap<String, Vec<u8>> {
    let service = std::fs::read_to_string(repo().join("systemd/bantin.service")).unwrap();
    let socket = std::fs::read(repo().join("systemd/bantin.socket")).unwrap();
    let swaps = [
        (
            "# Install: see \"Run it as a service\" in README.md. Pair with bantin.socket.",
            "# Installed by the bantin Debian package (made from systemd/bantin.service).\n\
             # Local changes: `systemctl edit bantin`. Pair with bantin.socket.",
        ),
        (
            "Documentation=file:/usr/local/share/doc/bantin/README.md",
            "Documentation=man:bantin(1) file:/usr/share/doc/bantin/README.md",
        ),
        ("/usr/local/bin/bantin", "/usr/bin/bantin"),
    ];
    BTreeMap::from([
        (
            "debian/bantin.service".to_owned(),
            replaced("systemd/bantin.service", &service, &swaps),
        ),
        ("debian/bantin.socket".to_owned(), socket),
    ])
}

/// The packaged `/etc/bantin/config.toml`: the documented defaults, serving the
/// store the package creates.
fn config() -> Vec<u8> {
    let text = std::fs::read_to_string(repo().join("config.toml")).unwrap();
    replaced(
        "config.toml",
        &text,
        &[
            (
                "# bantin configuration. Every key is optional; these are the defaults.\n",
                "# bantin configuration, as the Debian package installs it: every key is\n\
                 # optional, and these are the defaults but for `store`. After an edit,\n\
                 # `systemctl reload bantin` applies it (a bad file is refused, and named).\n",
            ),
            (
                "\nstore = \"feeds\"\n",
                "\nstore = \"/var/lib/bantin/feeds\"\n",
            ),
        ],
    )
}

/// The licence and notice files of every crate the binary is built from (the
/// normal dependencies, on x86-64 and arm64 Linux, as `Cargo.lock` pins them), each text
/// once with the crates that ship it: MIT, BSD, ISC and Zlib ask that their
/// notice go with the binary, and the package's copyright names this file.
fn third_party_notices() -> Vec<u8> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // The Linux targets the package is built for, whatever this machine is,
    // so the file is the same wherever it is made.
    let mut seen = std::collections::BTreeSet::new();
    let mut packages: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut root = String::new();
    for target in ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"] {
        let out = std::process::Command::new(&cargo)
            .args(["metadata", "--format-version", "1", "--locked"])
            .args(["--filter-platform", target])
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let nodes: BTreeMap<&str, &serde_json::Value> = m["resolve"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| (n["id"].as_str().unwrap(), n))
            .collect();
        for p in m["packages"].as_array().unwrap() {
            packages.insert(p["id"].as_str().unwrap().to_owned(), p.clone());
        }
        // The crates reached from bantin through normal dependencies.
        root = m["resolve"]["root"].as_str().unwrap().to_owned();
        let mut next = vec![root.clone()];
        let mut reached = std::collections::BTreeSet::new();
        while let Some(id) = next.pop() {
            if !reached.insert(id.clone()) {
                continue;
            }
            for dep in nodes[id.as_str()]["deps"].as_array().unwrap() {
                let normal = dep["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null());
                if normal {
                    next.push(dep["pkg"].as_str().unwrap().to_owned());
                }
            }
        }
        seen.extend(reached);
    }
    seen.remove(&root);
    // Each text once, with the crates that ship it.
    let mut texts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut without = Vec::new();
    for id in &seen {
        let p = &packages[id];
        let crate_name = format!(
            "{} {}",
            p["name"].as_str().unwrap(),
            p["version"].as_str().unwrap()
        );
        let dir = std::path::Path::new(p["manifest_path"].as_str().unwrap())
            .parent()
            .unwrap();
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| {
                let name = f.file_name().unwrap().to_string_lossy().to_uppercase();
                f.is_file()
                    && ["LICENSE", "LICENCE", "COPYING", "NOTICE", "COPYRIGHT"]
                        .iter()
                        .any(|n| name.starts_with(n))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            let license = p["license"].as_str().unwrap_or("(none stated)");
            without.push(format!("{crate_name}: {license}"));
        }
        for f in files {
            let text = String::from_utf8_lossy(&std::fs::read(f).unwrap())
                .replace("\r\n", "\n")
                .trim_end()
                .to_owned();
            texts.entry(text).or_default().push(crate_name.clone());
        }
    }
    let mut groups: Vec<(Vec<String>, String)> = texts
        .into_iter()
        .map(|(text, mut crates)| {
            crates.sort();
            crates.dedup();
            (crates, text)
        })
        .collect();
    groups.sort();
    let mut doc = String::from(
        "Third-party notices for the bantin binary\n\n\
         bantin is built from the Rust crates below, as its Cargo.lock pins them; each\n\
         licence or notice text their sources ship follows the crates that ship it.\n",
    );
    if !without.is_empty() {
        doc.push_str("\nCrates whose sources ship no licence file (their stated licence):\n");
        for c in &without {
            doc.push_str(&format!("  {c}\n"));
        }
    }
    for (crates, text) in groups {
        doc.push_str(&format!(
            "\n{}\n{}\n\n{text}\n",
            "=".repeat(78),
            crates.join(", ")
        ));
    }
    doc.into_bytes()
}

/// Every generated file, by its path under `packaging/`.
fn generated() -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    // One page for `bantin` and one for each subcommand, nested ones included
    // (`bantin-config-check.1`), as clap_mangen names them.
    let man = tempfile::tempdir().unwrap();
    clap_mangen::generate_to(bantin::cli::Cli::command(), man.path()).unwrap();
    for (name, bytes) in common::read_tree(man.path()) {
        files.insert(format!("man/{name}"), bytes);
    }
    // The names each shell looks them up by (Debian installs them under
    // bash-completion/completions/bantin, zsh/vendor-completions/_bantin and
    // fish/vendor_completions.d/bantin.fish).
    for (shell, name) in [
        (Shell::Bash, "bantin.bash"),
        (Shell::Zsh, "_bantin"),
        (Shell::Fish, "bantin.fish"),
    ] {
        let mut bytes = Vec::new();
        clap_complete::generate(
            shell,
            &mut bantin::cli::Cli::command(),
            "bantin",
            &mut bytes,
        );
        files.insert(format!("completions/{name}"), bytes);
    }
    files.extend(units());
    files.insert("config.toml".to_owned(), config());
    files.insert("THIRD-PARTY-NOTICES".to_owned(), third_party_notices());
    files
}

#[test]
fn man_pages_and_completions_match_the_command_line() {
    let want = generated();
    // Folders whose every file is generated; elsewhere only the named files are.
    let dirs = ["man", "completions"];
    if std::env::var_os("BANTIN_BLESS").is_some_and(|v| v == "1") {
        for dir in dirs {
            let _ = std::fs::remove_dir_all(packaging().join(dir));
            std::fs::create_dir_all(packaging().join(dir)).unwrap();
        }
        for (name, bytes) in &want {
            std::fs::write(packaging().join(name), bytes).unwrap();
        }
        return;
    }
    let mut have = BTreeMap::new();
    for dir in dirs {
        for (name, bytes) in common::read_tree(&packaging().join(dir)) {
            have.insert(format!("{dir}/{name}"), bytes);
        }
    }
    for name in want
        .keys()
        .filter(|n| !dirs.iter().any(|d| n.starts_with(&format!("{d}/"))))
    {
        if let Ok(bytes) = std::fs::read(packaging().join(name)) {
            have.insert(name.clone(), bytes);
        }
    }
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&have),
        names(&want),
        "packaging/ has other files than the command line makes; run {REGENERATE}"
    );
    for (name, bytes) in &want {
        assert!(
            have[name] == *bytes,
            "packaging/{name} differs from what the command line makes; run {REGENERATE}"
        );
    }
    // Every subcommand has its page.
    for page in [
        "bantin.1",
        "bantin-serve.1",
        "bantin-check.1",
        "bantin-build.1",
        "bantin-config.1",
        "bantin-config-check.1",
    ] {
        assert!(want.contains_key(&format!("man/{page}")), "no {page}");
    }
}

#[test]
fn version_prints_the_package_version() {
    for flag in ["--version", "-V"] {
        let out = common::bantin([flag]);
        assert!(out.status.success(), "{flag}: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("bantin {}\n", env!("CARGO_PKG_VERSION")),
            "{flag}"
        );
    }
}
