//! Log set-up: LOG_LEVEL (Python-style names, as the old function used) mapped to tracing levels,
//! and one JSON object per line when Lambda's `AWS_LAMBDA_LOG_FORMAT=JSON` is on.

use tracing::Level;
use tracing_subscriber::EnvFilter;

/// Crates of the HTTP and TLS stack: at DEBUG they log every frame, which drowns the run's own lines.
const NOISY: &[&str] = &[
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "reqwest",
    "tower",
    "object_store",
];

/// The tracing level for a LOG_LEVEL value; `None` when the value is not a level name.
pub fn parse_level(value: &str) -> Option<Level> {
    match value.trim().to_ascii_uppercase().as_str() {
        "TRACE" => Some(Level::TRACE),
        "DEBUG" => Some(Level::DEBUG),
        "INFO" => Some(Level::INFO),
        "WARN" | "WARNING" => Some(Level::WARN),
        "ERROR" | "CRITICAL" | "FATAL" => Some(Level::ERROR),
        _ => None,
    }
}

/// The filter directive for a level: the level everywhere, but never more verbose than INFO for
/// the HTTP stack unless TRACE was asked for.
pub fn directive(level: Level) -> String {
    let deps = if level == Level::TRACE || level < Level::INFO {
        level
    } else {
        Level::INFO
    };
    let mut d = level.as_str().to_ascii_lowercase();
    for krate in NOISY {
        d.push_str(&format!(",{krate}={}", deps.as_str().to_ascii_lowercase()));
    }
    d
}

/// Installs the global subscriber. Returns a warning to log once logging works, when LOG_LEVEL
/// was not understood (the function then logs at INFO rather than failing to start).
pub fn init(log_level: Option<&str>, json: bool) -> Option<String> {
    let (level, warning) = match log_level {
        None => (Level::INFO, None),
        Some(v) => match parse_level(v) {
            Some(l) => (l, None),
            None => (
                Level::INFO,
                Some(format!(
                    "LOG_LEVEL `{v}` is not a level name; logging at INFO"
                )),
            ),
        },
    };
    let filter = EnvFilter::try_new(directive(level)).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_target(true);
    // Installing twice (tests) is not an error worth failing for.
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
    warning
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_and_tracing_level_names_are_understood() {
        assert_eq!(parse_level("debug"), Some(Level::DEBUG));
        assert_eq!(parse_level("WARNING"), Some(Level::WARN));
        assert_eq!(parse_level(" Warn "), Some(Level::WARN));
        assert_eq!(parse_level("CRITICAL"), Some(Level::ERROR));
        assert_eq!(parse_level("INFO"), Some(Level::INFO));
        assert_eq!(parse_level("loud"), None);
    }

    #[test]
    fn the_http_stack_stays_quiet_at_debug() {
        let d = directive(Level::DEBUG);
        assert!(d.starts_with("debug,"), "{d}");
        assert!(d.contains("hyper=info") && d.contains("rustls=info"), "{d}");
        let w = directive(Level::WARN);
        assert!(w.starts_with("warn,") && w.contains("hyper=warn"), "{w}");
        assert!(directive(Level::TRACE).contains("hyper=trace"));
        assert!(EnvFilter::try_new(d).is_ok());
    }
}
