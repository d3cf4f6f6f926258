//! The one rule for "this item was seen already": an item is known when its [`Item::identity`]
//! (the canonical URL, with the version of versioned records) or its [`Item::hash_identity`]
//! (the content hash, when the content is substantial enough to identify an item) was recorded.
//! [`Seen`] owns that check for every holder: the run's [`Deduper`] (the same entry reached
//! twice — two sources, two links, a tracking-parameter variant — is kept once), the ingestion
//! index of earlier runs (`state::IngestIndex`, which records the day of each key) and the merge
//! into a day's items file.

use crate::model::Item;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Both identity keys of the items recorded, each with a value (`()`, or the day it was first
/// ingested). Serialized as the two maps `urls` and `hashes`, the ingestion index's stored form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seen<V> {
    /// identity (canonical URL, with the version of versioned records) → value
    pub urls: HashMap<String, V>,
    /// content hash → value
    pub hashes: HashMap<String, V>,
}

impl<V> Default for Seen<V> {
    fn default() -> Self {
        Seen {
            urls: HashMap::new(),
            hashes: HashMap::new(),
        }
    }
}

impl<V: Clone> Seen<V> {
    /// True when either identity key of the item was recorded.
    pub fn contains(&self, item: &Item) -> bool {
        self.urls.contains_key(&item.identity())
            || item
                .hash_identity()
                .is_some_and(|h| self.hashes.contains_key(h))
    }

    /// Records both keys of the item; a key recorded already keeps its first value.
    pub fn add(&mut self, item: &Item, value: V) {
        if let Some(h) = item.hash_identity() {
            self.hashes
                .entry(h.to_string())
                .or_insert_with(|| value.clone());
        }
        self.urls.entry(item.identity()).or_insert(value);
    }

    /// Records the item unless it is known: true when it was new.
    pub fn insert_new(&mut self, item: &Item, value: V) -> bool {
        if self.contains(item) {
            return false;
        }
        self.add(item, value);
        true
    }

    /// Takes in another set's keys; a key both hold gets `pick(ours, theirs)`.
    pub fn union(&mut self, other: Seen<V>, pick: impl Fn(&V, V) -> V) {
        for (mine, theirs) in [
            (&mut self.urls, other.urls),
            (&mut self.hashes, other.hashes),
        ] {
            for (key, value) in theirs {
                match mine.entry(key) {
                    Entry::Occupied(mut ours) => {
                        let merged = pick(ours.get(), value);
                        ours.insert(merged);
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(value);
                    }
                }
            }
        }
    }

    /// Keeps the keys whose value passes `keep`.
    pub fn retain(&mut self, keep: impl Fn(&V) -> bool) {
        self.urls.retain(|_, v| keep(v));
        self.hashes.retain(|_, v| keep(v));
    }
}

/// The items of one run, so that each is kept once.
#[derive(Debug, Default)]
pub struct Deduper(Seen<()>);

impl Deduper {
    /// True when the item is new (and records it); false for a duplicate.
    pub fn insert(&mut self, item: &Item) -> bool {
        self.0.insert_new(item, ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ItemMetadata, content_hash};

    fn item(url: &str, content: &str) -> Item {
        Item {
            item_id: "x".into(),
            source_key: "s".into(),
            source_type: "t".into(),
            title: "t".into(),
            content: content.into(),
            url: url.into(),
            published_at: None,
            ingested_at: String::new(),
            language: "en".into(),
            content_hash: content_hash(content),
            metadata: ItemMetadata::default(),
            date_source: None,
        }
    }

    const LONG: &str =
        "Camurus announces positive topline results from the phase 3 trial of CAM2029.";

    #[test]
    fn canonical_url_and_content_hash_dedup() {
        let mut d = Deduper::default();
        assert!(d.insert(&item("https://www.camurus.com/news/a/", LONG)));
        assert!(!d.insert(&item(
            "HTTPS://WWW.CAMURUS.COM/news/a?utm_source=x",
            "other text entirely, long enough to hash"
        )));
        assert!(!d.insert(&item("https://fiercebiotech.com/x", &LONG.to_uppercase())));
        // Short teasers are not used as identity: two different releases may share "Read more".
        assert!(d.insert(&item("https://x.com/1", "Read more")));
        assert!(d.insert(&item("https://x.com/2", "Read more")));
    }

    /// A key keeps its first value; the union picks between two values of one key; retain drops
    /// by value: what the ingestion index's days rely on.
    #[test]
    fn values_are_first_recorded_then_picked_and_retained() {
        let a = item("https://a.example/1", LONG);
        let mut seen: Seen<u32> = Seen::default();
        seen.add(&a, 5);
        seen.add(&a, 9);
        assert_eq!(seen.urls.values().copied().collect::<Vec<_>>(), [5]);
        assert_eq!(seen.hashes.values().copied().collect::<Vec<_>>(), [5]);

        let b = item(
            "https://b.example/2",
            "another release, long enough to be hashed too",
        );
        let mut other: Seen<u32> = Seen::default();
        other.add(&a, 3);
        other.add(&b, 7);
        seen.union(other, |ours, theirs| (*ours).min(theirs));
        assert_eq!(seen.urls[&a.identity()], 3);
        assert_eq!(seen.urls[&b.identity()], 7);

        seen.retain(|v| *v > 4);
        assert!(!seen.contains(&a));
        assert!(seen.contains(&b));
        assert!(!seen.insert_new(&b, 1));
        assert!(seen.insert_new(&a, 1));
    }
}
