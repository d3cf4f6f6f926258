//! Why a run could not start or could not store its result: one typed error for both fronts,
//! which each map it in one place (the Lambda to a status code and body, the CLI to an exit code).

use crate::config::ConfigErrors;
use crate::request::RequestError;
use crate::store::StoreError;

/// Why a run could not start (a bad request or config), or could not store its result.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The request itself is wrong ([`crate::RunRequest::validate`]).
    #[error("bad request: {0}")]
    BadRequest(#[from] RequestError),
    #[error("unknown client `{0}`: no clients/{0}.yaml in the config")]
    UnknownClient(String),
    /// Config errors that block the run or the client (each names its file and key).
    #[error(transparent)]
    Config(#[from] ConfigErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RunError {
    /// The machine-readable code of the error (the `error` field of a response body).
    pub fn code(&self) -> &'static str {
        match self {
            RunError::BadRequest(_) => "bad_request",
            RunError::UnknownClient(_) => "unknown_client",
            RunError::Config(_) => "config_error",
            RunError::Store(_) => "store_error",
        }
    }

    /// The caller's mistake (a bad request, an unknown client), not the deployment's or the
    /// config's.
    pub fn is_callers_fault(&self) -> bool {
        matches!(self, RunError::BadRequest(_) | RunError::UnknownClient(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_fault_follow_the_variant() {
        let bad = RunError::from(RequestError::HalfWindow);
        assert_eq!((bad.code(), bad.is_callers_fault()), ("bad_request", true));
        assert!(bad.to_string().contains("from_date and to_date"));
        let unknown = RunError::UnknownClient("nope".into());
        assert_eq!(unknown.code(), "unknown_client");
        assert!(unknown.is_callers_fault() && unknown.to_string().contains("clients/nope.yaml"));
        let config = RunError::Config(ConfigErrors(vec![]));
        assert_eq!(
            (config.code(), config.is_callers_fault()),
            ("config_error", false)
        );
    }
}
