//! Writing measured figures into `docs/benchmarks.md` without touching the prose around them.
//!
//! Each generated part of the document sits between two HTML comments,
//! `<!-- bench:NAME:begin -->` and `<!-- bench:NAME:end -->`, invisible once rendered. A benchmark
//! replaces only what is between the markers of its own part, so hand-written explanations and the
//! figures other engineers paste into their sections survive every run, and running only one part of
//! the benchmark leaves the other parts' last figures in place.

use std::path::Path;

use anyhow::{Context, Result, bail};

fn begin_marker(name: &str) -> String {
    format!("<!-- bench:{name}:begin -->")
}

fn end_marker(name: &str) -> String {
    format!("<!-- bench:{name}:end -->")
}

/// Returns `document` with the text between the markers of part `name` replaced by `body`.
/// Fails when the markers are missing, repeated or out of order, rather than guessing where to write.
pub fn replace_section(document: &str, name: &str, body: &str) -> Result<String> {
    let begin = begin_marker(name);
    let end = end_marker(name);
    let (Some(b), Some(e)) = (document.find(&begin), document.find(&end)) else {
        bail!("the document has no `{begin}` … `{end}` pair");
    };
    if document.matches(&begin).count() != 1 || document.matches(&end).count() != 1 {
        bail!("the markers of part `{name}` appear more than once");
    }
    if e < b {
        bail!("`{end}` comes before `{begin}`");
    }
    let inner_start = b + begin.len();
    let mut out = String::with_capacity(document.len() + body.len());
    out.push_str(&document[..inner_start]);
    out.push('\n');
    out.push_str(body.trim_end_matches('\n'));
    out.push('\n');
    out.push_str(&document[e..]);
    Ok(out)
}

/// The current text of part `name`, without the markers; `None` when the part is absent.
pub fn section(document: &str, name: &str) -> Option<String> {
    let begin = begin_marker(name);
    let b = document.find(&begin)? + begin.len();
    let e = document[b..].find(&end_marker(name))? + b;
    Some(document[b..e].trim_matches('\n').to_string())
}

/// Replaces part `name` of the file at `path` (written through a temporary file and a rename, so an
/// interrupted run never leaves a half-written document).
pub fn update_file(path: &Path, name: &str, body: &str) -> Result<()> {
    let document =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let updated =
        replace_section(&document, name, body).with_context(|| format!("in {}", path.display()))?;
    let tmp = path.with_extension("md.tmp");
    std::fs::write(&tmp, updated).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# Title\n\nProse.\n<!-- bench:scale:begin -->\nold table\n<!-- bench:scale:end -->\nMore prose.\n<!-- bench:html:begin -->\n<!-- bench:html:end -->\n";

    #[test]
    fn replaces_only_the_named_part() {
        let out = replace_section(DOC, "scale", "| a |\n|---|\n").unwrap();
        assert!(out.contains("<!-- bench:scale:begin -->\n| a |\n|---|\n<!-- bench:scale:end -->"));
        assert!(!out.contains("old table"));
        assert!(out.starts_with("# Title\n\nProse.\n"));
        assert!(out.contains("More prose.\n<!-- bench:html:begin -->\n<!-- bench:html:end -->"));
    }

    #[test]
    fn replacing_twice_is_stable() {
        let once = replace_section(DOC, "html", "x").unwrap();
        let twice = replace_section(&once, "html", "x").unwrap();
        assert_eq!(once, twice);
        assert_eq!(section(&twice, "html").as_deref(), Some("x"));
        assert_eq!(section(DOC, "scale").as_deref(), Some("old table"));
        assert_eq!(section(DOC, "nope"), None);
    }

    #[test]
    fn refuses_missing_repeated_or_reversed_markers() {
        assert!(replace_section(DOC, "feeds", "x").is_err());
        let repeated = format!("{DOC}<!-- bench:html:begin -->\n");
        assert!(replace_section(&repeated, "html", "x").is_err());
        let reversed = "<!-- bench:a:end -->\n<!-- bench:a:begin -->\n";
        assert!(replace_section(reversed, "a", "x").is_err());
    }

    #[test]
    fn update_file_rewrites_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("benchmarks.md");
        std::fs::write(&path, DOC).unwrap();
        update_file(&path, "scale", "new").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(section(&text, "scale").as_deref(), Some("new"));
        assert!(!dir.path().join("benchmarks.md.tmp").exists());
        assert!(update_file(&path, "missing", "x").is_err());
    }
}
