//! What a client's runs left in the data store over a period: the run reports and the items,
//! read back for reports (`vectora-inbox report`) — the engine's own files, in its key layout.

use crate::model::{Item, RunReport};
use crate::store::{DataStore, StoreError, items_key};
use chrono::{Duration, NaiveDate};
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
        let runs_prefix = format!("runs/{client_id}/");
        let items_prefix = format!("ingested/{client_id}/");
        // Keys sort by day; `~` sorts after every run id and file name of the day before.
        let day_before = (from - Duration::days(1)).format("%Y/%m/%d/~").to_string();
        let (runs_after, items_after) = (
            format!("{runs_prefix}{day_before}"),
            format!("{items_prefix}{day_before}"),
        );
        let (run_keys, item_keys) = futures::try_join!(
            store.list_after(&runs_prefix, &runs_after),
            store.list_after(&items_prefix, &items_after),
        )?;
        let in_period = |prefix: &str, key: &str| {
            key.strip_prefix(prefix)
                .and_then(|rest| rest.get(..10))
                .and_then(|day| NaiveDate::parse_from_str(day, "%Y/%m/%d").ok())
                .is_some_and(|d| (from..=to).contains(&d))
        };
        let run_keys: Vec<String> = run_keys
            .into_iter()
            .filter(|k| k.ends_with(".json") && in_period(&runs_prefix, k))
            .collect();
        let days: Vec<NaiveDate> = item_keys
            .iter()
            .filter(|k| in_period(&items_prefix, k))
            .filter_map(|k| {
                let day = k.strip_prefix(&items_prefix)?.strip_suffix("/items.json")?;
                NaiveDate::parse_from_str(day, "%Y/%m/%d").ok()
            })
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
