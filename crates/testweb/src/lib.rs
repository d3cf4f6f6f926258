//! Local test web.
