//! Serde mirrors of the config bucket's YAML files, as the existing deployment writes them.
//! Unknown keys are ignored (client files carry keys for later stages); everything optional that
//! the old system treated as optional stays optional here.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize, Default)]
pub struct RawClientFile {
    pub client_profile: Option<RawClientProfile>,
    #[serde(default)]
    pub pipeline: Option<RawPipeline>,
    #[serde(default)]
    pub source_config: Option<RawSourceConfig>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawClientProfile {
    pub client_id: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawPipeline {
    pub default_period_days: Option<u32>,
    /// Days without anything new before a source's health is `stale` (engine's own key).
    pub stale_after_days: Option<u32>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawSourceConfig {
    #[serde(default)]
    pub source_bouquets_enabled: Vec<String>,
    #[serde(default)]
    pub sources_extra_enabled: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawCatalog {
    #[serde(default)]
    pub sources: Vec<RawSource>,
    #[serde(default)]
    pub bouquets: Vec<RawBouquet>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct RawSource {
    pub source_key: Option<String>,
    pub company_id: Option<String>,
    pub homepage_url: Option<String>,
    pub rss_url: Option<String>,
    pub html_url: Option<String>,
    pub api_url: Option<String>,
    pub ingestion_mode: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    pub source_type: Option<String>,
    pub default_language: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub ingestion_profile: Option<String>,
    /// Minimum interval between two requests to this source's host, in milliseconds.
    pub min_interval_ms: Option<u64>,
    pub ssl_verify: Option<bool>,
    /// A configured selector matching nothing is not reported for this source.
    pub allow_empty: Option<bool>,
    /// Undated listing entries whose article page is fetched to read its date (0 disables).
    pub article_fallback: Option<usize>,
    /// Use the article's main text as content when the listing gives no teaser.
    pub article_content: Option<bool>,
    /// The provider query of an `api` source.
    pub api: Option<RawApi>,
}

/// `api:` of a catalog source (`ingestion_mode: api`).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct RawApi {
    pub provider: Option<String>,
    pub query: Option<String>,
    pub max_items: Option<usize>,
    /// Results asked per request (default: the most the provider serves).
    pub page_size: Option<usize>,
    pub api_key_env: Option<String>,
    /// NCBI's `tool` and `email` parameters (PubMed only).
    pub tool: Option<String>,
    pub email: Option<String>,
    pub email_env: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawBouquet {
    pub bouquet_id: Option<String>,
    #[serde(default)]
    pub source_keys: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawExtractorsFile {
    #[serde(default)]
    pub extractors: BTreeMap<String, RawExtractor>,
    #[serde(default)]
    pub global_settings: Option<RawExtractorGlobals>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawExtractor {
    #[serde(default)]
    pub selectors: RawSelectors,
    pub date_format: Option<String>,
    pub base_url: Option<String>,
    pub ssl_verify: Option<bool>,
    pub max_items: Option<usize>,
    pub allow_empty: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawSelectors {
    pub container: Option<String>,
    pub item: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub date: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawExtractorGlobals {
    pub default_max_items: Option<usize>,
    #[serde(default)]
    pub default_date_patterns: Vec<String>,
    #[serde(default)]
    pub fallback_selectors: Option<RawSelectors>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawProfilesFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, RawProfile>,
    #[serde(default)]
    pub metadata: Option<RawProfilesMetadata>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawProfile {
    pub signal_requirements: Option<RawSignalRequirements>,
    /// Politeness override for every source using this profile (ms between requests to a host).
    pub min_interval_ms: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawSignalRequirements {
    pub mode: Option<String>,
    #[serde(default)]
    pub exclusion_scopes: Vec<String>,
    #[serde(default)]
    pub required_signal_groups: Vec<RawSignalGroup>,
    pub combination_logic: Option<String>,
    pub minimum_total_weight: Option<f64>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawSignalGroup {
    pub group_id: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub min_matches: Option<usize>,
    pub weight: Option<f64>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawProfilesMetadata {
    pub global_config: Option<RawGlobalConfig>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawGlobalConfig {
    pub case_sensitive: Option<bool>,
    pub minimum_text_length: Option<usize>,
}
