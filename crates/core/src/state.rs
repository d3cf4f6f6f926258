//! What a client's earlier runs left behind, so that a daily run only writes what is new:
//! the ingestion index (canonical URLs and content hashes already ingested) and the HTTP
//! validators (ETag / Last-Modified) of each source URL.
//!
//! Crash safety: the day's items file is written first, the index after it. The index records
//! the last day it incorporated; on load, the items files from that day to today are read back
//! and merged in, so an item written just before a crash (and missing from the index) is still
//! known next time — nothing is lost, nothing is ingested twice.

use crate::model::Item;
use crate::store::{DataStore, StoreError, items_key};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Index entries older than this are forgotten (the index must not grow forever).
const INDEX_RETENTION_DAYS: i64 = 400;
/// At most this many days of items files are read back when repairing the index.
const MAX_REPAIR_DAYS: i64 = 31;

/// Content shorter than this is too generic to identify an item by its hash (see dedup).
const MIN_CONTENT_FOR_HASH: usize = 40;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestIndex {
    /// The last day whose items file this index incorporates.
    pub updated_day: Option<NaiveDate>,
    /// canonical URL → day first ingested
    pub urls: HashMap<String, NaiveDate>,
    /// content hash → day first ingested
    pub hashes: HashMap<String, NaiveDate>,
}

pub fn index_key(client_id: &str) -> String {
    format!("state/{client_id}/index.json")
}

impl IngestIndex {
    /// True when the item was ingested by an earlier run.
    pub fn contains(&self, item: &Item) -> bool {
        self.urls
            .contains_key(&vectora_parse::urls::canonicalize(&item.url))
            || (hashable(item) && self.hashes.contains_key(&item.content_hash))
    }

    pub fn add(&mut self, item: &Item, day: NaiveDate) {
        self.urls
            .entry(vectora_parse::urls::canonicalize(&item.url))
            .or_insert(day);
        if hashable(item) {
            self.hashes.entry(item.content_hash.clone()).or_insert(day);
        }
    }

    fn union(&mut self, other: IngestIndex) {
        for (k, d) in other.urls {
            let e = self.urls.entry(k).or_insert(d);
            *e = (*e).min(d);
        }
        for (k, d) in other.hashes {
            let e = self.hashes.entry(k).or_insert(d);
            *e = (*e).min(d);
        }
        self.updated_day = self.updated_day.max(other.updated_day);
    }

    fn prune(&mut self, today: NaiveDate) {
        let cutoff = today - Duration::days(INDEX_RETENTION_DAYS);
        self.urls.retain(|_, d| *d >= cutoff);
        self.hashes.retain(|_, d| *d >= cutoff);
    }

    /// Loads the index and repairs it from the items files written since it was last updated.
    pub async fn load(
        store: &DataStore,
        client_id: &str,
        today: NaiveDate,
    ) -> Result<IngestIndex, StoreError> {
        let mut index: IngestIndex = store
            .get_json(&index_key(client_id))
            .await?
            .unwrap_or_default();
        let from = index
            .updated_day
            .unwrap_or(today - Duration::days(MAX_REPAIR_DAYS))
            .max(today - Duration::days(MAX_REPAIR_DAYS));
        let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= today).collect();
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

fn hashable(item: &Item) -> bool {
    item.content.trim().chars().count() >= MIN_CONTENT_FOR_HASH
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

pub fn validators_key(client_id: &str, source_key: &str) -> String {
    format!("state/{client_id}/http/{source_key}.json")
}

impl Validators {
    /// Validators worth sending: for the same URL, and not older than `max_age` (a server that
    /// keeps answering 304 for longer gets a full request now and then).
    pub fn usable(&self, url: &str, now: DateTime<Utc>, max_age: Duration) -> bool {
        self.url == url
            && (self.etag.is_some() || self.last_modified.is_some())
            && now - self.fetched_at <= max_age
    }
}
