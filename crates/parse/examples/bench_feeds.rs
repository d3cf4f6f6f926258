//! Feed-parsing throughput: vectora vs feedparser on the same corpus in the same run.
//!
//! `cargo run --release -p vectora-parse --example bench_feeds [-- DIR]` (or
//! `crates/parse/benches/bench-feeds.sh`). Parses every document of the corpus (default
//! `crates/parse/tests/feeds`) repeatedly for a couple of seconds with each parser and prints
//! documents/s, MB/s and the throughput ratio. feedparser is timed in-process in Python (no
//! start-up cost counted); when `python3 -c 'import feedparser'` fails only ours is printed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use url::Url;

const MIN_TIME: Duration = Duration::from_secs(2);

/// Times feedparser over the files named on stdin; prints "<rounds> <seconds>".
const FEEDPARSER_TIMER: &str = r#"
import sys, time, feedparser
data = [open(p.strip(), 'rb').read() for p in sys.stdin if p.strip()]
rounds, start = 0, time.perf_counter()
while True:
    for d in data:
        feedparser.parse(d, response_headers={'content-location': 'http://feeds.example.com/feed.xml'})
    rounds += 1
    if time.perf_counter() - start >= float(sys.argv[1]):
        break
print(rounds, time.perf_counter() - start)
"#;

fn documents(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for e in read.flatten() {
        let p = e.path();
        let name = p.to_string_lossy();
        if p.is_dir() {
            documents(&p, out);
        } else if ["xml", "json", "rss", "atom", "rdf"]
            .iter()
            .any(|s| p.extension().is_some_and(|e| e == *s))
            && !name.ends_with(".expected.json")
        {
            out.push(p);
        }
    }
}

fn feedparser_docs_per_sec(files: &[PathBuf], docs: usize) -> Option<f64> {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args(["-c", FEEDPARSER_TIMER, &MIN_TIME.as_secs_f64().to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let list: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    child.stdin.take()?.write_all(list.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let rounds: f64 = parts.next()?.parse().ok()?;
    let secs: f64 = parts.next()?.parse().ok()?;
    Some(rounds * docs as f64 / secs)
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/feeds"));
    let mut files = Vec::new();
    documents(&dir, &mut files);
    files.sort();
    let bodies: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    if bodies.is_empty() {
        eprintln!("no feed documents under {}", dir.display());
        std::process::exit(1);
    }
    let url = Url::parse("http://feeds.example.com/feed.xml").expect("constant URL");

    let (mut rounds, mut entries) = (0usize, 0usize);
    let start = Instant::now();
    while start.elapsed() < MIN_TIME {
        for b in &bodies {
            entries +=
                vectora_parse::feed::parse_feed(b, None, &url).map_or(0, |p| p.entries.len());
        }
        rounds += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let ours = (rounds * bodies.len()) as f64 / secs;
    println!(
        "corpus: {} documents, {:.2} MB ({} entries per round)",
        bodies.len(),
        bytes as f64 / 1e6,
        entries / rounds.max(1)
    );
    println!(
        "vectora:    {ours:>10.0} documents/s  {:>8.1} MB/s",
        ours * bytes as f64 / bodies.len() as f64 / 1e6
    );
    match feedparser_docs_per_sec(&files, bodies.len()) {
        Some(theirs) => {
            println!(
                "feedparser: {theirs:>10.0} documents/s  {:>8.1} MB/s",
                theirs * bytes as f64 / bodies.len() as f64 / 1e6
            );
            println!(
                "throughput ratio (vectora / feedparser): {:.1}x",
                ours / theirs
            );
        }
        None => println!("feedparser: not available (pip install feedparser) — no ratio"),
    }
}
