//! Panics made visible: a hook that logs each one as an error, and a guard
//! that turns a panic in one piece of work into a logged failure naming it.
//!
//! Rust's default hook writes a panic to stderr only, with no priority: under
//! systemd it reaches the journal as an ordinary line that `journalctl -p err`
//! does not show, and a panic on a worker thread leaves the process running.
//! A panic is a bug, so it is logged where a sysadmin looks for errors.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::AssertUnwindSafe;

thread_local! {
    /// How many [`guarded`] calls this thread is inside: a panic there is
    /// logged once, by the guard, which knows what the work was.
    static GUARDS: Cell<usize> = const { Cell::new(0) };
    /// Where the last guarded panic on this thread happened, for its guard's line.
    static PLACE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Logs every panic through `tracing` at error level (the thread's name, the
/// place in the source and the message), then hands it to the hook that was
/// in force (Rust's default one prints it, with a backtrace under
/// `RUST_BACKTRACE=1`). Call it once, after logging is set up.
pub fn log_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let place = info
            .location()
            .map_or_else(|| "an unknown place".to_owned(), ToString::to_string);
        if GUARDS.get() > 0 {
            PLACE.set(Some(place));
            return;
        }
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("<unnamed>");
        tracing::error!(
            "thread '{name}' panicked at {place}: {} (a bug: please report it with this line)",
            message(info.payload())
        );
        previous(info);
    }));
}

/// The message a panic was given, as `panic!` formats it.
pub fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Runs `work`; `None` if it panicked, logged at error level as `what` (what
/// was being done, naming the file, and what is done instead) and the panic's
/// message. For work whose failure has a fallback, so a bug in it costs one
/// response its best form, not the response.
pub fn guarded<T>(what: impl FnOnce() -> String, work: impl FnOnce() -> T) -> Option<T> {
    // Unwind safety: the work's state is dropped with it, and what it shares
    // (the snapshot, the store) is only read.
    // A panic caught inside the work by someone else left its place behind.
    PLACE.set(None);
    GUARDS.set(GUARDS.get() + 1);
    let done = std::panic::catch_unwind(AssertUnwindSafe(work));
    GUARDS.set(GUARDS.get() - 1);
    match done {
        Ok(done) => Some(done),
        Err(payload) => {
            let place = PLACE
                .take()
                .unwrap_or_else(|| "an unknown place".to_owned());
            tracing::error!(
                "{} failed: it panicked at {place} ({}); a bug: please report it with the file",
                what(),
                message(payload.as_ref())
            );
            None
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// What a test's log wrote.
    #[derive(Clone, Default)]
    pub(crate) struct Captured(pub(crate) Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        /// Runs `f` with the log (on this thread) written here; what it wrote.
        fn log_of(f: impl FnOnce()) -> String {
            let captured = Captured::default();
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .finish();
            tracing::subscriber::with_default(subscriber, f);
            let bytes = captured.0.lock().unwrap().clone();
            String::from_utf8(bytes).unwrap()
        }
    }

    #[test]
    fn a_panic_is_logged_as_an_error_with_its_thread_place_and_message() {
        log_panics();
        let line = line!() + 2;
        let log = Captured::log_of(|| {
            let _ = std::panic::catch_unwind(|| panic!("boom {}", 42));
        });
        let thread = std::thread::current();
        let name = thread.name().unwrap();
        assert!(log.contains("ERROR"), "{log}");
        assert!(log.contains(&format!("thread '{name}' panicked")), "{log}");
        assert!(log.contains(&format!("src/panics.rs:{line}:")), "{log}");
        assert!(log.contains("boom 42"), "{log}");
    }

    #[test]
    fn a_guarded_panic_is_logged_once_naming_the_work_and_gives_none() {
        // With the hook in force, as in the daemon: the guard's line is the only one.
        log_panics();
        let mut got = Some(0);
        let line = line!() + 4;
        let log = Captured::log_of(|| {
            got = guarded(
                || "reading /kho/a.txt in full".to_owned(),
                || -> u32 { panic!("index out of range") },
            );
        });
        assert_eq!(got, None);
        assert!(
            log.contains("ERROR")
                && log.contains("reading /kho/a.txt in full failed")
                && log.contains(&format!("src/panics.rs:{line}:"))
                && log.contains("index out of range"),
            "{log}"
        );
        assert_eq!(log.matches("ERROR").count(), 1, "{log}");
        // Work that finishes gives its value, and logs nothing.
        let log = Captured::log_of(|| got = guarded(|| unreachable!(), || 7));
        assert_eq!(got, Some(7));
        assert!(log.is_empty(), "{log}");
    }
}
