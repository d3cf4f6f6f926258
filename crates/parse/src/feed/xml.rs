//! A forgiving XML reader for feeds: builds a small element tree from text that is often not
//! well-formed (bare `&`, HTML entities, junk before the root, mismatched or missing end tags,
//! documents cut off mid-way) and records what was wrong instead of giving up.
//!
//! Why not a conforming parser: a conforming parser must stop at the first error, and real
//! feeds have errors. This reader never stops; it keeps every element it can see.
//!
//! Safety limits: entities declared in a DOCTYPE are expanded one level only, never from
//! external resources, with a total expansion budget (no billion-laughs); nesting deeper than
//! [`MAX_DEPTH`] is flattened so later recursive walks cannot overflow the stack.

use crate::text::decode_reference;

/// Deepest element nesting kept as a tree; deeper start tags are ignored (their text is kept).
pub(crate) const MAX_DEPTH: usize = 128;
/// Longest replacement text accepted for one DOCTYPE-declared entity.
const MAX_ENTITY_VALUE: usize = 4096;
/// At most this many DOCTYPE entities are remembered.
const MAX_ENTITIES: usize = 256;

/// The vocabularies feeds are written in, recognised by namespace URI (or, when a prefix was
/// never declared, by its conventional prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    /// No namespace (RSS 0.9x/2.0 elements, undeclared defaults).
    None,
    /// RSS 1.0 / 0.90 / namespaced RSS 2.0: treated like `None`.
    Rss,
    Atom,
    Atom03,
    Rdf,
    Dc,
    Dcterms,
    Content,
    Xhtml,
    Feedburner,
    Other,
}

impl Ns {
    fn from_uri(uri: &str) -> Ns {
        let u = uri.trim().trim_end_matches(['/', '#']).to_ascii_lowercase();
        match u.as_str() {
            "" => Ns::None,
            "http://www.w3.org/2005/atom" => Ns::Atom,
            "http://purl.org/atom/ns" => Ns::Atom03,
            "http://purl.org/rss/1.0"
            | "http://my.netscape.com/rdf/simple/0.9"
            | "http://backend.userland.com/rss2"
            | "http://blogs.law.harvard.edu/tech/rss"
            | "http://backend.userland.com/rss" => Ns::Rss,
            "http://www.w3.org/1999/02/22-rdf-syntax-ns" => Ns::Rdf,
            "http://purl.org/dc/elements/1.1" => Ns::Dc,
            "http://purl.org/dc/terms" => Ns::Dcterms,
            "http://purl.org/rss/1.0/modules/content" => Ns::Content,
            "http://www.w3.org/1999/xhtml" => Ns::Xhtml,
            "http://rssnamespace.org/feedburner/ext/1.0" => Ns::Feedburner,
            _ => Ns::Other,
        }
    }

    /// What an undeclared prefix most likely meant.
    fn from_conventional_prefix(prefix: &str) -> Ns {
        match prefix.to_ascii_lowercase().as_str() {
            "dc" => Ns::Dc,
            "dcterms" => Ns::Dcterms,
            "content" => Ns::Content,
            "atom" | "atom10" => Ns::Atom,
            "rdf" => Ns::Rdf,
            "feedburner" => Ns::Feedburner,
            "xhtml" => Ns::Xhtml,
            _ => Ns::Other,
        }
    }

    /// RSS elements come with no namespace, the RSS 1.0 one, or (in odd feeds) the Atom 0.3
    /// default left over from a template.
    pub(crate) fn is_rss(self) -> bool {
        matches!(self, Ns::None | Ns::Rss)
    }

    pub(crate) fn is_atom(self) -> bool {
        matches!(self, Ns::Atom | Ns::Atom03)
    }
}

/// One element: its local name, namespace, attributes (qualified name, decoded value) and
/// children in document order.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub local: String,
    pub ns: Ns,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    /// Value of the attribute whose local name (prefix ignored) is `name`, ASCII case-insensitive.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(q, _)| local_part(q).eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `xml:base` of this element, if any.
    pub(crate) fn xml_base(&self) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(q, _)| q == "xml:base")
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|c| match c {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Direct children named `local` whose namespace satisfies `ns`.
    pub(crate) fn children_named<'a>(
        &'a self,
        local: &'a str,
        ns: impl Fn(Ns) -> bool + 'a,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements()
            .filter(move |e| e.local.eq_ignore_ascii_case(local) && ns(e.ns))
    }

    /// Concatenated text of this element and its descendants; block-level children (naked
    /// XHTML inside a description) are separated by spaces.
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for c in &self.children {
            match c {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => {
                    e.collect_text(out);
                    if !matches!(
                        e.local.as_str(),
                        "a" | "b" | "i" | "em" | "strong" | "span" | "sup" | "sub" | "code"
                    ) {
                        out.push(' ');
                    }
                }
            }
        }
    }

    /// True when the element has child elements (markup written unescaped into the feed).
    pub(crate) fn has_element_children(&self) -> bool {
        self.elements().next().is_some()
    }
}

fn local_part(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, l)| l)
}

/// The result of reading a document: every top-level element (junk included) and what was
/// wrong with the markup.
#[derive(Debug, Default)]
pub(crate) struct Document {
    pub roots: Vec<Element>,
    /// Distinct problems found, in the order first seen.
    pub problems: Vec<&'static str>,
}

impl Document {
    /// The first element (depth-first, so a feed wrapped in stray markup is still found) whose
    /// local name satisfies `pred`.
    pub(crate) fn find(&self, pred: &dyn Fn(&Element) -> bool) -> Option<&Element> {
        fn walk<'a>(e: &'a Element, pred: &dyn Fn(&Element) -> bool) -> Option<&'a Element> {
            if pred(e) {
                return Some(e);
            }
            e.elements().find_map(|c| walk(c, pred))
        }
        self.roots.iter().find_map(|r| walk(r, pred))
    }
}

struct Open {
    el: Element,
    qname: String,
    /// Number of namespace bindings this element pushed.
    bindings: usize,
}

struct Reader<'a> {
    s: &'a str,
    pos: usize,
    stack: Vec<Open>,
    /// Start tags ignored because of [`MAX_DEPTH`], whose end tags must be ignored too.
    overflow: usize,
    scopes: Vec<(String, Ns)>,
    entities: Vec<(String, String)>,
    expansion_budget: usize,
    doc: Document,
}

/// Reads `s` into a [`Document`]. Never fails and never panics; see the module docs.
pub(crate) fn parse(s: &str) -> Document {
    let mut r = Reader {
        s,
        pos: 0,
        stack: Vec::new(),
        overflow: 0,
        scopes: Vec::new(),
        entities: Vec::new(),
        expansion_budget: s.len().saturating_mul(2).max(1 << 20),
        doc: Document::default(),
    };
    r.run();
    r.doc
}

impl<'a> Reader<'a> {
    fn problem(&mut self, what: &'static str) {
        if !self.doc.problems.contains(&what) {
            self.doc.problems.push(what);
        }
    }

    fn run(&mut self) {
        while self.pos < self.s.len() {
            let rest = &self.s[self.pos..];
            let Some(lt) = rest.find('<') else {
                self.text(rest);
                self.pos = self.s.len();
                break;
            };
            if lt > 0 {
                self.text(&rest[..lt]);
            }
            self.pos += lt;
            self.markup();
        }
        if !self.stack.is_empty() {
            self.problem("document ends before its elements are closed (truncated?)");
        }
        while !self.stack.is_empty() {
            self.close_top();
        }
        if self.doc.roots.is_empty() {
            self.problem("no XML element found");
        }
    }

    /// Handles the markup at `self.pos` (which is a `<`).
    fn markup(&mut self) {
        let rest = &self.s[self.pos..];
        if let Some(body) = rest.strip_prefix("<!--") {
            self.skip_past(4, body.find("-->").map(|e| e + 3), "unterminated comment");
        } else if let Some(body) = rest.strip_prefix("<![CDATA[") {
            match body.find("]]>") {
                Some(end) => {
                    let data = &body[..end];
                    self.push_text(data.to_string());
                    self.pos += 9 + end + 3;
                }
                None => {
                    self.problem("unterminated CDATA section (truncated?)");
                    self.push_text(body.to_string());
                    self.pos = self.s.len();
                }
            }
        } else if rest
            .get(..9)
            .is_some_and(|h| h.eq_ignore_ascii_case("<!DOCTYPE"))
        {
            self.doctype();
        } else if let Some(decl) = rest.strip_prefix("<!") {
            self.skip_past(2, decl.find('>').map(|e| e + 1), "unterminated declaration");
        } else if let Some(body) = rest.strip_prefix("<?") {
            if rest.starts_with("<?xml") && !self.s[..self.pos].trim().is_empty() {
                self.problem("content before the XML declaration");
            }
            self.skip_past(
                2,
                body.find("?>").map(|e| e + 2),
                "unterminated processing instruction",
            );
        } else if rest.starts_with("</") {
            self.end_tag();
        } else if rest[1..].starts_with(|c: char| c.is_alphabetic() || c == '_' || c == ':') {
            self.start_tag();
        } else {
            self.problem("bare `<` in text");
            self.text("<");
            self.pos += 1;
        }
    }

    /// Moves past a construct that starts `skip` bytes in and ends `end` bytes after that.
    fn skip_past(&mut self, skip: usize, end: Option<usize>, problem: &'static str) {
        match end {
            Some(e) => self.pos += skip + e,
            None => {
                self.problem(problem);
                self.pos = self.s.len();
            }
        }
    }

    /// Skips a DOCTYPE, remembering the internal-subset general entities with literal values.
    fn doctype(&mut self) {
        let rest = &self.s[self.pos..];
        let bytes = rest.as_bytes();
        let mut i = 0;
        let mut in_subset = false;
        let mut quote: Option<u8> = None;
        let mut end = None;
        while let Some(&b) = bytes.get(i) {
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'[') => in_subset = true,
                (None, b']') => in_subset = false,
                (None, b'>') if !in_subset => {
                    end = Some(i + 1);
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        let decl = &rest[..end.unwrap_or(rest.len())];
        self.collect_entities(decl);
        self.skip_past(0, end, "unterminated DOCTYPE");
    }

    fn collect_entities(&mut self, decl: &str) {
        let mut from = 0;
        while let Some(p) = decl[from..].find("<!ENTITY") {
            let start = from + p + "<!ENTITY".len();
            let Some(close) = decl[start..].find('>') else {
                break;
            };
            let body = decl[start..start + close].trim();
            from = start + close;
            // Parameter entities (`% name`) and external ones (SYSTEM/PUBLIC) are never expanded.
            if body.starts_with('%') {
                continue;
            }
            let Some((name, value)) = body.split_once(|c: char| c.is_whitespace()) else {
                continue;
            };
            let value = value.trim();
            let Some(q) = value.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            let Some(inner) = value[1..].split(q).next() else {
                continue;
            };
            if inner.len() > MAX_ENTITY_VALUE
                || self.entities.len() >= MAX_ENTITIES
                || inner.contains('<')
            {
                self.problem("DOCTYPE entity ignored (too large or contains markup)");
                continue;
            }
            // Only plain-text values are expanded: a value that refers to other entities is
            // how billion-laughs builds up, so such entities stay unexpanded (as written).
            let value = crate::text::decode_char_refs(inner).into_owned();
            if value.contains('&') {
                self.problem("DOCTYPE entity ignored (refers to other entities)");
                continue;
            }
            self.entities.push((name.to_string(), value));
        }
    }

    fn end_tag(&mut self) {
        let rest = &self.s[self.pos..];
        let Some(gt) = rest.find('>') else {
            self.problem("document ends inside an end tag (truncated?)");
            self.pos = self.s.len();
            return;
        };
        let name = rest[2..gt].trim();
        self.pos += gt + 1;
        if self.overflow > 0 {
            self.overflow -= 1;
        } else if let Some(idx) = self.stack.iter().rposition(|o| o.qname == name) {
            if idx + 1 != self.stack.len() {
                self.problem("elements left unclosed");
            }
            while self.stack.len() > idx {
                self.close_top();
            }
        } else {
            self.problem("end tag without a start tag");
        }
    }

    fn start_tag(&mut self) {
        let rest = &self.s[self.pos..];
        let Some((attrs_raw, qname, consumed, self_closing)) = scan_tag(rest) else {
            self.problem("document ends inside a start tag (truncated?)");
            self.pos = self.s.len();
            return;
        };
        self.pos += consumed;
        if self.stack.len() >= MAX_DEPTH {
            self.problem("elements nested too deeply");
            if !self_closing {
                self.overflow += 1;
            }
            return;
        }
        let mut attrs = Vec::with_capacity(attrs_raw.len());
        let mut bindings = 0;
        for (k, v) in attrs_raw {
            let value = self.decode_text(v).into_owned();
            if k == "xmlns" {
                self.scopes.push((String::new(), Ns::from_uri(&value)));
                bindings += 1;
            } else if let Some(prefix) = k.strip_prefix("xmlns:") {
                self.scopes.push((prefix.to_string(), Ns::from_uri(&value)));
                bindings += 1;
            }
            attrs.push((k.to_string(), value));
        }
        let (prefix, local) = qname.rsplit_once(':').unwrap_or(("", qname));
        let ns = self.resolve(prefix);
        let el = Element {
            local: local.to_string(),
            ns,
            attrs,
            children: Vec::new(),
        };
        let open = Open {
            el,
            qname: qname.to_string(),
            bindings,
        };
        if self_closing {
            self.attach(open);
        } else {
            self.stack.push(open);
        }
    }

    fn resolve(&self, prefix: &str) -> Ns {
        match self.scopes.iter().rev().find(|(p, _)| p == prefix) {
            Some((_, ns)) => *ns,
            None if prefix.is_empty() => Ns::None,
            None => Ns::from_conventional_prefix(prefix),
        }
    }

    fn close_top(&mut self) {
        if let Some(open) = self.stack.pop() {
            self.attach(open);
        }
    }

    /// Pops the element's namespace bindings and adds it to its parent (or the top level).
    fn attach(&mut self, open: Open) {
        let keep = self.scopes.len().saturating_sub(open.bindings);
        self.scopes.truncate(keep);
        match self.stack.last_mut() {
            Some(parent) => parent.el.children.push(Node::Element(open.el)),
            None => self.doc.roots.push(open.el),
        }
    }

    fn text(&mut self, raw: &str) {
        if self.stack.is_empty() {
            if !raw.trim().is_empty() {
                self.problem("text outside the root element");
            }
            return;
        }
        let decoded = self.decode_text(raw).into_owned();
        self.push_text(decoded);
    }

    fn push_text(&mut self, t: String) {
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        match top.el.children.last_mut() {
            Some(Node::Text(prev)) => prev.push_str(&t),
            _ => top.el.children.push(Node::Text(t)),
        }
    }

    /// Decodes references in text or attribute values. XML's five entities and character
    /// references are normal; HTML names (`&nbsp;`) are decoded but make the feed malformed;
    /// unknown names and bare `&` are kept as written.
    fn decode_text<'s>(&mut self, raw: &'s str) -> std::borrow::Cow<'s, str> {
        if !raw.contains('&') {
            return std::borrow::Cow::Borrowed(raw);
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(p) = rest.find('&') {
            out.push_str(&rest[..p]);
            let after = &rest[p + 1..];
            let name_len = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                .count();
            let named = after
                .get(..name_len)
                .filter(|_| after.as_bytes().get(name_len) == Some(&b';'));
            if let Some(name) = named
                && !after.starts_with('#')
                && !matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                && let Some(value) = self
                    .entities
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            {
                if value.len() <= self.expansion_budget {
                    self.expansion_budget -= value.len();
                    out.push_str(&value);
                } else {
                    self.problem("entity expansion limit reached");
                }
                rest = &after[name_len + 1..];
                continue;
            }
            match decode_reference(after) {
                Some((text, used)) => {
                    if named.is_some_and(|n| !matches!(n, "amp" | "lt" | "gt" | "quot" | "apos")) {
                        self.problem("HTML entity not defined in XML");
                    }
                    out.push_str(&text);
                    rest = after.get(used..).unwrap_or("");
                }
                None => {
                    self.problem(if named.is_some() {
                        "undefined entity"
                    } else {
                        "bare `&` in text"
                    });
                    out.push('&');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        std::borrow::Cow::Owned(out)
    }
}

/// Raw attributes as `(qualified name, raw value)`.
type RawAttrs<'a> = Vec<(&'a str, &'a str)>;

/// Scans a start tag at the start of `s` (`<name attr="v" ...>` or `/>`). Returns the raw
/// attributes, the qualified name, the bytes consumed and whether it closes itself; `None`
/// when the document ends inside the tag.
fn scan_tag(s: &str) -> Option<(RawAttrs<'_>, &str, usize, bool)> {
    let b = s.as_bytes();
    let name_end = 1 + b[1..]
        .iter()
        .position(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))?;
    let qname = &s[1..name_end];
    let mut attrs = Vec::new();
    let mut i = name_end;
    loop {
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        match b.get(i)? {
            b'>' => return Some((attrs, qname, i + 1, false)),
            b'/' => {
                if b.get(i + 1) == Some(&b'>') {
                    return Some((attrs, qname, i + 2, true));
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        let key_start = i;
        while b
            .get(i)
            .is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        let key = &s[key_start..i];
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            // An attribute without a value (HTML style): keep its name.
            if i == key_start {
                i += 1;
            } else {
                attrs.push((key, ""));
            }
            continue;
        }
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        let value = match b.get(i)? {
            q @ (b'"' | b'\'') => {
                let start = i + 1;
                let rest = b.get(start..)?;
                match rest.iter().position(|c| c == q) {
                    Some(len) => {
                        i = start + len + 1;
                        &s[start..start + len]
                    }
                    // An unterminated quote: the value ends at the tag's end, so one bad
                    // attribute does not swallow the rest of the document.
                    None => {
                        let len = rest.iter().position(|c| *c == b'>')?;
                        i = start + len;
                        &s[start..start + len]
                    }
                }
            }
            _ => {
                let start = i;
                while b
                    .get(i)
                    .is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>')
                {
                    i += 1;
                }
                &s[start..i]
            }
        };
        if !key.is_empty() {
            attrs.push((key, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(s: &str) -> (Element, Vec<&'static str>) {
        let mut d = parse(s);
        let problems = d.problems.clone();
        (d.roots.remove(0), problems)
    }

    #[test]
    fn reads_well_formed_xml_with_namespaces() {
        let (r, p) = root(
            r#"<?xml version="1.0"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item><title>A &amp; B</title><dc:date>2020</dc:date><link><![CDATA[http://x/?a=1&b=2]]></link></item></channel></rss>"#,
        );
        assert!(p.is_empty(), "{p:?}");
        let item = r.elements().next().unwrap().elements().next().unwrap();
        assert_eq!(
            item.children_named("title", Ns::is_rss)
                .next()
                .unwrap()
                .text(),
            "A & B"
        );
        assert_eq!(item.children_named("date", |n| n == Ns::Dc).count(), 1);
        assert_eq!(
            item.children_named("link", Ns::is_rss)
                .next()
                .unwrap()
                .text(),
            "http://x/?a=1&b=2"
        );
    }

    #[test]
    fn recovers_from_broken_markup() {
        let (r, p) = root(
            "junk<rss><item><title>AT&T &nbsp;x &bogus; 1 < 2</title><link>u</item><item><title>cut",
        );
        assert!(p.contains(&"bare `&` in text"));
        assert!(p.contains(&"HTML entity not defined in XML"));
        assert!(p.contains(&"undefined entity"));
        assert!(p.contains(&"text outside the root element"));
        assert!(p.iter().any(|x| x.contains("truncated")));
        let items: Vec<_> = r.children_named("item", Ns::is_rss).collect();
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0]
                .children_named("title", Ns::is_rss)
                .next()
                .unwrap()
                .text(),
            "AT&T \u{a0}x &bogus; 1 < 2"
        );
        assert_eq!(items[1].text(), "cut ");
    }

    #[test]
    fn doctype_entities_expand_once_and_never_explode() {
        let mut lol = String::from("<!DOCTYPE r [<!ENTITY lol \"lol\">");
        for i in 1..10 {
            lol.push_str(&format!(
                "<!ENTITY lol{i} \"{}\">",
                format!("&lol{};", i - 1).repeat(10)
            ));
        }
        lol.push_str("<!ENTITY ext SYSTEM \"file:///etc/passwd\">]><r>&lol9;|&ext;|&lol;</r>");
        let (r, _) = root(&lol);
        let t = r.text();
        assert_eq!(t, "&lol9;|&ext;|lol");
    }

    #[test]
    fn deep_nesting_is_flattened() {
        let s = "<a>".repeat(100_000) + "x" + &"</a>".repeat(100_000);
        let d = parse(&s);
        assert!(d.problems.contains(&"elements nested too deeply"));
        fn depth(e: &Element) -> usize {
            1 + e.elements().map(depth).max().unwrap_or(0)
        }
        assert!(depth(&d.roots[0]) <= MAX_DEPTH);
    }
}
