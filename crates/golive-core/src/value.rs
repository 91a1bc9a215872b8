//! Evidence: what a probe measured, as a tree of values that expectations
//! are evaluated against and reports print.

use std::fmt;
use std::time::Duration;

use indexmap::IndexMap;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A measured value. Durations are kept apart from plain numbers so that
/// `time < 2s` compares like with like; in JSON they are milliseconds.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Duration(Duration),
    List(Vec<Value>),
    Map(Evidence),
}

/// Named values in the order the probe recorded them.
pub type Evidence = IndexMap<String, Value>;

impl Value {
    /// The value at a path (`json.items[0].id`, `header.content-type`).
    pub fn get_path<'a>(map: &'a Evidence, path: &[PathSegment]) -> Option<&'a Value> {
        let (first, rest) = path.split_first()?;
        let mut cur = match first {
            PathSegment::Key(k) => lookup(map, k)?,
            PathSegment::Index(_) => return None,
        };
        for seg in rest {
            cur = match (seg, cur) {
                (PathSegment::Key(k), Value::Map(m)) => lookup(m, k)?,
                (PathSegment::Index(i), Value::List(l)) => l.get(*i)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Int(i) => Some(*i as f64),
            Self::Float(f) => Some(*f),
            Self::Duration(d) => Some(d.as_secs_f64() * 1000.0),
            Self::Str(s) => s.trim().parse().ok(),
            Self::Bool(_) | Self::Null | Self::List(_) | Self::Map(_) => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn from_json(v: &serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Self::Null,
            serde_json::Value::Bool(b) => Self::Bool(*b),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map_or_else(|| Self::Float(n.as_f64().unwrap_or(f64::NAN)), Self::Int),
            serde_json::Value::String(s) => Self::Str(s.clone()),
            serde_json::Value::Array(a) => Self::List(a.iter().map(Self::from_json).collect()),
            serde_json::Value::Object(o) => Self::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Self::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// A short rendering for one-line reports: long strings and big trees are cut.
    pub fn short(&self, max: usize) -> String {
        let s = self.to_string();
        if s.chars().count() <= max {
            s
        } else {
            let cut: String = s.chars().take(max.saturating_sub(1)).collect();
            format!("{cut}…")
        }
    }

    /// Applies `f` to every string in the tree (used by redaction).
    pub fn map_strings(&mut self, f: &impl Fn(&str) -> Option<String>) {
        match self {
            Self::Str(s) => {
                if let Some(new) = f(s) {
                    *s = new;
                }
            }
            Self::List(l) => l.iter_mut().for_each(|v| v.map_strings(f)),
            Self::Map(m) => m.values_mut().for_each(|v| v.map_strings(f)),
            _ => {}
        }
    }
}

/// Header names are case-insensitive, and so are evidence keys looked up
/// from expectations; an exact match is tried first.
fn lookup<'a>(map: &'a Evidence, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// One step of a path into evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(x) => write!(f, "{}", trim_float(*x)),
            Self::Str(s) => write!(f, "{s:?}"),
            Self::Duration(d) => f.write_str(&format_duration(*d)),
            Self::List(l) => {
                f.write_str("[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Self::Map(m) => {
                f.write_str("{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

fn trim_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Durations as people read them: `850ms`, `1.25s`, `3m10s`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{}µs", d.as_micros())
    } else if ms < 1000.0 {
        format!("{}ms", trim_float((ms * 10.0).round() / 10.0))
    } else if ms < 60_000.0 {
        format!("{}s", trim_float((ms / 10.0).round() / 100.0))
    } else {
        let secs = d.as_secs();
        format!("{}m{}s", secs / 60, secs % 60)
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => s.serialize_unit(),
            Self::Bool(b) => s.serialize_bool(*b),
            Self::Int(i) => s.serialize_i64(*i),
            Self::Float(x) => s.serialize_f64(*x),
            Self::Str(v) => s.serialize_str(v),
            Self::Duration(d) => s.serialize_f64((d.as_secs_f64() * 1_000_000.0).round() / 1000.0),
            Self::List(l) => {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for v in l {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Self::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::Str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Self::Int(i)
    }
}
impl From<u16> for Value {
    fn from(i: u16) -> Self {
        Self::Int(i64::from(i))
    }
}
impl From<u32> for Value {
    fn from(i: u32) -> Self {
        Self::Int(i64::from(i))
    }
}
impl From<usize> for Value {
    fn from(i: usize) -> Self {
        Self::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}
impl From<u64> for Value {
    fn from(i: u64) -> Self {
        Self::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Self::Float(x)
    }
}
impl From<Duration> for Value {
    fn from(d: Duration) -> Self {
        Self::Duration(d)
    }
}
impl From<Evidence> for Value {
    fn from(m: Evidence) -> Self {
        Self::Map(m)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Self::Null, Into::into)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Self::List(v.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(format_duration(Duration::from_millis(850)), "850ms");
        assert_eq!(format_duration(Duration::from_millis(1250)), "1.25s");
        assert_eq!(format_duration(Duration::from_secs(190)), "3m10s");
        assert_eq!(format_duration(Duration::from_micros(12_345)), "12.3ms");
    }

    #[test]
    fn paths_are_case_insensitive_for_keys() {
        let mut headers = Evidence::new();
        headers.insert("Content-Type".into(), "text/html".into());
        let mut ev = Evidence::new();
        ev.insert("header".into(), Value::Map(headers));
        let path = [
            PathSegment::Key("header".into()),
            PathSegment::Key("content-type".into()),
        ];
        assert_eq!(Value::get_path(&ev, &path), Some(&Value::from("text/html")));
    }

    #[test]
    fn json_serialisation_uses_milliseconds() {
        let v = Value::Duration(Duration::from_micros(1500));
        assert_eq!(serde_json::to_string(&v).unwrap(), "1.5");
    }
}
