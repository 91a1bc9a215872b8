//! Word lists the rules look for, matched in one pass over the text.

use aho_corasick::AhoCorasick;

/// A list of words and phrases, found as whole words (not inside others).
pub struct Words {
    list: Vec<&'static str>,
    matcher: AhoCorasick,
}

impl Words {
    pub fn new(list: &[&'static str]) -> Self {
        Self {
            list: list.to_vec(),
            matcher: AhoCorasick::new(list).expect("word lists are small"),
        }
    }

    /// The first listed word or phrase, in text order, that stands in
    /// `text` as a whole word. `text` is expected in lower case.
    pub fn find(&self, text: &str) -> Option<&'static str> {
        let bytes = text.as_bytes();
        let boundary = |i: Option<&u8>| i.is_none_or(|b| !b.is_ascii_alphanumeric());
        self.matcher
            .find_overlapping_iter(text)
            .find(|m| {
                (m.start() == 0 || boundary(bytes.get(m.start() - 1)))
                    && boundary(bytes.get(m.end()))
            })
            .map(|m| self.list[m.pattern().as_usize()])
    }
}

/// A static word list: `words!["health", "endpoint"]`.
#[macro_export]
macro_rules! words {
    ($($w:literal),* $(,)?) => {{
        static WORDS: std::sync::LazyLock<$crate::words::Words> =
            std::sync::LazyLock::new(|| $crate::words::Words::new(&[$($w),*]));
        &*WORDS
    }};
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_words_only() {
        let w = words!["port", "open", "not exposed"];
        assert_eq!(w.find("allow port 80"), Some("port"));
        assert_eq!(w.find("report generated"), None);
        assert_eq!(w.find("reopened"), None);
        assert_eq!(w.find("db is not exposed."), Some("not exposed"));
        assert_eq!(w.find("open the port"), Some("open"));
    }
}
