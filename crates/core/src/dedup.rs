//! Deduplication within a run: the same entry reached twice (two sources, two links, a
//! tracking-parameter variant) is kept once. Keys: [`Item::identity`] (the canonical URL, with
//! the version of versioned records) and [`Item::hash_identity`] (the content hash when the
//! content is substantial enough to identify an item).

use crate::model::Item;
use std::collections::HashSet;

#[derive(Debug, Default)]
pub struct Deduper {
    urls: HashSet<String>,
    hashes: HashSet<String>,
}

impl Deduper {
    /// True when the item is new (and records it); false for a duplicate.
    pub fn insert(&mut self, item: &Item) -> bool {
        let url = item.identity();
        let hash = item.hash_identity();
        if self.urls.contains(&url) || hash.is_some_and(|h| self.hashes.contains(h)) {
            return false;
        }
        self.urls.insert(url);
        if let Some(h) = hash {
            self.hashes.insert(h.to_string());
        }
        true
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

    #[test]
    fn canonical_url_and_content_hash_dedup() {
        let mut d = Deduper::default();
        let long = "Camurus announces positive topline results from the phase 3 trial of CAM2029.";
        assert!(d.insert(&item("https://www.camurus.com/news/a/", long)));
        assert!(!d.insert(&item(
            "HTTPS://WWW.CAMURUS.COM/news/a?utm_source=x",
            "other text entirely, long enough to hash"
        )));
        assert!(!d.insert(&item("https://fiercebiotech.com/x", &long.to_uppercase())));
        // Short teasers are not used as identity: two different releases may share "Read more".
        assert!(d.insert(&item("https://x.com/1", "Read more")));
        assert!(d.insert(&item("https://x.com/2", "Read more")));
    }
}
