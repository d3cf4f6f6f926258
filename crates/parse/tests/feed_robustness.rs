//! No input may panic the feed parser or make it allocate without bound. Property-style:
//! every corpus document is cut at many points and mutated pseudo-randomly (a fixed-seed
//! generator, so failures reproduce), plus hand-made pathological inputs.

use std::path::{Path, PathBuf};
use url::Url;
use vectora_parse::feed::{detect_format, parse_feed};
use vectora_parse::{Parsed, encoding, text, urls};

/// xorshift64*: deterministic, dependency-free randomness for reproducible mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn corpus_docs() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if !p.to_string_lossy().ends_with(".expected.json")
                && !p.to_string_lossy().ends_with(".md")
            {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/feeds"),
        &mut out,
    );
    out.sort();
    out
}

/// Parses and checks the output is bounded by the input (no expansion beyond a small factor).
fn check(body: &[u8]) {
    let url = Url::parse("https://example.com/a/feed.xml").unwrap();
    let _ = detect_format(body);
    let _ = encoding::decode(body, Some("text/xml; charset=utf-8"));
    if let Ok(Parsed { entries, .. }) = parse_feed(body, None, &url) {
        let out: usize = entries
            .iter()
            .map(|e| {
                e.title.len()
                    + e.url.len()
                    + e.content.len()
                    + e.tags.iter().map(String::len).sum::<usize>()
            })
            .sum();
        // Output text is made of input text; URLs may grow by percent-encoding and resolution.
        assert!(
            out <= body.len() * 8 + 4096,
            "{} output bytes from {} input bytes",
            out,
            body.len()
        );
    }
}

#[test]
fn truncated_corpus_documents_never_panic() {
    for doc in corpus_docs() {
        let body = std::fs::read(&doc).unwrap();
        let step = (body.len() / 25).max(1);
        for cut in (0..body.len()).step_by(step) {
            check(&body[..cut]);
        }
    }
}

#[test]
fn mutated_corpus_documents_never_panic() {
    const SNIPPETS: [&[u8]; 14] = [
        b"<",
        b">",
        b"&",
        b"&#",
        b"&#x",
        b"]]>",
        b"<![CDATA[",
        b"<!--",
        b"</item>",
        b"<item>",
        b"\"",
        b"\xff\xfe",
        b"\xc3",
        b"<!DOCTYPE x [<!ENTITY a \"&a;&a;\">]>",
    ];
    let mut rng = Rng(0x5EED_F00D_CAFE_BABE);
    for doc in corpus_docs() {
        let original = std::fs::read(&doc).unwrap();
        for _ in 0..12 {
            let mut body = original.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(body.len() + 1);
                match rng.below(3) {
                    0 => {
                        let s = SNIPPETS[rng.below(SNIPPETS.len())];
                        body.splice(at..at, s.iter().copied());
                    }
                    1 => {
                        let end = (at + rng.below(64)).min(body.len());
                        body.drain(at..end);
                    }
                    _ => {
                        if let Some(b) = body.get_mut(at) {
                            *b = rng.next() as u8;
                        }
                    }
                }
            }
            check(&body);
        }
    }
}

#[test]
fn pathological_inputs_are_handled_quickly() {
    let big = 200_000;
    let cases: Vec<Vec<u8>> = vec![
        b"<".repeat(big),
        b"&".repeat(big),
        b"&#".repeat(big),
        [
            b"<rss><channel><item><title>".as_slice(),
            &b"<a ".repeat(big),
        ]
        .concat(),
        [
            b"<rss><channel><item><title>".as_slice(),
            &b"<b>".repeat(big),
        ]
        .concat(),
        [
            b"<rss><channel>".as_slice(),
            &b"<item><title>t</title>".repeat(big / 20),
        ]
        .concat(),
        [
            b"<rss><channel><item><title><![CDATA[".as_slice(),
            &b"x".repeat(big),
        ]
        .concat(),
        [
            b"<rss><channel><item><title>".as_slice(),
            &b"x<y".repeat(big / 3),
        ]
        .concat(),
        [
            b"<rss><channel><item><description>".as_slice(),
            &b"&lt;script&gt;".repeat(big / 14),
        ]
        .concat(),
        [
            b"<!DOCTYPE rss [".as_slice(),
            &b"<!ENTITY e \"eeeeeeeeee\">".repeat(1000),
            b"]><rss><channel><item><title>",
            &b"&e;".repeat(big / 3),
        ]
        .concat(),
        b"<?xml version='1.0'?>".repeat(big / 20),
        [
            b"{\"items\": [".as_slice(),
            &b"{\"title\": \"x\"},".repeat(big / 16),
            b"{}]}",
        ]
        .concat(),
        b"[".repeat(big),
    ];
    for body in cases {
        let started = std::time::Instant::now();
        check(&body);
        // Generous even for an unoptimised build on a busy machine: quadratic behaviour on
        // 200 kB would take minutes, not seconds.
        assert!(
            started.elapsed().as_secs() < 20,
            "took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn text_and_url_helpers_never_panic_on_random_strings() {
    let mut rng = Rng(42);
    let alphabet: Vec<char> = "<>&#;x:/?=.%- \u{a0}\u{200a}éλ中0129aZ\"'[]"
        .chars()
        .collect();
    let base = Url::parse("https://example.com/dir/page").unwrap();
    for _ in 0..3000 {
        let len = rng.below(40);
        let s: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let cleaned = text::clean_inline(&s);
        assert_eq!(cleaned, cleaned.trim(), "clean text is trimmed");
        assert!(!cleaned.contains("  "), "whitespace collapsed: {cleaned:?}");
        let _ = text::html_to_text(&s);
        let _ = text::decode_entities(&s);
        let _ = urls::resolve(&base, &s);
        let canon = urls::canonicalize(&s);
        assert_eq!(
            urls::canonicalize(&canon),
            canon,
            "canonicalize is idempotent for {s:?}"
        );
    }
}
