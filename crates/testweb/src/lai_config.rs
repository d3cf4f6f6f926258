//! A copy of the bundled LAI config whose source URLs point at the test web, so that tests and CI can run
//! the real client config against local fixture sites.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use regex::Regex;
use vectora_core::config::paths;

/// Real hosts of the LAI sources and the fixture site that stands in for each.
pub const SITE_HOSTS: &[(&str, &str)] = &[
    ("www.medincell.com", "medincell"),
    ("medincell.com", "medincell"),
    ("www.camurus.com", "camurus"),
    ("camurus.com", "camurus"),
    ("www.delsitech.com", "delsitech"),
    ("delsitech.com", "delsitech"),
    ("www.nanexa.se", "nanexa"),
    ("nanexa.se", "nanexa"),
    ("nanexa.com", "nanexa"),
    ("www.nanexa.com", "nanexa"),
    ("www.peptron.co.kr", "peptron"),
    ("peptron.co.kr", "peptron"),
    ("www.fiercebiotech.com", "fiercebiotech"),
    ("www.fiercepharma.com", "fiercepharma"),
    ("endpts.com", "endpoints"),
    ("www.endpts.com", "endpoints"),
];

/// The primary-source API hosts, served by the test web at the root of any listener (see
/// [`crate::providers`]): their URLs are rewritten to `site_base(PROVIDERS_SITE)`.
pub const PROVIDER_HOSTS: &[&str] = &[
    "clinicaltrials.gov",
    "eutils.ncbi.nlm.nih.gov",
    "api.fda.gov",
];

/// The pseudo-site name under which [`rewrite_urls`] asks for the providers' base URL.
pub const PROVIDERS_SITE: &str = "@providers";

/// The fixture sites standing in for the eight LAI sources, with their source keys.
pub const LAI_SITES: &[(&str, &str)] = &[
    ("press_corporate__medincell", "medincell"),
    ("press_corporate__camurus", "camurus"),
    ("press_corporate__delsitech", "delsitech"),
    ("press_corporate__nanexa", "nanexa"),
    ("press_corporate__peptron", "peptron"),
    ("press_sector__fiercebiotech", "fiercebiotech"),
    ("press_sector__fiercepharma", "fiercepharma"),
    ("press_sector__endpoints_news", "endpoints"),
];

/// Files whose URLs are rewritten; everything else is copied byte for byte.
const REWRITTEN: &[&str] = &[paths::CATALOG_FILE, paths::EXTRACTORS_FILE];

/// The config folder shipped in the repository (`<workspace>/config`).
pub fn bundled_config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
}

/// The fixture sites shipped with this crate (`crates/testweb/sites`).
pub fn fixture_sites_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sites")
}

/// Replaces every `http(s)://<known host>` in `text` by `site_base(<fixture site>)`. Returns the new text
/// and the hosts it did not know (left unchanged).
pub fn rewrite_urls(text: &str, site_base: &dyn Fn(&str) -> String) -> (String, Vec<String>) {
    // The pattern is a literal; it cannot fail to compile.
    let Ok(pattern) = Regex::new(r"https?://([A-Za-z0-9.-]+)(:[0-9]+)?") else {
        return (text.to_string(), Vec::new());
    };
    let mut unknown = Vec::new();
    let rewritten = pattern.replace_all(text, |caps: &regex::Captures<'_>| {
        let host = caps[1].to_ascii_lowercase();
        match SITE_HOSTS.iter().find(|(known, _)| *known == host) {
            Some((_, site)) => site_base(site),
            None if PROVIDER_HOSTS.contains(&host.as_str()) => site_base(PROVIDERS_SITE),
            None => {
                unknown.push(host);
                caps[0].to_string()
            }
        }
    });
    (rewritten.into_owned(), unknown)
}

/// Copies the config folder `source` to `dest` (created if needed) with the source URLs rewritten by
/// `site_base`, which maps a fixture site name to its base URL (no trailing slash).
///
/// Fails if a source URL in the catalog would still point outside 127.0.0.1: a test must never reach
/// the internet because a new source was added to the config.
pub fn write_lai_config(
    source: &Path,
    dest: &Path,
    site_base: &dyn Fn(&str) -> String,
) -> Result<()> {
    copy_tree(source, dest, source, site_base)?;
    let catalog = dest.join(paths::CATALOG_FILE);
    let text = std::fs::read_to_string(&catalog)
        .with_context(|| format!("reading {}", catalog.display()))?;
    let outside: Vec<&str> = text
        .lines()
        .filter_map(|line| line.trim().split_once(": "))
        .filter(|(key, _)| key.ends_with("_url"))
        .map(|(_, value)| value.trim().trim_matches('\'').trim_matches('"'))
        .filter(|value| !value.is_empty() && !value.starts_with("http://127.0.0.1"))
        .collect();
    if !outside.is_empty() {
        bail!(
            "source URLs with no fixture site (add them to SITE_HOSTS): {}",
            outside.join(", ")
        );
    }
    Ok(())
}

fn copy_tree(
    dir: &Path,
    dest: &Path,
    root: &Path,
    site_base: &dyn Fn(&str) -> String,
) -> Result<()> {
    std::fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let target = dest.join(&name);
        if path.is_dir() {
            copy_tree(&path, &target, root, site_base)?;
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if REWRITTEN.contains(&relative.as_str()) {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let (rewritten, _unknown) = rewrite_urls(&text, site_base);
            std::fs::write(&target, rewritten)
                .with_context(|| format!("writing {}", target.display()))?;
        } else {
            std::fs::copy(&path, &target)
                .with_context(|| format!("copying {} to {}", path.display(), target.display()))?;
        }
    }
    Ok(())
}

/// The files of a config bucket in the old system's layout: its clients and the source catalog,
/// nothing else (its profiles, term lists and extractors were code).
pub const OLD_LAYOUT: &[&str] = &paths::OLD_LAYOUT;

/// Removes from the config folder `dir` every file an old-layout bucket does not have (see
/// [`OLD_LAYOUT`]), and the folders left empty.
pub fn keep_old_layout(dir: &Path) -> Result<()> {
    for optional in paths::OPTIONAL {
        let path = dir.join(optional);
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else if path.exists() {
            std::fs::remove_file(&path)
        } else {
            Ok(())
        };
        removed.with_context(|| format!("removing {}", path.display()))?;
        // A folder the removal emptied (`canonical/ingestion/`) goes too.
        if let Some(parent) = Path::new(optional.trim_end_matches('/')).parent() {
            let parent = dir.join(parent);
            let empty = std::fs::read_dir(&parent).is_ok_and(|mut e| e.next().is_none());
            if empty {
                std::fs::remove_dir(&parent)
                    .with_context(|| format!("removing {}", parent.display()))?;
            }
        }
    }
    Ok(())
}

/// A temporary copy of the LAI config, deleted when dropped.
#[derive(Debug)]
pub struct LaiConfigDir {
    dir: tempfile::TempDir,
}

impl LaiConfigDir {
    /// The config folder, laid out like the config bucket (`clients/`, `canonical/`).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The same folder in the old system's layout (clients and catalog only).
    pub fn into_old_layout(self) -> Result<LaiConfigDir> {
        keep_old_layout(self.dir.path())?;
        Ok(self)
    }

    /// Keeps the folder on disk after the value is dropped (for debugging a failed test).
    pub fn keep(self) -> PathBuf {
        self.dir.keep()
    }
}

/// The bundled config with every source pointing at `base_url/sites/<site>/...` of a running test web.
pub fn lai_config_dir(base_url: &str) -> Result<LaiConfigDir> {
    let base = base_url.trim_end_matches('/').to_string();
    lai_config_dir_with(&move |site: &str| match site {
        PROVIDERS_SITE => base.clone(),
        _ => format!("{base}/sites/{site}"),
    })
}

/// Like [`lai_config_dir`] with an arbitrary site-to-base-URL mapping (e.g. one port per site).
pub fn lai_config_dir_with(site_base: &dyn Fn(&str) -> String) -> Result<LaiConfigDir> {
    let dir = tempfile::Builder::new()
        .prefix("vectora-lai-config-")
        .tempdir()
        .context("creating a temporary config folder")?;
    write_lai_config(&bundled_config_dir(), dir.path(), site_base)?;
    Ok(LaiConfigDir { dir })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_known_hosts_and_reports_unknown() {
        let base = |site: &str| format!("http://127.0.0.1:9/sites/{site}");
        let (text, unknown) = rewrite_urls(
            "html_url: https://www.medincell.com/news/\nrss_url: https://endpts.com/feed/\nx: https://example.org/a",
            &base,
        );
        assert_eq!(
            text,
            "html_url: http://127.0.0.1:9/sites/medincell/news/\nrss_url: http://127.0.0.1:9/sites/endpoints/feed/\nx: https://example.org/a"
        );
        assert_eq!(unknown, vec!["example.org".to_string()]);
    }
}
