//! Whether stderr is the systemd journal, and the priority prefix journald
//! reads on each line written there.
//!
//! systemd connects a unit's stderr to the journal and sets `$JOURNAL_STREAM`
//! to `DEVICE:INODE` of that stream; a process must compare it with its own
//! stderr, since a child that redirects stderr inherits the variable
//! (systemd.exec(5), `$JOURNAL_STREAM`). On such a stream journald takes a
//! leading `<N>` as the line's syslog priority (`SyslogLevelPrefix=`, on by
//! default), so `journalctl -p err` shows why a start or reload failed.

use std::os::fd::AsFd;

/// The syslog priority of a message written to stderr (RFC 5424 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// `err` (3): the command failed, e.g. a config that cannot be used.
    Error,
    /// `warning` (4): something a sysadmin should look at.
    Warning,
    /// `info` (6): what the daemon is doing.
    Info,
    /// `debug` (7): details asked for with `RUST_LOG`.
    Debug,
}

impl Priority {
    /// The prefix journald reads as this priority.
    fn prefix(self) -> &'static str {
        match self {
            Priority::Error => "<3>",
            Priority::Warning => "<4>",
            Priority::Info => "<6>",
            Priority::Debug => "<7>",
        }
    }

    /// The priority of a log event at `level`.
    pub fn of(level: tracing::Level) -> Priority {
        match level {
            tracing::Level::ERROR => Priority::Error,
            tracing::Level::WARN => Priority::Warning,
            tracing::Level::INFO => Priority::Info,
            _ => Priority::Debug,
        }
    }
}

/// Log lines for the journal: each formatted as `F` formats it (message and
/// fields, `path=…` included, in the one text `journalctl` shows) and every
/// line of it prefixed with its event's priority.
pub struct Prefixed<F>(pub F);

impl<S, N, F> tracing_subscriber::fmt::FormatEvent<S, N> for Prefixed<F>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
    F: tracing_subscriber::fmt::FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let mut line = String::new();
        self.0.format_event(
            ctx,
            tracing_subscriber::fmt::format::Writer::new(&mut line),
            event,
        )?;
        let priority = Priority::of(*event.metadata().level());
        writeln!(
            writer,
            "{}",
            Stderr::Journal.format(priority, line.trim_end_matches('\n'))
        )
    }
}

/// Where stderr leads, as far as priorities go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// The journal stream `$JOURNAL_STREAM` names: lines get a priority prefix.
    Journal,
    /// A terminal, file or pipe: lines are written as they are.
    Plain,
}

impl Stderr {
    /// What this process's stderr is now.
    pub fn detect() -> Stderr {
        let id = rustix::fs::fstat(std::io::stderr().as_fd())
            .ok()
            .map(|st| (st.st_dev, st.st_ino));
        let journal = std::env::var("JOURNAL_STREAM").ok();
        Stderr::of(id, journal.as_deref())
    }

    /// The decision for stderr's (device, inode) `id` and `$JOURNAL_STREAM`.
    pub fn of(id: Option<(u64, u64)>, journal_stream: Option<&str>) -> Stderr {
        let named = journal_stream.and_then(|j| {
            let (dev, ino) = j.split_once(':')?;
            Some((dev.parse::<u64>().ok()?, ino.parse::<u64>().ok()?))
        });
        match (id, named) {
            (Some(id), Some(named)) if id == named => Stderr::Journal,
            _ => Stderr::Plain,
        }
    }

    /// `message` as it should be written to this stderr with `priority`:
    /// on the journal, each of its lines prefixed (journald reads the prefix
    /// per line, so a snippet's lines keep the priority of its problem).
    pub fn format(self, priority: Priority, message: &str) -> String {
        match self {
            Stderr::Plain => message.to_owned(),
            Stderr::Journal => message
                .lines()
                .map(|line| format!("{}{line}", priority.prefix()))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_only_when_the_stream_is_stderr_itself() {
        let stderr = Some((14, 90210));
        assert_eq!(Stderr::of(stderr, Some("14:90210")), Stderr::Journal);
        // Set, but inherited by a process whose stderr goes elsewhere.
        assert_eq!(Stderr::of(stderr, Some("14:1")), Stderr::Plain);
        assert_eq!(Stderr::of(stderr, Some("15:90210")), Stderr::Plain);
        assert_eq!(Stderr::of(stderr, None), Stderr::Plain);
        assert_eq!(Stderr::of(stderr, Some("not a stream")), Stderr::Plain);
        assert_eq!(Stderr::of(stderr, Some("")), Stderr::Plain);
        // No stderr at all.
        assert_eq!(Stderr::of(None, Some("14:90210")), Stderr::Plain);
    }

    #[test]
    fn every_line_gets_the_prefix_on_the_journal_only() {
        let message = "bantin: c.toml:2:1: unknown key\n  |\n2 | x = 1";
        assert_eq!(
            Stderr::Journal.format(Priority::Error, message),
            "<3>bantin: c.toml:2:1: unknown key\n<3>  |\n<3>2 | x = 1"
        );
        assert_eq!(Stderr::Plain.format(Priority::Error, message), message);
    }

    /// A log event reaches the journal as one line holding its fields (the
    /// file a warning names), with its level's priority on every line.
    #[test]
    fn a_log_event_keeps_its_fields_and_its_priority() {
        let sink = crate::panics::tests::Captured::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .event_format(Prefixed(
                tracing_subscriber::fmt::format()
                    .without_time()
                    .with_ansi(false),
            ))
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(path = %"feeds/a.txt:7", "warning: weekday");
            tracing::info!(added = 1, "store change served");
            tracing::error!("bad reload:\n  | x = 1");
        });
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4, "{out}");
        assert!(lines[0].starts_with("<4>"), "{out}");
        assert!(
            lines[0].contains("warning: weekday path=feeds/a.txt:7"),
            "{out}"
        );
        assert!(
            lines[1].starts_with("<6>") && lines[1].contains("added=1"),
            "{out}"
        );
        assert!(
            lines[2].starts_with("<3>") && lines[3] == "<3>  | x = 1",
            "{out}"
        );
    }
}
