//! Read-modify-write of a JSON object (the day's items file, a client's index), so that a
//! same-day rerun or a concurrent run never loses what another wrote. The write is atomic;
//! concurrent writers are serialised by a conditional put on S3 (If-Match on the ETag read,
//! If-None-Match on create) and by a file lock on a local folder.

use super::{DataStore, StoreError, join};
use crate::dedup::Seen;
use crate::model::Item;
use bytes::Bytes;
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashSet;

/// What a merge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MergeOutcome {
    /// Items newly added to the file.
    pub added: usize,
    /// Items of this run already in the file (same item_id, same URL and version, or same
    /// substantial content: see `dedup::Seen`): kept as they were.
    pub already_present: usize,
    /// Items in the file after the merge.
    pub total: usize,
}

const MAX_ATTEMPTS: usize = 16;

impl DataStore {
    /// Adds `items` to the JSON array stored at `key`, keeping what is there.
    pub async fn merge_items(&self, key: &str, items: &[Item]) -> Result<MergeOutcome, StoreError> {
        let outcome = std::sync::Mutex::new(MergeOutcome::default());
        self.update_json(key, |existing: Option<Vec<Item>>| {
            let (merged, o) = merge(existing.unwrap_or_default(), items);
            if let Ok(mut g) = outcome.lock() {
                *g = o;
            }
            merged
        })
        .await?;
        Ok(outcome.into_inner().unwrap_or_default())
    }

    /// Reads the JSON value at `key` (None when missing), applies `update`, writes the result
    /// atomically; retried from the read when another writer got in between.
    pub async fn update_json<T, F>(&self, key: &str, update: F) -> Result<(), StoreError>
    where
        T: DeserializeOwned + Serialize,
        F: Fn(Option<T>) -> T,
    {
        let _lock = match &self.local_root {
            Some(dir) => Some(LocalLock::acquire(dir, key).await?),
            None => None,
        };
        let path = join(&self.root, key);
        for _ in 0..MAX_ATTEMPTS {
            let (existing, version) = match self.store.get(&path).await {
                Ok(r) => {
                    let version = UpdateVersion {
                        e_tag: r.meta.e_tag.clone(),
                        version: r.meta.version.clone(),
                    };
                    let bytes = r
                        .bytes()
                        .await
                        .map_err(|e| StoreError::backend(&self.location, &e))?;
                    let value: T =
                        serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
                            key: self.display_key(key),
                            message: e.to_string(),
                        })?;
                    (Some(value), Some(version))
                }
                Err(object_store::Error::NotFound { .. }) => (None, None),
                Err(e) => return Err(StoreError::backend(&self.location, &e)),
            };
            let updated = update(existing);
            let body = serde_json::to_vec_pretty(&updated).map_err(|e| StoreError::Encode {
                key: self.display_key(key),
                message: e.to_string(),
            })?;
            let mode = if self.local_root.is_some() {
                // The file lock serialises writers; the local backend writes via rename.
                PutMode::Overwrite
            } else {
                match version {
                    Some(v) => PutMode::Update(v),
                    None => PutMode::Create,
                }
            };
            let opts = PutOptions {
                mode,
                ..Default::default()
            };
            match self
                .store
                .put_opts(&path, PutPayload::from_bytes(Bytes::from(body)), opts)
                .await
            {
                Ok(_) => return Ok(()),
                Err(
                    object_store::Error::Precondition { .. }
                    | object_store::Error::AlreadyExists { .. },
                ) => {
                    // Someone else wrote in between: read again and apply again.
                    tokio::time::sleep(std::time::Duration::from_millis(
                        20 + rand::random::<u64>() % 80,
                    ))
                    .await;
                    continue;
                }
                Err(e) => return Err(StoreError::backend(&self.location, &e)),
            }
        }
        Err(StoreError::Backend {
            location: self.display_key(key),
            message: format!("gave up after {MAX_ATTEMPTS} concurrent-write conflicts"),
        })
    }
}

/// Existing items first, in their order; then the new ones not already present (same item_id,
/// or known to [`Seen`]: the identity rule the run's deduplication and the index follow).
fn merge(mut existing: Vec<Item>, new: &[Item]) -> (Vec<Item>, MergeOutcome) {
    let mut ids: HashSet<String> = existing.iter().map(|i| i.item_id.clone()).collect();
    let mut seen = Seen::default();
    for item in &existing {
        seen.add(item, ());
    }
    let mut added = 0;
    let mut already = 0;
    for item in new {
        if ids.contains(&item.item_id) || !seen.insert_new(item, ()) {
            already += 1;
            continue;
        }
        ids.insert(item.item_id.clone());
        existing.push(item.clone());
        added += 1;
    }
    let total = existing.len();
    (
        existing,
        MergeOutcome {
            added,
            already_present: already,
            total,
        },
    )
}

/// An exclusive lock on `{root}/.locks/{key}.lock`, held while a merge reads and writes.
struct LocalLock {
    _file: std::fs::File,
}

impl LocalLock {
    async fn acquire(root: &std::path::Path, key: &str) -> Result<LocalLock, StoreError> {
        let lock_path = root
            .join(".locks")
            .join(format!("{}.lock", key.replace('/', "__")));
        let display = lock_path.display().to_string();
        let file = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
            if let Some(parent) = lock_path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let f = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)?;
            f.lock()?;
            Ok(f)
        })
        .await
        .map_err(|e| StoreError::Backend {
            location: display.clone(),
            message: e.to_string(),
        })?
        .map_err(|e| StoreError::Backend {
            location: display,
            message: e.to_string(),
        })?;
        Ok(LocalLock { _file: file })
    }
}
