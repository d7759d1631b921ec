//! The Debian package as a sysadmin meets it: `cargo deb` builds it, `lintian`
//! finds no errors in it, and in a booted Debian 12 (`tests/container`) it
//! installs with `dpkg -i`, starts its socket and service, answers `/healthz`,
//! has its man pages and completions, keeps an edited conffile across a
//! reinstall, stops on `apt-get remove` (keeping the store and the config) and
//! loses its config on `apt-get purge`.
//!
//! Skipped, with a message, only where this machine cannot run it: without
//! `cargo-deb` or `lintian` (`.ci/run` installs both), as a non-root user, or
//! where `systemd-nspawn` cannot run a container at all.

#![allow(clippy::unwrap_used)] // a test that cannot set up should fail loudly

mod container;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use container::{debian_root, host, on_path, repo, Machine, COMMAND_LIMIT};

/// The most `cargo deb` may take: a release build with thin LTO on a slow machine.
const BUILD_LIMIT: Duration = Duration::from_secs(1800);

/// Where the package the tests share is written.
fn deb_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bantin-test.deb")
}

/// The package built by `cargo deb` from this checkout, once per test binary;
/// `Err` says why it cannot be (and so the test is skipped).
fn package() -> Result<PathBuf, String> {
    static DEB: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DEB.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        if host(Duration::from_secs(30), &cargo, &["deb", "--version"]).code != Some(0) {
            return Err(
                "cargo-deb is not installed (cargo install --locked cargo-deb; .ci/run does)"
                    .into(),
            );
        }
        let out = deb_path();
        let manifest = repo().join("Cargo.toml");
        let built = host(
            BUILD_LIMIT,
            &cargo,
            &[
                "deb",
                "--manifest-path",
                manifest.to_str().unwrap(),
                "--output",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(built.code, Some(0), "cargo deb failed:\n{built}");
        Ok(out)
    })
    .clone()
}

#[test]
fn lintian_finds_no_errors() {
    if !on_path("lintian") {
        eprintln!("SKIPPED: lintian is not installed (apt-get install lintian; .ci/run does)");
        return;
    }
    let deb = match package() {
        Ok(deb) => deb,
        Err(why) => {
            eprintln!("SKIPPED: {why}");
            return;
        }
    };
    // --allow-root: CI runs as root. Warnings are printed for the log; the
    // README lists the ones that stay and why.
    let report = host(
        Duration::from_secs(300),
        "lintian",
        &[
            "--allow-root",
            "--fail-on",
            "error",
            "--tag-display-limit",
            "0",
            deb.to_str().unwrap(),
        ],
    );
    eprintln!("{report}");
    assert_eq!(report.code, Some(0), "lintian found errors:\n{report}");
    assert!(
        !report.stdout.contains("\nE: ") && !report.stdout.starts_with("E: "),
        "{report}"
    );
}

#[test]
fn the_package_installs_upgrades_removes_and_purges() {
    if let Some(why) = container::cannot_boot("debian_package") {
        eprintln!("SKIPPED: {why}");
        return;
    }
    let deb = match package() {
        Ok(deb) => deb,
        Err(why) => {
            eprintln!("SKIPPED: {why}");
            return;
        }
    };
    let root = debian_root();
    let dir = tempfile::tempdir().unwrap();
    let binds = [
        format!("--bind-ro={}:/root/bantin.deb", deb.display()),
        format!("--bind-ro={}:/root/feeds", repo().join("feeds").display()),
    ];
    let m = Machine::boot(&root, &dir.path().join("console.log"), &binds);
    let apt = "DEBIAN_FRONTEND=noninteractive";

    // Install. The container has no network: the package's Depends must be met
    // by what a minimal Debian already has, so `apt-get -f install` has nothing to do.
    m.ok(&format!("{apt} dpkg -i /root/bantin.deb"));
    let fixed = m.ok(&format!("{apt} apt-get -f install -y --no-download"));
    assert!(fixed.contains("0 newly installed"), "{fixed}");

    // Enabled, started, serving: the socket and the service.
    for unit in ["bantin.socket", "bantin.service"] {
        assert_eq!(
            m.ok(&format!("systemctl is-enabled {unit}")).trim(),
            "enabled"
        );
    }
    m.wait_for("bantin.service active", COMMAND_LIMIT, |m| {
        m.show("ActiveState") == "active"
    });
    assert_eq!(m.ok("systemctl is-active bantin.socket").trim(), "active");
    assert_eq!(m.get("/healthz"), "200");
    // The store the package made, empty; articles copied in are served.
    assert!(
        m.show("StatusText").starts_with("serving 0 articles"),
        "{}",
        m.show("StatusText")
    );
    m.ok("cp -r /root/feeds/. /var/lib/bantin/feeds/");
    m.wait_for("the copied articles served", COMMAND_LIMIT, |m| {
        !m.show("StatusText").starts_with("serving 0 ")
    });

    // The binary, its man pages and completions, where Debian looks for them.
    assert_eq!(
        m.ok("bantin --version").trim(),
        format!("bantin {}", env!("CARGO_PKG_VERSION"))
    );
    for page in [
        "bantin",
        "bantin-serve",
        "bantin-check",
        "bantin-build",
        "bantin-config",
        "bantin-config-check",
    ] {
        let found = m.ok(&format!("man -w {page}"));
        assert_eq!(found.trim(), format!("/usr/share/man/man1/{page}.1.gz"));
    }
    assert!(m
        .ok("man bantin | cat")
        .contains("Vietnamese news articles"));
    m.ok("test -s /usr/share/bash-completion/completions/bantin \
          && test -s /usr/share/zsh/vendor-completions/_bantin \
          && test -s /usr/share/fish/vendor_completions.d/bantin.fish \
          && test -s /usr/share/doc/bantin/changelog.Debian.gz \
          && test -s /usr/share/doc/bantin/copyright");

    // The copyright file is machine-readable (DEP-5) and carries the MIT
    // text, which Debian does not ship in /usr/share/common-licenses.
    let copyright = m.ok("cat /usr/share/doc/bantin/copyright");
    assert!(
        copyright.starts_with(
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
        ) && copyright.contains("\nFiles: *\n")
            && copyright.contains("Permission is hereby granted")
            && copyright.contains("/usr/share/common-licenses/Apache-2.0")
            && copyright.contains("/usr/share/doc/bantin/THIRD-PARTY-NOTICES"),
        "{copyright}"
    );
    // ...and the crates' notices it names are there, hyper's among them.
    assert!(m
        .ok("cat /usr/share/doc/bantin/THIRD-PARTY-NOTICES")
        .contains("hyper "));

    // An edit to the conffile survives reinstalling the package, and is served.
    let title = "Bản tin của tỉnh";
    m.ok(&format!(
        "sed -i 's|^title = .*|title = \"{title}\"|' /etc/bantin/config.toml"
    ));
    // The reinstall (an upgrade, to the maintainer scripts) restarts the
    // service, so the new binary runs, but not the socket: connections made
    // meanwhile wait in its queue rather than being reset.
    let socket_since = "systemctl show -p ActiveEnterTimestampMonotonic --value bantin.socket";
    let (socket_before, pid_before) = (m.ok(socket_since), m.main_pid());
    m.ok(&format!("{apt} dpkg -i /root/bantin.deb"));
    assert_eq!(
        m.ok(socket_since),
        socket_before,
        "the socket was restarted"
    );
    m.wait_for("the service restarted", COMMAND_LIMIT, |m| {
        let pid = m.main_pid();
        pid != pid_before && pid != 0
    });
    assert!(m
        .ok("cat /etc/bantin/config.toml")
        .contains(&format!("title = \"{title}\"")));
    m.ok(
        "test ! -e /etc/bantin/config.toml.dpkg-new && test ! -e /etc/bantin/config.toml.dpkg-dist",
    );
    m.wait_for(
        "bantin.service active after the reinstall",
        COMMAND_LIMIT,
        |m| m.show("ActiveState") == "active",
    );
    m.wait_for("the edited title served", COMMAND_LIMIT, |m| {
        m.ok("curl -sS --max-time 30 http://127.0.0.1:8080/feed.rss")
            .contains(&format!("<title>{title}</title>"))
    });

    // Remove: stopped, the socket closed, the binary gone; store and config kept.
    m.ok(&format!("{apt} apt-get remove -y bantin"));
    assert_eq!(m.show("ActiveState"), "inactive");
    assert_ne!(
        m.sh("systemctl is-active bantin.socket").stdout.trim(),
        "active"
    );
    let refused = m.sh("curl -sS --max-time 10 http://127.0.0.1:8080/healthz");
    assert_ne!(
        refused.code,
        Some(0),
        "still answering after remove:\n{refused}"
    );
    m.ok("test ! -e /usr/bin/bantin");
    assert_eq!(
        m.ok("cd /var/lib/bantin/feeds && find . -type f -exec md5sum {} + | sort"),
        m.ok("cd /root/feeds && find . -type f -exec md5sum {} + | sort"),
        "the store changed on remove"
    );
    assert!(m
        .ok("cat /etc/bantin/config.toml")
        .contains(&format!("title = \"{title}\"")));

    // Purge: the config goes; the articles (the admin's data) stay.
    m.ok(&format!("{apt} apt-get purge -y bantin"));
    m.ok("test ! -e /etc/bantin/config.toml && test ! -e /etc/bantin");
    let status = m.sh("dpkg-query -W -f '${Status}' bantin");
    assert!(
        status.code != Some(0) || status.stdout.contains("not-installed"),
        "{status}"
    );
    m.ok("ls -A /var/lib/bantin/feeds | grep -q .");
    // What the service kept for itself goes: its validators and body copies.
    m.ok(
        "test ! -e /var/lib/private/bantin-state && test ! -L /var/lib/bantin-state \
          && test ! -e /var/lib/bantin-state && test ! -e /var/cache/private/bantin \
          && test ! -L /var/cache/bantin && test ! -e /var/cache/bantin",
    );
}
