//! URL resolution and canonicalisation (the dedup key) on arbitrary text: never panics, and
//! canonicalisation is idempotent (a stored canonical URL compares equal to a re-canonicalised one).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use url::Url;

static BASE: LazyLock<Option<Url>> =
    LazyLock::new(|| Url::parse("https://www.example.com/news/list.html?page=2").ok());

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let once = vectora_parse::urls::canonicalize(&text);
    let twice = vectora_parse::urls::canonicalize(&once);
    assert_eq!(once, twice, "canonicalize is not idempotent on {text:?}");
    if let Some(base) = BASE.as_ref()
        && let Some(resolved) = vectora_parse::urls::resolve(base, &text)
    {
        let c = vectora_parse::urls::canonicalize(resolved.as_str());
        assert_eq!(c, vectora_parse::urls::canonicalize(&c));
    }
});
