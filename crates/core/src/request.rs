//! A run request: the Lambda event contract and the CLI flags, validated the same way.

use crate::config::is_valid_id;
use crate::model::TemporalMode;
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

impl RunRequest {
    /// Checks what the engine cannot check later: id syntax, date pairs, bounds.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(id) = &self.client_id
            && !is_valid_id(id)
        {
            return Err(format!(
                "invalid client_id `{}`: expected 1-64 letters, digits, `_` or `-`",
                crate::model::truncate_message(id, 80)
            ));
        }
        if let Some(p) = self.period_days
            && !(1..=MAX_PERIOD_DAYS).contains(&p)
        {
            return Err(format!(
                "period_days must be between 1 and {MAX_PERIOD_DAYS}, got {p}"
            ));
        }
        match (self.from_date, self.to_date) {
            (Some(f), Some(t)) if f > t => {
                return Err(format!("from_date {f} is after to_date {t}"));
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err("from_date and to_date must be given together".into());
            }
            _ => {}
        }
        if let Some(bad) = self.sources.iter().flatten().find(|s| !is_valid_id(s)) {
            return Err(format!(
                "invalid source key `{}` in sources",
                crate::model::truncate_message(bad, 80)
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_ids_dates_and_bounds() {
        assert!(RunRequest::default().validate().is_ok());
        let bad_id = RunRequest {
            client_id: Some("../x".into()),
            ..Default::default()
        };
        assert!(bad_id.validate().unwrap_err().contains("client_id"));
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
