//! Which symlinks of the store lead through which paths: the reverse map that
//! lets a change to a file refresh the links that give it as an article.
//!
//! A link to a file in the store is read as an article under the link's own
//! path, but an edit of the target raises events on the target's path only.
//! So the catalog remembers, for each link it has seen (served, refused, or
//! named as an article but leading to a folder, which a file may replace),
//! the paths it leads through ([`crate::store::Root::through`]: each further
//! link of its chain, then the file it ends at), and the watcher asks here
//! which links an event's path concerns. One entry per link and path on its
//! chain, so its size is bounded by the number of links (times the length of
//! their chains, at most 40), never by the number of files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};

/// The links of the store and the paths each leads through, both ways.
#[derive(Debug, Default)]
pub struct Links {
    /// For each link, the paths it leads through.
    through: HashMap<PathBuf, Vec<PathBuf>>,
    /// For each path some link leads through, those links.
    into: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
}

impl Links {
    /// Records that `link` leads through `through` (in place of what it led
    /// through before); an empty `through` (no link, or one that leads
    /// nowhere in the store) forgets it.
    pub fn set(&mut self, link: &Path, through: Vec<PathBuf>) {
        if self.through.get(link) == Some(&through) {
            return;
        }
        self.forget(link);
        if through.is_empty() {
            return;
        }
        for hop in &through {
            self.into
                .entry(hop.clone())
                .or_default()
                .insert(link.to_owned());
        }
        self.through.insert(link.to_owned(), through);
    }

    /// Forgets `link` (it left the store, or is no link any more).
    pub fn forget(&mut self, link: &Path) {
        // Nearly every path the catalog records is a plain file, and most
        // stores have no link at all: then not even a lookup.
        if self.through.is_empty() {
            return;
        }
        let Some(hops) = self.through.remove(link) else {
            return;
        };
        for hop in hops {
            if let Some(links) = self.into.get_mut(&hop) {
                links.remove(link);
                if links.is_empty() {
                    self.into.remove(&hop);
                }
            }
        }
    }

    /// The links that lead through `sub` or through a path below it (an
    /// event on a folder concerns everything in it), in path order.
    pub fn into_under(&self, sub: &Path) -> BTreeSet<PathBuf> {
        if self.into.is_empty() {
            return BTreeSet::new();
        }
        // Paths compare by components, so `sub` and what is below it are
        // one run of the map, starting at `sub`.
        self.into
            .range::<Path, _>((Bound::Included(sub), Bound::Unbounded))
            .take_while(|(hop, _)| hop.starts_with(sub))
            .flat_map(|(_, links)| links.iter().cloned())
            .collect()
    }

    /// How many links are known.
    pub fn len(&self) -> usize {
        self.through.len()
    }

    /// Whether no link is known.
    pub fn is_empty(&self) -> bool {
        self.through.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    fn set(links: &BTreeSet<PathBuf>) -> Vec<&str> {
        links.iter().map(|l| l.to_str().unwrap()).collect()
    }

    #[test]
    fn a_target_names_every_link_to_it_and_a_chain_names_each_link_on_it() {
        let mut links = Links::default();
        links.set(&p("/s/sym/a.txt"), vec![p("/s/rev/utc.txt")]);
        links.set(&p("/s/sym/b.txt"), vec![p("/s/rev/utc.txt")]);
        // c → b → utc: a change to b (retargeted) or to utc concerns c.
        links.set(&p("/s/c.txt"), vec![p("/s/sym/b.txt"), p("/s/rev/utc.txt")]);
        assert_eq!(
            set(&links.into_under(&p("/s/rev/utc.txt"))),
            ["/s/c.txt", "/s/sym/a.txt", "/s/sym/b.txt"]
        );
        assert_eq!(set(&links.into_under(&p("/s/sym/b.txt"))), ["/s/c.txt"]);
        assert!(links.into_under(&p("/s/rev/other.txt")).is_empty());
        assert_eq!(links.len(), 3);
    }

    #[test]
    fn a_folder_names_the_links_into_it_and_no_neighbour_s() {
        let mut links = Links::default();
        links.set(&p("/s/l1.txt"), vec![p("/s/rev/x/utc.txt")]);
        links.set(&p("/s/l2.txt"), vec![p("/s/rev-2/utc.txt")]);
        links.set(&p("/s/l3.txt"), vec![p("/s/rev")]);
        assert_eq!(
            set(&links.into_under(&p("/s/rev"))),
            ["/s/l1.txt", "/s/l3.txt"]
        );
        assert_eq!(
            set(&links.into_under(&p("/s"))),
            ["/s/l1.txt", "/s/l2.txt", "/s/l3.txt"]
        );
    }

    #[test]
    fn a_retargeted_or_forgotten_link_leaves_no_trace() {
        let mut links = Links::default();
        links.set(&p("/s/l.txt"), vec![p("/s/a.txt")]);
        links.set(&p("/s/l.txt"), vec![p("/s/b.txt")]);
        assert!(links.into_under(&p("/s/a.txt")).is_empty());
        assert_eq!(set(&links.into_under(&p("/s/b.txt"))), ["/s/l.txt"]);
        // Replaced by a plain file: no longer a link.
        links.set(&p("/s/l.txt"), Vec::new());
        assert!(links.is_empty());
        assert!(links.into.is_empty(), "{links:?}");
        links.set(&p("/s/l.txt"), vec![p("/s/b.txt")]);
        links.forget(&p("/s/l.txt"));
        links.forget(&p("/s/never-a-link.txt"));
        assert!(links.is_empty() && links.into.is_empty(), "{links:?}");
    }
}
