//! NCBI E-utilities on PubMed: `esearch.fcgi` (JSON, entry-date window, history) and
//! `efetch.fcgi` (PubmedArticleSet XML, by WebEnv + query_key + retstart/retmax or by ids), over
//! saved efetch records. Like ESearch, a search serves at most its first `result_cap` results.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use regex::Regex;

use super::{balanced, json, xml};

pub(super) const ESEARCH_PATH: &str = "/entrez/eutils/esearch.fcgi";
pub(super) const EFETCH_PATH: &str = "/entrez/eutils/efetch.fcgi";
/// Ids per efetch request NCBI recommends at most (GET).
const MAX_EFETCH: usize = 10_000;

#[derive(Debug, Clone)]
struct Article {
    pmid: String,
    entrez: NaiveDate,
    xml: String,
}

#[derive(Debug)]
pub(super) struct Pubmed {
    /// Newest entry date first, as PubMed sorts.
    articles: Vec<Article>,
    result_cap: usize,
    /// WebEnv → the search's PMIDs.
    history: Mutex<HashMap<String, Vec<String>>>,
}

fn esearch_error(message: &str) -> Response {
    json(
        StatusCode::OK,
        serde_json::json!({"header": {"type": "esearch", "version": "0.3"},
            "esearchresult": {"ERROR": message}})
        .to_string(),
    )
}

fn bad_request(message: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        serde_json::json!({ "error": message }).to_string(),
    )
}

impl Pubmed {
    pub(super) fn load(dir: &Path, result_cap: usize) -> Result<Pubmed> {
        let article = Regex::new(r"(?s)<PubmedArticle>.*?</PubmedArticle>")?;
        let pmid = Regex::new(r"<MedlineCitation[^>]*>\s*<PMID[^>]*>(\d+)</PMID>")?;
        let entrez = Regex::new(
            r#"(?s)<PubMedPubDate PubStatus="entrez">\s*<Year>(\d+)</Year>\s*<Month>(\d+)</Month>\s*<Day>(\d+)</Day>"#,
        )?;
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("pubmed") && n.ends_with(".xml"))
            })
            .collect();
        files.sort();
        let mut articles = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            for m in article.find_iter(&text) {
                let chunk = m.as_str();
                let (Some(id), Some(d)) = (pmid.captures(chunk), entrez.captures(chunk)) else {
                    bail!(
                        "{}: a PubmedArticle without PMID or entrez date",
                        file.display()
                    );
                };
                let date = NaiveDate::from_ymd_opt(d[1].parse()?, d[2].parse()?, d[3].parse()?)
                    .with_context(|| format!("{}: bad entrez date", file.display()))?;
                articles.push(Article {
                    pmid: id[1].to_string(),
                    entrez: date,
                    xml: chunk.to_string(),
                });
            }
        }
        articles.sort_by(|a, b| b.entrez.cmp(&a.entrez).then(b.pmid.cmp(&a.pmid)));
        Ok(Pubmed {
            articles,
            result_cap,
            history: Mutex::new(HashMap::new()),
        })
    }

    pub(super) fn esearch(&self, p: &HashMap<String, String>) -> Response {
        if p.get("db").map(String::as_str) != Some("pubmed") {
            return bad_request("db is missing or not pubmed");
        }
        let term = p.get("term").map(String::as_str).unwrap_or("");
        if !balanced(term) {
            return esearch_error(&format!(
                "Invalid query: unbalanced parentheses or quotes in `{term}`"
            ));
        }
        let date = |k: &str| {
            p.get(k)
                .and_then(|v| NaiveDate::parse_from_str(v, "%Y/%m/%d").ok())
        };
        let (from, to) = (date("mindate"), date("maxdate"));
        if p.get("datetype").map(String::as_str) == Some("edat") && (from.is_none() || to.is_none())
        {
            return esearch_error("mindate and maxdate must be YYYY/MM/DD with datetype=edat");
        }
        let ids: Vec<String> = self
            .articles
            .iter()
            .filter(|a| from.is_none_or(|f| a.entrez >= f) && to.is_none_or(|t| a.entrez <= t))
            .map(|a| a.pmid.clone())
            .collect();
        let number = |k: &str, default: usize| {
            p.get(k)
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(default)
        };
        let (retstart, retmax) = (number("retstart", 0), number("retmax", 20));
        if retstart >= self.result_cap {
            return esearch_error(&format!(
                "Search Backend failed: retstart cannot be larger than {}",
                self.result_cap - 1
            ));
        }
        let served: Vec<String> = ids.iter().take(self.result_cap).cloned().collect();
        let page: Vec<String> = served.iter().skip(retstart).take(retmax).cloned().collect();
        let mut result = serde_json::json!({
            "count": ids.len().to_string(),
            "retmax": page.len().to_string(),
            "retstart": retstart.to_string(),
            "idlist": page,
        });
        if p.get("usehistory").map(String::as_str) == Some("y") {
            let mut history = self.history.lock().unwrap_or_else(|e| e.into_inner());
            let env = format!("MCID_{:08}", history.len() + 1);
            history.insert(env.clone(), served);
            result["webenv"] = env.into();
            result["querykey"] = "1".into();
        }
        json(
            StatusCode::OK,
            serde_json::json!({"header": {"type": "esearch", "version": "0.3"}, "esearchresult": result})
                .to_string(),
        )
    }

    pub(super) fn efetch(&self, p: &HashMap<String, String>) -> Response {
        if p.get("db").map(String::as_str) != Some("pubmed") {
            return bad_request("db is missing or not pubmed");
        }
        let ids: Vec<String> = match (p.get("WebEnv"), p.get("id")) {
            (Some(env), _) => {
                if p.get("query_key").map(String::as_str) != Some("1") {
                    return bad_request("query_key is missing or unknown for this WebEnv");
                }
                let history = self.history.lock().unwrap_or_else(|e| e.into_inner());
                let Some(all) = history.get(env) else {
                    return bad_request(&format!(
                        "Unable to obtain query #1: unknown WebEnv {env}"
                    ));
                };
                let number =
                    |k: &str, d: usize| p.get(k).and_then(|v| v.parse::<usize>().ok()).unwrap_or(d);
                all.iter()
                    .skip(number("retstart", 0))
                    .take(number("retmax", 20))
                    .cloned()
                    .collect()
            }
            (None, Some(list)) => list
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            (None, None) => return bad_request("Empty id list - nothing todo"),
        };
        if ids.len() > MAX_EFETCH {
            return bad_request("Too many ids");
        }
        let mut body = String::from(
            "<?xml version=\"1.0\" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC \"-//NLM//DTD PubMedArticle, 1st January 2025//EN\" \"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd\">\n<PubmedArticleSet>\n",
        );
        for id in &ids {
            if let Some(a) = self.articles.iter().find(|a| &a.pmid == id) {
                body.push_str(&a.xml);
                body.push('\n');
            }
        }
        body.push_str("</PubmedArticleSet>\n");
        xml(body)
    }
}
