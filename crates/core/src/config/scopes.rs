//! Named term lists (`canonical/scopes/*.yaml`) and the resolution of scope references.
//!
//! A reference names a list in one of three ways, as the existing config does:
//! `exclusion_scopes.hr_content` (file stem, then a top-level list of that file),
//! `lai_keywords.core_phrases` (a top-level mapping, then one of its lists), or
//! `lai_companies_global` (a top-level list of any scope file). Keys starting with `_` are
//! metadata and never lists.

use super::diagnostics::Diagnostic;
use serde_json::Value;
use std::collections::BTreeMap;

/// All scope files, indexed for reference resolution.
#[derive(Debug, Default, Clone)]
pub struct ScopeRegistry {
    /// file stem → top-level key → value
    files: BTreeMap<String, BTreeMap<String, Value>>,
    /// top-level key → files (stems) defining it
    top_level: BTreeMap<String, Vec<String>>,
    /// Scope files that could not be read: a reference that is not found may be in one of them,
    /// so it is not reported again (the file's own error says it all).
    broken: Vec<String>,
}

impl ScopeRegistry {
    /// Adds one parsed scope file; `stem` is its file name without extension.
    pub fn add_file(&mut self, stem: &str, path: &str, root: Value, diags: &mut Vec<Diagnostic>) {
        let Value::Object(map) = root else {
            if !root.is_null() {
                diags.push(Diagnostic::error(
                    path,
                    "",
                    "a scope file must be a mapping of names to term lists",
                ));
                self.broken.push(stem.to_string());
            }
            return;
        };
        let mut entries = BTreeMap::new();
        for (key, value) in map {
            if key.starts_with('_') {
                continue;
            }
            self.top_level
                .entry(key.clone())
                .or_default()
                .push(stem.to_string());
            entries.insert(key, value);
        }
        self.files.insert(stem.to_string(), entries);
    }

    /// Records a scope file that failed to parse.
    pub fn add_broken(&mut self, stem: &str) {
        self.broken.push(stem.to_string());
    }

    /// True when some scope file could not be read (unresolved references are then expected).
    pub fn has_broken_files(&self) -> bool {
        !self.broken.is_empty()
    }

    /// Every top-level scope name, for diagnostics.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.top_level.keys().map(String::as_str)
    }

    /// Resolves a reference to its list of terms.
    pub fn resolve(&self, reference: &str) -> Result<Vec<String>, String> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err("empty scope reference".into());
        }
        if let Some((head, tail)) = reference.split_once('.') {
            if let Some(file) = self.files.get(head)
                && let Some(v) = file.get(tail)
            {
                return to_terms(reference, v);
            }
            if let Some(v) = self.unique_top_level(head)? {
                if let Value::Object(inner) = v {
                    return match inner.get(tail) {
                        Some(list) if !tail.starts_with('_') => to_terms(reference, list),
                        _ => Err(format!(
                            "unknown scope `{reference}`: `{head}` has no list `{tail}` (it has: {})",
                            list_keys(inner)
                        )),
                    };
                }
                return Err(format!(
                    "unknown scope `{reference}`: `{head}` is a list, not a group of lists"
                ));
            }
            return Err(format!(
                "unknown scope `{reference}`: no scope file or scope named `{head}`"
            ));
        }
        match self.unique_top_level(reference)? {
            Some(Value::Object(inner)) => Err(format!(
                "scope `{reference}` is a group of lists; name one of them (e.g. `{reference}.{}`)",
                inner
                    .keys()
                    .find(|k| !k.starts_with('_'))
                    .map(String::as_str)
                    .unwrap_or("…")
            )),
            Some(v) => to_terms(reference, v),
            None => Err(format!("unknown scope `{reference}`")),
        }
    }

    fn unique_top_level(&self, key: &str) -> Result<Option<&Value>, String> {
        match self.top_level.get(key).map(Vec::as_slice) {
            None | Some([]) => Ok(None),
            Some([stem]) => Ok(self.files.get(stem).and_then(|f| f.get(key))),
            Some(stems) => Err(format!(
                "scope `{key}` is ambiguous: defined in {} (prefix it with the file name, e.g. `{}.{key}`)",
                stems.join(", "),
                stems[0]
            )),
        }
    }
}

fn list_keys(map: &serde_json::Map<String, Value>) -> String {
    map.keys()
        .filter(|k| !k.starts_with('_'))
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

fn to_terms(reference: &str, v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                Value::Bool(b) => Ok(b.to_string()),
                _ => Err(format!(
                    "scope `{reference}`[{i}] is not a term (expected a string)"
                )),
            })
            .collect(),
        Value::Object(inner) => Err(format!(
            "scope `{reference}` is a group of lists; name one of them: {}",
            list_keys(inner)
        )),
        _ => Err(format!("scope `{reference}` is not a list of terms")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn registry() -> ScopeRegistry {
        let mut r = ScopeRegistry::default();
        let mut d = Vec::new();
        r.add_file(
            "exclusion_scopes",
            "x.yaml",
            json!({"hr_content": ["job opening"], "empty": []}),
            &mut d,
        );
        r.add_file(
            "technology_scopes",
            "t.yaml",
            json!({"lai_keywords": {"_metadata": {"p": 1}, "core_phrases": ["long-acting"], "route": ["iv"]}}),
            &mut d,
        );
        r.add_file(
            "company_scopes",
            "c.yaml",
            json!({"lai_companies_global": ["89bio", "Camurus"]}),
            &mut d,
        );
        assert!(d.is_empty());
        r
    }

    #[test]
    fn resolves_the_three_reference_forms() {
        let r = registry();
        assert_eq!(
            r.resolve("exclusion_scopes.hr_content").unwrap(),
            vec!["job opening"]
        );
        assert_eq!(
            r.resolve("lai_keywords.core_phrases").unwrap(),
            vec!["long-acting"]
        );
        assert_eq!(
            r.resolve("lai_companies_global").unwrap(),
            vec!["89bio", "Camurus"]
        );
        assert_eq!(r.resolve("empty").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn explains_bad_references() {
        let r = registry();
        assert!(
            r.resolve("lai_keywords")
                .unwrap_err()
                .contains("group of lists")
        );
        assert!(
            r.resolve("lai_keywords._metadata")
                .unwrap_err()
                .contains("has no list")
        );
        assert!(
            r.resolve("lai_keywords.nope")
                .unwrap_err()
                .contains("core_phrases")
        );
        assert!(r.resolve("nope").unwrap_err().contains("unknown scope"));
        assert!(r.resolve("nope.x").unwrap_err().contains("no scope file"));
    }
}
