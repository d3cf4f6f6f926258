//! PubMed through NCBI E-utilities at `api_url`: `esearch.fcgi` (the query, the window as entry
//! dates `datetype=edat`, history on) then `efetch.fcgi` in batches of at most 200 through the
//! search's WebEnv (or its ids). `tool` and `email` go with every request, `api_key` when set.
//! ESearch serves at most 10,000 results of one search: a larger window is cut in halves until
//! each part fits. One record per `PubmedArticle`, dated by its entry date.

use super::{CallError, Record, Session, strings};
use crate::config::ApiDef;
use crate::fetch::FetchErrorKind;
use crate::window::Window;
use chrono::{Days, NaiveDate};
use quick_xml::events::{BytesStart, Event};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::VecDeque;
use url::Url;
use vectora_parse::{DateSource, Entry};

/// Records fetched per efetch request.
pub const EFETCH_BATCH: usize = 200;
/// Results ESearch serves for one search.
pub const RESULT_CAP: usize = 10_000;

/// What an esearch answer says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Search {
    pub count: usize,
    pub ids: Vec<String>,
    pub web_env: Option<String>,
    pub query_key: Option<String>,
}

/// The parameters every E-utilities request carries.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    pub tool: &'a str,
    pub email: Option<&'a str>,
    pub api_key: Option<&'a str>,
}

fn endpoint(base: &Url, name: &str) -> Url {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.join(name).unwrap_or(base)
}

fn identify(url: &mut Url, who: Identity<'_>) {
    let mut q = url.query_pairs_mut();
    q.append_pair("tool", who.tool);
    if let Some(e) = who.email {
        q.append_pair("email", e);
    }
    if let Some(k) = who.api_key {
        q.append_pair("api_key", k);
    }
}

/// `esearch.fcgi` for entry dates `from..=to`.
pub fn esearch_url(
    base: &Url,
    term: &str,
    from: NaiveDate,
    to: NaiveDate,
    retmax: usize,
    who: Identity<'_>,
) -> Url {
    let mut url = endpoint(base, "esearch.fcgi");
    url.query_pairs_mut()
        .append_pair("db", "pubmed")
        .append_pair("term", term)
        .append_pair("datetype", "edat")
        .append_pair("mindate", &from.format("%Y/%m/%d").to_string())
        .append_pair("maxdate", &to.format("%Y/%m/%d").to_string())
        .append_pair("retmax", &retmax.to_string())
        .append_pair("usehistory", "y")
        .append_pair("retmode", "json");
    identify(&mut url, who);
    url
}

/// `efetch.fcgi` of one batch: through the search's history when it has one, else by ids.
pub fn efetch_url(
    base: &Url,
    search: &Search,
    start: usize,
    count: usize,
    who: Identity<'_>,
) -> Url {
    let mut url = endpoint(base, "efetch.fcgi");
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("db", "pubmed").append_pair("retmode", "xml");
        match (&search.web_env, &search.query_key) {
            (Some(env), Some(key)) => {
                q.append_pair("WebEnv", env)
                    .append_pair("query_key", key)
                    .append_pair("retstart", &start.to_string())
                    .append_pair("retmax", &count.to_string());
            }
            _ => {
                let end = (start + count).min(search.ids.len());
                q.append_pair("id", &search.ids[start.min(end)..end].join(","));
            }
        }
    }
    identify(&mut url, who);
    url
}

#[derive(Deserialize)]
struct EsearchJson {
    esearchresult: EsearchResult,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EsearchResult {
    count: String,
    idlist: Vec<String>,
    webenv: Option<String>,
    querykey: Option<String>,
    #[serde(rename = "ERROR")]
    error: Option<String>,
}

/// Parses an esearch answer, JSON (`retmode=json`, what a run asks for) or XML.
pub fn parse_esearch(body: &[u8]) -> Result<Search, String> {
    let text = String::from_utf8_lossy(body);
    if text.trim_start().starts_with('{') {
        let json: EsearchJson =
            serde_json::from_str(&text).map_err(|e| format!("unexpected esearch JSON: {e}"))?;
        let r = json.esearchresult;
        if let Some(error) = r.error {
            return Err(format!("esearch refused the query: {error}"));
        }
        let count = r
            .count
            .trim()
            .parse()
            .map_err(|_| format!("esearch count `{}` is not a number", r.count))?;
        return Ok(Search {
            count,
            ids: r.idlist,
            web_env: r.webenv.filter(|s| !s.is_empty()),
            query_key: r.querykey.filter(|s| !s.is_empty()),
        });
    }
    parse_esearch_xml(&text)
}

fn parse_esearch_xml(text: &str) -> Result<Search, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut search = Search::default();
    let mut count = None;
    let mut error = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => path.push(name_of(&e)),
            Ok(Event::End(_)) => {
                path.pop();
            }
            Ok(Event::Text(t)) => {
                let value = t.decode().unwrap_or_default().trim().to_string();
                let inner: Vec<&str> = path.iter().map(String::as_str).collect();
                match inner.as_slice() {
                    ["eSearchResult", "Count"] => count = value.parse().ok(),
                    ["eSearchResult", "IdList", "Id"] => search.ids.push(value),
                    ["eSearchResult", "WebEnv"] => search.web_env = Some(value),
                    ["eSearchResult", "QueryKey"] => search.query_key = Some(value),
                    ["eSearchResult", "ERROR"] => error = Some(value),
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("esearch XML is broken: {e}")),
        }
    }
    if let Some(e) = error {
        return Err(format!("esearch refused the query: {e}"));
    }
    search.count = count.ok_or("not an esearch answer: no eSearchResult/Count")?;
    Ok(search)
}

fn name_of(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

/// The window's records, newest part first, up to `max_items`.
pub(super) async fn collect(
    session: &mut Session<'_>,
    base: &Url,
    def: &ApiDef,
    api_key: Option<&str>,
    window: Window,
) -> Result<(Vec<Record>, Vec<String>), CallError> {
    collect_capped(session, base, def, api_key, window, RESULT_CAP).await
}

/// [`collect`] with the per-search result cap as a parameter (the provider's is [`RESULT_CAP`]).
pub async fn collect_capped(
    session: &mut Session<'_>,
    base: &Url,
    def: &ApiDef,
    api_key: Option<&str>,
    window: Window,
    cap: usize,
) -> Result<(Vec<Record>, Vec<String>), CallError> {
    let email = def.ncbi_email();
    let who = Identity {
        tool: &def.tool,
        email: email.as_deref(),
        api_key,
    };
    let mut warnings = Vec::new();
    if email.is_none() {
        warnings.push(format!(
            "no NCBI email configured (api.email, or the {} environment variable): NCBI asks for one",
            def.email_env
        ));
    }
    let mut records = Vec::new();
    let mut parts = VecDeque::from([(window.from, window.to)]);
    while let Some((from, to)) = parts.pop_front() {
        let remaining = def.max_items.saturating_sub(records.len());
        if remaining == 0 {
            break;
        }
        let wanted = remaining.min(cap);
        let body = session
            .get(&esearch_url(base, &def.query, from, to, wanted, who))
            .await?;
        let search = parse_esearch(&body).map_err(refused)?;
        if search.count > cap && remaining > cap && from < to {
            // Newer half first: the run keeps the most recent papers when max_items cuts.
            let mid = from + Days::new(((to - from).num_days() / 2) as u64);
            parts.push_front((from, mid));
            parts.push_front((mid + Days::new(1), to));
            continue;
        }
        if search.count > cap && remaining > cap {
            warnings.push(format!(
                "{} papers entered PubMed on {from}: only the first {cap} can be fetched",
                search.count
            ));
        }
        let total = search.count.min(wanted);
        let batch = def.page_size.unwrap_or(EFETCH_BATCH).min(EFETCH_BATCH);
        let mut start = 0;
        while start < total {
            let n = batch.min(total - start);
            let body = session
                .get(&efetch_url(base, &search, start, n, who))
                .await?;
            let batch = parse_articles(&body).map_err(CallError::Parse)?;
            if batch.is_empty() {
                break;
            }
            records.extend(batch);
            start += n;
        }
    }
    records.truncate(def.max_items);
    Ok((records, warnings))
}

/// An esearch `ERROR` is the provider refusing the query, like a 400.
fn refused(message: String) -> CallError {
    CallError::Fetch {
        kind: FetchErrorKind::Http,
        http_status: None,
        message,
        body: None,
    }
}

/// What is read from one `PubmedArticle`.
#[derive(Debug, Default)]
struct Article {
    pmid: String,
    title: String,
    sections: Vec<(Option<String>, String)>,
    journal: String,
    pub_date: PartialDate,
    medline_date: String,
    authors: Vec<String>,
    author: Author,
    publication_types: Vec<String>,
    doi: Option<String>,
    elocation_doi: Option<String>,
    entrez: PartialDate,
}

#[derive(Debug, Default, Clone)]
struct PartialDate {
    year: String,
    month: String,
    day: String,
}

#[derive(Debug, Default)]
struct Author {
    last: String,
    fore: String,
    collective: String,
}

/// Parses an efetch `PubmedArticleSet`: one record per `PubmedArticle` with a PMID.
pub fn parse_articles(body: &[u8]) -> Result<Vec<Record>, String> {
    let text = String::from_utf8_lossy(body);
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut path: Vec<String> = Vec::new();
    let mut attrs: Vec<Option<String>> = Vec::new();
    let mut article: Option<Article> = None;
    let mut records = Vec::new();
    let mut saw_set = false;
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "PubMed XML is broken at byte {}: {e}",
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Start(e) => {
                let name = name_of(&e);
                saw_set |= name == "PubmedArticleSet";
                if name == "PubmedArticle" {
                    article = Some(Article::default());
                }
                let attr = key_attribute(&e);
                if name == "AbstractText"
                    && let Some(a) = article.as_mut()
                    && path.iter().any(|p| p == "Abstract")
                    && !path.iter().any(|p| p == "OtherAbstract")
                {
                    a.sections
                        .push((attr.clone().filter(|l| !l.trim().is_empty()), String::new()));
                }
                attrs.push(attr);
                path.push(name);
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                attrs.pop();
                if name == "Author"
                    && let Some(a) = article.as_mut()
                {
                    close_author(a);
                }
                if name == "PubmedArticle"
                    && let Some(a) = article.take()
                    && let Some(r) = record(a)
                {
                    records.push(r);
                }
            }
            Event::Text(t) => {
                let s = t.decode().unwrap_or_default();
                if let Some(a) = article.as_mut() {
                    text_in(a, &path, &attrs, &s);
                }
            }
            Event::CData(t) => {
                if let Some(a) = article.as_mut() {
                    text_in(a, &path, &attrs, &String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(a) = article.as_mut() {
                    text_in(a, &path, &attrs, &resolve_reference(&r));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_set {
        return Err("not an efetch PubMed answer: no PubmedArticleSet".into());
    }
    Ok(records)
}

/// `&amp;`, `&#233;`, `&#x2014;`: the character; an unknown entity is dropped (PubMed's XML
/// uses the predefined ones only, and nothing is ever fetched for an entity).
fn resolve_reference(r: &quick_xml::events::BytesRef<'_>) -> String {
    match r.resolve_char_ref() {
        Ok(Some(c)) => c.to_string(),
        _ => {
            let name = r.decode().unwrap_or_default();
            quick_xml::escape::resolve_predefined_entity(&name)
                .map(str::to_string)
                .unwrap_or_default()
        }
    }
}

/// The one attribute each element of interest is told apart by.
fn key_attribute(e: &BytesStart<'_>) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        let key = a.key.local_name();
        matches!(
            key.as_ref(),
            b"Label" | b"IdType" | b"EIdType" | b"PubStatus"
        )
        .then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default()
        })
    })
}

/// Whether `path` (outermost first) ends with `tail`.
fn ends_with(path: &[String], tail: &[&str]) -> bool {
    path.len() >= tail.len()
        && path[path.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a == b)
}

/// Attributes of the innermost open element named `name`.
fn attr_of<'a>(path: &[String], attrs: &'a [Option<String>], name: &str) -> Option<&'a str> {
    path.iter()
        .rposition(|p| p == name)
        .and_then(|i| attrs.get(i))
        .and_then(|a| a.as_deref())
}

/// Text inside the open elements `path`: inline markup (`<i>`, `<sup>`...) inside a title or an
/// abstract section is flattened into its text.
fn text_in(a: &mut Article, path: &[String], attrs: &[Option<String>], s: &str) {
    let within = |name: &str| path.iter().any(|p| p == name);
    if within("ArticleTitle") && within("Article") {
        a.title.push_str(s);
    } else if within("AbstractText") && within("Abstract") && !within("OtherAbstract") {
        if let Some(last) = a.sections.last_mut() {
            last.1.push_str(s);
        }
    } else if ends_with(path, &["MedlineCitation", "PMID"]) && a.pmid.is_empty() {
        a.pmid = s.trim().to_string();
    } else if ends_with(path, &["Journal", "Title"]) {
        a.journal.push_str(s);
    } else if ends_with(path, &["PubDate", "MedlineDate"]) {
        a.medline_date.push_str(s);
    } else if within("PubDate") && within("JournalIssue") {
        set_part(&mut a.pub_date, path, s);
    } else if within("Author") && within("AuthorList") {
        match path.last().map(String::as_str) {
            Some("LastName") => a.author.last.push_str(s),
            Some("ForeName") => a.author.fore.push_str(s),
            Some("CollectiveName") => a.author.collective.push_str(s),
            _ => {}
        }
    } else if ends_with(path, &["PublicationTypeList", "PublicationType"]) {
        a.publication_types.push(s.trim().to_string());
    } else if ends_with(path, &["PubmedData", "ArticleIdList", "ArticleId"])
        && attr_of(path, attrs, "ArticleId") == Some("doi")
    {
        a.doi.get_or_insert_with(String::new).push_str(s.trim());
    } else if ends_with(path, &["Article", "ELocationID"])
        && attr_of(path, attrs, "ELocationID") == Some("doi")
    {
        a.elocation_doi
            .get_or_insert_with(String::new)
            .push_str(s.trim());
    } else if within("History")
        && within("PubMedPubDate")
        && attr_of(path, attrs, "PubMedPubDate") == Some("entrez")
    {
        set_part(&mut a.entrez, path, s);
    }
}

fn set_part(d: &mut PartialDate, path: &[String], s: &str) {
    match path.last().map(String::as_str) {
        Some("Year") => d.year.push_str(s.trim()),
        Some("Month") => d.month.push_str(s.trim()),
        Some("Day") => d.day.push_str(s.trim()),
        _ => {}
    }
}

/// An `Author` closed: its name joins the list (`ForeName LastName`, or the collective name).
fn close_author(a: &mut Article) {
    let au = std::mem::take(&mut a.author);
    let full = if au.collective.trim().is_empty() {
        format!("{} {}", au.fore.trim(), au.last.trim())
    } else {
        au.collective.trim().to_string()
    };
    let full = full.trim().to_string();
    if !full.is_empty() {
        a.authors.push(full);
    }
}

fn month_number(m: &str) -> Option<u32> {
    if let Ok(n) = m.parse::<u32>() {
        return (1..=12).contains(&n).then_some(n);
    }
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = m.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|x| lower.starts_with(x))
        .map(|i| i as u32 + 1)
}

/// A full date when year, month and day are all there.
fn full(d: &PartialDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        d.year.parse().ok()?,
        month_number(&d.month)?,
        d.day.parse().ok()?,
    )
}

/// The journal's publication date as precise as it is written: `YYYY-MM-DD`, `YYYY-MM`,
/// `YYYY`, or the `MedlineDate` text (`1991 Jan-Feb`).
fn publication_date(a: &Article) -> String {
    let d = &a.pub_date;
    match (
        d.year.is_empty(),
        month_number(&d.month),
        d.day.parse::<u32>().ok(),
    ) {
        (false, Some(m), Some(day)) => format!("{}-{m:02}-{day:02}", d.year),
        (false, Some(m), None) => format!("{}-{m:02}", d.year),
        (false, None, _) => d.year.clone(),
        (true, _, _) => vectora_parse::text::collapse_whitespace(&a.medline_date),
    }
}

fn record(mut a: Article) -> Option<Record> {
    if a.pmid.is_empty() {
        return None;
    }
    a.sections.retain(|(_, t)| !t.trim().is_empty());
    let content = a
        .sections
        .iter()
        .map(|(label, text)| {
            let text = vectora_parse::text::collapse_whitespace(text);
            match label {
                Some(l) => format!("{}: {text}", l.trim()),
                None => text,
            }
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let published = full(&a.entrez);
    let doi = a
        .doi
        .clone()
        .or(a.elocation_doi.clone())
        .filter(|d| !d.is_empty());
    let journal = vectora_parse::text::collapse_whitespace(&a.journal);
    let mut metadata = Map::new();
    metadata.insert("pmid".into(), Value::String(a.pmid.clone()));
    metadata.insert("doi".into(), doi.map(Value::String).unwrap_or(Value::Null));
    metadata.insert("journal".into(), Value::String(journal));
    metadata.insert("authors".into(), strings(&a.authors));
    metadata.insert("publication_types".into(), strings(&a.publication_types));
    metadata.insert(
        "publication_date".into(),
        Value::String(publication_date(&a)),
    );
    let author = match a.authors.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [first, ..] => Some(format!("{first} et al.")),
    };
    Some(Record {
        entry: Entry {
            title: vectora_parse::text::bound_title(vectora_parse::text::collapse_whitespace(
                &a.title,
            )),
            url: format!("https://pubmed.ncbi.nlm.nih.gov/{}/", a.pmid),
            published,
            date_source: published.map(|_| DateSource::Api),
            content,
            author,
            tags: Vec::new(),
        },
        metadata,
    })
}
