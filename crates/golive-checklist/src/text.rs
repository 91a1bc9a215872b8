//! Text helpers shared by the reader: lossy decoding, mojibake repair, inline
//! Markdown stripping and slugs.

use std::borrow::Cow;

/// Decodes one line of the source. Invalid UTF-8 becomes U+FFFD here only: the
/// source bytes themselves are never changed, so write-back stays byte-exact.
pub(crate) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    // `from_utf8` checks ASCII a word at a time; the lossy decoder walks
    // its chunks even when there is nothing to replace.
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// `haystack.find(needle)` for the short texts of a checklist line, where
/// setting up `str`'s Two-Way searcher costs more than the scan itself.
pub fn find_str(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return Some(0);
    };
    let mut from = 0;
    while let Some(p) = h[from..].iter().position(|&b| b == first) {
        let at = from + p;
        if h[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Windows-1252 code points for bytes 0x80..=0x9F (None where the code page
/// leaves the byte undefined).
const CP1252_HIGH: [Option<char>; 32] = [
    Some('\u{20AC}'),
    None,
    Some('\u{201A}'),
    Some('\u{0192}'),
    Some('\u{201E}'),
    Some('\u{2026}'),
    Some('\u{2020}'),
    Some('\u{2021}'),
    Some('\u{02C6}'),
    Some('\u{2030}'),
    Some('\u{0160}'),
    Some('\u{2039}'),
    Some('\u{0152}'),
    None,
    Some('\u{017D}'),
    None,
    None,
    Some('\u{2018}'),
    Some('\u{2019}'),
    Some('\u{201C}'),
    Some('\u{201D}'),
    Some('\u{2022}'),
    Some('\u{2013}'),
    Some('\u{2014}'),
    Some('\u{02DC}'),
    Some('\u{2122}'),
    Some('\u{0161}'),
    Some('\u{203A}'),
    Some('\u{0153}'),
    None,
    Some('\u{017E}'),
    Some('\u{0178}'),
];

fn cp1252_byte(c: char) -> Option<u8> {
    let code = c as u32;
    if (0xA0..=0xFF).contains(&code) {
        return u8::try_from(code).ok();
    }
    CP1252_HIGH
        .iter()
        .position(|&m| m == Some(c))
        .and_then(|i| u8::try_from(0x80 + i).ok())
}

/// Repairs UTF-8 text that was once decoded as Windows-1252 and encoded again
/// ("âœ…" for "✅"), as seed checklists exported from some editors contain.
///
/// Written by hand because the only crates that do this port the whole of
/// Python's ftfy; we need the one transformation. A run is repaired only when
/// its bytes form valid UTF-8 multi-byte sequences, so ordinary accented text
/// ("âge", "Größe") is left alone. Bytes lost in the original mangling (the
/// undefined 0x81, 0x8D, 0x8F, 0x90, 0x9D) leave a partial sequence, which
/// becomes U+FFFD.
pub fn fix_mojibake(s: &str) -> Cow<'_, str> {
    // A repair starts at a lead byte's stand-in, U+00C2..=U+00F4, which is
    // encoded as 0xC3 0x82..=0xB4: text without one (plain ASCII, emoji,
    // arrows) is returned as it is without looking at its characters.
    let could_start = !s.is_ascii()
        && s.as_bytes()
            .windows(2)
            .any(|w| w[0] == 0xC3 && (0x82..=0xB4).contains(&w[1]));
    if !could_start {
        return Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let lead = cp1252_byte(c).filter(|b| (0xC2..=0xF4).contains(b));
        if let Some(lead) = lead {
            let need = if lead >= 0xF0 {
                4
            } else if lead >= 0xE0 {
                3
            } else {
                2
            };
            let mut bytes = vec![lead];
            let mut j = i + 1;
            while bytes.len() < need && j < chars.len() {
                match cp1252_byte(chars[j]) {
                    Some(b) if (0x80..=0xBF).contains(&b) => {
                        bytes.push(b);
                        j += 1;
                    }
                    _ => break,
                }
            }
            if bytes.len() == need {
                if let Ok(decoded) = std::str::from_utf8(&bytes) {
                    out.push_str(decoded);
                    changed = true;
                    i = j;
                    continue;
                }
            } else if bytes.len() >= 2 && need > 2 {
                // A sequence cut short by a byte the code page dropped.
                out.push('\u{FFFD}');
                changed = true;
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(s)
    }
}

/// Expands leading white space to a column count (tabs to the next multiple of
/// four, as CommonMark does) and returns the column and the byte length of the
/// leading white space.
pub(crate) fn indent_of(line: &[u8]) -> (usize, usize) {
    let mut col = 0;
    let mut bytes = 0;
    for &b in line {
        match b {
            b' ' => col += 1,
            b'\t' => col += 4 - col % 4,
            _ => break,
        }
        bytes += 1;
    }
    (col, bytes)
}

pub(crate) fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace())
}

/// Removes inline Markdown so that text reads as plain words: emphasis,
/// code ticks, links (keeping their text), images, HTML comments and escapes.
/// Underscores are kept: `JWT_SECRET` is a name, not emphasis.
pub fn strip_inline(s: &str) -> String {
    let is_special = |b: &u8| SPECIAL[usize::from(*b)];
    let bytes = s.as_bytes();
    if !bytes.iter().any(is_special) {
        return collapse_spaces(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        // Every special character is ASCII, so the text up to the next one
        // can be copied whole.
        let Some(run) = bytes[i..].iter().position(is_special) else {
            out.push_str(&s[i..]);
            break;
        };
        out.push_str(&s[i..i + run]);
        i += run;
        let rest = &s[i..];
        match bytes[i] {
            b'\\' if rest[1..].starts_with(|n: char| n.is_ascii_punctuation()) => {
                out.push(char::from(bytes[i + 1]));
                i += 2;
            }
            b'*' | b'`' => i += 1,
            b'~' if rest.starts_with("~~") => i += 2,
            b'!' if rest[1..].starts_with('[') => i += 1,
            b'[' => {
                // [text](url) keeps text; a bare [text] stays as written.
                if let Some(close) = rest.find(']')
                    && rest[close + 1..].starts_with('(')
                    && let Some(end) = rest[close + 2..].find(')')
                {
                    out.push_str(&rest[1..close]);
                    i += close + 2 + end + 1;
                    continue;
                }
                out.push('[');
                i += 1;
            }
            b'<' if rest.starts_with("<!--") => match rest.find("-->") {
                Some(end) => i += end + 3,
                None => i = s.len(),
            },
            b => {
                out.push(char::from(b));
                i += 1;
            }
        }
    }
    // The usual result is already tidy and only needs trimming, which can be
    // done in place rather than in a second string.
    let end = out.trim_end().len();
    let start = end - out[..end].trim_start().len();
    if is_tidy_ascii(&out[start..end]) {
        out.truncate(end);
        out.drain(..start);
        out
    } else {
        collapse_spaces(&out)
    }
}

/// The bytes [`strip_inline`] has to look at, as a table: a lookup per byte
/// instead of seven comparisons.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let special = b"\\*~`![<";
    while i < special.len() {
        table[special[i] as usize] = true;
        i += 1;
    }
    table
};

/// Whether trimmed text has nothing to collapse: ASCII, with white space only
/// as single spaces. Such text is its own `split_whitespace` join, except that
/// a vertical tab (white space to `char`, not to `u8`) is kept, as it always was.
///
/// Without early exits or branches per byte: word boundaries are too
/// irregular for a branch predictor, and every item's text comes here.
fn is_tidy_ascii(t: &str) -> bool {
    if !t.is_ascii() {
        return false;
    }
    let mut untidy = false;
    let mut after_space = false;
    for &c in t.as_bytes() {
        let space = c == b' ';
        untidy |= (space & after_space) | matches!(c, b'\t' | b'\n' | b'\x0C' | b'\r');
        after_space = space;
    }
    !untidy
}

pub(crate) fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    collapse_spaces_into(s, &mut out);
    out
}

/// [`collapse_spaces`] appending to `out`, so that joined lines need no
/// string of their own.
pub(crate) fn collapse_spaces_into(s: &str, out: &mut String) {
    let t = s.trim();
    if is_tidy_ascii(t) {
        out.push_str(t);
        return;
    }
    out.reserve(s.len());
    let mut first = true;
    for word in s.split_whitespace() {
        if !first {
            out.push(' ');
        }
        first = false;
        out.push_str(word);
    }
}

/// Turns text into an id segment: lower-case letters and digits joined by
/// hyphens, cut at a word boundary so ids stay readable.
pub fn slug(s: &str, max_len: usize) -> String {
    let mut out = String::with_capacity(s.len());
    slug_into(s, max_len, &mut out);
    out
}

/// [`slug`] appending to `out`, so that an id is built in one string.
pub(crate) fn slug_into(s: &str, max_len: usize, out: &mut String) {
    let start = out.len();
    let mut pending_dash = false;
    if s.is_ascii() && s.len() <= 128 {
        // The same rules on bytes, into a buffer on the stack: a third fewer
        // instructions than pushing chars to the String, and ids are built
        // for every item. A byte adds at most a dash and itself.
        let mut buf = [0; 256];
        let mut len = 0;
        for &b in s.as_bytes() {
            match SLUG_BYTE[usize::from(b)] {
                SEPARATOR => pending_dash = true,
                // "Let's" → "lets", not "let-s".
                APOSTROPHE => {}
                kept => {
                    if pending_dash && len > 0 {
                        buf[len] = b'-';
                        len += 1;
                    }
                    pending_dash = false;
                    buf[len] = kept;
                    len += 1;
                }
            }
        }
        out.push_str(std::str::from_utf8(&buf[..len]).unwrap_or_default());
        if len > max_len {
            let cut = &out[start..start + max_len];
            let keep = match cut.rfind('-') {
                Some(p) if p > max_len / 2 => p,
                _ => max_len,
            };
            out.truncate(start + keep);
        }
        return;
    }
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric()) {
            if pending_dash && out.len() > start {
                out.push('-');
            }
            pending_dash = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else if c == '\'' || c == '\u{2019}' {
            // "Let's" → "lets", not "let-s".
        } else {
            pending_dash = true;
        }
    }
    // Byte length bounds the character count, so most slugs need no count.
    if out.len() - start > max_len && out[start..].chars().count() > max_len {
        let cut_len = out[start..]
            .char_indices()
            .nth(max_len)
            .map_or(out.len() - start, |(p, _)| p);
        let cut = &out[start..start + cut_len];
        let keep = match cut.rfind('-') {
            Some(p) if p > max_len / 2 => p,
            _ => cut_len,
        };
        out.truncate(start + keep);
    }
}

const SEPARATOR: u8 = 0;
const APOSTROPHE: u8 = 1;

/// What an ASCII byte is in a slug: a separator, an apostrophe (dropped
/// without separating), or the lower-case byte it is kept as.
const SLUG_BYTE: [u8; 256] = {
    let mut table = [SEPARATOR; 256];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() {
            table[b] = byte.to_ascii_lowercase();
        } else if byte == b'\'' {
            table[b] = APOSTROPHE;
        }
        b += 1;
    }
    table
};

/// Drops leading symbols, emoji and repaired-mojibake leftovers from a title.
pub(crate) fn trim_symbols(s: &str) -> &str {
    let start = s
        .char_indices()
        .find(|(_, c)| c.is_alphanumeric() || *c == '`' || *c == '*' || *c == '.' || *c == '[')
        .map_or(s.len(), |(i, _)| i);
    s[start..].trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_seed_mojibake() {
        assert_eq!(fix_mojibake("âœ… Done"), "✅ Done");
        assert_eq!(fix_mojibake("ðŸ”´ Action"), "🔴 Action");
        // The 0x8F of U+FE0F was lost: the cut sequence becomes U+FFFD.
        assert_eq!(
            fix_mojibake("âš\u{a0}ï¸ Configuration"),
            "⚠\u{FFFD} Configuration"
        );
        assert_eq!(fix_mojibake("âge Größe café"), "âge Größe café");
    }

    #[test]
    fn strips_inline_markdown() {
        assert_eq!(
            strip_inline("**CRITICAL:** Set `JWT_SECRET` in [docs](http://x)"),
            "CRITICAL: Set JWT_SECRET in docs"
        );
        assert_eq!(strip_inline("a <!-- golive:id=x --> b"), "a b");
        assert_eq!(strip_inline(r"\*literal\*"), "*literal*");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Redis password is set", 60), "redis-password-is-set");
        assert_eq!(
            slug("Let's Encrypt (Recommended)", 60),
            "lets-encrypt-recommended"
        );
        assert_eq!(slug("  --  ", 60), "");
        assert_eq!(slug("aaaa bbbb cccc dddd", 12), "aaaa-bbbb");
    }

    /// The helpers as they were before they were made faster: the fast
    /// versions must give the same text for any input.
    mod reference {
        use super::super::cp1252_byte;

        pub fn fix_mojibake(s: &str) -> String {
            if s.is_ascii() {
                return s.to_string();
            }
            let chars: Vec<char> = s.chars().collect();
            let mut out = String::new();
            let mut i = 0;
            while i < chars.len() {
                let c = chars[i];
                if let Some(lead) = cp1252_byte(c).filter(|b| (0xC2..=0xF4).contains(b)) {
                    let need = if lead >= 0xF0 {
                        4
                    } else if lead >= 0xE0 {
                        3
                    } else {
                        2
                    };
                    let mut bytes = vec![lead];
                    let mut j = i + 1;
                    while bytes.len() < need && j < chars.len() {
                        match cp1252_byte(chars[j]) {
                            Some(b) if (0x80..=0xBF).contains(&b) => {
                                bytes.push(b);
                                j += 1;
                            }
                            _ => break,
                        }
                    }
                    if bytes.len() == need {
                        if let Ok(decoded) = std::str::from_utf8(&bytes) {
                            out.push_str(decoded);
                            i = j;
                            continue;
                        }
                    } else if bytes.len() >= 2 && need > 2 {
                        out.push('\u{FFFD}');
                        i = j;
                        continue;
                    }
                }
                out.push(c);
                i += 1;
            }
            out
        }

        pub fn collapse_spaces(s: &str) -> String {
            let t = s.trim();
            let bytes = t.as_bytes();
            let tidy = !bytes
                .windows(2)
                .any(|w| w[0].is_ascii_whitespace() && w[1].is_ascii_whitespace())
                && !bytes.iter().any(|&b| b != b' ' && b.is_ascii_whitespace());
            if tidy && t.is_ascii() {
                return t.to_string();
            }
            let mut out = String::new();
            for word in s.split_whitespace() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
            out
        }

        pub fn strip_inline(s: &str) -> String {
            if !s.contains(['\\', '*', '~', '`', '!', '[', '<']) {
                return collapse_spaces(s);
            }
            let mut out = String::new();
            let bytes = s.as_bytes();
            let mut i = 0;
            while i < s.len() {
                let rest = &s[i..];
                let c = rest.chars().next().unwrap_or(' ');
                match c {
                    '\\' if rest[1..].starts_with(|n: char| n.is_ascii_punctuation()) => {
                        out.push(char::from(bytes[i + 1]));
                        i += 2;
                    }
                    '*' | '`' => i += 1,
                    '~' if rest.starts_with("~~") => i += 2,
                    '!' if rest[1..].starts_with('[') => i += 1,
                    '[' => {
                        if let Some(close) = rest.find(']')
                            && rest[close + 1..].starts_with('(')
                            && let Some(end) = rest[close + 2..].find(')')
                        {
                            out.push_str(&rest[1..close]);
                            i += close + 2 + end + 1;
                            continue;
                        }
                        out.push('[');
                        i += 1;
                    }
                    '<' if rest.starts_with("<!--") => match rest.find("-->") {
                        Some(end) => i += end + 3,
                        None => i = s.len(),
                    },
                    _ => {
                        out.push(c);
                        i += c.len_utf8();
                    }
                }
            }
            collapse_spaces(&out)
        }

        pub fn slug(s: &str, max_len: usize) -> String {
            let mut out = String::new();
            let mut pending_dash = false;
            for c in s.chars() {
                if c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric()) {
                    if pending_dash && !out.is_empty() {
                        out.push('-');
                    }
                    pending_dash = false;
                    if c.is_ascii() {
                        out.push(c.to_ascii_lowercase());
                    } else {
                        out.extend(c.to_lowercase());
                    }
                } else if c == '\'' || c == '\u{2019}' {
                } else {
                    pending_dash = true;
                }
            }
            if out.chars().count() > max_len {
                let cut: String = out.chars().take(max_len).collect();
                out = match cut.rfind('-') {
                    Some(p) if p > max_len / 2 => cut[..p].to_string(),
                    _ => cut,
                };
            }
            out
        }
    }

    /// Text of the characters where the helpers' fast paths and their edges
    /// lie: ASCII words and punctuation, every kind of white space (the
    /// vertical tab is white space to `char` only), markup, apostrophes,
    /// accented and mojibake letters, emoji.
    const TEXT: &str = "[a-zA-Z0-9 .,:/'\u{2019}*_`~!\\\\\\[\\]()<>-]{0,12}([ \t\n\x0B\x0C\r\u{a0}\u{3000}]{0,3}[a-zA-Z0-9'*`~!\\[\\]()<!->éßİǅâœ€…ðŸ”´\u{80}-\u{FF}✅🔴]{0,8}){0,14}";

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4000, ..Default::default() })]

        #[test]
        fn helpers_match_the_originals(s in TEXT, max_len in 1usize..60) {
            proptest::prop_assert_eq!(fix_mojibake(&s), reference::fix_mojibake(&s));
            proptest::prop_assert_eq!(collapse_spaces(&s), reference::collapse_spaces(&s));
            let mut appended = String::from("x");
            collapse_spaces_into(&s, &mut appended);
            proptest::prop_assert_eq!(&appended[1..], reference::collapse_spaces(&s));
            proptest::prop_assert_eq!(strip_inline(&s), reference::strip_inline(&s));
            proptest::prop_assert_eq!(slug(&s, max_len), reference::slug(&s, max_len));
            let mut id = String::from("section/");
            slug_into(&s, max_len, &mut id);
            proptest::prop_assert_eq!(&id[8..], reference::slug(&s, max_len));
        }

        #[test]
        fn find_str_finds_what_str_finds(s in TEXT, needle in "[-<!a-z ]{0,4}") {
            proptest::prop_assert_eq!(find_str(&s, &needle), s.find(needle.as_str()));
        }
    }

    #[test]
    fn indents_expand_tabs() {
        assert_eq!(indent_of(b"\t- x"), (4, 1));
        assert_eq!(indent_of(b"  \t- x"), (4, 3));
        assert_eq!(indent_of(b"- x"), (0, 0));
    }
}
