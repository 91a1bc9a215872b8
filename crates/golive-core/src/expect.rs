//! The expectation language: short conditions a reviewer can read, checked
//! against a probe's evidence.
//!
//! ```text
//! status == 200
//! json.database == "connected"
//! time < 2s
//! header.strict-transport-security exists
//! body contains "ok"
//! header.server not matches "nginx/[0-9]"
//! ```
//!
//! Gatus's placeholders are accepted too: `[STATUS] == 200`,
//! `[RESPONSE_TIME] < 300`, `[BODY].status == UP`.

use std::cmp::Ordering;
use std::fmt;
use std::time::Duration;

use regex::Regex;
use serde::{Serialize, Serializer};

use crate::value::{Evidence, PathSegment, Value, format_duration};

/// A parsed expectation.
#[derive(Debug, Clone)]
pub struct Expectation {
    source: String,
    path: Vec<PathSegment>,
    op: Op,
    operand: Literal,
    regex: Option<Regex>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Exists,
    NotExists,
    Contains,
    NotContains,
    Matches,
    NotMatches,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Exists => "exists",
            Self::NotExists => "not exists",
            Self::Contains => "contains",
            Self::NotContains => "not contains",
            Self::Matches => "matches",
            Self::NotMatches => "not matches",
        }
    }
}

/// The right-hand side of an expectation.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    None,
    Null,
    Bool(bool),
    Number(f64),
    Duration(Duration),
    Percent(f64),
    Bytes(f64),
    Str(String),
}

/// Where and why an expectation does not parse. `offset` counts characters
/// into the expectation text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

fn err(offset: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        offset,
        message: message.into(),
    }
}

/// The verdict of one expectation on one piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub expect: String,
    pub passed: bool,
    /// What was seen, as printed in reports (absent when the path was missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

impl Verdict {
    /// A sentence for a failed expectation: what was expected, what was seen.
    pub fn explain(&self) -> String {
        match &self.actual {
            Some(actual) => format!("expected {}, got {actual}", self.expect),
            None => format!("expected {}, but it was not measured", self.expect),
        }
    }
}

impl Expectation {
    pub fn parse(source: &str) -> Result<Self, ParseError> {
        Parser::new(source).expectation()
    }

    /// Builds an expectation from parts known to be valid (probes' defaults).
    pub fn new(path: &str, op: Op, operand: Literal) -> Self {
        let source = match &operand {
            Literal::None => format!("{path} {}", op.symbol()),
            lit => format!("{path} {} {lit}", op.symbol()),
        };
        Self::parse(&source).unwrap_or_else(|e| panic!("built-in expectation `{source}`: {e}"))
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The path into the evidence it reads.
    pub fn path(&self) -> &[PathSegment] {
        &self.path
    }

    /// The first segment of the path: the evidence field it reads.
    pub fn field(&self) -> &str {
        match self.path.first() {
            Some(PathSegment::Key(k)) => k,
            _ => "",
        }
    }

    pub fn evaluate(&self, evidence: &Evidence) -> Verdict {
        let actual = Value::get_path(evidence, &self.path);
        let passed = match (self.op, actual) {
            (Op::Exists, a) => a.is_some_and(|v| *v != Value::Null),
            (Op::NotExists, a) => a.is_none_or(|v| *v == Value::Null),
            (Op::Eq, None) => self.operand == Literal::Null,
            (Op::Ne, None) => self.operand != Literal::Null,
            (_, None) => false,
            (Op::Eq, Some(a)) => equals(a, &self.operand),
            (Op::Ne, Some(a)) => !equals(a, &self.operand),
            (Op::Lt | Op::Le | Op::Gt | Op::Ge, Some(a)) => match compare(a, &self.operand) {
                Some(ord) => match self.op {
                    Op::Lt => ord == Ordering::Less,
                    Op::Le => ord != Ordering::Greater,
                    Op::Gt => ord == Ordering::Greater,
                    _ => ord != Ordering::Less,
                },
                None => false,
            },
            (Op::Contains, Some(a)) => contains(a, &self.operand),
            (Op::NotContains, Some(a)) => !contains(a, &self.operand),
            (Op::Matches, Some(a)) => self.regex.as_ref().is_some_and(|r| r.is_match(&plain(a))),
            (Op::NotMatches, Some(a)) => {
                !self.regex.as_ref().is_some_and(|r| r.is_match(&plain(a)))
            }
        };
        Verdict {
            expect: self.source.clone(),
            passed,
            actual: actual.map(|v| v.short(120)),
        }
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for Expectation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl PartialEq for Expectation {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => Ok(()),
            Self::Null => f.write_str("null"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) => write!(f, "{}", Value::Float(*n)),
            Self::Duration(d) => f.write_str(&format_duration(*d)),
            Self::Percent(p) => write!(f, "{}%", Value::Float(*p)),
            Self::Bytes(b) => write!(f, "{}B", Value::Float(*b)),
            Self::Str(s) => {
                if s.chars()
                    .all(|c| c.is_alphanumeric() || "._+-/".contains(c))
                    && !s.is_empty()
                {
                    f.write_str(s)
                } else {
                    write!(f, "{s:?}")
                }
            }
        }
    }
}

/// A value's text without quotes, for string comparisons and patterns.
fn plain(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.to_string(),
    }
}

fn equals(actual: &Value, lit: &Literal) -> bool {
    match lit {
        Literal::None => false,
        Literal::Null => *actual == Value::Null,
        Literal::Bool(b) => match actual {
            Value::Bool(a) => a == b,
            Value::Str(s) => s.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
            _ => false,
        },
        Literal::Number(_) | Literal::Duration(_) | Literal::Percent(_) | Literal::Bytes(_) => {
            compare(actual, lit) == Some(Ordering::Equal)
        }
        Literal::Str(s) => match actual {
            Value::Str(a) => a == s,
            Value::Int(_) | Value::Float(_) => s.parse::<f64>().ok() == actual.as_f64(),
            other => plain(other) == *s,
        },
    }
}

fn contains(actual: &Value, lit: &Literal) -> bool {
    let needle = match lit {
        Literal::Str(s) => s.clone(),
        other => other.to_string(),
    };
    match actual {
        Value::Str(s) => s.contains(&needle),
        Value::List(l) => l.iter().any(|v| equals(v, lit) || plain(v) == needle),
        Value::Map(m) => m.keys().any(|k| k.eq_ignore_ascii_case(&needle)),
        other => plain(other).contains(&needle),
    }
}

fn compare(actual: &Value, lit: &Literal) -> Option<Ordering> {
    match lit {
        Literal::Duration(d) => {
            let a = match actual {
                Value::Duration(a) => a.as_secs_f64(),
                other => other.as_f64()? / 1000.0,
            };
            a.partial_cmp(&d.as_secs_f64())
        }
        Literal::Number(n) | Literal::Percent(n) | Literal::Bytes(n) => {
            let a = match actual {
                // A bare number against a duration is milliseconds.
                Value::Duration(d) => d.as_secs_f64() * 1000.0,
                // `version >= 10.6` against `10.11.19`: a version, not a number.
                Value::Str(s)
                    if matches!(lit, Literal::Number(_)) && s.trim().parse::<f64>().is_err() =>
                {
                    return compare_versions(s, &Value::Float(*n).to_string());
                }
                other => other.as_f64()?,
            };
            a.partial_cmp(n)
        }
        Literal::Str(s) => {
            let a = plain(actual);
            if let (Some(x), Some(y)) = (grade_rank(&a), grade_rank(s)) {
                return Some(x.cmp(&y));
            }
            if let (Ok(x), Ok(y)) = (a.trim().parse::<f64>(), s.trim().parse::<f64>()) {
                return x.partial_cmp(&y);
            }
            if let Some(ord) = compare_versions(&a, s) {
                return Some(ord);
            }
            Some(a.as_str().cmp(s.as_str()))
        }
        Literal::Bool(_) | Literal::Null | Literal::None => None,
    }
}

/// Letter grades from F up to A+, so that `grade >= B` reads naturally.
fn grade_rank(s: &str) -> Option<u8> {
    let s = s.trim();
    let mut chars = s.chars();
    let letter = chars.next()?;
    let base = match letter.to_ascii_uppercase() {
        'A' => 15,
        'B' => 12,
        'C' => 9,
        'D' => 6,
        'E' => 3,
        'F' => 0,
        _ => return None,
    };
    match chars.as_str() {
        "" => Some(base + 1),
        "+" => Some(base + 2),
        "-" => Some(base),
        _ => None,
    }
}

/// `TLSv1.2`, `1.20.1`, `v24`: a short prefix and the dotted numbers after it.
fn version_parts(s: &str) -> Option<(String, Vec<u64>)> {
    let s = s.trim();
    let start = s.find(|c: char| c.is_ascii_digit())?;
    let prefix = s[..start].trim().to_ascii_lowercase();
    if prefix.len() > 8 {
        return None;
    }
    let mut parts = Vec::new();
    for piece in s[start..].split('.') {
        let digits: String = piece.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        parts.push(digits.parse().ok()?);
        if digits.len() != piece.len() {
            break;
        }
    }
    Some((prefix, parts))
}

fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    let (pa, mut va) = version_parts(a)?;
    let (pb, mut vb) = version_parts(b)?;
    if pa != pb && !pa.is_empty() && !pb.is_empty() {
        return None;
    }
    let n = va.len().max(vb.len());
    va.resize(n, 0);
    vb.resize(n, 0);
    Some(va.cmp(&vb))
}

struct Parser<'a> {
    src: &'a str,
    chars: Vec<char>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Self {
            src,
            chars: src.chars().collect(),
            pos: 0,
        }
    }

    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// The text from the current position on, borrowed: `pos` counts
    /// characters, which are bytes in the usual ASCII expectation.
    fn rest(&self) -> &'a str {
        if self.chars.len() == self.src.len() {
            return &self.src[self.pos..];
        }
        match self.src.char_indices().nth(self.pos) {
            Some((at, _)) => &self.src[at..],
            None => "",
        }
    }

    fn expectation(mut self) -> Result<Expectation, ParseError> {
        self.skip_ws();
        if self.peek().is_none() {
            return Err(err(0, "empty expectation: write one like `status == 200`"));
        }
        let path = self.path()?;
        self.skip_ws();
        let op_at = self.pos;
        let op = self.op().ok_or_else(|| {
            err(
                op_at,
                "expected an operator: ==, !=, <, <=, >, >=, exists, not exists, contains, matches",
            )
        })?;
        self.skip_ws();
        let operand_at = self.pos;
        let operand = match op {
            Op::Exists | Op::NotExists => Literal::None,
            _ => {
                if self.peek().is_none() {
                    return Err(err(
                        operand_at,
                        format!("`{}` needs a value after it", op.symbol()),
                    ));
                }
                self.literal()?
            }
        };
        self.skip_ws();
        if self.peek().is_some() {
            return Err(err(
                self.pos,
                format!("unexpected `{}` after the expectation", self.rest()),
            ));
        }
        let regex = match (op, &operand) {
            (Op::Matches | Op::NotMatches, Literal::Str(pattern)) => Some(
                Regex::new(pattern)
                    .map_err(|e| err(operand_at, format!("not a valid pattern: {e}")))?,
            ),
            (Op::Matches | Op::NotMatches, _) => {
                return Err(err(operand_at, "`matches` takes a quoted pattern"));
            }
            _ => None,
        };
        Ok(Expectation {
            source: self.src.trim().to_string(),
            path,
            op,
            operand,
            regex,
        })
    }

    fn path(&mut self) -> Result<Vec<PathSegment>, ParseError> {
        let mut segments = Vec::new();
        if self.peek() == Some('[') {
            // Gatus placeholders.
            let start = self.pos;
            let close = self.chars[self.pos..]
                .iter()
                .position(|&c| c == ']')
                .ok_or_else(|| err(start, "unclosed `[`"))?;
            let name: String = self.chars[self.pos + 1..self.pos + close].iter().collect();
            self.pos += close + 1;
            let mapped = match name.to_ascii_uppercase().as_str() {
                "STATUS" => vec!["status"],
                "RESPONSE_TIME" => vec!["time"],
                "BODY" if self.peek() == Some('.') => vec!["json"],
                "BODY" => vec!["body"],
                "CONNECTED" => vec!["connected"],
                "IP" => vec!["ip"],
                "CERTIFICATE_EXPIRATION" => vec!["cert", "expires_in"],
                "DOMAIN_EXPIRATION" => vec!["domain", "expires_in"],
                _ => return Err(err(start, format!("unknown placeholder `[{name}]`"))),
            };
            segments.extend(mapped.into_iter().map(|s| PathSegment::Key(s.into())));
            if self.peek() != Some('.') {
                return Ok(segments);
            }
            self.pos += 1;
        }
        loop {
            let start = self.pos;
            match self.peek() {
                Some('"') => {
                    let s = self.quoted()?;
                    segments.push(PathSegment::Key(s));
                }
                Some(c) if c.is_alphanumeric() || c == '_' || c == '-' || c == '$' => {
                    while self
                        .peek()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '$')
                    {
                        self.pos += 1;
                    }
                    segments.push(PathSegment::Key(
                        self.chars[start..self.pos].iter().collect(),
                    ));
                }
                _ => {
                    return Err(err(
                        start,
                        "expected a field name, like `status` or `json.database`",
                    ));
                }
            }
            while self.peek() == Some('[') {
                let at = self.pos;
                self.pos += 1;
                let digits_start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let digits: String = self.chars[digits_start..self.pos].iter().collect();
                if self.peek() != Some(']') || digits.is_empty() {
                    return Err(err(at, "expected an index like `[0]`"));
                }
                self.pos += 1;
                segments.push(PathSegment::Index(
                    digits.parse().map_err(|_| err(at, "index too large"))?,
                ));
            }
            if self.peek() == Some('.') {
                self.pos += 1;
            } else {
                return Ok(segments);
            }
        }
    }

    fn op(&mut self) -> Option<Op> {
        let rest = self.rest();
        let word_ops: [(&str, Op); 9] = [
            ("not exists", Op::NotExists),
            ("not contains", Op::NotContains),
            ("not matches", Op::NotMatches),
            ("!exists", Op::NotExists),
            ("exists", Op::Exists),
            ("contains", Op::Contains),
            ("matches", Op::Matches),
            ("=~", Op::Matches),
            ("!~", Op::NotMatches),
        ];
        for (word, op) in word_ops {
            if let Some(after) = rest.strip_prefix(word) {
                if word.starts_with(|c: char| c.is_alphabetic() || c == '!')
                    && after.starts_with(|c: char| c.is_alphanumeric())
                {
                    continue;
                }
                self.pos += word.chars().count();
                return Some(op);
            }
        }
        let sym_ops: [(&str, Op); 7] = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
            ("=", Op::Eq),
        ];
        for (sym, op) in sym_ops {
            if rest.starts_with(sym) {
                self.pos += sym.len();
                return Some(op);
            }
        }
        None
    }

    fn quoted(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let quote = self.peek().unwrap_or('"');
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(err(start, "unclosed quote")),
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(c) => out.push(c),
                        None => return Err(err(start, "unclosed quote")),
                    }
                    self.pos += 1;
                }
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn literal(&mut self) -> Result<Literal, ParseError> {
        if matches!(self.peek(), Some('"' | '\'')) {
            return self.quoted().map(Literal::Str);
        }
        let word = self.rest().trim();
        self.pos = self.chars.len();
        let is = |w: &str| word.eq_ignore_ascii_case(w);
        Ok(if is("true") {
            Literal::Bool(true)
        } else if is("false") {
            Literal::Bool(false)
        } else if is("null") || is("none") {
            Literal::Null
        } else {
            number_with_unit(word).unwrap_or_else(|| Literal::Str(word.to_string()))
        })
    }
}

/// `200`, `2s`, `500ms`, `1.5m`, `95%`, `10MB`, `1KiB`.
pub fn number_with_unit(word: &str) -> Option<Literal> {
    let w = word.trim();
    let split = w
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '_'))
        .unwrap_or(w.len());
    let (num, unit) = w.split_at(split);
    let num: f64 = num.replace('_', "").parse().ok()?;
    let unit = unit.trim();
    let secs = |factor: f64| {
        let s = num * factor;
        (s.is_finite() && s >= 0.0).then(|| Literal::Duration(Duration::from_secs_f64(s)))
    };
    Some(match unit.to_ascii_lowercase().as_str() {
        "" => Literal::Number(num),
        "%" => Literal::Percent(num),
        "us" | "µs" => secs(1e-6)?,
        "ms" => secs(1e-3)?,
        "s" | "sec" | "secs" | "second" | "seconds" => secs(1.0)?,
        "m" | "min" | "mins" | "minute" | "minutes" => secs(60.0)?,
        "h" | "hr" | "hour" | "hours" => secs(3600.0)?,
        "d" | "day" | "days" => secs(86400.0)?,
        "b" => Literal::Bytes(num),
        "kb" => Literal::Bytes(num * 1e3),
        "mb" => Literal::Bytes(num * 1e6),
        "gb" => Literal::Bytes(num * 1e9),
        "kib" => Literal::Bytes(num * 1024.0),
        "mib" => Literal::Bytes(num * 1024.0 * 1024.0),
        "gib" => Literal::Bytes(num * 1024.0 * 1024.0 * 1024.0),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev() -> Evidence {
        let mut json = Evidence::new();
        json.insert("status".into(), "ok".into());
        json.insert("database".into(), "connected".into());
        json.insert(
            "items".into(),
            Value::List(vec![Value::Int(3), Value::from("x")]),
        );
        let mut header = Evidence::new();
        header.insert(
            "strict-transport-security".into(),
            "max-age=63072000".into(),
        );
        let mut e = Evidence::new();
        e.insert("status".into(), Value::Int(200));
        e.insert("time".into(), Value::Duration(Duration::from_millis(1500)));
        e.insert("json".into(), Value::Map(json));
        e.insert("header".into(), Value::Map(header));
        e.insert("body".into(), r#"{"status":"ok"}"#.into());
        e.insert("protocol".into(), "TLSv1.3".into());
        e.insert("grade".into(), "B+".into());
        e.insert("version".into(), "10.11.19".into());
        e
    }

    fn check(src: &str) -> bool {
        Expectation::parse(src)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .evaluate(&ev())
            .passed
    }

    #[test]
    fn evaluates() {
        for pass in [
            "status == 200",
            "status < 400",
            "status != 500",
            "json.database == \"connected\"",
            "json.database == connected",
            "json.status == 'ok'",
            "time < 2s",
            "time <= 1500ms",
            "time > 1000",
            "header.strict-transport-security exists",
            "header.Strict-Transport-Security contains max-age",
            "header.x-powered-by not exists",
            "body contains \"ok\"",
            "body matches \"^\\\\{\"",
            "json.items[0] == 3",
            "json.items contains x",
            "json.missing == null",
            "protocol >= TLSv1.2",
            "grade >= B",
            "grade < A-",
            "[STATUS] == 200",
            "[RESPONSE_TIME] < 2000",
            "[BODY].status == ok",
            "version >= 10.6",
            "version < 11",
        ] {
            assert!(check(pass), "{pass} should pass");
        }
        for fail in [
            "status == 201",
            "time < 1s",
            "json.database == disconnected",
            "json.missing exists",
            "json.missing == 1",
            "header.x-frame-options exists",
            "protocol >= TLSv1.4",
            "grade >= A",
            "version >= 10.12",
        ] {
            assert!(!check(fail), "{fail} should fail");
        }
    }

    #[test]
    fn explains_failures() {
        let v = Expectation::parse("time < 1s").unwrap().evaluate(&ev());
        assert_eq!(v.explain(), "expected time < 1s, got 1.5s");
        let v = Expectation::parse("json.nope == 1")
            .unwrap()
            .evaluate(&ev());
        assert_eq!(
            v.explain(),
            "expected json.nope == 1, but it was not measured"
        );
    }

    #[test]
    fn parse_errors_point_at_the_problem() {
        let e = Expectation::parse("status ~~ 200").unwrap_err();
        assert_eq!(e.offset, 7);
        let e = Expectation::parse("status ==").unwrap_err();
        assert_eq!(e.offset, 9);
        let e = Expectation::parse("").unwrap_err();
        assert_eq!(e.offset, 0);
        let e = Expectation::parse("body matches \"(\"").unwrap_err();
        assert_eq!(e.offset, 13);
        let e = Expectation::parse("[NOPE] == 1").unwrap_err();
        assert_eq!(e.offset, 0);
    }

    #[test]
    fn units() {
        assert_eq!(
            number_with_unit("2s"),
            Some(Literal::Duration(Duration::from_secs(2)))
        );
        assert_eq!(number_with_unit("95%"), Some(Literal::Percent(95.0)));
        assert_eq!(number_with_unit("1MB"), Some(Literal::Bytes(1e6)));
        assert_eq!(number_with_unit("abc"), None);
    }

    proptest::proptest! {
        #[test]
        fn bare_words_are_read_whole_in_any_script(
            key in "[a-z]{1,5}",
            value in "[a-zéü][a-zéü ]{0,6}[a-zéü]",
        ) {
            let e = Expectation::parse(&format!("json.{key} == {value}")).unwrap();
            if !["true", "false", "null", "none"].contains(&value.as_str()) {
                proptest::prop_assert_eq!(&e.operand, &Literal::Str(value.clone()));
            }
        }

        #[test]
        fn never_panics(src in "\\PC{0,40}") {
            if let Ok(e) = Expectation::parse(&src) {
                let _ = e.evaluate(&ev());
            }
        }
    }
}
