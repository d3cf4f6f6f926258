//! Lambda event decoding: arbitrary bytes as the invocation payload, routed exactly as the
//! `bootstrap` does (`vectora_lambda::event::route`), and decoded directly as a
//! `RunRequest` + `validate()` (the CLI's path). Never panics; an accepted request (the
//! `ValidRequest` the engine runs) is safe.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vectora_core::request::{RequestedWindow, ValidRequest};
use vectora_core::RunRequest;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        match vectora_lambda::event::route(&value) {
            Ok(routed) => check(&routed.request),
            Err(e) => {
                let message = e.to_string();
                assert!(
                    message.len() <= 4096,
                    "unbounded error message ({} bytes)",
                    message.len()
                );
                let _ = e.code();
            }
        }
    }
    if let Ok(request) = serde_json::from_slice::<RunRequest>(data)
        && let Ok(valid) = request.validate()
    {
        check(&valid);
    }
});

/// What `validate()` promises the engine: ids that are safe in storage keys, a sane window.
fn check(request: &ValidRequest) {
    if let Some(id) = request.client_id() {
        assert!(
            vectora_core::config::is_valid_id(id),
            "unsafe client_id accepted: {id:?}"
        );
    }
    for s in request.sources().into_iter().flatten() {
        assert!(
            vectora_core::config::is_valid_id(s),
            "unsafe source key accepted: {s:?}"
        );
    }
    if let RequestedWindow::Dates(window) = request.window() {
        assert!(window.from <= window.to, "inverted window accepted");
    }
}
