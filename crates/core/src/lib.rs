//! The vectora-inbox engine.
