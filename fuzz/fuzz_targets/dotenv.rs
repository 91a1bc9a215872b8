//! Env files on arbitrary bytes: entries or an error with a place inside the
//! text, never a panic; every entry's line exists.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    match golive_probes::env::dotenv::parse(data) {
        Ok(entries) => {
            for e in entries {
                assert!(e.line >= 1 && e.line <= lines, "entry on line {} of {lines}", e.line);
                assert!(!e.key.is_empty());
            }
        }
        Err(e) => assert!(e.line >= 1 && e.line <= lines && e.column >= 1, "{e}"),
    }
    // The runner's reader of --env-file must not panic either.
    let _ = golive_run::vars::parse_env(data);
});
