//! The reader on the shapes checklists take in the wild.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use golive_checklist::{BlockKind, Checklist, Priority, Status};
use proptest::prelude::*;

fn parse(s: &str) -> Checklist {
    Checklist::parse(s.as_bytes().to_vec()).unwrap()
}

#[test]
fn statuses_markers_and_indents() {
    let c =
        parse("# T\n## S\n- [ ] a\n* [x] b\n+ [~] c\n1. [!] d\n\t- [X] e\n  - [-] f\n- [/] g\n");
    let got: Vec<_> = c
        .items
        .iter()
        .map(|i| (i.plain.as_str(), i.status))
        .collect();
    assert_eq!(
        got,
        [
            ("a", Status::Todo),
            ("b", Status::Done),
            ("c", Status::InProgress),
            ("d", Status::Blocked),
            ("e", Status::Done),
            ("f", Status::NotApplicable),
            ("g", Status::InProgress),
        ]
    );
    // The tab-indented item nests under `d` (content column 3); `f`, indented
    // by two, is short of that column and stands on its own.
    assert_eq!(c.items[4].parent, Some(3));
    assert_eq!(c.items[5].parent, None);
    assert_eq!(c.items[6].parent, None);
}

#[test]
fn items_in_fences_are_code() {
    let c = parse(
        "## S\n- [ ] real\n```\n- [ ] not an item\n```\n~~~md\n- [x] nor this\n~~~\n- [ ] also real\n",
    );
    assert_eq!(c.items.len(), 2);
    assert_eq!(c.sections[0].blocks.len(), 2);
}

#[test]
fn blocks_belong_to_the_item_they_are_indented_under() {
    let c = parse(
        "## S\n- [ ] **Health**\n  ```bash\n  curl -f http://localhost:3001/health\n  ```\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n- [ ] next\n```\nsection code\n```\n",
    );
    let health = &c.items[0];
    assert_eq!(health.blocks.len(), 2);
    assert_eq!(
        health.blocks[0].kind,
        BlockKind::Code {
            lang: Some("bash".into())
        }
    );
    assert_eq!(
        health.blocks[0].content,
        "curl -f http://localhost:3001/health"
    );
    assert_eq!(health.blocks[0].line, 3);
    assert_eq!(health.blocks[1].kind, BlockKind::Table);
    assert!(c.items[1].blocks.is_empty());
    assert_eq!(c.sections[0].blocks[0].content, "section code");
}

#[test]
fn crlf_tabs_and_invalid_utf8_are_read() {
    let mut src = b"# T\r\n## S\r\n- [ ] caf\xe9 \xff item\r\n\t- [x] child\r\n".to_vec();
    let c = Checklist::parse(src.clone()).unwrap();
    assert_eq!(c.items.len(), 2);
    assert_eq!(c.items[0].plain, "caf\u{FFFD} \u{FFFD} item");
    assert_eq!(c.items[1].parent, Some(0));
    assert_eq!(c.export(), src);
    let out = c.with_statuses([(0, Status::Done)]);
    src[c.items[0].status_offset] = b'x';
    assert_eq!(out, src, "CRLF and bad bytes survive write-back");
}

#[test]
fn explicit_ids_win_and_must_be_unique() {
    let c = parse("## S\n- [ ] Health <!-- golive:id=health -->\n- [ ] Other\n");
    assert_eq!(c.items[0].id, "health");
    assert_eq!(c.items[0].text, "Health");
    assert_eq!(c.items[1].id, "s/other");
    let err =
        Checklist::parse(b"- [ ] a <!-- golive:id=x -->\n- [ ] b <!-- golive:id=x -->\n".to_vec())
            .unwrap_err();
    assert_eq!((err.line(), err.column()), (2, 3));
    let err = Checklist::parse(b"- [ ] a <!-- golive:id=-bad -->\n".to_vec()).unwrap_err();
    assert_eq!(err.line(), 1);
}

#[test]
fn ids_are_stable_when_items_are_added_elsewhere() {
    let before = parse(
        "# Doc\n## Phase 1: Setup\n- [ ] Install\n## Security (1/2 complete)\n- [x] Redis password is set\n- [ ] Rate limiting\n",
    );
    let after = parse(
        "# Doc\n## Phase 1: Setup\n- [ ] New first\n- [ ] Install\n## Phase 2: Extra\n- [ ] Another\n## Security (2/3 complete)\n- [x] Redis password is set\n- [ ] **HIGH:** Rate limiting\n- [ ] Added\n",
    );
    for item in &before.items {
        let same = after.items.iter().find(|i| i.plain == item.plain).unwrap();
        assert_eq!(same.id, item.id, "{}", item.plain);
    }
    assert_eq!(before.items[0].id, "setup/install");
    assert_eq!(before.items[1].id, "security/redis-password-is-set");
}

#[test]
fn duplicate_texts_get_suffixes_and_nesting_disambiguates() {
    let c = parse(
        "## S\n- [ ] Same\n- [ ] Same\n- [ ] **A**\n  - [ ] Generate\n- [ ] **B**\n  - [ ] Generate\n",
    );
    let ids: Vec<_> = c.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "s/same",
            "s/same-2",
            "s/a",
            "s/a/generate",
            "s/b",
            "s/b/generate"
        ]
    );
}

#[test]
fn priorities_inherit_from_parents_and_sections() {
    let c = parse(
        "## Launch (optional)\n- [ ] a\n## Core\n**Priority:** CRITICAL\n- [ ] b\n- [ ] **HIGH:** c\n- [ ] **Sentry** (optional)\n  - [ ] d\n",
    );
    let p: Vec<_> = c.items.iter().map(|i| i.priority).collect();
    assert_eq!(
        p,
        [
            Priority::Optional,
            Priority::Critical,
            Priority::High,
            Priority::Optional,
            Priority::Optional
        ]
    );
    assert_eq!(c.items[2].plain, "c");
    assert_eq!(c.items[2].priority_marker.as_deref(), Some("HIGH"));
}

#[test]
fn setext_headings_quotes_comments_and_wrapped_text() {
    let c = parse(
        "Title\n=====\n\nSection\n-------\n> - [ ] quoted item\n<!--\n- [ ] commented out\n-->\n- [ ] wrapped\n  over two lines\nlazily too\n\nParagraph after.\n",
    );
    assert_eq!(c.sections.len(), 2);
    assert_eq!(c.sections[1].title, "Section");
    assert_eq!(c.items.len(), 2);
    assert_eq!(c.items[0].plain, "quoted item");
    assert_eq!(c.items[1].plain, "wrapped over two lines lazily too");
    assert_eq!(c.items[1].section, Some(1));
}

#[test]
fn task_items_under_plain_list_items() {
    let c = parse("- [ ] a\n- group\n  - [ ] b\n");
    assert_eq!(
        c.items[1].parent, None,
        "b is under the plain item, not under a"
    );
}

#[test]
fn signoffs_from_tables_and_lines() {
    let c = parse(
        "## Sign-off\n| Role | Name | Date |\n|---|---|---|\n| **Tech Lead** | Ann | 2025-01-02 |\n| QA | ____ | ____ |\n\n- [x] **DevOps Engineer:** Bob Date: 2025-01-03\n- [ ] **Security:** ______ Date: ____\n\n**Approved By:** ______\n\nName: Carol\n",
    );
    let roles: Vec<_> = c
        .signoffs
        .iter()
        .map(|s| (s.role.as_str(), s.name.as_deref(), s.signed_in_document()))
        .collect();
    assert_eq!(
        roles,
        [
            ("Tech Lead", Some("Ann"), true),
            ("QA", None, false),
            ("DevOps Engineer", Some("Bob"), true),
            ("Security", None, false),
            ("Approved By", Some("Carol"), true),
        ]
    );
    assert!(c.items.is_empty(), "sign-off lines are not items");
}

#[test]
fn contacts_are_not_signoffs() {
    let c = parse("## Emergency Contacts\n- DevOps Lead: ________\n**On-Call Engineer:** +1-555\n");
    assert!(c.signoffs.is_empty());
}

#[test]
fn unclosed_fence_is_noted() {
    let c = parse("## S\n```\n- [ ] swallowed\n");
    assert!(c.items.is_empty());
    assert_eq!(c.notes.len(), 1);
    assert_eq!(c.notes[0].line, 2);
}

#[test]
fn progress_counts() {
    let c = parse("## A\n- [x] a\n- [ ] b\n  - [x] b1\n### A1\n- [!] c\n- [-] d\n## B\n- [~] e\n");
    let p = c.progress();
    let a = &p.sections[0];
    assert_eq!((a.done, a.total, a.done_all, a.total_all), (2, 3, 2, 4));
    assert_eq!((p.done, p.total), (2, 5));
    assert_eq!(p.blocked, vec![3]);
    assert_eq!(p.in_progress, vec![5]);
}

fn markdown_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[ \t]{0,6}[-*+] \\[[ xX~!/-]\\] [a-zA-Z0-9 `*_:()]{0,30}",
        "[ \t]{0,6}[0-9]{1,3}[.)] \\[[ x]\\] [a-z ]{0,20}",
        "#{1,7} [a-zA-Z0-9 ()/]{0,20}",
        "[ ]{0,4}(```|~~~)[a-z]{0,4}",
        "\\|[a-z |*_-]{0,20}\\|",
        "\\|[-:| ]{0,12}",
        "(===|---|\\*\\*\\*)",
        "<!--[a-z :=-]{0,10}(-->)?",
        "> ?[-*] \\[[ x]\\] [a-z]{0,10}",
        "\\*\\*[A-Za-z ]{1,15}:\\*\\* [_a-z ]{0,10}",
        "[^\n]{0,40}",
    ]
}

fn markdown() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(markdown_line(), 0..40),
        prop::bool::ANY,
        prop::collection::vec(any::<u8>(), 0..4),
    )
        .prop_map(|(lines, crlf, junk)| {
            let mut out = lines.join(if crlf { "\r\n" } else { "\n" }).into_bytes();
            out.extend(junk);
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn export_of_import_is_identity(src in markdown()) {
        if let Ok(c) = Checklist::parse(src.clone()) {
            prop_assert_eq!(c.export(), src.clone());
            prop_assert_eq!(c.with_statuses(std::iter::empty()), src);
        }
    }

    #[test]
    fn write_back_touches_status_bytes_only(src in markdown(), pick in any::<u64>()) {
        let Ok(c) = Checklist::parse(src.clone()) else { return Ok(()) };
        let changes: Vec<_> = c.items.iter().enumerate()
            .filter(|(i, _)| (pick >> (i % 64)) & 1 == 1)
            .map(|(i, it)| (i, if it.status == Status::Done { Status::Blocked } else { Status::Done }))
            .collect();
        let out = c.with_statuses(changes.clone());
        let differing = (0..src.len()).filter(|&i| src[i] != out[i]).count();
        prop_assert_eq!(differing, changes.len());
        let again = Checklist::parse(out).unwrap();
        prop_assert_eq!(again.items.len(), c.items.len());
        for (i, status) in changes {
            prop_assert_eq!(again.items[i].status, status);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(src in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = Checklist::parse(src);
    }
}
