//! openFDA `/drug/drugsfda.json` and `/drug/label.json`: `search` with the date ranges a run
//! sends (`submissions.submission_status_date:[A TO B]`, `submissions.submission_status:"AP"`,
//! `effective_time:[A TO B]`), `limit` ≤ 1000, `skip` ≤ 25000 (configurable), the next page
//! announced in a `Link: rel="Next"` header with a `search_after` cursor, and `404 NOT_FOUND`
//! "No matches found!" for an empty result, over saved results.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use regex::Regex;
use serde_json::Value;

use super::{Settings, balanced, json};

pub(super) const DRUGSFDA_PATH: &str = "/drug/drugsfda.json";
pub(super) const LABEL_PATH: &str = "/drug/label.json";
const MAX_LIMIT: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Endpoint {
    DrugsFda,
    Label,
}

impl Endpoint {
    fn path(self) -> &'static str {
        match self {
            Endpoint::DrugsFda => DRUGSFDA_PATH,
            Endpoint::Label => LABEL_PATH,
        }
    }
}

/// How answers page: the largest `skip`, and whether (and to which host) a `Link` header
/// announces the next page.
#[derive(Debug, Clone)]
pub(super) struct Paging {
    skip_limit: usize,
    links: bool,
    next_base: Option<String>,
}

impl Paging {
    pub(super) fn of(settings: &Settings) -> Paging {
        Paging {
            skip_limit: settings.openfda_skip_limit,
            links: settings.openfda_links,
            next_base: settings.openfda_next_base.clone(),
        }
    }
}

#[derive(Debug)]
pub(super) struct Records {
    drugsfda: Vec<Value>,
    labels: Vec<Value>,
    approval_range: Regex,
    label_range: Regex,
    paging: Paging,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json(
        status,
        serde_json::json!({"error": {"code": code, "message": message}}).to_string(),
    )
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
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

/// Where a page starts: `skip` results in, or after the record a cursor names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    Skip(usize),
    /// `search_after=0=N`: after the record at position N of the endpoint's records (the test
    /// web's sort value; openFDA's cursor holds the last result's sort values likewise).
    After(usize),
}

/// `limit`, and `skip` or `search_after`, checked as openFDA checks them (else its message).
fn page_params(p: &HashMap<String, String>, skip_limit: usize) -> Result<(usize, Start), String> {
    let number = |k: &str, d: usize| {
        p.get(k)
            .map(|v| v.parse::<usize>().map_err(|_| ()))
            .unwrap_or(Ok(d))
    };
    let (Ok(limit), Ok(skip)) = (number("limit", 1), number("skip", 0)) else {
        return Err("limit and skip must be integers".into());
    };
    if limit > MAX_LIMIT {
        return Err("Limit cannot exceed 1000 results for search requests. Use the skip or search_after param to get additional results.".into());
    }
    if skip > skip_limit {
        return Err(format!("Skip value must {skip_limit} or less."));
    }
    let Some(cursor) = p.get("search_after") else {
        return Ok((limit, Start::Skip(skip)));
    };
    if skip > 0 {
        return Err("skip and search_after cannot be used together".into());
    }
    match cursor.strip_prefix("0=").and_then(|n| n.parse().ok()) {
        Some(position) => Ok((limit, Start::After(position))),
        None => Err("Invalid search_after value".into()),
    }
}

impl Records {
    pub(super) fn load(dir: &Path, paging: Paging) -> Result<Records> {
        Ok(Records {
            drugsfda: load_results(&dir.join("drugsfda"))?,
            labels: load_results(&dir.join("label"))?,
            approval_range: Regex::new(
                r"submissions\.submission_status_date:\[(\d{8}) TO (\d{8})\]",
            )?,
            label_range: Regex::new(r"effective_time:\[(\d{8}) TO (\d{8})\]")?,
            paging,
        })
    }

    /// One answer. While results remain, its `Link: <…>; rel="Next"` header is the search
    /// again with the `search_after` cursor of its last result (`skip=0` included, as openFDA
    /// writes it), or with the next `skip` when the request paged by `skip`; never the api key.
    pub(super) fn serve(
        &self,
        endpoint: Endpoint,
        p: &HashMap<String, String>,
        base: &str,
    ) -> Response {
        let search = p.get("search").map(String::as_str).unwrap_or("");
        if !balanced(search) {
            return bad_request(
                "Syntax error in search parameter: unbalanced parentheses or quotes",
            );
        }
        let (limit, start) = match page_params(p, self.paging.skip_limit) {
            Ok(params) => params,
            Err(message) => return bad_request(&message),
        };
        let matching = self.matching(endpoint, search);
        let rest: Vec<(usize, &Value)> = match start {
            Start::Skip(skip) => matching.iter().skip(skip).copied().collect(),
            Start::After(after) => matching
                .iter()
                .filter(|(i, _)| *i > after)
                .copied()
                .collect(),
        };
        if rest.is_empty() {
            return error(StatusCode::NOT_FOUND, "NOT_FOUND", "No matches found!");
        }
        let page = &rest[..limit.min(rest.len())];
        let skip = match start {
            Start::Skip(skip) => skip,
            Start::After(_) => 0,
        };
        let results: Vec<&Value> = page.iter().map(|(_, r)| *r).collect();
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
        let mut answer = json(StatusCode::OK, body.to_string());
        if let Some((last, _)) = page.last()
            && self.paging.links
            && rest.len() > page.len()
        {
            let next = match start {
                Start::Skip(skip) if skip > 0 => ("skip", (skip + page.len()).to_string()),
                _ => ("search_after", format!("0={last}")),
            };
            let link = self.next_link(endpoint, base, search, limit, next);
            if let Ok(value) = HeaderValue::from_str(&link) {
                answer.headers_mut().insert(header::LINK, value);
            }
        }
        answer
    }

    /// The `Link` header of the page after this one.
    fn next_link(
        &self,
        endpoint: Endpoint,
        base: &str,
        search: &str,
        limit: usize,
        (name, value): (&str, String),
    ) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("search", search)
            .append_pair("limit", &limit.to_string());
        if name == "search_after" {
            query.append_pair("skip", "0");
        }
        query.append_pair(name, &value);
        let base = self.paging.next_base.as_deref().unwrap_or(base);
        format!(
            "<{base}{}?{}>; rel=\"Next\"",
            endpoint.path(),
            query.finish()
        )
    }

    /// The endpoint's records the search matches, with their positions among its records.
    fn matching(&self, endpoint: Endpoint, search: &str) -> Vec<(usize, &Value)> {
        let records = match endpoint {
            Endpoint::DrugsFda => &self.drugsfda,
            Endpoint::Label => &self.labels,
        };
        records
            .iter()
            .enumerate()
            .filter(|(_, r)| match endpoint {
                Endpoint::DrugsFda => self.approval_matches(search, r),
                Endpoint::Label => self.label_matches(search, r),
            })
            .collect()
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
