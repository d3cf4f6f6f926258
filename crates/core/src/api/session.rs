//! One source's conversation with its provider: every request goes through the engine's fetcher
//! at the provider's pace, and is counted (requests, 429s) for the run report.

use super::{provider_message, status_of};
use crate::config::ApiProvider;
use crate::fetch::{FetchErrorKind, FetchOptions, Fetcher};
use crate::model::{ApiUsage, SourceStatus};
use bytes::Bytes;
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

/// The requests of one source to its provider.
#[derive(Debug)]
pub struct Session<'a> {
    fetcher: &'a Fetcher,
    interval: Duration,
    deadline: Option<Instant>,
    pub insecure_tls: bool,
    pub usage: ApiUsage,
    pub last_status: Option<u16>,
    pub bytes: u64,
}

/// A provider's answer: its body, the `Link` header values (RFC 8288) and the URL they are
/// relative to (the one the body came from, after redirects).
#[derive(Debug, Clone)]
pub struct Answer {
    pub body: Bytes,
    pub links: Vec<String>,
    pub url: Url,
}

/// A failed call or an answer that could not be used.
#[derive(Debug, Clone)]
pub enum CallError {
    /// The request failed; `message` carries the provider's explanation when it gave one.
    Fetch {
        kind: FetchErrorKind,
        http_status: Option<u16>,
        message: String,
        body: Option<Bytes>,
    },
    /// The answer was not what the provider documents.
    Parse(String),
}

impl CallError {
    pub fn status(&self) -> SourceStatus {
        match self {
            CallError::Fetch { kind, .. } => status_of(*kind),
            CallError::Parse(_) => SourceStatus::ParseError,
        }
    }

    pub fn message(&self) -> String {
        match self {
            CallError::Fetch { message, .. } | CallError::Parse(message) => message.clone(),
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            CallError::Fetch { http_status, .. } => *http_status,
            CallError::Parse(_) => None,
        }
    }
}

impl<'a> Session<'a> {
    pub fn new(
        fetcher: &'a Fetcher,
        provider: ApiProvider,
        interval: Duration,
        deadline: Option<Instant>,
    ) -> Session<'a> {
        Session {
            fetcher,
            interval,
            deadline,
            insecure_tls: false,
            usage: ApiUsage {
                provider: provider.name().to_string(),
                ..ApiUsage::default()
            },
            last_status: None,
            bytes: 0,
        }
    }

    /// GETs a provider URL. An error answer's message is the provider's, prefixed with the
    /// status (`HTTP 400 Bad Request: …`).
    pub async fn get(&mut self, url: &Url) -> Result<Bytes, CallError> {
        self.answer(url).await.map(|a| a.body)
    }

    /// Like [`Session::get`], with the answer's `Link` headers (openFDA pages with them).
    pub async fn answer(&mut self, url: &Url) -> Result<Answer, CallError> {
        let opts = FetchOptions {
            insecure_tls: self.insecure_tls,
            min_interval: Some(self.interval),
            deadline: self.deadline,
            ..FetchOptions::default()
        };
        match self.fetcher.fetch(url, &opts).await {
            Ok(f) => {
                self.usage.requests += f.attempts;
                self.usage.throttled += f.throttled;
                self.last_status = Some(f.status);
                self.bytes += f.body.len() as u64;
                Ok(Answer {
                    body: f.body,
                    links: f.links,
                    url: f.final_url,
                })
            }
            Err(e) => {
                self.usage.requests += e.attempts;
                self.usage.throttled += e.throttled;
                self.last_status = e.http_status.or(self.last_status);
                self.bytes += e.bytes;
                let said = e.body.as_deref().and_then(provider_message);
                let message = match said {
                    Some(said) => format!("{}: {said}", e.message),
                    None => e.message.clone(),
                };
                Err(CallError::Fetch {
                    kind: e.kind,
                    http_status: e.http_status,
                    message,
                    body: e.body,
                })
            }
        }
    }
}
