//! The HTTP `Link` header (RFC 8288): the links an answer announces, such as a provider's next
//! page (`rel="next"`). Read character by character rather than split on commas, because a
//! target may hold `,` and `;` and so may a quoted parameter value.

use url::Url;

/// One link of a `Link` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebLink {
    /// The target as written between `<` and `>` (a URI reference, maybe relative).
    pub target: String,
    /// The parameters in order, names lowercased, quoted values unquoted.
    pub params: Vec<(String, String)>,
}

impl WebLink {
    /// A parameter's first value: RFC 8288 §3.3 has parsers ignore a repeated `rel`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `rel` lists this relation type (a space-separated list; registered types are
    /// compared case-insensitively, and openFDA writes `rel="Next"`).
    pub fn has_rel(&self, rel: &str) -> bool {
        self.param("rel").is_some_and(|list| {
            list.split_ascii_whitespace()
                .any(|t| t.eq_ignore_ascii_case(rel))
        })
    }
}

/// Parses one `Link` header value: link values separated by commas (empty elements allowed),
/// each a `<target>` followed by `; name=value` parameters, a value a token or a quoted string.
pub fn parse(value: &str) -> Result<Vec<WebLink>, String> {
    let mut cursor = Cursor { rest: value };
    let mut links = Vec::new();
    loop {
        cursor.take_while(|c| c == ',' || is_ows(c));
        if cursor.rest.is_empty() {
            return Ok(links);
        }
        links.push(cursor.link()?);
    }
}

/// The target of the first `rel="next"` link of these header values, resolved against `base`
/// (the URL the answer came from). A link with an `anchor` is about another resource than the
/// answer, so it is not this answer's next page.
pub fn next_link(values: &[String], base: &Url) -> Result<Option<Url>, String> {
    for value in values {
        let links = parse(value).map_err(|why| format!("unreadable Link header: {why}"))?;
        let next = links
            .iter()
            .find(|l| l.has_rel("next") && l.param("anchor").is_none());
        if let Some(link) = next {
            return base
                .join(&link.target)
                .map(Some)
                .map_err(|e| format!("unusable next link <{}>: {e}", excerpt(&link.target)));
        }
    }
    Ok(None)
}

/// Optional whitespace (`OWS`).
fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// A `tchar` of RFC 9110: what a parameter name is made of.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// The start of what could not be read, for an error message.
fn excerpt(text: &str) -> String {
    text.chars().take(40).collect()
}

/// What is left of the header value.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.rest = &self.rest[c.len_utf8()..];
        }
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let end = self.rest.find(|c| !keep(c)).unwrap_or(self.rest.len());
        let (taken, rest) = self.rest.split_at(end);
        self.rest = rest;
        taken
    }

    /// `<target>` and its parameters, up to and including the comma that ends it.
    fn link(&mut self) -> Result<WebLink, String> {
        if self.peek() != Some('<') {
            return Err(format!("expected `<` at {:?}", excerpt(self.rest)));
        }
        self.bump();
        let Some(end) = self.rest.find('>') else {
            return Err(format!(
                "the target <{} is not closed by `>`",
                excerpt(self.rest)
            ));
        };
        let target = self.rest[..end].trim().to_string();
        self.rest = &self.rest[end + 1..];
        let mut params = Vec::new();
        loop {
            self.take_while(is_ows);
            match self.peek() {
                None => break,
                Some(',') => {
                    self.bump();
                    break;
                }
                Some(';') => self.bump(),
                Some(_) => {
                    return Err(format!("expected `;` or `,` at {:?}", excerpt(self.rest)));
                }
            }
            self.take_while(is_ows);
            if !matches!(self.peek(), None | Some(';') | Some(',')) {
                params.push(self.param()?);
            }
        }
        Ok(WebLink { target, params })
    }

    /// `name`, `name=token` or `name="quoted"`.
    fn param(&mut self) -> Result<(String, String), String> {
        let name = self.take_while(is_tchar).to_ascii_lowercase();
        if name.is_empty() {
            return Err(format!(
                "expected a parameter name at {:?}",
                excerpt(self.rest)
            ));
        }
        self.take_while(is_ows);
        if self.peek() != Some('=') {
            return Ok((name, String::new()));
        }
        self.bump();
        self.take_while(is_ows);
        let value = if self.peek() == Some('"') {
            self.quoted()?
        } else {
            self.take_while(|c| !(c == ';' || c == ',' || is_ows(c)))
                .to_string()
        };
        Ok((name, value))
    }

    /// A quoted string, the opening quote next; `\x` stands for `x`.
    fn quoted(&mut self) -> Result<String, String> {
        self.bump();
        let mut value = String::new();
        let mut chars = self.rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &self.rest[i + 1..];
                    return Ok(value);
                }
                '\\' => match chars.next() {
                    Some((_, escaped)) => value.push(escaped),
                    None => break,
                },
                c => value.push(c),
            }
        }
        Err(format!(
            "the quoted value \"{} is not closed",
            excerpt(self.rest)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://api.fda.gov/drug/label.json?search=x&limit=2").unwrap()
    }

    #[test]
    fn reads_openfdas_next_link() {
        let header = "<https://api.fda.gov/drug/label.json?search=effective_time%3A%5B20250101%20TO%2020251231%5D&limit=1000&skip=0&search_after=0%3D1631664000000%3B1%3Dd6e4>; rel=\"Next\"";
        let next = next_link(&[header.to_string()], &base()).unwrap().unwrap();
        assert_eq!(next.host_str(), Some("api.fda.gov"));
        let pairs: Vec<(String, String)> = next.query_pairs().into_owned().collect();
        assert!(
            pairs.contains(&("search_after".into(), "0=1631664000000;1=d6e4".into())),
            "{pairs:?}"
        );
    }

    #[test]
    fn several_links_quoted_params_and_rel_lists() {
        // Commas and semicolons inside a target and inside a quoted title; the next link last,
        // in a rel list, with an escaped quote before it.
        let header = r#"<https://x.test/a?q=1,2;3>; rel="prev first"; title="page 1, \"old\"; v", </p?page=3>;rel="last" ; type=application/json,  , <https://x.test/p?page=2&a=%2C>; title*=UTF-8''n%C3%A4chste; rel="nofollow next""#;
        let links = parse(header).unwrap();
        assert_eq!(links.len(), 3);
        assert_eq!(links[0].target, "https://x.test/a?q=1,2;3");
        assert_eq!(links[0].param("title"), Some("page 1, \"old\"; v"));
        assert!(links[0].has_rel("first") && !links[0].has_rel("next"));
        assert_eq!(links[1].param("type"), Some("application/json"));
        assert_eq!(links[2].param("title*"), Some("UTF-8''n%C3%A4chste"));
        let next = next_link(&[header.to_string()], &base()).unwrap().unwrap();
        assert_eq!(next.as_str(), "https://x.test/p?page=2&a=%2C");
    }

    #[test]
    fn relative_targets_resolve_against_the_answers_url_and_anchored_links_are_skipped() {
        let values = [
            "<https://elsewhere.test/n>; rel=next; anchor=\"#section\"".to_string(),
            "</drug/label.json?search=x&search_after=0%3D7>; REL=next".to_string(),
        ];
        let next = next_link(&values, &base()).unwrap().unwrap();
        assert_eq!(
            next.as_str(),
            "https://api.fda.gov/drug/label.json?search=x&search_after=0%3D7"
        );
        // Only the first `rel` of a link counts.
        let twice = "<https://x.test/2>; rel=prev; rel=next".to_string();
        assert_eq!(next_link(&[twice], &base()).unwrap(), None);
        assert_eq!(next_link(&[], &base()).unwrap(), None);
        let none = "<https://x.test/1>; rel=\"prev\"".to_string();
        assert_eq!(next_link(&[none], &base()).unwrap(), None);
    }

    #[test]
    fn malformed_values_are_errors_that_say_where() {
        for (value, says) in [
            ("https://x.test/2; rel=next", "expected `<`"),
            ("<https://x.test/2; rel=next", "not closed by `>`"),
            ("<https://x.test/2> rel=next", "expected `;` or `,`"),
            ("<https://x.test/2>; rel=\"next", "quoted value"),
            ("<https://x.test/2>; =next", "parameter name"),
        ] {
            let err = parse(value).unwrap_err();
            assert!(err.contains(says), "{value}: {err}");
            let err = next_link(&[value.to_string()], &base()).unwrap_err();
            assert!(err.starts_with("unreadable Link header: "), "{err}");
        }
        assert_eq!(parse(" , ,").unwrap(), Vec::new());
    }
}
