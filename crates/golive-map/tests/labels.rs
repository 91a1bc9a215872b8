//! The mapping measured against a labelled set: every item of the five
//! seeds, labelled by hand (class, probe kind, thresholds) in `tests/labels/`
//! by someone who had not seen the rules. Prints per-class precision and
//! recall, probe agreement and threshold recall, for the tuning seeds and
//! for the held-out ones separately, and holds the mapping to floors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use golive_checklist::Checklist;
use golive_core::Class;

/// Seeds the rules were tuned on; the others were held out until the end.
const TUNING: &[&str] = &["000", "002", "004"];

struct Label {
    class: String,
    probe: String,
    thresholds: Vec<String>,
}

#[derive(Default)]
struct Tally {
    /// (labelled class, mapped class) → count
    confusion: BTreeMap<(String, String), u32>,
    probe_agree: u32,
    probe_total: u32,
    thresholds_found: u32,
    thresholds_total: u32,
    thresholds_extra: u32,
    wrong_passes: Vec<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn labels(stem: &str) -> BTreeMap<String, Label> {
    let text = std::fs::read_to_string(root().join(format!("tests/labels/{stem}.tsv"))).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let thresholds = cols.get(3).map_or(Vec::new(), |t| {
                t.split(';')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            });
            (
                cols[0].to_string(),
                Label {
                    class: cols[1].to_string(),
                    probe: cols[2].to_string(),
                    thresholds,
                },
            )
        })
        .collect()
}

fn class_name(c: Class) -> String {
    c.name().to_string()
}

fn tally(stems: &[String]) -> Tally {
    let mut t = Tally::default();
    for stem in stems {
        let bytes = std::fs::read(root().join(format!("tests/seeds/{stem}.txt"))).unwrap();
        let checklist = Checklist::parse(bytes).unwrap();
        let plan = golive_map::plan(&checklist);
        let labels = labels(stem);
        assert_eq!(
            labels.len(),
            checklist.items.len(),
            "{stem}: every item is labelled"
        );
        for planned in &plan.items {
            let item = &checklist.items[planned.index];
            let label = labels
                .get(&item.id)
                .unwrap_or_else(|| panic!("{stem}: no label for {}", item.id));
            let mapped = class_name(planned.class);
            *t.confusion
                .entry((label.class.clone(), mapped.clone()))
                .or_default() += 1;
            if label.class == mapped && (mapped == "live" || mapped == "repo") {
                t.probe_total += 1;
                if planned.probe.map(|p| p.name()) == Some(label.probe.as_str()) {
                    t.probe_agree += 1;
                }
            }
            // A machine check on an item a person must settle is the
            // dangerous mistake: list every one.
            if label.class == "manual" && !planned.checks.is_empty() {
                t.wrong_passes
                    .push(format!("{stem} line {}: {}", item.line, item.plain));
            }
            let found: Vec<String> = planned
                .thresholds
                .iter()
                .map(|th| th.expect.source().to_string())
                .collect();
            for want in &label.thresholds {
                t.thresholds_total += 1;
                if found
                    .iter()
                    .any(|f| f.replace(' ', "") == want.replace(' ', ""))
                {
                    t.thresholds_found += 1;
                }
            }
            t.thresholds_extra += found
                .iter()
                .filter(|f| {
                    !label
                        .thresholds
                        .iter()
                        .any(|w| w.replace(' ', "") == f.replace(' ', ""))
                })
                .count() as u32;
        }
    }
    t
}

struct Scores {
    precision: f64,
    recall: f64,
}

fn scores(t: &Tally, class: &str) -> Scores {
    let tp = *t
        .confusion
        .get(&(class.to_string(), class.to_string()))
        .unwrap_or(&0) as f64;
    let predicted: f64 = t
        .confusion
        .iter()
        .filter(|((_, m), _)| m == class)
        .map(|(_, n)| *n as f64)
        .sum();
    let actual: f64 = t
        .confusion
        .iter()
        .filter(|((l, _), _)| l == class)
        .map(|(_, n)| *n as f64)
        .sum();
    Scores {
        precision: if predicted == 0.0 {
            1.0
        } else {
            tp / predicted
        },
        recall: if actual == 0.0 { 1.0 } else { tp / actual },
    }
}

fn report(name: &str, t: &Tally) {
    println!("\n{name}");
    println!("  class    precision  recall   (labelled → mapped counts)");
    for class in ["live", "repo", "manual", "cloud"] {
        let s = scores(t, class);
        let row: Vec<String> = ["live", "repo", "manual", "cloud"]
            .iter()
            .map(|m| {
                format!(
                    "{m} {}",
                    t.confusion
                        .get(&(class.to_string(), m.to_string()))
                        .unwrap_or(&0)
                )
            })
            .collect();
        println!(
            "  {class:<8} {:>8.2}  {:>7.2}   {}",
            s.precision,
            s.recall,
            row.join(", ")
        );
    }
    println!(
        "  probe kind agrees on {}/{} items classed alike; thresholds found {}/{} ({} extra)",
        t.probe_agree, t.probe_total, t.thresholds_found, t.thresholds_total, t.thresholds_extra
    );
    println!(
        "  machine checks on items labelled manual: {}",
        t.wrong_passes.len()
    );
    for w in &t.wrong_passes {
        println!("    {w}");
    }
}

#[test]
fn mapping_against_the_labelled_seeds() {
    let mut stems: Vec<String> = std::fs::read_dir(root().join("tests/labels"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    stems.sort();
    assert_eq!(stems.len(), 5);
    let (tuning, held_out): (Vec<String>, Vec<String>) = stems
        .iter()
        .cloned()
        .partition(|s| TUNING.contains(&&s[..3]));
    let t = tally(&tuning);
    let h = tally(&held_out);
    let all = tally(&stems);
    report("tuning seeds (000, 002, 004)", &t);
    report("held-out seeds (001, 003)", &h);
    report("all seeds", &all);

    // Floors: the mapping must not regress below what it reaches today.
    let live = scores(&all, "live");
    let manual = scores(&all, "manual");
    assert!(
        live.precision >= FLOOR_LIVE_PRECISION,
        "live precision {:.2}",
        live.precision
    );
    assert!(
        manual.recall >= FLOOR_MANUAL_RECALL,
        "manual recall {:.2}",
        manual.recall
    );
    // A machine check on a person's item is the worst mistake the mapping
    // can make: it is how an automatic pass is given to what nobody did.
    assert!(
        all.wrong_passes.len() <= CEILING_MACHINE_ON_MANUAL,
        "machine checks on items labelled manual: {:?}",
        all.wrong_passes
    );
}

// Set a little under today's figures (0.89 and 0.93, one machine check on
// a manual item) so that a change which costs precision must say so here.
const FLOOR_LIVE_PRECISION: f64 = 0.86;
const FLOOR_MANUAL_RECALL: f64 = 0.90;
const CEILING_MACHINE_ON_MANUAL: usize = 1;
