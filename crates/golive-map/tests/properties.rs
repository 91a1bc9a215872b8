//! The mapping reads text nobody here has seen: whatever a checklist says,
//! it plans every item once, never panics, and a threshold always quotes
//! words that are really in the item.

use golive_checklist::Checklist;
use proptest::prelude::*;

/// Words the rules and the threshold patterns look for, mixed with noise,
/// so that generated items reach the rules rather than falling through.
fn item_text() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("health".to_string()),
        Just("`/health`".to_string()),
        Just("returns 200".to_string()),
        Just("p95 < 200ms".to_string()),
        Just("within 2 seconds".to_string()),
        Just("100 concurrent users".to_string()),
        Just("error rate < 1%".to_string()),
        Just("5x normal load".to_string()),
        Just("13+ indexes".to_string()),
        Just("TLS 1.2+".to_string()),
        Just("Grade A or A+".to_string()),
        Just("at least 32 characters".to_string()),
        Just("older than 30 days".to_string()),
        Just("every 5 minutes".to_string()),
        Just("REDIS_URL".to_string()),
        Just("DATABASE_URL".to_string()),
        Just("https://api.yourdomain.com/v1/health".to_string()),
        Just("redis password is set".to_string()),
        Just("SSL certificate".to_string()),
        Just("backups".to_string()),
        Just("train the team".to_string()),
        Just("rate limiting".to_string()),
        Just("CORS".to_string()),
        Just("port 443".to_string()),
        Just(".env.production".to_string()),
        Just("**CRITICAL:**".to_string()),
        "[a-zA-Z0-9 <>=%+.:/_-]{0,24}",
        any::<String>(),
    ];
    proptest::collection::vec(word, 1..7).prop_map(|w| w.join(" ").replace(['\n', '\r'], " "))
}

fn checklist() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        item_text().prop_map(|t| format!("- [ ] {t}")),
        item_text().prop_map(|t| format!("  - [x] {t}")),
        item_text().prop_map(|t| format!("## {t}")),
        item_text().prop_map(|t| format!("### {t}")),
        Just("```bash\ncurl -f http://localhost:3001/health\n```".to_string()),
        Just(
            "| Role | Name | Signature | Date |\n|---|---|---|---|\n| Tech Lead | | | |"
                .to_string()
        ),
        item_text(),
    ];
    proptest::collection::vec(line, 0..24).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_item_is_planned_once(text in checklist()) {
        let Ok(c) = Checklist::parse(text.into_bytes()) else { return Ok(()) };
        let plan = golive_map::plan(&c);
        prop_assert_eq!(plan.items.len(), c.items.len());
        for (i, planned) in plan.items.iter().enumerate() {
            prop_assert_eq!(planned.index, i);
        }
    }

    #[test]
    fn thresholds_quote_the_item(text in item_text()) {
        for t in golive_map::thresholds::extract(&text) {
            prop_assert!(
                text.to_lowercase().contains(&t.words.to_lowercase()),
                "{:?} not in {:?}", t.words, text
            );
        }
    }

    #[test]
    fn explain_never_panics(text in checklist()) {
        let Ok(c) = Checklist::parse(text.into_bytes()) else { return Ok(()) };
        for i in 0..c.items.len() {
            let _ = golive_map::explain(&c, i);
        }
    }
}
