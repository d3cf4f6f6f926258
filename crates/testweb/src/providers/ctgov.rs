//! ClinicalTrials.gov API v2 `/api/v2/studies`: `query.term` with its
//! `AREA[LastUpdatePostDate]RANGE[from,to]`, `sort=LastUpdatePostDate:desc`, `pageSize` up to
//! 1000, and `nextPageToken` paging that requires every other parameter repeated.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, Result};
use axum::http::StatusCode;
use axum::response::Response;
use regex::Regex;
use serde_json::Value;

use super::{balanced, json, text};

pub(super) const PATH: &str = "/api/v2/studies";
const MAX_PAGE_SIZE: usize = 1000;
const DEFAULT_PAGE_SIZE: usize = 10;

#[derive(Debug)]
pub(super) struct Studies {
    studies: Mutex<Vec<Value>>,
    range: Regex,
}

fn last_update(study: &Value) -> &str {
    study
        .pointer("/protocolSection/statusModule/lastUpdatePostDateStruct/date")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

impl Studies {
    pub(super) fn load(dir: &Path) -> Result<Studies> {
        let mut studies = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let value: Value = serde_json::from_str(&text)
                .with_context(|| format!("parsing {}", file.display()))?;
            match value.get("studies").and_then(Value::as_array) {
                Some(list) => studies.extend(list.iter().cloned()),
                None => studies.push(value),
            }
        }
        Ok(Studies {
            studies: Mutex::new(studies),
            range: Regex::new(r"AREA\[LastUpdatePostDate\]RANGE\[([^,\]]*),([^\]]*)\]")
                .context("range pattern")?,
        })
    }

    /// A new version of a study: its last update posted on `date`.
    pub(super) fn update(&self, nct_id: &str, date: &str) -> bool {
        let mut studies = self.studies.lock().unwrap_or_else(|p| p.into_inner());
        let found = studies.iter_mut().find(|s| {
            s.pointer("/protocolSection/identificationModule/nctId")
                .and_then(Value::as_str)
                == Some(nct_id)
        });
        match found.and_then(|s| {
            s.pointer_mut("/protocolSection/statusModule/lastUpdatePostDateStruct/date")
        }) {
            Some(slot) => {
                *slot = Value::String(date.to_string());
                true
            }
            None => false,
        }
    }

    pub(super) fn serve(&self, params: &HashMap<String, String>) -> Response {
        let term = params.get("query.term").map(String::as_str).unwrap_or("");
        if !balanced(term) {
            return text(
                StatusCode::BAD_REQUEST,
                &format!("query.term: unbalanced parentheses or quotes in `{term}`"),
            );
        }
        let page_size = match params.get("pageSize").map(|s| s.parse::<usize>()) {
            None => DEFAULT_PAGE_SIZE,
            Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            Some(_) => {
                return text(
                    StatusCode::BAD_REQUEST,
                    "pageSize must be an integer between 1 and 1000",
                );
            }
        };
        let fingerprint = fingerprint(params);
        let offset = match params.get("pageToken") {
            None => 0,
            Some(token) => match parse_token(token, fingerprint) {
                Some(o) => o,
                None => {
                    return text(
                        StatusCode::BAD_REQUEST,
                        "pageToken does not belong to this query: repeat every other parameter of the first page",
                    );
                }
            },
        };
        let mut matching: Vec<Value> = {
            let studies = self.studies.lock().unwrap_or_else(|p| p.into_inner());
            studies
                .iter()
                .filter(|s| self.in_range(term, s))
                .cloned()
                .collect()
        };
        if params.get("sort").map(String::as_str) == Some("LastUpdatePostDate:desc") {
            matching.sort_by(|a, b| last_update(b).cmp(last_update(a)));
        }
        let page: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(page_size)
            .cloned()
            .collect();
        let mut body = serde_json::json!({ "studies": page });
        if offset + page_size < matching.len() {
            body["nextPageToken"] =
                Value::String(format!("{:x}.{}", fingerprint, offset + page_size));
        }
        json(StatusCode::OK, body.to_string())
    }

    fn in_range(&self, term: &str, study: &Value) -> bool {
        let Some(c) = self.range.captures(term) else {
            return true;
        };
        let date = last_update(study);
        let (from, to) = (c[1].trim(), c[2].trim());
        (from.is_empty() || from == "MIN" || date >= from)
            && (to.is_empty() || to == "MAX" || date <= to)
    }
}

/// What a page token is tied to: every parameter but the token itself.
fn fingerprint(params: &HashMap<String, String>) -> u64 {
    let mut pairs: Vec<(&String, &String)> =
        params.iter().filter(|(k, _)| *k != "pageToken").collect();
    pairs.sort();
    let mut h = DefaultHasher::new();
    pairs.hash(&mut h);
    h.finish()
}

fn parse_token(token: &str, fingerprint: u64) -> Option<usize> {
    let (print, offset) = token.split_once('.')?;
    (u64::from_str_radix(print, 16).ok()? == fingerprint).then_some(())?;
    offset.parse().ok()
}
