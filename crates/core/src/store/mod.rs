//! Storage: one abstraction over a local folder and S3 (via `object_store`), the key layout of the
//! data bucket, and the atomic read-merge-write of a day's items.

mod keys;
mod location;
mod merge;

pub use keys::{
    FAN_OUT_RUNS, day_of, fan_out_summary_key, health_key, index_key, items_day, items_key,
    items_prefix, listing_start, run_report_key, runs_prefix, validators_key,
};
pub use location::{Location, S3Auth, join};
pub use merge::MergeOutcome;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid location `{0}`: expected a folder path or s3://bucket[/prefix]")]
    InvalidLocation(String),
    #[error("{0}")]
    NotFound(String),
    #[error("storage error at {location}: {message}")]
    Backend { location: String, message: String },
    #[error("{key}: stored JSON is corrupt: {message}")]
    Corrupt { key: String, message: String },
    /// A value that could not be written as JSON (nothing was stored): a bug, not bad data.
    #[error("{key}: cannot encode as JSON: {message}")]
    Encode { key: String, message: String },
}

impl StoreError {
    pub(crate) fn backend(location: &impl std::fmt::Display, e: &dyn std::fmt::Display) -> Self {
        StoreError::Backend {
            location: location.to_string(),
            message: crate::model::truncate_message(&e.to_string(), 400),
        }
    }
}

/// The data store: where items, run reports and fetch state are written.
#[derive(Clone)]
pub struct DataStore {
    location: Location,
    store: Arc<dyn ObjectStore>,
    root: Path,
    /// For a local folder: the folder (used for the cross-process lock of a merge).
    local_root: Option<PathBuf>,
}

impl std::fmt::Debug for DataStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataStore({})", self.location)
    }
}

impl DataStore {
    /// Opens the store. A local folder is created unless `create` is false (dry runs write nothing,
    /// not even a folder); a missing local folder then reads as empty.
    pub fn open(location: &Location, create: bool) -> Result<DataStore, StoreError> {
        if let Location::Local(dir) = location
            && !dir.exists()
        {
            if !create {
                let store: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
                return Ok(DataStore {
                    location: location.clone(),
                    store,
                    root: Path::default(),
                    local_root: None,
                });
            }
            std::fs::create_dir_all(dir).map_err(|e| StoreError::backend(location, &e))?;
        }
        let (store, root) = location.open()?;
        let local_root = match location {
            Location::Local(dir) => Some(dir.clone()),
            Location::S3 { .. } => None,
        };
        Ok(DataStore {
            location: location.clone(),
            store,
            root,
            local_root,
        })
    }

    /// A store in memory that starts empty and is dropped with the process: for work that
    /// reads sources without keeping anything (`sources check`).
    pub fn memory() -> DataStore {
        DataStore {
            location: Location::Local(PathBuf::from("(memory)")),
            store: Arc::new(object_store::memory::InMemory::new()),
            root: Path::default(),
            local_root: None,
        }
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// A human-readable address for a key (`s3://bucket/key` or a file path).
    pub fn display_key(&self, key: &str) -> String {
        self.location.display_key(key)
    }

    fn path(&self, key: &str) -> Path {
        join(&self.root, key)
    }

    /// Reads an object; `None` when it does not exist.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, StoreError> {
        match self.store.get(&self.path(key)).await {
            Ok(r) => Ok(Some(
                r.bytes()
                    .await
                    .map_err(|e| StoreError::backend(&self.location, &e))?,
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(StoreError::backend(&self.location, &e)),
        }
    }

    /// Keys under `prefix` that sort after `after` (both relative to the store's root), in key
    /// order. One listing request on S3 (`start-after`) however many keys precede `after`.
    pub async fn list_after(&self, prefix: &str, after: &str) -> Result<Vec<String>, StoreError> {
        use futures::TryStreamExt;
        let metas: Vec<_> = self
            .store
            .list_with_offset(Some(&self.path(prefix)), &self.path(after))
            .try_collect()
            .await
            .map_err(|e| StoreError::backend(&self.location, &e))?;
        let mut keys: Vec<String> = metas
            .into_iter()
            .map(|m| {
                let full = m.location.as_ref();
                full.strip_prefix(self.root.as_ref())
                    .unwrap_or(full)
                    .trim_start_matches('/')
                    .to_string()
            })
            .collect();
        keys.sort_unstable();
        Ok(keys)
    }

    /// Writes an object atomically (a reader sees the old or the new content, never a part).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StoreError> {
        self.store
            .put(&self.path(key), PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
            .map_err(|e| StoreError::backend(&self.location, &e))
    }

    /// Reads and decodes a JSON object; `None` when missing.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        match self.get(key).await? {
            None => Ok(None),
            Some(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    key: self.display_key(key),
                    message: e.to_string(),
                }),
        }
    }
}
