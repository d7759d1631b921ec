//! A sorted set of the index read with its articles: keys in order, and ranges
//! of them by date or by key.

use std::cmp::Ordering;

use super::members::{Cursor, Members, SortKey};
use super::{id_of, order, Entry, Index};

/// A place in a list (which runs newest first), to start or end a range at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// Before the newest article.
    Start,
    /// After the oldest article.
    End,
    /// Before the newest article published at or before this instant (UTC seconds).
    Published(i64),
    /// Before this key (where it is or would be).
    Key(SortKey),
    /// Just after this key.
    After(SortKey),
}

/// One article of a list: its key, and its entry looked up when asked for
/// (a list read by date alone needs none).
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// Where it stands.
    pub key: SortKey,
    index: &'a Index,
}

impl<'a> Member<'a> {
    /// The article's entry.
    pub fn entry(&self) -> Option<&'a Entry> {
        self.index.entry(self.key)
    }

    /// The article's id ("" if its number were free, which a member's is not).
    pub fn id(&self) -> &'a str {
        id_of(&self.index.table, self.key.number())
    }

    /// When it was published, in UTC seconds.
    pub fn published(&self) -> i64 {
        self.key.published()
    }
}

/// A list of the index: a category's, a tag's, an author's or all articles.
#[derive(Debug, Clone, Copy)]
pub struct Keys<'a> {
    index: &'a Index,
    set: &'a Members,
}

impl<'a> Keys<'a> {
    pub(super) fn new(index: &'a Index, set: &'a Members) -> Keys<'a> {
        Keys { index, set }
    }

    /// How many articles it holds.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The newest article.
    pub fn first(&self) -> Option<Member<'a>> {
        self.set.first().map(|k| self.member(k))
    }

    /// Every article, newest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Member<'a>> + 'a {
        let this = *self;
        self.set.iter().map(move |k| this.member(k))
    }

    /// Every article the list shows, newest first: withdrawn ones left out
    /// (their pages are 410 Gone; only a month page, the complete record,
    /// lists them). Each member's entry is looked up to tell.
    pub fn listed(&self) -> impl Iterator<Item = Member<'a>> + 'a {
        let index = self.index;
        self.iter().filter(move |m| !index.is_withdrawn(m.key))
    }

    /// The articles from `from` up to `to`, newest first.
    pub fn range(&self, from: At, to: At) -> impl DoubleEndedIterator<Item = Member<'a>> + 'a {
        let this = *self;
        self.set
            .between(self.cursor(from), self.cursor(to))
            .map(move |k| this.member(k))
    }

    /// The order of the list: newest first, ties by id.
    pub fn order(&self, a: SortKey, b: SortKey) -> Ordering {
        order(&self.index.table, a, b)
    }

    fn cursor(&self, at: At) -> Cursor {
        match at {
            At::Start => self.set.cursor(|_| false),
            At::End => self.set.cursor(|_| true),
            At::Published(t) => self.set.cursor(|k| k.published() > t),
            At::Key(key) => self.set.cursor(|k| self.order(k, key) == Ordering::Less),
            At::After(key) => self.set.cursor(|k| self.order(k, key) != Ordering::Greater),
        }
    }

    fn member(&self, key: SortKey) -> Member<'a> {
        Member {
            key,
            index: self.index,
        }
    }
}
