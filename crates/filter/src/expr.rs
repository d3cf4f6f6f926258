//! `combination_logic`: a boolean expression over signal-group ids.
//!
//! Grammar (operators case-insensitive, usual precedence NOT > AND > OR, parentheses group):
//!
//! ```text
//! expr   := and ( OR and )*
//! and    := unary ( AND unary )*
//! unary  := NOT unary | '(' expr ')' | group_id
//! group_id := [A-Za-z0-9_.-]+   (not one of the operator words)
//! ```
//!
//! Parsing checks every group id against the profile's groups, so a typo fails at config load,
//! not silently at run time. Nesting is limited to [`MAX_DEPTH`] so no input can exhaust the stack.

use std::fmt;

/// Deepest nesting of parentheses / NOT accepted.
pub const MAX_DEPTH: usize = 64;

/// A parsed expression; leaves are indexes into the group list given to [`Expr::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Group(usize),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// Why an expression was rejected; `position` is a byte offset into the source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at position {position} in {source_text:?})")]
pub struct ExprError {
    pub message: String,
    pub position: usize,
    pub source_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    Ident(&'a str),
    And,
    Or,
    Not,
    Open,
    Close,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

fn tokenize(src: &str) -> Result<Vec<(usize, Token<'_>)>, (usize, String)> {
    let mut tokens = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(pos, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' {
            chars.next();
            tokens.push((pos, Token::Open));
        } else if c == ')' {
            chars.next();
            tokens.push((pos, Token::Close));
        } else if is_ident_char(c) {
            let mut end = pos;
            while let Some(&(p, c)) = chars.peek() {
                if !is_ident_char(c) {
                    break;
                }
                end = p + c.len_utf8();
                chars.next();
            }
            let word = &src[pos..end];
            let token = match word.to_ascii_uppercase().as_str() {
                "AND" => Token::And,
                "OR" => Token::Or,
                "NOT" => Token::Not,
                _ => Token::Ident(word),
            };
            tokens.push((pos, token));
        } else {
            return Err((pos, format!("unexpected character {c:?}")));
        }
    }
    Ok(tokens)
}

struct Parser<'s, 'g> {
    tokens: Vec<(usize, Token<'s>)>,
    next: usize,
    src_len: usize,
    groups: &'g [&'g str],
}

impl Expr {
    /// Parses `src`, resolving group ids against `groups` (exact, case-sensitive match).
    pub fn parse(src: &str, groups: &[&str]) -> Result<Expr, ExprError> {
        let error = |position: usize, message: String| ExprError {
            message,
            position,
            source_text: src.to_string(),
        };
        let tokens = tokenize(src).map_err(|(pos, msg)| error(pos, msg))?;
        if tokens.is_empty() {
            return Err(error(0, "empty expression".into()));
        }
        let mut parser = Parser {
            tokens,
            next: 0,
            src_len: src.len(),
            groups,
        };
        let expr = parser.or(0).map_err(|(pos, msg)| error(pos, msg))?;
        if let Some((pos, token)) = parser.tokens.get(parser.next) {
            let what = match token {
                Token::Close => "unbalanced ')'".to_string(),
                other => format!("expected AND or OR before {}", describe(other)),
            };
            return Err(error(*pos, what));
        }
        Ok(expr)
    }

    /// Evaluates with `satisfied(group_index)` as the truth of each leaf.
    pub fn eval(&self, satisfied: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Expr::Group(g) => satisfied(*g),
            Expr::Not(e) => !e.eval(satisfied),
            Expr::And(es) => es.iter().all(|e| e.eval(satisfied)),
            Expr::Or(es) => es.iter().any(|e| e.eval(satisfied)),
        }
    }

    /// Writes the expression with group names from `groups`, parenthesised as needed.
    pub fn display<'a>(&'a self, groups: &'a [&'a str]) -> impl fmt::Display + 'a {
        Shown {
            expr: self,
            groups,
            parent: 0,
        }
    }
}

fn describe(token: &Token<'_>) -> String {
    match token {
        Token::Ident(name) => format!("{name:?}"),
        Token::And => "AND".into(),
        Token::Or => "OR".into(),
        Token::Not => "NOT".into(),
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
    }
}

type ParseResult = Result<Expr, (usize, String)>;

impl<'s> Parser<'s, '_> {
    fn peek(&self) -> Option<&Token<'s>> {
        self.tokens.get(self.next).map(|(_, t)| t)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.next).map_or(self.src_len, |(p, _)| *p)
    }

    fn or(&mut self, depth: usize) -> ParseResult {
        let mut items = vec![self.and(depth)?];
        while self.peek() == Some(&Token::Or) {
            self.next += 1;
            items.push(self.and(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self, depth: usize) -> ParseResult {
        let mut items = vec![self.unary(depth)?];
        while self.peek() == Some(&Token::And) {
            self.next += 1;
            items.push(self.unary(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn unary(&mut self, depth: usize) -> ParseResult {
        if depth >= MAX_DEPTH {
            return Err((
                self.position(),
                format!("nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let position = self.position();
        let Some(token) = self.peek().cloned() else {
            return Err((
                position,
                "expression ends where a group id was expected".into(),
            ));
        };
        self.next += 1;
        match token {
            Token::Not => Ok(Expr::Not(Box::new(self.unary(depth + 1)?))),
            Token::Open => {
                let inner = self.or(depth + 1)?;
                if self.peek() == Some(&Token::Close) {
                    self.next += 1;
                    Ok(inner)
                } else {
                    Err((
                        self.position(),
                        format!("missing ')' for the '(' at position {position}"),
                    ))
                }
            }
            Token::Ident(name) => match self.groups.iter().position(|g| *g == name) {
                Some(index) => Ok(Expr::Group(index)),
                None => Err((
                    position,
                    format!(
                        "unknown group id {name:?} (known: {})",
                        if self.groups.is_empty() {
                            "none".to_string()
                        } else {
                            self.groups.join(", ")
                        }
                    ),
                )),
            },
            other => Err((
                position,
                format!(
                    "expected a group id, NOT or '(' but found {}",
                    describe(&other)
                ),
            )),
        }
    }
}

/// Display adapter; `parent` is the precedence of the enclosing operator (0 none, 1 OR, 2 AND).
struct Shown<'a> {
    expr: &'a Expr,
    groups: &'a [&'a str],
    parent: u8,
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (items, op, prec) = match self.expr {
            Expr::Group(g) => return f.write_str(self.groups.get(*g).copied().unwrap_or("?")),
            Expr::Not(e) => {
                f.write_str("NOT ")?;
                return Shown {
                    expr: e,
                    groups: self.groups,
                    parent: 3,
                }
                .fmt(f);
            }
            Expr::And(items) => (items, " AND ", 2),
            Expr::Or(items) => (items, " OR ", 1),
        };
        let paren = self.parent > prec;
        if paren {
            f.write_str("(")?;
        }
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(op)?;
            }
            Shown {
                expr: item,
                groups: self.groups,
                parent: prec,
            }
            .fmt(f)?;
        }
        if paren {
            f.write_str(")")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUPS: [&str; 3] = ["entity_signals", "technology_signals", "trademark_signals"];

    fn eval(src: &str, satisfied: &[usize]) -> bool {
        Expr::parse(src, &GROUPS)
            .unwrap()
            .eval(&|g| satisfied.contains(&g))
    }

    #[test]
    fn precedence_and_parentheses() {
        let src = "entity_signals AND (technology_signals OR trademark_signals)";
        assert!(eval(src, &[0, 1]));
        assert!(eval(src, &[0, 2]));
        assert!(!eval(src, &[1, 2]));
        assert!(!eval(src, &[0]));
        // Without parentheses AND binds tighter: (entity AND technology) OR trademark.
        let flat = "entity_signals AND technology_signals OR trademark_signals";
        assert!(eval(flat, &[2]));
        assert!(!eval(flat, &[0]));
    }

    #[test]
    fn operators_are_case_insensitive_and_not_works() {
        assert!(eval("entity_signals and not trademark_signals", &[0]));
        assert!(!eval("entity_signals And Not trademark_signals", &[0, 2]));
        assert!(eval("NOT NOT entity_signals", &[0]));
        assert!(eval("not (entity_signals or technology_signals)", &[2]));
    }

    #[test]
    fn unknown_group_is_named() {
        let err = Expr::parse("entity_signals AND technology_signal", &GROUPS).unwrap_err();
        assert!(err.message.contains("\"technology_signal\""), "{err}");
        assert_eq!(err.position, 19);
    }

    #[test]
    fn syntax_errors() {
        for (src, needle) in [
            ("", "empty"),
            ("   ", "empty"),
            ("entity_signals AND", "ends"),
            ("(entity_signals", "missing ')'"),
            ("entity_signals)", "unbalanced"),
            ("entity_signals technology_signals", "expected AND or OR"),
            (
                "entity_signals && technology_signals",
                "unexpected character",
            ),
            ("AND entity_signals", "expected a group id"),
            ("()", "expected a group id"),
        ] {
            let err = Expr::parse(src, &GROUPS).unwrap_err();
            assert!(err.message.contains(needle), "{src:?}: {err}");
        }
    }

    #[test]
    fn group_ids_are_case_sensitive() {
        assert!(Expr::parse("Entity_Signals", &GROUPS).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}entity_signals{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(
            Expr::parse(&deep, &GROUPS)
                .unwrap_err()
                .message
                .contains("nested")
        );
        let nots = format!("{}entity_signals", "NOT ".repeat(10_000));
        assert!(Expr::parse(&nots, &GROUPS).is_err());
        let fine = format!("{}entity_signals{}", "(".repeat(20), ")".repeat(20));
        assert!(eval(&fine, &[0]));
    }

    #[test]
    fn display_round_trips() {
        for src in [
            "entity_signals AND (technology_signals OR trademark_signals)",
            "entity_signals AND technology_signals OR trademark_signals",
            "NOT (entity_signals OR trademark_signals) AND technology_signals",
        ] {
            let e = Expr::parse(src, &GROUPS).unwrap();
            assert_eq!(e.display(&GROUPS).to_string(), src);
        }
        let e = Expr::parse("entity_signals or (technology_signals)", &GROUPS).unwrap();
        assert_eq!(
            e.display(&GROUPS).to_string(),
            "entity_signals OR technology_signals"
        );
    }
}
