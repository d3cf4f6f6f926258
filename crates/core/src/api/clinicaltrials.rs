//! ClinicalTrials.gov API v2 (`GET {api_url}` = `/api/v2/studies`): the query AND the window's
//! `AREA[LastUpdatePostDate]RANGE[from,to]`, newest update first, pages followed through
//! `nextPageToken` (every other parameter repeated) until it is absent, a page is empty, or
//! `max_items` is reached. One record per study version: a study updated again is a new record.

use super::{CallError, Record, Session, strings, tidy};
use crate::config::ApiDef;
use crate::model::VERSION_KEY;
use crate::window::Window;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value};
use url::Url;
use vectora_parse::{DateSource, Entry};

/// Largest page the API serves.
pub const MAX_PAGE_SIZE: usize = 1000;
/// Only what items need (the API's piece names).
pub const FIELDS: &str = "NCTId,BriefTitle,OfficialTitle,OverallStatus,Phase,LeadSponsorName,Condition,InterventionType,InterventionName,BriefSummary,StartDate,StudyFirstPostDate,LastUpdatePostDate";

/// One page of `/studies`.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Record>,
    pub next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPage {
    #[serde(default)]
    studies: Vec<Study>,
    next_page_token: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Study {
    protocol_section: Protocol,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Protocol {
    identification_module: Identification,
    status_module: Status,
    sponsor_collaborators_module: Sponsors,
    description_module: Description,
    conditions_module: Conditions,
    design_module: Design,
    arms_interventions_module: Arms,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Identification {
    nct_id: String,
    brief_title: String,
    official_title: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Status {
    overall_status: String,
    start_date_struct: DateStruct,
    study_first_post_date_struct: DateStruct,
    last_update_post_date_struct: DateStruct,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DateStruct {
    date: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Sponsors {
    lead_sponsor: Named,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Named {
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Description {
    brief_summary: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Conditions {
    conditions: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Design {
    phases: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Arms {
    interventions: Vec<Intervention>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Intervention {
    #[serde(rename = "type")]
    kind: String,
    name: String,
}

/// The first page's URL: `query.term` = the query AND the window, sorted by last update.
pub fn page_url(
    base: &Url,
    query: &str,
    window: Window,
    page_size: usize,
    token: Option<&str>,
) -> Url {
    let mut url = base.clone();
    let term = format!(
        "({query}) AND AREA[LastUpdatePostDate]RANGE[{},{}]",
        window.from.format("%Y-%m-%d"),
        window.to.format("%Y-%m-%d")
    );
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("format", "json")
            .append_pair("query.term", &term)
            .append_pair("fields", FIELDS)
            .append_pair("sort", "LastUpdatePostDate:desc")
            .append_pair("pageSize", &page_size.to_string());
        if let Some(t) = token {
            q.append_pair("pageToken", t);
        }
    }
    url
}

/// Pages through the window's studies.
pub(super) async fn collect(
    session: &mut Session<'_>,
    base: &Url,
    def: &ApiDef,
    window: Window,
) -> Result<(Vec<Record>, Vec<String>), CallError> {
    let page_size = def
        .page_size
        .unwrap_or(MAX_PAGE_SIZE)
        .min(def.max_items)
        .min(MAX_PAGE_SIZE);
    let mut records: Vec<Record> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let url = page_url(base, &def.query, window, page_size, token.as_deref());
        let body = session.get(&url).await?;
        let page = parse_page(&body).map_err(CallError::Parse)?;
        if page.records.is_empty() {
            break;
        }
        records.extend(page.records);
        if records.len() >= def.max_items {
            records.truncate(def.max_items);
            break;
        }
        match page.next_page_token {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => break,
        }
    }
    Ok((records, Vec::new()))
}

/// Parses a `/studies` page, or a single study (`/studies/{nctId}`) as a one-record page.
pub fn parse_page(body: &[u8]) -> Result<Page, String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("not a ClinicalTrials.gov JSON answer: {e}"))?;
    let raw: RawPage = if value.get("protocolSection").is_some() {
        RawPage {
            studies: vec![study_from(value)?],
            next_page_token: None,
        }
    } else if value.get("studies").is_some() {
        serde_json::from_value(value)
            .map_err(|e| format!("unexpected ClinicalTrials.gov studies page: {e}"))?
    } else {
        return Err(
            "not a ClinicalTrials.gov answer: no `studies` and no `protocolSection`".into(),
        );
    };
    Ok(Page {
        records: raw.studies.into_iter().filter_map(record).collect(),
        next_page_token: raw.next_page_token,
    })
}

fn study_from(value: Value) -> Result<Study, String> {
    serde_json::from_value(value).map_err(|e| format!("unexpected ClinicalTrials.gov study: {e}"))
}

/// The brief summary, then the study's facts (`Label: value.`) in one paragraph.
fn content(summary: &str, facts: &[(&str, String)]) -> String {
    let facts: Vec<String> = facts
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(label, v)| format!("{label}: {v}."))
        .collect();
    [tidy(summary), facts.join(" ")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A full `YYYY-MM-DD` date; partial ones (`yyyy`, `yyyy-MM`) are kept as text only, never
/// completed into an invented day.
pub fn full_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

fn record(study: Study) -> Option<Record> {
    let p = study.protocol_section;
    let id = p.identification_module;
    let nct_id = id.nct_id.trim().to_string();
    if nct_id.is_empty() {
        return None;
    }
    let title = if id.brief_title.trim().is_empty() {
        &id.official_title
    } else {
        &id.brief_title
    };
    let status = p.status_module;
    let last_update = status.last_update_post_date_struct.date.trim().to_string();
    let first_posted = status.study_first_post_date_struct.date.trim().to_string();
    let sponsor = p
        .sponsor_collaborators_module
        .lead_sponsor
        .name
        .trim()
        .to_string();
    let conditions = p.conditions_module.conditions;
    let phases = p.design_module.phases;
    let interventions: Vec<String> = p
        .arms_interventions_module
        .interventions
        .iter()
        .filter(|i| !i.name.trim().is_empty())
        .map(|i| match i.kind.trim() {
            "" => i.name.trim().to_string(),
            kind => format!("{kind}: {}", i.name.trim()),
        })
        .collect();
    let content = content(
        &p.description_module.brief_summary,
        &[
            ("Status", status.overall_status.clone()),
            ("Phases", phases.join(", ")),
            ("Lead sponsor", sponsor.clone()),
            ("Conditions", conditions.join("; ")),
            ("Interventions", interventions.join("; ")),
        ],
    );
    let published = full_date(&last_update);
    let mut metadata = Map::new();
    metadata.insert("nct_id".into(), Value::String(nct_id.clone()));
    metadata.insert(
        "overall_status".into(),
        Value::String(status.overall_status),
    );
    metadata.insert("phases".into(), strings(&phases));
    metadata.insert("sponsor".into(), Value::String(sponsor.clone()));
    metadata.insert("conditions".into(), strings(&conditions));
    metadata.insert("interventions".into(), strings(&interventions));
    metadata.insert("first_posted".into(), Value::String(first_posted));
    // As written: often partial (`2006-04`).
    metadata.insert(
        "start_date".into(),
        Value::String(status.start_date_struct.date.trim().to_string()),
    );
    metadata.insert(
        "last_update_posted".into(),
        Value::String(last_update.clone()),
    );
    // The version is the last-update date: the same study updated again is a new item.
    metadata.insert(VERSION_KEY.into(), Value::String(last_update));
    Some(Record {
        entry: Entry {
            title: vectora_parse::text::bound_title(vectora_parse::text::clean_inline(title)),
            url: format!("https://clinicaltrials.gov/study/{nct_id}"),
            published,
            date_source: published.map(|_| DateSource::Api),
            content,
            author: (!sponsor.is_empty()).then_some(sponsor),
            tags: Vec::new(),
        },
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window() -> Window {
        Window {
            from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2025, 2, 14).unwrap(),
        }
    }

    #[test]
    fn first_and_next_page_urls_carry_the_window_and_repeat_every_parameter() {
        let base = Url::parse("https://clinicaltrials.gov/api/v2/studies").unwrap();
        let first = page_url(&base, "\"long-acting injectable\"", window(), 1000, None);
        let pairs: Vec<(String, String)> = first.query_pairs().into_owned().collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(
            get("query.term"),
            Some(
                "(\"long-acting injectable\") AND AREA[LastUpdatePostDate]RANGE[2025-01-01,2025-02-14]"
            )
        );
        assert_eq!(get("sort"), Some("LastUpdatePostDate:desc"));
        assert_eq!(get("pageSize"), Some("1000"));
        assert_eq!(get("pageToken"), None);
        let next = page_url(
            &base,
            "\"long-acting injectable\"",
            window(),
            1000,
            Some("NF0g5JGBlPMuwQY"),
        );
        let next_pairs: Vec<(String, String)> = next.query_pairs().into_owned().collect();
        assert_eq!(&next_pairs[..pairs.len()], &pairs[..]);
        assert_eq!(
            next_pairs.last().map(|(k, v)| (k.as_str(), v.as_str())),
            Some(("pageToken", "NF0g5JGBlPMuwQY"))
        );
    }

    #[test]
    fn partial_dates_are_not_completed() {
        assert_eq!(
            full_date("2025-02-14"),
            NaiveDate::from_ymd_opt(2025, 2, 14)
        );
        assert_eq!(full_date("2025-02"), None);
        assert_eq!(full_date("2025"), None);
    }

    #[test]
    fn answers_that_are_not_studies_are_refused_with_a_reason() {
        assert!(
            parse_page(b"<html>")
                .unwrap_err()
                .contains("not a ClinicalTrials.gov JSON")
        );
        assert!(
            parse_page(br#"{"foo": 1}"#)
                .unwrap_err()
                .contains("no `studies`")
        );
        let empty = parse_page(br#"{"studies": []}"#).unwrap();
        assert!(empty.records.is_empty() && empty.next_page_token.is_none());
    }
}
