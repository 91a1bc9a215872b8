//! Collects every word list written with `words![...]` in this crate's
//! source into one vocabulary, so that the mapping can read each text once
//! with one automaton over all the lists instead of once per list.
//!
//! The lists stay where the rules use them. Rust has no compile-time
//! registry a macro could add to; the crates that fake one (`linkme`,
//! `inventory`) do it with link sections, which this workspace's
//! `forbid(unsafe_code)` rules out. Reading the source here is the plain
//! way: the lists are string literals by construction (the macro accepts
//! nothing else), so a small scanner finds them all.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src");
    let mut words: Vec<String> = Vec::new();
    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.sort();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("readable source");
        for list in lists(&source) {
            for w in list {
                if !words.contains(&w) {
                    words.push(w);
                }
            }
        }
    }
    assert!(
        words.len() < usize::from(u16::MAX),
        "the vocabulary's ids are u16"
    );
    // A section's path joins titles with " / ", and the mapping reads each
    // title alone (see `Scan::followed_by`): no word may reach into it.
    assert!(
        !words.iter().any(|w| w.contains(" / ")
            || w.starts_with(['/', ' '])
            || w.ends_with(' ')
            || w.ends_with(" /")),
        "a word reaches into the section separator \" / \""
    );
    assert!(
        words.iter().all(|w| w.len() < usize::from(u16::MAX)),
        "a scan's sort keys hold a word's length in 16 bits"
    );
    let mut out = String::from("/// Every word of every `words!` list in this crate.\n");
    out.push_str("pub(crate) static VOCABULARY: &[&str] = &[\n");
    for w in &words {
        out.push_str(&format!("    {w:?},\n"));
    }
    out.push_str("];\n");
    out.push_str(&format!(
        "/// How many words the vocabulary has.\npub(crate) const VOCABULARY_LEN: usize = {};\n",
        words.len()
    ));
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("vocabulary.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The string literals of each `words![...]` in `source`.
fn lists(source: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("words![") {
        rest = &rest[at + "words![".len()..];
        let mut list = Vec::new();
        let mut chars = rest.char_indices().peekable();
        let mut end = rest.len();
        while let Some((i, c)) = chars.next() {
            match c {
                ']' => {
                    end = i + 1;
                    break;
                }
                '"' => {
                    let mut word = String::new();
                    while let Some((_, c)) = chars.next() {
                        match c {
                            '"' => break,
                            '\\' => {
                                let escaped = chars.next().map(|(_, c)| c);
                                word.push(match escaped {
                                    Some('n') => '\n',
                                    Some('t') => '\t',
                                    Some(other) => other,
                                    None => break,
                                });
                            }
                            c => word.push(c),
                        }
                    }
                    list.push(word);
                }
                '/' if chars.peek().is_some_and(|&(_, n)| n == '/') => {
                    for (_, c) in chars.by_ref() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
        out.push(list);
    }
    out
}
