//! openFDA `/drug/drugsfda.json` and `/drug/label.json`: `search` with the date ranges a run
//! sends (`submissions.submission_status_date:[A TO B]`, `submissions.submission_status:"AP"`,
//! `effective_time:[A TO B]`), `limit` ≤ 1000, `skip` ≤ 25000, and `404 NOT_FOUND` "No matches
//! found!" for an empty result, over saved results.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use axum::http::StatusCode;
use axum::response::Response;
use regex::Regex;
use serde_json::Value;

use super::{balanced, json};

pub(super) const DRUGSFDA_PATH: &str = "/drug/drugsfda.json";
pub(super) const LABEL_PATH: &str = "/drug/label.json";
const MAX_LIMIT: usize = 1000;
const MAX_SKIP: usize = 25_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Endpoint {
    DrugsFda,
    Label,
}

#[derive(Debug)]
pub(super) struct Records {
    drugsfda: Vec<Value>,
    labels: Vec<Value>,
    approval_range: Regex,
    label_range: Regex,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json(
        status,
        serde_json::json!({"error": {"code": code, "message": message}}).to_string(),
    )
}

fn load_results(dir: &Path) -> Result<Vec<Value>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let value: Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", file.display()))?;
        if let Some(list) = value.get("results").and_then(Value::as_array) {
            out.extend(list.iter().cloned());
        }
    }
    Ok(out)
}

impl Records {
    pub(super) fn load(dir: &Path) -> Result<Records> {
        Ok(Records {
            drugsfda: load_results(&dir.join("drugsfda"))?,
            labels: load_results(&dir.join("label"))?,
            approval_range: Regex::new(
                r"submissions\.submission_status_date:\[(\d{8}) TO (\d{8})\]",
            )?,
            label_range: Regex::new(r"effective_time:\[(\d{8}) TO (\d{8})\]")?,
        })
    }

    pub(super) fn serve(&self, endpoint: Endpoint, p: &HashMap<String, String>) -> Response {
        let search = p.get("search").map(String::as_str).unwrap_or("");
        if !balanced(search) {
            return error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "Syntax error in search parameter: unbalanced parentheses or quotes",
            );
        }
        let number = |k: &str, d: usize| {
            p.get(k)
                .map(|v| v.parse::<usize>().map_err(|_| ()))
                .unwrap_or(Ok(d))
        };
        let (Ok(limit), Ok(skip)) = (number("limit", 1), number("skip", 0)) else {
            return error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "limit and skip must be integers",
            );
        };
        if limit > MAX_LIMIT {
            return error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "Limit cannot exceed 1000 results for search requests. Use the skip or search_after param to get additional results.",
            );
        }
        if skip > MAX_SKIP {
            return error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "Skip value must 25000 or less.",
            );
        }
        let matching: Vec<&Value> = match endpoint {
            Endpoint::DrugsFda => self
                .drugsfda
                .iter()
                .filter(|r| self.approval_matches(search, r))
                .collect(),
            Endpoint::Label => self
                .labels
                .iter()
                .filter(|r| self.label_matches(search, r))
                .collect(),
        };
        if matching.is_empty() || skip >= matching.len() {
            return error(StatusCode::NOT_FOUND, "NOT_FOUND", "No matches found!");
        }
        let results: Vec<&Value> = matching.iter().skip(skip).take(limit).copied().collect();
        let body = serde_json::json!({
            "meta": {
                "disclaimer": "Do not rely on openFDA to make decisions regarding medical care. While we make every effort to ensure that data is accurate, you should assume all results are unvalidated. We may limit or otherwise restrict your access to the API in line with our Terms of Service.",
                "terms": "https://open.fda.gov/terms/",
                "license": "https://open.fda.gov/license/",
                "last_updated": "2025-12-15",
                "results": {"skip": skip, "limit": limit, "total": matching.len()}
            },
            "results": results,
        });
        json(StatusCode::OK, body.to_string())
    }

    /// Like openFDA's nested fields, each clause matches any submission of the application.
    fn approval_matches(&self, search: &str, record: &Value) -> bool {
        let submissions = record.get("submissions").and_then(Value::as_array);
        let any = |f: &dyn Fn(&Value) -> bool| submissions.is_some_and(|s| s.iter().any(f));
        let in_range = match self.approval_range.captures(search) {
            None => true,
            Some(c) => {
                let (from, to) = (c[1].to_string(), c[2].to_string());
                any(&|s| {
                    s.get("submission_status_date")
                        .and_then(Value::as_str)
                        .is_some_and(|d| d >= from.as_str() && d <= to.as_str())
                })
            }
        };
        let approved = !search.contains("submissions.submission_status:\"AP\"")
            || any(&|s| s.get("submission_status").and_then(Value::as_str) == Some("AP"));
        in_range && approved
    }

    fn label_matches(&self, search: &str, record: &Value) -> bool {
        match self.label_range.captures(search) {
            None => true,
            Some(c) => record
                .get("effective_time")
                .and_then(Value::as_str)
                .is_some_and(|d| d >= &c[1] && d <= &c[2]),
        }
    }
}
