//! The existing deployment's config bucket must load unchanged, and broken configs must be
//! reported with the file and key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vectora_core::config::{self, Scope, Severity, SourceKind};
use vectora_core::store::Location;

fn shared_reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/config-bucket")
}

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
}

fn read_tree(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

#[tokio::test]
async fn the_reference_config_bucket_loads_clean() {
    for root in [shared_reference(), bundled()] {
        if !root.exists() {
            panic!("missing config root {}", root.display());
        }
        let cfg = config::load(&Location::Local(root.clone())).await.unwrap();
        let problems: Vec<_> = cfg
            .diagnostics()
            .iter()
            .filter(|d| d.is_problem())
            .collect();
        assert!(problems.is_empty(), "{}: {problems:#?}", root.display());
        // The bundled config adds the four primary-source examples and their bouquet, which
        // the LAI client does not enable (its output stays the reference's).
        let bundled_root = root == bundled();
        let (sources, bouquets) = if bundled_root { (12, 3) } else { (8, 2) };
        assert_eq!(cfg.sources().len(), sources);
        assert_eq!(cfg.bouquets().len(), bouquets);
        if bundled_root {
            for (key, provider) in [
                ("trials_ctgov_lai", config::ApiProvider::ClinicaltrialsGov),
                ("science_pubmed_lai", config::ApiProvider::Pubmed),
                (
                    "reg_fda_approvals_lai",
                    config::ApiProvider::OpenfdaDrugsfda,
                ),
                ("reg_fda_labels_lai", config::ApiProvider::OpenfdaLabel),
            ] {
                let s = &cfg.sources()[key];
                assert_eq!(s.kind, SourceKind::Api, "{key}");
                let def = s.api.as_ref().unwrap().as_ref().unwrap();
                assert_eq!(def.provider, provider, "{key}");
            }
            assert_eq!(
                cfg.sources()["science_pubmed_lai"].profile.as_deref(),
                Some("pubmed_technology_focused")
            );
        }
        let client = &cfg.clients()["lai_weekly_v3"];
        assert!(client.active);
        assert_eq!(client.default_period_days, Some(30));
        assert_eq!(client.bouquets, vec!["lai_corporate_mvp", "lai_press_mvp"]);
        let peptron = &cfg.sources()["press_corporate__peptron"];
        assert_eq!(peptron.kind, SourceKind::Html);
        assert!(
            !peptron.ssl_verify,
            "ssl_verify: false of the peptron extractor must carry over"
        );
        assert_eq!(
            peptron.url.as_ref().unwrap().as_str(),
            "https://www.peptron.co.kr/eng/pr/news.php"
        );
        let fierce = &cfg.sources()["press_sector__fiercebiotech"];
        assert_eq!(fierce.kind, SourceKind::Rss);
        assert_eq!(fierce.profile.as_deref(), Some("press_technology_focused"));
        for p in [
            "corporate_pure_player_broad",
            "press_technology_focused",
            "default_broad",
            "pubmed_indication_focused",
        ] {
            assert!(cfg.profiles().contains_key(p), "profile {p} missing");
        }
        let camurus_source = cfg.source("press_corporate__camurus");
        assert!(cfg.has_extractor("press_corporate__camurus"));
        let camurus = vectora_core::parse::listing_rules(&cfg, camurus_source);
        assert_eq!(camurus.max_items, 20);
        assert_eq!(
            camurus.date_formats.first().map(String::as_str),
            Some("%B %d, %Y")
        );
        assert!(
            camurus.date_formats.len() > 1,
            "global default date patterns follow the source's own"
        );
    }
}

/// Applies `edit` to the reference files and returns the diagnostics.
fn diagnostics_after(edit: impl FnOnce(&mut BTreeMap<String, String>)) -> Vec<config::Diagnostic> {
    let mut files = read_tree(&bundled());
    edit(&mut files);
    config::parse_files(&files).diagnostics().to_vec()
}

fn replace(files: &mut BTreeMap<String, String>, file: &str, from: &str, to: &str) {
    let text = files.get_mut(file).unwrap();
    assert!(text.contains(from), "{from} not in {file}");
    *text = text.replacen(from, to, 1);
}

const CATALOG: &str = "canonical/sources/source_catalog.yaml";
const PROFILES: &str = "canonical/ingestion/ingestion_profiles.yaml";
const EXTRACTORS: &str = "canonical/sources/html_extractors.yaml";
const CLIENT: &str = "clients/lai_weekly_v3.yaml";

fn assert_one(
    case: &str,
    diags: &[config::Diagnostic],
    file: &str,
    key_part: &str,
    msg_part: &str,
) {
    let found = diags
        .iter()
        .any(|d| d.file == file && d.key.contains(key_part) && d.message.contains(msg_part));
    assert!(
        found,
        "{case}: expected a diagnostic in {file} at *{key_part}* saying *{msg_part}*, \
         got {diags:#?}"
    );
}

/// One `#[test]` per broken config: `name: FILE, "from" => "to"` (one replacement in the
/// bundled config) `names FILE, "key part", "message part"` — a diagnostic in that file whose key
/// and message contain those — then, for some cases, `and |diagnostics| { more checks }`.
macro_rules! broken_configs {
    ($($name:ident: $file:ident, $from:literal => $to:literal,
        names $at:ident, $key:literal, $msg:literal $(, and |$d:ident| $more:block)?;)*) => {$(
        #[test]
        fn $name() {
            let d = diagnostics_after(|f| replace(f, $file, $from, $to));
            assert_one(stringify!($name), &d, $at, $key, $msg);
            $(let $d = &d; $more)?
        }
    )*};
}

broken_configs! {
    a_renamed_bouquet_is_a_warning_of_the_client_naming_it:
        CATALOG, "bouquet_id: lai_corporate_mvp" => "bouquet_id: renamed",
        names CLIENT, "source_bouquets_enabled[0]", "unknown bouquet `lai_corporate_mvp`",
        and |d| {
            assert!(
                d.iter().filter(|x| x.is_problem()).all(|x| x.severity == Severity::Warning),
                "{d:#?}"
            );
            assert!(d.iter().any(|x| x.scope == Scope::Client("lai_weekly_v3".into())), "{d:#?}");
        };
    an_unknown_source_of_a_bouquet:
        CATALOG, "  - press_sector__endpoints_news\n" => "  - press_sector__nope\n",
        names CATALOG, "bouquets[1].source_keys[2]", "unknown source `press_sector__nope`";
    an_empty_rss_url:
        CATALOG, "  rss_url: https://endpts.com/feed/" => "  rss_url: ''",
        names CATALOG, "sources[7].rss_url", "no rss_url";
    a_duplicate_source_key:
        CATALOG, "source_key: press_corporate__camurus" => "source_key: press_corporate__medincell",
        names CATALOG, "sources[1].source_key", "duplicate source_key";
    a_path_like_source_key:
        CATALOG, "source_key: press_corporate__camurus" => "source_key: ../camurus",
        names CATALOG, "sources[1].source_key", "invalid source_key";
    an_unknown_exclusion_scope:
        PROFILES, "- exclusion_scopes.hr_content" => "- exclusion_scopes.hr_contentz",
        names PROFILES,
        "corporate_pure_player_broad.signal_requirements.exclusion_scopes[0]", "hr_contentz";
    an_invalid_container_selector:
        EXTRACTORS, "container: div.press-releases" => "container: div.press-releases[[",
        names EXTRACTORS,
        "extractors.press_corporate__camurus.selectors.container", "invalid selector";
    an_unknown_signal_mode:
        PROFILES, "mode: exclude_only" => "mode: exclude_some",
        names PROFILES, "corporate_pure_player_broad.signal_requirements.mode", "exclude_some";
    a_client_id_that_is_not_the_file_name:
        CLIENT, "client_id: lai_weekly_v3" => "client_id: other",
        names CLIENT, "client_profile.client_id", "does not match the file name";
    a_yaml_syntax_error_carries_a_line_number:
        CATALOG,
        "  enabled: true\n  source_type: press_corporate"
            => "  enabled: [true\n  source_type: press_corporate",
        names CATALOG, "", "YAML error",
        and |d| {
            assert!(
                d.iter().any(|x| x.message.contains("line")),
                "YAML errors carry a line number: {d:#?}"
            );
        };
}
