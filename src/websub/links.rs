//! The `Link` header of every feed response when WebSub is on, made once per snapshot.

use std::collections::HashMap;

use http::HeaderValue;

use crate::config::Config;
use crate::render::Format;
use crate::site::Site;

/// `Link: <hub>; rel="hub", <self>; rel="self"` for each feed (WebSub §4: a
/// subscriber discovers the hubs and the topic URL from the headers, the only
/// way for a JSON feed). Empty when no hub is configured.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// `<hub>; rel="hub"` for each hub, comma-separated; empty when WebSub is off.
    hubs: String,
    /// `[site] base_url`: a feed's self URL is it and the path.
    base_url: String,
    /// The header of every feed the snapshot holds, by path.
    feeds: HashMap<String, HeaderValue>,
}

impl Links {
    /// The headers of every feed of `site` under `config`.
    pub fn new(config: &Config, site: &Site) -> Links {
        if config.websub.hubs.is_empty() {
            return Links::default();
        }
        let hubs = config
            .websub
            .hubs
            .iter()
            .map(|hub| format!("<{hub}>; rel=\"hub\""))
            .collect::<Vec<_>>()
            .join(", ");
        let mut links = Links {
            hubs,
            base_url: config.site.base_url.clone(),
            feeds: HashMap::new(),
        };
        for (path, resource) in &site.resources {
            if let Some(value) = links.make(path, resource.content_type) {
                links.feeds.insert(path.clone(), value);
            }
        }
        links
    }

    /// The `Link` header of the resource at `path` served as `content_type`:
    /// `None` when WebSub is off or the resource is not a feed. Made once per
    /// snapshot for the feeds it holds; made here for any other feed (an
    /// archive document rendered on demand).
    pub fn header(&self, path: &str, content_type: &str) -> Option<HeaderValue> {
        if self.hubs.is_empty() {
            return None;
        }
        match self.feeds.get(path) {
            Some(value) => Some(value.clone()),
            None => self.make(path, content_type),
        }
    }

    fn make(&self, path: &str, content_type: &str) -> Option<HeaderValue> {
        Format::of_content_type(content_type)?;
        // Hub URLs are normalized ASCII (config) and so are base_url and a
        // served path; a value that is not fails quietly rather than panics.
        HeaderValue::from_str(&format!(
            "{}, <{}{path}>; rel=\"self\"",
            self.hubs, self.base_url
        ))
        .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::SystemTime;

    use crate::site::Resource;

    fn site() -> Site {
        let mut site = Site::default();
        for (path, format) in [("/feed.json", Format::Json), ("/feeds/a.rss", Format::Rss)] {
            let r = Resource::new(format.content_type(), SystemTime::UNIX_EPOCH, b"x".to_vec());
            site.resources.insert(path.to_owned(), Arc::new(r));
        }
        let page = Resource::new("text/html; charset=utf-8", SystemTime::UNIX_EPOCH, vec![]);
        site.resources.insert("/".to_owned(), Arc::new(page));
        site
    }

    #[test]
    fn every_feed_names_the_hubs_and_itself() {
        let cfg = Config::from_toml(
            "[site]\nbase_url = \"https://tin.example.vn/\"\n\
             [websub]\nhubs = [\"https://hub.example/\", \"http://127.0.0.1:9/h\"]",
            None,
        )
        .unwrap();
        let links = Links::new(&cfg, &site());
        let expect = "<https://hub.example/>; rel=\"hub\", <http://127.0.0.1:9/h>; rel=\"hub\", \
                      <https://tin.example.vn/feed.json>; rel=\"self\"";
        assert_eq!(
            links
                .header("/feed.json", Format::Json.content_type())
                .unwrap(),
            expect
        );
        // A feed the snapshot does not hold (an archive) gets one too; a page does not.
        let archive = links.header("/archive/2024-05.atom", Format::Atom.content_type());
        assert_eq!(
            archive.unwrap(),
            "<https://hub.example/>; rel=\"hub\", <http://127.0.0.1:9/h>; rel=\"hub\", \
             <https://tin.example.vn/archive/2024-05.atom>; rel=\"self\""
        );
        assert_eq!(links.header("/", "text/html; charset=utf-8"), None);
    }

    #[test]
    fn no_hubs_no_header() {
        let cfg = Config::from_toml("", None).unwrap();
        let links = Links::new(&cfg, &site());
        assert_eq!(
            links.header("/feed.json", Format::Json.content_type()),
            None
        );
    }
}
