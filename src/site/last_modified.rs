//! Last-Modified of a changed resource: taken from its items, and never moving backwards.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::index::Entry;

/// The newest of the items' publication dates and file modification times, at most `now`.
pub(super) fn newest(items: &[Entry], now: SystemTime) -> SystemTime {
    items
        .iter()
        .flat_map(|e| {
            let published = u64::try_from(e.article.published.timestamp())
                .map_or(UNIX_EPOCH, |s| UNIX_EPOCH + Duration::from_secs(s));
            [Some(published), e.modified]
        })
        .flatten()
        .max()
        .unwrap_or(UNIX_EPOCH)
        .min(now)
}

/// Last-Modified for a changed body: the computed time, but later than the
/// previous one (HTTP dates have whole seconds) and never after `now`.
pub(super) fn advance(
    prev: Option<SystemTime>,
    computed: SystemTime,
    now: SystemTime,
) -> SystemTime {
    let whole = |t: SystemTime| {
        UNIX_EPOCH + Duration::from_secs(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
    };
    match prev {
        Some(p) if whole(computed) <= whole(p) => whole(p + Duration::from_secs(1))
            .min(whole(now))
            .max(whole(p)),
        _ => whole(computed).min(whole(now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_modified_moves_forward_only() {
        let t = |s| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(advance(None, t(100), t(200)), t(100));
        assert_eq!(advance(None, t(300), t(200)), t(200));
        assert_eq!(advance(Some(t(150)), t(100), t(200)), t(151));
        assert_eq!(advance(Some(t(150)), t(180), t(200)), t(180));
        assert_eq!(advance(Some(t(200)), t(100), t(200)), t(200));
    }
}
