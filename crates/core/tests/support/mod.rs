//! Shared test support: the moto S3 emulator helper of the CLI tests (one copy for both crates).
#![allow(dead_code)]

#[path = "../../../cli/tests/support/moto.rs"]
mod moto;

pub use moto::Moto;
