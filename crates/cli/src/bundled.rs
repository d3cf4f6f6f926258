//! The bundled LAI config (`config/` of the repository), embedded in the binary so that
//! `vectora-inbox ingest` works from any folder. A `config/` folder in the working directory,
//! or `--config`, takes precedence.

use std::collections::BTreeMap;

macro_rules! bundled_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../../config/", $path)))),*]
    };
}

const FILES: &[(&str, &str)] = bundled_files!(
    "clients/lai_weekly_v3.yaml",
    "canonical/sources/source_catalog.yaml",
    "canonical/sources/html_extractors.yaml",
    "canonical/ingestion/ingestion_profiles.yaml",
    "canonical/scopes/company_scopes.yaml",
    "canonical/scopes/exclusion_scopes.yaml",
    "canonical/scopes/indication_scopes.yaml",
    "canonical/scopes/molecule_scopes.yaml",
    "canonical/scopes/technology_scopes.yaml",
    "canonical/scopes/trademark_scopes.yaml",
);

pub fn files() -> BTreeMap<String, String> {
    FILES
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}
