//! openFDA: `/drug/drugsfda.json` (approvals) and `/drug/label.json` (label versions). The
//! query AND the window in openFDA syntax (`submissions.submission_status_date:[A TO B]` with
//! `submissions.submission_status:"AP"`, or `effective_time:[A TO B]`), paged with `limit` and
//! the `Link: rel="next"` cursor openFDA sends (`search_after`, the only way past `skip`'s
//! 25,000), or `skip` when an answer has no link. A `404 NOT_FOUND` "No matches found" answer is
//! an empty result.

use super::{Answer, CallError, Record, Session, link_header, strings};
use crate::config::{ApiDef, ApiProvider, OPENFDA_MAX_ITEMS};
use crate::fetch::FetchErrorKind;
use crate::model::VERSION_KEY;
use crate::window::Window;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashSet;
use url::Url;
use vectora_parse::{DateSource, Entry};

/// Labels asked for per page when the source does not say: a drug label is a large document
/// (tens to hundreds of KB of text), so 1,000 of them would pass the fetcher's body cap.
pub const LABEL_PAGE_SIZE: usize = 50;

/// Records asked for per page: the source's `page_size`, else openFDA's largest `limit` (labels:
/// [`LABEL_PAGE_SIZE`]), never more than the source's `max_items`.
fn page_limit(def: &ApiDef) -> usize {
    let default = match def.provider {
        ApiProvider::OpenfdaLabel => LABEL_PAGE_SIZE,
        _ => MAX_LIMIT,
    };
    def.page_size
        .unwrap_or(default)
        .min(def.max_items)
        .min(MAX_LIMIT)
}

/// Largest `limit` openFDA serves.
pub const MAX_LIMIT: usize = 1000;
/// Largest `skip` openFDA accepts (past it, only the `search_after` cursor pages further).
pub const MAX_SKIP: usize = 25_000;

/// One answer of openFDA.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Record>,
    /// Results the search matched (`meta.results.total`).
    pub total: usize,
    /// Results in this answer (applications or labels, before they become records).
    pub returned: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawAnswer {
    meta: Meta,
    results: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Meta {
    results: MetaResults,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MetaResults {
    total: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OpenFda {
    brand_name: Vec<String>,
    generic_name: Vec<String>,
    manufacturer_name: Vec<String>,
    route: Vec<String>,
    spl_set_id: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Application {
    application_number: String,
    sponsor_name: String,
    openfda: OpenFda,
    products: Vec<Product>,
    submissions: Vec<Submission>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Product {
    brand_name: String,
    dosage_form: String,
    route: String,
    active_ingredients: Vec<Ingredient>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Ingredient {
    name: String,
    strength: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Submission {
    submission_type: String,
    submission_number: String,
    submission_status: String,
    submission_status_date: String,
    submission_class_code: String,
    submission_class_code_description: String,
    review_priority: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Label {
    set_id: String,
    id: String,
    version: String,
    effective_time: String,
    openfda: OpenFda,
    indications_and_usage: Vec<String>,
    description: Vec<String>,
    spl_product_data_elements: Vec<String>,
}

/// `YYYYMMDD`.
fn compact(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// The `search` of a run: the query AND the window (AND approvals, for drugsfda).
pub fn search_term(provider: ApiProvider, query: &str, window: Window) -> String {
    let range = format!("[{} TO {}]", compact(window.from), compact(window.to));
    match provider {
        ApiProvider::OpenfdaLabel => format!("({query}) AND effective_time:{range}"),
        _ => format!(
            "({query}) AND submissions.submission_status_date:{range} AND submissions.submission_status:\"AP\""
        ),
    }
}

/// One page's URL.
pub fn page_url(base: &Url, search: &str, limit: usize, skip: usize, api_key: Option<&str>) -> Url {
    let mut url = base.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("search", search)
            .append_pair("limit", &limit.to_string());
        if skip > 0 {
            q.append_pair("skip", &skip.to_string());
        }
        if let Some(k) = api_key {
            q.append_pair("api_key", k);
        }
    }
    url
}

/// How the next page is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Next {
    /// The search again, these many results skipped.
    Skip(usize),
    /// The answer's `Link: rel="next"` URL (it carries openFDA's `search_after` cursor).
    Cursor(Url),
}

/// Pages through the window's approvals or label versions: by the `Link: rel="next"` cursor
/// whenever an answer has one, else by `skip` (up to [`MAX_SKIP`]). Stops at `max_items`, at an
/// empty page, once `meta.results.total` results are read, or after
/// [`OPENFDA_MAX_ITEMS`] results (a run's bound, whatever the paging). `source_key` names the
/// source in the errors of its paging.
pub async fn collect(
    session: &mut Session<'_>,
    source_key: &str,
    base: &Url,
    def: &ApiDef,
    api_key: Option<&str>,
    window: Window,
) -> Result<(Vec<Record>, Vec<String>), CallError> {
    let search = search_term(def.provider, &def.query, window);
    let limit = page_limit(def);
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    let mut read = 0;
    let mut next = Next::Skip(0);
    let mut followed = HashSet::new();
    loop {
        let url = match &next {
            Next::Skip(skip) => page_url(base, &search, limit, *skip, api_key),
            Next::Cursor(link) => with_api_key(link, api_key),
        };
        let answer = match session.answer(&url).await {
            Ok(a) => a,
            Err(e) if is_no_match(&e) => break,
            Err(e) => return Err(e),
        };
        let page =
            parse_any(&answer.body, Some((def.provider, window))).map_err(CallError::Parse)?;
        records.extend(page.records);
        read += page.returned;
        if page.returned == 0 || read >= page.total || records.len() >= def.max_items {
            break;
        }
        if read >= OPENFDA_MAX_ITEMS {
            warnings.push(format!(
                "{} results match: a run reads at most {OPENFDA_MAX_ITEMS} of them",
                page.total
            ));
            break;
        }
        next = match next_page(source_key, base, &answer, read)? {
            Some(n) => n,
            None => {
                warnings.push(format!(
                    "{} results match: openFDA sent no next link and pages with skip up to {MAX_SKIP} only; {read} read",
                    page.total
                ));
                break;
            }
        };
        if let Next::Cursor(link) = &next
            && !followed.insert(link.clone())
        {
            warnings.push(format!(
                "openFDA's next link repeats an earlier page: stopped after {read} results"
            ));
            break;
        }
    }
    records.truncate(def.max_items);
    Ok((records, warnings))
}

/// The request after an answer, `read` results in: the answer's `rel="next"` link when it has
/// one, refused unless on the api_url's origin (scheme, host and port: the api key goes with
/// it); else `skip`, which openFDA serves up to [`MAX_SKIP`] (`None` past it).
fn next_page(
    source_key: &str,
    base: &Url,
    answer: &Answer,
    read: usize,
) -> Result<Option<Next>, CallError> {
    let link = link_header::next_link(&answer.links, &answer.url)
        .map_err(|why| CallError::Parse(format!("source `{source_key}`: openFDA's {why}")))?;
    match link {
        Some(link) if link.origin() != base.origin() => Err(CallError::Fetch {
            kind: FetchErrorKind::Blocked,
            http_status: None,
            message: format!(
                "source `{source_key}`: openFDA's next page link leads to {}, another host than the api_url's ({}): not followed",
                crate::model::redact_url(&link),
                base.origin().ascii_serialization()
            ),
            body: None,
        }),
        Some(link) => Ok(Some(Next::Cursor(link))),
        None if read > MAX_SKIP => Ok(None),
        None => Ok(Some(Next::Skip(read))),
    }
}

/// A next link with the run's `api_key` (openFDA's links leave it out), in place of any the link
/// carries.
fn with_api_key(link: &Url, api_key: Option<&str>) -> Url {
    let Some(key) = api_key else {
        return link.clone();
    };
    let mut url = link.clone();
    if link.query_pairs().any(|(k, _)| k == "api_key") {
        let kept: Vec<(String, String)> = link
            .query_pairs()
            .filter(|(k, _)| k != "api_key")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    url.query_pairs_mut().append_pair("api_key", key);
    url
}

/// openFDA answers a search without results with `404 NOT_FOUND` "No matches found!".
fn is_no_match(e: &CallError) -> bool {
    let CallError::Fetch {
        http_status: Some(404),
        body: Some(body),
        ..
    } = e
    else {
        return false;
    };
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/code")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .is_some_and(|code| code == "NOT_FOUND")
}

/// Parses an answer of either endpoint (told apart by its results unless `within` says). With
/// `within`, only approvals (`AP`) dated in the window become records.
pub fn parse_any(body: &[u8], within: Option<(ApiProvider, Window)>) -> Result<Page, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("not an openFDA JSON answer: {e}"))?;
    if value.get("results").is_none() && value.get("meta").is_none() {
        return Err("not an openFDA answer: no `meta` and no `results`".into());
    }
    let raw: RawAnswer =
        serde_json::from_value(value).map_err(|e| format!("unexpected openFDA answer: {e}"))?;
    let returned = raw.results.len();
    let mut records = Vec::new();
    for result in raw.results {
        let provider = match within {
            Some((p, _)) => p,
            None if result.get("submissions").is_some()
                || result.get("application_number").is_some() =>
            {
                ApiProvider::OpenfdaDrugsfda
            }
            None => ApiProvider::OpenfdaLabel,
        };
        match provider {
            ApiProvider::OpenfdaLabel => {
                let label: Label = serde_json::from_value(result)
                    .map_err(|e| format!("unexpected openFDA label: {e}"))?;
                records.extend(label_record(label));
            }
            _ => {
                let app: Application = serde_json::from_value(result)
                    .map_err(|e| format!("unexpected openFDA drugsfda result: {e}"))?;
                records.extend(approval_records(&app, within.map(|(_, w)| w)));
            }
        }
    }
    Ok(Page {
        records,
        total: raw.meta.results.total,
        returned,
    })
}

fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y%m%d").ok()
}

fn first(v: &[String]) -> &str {
    v.first().map(String::as_str).unwrap_or_default()
}

fn names(brand: &str, generic: &str) -> String {
    match (brand.trim(), generic.trim()) {
        ("", "") => String::new(),
        (b, "") => b.to_string(),
        ("", g) => g.to_string(),
        (b, g) if b.eq_ignore_ascii_case(g) => b.to_string(),
        (b, g) => format!("{b} ({g})"),
    }
}

/// What every approval record of one application shares.
struct ApplicationFacts {
    brand: String,
    generic: String,
    route: String,
    dosage_form: String,
    url: String,
    /// `BRAND INGREDIENT STRENGTH (FORM; ROUTE)` per product.
    products: Vec<String>,
}

impl ApplicationFacts {
    fn of(app: &Application) -> ApplicationFacts {
        let product = app.products.first();
        let brand = product
            .map(|p| p.brand_name.as_str())
            .filter(|b| !b.is_empty())
            .unwrap_or(first(&app.openfda.brand_name))
            .to_string();
        let mut ingredients: Vec<String> = Vec::new();
        for name in app.products.iter().flat_map(|p| &p.active_ingredients) {
            let name = name.name.trim().to_string();
            if !name.is_empty() && !ingredients.contains(&name) {
                ingredients.push(name);
            }
        }
        let generic = match first(&app.openfda.generic_name) {
            "" => ingredients.join(", "),
            g => g.to_string(),
        };
        let route = product
            .map(|p| p.route.as_str())
            .filter(|r| !r.is_empty())
            .unwrap_or(first(&app.openfda.route))
            .to_string();
        let digits: String = app
            .application_number
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let products = app
            .products
            .iter()
            .map(|p| {
                let strengths: Vec<String> = p
                    .active_ingredients
                    .iter()
                    .map(|i| {
                        format!("{} {}", i.name.trim(), i.strength.trim())
                            .trim()
                            .to_string()
                    })
                    .collect();
                format!(
                    "{} {} ({}; {})",
                    p.brand_name,
                    strengths.join(", "),
                    p.dosage_form,
                    p.route
                )
                .trim()
                .to_string()
            })
            .collect();
        ApplicationFacts {
            brand,
            generic,
            route,
            dosage_form: product.map(|p| p.dosage_form.clone()).unwrap_or_default(),
            url: format!(
                "https://www.accessdata.fda.gov/scripts/cder/daf/index.cfm?event=overview.process&ApplNo={digits}"
            ),
            products,
        }
    }
}

/// One record per approval of the application (in the window, when given).
fn approval_records(app: &Application, window: Option<Window>) -> Vec<Record> {
    let facts = ApplicationFacts::of(app);
    app.submissions
        .iter()
        .filter(|s| s.submission_status.trim() == "AP")
        .filter(|s| {
            let date = day(&s.submission_status_date);
            window.is_none_or(|w| date.is_some_and(|d| w.contains(d)))
        })
        .map(|s| approval_record(app, &facts, s))
        .collect()
}

fn approval_record(app: &Application, facts: &ApplicationFacts, s: &Submission) -> Record {
    let date = day(&s.submission_status_date);
    let kind = format!(
        "{} {}",
        s.submission_type.trim(),
        s.submission_number.trim()
    );
    let class = match s.submission_class_code_description.trim() {
        "" => s.submission_class_code.trim(),
        d => d,
    };
    let named = names(&facts.brand, &facts.generic);
    let title = match class {
        "" => format!("FDA approval: {named}, {} ({kind})", app.application_number),
        c => format!(
            "FDA approval: {named}, {} ({kind}, {c})",
            app.application_number
        ),
    };
    let mut content = format!(
        "FDA approved {kind} of application {} ({}) on {}.",
        app.application_number,
        app.sponsor_name.trim(),
        date.map(|d| d.to_string())
            .unwrap_or_else(|| s.submission_status_date.clone())
    );
    if !class.is_empty() {
        content.push_str(&format!(" Submission class: {class}."));
    }
    if !s.review_priority.trim().is_empty() {
        content.push_str(&format!(" Review priority: {}.", s.review_priority.trim()));
    }
    if !facts.products.is_empty() {
        content.push_str(&format!(" Products: {}.", facts.products.join("; ")));
    }
    let text = |v: &str| Value::String(v.to_string());
    let mut metadata = Map::new();
    metadata.insert("application_number".into(), text(&app.application_number));
    metadata.insert("submission_type".into(), text(&s.submission_type));
    metadata.insert("submission_number".into(), text(&s.submission_number));
    metadata.insert("submission_class".into(), text(class));
    metadata.insert("approval_date".into(), text(&s.submission_status_date));
    metadata.insert("brand_name".into(), text(&facts.brand));
    metadata.insert("generic_name".into(), text(&facts.generic));
    metadata.insert("route".into(), text(&facts.route));
    metadata.insert("dosage_form".into(), text(&facts.dosage_form));
    metadata.insert("sponsor".into(), text(&app.sponsor_name));
    metadata.insert(VERSION_KEY.into(), Value::String(kind.replace(' ', "-")));
    Record {
        entry: Entry {
            title: vectora_parse::text::bound_title(vectora_parse::text::collapse_whitespace(
                &title,
            )),
            url: facts.url.clone(),
            published: date,
            date_source: date.map(|_| DateSource::Api),
            content: vectora_parse::text::collapse_whitespace(&content),
            author: Some(app.sponsor_name.clone()).filter(|s| !s.trim().is_empty()),
            tags: Vec::new(),
        },
        metadata,
    }
}

/// One record per label version.
fn label_record(label: Label) -> Option<Record> {
    let set_id = match label.set_id.trim() {
        "" => first(&label.openfda.spl_set_id).trim().to_string(),
        s => s.to_string(),
    };
    if set_id.is_empty() {
        return None;
    }
    let brand = first(&label.openfda.brand_name);
    let generic = first(&label.openfda.generic_name);
    let named = match names(brand, generic) {
        n if n.is_empty() => {
            vectora_parse::text::clean_inline(first(&label.spl_product_data_elements))
        }
        n => n,
    };
    let version = label.version.trim().to_string();
    let title = match version.as_str() {
        "" => format!("Label: {named}"),
        v => format!("Label: {named}, version {v}"),
    };
    let published = day(&label.effective_time);
    let text = [&label.indications_and_usage, &label.description]
        .into_iter()
        .find(|t| !t.is_empty())
        .map(|t| t.join(" "))
        .unwrap_or_default();
    let manufacturer = first(&label.openfda.manufacturer_name).to_string();
    let mut content = vectora_parse::text::collapse_whitespace(&text);
    let route = label.openfda.route.join(", ");
    let facts: Vec<String> = [
        ("Route", route.clone()),
        ("Manufacturer", manufacturer.clone()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}: {v}."))
    .collect();
    if !facts.is_empty() {
        if !content.is_empty() {
            content.push_str("\n\n");
        }
        content.push_str(&facts.join(" "));
    }
    let mut metadata = Map::new();
    metadata.insert("set_id".into(), Value::String(set_id.clone()));
    metadata.insert("spl_id".into(), Value::String(label.id.clone()));
    metadata.insert("brand_name".into(), strings(&label.openfda.brand_name));
    metadata.insert("generic_name".into(), strings(&label.openfda.generic_name));
    metadata.insert("route".into(), strings(&label.openfda.route));
    metadata.insert("manufacturer".into(), Value::String(manufacturer.clone()));
    metadata.insert(
        "effective_time".into(),
        Value::String(label.effective_time.clone()),
    );
    if !version.is_empty() {
        metadata.insert(VERSION_KEY.into(), Value::String(version));
    }
    Some(Record {
        entry: Entry {
            title: vectora_parse::text::bound_title(vectora_parse::text::collapse_whitespace(
                &title,
            )),
            url: format!("https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={set_id}"),
            published,
            date_source: published.map(|_| DateSource::Api),
            content,
            author: Some(manufacturer).filter(|m| !m.is_empty()),
            tags: Vec::new(),
        },
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_pages_are_small_unless_the_source_says() {
        let def = |provider, page_size, max_items| ApiDef {
            provider,
            query: "x".into(),
            max_items,
            page_size,
            api_key_env: None,
            tool: "t".into(),
            email: None,
            email_env: "E".into(),
        };
        assert_eq!(
            page_limit(&def(ApiProvider::OpenfdaLabel, None, 500)),
            LABEL_PAGE_SIZE
        );
        assert_eq!(
            page_limit(&def(ApiProvider::OpenfdaDrugsfda, None, 500)),
            500
        );
        assert_eq!(
            page_limit(&def(ApiProvider::OpenfdaDrugsfda, None, 5000)),
            MAX_LIMIT
        );
        assert_eq!(
            page_limit(&def(ApiProvider::OpenfdaLabel, Some(200), 500)),
            200
        );
        assert_eq!(page_limit(&def(ApiProvider::OpenfdaLabel, None, 10)), 10);
    }

    fn window() -> Window {
        Window {
            from: NaiveDate::from_ymd_opt(2025, 11, 15).unwrap(),
            to: NaiveDate::from_ymd_opt(2025, 12, 15).unwrap(),
        }
    }

    #[test]
    fn searches_carry_the_window_in_openfda_syntax() {
        assert_eq!(
            search_term(
                ApiProvider::OpenfdaLabel,
                "openfda.route:\"INTRAMUSCULAR\"",
                window()
            ),
            "(openfda.route:\"INTRAMUSCULAR\") AND effective_time:[20251115 TO 20251215]"
        );
        assert_eq!(
            search_term(ApiProvider::OpenfdaDrugsfda, "risperidone", window()),
            "(risperidone) AND submissions.submission_status_date:[20251115 TO 20251215] AND submissions.submission_status:\"AP\""
        );
        let base = Url::parse("https://api.fda.gov/drug/label.json").unwrap();
        let url = page_url(&base, "a AND b:[1 TO 2]", 100, 200, Some("k3y"));
        // Spaces are sent as `+`, as openFDA's own examples write them.
        assert_eq!(
            url.query(),
            Some("search=a+AND+b%3A%5B1+TO+2%5D&limit=100&skip=200&api_key=k3y")
        );
    }

    fn answer(links: &[&str]) -> Answer {
        Answer {
            body: bytes::Bytes::new(),
            links: links.iter().map(|l| l.to_string()).collect(),
            url: Url::parse("https://api.fda.gov/drug/label.json?search=x&limit=2").unwrap(),
        }
    }

    #[test]
    fn the_next_page_is_the_link_on_the_api_urls_origin_else_skip() {
        let base = Url::parse("https://api.fda.gov/drug/label.json").unwrap();
        let same = "</drug/label.json?search=x&limit=2&skip=0&search_after=0%3D9>; rel=\"Next\"";
        assert_eq!(
            next_page("fda", &base, &answer(&[same]), 30_000).unwrap(),
            Some(Next::Cursor(
                Url::parse(
                    "https://api.fda.gov/drug/label.json?search=x&limit=2&skip=0&search_after=0%3D9"
                )
                .unwrap()
            ))
        );
        assert_eq!(
            next_page("fda", &base, &answer(&[]), MAX_SKIP).unwrap(),
            Some(Next::Skip(MAX_SKIP))
        );
        assert_eq!(
            next_page("fda", &base, &answer(&[]), MAX_SKIP + 1).unwrap(),
            None
        );
        for foreign in [
            "<https://api.fda.gov.evil.test/drug/label.json?search_after=0%3D9&api_key=leak>; rel=next",
            "<https://api.fda.gov:8443/drug/label.json>; rel=next",
            "<http://api.fda.gov/drug/label.json>; rel=next",
        ] {
            let err = next_page("fda_labels", &base, &answer(&[foreign]), 2).unwrap_err();
            assert_eq!(err.status(), crate::model::SourceStatus::Blocked);
            let message = err.message();
            assert!(
                message.starts_with("source `fda_labels`: openFDA's next page link leads to ")
                    && message.ends_with(
                        "another host than the api_url's (https://api.fda.gov): not followed"
                    ),
                "{message}"
            );
            assert!(!message.contains("leak"), "{message}");
        }
        let err =
            next_page("fda_labels", &base, &answer(&["<https://api.fda.gov/x"]), 2).unwrap_err();
        assert_eq!(err.status(), crate::model::SourceStatus::ParseError);
        assert!(
            err.message()
                .starts_with("source `fda_labels`: openFDA's unreadable Link header: "),
            "{}",
            err.message()
        );
    }

    #[test]
    fn the_api_key_goes_on_every_cursor_page_once() {
        let link = Url::parse(
            "https://api.fda.gov/drug/label.json?search=a%20b&limit=2&skip=0&search_after=0%3D1%3B1%3Dx",
        )
        .unwrap();
        assert_eq!(with_api_key(&link, None), link);
        // Appended: the link's own encoding is left as openFDA wrote it.
        assert_eq!(
            with_api_key(&link, Some("k3y")).query(),
            Some("search=a%20b&limit=2&skip=0&search_after=0%3D1%3B1%3Dx&api_key=k3y")
        );
        let keyed =
            Url::parse("https://api.fda.gov/d.json?api_key=other&search_after=0%3D1").unwrap();
        let pairs: Vec<(String, String)> = with_api_key(&keyed, Some("k3y"))
            .query_pairs()
            .into_owned()
            .collect();
        assert_eq!(
            pairs,
            [
                ("search_after".to_string(), "0=1".to_string()),
                ("api_key".to_string(), "k3y".to_string())
            ]
        );
    }

    #[test]
    fn only_a_not_found_answer_is_an_empty_result() {
        let not_found = CallError::Fetch {
            kind: crate::fetch::FetchErrorKind::Http,
            http_status: Some(404),
            message: String::new(),
            body: Some(
                br#"{"error":{"code":"NOT_FOUND","message":"No matches found!"}}"#
                    .as_slice()
                    .into(),
            ),
        };
        assert!(is_no_match(&not_found));
        let other_404 = CallError::Fetch {
            kind: crate::fetch::FetchErrorKind::Http,
            http_status: Some(404),
            message: String::new(),
            body: Some(b"<html>Not Found</html>".as_slice().into()),
        };
        assert!(!is_no_match(&other_404));
    }
}
