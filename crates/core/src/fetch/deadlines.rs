//! The deadlines of a fetch, each catching one way of wasting a run's time: a host that does not
//! take the connection (connect), one that takes it and never answers (first byte), a body that
//! stops arriving (idle), a response that never ends (response), and the source's and the run's
//! budgets over every attempt. A slow body that keeps arriving is only bounded by the last three.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which deadline ended an attempt (and, when it was the last one, the source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    /// The TCP (and TLS) connection was not established in `connect_timeout`.
    Connect,
    /// Connected, but no status line and headers within `first_byte_timeout` of the request.
    FirstByte,
    /// The body stopped: nothing received for `idle_timeout`.
    Idle,
    /// The attempt as a whole (redirects and body included) passed `request_timeout`.
    Response,
    /// The source's budget (`source_deadline`, every attempt and backoff) was spent.
    Source,
    /// The run's deadline (`--deadline`, the Lambda's remaining time) came.
    Run,
}

impl Deadline {
    /// The name used in reports and messages (`first_byte`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Deadline::Connect => "connect",
            Deadline::FirstByte => "first_byte",
            Deadline::Idle => "idle",
            Deadline::Response => "response",
            Deadline::Source => "source",
            Deadline::Run => "run",
        }
    }
}

impl std::fmt::Display for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `250 ms`, `10 s`, `2.5 s`: durations as an operator reads them in a message.
pub(super) fn shown(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(shown(Duration::from_millis(250)), "250 ms");
        assert_eq!(shown(Duration::from_secs(10)), "10 s");
        assert_eq!(shown(Duration::from_millis(2500)), "2.5 s");
    }

    #[test]
    fn names_are_the_report_values() {
        for d in [
            Deadline::Connect,
            Deadline::FirstByte,
            Deadline::Idle,
            Deadline::Response,
            Deadline::Source,
            Deadline::Run,
        ] {
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{}\"", d.as_str()));
            assert_eq!(d.to_string(), d.as_str());
        }
    }
}
