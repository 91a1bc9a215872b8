//! Word lists the rules look for.
//!
//! Every rule asks about several lists, in up to four texts per item (the
//! item, the code under it, its parent, its section): scanning each text
//! once per list made this the mapping's main cost. So the build collects
//! every list written with the `words!` macro (see `build.rs`) into one
//! vocabulary; each text is read once by one automaton over all of it
//! ([`Scan`]), and a list only checks which of the words found are its own.

use std::collections::HashMap;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

include!(concat!(env!("OUT_DIR"), "/vocabulary.rs"));

struct Vocabulary {
    matcher: AhoCorasick,
    ids: HashMap<&'static str, u16>,
}

static VOCABULARY_MATCHER: LazyLock<Vocabulary> = LazyLock::new(|| Vocabulary {
    matcher: AhoCorasick::new(VOCABULARY).expect("the vocabulary builds"),
    ids: VOCABULARY
        .iter()
        .enumerate()
        .map(|(i, w)| (*w, i as u16))
        .collect(),
});

/// A set of vocabulary words, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordSet([u64; VOCABULARY_LEN.div_ceil(64)]);

impl WordSet {
    pub const EMPTY: WordSet = WordSet([0; VOCABULARY_LEN.div_ceil(64)]);

    fn insert(&mut self, id: u16) {
        self.0[usize::from(id) / 64] |= 1 << (id % 64);
    }

    fn contains(&self, id: u16) -> bool {
        self.0[usize::from(id) / 64] & (1 << (id % 64)) != 0
    }

    fn meets(&self, other: &WordSet) -> bool {
        // No early exit: the whole fold compiles to a few vector operations.
        self.0
            .iter()
            .zip(&other.0)
            .fold(0, |any, (a, b)| any | (a & b))
            != 0
    }

    /// The words in either set.
    pub fn union(mut self, other: &WordSet) -> WordSet {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
        self
    }
}

fn boundary(b: Option<&u8>) -> bool {
    b.is_none_or(|b| !b.is_ascii_alphanumeric())
}

/// The vocabulary's words that stand in one text as whole words, in text
/// order: by where they end, the longer first when two end together.
#[derive(Debug, Clone)]
pub struct Scan {
    found: Vec<u16>,
    /// The same words as a set, to tell at once that a list has none.
    pub set: WordSet,
}

impl Scan {
    /// The scan of a text with no words.
    pub const EMPTY: Scan = Scan {
        found: Vec::new(),
        set: WordSet::EMPTY,
    };

    /// Reads `text` (expected in lower case) once.
    pub fn of(text: &str) -> Self {
        if text.is_empty() {
            return Self::EMPTY;
        }
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        let mut set = WordSet::EMPTY;
        // Overlapping matches come in text order (by where they end, the
        // longer first when two end together), which is the order lists
        // promise.
        for m in VOCABULARY_MATCHER.matcher.find_overlapping_iter(text) {
            if (m.start() == 0 || boundary(bytes.get(m.start() - 1)))
                && boundary(bytes.get(m.end()))
            {
                let id = m.pattern().as_usize() as u16;
                found.push(id);
                set.insert(id);
            }
        }
        Self { found, set }
    }
}

/// A list of words and phrases, found as whole words (not inside others).
pub struct Words {
    members: WordSet,
    /// For a list made outside the `words!` macro, whose words the
    /// vocabulary may lack: its own automaton, over the text itself.
    own: Option<(Vec<&'static str>, AhoCorasick)>,
}

impl Words {
    pub fn new(list: &[&'static str]) -> Self {
        let vocabulary = &*VOCABULARY_MATCHER;
        let ids: Option<Vec<u16>> = list
            .iter()
            .map(|w| vocabulary.ids.get(w).copied())
            .collect();
        match ids {
            Some(ids) => {
                let mut members = WordSet::EMPTY;
                for id in ids {
                    members.insert(id);
                }
                Self { members, own: None }
            }
            None => Self {
                members: WordSet::EMPTY,
                own: Some((
                    list.to_vec(),
                    AhoCorasick::new(list).expect("word lists are small"),
                )),
            },
        }
    }

    /// A list written with the `words!` macro, whose words the build put
    /// in the vocabulary; tests fail if it missed one (the list would still
    /// work, reading every text itself, only slower).
    #[doc(hidden)]
    pub fn listed(list: &[&'static str]) -> Self {
        let words = Self::new(list);
        debug_assert!(
            words.own.is_none(),
            "build.rs did not find this words! list: {list:?}"
        );
        words
    }

    /// The first listed word or phrase, in text order, that stands in
    /// `text` as a whole word. `text` is expected in lower case.
    pub fn find(&self, text: &str) -> Option<&'static str> {
        match &self.own {
            Some((list, matcher)) => {
                let bytes = text.as_bytes();
                matcher
                    .find_overlapping_iter(text)
                    .find(|m| {
                        (m.start() == 0 || boundary(bytes.get(m.start() - 1)))
                            && boundary(bytes.get(m.end()))
                    })
                    .map(|m| list[m.pattern().as_usize()])
            }
            None => self.find_in(text, &Scan::of(text)),
        }
    }

    /// [`Words::find`] in a text already scanned: `scan` must be
    /// `Scan::of(text)`.
    pub fn find_in(&self, text: &str, scan: &Scan) -> Option<&'static str> {
        if self.own.is_some() {
            return self.find(text);
        }
        if !self.may_be_in(&scan.set) {
            return None;
        }
        scan.found
            .iter()
            .find(|&&id| self.members.contains(id))
            .map(|&id| VOCABULARY[usize::from(id)])
    }

    /// Whether any of the list's words may be among `words` (always, for a
    /// list outside the vocabulary).
    pub fn may_be_in(&self, words: &WordSet) -> bool {
        self.own.is_some() || self.members.meets(words)
    }
}

/// A static word list: `words!["health", "endpoint"]`.
#[macro_export]
macro_rules! words {
    ($($w:literal),* $(,)?) => {{
        static WORDS: std::sync::LazyLock<$crate::words::Words> =
            std::sync::LazyLock::new(|| $crate::words::Words::listed(&[$($w),*]));
        &*WORDS
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        let w = words!["port", "open", "not exposed"];
        assert!(w.own.is_none(), "macro lists are in the vocabulary");
        assert_eq!(w.find("allow port 80"), Some("port"));
        assert_eq!(w.find("report generated"), None);
        assert_eq!(w.find("reopened"), None);
        assert_eq!(w.find("db is not exposed."), Some("not exposed"));
        assert_eq!(w.find("open the port"), Some("open"));
    }

    #[test]
    fn first_in_text_order_the_longer_on_a_tie() {
        let w = words!["limit", "rate limit", "rate"];
        assert_eq!(w.find("a rate limit applies"), Some("rate"));
        let w = words!["limit", "rate limit"];
        assert_eq!(w.find("a rate limit applies"), Some("rate limit"));
    }

    #[test]
    fn lists_outside_the_vocabulary_read_the_text_themselves() {
        let w = Words::new(&["zyzzyva", "port"]);
        assert!(w.own.is_some());
        assert_eq!(w.find("the zyzzyva port"), Some("zyzzyva"));
        assert_eq!(
            w.find_in("port zyzzyva", &Scan::of("port zyzzyva")),
            Some("port")
        );
        assert_eq!(w.find("zyzzyvas"), None);
    }

    #[test]
    fn agrees_with_a_list_scanned_alone() {
        // The shared scan must give what each list's own automaton gives.
        let lists: &[&[&'static str]] = &[
            &["health", "health check", "health checks", "check"],
            &["rate limit", "limit", "rate limiting", "rate"],
            &["secret (", "secret", "set"],
        ];
        let texts = [
            "health checks pass",
            "rate limiting: rate limit of 100",
            "create secret (jwt) and set it",
            "healthcheck",
        ];
        for list in lists {
            let shared = Words::new(list);
            assert!(shared.own.is_none(), "{list:?} is in the vocabulary");
            let alone = Words {
                members: WordSet::EMPTY,
                own: Some((list.to_vec(), AhoCorasick::new(*list).unwrap())),
            };
            for t in texts {
                assert_eq!(shared.find(t), alone.find(t), "{list:?} in {t:?}");
            }
        }
    }
}
