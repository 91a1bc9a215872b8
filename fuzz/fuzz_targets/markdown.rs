//! The Markdown reader on arbitrary bytes: never panics, exports the input
//! unchanged, changes only status bytes on write-back, and the mapping of
//! whatever it read never panics either.
#![no_main]

use golive_checklist::{Checklist, Status};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(c) = Checklist::parse(data.to_vec()) else { return };
    assert_eq!(c.export(), data);
    let changes: Vec<(usize, Status)> = (0..c.items.len()).map(|i| (i, if i % 2 == 0 { Status::Done } else { Status::Blocked })).collect();
    let out = c.with_statuses(changes.clone());
    assert_eq!(out.len(), data.len());
    for (i, (a, b)) in data.iter().zip(&out).enumerate() {
        if a != b {
            assert!(c.items.iter().any(|it| it.status_offset == i), "byte {i} changed outside a status box");
        }
    }
    let again = Checklist::parse(out).expect("a written-back checklist reads");
    assert_eq!(again.items.len(), c.items.len());
    let _ = c.progress();
    let _ = golive_map::plan(&c);
});
