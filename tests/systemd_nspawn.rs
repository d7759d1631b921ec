//! The shipped units under a real systemd: a minimal Debian 12 (systemd 252)
//! booted with `systemd-nspawn`, bantin installed by running the README's
//! service section, then checked the way a sysadmin would: status, health
//! through the socket, reload, a bad reload, SIGKILL and SIGSTOP, the journal,
//! `systemd-analyze security` and a clean stop.
//!
//! The container is `tests/container`'s; the test is skipped, with a message,
//! only where this machine cannot run `systemd-nspawn` at all.

#![allow(clippy::unwrap_used)] // a test that cannot set up should fail loudly

mod container;

use std::time::Duration;

use container::{debian_root, repo, Machine, COMMAND_LIMIT};

const BIN: &str = env!("CARGO_BIN_EXE_bantin");

/// The commands of the README's manual install block (in "Run it as a
/// service"), as one script:
/// the `cargo install` line is left out (the container has the binary cargo
/// built at `~/.cargo/bin/bantin` already) and `sudo` is a no-op (we are root).
fn readme_install_script() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("\n## Run it as a service\n")
        .nth(1)
        .expect("README has a \"Run it as a service\" section");
    // The manual steps, which follow the package's `apt install` block.
    let block = section
        .split("```sh\n")
        .skip(1)
        .filter_map(|b| b.split("\n```").next())
        .find(|b| b.starts_with("cargo install --path ."))
        .expect("the service section has a sh block starting with `cargo install --path .`");
    let lines = block.lines().skip(1);
    let mut script = String::from("set -ex\nsudo() { \"$@\"; }\ncd /root/bantin\n");
    for line in lines {
        script.push_str(line);
        script.push('\n');
    }
    script
}

/// The exposure level `systemd-analyze security` prints for bantin.service.
fn exposure(text: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.split("Overall exposure level for bantin.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{text}"))
}

#[test]
fn the_units_under_a_real_systemd() {
    if let Some(why) = container::cannot_boot("systemd_nspawn") {
        eprintln!("SKIPPED: {why}");
        return;
    }
    let root = debian_root();
    let dir = tempfile::tempdir().unwrap();
    let binds = [
        // The repository stands for the checkout the README's commands run in...
        format!("--bind-ro={}:/root/bantin", repo().display()),
        // ...and the binary cargo built for `cargo install`'s.
        format!("--bind-ro={BIN}:/root/.cargo/bin/bantin"),
    ];
    let m = Machine::boot(&root, &dir.path().join("console.log"), &binds);

    // Install as the README says, with the sample store as the articles.
    m.ok("install -d /var/lib/bantin/feeds && cp -r /root/bantin/feeds/. /var/lib/bantin/feeds/");
    m.ok(&readme_install_script());

    // Active, Type=notify, with the status line bantin sent.
    m.wait_for("bantin.service active", COMMAND_LIMIT, |m| {
        m.show("ActiveState") == "active"
    });
    assert_eq!(m.show("Type"), "notify");
    assert_eq!(m.show("SubState"), "running");
    let status = m.show("StatusText");
    assert!(
        status.starts_with("serving ")
            && status.contains(" articles in ")
            && !status.starts_with("serving 0 "),
        "{status}"
    );

    // The unit's sandbox refuses openat2 (see README): said once, at info,
    // since nothing is wrong; a healthy start puts no such warning in the
    // journal, and each line's priority is the one bantin gave it.
    let at = |priority: &str| {
        m.ok(&format!(
            "journalctl -u bantin.service -p {priority} -o cat --no-pager"
        ))
    };
    assert!(
        at("info").contains("openat2 was refused"),
        "{}",
        at("debug")
    );
    assert!(!at("warning").contains("openat2"), "{}", at("warning"));

    // Health through the socket systemd holds (the service has no network of its own).
    assert_eq!(m.get("/healthz"), "200");
    assert_eq!(m.show("PrivateNetwork"), "yes");

    // A large body is sent from an unnamed file in the unit's CacheDirectory=.
    m.ok("curl -sS -o /dev/null --max-time 30 http://127.0.0.1:8080/feed.rss");
    m.wait_for("a body copy in /var/cache/bantin", COMMAND_LIMIT, |m| {
        let held = m.ok(&format!("ls -l /proc/{}/fd", m.main_pid()));
        held.lines()
            .any(|l| l.contains("cache/") && l.contains("bantin/#") && l.ends_with("(deleted)"))
    });
    assert_eq!(
        m.ok("ls -A /var/cache/bantin/").trim(),
        "",
        "a copy has a name"
    );

    // The soft open-file limit systemd starts it with (1024) is raised to the
    // hard one, so the default 1024 connections and the body copies fit.
    let limits = m.ok(&format!("cat /proc/{}/limits", m.main_pid()));
    let open_files: Vec<u64> = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap_or_else(|| panic!("no open-file limit in\n{limits}"))
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(
        open_files[0] == open_files[1] && open_files[0] > 1024 + 128,
        "soft and hard open-file limits {open_files:?}"
    );

    // `systemctl reload` keeps the process and applies a config change. A
    // WebSub hub elsewhere, which the unit's PrivateNetwork=yes leaves out of
    // reach, is said at once, with the way out.
    let pid = m.main_pid();
    m.ok("sed -i 's|^title = .*|title = \"Bản tin thử tải lại\"|' /etc/bantin/config.toml");
    m.ok(
        "sed -i 's|^hubs = \\[\\]$|hubs = [\"https://hub.example.net/\"]|' /etc/bantin/config.toml",
    );
    m.ok("systemctl reload bantin");
    m.wait_for("the reloaded title served", COMMAND_LIMIT, |m| {
        m.ok("curl -sS --max-time 30 http://127.0.0.1:8080/feed.rss")
            .contains("<title>Bản tin thử tải lại</title>")
    });
    assert_eq!(m.main_pid(), pid, "reload restarted the process");
    // Logged as the reload ends, which may be just after the title is served.
    m.wait_for(
        "the warning that no ping can reach the hub",
        COMMAND_LIMIT,
        |_| at("warning").contains("no ping can reach https://hub.example.net/"),
    );
    assert!(
        at("warning").contains("PrivateNetwork=no"),
        "{}",
        at("warning")
    );

    // A bad config on reload: the reload fails with the key in the journal, the
    // process and its configuration stay.
    m.ok("sed -i '1i max_itemz = 3' /etc/bantin/config.toml");
    let bad = m.sh("systemctl reload bantin");
    assert_ne!(bad.code, Some(0), "a bad config reloaded:\n{bad}");
    assert!(m.journal().contains("max_itemz"), "{}", m.journal());
    assert_eq!(m.show("ActiveState"), "active");
    assert_eq!(m.main_pid(), pid);
    assert!(m
        .ok("curl -sS --max-time 30 http://127.0.0.1:8080/feed.rss")
        .contains("<title>Bản tin thử tải lại</title>"));
    m.ok("sed -i '/^max_itemz = 3$/d' /etc/bantin/config.toml");

    // SIGKILL: restarted after RestartSec=2s; a request sent at once, in the gap,
    // waits in the socket's queue and is answered by the new process.
    let code = m.ok(&format!(
        "kill -KILL {pid} && curl -sS -o /dev/null -w '%{{http_code}}' --max-time 30 http://127.0.0.1:8080/feed.atom"
    ));
    assert_eq!(code, "200");
    let restarted = m.main_pid();
    assert!(restarted != pid && restarted != 0, "{pid} → {restarted}");
    assert_eq!(m.show("NRestarts"), "1");

    // SIGSTOP: no more watchdog pings; after WatchdogSec=20s systemd aborts it
    // (SIGABRT, then SIGKILL after TimeoutAbortSec=5s, as a stopped process
    // cannot take SIGABRT) and restarts it. The shipped values, nothing shortened.
    m.ok(&format!("kill -STOP {restarted}"));
    m.wait_for("the watchdog restart", Duration::from_secs(90), |m| {
        let now = m.main_pid();
        now != restarted && now != 0 && m.show("ActiveState") == "active"
    });
    assert_eq!(m.show("NRestarts"), "2");
    assert_eq!(m.get("/healthz"), "200");

    // The journal tells the story.
    let journal = m.journal();
    for line in [
        "listening on 127.0.0.1:8080",
        "copies of large bodies for sendfile: unnamed files in /var/cache/bantin",
        "soft limit raised from 1024 to the hard limit",
        "watchdog enabled",
        "SIGHUP: reloading the configuration",
        "configuration reloaded",
        "Main process exited, code=killed, status=9/KILL",
        "Watchdog timeout",
    ] {
        assert!(
            journal.contains(line),
            "no {line:?} in the journal:\n{journal}"
        );
    }

    // The sandbox as the running systemd sees it.
    let security = m.ok("systemd-analyze security --no-pager bantin.service");
    let level = exposure(&security);
    assert!(level <= 1.5, "exposure {level} > 1.5:\n{security}");

    // `systemctl stop`: SIGTERM, a drain, exit 0. The drain's grace period
    // holds whatever the unit's stop timeout: here 6 s against 2 s, with a
    // client holding a request half sent through all of it (the drain waits
    // for a request begun), and systemd waits for it instead of killing.
    // (The head timeout, which would end the half-sent request first on a
    // slow machine, made longer than the grace.)
    m.ok("sed -i -e 's|^shutdown_grace_secs = .*|shutdown_grace_secs = 6|' \
                 -e 's|^header_timeout_secs = .*|header_timeout_secs = 60|' /etc/bantin/config.toml");
    m.ok("grep -qx 'shutdown_grace_secs = 6' /etc/bantin/config.toml");
    m.ok("grep -qx 'header_timeout_secs = 60' /etc/bantin/config.toml");
    m.ok("systemctl reload bantin");
    m.ok("mkdir -p /etc/systemd/system/bantin.service.d && \
          printf '[Service]\nTimeoutStopSec=2s\n' > /etc/systemd/system/bantin.service.d/stop.conf && \
          systemctl daemon-reload");
    assert_eq!(m.show("TimeoutStopUSec"), "2s");
    m.ok("systemd-run --collect --unit=half-request bash -c \
          'exec 3<>/dev/tcp/127.0.0.1/8080; printf \"GET /healthz HTTP/1.1\\r\\nHost: a\\r\\n\" >&3; sleep 60'");
    // Accepted by bantin: two connections open, it and the one asking;
    // then a moment for its head to be read.
    m.wait_for("the half-sent request accepted", COMMAND_LIMIT, |m| {
        m.ok("curl -sS --max-time 30 http://127.0.0.1:8080/metrics")
            .lines()
            .filter_map(|l| {
                l.strip_prefix("bantin_http_connections_open ")?
                    .parse()
                    .ok()
            })
            .any(|open: f64| open >= 2.0)
    });
    std::thread::sleep(Duration::from_secs(1));
    m.ok("systemctl stop bantin.service");
    assert_eq!(m.show("ActiveState"), "inactive");
    assert_eq!(m.show("Result"), "success", "{}", m.journal());
    assert_eq!(m.show("ExecMainStatus"), "0");
    let journal = m.journal();
    assert!(
        journal.contains("grace period over; closing the remaining connections"),
        "the drain did not last its grace period:\n{journal}"
    );
    m.ok("rm -r /etc/systemd/system/bantin.service.d && systemctl daemon-reload");
    for line in ["SIGTERM: shutting down", "stopped"] {
        assert!(
            journal.contains(line),
            "no {line:?} in the journal:\n{journal}"
        );
    }

    // A bad config at start: the daemon exits 64, which the unit does not
    // restart, so the unit fails once, with the key in the journal, and does
    // not loop every RestartSec= (a check in ExecStartPre= would: a restart
    // is prevented by the main process's exit status only).
    m.ok("sed -i '1i max_itemz = 3' /etc/bantin/config.toml");
    let failed = m.sh("systemctl start bantin.service");
    assert_ne!(failed.code, Some(0), "a bad config started:\n{failed}");
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(m.show("ActiveState"), "failed");
    assert_eq!(m.show("ExecMainStatus"), "64");
    assert_eq!(m.show("NRestarts"), "0", "restarted:\n{}", m.journal());
    assert!(m.journal().contains("max_itemz"), "{}", m.journal());
}
