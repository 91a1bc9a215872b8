//! golive.toml is written by people and edited by hand: whatever it holds,
//! reading it gives a config or an error that points inside the text,
//! never a panic.

use proptest::prelude::*;

/// Fragments of real configs, so that generated texts get past TOML's
/// syntax into golive's own reading (checks, expectations, policy).
fn config_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("[[check]]".to_string()),
        Just("[policy]".to_string()),
        Just("[targets]".to_string()),
        Just("[watch]".to_string()),
        Just("[[watch.trigger]]".to_string()),
        Just("[[waiver]]".to_string()),
        Just("id = \"health\"".to_string()),
        Just("item = \"health\"".to_string()),
        Just("kind = \"http\"".to_string()),
        Just("kind = \"nope\"".to_string()),
        Just("url = \"${app}/health\"".to_string()),
        Just("expect = [\"status == 200\", \"time < 500ms\"]".to_string()),
        Just("expect = [\"status ==\"]".to_string()),
        Just("when = \"error_rate > 10%\"".to_string()),
        Just("for = \"5m\"".to_string()),
        Just("timeout = \"banana\"".to_string()),
        Just("require_signoffs = [\"Tech Lead\"]".to_string()),
        "[a-z_]{1,10} = \"[ -~]{0,16}\"",
        "[a-z_]{1,10} = [0-9]{1,4}",
        any::<String>(),
    ];
    proptest::collection::vec(line, 0..16).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn reads_or_points_inside_the_text(text in config_text()) {
        match golive_config::parse(&text, &|_, _| Ok(())) {
            Ok(config) => {
                let _ = config.plan();
            }
            Err(e) => {
                let lines = text.split('\n').count() as u32;
                prop_assert!(e.line >= 1 && e.line <= lines.max(1), "line {} of {}", e.line, lines);
                prop_assert!(e.column >= 1);
            }
        }
    }

    #[test]
    fn line_col_stays_inside(text in any::<String>(), offset in 0usize..4096) {
        let (line, column) = golive_config::line_col(&text, offset);
        prop_assert!(line >= 1 && column >= 1);
        prop_assert!(line as usize <= text.split('\n').count().max(1));
    }
}
