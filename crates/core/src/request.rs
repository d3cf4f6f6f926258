//! A run request: the Lambda event contract and the CLI flags, validated the same way.

use crate::config::{DEFAULT_PERIOD_DAYS, is_valid_id};
use crate::model::TemporalMode;
use crate::window::Window;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use vectora_filter::IngestionMode;

/// What to run. With `client_id` absent, every active client runs, each isolated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunRequest {
    pub client_id: Option<String>,
    /// Restricts the client's resolved sources to these keys.
    pub sources: Option<Vec<String>>,
    pub period_days: Option<u32>,
    pub from_date: Option<NaiveDate>,
    pub to_date: Option<NaiveDate>,
    /// Ignore what earlier runs already ingested (and conditional-GET validators).
    pub force_refresh: bool,
    /// Do everything but write.
    pub dry_run: bool,
    pub ingestion_mode: IngestionMode,
    pub temporal_mode: TemporalMode,
}

/// Longest window a request may ask for.
pub const MAX_PERIOD_DAYS: u32 = 3650;

/// Why a request is not one the engine can run (the caller's mistake: a 400, exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("invalid client_id `{0}`: expected 1-64 letters, digits, `_` or `-`")]
    ClientId(String),
    #[error("period_days must be between 1 and {MAX_PERIOD_DAYS}, got {0}")]
    PeriodDays(u32),
    #[error("from_date {from} is after to_date {to}")]
    DatesReversed { from: NaiveDate, to: NaiveDate },
    #[error("from_date and to_date must be given together")]
    HalfWindow,
    #[error("invalid source key `{0}` in sources")]
    SourceKey(String),
}

/// The window a request asks for, checked: resolved per client (whose config may give its own
/// default period) and day by [`RequestedWindow::resolve`], which cannot fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestedWindow {
    /// The last `n` days up to today; `None`: the client's default period, else the engine's.
    Days(Option<u32>),
    /// `from_date` to `to_date`, inclusive, whatever the client's default.
    Dates(Window),
}

impl RequestedWindow {
    /// The window for a client whose config says `client_days` (period_days: request > client
    /// config > [`DEFAULT_PERIOD_DAYS`]).
    pub fn resolve(self, today: NaiveDate, client_days: Option<u32>) -> Window {
        match self {
            RequestedWindow::Dates(w) => w,
            RequestedWindow::Days(days) => {
                Window::last_days(today, days.or(client_days).unwrap_or(DEFAULT_PERIOD_DAYS))
            }
        }
    }
}

/// A request checked once, at the edge (the Lambda's event, the CLI's flags): ids, bounds and
/// the window are valid. The engine takes only this type and never checks them again.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRequest {
    client_id: Option<String>,
    sources: Option<Vec<String>>,
    period_days: Option<u32>,
    window: RequestedWindow,
    force_refresh: bool,
    dry_run: bool,
    ingestion_mode: IngestionMode,
    temporal_mode: TemporalMode,
}

impl ValidRequest {
    /// The client asked for; every active client when absent.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }
    /// Restricts each client's resolved sources to these keys.
    pub fn sources(&self) -> Option<&[String]> {
        self.sources.as_deref()
    }
    /// The request's own `period_days` (as given, also beside explicit dates).
    pub fn period_days(&self) -> Option<u32> {
        self.period_days
    }
    pub fn window(&self) -> RequestedWindow {
        self.window
    }
    /// Ignore what earlier runs already ingested (and conditional-GET validators).
    pub fn force_refresh(&self) -> bool {
        self.force_refresh
    }
    /// Do everything but write.
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }
    pub fn ingestion_mode(&self) -> IngestionMode {
        self.ingestion_mode
    }
    pub fn temporal_mode(&self) -> TemporalMode {
        self.temporal_mode
    }
}

impl RunRequest {
    /// Checks what the engine cannot check later (id syntax, date pairs, bounds) and returns the
    /// request as the only type the engine runs.
    pub fn validate(&self) -> Result<ValidRequest, RequestError> {
        let echo = |s: &str| crate::model::truncate_message(s, 80);
        if let Some(id) = &self.client_id
            && !is_valid_id(id)
        {
            return Err(RequestError::ClientId(echo(id)));
        }
        if let Some(p) = self.period_days
            && !(1..=MAX_PERIOD_DAYS).contains(&p)
        {
            return Err(RequestError::PeriodDays(p));
        }
        let window = match (self.from_date, self.to_date) {
            (Some(from), Some(to)) if from > to => {
                return Err(RequestError::DatesReversed { from, to });
            }
            (Some(from), Some(to)) => RequestedWindow::Dates(Window { from, to }),
            (Some(_), None) | (None, Some(_)) => return Err(RequestError::HalfWindow),
            (None, None) => RequestedWindow::Days(self.period_days),
        };
        if let Some(bad) = self.sources.iter().flatten().find(|s| !is_valid_id(s)) {
            return Err(RequestError::SourceKey(echo(bad)));
        }
        Ok(ValidRequest {
            client_id: self.client_id.clone(),
            sources: self.sources.clone(),
            period_days: self.period_days,
            window,
            force_refresh: self.force_refresh,
            dry_run: self.dry_run,
            ingestion_mode: self.ingestion_mode,
            temporal_mode: self.temporal_mode,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn validates_ids_dates_and_bounds() {
        assert!(RunRequest::default().validate().is_ok());
        let bad_id = RunRequest {
            client_id: Some("../x".into()),
            ..Default::default()
        };
        assert!(
            bad_id
                .validate()
                .unwrap_err()
                .to_string()
                .contains("client_id")
        );
        let bad_p = RunRequest {
            period_days: Some(0),
            ..Default::default()
        };
        assert!(bad_p.validate().is_err());
        let half = RunRequest {
            from_date: NaiveDate::from_ymd_opt(2025, 1, 1),
            ..Default::default()
        };
        assert!(half.validate().is_err());
        let src = RunRequest {
            sources: Some(vec!["a/b".into()]),
            ..Default::default()
        };
        assert!(src.validate().is_err());
    }

    #[test]
    fn explicit_dates_override_and_are_checked() {
        let dates = |from: &str, to: &str| RunRequest {
            period_days: Some(7),
            from_date: Some(d(from)),
            to_date: Some(d(to)),
            ..Default::default()
        };
        let w = dates("2025-01-01", "2025-01-31")
            .validate()
            .unwrap()
            .window();
        assert_eq!(w.resolve(d("2025-12-10"), Some(3)).days(), 31);
        assert_eq!(
            dates("2025-02-01", "2025-01-31").validate(),
            Err(RequestError::DatesReversed {
                from: d("2025-02-01"),
                to: d("2025-01-31")
            })
        );
        let half = RunRequest {
            from_date: Some(d("2025-02-01")),
            ..Default::default()
        };
        assert_eq!(half.validate(), Err(RequestError::HalfWindow));
    }

    /// period_days: request > client config > 7.
    #[test]
    fn the_period_comes_from_the_request_then_the_client_then_the_default() {
        let today = d("2025-12-10");
        let days = |p: Option<u32>| {
            RunRequest {
                period_days: p,
                ..Default::default()
            }
            .validate()
            .unwrap()
            .window()
        };
        assert_eq!(days(Some(2)).resolve(today, Some(30)).days(), 2);
        assert_eq!(days(None).resolve(today, Some(30)).days(), 30);
        let default = days(None).resolve(today, None);
        assert_eq!((default.days(), default.to), (DEFAULT_PERIOD_DAYS, today));
    }

    #[test]
    fn decodes_the_lambda_event_shape() {
        let r: RunRequest = serde_json::from_str(
            r#"{"client_id":"lai_weekly_v3","sources":["press_corporate__medincell"],"period_days":1,"dry_run":true,"ingestion_mode":"strict","temporal_mode":"flexible","from_date":"2025-01-01","to_date":"2025-01-31"}"#,
        )
        .unwrap();
        assert_eq!(r.client_id.as_deref(), Some("lai_weekly_v3"));
        assert!(r.dry_run && !r.force_refresh);
        assert_eq!(r.ingestion_mode, IngestionMode::Strict);
        assert!(serde_json::from_str::<RunRequest>(r#"{"ingestion_mode":"wild"}"#).is_err());
    }
}
