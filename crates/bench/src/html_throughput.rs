//! HTML listing-page parser throughput: `vectora_parse::html::parse_listing_with` against BeautifulSoup
//! on the same files, in the same run.
//!
//! Both sides start from the page's bytes (character-set detection included) and are timed in-process:
//! ours in this binary, BeautifulSoup in one Python process fed the file list (see `bs4_timer.py`), so
//! interpreter start-up and imports are not counted against Python. Ours does more per page than the
//! Python side (finding the repeated entry structure without selectors, parsing dates in many languages,
//! cleaning text), so the ratio is if anything unfavourable to us.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use url::Url;
use vectora_parse::dates::ParseContext;
use vectora_testweb::SyntheticSite;

const BS4_TIMER: &str = include_str!("bs4_timer.py");

/// One listing page of a corpus.
#[derive(Debug, Clone)]
pub struct Page {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub url: Url,
    pub today: NaiveDate,
}

/// A named set of pages measured together.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub name: String,
    pub pages: Vec<Page>,
}

impl Corpus {
    pub fn bytes(&self) -> usize {
        self.pages.iter().map(|p| p.bytes.len()).sum()
    }
}

/// The saved newsroom pages of the parser's fixture suite (`<dir>/<name>/page.html`, with the page URL
/// and reference day from the `expected.json` beside it).
pub fn fixture_corpus(dir: &Path) -> Result<Corpus> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("page.html").is_file())
        .collect();
    dirs.sort();
    let mut pages = Vec::with_capacity(dirs.len());
    for d in dirs {
        let bytes = std::fs::read(d.join("page.html"))?;
        let expected: serde_json::Value = std::fs::read_to_string(d.join("expected.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null);
        let url = expected["page_url"]
            .as_str()
            .and_then(|u| Url::parse(u).ok())
            .map_or_else(|| Url::parse("https://newsroom.example/news/"), Ok)?;
        let today = expected["today"]
            .as_str()
            .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        pages.push(Page {
            path: d.join("page.html"),
            bytes,
            url,
            today,
        });
    }
    if pages.is_empty() {
        bail!("no */page.html under {}", dir.display());
    }
    Ok(Corpus {
        name: format!("{} fixture pages (real newsroom templates)", pages.len()),
        pages,
    })
}

/// `count` synthetic newsroom listings (the pages the scale benchmark serves), written into `dir` so the
/// Python side reads the very same bytes.
pub fn synthetic_corpus(dir: &Path, seed: u64, count: usize) -> Result<Corpus> {
    let today = chrono::Utc::now().date_naive();
    let mut pages = Vec::with_capacity(count);
    for index in 0..count {
        let site = SyntheticSite::new(seed, index, today);
        let base = format!("http://127.0.0.1:{}", 20_000 + index);
        let html = site.news_page(&base);
        let path = dir.join(format!("synthetic-{index:04}.html"));
        std::fs::write(&path, &html).with_context(|| format!("writing {}", path.display()))?;
        pages.push(Page {
            path,
            bytes: html.into_bytes(),
            url: Url::parse(&format!("{base}/news/"))?,
            today,
        });
    }
    Ok(Corpus {
        name: format!("{count} synthetic newsroom pages (the simulated web's)"),
        pages,
    })
}

/// Throughput of one parser over one corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Throughput {
    pub parser: String,
    pub rounds: usize,
    pub seconds: f64,
    pub documents_per_second: f64,
    pub mb_per_second: f64,
    pub entries_per_round: usize,
}

impl Throughput {
    fn new(parser: String, rounds: usize, seconds: f64, corpus: &Corpus, entries: usize) -> Self {
        let docs = (rounds * corpus.pages.len()) as f64;
        Throughput {
            parser,
            rounds,
            seconds,
            documents_per_second: docs / seconds,
            mb_per_second: (rounds * corpus.bytes()) as f64 / 1e6 / seconds,
            entries_per_round: entries,
        }
    }
}

/// Every parser measured over one corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CorpusResult {
    pub corpus: String,
    pub documents: usize,
    pub bytes: usize,
    pub ours: Throughput,
    /// BeautifulSoup measurements; empty when BeautifulSoup is not installed.
    pub python: Vec<Throughput>,
    /// Why Python figures are missing, if they are.
    pub python_error: Option<String>,
}

impl CorpusResult {
    /// Our throughput divided by BeautifulSoup's for `parser` ("html.parser", "lxml") and `mode`
    /// ("parse", "extract").
    pub fn ratio(&self, parser: &str, mode: &str) -> Option<f64> {
        self.python
            .iter()
            .find(|t| is_python(t, parser, mode))
            .map(|t| self.ours.documents_per_second / t.documents_per_second)
    }
}

/// Whether `t` is BeautifulSoup's measurement with `parser` in `mode` (labels carry the bs4 version).
fn is_python(t: &Throughput, parser: &str, mode: &str) -> bool {
    t.parser.starts_with("BeautifulSoup ") && t.parser.ends_with(&format!(" + {parser}, {mode}"))
}

/// Parses every page of `corpus` repeatedly for at least `min_time` with our listing parser.
pub fn measure_ours(corpus: &Corpus, min_time: Duration) -> Throughput {
    let (mut rounds, mut entries) = (0usize, 0usize);
    let start = Instant::now();
    loop {
        for page in &corpus.pages {
            let (text, _, _) = vectora_parse::encoding::decode(&page.bytes, Some("text/html"));
            let ctx = ParseContext::new(page.today);
            entries += vectora_parse::html::parse_listing_with(&text, &page.url, None, &ctx)
                .map_or(0, |p| p.entries.len());
        }
        rounds += 1;
        if start.elapsed() >= min_time {
            break;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    Throughput::new(
        "vectora-parse (generic listing extraction)".into(),
        rounds,
        seconds,
        corpus,
        entries / rounds,
    )
}

/// Times BeautifulSoup over the same files in one `python3` process.
pub fn measure_python(corpus: &Corpus, min_time: Duration) -> Result<Vec<Throughput>> {
    let mut child = Command::new("python3")
        .args(["-c", BS4_TIMER, &min_time.as_secs_f64().to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting python3")?;
    let list: String = corpus
        .pages
        .iter()
        .map(|p| format!("{}\t{}\n", p.path.display(), p.url))
        .collect();
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(list.as_bytes())
            .context("sending the file list to python3")?;
    }
    let out = child.wait_with_output().context("waiting for python3")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "the BeautifulSoup timer failed ({}): {}",
            out.status,
            err.lines().last().unwrap_or("no message")
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line)
                .with_context(|| format!("unexpected timer output `{line}`"))?;
            let parser = v["parser"].as_str().unwrap_or("?");
            let mode = v["mode"].as_str().unwrap_or("?");
            let rounds = v["rounds"].as_u64().unwrap_or(0) as usize;
            let seconds = v["seconds"].as_f64().unwrap_or(f64::NAN);
            let entries = v["entries_per_round"].as_u64().unwrap_or(0) as usize;
            let version = v["bs4"].as_str().unwrap_or("?");
            Ok(Throughput::new(
                format!("BeautifulSoup {version} + {parser}, {mode}"),
                rounds,
                seconds,
                corpus,
                entries,
            ))
        })
        .collect()
}

/// Measures ours and, when `with_python`, BeautifulSoup over `corpus`.
pub fn measure(corpus: &Corpus, min_time: Duration, with_python: bool) -> CorpusResult {
    let ours = measure_ours(corpus, min_time);
    let (python, python_error) = if !with_python {
        (Vec::new(), Some("skipped (--only-ours)".to_string()))
    } else {
        match measure_python(corpus, min_time) {
            Ok(p) => (p, None),
            Err(e) => (Vec::new(), Some(format!("{e:#}"))),
        }
    };
    CorpusResult {
        corpus: corpus.name.clone(),
        documents: corpus.pages.len(),
        bytes: corpus.bytes(),
        ours,
        python,
        python_error,
    }
}

/// The results as Markdown: one table per corpus, ratios below.
pub fn to_markdown(results: &[CorpusResult]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&format!(
            "**{}** ({} documents, {:.2} MB per round)\n\n| Parser | Documents/s | MB/s | Entries per round | vectora ÷ this |\n|---|---:|---:|---:|---:|\n",
            r.corpus,
            r.documents,
            r.bytes as f64 / 1e6
        ));
        for t in std::iter::once(&r.ours).chain(&r.python) {
            out.push_str(&format!(
                "| {} | {:.0} | {:.1} | {} | {:.1}× |\n",
                t.parser,
                t.documents_per_second,
                t.mb_per_second,
                if t.entries_per_round == 0 && t.parser.ends_with("parse") {
                    "–".to_string()
                } else {
                    t.entries_per_round.to_string()
                },
                r.ours.documents_per_second / t.documents_per_second
            ));
        }
        if let Some(e) = &r.python_error {
            out.push_str(&format!("\nBeautifulSoup not measured: {e}\n"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../parse/tests/html")
    }

    #[test]
    fn fixture_corpus_reads_pages_with_their_urls_and_days() {
        let corpus = fixture_corpus(&fixtures_dir()).unwrap();
        assert!(corpus.pages.len() >= 20, "{}", corpus.pages.len());
        assert!(corpus.bytes() > 50_000, "{}", corpus.bytes());
        let camurus = corpus
            .pages
            .iter()
            .find(|p| p.path.to_string_lossy().contains("camurus_press_list"))
            .unwrap();
        assert!(camurus.url.as_str().contains("camurus"), "{}", camurus.url);
    }

    #[test]
    fn an_empty_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(fixture_corpus(dir.path()).is_err());
    }

    #[test]
    fn ours_finds_every_synthetic_entry() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = synthetic_corpus(dir.path(), 7, 3).unwrap();
        let expected: usize = (0..3)
            .map(|i| {
                SyntheticSite::new(7, i, chrono::Utc::now().date_naive())
                    .entries()
                    .len()
            })
            .sum();
        let t = measure_ours(&corpus, Duration::ZERO);
        assert_eq!(t.rounds, 1);
        assert_eq!(t.entries_per_round, expected);
        assert!(t.documents_per_second > 0.0 && t.mb_per_second > 0.0);
        // The files the Python side reads are the bytes we parsed.
        for page in &corpus.pages {
            assert_eq!(std::fs::read(&page.path).unwrap(), page.bytes);
        }
    }

    #[test]
    fn beautifulsoup_side_visits_every_synthetic_entry() {
        // Needs `pip install beautifulsoup4` (scripts/bench.sh installs it); the comparison is only
        // meaningful if both sides find the same entries on the simulated web's pages.
        let dir = tempfile::tempdir().unwrap();
        let corpus = synthetic_corpus(dir.path(), 7, 3).unwrap();
        let ours = measure_ours(&corpus, Duration::ZERO);
        let python = measure_python(&corpus, Duration::ZERO).unwrap();
        let extract = python
            .iter()
            .find(|t| is_python(t, "html.parser", "extract"))
            .unwrap();
        // Both sides visit every entry block. The old system's fallback selectors also take the
        // `div.news-list` wrapper (it matches `div[class*='news']`) for one more, glued "entry" per
        // page: the defect the new parser exists to fix, kept here so the Python side does the work
        // the old system did.
        assert_eq!(
            extract.entries_per_round,
            ours.entries_per_round + corpus.pages.len()
        );
        assert!(extract.documents_per_second > 0.0);
    }

    #[test]
    fn markdown_shows_ratios() {
        let corpus = Corpus {
            name: "c".into(),
            pages: vec![Page {
                path: "x".into(),
                bytes: vec![0; 1000],
                url: Url::parse("http://h/").unwrap(),
                today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            }],
        };
        let result = CorpusResult {
            corpus: "c".into(),
            documents: 1,
            bytes: 1000,
            ours: Throughput::new("ours".into(), 100, 1.0, &corpus, 5),
            python: vec![Throughput::new(
                "BeautifulSoup 4.0 + html.parser, extract".into(),
                4,
                1.0,
                &corpus,
                5,
            )],
            python_error: None,
        };
        assert_eq!(result.ratio("html.parser", "extract"), Some(25.0));
        assert_eq!(result.ratio("lxml", "extract"), None);
        let md = to_markdown(&[result]);
        assert!(md.contains("| ours | 100 | 0.1 | 5 | 1.0× |"), "{md}");
        assert!(
            md.contains("| BeautifulSoup 4.0 + html.parser, extract | 4 | 0.0 | 5 | 25.0× |"),
            "{md}"
        );
    }
}
