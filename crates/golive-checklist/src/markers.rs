//! The words and marks by which checklist authors say how much an item
//! matters, how far a section is, and who must sign.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Declared, Priority};

static LEADING_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    // `**CRITICAL:**`, `**HIGH**:`, `CRITICAL:`, `[CRITICAL]`, `P0:` at the start.
    Regex::new(
        r"(?ix)^\s*(?:\*\*|__)?\[?\s*
        (critical|blocker|high|medium|low|required|mandatory|must|optional|recommended|nice\s+to\s+have|p[0-3])
        \s*\]?\s*(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:?|:|\]|\s+-\s)",
    )
    .expect("static regex")
});

static DECLARED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\(\s*(\d{1,5})\s*/\s*(\d{1,5})\s*(?:complete[d]?|done|finished)?\s*(?:[-–—:,]\s*([^)]*?))?\s*\)")
        .expect("static regex")
});

static PRIORITY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:\*\*|__)?priority\s*:?\s*(?:\*\*|__)?\s*:?\s*(?:\*\*|__)?\s*([a-z0-9]+)",
    )
    .expect("static regex")
});

fn priority_word(word: &str) -> Option<Priority> {
    // Most groups ("(HTTP)", "(30 seconds)") open with no priority word:
    // their first word tells so without building the normalised copy.
    let first = word.split_whitespace().next().unwrap_or("");
    let opens = |p: &str| {
        first
            .get(..p.len())
            .is_some_and(|f| f.eq_ignore_ascii_case(p))
    };
    let possible = [
        "critical",
        "blocker",
        "p0",
        "must",
        "high",
        "p1",
        "required",
        "mandatory",
        "medium",
        "low",
        "p2",
        "p3",
        "recommended",
        "optional",
        "nice",
        "if",
        "when",
    ]
    .iter()
    .any(|w| first.eq_ignore_ascii_case(w))
        || ["optional", "recommended", "required", "critical"]
            .iter()
            .any(|p| opens(p));
    if !possible {
        return None;
    }
    let w = word.to_ascii_lowercase();
    let w = w.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(match w.as_str() {
        "critical" | "blocker" | "p0" | "must" => Priority::Critical,
        "high" | "p1" => Priority::High,
        "required" | "mandatory" => Priority::Required,
        "medium" | "low" | "p2" | "p3" => Priority::Normal,
        "recommended" => Priority::Recommended,
        "optional" | "nice to have" => Priority::Optional,
        _ if w.starts_with("optional") => Priority::Optional,
        _ if w.starts_with("recommended") => Priority::Recommended,
        _ if w.starts_with("required") => Priority::Required,
        _ if w.starts_with("critical") => Priority::Critical,
        _ if w.starts_with("if ") || w.starts_with("when ") => Priority::Conditional,
        _ => return None,
    })
}

/// A priority marker found in a piece of text: the priority, the marker as
/// written, and where it stands (byte range) so it can be removed from titles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub priority: Priority,
    pub text: String,
    pub range: std::ops::Range<usize>,
}

/// Finds the priority marker of an item or heading text (raw Markdown). A
/// leading label wins over a parenthesised one, and an emoji traffic light
/// counts when nothing else does.
pub fn find_priority(text: &str) -> Option<Marker> {
    if let Some(m) = leading_priority(text) {
        return Some(m);
    }
    paren_or_emoji_priority(text)
}

/// A leading label (`**CRITICAL:**`): the first thing [`find_priority`] looks for.
pub(crate) fn leading_priority(text: &str) -> Option<Marker> {
    // The label regex only matches texts whose first word is a priority
    // word; checking that by hand first keeps the common case cheap.
    let leading = |c: char| c.is_whitespace() || c == '*' || c == '_' || c == '[';
    // Bytes first; characters only from the first non-ASCII one on.
    let start = match text
        .bytes()
        .position(|b| !b.is_ascii() || !leading(char::from(b)))
    {
        Some(p) if !text.as_bytes()[p].is_ascii() => text[p..].trim_start_matches(leading),
        Some(p) => &text[p..],
        None => "",
    };
    let first = &start[..start
        .bytes()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(start.len())];
    // Lower-cased on the stack and compared with the label words, but only
    // when a word of its length opens with its letter: most first words
    // ("Docker", "Set") are settled by one table lookup.
    let mut lower = [0; 11];
    let label_word = first.len() <= lower.len()
        && first.as_bytes().first().is_some_and(|&b| {
            let b = b.to_ascii_lowercase();
            b.is_ascii_lowercase() && LABEL_FIRST_LETTERS[first.len()] & 1 << (b - b'a') != 0
        })
        && {
            let word = &mut lower[..first.len()];
            word.copy_from_slice(first.as_bytes());
            word.make_ascii_lowercase();
            LABEL_WORDS.contains(&&*word)
        };
    if let Some(c) = label_word.then(|| LEADING_LABEL.captures(text)).flatten() {
        let whole = c.get(0).expect("match");
        if let Some(priority) = priority_word(&c[1]) {
            return Some(Marker {
                priority,
                text: c[1].to_string(),
                range: whole.range(),
            });
        }
    }
    None
}

/// The first words of a leading label (`nice` of `nice to have`).
const LABEL_WORDS: [&[u8]; 15] = [
    b"critical",
    b"blocker",
    b"high",
    b"medium",
    b"low",
    b"required",
    b"mandatory",
    b"must",
    b"optional",
    b"recommended",
    b"nice",
    b"p0",
    b"p1",
    b"p2",
    b"p3",
];

/// Per word length, the first letters of the label words of that length
/// (bit 0 for `a`).
const LABEL_FIRST_LETTERS: [u32; 12] = {
    let mut table = [0; 12];
    let mut i = 0;
    while i < LABEL_WORDS.len() {
        let word = LABEL_WORDS[i];
        table[word.len()] |= 1 << (word[0] - b'a');
        i += 1;
    }
    table
};

fn paren_or_emoji_priority(text: &str) -> Option<Marker> {
    // `(optional)`, `(if using S3)`, `(optional but recommended)`: the
    // first parenthesised group whose words open with a priority word.
    let mut from = 0;
    // Byte searches: `str::find` sets up a searcher per call, which costs
    // more than the scan over a short text.
    let bytes = text.as_bytes();
    while let Some(open) = bytes[from..]
        .iter()
        .position(|&b| b == b'(')
        .map(|p| p + from)
    {
        let Some(close) = bytes[open..]
            .iter()
            .position(|&b| b == b')')
            .map(|p| p + open)
        else {
            break;
        };
        let inner = text[open + 1..close].trim();
        if inner.len() <= 60
            && let Some(priority) = priority_word(inner)
        {
            return Some(Marker {
                priority,
                text: inner.to_string(),
                range: open..close + 1,
            });
        }
        from = open + 1;
    }
    if text.is_ascii() {
        return None;
    }
    for (emoji, priority) in [
        ('🔴', Priority::Critical),
        ('🟠', Priority::High),
        ('🟡', Priority::Normal),
        ('🟢', Priority::Normal),
    ] {
        if let Some(pos) = text.find(emoji) {
            return Some(Marker {
                priority,
                text: emoji.to_string(),
                range: pos..pos + emoji.len_utf8(),
            });
        }
    }
    None
}

/// A `**Priority:** HIGH` line under a heading.
pub fn priority_line(text: &str) -> Option<Priority> {
    PRIORITY_LINE
        .captures(text)
        .and_then(|c| priority_word(&c[1]))
}

/// A progress marker in a heading, and the heading with it removed.
pub fn declared_progress(heading: &str) -> Option<(Declared, std::ops::Range<usize>)> {
    if !heading.contains('/') {
        return None;
    }
    let c = DECLARED.captures(heading)?;
    let done = c[1].parse().ok()?;
    let total = c[2].parse().ok()?;
    let note = c
        .get(3)
        .map(|m| m.as_str().trim().to_string())
        .filter(|s| !s.is_empty());
    Some((
        Declared { done, total, note },
        c.get(0).expect("match").range(),
    ))
}

static HEADING_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(?:phase|step|part|stage|section|action|chapter)\s+[0-9]+(?:\.[0-9]+)*[.:)]?|[0-9]+(?:\.[0-9]+)*[.:)])\s*(?:[-–—:]\s*)?")
        .expect("static regex")
});

/// The heading without its numbering ("Phase 3:", "1.", "Step 1.1:"), so that
/// renumbering sections does not change the ids of the items under them.
pub fn without_numbering(title: &str) -> &str {
    // Numbering opens with a digit or with one of the words, whose first
    // letters (with the case-insensitive regex's `ſ` for `s`) are checked
    // before the regex is run.
    let numbered = title.starts_with(|c: char| {
        c.is_ascii_digit() || matches!(c.to_ascii_lowercase(), 'p' | 's' | 'a' | 'c' | 'ſ')
    });
    if !numbered {
        return title;
    }
    match HEADING_NUMBER.find(title) {
        Some(m) if m.end() < title.len() => &title[m.end()..],
        _ => title,
    }
}

/// Whether a heading opens a sign-off part of the document.
pub fn is_signoff_heading(title: &str) -> bool {
    const WORDS: [&[u8]; 8] = [
        b"sign-off",
        b"signoff",
        b"sign off",
        b"sign-offs",
        b"approval",
        b"authoriz",
        b"authoris",
        b"signature",
    ];
    // Every word opens with `sign`, `appr` or `auth`: only there is it
    // worth comparing them all.
    let t = title.as_bytes();
    (0..t.len()).any(|i| {
        let at = &t[i..];
        let opens = |w: &[u8]| at.get(..w.len()).is_some_and(|s| s.eq_ignore_ascii_case(w));
        (opens(b"sign") || opens(b"appr") || opens(b"auth")) && WORDS.iter().any(|w| opens(w))
    })
}

/// Whether a table header row names the columns of a sign-off table.
pub fn is_signoff_header(cells: &[String]) -> bool {
    let lower: Vec<String> = cells.iter().map(|c| c.to_ascii_lowercase()).collect();
    let has = |w: &str| lower.iter().any(|c| c.contains(w));
    (has("role") || has("approver") || has("team"))
        && (has("name") || has("signature") || has("sign") || has("date") || has("approved"))
        || (has("name") && (has("signature") || has("signed")))
}

/// Whether a cell or field holds a value rather than a blank to fill in.
pub fn is_filled(value: &str) -> bool {
    let v = value
        .trim()
        .trim_matches(|c| c == '*' || c == '_' || c == ' ');
    if v.is_empty() {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    let placeholder = (lower.starts_with('[') && lower.ends_with(']'))
        || (lower.starts_with('<') && lower.ends_with('>'))
        || matches!(
            lower.as_str(),
            "tbd" | "n/a" | "-" | "—" | "name" | "date" | "signature" | "□" | "☐"
        )
        || v.chars()
            .all(|c| c == '_' || c == '-' || c == '.' || c == ' ' || c == '/');
    !placeholder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Option<Priority> {
        find_priority(text).map(|m| m.priority)
    }

    #[test]
    fn priority_markers() {
        assert_eq!(
            p("**CRITICAL:** Generate secrets"),
            Some(Priority::Critical)
        );
        assert_eq!(p("**HIGH:** Configure"), Some(Priority::High));
        assert_eq!(
            p("**Required:** SSL certificates obtained"),
            Some(Priority::Required)
        );
        assert_eq!(p("**Optional:** CDN configured"), Some(Priority::Optional));
        assert_eq!(p("**Load Testing** (optional)"), Some(Priority::Optional));
        assert_eq!(
            p("**Sentry** (optional but recommended)"),
            Some(Priority::Optional)
        );
        assert_eq!(
            p("**Penetration Testing** (recommended)"),
            Some(Priority::Recommended)
        );
        assert_eq!(
            p("Custom domain configured (if applicable)"),
            Some(Priority::Conditional)
        );
        assert_eq!(
            p("AWS S3 credentials are configured (if using S3)"),
            Some(Priority::Conditional)
        );
        assert_eq!(p("[CRITICAL] rotate keys"), Some(Priority::Critical));
        assert_eq!(p("High availability configured"), None);
        assert_eq!(p("**Provision Server**"), None);
        assert_eq!(p("Wait for Health Checks (30 seconds)"), None);
        assert_eq!(
            p("Security vulnerabilities fixed (2 CRITICAL, 5 HIGH)"),
            None
        );
    }

    /// The marker search as it was before it was made faster: the fast
    /// version must find the same marker in any text.
    mod reference {
        use super::super::{LEADING_LABEL, Marker, Priority, priority_word};

        pub fn leading_priority(text: &str) -> Option<Marker> {
            // The label regex only matches texts whose first word is a priority
            // word; checking that by hand first keeps the common case cheap.
            let leading = |c: char| c.is_whitespace() || c == '*' || c == '_' || c == '[';
            // Bytes first; characters only from the first non-ASCII one on.
            let start = match text
                .bytes()
                .position(|b| !b.is_ascii() || !leading(char::from(b)))
            {
                Some(p) if !text.as_bytes()[p].is_ascii() => text[p..].trim_start_matches(leading),
                Some(p) => &text[p..],
                None => "",
            };
            let first = &start[..start
                .bytes()
                .position(|b| !b.is_ascii_alphanumeric())
                .unwrap_or(start.len())];
            // Lower-cased on the stack, so that one `match` on the length and bytes
            // replaces fifteen comparisons.
            let mut lower = [0; 11];
            let label_word = first.len() <= lower.len() && {
                let word = &mut lower[..first.len()];
                word.copy_from_slice(first.as_bytes());
                word.make_ascii_lowercase();
                matches!(
                    &*word,
                    b"critical"
                        | b"blocker"
                        | b"high"
                        | b"medium"
                        | b"low"
                        | b"required"
                        | b"mandatory"
                        | b"must"
                        | b"optional"
                        | b"recommended"
                        | b"nice"
                        | b"p0"
                        | b"p1"
                        | b"p2"
                        | b"p3"
                )
            };
            if let Some(c) = label_word.then(|| LEADING_LABEL.captures(text)).flatten() {
                let whole = c.get(0).expect("match");
                if let Some(priority) = priority_word(&c[1]) {
                    return Some(Marker {
                        priority,
                        text: c[1].to_string(),
                        range: whole.range(),
                    });
                }
            }
            None
        }
        pub fn paren_or_emoji_priority(text: &str) -> Option<Marker> {
            // `(optional)`, `(if using S3)`, `(optional but recommended)`: the
            // first parenthesised group whose words open with a priority word.
            let mut from = 0;
            while let Some(open) = text[from..].find('(').map(|p| p + from) {
                let Some(close) = text[open..].find(')').map(|p| p + open) else {
                    break;
                };
                let inner = text[open + 1..close].trim();
                if inner.len() <= 60
                    && let Some(priority) = priority_word(inner)
                {
                    return Some(Marker {
                        priority,
                        text: inner.to_string(),
                        range: open..close + 1,
                    });
                }
                from = open + 1;
            }
            if text.is_ascii() {
                return None;
            }
            for (emoji, priority) in [
                ('🔴', Priority::Critical),
                ('🟠', Priority::High),
                ('🟡', Priority::Normal),
                ('🟢', Priority::Normal),
            ] {
                if let Some(pos) = text.find(emoji) {
                    return Some(Marker {
                        priority,
                        text: emoji.to_string(),
                        range: pos..pos + emoji.len_utf8(),
                    });
                }
            }
            None
        }

        pub fn find_priority(text: &str) -> Option<Marker> {
            leading_priority(text).or_else(|| paren_or_emoji_priority(text))
        }
    }

    /// Text of what markers are made of: label and group words in any case,
    /// emphasis, brackets, parentheses, every kind of white space, emoji.
    const TEXT: &str = r"([ \t\x0B\u{a0}\u{3000}]{0,2}(\*\*|__|\[|\]|\(|\)|:| - |critical|CRITICAL|blocker|high|medium|low|required|mandatory|must|optional|Optional|recommended|RECOMMENDED|nice|to|have|nice to have|Nice  to\thave|\(nice to have\)|\(optional but recommended\)|\(if using S3\)|\(When x\)|p0|P1|p3|if|when|ſ|K|using|HTTP|a|\u{1F534}|\u{1F7E2}|é|[a-z0-9]{1,3})){0,10}";

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4000, ..Default::default() })]

        #[test]
        fn markers_match_the_originals(s in TEXT) {
            proptest::prop_assert_eq!(find_priority(&s), reference::find_priority(&s));
            proptest::prop_assert_eq!(leading_priority(&s), reference::leading_priority(&s));
        }
    }

    #[test]
    fn declared_progress_in_headings() {
        let (d, _) = declared_progress("Configuration (4/8 Complete - ACTION REQUIRED)").unwrap();
        assert_eq!(
            d,
            Declared {
                done: 4,
                total: 8,
                note: Some("ACTION REQUIRED".into())
            }
        );
        let (d, _) = declared_progress("Security (6/8 complete)").unwrap();
        assert_eq!((d.done, d.total, d.note), (6, 8, None));
        assert!(declared_progress("Phase 1 (45-60 minutes)").is_none());
    }

    #[test]
    fn numbering() {
        assert_eq!(
            without_numbering("Phase 3: External Services"),
            "External Services"
        );
        assert_eq!(
            without_numbering("1. Infrastructure Setup"),
            "Infrastructure Setup"
        );
        assert_eq!(
            without_numbering("Step 1.1: AWS Resources (Terraform)"),
            "AWS Resources (Terraform)"
        );
        assert_eq!(without_numbering("24 Hour Review"), "24 Hour Review");
        assert_eq!(without_numbering("2024"), "2024");
    }

    #[test]
    fn filled_values() {
        assert!(!is_filled("___________"));
        assert!(!is_filled(" [Name] "));
        assert!(!is_filled(""));
        assert!(is_filled("Jane Doe"));
        assert!(is_filled("2025-11-01"));
    }
}
