//! The day's items file: same-day reruns and concurrent runs never lose items, on a local folder
//! and on S3 (moto's emulator, real HTTP on 127.0.0.1).

mod support;

use chrono::{NaiveDate, TimeZone, Utc};
use vectora_core::model::{Item, SourceContext};
use vectora_core::store::{DataStore, Location, items_key};
use vectora_parse::{DateSource, Entry};

fn item(n: usize) -> Item {
    let entry = Entry {
        title: format!("Press release number {n}"),
        url: format!("https://example.com/news/{n}/"),
        published: NaiveDate::from_ymd_opt(2025, 12, 1),
        date_source: Some(DateSource::Listing),
        content: format!("Body of release {n}, long enough to be identified by its content hash."),
        author: None,
        tags: vec![],
    };
    let ctx = SourceContext {
        source_key: "press_corporate__x",
        source_type: "press_corporate",
        language: "en",
        tags: &[],
    };
    Item::from_entry(
        entry,
        &ctx,
        Utc.with_ymd_and_hms(2025, 12, 15, 8, 0, 0).unwrap(),
    )
}

async fn exercise(store: DataStore) {
    let key = items_key("client_a", NaiveDate::from_ymd_opt(2025, 12, 15).unwrap());
    let first = store.merge_items(&key, &[item(1), item(2)]).await.unwrap();
    assert_eq!((first.added, first.already_present, first.total), (2, 0, 2));
    // A rerun the same day with one old and one new item keeps both old ones.
    let second = store.merge_items(&key, &[item(2), item(3)]).await.unwrap();
    assert_eq!(
        (second.added, second.already_present, second.total),
        (1, 1, 3)
    );
    // Concurrent writers: 8 tasks each adding 5 items; every item must survive.
    let mut tasks = Vec::new();
    for t in 0..8 {
        let s = store.clone();
        let k = key.clone();
        tasks.push(tokio::spawn(async move {
            let items: Vec<Item> = (0..5).map(|i| item(100 + t * 10 + i)).collect();
            s.merge_items(&k, &items).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let stored: Vec<Item> = store.get_json(&key).await.unwrap().unwrap();
    assert_eq!(stored.len(), 3 + 40, "no item lost under concurrent merges");
    let mut ids: Vec<&str> = stored.iter().map(|i| i.item_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 43, "no item duplicated");
    assert_eq!(
        stored[0],
        item(1),
        "existing items keep their place and content"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn local_folder_merges_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::open(&Location::Local(dir.path().join("data")), true).unwrap();
    exercise(store).await;
    // No temporary files left behind next to the items file.
    let day = dir.path().join("data/ingested/client_a/2025/12/15");
    let names: Vec<String> = std::fs::read_dir(day)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    assert_eq!(names, vec!["items.json".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn s3_merges_with_conditional_writes() {
    let moto = support::Moto::start();
    // No other test of this binary reads the environment, so setting it here is sound.
    unsafe {
        std::env::set_var("AWS_ENDPOINT_URL", &moto.endpoint);
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_REGION", "us-east-1");
    }
    moto.create_bucket("vectora-test-data");
    let store = DataStore::open(
        &Location::parse("s3://vectora-test-data/prefix").unwrap(),
        true,
    )
    .unwrap();
    exercise(store).await;
}

#[tokio::test]
async fn dry_run_store_on_a_missing_folder_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("not-yet");
    let store = DataStore::open(&Location::Local(target.clone()), false).unwrap();
    assert!(store.get("ingested/x/items.json").await.unwrap().is_none());
    assert!(!target.exists());
}

/// The merge follows the run's identity rule: an item whose id and URL are new but whose
/// substantial content the file holds already (the same release under a second address) is
/// already present; a short teaser shared by two releases is not an identity.
#[tokio::test]
async fn merge_knows_an_item_by_its_content_as_the_run_does() {
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::open(&Location::Local(dir.path().to_path_buf()), true).unwrap();
    let key = items_key("client_a", NaiveDate::from_ymd_opt(2025, 12, 15).unwrap());
    store.merge_items(&key, &[item(1)]).await.unwrap();

    let mut elsewhere = item(2);
    elsewhere.content = item(1).content.to_uppercase();
    elsewhere.content_hash = vectora_core::model::content_hash(&elsewhere.content);
    let outcome = store.merge_items(&key, &[elsewhere]).await.unwrap();
    assert_eq!((outcome.added, outcome.already_present), (0, 1));

    let teaser = |n| {
        let mut it = item(n);
        it.content = "Read more".into();
        it.content_hash = vectora_core::model::content_hash("Read more");
        it
    };
    let outcome = store
        .merge_items(&key, &[teaser(3), teaser(4)])
        .await
        .unwrap();
    assert_eq!(
        (outcome.added, outcome.already_present, outcome.total),
        (2, 0, 3)
    );
}
