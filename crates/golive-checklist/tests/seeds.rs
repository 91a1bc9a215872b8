//! Every seed checklist reads without error, loses no item and round-trips
//! byte for byte.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use golive_checklist::{Checklist, Status};

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/seeds");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt" || e == "md"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert_eq!(out.len(), 5, "the five seeds are in tests/seeds");
    out
}

/// Task lines outside fenced code, counted independently of the reader with
/// the plainest rule: a fence toggles, and a line whose first non-blank text
/// is a list marker followed by a status box is a task.
fn count_task_lines(src: &[u8]) -> usize {
    let text = String::from_utf8_lossy(src);
    let task =
        regex::Regex::new(r"^\s*(?:>\s*)*(?:[-*+]|\d+[.)])\s+\[[ xX~!/-]\](?:\s|$)").unwrap();
    let mut fence: Option<String> = None;
    let mut count = 0;
    for line in text.lines() {
        let t = line.trim_start();
        let marker: String = t.chars().take_while(|&c| c == '`' || c == '~').collect();
        if marker.len() >= 3 {
            match &fence {
                None => fence = Some(marker),
                Some(open)
                    if t.trim_end() == t.chars().take(t.trim_end().len()).collect::<String>()
                        && marker.starts_with(open.as_str())
                        && t.trim().chars().all(|c| c == open.chars().next().unwrap()) =>
                {
                    fence = None
                }
                _ => {}
            }
            continue;
        }
        if fence.is_none() && task.is_match(line) {
            count += 1;
        }
    }
    count
}

#[test]
fn seeds_import_without_losing_items() {
    for (name, src) in seeds() {
        let checklist = Checklist::parse(src.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let signoff_tasks = checklist
            .signoffs
            .iter()
            .filter(|s| s.status.is_some())
            .count();
        assert_eq!(
            checklist.items.len() + signoff_tasks,
            count_task_lines(&src),
            "{name}: every task line outside code is an item or a sign-off"
        );
        // Counted with awk, fence-aware, outside this code: see the README.
        let expected_tasks = match &name[..3] {
            "000" => 76,
            "001" => 176,
            "002" => 301,
            "003" => 18,
            _ => 111,
        };
        assert_eq!(
            checklist.items.len() + signoff_tasks,
            expected_tasks,
            "{name}"
        );
        let mut ids: Vec<_> = checklist.items.iter().map(|i| &i.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), checklist.items.len(), "{name}: ids are unique");
    }
}

#[test]
fn seeds_round_trip_byte_for_byte() {
    for (name, src) in seeds() {
        let checklist = Checklist::parse(src.clone()).unwrap();
        assert_eq!(checklist.export(), src, "{name}");
        assert_eq!(checklist.with_statuses(std::iter::empty()), src, "{name}");
    }
}

#[test]
fn write_back_changes_only_status_bytes() {
    for (name, src) in seeds() {
        let checklist = Checklist::parse(src.clone()).unwrap();
        let changes: Vec<_> = checklist
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let to = if i % 2 == 0 {
                    Status::Done
                } else {
                    Status::Blocked
                };
                (i, if item.status == to { Status::Todo } else { to })
            })
            .collect();
        let out = checklist.with_statuses(changes.clone());
        assert_eq!(out.len(), src.len());
        let diffs: Vec<usize> = (0..src.len()).filter(|&i| src[i] != out[i]).collect();
        let expected: Vec<usize> = changes
            .iter()
            .map(|(i, _)| checklist.items[*i].status_offset)
            .collect();
        assert_eq!(diffs, expected, "{name}: exactly the status bytes changed");
        let reread = Checklist::parse(out).unwrap();
        for (i, to) in changes {
            assert_eq!(reread.items[i].status, to, "{name}: item {i}");
            assert_eq!(
                reread.items[i].id, checklist.items[i].id,
                "{name}: ids survive a write-back"
            );
        }
    }
}

#[test]
fn seed_sign_off_roles() {
    let seeds = seeds();
    let roles = |i: usize| {
        Checklist::parse(seeds[i].1.clone())
            .unwrap()
            .signoffs
            .iter()
            .map(|s| s.role.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        roles(0),
        [
            "Tech Lead",
            "DevOps Engineer",
            "QA Engineer",
            "Product Manager",
            "Security Engineer",
            "Authorized By"
        ]
    );
    assert_eq!(
        roles(1),
        [
            "Development Team Lead",
            "DevOps Engineer",
            "Security Officer",
            "Product Manager",
            "Business Stakeholder",
            "Project Manager",
            "Technical Director"
        ]
    );
    assert_eq!(roles(2), ["Deployment Completed By", "Verified By"]);
    assert!(roles(3).is_empty());
    assert!(roles(4).is_empty());
}

#[test]
fn seed_structure() {
    let seeds = seeds();
    let c = Checklist::parse(seeds[0].1.clone()).unwrap();
    let config = c
        .sections
        .iter()
        .find(|s| s.title.starts_with("Configuration"))
        .unwrap();
    assert_eq!(config.title, "Configuration");
    let declared = config.declared.as_ref().unwrap();
    assert_eq!((declared.done, declared.total), (4, 8));
    assert_eq!(declared.note.as_deref(), Some("ACTION REQUIRED"));
    let jwt = c
        .items
        .iter()
        .find(|i| i.plain.contains("JWT secrets"))
        .unwrap();
    assert_eq!(jwt.priority, golive_checklist::Priority::Critical);
    assert_eq!(jwt.plain, "Generate production JWT secrets");
    assert_eq!(
        jwt.id,
        "pre-deployment-checklist/configuration/generate-production-jwt-secrets"
    );
    let p = c.progress();
    let cfg = p
        .sections
        .iter()
        .find(|s| s.title == "Configuration")
        .unwrap();
    assert_eq!((cfg.done, cfg.total), (4, 8));

    // Seed 002: nested items, code blocks under items.
    let c = Checklist::parse(seeds[2].1.clone()).unwrap();
    let clone = c
        .items
        .iter()
        .find(|i| i.plain == "Clone Repository")
        .unwrap();
    assert!(
        clone.blocks.iter().any(|b| b.content.contains("git clone")),
        "{:?}",
        clone.blocks
    );
    let firewall = c
        .items
        .iter()
        .position(|i| i.plain == "Configure Firewall")
        .unwrap();
    assert_eq!(c.items[firewall].children.len(), 5);
    let block = c
        .items
        .iter()
        .find(|i| i.plain == "Block all other ports")
        .unwrap();
    assert_eq!(block.parent, Some(firewall));
    let load = c
        .items
        .iter()
        .position(|i| i.plain == "Load Testing")
        .unwrap();
    assert_eq!(c.items[load].priority, golive_checklist::Priority::Optional);
    let child = c
        .items
        .iter()
        .find(|i| i.plain == "Test with 100 concurrent users")
        .unwrap();
    assert_eq!(child.parent, Some(load));
    assert_eq!(
        child.priority,
        golive_checklist::Priority::Optional,
        "inherited from the parent"
    );
    let tag = c
        .items
        .iter()
        .find(|i| i.plain == "Test Deployment")
        .unwrap();
    assert!(
        tag.blocks
            .iter()
            .any(|b| b.content.contains("git tag v1.0.0"))
    );
}
