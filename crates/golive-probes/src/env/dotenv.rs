//! A dotenv reader that keeps line numbers, as the `env` probe reports
//! findings by line. It reads what the common loaders (dotenv for Node,
//! python-dotenv, dotenvy) accept: `export` prefixes, comments, single-,
//! double- and back-quoted values (double quotes with `\n`-style escapes),
//! values spanning lines inside quotes, and inline `# comments` after
//! unquoted values. Variables are not expanded: the probe judges the text
//! as written. A pure function over bytes that never panics, for fuzzing.

use std::fmt;

/// One variable, where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// 1-based line of the key.
    pub line: usize,
}

/// Why a file is not dotenv, and where (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for Error {}

/// Parses dotenv text. Invalid UTF-8 is read lossily (a value is judged,
/// not used), a byte-order mark is skipped.
pub fn parse(bytes: &[u8]) -> Result<Vec<Entry>, Error> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let chars: Vec<char> = text.chars().filter(|&c| c != '\r').collect();
    let mut p = Parser {
        chars: &chars,
        pos: 0,
        line: 1,
        col: 1,
    };
    let mut entries = Vec::new();
    loop {
        p.skip_blank_lines();
        if p.at_end() {
            return Ok(entries);
        }
        if p.peek() == Some('#') {
            p.skip_to_line_end();
            continue;
        }
        let line = p.line;
        let key = p.key()?;
        p.skip_spaces();
        match p.peek() {
            Some('=') => {
                p.bump();
            }
            _ => return Err(p.error(format!("expected `=` after `{key}`"))),
        }
        p.skip_spaces();
        let value = p.value()?;
        entries.push(Entry { key, value, line });
    }
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    line: usize,
    col: usize,
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn error(&self, message: String) -> Error {
        Error {
            line: self.line,
            column: self.col,
            message,
        }
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    fn skip_blank_lines(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n')) {
            self.bump();
        }
    }

    fn skip_to_line_end(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            self.bump();
        }
    }

    fn word(&mut self) -> String {
        let mut w = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                w.push(c);
                self.bump();
            } else {
                break;
            }
        }
        w
    }

    fn key(&mut self) -> Result<String, Error> {
        let start = (self.pos, self.line, self.col);
        let mut key = self.word();
        if key == "export" && matches!(self.peek(), Some(' ' | '\t')) {
            self.skip_spaces();
            key = self.word();
        }
        let valid = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !valid {
            let (_, line, col) = start;
            return Err(Error {
                line,
                column: col,
                message:
                    "expected a variable name (letters, digits and `_`, not starting with a digit)"
                        .into(),
            });
        }
        Ok(key)
    }

    /// What may follow a closing quote: spaces and a comment.
    fn end_of_value(&mut self) -> Result<(), Error> {
        self.skip_spaces();
        match self.peek() {
            None | Some('\n') => Ok(()),
            Some('#') => {
                self.skip_to_line_end();
                Ok(())
            }
            Some(_) => Err(self.error("unexpected text after the closing quote".into())),
        }
    }

    fn value(&mut self) -> Result<String, Error> {
        match self.peek() {
            Some(q @ ('\'' | '"' | '`')) => {
                let (line, col) = (self.line, self.col);
                self.bump();
                let mut v = String::new();
                loop {
                    let Some(c) = self.bump() else {
                        return Err(Error {
                            line,
                            column: col,
                            message: format!("the {q} quote opened here is never closed"),
                        });
                    };
                    if c == q {
                        break;
                    }
                    if c == '\\' && q == '"' {
                        match self.bump() {
                            Some('n') => v.push('\n'),
                            Some('r') => v.push('\r'),
                            Some('t') => v.push('\t'),
                            Some(other @ ('"' | '\\' | '$' | '\'')) => v.push(other),
                            Some(other) => {
                                v.push('\\');
                                v.push(other);
                            }
                            None => {
                                return Err(Error {
                                    line,
                                    column: col,
                                    message: "the \" quote opened here is never closed".into(),
                                });
                            }
                        }
                        continue;
                    }
                    v.push(c);
                }
                self.end_of_value()?;
                Ok(v)
            }
            _ => {
                let mut v = String::new();
                while let Some(c) = self.peek() {
                    if c == '\n' {
                        break;
                    }
                    // ` #` starts a comment; `#` inside a value does not.
                    if c == '#' && (v.is_empty() || v.ends_with([' ', '\t'])) {
                        self.skip_to_line_end();
                        break;
                    }
                    v.push(c);
                    self.bump();
                }
                Ok(v.trim_end().to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn get<'a>(e: &'a [Entry], k: &str) -> Option<(&'a str, usize)> {
        e.iter()
            .find(|x| x.key == k)
            .map(|x| (x.value.as_str(), x.line))
    }

    #[test]
    fn reads_what_loaders_read() {
        let text = "\u{feff}# comment\n\nexport A=1\nB = \"two words\" # note\nC='single $A # not a comment'\nD=\"multi\nline\\tescaped\"\nE=plain # comment\nF=with#hash\nG=\nH=`back`\r\nI.J-K=x\n";
        let e = parse(text.as_bytes()).unwrap();
        assert_eq!(get(&e, "A"), Some(("1", 3)));
        assert_eq!(get(&e, "B"), Some(("two words", 4)));
        assert_eq!(get(&e, "C"), Some(("single $A # not a comment", 5)));
        assert_eq!(get(&e, "D"), Some(("multi\nline\tescaped", 6)));
        assert_eq!(get(&e, "E"), Some(("plain", 8)));
        assert_eq!(get(&e, "F"), Some(("with#hash", 9)));
        assert_eq!(get(&e, "G"), Some(("", 10)));
        assert_eq!(get(&e, "H"), Some(("back", 11)));
        assert_eq!(get(&e, "I.J-K"), Some(("x", 12)));
    }

    #[test]
    fn errors_name_the_place() {
        let err = parse(b"OK=1\nBAD LINE=x\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 5));
        let err = parse(b"A=1\nB=\"open\nC=2\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 3));
        assert!(err.message.contains("never closed"));
        let err = parse(b"A='x' y\n").unwrap_err();
        assert_eq!(err.line, 1);
        let err = parse(b"1A=x\n").unwrap_err();
        assert!(err.message.contains("variable name"));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn double_quoted_values_round_trip(
            pairs in proptest::collection::vec(("[A-Z_][A-Z0-9_]{0,12}", "[ -~\n\t]{0,40}"), 1..8)
        ) {
            let mut text = String::new();
            for (k, v) in &pairs {
                let escaped = v
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n")
                    .replace('\t', "\\t");
                text.push_str(&format!("{k}=\"{escaped}\"\n"));
            }
            let parsed = parse(text.as_bytes()).unwrap();
            prop_assert_eq!(parsed.len(), pairs.len());
            for (i, ((k, v), e)) in pairs.iter().zip(&parsed).enumerate() {
                prop_assert_eq!(&e.key, k);
                prop_assert_eq!(&e.value, v);
                prop_assert_eq!(e.line, i + 1);
            }
        }
    }
}
