//! What a client's earlier runs left behind, so that a daily run only writes what is new:
//! the ingestion index (canonical URLs and content hashes already ingested) and the HTTP
//! validators (ETag / Last-Modified) of each source URL.
//!
//! Crash safety: the day's items file is written first, the index after it. The index records
//! the last day it incorporated; on load, the items files from that day to today are read back
//! and merged in, so an item written just before a crash (and missing from the index) is still
//! known next time — nothing is lost, nothing is ingested twice.

use crate::dedup::Seen;
use crate::model::Item;
use crate::store::{
    DataStore, StoreError, index_key, items_day, items_key, items_prefix, listing_start,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

/// Index entries older than this are forgotten (the index must not grow forever).
const INDEX_RETENTION_DAYS: i64 = 400;
/// At most this many days of items files are read back when repairing the index.
const MAX_REPAIR_DAYS: i64 = 31;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestIndex {
    /// The last day whose items file this index incorporates.
    pub updated_day: Option<NaiveDate>,
    /// The identity keys ingested (stored as `urls` and `hashes`) → day first ingested.
    #[serde(flatten)]
    pub seen: Seen<NaiveDate>,
}

impl IngestIndex {
    /// True when the item was ingested by an earlier run.
    pub fn contains(&self, item: &Item) -> bool {
        self.seen.contains(item)
    }

    pub fn add(&mut self, item: &Item, day: NaiveDate) {
        self.seen.add(item, day);
    }

    /// Another writer's index taken in: each key keeps its earliest day.
    fn union(&mut self, other: IngestIndex) {
        self.seen
            .union(other.seen, |ours, theirs| (*ours).min(theirs));
        self.updated_day = self.updated_day.max(other.updated_day);
    }

    fn prune(&mut self, today: NaiveDate) {
        let cutoff = today - Duration::days(INDEX_RETENTION_DAYS);
        self.seen.retain(|d| *d >= cutoff);
    }

    /// Loads the index and repairs it from the items files written since it was last updated.
    pub async fn load(
        store: &DataStore,
        client_id: &str,
        today: NaiveDate,
    ) -> Result<IngestIndex, StoreError> {
        // The index and the listing of the recent items files in parallel: two requests, one
        // round trip, instead of a read per day of the repair window.
        let earliest = today - Duration::days(MAX_REPAIR_DAYS);
        let prefix = items_prefix(client_id);
        let (index_key, start) = (index_key(client_id), listing_start(&prefix, earliest));
        let (index, listed) = futures::try_join!(
            store.get_json::<IngestIndex>(&index_key),
            store.list_after(&prefix, &start),
        )?;
        let mut index = index.unwrap_or_default();
        let from = index.updated_day.unwrap_or(earliest).max(earliest);
        let days: Vec<NaiveDate> = listed
            .iter()
            .filter_map(|key| items_day(client_id, key))
            .filter(|d| (from..=today).contains(d))
            .collect();
        let files = futures::stream::iter(days)
            .map(|day| async move {
                (
                    day,
                    store
                        .get_json::<Vec<Item>>(&items_key(client_id, day))
                        .await,
                )
            })
            .buffer_unordered(8)
            .collect::<Vec<_>>()
            .await;
        for (day, items) in files {
            for it in items?.unwrap_or_default() {
                index.add(&it, day);
            }
        }
        Ok(index)
    }

    /// Adds this run's items and writes the index (merging with a concurrent writer's version).
    pub async fn record(
        store: &DataStore,
        client_id: &str,
        today: NaiveDate,
        items: &[Item],
    ) -> Result<(), StoreError> {
        let mut fresh = IngestIndex {
            updated_day: Some(today),
            ..Default::default()
        };
        for it in items {
            fresh.add(it, today);
        }
        store
            .update_json(
                &index_key(client_id),
                move |current: Option<IngestIndex>| {
                    let mut merged = current.unwrap_or_default();
                    merged.union(fresh.clone());
                    merged.updated_day = Some(merged.updated_day.map_or(today, |d| d.max(today)));
                    merged.prune(today);
                    merged
                },
            )
            .await
    }
}

/// HTTP validators of one source URL, per client (another client's 304 must not hide items
/// from this one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Validators {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// When the server last sent a full (200) response for this URL.
    pub fetched_at: DateTime<Utc>,
}

impl Validators {
    /// The validators of a full answer for `url`, when the server sent any.
    pub fn of_answer(
        url: &url::Url,
        answer: &crate::fetch::Fetched,
        now: DateTime<Utc>,
    ) -> Option<Validators> {
        (answer.etag.is_some() || answer.last_modified.is_some()).then(|| Validators {
            url: url.to_string(),
            etag: answer.etag.clone(),
            last_modified: answer.last_modified.clone(),
            fetched_at: now,
        })
    }

    /// Validators worth sending: for the same URL, and not older than `max_age` (a server that
    /// keeps answering 304 for longer gets a full request now and then).
    pub fn usable(&self, url: &str, now: DateTime<Utc>, max_age: Duration) -> bool {
        self.url == url
            && (self.etag.is_some() || self.last_modified.is_some())
            && now - self.fetched_at <= max_age
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ItemMetadata, content_hash};
    use crate::store::Location;

    fn item(url: &str) -> Item {
        let content = format!("A long enough text to be identified by its hash: {url}");
        Item {
            item_id: url.into(),
            source_key: "s".into(),
            source_type: "t".into(),
            title: "t".into(),
            content_hash: content_hash(&content),
            content,
            url: url.into(),
            published_at: None,
            ingested_at: String::new(),
            language: "en".into(),
            metadata: ItemMetadata::default(),
            date_source: None,
        }
    }

    /// The index's stored form is unchanged by its keys living in `Seen`: `updated_day`, `urls`
    /// and `hashes` side by side, each key with the day it was first ingested.
    #[test]
    fn stored_form_keeps_urls_and_hashes_at_the_top() {
        let stored = r#"{"updated_day":"2026-03-01","urls":{"https://a.example/x":"2026-02-27"},"hashes":{"sha256:ab":"2026-02-28"}}"#;
        let index: IngestIndex = serde_json::from_str(stored).unwrap();
        assert_eq!(index.updated_day, NaiveDate::from_ymd_opt(2026, 3, 1));
        assert_eq!(
            index.seen.urls["https://a.example/x"],
            NaiveDate::from_ymd_opt(2026, 2, 27).unwrap()
        );
        assert_eq!(
            index.seen.hashes["sha256:ab"],
            NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()
        );
        let written: serde_json::Value = serde_json::to_value(&index).unwrap();
        let back: serde_json::Value = serde_json::from_str(stored).unwrap();
        assert_eq!(written, back);
    }

    async fn write_day(store: &DataStore, client: &str, day: NaiveDate, url: &str) {
        let bytes = serde_json::to_vec(&vec![item(url)]).unwrap();
        store
            .put(&items_key(client, day), bytes.into())
            .await
            .unwrap();
    }

    /// The repair reads exactly the items files of the days since the index's last update (at
    /// most `MAX_REPAIR_DAYS`), of this client only, found by listing.
    #[tokio::test]
    async fn repair_reads_the_items_files_since_the_index_was_updated() {
        let dir = tempfile::tempdir().unwrap();
        let store = DataStore::open(&Location::Local(dir.path().to_path_buf()), true).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let day = |n: i64| today - Duration::days(n);
        for (n, url) in [(40, "old"), (5, "five"), (1, "yesterday"), (0, "today")] {
            write_day(&store, "acme", day(n), &format!("https://a.example/{url}")).await;
        }
        write_day(&store, "acme_2", day(0), "https://a.example/other-client").await;
        // Not items files: ignored.
        store
            .put("ingested/acme/2026/03/01/items.json.tmp", "[]".into())
            .await
            .unwrap();
        let known = |index: &IngestIndex| {
            let mut urls: Vec<String> = index.seen.urls.keys().cloned().collect();
            urls.sort();
            urls
        };

        // No index yet: the last 31 days.
        let index = IngestIndex::load(&store, "acme", today).await.unwrap();
        assert_eq!(
            known(&index),
            [
                "https://a.example/five",
                "https://a.example/today",
                "https://a.example/yesterday"
            ]
        );

        // An index updated yesterday: yesterday's and today's files only.
        let recorded = IngestIndex {
            updated_day: Some(day(1)),
            ..IngestIndex::default()
        };
        store
            .put(
                &index_key("acme"),
                serde_json::to_vec(&recorded).unwrap().into(),
            )
            .await
            .unwrap();
        let index = IngestIndex::load(&store, "acme", today).await.unwrap();
        assert_eq!(
            known(&index),
            ["https://a.example/today", "https://a.example/yesterday"]
        );
        assert!(index.contains(&item("https://a.example/today")));
        assert!(!index.contains(&item("https://a.example/five")));
    }
}
