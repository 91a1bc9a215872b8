//! The mapping: from a checklist item's words to what can verify it.
//!
//! For every item it decides a class (`live`, `repo`, `manual`, `cloud`) and,
//! where a probe fits, the checks with their settings and the thresholds the
//! item's words state. It is deterministic and offline, and explains itself:
//! every decision carries the words or pattern that made it, and
//! [`explain`] lists the alternatives considered. When unsure it says
//! `manual`: a wrong automatic pass is the worst outcome golive can produce.
//!
//! The rules were written from the probe catalogue (what each kind
//! verifies, in the words teams use for it), not from the seed checklists;
//! the seeds measure them (`tests/labels.rs`).

use golive_checklist::Checklist;
use golive_core::{CheckSpec, Class, Origin, Plan, PlannedItem, ProbeKind, Threshold};

/// Joins pieces of text into one `String` with one allocation. The
/// mapping writes a `why` for every item; for these short joins `format!`'s
/// machinery cost more than the copying.
macro_rules! cat {
    ($($piece:expr),+ $(,)?) => {
        [$(::std::convert::AsRef::<str>::as_ref(&$piece)),+].concat()
    };
}

pub mod facts;
pub mod rules;
pub mod thresholds;
pub mod triggers;
pub mod words;

pub use rules::{Candidate, Env};

/// Below this score a rule's proposal is not taken: the item stays manual.
const MIN_SCORE: u8 = 55;

/// How an item was mapped, and what else was considered.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub chosen: Candidate,
    pub alternatives: Vec<Candidate>,
    pub thresholds: Vec<Threshold>,
}

fn fallback() -> Candidate {
    Candidate {
        rule: "default",
        class: Class::Manual,
        kind: None,
        checks: Vec::new(),
        needs: Vec::new(),
        why: "no probe fits these words: a person settles it".into(),
        score: 0,
    }
}

fn candidates(facts: &facts::Facts<'_>, env: &Env) -> Vec<Candidate> {
    let open = rules::open_rules(facts);
    let mut found: Vec<Candidate> = rules::RULES
        .iter()
        .enumerate()
        .filter_map(|(i, (name, rule, _))| {
            if open & (1 << i) == 0 {
                debug_assert!(
                    rule(facts, env).is_none(),
                    "rule `{name}` proposed something for an item its gate shuts it out of"
                );
                return None;
            }
            rule(facts, env)
        })
        .collect();
    // Highest score first; the rule order breaks ties.
    found.sort_by_key(|c| std::cmp::Reverse(c.score));
    found
}

fn choose(mut found: Vec<Candidate>) -> (Candidate, Vec<Candidate>) {
    match found.first() {
        Some(best) if best.score >= MIN_SCORE => {
            let chosen = found.remove(0);
            (chosen, found)
        }
        _ => (fallback(), found),
    }
}

/// Maps one item, with the alternatives considered.
pub fn explain(checklist: &Checklist, index: usize) -> Explanation {
    explain_with(checklist, index, &Env::default())
}

pub fn explain_with(checklist: &Checklist, index: usize, env: &Env) -> Explanation {
    let doc = facts::Doc::of(checklist);
    let f = facts::Facts::of(checklist, &doc, index);
    let (chosen, alternatives) = choose(candidates(&f, env));
    Explanation {
        chosen,
        alternatives,
        thresholds: f.thresholds.to_vec(),
    }
}

/// Maps every item of a checklist into a plan.
pub fn plan(checklist: &Checklist) -> Plan {
    plan_with(checklist, &Env::default())
}

/// Maps every item, choosing variable names the environment defines.
pub fn plan_with(checklist: &Checklist, env: &Env) -> Plan {
    let mut doc = facts::Doc::of(checklist);
    let found: Vec<Candidate> = (0..checklist.items.len())
        .map(|i| choose(candidates(&facts::Facts::of(checklist, &doc, i), env)).0)
        .collect();
    let mut chosen: Vec<(Candidate, Vec<Threshold>)> = found
        .into_iter()
        .zip(std::mem::take(&mut doc.thresholds))
        .collect();
    roll_up(checklist, &mut chosen);
    let mut plan = Plan::default();
    plan.items.reserve_exact(chosen.len());
    for (index, (candidate, thresholds)) in chosen.into_iter().enumerate() {
        let item = &checklist.items[index];
        let mut checks = Vec::new();
        for (k, draft) in candidate.checks.into_iter().enumerate() {
            let id = if k == 0 {
                item.id.clone()
            } else {
                format!("{}#{}", item.id, k + 1)
            };
            let mut spec = CheckSpec::new(
                id,
                draft.kind,
                draft.settings,
                Origin::Mapping {
                    why: candidate.why.clone(),
                },
            );
            spec.item = Some(item.id.clone());
            spec.name = item.plain.clone();
            spec.expect = draft.expect;
            // Loads take their duration and more: give them room.
            if draft.kind.name() == "load" {
                spec.timeout = Some(std::time::Duration::from_secs(40));
            }
            checks.push(plan.checks.len());
            plan.checks.push(spec);
        }
        plan.items.push(PlannedItem {
            index,
            class: candidate.class,
            probe: candidate.kind,
            thresholds,
            why: candidate.why,
            checks,
            needs: candidate.needs,
        });
    }
    plan
}

/// A parent item ("**Configure Firewall**") whose own words map to nothing
/// sure takes the class and kind most of its sub-items have; it has no
/// check of its own (its status comes from theirs).
fn roll_up(checklist: &Checklist, chosen: &mut [(Candidate, Vec<Threshold>)]) {
    for i in (0..checklist.items.len()).rev() {
        let children = &checklist.items[i].children;
        if children.is_empty() {
            continue;
        }
        let mut counts: Vec<(Class, Option<ProbeKind>, usize)> = Vec::new();
        for &c in children {
            let (cand, _) = &chosen[c];
            if cand.class == Class::Manual {
                continue;
            }
            match counts
                .iter_mut()
                .find(|(cl, k, _)| *cl == cand.class && *k == cand.kind)
            {
                Some(entry) => entry.2 += 1,
                None => counts.push((cand.class, cand.kind, 1)),
            }
        }
        let own = &chosen[i].0;
        // A heading item over people's sub-items ("**Backup Verification**"
        // over "Monthly restore tests scheduled") is people's too, unless
        // it shows its own request.
        if counts.is_empty() {
            if own.class != Class::Manual && own.score < 88 {
                chosen[i].0 = Candidate {
                    rule: "sub-items",
                    class: Class::Manual,
                    kind: None,
                    checks: Vec::new(),
                    needs: Vec::new(),
                    why: format!(
                        "all {} of its sub-items are a person's: so is it",
                        children.len()
                    ),
                    score: own.score,
                };
            }
            continue;
        }
        let sure = own.score >= 84 && own.class != Class::Manual;
        if sure {
            continue;
        }
        let (class, kind, n) = counts
            .iter()
            .max_by_key(|(_, _, n)| *n)
            .copied()
            .expect("not empty");
        let manual_children = children.len() - counts.iter().map(|c| c.2).sum::<usize>();
        if n * 2 < children.len() - manual_children.min(children.len() / 2) && n < 2 {
            continue;
        }
        chosen[i].0 = Candidate {
            rule: "sub-items",
            class,
            kind,
            checks: Vec::new(),
            needs: Vec::new(),
            why: format!(
                "{n} of its {} sub-items are {class}{}: it is complete when they are",
                children.len(),
                kind.map(|k| format!(" ({k})")).unwrap_or_default()
            ),
            score: own.score,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(md: &str) -> (Checklist, Plan) {
        let c = Checklist::parse(md.as_bytes().to_vec()).unwrap();
        let p = plan(&c);
        (c, p)
    }

    #[test]
    fn curl_blocks_become_http_checks_on_the_deployment() {
        let (_, p) = map(
            "## Health\n- [ ] **Auth Service**\n  ```bash\n  curl -f http://localhost:3001/health\n  curl -f http://localhost:3001/health/detailed\n  ```\n",
        );
        assert_eq!(p.items[0].class, Class::Live);
        assert_eq!(p.checks.len(), 2);
        assert_eq!(p.checks[0].settings["url"].as_str(), Some("${app}/health"));
        assert_eq!(p.checks[1].id, "health/auth-service#2");
        assert_eq!(p.checks[0].expect[0].source(), "status < 400");
        assert!(
            p.items[0].why.contains("localhost:3001 rebased onto --url"),
            "{}",
            p.items[0].why
        );
    }

    #[test]
    fn health_items_with_paths_and_thresholds() {
        let (_, p) =
            map("## Backend\n- [ ] Health endpoint `/api/health` returns 200 OK (<500ms)\n");
        let c = &p.checks[0];
        assert_eq!(c.settings["url"].as_str(), Some("${app}/api/health"));
        let e: Vec<_> = c.expect.iter().map(|e| e.source()).collect();
        assert_eq!(e, ["status == 200", "time < 500ms"]);
    }

    #[test]
    fn ports_and_people_and_clouds() {
        let (_, p) = map(
            "## F\n- [ ] Allow port 443 (HTTPS)\n- [ ] Allow port 22 (SSH) from specific IPs\n- [ ] Block port 5432\n- [ ] Train support team\n- [ ] RDS Multi-AZ enabled\n- [ ] Something vague\n",
        );
        assert_eq!(p.items[0].class, Class::Live);
        assert_eq!(p.checks[0].settings["port"].as_integer(), Some(443));
        assert_eq!(p.items[1].class, Class::Manual);
        assert_eq!(
            p.checks[1].settings.get("closed").and_then(|v| v.as_bool()),
            Some(true)
        );
        assert_eq!(p.items[3].class, Class::Manual);
        assert_eq!(p.items[4].class, Class::Cloud);
        assert_eq!(p.items[5].class, Class::Manual);
        assert!(p.items[5].checks.is_empty());
    }

    #[test]
    fn gates_shut_rules_out_of_items_without_their_words() {
        let c = Checklist::parse(
            b"## Launch\n- [ ] Train support team\n- [ ] CORS origins restricted\n".to_vec(),
        )
        .unwrap();
        let doc = facts::Doc::of(&c);
        let bit = |name: &str| 1u32 << rules::RULES.iter().position(|r| r.0 == name).unwrap();
        let open = |i| rules::open_rules(&facts::Facts::of(&c, &doc, i));
        assert_eq!(open(0) & bit("cors"), 0);
        assert_ne!(open(1) & bit("cors"), 0);
        assert_ne!(
            open(0) & bit("people"),
            0,
            "a rule without a gate is always asked"
        );
    }

    /// Items made of the rules' own words (every list's), with numbers,
    /// paths, variables and code under them: each reaches several rules.
    fn rule_words_checklist() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let word = prop_oneof![
            6 => proptest::sample::select(words::VOCABULARY),
            1 => proptest::sample::select(&[
                "port 443", "/api/health", "DATABASE_URL", "< 200ms", "100 users", "`.env`",
                "https://example.com/x", "Create", "Train", "**", "(", "—",
            ][..]),
        ];
        let text = proptest::collection::vec(word, 1..6).prop_map(|w| w.join(" "));
        let line = prop_oneof![
            3 => text.clone().prop_map(|t| format!("- [ ] {t}")),
            2 => text.clone().prop_map(|t| format!("  - [ ] {t}")),
            1 => text.clone().prop_map(|t| format!("## {t}")),
            1 => text.prop_map(|t| format!("  ```bash\n  curl -f http://localhost:3000{t}\n  ```")),
        ];
        proptest::collection::vec(line, 1..16).prop_map(|l| l.join("\n"))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        // In debug builds `candidates` asks every rule its gate shut out,
        // and fails if one would have proposed something.
        #[test]
        fn gates_never_shut_out_a_proposal(md in rule_words_checklist()) {
            let c = Checklist::parse(md.into_bytes()).unwrap();
            let env = Env { names: vec!["DATABASE_URL".into(), "REDIS_URL".into()] };
            let p = plan_with(&c, &env);
            proptest::prop_assert_eq!(p.items.len(), c.items.len());
        }
    }

    #[test]
    fn posts_with_bodies_are_never_sent_on_a_guess() {
        let (_, p) = map(
            "## A\n- [ ] Login endpoint answers\n  ```bash\n  curl -X POST https://api.yourdomain.com/login -d '{\"password\":\"x\"}'\n  ```\n",
        );
        assert!(p.checks.iter().all(|c| c.kind.name() != "http"));
    }

    #[test]
    fn files_in_the_repo() {
        let (_, p) = map(
            "## Docs\n- [x] Project summary generated (PROJECT_SUMMARY.md)\n- [ ] `.env.production` file is created\n",
        );
        assert_eq!(p.items[0].class, Class::Repo);
        assert_eq!(
            p.checks[0].settings["path"].as_str(),
            Some("PROJECT_SUMMARY.md")
        );
        assert_ne!(
            p.items[1].probe.map(|k| k.name()),
            Some("file"),
            "env files belong to the env probe"
        );
        let (_, p) = map(
            "## Config\n- [x] .env.example files are present\n- [ ] Landing page loads at the production URL (`/`)\n",
        );
        assert_eq!(p.checks[0].settings["path"].as_str(), Some(".env.example"));
        assert_eq!(p.checks[1].settings["url"].as_str(), Some("${app}/"));
    }
}
