//! What an item's words, the blocks under it and its surroundings contain
//! that a probe could use: URLs, `curl` calls, paths, ports, file names,
//! variable names, and the topic words of its parent item and section.

use std::sync::LazyLock;

use golive_checklist::{BlockKind, Checklist, Item};
use golive_core::Threshold;
use regex::Regex;

use crate::words::{Scan, WordSet, Words};

static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?:https?|wss?)://[^\s"'`<>)\]]+"#).expect("static regex"));
static PATH: LazyLock<Regex> = LazyLock::new(|| {
    // `/health`, `/api/v1/health?x=1`, and the root alone when set apart: `(/)`, `` `/` ``.
    Regex::new(
        r"(?:^|[\s`(])(/[a-zA-Z0-9_.~-]+(?:/[a-zA-Z0-9_.~{}:-]+)*/?(?:\?[^\s`)]*)?|/(?:[)`]))",
    )
    .expect("static regex")
});
static PORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bports?\s+(\d{2,5})\b").expect("static regex"));
static ENV_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b").expect("static regex"));
static FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:\./)?(?:[\w.-]+/)*\.?[\w-]*(?:\.[\w-]+)*\.(?:md|ya?ml|json|toml|env|example|conf|cfg|ini|sh|ps1|js|mjs|ts|py|rb|go|rs|txt|lock|sql|tf|tfvars|dockerfile|xml|properties|prisma|gitignore|dockerignore|production|staging|local)$|^\.(?:env|gitignore|dockerignore|npmrc|nvmrc)[\w.-]*$|^Dockerfile$|^Makefile$")
        .expect("static regex")
});
static SQL: LazyLock<Regex> = LazyLock::new(|| {
    // A SELECT in a code block, bare or inside `psql -c "..."`. Its length
    // is bounded where it is used: bounded repeats of a Unicode class
    // compile into a regex twenty times the size (5 ms at every start).
    Regex::new(r#"(?is)\b(select\s+([^;"`]{3,}?)\bfrom\b([^;"`]+))"#).expect("static regex")
});

/// A `curl` call read from a code block or inline code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curl {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub data: Option<String>,
    /// `-f`/`--fail`: a status of 400 or more is a failure.
    pub fail: bool,
    pub follow: bool,
    pub insecure: bool,
}

/// Between a section's parent's path and its title. No vocabulary word
/// holds it (build.rs checks), so none spans it: the joined path's words
/// are the parent's and then the title's.
const SECTION_SEPARATOR: &str = " / ";

/// What is read once per checklist: every item's and section's words in
/// lower case (for context), and what the document says about its stack.
pub struct Doc {
    pub item_lower: Vec<String>,
    /// Each section's path, headings joined, lower case.
    pub section_lower: Vec<String>,
    /// The rules' words in each item's and each section's text, read once
    /// for every rule that asks.
    item_scans: Vec<Scan>,
    section_scans: Vec<Scan>,
    /// The thresholds each item's words state. They are read for every
    /// item in one pass, not item by item among the other facts: reading
    /// them runs a dozen patterns, whose automata then stay in the CPU's
    /// caches from one item to the next.
    pub thresholds: Vec<Vec<Threshold>>,
    /// The database the document talks about: "mysql" or "postgres".
    pub database: &'static str,
    pub mentions_prisma: bool,
}

impl Doc {
    pub fn of(checklist: &Checklist) -> Self {
        let item_lower: Vec<String> = checklist
            .items
            .iter()
            .map(|i| i.plain.to_lowercase())
            .collect();
        let mut section_lower: Vec<String> = Vec::with_capacity(checklist.sections.len());
        let mut section_scans: Vec<Scan> = Vec::with_capacity(checklist.sections.len());
        for (i, s) in checklist.sections.iter().enumerate() {
            let own = s.title.to_lowercase();
            // A section's path is its parent's, then its own title: only the
            // title is read, and its words follow the parent's.
            let own_scan = Scan::of(&own);
            let (joined, scan) = match s.parent {
                Some(p) if p < i => {
                    let parent = &section_lower[p];
                    let offset = parent.len() + SECTION_SEPARATOR.len();
                    (
                        cat!(parent, SECTION_SEPARATOR, own),
                        section_scans[p].followed_by(&own_scan, offset),
                    )
                }
                _ => (own, own_scan),
            };
            section_lower.push(joined);
            section_scans.push(scan);
        }
        let item_scans: Vec<Scan> = item_lower.iter().map(|t| Scan::of(t)).collect();
        // How many texts name each database (or Prisma), from the scans.
        let groups = [
            crate::words!["mysql", "mysql2", "mariadb"],
            crate::words!["postgres", "postgresql", "psql", "pg", "rds", "cloud sql"],
            crate::words!["prisma"],
        ];
        let mut counts = [0usize; 3];
        for scan in item_scans.iter().chain(&section_scans) {
            for (count, words) in counts.iter_mut().zip(groups) {
                *count += usize::from(words.may_be_in(&scan.set));
            }
        }
        let [mysql, postgres, prisma] = counts;
        let thresholds = checklist
            .items
            .iter()
            .zip(&item_lower)
            .zip(&item_scans)
            .map(|((item, lower), scan)| {
                // Every threshold has a number but a grade ("Grade A or
                // A+"): most items have neither, and need no reading.
                if item.plain.bytes().any(|b| b.is_ascii_digit())
                    || crate::words!["grade", "rating"]
                        .find_in(lower, scan)
                        .is_some()
                {
                    crate::thresholds::extract(&item.plain)
                } else {
                    Vec::new()
                }
            })
            .collect();
        let code_mentions_prisma = checklist
            .items
            .iter()
            .flat_map(|i| &i.blocks)
            .any(|b| mentions(&b.content, "prisma"));
        Self {
            database: if mysql > postgres {
                "mysql"
            } else {
                "postgres"
            },
            mentions_prisma: code_mentions_prisma || prisma > 0,
            thresholds,
            item_scans,
            section_scans,
            item_lower,
            section_lower,
        }
    }
}

/// Where a topic word was found, from the most to the least telling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Item,
    Code,
    Parent,
    Section,
}

impl Place {
    /// How much a match here weighs against one in the item itself.
    pub fn penalty(self) -> u8 {
        match self {
            Self::Item => 0,
            Self::Code => 5,
            Self::Parent => 12,
            Self::Section => 20,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Item => "",
            Self::Code => " (in the code under it)",
            Self::Parent => " (from its parent item)",
            Self::Section => " (from its section)",
        }
    }
}

pub struct Facts<'a> {
    pub item: &'a Item,
    pub checklist: &'a Checklist,
    pub doc: &'a Doc,
    /// Plain text, lower case.
    pub lower: &'a str,
    /// The parent item's plain text, lower case.
    pub parent: &'a str,
    /// The section path, lower case.
    pub section: &'a str,
    /// Code under the item and in its inline code, lower case.
    pub code_lower: String,
    scans: [&'a Scan; 3],
    code_scan: Scan,
    /// The rules' words found in any of the item's texts.
    any_words: WordSet,
    pub urls: Vec<String>,
    pub curls: Vec<Curl>,
    pub paths: Vec<String>,
    pub ports: Vec<u16>,
    pub files: Vec<String>,
    pub env_names: Vec<String>,
    /// Code in blocks under the item.
    pub code: Vec<&'a str>,
    /// SELECT queries shown under the item.
    pub queries: Vec<String>,
    /// Fields of an expected JSON response shown under the item whose
    /// values say "healthy" (`"database": "connected"`).
    pub expected_json: Vec<(String, String)>,
    pub thresholds: &'a [Threshold],
    pub has_children: bool,
}

/// A query the SQL pattern found, held to at most 400 characters between
/// SELECT and FROM (else it is not taken) and 400 after FROM (the rest is
/// cut off).
fn bounded_query(m: &regex::Captures<'_>) -> Option<String> {
    const MOST: usize = 400;
    let (whole, columns, tail) = (m.get(1)?, m.get(2)?, m.get(3)?);
    if columns.as_str().chars().count() > MOST {
        return None;
    }
    let end = tail
        .as_str()
        .char_indices()
        .nth(MOST)
        .map_or(tail.end(), |(i, _)| tail.start() + i);
    let q = &whole.as_str()[..end - whole.start()];
    Some(q.trim().trim_end_matches(['\\', ';']).trim().to_string())
}

/// Whether the path pattern could match: it needs a `/` at the start, or
/// after white space, a backquote or an opening parenthesis. Slashes
/// inside words ("and/or", "CI/CD", "24/7") are common in items, and a
/// regex search costs far more than this look.
fn may_have_path(text: &str) -> bool {
    memchr::memchr_iter(b'/', text.as_bytes()).any(|i| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || c == '`' || c == '(')
    })
}

/// The extensions of [`FILE`]'s first alternative, in lower case.
const FILE_EXTENSIONS: &[&str] = &[
    "md",
    "yml",
    "yaml",
    "json",
    "toml",
    "env",
    "example",
    "conf",
    "cfg",
    "ini",
    "sh",
    "ps1",
    "js",
    "mjs",
    "ts",
    "py",
    "rb",
    "go",
    "rs",
    "txt",
    "lock",
    "sql",
    "tf",
    "tfvars",
    "dockerfile",
    "xml",
    "properties",
    "prisma",
    "gitignore",
    "dockerignore",
    "production",
    "staging",
    "local",
];

/// Whether the file-name pattern could match a word: it ends in one of
/// the extensions, or starts with a dot (`.env`, `.gitignore`), or is a
/// Dockerfile or a Makefile. "e.g." and "etc." are neither, and are not
/// run through the pattern.
fn may_be_file_name(w: &str) -> bool {
    if w == "Dockerfile" || w == "Makefile" || w.starts_with('.') {
        return true;
    }
    match w.rsplit_once('.') {
        // The pattern folds case by Unicode's rules ("ſ" is an "s"): a
        // non-ASCII extension is left to it.
        Some((_, ext)) => {
            !ext.is_ascii() || FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
        }
        None => false,
    }
}

/// Whether the variable-name pattern could match: it needs an underscore
/// between capital letters or digits (`DATABASE_URL`).
fn may_have_env_name(text: &str) -> bool {
    let upper = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'_', bytes)
        .any(|at| at > 0 && upper(bytes.get(at - 1)) && upper(bytes.get(at + 1)))
}

/// `text.contains(needle)` for an item's texts: the needle's first byte is
/// found with `memchr`, and the rest compared there. `str`'s Two-Way
/// searcher costs more to set up than these short searches, and a plain
/// byte loop was a tenth of reading an item's facts.
fn mentions(text: &str, needle: &str) -> bool {
    let (h, n) = (text.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return true;
    };
    memchr::memchr_iter(first, h).any(|at| h[at + 1..].starts_with(rest))
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

impl<'a> Facts<'a> {
    pub fn of(checklist: &'a Checklist, doc: &'a Doc, index: usize) -> Self {
        let item = &checklist.items[index];
        let lower = doc.item_lower[index].as_str();
        let parent = item.parent.map_or("", |p| doc.item_lower[p].as_str());
        let section = item.section.map_or("", |s| doc.section_lower[s].as_str());
        static EMPTY: Scan = Scan::EMPTY;
        let scans = [
            &doc.item_scans[index],
            item.parent.map_or(&EMPTY, |p| &doc.item_scans[p]),
            item.section.map_or(&EMPTY, |s| &doc.section_scans[s]),
        ];
        let code: Vec<&str> = item
            .blocks
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::Code { .. }))
            .map(|b| b.content.as_str())
            .collect();
        let mut code_lower = String::new();
        for c in code
            .iter()
            .copied()
            .chain(item.code_spans.iter().map(String::as_str))
        {
            // ASCII code is lowered in place, with no string of its own.
            if c.is_ascii() {
                let start = code_lower.len();
                code_lower.push_str(c);
                code_lower[start..].make_ascii_lowercase();
            } else {
                code_lower.push_str(&c.to_lowercase());
            }
            code_lower.push('\n');
        }
        let code_scan = Scan::of(&code_lower);
        let mut curls = Vec::new();
        for source in code
            .iter()
            .copied()
            .chain(item.code_spans.iter().map(String::as_str))
        {
            if mentions(source, "curl") {
                curls.extend(parse_curls(source));
            }
        }
        let mut urls: Vec<String> = Vec::new();
        for source in std::iter::once(item.text.as_str())
            .chain(item.code_spans.iter().map(String::as_str))
            .chain(code.iter().copied())
            .filter(|s| mentions(s, "://"))
        {
            for m in URL.find_iter(source) {
                push_unique(
                    &mut urls,
                    m.as_str()
                        .trim_end_matches(['.', ',', ';', ':'])
                        .to_string(),
                );
            }
        }
        let mut paths = Vec::new();
        for source in std::iter::once(item.plain.as_str())
            .chain(item.code_spans.iter().map(String::as_str))
            .filter(|s| may_have_path(s))
        {
            for c in PATH.captures_iter(source) {
                let p = c[1].trim_end_matches([')', '`']).to_string();
                // File system paths are not URL paths.
                if [
                    "/etc/", "/var/", "/usr/", "/home/", "/tmp/", "/opt/", "/backups",
                ]
                .iter()
                .any(|f| p.starts_with(f))
                {
                    continue;
                }
                push_unique(&mut paths, p);
            }
        }
        // "support" and "report" have no port: the word itself must stand.
        let ports = if crate::words!["port", "ports"]
            .find_in(lower, scans[0])
            .is_some()
        {
            PORT.captures_iter(&item.plain)
                .filter_map(|c| c[1].parse().ok())
                .collect()
        } else {
            Vec::new()
        };
        let mut files = Vec::new();
        // A file name has a dot, or is a Dockerfile or a Makefile.
        let may_name_files = |t: &str| t.contains('.') || mentions(t, "file");
        let file_words = item.code_spans.iter().map(String::as_str).chain(
            item.plain
                .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';')),
        );
        let file_words = (may_name_files(&item.plain)
            || item.code_spans.iter().any(|c| may_name_files(c)))
        .then_some(file_words)
        .into_iter()
        .flatten();
        for w in file_words {
            let w = w.trim_matches(|c| c == '`' || c == '\'' || c == '"');
            if may_be_file_name(w) && !mentions(w, "://") && !w.starts_with('/') && FILE.is_match(w)
            {
                push_unique(&mut files, w.to_string());
            }
        }
        let mut env_names = Vec::new();
        if may_have_env_name(&item.plain) {
            for c in ENV_NAME.captures_iter(&item.plain) {
                // `PROJECT_SUMMARY.md` is a file, not a variable.
                if files.iter().any(|f| f.contains(&c[1])) {
                    continue;
                }
                push_unique(&mut env_names, c[1].to_string());
            }
        }
        let mut queries = Vec::new();
        for c in code
            .iter()
            .copied()
            .chain(item.code_spans.iter().map(String::as_str))
        {
            let bytes = c.as_bytes();
            if memchr::memchr2_iter(b's', b'S', bytes).any(|at| {
                bytes
                    .get(at..at + 6)
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"select"))
            }) {
                for m in SQL.captures_iter(c) {
                    if let Some(q) = bounded_query(&m) {
                        push_unique(&mut queries, q);
                    }
                }
            }
        }
        let mut expected_json = Vec::new();
        for c in &code {
            if c.contains('{') {
                for kv in healthy_fields(c) {
                    if !expected_json.contains(&kv) {
                        expected_json.push(kv);
                    }
                }
            }
        }
        Self {
            item,
            checklist,
            doc,
            lower,
            parent,
            section,
            any_words: scans
                .iter()
                .fold(code_scan.set, |set, scan| set.union(&scan.set)),
            code_scan,
            code_lower,
            scans,
            urls,
            curls,
            paths,
            ports,
            files,
            env_names,
            code,
            queries,
            expected_json,
            thresholds: &doc.thresholds[index],
            has_children: !item.children.is_empty(),
        }
    }

    /// The rules' words found in any of the item's texts.
    pub fn words(&self) -> &WordSet {
        &self.any_words
    }

    /// The first word of the list in the item's own text.
    pub fn has(&self, words: &Words) -> Option<&'static str> {
        self.within(words, Place::Item)
    }

    /// The first word of the list in one of the item's texts.
    pub fn within(&self, words: &Words, place: Place) -> Option<&'static str> {
        match place {
            Place::Item => words.find_in(self.lower, self.scans[0]),
            Place::Code => words.find_in(&self.code_lower, &self.code_scan),
            Place::Parent => words.find_in(self.parent, self.scans[1]),
            Place::Section => words.find_in(self.section, self.scans[2]),
        }
    }

    /// The first word of the list in the item, the code under it, its parent
    /// item or its section, and where it was found.
    pub fn topic(&self, words: &Words) -> Option<(&'static str, Place)> {
        if !words.may_be_in(&self.any_words) {
            return None;
        }
        [Place::Item, Place::Code, Place::Parent, Place::Section]
            .into_iter()
            .find_map(|place| self.within(words, place).map(|w| (w, place)))
    }

    /// Whether the item's own text says little of itself ("Login",
    /// "**Auth Service**", "Generate if needed"): its context then decides.
    pub fn terse(&self) -> bool {
        fewer_words_than(self.lower, 4)
    }

    /// The thresholds on one metric.
    pub fn thresholds_on(&self, fields: &[&str]) -> Vec<golive_core::Expectation> {
        self.thresholds
            .iter()
            .filter(|t| fields.contains(&t.expect.field()))
            .map(|t| t.expect.clone())
            .collect()
    }
}

/// Whether `text` has fewer than `n` words separated by white space, as
/// `split_whitespace` counts them. Rules ask this of most items; on ASCII
/// text it is counted over bytes, without decoding characters.
fn fewer_words_than(text: &str, n: usize) -> bool {
    if !text.is_ascii() {
        return text.split_whitespace().nth(n - 1).is_none();
    }
    // `char::is_whitespace` on ASCII: `u8::is_ascii_whitespace` and the
    // vertical tab.
    let space = |b: u8| b.is_ascii_whitespace() || b == 0x0b;
    let mut words = 0;
    let mut in_word = false;
    for &b in text.as_bytes() {
        if space(b) {
            in_word = false;
        } else if !in_word {
            in_word = true;
            words += 1;
            if words == n {
                return false;
            }
        }
    }
    true
}

/// Values that say a component is healthy; a field with one of these in an
/// expected response is worth asserting. Timestamps and counts are not.
const HEALTHY: &[&str] = &[
    "ok",
    "up",
    "healthy",
    "connected",
    "pass",
    "passing",
    "ready",
    "alive",
    "available",
    "green",
    "running",
];

fn healthy_fields(code: &str) -> Vec<(String, String)> {
    let Some(start) = code.find('{') else {
        return Vec::new();
    };
    // The JSON object runs to its matching brace.
    let mut depth = 0usize;
    let mut end = None;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in code[start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    end = Some(start + i + 1);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(end) = end else { return Vec::new() };
    let Ok(serde_json::Value::Object(map)) =
        serde_json::from_str::<serde_json::Value>(&code[start..end])
    else {
        return Vec::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) if HEALTHY.contains(&s.to_ascii_lowercase().as_str()) => {
                Some((k, s))
            }
            serde_json::Value::Bool(true) => Some((k, "true".to_string())),
            _ => None,
        })
        .collect()
}

/// Splits shell text into words, honouring quotes and line continuations.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut has = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(&n) = chars.peek() {
                    cur.push(n);
                    chars.next();
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                has = true;
            }
            (None, '\\') => {
                if let Some(&n) = chars.peek() {
                    if n != '\n' {
                        cur.push(n);
                        has = true;
                    }
                    chars.next();
                }
            }
            (None, c) if c.is_whitespace() => {
                if has || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            (None, '#') if cur.is_empty() && !has => break,
            (None, c) => cur.push(c),
        }
    }
    if has || !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// `curl` calls in shell text (continued lines joined).
pub fn parse_curls(source: &str) -> Vec<Curl> {
    let joined = source.replace("\\\r\n", " ").replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        for segment in line.split(['|', ';']).flat_map(|s| s.split("&&")) {
            let words = shell_words(segment);
            let Some(start) = words.iter().position(|w| w == "curl") else {
                continue;
            };
            let mut curl = Curl {
                method: String::new(),
                url: String::new(),
                headers: Vec::new(),
                data: None,
                fail: false,
                follow: false,
                insecure: false,
            };
            let mut i = start + 1;
            while i < words.len() {
                let w = &words[i];
                let next = words.get(i + 1).cloned();
                match w.as_str() {
                    "-X" | "--request" => {
                        curl.method = next.unwrap_or_default().to_ascii_uppercase();
                        i += 1;
                    }
                    "-H" | "--header" => {
                        if let Some((k, v)) = next.as_deref().and_then(|h| h.split_once(':')) {
                            curl.headers
                                .push((k.trim().to_string(), v.trim().to_string()));
                        }
                        i += 1;
                    }
                    "-d" | "--data" | "--data-raw" | "--data-binary" | "--json" => {
                        curl.data = next;
                        i += 1;
                    }
                    "-o" | "--output" | "-w" | "--write-out" | "-u" | "--user" | "-m"
                    | "--max-time" | "--connect-timeout" | "-A" | "--user-agent" | "-e"
                    | "--cacert" => i += 1,
                    "-f" | "--fail" => curl.fail = true,
                    "-L" | "--location" => curl.follow = true,
                    "-k" | "--insecure" => curl.insecure = true,
                    s if (s.starts_with("http://")
                        || s.starts_with("https://")
                        || s.starts_with("${")
                        || s.starts_with('$'))
                        && curl.url.is_empty() =>
                    {
                        curl.url = s.to_string();
                    }
                    s if s.starts_with('-') && !s.starts_with("--") && s.len() > 1 => {
                        curl.fail |= s.contains('f');
                        curl.follow |= s.contains('L');
                        curl.insecure |= s.contains('k');
                    }
                    _ => {}
                }
                i += 1;
            }
            if curl.method.is_empty() {
                curl.method = if curl.data.is_some() {
                    "POST".into()
                } else {
                    "GET".into()
                };
            }
            if !curl.url.is_empty() {
                out.push(curl);
            }
        }
    }
    out
}

/// Hosts that stand for "the deployment" in a checklist, not a real name.
pub fn is_placeholder_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    h == "localhost"
        || h.starts_with("127.")
        || h == "0.0.0.0"
        || h == "[::1]"
        || h.contains("yourdomain")
        || h.contains("your-")
        || h.contains("your_")
        || h.contains("example.")
        || h.ends_with(".example")
        || h.contains("xxx")
        || h.contains('<')
        || h.contains('$')
        || h.contains('{')
        || h == "server-ip"
        || h.ends_with(".local")
}

/// Whether a placeholder host means "on the server itself" (a port there
/// is usually not reachable from outside).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    h == "localhost" || h.starts_with("127.") || h == "0.0.0.0" || h == "[::1]"
}

/// A URL's host, port and path (`https://h:8443/p?q` → (h, Some(8443), /p?q)).
pub fn split_url(url: &str) -> Option<(String, Option<u16>, String)> {
    let rest = url.split_once("://")?.1;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => match p.parse() {
            Ok(port) => (h.to_string(), Some(port)),
            Err(_) => (authority.to_string(), None),
        },
        _ => (authority.to_string(), None),
    };
    Some((host, port, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curls() {
        let c = parse_curls(
            "curl -f http://localhost:3001/health\ncurl -X POST https://api.yourdomain.com/api/v1/auth/login \\\n  -H \"Content-Type: application/json\" \\\n  -d '{\"a\":1}'",
        );
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].method.as_str(), c[0].url.as_str(), c[0].fail),
            ("GET", "http://localhost:3001/health", true)
        );
        assert_eq!(c[1].method, "POST");
        assert_eq!(
            c[1].headers,
            vec![("Content-Type".to_string(), "application/json".to_string())]
        );
        assert_eq!(c[1].data.as_deref(), Some("{\"a\":1}"));
        let c = parse_curls("ALB=$(x)\ncurl http://${ALB_URL}/health # comment");
        assert_eq!(c[0].url, "http://${ALB_URL}/health");
        assert!(parse_curls("docker-compose exec redis redis-cli PING").is_empty());
    }

    #[test]
    fn expected_json_fields() {
        let f = healthy_fields(
            "# Expected Response:\n{\n  \"status\": \"ok\",\n  \"timestamp\": \"2025-10-22T18:00:00.000Z\",\n  \"database\": \"connected\",\n  \"count\": 3\n}",
        );
        assert_eq!(
            f,
            vec![
                ("status".to_string(), "ok".to_string()),
                ("database".to_string(), "connected".to_string())
            ]
        );
        assert!(healthy_fields("no json").is_empty());
        assert!(healthy_fields("{ broken").is_empty());
        assert!(healthy_fields("}}{").is_empty());
    }

    proptest::proptest! {
        #[test]
        fn counts_words_as_split_whitespace_does(
            text in "[a-z \t\n\r\x0b\x0c\u{a0}\u{2003}é.-]{0,24}",
            n in 1usize..6,
        ) {
            proptest::prop_assert_eq!(
                fewer_words_than(&text, n),
                text.split_whitespace().nth(n - 1).is_none()
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn mentions_is_contains(text in "[a-c:/ ]{0,12}", needle in "[a-c:/]{0,3}") {
            proptest::prop_assert_eq!(mentions(&text, &needle), text.contains(needle.as_str()));
        }

        // Each quick look must say yes wherever its pattern matches.
        #[test]
        fn quick_looks_never_miss_a_match(
            text in "[a-zA-Z0-9_ /.`(\u{a0}ſé-]{0,16}(Dockerfile|Makefile|\\.env|\\.md|\\.ſh|/health|API_KEY)?[a-zA-Z0-9_ /.`(-]{0,8}",
        ) {
            if PATH.is_match(&text) {
                proptest::prop_assert!(may_have_path(&text));
            }
            if ENV_NAME.is_match(&text) {
                proptest::prop_assert!(may_have_env_name(&text));
            }
            for w in text.split(char::is_whitespace) {
                if FILE.is_match(w) && (w.contains('.') || w == "Dockerfile" || w == "Makefile") {
                    proptest::prop_assert!(may_be_file_name(w), "{w}");
                }
            }
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            split_url("https://h:8443/p?q"),
            Some(("h".into(), Some(8443), "/p?q".into()))
        );
        assert_eq!(
            split_url("http://localhost"),
            Some(("localhost".into(), None, "/".into()))
        );
        assert!(is_placeholder_host("api.yourdomain.com"));
        assert!(is_placeholder_host("prod-db.xxx.rds.amazonaws.com"));
        assert!(!is_placeholder_host("api.acme.io"));
    }

    #[test]
    fn queries_in_code() {
        let sql = "psql $(terraform output -raw database_url) -c \\\n  \"SELECT count(*) FROM pg_indexes WHERE schemaname = 'public';\"";
        let queries = |code: &str| -> Vec<String> {
            SQL.captures_iter(code)
                .filter_map(|c| bounded_query(&c))
                .collect()
        };
        assert_eq!(
            queries(sql),
            vec!["SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'".to_string()]
        );
        // At most 400 characters between SELECT and FROM (its white space
        // counts), and after FROM.
        let columns = "é".repeat(399);
        assert_eq!(
            queries(&format!("select {columns} from t")),
            vec![format!("select {columns} from t")]
        );
        assert!(queries(&format!("select é{columns} from t")).is_empty());
        let tail = "x".repeat(500);
        assert_eq!(
            queries(&format!("select id from {tail}")),
            vec![format!("select id from{}", &format!(" {tail}")[..400])]
        );
    }
}
