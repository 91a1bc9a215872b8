//! The expectation language on arbitrary text, evaluated against evidence.
#![no_main]

use golive_core::{Evidence, Expectation, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut ev = Evidence::new();
    ev.insert("status".into(), Value::Int(200));
    ev.insert("time".into(), Value::Duration(std::time::Duration::from_millis(12)));
    ev.insert("body".into(), Value::from("ok"));
    if let Ok(e) = Expectation::parse(text) {
        let _ = e.evaluate(&ev).explain();
        // What it prints parses again to the same thing.
        let again = Expectation::parse(e.source()).expect("a parsed expectation's source parses");
        assert_eq!(again.source(), e.source());
    }
});
