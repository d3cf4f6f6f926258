//! Agreement test over the real-world feed corpus in `tests/feeds/` (see its PROVENANCE.md).
//!
//! Every document has an expected file recorded from feedparser and reviewed by hand (where
//! feedparser is wrong the file says why). The test fails below 99 % agreement on titles and
//! links, or 98 % on dates. Set `FEED_CORPUS_REPORT=<file>` to get every disagreement as JSON
//! lines (what the review of a new document starts from).

use serde_json::Value;
use std::path::{Path, PathBuf};
use url::Url;
use vectora_parse::feed::parse_feed;

const DOC_SUFFIXES: [&str; 5] = ["xml", "json", "rss", "atom", "rdf"];

fn documents(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.is_dir() {
            documents(&p, out);
        } else if !name.ends_with(".expected.json")
            && DOC_SUFFIXES
                .iter()
                .any(|s| p.extension().is_some_and(|e| e == *s))
        {
            out.push(p);
        }
    }
}

#[derive(Default)]
struct Tally {
    compared: usize,
    agreed: usize,
}

impl Tally {
    fn add(&mut self, agreed: bool) {
        self.compared += 1;
        self.agreed += usize::from(agreed);
    }
    fn ratio(&self) -> f64 {
        if self.compared == 0 {
            1.0
        } else {
            self.agreed as f64 / self.compared as f64
        }
    }
}

fn opt_str(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

#[test]
fn corpus_agrees_with_reviewed_expectations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/feeds");
    let mut docs = Vec::new();
    documents(&root, &mut docs);
    assert!(docs.len() >= 60, "corpus has only {} documents", docs.len());

    let (mut titles, mut links, mut dates) = (Tally::default(), Tally::default(), Tally::default());
    let mut disagreements: Vec<String> = Vec::new();
    for doc in &docs {
        let rel = doc.strip_prefix(&root).unwrap().display().to_string();
        let expected_path = doc.with_file_name(format!(
            "{}.expected.json",
            doc.file_name().unwrap().to_string_lossy()
        ));
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(&expected_path)
                .unwrap_or_else(|_| panic!("missing {}", expected_path.display())),
        )
        .unwrap();
        let body = std::fs::read(doc).unwrap();
        let content_type = expected["content_type"].as_str();
        let feed_url = Url::parse(expected["feed_url"].as_str().unwrap()).unwrap();
        let ours = parse_feed(&body, content_type, &feed_url)
            .map(|p| p.entries)
            .unwrap_or_default();
        let want = expected["entries"].as_array().unwrap();
        for i in 0..want.len().max(ours.len()) {
            let w = want.get(i);
            let o = ours.get(i);
            let fields = [
                (
                    "title",
                    opt_str(w.and_then(|w| w.get("title"))),
                    o.map(|o| o.title.clone()).filter(|s| !s.is_empty()),
                ),
                (
                    "url",
                    opt_str(w.and_then(|w| w.get("url"))),
                    o.map(|o| o.url.clone()).filter(|s| !s.is_empty()),
                ),
                (
                    "published",
                    opt_str(w.and_then(|w| w.get("published"))),
                    o.and_then(|o| o.published).map(|d| d.to_string()),
                ),
            ];
            for (field, want, got) in fields {
                if want.is_none() && got.is_none() {
                    continue;
                }
                let agreed = want == got;
                match field {
                    "title" => titles.add(agreed),
                    "url" => links.add(agreed),
                    _ => dates.add(agreed),
                }
                if !agreed {
                    disagreements.push(
                        serde_json::json!({"doc": rel, "entry": i, "field": field, "expected": want, "ours": got})
                            .to_string(),
                    );
                }
            }
        }
    }
    if let Ok(path) = std::env::var("FEED_CORPUS_REPORT") {
        std::fs::write(path, disagreements.join("\n")).unwrap();
    }
    for d in disagreements.iter().take(40) {
        eprintln!("{d}");
    }
    eprintln!(
        "{} documents; titles {}/{} ({:.2}%), links {}/{} ({:.2}%), dates {}/{} ({:.2}%)",
        docs.len(),
        titles.agreed,
        titles.compared,
        titles.ratio() * 100.0,
        links.agreed,
        links.compared,
        links.ratio() * 100.0,
        dates.agreed,
        dates.compared,
        dates.ratio() * 100.0
    );
    assert!(
        titles.ratio() >= 0.99,
        "title agreement {:.2}% < 99%",
        titles.ratio() * 100.0
    );
    assert!(
        links.ratio() >= 0.99,
        "link agreement {:.2}% < 99%",
        links.ratio() * 100.0
    );
    assert!(
        dates.ratio() >= 0.98,
        "date agreement {:.2}% < 98%",
        dates.ratio() * 100.0
    );
}
