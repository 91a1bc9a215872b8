//! golive.toml on arbitrary text: a config or a located error, never a panic,
//! and an error's line and column always inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match golive_config::parse(text, &|kind, de| golive_probes::validate(kind, de)) {
        Ok(config) => {
            let _ = config.plan();
            if let Ok(c) = golive_checklist::Checklist::parse(b"## S\n- [ ] a\n- [ ] b\n".to_vec()) {
                let _ = config.bind(&c, "c.md");
            }
        }
        Err(e) => {
            let lines = text.split('\n').count() as u32;
            assert!(e.line >= 1 && e.line <= lines.max(1), "line {} of {lines}", e.line);
            assert!(e.column >= 1);
        }
    }
});
