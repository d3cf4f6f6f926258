//! Onboarding sources: find a site's feeds and newsroom from its homepage (`discover`), and
//! read a whole catalog or candidate list as ingestion would, without writing (`check`).
//!
//! Both go through the engine's own parts: its fetcher (politeness, retries, guard, limits),
//! the parse dispatch of [`crate::parse`], and for `check` the run's own source reader
//! ([`Engine::probe_source`](crate::Engine::probe_source)).
//!
//! Module map: `robots` (robots.txt), `links` (which links lead to news), `discover` (the
//! exploration), `rank` (best first), `proposal` (the catalog entry), `extractor` (configured
//! selectors that beat the generic extractor), `candidates` (what to
//! check), `check` (concurrent reads and verdicts), `verdict` (ok / empty / undated / broken /
//! unreachable).

mod candidates;
mod check;
mod discover;
mod extractor;
mod links;
mod proposal;
mod rank;
mod robots;
mod verdict;

pub use candidates::{candidate_targets, catalog_targets};
pub use check::{CheckTarget, DEFAULT_CHECK_CONCURRENCY, SourceCheck};
pub use discover::{
    Candidate, CandidateKind, DEFAULT_MAX_REQUESTS, DiscoverError, DiscoverOptions, Discovery,
    FoundBy,
};
pub use extractor::BetterSelectors;
pub use proposal::CatalogEntry;
pub use robots::ROBOTS_AGENT;
pub use verdict::{EntryStats, Verdict};
