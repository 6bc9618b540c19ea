//! SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): parsed into a tree, and matched
//! against a resource's JSON with SCIM's rules (strings compared without case, a multi-valued
//! attribute matching when any of its values does, `emails` meaning `emails.value`).
//!
//! Written here rather than taken from a crate: the grammar is a page long, and the one crate
//! (`scim-filter`) filters whole collections in memory, while we need the tree itself, for
//! PATCH's filtered paths and to hand the common `userName eq "…"` to SQL.

use serde_json::Value;

/// An attribute path: `userName`, `name.givenName`, or with its schema
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    /// The schema URN, when the path names one.
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: Op,
        value: Value,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work" and value co "@example.com"]`
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// A PATCH operation's path: an attribute, optionally narrowed to some of its values by a
/// filter, optionally down to a sub-attribute of those (`members[value eq "2"]`,
/// `emails[type eq "work"].value`).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    pub sub: Option<String>,
}

/// Why a filter or path could not be read (SCIM's `invalidFilter` / `invalidPath`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokens(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            '[' => {
                out.push(Token::OpenBracket);
                i += 1;
            }
            ']' => {
                out.push(Token::CloseBracket);
                i += 1;
            }
            '"' => {
                // A JSON string, escapes and all.
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                if i >= chars.len() {
                    return Err(FilterError("a quoted value is not closed".into()));
                }
                let raw: String = chars[start..=i].iter().collect();
                let s: String =
                    serde_json::from_str(&raw).map_err(|_| FilterError(format!("{raw} is not a valid string")))?;
                out.push(Token::Str(s));
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !"()[]\"".contains(chars[i]) {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

/// Reads `urn:…:name.sub`, `name.sub` or `name`.
pub fn attr_path(text: &str) -> Result<AttrPath, FilterError> {
    let bad = || FilterError(format!("“{text}” is not an attribute path"));
    let (urn, rest) = match text.rfind(':') {
        Some(i) => (Some(text[..i].to_owned()), &text[i + 1..]),
        None => (None, text),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s.to_owned())),
        None => (rest, None),
    };
    let valid = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
    };
    if !valid(name) || sub.as_deref().is_some_and(|s| !valid(s)) {
        return Err(bad());
    }
    Ok(AttrPath { urn: urn.filter(|u| !u.is_empty()), name: name.to_owned(), sub })
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Filter::Not(Box::new(self.group()?)));
        }
        if self.peek() == Some(&Token::Open) {
            return self.group();
        }
        self.comparison()
    }

    fn group(&mut self) -> Result<Filter, FilterError> {
        if self.next() != Some(Token::Open) {
            return Err(FilterError("“not” needs a filter in parentheses".into()));
        }
        let inner = self.or()?;
        if self.next() != Some(Token::Close) {
            return Err(FilterError("a parenthesis is not closed".into()));
        }
        Ok(inner)
    }

    fn comparison(&mut self) -> Result<Filter, FilterError> {
        let Some(Token::Word(word)) = self.next() else {
            return Err(FilterError("expected an attribute".into()));
        };
        let path = attr_path(&word)?;
        if self.peek() == Some(&Token::OpenBracket) {
            self.at += 1;
            let inner = self.or()?;
            if self.next() != Some(Token::CloseBracket) {
                return Err(FilterError("a bracket is not closed".into()));
            }
            return Ok(Filter::ValuePath { path, filter: Box::new(inner) });
        }
        let Some(Token::Word(op)) = self.next() else {
            return Err(FilterError(format!("expected an operator after {word}")));
        };
        let op = match op.to_ascii_lowercase().as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => return Err(FilterError(format!("“{other}” is not an operator"))),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => Value::String(s),
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => serde_json::from_str::<serde_json::Number>(&w)
                    .map(Value::Number)
                    .map_err(|_| FilterError(format!("“{w}” is not a value: quote strings")))?,
            },
            _ => return Err(FilterError(format!("expected a value after {word}"))),
        };
        Ok(Filter::Compare { path, op, value })
    }
}

/// Reads a filter.
pub fn parse(text: &str) -> Result<Filter, FilterError> {
    let mut p = Parser { tokens: tokens(text)?, at: 0 };
    if p.tokens.is_empty() {
        return Err(FilterError("the filter is empty".into()));
    }
    let filter = p.or()?;
    if p.at < p.tokens.len() {
        return Err(FilterError("the filter goes on after its end".into()));
    }
    Ok(filter)
}

/// Reads a PATCH path.
pub fn parse_patch_path(text: &str) -> Result<PatchPath, FilterError> {
    let text = text.trim();
    let Some(open) = text.find('[') else {
        return Ok(PatchPath { attr: attr_path(text)?, filter: None, sub: None });
    };
    let close = text.rfind(']').ok_or_else(|| FilterError("a bracket is not closed".into()))?;
    let attr = attr_path(&text[..open])?;
    let filter = parse(&text[open + 1..close])?;
    let sub = match &text[close + 1..] {
        "" => None,
        rest => match rest.strip_prefix('.') {
            Some(s) if attr_path(s).is_ok() => Some(s.to_owned()),
            _ => return Err(FilterError(format!("“{rest}” cannot follow a filter"))),
        },
    };
    Ok(PatchPath { attr, filter: Some(filter), sub })
}

/// The attribute's value(s) in `resource`, looked up without regard to case (attribute names
/// are case-insensitive), inside the extension object when the path names its URN.
pub fn lookup<'a>(resource: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    let mut scope = resource;
    if let Some(urn) = &path.urn {
        if let Some(ext) = get_ci(resource, urn) {
            scope = ext;
        }
    }
    let top = get_ci(scope, &path.name)?;
    match &path.sub {
        None => Some(top),
        Some(sub) => match top {
            Value::Array(_) => Some(top),
            other => get_ci(other, sub),
        },
    }
}

/// A member of an object by name, any case.
pub fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

/// The plain values a path gives: for a multi-valued attribute, each element's `sub` (or
/// `value` when no sub-attribute is named).
fn values<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let Some(found) = lookup(resource, path) else { return Vec::new() };
    match found {
        Value::Array(items) => {
            let sub = path.sub.as_deref().unwrap_or("value");
            items.iter().filter_map(|i| if i.is_object() { get_ci(i, sub) } else { Some(i) }).collect()
        }
        Value::Object(_) if path.sub.is_none() => get_ci(found, "value").into_iter().collect(),
        other => vec![other],
    }
}

fn compare(have: &Value, op: Op, want: &Value, case_exact: bool) -> bool {
    use std::cmp::Ordering;
    let order = match (have, want) {
        (Value::String(a), Value::String(b)) => {
            let (a, b) = if case_exact { (a.clone(), b.clone()) } else { (a.to_lowercase(), b.to_lowercase()) };
            match op {
                Op::Co => return a.contains(&b),
                Op::Sw => return a.starts_with(&b),
                Op::Ew => return a.ends_with(&b),
                _ => a.cmp(&b),
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            a.as_f64().zip(b.as_f64()).and_then(|(a, b)| a.partial_cmp(&b)).unwrap_or(Ordering::Less)
        }
        (Value::Bool(a), Value::Bool(b)) => match op {
            Op::Eq => return a == b,
            Op::Ne => return a != b,
            _ => return false,
        },
        (Value::Null, Value::Null) => Ordering::Equal,
        _ => return op == Op::Ne,
    };
    match op {
        Op::Eq => order == Ordering::Equal,
        Op::Ne => order != Ordering::Equal,
        Op::Gt => order == Ordering::Greater,
        Op::Ge => order != Ordering::Less,
        Op::Lt => order == Ordering::Less,
        Op::Le => order != Ordering::Greater,
        Op::Co | Op::Sw | Op::Ew => false,
    }
}

impl Filter {
    /// Whether `resource` matches; `case_exact` names the attributes compared with case (`id`).
    pub fn matches(&self, resource: &Value, case_exact: &dyn Fn(&AttrPath) -> bool) -> bool {
        match self {
            Self::Compare { path, op, value } => {
                let found = values(resource, path);
                if found.is_empty() {
                    return *op == Op::Ne && !value.is_null() || (*op == Op::Eq && value.is_null());
                }
                let exact = case_exact(path);
                match op {
                    Op::Ne => found.iter().all(|v| compare(v, Op::Ne, value, exact)),
                    _ => found.iter().any(|v| compare(v, *op, value, exact)),
                }
            }
            Self::Present(path) => values(resource, path).iter().any(|v| match v {
                Value::Null => false,
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => true,
            }),
            Self::And(a, b) => a.matches(resource, case_exact) && b.matches(resource, case_exact),
            Self::Or(a, b) => a.matches(resource, case_exact) || b.matches(resource, case_exact),
            Self::Not(f) => !f.matches(resource, case_exact),
            Self::ValuePath { path, filter } => match lookup(resource, path) {
                Some(Value::Array(items)) => items.iter().any(|i| filter.matches(i, case_exact)),
                Some(one) => filter.matches(one, case_exact),
                None => false,
            },
        }
    }

    /// `attr eq "value"` on a top-level attribute without a schema: the one shape worth an index.
    pub fn as_equality(&self) -> Option<(&str, &Value)> {
        match self {
            Self::Compare { path: AttrPath { urn: None, name, sub }, op: Op::Eq, value } => {
                let name = match sub.as_deref() {
                    None => name.as_str(),
                    Some("value") if name.eq_ignore_ascii_case("emails") => "emails",
                    Some(_) => return None,
                };
                Some((name, value))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_case(_: &AttrPath) -> bool {
        false
    }

    fn user() -> Value {
        json!({
            "id": "42",
            "userName": "Mia@Example.com",
            "externalId": "e-17",
            "displayName": "Mia Member",
            "active": true,
            "emails": [{"value": "mia@example.com", "type": "work", "primary": true}, {"value": "m@home.example", "type": "home"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "IT", "manager": {"value": "7"}},
            "meta": {"lastModified": "2026-12-01T10:00:00Z"}
        })
    }

    #[test]
    fn the_rfcs_examples_parse_and_match() {
        let u = user();
        let cases = [
            ("userName eq \"mia@example.com\"", true),
            ("userName Eq \"MIA@EXAMPLE.COM\"", true),
            ("displayName co \"member\"", true),
            ("displayName sw \"Mia\" and not (active eq false)", true),
            ("externalId eq \"e-18\" or emails[type eq \"home\" and value ew \".example\"]", true),
            ("emails co \"@example.com\"", true),
            ("emails.type eq \"work\"", true),
            ("title pr", false),
            ("userName pr", true),
            ("meta.lastModified gt \"2026-11-01T00:00:00Z\"", true),
            ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"it\"", true),
            ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"7\"", true),
            ("active ne true", false),
            ("nickName ne \"x\"", true),
            ("(displayName eq \"A\" or displayName eq \"Mia Member\") and id eq \"42\"", true),
        ];
        for (text, want) in cases {
            let f = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(f.matches(&u, &no_case), want, "{text}");
        }
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let f = parse("a eq 1 or b eq 2 and c eq 3").unwrap();
        assert!(matches!(f, Filter::Or(_, ref right) if matches!(**right, Filter::And(_, _))));
        assert!(f.matches(&json!({"a": 1}), &no_case));
        assert!(!f.matches(&json!({"b": 2}), &no_case));
    }

    #[test]
    fn mistakes_are_named() {
        for bad in [
            "",
            "userName",
            "userName eq",
            "userName zz \"x\"",
            "userName eq unquoted",
            "(userName eq \"x\"",
            "userName eq \"x",
            "not userName eq \"x\"",
            "emails[type eq \"work\"",
            "user name eq \"x\" extra",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn patch_paths_read_filters_and_sub_attributes() {
        let p = parse_patch_path("members[value eq \"2\"]").unwrap();
        assert_eq!(p.attr.name, "members");
        assert!(p.filter.unwrap().matches(&json!({"value": "2"}), &no_case));
        let q = parse_patch_path("emails[type eq \"work\"].value").unwrap();
        assert_eq!(q.sub.as_deref(), Some("value"));
        let r = parse_patch_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager").unwrap();
        assert_eq!(r.attr.urn.as_deref(), Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
        assert_eq!(parse_patch_path("name.givenName").unwrap().attr.sub.as_deref(), Some("givenName"));
        assert!(parse_patch_path("members[value eq \"2\"]x").is_err());
        assert!(parse_patch_path("9lives").is_err());
    }

    #[test]
    fn equalities_are_recognised_for_indexes() {
        let f = parse("userName eq \"a@b.c\"").unwrap();
        assert_eq!(f.as_equality(), Some(("userName", &json!("a@b.c"))));
        assert_eq!(parse("emails.value eq \"a@b.c\"").unwrap().as_equality().map(|e| e.0), Some("emails"));
        assert_eq!(parse("userName co \"a\"").unwrap().as_equality(), None);
        assert_eq!(parse("name.givenName eq \"a\"").unwrap().as_equality(), None);
    }
}
