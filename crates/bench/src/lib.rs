//! Benchmarks of vectora-inbox (issues 8 and 16): ingest at scale against a simulated web (up to 10,000
//! hosts, faults, one busy host), HTML listing parser
//! throughput against BeautifulSoup, and the report in `docs/benchmarks.md`.
//!
//! The figures are printed by the `vectora-bench` binary (driven by `scripts/bench.sh`), never asserted
//! in timed tests: the machine is shared, timings are noisy, and a benchmark that fails a build because a
//! neighbour was compiling proves nothing. The tests of this crate check that the measurements measure
//! what they claim (peak RSS of the right process, items counted from the written files, the same
//! entries found by both HTML parsers), not how fast anything is.

pub mod child;
pub mod doc;
pub mod html_throughput;
pub mod machine;
pub mod scale;
pub mod stats;
pub mod summary;
