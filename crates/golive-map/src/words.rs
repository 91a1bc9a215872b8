//! Word lists the rules look for.
//!
//! Every rule asks about several lists, in up to four texts per item (the
//! item, the code under it, its parent, its section): scanning each text
//! once per list made this the mapping's main cost. So the build collects
//! every list written with the `words!` macro (see `build.rs`) into one
//! vocabulary; each text is read once for all of it ([`Scan`]), and a list
//! only checks which of the words found are its own.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use rustc_hash::FxHashMap;

include!(concat!(env!("OUT_DIR"), "/vocabulary.rs"));

/// The vocabulary indexed for [`Scan::of`].
///
/// A word is found only whole, between bytes that are not ASCII letters or
/// digits. So a word that opens with a letter or digit can only start
/// where the text's own run of letters and digits starts, and the two runs
/// must be equal: one hash look-up per run of the text tells which words
/// may start there. This replaced an Aho-Corasick automaton over the whole
/// vocabulary, which walked a node per byte and, on items of a few dozen
/// bytes, was bound by the latency of those loads (a fifth of the mapping's
/// time); most runs ("the", "is", "for") start no word at all.
struct Vocabulary {
    /// Words by their first run of ASCII letters and digits, longest first:
    /// runs of up to eight bytes packed into a number (see [`pack`]), so
    /// that the look-up most runs need hashes and compares one word, and
    /// longer runs as they are.
    by_short_run: FxHashMap<u64, Vec<u16>>,
    by_long_run: FxHashMap<&'static [u8], Vec<u16>>,
    /// Words that open with any other byte (`.env`, `*`, `→`), by that byte.
    by_first_byte: FxHashMap<u8, Vec<u16>>,
    ids: FxHashMap<&'static str, u16>,
}

/// A run of up to eight letters and digits as one number. No such byte is
/// zero, so two different runs never pack alike.
fn pack(run: &[u8]) -> u64 {
    run.iter().fold(0, |packed, &b| packed << 8 | u64::from(b))
}

static VOCABULARY_INDEX: LazyLock<Vocabulary> = LazyLock::new(|| {
    let mut by_short_run: FxHashMap<u64, Vec<u16>> = FxHashMap::default();
    let mut by_long_run: FxHashMap<&'static [u8], Vec<u16>> = FxHashMap::default();
    let mut by_first_byte: FxHashMap<u8, Vec<u16>> = FxHashMap::default();
    for (id, word) in VOCABULARY.iter().enumerate() {
        let id = u16::try_from(id).expect("build.rs keeps the ids in u16");
        let bytes = word.as_bytes();
        let run = bytes
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(bytes.len());
        match run {
            0 => by_first_byte.entry(bytes[0]).or_default().push(id),
            n if n <= 8 => by_short_run.entry(pack(&bytes[..n])).or_default().push(id),
            n => by_long_run.entry(&bytes[..n]).or_default().push(id),
        }
    }
    for ids in by_short_run
        .values_mut()
        .chain(by_long_run.values_mut())
        .chain(by_first_byte.values_mut())
    {
        ids.sort_by_key(|&id| std::cmp::Reverse(VOCABULARY[usize::from(id)].len()));
    }
    Vocabulary {
        by_short_run,
        by_long_run,
        by_first_byte,
        ids: VOCABULARY
            .iter()
            .enumerate()
            .map(|(i, w)| (*w, i as u16))
            .collect(),
    }
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

    /// The words' ids, in increasing order.
    pub fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        self.0.iter().enumerate().flat_map(|(chunk, &bits)| {
            let mut bits = bits;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let bit = bits.trailing_zeros();
                    bits &= bits - 1;
                    (chunk * 64) as u16 + bit as u16
                })
            })
        })
    }

    /// The words in either set.
    pub fn union(mut self, other: &WordSet) -> WordSet {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
        self
    }
}

/// Whether an automaton's match in `bytes` is a whole word there.
fn stands_whole(bytes: &[u8], m: &aho_corasick::Match) -> bool {
    (m.start() == 0 || boundary(bytes.get(m.start() - 1))) && boundary(bytes.get(m.end()))
}

fn boundary(b: Option<&u8>) -> bool {
    b.is_none_or(|b| !b.is_ascii_alphanumeric())
}

/// The vocabulary's words that stand in one text as whole words, in text
/// order: by where they end, the longer first when two end together.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The words' ids, each in a sort key (see [`Scan::key`]).
    found: Vec<u64>,
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
        let index = &*VOCABULARY_INDEX;
        let bytes = text.as_bytes();
        let mut found: Vec<u64> = Vec::new();
        let mut set = WordSet::EMPTY;
        // Every word in `ids` matches its first `matched` bytes at `start`;
        // one no longer than that is the text's whole run of letters and
        // digits there, so it stands whole.
        let mut look = |start: usize, matched: usize, ids: &[u16]| {
            for &id in ids {
                let word = VOCABULARY[usize::from(id)].as_bytes();
                let end = start + word.len();
                // A plain byte loop: these tails are a few bytes, where a
                // call to `memcmp` costs more than the comparison.
                let rest_matches = || {
                    bytes.len() >= end
                        && bytes[start + matched..end]
                            .iter()
                            .zip(&word[matched..])
                            .all(|(a, b)| a == b)
                };
                if word.len() == matched || (rest_matches() && boundary(bytes.get(end))) {
                    found.push(Self::key(end, word.len(), id));
                    set.insert(id);
                }
            }
        };
        let mut at = 0;
        while at < bytes.len() {
            if ALNUM[usize::from(bytes[at])] {
                let start = at;
                let mut packed = 0u64;
                while at < bytes.len() && ALNUM[usize::from(bytes[at])] {
                    packed = packed << 8 | u64::from(bytes[at]);
                    at += 1;
                }
                let ids = if at - start <= 8 {
                    index.by_short_run.get(&packed)
                } else {
                    index.by_long_run.get(&bytes[start..at])
                };
                if let Some(ids) = ids {
                    look(start, at - start, ids);
                }
            } else {
                if (at == 0 || !ALNUM[usize::from(bytes[at - 1])])
                    && let Some(ids) = index.by_first_byte.get(&bytes[at])
                {
                    look(at, 0, ids);
                }
                at += 1;
            }
        }
        found.sort_unstable();
        Self { found, set }
    }

    /// The scan of this scan's text followed by `offset - len(text)` bytes
    /// of separator and then `next`'s text, for a separator that starts and
    /// ends with a byte no word holds at its edge and that no word spans.
    pub fn followed_by(&self, next: &Scan, offset: usize) -> Scan {
        let mut found = Vec::with_capacity(self.found.len() + next.found.len());
        found.extend_from_slice(&self.found);
        found.extend(next.found.iter().map(|&k| k + ((offset as u64) << 32)));
        Scan {
            found,
            set: self.set.union(&next.set),
        }
    }

    /// A found word's place in `found`: sorted, these keys give text order
    /// as lists promise it, by where words end, the longer first when two
    /// end together.
    fn key(end: usize, len: usize, id: u16) -> u64 {
        // Words are shorter than 2^16 bytes (build.rs checks); a text over
        // 4 GiB would only see its order blur, never a panic.
        ((end as u64) << 32) | ((0xffff - len as u64) << 16) | u64::from(id)
    }

    /// The words found, in text order.
    fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        self.found.iter().map(|&k| k as u16)
    }
}

/// The bytes words are made of: ASCII letters and digits.
static ALNUM: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// A list of words and phrases, found as whole words (not inside others).
pub struct Words {
    members: WordSet,
    /// For a list made outside the `words!` macro, whose words the
    /// vocabulary may lack: its own automaton, over the text itself.
    own: Option<(Vec<&'static str>, AhoCorasick)>,
}

impl Words {
    pub fn new(list: &[&'static str]) -> Self {
        let vocabulary = &*VOCABULARY_INDEX;
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
                    .find(|m| stands_whole(bytes, m))
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
        scan.ids()
            .find(|&id| self.members.contains(id))
            .map(|id| VOCABULARY[usize::from(id)])
    }

    /// Whether `word` is one of the list's.
    pub fn has_word(&self, word: &str) -> bool {
        match &self.own {
            Some((list, _)) => list.contains(&word),
            None => VOCABULARY_INDEX
                .ids
                .get(word)
                .is_some_and(|&id| self.members.contains(id)),
        }
    }

    /// The list's words, when they are all in the vocabulary.
    pub fn members(&self) -> Option<&WordSet> {
        self.own.is_none().then_some(&self.members)
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
    use proptest::prelude::*;

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

    /// The words an Aho-Corasick automaton over the whole vocabulary
    /// finds, in the order its overlapping search gives them: what
    /// [`Scan::of`] must agree with.
    fn scanned_by_automaton(text: &str) -> Vec<u16> {
        static MATCHER: LazyLock<AhoCorasick> =
            LazyLock::new(|| AhoCorasick::new(VOCABULARY).unwrap());
        let bytes = text.as_bytes();
        MATCHER
            .find_overlapping_iter(text)
            .filter(|m| stands_whole(bytes, m))
            .map(|m| m.pattern().as_usize() as u16)
            .collect()
    }

    /// Texts made of vocabulary words, their pieces and other bytes.
    fn vocabulary_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => proptest::sample::select(VOCABULARY).prop_map(str::to_string),
            2 => proptest::sample::select(VOCABULARY).prop_flat_map(|w| {
                let n = w.len();
                (0..=n).prop_map(move |k| w.get(..k).unwrap_or(w).to_string())
            }),
            3 => "[ ._\\-/*()>:+→é'a-z0-9]{0,3}",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn scan_agrees_with_an_automaton(text in vocabulary_text()) {
            let scan = Scan::of(&text);
            let ids: Vec<u16> = scan.ids().collect();
            prop_assert_eq!(&ids, &scanned_by_automaton(&text));
            let mut set = WordSet::EMPTY;
            for id in ids {
                set.insert(id);
            }
            prop_assert_eq!(scan.set, set);
        }
    }

    proptest! {
        #[test]
        fn a_scan_followed_by_another_is_the_scan_of_both(
            a in vocabulary_text(),
            b in vocabulary_text(),
        ) {
            let joined = format!("{a} / {b}");
            let parts = Scan::of(&a).followed_by(&Scan::of(&b), a.len() + 3);
            let whole = Scan::of(&joined);
            prop_assert_eq!(parts.ids().collect::<Vec<_>>(), whole.ids().collect::<Vec<_>>());
            prop_assert_eq!(parts.set, whole.set);
        }
    }

    #[test]
    fn scan_finds_words_in_text_order() {
        let words = |t: &str| -> Vec<&str> {
            Scan::of(t)
                .ids()
                .map(|id| VOCABULARY[usize::from(id)])
                .collect()
        };
        assert_eq!(
            words("rate limiting on /api"),
            ["rate", "rate limiting", "api"]
        );
        assert_eq!(words("copy .env to x->y -> z"), [".env", "->"]);
        assert_eq!(words("cors_origin: *"), ["cors", "cors_origin", "*"]);
        assert!(words("reopened reports").is_empty());
        for t in [
            "rate limiting on /api",
            "x .env.production ->",
            "http → https",
        ] {
            let ids: Vec<u16> = Scan::of(t).ids().collect();
            assert_eq!(ids, scanned_by_automaton(t), "{t}");
        }
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
