//! What a client's runs left in the data store over a period: the run reports and the items,
//! read back for reports (`vectora-inbox report`) — the engine's own files, in its key layout.

use crate::model::{Item, RunReport};
use crate::store::{
    DataStore, StoreError, day_of, items_day, items_key, items_prefix, listing_start, runs_prefix,
};
use chrono::NaiveDate;
use futures::StreamExt;

/// Files read at the same time.
const READ_CONCURRENCY: usize = 8;

/// The runs and items of one client over a period of days.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Run reports, oldest first.
    pub runs: Vec<RunReport>,
    /// Items of the period's items files, in day order then file order.
    pub items: Vec<Item>,
}

impl History {
    /// Reads the run reports and items files of the days `from..=to`.
    pub async fn load(
        store: &DataStore,
        client_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<History, StoreError> {
        let (runs_prefix, items_prefix) = (runs_prefix(client_id), items_prefix(client_id));
        let (runs_start, items_start) = (
            listing_start(&runs_prefix, from),
            listing_start(&items_prefix, from),
        );
        let (run_keys, item_keys) = futures::try_join!(
            store.list_after(&runs_prefix, &runs_start),
            store.list_after(&items_prefix, &items_start),
        )?;
        let in_period = |d: &NaiveDate| (from..=to).contains(d);
        let run_keys: Vec<String> = run_keys
            .into_iter()
            .filter(|k| {
                k.ends_with(".json") && day_of(&runs_prefix, k).is_some_and(|d| in_period(&d))
            })
            .collect();
        let days: Vec<NaiveDate> = item_keys
            .iter()
            .filter_map(|k| items_day(client_id, k))
            .filter(in_period)
            .collect();

        let mut runs: Vec<RunReport> = read_all(store, run_keys).await?;
        runs.sort_by(|a, b| a.execution_date.cmp(&b.execution_date));
        let mut days = days;
        days.sort_unstable();
        let keys = days.iter().map(|d| items_key(client_id, *d)).collect();
        let items = read_all::<Vec<Item>>(store, keys)
            .await?
            .into_iter()
            .flatten()
            .collect();
        Ok(History { runs, items })
    }
}

/// Reads and decodes every key, in the order given; a corrupt file is an error naming it.
async fn read_all<T: serde::de::DeserializeOwned>(
    store: &DataStore,
    keys: Vec<String>,
) -> Result<Vec<T>, StoreError> {
    let read: Vec<Result<Option<T>, StoreError>> = futures::stream::iter(keys)
        .map(|k| async move { store.get_json::<T>(&k).await })
        .buffered(READ_CONCURRENCY)
        .collect()
        .await;
    let mut out = Vec::with_capacity(read.len());
    for r in read {
        out.extend(r?);
    }
    Ok(out)
}
