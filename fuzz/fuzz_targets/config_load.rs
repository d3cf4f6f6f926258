//! Config resolution on arbitrary YAML. The input is `<relative path>\n<file text>`: that file
//! replaces (or is added to) the bundled LAI config, and the whole config is resolved, as
//! `vectora-inbox validate` and every run do. Never panics; every problem names its file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// The bundled config (`<repo>/config`), read once.
static BUNDLED: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    let mut files = BTreeMap::new();
    collect(&root, &root, &mut files);
    files
});

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(root, &p, out);
        } else if let (Ok(rel), Ok(text)) = (p.strip_prefix(root), std::fs::read_to_string(&p)) {
            out.insert(rel.to_string_lossy().replace('\\', "/"), text);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let (path, text) = input
        .split_once('\n')
        .unwrap_or(("clients/fuzz.yaml", &input));
    let path = path.trim();
    if !(path.starts_with("clients/") || path.starts_with("canonical/")) || path.len() > 200 {
        return;
    }
    let mut files = BUNDLED.clone();
    files.insert(path.to_string(), text.to_string());
    let config = vectora_core::config::parse_files(&files);
    for d in config.diagnostics() {
        assert!(!d.file.is_empty(), "diagnostic without a file: {d}");
        assert!(
            d.message.len() <= 4096,
            "unbounded diagnostic message ({} bytes)",
            d.message.len()
        );
    }
    for client in config.clients().keys() {
        assert!(
            vectora_core::config::is_valid_id(client),
            "unsafe client id accepted: {client:?}"
        );
    }
    for source in config.sources().keys() {
        assert!(
            vectora_core::config::is_valid_id(source),
            "unsafe source key accepted: {source:?}"
        );
    }
    let _ = config.summary();
});
