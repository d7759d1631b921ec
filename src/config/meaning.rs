//! What each key of `config.toml` expects, in a sysadmin's words: the one
//! place a value of the wrong type and a value out of range are both worded
//! from, so each message gives the documented range whatever the wrong value.

use std::fmt;

/// What one key expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expected {
    /// A whole number within bounds.
    Whole(Whole),
    /// A string in quotes, described.
    Text(&'static str),
    /// A path in quotes.
    Path,
    /// A table, as its header is written.
    Table(&'static str),
    /// A list, described.
    List(&'static str),
}

/// A bounded whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Whole {
    /// The least accepted.
    pub min: u64,
    /// The most accepted, if the key is bounded above.
    pub max: Option<u64>,
    /// What it counts, and what its extremes mean.
    pub unit: &'static str,
}

impl Whole {
    /// Whether `value` is accepted.
    pub fn holds(&self, value: u64) -> bool {
        value >= self.min && self.max.is_none_or(|max| value <= max)
    }
}

/// A timeout of the server or a hub: up to a day.
const TIMEOUT: Whole = Whole {
    min: 1,
    max: Some(super::MAX_TIMEOUT_SECS),
    unit: "seconds",
};

/// A `max-age`: up to a year (see `MAX_CACHE_AGE`).
const AGE: Whole = Whole {
    min: 0,
    max: Some(super::MAX_CACHE_AGE as u64),
    unit: "seconds, up to a year",
};

/// Items in a live feed: up to `MAX_ITEMS`, older articles being in the
/// monthly archives.
const ITEMS: Whole = Whole {
    min: 1,
    max: Some(super::MAX_ITEMS as u64),
    unit: "items; older articles are in the monthly archives",
};

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Whole(Whole {
                min,
                max: Some(max),
                unit,
            }) => write!(f, "a whole number from {min} to {max} ({unit})"),
            Expected::Whole(Whole {
                min,
                max: None,
                unit,
            }) => write!(f, "a whole number, {min} or more ({unit})"),
            Expected::Text(what) => f.write_str(what),
            Expected::Path => f.write_str("a path in quotes"),
            Expected::Table(header) => write!(f, "a table `{header}`"),
            Expected::List(what) => f.write_str(what),
        }
    }
}

/// What the key at `path` (table names, then the key) expects; `None` for
/// a key the file may not hold.
pub(crate) fn expected(path: &[&str]) -> Option<Expected> {
    use Expected::{List, Table, Text};
    let whole = |min, max, unit| Some(Expected::Whole(Whole { min, max, unit }));
    match path {
        ["store"] | ["http", "body_dir"] | ["state", "dir"] => Some(Expected::Path),
        ["listen"] => Some(Text(
            "an IP address and port in quotes, such as \"127.0.0.1:8080\"",
        )),
        ["time_zone"] => Some(Text(
            "an IANA time zone name in quotes, such as \"Asia/Ho_Chi_Minh\"",
        )),
        ["max_file_size"] => whole(1, Some(super::MAX_FILE_SIZE), "bytes, up to 64 MiB"),
        ["site"] => Some(Table("[site]")),
        ["feeds"] => Some(Table("[feeds]")),
        ["http"] => Some(Table("[http]")),
        ["watch"] => Some(Table("[watch]")),
        ["state"] => Some(Table("[state]")),
        ["websub"] => Some(Table("[websub]")),
        ["archives"] => Some(Table("[archives]")),
        ["site", "title" | "description"] => Some(Text("text in quotes")),
        ["site", "base_url"] => Some(Text("a URL in quotes, such as \"https://tin.example.vn\"")),
        ["site", "language"] => Some(Text("a language tag in quotes, such as \"vi\"")),
        ["site", "tag_authority"] => Some(Text(
            "\"domain,date\" in quotes, such as \"news.example.vn,2020\"",
        )),
        ["feeds", "items"] | ["feeds", "categories", _, "items"] => Some(Expected::Whole(ITEMS)),
        ["feeds", "ttl"] => whole(0, Some(u64::from(u32::MAX)), "minutes"),
        ["feeds", "max_item_bytes"] => whole(super::MIN_ITEM_BYTES as u64, None, "bytes"),
        ["feeds", "categories"] => Some(Table("[feeds.categories.\"slug\"]")),
        ["feeds", "categories", _] => Some(Table("[feeds.categories.\"slug\"]")),
        ["feeds", "categories", _, "title" | "description"] => Some(Text("text in quotes")),
        ["http", "cache_max_age"] | ["archives", "max_age"] => Some(Expected::Whole(AGE)),
        ["http", "header_timeout_secs"
        | "idle_timeout_secs"
        | "keepalive_ping_timeout_secs"
        | "write_timeout_secs"]
        | ["websub", "timeout_secs"] => Some(Expected::Whole(TIMEOUT)),
        ["http", "max_connections"] => whole(
            1,
            Some(super::MAX_CONNECTIONS),
            "connections, up to the open files Linux allows a process",
        ),
        ["http", "shutdown_grace_secs"] => whole(
            0,
            Some(super::MAX_TIMEOUT_SECS),
            "seconds; under systemd, bantin asks it to wait that long, whatever \
             TimeoutStopSec= says",
        ),
        ["http", "max_connections_per_client"] => whole(0, None, "connections; 0 means no limit"),
        ["http", "max_unsent_bytes" | "max_unsent_bytes_per_client"] => {
            whole(0, None, "bytes; 0 means no limit")
        }
        ["http", "keepalive_ping_secs"] => whole(
            0,
            Some(super::MAX_TIMEOUT_SECS),
            "seconds; 0 means no pings",
        ),
        ["watch", "debounce_ms"] => whole(
            0,
            Some(super::MAX_DEBOUNCE_MS),
            "milliseconds, up to a minute",
        ),
        ["watch", "reconcile_secs"] => {
            whole(1, Some(super::MAX_RECONCILE_SECS), "seconds, up to a week")
        }
        ["watch", "reconcile_files_per_sec"] => whole(0, None, "files a second; 0 means no limit"),
        ["websub", "hubs"] => Some(List(
            "a list of http:// or https:// URLs in quotes, such as \
             [\"https://pubsubhubbub.appspot.com/\"], or [] for none",
        )),
        ["http", "metrics_from"] => Some(List(
            "a list of IP addresses or ranges in quotes, such as \
             [\"127.0.0.0/8\", \"::1\", \"10.1.2.3\"], or [] for no one",
        )),
        ["websub", "max_attempts"] => whole(1, Some(30), "tries"),
        ["websub", "queue_size"] => whole(1, None, "pings"),
        ["archives", "cache_bytes"] => whole(0, None, "bytes; 0 keeps none"),
        _ => None,
    }
}

/// What the value `item` is, in the words [`Expected`] uses, when it is not
/// what `expected` asks for: `found a string in quotes; ` or nothing.
pub(crate) fn found(item: &toml_edit::Item, expected: Expected) -> String {
    use toml_edit::Value;
    let (kind, fits) = match item {
        toml_edit::Item::Value(Value::String(_)) => (
            "a string in quotes",
            matches!(expected, Expected::Text(_) | Expected::Path),
        ),
        toml_edit::Item::Value(Value::Integer(_)) => {
            ("a whole number", matches!(expected, Expected::Whole(_)))
        }
        toml_edit::Item::Value(Value::Float(_)) => ("a decimal number", false),
        toml_edit::Item::Value(Value::Boolean(_)) => ("true or false", false),
        toml_edit::Item::Value(Value::Datetime(_)) => ("a date", false),
        toml_edit::Item::Value(Value::Array(_)) | toml_edit::Item::ArrayOfTables(_) => {
            ("a list", matches!(expected, Expected::List(_)))
        }
        toml_edit::Item::Value(Value::InlineTable(_)) | toml_edit::Item::Table(_) => {
            ("a table", matches!(expected, Expected::Table(_)))
        }
        toml_edit::Item::None => return String::new(),
    };
    if fits {
        String::new()
    } else {
        format!("found {kind}; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_every_kind() {
        assert_eq!(
            expected(&["feeds", "items"]).unwrap().to_string(),
            "a whole number from 1 to 1000 (items; older articles are in the monthly archives)"
        );
        assert_eq!(
            expected(&["max_file_size"]).unwrap().to_string(),
            "a whole number from 1 to 67108864 (bytes, up to 64 MiB)"
        );
        assert_eq!(
            expected(&["watch", "reconcile_files_per_sec"])
                .unwrap()
                .to_string(),
            "a whole number, 0 or more (files a second; 0 means no limit)"
        );
        assert_eq!(
            expected(&["http", "cache_max_age"]).unwrap().to_string(),
            "a whole number from 0 to 31536000 (seconds, up to a year)"
        );
        assert_eq!(expected(&["site"]).unwrap().to_string(), "a table `[site]`");
        // bantin extends the unit's stop timeout itself (see `systemd::extend_stop`).
        assert_eq!(
            expected(&["http", "shutdown_grace_secs"])
                .unwrap()
                .to_string(),
            "a whole number from 0 to 86400 (seconds; under systemd, bantin asks it to wait \
             that long, whatever TimeoutStopSec= says)"
        );
        assert_eq!(
            expected(&["store"]).unwrap().to_string(),
            "a path in quotes"
        );
        assert_eq!(
            expected(&["feeds", "categories", "tin-tuc", "items"]),
            Some(Expected::Whole(ITEMS))
        );
        assert_eq!(expected(&["site", "colour"]), None);
        assert!(TIMEOUT.holds(86_400) && !TIMEOUT.holds(0) && !TIMEOUT.holds(86_401));
        assert!(ITEMS.holds(1) && ITEMS.holds(1000) && !ITEMS.holds(1001) && !ITEMS.holds(0));
    }
}
