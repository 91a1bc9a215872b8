//! The mapping: from a checklist item's words to what can verify it.
//!
//! For every item it decides a class (`live`, `repo`, `manual`, `cloud`) and,
//! where a probe fits, the checks with their settings and the thresholds the
//! item's words state. It is deterministic and offline, and explains itself:
//! every decision carries the words or pattern that made it, and
//! [`explain`] lists the alternatives considered. When unsure it says
//! `manual`: a wrong automatic pass is the worst outcome golive can produce.

use golive_checklist::Checklist;
use golive_core::{CheckSpec, Class, Origin, Plan, PlannedItem, Threshold};

pub mod facts;
pub mod rules;
pub mod thresholds;
pub mod words;

pub use rules::Candidate;

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
        checks: Vec::new(),
        why: "no probe fits these words: a person settles it".into(),
        score: 0,
    }
}

/// Maps one item.
pub fn explain(checklist: &Checklist, index: usize) -> Explanation {
    let item = &checklist.items[index];
    let facts = facts::Facts::of(checklist, item);
    let thresholds = thresholds::extract(&item.plain);
    let mut candidates: Vec<Candidate> = rules::RULES
        .iter()
        .filter_map(|(_, rule)| rule(&facts, &thresholds))
        .collect();
    // Highest score first; the rule order breaks ties.
    candidates.sort_by_key(|c| std::cmp::Reverse(c.score));
    let chosen = if candidates.is_empty() {
        fallback()
    } else {
        candidates.remove(0)
    };
    Explanation {
        chosen,
        alternatives: candidates,
        thresholds,
    }
}

/// Maps every item of a checklist into a plan.
pub fn plan(checklist: &Checklist) -> Plan {
    let mut plan = Plan::default();
    for index in 0..checklist.items.len() {
        let item = &checklist.items[index];
        let Explanation {
            chosen, thresholds, ..
        } = explain(checklist, index);
        let mut checks = Vec::new();
        let n = chosen.checks.len();
        for (k, draft) in chosen.checks.into_iter().enumerate() {
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
                    why: chosen.why.clone(),
                },
            );
            spec.item = Some(item.id.clone());
            spec.name = item.plain.clone();
            spec.expect = draft.expect;
            checks.push(plan.checks.len());
            plan.checks.push(spec);
        }
        let probe = (n > 0).then(|| plan.checks[checks[0]].kind);
        let needs = if chosen.class == Class::Cloud {
            vec!["a command check in golive.toml".to_string()]
        } else {
            Vec::new()
        };
        plan.items.push(PlannedItem {
            index,
            class: chosen.class,
            probe,
            thresholds,
            why: chosen.why,
            checks,
            needs,
        });
    }
    plan
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
    fn posts_with_bodies_are_never_sent_on_a_guess() {
        let (_, p) = map(
            "## A\n- [ ] Login works\n  ```bash\n  curl -X POST https://api.yourdomain.com/login -d '{\"password\":\"x\"}'\n  ```\n",
        );
        assert!(p.checks.is_empty());
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
        assert!(
            p.items[1].checks.is_empty(),
            "env files belong to the env probe"
        );
    }
}
